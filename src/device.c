/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * Finding DFU devices: enumerate through the seam, parse the raw
 * descriptors, read the names the user selects by, apply the selectors,
 * and open the chosen interface.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "descriptor.h"
#include "dfuse_map.h"
#include "errors.h"
#include "log.h"

#define DEVICE_MAX_ALTS		64	/* per configuration; real devices have a handful */
#define DEVICE_LANGID_EN_US	0x0409
#define DEVICE_UNKNOWN		"UNKNOWN"
#define DEVICE_UDEV_HINT \
	"install the udev rule doc/60-dfu-util.rules into /etc/udev/rules.d and replug the device, or run as root"

/* ------------------------------------------------------------------ scan */

struct device_vec {
	struct dfu_if *items;
	int count, cap;
};

static struct dfu_if *device_vec_add(struct device_vec *v)
{
	if (v->count == v->cap) {
		int cap = v->cap ? v->cap * 2 : 16;
		struct dfu_if *n = realloc(v->items, (size_t)cap * sizeof(*n));

		if (n == NULL)
			return NULL;
		v->items = n;
		v->cap = cap;
	}
	memset(&v->items[v->count], 0, sizeof(v->items[0]));
	return &v->items[v->count++];
}

/* The first language the device offers; en-US when it does not say. */
static uint16_t device_langid(struct usb_handle *h, unsigned int tmo)
{
	unsigned char buf[255];
	int n;

	n = usb_control(h, 0x80, USB_REQ_GET_DESCRIPTOR, USB_DT_STRING << 8, 0,
			buf, sizeof(buf), tmo);
	if (n >= 4 && buf[0] >= 4 && buf[1] == USB_DT_STRING)
		return (uint16_t)(buf[2] | (buf[3] << 8));
	return DEVICE_LANGID_EN_US;
}

/* A string descriptor into out, or "UNKNOWN" (index 0, error, empty). */
static void device_read_string(struct usb_handle *h, uint8_t index, uint16_t langid,
			       char *out, size_t outlen, unsigned int tmo)
{
	unsigned char buf[255];
	int n;

	snprintf(out, outlen, "%s", DEVICE_UNKNOWN);
	if (index == 0)
		return;
	n = usb_control(h, 0x80, USB_REQ_GET_DESCRIPTOR, (uint16_t)((USB_DT_STRING << 8) | index),
			langid, buf, sizeof(buf), tmo);
	if (n < 2) {
		log_debug(2, "string %u: %s", index, n < 0 ? usb_errname(n) : "too short");
		return;
	}
	if (desc_decode_string(buf, (size_t)n, out, outlen) <= 0)
		snprintf(out, outlen, "%s", DEVICE_UNKNOWN);
}

/* Some devices only answer GET_DESCRIPTOR(DFU) sent to the interface. */
static int device_fetch_func(struct usb_handle *h, uint8_t intf, struct dfu_func_desc *f,
			     unsigned int tmo)
{
	unsigned char buf[9];
	int n;

	n = usb_control(h, 0x81, USB_REQ_GET_DESCRIPTOR, USB_DT_DFU << 8, intf,
			buf, sizeof(buf), tmo);
	if (n < 0)
		return n;
	return desc_parse_func(buf, (size_t)n, f);
}

/* DFU 1.0 defaults: no transfer size known, so -t is needed to transfer. */
static void device_default_func(struct dfu_func_desc *f)
{
	memset(f, 0, sizeof(*f));
	f->bLength = 7;
	f->bmAttributes = DFU_ATTR_CAN_DNLOAD | DFU_ATTR_CAN_UPLOAD;
	f->bcdDFUVersion = 0x0100;
}

/* Read serial, alt names and missing functional descriptors of one device. */
static void device_fill_from_device(struct usb_backend *be, const struct usb_dev_info *info,
				    const struct usb_device_desc *dd,
				    struct dfu_if *first, int n, unsigned int tmo)
{
	struct usb_handle *h = NULL;
	char serial[sizeof(first->serial)];
	uint16_t langid;
	int rc, i, j;

