/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf.h"
#include "errors.h"
#include "fwimage.h"
#include "log.h"
#include "number.h"

static const struct {
	const char *name;
	const char *article;
} fwimage_names[] = {
	[FWIMAGE_RAW] = { "raw binary", "a" },
	[FWIMAGE_DFUSE] = { ".dfu", "a" },
	[FWIMAGE_IHEX] = { "Intel HEX", "an" },
	[FWIMAGE_SREC] = { "S-record", "an" },
	[FWIMAGE_ELF] = { "ELF", "an" },
	[FWIMAGE_UF2] = { "UF2", "a" },
};

const char *fwimage_format_name(enum fwimage_format f)
{
	return f <= FWIMAGE_UF2 ? fwimage_names[f].name : "unknown";
}

/*
 * The first non-blank line is the start mark, then at least min_digits
 * hex digits and nothing else up to the line end: a text record.  A raw
 * binary that happens to begin with ':' or "S1" rarely goes on like that.
 */
static int fwimage_first_line_is(const unsigned char *buf, size_t len, const char *mark,
				 size_t min_digits)
{
	size_t i = 0, m = strlen(mark), digits = 0;

	while (i < len && (buf[i] == '\n' || buf[i] == '\r' || buf[i] == ' ' || buf[i] == '\t'))
		i++;
	if (len - i < m || memcmp(buf + i, mark, m) != 0)
		return 0;
	for (i += m; i < len && hex_digit_value(buf[i]) >= 0; i++)
		digits++;
	if (digits < min_digits)
		return 0;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r'))
		i++;
	return i == len || buf[i] == '\n';
}

enum fwimage_format fwimage_detect(const unsigned char *buf, size_t len)
{
	static const char *const srec_marks[] = { "S0", "S1", "S2", "S3", "S5", "S6", "S7", "S8", "S9" };
	size_t i;

	if (dfuse_file_is_dfuse(buf, len))
		return FWIMAGE_DFUSE;
	if (elf_is_elf(buf, len))
		return FWIMAGE_ELF;
	if (uf2_is_uf2(buf, len))
		return FWIMAGE_UF2;
	/* The shortest records: ":00000001FF" and "S9030000FC". */
	if (fwimage_first_line_is(buf, len, ":", 10))
		return FWIMAGE_IHEX;
	for (i = 0; i < sizeof(srec_marks) / sizeof(srec_marks[0]); i++)
		if (fwimage_first_line_is(buf, len, srec_marks[i], 8))
			return FWIMAGE_SREC;
	return FWIMAGE_RAW;
}

void fwimage_free(struct fwimage *fw)
{
	if (!fw)
		return;
	if (fw->format == FWIMAGE_DFUSE) {
		dfuse_file_free(&fw->img);
	} else if (fw->img.targets) {
		free(fw->img.targets[0].elements);
		free(fw->img.targets);
	}
	ihex_free(&fw->segs);
	memset(fw, 0, sizeof(*fw));
}

/* One target, one element per segment, pointing into fw->segs. */
static int fwimage_make_target(struct fwimage *fw, const char *name)
{
	struct dfuse_target *tg;
	size_t i;

	if (fw->segs.n_segments == 0) {
		log_error("'%s' (%s %s file) holds no data", name, fwimage_names[fw->format].article,
			  fwimage_names[fw->format].name);
		return DFU_E_DATA;
	}
	tg = calloc(1, sizeof(*tg));
	if (!tg || !(tg->elements = calloc(fw->segs.n_segments, sizeof(*tg->elements)))) {
		free(tg);
		log_error("out of memory reading '%s'", name);
		return DFU_E_NOMEM;
	}
	fw->img.version = DFUSE_VERSION;
	fw->img.n_targets = 1;
	fw->img.targets = tg;
	fw->img.format = fwimage_names[fw->format].name;
	if (fw->segs.has_name) {
		tg->named = 1;
		snprintf(tg->name, sizeof(tg->name), "%s", fw->segs.name);
	}
	for (i = 0; i < fw->segs.n_segments; i++) {
		const struct ihex_segment *s = &fw->segs.segments[i];

		/* Segments stay below 4 GiB, so only one of exactly 4 GiB is too big. */
		if (s->size > UINT32_MAX) {
			log_error("'%s': 0x%08lx: a segment of %zu bytes is too large", name,
				  (unsigned long)s->address, s->size);
			return DFU_E_DATA;
		}
		tg->elements[i].address = s->address;
		tg->elements[i].size = (uint32_t)s->size;
		tg->elements[i].data = s->data;
	}
	tg->n_elements = (uint32_t)fw->segs.n_segments;
	return 0;
}

