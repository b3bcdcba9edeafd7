#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
# Listing and device matching on simulated devices.
. "$TOP_SRCDIR/tests/lib.sh"

ids_of() { printf '%s\n' "$out" | sed -n "s/^Found $1: \[\([0-9a-f]*:[0-9a-f]*\)\].*/\1/p" | head -n 1; }

sim_new one
dfu --sim dfu-plain -l
expect_rc 0 "-l on one simulated device"
expect_out '^Found DFU: \[[0-9a-f]{4}:[0-9a-f]{4}\] ver=[0-9a-f]{4}, devnum=[0-9]+, cfg=1, intf=0, path="1-1", alt=0, name="[^"]*", serial="[^"]*"$' \
	"-l prints the classic line format"
plain=$(ids_of DFU)
[ "$(printf '%s\n' "$out" | grep -c '^Found DFU')" -eq 1 ]
tap_result $? "one line for one alt setting"
expect_no_dfu_reqs "listing sends no DFU request"

dfu -l -v
expect_rc 0 "-l -v"
expect_out 'wTransferSize|transfer size' "-l -v shows the functional descriptor"

sim_new f4
dfu --sim stm32f4 -l
expect_rc 0 "-l on the STM32F4 profile"
expect_out 'Found DFU: \[0483:df11\] ver=2200, devnum=[0-9]+, cfg=1, intf=0, path="1-1", alt=3, name="@Device Feature/0xFFFF0000/01\*004 g"' \
	"fourth alt setting listed with its name"
[ "$(printf '%s\n' "$out" | grep -c '^Found DFU: \[0483:df11\]')" -eq 4 ]
tap_result $? "four alt settings, four lines"
printf '%s\n' "$out" | grep '^Found' | awk -F'alt=' '{ split($2, a, ","); print a[1] }' | sort -c -n
tap_result $? "ordered by alt setting"

sim_new rt
dfu --sim runtime -l
expect_rc 0 "-l on a run-time device"
expect_out '^Found Runtime: \[' "run-time interfaces say Found Runtime"

# Two devices on one bus.
sim_new two
dfu --sim dfu-plain,dfu-plain:serial=SECOND -l
expect_rc 0 "-l with two devices"
[ "$(printf '%s\n' "$out" | grep -c '^Found DFU')" -eq 2 ]
tap_result $? "both devices listed"
expect_out 'path="1-2".*serial="SECOND"' "second device on port 2 with its serial"

tmp="$scratch/up.bin"
dfu -Z 16 -U "$tmp"
expect_rc 64 "two matching devices are refused"
expect_err 'more than one' "ambiguity is explained"
expect_err '\-S|-p|-n' "the message suggests -S, -p or -n"
[ ! -e "$tmp" ]
tap_result $? "no upload file left behind"

dfu -S SECOND -Z 16 -U "$tmp"
expect_rc 0 "-S picks one of two"
rm -f "$tmp"
dfu -p 1-1 -Z 16 -U "$tmp"
expect_rc 0 "-p picks one of two"
rm -f "$tmp"

dfu -d "$plain" -S NOSUCH -Z 16 -U "$tmp"
expect_rc 74 "no device with that serial"
expect_err '^dfu-util: No DFU capable USB device available$' "no-match error in the classic's words"
expect_err 'none of the DFU devices found matches' "... then why, in hints"
expect_err 'serial' "the reason names the serial"

dfu -d dead:beef -Z 16 -U "$tmp"
expect_rc 74 "wrong vid:pid matches nothing"
expect_err 'dead:beef|0xdead|dead' "the reason quotes the wanted ids"

dfu -a 7 -Z 16 -U "$tmp"
expect_rc 74 "no alt setting 7"

dfu -n 250 -Z 16 -U "$tmp"
expect_rc 74 "no device number 250"

sim_new f4alt
dfu --sim stm32f4 -a "@Option Bytes  /0x1FFFC000/01*016 g" -e
expect_rc 0 "-a by name matches an alt setting"

# ---- -l narrows by every selector, as the man page says.
sim_new narrow
dfu --sim dfu-plain,stm32f4,runtime:runtime_interface=2 -l
expect_rc 0 "-l on three devices"
lines() { printf '%s\n' "$out" | grep -c '^Found ' || true; }
[ "$(lines)" -eq 6 ]
tap_result $? "-l alone lists all six interfaces ($(lines))"
f4num=$(printf '%s\n' "$out" | sed -n 's/^Found DFU: \[0483:df11\].*devnum=\([0-9]*\),.*/\1/p' | head -n 1)
narrow()
{
	local want=$1 pat=$2; shift 2
	dfu -l "$@"
	[ "$rc" -eq 0 ] && [ "$(lines)" -eq "$want" ] &&
		[ "$(printf '%s\n' "$out" | grep '^Found ' | grep -Evc -- "$pat" || true)" -eq 0 ]
	tap_result $? "-l $* lists $want line(s) matching $pat (saw $(lines))"
}
narrow 4 '\[0483:df11\]' -d 0483:df11
narrow 4 '\[0483:df11\]' -d 0483
narrow 1 '\[1d50:6018\]' -d 1d50:6018
narrow 1 '\[1d50:6018\]' -d 1d50:6018,1d50:6017
narrow 1 'path="1-1"' -p 1-1
narrow 4 "devnum=$f4num," -n "$f4num"
narrow 1 'serial="SIM0001"' -S SIM0001
narrow 1 'alt=2, name="@OTP' -d 0483:df11 -a 2
narrow 1 'alt=1, name="@Option' -a "@Option Bytes  /0x1FFFC000/01*016 g"
narrow 1 'intf=2' -i 2
narrow 6 'cfg=1' -c 1
dfu -l -c 2
expect_rc 0 "-l with a selector nothing passes still succeeds"
[ "$(lines)" -eq 0 ]
tap_result $? "... and lists nothing"

# ---- the simulated backend always says so, on stderr, once.
sim_new notice
simline='^dfu-util: using simulated USB devices'
dfu --sim dfu-plain -l
[ "$(printf '%s\n' "$err" | grep -c "$simline")" -eq 1 ]
tap_result $? "--sim: one line on stderr says simulated devices are in use"
expect_err "$simline.*state: $sim_dir.*clock: virtual" "... naming the state directory and the clock"
printf '%s\n' "$out" | grep -q "$simline"
[ $? -ne 0 ]
tap_result $? "... and not on stdout"
run env DFU_UTIL_SIM_STATE="$sim_dir" DFU_UTIL_SIM_CLOCK=real "$DFU_UTIL" -l
expect_rc 0 "-l on simulated devices chosen by DFU_UTIL_SIM_STATE alone"
expect_err "$simline.*state: $sim_dir.*clock: real.*DFU_UTIL_SIM_STATE" \
	"an exported variable that selects the simulator is named, with the real clock"
run env DFU_UTIL_SIM=dfu-plain "$DFU_UTIL" -l
expect_err "$simline.*state: not kept.*DFU_UTIL_SIM" "without a state directory: 'not kept'"
run "$DFU_UTIL" --sim dfu-plain -vv -l
[ "$(printf '%s\n' "$err" | grep -c "$simline")" -eq 1 ]
tap_result $? "the notice is printed once also with -vv"
run "$DFU_UTIL" --sim help
[ -z "$err" ]
tap_result $? "--sim help uses no device and prints no notice"

done_testing
