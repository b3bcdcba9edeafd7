/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * dfu.c's loops against a small scripted device on the fake USB backend
 * (fake_usb.h), which records every request and every sleep: the tests
 * assert the exact wire sequence and that we never wait longer (or more
 * often) than the device asked.
 */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "dfu.h"
#include "errors.h"
#include "fake_usb.h"
#include "log.h"

struct fake {
	struct fake_usb usb;		/* first: the backend, clock and log */
	/* the scripted device */
	int state;
	int dnbusy_poll;		/* poll timeout answered after each DNLOAD; 0 = straight to idle */
	int busy_pending;
	int manifest_poll;
	int manifest_steps;		/* MANIFEST answers before the final state */
	int manifest_final;		/* state reached after manifestation */
	int vanish_after_zlp;		/* GETSTATUS error after the zero-length DNLOAD */
	long stall_dnload_block;	/* -1 = never */
	unsigned long next_block;	/* expected DNLOAD block number, unwrapped */
	int block_mismatch;
	size_t dnloaded;
	const unsigned char *mem;	/* upload source */
	size_t mem_len, mem_pos;
	const struct dfu_status_reply *script;	/* fixed GETSTATUS replies, in order */
	size_t n_script, script_pos;
	int short_status;		/* answer GETSTATUS with this many bytes */
	int endless_upload;		/* every UPLOAD is a full block, for ever */
};

/* A DFU 1.1 device model just rich enough for the download and upload loops. */
static int device_respond(void *dev, const struct fake_req *r, unsigned char *data)
{
	struct fake *f = dev;

	switch (r->req) {
	case DFU_DNLOAD:
		if (f->stall_dnload_block >= 0 && r->value == f->stall_dnload_block) {
			f->state = DFU_STATE_DFU_ERROR;
			return USB_ERR_STALL;
		}
		if (r->len == 0) {
			f->state = DFU_STATE_DFU_MANIFEST_SYNC;
			return 0;
		}
		if (r->value != (uint16_t)f->next_block)
			f->block_mismatch = 1;
		f->next_block++;
		f->dnloaded += r->len;
		f->state = DFU_STATE_DFU_DNLOAD_SYNC;
		f->busy_pending = f->dnbusy_poll > 0;
		return r->len;
	case DFU_GETSTATUS:
		if (f->short_status) {
			memset(data, 0xee, (size_t)f->short_status);
			return f->short_status;
		}
		if (f->script) {
			const struct dfu_status_reply *st;

			assert_true(f->script_pos < f->n_script);
			st = &f->script[f->script_pos++];
			dfu_status_encode(st, data);
			f->state = st->bState;
			return DFU_STATUS_LEN;
		}
		if (f->state == DFU_STATE_DFU_DNLOAD_SYNC) {
			if (f->busy_pending) {
				f->busy_pending = 0;
				return fake_usb_status(data, 0, (unsigned int)f->dnbusy_poll,
						       DFU_STATE_DFU_DNBUSY);
			}
			f->state = DFU_STATE_DFU_DNLOAD_IDLE;
		}
		if (f->state == DFU_STATE_DFU_MANIFEST_SYNC) {
			if (f->vanish_after_zlp)
				return f->vanish_after_zlp;
			if (f->manifest_steps > 0) {
				f->manifest_steps--;
				return fake_usb_status(data, 0, (unsigned int)f->manifest_poll,
						       DFU_STATE_DFU_MANIFEST);
			}
			f->state = f->manifest_final;
		}
		return fake_usb_status(data, f->state == DFU_STATE_DFU_ERROR ? DFU_STATUS_ERR_WRITE : 0,
				       0, f->state);
	case DFU_UPLOAD: {
		size_t n = f->mem_len - f->mem_pos;

		if (f->endless_upload) {
			memset(data, 0x5a, r->len);
			f->state = DFU_STATE_DFU_UPLOAD_IDLE;
			return r->len;
		}

		if (n > r->len)
			n = r->len;
		memcpy(data, f->mem + f->mem_pos, n);
		f->mem_pos += n;
		f->state = n < r->len ? DFU_STATE_DFU_IDLE : DFU_STATE_DFU_UPLOAD_IDLE;
		return (int)n;
	}
	case DFU_CLRSTATUS:
	case DFU_ABORT:
		f->state = DFU_STATE_DFU_IDLE;
		return 0;
	default:
		return USB_ERR_STALL;
	}
}

