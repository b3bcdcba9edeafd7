/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "ihex.h"
#include "log.h"
#include "number.h"

/* A record carries at most 255 bytes after its length byte; both formats fit. */
#define REC_MAX (1 + 4 + 255 + 1)

void ihex_free(struct ihex_image *img)
{
	size_t i;

	if (!img)
		return;
	for (i = 0; i < img->n_segments; i++)
		free(img->segments[i].data);
	free(img->segments);
	memset(img, 0, sizeof(*img));
}

static const char *ihex_shown(const char *name)
{
	return name ? name : "the file";
}

void ihex_builder_init(struct ihex_builder *b, struct ihex_image *img, const char *name)
{
	memset(img, 0, sizeof(*img));
	memset(b, 0, sizeof(*b));
	b->img = img;
	b->name = name;
}

/*
 * Append n bytes at addr: to the last segment when they continue it (the
 * usual case, so large files stay one segment and linear time), else as
 * a new segment.  Order and overlaps are settled in ihex_builder_finish.
 */
int ihex_builder_add(struct ihex_builder *b, uint64_t addr, const unsigned char *data, size_t n)
{
	struct ihex_image *img = b->img;
	struct ihex_segment *last = img->n_segments ? &img->segments[img->n_segments - 1] : NULL;

	if (n == 0)
		return 0;
	if (addr > UINT64_C(0x100000000) || n > UINT64_C(0x100000000) - addr)
		return DFU_E_DATA;
	if (last && (uint64_t)last->address + last->size == addr) {
		if (last->size + n > b->last_cap) {
			size_t cap = b->last_cap * 2 > last->size + n ? b->last_cap * 2 : last->size + n;
			unsigned char *nd = realloc(last->data, cap);

			if (!nd)
				goto nomem;
			last->data = nd;
			b->last_cap = cap;
		}
		memcpy(last->data + last->size, data, n);
		last->size += n;
		return 0;
	}
	if (img->n_segments == b->seg_cap) {
		size_t cap = b->seg_cap ? b->seg_cap * 2 : 8;
		struct ihex_segment *ns = realloc(img->segments, cap * sizeof(*ns));

		if (!ns)
			goto nomem;
		img->segments = ns;
		b->seg_cap = cap;
	}
	last = &img->segments[img->n_segments];
	b->last_cap = n < 256 ? 256 : n;
	last->data = malloc(b->last_cap);
	if (!last->data)
		goto nomem;
	last->address = (uint32_t)addr;
	last->size = n;
	memcpy(last->data, data, n);
	img->n_segments++;
	return 0;
nomem:
	log_error("out of memory reading '%s'", ihex_shown(b->name));
	return DFU_E_NOMEM;
}

static int ihex_seg_cmp(const void *a, const void *b)
{
	const struct ihex_segment *x = a, *y = b;

	if (x->address != y->address)
		return x->address < y->address ? -1 : 1;
	return 0;
}

/* Sort, refuse overlaps, join segments that touch (records out of order). */
int ihex_builder_finish(struct ihex_builder *b)
{
	struct ihex_image *img = b->img;
	size_t i, out = 0;

	if (img->n_segments > 1)
		qsort(img->segments, img->n_segments, sizeof(*img->segments), ihex_seg_cmp);
	for (i = 0; i < img->n_segments; i++) {
		struct ihex_segment *cur = &img->segments[i];
		struct ihex_segment *prev = out ? &img->segments[out - 1] : NULL;
		uint64_t prev_end = prev ? (uint64_t)prev->address + prev->size : 0;

		if (prev && prev_end > cur->address) {
			log_error("'%s': data at 0x%08lx-0x%08llx is given twice (overlaps 0x%08lx-0x%08llx)",
				  ihex_shown(b->name), (unsigned long)cur->address,
				  (unsigned long long)((uint64_t)cur->address + cur->size - 1),
				  (unsigned long)prev->address, (unsigned long long)(prev_end - 1));
			return DFU_E_DATA;
		}
		if (prev && prev_end == cur->address) {
			unsigned char *nd = realloc(prev->data, prev->size + cur->size);

			if (!nd) {
				log_error("out of memory reading '%s'", ihex_shown(b->name));
				return DFU_E_NOMEM;
			}
			memcpy(nd + prev->size, cur->data, cur->size);
			prev->data = nd;
			prev->size += cur->size;
			free(cur->data);
			cur->data = NULL;
			continue;
		}
		if (out != i) {
			img->segments[out] = *cur;
			cur->data = NULL;
		}
		out++;
	}
	img->n_segments = out;
	return 0;
}

