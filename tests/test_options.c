/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * The command line parser, from a table of {command line, expected result}
 * rows.  Error rows also check that the message quotes the offending text,
 * by catching what the parser writes to stderr.
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
#include "errors.h"
#include "number.h"
#include "options.h"

/*
 * Every expected struct starts from the defaults and overrides a few fields;
 * overriding a designated initializer is exactly what we mean here.
 */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Woverride-init"
#endif

/* ------------------------------------------------------------ the number parser */

struct num_row {
	const char *text;
	uint64_t max;
	int rc;
	uint64_t value;
	const char *message;	/* for refusals: the whole reported reason */
};

static const struct num_row num_rows[] = {
	{ "0", 255, DFU_OK, 0, NULL },
	{ "00", 255, DFU_OK, 0, NULL },
	{ "7", 255, DFU_OK, 7, NULL },
	{ "010", 255, DFU_OK, 8, NULL },
	{ "0x10", 255, DFU_OK, 16, NULL },
	{ "0X1f", 255, DFU_OK, 31, NULL },
	{ "0xFf", 255, DFU_OK, 255, NULL },
	{ "255", 255, DFU_OK, 255, NULL },
	{ "0377", 255, DFU_OK, 255, NULL },
	/* The same two flash addresses in all three notations. */
	{ "0x08004000", UINT32_MAX, DFU_OK, 134234112, NULL },
	{ "01000040000", UINT32_MAX, DFU_OK, 134234112, NULL },
	{ "134234112", UINT32_MAX, DFU_OK, 134234112, NULL },
	{ "0x0800C000", UINT32_MAX, DFU_OK, 134266880, NULL },
	{ "01000140000", UINT32_MAX, DFU_OK, 134266880, NULL },
	{ "134266880", UINT32_MAX, DFU_OK, 134266880, NULL },
	/* The edges of uint64 in every base. */
	{ "18446744073709551615", UINT64_MAX, DFU_OK, UINT64_MAX, NULL },
	{ "0xffffffffffffffff", UINT64_MAX, DFU_OK, UINT64_MAX, NULL },
	{ "01777777777777777777777", UINT64_MAX, DFU_OK, UINT64_MAX, NULL },
	/* The limit in the notation of the text: decimal for decimal (and octal), hex for hex. */
	{ "18446744073709551616", UINT64_MAX, DFU_E_USAGE, 0,
	  "invalid number '18446744073709551616': too large (max 18446744073709551615)" },
	{ "0x10000000000000000", UINT64_MAX, DFU_E_USAGE, 0,
	  "invalid number '0x10000000000000000': too large (max 0xffffffffffffffff)" },
	{ "02000000000000000000000", UINT64_MAX, DFU_E_USAGE, 0,
	  "invalid number '02000000000000000000000': too large (max 18446744073709551615)" },
	{ "99999999999999999999999", UINT64_MAX, DFU_E_USAGE, 0,
	  "invalid number '99999999999999999999999': too large (max 18446744073709551615)" },
	{ "600001", 600000, DFU_E_USAGE, 0, "invalid number '600001': too large (max 600000)" },
	{ "0x927c1", 600000, DFU_E_USAGE, 0, "invalid number '0x927c1': too large (max 0x927c0)" },
	{ "4294967296", UINT32_MAX, DFU_E_USAGE, 0,
	  "invalid number '4294967296': too large (max 4294967295)" },
	{ "256", 255, DFU_E_USAGE, 0, "invalid number '256': too large (max 255)" },
	{ "0x100", 255, DFU_E_USAGE, 0, "invalid number '0x100': too large (max 255)" },
	{ "0x100000000", UINT32_MAX, DFU_E_USAGE, 0,
	  "invalid number '0x100000000': too large (max 0xffffffff)" },
	{ "", 255, DFU_E_USAGE, 0, "invalid number '': not a number" },
	{ "0x", 255, DFU_E_USAGE, 0, "invalid number '0x': not a number" },
	{ "0xg", 255, DFU_E_USAGE, 0, "invalid number '0xg': not a number" },
	{ "x10", 255, DFU_E_USAGE, 0, "invalid number 'x10': not a number" },
	{ " 5", 255, DFU_E_USAGE, 0, "invalid number ' 5': not a number" },
	{ "+5", 255, DFU_E_USAGE, 0, "invalid number '+5': not a number" },
	{ "-1", 255, DFU_E_USAGE, 0, "invalid number '-1': negative numbers are not allowed" },
	{ "-", 255, DFU_E_USAGE, 0, "invalid number '-': not a number" },
	{ "5 ", 255, DFU_E_USAGE, 0, "invalid number '5 ': trailing characters" },
	{ "1.5", 255, DFU_E_USAGE, 0, "invalid number '1.5': trailing characters" },
	{ "12k", 65535, DFU_E_USAGE, 0, "invalid number '12k': trailing characters" },
	{ "0x0800G000", UINT32_MAX, DFU_E_USAGE, 0,
	  "invalid number '0x0800G000': trailing characters" },
	/* A syntax error wins over the size: the typo is the real problem. */
	{ "0x0800G000", 255, DFU_E_USAGE, 0, "invalid number '0x0800G000': trailing characters" },
	{ "08", 255, DFU_E_USAGE, 0,
	  "invalid number '08': a leading 0 means octal, where 8 and 9 are not digits" },
	{ "08004000", UINT32_MAX, DFU_E_USAGE, 0,
	  "invalid number '08004000': a leading 0 means octal, where 8 and 9 are not digits" },
	{ "019", 255, DFU_E_USAGE, 0,
	  "invalid number '019': a leading 0 means octal, where 8 and 9 are not digits" },
};