	rc = be->ops->open(be, info, &h);
	if (rc < 0) {
		log_debug(1, "cannot open %04x:%04x (bus %u, device %u) to read its names: %s",
			  dd->idVendor, dd->idProduct, info->bus, info->devnum, usb_errname(rc));
		for (i = 0; i < n; i++)
			first[i].open_err = rc;
		return;
	}
	langid = device_langid(h, tmo);
	device_read_string(h, dd->iSerialNumber, langid, serial, sizeof(serial), tmo);
	for (i = 0; i < n; i++) {
		struct dfu_if *d = &first[i];

		memcpy(d->serial, serial, sizeof(serial));
		device_read_string(h, (uint8_t)d->name[0], langid, d->name, sizeof(d->name), tmo);
	}
	/* Once per interface: alts of one interface share the answer. */
	for (i = 0; i < n; i++) {
		struct dfu_func_desc f;

		if (first[i].has_func)
			continue;
		for (j = 0; j < i; j++)
			if (first[j].config == first[i].config && first[j].intf == first[i].intf)
				break;
		if (j < i)
			continue;	/* asked already */
		if (device_fetch_func(h, first[i].intf, &f, tmo) < 0)
			continue;
		for (j = i; j < n; j++) {
			if (first[j].config == first[i].config && first[j].intf == first[i].intf &&
			    !first[j].has_func) {
				first[j].func = f;
				first[j].has_func = 1;
			}
		}
	}
	be->ops->close(h);
}

/* DfuSe by its own word, or by a quirk. */
static void device_classify_dfuse(struct dfu_if *d)
{
	if (d->quirks.flags & QUIRK_DFU_VERSION) {
		if (d->quirks.dfu_version == 0x011a)
			d->dfuse_why = DFUSE_BY_QUIRK_VERSION;
	} else if (d->func.bcdDFUVersion == 0x011a) {
		d->dfuse_why = DFUSE_BY_VERSION;
	}
	if (d->dfuse_why == DFUSE_NO && (d->quirks.flags & QUIRK_DFUSE))
		d->dfuse_why = DFUSE_BY_QUIRK;
	d->dfuse = d->dfuse_why != DFUSE_NO;
}

static int device_scan_one(struct usb_backend *be, const struct usb_dev_info *info,
			   struct device_vec *v, unsigned int tmo, const struct dfu_quirks *user)
{
	struct usb_device_desc dd;
	struct dfu_alt_desc alts[DEVICE_MAX_ALTS];
	struct dfu_quirks table_q, q;
	const char *quirk_device;
	int start = v->count;
	int c, i, n, other;

	if (desc_parse_device(info->dev_desc, sizeof(info->dev_desc), &dd) < 0) {
		log_debug(1, "bus %u device %u: unreadable device descriptor, skipped",
			  info->bus, info->devnum);
		return 0;
	}
	quirks_lookup(dd.idVendor, dd.idProduct, dd.bcdDevice, &table_q, &quirk_device);
	q = table_q;
	if (user)
		quirks_merge(&q, user);
	for (c = 0; c < info->num_configs && c < USB_MAX_CONFIGS; c++) {
		n = desc_find_dfu_alts(info->config[c], info->config_len[c], alts, DEVICE_MAX_ALTS);
		other = n > 0 ? desc_has_other_interfaces(info->config[c], info->config_len[c]) : 0;
		if (n < 0) {
			log_warn("ignoring a malformed configuration descriptor of %04x:%04x (bus %u, device %u)",
				 dd.idVendor, dd.idProduct, info->bus, info->devnum);
			continue;
		}
		if (n > DEVICE_MAX_ALTS) {
			log_debug(1, "%04x:%04x: only the first %d of %d DFU alt settings are used",
				  dd.idVendor, dd.idProduct, DEVICE_MAX_ALTS, n);
			n = DEVICE_MAX_ALTS;
		}
		for (i = 0; i < n; i++) {
			const struct dfu_alt_desc *a = &alts[i];
			struct dfu_if *d;

			if (a->bInterfaceProtocol > DFU_PROTOCOL_DFU)
				continue;	/* not a DFU protocol we know */
			d = device_vec_add(v);
			if (d == NULL) {
				log_error("out of memory while listing USB devices");
				return DFU_E_NOMEM;
			}
			d->vid = dd.idVendor;
			d->pid = dd.idProduct;
			d->bcd_device = dd.bcdDevice;
			d->bus = info->bus;
			d->devnum = info->devnum;
			snprintf(d->path, sizeof(d->path), "%s", info->path);
			d->config = a->bConfigurationValue;
			d->intf = a->bInterfaceNumber;
			d->alt = a->bAlternateSetting;
			d->protocol = a->bInterfaceProtocol;
			d->runtime = a->bInterfaceProtocol == DFU_PROTOCOL_RUNTIME;
			/* Protocol 0 is DFU 1.0's DFU mode, unless beside other functions. */
			if ((q.flags & QUIRK_RUNTIME_PROTO0) && a->bInterfaceProtocol == 0 &&
			    other > 0)
				d->runtime = 1;
			d->quirks = q;
			d->table_quirks = table_q;
			d->quirk_device = quirk_device;
			d->has_func = a->has_func;
			d->func = a->func;
			/* Park the string index here until the names are read. */
			d->name[0] = (char)a->iInterface;
			d->backend_ref = info->backend_ref;
			d->info = *info;
			d->info.num_configs = 0;
			memset(d->info.config, 0, sizeof(d->info.config));
			memset(d->info.config_len, 0, sizeof(d->info.config_len));
		}
	}
	if (v->count == start)
		return 0;

