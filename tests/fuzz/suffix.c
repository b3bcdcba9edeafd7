/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * Fuzz the DFU suffix parser.  The verdict must agree with a suffix built
 * over the same payload: a file whose suffix we write ourselves must parse
 * as OK with the same fields, and the CRC must be the one the parser saw.
 */

#include <config.h>

#include "fuzz.h"
#include "dfu_file.h"

FUZZ_INITIALIZE_QUIET

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dfu_suffix sfx, again;
	enum dfu_suffix_result r;
	unsigned char *copy;

	r = dfu_suffix_parse(data, size, &sfx);
	FUZZ_CHECK(r == SUFFIX_NONE || r == SUFFIX_OK || r == SUFFIX_BAD_CRC ||
		   r == SUFFIX_BAD_LENGTH);
	if (size < DFU_SUFFIX_LEN)
		FUZZ_CHECK(r == SUFFIX_NONE);
	if (r == SUFFIX_OK) {
		FUZZ_CHECK(sfx.bLength >= DFU_SUFFIX_LEN && sfx.bLength <= size);
		FUZZ_CHECK(dfu_crc32(0xffffffffu, data, size - 4) == sfx.dwCRC);
	}
	if (r == SUFFIX_NONE || size < DFU_SUFFIX_LEN)
		return 0;

	/* Rebuild the suffix over the same payload: it must parse back as OK. */
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	dfu_suffix_build(copy, size - DFU_SUFFIX_LEN, &sfx, copy + size - DFU_SUFFIX_LEN);
	FUZZ_CHECK(dfu_suffix_parse(copy, size, &again) == SUFFIX_OK);
	FUZZ_CHECK(again.idVendor == sfx.idVendor && again.idProduct == sfx.idProduct &&
		   again.bcdDevice == sfx.bcdDevice && again.bcdDFU == sfx.bcdDFU);
	FUZZ_CHECK(again.bLength == DFU_SUFFIX_LEN);
	/* One flipped payload bit must be caught by the CRC. */
	if (size > DFU_SUFFIX_LEN) {
		copy[0] ^= 0x01;
		FUZZ_CHECK(dfu_suffix_parse(copy, size, &again) == SUFFIX_BAD_CRC);
	}
	free(copy);
	return 0;
}
