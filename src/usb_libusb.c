/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * The USB seam (usb.h) on top of libusb-1.0: the only file that includes
 * <libusb.h>.  Nothing here prints; every libusb error is mapped onto an
 * enum usb_err and the caller, which knows what it was trying to do,
 * reports it.
 */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libusb.h>

#include "usb.h"

struct libusb_be {
	struct usb_backend pub;
	libusb_context *ctx;
};

struct libusb_h {
	struct usb_handle pub;
	libusb_device_handle *devh;
	int auto_detach;	/* libusb detaches/re-attaches kernel drivers itself */
};

/* libusb's name for the last failure that lu_err translated, per thread (--all). */
static _Thread_local const char *lu_last_native;

static int lu_err(int e)
{
	lu_last_native = libusb_error_name(e);
	switch (e) {
	case LIBUSB_ERROR_IO:		return USB_ERR_IO;
	case LIBUSB_ERROR_INVALID_PARAM: return USB_ERR_INVALID;
	case LIBUSB_ERROR_ACCESS:	return USB_ERR_ACCESS;
	case LIBUSB_ERROR_NO_DEVICE:	return USB_ERR_NO_DEVICE;
	case LIBUSB_ERROR_NOT_FOUND:	return USB_ERR_NOT_FOUND;
	case LIBUSB_ERROR_BUSY:		return USB_ERR_BUSY;
	case LIBUSB_ERROR_TIMEOUT:	return USB_ERR_TIMEOUT;
	case LIBUSB_ERROR_OVERFLOW:	return USB_ERR_OVERFLOW;
	case LIBUSB_ERROR_PIPE:		return USB_ERR_STALL;
	case LIBUSB_ERROR_NO_MEM:	return USB_ERR_NOMEM;
	case LIBUSB_ERROR_INTERRUPTED:	return USB_ERR_IO;
	default:			return USB_ERR_OTHER;
	}
}

static struct libusb_be *lu_be(struct usb_backend *be)
{
	return (struct libusb_be *)be;
}

static libusb_device_handle *lu_devh(struct usb_handle *h)
{
	return ((struct libusb_h *)h)->devh;
}

static void lu_put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)(v >> 8);
}

/* "bus-port.port.port", the form -p takes and -l prints. */
static void lu_path(libusb_device *dev, char *out, size_t outlen)
{
	size_t pos;
	int n, i;
#if defined(LIBUSB_API_VERSION) && LIBUSB_API_VERSION >= 0x01000102
	uint8_t ports[8];

	n = libusb_get_port_numbers(dev, ports, (int)sizeof(ports));
#else
	n = 0;
#endif
	snprintf(out, outlen, "%u", (unsigned int)libusb_get_bus_number(dev));
	for (i = 0; i < n; i++) {
		pos = strlen(out);
		if (pos + 1 >= outlen)
			break;
#if defined(LIBUSB_API_VERSION) && LIBUSB_API_VERSION >= 0x01000102
		snprintf(out + pos, outlen - pos, "%c%u", i == 0 ? '-' : '.',
			 (unsigned int)ports[i]);
#endif
	}
}

static void lu_device_desc(const struct libusb_device_descriptor *d, unsigned char out[18])
{
	out[0] = 18;
	out[1] = LIBUSB_DT_DEVICE;
	lu_put16(out + 2, d->bcdUSB);
	out[4] = d->bDeviceClass;
	out[5] = d->bDeviceSubClass;
	out[6] = d->bDeviceProtocol;
	out[7] = d->bMaxPacketSize0;
	lu_put16(out + 8, d->idVendor);
	lu_put16(out + 10, d->idProduct);
	lu_put16(out + 12, d->bcdDevice);
	out[14] = d->iManufacturer;
	out[15] = d->iProduct;
	out[16] = d->iSerialNumber;
	out[17] = d->bNumConfigurations;
}

static size_t lu_ep_len(const struct libusb_endpoint_descriptor *ep)
{
	/* Audio endpoints carry two more bytes (bRefresh, bSynchAddress). */
	return ep->bLength >= 9 ? 9 : 7;
}

