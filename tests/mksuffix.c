/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * Test helper: append a DFU suffix to a file.
 *   mksuffix IN OUT VID PID [bad-crc | meta=N]
 * VID and PID are hex.  "bad-crc" flips one bit of the stored CRC, to make
 * a corrupt file.  "meta=N" puts N bytes of metadata in front of the
 * 16-byte footer and counts them in bLength, as fwupd does; the CRC then
 * covers them too.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu_file.h"

int main(int argc, char **argv)
{
	static unsigned char buf[1 << 22];
	unsigned char sfx_bytes[DFU_SUFFIX_LEN];
	struct dfu_suffix sfx;
	FILE *in, *out;
	size_t n, meta = 0, i;
	uint32_t crc;

	if (argc < 5) {
		fprintf(stderr, "usage: mksuffix IN OUT VID PID [bad-crc | meta=N]\n");
		return 2;
	}
	in = fopen(argv[1], "rb");
	if (!in)
		return 2;
	n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	if (argc > 5 && strncmp(argv[5], "meta=", 5) == 0)
		meta = strtoul(argv[5] + 5, NULL, 0);
	if (meta > 255 - DFU_SUFFIX_LEN || n + meta > sizeof(buf))
		return 2;
	/* Something that looks like a table, not a copy of the firmware. */
	for (i = 0; i < meta; i++)
		buf[n + i] = (unsigned char)(0xa0 + i);
	n += meta;
	memset(&sfx, 0, sizeof(sfx));
	sfx.bcdDevice = 0xffff;
	sfx.idVendor = (uint16_t)strtoul(argv[3], NULL, 16);
	sfx.idProduct = (uint16_t)strtoul(argv[4], NULL, 16);
	sfx.bcdDFU = 0x0100;
	sfx.bLength = DFU_SUFFIX_LEN;
	dfu_suffix_build(buf, n, &sfx, sfx_bytes);
	if (meta) {
		sfx_bytes[11] = (unsigned char)(DFU_SUFFIX_LEN + meta);
		crc = dfu_crc32(dfu_crc32(0xffffffffu, buf, n), sfx_bytes, 12);
		for (i = 0; i < 4; i++)
			sfx_bytes[12 + i] = (unsigned char)(crc >> (8 * i));
	}
	if (argc > 5 && strcmp(argv[5], "bad-crc") == 0)
		sfx_bytes[DFU_SUFFIX_LEN - 4] ^= 0x01;
	out = fopen(argv[2], "wb");
	if (!out)
		return 2;
	if (fwrite(buf, 1, n, out) != n || fwrite(sfx_bytes, 1, sizeof(sfx_bytes), out) != sizeof(sfx_bytes))
		return 2;
	return fclose(out) ? 2 : 0;
}
