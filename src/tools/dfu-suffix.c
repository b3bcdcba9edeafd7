/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * dfu-suffix: check, add or delete the DFU suffix (DFU 1.1 Annex B) of a
 * firmware file.  main() parses, then calls one function per verb.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "dfu_file.h"
#include "errors.h"
#include "log.h"
#include "number.h"
#include "tool.h"

struct suffix_opts {
	struct tool_verb_file v;
	struct dfu_suffix sfx;
	int have_ids;		/* -v/-p/-d/-S given: only meaningful with -a */
};

static void suffix_usage(FILE *f)
{
	fprintf(f,
		"usage: dfu-suffix -c FILE\n"
		"       dfu-suffix -a FILE [-v VID] [-p PID] [-d BCDDEVICE] [-S BCDDFU]\n"
		"       dfu-suffix -D FILE\n"
		"  -c, --check FILE    print the DFU suffix of FILE; fail if missing or corrupt\n"
		"  -a, --add FILE      append a DFU suffix to FILE (refused if it has one)\n"
		"  -D, --delete FILE   remove the DFU suffix from FILE\n"
		"  -v, --vid HEX       idVendor (default ffff)\n"
		"  -p, --pid HEX       idProduct (default ffff)\n"
		"  -d, --did HEX       bcdDevice (default ffff)\n"
		"  -S, --spec HEX      bcdDFU: 0100 (default) or 011a (DfuSe)\n"
		"  -h, --help          this text\n"
		"  -V, --version       the version\n");
}

/*
 * IDs are hex, as lsusb prints them and as the classic tool reads them
 * ("0483" is 0x0483); an explicit 0x is tolerated.  Unlike the classic
 * tool, junk and values above ffff are refused, not truncated.
 */
static int suffix_parse_hex16(const char *text, const char *what, uint16_t *out)
{
	if (num_usb_id(text, out) == NUM_OK)
		return 0;
	log_error("invalid %s '%s': expected a hex number from 0 to ffff", what, text);
	return DFU_E_USAGE;
}

static int suffix_option(void *opts, int c, const char *arg)
{
	struct suffix_opts *o = opts;
	int err;

	switch (c) {
	case 'c':
	case 'a':
	case 'D':
		return tool_set_verb(&o->v, c, arg);
	case 'v':
		o->have_ids = 1;
		return suffix_parse_hex16(arg, "vendor ID", &o->sfx.idVendor);
	case 'p':
		o->have_ids = 1;
		return suffix_parse_hex16(arg, "product ID", &o->sfx.idProduct);
	case 'd':
		o->have_ids = 1;
		return suffix_parse_hex16(arg, "device release (bcdDevice)", &o->sfx.bcdDevice);
	case 'S':
		o->have_ids = 1;
		err = suffix_parse_hex16(arg, "DFU version (bcdDFU)", &o->sfx.bcdDFU);
		if (err == 0 && o->sfx.bcdDFU != 0x0100 && o->sfx.bcdDFU != 0x011a) {
			log_error("unsupported DFU version '%s'", arg);
			log_hint("use 0100 (DFU 1.0/1.1) or 011a (ST DfuSe)");
			err = DFU_E_USAGE;
		}
		return err;
	default:
		/* getopt only returns letters of the optstring: a missing case is a bug. */
		log_error("option '-%c' is not handled", c);
		return DFU_E_USAGE;
	}
}

static const struct option suffix_longopts[] = {
	TOOL_LONGOPTS_COMMON,
	TOOL_LONGOPTS_VERBS,
	{ "vid", required_argument, NULL, 'v' },
	{ "pid", required_argument, NULL, 'p' },
	{ "did", required_argument, NULL, 'd' },
	{ "spec", required_argument, NULL, 'S' },
	{ NULL, 0, NULL, 0 }
};

static const struct tool suffix_tool = {
	.name = "dfu-suffix",
	.optstring = ":hVc:a:D:v:p:d:S:",
	.longopts = suffix_longopts,
	.usage = suffix_usage,
	.option = suffix_option,
};

static void suffix_init(struct suffix_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->sfx.idVendor = 0xffff;
	o->sfx.idProduct = 0xffff;
	o->sfx.bcdDevice = 0xffff;
	o->sfx.bcdDFU = 0x0100;
}

