#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
# Firmware formats straight into -D: the same two-segment image (a gap
# between the segments) as raw binaries with -s, Intel HEX, S-records,
# ELF (32-bit either byte order, 64-bit), UF2 and .dfu must leave
# byte-identical memory on the simulated STM32F4 and DSO Nano, the gap
# untouched.  Malformed files are refused with no request sent.  The
# known-answer files in tests/kat were made by objcopy/ld and mkuf2.py.
. "$TOP_SRCDIR/tests/lib.sh"
: "${MKDFUSE:?MKDFUSE must point at the built tests/mkdfuse}"
: "${DFU_SUFFIX:?DFU_SUFFIX must point at the built dfu-suffix}"
: "${DFUSE_PACK:?DFUSE_PACK must point at the built dfuse-pack}"

kat="$TOP_SRCDIR/tests/kat"
A=0x0800C000		# fmt-a.bin, 3000 bytes
B=0x08010400		# fmt-b.bin, 1000 bytes; the gap is 0x0800CBB8-0x080103FF
PAT_LEN=21504		# the pattern covers 0x0800C000-0x080113FF


# What the memory must hold from 0x0800C000 on: the pattern, with the two
# segments over it.
pattern="$scratch/pattern.bin"
expect="$scratch/expect.bin"
i=0
: > "$pattern"
while [ $i -lt 300 ]; do
	printf 'gap must stay!\000\001the pattern of this run, for formats.sh, gap bytes - keep them, never erase them.\n' >> "$pattern"
	i=$((i + 1))
done
head -c $PAT_LEN "$pattern" > "$scratch/p" && mv "$scratch/p" "$pattern"
{
	cat "$kat/fmt-a.bin"
	tail -c +3001 "$pattern" | head -c $((0x4400 - 3000))
	cat "$kat/fmt-b.bin"
	tail -c +$((0x4400 + 1000 + 1)) "$pattern"
} > "$expect"
step "$MKDFUSE" "$scratch/fmt.dfu" 0x0483 0xdf11 @0=FMT $A:"$kat/fmt-a.bin" $B:"$kat/fmt-b.bin"
tap_result $? "mkdfuse: the same image as a .dfu file"

# flash_as DEVICE ROUTE: a fresh device, the pattern, then the image by ROUTE.
flash_as()
{
	sim_new "$1-$2"
	dfu --sim "$1" -a 0 -s $A -D "$pattern"
	expect_rc 0 "$1: the pattern first"
	case $2 in
	bin)
		dfu -a 0 -s $A -D "$kat/fmt-a.bin"
		expect_rc 0 "$1 bin: fmt-a.bin with -s $A"
		dfu -a 0 -s $B -D "$kat/fmt-b.bin"
		expect_rc 0 "$1 bin: fmt-b.bin with -s $B"
		;;
	dfu)
		dfu -a 0 -D "$scratch/fmt.dfu"
		expect_rc 0 "$1: .dfu"
		;;
	*)
		dfu -a 0 -D "$kat/$2"
		expect_rc 0 "$1: $2 without -s"
		;;
	esac
	expect_no_violation "$1 $2: no write over unerased flash"
	expect_mem "$(flash)" $((0xC000)) $PAT_LEN "$expect" "$1 $2: both segments in place, the gap untouched"
	cp "$(flash)" "$scratch/mem-$1-$2"
}

for dev in stm32f4 dsonano; do
	for route in bin dfu fmt.hex fmt.srec fmt.elf fmt-be.elf fmt64.elf fmt.uf2; do
		flash_as $dev $route
		expect_same "$scratch/mem-$dev-bin" "$scratch/mem-$dev-$route" "$dev: $route leaves memory byte-identical to the raw binaries"
	done
done

# The ELF's .bss (1 KiB at 0x20000800, and the 64-bit file's RAM tail) is
# not written, and the UF2 "not main flash" block (0xAA bytes for
# 0x0800C000) is skipped: both shown by the comparisons above.  -v shows
# the UF2 family.
sim_new uf2v
dfu --sim stm32f4 -a 0 -v -D "$kat/fmt.uf2"
expect_rc 0 "UF2 with -v"
printf '%s\n%s\n' "$out" "$err" | grep -q 'family ID 0x57755a57 (STM32F4)'
tap_result $? "-v shows the UF2 board family"
printf '%s\n%s\n' "$out" "$err" | grep -q '1 of them not for main flash'
tap_result $? "-v counts the skipped block"
has_cmd "ERASE addr=0x0800c000" "the plan erases the first segment's page"

