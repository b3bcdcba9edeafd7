/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu.h"
#include "errors.h"
#include "events.h"
#include "interrupt.h"
#include "log.h"

/*
 * How long one busy wait (dfuDNBUSY, dfuMANIFEST, the -SYNC states) may
 * last before we give up.  The clock is the backend's, so on the
 * simulator's virtual clock this is device time, not wall time.  A device
 * gets DFU_BUSY_BASE_MS plus the bwPollTimeouts it asked for, the latter
 * capped at DFU_BUSY_POLL_CAP_MS: a hung device that keeps answering
 * "busy" is dropped after at most 3 minutes, longer than the slowest
 * mass erase we know of, while a device that answers with short poll
 * timeouts but never finishes is dropped after about a minute.
 */
#define DFU_BUSY_BASE_MS	60000u
#define DFU_BUSY_POLL_CAP_MS	120000u

/*
 * A device that answers "busy, poll again in 0 ms" without the clock
 * moving at all (a virtual clock, or a very fast bus) could keep us
 * spinning forever; this many such polls in a row end the wait.
 */
#define DFU_BUSY_MAX_STILL_POLLS 10000u

/* A pause longer than this is announced, so a long erase does not look like a hang. */
#define DFU_POLL_NOTE_MS	10000u

/* Steps (requests and waits) dfu_recover takes before giving up. */
#define DFU_RECOVER_MAX_STEPS	16

/* Corrective rounds (CLRSTATUS, ABORT) dfu_ensure_idle tries before giving up. */
#define DFU_IDLE_MAX_ROUNDS	4

/* Room for the "block 12 at offset 12288" style context strings. */
#define DFU_WHAT_LEN		96

/* Keeps the busy-wait bounded: see the constants above. */
struct dfu_busy_guard {
	uint64_t start_ms;
	uint64_t last_ms;
	uint64_t polled_ms;		/* sum of the bwPollTimeouts, capped */
	unsigned int still_polls;	/* consecutive polls without the clock moving */
};

static void dfu_busy_init(struct dfu_session *s, struct dfu_busy_guard *g)
{
	g->start_ms = usb_now_ms(s->be);
	g->last_ms = g->start_ms;
	g->polled_ms = 0;
	g->still_polls = 0;
}

/* Called each time the device says it is busy; reports and fails past the bound. */
static int dfu_busy_check(struct dfu_session *s, struct dfu_busy_guard *g,
			  const struct dfu_status_reply *st, const char *what)
{
	uint64_t now = usb_now_ms(s->be);

	if (now == g->last_ms) {
		if (++g->still_polls > DFU_BUSY_MAX_STILL_POLLS) {
			log_error("device stays in %s (%s) after %u polls without progress",
				  dfu_state_name(st->bState), what, DFU_BUSY_MAX_STILL_POLLS);
			return DFU_E_PROTOCOL;
		}
	} else {
		g->still_polls = 0;
		g->last_ms = now;
	}
	if (now - g->start_ms > DFU_BUSY_BASE_MS + g->polled_ms) {
		log_error("device still in %s (%s) after %llu ms; giving up",
			  dfu_state_name(st->bState), what,
			  (unsigned long long)(now - g->start_ms));
		log_hint("the device may be hung: replug it and try again");
		return DFU_E_PROTOCOL;
	}
	g->polled_ms += st->bwPollTimeout;
	if (g->polled_ms > DFU_BUSY_POLL_CAP_MS)
		g->polled_ms = DFU_BUSY_POLL_CAP_MS;
	return 0;
}

static int dfu_is_busy_state(int state)
{
	return state == DFU_STATE_DFU_DNBUSY || state == DFU_STATE_DFU_MANIFEST ||
	       state == DFU_STATE_DFU_DNLOAD_SYNC || state == DFU_STATE_DFU_MANIFEST_SYNC;
}

/*
 * The one request function: every DFU and DfuSe class request is one
 * counted control transfer on the session's interface, and forgets the
 * cached state (only a decoded GETSTATUS sets it again).
 */
