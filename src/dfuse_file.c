/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu_file.h"
#include "dfuse_file.h"
#include "errors.h"
#include "log.h"

static const char dfuse_sig[5] = { 'D', 'f', 'u', 'S', 'e' };
static const char dfuse_target_sig[6] = { 'T', 'a', 'r', 'g', 'e', 't' };

static uint32_t dfuse_get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void dfuse_put32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

int dfuse_file_is_dfuse(const unsigned char *buf, size_t len)
{
	return buf && len >= sizeof(dfuse_sig) && memcmp(buf, dfuse_sig, sizeof(dfuse_sig)) == 0;
}

void dfuse_file_free(struct dfuse_image *img)
{
	int i;

	if (!img)
		return;
	if (img->targets)
		for (i = 0; i < img->n_targets; i++)
			free(img->targets[i].elements);
	free(img->targets);
	memset(img, 0, sizeof(*img));
}

/* ------------------------------------------------------------ overlaps */

/* One element of the whole image, for sorting by alt setting and address. */
struct dfuse_ref {
	uint8_t alt;
	uint32_t address;
	uint64_t end;		/* one past the last byte; 64 bits so 4 GiB fits */
	int target;
	uint32_t element;
};

static int dfuse_ref_cmp(const void *a, const void *b)
{
	const struct dfuse_ref *x = a, *y = b;

	if (x->alt != y->alt)
		return x->alt < y->alt ? -1 : 1;
	if (x->address != y->address)
		return x->address < y->address ? -1 : 1;
	/* Ties by position in the file, so the message does not depend on qsort. */
	if (x->target != y->target)
		return x->target < y->target ? -1 : 1;
	if (x->element != y->element)
		return x->element < y->element ? -1 : 1;
	return 0;
}

/*
 * Elements of one alt setting write into one memory: two that share a
 * byte make the result depend on the order of writing and, with page
 * erases in between, can destroy data.  Several targets may name the same
 * alt setting, so the check runs across targets.  where prefixes the
 * message ("'file.dfu': ").  Sizes were checked by the caller: each
 * address + size fits in 4 GiB.
 */
static int dfuse_check_overlaps(const struct dfuse_image *img, const char *where)
{
	struct dfuse_ref *refs;
	size_t n = 0, i, best;
	int t;

	for (t = 0; t < img->n_targets; t++)
		n += img->targets[t].n_elements;
	if (n < 2)
		return 0;
	refs = calloc(n, sizeof(*refs));
	if (!refs) {
		log_error("out of memory");
		return DFU_E_NOMEM;
	}
	n = 0;
	for (t = 0; t < img->n_targets; t++) {
		const struct dfuse_target *tg = &img->targets[t];
		uint32_t e;

		for (e = 0; e < tg->n_elements; e++) {
			/* An empty element occupies no byte, so it cannot collide. */
			if (tg->elements[e].size == 0)
				continue;
			refs[n].alt = tg->alt;
			refs[n].address = tg->elements[e].address;
			refs[n].end = (uint64_t)tg->elements[e].address + tg->elements[e].size;
			refs[n].target = t;
			refs[n].element = e;
			n++;
		}
	}
	qsort(refs, n, sizeof(*refs), dfuse_ref_cmp);
	/*
	 * Sorted by start: if any earlier element of the same alt overlaps
	 * this one, the one reaching furthest does, so tracking it is enough.
	 */
	best = 0;
	for (i = 1; i < n; i++) {
		const struct dfuse_ref *p, *c = &refs[i];

		if (c->alt != refs[best].alt) {
			best = i;
			continue;
		}
		p = &refs[best];
		if (p->end > c->address) {
			log_error("%starget %d element %u (0x%08lx-0x%08lx) overlaps target %d element %u (0x%08lx-0x%08lx), both for alt setting %u",
				  where, c->target, (unsigned int)c->element,
				  (unsigned long)c->address, (unsigned long)(c->end - 1),
				  p->target, (unsigned int)p->element,
				  (unsigned long)p->address, (unsigned long)(p->end - 1),
				  (unsigned int)c->alt);
			free(refs);
			return DFU_E_DATA;
		}
		if (c->end > p->end)
			best = i;
	}
	free(refs);
	return 0;
}

