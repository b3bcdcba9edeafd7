/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * DfuSe memory map strings.  The parser is lenient where real bootloaders
 * differ harmlessly (spacing, leading zeros, a space for "bytes") and
 * strict where a wrong guess would flash or erase the wrong place: every
 * number is range checked, and a map that overlaps itself or passes 4 GiB
 * is refused whole.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dfuse_map.h"
#include "errors.h"
#include "log.h"
#include "number.h"

/* ------------------------------------------------------------ parser */

struct map_parser {
	const char *s;		/* the whole string, for messages */
	const char *p;		/* the cursor */
	char *err;
	size_t errlen;
};

static int dfuse_map_fail(struct map_parser *mp, const char *fmt, ...) DFU_PRINTF(2, 3);

static int dfuse_map_fail(struct map_parser *mp, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (mp->err && mp->errlen > 0)
		snprintf(mp->err, mp->errlen, "memory map '%s': %s", mp->s, what);
	return DFU_E_PROTOCOL;
}

static int dfuse_map_is_type(char c)
{
	return (c >= 'a' && c <= 'g') || (c >= 'A' && c <= 'G');
}

static int dfuse_map_is_end(char c)
{
	return c == '\0' || c == ',' || c == '/' || c == ' ';
}

static uint32_t dfuse_map_multiplier(char c)
{
	switch (c) {
	case 'B': case 'b': case ' ':
		return 1;
	case 'K': case 'k':
		return 1024;
	case 'M': case 'm':
		return 1024 * 1024;
	default:
		return 0;
	}
}

static void dfuse_map_skip_spaces(struct map_parser *mp)
{
	while (*mp->p == ' ')
		mp->p++;
}

/*
 * Decimal digits (leading zeros are not octal here: ST writes "016K").
 * Values above 32 bits are refused rather than wrapped.
 */
static int dfuse_map_decimal(struct map_parser *mp, const char *what, uint32_t *out)
{
	uint64_t v = 0;
	const char *start = mp->p;

	if (*mp->p < '0' || *mp->p > '9') {
		if (*mp->p == '\0')
			return dfuse_map_fail(mp, "%s missing at the end", what);
		return dfuse_map_fail(mp, "%s expected at '%s'", what, mp->p);
	}
	while (*mp->p >= '0' && *mp->p <= '9') {
		v = v * 10 + (uint64_t)(*mp->p - '0');
		if (v > UINT32_MAX)
			return dfuse_map_fail(mp, "%s too large at '%s'", what, start);
		mp->p++;
	}
	*out = (uint32_t)v;
	return 0;
}

static int dfuse_map_address(struct map_parser *mp, uint32_t *out)
{
	const char *start;
	uint64_t v = 0;
	int d;

	dfuse_map_skip_spaces(mp);
	start = mp->p;
	if (mp->p[0] != '0' || (mp->p[1] != 'x' && mp->p[1] != 'X'))
		return dfuse_map_fail(mp, "region address (0x...) expected at '%s'", start);
	mp->p += 2;
	if (hex_digit_value(*mp->p) < 0)
		return dfuse_map_fail(mp, "bad region address at '%s'", start);
	while ((d = hex_digit_value(*mp->p)) >= 0) {
		v = v * 16 + (uint64_t)d;
		if (v > UINT32_MAX)
			return dfuse_map_fail(mp, "region address beyond 32 bits at '%s'", start);
		mp->p++;
	}
	dfuse_map_skip_spaces(mp);
	if (*mp->p != '/')
		return dfuse_map_fail(mp, "'/' expected after the region address at '%s'", start);
	mp->p++;
	*out = (uint32_t)v;
	return 0;
}

/*
 * One "NN*SSSmT" placed at *cursor (the next free address of the region),
 * which it advances.  The cursor is 64-bit so that a segment ending exactly
 * at 4 GiB is fine and anything after it is caught as a wrap.
 */
