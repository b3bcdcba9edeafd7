/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * The USB seam backed by simulated devices (sim.c, with profiles loaded by
 * sim_profile.c).  This file plays the part of the host controller and of
 * the device's USB stack: it answers the standard requests from the
 * descriptors the profile gives, routes class requests to the model,
 * assigns addresses on re-enumeration and keeps the (optionally virtual)
 * clock.  With a state directory it restores the bus at start and saves it
 * when a handle is closed and at exit, through sim_state.c, so that
 * consecutive dfu-util runs see the same devices.
 */

#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compat.h"
#include "sim.h"
#include "sim_state.h"
#include "usb.h"

#define USB_SIM_NAME_THEM "name the devices with --sim PROFILE (or DFU_UTIL_SIM)"

struct sim_handle {
	struct usb_handle pub;
	struct sim_bus *bus;
	struct sim_slot *slot;
	unsigned int generation;
	unsigned int claimed;		/* bit per interface number */
};

/* ------------------------------------------------------------ clock */

static uint64_t usb_sim_real_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t sim_bus_now_us(const struct sim_bus *b)
{
	return b->virtual_clock ? b->vclock_us : usb_sim_real_us();
}

static uint64_t usb_sim_now_ms(struct usb_backend *be)
{
	return sim_bus_now_us(be->priv) / 1000u;
}

static void usb_sim_sleep_ms(struct usb_backend *be, unsigned int ms)
{
	struct sim_bus *b = be->priv;
	struct timespec ts;

	/* On the real clock --all's threads sleep here at once (usb_lock.c). */
	__atomic_fetch_add(&b->sleep_ms_total, ms, __ATOMIC_RELAXED);
	if (b->virtual_clock) {
		b->vclock_us += (uint64_t)ms * 1000u;
		return;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ------------------------------------------------------------ messages */

void sim_bus_say(const struct sim_bus *b, enum usb_report kind, const char *fmt, ...)
{
	char text[4352];
	va_list ap;

	if (!b->report)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	b->report(kind, text);
}

/* Split "A,B,C" into specs; returns the count or USB_ERR_INVALID. */
static int usb_sim_split(const char *devices, char specs[][SIM_SPEC_MAX], struct usb_why *why)
{
	const char *p = devices;
	int n = 0;

	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == 0 || len >= SIM_SPEC_MAX)
			return usb_why_set(why, USB_ERR_INVALID,
					   "expected PROFILE[:key=value...][,PROFILE...]",
					   "invalid simulated device list '%s'", devices);
		if (n == SIM_MAX_DEVICES)
			return usb_why_set(why, USB_ERR_INVALID, NULL,
					   "too many simulated devices in '%s' (at most %d)",
					   devices, SIM_MAX_DEVICES);
		memcpy(specs[n], p, len);
		specs[n][len] = '\0';
		n++;
		if (!e)
			return n;
		p = e + 1;
	}
}

static void usb_sim_assign_devnum(struct sim_bus *b, struct sim_device *d)
{
	int tries, i, used;

	/* like a host controller: the next free address, wrapping below 128 */
	for (tries = 0; tries < 126; tries++) {
		uint8_t cand = b->next_devnum;

		b->next_devnum = cand >= 127 ? SIM_FIRST_DEVNUM : (uint8_t)(cand + 1);
		used = 0;
		for (i = 0; i < b->n; i++)
			if (&b->slot[i].dev != d && b->slot[i].dev.devnum == cand &&
			    !b->slot[i].dev.gone)
				used = 1;
		if (!used) {
			d->devnum = cand;
			return;
		}
	}
	d->devnum = SIM_FIRST_DEVNUM;
}

/*
 * A device that re-enumerated (detach, back to the application, a boot
 * loader's own reset) drops off the bus and comes back after reenum_ms, as
 * a real one does while it restarts and the host enumerates it again.
 * What it does while away (a read unprotect's erase) comes first.
 */
static void usb_sim_reenumerated(struct sim_bus *b, struct sim_slot *s, unsigned int gen_before)
{
	struct sim_device *d = &s->dev;
	uint64_t now = sim_bus_now_us(b);
	uint64_t from = d->away_until_us > now ? d->away_until_us : now;

	if (d->generation == gen_before || d->gone)
		return;
	d->away_until_us = from + (uint64_t)d->prof.reenum_ms * 1000u;
	d->count.away_us += (uint64_t)d->prof.reenum_ms * 1000u;
}

