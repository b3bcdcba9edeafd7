/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * Fuzz the Intel HEX and S-record readers with the same text.  Accepted
 * images must keep the promises of ihex.h: segments sorted, never adjacent
 * nor overlapping, not empty, inside 4 GiB, a terminated name.  Refused
 * ones must come back empty.  The text is handed over in a buffer of its
 * exact size without a terminating NUL, as dfuse-pack reads files.
 */

#include <config.h>

#include "fuzz.h"
#include "errors.h"
#include "ihex.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

/* Keeps the reads above from being optimised away. */
static volatile unsigned char fuzz_sink;

static FUZZ_ORACLE void fuzz_check_image(const struct ihex_image *img, int rc)
{
	size_t i;

	if (rc != 0) {
		FUZZ_CHECK(rc == DFU_E_DATA || rc == DFU_E_NOMEM);
		FUZZ_CHECK(img->n_segments == 0 && img->segments == NULL);
		return;
	}
	FUZZ_CHECK(memchr(img->name, '\0', sizeof(img->name)) != NULL);
	FUZZ_CHECK(img->n_segments == 0 || img->segments != NULL);
	for (i = 0; i < img->n_segments; i++) {
		const struct ihex_segment *s = &img->segments[i];

		FUZZ_CHECK(s->size > 0 && s->data != NULL);
		FUZZ_CHECK((uint64_t)s->address + s->size <= UINT64_C(0x100000000));
		/* Touch every byte: a segment shorter than it claims shows up under ASan. */
		fuzz_sink ^= s->data[0] ^ s->data[s->size - 1];
		if (i > 0)
			FUZZ_CHECK((uint64_t)img->segments[i - 1].address + img->segments[i - 1].size <
				   s->address);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ihex_image img;
	int rc;

	memset(&img, 0x5a, sizeof(img));
	rc = ihex_parse((const char *)data, size, "fuzz.hex", &img);
	fuzz_check_image(&img, rc);
	ihex_free(&img);
	ihex_free(&img);

	memset(&img, 0x5a, sizeof(img));
	rc = srec_parse((const char *)data, size, "fuzz.srec", &img);
	fuzz_check_image(&img, rc);
	ihex_free(&img);
	return 0;
}
