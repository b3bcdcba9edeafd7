/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * Fuzz the LPC / Stellaris prefix code with the input as a whole file.
 * Detection must describe bytes that are there; adding a prefix must give
 * a file that detects as that prefix, and removing it again must give the
 * original file back (byte for byte when its suffix was the usual 16
 * bytes, since the suffix is rebuilt).
 */

#include <config.h>

#include "fuzz.h"
#include "dfu_file.h"
#include "dfu_prefix.h"
#include "errors.h"

FUZZ_INITIALIZE_QUIET

static void fuzz_round_trip(const uint8_t *data, size_t size, enum dfu_prefix_type type,
			    uint32_t address)
{
	unsigned char *with = NULL, *without = NULL;
	size_t with_len = 0, without_len = 0, payload;
	struct dfu_suffix sfx;
	struct dfu_prefix pre;
	enum dfu_suffix_result sr;
	int rc;

	rc = dfu_prefix_add(data, size, "fuzz.bin", type, address, &with, &with_len);
	if (rc != 0) {
		FUZZ_CHECK(with == NULL);
		FUZZ_CHECK(rc == DFU_E_DATA || rc == DFU_E_USAGE || rc == DFU_E_NOMEM);
		return;
	}
	/*
	 * Only a file that had a valid suffix gets one back.  (A short file
	 * without one could look suffixed once prefixed: judge by the input.)
	 */
	sr = dfu_suffix_parse(data, size, &sfx);
	FUZZ_CHECK(sr == SUFFIX_OK || sr == SUFFIX_NONE);
	if (sr == SUFFIX_OK)
		FUZZ_CHECK(dfu_suffix_parse(with, with_len, &sfx) == SUFFIX_OK);
	payload = sr == SUFFIX_OK ? with_len - DFU_SUFFIX_LEN : with_len;
	FUZZ_CHECK(dfu_prefix_detect(with, payload, &pre) == type);
	if (type == PREFIX_STELLARIS) {
		FUZZ_CHECK(pre.address == address);
		FUZZ_CHECK(pre.length == payload - DFU_PREFIX_STELLARIS_LEN);
	} else {
		FUZZ_CHECK(pre.blocks == (payload - DFU_PREFIX_LPC_LEN + DFU_PREFIX_LPC_BLOCK - 1) /
			   DFU_PREFIX_LPC_BLOCK);
	}

	if (sr == SUFFIX_NONE && dfu_suffix_parse(with, with_len, &sfx) != SUFFIX_NONE) {
		free(with);
		return;
	}
	rc = dfu_prefix_remove(with, with_len, "fuzz.bin", type, &without, &without_len);
	FUZZ_CHECK(rc == 0);
	(void)dfu_suffix_parse(data, size, &sfx);
	if (sr == SUFFIX_NONE || sfx.bLength == DFU_SUFFIX_LEN) {
		FUZZ_CHECK(without_len == size);
		FUZZ_CHECK(size == 0 || memcmp(without, data, size) == 0);
	}
	free(with);
	free(without);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dfu_prefix pre;
	struct dfu_suffix sfx;
	enum dfu_prefix_type t;
	unsigned char head[DFU_PREFIX_MAX_LEN];
	unsigned char *out = NULL;
	size_t out_len = 0, head_len, payload = size;
	uint32_t address = (uint32_t)(size % 64) * DFU_PREFIX_STELLARIS_ALIGN;
	int rc;

	if (dfu_suffix_parse(data, size, &sfx) == SUFFIX_OK)
		payload = size - sfx.bLength;
	t = dfu_prefix_detect(data, payload, &pre);
	switch (t) {
	case PREFIX_NONE:
		FUZZ_CHECK(pre.len == 0);
		break;
	case PREFIX_STELLARIS:
		FUZZ_CHECK(pre.len == DFU_PREFIX_STELLARIS_LEN && pre.len <= payload);
		FUZZ_CHECK(pre.length == payload - pre.len);
		FUZZ_CHECK(pre.address % DFU_PREFIX_STELLARIS_ALIGN == 0);
		break;
	case PREFIX_LPC:
		FUZZ_CHECK(pre.len == DFU_PREFIX_LPC_LEN && pre.len <= payload);
		break;
	default:
		FUZZ_CHECK(!"unknown prefix type");
	}
	(void)dfu_prefix_type_name(t);

	/* Removing: of any type, and of each type. */
	rc = dfu_prefix_remove(data, size, "fuzz.bin", PREFIX_NONE, &out, &out_len);
	FUZZ_CHECK(rc != 0 || t != PREFIX_NONE);
	free(out);
	rc = dfu_prefix_remove(data, size, "fuzz.bin", PREFIX_LPC, &out, &out_len);
	free(out);
	rc = dfu_prefix_remove(data, size, "fuzz.bin", PREFIX_STELLARIS, &out, &out_len);
	free(out);

	fuzz_round_trip(data, size, PREFIX_STELLARIS, address);
	fuzz_round_trip(data, size, PREFIX_LPC, 0);
	/* An address the Stellaris field cannot hold must be refused, not truncated. */
	rc = dfu_prefix_build(PREFIX_STELLARIS, address + 1 + (uint32_t)(size % 1023), size,
			      head, &head_len);
	FUZZ_CHECK(rc == DFU_E_USAGE);
	return 0;
}