int dfu_request(struct dfu_session *s, uint8_t rt, int req, uint16_t value,
		unsigned char *data, uint16_t len)
{
	const char *native;
	int rc;

	s->n_requests++;
	s->state_known = 0;
	rc = usb_control(s->h, rt, (uint8_t)req, value, s->intf, data, len, s->timeout_ms);
	/* What the USB stack itself said, for -v -v. */
	if (rc < 0 && (native = usb_native_error(s->be)) != NULL)
		log_debug(2, "%s: %s (%s)", dfu_request_name(req), usb_errname(rc), native);
	return rc;
}

/*
 * Report a failed transfer once.  ctx says what the request was about
 * ("block 12", "after block 3"); it may be empty.  Every USB failure ends
 * up as DFU_E_IO so main() maps it to one exit status.
 */
static int dfu_report(int req, int rc, const char *ctx, const char *extra)
{
	const char *sep = ctx && *ctx ? " " : "";

	if (!ctx)
		ctx = "";
	if (!extra)
		extra = "";
	if (rc == USB_ERR_STALL)
		log_error("device stalled %s%s%s%s", dfu_request_name(req), sep, ctx, extra);
	else if (rc == USB_ERR_NO_DEVICE)
		log_error("device lost during %s%s%s", dfu_request_name(req), sep, ctx);
	else
		log_error("%s%s%s failed: %s", dfu_request_name(req), sep, ctx, usb_strerror(rc));
	log_debug(1, "%s: %s", dfu_request_name(req), usb_errname(rc));
	if (rc == USB_ERR_NO_DEVICE)
		log_hint("check the cable and the device's power, then try again");
	return DFU_E_IO;
}

int dfu_getstatus_quiet(struct dfu_session *s, struct dfu_status_reply *st, int *got)
{
	unsigned char buf[DFU_STATUS_LEN];
	int rc;

	memset(buf, 0, sizeof(buf));
	rc = dfu_request(s, DFU_RT_IN, DFU_GETSTATUS, 0, buf, sizeof(buf));
	*got = rc;
	if (rc < 0)
		return rc;
	/* Never decode bytes that did not arrive. */
	if (rc != DFU_STATUS_LEN)
		return USB_ERR_IO;
	dfu_status_decode(buf, st);
	s->state_known = 1;
	s->last_state = st->bState;
	log_debug(3, "GETSTATUS: status %s, state %s, poll %u ms",
		  dfu_status_name(st->bStatus), dfu_state_name(st->bState),
		  (unsigned int)st->bwPollTimeout);
	return 0;
}

const char *dfu_getstatus_why(int rc, int got)
{
	return rc < 0 && got >= 0 ? "short status reply" : usb_errname(rc);
}

int dfu_getstatus_or_gone(struct dfu_session *s, struct dfu_status_reply *st, const char *gone,
			  const char *when)
{
	int got, rc = dfu_getstatus_quiet(s, st, &got);

	if (rc < 0) {
		log_note("%s", gone);
		log_debug(1, "GETSTATUS %s: %s", when, dfu_getstatus_why(rc, got));
		return 1;
	}
	if (st->bStatus != DFU_STATUS_OK)
		return dfu_report_status(st, when);
	return 0;
}

/*
 * The pause a device asked for in bwPollTimeout, but never more than
 * DFU_POLL_MAX_MS at once: a device that asks for hours is polled again
 * after a minute (and still gets its time if it keeps saying busy, up to
 * the busy guard's bound).  Long pauses are announced.
 */
static void dfu_poll_wait(struct dfu_session *s, uint32_t ms, const char *ctx)
{
	const char *sep = ctx && *ctx ? " " : "";

	if (!ctx)
		ctx = "";
	if (ms > DFU_POLL_MAX_MS) {
		log_note("device asks for a %lu s pause before the next status request%s%s; "
			 "polling again after %u s", (unsigned long)(ms / 1000), sep, ctx,
			 DFU_POLL_MAX_MS / 1000);
		ms = DFU_POLL_MAX_MS;
	} else if (ms > DFU_POLL_NOTE_MS) {
		log_note("waiting %lu s for the device%s%s", (unsigned long)(ms / 1000), sep, ctx);
	}
	if (ms)
		usb_sleep_ms(s->be, ms);
}

