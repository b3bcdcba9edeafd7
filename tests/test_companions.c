/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * Unit tests for the companion tools' formats: the Stellaris and LPC
 * prefixes (dfu_prefix.c) and the Intel HEX and S-record readers (ihex.c).
 * Expected prefix bytes come from the formats' documentation and were
 * cross-checked against the classic dfu-prefix (see tests/kat/README).
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

#include "dfu_file.h"
#include "dfu_prefix.h"
#include "errors.h"
#include "ihex.h"
#include "log.h"

/* ---------------------------------------------------------------- prefix */

static void test_prefix_build_stellaris(void **state)
{
	static const unsigned char want[8] = { 0x01, 0x00, 0x08, 0x00, 0x58, 0x02, 0x00, 0x00 };
	unsigned char out[DFU_PREFIX_MAX_LEN];
	size_t n;

	(void)state;
	assert_int_equal(dfu_prefix_build(PREFIX_STELLARIS, 0x2000, 600, out, &n), 0);
	assert_int_equal(n, DFU_PREFIX_STELLARIS_LEN);
	assert_memory_equal(out, want, sizeof(want));
}

static void test_prefix_build_stellaris_refusals(void **state)
{
	unsigned char out[DFU_PREFIX_MAX_LEN];
	size_t n = 99;

	(void)state;
	assert_int_equal(dfu_prefix_build(PREFIX_STELLARIS, 0x2001, 10, out, &n), DFU_E_USAGE);
	assert_int_equal(n, 0);
	assert_int_equal(dfu_prefix_build(PREFIX_STELLARIS, 0x4000000, 10, out, &n), DFU_E_USAGE);
	assert_int_equal(dfu_prefix_build(PREFIX_STELLARIS, DFU_PREFIX_STELLARIS_ADDR_MAX, 10, out, &n), 0);
	assert_int_equal(out[2], 0xff);
	assert_int_equal(out[3], 0xff);
	assert_int_equal(dfu_prefix_build(PREFIX_NONE, 0, 10, out, &n), DFU_E_USAGE);
}

static void test_prefix_build_lpc_blocks(void **state)
{
	static const struct { size_t len; unsigned int blocks; } rows[] = {
		{ 0, 0 }, { 1, 1 }, { 511, 1 }, { 512, 1 }, { 513, 2 },
		{ 131072, 256 }, { 0xffffu * 512u, 0xffff },
	};
	unsigned char out[DFU_PREFIX_MAX_LEN];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(dfu_prefix_build(PREFIX_LPC, 0, rows[i].len, out, &n), 0);
		assert_int_equal(n, DFU_PREFIX_LPC_LEN);
		assert_int_equal(out[0], 0x1a);
		assert_int_equal(out[1], 0x3f);
		assert_int_equal(out[2] | out[3] << 8, rows[i].blocks);
		assert_int_equal(out[4] | out[5] | out[6] | out[7] | out[8] | out[9] | out[10] | out[11], 0);
		assert_int_equal(out[12] & out[13] & out[14] & out[15], 0xff);
	}
	assert_int_equal(dfu_prefix_build(PREFIX_LPC, 0, 0xffffu * 512u + 1, out, &n), DFU_E_DATA);
}

static void test_prefix_detect(void **state)
{
	unsigned char buf[64];
	struct dfu_prefix p;
	size_t n;

	(void)state;
	memset(buf, 0x55, sizeof(buf));
	assert_int_equal(dfu_prefix_detect(buf, sizeof(buf), &p), PREFIX_NONE);
	assert_int_equal(p.len, 0);

	assert_int_equal(dfu_prefix_build(PREFIX_STELLARIS, 0x400, 56, buf, &n), 0);
	assert_int_equal(dfu_prefix_detect(buf, 64, &p), PREFIX_STELLARIS);
	assert_int_equal(p.address, 0x400);
	assert_int_equal(p.length, 56);
	assert_int_equal(p.len, 8);
	/* The length field must match what follows, or it is just firmware. */
	assert_int_equal(dfu_prefix_detect(buf, 63, &p), PREFIX_NONE);

	assert_int_equal(dfu_prefix_build(PREFIX_LPC, 0, 48, buf, &n), 0);
	assert_int_equal(dfu_prefix_detect(buf, 64, &p), PREFIX_LPC);
	assert_int_equal(p.blocks, 1);
	assert_int_equal(p.len, 16);
	buf[15] = 0;
	assert_int_equal(dfu_prefix_detect(buf, 64, &p), PREFIX_NONE);
	assert_int_equal(dfu_prefix_detect(buf, 10, &p), PREFIX_NONE);
	assert_int_equal(dfu_prefix_detect(buf, 0, &p), PREFIX_NONE);
}

