/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * dfuse-pack: build, check or unpack ST DfuSe .dfu files (UM0391).
 *
 *   dfuse-pack -b ADDR[@ALT]:FILE ... [-i FILE.hex] [-s FILE.srec] [-e FILE.elf]
 *              [-u FILE.uf2] [-D VID:PID] [-a ALT] [-n NAME] OUT.dfu   build
 *   dfuse-pack FILE.dfu                            check and describe
 *   dfuse-pack -d FILE.dfu                         unpack the elements
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "dfu_file.h"
#include "dfuse_file.h"
#include "elf.h"
#include "errors.h"
#include "ihex.h"
#include "log.h"
#include "number.h"
#include "options.h"
#include "tool.h"
#include "uf2.h"

#define PACK_DEFAULT_VID	0x0483
#define PACK_DEFAULT_PID	0xdf11
#define PACK_DEFAULT_NAME	"ST..."		/* what ST's and the classic tools write */

enum pack_kind { INPUT_BIN, INPUT_HEX, INPUT_SREC, INPUT_ELF, INPUT_UF2 };

struct pack_input {
	enum pack_kind kind;
	const char *file;
	uint32_t address;	/* INPUT_BIN */
	int alt;		/* INPUT_BIN with @ALT; -1 = the -a default */
};

struct pack_opts {
	int dump;
	struct pack_input *inputs;
	size_t n_inputs;
	uint16_t vid, pid;
	int have_device, have_alt;
	uint8_t alt;
	const char *name;
	const char *file;	/* the .dfu to write, check or dump */
};

/* What the build gathered: loaded files and the elements pointing into them. */
struct pack_work {
	struct dfu_file *files;
	struct ihex_image *texts;
	size_t n_loaded;
	struct dfuse_element *elements;
	uint8_t *element_alt;
	size_t n_elements, cap_elements;
	const char *alt_name[256];	/* S0 header names, per alt */
};

static void pack_usage(FILE *f)
{
	fprintf(f,
		"usage: dfuse-pack -b ADDR[@ALT]:FILE [-b ...] [-i FILE.hex] [-s FILE.srec]\n"
		"                  [-e FILE.elf] [-u FILE.uf2] [-D VID:PID] [-a ALT] [-n NAME] OUT.dfu\n"
		"       dfuse-pack FILE.dfu\n"
		"       dfuse-pack -d FILE.dfu\n"
		"  -b, --build ADDR[@ALT]:FILE  add a raw binary (no DFU suffix) at ADDR, for alt ALT\n"
		"  -i, --build-ihex FILE        add each contiguous segment of an Intel HEX file\n"
		"  -s, --build-s19 FILE         add each contiguous segment of an S-record file\n"
		"  -e, --build-elf FILE         add each loadable segment of an ELF file (its file bytes)\n"
		"  -u, --build-uf2 FILE         add the main-flash data of a UF2 file, by address\n"
		"  -D, --device VID:PID         IDs for the suffix (hex; default 0483:df11)\n"
		"  -a, --alt-intf ALT           alt setting for -i, -s, -e, -u and -b without @ (default 0)\n"
		"  -n, --name NAME              target name (default: the S-record header or \"ST...\")\n"
		"  -d, --dump                   write each element to FILE.targetT.imageE.bin\n"
		"  -h, --help                   this text\n"
		"  -V, --version                the version\n"
		"Without -b, -i, -s, -e, -u or -d, FILE.dfu is checked and described.\n");
}

static int pack_add_input(struct pack_opts *o, enum pack_kind kind, const char *file,
			  uint32_t address, int alt)
{
	struct pack_input *n = realloc(o->inputs, (o->n_inputs + 1) * sizeof(*n));

	if (!n) {
		log_error("out of memory");
		return DFU_E_NOMEM;
	}
	o->inputs = n;
	n[o->n_inputs].kind = kind;
	n[o->n_inputs].file = file;
	n[o->n_inputs].address = address;
	n[o->n_inputs].alt = alt;
	o->n_inputs++;
	return 0;
}

/* "ADDR[@ALT]:FILE"; the file name may itself contain ':' after the first. */
static int pack_parse_build(struct pack_opts *o, const char *arg)
{
	const char *colon = strchr(arg, ':');
	char head[64];
	char *at;
	uint64_t addr, alt;
	size_t n;

	if (!colon || colon[1] == '\0') {
		log_error("invalid -b '%s': expected ADDRESS[@ALT]:FILE", arg);
		return DFU_E_USAGE;
	}
	n = (size_t)(colon - arg);
	if (n == 0 || n >= sizeof(head)) {
		log_error("invalid -b '%s': expected ADDRESS[@ALT]:FILE", arg);
		return DFU_E_USAGE;
	}
	memcpy(head, arg, n);
	head[n] = '\0';
	at = strchr(head, '@');
	if (at)
		*at++ = '\0';
	if (parse_number(head, UINT32_MAX, "address", &addr))
		return DFU_E_USAGE;
	if (at && parse_number(at, 255, "alt setting", &alt))
		return DFU_E_USAGE;
	return pack_add_input(o, INPUT_BIN, colon + 1, (uint32_t)addr, at ? (int)alt : -1);
}

