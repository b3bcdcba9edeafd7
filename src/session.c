/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * The session: find the interface the options select, detach a run-time
 * interface and wait for the device to come back in DFU mode, open it and
 * bring it to dfuIDLE, and at the end finish (reset, DFU_DETACH with -Q,
 * close) or abandon it.  Below both ops.c and ops_dfuse.c, which call it
 * and never each other's helpers.
 */
#include <config.h>

#include <string.h>

#include "device.h"
#include "dfu.h"
#include "errors.h"
#include "events.h"
#include "interrupt.h"
#include "log.h"
#include "session.h"

/*
 * The largest control transfer the host's USB stack carries: Linux usbfs
 * refuses a wLength above PAGE_SIZE (4096 on the common platforms) with
 * EINVAL, and WinUSB's limit is the same 4 KiB.
 */
#define OPS_MAX_CONTROL_DATA	4096u
/* How often to look for a device that is coming (back) while waiting. */
#define OPS_POLL_MS		20
#define OPS_MAX_MATCH		16

/*
 * Scan once and apply the selectors.  Returns 1 and fills t when exactly one
 * interface matches, 0 when none does (nothing reported), or a negative
 * error (ambiguity is reported here).
 */
static int session_scan_once(struct usb_backend *be, const struct dfu_options *o,
			 struct session_target *t, struct dfu_if_list *keep)
{
	int idx[OPS_MAX_MATCH];
	int n, ret;

	ret = device_scan_options(be, keep, o);
	if (ret < 0)
		return ret;
	n = device_match(keep, o, 0, idx, OPS_MAX_MATCH);
	if (n > 1) {
		device_report_ambiguous(keep, idx, n < OPS_MAX_MATCH ? n : OPS_MAX_MATCH);
		return DFU_E_USAGE;
	}
	if (n == 1) {
		t->d = keep->items[idx[0]];
		return 1;
	}
	return 0;
}

/*
 * session_find, keeping the scan that found the device in l (the caller frees
 * it): what was on the bus just before a detach.
 */
static int session_find_keep(struct usb_backend *be, const struct dfu_options *o,
			 struct session_target *t, struct dfu_if_list *l)
{
	uint64_t deadline = usb_now_ms(be) + (uint64_t)o->wait_seconds * 1000;
	int said_waiting = 0;
	int ret;

	for (;;) {
		ret = session_scan_once(be, o, t, l);
		if (ret != 0)
			break;
		if (!o->wait) {
			device_report_no_match(l, o, 0);
			ret = DFU_E_IO;
			break;
		}
		ret = interrupt_check("while waiting for a device");
		if (ret < 0)
			break;
		if (o->wait_seconds && usb_now_ms(be) >= deadline) {
			device_report_no_match(l, o, 0);
			log_note("waited %u s (--wait=%u) for a matching device", o->wait_seconds,
				 o->wait_seconds);
			ret = DFU_E_IO;
			break;
		}
		if (!said_waiting) {
			if (o->wait_seconds)
				log_note("waiting up to %u s for a matching device...", o->wait_seconds);
			else
				log_note("waiting for a matching device (interrupt to stop)...");
			said_waiting = 1;
		}
		if (log_verbosity() >= 1)
			log_debug(1, "seen %d DFU interface(s), none matching", l->count);
		device_list_free(l);
		usb_sleep_ms(be, 100);
	}
	return ret < 0 ? ret : 0;
}

/*
 * Find the one interface the options select.  With -w, keep looking until
 * one appears; otherwise report what was seen and why nothing matched.
 */
int session_find(struct usb_backend *be, const struct dfu_options *o, struct session_target *t)
{
	struct dfu_if_list l = { 0, NULL };
	int ret = session_find_keep(be, o, t, &l);

	device_list_free(&l);
	return ret;
}

void session_init(struct dfu_session *s, struct usb_backend *be, struct usb_handle *h,
			     const struct dfu_if *d)
{
	memset(s, 0, sizeof(*s));
	s->be = be;
	s->h = h;
	s->intf = d->intf;
	s->func = d->func;
	s->timeout_ms = OPT_DEFAULT_TIMEOUT_MS;
	s->gone_after_leave = !!(d->quirks.flags & QUIRK_GONE_AFTER_LEAVE);
}

void session_abandon(struct dfu_session *s, const struct dfu_if *d)
{
	/* ABORT/CLRSTATUS only: the device keeps no half-done request. */
	dfu_recover(s);
	device_close(s->h, d);
	s->h = NULL;
}