	device_fill_from_device(be, info, &dd, &v->items[start], v->count - start, tmo);
	for (i = start; i < v->count; i++) {
		struct dfu_if *d = &v->items[i];

		if (d->open_err) {
			snprintf(d->name, sizeof(d->name), "%s", DEVICE_UNKNOWN);
			snprintf(d->serial, sizeof(d->serial), "%s", DEVICE_UNKNOWN);
		}
		if (!d->has_func)
			device_default_func(&d->func);
		device_classify_dfuse(d);
	}
	return 0;
}

static int device_cmp(const void *pa, const void *pb)
{
	const struct dfu_if *a = pa, *b = pb;

	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	if (a->devnum != b->devnum)
		return a->devnum < b->devnum ? -1 : 1;
	if (a->config != b->config)
		return a->config < b->config ? -1 : 1;
	if (a->intf != b->intf)
		return a->intf < b->intf ? -1 : 1;
	if (a->alt != b->alt)
		return a->alt < b->alt ? -1 : 1;
	return 0;
}

int device_scan(struct usb_backend *be, struct dfu_if_list *out)
{
	return device_scan_timeout(be, out, DEVICE_SCAN_TIMEOUT_MS);
}

static int device_scan_with(struct usb_backend *be, struct dfu_if_list *out,
			    unsigned int timeout_ms, const struct dfu_quirks *user);

int device_scan_timeout(struct usb_backend *be, struct dfu_if_list *out, unsigned int timeout_ms)
{
	return device_scan_with(be, out, timeout_ms, NULL);
}

int device_scan_options(struct usb_backend *be, struct dfu_if_list *out,
			const struct dfu_options *o)
{
	return device_scan_with(be, out, o->timeout_ms, &o->quirks);
}

static int device_scan_with(struct usb_backend *be, struct dfu_if_list *out,
			    unsigned int timeout_ms, const struct dfu_quirks *user)
{
	struct usb_dev_info *devs = NULL;
	struct device_vec v = { NULL, 0, 0 };
	int ndev = 0, rc, i;

	out->count = 0;
	out->items = NULL;
	rc = be->ops->enumerate(be, &devs, &ndev);
	if (rc < 0) {
		log_error("cannot list the USB devices: %s", usb_strerror(rc));
		log_debug(1, "enumerate: %s", usb_errname(rc));
		return rc == USB_ERR_NOMEM ? DFU_E_NOMEM : DFU_E_IO;
	}
	for (i = 0; i < ndev; i++) {
		rc = device_scan_one(be, &devs[i], &v, timeout_ms, user);
		if (rc < 0) {
			be->ops->free_list(be, devs, ndev);
			free(v.items);
			return rc;
		}
	}
	be->ops->free_list(be, devs, ndev);
	if (v.count > 1)
		qsort(v.items, (size_t)v.count, sizeof(v.items[0]), device_cmp);
	out->count = v.count;
	out->items = v.items;
	return 0;
}

void device_list_free(struct dfu_if_list *l)
{
	if (l == NULL)
		return;
	free(l->items);
	l->items = NULL;
	l->count = 0;
}

/* ------------------------------------------------------------------ list */

static int device_same_dev(const struct dfu_if *a, const struct dfu_if *b)
{
	return a->bus == b->bus && a->devnum == b->devnum;
}

static int device_same_intf(const struct dfu_if *a, const struct dfu_if *b)
{
	return device_same_dev(a, b) && a->config == b->config && a->intf == b->intf;
}

