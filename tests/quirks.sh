#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
# Real devices' quirks, on simulated profiles cloned from real descriptor
# dumps (tests/profiles/*.prof): DfuSe where the device does not say so,
# the quirks table, --quirk, and one scenario per quirk flag that fails
# without the flag.
. "$TOP_SRCDIR/tests/lib.sh"

PROF="$TOP_SRCDIR/tests/profiles"
OPC="$PROF/opc-20.prof"
SPARK="$PROF/sparkcore.prof"
TDK="$PROF/tdk-bluetooth.prof"
LPC="$PROF/lpclink.prof"
BMP=blackmagic

fw="$scratch/fw.bin"
mkdata "$fw" 3072
back="$scratch/back.bin"
mkfill "$scratch/ff64" 64
mkfill "$scratch/z64" 64 132

# ============================================================ opc-20
# bcdDFU 0x1a01 (DfuSe's 0x011a byte-swapped); the table knows it.

sim_new opc-list
dfu --sim "$OPC" -l -v
expect_rc 0 "opc-20: -l -v"
expect_out 'quirks: dfu-version=0x011a \(quirks table: .*opc-20' "opc-20: -l -v shows the table's quirk"
expect_out '0x08000000-0x08002FFF +12 pages of 1 KiB +readable$' "opc-20: -l -v shows the memory map"
dfu --sim "$OPC" -l
expect_no_msg 'quirks' "opc-20: plain -l says nothing about quirks"

sim_new opc-up
rm -f "$back"
dfu --sim "$OPC" -a 1 -Z 64 -U "$back"
expect_rc 0 "opc-20: -U -a 1 -Z 64"
expect_size "$back" 64 "opc-20: the upload has the 64 bytes asked for (not DfuSe's 4-byte command list)"
expect_same "$back" "$scratch/ff64" "opc-20: they are the SPI flash's (erased)"
expect_msg 'driving 0483:df11 as DfuSe: quirk dfu-version=0x011a \(bcdDFU 1a01\)' "opc-20: a note names the reason"
[ "$(logged 'UPLOAD wValue=2 .*cmd=READ addr=0x00000000 ')" -eq 1 ]
tap_result $? "opc-20: read by DfuSe address"

sim_new opc-s
rm -f "$back"
dfu --sim "$OPC" -a 0 -s 0x08003000:64 -U "$back"
expect_rc 0 "opc-20: -s 0x08003000:64 -U"
expect_same "$back" "$scratch/z64" "opc-20: the bytes at 0x08003000"
dfu --sim "$OPC" -a 0 -s 0x08004000 -D "$fw"
expect_rc 0 "opc-20: -s 0x08004000 -D (was refused as plain DFU)"
expect_mem "$(flash)" $((0x4000)) 3072 "$fw" "opc-20: the file is in flash at 0x08004000"
expect_cmds ERASE 3 "opc-20: three 1 KiB pages erased"
expect_no_violation "opc-20: no write over unerased flash"

# ---- the same device unknown to the table (another bcdDevice)
OPCX="$OPC:bcd_device=0x0201"

sim_new opcx-up
rm -f "$back"
dfu --sim "$OPCX" -a 1 -Z 64 -U "$back"
# -Z beyond what the device sends is an error (exit 65, no file).
expect_rc 65 "unknown opc-20: -U without -s stays plain DFU"
expect_msg 'sent 4 bytes, fewer than the 64' "unknown opc-20: plain DFU gets the 4-byte command list (what dfu-version fixes)"
rm -f "$back"
dfu --sim "$OPCX" --quirk dfu-version=0x011a -a 1 -Z 64 -U "$back"
expect_rc 0 "quirk dfu-version=0x011a: -U"
expect_size "$back" 64 "quirk dfu-version=0x011a: 64 bytes by DfuSe address"
dfu --sim "$OPCX" --quirk dfu-version=0x011a -l -v
expect_out 'quirks with --quirk: dfu-version=0x011a' "-l -v shows a --quirk"

sim_new opcx-s
rm -f "$back"
dfu --sim "$OPCX" -a 0 -s 0x08003000:64 -U "$back"
expect_rc 0 "unknown opc-20: -s with a memory map name -U"
expect_msg "driving 0483:df11 as DfuSe: -s given and alt setting 0's name is a DfuSe memory map \\(bcdDFU 1a01\\)" \
	"unknown opc-20: a note names the memory map as the reason"
expect_same "$back" "$scratch/z64" "unknown opc-20: the bytes at 0x08003000"
dfu --sim "$OPCX" -a 0 -s 0x08004000 -D "$fw"
expect_rc 0 "unknown opc-20: -s -D by the memory map"
expect_mem "$(flash)" $((0x4000)) 3072 "$fw" "unknown opc-20: the file is in flash"

