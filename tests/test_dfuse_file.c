/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * dfuse_file.c: a known-answer .dfu file (bytes and CRC computed with an
 * independent python3 struct/zlib script: stored CRC =
 * zlib.crc32(file_without_crc) ^ 0xffffffff), build/parse round trips, and
 * every refusal: truncation at every length, each header field corrupted
 * (with the CRC repaired so the structure check is what refuses),
 * overlapping elements, the suffix.
 */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "dfu_file.h"
#include "dfuse_file.h"
#include "errors.h"
#include "log.h"

static const unsigned char ka_file[] = {
	/* prefix: "DfuSe", bVersion 1, DFUImageSize 299, bTargets 1 */
	0x44, 0x66, 0x75, 0x53, 0x65, 0x01, 0x2b, 0x01, 0x00, 0x00, 0x01,
	/* target prefix: "Target", alt 0, bTargetNamed 1, name "ST" + 253 NULs */
	0x54, 0x61, 0x72, 0x67, 0x65, 0x74, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x53, 0x54, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00,
	/* dwTargetSize 14, dwNbElements 1 */
	0x0e, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	/* element: address 0x08000000, size 6, data */
	0x00, 0x00, 0x00, 0x08, 0x06, 0x00, 0x00, 0x00,
	0xde, 0xad, 0xbe, 0xef, 0x01, 0x02,
	/* suffix: bcdDevice 0x2200, idProduct 0xdf11, idVendor 0x0483, bcdDFU 0x011a, "UFD", 16, CRC 0x2308811e */
	0x00, 0x22, 0x11, 0xdf, 0x83, 0x04, 0x1a, 0x01, 0x55, 0x46, 0x44, 0x10,
	0x1e, 0x81, 0x08, 0x23,
};
#define KA_PAYLOAD 299		/* bytes before the suffix */
#define KA_TARGET 11		/* offset of the target prefix */
#define KA_ELEMENT 285		/* offset of the element header */

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

/* Repair the CRC after a patch, so the structure checks are what refuse. */
static void fix_crc(unsigned char *buf, size_t len)
{
	put32(buf + len - 4, dfu_crc32(0xffffffffu, buf, len - 4));
}

static unsigned char *dup_buf(const unsigned char *src, size_t len)
{
	unsigned char *p = malloc(len ? len : 1);

	assert_non_null(p);
	if (len)
		memcpy(p, src, len);
	return p;
}

/*
 * Append a valid DfuSe suffix to payload[0..len) after setting
 * DFUImageSize to len (when the prefix is long enough to hold it).
 */
static unsigned char *with_suffix(const unsigned char *payload, size_t len, size_t *out_len)
{
	struct dfu_suffix s = { .bcdDevice = 0x2200, .idProduct = 0xdf11,
				.idVendor = 0x0483, .bcdDFU = 0x011a };
	unsigned char *p = malloc(len + DFU_SUFFIX_LEN);

	assert_non_null(p);
	memcpy(p, payload, len);
	if (len >= 10)
		put32(p + 6, (uint32_t)len);
	dfu_suffix_build(p, len, &s, p + len);
	*out_len = len + DFU_SUFFIX_LEN;
	return p;
}

/* Parse, expect a refusal that leaves the image empty; return the message. */
static const char *expect_refused(const unsigned char *buf, size_t len, const char *name)
{
	struct dfuse_image img;
	int rc;

	memset(&img, 0xa5, sizeof(img));
	capture_begin();
	rc = dfuse_file_parse(buf, len, name, &img);
	capture_end();
	assert_int_equal(rc, DFU_E_DATA);
	assert_null(img.targets);
	assert_int_equal(img.n_targets, 0);
	/* One error, reported once. */
	assert_non_null(strstr(capture_err(), "error: "));
	assert_null(strstr(strstr(capture_err(), "error: ") + 1, "error: "));
	return capture_err();
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected \"%s\" in: %s", needle, hay);
}

/* ------------------------------------------------------ known answer */