static void test_parse_number(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(num_rows) / sizeof(num_rows[0]); i++) {
		const struct num_row *r = &num_rows[i];
		uint64_t quiet = 0xdead, loud = 0xdead;
		int rq, rl;
		const char *msg;

		rq = parse_number_quiet(r->text, r->max, &quiet);
		capture_begin();
		rl = parse_number(r->text, r->max, "number", &loud);
		capture_end();
		msg = capture_err();

		print_message("number '%s' max %llu\n", r->text, (unsigned long long)r->max);
		assert_int_equal(rq, r->rc);
		assert_int_equal(rl, r->rc);
		if (r->rc == DFU_OK) {
			assert_true(quiet == r->value);
			assert_true(loud == r->value);
			assert_string_equal(msg, "");
		} else {
			/* Refusals leave the output alone and report exactly once. */
			assert_true(quiet == 0xdead);
			assert_true(loud == 0xdead);
			assert_non_null(strstr(msg, r->message));
			assert_null(strstr(strstr(msg, r->message) + 1, "invalid"));
		}
	}
	/* The quiet parser never writes anything. */
	{
		uint64_t v;

		capture_begin();
		assert_int_equal(parse_number_quiet("0x", 255, &v), DFU_E_USAGE);
		assert_int_equal(parse_number_quiet(NULL, 255, &v), DFU_E_USAGE);
		capture_end();
		assert_string_equal(capture_err(), "");
	}
}

/* ------------------------------------------------------------ parse_id_pair */

#define ID(v, p) { .vid_match = ID_VALUE, .pid_match = ID_VALUE, .vid = (v), .pid = (p) }

struct id_row {
	const char *text;
	int rc;
	struct id_pair want;
};

static const struct id_row id_rows[] = {
	{ "0483:df11", DFU_OK, ID(0x0483, 0xdf11) },
	{ "0x0483:0xDF11", DFU_OK, ID(0x0483, 0xdf11) },
	{ "483:DF11", DFU_OK, ID(0x0483, 0xdf11) },
	{ "0:0", DFU_OK, ID(0, 0) },
	{ "ffff:FFFF", DFU_OK, ID(0xffff, 0xffff) },
	{ "*:df11", DFU_OK, { .vid_match = ID_ANY, .pid_match = ID_VALUE, .pid = 0xdf11 } },
	{ ":df11", DFU_OK, { .vid_match = ID_ANY, .pid_match = ID_VALUE, .pid = 0xdf11 } },
	{ "0483:", DFU_OK, { .vid_match = ID_VALUE, .pid_match = ID_ANY, .vid = 0x0483 } },
	{ "0483:*", DFU_OK, { .vid_match = ID_VALUE, .pid_match = ID_ANY, .vid = 0x0483 } },
	{ ":", DFU_OK, { .vid_match = ID_ANY, .pid_match = ID_ANY } },
	{ "-:-", DFU_OK, { .vid_match = ID_NONE, .pid_match = ID_NONE } },
	{ "1d50:-", DFU_OK, { .vid_match = ID_VALUE, .pid_match = ID_NONE, .vid = 0x1d50 } },
	/* A vendor alone means any product, as in the classic tool. */
	{ "0483", DFU_OK, { .vid_match = ID_VALUE, .pid_match = ID_ANY, .vid = 0x0483 } },
	{ "0x1d50", DFU_OK, { .vid_match = ID_VALUE, .pid_match = ID_ANY, .vid = 0x1d50 } },
	{ "12345", DFU_E_USAGE, { 0 } },
	{ "xyz", DFU_E_USAGE, { 0 } },
	{ "", DFU_E_USAGE, { 0 } },
	{ "12345:1", DFU_E_USAGE, { 0 } },
	{ "1:12345", DFU_E_USAGE, { 0 } },
	{ "xyz:1", DFU_E_USAGE, { 0 } },
	{ "1:xyz", DFU_E_USAGE, { 0 } },
	{ "1:2:3", DFU_E_USAGE, { 0 } },
	{ "0x:1", DFU_E_USAGE, { 0 } },
	{ "**:1", DFU_E_USAGE, { 0 } },
	{ "--:1", DFU_E_USAGE, { 0 } },
	{ " 1:2", DFU_E_USAGE, { 0 } },
	{ "-1:2", DFU_E_USAGE, { 0 } },
	{ "1:2,3:4", DFU_E_USAGE, { 0 } },
	{ "00000000000000000001:1", DFU_E_USAGE, { 0 } },
};

static void test_parse_id_pair(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(id_rows) / sizeof(id_rows[0]); i++) {
		const struct id_row *r = &id_rows[i];
		struct id_pair got = { ID_NONE, ID_NONE, 0x1111, 0x2222 };
		const char *msg;
		char quoted[64];
		int rc;

		capture_begin();
		rc = parse_id_pair(r->text, &got);
		capture_end();
		msg = capture_err();
		print_message("id '%s'\n", r->text);
		assert_int_equal(rc, r->rc);
		if (rc == DFU_OK) {
			assert_int_equal(got.vid_match, r->want.vid_match);
			assert_int_equal(got.pid_match, r->want.pid_match);
			assert_int_equal(got.vid, r->want.vid);
			assert_int_equal(got.pid, r->want.pid);
			assert_string_equal(msg, "");
		} else {
			/* Untouched on error, and the text is quoted. */
			assert_int_equal(got.vid, 0x1111);
			snprintf(quoted, sizeof(quoted), "'%s'", r->text);
			assert_non_null(strstr(msg, quoted));
		}
	}
}

