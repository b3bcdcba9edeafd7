/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * The one translation from enum dfu_err to a process exit status, so that
 * dfu-util and its companion tools agree with each other and with the
 * EXIT STATUS sections of their man pages; and the one from a USB backend's
 * set-up failure to enum dfu_err.
 */
#include <config.h>

#include "errors.h"
#include "usb.h"

/* sysexits.h values (written out: not every libc ships the header). */
int dfu_exit_status(int err)
{
	switch (err) {
	case DFU_OK:		return 0;
	case DFU_E_USAGE:	return 64;	/* EX_USAGE */
	case DFU_E_DATA:	return 65;	/* EX_DATAERR */
	case DFU_E_NOINPUT:	return 66;	/* EX_NOINPUT */
	case DFU_E_NOMEM:	return 71;	/* EX_OSERR */
	case DFU_E_CANTCREAT:	return 73;	/* EX_CANTCREAT */
	case DFU_E_IO:		return 74;	/* EX_IOERR */
	case DFU_E_PROTOCOL:	return 76;	/* EX_PROTOCOL */
	case DFU_E_INTERRUPT:	return 130;	/* 128 + SIGINT, as a shell reports it */
	case DFU_E_TERMINATED:	return 143;	/* 128 + SIGTERM */
	case DFU_E_HANGUP:	return 129;	/* 128 + SIGHUP */
	case DFU_E_PIPE:	return 141;	/* 128 + SIGPIPE */
	/* No sysexits value means "the device kept other bytes": a status of its own. */
	case DFU_E_VERIFY:	return 3;
	/* An unknown code is a bug; I/O error is the least misleading answer. */
	default:		return 74;
	}
}

int dfu_err_from_usb_setup(int usb_err)
{
	switch (usb_err) {
	case USB_ERR_INVALID:	return DFU_E_USAGE;
	case USB_ERR_CONFIG:	return DFU_E_DATA;
	case USB_ERR_READ:	return DFU_E_NOINPUT;
	case USB_ERR_WRITE:	return DFU_E_CANTCREAT;
	case USB_ERR_NOMEM:	return DFU_E_NOMEM;
	default:		return usb_err >= 0 ? DFU_OK : DFU_E_IO;
	}
}
