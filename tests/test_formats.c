/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * Unit tests for the address-bearing firmware readers: ELF (elf.c), UF2
 * (uf2.c) and the detection and conversion to a DfuSe element list
 * (fwimage.c).  The inputs are laid out here field by field from the ELF
 * and UF2 specifications; tests/formats.sh adds files made by binutils.
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
#include "elf.h"
#include "errors.h"
#include "fwimage.h"
#include "log.h"
#include "uf2.h"

/* ---------------------------------------------------------------- ELF writer */

struct t_phdr {
	uint32_t type;
	uint64_t paddr, filesz, memsz;
	unsigned char fill;	/* the segment's file bytes */
};

static void put(unsigned char *p, uint64_t v, int n, int big)
{
	int i;

	for (i = 0; i < n; i++)
		p[big ? n - 1 - i : i] = (unsigned char)(v >> (8 * i));
}

/*
 * An ELF file: header, program headers, then each segment's bytes (fill)
 * in order.  Returns the length; buf must hold 4096 bytes.
 */
static size_t mkelf(unsigned char *buf, int is64, int big, const struct t_phdr *ph, int n)
{
	size_t eh = is64 ? 64 : 52, pe = is64 ? 56 : 32, off = eh + pe * (size_t)n;
	int i;

	memset(buf, 0, 4096);
	memcpy(buf, "\x7f" "ELF", 4);
	buf[4] = is64 ? 2 : 1;
	buf[5] = big ? 2 : 1;
	buf[6] = 1;
	put(buf + 16, 2, 2, big);	/* ET_EXEC */
	put(buf + 18, 40, 2, big);	/* EM_ARM, not looked at */
	put(buf + 20, 1, 4, big);
	if (is64) {
		put(buf + 24, 0x08000101, 8, big);
		put(buf + 32, eh, 8, big);
		put(buf + 52, eh, 2, big);
		put(buf + 54, pe, 2, big);
		put(buf + 56, (uint64_t)n, 2, big);
	} else {
		put(buf + 24, 0x08000101, 4, big);
		put(buf + 28, eh, 4, big);
		put(buf + 40, eh, 2, big);
		put(buf + 42, pe, 2, big);
		put(buf + 44, (uint64_t)n, 2, big);
	}
	for (i = 0; i < n; i++) {
		unsigned char *p = buf + eh + pe * (size_t)i;

		put(p, ph[i].type, 4, big);
		if (is64) {
			put(p + 8, off, 8, big);
			put(p + 16, ph[i].paddr + 0x10000000, 8, big);	/* vaddr: never used */
			put(p + 24, ph[i].paddr, 8, big);
			put(p + 32, ph[i].filesz, 8, big);
			put(p + 40, ph[i].memsz, 8, big);
		} else {
			put(p + 4, off, 4, big);
			put(p + 8, ph[i].paddr + 0x10000000, 4, big);
			put(p + 12, ph[i].paddr, 4, big);
			put(p + 16, ph[i].filesz, 4, big);
			put(p + 20, ph[i].memsz, 4, big);
		}
		if (ph[i].filesz <= 1024) {
			memset(buf + off, ph[i].fill, (size_t)ph[i].filesz);
			off += (size_t)ph[i].filesz;
		}
	}
	return off;
}

static const struct t_phdr two_loads[] = {
	{ 1, 0x08000000, 100, 100, 0x11 },
	{ 4, 0, 8, 8, 0xee },			/* PT_NOTE: not loaded */
	{ 1, 0x08000400, 20, 64, 0x22 },	/* initialised data and its .bss tail */
	{ 1, 0x20000000, 0, 256, 0 },		/* .bss alone */
};

static void check_two_loads(const unsigned char *buf, size_t len)
{
	struct ihex_image img;

	assert_int_equal(elf_parse(buf, len, "t.elf", &img), 0);
	assert_int_equal(img.n_segments, 2);
	assert_int_equal(img.segments[0].address, 0x08000000);
	assert_int_equal(img.segments[0].size, 100);
	assert_int_equal(img.segments[0].data[0], 0x11);
	assert_int_equal(img.segments[0].data[99], 0x11);
	assert_int_equal(img.segments[1].address, 0x08000400);
	assert_int_equal(img.segments[1].size, 20);	/* p_filesz, not p_memsz */
	assert_int_equal(img.segments[1].data[19], 0x22);
	assert_true(img.has_start);
	assert_int_equal(img.start, 0x08000101);
	ihex_free(&img);
}

