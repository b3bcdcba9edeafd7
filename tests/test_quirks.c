/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * Unit tests for the quirks table (sorted, unique, valid), the --quirk
 * parser, and desc_has_other_interfaces() that runtime-protocol-0 uses.
 */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "descriptor.h"
#include "errors.h"
#include "log.h"
#include "quirks.h"

static void test_table_sorted_valid(void **state)
{
	const struct quirk_entry *t;
	const char *const *names = quirks_names();
	unsigned int all = 0;
	size_t n, i;

	(void)state;
	for (i = 0; names[i]; i++)
		all |= 1u << i;
	t = quirks_table(&n);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		assert_true(t[i].bcd_lo <= t[i].bcd_hi);
		assert_non_null(t[i].device);
		assert_true(strlen(t[i].device) > 10);
		assert_true(t[i].q.flags != 0);
		assert_int_equal(t[i].q.flags & ~all, 0);
		if (t[i].q.flags & QUIRK_TRANSFER_SIZE)
			assert_true(t[i].q.transfer_size > 0);
		else
			assert_int_equal(t[i].q.transfer_size, 0);
		if (!(t[i].q.flags & QUIRK_DFU_VERSION))
			assert_int_equal(t[i].q.dfu_version, 0);
		if (i == 0)
			continue;
		/* sorted by vid, pid, bcd_lo; one vid:pid's ranges never overlap */
		if (t[i - 1].vid != t[i].vid) {
			assert_true(t[i - 1].vid < t[i].vid);
		} else if (t[i - 1].pid != t[i].pid) {
			assert_true(t[i - 1].pid < t[i].pid);
		} else {
			assert_true(t[i - 1].bcd_hi < t[i].bcd_lo);
		}
	}
}

static void test_lookup(void **state)
{
	struct dfu_quirks q;
	const char *dev;

	(void)state;
	/* opc-20: bcdDevice 2.00 only */
	quirks_lookup(0x0483, 0xdf11, 0x0200, &q, &dev);
	assert_int_equal(q.flags, QUIRK_DFU_VERSION);
	assert_int_equal(q.dfu_version, 0x011a);
	assert_non_null(dev);
	/* the DSO Nano (bcdDevice 1.1a) says 0x011a itself */
	quirks_lookup(0x0483, 0xdf11, 0x011a, &q, &dev);
	assert_int_equal(q.flags, 0);
	assert_null(dev);
	/* STM32F4 ROM */
	quirks_lookup(0x0483, 0xdf11, 0x2200, &q, &dev);
	assert_int_equal(q.flags, QUIRK_LONG_TIMEOUT);
	quirks_lookup(0x04bf, 0x0320, 0x2652, &q, NULL);
	assert_int_equal(q.flags, QUIRK_RUNTIME_PROTO0);
	quirks_lookup(0x1209, 0x2002, 0x0100, &q, &dev);
	assert_int_equal(q.flags, 0);
}

static void test_parse_format(void **state)
{
	struct dfu_quirks q, r;
	char buf[200];

	(void)state;
	memset(&q, 0, sizeof(q));
	assert_int_equal(quirks_parse("dfuse,dfu-version=0x011a,runtime-protocol-0,long-timeout,"
				      "gone-after-leave,no-detach-reset,transfer-size=1023", &q), 0);
	assert_int_equal(q.flags, 0x7f);
	assert_int_equal(q.dfu_version, 0x011a);
	assert_int_equal(q.transfer_size, 1023);
	quirks_format(&q, buf, sizeof(buf));
	assert_string_equal(buf, "dfuse, dfu-version=0x011a, runtime-protocol-0, long-timeout, "
			    "gone-after-leave, no-detach-reset, transfer-size=1023");
	/* every flag name parses back to itself */
	memset(&r, 0, sizeof(r));
	assert_int_equal(quirks_parse("transfer-size=1023,dfu-version=282,no-detach-reset,"
				      "gone-after-leave,long-timeout,runtime-protocol-0,dfuse", &r), 0);
	assert_memory_equal(&q, &r, sizeof(q));

	memset(&q, 0, sizeof(q));
	assert_int_equal(quirks_parse("bogus", &q), DFU_E_USAGE);
	assert_int_equal(quirks_parse("dfuse,", &q), DFU_E_USAGE);
	assert_int_equal(quirks_parse("", &q), DFU_E_USAGE);
	assert_int_equal(quirks_parse("dfuse=1", &q), DFU_E_USAGE);
	assert_int_equal(quirks_parse("transfer-size", &q), DFU_E_USAGE);
	assert_int_equal(quirks_parse("transfer-size=0", &q), DFU_E_USAGE);
	assert_int_equal(quirks_parse("transfer-size=65536", &q), DFU_E_USAGE);
	assert_int_equal(quirks_parse("dfu-version=0x1g", &q), DFU_E_USAGE);
	assert_int_equal(quirks_parse("dfuse-", &q), DFU_E_USAGE);

	/* merging: the later value wins, flags add up */
	memset(&q, 0, sizeof(q));
	memset(&r, 0, sizeof(r));
	assert_int_equal(quirks_parse("transfer-size=64", &q), 0);
	assert_int_equal(quirks_parse("transfer-size=128,dfuse", &r), 0);
	quirks_merge(&q, &r);
	assert_int_equal(q.flags, QUIRK_TRANSFER_SIZE | QUIRK_DFUSE);
	assert_int_equal(q.transfer_size, 128);
}

/* TDK Bluetooth adapter: two Bluetooth interfaces, then DFU (protocol 0). */
static const unsigned char tdk_cfg[] = {
	9, 2, 36, 0, 3, 1, 0, 0x80, 32,
	9, 4, 0, 0, 0, 0xe0, 1, 1, 0,
	9, 4, 1, 0, 0, 0xe0, 1, 1, 0,
	9, 4, 2, 0, 0, 0xfe, 1, 0, 0,
};

/* LPC-Link: the DFU interface alone, protocol 0, DFU 1.0 functional descriptor. */
static const unsigned char lpc_cfg[] = {
	9, 2, 25, 0, 1, 1, 0, 0x80, 50,
	9, 4, 0, 0, 0, 0xfe, 1, 0, 0,
	7, 0x21, 0x01, 0xff, 0xff, 0x00, 0x08,
};

static void test_other_interfaces(void **state)
{
	unsigned char bad[sizeof(tdk_cfg)];

	(void)state;
	assert_int_equal(desc_has_other_interfaces(tdk_cfg, sizeof(tdk_cfg)), 1);
	assert_int_equal(desc_has_other_interfaces(lpc_cfg, sizeof(lpc_cfg)), 0);
	/* a short read: only what arrived counts */
	assert_int_equal(desc_has_other_interfaces(tdk_cfg, 9), 0);
	memcpy(bad, tdk_cfg, sizeof(bad));
	bad[9] = 0;			/* bLength 0 would never advance */
	assert_int_equal(desc_has_other_interfaces(bad, sizeof(bad)), DFU_E_DATA);
	assert_int_equal(desc_has_other_interfaces(NULL, 0), DFU_E_DATA);
	assert_int_equal(desc_has_other_interfaces(tdk_cfg, 4), DFU_E_DATA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_sorted_valid),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_other_interfaces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
