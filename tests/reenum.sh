#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
#
# After DFU_DETACH: flash the device that re-enumerated, never a device
# that was already in DFU mode (issue 9, part 1); the file's suffix is
# checked before the detach; -w waits for a device that appears late; -i
# names the run-time interface (issue 10).  The simulated devices are off
# the bus for reenum_ms (500 ms) while they re-enumerate, as real ones are.
. "$TOP_SRCDIR/tests/lib.sh"

fw="$scratch/fw.bin"
mkdata "$fw" 4096		# four whole 1 KiB pages of the probe: nothing to preserve
bmp_fw_at=8192			# -s 0x08002000, in the probe's flash region file
bmp_mem=dev2.alt0.0x08000000.mem

# Everything the tool said, whichever stream it went to.
said()
{
	printf '%s\n%s\n' "$out" "$err" | grep -Eiq -- "$1"
	tap_result $? "$2"
}

# Requests that act on a device (not reading its descriptors) to devN.
acts_on()
{
	grep " $1 " "$sim_dir/requests.log" 2>/dev/null |
		grep -Ec ' (DETACH|DNLOAD|UPLOAD|GETSTATUS|CLRSTATUS|GETSTATE|ABORT|SET_ALT|SET_INTERFACE|RESET) ' || true
}

# Requests that act on any device after the first DFU_DETACH; -1 when
# there was no DFU_DETACH at all, so that "none after it" cannot pass then.
acts_after_detach()
{
	[ "$(reqs DETACH)" -gt 0 ] || { echo -1; return; }
	sed -n '/ DETACH /,$p' "$sim_dir/requests.log" | sed 1d |
		grep -Ec ' (DNLOAD|UPLOAD|GETSTATUS|CLRSTATUS|GETSTATE|ABORT|SET_ALT|SET_INTERFACE) ' || true
}

# A checksum of a device's memory files.
mem_sum()
{
	cat "$sim_dir"/"$1".* 2>/dev/null | cksum
}

bmp_has_fw()
{
	mem_at "$sim_dir/$1" "$bmp_fw_at" 4096 | cmp -s - "$fw"
}

# ---- a bystander already in DFU mode is never the device that came back
sim_new bystander
dfu --sim stm32f4,blackmagic -l
before=$(mem_sum dev1)
reqs_clear
dfu -d 1d50:6018 -s 0x08002000:leave -D "$fw"
expect_rc 0 "bystander STM32 + Black Magic Probe: -d 1d50:6018 -s 0x08002000:leave"
[ "$(acts_on dev1)" -eq 0 ]
tap_result $? "nothing but descriptor reads went to the bystander (dev1)"
[ "$(mem_sum dev1)" = "$before" ]
tap_result $? "the bystander's memory is untouched"
bmp_has_fw "$bmp_mem"
tap_result $? "the probe got its firmware at 0x08002000"
grep ' dev2 ' "$sim_dir/requests.log" | grep -q 'cmd=LEAVE addr=0x08002000'
tap_result $? "the probe was told to leave"
expect_reqs DETACH 1 "one DFU_DETACH"

# The DFU-mode pair names the bystander's IDs too (-n, which names the
# device before the detach, keeps it from matching then): still no candidate.
sim_new samepair
dfu --sim blackmagic:state=dfuIDLE:serial=OTHER,blackmagic -l
reqs_clear
dfu -d 1d50:6018,1d50:6017 -n 3 -s 0x08002000:leave -D "$fw"
expect_rc 0 "a second probe already in DFU mode (same IDs) next to the one detaching"
[ "$(acts_on dev1)" -eq 0 ]
tap_result $? "nothing but descriptor reads went to the probe already in DFU mode"
bmp_has_fw "$bmp_mem"
tap_result $? "the detached probe was flashed"

