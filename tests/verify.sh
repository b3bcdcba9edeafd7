#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
# --verify, --skip-unchanged and --dry-run (issue 12) on the simulated
# STM32F4, the download-only dapboot and plain DFU devices: a flipped bit
# that the device reports as written is found only by reading back; pages
# already right are neither erased nor written, blank ones not erased; a
# dry run sends nothing that changes the device.
. "$TOP_SRCDIR/tests/lib.sh"
: "${MKDFUSE:?MKDFUSE must point at the built tests/mkdfuse}"

# Fill the flash from 0x08000000 with FILE by a plain download: preload FILE
preload()
{
	step "$DFU_UTIL" --sim-state "$sim_dir" --sim stm32f4 -s 0x08000000 -D "$1"
	reqs_clear
}
# DfuSe commands and data requests in the log: dnload_kinds prints one word
# per DNLOAD (SET_ADDRESS, ERASE, WRITE, other).
dnload_kinds()
{
	grep ' DNLOAD ' "$sim_dir/requests.log" 2>/dev/null |
		sed -e 's/.*cmd=\([A-Z_]*\).*/\1/' -e '/^[A-Z_]*$/!s/.*/other/'
}

mkdata "$scratch/fw" 40000

# ---------------------------------------------------------------- --verify
sim_new ok
dfu --sim stm32f4 --sim-clock virtual -s 0x08000000 -D "$scratch/fw" --verify
expect_rc 0 "DfuSe download with --verify"
expect_msg "verify: [0-9]+ bytes read back, all as written" "... says all bytes were read back"
expect_msg "Verify" "... with a Verify progress phase"
expect_mem "$(flash)" 0 40000 "$scratch/fw" "... and the flash holds the file"

sim_new flip
dfu --sim stm32f4:fault=flip@0x08005000 --sim-clock virtual -s 0x08000000 -D "$scratch/fw" --verify
expect_rc 3 "a bit flipped while the device said OK fails --verify"
expect_msg "verify failed: 1 byte of [0-9]+ differ, the first at 0x08005000" \
	"... naming the first address and the count"
grep -q 'fault=flip' "$sim_dir/requests.log"
tap_result $? "... the simulator stored the block wrong"
sim_new flip2
dfu --sim stm32f4:fault=flip@0x08005000 --sim-clock virtual -s 0x08000000 -D "$scratch/fw"
expect_rc 0 "without --verify the same fault goes unnoticed"

sim_new plain
dfu --sim dfu-plain --sim-clock virtual -D "$scratch/fw" --verify
expect_rc 0 "plain DFU download with --verify"
expect_reqs UPLOAD 40 "... uploads what was written"
sim_new plainflip
dfu --sim dfu-plain:fault=flip@block3 --sim-clock virtual -D "$scratch/fw" --verify
expect_rc 3 "plain DFU: a flipped bit fails --verify"
expect_msg "first at offset 3072" "... naming the offset"

sim_new intol
dfu --sim dfu-intolerant --sim-clock virtual -D "$scratch/fw" --verify
expect_rc 64 "plain DFU that needs a reset after download: --verify refused"
expect_reqs DNLOAD 0 "... before anything is sent"

sim_new dapboot
dfu --sim dapboot --sim-clock virtual -s 0x08000000 -D "$scratch/fw" --verify
expect_rc 64 "download-only device: --verify refused"
expect_msg "cannot upload" "... saying why"
expect_reqs DNLOAD 0 "... before anything is sent"
sim_new dapboot2
dfu --sim dapboot --sim-clock virtual -s 0x08000000 -D "$scratch/fw" --skip-unchanged
expect_rc 64 "download-only device: --skip-unchanged refused"
expect_reqs DNLOAD 0 "... before anything is sent"

# A .dfu file: every element is read back.
mkdata "$scratch/e0" 5000
mkdata "$scratch/e1" 3000
step "$MKDFUSE" "$scratch/fw.dfu" 0x0483 0xdf11 @0=Flash 0x08000000:"$scratch/e0" \
	0x08020000:"$scratch/e1"
sim_new dotdfu
dfu --sim stm32f4 --sim-clock virtual -a 0 -D "$scratch/fw.dfu" --verify
expect_rc 0 ".dfu file with --verify"
sim_new dotdfuflip
dfu --sim stm32f4:fault=flip@0x08020010 --sim-clock virtual -a 0 -D "$scratch/fw.dfu" --verify
expect_rc 3 ".dfu file: a flipped bit in the second element fails --verify"
expect_msg "first at 0x08020000" "... at the start of the block it hit"

# -D - (standard input)
sim_new stdin
dfu_io "$scratch/fw" /dev/null --sim stm32f4 -s 0x08000000 -D - --verify
expect_rc 0 "-D - with --verify"
expect_mem "$(flash)" 0 40000 "$scratch/fw" "-D - with --verify: the flash holds the image"

