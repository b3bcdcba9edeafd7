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
#include "dfu_file.h"

int ops_list(struct usb_backend *be, const struct dfu_options *o);
int ops_download(struct usb_backend *be, const struct dfu_options *o, const struct dfu_file *f);
int ops_upload(struct usb_backend *be, const struct dfu_options *o, struct dfu_outfile *out);
/* -e and/or -R without a transfer. */
int ops_detach_reset(struct usb_backend *be, const struct dfu_options *o);

#endif
