#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
"""Write fmt.uf2 from fmt-a.bin and fmt-b.bin, following the published UF2
specification (Microsoft's "USB Flashing Format"), independently of the C
reader in src/uf2.c.

Every 512-byte block: eight little-endian 32-bit words (magicStart0
0x0A324655, magicStart1 0x9E5D5157, flags, targetAddr, payloadSize,
blockNo, numBlocks, familyID), 476 bytes of data (payload, then zeros),
and magicEnd 0x0AB16F30.  Payloads of 256 bytes, the usual size.

The file has, in this order: one block flagged "not main flash" (0x1) that
carries 0xAA bytes for 0x0800C000 (a reader must skip it, or it would
overwrite fmt-a.bin's first bytes), then fmt-a.bin at 0x0800C000 and
fmt-b.bin at 0x08010400, each block flagged "familyID present" (0x2000)
with the STM32F4 family ID 0x57755a57.

Run from this directory: python3 mkuf2.py
"""
import struct

MAGIC0, MAGIC1, MAGIC_END = 0x0A324655, 0x9E5D5157, 0x0AB16F30
NOT_MAIN_FLASH, FAMILY_ID_PRESENT = 0x00000001, 0x00002000
STM32F4 = 0x57755a57


def pieces(address, data, size=256):
    for off in range(0, len(data), size):
        yield address + off, data[off:off + size]


def block(flags, address, payload, number, total, family):
    head = struct.pack('<8I', MAGIC0, MAGIC1, flags, address, len(payload), number, total, family)
    return head + payload.ljust(476, b'\0') + struct.pack('<I', MAGIC_END)


def main():
    a = open('fmt-a.bin', 'rb').read()
    b = open('fmt-b.bin', 'rb').read()
    todo = [(NOT_MAIN_FLASH, 0x0800C000, b'\xaa' * 256)]
    todo += [(FAMILY_ID_PRESENT, addr, p) for addr, p in pieces(0x0800C000, a)]
    todo += [(FAMILY_ID_PRESENT, addr, p) for addr, p in pieces(0x08010400, b)]
    out = b''.join(block(flags, addr, p, i, len(todo), STM32F4 if flags & FAMILY_ID_PRESENT else 0)
                   for i, (flags, addr, p) in enumerate(todo))
    open('fmt.uf2', 'wb').write(out)


main()
