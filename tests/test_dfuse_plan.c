/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * The -s parser from a table, and the DfuSe plans on the memory maps of
 * the STM32F4 ROM bootloader and the DSO Nano: pages erased exactly once,
 * the bytes around partial pages preserved, blocks numbered without a
 * wrap, and every refusal made before anything is planned.
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
#include "dfuse_map.h"
#include "dfuse_plan.h"
#include "dfuse_request.h"
#include "errors.h"
#include "log.h"

#define KIB 1024u

static const char F4_MAP[] = "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg";
static const char NANO_MAP[] = "@Internal Flash  /0x08000000/12*001Ka,116*001Kg";
static const char SPI_MAP[] = "@SPI Flash : M25P64/0x00000000/128*64Kg";

static void load_map(const char *s, struct dfuse_map *m)
{
	char err[256];

	assert_int_equal(dfuse_map_parse(s, m, err, sizeof(err)), 0);
}

/* ------------------------------------------------------------ -s accepted */

/*
 * Overriding a designated initializer of the expected struct is exactly
 * what the table means.
 */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Woverride-init"
#endif

struct addr_row {
	const char *text;
	struct dfuse_request want;
};

static const struct addr_row good_addr_rows[] = {
	/* the same address in the three notations of the strict parser */
	{ "0x0800C000", { .has_address = 1, .address = 0x0800C000 } },
	{ "01000140000", { .has_address = 1, .address = 0x0800C000 } },
	{ "134266880", { .has_address = 1, .address = 0x0800C000 } },
	{ "0x08004000", { .has_address = 1, .address = 0x08004000 } },
	{ "01000040000", { .has_address = 1, .address = 134234112 } },
	{ "134234112", { .has_address = 1, .address = 0x08004000 } },
	{ "0", { .has_address = 1, .address = 0 } },
	{ "0xFFFFFFFF", { .has_address = 1, .address = 0xFFFFFFFF } },
	{ "", { .has_address = 0 } },
	{ "default", { .has_address = 0 } },
	{ "default:leave", { .leave = 1 } },
	{ ":mass-erase:force", { .mass_erase = 1, .force = 1 } },
	{ ":force:mass-erase", { .mass_erase = 1, .force = 1 } },
	{ ":unprotect:force", { .unprotect = 1, .force = 1 } },
	{ ":leave", { .leave = 1 } },
	{ "0x08000000:leave", { .has_address = 1, .address = 0x08000000, .leave = 1 } },
	{ "0x08000000:1024", { .has_address = 1, .address = 0x08000000,
			       .has_length = 1, .length = 1024 } },
	{ "0x08000000:0x400", { .has_address = 1, .address = 0x08000000,
				.has_length = 1, .length = 1024 } },
	{ "0x08000000:02000", { .has_address = 1, .address = 0x08000000,
				.has_length = 1, .length = 1024 } },
	{ "0xFFFFFC00:1024", { .has_address = 1, .address = 0xFFFFFC00,
			       .has_length = 1, .length = 1024 } },
	{ ":4096", { .has_length = 1, .length = 4096 } },
	{ "0x1FFFC000:will-reset", { .has_address = 1, .address = 0x1FFFC000, .will_reset = 1 } },
	{ "0x08000000:no-preserve", { .has_address = 1, .address = 0x08000000,
				      .no_preserve = 1 } },
	{ "0x08000000:set-address-every-block", { .has_address = 1, .address = 0x08000000,
						  .set_address_every_block = 1 } },
	{ "0x08000000:leave:force:no-preserve:set-address-every-block:will-reset:512",
	  { .has_address = 1, .address = 0x08000000, .leave = 1, .force = 1, .no_preserve = 1,
	    .set_address_every_block = 1, .will_reset = 1, .has_length = 1, .length = 512 } },
	{ "0x08000000:force", { .has_address = 1, .address = 0x08000000, .force = 1 } },
	/* 0 is no length (to the end of the region), as in the classic tool. */
	{ "0x08000000:0", { .has_address = 1, .address = 0x08000000 } },
	{ "0x08000000:0x0", { .has_address = 1, .address = 0x08000000 } },
	/* Upstream's fast-path names: accepted, no effect. */
	{ "0x08000000:fast", { .has_address = 1, .address = 0x08000000 } },
	{ "0x08000000:fastdfuse:leave", { .has_address = 1, .address = 0x08000000, .leave = 1 } },
	{ "0x08000000:leave:fast:fastdfuse:1024", { .has_address = 1, .address = 0x08000000,
						   .leave = 1, .has_length = 1, .length = 1024 } },
};

static void test_address_accepted(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good_addr_rows) / sizeof(good_addr_rows[0]); i++) {
		const struct addr_row *row = &good_addr_rows[i];
		struct dfuse_request got;
		int rc;

		memset(&got, 0x5a, sizeof(got));
		rc = dfuse_parse_address(row->text, &got);
		if (rc)
			print_error("row %zu '%s' refused\n", i, row->text);
		assert_int_equal(rc, 0);
		assert_int_equal(got.has_address, row->want.has_address);
		assert_int_equal(got.address, row->want.address);
		assert_int_equal(got.has_length, row->want.has_length);
		assert_int_equal(got.length, row->want.length);
		assert_int_equal(got.leave, row->want.leave);
		assert_int_equal(got.unprotect, row->want.unprotect);
		assert_int_equal(got.mass_erase, row->want.mass_erase);
		assert_int_equal(got.will_reset, row->want.will_reset);
		assert_int_equal(got.force, row->want.force);
		assert_int_equal(got.no_preserve, row->want.no_preserve);
		assert_int_equal(got.set_address_every_block, row->want.set_address_every_block);
	}
}

/* ------------------------------------------------------------ -s refused */

struct bad_addr_row {
	const char *text;
	const char *message;	/* the error line after "error: " */
	const char *hint;	/* a piece of the hint, or NULL */
};