static void test_elf_every_class_and_order(void **state)
{
	unsigned char buf[4096];
	int is64, big;

	(void)state;
	for (is64 = 0; is64 <= 1; is64++)
		for (big = 0; big <= 1; big++) {
			size_t n = mkelf(buf, is64, big, two_loads, 4);

			assert_true(elf_is_elf(buf, n));
			check_two_loads(buf, n);
			assert_int_equal(fwimage_detect(buf, n), FWIMAGE_ELF);
		}
}

static void test_elf_touching_segments_join(void **state)
{
	static const struct t_phdr ph[] = {
		{ 1, 0x08000010, 16, 16, 0xbb },
		{ 1, 0x08000000, 16, 16, 0xaa },
	};
	unsigned char buf[4096];
	struct ihex_image img;
	size_t n = mkelf(buf, 0, 0, ph, 2);

	(void)state;
	assert_int_equal(elf_parse(buf, n, "t.elf", &img), 0);
	assert_int_equal(img.n_segments, 1);
	assert_int_equal(img.segments[0].address, 0x08000000);
	assert_int_equal(img.segments[0].size, 32);
	assert_int_equal(img.segments[0].data[15], 0xaa);
	assert_int_equal(img.segments[0].data[16], 0xbb);
	ihex_free(&img);
}

static void expect_elf_refused(const unsigned char *buf, size_t n)
{
	struct ihex_image img;

	memset(&img, 0x5a, sizeof(img));
	assert_int_equal(elf_parse(buf, n, "t.elf", &img), DFU_E_DATA);
	assert_int_equal(img.n_segments, 0);
	assert_null(img.segments);
}

static void test_elf_refusals(void **state)
{
	static const struct t_phdr overlap[] = {
		{ 1, 0x08000000, 32, 32, 1 },
		{ 1, 0x08000010, 32, 32, 2 },
	};
	static const struct t_phdr filesz_big[] = { { 1, 0x08000000, 32, 16, 1 } };
	static const struct t_phdr bss_only[] = { { 1, 0x20000000, 0, 64, 0 } };
	static const struct t_phdr past_4g[] = { { 1, 0xfffffff0, 32, 32, 1 } };
	static const struct t_phdr past_4g_64[] = { { 1, UINT64_C(0x100000000), 16, 16, 1 } };
	static const struct t_phdr huge[] = { { 1, 0x08000000, 4000, 4000, 1 } };
	unsigned char buf[4096];
	size_t n;

	(void)state;
	expect_elf_refused(buf, mkelf(buf, 0, 0, overlap, 2));
	expect_elf_refused(buf, mkelf(buf, 0, 0, filesz_big, 1));
	expect_elf_refused(buf, mkelf(buf, 1, 1, bss_only, 1));
	expect_elf_refused(buf, mkelf(buf, 0, 0, past_4g, 1));
	expect_elf_refused(buf, mkelf(buf, 1, 0, past_4g_64, 1));
	/* The segment's bytes are past the end of the file. */
	expect_elf_refused(buf, mkelf(buf, 0, 0, huge, 1));
	n = mkelf(buf, 0, 0, two_loads, 4);
	expect_elf_refused(buf, n - 1);		/* the last segment cut short */
	expect_elf_refused(buf, 40);		/* the header cut short */
	expect_elf_refused(buf, 52 + 40);	/* the program header table cut short */
	buf[1] = 'L';
	expect_elf_refused(buf, n);		/* no magic (elf_parse called directly) */
	n = mkelf(buf, 0, 0, two_loads, 4);
	buf[4] = 3;
	expect_elf_refused(buf, n);		/* unknown class */
	n = mkelf(buf, 0, 0, two_loads, 4);
	buf[5] = 0;
	expect_elf_refused(buf, n);		/* unknown byte order */
	n = mkelf(buf, 0, 0, two_loads, 4);
	put(buf + 44, 0, 2, 0);
	expect_elf_refused(buf, n);		/* no program headers */
	n = mkelf(buf, 0, 0, two_loads, 4);
	put(buf + 42, 16, 2, 0);
	expect_elf_refused(buf, n);		/* entries too small */
	n = mkelf(buf, 0, 0, two_loads, 4);
	put(buf + 44, 0xffff, 2, 0);
	expect_elf_refused(buf, n);		/* PN_XNUM */
}

/* ---------------------------------------------------------------- UF2 writer */

struct t_block {
	uint32_t flags, addr, size, no, total, family;
	unsigned char fill;
};

