/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/* Backend-independent parts of the USB seam: naming its error codes. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>

#include "usb.h"

struct usb_err_text {
	int code;
	const char *token;
	const char *text;
};

static const struct usb_err_text usb_err_texts[] = {
	{ USB_ERR_IO,        "USB_ERR_IO",        "input/output error" },
	{ USB_ERR_STALL,     "USB_ERR_STALL",     "device stalled the request" },
	{ USB_ERR_NO_DEVICE, "USB_ERR_NO_DEVICE", "device disconnected" },
	{ USB_ERR_ACCESS,    "USB_ERR_ACCESS",    "access denied" },
	{ USB_ERR_BUSY,      "USB_ERR_BUSY",      "interface is in use by another program or driver" },
	{ USB_ERR_TIMEOUT,   "USB_ERR_TIMEOUT",   "device did not answer in time" },
	{ USB_ERR_NOT_FOUND, "USB_ERR_NOT_FOUND", "no such configuration, interface or setting" },
	{ USB_ERR_NOMEM,     "USB_ERR_NOMEM",     "out of memory" },
	{ USB_ERR_OVERFLOW,  "USB_ERR_OVERFLOW",  "device sent more data than requested" },
	{ USB_ERR_INVALID,   "USB_ERR_INVALID",   "invalid parameter" },
	{ USB_ERR_CONFIG,    "USB_ERR_CONFIG",    "invalid device description" },
	{ USB_ERR_READ,      "USB_ERR_READ",      "cannot read the backend's files" },
	{ USB_ERR_WRITE,     "USB_ERR_WRITE",     "cannot write the backend's state" },
	/* the fallback for unknown codes: last */
	{ USB_ERR_OTHER,     "USB_ERR_OTHER",     "unexpected USB error" },
};

static const struct usb_err_text *usb_err_lookup(int err)
{
	for (size_t i = 0; i < sizeof(usb_err_texts) / sizeof(usb_err_texts[0]); i++)
		if (usb_err_texts[i].code == err)
			return &usb_err_texts[i];
	return &usb_err_texts[sizeof(usb_err_texts) / sizeof(usb_err_texts[0]) - 1];
}

const char *usb_strerror(int err)
{
	return err >= 0 ? "success" : usb_err_lookup(err)->text;
}

const char *usb_errname(int err)
{
	return err >= 0 ? "USB_OK" : usb_err_lookup(err)->token;
}

int usb_why_set(struct usb_why *why, int err, const char *hint, const char *fmt, ...)
{
	va_list ap;

	if (!why)
		return err;
	va_start(ap, fmt);
	vsnprintf(why->msg, sizeof(why->msg), fmt, ap);
	va_end(ap);
	snprintf(why->hint, sizeof(why->hint), "%s", hint ? hint : "");
	return err;
}
