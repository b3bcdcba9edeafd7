/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * The quirks table and the --quirk parser.  Every entry names the device
 * and the evidence: the descriptor dumps and logs the entries come from
 * are the classic project's collection of real devices (lsusb -v and
 * dfu-util -v -v runs), turned into simulated profiles in tests/profiles/
 * where tests/quirks.sh checks each flag.
 */

#include <config.h>

#include <stdio.h>
#include <string.h>

#include "quirks.h"
#include "errors.h"
#include "log.h"
#include "number.h"

/* Sorted by vid, pid, bcd_lo; ranges of one vid:pid do not overlap (test_quirks.c). */
static const struct quirk_entry quirks_entries[] = {
	/*
	 * OpenPilot/opc-20 boot loader, built on ST's USB-FS device library
	 * 3.1.0 (bcdDevice 2.00): a DfuSe device whose functional descriptor
	 * says bcdDFU 0x1a01, DfuSe's 0x011a byte-swapped.  Its alt names are
	 * DfuSe memory maps; driven as plain DFU, an upload asks for block 0
	 * and gets DfuSe's 4-byte command list instead of the flash.
	 */
	{ 0x0483, 0xdf11, 0x0200, 0x0200,
	  { QUIRK_DFU_VERSION, 0x011a, 0 },
	  "ST USB-FS library 3.1.0 boot loader (OpenPilot opc-20): bcdDFU byte-swapped" },
	/*
	 * STM32 ROM boot loaders (system memory; bcdDevice 20.00 on the F105/107,
	 * 21.00 and 22.00 on the F4): while erasing they NAK GETSTATUS, and AN2606
	 * gives up to 2.6 s for one 128 KiB sector and 16-32 s for a mass erase,
	 * beyond the usual 5 s control-transfer timeout.
	 */
	{ 0x0483, 0xdf11, 0x2000, 0x2fff,
	  { QUIRK_LONG_TIMEOUT, 0, 0 },
	  "STM32 ROM boot loader: GETSTATUS waits out long erases" },
	/*
	 * TDK/Ezurio Turbo Bluetooth adapter: its DFU interface (2, beside the
	 * Bluetooth interfaces 0 and 1) has bInterfaceProtocol 0, DFU 1.0's
	 * DFU-mode value, although the device is running its application.
	 */
	{ 0x04bf, 0x0320, 0x0000, 0xffff,
	  { QUIRK_RUNTIME_PROTO0, 0, 0 },
	  "TDK Bluetooth adapter: run-time DFU interface with protocol 0" },
	/*
	 * Black Magic Probe boot loader (DFU mode of 1d50:6018): after the
	 * DfuSe leave request it jumps to the probe firmware at once, so the
	 * requests that follow fail (blackmagic.log: "Error during download
	 * get_status" right after a successful download).
	 */
	{ 0x1d50, 0x6017, 0x0000, 0xffff,
	  { QUIRK_GONE_AFTER_LEAVE, 0, 0 },
	  "Black Magic Probe boot loader: gone right after the leave request" },
};

#define QUIRKS_N (sizeof(quirks_entries) / sizeof(quirks_entries[0]))

/* In bit order of enum dfu_quirk_flag. */
static const char *const quirks_flag_names[] = {
	"dfuse",
	"dfu-version",
	"runtime-protocol-0",
	"long-timeout",
	"gone-after-leave",
	"no-detach-reset",
	"transfer-size",
	NULL,
};

#define QUIRKS_N_FLAGS (sizeof(quirks_flag_names) / sizeof(quirks_flag_names[0]) - 1)

const struct quirk_entry *quirks_table(size_t *n)
{
	*n = QUIRKS_N;
	return quirks_entries;
}

const char *const *quirks_names(void)
{
	return quirks_flag_names;
}

void quirks_lookup(uint16_t vid, uint16_t pid, uint16_t bcd_device, struct dfu_quirks *out,
		   const char **device)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (device)
		*device = NULL;
	for (i = 0; i < QUIRKS_N; i++) {
		const struct quirk_entry *e = &quirks_entries[i];

		if (e->vid == vid && e->pid == pid && bcd_device >= e->bcd_lo &&
		    bcd_device <= e->bcd_hi) {
			*out = e->q;
			if (device)
				*device = e->device;
			return;
		}
	}
}

