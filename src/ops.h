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
#include "session.h"

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
 * --all (ops_all.c): the job of o (-D f, -U o->upload_file, -e/-R, or the
 * -s command req) on every device that matches, one thread each.  Returns
 * 0 when every device succeeded, else the status ops_all_status picks (an
 * interruption, else the first failed device's).
 */
int ops_all(struct usb_backend *be, const struct dfu_options *o, const struct dfu_file *f,
	    const struct dfuse_request *req, const struct dfuse_image *img);

/*
 * Decide DfuSe for the found DFU-mode interface d: with -s (req) or a
 * .dfu file (dfuse_file), an alt name that parses as a DfuSe memory map
 * makes it DfuSe; a note says why when the reason is not bcdDFU 0x011a.
 */
void ops_dfuse_decide(struct dfu_if *d, const struct dfuse_request *req, int dfuse_file);

/* 1 when req asks for something that runs without -D/-U. */
int ops_dfuse_has_command(const struct dfuse_request *req);

/* ------------------------------------------------------------------
 * ops.c hands DfuSe devices to ops_dfuse.c; not for other modules.  What
 * both use (finding, detaching, opening, finishing) is in session.h.
 */

/* DfuSe halves of ops_download / ops_upload, for an already found DFU-mode d. */
int ops_dfuse_download(struct usb_backend *be, const struct dfu_options *o,
		       const struct dfu_if *d, const struct dfu_file *f,
		       const struct dfuse_request *req, const struct dfuse_image *img);
int ops_dfuse_upload(struct usb_backend *be, const struct dfu_options *o,
		     const struct dfu_if *d, struct dfu_outfile *out,
		     const struct dfuse_request *req);

#endif