static void test_known_answer_parse(void **state)
{
	struct dfuse_image img;
	const struct dfuse_element *el;
	static const unsigned char data[] = { 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02 };

	(void)state;
	assert_int_equal(sizeof(ka_file), 315);
	assert_int_equal(dfuse_file_parse(ka_file, sizeof(ka_file), "ka.dfu", &img), 0);
	assert_int_equal(img.version, 1);
	assert_int_equal(img.image_size, KA_PAYLOAD);
	assert_int_equal(img.n_targets, 1);
	assert_int_equal(img.suffix.bcdDevice, 0x2200);
	assert_int_equal(img.suffix.idProduct, 0xdf11);
	assert_int_equal(img.suffix.idVendor, 0x0483);
	assert_int_equal(img.suffix.bcdDFU, 0x011a);
	assert_int_equal(img.suffix.dwCRC, 0x2308811eu);
	assert_int_equal(img.targets[0].alt, 0);
	assert_true(img.targets[0].named);
	assert_string_equal(img.targets[0].name, "ST");
	assert_int_equal(img.targets[0].size, 14);
	assert_int_equal(img.targets[0].n_elements, 1);
	assert_int_equal(img.targets[0].file_offset, KA_TARGET);
	el = &img.targets[0].elements[0];
	assert_int_equal(el->address, 0x08000000u);
	assert_int_equal(el->size, 6);
	assert_int_equal(el->file_offset, KA_ELEMENT);
	/* Data points into the caller's buffer, not a copy. */
	assert_ptr_equal(el->data, ka_file + KA_ELEMENT + 8);
	assert_memory_equal(el->data, data, sizeof(data));
	dfuse_file_free(&img);
	assert_null(img.targets);
	dfuse_file_free(&img);	/* twice is harmless */
}

static void test_known_answer_build(void **state)
{
	static const unsigned char data[] = { 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02 };
	struct dfuse_element el = { .address = 0x08000000, .size = 6, .data = data };
	struct dfuse_target tg = { .alt = 0, .named = 1, .name = "ST",
				   .n_elements = 1, .elements = &el };
	struct dfuse_image img = { .n_targets = 1, .targets = &tg };
	unsigned char *out;
	size_t len;

	(void)state;
	assert_int_equal(dfuse_file_build(&img, 0x0483, 0xdf11, 0x2200, &out, &len), 0);
	assert_int_equal(len, sizeof(ka_file));
	assert_memory_equal(out, ka_file, sizeof(ka_file));
	free(out);
}

static void test_is_dfuse(void **state)
{
	(void)state;
	assert_true(dfuse_file_is_dfuse(ka_file, sizeof(ka_file)));
	assert_true(dfuse_file_is_dfuse((const unsigned char *)"DfuSe", 5));
	assert_false(dfuse_file_is_dfuse((const unsigned char *)"DfuS", 4));
	assert_false(dfuse_file_is_dfuse((const unsigned char *)"dfuse", 5));
	assert_false(dfuse_file_is_dfuse((const unsigned char *)"", 0));
	assert_false(dfuse_file_is_dfuse(NULL, 0));
}

/* ------------------------------------------------------- round trips */

static unsigned char pattern[1000];

