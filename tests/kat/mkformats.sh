#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
#
# Regenerate the firmware-format known-answer files (tests/formats.sh) with
# tools independent of dfu-util: GNU binutils (arm-none-eabi-objcopy and
# -ld from Debian's binutils-arm-none-eabi, the host objcopy and ld for the
# 64-bit file) and mkuf2.py (the UF2 specification, in Python).
# Run from this directory; the outputs are checked in.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Two payloads: 3000 and 1000 bytes of seeded pseudo-random data.
python3 -c '
import random
r = random.Random(13)
open("fmt-a.bin", "wb").write(bytes(r.randrange(256) for _ in range(3000)))
open("fmt-b.bin", "wb").write(bytes(r.randrange(256) for _ in range(1000)))
'
# fmt.ld: fmt-a.bin at 0x0800C000, fmt-b.bin run from RAM (0x20000400)
# but loaded at 0x08010400, and 1 KiB of .bss that must not be flashed.
for e in little big; do
	arm-none-eabi-objcopy -I binary -O elf32-${e}arm \
		--rename-section .data=.seg_a,alloc,load,contents fmt-a.bin "$tmp/a-$e.o"
	arm-none-eabi-objcopy -I binary -O elf32-${e}arm \
		--rename-section .data=.seg_b,alloc,load,contents fmt-b.bin "$tmp/b-$e.o"
done
arm-none-eabi-ld -EL -T fmt.ld -o fmt.elf "$tmp/a-little.o" "$tmp/b-little.o"
arm-none-eabi-ld -EB -T fmt.ld -o fmt-be.elf "$tmp/a-big.o" "$tmp/b-big.o"
objcopy -I binary -O elf64-x86-64 --rename-section .data=.seg_a,alloc,load,contents \
	fmt-a.bin "$tmp/a64.o"
objcopy -I binary -O elf64-x86-64 --rename-section .data=.seg_b,alloc,load,contents \
	fmt-b.bin "$tmp/b64.o"
ld -m elf_x86_64 -T fmt.ld -o fmt64.elf "$tmp/a64.o" "$tmp/b64.o"
# objcopy writes HEX and S-records at the load addresses (LMA).
arm-none-eabi-objcopy -O ihex fmt.elf fmt.hex
arm-none-eabi-objcopy -O srec fmt.elf fmt.srec
python3 mkuf2.py
