#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
"""Write the seed inputs of the fuzz corpora (developer tool, not run by make).

    tests/fuzz/mkseeds.py LSUSB_DIR OUT_DIR

LSUSB_DIR holds `lsusb -v` dumps of real DFU devices: their device,
configuration, interface, endpoint and DFU functional descriptors are turned
back into bytes, their strings into string descriptors and their DfuSe
memory maps into map strings.  The other seeds (DfuSe files, suffixes,
prefixes, Intel HEX, S-records, command lines, scripted hostile-device
sessions) are built here from the formats' specifications.  OUT_DIR gets one
sub-directory per harness; run.sh's fuzzers then grow and minimise them.
"""

import os
import re
import struct
import sys
import zlib


def crc_dfu(data):
    # DFU 1.1 Annex B: reflected CRC-32, initial ~0, no final xor.
    return (~zlib.crc32(data)) & 0xffffffff


def suffix(data, vid=0x0483, pid=0xdf11, bcd=0x2200, dfu=0x0100):
    head = struct.pack('<HHHH', bcd, pid, vid, dfu) + b'UFD' + bytes([16])
    return head + struct.pack('<I', crc_dfu(data + head))


def dfuse_file(targets, vid=0x0483, pid=0xdf11):
    """targets: [(alt, name or None, [(address, bytes), ...]), ...]"""
    body = b''
    for alt, name, elements in targets:
        el = b''.join(struct.pack('<II', a, len(d)) + d for a, d in elements)
        nm = (name or '').encode().ljust(255, b'\0')
        body += (b'Target' + bytes([alt]) + struct.pack('<I', 1 if name else 0) + nm +
                 struct.pack('<II', len(el), len(elements)) + el)
    image = b'DfuSe' + bytes([1]) + struct.pack('<I', 11 + len(body)) + bytes([len(targets)]) + body
    return image + suffix(image, vid, pid, 0xffff, 0x011a)


def elf_file(is64, big, segments, entry=0x08000101):
    """segments: [(p_type, p_paddr, data, p_memsz), ...]; the System V ABI layout."""
    e = '>' if big else '<'
    eh, pe = (64, 56) if is64 else (52, 32)
    off = eh + pe * len(segments)
    ident = b'\x7fELF' + bytes([2 if is64 else 1, 2 if big else 1, 1]) + bytes(9)
    if is64:
        head = ident + struct.pack(e + 'HHIQQQIHHHHHH', 2, 40, 1, entry, eh, 0, 0, eh, pe,
                                   len(segments), 40, 0, 0)
    else:
        head = ident + struct.pack(e + 'HHIIIIIHHHHHH', 2, 40, 1, entry, eh, 0, 0, eh, pe,
                                   len(segments), 40, 0, 0)
    phdrs, body = b'', b''
    for ptype, paddr, data, memsz in segments:
        if is64:
            phdrs += struct.pack(e + 'IIQQQQQQ', ptype, 5, off + len(body), paddr, paddr,
                                 len(data), memsz, 4)
        else:
            phdrs += struct.pack(e + 'IIIIIIII', ptype, off + len(body), paddr, paddr,
                                 len(data), memsz, 5, 4)
        body += data
    return head + phdrs + body


def uf2_file(blocks):
    """blocks: [(flags, address, payload, family), ...]; the UF2 specification's layout."""
    out = b''
    for i, (flags, addr, data, family) in enumerate(blocks):
        out += (struct.pack('<8I', 0x0A324655, 0x9E5D5157, flags, addr, len(data), i,
                            len(blocks), family) + data.ljust(476, b'\0') +
                struct.pack('<I', 0x0AB16F30))
    return out


def ihex_record(rtype, addr, data):
    rec = bytes([len(data), addr >> 8, addr & 0xff, rtype]) + data
    return ':' + (rec + bytes([(-sum(rec)) & 0xff])).hex().upper() + '\n'


def srec_record(rtype, addr, data):
    alen = {0: 2, 1: 2, 2: 3, 3: 4, 5: 2, 7: 4, 8: 3, 9: 2}[rtype]
    body = addr.to_bytes(alen, 'big') + data
    rec = bytes([len(body) + 1]) + body
    return 'S%d' % rtype + (rec + bytes([(~sum(rec)) & 0xff])).hex().upper() + '\n'


# ---------------------------------------------------------------- lsusb dumps