/* Four targets: two for alt 0, one unnamed, one empty; a zero-size element. */
static unsigned char *build_multi(size_t *len)
{
	static struct dfuse_element e0[3], e1[1], e2[1];
	static struct dfuse_target tg[4];
	struct dfuse_image img;
	unsigned char *out;
	size_t i;

	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (unsigned char)(i * 7 + 3);
	memset(tg, 0, sizeof(tg));
	e0[0] = (struct dfuse_element){ .address = 0x08000000, .size = 1000, .data = pattern };
	e0[1] = (struct dfuse_element){ .address = 0x08004000, .size = 3, .data = pattern + 10 };
	e0[2] = (struct dfuse_element){ .address = 0x08010000, .size = 0, .data = NULL };
	e1[0] = (struct dfuse_element){ .address = 0x08000000, .size = 17, .data = pattern + 100 };
	e2[0] = (struct dfuse_element){ .address = 0x08020000, .size = 5, .data = pattern + 200 };
	tg[0].alt = 0;
	tg[0].named = 1;
	strcpy(tg[0].name, "Internal Flash  ");
	tg[0].n_elements = 3;
	tg[0].elements = e0;
	tg[1].alt = 1;
	tg[1].named = 0;
	strcpy(tg[1].name, "ignored when not named");
	tg[1].n_elements = 1;
	tg[1].elements = e1;
	tg[2].alt = 0;
	tg[2].named = 1;
	memset(tg[2].name, 'N', DFUSE_NAME_LEN);	/* the longest name: no NUL in the file */
	tg[2].name[DFUSE_NAME_LEN] = '\0';
	tg[2].n_elements = 1;
	tg[2].elements = e2;
	tg[3].alt = 3;
	tg[3].named = 1;
	tg[3].n_elements = 0;
	memset(&img, 0, sizeof(img));
	img.n_targets = 4;
	img.targets = tg;
	assert_int_equal(dfuse_file_build(&img, 0x1234, 0x5678, 0x9abc, &out, len), 0);
	return out;
}

static void test_round_trip_multi(void **state)
{
	struct dfuse_image img;
	unsigned char *buf, *again;
	size_t len, len2;
	const struct dfuse_target *t;

	(void)state;
	buf = build_multi(&len);
	assert_int_equal(len, 11 + 4 * 274 + (8 + 1000 + 8 + 3 + 8) + (8 + 17) + (8 + 5) + 16);
	assert_int_equal(dfuse_file_parse(buf, len, "multi.dfu", &img), 0);
	assert_int_equal(img.image_size, len - 16);
	assert_int_equal(img.suffix.idVendor, 0x1234);
	assert_int_equal(img.suffix.idProduct, 0x5678);
	assert_int_equal(img.suffix.bcdDevice, 0x9abc);
	assert_int_equal(img.suffix.bcdDFU, 0x011a);
	assert_int_equal(img.n_targets, 4);

	t = &img.targets[0];
	assert_int_equal(t->alt, 0);
	assert_true(t->named);
	assert_string_equal(t->name, "Internal Flash  ");
	assert_int_equal(t->size, 8 + 1000 + 8 + 3 + 8);
	assert_int_equal(t->n_elements, 3);
	assert_int_equal(t->file_offset, 11);
	assert_int_equal(t->elements[0].file_offset, 11 + 274);
	assert_int_equal(t->elements[0].address, 0x08000000u);
	assert_int_equal(t->elements[0].size, 1000);
	assert_memory_equal(t->elements[0].data, pattern, 1000);
	assert_int_equal(t->elements[1].address, 0x08004000u);
	assert_int_equal(t->elements[1].size, 3);
	assert_memory_equal(t->elements[1].data, pattern + 10, 3);
	assert_int_equal(t->elements[2].address, 0x08010000u);
	assert_int_equal(t->elements[2].size, 0);

	t = &img.targets[1];
	assert_int_equal(t->alt, 1);
	assert_false(t->named);
	assert_string_equal(t->name, "");
	assert_int_equal(t->n_elements, 1);
	assert_int_equal(t->elements[0].address, 0x08000000u);
	assert_memory_equal(t->elements[0].data, pattern + 100, 17);

	t = &img.targets[2];
	assert_int_equal(t->alt, 0);
	assert_int_equal(strlen(t->name), DFUSE_NAME_LEN);
	assert_int_equal(t->name[0], 'N');
	assert_int_equal(t->name[DFUSE_NAME_LEN - 1], 'N');
	assert_int_equal(t->n_elements, 1);
	assert_int_equal(t->size, 13);
	assert_memory_equal(t->elements[0].data, pattern + 200, 5);

	t = &img.targets[3];
	assert_int_equal(t->alt, 3);
	assert_true(t->named);
	assert_string_equal(t->name, "");
	assert_int_equal(t->n_elements, 0);
	assert_int_equal(t->size, 0);
	assert_null(t->elements);

	/* What the parser returns builds back into the same bytes. */
	assert_int_equal(dfuse_file_build(&img, img.suffix.idVendor, img.suffix.idProduct,
					  img.suffix.bcdDevice, &again, &len2), 0);
	assert_int_equal(len2, len);
	assert_memory_equal(again, buf, len);
	free(again);
	dfuse_file_free(&img);
	free(buf);
}