static void test_prefix_add_remove_keeps_suffix(void **state)
{
	unsigned char fw[40 + DFU_SUFFIX_LEN];
	struct dfu_suffix sfx, got;
	unsigned char *with = NULL, *back = NULL;
	size_t with_len = 0, back_len = 0, i;

	(void)state;
	for (i = 0; i < 40; i++)
		fw[i] = (unsigned char)(i * 7);
	memset(&sfx, 0, sizeof(sfx));
	sfx.bcdDevice = 0xffff;
	sfx.idProduct = 0x000c;
	sfx.idVendor = 0x1fc9;
	sfx.bcdDFU = 0x0100;
	dfu_suffix_build(fw, 40, &sfx, fw + 40);

	assert_int_equal(dfu_prefix_add(fw, sizeof(fw), "fw", PREFIX_LPC, 0, &with, &with_len), 0);
	assert_int_equal(with_len, sizeof(fw) + 16);
	assert_int_equal(with[0], 0x1a);
	assert_memory_equal(with + 16, fw, 40);
	/* The suffix moved, so its CRC must have been recomputed. */
	assert_int_equal(dfu_suffix_parse(with, with_len, &got), SUFFIX_OK);
	assert_int_equal(got.idVendor, 0x1fc9);
	assert_int_equal(got.idProduct, 0x000c);

	/* A second prefix is refused, and so is removing the wrong type. */
	assert_int_equal(dfu_prefix_add(with, with_len, "fw", PREFIX_STELLARIS, 0, &back, &back_len),
			 DFU_E_DATA);
	assert_null(back);
	assert_int_equal(dfu_prefix_remove(with, with_len, "fw", PREFIX_STELLARIS, &back, &back_len),
			 DFU_E_DATA);
	assert_int_equal(dfu_prefix_remove(with, with_len, "fw", PREFIX_LPC, &back, &back_len), 0);
	assert_int_equal(back_len, sizeof(fw));
	assert_memory_equal(back, fw, sizeof(fw));
	free(with);
	free(back);
}

static void test_prefix_plain_and_corrupt(void **state)
{
	unsigned char fw[32 + DFU_SUFFIX_LEN];
	struct dfu_suffix sfx;
	unsigned char *out = NULL;
	size_t out_len = 0;

	(void)state;
	memset(fw, 0xa5, sizeof(fw));
	/* No suffix: the whole file is firmware. */
	assert_int_equal(dfu_prefix_add(fw, 32, "fw", PREFIX_STELLARIS, 0x800, &out, &out_len), 0);
	assert_int_equal(out_len, 40);
	assert_int_equal(out[4], 32);
	free(out);
	out = NULL;
	assert_int_equal(dfu_prefix_remove(fw, 32, "fw", PREFIX_NONE, &out, &out_len), DFU_E_DATA);
	assert_null(out);

	/* A corrupt suffix is never blessed with a new CRC. */
	memset(&sfx, 0, sizeof(sfx));
	sfx.bcdDFU = 0x0100;
	dfu_suffix_build(fw, 32, &sfx, fw + 32);
	fw[5] ^= 1;
	assert_int_equal(dfu_prefix_add(fw, sizeof(fw), "fw", PREFIX_LPC, 0, &out, &out_len), DFU_E_DATA);
	assert_null(out);
	assert_int_equal(dfu_prefix_remove(fw, sizeof(fw), "fw", PREFIX_NONE, &out, &out_len), DFU_E_DATA);
}

/* ---------------------------------------------------------------- Intel HEX */

static int parse_hex(const char *text, struct ihex_image *img)
{
	return ihex_parse(text, strlen(text), "t.hex", img);
}

static int parse_srec(const char *text, struct ihex_image *img)
{
	return srec_parse(text, strlen(text), "t.srec", img);
}

static void test_ihex_segments(void **state)
{
	/* Checksums computed by hand (two's complement of the byte sum). */
	static const char text[] =
		":020000040800F2\r\n"
		":10000000000102030405060708090A0B0C0D0E0F78\r\n"
		":0800100010111213141516174C\r\n"
		"\r\n"
		":04010000AAAAAAAA53\r\n"
		":0400000508000041AE\r\n"
		":00000001FF\r\n";
	struct ihex_image img;
	size_t i;

	(void)state;
	assert_int_equal(parse_hex(text, &img), 0);
	assert_int_equal(img.n_segments, 2);
	assert_int_equal(img.segments[0].address, 0x08000000);
	assert_int_equal(img.segments[0].size, 24);
	for (i = 0; i < 24; i++)
		assert_int_equal(img.segments[0].data[i], i);
	assert_int_equal(img.segments[1].address, 0x08000100);
	assert_int_equal(img.segments[1].size, 4);
	assert_int_equal(img.segments[1].data[3], 0xaa);
	assert_true(img.has_start);
	assert_int_equal(img.start, 0x08000041);
	ihex_free(&img);
	assert_int_equal(img.n_segments, 0);
}

