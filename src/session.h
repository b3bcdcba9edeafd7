/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_SESSION_H
#define DFU_SESSION_H

/*
 * The session with one device, below the operations (ops.c, ops_dfuse.c):
 * find it, detach it and wait for it to re-enumerate, open it, and finish
 * or abandon it.  Every function reports its own failures and returns 0 or
 * a negative DFU_E_*.
 */

#include <stdint.h>

#include "device.h"
#include "dfu.h"
#include "dfu_file.h"
#include "options.h"
#include "usb.h"

/* What a search found: a copy of the chosen interface. */
struct session_target {
	struct dfu_if d;
};

/* Find the one interface the options select (waits with -w). */
int session_find(struct usb_backend *be, const struct dfu_options *o, struct session_target *t);
/*
 * The same, detaching a run-time interface and waiting for the device that
 * re-enumerates (never one already in DFU mode).
 */
int session_find_dfu_mode(struct usb_backend *be, const struct dfu_options *o, struct session_target *t);
/*
 * session_find_dfu_mode for a download of f: the file's suffix is checked
 * against a run-time device before it is detached; rt receives the
 * run-time interface detached (zeroed when none was).
 */
int session_find_detach(struct usb_backend *be, const struct dfu_options *o,
		    const struct dfu_file *f, struct session_target *t, struct dfu_if *rt);
/* DFU_DETACH to a run-time interface, then a USB reset unless it detaches itself. */
int session_detach(struct usb_backend *be, const struct dfu_options *o, const struct dfu_if *rt);
/*
 * After a detach: poll for the DFU-mode device until it appears or -E runs
 * out.  Devices in DFU mode in before (the scan that found rt) are never
 * taken; a new one on rt's path is, else the only new one that matches
 * once -E is over.  None or several: refused with nothing sent.
 */
int session_wait_dfu_mode(struct usb_backend *be, const struct dfu_options *o,
		      const struct dfu_if *rt, const struct dfu_if_list *before,
		      struct session_target *t);
void session_init(struct dfu_session *s, struct usb_backend *be, struct usb_handle *h,
		      const struct dfu_if *d);
/* -t, else the functional descriptor's wTransferSize. */
int session_transfer_size(const struct dfu_options *o, const struct dfu_if *d, uint16_t *out);
/* Open the DFU-mode interface and bring it to dfuIDLE. */
int session_open(struct usb_backend *be, const struct dfu_options *o,
		     const struct dfu_if *d, struct dfu_session *s);
/*
 * After a failure or an interrupt in an open session: bring the device
 * back to dfuIDLE with ABORT/CLRSTATUS only (quietly; dfu_recover), then
 * release and close it.
 */
void session_abandon(struct dfu_session *s, const struct dfu_if *d);
/* USB reset, where a re-enumerating device counts as success. */
int session_usb_reset(struct usb_handle *h);
/* After success: -R, or the reset a manifestation-intolerant device needs; closes. */
int session_finish(struct dfu_session *s, const struct dfu_options *o, int needs_reset,
	       const struct dfu_if *d);

/* After a download: DFU_DETACH with -Q, otherwise as session_finish. */
int session_finish_download(struct dfu_session *s, const struct dfu_options *o, int needs_reset,
			const struct dfu_if *d);

#endif
