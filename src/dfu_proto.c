/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#include <config.h>

#include <string.h>

#include "dfu_proto.h"

static const char *const state_names[] = {
	"appIDLE", "appDETACH", "dfuIDLE", "dfuDNLOAD-SYNC", "dfuDNBUSY",
	"dfuDNLOAD-IDLE", "dfuMANIFEST-SYNC", "dfuMANIFEST",
	"dfuMANIFEST-WAIT-RESET", "dfuUPLOAD-IDLE", "dfuERROR",
};

static const char *const status_names[] = {
	"OK", "errTARGET", "errFILE", "errWRITE", "errERASE", "errCHECK_ERASED",
	"errPROG", "errVERIFY", "errADDRESS", "errNOTDONE", "errFIRMWARE",
	"errVENDOR", "errUSBR", "errPOR", "errUNKNOWN", "errSTALLEDPKT",
};

/* Sentences paraphrase the meaning given in DFU 1.1, table 6.2. */
static const char *const status_texts[] = {
	"no error",
	"file is not targeted for use by this device",
	"file is for this device but fails a vendor-specific check",
	"device is unable to write memory",
	"memory erase function failed",
	"memory erase check failed",
	"program memory function failed",
	"programmed memory failed verification",
	"cannot program memory due to received address that is out of range",
	"received DNLOAD with wLength = 0, but device does not think it has all of the data yet",
	"device's firmware is corrupt; it cannot return to run-time operations",
	"vendor-specific error",
	"device detected unexpected USB reset signaling",
	"device detected unexpected power on reset",
	"something went wrong, but the device does not know what",
	"device stalled an unexpected request",
};

static const char *const request_names[] = {
	"DETACH", "DNLOAD", "UPLOAD", "GETSTATUS", "CLRSTATUS", "GETSTATE", "ABORT",
};

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

const char *dfu_state_name(int state)
{
	return state >= 0 && state < N(state_names) ? state_names[state] : "unknown";
}

const char *dfu_status_name(int status)
{
	return status >= 0 && status < N(status_names) ? status_names[status] : "unknown";
}

static int dfu_name_index(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

int dfu_state_from_name(const char *name)
{
	return dfu_name_index(state_names, N(state_names), name);
}

int dfu_status_from_name(const char *name)
{
	return dfu_name_index(status_names, N(status_names), name);
}

const char *dfu_status_text(int status)
{
	return status >= 0 && status < N(status_texts) ? status_texts[status] : "unknown status";
}

const char *dfu_request_name(int request)
{
	return request >= 0 && request < N(request_names) ? request_names[request] : "unknown";
}

void dfu_status_decode(const unsigned char buf[DFU_STATUS_LEN], struct dfu_status_reply *st)
{
	st->bStatus = buf[0];
	st->bwPollTimeout = (uint32_t)buf[1] | (uint32_t)buf[2] << 8 | (uint32_t)buf[3] << 16;
	st->bState = buf[4];
	st->iString = buf[5];
}

void dfu_status_encode(const struct dfu_status_reply *st, unsigned char buf[DFU_STATUS_LEN])
{
	buf[0] = st->bStatus;
	buf[1] = st->bwPollTimeout & 0xff;
	buf[2] = (st->bwPollTimeout >> 8) & 0xff;
	buf[3] = (st->bwPollTimeout >> 16) & 0xff;
	buf[4] = st->bState;
	buf[5] = st->iString;
}
