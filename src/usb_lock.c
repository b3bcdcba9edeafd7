/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * A backend that passes every call on to another one under one mutex
 * (usb.h, usb_lock_wrap).  --all drives several simulated devices from one
 * thread each, and the simulated bus (its devices, request log, virtual
 * clock and state files) is one shared object, like a host controller:
 * calls into it take turns.  The real clock's sleeps are not locked, so
 * the devices still wait for their busy times side by side.
 */
#include <config.h>

#include <pthread.h>
#include <stdlib.h>

#include "usb.h"

struct lock_backend {
	struct usb_backend pub;
	struct usb_backend *inner;
	pthread_mutex_t mu;
	int lock_sleep;
};

struct lock_handle {
	struct usb_handle pub;
	struct usb_handle *inner;
};

static struct lock_backend *lock_be(struct usb_backend *be)
{
	return be->priv;
}

static struct usb_handle *lock_inner(struct usb_handle *h)
{
	return ((struct lock_handle *)h->priv)->inner;
}

#define LOCKED(lb, expr) do { \
		pthread_mutex_lock(&(lb)->mu); \
		expr; \
		pthread_mutex_unlock(&(lb)->mu); \
	} while (0)

static int lock_enumerate(struct usb_backend *be, struct usb_dev_info **list, int *count)
{
	struct lock_backend *lb = lock_be(be);
	int rc;

	LOCKED(lb, rc = lb->inner->ops->enumerate(lb->inner, list, count));
	return rc;
}

static void lock_free_list(struct usb_backend *be, struct usb_dev_info *list, int count)
{
	struct lock_backend *lb = lock_be(be);

	LOCKED(lb, lb->inner->ops->free_list(lb->inner, list, count));
}

static int lock_open(struct usb_backend *be, const struct usb_dev_info *dev, struct usb_handle **h)
{
	struct lock_backend *lb = lock_be(be);
	struct lock_handle *lh;
	struct usb_handle *inner = NULL;
	int rc;

	*h = NULL;
	lh = calloc(1, sizeof(*lh));
	if (!lh)
		return USB_ERR_NOMEM;
	LOCKED(lb, rc = lb->inner->ops->open(lb->inner, dev, &inner));
	if (rc < 0) {
		free(lh);
		return rc;
	}
	lh->pub.backend = be;
	lh->pub.priv = lh;
	lh->inner = inner;
	*h = &lh->pub;
	return rc;
}

static void lock_close(struct usb_handle *h)
{
	struct lock_backend *lb;

	if (!h)
		return;
	lb = lock_be(h->backend);
	LOCKED(lb, lb->inner->ops->close(lock_inner(h)));
	free(h->priv);
}

static int lock_get_configuration(struct usb_handle *h, int *config)
{
	struct lock_backend *lb = lock_be(h->backend);
	int rc;

	LOCKED(lb, rc = lb->inner->ops->get_configuration(lock_inner(h), config));
	return rc;
}

static int lock_set_configuration(struct usb_handle *h, int config)
{
	struct lock_backend *lb = lock_be(h->backend);
	int rc;

	LOCKED(lb, rc = lb->inner->ops->set_configuration(lock_inner(h), config));
	return rc;
}

static int lock_claim_interface(struct usb_handle *h, int intf)
{
	struct lock_backend *lb = lock_be(h->backend);
	int rc;

	LOCKED(lb, rc = lb->inner->ops->claim_interface(lock_inner(h), intf));
	return rc;
}

static int lock_release_interface(struct usb_handle *h, int intf)
{
	struct lock_backend *lb = lock_be(h->backend);
	int rc;

	LOCKED(lb, rc = lb->inner->ops->release_interface(lock_inner(h), intf));
	return rc;
}

static int lock_set_alt(struct usb_handle *h, int intf, int alt)
{
	struct lock_backend *lb = lock_be(h->backend);
	int rc;

	LOCKED(lb, rc = lb->inner->ops->set_alt(lock_inner(h), intf, alt));
	return rc;
}

static int lock_control(struct usb_handle *h, uint8_t bmRequestType, uint8_t bRequest,
			uint16_t wValue, uint16_t wIndex, unsigned char *data, uint16_t wLength,
			unsigned int timeout_ms)
{
	struct lock_backend *lb = lock_be(h->backend);
	int rc;

	LOCKED(lb, rc = lb->inner->ops->control(lock_inner(h), bmRequestType, bRequest, wValue,
						wIndex, data, wLength, timeout_ms));
	return rc;
}

static int lock_reset(struct usb_handle *h)
{
	struct lock_backend *lb = lock_be(h->backend);
	int rc;

	LOCKED(lb, rc = lb->inner->ops->reset(lock_inner(h)));
	return rc;
}

static void lock_sleep_ms(struct usb_backend *be, unsigned int ms)
{
	struct lock_backend *lb = lock_be(be);

	if (lb->lock_sleep)
		LOCKED(lb, lb->inner->ops->sleep_ms(lb->inner, ms));
	else
		lb->inner->ops->sleep_ms(lb->inner, ms);
}

static uint64_t lock_now_ms(struct usb_backend *be)
{
	struct lock_backend *lb = lock_be(be);
	uint64_t now;

	LOCKED(lb, now = lb->inner->ops->now_ms(lb->inner));
	return now;
}

static void lock_exit(struct usb_backend *be)
{
	struct lock_backend *lb;

	if (!be)
		return;
	lb = lock_be(be);
	lb->inner->ops->exit(lb->inner);
	pthread_mutex_destroy(&lb->mu);
	free(lb);
}

static const char *lock_native_error(struct usb_backend *be)
{
	struct lock_backend *lb = lock_be(be);

	return usb_native_error(lb->inner);
}

static const struct usb_ops lock_ops = {
	.name = "locked",
	.enumerate = lock_enumerate,
	.free_list = lock_free_list,
	.open = lock_open,
	.close = lock_close,
	.get_configuration = lock_get_configuration,
	.set_configuration = lock_set_configuration,
	.claim_interface = lock_claim_interface,
	.release_interface = lock_release_interface,
	.set_alt = lock_set_alt,
	.control = lock_control,
	.reset = lock_reset,
	.sleep_ms = lock_sleep_ms,
	.now_ms = lock_now_ms,
	.exit = lock_exit,
	.native_error = lock_native_error,
};

int usb_lock_wrap(struct usb_backend *inner, int lock_sleep, struct usb_backend **out)
{
	struct lock_backend *lb = calloc(1, sizeof(*lb));

	*out = NULL;
	if (!lb)
		return USB_ERR_NOMEM;
	if (pthread_mutex_init(&lb->mu, NULL) != 0) {
		free(lb);
		return USB_ERR_OTHER;
	}
	lb->pub.ops = &lock_ops;
	lb->pub.priv = lb;
	lb->inner = inner;
	lb->lock_sleep = lock_sleep;
	*out = &lb->pub;
	return 0;
}