static struct fake *fake_new(void)
{
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fake_usb_init(&f->usb, device_respond, f);
	f->state = DFU_STATE_DFU_IDLE;
	f->stall_dnload_block = -1;
	f->manifest_final = DFU_STATE_DFU_IDLE;
	return f;
}

static void fake_free(struct fake *f)
{
	fake_usb_free(&f->usb);
	free(f);
}

static void session_init(struct dfu_session *s, struct fake *f, uint16_t ts, int tolerant)
{
	memset(s, 0, sizeof(*s));
	s->be = &f->usb.be;
	s->h = &f->usb.h;
	s->intf = 3;
	s->transfer_size = ts;
	s->timeout_ms = 5000;
	s->func.bmAttributes = DFU_ATTR_CAN_DNLOAD | DFU_ATTR_CAN_UPLOAD |
			       (tolerant ? DFU_ATTR_MANIFEST_TOLERANT : 0);
}

/*
 * The fixture of every test: the device and a session on it, with the
 * transfer size and manifestation tolerance of its setup function.
 */
struct fx {
	struct fake *f;
	struct dfu_session s;
};

static struct fx *fx_new(uint16_t ts, int tolerant)
{
	struct fx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	x->f = fake_new();
	session_init(&x->s, x->f, ts, tolerant);
	return x;
}

static void fx_free(struct fx *x)
{
	fake_free(x->f);
	free(x);
}

/* The kinds of device, a test's cmocka prestate (FX_TEST). */
struct fx_kind {
	uint16_t ts;
	int tolerant;
};
/* wTransferSize 1024, manifestation tolerant: the common device */
static struct fx_kind common = { 1024, 1 };
/* gone, or waiting for a reset, after the download */
static struct fx_kind not_tolerant = { 1024, 0 };
/* one byte a block: the block number wraps within a small test */
static struct fx_kind one_byte = { 1, 1 };
static struct fx_kind largest = { 65535, 1 };

static int fx_setup(void **state)
{
	const struct fx_kind *k = *state;

	*state = fx_new(k->ts, k->tolerant);
	return 0;
}

static int fx_teardown(void **state)
{
	fx_free(*state);
	return 0;
}

#define FX_TEST(test, kind) cmocka_unit_test_prestate_setup_teardown(test, fx_setup, fx_teardown, &(kind))

/* "D0:1024 G G D1:..." style trace of the log, for readable assertions. */
static void trace(const struct fake *f, char *buf, size_t cap)
{
	static const char letter[] = "eDUGCSA";
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < f->usb.n_reqs && n + 16 < cap; i++) {
		const struct fake_req *r = &f->usb.reqs[i];
		char c = r->req < 7 ? letter[r->req] : '?';

		if (r->req == DFU_DNLOAD || r->req == DFU_UPLOAD)
			n += (size_t)snprintf(buf + n, cap - n, "%s%c%u:%u", i ? " " : "", c,
					      r->value, r->len);
		else
			n += (size_t)snprintf(buf + n, cap - n, "%s%c", i ? " " : "", c);
	}
}

static unsigned char payload[3000];

/* ------------------------------------------------------------- download */