int session_usb_reset(struct usb_handle *h)
{
	int ret = h->backend->ops->reset(h);

	if (ret < 0 && ret != USB_ERR_NO_DEVICE) {
		log_error("USB reset failed: %s", usb_strerror(ret));
		return DFU_E_IO;
	}
	return 0;
}

int session_detach(struct usb_backend *be, const struct dfu_options *o, const struct dfu_if *rt)
{
	struct usb_handle *h;
	struct dfu_session s;
	uint16_t timeout;
	int ret;

	ret = device_open(be, rt, &h);
	if (ret < 0)
		return ret;
	session_init(&s, be, h, rt);
	s.timeout_ms = o->timeout_ms;
	/* wValue is how long the device should wait for our reset. */
	timeout = rt->has_func && rt->func.wDetachTimeOut ? rt->func.wDetachTimeOut : 1000;
	events_device(rt, 0);
	log_note("detaching %04x:%04x (path %s) into DFU mode", rt->vid, rt->pid, rt->path);
	events_phase("detach");
	ret = dfu_detach(&s, timeout);
	/* no-detach-reset: it re-enumerates by itself, and a reset would stop it. */
	if (ret >= 0 && !(rt->has_func && (rt->func.bmAttributes & DFU_ATTR_WILL_DETACH)) &&
	    !(rt->quirks.flags & QUIRK_NO_DETACH_RESET))
		ret = session_usb_reset(h);
	device_close(h, rt);
	return ret < 0 ? ret : 0;
}

/*
 * Was d's device on the bus in DFU mode before the detach?  A device keeps
 * its address until it re-enumerates, so bus, path and address name it;
 * the device that detached comes back with a new address.
 */
static int session_was_there(const struct dfu_if_list *before, const struct dfu_if *d)
{
	int i;

	for (i = 0; before && i < before->count; i++) {
		const struct dfu_if *b = &before->items[i];

		if (!b->runtime && b->bus == d->bus && b->devnum == d->devnum &&
		    strcmp(b->path, d->path) == 0)
			return 1;
	}
	return 0;
}

static void session_hint_if(const struct dfu_if *d, const char *why)
{
	log_hint("%04x:%04x devnum %u path %s intf %u alt %u \"%s\" serial \"%s\"%s%s",
		 d->vid, d->pid, d->devnum, d->path, d->intf, d->alt, d->name, d->serial,
		 why ? ": " : "", why ? why : "");
}

/* Nothing new matched within -E: say what the bus held and why none was taken. */
static void session_report_not_back(const struct dfu_if_list *l, const struct dfu_options *o,
				const struct dfu_if *rt, const struct dfu_if_list *before)
{
	char why[400];
	int i;

	log_error("%04x:%04x did not come back in DFU mode within %u s", rt->vid, rt->pid,
		  o->detach_delay);
	for (i = 0; i < l->count; i++) {
		const struct dfu_if *d = &l->items[i];

		if (d->runtime || (i > 0 && l->items[i - 1].bus == d->bus &&
				   l->items[i - 1].devnum == d->devnum))
			continue;	/* one line per device */
		if (session_was_there(before, d))
			log_hint("%04x:%04x devnum %u path %s: in DFU mode already before the detach, so not the device that detached",
				 d->vid, d->pid, d->devnum, d->path);
		else if (device_mismatch_reason(l, o, 1, i, why, sizeof(why)))
			log_hint("%04x:%04x devnum %u path %s: %s", d->vid, d->pid, d->devnum,
				 d->path, why);
	}
	log_hint("nothing was sent to a DFU-mode device; give it more time with -E SECONDS, or name its DFU-mode IDs with -d RUNTIME,DFU");
}

int session_wait_dfu_mode(struct usb_backend *be, const struct dfu_options *o,
		      const struct dfu_if *rt, const struct dfu_if_list *before,
		      struct session_target *t)
{
	uint64_t deadline = usb_now_ms(be) + (uint64_t)o->detach_delay * 1000;
	struct dfu_if_list l = { 0, NULL };
	int idx[OPS_MAX_MATCH], fresh[OPS_MAX_MATCH];
	int i, n, m, k, ret;