static const struct bad_addr_row bad_addr_rows[] = {
	{ "0x", "invalid DfuSe address '0x': '0x' is not a 32-bit number", "0x hex" },
	{ "0x0800G000", "invalid DfuSe address '0x0800G000': '0x0800G000' is not a 32-bit number",
	  NULL },
	/* the forum thread: a leading 0 is octal, 8 is not an octal digit */
	{ "08004000", "invalid DfuSe address '08004000': '08004000' is not a 32-bit number",
	  "write 0x8004000 for hex" },
	{ "0x100000000", "invalid DfuSe address '0x100000000': '0x100000000' is not a 32-bit number",
	  NULL },
	{ "-1", "invalid DfuSe address '-1': '-1' is not a 32-bit number", NULL },
	{ " 0x08000000", "invalid DfuSe address ' 0x08000000': ' 0x08000000' is not a 32-bit number",
	  NULL },
	{ "0x08000000 ", "invalid DfuSe address '0x08000000 ': '0x08000000 ' is not a 32-bit number",
	  NULL },
	{ "Default", "invalid DfuSe address 'Default': 'Default' is not a 32-bit number", NULL },
	/* no prefix matching: the old tool read past the end of "l" */
	{ "0x08000000:l", "invalid DfuSe address '0x08000000:l': unknown modifier 'l'",
	  "valid modifiers: leave, unprotect, mass-erase, will-reset, force, no-preserve, "
	  "set-address-every-block, or a number (the upload length)" },
	{ "0x08000000:lea", "invalid DfuSe address '0x08000000:lea': unknown modifier 'lea'",
	  "valid modifiers" },
	{ "0x08000000:leaves", "invalid DfuSe address '0x08000000:leaves': unknown modifier 'leaves'",
	  "valid modifiers" },
	{ "0x08000000:LEAVE", "invalid DfuSe address '0x08000000:LEAVE': unknown modifier 'LEAVE'",
	  "valid modifiers" },
	{ "0x08000000:leave ", "invalid DfuSe address '0x08000000:leave ': unknown modifier 'leave '",
	  "valid modifiers" },
	{ ":mass", "invalid DfuSe address ':mass': unknown modifier 'mass'", "valid modifiers" },
	{ "0x08000000::leave", "invalid DfuSe address '0x08000000::leave': empty modifier",
	  "single ':'" },
	{ "0x08000000:", "invalid DfuSe address '0x08000000:': empty modifier", "single ':'" },
	{ ":", "invalid DfuSe address ':': empty modifier", NULL },
	{ "0x08000000:leave:leave", "invalid DfuSe address '0x08000000:leave:leave': "
	  "'leave' given twice", NULL },
	{ "0x08000000:1024:2048", "invalid DfuSe address '0x08000000:1024:2048': "
	  "more than one length", NULL },
	{ "0x08000000:0x", "invalid DfuSe address '0x08000000:0x': upload length '0x' is not "
	  "a 32-bit number", ":1024" },
	{ "0x08000000:faster", "invalid DfuSe address '0x08000000:faster': unknown modifier 'faster'",
	  "valid modifiers" },
	{ "0x08000000:1k", "invalid DfuSe address '0x08000000:1k': upload length '1k' is not "
	  "a 32-bit number", NULL },
	{ "0x08000000:0x100000000", "invalid DfuSe address '0x08000000:0x100000000': upload length "
	  "'0x100000000' is not a 32-bit number", NULL },
	{ "0xFFFFFF00:0x200", "invalid DfuSe address '0xFFFFFF00:0x200': 512 bytes from 0xFFFFFF00 "
	  "pass the end of the 4 GiB address space", NULL },
	/* the destructive ones need force */
	{ ":mass-erase", "invalid DfuSe address ':mass-erase': mass-erase needs force",
	  ":mass-erase:force" },
	{ "0x08000000:mass-erase:leave", "invalid DfuSe address '0x08000000:mass-erase:leave': "
	  "mass-erase needs force", NULL },
	{ ":unprotect", "invalid DfuSe address ':unprotect': unprotect needs force",
	  ":unprotect:force" },
};

static void test_address_refused(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_addr_rows) / sizeof(bad_addr_rows[0]); i++) {
		const struct bad_addr_row *row = &bad_addr_rows[i];
		struct dfuse_request got;
		char line[512];
		const char *err;
		int rc;

		memset(&got, 0x5a, sizeof(got));
		capture_begin();
		rc = dfuse_parse_address(row->text, &got);
		capture_end();
		err = capture_all();
		if (rc != DFU_E_USAGE)
			print_error("row %zu '%s' accepted\n", i, row->text);
		assert_int_equal(rc, DFU_E_USAGE);
		snprintf(line, sizeof(line), "error: %s\n", row->message);
		if (!strstr(err, line))
			print_error("row %zu: got '%s'\n", i, err);
		assert_non_null(strstr(err, line));
		/* exactly one error line */
		assert_null(strstr(strstr(err, "error:") + 1, "error:"));
		if (row->hint)
			assert_non_null(strstr(err, row->hint));
		/* nothing half parsed */
		assert_int_equal(got.has_address, 0);
		assert_int_equal(got.leave, 0);
		assert_int_equal(got.force, 0);
	}
}

static void test_address_null(void **state)
{
	struct dfuse_request got;

	(void)state;
	assert_int_equal(dfuse_parse_address(NULL, &got), 0);
	assert_int_equal(got.has_address, 0);
}

/* ------------------------------------------------------------ plan helpers */

static struct dfuse_plan_options opts(uint32_t ts)
{
	struct dfuse_plan_options o;

	memset(&o, 0, sizeof(o));
	o.preserve = 1;
	o.transfer_size = ts;
	return o;
}

static unsigned char *pattern(size_t len, unsigned int seed)
{
	unsigned char *p = malloc(len ? len : 1);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < len; i++)
		p[i] = (unsigned char)((i * 7 + seed) % 251);	/* never 0xFF */
	return p;
}

static void assert_erase(const struct dfuse_plan *p, size_t i, uint32_t address, uint32_t size)
{
	assert_true(i < p->n_erases);
	assert_int_equal(p->erases[i].address, address);
	assert_int_equal(p->erases[i].size, size);
}

/* Erases sorted, unique; runs within the limits; blocks full but the last. */
static void assert_plan_sane(const struct dfuse_plan *p)
{
	size_t i;
	uint32_t b;
	uint64_t total = 0;

	for (i = 1; i < p->n_erases; i++)
		assert_true((uint64_t)p->erases[i - 1].address + p->erases[i - 1].size <=
			    p->erases[i].address);
	for (i = 0; i < p->n_runs; i++) {
		const struct dfuse_run *r = &p->runs[i];

		assert_true(r->n_blocks >= 1 && r->n_blocks <= DFUSE_MAX_BLOCKS_PER_RUN);
		for (b = 0; b < r->n_blocks; b++) {
			struct dfuse_block blk;

			dfuse_run_block(r, p->transfer_size, b, &blk);
			assert_int_equal(blk.number, b + 2);
			assert_int_equal(blk.address, r->address + b * p->transfer_size);
			if (b + 1 < r->n_blocks)
				assert_int_equal(blk.len, p->transfer_size);
			else
				assert_true(blk.len >= 1 && blk.len <= p->transfer_size);
			total += blk.len;
		}
		if (i > 0)
			assert_true((uint64_t)p->runs[i - 1].address + p->runs[i - 1].len <=
				    r->address);
		/* per-page order: a run never leaves its erased page */
		if (r->page != DFUSE_NO_PAGE) {
			assert_true(r->page < p->n_erases);
			assert_true(r->address >= p->erases[r->page].address);
			assert_true((uint64_t)r->address + r->len <=
				    (uint64_t)p->erases[r->page].address + p->erases[r->page].size);
		}
	}
	assert_int_equal(total, p->write_bytes);
}

/* ------------------------------------------------------------ DSO Nano */

static void test_nano_lib_and_app(void **state)
{
	struct dfuse_plan_options o = opts(1024);
	struct dfuse_map m;
	struct dfuse_plan p;
	unsigned char *lib = pattern(0x8000, 1), *app = pattern(50000, 2);
	struct dfuse_chunk c;
	struct dfuse_block blk;
	size_t i;

	(void)state;
	load_map(NANO_MAP, &m);

	/* LIB: 32 KiB at 0x08004000, whole pages, nothing to preserve */
	c = (struct dfuse_chunk){ 0x08004000, lib, 0x8000, NULL };
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.n_erases, 32);
	for (i = 0; i < 32; i++)
		assert_erase(&p, i, 0x08004000 + (uint32_t)i * KIB, KIB);
	assert_int_equal(p.n_reads, 0);
	assert_int_equal(p.n_warnings, 0);
	/* one run per page, each erased right before it is written */
	assert_int_equal(p.n_runs, 32);
	assert_int_equal(p.runs[0].address, 0x08004000);
	assert_int_equal(p.runs[0].len, KIB);
	assert_int_equal(p.runs[31].address, 0x0800BC00);
	assert_int_equal(p.runs[31].n_blocks, 1);
	assert_memory_equal(p.runs[0].data, lib, 0x8000);
	dfuse_plan_free(&p);

	/* APP: 50000 bytes at 0x0800C000, the last page partly covered */
	c = (struct dfuse_chunk){ 0x0800C000, app, 50000, NULL };
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.n_erases, 49);
	assert_erase(&p, 0, 0x0800C000, KIB);
	assert_erase(&p, 48, 0x08018000, KIB);
	assert_int_equal(p.n_reads, 1);
	assert_int_equal(p.reads[0].address, 0x0800C000 + 50000);
	assert_int_equal(p.reads[0].len, 49 * KIB - 50000);
	/* before the read-back: only the file, the last block short */
	assert_int_equal(p.n_runs, 49);
	assert_int_equal(p.runs[48].len, 50000 - 48 * KIB);
	assert_int_equal(p.runs[48].n_blocks, 1);
	dfuse_run_block(&p.runs[48], 1024, 0, &blk);
	assert_int_equal(blk.number, 2);
	assert_int_equal(blk.address, 0x08018000);
	assert_int_equal(blk.len, 50000 - 48 * 1024);
	assert_int_equal(p.preserved_bytes, 0);
	/* after it: the old tail of the page rides along in the last block */
	memset(p.reads[0].data, 0x11, p.reads[0].len);
	assert_int_equal(dfuse_plan_layout(&p), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.n_runs, 49);
	assert_int_equal(p.runs[48].len, KIB);
	assert_int_equal(p.write_bytes, 49 * KIB);
	assert_int_equal(p.preserved_bytes, 49 * KIB - 50000);
	assert_memory_equal(p.runs[0].data, app, 50000);
	assert_int_equal(p.runs[0].data[50000], 0x11);
	assert_int_equal(p.runs[0].data[49 * KIB - 1], 0x11);
	dfuse_plan_free(&p);
	free(lib);
	free(app);
}