static void device_format_line(const struct dfu_if *d, char *buf, size_t len)
{
	snprintf(buf, len,
		 "Found %s: [%04x:%04x] ver=%04x, devnum=%u, cfg=%u, intf=%u, path=\"%s\", alt=%u, name=\"%s\", serial=\"%s\"",
		 d->runtime ? "Runtime" : "DFU", d->vid, d->pid, d->bcd_device, d->devnum,
		 d->config, d->intf, d->path, d->alt, d->name, d->serial);
}

static void device_print_func(const struct dfu_if *d)
{
	const struct dfu_func_desc *f = &d->func;
	uint8_t at = f->bmAttributes;

	if (!d->has_func) {
		log_info("    no DFU functional descriptor: DFU 1.0 assumed, transfer size unknown");
		return;
	}
	log_info("    DFU functional descriptor: bcdDFUVersion %04x, wTransferSize %u, wDetachTimeOut %u ms",
		 f->bcdDFUVersion, f->wTransferSize, f->wDetachTimeOut);
	log_info("    bmAttributes 0x%02x: %s, %s, %s, %s", at,
		 at & DFU_ATTR_WILL_DETACH ? "will detach" : "needs a USB reset to detach",
		 at & DFU_ATTR_MANIFEST_TOLERANT ? "manifestation tolerant" : "manifestation intolerant",
		 at & DFU_ATTR_CAN_UPLOAD ? "upload capable" : "no upload",
		 at & DFU_ATTR_CAN_DNLOAD ? "download capable" : "no download");
}

/* -l -v: what a DfuSe alt setting's interface string says about its memory. */
static void device_print_map(const struct dfu_if *d)
{
	struct dfuse_map *m;
	char err[600];

	if (d->runtime || !d->dfuse || d->name[0] != '@')
		return;
	m = malloc(sizeof(*m));
	if (!m)
		return;
	err[0] = '\0';
	if (dfuse_map_parse(d->name, m, err, sizeof(err)) == 0)
		dfuse_map_print(m, "    ");
	else
		log_info("    unusable %s", err);
	free(m);
}

/* -l -v: the quirks a device is driven with, once per device. */
static void device_print_quirks(const struct dfu_if *d)
{
	char list[200];

	if (d->table_quirks.flags) {
		quirks_format(&d->table_quirks, list, sizeof(list));
		log_info("    quirks: %s (quirks table: %s)", list, d->quirk_device);
	}
	if (memcmp(&d->quirks, &d->table_quirks, sizeof(d->quirks)) != 0) {
		quirks_format(&d->quirks, list, sizeof(list));
		log_info("    quirks with --quirk: %s", list);
	}
}

void device_print_list(const struct dfu_if_list *l, int verbose)
{
	char line[700];
	int i, access = 0;

	/* Silence is the answer scripts poll for; say it only when asked. */
	if (l->count == 0 && verbose >= 1)
		log_info("nothing found: no DFU capable USB device");
	for (i = 0; i < l->count; i++) {
		const struct dfu_if *d = &l->items[i];
		const struct dfu_if *next = i + 1 < l->count ? &l->items[i + 1] : NULL;

		device_format_line(d, line, sizeof(line));
		log_info("%s", line);
		if (verbose >= 1 && (i == 0 || !device_same_dev(d, &l->items[i - 1])))
			device_print_quirks(d);
		if (verbose >= 1)
			device_print_map(d);
		/* Once per interface, or per alt where alts disagree. */
		if (verbose >= 1 && (next == NULL || !device_same_intf(d, next) ||
				     next->has_func != d->has_func ||
				     memcmp(&next->func, &d->func, sizeof(d->func)) != 0))
			device_print_func(d);
	}
	for (i = 0; i < l->count; i++) {
		const struct dfu_if *d = &l->items[i];

		if (!d->open_err || (i > 0 && device_same_dev(d, &l->items[i - 1])))
			continue;
		/* The classic's words (stderr, exit status still 0): scripts look for them. */
		log_classic("Cannot open DFU device %04x:%04x found on devnum %u (%s)",
			    d->vid, d->pid, d->devnum, usb_strerror(d->open_err));
		if (d->open_err == USB_ERR_ACCESS)
			access = 1;
	}
	if (access)
		log_hint("%s", DEVICE_UDEV_HINT);
}

/* ------------------------------------------------------------------ match */

