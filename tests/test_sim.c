/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * Unit tests of the simulated DFU device: the model (sim.c) against the
 * DFU 1.1 state machine, the profile parser and the descriptor builder
 * (sim_profile.c), and the USB seam backed by it (usb_sim.c) including
 * the state directory and the virtual clock.
 */

#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dfu_proto.h"
#include "errors.h"
#include "log.h"
#include "sim/sim.h"
#include "usb.h"

#define MS(x) ((uint64_t)(x) * 1000u)
#define OUT DFU_RT_OUT
#define IN DFU_RT_IN

/* ------------------------------------------------------------ helpers */

static void load(struct sim_device *d, const char *name, const char *over)
{
	struct sim_profile p;
	const char *text = sim_profile_builtin(name);

	assert_non_null(text);
	sim_profile_defaults(&p);
	assert_int_equal(sim_profile_parse(&p, text, name, 1, NULL), 0);
	if (over)
		assert_int_equal(sim_profile_parse(&p, over, "test override", 0, NULL), 0);
	assert_int_equal(sim_profile_finish(&p, name, NULL), 0);
	assert_int_equal(sim_init(d, &p, NULL), 0);
}

static int dn(struct sim_device *d, uint64_t t, uint16_t block, unsigned char *data, uint16_t len)
{
	return sim_control(d, t, OUT, DFU_DNLOAD, block, 0, data, len);
}

static int up(struct sim_device *d, uint64_t t, uint16_t block, unsigned char *data, uint16_t len)
{
	return sim_control(d, t, IN, DFU_UPLOAD, block, 0, data, len);
}

static void status(struct sim_device *d, uint64_t t, struct dfu_status_reply *st)
{
	unsigned char b[DFU_STATUS_LEN];

	assert_int_equal(sim_control(d, t, IN, DFU_GETSTATUS, 0, 0, b, sizeof(b)), 6);
	dfu_status_decode(b, st);
}

static int state(struct sim_device *d, uint64_t t)
{
	unsigned char b[1];

	assert_int_equal(sim_control(d, t, IN, DFU_GETSTATE, 0, 0, b, 1), 1);
	return b[0];
}

static int simple(struct sim_device *d, uint64_t t, uint8_t req, uint16_t val)
{
	return sim_control(d, t, OUT, req, val, 0, NULL, 0);
}

/* ------------------------------------------------------------ the model */

static void test_download_sequence(void **unused)
{
	struct sim_device d;
	struct dfu_status_reply st;
	unsigned char blk[1024], buf[1024];
	uint64_t t = 0;
	int i;

	(void)unused;
	load(&d, "dfu-plain", NULL);
	assert_int_equal(d.state, DFU_STATE_DFU_IDLE);

	for (i = 0; i < 3; i++) {
		memset(blk, 0xa0 + i, sizeof(blk));
		assert_int_equal(dn(&d, t, (uint16_t)i, blk, sizeof(blk)), 1024);
		assert_int_equal(d.state, DFU_STATE_DFU_DNLOAD_SYNC);
		status(&d, t, &st);
		assert_int_equal(st.bState, DFU_STATE_DFU_DNBUSY);
		assert_int_equal(st.bStatus, DFU_STATUS_OK);
		assert_int_equal(st.bwPollTimeout, 5);
		/* polled too early: still busy, same poll timeout */
		status(&d, t + MS(2), &st);
		assert_int_equal(st.bState, DFU_STATE_DFU_DNBUSY);
		assert_int_equal(st.bwPollTimeout, 5);
		t += MS(5);
		status(&d, t, &st);
		assert_int_equal(st.bState, DFU_STATE_DFU_DNLOAD_IDLE);
	}
	assert_int_equal(d.count.busy_us, MS(15));
	assert_int_equal(dn(&d, t, 3, NULL, 0), 0);
	assert_int_equal(d.state, DFU_STATE_DFU_MANIFEST_SYNC);
	status(&d, t, &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_MANIFEST);
	assert_int_equal(st.bwPollTimeout, 20);
	/* polled early: the time left */
	status(&d, t + MS(12) + 500, &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_MANIFEST);
	assert_int_equal(st.bwPollTimeout, 8);
	t += MS(20);
	assert_int_equal(state(&d, t), DFU_STATE_DFU_MANIFEST_SYNC);
	status(&d, t, &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_IDLE);
	assert_int_equal(d.region[0].image_size, 3072);
	assert_int_equal(d.region[0].data[1024], 0xa1);

	/* the upload returns what was downloaded */
	assert_int_equal(up(&d, t, 0, buf, 1024), 1024);
	assert_int_equal(buf[0], 0xa0);
	assert_int_equal(up(&d, t, 1, buf, 1024), 1024);
	assert_int_equal(up(&d, t, 2, buf, 1024), 1024);
	assert_int_equal(buf[1023], 0xa2);
	assert_int_equal(d.state, DFU_STATE_DFU_UPLOAD_IDLE);
	assert_int_equal(up(&d, t, 3, buf, 1024), 0);
	assert_int_equal(d.state, DFU_STATE_DFU_IDLE);
	sim_free(&d);
}

static void test_block_wrap(void **unused)
{
	struct sim_device d;
	struct dfu_status_reply st;
	unsigned char b[1] = { 0x55 };
	unsigned int i;

	(void)unused;
	/* 65537 one-byte blocks: the number goes 65535 -> 0 -> 1 */
	load(&d, "dfu-plain", "transfer_size = 1\ndnload_busy_ms = 0\n");
	for (i = 0; i < 65538u; i++) {
		assert_int_equal(dn(&d, 0, (uint16_t)i, b, 1), 1);
		status(&d, 0, &st);
		assert_int_equal(st.bState, DFU_STATE_DFU_DNLOAD_IDLE);
	}
	assert_int_equal(d.region[0].image_size, 65538);
	sim_free(&d);
}

static void test_block_number_mismatch(void **unused)
{
	struct sim_device d;
	struct dfu_status_reply st;
	unsigned char blk[16] = { 0 };

	(void)unused;
	load(&d, "dfu-plain", NULL);
	/* a download must start at block 0 */
	assert_int_equal(dn(&d, 0, 1, blk, sizeof(blk)), SIM_STALL);
	assert_int_equal(d.state, DFU_STATE_DFU_ERROR);
	assert_int_equal(simple(&d, 0, DFU_CLRSTATUS, 0), 0);

	assert_int_equal(dn(&d, 0, 0, blk, sizeof(blk)), 16);
	status(&d, 0, &st);
	status(&d, MS(5), &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_DNLOAD_IDLE);
	assert_int_equal(dn(&d, MS(5), 2, blk, sizeof(blk)), SIM_STALL);
	status(&d, MS(5), &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_ERROR);
	assert_int_equal(st.bStatus, DFU_STATUS_ERR_STALLEDPKT);
	sim_free(&d);
}

static void test_transfer_size_stall(void **unused)
{
	struct sim_device d;
	struct dfu_status_reply st;
	static unsigned char big[1025];

	(void)unused;
	load(&d, "dfu-plain", NULL);
	assert_int_equal(dn(&d, 0, 0, big, 1025), SIM_STALL);
	status(&d, 0, &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_ERROR);
	assert_int_equal(st.bStatus, DFU_STATUS_ERR_STALLEDPKT);
	assert_int_equal(simple(&d, 0, DFU_CLRSTATUS, 0), 0);
	assert_int_equal(up(&d, 0, 0, big, 1025), SIM_STALL);
	assert_int_equal(d.state, DFU_STATE_DFU_ERROR);
	sim_free(&d);
}

static void test_illegal_and_clrstatus(void **unused)
{
	struct sim_device d;
	struct dfu_status_reply st;

	(void)unused;
	load(&d, "dfu-plain", NULL);
	/* CLRSTATUS is only legal in dfuERROR */
	assert_int_equal(simple(&d, 0, DFU_CLRSTATUS, 0), SIM_STALL);
	status(&d, 0, &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_ERROR);
	assert_int_equal(st.bStatus, DFU_STATUS_ERR_STALLEDPKT);
	/* only CLRSTATUS leaves dfuERROR */
	assert_int_equal(simple(&d, 0, DFU_ABORT, 0), SIM_STALL);
	assert_int_equal(d.state, DFU_STATE_DFU_ERROR);
	assert_int_equal(simple(&d, 0, DFU_CLRSTATUS, 0), 0);
	status(&d, 0, &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_IDLE);
	assert_int_equal(st.bStatus, DFU_STATUS_OK);
	/* DETACH is a run-time request */
	assert_int_equal(simple(&d, 0, DFU_DETACH, 100), SIM_STALL);
	assert_int_equal(d.state, DFU_STATE_DFU_ERROR);
	assert_int_equal(simple(&d, 0, DFU_CLRSTATUS, 0), 0);
	/* wrong direction, unknown request */
	assert_int_equal(sim_control(&d, 0, IN, DFU_ABORT, 0, 0, NULL, 0), SIM_STALL);
	assert_int_equal(simple(&d, 0, DFU_CLRSTATUS, 0), 0);
	assert_int_equal(simple(&d, 0, 7, 0), SIM_STALL);
	assert_int_equal(d.state, DFU_STATE_DFU_ERROR);
	/* zero-length DNLOAD in dfuIDLE */
	assert_int_equal(simple(&d, 0, DFU_CLRSTATUS, 0), 0);
	assert_int_equal(dn(&d, 0, 0, NULL, 0), SIM_STALL);
	assert_int_equal(d.status, DFU_STATUS_ERR_STALLEDPKT);
	assert_int_equal(d.count.stalls, 6);
	sim_free(&d);
}

static void test_dnbusy_only_getstatus(void **unused)
{
	struct sim_device d;
	struct dfu_status_reply st;
	unsigned char blk[8] = { 0 }, b[1];

	(void)unused;
	load(&d, "dfu-plain", NULL);
	assert_int_equal(dn(&d, 0, 0, blk, 8), 8);
	/* GETSTATE in DNLOAD-SYNC is fine, ABORT is not */
	assert_int_equal(state(&d, 0), DFU_STATE_DFU_DNLOAD_SYNC);
	status(&d, 0, &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_DNBUSY);
	assert_int_equal(sim_control(&d, MS(1), IN, DFU_GETSTATE, 0, 0, b, 1), SIM_STALL);
	assert_int_equal(d.state, DFU_STATE_DFU_ERROR);

	assert_int_equal(simple(&d, MS(1), DFU_CLRSTATUS, 0), 0);
	assert_int_equal(dn(&d, MS(1), 0, blk, 8), 8);
	assert_int_equal(simple(&d, MS(1), DFU_ABORT, 0), SIM_STALL);
	assert_int_equal(d.status, DFU_STATUS_ERR_STALLEDPKT);
	sim_free(&d);
}

static void test_abort(void **unused)
{
	struct sim_device d;
	struct dfu_status_reply st;
	unsigned char buf[1024];

	(void)unused;
	load(&d, "dfu-plain", NULL);
	assert_int_equal(up(&d, 0, 0, buf, 1024), 1024);
	assert_int_equal(d.state, DFU_STATE_DFU_UPLOAD_IDLE);
	assert_int_equal(simple(&d, 0, DFU_ABORT, 0), 0);
	assert_int_equal(d.state, DFU_STATE_DFU_IDLE);
	/* DNLOAD in UPLOAD-IDLE is illegal */
	assert_int_equal(up(&d, 0, 0, buf, 1024), 1024);
	assert_int_equal(dn(&d, 0, 0, buf, 16), SIM_STALL);
	assert_int_equal(simple(&d, 0, DFU_CLRSTATUS, 0), 0);
	/* ABORT from DNLOAD-IDLE */
	assert_int_equal(dn(&d, 0, 0, buf, 16), 16);
	status(&d, 0, &st);
	status(&d, MS(5), &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_DNLOAD_IDLE);
	assert_int_equal(simple(&d, MS(5), DFU_ABORT, 0), 0);
	assert_int_equal(state(&d, MS(5)), DFU_STATE_DFU_IDLE);
	/* and the next download starts over at block 0 */
	assert_int_equal(dn(&d, MS(5), 0, buf, 16), 16);
	sim_free(&d);
}