static int dfu_getstatus_ctx(struct dfu_session *s, struct dfu_status_reply *st, const char *ctx)
{
	int got, tries, rc;

	/*
	 * GETSTATUS is legal in every DFU state, so a stall is a glitch on
	 * the way (or a firmware hiccup), not the device's answer: ask again.
	 * Only a device that stalls it every time is given up on.
	 */
	for (tries = 1;; tries++) {
		rc = dfu_getstatus_quiet(s, st, &got);
		if (rc != USB_ERR_STALL || tries == DFU_GETSTATUS_TRIES)
			break;
		log_debug(1, "GETSTATUS stalled%s%s; asking again", ctx && *ctx ? " " : "",
			  ctx ? ctx : "");
	}
	if (rc == USB_ERR_STALL) {
		log_error("device stalled GETSTATUS %d times in a row%s%s", tries,
			  ctx && *ctx ? " " : "", ctx ? ctx : "");
		log_hint("the device does not answer status requests: replug it and try again");
		return DFU_E_IO;
	}

	if (rc < 0 && got >= 0) {
		log_error("short GETSTATUS reply%s%s: %d of %d bytes", ctx && *ctx ? " " : "",
			  ctx ? ctx : "", got, DFU_STATUS_LEN);
		return DFU_E_PROTOCOL;
	}
	if (rc < 0)
		return dfu_report(DFU_GETSTATUS, rc, ctx, NULL);
	return 0;
}

int dfu_getstatus(struct dfu_session *s, struct dfu_status_reply *st)
{
	return dfu_getstatus_ctx(s, st, NULL);
}

int dfu_detach(struct dfu_session *s, uint16_t timeout_ms)
{
	int rc = dfu_request(s, DFU_RT_OUT, DFU_DETACH, timeout_ms, NULL, 0);

	/*
	 * Devices with bitWillDetach may drop off the bus before the status
	 * stage completes: that is the detach we asked for, not a failure.
	 */
	if (rc == USB_ERR_NO_DEVICE) {
		log_debug(1, "device left the bus on DETACH");
		return 0;
	}
	if (rc < 0)
		return dfu_report(DFU_DETACH, rc, NULL, NULL);
	return 0;
}

/* A stalled transfer leaves the device in dfuERROR; its status says why. */
static void dfu_stall_reason(struct dfu_session *s, char *buf, size_t len)
{
	struct dfu_status_reply st;
	int got;

	buf[0] = '\0';
	if (dfu_getstatus_quiet(s, &st, &got) == 0 && st.bStatus != DFU_STATUS_OK)
		snprintf(buf, len, " (device status %s: %s)", dfu_status_name(st.bStatus),
			 dfu_status_text(st.bStatus));
}

int dfu_dnload_ctx(struct dfu_session *s, uint16_t block, const unsigned char *data,
		   uint16_t len, const char *ctx)
{
	char reason[160];
	int rc;

	log_debug(3, "DNLOAD block %u, %u bytes", (unsigned int)block, (unsigned int)len);
	/* The seam takes a non-const buffer for both directions; OUT never writes it. */
	rc = dfu_request(s, DFU_RT_OUT, DFU_DNLOAD, block, (unsigned char *)(uintptr_t)data, len);
	if (rc == USB_ERR_STALL) {
		dfu_stall_reason(s, reason, sizeof(reason));
		return dfu_report(DFU_DNLOAD, rc, ctx, reason);
	}
	if (rc < 0)
		return dfu_report(DFU_DNLOAD, rc, ctx, NULL);
	return len;
}

