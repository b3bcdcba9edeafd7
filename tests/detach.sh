#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
# Run-time devices: DFU_DETACH, USB reset, re-enumeration in DFU mode.
. "$TOP_SRCDIR/tests/lib.sh"

fw="$scratch/fw.bin"

sim_new rt
dfu --sim runtime -l
rt_ids=$(printf '%s\n' "$out" | sed -n 's/^Found Runtime: \[\([0-9a-f:]*\)\].*/\1/p' | head -n 1)
rt_devnum=$(printf '%s\n' "$out" | sed -n 's/^Found Runtime: .*devnum=\([0-9]*\),.*/\1/p' | head -n 1)
[ -n "$rt_ids" ]
tap_result $? "run-time device listed ($rt_ids)"

mkdata "$fw" 4000
dfu -R -D "$fw"
expect_rc 0 "detach and download in one run"
expect_reqs DETACH 1 "one DFU_DETACH"
[ "$(reqs RESET)" -ge 1 ]
tap_result $? "USB reset after the detach"
expect_mem "$sim_dir/dev1.mem" 0 4000 "$fw" "the re-enumerated device got the file"

# -R made the device go back to its application; list again.
dfu -l
expect_rc 0 "list after the download"
expect_out '^Found Runtime:' "back in run-time mode after -R"

# -e alone: detach and stop.
sim_new e
dfu --sim runtime -e
expect_rc 0 "-e detaches"
expect_reqs DETACH 1 "-e sends DFU_DETACH"
expect_reqs DNLOAD 0 "-e sends nothing else"
dfu -l
expect_out '^Found DFU:' "after -e the device is in DFU mode"
dfu_devnum=$(printf '%s\n' "$out" | sed -n 's/^Found DFU: .*devnum=\([0-9]*\),.*/\1/p' | head -n 1)
[ -n "$dfu_devnum" ] && [ "$dfu_devnum" != "$rt_devnum" ]
tap_result $? "re-enumerated with a new device number ($rt_devnum -> $dfu_devnum)"
dfu_ids=$(printf '%s\n' "$out" | sed -n 's/^Found DFU: \[\([0-9a-f:]*\)\].*/\1/p' | head -n 1)
[ -n "$dfu_ids" ] && [ "$dfu_ids" != "$rt_ids" ]
tap_result $? "DFU mode has another product id ($rt_ids -> $dfu_ids)"

# -d RUNTIME,DFU as the classic instructions give it.
sim_new pair
dfu --sim runtime -d "$rt_ids,$dfu_ids" -D "$fw"
expect_rc 0 "-d run-time,dfu pair"
expect_mem "$sim_dir/dev1.mem" 0 4000 "$fw" "flashed through the id pair"

# A device that detaches by itself needs no reset from us.
sim_new willdetach
dfu --sim runtime:attributes=0x0f -D "$fw"
expect_rc 0 "bitWillDetach device"
expect_reqs DETACH 1 "one DFU_DETACH"
grep ' RESET ' "$sim_dir/requests.log" | head -n 1 > "$scratch/first_reset"
first_dnload=$(grep -n ' DNLOAD ' "$sim_dir/requests.log" | head -n 1 | cut -d: -f1)
first_reset=$(grep -n ' RESET ' "$sim_dir/requests.log" | head -n 1 | cut -d: -f1)
[ -z "$first_reset" ] || [ "$first_reset" -gt "$first_dnload" ]
tap_result $? "no USB reset between DETACH and the download"

done_testing