/* 3000 bytes at 0x0800792C: both partial pages erased, neighbours kept. */
/* A map whose pages are huge would need the whole page read back: refused. */
static void test_huge_page_preserve(void **state)
{
	struct dfuse_plan_options o = opts(1024);
	struct dfuse_map m;
	struct dfuse_plan p;
	unsigned char *data = pattern(16, 9);
	struct dfuse_chunk c = { 0x08000000, data, 16, "element 1" };

	(void)state;
	load_map("@Huge/0x08000000/1*128Mg", &m);
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), DFU_E_DATA);
	/* With no-preserve nothing is read back, so the plan is fine. */
	o.preserve = 0;
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	assert_int_equal(p.n_reads, 0);
	assert_int_equal(p.n_erases, 1);
	dfuse_plan_free(&p);
	free(data);
}

static void test_nano_straddle(void **state)
{
	struct dfuse_plan_options o = opts(1024);
	struct dfuse_map m;
	struct dfuse_plan p;
	unsigned char *data = pattern(3000, 3);
	struct dfuse_chunk c = { 0x0800792C, data, 3000, "element 1" };

	(void)state;
	load_map(NANO_MAP, &m);
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.n_erases, 4);
	assert_erase(&p, 0, 0x08007800, KIB);
	assert_erase(&p, 1, 0x08007C00, KIB);
	assert_erase(&p, 2, 0x08008000, KIB);
	assert_erase(&p, 3, 0x08008400, KIB);
	assert_int_equal(p.erase_bytes, 4 * KIB);
	/* exactly the page bytes outside [0x0800792C, +3000) */
	assert_int_equal(p.n_reads, 2);
	assert_int_equal(p.reads[0].address, 0x08007800);
	assert_int_equal(p.reads[0].len, 0x12C);
	assert_int_equal(p.reads[1].address, 0x0800792C + 3000);
	assert_int_equal(p.reads[1].len, 0x08008800 - (0x0800792C + 3000));
	assert_int_equal(p.reads[0].len + 3000 + p.reads[1].len, 4 * KIB);
	assert_int_equal(p.n_warnings, 0);
	assert_int_equal(p.data_bytes, 3000);

	/* both neighbours hold data: the four whole pages, one run each */
	memset(p.reads[0].data, 0xA0, p.reads[0].len);
	memset(p.reads[1].data, 0xB0, p.reads[1].len);
	assert_int_equal(dfuse_plan_layout(&p), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.n_runs, 4);
	assert_int_equal(p.runs[0].address, 0x08007800);
	assert_int_equal(p.runs[3].address, 0x08008400);
	assert_int_equal(p.write_bytes, 4 * KIB);
	assert_int_equal(p.runs[0].n_blocks, 1);
	assert_int_equal(p.runs[0].data[0], 0xA0);
	assert_int_equal(p.runs[0].data[0x12B], 0xA0);
	assert_memory_equal(p.runs[0].data + 0x12C, data, 3000);
	assert_int_equal(p.runs[0].data[0x12C + 3000], 0xB0);
	assert_int_equal(p.runs[0].data[4 * KIB - 1], 0xB0);
	assert_int_equal(p.preserved_bytes, 4 * KIB - 3000);

	/* an erased (all 0xFF) head needs no rewrite: the run starts at the data */
	memset(p.reads[0].data, 0xFF, p.reads[0].len);
	assert_int_equal(dfuse_plan_layout(&p), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.n_runs, 4);
	assert_int_equal(p.runs[0].address, 0x0800792C);
	assert_int_equal(p.runs[0].len, 0x08007C00 - 0x0800792C);
	assert_int_equal(p.write_bytes, 3000 + p.reads[1].len);
	assert_int_equal(p.preserved_bytes, p.reads[1].len);

	/* one non-0xFF byte keeps the whole piece, for the page's alignment */
	p.reads[0].data[5] = 0;
	assert_int_equal(dfuse_plan_layout(&p), 0);
	assert_int_equal(p.runs[0].address, 0x08007800);
	dfuse_plan_free(&p);

	/* no-preserve: the same erases, nothing read */
	o.preserve = 0;
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	assert_int_equal(p.n_erases, 4);
	assert_int_equal(p.n_reads, 0);
	assert_int_equal(p.n_runs, 4);
	assert_int_equal(p.runs[0].address, 0x0800792C);
	assert_int_equal(p.write_bytes, 3000);
	dfuse_plan_free(&p);
	free(data);
}

/* A read that spans two pages is cut per page when deciding what to rewrite. */
static void test_read_across_pages(void **state)
{
	struct dfuse_plan_options o = opts(256);
	struct dfuse_map m;
	struct dfuse_plan p;
	unsigned char *a = pattern(0x100, 4), *b = pattern(0x100, 5);
	/* a ends inside page 0x08010000, b starts inside the next page */
	struct dfuse_chunk c[2] = {
		{ 0x08010000, a, 0x100, NULL },
		{ 0x08010700, b, 0x100, NULL },
	};

	(void)state;
	load_map(NANO_MAP, &m);
	assert_int_equal(dfuse_plan_build(&m, c, 2, &o, &p), 0);
	assert_int_equal(p.n_erases, 2);
	/* the gaps of both pages touch: one read */
	assert_int_equal(p.n_reads, 1);
	assert_int_equal(p.reads[0].address, 0x08010100);
	assert_int_equal(p.reads[0].len, 0x600);
	/* old data in the first page only: that piece is rewritten, not the second */
	memset(p.reads[0].data, 0x22, 0x300);
	assert_int_equal(dfuse_plan_layout(&p), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.preserved_bytes, 0x300);
	assert_int_equal(p.n_runs, 2);
	assert_int_equal(p.runs[0].address, 0x08010000);
	assert_int_equal(p.runs[0].len, 0x400);
	assert_memory_equal(p.runs[0].data, a, 0x100);
	assert_int_equal(p.runs[0].data[0x3FF], 0x22);
	assert_int_equal(p.runs[1].address, 0x08010700);
	assert_int_equal(p.runs[1].len, 0x100);
	/* and in the second page too: both pages whole, a run each */
	p.reads[0].data[0x5FF] = 0;
	assert_int_equal(dfuse_plan_layout(&p), 0);
	assert_int_equal(p.n_runs, 2);
	assert_int_equal(p.runs[1].address, 0x08010400);
	assert_int_equal(p.write_bytes, 0x800);
	assert_int_equal(p.preserved_bytes, 0x600);
	dfuse_plan_free(&p);
	free(a);
	free(b);
}

/* ------------------------------------------------------------ F4 */