static void test_ihex_out_of_order_and_segment_addressing(void **state)
{
	/* Record at 0x10 first, then 0x00: one segment once sorted; 02 gives base 0x12340. */
	static const char text[] =
		":0200100022CC00\n"
		":0200000011EEFF\n"
		":020000021234B6\n"
		":010000009966\n"
		":00000001FF\n";
	struct ihex_image img;

	(void)state;
	assert_int_equal(parse_hex(text, &img), 0);
	assert_int_equal(img.n_segments, 3);
	assert_int_equal(img.segments[0].address, 0x00);
	assert_int_equal(img.segments[0].size, 2);
	assert_int_equal(img.segments[1].address, 0x10);
	assert_int_equal(img.segments[2].address, 0x12340);
	assert_int_equal(img.segments[2].data[0], 0x99);
	ihex_free(&img);
}

static void test_ihex_merges_touching_records(void **state)
{
	static const char text[] =
		":0100010022DC\n"
		":0100000011EE\n"
		":00000001FF\n";
	struct ihex_image img;

	(void)state;
	assert_int_equal(parse_hex(text, &img), 0);
	assert_int_equal(img.n_segments, 1);
	assert_int_equal(img.segments[0].size, 2);
	assert_int_equal(img.segments[0].data[0], 0x11);
	assert_int_equal(img.segments[0].data[1], 0x22);
	ihex_free(&img);
}

static void test_ihex_refusals(void **state)
{
	static const char *const bad[] = {
		":0100000011EF\n:00000001FF\n",			/* checksum */
		":0200000011EE\n:00000001FF\n",			/* count says 2, one byte */
		":0100000011EE\n",				/* no EOF record: truncated */
		":0100000011EE\n:00000001FF\n:0100000011EE\n",	/* data after EOF */
		":0100000011EE\n:0100000022DD\n:00000001FF\n",	/* same byte twice */
		"0100000011EE\n:00000001FF\n",			/* no colon */
		":01000000G1EE\n:00000001FF\n",			/* bad digit */
		":0100000011E\n:00000001FF\n",			/* odd digits */
		":0100000611E8\n:00000001FF\n",			/* unknown type */
		":03FFFF0011223399\n:00000001FF\n",		/* crosses 64 KiB */
		":0100000401FA\n:00000001FF\n",			/* 04 with one byte */
		":020000040000FA\n:00000001FF\n:",		/* junk after EOF */
		"",						/* empty file */
	};
	struct ihex_image img;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&img, 0x5a, sizeof(img));
		assert_int_equal(parse_hex(bad[i], &img), DFU_E_DATA);
		assert_int_equal(img.n_segments, 0);
		assert_null(img.segments);
	}
}

static void test_ihex_top_of_memory(void **state)
{
	/* 04 FFFF, data at 0xFFFE: the last two bytes of the 4 GiB space. */
	static const char ok[] = ":02000004FFFFFC\n:02FFFE00AABB9C\n:00000001FF\n";
	struct ihex_image img;

	(void)state;
	assert_int_equal(parse_hex(ok, &img), 0);
	assert_int_equal(img.n_segments, 1);
	assert_int_equal(img.segments[0].address, 0xfffffffe);
	ihex_free(&img);
}

/* ---------------------------------------------------------------- S-records */

static void test_srec_segments_and_name(void **state)
{
	static const char text[] =
		"S0060000686472BB\n"
		"S31508000000000102030405060708090A0B0C0D0E0F6A\n"
		"S30808000010010203D9\n"
		"S30A080001000909090909BF\n"
		"S5030003F9\n"
		"S70508000000F2\n";
	struct ihex_image img;

	(void)state;
	assert_int_equal(parse_srec(text, &img), 0);
	assert_true(img.has_name);
	assert_string_equal(img.name, "hdr");
	/* Both segments, the last one included. */
	assert_int_equal(img.n_segments, 2);
	assert_int_equal(img.segments[0].address, 0x08000000);
	assert_int_equal(img.segments[0].size, 19);
	assert_int_equal(img.segments[0].data[18], 3);
	assert_int_equal(img.segments[1].address, 0x08000100);
	assert_int_equal(img.segments[1].size, 5);
	assert_true(img.has_start);
	assert_int_equal(img.start, 0x08000000);
	ihex_free(&img);
}

