#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
# DfuSe safety on the simulated DSO Nano and STM32F4: data land only where
# the plan puts them whatever -t says; a download-only boot loader is
# flashed without UPLOAD; pages are erased and written one at a time, the
# image's first page erased first and written last, and an interruption
# (signals raised inside the simulated device) keeps every preserved byte.
. "$TOP_SRCDIR/tests/lib.sh"

# The region file of alt 0 at 0x08000000, padded to LEN bytes: region LEN
region() { mem_at "$(flash)" 0 "$1"; }

# Overwrite LEN bytes of FILE at OFF with SRC: splice FILE OFF SRC
splice()
{
	{
		head -c "$2" "$1"
		cat "$3"
		tail -c +$(($2 + $(wc -c < "$3") + 1)) "$1"
	} > "$1.new" && mv "$1.new" "$1"
}

# Every DfuSe WRITE the device logged since line FROM lies in [LO, HI):
# writes_within FROM LO HI
writes_within()
{
	reqs_since "$1" |
		sed -n 's/.*cmd=WRITE addr=\(0x[0-9a-f]*\) len=\([0-9]*\).*/\1 \2/p' |
		{
			bad=0 n=0
			while read -r a l; do
				n=$((n + 1))
				if [ $((a)) -lt $(($2)) ] || [ $((a + l)) -gt $(($3)) ]; then bad=1; fi
			done
			[ "$bad" -eq 0 ] && [ "$n" -gt 0 ]
		}
}


# ---------------------------------------------------------------- -t
# A background image first (the device's own transfer size), then 5000
# bytes at an odd address with -t T: the region must equal the background
# with exactly those bytes replaced, every WRITE must lie inside the pages
# the data touch, and -U with the same -t must read the bytes back.
mkdata "$scratch/bg" 40960
mkdata "$scratch/data" 5000
# (the last: a boot loader that multiplies by the block's wLength)
for dev in 'dsonano|0x0800C000|1024|1024' 'stm32f4|0x08000000|16384|2048' \
	'stm32f4:block_by_wlength=1|0x08000000|16384|2048'; do
	IFS='|' read -r prof base page own <<EOF
$dev
EOF
	for t in 64 512 1024 "$own"; do
		sim_new "t-$prof-$t"
		dfu --sim "$prof" -a 0 -s "$base" -D "$scratch/bg"
		expect_rc 0 "$prof: background image"
		off=$((base - 0x08000000))
		region $((off + 65536)) > "$scratch/expect"
		at=$((base + 0x1234))
		splice "$scratch/expect" $((at - 0x08000000)) "$scratch/data"
		mark=$(reqs_mark)
		dfu -a 0 -t "$t" -s "$(printf 0x%08X "$at")" -D "$scratch/data"
		expect_rc 0 "$prof -t $t: download at 0x$(printf %X "$at")"
		expect_no_violation "$prof -t $t: no write over unerased flash"
		region $((off + 65536)) | cmp -s - "$scratch/expect"
		tap_result $? "$prof -t $t: no byte lands anywhere but where the plan put it"
		lo=$((at / page * page)) hi=$(( (at + 5000 + page - 1) / page * page ))
		writes_within "$mark" "$lo" "$hi"
		tap_result $? "$prof -t $t: every block written inside the touched pages"
		rm -f "$scratch/back"
		dfu -a 0 -t "$t" -s "$(printf 0x%08X "$at"):5000" -U "$scratch/back"
		expect_rc 0 "$prof -t $t: upload"
		expect_same "$scratch/back" "$scratch/data" "$prof -t $t: -U reads the bytes at the address asked"
		if [ "$t" != "$own" ]; then
			rm -f "$scratch/back"
			dfu -v -a 0 -t "$t" -s "$(printf 0x%08X "$at"):5000" -U "$scratch/back"
			printf '%s\n%s\n' "$out" "$err" | grep -q "SET_ADDRESS before every block"
			tap_result $? "$prof -t $t: -v says every block is addressed"
		fi
	done
done

# Into erased flash the run starts and ends with the data, so its last
# block is short: a boot loader that places blocks by wLength must get it
# right too (it follows its own SET_ADDRESS).
sim_new wlength-short
dfu --sim stm32f4:block_by_wlength=1 -a 0 -s 0x08001234 -D "$scratch/data"
expect_rc 0 "wLength-placing device: 5000 bytes into erased flash"
mkfill "$scratch/expect" 65536
splice "$scratch/expect" $((0x1234)) "$scratch/data"
region 65536 | cmp -s - "$scratch/expect"
tap_result $? "wLength-placing device: the short last block lands after the others"

