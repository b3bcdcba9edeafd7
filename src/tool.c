/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * What the companion tools' main()s would otherwise each write again; see
 * tool.h.  Messages and exit statuses are part of their interface (the
 * man pages and tests/companions.sh), so they live here once.
 */

#include <config.h>

#include <string.h>

#include "errors.h"
#include "log.h"
#include "tool.h"

int tool_parse_options(const struct tool *t, void *opts, int argc, char **argv)
{
	int c, err;

	/* Errors are reported through log.h, naming the option as typed. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, t->optstring, t->longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			t->usage(stdout);
			return TOOL_DONE;
		case 'V':
			printf("%s (%s) %s\n", t->name, PACKAGE_NAME, PACKAGE_VERSION);
			return TOOL_DONE;
		case ':':
			log_error("option '%s' needs an argument", argv[optind - 1]);
			return DFU_E_USAGE;
		case '?':
			log_error("unknown option '%s'", argv[optind - 1]);
			log_hint("see '%s --help'", t->name);
			return DFU_E_USAGE;
		default:
			err = t->option(opts, c, optarg);
			if (err)
				return err;
			break;
		}
	}
	return 0;
}

int tool_exit_status(int err)
{
	return err == TOOL_DONE ? 0 : dfu_exit_status(err);
}

int tool_set_verb(struct tool_verb_file *v, int c, const char *file)
{
	if (v->verb != TOOL_VERB_NONE) {
		log_error("give only one of -c, -a and -D");
		return DFU_E_USAGE;
	}
	v->verb = c == 'c' ? TOOL_VERB_CHECK : c == 'a' ? TOOL_VERB_ADD : TOOL_VERB_DELETE;
	v->file = file;
	return 0;
}

int tool_check_verb(const char *name, const struct tool_verb_file *v, int nargs, char **args)
{
	if (nargs > 0) {
		log_error("unexpected argument '%s'", args[0]);
		log_hint("the file goes after -c, -a or -D");
		return DFU_E_USAGE;
	}
	if (v->verb == TOOL_VERB_NONE) {
		log_error("nothing to do");
		log_hint("give -c FILE, -a FILE or -D FILE; see '%s --help'", name);
		return DFU_E_USAGE;
	}
	return 0;
}

int tool_check_in_place(const struct tool_verb_file *v)
{
	if (v->verb != TOOL_VERB_CHECK && strcmp(v->file, "-") == 0) {
		log_error("-a and -D rewrite a file in place; standard input cannot be used");
		return DFU_E_USAGE;
	}
	return 0;
}