def lsusb_devices(text):
    """Yield (device_descriptor, [config bytes], {index: string}) per device."""
    devices = []
    cur = None
    strings = {}

    def num(v):
        v = v.split()[0]
        if v.startswith('0x'):
            return int(v, 16)
        if '.' in v:            # bcd "1.1a" / "21.00"
            major, minor = v.split('.')
            return (int(major, 16) << 8) | int(minor, 16)
        return int(v)

    block = None
    fields = {}

    def flush():
        nonlocal block, fields
        if block is None:
            return
        f = fields
        if block == 'dev':
            cur['dev'] = struct.pack('<BBHBBBBHHHBBBB', 18, 1, f.get('bcdUSB', 0x110),
                                     f.get('bDeviceClass', 0), f.get('bDeviceSubClass', 0),
                                     f.get('bDeviceProtocol', 0), f.get('bMaxPacketSize0', 64),
                                     f.get('idVendor', 0), f.get('idProduct', 0),
                                     f.get('bcdDevice', 0), f.get('iManufacturer', 0),
                                     f.get('iProduct', 0), f.get('iSerial', 0),
                                     f.get('bNumConfigurations', 1))
        elif block == 'cfg':
            cur['configs'].append([struct.pack('<BBHBBBBB', 9, 2, 0, f.get('bNumInterfaces', 1),
                                               f.get('bConfigurationValue', 1),
                                               f.get('iConfiguration', 0),
                                               f.get('bmAttributes', 0x80), 50)])
        elif block == 'intf':
            cur['configs'][-1].append(struct.pack('<BBBBBBBBB', 9, 4, f.get('bInterfaceNumber', 0),
                                                  f.get('bAlternateSetting', 0),
                                                  f.get('bNumEndpoints', 0),
                                                  f.get('bInterfaceClass', 0),
                                                  f.get('bInterfaceSubClass', 0),
                                                  f.get('bInterfaceProtocol', 0),
                                                  f.get('iInterface', 0)))
        elif block == 'ep':
            cur['configs'][-1].append(struct.pack('<BBBBHB', 7, 5, f.get('bEndpointAddress', 0x81),
                                                  f.get('bmAttributes', 2),
                                                  f.get('wMaxPacketSize', 64),
                                                  f.get('bInterval', 0)))
        elif block == 'dfu':
            blen = f.get('bLength', 9)
            d = struct.pack('<BBBHHH', blen, 0x21, f.get('bmAttributes', 0),
                            f.get('wDetachTimeout', 0), f.get('wTransferSize', 0),
                            f.get('bcdDFUVersion', 0x100))
            cur['configs'][-1].append(d[:blen])
        block = None
        fields = {}

    for line in text.splitlines():
        s = line.strip()
        if s.startswith('Device Descriptor:'):
            flush()
            cur = {'dev': b'', 'configs': [], 'strings': {}}
            devices.append(cur)
            block = 'dev'
            continue
        if cur is None:
            continue
        if s.startswith('Configuration Descriptor:'):
            flush(); block = 'cfg'; continue
        if s.startswith('Interface Descriptor:'):
            flush(); block = 'intf'; continue
        if s.startswith('Endpoint Descriptor:'):
            flush(); block = 'ep'; continue
        if s.startswith('Device Firmware Upgrade Interface Descriptor:'):
            flush(); block = 'dfu'; continue
        if s.endswith(':') and not s.startswith('b') and not s.startswith('w') and not s.startswith('i'):
            flush(); block = 'skip'; continue
        m = re.match(r'^([bwi][A-Za-z0-9]+)\s+(\S+)\s*(.*)$', s)
        if m and block not in (None, 'skip'):
            key, val, rest = m.groups()
            try:
                fields[key] = num(val)
            except ValueError:
                continue
            if key.startswith('i') and rest and fields[key]:
                cur['strings'][fields[key]] = rest
    flush()
    out = []
    for d in devices:
        configs = []
        for parts in d['configs']:
            blob = b''.join(parts)
            blob = blob[:2] + struct.pack('<H', len(blob)) + blob[4:]
            configs.append(blob)
        out.append((d['dev'], configs, d['strings']))
    return out


def string_desc(text):
    raw = text.encode('utf-16-le')[:252]
    return bytes([len(raw) + 2, 3]) + raw


# ---------------------------------------------------------------- hostile scripts

