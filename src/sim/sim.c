/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * The simulated DFU device.  The state machine follows the interface state
 * summary of USB DFU 1.1 (appendix A.2): a request that is not legal in the
 * current state stalls the control pipe and, in DFU mode, sends the device
 * to dfuERROR with errSTALLEDPKT, which only DFU_CLRSTATUS leaves.
 */

#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define US_PER_MS 1000u

/* bmRequestType: type class (bits 6..5 = 01), recipient interface (1) */
#define RT_TYPE_MASK	0x60
#define RT_TYPE_CLASS	0x20
#define RT_RECIP_MASK	0x1f
#define RT_RECIP_INTF	0x01
#define RT_DIR_IN	0x80

/* A fixed xorshift sequence, so a fresh device reads the same on every run. */
static void sim_fill_pattern(unsigned char *p, size_t n, uint32_t seed)
{
	uint32_t x = seed ? seed : 0x9e3779b9u;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)(x >> 24);
	}
}

unsigned char sim_pattern_byte(uint32_t addr)
{
	/* a multiplicative hash: no period a page-sized shift would hide */
	return (unsigned char)((addr * 0x9e3779b1u) >> 24);
}

uint32_t sim_erase_ms(const struct sim_profile *p, uint32_t page_size)
{
	uint32_t other = 0;
	int i;

	for (i = 0; i < p->n_erase_times; i++) {
		if (p->erase_time[i].size == page_size)
			return p->erase_time[i].ms;
		if (p->erase_time[i].size == 0)
			other = p->erase_time[i].ms;
	}
	return other;
}

int sim_is_dfuse(const struct sim_device *d)
{
	return d->maps != NULL;
}

static void sim_apply_fills(struct sim_device *d, struct sim_region *r)
{
	uint64_t r_end = (uint64_t)r->start + r->size;
	int i;

	for (i = 0; i < d->prof.n_fills; i++) {
		const struct sim_fill *f = &d->prof.fill[i];
		uint64_t from = f->addr > r->start ? f->addr : r->start;
		uint64_t to = (uint64_t)f->addr + f->len;
		uint64_t a;

		if (to > r_end)
			to = r_end;
		for (a = from; a < to; a++)
			r->data[a - r->start] = f->value == SIM_FILL_PATTERN ?
						sim_pattern_byte((uint32_t)a) :
						(unsigned char)f->value;
	}
}

/*
 * DfuSe: parse every alt's memory map and back each run of contiguous
 * segments with erased memory (0xFF), then apply the profile's fills.
 */
static int sim_init_dfuse(struct sim_device *d, struct usb_why *why)
{
	const struct sim_profile *p = &d->prof;
	char err[256];
	int a, j;

	d->maps = calloc((size_t)p->n_alts, sizeof(*d->maps));
	if (!d->maps)
		return usb_why_set(why, USB_ERR_NOMEM, NULL, "simulated device %s: out of memory",
				   p->name);
	d->n_regions = 0;
	for (a = 0; a < p->n_alts; a++) {
		struct dfuse_map *m = &d->maps[a];

		if (dfuse_map_parse(p->alt[a], m, err, sizeof(err)) < 0)
			return usb_why_set(why, USB_ERR_CONFIG, NULL, "simulated device %s: alt %d: %s",
					   p->name, a, err);
		for (j = 0; j < m->n_segments; j++) {
			const struct dfuse_segment *g = &m->seg[j];
			struct sim_region *r;

			if (j > 0 && g->start == m->seg[j - 1].last + 1) {
				d->region[d->n_regions - 1].size += g->last - g->start + 1;
				continue;
			}
			if (d->n_regions == SIM_MAX_REGIONS)
				return usb_why_set(why, USB_ERR_CONFIG, NULL,
						   "simulated device %s: more than %d memory regions",
						   p->name, SIM_MAX_REGIONS);
			r = &d->region[d->n_regions++];
			r->alt = a;
			r->start = g->start;
			r->size = g->last - g->start + 1;
		}
	}
	for (j = 0; j < d->n_regions; j++) {
		struct sim_region *r = &d->region[j];

		r->data = malloc(r->size);
		if (!r->data)
			return usb_why_set(why, USB_ERR_NOMEM, NULL,
					   "simulated device %s: out of memory for %lu bytes", p->name,
					   (unsigned long)r->size);
		memset(r->data, 0xff, r->size);
		sim_apply_fills(d, r);
		r->dirty = 1;
	}
	return 0;
}

int sim_init(struct sim_device *d, const struct sim_profile *p, struct usb_why *why)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->prof = *p;
	if (p->dfuse) {
		rc = sim_init_dfuse(d, why);
		if (rc < 0) {
			sim_free(d);
			return rc;
		}
		sim_reset_state(d);
		return 0;
	}
	d->n_regions = 1;
	d->region[0].alt = -1;
	d->region[0].start = 0;
	d->region[0].size = p->memory_size;
	/* calloc(0) may return NULL; a device without memory still needs a buffer */
	d->region[0].data = malloc(p->memory_size ? p->memory_size : 1);
	if (!d->region[0].data)
		return usb_why_set(why, USB_ERR_NOMEM, NULL,
				   "simulated device %s: out of memory for %lu bytes", p->name,
				   (unsigned long)p->memory_size);
	sim_fill_pattern(d->region[0].data, p->memory_size, 0x5d1f0000u);
	d->region[0].image_size = p->firmware_size;
	d->region[0].dirty = 1;
	sim_reset_state(d);
	return 0;
}

void sim_free(struct sim_device *d)
{
	int i;

	for (i = 0; i < d->n_regions; i++) {
		free(d->region[i].data);
		d->region[i].data = NULL;
	}
	d->n_regions = 0;
	free(d->maps);
	d->maps = NULL;
}