/* ------------------------------------------------------------ the command line table */

#define MAX_ARGS 12

struct row {
	const char *args[MAX_ARGS];	/* after argv[0], NULL-terminated */
	int rc;
	struct dfu_options want;
	const char *quote;		/* refusals: text the message must contain */
};

#define A(...) .args = { __VA_ARGS__, NULL }
#define WANT(...) .rc = DFU_OK, .want = { \
	.action = ACTION_NONE, .devnum = -1, .config = -1, .intf = -1, .alt = -1, \
	.detach_delay = 5, .timeout_ms = OPT_DEFAULT_TIMEOUT_MS, .sim_virtual_clock = -1, \
	__VA_ARGS__ }
#define REFUSED(q) .rc = DFU_E_USAGE, .quote = (q)
#define ANY_VID(p) { .vid_match = ID_ANY, .pid_match = ID_VALUE, .pid = (p) }
#define ANY_PID(v) { .vid_match = ID_VALUE, .pid_match = ID_ANY, .vid = (v) }

static const struct row rows[] = {
	/* Defaults. */
	{ .args = { NULL }, WANT(.verbose = 0) },
	{ A("--"), WANT(.verbose = 0) },

	/* Help, version, list, and who wins. */
	{ A("-h"), WANT(.action = ACTION_HELP) },
	{ A("--help"), WANT(.action = ACTION_HELP) },
	{ A("-V"), WANT(.action = ACTION_VERSION) },
	{ A("--version"), WANT(.action = ACTION_VERSION) },
	{ A("-V", "-h"), WANT(.action = ACTION_HELP) },
	{ A("-h", "-V"), WANT(.action = ACTION_HELP) },
	{ A("-l", "-V"), WANT(.action = ACTION_VERSION) },
	{ A("-hU", "a", "-D", "b"), WANT(.action = ACTION_HELP, .upload_file = "a",
					  .download_file = "b") },
	{ A("-l"), WANT(.action = ACTION_LIST) },
	{ A("--list"), WANT(.action = ACTION_LIST) },
	{ A("-l", "-d", "0483:df11"), WANT(.action = ACTION_LIST, .n_ids = 1,
					   .ids = { ID(0x0483, 0xdf11) }) },
	{ A("-l", "-e"), WANT(.action = ACTION_LIST, .detach = 1) },

	/* Verbosity. */
	{ A("-v"), WANT(.verbose = 1) },
	{ A("-vvv"), WANT(.verbose = 3) },
	{ A("--verbose", "-v", "--verbose"), WANT(.verbose = 3) },
	{ A("-vl"), WANT(.verbose = 1, .action = ACTION_LIST) },

	/* Detach, reset, wait. */
	{ A("-e"), WANT(.detach = 1) },
	{ A("--detach"), WANT(.detach = 1) },
	{ A("-R"), WANT(.reset = 1) },
	{ A("-Q", "-D", "f"), WANT(.final_detach = 1, .action = ACTION_DOWNLOAD, .download_file = "f") },
	{ A("--final-detach", "-R", "-D", "f"), WANT(.final_detach = 1, .reset = 1,
		.action = ACTION_DOWNLOAD, .download_file = "f") },
	{ A("--final-detach=1"), REFUSED("'--final-detach=1'") },
	{ A("--reset"), WANT(.reset = 1) },
	{ A("-eR"), WANT(.detach = 1, .reset = 1) },
	{ A("-w"), WANT(.wait = 1) },
	{ A("--wait"), WANT(.wait = 1) },
	{ A("-wl"), WANT(.wait = 1, .action = ACTION_LIST) },
	{ A("-E", "10"), WANT(.detach_delay = 10) },
	{ A("-E10"), WANT(.detach_delay = 10) },
	{ A("--detach-delay", "0"), WANT(.detach_delay = 0) },
	{ A("--detach-delay=3600"), WANT(.detach_delay = 3600) },
	{ A("-eE", "0x20"), WANT(.detach = 1, .detach_delay = 32) },

	/* -d in all its forms. */
	{ A("-d", "0483:df11"), WANT(.n_ids = 1, .ids = { ID(0x0483, 0xdf11) }) },
	{ A("-d0483:df11"), WANT(.n_ids = 1, .ids = { ID(0x0483, 0xdf11) }) },
	{ A("--device", "0483:df11"), WANT(.n_ids = 1, .ids = { ID(0x0483, 0xdf11) }) },
	{ A("--device=0x0483:0xDF11"), WANT(.n_ids = 1, .ids = { ID(0x0483, 0xdf11) }) },
	{ A("-d", "*:df11"), WANT(.n_ids = 1, .ids = { ANY_VID(0xdf11) }) },
	{ A("-d", ":df11"), WANT(.n_ids = 1, .ids = { ANY_VID(0xdf11) }) },
	{ A("-d", "0483:"), WANT(.n_ids = 1, .ids = { ANY_PID(0x0483) }) },
	{ A("-d", "0483:*"), WANT(.n_ids = 1, .ids = { ANY_PID(0x0483) }) },
	{ A("-d", "-:-"), WANT(.n_ids = 1, .ids = {
		{ .vid_match = ID_NONE, .pid_match = ID_NONE } }) },
	{ A("-d", "1d50:6018,0483:df11"), WANT(.n_ids = 2,
		.ids = { ID(0x1d50, 0x6018), ID(0x0483, 0xdf11) }) },
	{ A("-d", "1d50:*,*:df11"), WANT(.n_ids = 2,
		.ids = { ANY_PID(0x1d50), ANY_VID(0xdf11) }) },
	/* Classic two-pair rules: empty DFU parts inherit, an empty run-time pair means none. */
	{ A("-d", "1457:51ab,:2bc"), WANT(.n_ids = 2,
		.ids = { ID(0x1457, 0x51ab), ID(0x1457, 0x2bc) }) },
	{ A("-d", "1457:51ab,2bc:"), WANT(.n_ids = 2,
		.ids = { ID(0x1457, 0x51ab), ID(0x2bc, 0x51ab) }) },
	{ A("-d", "1457:*,:2bc"), WANT(.n_ids = 2,
		.ids = { ANY_PID(0x1457), ID(0x1457, 0x2bc) }) },
	{ A("-d", "*:51ab,:2bc"), WANT(.n_ids = 2,
		.ids = { ANY_VID(0x51ab), ANY_VID(0x2bc) }) },
	{ A("-d", "1457:51ab,"), WANT(.n_ids = 2,
		.ids = { ID(0x1457, 0x51ab), ID(0x1457, 0x51ab) }) },
	{ A("-d", ",951:26"), WANT(.n_ids = 2, .ids = {
		{ .vid_match = ID_NONE, .pid_match = ID_NONE }, ID(0x951, 0x26) }) },
	{ A("-d", ","), REFUSED("','") },
	{ A("-d", "1:2,,"), REFUSED("'1:2,,'") },
	{ A("-d", "1d50:6018,-:-"), WANT(.n_ids = 2, .ids = { ID(0x1d50, 0x6018),
		{ .vid_match = ID_NONE, .pid_match = ID_NONE } }) },
	{ A("-d", "1:2", "-d", "3:4"), WANT(.n_ids = 1, .ids = { ID(3, 4) }) },
	{ A("-d", "0483"), WANT(.n_ids = 1, .ids = { ANY_PID(0x0483) }) },
	{ A("-d", "1d50,1d50:6017"), WANT(.n_ids = 2, .ids = { ANY_PID(0x1d50), ID(0x1d50, 0x6017) }) },
	{ A("-l", "-d", "0483"), WANT(.action = ACTION_LIST, .n_ids = 1, .ids = { ANY_PID(0x0483) }) },
	{ A("-d", "12345"), REFUSED("'12345'") },
	{ A("-d", "12345:1"), REFUSED("'12345:1'") },
	{ A("-d", "xyz:1"), REFUSED("'xyz:1'") },
	{ A("-d", "1:2:3"), REFUSED("'1:2:3'") },
	{ A("-d", "1:2,3:4,5:6"), REFUSED("'1:2,3:4,5:6'") },
	{ A("-d", "1:2,xyz"), REFUSED("'xyz'") },
	{ A("-d", "xyz,1:2"), REFUSED("'xyz'") },
	{ A("-d", ""), REFUSED("''") },
	{ A("-d"), REFUSED("'-d' needs an argument") },

	/* -n, -p, -c, -i. */
	{ A("-n", "3"), WANT(.devnum = 3) },
	{ A("--devnum=0x10"), WANT(.devnum = 16) },
	{ A("-n255"), WANT(.devnum = 255) },
	{ A("-n", "256"), REFUSED("device number '256': too large (max 255)") },
	{ A("-p", "1-2.3"), WANT(.path = "1-2.3") },
	{ A("--path", "3-1"), WANT(.path = "3-1") },
	{ A("--path=255-1.2.3.4.5.6.7"), WANT(.path = "255-1.2.3.4.5.6.7") },
	{ A("-p", "1"), REFUSED("path '1'") },
	{ A("-p", "1-"), REFUSED("path '1-'") },
	{ A("-p", "0-1"), REFUSED("path '0-1'") },
	{ A("-p", "1-1."), REFUSED("path '1-1.'") },
	{ A("-p", "01-1"), REFUSED("path '01-1'") },
	{ A("-p", "1-256"), REFUSED("path '1-256'") },
	{ A("-p", "a-1"), REFUSED("path 'a-1'") },
	{ A("-p", "1-1.2.3.4.5.6.7.8"), REFUSED("path '1-1.2.3.4.5.6.7.8'") },
	{ A("-c", "1"), WANT(.config = 1) },
	{ A("--cfg", "2"), WANT(.config = 2) },
	{ A("-c", "256"), REFUSED("configuration '256': too large (max 255)") },
	{ A("-i", "0"), WANT(.intf = 0) },
	{ A("--intf=1"), WANT(.intf = 1) },
	{ A("-i", "1.0"), REFUSED("interface number '1.0': trailing characters") },
	{ A("-i", "256"), REFUSED("interface number '256': too large (max 255)") },

	/* -a by number or by name. */
	{ A("-a", "2"), WANT(.alt = 2) },
	{ A("--alt", "0x3"), WANT(.alt = 3) },
	{ A("--alt=010"), WANT(.alt = 8) },
	{ A("-a0"), WANT(.alt = 0) },
	{ A("-a", "@Internal Flash  /0x08000000/04*016Kg"),
	  WANT(.alt_name = "@Internal Flash  /0x08000000/04*016Kg") },
	{ A("-a", "SPI flash"), WANT(.alt_name = "SPI flash") },
	{ A("-a", "2", "-a", "kernel"), WANT(.alt_name = "kernel") },
	{ A("-a", "kernel", "-a", "2"), WANT(.alt = 2) },
	{ A("-a", "256"), REFUSED("alternate setting '256': too large (max 255)") },
	{ A("-a", ""), REFUSED("alternate setting ''") },

	/* -S. */
	{ A("-S", "ABC123"), WANT(.serial = { "ABC123", "ABC123" }) },
	{ A("--serial", "rt,dfu"), WANT(.serial = { "rt", "dfu" }) },
	{ A("--serial=,dfu"), WANT(.serial = { NULL, "dfu" }) },
	{ A("-S", "rt,"), WANT(.serial = { "rt", NULL }) },
	{ A("-S", ""), WANT(.serial = { NULL, NULL }) },
	{ A("-S", "a,b,c"), REFUSED("'a,b,c'") },

	/* -t. */
	{ A("-t", "1024"), WANT(.transfer_size = 1024) },
	{ A("-t2048"), WANT(.transfer_size = 2048) },
	{ A("--transfer-size=0x400"), WANT(.transfer_size = 1024) },
	{ A("--transfer-size", "65535"), WANT(.transfer_size = 65535) },
	{ A("-t", "64", "-t", "128"), WANT(.transfer_size = 128) },
	{ A("-t", "0"), REFUSED("transfer size '0': must be at least 1") },
	{ A("-t", "65536"), REFUSED("transfer size '65536': too large (max 65535)") },
	{ A("-t", "0x"), REFUSED("transfer size '0x': not a number") },
	{ A("-t", "0x0800G000"), REFUSED("transfer size '0x0800G000': trailing characters") },
	{ A("-t", "08004000"), REFUSED("transfer size '08004000': a leading 0 means octal") },
	{ A("-t", "-1"), REFUSED("transfer size '-1': negative numbers are not allowed") },
	{ A("-t", "1.5"), REFUSED("transfer size '1.5': trailing characters") },
	{ A("-t", " 5"), REFUSED("transfer size ' 5': not a number") },
	{ A("-t", "99999999999999999999999"),
	  REFUSED("transfer size '99999999999999999999999': too large (max 65535)") },
	{ A("-t"), REFUSED("'-t' needs an argument") },
	{ A("--transfer-size"), REFUSED("'--transfer-size' needs an argument") },

	/* -E refusals. */
	{ A("-E", "3601"), REFUSED("detach delay '3601': too large (max 3600)") },
	{ A("-E", "-1"), REFUSED("detach delay '-1': negative numbers are not allowed") },
	{ A("-E", "5s"), REFUSED("detach delay '5s': trailing characters") },

	/* Upload and download. */
	{ A("-U", "out.bin"), WANT(.action = ACTION_UPLOAD, .upload_file = "out.bin") },
	{ A("-Uout.bin"), WANT(.action = ACTION_UPLOAD, .upload_file = "out.bin") },
	{ A("--upload", "out.bin", "-Z", "1024"), WANT(.action = ACTION_UPLOAD,
		.upload_file = "out.bin", .have_upload_size = 1, .upload_size = 1024) },
	{ A("-Z", "0x100", "-U", "f"), WANT(.action = ACTION_UPLOAD, .upload_file = "f",
		.have_upload_size = 1, .upload_size = 256) },
	{ A("-U", "f", "--upload-size=4294967295"), WANT(.action = ACTION_UPLOAD,
		.upload_file = "f", .have_upload_size = 1, .upload_size = UINT32_MAX) },
	{ A("-U", "f", "-Z", "4294967296"), REFUSED("upload size '4294967296': too large") },
	{ A("-U", "f", "-Z", "99999999999999999999999"),
	  REFUSED("upload size '99999999999999999999999': too large (max 4294967295)") },
	{ A("-U", "-"), WANT(.action = ACTION_UPLOAD, .upload_file = "-") },
	{ A("-U", "-", "-Z", "64"), WANT(.action = ACTION_UPLOAD, .upload_file = "-",
		.have_upload_size = 1, .upload_size = 64) },
	{ A("-U", "f", "-Z", "0"), REFUSED("upload size '0': must be at least 1") },
	{ A("-U", ""), REFUSED("upload file ''") },
	{ A("-D", "fw.bin"), WANT(.action = ACTION_DOWNLOAD, .download_file = "fw.bin") },
	{ A("--download", "-"), WANT(.action = ACTION_DOWNLOAD, .download_file = "-") },
	{ A("-D-"), WANT(.action = ACTION_DOWNLOAD, .download_file = "-") },
	{ A("-D", "-", "-e", "-R"), WANT(.action = ACTION_DOWNLOAD, .download_file = "-",
		.detach = 1, .reset = 1) },
	{ A("--download=fw.dfu"), WANT(.action = ACTION_DOWNLOAD, .download_file = "fw.dfu") },
	{ A("-D", "fw.bin", "-d", "1d50:6018,0483:df11", "-a", "0", "-R", "-t", "64"),
	  WANT(.action = ACTION_DOWNLOAD, .download_file = "fw.bin", .n_ids = 2,
	       .ids = { ID(0x1d50, 0x6018), ID(0x0483, 0xdf11) }, .alt = 0, .reset = 1,
	       .transfer_size = 64) },
	{ A("-D", ""), REFUSED("download file ''") },
	{ A("-D"), REFUSED("'-D' needs an argument") },

	/* Conflicts. */
	{ A("-U", "a", "-D", "b"), REFUSED("-U 'a' and -D 'b'") },
	{ A("-Z", "10"), REFUSED("-Z") },
	{ A("-Z", "10", "-D", "b"), REFUSED("-Z") },
	{ A("-l", "-D", "f"), REFUSED("-D 'f'") },
	{ A("-l", "-U", "f"), REFUSED("-U 'f'") },
	{ A("-D", "f", "--list"), REFUSED("-D 'f'") },

	/* DfuSe address, stored raw. */
	{ A("-s", "0x08000000:leave"), WANT(.dfuse_address = "0x08000000:leave") },
	{ A("-s0x08000000"), WANT(.dfuse_address = "0x08000000") },
	{ A("--dfuse-address", "0x08000000"), WANT(.dfuse_address = "0x08000000") },
	{ A("--dfuse-address=:mass-erase:force"), WANT(.dfuse_address = ":mass-erase:force") },
	{ A("--dfuse", "0x08000000"), WANT(.dfuse_address = "0x08000000") },
	{ A("--dfuse=0x08000000:force"), WANT(.dfuse_address = "0x08000000:force") },
	{ A("-s", ""), REFUSED("''") },

	/*
	 * --wait takes an optional deadline, only as --wait=SECONDS: the
	 * classic tool's "-w 5" stays refused, so the 5 is never mistaken.
	 */
	{ A("-w", "5"), REFUSED("unexpected argument '5'") },
	{ A("--wait", "5"), REFUSED("unexpected argument '5'") },
	{ A("--wait=5"), WANT(.wait = 1, .wait_seconds = 5) },
	{ A("--wait=0x10"), WANT(.wait = 1, .wait_seconds = 16) },
	{ A("--wait=5", "-w"), WANT(.wait = 1, .wait_seconds = 0) },
	{ A("--wait=0"), REFUSED("'0'") },
	{ A("--wait="), REFUSED("''") },
	{ A("--wait=5s"), REFUSED("'5s'") },
	{ A("--wait=86401"), REFUSED("'86401'") },
	{ A("-w5"), REFUSED("'-5'") },

	/* --timeout: the USB control-transfer timeout in ms. */
	{ A("--timeout", "20000"), WANT(.timeout_ms = 20000) },
	{ A("--timeout=1"), WANT(.timeout_ms = 1) },
	{ A("--timeout", "0"), REFUSED("'0'") },
	{ A("--timeout", "600001"), REFUSED("timeout '600001': too large (max 600000)") },
	{ A("--wait=86401"), REFUSED("wait time '86401': too large (max 86400)") },
	{ A("-U", "f", "-Z", "4294967296"), REFUSED("'4294967296': too large (max 4294967295)") },
	{ A("-U", "f", "-Z", "0x100000000"), REFUSED("'0x100000000': too large (max 0xffffffff)") },
	{ A("--timeout", "5x"), REFUSED("'5x'") },
	{ A("--timeout"), REFUSED("--timeout") },

	/* --quirk: flags for this run, added up over repeats. */
	{ A("--quirk", "dfuse,long-timeout"),
	  WANT(.quirks = { QUIRK_DFUSE | QUIRK_LONG_TIMEOUT, 0, 0 }) },
	{ A("--quirk=transfer-size=64", "--quirk", "dfu-version=0x011a"),
	  WANT(.quirks = { QUIRK_TRANSFER_SIZE | QUIRK_DFU_VERSION, 0x011a, 64 }) },
	{ A("--quirk", "bogus"), REFUSED("'bogus'") },
	{ A("--quirk", "dfuse,,long-timeout"), REFUSED("''") },
	{ A("--quirk", "transfer-size=0"), REFUSED("'0'") },
	{ A("--quirk"), REFUSED("--quirk") },

	/* Simulator options. */
	{ A("--sim", "dfu-plain"), WANT(.sim_devices = "dfu-plain") },
	{ A("--sim=runtime,stm32f4"), WANT(.sim_devices = "runtime,stm32f4") },
	{ A("--sim", "help"), WANT(.sim_devices = "help") },
	{ A("--sim-state", "/tmp/x"), WANT(.sim_state = "/tmp/x") },
	{ A("--sim-state=st"), WANT(.sim_state = "st") },
	{ A("--sim-clock", "virtual"), WANT(.sim_virtual_clock = 1) },
	{ A("--sim-clock=real"), WANT(.sim_virtual_clock = 0) },
	{ A("--sim-clock", "fast"), REFUSED("'fast'") },
	{ A("--sim-clock=Virtual"), REFUSED("'Virtual'") },
	{ A("--sim="), REFUSED("''") },
	{ A("--sim"), REFUSED("'--sim' needs an argument") },
	{ A("--sim-state", ""), REFUSED("''") },

	/* Unambiguous abbreviations, exactly as getopt_long matches them. */
	{ A("--li"), WANT(.action = ACTION_LIST) },
	{ A("--vers"), WANT(.action = ACTION_VERSION) },
	{ A("--verb"), WANT(.verbose = 1) },
	{ A("--transfer", "64"), WANT(.transfer_size = 64) },
	{ A("--res"), WANT(.reset = 1) },
	{ A("--dfu", "0x1"), WANT(.dfuse_address = "0x1") },
	{ A("--dfuse-addr=0x1"), WANT(.dfuse_address = "0x1") },
	{ A("--upload-s", "1", "--upload", "f"), WANT(.action = ACTION_UPLOAD, .upload_file = "f",
		.have_upload_size = 1, .upload_size = 1) },
	{ A("--sim-c", "virtual"), WANT(.sim_virtual_clock = 1) },
	{ A("--ver"), REFUSED("ambiguous option '--ver'") },
	{ A("--de", "x"), REFUSED("ambiguous option '--de'") },
	{ A("--up", "x"), REFUSED("ambiguous option '--up'") },
	{ A("--sim-", "x"), REFUSED("ambiguous option '--sim-'") },

	/* Unknown options and stray arguments. */
	{ A("-x"), REFUSED("unknown option '-x'") },
	{ A("-vx"), REFUSED("'-x'") },
	{ A("--bogus"), REFUSED("unknown option '--bogus'") },
	{ A("--listing"), REFUSED("'--listing'") },
	{ A("--=x"), REFUSED("'--=x'") },
	{ A("--help=1"), REFUSED("'--help=1'") },
	/* --all: every matching device; not with -l, -w or -U -. */
	{ A("--all", "-D", "f"), WANT(.all = 1, .action = ACTION_DOWNLOAD, .download_file = "f") },
	{ A("--all", "-U", "f"), WANT(.all = 1, .action = ACTION_UPLOAD, .upload_file = "f") },
	{ A("--all", "-e"), WANT(.all = 1, .detach = 1) },
	{ A("--al", "1"), REFUSED("ambiguous option '--al'") },
	{ A("--all", "-l"), REFUSED("--all cannot be combined with -l") },
	{ A("--all", "-w", "-D", "f"), REFUSED("--all cannot be combined with -w") },
	{ A("--all", "-U", "-"), REFUSED("--all cannot be combined with -U -") },
	{ A("--all=1"), REFUSED("'--all=1'") },

	{ A("fw.bin"), REFUSED("unexpected argument 'fw.bin'") },
	{ A("-"), REFUSED("unexpected argument '-'") },
	{ A("-D", "fw.bin", "extra"), REFUSED("unexpected argument 'extra'") },
	{ A("--", "-l"), REFUSED("unexpected argument '-l'") },
	{ A("-l", "-x", "-h"), REFUSED("'-x'") },
};