int dfu_dnload(struct dfu_session *s, uint16_t block, const unsigned char *data, uint16_t len)
{
	char ctx[DFU_WHAT_LEN];

	snprintf(ctx, sizeof(ctx), "block %u", (unsigned int)block);
	return dfu_dnload_ctx(s, block, data, len, ctx);
}

int dfu_upload(struct dfu_session *s, uint16_t block, unsigned char *data, uint16_t len)
{
	char ctx[DFU_WHAT_LEN];

	snprintf(ctx, sizeof(ctx), "block %u", (unsigned int)block);
	return dfu_upload_ctx(s, block, data, len, ctx);
}

int dfu_upload_ctx(struct dfu_session *s, uint16_t block, unsigned char *data, uint16_t len,
		   const char *ctx)
{
	char reason[160];
	int rc;

	rc = dfu_request(s, DFU_RT_IN, DFU_UPLOAD, block, data, len);
	if (rc == USB_ERR_STALL) {
		dfu_stall_reason(s, reason, sizeof(reason));
		return dfu_report(DFU_UPLOAD, rc, ctx, reason);
	}
	if (rc < 0)
		return dfu_report(DFU_UPLOAD, rc, ctx, NULL);
	if (rc > len) {
		log_error("device sent %d bytes for UPLOAD %s, %u requested", rc, ctx,
			  (unsigned int)len);
		return DFU_E_PROTOCOL;
	}
	return rc;
}

int dfu_clrstatus(struct dfu_session *s)
{
	int rc = dfu_request(s, DFU_RT_OUT, DFU_CLRSTATUS, 0, NULL, 0);

	return rc < 0 ? dfu_report(DFU_CLRSTATUS, rc, NULL, NULL) : 0;
}

int dfu_getstate(struct dfu_session *s, uint8_t *state)
{
	unsigned char b = 0;
	int rc = dfu_request(s, DFU_RT_IN, DFU_GETSTATE, 0, &b, 1);

	if (rc < 0)
		return dfu_report(DFU_GETSTATE, rc, NULL, NULL);
	if (rc != 1) {
		log_error("empty GETSTATE reply");
		return DFU_E_PROTOCOL;
	}
	*state = b;
	return 0;
}

int dfu_abort(struct dfu_session *s)
{
	int rc = dfu_request(s, DFU_RT_OUT, DFU_ABORT, 0, NULL, 0);

	return rc < 0 ? dfu_report(DFU_ABORT, rc, NULL, NULL) : 0;
}

int dfu_ensure_idle(struct dfu_session *s)
{
	struct dfu_status_reply st;
	struct dfu_busy_guard guard;
	int rounds = 0;
	int rc;

	dfu_busy_init(s, &guard);
	for (;;) {
		rc = dfu_getstatus_ctx(s, &st, "while checking the device state");
		if (rc < 0)
			return rc;
		log_debug(1, "device state %s, status %s", dfu_state_name(st.bState),
			  dfu_status_name(st.bStatus));

		switch (st.bState) {
		case DFU_STATE_DFU_IDLE:
			return 0;
		case DFU_STATE_APP_IDLE:
		case DFU_STATE_APP_DETACH:
			log_error("device is in run-time mode (%s), not in DFU mode",
				  dfu_state_name(st.bState));
			log_hint("detach it first (-e) or select its DFU-mode interface");
			return DFU_E_PROTOCOL;
		case DFU_STATE_DFU_MANIFEST_WAIT_RESET:
			log_error("device is waiting for a USB reset after a previous download (%s)",
				  dfu_state_name(st.bState));
			log_hint("reset or replug the device, then try again");
			return DFU_E_PROTOCOL;
		case DFU_STATE_DFU_DNBUSY:
		case DFU_STATE_DFU_MANIFEST:
			/* Waiting is not a corrective round: the guard bounds it. */
			rc = dfu_busy_check(s, &guard, &st, "while waiting for the device to become idle");
			if (rc < 0)
				return rc;
			dfu_poll_wait(s, st.bwPollTimeout, "while waiting for the device to become idle");
			continue;
		default:
			break;
		}

		if (rounds++ >= DFU_IDLE_MAX_ROUNDS) {
			log_error("device does not return to dfuIDLE (still %s, status %s)",
				  dfu_state_name(st.bState), dfu_status_name(st.bStatus));
			log_hint("reset or replug the device, then try again");
			return DFU_E_PROTOCOL;
		}
		switch (st.bState) {
		case DFU_STATE_DFU_ERROR:
			log_debug(1, "clearing error status %s (%s)", dfu_status_name(st.bStatus),
				  dfu_status_text(st.bStatus));
			rc = dfu_clrstatus(s);
			break;
		case DFU_STATE_DFU_DNLOAD_SYNC:
		case DFU_STATE_DFU_DNLOAD_IDLE:
		case DFU_STATE_DFU_MANIFEST_SYNC:
		case DFU_STATE_DFU_UPLOAD_IDLE:
			rc = dfu_abort(s);
			break;
		default:
			log_error("device reports unknown state %u", (unsigned int)st.bState);
			return DFU_E_PROTOCOL;
		}
		if (rc < 0)
			return rc;
	}
}