static void test_download_three_blocks_busy(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	char t[512];
	size_t i;

	f->dnbusy_poll = 10;
	f->manifest_steps = 1;
	f->manifest_poll = 20;
	assert_int_equal(dfu_download(s, payload, 2500), 0);
	trace(f, t, sizeof(t));
	assert_string_equal(t, "D0:1024 G G D1:1024 G G D2:452 G G D3:0 G G");
	for (i = 0; i < f->usb.n_reqs; i++) {
		assert_int_equal(f->usb.reqs[i].index, 3);
		assert_int_equal(f->usb.reqs[i].rt, f->usb.reqs[i].req == DFU_GETSTATUS ? 0xa1 : 0x21);
	}
	assert_int_equal(s->n_requests, f->usb.n_reqs);
	/* Exactly the requested waits, and the last request came after the last sleep. */
	assert_int_equal(f->usb.n_sleeps, 4);
	assert_int_equal(f->usb.sleeps[0], 10);
	assert_int_equal(f->usb.sleeps[1], 10);
	assert_int_equal(f->usb.sleeps[2], 10);
	assert_int_equal(f->usb.sleeps[3], 20);
	assert_int_equal(f->usb.slept_ms, 50);
	assert_int_equal(f->usb.reqs[f->usb.n_reqs - 1].at_ms, f->usb.now);
	assert_int_equal(f->dnloaded, 2500);
}

static void test_download_no_busy_no_sleep(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	char t[256];

	assert_int_equal(dfu_download(s, payload, 1024), 0);
	trace(f, t, sizeof(t));
	assert_string_equal(t, "D0:1024 G D1:0 G");
	assert_int_equal(f->usb.n_sleeps, 0);
}

static void test_download_block_wrap(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	size_t n = 65537;
	unsigned char *big = calloc(1, n);
	const struct fake_req *last;

	assert_non_null(big);
	assert_int_equal(dfu_download(s, big, n), 0);
	assert_false(f->block_mismatch);
	assert_int_equal(f->dnloaded, n);
	/* ... D65535 G D0 G, then the zero-length DNLOAD as block 1 */
	assert_int_equal(f->usb.reqs[2 * 65535].value, 65535);
	assert_int_equal(f->usb.reqs[2 * 65536].value, 0);
	assert_int_equal(f->usb.reqs[2 * 65536].len, 1);
	last = &f->usb.reqs[f->usb.n_reqs - 2];
	assert_int_equal(last->req, DFU_DNLOAD);
	assert_int_equal(last->len, 0);
	assert_int_equal(last->value, 1);
	assert_int_equal(f->usb.n_sleeps, 0);
	free(big);
}

static void test_download_stall(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	char t[256];

	f->stall_dnload_block = 1;
	assert_int_equal(dfu_download(s, payload, 2500), DFU_E_IO);
	trace(f, t, sizeof(t));
	/* The stall is followed only by the GETSTATUS that explains it. */
	assert_string_equal(t, "D0:1024 G D1:1024 G");
}

static void test_download_error_status(void **state)
{
	static const struct dfu_status_reply script[] = {
		{ DFU_STATUS_OK, 5, DFU_STATE_DFU_DNBUSY, 0 },
		{ DFU_STATUS_ERR_PROG, 0, DFU_STATE_DFU_ERROR, 0 },
	};
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	char t[256];

	f->script = script;
	f->n_script = 2;
	assert_int_equal(dfu_download(s, payload, 2500), DFU_E_IO);
	trace(f, t, sizeof(t));
	assert_string_equal(t, "D0:1024 G G");
	assert_int_equal(f->usb.slept_ms, 5);
}

static void test_download_vanishes_after_zlp(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	char t[256];

	f->vanish_after_zlp = USB_ERR_NO_DEVICE;
	assert_int_equal(dfu_download(s, payload, 100), 1);
	trace(f, t, sizeof(t));
	assert_string_equal(t, "D0:100 G D1:0 G");
}

/* A stall there means the same: the device is busy being reborn. */
static void test_download_stalls_after_zlp(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;

	f->vanish_after_zlp = USB_ERR_STALL;
	assert_int_equal(dfu_download(s, payload, 100), 1);
}

static void test_download_not_tolerant(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	char t[256];

	/* dfuMANIFEST: wait what it asks, then leave the reset to the caller. */
	f->manifest_steps = 5;
	f->manifest_poll = 30;
	assert_int_equal(dfu_download(s, payload, 100), 1);
	trace(f, t, sizeof(t));
	assert_string_equal(t, "D0:100 G D1:0 G");
	assert_int_equal(f->usb.slept_ms, 30);
}

