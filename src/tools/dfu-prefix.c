/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * dfu-prefix: check, add or delete the TI Stellaris or NXP LPC prefix of
 * a firmware file (formats in dfu_prefix.h).  A DFU suffix stays at the
 * end of the file, with its CRC recomputed.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "dfu_file.h"
#include "dfu_prefix.h"
#include "errors.h"
#include "log.h"
#include "number.h"
#include "tool.h"

struct prefix_opts {
	struct tool_verb_file v;
	enum dfu_prefix_type type;	/* from -s/-T/-L; PREFIX_NONE = any */
	int have_address;
	uint32_t address;
};

static void prefix_usage(FILE *f)
{
	fprintf(f,
		"usage: dfu-prefix -c FILE [-T | -L]\n"
		"       dfu-prefix -a FILE (-s ADDRESS | -L)\n"
		"       dfu-prefix -D FILE [-T | -L]\n"
		"  -c, --check FILE               print the prefix (and suffix) of FILE\n"
		"  -a, --add FILE                 put a prefix in front of FILE\n"
		"  -D, --delete FILE              remove the prefix of FILE\n"
		"  -s, --stellaris-address ADDR   with -a: TI Stellaris prefix for flash address ADDR\n"
		"                                 (a multiple of 1024)\n"
		"  -T, --stellaris                with -c or -D: require a TI Stellaris prefix\n"
		"  -L, --lpc-prefix               NXP LPC unencrypted prefix (with -a), or require one\n"
		"  -h, --help                     this text\n"
		"  -V, --version                  the version\n");
}

static int prefix_set_type(struct prefix_opts *o, enum dfu_prefix_type t)
{
	if (o->type != PREFIX_NONE && o->type != t) {
		log_error("give only one prefix type: -s/-T (TI Stellaris) or -L (NXP LPC)");
		return DFU_E_USAGE;
	}
	o->type = t;
	return 0;
}

static int prefix_option(void *opts, int c, const char *arg)
{
	struct prefix_opts *o = opts;
	uint64_t v = 0;
	int err;

	switch (c) {
	case 'c':
	case 'a':
	case 'D':
		return tool_set_verb(&o->v, c, arg);
	case 's':
		err = parse_number(arg, UINT32_MAX, "Stellaris address", &v);
		if (err == 0)
			err = prefix_set_type(o, PREFIX_STELLARIS);
		o->have_address = 1;
		o->address = (uint32_t)v;
		return err;
	case 'T':
		return prefix_set_type(o, PREFIX_STELLARIS);
	case 'L':
		return prefix_set_type(o, PREFIX_LPC);
	default:
		/* getopt only returns letters of the optstring: a missing case is a bug. */
		log_error("option '-%c' is not handled", c);
		return DFU_E_USAGE;
	}
}

static const struct option prefix_longopts[] = {
	TOOL_LONGOPTS_COMMON,
	TOOL_LONGOPTS_VERBS,
	{ "stellaris-address", required_argument, NULL, 's' },
	{ "stellaris", no_argument, NULL, 'T' },
	{ "lpc-prefix", no_argument, NULL, 'L' },
	{ NULL, 0, NULL, 0 }
};

static const struct tool prefix_tool = {
	.name = "dfu-prefix",
	.optstring = ":hVc:a:D:s:TL",
	.longopts = prefix_longopts,
	.usage = prefix_usage,
	.option = prefix_option,
};

/* What the options cannot say alone; nargs/args are the operands left over. */
static int prefix_check_args(const struct prefix_opts *o, int nargs, char **args)
{
	int err = tool_check_verb(prefix_tool.name, &o->v, nargs, args);

	if (err)
		return err;
	if (o->v.verb == TOOL_VERB_ADD) {
		if (o->type == PREFIX_NONE || (o->type == PREFIX_STELLARIS && !o->have_address)) {
			log_error("-a needs the prefix type: -s ADDRESS (TI Stellaris) or -L (NXP LPC)");
			return DFU_E_USAGE;
		}
	} else if (o->have_address) {
		log_error("-s only goes with -a; use -T to require a Stellaris prefix");
		return DFU_E_USAGE;
	}
	return tool_check_in_place(&o->v);
}

static int prefix_check(const char *name, enum dfu_prefix_type want)
{
	struct dfu_prefix p;
	struct dfu_file f;
	int err = dfu_file_load(name, &f);

	if (err)
		return err;
	dfu_prefix_detect(f.data, f.payload_size, &p);
	switch (p.type) {
	case PREFIX_STELLARIS:
		log_info("%s: TI Stellaris prefix", name);
		log_info("  address    0x%08lx", (unsigned long)p.address);
		log_info("  length     %lu", (unsigned long)p.length);
		break;
	case PREFIX_LPC:
		log_info("%s: NXP LPC prefix", name);
		log_info("  size       %u blocks of 512 bytes (%lu bytes)", (unsigned int)p.blocks,
			 (unsigned long)p.blocks * DFU_PREFIX_LPC_BLOCK);
		break;
	case PREFIX_NONE:
		log_info("%s: no DFU prefix", name);
		break;
	}
	if (f.suffix_result == SUFFIX_OK)
		log_info("  DFU suffix %04x:%04x, bcdDevice 0x%04x, bcdDFU 0x%04x, CRC 0x%08lx",
			 (unsigned int)f.suffix.idVendor, (unsigned int)f.suffix.idProduct,
			 (unsigned int)f.suffix.bcdDevice, (unsigned int)f.suffix.bcdDFU,
			 (unsigned long)f.suffix.dwCRC);
	else
		log_info("  no DFU suffix");
	dfu_file_free(&f);
	if (want != PREFIX_NONE && p.type != want) {
		log_error("'%s' has no %s prefix", name, dfu_prefix_type_name(want));
		return DFU_E_DATA;
	}
	return 0;
}

static int prefix_edit(const struct prefix_opts *o)
{
	const char *name = o->v.file;
	unsigned char *out = NULL;
	size_t out_len = 0;
	struct dfu_file f;
	struct dfu_prefix had;
	int err = dfu_file_load(name, &f);

	if (err)
		return err;
	/* What -D removes, for the message: the file's own prefix type. */
	dfu_prefix_detect(f.data, f.payload_size, &had);
	if (o->v.verb == TOOL_VERB_ADD)
		err = dfu_prefix_add(f.data, f.size, name, o->type, o->address, &out, &out_len);
	else
		err = dfu_prefix_remove(f.data, f.size, name, o->type, &out, &out_len);
	dfu_file_free(&f);
	if (err)
		return err;
	err = dfu_file_replace(name, out, out_len);
	free(out);
	if (err)
		return err;
	if (o->v.verb == TOOL_VERB_DELETE)
		log_info("%s: removed the %s prefix", name, dfu_prefix_type_name(had.type));
	else if (o->type == PREFIX_STELLARIS)
		log_info("%s: added a TI Stellaris prefix for address 0x%08lx", name,
			 (unsigned long)o->address);
	else
		log_info("%s: added an NXP LPC prefix", name);
	return 0;
}

int main(int argc, char **argv)
{
	struct prefix_opts o;
	int err;

	compat_stdio_init();
	log_set_progname(prefix_tool.name);
	memset(&o, 0, sizeof(o));
	err = tool_parse_options(&prefix_tool, &o, argc, argv);
	if (err == 0)
		err = prefix_check_args(&o, argc - optind, argv + optind);
	if (err)
		return tool_exit_status(err);
	if (o.v.verb == TOOL_VERB_CHECK)
		err = prefix_check(o.v.file, o.type);
	else
		err = prefix_edit(&o);
	return tool_exit_status(err);
}
