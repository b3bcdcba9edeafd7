/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * dfuse.c against a small scripted DfuSe device: flash that can only clear
 * bits, an address pointer, commands that run on the GETSTATUS after them.
 * The fake USB backend (fake_usb.h) records every request, with the first
 * payload bytes, and every sleep, so the tests assert the exact wire
 * sequence, the transfer count per block and that we never sleep when the
 * device did not ask us to.
 */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "dfuse.h"
#include "dfuse_map.h"
#include "dfuse_plan.h"
#include "errors.h"
#include "fake_usb.h"
#include "interrupt.h"
#include "log.h"

#define BASE		0x08000000u
#define MEM_LEN		(128u * 1024u)

enum leave_mode {
	LEAVE_VANISH_ON_STATUS = 0,	/* GETSTATUS after the zero-length DNLOAD: no device */
	LEAVE_ANSWER_MANIFEST,		/* answers dfuMANIFEST, then is gone */
	LEAVE_VANISH_ON_DNLOAD,		/* gone during the zero-length DNLOAD itself */
	LEAVE_STAY,			/* answers dfuDNLOAD-IDLE: did not leave */
};

struct fake {
	struct fake_usb usb;		/* first: the backend, clock and log */
	/* the device */
	unsigned char mem[MEM_LEN];	/* flash at BASE */
	uint32_t page_size;
	uint16_t ts;			/* wTransferSize the device computes data addresses with */
	int state, status;
	uint32_t ptr;
	int pending;			/* a DNLOAD waits for its GETSTATUS */
	unsigned char pend[4096];
	uint16_t pend_len, pend_block;
	unsigned int busy_poll;		/* bwPollTimeout with dfuDNBUSY */
	unsigned int idle_poll;		/* bwPollTimeout repeated in dfuDNLOAD-IDLE */
	int direct_idle;		/* skip dfuDNBUSY: answer dfuDNLOAD-IDLE at once */
	enum leave_mode leave_mode;
	int gone;
	int violations;			/* requests in a wrong state, writes over unerased bits */
	uint32_t erases[64];
	size_t n_erases;
	int mass_erased, unprotected;
	uint16_t fail_write_block;	/* 0 = never; else errWRITE for this wBlockNum */
	size_t interrupt_at_erase;	/* 0 = never; else SIGINT as the host sees it, at erase N */
};

