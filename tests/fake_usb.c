/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/* The scripted USB backend shared by the DFU and DfuSe unit tests; see fake_usb.h. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dfu_proto.h"
#include "fake_usb.h"

static int fake_usb_control(struct usb_handle *h, uint8_t rt, uint8_t req, uint16_t value,
			    uint16_t index, unsigned char *data, uint16_t len,
			    unsigned int timeout_ms)
{
	struct fake_usb *u = h->priv;
	struct fake_req r;

	(void)timeout_ms;
	memset(&r, 0, sizeof(r));
	r.rt = rt;
	r.req = req;
	r.value = value;
	r.index = index;
	r.len = len;
	r.at_ms = u->now;
	if (!(rt & 0x80) && data)
		memcpy(r.head, data, len < FAKE_USB_HEAD_LEN ? len : FAKE_USB_HEAD_LEN);
	if (u->n_reqs == u->cap_reqs) {
		u->cap_reqs = u->cap_reqs ? u->cap_reqs * 2 : 256;
		u->reqs = realloc(u->reqs, u->cap_reqs * sizeof(*u->reqs));
		assert_non_null(u->reqs);
	}
	u->reqs[u->n_reqs++] = r;
	return u->respond(u->dev, &r, data);
}

/* Sleeping only moves the clock, so a test of minutes of polling takes no time. */
static void fake_usb_sleep(struct usb_backend *be, unsigned int ms)
{
	struct fake_usb *u = be->priv;

	if (u->n_sleeps < FAKE_USB_MAX_SLEEPS)
		u->sleeps[u->n_sleeps] = ms;
	u->n_sleeps++;
	u->slept_ms += ms;
	u->now += ms;
}

static uint64_t fake_usb_now(struct usb_backend *be)
{
	struct fake_usb *u = be->priv;

	return u->now;
}

static const char *fake_usb_native_error(struct usb_backend *be)
{
	struct fake_usb *u = be->priv;

	return u->native_error;
}

static const struct usb_ops fake_usb_ops = {
	.name = "fake",
	.control = fake_usb_control,
	.sleep_ms = fake_usb_sleep,
	.now_ms = fake_usb_now,
	.native_error = fake_usb_native_error,
};

void fake_usb_init(struct fake_usb *u, fake_usb_respond_fn respond, void *dev)
{
	memset(u, 0, sizeof(*u));
	u->be.ops = &fake_usb_ops;
	u->be.priv = u;
	u->h.backend = &u->be;
	u->h.priv = u;
	u->respond = respond;
	u->dev = dev;
	u->now = FAKE_USB_START_MS;
}

void fake_usb_free(struct fake_usb *u)
{
	free(u->reqs);
	u->reqs = NULL;
	u->n_reqs = u->cap_reqs = 0;
}

int fake_usb_status(unsigned char *data, int status, unsigned int poll, int state)
{
	struct dfu_status_reply st = { (uint8_t)status, poll, (uint8_t)state, 0 };

	dfu_status_encode(&st, data);
	return DFU_STATUS_LEN;
}