static void test_element_at_top_of_memory(void **state)
{
	unsigned char buf[sizeof(ka_file)];
	struct dfuse_image img;

	(void)state;
	/* 0xfffffffa + 6 ends exactly at 4 GiB: the last byte is addressable. */
	memcpy(buf, ka_file, sizeof(buf));
	put32(buf + KA_ELEMENT, 0xfffffffau);
	fix_crc(buf, sizeof(buf));
	assert_int_equal(dfuse_file_parse(buf, sizeof(buf), "top.dfu", &img), 0);
	assert_int_equal(img.targets[0].elements[0].address, 0xfffffffau);
	dfuse_file_free(&img);
	/* One more and it wraps. */
	put32(buf + KA_ELEMENT, 0xfffffffbu);
	fix_crc(buf, sizeof(buf));
	assert_contains(expect_refused(buf, sizeof(buf), "top.dfu"), "wraps past");
}

/*
 * The classic dfuse-pack script writes DFUImageSize as the size of the
 * whole file, suffix included; its files must still flash.
 */
static void test_image_size_with_suffix(void **state)
{
	unsigned char buf[sizeof(ka_file)];
	struct dfuse_image img;

	(void)state;
	memcpy(buf, ka_file, sizeof(buf));
	put32(buf + 6, sizeof(ka_file));
	fix_crc(buf, sizeof(buf));
	assert_int_equal(dfuse_file_parse(buf, sizeof(buf), "classic.dfu", &img), 0);
	assert_int_equal(img.image_size, sizeof(ka_file));
	assert_int_equal(img.targets[0].elements[0].size, 6);
	dfuse_file_free(&img);
}

/* -------------------------------------------------------- truncation */

static void truncate_everywhere(const unsigned char *file, size_t len)
{
	size_t k;

	/* Cut anywhere: the suffix goes missing or breaks, never a crash. */
	for (k = 0; k < len; k++) {
		unsigned char *p = dup_buf(file, k);	/* exact size, so ASan sees over-reads */

		expect_refused(p, k, "cut.dfu");
		free(p);
	}
	/*
	 * Cut the payload and give it a fresh valid suffix and DFUImageSize:
	 * now the structure checks alone must notice what is missing.
	 */
	for (k = 0; k < len - DFU_SUFFIX_LEN; k++) {
		size_t n;
		unsigned char *p = with_suffix(file, k, &n);

		expect_refused(p, n, "cut.dfu");
		free(p);
	}
}

static void test_truncation_known_answer(void **state)
{
	size_t n;
	unsigned char *p;
	struct dfuse_image img;

	(void)state;
	truncate_everywhere(ka_file, sizeof(ka_file));
	/* Sanity of the helper: the whole payload with a fresh suffix is fine. */
	p = with_suffix(ka_file, KA_PAYLOAD, &n);
	assert_int_equal(n, sizeof(ka_file));
	assert_memory_equal(p, ka_file, n);
	assert_int_equal(dfuse_file_parse(p, n, "whole.dfu", &img), 0);
	dfuse_file_free(&img);
	free(p);
}

static void test_truncation_multi(void **state)
{
	unsigned char *buf;
	size_t len;

	(void)state;
	buf = build_multi(&len);
	truncate_everywhere(buf, len);
	free(buf);
}

/* ---------------------------------------------- corrupted header fields */

struct field_case {
	const char *what;
	size_t offset;
	int width;		/* 1 or 4 bytes */
	uint32_t value;
	const char *message;	/* expected in the error */
};

