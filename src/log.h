/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_LOG_H
#define DFU_LOG_H

/*
 * The one message layer.  Normal output goes to stdout, everything else to
 * stderr.  Error and warning lines always start on a fresh line, even when
 * a progress bar is half drawn.
 *
 *   dfu-util: error: cannot open 0483:df11 (bus 1, device 7): access denied
 *     install the udev rule from doc/ or run as root
 */

#include <stdint.h>

#if defined(__GNUC__)
#define DFU_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DFU_PRINTF(a, b)
#endif

void log_set_progname(const char *name);	/* default "dfu-util" */
void log_set_verbosity(int level);		/* number of -v */
int  log_verbosity(void);

void log_error(const char *fmt, ...) DFU_PRINTF(1, 2);	/* "dfu-util: error: ..." */
void log_hint(const char *fmt, ...) DFU_PRINTF(1, 2);	/* "  ..." under the error, stderr */
void log_warn(const char *fmt, ...) DFU_PRINTF(1, 2);	/* "dfu-util: warning: ..." */
void log_note(const char *fmt, ...) DFU_PRINTF(1, 2);	/* "dfu-util: ..." stderr, quiet facts */
void log_info(const char *fmt, ...) DFU_PRINTF(1, 2);	/* plain line on stdout */
void log_debug(int level, const char *fmt, ...) DFU_PRINTF(2, 3);	/* stderr when verbosity >= level */

/*
 * Progress bar.  On a terminal (stderr is a tty) it redraws one line with
 * percentage, bytes and rate; otherwise it prints a single line at the end.
 * total 0 means unknown (upload to end of device).  now_ms comes from the
 * USB backend's clock so rates are right on the virtual clock too.
 */
void progress_start(const char *label, uint64_t total, uint64_t now_ms);
void progress_update(uint64_t done, uint64_t now_ms);
void progress_end(uint64_t done, uint64_t now_ms);

#endif