int fwimage_parse(const unsigned char *buf, size_t len, enum fwimage_format f, const char *name,
		  struct fwimage *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	out->format = f;
	switch (f) {
	case FWIMAGE_DFUSE:
		err = dfuse_file_parse(buf, len, name, &out->img);
		break;
	case FWIMAGE_IHEX:
		err = ihex_parse((const char *)buf, len, name, &out->segs);
		break;
	case FWIMAGE_SREC:
		err = srec_parse((const char *)buf, len, name, &out->segs);
		break;
	case FWIMAGE_ELF:
		err = elf_parse(buf, len, name, &out->segs);
		break;
	case FWIMAGE_UF2:
		err = uf2_parse(buf, len, name, &out->uf2, &out->segs);
		break;
	default:
		log_error("'%s' is a raw binary: no addresses to read", name);
		err = DFU_E_DATA;
		break;
	}
	if (!err && f != FWIMAGE_DFUSE)
		err = fwimage_make_target(out, name);
	if (err)
		fwimage_free(out);
	return err;
}

/* -v: what the file holds and where it goes (on stderr, like the memory map). */
static void fwimage_describe(const struct fwimage *fw, const char *name)
{
	const struct dfuse_target *tg = &fw->img.targets[0];
	uint32_t i;

	if (fw->format == FWIMAGE_DFUSE)
		return;
	log_note("'%s' is %s %s file with %lu segment%s", name, fwimage_names[fw->format].article,
		 fwimage_names[fw->format].name, (unsigned long)tg->n_elements,
		 tg->n_elements == 1 ? "" : "s");
	if (fw->format == FWIMAGE_UF2) {
		const char *fam = fw->uf2.has_family ? uf2_family_name(fw->uf2.family) : NULL;

		log_note("  %zu UF2 blocks, %zu of them not for main flash (skipped)",
			 fw->uf2.n_blocks, fw->uf2.n_skipped);
		if (fw->uf2.has_family)
			log_note("  board family ID 0x%08lx%s%s%s", (unsigned long)fw->uf2.family,
				 fam ? " (" : "", fam ? fam : "", fam ? ")" : "");
		else
			log_note("  no board family ID");
	}
	for (i = 0; i < tg->n_elements; i++)
		log_note("  segment %lu: 0x%08lx-0x%08lx, %lu bytes", (unsigned long)i,
			 (unsigned long)tg->elements[i].address,
			 (unsigned long)(tg->elements[i].address + tg->elements[i].size - 1),
			 (unsigned long)tg->elements[i].size);
	if (fw->segs.has_start)
		log_note("  start address 0x%08lx (not used by DfuSe)", (unsigned long)fw->segs.start);
}

int fwimage_from_file(const struct dfu_file *file, const struct dfuse_request *req,
		      struct fwimage *out)
{
	enum fwimage_format f = fwimage_detect(file->data, file->size);
	int err;

	memset(out, 0, sizeof(*out));
	if (f == FWIMAGE_RAW) {
		if (req && !req->has_address) {
			log_error("'%s' is a raw binary and -s gives no address to write it to",
				  file->name);
			log_hint("give the address, e.g. -s 0x08000000%s", req->leave ? ":leave" : "");
			return DFU_E_USAGE;
		}
		return 0;
	}
	if (req && req->has_address) {
		log_error("'%s' is %s %s file: its addresses come from the file, not from -s",
			  file->name, fwimage_names[f].article, fwimage_names[f].name);
		log_hint("leave the address out (-s :leave still works), or flash a raw binary");
		return DFU_E_USAGE;
	}
	/* A .dfu file's suffix is part of it; on the others it is only checked and left out. */
	err = fwimage_parse(file->data, f == FWIMAGE_DFUSE ? file->size : file->payload_size, f,
			    file->name, out);
	if (err)
		return err;
	if (log_verbosity() >= 1)
		fwimage_describe(out, file->name);
	return 0;
}
