/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * Unit tests for the descriptor parsers (hand-built bytes modelled on real
 * devices), device_match() on hand-built interface lists, and device_scan()
 * against a tiny fake backend.
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
#include "descriptor.h"
#include "device.h"
#include "errors.h"
#include "options.h"

/* ------------------------------------------------------------ fixtures */

static const unsigned char stm32_dev[18] = {
	18, 1, 0x00, 0x01, 0, 0, 0, 64, 0x83, 0x04, 0x11, 0xdf, 0x00, 0x22, 1, 2, 3, 1
};

/* STM32F4 ROM bootloader: 4 alts, one functional descriptor after the last. */
static const unsigned char stm32_cfg[54] = {
	9, 2, 54, 0, 1, 1, 0, 0xc0, 50,
	9, 4, 0, 0, 0, 0xfe, 1, 2, 4,
	9, 4, 0, 1, 0, 0xfe, 1, 2, 5,
	9, 4, 0, 2, 0, 0xfe, 1, 2, 6,
	9, 4, 0, 3, 0, 0xfe, 1, 2, 7,
	9, 0x21, 0x0b, 0xff, 0x00, 0x00, 0x08, 0x1a, 0x01,
};

/* DSO Nano: DfuSe with bInterfaceProtocol 0. */
static const unsigned char dsonano_cfg[36] = {
	9, 2, 36, 0, 1, 1, 0, 0x80, 32,
	9, 4, 0, 0, 0, 0xfe, 1, 0, 4,
	9, 4, 0, 1, 0, 0xfe, 1, 0, 5,
	9, 0x21, 0x0b, 0xff, 0x00, 0x00, 0x04, 0x1a, 0x01,
};

/* DFU 1.0 device with a 7-byte functional descriptor. */
static const unsigned char dfu10_cfg[25] = {
	9, 2, 25, 0, 1, 1, 0, 0x80, 50,
	9, 4, 0, 0, 0, 0xfe, 1, 2, 0,
	7, 0x21, 0x07, 0x10, 0x27, 0x00, 0x01,
};

/* The functional descriptor before any interface (config "extra"). */
static const unsigned char early_func_cfg[27] = {
	9, 2, 27, 0, 1, 1, 0, 0x80, 50,
	9, 0x21, 0x01, 0x64, 0x00, 0x00, 0x02, 0x10, 0x01,
	9, 4, 0, 0, 0, 0xfe, 1, 2, 0,
};

/* Composite: HID (with its own 0x21 descriptor) + DFU run-time, no DFU func. */
static const unsigned char hid_cfg[34] = {
	9, 2, 34, 0, 2, 1, 0, 0x80, 50,
	9, 4, 0, 0, 1, 0x03, 0, 0, 0,
	9, 0x21, 0x11, 0x01, 0, 1, 0x22, 0x40, 0,	/* HID descriptor */
	7, 5, 0x81, 3, 8, 0, 10,
};

static const unsigned char hid_dfu_cfg[43] = {
	9, 2, 43, 0, 2, 1, 0, 0x80, 50,
	9, 4, 0, 0, 1, 0x03, 0, 0, 0,
	9, 0x21, 0x11, 0x01, 0, 1, 0x22, 0x40, 0,	/* HID descriptor */
	7, 5, 0x81, 3, 8, 0, 10,
	9, 4, 1, 0, 0, 0xfe, 1, 1, 9,
};

/* Each alt with its own functional descriptor. */
static const unsigned char own_func_cfg[45] = {
	9, 2, 45, 0, 1, 1, 0, 0x80, 50,
	9, 4, 0, 0, 0, 0xfe, 1, 2, 0,
	9, 0x21, 0x03, 0, 0, 0x00, 0x02, 0x10, 0x01,
	9, 4, 0, 1, 0, 0xfe, 1, 2, 0,
	9, 0x21, 0x07, 0, 0, 0x00, 0x04, 0x10, 0x01,
};

static unsigned char *dup_bytes(const unsigned char *b, size_t len)
{
	/* Exact-size heap copies let ASan/valgrind see any over-read. */
	unsigned char *p = malloc(len ? len : 1);

	assert_non_null(p);
	memcpy(p, b, len);
	return p;
}

static int find_alts(const unsigned char *b, size_t len, struct dfu_alt_desc *out, int max)
{
	unsigned char *p = dup_bytes(b, len);
	int n = desc_find_dfu_alts(p, len, out, max);

	free(p);
	return n;
}

/* ------------------------------------------------------------ device descriptor */

static void test_device_desc(void **state)
{
	struct usb_device_desc d;
	unsigned char bad[18];

	(void)state;
	assert_int_equal(desc_parse_device(stm32_dev, sizeof(stm32_dev), &d), 0);
	assert_int_equal(d.idVendor, 0x0483);
	assert_int_equal(d.idProduct, 0xdf11);
	assert_int_equal(d.bcdDevice, 0x2200);
	assert_int_equal(d.bcdUSB, 0x0100);
	assert_int_equal(d.iSerialNumber, 3);
	assert_int_equal(d.bNumConfigurations, 1);
	assert_int_equal(desc_parse_device(stm32_dev, 17, &d), DFU_E_DATA);
	memcpy(bad, stm32_dev, 18);
	bad[1] = 2;
	assert_int_equal(desc_parse_device(bad, 18, &d), DFU_E_DATA);
	memcpy(bad, stm32_dev, 18);
	bad[0] = 9;
	assert_int_equal(desc_parse_device(bad, 18, &d), DFU_E_DATA);
}

/* ------------------------------------------------------------ configurations */