# ---------------------------------------------------------------- order
# The page order in the request log: each ERASE as E<n>, each WRITE as W<n>
# (n = page number from BASE in PAGE-byte pages), repeats collapsed:
# page_order FROM BASE PAGE
page_order()
{
	reqs_since "$1" |
		sed -n 's/.*cmd=\(ERASE\|WRITE\) addr=\(0x[0-9a-f]*\).*/\1 \2/p' |
		while read -r c a; do
			echo "$(echo "$c" | cut -c1)$(( (a - $2) / $3 ))"
		done | uniq | tr '\n' ' ' | sed 's/ $//'
}

# old_content NAME SPEC IMAGE OFF: the first 64 KiB of the flash of a fresh
# device SPEC into $scratch/NAMEbefore, and $scratch/NAMEfull: that with
# IMAGE at offset OFF, what a download that keeps the rest leaves.
old_content()
{
	sim_new "$1-before"
	dfu --sim "$2" -a 0 -s 0x08000000:65536 -U "$scratch/$1before"
	expect_rc 0 "$1: the old content"
	fixture "$scratch/$1before" "$scratch/$1full"
	splice "$scratch/$1full" "$4" "$3"
}

# STM32F4, 16 KiB sectors: 40000 bytes at 0x08000400 cover sectors 0-2;
# sector 0 keeps 0x08000000-0x080003FF, sector 2 its tail.  Faults live in
# the device's spec, so the old content comes from the profile's fill (a
# fresh device each time), read once from a device without faults.
F4_PAGE=16384
F4_FILL='fill=0x08000000 0x10000 pattern'
mkdata "$scratch/f4img" 40000
old_content f4 "stm32f4:$F4_FILL" "$scratch/f4img" 1024
# f4_setup NAME [FAULT]: a fresh device; $spec names it
f4_setup()
{
	sim_new "$1"
	spec="stm32f4:$F4_FILL${2:+:fault=$2}"
	mark=0
}

# What the region should hold after a stop with sectors 1..LAST written
# and sector 0 held: f4_expect_stopped LAST
f4_expect_stopped()
{
	cp "$scratch/f4before" "$scratch/f4want"
	s=1
	while [ "$s" -le "$1" ]; do
		dd if="$scratch/f4full" of="$scratch/f4want" bs=$F4_PAGE skip=$s seek=$s count=1 \
			conv=notrunc 2>/dev/null
		s=$((s + 1))
	done
	# the image's own bytes in sector 0 stay blank
	mkfill "$scratch/blank" $((F4_PAGE - 1024))
	splice "$scratch/f4want" 1024 "$scratch/blank"
}
f4_setup order
dfu --sim "$spec" -a 0 -s 0x08000400 -D "$scratch/f4img"
expect_rc 0 "F4: 40000 bytes at 0x08000400"
[ "$(page_order "$mark" 0x08000000 $F4_PAGE)" = "E0 E1 W1 E2 W2 W0" ]
tap_result $? "F4: each sector erased then written; sector 0 erased first, written last ($(page_order "$mark" 0x08000000 $F4_PAGE))"
region 65536 | cmp -s - "$scratch/f4full"
tap_result $? "F4: the completed run leaves the image and every preserved byte"
expect_no_violation "F4: no write over unerased flash"

# A signal raised inside the device at block k of the first written sector
# (sector 1): the sector is finished, nothing more is erased, the held
# sector 0 gets its preserved bytes back and the image start stays blank.
for k in 2 5 9; do
	f4_setup "f4-block$k" "signal=INT@block$k"
	dfu --sim "$spec" -a 0 -s 0x08000400 -D "$scratch/f4img"
	expect_rc 130 "F4: SIGINT at block $k"
	[ "$(page_order "$mark" 0x08000000 $F4_PAGE)" = "E0 E1 W1 W0" ]
	tap_result $? "F4 SIGINT at block $k: sector 1 finished, then only sector 0's preserved bytes ($(page_order "$mark" 0x08000000 $F4_PAGE))"
	f4_expect_stopped 1
	region 65536 | cmp -s - "$scratch/f4want"
	tap_result $? "F4 SIGINT at block $k: preserved bytes survive, the image start is blank, byte by byte"
	expect_no_violation "F4 SIGINT at block $k: no write over unerased flash"
	printf '%s\n%s\n' "$out" "$err" | grep -q "download stopped: pages 0x08000000-0x08003FFF erased (image start; bytes outside the image kept); 0x08004000-0x08007FFF written; 0x08008000-0x0800BFFF untouched"
	tap_result $? "F4 SIGINT at block $k: the closing message says what is done and what is not"
	printf '%s\n%s\n' "$out" "$err" | grep -q "image start 0x08000000 not written"
	tap_result $? "F4 SIGINT at block $k: ... and that the image start is not written"
	tail -n 3 "$sim_dir/requests.log" | grep -q "dfuIDLE"
	tap_result $? "F4 SIGINT at block $k: the device is left in dfuIDLE"
