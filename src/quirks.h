/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_QUIRKS_H
#define DFU_QUIRKS_H

/*
 * What real devices get wrong, as data: one table keyed by VID:PID and a
 * bcdDevice range, each entry a set of named flags (quirks.c says which
 * device and why), plus the same flags given by the user for one run
 * (--quirk NAME[,NAME...]).  Pure: the lookup and the parser touch no USB;
 * the parser reports through log.h.
 */

#include <stddef.h>
#include <stdint.h>

enum dfu_quirk_flag {
	QUIRK_DFUSE		= 1u << 0,	/* drive as DfuSe whatever bcdDFU says */
	QUIRK_DFU_VERSION	= 1u << 1,	/* bcdDFU is wrong: use dfu_version instead */
	QUIRK_RUNTIME_PROTO0	= 1u << 2,	/* protocol 0 beside other functions is run-time */
	QUIRK_LONG_TIMEOUT	= 1u << 3,	/* requests may take QUIRK_LONG_TIMEOUT_MS */
	QUIRK_GONE_AFTER_LEAVE	= 1u << 4,	/* may vanish mid-request at the end */
	QUIRK_NO_DETACH_RESET	= 1u << 5,	/* no USB reset after DFU_DETACH */
	QUIRK_TRANSFER_SIZE	= 1u << 6,	/* wTransferSize is wrong: use transfer_size */
};

/*
 * The control-transfer timeout with QUIRK_LONG_TIMEOUT: an STM32 ROM
 * NAKs GETSTATUS while it erases, a 128 KiB sector for up to 2.6 s and
 * the whole flash for up to 32 s.
 */
#define QUIRK_LONG_TIMEOUT_MS	45000u

struct dfu_quirks {
	unsigned int flags;		/* enum dfu_quirk_flag bits */
	uint16_t dfu_version;		/* with QUIRK_DFU_VERSION */
	uint16_t transfer_size;		/* with QUIRK_TRANSFER_SIZE, >= 1 */
};

/* One row of the table. */
struct quirk_entry {
	uint16_t vid, pid;
	uint16_t bcd_lo, bcd_hi;	/* bcdDevice range, inclusive */
	struct dfu_quirks q;
	const char *device;		/* which device, for -l -v */
};

/*
 * The quirks of a device from the table (all zero when none); *device
 * names the matching entry (NULL when none).
 */
void quirks_lookup(uint16_t vid, uint16_t pid, uint16_t bcd_device, struct dfu_quirks *out,
		   const char **device);

/* Add the flags (and values) of from to into; from's values win. */
void quirks_merge(struct dfu_quirks *into, const struct dfu_quirks *from);

/*
 * Parse "NAME[,NAME...]" (names as the man page lists them; dfu-version
 * and transfer-size take "=NUMBER") and add them to q.  Reports an
 * unknown name with the list of valid ones; returns 0 or DFU_E_USAGE.
 */
int quirks_parse(const char *text, struct dfu_quirks *q);

/* "dfu-version=0x011a, long-timeout" ("" when none). */
void quirks_format(const struct dfu_quirks *q, char *buf, size_t len);

/* The table, for -l -v and the self-check in tests/test_quirks.c. */
const struct quirk_entry *quirks_table(size_t *n);

/* The flag names in bit order, NULL-terminated (the man page lists them). */
const char *const *quirks_names(void);

#endif