static void test_stm32f4(void **state)
{
	struct dfu_alt_desc a[8];
	int i;

	(void)state;
	assert_int_equal(find_alts(stm32_cfg, sizeof(stm32_cfg), a, 8), 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(a[i].bConfigurationValue, 1);
		assert_int_equal(a[i].bInterfaceNumber, 0);
		assert_int_equal(a[i].bAlternateSetting, i);
		assert_int_equal(a[i].bInterfaceProtocol, 2);
		assert_int_equal(a[i].iInterface, 4 + i);
		assert_int_equal(a[i].has_func, 1);
		assert_int_equal(a[i].func.bLength, 9);
		assert_int_equal(a[i].func.bmAttributes, 0x0b);
		assert_int_equal(a[i].func.wDetachTimeOut, 255);
		assert_int_equal(a[i].func.wTransferSize, 2048);
		assert_int_equal(a[i].func.bcdDFUVersion, 0x011a);
	}
}

static void test_dsonano(void **state)
{
	struct dfu_alt_desc a[4];

	(void)state;
	assert_int_equal(find_alts(dsonano_cfg, sizeof(dsonano_cfg), a, 4), 2);
	assert_int_equal(a[0].bInterfaceProtocol, 0);
	assert_int_equal(a[1].bAlternateSetting, 1);
	assert_int_equal(a[0].has_func, 1);
	assert_int_equal(a[0].func.wTransferSize, 1024);
	assert_int_equal(a[0].func.bcdDFUVersion, 0x011a);
}

static void test_dfu10_func(void **state)
{
	struct dfu_alt_desc a[2];

	(void)state;
	assert_int_equal(find_alts(dfu10_cfg, sizeof(dfu10_cfg), a, 2), 1);
	assert_int_equal(a[0].has_func, 1);
	assert_int_equal(a[0].func.bLength, 7);
	assert_int_equal(a[0].func.bcdDFUVersion, 0x0100);
	assert_int_equal(a[0].func.wDetachTimeOut, 10000);
	assert_int_equal(a[0].func.wTransferSize, 256);
}

static void test_func_elsewhere(void **state)
{
	struct dfu_alt_desc a[2];

	(void)state;
	assert_int_equal(find_alts(early_func_cfg, sizeof(early_func_cfg), a, 2), 1);
	assert_int_equal(a[0].has_func, 1);
	assert_int_equal(a[0].func.wTransferSize, 512);
	assert_int_equal(a[0].func.wDetachTimeOut, 100);
}

static void test_func_own_per_alt(void **state)
{
	struct dfu_alt_desc a[2];

	(void)state;
	assert_int_equal(find_alts(own_func_cfg, sizeof(own_func_cfg), a, 2), 2);
	assert_int_equal(a[0].func.wTransferSize, 512);
	assert_int_equal(a[0].func.bmAttributes, 3);
	assert_int_equal(a[1].func.wTransferSize, 1024);
	assert_int_equal(a[1].func.bmAttributes, 7);
}

static void test_hid_not_dfu_func(void **state)
{
	struct dfu_alt_desc a[2];

	(void)state;
	assert_int_equal(find_alts(hid_cfg, sizeof(hid_cfg), a, 2), 0);
	assert_int_equal(find_alts(hid_dfu_cfg, sizeof(hid_dfu_cfg), a, 2), 1);
	assert_int_equal(a[0].bInterfaceNumber, 1);
	assert_int_equal(a[0].bInterfaceProtocol, 1);
	assert_int_equal(a[0].iInterface, 9);
	/* The HID class descriptor shares type 0x21 but is not DFU's. */
	assert_int_equal(a[0].has_func, 0);
}

static void test_lying_lengths(void **state)
{
	struct dfu_alt_desc a[8];
	unsigned char b[54];

	(void)state;
	memcpy(b, stm32_cfg, sizeof(b));
	b[18] = 0;			/* alt 1 bLength 0: would loop forever */
	assert_int_equal(find_alts(b, sizeof(b), a, 8), DFU_E_DATA);
	b[18] = 1;
	assert_int_equal(find_alts(b, sizeof(b), a, 8), DFU_E_DATA);
	b[18] = 5;			/* too short for an interface */
	assert_int_equal(find_alts(b, sizeof(b), a, 8), DFU_E_DATA);
	memcpy(b, stm32_cfg, sizeof(b));
	b[45] = 10;			/* functional descriptor runs past the end */
	assert_int_equal(find_alts(b, sizeof(b), a, 8), DFU_E_DATA);
	memcpy(b, stm32_cfg, sizeof(b));
	b[0] = 200;			/* config header longer than everything */
	assert_int_equal(find_alts(b, sizeof(b), a, 8), DFU_E_DATA);
	memcpy(b, stm32_cfg, sizeof(b));
	b[0] = 4;
	assert_int_equal(find_alts(b, sizeof(b), a, 8), DFU_E_DATA);
	memcpy(b, stm32_cfg, sizeof(b));
	b[2] = 5;			/* wTotalLength smaller than the header */
	assert_int_equal(find_alts(b, sizeof(b), a, 8), DFU_E_DATA);
	memcpy(b, stm32_cfg, sizeof(b));
	b[1] = 4;			/* not a configuration */
	assert_int_equal(find_alts(b, sizeof(b), a, 8), DFU_E_DATA);
	/* A functional descriptor of length 8 is neither layout: ignored. */
	memcpy(b, stm32_cfg, sizeof(b));
	b[45] = 8;
	b[2] = 53;
	assert_int_equal(find_alts(b, 53, a, 8), 4);
	assert_int_equal(a[0].has_func, 0);
}

