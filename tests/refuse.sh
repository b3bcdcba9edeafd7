#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
# Refusals: each must happen before any DFU request reaches the device.
. "$TOP_SRCDIR/tests/lib.sh"

fw="$scratch/fw.bin"
mkdata "$fw" 3000

sim_new ids
dfu --sim dfu-plain -l
ids=$(printf '%s\n' "$out" | sed -n 's/^Found DFU: \[\([0-9a-f]*\):\([0-9a-f]*\)\].*/\1 \2/p' | head -n 1)
set -- $ids
vid=$1 pid=$2

step "$MKSUFFIX" "$fw" "$scratch/good.dfu" "$vid" "$pid"
step "$MKSUFFIX" "$fw" "$scratch/any.dfu" ffff ffff
step "$MKSUFFIX" "$fw" "$scratch/other.dfu" dead beef
step "$MKSUFFIX" "$fw" "$scratch/corrupt.dfu" "$vid" "$pid" bad-crc

sim_new good
dfu --sim dfu-plain -D "$scratch/good.dfu"
expect_rc 0 "a file whose suffix names this device"
expect_mem "$sim_dir/dev1.mem" 0 3000 "$fw" "the suffix is not sent to the device"
expect_reqs DNLOAD 4 "3000 bytes in 3 blocks plus the zero-length one"

sim_new any
dfu --sim dfu-plain -D "$scratch/any.dfu"
expect_rc 0 "suffix ids 0xffff match any device"

sim_new other
dfu --sim dfu-plain -D "$scratch/other.dfu"
expect_rc 65 "a file for another device is refused"
expect_err 'dead:beef' "the message names the file's device"
expect_no_dfu_reqs "nothing was sent to the device"

# fwupd's long suffix: a metadata table before the footer, in bLength.
step "$MKSUFFIX" "$fw" "$scratch/long.dfu" "$vid" "$pid" meta=40
sim_new long
dfu --sim dfu-plain -D "$scratch/long.dfu"
expect_rc 0 "a 56-byte DFU suffix (fwupd metadata) is accepted"
expect_mem "$sim_dir/dev1.mem" 0 3000 "$fw" "... the firmware reached the device"
expect_reqs DNLOAD 4 "... and none of the suffix: 3000 bytes in 3 blocks plus the zero-length one"
dfu -U "$scratch/long.back"
expect_same "$fw" "$scratch/long.back" "... the device holds exactly the firmware"

sim_new corrupt
dfu --sim dfu-plain -D "$scratch/corrupt.dfu"
expect_rc 65 "a wrong CRC means a corrupt file"
expect_err 'CRC|corrupt' "the message says the file is corrupt"
expect_no_dfu_reqs "nothing was sent for a corrupt file"

sim_new missing
dfu --sim dfu-plain -D "$scratch/no-such-file"
expect_rc 66 "a missing input file"
expect_err 'no-such-file' "the message names the file"

sim_new exists
printf 'keep me' > "$scratch/exists.bin"
dfu --sim dfu-plain -U "$scratch/exists.bin"
expect_rc 73 "an existing upload file is never overwritten"
[ "$(cat "$scratch/exists.bin")" = "keep me" ]
tap_result $? "the existing file is untouched"
expect_no_dfu_reqs "nothing was sent before refusing"

sim_new usage
for bad in "-n 0x" "-n 08" "-n -1" "-n 5x" "-t 0" "-d 12345:1" "-d xyz:1" "-d 1:2,3:4,5:6" "-w 5" "-Z 16" "--no-such-option" "-U a -D b"; do
	dfu --sim dfu-plain $bad -l
	expect_rc 64 "usage error: $bad"
done
expect_no_dfu_reqs "no request sent for any usage error"

dfu --sim dfu-plain
expect_rc 64 "nothing to do is a usage error"

dfu --sim no-such-profile -l
expect_fail "an unknown simulator profile is refused"

done_testing
