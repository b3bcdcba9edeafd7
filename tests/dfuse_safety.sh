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
region() { mem_at "$sim_dir/dev1.alt0.0x08000000.mem" 0 "$1"; }

# Overwrite LEN bytes of FILE at OFF with SRC: splice FILE OFF SRC
splice() { dd if="$3" of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }

# Every DfuSe WRITE the device logged since line FROM lies in [LO, HI):
# writes_within FROM LO HI
writes_within()
{
	tail -n +"$(($1 + 1))" "$sim_dir/requests.log" |
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

log_lines() { if [ -f "$sim_dir/requests.log" ]; then wc -l < "$sim_dir/requests.log"; else echo 0; fi; }

# ---------------------------------------------------------------- -t
# A background image first (the device's own transfer size), then 5000
# bytes at an odd address with -t T: the region must equal the background
# with exactly those bytes replaced, every WRITE must lie inside the pages
# the data touch, and -U with the same -t must read the bytes back.
mkdata "$scratch/bg" 40960
mkdata "$scratch/data" 5000
for dev in dsonano:0x0800C000:1024:1024 stm32f4:0x08000000:16384:2048; do
	IFS=: read -r prof base page own <<EOF
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
		mark=$(log_lines)
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
		cmp -s "$scratch/back" "$scratch/data"
		tap_result $? "$prof -t $t: -U reads the bytes at the address asked"
		if [ "$t" != "$own" ]; then
			rm -f "$scratch/back"
			dfu -v -a 0 -t "$t" -s "$(printf 0x%08X "$at"):5000" -U "$scratch/back"
			printf '%s\n%s\n' "$out" "$err" | grep -q "SET_ADDRESS before every block"
			tap_result $? "$prof -t $t: -v says every block is addressed"
		fi
	done
done

done_testing