/* "1-N", or "1-N.P" for a DFU mode behind a hub port inside the device (dfu_hub_port). */
static void usb_sim_port_path(const struct sim_slot *s, char *out, size_t len)
{
	if (s->dev.mode == SIM_MODE_DFU && s->dev.prof.dfu_hub_port)
		snprintf(out, len, "%d-%d.%u", SIM_BUS, s->index,
			 (unsigned int)s->dev.prof.dfu_hub_port);
	else
		snprintf(out, len, "%d-%d", SIM_BUS, s->index);
}

/* ------------------------------------------------------------ the ops */

static int usb_sim_enumerate(struct usb_backend *be, struct usb_dev_info **list, int *count)
{
	struct sim_bus *b = be->priv;
	struct usb_dev_info *l;
	struct sim_descriptors ds;
	int i, n = 0;

	*list = NULL;
	*count = 0;
	l = calloc((size_t)(b->n ? b->n : 1), sizeof(*l));
	if (!l)
		return USB_ERR_NOMEM;
	for (i = 0; i < b->n; i++) {
		struct sim_slot *s = &b->slot[i];
		struct usb_dev_info *u = &l[n];

		unsigned int gen = s->dev.generation;

		/* let pending timers run so a will-detach device shows its new self */
		sim_tick(&s->dev, sim_bus_now_us(b));
		usb_sim_reenumerated(b, s, gen);
		/* gone for good, or still resetting (DfuSe read unprotect) */
		if (s->dev.gone || sim_bus_now_us(b) < s->dev.away_until_us)
			continue;
		if (s->dev.devnum == 0)
			usb_sim_assign_devnum(b, &s->dev);
		sim_build_descriptors(&s->dev, &ds);
		u->bus = SIM_BUS;
		u->devnum = s->dev.devnum;
		usb_sim_port_path(s, u->path, sizeof(u->path));
		memcpy(u->dev_desc, ds.device, sizeof(u->dev_desc));
		u->num_configs = 1;
		u->config[0] = malloc(ds.config_len);
		if (!u->config[0]) {
			be->ops->free_list(be, l, n);
			return USB_ERR_NOMEM;
		}
		memcpy(u->config[0], ds.config, ds.config_len);
		u->config_len[0] = ds.config_len;
		u->backend_ref = (uintptr_t)i;
		n++;
	}
	*list = l;
	*count = n;
	return 0;
}

static void usb_sim_free_list(struct usb_backend *be, struct usb_dev_info *list, int count)
{
	int i, j;

	(void)be;
	if (!list)
		return;
	for (i = 0; i < count; i++)
		for (j = 0; j < list[i].num_configs && j < USB_MAX_CONFIGS; j++)
			free(list[i].config[j]);
	free(list);
}

static int usb_sim_open(struct usb_backend *be, const struct usb_dev_info *dev,
			struct usb_handle **h)
{
	struct sim_bus *b = be->priv;
	struct sim_handle *sh;
	struct sim_slot *s;

	*h = NULL;
	if (dev->backend_ref >= (uintptr_t)b->n)
		return USB_ERR_INVALID;
	s = &b->slot[dev->backend_ref];
	if (s->dev.gone || s->dev.devnum != dev->devnum ||
	    sim_bus_now_us(b) < s->dev.away_until_us)
		return USB_ERR_NO_DEVICE;	/* re-enumerated since the listing */
	/* The host side of the device: its node's permissions deny this user. */
	if (s->dev.prof.no_access)
		return USB_ERR_ACCESS;
	sh = calloc(1, sizeof(*sh));
	if (!sh)
		return USB_ERR_NOMEM;
	sh->pub.backend = be;
	sh->pub.priv = sh;
	sh->bus = b;
	sh->slot = s;
	sh->generation = s->dev.generation;
	*h = &sh->pub;
	return 0;
}

static int usb_sim_stale(const struct sim_handle *sh)
{
	return sh->slot->dev.gone || sh->slot->dev.generation != sh->generation;
}

static void usb_sim_close(struct usb_handle *h)
{
	struct sim_handle *sh;

	if (!h)
		return;
	sh = h->priv;
	/* a crash after this point must not lose what the device received */
	sim_state_save(sh->bus);
	free(sh);
}