done

# Signals at erase k (1 = the held sector 0, 2 = sector 1, 3 = sector 2).
for k in 1 2 3; do
	f4_setup "f4-erase$k" "signal=TERM@erase$k"
	dfu --sim "$spec" -a 0 -s 0x08000400 -D "$scratch/f4img"
	expect_rc 143 "F4: SIGTERM at erase $k"
	f4_expect_stopped $((k - 1))
	region 65536 | cmp -s - "$scratch/f4want"
	tap_result $? "F4 SIGTERM at erase $k: the erased sector is finished, preserved bytes survive, image start blank"
	expect_no_violation "F4 SIGTERM at erase $k: no write over unerased flash"
done

# SIGHUP and SIGPIPE: the same care, their own exit status.
f4_setup f4-hup signal=HUP@erase2
dfu --sim "$spec" -a 0 -s 0x08000400 -D "$scratch/f4img"
expect_rc 129 "F4: SIGHUP at erase 2"
f4_expect_stopped 1
region 65536 | cmp -s - "$scratch/f4want"
tap_result $? "F4 SIGHUP: sector 1 finished, sector 0's preserved bytes back"
f4_setup f4-pipe signal=PIPE@erase3
dfu --sim "$spec" -a 0 -s 0x08000400 -D "$scratch/f4img"
expect_rc 141 "F4: SIGPIPE at erase 3"
f4_expect_stopped 2
region 65536 | cmp -s - "$scratch/f4want"
tap_result $? "F4 SIGPIPE: sectors 1 and 2 finished, sector 0's preserved bytes back"

# A signal while the last page (the image start) is written: the download
# completes, but the device is not told to leave.
f4_setup f4-last signal=INT@0x08000800
dfu --sim "$spec" -a 0 -s 0x08000400:leave -D "$scratch/f4img"
expect_rc 130 "F4: SIGINT during the last page, with leave"
region 65536 | cmp -s - "$scratch/f4full"
tap_result $? "F4 SIGINT during the last page: the page is finished, the image complete"
! grep -q 'cmd=LEAVE' "$sim_dir/requests.log"
tap_result $? "F4 SIGINT during the last page: no leave request"
printf '%s\n%s\n' "$out" "$err" | grep -q 'interrupted (SIGINT) before leaving DFU mode'
tap_result $? "F4 SIGINT during the last page: says where it stopped"

# A device error in sector 2: sector 0 still gets its preserved bytes back.
f4_setup f4-err status=errWRITE@0x08008800
dfu --sim "$spec" -a 0 -s 0x08000400 -D "$scratch/f4img"
expect_rc 74 "F4: errWRITE in sector 2"
region 1024 | cmp -s - "$(head -c 1024 "$scratch/f4before" > "$scratch/f4head"; echo "$scratch/f4head")"
tap_result $? "F4 errWRITE: the bytes before the image are written back"
expect_mem "$(flash)" 1024 $((F4_PAGE - 1024)) "$scratch/blank" "F4 errWRITE: the image start stays blank"
printf '%s\n%s\n' "$out" "$err" | grep -q "0x08008000-0x0800BFFF erased, partly written"
tap_result $? "F4 errWRITE: the closing message names the partly written sector"