/* Straight to dfuMANIFEST-WAIT-RESET. */
static void test_download_not_tolerant_wait_reset(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;

	f->manifest_final = DFU_STATE_DFU_MANIFEST_WAIT_RESET;
	assert_int_equal(dfu_download(s, payload, 100), 1);
	assert_int_equal(f->usb.n_sleeps, 0);
}

static void test_download_empty(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;

	assert_int_equal(dfu_download(s, payload, 0), DFU_E_DATA);
	assert_int_equal(f->usb.n_reqs, 0);
}

/* ------------------------------------------------------------ wait_idle */

static void test_wait_idle_short_status(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	struct dfu_status_reply st;

	f->short_status = 5;
	assert_int_equal(dfu_wait_idle(s, &st, "block 0"), DFU_E_PROTOCOL);
	assert_int_equal(dfu_getstatus(s, &st), DFU_E_PROTOCOL);
}

static int forever_busy(void *dev, const struct fake_req *r, unsigned char *data)
{
	struct fake *f = dev;

	if (r->req != DFU_GETSTATUS)
		return 0;
	return fake_usb_status(data, 0, f->dnbusy_poll, DFU_STATE_DFU_DNBUSY);
}

static void test_wait_idle_bounded(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	struct dfu_status_reply st;

	f->usb.respond = forever_busy;
	f->dnbusy_poll = 1000;
	assert_int_equal(dfu_wait_idle(s, &st, "block 0"), DFU_E_PROTOCOL);
	/* 60 s of grace plus the polls it asked for, capped at 120 s: then it stops. */
	assert_true(f->usb.slept_ms >= 180000);
	assert_true(f->usb.slept_ms <= 182000);
}

/* Poll timeout 0 on a clock that never moves: bounded by count. */
static void test_wait_idle_bounded_count(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	struct dfu_status_reply st;

	f->usb.respond = forever_busy;
	f->dnbusy_poll = 0;
	assert_int_equal(dfu_wait_idle(s, &st, "block 0"), DFU_E_PROTOCOL);
	assert_int_equal(f->usb.n_sleeps, 0);
	assert_true(f->usb.n_reqs > 100 && f->usb.n_reqs < 100000);
}

/* ----------------------------------------------------------- ensure_idle */

static void run_ensure_idle(const struct dfu_status_reply *script, size_t n, int expect,
			    const char *expect_trace)
{
	struct fx *x = fx_new(1024, 1);
	struct fake *f = x->f;
	char t[256];

	f->script = script;
	f->n_script = n;
	assert_int_equal(dfu_ensure_idle(&x->s), expect);
	trace(f, t, sizeof(t));
	assert_string_equal(t, expect_trace);
	fx_free(x);
}