static int pack_option(void *opts, int c, const char *arg)
{
	struct pack_opts *o = opts;
	struct id_pair ids;
	uint64_t v = 0;
	int err;

	switch (c) {
	case 'b':
		return pack_parse_build(o, arg);
	case 'i':
		return pack_add_input(o, INPUT_HEX, arg, 0, -1);
	case 's':
		return pack_add_input(o, INPUT_SREC, arg, 0, -1);
	case 'e':
		return pack_add_input(o, INPUT_ELF, arg, 0, -1);
	case 'u':
		return pack_add_input(o, INPUT_UF2, arg, 0, -1);
	case 'D':
		err = parse_id_pair(arg, &ids);
		if (err)
			return err;
		if (ids.vid_match != ID_VALUE || ids.pid_match != ID_VALUE) {
			log_error("invalid device '%s': expected VID:PID in hex", arg);
			return DFU_E_USAGE;
		}
		o->vid = ids.vid;
		o->pid = ids.pid;
		o->have_device = 1;
		return 0;
	case 'a':
		err = parse_number(arg, 255, "alt setting", &v);
		o->alt = (uint8_t)v;
		o->have_alt = 1;
		return err;
	case 'n':
		if (strlen(arg) > DFUSE_NAME_LEN) {
			log_error("target name too long: %zu bytes, at most %d",
				  strlen(arg), DFUSE_NAME_LEN);
			return DFU_E_USAGE;
		}
		o->name = arg;
		return 0;
	case 'd':
		o->dump = 1;
		return 0;
	default:
		/* getopt only returns letters of the optstring: a missing case is a bug. */
		log_error("option '-%c' is not handled", c);
		return DFU_E_USAGE;
	}
}

static const struct option pack_longopts[] = {
	TOOL_LONGOPTS_COMMON,
	{ "build", required_argument, NULL, 'b' },
	{ "build-ihex", required_argument, NULL, 'i' },
	{ "build-s19", required_argument, NULL, 's' },
	{ "build-elf", required_argument, NULL, 'e' },
	{ "build-uf2", required_argument, NULL, 'u' },
	{ "device", required_argument, NULL, 'D' },
	{ "alt-intf", required_argument, NULL, 'a' },
	{ "name", required_argument, NULL, 'n' },
	{ "dump", no_argument, NULL, 'd' },
	{ NULL, 0, NULL, 0 }
};

static const struct tool pack_tool = {
	.name = "dfuse-pack",
	.optstring = ":hVb:i:s:e:u:D:a:n:d",
	.longopts = pack_longopts,
	.usage = pack_usage,
	.option = pack_option,
};

static void pack_init(struct pack_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->vid = PACK_DEFAULT_VID;
	o->pid = PACK_DEFAULT_PID;
}

/* The one .dfu operand, and what the options cannot say alone. */
static int pack_check_args(struct pack_opts *o, int nargs, char **args)
{
	if (nargs < 1) {
		log_error("no .dfu file given");
		log_hint("see '%s --help'", pack_tool.name);
		return DFU_E_USAGE;
	}
	if (nargs > 1) {
		log_error("unexpected argument '%s': give one .dfu file", args[1]);
		return DFU_E_USAGE;
	}
	o->file = args[0];
	if (o->dump && o->n_inputs) {
		log_error("-d unpacks a .dfu file; it does not go with -b, -i, -s, -e or -u");
		return DFU_E_USAGE;
	}
	if (!o->n_inputs && (o->have_device || o->have_alt || o->name)) {
		log_error("-D, -a and -n only go with -b, -i, -s, -e or -u");
		return DFU_E_USAGE;
	}
	if (o->n_inputs && strcmp(o->file, "-") == 0) {
		log_error("the .dfu file to build needs a name, not standard input");
		return DFU_E_USAGE;
	}
	return 0;
}

/* ---------------------------------------------------------------- build */

