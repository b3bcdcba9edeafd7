/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_OPS_H
#define DFU_OPS_H

/*
 * One function per thing the user asked for.  main() checks the input,
 * picks the backend and calls exactly one of these; they return 0 or a
 * negative DFU_E_* that has already been reported.
 */

#include "usb.h"
#include "options.h"
#include "dfu.h"
#include "dfu_file.h"
#include "device.h"
#include "dfuse_plan.h"
#include "dfuse_request.h"
#include "dfuse_file.h"

int ops_list(struct usb_backend *be, const struct dfu_options *o);

/*
 * -D.  req is the parsed -s (NULL without -s); img the parsed .dfu file
 * when f is one (NULL otherwise; main parses it whole before any device
 * is touched).  A DfuSe device (bcdDFU 0x011a) goes to ops_dfuse_download;
 * -s or a .dfu file on any other device is refused with nothing sent.
 */
int ops_download(struct usb_backend *be, const struct dfu_options *o, const struct dfu_file *f,
		 const struct dfuse_request *req, const struct dfuse_image *img);
/* -U; req as for ops_download. */
int ops_upload(struct usb_backend *be, const struct dfu_options *o, struct dfu_outfile *out,
	       const struct dfuse_request *req);
/* -e and/or -R without a transfer. */
int ops_detach_reset(struct usb_backend *be, const struct dfu_options *o);
/*
 * -s with a command modifier (mass-erase, unprotect, leave) and no -D/-U:
 * just that, on a DfuSe device.
 */
int ops_dfuse_command(struct usb_backend *be, const struct dfu_options *o,
		      const struct dfuse_request *req);

/*
 * Decide DfuSe for the found DFU-mode interface d: with -s (req) or a
 * .dfu file (dfuse_file), an alt name that parses as a DfuSe memory map
 * makes it DfuSe; a note says why when the reason is not bcdDFU 0x011a.
 */
void ops_dfuse_decide(struct dfu_if *d, const struct dfuse_request *req, int dfuse_file);

/* 1 when req asks for something that runs without -D/-U. */
int ops_dfuse_has_command(const struct dfuse_request *req);

/* ------------------------------------------------------------------
 * Shared between ops.c and ops_dfuse.c; not for other modules.
 */

/* What a search found: a copy of the chosen interface. */
struct ops_target {
	struct dfu_if d;
};

/* Find the one interface the options select (waits with -w). */
int ops_find(struct usb_backend *be, const struct dfu_options *o, struct ops_target *t);
/*
 * The same, detaching a run-time interface and waiting for the device that
 * re-enumerates (never one already in DFU mode).
 */
int ops_find_dfu_mode(struct usb_backend *be, const struct dfu_options *o, struct ops_target *t);
/* DFU_DETACH to a run-time interface, then a USB reset unless it detaches itself. */
int ops_detach(struct usb_backend *be, const struct dfu_options *o, const struct dfu_if *rt);
/*
 * After a detach: poll for the DFU-mode device until it appears or -E runs
 * out.  Devices in DFU mode in before (the scan that found rt) are never
 * taken; a new one on rt's path is, else the only new one that matches
 * once -E is over.  None or several: refused with nothing sent.
 */
int ops_wait_dfu_mode(struct usb_backend *be, const struct dfu_options *o,
		      const struct dfu_if *rt, const struct dfu_if_list *before,
		      struct ops_target *t);
void ops_session_init(struct dfu_session *s, struct usb_backend *be, struct usb_handle *h,
		      const struct dfu_if *d);
/* -t, else the functional descriptor's wTransferSize. */
int ops_transfer_size(const struct dfu_options *o, const struct dfu_if *d, uint16_t *out);
/* Open the DFU-mode interface and bring it to dfuIDLE. */
int ops_open_session(struct usb_backend *be, const struct dfu_options *o,
		     const struct dfu_if *d, struct dfu_session *s);
/*
 * After a failure or an interrupt in an open session: bring the device
 * back to dfuIDLE with ABORT/CLRSTATUS only (quietly; dfu_recover), then
 * release and close it.
 */
void ops_abandon(struct dfu_session *s, const struct dfu_if *d);
/* USB reset, where a re-enumerating device counts as success. */
int ops_usb_reset(struct usb_handle *h);
/* After success: -R, or the reset a manifestation-intolerant device needs; closes. */
int ops_finish(struct dfu_session *s, const struct dfu_options *o, int needs_reset,
	       const struct dfu_if *d);

/* After a download: DFU_DETACH with -Q, otherwise as ops_finish. */
int ops_finish_download(struct dfu_session *s, const struct dfu_options *o, int needs_reset,
			const struct dfu_if *d);

/* DfuSe halves of ops_download / ops_upload, for an already found DFU-mode d. */
int ops_dfuse_download(struct usb_backend *be, const struct dfu_options *o,
		       const struct dfu_if *d, const struct dfu_file *f,
		       const struct dfuse_request *req, const struct dfuse_image *img);
int ops_dfuse_upload(struct usb_backend *be, const struct dfu_options *o,
		     const struct dfu_if *d, struct dfu_outfile *out,
		     const struct dfuse_request *req);

#endif
