#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
# The DSO Nano workflow from the forum thread behind this project, on a
# simulated DSO Nano bootloader: LIB at 0x08004000, APP at 0x0800C000, as
# raw binaries with -s and as .dfu files, each read back by address and
# length; partial pages preserved; the read-only bootloader refused.
. "$TOP_SRCDIR/tests/lib.sh"
: "${MKDFUSE:?MKDFUSE must point at the built tests/mkdfuse}"

BOOT_SIZE=12288			# 12 KiB read-only bootloader at 0x08000000
FLASH_SIZE=131072		# 128 pages of 1 KiB

lib="$scratch/lib.bin"
app="$scratch/app.bin"
back="$scratch/back.bin"
# LIB fills 0x08004000-0x0800BFFF; APP starts at 0x0800C000.
mkdata "$lib" 30000
mkdata "$app" 45000

# Read LEN bytes at ADDR back and compare with FILE: readback ADDR LEN FILE WHAT
readback()
{
	rm -f "$back"
	dfu -a 0 -s "$1:$2" -U "$back"
	expect_rc 0 "$4: read back $2 bytes at $1"
	expect_same "$3" "$back" "$4: the read-back equals the file"
}

# ---------------------------------------------------------------- .bin with -s
sim_new bin
dfu --sim dsonano -l -v
expect_out '0x08000000-0x08002FFF +12 pages of 1 KiB +readable$' "-l -v: the bootloader is read-only"
expect_out 'SPI Flash' "-l -v: the SPI flash alt"
mem_at "$(flash)" 0 $BOOT_SIZE > "$scratch/boot"
dfu -a 0 -s 0x08004000 -D "$lib"
expect_rc 0 "LIB to 0x08004000"
expect_no_violation "LIB: no write over unerased flash"
# 30000 bytes from 0x08004000 touch 30 pages of 1 KiB.
expect_cmds ERASE 30 "LIB: each touched page erased once"
dfu -a 0 -s 0x0800C000 -D "$app"
expect_rc 0 "APP to 0x0800C000"
expect_no_violation "APP: no write over unerased flash"
expect_mem "$(flash)" $((0x4000)) 30000 "$lib" "LIB is in flash at 0x08004000"
expect_mem "$(flash)" $((0xC000)) 45000 "$app" "APP is in flash at 0x0800C000"
expect_mem "$(flash)" 0 $BOOT_SIZE "$scratch/boot" "the bootloader is untouched"
readback 0x08004000 30000 "$lib" "LIB (.bin)"
readback 0x0800C000 45000 "$app" "APP (.bin)"

# ---------------------------------------------------------------- .dfu files
sim_new dfu
step "$MKDFUSE" "$scratch/lib.dfu" 0x0483 0xdf11 @0=LIB 0x08004000:"$lib"
tap_result $? "mkdfuse: lib.dfu"
step "$MKDFUSE" "$scratch/app.dfu" 0x0483 0xdf11 @0=APP 0x0800C000:"$app"
tap_result $? "mkdfuse: app.dfu"
dfu --sim dsonano -a 0 -D "$scratch/lib.dfu"
expect_rc 0 "LIB as a .dfu file"
dfu -a 0 -D "$scratch/app.dfu"
expect_rc 0 "APP as a .dfu file"
expect_no_violation "the .dfu files: no write over unerased flash"
readback 0x08004000 30000 "$lib" "LIB (.dfu)"
readback 0x0800C000 45000 "$app" "APP (.dfu)"

# ---------------------------------------------------------------- partial pages
# 3000 bytes at 0x0800792C: the first and last pages are covered only
# partly, and the bytes around the data must survive their erase.
sim_new partial
mkdata "$scratch/around" 8192
dfu --sim dsonano -a 0 -s 0x08007000 -D "$scratch/around"
expect_rc 0 "fill 0x08007000-0x08008FFF first"
mkdata "$scratch/mid" 3000
reqs_clear
dfu -a 0 -s 0x0800792C -D "$scratch/mid"
expect_rc 0 "3000 bytes at 0x0800792C"
has_cmd "ERASE addr=0x08007800" "the partly covered first page is erased"
has_cmd "ERASE addr=0x08008400" "the partly covered last page is erased"
expect_cmds ERASE 4 "0x08007800-0x080087FF: four pages, each once"
expect_no_violation "no write over unerased flash"
expect_mem "$(flash)" $((0x792C)) 3000 "$scratch/mid" "the new bytes are in place"
head -c $((0x92C)) "$scratch/around" > "$scratch/want-before"
expect_mem "$(flash)" $((0x7000)) $((0x92C)) "$scratch/want-before" "the bytes before the data survive"
tail -c +$((0x14E4 + 1)) "$scratch/around" > "$scratch/want-after"
expect_mem "$(flash)" $((0x84E4)) $((0x9000 - 0x84E4)) "$scratch/want-after" "the bytes after the data survive"

