#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
# Faults on the simulated device (profile key fault, desc_fault; see
# doc/sim-profile.txt): each case checks the exit status, the message, and
# that nothing was lost or half-written.
. "$TOP_SRCDIR/tests/lib.sh"

fw="$scratch/fw.bin"
back="$scratch/back.bin"
mkdata "$fw" 8000

# The requests the device saw after the first line matching RE (exclusive).
after()
{
	awk -v re="$1" 'found { print $3 } $0 ~ re { found = 1 }' "$sim_dir/requests.log"
}
# A line matches RE, and after it only status, ABORT and CLRSTATUS?
only_cleanup_after()
{
	[ "$(logged "$1")" -gt 0 ] && ! after "$1" | grep -Evq '^(GETSTATUS|ABORT|CLRSTATUS)$'
}
# The device ends in dfuIDLE (the last request's state).
ends_idle()
{
	tail -n 1 "$sim_dir/requests.log" | grep -q ' dfuIDLE'
}
no_upload_file()
{
	! ls "$scratch" | grep -q '^back\.bin'
}

# --- one stalled GETSTATUS: a glitch, asked again
sim_new stall1
dfu --sim 'dfu-plain:fault=stall@GETSTATUS#3' -D "$fw"
expect_rc 0 "one stalled GETSTATUS is retried"
expect_mem "$sim_dir/dev1.mem" 0 8000 "$fw" "the whole file arrived despite the glitch"
expect_reqs 'GETSTATUS wValue=0 wIndex=0 wLength=6 -> STALL' 1 "exactly one stall"

# --- GETSTATUS stalls every time from the third on
sim_new stallall
dfu --sim 'dfu-plain:fault=stall-always@GETSTATUS#3' -D "$fw"
expect_rc 74 "repeated GETSTATUS stalls fail"
expect_err 'error: device stalled GETSTATUS 3 times in a row after block 0' "the error names the request and the block"
[ "$(reqs DNLOAD)" -eq 1 ]
tap_result $? "no further block was sent"

# --- device status errors: plain DFU
for st in errVERIFY errWRITE errTARGET errERASE; do
	sim_new "status-$st"
	dfu --sim "dfu-plain:fault=status=$st@block5" -D "$fw"
	expect_rc 74 "$st at block 5"
	expect_err "error: device reports $st \(.*\) after block 5 at offset 5120 of the download; stopped there" \
		"the error names $st, the block and the step"
	only_cleanup_after 'DNLOAD wValue=5 '
	tap_result $? "$st: only GETSTATUS/ABORT/CLRSTATUS after the failed block"
	ends_idle
	tap_result $? "$st: the device is back in dfuIDLE"
done
# Block 5 was refused, so its bytes never reached memory; blocks 0-4 did.
cmp -s -n 5120 "$sim_dir/dev1.mem" "$fw"
tap_result $? "blocks before the failure were written"
dd if="$fw" bs=1024 skip=5 count=1 2>/dev/null > "$scratch/blk5"
dd if="$sim_dir/dev1.mem" bs=1024 skip=5 count=1 2>/dev/null | cmp -s - "$scratch/blk5" && st=1 || st=0
tap_result $st "the refused block was not written"

# --- device status errors: DfuSe, by address (erase, then a write)
mkdata "$fw.big" 40000
sim_new dfuse-erase
dfu --sim 'stm32f4:fault=status=errERASE@0x08004000' -s 0x08000000 -D "$fw.big"
expect_rc 74 "errERASE at the second sector"
expect_err 'error: device reports errERASE \(.*\) after erase of page 0x08004000; stopped there' \
	"the error names errERASE, the address and the step"