static void test_f4_sector_sizes(void **state)
{
	struct dfuse_plan_options o = opts(2048);
	struct dfuse_map m;
	struct dfuse_plan p;
	unsigned char *data = pattern(0x8000, 6);
	struct dfuse_chunk c = { 0x0800C000, data, 0x8000, NULL };

	(void)state;
	load_map(F4_MAP, &m);
	/* from the last 16 KiB sector into the 64 KiB one: both, once */
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.n_erases, 2);
	assert_erase(&p, 0, 0x0800C000, 16 * KIB);
	assert_erase(&p, 1, 0x08010000, 64 * KIB);
	assert_int_equal(p.n_reads, 1);
	assert_int_equal(p.reads[0].address, 0x08014000);
	assert_int_equal(p.reads[0].len, 48 * KIB);
	assert_int_equal(p.n_runs, 2);
	assert_int_equal(p.runs[0].n_blocks, 8);
	assert_int_equal(p.runs[1].n_blocks, 8);
	dfuse_plan_free(&p);

	/* 1 MiB from the start: all 12 sectors, nothing to preserve */
	free(data);
	data = pattern(1024 * KIB, 7);
	c = (struct dfuse_chunk){ 0x08000000, data, 1024 * KIB, NULL };
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.n_erases, 12);
	assert_erase(&p, 3, 0x0800C000, 16 * KIB);
	assert_erase(&p, 4, 0x08010000, 64 * KIB);
	assert_erase(&p, 11, 0x080E0000, 128 * KIB);
	assert_int_equal(p.erase_bytes, 1024 * KIB);
	assert_int_equal(p.n_reads, 0);
	assert_int_equal(p.n_runs, 12);
	assert_int_equal(p.runs[11].n_blocks, 64);
	dfuse_plan_free(&p);
	free(data);
}

/* Two chunks in one page (given out of order): one erase, gaps preserved. */
static void test_two_chunks_one_page(void **state)
{
	struct dfuse_plan_options o = opts(1024);
	struct dfuse_map m;
	struct dfuse_plan p;
	unsigned char *a = pattern(100, 8), *b = pattern(100, 9);
	struct dfuse_chunk c[2] = {
		{ 0x08010200, b, 100, "element 2" },
		{ 0x08010000, a, 100, "element 1" },
	};

	(void)state;
	load_map(NANO_MAP, &m);
	assert_int_equal(dfuse_plan_build(&m, c, 2, &o, &p), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.n_erases, 1);
	assert_erase(&p, 0, 0x08010000, KIB);
	assert_int_equal(p.n_reads, 2);
	assert_int_equal(p.reads[0].address, 0x08010064);
	assert_int_equal(p.reads[0].len, 0x200 - 100);
	assert_int_equal(p.reads[1].address, 0x08010264);
	assert_int_equal(p.reads[1].len, 0x400 - 0x264);
	/* erased neighbours: two runs, one per chunk */
	assert_int_equal(p.n_runs, 2);
	assert_int_equal(p.runs[0].address, 0x08010000);
	assert_memory_equal(p.runs[0].data, a, 100);
	assert_int_equal(p.runs[1].address, 0x08010200);
	assert_memory_equal(p.runs[1].data, b, 100);
	/* a gap with data joins them into one */
	memset(p.reads[0].data, 0, p.reads[0].len);
	assert_int_equal(dfuse_plan_layout(&p), 0);
	assert_int_equal(p.n_runs, 1);
	assert_int_equal(p.runs[0].len, 0x264);
	assert_memory_equal(p.runs[0].data + 0x200, b, 100);
	dfuse_plan_free(&p);
	free(a);
	free(b);
}

/* A one-byte hole between chunks, and one at each end of a page. */
static void test_one_byte_gaps(void **state)
{
	struct dfuse_plan_options o = opts(1024);
	struct dfuse_map m;
	struct dfuse_plan p;
	unsigned char *data = pattern(0x400, 19);
	struct dfuse_chunk c[2] = {
		{ 0x08010001, data, 0x1FF, NULL },
		{ 0x08010201, data, 0x1FE, NULL },
	};

	(void)state;
	load_map(NANO_MAP, &m);
	assert_int_equal(dfuse_plan_build(&m, c, 2, &o, &p), 0);
	assert_int_equal(p.n_erases, 1);
	assert_int_equal(p.n_reads, 3);
	assert_int_equal(p.reads[0].address, 0x08010000);
	assert_int_equal(p.reads[0].len, 1);
	assert_int_equal(p.reads[1].address, 0x08010200);
	assert_int_equal(p.reads[1].len, 1);
	assert_int_equal(p.reads[2].address, 0x080103FF);
	assert_int_equal(p.reads[2].len, 1);
	p.reads[1].data[0] = 0x5a;
	assert_int_equal(dfuse_plan_layout(&p), 0);
	assert_int_equal(p.n_runs, 1);
	assert_int_equal(p.runs[0].address, 0x08010001);
	assert_int_equal(p.runs[0].len, 0x3FE);
	assert_int_equal(p.runs[0].data[0x1FF], 0x5a);
	assert_int_equal(p.preserved_bytes, 1);
	dfuse_plan_free(&p);
	free(data);
}

/* ------------------------------------------------------------ refusals */

static void test_read_only(void **state)
{
	struct dfuse_plan_options o = opts(1024);
	struct dfuse_map m;
	struct dfuse_plan p;
	unsigned char *data = pattern(0x600, 10);
	struct dfuse_chunk c = { 0x08002C00, data, 0x600, NULL };
	const char *err;

	(void)state;
	load_map(NANO_MAP, &m);
	/* the DSO Nano bootloader pages: refused, nothing planned */
	capture_begin();
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), DFU_E_DATA);
	capture_end();
	err = capture_all();
	assert_non_null(strstr(err, "error: 0x08002C00-0x08002FFF is not writable "
				    "(\"Internal Flash\" 0x08000000-0x08002FFF  12 pages of 1 KiB  "
				    "readable)\n"));
	assert_non_null(strstr(err, ":force"));
	assert_int_equal(p.n_erases, 0);
	assert_int_equal(p.n_runs, 0);
	assert_null(p.erases);

	/* force: written; the read-only pages cannot be erased, the next one is */
	o.force = 1;
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.n_erases, 1);
	assert_erase(&p, 0, 0x08003000, KIB);
	assert_int_equal(p.n_reads, 1);
	assert_int_equal(p.reads[0].address, 0x08003200);
	assert_int_equal(p.reads[0].len, 0x200);
	/* the read-only part is not erased: a run of its own before the page */
	assert_int_equal(p.n_runs, 2);
	assert_int_equal(p.runs[0].address, 0x08002C00);
	assert_int_equal(p.runs[0].len, 0x400);
	assert_int_equal(p.runs[0].page, DFUSE_NO_PAGE);
	assert_int_equal(p.runs[1].len, 0x200);
	dfuse_plan_free(&p);
	free(data);
}

static void test_out_of_map(void **state)
{
	struct dfuse_plan_options o = opts(1024);
	struct dfuse_map m;
	struct dfuse_plan p;
	unsigned char *data = pattern(0x400, 11);
	struct dfuse_chunk c[2] = {
		{ 0x08010000, data, 0x400, "element 1" },
		{ 0x0801FF00, data, 0x200, "element 2" },	/* runs past the end */
	};
	const char *err;

	(void)state;
	load_map(NANO_MAP, &m);
	capture_begin();
	assert_int_equal(dfuse_plan_build(&m, c, 2, &o, &p), DFU_E_DATA);
	capture_end();
	err = capture_all();
	assert_non_null(strstr(err,
		"error: element 2: 0x08020000 is outside the memory map of \"Internal Flash\"\n"));
	assert_non_null(strstr(err, "0x0801FF00-0x080200FF"));
	/* nothing is planned, not even element 1's erase */
	assert_int_equal(p.n_erases, 0);
	assert_null(p.erases);

	c[1].address = 0x07FFFF00;
	capture_begin();
	assert_int_equal(dfuse_plan_build(&m, &c[1], 1, &o, &p), DFU_E_DATA);
	capture_end();
	err = capture_all();
	assert_non_null(strstr(err, "0x07FFFF00 is outside"));
	free(data);
}

