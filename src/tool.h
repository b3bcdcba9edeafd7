/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_TOOL_H
#define DFU_TOOL_H

/*
 * Helpers shared by the companion tools (dfu-suffix, dfu-prefix,
 * dfuse-pack): the option loop with its -h, -V and error handling, the
 * "-c/-a/-D FILE" verb of the suffix and prefix tools, and the exit status.
 * Each tool keeps its own options, checks and verbs.
 */

#include <getopt.h>
#include <stdio.h>

/* tool_parse_options() returns this when -h or -V was answered: exit 0. */
#define TOOL_DONE 1

/* The first entries of every tool's long option table. */
#define TOOL_LONGOPTS_COMMON \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, 'V' }

struct tool {
	const char *name;		/* "dfu-suffix": for --version and hints */
	const char *optstring;		/* getopt's, starting ":hV" */
	const struct option *longopts;	/* starting with TOOL_LONGOPTS_COMMON */
	void (*usage)(FILE *f);
	/* One tool-specific option; 0 or a negative enum dfu_err, already reported. */
	int (*option)(void *opts, int c, const char *arg);
};

/*
 * Run getopt over argv, handing each tool-specific option to t->option.
 * Returns 0 with optind at the first operand, TOOL_DONE after printing the
 * usage or the version, or the first error (reported once).
 */
int tool_parse_options(const struct tool *t, void *opts, int argc, char **argv);

/* The process exit status for what main() ends with (TOOL_DONE is 0). */
int tool_exit_status(int err);

/*
 * dfu-suffix and dfu-prefix do exactly one of these to one file, chosen
 * with -c FILE, -a FILE or -D FILE (optstring "c:a:D:").
 */
enum tool_verb { TOOL_VERB_NONE = 0, TOOL_VERB_CHECK, TOOL_VERB_ADD, TOOL_VERB_DELETE };

#define TOOL_LONGOPTS_VERBS \
	{ "check", required_argument, NULL, 'c' }, \
	{ "add", required_argument, NULL, 'a' }, \
	{ "delete", required_argument, NULL, 'D' }

struct tool_verb_file {
	enum tool_verb verb;
	const char *file;
};

/* For option c ('c', 'a' or 'D') with its FILE: refuses a second verb. */
int tool_set_verb(struct tool_verb_file *v, int c, const char *file);

/* After the options: a verb was given, and no operand (the file is the verb's argument). */
int tool_check_verb(const char *name, const struct tool_verb_file *v, int nargs, char **args);

/* -a and -D rewrite their file in place, so it cannot be standard input. */
int tool_check_in_place(const struct tool_verb_file *v);

#endif