static void test_upload_short_block(void **unused)
{
	struct sim_device d;
	unsigned char buf[1024], expect[2500];

	(void)unused;
	load(&d, "dfu-plain", "firmware_size = 2500\n");
	memcpy(expect, d.region[0].data, sizeof(expect));
	assert_int_equal(up(&d, 0, 0, buf, 1024), 1024);
	assert_memory_equal(buf, expect, 1024);
	assert_int_equal(up(&d, 0, 1, buf, 1024), 1024);
	assert_int_equal(d.state, DFU_STATE_DFU_UPLOAD_IDLE);
	assert_int_equal(up(&d, 0, 2, buf, 1024), 452);
	assert_memory_equal(buf, expect + 2048, 452);
	assert_int_equal(d.state, DFU_STATE_DFU_IDLE);
	/* a new upload starts at the beginning again */
	assert_int_equal(up(&d, 0, 0, buf, 100), 100);
	assert_memory_equal(buf, expect, 100);
	sim_free(&d);
}

static void test_upload_unsupported(void **unused)
{
	struct sim_device d;
	unsigned char buf[64];

	(void)unused;
	load(&d, "dfu-plain", "attributes = 0x05\n");
	assert_int_equal(up(&d, 0, 0, buf, 64), SIM_STALL);
	assert_int_equal(d.state, DFU_STATE_DFU_ERROR);
	sim_free(&d);
	load(&d, "dfu-plain", "attributes = 0x06\n");
	assert_int_equal(dn(&d, 0, 0, buf, 64), SIM_STALL);
	assert_int_equal(d.state, DFU_STATE_DFU_ERROR);
	sim_free(&d);
}

static void test_address_error(void **unused)
{
	struct sim_device d;
	struct dfu_status_reply st;
	unsigned char blk[1024];

	(void)unused;
	load(&d, "dfu-plain", "memory_size = 1536\nfirmware_size = 0\ndnload_busy_ms = 0\n");
	memset(blk, 1, sizeof(blk));
	assert_int_equal(dn(&d, 0, 0, blk, 1024), 1024);
	status(&d, 0, &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_DNLOAD_IDLE);
	assert_int_equal(dn(&d, 0, 1, blk, 1024), 1024);
	status(&d, 0, &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_ERROR);
	assert_int_equal(st.bStatus, DFU_STATUS_ERR_ADDRESS);
	/* nothing beyond the first block was written */
	assert_int_equal(d.region[0].image_size, 1024);
	assert_int_not_equal(d.region[0].data[1024], 1);
	sim_free(&d);
}

/* Download one short block and finish: returns the time after manifest. */
static uint64_t download_small(struct sim_device *d, uint64_t t)
{
	struct dfu_status_reply st;
	unsigned char blk[16];

	memset(blk, 0x3c, sizeof(blk));
	assert_int_equal(dn(d, t, 0, blk, 16), 16);
	status(d, t, &st);
	t += MS(st.bwPollTimeout);
	status(d, t, &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_DNLOAD_IDLE);
	assert_int_equal(dn(d, t, 1, NULL, 0), 0);
	status(d, t, &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_MANIFEST);
	return t + MS(d->prof.manifest_ms);
}

static void test_intolerant_reset(void **unused)
{
	struct sim_device d;
	unsigned char b[DFU_STATUS_LEN];
	unsigned int gen;
	uint64_t t;

	(void)unused;
	load(&d, "dfu-intolerant", NULL);
	t = download_small(&d, 0);
	/* MANIFEST-WAIT-RESET: no answer to anything, not even GETSTATUS */
	assert_int_equal(sim_control(&d, t, IN, DFU_GETSTATUS, 0, 0, b, 6), SIM_STALL);
	assert_int_equal(d.state, DFU_STATE_DFU_MANIFEST_WAIT_RESET);
	assert_int_equal(simple(&d, t, DFU_CLRSTATUS, 0), SIM_STALL);
	assert_int_equal(d.state, DFU_STATE_DFU_MANIFEST_WAIT_RESET);
	gen = d.generation;
	/* no run-time mode in this profile: back to dfuIDLE */
	assert_int_equal(sim_bus_reset(&d, t), 0);
	assert_int_equal(d.state, DFU_STATE_DFU_IDLE);
	assert_int_equal(d.generation, gen);
	assert_int_equal(d.region[0].image_size, 16);
	sim_free(&d);

	/* with a run-time mode the application comes back, re-enumerated */
	load(&d, "runtime", "attributes = 0x03\nstate = dfuIDLE\n");
	t = download_small(&d, 0);
	sim_tick(&d, t);
	assert_int_equal(d.state, DFU_STATE_DFU_MANIFEST_WAIT_RESET);
	gen = d.generation;
	assert_int_equal(sim_bus_reset(&d, t), 1);
	assert_int_equal(d.mode, SIM_MODE_RUNTIME);
	assert_int_equal(d.state, DFU_STATE_APP_IDLE);
	assert_int_equal(d.generation, gen + 1);
	assert_int_equal(d.devnum, 0);
	sim_free(&d);

	/* or it vanishes */
	load(&d, "dfu-intolerant", "after_manifest = vanish\n");
	t = download_small(&d, 0);
	assert_int_equal(sim_bus_reset(&d, t), SIM_GONE);
	assert_int_equal(sim_control(&d, t, IN, DFU_GETSTATUS, 0, 0, b, 6), SIM_GONE);
	sim_free(&d);
}

static void test_intolerant_will_detach(void **unused)
{
	struct sim_device d;
	struct dfu_status_reply st;
	uint64_t t;

	(void)unused;
	/* bitWillDetach: the device leaves DFU mode at the end of manifestation */
	load(&d, "runtime", "attributes = 0x0b\nstate = dfuIDLE\n");
	t = download_small(&d, 0);
	sim_tick(&d, t);
	assert_int_equal(d.mode, SIM_MODE_RUNTIME);
	status(&d, t, &st);
	assert_int_equal(st.bState, DFU_STATE_APP_IDLE);
	sim_free(&d);
}

static void test_reset_mid_download(void **unused)
{
	struct sim_device d;
	struct dfu_status_reply st;
	unsigned char blk[16] = { 0 };

	(void)unused;
	load(&d, "runtime", "state = dfuIDLE\n");
	assert_int_equal(dn(&d, 0, 0, blk, 16), 16);
	status(&d, 0, &st);
	status(&d, MS(5), &st);
	assert_int_equal(sim_bus_reset(&d, MS(5)), 0);
	assert_int_equal(d.mode, SIM_MODE_DFU);
	status(&d, MS(5), &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_ERROR);
	assert_int_equal(st.bStatus, DFU_STATUS_ERR_FIRMWARE);
	sim_free(&d);
}

static void test_runtime_detach_reset(void **unused)
{
	struct sim_device d;
	struct dfu_status_reply st;
	struct sim_descriptors ds;
	unsigned char buf[64];

	(void)unused;
	load(&d, "runtime", NULL);
	assert_int_equal(d.mode, SIM_MODE_RUNTIME);
	status(&d, 0, &st);
	assert_int_equal(st.bState, DFU_STATE_APP_IDLE);
	/* only DETACH, GETSTATUS and GETSTATE in run-time mode */
	assert_int_equal(up(&d, 0, 0, buf, 64), SIM_STALL);
	assert_int_equal(d.state, DFU_STATE_APP_IDLE);
	assert_int_equal(sim_bus_reset(&d, 0), 0);
	assert_int_equal(d.mode, SIM_MODE_RUNTIME);

	sim_build_descriptors(&d, &ds);
	assert_int_equal(ds.device[10] | ds.device[11] << 8, 0x6018);
	assert_int_equal(simple(&d, 0, DFU_DETACH, 500), 0);
	assert_int_equal(state(&d, MS(100)), DFU_STATE_APP_DETACH);
	assert_int_equal(sim_bus_reset(&d, MS(100)), 1);
	assert_int_equal(d.mode, SIM_MODE_DFU);
	assert_int_equal(d.state, DFU_STATE_DFU_IDLE);
	assert_int_equal(d.devnum, 0);
	sim_build_descriptors(&d, &ds);
	assert_int_equal(ds.device[10] | ds.device[11] << 8, 0x6017);
	assert_int_equal(ds.config[9 + 7], DFU_PROTOCOL_DFU);
	sim_free(&d);
}

static void test_detach_timer(void **unused)
{
	struct sim_device d;

	(void)unused;
	load(&d, "runtime", NULL);
	assert_int_equal(simple(&d, 0, DFU_DETACH, 500), 0);
	assert_int_equal(state(&d, MS(499)), DFU_STATE_APP_DETACH);
	/* timer ran out: back to appIDLE, a reset no longer starts DFU */
	assert_int_equal(state(&d, MS(500)), DFU_STATE_APP_IDLE);
	assert_int_equal(sim_bus_reset(&d, MS(600)), 0);
	assert_int_equal(d.mode, SIM_MODE_RUNTIME);

	/* wValue is capped by wDetachTimeOut (1000 ms) */
	assert_int_equal(simple(&d, MS(1000), DFU_DETACH, 60000), 0);
	assert_int_equal(state(&d, MS(1999)), DFU_STATE_APP_DETACH);
	assert_int_equal(state(&d, MS(2000)), DFU_STATE_APP_IDLE);
	/* a second DETACH while detaching stalls and ends the detach */
	assert_int_equal(simple(&d, MS(3000), DFU_DETACH, 500), 0);
	assert_int_equal(simple(&d, MS(3000), DFU_DETACH, 500), SIM_STALL);
	assert_int_equal(d.state, DFU_STATE_APP_IDLE);
	sim_free(&d);
}

static void test_will_detach(void **unused)
{
	struct sim_device d;
	unsigned int gen;

	(void)unused;
	load(&d, "runtime", "attributes = 0x0f\n");
	gen = d.generation;
	assert_int_equal(simple(&d, 0, DFU_DETACH, 500), 0);
	/* it re-enumerated by itself, no reset needed */
	assert_int_equal(d.generation, gen + 1);
	assert_int_equal(d.mode, SIM_MODE_DFU);
	assert_int_equal(d.state, DFU_STATE_DFU_IDLE);
	sim_free(&d);
}

static void test_initial_state(void **unused)
{
	struct sim_device d;
	struct dfu_status_reply st;
	unsigned char blk[4] = { 0 };

	(void)unused;
	load(&d, "dfu-plain", "state = dfuERROR\n");
	status(&d, 0, &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_ERROR);
	assert_int_equal(st.bStatus, DFU_STATUS_ERR_UNKNOWN);
	sim_free(&d);
	load(&d, "dfu-plain", "state = dfuERROR\nstatus = errADDRESS\n");
	status(&d, 0, &st);
	assert_int_equal(st.bStatus, DFU_STATUS_ERR_ADDRESS);
	sim_free(&d);
	/* mid-download: the next block is number 1 */
	load(&d, "dfu-plain", "state = dfuDNLOAD-IDLE\n");
	assert_int_equal(dn(&d, 0, 1, blk, 4), 4);
	assert_int_equal(d.state, DFU_STATE_DFU_DNLOAD_SYNC);
	sim_free(&d);
}

static void test_set_alt(void **unused)
{
	struct sim_device d;

	(void)unused;
	load(&d, "stm32f4", NULL);
	assert_int_equal(sim_num_alts(&d), 4);
	assert_int_equal(sim_set_alt(&d, 3), 0);
	assert_int_equal(d.alt, 3);
	assert_int_equal(sim_set_alt(&d, 4), SIM_STALL);
	assert_int_equal(d.alt, 3);
	sim_free(&d);
}

/* ------------------------------------------------------------ profiles */

static void test_profile_parse_good(void **unused)
{
	struct sim_profile p;
	static const char text[] =
		"# a comment\n"
		"   \n"
		"name = mine\n"
		"vendor=0x1234\r\n"
		"  product =  4660  \n"
		"runtime_vendor = 0x1234\n"
		"runtime_product = 0x1235\n"
		"serial = \"  spaced  \"\n"
		"alt = first # not a comment\n"
		"alt = second\n"
		"func_location = request\n"
		"after_manifest = vanish\n"
		"state = appDETACH\n"
		"memory_size = 0x1000";

	(void)unused;
	sim_profile_defaults(&p);
	assert_int_equal(sim_profile_parse(&p, text, "t", 1, NULL), 0);
	assert_int_equal(sim_profile_finish(&p, "t", NULL), 0);
	assert_string_equal(p.name, "mine");
	assert_int_equal(p.vendor, 0x1234);
	assert_int_equal(p.product, 4660);
	assert_int_equal(p.has_runtime, 1);
	assert_int_equal(p.runtime_product, 0x1235);
	assert_string_equal(p.serial, "  spaced  ");
	assert_int_equal(p.n_alts, 2);
	assert_string_equal(p.alt[0], "first # not a comment");
	assert_int_equal(p.func_location, SIM_FUNC_REQUEST);
	assert_int_equal(p.after_manifest, SIM_AFTER_VANISH);
	assert_int_equal(p.state, DFU_STATE_APP_DETACH);
	assert_int_equal(p.memory_size, 0x1000);
	assert_int_equal(p.firmware_size, 0x1000);	/* defaults to memory_size */
	assert_int_equal(p.transfer_size, 1024);	/* a default */

	/* an override that lists alts replaces them */
	assert_int_equal(sim_profile_parse(&p, "alt = only\n", "o", 0, NULL), 0);
	assert_int_equal(p.n_alts, 1);
	assert_string_equal(p.alt[0], "only");
}