static int pack_add_element(struct pack_work *w, uint8_t alt, uint32_t address, size_t size,
			    const unsigned char *data, const char *file)
{
	if ((uint64_t)size > UINT32_MAX) {
		log_error("'%s': %zu bytes is too large for one element", file, size);
		return DFU_E_DATA;
	}
	if (w->n_elements == w->cap_elements) {
		size_t cap = w->cap_elements ? w->cap_elements * 2 : 16;
		struct dfuse_element *ne = realloc(w->elements, cap * sizeof(*ne));
		uint8_t *na;

		if (!ne) {
			log_error("out of memory");
			return DFU_E_NOMEM;
		}
		w->elements = ne;
		na = realloc(w->element_alt, cap);
		if (!na) {
			log_error("out of memory");
			return DFU_E_NOMEM;
		}
		w->element_alt = na;
		w->cap_elements = cap;
	}
	memset(&w->elements[w->n_elements], 0, sizeof(w->elements[0]));
	w->elements[w->n_elements].address = address;
	w->elements[w->n_elements].size = (uint32_t)size;
	w->elements[w->n_elements].data = data;
	w->element_alt[w->n_elements] = alt;
	w->n_elements++;
	return 0;
}

static int pack_load_input(const struct pack_opts *o, const struct pack_input *in,
			   struct pack_work *w)
{
	struct dfu_file *f = &w->files[w->n_loaded];
	struct ihex_image *t = &w->texts[w->n_loaded];
	uint8_t alt = in->alt >= 0 ? (uint8_t)in->alt : o->alt;
	size_t i;
	int err;

	err = dfu_file_load(in->file, f);
	if (err)
		return err;
	w->n_loaded++;
	if (in->kind == INPUT_BIN) {
		if (f->suffix_result == SUFFIX_OK) {
			log_error("'%s' has a DFU suffix; raw binaries go into a .dfu file without one",
				  in->file);
			log_hint("remove it with dfu-suffix -D '%s'", in->file);
			return DFU_E_DATA;
		}
		if (f->size == 0) {
			log_error("'%s' is empty", in->file);
			return DFU_E_DATA;
		}
		return pack_add_element(w, alt, in->address, f->size, f->data, in->file);
	}
	switch (in->kind) {
	case INPUT_HEX:
		err = ihex_parse((const char *)f->data, f->size, in->file, t);
		break;
	case INPUT_SREC:
		err = srec_parse((const char *)f->data, f->size, in->file, t);
		break;
	case INPUT_ELF:
		err = elf_parse(f->data, f->payload_size, in->file, t);
		break;
	default: {
		struct uf2_info info;

		err = uf2_parse(f->data, f->payload_size, in->file, &info, t);
		break;
	}
	}
	if (err)
		return err;
	if (t->n_segments == 0) {
		log_error("'%s' holds no data", in->file);
		return DFU_E_DATA;
	}
	if (t->has_name && !w->alt_name[alt])
		w->alt_name[alt] = t->name;
	for (i = 0; i < t->n_segments; i++) {
		err = pack_add_element(w, alt, t->segments[i].address, t->segments[i].size,
				       t->segments[i].data, in->file);
		if (err)
			return err;
	}
	return 0;
}

/* One target per alt setting, in increasing alt order; elements in command-line order. */
static int pack_make_image(const struct pack_opts *o, struct pack_work *w, struct dfuse_image *img)
{
	int alt, t = 0;
	size_t e;

	memset(img, 0, sizeof(*img));
	for (alt = 0; alt < 256; alt++)
		for (e = 0; e < w->n_elements; e++)
			if (w->element_alt[e] == alt) {
				img->n_targets++;
				break;
			}
	img->targets = calloc((size_t)img->n_targets, sizeof(*img->targets));
	if (!img->targets) {
		log_error("out of memory");
		return DFU_E_NOMEM;
	}
	for (alt = 0; alt < 256; alt++) {
		struct dfuse_target *tg;
		const char *name;
		uint32_t count = 0;

		for (e = 0; e < w->n_elements; e++)
			if (w->element_alt[e] == alt)
				count++;
		if (!count)
			continue;
		tg = &img->targets[t];
		tg->n_elements = count;
		tg->alt = (uint8_t)alt;
		tg->named = 1;
		name = o->name ? o->name : w->alt_name[alt] ? w->alt_name[alt] : PACK_DEFAULT_NAME;
		snprintf(tg->name, sizeof(tg->name), "%s", name);
		tg->elements = calloc(tg->n_elements, sizeof(*tg->elements));
		if (!tg->elements) {
			log_error("out of memory");
			return DFU_E_NOMEM;
		}
		tg->n_elements = 0;
		for (e = 0; e < w->n_elements; e++)
			if (w->element_alt[e] == alt)
				tg->elements[tg->n_elements++] = w->elements[e];
		t++;
	}
	return 0;
}