static size_t mkuf2(unsigned char *buf, const struct t_block *b, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		unsigned char *p = buf + (size_t)i * UF2_BLOCK_SIZE;

		memset(p, 0, UF2_BLOCK_SIZE);
		put(p, UF2_MAGIC_START0, 4, 0);
		put(p + 4, UF2_MAGIC_START1, 4, 0);
		put(p + 8, b[i].flags, 4, 0);
		put(p + 12, b[i].addr, 4, 0);
		put(p + 16, b[i].size, 4, 0);
		put(p + 20, b[i].no, 4, 0);
		put(p + 24, b[i].total, 4, 0);
		put(p + 28, b[i].family, 4, 0);
		memset(p + 32, b[i].fill, b[i].size <= 476 ? b[i].size : 476);
		put(p + 508, UF2_MAGIC_END, 4, 0);
	}
	return (size_t)n * UF2_BLOCK_SIZE;
}

#define FAM UF2_FLAG_FAMILY_ID
#define F4 0x57755a57u

static void test_uf2_blocks(void **state)
{
	static const struct t_block b[] = {
		{ FAM, 0x08000000, 256, 0, 4, F4, 0x11 },
		{ UF2_FLAG_NOT_MAIN_FLASH, 0x08000000, 256, 1, 4, 0, 0xaa },
		{ FAM, 0x08000100, 256, 2, 4, F4, 0x22 },
		{ FAM, 0x08001000, 476, 3, 4, F4, 0x33 },
	};
	unsigned char buf[8 * UF2_BLOCK_SIZE];
	struct ihex_image img;
	struct uf2_info info;
	size_t n = mkuf2(buf, b, 4);

	(void)state;
	assert_true(uf2_is_uf2(buf, n));
	assert_int_equal(fwimage_detect(buf, n), FWIMAGE_UF2);
	assert_int_equal(uf2_parse(buf, n, "t.uf2", &info, &img), 0);
	assert_int_equal(info.n_blocks, 4);
	assert_int_equal(info.n_skipped, 1);
	assert_true(info.has_family);
	assert_int_equal(info.family, F4);
	assert_string_equal(uf2_family_name(info.family), "STM32F4");
	assert_int_equal(img.n_segments, 2);
	assert_int_equal(img.segments[0].address, 0x08000000);
	assert_int_equal(img.segments[0].size, 512);
	assert_int_equal(img.segments[0].data[0], 0x11);	/* not the skipped 0xaa */
	assert_int_equal(img.segments[0].data[511], 0x22);
	assert_int_equal(img.segments[1].address, 0x08001000);
	assert_int_equal(img.segments[1].size, 476);
	ihex_free(&img);
}

static void test_uf2_concatenated_runs(void **state)
{
	static const struct t_block b[] = {
		{ 0, 0x08000000, 16, 0, 2, 0, 1 },
		{ 0, 0x08000010, 16, 1, 2, 0, 2 },
		{ 0, 0x08000100, 16, 0, 1, 0, 3 },
	};
	unsigned char buf[8 * UF2_BLOCK_SIZE];
	struct ihex_image img;
	struct uf2_info info;
	size_t n = mkuf2(buf, b, 3);

	(void)state;
	assert_int_equal(uf2_parse(buf, n, "t.uf2", &info, &img), 0);
	assert_false(info.has_family);
	assert_int_equal(img.n_segments, 2);
	assert_int_equal(img.segments[0].size, 32);
	ihex_free(&img);
}

static void expect_uf2_refused(const struct t_block *b, int nb, size_t cut)
{
	unsigned char buf[8 * UF2_BLOCK_SIZE];
	struct ihex_image img;
	struct uf2_info info;
	size_t n = mkuf2(buf, b, nb);

	memset(&img, 0x5a, sizeof(img));
	assert_int_equal(uf2_parse(buf, n - cut, "t.uf2", &info, &img), DFU_E_DATA);
	assert_int_equal(img.n_segments, 0);
	assert_null(img.segments);
}