/* Selectors in the order they are checked; later means "closer to matching". */
enum device_mm {
	MM_PHASE,	/* run-time interface while DFU mode is wanted */
	MM_ID,
	MM_DEVNUM,
	MM_PATH,
	MM_SERIAL,
	MM_CONFIG,
	MM_INTF,
	MM_ALT,
	MM_ALTNAME,
	MM_OK,
};

/*
 * As in the classic tool: one -d pair names the run-time IDs, and after a
 * detach any DFU-mode device is considered, because the product ID usually
 * changes (ops.c then prefers the device on the same port).  Before a
 * detach, a single pair also selects DFU-mode interfaces.
 */
static const struct id_pair *device_want_ids(const struct dfu_options *o, int runtime, int dfu_mode)
{
	if (o->n_ids <= 0)
		return NULL;
	if (!runtime && o->n_ids >= 2)
		return &o->ids[1];
	if (!runtime && dfu_mode)
		return NULL;
	return &o->ids[0];
}

/* options_parse fills both slots from a single -S, so no fallback here. */
static const char *device_want_serial(const struct dfu_options *o, int runtime)
{
	return runtime ? o->serial[0] : o->serial[1];
}

static int device_id_part(enum id_match m, uint16_t want, uint16_t have)
{
	switch (m) {
	case ID_ANY:	return 1;
	case ID_VALUE:	return want == have;
	default:	return 0;	/* ID_NONE: "-" matches nothing */
	}
}

static enum device_mm device_check(const struct dfu_if *d, const struct dfu_options *o, int dfu_mode)
{
	const struct id_pair *ids = device_want_ids(o, d->runtime, dfu_mode);
	const char *serial = device_want_serial(o, d->runtime);

	if (dfu_mode && d->runtime)
		return MM_PHASE;
	if (ids && (!device_id_part(ids->vid_match, ids->vid, d->vid) ||
		    !device_id_part(ids->pid_match, ids->pid, d->pid)))
		return MM_ID;
	/* A re-enumerated device has a new number: -n names the first one. */
	if (o->devnum >= 0 && !dfu_mode && o->devnum != d->devnum)
		return MM_DEVNUM;
	if (o->path && strcmp(o->path, d->path) != 0)
		return MM_PATH;
	if (serial && strcmp(serial, d->serial) != 0)
		return MM_SERIAL;
	if (o->config >= 0 && o->config != d->config)
		return MM_CONFIG;
	/* -i names the run-time interface; DFU mode may number it otherwise. */
	if (o->intf >= 0 && !dfu_mode && o->intf != d->intf)
		return MM_INTF;
	if (!d->runtime) {
		if (o->alt >= 0 && o->alt != d->alt)
			return MM_ALT;
		if (o->alt_name && strcmp(o->alt_name, d->name) != 0)
			return MM_ALTNAME;
	}
	return MM_OK;
}

/* Is item i the alt chosen for its interface: the lowest one that passes? */
static int device_is_chosen(const struct dfu_if_list *l, const struct dfu_options *o,
			    int dfu_mode, int i)
{
	const struct dfu_if *d = &l->items[i];
	int k;

	for (k = 0; k < l->count; k++) {
		const struct dfu_if *c = &l->items[k];

		if (k == i || !device_same_intf(c, d))
			continue;
		if ((c->alt < d->alt || (c->alt == d->alt && k < i)) &&
		    device_check(c, o, dfu_mode) == MM_OK)
			return 0;
	}
	return 1;
}

/* Does the device of d offer a DFU-mode interface that passes? */
static int device_has_dfu_match(const struct dfu_if_list *l, const struct dfu_options *o,
				int dfu_mode, const struct dfu_if *d)
{
	int k;

	for (k = 0; k < l->count; k++) {
		const struct dfu_if *c = &l->items[k];

		if (!c->runtime && device_same_dev(c, d) && device_check(c, o, dfu_mode) == MM_OK)
			return 1;
	}
	return 0;
}

void device_list_narrow(struct dfu_if_list *l, const struct dfu_options *o)
{
	int i, n = 0;

	for (i = 0; i < l->count; i++) {
		const struct dfu_if *d = &l->items[i];

		if (device_check(d, o, 0) != MM_OK)
			continue;
		/* In a list -a narrows run-time rows too: they show alt 0 and a name. */
		if (d->runtime && ((o->alt >= 0 && o->alt != d->alt) ||
				   (o->alt_name && strcmp(o->alt_name, d->name) != 0)))
			continue;
		l->items[n++] = *d;
	}
	l->count = n;
}