static int pack_build(const struct pack_opts *o)
{
	struct pack_work w;
	struct dfuse_image img, check;
	unsigned char *out = NULL;
	size_t out_len = 0, i;
	int err = 0;

	memset(&w, 0, sizeof(w));
	memset(&img, 0, sizeof(img));
	memset(&check, 0, sizeof(check));
	w.files = calloc(o->n_inputs, sizeof(*w.files));
	w.texts = calloc(o->n_inputs, sizeof(*w.texts));
	if (!w.files || !w.texts) {
		log_error("out of memory");
		err = DFU_E_NOMEM;
		goto out;
	}
	for (i = 0; i < o->n_inputs && !err; i++)
		err = pack_load_input(o, &o->inputs[i], &w);
	if (!err)
		err = pack_make_image(o, &w, &img);
	/* The target name is 255 bytes at most, NUL padded: no terminator needed in the file. */
	if (!err)
		err = dfuse_file_build(&img, o->vid, o->pid, 0x0000, &out, &out_len);
	/* Read back what we made with the same parser dfu-util uses, before anyone flashes it. */
	if (!err)
		err = dfuse_file_parse(out, out_len, o->file, &check);
	if (!err)
		err = dfu_file_replace(o->file, out, out_len);
	if (!err)
		dfuse_file_print(&check);
out:
	dfuse_file_free(&check);
	free(out);
	/* img's targets point at w's elements: free the arrays only. */
	for (i = 0; img.targets && i < (size_t)img.n_targets; i++)
		free(img.targets[i].elements);
	free(img.targets);
	for (i = 0; i < w.n_loaded; i++) {
		dfu_file_free(&w.files[i]);
		ihex_free(&w.texts[i]);
	}
	free(w.files);
	free(w.texts);
	free(w.elements);
	free(w.element_alt);
	return err;
}

/* ---------------------------------------------------------------- check, dump */

static char *pack_dump_name(const char *file, int t, uint32_t e)
{
	size_t n = strlen(file) + 48;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s.target%d.image%lu.bin", file, t, (unsigned long)e);
	else
		log_error("out of memory");
	return s;
}

static int pack_dump(const char *file, const struct dfuse_image *img)
{
	int t, err = 0;
	uint32_t e;

	/* Refuse before writing anything, so a clash never leaves half the elements out. */
	for (t = 0; t < img->n_targets && !err; t++)
		for (e = 0; e < img->targets[t].n_elements && !err; e++) {
			struct dfu_outfile probe;
			char *name = pack_dump_name(file, t, e);

			if (!name)
				return DFU_E_NOMEM;
			err = dfu_outfile_open(&probe, name);
			dfu_outfile_abort(&probe);
			free(name);
		}
	for (t = 0; t < img->n_targets && !err; t++)
		for (e = 0; e < img->targets[t].n_elements && !err; e++) {
			const struct dfuse_element *el = &img->targets[t].elements[e];
			struct dfu_outfile of;
			char *name = pack_dump_name(file, t, e);

			if (!name)
				return DFU_E_NOMEM;
			err = dfu_outfile_open(&of, name);
			if (!err)
				err = dfu_outfile_write(&of, el->data, el->size);
			if (!err)
				err = dfu_outfile_commit(&of);
			dfu_outfile_abort(&of);
			if (!err)
				log_info("wrote %s (%lu bytes at 0x%08lx)", name,
					 (unsigned long)el->size, (unsigned long)el->address);
			free(name);
		}
	return err;
}

static int pack_check(const char *file, int dump)
{
	struct dfuse_image img;
	struct dfu_file f;
	int err = dfu_file_load(file, &f);

	if (err)
		return err;
	err = dfuse_file_parse(f.data, f.size, file, &img);
	if (!err) {
		dfuse_file_print(&img);
		log_info("CRC 0x%08lx OK", (unsigned long)img.suffix.dwCRC);
		if (dump)
			err = pack_dump(strcmp(file, "-") == 0 ? "stdin" : file, &img);
	}
	dfuse_file_free(&img);
	dfu_file_free(&f);
	return err;
}

int main(int argc, char **argv)
{
	struct pack_opts o;
	int err;

	compat_stdio_init();
	log_set_progname(pack_tool.name);
	pack_init(&o);
	err = tool_parse_options(&pack_tool, &o, argc, argv);
	if (err == 0)
		err = pack_check_args(&o, argc - optind, argv + optind);
	if (err == 0)
		err = o.n_inputs ? pack_build(&o) : pack_check(o.file, o.dump);
	free(o.inputs);
	return tool_exit_status(err);
}