static void test_overlap_wrap_empty(void **state)
{
	struct dfuse_plan_options o = opts(1024);
	struct dfuse_map m;
	struct dfuse_plan p;
	unsigned char *data = pattern(0x400, 12);
	struct dfuse_chunk c[3] = {
		{ 0x08010000, data, 0x400, "element 1" },
		{ 0x08010000, data, 0, "element 2" },	/* empty: skipped */
		{ 0x080103FF, data, 0x10, "element 3" },
	};
	const char *err;

	(void)state;
	load_map(NANO_MAP, &m);
	capture_begin();
	assert_int_equal(dfuse_plan_build(&m, c, 3, &o, &p), DFU_E_DATA);
	capture_end();
	err = capture_all();
	assert_non_null(strstr(err, "error: element 3: 0x080103FF-0x0801040E overlaps "
				    "element 1: 0x08010000-0x080103FF\n"));
	assert_null(p.chunks);

	/* moved one byte on, it is fine (and the empty chunk is ignored) */
	c[2].address = 0x08010400;
	assert_int_equal(dfuse_plan_build(&m, c, 3, &o, &p), 0);
	assert_int_equal(p.n_chunks, 2);
	assert_int_equal(p.n_runs, 2);
	assert_int_equal(p.write_bytes, 0x410);
	dfuse_plan_free(&p);

	capture_begin();
	assert_int_equal(dfuse_plan_build(&m, &c[1], 1, &o, &p), DFU_E_DATA);
	capture_end();
	err = capture_all();
	assert_non_null(strstr(err, "error: nothing to write"));
	capture_begin();
	assert_int_equal(dfuse_plan_build(&m, c, 0, &o, &p), DFU_E_DATA);
	capture_end();

	c[0].address = 0xFFFFFF00;
	capture_begin();
	assert_int_equal(dfuse_plan_build(&m, c, 1, &o, &p), DFU_E_DATA);
	capture_end();
	err = capture_all();
	assert_non_null(strstr(err, "error: element 1: 1024 bytes at 0xFFFFFF00 pass the end "
				    "of the 4 GiB address space\n"));

	/* a transfer size that does not fit wLength */
	c[0].address = 0x08010000;
	o.transfer_size = 0;
	capture_begin();
	assert_int_equal(dfuse_plan_build(&m, c, 1, &o, &p), DFU_E_USAGE);
	capture_end();
	o.transfer_size = 65536;
	capture_begin();
	assert_int_equal(dfuse_plan_build(&m, c, 1, &o, &p), DFU_E_USAGE);
	capture_end();
	o.transfer_size = 65535;
	assert_int_equal(dfuse_plan_build(&m, c, 1, &o, &p), 0);
	dfuse_plan_free(&p);

	/* no map at all */
	capture_begin();
	assert_int_equal(dfuse_plan_build(NULL, c, 1, &o, &p), DFU_E_PROTOCOL);
	capture_end();
	err = capture_all();
	assert_non_null(strstr(err, "no DfuSe memory map"));
	free(data);
}

/* ------------------------------------------------------------ other cases */

static void test_mass_erase(void **state)
{
	struct dfuse_plan_options o = opts(2048);
	struct dfuse_map m;
	struct dfuse_plan p;
	unsigned char *data = pattern(3000, 13);
	struct dfuse_chunk c = { 0x0800792C, data, 3000, NULL };

	(void)state;
	load_map(F4_MAP, &m);
	o.mass_erase = 1;
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.mass_erase, 1);
	assert_int_equal(p.n_erases, 0);
	assert_int_equal(p.n_reads, 0);
	assert_int_equal(p.n_warnings, 0);
	/*
	 * After the mass erase every sector is blank: the image's first
	 * sector gets a run of its own and is written last.
	 */
	assert_int_equal(p.n_blanks, 2);
	assert_int_equal(p.blanks[0].address, 0x08004000);
	assert_true(p.blanks[0].first);
	assert_int_equal(p.blanks[1].address, 0x08008000);
	assert_false(p.blanks[1].first);
	assert_int_equal(p.n_runs, 2);
	assert_int_equal(p.runs[0].address, 0x0800792C);
	assert_int_equal(p.runs[0].len, 0x08008000 - 0x0800792C);
	assert_int_equal(p.runs[1].address, 0x08008000);
	assert_int_equal(p.n_steps, 2);
	assert_int_equal(p.steps[0].index, 1);
	assert_false(p.steps[0].image_start);
	assert_int_equal(p.steps[1].index, 0);
	assert_true(p.steps[1].image_start);
	assert_true(p.steps[1].stop_ok);
	dfuse_plan_free(&p);
	free(data);
}

static void test_unreadable_page_warns(void **state)
{
	struct dfuse_plan_options o = opts(256);
	struct dfuse_map m;
	struct dfuse_plan p;
	unsigned char *data = pattern(0x100, 14);
	struct dfuse_chunk c = { 0x08000100, data, 0x100, NULL };
	const char *err;

	(void)state;
	load_map("@Secret/0x08000000/4*1Kf", &m);	/* erasable, writable, not readable */
	capture_begin();
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	capture_end();
	err = capture_all();
	assert_int_equal(p.n_erases, 1);
	assert_int_equal(p.n_reads, 0);
	assert_int_equal(p.n_warnings, 1);
	assert_string_equal(p.warnings[0], "page 0x08000000 is not readable: 768 bytes of it "
					   "outside the data will be lost in the erase");
	assert_non_null(strstr(err, "warning: page 0x08000000 is not readable"));
	dfuse_plan_free(&p);
	free(data);
}

/* Option bytes ('e': readable, writable, not erasable) are written without erase. */
static void test_not_erasable(void **state)
{
	struct dfuse_plan_options o = opts(2048);
	struct dfuse_map m;
	struct dfuse_plan p;
	unsigned char *data = pattern(16, 15);
	struct dfuse_chunk c = { 0x1FFFC000, data, 16, NULL };

	(void)state;
	load_map("@Option Bytes  /0x1FFFC000/01*016 e", &m);
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	assert_int_equal(p.n_erases, 0);
	assert_int_equal(p.n_reads, 0);
	assert_int_equal(p.n_runs, 1);
	assert_int_equal(p.runs[0].len, 16);
	assert_int_equal(p.runs[0].n_blocks, 1);
	dfuse_plan_free(&p);
	free(data);
}

/* Blocks 2..65535: a new SET_ADDRESS (run) before the number would wrap. */
static void test_block_number_wrap(void **state)
{
	struct dfuse_plan_options o = opts(16);
	struct dfuse_map m;
	struct dfuse_plan p;
	size_t len = (size_t)DFUSE_MAX_BLOCKS_PER_RUN * 16;	/* 1048544 */
	unsigned char *data = pattern(len + 40, 16);
	struct dfuse_chunk c = { 0x00000000, data, len, NULL };
	struct dfuse_block blk;

	(void)state;
	assert_int_equal(DFUSE_MAX_BLOCKS_PER_RUN, 65534);
	/* memory that is not erased: nothing cuts the run at a page */
	load_map("@Battery RAM /0x00000000/1*2Me", &m);
	/* exactly 65534 blocks: one run, the last one is block 65535 */
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.n_runs, 1);
	assert_int_equal(p.runs[0].n_blocks, 65534);
	dfuse_run_block(&p.runs[0], 16, 65533, &blk);
	assert_int_equal(blk.number, 65535);
	assert_int_equal(blk.address, len - 16);
	dfuse_plan_free(&p);

	/* 40 bytes more: a second run at the next address, blocks 2..4 */
	c.len = len + 40;
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.n_runs, 2);
	assert_int_equal(p.runs[0].n_blocks, 65534);
	assert_int_equal(p.runs[1].address, len);
	assert_int_equal(p.runs[1].len, 40);
	assert_int_equal(p.runs[1].n_blocks, 3);
	dfuse_run_block(&p.runs[1], 16, 2, &blk);
	assert_int_equal(blk.number, 4);
	assert_int_equal(blk.len, 8);
	assert_memory_equal(blk.data, data + len + 32, 8);
	dfuse_plan_free(&p);
	free(data);
}