# A newcomer elsewhere does not win over the device back on its own port.
sim_new newcomer
dfu --sim blackmagic,stm32f4:appear_ms=200 -d 1d50:6018 -s 0x08002000:leave -D "$fw"
expect_rc 0 "a device plugged in during the wait, the probe back on its port"
[ "$(acts_on dev2)" -eq 0 ]
tap_result $? "nothing but descriptor reads went to the newcomer"
bmp_has_fw dev1.alt0.0x08000000.mem
tap_result $? "the probe on the port it detached from was flashed"

# ---- more than one new device, none on the port: refused, nothing sent
sim_new twonew
dfu --sim stm32f4:appear_ms=300,blackmagic:dfu_hub_port=1 -E 2 -d 1d50:6018 \
	-s 0x08002000:leave -D "$fw"
expect_rc 64 "two DFU devices appeared, neither on the probe's port"
[ "$(acts_after_detach)" -eq 0 ]
tap_result $? "nothing sent to any device after the detach"
[ "$(acts_on dev1)" -eq 0 ]
tap_result $? "the STM32 that appeared got nothing"
said 'more than one|2 new' "the refusal says more than one device appeared"
said '0483:df11' "... and lists the STM32"
said '1d50:6017' "... and the probe"

# -S still selects among the new devices.
sim_new twonewserial
dfu --sim stm32f4:appear_ms=300,blackmagic:dfu_hub_port=1 -E 2 -d 1d50:6018 -S C2C89BDB \
	-s 0x08002000:leave -D "$fw"
expect_rc 0 "two new DFU devices, -S names the probe's serial"
[ "$(acts_on dev1)" -eq 0 ]
tap_result $? "the STM32 that appeared got nothing"
bmp_has_fw dev2.alt0.0x08000000.mem
tap_result $? "the probe was flashed"

# -p names the port, before and after the detach (no -d at all).
sim_new bypath
dfu --sim stm32f4,blackmagic,stm32f4:serial=OTHER:appear_ms=200 -p 1-2 -s 0x08002000:leave -D "$fw"
expect_rc 0 "-p 1-2 with a bystander and a newcomer"
[ "$(acts_on dev1)" -eq 0 ] && [ "$(acts_on dev3)" -eq 0 ]
tap_result $? "neither STM32 got anything"
bmp_has_fw "$bmp_mem"
tap_result $? "the probe on 1-2 was flashed"

# The same device alone on another path is the one that came back.
sim_new otherpath
dfu --sim blackmagic:dfu_hub_port=1 -E 1 -d 1d50:6018 -s 0x08002000:leave -D "$fw"
expect_rc 0 "the probe alone comes back on another path (1-1.1)"
bmp_has_fw dev1.alt0.0x08000000.mem
tap_result $? "... and is flashed"
said '1-1\.1' "the note names the path it came back on"

# ---- nothing new within -E: refused, the bystander untouched
sim_new late
dfu --sim stm32f4,blackmagic:reenum_ms=3000 -l
before=$(mem_sum dev1)
reqs_clear
dfu -E 1 -d 1d50:6018 -s 0x08002000:leave -D "$fw"
expect_rc 74 "the probe takes 3 s to come back, -E 1"
[ "$(acts_after_detach)" -eq 0 ]
tap_result $? "nothing sent to any device after the detach"
[ "$(mem_sum dev1)" = "$before" ]
tap_result $? "the bystander's memory is untouched"
said 'did not come back in DFU mode within 1 s' "the message says what did not happen"
said '0483:df11.*(already|before)' "... and why the STM32 was not taken"

