/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * dfu-prefix: check, add or delete the TI Stellaris or NXP LPC prefix of
 * a firmware file (formats in dfu_prefix.h).  A DFU suffix stays at the
 * end of the file, with its CRC recomputed.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu_file.h"
#include "dfu_prefix.h"
#include "errors.h"
#include "log.h"
#include "options.h"

enum prefix_action { PFX_NONE = 0, PFX_CHECK, PFX_ADD, PFX_DELETE };

struct prefix_opts {
	enum prefix_action action;
	const char *file;
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

static int prefix_error_code(int err)
{
	switch (err) {
	case DFU_OK:		return 0;
	case DFU_E_USAGE:	return 64;
	case DFU_E_DATA:	return 65;
	case DFU_E_NOINPUT:	return 66;
	case DFU_E_NOMEM:	return 71;
	case DFU_E_CANTCREAT:	return 73;
	default:		return 74;
	}
}

static int prefix_set_action(struct prefix_opts *o, enum prefix_action a, const char *file)
{
	if (o->action != PFX_NONE) {
		log_error("give only one of -c, -a and -D");
		return DFU_E_USAGE;
	}
	o->action = a;
	o->file = file;
	return 0;
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

/* Returns 1 for -h/-V handled (exit 0), 0 to go on, or a negative error. */
static int prefix_parse_args(struct prefix_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "check", required_argument, NULL, 'c' },
		{ "add", required_argument, NULL, 'a' },
		{ "delete", required_argument, NULL, 'D' },
		{ "stellaris-address", required_argument, NULL, 's' },
		{ "stellaris", no_argument, NULL, 'T' },
		{ "lpc-prefix", no_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t v;
	int c, err = 0;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hVc:a:D:s:TL", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			prefix_usage(stdout);
			return 1;
		case 'V':
			printf("dfu-prefix (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return 1;
		case 'c':
			err = prefix_set_action(o, PFX_CHECK, optarg);
			break;
		case 'a':
			err = prefix_set_action(o, PFX_ADD, optarg);
			break;
		case 'D':
			err = prefix_set_action(o, PFX_DELETE, optarg);
			break;
		case 's':
			err = parse_number(optarg, UINT32_MAX, "Stellaris address", &v);
			if (err == 0)
				err = prefix_set_type(o, PREFIX_STELLARIS);
			o->have_address = 1;
			o->address = (uint32_t)v;
			break;
		case 'T':
			err = prefix_set_type(o, PREFIX_STELLARIS);
			break;
		case 'L':
			err = prefix_set_type(o, PREFIX_LPC);
			break;
		case ':':
			log_error("option '%s' needs an argument", argv[optind - 1]);
			err = DFU_E_USAGE;
			break;
		default:
			log_error("unknown option '%s'", argv[optind - 1]);
			log_hint("see 'dfu-prefix --help'");
			err = DFU_E_USAGE;
			break;
		}
		if (err)
			return err;
	}
	if (optind < argc) {
		log_error("unexpected argument '%s'", argv[optind]);
		log_hint("the file goes after -c, -a or -D");
		return DFU_E_USAGE;
	}
	switch (o->action) {
	case PFX_NONE:
		log_error("nothing to do");
		log_hint("give -c FILE, -a FILE or -D FILE; see 'dfu-prefix --help'");
		return DFU_E_USAGE;
	case PFX_ADD:
		if (o->type == PREFIX_NONE || (o->type == PREFIX_STELLARIS && !o->have_address)) {
			log_error("-a needs the prefix type: -s ADDRESS (TI Stellaris) or -L (NXP LPC)");
			return DFU_E_USAGE;
		}
		break;
	case PFX_CHECK:
	case PFX_DELETE:
		if (o->have_address) {
			log_error("-s only goes with -a; use -T to require a Stellaris prefix");
			return DFU_E_USAGE;
		}
		break;
	}
	if (o->action != PFX_CHECK && strcmp(o->file, "-") == 0) {
		log_error("-a and -D rewrite a file in place; standard input cannot be used");
		return DFU_E_USAGE;
	}
	return 0;
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
	unsigned char *out = NULL;
	size_t out_len = 0;
	struct dfu_file f;
	int err = dfu_file_load(o->file, &f);

	if (err)
		return err;
	if (o->action == PFX_ADD)
		err = dfu_prefix_add(f.data, f.size, o->file, o->type, o->address, &out, &out_len);
	else
		err = dfu_prefix_remove(f.data, f.size, o->file, o->type, &out, &out_len);
	dfu_file_free(&f);
	if (err)
		return err;
	err = dfu_file_replace(o->file, out, out_len);
	free(out);
	if (err)
		return err;
	if (o->action == PFX_DELETE)
		log_info("%s: removed the DFU prefix", o->file);
	else if (o->type == PREFIX_STELLARIS)
		log_info("%s: added a TI Stellaris prefix for address 0x%08lx", o->file,
			 (unsigned long)o->address);
	else
		log_info("%s: added an NXP LPC prefix", o->file);
	return 0;
}

int main(int argc, char **argv)
{
	struct prefix_opts o;
	int err;

	log_set_progname("dfu-prefix");
	err = prefix_parse_args(&o, argc, argv);
	if (err == 1)
		return 0;
	if (err)
		return prefix_error_code(err);
	if (o.action == PFX_CHECK)
		err = prefix_check(o.file, o.type);
	else
		err = prefix_edit(&o);
	return prefix_error_code(err);
}