static void test_truncated(void **state)
{
	struct dfu_alt_desc a[8];
	unsigned char b[56];

	(void)state;
	/* Cut inside alt 2: the descriptor crosses the end. */
	assert_int_equal(find_alts(stm32_cfg, 30, a, 8), DFU_E_DATA);
	/* Cut exactly after alt 1: two alts, no functional descriptor. */
	assert_int_equal(find_alts(stm32_cfg, 27, a, 8), 2);
	assert_int_equal(a[1].has_func, 0);
	assert_int_equal(find_alts(stm32_cfg, 5, a, 8), DFU_E_DATA);
	assert_int_equal(find_alts(stm32_cfg, 0, a, 8), DFU_E_DATA);
	assert_int_equal(desc_find_dfu_alts(NULL, 54, a, 8), DFU_E_DATA);
	/* wTotalLength larger than the buffer: walk what is there. */
	memcpy(b, stm32_cfg, 54);
	b[2] = 200;
	assert_int_equal(find_alts(b, 54, a, 8), 4);
	/* One stray byte after the last descriptor: stop safely. */
	memcpy(b, stm32_cfg, 54);
	b[54] = 0x42;
	b[2] = 55;
	assert_int_equal(find_alts(b, 55, a, 8), 4);
}

static void test_max_respected(void **state)
{
	struct dfu_alt_desc a[3];

	(void)state;
	memset(a, 0x5a, sizeof(a));
	assert_int_equal(find_alts(stm32_cfg, sizeof(stm32_cfg), a, 2), 4);
	assert_int_equal(a[1].bAlternateSetting, 1);
	assert_int_equal(a[1].has_func, 1);
	assert_int_equal(a[2].bAlternateSetting, 0x5a);	/* untouched */
	assert_int_equal(find_alts(stm32_cfg, sizeof(stm32_cfg), NULL, 0), 4);
}

/* Deterministic mutations: every result must be an error or a sane count. */
static void test_mutations(void **state)
{
	struct dfu_alt_desc a[8];
	unsigned char b[54];
	uint32_t seed = 12345;
	int i, k, n;

	(void)state;
	for (i = 0; i < 20000; i++) {
		memcpy(b, stm32_cfg, sizeof(b));
		for (k = 0; k < 3; k++) {
			seed = seed * 1103515245u + 12345u;
			b[(seed >> 8) % sizeof(b)] = (unsigned char)(seed >> 20);
		}
		seed = seed * 1103515245u + 12345u;
		n = find_alts(b, 1 + (seed >> 10) % sizeof(b), a, 8);
		assert_true(n == DFU_E_DATA || (n >= 0 && n <= 6));
	}
}

/* ------------------------------------------------------------ functional */

static void test_parse_func(void **state)
{
	struct dfu_func_desc f;
	unsigned char b[12] = { 9, 0x21, 0x0d, 0x34, 0x12, 0x00, 0x10, 0x10, 0x01, 0xaa, 0xbb, 0xcc };

	(void)state;
	assert_int_equal(desc_parse_func(b, 9, &f), 0);
	assert_int_equal(f.bmAttributes, 0x0d);
	assert_int_equal(f.wDetachTimeOut, 0x1234);
	assert_int_equal(f.wTransferSize, 4096);
	assert_int_equal(f.bcdDFUVersion, 0x0110);
	assert_int_equal(desc_parse_func(b, 8, &f), DFU_E_DATA);	/* bLength past end */
	b[0] = 12;
	assert_int_equal(desc_parse_func(b, 12, &f), 0);
	assert_int_equal(f.bLength, 12);
	b[0] = 7;
	assert_int_equal(desc_parse_func(b, 7, &f), 0);
	assert_int_equal(f.bcdDFUVersion, 0x0100);
	b[0] = 8;
	assert_int_equal(desc_parse_func(b, 12, &f), DFU_E_DATA);
	b[0] = 6;
	assert_int_equal(desc_parse_func(b, 12, &f), DFU_E_DATA);
	b[0] = 9;
	b[1] = 0x24;
	assert_int_equal(desc_parse_func(b, 12, &f), DFU_E_DATA);
	assert_int_equal(desc_parse_func(b, 1, &f), DFU_E_DATA);
}

/* ------------------------------------------------------------ strings */

/* Build a string descriptor from UTF-16 code units. */
static size_t mkstr(unsigned char *b, const uint16_t *u, size_t n)
{
	size_t i;

	b[0] = (unsigned char)(2 + 2 * n);
	b[1] = 3;
	for (i = 0; i < n; i++) {
		b[2 + 2 * i] = (unsigned char)(u[i] & 0xff);
		b[3 + 2 * i] = (unsigned char)(u[i] >> 8);
	}
	return 2 + 2 * n;
}

static int decode(const unsigned char *b, size_t len, char *out, size_t outlen)
{
	unsigned char *p = dup_bytes(b, len);
	int n = desc_decode_string(p, len, out, outlen);

	free(p);
	return n;
}