# ---- the suffix is checked before DFU_DETACH
sim_new suffix
step "$MKSUFFIX" "$fw" "$scratch/stm32.dfu" 0483 df11
dfu --sim stm32f4,blackmagic -l
reqs_clear
dfu -d 1d50:6018,1d50:6017 -s 0x08002000:leave -D "$scratch/stm32.dfu"
expect_rc 65 "a file for 0483:df11 with -d 1d50:6018,1d50:6017"
expect_reqs DETACH 0 "refused before DFU_DETACH"
said '0483:df11' "the message names the file's IDs"
sim_new suffix1
dfu --sim stm32f4,blackmagic -d 1d50:6018 -s 0x08002000:leave -D "$scratch/stm32.dfu"
expect_rc 65 "a file for 0483:df11 with -d 1d50:6018"
expect_reqs DETACH 0 "refused before DFU_DETACH"
said '-d 1d50:6018,0483:df11' "the hint shows how to name DFU-mode IDs"
sim_new suffix2
dfu --sim stm32f4,blackmagic -s 0x08002000:leave -D "$scratch/stm32.dfu" -p 1-2
expect_rc 65 "a file for 0483:df11, the probe picked by -p"
expect_reqs DETACH 0 "refused before DFU_DETACH"
dfu -l
said 'Found Runtime: \[1d50:6018\]' "the probe is still in run-time mode"

step "$MKSUFFIX" "$fw" "$scratch/bmp.dfu" 1d50 6017
sim_new suffixok
dfu --sim stm32f4,blackmagic -d 1d50:6018,:6017 -s 0x08002000:leave -D "$scratch/bmp.dfu"
expect_rc 0 "a file for the DFU-mode IDs given with -d 1d50:6018,:6017"
bmp_has_fw "$bmp_mem"
tap_result $? "... is flashed"
sim_new suffixrt
step "$MKSUFFIX" "$fw" "$scratch/bmp-rt.dfu" 1d50 6018
dfu --sim stm32f4,blackmagic -d 1d50:6018 -s 0x08002000:leave -D "$scratch/bmp-rt.dfu"
expect_rc 0 "a file for the run-time IDs"
bmp_has_fw "$bmp_mem"
tap_result $? "... is flashed"
# After the re-enumeration, against the device found: -d gave a wildcard.
sim_new suffixafter
step "$MKSUFFIX" "$fw" "$scratch/dfmode.dfu" 1d50 6099
dfu --sim blackmagic -d 1d50:6018,1d50:* -s 0x08002000:leave -D "$scratch/dfmode.dfu"
expect_rc 65 "a file for 1d50:6099, -d 1d50:6018,1d50:*: refused once the device is back"
expect_reqs DETACH 1 "(the wildcard could not tell before the detach)"
[ "$(acts_after_detach)" -eq 0 ]
tap_result $? "nothing sent to the DFU-mode device"

# ---- -w: a device plugged in 1.5 s after the start
sim_new nowait
dfu --sim dfu-plain:appear_ms=1500 -D "$fw"
expect_rc 74 "without -w a device not plugged in yet is not found"
said 'no DFU capable USB device' "... and the message says so"
[ "$(reqs DNLOAD)" -eq 0 ]
tap_result $? "nothing was written"
sim_new wait
dfu --sim dfu-plain:appear_ms=1500 -w -D "$fw"
expect_rc 0 "-w waits for it"
expect_mem "$sim_dir/dev1.mem" 0 4096 "$fw" "... and flashes it"
sim_new waitshort
dfu --sim dfu-plain:appear_ms=1500 --wait=1 -D "$fw"
expect_rc 74 "--wait=1 gives up before it appears"

# ---- -i names the run-time interface (Black Magic: 4, then 0 in DFU mode)
sim_new intf
dfu --sim blackmagic -d 1d50:6018 -i 4 -s 0x08002000:leave -D "$fw"
expect_rc 0 "-i 4 on the probe"
bmp_has_fw dev1.alt0.0x08000000.mem
tap_result $? "... flashed through interface 0 in DFU mode"
sim_new intfwrong
dfu --sim blackmagic -d 1d50:6018 -i 3 -s 0x08002000:leave -D "$fw"
expect_rc 74 "-i 3: the probe has no DFU interface 3"
expect_reqs DETACH 0 "nothing detached"
sim_new intfdfu
dfu --sim blackmagic:state=dfuIDLE -i 0 -s 0x08002000:leave -D "$fw"
expect_rc 0 "-i 0 on a device already in DFU mode names its DFU interface"

done_testing