static void test_ensure_idle(void **state)
{
	static const struct dfu_status_reply from_error[] = {
		{ DFU_STATUS_ERR_WRITE, 0, DFU_STATE_DFU_ERROR, 0 },
		{ DFU_STATUS_OK, 0, DFU_STATE_DFU_IDLE, 0 },
	};
	static const struct dfu_status_reply from_dnload_idle[] = {
		{ DFU_STATUS_OK, 0, DFU_STATE_DFU_DNLOAD_IDLE, 0 },
		{ DFU_STATUS_OK, 0, DFU_STATE_DFU_IDLE, 0 },
	};
	static const struct dfu_status_reply from_upload_idle[] = {
		{ DFU_STATUS_OK, 0, DFU_STATE_DFU_UPLOAD_IDLE, 0 },
		{ DFU_STATUS_OK, 0, DFU_STATE_DFU_IDLE, 0 },
	};
	static const struct dfu_status_reply idle[] = {
		{ DFU_STATUS_OK, 0, DFU_STATE_DFU_IDLE, 0 },
	};
	static const struct dfu_status_reply busy[] = {
		{ DFU_STATUS_OK, 7, DFU_STATE_DFU_DNBUSY, 0 },
		{ DFU_STATUS_OK, 0, DFU_STATE_DFU_DNLOAD_IDLE, 0 },
		{ DFU_STATUS_OK, 0, DFU_STATE_DFU_IDLE, 0 },
	};
	static const struct dfu_status_reply app[] = {
		{ DFU_STATUS_OK, 0, DFU_STATE_APP_IDLE, 0 },
	};
	static const struct dfu_status_reply wait_reset[] = {
		{ DFU_STATUS_OK, 0, DFU_STATE_DFU_MANIFEST_WAIT_RESET, 0 },
	};
	static const struct dfu_status_reply stuck[] = {
		{ DFU_STATUS_ERR_UNKNOWN, 0, DFU_STATE_DFU_ERROR, 0 },
		{ DFU_STATUS_ERR_UNKNOWN, 0, DFU_STATE_DFU_ERROR, 0 },
		{ DFU_STATUS_ERR_UNKNOWN, 0, DFU_STATE_DFU_ERROR, 0 },
		{ DFU_STATUS_ERR_UNKNOWN, 0, DFU_STATE_DFU_ERROR, 0 },
		{ DFU_STATUS_ERR_UNKNOWN, 0, DFU_STATE_DFU_ERROR, 0 },
		{ DFU_STATUS_ERR_UNKNOWN, 0, DFU_STATE_DFU_ERROR, 0 },
	};

	(void)state;
	run_ensure_idle(from_error, 2, 0, "G C G");
	run_ensure_idle(from_dnload_idle, 2, 0, "G A G");
	run_ensure_idle(from_upload_idle, 2, 0, "G A G");
	run_ensure_idle(idle, 1, 0, "G");
	run_ensure_idle(busy, 3, 0, "G G A G");
	run_ensure_idle(app, 1, DFU_E_PROTOCOL, "G");
	run_ensure_idle(wait_reset, 1, DFU_E_PROTOCOL, "G");
	run_ensure_idle(stuck, 5, DFU_E_PROTOCOL, "G C G C G C G C G");
}

/* --------------------------------------------------------------- upload */

struct sink {
	unsigned char buf[4096];
	size_t len;
	int fail_at_call;	/* 0 = never */
	int calls;
};

static int sink_fn(void *ctx, const unsigned char *data, size_t len)
{
	struct sink *k = ctx;

	if (++k->calls == k->fail_at_call)
		return DFU_E_CANTCREAT;
	assert_true(k->len + len <= sizeof(k->buf));
	memcpy(k->buf + k->len, data, len);
	k->len += len;
	return 0;
}

static void run_upload(size_t mem_len, uint64_t limit, int64_t expect, const char *expect_trace)
{
	struct fx *x = fx_new(1024, 1);
	struct fake *f = x->f;
	struct sink k;
	char t[256];

	memset(&k, 0, sizeof(k));
	f->mem = payload;
	f->mem_len = mem_len;
	assert_int_equal(dfu_upload_all(&x->s, limit, sink_fn, &k), expect);
	trace(f, t, sizeof(t));
	assert_string_equal(t, expect_trace);
	assert_int_equal(k.len, (size_t)expect);
	assert_memory_equal(k.buf, payload, k.len);
	assert_int_equal(f->state, DFU_STATE_DFU_IDLE);
	fx_free(x);
}

static void test_upload(void **state)
{
	(void)state;
	/* Until the short block. */
	run_upload(2500, 0, 2500, "U0:1024 U1:1024 U2:1024");
	/* A size that is a multiple of the block: the empty block ends it. */
	run_upload(2048, 0, 2048, "U0:1024 U1:1024 U2:1024");
	/* A limit on a block boundary: no extra UPLOAD, ABORT instead. */
	run_upload(2500, 2048, 2048, "U0:1024 U1:1024 A");
	/* A limit inside a block: ask for just the rest, then ABORT. */
	run_upload(2500, 1500, 1500, "U0:1024 U1:476 A");
	/* A limit beyond the data: the short block ends it, no ABORT. */
	run_upload(2500, 3000, 2500, "U0:1024 U1:1024 U2:952");
}

static int count_sink(void *ctx, const unsigned char *data, size_t len)
{
	(void)data;
	*(uint64_t *)ctx += len;
	return 0;
}

