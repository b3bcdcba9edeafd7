/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * The simulated bus's persistence (--sim-state DIR): the memory images,
 * the state files, the request log and the run's figures, so that
 * consecutive dfu-util runs see the same devices.  usb_sim.c decides what
 * to restore; this file reads and writes the files doc/sim-profile.txt
 * describes.  It never prints (sim_state.h).
 */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "compat.h"
#include "number.h"
#include "sim.h"
#include "sim_state.h"
#include "usb.h"

/* ------------------------------------------------------------ files */

static void sim_state_path(char *out, size_t len, const char *dir, const char *name, int n)
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
static int sim_state_write_file(struct sim_bus *b, const char *path, const void *data, size_t len)
{
	char tmp[4096];
	FILE *f;
	int ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "wb");
	if (!f) {
		sim_bus_say(b, USB_REPORT_ERROR, "cannot write simulator state '%s': %s", tmp,
			    strerror(errno));
		return USB_ERR_WRITE;
	}
	ok = fwrite(data, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	if (!ok || (errno = compat_rename_replace(tmp, path)) != 0) {
		sim_bus_say(b, USB_REPORT_ERROR, "cannot write simulator state '%s': %s", path,
			    strerror(errno));
		unlink(tmp);
		return USB_ERR_WRITE;
	}
	return 0;
}

/* ------------------------------------------------------------ saving */

static const char *sim_state_mode_name(enum sim_mode m)
{
	return m == SIM_MODE_DFU ? "dfu" : "runtime";
}

/* DIR/devN.altA.0xADDRESS.mem: one DfuSe region. */
static void sim_state_region_path(char *out, size_t len, const char *dir, int n,
				const struct sim_region *r)
{
	snprintf(out, len, "%s/dev%d.alt%d.0x%08" PRIx32 ".mem", dir, n, r->alt, r->start);
}

/*
 * Save the DfuSe regions that changed.  Trailing erased bytes are left
 * out, so an 8 MiB SPI flash that holds little costs little: bytes past
 * the end of the file read as 0xFF.
 */
static int sim_state_save_regions(struct sim_bus *b, struct sim_slot *s)
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
		sim_state_region_path(path, sizeof(path), b->dir, s->index, r);
		rc = sim_state_write_file(b, path, r->data, len);
		if (rc < 0)
			return rc;
		r->dirty = 0;
	}
	return 0;
}

static uint32_t sim_state_memory_total(const struct sim_device *d)
{
	uint32_t total = 0;
	int i;

	for (i = 0; i < d->n_regions; i++)
		total += d->region[i].size;
	return total;
}

static int sim_state_save_slot(struct sim_bus *b, struct sim_slot *s)
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
		     s->index, s->spec, sim_state_mode_name(d->mode), dfu_state_name(d->state),
		     dfu_status_name(d->status), d->gone, d->generation, d->devnum, d->alt,
		     sim_state_memory_total(d), d->region[0].image_size, d->dl_block, d->dl_offset,
		     d->ul_offset, d->block_done, d->manifest_done, d->fw_valid,
		     d->busy_until_us, d->detach_until_us, d->away_until_us, d->address,
		     d->pending, dfu_status_name(d->pending_status), d->pending_ms,
		     d->last_poll_ms, d->count.violations);
	if (n < 0 || (size_t)n >= sizeof(text)) {
		sim_bus_say(b, USB_REPORT_ERROR, "simulated device %d: state too large to save",
			    s->index);
		return USB_ERR_WRITE;
	}
	if (sim_is_dfuse(d)) {
		rc = sim_state_save_regions(b, s);
	} else {
		sim_state_path(path, sizeof(path), b->dir, "mem", s->index);
		rc = sim_state_write_file(b, path, d->region[0].data, d->region[0].size);
	}
	if (rc < 0)
		return rc;
	sim_state_path(path, sizeof(path), b->dir, "state", s->index);
	return sim_state_write_file(b, path, text, (size_t)n);
}

