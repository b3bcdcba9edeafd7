/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * Raw USB descriptor parsers.  Everything here is pure: no USB access and
 * no messages.  The callers know which device the bytes came from and
 * report a malformed descriptor with that context; the parsers only say
 * DFU_E_DATA.  Every read is checked against both the buffer length and
 * the descriptor's own bLength, so lying lengths cannot cause over-reads
 * (these functions are fed straight from devices and from the fuzzers).
 */

#include <config.h>

#include <string.h>

#include "descriptor.h"
#include "errors.h"

#define DEVICE_DESC_LEN	18
#define CONFIG_DESC_LEN	9
#define INTF_DESC_LEN	9
#define FUNC_DESC_LEN_1_0	7	/* DFU 1.0: no bcdDFUVersion */
#define FUNC_DESC_LEN	9

static uint16_t desc_le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

int desc_parse_device(const unsigned char *buf, size_t len, struct usb_device_desc *out)
{
	if (buf == NULL || len < DEVICE_DESC_LEN || buf[0] < DEVICE_DESC_LEN ||
	    buf[1] != USB_DT_DEVICE)
		return DFU_E_DATA;
	out->bcdUSB = desc_le16(buf + 2);
	out->bDeviceClass = buf[4];
	out->bMaxPacketSize0 = buf[7];
	out->idVendor = desc_le16(buf + 8);
	out->idProduct = desc_le16(buf + 10);
	out->bcdDevice = desc_le16(buf + 12);
	out->iManufacturer = buf[14];
	out->iProduct = buf[15];
	out->iSerialNumber = buf[16];
	out->bNumConfigurations = buf[17];
	return 0;
}

int desc_parse_func(const unsigned char *buf, size_t len, struct dfu_func_desc *out)
{
	uint8_t blen;

	if (buf == NULL || len < 2 || buf[1] != USB_DT_DFU)
		return DFU_E_DATA;
	blen = buf[0];
	/* 8 is neither layout; anything claiming more than we hold is a lie. */
	if (blen < FUNC_DESC_LEN_1_0 || blen == FUNC_DESC_LEN_1_0 + 1 || blen > len)
		return DFU_E_DATA;
	out->bLength = blen;
	out->bmAttributes = buf[2];
	out->wDetachTimeOut = desc_le16(buf + 3);
	out->wTransferSize = desc_le16(buf + 5);
	/* A 7-byte descriptor predates the version field: it is DFU 1.0. */
	out->bcdDFUVersion = blen >= FUNC_DESC_LEN ? desc_le16(buf + 7) : 0x0100;
	return 0;
}

/*
 * Where a functional descriptor sits relative to the interfaces matters:
 * HID uses the same descriptor type (0x21), so a 0x21 that follows a
 * non-DFU interface is never taken for a DFU one.
 */
enum walk_owner { OWNER_NONE, OWNER_DFU, OWNER_OTHER };

int desc_find_dfu_alts(const unsigned char *cfg, size_t len, struct dfu_alt_desc *out, int max)
{
	size_t end, off;
	int found = 0;
	int current = -1;		/* index of the DFU alt being walked, -1 none */
	enum walk_owner owner = OWNER_NONE;
	int have_any = 0;
	struct dfu_func_desc any_func;
	uint8_t config_value;
	int i;

	memset(&any_func, 0, sizeof(any_func));
	if (cfg == NULL || len < CONFIG_DESC_LEN || cfg[1] != USB_DT_CONFIG ||
	    cfg[0] < CONFIG_DESC_LEN)
		return DFU_E_DATA;
	end = desc_le16(cfg + 2);	/* wTotalLength */
	if (end < cfg[0])
		return DFU_E_DATA;
	/* A short read gives fewer bytes than announced: walk what we have. */
	if (end > len)
		end = len;
	if (cfg[0] > end)
		return DFU_E_DATA;
	config_value = cfg[5];

	for (off = cfg[0]; off < end; ) {
		const unsigned char *d = cfg + off;
		size_t left = end - off;
		uint8_t blen, type;

		/* A single trailing byte cannot even hold a header: stop. */
		if (left < 2)
			break;
		blen = d[0];
		type = d[1];
		/* bLength 0 or 1 would never advance; past the end is a lie. */
		if (blen < 2 || blen > left)
			return DFU_E_DATA;

		if (type == USB_DT_INTERFACE) {
			if (blen < INTF_DESC_LEN)
				return DFU_E_DATA;
			current = -1;
			if (d[5] == USB_CLASS_APP_SPECIFIC && d[6] == DFU_SUBCLASS) {
				owner = OWNER_DFU;
				if (found < max) {
					struct dfu_alt_desc *a = &out[found];

					memset(a, 0, sizeof(*a));
					a->bConfigurationValue = config_value;
					a->bInterfaceNumber = d[2];
					a->bAlternateSetting = d[3];
					a->bInterfaceProtocol = d[7];
					a->iInterface = d[8];
					current = found;
				}
				found++;
			} else {
				owner = OWNER_OTHER;
			}
		} else if (type == USB_DT_DFU && owner != OWNER_OTHER) {
			struct dfu_func_desc f;

			/* A malformed one is ignored, as if absent. */
			if (desc_parse_func(d, blen, &f) == 0) {
				if (!have_any) {
					any_func = f;
					have_any = 1;
				}
				if (current >= 0 && !out[current].has_func) {
					out[current].func = f;
					out[current].has_func = 1;
				}
			}
		}
		off += blen;
	}

	/* STM32 bootloaders put one descriptor after the last alt only. */
	if (have_any) {
		int stored = found < max ? found : max;

		for (i = 0; i < stored; i++) {
			if (!out[i].has_func) {
				out[i].func = any_func;
				out[i].has_func = 1;
			}
		}
	}
	return found;
}