static const struct field_case field_cases[] = {
	{ "signature D", 0, 1, 'd', "not a DfuSe file" },
	{ "signature e", 4, 1, 'E', "not a DfuSe file" },
	{ "bVersion 0", 5, 1, 0, "version 0 (offset 5)" },
	{ "bVersion 2", 5, 1, 2, "version 2 (offset 5)" },
	{ "DFUImageSize -1", 6, 4, KA_PAYLOAD - 1, "DFUImageSize (offset 6) is 298" },
	{ "DFUImageSize +1", 6, 4, KA_PAYLOAD + 1, "DFUImageSize (offset 6) is 300" },
	{ "DFUImageSize with suffix +1", 6, 4, KA_PAYLOAD + 17, "DFUImageSize (offset 6) is 316, but the file has 299 bytes before its suffix (315 with it)" },
	{ "DFUImageSize with suffix -1", 6, 4, KA_PAYLOAD + 15, "DFUImageSize" },
	{ "DFUImageSize 0", 6, 4, 0, "DFUImageSize" },
	{ "DFUImageSize max", 6, 4, 0xffffffffu, "DFUImageSize" },
	{ "bTargets 0", 10, 1, 0, "bTargets (offset 10) is 0" },
	{ "bTargets 2", 10, 1, 2, "bTargets (offset 10) is 2" },
	{ "bTargets 255", 10, 1, 255, "bTargets (offset 10) is 255" },
	{ "target signature T", KA_TARGET, 1, 't', "no \"Target\" signature at offset 11" },
	{ "target signature t", KA_TARGET + 5, 1, 'T', "no \"Target\" signature at offset 11" },
	{ "dwTargetSize -1", KA_TARGET + 255 + 11, 4, 13, "dwTargetSize is 13, but its 1 elements take 14" },
	{ "dwTargetSize +1", KA_TARGET + 255 + 11, 4, 15, "dwTargetSize is 15" },
	{ "dwTargetSize 0", KA_TARGET + 255 + 11, 4, 0, "dwTargetSize is 0" },
	{ "dwTargetSize max", KA_TARGET + 255 + 11, 4, 0xffffffffu, "dwTargetSize is 4294967295" },
	{ "dwNbElements 0", KA_TARGET + 255 + 15, 4, 0, "its 0 elements take 0 bytes" },
	{ "dwNbElements 2", KA_TARGET + 255 + 15, 4, 2, "claims 2 elements" },
	{ "dwNbElements max", KA_TARGET + 255 + 15, 4, 0xffffffffu, "claims 4294967295 elements" },
	{ "element size +1", KA_ELEMENT + 4, 4, 7, "7 bytes of data, but only 6" },
	{ "element size -1", KA_ELEMENT + 4, 4, 5, "elements take 13 bytes" },
	{ "element size max", KA_ELEMENT + 4, 4, 0xffffffffu, "element 0 (offset 285)" },
	{ "element wraps", KA_ELEMENT, 4, 0xfffffffcu, "wraps past" },
	{ "bcdDFU 1.0", KA_PAYLOAD + 6, 1, 0x00, "bcdDFU 0x0100" },
	{ "bcdDFU 2.1a", KA_PAYLOAD + 7, 1, 0x02, "bcdDFU 0x021a" },
	{ "suffix signature", KA_PAYLOAD + 8, 1, 'u', "no DFU suffix" },
	{ "suffix bLength 15", KA_PAYLOAD + 11, 1, 15, "suffix length 15" },
	{ "suffix bLength 200", KA_PAYLOAD + 11, 1, 200, "DFUImageSize" },
};

static void test_corrupt_fields(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(field_cases) / sizeof(field_cases[0]); i++) {
		const struct field_case *c = &field_cases[i];
		unsigned char buf[sizeof(ka_file)];
		const char *msg;

		memcpy(buf, ka_file, sizeof(buf));
		if (c->width == 1)
			buf[c->offset] = (unsigned char)c->value;
		else
			put32(buf + c->offset, c->value);
		fix_crc(buf, sizeof(buf));
		msg = expect_refused(buf, sizeof(buf), "ka.dfu");
		if (!strstr(msg, c->message) || !strstr(msg, "'ka.dfu': "))
			fail_msg("%s: expected \"%s\" in: %s", c->what, c->message, msg);
	}
}