static int str_equal(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static void check_options(const struct dfu_options *got, const struct dfu_options *want)
{
	int i;

	assert_int_equal(got->action, want->action);
	assert_int_equal(got->verbose, want->verbose);
	assert_int_equal(got->n_ids, want->n_ids);
	for (i = 0; i < want->n_ids; i++) {
		assert_int_equal(got->ids[i].vid_match, want->ids[i].vid_match);
		assert_int_equal(got->ids[i].pid_match, want->ids[i].pid_match);
		assert_int_equal(got->ids[i].vid, want->ids[i].vid);
		assert_int_equal(got->ids[i].pid, want->ids[i].pid);
	}
	assert_int_equal(got->devnum, want->devnum);
	assert_true(str_equal(got->path, want->path));
	assert_int_equal(got->config, want->config);
	assert_int_equal(got->intf, want->intf);
	assert_int_equal(got->alt, want->alt);
	assert_true(str_equal(got->alt_name, want->alt_name));
	assert_true(str_equal(got->serial[0], want->serial[0]));
	assert_true(str_equal(got->serial[1], want->serial[1]));
	assert_int_equal(got->detach, want->detach);
	assert_int_equal(got->detach_delay, want->detach_delay);
	assert_int_equal(got->transfer_size, want->transfer_size);
	assert_true(str_equal(got->upload_file, want->upload_file));
	assert_int_equal(got->have_upload_size, want->have_upload_size);
	assert_true(got->upload_size == want->upload_size);
	assert_true(str_equal(got->download_file, want->download_file));
	assert_int_equal(got->reset, want->reset);
	assert_int_equal(got->final_detach, want->final_detach);
	assert_int_equal(got->wait, want->wait);
	assert_int_equal(got->wait_seconds, want->wait_seconds);
	assert_int_equal(got->timeout_ms, want->timeout_ms);
	assert_true(str_equal(got->dfuse_address, want->dfuse_address));
	assert_true(str_equal(got->sim_devices, want->sim_devices));
	assert_true(str_equal(got->sim_state, want->sim_state));
	assert_int_equal(got->sim_virtual_clock, want->sim_virtual_clock);
	assert_int_equal(got->quirks.flags, want->quirks.flags);
	assert_int_equal(got->quirks.dfu_version, want->quirks.dfu_version);
	assert_int_equal(got->quirks.transfer_size, want->quirks.transfer_size);
	assert_int_equal(got->all, want->all);
}

/* "-d 1:2 -t 64" for the failure messages. */
static void row_text(const struct row *r, char *buf, size_t len)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; r->args[i] && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s'%s'", i ? " " : "", r->args[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static int run_row(const struct row *r, struct dfu_options *o, const char **msg)
{
	/* Writable copies: the parser must not depend on argv being literals or not. */
	static char storage[MAX_ARGS][128];
	char *argv[MAX_ARGS + 2];
	int argc = 0, i, rc;

	argv[argc++] = (char *)"dfu-util";
	for (i = 0; r->args[i]; i++) {
		assert_true(i < MAX_ARGS);
		assert_true(strlen(r->args[i]) < sizeof(storage[i]));
		strcpy(storage[i], r->args[i]);
		argv[argc++] = storage[i];
	}
	argv[argc] = NULL;
	options_init(o);
	capture_begin();
	rc = options_parse(o, argc, argv);
	capture_end();
	*msg = capture_err();
	/* Stored strings must be argv itself, never copies that could go stale. */
	if (rc == DFU_OK && o->download_file) {
		for (i = 1; i < argc; i++)
			if (o->download_file >= argv[i] && o->download_file < argv[i] + strlen(argv[i]) + 1)
				break;
		assert_true(i < argc);
	}
	return rc;
}

static void test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct dfu_options o;
		const char *msg;
		char text[512];
		int rc;

		row_text(r, text, sizeof(text));
		print_message("row %zu: dfu-util %s\n", i, text);
		rc = run_row(r, &o, &msg);
		assert_int_equal(rc, r->rc);
		if (rc == DFU_OK) {
			check_options(&o, &r->want);
			assert_string_equal(msg, "");
			continue;
		}
		/* One error line quoting the culprit, then the hint. */
		assert_non_null(r->quote);
		if (!strstr(msg, r->quote))
			print_message("message was: %s", msg);
		assert_non_null(strstr(msg, r->quote));
		assert_non_null(strstr(msg, "error: "));
		assert_null(strstr(strstr(msg, "error: ") + 1, "error: "));
		assert_non_null(strstr(msg, "  try 'dfu-util --help'\n"));
	}
}