static int usb_sim_get_configuration(struct usb_handle *h, int *config)
{
	struct sim_handle *sh = h->priv;

	if (usb_sim_stale(sh))
		return USB_ERR_NO_DEVICE;
	*config = 1;
	return 0;
}

static int usb_sim_set_configuration(struct usb_handle *h, int config)
{
	struct sim_handle *sh = h->priv;

	if (usb_sim_stale(sh))
		return USB_ERR_NO_DEVICE;
	return config == 1 || config == 0 || config == -1 ? 0 : USB_ERR_NOT_FOUND;
}

static int usb_sim_claim_interface(struct usb_handle *h, int intf)
{
	struct sim_handle *sh = h->priv;

	if (usb_sim_stale(sh))
		return USB_ERR_NO_DEVICE;
	/* interfaces 0..DFU interface exist (the lower ones are placeholders) */
	if (intf < 0 || intf > sim_interface(&sh->slot->dev))
		return USB_ERR_NOT_FOUND;
	sh->claimed |= 1u << intf;
	return 0;
}

static int usb_sim_release_interface(struct usb_handle *h, int intf)
{
	struct sim_handle *sh = h->priv;

	if (usb_sim_stale(sh))
		return USB_ERR_NO_DEVICE;
	if (intf < 0 || intf >= SIM_MAX_INTF || !(sh->claimed & (1u << intf)))
		return USB_ERR_NOT_FOUND;
	sh->claimed &= ~(1u << intf);
	return 0;
}

static int usb_sim_set_alt(struct usb_handle *h, int intf, int alt)
{
	struct sim_handle *sh = h->priv;
	struct sim_slot *s = sh->slot;
	int r;

	if (usb_sim_stale(sh)) {
		sim_state_log(sh->bus, s, "SET_ALT", (unsigned)alt, (unsigned)intf, 0, SIM_GONE);
		return USB_ERR_NO_DEVICE;
	}
	/* like libusb: the interface must be claimed first */
	if (intf < 0 || intf >= SIM_MAX_INTF || !(sh->claimed & (1u << intf)))
		return USB_ERR_NOT_FOUND;
	if (intf == sim_interface(&s->dev))
		r = sim_set_alt(&s->dev, alt);
	else
		r = alt == 0 ? 0 : SIM_STALL;
	sim_state_log(sh->bus, s, "SET_ALT", (unsigned)alt, (unsigned)intf, 0, r);
	return r == 0 ? 0 : USB_ERR_NOT_FOUND;
}

/* desc_fault: a string descriptor as a broken firmware sends it. */
static int usb_sim_break_string(int fault, unsigned char *data, int n)
{
	switch (fault) {
	case SIM_DESC_STRING_SURROGATE:
		/* a high surrogate with no low one after it */
		if (n >= 4) {
			data[2] = 0x00;
			data[3] = 0xd8;
		}
		return n;
	case SIM_DESC_STRING_ODD:
		/* half a UTF-16 unit at the end */
		if (n >= 3) {
			data[0] = (unsigned char)(n - 1);
			return n - 1;
		}
		return n;
	case SIM_DESC_STRING_SHORT:
		/* bLength promises more than arrives */
		if (n >= 2)
			data[0] = 0xfe;
		return n;
	default:
		return n;
	}
}

/* Standard requests, answered from the profile's descriptors. */
static int usb_sim_standard(struct sim_slot *s, uint8_t bmRequestType, uint8_t bRequest,
			    uint16_t wValue, uint16_t wIndex, unsigned char *data,
			    uint16_t wLength, const char **name)
{
	struct sim_descriptors ds;
	size_t n;
	int r;

	if (bRequest == USB_REQ_GET_DESCRIPTOR && (bmRequestType & 0x80)) {
		*name = "GET_DESCRIPTOR";
		sim_build_descriptors(&s->dev, &ds);
		switch (wValue >> 8) {
		case USB_DT_DEVICE:
			n = sizeof(ds.device);
			memcpy(data, ds.device, n < wLength ? n : wLength);
			return (int)(n < wLength ? n : wLength);
		case USB_DT_CONFIG:
			if ((wValue & 0xff) != 0)
				return SIM_STALL;
			n = ds.config_len;
			memcpy(data, ds.config, n < wLength ? n : wLength);
			return (int)(n < wLength ? n : wLength);
		case USB_DT_STRING:
			if ((wValue & 0xff) != 0 && wIndex != 0x0409)
				return SIM_STALL;
			r = sim_string(&ds, wValue & 0xff, data, wLength);
			if (r < 0)
				return SIM_STALL;
			if ((wValue & 0xff) != 0)
				r = usb_sim_break_string(s->dev.prof.desc_fault, data, r);
			return r;
		case USB_DT_DFU:
			if (ds.func_len == 0)
				return SIM_STALL;
			n = ds.func_len;
			memcpy(data, ds.func, n < wLength ? n : wLength);
			return (int)(n < wLength ? n : wLength);
		default:
			return SIM_STALL;
		}
	}
	if (bRequest == 0x00 && (bmRequestType & 0x80)) {	/* GET_STATUS */
		*name = "GET_STATUS";
		n = wLength < 2 ? wLength : 2;
		memset(data, 0, n);
		return (int)n;
	}
	if (bRequest == 0x0b && !(bmRequestType & 0x80)) {	/* SET_INTERFACE */
		*name = "SET_INTERFACE";
		if (wIndex != sim_interface(&s->dev))
			return wValue == 0 ? 0 : SIM_STALL;
		return sim_set_alt(&s->dev, wValue);
	}
	*name = "STANDARD";
	return SIM_STALL;
}

