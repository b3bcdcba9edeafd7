/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_OPTIONS_H
#define DFU_OPTIONS_H

#include <stdint.h>
#include <stddef.h>
#include "quirks.h"

/*
 * The whole command line as plain data, filled by one pure function
 * (options_parse) so it can be tested from a table.
 */

#define OPT_MAX_IDS 2		/* -d runtime_vid:pid,dfu_vid:pid */
/* A USB string descriptor holds at most 126 UTF-16 units: 378 bytes of UTF-8. */
#define OPT_SERIAL_MAX 378

/* One vid:pid pair from -d; each part may be "any" (*) or "none" (-). */
enum id_match { ID_ANY = 0, ID_VALUE, ID_NONE };
struct id_pair {
	enum id_match vid_match, pid_match;
	uint16_t vid, pid;
};

enum dfu_action {
	ACTION_NONE = 0,	/* only -e, -R or a DfuSe command (-s with modifier) */
	ACTION_LIST,
	ACTION_DOWNLOAD,
	ACTION_UPLOAD,
	ACTION_HELP,
	ACTION_VERSION,
};

struct dfu_options {
	enum dfu_action action;
	int verbose;			/* count of -v */

	/* device selection */
	int n_ids;			/* 0: -d not given */
	struct id_pair ids[OPT_MAX_IDS];	/* [0] run-time (and DFU if only one), [1] DFU mode;
					   ",df:u" gives [0] = -:-, empty parts of [1] copy [0] */
	int devnum;			/* -n, -1 = any */
	const char *path;		/* -p "bus-port.port", NULL = any */
	int config;			/* -c, -1 = any */
	int intf;			/* -i, -1 = any */
	int alt;			/* -a number, -1 = any (or by name) */
	const char *alt_name;		/* -a NAME when not a number */
	const char *serial[2];		/* -S serial[,serial]: run-time, DFU; NULL = any; one serial fills both */
	/*
	 * Holds the first serial of "-S a,b" (argv cannot be cut in place);
	 * serial[0] may point here, so do not copy the struct by value.
	 */
	char serial_buf[OPT_SERIAL_MAX + 1];

	/* operations */
	int detach;			/* -e */
	unsigned int detach_delay;	/* -E seconds, upper bound for re-enumeration; default 5 */
	unsigned int transfer_size;	/* -t, 0 = from the device */
	const char *upload_file;	/* -U, "-" = stdout */
	int have_upload_size;		/* -Z given */
	uint64_t upload_size;		/* -Z */
	const char *download_file;	/* -D, "-" = stdin */
	int reset;			/* -R */
	int final_detach;		/* -Q: DFU_DETACH instead of a USB reset after a download */
	int wait;			/* -w */
	unsigned int wait_seconds;	/* --wait=SECONDS: give up waiting after that; 0 = never */
	unsigned int timeout_ms;	/* --timeout MS: USB control-transfer timeout, default 5000 */
	const char *dfuse_address;	/* -s / --dfuse-address raw text, parsed in issue 3 */
	struct dfu_quirks quirks;	/* --quirk NAME[,NAME...], added to the table's */
	int verify;			/* --verify: read back what -D wrote and compare */
	int skip_unchanged;		/* --skip-unchanged: DfuSe pages already right are left */
	int dry_run;			/* --dry-run: plan -D, print the plan, change nothing */
	int json;			/* --json: NDJSON events on stdout (events.h) */
	int all;			/* --all: every matching device at once (ops_all.c) */

	/* simulated device (overrides the environment) */
	const char *sim_devices;	/* --sim PROFILE[,PROFILE] */
	const char *sim_state;		/* --sim-state DIR */
	int sim_virtual_clock;		/* --sim-clock=virtual; -1 = not given */
};

/* Defaults: every selector "any", detach_delay 5, timeout_ms 5000, sim_virtual_clock -1. */
void options_init(struct dfu_options *o);

/*
 * Parse argv into o.  Pure apart from reporting through log.h: on error it
 * reports one message quoting the offending text and returns DFU_E_USAGE.
 * Pointers stored in o point into argv.
 */
int options_parse(struct dfu_options *o, int argc, char *const argv[]);

/* The default USB control-transfer timeout, as in the classic tool. */
#define OPT_DEFAULT_TIMEOUT_MS 5000u

/* Print the usage text to stdout. */
void options_usage(void);

/* Parse one "vid:pid" with "*"/"-"/empty parts; reports on error. */
int parse_id_pair(const char *text, struct id_pair *out);

#endif