/* The parser keeps no state between calls: the same rows in reverse agree. */
static void test_table_reverse(void **state)
{
	size_t i = sizeof(rows) / sizeof(rows[0]);

	(void)state;
	while (i-- > 0) {
		struct dfu_options o;
		const char *msg;

		assert_int_equal(run_row(&rows[i], &o, &msg), rows[i].rc);
		if (rows[i].rc == DFU_OK)
			check_options(&o, &rows[i].want);
	}
}

static void test_init_defaults(void **state)
{
	struct dfu_options o;

	(void)state;
	memset(&o, 0x5a, sizeof(o));
	options_init(&o);
	assert_int_equal(o.action, ACTION_NONE);
	assert_int_equal(o.n_ids, 0);
	assert_int_equal(o.devnum, -1);
	assert_int_equal(o.config, -1);
	assert_int_equal(o.intf, -1);
	assert_int_equal(o.alt, -1);
	assert_null(o.alt_name);
	assert_null(o.path);
	assert_null(o.serial[0]);
	assert_null(o.serial[1]);
	assert_int_equal(o.detach_delay, 5);
	assert_int_equal(o.transfer_size, 0);
	assert_int_equal(o.sim_virtual_clock, -1);
	assert_null(o.sim_devices);
	assert_null(o.dfuse_address);
}

