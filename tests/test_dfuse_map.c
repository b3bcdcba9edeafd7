/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * DfuSe memory maps: every interface string seen on real bootloaders
 * (copied here from the device dumps, which tests do not read) parsed into
 * the right segments, nonsense refused with a message naming the string,
 * and the lookup and printing helpers.
 */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "dfuse_map.h"
#include "errors.h"
#include "log.h"

#define KIB 1024u

/* ------------------------------------------------------------ real strings */

struct seg_want {
	uint32_t start, last, page_size, n_pages;
	uint8_t rights;
};

struct map_row {
	const char *s;
	const char *name;
	int n;
	struct seg_want seg[5];
};

static const struct map_row good_rows[] = {
	/* STM32F4 ROM bootloader */
	{ "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg", "Internal Flash", 3, {
		{ 0x08000000, 0x0800FFFF, 16 * KIB, 4, 7 },
		{ 0x08010000, 0x0801FFFF, 64 * KIB, 1, 7 },
		{ 0x08020000, 0x080FFFFF, 128 * KIB, 7, 7 } } },
	{ "@Option Bytes  /0x1FFFC000/01*016 e", "Option Bytes", 1, {
		{ 0x1FFFC000, 0x1FFFC00F, 16, 1, 5 } } },
	{ "@Option Bytes  /0x1FFFC000/01*016 g", "Option Bytes", 1, {
		{ 0x1FFFC000, 0x1FFFC00F, 16, 1, 7 } } },
	{ "@Option Bytes  /0x1FFFF800/01*016 g", "Option Bytes", 1, {
		{ 0x1FFFF800, 0x1FFFF80F, 16, 1, 7 } } },
	{ "@OTP Memory /0x1FFF7800/01*512 g,01*016 g", "OTP Memory", 2, {
		{ 0x1FFF7800, 0x1FFF79FF, 512, 1, 7 },
		{ 0x1FFF7A00, 0x1FFF7A0F, 16, 1, 7 } } },
	{ "@Device Feature/0xFFFF0000/01*004 g", "Device Feature", 1, {
		{ 0xFFFF0000, 0xFFFF0003, 4, 1, 7 } } },
	{ "@Internal Flash  /0x08000000/128*002Kg", "Internal Flash", 1, {
		{ 0x08000000, 0x0803FFFF, 2 * KIB, 128, 7 } } },
	{ "@Internal Flash  /0x08000000/064*0002Kg", "Internal Flash", 1, {
		{ 0x08000000, 0x0801FFFF, 2 * KIB, 64, 7 } } },
	{ "@Internal Flash   /0x08000000/03*016Ka,01*016Kg,01*064Kg,07*128Kg", "Internal Flash", 4, {
		{ 0x08000000, 0x0800BFFF, 16 * KIB, 3, 1 },
		{ 0x0800C000, 0x0800FFFF, 16 * KIB, 1, 7 },
		{ 0x08010000, 0x0801FFFF, 64 * KIB, 1, 7 },
		{ 0x08020000, 0x080FFFFF, 128 * KIB, 7, 7 } } },
	/* DSO Nano: 12 KiB read-only bootloader, then the writable rest */
	{ "@Internal Flash  /0x08000000/12*001Ka,116*001Kg", "Internal Flash", 2, {
		{ 0x08000000, 0x08002FFF, KIB, 12, 1 },
		{ 0x08003000, 0x0801FFFF, KIB, 116, 7 } } },
	{ "@Internal Flash  /0x08000000/20*001Ka,108*001Kg", "Internal Flash", 2, {
		{ 0x08000000, 0x08004FFF, KIB, 20, 1 },
		{ 0x08005000, 0x0801FFFF, KIB, 108, 7 } } },
	{ "@Internal Flash   /0x08000000/8*001Ka,120*001Kg", "Internal Flash", 2, {
		{ 0x08000000, 0x08001FFF, KIB, 8, 1 },
		{ 0x08002000, 0x0801FFFF, KIB, 120, 7 } } },
	{ "@SPI Flash : M25P64/0x00000000/64*064Kg,64*064Kg", "SPI Flash : M25P64", 2, {
		{ 0x00000000, 0x003FFFFF, 64 * KIB, 64, 7 },
		{ 0x00400000, 0x007FFFFF, 64 * KIB, 64, 7 } } },
	{ "@SPI Flash : M25P64/0x00000000/128*64Kg", "SPI Flash : M25P64", 1, {
		{ 0x00000000, 0x007FFFFF, 64 * KIB, 128, 7 } } },
	{ "@SPI Flash : SST25x/0x00000000/512*04Kg", "SPI Flash : SST25x", 1, {
		{ 0x00000000, 0x001FFFFF, 4 * KIB, 512, 7 } } },
	/* Several regions, given out of order: sorted on the way in. */
	{ "@Mixed/0x20000000/4*1Kg/0x08000000/2*1Ka,2*1Kd", "Mixed", 3, {
		{ 0x08000000, 0x080007FF, KIB, 2, 1 },
		{ 0x08000800, 0x08000FFF, KIB, 2, 4 },
		{ 0x20000000, 0x20000FFF, KIB, 4, 7 } } },
	/* Leniency: trailing '/', trailing spaces, upper-case types, M, B */
	{ "@ Flash /0x08000000/2*1KG/", "Flash", 1, {
		{ 0x08000000, 0x080007FF, KIB, 2, 7 } } },
	{ "@Flash/0x08000000/2*1Kb  ", "Flash", 1, {
		{ 0x08000000, 0x080007FF, KIB, 2, 2 } } },
	{ "@Big/0x90000000/2*1Mc", "Big", 1, {
		{ 0x90000000, 0x901FFFFF, 1024 * KIB, 2, 3 } } },
	/* "16B": B is the type (erasable) when nothing follows... */
	{ "@Tiny/0x00000100/3*16B", "Tiny", 1, {
		{ 0x00000100, 0x0000012F, 16, 3, 2 } } },
	/* ...and the multiplier when a type letter follows. */
	{ "@Tiny/0x00000100/3*16Bf", "Tiny", 1, {
		{ 0x00000100, 0x0000012F, 16, 3, 6 } } },
	{ "@NoUnit/0x10/2*8a", "NoUnit", 1, {
		{ 0x00000010, 0x0000001F, 8, 2, 1 } } },
	/* A region may end exactly at 4 GiB. */
	{ "@Top/0xFFFF0000/1*64Kg", "Top", 1, {
		{ 0xFFFF0000, 0xFFFFFFFF, 64 * KIB, 1, 7 } } },
	{ "@/0x0/1*1Ka", "", 1, {
		{ 0x00000000, 0x000003FF, KIB, 1, 1 } } },
};

