/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * Fuzz the DfuSe memory-map parser (the interface string of an alt
 * setting, which comes straight from the device).  What it accepts must
 * keep the promises dfuse_map.h makes -- sorted, disjoint, consistent
 * sizes -- because the planner trusts them; what it refuses must come with
 * a terminated message.  The lookups are cross-checked against each other.
 */

#include <config.h>

#include "fuzz.h"
#include "dfuse_map.h"
#include "errors.h"

FUZZ_INITIALIZE_QUIET

static FUZZ_ORACLE void fuzz_check_map(const struct dfuse_map *m)
{
	char line[160];
	int i;

	FUZZ_CHECK(memchr(m->name, '\0', sizeof(m->name)) != NULL);
	FUZZ_CHECK(m->n_segments >= 1 && m->n_segments <= DFUSE_MAP_MAX_SEGMENTS);
	for (i = 0; i < m->n_segments; i++) {
		const struct dfuse_segment *s = &m->seg[i];
		uint64_t bytes = (uint64_t)s->last - s->start + 1;
		uint32_t mid;

		FUZZ_CHECK(s->start <= s->last);
		FUZZ_CHECK(s->page_size > 0);
		FUZZ_CHECK(s->n_pages >= 1 && s->n_pages <= DFUSE_MAP_MAX_PAGES);
		FUZZ_CHECK(bytes == (uint64_t)s->page_size * s->n_pages);
		FUZZ_CHECK(s->rights != 0 && (s->rights & ~7u) == 0);
		if (i > 0)
			FUZZ_CHECK(m->seg[i - 1].last < s->start);
		/* Every address of the segment is found in it, and its page is inside it. */
		FUZZ_CHECK(dfuse_map_find(m, s->start) == s);
		FUZZ_CHECK(dfuse_map_find(m, s->last) == s);
		mid = s->start + (uint32_t)((bytes - 1) / 2);
		FUZZ_CHECK(dfuse_map_find(m, mid) == s);
		FUZZ_CHECK(dfuse_segment_page_start(s, mid) >= s->start);
		FUZZ_CHECK(dfuse_segment_page_start(s, mid) <= mid);
		FUZZ_CHECK((dfuse_segment_page_start(s, mid) - s->start) % s->page_size == 0);
		if (s->start > 0 && (i == 0 || m->seg[i - 1].last != s->start - 1))
			FUZZ_CHECK(dfuse_map_find(m, s->start - 1) == NULL);
		if (dfuse_segment_can(s, DFUSE_READABLE)) {
			uint64_t end = dfuse_map_readable_end(m, s->start);

			FUZZ_CHECK(end > s->last && end <= UINT64_C(0x100000000));
		} else {
			FUZZ_CHECK(dfuse_map_readable_end(m, s->start) == 0);
		}
		dfuse_segment_format(s, line, sizeof(line));
		FUZZ_CHECK(memchr(line, '\0', sizeof(line)) != NULL);
	}
	dfuse_map_print(m, "  ");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dfuse_map map;
	char err[256], tiny[8];
	char *s = fuzz_strdup(data, size);
	int rc;

	memset(err, 'x', sizeof(err));
	rc = dfuse_map_parse(s, &map, err, sizeof(err));
	if (rc == 0) {
		FUZZ_CHECK(s[0] == '@');
		fuzz_check_map(&map);
	} else {
		FUZZ_CHECK(rc == DFU_E_PROTOCOL);
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
	}
	/* A small message buffer must be cut, not overrun; the verdict must not change. */
	memset(tiny, 'x', sizeof(tiny));
	FUZZ_CHECK(dfuse_map_parse(s, &map, tiny, sizeof(tiny)) == rc);
	if (rc != 0)
		FUZZ_CHECK(memchr(tiny, '\0', sizeof(tiny)) != NULL);
	FUZZ_CHECK(dfuse_map_parse(s, &map, NULL, 0) == rc);
	free(s);
	return 0;
}
