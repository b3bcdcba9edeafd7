/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * Test helper: build a DfuSe .dfu file with dfuse_file_build.
 *   mkdfuse OUT VID PID @ALT[=NAME] ADDR:FILE [ADDR:FILE...] [@ALT ...]
 * VID and PID are numbers (0x0483); "@ALT" starts a target for alt setting ALT
 * (optionally named), each "ADDR:FILE" adds an element with FILE's bytes
 * at ADDR (0x hex, octal or decimal).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfuse_file.h"
#include "number.h"

#define MKDFUSE_MAX_TARGETS	8
#define MKDFUSE_MAX_ELEMENTS	16
#define MKDFUSE_MAX_FILE	(1 << 22)

static int mkdfuse_number(const char *text, uint64_t max, uint64_t *out)
{
	if (parse_number_quiet(text, max, out) < 0) {
		fprintf(stderr, "mkdfuse: bad number '%s'\n", text);
		return -1;
	}
	return 0;
}

static unsigned char *mkdfuse_read(const char *name, size_t *len)
{
	unsigned char *buf = malloc(MKDFUSE_MAX_FILE);
	FILE *f;

	if (!buf)
		return NULL;
	f = fopen(name, "rb");
	if (!f) {
		fprintf(stderr, "mkdfuse: cannot open '%s'\n", name);
		free(buf);
		return NULL;
	}
	*len = fread(buf, 1, MKDFUSE_MAX_FILE, f);
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	static struct dfuse_target targets[MKDFUSE_MAX_TARGETS];
	static struct dfuse_element elements[MKDFUSE_MAX_TARGETS][MKDFUSE_MAX_ELEMENTS];
	struct dfuse_image img;
	unsigned char *out = NULL;
	size_t out_len = 0;
	uint64_t vid, pid, v;
	FILE *f;
	int i;

	if (argc < 6) {
		fprintf(stderr, "usage: mkdfuse OUT VID PID @ALT[=NAME] ADDR:FILE... [@ALT ...]\n");
		return 2;
	}
	if (mkdfuse_number(argv[2], 0xffff, &vid) < 0 || mkdfuse_number(argv[3], 0xffff, &pid) < 0)
		return 2;
	memset(&img, 0, sizeof(img));
	img.targets = targets;
	for (i = 4; i < argc; i++) {
		char *arg = argv[i], *sep;

		if (arg[0] == '@') {
			struct dfuse_target *t;

			if (img.n_targets == MKDFUSE_MAX_TARGETS)
				return 2;
			t = &targets[img.n_targets];
			t->elements = elements[img.n_targets];
			img.n_targets++;
			sep = strchr(arg, '=');
			if (sep) {
				*sep = '\0';
				t->named = 1;
				snprintf(t->name, sizeof(t->name), "%s", sep + 1);
			}
			if (mkdfuse_number(arg + 1, 255, &v) < 0)
				return 2;
			t->alt = (uint8_t)v;
			continue;
		}
		sep = strchr(arg, ':');
		if (!sep || img.n_targets == 0 ||
		    targets[img.n_targets - 1].n_elements == MKDFUSE_MAX_ELEMENTS) {
			fprintf(stderr, "mkdfuse: bad element '%s'\n", arg);
			return 2;
		}
		*sep = '\0';
		{
			struct dfuse_target *t = &targets[img.n_targets - 1];
			struct dfuse_element *e = &t->elements[t->n_elements];
			size_t len;

			if (mkdfuse_number(arg, 0xffffffff, &v) < 0)
				return 2;
			e->address = (uint32_t)v;
			e->data = mkdfuse_read(sep + 1, &len);
			if (!e->data)
				return 2;
			e->size = (uint32_t)len;
			t->n_elements++;
		}
	}
	if (dfuse_file_build(&img, (uint16_t)vid, (uint16_t)pid, 0xffff, &out, &out_len) < 0)
		return 1;
	f = fopen(argv[1], "wb");
	if (!f)
		return 2;
	if (fwrite(out, 1, out_len, f) != out_len)
		return 2;
	free(out);
	return fclose(f) ? 2 : 0;
}
