/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_TESTS_FAKE_USB_H
#define DFU_TESTS_FAKE_USB_H

/*
 * A scripted USB backend for unit tests: every control request (with its
 * first payload bytes) and every sleep is recorded on a clock that only
 * sleeps move, so a test can assert the exact wire sequence and that the
 * code never waits longer, or more often, than the device asked.  What
 * the device answers is up to the test: a respond function and its own
 * device model.  Only control, sleep_ms and now_ms are provided.
 */

#include <stddef.h>
#include <stdint.h>

#include "usb.h"

#define FAKE_USB_HEAD_LEN	8	/* payload bytes of an OUT request kept in the log */
#define FAKE_USB_MAX_SLEEPS	64	/* sleeps kept; n_sleeps counts them all */
#define FAKE_USB_START_MS	1000	/* where the clock starts */

struct fake_req {
	uint8_t rt, req;
	uint16_t value, index, len;
	uint64_t at_ms;
	unsigned char head[FAKE_USB_HEAD_LEN];	/* OUT requests only */
};

/* Answers one request: fills data (IN), returns the count or a negative usb_err. */
typedef int (*fake_usb_respond_fn)(void *dev, const struct fake_req *r, unsigned char *data);

struct fake_usb {
	struct usb_backend be;
	struct usb_handle h;
	fake_usb_respond_fn respond;
	void *dev;			/* handed to respond */
	uint64_t now;
	/* the log */
	struct fake_req *reqs;
	size_t n_reqs, cap_reqs;
	unsigned int sleeps[FAKE_USB_MAX_SLEEPS];
	size_t n_sleeps;
	uint64_t slept_ms;
	const char *native_error;	/* what native_error() answers; NULL = none */
};

void fake_usb_init(struct fake_usb *u, fake_usb_respond_fn respond, void *dev);
void fake_usb_free(struct fake_usb *u);	/* the log; u itself belongs to the caller */

/* Encode a GETSTATUS reply into data; returns DFU_STATUS_LEN. */
int fake_usb_status(unsigned char *data, int status, unsigned int poll, int state);

#endif