static void test_crc_every_bit(void **state)
{
	unsigned char buf[sizeof(ka_file)];
	size_t i;
	int b;

	(void)state;
	memcpy(buf, ka_file, sizeof(buf));
	for (i = 0; i < sizeof(buf); i++) {
		for (b = 0; b < 8; b++) {
			const char *msg;

			buf[i] ^= (unsigned char)(1u << b);
			msg = expect_refused(buf, sizeof(buf), "bit.dfu");
			/*
			 * Away from the signatures and the suffix's own fields,
			 * it is the CRC that says so.
			 */
			if ((i >= 5 && i < KA_PAYLOAD) || i >= KA_PAYLOAD + 12)
				assert_contains(msg, "CRC mismatch");
			buf[i] ^= (unsigned char)(1u << b);
		}
	}
	/* Unchanged again: accepted. */
	{
		struct dfuse_image img;

		assert_int_equal(dfuse_file_parse(buf, sizeof(buf), "bit.dfu", &img), 0);
		dfuse_file_free(&img);
	}
}

static void test_missing_suffix(void **state)
{
	(void)state;
	assert_contains(expect_refused(ka_file, KA_PAYLOAD, "plain.dfu"), "no DFU suffix");
	assert_contains(expect_refused(ka_file, 11, "plain.dfu"), "no DFU suffix");
	assert_contains(expect_refused(ka_file, 7, "plain.dfu"), "prefix cut off");
	assert_contains(expect_refused(ka_file, 3, "plain.dfu"), "not a DfuSe file");
	assert_contains(expect_refused(ka_file, 0, "plain.dfu"), "not a DfuSe file");
}

static void test_trailing_garbage(void **state)
{
	unsigned char payload[KA_PAYLOAD + 3];
	unsigned char *p;
	size_t n;

	(void)state;
	memcpy(payload, ka_file, KA_PAYLOAD);
	memset(payload + KA_PAYLOAD, 0xff, 3);
	p = with_suffix(payload, sizeof(payload), &n);
	assert_contains(expect_refused(p, n, "tail.dfu"),
			"3 unexpected bytes at offset 299, after the last target");
	free(p);
}

static void test_message_names(void **state)
{
	unsigned char buf[sizeof(ka_file)];

	(void)state;
	memcpy(buf, ka_file, sizeof(buf));
	buf[5] = 7;
	fix_crc(buf, sizeof(buf));
	assert_contains(expect_refused(buf, sizeof(buf), "-"), "error: standard input: ");
	assert_contains(expect_refused(buf, sizeof(buf), NULL), "error: the .dfu file: ");
	assert_contains(expect_refused(buf, sizeof(buf), "dir/a b.dfu"), "error: 'dir/a b.dfu': ");
}

/* ------------------------------------------------------------ overlaps */

/* Two targets, each with elements, for patching addresses afterwards. */
static unsigned char *build_pair(uint8_t alt0, uint8_t alt1, size_t *len)
{
	static struct dfuse_element a[2], b[1];
	static struct dfuse_target tg[2];
	struct dfuse_image img;
	unsigned char *out;

	memset(pattern, 0x5a, sizeof(pattern));
	memset(tg, 0, sizeof(tg));
	a[0] = (struct dfuse_element){ .address = 0x1000, .size = 16, .data = pattern };
	a[1] = (struct dfuse_element){ .address = 0x1010, .size = 16, .data = pattern };
	b[0] = (struct dfuse_element){ .address = 0x2000, .size = 16, .data = pattern };
	tg[0] = (struct dfuse_target){ .alt = alt0, .n_elements = 2, .elements = a };
	tg[1] = (struct dfuse_target){ .alt = alt1, .n_elements = 1, .elements = b };
	memset(&img, 0, sizeof(img));
	img.n_targets = 2;
	img.targets = tg;
	assert_int_equal(dfuse_file_build(&img, 0x0483, 0xdf11, 0xffff, &out, len), 0);
	return out;
}