	for (;;) {
		ret = device_scan_options(be, &l, o);
		if (ret < 0)
			break;
		n = device_match(&l, o, 1, idx, OPS_MAX_MATCH);
		/* A device that was in DFU mode before is not the one that detached. */
		for (i = m = 0; i < n && i < OPS_MAX_MATCH; i++)
			if (!session_was_there(before, &l.items[idx[i]]))
				fresh[m++] = idx[i];
		/* It comes back on the port it left: a new device there is it. */
		for (i = k = 0; i < m; i++)
			if (strcmp(l.items[fresh[i]].path, rt->path) == 0)
				idx[k++] = fresh[i];
		if (k == 1 || (k == 0 && m == 1 && usb_now_ms(be) >= deadline)) {
			t->d = l.items[k ? idx[0] : fresh[0]];
			if (k == 0)
				log_note("%04x:%04x came back at path %s, not %s: the only new DFU device that matches",
					 t->d.vid, t->d.pid, t->d.path, rt->path);
			break;
		}
		if (k > 1) {
			log_error("%04x:%04x came back with %d matching DFU interfaces; refusing to guess",
				  rt->vid, rt->pid, k);
			for (i = 0; i < k; i++)
				session_hint_if(&l.items[idx[i]], NULL);
			log_hint("use -c configuration or -a alt setting to pick one");
			ret = DFU_E_USAGE;
			break;
		}
		if (usb_now_ms(be) >= deadline) {
			if (m > 1) {
				log_error("%d new DFU devices appeared after detaching %04x:%04x, none at its path %s; refusing to guess",
					  m, rt->vid, rt->pid, rt->path);
				for (i = 0; i < m; i++)
					session_hint_if(&l.items[fresh[i]], NULL);
				log_hint("nothing was sent to them; name the device with -d RUNTIME,DFU or -S serial");
				ret = DFU_E_USAGE;
			} else {
				session_report_not_back(&l, o, rt, before);
				ret = DFU_E_IO;
			}
			break;
		}
		ret = interrupt_check("while waiting for the device to come back in DFU mode");
		if (ret < 0)
			break;
		device_list_free(&l);
		usb_sleep_ms(be, OPS_POLL_MS);
	}
	device_list_free(&l);
	return ret < 0 ? ret : 0;
}

/* Does a suffix ID fit one part of a -d pair?  0xffff in the file means any device. */
static int session_suffix_part_fits(enum id_match m, uint16_t want, uint16_t sfx)
{
	return sfx == 0xffff || m == ID_ANY || (m == ID_VALUE && want == sfx);
}

/*
 * Before DFU_DETACH: a file whose suffix names neither the run-time IDs
 * nor the DFU-mode pair of -d is for another device, and detaching would
 * leave this one in its boot loader for nothing.
 */
static int session_check_suffix_before_detach(const struct dfu_file *f, const struct dfu_options *o,
					  const struct dfu_if *rt)
{
	const struct dfu_suffix *sfx;

	if (!f || f->suffix_result != SUFFIX_OK)
		return 0;
	sfx = &f->suffix;
	if (session_suffix_part_fits(ID_VALUE, rt->vid, sfx->idVendor) &&
	    session_suffix_part_fits(ID_VALUE, rt->pid, sfx->idProduct))
		return 0;
	if (o->n_ids >= 2 &&
	    session_suffix_part_fits(o->ids[1].vid_match, o->ids[1].vid, sfx->idVendor) &&
	    session_suffix_part_fits(o->ids[1].pid_match, o->ids[1].pid, sfx->idProduct))
		return 0;
	log_error("'%s' is for device %04x:%04x, not %04x:%04x (run-time mode)%s", f->name,
		  sfx->idVendor, sfx->idProduct, rt->vid, rt->pid,
		  o->n_ids >= 2 ? " nor the DFU-mode IDs given with -d" : "");
	log_hint("nothing was sent: the device stays in run-time mode");
	if (o->n_ids < 2)
		log_hint("if %04x:%04x is the device's ID in DFU mode, say so: -d %04x:%04x,%04x:%04x",
			 sfx->idVendor, sfx->idProduct, rt->vid, rt->pid, sfx->idVendor,
			 sfx->idProduct);
	else
		log_hint("check that you picked the right file; the IDs come from its DFU suffix");
	return DFU_E_DATA;
}

/*
 * Find the device; a run-time one is checked against f (when given),
 * detached, and waited for in DFU mode.  rt receives the run-time
 * interface (zeroed when no detach happened).
 */
int session_find_detach(struct usb_backend *be, const struct dfu_options *o,
			   const struct dfu_file *f, struct session_target *t, struct dfu_if *rt)
{
	struct dfu_if_list before = { 0, NULL };
	int ret;

	memset(rt, 0, sizeof(*rt));
	ret = session_find_keep(be, o, t, &before);
	if (ret == 0 && t->d.runtime) {
		/* A copy: the search below overwrites t. */
		*rt = t->d;
		ret = session_check_suffix_before_detach(f, o, rt);
		if (ret == 0)
			ret = session_detach(be, o, rt);
		if (ret == 0)
			ret = session_wait_dfu_mode(be, o, rt, &before, t);
	}
	device_list_free(&before);
	return ret;
}

