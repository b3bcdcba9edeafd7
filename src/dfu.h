/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_DFU_H
#define DFU_DFU_H

/*
 * DFU 1.1 requests, one function per request as in the specification, the
 * status polling that honours bwPollTimeout, and the plain download and
 * upload loops.  Everything goes through the USB seam.
 */

#include <stddef.h>
#include <stdint.h>
#include "usb.h"
#include "dfu_proto.h"

struct dfu_session {
	struct usb_backend *be;
	struct usb_handle *h;
	uint8_t intf;			/* wIndex of every request */
	uint16_t transfer_size;		/* bytes per DNLOAD/UPLOAD */
	struct dfu_func_desc func;	/* bmAttributes, wDetachTimeOut, bcdDFU */
	unsigned int timeout_ms;	/* control transfer timeout, default 5000 */
	int gone_after_leave;		/* quirk: the request ending the download may fail */
	/* statistics for -v and the benchmark */
	unsigned long n_requests;
	/* the state the last GETSTATUS reported, while no other request followed it */
	int state_known;
	uint8_t last_state;
};

/*
 * The longest single pause between two status requests.  A device may ask
 * for up to 0xFFFFFF ms (4.7 hours) in bwPollTimeout; longer requests are
 * cut to this, with a note, and the device is simply polled again.
 */
#define DFU_POLL_MAX_MS		60000u

/* How often GETSTATUS is sent when it stalls (a glitch) before giving up. */
#define DFU_GETSTATUS_TRIES	3

/*
 * The one request function: one DFU or DfuSe class request (bmRequestType
 * rt, bRequest req, wValue value) on the session's interface, counted in
 * s->n_requests; it clears the cached device state, which only a decoded
 * GETSTATUS sets again (dfu_recover trusts it).  Returns the byte count or
 * a negative usb_err, and reports nothing.  Everything below is built on it.
 */
int dfu_request(struct dfu_session *s, uint8_t rt, int req, uint16_t value,
		unsigned char *data, uint16_t len);

/*
 * One GETSTATUS that reports nothing, for callers that decide what a
 * failure means (recovery, a device expected to leave).  Returns 0 with st
 * decoded, or a negative usb_err: a reply shorter than 6 bytes is
 * USB_ERR_IO with *got the bytes that came (*got < 0 for other failures).
 * dfu_getstatus_why() names the failure for -v lines.
 */
int dfu_getstatus_quiet(struct dfu_session *s, struct dfu_status_reply *st, int *got);
const char *dfu_getstatus_why(int rc, int got);

/*
 * GETSTATUS where the device may well be gone (it resets, leaves DFU mode
 * or manifests): 1 when it did not answer (note gone is shown, the reason
 * at -v), 0 with st decoded when it answered status OK, or the reported
 * error of any other status (when says "after the leave request").
 */
int dfu_getstatus_or_gone(struct dfu_session *s, struct dfu_status_reply *st, const char *gone,
			  const char *when);

/*
 * The zero-length DNLOAD that ends a download (DFU) or asks a DfuSe
 * device to leave: 1 when the device dropped off the bus, or any request
 * failed on a gone-after-leave device (note gone is shown, the USB error
 * at -v), else dfu_request()'s result (0, or a negative enum usb_err for
 * the caller to report).
 */
int dfu_dnload_last(struct dfu_session *s, uint16_t block, const char *gone);

/*
 * Requests.  Each returns >= 0 on success or a negative DFU_E_* after
 * reporting (a USB failure is DFU_E_IO, a malformed reply DFU_E_PROTOCOL).
 * dfu_upload returns the byte count; dfu_detach treats a device that drops
 * off the bus during DETACH as success.
 */
int dfu_detach(struct dfu_session *s, uint16_t timeout_ms);
int dfu_dnload(struct dfu_session *s, uint16_t block, const unsigned char *data, uint16_t len);
int dfu_upload(struct dfu_session *s, uint16_t block, unsigned char *data, uint16_t len);
int dfu_getstatus(struct dfu_session *s, struct dfu_status_reply *st);
int dfu_clrstatus(struct dfu_session *s);
int dfu_getstate(struct dfu_session *s, uint8_t *state);
int dfu_abort(struct dfu_session *s);

/*
 * dfu_dnload and dfu_upload with the caller's words for what the block is
 * about ("erase command for page 0x08004000"), used in the one error
 * message instead of "block N".
 */
int dfu_dnload_ctx(struct dfu_session *s, uint16_t block, const unsigned char *data,
		   uint16_t len, const char *ctx);
int dfu_upload_ctx(struct dfu_session *s, uint16_t block, unsigned char *data, uint16_t len,
		   const char *ctx);

/*
 * Bring a DFU-mode interface to dfuIDLE: CLRSTATUS from dfuERROR, ABORT
 * from dfuDNLOAD-IDLE / dfuUPLOAD-IDLE, wait out dfuDNBUSY/dfuMANIFEST.
 */
int dfu_ensure_idle(struct dfu_session *s);

/*
 * After a failed or interrupted transfer: bring the device back to dfuIDLE
 * with nothing but ABORT, CLRSTATUS and GETSTATUS (no data, no erase),
 * without reporting (a device that is gone, or will not return, only gets
 * a debug line; the caller has reported the failure).  Returns 0 when the
 * device is in dfuIDLE, else a negative code.
 */
int dfu_recover(struct dfu_session *s);

/*
 * After a DNLOAD: poll GETSTATUS, sleeping exactly the bwPollTimeout the
 * device asked for between polls and never after the status that ends the
 * wait, until the state is not dfuDNBUSY / dfuMANIFEST / *-SYNC.  The last
 * status is returned in st.  A status other than OK is reported (naming
 * what, e.g. "block 12") and returns DFU_E_IO.
 */
int dfu_wait_idle(struct dfu_session *s, struct dfu_status_reply *st, const char *what);

/*
 * Report a GETSTATUS reply whose bStatus is not OK: "device reports
 * errWRITE (...) in state dfuERROR WHEN".  Returns DFU_E_IO.
 */
int dfu_report_status(const struct dfu_status_reply *st, const char *when);

/*
 * Download data (file minus suffix) in transfer_size blocks numbered from
 * 0 (wrapping at 65535), then the zero-length DNLOAD and manifestation.
 * Manifestation tolerant: back to dfuIDLE.  Otherwise the device goes to
 * MANIFEST-WAIT-RESET (or disappears) and this returns 1 to say "needs a
 * USB reset"; a device that vanishes during or after manifestation has
 * done its job.
 */
int dfu_download(struct dfu_session *s, const unsigned char *data, size_t len);

/*
 * Upload until a short block, or exactly limit bytes when limit != 0.
 * Writes through the callback so the caller owns the file.  Returns the
 * number of bytes read (>= 0) or a negative DFU_E_*.
 */
typedef int (*dfu_sink_fn)(void *ctx, const unsigned char *data, size_t len);
/* An upload without a limit gives up after this many bytes (4 GiB). */
#define DFU_UPLOAD_MAX (UINT64_C(1) << 32)
int64_t dfu_upload_all(struct dfu_session *s, uint64_t limit, dfu_sink_fn sink, void *ctx);
/* The same with another progress bar label (e.g. "Verify"). */
int64_t dfu_upload_bar(struct dfu_session *s, uint64_t limit, const char *label,
		       dfu_sink_fn sink, void *ctx);

#endif