# ---------------------------------------------------------------- --skip-unchanged
# The first three 16 KiB sectors hold random bytes; the image covers them.
mkdata "$scratch/img" 49152
sim_new skip
mkdata "$scratch/rnd" 49152
preload "$scratch/rnd"
dfu --sim stm32f4 --sim-clock virtual -s 0x08000000 -D "$scratch/img" --skip-unchanged
expect_rc 0 "--skip-unchanged over random flash"
expect_msg "pages: 0 skipped \(unchanged\), 0 written without erase \(blank\), 3 erased" \
	"... erases every page"
expect_cmds ERASE 3 "... three erases"
dfu --sim stm32f4 --sim-clock virtual -s 0x08000000 -D "$scratch/img" --skip-unchanged --verify
expect_rc 0 "the same image again"
expect_msg "pages: 3 skipped \(unchanged\), 0 written without erase \(blank\), 0 erased" \
	"... skips every page"
expect_cmds ERASE 3 "... and erases nothing more"
n_writes=$(cmds WRITE)
# One sector changed.
fixture "$scratch/img" "$scratch/img2"
dd if=/dev/urandom of="$scratch/img2" bs=1 seek=20000 count=16 conv=notrunc 2>/dev/null
reqs_clear
dfu --sim stm32f4 --sim-clock virtual -s 0x08000000 -D "$scratch/img2" --skip-unchanged
expect_rc 0 "one sector changed"
expect_msg "pages: 2 skipped \(unchanged\), 0 written without erase \(blank\), 1 erased" \
	"... one page erased"
expect_cmds ERASE 1 "... exactly one erase"
expect_mem "$(flash)" 0 49152 "$scratch/img2" "... and the flash holds the new image"
expect_no_violation "... no write over unerased flash"
[ "$n_writes" -gt 0 ]
tap_result $? "(the first run wrote)"

# Blank flash: written without any erase.
sim_new blank
dfu --sim stm32f4 --sim-clock virtual -s 0x08000000 -D "$scratch/img" --skip-unchanged --verify
expect_rc 0 "--skip-unchanged on blank flash"
expect_msg "pages: 0 skipped \(unchanged\), 3 written without erase \(blank\), 0 erased" \
	"... writes every page without erase"
expect_cmds ERASE 0 "... no erase at all"
expect_no_violation "... and no write over unerased flash"
expect_mem "$(flash)" 0 49152 "$scratch/img" "... the flash holds the image"

# Preserved bytes in a skipped page stay, a partly covered changed page keeps them.
sim_new partial
mkdata "$scratch/before" 32768
preload "$scratch/before"
head -c 100 /dev/urandom > "$scratch/small"
dfu --sim stm32f4 --sim-clock virtual -s 0x08004100 -D "$scratch/small" --skip-unchanged --verify
expect_rc 0 "100 bytes into a page of random bytes"
expect_cmds ERASE 1 "... one erase"
{ head -c $((0x4100)) "$scratch/before"; cat "$scratch/small"; tail -c +$((0x4100 + 101)) "$scratch/before"; } > "$scratch/want"
expect_mem "$(flash)" 0 32768 "$scratch/want" "... every other byte of the page preserved"

# ---------------------------------------------------------------- --dry-run
sim_new dry
preload "$scratch/rnd"
dfu --sim stm32f4 --sim-clock virtual -s 0x08000000 -D "$scratch/img" --dry-run
expect_rc 0 "--dry-run"
expect_msg "dry run, alt setting 0 .*3 pages to erase \(49152 bytes\), 49152 bytes to write" \
	"... prints pages to erase and bytes to write"
expect_msg "DNLOAD requests .* about [0-9.]+ s of device time" "... transfers and device time"
expect_no_dfu_reqs "... no DFU request at all"
expect_mem "$(flash)" 0 49152 "$scratch/rnd" "... flash unchanged"

dfu --sim stm32f4 --sim-clock virtual -s 0x08000000 -D "$scratch/img" --dry-run --skip-unchanged
expect_rc 0 "--dry-run --skip-unchanged"
expect_msg "0 pages skipped" "... counts skipped pages"
[ -z "$(dnload_kinds | grep -v '^SET_ADDRESS$')" ]
tap_result $? "... the only DNLOADs are SET_ADDRESS"
[ "$(reqs UPLOAD)" -gt 0 ]
tap_result $? "... it read the pages"
expect_mem "$(flash)" 0 49152 "$scratch/rnd" "... flash unchanged"

sim_new dryplain
dfu --sim dfu-plain -D "$scratch/fw" --dry-run
expect_rc 0 "--dry-run on plain DFU"
expect_reqs DNLOAD 0 "... sends no DNLOAD"
expect_msg "would write 40000 bytes" "... and says what it would write"

sim_new drybad
dfu --sim stm32f4 -s 0x080FC000 -D "$scratch/fw" --dry-run
expect_rc 65 "--dry-run of a job that would be refused: the usual error"

dfu --sim stm32f4 --verify
expect_rc 64 "--verify without -D is a usage error"

done_testing