int session_find_dfu_mode(struct usb_backend *be, const struct dfu_options *o, struct session_target *t)
{
	struct dfu_if rt;

	return session_find_detach(be, o, NULL, t, &rt);
}

int session_transfer_size(const struct dfu_options *o, const struct dfu_if *d, uint16_t *out)
{
	if (o->transfer_size) {
		*out = (uint16_t)o->transfer_size;
		return 0;
	}
	/* The quirk replaces a wTransferSize that is wrong; -t still wins. */
	if (d->quirks.flags & QUIRK_TRANSFER_SIZE) {
		*out = d->quirks.transfer_size;
		return 0;
	}
	if (!d->has_func || d->func.wTransferSize == 0) {
		log_error("%04x:%04x does not say how large a transfer it accepts", d->vid, d->pid);
		log_hint("give the transfer size with -t BYTES");
		return DFU_E_PROTOCOL;
	}
	if (d->func.wTransferSize > OPS_MAX_CONTROL_DATA) {
		/* DfuSe: a smaller size means an address command before every block (ops_dfuse.c). */
		log_note("%04x:%04x asks for %u-byte transfers; using %u, the most the USB stack moves at once",
			 d->vid, d->pid, (unsigned int)d->func.wTransferSize, OPS_MAX_CONTROL_DATA);
		*out = OPS_MAX_CONTROL_DATA;
		return 0;
	}
	*out = d->func.wTransferSize;
	return 0;
}

int session_open(struct usb_backend *be, const struct dfu_options *o,
			    const struct dfu_if *d, struct dfu_session *s)
{
	struct usb_handle *h;
	int ret;

	ret = device_open(be, d, &h);
	if (ret < 0)
		return ret;
	session_init(s, be, h, d);
	events_device(d, 0);
	s->timeout_ms = o->timeout_ms;
	if ((d->quirks.flags & QUIRK_LONG_TIMEOUT) && s->timeout_ms < QUIRK_LONG_TIMEOUT_MS)
		s->timeout_ms = QUIRK_LONG_TIMEOUT_MS;
	ret = interrupt_check("before the transfer started");
	if (ret == 0)
		ret = session_transfer_size(o, d, &s->transfer_size);
	if (ret == 0)
		ret = dfu_ensure_idle(s);
	if (ret < 0) {
		device_close(h, d);
		return ret;
	}
	log_debug(1, "opened %04x:%04x intf %u alt %u, transfer size %u",
		  d->vid, d->pid, d->intf, d->alt, s->transfer_size);
	return 0;
}

int session_finish(struct dfu_session *s, const struct dfu_options *o, int needs_reset,
		      const struct dfu_if *d)
{
	int ret = 0;

	if (needs_reset || o->reset) {
		/* The classic's words: a wrapper takes this line as its success signal. */
		log_note("Resetting USB to switch back to Run-Time mode");
		ret = session_usb_reset(s->h);
	}
	device_close(s->h, d);
	return ret;
}

/*
 * -Q, from Arduino's builds: their boot loaders start the application on
 * DFU_DETACH in DFU mode.  DFU 1.1 lets a device stall it there, so a
 * refusal is a warning (the download itself is done), not an error.
 */
static int session_final_detach(struct dfu_session *s, const struct dfu_if *d)
{
	int rc;

	log_note("sending DFU_DETACH instead of a USB reset (-Q)");
	rc = dfu_request(s, DFU_RT_OUT, DFU_DETACH, 1000, NULL, 0);
	if (rc < 0 && rc != USB_ERR_NO_DEVICE) {
		log_warn("%04x:%04x did not accept DFU_DETACH (%s); it stays in DFU mode",
			 d->vid, d->pid, usb_strerror(rc));
		dfu_recover(s);
	}
	device_close(s->h, d);
	s->h = NULL;
	return 0;
}

int session_finish_download(struct dfu_session *s, const struct dfu_options *o, int needs_reset,
			const struct dfu_if *d)
{
	if (o->final_detach)
		return session_final_detach(s, d);
	return session_finish(s, o, needs_reset, d);
}

/* -s, .dfu and other address-bearing files are DfuSe's; a plain DFU device would take them as data. */