/* A device that never sends a short block is given up at DFU_UPLOAD_MAX. */
static void test_upload_endless(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	uint64_t got = 0;

	f->endless_upload = 1;
	assert_int_equal(dfu_upload_all(s, 0, count_sink, &got), DFU_E_PROTOCOL);
	assert_true(got >= DFU_UPLOAD_MAX);
	assert_true(got < DFU_UPLOAD_MAX + 65535);
}

static void test_upload_sink_error(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	struct sink k;
	char t[256];

	memset(&k, 0, sizeof(k));
	k.fail_at_call = 2;
	f->mem = payload;
	f->mem_len = 2500;
	assert_int_equal(dfu_upload_all(s, 0, sink_fn, &k), DFU_E_CANTCREAT);
	trace(f, t, sizeof(t));
	assert_string_equal(t, "U0:1024 U1:1024");
}

/* ------------------------------------------------------------- requests */

static int fixed_reply(void *dev, const struct fake_req *r, unsigned char *data)
{
	struct fake *f = dev;

	(void)r;
	(void)data;
	return f->state;	/* abused as "the result of every request" */
}

static void test_request_errors(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;
	uint8_t st = 0xff;

	f->usb.respond = fixed_reply;
	f->state = USB_ERR_NO_DEVICE;
	assert_int_equal(dfu_clrstatus(s), DFU_E_IO);
	assert_int_equal(dfu_abort(s), DFU_E_IO);
	/* Leaving the bus is what DETACH is for. */
	assert_int_equal(dfu_detach(s, 1000), 0);
	assert_int_equal(f->usb.reqs[2].value, 1000);
	f->state = USB_ERR_TIMEOUT;
	assert_int_equal(dfu_detach(s, 1000), DFU_E_IO);
	assert_int_equal(dfu_getstate(s, &st), DFU_E_IO);
	f->state = 0;	/* GETSTATE with no byte */
	assert_int_equal(dfu_getstate(s, &st), DFU_E_PROTOCOL);
	assert_int_equal(st, 0xff);
	assert_int_equal(s->n_requests, 6);
}

/* The USB stack's own name for a failure is shown at -v -v, not before. */
static void test_native_error_name(void **state)
{
	struct fx *x = *state;
	struct fake *f = x->f;
	struct dfu_session *s = &x->s;

	f->usb.respond = fixed_reply;
	f->state = USB_ERR_STALL;
	f->usb.native_error = "LIBUSB_ERROR_PIPE";
	log_set_verbosity(1);
	capture_begin();
	assert_int_equal(dfu_clrstatus(s), DFU_E_IO);
	capture_end();
	assert_null(strstr(capture_all(), "LIBUSB_ERROR_PIPE"));
	log_set_verbosity(2);
	capture_begin();
	assert_int_equal(dfu_clrstatus(s), DFU_E_IO);
	capture_end();
	log_set_verbosity(0);
	assert_non_null(strstr(capture_err(), "CLRSTATUS: USB_ERR_STALL (LIBUSB_ERROR_PIPE)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_download_three_blocks_busy, common),
		FX_TEST(test_download_no_busy_no_sleep, common),
		FX_TEST(test_download_block_wrap, one_byte),
		FX_TEST(test_download_stall, common),
		FX_TEST(test_download_error_status, common),
		FX_TEST(test_download_vanishes_after_zlp, not_tolerant),
		FX_TEST(test_download_stalls_after_zlp, not_tolerant),
		FX_TEST(test_download_not_tolerant, not_tolerant),
		FX_TEST(test_download_not_tolerant_wait_reset, not_tolerant),
		FX_TEST(test_download_empty, common),
		FX_TEST(test_wait_idle_short_status, common),
		FX_TEST(test_wait_idle_bounded, common),
		FX_TEST(test_wait_idle_bounded_count, common),
		cmocka_unit_test(test_ensure_idle),
		cmocka_unit_test(test_upload),
		FX_TEST(test_upload_sink_error, common),
		FX_TEST(test_upload_endless, largest),
		FX_TEST(test_request_errors, common),
		FX_TEST(test_native_error_name, common),
	};
	size_t i;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (unsigned char)(i * 13 + 5);
	log_set_verbosity(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