# -s with modifiers works, with an address is refused.
sim_new leave
dfu --sim stm32f4 -a 0 -s :leave -D "$kat/fmt.elf"
expect_rc 0 "-s :leave with an ELF file"
has_cmd "LEAVE addr=0x0800c000" "the device leaves to the first segment"
sim_new addr
dfu --sim stm32f4 -a 0 -s $A -D "$kat/fmt.hex"
expect_rc 64 "-s with an address and a HEX file is refused"
expect_err "addresses come from the file" "... saying why"
[ "$(all_reqs)" -eq 0 ]
tap_result $? "-s address with a HEX file: no request sent"

# A DFU suffix is honoured: checked, then left out of the data.
sim_new suffix
fixture "$kat/fmt.srec" "$scratch/sfx.srec"
run "$DFU_SUFFIX" -a "$scratch/sfx.srec" -v 0483 -p df11
expect_rc 0 "dfu-suffix adds a suffix to an S-record file"
dfu --sim stm32f4 -a 0 -s $A -D "$pattern"
expect_rc 0 "the pattern before the suffixed file"
dfu -a 0 -D "$scratch/sfx.srec"
expect_rc 0 "an S-record file with a DFU suffix"
expect_same "$(flash)" "$scratch/mem-stm32f4-bin" "... leaves the same memory"
fixture "$kat/fmt.uf2" "$scratch/sfx.uf2"
step "$DFU_SUFFIX" -a "$scratch/sfx.uf2" -v 1234 -p 5678
sim_new suffix-wrong
dfu --sim stm32f4 -a 0 -D "$scratch/sfx.uf2"
expect_rc 65 "a UF2 file whose suffix names another device is refused"
expect_no_dfu_reqs "... with no DFU request sent"

# Plain DFU devices place the data themselves.
for f in fmt.hex fmt.elf fmt.uf2; do
	sim_new plain
	dfu --sim dfu-plain -D "$kat/$f"
	expect_rc 65 "plain DFU device: $f is refused"
	expect_err "carries its own addresses" "... saying why"
	expect_err "raw binary" "... with the hint to convert it"
	expect_no_dfu_reqs "plain DFU device, $f: no DFU request sent"
done

# Outside the memory map: refused by the plan, before the first erase.
sim_new ram
printf ':020000042000DA\n:1000000000000000000000000000000000000000F0\n:00000001FF\n' > "$scratch/ram.hex"
dfu --sim stm32f4 -a 0 -D "$scratch/ram.hex"
expect_rc 65 "data for 0x20000000 on the flash alt setting is refused"
expect_err "segment 0: 0x20000000" "... naming the segment"
expect_err "0x20000000-0x2000000F" "... and its range"
expect_err "outside the memory map" "... and what is wrong"
expect_no_dfu_reqs "outside the map: no DFU request sent"

# ---------------------------------------------------------------- malformed
# bad NAME EXPECTED-MESSAGE: refused with exit 65, the message, no request.
bad()
{
	sim_new "bad-$1"
	dfu --sim stm32f4 -a 0 -D "$scratch/$1"
	expect_rc 65 "malformed $1 is refused"
	printf '%s\n%s\n' "$out" "$err" | grep -Eq -- "$2"
	tap_result $? "$1: the message says '$2'"
	[ "$(all_reqs)" -eq 0 ]
	tap_result $? "$1: no request sent"
}

# patch FILE OFFSET OCTAL-BYTES...: overwrite bytes in place.
patch()
{
	local f=$1 off=$2
	shift 2
	printf "$*" | dd of="$f" bs=1 seek="$off" conv=notrunc 2>/dev/null
}