# no-preserve: the rest of the partly covered pages is lost, but nothing else.
dfu -a 0 -s 0x0800792C:no-preserve -D "$scratch/mid"
expect_rc 0 "the same with no-preserve"
expect_no_violation "no-preserve: no write over unerased flash"
head -c $((0x7800 - 0x7000)) "$scratch/around" > "$scratch/want-page"
expect_mem "$(flash)" $((0x7000)) $((0x800)) "$scratch/want-page" "no-preserve: pages that are not erased keep their bytes"
mkfill "$scratch/erased" $((0x92C - 0x800))
expect_mem "$(flash)" $((0x7800)) $((0x12C)) "$scratch/erased" "no-preserve: the rest of the first page is erased"

# ---------------------------------------------------------------- refusals
sim_new refuse
rm -f "$scratch/boot"
dfu --sim dsonano -a 0 -s 0x08000000:$BOOT_SIZE -U "$scratch/boot"
expect_rc 0 "read the bootloader"
reqs_clear
dfu -a 0 -s 0x08000000 -D "$app"
expect_rc 65 "writing the read-only bootloader is refused"
expect_err "0x08000000" "the message names the address"
expect_cmds ERASE 0 "nothing erased"
expect_cmds WRITE 0 "nothing written"
expect_no_dfu_reqs "no DFU request at all"

# A .dfu file whose second element lies in the bootloader.
step "$MKDFUSE" "$scratch/bad.dfu" 0x0483 0xdf11 @0 0x0800C000:"$lib" 0x08000400:"$scratch/boot"
reqs_clear
dfu -a 0 -D "$scratch/bad.dfu"
expect_rc 65 "a .dfu file with a read-only second element"
expect_cmds ERASE 0 "nothing erased before the refusal"
expect_no_dfu_reqs "no DFU request at all"

for bad in '0x' '0x0800G000' '08004000' '0x08004000:l' '0x08004000:bogus' ':mass-erase'; do
	reqs_clear
	dfu -a 0 -s "$bad" -D "$lib"
	expect_rc 64 "-s '$bad' is refused"
	[ "$(all_reqs)" -eq 0 ]
	tap_result $? "-s '$bad': no request sent"
done

# ---------------------------------------------------------------- upload
rm -f "$back"
dfu -a 0 -s 0x0801FC00 -U "$back"
expect_rc 0 "upload without a length at the last page"
expect_size "$back" 1024 "reads to the end of the flash: 1024 bytes"
rm -f "$back"
dfu -a 0 -s 0x08000000 -U "$back"
expect_rc 0 "upload of the whole flash, bootloader included"
expect_size "$back" $FLASH_SIZE "128 KiB, read-only pages included"
head -c $BOOT_SIZE "$back" | cmp -s - "$scratch/boot"
tap_result $? "the bootloader reads back as it is"
mv "$back" "$scratch/whole"
dfu -a 0 -U "$back"
expect_rc 0 "upload without -s reads from the start of the flash"
expect_same "$scratch/whole" "$back" "... to its end"

# ---------------------------------------------------------------- SPI flash
sim_new spi
mkdata "$scratch/res" 70000
dfu --sim dsonano -a 1 -s 0x00010000 -D "$scratch/res"
expect_rc 0 "resources to the SPI flash (alt 1)"
expect_cmds ERASE 2 "two 64 KiB sectors"
expect_no_violation "SPI flash: no write over unerased memory"
rm -f "$back"
dfu -a 1 -s 0x00010000:70000 -U "$back"
expect_rc 0 "read the SPI flash back"
expect_same "$scratch/res" "$back" "SPI flash round trip"

# ---------------------------------------------------------------- leave
sim_new leave
dfu --sim dsonano -a 0 -s 0x0800C000:leave -D "$app"
expect_rc 0 "APP, then leave"
has_cmd "LEAVE addr=0x0800c000" "the device jumps to 0x0800C000"
expect_no_violation "leave: no write over unerased flash"
dfu -l
printf '%s\n' "$out" | grep -q 'Found DFU' && st=1 || st=0
tap_result $st "after leave the bootloader is gone from the bus"

done_testing