[ "$(grep -c 'cmd=WRITE' "$sim_dir/requests.log")" -eq 0 ]
tap_result $? "nothing was written after a failed erase"
only_cleanup_after 'DNLOAD .*fault=errERASE'
tap_result $? "only GETSTATUS/ABORT/CLRSTATUS after the failed erase"
sim_new dfuse-write
dfu --sim 'stm32f4:fault=status=errWRITE@0x08002000' -s 0x08000000 -D "$fw.big"
expect_rc 74 "errWRITE at 0x08002000"
expect_err 'error: device reports errWRITE \(.*\) after write of block 6 at 0x08002000; stopped there' \
	"the error names errWRITE, the block, the address and the step"
only_cleanup_after 'DNLOAD wValue=6 .*fault=errWRITE'
tap_result $? "only GETSTATUS/ABORT/CLRSTATUS after the failed write"
grep -q 'violations=0' "$sim_dir/stats"
tap_result $? "no write over unerased flash"

# --- the device disconnects mid-download and mid-upload
sim_new gone-dl
dfu --sim 'dfu-plain:fault=gone@DNLOAD#3' -D "$fw"
expect_rc 74 "disconnect during the download"
expect_err 'error: device lost during DNLOAD block 2 at offset 2048' "a 'device lost' error naming the block"
sim_new gone-ul
rm -f "$back"
dfu --sim 'dfu-plain:fault=gone@UPLOAD#3' -U "$back"
expect_rc 74 "disconnect during the upload"
expect_err 'error: device lost during UPLOAD block 2' "a 'device lost' error for the upload"
no_upload_file
tap_result $? "an upload cut short leaves no file (and no temporary one)"

# --- too short a bwPollTimeout: the device says dfuDNBUSY again
sim_new shortpoll
dfu --sim 'dfu-plain:poll_timeout_ms=1:dnload_busy_ms=20' -D "$fw"
expect_rc 0 "a device that is still busy when polled"
[ "$(grep -c 'GETSTATUS.*dfuDNBUSY' "$sim_dir/requests.log")" -gt 16 ]
tap_result $? "it was polled again while busy"
expect_mem "$sim_dir/dev1.mem" 0 8000 "$fw" "the file arrived"

# --- an absurd bwPollTimeout (0xFFFFFF ms, 4.7 hours)
sim_new absurd
dfu --sim 'dfu-plain:fault=poll=0xffffff@block1' -D "$fw"
expect_rc 0 "an absurd bwPollTimeout is cut short"
expect_msg 'device asks for a 16777 s pause .*; polling again after 60 s' "the user is told"
grep -q '^sleep_ms=6[0-9][0-9][0-9][0-9]$' "$sim_dir/stats"
tap_result $? "the wait was the documented maximum, not hours ($(grep sleep_ms "$sim_dir/stats"))"
expect_mem "$sim_dir/dev1.mem" 0 8000 "$fw" "the file arrived"

# --- the device never leaves dfuDNBUSY
sim_new hung
dfu --sim 'dfu-plain:fault=busy@block2' -D "$fw"
expect_rc 76 "a device stuck in dfuDNBUSY"
expect_err 'error: device still in dfuDNBUSY \(after block 2 at offset 2048 of the download\) after 18[0-9]{4} ms; giving up' \
	"fails at the deadline with a clear message"
[ "$(reqs DNLOAD)" -eq 3 ]
tap_result $? "no block after the hung one"

# --- interrupts: stop after the current request, ABORT to dfuIDLE
sim_new sigint
dfu --sim 'dfu-plain:fault=signal=INT@block5' -D "$fw"
expect_rc 130 "SIGINT during a download"
expect_err 'error: interrupted \(SIGINT\) after 6144 of 8000 bytes of the download' "the interrupt is reported once"
[ "$(reqs DNLOAD)" -eq 6 ]
tap_result $? "stopped after the block in progress"
only_cleanup_after 'DNLOAD wValue=5 '
tap_result $? "then only status and ABORT"
expect_reqs ABORT 1 "ABORT sent once"
ends_idle
tap_result $? "the device is back in dfuIDLE"