int dfu_recover(struct dfu_session *s)
{
	struct dfu_status_reply st;
	int known = s->state_known;
	int i, rc, got;

	memset(&st, 0, sizeof(st));
	st.bState = s->last_state;
	for (i = 0; i < DFU_RECOVER_MAX_STEPS; i++) {
		if (!known) {
			rc = dfu_getstatus_quiet(s, &st, &got);
			if (rc < 0) {
				log_debug(1, "cannot bring the device back to dfuIDLE: %s",
					  dfu_getstatus_why(rc, got));
				return rc;
			}
		}
		known = 0;
		switch (st.bState) {
		case DFU_STATE_DFU_IDLE:
			log_debug(1, "device is back in dfuIDLE");
			return 0;
		case DFU_STATE_DFU_ERROR:
			rc = dfu_request(s, DFU_RT_OUT, DFU_CLRSTATUS, 0, NULL, 0);
			break;
		case DFU_STATE_DFU_DNLOAD_IDLE:
		case DFU_STATE_DFU_UPLOAD_IDLE:
			rc = dfu_request(s, DFU_RT_OUT, DFU_ABORT, 0, NULL, 0);
			break;
		case DFU_STATE_DFU_DNBUSY:
		case DFU_STATE_DFU_MANIFEST:
			/* Only GETSTATUS is allowed now: let the device finish. */
			dfu_poll_wait(s, st.bwPollTimeout, "before stopping");
			rc = 0;
			break;
		case DFU_STATE_DFU_DNLOAD_SYNC:
		case DFU_STATE_DFU_MANIFEST_SYNC:
			rc = 0;	/* the next GETSTATUS moves it on */
			break;
		default:
			log_debug(1, "device is in %s; leaving it there", dfu_state_name(st.bState));
			return DFU_E_PROTOCOL;
		}
		if (rc < 0) {
			log_debug(1, "cannot bring the device back to dfuIDLE: %s", usb_errname(rc));
			return rc;
		}
	}
	log_warn("the device did not return to dfuIDLE (last seen in %s)",
		 dfu_state_name(st.bState));
	return DFU_E_PROTOCOL;
}

int dfu_wait_idle(struct dfu_session *s, struct dfu_status_reply *st, const char *what)
{
	struct dfu_busy_guard guard;
	char ctx[DFU_WHAT_LEN + 8];
	int rc;

	if (!what)
		what = "";
	snprintf(ctx, sizeof(ctx), "after %s", what);
	dfu_busy_init(s, &guard);
	for (;;) {
		rc = dfu_getstatus_ctx(s, st, ctx);
		if (rc < 0)
			return rc;
		if (st->bStatus != DFU_STATUS_OK) {
			log_error("device reports %s (%s) %s; stopped there",
				  dfu_status_name(st->bStatus), dfu_status_text(st->bStatus), ctx);
			log_debug(1, "device state %s", dfu_state_name(st->bState));
			return DFU_E_IO;
		}
		if (!dfu_is_busy_state(st->bState))
			return 0;
		rc = dfu_busy_check(s, &guard, st, ctx);
		if (rc < 0)
			return rc;
		/* Exactly what the device asked for (capped); 0 means poll again at once. */
		dfu_poll_wait(s, st->bwPollTimeout, ctx);
	}
}