static int usb_sim_control(struct usb_handle *h, uint8_t bmRequestType, uint8_t bRequest,
			   uint16_t wValue, uint16_t wIndex, unsigned char *data,
			   uint16_t wLength, unsigned int timeout_ms)
{
	struct sim_handle *sh = h->priv;
	struct sim_bus *b = sh->bus;
	struct sim_slot *s = sh->slot;
	const char *name = "VENDOR";
	uint8_t type = bmRequestType & 0x60;
	unsigned int gen = s->dev.generation;
	int r;

	if (type == 0x20 && bRequest <= DFU_ABORT)
		name = dfu_request_name(bRequest);
	if (usb_sim_stale(sh)) {
		sim_state_log(b, s, name, wValue, wIndex, wLength, SIM_GONE);
		return USB_ERR_NO_DEVICE;
	}
	b->transfers++;
	if (b->virtual_clock)
		b->vclock_us += s->dev.prof.usb_overhead_us +
				(uint64_t)wLength * s->dev.prof.usb_byte_ns / 1000u;

	/* busy_nak: a device busy erasing NAKs until done, or the host gives up. */
	if (type == 0x20 && s->dev.prof.busy_nak && b->virtual_clock) {
		uint64_t now = sim_bus_now_us(b), wait = (uint64_t)timeout_ms * 1000u;

		sim_tick(&s->dev, now);
		if (s->dev.state == DFU_STATE_DFU_DNBUSY &&
		    (s->dev.busy_forever || s->dev.busy_until_us > now)) {
			if (s->dev.busy_forever || s->dev.busy_until_us - now > wait) {
				b->vclock_us += wait;
				sim_state_log(b, s, name, wValue, wIndex, wLength, SIM_TIMEOUT);
				return USB_ERR_TIMEOUT;
			}
			b->vclock_us = s->dev.busy_until_us;
		}
	}
	if (type == 0x00) {
		r = usb_sim_standard(s, bmRequestType, bRequest, wValue, wIndex, data, wLength,
				     &name);
	} else if (type == 0x20 && (bmRequestType & 0x1f) == 0x01) {
		if ((wIndex & 0xff) != sim_interface(&s->dev)) {
			name = bRequest <= DFU_ABORT ? dfu_request_name(bRequest) : "CLASS";
			r = SIM_STALL;	/* no DFU function behind that interface */
		} else {
			if (bRequest > DFU_ABORT)
				name = "CLASS";
			r = sim_control(&s->dev, sim_bus_now_us(b), bmRequestType, bRequest,
					wValue, wIndex, data, wLength);
		}
	} else {
		if (type == 0x20)
			name = "CLASS";
		r = SIM_STALL;
	}
	usb_sim_reenumerated(b, s, gen);
	if (s->dev.devnum == 0 && !s->dev.gone)
		usb_sim_assign_devnum(b, &s->dev);
	if (s->dev.unanswered) {
		/* gone before the status stage: the host waits out its timeout */
		s->dev.unanswered = 0;
		if (b->virtual_clock)
			b->vclock_us += (uint64_t)timeout_ms * 1000u;
		r = SIM_TIMEOUT;
	}
	sim_state_log(b, s, name, wValue, wIndex, wLength, r);
	if (r == SIM_TIMEOUT)
		return USB_ERR_TIMEOUT;
	if (s->dev.raise_signal) {
		/* fault signal=...: as if the user pressed Ctrl-C right after this request */
		int sig = s->dev.raise_signal;

		s->dev.raise_signal = 0;
		/*
		 * One Ctrl-C per process: a second one means "quit now,
		 * cleanup or not", which no fault stands for.  With --all
		 * several devices may carry a signal fault as a backstop;
		 * whichever fires first is the user's one key press.
		 */
		if (!b->signal_raised) {
			b->signal_raised = 1;
			compat_raise(sig);
		}
	}
	if (r == SIM_STALL)
		return USB_ERR_STALL;
	if (r == SIM_GONE)
		return USB_ERR_NO_DEVICE;
	return r;
}