static int parse_bad(const char *text, int require)
{
	struct sim_profile p;
	int rc;

	sim_profile_defaults(&p);
	rc = sim_profile_parse(&p, text, "bad", require, NULL);
	if (rc == 0)
		rc = sim_profile_finish(&p, "bad", NULL);
	return rc;
}

static void test_profile_parse_bad(void **unused)
{
	(void)unused;
	assert_int_equal(parse_bad("vendor = 1\nproduct = 2\ncolour = red\n", 1), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("vendor = 0x10000\nproduct = 2\n", 1), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("vendor = 12abc\nproduct = 2\n", 1), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("vendor = -1\nproduct = 2\n", 1), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("vendor = \nproduct = 2\n", 1), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("product = 2\n", 1), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("vendor = 2\n", 1), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("vendor = 1\nproduct = 2\njust text\n", 1), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("vendor = 1\nproduct = 2\n= 3\n", 1), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("vendor = 1\nproduct = 2\nfunc_length = 8\n", 1), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("vendor = 1\nproduct = 2\nstate = dfuBUSY\n", 1), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("vendor = 1\nproduct = 2\nstatus = errNONE\n", 1), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("vendor = 1\nproduct = 2\nfunc_location = x\n", 1), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("vendor = 1\nproduct = 2\nafter_manifest = x\n", 1), USB_ERR_CONFIG);
	/* consistency */
	assert_int_equal(parse_bad("vendor = 1\nproduct = 2\nruntime_vendor = 3\n", 1), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("vendor = 1\nproduct = 2\nstate = appIDLE\n", 1), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("vendor = 1\nproduct = 2\nmemory_size = 10\n"
				   "firmware_size = 11\n", 1), USB_ERR_CONFIG);
	/* wTransferSize 0 models a broken device: allowed, the host refuses it */
	assert_int_equal(parse_bad("vendor = 1\nproduct = 2\ntransfer_size = 0\n", 1), 0);
	/* fault injection: ACTION@TRIGGER */
	assert_int_equal(parse_bad("fault = stall@GETSTATUS#3\n", 0), 0);
	assert_int_equal(parse_bad("fault = stall-always@UPLOAD#1\nfault = gone@DNLOAD#2\n", 0), 0);
	assert_int_equal(parse_bad("fault = status=errVERIFY@block5\n", 0), 0);
	assert_int_equal(parse_bad("fault = status=errERASE@0x08004000\n", 0), 0);
	assert_int_equal(parse_bad("fault = poll=0xffffff@block1\nfault = busy@block2\n", 0), 0);
	assert_int_equal(parse_bad("fault = signal=TERM@UPLOAD#3\nfault = signal=INT@block0\n", 0), 0);
	assert_int_equal(parse_bad("fault = stall\n", 0), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("fault = stall@GETSTATUS\n", 0), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("fault = stall@GETSTATUS#0\n", 0), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("fault = stall@FROB#1\n", 0), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("fault = explode@block1\n", 0), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("fault = status=OK@block1\n", 0), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("fault = status=errNOPE@block1\n", 0), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("fault = poll=0x1000000@block1\n", 0), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("fault = signal=KILL@block1\n", 0), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("fault = signal=HUP@block1\nfault = signal=PIPE@erase3\n", 0), 0);
	assert_int_equal(parse_bad("fault = stall@erase0\n", 0), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("fault = busy@block65536\n", 0), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("fault = busy@block1\nfault = busy@block1\nfault = busy@block1\n"
				   "fault = busy@block1\nfault = busy@block1\nfault = busy@block1\n"
				   "fault = busy@block1\nfault = busy@block1\nfault = busy@block1\n", 0),
			 USB_ERR_CONFIG);
	assert_int_equal(parse_bad("desc_fault = string_odd\n", 0), 0);
	assert_int_equal(parse_bad("desc_fault = odd\n", 0), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("vendor = 1\nproduct = 2\ninterface = 8\n", 1), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("vendor = 1\nproduct = 2\npoll_timeout_ms = 0x1000000\n", 1),
			 USB_ERR_CONFIG);
	/* and the same lines are fine when correct */
	assert_int_equal(parse_bad("vendor = 1\nproduct = 2\nfunc_length = 7\n", 1), 0);
	/* overrides need no ids */
	assert_int_equal(parse_bad("serial = x\n", 0), 0);
}

static void test_profile_tables(void **unused)
{
	const char *const *names = sim_profile_names();
	const char *want[] = { "dfu-plain", "dfu-intolerant", "runtime", "dfu10", "stm32f4",
			       "dsonano", "dfuse-idle-poll", "blackmagic", "dapboot" };
	int i, n = 0;
	size_t j;

	(void)unused;
	for (i = 0; names[i]; i++) {
		struct sim_profile p;
		struct sim_device d;

		if (i > 0)
			assert_true(strcmp(names[i - 1], names[i]) < 0);	/* sorted, unique */
		sim_profile_defaults(&p);
		assert_int_equal(sim_profile_parse(&p, sim_profile_builtin(names[i]), names[i], 1, NULL),
				 0);
		assert_int_equal(sim_profile_finish(&p, names[i], NULL), 0);
		assert_string_equal(p.name, names[i]);
		assert_true(strlen(sim_profile_summary(names[i])) > 10);
		assert_int_equal(sim_init(&d, &p, NULL), 0);
		sim_free(&d);
		n++;
	}
	for (j = 0; j < sizeof(want) / sizeof(want[0]); j++)
		assert_non_null(sim_profile_builtin(want[j]));
	assert_null(sim_profile_builtin("nonesuch"));
	assert_int_equal(n, 9);
	for (i = 1; i < sim_profile_key_count(); i++)
		assert_true(strcmp(sim_profile_key_name(i - 1), sim_profile_key_name(i)) < 0);
	assert_null(sim_profile_key_name(sim_profile_key_count()));
}

static void test_profile_files(void **unused)
{
	const char *top = getenv("TOP_SRCDIR");
	char dir[4096];
	DIR *dp;
	struct dirent *e;
	int n = 0;

	(void)unused;
	if (!top)
		skip();
	snprintf(dir, sizeof(dir), "%s/tests/profiles", top);
	dp = opendir(dir);
	assert_non_null(dp);
	while ((e = readdir(dp)) != NULL) {
		struct usb_backend *be;
		struct usb_sim_config cfg = { 0 };
		char spec[4096 + 256];
		size_t l = strlen(e->d_name);

		if (l < 5 || strcmp(e->d_name + l - 5, ".prof") != 0)
			continue;
		snprintf(spec, sizeof(spec), "%s/%s", dir, e->d_name);
		cfg.devices = spec;
		assert_int_equal(usb_sim_init(&be, &cfg, NULL), 0);
		be->ops->exit(be);
		n++;
	}
	closedir(dp);
	assert_true(n >= 2);
}

/* ------------------------------------------------------------ descriptors */

static uint16_t le16(const unsigned char *b)
{
	return (uint16_t)(b[0] | b[1] << 8);
}

static void test_desc_dfu_plain(void **unused)
{
	struct sim_device d;
	struct sim_descriptors ds;
	const unsigned char *c;

	(void)unused;
	load(&d, "dfu-plain", NULL);
	sim_build_descriptors(&d, &ds);
	assert_int_equal(ds.device[0], 18);
	assert_int_equal(ds.device[1], USB_DT_DEVICE);
	assert_int_equal(le16(ds.device + 8), 0x1209);
	assert_int_equal(le16(ds.device + 10), 0x2002);
	assert_int_equal(le16(ds.device + 12), 0x0100);
	assert_int_equal(ds.device[14], 1);
	assert_int_equal(ds.device[16], 3);
	assert_int_equal(ds.device[17], 1);

	c = ds.config;
	assert_int_equal(ds.config_len, 9 + 9 + 9);
	assert_int_equal(c[1], USB_DT_CONFIG);
	assert_int_equal(le16(c + 2), ds.config_len);
	assert_int_equal(c[4], 1);		/* bNumInterfaces */
	assert_int_equal(c[5], 1);		/* bConfigurationValue */
	c += 9;
	assert_int_equal(c[0], 9);
	assert_int_equal(c[1], USB_DT_INTERFACE);
	assert_int_equal(c[2], 0);
	assert_int_equal(c[5], USB_CLASS_APP_SPECIFIC);
	assert_int_equal(c[6], DFU_SUBCLASS);
	assert_int_equal(c[7], DFU_PROTOCOL_DFU);
	assert_int_equal(c[8], 4);
	c += 9;
	assert_int_equal(c[0], 9);
	assert_int_equal(c[1], USB_DT_DFU);
	assert_int_equal(c[2], 0x07);
	assert_int_equal(le16(c + 3), 1000);
	assert_int_equal(le16(c + 5), 1024);
	assert_int_equal(le16(c + 7), 0x0110);
	assert_memory_equal(ds.func, c, 9);
	sim_free(&d);
}

static void test_desc_stm32f4(void **unused)
{
	struct sim_device d;
	struct sim_descriptors ds;
	unsigned char s[255];
	int i, n;

	(void)unused;
	load(&d, "stm32f4", NULL);
	sim_build_descriptors(&d, &ds);
	assert_int_equal(le16(ds.device + 8), 0x0483);
	assert_int_equal(le16(ds.device + 10), 0xdf11);
	assert_int_equal(le16(ds.device + 12), 0x2200);
	/* the real device's wTotalLength: four alts, one functional descriptor */
	assert_int_equal(ds.config_len, 54);
	for (i = 0; i < 4; i++) {
		const unsigned char *a = ds.config + 9 + 9 * i;

		assert_int_equal(a[1], USB_DT_INTERFACE);
		assert_int_equal(a[3], i);
		assert_int_equal(a[7], DFU_PROTOCOL_DFU);
		assert_int_equal(a[8], 4 + i);
	}
	assert_int_equal(ds.config[45 + 1], USB_DT_DFU);
	assert_int_equal(ds.config[45 + 2], 0x0b);
	assert_int_equal(le16(ds.config + 45 + 5), 2048);
	assert_int_equal(le16(ds.config + 45 + 7), 0x011a);

	/* string 5: "@Option Bytes  /0x1FFFC000/01*016 g" in UTF-16LE */
	n = sim_string(&ds, 5, s, sizeof(s));
	assert_int_equal(n, 2 + 2 * 35);
	assert_int_equal(s[0], n);
	assert_int_equal(s[1], USB_DT_STRING);
	assert_int_equal(s[2], '@');
	assert_int_equal(s[3], 0);
	assert_int_equal(s[4], 'O');
	/* truncated to what the host asked for */
	assert_int_equal(sim_string(&ds, 5, s, 8), 8);
	assert_int_equal(s[0], n);
	n = sim_string(&ds, 0, s, sizeof(s));
	assert_int_equal(n, 4);
	assert_int_equal(le16(s + 2), 0x0409);
	assert_int_equal(sim_string(&ds, 8, s, sizeof(s)), -1);
	sim_free(&d);
}

static void test_desc_dfu10(void **unused)
{
	struct sim_device d;
	struct sim_descriptors ds;
	const unsigned char *c;

	(void)unused;
	load(&d, "dfu10", NULL);
	/* run-time: a vendor interface 0, then the DFU interface 1 */
	sim_build_descriptors(&d, &ds);
	assert_int_equal(ds.device[14], 0);	/* no manufacturer string */
	assert_int_equal(ds.config_len, 9 + 9 + 9 + 7);
	assert_int_equal(ds.config[4], 2);
	c = ds.config + 9;
	assert_int_equal(c[2], 0);
	assert_int_equal(c[5], 0xff);
	c += 9;
	assert_int_equal(c[2], 1);
	assert_int_equal(c[5], USB_CLASS_APP_SPECIFIC);
	assert_int_equal(c[7], DFU_PROTOCOL_RUNTIME);
	c += 9;
	assert_int_equal(c[0], 7);
	assert_int_equal(c[1], USB_DT_DFU);
	assert_int_equal(ds.func_len, 7);

	assert_int_equal(simple(&d, 0, DFU_DETACH, 100), 0);
	assert_int_equal(sim_bus_reset(&d, MS(1)), 1);
	sim_build_descriptors(&d, &ds);
	assert_int_equal(ds.config_len, 9 + 9 + 7);
	assert_int_equal(ds.config[9 + 7], DFU_PROTOCOL_NONE);
	assert_int_equal(ds.config[9 + 8], 0);	/* unnamed alt */
	sim_free(&d);
}

