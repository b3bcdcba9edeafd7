/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * --all: the same job on every matching device at once, one POSIX thread
 * per device.  A thread runs exactly what a single-device run runs
 * (ops.c, ops_dfuse.c, session.c), with a copy of the options narrowed to
 * its device's port path (-p), so a run-time device is detached and found
 * again on its own port by the usual rules.  Threads rather than libusb's
 * asynchronous API because the DFU logic is a sequence of blocking control
 * transfers and status polls with sleeps in between: a thread keeps that
 * code as it is, and devices that wait (busy, re-enumerating) simply wait
 * side by side.  What the threads share is read-only (options, the input
 * file, read once) or locked (log.c, events.c, the simulator's bus).
 */
#include <config.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "events.h"
#include "interrupt.h"
#include "log.h"
#include "ops.h"

#define OPS_ALL_MAX 64

struct ops_all_job {
	struct usb_backend *be;
	const struct dfu_file *f;
	const struct dfuse_request *req;
	const struct dfuse_image *img;
};

struct ops_all_dev {
	const struct ops_all_job *job;
	struct dfu_options o;		/* the user's, with -p this device's path */
	char path[32];
	char serial[256];
	char *out_name;			/* -U: this device's file */
	struct dfu_outfile out;
	int have_out;
	struct log_device *ld;
	pthread_t th;
	int started;
	int ret;
	uint64_t ms;
	uint64_t bytes;
};

static int ops_all_run_one(struct ops_all_dev *d)
{
	const struct ops_all_job *j = d->job;

	switch (d->o.action) {
	case ACTION_DOWNLOAD:
		return ops_download(j->be, &d->o, j->f, j->req, j->img);
	case ACTION_UPLOAD:
		return ops_upload(j->be, &d->o, &d->out, j->req);
	default:
		if (j->req)
			return ops_dfuse_command(j->be, &d->o, j->req);
		return ops_detach_reset(j->be, &d->o);
	}
}

static void *ops_all_thread(void *arg)
{
	struct ops_all_dev *d = arg;
	uint64_t t0;

	log_set_device(d->ld);
	t0 = usb_now_ms(d->job->be);
	if (events_device_begin(d->ld) < 0) {
		log_error("out of memory");
		d->ret = DFU_E_NOMEM;
	} else {
		d->ret = ops_all_run_one(d);
	}
	d->ms = usb_now_ms(d->job->be) - t0;
	d->bytes = log_device_bytes(d->ld);
	events_device_end(d->ld, d->ret, dfu_exit_status(d->ret), d->ms);
	log_set_device(NULL);
	return NULL;
}

/* A serial as part of a file name: letters, digits, '.', '_' and '-' only. */
static void ops_all_clean(char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			*s = '_';
}

/* "dir/fw.bin" + "ABC" -> "dir/fw-ABC.bin"; no extension: "dir/fw-ABC". */
static char *ops_all_name(const char *name, const char *tag)
{
	const char *base = strrchr(name, '/');
	const char *dot;
	size_t stem, len = strlen(name) + strlen(tag) + 2;
	char *out = malloc(len);

	if (!out)
		return NULL;
	base = base ? base + 1 : name;
	dot = strrchr(base, '.');
	/* A leading dot (".fw") names a hidden file, not an extension. */
	stem = dot && dot != base ? (size_t)(dot - name) : strlen(name);
	snprintf(out, len, "%.*s-%s%s", (int)stem, name, tag, name + stem);
	return out;
}

static int ops_all_serial_usable(const struct ops_all_dev *devs, int n, int i)
{
	const char *s = devs[i].serial;

	if (!*s || strcmp(s, "UNKNOWN") == 0)
		return 0;
	for (int k = 0; k < n; k++)
		if (k != i && strcmp(devs[k].serial, s) == 0)
			return 0;
	return 1;
}

/*
 * -U NAME: one file per device, NAME with its serial inserted before the
 * extension (its path when the serial is empty or shared), all opened (so
 * none exists yet) before any device is touched.
 */
static int ops_all_open_outputs(struct ops_all_dev *devs, int n, const char *name)
{
	char tag[256];
	int i, k, ret;

	for (i = 0; i < n; i++) {
		snprintf(tag, sizeof(tag), "%s",
			 ops_all_serial_usable(devs, n, i) ? devs[i].serial : devs[i].path);
		ops_all_clean(tag);
		devs[i].out_name = ops_all_name(name, tag);
		if (!devs[i].out_name) {
			log_error("out of memory");
			return DFU_E_NOMEM;
		}
	}
	for (i = 0; i < n; i++)
		for (k = i + 1; k < n; k++)
			if (strcmp(devs[i].out_name, devs[k].out_name) == 0) {
				log_error("-U '%s' with --all: the devices at %s and %s would both be written to '%s'; nothing was read",
					  name, devs[i].path, devs[k].path, devs[i].out_name);
				log_hint("pick the devices with -p PATH or -S SERIAL and read them in separate runs");
				return DFU_E_USAGE;
			}
	for (i = 0; i < n; i++) {
		ret = dfu_outfile_open(&devs[i].out, devs[i].out_name);
		devs[i].have_out = 1;
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Every matching interface, one per device; refused when a device offers several. */
static int ops_all_select(struct usb_backend *be, const struct dfu_options *o,
			  struct dfu_if_list *l, int *idx, int *count)
{
	int n, i, k, ret;

	ret = device_scan_options(be, l, o);
	if (ret < 0)
		return ret;
	n = device_match(l, o, 0, idx, OPS_ALL_MAX);
	if (n == 0) {
		device_report_no_match(l, o, 0);
		return DFU_E_IO;
	}
	if (n > OPS_ALL_MAX) {
		log_error("--all: %d DFU interfaces match, at most %d devices at once", n,
			  OPS_ALL_MAX);
		log_hint("narrow the choice with -d, -S or -p");
		return DFU_E_USAGE;
	}
	for (i = 0; i < n; i++)
		for (k = i + 1; k < n; k++) {
			const struct dfu_if *a = &l->items[idx[i]], *b = &l->items[idx[k]];

			if (a->bus == b->bus && a->devnum == b->devnum) {
				log_error("--all takes one DFU interface per device, but %04x:%04x at path %s offers several that match (interfaces %u and %u)",
					  a->vid, a->pid, a->path, a->intf, b->intf);
				log_hint("pick one with -c CONFIG or -i INTERFACE; nothing was sent");
				return DFU_E_USAGE;
			}
		}
	*count = n;
	return 0;
}

/* The result column of the table. */
static void ops_all_result(int ret, char *buf, size_t len)
{
	if (ret == 0)
		snprintf(buf, len, "ok");
	else if (interrupt_is_code(ret))
		snprintf(buf, len, "interrupted (exit %d)", dfu_exit_status(ret));
	else
		snprintf(buf, len, "failed (exit %d)", dfu_exit_status(ret));
}

static void ops_all_table(const struct ops_all_dev *devs, int n)
{
	char res[40];
	int ok = 0;

	for (int i = 0; i < n; i++)
		ok += devs[i].ret == 0;
	log_info("%d of %d devices succeeded:", ok, n);
	log_info("%-12s %-20s %-22s %12s %9s", "PATH", "SERIAL", "RESULT", "BYTES", "SECONDS");
	for (int i = 0; i < n; i++) {
		ops_all_result(devs[i].ret, res, sizeof(res));
		log_info("%-12s %-20s %-22s %12llu %9.2f", devs[i].path,
			 *devs[i].serial ? devs[i].serial : "-", res,
			 (unsigned long long)devs[i].bytes, (double)devs[i].ms / 1000.0);
	}
}

/*
 * The run's status: an interruption wins (every device stopped for it),
 * else the first failed device's in the table's order, else 0.
 */
static int ops_all_status(const struct ops_all_dev *devs, int n)
{
	for (int i = 0; i < n; i++)
		if (interrupt_is_code(devs[i].ret))
			return devs[i].ret;
	for (int i = 0; i < n; i++)
		if (devs[i].ret < 0)
			return devs[i].ret;
	return 0;
}

int ops_all(struct usb_backend *be, const struct dfu_options *o, const struct dfu_file *f,
	    const struct dfuse_request *req, const struct dfuse_image *img)
{
	struct dfu_if_list l = { 0, NULL };
	struct ops_all_job job = { be, f, req, img };
	struct ops_all_dev *devs = NULL;
	struct log_device **lds = NULL;
	int idx[OPS_ALL_MAX];
	int n = 0, i, ret;

	ret = ops_all_select(be, o, &l, idx, &n);
	if (ret < 0 || n <= 0 || n > OPS_ALL_MAX)
		goto out;
	devs = calloc((size_t)n, sizeof(*devs));
	lds = calloc((size_t)n, sizeof(*lds));
	if (!devs || !lds) {
		log_error("out of memory");
		ret = DFU_E_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct dfu_if *d = &l.items[idx[i]];
		struct ops_all_dev *x = &devs[i];

		x->job = &job;
		snprintf(x->path, sizeof(x->path), "%s", d->path);
		snprintf(x->serial, sizeof(x->serial), "%s", d->serial);
		/* serial[] may point into serial_buf (options.h): point into the copy's. */
		memcpy(&x->o, o, sizeof(x->o));
		for (int k = 0; k < 2; k++)
			if (o->serial[k] == o->serial_buf)
				x->o.serial[k] = x->o.serial_buf;
		x->o.path = x->path;
		x->ld = lds[i] = log_device_new(x->path, x->serial);
		if (!x->ld) {
			log_error("out of memory");
			ret = DFU_E_NOMEM;
			goto out;
		}
	}
	if (o->action == ACTION_UPLOAD) {
		ret = ops_all_open_outputs(devs, n, o->upload_file);
		if (ret < 0)
			goto out;
	}
	ret = interrupt_check("before any device was opened");
	if (ret < 0)
		goto out;
	log_note("--all: %d device%s, one thread each", n, n == 1 ? "" : "s");
	events_flush();
	log_board_begin(lds, n);
	for (i = 0; i < n; i++) {
		if (pthread_create(&devs[i].th, NULL, ops_all_thread, &devs[i]) == 0) {
			devs[i].started = 1;
			continue;
		}
		/* No thread: this device alone fails, the others go on. */
		log_set_device(devs[i].ld);
		log_error("cannot start a thread for this device");
		log_set_device(NULL);
		devs[i].ret = DFU_E_NOMEM;
	}
	for (i = 0; i < n; i++)
		if (devs[i].started)
			pthread_join(devs[i].th, NULL);
	log_board_end();
	ops_all_table(devs, n);
	ret = ops_all_status(devs, n);
out:
	for (i = 0; devs && i < n; i++) {
		/* After a commit this only frees; otherwise it removes the temporary file. */
		if (devs[i].have_out)
			dfu_outfile_abort(&devs[i].out);
		free(devs[i].out_name);
		log_device_free(devs[i].ld);
	}
	free(devs);
	free(lds);
	device_list_free(&l);
	return ret;
}