static void test_every_block_quirk(void **state)
{
	struct dfuse_plan_options o = opts(1024);
	struct dfuse_map m;
	struct dfuse_plan p;
	unsigned char *data = pattern(3000, 17);
	struct dfuse_chunk c = { 0x0800C000, data, 3000, NULL };
	struct dfuse_block blk;
	size_t i;

	(void)state;
	load_map(NANO_MAP, &m);
	o.set_address_every_block = 1;
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.n_runs, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(p.runs[i].address, 0x0800C000 + i * 1024);
		assert_int_equal(p.runs[i].n_blocks, 1);
		dfuse_run_block(&p.runs[i], 1024, 0, &blk);
		assert_int_equal(blk.number, 2);
		assert_memory_equal(blk.data, data + i * 1024, blk.len);
	}
	assert_int_equal(p.runs[2].len, 3000 - 2048);
	dfuse_plan_free(&p);
	free(data);
}

/* ------------------------------------------------------------ order */

static void assert_step(const struct dfuse_plan *p, size_t i, enum dfuse_step_kind kind,
			uint32_t address, int stop_ok)
{
	assert_true(i < p->n_steps);
	assert_int_equal(p->steps[i].kind, kind);
	if (kind == DFUSE_STEP_ERASE)
		assert_int_equal(p->erases[p->steps[i].index].address, address);
	else
		assert_int_equal(p->runs[p->steps[i].index].address, address);
	assert_int_equal(p->steps[i].stop_ok, stop_ok);
}

/* Each page erased then written; the image's first page erased first, written last. */
static void test_order_first_page_last(void **state)
{
	struct dfuse_plan_options o = opts(1024);
	struct dfuse_map m;
	struct dfuse_plan p;
	unsigned char *data = pattern(0xC00, 20);
	struct dfuse_chunk c = { 0x08010100, data, 0xC00, NULL };
	size_t i;

	(void)state;
	load_map(NANO_MAP, &m);
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.n_erases, 4);
	assert_true(p.erases[0].first);
	for (i = 1; i < 4; i++)
		assert_false(p.erases[i].first);
	assert_int_equal(p.n_steps, 8);
	assert_step(&p, 0, DFUSE_STEP_ERASE, 0x08010000, 1);
	assert_step(&p, 1, DFUSE_STEP_ERASE, 0x08010400, 1);
	assert_step(&p, 2, DFUSE_STEP_WRITE, 0x08010400, 0);
	assert_step(&p, 3, DFUSE_STEP_ERASE, 0x08010800, 1);
	assert_step(&p, 4, DFUSE_STEP_WRITE, 0x08010800, 0);
	assert_step(&p, 5, DFUSE_STEP_ERASE, 0x08010C00, 1);
	assert_step(&p, 6, DFUSE_STEP_WRITE, 0x08010C00, 0);
	/* stopping here leaves the image start blank (and rescues the rest) */
	assert_step(&p, 7, DFUSE_STEP_WRITE, 0x08010100, 1);
	assert_int_equal(p.erases[0].n_runs, 1);
	assert_int_equal(p.erases[0].first_run, 0);
	/* all 0xFF outside the data: nothing to write back */
	assert_int_equal(p.n_rescues, 0);

	/* old bytes before the data: the first page's run covers them, and
	 * they are the rescue; the last page's tail is no rescue */
	memset(p.reads[0].data, 0x33, p.reads[0].len);
	memset(p.reads[1].data, 0x44, p.reads[1].len);
	assert_int_equal(dfuse_plan_layout(&p), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.n_steps, 8);
	assert_step(&p, 7, DFUSE_STEP_WRITE, 0x08010000, 1);
	assert_int_equal(p.n_rescues, 1);
	assert_int_equal(p.rescues[0].address, 0x08010000);
	assert_int_equal(p.rescues[0].len, 0x100);
	assert_int_equal(p.rescues[0].page, 0);
	assert_int_equal(p.rescues[0].data[0], 0x33);
	assert_int_equal(p.rescues[0].data[0xFF], 0x33);
	dfuse_plan_free(&p);
	free(data);
}

/* Pages that are not adjacent start an image of their own. */
static void test_order_two_images(void **state)
{
	struct dfuse_plan_options o = opts(1024);
	struct dfuse_map m;
	struct dfuse_plan p;
	unsigned char *a = pattern(0x100, 21), *b = pattern(0x800, 22);
	struct dfuse_chunk c[2] = {
		{ 0x08012000, b, 0x800, NULL },
		{ 0x08010000, a, 0x100, NULL },
	};

	(void)state;
	load_map(NANO_MAP, &m);
	assert_int_equal(dfuse_plan_build(&m, c, 2, &o, &p), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.n_erases, 3);
	assert_true(p.erases[0].first);
	assert_true(p.erases[1].first);
	assert_false(p.erases[2].first);
	assert_int_equal(p.n_steps, 6);
	/* a one-page image: erase and write, no stop in between */
	assert_step(&p, 0, DFUSE_STEP_ERASE, 0x08010000, 1);
	assert_step(&p, 1, DFUSE_STEP_WRITE, 0x08010000, 0);
	assert_step(&p, 2, DFUSE_STEP_ERASE, 0x08012000, 1);
	assert_step(&p, 3, DFUSE_STEP_ERASE, 0x08012400, 1);
	assert_step(&p, 4, DFUSE_STEP_WRITE, 0x08012400, 0);
	assert_step(&p, 5, DFUSE_STEP_WRITE, 0x08012000, 1);
	dfuse_plan_free(&p);

	/*
	 * A mass erase: the same images over blank pages, each image's first
	 * page still written last; any image start is a place to stop.
	 */
	o.mass_erase = 1;
	assert_int_equal(dfuse_plan_build(&m, c, 2, &o, &p), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.n_erases, 0);
	assert_int_equal(p.n_steps, 3);
	assert_step(&p, 0, DFUSE_STEP_WRITE, 0x08010000, 1);
	assert_true(p.steps[0].image_start);
	assert_step(&p, 1, DFUSE_STEP_WRITE, 0x08012400, 1);
	assert_false(p.steps[1].image_start);
	assert_step(&p, 2, DFUSE_STEP_WRITE, 0x08012000, 1);
	assert_true(p.steps[2].image_start);
	dfuse_plan_free(&p);
	free(a);
	free(b);
}

/* A device that cannot upload: nothing read back, the lost bytes listed. */
static void test_no_upload_lost(void **state)
{
	struct dfuse_plan_options o = opts(1024);
	struct dfuse_map m;
	struct dfuse_plan p;
	unsigned char *data = pattern(3000, 23);
	struct dfuse_chunk c = { 0x0800792C, data, 3000, NULL };

	(void)state;
	load_map(NANO_MAP, &m);
	o.no_upload = 1;
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.n_reads, 0);
	assert_int_equal(p.n_lost, 2);
	assert_int_equal(p.lost[0].address, 0x08007800);
	assert_int_equal(p.lost[0].len, 0x12C);
	assert_int_equal(p.lost[1].address, 0x0800792C + 3000);
	assert_int_equal(p.lost[1].len, 0x08008800 - (0x0800792C + 3000));
	assert_int_equal(p.lost_bytes, 4 * KIB - 3000);
	assert_int_equal(p.write_bytes, 3000);
	assert_int_equal(p.n_warnings, 0);
	dfuse_plan_free(&p);
	/* no-preserve asks for exactly that: nothing listed */
	o.preserve = 0;
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	assert_int_equal(p.n_lost, 0);
	dfuse_plan_free(&p);
	free(data);
}

