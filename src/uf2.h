/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_UF2_H
#define DFU_UF2_H

/*
 * UF2 files (Microsoft's USB Flashing Format): 512-byte blocks, every
 * field a 32-bit little-endian word:
 *
 *   0   magicStart0  0x0A324655 ("UF2\n")
 *   4   magicStart1  0x9E5D5157
 *   8   flags        0x00000001 not main flash (skip when flashing)
 *                    0x00001000 file container (files, not flash)
 *                    0x00002000 familyID present (in the word at 28)
 *                    0x00004000 MD5 checksum present
 *                    0x00008000 extension tags present
 *   12  targetAddr   where the payload goes
 *   16  payloadSize  bytes of data used, at most 476
 *   20  blockNo      0, 1, 2 ... within the file
 *   24  numBlocks    blocks in the file
 *   28  fileSize or familyID
 *   32  data[476]
 *   508 magicEnd     0x0AB16F30
 *
 * Refused: a size that is not a whole number of blocks, a bad magic, a
 * payload over 476 bytes, blocks out of sequence (blockNo must count up
 * from 0 to numBlocks - 1 with one numBlocks; concatenated files start
 * again at 0 after a complete run), a truncated run, file containers,
 * blocks for more than one board family, data past 4 GiB, overlapping
 * blocks, and a file without main-flash data.  Pure, reads only
 * buf[0..len), one message naming the file, the block and its offset.
 */

#include <stddef.h>
#include <stdint.h>

#include "ihex.h"

#define UF2_BLOCK_SIZE		512
#define UF2_PAYLOAD_MAX		476
#define UF2_MAGIC_START0	0x0A324655u
#define UF2_MAGIC_START1	0x9E5D5157u
#define UF2_MAGIC_END		0x0AB16F30u
#define UF2_FLAG_NOT_MAIN_FLASH	0x00000001u
#define UF2_FLAG_FILE_CONTAINER	0x00001000u
#define UF2_FLAG_FAMILY_ID	0x00002000u

struct uf2_info {
	size_t n_blocks;	/* blocks in the file */
	size_t n_skipped;	/* of which flagged "not main flash" */
	int has_family;
	uint32_t family;	/* board family ID, when has_family */
};

/* 1 when buf starts with both UF2 start magics, else 0. */
int uf2_is_uf2(const unsigned char *buf, size_t len);

/*
 * Parse buf[0..len) into segments (sorted, joined where blocks touch) and
 * *info.  Returns 0, or reports and returns DFU_E_DATA (DFU_E_NOMEM)
 * leaving out empty.
 */
int uf2_parse(const unsigned char *buf, size_t len, const char *name, struct uf2_info *info,
	      struct ihex_image *out);

/* A board family's name for the IDs of the UF2 family list we know, else NULL. */
const char *uf2_family_name(uint32_t family);

#endif