static void test_desc_func_location(void **unused)
{
	struct sim_device d;
	struct sim_descriptors ds;

	(void)unused;
	load(&d, "stm32f4", "func_location = request\n");
	sim_build_descriptors(&d, &ds);
	assert_int_equal(ds.config_len, 9 + 4 * 9);
	assert_int_equal(ds.func_len, 9);
	sim_free(&d);

	load(&d, "stm32f4", "func_location = config\n");
	sim_build_descriptors(&d, &ds);
	assert_int_equal(ds.config_len, 54);
	assert_int_equal(ds.config[9 + 1], USB_DT_DFU);
	assert_int_equal(ds.config[18 + 1], USB_DT_INTERFACE);
	sim_free(&d);

	load(&d, "stm32f4", "func_location = every_alt\n");
	sim_build_descriptors(&d, &ds);
	assert_int_equal(ds.config_len, 9 + 4 * 18);
	assert_int_equal(ds.config[9 + 9 + 1], USB_DT_DFU);
	sim_free(&d);

	load(&d, "stm32f4", "func_location = none\n");
	sim_build_descriptors(&d, &ds);
	assert_int_equal(ds.config_len, 9 + 4 * 9);
	assert_int_equal(ds.func_len, 0);
	sim_free(&d);
}

/* ------------------------------------------------------------ usb_sim */

static char tmpdir[64];

static int make_tmpdir(void **unused)
{
	(void)unused;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_sim.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **unused)
{
	DIR *dp = opendir(tmpdir);
	struct dirent *e;
	char p[512];

	(void)unused;
	if (!dp)
		return 0;
	while ((e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
		unlink(p);
	}
	closedir(dp);
	rmdir(tmpdir);
	return 0;
}

static struct usb_backend *bus_up(const char *devices, int virt)
{
	struct usb_backend *be = NULL;
	struct usb_sim_config cfg = { 0 };

	cfg.devices = devices;
	cfg.state_dir = tmpdir;
	cfg.virtual_clock = virt;
	assert_int_equal(usb_sim_init(&be, &cfg, NULL), 0);
	assert_non_null(be);
	return be;
}

static struct usb_handle *open_first(struct usb_backend *be, struct usb_dev_info *out)
{
	struct usb_dev_info *l;
	struct usb_handle *h;
	int n;

	assert_int_equal(be->ops->enumerate(be, &l, &n), 0);
	assert_true(n >= 1);
	assert_int_equal(be->ops->open(be, &l[0], &h), 0);
	if (out) {
		*out = l[0];
		memset(out->config, 0, sizeof(out->config));
	}
	be->ops->free_list(be, l, n);
	return h;
}

static int count_lines(const char *name, const char *needle)
{
	char p[256], line[512];
	FILE *f;
	int n = 0;

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	f = fopen(p, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, needle))
			n++;
	fclose(f);
	return n;
}

static uint64_t stat_value(const char *key)
{
	char p[256], line[128];
	size_t kl = strlen(key);
	FILE *f;
	uint64_t v = UINT64_MAX;

	snprintf(p, sizeof(p), "%s/stats", tmpdir);
	f = fopen(p, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, kl) == 0 && line[kl] == '=')
			v = strtoull(line + kl + 1, NULL, 10);
	fclose(f);
	return v;
}

/* A host-side download through the seam, honouring bwPollTimeout. */
static void seam_download(struct usb_backend *be, struct usb_handle *h, uint16_t intf,
			  const unsigned char *data, size_t len, uint16_t xfer)
{
	unsigned char st[6];
	size_t off = 0;
	uint16_t block = 0;
	struct dfu_status_reply r;

	for (;;) {
		uint16_t n = (uint16_t)(len - off < xfer ? len - off : xfer);

		assert_int_equal(usb_control(h, OUT, DFU_DNLOAD, block++, intf,
					     (unsigned char *)data + off, n, 1000), n);
		do {
			assert_int_equal(usb_control(h, IN, DFU_GETSTATUS, 0, intf, st, 6, 1000),
					 6);
			dfu_status_decode(st, &r);
			assert_int_equal(r.bStatus, DFU_STATUS_OK);
			if (r.bState == DFU_STATE_DFU_DNBUSY || r.bState == DFU_STATE_DFU_MANIFEST)
				usb_sleep_ms(be, r.bwPollTimeout);
		} while (r.bState == DFU_STATE_DFU_DNBUSY || r.bState == DFU_STATE_DFU_MANIFEST);
		if (n == 0)
			break;
		assert_int_equal(r.bState, DFU_STATE_DFU_DNLOAD_IDLE);
		off += n;
	}
	assert_int_equal(r.bState, DFU_STATE_DFU_IDLE);
}

static void test_usb_sim_persistence(void **unused)
{
	struct usb_backend *be;
	struct usb_handle *h;
	struct usb_dev_info info;
	unsigned char data[3000], buf[1024], *mem;
	uint64_t t_end;
	size_t got = 0;
	int r;
	char p[256];
	FILE *f;

	(void)unused;
	for (r = 0; r < (int)sizeof(data); r++)
		data[r] = (unsigned char)(r * 7 + 1);

	be = bus_up("dfu-plain", 1);
	assert_string_equal(be->ops->name, "sim");
	assert_int_equal(be->ops->now_ms(be), 0);
	h = open_first(be, &info);
	assert_int_equal(info.bus, 1);
	assert_int_equal(info.devnum, 2);
	assert_string_equal(info.path, "1-1");
	assert_int_equal(be->ops->claim_interface(h, 1), USB_ERR_NOT_FOUND);
	assert_int_equal(be->ops->claim_interface(h, 0), 0);
	assert_int_equal(be->ops->set_alt(h, 0, 1), USB_ERR_NOT_FOUND);
	assert_int_equal(be->ops->set_alt(h, 0, 0), 0);
	seam_download(be, h, 0, data, sizeof(data), 1024);
	be->ops->close(h);
	t_end = be->ops->now_ms(be);
	/* 3 blocks busy 5 ms each, manifest 20 ms, all slept on the virtual clock */
	assert_true(t_end >= 35);
	be->ops->exit(be);
	if (getenv("SIM_TEST_DEBUG")) {
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "cat %s/requests.log %s/stats", tmpdir, tmpdir);
		assert_int_equal(system(cmd), 0);
	}

	assert_int_equal(count_lines("requests.log", " DNLOAD "), 4);
	assert_int_equal(count_lines("requests.log", " dev1 GETSTATUS wValue=0 wIndex=0 wLength=6 -> 6 dfuDNBUSY"), 3);
	assert_int_equal(count_lines("requests.log", "-> 6 dfuIDLE"), 1);
	assert_int_equal(count_lines("requests.log", " SET_ALT wValue=1 wIndex=0 wLength=0 -> STALL dfuIDLE"), 1);
	assert_int_equal(stat_value("virtual"), 1);
	assert_int_equal(stat_value("control_transfers"), 12);
	assert_int_equal(stat_value("device_busy_ms"), 35);
	assert_int_equal(stat_value("sleep_ms"), 35);
	assert_int_equal(stat_value("elapsed_ms"), t_end);
	assert_int_equal(count_lines("dev1.state", "state=dfuIDLE"), 1);
	assert_int_equal(count_lines("dev1.state", "image_size=3000"), 1);

	/* the memory image holds the download, byte for byte */
	snprintf(p, sizeof(p), "%s/dev1.mem", tmpdir);
	f = fopen(p, "rb");
	assert_non_null(f);
	mem = malloc(262144 + 1);
	assert_non_null(mem);
	assert_int_equal(fread(mem, 1, 262144 + 1, f), 262144);
	fclose(f);
	assert_memory_equal(mem, data, sizeof(data));
	free(mem);

	/* next run: no devices named, the state directory has them */
	be = bus_up(NULL, 1);
	assert_true(be->ops->now_ms(be) >= t_end);	/* the virtual clock goes on */
	h = open_first(be, &info);
	assert_int_equal(info.devnum, 2);
	assert_int_equal(be->ops->claim_interface(h, 0), 0);
	do {
		r = usb_control(h, IN, DFU_UPLOAD, 0, 0, buf, sizeof(buf), 1000);
		assert_true(r >= 0);
		assert_memory_equal(buf, data + got, (size_t)r);
		got += (size_t)r;
	} while (r == (int)sizeof(buf));
	assert_int_equal(got, sizeof(data));
	be->ops->close(h);
	be->ops->exit(be);
	assert_int_equal(stat_value("control_transfers"), 3);
	assert_int_equal(stat_value("device_busy_ms"), 0);

	/* naming another profile starts over with a fresh device */
	be = bus_up("dfu-intolerant", 1);
	h = open_first(be, &info);
	assert_int_equal(le16(info.dev_desc + 10), 0x2003);
	assert_int_equal(be->ops->claim_interface(h, 0), 0);
	r = usb_control(h, IN, DFU_UPLOAD, 0, 0, buf, 16, 1000);
	assert_int_equal(r, 16);
	assert_memory_not_equal(buf, data, 16);
	be->ops->close(h);
	be->ops->exit(be);
}

