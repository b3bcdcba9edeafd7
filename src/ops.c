/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * The operations: list, download, upload or reset, one function each, on
 * the device the session (session.c) finds, detaches and opens.  DfuSe
 * devices take their own path (ops_dfuse.c) once found.
 */
#include <config.h>

#include <string.h>

#include "ops.h"
#include "device.h"
#include "dfu.h"
#include "errors.h"
#include "events.h"
#include "interrupt.h"
#include "log.h"

int ops_list(struct usb_backend *be, const struct dfu_options *o)
{
	struct dfu_if_list l = { 0, NULL };
	int ret = device_scan_options(be, &l, o);

	if (ret < 0)
		return ret;
	device_list_narrow(&l, o);
	device_print_list(&l, o->verbose);
	for (int i = 0; i < l.count; i++)
		events_device(&l.items[i], o->verbose);
	device_list_free(&l);
	return 0;
}

/* The suffix names the device a file is for; 0xffff means any. */
static int ops_suffix_fits(const struct dfu_suffix *sfx, uint16_t vid, uint16_t pid)
{
	return (sfx->idVendor == 0xffff || sfx->idVendor == vid) &&
	       (sfx->idProduct == 0xffff || sfx->idProduct == pid);
}

static int ops_check_suffix(const struct dfu_file *f, const struct dfu_if *d, const struct dfu_if *rt)
{
	const struct dfu_suffix *sfx = &f->suffix;

	if (f->suffix_result != SUFFIX_OK)
		return 0;
	if (ops_suffix_fits(sfx, d->vid, d->pid))
		return 0;
	if (rt && rt->vid && ops_suffix_fits(sfx, rt->vid, rt->pid))
		return 0;
	log_error("'%s' is for device %04x:%04x, not %04x:%04x", f->name,
		  sfx->idVendor, sfx->idProduct, d->vid, d->pid);
	log_hint("check that you picked the right file; the IDs come from its DFU suffix");
	return DFU_E_DATA;
}

static int ops_refuse_dfuse_input(const struct dfu_if *d, const struct dfu_file *f,
				  const struct dfuse_request *req, const struct dfuse_image *img)
{
	if (d->dfuse || (!req && !img))
		return 0;
	if (img && img->format) {
		log_error("'%s' (%s) carries its own addresses, but %04x:%04x is plain DFU (bcdDFU %04x): it places the data itself",
			  f->name, img->format, d->vid, d->pid, d->func.bcdDFUVersion);
		log_hint("convert it to a raw binary (e.g. objcopy -O binary '%s' fw.bin) and flash that",
			 f->name);
		return DFU_E_DATA;
	}
	if (img) {
		log_error("'%s' is a DfuSe file, but %04x:%04x is not a DfuSe device (bcdDFU %04x)",
			  f->name, d->vid, d->pid, d->func.bcdDFUVersion);
		log_hint("a .dfu file with a \"DfuSe\" prefix is only for ST DfuSe bootloaders");
		return DFU_E_DATA;
	}
	log_error("-s is for DfuSe devices; %04x:%04x is plain DFU (bcdDFU %04x)",
		  d->vid, d->pid, d->func.bcdDFUVersion);
	log_hint("leave out -s: a plain DFU device decides itself where the data goes");
	return DFU_E_USAGE;
}

/* --verify and --skip-unchanged on plain DFU: refused before anything is sent. */
static int ops_plain_check_extras(const struct dfu_options *o, const struct dfu_if *d)
{
	if (o->skip_unchanged) {
		log_error("--skip-unchanged is for DfuSe devices; %04x:%04x is plain DFU and "
			  "always takes the whole image", d->vid, d->pid);
		return DFU_E_USAGE;
	}
	if (!o->verify)
		return 0;
	if (d->has_func && !(d->func.bmAttributes & DFU_ATTR_CAN_UPLOAD)) {
		log_error("--verify needs to read the device back, but %04x:%04x cannot upload "
			  "(no bitCanUpload); nothing was sent", d->vid, d->pid);
		log_hint("leave out --verify for this device");
		return DFU_E_USAGE;
	}
	if (!d->has_func || !(d->func.bmAttributes & DFU_ATTR_MANIFEST_TOLERANT)) {
		log_error("--verify needs to read the device back after the download, but "
			  "%04x:%04x is not manifestation tolerant (it must be reset first); "
			  "nothing was sent", d->vid, d->pid);
		log_hint("read it back with -U after the reset and compare it yourself");
		return DFU_E_USAGE;
	}
	return 0;
}