# (objcopy ends lines with CR LF.)  Intel HEX: a wrong checksum on line 112, a missing end record, overlaps.
sed '112s/[0-9A-F][0-9A-F]\(\r*\)$/00\1/' "$kat/fmt.hex" > "$scratch/cksum.hex"
bad cksum.hex "cksum.hex:112: checksum mismatch"
sed '$d' "$kat/fmt.hex" > "$scratch/trunc.hex"
bad trunc.hex "no end-of-file record"
printf ':020000040800F2\n:04C000000102030432\n:04C002000506070820\n:00000001FF\n' > "$scratch/overlap.hex"
bad overlap.hex "0x0800c002-0x0800c005 is given twice"
sed '5s/^:/;/' "$kat/fmt.hex" > "$scratch/char.hex"
bad char.hex "char.hex:5: not an Intel HEX record"
# S-records
sed '40s/[0-9A-F][0-9A-F]\(\r*\)$/00\1/' "$kat/fmt.srec" > "$scratch/cksum.srec"
bad cksum.srec "cksum.srec:40: checksum mismatch"
sed '$d' "$kat/fmt.srec" > "$scratch/trunc.srec"
bad trunc.srec "no termination record"
# ELF: cut short, no program headers, p_filesz > p_memsz, a header too short.
head -c 9500 "$kat/fmt.elf" > "$scratch/trunc.elf"
bad trunc.elf "program header 1: segment bytes at file offset 0x2400 .* run past the end of the file"
fixture "$kat/fmt.elf" "$scratch/nophdr.elf"
patch "$scratch/nophdr.elf" 44 '\000\000'
bad nophdr.elf "no program headers"
fixture "$kat/fmt.elf" "$scratch/memsz.elf"
patch "$scratch/memsz.elf" $((52 + 20)) '\000\000\000\000'
bad memsz.elf "program header 0 \(offset 0x34\): p_filesz 0xbb8 is larger than p_memsz 0x0"
head -c 40 "$kat/fmt.elf" > "$scratch/short.elf"
bad short.elf "truncated ELF header"
fixture "$kat/fmt.elf" "$scratch/class.elf"
patch "$scratch/class.elf" 4 '\003'
bad class.elf "unknown ELF class 3"
# Two ELF segments at the same load address.
fixture "$kat/fmt.elf" "$scratch/overlap.elf"
patch "$scratch/overlap.elf" $((52 + 32 + 12)) '\000\300\000\010'
bad overlap.elf "is given twice"
# UF2: blocks swapped, a bad end magic, cut short, a torn block.
u="$kat/fmt.uf2"
{ head -c $((512 * 3)) "$u"; tail -c +$((512 * 4 + 1)) "$u" | head -c 512
  tail -c +$((512 * 3 + 1)) "$u" | head -c 512; tail -c +$((512 * 5 + 1)) "$u"; } > "$scratch/order.uf2"
bad order.uf2 "UF2 block 3 \(offset 0x600\) out of sequence: it says block 4 of 17, expected block 3 of 17"
fixture "$u" "$scratch/magic.uf2"
patch "$scratch/magic.uf2" $((512 * 6 + 508)) '\000'
bad magic.uf2 "UF2 block 6 \(offset 0xdfc\): bad end magic"
head -c $((512 * 10)) "$u" > "$scratch/trunc.uf2"
bad trunc.uf2 "truncated: the file ends after block 9 of 17"
head -c 1000 "$u" > "$scratch/torn.uf2"
bad torn.uf2 "not a whole number of 512-byte UF2 blocks"
fixture "$u" "$scratch/big.uf2"
patch "$scratch/big.uf2" $((512 * 2 + 16)) '\377\001'
bad big.uf2 "UF2 block 2 \(offset 0x400\): payload of 511 bytes"
# .dfu files go the way they always went.
head -c 300 "$scratch/fmt.dfu" > "$scratch/trunc.dfu"
sim_new bad-dfu
dfu --sim stm32f4 -a 0 -D "$scratch/trunc.dfu"
[ "$rc" -ne 0 ] && [ "$(all_reqs)" -eq 0 ]
tap_result $? "a cut .dfu file: refused, no request sent"

# ---------------------------------------------------------------- dfuse-pack
# ELF and UF2 input: the same .dfu as from the HEX file objcopy made.
w="$scratch/pack"
mkdir -p "$w"
run "$DFUSE_PACK" -i "$kat/fmt.hex" "$w/hex.dfu"
expect_rc 0 "dfuse-pack -i fmt.hex"
for f in fmt.elf fmt-be.elf fmt64.elf; do
	rm -f "$w/elf.dfu"
	run "$DFUSE_PACK" -e "$kat/$f" "$w/elf.dfu"
	expect_rc 0 "dfuse-pack -e $f"
	expect_same "$w/hex.dfu" "$w/elf.dfu" "dfuse-pack -e $f: the same .dfu as from the HEX file"
done
run "$DFUSE_PACK" -u "$kat/fmt.uf2" "$w/uf2.dfu"
expect_rc 0 "dfuse-pack -u fmt.uf2"
expect_same "$w/hex.dfu" "$w/uf2.dfu" "dfuse-pack -u: the same .dfu as from the HEX file"
run "$DFUSE_PACK" -u "$scratch/order.uf2" "$w/bad.dfu"
expect_rc 65 "dfuse-pack -u: a malformed UF2 file is refused"
expect_err "out of sequence" "... saying why"
[ ! -e "$w/bad.dfu" ]
tap_result $? "... and nothing written"

done_testing