int dfu_dnload_last(struct dfu_session *s, uint16_t block, const char *gone)
{
	int rc = dfu_request(s, DFU_RT_OUT, DFU_DNLOAD, block, NULL, 0);

	/* gone-after-leave: it may restart or jump away before it completes the request. */
	if (rc == USB_ERR_NO_DEVICE || (rc < 0 && s->gone_after_leave)) {
		log_note("%s", gone);
		log_debug(1, "zero-length DNLOAD (block %u): %s", (unsigned int)block,
			  usb_errname(rc));
		return 1;
	}
	return rc;
}

/*
 * After the zero-length DNLOAD.  Returns 0 when the device is back in
 * dfuIDLE, 1 when it needs (or already had) a reset.
 */
static int dfu_manifest(struct dfu_session *s, uint16_t block)
{
	struct dfu_status_reply st;
	struct dfu_busy_guard guard;
	int tolerant = !!(s->func.bmAttributes & DFU_ATTR_MANIFEST_TOLERANT);
	int rc;

	events_phase("manifest");
	rc = dfu_dnload_last(s, block, "device left the bus to manifest the new firmware");
	if (rc == 1)
		return 1;
	if (rc < 0) {
		char reason[160] = "";

		if (rc == USB_ERR_STALL)
			dfu_stall_reason(s, reason, sizeof(reason));
		return dfu_report(DFU_DNLOAD, rc, "(end of download)", reason);
	}

	dfu_busy_init(s, &guard);
	for (;;) {
		/*
		 * The whole image was accepted; a device that resets itself
		 * or stops answering while manifesting has done what we wanted.
		 */
		rc = dfu_getstatus_or_gone(s, &st, "device stopped answering during manifestation; "
					   "assuming it is done", "during manifestation");
		if (rc != 0)
			return rc;
		switch (st.bState) {
		case DFU_STATE_DFU_IDLE:
			return 0;
		case DFU_STATE_DFU_MANIFEST_WAIT_RESET:
			return 1;
		case DFU_STATE_DFU_MANIFEST:
			if (!tolerant) {
				/*
				 * It goes to dfuMANIFEST-WAIT-RESET by itself and
				 * may not answer any more: wait what it asked,
				 * then the caller resets it.
				 */
				dfu_poll_wait(s, st.bwPollTimeout, "during manifestation");
				return 1;
			}
			break;
		case DFU_STATE_DFU_MANIFEST_SYNC:
		case DFU_STATE_DFU_DNLOAD_SYNC:
		case DFU_STATE_DFU_DNBUSY:
			break;
		default:
			log_error("device went to %s instead of manifesting the download",
				  dfu_state_name(st.bState));
			return DFU_E_PROTOCOL;
		}
		rc = dfu_busy_check(s, &guard, &st, "during manifestation");
		if (rc < 0)
			return rc;
		dfu_poll_wait(s, st.bwPollTimeout, "during manifestation");
	}
}