static void test_string_ascii(void **state)
{
	static const uint16_t u[] = { 'S', 'T', 'M', '3', '2' };
	unsigned char b[64];
	char out[64];
	size_t len = mkstr(b, u, 5);

	(void)state;
	assert_int_equal(decode(b, len, out, sizeof(out)), 5);
	assert_string_equal(out, "STM32");
	/* Empty string. */
	len = mkstr(b, u, 0);
	assert_int_equal(decode(b, len, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

static void test_string_non_ascii(void **state)
{
	static const uint16_t u[] = { 'c', 0x00e9, 0x20ac, 0xd83d, 0xde00 };
	unsigned char b[64];
	char out[64];
	size_t len = mkstr(b, u, 5);

	(void)state;
	assert_int_equal(decode(b, len, out, sizeof(out)), 10);
	assert_string_equal(out, "c\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

static void test_string_invalid(void **state)
{
	static const uint16_t lone_hi[] = { 'a', 0xd800, 'b' };
	static const uint16_t lone_lo[] = { 0xdc00, 'x' };
	static const uint16_t hi_end[] = { 'z', 0xdbff };
	static const uint16_t nul[] = { 'o', 'k', 0, 'x' };
	unsigned char b[64];
	char out[64];
	size_t len;

	(void)state;
	len = mkstr(b, lone_hi, 3);
	assert_int_equal(decode(b, len, out, sizeof(out)), 3);
	assert_string_equal(out, "a?b");
	len = mkstr(b, lone_lo, 2);
	decode(b, len, out, sizeof(out));
	assert_string_equal(out, "?x");
	len = mkstr(b, hi_end, 2);
	decode(b, len, out, sizeof(out));
	assert_string_equal(out, "z?");
	len = mkstr(b, nul, 4);
	decode(b, len, out, sizeof(out));
	assert_string_equal(out, "ok");
}

static void test_string_lengths(void **state)
{
	static const uint16_t u[] = { 'A', 'B', 'C', 0x00e9 };
	unsigned char b[64];
	char out[64];
	size_t len = mkstr(b, u, 4);

	(void)state;
	/* Odd bLength: the half code unit is dropped. */
	b[0] = 7;
	assert_int_equal(decode(b, len, out, sizeof(out)), 2);
	assert_string_equal(out, "AB");
	/* bLength beyond what arrived: decode what arrived. */
	b[0] = 60;
	assert_int_equal(decode(b, 6, out, sizeof(out)), 2);
	assert_string_equal(out, "AB");
	b[0] = (unsigned char)len;
	/* Output truncation keeps whole UTF-8 sequences and the NUL. */
	assert_int_equal(decode(b, len, out, 5), 3);
	assert_string_equal(out, "ABC");
	assert_int_equal(decode(b, len, out, 6), 5);
	assert_string_equal(out, "ABC\xc3\xa9");
	assert_int_equal(decode(b, len, out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(desc_decode_string(b, len, out, 0), DFU_E_DATA);
	/* Not a string descriptor, or too short to be one. */
	b[1] = 2;
	assert_int_equal(decode(b, len, out, sizeof(out)), DFU_E_DATA);
	assert_string_equal(out, "");
	b[1] = 3;
	b[0] = 1;
	assert_int_equal(decode(b, len, out, sizeof(out)), DFU_E_DATA);
	assert_int_equal(decode(b, 1, out, sizeof(out)), DFU_E_DATA);
}

/* ------------------------------------------------------------ device_match */

static struct dfu_if *mk(struct dfu_if *d, uint16_t vid, uint16_t pid, uint8_t bus, uint8_t devnum,
			 const char *path, uint8_t intf, uint8_t alt, int runtime,
			 const char *name, const char *serial)
{
	memset(d, 0, sizeof(*d));
	d->vid = vid;
	d->pid = pid;
	d->bus = bus;
	d->devnum = devnum;
	snprintf(d->path, sizeof(d->path), "%s", path);
	d->config = 1;
	d->intf = intf;
	d->alt = alt;
	d->runtime = runtime;
	d->protocol = runtime ? 1 : 2;
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->serial, sizeof(d->serial), "%s", serial);
	return d;
}

#define N_ITEMS 10
static struct dfu_if items[N_ITEMS];
static struct dfu_if_list list = { N_ITEMS, items };

/* Indices into items[] */
enum { STM0, STM1, STM2, STM3, BMP_RT, NANO0, NANO1, BOTH_RT, BOTH_DFU, BMP_DFU };

static int setup_list(void **state)
{
	(void)state;
	mk(&items[STM0], 0x0483, 0xdf11, 1, 7, "1-2", 0, 0, 0,
	   "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg", "315A28A0B956");
	mk(&items[STM1], 0x0483, 0xdf11, 1, 7, "1-2", 0, 1, 0,
	   "@Option Bytes  /0x1FFFC000/01*016 g", "315A28A0B956");
	mk(&items[STM2], 0x0483, 0xdf11, 1, 7, "1-2", 0, 2, 0,
	   "@OTP Memory /0x1FFF7800/01*512 g,01*016 g", "315A28A0B956");
	mk(&items[STM3], 0x0483, 0xdf11, 1, 7, "1-2", 0, 3, 0,
	   "@Device Feature/0xFFFF0000/01*004 g", "315A28A0B956");
	mk(&items[BMP_RT], 0x1d50, 0x6018, 3, 76, "3-4.2", 4, 0, 1,
	   "Black Magic Firmware Upgrade (STLINK)", "C2C89BDB");
	mk(&items[NANO0], 0x0483, 0xdf11, 2, 4, "2-1", 0, 0, 0,
	   "@Internal Flash  /0x08000000/12*001Ka,116*001Kg", "001");
	items[NANO0].protocol = 0;
	mk(&items[NANO1], 0x0483, 0xdf11, 2, 4, "2-1", 0, 1, 0,
	   "@SPI Flash : M25P64/0x00000000/64*064Kg,64*064Kg", "001");
	items[NANO1].protocol = 0;
	mk(&items[BOTH_RT], 0x1234, 0x5678, 4, 2, "4-1", 1, 0, 1, "run-time", "XYZ");
	mk(&items[BOTH_DFU], 0x1234, 0x5678, 4, 2, "4-1", 2, 0, 0, "flash", "XYZ");
	/* Black Magic Probe after detach: another bus slot, new PID. */
	mk(&items[BMP_DFU], 0x1d50, 0x6017, 3, 77, "3-4.2", 0, 0, 0,
	   "@Internal Flash   /0x08000000/8*001Ka,120*001Kg", "C2C89BDB");
	list.count = N_ITEMS - 1;	/* BMP_DFU only where a test adds it */
	return 0;
}

static void ids(struct dfu_options *o, int which, enum id_match vm, uint16_t vid,
		enum id_match pm, uint16_t pid)
{
	o->ids[which].vid_match = vm;
	o->ids[which].vid = vid;
	o->ids[which].pid_match = pm;
	o->ids[which].pid = pid;
	if (o->n_ids < which + 1)
		o->n_ids = which + 1;
}

static int contains(const int *idx, int n, int want)
{
	int i;

	for (i = 0; i < n; i++)
		if (idx[i] == want)
			return 1;
	return 0;
}

static void test_match_no_selectors(void **state)
{
	struct dfu_options o;
	int idx[16];
	int n;

	(void)state;
	options_init(&o);
	n = device_match(&list, &o, 0, idx, 16);
	/* STM intf 0 (alt 0), BMP run-time, Nano (alt 0), dual device's DFU intf. */
	assert_int_equal(n, 4);
	assert_true(contains(idx, n, STM0));
	assert_true(contains(idx, n, BMP_RT));
	assert_true(contains(idx, n, NANO0));
	assert_true(contains(idx, n, BOTH_DFU));
	assert_false(contains(idx, n, BOTH_RT));
	/* DFU phase: run-time interfaces drop out. */
	n = device_match(&list, &o, 1, idx, 16);
	assert_int_equal(n, 3);
	assert_false(contains(idx, n, BMP_RT));
	/* max bounds what is stored, not what is counted. */
	idx[1] = -42;
	assert_int_equal(device_match(&list, &o, 0, idx, 1), 4);
	assert_int_equal(idx[1], -42);
}

static void test_match_ids(void **state)
{
	struct dfu_options o;
	int idx[16];
	int n;

	(void)state;
	options_init(&o);
	ids(&o, 0, ID_VALUE, 0x0483, ID_VALUE, 0xdf11);
	n = device_match(&list, &o, 0, idx, 16);
	assert_int_equal(n, 2);
	assert_true(contains(idx, n, STM0));
	assert_true(contains(idx, n, NANO0));

	/*
	 * One pair selects the device as found; after a detach (phase 1) any
	 * DFU-mode interface is a candidate, as in the classic tool.
	 */
	options_init(&o);
	ids(&o, 0, ID_VALUE, 0x1d50, ID_VALUE, 0x6018);
	n = device_match(&list, &o, 0, idx, 16);
	assert_int_equal(n, 1);
	assert_int_equal(idx[0], BMP_RT);
	list.count = N_ITEMS;
	n = device_match(&list, &o, 1, idx, 16);
	assert_true(n >= 2);
	assert_true(contains(idx, n, BMP_DFU));
	assert_false(contains(idx, n, BMP_RT));
	/* With the DFU-mode pair given, the re-enumerated probe is found. */
	ids(&o, 1, ID_VALUE, 0x1d50, ID_VALUE, 0x6017);
	n = device_match(&list, &o, 1, idx, 16);
	assert_int_equal(n, 1);
	assert_int_equal(idx[0], BMP_DFU);
	n = device_match(&list, &o, 0, idx, 16);
	assert_int_equal(n, 2);		/* run-time and DFU-mode probe are separate devices */

	/* "-d ,0483:df11": run-time matches nothing, DFU IDs as given. */
	options_init(&o);
	ids(&o, 0, ID_NONE, 0, ID_NONE, 0);
	ids(&o, 1, ID_VALUE, 0x0483, ID_VALUE, 0xdf11);
	n = device_match(&list, &o, 0, idx, 16);
	assert_int_equal(n, 2);
	assert_false(contains(idx, n, BMP_RT));

	/* Wildcard product. */
	options_init(&o);
	ids(&o, 0, ID_VALUE, 0x1d50, ID_ANY, 0);
	n = device_match(&list, &o, 0, idx, 16);
	assert_int_equal(n, 2);
	assert_true(contains(idx, n, BMP_RT));
	assert_true(contains(idx, n, BMP_DFU));
}

static void test_match_devnum_path(void **state)
{
	struct dfu_options o;
	int idx[16];

	(void)state;
	options_init(&o);
	o.devnum = 7;
	assert_int_equal(device_match(&list, &o, 0, idx, 16), 1);
	assert_int_equal(idx[0], STM0);
	options_init(&o);
	o.path = "2-1";
	assert_int_equal(device_match(&list, &o, 0, idx, 16), 1);
	assert_int_equal(idx[0], NANO0);
	o.path = "3-4.2";
	assert_int_equal(device_match(&list, &o, 0, idx, 16), 1);
	assert_int_equal(idx[0], BMP_RT);
	o.path = "3-4";
	assert_int_equal(device_match(&list, &o, 0, idx, 16), 0);
}

static void test_match_config_intf(void **state)
{
	struct dfu_options o;
	int idx[16];

	(void)state;
	options_init(&o);
	o.config = 2;
	assert_int_equal(device_match(&list, &o, 0, idx, 16), 0);
	options_init(&o);
	o.intf = 2;
	assert_int_equal(device_match(&list, &o, 0, idx, 16), 1);
	assert_int_equal(idx[0], BOTH_DFU);
	/* Only the run-time interface passes: it is used. */
	o.intf = 1;
	assert_int_equal(device_match(&list, &o, 0, idx, 16), 1);
	assert_int_equal(idx[0], BOTH_RT);
}

static void test_match_alt(void **state)
{
	struct dfu_options o;
	int idx[16];
	int n;

	(void)state;
	options_init(&o);
	ids(&o, 0, ID_VALUE, 0x0483, ID_VALUE, 0xdf11);
	o.alt = 1;
	n = device_match(&list, &o, 0, idx, 16);
	assert_int_equal(n, 2);
	assert_true(contains(idx, n, STM1));
	assert_true(contains(idx, n, NANO1));
	o.alt = 3;
	n = device_match(&list, &o, 0, idx, 16);
	assert_int_equal(n, 1);
	assert_int_equal(idx[0], STM3);
	/* -a does not filter a run-time interface: it names the DFU-mode alt. */
	options_init(&o);
	o.alt = 3;
	o.path = "3-4.2";
	assert_int_equal(device_match(&list, &o, 0, idx, 16), 1);
	assert_int_equal(idx[0], BMP_RT);
}

static void test_match_alt_name(void **state)
{
	struct dfu_options o;
	int idx[16];

	(void)state;
	options_init(&o);
	o.alt_name = "@Option Bytes  /0x1FFFC000/01*016 g";
	assert_int_equal(device_match(&list, &o, 1, idx, 16), 1);
	assert_int_equal(idx[0], STM1);
	/* Exact match only: a prefix is not a name. */
	o.alt_name = "@Option Bytes";
	assert_int_equal(device_match(&list, &o, 1, idx, 16), 0);
}

static void test_match_serial(void **state)
{
	struct dfu_options o;
	int idx[16];

	(void)state;
	options_init(&o);
	/* One -S fills both slots (options_parse). */
	o.serial[0] = o.serial[1] = "315A28A0B956";
	assert_int_equal(device_match(&list, &o, 0, idx, 16), 1);
	assert_int_equal(idx[0], STM0);
	o.serial[0] = o.serial[1] = "001";
	assert_int_equal(device_match(&list, &o, 0, idx, 16), 1);
	assert_int_equal(idx[0], NANO0);
	/* "-S C2C89BDB,": the DFU-mode serial is free. */
	o.serial[0] = "C2C89BDB";
	o.serial[1] = NULL;
	assert_int_equal(device_match(&list, &o, 0, idx, 16), 4);
	/* Separate run-time and DFU-mode serials. */
	o.serial[0] = "C2C89BDB";
	o.serial[1] = "ZZZ";
	assert_int_equal(device_match(&list, &o, 0, idx, 16), 1);
	assert_int_equal(idx[0], BMP_RT);
	assert_int_equal(device_match(&list, &o, 1, idx, 16), 0);
	o.serial[1] = "001";
	assert_int_equal(device_match(&list, &o, 1, idx, 16), 1);
	assert_int_equal(idx[0], NANO0);
}

static void test_match_unsorted_lowest_alt(void **state)
{
	struct dfu_if it[3];
	struct dfu_if_list l = { 3, it };
	struct dfu_options o;
	int idx[4];

	(void)state;
	mk(&it[0], 1, 2, 1, 1, "1-1", 0, 2, 0, "c", "s");
	mk(&it[1], 1, 2, 1, 1, "1-1", 0, 1, 0, "b", "s");
	mk(&it[2], 1, 2, 1, 1, "1-1", 0, 5, 0, "e", "s");
	options_init(&o);
	assert_int_equal(device_match(&l, &o, 0, idx, 4), 1);
	assert_int_equal(idx[0], 1);
}

static void test_mismatch_reasons(void **state)
{
	struct dfu_options o;
	char why[200];

	(void)state;
	options_init(&o);
	o.serial[0] = o.serial[1] = "ABC";
	assert_int_equal(device_mismatch_reason(&list, &o, 0, STM2, why, sizeof(why)), 1);
	assert_string_equal(why, "serial 315A28A0B956 is not ABC");
	options_init(&o);
	ids(&o, 0, ID_VALUE, 0x1d50, ID_ANY, 0);
	device_mismatch_reason(&list, &o, 0, STM0, why, sizeof(why));
	assert_string_equal(why, "DFU-mode ID 0483:df11 is not 1d50:*");
	assert_int_equal(device_mismatch_reason(&list, &o, 0, BMP_RT, why, sizeof(why)), 0);
	options_init(&o);
	device_mismatch_reason(&list, &o, 1, BMP_RT, why, sizeof(why));
	assert_string_equal(why, "in run-time mode, not DFU mode");
	o.alt = 9;
	device_mismatch_reason(&list, &o, 1, STM0, why, sizeof(why));
	assert_string_equal(why, "no alt setting 9");
	options_init(&o);
	o.alt_name = "nope";
	device_mismatch_reason(&list, &o, 1, NANO1, why, sizeof(why));
	assert_string_equal(why, "no alt setting named \"nope\"");
	options_init(&o);
	o.devnum = 3;
	device_mismatch_reason(&list, &o, 0, STM0, why, sizeof(why));
	assert_string_equal(why, "devnum 7 is not 3");
	options_init(&o);
	o.path = "9-9";
	device_mismatch_reason(&list, &o, 0, NANO0, why, sizeof(why));
	assert_string_equal(why, "path 2-1 is not 9-9");
	options_init(&o);
	o.intf = 7;
	device_mismatch_reason(&list, &o, 0, STM0, why, sizeof(why));
	assert_string_equal(why, "no DFU interface 7");
	/* An unreadable serial says why it is unknown. */
	options_init(&o);
	o.serial[0] = o.serial[1] = "ABC";
	items[NANO0].open_err = USB_ERR_ACCESS;
	snprintf(items[NANO0].serial, sizeof(items[NANO0].serial), "UNKNOWN");
	snprintf(items[NANO1].serial, sizeof(items[NANO1].serial), "UNKNOWN");
	items[NANO1].open_err = USB_ERR_ACCESS;
	device_mismatch_reason(&list, &o, 0, NANO0, why, sizeof(why));
	assert_non_null(strstr(why, "cannot open"));
	assert_non_null(strstr(why, "not ABC"));
}

/* ------------------------------------------------------------ device_scan with a fake backend */

struct fake {
	struct usb_backend be;
	struct usb_dev_info info[2];
	int open_fails;		/* enum usb_err for device 1, 0 = fine */
	int opens, closes, func_requests;
	unsigned char cfg0[sizeof(stm32_cfg)];
	unsigned char cfg1[27];
};

static struct fake *fake_of(struct usb_backend *be)
{
	return (struct fake *)be;
}

static int fake_enumerate(struct usb_backend *be, struct usb_dev_info **list_out, int *count)
{
	struct fake *f = fake_of(be);
	struct usb_dev_info *l = calloc(2, sizeof(*l));
	int i;

	assert_non_null(l);
	for (i = 0; i < 2; i++) {
		l[i] = f->info[i];
		l[i].config[0] = dup_bytes(i == 0 ? f->cfg0 : f->cfg1, f->info[i].config_len[0]);
	}
	*list_out = l;
	*count = 2;
	return 0;
}

static void fake_free_list(struct usb_backend *be, struct usb_dev_info *l, int count)
{
	int i;

	(void)be;
	for (i = 0; i < count; i++)
		free(l[i].config[0]);
	free(l);
}

static struct usb_handle fake_handle;

static int fake_open(struct usb_backend *be, const struct usb_dev_info *dev, struct usb_handle **h)
{
	struct fake *f = fake_of(be);

	if (dev->devnum == 9 && f->open_fails)
		return f->open_fails;
	f->opens++;
	fake_handle.backend = be;
	fake_handle.priv = (void *)(uintptr_t)dev->devnum;
	*h = &fake_handle;
	return 0;
}

static void fake_close(struct usb_handle *h)
{
	fake_of(h->backend)->closes++;
}

static int fake_control(struct usb_handle *h, uint8_t rt, uint8_t req, uint16_t val,
			uint16_t idx, unsigned char *data, uint16_t len, unsigned int tmo)
{
	struct fake *f = fake_of(h->backend);
	unsigned char b[64];
	size_t n = 0;
	const char *s = NULL;

	(void)tmo;
	if (req != 6)
		return USB_ERR_STALL;
	if (rt == 0x81 && val == 0x2100) {
		/* The 7-byte DFU 1.0 functional descriptor of device 2. */
		static const unsigned char fd[7] = { 7, 0x21, 0x05, 0xe8, 0x03, 0x40, 0x00 };

		f->func_requests++;
		assert_int_equal(idx, 0);
		memcpy(data, fd, len < 7 ? len : 7);
		return len < 7 ? len : 7;
	}
	if (rt != 0x80 || (val >> 8) != 3)
		return USB_ERR_STALL;
	if ((val & 0xff) == 0) {
		b[0] = 4; b[1] = 3; b[2] = 0x07; b[3] = 0x04;	/* German: 0x0407 */
		n = 4;
	} else {
		uint16_t u[40];
		size_t k;

		assert_int_equal(idx, 0x0407);
		switch (val & 0xff) {
		case 3: s = "315A28A0B956"; break;
		case 4: s = "@Internal Flash"; break;
		case 5: s = "@Option Bytes"; break;
		case 6: s = ""; break;		/* empty: reported UNKNOWN */
		default: return USB_ERR_STALL;
		}
		for (k = 0; s[k]; k++)
			u[k] = (unsigned char)s[k];
		n = mkstr(b, u, k);
	}
	if (n > len)
		n = len;
	memcpy(data, b, n);
	return (int)n;
}

static void fake_sleep(struct usb_backend *be, unsigned int ms) { (void)be; (void)ms; }
static uint64_t fake_now(struct usb_backend *be) { (void)be; return 0; }

static const struct usb_ops fake_ops = {
	.name = "fake",
	.enumerate = fake_enumerate,
	.free_list = fake_free_list,
	.open = fake_open,
	.close = fake_close,
	.control = fake_control,
	.sleep_ms = fake_sleep,
	.now_ms = fake_now,
};

static void fake_init(struct fake *f)
{
	static const unsigned char dev2[18] = {
		18, 1, 0x10, 0x01, 0, 0, 0, 8, 0x34, 0x12, 0x78, 0x56, 0x01, 0x00, 0, 0, 0, 1
	};
	static const unsigned char cfg2[27] = {
		9, 2, 27, 0, 2, 1, 0, 0x80, 50,
		9, 4, 0, 0, 0, 0xfe, 1, 1, 0,		/* run-time, no functional descriptor */
		9, 4, 1, 0, 0, 0x03, 0, 0, 0,		/* something else */
	};

	memset(f, 0, sizeof(*f));
	f->be.ops = &fake_ops;
	memcpy(f->cfg0, stm32_cfg, sizeof(stm32_cfg));
	memcpy(f->cfg1, cfg2, sizeof(cfg2));
	/* Listed out of order to check the sort. */
	f->info[0].bus = 2;
	f->info[0].devnum = 3;
	snprintf(f->info[0].path, sizeof(f->info[0].path), "2-1.4");
	memcpy(f->info[0].dev_desc, stm32_dev, 18);
	f->info[0].num_configs = 1;
	f->info[0].config_len[0] = sizeof(stm32_cfg);
	f->info[1].bus = 1;
	f->info[1].devnum = 9;
	snprintf(f->info[1].path, sizeof(f->info[1].path), "1-3");
	memcpy(f->info[1].dev_desc, dev2, 18);
	f->info[1].num_configs = 1;
	f->info[1].config_len[0] = sizeof(cfg2);
}

static void test_scan(void **state)
{
	struct fake f;
	struct dfu_if_list l;

	(void)state;
	fake_init(&f);
	assert_int_equal(device_scan(&f.be, &l), 0);
	assert_int_equal(l.count, 5);
	/* bus 1 first */
	assert_int_equal(l.items[0].vid, 0x1234);
	assert_int_equal(l.items[0].runtime, 1);
	assert_string_equal(l.items[0].name, "UNKNOWN");	/* iInterface 0 */
	assert_string_equal(l.items[0].serial, "UNKNOWN");	/* iSerialNumber 0 */
	assert_int_equal(l.items[0].has_func, 1);		/* fetched from the interface */
	assert_int_equal(l.items[0].func.bcdDFUVersion, 0x0100);
	assert_int_equal(l.items[0].func.wTransferSize, 64);
	assert_int_equal(f.func_requests, 1);
	assert_string_equal(l.items[0].path, "1-3");

	assert_int_equal(l.items[1].bus, 2);
	assert_int_equal(l.items[1].alt, 0);
	assert_string_equal(l.items[1].name, "@Internal Flash");
	assert_string_equal(l.items[1].serial, "315A28A0B956");
	assert_int_equal(l.items[1].dfuse, 1);
	assert_int_equal(l.items[1].bcd_device, 0x2200);
	assert_string_equal(l.items[2].name, "@Option Bytes");
	assert_string_equal(l.items[3].name, "UNKNOWN");	/* empty string */
	assert_string_equal(l.items[4].name, "UNKNOWN");	/* stalled */
	assert_int_equal(l.items[4].alt, 3);
	assert_null(l.items[4].info.config[0]);
	assert_int_equal(f.opens, 2);
	assert_int_equal(f.closes, 2);
	device_list_free(&l);
	assert_null(l.items);
}

static void test_scan_open_fails(void **state)
{
	struct fake f;
	struct dfu_if_list l;

	(void)state;
	fake_init(&f);
	f.open_fails = USB_ERR_ACCESS;
	assert_int_equal(device_scan(&f.be, &l), 0);
	assert_int_equal(l.count, 5);
	assert_int_equal(l.items[0].open_err, USB_ERR_ACCESS);
	assert_string_equal(l.items[0].serial, "UNKNOWN");
	/* No descriptor anywhere: DFU 1.0 defaults, transfer size unknown. */
	assert_int_equal(l.items[0].has_func, 0);
	assert_int_equal(l.items[0].func.bcdDFUVersion, 0x0100);
	assert_int_equal(l.items[0].func.wTransferSize, 0);
	assert_int_equal(l.items[1].open_err, 0);
	device_list_free(&l);
}

static void test_print_list(void **state)
{
	struct fake f;
	struct dfu_if_list l;
	const char *out;

	(void)state;
	fake_init(&f);
	assert_int_equal(device_scan(&f.be, &l), 0);
	capture_begin();
	device_print_list(&l, 0);
	capture_end();
	out = capture_out();
	assert_non_null(strstr(out,
		"Found Runtime: [1234:5678] ver=0001, devnum=9, cfg=1, intf=0, path=\"1-3\", alt=0, name=\"UNKNOWN\", serial=\"UNKNOWN\"\n"));
	assert_non_null(strstr(out,
		"Found DFU: [0483:df11] ver=2200, devnum=3, cfg=1, intf=0, path=\"2-1.4\", alt=1, name=\"@Option Bytes\", serial=\"315A28A0B956\"\n"));
	device_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_desc),
		cmocka_unit_test(test_stm32f4),
		cmocka_unit_test(test_dsonano),
		cmocka_unit_test(test_dfu10_func),
		cmocka_unit_test(test_func_elsewhere),
		cmocka_unit_test(test_func_own_per_alt),
		cmocka_unit_test(test_hid_not_dfu_func),
		cmocka_unit_test(test_lying_lengths),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_max_respected),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_parse_func),
		cmocka_unit_test(test_string_ascii),
		cmocka_unit_test(test_string_non_ascii),
		cmocka_unit_test(test_string_invalid),
		cmocka_unit_test(test_string_lengths),
		cmocka_unit_test_setup(test_match_no_selectors, setup_list),
		cmocka_unit_test_setup(test_match_ids, setup_list),
		cmocka_unit_test_setup(test_match_devnum_path, setup_list),
		cmocka_unit_test_setup(test_match_config_intf, setup_list),
		cmocka_unit_test_setup(test_match_alt, setup_list),
		cmocka_unit_test_setup(test_match_alt_name, setup_list),
		cmocka_unit_test_setup(test_match_serial, setup_list),
		cmocka_unit_test(test_match_unsorted_lowest_alt),
		cmocka_unit_test_setup(test_mismatch_reasons, setup_list),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_scan_open_fails),
		cmocka_unit_test(test_print_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