/* --skip-unchanged: each page's action from its bytes, then the plan without them. */
static void test_skip_unchanged(void **state)
{
	struct dfuse_plan_options o = opts(1024);
	struct dfuse_map m;
	struct dfuse_plan p;
	unsigned char *data = pattern(0xC00, 20);
	struct dfuse_chunk c = { 0x08010100, data, 0xC00, NULL };
	unsigned char now[4][1024], action[4];
	size_t i;

	(void)state;
	load_map(NANO_MAP, &m);
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	assert_int_equal(p.n_erases, 4);
	/* page 0: old bytes; 1: already the data; 2: blank; 3: the data but one byte */
	memset(now[0], 0x55, sizeof(now[0]));
	memcpy(now[1], data + 0x300, 1024);
	memset(now[2], 0xFF, sizeof(now[2]));
	memset(now[3], 0xFF, sizeof(now[3]));
	memcpy(now[3], data + 0xB00, 0x100);
	now[3][0x80] ^= 1;
	for (i = 0; i < 4; i++)
		action[i] = (unsigned char)dfuse_plan_page_action(&p, i, now[i]);
	assert_int_equal(action[0], DFUSE_PAGE_ERASE);
	assert_int_equal(action[1], DFUSE_PAGE_SKIP);
	assert_int_equal(action[2], DFUSE_PAGE_BLANK);
	assert_int_equal(action[3], DFUSE_PAGE_ERASE);
	/* the old bytes before the data in page 0 are kept */
	memset(p.reads[0].data, 0x55, p.reads[0].len);
	assert_int_equal(dfuse_plan_skip(&p, action), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.pages_skipped, 1);
	assert_int_equal(p.pages_blank, 1);
	assert_int_equal(p.n_erases, 2);
	assert_erase(&p, 0, 0x08010000, 1024);
	assert_erase(&p, 1, 0x08010C00, 1024);
	/* page 0 alone; the blank page 2 starts the image of pages 2-3 */
	assert_true(p.erases[0].first);
	assert_int_equal(p.n_blanks, 1);
	assert_int_equal(p.blanks[0].address, 0x08010800);
	assert_true(p.blanks[0].first);
	assert_false(p.erases[1].first);
	/* nothing is written to the skipped page; the blank one outside erased pages */
	for (i = 0; i < p.n_runs; i++) {
		const struct dfuse_run *r = &p.runs[i];

		assert_false(r->address < 0x08010800 && r->address + r->len > 0x08010400);
		if (r->address >= 0x08010800 && r->address < 0x08010C00)
			assert_true(r->page == DFUSE_NO_PAGE);
	}
	/* page 0 is written whole again: 0x100 preserved bytes and the data */
	assert_int_equal(p.erases[0].n_runs, 1);
	assert_int_equal(p.runs[p.erases[0].first_run].len, 1024);
	assert_int_equal(p.preserved_bytes, 0x100);
	assert_int_equal(p.write_bytes, 0x100 + 0x300 + 0x400 + 0x100);
	dfuse_plan_free(&p);
	free(data);
}

/*
 * --skip-unchanged with a blank first page: the image start is still
 * written last, after every erased page of the image (it used to go
 * first, as memory that is not erased).
 */
static void test_skip_blank_first_page_last(void **state)
{
	struct dfuse_plan_options o = opts(1024);
	struct dfuse_map m;
	struct dfuse_plan p;
	unsigned char *data = pattern(0xC00, 24);
	struct dfuse_chunk c = { 0x08010100, data, 0xC00, NULL };
	unsigned char action[4] = { DFUSE_PAGE_BLANK, DFUSE_PAGE_ERASE, DFUSE_PAGE_ERASE,
				    DFUSE_PAGE_ERASE };
	const char *out;

	(void)state;
	load_map(NANO_MAP, &m);
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	assert_int_equal(dfuse_plan_skip(&p, action), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.pages_blank, 1);
	assert_int_equal(p.n_erases, 3);
	assert_false(p.erases[0].first);
	assert_int_equal(p.n_steps, 7);
	assert_step(&p, 0, DFUSE_STEP_ERASE, 0x08010400, 1);
	assert_step(&p, 1, DFUSE_STEP_WRITE, 0x08010400, 0);
	assert_step(&p, 2, DFUSE_STEP_ERASE, 0x08010800, 1);
	assert_step(&p, 3, DFUSE_STEP_WRITE, 0x08010800, 0);
	assert_step(&p, 4, DFUSE_STEP_ERASE, 0x08010C00, 1);
	assert_step(&p, 5, DFUSE_STEP_WRITE, 0x08010C00, 0);
	/* the blank image start, whole: a place to stop before it, not inside it */
	assert_step(&p, 6, DFUSE_STEP_WRITE, 0x08010100, 1);
	assert_true(p.steps[6].image_start);
	assert_int_equal(p.runs[p.steps[6].index].page, DFUSE_NO_PAGE);
	assert_int_equal(p.runs[p.steps[6].index].len, 0x300);
	capture_begin();
	dfuse_plan_describe(&p);
	capture_end();
	out = capture_all();
	assert_non_null(strstr(out, "  write 0x08010100-0x080103FF (768 bytes, 1 run) last "
				    "(image start, not erased)\n"));
	dfuse_plan_free(&p);

	/* an erased image start with a blank page behind it: erased first, written last */
	action[0] = DFUSE_PAGE_ERASE;
	action[1] = DFUSE_PAGE_BLANK;
	action[2] = DFUSE_PAGE_SKIP;
	action[3] = DFUSE_PAGE_SKIP;
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	assert_int_equal(dfuse_plan_skip(&p, action), 0);
	assert_plan_sane(&p);
	assert_int_equal(p.n_erases, 1);
	assert_true(p.erases[0].first);
	assert_int_equal(p.n_steps, 3);
	assert_step(&p, 0, DFUSE_STEP_ERASE, 0x08010000, 1);
	assert_step(&p, 1, DFUSE_STEP_WRITE, 0x08010400, 1);
	assert_false(p.steps[1].image_start);
	assert_step(&p, 2, DFUSE_STEP_WRITE, 0x08010100, 1);
	assert_true(p.steps[2].image_start);
	capture_begin();
	dfuse_plan_describe(&p);
	capture_end();
	out = capture_all();
	assert_non_null(strstr(out, "  page 0x08010000: erase first; written last (image start)\n"));
	dfuse_plan_free(&p);
	free(data);
}

static void test_describe(void **state)
{
	struct dfuse_plan_options o = opts(1024);
	struct dfuse_map m;
	struct dfuse_plan p;
	unsigned char *data = pattern(3000, 18);
	struct dfuse_chunk c = { 0x0800792C, data, 3000, NULL };
	const char *out, *first, *second;

	(void)state;
	load_map(NANO_MAP, &m);
	assert_int_equal(dfuse_plan_build(&m, &c, 1, &o, &p), 0);
	capture_begin();
	dfuse_plan_describe(&p);
	capture_end();
	out = capture_all();
	assert_non_null(strstr(out, "plan: 3000 bytes of data, 3000 bytes written (0 of them "
				    "preserved) in 4 runs of 1024-byte blocks\n"));
	assert_non_null(strstr(out, "erase: 0x08007800-0x080087FF, 4 pages of 1 KiB\n"));
	assert_non_null(strstr(out, "preserve: read back 0x08007800-0x0800792B (300 bytes)"));
	/* the order: the image's first page erased first, written last */
	first = strstr(out, "  page 0x08007800: erase first; written last (image start)\n");
	second = strstr(out, "  page 0x08007C00: erase, write 0x08007C00-0x08007FFF "
			     "(1024 bytes, 1 run)\n");
	assert_non_null(first);
	assert_non_null(second);
	assert_true(first < second);
	assert_non_null(strstr(out, "  page 0x08007800: write 0x0800792C-0x08007BFF (724 bytes, "
				    "1 run) last\n"));
	dfuse_plan_free(&p);
	/* freeing twice, or a zeroed plan, is harmless */
	dfuse_plan_free(&p);
	free(data);
}