static int dfuse_map_segment(struct map_parser *mp, struct dfuse_map *out, uint64_t *cursor)
{
	const char *start;
	uint32_t count, size, mult;
	uint64_t page, total;
	char type;
	struct dfuse_segment *seg;
	int rc;

	dfuse_map_skip_spaces(mp);
	start = mp->p;
	rc = dfuse_map_decimal(mp, "page count", &count);
	if (rc)
		return rc;
	if (*mp->p != '*')
		return dfuse_map_fail(mp, "'*' expected after the page count at '%s'", start);
	mp->p++;
	rc = dfuse_map_decimal(mp, "page size", &size);
	if (rc)
		return rc;
	/*
	 * 'B' and 'b' are both a multiplier and a type letter: it is the
	 * multiplier only when a type letter follows it.
	 */
	mult = dfuse_map_multiplier(mp->p[0]);
	if (mult && dfuse_map_is_type(mp->p[1]) && dfuse_map_is_end(mp->p[2])) {
		type = mp->p[1];
		mp->p += 2;
	} else if (dfuse_map_is_type(mp->p[0]) && dfuse_map_is_end(mp->p[1])) {
		mult = 1;
		type = mp->p[0];
		mp->p += 1;
	} else {
		return dfuse_map_fail(mp, "bad size unit or type letter (B/K/M, then a-g) at '%s'",
				      start);
	}

	if (count == 0)
		return dfuse_map_fail(mp, "page count 0 at '%s'", start);
	if (count > DFUSE_MAP_MAX_PAGES)
		return dfuse_map_fail(mp, "absurd page count %lu (more than %d) at '%s'",
				      (unsigned long)count, DFUSE_MAP_MAX_PAGES, start);
	if (size == 0)
		return dfuse_map_fail(mp, "page size 0 at '%s'", start);
	page = (uint64_t)size * mult;
	if (page > UINT32_MAX)
		return dfuse_map_fail(mp, "page size beyond 4 GiB at '%s'", start);
	total = page * count;
	if (total > UINT32_MAX)
		return dfuse_map_fail(mp, "segment size beyond 4 GiB at '%s'", start);
	if (*cursor + total > (uint64_t)1 << 32)
		return dfuse_map_fail(mp, "region passes the end of the 4 GiB address space at '%s'",
				      start);
	if (out->n_segments >= DFUSE_MAP_MAX_SEGMENTS)
		return dfuse_map_fail(mp, "more than %d segments", DFUSE_MAP_MAX_SEGMENTS);

	seg = &out->seg[out->n_segments++];
	seg->start = (uint32_t)*cursor;
	seg->last = (uint32_t)(*cursor + total - 1);
	seg->page_size = (uint32_t)page;
	seg->n_pages = count;
	/* 'a' = 1 ... 'g' = 7: the letter is the bit mask plus 'a' - 1. */
	seg->rights = (uint8_t)((type | 0x20) - 'a' + 1);
	*cursor += total;
	return 0;
}

/* The text between '@' and the first '/', spaces trimmed, cut to fit. */
static int dfuse_map_name(struct map_parser *mp, struct dfuse_map *out)
{
	const char *slash, *b, *e;
	size_t n;

	if (mp->s[0] != '@')
		return dfuse_map_fail(mp, "does not start with '@'");
	slash = strchr(mp->s, '/');
	if (!slash)
		return dfuse_map_fail(mp, "no '/' after the name");
	b = mp->s + 1;
	e = slash;
	while (b < e && *b == ' ')
		b++;
	while (e > b && e[-1] == ' ')
		e--;
	n = (size_t)(e - b);
	if (n >= sizeof(out->name))
		n = sizeof(out->name) - 1;
	memcpy(out->name, b, n);
	out->name[n] = '\0';
	mp->p = slash + 1;
	return 0;
}

/* Regions may come in any order; sort them and refuse overlaps. */
static int dfuse_map_sort_check(struct map_parser *mp, struct dfuse_map *out)
{
	int i, j;

	/* Insertion sort: at most DFUSE_MAP_MAX_SEGMENTS entries, mostly sorted. */
	for (i = 1; i < out->n_segments; i++) {
		struct dfuse_segment tmp = out->seg[i];

		for (j = i; j > 0 && out->seg[j - 1].start > tmp.start; j--)
			out->seg[j] = out->seg[j - 1];
		out->seg[j] = tmp;
	}
	for (i = 1; i < out->n_segments; i++) {
		if (out->seg[i].start <= out->seg[i - 1].last)
			return dfuse_map_fail(mp, "regions overlap at 0x%08lX",
					      (unsigned long)out->seg[i].start);
	}
	return 0;
}