sim_new sigterm
rm -f "$back"
dfu --sim 'dfu-plain:fault=signal=TERM@UPLOAD#3' -U "$back"
expect_rc 143 "SIGTERM during an upload"
expect_err 'error: interrupted \(SIGTERM\) after 3072 bytes of the upload' "the interrupt is reported"
expect_reqs UPLOAD 3 "stopped after the block in progress"
ends_idle
tap_result $? "the device is back in dfuIDLE"
no_upload_file
tap_result $? "the temporary upload file is removed"

sim_new sigterm-dfuse
# (the second 16 KiB sector: it is finished, then the run stops before the third)
dfu --sim 'stm32f4:fault=signal=TERM@0x08005000' -s 0x08000000 -D "$fw.big"
expect_rc 143 "SIGTERM during a DfuSe write"
expect_err 'error: interrupted \(SIGTERM\) before erasing page 0x08008000' "the interrupt names the address"
ends_idle
tap_result $? "the DfuSe device is back in dfuIDLE"

# --- broken descriptors
sim_new nofunc
dfu --sim 'dfu-plain:func_location=none' -D "$fw"
expect_rc 76 "no functional descriptor"
expect_err 'does not say how large a transfer it accepts' "the transfer size is asked for"
[ "$(reqs DNLOAD)" -eq 0 ]
tap_result $? "nothing was sent"
sim_new ts0
dfu --sim 'dfu-plain:transfer_size=0' -D "$fw"
expect_rc 76 "wTransferSize 0"
expect_err 'give the transfer size with -t' "with a hint"
sim_new tsbig
dfu --sim 'dfu-plain:transfer_size=8192' -D "$fw"
expect_rc 0 "wTransferSize 8192 on a plain device is cut to 4096"
expect_msg 'asks for 8192-byte transfers; using 4096' "with a note"
expect_mem "$sim_dir/dev1.mem" 0 8000 "$fw" "the file arrived in 4 KiB blocks"
sim_new tsbig-dfuse
# A DfuSe device places blocks by its own size: 4096-byte blocks each
# follow their own SET_ADDRESS, as block 2.
dfu --sim 'stm32f4:transfer_size=8192' -s 0x08000000 -D "$fw"
expect_rc 0 "wTransferSize 8192 on a DfuSe device is cut to 4096"
expect_msg 'asks for 8192-byte transfers; using 4096' "with a note"
expect_mem "$(flash)" 0 8000 "$fw" "the file is at its address"
grep 'cmd=' "$sim_dir/requests.log" | awk '
	/cmd=WRITE/ { w++; split($0, a, "cmd=WRITE addr="); split(a[2], b, " ")
		      if ($4 != "wValue=2" || last != b[1]) bad = 1 }
	/cmd=SET_ADDRESS/ { split($0, a, "addr="); last = a[2] }
	END { exit !(w == 2 && !bad) }'
tap_result $? "every 4 KiB block is block 2 after its own SET_ADDRESS"
for f in func_blength_0 func_blength_long; do
	sim_new "$f"
	dfu --sim "dfu-plain:desc_fault=$f" -l
	expect_rc 0 "-l with a lying bLength ($f)"
	expect_msg 'ignoring a malformed configuration descriptor of 1209:2002' "$f: a clear warning"
done
for f in string_surrogate string_odd string_short; do
	sim_new "$f"
	dfu --sim "dfu-plain:desc_fault=$f" -l
	expect_rc 0 "-l with broken strings ($f)"
	expect_out 'Found DFU: \[1209:2002\]' "$f: the device is still listed"
done
sim_new badmap
dfu --sim 'dfu-plain:dfu_version=0x011a:dfuse=0:alt=@Flash/0xFFFFF000/8*1Kg' -s 0xFFFFF000 -D "$fw"
expect_rc 76 "a memory map that passes 4 GiB"
expect_err 'passes the end of the 4 GiB address space' "is refused with the reason"
[ "$(reqs DNLOAD)" -eq 0 ]
tap_result $? "nothing was sent"

done_testing
