#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
"""Regenerate the known-answer files in this directory.

An implementation independent of the C code: Python's zlib for the CRC
(DFU Annex B CRC = bitwise NOT of the standard CRC-32) and struct for the
layouts.  Run from this directory; the files are checked in, so this only
documents how they were made.
"""
import struct
import zlib


def dfu_crc(data):
    return (~zlib.crc32(data)) & 0xffffffff


def suffix(data, vid, pid, did=0xffff, spec=0x0100):
    s = struct.pack('<HHHH3sB', did, pid, vid, spec, b'UFD', 16)
    return s + struct.pack('<I', dfu_crc(data + s))


def lpc(fw):
    blocks = (len(fw) + 511) // 512
    return bytes([0x1a, 0x3f]) + struct.pack('<H', blocks) + bytes(8) + b'\xff' * 4


def stellaris(addr, fw):
    return bytes([0x01, 0x00]) + struct.pack('<HI', addr // 1024, len(fw))


def dfuse(targets, vid, pid):
    """targets: list of (alt, name, [(address, bytes)]); DFUImageSize without the suffix."""
    body = b''
    for alt, name, elements in targets:
        el = b''.join(struct.pack('<II', a, len(d)) + d for a, d in elements)
        body += (b'Target' + struct.pack('<BI', alt, 1) + name.ljust(255, b'\0') +
                 struct.pack('<II', len(el), len(elements)) + el)
    head = b'DfuSe' + struct.pack('<BIB', 1, 11 + len(body), len(targets))
    image = head + body
    return image + suffix(image, vid, pid, did=0x0000, spec=0x011a)


def ihex_rec(t, addr, data):
    b = bytes([len(data), addr >> 8, addr & 0xff, t]) + data
    return ':' + b.hex().upper() + '%02X' % ((-sum(b)) & 0xff) + '\n'


def srec_rec(t, addr, data, alen):
    b = bytes([len(data) + alen + 1]) + addr.to_bytes(alen, 'big') + data
    return 'S%d' % t + b.hex().upper() + '%02X' % (~sum(b) & 0xff) + '\n'


fw = bytes(range(64))
seg_a = bytes((i * 3 + 1) & 0xff for i in range(40))
seg_b = bytes((0xa0 + i) & 0xff for i in range(12))
files = {
    'fw.bin': fw,
    'fw-suffix.bin': fw + suffix(fw, 0x1234, 0x5678),
    'fw-suffix-011a.bin': fw + suffix(fw, 0x0483, 0xdf11, did=0x0200, spec=0x011a),
    'fw-lpc.bin': lpc(fw) + fw,
    'fw-stellaris.bin': stellaris(0x2000, fw) + fw,
}
lpc_sfx = lpc(fw) + fw
files['fw-lpc-suffix.bin'] = lpc_sfx + suffix(lpc_sfx, 0x1fc9, 0x000c)
files['pack-bin.dfu'] = dfuse([(0, b'ST...', [(0x08000000, fw)]),
                               (1, b'ST...', [(0x1fff7800, seg_b)])], 0x0483, 0xdf11)
files['pack-text.dfu'] = dfuse([(0, b'kat', [(0x08000000, seg_a), (0x08000100, seg_b)])],
                               0x0483, 0xdf11)

# Two segments in each text format; the S-record file names its target "kat".
hx = ihex_rec(4, 0, b'\x08\x00')
hx += ihex_rec(0, 0x0000, seg_a[:16]) + ihex_rec(0, 0x0010, seg_a[16:32])
hx += ihex_rec(0, 0x0020, seg_a[32:]) + ihex_rec(0, 0x0100, seg_b)
hx += ihex_rec(5, 0, b'\x08\x00\x00\x00') + ihex_rec(1, 0, b'')
sr = srec_rec(0, 0, b'kat', 2)
sr += srec_rec(3, 0x08000000, seg_a[:16], 4) + srec_rec(3, 0x08000010, seg_a[16:32], 4)
sr += srec_rec(3, 0x08000020, seg_a[32:], 4) + srec_rec(3, 0x08000100, seg_b, 4)
sr += srec_rec(5, 4, b'', 2) + srec_rec(7, 0x08000000, b'', 4)
sr1 = srec_rec(3, 0x08000000, seg_a[:16], 4) + srec_rec(3, 0x08000010, seg_a[16:32], 4)
sr1 += srec_rec(3, 0x08000020, seg_a[32:], 4) + srec_rec(7, 0x08000000, b'', 4)
files['seg-a.bin'] = seg_a
files['seg-b.bin'] = seg_b
files['fw.hex'] = hx.encode()
files['fw.srec'] = sr.encode()
files['one.srec'] = sr1.encode()

for name, data in sorted(files.items()):
    with open(name, 'wb') as f:
        f.write(data)
    print('%-20s %5d bytes  crc32 %08x' % (name, len(data), zlib.crc32(data)))