int desc_has_other_interfaces(const unsigned char *cfg, size_t len)
{
	size_t end, off;

	if (cfg == NULL || len < CONFIG_DESC_LEN || cfg[1] != USB_DT_CONFIG ||
	    cfg[0] < CONFIG_DESC_LEN)
		return DFU_E_DATA;
	end = desc_le16(cfg + 2);
	if (end > len)
		end = len;
	if (end < cfg[0])
		return DFU_E_DATA;
	for (off = cfg[0]; off + 2 <= end; ) {
		const unsigned char *d = cfg + off;
		uint8_t blen = d[0];

		if (blen < 2 || blen > end - off)
			return DFU_E_DATA;
		if (d[1] == USB_DT_INTERFACE && blen >= INTF_DESC_LEN &&
		    !(d[5] == USB_CLASS_APP_SPECIFIC && d[6] == DFU_SUBCLASS))
			return 1;
		off += blen;
	}
	return 0;
}

/* Append one code point as UTF-8 if it fits with room for the NUL. */
static int desc_put_utf8(char *out, size_t outlen, size_t *pos, uint32_t cp)
{
	unsigned char seq[4];
	size_t n, k;

	if (cp < 0x80) {
		seq[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		seq[0] = (unsigned char)(0xc0 | (cp >> 6));
		seq[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		seq[0] = (unsigned char)(0xe0 | (cp >> 12));
		seq[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		seq[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		seq[0] = (unsigned char)(0xf0 | (cp >> 18));
		seq[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		seq[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		seq[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	/* Never split a sequence: a truncated name stays valid UTF-8. */
	if (*pos + n >= outlen)
		return -1;
	for (k = 0; k < n; k++)
		out[(*pos)++] = (char)seq[k];
	return 0;
}

int desc_decode_string(const unsigned char *buf, size_t len, char *out, size_t outlen)
{
	size_t blen, units, i, pos = 0;

	if (out == NULL || outlen == 0)
		return DFU_E_DATA;
	out[0] = '\0';
	if (buf == NULL || len < 2 || buf[1] != USB_DT_STRING || buf[0] < 2)
		return DFU_E_DATA;
	blen = buf[0];
	/* A device may send less than it announces: decode what arrived. */
	if (blen > len)
		blen = len;
	/* An odd length leaves half a code unit, which is dropped. */
	units = (blen - 2) / 2;

	for (i = 0; i < units; i++) {
		uint32_t cp = desc_le16(buf + 2 + 2 * i);

		if (cp == 0)
			break;		/* some devices pad names with NULs */
		if (cp >= 0xd800 && cp <= 0xdbff) {
			uint32_t lo = i + 1 < units ? desc_le16(buf + 4 + 2 * i) : 0;

			if (lo >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i++;
			} else {
				cp = '?';
			}
		} else if (cp >= 0xdc00 && cp <= 0xdfff) {
			cp = '?';
		}
		if (desc_put_utf8(out, outlen, &pos, cp) < 0)
			break;
	}
	out[pos] = '\0';
	return (int)pos;
}
