/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_IHEX_H
#define DFU_IHEX_H

/*
 * Readers for the two text firmware formats dfuse-pack accepts:
 *
 *   Intel HEX    ":LLAAAATT<data>CC", records 00 data, 01 end of file,
 *                02 extended segment address, 03 start segment address,
 *                04 extended linear address, 05 start linear address.
 *                The checksum makes all bytes of the record sum to 0.
 *   S-records    "S<t>LL<address><data>CC", S0 header, S1/S2/S3 data
 *                with 16/24/32-bit addresses, S5/S6 record count,
 *                S7/S8/S9 end with start address.  The checksum is the
 *                ones' complement of the sum of count, address and data.
 *
 * Both parsers are pure (no I/O besides one error message naming the file
 * and line), read only text[0..len), and refuse: a bad character or odd
 * digit count, a length byte that disagrees with the line, a wrong
 * checksum, an unknown record type, data that overlaps earlier data, data
 * past 4 GiB, a count record that disagrees, and a missing end record (a
 * truncated file).  Blank lines and CR LF line ends are accepted.
 *
 * Data is gathered into segments: maximal runs of contiguous bytes,
 * sorted by address, so "one element per contiguous segment" falls out.
 * The other address-bearing readers (elf.h, uf2.h) gather their data into
 * the same struct ihex_image through the builder below.
 */

#include <stddef.h>
#include <stdint.h>

#define IHEX_NAME_MAX 255	/* an S0 header longer than this is cut */

struct ihex_segment {
	uint32_t address;
	size_t size;		/* > 0 */
	unsigned char *data;	/* owned by the image */
};

struct ihex_image {
	size_t n_segments;
	struct ihex_segment *segments;	/* sorted by address, never adjacent nor overlapping */
	int has_start;
	uint32_t start;			/* start address from 03/05 or S7/S8/S9 */
	int has_name;
	char name[IHEX_NAME_MAX + 1];	/* S0 header text, NUL terminated */
};

/*
 * Parse a whole file held in text[0..len).  name is used in messages.
 * Returns 0 and fills out, or reports and returns DFU_E_DATA (DFU_E_NOMEM
 * when memory runs out) leaving out empty (safe to free).
 */
int ihex_parse(const char *text, size_t len, const char *name, struct ihex_image *out);
int srec_parse(const char *text, size_t len, const char *name, struct ihex_image *out);

/* Free what a parser allocated; safe on a zeroed or freed image. */
void ihex_free(struct ihex_image *img);

/*
 * Gathering address/data pieces into an image, for every reader of an
 * address-bearing format.  init empties img; add appends a copy of
 * data[0..n) at addr (n == 0 adds nothing; the caller has checked that
 * addr + n stays within 4 GiB, else DFU_E_DATA without a message);
 * finish sorts, joins pieces that touch and refuses overlaps, naming the
 * file.  On any failure the caller frees img with ihex_free.
 */
struct ihex_builder {
	struct ihex_image *img;
	size_t seg_cap;		/* allocated entries of img->segments */
	size_t last_cap;	/* allocated bytes of the last segment */
	const char *name;
};

void ihex_builder_init(struct ihex_builder *b, struct ihex_image *img, const char *name);
int ihex_builder_add(struct ihex_builder *b, uint64_t addr, const unsigned char *data, size_t n);
int ihex_builder_finish(struct ihex_builder *b);

#endif