int sim_state_save(struct sim_bus *b)
{
	char path[4096], text[256];
	int i, n, rc = 0;

	if (!b->dir)
		return 0;
	for (i = 0; i < b->n; i++) {
		int r = sim_state_save_slot(b, &b->slot[i]);

		if (r < 0 && rc == 0)
			rc = r;
	}
	n = snprintf(text, sizeof(text),
		     "# dfu-util simulated bus; see doc/sim-profile.txt\n"
		     "devices=%d\nvirtual=%d\nclock_us=%" PRIu64 "\nnext_devnum=%u\n",
		     b->n, b->virtual_clock, sim_bus_now_us(b), b->next_devnum);
	sim_state_path(path, sizeof(path), b->dir, "bus.state", 0);
	if (sim_state_write_file(b, path, text, (size_t)n) < 0 && rc == 0)
		rc = USB_ERR_WRITE;
	return rc;
}

void sim_state_write_stats(struct sim_bus *b)
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
		     b->transfers, sim_bus_now_us(b) / 1000u - b->start_ms, b->sleep_ms_total,
		     busy_us / 1000u, b->virtual_clock,
		     sim_bus_now_us(b) - b->start_us, busy_us,
		     b->n ? b->slot[0].dev.prof.usb_overhead_us : 0,
		     b->n ? b->slot[0].dev.prof.usb_byte_ns : 0, (unsigned)SIM_RESET_US,
		     violations, away_us);
	sim_state_path(path, sizeof(path), b->dir, "stats", 0);
	sim_state_write_file(b, path, text, (size_t)n);
}

/* ------------------------------------------------------------ loading */

/* Find "key=" at the start of a line in text; the value up to end of line. */
static int sim_state_field(const char *text, const char *key, char *out, size_t len)
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

static int sim_state_field_num(const char *text, const char *key, uint64_t max, uint64_t *out)
{
	char v[64];

	if (sim_state_field(text, key, v, sizeof(v)) < 0)
		return -1;
	return parse_number_quiet(v, max, out) < 0 ? -1 : 0;
}

#define SIM_STATE_START_OVER "remove the state directory to start over"

static int sim_state_bad(struct usb_why *why, const char *path, const char *what)
{
	return usb_why_set(why, USB_ERR_CONFIG, SIM_STATE_START_OVER,
			   "simulator state '%s' is damaged: %s", path, what);
}

/*
 * The DfuSe fields of devN.state.  They are optional so that a state
 * directory from before DfuSe still loads (missing = reset values).
 */
static int sim_state_load_dfuse(struct sim_device *d, const char *text, const char *path,
			      struct usb_why *why)
{
	char v[64];
	uint64_t x;
	int i;

	if (sim_state_field(text, "away_until_us", v, sizeof(v)) == 0) {
		if (parse_number_quiet(v, UINT64_MAX, &x) < 0)
			return sim_state_bad(why, path, "away_until_us");
		d->away_until_us = x;
	}
	if (sim_state_field(text, "address", v, sizeof(v)) == 0) {
		if (parse_number_quiet(v, UINT32_MAX, &x) < 0)
			return sim_state_bad(why, path, "address");
		d->address = (uint32_t)x;
	}
	if (sim_state_field(text, "pending", v, sizeof(v)) == 0) {
		if (parse_number_quiet(v, SIM_PENDING_LEAVE, &x) < 0)
			return sim_state_bad(why, path, "pending");
		d->pending = (int)x;
	}
	if (sim_state_field(text, "pending_status", v, sizeof(v)) == 0) {
		i = dfu_status_from_name(v);
		if (i < 0)
			return sim_state_bad(why, path, "pending_status");
		d->pending_status = i;
	}
	if (sim_state_field(text, "pending_ms", v, sizeof(v)) == 0) {
		if (parse_number_quiet(v, 0xffffff, &x) < 0)
			return sim_state_bad(why, path, "pending_ms");
		d->pending_ms = (uint32_t)x;
	}
	if (sim_state_field(text, "last_poll_ms", v, sizeof(v)) == 0) {
		if (parse_number_quiet(v, 0xffffff, &x) < 0)
			return sim_state_bad(why, path, "last_poll_ms");
		d->last_poll_ms = (uint32_t)x;
	}
	if (sim_state_field(text, "violations", v, sizeof(v)) == 0) {
		if (parse_number_quiet(v, ULONG_MAX, &x) < 0)
			return sim_state_bad(why, path, "violations");
		d->count.violations = (unsigned long)x;
	}
	return 0;
}