# ---- a .dfu file (DfuSe's own format) is as good a sign as -s
: "${MKDFUSE:?MKDFUSE must point at the built tests/mkdfuse}"
sim_new opcx-dfu
step "$MKDFUSE" "$scratch/fw.dfu" 0x0483 0xdf11 @0=FW 0x08004000:"$fw"
tap_result $? "mkdfuse: fw.dfu"
dfu --sim "$OPCX" -a 0 -D "$scratch/fw.dfu"
expect_rc 0 "unknown opc-20: a .dfu file"
expect_msg "driving 0483:df11 as DfuSe: a DfuSe file given and alt setting 0's name is a DfuSe memory map" \
	"unknown opc-20: the note names the file as the reason"
expect_mem "$(flash)" $((0x4000)) 3072 "$fw" "unknown opc-20: the .dfu file's element is in flash"
sim_new plain-dfu
dfu --sim dfu-plain -D "$scratch/fw.dfu"
expect_rc 65 "plain DFU, no memory map: a .dfu file refused"

# ---- -s on a plain DFU device without a memory map: refused as before
sim_new plain-s
dfu --sim dfu-plain -s 0x08000000 -D "$fw"
expect_rc 64 "plain DFU, no memory map: -s refused"
expect_msg '-s is for DfuSe devices' "plain DFU: the refusal says why"
[ "$(reqs DNLOAD)" -eq 0 ]
tap_result $? "plain DFU: nothing sent"

# ---- no functional descriptor: -t or a refusal that asks for it
OPCN="$OPCX:func_location=none"
sim_new opcn
dfu --sim "$OPCN" -a 0 -s 0x08004000 -D "$fw"
expect_rc 76 "no functional descriptor, -s with a map, no -t: refused"
expect_msg 'give the transfer size with -t' "no functional descriptor: the refusal asks for -t"
expect_msg 'DfuSe memory map \(no DFU functional descriptor\)' "no functional descriptor: the note says so"
[ "$(reqs DNLOAD)" -eq 0 ]
tap_result $? "no functional descriptor: nothing sent"
dfu --sim "$OPCN" -a 0 -t 1024 -s 0x08004000 -D "$fw"
expect_rc 0 "no functional descriptor, -s with a map, -t 1024"
expect_mem "$(flash)" $((0x4000)) 3072 "$fw" "no functional descriptor: the file is in flash"
expect_no_msg 'assuming DFU 1.0' "no functional descriptor: no DFU 1.0 warning for a DfuSe device"

# ---- quirk dfuse: DfuSe without -s on a device that does not say so
sim_new opcn-dfuse
rm -f "$back"
dfu --sim "$OPCN" -t 1024 -a 0 -Z 64 -U "$back"
expect_rc 65 "no functional descriptor, no -s: plain DFU upload"
expect_msg 'sent 4 bytes, fewer than the 64' "plain DFU upload: the 4-byte command list (what the dfuse quirk fixes)"
rm -f "$back"
dfu --sim "$OPCN" --quirk dfuse -t 1024 -a 0 -Z 64 -U "$back"
expect_rc 0 "quirk dfuse: -U"
expect_msg 'driving 0483:df11 as DfuSe: quirk dfuse' "quirk dfuse: the note names it"
expect_size "$back" 64 "quirk dfuse: 64 bytes from the start of the map"

# ============================================================ Spark Core
# bcdDFU 0x011a as it should be: DfuSe with no note, 20 KiB read-only.
sim_new spark
dfu --sim "$SPARK" -a 0 -s 0x08005000 -D "$fw"
expect_rc 0 "Spark Core: -s 0x08005000 -D"
expect_no_msg 'driving .* as DfuSe' "Spark Core: bcdDFU 0x011a needs no note"
expect_mem "$(flash)" $((0x5000)) 3072 "$fw" "Spark Core: the file is in flash"
dfu --sim "$SPARK" -a 0 -s 0x08004000 -D "$fw"
expect_fail "Spark Core: the read-only boot loader is refused"
expect_cmds ERASE 3 "Spark Core: nothing erased by the refused run"

# ============================================================ TDK Bluetooth
sim_new tdk
dfu --sim "$TDK" -l
expect_rc 0 "TDK: -l"
expect_out '^Found Runtime: \[04bf:0320\] ver=2652, devnum=2, cfg=1, intf=2, ' \
	"TDK: protocol 0 beside the Bluetooth interfaces is run-time (table)"
dfu --sim "$TDK" -D "$fw"
expect_rc 0 "TDK: -D detaches, then downloads"
[ "$(reqs DETACH)" -eq 1 ] && [ "$(reqs RESET)" -ge 1 ]
tap_result $? "TDK: DETACH, then a USB reset (it will not detach by itself)"
expect_mem "$sim_dir/dev1.mem" 0 3072 "$fw" "TDK: the firmware is in memory"