/* What the options cannot say alone; nargs/args are the operands left over. */
static int suffix_check_args(const struct suffix_opts *o, int nargs, char **args)
{
	int err = tool_check_verb(suffix_tool.name, &o->v, nargs, args);

	if (err)
		return err;
	if (o->have_ids && o->v.verb != TOOL_VERB_ADD) {
		log_error("-v, -p, -d and -S only go with -a");
		return DFU_E_USAGE;
	}
	return tool_check_in_place(&o->v);
}

/* Check and delete both need a file that has a good suffix. */
static int suffix_load_suffixed(const char *name, struct dfu_file *f)
{
	int err = dfu_file_load(name, f);

	if (err)
		return err;
	if (f->suffix_result != SUFFIX_OK) {
		log_error("'%s' has no DFU suffix", name);
		dfu_file_free(f);
		return DFU_E_DATA;
	}
	return 0;
}

static int suffix_check(const char *name)
{
	struct dfu_file f;
	int err = suffix_load_suffixed(name, &f);

	if (err)
		return err;
	log_info("%s: DFU suffix, %zu bytes of firmware", name, f.payload_size);
	log_info("  bcdDevice  0x%04x", (unsigned int)f.suffix.bcdDevice);
	log_info("  idProduct  0x%04x", (unsigned int)f.suffix.idProduct);
	log_info("  idVendor   0x%04x", (unsigned int)f.suffix.idVendor);
	log_info("  bcdDFU     0x%04x", (unsigned int)f.suffix.bcdDFU);
	log_info("  bLength    %u", (unsigned int)f.suffix.bLength);
	/* fwupd puts a metadata table before the footer and counts it in bLength. */
	if (f.suffix.bLength > DFU_SUFFIX_LEN)
		log_info("  metadata   %u bytes before the 16-byte footer (not firmware)",
			 (unsigned int)(f.suffix.bLength - DFU_SUFFIX_LEN));
	log_info("  dwCRC      0x%08lx", (unsigned long)f.suffix.dwCRC);
	dfu_file_free(&f);
	return 0;
}

static int suffix_add(const char *name, const struct dfu_suffix *sfx)
{
	unsigned char *buf;
	struct dfu_file f;
	int err = dfu_file_load(name, &f);

	if (err)
		return err;
	if (f.suffix_result == SUFFIX_OK) {
		log_error("'%s' already has a DFU suffix (%04x:%04x)", name,
			  (unsigned int)f.suffix.idVendor, (unsigned int)f.suffix.idProduct);
		log_hint("remove it first with dfu-suffix -D");
		dfu_file_free(&f);
		return DFU_E_DATA;
	}
	buf = f.size <= SIZE_MAX - DFU_SUFFIX_LEN ? realloc(f.data, f.size + DFU_SUFFIX_LEN) : NULL;
	if (!buf) {
		log_error("out of memory");
		dfu_file_free(&f);
		return DFU_E_NOMEM;
	}
	f.data = buf;
	dfu_suffix_build(f.data, f.size, sfx, f.data + f.size);
	err = dfu_file_replace(name, f.data, f.size + DFU_SUFFIX_LEN);
	if (err == 0)
		log_info("%s: added a DFU suffix for %04x:%04x", name,
			 (unsigned int)sfx->idVendor, (unsigned int)sfx->idProduct);
	dfu_file_free(&f);
	return err;
}

static int suffix_delete(const char *name)
{
	struct dfu_file f;
	int err = suffix_load_suffixed(name, &f);

	if (err)
		return err;
	err = dfu_file_replace(name, f.data, f.payload_size);
	if (err == 0)
		log_info("%s: removed the DFU suffix", name);
	dfu_file_free(&f);
	return err;
}

int main(int argc, char **argv)
{
	struct suffix_opts o;
	int err;

	compat_stdio_init();
	log_set_progname(suffix_tool.name);
	suffix_init(&o);
	err = tool_parse_options(&suffix_tool, &o, argc, argv);
	if (err == 0)
		err = suffix_check_args(&o, argc - optind, argv + optind);
	if (err)
		return tool_exit_status(err);
	switch (o.v.verb) {
	case TOOL_VERB_CHECK:
		err = suffix_check(o.v.file);
		break;
	case TOOL_VERB_ADD:
		err = suffix_add(o.v.file, &o.sfx);
		break;
	case TOOL_VERB_DELETE:
		err = suffix_delete(o.v.file);
		break;
	case TOOL_VERB_NONE:
		break;
	}
	return tool_exit_status(err);
}