static void test_srec_single_segment(void **state)
{
	static const char text[] =
		"S31508000000000102030405060708090A0B0C0D0E0F6A\n"
		"S70508000000F2\n";
	struct ihex_image img;

	(void)state;
	assert_int_equal(parse_srec(text, &img), 0);
	assert_false(img.has_name);
	assert_int_equal(img.n_segments, 1);
	assert_int_equal(img.segments[0].size, 16);
	ihex_free(&img);
}

static void test_srec_s1_s2_s9(void **state)
{
	static const char text[] =
		"S1051000AABB85\n"
		"S206100002CCDD3E\n"
		"S9031000EC\n";
	struct ihex_image img;

	(void)state;
	assert_int_equal(parse_srec(text, &img), 0);
	assert_int_equal(img.n_segments, 2);
	assert_int_equal(img.segments[0].address, 0x1000);
	assert_int_equal(img.segments[1].address, 0x100002);
	assert_int_equal(img.segments[1].data[1], 0xdd);
	assert_int_equal(img.start, 0x1000);
	ihex_free(&img);
}

static void test_srec_refusals(void **state)
{
	static const char *const bad[] = {
		"S1051000AABB86\nS9031000EC\n",			/* checksum */
		"S1051000AABB85\n",				/* no termination: truncated */
		"S1051000AABB85\nS5030002FA\nS9031000EC\n",	/* count says 2, one record */
		"S4051000AABB85\nS9031000EC\n",			/* reserved type */
		"S1061000AABB85\nS9031000EC\n",			/* length byte too big */
		"S1051000AABB85\nS1051001CCDD40\nS9031000EC\n",	/* overlap */
		"X1051000AABB85\nS9031000EC\n",			/* not an S-record */
		"S9031000EC\nS1051000AABB85\n",			/* data after the end */
		"S30AFFFFFFFE0102030405EB\nS70500000000FA\n",	/* past 4 GiB */
	};
	struct ihex_image img;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&img, 0x5a, sizeof(img));
		assert_int_equal(parse_srec(bad[i], &img), DFU_E_DATA);
		assert_int_equal(img.n_segments, 0);
		assert_null(img.segments);
	}
}

static void test_srec_large_contiguous(void **state)
{
	/* 4096 records of 16 bytes, one segment: the common case stays linear. */
	size_t nrec = 4096, i, cap = nrec * 48 + 64, pos = 0;
	char *text = malloc(cap);
	struct ihex_image img;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < nrec; i++) {
		unsigned int addr = 0x08000000u + (unsigned int)i * 16, sum = 0x15, k;
		int n;

		n = snprintf(text + pos, cap - pos, "S315%08X", addr);
		pos += (size_t)n;
		sum += (addr >> 24) + ((addr >> 16) & 0xff) + ((addr >> 8) & 0xff) + (addr & 0xff);
		for (k = 0; k < 16; k++) {
			unsigned int b = (unsigned int)((i + k) & 0xff);

			n = snprintf(text + pos, cap - pos, "%02X", b);
			pos += (size_t)n;
			sum += b;
		}
		n = snprintf(text + pos, cap - pos, "%02X\n", ~sum & 0xff);
		pos += (size_t)n;
	}
	pos += (size_t)snprintf(text + pos, cap - pos, "S70508000000F2\n");
	assert_int_equal(srec_parse(text, pos, "big.srec", &img), 0);
	assert_int_equal(img.n_segments, 1);
	assert_int_equal(img.segments[0].size, nrec * 16);
	assert_int_equal(img.segments[0].data[16 * 100 + 5], (100 + 5) & 0xff);
	ihex_free(&img);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_build_stellaris),
		cmocka_unit_test(test_prefix_build_stellaris_refusals),
		cmocka_unit_test(test_prefix_build_lpc_blocks),
		cmocka_unit_test(test_prefix_detect),
		cmocka_unit_test(test_prefix_add_remove_keeps_suffix),
		cmocka_unit_test(test_prefix_plain_and_corrupt),
		cmocka_unit_test(test_ihex_segments),
		cmocka_unit_test(test_ihex_out_of_order_and_segment_addressing),
		cmocka_unit_test(test_ihex_merges_touching_records),
		cmocka_unit_test(test_ihex_refusals),
		cmocka_unit_test(test_ihex_top_of_memory),
		cmocka_unit_test(test_srec_segments_and_name),
		cmocka_unit_test(test_srec_single_segment),
		cmocka_unit_test(test_srec_s1_s2_s9),
		cmocka_unit_test(test_srec_refusals),
		cmocka_unit_test(test_srec_large_contiguous),
	};

	log_set_progname("test_companions");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