/* After a reset the ST bootloaders point at the start of the first alt's memory. */
static void sim_dfuse_reset_pointer(struct sim_device *d)
{
	d->address = d->maps && d->maps[0].n_segments ? d->maps[0].seg[0].start : 0;
	d->pending = SIM_PENDING_NONE;
	d->pending_status = DFU_STATUS_OK;
	d->pending_ms = 0;
	d->last_poll_ms = 0;
}

void sim_reset_state(struct sim_device *d)
{
	const struct sim_profile *p = &d->prof;
	int st = p->state;

	if (st < 0)
		st = p->has_runtime ? DFU_STATE_APP_IDLE : DFU_STATE_DFU_IDLE;
	d->state = st;
	d->mode = st <= DFU_STATE_APP_DETACH ? SIM_MODE_RUNTIME : SIM_MODE_DFU;
	if (p->status >= 0)
		d->status = p->status;
	else
		d->status = st == DFU_STATE_DFU_ERROR ? DFU_STATUS_ERR_UNKNOWN : DFU_STATUS_OK;
	d->gone = 0;
	d->alt = 0;
	d->ul_offset = 0;
	/* a profile may start mid-download: the next block is then number 1 */
	d->dl_block = st == DFU_STATE_DFU_DNLOAD_IDLE ? 1 : 0;
	d->dl_offset = 0;
	d->block_done = 0;
	d->manifest_done = 0;
	d->fw_valid = !(st >= DFU_STATE_DFU_DNLOAD_SYNC && st <= DFU_STATE_DFU_MANIFEST);
	d->busy_until_us = 0;
	d->detach_until_us = 0;
	if (st == DFU_STATE_APP_DETACH)
		d->detach_until_us = UINT64_MAX;
	d->away_until_us = 0;
	sim_dfuse_reset_pointer(d);
}

int sim_num_alts(const struct sim_device *d)
{
	return d->mode == SIM_MODE_DFU ? d->prof.n_alts : 1;
}

int sim_interface(const struct sim_device *d)
{
	return d->mode == SIM_MODE_DFU ? d->prof.interface : d->prof.runtime_interface;
}

/* The memory the current alt setting reads and writes. */
static struct sim_region *sim_cur_region(struct sim_device *d)
{
	/* plain DFU: one memory behind every alt; DfuSe will map alts to regions */
	return &d->region[0];
}

/* Plain DFU: the most one DNLOAD/UPLOAD may carry (buffer_size, else wTransferSize). */
static uint32_t sim_buffer_size(const struct sim_device *d)
{
	return d->prof.buffer_size ? d->prof.buffer_size : d->prof.transfer_size;
}

static int sim_stall(struct sim_device *d)
{
	d->count.stalls++;
	if (d->mode == SIM_MODE_DFU) {
		d->state = DFU_STATE_DFU_ERROR;
		d->status = DFU_STATUS_ERR_STALLEDPKT;
	} else if (d->state == DFU_STATE_APP_DETACH) {
		/* A.2.2: any other class request in appDETACH ends the detach */
		d->state = DFU_STATE_APP_IDLE;
		d->detach_until_us = 0;
	}
	return SIM_STALL;
}

/* dfuIDLE with no transfer under way (CLRSTATUS, ABORT, a restart). */
static void sim_idle(struct sim_device *d)
{
	d->state = DFU_STATE_DFU_IDLE;
	d->dl_block = 0;
	d->dl_offset = 0;
	d->ul_offset = 0;
}

static void sim_enter_dfu(struct sim_device *d)
{
	d->mode = SIM_MODE_DFU;
	sim_idle(d);
	d->status = DFU_STATUS_OK;
	d->alt = 0;
	d->busy_until_us = 0;
	d->detach_until_us = 0;
	d->generation++;
	d->devnum = 0;
	sim_dfuse_reset_pointer(d);
}

/*
 * Leave DFU mode with valid firmware (USB reset, or a will-detach device
 * at the end of manifestation).  Returns what sim_bus_reset returns.
 */
static int sim_leave_dfu(struct sim_device *d)
{
	switch (d->prof.after_manifest) {
	case SIM_AFTER_VANISH:
		d->gone = 1;
		d->generation++;
		return SIM_GONE;
	case SIM_AFTER_RUNTIME:
		if (d->prof.has_runtime) {
			d->mode = SIM_MODE_RUNTIME;
			d->state = DFU_STATE_APP_IDLE;
			d->status = DFU_STATUS_OK;
			d->alt = 0;
			d->busy_until_us = 0;
			d->detach_until_us = 0;
			d->generation++;
			d->devnum = 0;
			return 1;
		}
		/* no application with a DFU interface: the bootloader comes back */
		/* fall through */
	case SIM_AFTER_IDLE:
	default:
		sim_idle(d);
		d->status = DFU_STATUS_OK;
		d->alt = 0;
		d->busy_until_us = 0;
		return 0;
	}
}

static void sim_manifest_finished(struct sim_device *d)
{
	d->fw_valid = 1;
	if (d->prof.attributes & DFU_ATTR_MANIFEST_TOLERANT) {
		d->state = DFU_STATE_DFU_MANIFEST_SYNC;
		d->manifest_done = 1;
	} else if (d->prof.attributes & DFU_ATTR_WILL_DETACH) {
		/* it detaches by itself instead of waiting for the host's reset */
		sim_leave_dfu(d);
	} else {
		d->state = DFU_STATE_DFU_MANIFEST_WAIT_RESET;
	}
}

void sim_tick(struct sim_device *d, uint64_t now_us)
{
	if (d->gone)
		return;
	if (d->state == DFU_STATE_APP_DETACH && now_us >= d->detach_until_us) {
		if (d->prof.detach_self_ms) {
			/* it restarted into its boot loader by itself */
			sim_enter_dfu(d);
		} else {
			/* A.2.2: timer ran out, a later reset will not start DFU */
			d->state = DFU_STATE_APP_IDLE;
			d->detach_until_us = 0;
		}
	}
	if (d->state == DFU_STATE_DFU_DNBUSY && now_us >= d->busy_until_us && !d->busy_forever) {
		if (d->pending_status != DFU_STATUS_OK) {
			/* a DfuSe command that failed: the status after the busy time says so */
			d->state = DFU_STATE_DFU_ERROR;
			d->status = d->pending_status;
			d->pending_status = DFU_STATUS_OK;
		} else {
			d->state = DFU_STATE_DFU_DNLOAD_SYNC;
			d->block_done = 1;
		}
		d->pending = SIM_PENDING_NONE;
	}
	if (d->state == DFU_STATE_DFU_MANIFEST && now_us >= d->busy_until_us)
		sim_manifest_finished(d);
}