/* Read the DfuSe region files back (over erased memory: they omit trailing 0xFF). */
static int sim_state_load_regions(const char *dir, struct sim_slot *s, struct usb_why *why)
{
	char path[4096];
	size_t n;
	FILE *f;
	int i;

	for (i = 0; i < s->dev.n_regions; i++) {
		struct sim_region *r = &s->dev.region[i];

		sim_state_region_path(path, sizeof(path), dir, s->index, r);
		f = fopen(path, "rb");
		if (!f)
			return usb_why_set(why, USB_ERR_READ, SIM_STATE_START_OVER,
					   "cannot read simulator memory '%s': %s", path,
					   strerror(errno));
		memset(r->data, 0xff, r->size);
		n = fread(r->data, 1, r->size, f);
		if (ferror(f) || (n == r->size && fgetc(f) != EOF)) {
			fclose(f);
			return sim_state_bad(why, path, "larger than the memory region");
		}
		fclose(f);
		r->dirty = 0;
	}
	return 0;
}

/* Restore a device from devN.state and devN.mem (profile already loaded). */
int sim_state_load(const char *dir, struct sim_slot *s, const char *text, struct usb_why *why)
{
	struct sim_device *d = &s->dev;
	char v[64], path[4096], mpath[4096];
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

	sim_state_path(path, sizeof(path), dir, "state", s->index);
	for (i = 0; i < (int)(sizeof(nums) / sizeof(nums[0])); i++)
		if (sim_state_field_num(text, nums[i].key, nums[i].max, &val[i]) < 0)
			return sim_state_bad(why, path, nums[i].key);
	if (val[4] != sim_state_memory_total(d) || val[5] > d->region[0].size ||
	    val[7] > d->region[0].size || val[8] > d->region[0].size)
		return sim_state_bad(why, path, "memory size does not match the profile");

	if (sim_state_field(text, "mode", v, sizeof(v)) < 0 ||
	    (strcmp(v, "dfu") != 0 && strcmp(v, "runtime") != 0))
		return sim_state_bad(why, path, "mode");
	d->mode = strcmp(v, "dfu") == 0 ? SIM_MODE_DFU : SIM_MODE_RUNTIME;
	if (sim_state_field(text, "state", v, sizeof(v)) < 0 ||
	    (i = dfu_state_from_name(v)) < 0)
		return sim_state_bad(why, path, "state");
	d->state = i;
	if ((d->mode == SIM_MODE_DFU) != (d->state >= DFU_STATE_DFU_IDLE))
		return sim_state_bad(why, path, "state does not fit the mode");
	if (sim_state_field(text, "status", v, sizeof(v)) < 0 ||
	    (i = dfu_status_from_name(v)) < 0)
		return sim_state_bad(why, path, "status");
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
	i = sim_state_load_dfuse(d, text, path, why);
	if (i < 0)
		return i;
	if (sim_is_dfuse(d))
		return sim_state_load_regions(dir, s, why);

	sim_state_path(mpath, sizeof(mpath), dir, "mem", s->index);
	f = fopen(mpath, "rb");
	if (!f)
		return usb_why_set(why, USB_ERR_READ, SIM_STATE_START_OVER,
				   "cannot read simulator memory '%s': %s", mpath, strerror(errno));
	n = fread(d->region[0].data, 1, d->region[0].size, f);
	if (n != d->region[0].size || fgetc(f) != EOF) {
		fclose(f);
		return sim_state_bad(why, mpath, "size does not match memory_size");
	}
	fclose(f);
	return 0;
}