int dfuse_map_parse(const char *s, struct dfuse_map *out, char *err, size_t errlen)
{
	struct map_parser mp = { s ? s : "", NULL, err, errlen };
	int rc;

	memset(out, 0, sizeof(*out));
	if (err && errlen > 0)
		err[0] = '\0';
	rc = dfuse_map_name(&mp, out);
	for (;;) {
		uint32_t base = 0;
		uint64_t cursor;

		if (rc)
			break;
		rc = dfuse_map_address(&mp, &base);
		if (rc)
			break;
		cursor = base;
		for (;;) {
			rc = dfuse_map_segment(&mp, out, &cursor);
			if (rc)
				break;
			dfuse_map_skip_spaces(&mp);
			if (*mp.p != ',')
				break;
			mp.p++;
		}
		if (rc)
			break;
		if (*mp.p == '\0')
			break;
		if (*mp.p != '/') {
			rc = dfuse_map_fail(&mp, "unexpected '%c' at '%s'", *mp.p, mp.p);
			break;
		}
		mp.p++;
		dfuse_map_skip_spaces(&mp);
		/* Some bootloaders end the string with a '/'. */
		if (*mp.p == '\0')
			break;
	}
	if (!rc)
		rc = dfuse_map_sort_check(&mp, out);
	if (rc) {
		/* Never leave a half-parsed map for someone to act on. */
		memset(out, 0, sizeof(*out));
	}
	return rc;
}

/* ------------------------------------------------------------ lookups */

const struct dfuse_segment *dfuse_map_find(const struct dfuse_map *m, uint32_t addr)
{
	int lo = 0, hi = m->n_segments;

	/* Segments are sorted and disjoint: a binary search on start. */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (m->seg[mid].last < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < m->n_segments && m->seg[lo].start <= addr)
		return &m->seg[lo];
	return NULL;
}

int dfuse_segment_can(const struct dfuse_segment *seg, unsigned int want)
{
	return (seg->rights & want) == want;
}

uint32_t dfuse_segment_page_start(const struct dfuse_segment *seg, uint32_t addr)
{
	return addr - (addr - seg->start) % seg->page_size;
}

uint64_t dfuse_map_readable_end(const struct dfuse_map *m, uint32_t addr)
{
	const struct dfuse_segment *seg = dfuse_map_find(m, addr);
	int i;

	if (!seg || !dfuse_segment_can(seg, DFUSE_READABLE))
		return 0;
	for (i = (int)(seg - m->seg) + 1; i < m->n_segments; i++) {
		const struct dfuse_segment *prev = &m->seg[i - 1];

		if (prev->last == UINT32_MAX || m->seg[i].start != prev->last + 1 ||
		    !dfuse_segment_can(&m->seg[i], DFUSE_READABLE))
			break;
		seg = &m->seg[i];
	}
	return (uint64_t)seg->last + 1;
}

/* ------------------------------------------------------------ printing */

void dfuse_format_size(uint32_t bytes, char *buf, size_t len)
{
	if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
		snprintf(buf, len, "%lu MiB", (unsigned long)(bytes / (1024 * 1024)));
	else if (bytes >= 1024 && bytes % 1024 == 0)
		snprintf(buf, len, "%lu KiB", (unsigned long)(bytes / 1024));
	else
		snprintf(buf, len, "%lu byte%s", (unsigned long)bytes, bytes == 1 ? "" : "s");
}

void dfuse_segment_format(const struct dfuse_segment *seg, char *buf, size_t len)
{
	static const char *const names[] = { "readable", "erasable", "writable" };
	char size[32], rights[48] = "";
	unsigned int bit;

	for (bit = 0; bit < 3; bit++) {
		if (!(seg->rights & (1u << bit)))
			continue;
		if (rights[0])
			strcat(rights, ", ");
		strcat(rights, names[bit]);
	}
	dfuse_format_size(seg->page_size, size, sizeof(size));
	snprintf(buf, len, "0x%08lX-0x%08lX  %lu page%s of %s  %s",
		 (unsigned long)seg->start, (unsigned long)seg->last,
		 (unsigned long)seg->n_pages, seg->n_pages == 1 ? "" : "s", size, rights);
}

void dfuse_map_print(const struct dfuse_map *m, const char *indent)
{
	char line[160];
	int i;

	if (!indent)
		indent = "";
	log_info("%smemory map \"%s\":", indent, m->name);
	for (i = 0; i < m->n_segments; i++) {
		dfuse_segment_format(&m->seg[i], line, sizeof(line));
		log_info("%s  %s", indent, line);
	}
}