static int in_mem(uint32_t addr, uint32_t len)
{
	return addr >= BASE && (uint64_t)addr + len <= (uint64_t)BASE + MEM_LEN;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Run what the last DNLOAD asked for; returns a DFU status. */
static int fake_execute(struct fake *f)
{
	f->pending = 0;
	if (f->pend_block == 0) {
		if (f->pend_len == 5 && f->pend[0] == 0x21) {
			f->ptr = le32(f->pend + 1);
			return DFU_STATUS_OK;
		}
		if (f->pend_len == 5 && f->pend[0] == 0x41) {
			uint32_t a = le32(f->pend + 1);
			uint32_t page;

			if (!in_mem(a, 1))
				return DFU_STATUS_ERR_TARGET;
			page = a - (a - BASE) % f->page_size;
			memset(f->mem + (page - BASE), 0xff, f->page_size);
			if (f->n_erases < 64)
				f->erases[f->n_erases++] = page;
			if (f->interrupt_at_erase && f->n_erases == f->interrupt_at_erase)
				interrupt_raise_for_test(SIGINT);
			return DFU_STATUS_OK;
		}
		if (f->pend_len == 1 && f->pend[0] == 0x41) {
			memset(f->mem, 0xff, sizeof(f->mem));
			f->mass_erased++;
			return DFU_STATUS_OK;
		}
		return DFU_STATUS_ERR_STALLEDPKT;
	}
	if (f->pend_block == f->fail_write_block)
		return DFU_STATUS_ERR_WRITE;
	{
		uint64_t a = f->ptr + (uint64_t)(f->pend_block - 2) * f->ts;
		size_t i;

		if (a > UINT32_MAX || !in_mem((uint32_t)a, f->pend_len))
			return DFU_STATUS_ERR_TARGET;
		for (i = 0; i < f->pend_len; i++) {
			unsigned char *m = &f->mem[a - BASE + i];

			/* Flash only clears bits: anything else is a missed erase. */
			if ((*m & f->pend[i]) != f->pend[i])
				f->violations++;
			*m = f->pend[i];
		}
	}
	return DFU_STATUS_OK;
}

/* The GETSTATUS that runs the pending command ends in DNLOAD-IDLE or ERROR. */
static int fake_finish(struct fake *f, unsigned char *data)
{
	f->status = fake_execute(f);
	f->state = f->status ? DFU_STATE_DFU_ERROR : DFU_STATE_DFU_DNLOAD_IDLE;
	return fake_usb_status(data, f->status, f->status ? 0 : f->idle_poll, f->state);
}

static int fake_getstatus(struct fake *f, unsigned char *data)
{
	switch (f->state) {
	case DFU_STATE_DFU_DNLOAD_SYNC:
		if (f->pend_block == 0 && f->pend_len == 1 && f->pend[0] == 0x92) {
			/* Read unprotect: busy, then a reset without another word. */
			f->unprotected = 1;
			f->gone = 1;
			return fake_usb_status(data, 0, 100, DFU_STATE_DFU_DNBUSY);
		}
		if (f->direct_idle)
			return fake_finish(f, data);
		f->state = DFU_STATE_DFU_DNBUSY;
		return fake_usb_status(data, 0, f->busy_poll, DFU_STATE_DFU_DNBUSY);
	case DFU_STATE_DFU_DNBUSY:
		return fake_finish(f, data);
	case DFU_STATE_DFU_MANIFEST:
		switch (f->leave_mode) {
		case LEAVE_ANSWER_MANIFEST:
			f->gone = 1;
			return fake_usb_status(data, 0, 0, DFU_STATE_DFU_MANIFEST);
		case LEAVE_STAY:
			f->state = DFU_STATE_DFU_DNLOAD_IDLE;
			return fake_usb_status(data, 0, 0, f->state);
		default:
			f->gone = 1;
			return USB_ERR_NO_DEVICE;
		}
	default:
		return fake_usb_status(data, f->status, f->state == DFU_STATE_DFU_DNLOAD_IDLE ?
				       f->idle_poll : 0, f->state);
	}
}

static int fake_respond(void *dev, const struct fake_req *r, unsigned char *data)
{
	struct fake *f = dev;

	/* Every DfuSe request goes to interface 0 here. */
	assert_int_equal(r->index, 0);
	if (f->gone)
		return USB_ERR_NO_DEVICE;
	switch (r->req) {
	case DFU_DNLOAD:
		if (f->state != DFU_STATE_DFU_IDLE && f->state != DFU_STATE_DFU_DNLOAD_IDLE) {
			f->violations++;
			f->state = DFU_STATE_DFU_ERROR;
			f->status = DFU_STATUS_ERR_STALLEDPKT;
			return USB_ERR_STALL;
		}
		if (r->len == 0) {
			if (f->leave_mode == LEAVE_VANISH_ON_DNLOAD) {
				f->gone = 1;
				return USB_ERR_NO_DEVICE;
			}
			f->state = DFU_STATE_DFU_MANIFEST;
			return 0;
		}
		assert_true(r->len <= sizeof(f->pend));
		memcpy(f->pend, data, r->len);
		f->pend_len = r->len;
		f->pend_block = r->value;
		f->pending = 1;
		f->state = DFU_STATE_DFU_DNLOAD_SYNC;
		return r->len;
	case DFU_GETSTATUS:
		return fake_getstatus(f, data);
	case DFU_UPLOAD:
		if (f->state != DFU_STATE_DFU_IDLE && f->state != DFU_STATE_DFU_UPLOAD_IDLE) {
			f->violations++;
			f->state = DFU_STATE_DFU_ERROR;
			f->status = DFU_STATUS_ERR_STALLEDPKT;
			return USB_ERR_STALL;
		}
		if (r->value == 0) {
			static const unsigned char cmds[] = { 0x00, 0x21, 0x41, 0x92 };
			size_t n = r->len < sizeof(cmds) ? r->len : sizeof(cmds);

			memcpy(data, cmds, n);
			f->state = DFU_STATE_DFU_IDLE;
			return (int)n;
		}
		if (r->value == 1) {
			f->state = DFU_STATE_DFU_ERROR;
			return USB_ERR_STALL;
		}
		{
			/* The device computes the address from wLength. */
			uint64_t a = f->ptr + (uint64_t)(r->value - 2) * r->len;

			if (a > UINT32_MAX || !in_mem((uint32_t)a, r->len)) {
				f->state = DFU_STATE_DFU_ERROR;
				f->status = DFU_STATUS_ERR_TARGET;
				return USB_ERR_STALL;
			}
			memcpy(data, f->mem + (a - BASE), r->len);
			f->state = DFU_STATE_DFU_UPLOAD_IDLE;
			return r->len;
		}
	case DFU_ABORT:
	case DFU_CLRSTATUS:
		f->state = DFU_STATE_DFU_IDLE;
		f->status = 0;
		return 0;
	default:
		return USB_ERR_STALL;
	}
}

static struct fake *fake_new(uint16_t ts)
{
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fake_usb_init(&f->usb, fake_respond, f);
	f->page_size = 1024;
	f->ts = ts;
	f->state = DFU_STATE_DFU_IDLE;
	f->busy_poll = 10;
	memset(f->mem, 0xff, sizeof(f->mem));
	return f;
}

static void fake_free(struct fake *f)
{
	fake_usb_free(&f->usb);
	free(f);
}

static void session_init(struct dfu_session *s, struct fake *f)
{
	memset(s, 0, sizeof(*s));
	s->be = &f->usb.be;
	s->h = &f->usb.h;
	s->intf = 0;
	s->transfer_size = f->ts;
	s->timeout_ms = 5000;
	s->func.bmAttributes = DFU_ATTR_CAN_DNLOAD | DFU_ATTR_CAN_UPLOAD | DFU_ATTR_WILL_DETACH;
	s->func.bcdDFUVersion = 0x011a;
}

/*
 * The fixture of every test: a device with its wTransferSize, a session
 * on it, and the map and plan a test may build (freed with it).
 */
struct fx {
	struct fake *f;
	struct dfu_session s;
	struct dfuse_map map;
	struct dfuse_plan plan;
};

static struct fx *fx_new(uint16_t ts)
{
	struct fx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	x->f = fake_new(ts);
	session_init(&x->s, x->f);
	return x;
}

static void fx_free(struct fx *x)
{
	dfuse_plan_free(&x->plan);
	fake_free(x->f);
	free(x);
}

/* The wTransferSize of a test's device, its cmocka prestate (FX_TEST). */
static uint16_t ts_1024 = 1024, ts_2048 = 2048;
static uint16_t ts_1 = 1;	/* one byte a block: block numbers wrap within a small test */

static int fx_setup(void **state)
{
	*state = fx_new(*(uint16_t *)*state);
	return 0;
}

static int fx_teardown(void **state)
{
	fx_free(*state);
	return 0;
}

#define FX_TEST(test, ts) cmocka_unit_test_prestate_setup_teardown(test, fx_setup, fx_teardown, &(ts))

/*
 * "D0=2100000008 G G D2:1024 G G U2:1024 A" style trace: commands with
 * their payload in hex, data blocks with wBlockNum:wLength.
 */
static void trace_from(const struct fake *f, size_t from, char *buf, size_t cap)
{
	static const char letter[] = "eDUGCSA";
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = from; i < f->usb.n_reqs && n + 32 < cap; i++) {
		const struct fake_req *r = &f->usb.reqs[i];
		char c = r->req < 7 ? letter[r->req] : '?';
		const char *sp = i > from ? " " : "";

		if (r->req == DFU_DNLOAD && r->value == 0 && r->len > 0) {
			size_t k;

			n += (size_t)snprintf(buf + n, cap - n, "%sD0=", sp);
			for (k = 0; k < r->len && k < FAKE_USB_HEAD_LEN; k++)
				n += (size_t)snprintf(buf + n, cap - n, "%02x", r->head[k]);
		} else if (r->req == DFU_DNLOAD || r->req == DFU_UPLOAD) {
			n += (size_t)snprintf(buf + n, cap - n, "%s%c%u:%u", sp, c, r->value, r->len);
		} else {
			n += (size_t)snprintf(buf + n, cap - n, "%s%c", sp, c);
		}
	}
}