/* ---------------------------------------------------------------- parse */

static void dfuse_copy_name(char *dst, const unsigned char *src)
{
	size_t n = 0;

	/* szTargetName is NUL padded; a 255-byte name has no terminator. */
	while (n < DFUSE_NAME_LEN && src[n])
		n++;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * Walk the elements of target t, whose prefix ended at *off.  end is where
 * the suffix starts.  Counts and sizes are checked against the bytes really
 * there before anything is allocated or read.
 */
static int dfuse_parse_elements(const unsigned char *buf, size_t *off, size_t end, int t,
				struct dfuse_target *tg, const char *where)
{
	size_t start = *off, pos = *off;
	uint32_t e;

	if (tg->n_elements > (end - pos) / DFUSE_ELEMENT_HDR_LEN) {
		log_error("%starget %d (offset %zu) claims %lu elements, but only %zu bytes follow: the count is impossible",
			  where, t, tg->file_offset, (unsigned long)tg->n_elements, end - pos);
		return DFU_E_DATA;
	}
	if (tg->n_elements) {
		tg->elements = calloc(tg->n_elements, sizeof(*tg->elements));
		if (!tg->elements) {
			log_error("out of memory");
			return DFU_E_NOMEM;
		}
	}
	for (e = 0; e < tg->n_elements; e++) {
		struct dfuse_element *el = &tg->elements[e];

		if (end - pos < DFUSE_ELEMENT_HDR_LEN) {
			log_error("%starget %d element %lu: header at offset %zu is cut off by the suffix",
				  where, t, (unsigned long)e, pos);
			return DFU_E_DATA;
		}
		el->file_offset = pos;
		el->address = dfuse_get32(buf + pos);
		el->size = dfuse_get32(buf + pos + 4);
		pos += DFUSE_ELEMENT_HDR_LEN;
		if (el->size > end - pos) {
			log_error("%starget %d element %lu (offset %zu): %lu bytes of data, but only %zu bytes are left before the suffix",
				  where, t, (unsigned long)e, el->file_offset,
				  (unsigned long)el->size, end - pos);
			return DFU_E_DATA;
		}
		if ((uint64_t)el->address + el->size > UINT64_C(0x100000000)) {
			log_error("%starget %d element %lu (offset %zu): 0x%08lx + %lu bytes wraps past the end of the 4 GiB address space",
				  where, t, (unsigned long)e, el->file_offset,
				  (unsigned long)el->address, (unsigned long)el->size);
			return DFU_E_DATA;
		}
		el->data = buf + pos;
		pos += el->size;
	}
	if (pos - start != tg->size) {
		log_error("%starget %d (offset %zu): dwTargetSize is %lu, but its %lu elements take %zu bytes",
			  where, t, tg->file_offset, (unsigned long)tg->size,
			  (unsigned long)tg->n_elements, pos - start);
		return DFU_E_DATA;
	}
	*off = pos;
	return 0;
}

static int dfuse_parse_checked(const unsigned char *buf, size_t len, const char *where,
			       struct dfuse_image *img)
{
	enum dfu_suffix_result sr;
	size_t end, off;
	int n_targets, t, err;

	if (!dfuse_file_is_dfuse(buf, len)) {
		log_error("%snot a DfuSe file: it does not start with \"DfuSe\"", where);
		return DFU_E_DATA;
	}
	if (len < DFUSE_PREFIX_LEN) {
		log_error("%sDfuSe prefix cut off: the file has %zu bytes, the prefix alone needs %d",
			  where, len, DFUSE_PREFIX_LEN);
		return DFU_E_DATA;
	}
	/* The suffix first: a CRC error explains any other defect best. */
	sr = dfu_suffix_parse(buf, len, &img->suffix);
	switch (sr) {
	case SUFFIX_OK:
		break;
	case SUFFIX_NONE:
		log_error("%sno DFU suffix at the end: the file is truncated or not a complete .dfu file",
			  where);
		return DFU_E_DATA;
	case SUFFIX_BAD_LENGTH:
		log_error("%sDFU suffix length %u is invalid for a %zu byte file",
			  where, (unsigned int)img->suffix.bLength, len);
		return DFU_E_DATA;
	case SUFFIX_BAD_CRC:
		log_error("%sDFU suffix CRC mismatch (stored 0x%08lx, computed 0x%08lx): the file is corrupt",
			  where, (unsigned long)img->suffix.dwCRC,
			  (unsigned long)dfu_crc32(0xffffffffu, buf, len - 4));
		return DFU_E_DATA;
	}
	if (img->suffix.bcdDFU != DFUSE_BCD_DFU) {
		log_error("%sDFU suffix has bcdDFU 0x%04x; a DfuSe file must have 0x%04x",
			  where, (unsigned int)img->suffix.bcdDFU, (unsigned int)DFUSE_BCD_DFU);
		return DFU_E_DATA;
	}
	end = len - img->suffix.bLength;
	if (end < DFUSE_PREFIX_LEN) {
		log_error("%sDfuSe prefix overlaps the DFU suffix: the file has only %zu bytes before it",
			  where, end);
		return DFU_E_DATA;
	}

	img->version = buf[5];
	img->image_size = dfuse_get32(buf + 6);
	n_targets = buf[10];
	if (img->version != DFUSE_VERSION) {
		log_error("%sDfuSe prefix version %u (offset 5) is not supported; only %u is",
			  where, (unsigned int)img->version, (unsigned int)DFUSE_VERSION);
		return DFU_E_DATA;
	}
	/*
	 * UM0391 and ST's tools count the file without its suffix; the classic
	 * dfuse-pack script counts the whole file.  Files of both kinds are in
	 * use, and the structure walk below checks every byte anyway.
	 */
	if (img->image_size != end && img->image_size != len) {
		log_error("%sDFUImageSize (offset 6) is %lu, but the file has %zu bytes before its suffix (%zu with it)",
			  where, (unsigned long)img->image_size, end, len);
		return DFU_E_DATA;
	}
	if (n_targets == 0) {
		log_error("%sbTargets (offset 10) is 0: the file contains no target image", where);
		return DFU_E_DATA;
	}
	off = DFUSE_PREFIX_LEN;
	if ((size_t)n_targets > (end - off) / DFUSE_TARGET_PREFIX_LEN) {
		log_error("%sbTargets (offset 10) is %d, but the %zu bytes after the prefix hold at most %zu target prefixes",
			  where, n_targets, end - off, (end - off) / DFUSE_TARGET_PREFIX_LEN);
		return DFU_E_DATA;
	}
	img->targets = calloc((size_t)n_targets, sizeof(*img->targets));
	if (!img->targets) {
		log_error("out of memory");
		return DFU_E_NOMEM;
	}
	img->n_targets = n_targets;

	for (t = 0; t < n_targets; t++) {
		struct dfuse_target *tg = &img->targets[t];
		const unsigned char *p = buf + off;

		tg->file_offset = off;
		if (end - off < DFUSE_TARGET_PREFIX_LEN) {
			log_error("%starget %d: prefix at offset %zu is cut off (%zu bytes left, %d needed)",
				  where, t, off, end - off, DFUSE_TARGET_PREFIX_LEN);
			return DFU_E_DATA;
		}
		if (memcmp(p, dfuse_target_sig, sizeof(dfuse_target_sig)) != 0) {
			log_error("%starget %d: no \"Target\" signature at offset %zu", where, t, off);
			return DFU_E_DATA;
		}
		tg->alt = p[6];
		tg->named = dfuse_get32(p + 7) != 0;
		if (tg->named)
			dfuse_copy_name(tg->name, p + 11);
		tg->size = dfuse_get32(p + 266);
		tg->n_elements = dfuse_get32(p + 270);
		off += DFUSE_TARGET_PREFIX_LEN;
		err = dfuse_parse_elements(buf, &off, end, t, tg, where);
		if (err)
			return err;
	}
	if (off != end) {
		log_error("%s%zu unexpected bytes at offset %zu, after the last target and before the suffix",
			  where, end - off, off);
		return DFU_E_DATA;
	}
	return dfuse_check_overlaps(img, where);
}

int dfuse_file_parse(const unsigned char *buf, size_t len, const char *name,
		     struct dfuse_image *out)
{
	char *where = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	if (name && strcmp(name, "-") != 0) {
		size_t n = strlen(name);

		/* Every message starts with "'NAME': ". */
		where = malloc(n + 5);
		if (!where) {
			log_error("out of memory");
			return DFU_E_NOMEM;
		}
		where[0] = '\'';
		memcpy(where + 1, name, n);
		memcpy(where + 1 + n, "': ", 4);
	}
	err = dfuse_parse_checked(buf, len,
				  where ? where : name ? "standard input: " : "the .dfu file: ", out);
	free(where);
	if (err)
		dfuse_file_free(out);
	return err;
}

/* ---------------------------------------------------------------- build */

int dfuse_file_build(const struct dfuse_image *img, uint16_t vid, uint16_t pid,
		     uint16_t bcd_device, unsigned char **out, size_t *out_len)
{
	static const char where[] = "cannot build the .dfu file: ";
	struct dfu_suffix sfx;
	unsigned char *buf, *p;
	uint64_t total = DFUSE_PREFIX_LEN;
	int t, err;

	*out = NULL;
	*out_len = 0;
	if (img->n_targets < 1 || img->n_targets > 255) {
		log_error("%s%d targets; a .dfu file holds 1 to 255", where, img->n_targets);
		return DFU_E_DATA;
	}
	for (t = 0; t < img->n_targets; t++) {
		const struct dfuse_target *tg = &img->targets[t];
		uint64_t tsize = 0;
		uint32_t e;

		if (tg->named && memchr(tg->name, '\0', sizeof(tg->name)) == NULL) {
			log_error("%starget %d: the name is not terminated", where, t);
			return DFU_E_DATA;
		}
		for (e = 0; e < tg->n_elements; e++) {
			const struct dfuse_element *el = &tg->elements[e];

			if ((uint64_t)el->address + el->size > UINT64_C(0x100000000)) {
				log_error("%starget %d element %lu: 0x%08lx + %lu bytes wraps past the end of the 4 GiB address space",
					  where, t, (unsigned long)e, (unsigned long)el->address,
					  (unsigned long)el->size);
				return DFU_E_DATA;
			}
			if (el->size && !el->data) {
				log_error("%starget %d element %lu has no data", where, t,
					  (unsigned long)e);
				return DFU_E_DATA;
			}
			tsize += DFUSE_ELEMENT_HDR_LEN + (uint64_t)el->size;
			/* dwTargetSize is 32 bits; stop before the sum could wrap. */
			if (tsize > UINT32_MAX) {
				log_error("%starget %d is larger than 4 GiB", where, t);
				return DFU_E_DATA;
			}
		}
		total += DFUSE_TARGET_PREFIX_LEN + tsize;
		if (total > UINT32_MAX || total > SIZE_MAX - DFU_SUFFIX_LEN) {
			log_error("%sthe image is larger than 4 GiB", where);
			return DFU_E_DATA;
		}
	}
	err = dfuse_check_overlaps(img, where);
	if (err)
		return err;

	buf = malloc((size_t)total + DFU_SUFFIX_LEN);
	if (!buf) {
		log_error("out of memory");
		return DFU_E_NOMEM;
	}
	p = buf;
	memcpy(p, dfuse_sig, sizeof(dfuse_sig));
	p[5] = DFUSE_VERSION;
	dfuse_put32(p + 6, (uint32_t)total);
	p[10] = (unsigned char)img->n_targets;
	p += DFUSE_PREFIX_LEN;
	for (t = 0; t < img->n_targets; t++) {
		const struct dfuse_target *tg = &img->targets[t];
		uint32_t e, tsize = 0;

		for (e = 0; e < tg->n_elements; e++)
			tsize += DFUSE_ELEMENT_HDR_LEN + tg->elements[e].size;
		memcpy(p, dfuse_target_sig, sizeof(dfuse_target_sig));
		p[6] = tg->alt;
		dfuse_put32(p + 7, tg->named ? 1 : 0);
		memset(p + 11, 0, DFUSE_NAME_LEN);
		if (tg->named) {
			/* Checked above: terminated within name[], so at most 255 bytes. */
			memcpy(p + 11, tg->name, strlen(tg->name));
		}
		dfuse_put32(p + 266, tsize);
		dfuse_put32(p + 270, tg->n_elements);
		p += DFUSE_TARGET_PREFIX_LEN;
		for (e = 0; e < tg->n_elements; e++) {
			const struct dfuse_element *el = &tg->elements[e];

			dfuse_put32(p, el->address);
			dfuse_put32(p + 4, el->size);
			p += DFUSE_ELEMENT_HDR_LEN;
			if (el->size)
				memcpy(p, el->data, el->size);
			p += el->size;
		}
	}
	memset(&sfx, 0, sizeof(sfx));
	sfx.bcdDevice = bcd_device;
	sfx.idProduct = pid;
	sfx.idVendor = vid;
	sfx.bcdDFU = DFUSE_BCD_DFU;
	dfu_suffix_build(buf, (size_t)total, &sfx, p);
	*out = buf;
	*out_len = (size_t)total + DFU_SUFFIX_LEN;
	return 0;
}

/* ---------------------------------------------------------------- print */

/* Names come from files: keep terminal control bytes out of the output. */
static void dfuse_escape_name(char *dst, size_t dst_len, const char *src)
{
	size_t o = 0;

	for (; *src && o + 5 < dst_len; src++) {
		unsigned char c = (unsigned char)*src;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			dst[o++] = (char)c;
		} else {
			snprintf(dst + o, dst_len - o, "\\x%02x", c);
			o += 4;
		}
	}
	dst[o] = '\0';
}

