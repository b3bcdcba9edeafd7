/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_DEVICE_H
#define DFU_DEVICE_H

/*
 * Device discovery, matching, listing, opening and detach, all through the
 * USB seam (usb.h).
 */

#include <stdint.h>
#include "usb.h"
#include "dfu_proto.h"
#include "options.h"

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
	int dfuse;			/* bcdDFUVersion 0x011a */
	char name[256];			/* alt setting string, "UNKNOWN" when unreadable */
	char serial[256];		/* "UNKNOWN" when unreadable */
	uintptr_t backend_ref;		/* copied from usb_dev_info, for open */
	struct usb_dev_info info;	/* shallow copy without configs (config[] = NULL) */
};

struct dfu_if_list {
	int count;
	struct dfu_if *items;		/* sorted by bus, devnum, intf, alt */
};

/*
 * Enumerate, parse descriptors, open each DFU device to read its strings
 * (and the functional descriptor by GET_DESCRIPTOR when the configuration
 * has none).  Devices that cannot be opened are still listed, with names
 * "UNKNOWN".  Returns 0 or a negative DFU_E_*.
 */
int device_scan(struct usb_backend *be, struct dfu_if_list *out);
void device_list_free(struct dfu_if_list *l);

/* -l output: one "Found DFU:"/"Found Runtime:" line per alt; with verbose, more. */
void device_print_list(const struct dfu_if_list *l, int verbose);

/*
 * Apply the selectors of o.  want_runtime: 1 = the run-time phase (ids[0],
 * serial[0]), 0 = the DFU-mode phase (ids[1] when given, serial[1]).
 * Returns the number of matching interfaces (distinct device+intf; alts of
 * one interface count once unless -a picks one) and stores their indices
 * in idx[0..max-1].  why(): one line per non-matching device, for the
 * "no device matched" report.
 */
int device_match(const struct dfu_if_list *l, const struct dfu_options *o, int dfu_mode,
		 int *idx, int max);

/* Report "no device matched" with what was seen and why each was refused. */
void device_report_no_match(const struct dfu_if_list *l, const struct dfu_options *o, int dfu_mode);
/* Report "more than one device matched", list them, suggest -S/-p/-n. */
void device_report_ambiguous(const struct dfu_if_list *l, const int *idx, int n);

/*
 * Open the device of d, select its configuration, claim d->intf and set
 * d->alt.  Reports errors itself (access denied: hint at the udev rule).
 */
int device_open(struct usb_backend *be, const struct dfu_if *d, struct usb_handle **h);
void device_close(struct usb_handle *h, const struct dfu_if *d);

#endif
