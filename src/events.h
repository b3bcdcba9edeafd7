/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_EVENTS_H
#define DFU_EVENTS_H

/*
 * --json: a stream of events for programs, one JSON object per line on
 * stdout (doc/json-events.txt is the contract).  The layer sits on top of
 * the message layer: it observes log.c's messages and progress bars and
 * turns them into "message" and "progress" events, while the human text
 * itself goes to stderr (log_set_stdout_is_data).  Device listing and the
 * final result are reported by their callers.
 *
 * Without --json every function here does nothing, so callers need not ask.
 */

#include <stdint.h>

struct dfu_if;

#define EVENTS_SCHEMA 1

/*
 * Observe the message layer from the start of main(), before the command
 * line is parsed: messages seen before events_begin() are kept and become
 * events if --json was given, so a usage error found after --json is
 * reported as events too.
 */
void events_install(void);

/*
 * The command line is parsed (successfully or not): json 1 starts the
 * stream with the "start" event and the messages kept so far, json 0 drops
 * them and turns the layer off.
 */
void events_begin(int json, const char *program, const char *version);
int events_enabled(void);

/* One "device" event for a DFU interface; verbose adds the memory map. */
void events_device(const struct dfu_if *d, int verbose);

/* A step without a byte count: "detach", "manifest" (done and total 0). */
void events_phase(const char *phase);

/*
 * The last event, exactly once: status from err (0 = ok), exit = the
 * process's exit status, and bytes and ms of the transfer phases seen.
 */
void events_end(int err, int exit_status);

/*
 * --all: each device's events are its own (held message, transfer totals)
 * and carry its "path" and "serial"; the thread driving a device calls
 * begin after log_set_device(d).  end writes the device's "device_result"
 * event (status, exit, bytes, ms) and adds its bytes to the run's result,
 * whose ms becomes the longest device's.  begin returns -1 out of memory.
 */
struct log_device;
/* Write the calling thread's held message now (before other threads start). */
void events_flush(void);
int events_device_begin(struct log_device *d);
void events_device_end(struct log_device *d, int err, int exit_status, uint64_t ms);

#endif
