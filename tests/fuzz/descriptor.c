/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * Fuzz the raw descriptor parsers discovery uses on whatever a device
 * sends: device, configuration (walking interfaces and DFU functional
 * descriptors), functional and string descriptors.  The same bytes go to
 * each.  The alt array and the string output live in exact-size heap
 * buffers, so a write past "max" or "outlen" is caught; decoded strings
 * must be valid, terminated UTF-8 that fits.
 */

#include <config.h>

#include "fuzz.h"
#include "descriptor.h"
#include "errors.h"

#define FUZZ_MAX_ALTS 4

FUZZ_INITIALIZE_QUIET

/* Well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
static FUZZ_ORACLE int fuzz_valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t k, len;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

static void fuzz_string(const uint8_t *data, size_t size, size_t outlen)
{
	char *out = malloc(outlen);
	int n;

	if (!out)
		abort();
	n = desc_decode_string(data, size, out, outlen);
	if (n >= 0) {
		FUZZ_CHECK((size_t)n < outlen);
		FUZZ_CHECK(strlen(out) == (size_t)n);
		FUZZ_CHECK(fuzz_valid_utf8((const unsigned char *)out, (size_t)n));
	} else {
		FUZZ_CHECK(n == DFU_E_DATA);
		FUZZ_CHECK(out[0] == '\0');
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usb_device_desc dd;
	struct dfu_func_desc f;
	struct dfu_alt_desc *alts;
	int n, i;

	if (desc_parse_device(data, size, &dd) == 0)
		FUZZ_CHECK(size >= 18 && data[1] == USB_DT_DEVICE);

	if (desc_parse_func(data, size, &f) == 0) {
		FUZZ_CHECK(f.bLength == 7 || f.bLength >= 9);
		FUZZ_CHECK(f.bLength <= size);
		if (f.bLength == 7)
			FUZZ_CHECK(f.bcdDFUVersion == 0x0100);
	}

	alts = malloc(FUZZ_MAX_ALTS * sizeof(*alts));
	if (!alts)
		abort();
	n = desc_find_dfu_alts(data, size, alts, FUZZ_MAX_ALTS);
	FUZZ_CHECK(n >= 0 || n == DFU_E_DATA);
	for (i = 0; i < n && i < FUZZ_MAX_ALTS; i++) {
		if (alts[i].has_func)
			FUZZ_CHECK(alts[i].func.bLength == 7 || alts[i].func.bLength >= 9);
	}
	/* The count must not depend on how many fit. */
	if (n >= 0)
		FUZZ_CHECK(desc_find_dfu_alts(data, size, alts, 1) == n);
	FUZZ_CHECK(desc_find_dfu_alts(data, size, NULL, 0) == n);
	free(alts);
	/* runtime-protocol-0's walker: 0, 1 or malformed, never an over-read */
	i = desc_has_other_interfaces(data, size);
	FUZZ_CHECK(i == 0 || i == 1 || i == DFU_E_DATA);

	fuzz_string(data, size, 256);
	fuzz_string(data, size, 1 + size % 7);
	return 0;
}
