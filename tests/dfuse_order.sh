#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
#
# The page holding an image's start (its vector table) is written last,
# and whole, also where it is not erased page by page: a blank first page
# under --skip-unchanged, and every page after :mass-erase.  An interrupted
# download then never leaves a startable half image.  On the simulated
# STM32F4 (16 KiB sectors), by the order of the WRITE commands in the
# request log and the flash contents.
. "$TOP_SRCDIR/tests/lib.sh"

SECTOR=16384

# The WRITE command addresses in the log, in order, one a line.
write_addrs()
{
	sed -n 's/.*cmd=WRITE addr=\(0x[0-9a-fA-F]*\).*/\1/p' "$sim_dir/requests.log" 2>/dev/null
}

# first_sector_last: some writes go elsewhere first, and once sector 0
# (0x08000000-0x08003FFF) is written, nothing else is.
first_sector_last()
{
	# the addresses all have eight hex digits: compared as strings
	write_addrs | tr 'A-F' 'a-f' | awk '
		{ if ("" $1 < "0x08004000") in0 = 1; else if (in0) bad = 1; else other = 1 }
		END { exit !(other && in0 && !bad) }'
}

mkdata "$scratch/img" $((3 * SECTOR))
mkdata "$scratch/rnd" $((2 * SECTOR))
mkfill "$scratch/blank" $SECTOR

# ---------------------------------------------------------------- blank first page
# Sector 0 blank, sectors 1 and 2 hold other bytes: two erases, and
# sector 0 is written without an erase -- after the other two.
sim_new blank-first
step "$DFU_UTIL" --sim-state "$sim_dir" --sim stm32f4 -s 0x08004000 -D "$scratch/rnd"
reqs_clear
dfu --sim stm32f4 --sim-clock virtual -s 0x08000000 -D "$scratch/img" --skip-unchanged
expect_rc 0 "--skip-unchanged with a blank first sector"
expect_msg "pages: 0 skipped \(unchanged\), 1 written without erase \(blank\), 2 erased" \
	"... one blank page, two erased"
first_sector_last
tap_result $? "... the blank image start is written after the erased sectors ($(write_addrs | tr '\n' ' '))"
expect_mem "$(flash)" 0 $((3 * SECTOR)) "$scratch/img" "... and the flash holds the image"
expect_no_violation "... no write over unerased flash"

# ---------------------------------------------------------------- mass erase
sim_new mass
dfu --sim stm32f4 --sim-clock virtual -s 0x08000000:mass-erase:force -D "$scratch/img"
expect_rc 0 ":mass-erase"
first_sector_last
tap_result $? "... the image start is written last ($(write_addrs | tr '\n' ' '))"
expect_mem "$(flash)" 0 $((3 * SECTOR)) "$scratch/img" "... and the flash holds the image"

# Interrupted while the other sectors are written: the image start stays blank.
sim_new mass-int
dfu --sim stm32f4:fault=signal=INT@0x08004800 --sim-clock virtual \
	-s 0x08000000:mass-erase:force -D "$scratch/img"
expect_rc 130 ":mass-erase, SIGINT in sector 1"
expect_mem "$(flash)" 0 $SECTOR "$scratch/blank" "... the image start stays blank"

# Interrupted inside the image start: its page is still written whole.
sim_new mass-int-start
dfu --sim stm32f4:fault=signal=INT@0x08000800 --sim-clock virtual \
	-s 0x08000000:mass-erase:force -D "$scratch/img"
expect_mem "$(flash)" 0 $((3 * SECTOR)) "$scratch/img" \
	":mass-erase, SIGINT inside the image start: the page is finished, the image whole"

done_testing