static void trace(const struct fake *f, char *buf, size_t cap)
{
	trace_from(f, 0, buf, cap);
}

static size_t count_set_address(const struct fake *f)
{
	size_t i, n = 0;

	for (i = 0; i < f->usb.n_reqs; i++)
		if (f->usb.reqs[i].req == DFU_DNLOAD && f->usb.reqs[i].value == 0 && f->usb.reqs[i].len == 5 &&
		    f->usb.reqs[i].head[0] == 0x21)
			n++;
	return n;
}

static unsigned char payload[70000];

/*
 * Into x->map and x->plan: LEN bytes of payload at ADDRESS on the flash
 * that MAP (an alt setting's name) describes, the rest of each page kept,
 * everything erased first with MASS_ERASE.
 */
static void fx_plan(struct fx *x, const char *map, uint32_t address, size_t len, int mass_erase)
{
	struct dfuse_plan_options po;
	struct dfuse_chunk chunk;
	char err[256];

	assert_int_equal(dfuse_map_parse(map, &x->map, err, sizeof(err)), 0);
	chunk.address = address;
	chunk.data = payload;
	chunk.len = len;
	chunk.label = NULL;
	memset(&po, 0, sizeof(po));
	po.preserve = 1;
	po.mass_erase = mass_erase;
	po.transfer_size = 1024;
	assert_int_equal(dfuse_plan_build(&x->map, &chunk, 1, &po, &x->plan), 0);
}