OP_FULL, OP_LEN8, OP_EMPTY, OP_STALL, OP_GONE, OP_TIMEOUT, OP_STICKY = 0, 1, 3, 8, 9, 10, 14


def status(state, st=0, poll=0):
    return bytes([st, poll & 0xff, (poll >> 8) & 0xff, poll >> 16, state, 0])


def reply(data):
    # A length-byte reply: works whatever wLength the host asks for (>= len).
    return bytes([OP_LEN8, len(data)]) + data


def ok_out():
    return bytes([OP_FULL])


def hostile_header(skip, ts=16, dn=40, up=0, attrs=0x0b, dfuse=0, ndev=1, verb=1):
    return bytes([verb, skip, ts, dn, up, attrs, dfuse, ndev])


def hostile_device(dev, configs, path=b'1-2'):
    out = bytes([1, 7, len(path)]) + path + dev + bytes([len(configs)])
    for c in configs:
        out += struct.pack('<H', len(c)) + c
    return out


def scan_script(dev, configs, strings):
    """Replies for device_scan + device_open on the first DFU interface."""
    out = bytes([0])                                    # open succeeds
    out += reply(bytes([4, 3, 0x09, 0x04]))             # language IDs
    iserial = dev[16]
    if iserial:
        out += reply(string_desc(strings.get(iserial, 'SERIAL')))
    for c in configs:
        off = c[0]
        while off + 2 <= len(c):
            blen, typ = c[off], c[off + 1]
            if blen < 2:
                break
            if typ == 4 and c[off + 5] == 0xfe and c[off + 6] == 1 and c[off + 8]:
                out += reply(string_desc(strings.get(c[off + 8], 'ALT')))
            off += blen
    # device_open: open, get_configuration (result, value 1), claim, set_alt
    out += bytes([0, 0, 1, 0, 0])
    return out