static int usb_sim_reset(struct usb_handle *h)
{
	struct sim_handle *sh = h->priv;
	struct sim_bus *b = sh->bus;
	struct sim_slot *s = sh->slot;
	unsigned int gen = s->dev.generation;
	int r;

	if (usb_sim_stale(sh)) {
		sim_state_log(b, s, "RESET", 0, 0, 0, SIM_GONE);
		return USB_ERR_NO_DEVICE;
	}
	if (b->virtual_clock)
		b->vclock_us += SIM_RESET_US;
	r = sim_bus_reset(&s->dev, sim_bus_now_us(b));
	usb_sim_reenumerated(b, s, gen);
	if (s->dev.devnum == 0 && !s->dev.gone)
		usb_sim_assign_devnum(b, &s->dev);
	sim_state_log(b, s, "RESET", 0, 0, 0, r == 0 ? 0 : SIM_GONE);
	return r == 0 ? 0 : USB_ERR_NO_DEVICE;
}

static void usb_sim_free_bus(struct sim_bus *b)
{
	int i;

	for (i = 0; i < b->n; i++)
		sim_free(&b->slot[i].dev);
	if (b->log)
		fclose(b->log);
	free(b->dir);
	free(b);
}

static void usb_sim_exit(struct usb_backend *be)
{
	struct sim_bus *b;

	if (!be)
		return;
	b = be->priv;
	if (b->dir) {
		sim_state_save(b);
		sim_state_write_stats(b);
	}
	/* The point of the virtual clock: say how long it would have taken. */
	if (b->virtual_clock && b->transfers)
		sim_bus_say(b, USB_REPORT_NOTE,
			    "simulated: %lu control transfers, %.1f ms on the virtual clock",
			    b->transfers, (double)(sim_bus_now_us(b) - b->start_us) / 1000.0);
	usb_sim_free_bus(b);
}

static const struct usb_ops usb_sim_ops = {
	.name = "sim",
	.enumerate = usb_sim_enumerate,
	.free_list = usb_sim_free_list,
	.open = usb_sim_open,
	.close = usb_sim_close,
	.get_configuration = usb_sim_get_configuration,
	.set_configuration = usb_sim_set_configuration,
	.claim_interface = usb_sim_claim_interface,
	.release_interface = usb_sim_release_interface,
	.set_alt = usb_sim_set_alt,
	.control = usb_sim_control,
	.reset = usb_sim_reset,
	.sleep_ms = usb_sim_sleep_ms,
	.now_ms = usb_sim_now_ms,
	.exit = usb_sim_exit,
};

/* ------------------------------------------------------------ init */

/* Create the devices from specs, fresh. */
static int usb_sim_create(struct sim_bus *b, char specs[][SIM_SPEC_MAX], int n,
			  struct usb_why *why)
{
	struct sim_profile p;
	int i, rc;

	for (i = 0; i < n; i++) {
		struct sim_slot *s = &b->slot[i];

		rc = sim_profile_load(specs[i], &p, why);
		if (rc < 0)
			return rc;
		rc = sim_init(&s->dev, &p, why);
		if (rc < 0)
			return rc;
		b->n = i + 1;
		s->index = i + 1;
		snprintf(s->spec, sizeof(s->spec), "%s", specs[i]);
		s->dev.devnum = (uint8_t)(SIM_FIRST_DEVNUM + i);
		/* appear_ms: plugged in a while after the bus came up */
		if (p.appear_ms)
			s->dev.away_until_us = sim_bus_now_us(b) + (uint64_t)p.appear_ms * 1000u;
	}
	b->next_devnum = (uint8_t)(SIM_FIRST_DEVNUM + n);
	return 0;
}