int device_match(const struct dfu_if_list *l, const struct dfu_options *o, int dfu_mode,
		 int *idx, int max)
{
	int i, n = 0;

	/* Quadratic, but lists hold a few dozen alts at most. */
	for (i = 0; i < l->count; i++) {
		const struct dfu_if *d = &l->items[i];

		if (device_check(d, o, dfu_mode) != MM_OK || !device_is_chosen(l, o, dfu_mode, i))
			continue;
		/* A device already offering DFU mode needs no detach. */
		if (d->runtime && device_has_dfu_match(l, o, dfu_mode, d))
			continue;
		if (n < max)
			idx[n] = i;
		n++;
	}
	return n;
}

static void device_ids_text(const struct id_pair *p, char *buf, size_t len)
{
	char v[8], q[8];

	if (p->vid_match == ID_VALUE)
		snprintf(v, sizeof(v), "%04x", p->vid);
	else
		snprintf(v, sizeof(v), "%s", p->vid_match == ID_ANY ? "*" : "-");
	if (p->pid_match == ID_VALUE)
		snprintf(q, sizeof(q), "%04x", p->pid);
	else
		snprintf(q, sizeof(q), "%s", p->pid_match == ID_ANY ? "*" : "-");
	snprintf(buf, len, "%s:%s", v, q);
}

int device_mismatch_reason(const struct dfu_if_list *l, const struct dfu_options *o,
			   int dfu_mode, int item, char *buf, size_t len)
{
	const struct dfu_if *dev = &l->items[item];
	const struct dfu_if *d = NULL;
	enum device_mm best = MM_PHASE;
	char ids[24];
	int i;

	if (len)
		buf[0] = '\0';
	/* The interface that got furthest through the selectors explains best. */
	for (i = 0; i < l->count; i++) {
		const struct dfu_if *c = &l->items[i];
		enum device_mm m;

		if (!device_same_dev(c, dev))
			continue;
		m = device_check(c, o, dfu_mode);
		if (d == NULL || m > best) {
			best = m;
			d = c;
		}
	}
	if (d == NULL || best == MM_OK)
		return 0;

	switch (best) {
	case MM_PHASE:
		snprintf(buf, len, "in run-time mode, not DFU mode");
		break;
	case MM_ID:
		device_ids_text(device_want_ids(o, d->runtime, dfu_mode), ids, sizeof(ids));
		snprintf(buf, len, "%s ID %04x:%04x is not %s",
			 d->runtime ? "run-time" : "DFU-mode", d->vid, d->pid, ids);
		break;
	case MM_DEVNUM:
		snprintf(buf, len, "devnum %u is not %d", d->devnum, o->devnum);
		break;
	case MM_PATH:
		snprintf(buf, len, "path %s is not %s", d->path, o->path);
		break;
	case MM_SERIAL:
		if (d->open_err)
			snprintf(buf, len, "serial unknown (cannot open: %s), not %s",
				 usb_strerror(d->open_err), device_want_serial(o, d->runtime));
		else
			snprintf(buf, len, "serial %s is not %s", d->serial,
				 device_want_serial(o, d->runtime));
		break;
	case MM_CONFIG:
		snprintf(buf, len, "no DFU interface in configuration %d", o->config);
		break;
	case MM_INTF:
		snprintf(buf, len, "no DFU interface %d", o->intf);
		break;
	case MM_ALT:
		snprintf(buf, len, "no alt setting %d", o->alt);
		break;
	case MM_ALTNAME:
		snprintf(buf, len, "no alt setting named \"%s\"", o->alt_name);
		break;
	case MM_OK:
		break;
	}
	return 1;
}

void device_report_no_match(const struct dfu_if_list *l, const struct dfu_options *o, int dfu_mode)
{
	char why[400];
	int i, access = 0;

	/* The classic's words first, whatever the reason: scripts look for them. */
	log_classic("No DFU capable USB device available");
	if (l->count == 0) {
		log_hint("check that the device is connected and in DFU or run-time mode; 'dfu-util -l' lists what is found");
		return;
	}
	log_hint("none of the DFU devices found matches:");
	for (i = 0; i < l->count; i++) {
		const struct dfu_if *d = &l->items[i];

		if (i > 0 && device_same_dev(d, &l->items[i - 1]))
			continue;
		if (!device_mismatch_reason(l, o, dfu_mode, i, why, sizeof(why)))
			continue;
		log_hint("  %04x:%04x devnum %u path %s: %s", d->vid, d->pid, d->devnum, d->path, why);
		if (d->open_err == USB_ERR_ACCESS)
			access = 1;
	}
	if (access)
		log_hint("%s", DEVICE_UDEV_HINT);
	log_hint("use -l to list the DFU devices with their IDs, paths, serials and alt settings");
}