/* Remove devN files of devices the new bus no longer has. */
void sim_state_forget(const char *dir, int from, int to)
{
	char path[4096], prefix[32];
	struct dirent *e;
	DIR *dd;
	size_t len;
	int i;

	for (i = from; i <= to; i++) {
		sim_state_path(path, sizeof(path), dir, "state", i);
		unlink(path);
		sim_state_path(path, sizeof(path), dir, "mem", i);
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

/* ------------------------------------------------------------ request log */

void sim_state_log(struct sim_bus *b, const struct sim_slot *s, const char *req,
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
		sim_bus_now_us(b) / 1000u, s->index, req, wValue, wIndex, wLength, res,
		dfu_state_name(s->dev.state), s->dev.note[0] ? " " : "", s->dev.note);
}

/* ------------------------------------------------------------ the directory */

int sim_state_make_dir(const char *dir, struct usb_why *why)
{
	if (compat_mkdir(dir) < 0 && errno != EEXIST)
		return usb_why_set(why, USB_ERR_WRITE, NULL,
				   "cannot create simulator state directory '%s': %s", dir,
				   strerror(errno));
	return 0;
}

int sim_state_read(const char *dir, int want_clock, struct sim_saved *sv, struct usb_why *why)
{
	char path[4096];
	char *bus_text;
	uint64_t x;
	int i;

	memset(sv, 0, sizeof(*sv));
	sv->next_devnum = -1;
	sim_state_path(path, sizeof(path), dir, "bus.state", 0);
	bus_text = sim_read_text(path);
	if (!bus_text)
		return 0;	/* a new directory */
	sv->found = 1;
	if (sim_state_field_num(bus_text, "devices", SIM_MAX_DEVICES, &x) < 0) {
		free(bus_text);
		return sim_state_bad(why, path, "devices");
	}
	sv->n = (int)x;
	x = 0;
	sim_state_field_num(bus_text, "virtual", 1, &x);
	sv->virtual_clock = (int)x;
	if (want_clock && sv->virtual_clock &&
	    sim_state_field_num(bus_text, "clock_us", UINT64_MAX, &sv->clock_us) < 0) {
		free(bus_text);
		return sim_state_bad(why, path, "clock_us");
	}
	if (sim_state_field_num(bus_text, "next_devnum", 127, &x) == 0 && x >= SIM_FIRST_DEVNUM)
		sv->next_devnum = (int)x;
	free(bus_text);

	/* the stored devices, with their specs */
	for (i = 0; i < sv->n; i++) {
		sim_state_path(path, sizeof(path), dir, "state", i + 1);
		sv->text[i] = sim_read_text(path);
		if (!sv->text[i])
			return usb_why_set(why, USB_ERR_READ, SIM_STATE_START_OVER,
					   "cannot read simulator state '%s': %s", path,
					   strerror(errno));
		if (sim_state_field(sv->text[i], "spec", sv->spec[i], sizeof(sv->spec[i])) < 0)
			return sim_state_bad(why, path, "spec");
	}
	return 0;
}

void sim_state_free(struct sim_saved *sv)
{
	int i;

	for (i = 0; i < SIM_MAX_DEVICES; i++) {
		free(sv->text[i]);
		sv->text[i] = NULL;
	}
}

int sim_state_open_log(struct sim_bus *b, struct usb_why *why)
{
	char path[4096];

	sim_state_path(path, sizeof(path), b->dir, "requests.log", 0);
	b->log = fopen(path, "ab");
	if (!b->log)
		return usb_why_set(why, USB_ERR_WRITE, NULL, "cannot write '%s': %s", path,
				   strerror(errno));
	/* line by line, so the log is complete even if the program dies */
	setvbuf(b->log, NULL, _IOLBF, 0);
	return 0;
}