struct ops_verify_ctx {
	const unsigned char *want;
	size_t len, pos;
	uint64_t differ;
	size_t first;
	unsigned char want_b, got_b;
};

static int ops_verify_sink(void *ctx, const unsigned char *data, size_t len)
{
	struct ops_verify_ctx *v = ctx;
	size_t i;

	for (i = 0; i < len && v->pos < v->len; i++, v->pos++) {
		if (data[i] == v->want[v->pos])
			continue;
		if (v->differ++ == 0) {
			v->first = v->pos;
			v->want_b = v->want[v->pos];
			v->got_b = data[i];
		}
	}
	return 0;
}

/* Plain DFU --verify: upload as many bytes as were written and compare. */
static int ops_plain_verify(struct dfu_session *s, const struct dfu_file *f)
{
	struct ops_verify_ctx v;
	int64_t got;

	memset(&v, 0, sizeof(v));
	v.want = f->data;
	v.len = f->payload_size;
	got = dfu_upload_bar(s, f->payload_size, "Verify", ops_verify_sink, &v);
	if (got < 0)
		return (int)got;
	if ((uint64_t)got < f->payload_size) {
		log_error("verify failed: the device sent back %lld bytes, %zu were written",
			  (long long)got, f->payload_size);
		return DFU_E_VERIFY;
	}
	if (v.differ) {
		log_error("verify failed: %llu byte%s of %zu differ, the first at offset %zu "
			  "(0x%zx; written 0x%02X, read back 0x%02X)",
			  (unsigned long long)v.differ, v.differ == 1 ? "" : "s", f->payload_size,
			  v.first, v.first, v.want_b, v.got_b);
		log_hint("the device reported every write as done: flash again, and check the "
			 "cable and the memory");
		return DFU_E_VERIFY;
	}
	log_note("verify: %zu bytes read back, all as written", f->payload_size);
	return 0;
}

/* --dry-run on plain DFU: the device takes the whole image, in order. */
static int ops_plain_dry_run(struct usb_backend *be, const struct dfu_options *o,
			     const struct dfu_if *d, const struct dfu_file *f)
{
	uint16_t ts;
	uint64_t blocks;
	int ret = session_transfer_size(o, d, &ts);

	(void)be;
	if (ret < 0)
		return ret;
	if (ts == 0) {
		log_error("invalid transfer size 0");
		return DFU_E_PROTOCOL;
	}
	blocks = (f->payload_size + ts - 1) / ts;
	log_note("dry run: %04x:%04x alt setting %u (plain DFU): would write %zu bytes from "
		 "offset 0 in %llu DNLOAD blocks of %u bytes, then manifest%s",
		 d->vid, d->pid, d->alt, f->payload_size, (unsigned long long)blocks,
		 (unsigned int)ts, o->verify ? ", then read them back to verify" : "");
	log_note("dry run: nothing was sent to the device");
	return 0;
}