/* ------------------------------------------------------------- commands */

static void test_set_address(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	char t[256];

	assert_int_equal(dfuse_set_address(s, 0x0800c004), 0);
	trace(f, t, sizeof(t));
	assert_string_equal(t, "D0=2104c00008 G G");
	assert_int_equal(f->usb.reqs[0].rt, 0x21);
	assert_int_equal(f->usb.reqs[1].rt, 0xa1);
	assert_int_equal(f->ptr, 0x0800c004);
	assert_int_equal(f->state, DFU_STATE_DFU_DNLOAD_IDLE);
	/* The one wait the device asked for, and no sleep after the final status. */
	assert_int_equal(f->usb.n_sleeps, 1);
	assert_int_equal(f->usb.sleeps[0], 10);
	assert_int_equal(f->usb.reqs[f->usb.n_reqs - 1].at_ms, f->usb.now);
	assert_int_equal(s->n_requests, 3);
}

static void test_erase_three_pages(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	char t[512];

	memset(f->mem, 0x00, 4096);
	f->busy_poll = 25;
	assert_int_equal(dfuse_erase_page(s, 0x08000000), 0);
	assert_int_equal(dfuse_erase_page(s, 0x08000400), 0);
	assert_int_equal(dfuse_erase_page(s, 0x08000bff), 0);
	trace(f, t, sizeof(t));
	assert_string_equal(t, "D0=4100000008 G G D0=4100040008 G G D0=41ff0b0008 G G");
	assert_int_equal(f->n_erases, 3);
	assert_int_equal(f->erases[2], 0x08000800);
	assert_int_equal(f->mem[0], 0xff);
	assert_int_equal(f->mem[0xbff], 0xff);
	assert_int_equal(f->mem[0xc00], 0x00);
	assert_int_equal(f->usb.slept_ms, 75);
	assert_int_equal(f->usb.n_sleeps, 3);
}

static void test_mass_erase(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	char t[256];

	f->busy_poll = 3000;
	memset(f->mem, 0x12, 100);
	assert_int_equal(dfuse_mass_erase(s), 0);
	trace(f, t, sizeof(t));
	assert_string_equal(t, "D0=41 G G");
	assert_int_equal(f->usb.reqs[0].len, 1);
	assert_int_equal(f->mass_erased, 1);
	assert_int_equal(f->mem[50], 0xff);
	assert_int_equal(f->usb.slept_ms, 3000);
}

static void test_read_unprotect(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	char t[256];

	/* Busy, then gone: one GETSTATUS, no wait for a status that never comes. */
	assert_int_equal(dfuse_read_unprotect(s), 0);
	trace(f, t, sizeof(t));
	assert_string_equal(t, "D0=92 G");
	assert_int_equal(f->usb.reqs[0].len, 1);
	assert_true(f->unprotected);
	assert_int_equal(f->usb.n_sleeps, 0);
}

static void test_get_commands(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	unsigned char buf[16];
	char t[256];

	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(dfuse_get_commands(s, buf, sizeof(buf)), 4);
	trace(f, t, sizeof(t));
	assert_string_equal(t, "A U0:16 A");
	assert_int_equal(buf[0], 0x00);
	assert_int_equal(buf[1], 0x21);
	assert_int_equal(buf[2], 0x41);
	assert_int_equal(buf[3], 0x92);
	assert_int_equal(buf[4], 0xee);
	assert_int_equal(f->state, DFU_STATE_DFU_IDLE);
}

