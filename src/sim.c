/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * The simulated DFU device.  The state machine follows the interface state
 * summary of USB DFU 1.1 (appendix A.2): a request that is not legal in the
 * current state stalls the control pipe and, in DFU mode, sends the device
 * to dfuERROR with errSTALLEDPKT, which only DFU_CLRSTATUS leaves.
 */

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
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

int sim_init(struct sim_device *d, const struct sim_profile *p)
{
	memset(d, 0, sizeof(*d));
	d->prof = *p;
	d->n_regions = 1;
	d->region[0].start = 0;
	d->region[0].size = p->memory_size;
	/* calloc(0) may return NULL; a device without memory still needs a buffer */
	d->region[0].data = malloc(p->memory_size ? p->memory_size : 1);
	if (!d->region[0].data) {
		log_error("simulated device %s: out of memory for %lu bytes", p->name,
			  (unsigned long)p->memory_size);
		return DFU_E_NOMEM;
	}
	sim_fill_pattern(d->region[0].data, p->memory_size, 0x5d1f0000u);
	d->region[0].image_size = p->firmware_size;
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

static void sim_enter_dfu(struct sim_device *d)
{
	d->mode = SIM_MODE_DFU;
	d->state = DFU_STATE_DFU_IDLE;
	d->status = DFU_STATUS_OK;
	d->alt = 0;
	d->dl_block = 0;
	d->dl_offset = 0;
	d->ul_offset = 0;
	d->busy_until_us = 0;
	d->detach_until_us = 0;
	d->generation++;
	d->devnum = 0;
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
		d->state = DFU_STATE_DFU_IDLE;
		d->status = DFU_STATUS_OK;
		d->alt = 0;
		d->dl_block = 0;
		d->dl_offset = 0;
		d->ul_offset = 0;
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
		/* A.2.2: timer ran out, a later reset will not start DFU */
		d->state = DFU_STATE_APP_IDLE;
		d->detach_until_us = 0;
	}
	if (d->state == DFU_STATE_DFU_DNBUSY && now_us >= d->busy_until_us) {
		d->state = DFU_STATE_DFU_DNLOAD_SYNC;
		d->block_done = 1;
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
		if (d->block_done || d->prof.dnload_busy_ms == 0) {
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

	if (!(d->prof.attributes & DFU_ATTR_CAN_DNLOAD) || wLength > d->prof.transfer_size)
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
	    wLength > d->prof.transfer_size)
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

static int sim_control_runtime(struct sim_device *d, uint64_t now_us, uint8_t bRequest,
			       uint16_t wValue, unsigned char *data, uint16_t wLength)
{
	uint32_t ms;

	switch (bRequest) {
	case DFU_GETSTATUS:
		return sim_getstatus(d, now_us, data, wLength);
	case DFU_GETSTATE:
		if (wLength < 1)
			return sim_stall(d);
		data[0] = (unsigned char)d->state;
		return 1;
	case DFU_DETACH:
		if (d->state != DFU_STATE_APP_IDLE)
			return sim_stall(d);
		if (d->prof.attributes & DFU_ATTR_WILL_DETACH) {
			/* detach-attach sequence right away; the old address is gone */
			sim_enter_dfu(d);
			return 0;
		}
		ms = wValue < d->prof.detach_timeout ? wValue : d->prof.detach_timeout;
		d->state = DFU_STATE_APP_DETACH;
		d->detach_until_us = now_us + (uint64_t)ms * US_PER_MS;
		return 0;
	default:
		return sim_stall(d);
	}
}

int sim_control(struct sim_device *d, uint64_t now_us, uint8_t bmRequestType, uint8_t bRequest,
		uint16_t wValue, uint16_t wIndex, unsigned char *data, uint16_t wLength)
{
	int in = (bmRequestType & RT_DIR_IN) != 0;
	int want_in;

	(void)wIndex;	/* the front end routes by interface */
	if (d->gone)
		return SIM_GONE;
	sim_tick(d, now_us);
	if (d->gone)
		return SIM_GONE;
	if (bRequest <= DFU_ABORT)
		d->count.requests[bRequest]++;

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

	switch (bRequest) {
	case DFU_GETSTATUS:
		return sim_getstatus(d, now_us, data, wLength);
	case DFU_GETSTATE:
		if (wLength < 1)
			return sim_stall(d);
		data[0] = (unsigned char)d->state;
		return 1;
	case DFU_CLRSTATUS:
		if (d->state != DFU_STATE_DFU_ERROR)
			return sim_stall(d);
		d->state = DFU_STATE_DFU_IDLE;
		d->status = DFU_STATUS_OK;
		d->dl_block = 0;
		d->dl_offset = 0;
		d->ul_offset = 0;
		return 0;
	case DFU_ABORT:
		if (d->state != DFU_STATE_DFU_IDLE && d->state != DFU_STATE_DFU_DNLOAD_IDLE &&
		    d->state != DFU_STATE_DFU_UPLOAD_IDLE)
			return sim_stall(d);
		d->state = DFU_STATE_DFU_IDLE;
		d->dl_block = 0;
		d->dl_offset = 0;
		d->ul_offset = 0;
		return 0;
	case DFU_DNLOAD:
		return sim_dnload(d, wValue, data, wLength);
	case DFU_UPLOAD:
		return sim_upload(d, data, wLength);
	case DFU_DETACH:
	default:
		/* DETACH is a run-time request only */
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
		if (d->state == DFU_STATE_APP_DETACH) {
			sim_enter_dfu(d);
			return 1;
		}
		return 0;	/* appIDLE: the application just restarts its USB stack */
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