#define PAIR_A1 (11 + 274 + 8 + 16)		/* element 1 of target 0 */
#define PAIR_B0 (11 + 274 + 2 * 24 + 274)	/* element 0 of target 1 */

static int parse_ok(const unsigned char *buf, size_t len)
{
	struct dfuse_image img;
	int rc = dfuse_file_parse(buf, len, "pair.dfu", &img);

	dfuse_file_free(&img);
	return rc;
}

static void test_overlap_same_target(void **state)
{
	unsigned char *buf;
	size_t len;

	(void)state;
	buf = build_pair(0, 1, &len);
	assert_int_equal(parse_ok(buf, len), 0);	/* adjacent is fine */
	put32(buf + PAIR_A1, 0x100f);
	fix_crc(buf, len);
	assert_contains(expect_refused(buf, len, "pair.dfu"),
			"target 0 element 1 (0x0000100f-0x0000101e) overlaps target 0 element 0 (0x00001000-0x0000100f), both for alt setting 0");
	/* Same start, and one inside another in the other order. */
	put32(buf + PAIR_A1, 0x1000);
	fix_crc(buf, len);
	expect_refused(buf, len, "pair.dfu");
	put32(buf + PAIR_A1, 0x0ff8);
	fix_crc(buf, len);
	assert_contains(expect_refused(buf, len, "pair.dfu"), "overlaps target 0 element 1");
	free(buf);
}

static void test_overlap_across_targets(void **state)
{
	unsigned char *buf;
	size_t len;

	(void)state;
	/* Different alt settings are different memories: same address is fine. */
	buf = build_pair(0, 1, &len);
	put32(buf + PAIR_B0, 0x1008);
	fix_crc(buf, len);
	assert_int_equal(parse_ok(buf, len), 0);
	free(buf);

	/* Same alt setting in two targets: one memory. */
	buf = build_pair(2, 2, &len);
	assert_int_equal(parse_ok(buf, len), 0);
	put32(buf + PAIR_B0, 0x1008);
	fix_crc(buf, len);
	assert_contains(expect_refused(buf, len, "pair.dfu"),
			"target 1 element 0 (0x00001008-0x00001017) overlaps target 0 element 0");
	free(buf);
}

static void test_zero_size_elements(void **state)
{
	static const unsigned char d[4] = { 1, 2, 3, 4 };
	struct dfuse_element el[3] = {
		{ .address = 0x100, .size = 4, .data = d },
		{ .address = 0x101, .size = 0, .data = NULL },	/* inside, but empty */
		{ .address = 0xffffffffu, .size = 0, .data = NULL },
	};
	struct dfuse_target tg = { .alt = 0, .n_elements = 3, .elements = el };
	struct dfuse_image img = { .n_targets = 1, .targets = &tg }, back;
	unsigned char *out;
	size_t len;

	(void)state;
	assert_int_equal(dfuse_file_build(&img, 1, 2, 3, &out, &len), 0);
	assert_int_equal(dfuse_file_parse(out, len, "zero.dfu", &back), 0);
	assert_int_equal(back.targets[0].n_elements, 3);
	assert_int_equal(back.targets[0].elements[1].size, 0);
	assert_int_equal(back.targets[0].elements[2].address, 0xffffffffu);
	assert_int_equal(back.targets[0].size, 3 * 8 + 4);
	dfuse_file_free(&back);
	free(out);
}

/* ------------------------------------------------------ build refusals */

static void expect_build_refused(const struct dfuse_image *img, const char *message)
{
	unsigned char *out = (unsigned char *)&out;
	size_t len = 99;
	int rc;

	capture_begin();
	rc = dfuse_file_build(img, 0x0483, 0xdf11, 0xffff, &out, &len);
	capture_end();
	assert_int_equal(rc, DFU_E_DATA);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_contains(capture_err(), "cannot build the .dfu file: ");
	assert_contains(capture_err(), message);
}