static void test_erase_errtarget(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	char t[256];
	const char *msg;
	int rc;

	capture_begin();
	rc = dfuse_erase_page(s, 0x08100000);
	capture_end();
	msg = capture_err();
	assert_int_equal(rc, DFU_E_IO);
	trace(f, t, sizeof(t));
	assert_string_equal(t, "D0=4100001008 G G");
	assert_non_null(strstr(msg, "error:"));
	assert_non_null(strstr(msg, "errTARGET"));
	assert_non_null(strstr(msg, "erase"));
	assert_non_null(strstr(msg, "0x08100000"));
	/* Reported once. */
	assert_null(strstr(strstr(msg, "error:") + 1, "error:"));
	assert_int_equal(f->n_erases, 0);
}

/* ---------------------------------------------------------------- leave */

static void run_leave(enum leave_mode mode, int expect, const char *expect_trace)
{
	struct fx *x = fx_new(2048);
	struct fake *f = x->f;
	char t[256];

	f->leave_mode = mode;
	assert_int_equal(dfuse_leave(&x->s, 1, 0x08000000), expect);
	trace(f, t, sizeof(t));
	assert_string_equal(t, expect_trace);
	assert_int_equal(f->ptr, 0x08000000);
	fx_free(x);
}

static void test_leave(void **state)
{
	(void)state;
	run_leave(LEAVE_VANISH_ON_STATUS, 0, "D0=2100000008 G G D2:0 G");
	run_leave(LEAVE_ANSWER_MANIFEST, 0, "D0=2100000008 G G D2:0 G");
	run_leave(LEAVE_VANISH_ON_DNLOAD, 0, "D0=2100000008 G G D2:0");
	run_leave(LEAVE_STAY, 1, "D0=2100000008 G G D2:0 G");
}

static void test_leave_without_address(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	char t[256];

	assert_int_equal(dfuse_leave(s, 0, 0), 0);
	trace(f, t, sizeof(t));
	assert_string_equal(t, "D2:0 G");
	assert_true(f->gone);
}

/* ---------------------------------------------------------------- write */

static void test_write_two_and_a_half_blocks(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	char t[512];

	assert_int_equal(dfuse_write(s, 0x08000400, payload, 2560, 0), 0);
	trace(f, t, sizeof(t));
	assert_string_equal(t, "D0=2100040008 G G D2:1024 G G D3:1024 G G D0=21000c0008 G G D2:512 G G");
	assert_memory_equal(f->mem + 0x400, payload, 2560);
	assert_int_equal(f->mem[0x3ff], 0xff);
	assert_int_equal(f->mem[0x400 + 2560], 0xff);
	assert_int_equal(f->violations, 0);
	/*
	 * At most 3 transfers per data block, plus a SET_ADDRESS for the run
	 * and one for the short last block (a device may place it by wLength).
	 */
	assert_int_equal(f->usb.n_reqs, 3 + 3 * 3 + 3);
	assert_int_equal(count_set_address(f), 2);
	/* Each wait exactly the 10 ms asked for; nothing after the last status. */
	assert_int_equal(f->usb.n_sleeps, 5);
	assert_int_equal(f->usb.slept_ms, 50);
	assert_int_equal(f->usb.reqs[f->usb.n_reqs - 1].at_ms, f->usb.now);
}

static void test_write_no_sleep_when_idle_at_once(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	char t[512];

	/* dfuDNLOAD-IDLE at once, repeating a nonzero bwPollTimeout: no reason to wait. */
	f->direct_idle = 1;
	f->idle_poll = 50;
	assert_int_equal(dfuse_write(s, 0x08000000, payload, 3000, 0), 0);
	trace(f, t, sizeof(t));
	assert_string_equal(t, "D0=2100000008 G D2:1024 G D3:1024 G D0=2100080008 G D2:952 G");
	assert_int_equal(f->usb.n_sleeps, 0);
	assert_memory_equal(f->mem, payload, 3000);
}