def main():
    src, dst = sys.argv[1], sys.argv[2]

    def put(harness, name, data):
        d = os.path.join(dst, harness)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, 'seed-' + name), 'wb') as f:
            f.write(data if isinstance(data, bytes) else data.encode())

    maps = set()
    devs = []
    for fn in sorted(os.listdir(src)):
        if not fn.endswith('.lsusb'):
            continue
        base = fn[:-6]
        with open(os.path.join(src, fn), errors='replace') as f:
            text = f.read()
        for i, (dev, configs, strings) in enumerate(lsusb_devices(text)):
            tag = '%s-%d' % (base, i)
            put('descriptor', tag + '-device', dev)
            for c, blob in enumerate(configs):
                put('descriptor', '%s-config%d' % (tag, c), blob)
            for idx, s in strings.items():
                if s.startswith('@'):
                    maps.add(s)
            devs.append((tag, dev, configs, strings))
    for i, m in enumerate(sorted(maps)):
        put('map', 'real-%d' % i, m)
    put('descriptor', 'string-latin', string_desc('STMicroelectronics'))
    put('descriptor', 'string-surrogates', bytes([10, 3]) + 'x\U0001F600'.encode('utf-16-le') + b'\x00\xd8')
    put('descriptor', 'func-dfu10', bytes([7, 0x21, 3, 0xff, 0, 0, 4]))
    for m in ['@Flash/0x08000000/1*1Mg/0x1FFF0000/2*16 a/', '@x/0xFFFFFF00/1*256 g',
              '@A/0x0/64*1Kg,1*1Mb,3*512Be']:
        put('map', 'synthetic-%d' % (hash(m) & 0xffff), m)

    for a in ['0x08000000', '0x08000000:leave', '0x08000000:0x1000', ':mass-erase:force',
              'default:unprotect:force', '0x1FFFC000:will-reset:force',
              '0x08000000:no-preserve:set-address-every-block', '010:8:leave', '0x08000000:l',
              '0xFFFFFFFF:1']:
        put('address', re.sub(r'[^A-Za-z0-9]+', '_', a), a)

    for i, argv in enumerate([
            ['-l'], ['-l', '-v', '-v'], ['-d', '0483:df11', '-a', '0', '-s', '0x08000000:leave', '-D', 'fw.bin'],
            ['--device', '1d50:6017,:5119', '-U', 'out.bin', '-Z', '0x4000'],
            ['-S', 'ABC,DEF', '-p', '1-2.3', '-n', '7', '-c', '1', '-i', '0', '-a', '@Internal Flash'],
            ['-e', '-E', '10', '-R', '-w'], ['-t64', '-vvv', '--transfer-size=2048', '-D', '-'],
            ['--sim', 'stm32f4', '--sim-state', '/tmp/x', '--sim-clock=virtual', '-l'],
            ['-h'], ['-V'], ['--dfuse-address', ':mass-erase:force'], ['-d', '*:-'],
            ['--upload-size', '070', '-U', 'a', '-a', '1']]):
        put('options', 'cmdline-%d' % i, b'\0'.join(x.encode() for x in argv))

    payload = bytes(range(256)) * 3
    put('dfuse_file', 'one-target', dfuse_file([(0, 'Internal Flash', [(0x08000000, payload)])]))
    put('dfuse_file', 'two-targets', dfuse_file([(0, 'Internal Flash', [(0x08000000, b'\x01' * 64),
                                                                         (0x08004000, b'\x02' * 32)]),
                                                  (1, None, [(0x1FFFC000, b'\xaa\x55' * 8)])]))
    put('dfuse_file', 'empty-element', dfuse_file([(3, 'x', [(0x20000000, b'')])]))

    put('suffix', 'plain', payload[:100] + suffix(payload[:100]))
    put('suffix', 'dfuse', dfuse_file([(0, 'a', [(0, b'z' * 16)])]))
    put('suffix', 'none', payload[:40])
    put('suffix', 'bad-crc', payload[:20] + suffix(payload[:21])[:16])

    fw = bytes((i * 7) & 0xff for i in range(600))
    stellaris = bytes([1, 0]) + struct.pack('<HI', 2, len(fw)) + fw
    lpc = bytes([0x1a, 0x3f]) + struct.pack('<H', (len(fw) + 511) // 512) + bytes(8) + b'\xff' * 4 + fw
    put('prefix', 'stellaris', stellaris)
    put('prefix', 'stellaris-suffix', stellaris + suffix(stellaris, 0x1cbe, 0x00ff))
    put('prefix', 'lpc-suffix', lpc + suffix(lpc, 0x0471, 0xdf55))
    put('prefix', 'plain', fw[:50] + suffix(fw[:50]))

    hexfile = (ihex_record(4, 0, b'\x08\x00') + ihex_record(0, 0, bytes(range(16))) +
               ihex_record(0, 0x10, bytes(range(16, 24))) + ihex_record(2, 0, b'\x10\x00') +
               ihex_record(0, 0x100, b'\xde\xad') + ihex_record(5, 0, b'\x08\x00\x01\x01') +
               ihex_record(3, 0, b'\x00\x00\x01\x00') + ihex_record(1, 0, b''))
    put('ihex', 'intel-hex', hexfile)
    put('ihex', 'intel-hex-crlf', hexfile.replace('\n', '\r\n') + '\n')
    srec = (srec_record(0, 0, b'fw.srec') + srec_record(1, 0x1000, bytes(range(8))) +
            srec_record(2, 0x20000, b'\x01\x02') + srec_record(3, 0x08000000, bytes(range(20))) +
            srec_record(5, 4, b'') + srec_record(7, 0x08000000, b''))
    put('ihex', 'srec', srec)
    put('ihex', 'srec-s9', srec_record(1, 0, b'\xff' * 4) + srec_record(9, 0, b''))

    segs = [(1, 0x08000000, bytes(range(64)), 64), (4, 0, b'note', 4),
            (1, 0x08000400, b'\x22' * 20, 64), (1, 0x20000000, b'', 256)]
    for is64 in (0, 1):
        for big in (0, 1):
            put('elf', 'elf%d-%s' % (64 if is64 else 32, 'be' if big else 'le'),
                elf_file(is64, big, segs))
    put('elf', 'elf32-touching', elf_file(0, 0, [(1, 0x10, b'b' * 16, 16), (1, 0, b'a' * 16, 16)]))
    # The elf harness also detects and converts any format: one of each.
    put('elf', 'as-hex', hexfile)
    put('elf', 'as-srec', srec_record(0, 0, b'fw') + srec_record(3, 0x08000000, bytes(range(20))) +
        srec_record(5, 1, b'') + srec_record(7, 0x08000000, b''))
    put('elf', 'as-dfu', dfuse_file([(0, 'a', [(0x08000000, b'z' * 16)])]))
    put('elf', 'as-uf2', uf2_file([(0, 0x08000000, b'u' * 16, 0)]))

    f4 = 0x57755a57
    put('uf2', 'family', uf2_file([(0x2000, 0x08000000 + 256 * i, bytes([i]) * 256, f4)
                                   for i in range(4)]))
    put('uf2', 'skipped', uf2_file([(1, 0x08000000, b'\xaa' * 256, 0),
                                    (0, 0x08000000, b'\x11' * 476, 0),
                                    (0x4000, 0x08001000, b'\x22' * 100, 0)]))
    put('uf2', 'concatenated', uf2_file([(0, 0x10000000, b'a' * 32, 0)]) +
        uf2_file([(0x2000, 0x10000100, b'b' * 32, 0xe48bff56)]))

    for i, (m, ts, flags, chunks, up) in enumerate([
            ('@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg', 2048, 0,
             [(0x08000100, 3000)], (0x08000000, 0x5000)),
            ('@Flash/0x08000000/4*064 g,2*256 g/0x1FFFC000/01*016 e', 16, 0,
             [(0x08000020, 100), (0x1FFFC004, 8)], (0x08000000, 300)),
            ('@Flash/0x08000000/4*064 g,2*256 g/0x1FFFC000/01*016 e', 7, 0x08,
             [(0x08000001, 500)], (0x08000010, 0)),
            ('@OTP/0x1FFF7800/01*512 g,01*016 g', 64, 0x03, [(0x1FFF7800, 512)], (0x1FFF7800, 528)),
            ('@x/0x00000000/12*001Ka,116*001Kg', 1024, 0x11, [(0x3000, 100), (0x1000, 2)], (0, 0))]):
        blob = m.encode() + b'\0' + struct.pack('<HBB', ts, flags, len(chunks))
        for a, n in chunks:
            blob += struct.pack('<IH', a, n)
        blob += struct.pack('<II', *up)
        put('plan', 'plan-%d' % i, blob)

    # Hostile device sessions, on real devices' descriptors.
    idle = status(2)
    for tag, dev, configs, strings in devs:
        if not any(b'\x04' in c for c in configs):
            continue
        head = hostile_device(dev, configs)
        scan = scan_script(dev, configs, strings)
        # Download only: ensure_idle, 40 bytes in blocks of 16, manifestation.
        s = hostile_header(0xff & ~0x02 & ~0x80 | 0x01, ts=16, dn=40) + head + scan
        s += reply(idle)
        for _ in range(3):
            s += ok_out() + reply(status(4, poll=5)) + reply(status(5))
        s += ok_out() + reply(status(7, poll=10)) + reply(idle)
        put('hostile', tag + '-download', s)
        # Upload only: two full blocks then a short one.
        s = hostile_header(0xff & ~0x04 & ~0x80 | 0x01, ts=16, up=0) + head + scan
        s += reply(idle) + reply(bytes(16)) + reply(b'\x01' * 16) + reply(b'\x02' * 5)
        put('hostile', tag + '-upload', s)
        # Everything, with a device that answers dfuDNLOAD-IDLE for ever.
        s = hostile_header(0, ts=32, dn=64, up=40, dfuse=0x10) + head + scan
        s += bytes([OP_STICKY, OP_LEN8, 6]) + status(5)
        put('hostile', tag + '-sticky-dnload-idle', s)
        # A device stuck in dfuDNBUSY without a poll timeout.
        s = hostile_header(0x7c, ts=8, dn=8) + head + scan + bytes([OP_STICKY, OP_LEN8, 6]) + status(4)
        put('hostile', tag + '-busy-forever', s)
    # No descriptors at all: a raw open and a scripted DfuSe device.
    s = hostile_header(0x80 | 0x01 | 0x02 | 0x04, ts=16, dfuse=0) + bytes([0])
    s += reply(idle) + reply(bytes([0x00, 0x21, 0x41, 0x92]))   # get commands
    for _ in range(8):
        s += ok_out() + reply(status(4, poll=1)) + reply(status(5))
    put('hostile', 'raw-dfuse-commands', s)
    s = hostile_header(0x80, ts=4, dn=9, up=3) + bytes([0]) + bytes([OP_STALL, OP_TIMEOUT, OP_GONE])
    put('hostile', 'raw-errors', s)


if __name__ == '__main__':
    main()