/*
 * libusb hands out the configuration already split into structs; lay it
 * back out as the wire bytes so descriptor.c parses both backends alike.
 * Returns a malloc'd buffer or NULL.
 */
static unsigned char *lu_config_bytes(const struct libusb_config_descriptor *c, size_t *lenp)
{
	size_t total = 9 + (size_t)(c->extra_length > 0 ? c->extra_length : 0);
	unsigned char *buf, *p;
	int i, j, k;

	for (i = 0; i < c->bNumInterfaces; i++) {
		const struct libusb_interface *itf = &c->interface[i];

		for (j = 0; j < itf->num_altsetting; j++) {
			const struct libusb_interface_descriptor *a = &itf->altsetting[j];

			total += 9 + (size_t)(a->extra_length > 0 ? a->extra_length : 0);
			for (k = 0; k < a->bNumEndpoints; k++) {
				const struct libusb_endpoint_descriptor *ep = &a->endpoint[k];

				total += lu_ep_len(ep) +
					 (size_t)(ep->extra_length > 0 ? ep->extra_length : 0);
			}
		}
	}
	if (total > 0xffff)
		return NULL;
	buf = malloc(total);
	if (buf == NULL)
		return NULL;

	p = buf;
	p[0] = 9;
	p[1] = LIBUSB_DT_CONFIG;
	lu_put16(p + 2, (uint16_t)total);
	p[4] = c->bNumInterfaces;
	p[5] = c->bConfigurationValue;
	p[6] = c->iConfiguration;
	p[7] = c->bmAttributes;
	p[8] = c->MaxPower;
	p += 9;
	if (c->extra_length > 0) {
		memcpy(p, c->extra, (size_t)c->extra_length);
		p += c->extra_length;
	}
	for (i = 0; i < c->bNumInterfaces; i++) {
		const struct libusb_interface *itf = &c->interface[i];

		for (j = 0; j < itf->num_altsetting; j++) {
			const struct libusb_interface_descriptor *a = &itf->altsetting[j];

			p[0] = 9;
			p[1] = LIBUSB_DT_INTERFACE;
			p[2] = a->bInterfaceNumber;
			p[3] = a->bAlternateSetting;
			p[4] = a->bNumEndpoints;
			p[5] = a->bInterfaceClass;
			p[6] = a->bInterfaceSubClass;
			p[7] = a->bInterfaceProtocol;
			p[8] = a->iInterface;
			p += 9;
			if (a->extra_length > 0) {
				memcpy(p, a->extra, (size_t)a->extra_length);
				p += a->extra_length;
			}
			for (k = 0; k < a->bNumEndpoints; k++) {
				const struct libusb_endpoint_descriptor *ep = &a->endpoint[k];
				size_t el = lu_ep_len(ep);

				p[0] = (unsigned char)el;
				p[1] = LIBUSB_DT_ENDPOINT;
				p[2] = ep->bEndpointAddress;
				p[3] = ep->bmAttributes;
				lu_put16(p + 4, ep->wMaxPacketSize);
				p[6] = ep->bInterval;
				if (el == 9) {
					p[7] = ep->bRefresh;
					p[8] = ep->bSynchAddress;
				}
				p += el;
				if (ep->extra_length > 0) {
					memcpy(p, ep->extra, (size_t)ep->extra_length);
					p += ep->extra_length;
				}
			}
		}
	}
	*lenp = total;
	return buf;
}

static void lu_free_list(struct usb_backend *be, struct usb_dev_info *list, int count)
{
	int i, j;

	(void)be;
	if (list == NULL)
		return;
	for (i = 0; i < count; i++)
		for (j = 0; j < list[i].num_configs; j++)
			free(list[i].config[j]);
	free(list);
}