static void sim_make_busy(struct sim_device *d, uint64_t now_us, uint32_t ms)
{
	d->busy_until_us = now_us + (uint64_t)ms * US_PER_MS;
	d->count.busy_us += (uint64_t)ms * US_PER_MS;
}

static int sim_reply_status(struct sim_device *d, unsigned char *data, uint16_t wLength,
			    uint32_t poll_ms)
{
	struct dfu_status_reply st;
	unsigned char buf[DFU_STATUS_LEN];
	size_t n = wLength < DFU_STATUS_LEN ? wLength : DFU_STATUS_LEN;

	if (d->fault_poll && (d->state == DFU_STATE_DFU_DNBUSY ||
			      d->state == DFU_STATE_DFU_MANIFEST)) {
		poll_ms = d->fault_poll - 1;
		d->fault_poll = 0;
	}
	st.bStatus = (uint8_t)d->status;
	st.bwPollTimeout = poll_ms > 0xffffffu ? 0xffffffu : poll_ms;
	st.bState = (uint8_t)d->state;
	st.iString = 0;
	dfu_status_encode(&st, buf);
	memcpy(data, buf, n);
	return (int)n;
}

static int sim_getstatus(struct sim_device *d, uint64_t now_us, unsigned char *data,
			 uint16_t wLength)
{
	uint32_t poll = d->prof.poll_timeout_ms;

	switch (d->state) {
	case DFU_STATE_APP_IDLE:
	case DFU_STATE_APP_DETACH:
		/* A.2.1: bwPollTimeout is ignored in run-time mode */
		return sim_reply_status(d, data, wLength, 0);
	case DFU_STATE_DFU_DNLOAD_SYNC:
		if ((d->block_done || d->prof.dnload_busy_ms == 0) &&
		    d->pending_status != DFU_STATUS_OK) {
			/* an injected fault: the block was refused */
			d->state = DFU_STATE_DFU_ERROR;
			d->status = d->pending_status;
			d->pending_status = DFU_STATUS_OK;
		} else if (d->block_done || d->prof.dnload_busy_ms == 0) {
			d->block_done = 0;
			d->state = DFU_STATE_DFU_DNLOAD_IDLE;
		} else {
			d->state = DFU_STATE_DFU_DNBUSY;
			sim_make_busy(d, now_us, d->prof.dnload_busy_ms);
		}
		return sim_reply_status(d, data, wLength, poll);
	case DFU_STATE_DFU_DNBUSY:
		/* polled too early: still busy; answer as a real firmware would,
		 * with its fixed poll timeout */
		if (d->busy_forever)
			sim_make_busy(d, now_us, poll);
		return sim_reply_status(d, data, wLength, poll);
	case DFU_STATE_DFU_MANIFEST_SYNC:
		if (d->manifest_done) {
			d->manifest_done = 0;
			d->state = DFU_STATE_DFU_IDLE;
			return sim_reply_status(d, data, wLength, 0);
		}
		/* the device knows how long its manifestation takes, and says so */
		d->state = DFU_STATE_DFU_MANIFEST;
		sim_make_busy(d, now_us, d->prof.manifest_ms);
		return sim_reply_status(d, data, wLength, d->prof.manifest_ms);
	case DFU_STATE_DFU_MANIFEST:
		/* polled early: the time still left, rounded up */
		return sim_reply_status(d, data, wLength,
					(uint32_t)((d->busy_until_us - now_us + US_PER_MS - 1) /
						   US_PER_MS));
	default:
		return sim_reply_status(d, data, wLength, 0);
	}
}

static int sim_dnload(struct sim_device *d, uint16_t wValue, const unsigned char *data,
		      uint16_t wLength)
{
	struct sim_region *r = sim_cur_region(d);

	if (!(d->prof.attributes & DFU_ATTR_CAN_DNLOAD) || wLength > sim_buffer_size(d))
		return sim_stall(d);

	if (d->state == DFU_STATE_DFU_IDLE) {
		/* only a non-empty block 0 starts a download */
		if (wLength == 0 || wValue != 0)
			return sim_stall(d);
		d->dl_block = 0;
		d->dl_offset = 0;
		d->fw_valid = 0;
	} else if (d->state == DFU_STATE_DFU_DNLOAD_IDLE) {
		if (wLength == 0) {
			d->state = DFU_STATE_DFU_MANIFEST_SYNC;
			d->manifest_done = 0;
			return 0;
		}
		if (wValue != d->dl_block)
			return sim_stall(d);
	} else {
		return sim_stall(d);
	}

	if ((uint64_t)d->dl_offset + wLength > r->size) {
		/* the transfer itself succeeds; the next GETSTATUS reports it */
		d->state = DFU_STATE_DFU_ERROR;
		d->status = DFU_STATUS_ERR_ADDRESS;
		return wLength;
	}
	memcpy(r->data + d->dl_offset, data, wLength);
	if (d->flip_pending) {
		/* a weak cell: the block reads back with its first bit inverted */
		r->data[d->dl_offset] ^= 0x01;
		d->flip_pending = 0;
	}
	d->dl_offset += wLength;
	r->image_size = d->dl_offset;
	d->dl_block = (uint16_t)(d->dl_block + 1);	/* 65535 wraps to 0 */
	d->block_done = 0;
	d->state = DFU_STATE_DFU_DNLOAD_SYNC;
	return wLength;
}