/*
 * With a state directory: restore the stored bus when it holds the same
 * devices (or when none are named), else create the named ones afresh.
 */
static int usb_sim_restore(struct sim_bus *b, const char *devices, struct usb_why *why)
{
	static char specs[SIM_MAX_DEVICES][SIM_SPEC_MAX];
	struct sim_saved sv;
	int n = 0, i, rc, same;

	rc = sim_state_read(b->dir, b->virtual_clock, &sv, why);
	if (rc < 0)
		goto out;
	if (devices) {
		n = usb_sim_split(devices, specs, why);
		if (n < 0) {
			rc = n;
			goto out;
		}
	} else if (!sv.found) {
		rc = usb_why_set(why, USB_ERR_INVALID, USB_SIM_NAME_THEM,
				 "no simulated devices: '%s' holds none", b->dir);
		goto out;
	} else {
		/* none named: the stored ones */
		n = sv.n;
		for (i = 0; i < n; i++)
			snprintf(specs[i], SIM_SPEC_MAX, "%s", sv.spec[i]);
	}

	same = sv.found && sv.n == n;
	for (i = 0; same && i < n; i++)
		same = strcmp(sv.spec[i], specs[i]) == 0;
	/* the clock carries over so busy and detach times stay meaningful */
	if (b->virtual_clock && sv.virtual_clock)
		b->vclock_us = sv.clock_us;

	rc = usb_sim_create(b, specs, n, why);
	if (rc < 0 || !same) {
		/* all stored devices were replaced: their files go, the new ones come at exit */
		if (rc == 0 && sv.found)
			sim_state_forget(b->dir, 1, sv.n);
		goto out;
	}

	for (i = 0; i < n; i++) {
		struct sim_device *d = &b->slot[i].dev;

		rc = sim_state_load(b->dir, &b->slot[i], sv.text[i], why);
		if (rc < 0)
			goto out;
		if (sv.virtual_clock != b->virtual_clock) {
			/* times from another clock mean nothing here */
			d->busy_until_us = 0;
			d->away_until_us = 0;
			if (d->state == DFU_STATE_APP_DETACH)
				d->detach_until_us = 0;
		}
		/*
		 * Between two runs on the virtual clock, time passes too: the
		 * next command starts once every device that was re-enumerating
		 * (or not yet plugged in) is back on the bus.
		 */
		if (b->virtual_clock && !d->gone && d->away_until_us > b->vclock_us)
			b->vclock_us = d->away_until_us;
	}
	if (sv.next_devnum >= 0)
		b->next_devnum = (uint8_t)sv.next_devnum;
out:
	sim_state_free(&sv);
	return rc;
}

int usb_sim_init(struct usb_backend **be, const struct usb_sim_config *cfg, struct usb_why *why)
{
	static char specs[SIM_MAX_DEVICES][SIM_SPEC_MAX];
	struct sim_bus *b;
	int rc, n;

	*be = NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return usb_why_set(why, USB_ERR_NOMEM, NULL, "out of memory");
	b->be.ops = &usb_sim_ops;
	b->be.priv = b;
	b->virtual_clock = cfg->virtual_clock ? 1 : 0;
	b->report = cfg->report;

	if (cfg->state_dir) {
		b->dir = strdup(cfg->state_dir);
		if (!b->dir) {
			free(b);
			return usb_why_set(why, USB_ERR_NOMEM, NULL, "out of memory");
		}
		rc = sim_state_make_dir(b->dir, why);
		if (rc == 0)
			rc = usb_sim_restore(b, cfg->devices, why);
		if (rc == 0)
			rc = sim_state_open_log(b, why);
		if (rc < 0) {
			usb_sim_free_bus(b);
			return rc;
		}
	} else {
		if (!cfg->devices) {
			free(b);
			return usb_why_set(why, USB_ERR_INVALID, USB_SIM_NAME_THEM,
					   "no simulated devices named");
		}
		n = usb_sim_split(cfg->devices, specs, why);
		rc = n < 0 ? n : usb_sim_create(b, specs, n, why);
		if (rc < 0) {
			usb_sim_free_bus(b);
			return rc;
		}
	}
	b->start_us = sim_bus_now_us(b);
	b->start_ms = b->start_us / 1000u;
	*be = &b->be;
	return 0;
}
