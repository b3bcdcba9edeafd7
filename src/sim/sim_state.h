/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_SIM_STATE_H
#define DFU_SIM_STATE_H

/*
 * Private to src/sim/: the simulated bus that usb_sim.c (the USB backend)
 * runs, and what sim_state.c (its persistence) needs to keep it in a state
 * directory (--sim-state DIR) between two dfu-util runs: the memory
 * images, the state files, the request log and the run's figures.  The
 * files are described in doc/sim-profile.txt.
 *
 * The backend decides (which devices, whether the stored ones are still
 * the ones asked for, what the clock does between runs); this file only
 * reads and writes.  Like the rest of the simulator it never prints: a
 * failure while setting up returns enum usb_err with a struct usb_why, and
 * a failure to save later goes to the caller's report callback.
 */

#include <stdint.h>
#include <stdio.h>

#include "sim.h"
#include "usb.h"

#define SIM_BUS		1
#define SIM_FIRST_DEVNUM 2
#define SIM_MAX_DEVICES	16
#define SIM_RESET_US	10000u		/* virtual cost of a bus reset: 10 ms of signalling */

struct sim_slot {
	int index;			/* N of devN, 1-based: also the port */
	char spec[SIM_SPEC_MAX];
	struct sim_device dev;
};

struct sim_bus {
	struct usb_backend be;
	int n;
	struct sim_slot slot[SIM_MAX_DEVICES];
	char *dir;			/* state directory, NULL = none */
	FILE *log;			/* DIR/requests.log */
	int virtual_clock;
	uint64_t vclock_us;
	uint64_t start_ms;
	uint64_t start_us;
	uint64_t sleep_ms_total;
	unsigned long transfers;
	uint8_t next_devnum;
	int signal_raised;		/* a fault=signal fired: later ones do not */
	usb_report_fn report;		/* the caller's, for what is said after set-up */
};

/* usb_sim.c: the bus's clock, virtual or real, in microseconds. */
uint64_t sim_bus_now_us(const struct sim_bus *b);
/* usb_sim.c: say something through the caller's report callback (never printed here). */
void sim_bus_say(const struct sim_bus *b, enum usb_report kind, const char *fmt, ...)
	USB_PRINTF(3, 4);

/* ------------------------------------------------------------ reading */

/* What a state directory holds, as sim_state_read() found it. */
struct sim_saved {
	int found;			/* 0: no bus.state (a new directory) */
	int n;				/* devices stored */
	int virtual_clock;		/* the clock they were saved under */
	uint64_t clock_us;		/* that clock's time, when virtual */
	int next_devnum;		/* -1: not stored */
	char spec[SIM_MAX_DEVICES][SIM_SPEC_MAX];
	char *text[SIM_MAX_DEVICES];	/* each devN.state, for sim_state_load() */
};

/*
 * Create DIR if needed: 0, or USB_ERR_WRITE with why.
 */
int sim_state_make_dir(const char *dir, struct usb_why *why);

/*
 * Read DIR/bus.state and every devN.state it names into sv (all zero and
 * found = 0 when there is none).  want_clock: the stored virtual clock
 * must be readable.  0, USB_ERR_READ or USB_ERR_CONFIG with why; free sv
 * with sim_state_free() either way.
 */
int sim_state_read(const char *dir, int want_clock, struct sim_saved *sv, struct usb_why *why);
void sim_state_free(struct sim_saved *sv);

/*
 * Restore slot s (its device already made from its profile) from its
 * devN.state text and memory files.  0, USB_ERR_READ or USB_ERR_CONFIG
 * with why: a damaged state is an error, never a silent restart.
 */
int sim_state_load(const char *dir, struct sim_slot *s, const char *text, struct usb_why *why);

/* Remove the files of devices from..to (the bus now holds others). */
void sim_state_forget(const char *dir, int from, int to);

/* ------------------------------------------------------------ writing */

/*
 * Save every device and the bus.  Each failure is reported through
 * b->report (the device's memory would be lost); the first one's code is
 * returned.
 */
int sim_state_save(struct sim_bus *b);

/* DIR/stats: the run's figures, for the tests and the benchmark. */
void sim_state_write_stats(struct sim_bus *b);

/* Open DIR/requests.log for appending, line-buffered: 0 or USB_ERR_WRITE with why. */
int sim_state_open_log(struct sim_bus *b, struct usb_why *why);

/*
 * One line of requests.log (nothing without a state directory).  result
 * is a byte count, or SIM_STALL, SIM_GONE, SIM_TIMEOUT.
 */
void sim_state_log(struct sim_bus *b, const struct sim_slot *s, const char *req,
		   unsigned int wValue, unsigned int wIndex, unsigned int wLength, int result);

#endif
