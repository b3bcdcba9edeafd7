/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * Fuzz the .dfu (DfuSe) file parser.  Beyond "no crash": what it accepts
 * must point inside the buffer, and must survive a round trip through
 * dfuse_file_build and a second parse unchanged -- a file the parser
 * accepts but the builder cannot write back, or writes back differently,
 * means one of them is wrong about the format.
 */

#include <config.h>

#include "fuzz.h"
#include "dfuse_file.h"
#include "errors.h"

FUZZ_INITIALIZE_QUIET

static FUZZ_ORACLE void fuzz_check_image(const struct dfuse_image *img, const uint8_t *buf, size_t len)
{
	int t;

	FUZZ_CHECK(img->version == DFUSE_VERSION);
	FUZZ_CHECK(img->n_targets >= 1 && img->n_targets <= 255);
	FUZZ_CHECK(img->targets != NULL);
	for (t = 0; t < img->n_targets; t++) {
		const struct dfuse_target *tg = &img->targets[t];
		uint64_t tsize = 0;
		uint32_t e;

		FUZZ_CHECK(memchr(tg->name, '\0', sizeof(tg->name)) != NULL);
		FUZZ_CHECK(tg->n_elements == 0 || tg->elements != NULL);
		for (e = 0; e < tg->n_elements; e++) {
			const struct dfuse_element *el = &tg->elements[e];

			FUZZ_CHECK((uint64_t)el->address + el->size <= UINT64_C(0x100000000));
			FUZZ_CHECK(el->file_offset + DFUSE_ELEMENT_HDR_LEN + (size_t)el->size <= len);
			if (el->size) {
				FUZZ_CHECK(el->data >= buf && el->data + el->size <= buf + len);
			}
			tsize += DFUSE_ELEMENT_HDR_LEN + (uint64_t)el->size;
		}
		FUZZ_CHECK(tsize == tg->size);
	}
}

static FUZZ_ORACLE void fuzz_same_image(const struct dfuse_image *a, const struct dfuse_image *b)
{
	int t;

	FUZZ_CHECK(a->n_targets == b->n_targets);
	for (t = 0; t < a->n_targets; t++) {
		const struct dfuse_target *x = &a->targets[t], *y = &b->targets[t];
		uint32_t e;

		FUZZ_CHECK(x->alt == y->alt);
		FUZZ_CHECK(!!x->named == !!y->named);
		FUZZ_CHECK(strcmp(x->name, y->name) == 0);
		FUZZ_CHECK(x->n_elements == y->n_elements);
		FUZZ_CHECK(x->size == y->size);
		for (e = 0; e < x->n_elements; e++) {
			FUZZ_CHECK(x->elements[e].address == y->elements[e].address);
			FUZZ_CHECK(x->elements[e].size == y->elements[e].size);
			if (x->elements[e].size)
				FUZZ_CHECK(memcmp(x->elements[e].data, y->elements[e].data,
						  x->elements[e].size) == 0);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dfuse_image img, again;
	unsigned char *built = NULL;
	size_t built_len = 0;
	int rc;

	(void)dfuse_file_is_dfuse(data, size);
	memset(&img, 0x5a, sizeof(img));
	rc = dfuse_file_parse(data, size, "fuzz.dfu", &img);
	if (rc != 0) {
		/* Refused: the image must be empty and safe to free. */
		FUZZ_CHECK(rc == DFU_E_DATA || rc == DFU_E_NOMEM);
		FUZZ_CHECK(img.targets == NULL && img.n_targets == 0);
		dfuse_file_free(&img);
		return 0;
	}
	FUZZ_CHECK(dfuse_file_is_dfuse(data, size) == 1);
	fuzz_check_image(&img, data, size);
	dfuse_file_print(&img);

	rc = dfuse_file_build(&img, img.suffix.idVendor, img.suffix.idProduct,
			      img.suffix.bcdDevice, &built, &built_len);
	FUZZ_CHECK(rc == 0);
	memset(&again, 0, sizeof(again));
	rc = dfuse_file_parse(built, built_len, "rebuilt.dfu", &again);
	FUZZ_CHECK(rc == 0);
	fuzz_check_image(&again, built, built_len);
	fuzz_same_image(&img, &again);
	FUZZ_CHECK(again.suffix.idVendor == img.suffix.idVendor);
	FUZZ_CHECK(again.suffix.idProduct == img.suffix.idProduct);
	FUZZ_CHECK(again.suffix.bcdDevice == img.suffix.bcdDevice);

	dfuse_file_free(&again);
	free(built);
	dfuse_file_free(&img);
	dfuse_file_free(&img);	/* documented as safe on a freed image */
	return 0;
}