void device_report_ambiguous(const struct dfu_if_list *l, const int *idx, int n)
{
	char line[700];
	int i, one_device = 1;

	log_error("more than one DFU interface matched; refusing to guess");
	for (i = 0; i < n; i++) {
		device_format_line(&l->items[idx[i]], line, sizeof(line));
		log_hint("%s", line);
		if (!device_same_dev(&l->items[idx[i]], &l->items[idx[0]]))
			one_device = 0;
	}
	if (one_device)
		log_hint("use -i interface or -c configuration to pick one");
	else
		log_hint("use -S serial, -p path or -n devnum to pick one");
}

/* ------------------------------------------------------------------ open */

static void device_report_usb(const struct dfu_if *d, const char *what, int rc)
{
	if (what == NULL)	/* opening it: the classic's words, scripts look for them */
		log_classic("Cannot open DFU device %04x:%04x found on devnum %u (%s)",
			    d->vid, d->pid, d->devnum, usb_strerror(rc));
	else
		log_error("%s %04x:%04x (bus %u, device %u): %s", what, d->vid, d->pid, d->bus,
			  d->devnum, usb_strerror(rc));
	log_debug(1, "  (%s)", usb_errname(rc));
	if (rc == USB_ERR_ACCESS)
		log_hint("%s", DEVICE_UDEV_HINT);
	else if (rc == USB_ERR_BUSY)
		log_hint("another program or kernel driver is using the interface; close it and retry");
}

void device_report_open_failure(const struct dfu_if *d, int rc)
{
	device_report_usb(d, NULL, rc);
}

int device_open(struct usb_backend *be, const struct dfu_if *d, struct usb_handle **hp)
{
	const struct usb_ops *ops = be->ops;
	struct usb_handle *h = NULL;
	char what[64];
	int rc, cur = -1;

	*hp = NULL;
	rc = ops->open(be, &d->info, &h);
	if (rc < 0) {
		device_report_usb(d, NULL, rc);
		return DFU_E_IO;
	}
	/* A DfuSe device without one was said so when it was chosen (ops_dfuse_decide). */
	if (!d->has_func && !d->dfuse)
		log_warn("%04x:%04x has no DFU functional descriptor: assuming DFU 1.0",
			 d->vid, d->pid);

	if (ops->get_configuration(h, &cur) == 0 && cur != d->config) {
		rc = ops->set_configuration(h, d->config);
		if (rc == USB_ERR_BUSY) {
			/* Usual with a kernel driver bound; the claim may still work. */
			log_warn("cannot select configuration %u of %04x:%04x (busy); trying anyway",
				 d->config, d->vid, d->pid);
		} else if (rc < 0) {
			snprintf(what, sizeof(what), "cannot select configuration %u of", d->config);
			device_report_usb(d, what, rc);
			ops->close(h);
			return DFU_E_IO;
		}
	}
	rc = ops->claim_interface(h, d->intf);
	if (rc < 0) {
		snprintf(what, sizeof(what), "cannot claim interface %u of", d->intf);
		device_report_usb(d, what, rc);
		ops->close(h);
		return DFU_E_IO;
	}
	if (!d->runtime) {
		rc = ops->set_alt(h, d->intf, d->alt);
		if (rc < 0) {
			snprintf(what, sizeof(what), "cannot select alt setting %u of interface %u on",
				 d->alt, d->intf);
			device_report_usb(d, what, rc);
			ops->release_interface(h, d->intf);
			ops->close(h);
			return DFU_E_IO;
		}
	}
	*hp = h;
	return 0;
}

void device_close(struct usb_handle *h, const struct dfu_if *d)
{
	if (h == NULL)
		return;
	/* After a reset the device may be gone: nothing useful to report. */
	h->backend->ops->release_interface(h, d->intf);
	h->backend->ops->close(h);
}