/* ------------------------------------------------------------ upload */

static void test_upload_plans(void **state)
{
	struct dfuse_upload_plan u;
	struct dfuse_upload_block b;
	struct dfuse_map m;

	(void)state;
	load_map(NANO_MAP, &m);

	/* -s 0x08000000:1024: the read-only bootloader is readable */
	assert_int_equal(dfuse_upload_plan_build(&m, 0x08000000, 1, 1024, 1024, 0, &u), 0);
	assert_int_equal(u.n_runs, 1);
	assert_int_equal(u.length, 1024);
	assert_int_equal(u.runs[0].n_blocks, 1);
	assert_int_equal(u.runs[0].request, 1024);
	dfuse_upload_plan_free(&u);

	/* no length: to the end of the readable run */
	assert_int_equal(dfuse_upload_plan_build(&m, 0x0800C000, 0, 0, 1024, 0, &u), 0);
	assert_int_equal(u.length, 0x08020000 - 0x0800C000);
	assert_int_equal(u.n_runs, 1);
	assert_int_equal(u.runs[0].n_blocks, 80);
	dfuse_upload_block(&u.runs[0], 79, &b);
	assert_int_equal(b.number, 81);
	assert_int_equal(b.address, 0x0801FC00);
	assert_int_equal(b.keep, 1024);
	dfuse_upload_plan_free(&u);

	/* a short last block asks for a full one when memory follows... */
	assert_int_equal(dfuse_upload_plan_build(&m, 0x08004000, 1, 3000, 1024, 0, &u), 0);
	assert_int_equal(u.n_runs, 1);
	assert_int_equal(u.runs[0].n_blocks, 3);
	dfuse_upload_block(&u.runs[0], 2, &b);
	assert_int_equal(b.number, 4);
	assert_int_equal(b.request, 1024);
	assert_int_equal(b.keep, 3000 - 2048);
	dfuse_upload_plan_free(&u);

	/* ...and is read as a block 2 of its own at the end of the memory */
	assert_int_equal(dfuse_upload_plan_build(&m, 0x0801F200, 1, 0xE00, 1024, 0, &u), 0);
	assert_int_equal(u.n_runs, 2);
	assert_int_equal(u.runs[0].address, 0x0801F200);
	assert_int_equal(u.runs[0].len, 0xC00);
	assert_int_equal(u.runs[0].n_blocks, 3);
	assert_int_equal(u.runs[1].address, 0x0801FE00);
	assert_int_equal(u.runs[1].len, 0x200);
	assert_int_equal(u.runs[1].n_blocks, 1);
	dfuse_upload_block(&u.runs[1], 0, &b);
	assert_int_equal(b.number, 2);
	assert_int_equal(b.request, 0x200);
	assert_int_equal(b.keep, 0x200);
	dfuse_upload_plan_free(&u);

	/* every block quirk: one block 2 per run */
	assert_int_equal(dfuse_upload_plan_build(&m, 0x08004000, 1, 3000, 1024, 1, &u), 0);
	assert_int_equal(u.n_runs, 3);
	assert_int_equal(u.runs[2].address, 0x08004800);
	assert_int_equal(u.runs[2].len, 3000 - 2048);
	dfuse_upload_plan_free(&u);
}

static void test_upload_wrap(void **state)
{
	struct dfuse_upload_plan u;
	struct dfuse_upload_block b;
	struct dfuse_map m;

	(void)state;
	load_map(SPI_MAP, &m);
	assert_int_equal(dfuse_upload_plan_build(&m, 0, 1, 65534 * 16 + 20, 16, 0, &u), 0);
	assert_int_equal(u.n_runs, 2);
	assert_int_equal(u.runs[0].n_blocks, 65534);
	dfuse_upload_block(&u.runs[0], 65533, &b);
	assert_int_equal(b.number, 65535);
	assert_int_equal(u.runs[1].address, 65534 * 16);
	assert_int_equal(u.runs[1].n_blocks, 2);
	dfuse_upload_block(&u.runs[1], 1, &b);
	assert_int_equal(b.number, 3);
	assert_int_equal(b.request, 16);
	assert_int_equal(b.keep, 4);
	dfuse_upload_plan_free(&u);
}

static void test_upload_refused(void **state)
{
	struct dfuse_upload_plan u;
	struct dfuse_map m;
	const char *err;

	(void)state;
	load_map("@Mixed/0x08000000/4*1Kg,4*1Kd", &m);
	capture_begin();
	assert_int_equal(dfuse_upload_plan_build(&m, 0x08000000, 1, 0x2000, 1024, 0, &u),
			 DFU_E_DATA);
	capture_end();
	err = capture_all();
	assert_non_null(strstr(err, "error: cannot upload 0x08000000-0x08001FFF: 0x08001000 is "
				    "not readable in \"Mixed\"\n"));
	assert_int_equal(u.n_runs, 0);

	capture_begin();
	assert_int_equal(dfuse_upload_plan_build(&m, 0x08000000, 1, 0x3000, 1024, 0, &u),
			 DFU_E_DATA);
	capture_end();

	capture_begin();
	assert_int_equal(dfuse_upload_plan_build(&m, 0x08001000, 0, 0, 1024, 0, &u), DFU_E_DATA);
	capture_end();
	err = capture_all();
	assert_non_null(strstr(err, "0x08001000 is not in readable memory"));

	capture_begin();
	assert_int_equal(dfuse_upload_plan_build(&m, 0x07000000, 1, 16, 1024, 0, &u), DFU_E_DATA);
	capture_end();
	err = capture_all();
	assert_non_null(strstr(err, "0x07000000 is outside \"Mixed\""));

	capture_begin();
	assert_int_equal(dfuse_upload_plan_build(&m, 0x08000000, 1, 0, 1024, 0, &u), DFU_E_USAGE);
	capture_end();
	capture_begin();
	assert_int_equal(dfuse_upload_plan_build(&m, 0xFFFFFF00, 1, 0x200, 1024, 0, &u),
			 DFU_E_USAGE);
	capture_end();
	capture_begin();
	assert_int_equal(dfuse_upload_plan_build(&m, 0x08000000, 1, 16, 0, 0, &u), DFU_E_USAGE);
	capture_end();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address_accepted),
		cmocka_unit_test(test_skip_unchanged),
		cmocka_unit_test(test_skip_blank_first_page_last),
		cmocka_unit_test(test_address_refused),
		cmocka_unit_test(test_address_null),
		cmocka_unit_test(test_nano_lib_and_app),
		cmocka_unit_test(test_nano_straddle),
		cmocka_unit_test(test_huge_page_preserve),
		cmocka_unit_test(test_read_across_pages),
		cmocka_unit_test(test_f4_sector_sizes),
		cmocka_unit_test(test_two_chunks_one_page),
		cmocka_unit_test(test_one_byte_gaps),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_out_of_map),
		cmocka_unit_test(test_overlap_wrap_empty),
		cmocka_unit_test(test_mass_erase),
		cmocka_unit_test(test_unreadable_page_warns),
		cmocka_unit_test(test_not_erasable),
		cmocka_unit_test(test_block_number_wrap),
		cmocka_unit_test(test_every_block_quirk),
		cmocka_unit_test(test_order_first_page_last),
		cmocka_unit_test(test_order_two_images),
		cmocka_unit_test(test_no_upload_lost),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_upload_plans),
		cmocka_unit_test(test_upload_wrap),
		cmocka_unit_test(test_upload_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