static int lu_enumerate(struct usb_backend *be, struct usb_dev_info **listp, int *countp)
{
	libusb_device **devs;
	struct usb_dev_info *list;
	ssize_t n;
	int i, count = 0;

	*listp = NULL;
	*countp = 0;
	n = libusb_get_device_list(lu_be(be)->ctx, &devs);
	if (n < 0)
		return lu_err((int)n);
	list = calloc((size_t)n + 1, sizeof(*list));
	if (list == NULL) {
		libusb_free_device_list(devs, 1);
		return USB_ERR_NOMEM;
	}
	for (i = 0; i < n; i++) {
		libusb_device *dev = devs[i];
		struct usb_dev_info *info = &list[count];
		struct libusb_device_descriptor dd;
		int c;

		/* A device we cannot even describe is left out of the snapshot. */
		if (libusb_get_device_descriptor(dev, &dd) != 0)
			continue;
		info->bus = libusb_get_bus_number(dev);
		info->devnum = libusb_get_device_address(dev);
		lu_path(dev, info->path, sizeof(info->path));
		lu_device_desc(&dd, info->dev_desc);
		info->backend_ref = 0;	/* open() looks the device up again by bus/devnum */
		for (c = 0; c < dd.bNumConfigurations && info->num_configs < USB_MAX_CONFIGS; c++) {
			struct libusb_config_descriptor *cd;
			unsigned char *bytes;
			size_t blen = 0;

			if (libusb_get_config_descriptor(dev, (uint8_t)c, &cd) != 0)
				continue;
			bytes = lu_config_bytes(cd, &blen);
			libusb_free_config_descriptor(cd);
			if (bytes == NULL)
				continue;
			info->config[info->num_configs] = bytes;
			info->config_len[info->num_configs] = blen;
			info->num_configs++;
		}
		count++;
	}
	libusb_free_device_list(devs, 1);
	*listp = list;
	*countp = count;
	return 0;
}

/*
 * The snapshot does not pin libusb devices (a re-enumerated device would
 * leave dangling references), so open() finds the device again by bus,
 * address and port path.
 */
static int lu_open(struct usb_backend *be, const struct usb_dev_info *info, struct usb_handle **hp)
{
	libusb_device **devs;
	libusb_device *found = NULL;
	struct libusb_h *h;
	ssize_t n;
	int i, rc;

	*hp = NULL;
	n = libusb_get_device_list(lu_be(be)->ctx, &devs);
	if (n < 0)
		return lu_err((int)n);
	for (i = 0; i < n; i++) {
		char path[sizeof(info->path)];

		if (libusb_get_bus_number(devs[i]) != info->bus ||
		    libusb_get_device_address(devs[i]) != info->devnum)
			continue;
		lu_path(devs[i], path, sizeof(path));
		if (info->path[0] != '\0' && strcmp(path, info->path) != 0)
			continue;
		found = devs[i];
		break;
	}
	if (found == NULL) {
		libusb_free_device_list(devs, 1);
		return USB_ERR_NO_DEVICE;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		libusb_free_device_list(devs, 1);
		return USB_ERR_NOMEM;
	}
	rc = libusb_open(found, &h->devh);
	libusb_free_device_list(devs, 1);
	if (rc != 0) {
		free(h);
		return lu_err(rc);
	}
#if defined(LIBUSB_API_VERSION) && LIBUSB_API_VERSION >= 0x01000102
	/* Not supported on every OS; then claim() detaches by hand. */
	h->auto_detach = libusb_set_auto_detach_kernel_driver(h->devh, 1) == 0;
#endif
	h->pub.backend = be;
	h->pub.priv = h->devh;
	*hp = &h->pub;
	return 0;
}

static void lu_close(struct usb_handle *hp)
{
	struct libusb_h *h = (struct libusb_h *)hp;

	if (h == NULL)
		return;
	libusb_close(h->devh);
	free(h);
}

static int lu_get_configuration(struct usb_handle *h, int *config)
{
	int rc = libusb_get_configuration(lu_devh(h), config);

	return rc < 0 ? lu_err(rc) : 0;
}