void quirks_merge(struct dfu_quirks *into, const struct dfu_quirks *from)
{
	into->flags |= from->flags;
	if (from->flags & QUIRK_DFU_VERSION)
		into->dfu_version = from->dfu_version;
	if (from->flags & QUIRK_TRANSFER_SIZE)
		into->transfer_size = from->transfer_size;
}

/* The names, one per line of the error, so that a typo shows what exists. */
static void quirks_hint_names(void)
{
	log_hint("known quirks: dfuse, dfu-version=0xVVVV, runtime-protocol-0, long-timeout, "
		 "gone-after-leave, no-detach-reset, transfer-size=BYTES");
}

/* One "NAME" or "NAME=VALUE" of len bytes. */
static int quirks_parse_one(const char *item, size_t len, struct dfu_quirks *q)
{
	char buf[64];
	const char *eq;
	uint64_t v;
	size_t nlen, i;

	if (len == 0 || len >= sizeof(buf)) {
		log_error("invalid quirk '%.*s'", (int)len, item);
		quirks_hint_names();
		return DFU_E_USAGE;
	}
	memcpy(buf, item, len);
	buf[len] = '\0';
	eq = strchr(buf, '=');
	nlen = eq ? (size_t)(eq - buf) : len;
	for (i = 0; i < QUIRKS_N_FLAGS; i++)
		if (strlen(quirks_flag_names[i]) == nlen &&
		    strncmp(quirks_flag_names[i], buf, nlen) == 0)
			break;
	if (i == QUIRKS_N_FLAGS) {
		log_error("unknown quirk '%.*s'", (int)nlen, buf);
		quirks_hint_names();
		return DFU_E_USAGE;
	}
	switch (1u << i) {
	case QUIRK_DFU_VERSION:
		if (!eq) {
			log_error("quirk 'dfu-version' needs a value, e.g. dfu-version=0x011a");
			return DFU_E_USAGE;
		}
		if (parse_number(eq + 1, 0xffff, "DFU version", &v) < 0)
			return DFU_E_USAGE;
		q->dfu_version = (uint16_t)v;
		break;
	case QUIRK_TRANSFER_SIZE:
		if (!eq) {
			log_error("quirk 'transfer-size' needs a value, e.g. transfer-size=1024");
			return DFU_E_USAGE;
		}
		if (parse_number(eq + 1, 0xffff, "transfer size", &v) < 0)
			return DFU_E_USAGE;
		if (v == 0) {
			log_error("invalid transfer size '%s': must be at least 1", eq + 1);
			return DFU_E_USAGE;
		}
		q->transfer_size = (uint16_t)v;
		break;
	default:
		if (eq) {
			log_error("quirk '%.*s' takes no value (in '%s')", (int)nlen, buf, buf);
			return DFU_E_USAGE;
		}
		break;
	}
	q->flags |= 1u << i;
	return 0;
}

int quirks_parse(const char *text, struct dfu_quirks *q)
{
	const char *p = text;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int rc = quirks_parse_one(p, len, q);

		if (rc < 0)
			return rc;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

void quirks_format(const struct dfu_quirks *q, char *buf, size_t len)
{
	size_t used = 0, i;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < QUIRKS_N_FLAGS; i++) {
		char item[40];
		int w;

		if (!(q->flags & (1u << i)))
			continue;
		if ((1u << i) == QUIRK_DFU_VERSION)
			snprintf(item, sizeof(item), "%s=0x%04x", quirks_flag_names[i], q->dfu_version);
		else if ((1u << i) == QUIRK_TRANSFER_SIZE)
			snprintf(item, sizeof(item), "%s=%u", quirks_flag_names[i],
				 (unsigned int)q->transfer_size);
		else
			snprintf(item, sizeof(item), "%s", quirks_flag_names[i]);
		w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", item);
		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
	}
}
