/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * The USB seam backed by simulated devices (sim.c, with profiles loaded by
 * sim_profile.c).  This file plays the part of the host controller and of
 * the device's USB stack: it answers the standard requests from the
 * descriptors the profile gives, routes class requests to the model,
 * assigns addresses on re-enumeration, keeps the (optionally virtual)
 * clock, and persists everything in a state directory so that consecutive
 * dfu-util runs see the same device.  The files are described in
 * doc/sim-profile.txt.
 */

#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "number.h"
#include "sim.h"
#include "usb.h"

#define SIM_BUS		1
#define SIM_FIRST_DEVNUM 2
#define SIM_MAX_DEVICES	16
#define SIM_RESET_US	10000u		/* virtual cost of a bus reset: 10 ms of signalling */

struct sim_slot {
	int index;			/* N of devN, 1-based: also the port */
	char spec[SIM_SPEC_MAX];
	struct sim_device dev;
};

struct sim_bus {
	struct usb_backend be;
	int n;
	struct sim_slot slot[SIM_MAX_DEVICES];
	char *dir;			/* state directory, NULL = none */
	FILE *log;			/* DIR/requests.log */
	int virtual_clock;
	uint64_t vclock_us;
	uint64_t start_ms;
	uint64_t start_us;
	uint64_t sleep_ms_total;
	unsigned long transfers;
	uint8_t next_devnum;
	usb_report_fn report;		/* the caller's, for what is said after set-up */
};

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

static uint64_t usb_sim_now_us(struct sim_bus *b)
{
	return b->virtual_clock ? b->vclock_us : usb_sim_real_us();
}

static uint64_t usb_sim_now_ms(struct usb_backend *be)
{
	return usb_sim_now_us(be->priv) / 1000u;
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

/* ------------------------------------------------------------ files */

/* Say something through the caller's report callback (the backend never prints). */
static void usb_sim_say(struct sim_bus *b, enum usb_report kind, const char *fmt, ...)
	USB_PRINTF(3, 4);
static void usb_sim_say(struct sim_bus *b, enum usb_report kind, const char *fmt, ...)
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

static void usb_sim_path(char *out, size_t len, const char *dir, const char *name, int n)
{
	if (n > 0)
		snprintf(out, len, "%s/dev%d.%s", dir, n, name);
	else
		snprintf(out, len, "%s/%s", dir, name);
}

/*
 * Write data to path through a temporary file and rename(), so a reader
 * never sees half a file.  A failure is reported (the device's memory
 * would be lost) and returns USB_ERR_WRITE.
 */
static int usb_sim_write_file(struct sim_bus *b, const char *path, const void *data, size_t len)
{
	char tmp[4096];
	FILE *f;
	int ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "wb");
	if (!f) {
		usb_sim_say(b, USB_REPORT_ERROR, "cannot write simulator state '%s': %s", tmp,
			    strerror(errno));
		return USB_ERR_WRITE;
	}
	ok = fwrite(data, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) < 0) {
		usb_sim_say(b, USB_REPORT_ERROR, "cannot write simulator state '%s': %s", path,
			    strerror(errno));
		unlink(tmp);
		return USB_ERR_WRITE;
	}
	return 0;
}

/* ------------------------------------------------------------ state */

static const char *usb_sim_mode_name(enum sim_mode m)
{
	return m == SIM_MODE_DFU ? "dfu" : "runtime";
}

/* DIR/devN.altA.0xADDRESS.mem: one DfuSe region. */
static void usb_sim_region_path(char *out, size_t len, const char *dir, int n,
				const struct sim_region *r)
{
	snprintf(out, len, "%s/dev%d.alt%d.0x%08" PRIx32 ".mem", dir, n, r->alt, r->start);
}

/*
 * Save the DfuSe regions that changed.  Trailing erased bytes are left
 * out, so an 8 MiB SPI flash that holds little costs little: bytes past
 * the end of the file read as 0xFF.
 */
static int usb_sim_save_regions(struct sim_bus *b, struct sim_slot *s)
{
	char path[4096];
	int i, rc;

	for (i = 0; i < s->dev.n_regions; i++) {
		struct sim_region *r = &s->dev.region[i];
		uint32_t len = r->size;

		if (!r->dirty)
			continue;
		while (len > 0 && r->data[len - 1] == 0xff)
			len--;
		usb_sim_region_path(path, sizeof(path), b->dir, s->index, r);
		rc = usb_sim_write_file(b, path, r->data, len);
		if (rc < 0)
			return rc;
		r->dirty = 0;
	}
	return 0;
}

