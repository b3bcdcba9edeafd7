/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_DESCRIPTOR_H
#define DFU_DESCRIPTOR_H

/*
 * Pure parsers for raw USB descriptors (no USB access): they are shared by
 * both backends, unit-tested and fuzzed.  Lengths are checked against the
 * buffer; a bLength that lies is an error, never an over-read.  They report
 * nothing: the caller knows which device the bytes came from.
 */

#include <stddef.h>
#include <stdint.h>
#include "dfu_proto.h"

struct usb_device_desc {
	uint16_t bcdUSB;
	uint8_t  bDeviceClass;
	uint8_t  bMaxPacketSize0;
	uint16_t idVendor, idProduct, bcdDevice;
	uint8_t  iManufacturer, iProduct, iSerialNumber;
	uint8_t  bNumConfigurations;
};

/* One DFU interface alt setting found in a configuration descriptor. */
struct dfu_alt_desc {
	uint8_t bConfigurationValue;
	uint8_t bInterfaceNumber;
	uint8_t bAlternateSetting;
	uint8_t bInterfaceProtocol;
	uint8_t iInterface;
	int has_func;			/* functional descriptor found in this config */
	struct dfu_func_desc func;
};

/* Returns 0 or DFU_E_DATA (too short, wrong type). */
int desc_parse_device(const unsigned char *buf, size_t len, struct usb_device_desc *out);

/* Parse a functional descriptor (type 0x21, bLength 7 or >= 9); 0 or DFU_E_DATA. */
int desc_parse_func(const unsigned char *buf, size_t len, struct dfu_func_desc *out);

/*
 * Walk one configuration descriptor and collect every DFU alt setting
 * (class 0xfe, subclass 1) into out[0..max-1].  The functional descriptor
 * is taken from right after the interface, else from anywhere in the
 * configuration.  Returns the number found (may exceed max: only max are
 * stored) or DFU_E_DATA for a malformed descriptor.
 */
int desc_find_dfu_alts(const unsigned char *cfg, size_t len, struct dfu_alt_desc *out, int max);

/*
 * 1 when the configuration has an interface that is not DFU (class 0xfe
 * subclass 1), 0 when it has none, DFU_E_DATA when malformed.  In DFU
 * mode a device offers nothing but its DFU interface (DFU 1.1, 4.2), so a
 * DFU interface beside other functions belongs to a running application.
 */
int desc_has_other_interfaces(const unsigned char *cfg, size_t len);

/*
 * Decode a string descriptor (UTF-16LE) into UTF-8, always NUL-terminated.
 * Invalid UTF-16 becomes '?'.  Returns the string length or DFU_E_DATA.
 */
int desc_decode_string(const unsigned char *buf, size_t len, char *out, size_t outlen);

#endif