static void test_write_wraps_block_number(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	size_t n = 65534 + 3;	/* blocks 2..65535, then 3 more after a new SET_ADDRESS */
	size_t i, sa = 0;

	f->direct_idle = 1;
	assert_int_equal(dfuse_write(s, 0x08000010, payload, n, 0), 0);
	assert_int_equal(count_set_address(f), 2);
	assert_memory_equal(f->mem + 0x10, payload, n);
	assert_int_equal(f->violations, 0);
	for (i = 0; i < f->usb.n_reqs; i++) {
		const struct fake_req *r = &f->usb.reqs[i];

		if (r->req == DFU_DNLOAD && r->value == 0) {
			sa++;
			if (sa == 2) {
				/* The second pointer is where block 65536 would have gone. */
				assert_int_equal(le32(r->head + 1), 0x08000010 + 65534);
				assert_int_equal(f->usb.reqs[i - 2].value, 65535);
				assert_int_equal(f->usb.reqs[i + 2].value, 2);
			}
		}
		assert_true(r->req != DFU_DNLOAD || r->value == 0 || r->value >= 2);
	}
	/* 2 transfers per block here (idle at once), plus the two SET_ADDRESS. */
	assert_int_equal(f->usb.n_reqs, 2 * n + 2 * 2);
}

static void test_write_address_every_block(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	char t[512];

	f->direct_idle = 1;
	assert_int_equal(dfuse_write(s, 0x08000000, payload, 2100,
				     DFUSE_WRITE_ADDRESS_EVERY_BLOCK), 0);
	trace(f, t, sizeof(t));
	assert_string_equal(t, "D0=2100000008 G D2:1024 G D0=2100040008 G D2:1024 G "
			       "D0=2100080008 G D2:52 G");
	assert_memory_equal(f->mem, payload, 2100);
}

static void test_write_error_status(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	char t[512];
	const char *msg;
	int rc;

	f->fail_write_block = 3;
	capture_begin();
	rc = dfuse_write(s, 0x08000000, payload, 4096, 0);
	capture_end();
	msg = capture_err();
	assert_int_equal(rc, DFU_E_IO);
	trace(f, t, sizeof(t));
	assert_string_equal(t, "D0=2100000008 G G D2:1024 G G D3:1024 G G");
	assert_non_null(strstr(msg, "errWRITE"));
	assert_non_null(strstr(msg, "block 3 at 0x08000400"));
}

static void test_write_will_reset(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	char t[512];

	/* The last block answers dfuDNBUSY: no second GETSTATUS, no sleep. */
	assert_int_equal(dfuse_write(s, 0x08000000, payload, 1500, DFUSE_WRITE_WILL_RESET), 1);
	trace(f, t, sizeof(t));
	assert_string_equal(t, "D0=2100000008 G G D2:1024 G G D0=2100040008 G G D2:476 G");
	assert_int_equal(f->usb.n_sleeps, 3);
}

static void test_write_refuses_wrap_past_4gib(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;

	assert_int_equal(dfuse_write(s, 0xffffff00, payload, 0x200, 0), DFU_E_DATA);
	assert_int_equal(f->usb.n_reqs, 0);
}

/* ----------------------------------------------------------------- read */

static void test_read_two_and_a_half_blocks(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	unsigned char buf[2560 + 16];
	char t[512];

	memcpy(f->mem + 0x800, payload, 4096);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(dfuse_read(s, 0x08000800, buf, 2560), 0);
	trace(f, t, sizeof(t));
	/* Full-size requests, the last one cut on the host side; back to dfuIDLE. */
	assert_string_equal(t, "D0=2100080008 G G A U2:1024 U3:1024 U4:1024 A");
	assert_memory_equal(buf, payload, 2560);
	assert_int_equal(buf[2560], 0xee);
	assert_int_equal(buf[2560 + 15], 0xee);
	assert_int_equal(f->state, DFU_STATE_DFU_IDLE);
	assert_int_equal(f->violations, 0);
}

static void test_read_wraps_block_number(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	size_t n = 65534 + 2;
	unsigned char *buf = malloc(n);
	char t[256];

	assert_non_null(buf);
	f->direct_idle = 1;
	memcpy(f->mem, payload, n);
	assert_int_equal(dfuse_read(s, 0x08000000, buf, n), 0);
	assert_memory_equal(buf, payload, n);
	assert_int_equal(count_set_address(f), 2);
	assert_int_equal(f->violations, 0);
	/* ABORT out of dfuUPLOAD-IDLE, new pointer, ABORT, blocks from 2 again. */
	trace_from(f, f->usb.n_reqs - 8, t, sizeof(t));
	assert_string_equal(t, "U65535:1 A D0=21feff0008 G A U2:1 U3:1 A");
	free(buf);
}