static int lu_set_configuration(struct usb_handle *h, int config)
{
	int rc = libusb_set_configuration(lu_devh(h), config);

	return rc < 0 ? lu_err(rc) : 0;
}

static int lu_claim_interface(struct usb_handle *hp, int intf)
{
	struct libusb_h *h = (struct libusb_h *)hp;
	int rc;

	if (!h->auto_detach && libusb_kernel_driver_active(h->devh, intf) == 1) {
		rc = libusb_detach_kernel_driver(h->devh, intf);
		/* NOT_FOUND: the driver went away meanwhile, fine. */
		if (rc < 0 && rc != LIBUSB_ERROR_NOT_FOUND)
			return lu_err(rc);
	}
	rc = libusb_claim_interface(h->devh, intf);
	return rc < 0 ? lu_err(rc) : 0;
}

static int lu_release_interface(struct usb_handle *h, int intf)
{
	int rc = libusb_release_interface(lu_devh(h), intf);

	return rc < 0 ? lu_err(rc) : 0;
}

static int lu_set_alt(struct usb_handle *h, int intf, int alt)
{
	int rc = libusb_set_interface_alt_setting(lu_devh(h), intf, alt);

	return rc < 0 ? lu_err(rc) : 0;
}

static int lu_control(struct usb_handle *h, uint8_t bmRequestType, uint8_t bRequest,
		      uint16_t wValue, uint16_t wIndex, unsigned char *data,
		      uint16_t wLength, unsigned int timeout_ms)
{
	int rc = libusb_control_transfer(lu_devh(h), bmRequestType, bRequest, wValue, wIndex,
					 data, wLength, timeout_ms);

	return rc < 0 ? lu_err(rc) : rc;
}

static int lu_reset(struct usb_handle *h)
{
	int rc = libusb_reset_device(lu_devh(h));

	/* NOT_FOUND: the device came back as a new one (re-enumerated). */
	if (rc == LIBUSB_ERROR_NOT_FOUND || rc == LIBUSB_ERROR_NO_DEVICE)
		return USB_ERR_NO_DEVICE;
	return rc < 0 ? lu_err(rc) : 0;
}

static void lu_sleep_ms(struct usb_backend *be, unsigned int ms)
{
	struct timespec req, rem;

	(void)be;
	req.tv_sec = ms / 1000;
	req.tv_nsec = (long)(ms % 1000) * 1000000L;
	/* A signal must not cut a poll timeout short: sleep the rest. */
	while (nanosleep(&req, &rem) != 0 && errno == EINTR)
		req = rem;
}

static uint64_t lu_now_ms(struct usb_backend *be)
{
	struct timespec ts;

	(void)be;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void lu_exit(struct usb_backend *be)
{
	struct libusb_be *b = lu_be(be);

	if (b == NULL)
		return;
	libusb_exit(b->ctx);
	free(b);
}

static const char *lu_native_error(struct usb_backend *be)
{
	(void)be;
	return lu_last_native;
}

static const struct usb_ops lu_ops = {
	.name = "libusb",
	.enumerate = lu_enumerate,
	.free_list = lu_free_list,
	.open = lu_open,
	.close = lu_close,
	.get_configuration = lu_get_configuration,
	.set_configuration = lu_set_configuration,
	.claim_interface = lu_claim_interface,
	.release_interface = lu_release_interface,
	.set_alt = lu_set_alt,
	.control = lu_control,
	.reset = lu_reset,
	.sleep_ms = lu_sleep_ms,
	.now_ms = lu_now_ms,
	.exit = lu_exit,
	.native_error = lu_native_error,
};

int usb_libusb_init(struct usb_backend **bep)
{
	struct libusb_be *b;
	int rc;

	*bep = NULL;
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return USB_ERR_NOMEM;
	rc = libusb_init(&b->ctx);
	if (rc != 0) {
		free(b);
		return lu_err(rc);
	}
	b->pub.ops = &lu_ops;
	b->pub.priv = b;
	*bep = &b->pub;
	return 0;
}