static void test_good_maps(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good_rows) / sizeof(good_rows[0]); i++) {
		const struct map_row *row = &good_rows[i];
		struct dfuse_map m;
		char err[256] = "untouched";
		int j, rc;

		rc = dfuse_map_parse(row->s, &m, err, sizeof(err));
		if (rc != 0)
			print_error("row %zu '%s': %s\n", i, row->s, err);
		assert_int_equal(rc, 0);
		assert_string_equal(err, "");
		assert_string_equal(m.name, row->name);
		assert_int_equal(m.n_segments, row->n);
		for (j = 0; j < row->n; j++) {
			assert_int_equal(m.seg[j].start, row->seg[j].start);
			assert_int_equal(m.seg[j].last, row->seg[j].last);
			assert_int_equal(m.seg[j].page_size, row->seg[j].page_size);
			assert_int_equal(m.seg[j].n_pages, row->seg[j].n_pages);
			assert_int_equal(m.seg[j].rights, row->seg[j].rights);
			/* The invariant the planner relies on. */
			assert_int_equal((uint64_t)m.seg[j].last - m.seg[j].start + 1,
					 (uint64_t)m.seg[j].page_size * m.seg[j].n_pages);
		}
	}
}

/* ------------------------------------------------------------ nonsense */

struct bad_row {
	const char *s;
	const char *reason;	/* a piece of the message */
};

