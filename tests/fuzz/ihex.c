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
#include "fuzz_segments.h"
#include "ihex.h"

FUZZ_INITIALIZE_QUIET

static FUZZ_ORACLE void fuzz_check_image(const struct ihex_image *img, int rc)
{
	if (rc != 0) {
		fuzz_check_refused(img, rc);
		return;
	}
	FUZZ_CHECK(memchr(img->name, '\0', sizeof(img->name)) != NULL);
	fuzz_check_segments(img);
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