int dfu_download(struct dfu_session *s, const unsigned char *data, size_t len)
{
	struct dfu_status_reply st;
	char what[DFU_WHAT_LEN];
	uint16_t block = 0;
	size_t off = 0;
	int rc;

	if (len == 0) {
		log_error("nothing to download: the file has no payload");
		return DFU_E_DATA;
	}
	if (s->transfer_size == 0) {
		log_error("invalid transfer size 0");
		return DFU_E_USAGE;
	}

	progress_start("Download", len, usb_now_ms(s->be));
	while (off < len) {
		uint16_t chunk = len - off < s->transfer_size ? (uint16_t)(len - off) : s->transfer_size;

		/* Between requests: the device is in dfuDNLOAD-IDLE, where ABORT works. */
		if (off > 0) {
			snprintf(what, sizeof(what), "after %zu of %zu bytes of the download", off, len);
			rc = interrupt_check(what);
			if (rc < 0)
				return rc;
		}
		snprintf(what, sizeof(what), "block %u at offset %zu of the download",
			 (unsigned int)block, off);
		rc = dfu_dnload_ctx(s, block, data + off, chunk, what);
		if (rc < 0)
			return rc;
		rc = dfu_wait_idle(s, &st, what);
		if (rc < 0)
			return rc;
		if (st.bState != DFU_STATE_DFU_DNLOAD_IDLE) {
			log_error("device went to %s after %s, expected dfuDNLOAD-IDLE",
				  dfu_state_name(st.bState), what);
			return DFU_E_PROTOCOL;
		}
		off += chunk;
		block++;	/* uint16_t: wraps 65535 -> 0 as the host and device both expect */
		progress_update(off, usb_now_ms(s->be));
	}
	progress_end(off, usb_now_ms(s->be));

	return dfu_manifest(s, block);
}

int64_t dfu_upload_all(struct dfu_session *s, uint64_t limit, dfu_sink_fn sink, void *ctx)
{
	return dfu_upload_bar(s, limit, "Upload", sink, ctx);
}

int64_t dfu_upload_bar(struct dfu_session *s, uint64_t limit, const char *label,
		       dfu_sink_fn sink, void *ctx)
{
	unsigned char *buf;
	uint64_t done = 0;
	uint16_t block = 0;
	int full = 0;
	int rc;

	if (s->transfer_size == 0) {
		log_error("invalid transfer size 0");
		return DFU_E_USAGE;
	}
	buf = malloc(s->transfer_size);
	if (!buf) {
		log_error("out of memory");
		return DFU_E_NOMEM;
	}

	progress_start(label, limit, usb_now_ms(s->be));
	for (;;) {
		uint16_t want = s->transfer_size;

		if (limit && limit - done < want)
			want = (uint16_t)(limit - done);
		if (done > 0) {
			char where[DFU_WHAT_LEN];

			snprintf(where, sizeof(where), "after %llu bytes of the upload",
				 (unsigned long long)done);
			rc = interrupt_check(where);
			if (rc < 0)
				goto out;
		}
		rc = dfu_upload(s, block, buf, want);
		if (rc < 0)
			goto out;
		if (rc > 0) {
			int src = sink(ctx, buf, (size_t)rc);

			if (src < 0) {
				rc = src;
				goto out;
			}
		}
		done += (uint64_t)rc;
		block++;
		progress_update(done, usb_now_ms(s->be));
		/* A short frame ends the upload and puts the device back in dfuIDLE. */
		full = rc == want;
		if (!full)
			break;
		if (limit && done >= limit)
			break;
		/* No real DFU target holds more: a device that never ends is broken. */
		if (!limit && done >= DFU_UPLOAD_MAX) {
			log_error("device sent %llu bytes without ending the upload",
				  (unsigned long long)done);
			log_hint("give the length to read with -Z BYTES");
			rc = DFU_E_PROTOCOL;
			goto out;
		}
	}
	progress_end(done, usb_now_ms(s->be));

	/*
	 * We stopped on a full frame, so the device did not see the end of
	 * its data and is still in dfuUPLOAD-IDLE: ABORT takes it to dfuIDLE.
	 */
	if (full) {
		rc = dfu_abort(s);
		if (rc < 0)
			goto out;
	}
	rc = 0;
out:
	free(buf);
	return rc < 0 ? rc : (int64_t)done;
}

int dfu_report_status(const struct dfu_status_reply *st, const char *when)
{
	log_error("device reports %s (%s) in state %s %s", dfu_status_name(st->bStatus),
		  dfu_status_text(st->bStatus), dfu_state_name(st->bState), when);
	return DFU_E_IO;
}
