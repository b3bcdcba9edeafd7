/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_FUZZ_SEGMENTS_H
#define DFU_FUZZ_SEGMENTS_H

/*
 * The oracles of the readers that give a segment list (struct ihex_image:
 * Intel HEX, S-records, ELF, UF2), shared by their harnesses.
 */

#include "errors.h"
#include "fuzz.h"
#include "ihex.h"

/* Keeps the reads below from being optimised away. */
static volatile unsigned char fuzz_sink;

/* A refused input: a data error (or no memory), and an empty image. */
static FUZZ_ORACLE void fuzz_check_refused(const struct ihex_image *img, int rc)
{
	FUZZ_CHECK(rc == DFU_E_DATA || rc == DFU_E_NOMEM);
	FUZZ_CHECK(img->n_segments == 0 && img->segments == NULL);
}

/*
 * An accepted image keeps the promises of ihex.h: segments sorted, never
 * adjacent nor overlapping, not empty, inside 4 GiB.  Returns the bytes
 * of all segments.
 */
static FUZZ_ORACLE uint64_t fuzz_check_segments(const struct ihex_image *img)
{
	uint64_t total = 0;
	size_t i;

	FUZZ_CHECK(img->n_segments == 0 || img->segments != NULL);
	for (i = 0; i < img->n_segments; i++) {
		const struct ihex_segment *s = &img->segments[i];

		FUZZ_CHECK(s->size > 0 && s->data != NULL);
		FUZZ_CHECK((uint64_t)s->address + s->size <= UINT64_C(0x100000000));
		/* Touch both ends: a segment shorter than it claims shows up under ASan. */
		fuzz_sink ^= s->data[0] ^ s->data[s->size - 1];
		total += s->size;
		if (i > 0)
			FUZZ_CHECK((uint64_t)img->segments[i - 1].address + img->segments[i - 1].size <
				   s->address);
	}
	return total;
}

#endif