static uint32_t usb_sim_memory_total(const struct sim_device *d)
{
	uint32_t total = 0;
	int i;

	for (i = 0; i < d->n_regions; i++)
		total += d->region[i].size;
	return total;
}

static int usb_sim_save_slot(struct sim_bus *b, struct sim_slot *s)
{
	struct sim_device *d = &s->dev;
	char path[4096], text[2048];
	int n, rc;

	n = snprintf(text, sizeof(text),
		     "# dfu-util simulated device %d; written at exit, see doc/sim-profile.txt\n"
		     "spec=%s\nmode=%s\nstate=%s\nstatus=%s\ngone=%d\ngeneration=%u\n"
		     "devnum=%u\nalt=%d\nmemory_size=%" PRIu32 "\nimage_size=%" PRIu32 "\n"
		     "dl_block=%u\ndl_offset=%" PRIu32 "\nul_offset=%" PRIu32 "\n"
		     "block_done=%d\nmanifest_done=%d\nfw_valid=%d\n"
		     "busy_until_us=%" PRIu64 "\ndetach_until_us=%" PRIu64 "\n"
		     "away_until_us=%" PRIu64 "\naddress=0x%08" PRIx32 "\npending=%d\n"
		     "pending_status=%s\npending_ms=%" PRIu32 "\nlast_poll_ms=%" PRIu32 "\n"
		     "violations=%lu\n",
		     s->index, s->spec, usb_sim_mode_name(d->mode), dfu_state_name(d->state),
		     dfu_status_name(d->status), d->gone, d->generation, d->devnum, d->alt,
		     usb_sim_memory_total(d), d->region[0].image_size, d->dl_block, d->dl_offset,
		     d->ul_offset, d->block_done, d->manifest_done, d->fw_valid,
		     d->busy_until_us, d->detach_until_us, d->away_until_us, d->address,
		     d->pending, dfu_status_name(d->pending_status), d->pending_ms,
		     d->last_poll_ms, d->count.violations);
	if (n < 0 || (size_t)n >= sizeof(text)) {
		usb_sim_say(b, USB_REPORT_ERROR, "simulated device %d: state too large to save",
			    s->index);
		return USB_ERR_WRITE;
	}
	if (sim_is_dfuse(d)) {
		rc = usb_sim_save_regions(b, s);
	} else {
		usb_sim_path(path, sizeof(path), b->dir, "mem", s->index);
		rc = usb_sim_write_file(b, path, d->region[0].data, d->region[0].size);
	}
	if (rc < 0)
		return rc;
	usb_sim_path(path, sizeof(path), b->dir, "state", s->index);
	return usb_sim_write_file(b, path, text, (size_t)n);
}

static int usb_sim_save(struct sim_bus *b)
{
	char path[4096], text[256];
	int i, n, rc = 0;

	if (!b->dir)
		return 0;
	for (i = 0; i < b->n; i++) {
		int r = usb_sim_save_slot(b, &b->slot[i]);

		if (r < 0 && rc == 0)
			rc = r;
	}
	n = snprintf(text, sizeof(text),
		     "# dfu-util simulated bus; see doc/sim-profile.txt\n"
		     "devices=%d\nvirtual=%d\nclock_us=%" PRIu64 "\nnext_devnum=%u\n",
		     b->n, b->virtual_clock, usb_sim_now_us(b), b->next_devnum);
	usb_sim_path(path, sizeof(path), b->dir, "bus.state", 0);
	if (usb_sim_write_file(b, path, text, (size_t)n) < 0 && rc == 0)
		rc = USB_ERR_WRITE;
	return rc;
}

/* Find "key=" at the start of a line in text; the value up to end of line. */
static int usb_sim_field(const char *text, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			const char *v = p + kl + 1, *e = strchr(v, '\n');
			size_t n = e ? (size_t)(e - v) : strlen(v);

			if (n >= len)
				return -1;
			memcpy(out, v, n);
			out[n] = '\0';
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

static int usb_sim_field_num(const char *text, const char *key, uint64_t max, uint64_t *out)
{
	char v[64];

	if (usb_sim_field(text, key, v, sizeof(v)) < 0)
		return -1;
	return parse_number_quiet(v, max, out) < 0 ? -1 : 0;
}

static int usb_sim_name_index(const char *(*namef)(int), int n, const char *v)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(namef(i), v) == 0)
			return i;
	return -1;
}