/* -S a,b copies the first serial: it must survive argv being changed later. */
static void test_serial_copy(void **state)
{
	char arg0[] = "dfu-util", arg1[] = "-S", arg2[] = "RT01,DFU02";
	char *argv[] = { arg0, arg1, arg2, NULL };
	struct dfu_options o;

	(void)state;
	options_init(&o);
	assert_int_equal(options_parse(&o, 3, argv), DFU_OK);
	memset(arg2, 'x', 4);
	assert_string_equal(o.serial[0], "RT01");
	assert_string_equal(o.serial[1], "DFU02");
}

/* The help text names every option, short and long. */
static void test_usage(void **state)
{
	static const char *const must[] = {
		"-h, --help", "-V, --version", "-v, --verbose", "-l, --list", "-e, --detach",
		"-E, --detach-delay SECONDS", "-d, --device", "-n, --devnum N", "-p, --path",
		"-c, --cfg N", "-i, --intf N", "-a, --alt N|NAME", "-S, --serial",
		"-t, --transfer-size", "-U, --upload FILE", "-Z, --upload-size", "-D, --download FILE",
		"-R, --reset", "-Q, --final-detach", "-w, --wait[=SECONDS]", "--timeout MS", "--quirk NAME",
		"-s, --dfuse-address", "--dfuse)", "--sim PROFILE",
		"--sim-state DIR", "--sim-clock virtual|real",
	};
	const char *out;
	size_t i;

	(void)state;
	capture_fd_begin(STDOUT_FILENO);
	options_usage();
	out = capture_fd_end();
	assert_true(strncmp(out, "Usage: dfu-util", 15) == 0);
	for (i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
		print_message("help mentions '%s'\n", must[i]);
		assert_non_null(strstr(out, must[i]));
	}
	/* Help fits an 80-column terminal. */
	for (; *out; ) {
		const char *nl = strchr(out, '\n');

		assert_non_null(nl);
		assert_true(nl - out < 80);
		out = nl + 1;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_number),
		cmocka_unit_test(test_parse_id_pair),
		cmocka_unit_test(test_init_defaults),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_reverse),
		cmocka_unit_test(test_serial_copy),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
