/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_PROTO_H
#define DFU_PROTO_H

/*
 * Wire-level facts of USB DFU 1.1 (and the DFU 1.0 / DfuSe variants),
 * shared by the host code (dfu.c) and the simulated device (sim.c).
 * Spec field names appear only here, in wire-format structs.
 */

#include <stdint.h>

#define USB_CLASS_APP_SPECIFIC	0xfe
#define DFU_SUBCLASS		0x01
#define DFU_PROTOCOL_NONE	0x00	/* DFU 1.0 DFU mode, or DfuSe (bcdDFU 0x011a) */
#define DFU_PROTOCOL_RUNTIME	0x01
#define DFU_PROTOCOL_DFU	0x02

#define USB_DT_DEVICE		0x01
#define USB_DT_CONFIG		0x02
#define USB_DT_STRING		0x03
#define USB_DT_INTERFACE	0x04
#define USB_DT_ENDPOINT		0x05
#define USB_DT_DFU		0x21	/* DFU functional descriptor */
#define USB_REQ_GET_DESCRIPTOR	0x06

/* bmRequestType for class requests to an interface */
#define DFU_RT_OUT		0x21
#define DFU_RT_IN		0xa1

enum dfu_request {
	DFU_DETACH    = 0,
	DFU_DNLOAD    = 1,
	DFU_UPLOAD    = 2,
	DFU_GETSTATUS = 3,
	DFU_CLRSTATUS = 4,
	DFU_GETSTATE  = 5,
	DFU_ABORT     = 6,
};

enum dfu_state {
	DFU_STATE_APP_IDLE                = 0,
	DFU_STATE_APP_DETACH              = 1,
	DFU_STATE_DFU_IDLE                = 2,
	DFU_STATE_DFU_DNLOAD_SYNC         = 3,
	DFU_STATE_DFU_DNBUSY              = 4,
	DFU_STATE_DFU_DNLOAD_IDLE         = 5,
	DFU_STATE_DFU_MANIFEST_SYNC       = 6,
	DFU_STATE_DFU_MANIFEST            = 7,
	DFU_STATE_DFU_MANIFEST_WAIT_RESET = 8,
	DFU_STATE_DFU_UPLOAD_IDLE         = 9,
	DFU_STATE_DFU_ERROR               = 10,
};

enum dfu_status {
	DFU_STATUS_OK               = 0x00,
	DFU_STATUS_ERR_TARGET       = 0x01,
	DFU_STATUS_ERR_FILE         = 0x02,
	DFU_STATUS_ERR_WRITE        = 0x03,
	DFU_STATUS_ERR_ERASE        = 0x04,
	DFU_STATUS_ERR_CHECK_ERASED = 0x05,
	DFU_STATUS_ERR_PROG         = 0x06,
	DFU_STATUS_ERR_VERIFY       = 0x07,
	DFU_STATUS_ERR_ADDRESS      = 0x08,
	DFU_STATUS_ERR_NOTDONE      = 0x09,
	DFU_STATUS_ERR_FIRMWARE     = 0x0a,
	DFU_STATUS_ERR_VENDOR       = 0x0b,
	DFU_STATUS_ERR_USBR         = 0x0c,
	DFU_STATUS_ERR_POR          = 0x0d,
	DFU_STATUS_ERR_UNKNOWN      = 0x0e,
	DFU_STATUS_ERR_STALLEDPKT   = 0x0f,
};

/* "dfuIDLE", "dfuDNLOAD-SYNC", ...; "unknown" outside the enum. */
const char *dfu_state_name(int state);
/* "OK", "errTARGET", ...; "unknown" outside the enum. */
const char *dfu_status_name(int status);
/* The reverse: the state or status a name stands for, or -1 (profiles, saved state). */
int dfu_state_from_name(const char *name);
int dfu_status_from_name(const char *name);
/* One user sentence per status ("device's firmware is corrupt"...). */
const char *dfu_status_text(int status);
/* "DETACH", "DNLOAD", ... */
const char *dfu_request_name(int request);

/* bmAttributes of the functional descriptor */
#define DFU_ATTR_CAN_DNLOAD		0x01
#define DFU_ATTR_CAN_UPLOAD		0x02
#define DFU_ATTR_MANIFEST_TOLERANT	0x04
#define DFU_ATTR_WILL_DETACH		0x08

/* The DFU functional descriptor as parsed (host byte order). */
struct dfu_func_desc {
	uint8_t  bLength;		/* 7 (DFU 1.0) or 9 */
	uint8_t  bmAttributes;
	uint16_t wDetachTimeOut;	/* ms */
	uint16_t wTransferSize;
	uint16_t bcdDFUVersion;		/* 0x0100 assumed when bLength is 7 */
};

/* GETSTATUS reply, 6 bytes on the wire. */
struct dfu_status_reply {
	uint8_t  bStatus;
	uint32_t bwPollTimeout;		/* 24-bit, ms */
	uint8_t  bState;
	uint8_t  iString;
};

#define DFU_STATUS_LEN 6

/* Decode/encode the 6-byte GETSTATUS payload. */
void dfu_status_decode(const unsigned char buf[DFU_STATUS_LEN], struct dfu_status_reply *st);
void dfu_status_encode(const struct dfu_status_reply *st, unsigned char buf[DFU_STATUS_LEN]);

#endif