#define USB_SIM_START_OVER "remove the state directory to start over"
#define USB_SIM_NAME_THEM "name the devices with --sim PROFILE (or DFU_UTIL_SIM)"

static int usb_sim_bad_state(struct usb_why *why, const char *path, const char *what)
{
	return usb_why_set(why, USB_ERR_CONFIG, USB_SIM_START_OVER,
			   "simulator state '%s' is damaged: %s", path, what);
}

/*
 * The DfuSe fields of devN.state.  They are optional so that a state
 * directory from before DfuSe still loads (missing = reset values).
 */
static int usb_sim_load_dfuse(struct sim_device *d, const char *text, const char *path,
			      struct usb_why *why)
{
	char v[64];
	uint64_t x;
	int i;

	if (usb_sim_field(text, "away_until_us", v, sizeof(v)) == 0) {
		if (parse_number_quiet(v, UINT64_MAX, &x) < 0)
			return usb_sim_bad_state(why, path, "away_until_us");
		d->away_until_us = x;
	}
	if (usb_sim_field(text, "address", v, sizeof(v)) == 0) {
		if (parse_number_quiet(v, UINT32_MAX, &x) < 0)
			return usb_sim_bad_state(why, path, "address");
		d->address = (uint32_t)x;
	}
	if (usb_sim_field(text, "pending", v, sizeof(v)) == 0) {
		if (parse_number_quiet(v, SIM_PENDING_LEAVE, &x) < 0)
			return usb_sim_bad_state(why, path, "pending");
		d->pending = (int)x;
	}
	if (usb_sim_field(text, "pending_status", v, sizeof(v)) == 0) {
		i = usb_sim_name_index(dfu_status_name, DFU_STATUS_ERR_STALLEDPKT + 1, v);
		if (i < 0)
			return usb_sim_bad_state(why, path, "pending_status");
		d->pending_status = i;
	}
	if (usb_sim_field(text, "pending_ms", v, sizeof(v)) == 0) {
		if (parse_number_quiet(v, 0xffffff, &x) < 0)
			return usb_sim_bad_state(why, path, "pending_ms");
		d->pending_ms = (uint32_t)x;
	}
	if (usb_sim_field(text, "last_poll_ms", v, sizeof(v)) == 0) {
		if (parse_number_quiet(v, 0xffffff, &x) < 0)
			return usb_sim_bad_state(why, path, "last_poll_ms");
		d->last_poll_ms = (uint32_t)x;
	}
	if (usb_sim_field(text, "violations", v, sizeof(v)) == 0) {
		if (parse_number_quiet(v, ULONG_MAX, &x) < 0)
			return usb_sim_bad_state(why, path, "violations");
		d->count.violations = (unsigned long)x;
	}
	return 0;
}

/* Read the DfuSe region files back (over erased memory: they omit trailing 0xFF). */
static int usb_sim_load_regions(struct sim_bus *b, struct sim_slot *s, struct usb_why *why)
{
	char path[4096];
	size_t n;
	FILE *f;
	int i;

	for (i = 0; i < s->dev.n_regions; i++) {
		struct sim_region *r = &s->dev.region[i];

		usb_sim_region_path(path, sizeof(path), b->dir, s->index, r);
		f = fopen(path, "rb");
		if (!f)
			return usb_why_set(why, USB_ERR_READ, USB_SIM_START_OVER,
					   "cannot read simulator memory '%s': %s", path,
					   strerror(errno));
		memset(r->data, 0xff, r->size);
		n = fread(r->data, 1, r->size, f);
		if (ferror(f) || (n == r->size && fgetc(f) != EOF)) {
			fclose(f);
			return usb_sim_bad_state(why, path, "larger than the memory region");
		}
		fclose(f);
		r->dirty = 0;
	}
	return 0;
}