static const struct bad_row bad_rows[] = {
	/* the classic tool flashed over unerased sectors with this one */
	{ "@Internal Flash  /0x08000000/99999*999Mg", "absurd page count 99999" },
	{ "@X/0x08000000/65537*1Kg", "absurd page count 65537" },
	{ "@X/0x08000000/0*1Kg", "page count 0" },
	{ "@X/0x08000000/4*0Kg", "page size 0" },
	{ "@X/0x08000000/4*000 g", "page size 0" },
	{ "@X/0x08000000/1*4096Mg", "page size beyond 4 GiB" },
	{ "@X/0x08000000/1*4194304Kg", "page size beyond 4 GiB" },
	{ "@X/0x00000000/65536*65536Kg", "segment size beyond 4 GiB" },
	{ "@X/0x08000000/2*99999999999g", "page size too large" },
	{ "@X/0x08000000/99999999999*1Kg", "page count too large" },
	{ "@X/0xFFFF0000/2*64Kg", "passes the end of the 4 GiB" },
	{ "@X/0xFFFF0000/1*64Kg,1*1Kg", "passes the end of the 4 GiB" },
	{ "@X/0xF0000000/257*1Mg", "passes the end of the 4 GiB" },
	{ "@X/0xF0000000/128*1Mg,129*1Mg", "passes the end of the 4 GiB" },
	{ "@X/0x08000000/4*1Kg/0x08000800/1*1Kg", "regions overlap at 0x08000800" },
	{ "@X/0x08000000/4*1Kg/0x08000000/1*1Kg", "regions overlap at 0x08000000" },
	{ "Internal Flash/0x08000000/4*1Kg", "does not start with '@'" },
	{ "", "does not start with '@'" },
	{ "@Internal Flash", "no '/' after the name" },
	{ "@X/", "region address (0x...) expected" },
	{ "@X/08000000/1*1Kg", "region address (0x...) expected" },
	{ "@X/0x/1*1Kg", "bad region address" },
	{ "@X/0x08G00000/1*1Kg", "'/' expected after the region address" },
	{ "@X/0x123456789/1*1Kg", "region address beyond 32 bits" },
	{ "@X/0x08000000", "'/' expected after the region address" },
	{ "@X/0x08000000/", "page count missing" },
	{ "@X/0x08000000/1*1Kg,", "page count missing" },
	{ "@X/0x08000000/1*1Kg,,1*1Kg", "page count expected" },
	{ "@X/0x08000000/4x1Kg", "'*' expected" },
	{ "@X/0x08000000/4*Kg", "page size expected" },
	{ "@X/0x08000000/4*1K", "bad size unit or type letter" },
	{ "@X/0x08000000/4*1Kz", "bad size unit or type letter" },
	{ "@X/0x08000000/4*1Kgg", "bad size unit or type letter" },
	{ "@X/0x08000000/4*1Xg", "bad size unit or type letter" },
	{ "@X/0x08000000/4*1Kh", "bad size unit or type letter" },
	{ "@X/0x08000000/4*1Kg;", "bad size unit or type letter" },
	{ "@X/0x08000000/4*1Kg x", "unexpected 'x'" },
	{ "@X/0x08000000/4*1Kg//", "region address (0x...) expected" },
	{ "@X/0x08000000/-4*1Kg", "page count expected" },
};

static void test_bad_maps(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_rows) / sizeof(bad_rows[0]); i++) {
		const struct bad_row *row = &bad_rows[i];
		struct dfuse_map m;
		char err[512] = "";
		char quoted[300];
		int rc;

		memset(&m, 0x5a, sizeof(m));
		rc = dfuse_map_parse(row->s, &m, err, sizeof(err));
		if (rc != DFU_E_PROTOCOL || !strstr(err, row->reason))
			print_error("row %zu '%s': rc %d, '%s'\n", i, row->s, rc, err);
		assert_int_equal(rc, DFU_E_PROTOCOL);
		/* The message names the string and says what is wrong. */
		snprintf(quoted, sizeof(quoted), "memory map '%s': ", row->s);
		assert_non_null(strstr(err, quoted));
		assert_non_null(strstr(err, row->reason));
		/* Nothing half parsed is left to act on. */
		assert_int_equal(m.n_segments, 0);
	}
}

static void test_too_many_segments(void **state)
{
	char s[1024], err[2048];
	struct dfuse_map m;
	int i, n;

	(void)state;
	n = snprintf(s, sizeof(s), "@Many/0x08000000/");
	for (i = 0; i < DFUSE_MAP_MAX_SEGMENTS; i++)
		n += snprintf(s + n, sizeof(s) - (size_t)n, "%s1*1Kg", i ? "," : "");
	assert_int_equal(dfuse_map_parse(s, &m, err, sizeof(err)), 0);
	assert_int_equal(m.n_segments, DFUSE_MAP_MAX_SEGMENTS);
	snprintf(s + n, sizeof(s) - (size_t)n, ",1*1Kg");
	assert_int_equal(dfuse_map_parse(s, &m, err, sizeof(err)), DFU_E_PROTOCOL);
	assert_non_null(strstr(err, "more than 64 segments"));
}