static void test_read_short_block(void **state)
{
	struct fx *x = *state;
	struct dfu_session *s = &x->s;
	unsigned char buf[2048];

	/* Past the end of the fake's memory the device refuses the block. */
	assert_int_equal(dfuse_read(s, BASE + MEM_LEN - 1024, buf, 2048), DFU_E_IO);
}

/* ------------------------------------------------------------ upload plan */

struct sink {
	unsigned char buf[8192];
	size_t len;
};

static int sink_fn(void *ctx, const unsigned char *data, size_t len)
{
	struct sink *k = ctx;

	assert_true(k->len + len <= sizeof(k->buf));
	memcpy(k->buf + k->len, data, len);
	k->len += len;
	return 0;
}

static void test_upload_plan_to_end_of_region(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	struct dfuse_upload_plan up;
	struct sink k;
	char err[256];

	memcpy(f->mem, payload, 8192);
	assert_int_equal(dfuse_map_parse("@Internal Flash  /0x08000000/08*001Kg", &x->map, err,
					 sizeof(err)), 0);
	memset(&up, 0, sizeof(up));
	assert_int_equal(dfuse_upload_plan_build(&x->map, 0x08001100, 0, 0, 1024, 0, &up), 0);
	memset(&k, 0, sizeof(k));
	assert_int_equal(dfuse_upload(s, &up, sink_fn, &k), 8192 - 0x1100);
	assert_int_equal(k.len, 8192 - 0x1100);
	assert_memory_equal(k.buf, payload + 0x1100, k.len);
	assert_int_equal(f->state, DFU_STATE_DFU_IDLE);
	assert_int_equal(f->violations, 0);
	dfuse_upload_plan_free(&up);
}

/* -------------------------------------------------------------- execute */

static void test_execute_preserves_neighbours(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	struct dfuse_plan *plan = &x->plan;
	struct dfuse_exec_options eo;
	unsigned char old[4096];
	char t[2048];
	size_t i;

	for (i = 0; i < sizeof(old); i++)
		old[i] = (unsigned char)(i * 7 + 1);
	memcpy(f->mem, old, sizeof(old));
	/* 1500 bytes from 0x08000200: two pages, each only partly covered. */
	fx_plan(x, "@Internal Flash  /0x08000000/04*001Kg", 0x08000200, 1500, 0);
	assert_int_equal(plan->n_erases, 2);
	assert_int_equal(plan->n_reads, 2);

	memset(&eo, 0, sizeof(eo));
	eo.map = &x->map;
	assert_int_equal(dfuse_execute(s, plan, &eo), 0);

	/* The file's bytes, the old neighbours around them, untouched pages beyond. */
	assert_memory_equal(f->mem, old, 0x200);
	assert_memory_equal(f->mem + 0x200, payload, 1500);
	assert_memory_equal(f->mem + 0x200 + 1500, old + 0x200 + 1500, 0x800 - 0x200 - 1500);
	assert_memory_equal(f->mem + 0x800, old + 0x800, 0x800);
	assert_int_equal(f->violations, 0);
	assert_int_equal(f->n_erases, 2);
	assert_int_equal(f->erases[0], 0x08000000);
	assert_int_equal(f->erases[1], 0x08000400);
	assert_true(plan->preserved_bytes > 0);
	/* Both pages whole, one run each (a run never leaves its page). */
	assert_int_equal(plan->n_runs, 2);
	assert_int_equal(plan->runs[0].address, 0x08000000);
	assert_int_equal(plan->runs[0].len, 1024);
	assert_int_equal(plan->runs[1].len, 1024);
	/* Two read-backs and two write runs each set the pointer once. */
	assert_int_equal(count_set_address(f), 4);
	/* Reads first; then the first page erased first and written last. */
	trace(f, t, sizeof(t));
	assert_non_null(strstr(t, "D0=4100000008 G G D0=4100040008 G G D0=2100040008 G G "
				  "D2:1024 G G D0=2100000008 G G D2:1024 G G"));
}

static void test_execute_blank_neighbours_not_rewritten(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	char t[1024];

	f->direct_idle = 1;
	fx_plan(x, "@Internal Flash  /0x08000000/04*001Kg", 0x08000100, 100, 0);
	/* No map: the read-back asks for full-size blocks. */
	assert_int_equal(dfuse_execute(s, &x->plan, NULL), 0);
	trace(f, t, sizeof(t));
	/* All read back as 0xFF: only the file's 100 bytes are written. */
	assert_string_equal(t, "D0=2100000008 G A U2:1024 A "
			       "D0=2164010008 G A U2:1024 A "
			       "D0=4100000008 G "
			       "D0=2100010008 G D2:100 G");
	assert_memory_equal(f->mem + 0x100, payload, 100);
	assert_int_equal(f->mem[0xff], 0xff);
	assert_int_equal(f->violations, 0);
}