/* Decode the hex digits of one record into rec[]; returns the byte count or -1 (reported). */
static int ihex_decode(const char *p, size_t n, unsigned char rec[REC_MAX], const char *name,
		       unsigned long line)
{
	size_t i;

	if (n % 2) {
		log_error("%s:%lu: odd number of hex digits", ihex_shown(name), line);
		return -1;
	}
	if (n / 2 > REC_MAX) {
		log_error("%s:%lu: record too long", ihex_shown(name), line);
		return -1;
	}
	for (i = 0; i < n; i += 2) {
		int hi = hex_digit_value(p[i]), lo = hex_digit_value(p[i + 1]);

		if (hi < 0 || lo < 0) {
			unsigned char bad = (unsigned char)(hi < 0 ? p[i] : p[i + 1]);

			log_error("%s:%lu: invalid character 0x%02x in a record", ihex_shown(name),
				  line, (unsigned int)bad);
			return -1;
		}
		rec[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

/*
 * Line iteration shared by both formats: returns the next line without its
 * end (LF, CR LF, trailing blanks), 0 at the end of the text.
 */
static int ihex_next_line(const char *text, size_t len, size_t *pos, const char **line,
			  size_t *line_len)
{
	const char *nl;
	size_t start = *pos, n;

	if (start >= len)
		return 0;
	nl = memchr(text + start, '\n', len - start);
	n = nl ? (size_t)(nl - (text + start)) : len - start;
	*pos = start + n + (nl ? 1 : 0);
	while (n > 0 && (text[start + n - 1] == '\r' || text[start + n - 1] == ' ' ||
			 text[start + n - 1] == '\t'))
		n--;
	*line = text + start;
	*line_len = n;
	return 1;
}

static uint32_t ihex_be(const unsigned char *p, int n)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

int ihex_parse(const char *text, size_t len, const char *name, struct ihex_image *out)
{
	struct ihex_builder b;
	unsigned char rec[REC_MAX];
	const char *line;
	size_t pos = 0, n;
	unsigned long lineno = 0;
	uint64_t base = 0;
	int done = 0, err = 0;

	ihex_builder_init(&b, out, name);
	while (ihex_next_line(text, len, &pos, &line, &n)) {
		int got, i;
		unsigned int count, type, sum = 0;
		uint32_t offset, value;

		lineno++;
		if (n == 0)
			continue;
		if (done) {
			log_error("%s:%lu: records after the end-of-file record", ihex_shown(name), lineno);
			log_hint("two HEX files joined into one? give each with its own -i");
			goto bad;
		}
		if (line[0] != ':') {
			log_error("%s:%lu: not an Intel HEX record (does not start with ':')",
				  ihex_shown(name), lineno);
			goto bad;
		}
		got = ihex_decode(line + 1, n - 1, rec, name, lineno);
		if (got < 0)
			goto bad;
		if (got < 5 || got != rec[0] + 5) {
			log_error("%s:%lu: record length does not match its byte count",
				  ihex_shown(name), lineno);
			goto bad;
		}
		for (i = 0; i < got; i++)
			sum += rec[i];
		if (sum & 0xff) {
			log_error("%s:%lu: checksum mismatch (record says 0x%02x, data needs 0x%02x)",
				  ihex_shown(name), lineno, (unsigned int)rec[got - 1],
				  (unsigned int)((0x100 - ((sum - rec[got - 1]) & 0xff)) & 0xff));
			goto bad;
		}
		count = rec[0];
		offset = ihex_be(rec + 1, 2);
		type = rec[3];
		value = count >= 4 ? ihex_be(rec + 4, 4) : ihex_be(rec + 4, (int)count);
		switch (type) {
		case 0x00:
			/* Both address modes wrap at 64 KiB; no real tool relies on it. */
			if (offset + count > 0x10000) {
				log_error("%s:%lu: data record crosses a 64 KiB boundary",
					  ihex_shown(name), lineno);
				goto bad;
			}
			if (base + offset + count > UINT64_C(0x100000000)) {
				log_error("%s:%lu: data at 0x%08llx runs past the 4 GiB address space",
					  ihex_shown(name), lineno, (unsigned long long)(base + offset));
				goto bad;
			}
			err = ihex_builder_add(&b, base + offset, rec + 4, count);
			if (err)
				goto fail;
			break;
		case 0x01:
			if (count != 0)
				goto badlen;
			done = 1;
			break;
		case 0x02:
		case 0x04:
			if (count != 2)
				goto badlen;
			base = type == 0x02 ? (uint64_t)value << 4 : (uint64_t)value << 16;
			break;
		case 0x03:
		case 0x05:
			if (count != 4)
				goto badlen;
			out->has_start = 1;
			/* 03 is CS:IP; keep it as the real-mode linear address. */
			out->start = type == 0x05 ? value : ((value >> 16) << 4) + (value & 0xffff);
			break;
		default:
			log_error("%s:%lu: unknown record type %02x", ihex_shown(name), lineno, type);
			goto bad;
		}
		continue;
badlen:
		log_error("%s:%lu: record type %02x with %u data bytes", ihex_shown(name), lineno,
			  type, count);
		goto bad;
	}
	if (!done) {
		log_error("'%s': no end-of-file record: the file is truncated", ihex_shown(name));
		goto bad;
	}
	err = ihex_builder_finish(&b);
	if (err)
		goto fail;
	return 0;
bad:
	err = DFU_E_DATA;
fail:
	ihex_free(out);
	return err;
}

/* The S0 header as a target name: printable ASCII up to the first NUL. */
static void srec_set_name(struct ihex_image *img, const unsigned char *p, size_t n)
{
	size_t i, o = 0;

	if (img->has_name)
		return;
	for (i = 0; i < n && p[i] && o < IHEX_NAME_MAX; i++)
		img->name[o++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	img->name[o] = '\0';
	img->has_name = o > 0;
}

int srec_parse(const char *text, size_t len, const char *name, struct ihex_image *out)
{
	/* Address bytes per record type S0..S9; 0 marks the reserved S4. */
	static const int addr_len[10] = { 2, 2, 3, 4, 0, 2, 3, 4, 3, 2 };
	struct ihex_builder b;
	unsigned char rec[REC_MAX];
	const char *line;
	size_t pos = 0, n;
	unsigned long lineno = 0, data_records = 0;
	int done = 0, err = 0;

	ihex_builder_init(&b, out, name);
	while (ihex_next_line(text, len, &pos, &line, &n)) {
		int got, i, type, alen;
		unsigned int sum = 0;
		uint32_t addr;
		size_t dlen;

		lineno++;
		if (n == 0)
			continue;
		if (done) {
			log_error("%s:%lu: records after the termination record", ihex_shown(name), lineno);
			log_hint("two S-record files joined into one? give each with its own -s");
			goto bad;
		}
		if (n < 2 || line[0] != 'S' || line[1] < '0' || line[1] > '9') {
			log_error("%s:%lu: not an S-record (does not start with S0-S9)",
				  ihex_shown(name), lineno);
			goto bad;
		}
		type = line[1] - '0';
		alen = addr_len[type];
		if (alen == 0) {
			log_error("%s:%lu: S4 is a reserved record type", ihex_shown(name), lineno);
			goto bad;
		}
		got = ihex_decode(line + 2, n - 2, rec, name, lineno);
		if (got < 0)
			goto bad;
		if (got < 1 || got != rec[0] + 1 || rec[0] < alen + 1) {
			log_error("%s:%lu: record length does not match its byte count",
				  ihex_shown(name), lineno);
			goto bad;
		}
		for (i = 0; i < got; i++)
			sum += rec[i];
		if ((sum & 0xff) != 0xff) {
			log_error("%s:%lu: checksum mismatch (record says 0x%02x, data needs 0x%02x)",
				  ihex_shown(name), lineno, (unsigned int)rec[got - 1],
				  (unsigned int)(~(sum - rec[got - 1]) & 0xff));
			goto bad;
		}
		addr = ihex_be(rec + 1, alen);
		dlen = (size_t)rec[0] - (size_t)alen - 1;
		switch (type) {
		case 0:
			srec_set_name(out, rec + 1 + alen, dlen);
			break;
		case 1:
		case 2:
		case 3:
			data_records++;
			/* 32-bit addresses and at most 250 bytes can still pass 4 GiB. */
			if ((uint64_t)addr + dlen > UINT64_C(0x100000000)) {
				log_error("%s:%lu: data at 0x%08lx runs past the 4 GiB address space",
					  ihex_shown(name), lineno, (unsigned long)addr);
				goto bad;
			}
			err = ihex_builder_add(&b, addr, rec + 1 + alen, dlen);
			if (err)
				goto fail;
			break;
		case 5:
		case 6:
			if (dlen != 0)
				goto badlen;
			/* The count field is 16 or 24 bits wide: compare what it can hold. */
			if (addr != (data_records & (type == 5 ? 0xffffu : 0xffffffu))) {
				log_error("%s:%lu: count record says %lu data records, the file has %lu",
					  ihex_shown(name), lineno, (unsigned long)addr, data_records);
				log_hint("records are missing or repeated");
				goto bad;
			}
			break;
		default:	/* 7, 8, 9 */
			if (dlen != 0)
				goto badlen;
			out->has_start = 1;
			out->start = addr;
			done = 1;
			break;
		}
		continue;
badlen:
		log_error("%s:%lu: S%d record with %zu data bytes", ihex_shown(name), lineno, type, dlen);
		goto bad;
	}
	if (!done) {
		log_error("'%s': no termination record (S7, S8 or S9): the file is truncated",
			  ihex_shown(name));
		goto bad;
	}
	err = ihex_builder_finish(&b);
	if (err)
		goto fail;
	return 0;
bad:
	err = DFU_E_DATA;
fail:
	ihex_free(out);
	return err;
}