static int sim_upload(struct sim_device *d, unsigned char *data, uint16_t wLength)
{
	struct sim_region *r = sim_cur_region(d);
	uint32_t left, n;

	if (!(d->prof.attributes & DFU_ATTR_CAN_UPLOAD) || wLength == 0 ||
	    wLength > sim_buffer_size(d))
		return sim_stall(d);
	if (d->state == DFU_STATE_DFU_IDLE)
		d->ul_offset = 0;
	else if (d->state != DFU_STATE_DFU_UPLOAD_IDLE)
		return sim_stall(d);

	/* wValue (block number) is not checked: hosts and devices disagree on it */
	left = r->image_size > d->ul_offset ? r->image_size - d->ul_offset : 0;
	n = left < wLength ? left : wLength;
	memcpy(data, r->data + d->ul_offset, n);
	d->ul_offset += n;
	if (n < wLength) {
		d->state = DFU_STATE_DFU_IDLE;	/* a short frame ends the upload */
		d->ul_offset = 0;
	} else {
		d->state = DFU_STATE_DFU_UPLOAD_IDLE;
	}
	return (int)n;
}

/* ------------------------------------------------------------ DfuSe */

/*
 * The size in the block address formula: AN3156 says wTransferSize, and
 * some boot loaders use the block's own wLength (block_by_wlength).
 */
static uint32_t sim_dfuse_stride(const struct sim_device *d, uint16_t wLength)
{
	return d->prof.block_by_wlength ? wLength : d->prof.transfer_size;
}

/* Append to the note the front end logs with this request. */
static void sim_note(struct sim_device *d, const char *fmt, ...)
{
	size_t used = strlen(d->note);
	va_list ap;

	if (used + 1 >= sizeof(d->note))
		return;
	if (used > 0)
		d->note[used++] = ' ';
	va_start(ap, fmt);
	vsnprintf(d->note + used, sizeof(d->note) - used, fmt, ap);
	va_end(ap);
}

/*
 * The memory behind [addr, addr + len) of the current alt, when every byte
 * of it lies in segments with all the rights in want; else NULL.
 */
static unsigned char *sim_dfuse_span(struct sim_device *d, uint64_t addr, uint32_t len,
				     unsigned int want)
{
	const struct dfuse_map *m = &d->maps[d->alt];
	uint64_t end = addr + len, cur = addr;
	int i;

	if (len == 0 || end > UINT64_C(0x100000000))
		return NULL;
	while (cur < end) {
		const struct dfuse_segment *g = dfuse_map_find(m, (uint32_t)cur);

		if (!g || !dfuse_segment_can(g, want))
			return NULL;
		cur = (uint64_t)g->last + 1;
	}
	/* contiguous segments share one region, so one region holds it all */
	for (i = 0; i < d->n_regions; i++) {
		struct sim_region *r = &d->region[i];

		if (r->alt == d->alt && addr >= r->start && end <= (uint64_t)r->start + r->size)
			return r->data + (addr - r->start);
	}
	return NULL;
}

static void sim_dfuse_erase_range(struct sim_device *d, uint32_t start, uint32_t size)
{
	unsigned char *p = sim_dfuse_span(d, start, size, DFUSE_ERASABLE);
	int i;

	if (!p)
		return;
	memset(p, 0xff, size);
	for (i = 0; i < d->n_regions; i++)
		if (d->region[i].alt == d->alt && start >= d->region[i].start &&
		    (uint64_t)start + size <= (uint64_t)d->region[i].start + d->region[i].size)
			d->region[i].dirty = 1;
}

/* How long erasing every erasable page of alt takes; -1 when it has none. */
static int64_t sim_dfuse_mass_erase_ms(const struct sim_device *d, int alt)
{
	const struct dfuse_map *m = &d->maps[alt];
	uint64_t ms = 0;
	int j, any = 0;

	for (j = 0; j < m->n_segments; j++) {
		const struct dfuse_segment *g = &m->seg[j];

		if (!dfuse_segment_can(g, DFUSE_ERASABLE))
			continue;
		ms += (uint64_t)sim_erase_ms(&d->prof, g->page_size) * g->n_pages;
		any = 1;
	}
	if (!any)
		return -1;
	if (d->prof.mass_erase_ms)
		return d->prof.mass_erase_ms;
	return ms > 0xffffff ? 0xffffff : (int64_t)ms;
}

/* Erase every erasable page of the current alt. */
static void sim_dfuse_mass_erase(struct sim_device *d)
{
	const struct dfuse_map *m = &d->maps[d->alt];
	int j;

	for (j = 0; j < m->n_segments; j++)
		if (dfuse_segment_can(&m->seg[j], DFUSE_ERASABLE))
			sim_dfuse_erase_range(d, m->seg[j].start,
					      m->seg[j].last - m->seg[j].start + 1);
}

/*
 * Leave DFU mode (after a leave request): run the application.  The ST
 * bootloaders' applications have no DFU interface, so unless the profile
 * gives run-time ids the device leaves the DFU list; after_manifest = idle
 * models a bootloader that finds no valid application and comes back.
 */
static void sim_dfuse_leave(struct sim_device *d)
{
	d->pending = SIM_PENDING_NONE;
	if (d->prof.after_manifest == SIM_AFTER_IDLE) {
		sim_enter_dfu(d);
		return;
	}
	if (d->prof.after_manifest == SIM_AFTER_RUNTIME && d->prof.has_runtime) {
		d->mode = SIM_MODE_RUNTIME;
		d->state = DFU_STATE_APP_IDLE;
		d->status = DFU_STATUS_OK;
		d->alt = 0;
		d->busy_until_us = 0;
		d->generation++;
		d->devnum = 0;
		return;
	}
	d->gone = 1;
	d->generation++;
}

static uint32_t sim_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Record a failed command or block: dfuERROR with status after the busy
 * time ms (0 when it was refused before touching the memory).
 */