static void test_build_refusals(void **state)
{
	static const unsigned char d[16];
	struct dfuse_element el[2] = {
		{ .address = 0x2000, .size = 16, .data = d },
		{ .address = 0x2008, .size = 16, .data = d },
	};
	struct dfuse_target tg[2];
	struct dfuse_image img;

	(void)state;
	memset(tg, 0, sizeof(tg));
	memset(&img, 0, sizeof(img));
	img.targets = tg;
	img.n_targets = 0;
	expect_build_refused(&img, "0 targets");
	img.n_targets = 256;
	expect_build_refused(&img, "256 targets");

	img.n_targets = 1;
	tg[0].n_elements = 2;
	tg[0].elements = el;
	expect_build_refused(&img, "overlaps");

	/* The same two in different alt settings are fine. */
	tg[0].n_elements = 1;
	tg[1].alt = 1;
	tg[1].n_elements = 1;
	tg[1].elements = el + 1;
	img.n_targets = 2;
	{
		unsigned char *out;
		size_t len;

		assert_int_equal(dfuse_file_build(&img, 1, 2, 3, &out, &len), 0);
		free(out);
	}

	el[1].address = 0xfffffff8u;
	expect_build_refused(&img, "target 1 element 0: 0xfffffff8 + 16 bytes wraps");
	el[1].address = 0x3000;
	el[1].data = NULL;
	expect_build_refused(&img, "target 1 element 0 has no data");
	el[1].data = d;

	tg[0].named = 1;
	memset(tg[0].name, 'x', sizeof(tg[0].name));
	expect_build_refused(&img, "target 0: the name is not terminated");
}

/* ------------------------------------------------------------ printing */

static void test_print(void **state)
{
	static const unsigned char d[4] = { 1, 2, 3, 4 };
	struct dfuse_element el[2] = {
		{ .address = 0x08000000, .size = 4, .data = d },
		{ .address = 0x08001000, .size = 0, .data = NULL },
	};
	struct dfuse_target tg[2] = {
		{ .alt = 0, .named = 1, .name = "A\001\"B", .n_elements = 2, .elements = el },
		{ .alt = 4, .named = 0, .n_elements = 0 },
	};
	struct dfuse_image img = { .n_targets = 2, .targets = tg }, back;
	unsigned char *out;
	size_t len;
	const char *text;

	(void)state;
	assert_int_equal(dfuse_file_build(&img, 0x0483, 0xdf11, 0x2200, &out, &len), 0);
	assert_int_equal(dfuse_file_parse(out, len, "p.dfu", &back), 0);
	capture_begin();
	dfuse_file_print(&back);
	capture_end();
	text = capture_out();
	assert_contains(text, "DfuSe v1, image size 579, 2 targets, suffix 0483:df11 bcdDevice 0x2200\n");
	assert_contains(text, "target 0: alt 0, name \"A\\x01\\x22B\", 2 elements, 20 bytes\n");
	assert_contains(text, "  element 0: address 0x08000000, 4 bytes (to 0x08000003)\n");
	assert_contains(text, "  element 1: address 0x08001000, empty\n");
	assert_contains(text, "target 1: alt 4, no name, 0 elements, 0 bytes\n");
	dfuse_file_free(&back);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answer_parse),
		cmocka_unit_test(test_known_answer_build),
		cmocka_unit_test(test_is_dfuse),
		cmocka_unit_test(test_round_trip_multi),
		cmocka_unit_test(test_element_at_top_of_memory),
		cmocka_unit_test(test_image_size_with_suffix),
		cmocka_unit_test(test_truncation_known_answer),
		cmocka_unit_test(test_truncation_multi),
		cmocka_unit_test(test_corrupt_fields),
		cmocka_unit_test(test_crc_every_bit),
		cmocka_unit_test(test_missing_suffix),
		cmocka_unit_test(test_trailing_garbage),
		cmocka_unit_test(test_message_names),
		cmocka_unit_test(test_overlap_same_target),
		cmocka_unit_test(test_overlap_across_targets),
		cmocka_unit_test(test_zero_size_elements),
		cmocka_unit_test(test_build_refusals),
		cmocka_unit_test(test_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