TDKX="$TDK:runtime_product=0x0321:product=0x0321"
sim_new tdkx
dfu --sim "$TDKX" -l
expect_out '^Found DFU: \[04bf:0321\]' "unknown TDK: without the quirk, listed as DFU mode"
dfu --sim "$TDKX" -D "$fw"
expect_fail "unknown TDK: without the quirk, -D fails (appIDLE)"
sim_new tdkq
dfu --sim "$TDKX" --quirk runtime-protocol-0 -l -v
expect_out '^Found Runtime: \[04bf:0321\]' "quirk runtime-protocol-0: listed as run-time"
expect_out 'quirks with --quirk: runtime-protocol-0' "quirk runtime-protocol-0: -l -v shows it"
dfu --sim "$TDKX" --quirk runtime-protocol-0 -D "$fw"
expect_rc 0 "quirk runtime-protocol-0: -D"
expect_mem "$sim_dir/dev1.mem" 0 3072 "$fw" "quirk runtime-protocol-0: the firmware is in memory"

# ============================================================ LPC-Link
# Protocol 0 alone: DFU mode (the classic lists it as run-time and fails
# to detach it); download only, manifestation intolerant.
sim_new lpc
dfu --sim "$LPC" -l
expect_out '^Found DFU: \[0471:df55\] ver=0001, devnum=2, cfg=1, intf=0, path="1-1", alt=0, name="UNKNOWN", serial="UNKNOWN"$' \
	"LPC-Link: listed as DFU mode"
dfu --sim "$LPC" -D "$fw"
expect_rc 0 "LPC-Link: -D"
[ "$(reqs DETACH)" -eq 0 ] && [ "$(reqs RESET)" -eq 1 ]
tap_result $? "LPC-Link: no DETACH; the reset manifestation needs"
dfu -l
expect_no_msg 'df55' "LPC-Link: gone after the reset (probe firmware runs)"

# LPC-Link 2 (its log: "unable to read DFU status" right after the
# download): gone at the status request that follows the last block.
sim_new lpc2
dfu --sim "$LPC:fault=gone@GETSTATUS#6" -D "$fw"
expect_rc 0 "gone during manifestation (LPC-Link 2): success, not an error"
[ "$(logged 'DNLOAD wValue=2 wIndex=0 wLength=0 ')" -eq 1 ] && [ "$(logged 'GETSTATUS .*fault=gone')" -eq 1 ]
tap_result $? "gone during manifestation: at the GETSTATUS after the zero-length DNLOAD"
expect_mem "$sim_dir/dev1.mem" 0 3072 "$fw" "gone during manifestation: the firmware is in memory"

# ---- quirk transfer-size: a device that names no transfer size (but
# takes 2048 bytes per request)
LPC0="$LPC:transfer_size=0:buffer_size=2048"
sim_new lpc0
dfu --sim "$LPC0" -D "$fw"
expect_rc 76 "wTransferSize 0: refused"
expect_msg 'give the transfer size with -t' "wTransferSize 0: the refusal asks for -t"
dfu --sim "$LPC0" --quirk transfer-size=512 -D "$fw"
expect_rc 0 "quirk transfer-size=512: -D"
[ "$(logged 'DNLOAD wValue=0 wIndex=0 wLength=512 ')" -eq 1 ] && [ "$(logged 'wLength=2048')" -eq 0 ]
tap_result $? "quirk transfer-size=512: 512-byte blocks"
sim_new lpc0t
dfu --sim "$LPC0" --quirk transfer-size=512 -t 256 -D "$fw"
expect_rc 0 "-t beats the transfer-size quirk"
[ "$(logged 'DNLOAD wValue=0 wIndex=0 wLength=256 ')" -eq 1 ]
tap_result $? "-t 256 with transfer-size=512: 256-byte blocks"

# ============================================================ STM32 ROM: long erases
# The ROM NAKs GETSTATUS while it erases; here its bwPollTimeout
# understates a 32 s mass erase (fault poll=100).
F4NAK='stm32f4:busy_nak=1:mass_erase_ms=32000:fault=poll=100@DNLOAD#1'
sim_new f4x
dfu --sim "$F4NAK:bcd_device=0x0300" -a 0 -s :mass-erase:force
expect_rc 74 "unknown STM32 ROM: the mass erase outlasts the 5 s timeout"
[ "$(logged 'GETSTATUS .*-> TIMEOUT')" -ge 1 ]
tap_result $? "unknown STM32 ROM: a GETSTATUS timed out"
sim_new f4q
dfu --sim "$F4NAK:bcd_device=0x0300" --quirk long-timeout -a 0 -s :mass-erase:force
expect_rc 0 "quirk long-timeout: the mass erase is waited out"
[ "$(logged 'TIMEOUT')" -eq 0 ]
tap_result $? "quirk long-timeout: no request timed out"
sim_new f4t
dfu --sim "$F4NAK:bcd_device=0x2100" -a 0 -s :mass-erase:force
expect_rc 0 "STM32F4 ROM (bcdDevice 21.00, table): the mass erase is waited out"
dfu --sim "$F4NAK:bcd_device=0x2100" -l -v
expect_out 'quirks: long-timeout \(quirks table: STM32 ROM' "STM32F4 ROM: -l -v shows the table's quirk"