static void sim_dfuse_fail(struct sim_device *d, int status, uint32_t ms)
{
	d->pending_status = status;
	d->pending_ms = ms;
	sim_note(d, "error=%s", dfu_status_name(status));
}

/* Write a data block the way NOR flash does: bits can only be cleared. */
static void sim_dfuse_program(struct sim_device *d, uint32_t addr, unsigned char *mem,
			      const unsigned char *data, uint16_t len)
{
	uint32_t bad = 0, first = 0;
	uint16_t i;
	int r;

	for (i = 0; i < len; i++) {
		if ((mem[i] & data[i]) != data[i] && bad++ == 0)
			first = addr + i;
		mem[i] &= data[i];
	}
	if (d->flip_pending) {
		/* a weak cell: the block reads back with its first bit inverted */
		mem[0] ^= 0x01;
		d->flip_pending = 0;
	}
	for (r = 0; r < d->n_regions; r++)
		if (d->region[r].alt == d->alt && addr >= d->region[r].start &&
		    (uint64_t)addr + len <= (uint64_t)d->region[r].start + d->region[r].size)
			d->region[r].dirty = 1;
	if (bad) {
		/*
		 * The cells now hold old AND new, which is not what was sent:
		 * a bootloader that reads back reports errVERIFY.
		 */
		d->count.violations++;
		sim_note(d, "VIOLATION addr=0x%08lx bytes=%lu", (unsigned long)first,
			 (unsigned long)bad);
		sim_dfuse_fail(d, DFU_STATUS_ERR_VERIFY, d->prof.write_ms);
	}
}

/* DNLOAD wBlockNum 0: a command, taken now and reported by the next GETSTATUS. */
static int sim_dfuse_command(struct sim_device *d, const unsigned char *data, uint16_t wLength)
{
	const struct dfuse_segment *g;
	uint32_t addr = wLength >= 5 ? sim_le32(data + 1) : 0;
	int64_t ms;

	d->pending = SIM_PENDING_DONE;
	d->pending_status = DFU_STATUS_OK;
	if (data[0] == 0x21 && wLength == 5) {
		sim_note(d, "cmd=SET_ADDRESS addr=0x%08lx", (unsigned long)addr);
		d->pending_ms = d->prof.set_address_ms;
		if (!dfuse_map_find(&d->maps[d->alt], addr))
			sim_dfuse_fail(d, DFU_STATUS_ERR_TARGET, 0);
		else
			d->address = addr;
	} else if (data[0] == 0x41 && wLength == 5) {
		sim_note(d, "cmd=ERASE addr=0x%08lx", (unsigned long)addr);
		g = dfuse_map_find(&d->maps[d->alt], addr);
		if (!g || !dfuse_segment_can(g, DFUSE_ERASABLE)) {
			sim_dfuse_fail(d, DFU_STATUS_ERR_TARGET, 0);
		} else {
			sim_dfuse_erase_range(d, dfuse_segment_page_start(g, addr), g->page_size);
			d->pending_ms = sim_erase_ms(&d->prof, g->page_size);
		}
	} else if (data[0] == 0x41 && wLength == 1) {
		sim_note(d, "cmd=MASS_ERASE");
		ms = sim_dfuse_mass_erase_ms(d, d->alt);
		if (ms < 0) {
			sim_dfuse_fail(d, DFU_STATUS_ERR_TARGET, 0);
		} else {
			sim_dfuse_mass_erase(d);
			d->pending_ms = (uint32_t)ms;
		}
	} else if (data[0] == 0x92 && wLength == 1) {
		sim_note(d, "cmd=READ_UNPROTECT");
		/* the erase comes with the reset, after the status reply */
		d->pending = SIM_PENDING_UNPROTECT;
		/* the internal flash, alt 0 on ST bootloaders, whatever the alt */
		ms = sim_dfuse_mass_erase_ms(d, 0);
		d->pending_ms = ms < 0 ? 0 : (uint32_t)ms;
	} else {
		/* AN2662: an unsupported command stalls (dfuERROR, errSTALLEDPKT) */
		sim_note(d, "cmd=UNKNOWN code=0x%02x len=%u", data[0], (unsigned int)wLength);
		d->pending = SIM_PENDING_NONE;
		return sim_stall(d);
	}
	d->block_done = 0;
	d->state = DFU_STATE_DFU_DNLOAD_SYNC;
	return wLength;
}

static int sim_dfuse_dnload(struct sim_device *d, uint16_t wValue, const unsigned char *data,
			    uint16_t wLength)
{
	uint64_t addr;
	unsigned char *mem;

	if (!(d->prof.attributes & DFU_ATTR_CAN_DNLOAD) || wLength > d->prof.transfer_size ||
	    (d->state != DFU_STATE_DFU_IDLE && d->state != DFU_STATE_DFU_DNLOAD_IDLE))
		return sim_stall(d);

	if (wLength == 0) {
		/* AN3156 "Leave DFU mode": jump to the application at the pointer */
		sim_note(d, "cmd=LEAVE addr=0x%08lx", (unsigned long)d->address);
		if (!d->prof.leave_status) {
			/* some bootloaders go at once: the GETSTATUS finds nobody */
			sim_dfuse_leave(d);
			return 0;
		}
		if (d->prof.leave_status == 2) {
			/* others jump away on the setup packet: the request never ends */
			sim_dfuse_leave(d);
			d->unanswered = 1;
			return 0;
		}
		d->pending = SIM_PENDING_LEAVE;
		d->state = DFU_STATE_DFU_MANIFEST_SYNC;
		return 0;
	}
	if (wValue == 0)
		return sim_dfuse_command(d, data, wLength);
	if (wValue == 1)
		return sim_stall(d);	/* neither a command nor a data block */

	addr = d->address + (uint64_t)(wValue - 2) * sim_dfuse_stride(d, wLength);
	sim_note(d, "cmd=WRITE addr=0x%08llx len=%u", (unsigned long long)addr,
		 (unsigned int)wLength);
	d->pending = SIM_PENDING_DONE;
	d->pending_status = DFU_STATUS_OK;
	d->pending_ms = d->prof.write_ms;
	mem = sim_dfuse_span(d, addr, wLength, DFUSE_WRITABLE);
	if (!mem)
		sim_dfuse_fail(d, DFU_STATUS_ERR_TARGET, 0);
	else
		sim_dfuse_program(d, (uint32_t)addr, mem, data, wLength);
	d->block_done = 0;
	d->state = DFU_STATE_DFU_DNLOAD_SYNC;
	return wLength;
}