/* A tiny error buffer is cut, never overrun; NULL is allowed. */
static void test_small_error_buffer(void **state)
{
	struct dfuse_map m;
	char err[8];

	(void)state;
	memset(err, 'x', sizeof(err));
	assert_int_equal(dfuse_map_parse("@X/0x0/0*1Kg", &m, err, 5), DFU_E_PROTOCOL);
	assert_int_equal(err[4], '\0');
	assert_int_equal(err[5], 'x');
	assert_int_equal(dfuse_map_parse("@X/0x0/0*1Kg", &m, NULL, 0), DFU_E_PROTOCOL);
	assert_int_equal(dfuse_map_parse(NULL, &m, err, sizeof(err)), DFU_E_PROTOCOL);
}

static void test_long_name_is_cut(void **state)
{
	char s[400], err[600];
	struct dfuse_map m;

	(void)state;
	memset(s, 'N', sizeof(s));
	s[0] = '@';
	strcpy(s + 300, "/0x08000000/1*1Kg");
	assert_int_equal(dfuse_map_parse(s, &m, err, sizeof(err)), 0);
	assert_int_equal(strlen(m.name), DFUSE_MAP_NAME_MAX - 1);
	assert_int_equal(m.n_segments, 1);
}

/* ------------------------------------------------------------ lookups */

static void parse_ok(const char *s, struct dfuse_map *m)
{
	char err[256];

	assert_int_equal(dfuse_map_parse(s, m, err, sizeof(err)), 0);
}

static void test_find(void **state)
{
	struct dfuse_map m;
	const struct dfuse_segment *seg;

	(void)state;
	parse_ok("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg", &m);
	assert_ptr_equal(dfuse_map_find(&m, 0x08000000), &m.seg[0]);
	assert_ptr_equal(dfuse_map_find(&m, 0x0800FFFF), &m.seg[0]);
	assert_ptr_equal(dfuse_map_find(&m, 0x08010000), &m.seg[1]);
	assert_ptr_equal(dfuse_map_find(&m, 0x0801FFFF), &m.seg[1]);
	assert_ptr_equal(dfuse_map_find(&m, 0x08020000), &m.seg[2]);
	assert_ptr_equal(dfuse_map_find(&m, 0x080FFFFF), &m.seg[2]);
	assert_null(dfuse_map_find(&m, 0x07FFFFFF));
	assert_null(dfuse_map_find(&m, 0x08100000));
	assert_null(dfuse_map_find(&m, 0));
	assert_null(dfuse_map_find(&m, 0xFFFFFFFF));

	parse_ok("@Mixed/0x20000000/4*1Kg/0x08000000/2*1Ka,2*1Kd", &m);
	assert_null(dfuse_map_find(&m, 0x08001000));	/* in the gap */
	assert_null(dfuse_map_find(&m, 0x1FFFFFFF));
	seg = dfuse_map_find(&m, 0x20000FFF);
	assert_non_null(seg);
	assert_int_equal(seg->start, 0x20000000);

	parse_ok("@Top/0xFFFF0000/1*64Kg", &m);
	assert_ptr_equal(dfuse_map_find(&m, 0xFFFFFFFF), &m.seg[0]);
	assert_null(dfuse_map_find(&m, 0xFFFEFFFF));
}

static void test_rights_and_pages(void **state)
{
	struct dfuse_map m;

	(void)state;
	parse_ok("@Internal Flash  /0x08000000/12*001Ka,116*001Kg", &m);
	assert_true(dfuse_segment_can(&m.seg[0], DFUSE_READABLE));
	assert_false(dfuse_segment_can(&m.seg[0], DFUSE_WRITABLE));
	assert_false(dfuse_segment_can(&m.seg[0], DFUSE_ERASABLE));
	assert_false(dfuse_segment_can(&m.seg[0], DFUSE_READABLE | DFUSE_WRITABLE));
	assert_true(dfuse_segment_can(&m.seg[1],
				      DFUSE_READABLE | DFUSE_ERASABLE | DFUSE_WRITABLE));
	assert_int_equal(dfuse_segment_page_start(&m.seg[1], 0x0800792C), 0x08007800);
	assert_int_equal(dfuse_segment_page_start(&m.seg[1], 0x08007800), 0x08007800);
	assert_int_equal(dfuse_segment_page_start(&m.seg[1], 0x08007BFF), 0x08007800);
}