static void test_uf2_refusals(void **state)
{
	static const struct t_block swapped[] = {
		{ 0, 0x08000000, 16, 0, 3, 0, 1 },
		{ 0, 0x08000020, 16, 2, 3, 0, 1 },
		{ 0, 0x08000010, 16, 1, 3, 0, 1 },
	};
	static const struct t_block total_changes[] = {
		{ 0, 0x08000000, 16, 0, 2, 0, 1 },
		{ 0, 0x08000010, 16, 1, 3, 0, 1 },
	};
	static const struct t_block short_run[] = {
		{ 0, 0x08000000, 16, 0, 3, 0, 1 },
		{ 0, 0x08000010, 16, 1, 3, 0, 1 },
	};
	static const struct t_block no_past_total[] = { { 0, 0x08000000, 16, 1, 1, 0, 1 } };
	static const struct t_block zero_total[] = { { 0, 0x08000000, 16, 0, 0, 0, 1 } };
	static const struct t_block container[] = { { UF2_FLAG_FILE_CONTAINER, 0, 16, 0, 1, 0, 1 } };
	static const struct t_block too_big[] = { { 0, 0x08000000, 477, 0, 1, 0, 1 } };
	static const struct t_block families[] = {
		{ FAM, 0x08000000, 16, 0, 2, F4, 1 },
		{ FAM, 0x08000010, 16, 1, 2, 0xe48bff56u, 1 },
	};
	static const struct t_block overlap[] = {
		{ 0, 0x08000000, 16, 0, 2, 0, 1 },
		{ 0, 0x08000008, 16, 1, 2, 0, 1 },
	};
	static const struct t_block all_skipped[] = {
		{ UF2_FLAG_NOT_MAIN_FLASH, 0x08000000, 16, 0, 1, 0, 1 },
	};
	static const struct t_block past_4g[] = { { 0, 0xfffffff8, 16, 0, 1, 0, 1 } };
	static const struct t_block good[] = { { 0, 0x08000000, 16, 0, 1, 0, 1 } };
	unsigned char buf[2 * UF2_BLOCK_SIZE];
	struct ihex_image img;
	struct uf2_info info;
	size_t n;

	(void)state;
	expect_uf2_refused(swapped, 3, 0);
	expect_uf2_refused(total_changes, 2, 0);
	expect_uf2_refused(short_run, 2, 0);
	expect_uf2_refused(no_past_total, 1, 0);
	expect_uf2_refused(zero_total, 1, 0);
	expect_uf2_refused(container, 1, 0);
	expect_uf2_refused(too_big, 1, 0);
	expect_uf2_refused(families, 2, 0);
	expect_uf2_refused(overlap, 2, 0);
	expect_uf2_refused(all_skipped, 1, 0);
	expect_uf2_refused(past_4g, 1, 0);
	expect_uf2_refused(good, 1, 1);		/* a torn block */
	n = mkuf2(buf, good, 1);
	buf[508] ^= 1;
	assert_int_equal(uf2_parse(buf, n, "t.uf2", &info, &img), DFU_E_DATA);
	n = mkuf2(buf, good, 1);
	buf[4] ^= 1;
	assert_int_equal(uf2_parse(buf, n, "t.uf2", &info, &img), DFU_E_DATA);
	assert_int_equal(uf2_parse(buf, 0, "t.uf2", &info, &img), DFU_E_DATA);
	assert_null(uf2_family_name(0x12345678));
}

/* ---------------------------------------------------------------- detection */

static enum fwimage_format detect(const char *s)
{
	return fwimage_detect((const unsigned char *)s, strlen(s));
}

static void test_detect(void **state)
{
	static const unsigned char cortex_m[] = { 0x00, 0x10, 0x00, 0x20, 0x01, 0x01, 0x00, 0x08 };

	(void)state;
	assert_int_equal(detect(":00000001FF\n"), FWIMAGE_IHEX);
	assert_int_equal(detect(":00000001FF"), FWIMAGE_IHEX);
	assert_int_equal(detect("\r\n\n:020000040800F2\r\n:00000001FF\r\n"), FWIMAGE_IHEX);
	/* A bad record after a good first line is still HEX, so it is refused, not sent raw. */
	assert_int_equal(detect(":00000001FF\n:zz\n"), FWIMAGE_IHEX);
	assert_int_equal(detect("S00600004844521B\nS9030000FC\n"), FWIMAGE_SREC);
	assert_int_equal(detect("S9030000FC"), FWIMAGE_SREC);
	assert_int_equal(detect("S3150800C00084945F764B735F42246D960FDC40078DF0\n"), FWIMAGE_SREC);
	assert_int_equal(detect("DfuSe\x01"), FWIMAGE_DFUSE);
	/* Raw: binaries, text that only starts like a record, reserved S4. */
	assert_int_equal(fwimage_detect(cortex_m, sizeof(cortex_m)), FWIMAGE_RAW);
	assert_int_equal(detect(":0000"), FWIMAGE_RAW);
	assert_int_equal(detect(":00000001FF and more"), FWIMAGE_RAW);
	assert_int_equal(detect("S4030000FC\n"), FWIMAGE_RAW);
	assert_int_equal(detect("SA030000FC\n"), FWIMAGE_RAW);
	assert_int_equal(detect("Some text\n"), FWIMAGE_RAW);
	assert_int_equal(detect("\x7f" "EL"), FWIMAGE_RAW);
	assert_int_equal(detect(""), FWIMAGE_RAW);
	assert_int_equal(fwimage_detect((const unsigned char *)"UF2\n", 4), FWIMAGE_RAW);
	assert_string_equal(fwimage_format_name(FWIMAGE_UF2), "UF2");
	assert_string_equal(fwimage_format_name(FWIMAGE_SREC), "S-record");
}