static int sim_dfuse_upload(struct sim_device *d, uint16_t wValue, unsigned char *data,
			    uint16_t wLength)
{
	static const unsigned char commands[] = { 0x00, 0x21, 0x41, 0x92 };
	unsigned char *mem;
	uint64_t addr;
	uint16_t n;

	if (!(d->prof.attributes & DFU_ATTR_CAN_UPLOAD) || wLength == 0 ||
	    wLength > d->prof.transfer_size ||
	    (d->state != DFU_STATE_DFU_IDLE && d->state != DFU_STATE_DFU_UPLOAD_IDLE))
		return sim_stall(d);
	if (wValue == 0) {
		sim_note(d, "cmd=GET_COMMANDS");
		n = wLength < sizeof(commands) ? wLength : (uint16_t)sizeof(commands);
		memcpy(data, commands, n);
		d->state = n < wLength ? DFU_STATE_DFU_IDLE : DFU_STATE_DFU_UPLOAD_IDLE;
		return n;
	}
	if (wValue == 1)
		return sim_stall(d);
	addr = d->address + (uint64_t)(wValue - 2) * sim_dfuse_stride(d, wLength);
	sim_note(d, "cmd=READ addr=0x%08llx len=%u", (unsigned long long)addr,
		 (unsigned int)wLength);
	mem = sim_dfuse_span(d, addr, wLength, DFUSE_READABLE);
	if (!mem) {
		sim_note(d, "error=%s", dfu_status_name(DFU_STATUS_ERR_TARGET));
		d->count.stalls++;
		d->state = DFU_STATE_DFU_ERROR;
		d->status = DFU_STATUS_ERR_TARGET;
		return SIM_STALL;
	}
	memcpy(data, mem, wLength);
	d->state = DFU_STATE_DFU_UPLOAD_IDLE;
	return wLength;
}

static int sim_dfuse_getstatus(struct sim_device *d, uint64_t now_us, unsigned char *data,
			       uint16_t wLength)
{
	uint32_t ms;
	int n;

	switch (d->state) {
	case DFU_STATE_DFU_DNLOAD_SYNC:
		if (d->block_done) {
			d->block_done = 0;
			d->state = DFU_STATE_DFU_DNLOAD_IDLE;
			break;
		}
		/* the command or block runs now: busy for its time, and says so */
		ms = d->pending_ms;
		d->state = DFU_STATE_DFU_DNBUSY;
		sim_make_busy(d, now_us, ms);
		d->last_poll_ms = ms;
		n = sim_reply_status(d, data, wLength, ms);
		if (d->pending == SIM_PENDING_UNPROTECT) {
			/* AN3156: the device mass-erases its flash and resets */
			int alt = d->alt;

			d->alt = 0;
			sim_dfuse_mass_erase(d);
			d->alt = alt;
			d->count.resets++;
			sim_enter_dfu(d);
			d->away_until_us = now_us + (uint64_t)ms * US_PER_MS;
		}
		return n;
	case DFU_STATE_DFU_DNBUSY:
		if (d->busy_forever) {
			/* a hung command: always "a little longer" */
			ms = d->pending_ms ? d->pending_ms : d->prof.poll_timeout_ms;
			sim_make_busy(d, now_us, ms);
			return sim_reply_status(d, data, wLength, ms);
		}
		/* polled early: the time still left, rounded up */
		ms = (uint32_t)((d->busy_until_us - now_us + US_PER_MS - 1) / US_PER_MS);
		d->last_poll_ms = ms;
		return sim_reply_status(d, data, wLength, ms);
	case DFU_STATE_DFU_MANIFEST_SYNC:
		if (d->pending == SIM_PENDING_LEAVE) {
			/* answer dfuMANIFEST, then jump to the application */
			d->state = DFU_STATE_DFU_MANIFEST;
			n = sim_reply_status(d, data, wLength, d->prof.manifest_ms);
			sim_dfuse_leave(d);
			return n;
		}
		break;
	default:
		break;
	}
	/* idle_poll: a firmware that leaves its last bwPollTimeout in the reply */
	return sim_reply_status(d, data, wLength,
				d->prof.idle_poll && d->state == DFU_STATE_DFU_DNLOAD_IDLE ?
				d->last_poll_ms : 0);
}

/* GETSTATE: legal in every state that answers at all, changes nothing. */
static int sim_getstate(struct sim_device *d, unsigned char *data, uint16_t wLength)
{
	if (wLength < 1)
		return sim_stall(d);
	data[0] = (unsigned char)d->state;
	return 1;
}

static int sim_control_runtime(struct sim_device *d, uint64_t now_us, uint8_t bRequest,
			       uint16_t wValue, unsigned char *data, uint16_t wLength)
{
	uint32_t ms;

	switch (bRequest) {
	case DFU_GETSTATUS:
		return sim_getstatus(d, now_us, data, wLength);
	case DFU_GETSTATE:
		return sim_getstate(d, data, wLength);
	case DFU_DETACH:
		if (d->state != DFU_STATE_APP_IDLE)
			return sim_stall(d);
		if (d->prof.attributes & DFU_ATTR_WILL_DETACH) {
			/* detach-attach sequence right away; the old address is gone */
			sim_enter_dfu(d);
			return 0;
		}
		ms = wValue < d->prof.detach_timeout ? wValue : d->prof.detach_timeout;
		if (d->prof.detach_self_ms)
			ms = d->prof.detach_self_ms;
		d->state = DFU_STATE_APP_DETACH;
		d->detach_until_us = now_us + (uint64_t)ms * US_PER_MS;
		return 0;
	default:
		return sim_stall(d);
	}
}