static void test_odd_pages(void **state)
{
	struct dfuse_map m;

	(void)state;
	/* Pages count from the segment start, not from address 0. */
	parse_ok("@Odd/0x00000100/3*48 g", &m);
	assert_int_equal(dfuse_segment_page_start(&m.seg[0], 0x100), 0x100);
	assert_int_equal(dfuse_segment_page_start(&m.seg[0], 0x12F), 0x100);
	assert_int_equal(dfuse_segment_page_start(&m.seg[0], 0x130), 0x130);
	assert_int_equal(dfuse_segment_page_start(&m.seg[0], 0x16F), 0x160);
	parse_ok("@F4/0x08000000/04*016Kg,01*064Kg,07*128Kg", &m);
	assert_int_equal(dfuse_segment_page_start(&m.seg[2], 0x08050000), 0x08040000);
}

static void test_readable_end(void **state)
{
	struct dfuse_map m;

	(void)state;
	/* read-only and writable pages are both readable: one run */
	parse_ok("@Internal Flash  /0x08000000/12*001Ka,116*001Kg", &m);
	assert_int_equal(dfuse_map_readable_end(&m, 0x08000000), 0x08020000);
	assert_int_equal(dfuse_map_readable_end(&m, 0x0800C000), 0x08020000);
	assert_int_equal(dfuse_map_readable_end(&m, 0x08020000), 0);
	/* a write-only segment and a gap both end the run */
	parse_ok("@Mixed/0x20000000/4*1Kg/0x08000000/2*1Ka,2*1Kd/0x08001000/1*1Ka", &m);
	assert_int_equal(dfuse_map_readable_end(&m, 0x08000000), 0x08000800);
	assert_int_equal(dfuse_map_readable_end(&m, 0x08000800), 0);
	assert_int_equal(dfuse_map_readable_end(&m, 0x08001000), 0x08001400);
	assert_int_equal(dfuse_map_readable_end(&m, 0x20000010), 0x20001000);
	/* the end of the address space, which needs 33 bits */
	parse_ok("@Top/0xFFFF0000/1*32Kg,1*32Kg", &m);
	assert_int_equal(dfuse_map_readable_end(&m, 0xFFFF0000), (uint64_t)1 << 32);
}

/* ------------------------------------------------------------ printing */

static void test_format(void **state)
{
	struct dfuse_map m;
	char line[160], size[32];

	(void)state;
	parse_ok("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg", &m);
	dfuse_segment_format(&m.seg[0], line, sizeof(line));
	assert_string_equal(line,
		"0x08000000-0x0800FFFF  4 pages of 16 KiB  readable, erasable, writable");
	dfuse_segment_format(&m.seg[1], line, sizeof(line));
	assert_string_equal(line,
		"0x08010000-0x0801FFFF  1 page of 64 KiB  readable, erasable, writable");
	parse_ok("@Option Bytes  /0x1FFFC000/01*016 e", &m);
	dfuse_segment_format(&m.seg[0], line, sizeof(line));
	assert_string_equal(line, "0x1FFFC000-0x1FFFC00F  1 page of 16 bytes  readable, writable");
	parse_ok("@X/0x90000000/2*1Mb", &m);
	dfuse_segment_format(&m.seg[0], line, sizeof(line));
	assert_string_equal(line, "0x90000000-0x901FFFFF  2 pages of 1 MiB  erasable");
	dfuse_format_size(1, size, sizeof(size));
	assert_string_equal(size, "1 byte");
	dfuse_format_size(1536, size, sizeof(size));
	assert_string_equal(size, "1536 bytes");
	dfuse_format_size(3 * 1024 * 1024 + 1024, size, sizeof(size));
	assert_string_equal(size, "3073 KiB");
}

static void test_print(void **state)
{
	const char *out;
	struct dfuse_map m;

	(void)state;
	parse_ok("@Internal Flash  /0x08000000/12*001Ka,116*001Kg", &m);
	capture_begin();
	dfuse_map_print(&m, "    ");
	capture_end();
	out = capture_out();
	assert_string_equal(out,
		"    memory map \"Internal Flash\":\n"
		"      0x08000000-0x08002FFF  12 pages of 1 KiB  readable\n"
		"      0x08003000-0x0801FFFF  116 pages of 1 KiB  readable, erasable, writable\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_maps),
		cmocka_unit_test(test_bad_maps),
		cmocka_unit_test(test_too_many_segments),
		cmocka_unit_test(test_small_error_buffer),
		cmocka_unit_test(test_long_name_is_cut),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_rights_and_pages),
		cmocka_unit_test(test_odd_pages),
		cmocka_unit_test(test_readable_end),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
