/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_ERRORS_H
#define DFU_ERRORS_H

/*
 * Every function below main() that can fail returns 0 (or a count) on
 * success and one of these negative codes on failure.  The function that
 * detects a failure reports it once, through log.h, and returns the code;
 * callers only propagate it.  main() maps the code to the exit status
 * with dfu_exit_status().
 */
enum dfu_err {
	DFU_OK          =  0,
	DFU_E_USAGE     = -1,	/* bad command line: exit 64 (EX_USAGE) */
	DFU_E_DATA      = -2,	/* bad input data, CRC, suffix: exit 65 (EX_DATAERR) */
	DFU_E_NOINPUT   = -3,	/* cannot open/read an input file: exit 66 (EX_NOINPUT) */
	DFU_E_CANTCREAT = -4,	/* cannot create the output file: exit 73 (EX_CANTCREAT) */
	DFU_E_IO        = -5,	/* USB I/O error, no device, device lost: exit 74 (EX_IOERR) */
	DFU_E_PROTOCOL  = -6,	/* device in a wrong state, protocol violation: exit 76 (EX_PROTOCOL) */
	DFU_E_NOMEM     = -7,	/* out of memory: exit 71 (EX_OSERR) */
	DFU_E_INTERRUPT = -8,	/* SIGINT: exit 130 */
	DFU_E_TERMINATED = -9,	/* SIGTERM: exit 143 */
	DFU_E_HANGUP    = -10,	/* SIGHUP (the terminal went away): exit 129 */
	DFU_E_PIPE      = -11,	/* SIGPIPE (the reader of our output went away): exit 141 */
	DFU_E_VERIFY    = -12,	/* --verify: the device holds other bytes than were written: exit 3 */
};

/* The exit status (sysexits.h values) for 0 or a negative enum dfu_err. */
int dfu_exit_status(int err);

/*
 * A USB backend's failed set-up (a negative enum usb_err from a
 * constructor, src/usb.h) as the enum dfu_err main() exits with: a bad
 * device list is a usage error, a bad profile or saved state bad data, and
 * so on.  Failures of transfers are not mapped here: their callers decide.
 */
int dfu_err_from_usb_setup(int usb_err);

#endif