/* ------------------------------------------------------------ faults */

/* A DfuSe page erase command (not a mass erase)? */
static int sim_is_page_erase(uint8_t bRequest, uint16_t wValue, const unsigned char *data,
			     uint16_t wLength)
{
	return bRequest == DFU_DNLOAD && wValue == 0 && wLength == 5 && data && data[0] == 0x41;
}

/* Does [start, start + len) hold addr? */
static int sim_span_has(uint64_t start, uint32_t len, uint32_t addr)
{
	return addr >= start && addr < start + len;
}

/* Does this request touch the fault's address (a data block, a DfuSe erase)? */
static int sim_fault_address(const struct sim_device *d, uint8_t bRequest, uint16_t wValue,
			     const unsigned char *data, uint16_t wLength, uint32_t addr,
			     int erase_too)
{
	if (bRequest != DFU_DNLOAD && bRequest != DFU_UPLOAD)
		return 0;
	if (!d->maps) {
		uint64_t off = bRequest == DFU_DNLOAD ?
			       (d->state == DFU_STATE_DFU_IDLE ? 0 : d->dl_offset) :
			       (d->state == DFU_STATE_DFU_IDLE ? 0 : d->ul_offset);

		return wLength > 0 && sim_span_has(off, wLength, addr);
	}
	if (wValue >= 2)
		return sim_span_has(d->address +
				    (uint64_t)(wValue - 2) * sim_dfuse_stride(d, wLength),
				    wLength, addr);
	if (erase_too && bRequest == DFU_DNLOAD && wValue == 0 && wLength == 5 && data[0] == 0x41) {
		uint32_t a = sim_le32(data + 1);
		const struct dfuse_segment *g = dfuse_map_find(&d->maps[d->alt], a);

		return g && sim_span_has(dfuse_segment_page_start(g, a), g->page_size, addr);
	}
	return 0;
}

static int sim_fault_matches(const struct sim_device *d, const struct sim_fault *f,
			     uint8_t bRequest, uint16_t wValue, const unsigned char *data,
			     uint16_t wLength)
{
	switch (f->when) {
	case SIM_WHEN_REQUEST:
		return bRequest == f->request && d->count.requests[bRequest] == f->n;
	case SIM_WHEN_BLOCK:
		/* a data block: DfuSe block 0 is a command, plain block 0 is data */
		return bRequest == DFU_DNLOAD && wLength > 0 && wValue == f->n &&
		       (!d->maps || wValue >= 2);
	case SIM_WHEN_ERASE:
		return d->maps && sim_is_page_erase(bRequest, wValue, data, wLength) &&
		       d->count.erases == f->n;
	case SIM_WHEN_ADDRESS:
		/* only errERASE is about the erase of the page; the rest about data */
		return sim_fault_address(d, bRequest, wValue, data, wLength, f->n,
					 f->action == SIM_FAULT_STATUS &&
					 f->value == DFU_STATUS_ERR_ERASE);
	default:
		return 0;
	}
}

/*
 * Injected faults, before the device sees the request.  Returns 1 and the
 * result in *r when a fault answers the request instead of the device;
 * 0 lets the request through (after arranging what happens next).
 */
static int sim_faults(struct sim_device *d, uint8_t bRequest, uint16_t wValue,
		      const unsigned char *data, uint16_t wLength, int *r)
{
	int i;

	if (bRequest <= DFU_ABORT && (d->stall_always & (1u << bRequest))) {
		sim_note(d, "fault=stall");
		d->count.stalls++;
		*r = SIM_STALL;
		return 1;
	}
	for (i = 0; i < d->prof.n_faults; i++) {
		const struct sim_fault *f = &d->prof.fault[i];

		if (d->fault_fired[i] || !sim_fault_matches(d, f, bRequest, wValue, data, wLength))
			continue;
		d->fault_fired[i] = 1;
		switch (f->action) {
		case SIM_FAULT_STALL:
			/* lost on the way: the device's state does not change */
			sim_note(d, "fault=stall");
			d->count.stalls++;
			*r = SIM_STALL;
			return 1;
		case SIM_FAULT_STALL_ALWAYS:
			d->stall_always |= 1u << bRequest;
			sim_note(d, "fault=stall");
			d->count.stalls++;
			*r = SIM_STALL;
			return 1;
		case SIM_FAULT_GONE:
			sim_note(d, "fault=gone");
			d->gone = 1;
			d->generation++;
			*r = SIM_GONE;
			return 1;
		case SIM_FAULT_STATUS:
			sim_note(d, "fault=%s", dfu_status_name((int)f->value));
			if (bRequest == DFU_DNLOAD && wLength > 0 &&
			    (d->state == DFU_STATE_DFU_IDLE ||
			     d->state == DFU_STATE_DFU_DNLOAD_IDLE)) {
				/* taken, not carried out: the status wait says so */
				d->pending = SIM_PENDING_DONE;
				d->pending_status = (int)f->value;
				d->pending_ms = d->maps ? d->prof.write_ms : 0;
				d->block_done = 0;
				d->state = DFU_STATE_DFU_DNLOAD_SYNC;
				*r = wLength;
				return 1;
			}
			d->count.stalls++;
			d->state = DFU_STATE_DFU_ERROR;
			d->status = (int)f->value;
			*r = SIM_STALL;
			return 1;
		case SIM_FAULT_BUSY:
			sim_note(d, "fault=busy");
			d->busy_forever = 1;
			break;
		case SIM_FAULT_POLL:
			sim_note(d, "fault=poll");
			d->fault_poll = f->value + 1;
			break;
		case SIM_FAULT_SIGNAL:
			sim_note(d, "fault=signal");
			d->raise_signal = (int)f->value;
			break;
		case SIM_FAULT_FLIP:
			/* only a data block can be stored wrong */
			if (bRequest == DFU_DNLOAD && wLength > 0 && (!d->maps || wValue >= 2)) {
				sim_note(d, "fault=flip");
				d->flip_pending = 1;
			}
			break;
		default:
			break;
		}
	}
	return 0;
}