# DSO Nano, 1 KiB pages and 1 KiB blocks: signal at erase k for several k.
# 5000 bytes at 0x0800C200 cover six pages; the first keeps 512 old bytes.
N_FILL='fill=0x0800C000 0x4000 pattern'
mkdata "$scratch/nimg" 5000
old_content n "dsonano:$N_FILL" "$scratch/nimg" $((0xC200))
mkfill "$scratch/nblank" 512
for k in 1 3 6; do
	sim_new "nano-erase$k"
	# pages 2..k of the image are written, its first page held
	cp "$scratch/nbefore" "$scratch/nwant"
	p=2
	while [ "$p" -le "$k" ]; do
		dd if="$scratch/nfull" of="$scratch/nwant" bs=1024 skip=$((0xC000 / 1024 + p - 1)) \
			seek=$((0xC000 / 1024 + p - 1)) count=1 conv=notrunc 2>/dev/null
		p=$((p + 1))
	done
	splice "$scratch/nwant" $((0xC200)) "$scratch/nblank"
	dfu --sim "dsonano:$N_FILL:fault=signal=INT@erase$k" -a 0 -s 0x0800C200 -D "$scratch/nimg"
	expect_rc 130 "DSO Nano: SIGINT at erase $k"
	region 65536 | cmp -s - "$scratch/nwant"
	tap_result $? "DSO Nano SIGINT at erase $k: preserved bytes survive, the first page holds only them"
	expect_no_violation "DSO Nano SIGINT at erase $k: no write over unerased flash"
done

# ---------------------------------------------------------------- -v
# The plan -v prints is what is sent: its byte count is the WRITEs' sum,
# with old bytes around the data (preserved, rewritten).
sim_new verbose
dfu --sim "dsonano:$N_FILL" -l
mark=$(reqs_mark)
dfu -v -a 0 -s 0x0800C200 -D "$scratch/nimg"
expect_rc 0 "-v download"
planned=$(printf '%s\n%s\n' "$out" "$err" | sed -n 's/.*plan: 5000 bytes of data, \([0-9]*\) bytes written (\([0-9]*\) of them preserved).*/\1 \2/p')
sent=$(reqs_since "$mark" | sed -n 's/.*cmd=WRITE addr=0x[0-9a-f]* len=\([0-9]*\).*/\1/p' | awk '{ n += $1 } END { print n + 0 }')
[ -n "$planned" ] && [ "${planned% *}" -eq "$sent" ] && [ "${planned#* }" -eq $((sent - 5000)) ] && [ "$sent" -gt 5000 ]
tap_result $? "-v: the plan's bytes written and preserved are what is sent (plan: $planned; sent: $sent)"
erases=$(printf '%s\n%s\n' "$out" "$err" | grep -c "page 0x[0-9A-F]*: erase")
[ "$erases" -gt 0 ] && [ "$erases" -eq "$(reqs_since "$mark" | grep -c 'cmd=ERASE ')" ]
tap_result $? "-v: one plan line per erased page, as many as erases sent"

# ---------------------------------------------------------------- download only
# dapboot-style: no bitCanUpload.  A file that covers pages partly is
# flashed without UPLOAD, after one warning naming what is lost.
mkdata "$scratch/dimg" 3000
sim_new dapboot
mark=$(reqs_mark)
dfu --sim dapboot -a 0 -s 0x08002100 -D "$scratch/dimg"
expect_rc 0 "dapboot: 3000 bytes at 0x08002100"
[ "$(reqs_since "$mark" | grep -c ' UPLOAD ')" -eq 0 ]
tap_result $? "dapboot: no UPLOAD sent"
printf '%s\n%s\n' "$out" "$err" | grep -q "warning: the device cannot upload, so 1096 bytes of the erased pages outside the data will be erased without being preserved: 0x08002000-0x080020FF, 0x08002CB8-0x08002FFF"
tap_result $? "dapboot: one warning with the exact ranges"
[ "$(printf '%s\n%s\n' "$out" "$err" | grep -c 'cannot upload')" -eq 1 ]
tap_result $? "dapboot: warned once"
printf '%s\n%s\n' "$out" "$err" | grep -q "no-preserve"
tap_result $? "dapboot: the hint names :no-preserve"
expect_mem "$(flash)" $((0x2100)) 3000 "$scratch/dimg" "dapboot: the data are in flash"
expect_no_violation "dapboot: no write over unerased flash"
sim_new dapboot-quiet
dfu --sim dapboot -a 0 -s 0x08002100:no-preserve -D "$scratch/dimg"
expect_rc 0 "dapboot: :no-preserve"
printf '%s\n%s\n' "$out" "$err" | grep -q "cannot upload"
[ $? -ne 0 ]
tap_result $? "dapboot: :no-preserve silences the warning"
sim_new dapboot-pages
dd if=/dev/urandom of="$scratch/dpage" bs=1024 count=3 2>/dev/null
dfu --sim dapboot -a 0 -s 0x08002000 -D "$scratch/dpage"
expect_rc 0 "dapboot: whole pages"
printf '%s\n%s\n' "$out" "$err" | grep -q "cannot upload"
[ $? -ne 0 ]
tap_result $? "dapboot: whole pages need no warning"

done_testing
