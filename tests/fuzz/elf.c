/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * Fuzz the ELF reader, then the format detection and the conversion to a
 * DfuSe element list (fwimage.h) for whatever format the input looks
 * like.  Accepted ELF images must keep the promises of elf.h and ihex.h:
 * at least one segment, sorted, never adjacent nor overlapping, not
 * empty, inside 4 GiB.  Refused ones come back empty.  The conversion must give one target with the same
 * segments, or for a .dfu file what dfuse_file_parse gives.
 */

#include <config.h>

#include "fuzz.h"
#include "fuzz_segments.h"
#include "elf.h"
#include "errors.h"
#include "fwimage.h"

FUZZ_INITIALIZE_QUIET

static FUZZ_ORACLE void fuzz_check_elf(const struct ihex_image *img, int rc)
{
	if (rc != 0) {
		fuzz_check_refused(img, rc);
		return;
	}
	FUZZ_CHECK(img->n_segments > 0);
	fuzz_check_segments(img);
}

static FUZZ_ORACLE void fuzz_check_fwimage(const struct fwimage *fw, int rc,
					   enum fwimage_format f)
{
	uint32_t e;

	if (rc != 0) {
		FUZZ_CHECK(fw->img.targets == NULL && fw->segs.segments == NULL);
		return;
	}
	FUZZ_CHECK(fw->format == f);
	if (f == FWIMAGE_DFUSE) {
		FUZZ_CHECK(fw->img.format == NULL && fw->img.n_targets >= 1);
		return;
	}
	FUZZ_CHECK(fw->img.n_targets == 1 && fw->img.format != NULL);
	FUZZ_CHECK(fw->img.targets[0].n_elements == fw->segs.n_segments);
	for (e = 0; e < fw->img.targets[0].n_elements; e++) {
		const struct dfuse_element *el = &fw->img.targets[0].elements[e];

		FUZZ_CHECK(el->address == fw->segs.segments[e].address);
		FUZZ_CHECK(el->size == fw->segs.segments[e].size);
		FUZZ_CHECK(el->data == fw->segs.segments[e].data);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ihex_image img;
	struct fwimage fw;
	enum fwimage_format f;
	int rc;

	memset(&img, 0x5a, sizeof(img));
	rc = elf_parse(data, size, "fuzz.elf", &img);
	fuzz_check_elf(&img, rc);
	if (rc == 0)
		FUZZ_CHECK(elf_is_elf(data, size));
	ihex_free(&img);
	ihex_free(&img);

	f = fwimage_detect(data, size);
	if (f != FWIMAGE_RAW) {
		memset(&fw, 0x5a, sizeof(fw));
		rc = fwimage_parse(data, size, f, "fuzz.bin", &fw);
		fuzz_check_fwimage(&fw, rc, f);
		fwimage_free(&fw);
		fwimage_free(&fw);
	}
	return 0;
}