int sim_control(struct sim_device *d, uint64_t now_us, uint8_t bmRequestType, uint8_t bRequest,
		uint16_t wValue, uint16_t wIndex, unsigned char *data, uint16_t wLength)
{
	int fr;

	int in = (bmRequestType & RT_DIR_IN) != 0;
	int want_in;

	(void)wIndex;	/* the front end routes by interface */
	d->note[0] = '\0';
	if (d->gone)
		return SIM_GONE;
	sim_tick(d, now_us);
	if (d->gone)
		return SIM_GONE;
	if (bRequest <= DFU_ABORT)
		d->count.requests[bRequest]++;
	if (d->maps && sim_is_page_erase(bRequest, wValue, data, wLength))
		d->count.erases++;
	if (d->prof.n_faults && sim_faults(d, bRequest, wValue, data, wLength, &fr))
		return fr;

	if ((bmRequestType & RT_TYPE_MASK) != RT_TYPE_CLASS ||
	    (bmRequestType & RT_RECIP_MASK) != RT_RECIP_INTF || bRequest > DFU_ABORT)
		return sim_stall(d);
	want_in = bRequest == DFU_UPLOAD || bRequest == DFU_GETSTATUS || bRequest == DFU_GETSTATE;
	if (in != want_in)
		return sim_stall(d);

	/* A request in MANIFEST-WAIT-RESET gets no answer at all */
	if (d->state == DFU_STATE_DFU_MANIFEST_WAIT_RESET) {
		d->count.stalls++;
		return SIM_STALL;
	}
	if (d->mode == SIM_MODE_RUNTIME)
		return sim_control_runtime(d, now_us, bRequest, wValue, data, wLength);

	/* DFU 1.1: while busy the host may only ask for the status */
	if ((d->state == DFU_STATE_DFU_DNBUSY || d->state == DFU_STATE_DFU_MANIFEST) &&
	    bRequest != DFU_GETSTATUS)
		return sim_stall(d);

	if (d->maps) {
		switch (bRequest) {
		case DFU_GETSTATUS:
			return sim_dfuse_getstatus(d, now_us, data, wLength);
		case DFU_DNLOAD:
			return sim_dfuse_dnload(d, wValue, data, wLength);
		case DFU_UPLOAD:
			return sim_dfuse_upload(d, wValue, data, wLength);
		default:
			break;
		}
	}

	switch (bRequest) {
	case DFU_GETSTATUS:
		return sim_getstatus(d, now_us, data, wLength);
	case DFU_GETSTATE:
		return sim_getstate(d, data, wLength);
	case DFU_CLRSTATUS:
		if (d->state != DFU_STATE_DFU_ERROR)
			return sim_stall(d);
		sim_idle(d);
		d->status = DFU_STATUS_OK;
		return 0;
	case DFU_ABORT:
		if (d->state != DFU_STATE_DFU_IDLE && d->state != DFU_STATE_DFU_DNLOAD_IDLE &&
		    d->state != DFU_STATE_DFU_UPLOAD_IDLE)
			return sim_stall(d);
		sim_idle(d);
		return 0;
	case DFU_DNLOAD:
		return sim_dnload(d, wValue, data, wLength);
	case DFU_UPLOAD:
		return sim_upload(d, data, wLength);
	case DFU_DETACH:
		/*
		 * Arduino's boot loaders start the application on DETACH
		 * in dfuIDLE (what their dfu-util's -Q sends); DFU 1.1 has
		 * it as a run-time request only, so other devices stall.
		 */
		if (d->prof.detach_in_dfu && d->state == DFU_STATE_DFU_IDLE) {
			if (d->fw_valid)
				sim_leave_dfu(d);
			return 0;
		}
		return sim_stall(d);
	default:
		return sim_stall(d);
	}
}

int sim_bus_reset(struct sim_device *d, uint64_t now_us)
{
	if (d->gone)
		return SIM_GONE;
	sim_tick(d, now_us);
	if (d->gone)
		return SIM_GONE;
	d->count.resets++;

	if (d->mode == SIM_MODE_RUNTIME) {
		if (d->state == DFU_STATE_APP_DETACH && d->prof.detach_self_ms) {
			/* the reset cuts its restart short: the application runs on */
			d->state = DFU_STATE_APP_IDLE;
			d->detach_until_us = 0;
			return 0;
		}
		if (d->state == DFU_STATE_APP_DETACH) {
			sim_enter_dfu(d);
			return 1;
		}
		return 0;	/* appIDLE: the application just restarts its USB stack */
	}
	if (d->maps) {
		/*
		 * A DfuSe bootloader only leaves on the leave request: a bus
		 * reset restarts its USB stack, back in dfuIDLE at the same address.
		 */
		d->state = DFU_STATE_DFU_IDLE;
		d->status = DFU_STATUS_OK;
		d->busy_until_us = 0;
		d->alt = 0;
		sim_dfuse_reset_pointer(d);
		return 0;
	}
	if (!d->fw_valid) {
		/* reset mid-download: the firmware is not usable, stay in DFU */
		d->state = DFU_STATE_DFU_ERROR;
		d->status = DFU_STATUS_ERR_FIRMWARE;
		d->busy_until_us = 0;
		d->alt = 0;
		return 0;
	}
	return sim_leave_dfu(d);
}

int sim_set_alt(struct sim_device *d, int alt)
{
	if (d->gone)
		return SIM_GONE;
	if (alt < 0 || alt >= sim_num_alts(d))
		return SIM_STALL;
	d->alt = alt;
	return 0;
}