int ops_download(struct usb_backend *be, const struct dfu_options *o, const struct dfu_file *f,
		 const struct dfuse_request *req, const struct dfuse_image *img)
{
	struct session_target t;
	struct dfu_if rt;
	struct dfu_session s;
	int ret;

	/* The suffix is checked before a detach, and again against what came back. */
	ret = session_find_detach(be, o, f, &t, &rt);
	if (ret == 0)
		ret = ops_check_suffix(f, &t.d, rt.vid ? &rt : NULL);
	if (ret < 0)
		return ret;
	ops_dfuse_decide(&t.d, req, img != NULL);
	ret = ops_refuse_dfuse_input(&t.d, f, req, img);
	if (ret < 0)
		return ret;
	if (t.d.dfuse)
		return ops_dfuse_download(be, o, &t.d, f, req, img);
	ret = ops_plain_check_extras(o, &t.d);
	if (ret < 0)
		return ret;
	if (o->dry_run)
		return ops_plain_dry_run(be, o, &t.d, f);
	ret = session_open(be, o, &t.d, &s);
	if (ret < 0)
		return ret;
	ret = dfu_download(&s, f->data, f->payload_size);
	if (ret < 0) {
		session_abandon(&s, &t.d);
		return ret;
	}
	log_note("download done: %zu bytes", f->payload_size);
	if (o->verify) {
		if (ret == 1) {
			log_error("cannot verify: the device did not come back to dfuIDLE after "
				  "manifestation");
			session_abandon(&s, &t.d);
			return DFU_E_PROTOCOL;
		}
		ret = ops_plain_verify(&s, f);
		if (ret < 0) {
			session_abandon(&s, &t.d);
			return ret;
		}
	}
	return session_finish_download(&s, o, ret == 1, &t.d);
}

int ops_upload(struct usb_backend *be, const struct dfu_options *o, struct dfu_outfile *out,
	       const struct dfuse_request *req)
{
	struct session_target t;
	struct dfu_session s;
	int64_t got;
	int ret;

	ret = session_find_dfu_mode(be, o, &t);
	if (ret < 0)
		return ret;
	ops_dfuse_decide(&t.d, req, 0);
	if (!t.d.dfuse && req) {
		ret = ops_refuse_dfuse_input(&t.d, NULL, req, NULL);
		if (ret < 0)
			return ret;
	}
	if (t.d.has_func && !(t.d.func.bmAttributes & DFU_ATTR_CAN_UPLOAD)) {
		log_error("%04x:%04x does not support upload", t.d.vid, t.d.pid);
		return DFU_E_PROTOCOL;
	}
	if (t.d.dfuse)
		return ops_dfuse_upload(be, o, &t.d, out, req);
	ret = session_open(be, o, &t.d, &s);
	if (ret < 0)
		return ret;
	got = dfu_upload_all(&s, o->have_upload_size ? o->upload_size : 0, dfu_outfile_write, out);
	if (got < 0) {
		session_abandon(&s, &t.d);
		return (int)got;
	}
	if (o->have_upload_size && (uint64_t)got < o->upload_size) {
		/* A silent short file passes for a full read in scripts: refuse it. */
		log_error("%04x:%04x sent %lld bytes, fewer than the %llu asked for with -Z",
			  t.d.vid, t.d.pid, (long long)got, (unsigned long long)o->upload_size);
		if (out->stream)
			log_hint("the %lld bytes went to '%s'; read without -Z to get what the device has",
				 (long long)got, out->final_name);
		else
			log_hint("no file written; read without -Z to get what the device has");
		device_close(s.h, &t.d);
		return DFU_E_DATA;
	}
	ret = dfu_outfile_commit(out);
	if (ret < 0) {
		device_close(s.h, &t.d);
		return ret;
	}
	log_note("upload done: %lld bytes written to '%s'", (long long)got, out->final_name);
	return session_finish(&s, o, 0, &t.d);
}

int ops_detach_reset(struct usb_backend *be, const struct dfu_options *o)
{
	struct session_target t;
	struct usb_handle *h;
	int ret;

	ret = session_find(be, o, &t);
	if (ret < 0)
		return ret;
	/* -R alone is a USB reset of the selected device, in either mode, nothing more. */
	if (t.d.runtime && o->detach)
		return session_detach(be, o, &t.d);
	if (o->detach && !o->reset) {
		log_note("%04x:%04x is already in DFU mode", t.d.vid, t.d.pid);
		return 0;
	}
	/*
	 * DFU 1.1 forbids DETACH in dfuIDLE: a reset is how to leave DFU mode.
	 * A run-time device just restarts its USB stack.
	 */
	ret = device_open(be, &t.d, &h);
	if (ret < 0)
		return ret;
	log_note("Resetting USB to switch back to Run-Time mode");
	ret = session_usb_reset(h);
	device_close(h, &t.d);
	return ret;
}