# ============================================================ Black Magic Probe
sim_new bmp
mkdata "$scratch/bmp.bin" 6144
dfu --sim "$BMP" -s 0x08002000:leave -D "$scratch/bmp.bin"
expect_rc 0 "Black Magic: detach, -s 0x08002000:leave -D"
expect_mem "$(flash)" $((0x2000)) 6144 "$scratch/bmp.bin" "Black Magic: the firmware is in flash"
dfu -l
expect_out '^Found Runtime: \[1d50:6018\]' "Black Magic: back in its probe firmware"

# A file that ends mid-page: the boot loader cannot upload, so the rest
# of the last page cannot be kept (the classic tool erases it too).
sim_new bmp-odd
mkdata "$scratch/bmp-odd.bin" 6000
dfu --sim "$BMP" -s 0x08002000:leave -D "$scratch/bmp-odd.bin"
expect_rc 0 "Black Magic: a file ending mid-page"
expect_msg 'cannot upload, so 144 bytes of the erased pages outside the data will be erased without being preserved: 0x08003770-0x080037FF' \
	"Black Magic: says the page's rest is not kept, and which bytes"
[ "$(reqs UPLOAD)" -eq 0 ]
tap_result $? "Black Magic: no UPLOAD sent to a device without upload"
expect_mem "$(flash)" $((0x2000)) 6000 "$scratch/bmp-odd.bin" "Black Magic: the odd-sized firmware is in flash"

# ---- gone-after-leave: it jumps away before it completes the leave request
BMPH="$BMP:leave_status=2"
sim_new bmpx
dfu --sim "$BMPH:product=0x6019" -s 0x08002000:leave -D "$scratch/bmp.bin"
expect_rc 74 "unknown boot loader gone during the leave request: an error without the quirk"
[ "$(logged 'DNLOAD .*-> TIMEOUT .*cmd=LEAVE')" -eq 1 ]
tap_result $? "the leave request timed out"
sim_new bmpq
dfu --sim "$BMPH:product=0x6019" --quirk gone-after-leave -s 0x08002000:leave -D "$scratch/bmp.bin"
expect_rc 0 "quirk gone-after-leave: the leave counts as done"
expect_msg 'device left DFU mode' "quirk gone-after-leave: says the device left"
sim_new bmpt
dfu --sim "$BMPH" -s 0x08002000:leave -D "$scratch/bmp.bin"
expect_rc 0 "Black Magic boot loader (table): the leave counts as done"

# ============================================================ no-detach-reset
# A run-time device (after the qi-hardware atusb) that restarts into its
# boot loader by itself 300 ms after DFU_DETACH without saying so
# (bitWillDetach 0); a USB reset meanwhile keeps the application running.
sim_new self
dfu --sim 'dfu10:detach_self_ms=300' -D "$fw"
expect_rc 74 "self-detaching device: the reset after DETACH keeps it in its application"
sim_new selfq
dfu --sim 'dfu10:detach_self_ms=300' --quirk no-detach-reset -D "$fw"
expect_rc 0 "quirk no-detach-reset: -D"
[ "$(reqs DETACH)" -eq 1 ] && [ "$(reqs RESET)" -eq 0 ]
tap_result $? "quirk no-detach-reset: DETACH, and no USB reset"
expect_mem "$sim_dir/dev1.mem" 0 3072 "$fw" "quirk no-detach-reset: the firmware is in memory"

# ============================================================ --quirk parsing
sim_new parse
dfu --sim dfu-plain --quirk bogus -l
expect_rc 64 "--quirk bogus"
expect_msg "unknown quirk 'bogus'" "--quirk bogus: named"
expect_msg 'known quirks: dfuse, dfu-version=0xVVVV' "--quirk bogus: the known ones listed"
dfu --sim dfu-plain --quirk transfer-size -l
expect_rc 64 "--quirk transfer-size without a value"
dfu --sim dfu-plain --quirk dfuse=1 -l
expect_rc 64 "--quirk dfuse=1: takes no value"
dfu --sim dfu-plain --quirk dfuse,long-timeout --quirk transfer-size=64 -l -v
expect_rc 0 "--quirk twice, with a list"
expect_out 'quirks with --quirk: dfuse, long-timeout, transfer-size=64' "--quirk: all of them apply"

done_testing