void dfuse_file_print(const struct dfuse_image *img)
{
	char name[DFUSE_NAME_LEN * 4 + 8];
	int t;

	log_info("DfuSe v%u, image size %lu, %d target%s, suffix %04x:%04x bcdDevice 0x%04x",
		 (unsigned int)img->version, (unsigned long)img->image_size, img->n_targets,
		 img->n_targets == 1 ? "" : "s", (unsigned int)img->suffix.idVendor,
		 (unsigned int)img->suffix.idProduct, (unsigned int)img->suffix.bcdDevice);
	for (t = 0; t < img->n_targets; t++) {
		const struct dfuse_target *tg = &img->targets[t];
		uint32_t e;

		if (tg->named) {
			dfuse_escape_name(name, sizeof(name), tg->name);
			log_info("target %d: alt %u, name \"%s\", %lu element%s, %lu bytes", t,
				 (unsigned int)tg->alt, name, (unsigned long)tg->n_elements,
				 tg->n_elements == 1 ? "" : "s", (unsigned long)tg->size);
		} else {
			log_info("target %d: alt %u, no name, %lu element%s, %lu bytes", t,
				 (unsigned int)tg->alt, (unsigned long)tg->n_elements,
				 tg->n_elements == 1 ? "" : "s", (unsigned long)tg->size);
		}
		for (e = 0; e < tg->n_elements; e++) {
			const struct dfuse_element *el = &tg->elements[e];

			if (el->size)
				log_info("  element %lu: address 0x%08lx, %lu bytes (to 0x%08lx)",
					 (unsigned long)e, (unsigned long)el->address,
					 (unsigned long)el->size,
					 (unsigned long)((uint64_t)el->address + el->size - 1));
			else
				log_info("  element %lu: address 0x%08lx, empty",
					 (unsigned long)e, (unsigned long)el->address);
		}
	}
}
