/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_LOG_H
#define DFU_LOG_H

/*
 * The one message layer.  Scripts and GUIs that wrap dfu-util read its
 * output the way the classic 0.11 wrote it, so the streams follow it:
 *
 *   stdout (unbuffered)  progress bars, notes, warnings, -l lines, the
 *                        success lines wrappers match
 *   stderr               errors ("dfu-util: error: ..."), their hint lines,
 *                        the classic's word-for-word lines (log_classic),
 *                        and -v debugging
 *
 * so that a successful run leaves stderr empty.  When stdout carries data
 * (-U -), everything above goes to stderr instead.  An error always starts
 * on a fresh line, even when a progress bar is half drawn on the other
 * stream:
 *
 *   dfu-util: error: cannot open 0483:df11 (bus 1, device 7): access denied
 *     install the udev rule from doc/ or run as root
 */

#include <stddef.h>
#include <stdint.h>

#if defined(__MINGW32__)
/* configure selects MinGW's C99 printf (__USE_MINGW_ANSI_STDIO), not msvcrt's */
#define DFU_PRINTF(a, b) __attribute__((format(gnu_printf, a, b)))
#elif defined(__GNUC__)
#define DFU_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DFU_PRINTF(a, b)
#endif

void log_set_progname(const char *name);	/* default "dfu-util" */
void log_set_verbosity(int level);		/* number of -v */
int  log_verbosity(void);

/*
 * 1: stdout is the data's (-U -): progress, notes and -l lines go to
 * stderr, and nothing but the data is written to stdout.  0 (default):
 * the classic streams above.
 */
void log_set_stdout_is_data(int on);

/*
 * Where the text goes.  By default the process's stdout and stderr; with a
 * sink set, every piece of text the layer writes (messages, hints, -v lines,
 * progress bytes) is handed to it instead, with the stream it was meant
 * for, and nothing reaches the real streams.  Unit tests read messages this
 * way; a graphical front end could too.  log_set_sink(NULL, NULL) restores
 * the standard streams.  A progress bar drawn into a sink is never a
 * terminal's (no rate, no escape codes).
 */
enum log_stream { LOG_STDOUT = 1, LOG_STDERR = 2 };
typedef void (*log_sink_fn)(void *ctx, enum log_stream stream, const char *text, size_t len);
void log_set_sink(log_sink_fn fn, void *ctx);

/*
 * An observer sees every message (not -v debugging, not log_info's plain
 * lines) as formatted text, besides it being written as usual; the --json
 * event layer (events.c) is one.  NULL removes it.
 */
enum log_kind {
	LOG_KIND_ERROR, LOG_KIND_CLASSIC, LOG_KIND_WARNING, LOG_KIND_NOTE, LOG_KIND_HINT,
	LOG_KIND_INFO,		/* not observed */
};
void log_set_observer(void (*fn)(enum log_kind kind, const char *text));

void log_error(const char *fmt, ...) DFU_PRINTF(1, 2);	/* stderr "dfu-util: error: ..." */
void log_hint(const char *fmt, ...) DFU_PRINTF(1, 2);	/* "  ..." under the last message, same stream */
void log_warn(const char *fmt, ...) DFU_PRINTF(1, 2);	/* stdout "warning: ..." */
void log_note(const char *fmt, ...) DFU_PRINTF(1, 2);	/* stdout, a quiet fact */
void log_info(const char *fmt, ...) DFU_PRINTF(1, 2);	/* stdout, a plain line (-l, -v dumps) */
/* stderr "dfu-util: ...", whatever the verbosity: only the simulated-backend notice. */
void log_always(const char *fmt, ...) DFU_PRINTF(1, 2);
void log_debug(int level, const char *fmt, ...) DFU_PRINTF(2, 3);	/* stderr when verbosity >= level */

/*
 * stderr "dfu-util: ..." in the classic tool's own words, for the lines
 * wrappers match verbatim ("No DFU capable USB device available", "Cannot
 * open DFU device ...", the two suffix warnings).  Keep such texts as they
 * are: man/dfu-util.1, OUTPUT FOR SCRIPTS, lists them.
 */
void log_classic(const char *fmt, ...) DFU_PRINTF(1, 2);

/*
 * Progress bar, in the classic layout on stdout whether or not it is a
 * terminal (wrappers parse it from a pipe):
 *
 *   \rDownload\t[=========                ]  36%        12288 bytes
 *
 * then "\nDownload done.\n" at the end.  The label "Erase" is shown padded
 * ("Erase   ").  On a terminal the transfer rate follows " bytes".  total 0
 * means unknown (upload to the end of the device).  now_ms comes from the
 * USB backend's clock so rates are right on the virtual clock too.
 * progress_end() means the transfer completed; after a failure just report
 * the error, which ends the bar's line first.
 */
/* The same for progress: every start, update and end, before any rate limit. */
enum progress_stage { PROGRESS_STAGE_START, PROGRESS_STAGE_UPDATE, PROGRESS_STAGE_END };
void progress_set_observer(void (*fn)(enum progress_stage stage, const char *label, uint64_t done,
				      uint64_t total, uint64_t now_ms));

void progress_start(const char *label, uint64_t total, uint64_t now_ms);
void progress_update(uint64_t done, uint64_t now_ms);
void progress_end(uint64_t done, uint64_t now_ms);

/*
 * --all: several devices at once, one thread each.  The thread that drives
 * a device sets it with log_set_device (a thread-local pointer, so that the
 * dozens of callers of the functions above need no new argument); from then
 * on every line that thread writes starts with "PATH SERIAL: " (or
 * "PATH: " without a serial), its progress bar is its own, and, not on a
 * terminal, is written as whole lines at every tenth instead of being
 * redrawn with carriage returns.  On a terminal, log_board_begin keeps one
 * line per device at the bottom, redrawn in place, with the messages above
 * it.  All output is written under one lock, so lines never mix.
 */
struct log_device;
struct log_device *log_device_new(const char *path, const char *serial);	/* NULL: no memory */
void log_device_free(struct log_device *d);
void log_set_device(struct log_device *d);	/* for the calling thread; NULL = none */
struct log_device *log_current_device(void);
const char *log_device_path(const struct log_device *d);
const char *log_device_serial(const struct log_device *d);
/* Bytes its Download and Upload bars moved (a bar cut short: as far as it got). */
uint64_t log_device_bytes(const struct log_device *d);
/* A slot for the event layer's own state of the device (events.c). */
void **log_device_events(struct log_device *d);
/* devs stays the caller's until log_board_end. */
void log_board_begin(struct log_device *const *devs, int n);
void log_board_end(void);

#endif