/* Restore a device from devN.state and devN.mem (profile already loaded). */
static int usb_sim_load_slot(struct sim_bus *b, struct sim_slot *s, const char *text,
			     const char *path, struct usb_why *why)
{
	struct sim_device *d = &s->dev;
	char v[64], mpath[4096];
	uint64_t n;
	FILE *f;
	int i;
	static const struct {
		const char *key;
		uint64_t max;
	} nums[] = {
		{ "gone", 1 }, { "generation", UINT32_MAX }, { "devnum", 127 },
		{ "alt", SIM_MAX_ALTS - 1 }, { "memory_size", UINT32_MAX },
		{ "image_size", UINT32_MAX }, { "dl_block", 0xffff },
		{ "dl_offset", UINT32_MAX }, { "ul_offset", UINT32_MAX },
		{ "block_done", 1 }, { "manifest_done", 1 }, { "fw_valid", 1 },
		{ "busy_until_us", UINT64_MAX }, { "detach_until_us", UINT64_MAX },
	};
	uint64_t val[sizeof(nums) / sizeof(nums[0])];

	for (i = 0; i < (int)(sizeof(nums) / sizeof(nums[0])); i++)
		if (usb_sim_field_num(text, nums[i].key, nums[i].max, &val[i]) < 0)
			return usb_sim_bad_state(why, path, nums[i].key);
	if (val[4] != usb_sim_memory_total(d) || val[5] > d->region[0].size ||
	    val[7] > d->region[0].size || val[8] > d->region[0].size)
		return usb_sim_bad_state(why, path, "memory size does not match the profile");

	if (usb_sim_field(text, "mode", v, sizeof(v)) < 0 ||
	    (strcmp(v, "dfu") != 0 && strcmp(v, "runtime") != 0))
		return usb_sim_bad_state(why, path, "mode");
	d->mode = strcmp(v, "dfu") == 0 ? SIM_MODE_DFU : SIM_MODE_RUNTIME;
	if (usb_sim_field(text, "state", v, sizeof(v)) < 0 ||
	    (i = usb_sim_name_index(dfu_state_name, DFU_STATE_DFU_ERROR + 1, v)) < 0)
		return usb_sim_bad_state(why, path, "state");
	d->state = i;
	if ((d->mode == SIM_MODE_DFU) != (d->state >= DFU_STATE_DFU_IDLE))
		return usb_sim_bad_state(why, path, "state does not fit the mode");
	if (usb_sim_field(text, "status", v, sizeof(v)) < 0 ||
	    (i = usb_sim_name_index(dfu_status_name, DFU_STATUS_ERR_STALLEDPKT + 1, v)) < 0)
		return usb_sim_bad_state(why, path, "status");
	d->status = i;
	d->gone = (int)val[0];
	d->generation = (unsigned int)val[1];
	d->devnum = (uint8_t)val[2];
	d->alt = (int)val[3] < sim_num_alts(d) ? (int)val[3] : 0;
	d->region[0].image_size = (uint32_t)val[5];
	d->dl_block = (uint16_t)val[6];
	d->dl_offset = (uint32_t)val[7];
	d->ul_offset = (uint32_t)val[8];
	d->block_done = (int)val[9];
	d->manifest_done = (int)val[10];
	d->fw_valid = (int)val[11];
	d->busy_until_us = val[12];
	d->detach_until_us = val[13];
	if (usb_sim_load_dfuse(d, text, path, why) < 0)
		return USB_ERR_CONFIG;
	if (sim_is_dfuse(d))
		return usb_sim_load_regions(b, s, why);

	usb_sim_path(mpath, sizeof(mpath), b->dir, "mem", s->index);
	f = fopen(mpath, "rb");
	if (!f)
		return usb_why_set(why, USB_ERR_READ, USB_SIM_START_OVER,
				   "cannot read simulator memory '%s': %s", mpath, strerror(errno));
	n = fread(d->region[0].data, 1, d->region[0].size, f);
	if (n != d->region[0].size || fgetc(f) != EOF) {
		fclose(f);
		return usb_sim_bad_state(why, mpath, "size does not match memory_size");
	}
	fclose(f);
	return 0;
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
	uint64_t now = usb_sim_now_us(b);
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

/* ------------------------------------------------------------ request log */

static void usb_sim_log(struct sim_bus *b, const struct sim_slot *s, const char *req,
			unsigned int wValue, unsigned int wIndex, unsigned int wLength, int result)
{
	char res[16];

	if (!b->log)
		return;
	if (result == SIM_STALL)
		snprintf(res, sizeof(res), "STALL");
	else if (result == SIM_GONE)
		snprintf(res, sizeof(res), "GONE");
	else if (result == SIM_TIMEOUT)
		snprintf(res, sizeof(res), "TIMEOUT");
	else
		snprintf(res, sizeof(res), "%d", result);
	/* the model's note (DfuSe command, address, violation) goes last */
	fprintf(b->log, "%" PRIu64 " dev%d %s wValue=%u wIndex=%u wLength=%u -> %s %s%s%s\n",
		usb_sim_now_us(b) / 1000u, s->index, req, wValue, wIndex, wLength, res,
		dfu_state_name(s->dev.state), s->dev.note[0] ? " " : "", s->dev.note);
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
		sim_tick(&s->dev, usb_sim_now_us(b));
		usb_sim_reenumerated(b, s, gen);
		/* gone for good, or still resetting (DfuSe read unprotect) */
		if (s->dev.gone || usb_sim_now_us(b) < s->dev.away_until_us)
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
	    usb_sim_now_us(b) < s->dev.away_until_us)
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
	usb_sim_save(sh->bus);
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
		usb_sim_log(sh->bus, s, "SET_ALT", (unsigned)alt, (unsigned)intf, 0, SIM_GONE);
		return USB_ERR_NO_DEVICE;
	}
	/* like libusb: the interface must be claimed first */
	if (intf < 0 || intf >= SIM_MAX_INTF || !(sh->claimed & (1u << intf)))
		return USB_ERR_NOT_FOUND;
	if (intf == sim_interface(&s->dev))
		r = sim_set_alt(&s->dev, alt);
	else
		r = alt == 0 ? 0 : SIM_STALL;
	usb_sim_log(sh->bus, s, "SET_ALT", (unsigned)alt, (unsigned)intf, 0, r);
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
		usb_sim_log(b, s, name, wValue, wIndex, wLength, SIM_GONE);
		return USB_ERR_NO_DEVICE;
	}
	b->transfers++;
	if (b->virtual_clock)
		b->vclock_us += s->dev.prof.usb_overhead_us +
				(uint64_t)wLength * s->dev.prof.usb_byte_ns / 1000u;

	/* busy_nak: a device busy erasing NAKs until done, or the host gives up. */
	if (type == 0x20 && s->dev.prof.busy_nak && b->virtual_clock) {
		uint64_t now = usb_sim_now_us(b), wait = (uint64_t)timeout_ms * 1000u;

		sim_tick(&s->dev, now);
		if (s->dev.state == DFU_STATE_DFU_DNBUSY &&
		    (s->dev.busy_forever || s->dev.busy_until_us > now)) {
			if (s->dev.busy_forever || s->dev.busy_until_us - now > wait) {
				b->vclock_us += wait;
				usb_sim_log(b, s, name, wValue, wIndex, wLength, SIM_TIMEOUT);
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
			r = sim_control(&s->dev, usb_sim_now_us(b), bmRequestType, bRequest,
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
	usb_sim_log(b, s, name, wValue, wIndex, wLength, r);
	if (r == SIM_TIMEOUT)
		return USB_ERR_TIMEOUT;
	if (s->dev.raise_signal) {
		/* fault signal=...: as if the user pressed Ctrl-C right after this request */
		int sig = s->dev.raise_signal;

		s->dev.raise_signal = 0;
		raise(sig);
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
		usb_sim_log(b, s, "RESET", 0, 0, 0, SIM_GONE);
		return USB_ERR_NO_DEVICE;
	}
	if (b->virtual_clock)
		b->vclock_us += SIM_RESET_US;
	r = sim_bus_reset(&s->dev, usb_sim_now_us(b));
	usb_sim_reenumerated(b, s, gen);
	if (s->dev.devnum == 0 && !s->dev.gone)
		usb_sim_assign_devnum(b, &s->dev);
	usb_sim_log(b, s, "RESET", 0, 0, 0, r == 0 ? 0 : SIM_GONE);
	return r == 0 ? 0 : USB_ERR_NO_DEVICE;
}

static void usb_sim_write_stats(struct sim_bus *b)
{
	char path[4096], text[512];
	uint64_t busy_us = 0, away_us = 0;
	unsigned long violations = 0;
	int i, n;

	for (i = 0; i < b->n; i++) {
		busy_us += b->slot[i].dev.count.busy_us;
		away_us += b->slot[i].dev.count.away_us;
		violations += b->slot[i].dev.count.violations;
	}
	/* The _us figures and the cost model let the benchmark compute limits. */
	n = snprintf(text, sizeof(text),
		     "control_transfers=%lu\nelapsed_ms=%" PRIu64 "\nsleep_ms=%" PRIu64 "\n"
		     "device_busy_ms=%" PRIu64 "\nvirtual=%d\n"
		     "elapsed_us=%" PRIu64 "\ndevice_busy_us=%" PRIu64 "\n"
		     "usb_overhead_us=%u\nusb_byte_ns=%u\nreset_us=%u\nviolations=%lu\n"
		     "away_us=%" PRIu64 "\n",
		     b->transfers, usb_sim_now_us(b) / 1000u - b->start_ms, b->sleep_ms_total,
		     busy_us / 1000u, b->virtual_clock,
		     usb_sim_now_us(b) - b->start_us, busy_us,
		     b->n ? b->slot[0].dev.prof.usb_overhead_us : 0,
		     b->n ? b->slot[0].dev.prof.usb_byte_ns : 0, (unsigned)SIM_RESET_US,
		     violations, away_us);
	usb_sim_path(path, sizeof(path), b->dir, "stats", 0);
	usb_sim_write_file(b, path, text, (size_t)n);
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
		usb_sim_save(b);
		usb_sim_write_stats(b);
	}
	/* The point of the virtual clock: say how long it would have taken. */
	if (b->virtual_clock && b->transfers)
		usb_sim_say(b, USB_REPORT_NOTE,
			    "simulated: %lu control transfers, %.1f ms on the virtual clock",
			    b->transfers, (double)(usb_sim_now_us(b) - b->start_us) / 1000.0);
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
			s->dev.away_until_us = usb_sim_now_us(b) + (uint64_t)p.appear_ms * 1000u;
	}
	b->next_devnum = (uint8_t)(SIM_FIRST_DEVNUM + n);
	return 0;
}

/* Remove devN files of devices the new bus no longer has. */
static void usb_sim_remove_stale(const char *dir, int from, int to)
{
	char path[4096], prefix[32];
	struct dirent *e;
	DIR *dd;
	size_t len;
	int i;

	for (i = from; i <= to; i++) {
		usb_sim_path(path, sizeof(path), dir, "state", i);
		unlink(path);
		usb_sim_path(path, sizeof(path), dir, "mem", i);
		unlink(path);
		/* and the DfuSe region files, devN.altA.0xADDRESS.mem */
		snprintf(prefix, sizeof(prefix), "dev%d.alt", i);
		dd = opendir(dir);
		if (!dd)
			continue;
		while ((e = readdir(dd)) != NULL) {
			len = strlen(e->d_name);
			if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || len < 4 ||
			    strcmp(e->d_name + len - 4, ".mem") != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
		closedir(dd);
	}
}

/*
 * With a state directory: restore the stored bus when it holds the same
 * devices (or when none are named), else create the named ones afresh.
 */
static int usb_sim_restore(struct sim_bus *b, const char *devices, struct usb_why *why)
{
	static char specs[SIM_MAX_DEVICES][SIM_SPEC_MAX];
	char path[4096], v[SIM_SPEC_MAX];
	char *bus_text, *dev_text[SIM_MAX_DEVICES] = { NULL };
	uint64_t n_stored = 0, x;
	int n = 0, i, rc = 0, same;

	usb_sim_path(path, sizeof(path), b->dir, "bus.state", 0);
	bus_text = sim_read_text(path);
	if (bus_text && usb_sim_field_num(bus_text, "devices", SIM_MAX_DEVICES, &n_stored) < 0) {
		free(bus_text);
		return usb_sim_bad_state(why, path, "devices");
	}
	if (devices) {
		n = usb_sim_split(devices, specs, why);
		if (n < 0) {
			free(bus_text);
			return n;
		}
	}
	if (!bus_text && !devices)
		return usb_why_set(why, USB_ERR_INVALID, USB_SIM_NAME_THEM,
				   "no simulated devices: '%s' holds none", b->dir);

	/* the stored devices, with their specs */
	for (i = 0; bus_text && i < (int)n_stored; i++) {
		usb_sim_path(path, sizeof(path), b->dir, "state", i + 1);
		dev_text[i] = sim_read_text(path);
		if (!dev_text[i]) {
			rc = usb_why_set(why, USB_ERR_READ, USB_SIM_START_OVER,
					 "cannot read simulator state '%s': %s", path,
					 strerror(errno));
			goto out;
		}
		if (usb_sim_field(dev_text[i], "spec", v, sizeof(v)) < 0) {
			rc = usb_sim_bad_state(why, path, "spec");
			goto out;
		}
		if (!devices)
			snprintf(specs[i], SIM_SPEC_MAX, "%s", v);
	}
	if (!devices)
		n = (int)n_stored;

	same = bus_text && (int)n_stored == n;
	for (i = 0; same && i < n; i++) {
		usb_sim_field(dev_text[i], "spec", v, sizeof(v));
		same = strcmp(v, specs[i]) == 0;
	}

	if (bus_text) {
		x = 0;
		usb_sim_field_num(bus_text, "virtual", 1, &x);
		/* the clock carries over so busy and detach times stay meaningful */
		if (b->virtual_clock && (int)x == 1 &&
		    usb_sim_field_num(bus_text, "clock_us", UINT64_MAX, &b->vclock_us) < 0) {
			usb_sim_path(path, sizeof(path), b->dir, "bus.state", 0);
			rc = usb_sim_bad_state(why, path, "clock_us");
			goto out;
		}
	}

	rc = usb_sim_create(b, specs, n, why);
	if (rc < 0 || !same) {
		/* all stored devices were replaced: their files go, the new ones come at exit */
		if (rc == 0 && bus_text)
			usb_sim_remove_stale(b->dir, 1, (int)n_stored);
		goto out;
	}

	for (i = 0; i < n; i++) {
		usb_sim_path(path, sizeof(path), b->dir, "state", i + 1);
		rc = usb_sim_load_slot(b, &b->slot[i], dev_text[i], path, why);
		if (rc < 0)
			goto out;
		if (bus_text) {
			x = 0;
			usb_sim_field_num(bus_text, "virtual", 1, &x);
			if ((int)x != b->virtual_clock) {
				/* times from another clock mean nothing here */
				b->slot[i].dev.busy_until_us = 0;
				b->slot[i].dev.away_until_us = 0;
				if (b->slot[i].dev.state == DFU_STATE_APP_DETACH)
					b->slot[i].dev.detach_until_us = 0;
			}
		}
		/*
		 * Between two runs on the virtual clock, time passes too: the
		 * next command starts once every device that was re-enumerating
		 * (or not yet plugged in) is back on the bus.
		 */
		if (b->virtual_clock && !b->slot[i].dev.gone &&
		    b->slot[i].dev.away_until_us > b->vclock_us)
			b->vclock_us = b->slot[i].dev.away_until_us;
	}
	if (usb_sim_field_num(bus_text, "next_devnum", 127, &x) == 0 && x >= SIM_FIRST_DEVNUM)
		b->next_devnum = (uint8_t)x;
out:
	for (i = 0; i < SIM_MAX_DEVICES; i++)
		free(dev_text[i]);
	free(bus_text);
	return rc;
}

int usb_sim_init(struct usb_backend **be, const struct usb_sim_config *cfg, struct usb_why *why)
{
	static char specs[SIM_MAX_DEVICES][SIM_SPEC_MAX];
	struct sim_bus *b;
	char path[4096];
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
		if (mkdir(b->dir, 0777) < 0 && errno != EEXIST) {
			rc = usb_why_set(why, USB_ERR_WRITE, NULL,
					 "cannot create simulator state directory '%s': %s",
					 b->dir, strerror(errno));
			usb_sim_free_bus(b);
			return rc;
		}
		rc = usb_sim_restore(b, cfg->devices, why);
		if (rc < 0) {
			usb_sim_free_bus(b);
			return rc;
		}
		usb_sim_path(path, sizeof(path), b->dir, "requests.log", 0);
		b->log = fopen(path, "a");
		if (!b->log) {
			rc = usb_why_set(why, USB_ERR_WRITE, NULL, "cannot write '%s': %s", path,
					 strerror(errno));
			usb_sim_free_bus(b);
			return rc;
		}
		/* line by line, so the log is complete even if the program dies */
		setvbuf(b->log, NULL, _IOLBF, 0);
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
	b->start_us = usb_sim_now_us(b);
	b->start_ms = b->start_us / 1000u;
	*be = &b->be;
	return 0;
}
