#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
# Devices found in a state other than dfuIDLE are brought back first.
. "$TOP_SRCDIR/tests/lib.sh"

fw="$scratch/fw.bin"
back="$scratch/back.bin"
mkdata "$fw" 2000

sim_new error
dfu --sim dfu-plain:state=dfuERROR -D "$fw"
expect_rc 0 "download to a device that starts in dfuERROR"
expect_reqs CLRSTATUS 1 "CLRSTATUS clears the error"
expect_mem "$sim_dir/dev1.mem" 0 2000 "$fw" "the file arrived"

sim_new dnidle
dfu --sim dfu-plain:state=dfuDNLOAD-IDLE -D "$fw"
expect_rc 0 "download to a device that starts in dfuDNLOAD-IDLE"
expect_reqs ABORT 1 "ABORT returns it to dfuIDLE"
expect_mem "$sim_dir/dev1.mem" 0 2000 "$fw" "the file arrived"

sim_new upidle
dfu --sim dfu-plain:state=dfuUPLOAD-IDLE -Z 1000 -U "$back"
expect_rc 0 "upload from a device that starts in dfuUPLOAD-IDLE"
first_abort=$(grep -n ' ABORT ' "$sim_dir/requests.log" | head -n 1 | cut -d: -f1)
first_upload=$(grep -n ' UPLOAD ' "$sim_dir/requests.log" | head -n 1 | cut -d: -f1)
[ -n "$first_abort" ] && [ "$first_abort" -lt "$first_upload" ]
tap_result $? "ABORT returns it to dfuIDLE before the upload"
expect_mem "$sim_dir/dev1.mem" 0 1000 "$back" "the upload starts at the beginning"

done_testing