/* ---------------------------------------------------------------- conversion */

static void test_fwimage_element_list(void **state)
{
	static const char hex[] = ":020000040800F2\n:04C000000102030432\n:00000001FF\n";
	unsigned char buf[4096];
	struct fwimage fw;
	size_t n = mkelf(buf, 0, 1, two_loads, 4);

	(void)state;
	assert_int_equal(fwimage_parse(buf, n, FWIMAGE_ELF, "t.elf", &fw), 0);
	assert_int_equal(fw.img.n_targets, 1);
	assert_string_equal(fw.img.format, "ELF");
	assert_int_equal(fw.img.targets[0].n_elements, 2);
	assert_int_equal(fw.img.targets[0].elements[1].address, 0x08000400);
	assert_int_equal(fw.img.targets[0].elements[1].size, 20);
	assert_int_equal(fw.img.targets[0].elements[1].data[0], 0x22);
	fwimage_free(&fw);
	fwimage_free(&fw);

	assert_int_equal(fwimage_parse((const unsigned char *)hex, strlen(hex), FWIMAGE_IHEX,
				       "t.hex", &fw), 0);
	assert_int_equal(fw.img.targets[0].n_elements, 1);
	assert_int_equal(fw.img.targets[0].elements[0].address, 0x0800c000);
	assert_int_equal(fw.img.targets[0].elements[0].size, 4);
	fwimage_free(&fw);

	/* A HEX file with an end record and nothing else holds no data. */
	assert_int_equal(fwimage_parse((const unsigned char *)":00000001FF\n", 12, FWIMAGE_IHEX,
				       "t.hex", &fw), DFU_E_DATA);
	assert_null(fw.img.targets);
	assert_int_equal(fwimage_parse(buf, n, FWIMAGE_RAW, "t.bin", &fw), DFU_E_DATA);
}

static void test_fwimage_and_s(void **state)
{
	static char hex[] = ":020000040800F2\n:04C000000102030432\n:00000001FF\n";
	static char raw[] = "raw bytes";
	struct dfuse_request with_addr, modifiers;
	struct dfu_file f;
	struct fwimage fw;

	(void)state;
	memset(&with_addr, 0, sizeof(with_addr));
	with_addr.has_address = 1;
	with_addr.address = 0x08000000;
	memset(&modifiers, 0, sizeof(modifiers));
	modifiers.leave = 1;
	memset(&f, 0, sizeof(f));
	f.name = "t.hex";
	f.data = (unsigned char *)hex;
	f.size = f.payload_size = strlen(hex);
	assert_int_equal(fwimage_from_file(&f, &with_addr, &fw), DFU_E_USAGE);
	assert_int_equal(fwimage_from_file(&f, &modifiers, &fw), 0);
	assert_int_equal(fw.format, FWIMAGE_IHEX);
	fwimage_free(&fw);
	assert_int_equal(fwimage_from_file(&f, NULL, &fw), 0);
	fwimage_free(&fw);
	/* A suffix is left out: here, cutting the payload short breaks the file. */
	f.payload_size = f.size - 13;
	assert_int_equal(fwimage_from_file(&f, NULL, &fw), DFU_E_DATA);

	f.name = "t.bin";
	f.data = (unsigned char *)raw;
	f.size = f.payload_size = strlen(raw);
	assert_int_equal(fwimage_from_file(&f, &modifiers, &fw), DFU_E_USAGE);
	assert_int_equal(fwimage_from_file(&f, &with_addr, &fw), 0);
	assert_int_equal(fw.format, FWIMAGE_RAW);
	assert_int_equal(fwimage_from_file(&f, NULL, &fw), 0);
	fwimage_free(&fw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_every_class_and_order),
		cmocka_unit_test(test_elf_touching_segments_join),
		cmocka_unit_test(test_elf_refusals),
		cmocka_unit_test(test_uf2_blocks),
		cmocka_unit_test(test_uf2_concatenated_runs),
		cmocka_unit_test(test_uf2_refusals),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_fwimage_element_list),
		cmocka_unit_test(test_fwimage_and_s),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