static void test_usb_sim_reenumerate(void **unused)
{
	struct usb_backend *be;
	struct usb_handle *h;
	struct usb_dev_info *l;
	unsigned char st[6];
	int n;

	(void)unused;
	be = bus_up("runtime,dfu-plain:serial=AB12", 1);
	assert_int_equal(be->ops->enumerate(be, &l, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(l[0].devnum, 2);
	assert_int_equal(l[1].devnum, 3);
	assert_string_equal(l[1].path, "1-2");
	assert_int_equal(le16(l[0].dev_desc + 10), 0x6018);
	assert_int_equal(be->ops->open(be, &l[0], &h), 0);
	be->ops->free_list(be, l, n);

	assert_int_equal(be->ops->claim_interface(h, 3), USB_ERR_NOT_FOUND);
	assert_int_equal(be->ops->claim_interface(h, 2), 0);
	/* class requests to another interface stall */
	assert_int_equal(usb_control(h, IN, DFU_GETSTATUS, 0, 1, st, 6, 1000), USB_ERR_STALL);
	assert_int_equal(usb_control(h, IN, DFU_GETSTATUS, 0, 2, st, 6, 1000), 6);
	assert_int_equal(st[4], DFU_STATE_APP_IDLE);
	assert_int_equal(usb_control(h, OUT, DFU_DETACH, 1000, 2, NULL, 0, 1000), 0);
	assert_int_equal(be->ops->reset(h), USB_ERR_NO_DEVICE);
	assert_int_equal(usb_control(h, IN, DFU_GETSTATUS, 0, 2, st, 6, 1000), USB_ERR_NO_DEVICE);
	assert_int_equal(be->ops->reset(h), USB_ERR_NO_DEVICE);
	be->ops->close(h);

	/* off the bus for reenum_ms (500 by default) */
	assert_int_equal(be->ops->enumerate(be, &l, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(le16(l[0].dev_desc + 10), 0x2002);
	be->ops->free_list(be, l, n);
	usb_sleep_ms(be, 499);
	assert_int_equal(be->ops->enumerate(be, &l, &n), 0);
	assert_int_equal(n, 1);
	be->ops->free_list(be, l, n);
	usb_sleep_ms(be, 1);
	assert_int_equal(be->ops->enumerate(be, &l, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(l[0].devnum, 4);	/* a new address, the same port */
	assert_string_equal(l[0].path, "1-1");
	assert_int_equal(le16(l[0].dev_desc + 10), 0x6017);
	be->ops->free_list(be, l, n);
	be->ops->exit(be);
	assert_int_equal(count_lines("requests.log", " RESET "), 2);
	assert_int_equal(count_lines("requests.log", " dev1 RESET wValue=0 wIndex=0 wLength=0 -> GONE dfuIDLE"), 2);
	assert_int_equal(count_lines("requests.log", "GETSTATUS wValue=0 wIndex=1 wLength=6 -> STALL appIDLE"), 1);
	assert_int_equal(count_lines("dev1.state", "mode=dfu"), 1);
	assert_int_equal(count_lines("dev1.state", "devnum=4"), 1);
	assert_int_equal(count_lines("dev2.state", "spec=dfu-plain:serial=AB12"), 1);

	/* the next run sees the DFU-mode device at its new address */
	be = bus_up(NULL, 1);
	assert_int_equal(be->ops->enumerate(be, &l, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(l[0].devnum, 4);
	assert_int_equal(le16(l[0].dev_desc + 10), 0x6017);
	be->ops->free_list(be, l, n);
	be->ops->exit(be);
}

/* appear_ms, reenum_ms, dfu_hub_port, and the time that passes between runs */
static void test_usb_sim_bus_presence(void **unused)
{
	struct usb_backend *be;
	struct usb_handle *h;
	struct usb_dev_info *l;
	int n;

	(void)unused;
	be = bus_up("dfu-plain:appear_ms=1500,blackmagic:reenum_ms=300:dfu_hub_port=3", 1);
	assert_int_equal(be->ops->enumerate(be, &l, &n), 0);
	assert_int_equal(n, 1);			/* dfu-plain is not plugged in yet */
	assert_string_equal(l[0].path, "1-2");
	be->ops->free_list(be, l, n);
	/* a will-detach device re-enumerates on its own */
	h = open_first(be, NULL);
	assert_int_equal(be->ops->claim_interface(h, 4), 0);
	assert_int_equal(usb_control(h, OUT, DFU_DETACH, 255, 4, NULL, 0, 1000), 0);
	assert_int_equal(usb_control(h, OUT, DFU_DETACH, 255, 4, NULL, 0, 1000),
			 USB_ERR_NO_DEVICE);
	be->ops->close(h);
	assert_int_equal(be->ops->enumerate(be, &l, &n), 0);
	assert_int_equal(n, 0);
	be->ops->free_list(be, l, n);
	usb_sleep_ms(be, 300);
	assert_int_equal(be->ops->enumerate(be, &l, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(le16(l[0].dev_desc + 10), 0x6017);
	assert_string_equal(l[0].path, "1-2.3");	/* behind the hub port in DFU mode */
	be->ops->free_list(be, l, n);
	usb_sleep_ms(be, 1500);
	assert_int_equal(be->ops->enumerate(be, &l, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(l[0].path, "1-1");
	be->ops->free_list(be, l, n);
	be->ops->exit(be);

	/* a device away at the end of one run is back when the next one starts */
	be = bus_up("dfu-plain:appear_ms=1500", 1);
	be->ops->exit(be);
	be = bus_up(NULL, 1);
	assert_int_equal(be->ops->enumerate(be, &l, &n), 0);
	assert_int_equal(n, 1);
	be->ops->free_list(be, l, n);
	be->ops->exit(be);
}

static void test_usb_sim_descriptors(void **unused)
{
	struct usb_backend *be;
	struct usb_handle *h;
	struct usb_dev_info info;
	unsigned char b[256];
	char serial[8];
	int i;

	(void)unused;
	be = bus_up("stm32f4:func_location=request:serial=AB12", 1);
	h = open_first(be, &info);
	assert_int_equal(info.config_len[0], 45);
	/* the functional descriptor only by GET_DESCRIPTOR 0x21 */
	assert_int_equal(usb_control(h, 0x80, USB_REQ_GET_DESCRIPTOR, USB_DT_DFU << 8, 0, b, 255,
				     1000), 9);
	assert_int_equal(b[1], USB_DT_DFU);
	assert_int_equal(le16(b + 5), 2048);
	assert_int_equal(usb_control(h, 0x80, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE << 8, 0, b, 64,
				     1000), 18);
	assert_memory_equal(b, info.dev_desc, 18);
	assert_int_equal(usb_control(h, 0x80, USB_REQ_GET_DESCRIPTOR, USB_DT_CONFIG << 8, 0, b, 9,
				     1000), 9);
	assert_int_equal(le16(b + 2), 45);
	assert_int_equal(usb_control(h, 0x80, USB_REQ_GET_DESCRIPTOR, USB_DT_STRING << 8, 0, b, 255,
				     1000), 4);
	assert_int_equal(usb_control(h, 0x80, USB_REQ_GET_DESCRIPTOR, USB_DT_STRING << 8 | 3,
				     0x0409, b, 255, 1000), 10);
	for (i = 0; i < 4; i++)
		serial[i] = (char)b[2 + 2 * i];
	serial[4] = '\0';
	assert_string_equal(serial, "AB12");
	assert_int_equal(usb_control(h, 0x80, USB_REQ_GET_DESCRIPTOR, USB_DT_STRING << 8 | 9,
				     0x0409, b, 255, 1000), USB_ERR_STALL);
	/* vendor requests are not understood */
	assert_int_equal(usb_control(h, 0xc0, 1, 0, 0, b, 4, 1000), USB_ERR_STALL);
	assert_int_equal(be->ops->set_alt(h, 0, 3), USB_ERR_NOT_FOUND);	/* not claimed */
	assert_int_equal(be->ops->claim_interface(h, 0), 0);
	assert_int_equal(be->ops->set_alt(h, 0, 3), 0);
	assert_int_equal(be->ops->set_alt(h, 0, 4), USB_ERR_NOT_FOUND);
	assert_int_equal(be->ops->release_interface(h, 0), 0);
	assert_int_equal(be->ops->release_interface(h, 0), USB_ERR_NOT_FOUND);
	be->ops->close(h);
	be->ops->exit(be);
	assert_int_equal(count_lines("requests.log", " GET_DESCRIPTOR wValue=8448 wIndex=0 wLength=255 -> 9 dfuIDLE"), 1);
}

static void test_usb_sim_vanish_and_errors(void **unused)
{
	struct usb_backend *be;
	struct usb_handle *h;
	struct usb_dev_info *l;
	struct usb_sim_config cfg = { 0 };
	unsigned char data[100];
	int n;
	char p[256];
	FILE *f;

	(void)unused;
	memset(data, 0x42, sizeof(data));
	be = bus_up("dfu-plain:after_manifest=vanish", 1);
	h = open_first(be, NULL);
	assert_int_equal(be->ops->claim_interface(h, 0), 0);
	seam_download(be, h, 0, data, sizeof(data), 1024);
	assert_int_equal(be->ops->reset(h), USB_ERR_NO_DEVICE);
	be->ops->close(h);
	assert_int_equal(be->ops->enumerate(be, &l, &n), 0);
	assert_int_equal(n, 0);
	be->ops->free_list(be, l, n);
	be->ops->exit(be);

	/* bad specs: reported, negative dfu_err codes, nothing created */
	cfg.virtual_clock = 1;
	cfg.devices = "nonesuch";
	be = (struct usb_backend *)&cfg;
	assert_int_equal(usb_sim_init(&be, &cfg, NULL), USB_ERR_CONFIG);
	assert_null(be);
	cfg.devices = "dfu-plain:colour=red";
	assert_int_equal(usb_sim_init(&be, &cfg, NULL), USB_ERR_CONFIG);
	cfg.devices = "dfu-plain,";
	assert_int_equal(usb_sim_init(&be, &cfg, NULL), USB_ERR_INVALID);
	cfg.devices = "/nonexistent/x.prof";
	assert_int_equal(usb_sim_init(&be, &cfg, NULL), USB_ERR_READ);
	cfg.devices = NULL;
	assert_int_equal(usb_sim_init(&be, &cfg, NULL), USB_ERR_INVALID);

	/* a profile file, with an override */
	snprintf(p, sizeof(p), "%s/my.prof", tmpdir);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("# test\nvendor = 0xabcd\nproduct = 0x0001\nmemory_size = 4096\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/my.prof:product=0x0002", tmpdir);
	cfg.devices = p;
	assert_int_equal(usb_sim_init(&be, &cfg, NULL), 0);
	assert_int_equal(be->ops->enumerate(be, &l, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(le16(l[0].dev_desc + 8), 0xabcd);
	assert_int_equal(le16(l[0].dev_desc + 10), 0x0002);
	be->ops->free_list(be, l, n);
	be->ops->exit(be);

	/* a damaged state file is an error, not a silent restart */
	be = bus_up("dfu-plain", 1);
	be->ops->exit(be);
	snprintf(p, sizeof(p), "%s/dev1.mem", tmpdir);
	assert_int_equal(truncate(p, 100), 0);
	cfg.devices = "dfu-plain";
	cfg.state_dir = tmpdir;
	assert_int_equal(usb_sim_init(&be, &cfg, NULL), USB_ERR_CONFIG);
}

/* What reached the message layer while the backend ran: nothing, ever. */
static size_t printed;

static void count_printed(void *ctx, enum log_stream stream, const char *text, size_t len)
{
	(void)ctx;
	(void)stream;
	(void)text;
	printed += len;
}

static char reported[4][512];
static int n_reported;

static void record_report(enum usb_report kind, const char *text)
{
	if (n_reported < 4)
		snprintf(reported[n_reported++], sizeof(reported[0]), "%s%s",
			 kind == USB_REPORT_ERROR ? "error: " : "note: ", text);
}

/*
 * The seam's contract: the backend returns enum usb_err and never prints.
 * Set-up failures come back in struct usb_why; later messages go to the
 * caller's report callback.
 */
static void test_usb_sim_never_prints(void **unused)
{
	struct usb_sim_config cfg = { 0 };
	struct usb_backend *be;
	struct usb_handle *h;
	struct usb_why why;
	unsigned char desc[18];
	char p[256], want[320];

	(void)unused;
	printed = 0;
	n_reported = 0;
	log_set_sink(count_printed, NULL);

	cfg.devices = "dfu-plain:colour=red";
	assert_int_equal(usb_sim_init(&be, &cfg, &why), USB_ERR_CONFIG);
	assert_string_equal(why.msg, "--sim dfu-plain:colour=red:1: unknown key 'colour'");
	assert_string_equal(why.hint, "see doc/sim-profile.txt for the keys a profile may set");
	cfg.devices = "dfu-plain,";
	assert_int_equal(usb_sim_init(&be, &cfg, &why), USB_ERR_INVALID);
	assert_string_equal(why.msg, "invalid simulated device list 'dfu-plain,'");
	cfg.devices = "/nonexistent/x.prof";
	assert_int_equal(usb_sim_init(&be, &cfg, &why), USB_ERR_READ);
	assert_string_equal(why.hint, "");
	assert_int_equal(dfu_err_from_usb_setup(USB_ERR_CONFIG), DFU_E_DATA);
	assert_int_equal(dfu_err_from_usb_setup(USB_ERR_INVALID), DFU_E_USAGE);
	assert_int_equal(dfu_err_from_usb_setup(USB_ERR_READ), DFU_E_NOINPUT);
	assert_int_equal(dfu_err_from_usb_setup(USB_ERR_WRITE), DFU_E_CANTCREAT);

	/* a run whose state cannot be saved: both said through the callback */
	cfg.devices = "dfu-plain";
	cfg.state_dir = tmpdir;
	cfg.virtual_clock = 1;
	cfg.report = record_report;
	assert_int_equal(usb_sim_init(&be, &cfg, &why), 0);
	snprintf(p, sizeof(p), "%s/dev1.mem.tmp", tmpdir);
	assert_int_equal(mkdir(p, 0700), 0);
	h = open_first(be, NULL);
	assert_int_equal(usb_control(h, 0x80, 6, 0x0100, 0, desc, sizeof(desc), 100), 18);
	be->ops->close(h);
	be->ops->exit(be);
	assert_int_equal(rmdir(p), 0);
	/* at close, and again at exit; then the virtual clock's summary */
	assert_int_equal(n_reported, 3);
	snprintf(want, sizeof(want), "error: cannot write simulator state '%s': Is a directory", p);
	assert_string_equal(reported[0], want);
	assert_string_equal(reported[1], want);
	assert_non_null(strstr(reported[2], "note: simulated: "));
	assert_non_null(strstr(reported[2], " ms on the virtual clock"));

	log_set_sink(NULL, NULL);
	assert_int_equal(printed, 0);
}

static void test_usb_sim_real_clock(void **unused)
{
	struct usb_backend *be;
	struct usb_sim_config cfg = { .devices = "dfu-plain" };
	uint64_t t0;

	(void)unused;
	assert_int_equal(usb_sim_init(&be, &cfg, NULL), 0);
	t0 = be->ops->now_ms(be);
	be->ops->sleep_ms(be, 2);
	assert_true(be->ops->now_ms(be) >= t0 + 2);
	be->ops->exit(be);
}


/* ------------------------------------------------------------ DfuSe model */

/* A DfuSe command (DNLOAD block 0): the transfer itself always succeeds. */
static void dfuse_cmd(struct sim_device *d, uint64_t t, uint8_t code, int with_addr, uint32_t addr)
{
	unsigned char b[5] = { code, (unsigned char)addr, (unsigned char)(addr >> 8),
			       (unsigned char)(addr >> 16), (unsigned char)(addr >> 24) };
	uint16_t len = with_addr ? 5 : 1;

	assert_int_equal(dn(d, t, 0, b, len), len);
}

/*
 * The status wait after a command or block: the first GETSTATUS must say
 * dfuDNBUSY with poll_ms, the one after the wait gives the outcome.
 * Returns the final status; *t advances by the wait.
 */
static int dfuse_wait(struct sim_device *d, uint64_t *t, uint32_t poll_ms, int *final_state)
{
	struct dfu_status_reply st;

	status(d, *t, &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_DNBUSY);
	assert_int_equal(st.bStatus, DFU_STATUS_OK);
	assert_int_equal(st.bwPollTimeout, poll_ms);
	*t += MS(poll_ms);
	status(d, *t, &st);
	*final_state = st.bState;
	return st.bStatus;
}

/* Expect the command to succeed: dfuDNLOAD-IDLE after exactly poll_ms. */
static void dfuse_ok(struct sim_device *d, uint64_t *t, uint32_t poll_ms)
{
	int fs;

	assert_int_equal(dfuse_wait(d, t, poll_ms, &fs), DFU_STATUS_OK);
	assert_int_equal(fs, DFU_STATE_DFU_DNLOAD_IDLE);
}

/* Expect a refusal: dfuERROR with status, cleared afterwards. */
static void dfuse_refused(struct sim_device *d, uint64_t *t, int want)
{
	int fs;

	assert_int_equal(dfuse_wait(d, t, 0, &fs), want);
	assert_int_equal(fs, DFU_STATE_DFU_ERROR);
	assert_int_equal(simple(d, *t, DFU_CLRSTATUS, 0), 0);
	assert_int_equal(state(d, *t), DFU_STATE_DFU_IDLE);
}

/* The byte at a device address of the current alt's memory, or -1. */
static int mem_at(const struct sim_device *d, int alt, uint32_t addr)
{
	int i;

	for (i = 0; i < d->n_regions; i++) {
		const struct sim_region *r = &d->region[i];

		if (r->alt == alt && addr >= r->start && addr - r->start < r->size)
			return r->data[addr - r->start];
	}
	return -1;
}

static void test_dfuse_profiles(void **unused)
{
	struct sim_device d;
	uint32_t a;

	(void)unused;
	load(&d, "stm32f4", NULL);
	assert_true(sim_is_dfuse(&d));
	assert_int_equal(d.n_regions, 4);	/* the OTP's two segments are contiguous */
	sim_free(&d);

	load(&d, "dsonano", NULL);
	assert_true(sim_is_dfuse(&d));
	assert_int_equal(d.prof.dfu_protocol, 0);
	assert_int_equal(d.prof.transfer_size, 1024);
	assert_int_equal(d.n_regions, 2);
	assert_int_equal(d.region[0].start, 0x08000000);
	assert_int_equal(d.region[0].size, 128 * 1024);
	assert_int_equal(d.region[1].alt, 1);
	assert_int_equal(d.region[1].size, 8 * 1024 * 1024);
	/* the bootloader holds the pattern, the rest is erased */
	for (a = 0x08000000; a < 0x08003000; a += 97)
		assert_int_equal(mem_at(&d, 0, a), sim_pattern_byte(a));
	assert_int_equal(mem_at(&d, 0, 0x08002fff), sim_pattern_byte(0x08002fff));
	assert_int_equal(mem_at(&d, 0, 0x08003000), 0xff);
	assert_int_equal(mem_at(&d, 1, 0x007fffff), 0xff);
	assert_int_equal(d.address, 0x08000000);
	sim_free(&d);

	/* dfuse = 0 makes a 1.1a device plain; plain profiles are not DfuSe */
	load(&d, "stm32f4", "dfuse = 0\n");
	assert_false(sim_is_dfuse(&d));
	sim_free(&d);
	load(&d, "dfu-plain", NULL);
	assert_false(sim_is_dfuse(&d));
	sim_free(&d);
	load(&d, "dfu-plain", "dfuse = 1\nalt = @Flash/0x0/4*1Kg\n");
	assert_true(sim_is_dfuse(&d));
	sim_free(&d);
}

static void test_dfuse_profile_keys(void **unused)
{
	struct sim_profile p;

	(void)unused;
	sim_profile_defaults(&p);
	assert_int_equal(sim_profile_parse(&p, "vendor = 1\nproduct = 2\n"
					   "erase_ms = 1K=30 64K=1000 7\n"
					   "fill = 0x08000000 12K pattern\nfill = 0 4 0x5a\n", "t", 1, NULL), 0);
	assert_int_equal(sim_erase_ms(&p, 1024), 30);
	assert_int_equal(sim_erase_ms(&p, 65536), 1000);
	assert_int_equal(sim_erase_ms(&p, 2048), 7);
	assert_int_equal(p.n_fills, 2);
	assert_int_equal(p.fill[0].len, 12288);
	assert_int_equal(p.fill[0].value, SIM_FILL_PATTERN);
	assert_int_equal(p.fill[1].value, 0x5a);

	assert_int_equal(parse_bad("erase_ms = 16K=x\n", 0), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("erase_ms = 16K=1 16K=2\n", 0), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("erase_ms = \n", 0), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("erase_ms = 0=5\n", 0), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("fill = 0x100 16\n", 0), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("fill = 0x100 16 0x100\n", 0), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("fill = 0xffffffff 2 0\n", 0), USB_ERR_CONFIG);
	assert_int_equal(parse_bad("fill = 0 1 0 extra\n", 0), USB_ERR_CONFIG);

	/* a DfuSe device needs a memory map in every alt string */
	sim_profile_defaults(&p);
	assert_int_equal(sim_profile_parse(&p, "vendor = 1\nproduct = 2\ndfu_version = 0x011a\n"
					   "alt = Flash\n", "t", 1, NULL), 0);
	assert_int_equal(sim_profile_finish(&p, "t", NULL), USB_ERR_CONFIG);
	sim_profile_defaults(&p);
	assert_int_equal(sim_profile_parse(&p, "vendor = 1\nproduct = 2\ndfuse = 1\n"
					   "alt = @F/0x0/99999*999Mg\n", "t", 1, NULL), 0);
	assert_int_equal(sim_profile_finish(&p, "t", NULL), USB_ERR_CONFIG);
	sim_profile_defaults(&p);
	assert_int_equal(sim_profile_parse(&p, "vendor = 1\nproduct = 2\ndfuse = 2\n", "t", 1, NULL),
			 0);
	assert_int_equal(sim_profile_finish(&p, "t", NULL), USB_ERR_CONFIG);
}

static void test_dfuse_set_address(void **unused)
{
	struct sim_device d;
	struct dfu_status_reply st;
	uint64_t t = MS(1);

	(void)unused;
	load(&d, "stm32f4", "set_address_ms = 3\n");
	dfuse_cmd(&d, t, 0x21, 1, 0x08010000);
	assert_string_equal(d.note, "cmd=SET_ADDRESS addr=0x08010000");
	assert_int_equal(state(&d, t), DFU_STATE_DFU_DNLOAD_SYNC);
	status(&d, t, &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_DNBUSY);
	assert_int_equal(st.bwPollTimeout, 3);
	/* polled early: still busy, with the time left */
	status(&d, t + MS(1), &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_DNBUSY);
	assert_int_equal(st.bwPollTimeout, 2);
	/* only GETSTATUS while busy */
	assert_int_equal(state(&d, t + MS(3)), DFU_STATE_DFU_DNLOAD_SYNC);
	status(&d, t + MS(3), &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_DNLOAD_IDLE);
	assert_int_equal(st.bwPollTimeout, 0);
	assert_int_equal(d.address, 0x08010000);
	t += MS(3);

	/* outside every segment of the alt: errTARGET, pointer unchanged */
	dfuse_cmd(&d, t, 0x21, 1, 0x20000000);
	assert_string_equal(d.note, "cmd=SET_ADDRESS addr=0x20000000 error=errTARGET");
	dfuse_refused(&d, &t, DFU_STATUS_ERR_TARGET);
	assert_int_equal(d.address, 0x08010000);

	/* another alt has its own map: option bytes are not at 0x08000000 */
	assert_int_equal(sim_set_alt(&d, 1), 0);
	dfuse_cmd(&d, t, 0x21, 1, 0x08000000);
	dfuse_refused(&d, &t, DFU_STATUS_ERR_TARGET);
	dfuse_cmd(&d, t, 0x21, 1, 0x1fffc000);
	dfuse_ok(&d, &t, 3);
	sim_free(&d);
}

static void test_dfuse_unknown_command(void **unused)
{
	struct sim_device d;
	unsigned char b[5] = { 0x55, 0, 0, 0, 0 };
	uint64_t t = 0;

	(void)unused;
	load(&d, "stm32f4", NULL);
	assert_int_equal(dn(&d, t, 0, b, 1), SIM_STALL);
	assert_int_equal(d.status, DFU_STATUS_ERR_STALLEDPKT);
	assert_int_equal(simple(&d, t, DFU_CLRSTATUS, 0), 0);
	b[0] = 0x21;	/* set address with a 2-byte address */
	assert_int_equal(dn(&d, t, 0, b, 3), SIM_STALL);
	assert_int_equal(simple(&d, t, DFU_CLRSTATUS, 0), 0);
	/* block 1 is neither a command nor data */
	assert_int_equal(dn(&d, t, 1, b, 5), SIM_STALL);
	assert_int_equal(simple(&d, t, DFU_CLRSTATUS, 0), 0);
	/* commands are refused while uploading */
	assert_int_equal(up(&d, t, 0, b, 4), 4);
	assert_int_equal(state(&d, t), DFU_STATE_DFU_UPLOAD_IDLE);
	b[0] = 0x21;
	assert_int_equal(dn(&d, t, 0, b, 5), SIM_STALL);
	assert_int_equal(d.status, DFU_STATUS_ERR_STALLEDPKT);
	sim_free(&d);
}

static void test_dfuse_erase(void **unused)
{
	struct sim_device d;
	uint64_t t = 0;

	(void)unused;
	load(&d, "stm32f4", "fill = 0x08000000 1M 0x00\n");
	/* the 16 KiB sector holding the address, nothing else */
	dfuse_cmd(&d, t, 0x41, 1, 0x08004100);
	assert_string_equal(d.note, "cmd=ERASE addr=0x08004100");
	dfuse_ok(&d, &t, 250);
	assert_int_equal(mem_at(&d, 0, 0x08003fff), 0x00);
	assert_int_equal(mem_at(&d, 0, 0x08004000), 0xff);
	assert_int_equal(mem_at(&d, 0, 0x08007fff), 0xff);
	assert_int_equal(mem_at(&d, 0, 0x08008000), 0x00);
	/* sector sizes have their own times */
	dfuse_cmd(&d, t, 0x41, 1, 0x0801ffff);
	dfuse_ok(&d, &t, 550);
	assert_int_equal(mem_at(&d, 0, 0x08010000), 0xff);
	assert_int_equal(mem_at(&d, 0, 0x08020000), 0x00);
	dfuse_cmd(&d, t, 0x41, 1, 0x080e0000);
	dfuse_ok(&d, &t, 1000);
	assert_int_equal(mem_at(&d, 0, 0x080fffff), 0xff);
	/* outside the map */
	dfuse_cmd(&d, t, 0x41, 1, 0x08100000);
	dfuse_refused(&d, &t, DFU_STATUS_ERR_TARGET);
	sim_free(&d);

	/* not erasable: the DSO Nano's bootloader ('a' = readable only) */
	load(&d, "dsonano", NULL);
	t = 0;
	dfuse_cmd(&d, t, 0x41, 1, 0x08000400);
	dfuse_refused(&d, &t, DFU_STATUS_ERR_TARGET);
	assert_int_equal(mem_at(&d, 0, 0x08000400), sim_pattern_byte(0x08000400));
	dfuse_cmd(&d, t, 0x41, 1, 0x08003000);	/* the first application page */
	dfuse_ok(&d, &t, 30);
	assert_int_equal(mem_at(&d, 0, 0x08002fff), sim_pattern_byte(0x08002fff));
	sim_free(&d);
}

static void test_dfuse_mass_erase(void **unused)
{
	struct sim_device d;
	uint64_t t = 0;

	(void)unused;
	load(&d, "dsonano", "fill = 0x08003000 0x1d000 0x12\nfill = 0 64K 0x34\n");
	dfuse_cmd(&d, t, 0x41, 0, 0);
	assert_string_equal(d.note, "cmd=MASS_ERASE");
	dfuse_ok(&d, &t, 116 * 30);	/* the erasable pages' times added up */
	assert_int_equal(mem_at(&d, 0, 0x08003000), 0xff);
	assert_int_equal(mem_at(&d, 0, 0x0801ffff), 0xff);
	assert_int_equal(mem_at(&d, 0, 0x08002fff), sim_pattern_byte(0x08002fff));
	assert_int_equal(mem_at(&d, 1, 0), 0x34);	/* another alt's memory */
	sim_free(&d);

	load(&d, "stm32f4", "mass_erase_ms = 9000\n");
	t = 0;
	dfuse_cmd(&d, t, 0x41, 0, 0);
	dfuse_ok(&d, &t, 9000);
	sim_free(&d);

	/* nothing erasable in the alt */
	load(&d, "dsonano", "alt = @Boot/0x08000000/4*1Ka\n");
	t = 0;
	dfuse_cmd(&d, t, 0x41, 0, 0);
	dfuse_refused(&d, &t, DFU_STATUS_ERR_TARGET);
	sim_free(&d);
}

static void test_dfuse_write(void **unused)
{
	struct sim_device d;
	unsigned char b[2048];
	uint64_t t = 0;
	int i;

	(void)unused;
	load(&d, "stm32f4", NULL);
	dfuse_cmd(&d, t, 0x21, 1, 0x08004000);
	dfuse_ok(&d, &t, 1);
	/* block n lands at pointer + (n - 2) * wTransferSize */
	for (i = 2; i <= 4; i++) {
		memset(b, 0x10 + i, sizeof(b));
		assert_int_equal(dn(&d, t, (uint16_t)i, b, 2048), 2048);
		dfuse_ok(&d, &t, 8);
	}
	assert_int_equal(mem_at(&d, 0, 0x08003fff), 0xff);
	assert_int_equal(mem_at(&d, 0, 0x08004000), 0x12);
	assert_int_equal(mem_at(&d, 0, 0x08004800), 0x13);
	assert_int_equal(mem_at(&d, 0, 0x08005000), 0x14);
	assert_int_equal(mem_at(&d, 0, 0x08005800), 0xff);
	/* a short last block, and a block number jumping ahead */
	memset(b, 0x77, 10);
	assert_int_equal(dn(&d, t, 9, b, 10), 10);
	assert_string_equal(d.note, "cmd=WRITE addr=0x08007800 len=10");
	dfuse_ok(&d, &t, 8);
	assert_int_equal(mem_at(&d, 0, 0x08007809), 0x77);
	assert_int_equal(mem_at(&d, 0, 0x0800780a), 0xff);
	/* from dfuIDLE too (after ABORT): the pointer stays */
	assert_int_equal(simple(&d, t, DFU_ABORT, 0), 0);
	assert_int_equal(dn(&d, t, 10, b, 1), 1);
	dfuse_ok(&d, &t, 8);
	assert_int_equal(mem_at(&d, 0, 0x08008000), 0x77);
	assert_int_equal(d.count.violations, 0);

	/* the end of the map: a block that runs past it is refused whole */
	dfuse_cmd(&d, t, 0x21, 1, 0x080ffc00);
	dfuse_ok(&d, &t, 1);
	assert_int_equal(dn(&d, t, 2, b, 2048), 2048);
	dfuse_refused(&d, &t, DFU_STATUS_ERR_TARGET);
	assert_int_equal(mem_at(&d, 0, 0x080ffc00), 0xff);
	/* wLength above wTransferSize stalls */
	assert_int_equal(dn(&d, t, 2, b, 2049), SIM_STALL);
	sim_free(&d);

	/* not writable: the DSO Nano's bootloader */
	load(&d, "dsonano", NULL);
	t = 0;
	memset(b, 0, sizeof(b));
	assert_int_equal(dn(&d, t, 2, b, 1024), 1024);	/* pointer 0x08000000 after reset */
	dfuse_refused(&d, &t, DFU_STATUS_ERR_TARGET);
	assert_int_equal(mem_at(&d, 0, 0x08000000), sim_pattern_byte(0x08000000));
	/* the DSO Nano workflow: APP at 0x0800C000, 1 KiB blocks */
	dfuse_cmd(&d, t, 0x21, 1, 0x0800c000);
	dfuse_ok(&d, &t, 1);
	assert_int_equal(dn(&d, t, 3, b, 1024), 1024);
	dfuse_ok(&d, &t, 27);
	assert_int_equal(mem_at(&d, 0, 0x0800c3ff), 0xff);
	assert_int_equal(mem_at(&d, 0, 0x0800c400), 0x00);
	sim_free(&d);
}

static void test_dfuse_violation(void **unused)
{
	struct sim_device d;
	unsigned char b[4] = { 0x0f, 0xff, 0x00, 0x3c };
	uint64_t t = 0;
	int fs;

	(void)unused;
	load(&d, "stm32f4", NULL);
	assert_int_equal(dn(&d, t, 2, b, 4), 4);
	dfuse_ok(&d, &t, 8);
	/* the same bytes again need no 0 -> 1 change: fine */
	assert_int_equal(dn(&d, t, 2, b, 4), 4);
	dfuse_ok(&d, &t, 8);
	/* clearing more bits is what flash can do */
	b[1] = 0x0f;
	assert_int_equal(dn(&d, t, 2, b, 4), 4);
	dfuse_ok(&d, &t, 8);
	assert_int_equal(d.count.violations, 0);
	/* 0x0f -> 0xf0 needs bits set: recorded, the cells hold old AND new */
	b[0] = 0xf0;
	b[1] = 0xff;
	assert_int_equal(dn(&d, t, 2, b, 4), 4);
	assert_string_equal(d.note, "cmd=WRITE addr=0x08000000 len=4 "
				    "VIOLATION addr=0x08000000 bytes=2 error=errVERIFY");
	assert_int_equal(dfuse_wait(&d, &t, 8, &fs), DFU_STATUS_ERR_VERIFY);
	assert_int_equal(fs, DFU_STATE_DFU_ERROR);
	assert_int_equal(d.count.violations, 1);
	assert_int_equal(mem_at(&d, 0, 0x08000000), 0x00);
	assert_int_equal(mem_at(&d, 0, 0x08000001), 0x0f);
	/* after an erase the same write is clean */
	assert_int_equal(simple(&d, t, DFU_CLRSTATUS, 0), 0);
	dfuse_cmd(&d, t, 0x41, 1, 0x08000000);
	dfuse_ok(&d, &t, 250);
	assert_int_equal(dn(&d, t, 2, b, 4), 4);
	dfuse_ok(&d, &t, 8);
	assert_int_equal(mem_at(&d, 0, 0x08000000), 0xf0);
	assert_int_equal(d.count.violations, 1);
	sim_free(&d);
}

static void test_dfuse_upload(void **unused)
{
	struct sim_device d;
	unsigned char b[2048];
	uint64_t t = 0;

	(void)unused;
	load(&d, "dsonano", NULL);
	/* Get Commands */
	assert_int_equal(up(&d, t, 0, b, 1024), 4);
	assert_int_equal(b[0], 0x00);
	assert_int_equal(b[1], 0x21);
	assert_int_equal(b[2], 0x41);
	assert_int_equal(b[3], 0x92);
	assert_string_equal(d.note, "cmd=GET_COMMANDS");
	assert_int_equal(state(&d, t), DFU_STATE_DFU_IDLE);	/* short: upload over */
	assert_int_equal(up(&d, t, 0, b, 4), 4);
	assert_int_equal(state(&d, t), DFU_STATE_DFU_UPLOAD_IDLE);
	assert_int_equal(simple(&d, t, DFU_ABORT, 0), 0);

	/* SET_ADDRESS, ABORT, blocks 2, 3 ... from pointer + (n - 2) * 1024 */
	dfuse_cmd(&d, t, 0x21, 1, 0x08000800);
	dfuse_ok(&d, &t, 1);
	assert_int_equal(up(&d, t, 2, b, 1024), SIM_STALL);	/* not in dfuDNLOAD-IDLE */
	assert_int_equal(simple(&d, t, DFU_CLRSTATUS, 0), 0);
	assert_int_equal(up(&d, t, 2, b, 1024), 1024);
	assert_string_equal(d.note, "cmd=READ addr=0x08000800 len=1024");
	assert_int_equal(b[0], sim_pattern_byte(0x08000800));
	assert_int_equal(b[1023], sim_pattern_byte(0x08000bff));
	assert_int_equal(up(&d, t, 4, b, 1024), 1024);
	assert_int_equal(b[0], sim_pattern_byte(0x08001000));
	assert_int_equal(state(&d, t), DFU_STATE_DFU_UPLOAD_IDLE);
	/* a short request still starts at its block's address */
	assert_int_equal(up(&d, t, 13, b, 16), 16);
	assert_int_equal(b[0], 0xff);	/* 0x08003400 */
	/* past the end of the map: stall, dfuERROR, errTARGET */
	assert_int_equal(up(&d, t, 200, b, 1024), SIM_STALL);
	assert_int_equal(d.state, DFU_STATE_DFU_ERROR);
	assert_int_equal(d.status, DFU_STATUS_ERR_TARGET);
	assert_int_equal(simple(&d, t, DFU_CLRSTATUS, 0), 0);
	/* block 1 means nothing */
	assert_int_equal(up(&d, t, 1, b, 1024), SIM_STALL);
	sim_free(&d);

	/* not readable ('f' = erasable and writable) */
	load(&d, "dsonano", "alt = @Secret/0x08000000/4*1Kf\n");
	t = 0;
	assert_int_equal(up(&d, t, 2, b, 1024), SIM_STALL);
	assert_int_equal(d.status, DFU_STATUS_ERR_TARGET);
	sim_free(&d);
}

static void test_dfuse_leave(void **unused)
{
	struct sim_device d;
	struct dfu_status_reply st;
	unsigned char b[6];
	unsigned int gen;
	uint64_t t = 0;

	(void)unused;
	/* the F4: dfuMANIFEST, then the application (no DFU) runs: gone */
	load(&d, "stm32f4", NULL);
	dfuse_cmd(&d, t, 0x21, 1, 0x08000000);
	dfuse_ok(&d, &t, 1);
	assert_int_equal(dn(&d, t, 2, NULL, 0), 0);
	assert_string_equal(d.note, "cmd=LEAVE addr=0x08000000");
	assert_int_equal(d.state, DFU_STATE_DFU_MANIFEST_SYNC);
	status(&d, t, &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_MANIFEST);
	assert_int_equal(st.bStatus, DFU_STATUS_OK);
	assert_true(d.gone);
	assert_int_equal(simple(&d, t, DFU_CLRSTATUS, 0), SIM_GONE);
	sim_free(&d);

	/* a bootloader that goes without answering */
	load(&d, "stm32f4", "leave_status = 0\n");
	assert_int_equal(dn(&d, t, 2, NULL, 0), 0);	/* from dfuIDLE */
	assert_true(d.gone);
	assert_int_equal(sim_control(&d, t, IN, DFU_GETSTATUS, 0, 0, b, 6), SIM_GONE);
	sim_free(&d);

	/* an application with a run-time DFU interface comes back as such */
	load(&d, "stm32f4", "runtime_vendor = 0x0483\nruntime_product = 0x5740\n"
			    "after_manifest = runtime\nstate = dfuIDLE\n");
	gen = d.generation;
	assert_int_equal(dn(&d, t, 2, NULL, 0), 0);
	status(&d, t, &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_MANIFEST);
	assert_false(d.gone);
	assert_int_equal(d.mode, SIM_MODE_RUNTIME);
	assert_int_equal(d.state, DFU_STATE_APP_IDLE);
	assert_int_not_equal(d.generation, gen);
	sim_free(&d);

	/* no valid application: the bootloader re-enumerates */
	load(&d, "dsonano", "after_manifest = idle\n");
	gen = d.generation;
	assert_int_equal(dn(&d, t, 2, NULL, 0), 0);
	status(&d, t, &st);
	assert_int_equal(d.mode, SIM_MODE_DFU);
	assert_int_equal(d.state, DFU_STATE_DFU_IDLE);
	assert_int_equal(d.generation, gen + 1);
	assert_int_equal(d.devnum, 0);
	sim_free(&d);
}

static void test_dfuse_read_unprotect(void **unused)
{
	struct sim_device d;
	struct dfu_status_reply st;
	unsigned int gen;
	uint64_t t = MS(5);

	(void)unused;
	load(&d, "dsonano", "fill = 0x08003000 1K 0x00\nmass_erase_ms = 40\n");
	assert_int_equal(sim_set_alt(&d, 1), 0);	/* it erases the internal flash anyway */
	gen = d.generation;
	dfuse_cmd(&d, t, 0x92, 0, 0);
	assert_string_equal(d.note, "cmd=READ_UNPROTECT");
	assert_int_equal(mem_at(&d, 0, 0x08003000), 0x00);	/* not before the status */
	status(&d, t, &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_DNBUSY);
	assert_int_equal(st.bwPollTimeout, 40);
	/* erased and reset: a new device on the bus once the erase is over */
	assert_int_equal(mem_at(&d, 0, 0x08003000), 0xff);
	assert_int_equal(mem_at(&d, 0, 0x08000000), sim_pattern_byte(0x08000000));
	assert_int_equal(d.generation, gen + 1);
	assert_int_equal(d.state, DFU_STATE_DFU_IDLE);
	assert_int_equal(d.alt, 0);
	assert_true(d.away_until_us == t + MS(40));
	sim_free(&d);
}

static void test_dfuse_idle_poll_and_reset(void **unused)
{
	struct sim_device d;
	struct dfu_status_reply st;
	unsigned char b[8] = { 0 };
	uint64_t t = 0;

	(void)unused;
	load(&d, "dfuse-idle-poll", NULL);
	assert_int_equal(dn(&d, t, 2, b, 8), 8);
	status(&d, t, &st);
	assert_int_equal(st.bwPollTimeout, 8);
	t += MS(8);
	status(&d, t, &st);
	assert_int_equal(st.bState, DFU_STATE_DFU_DNLOAD_IDLE);
	assert_int_equal(st.bwPollTimeout, 8);	/* repeated while idle */

	/* a bus reset keeps a DfuSe bootloader in DFU mode, pointer back at the start */
	dfuse_cmd(&d, t, 0x21, 1, 0x08020000);
	dfuse_ok(&d, &t, 1);
	assert_int_equal(sim_bus_reset(&d, t), 0);
	assert_int_equal(d.state, DFU_STATE_DFU_IDLE);
	assert_int_equal(d.address, 0x08000000);
	assert_false(d.gone);
	sim_free(&d);
}

/* The seam: region files, the request log's notes, stats, read unprotect's absence. */
static void test_usb_sim_dfuse_state(void **unused)
{
	struct usb_backend *be;
	struct usb_handle *h;
	struct usb_dev_info *l;
	unsigned char b[2048], st[6], cmd[5] = { 0x21, 0x00, 0x40, 0x00, 0x08 };
	char p[512];
	struct stat sb;
	FILE *f;
	int n, i;

	(void)unused;
	be = bus_up("dsonano", 1);
	h = open_first(be, NULL);
	assert_int_equal(be->ops->claim_interface(h, 0), 0);
	assert_int_equal(usb_control(h, OUT, DFU_DNLOAD, 0, 0, cmd, 5, 1000), 5);
	assert_int_equal(usb_control(h, IN, DFU_GETSTATUS, 0, 0, st, 6, 1000), 6);
	usb_sleep_ms(be, st[1]);
	assert_int_equal(usb_control(h, IN, DFU_GETSTATUS, 0, 0, st, 6, 1000), 6);
	cmd[0] = 0x41;
	assert_int_equal(usb_control(h, OUT, DFU_DNLOAD, 0, 0, cmd, 5, 1000), 5);
	assert_int_equal(usb_control(h, IN, DFU_GETSTATUS, 0, 0, st, 6, 1000), 6);
	usb_sleep_ms(be, st[1]);
	assert_int_equal(usb_control(h, IN, DFU_GETSTATUS, 0, 0, st, 6, 1000), 6);
	for (i = 0; i < 1024; i++)
		b[i] = (unsigned char)i;
	assert_int_equal(usb_control(h, OUT, DFU_DNLOAD, 2, 0, b, 1024, 1000), 1024);
	assert_int_equal(usb_control(h, IN, DFU_GETSTATUS, 0, 0, st, 6, 1000), 6);
	usb_sleep_ms(be, st[1]);
	assert_int_equal(usb_control(h, IN, DFU_GETSTATUS, 0, 0, st, 6, 1000), 6);
	assert_int_equal(st[4], DFU_STATE_DFU_DNLOAD_IDLE);
	be->ops->close(h);
	be->ops->exit(be);

	assert_int_equal(count_lines("requests.log", " DNLOAD "), 3);
	assert_int_equal(count_lines("requests.log", "cmd=SET_ADDRESS addr=0x08004000"), 1);
	assert_int_equal(count_lines("requests.log", "cmd=ERASE addr=0x08004000"), 1);
	assert_int_equal(count_lines("requests.log", "cmd=WRITE addr=0x08004000 len=1024"), 1);
	assert_int_equal(stat_value("violations"), 0);
	/* alt 0 up to the last byte that is not 0xFF; the empty SPI flash costs nothing */
	snprintf(p, sizeof(p), "%s/dev1.alt0.0x08000000.mem", tmpdir);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_size, 0x4000 + 1023);	/* b[1023] = 0xff */
	f = fopen(p, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0x4000, SEEK_SET), 0);
	assert_int_equal(fgetc(f), 0x00);
	assert_int_equal(fgetc(f), 0x01);
	fclose(f);
	snprintf(p, sizeof(p), "%s/dev1.alt1.0x00000000.mem", tmpdir);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_size, 0);

	/* next run: same memory; writing over it is a recorded violation */
	be = bus_up(NULL, 1);
	h = open_first(be, NULL);
	assert_int_equal(be->ops->claim_interface(h, 0), 0);
	/* the device is still in dfuDNLOAD-IDLE: no upload there */
	assert_int_equal(usb_control(h, IN, DFU_UPLOAD, 2, 0, b, 1024, 1000), USB_ERR_STALL);
	assert_int_equal(usb_control(h, OUT, DFU_CLRSTATUS, 0, 0, NULL, 0, 1000), 0);
	cmd[0] = 0x21;
	assert_int_equal(usb_control(h, OUT, DFU_DNLOAD, 0, 0, cmd, 5, 1000), 5);
	assert_int_equal(usb_control(h, IN, DFU_GETSTATUS, 0, 0, st, 6, 1000), 6);
	usb_sleep_ms(be, st[1]);
	assert_int_equal(usb_control(h, IN, DFU_GETSTATUS, 0, 0, st, 6, 1000), 6);
	assert_int_equal(usb_control(h, OUT, DFU_ABORT, 0, 0, NULL, 0, 1000), 0);
	assert_int_equal(usb_control(h, IN, DFU_UPLOAD, 2, 0, b, 1024, 1000), 1024);
	assert_int_equal(b[5], 5);
	assert_int_equal(usb_control(h, OUT, DFU_ABORT, 0, 0, NULL, 0, 1000), 0);
	memset(b, 0xfe, 4);
	assert_int_equal(usb_control(h, OUT, DFU_DNLOAD, 2, 0, b, 4, 1000), 4);
	/* read unprotect: the device answers, then is off the bus while erasing */
	assert_int_equal(usb_control(h, IN, DFU_GETSTATUS, 0, 0, st, 6, 1000), 6);
	usb_sleep_ms(be, st[1]);
	assert_int_equal(usb_control(h, IN, DFU_GETSTATUS, 0, 0, st, 6, 1000), 6);
	assert_int_equal(st[0], DFU_STATUS_ERR_VERIFY);
	assert_int_equal(usb_control(h, OUT, DFU_CLRSTATUS, 0, 0, NULL, 0, 1000), 0);
	cmd[0] = 0x92;
	assert_int_equal(usb_control(h, OUT, DFU_DNLOAD, 0, 0, cmd, 1, 1000), 1);
	assert_int_equal(usb_control(h, IN, DFU_GETSTATUS, 0, 0, st, 6, 1000), 6);
	assert_int_equal(st[4], DFU_STATE_DFU_DNBUSY);
	assert_int_equal(usb_control(h, IN, DFU_GETSTATUS, 0, 0, st, 6, 1000),
			 USB_ERR_NO_DEVICE);
	be->ops->close(h);
	assert_int_equal(be->ops->enumerate(be, &l, &n), 0);
	assert_int_equal(n, 0);
	be->ops->free_list(be, l, n);
	/* away for the mass erase of the 116 application pages, then re-enumerating */
	usb_sleep_ms(be, 116 * 30 + 500 - 1);
	assert_int_equal(be->ops->enumerate(be, &l, &n), 0);
	assert_int_equal(n, 0);
	be->ops->free_list(be, l, n);
	usb_sleep_ms(be, 1);
	assert_int_equal(be->ops->enumerate(be, &l, &n), 0);
	assert_int_equal(n, 1);
	be->ops->free_list(be, l, n);
	be->ops->exit(be);
	assert_int_equal(stat_value("violations"), 1);
	assert_int_equal(count_lines("requests.log", "VIOLATION addr=0x08004000 bytes=4"), 1);
	assert_int_equal(count_lines("requests.log", "cmd=READ_UNPROTECT"), 1);
	snprintf(p, sizeof(p), "%s/dev1.alt0.0x08000000.mem", tmpdir);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_size, 0x3000);	/* only the bootloader is left */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_download_sequence),
		cmocka_unit_test(test_block_wrap),
		cmocka_unit_test(test_block_number_mismatch),
		cmocka_unit_test(test_transfer_size_stall),
		cmocka_unit_test(test_illegal_and_clrstatus),
		cmocka_unit_test(test_dnbusy_only_getstatus),
		cmocka_unit_test(test_abort),
		cmocka_unit_test(test_upload_short_block),
		cmocka_unit_test(test_upload_unsupported),
		cmocka_unit_test(test_address_error),
		cmocka_unit_test(test_intolerant_reset),
		cmocka_unit_test(test_intolerant_will_detach),
		cmocka_unit_test(test_reset_mid_download),
		cmocka_unit_test(test_runtime_detach_reset),
		cmocka_unit_test(test_detach_timer),
		cmocka_unit_test(test_will_detach),
		cmocka_unit_test(test_initial_state),
		cmocka_unit_test(test_set_alt),
		cmocka_unit_test(test_profile_parse_good),
		cmocka_unit_test(test_profile_parse_bad),
		cmocka_unit_test(test_profile_tables),
		cmocka_unit_test(test_profile_files),
		cmocka_unit_test(test_desc_dfu_plain),
		cmocka_unit_test(test_desc_stm32f4),
		cmocka_unit_test(test_desc_dfu10),
		cmocka_unit_test(test_desc_func_location),
		cmocka_unit_test_setup_teardown(test_usb_sim_persistence, make_tmpdir, remove_tmpdir),
		cmocka_unit_test_setup_teardown(test_usb_sim_reenumerate, make_tmpdir, remove_tmpdir),
		cmocka_unit_test_setup_teardown(test_usb_sim_bus_presence, make_tmpdir, remove_tmpdir),
		cmocka_unit_test_setup_teardown(test_usb_sim_descriptors, make_tmpdir, remove_tmpdir),
		cmocka_unit_test_setup_teardown(test_usb_sim_vanish_and_errors, make_tmpdir,
						remove_tmpdir),
		cmocka_unit_test_setup_teardown(test_usb_sim_never_prints, make_tmpdir,
						remove_tmpdir),
		cmocka_unit_test(test_usb_sim_real_clock),
		cmocka_unit_test(test_dfuse_profiles),
		cmocka_unit_test(test_dfuse_profile_keys),
		cmocka_unit_test(test_dfuse_set_address),
		cmocka_unit_test(test_dfuse_unknown_command),
		cmocka_unit_test(test_dfuse_erase),
		cmocka_unit_test(test_dfuse_mass_erase),
		cmocka_unit_test(test_dfuse_write),
		cmocka_unit_test(test_dfuse_violation),
		cmocka_unit_test(test_dfuse_upload),
		cmocka_unit_test(test_dfuse_leave),
		cmocka_unit_test(test_dfuse_read_unprotect),
		cmocka_unit_test(test_dfuse_idle_poll_and_reset),
		cmocka_unit_test_setup_teardown(test_usb_sim_dfuse_state, make_tmpdir, remove_tmpdir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
