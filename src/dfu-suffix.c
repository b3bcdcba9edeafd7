/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * dfu-suffix: check, add or delete the DFU suffix (DFU 1.1 Annex B) of a
 * firmware file.  main() parses, then calls one function per verb.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu_file.h"
#include "errors.h"
#include "log.h"

enum suffix_action { SFX_NONE = 0, SFX_CHECK, SFX_ADD, SFX_DELETE };

struct suffix_opts {
	enum suffix_action action;
	const char *file;
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

static int suffix_error_code(int err)
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

/*
 * IDs are hex, as lsusb prints them and as the classic tool reads them
 * ("0483" is 0x0483); an explicit 0x is tolerated.  Unlike the classic
 * tool, junk and values above ffff are refused, not truncated.
 */
static int suffix_parse_hex16(const char *text, const char *what, uint16_t *out)
{
	const char *p = text;
	unsigned long v = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (*p == '\0')
		goto bad;
	for (; *p; p++) {
		int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			goto bad;
		v = v * 16 + (unsigned long)d;
		if (v > 0xffff)
			goto bad;
	}
	*out = (uint16_t)v;
	return 0;
bad:
	log_error("invalid %s '%s': expected a hex number from 0 to ffff", what, text);
	return DFU_E_USAGE;
}

static int suffix_set_action(struct suffix_opts *o, enum suffix_action a, const char *file)
{
	if (o->action != SFX_NONE) {
		log_error("give only one of -c, -a and -D");
		return DFU_E_USAGE;
	}
	o->action = a;
	o->file = file;
	return 0;
}

/* Returns 1 for -h/-V handled (exit 0), 0 to go on, or a negative error. */
static int suffix_parse_args(struct suffix_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "check", required_argument, NULL, 'c' },
		{ "add", required_argument, NULL, 'a' },
		{ "delete", required_argument, NULL, 'D' },
		{ "vid", required_argument, NULL, 'v' },
		{ "pid", required_argument, NULL, 'p' },
		{ "did", required_argument, NULL, 'd' },
		{ "spec", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	int c, err = 0;

	memset(o, 0, sizeof(*o));
	o->sfx.idVendor = 0xffff;
	o->sfx.idProduct = 0xffff;
	o->sfx.bcdDevice = 0xffff;
	o->sfx.bcdDFU = 0x0100;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hVc:a:D:v:p:d:S:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			suffix_usage(stdout);
			return 1;
		case 'V':
			printf("dfu-suffix (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return 1;
		case 'c':
			err = suffix_set_action(o, SFX_CHECK, optarg);
			break;
		case 'a':
			err = suffix_set_action(o, SFX_ADD, optarg);
			break;
		case 'D':
			err = suffix_set_action(o, SFX_DELETE, optarg);
			break;
		case 'v':
			err = suffix_parse_hex16(optarg, "vendor ID", &o->sfx.idVendor);
			o->have_ids = 1;
			break;
		case 'p':
			err = suffix_parse_hex16(optarg, "product ID", &o->sfx.idProduct);
			o->have_ids = 1;
			break;
		case 'd':
			err = suffix_parse_hex16(optarg, "device release (bcdDevice)", &o->sfx.bcdDevice);
			o->have_ids = 1;
			break;
		case 'S':
			err = suffix_parse_hex16(optarg, "DFU version (bcdDFU)", &o->sfx.bcdDFU);
			if (err == 0 && o->sfx.bcdDFU != 0x0100 && o->sfx.bcdDFU != 0x011a) {
				log_error("unsupported DFU version '%s'", optarg);
				log_hint("use 0100 (DFU 1.0/1.1) or 011a (ST DfuSe)");
				err = DFU_E_USAGE;
			}
			o->have_ids = 1;
			break;
		case ':':
			log_error("option '%s' needs an argument", argv[optind - 1]);
			err = DFU_E_USAGE;
			break;
		default:
			log_error("unknown option '%s'", argv[optind - 1]);
			log_hint("see 'dfu-suffix --help'");
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
	if (o->action == SFX_NONE) {
		log_error("nothing to do");
		log_hint("give -c FILE, -a FILE or -D FILE; see 'dfu-suffix --help'");
		return DFU_E_USAGE;
	}
	if (o->have_ids && o->action != SFX_ADD) {
		log_error("-v, -p, -d and -S only go with -a");
		return DFU_E_USAGE;
	}
	if (o->action != SFX_CHECK && strcmp(o->file, "-") == 0) {
		log_error("-a and -D rewrite a file in place; standard input cannot be used");
		return DFU_E_USAGE;
	}
	return 0;
}

static int suffix_check(const char *name)
{
	struct dfu_file f;
	int err = dfu_file_load(name, &f);

	if (err)
		return err;
	if (f.suffix_result != SUFFIX_OK) {
		log_error("'%s' has no DFU suffix", name);
		dfu_file_free(&f);
		return DFU_E_DATA;
	}
	log_info("%s: DFU suffix, %zu bytes of firmware", name, f.payload_size);
	log_info("  bcdDevice  0x%04x", (unsigned int)f.suffix.bcdDevice);
	log_info("  idProduct  0x%04x", (unsigned int)f.suffix.idProduct);
	log_info("  idVendor   0x%04x", (unsigned int)f.suffix.idVendor);
	log_info("  bcdDFU     0x%04x", (unsigned int)f.suffix.bcdDFU);
	log_info("  bLength    %u", (unsigned int)f.suffix.bLength);
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
	int err = dfu_file_load(name, &f);

	if (err)
		return err;
	if (f.suffix_result != SUFFIX_OK) {
		log_error("'%s' has no DFU suffix", name);
		dfu_file_free(&f);
		return DFU_E_DATA;
	}
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

	log_set_progname("dfu-suffix");
	err = suffix_parse_args(&o, argc, argv);
	if (err == 1)
		return 0;
	if (err)
		return suffix_error_code(err);
	switch (o.action) {
	case SFX_CHECK:
		err = suffix_check(o.file);
		break;
	case SFX_ADD:
		err = suffix_add(o.file, &o.sfx);
		break;
	case SFX_DELETE:
		err = suffix_delete(o.file);
		break;
	case SFX_NONE:
		break;
	}
	return suffix_error_code(err);
}