static void test_execute_mass_erase(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	char t[1024];

	f->direct_idle = 1;
	memset(f->mem, 0x00, 8192);
	fx_plan(x, "@Internal Flash  /0x08000000/08*001Kg", 0x08000000, 2048, 1);
	assert_int_equal(dfuse_execute(s, &x->plan, NULL), 0);
	trace(f, t, sizeof(t));
	/* after the mass erase: the second page, then the image start (its own run) */
	assert_string_equal(t, "D0=41 G D0=2100040008 G D2:1024 G D0=2100000008 G D2:1024 G");
	assert_int_equal(f->mass_erased, 1);
	assert_memory_equal(f->mem, payload, 2048);
	assert_int_equal(f->violations, 0);
}

/*
 * SIGINT at the second erase (the second page of three): that page is
 * written, nothing more is erased, and the held first page gets its old
 * bytes back while the image's own bytes stay blank.
 */
static void test_execute_interrupt_rescues_first_page(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	struct dfuse_exec_options eo;
	unsigned char old[4096];
	size_t i;

	for (i = 0; i < sizeof(old); i++)
		old[i] = (unsigned char)(i * 5 + 3);
	memcpy(f->mem, old, sizeof(old));
	/* 0x08000100-0x080009FF: three pages, the first and last partly. */
	fx_plan(x, "@Internal Flash  /0x08000000/04*001Kg", 0x08000100, 0x900, 0);
	memset(&eo, 0, sizeof(eo));
	eo.map = &x->map;
	f->interrupt_at_erase = 2;
	interrupt_clear();
	assert_int_equal(dfuse_execute(s, &x->plan, &eo), DFU_E_INTERRUPT);
	interrupt_clear();
	/* page 0 erased first, page 1 erased and written, page 2 untouched */
	assert_int_equal(f->n_erases, 2);
	assert_int_equal(f->erases[0], 0x08000000);
	assert_int_equal(f->erases[1], 0x08000400);
	assert_memory_equal(f->mem, old, 0x100);
	for (i = 0x100; i < 0x400; i++)
		assert_int_equal(f->mem[i], 0xff);
	assert_memory_equal(f->mem + 0x400, payload + 0x300, 0x400);
	assert_memory_equal(f->mem + 0x800, old + 0x800, 0x800);
	assert_int_equal(f->violations, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_set_address, ts_1024),
		FX_TEST(test_erase_three_pages, ts_1024),
		FX_TEST(test_mass_erase, ts_2048),
		FX_TEST(test_read_unprotect, ts_2048),
		FX_TEST(test_get_commands, ts_2048),
		FX_TEST(test_erase_errtarget, ts_2048),
		cmocka_unit_test(test_leave),
		FX_TEST(test_leave_without_address, ts_2048),
		FX_TEST(test_write_two_and_a_half_blocks, ts_1024),
		FX_TEST(test_write_no_sleep_when_idle_at_once, ts_1024),
		FX_TEST(test_write_wraps_block_number, ts_1),
		FX_TEST(test_write_address_every_block, ts_1024),
		FX_TEST(test_write_error_status, ts_1024),
		FX_TEST(test_write_will_reset, ts_1024),
		FX_TEST(test_write_refuses_wrap_past_4gib, ts_1024),
		FX_TEST(test_read_two_and_a_half_blocks, ts_1024),
		FX_TEST(test_read_wraps_block_number, ts_1),
		FX_TEST(test_read_short_block, ts_1024),
		FX_TEST(test_upload_plan_to_end_of_region, ts_1024),
		FX_TEST(test_execute_preserves_neighbours, ts_1024),
		FX_TEST(test_execute_blank_neighbours_not_rewritten, ts_1024),
		FX_TEST(test_execute_mass_erase, ts_1024),
		FX_TEST(test_execute_interrupt_rescues_first_page, ts_1024),
	};
	size_t i;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (unsigned char)(i * 13 + 5 + (i >> 8));
	log_set_verbosity(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
