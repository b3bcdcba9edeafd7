/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_DEVICE_H
#define DFU_DEVICE_H

/*
 * Device discovery, matching, listing and opening, all through the USB
 * seam (usb.h).  Detaching is the caller's business (session.c).
 */

#include <stddef.h>
#include <stdint.h>
#include "usb.h"
#include "dfu_proto.h"
#include "options.h"
#include "quirks.h"

/* Why an interface is driven as DfuSe (one-line note, -l -v). */
enum dfu_dfuse_why {
	DFUSE_NO = 0,
	DFUSE_BY_VERSION,		/* bcdDFUVersion 0x011a */
	DFUSE_BY_QUIRK_VERSION,		/* dfu-version=0x011a quirk */
	DFUSE_BY_QUIRK,			/* dfuse quirk */
	DFUSE_BY_MAP,			/* -s given and the alt name is a memory map (ops) */
};

/* One DFU alt setting of one device: a row of -l. */
struct dfu_if {
	uint16_t vid, pid, bcd_device;
	uint8_t bus, devnum;
	char path[32];
	uint8_t config, intf, alt;
	uint8_t protocol;		/* bInterfaceProtocol */
	int runtime;			/* 1: run-time interface (protocol 1) */
	int has_func;			/* 0: DFU 1.0 defaults assumed */
	struct dfu_func_desc func;
	int dfuse;			/* driven as DfuSe: dfuse_why says why */
	enum dfu_dfuse_why dfuse_why;
	struct dfu_quirks quirks;	/* in effect: the table's, then --quirk's */
	struct dfu_quirks table_quirks;	/* the table's part */
	const char *quirk_device;	/* the table entry's description, NULL = none */
	char name[256];			/* alt setting string, "UNKNOWN" when unreadable */
	char serial[256];		/* "UNKNOWN" when unreadable */
	uintptr_t backend_ref;		/* copied from usb_dev_info, for open */
	struct usb_dev_info info;	/* shallow copy without configs (config[] = NULL) */
	int open_err;			/* 0, or the enum usb_err that kept the scan from
					   opening the device (names are then "UNKNOWN") */
};

struct dfu_if_list {
	int count;
	struct dfu_if *items;		/* sorted by bus, devnum, config, intf, alt */
};

/*
 * Enumerate, parse descriptors, open each DFU device to read its strings
 * (and the functional descriptor by GET_DESCRIPTOR when the configuration
 * has none; failing that has_func is 0 and func holds DFU 1.0 defaults
 * with wTransferSize 0).  DFU interfaces are class 0xfe subclass 1 with
 * protocol 1 (run-time) or 0/2 (DFU mode).  Devices that cannot be opened
 * are still listed, with names "UNKNOWN" and open_err set.  out is
 * overwritten (free it first).  Nothing is reported for a device that is
 * merely unreadable; returns 0 or a negative DFU_E_* (enumeration failed,
 * out of memory) after reporting it.
 */
int device_scan(struct usb_backend *be, struct dfu_if_list *out);
/* The same, with the control-transfer timeout for the strings it reads (--timeout). */
int device_scan_timeout(struct usb_backend *be, struct dfu_if_list *out, unsigned int timeout_ms);
/*
 * The same with o's --timeout, and o's --quirk flags added to every
 * device's quirks (the table's apply in all three).  Quirks change the
 * classification: runtime-protocol-0 makes a protocol-0 interface beside
 * other functions a run-time one; dfuse and dfu-version=0x011a make a
 * DFU-mode interface DfuSe.
 */
int device_scan_options(struct usb_backend *be, struct dfu_if_list *out,
			const struct dfu_options *o);
#define DEVICE_SCAN_TIMEOUT_MS	5000u
void device_list_free(struct dfu_if_list *l);

/*
 * -l output: one "Found DFU:"/"Found Runtime:" line per alt; with verbose,
 * the functional descriptor under each interface.  Then a warning for each
 * device that could not be opened (and the udev hint for access denied).
 */
void device_print_list(const struct dfu_if_list *l, int verbose);

/*
 * Apply the selectors of o and return the number of matching interfaces
 * (distinct device + configuration + interface); the indices of their
 * chosen alt settings go to idx[0..max-1] (the count may exceed max).
 *
 * dfu_mode 0, the first look: every DFU interface is a candidate.  A
 * run-time interface (protocol 1) must match ids[0] and serial[0]; a
 * DFU-mode one (protocol 0 or 2) ids[1] and serial[1], or ids[0] and
 * serial[0] when only one was given.  When one device offers both kinds,
 * only its DFU-mode interfaces are returned (no detach needed).
 * dfu_mode 1, after a detach: only DFU-mode interfaces are candidates.
 *
 * -n, -p, -c and -i apply to both kinds; -a (number or exact name) only to
 * DFU-mode interfaces, since a run-time interface has just its alt 0 and -a
 * names the alt to use after the detach.  Without -a the lowest alt of
 * each interface is chosen.  Pure: reports nothing.
 */
int device_match(const struct dfu_if_list *l, const struct dfu_options *o, int dfu_mode,
		 int *idx, int max);

/*
 * -l with selectors: keep only the interfaces that pass every selector
 * given (-d, -p, -n, -S, -c, -i, -a), judged as before a detach, in order.
 * A run-time interface is judged by the run-time IDs and serial, a DFU-mode
 * one by the DFU-mode ones; -a applies to both kinds.  Pure.
 */
void device_list_narrow(struct dfu_if_list *l, const struct dfu_options *o);

/*
 * Why the device of l->items[item] is not selected, as one line for the
 * no-match report ("serial 315A28A0B956 is not ABC").  Returns 0 when one
 * of the device's interfaces does match (buf then holds ""), 1 otherwise.
 */
int device_mismatch_reason(const struct dfu_if_list *l, const struct dfu_options *o,
			   int dfu_mode, int item, char *buf, size_t len);

/* Report "no device matched" with what was seen and why each was refused. */
void device_report_no_match(const struct dfu_if_list *l, const struct dfu_options *o, int dfu_mode);
/* Report "more than one device matched", list them, suggest -S/-p/-n. */
void device_report_ambiguous(const struct dfu_if_list *l, const int *idx, int n);

/*
 * Open the device of d, select its configuration, claim d->intf and set
 * d->alt (not for a run-time interface: it has only alt 0).  Reports errors
 * itself (access denied: hint at the udev rule) and returns DFU_E_IO.
 */
int device_open(struct usb_backend *be, const struct dfu_if *d, struct usb_handle **h);

/*
 * Report that d cannot be opened (rc: the usb error), in the classic's
 * words that scripts match, with a hint; for callers that find out before
 * device_open, e.g. because the alt names that could not be read are needed.
 */
void device_report_open_failure(const struct dfu_if *d, int rc);
void device_close(struct usb_handle *h, const struct dfu_if *d);

#endif
