/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * Fuzz the UF2 reader.  Accepted files must keep the promises of uf2.h
 * and ihex.h: a whole number of blocks, at least one main-flash block,
 * segments sorted, never adjacent nor overlapping, inside 4 GiB, no more
 * bytes than the main-flash blocks carry, and a family only when a block
 * said so.  Refused ones come back empty.  A file of more than one block
 * is read again without its last block.
 */

#include <config.h>

#include "fuzz.h"
#include "fuzz_segments.h"
#include "uf2.h"

FUZZ_INITIALIZE_QUIET

static FUZZ_ORACLE void fuzz_check(const unsigned char *data, size_t size,
				   const struct ihex_image *img, const struct uf2_info *info, int rc)
{
	uint64_t total;
	size_t i;

	if (rc != 0) {
		fuzz_check_refused(img, rc);
		FUZZ_CHECK(info->n_blocks == 0 && info->n_skipped == 0 && !info->has_family);
		return;
	}
	FUZZ_CHECK(uf2_is_uf2(data, size));
	FUZZ_CHECK(size % UF2_BLOCK_SIZE == 0 && info->n_blocks == size / UF2_BLOCK_SIZE);
	FUZZ_CHECK(info->n_skipped < info->n_blocks);
	FUZZ_CHECK(img->n_segments > 0);
	total = fuzz_check_segments(img);
	FUZZ_CHECK(total <= (uint64_t)(info->n_blocks - info->n_skipped) * UF2_PAYLOAD_MAX);
	/* A family only when a main-flash block carried the flag. */
	if (info->has_family) {
		int seen = 0;

		for (i = 0; i < info->n_blocks && !seen; i++) {
			const unsigned char *b = data + i * UF2_BLOCK_SIZE;
			uint32_t flags = (uint32_t)b[8] | (uint32_t)b[9] << 8 |
					 (uint32_t)b[10] << 16 | (uint32_t)b[11] << 24;

			seen = (flags & UF2_FLAG_FAMILY_ID) && !(flags & UF2_FLAG_NOT_MAIN_FLASH);
		}
		FUZZ_CHECK(seen);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ihex_image img;
	struct uf2_info info;
	int rc;

	memset(&img, 0x5a, sizeof(img));
	memset(&info, 0x5a, sizeof(info));
	rc = uf2_parse(data, size, "fuzz.uf2", &info, &img);
	fuzz_check(data, size, &img, &info, rc);
	ihex_free(&img);
	ihex_free(&img);
	if (size > UF2_BLOCK_SIZE && uf2_is_uf2(data, size)) {
		memset(&img, 0x5a, sizeof(img));
		rc = uf2_parse(data, size - UF2_BLOCK_SIZE, "fuzz.uf2", &info, &img);
		fuzz_check(data, size - UF2_BLOCK_SIZE, &img, &info, rc);
		ihex_free(&img);
	}
	return 0;
}
