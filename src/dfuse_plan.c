/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * The DfuSe plans.  Everything here is pure data: the
 * whole job is checked against the memory map before the executor sends
 * its first request, so a bad address late in a file can never leave a
 * device half erased.
 */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfuse_plan.h"
#include "errors.h"
#include "log.h"
#include "number.h"

#define FOUR_GIB ((uint64_t)1 << 32)

/* ------------------------------------------------------------ helpers */

/* Make room for one more element in a growing array. */
static int dfuse_grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * elem);
	if (!p) {
		log_error("out of memory");
		return DFU_E_NOMEM;
	}
	*arr = p;
	*cap = ncap;
	return 0;
}

static const char *dfuse_label(const struct dfuse_chunk *c, char *buf, size_t len)
{
	if (c->label)
		snprintf(buf, len, "%s: ", c->label);
	else
		buf[0] = '\0';
	return buf;
}

static int dfuse_check_transfer_size(uint32_t ts)
{
	if (ts == 0 || ts > 65535) {
		log_error("invalid transfer size %lu for DfuSe (1..65535)", (unsigned long)ts);
		return DFU_E_USAGE;
	}
	return 0;
}

static int dfuse_check_map(const struct dfuse_map *map)
{
	if (!map || map->n_segments == 0) {
		log_error("the alt setting has no DfuSe memory map");
		log_hint("its interface string must describe the memory, e.g. "
			 "'@Internal Flash /0x08000000/04*016Kg'");
		return DFU_E_PROTOCOL;
	}
	return 0;
}

static int dfuse_chunk_cmp(const void *a, const void *b)
{
	const struct dfuse_chunk *x = a, *y = b;

	if (x->address != y->address)
		return x->address < y->address ? -1 : 1;
	/* Equal starts: shorter first, so the overlap check sees them. */
	return x->len < y->len ? -1 : x->len > y->len;
}

/* ------------------------------------------------------------ download plan */

static int dfuse_plan_warn(struct dfuse_plan *plan, size_t *cap, const char *fmt, ...)
	DFU_PRINTF(3, 4);

static int dfuse_plan_warn(struct dfuse_plan *plan, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int rc = dfuse_grow((void **)&plan->warnings, cap, plan->n_warnings,
			    sizeof(plan->warnings[0]));

	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(plan->warnings[plan->n_warnings], DFUSE_WARNING_MAX, fmt, ap);
	va_end(ap);
	log_warn("%s", plan->warnings[plan->n_warnings]);
	plan->n_warnings++;
	return 0;
}

/* Copy, drop empty chunks, sort, refuse wraps and overlaps. */
static int dfuse_plan_chunks(struct dfuse_plan *plan, const struct dfuse_chunk *chunks,
			     size_t n_chunks)
{
	char l1[64], l2[64];
	size_t i, n = 0;

	for (i = 0; i < n_chunks; i++) {
		if (chunks[i].len == 0)
			continue;
		/* (a chunk of exactly 4 GiB would not fit the 32-bit run lengths) */
		if ((uint64_t)chunks[i].address + chunks[i].len > FOUR_GIB ||
		    (uint64_t)chunks[i].len > UINT32_MAX) {
			log_error("%s%lu bytes at 0x%08lX pass the end of the 4 GiB address space",
				  dfuse_label(&chunks[i], l1, sizeof(l1)),
				  (unsigned long)chunks[i].len, (unsigned long)chunks[i].address);
			return DFU_E_DATA;
		}
		n++;
	}
	if (n == 0) {
		log_error("nothing to write: the data is empty");
		return DFU_E_DATA;
	}
	plan->chunks = malloc(n * sizeof(*plan->chunks));
	if (!plan->chunks) {
		log_error("out of memory");
		return DFU_E_NOMEM;
	}
	for (i = 0; i < n_chunks; i++)
		if (chunks[i].len)
			plan->chunks[plan->n_chunks++] = chunks[i];
	qsort(plan->chunks, n, sizeof(*plan->chunks), dfuse_chunk_cmp);
	for (i = 0; i < n; i++) {
		plan->data_bytes += plan->chunks[i].len;
		if (i > 0 && (uint64_t)plan->chunks[i - 1].address + plan->chunks[i - 1].len >
			     plan->chunks[i].address) {
			const struct dfuse_chunk *a = &plan->chunks[i - 1], *b = &plan->chunks[i];

			log_error("%s0x%08lX-0x%08lX overlaps %s0x%08lX-0x%08lX",
				  dfuse_label(b, l1, sizeof(l1)), (unsigned long)b->address,
				  (unsigned long)(b->address + b->len - 1),
				  dfuse_label(a, l2, sizeof(l2)), (unsigned long)a->address,
				  (unsigned long)(a->address + a->len - 1));
			return DFU_E_DATA;
		}
	}
	return 0;
}

/* Append a page to a sorted list; chunks come sorted, so a shared page is always the last one. */
static int dfuse_add_page(struct dfuse_page **pages, size_t *n, size_t *cap, uint64_t address,
			  uint32_t size)
{
	if (*n && (*pages)[*n - 1].address == address)
		return 0;
	if (dfuse_grow((void **)pages, cap, *n, sizeof(**pages)))
		return DFU_E_NOMEM;
	memset(&(*pages)[*n], 0, sizeof(**pages));
	(*pages)[*n].address = (uint32_t)address;
	(*pages)[*n].size = size;
	(*n)++;
	return 0;
}

/*
 * Check one chunk against the map and add the pages it needs erased (with
 * a mass erase: the pages it writes, to blanks[]).
 */
static int dfuse_plan_chunk_pages(struct dfuse_plan *plan, const struct dfuse_map *map,
				  const struct dfuse_chunk *c, const struct dfuse_plan_options *opt,
				  size_t *cap, size_t *blank_cap)
{
	uint64_t addr = c->address, end = (uint64_t)c->address + c->len;
	char l[64];

	while (addr < end) {
		const struct dfuse_segment *seg = dfuse_map_find(map, (uint32_t)addr);
		uint64_t piece_end, page;
		char line[160];

		if (!seg) {
			log_error("%s0x%08lX is outside the memory map of \"%s\"",
				  dfuse_label(c, l, sizeof(l)), (unsigned long)addr, map->name);
			log_hint("the data covers 0x%08lX-0x%08lX; see the map with -l -v",
				 (unsigned long)c->address, (unsigned long)(end - 1));
			return DFU_E_DATA;
		}
		piece_end = (uint64_t)seg->last + 1 < end ? (uint64_t)seg->last + 1 : end;
		if (!dfuse_segment_can(seg, DFUSE_WRITABLE) && !opt->force) {
			dfuse_segment_format(seg, line, sizeof(line));
			log_error("%s0x%08lX-0x%08lX is not writable (\"%s\" %s)",
				  dfuse_label(c, l, sizeof(l)), (unsigned long)addr,
				  (unsigned long)(piece_end - 1), map->name, line);
			log_hint("nothing was erased; add :force to -s to write there anyway");
			return DFU_E_DATA;
		}
		if (dfuse_segment_can(seg, DFUSE_ERASABLE)) {
			for (page = dfuse_segment_page_start(seg, (uint32_t)addr); page < piece_end;
			     page += seg->page_size) {
				int rc = opt->mass_erase ?
					 dfuse_add_page(&plan->blanks, &plan->n_blanks, blank_cap,
							page, seg->page_size) :
					 dfuse_add_page(&plan->erases, &plan->n_erases, cap, page,
							seg->page_size);

				if (rc)
					return rc;
			}
		}
		addr = piece_end;
	}
	return 0;
}

/* A gap of an erased page the device cannot upload: lost, listed for the warning. */
static int dfuse_plan_lost(struct dfuse_plan *plan, uint32_t start, uint64_t end,
			   size_t *lost_cap)
{
	struct dfuse_range *prev = plan->n_lost ? &plan->lost[plan->n_lost - 1] : NULL;

	plan->lost_bytes += end - start;
	if (prev && (uint64_t)prev->address + prev->len == start) {
		prev->len += (uint32_t)(end - start);
		return 0;
	}
	if (dfuse_grow((void **)&plan->lost, lost_cap, plan->n_lost, sizeof(plan->lost[0])))
		return DFU_E_NOMEM;
	plan->lost[plan->n_lost].address = start;
	plan->lost[plan->n_lost].len = (uint32_t)(end - start);
	plan->n_lost++;
	return 0;
}

/* A gap of an erased page: read it back, or warn that it is lost. */
static int dfuse_plan_gap(struct dfuse_plan *plan, const struct dfuse_map *map, uint32_t start,
			  uint64_t end, size_t *read_cap, size_t *lost_cap, int no_upload)
{
	const struct dfuse_segment *seg = dfuse_map_find(map, start);
	struct dfuse_read *prev;

	if (!dfuse_segment_can(seg, DFUSE_READABLE))
		return 1;	/* counted by the caller, one warning per page */
	if (no_upload)
		return dfuse_plan_lost(plan, start, end, lost_cap);
	prev = plan->n_reads ? &plan->reads[plan->n_reads - 1] : NULL;
	/* Gaps of neighbouring pages join into one read: one SET_ADDRESS fewer. */
	if (prev && (uint64_t)prev->address + prev->len == start) {
		prev->len += (uint32_t)(end - start);
		return 0;
	}
	if (dfuse_grow((void **)&plan->reads, read_cap, plan->n_reads, sizeof(plan->reads[0])))
		return DFU_E_NOMEM;
	plan->reads[plan->n_reads].address = start;
	plan->reads[plan->n_reads].len = (uint32_t)(end - start);
	plan->reads[plan->n_reads].data = NULL;
	plan->n_reads++;
	return 0;
}

/* Read-back memory the preserve step may use at most (64 MiB). */
#define DFUSE_PRESERVE_MAX	(64u * 1024 * 1024)

/* For each erased page, the bytes the data leaves uncovered. */
static int dfuse_plan_preserve(struct dfuse_plan *plan, const struct dfuse_map *map,
			       int no_upload, size_t *warn_cap)
{
	size_t read_cap = 0, lost_cap = 0, pi, ci = 0, i;
	uint64_t total;

	for (pi = 0; pi < plan->n_erases; pi++) {
		uint64_t ps = plan->erases[pi].address;
		uint64_t pe = ps + plan->erases[pi].size;
		uint64_t cursor = ps, lost = 0;
		int rc;

		/* Skip chunks that end before this page. */
		while (ci < plan->n_chunks &&
		       (uint64_t)plan->chunks[ci].address + plan->chunks[ci].len <= ps)
			ci++;
		for (i = ci; i < plan->n_chunks && plan->chunks[i].address < pe; i++) {
			uint64_t cs = plan->chunks[i].address;
			uint64_t ce = cs + plan->chunks[i].len;

			if (cs > cursor) {
				rc = dfuse_plan_gap(plan, map, (uint32_t)cursor, cs, &read_cap,
						    &lost_cap, no_upload);
				if (rc < 0)
					return rc;
				if (rc > 0)
					lost += cs - cursor;
			}
			if (ce > cursor)
				cursor = ce;
		}
		if (cursor < pe) {
			rc = dfuse_plan_gap(plan, map, (uint32_t)cursor, pe, &read_cap, &lost_cap,
					    no_upload);
			if (rc < 0)
				return rc;
			if (rc > 0)
				lost += pe - cursor;
		}
		if (lost) {
			rc = dfuse_plan_warn(plan, warn_cap,
					     "page 0x%08lX is not readable: %lu bytes of it outside "
					     "the data will be lost in the erase",
					     (unsigned long)ps, (unsigned long)lost);
			if (rc)
				return rc;
		}
	}
	/*
	 * A device map may claim pages of up to 4 GiB; reading such a page
	 * back would take that much memory and time.  Real flash pages are
	 * at most a few hundred KiB, so a huge total means a broken map.
	 */
	total = 0;
	for (i = 0; i < plan->n_reads; i++)
		total += plan->reads[i].len;
	if (total > DFUSE_PRESERVE_MAX) {
		log_error("keeping the rest of the erased pages would mean reading back "
			  "%llu bytes first", (unsigned long long)total);
		log_hint("the memory map's pages look too large; add the no-preserve modifier "
			 "to erase them without reading them back");
		return DFU_E_DATA;
	}
	for (i = 0; i < plan->n_reads; i++) {
		plan->reads[i].data = malloc(plan->reads[i].len);
		if (!plan->reads[i].data) {
			log_error("out of memory");
			return DFU_E_NOMEM;
		}
		memset(plan->reads[i].data, 0xff, plan->reads[i].len);
	}
	return 0;
}

/*
 * A page (erased or blank) not adjacent to the page below it starts an
 * image of its own: its first page.
 */
static void dfuse_mark_firsts(struct dfuse_plan *plan)
{
	size_t e = 0, b = 0;
	uint64_t prev_end = 0;
	int any = 0;

	while (e < plan->n_erases || b < plan->n_blanks) {
		struct dfuse_page *pg;

		if (b == plan->n_blanks ||
		    (e < plan->n_erases && plan->erases[e].address < plan->blanks[b].address))
			pg = &plan->erases[e++];
		else
			pg = &plan->blanks[b++];
		pg->first = !any || prev_end != pg->address;
		prev_end = (uint64_t)pg->address + pg->size;
		any = 1;
	}
}

int dfuse_plan_build(const struct dfuse_map *map, const struct dfuse_chunk *chunks,
		     size_t n_chunks, const struct dfuse_plan_options *opt,
		     struct dfuse_plan *plan)
{
	size_t erase_cap = 0, blank_cap = 0, warn_cap = 0, i;
	int rc;

	memset(plan, 0, sizeof(*plan));
	rc = dfuse_check_transfer_size(opt->transfer_size);
	if (!rc)
		rc = dfuse_check_map(map);
	if (!rc)
		rc = dfuse_plan_chunks(plan, chunks, n_chunks);
	for (i = 0; !rc && i < plan->n_chunks; i++)
		rc = dfuse_plan_chunk_pages(plan, map, &plan->chunks[i], opt, &erase_cap,
					    &blank_cap);
	if (rc)
		goto fail;
	for (i = 0; i < plan->n_erases; i++)
		plan->erase_bytes += plan->erases[i].size;
	plan->transfer_size = opt->transfer_size;
	plan->mass_erase = opt->mass_erase;
	plan->every_block = opt->set_address_every_block != 0;
	plan->preserve = opt->preserve != 0;
	plan->max_blocks = opt->set_address_every_block ? 1 : DFUSE_MAX_BLOCKS_PER_RUN;
	dfuse_mark_firsts(plan);
	if (opt->preserve && !opt->mass_erase) {
		rc = dfuse_plan_preserve(plan, map, opt->no_upload, &warn_cap);
		if (rc)
			goto fail;
	}
	rc = dfuse_plan_layout(plan);
	if (rc)
		goto fail;
	return 0;
fail:
	dfuse_plan_free(plan);
	return rc;
}

/* ------------------------------------------------------------ layout */

struct dfuse_piece {
	uint32_t address;
	uint32_t len;
	const unsigned char *src;
	int preserved;
};

static int dfuse_piece_cmp(const void *a, const void *b)
{
	const struct dfuse_piece *x = a, *y = b;

	return x->address < y->address ? -1 : x->address > y->address;
}

static int dfuse_all_ff(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0xff)
			return 0;
	return 1;
}

static int dfuse_add_piece(struct dfuse_piece **arr, size_t *n, size_t *cap, uint32_t address,
			   uint32_t len, const unsigned char *src, int preserved)
{
	if (dfuse_grow((void **)arr, cap, *n, sizeof(**arr)))
		return DFU_E_NOMEM;
	(*arr)[*n].address = address;
	(*arr)[*n].len = len;
	(*arr)[*n].src = src;
	(*arr)[*n].preserved = preserved;
	(*n)++;
	return 0;
}

/*
 * The read-back pieces worth writing: the part of a read inside one page
 * is kept whole (so the run keeps the page's alignment) unless it is all
 * 0xFF, which an erased page already holds.
 */
static int dfuse_layout_reads(struct dfuse_plan *plan, struct dfuse_piece **pieces, size_t *n,
			      size_t *cap)
{
	size_t ri, pi = 0;

	for (ri = 0; ri < plan->n_reads; ri++) {
		const struct dfuse_read *r = &plan->reads[ri];
		uint64_t a = r->address, end = (uint64_t)r->address + r->len;

		while (a < end) {
			uint64_t page_end, piece_end;

			while (pi < plan->n_erases &&
			       (uint64_t)plan->erases[pi].address + plan->erases[pi].size <= a)
				pi++;
			/*
			 * Reads lie inside erased pages when planned; after
			 * dfuse_plan_skip a page may no longer be erased, and its
			 * bytes stay where they are: nothing to write.
			 */
			if (pi == plan->n_erases || plan->erases[pi].address > a) {
				uint64_t next = pi < plan->n_erases ? plan->erases[pi].address : end;

				a = next < end ? next : end;
				continue;
			}
			page_end = (uint64_t)plan->erases[pi].address + plan->erases[pi].size;
			piece_end = page_end < end ? page_end : end;
			if (!dfuse_all_ff(r->data + (a - r->address), (size_t)(piece_end - a)) &&
			    dfuse_add_piece(pieces, n, cap, (uint32_t)a, (uint32_t)(piece_end - a),
					    r->data + (a - r->address), 1))
				return DFU_E_NOMEM;
			a = piece_end;
		}
	}
	return 0;
}

static int dfuse_add_run(struct dfuse_plan *plan, struct dfuse_run **runs, size_t *n,
			 size_t *cap, uint32_t address, uint32_t len, const unsigned char *data,
			 size_t page)
{
	struct dfuse_run *r;

	if (dfuse_grow((void **)runs, cap, *n, sizeof(**runs)))
		return DFU_E_NOMEM;
	r = &(*runs)[(*n)++];
	r->address = address;
	r->len = len;
	r->n_blocks = (uint32_t)(((uint64_t)len + plan->transfer_size - 1) / plan->transfer_size);
	r->data = data;
	r->page = page;
	return 0;
}

/*
 * The erased page holding addr (DFUSE_NO_PAGE if none), and in *limit
 * where a run from addr must end at the latest: the end of that page, or
 * the start of the next erased page.
 */
static size_t dfuse_find_page(const struct dfuse_page *pages, size_t n, uint64_t addr,
			      uint64_t *limit)
{
	size_t lo = 0, hi = n;

	/* First page that ends after addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((uint64_t)pages[mid].address + pages[mid].size <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	*limit = FOUR_GIB;
	if (lo == n)
		return DFUSE_NO_PAGE;
	if (pages[lo].address <= addr) {
		*limit = (uint64_t)pages[lo].address + pages[lo].size;
		return lo;
	}
	*limit = pages[lo].address;
	return DFUSE_NO_PAGE;
}

static size_t dfuse_page_of(const struct dfuse_plan *plan, uint64_t addr, uint64_t *limit)
{
	return dfuse_find_page(plan->erases, plan->n_erases, addr, limit);
}

/*
 * Where a run from addr must end at the latest for blanks[]: the first
 * page of an image gets runs of its own (it is written last); the other
 * blank pages of an image may share runs.
 */
static uint64_t dfuse_blank_limit(const struct dfuse_plan *plan, uint64_t addr)
{
	uint64_t limit;
	size_t p = dfuse_find_page(plan->blanks, plan->n_blanks, addr, &limit);

	if (p == DFUSE_NO_PAGE || plan->blanks[p].first)
		return limit;
	while (p + 1 < plan->n_blanks && !plan->blanks[p + 1].first &&
	       plan->blanks[p + 1].address == limit) {
		p++;
		limit = (uint64_t)plan->blanks[p].address + plan->blanks[p].size;
	}
	return limit;
}

/*
 * Cut [a, end) of span bytes at src into runs: max_run long, inside one
 * erased page each, and never across the edge of an image's first page.
 */
static int dfuse_cut_runs(struct dfuse_plan *plan, struct dfuse_run **runs, size_t *n,
			  size_t *cap, uint64_t a, uint64_t end, const unsigned char *src)
{
	uint64_t max_run = (uint64_t)plan->max_blocks * plan->transfer_size;
	uint64_t start = a;

	while (a < end) {
		uint64_t limit, blank_limit, len;
		size_t page = dfuse_page_of(plan, a, &limit);

		blank_limit = dfuse_blank_limit(plan, a);
		if (blank_limit < limit)
			limit = blank_limit;
		len = end - a < max_run ? end - a : max_run;
		if (a + len > limit)
			len = limit - a;
		if (dfuse_add_run(plan, runs, n, cap, (uint32_t)a, (uint32_t)len,
				  src + (a - start), page))
			return DFU_E_NOMEM;
		a += len;
	}
	return 0;
}

static int dfuse_add_step(struct dfuse_plan *plan, size_t *cap, enum dfuse_step_kind kind,
			  size_t index, int stop_ok, int image_start)
{
	if (dfuse_grow((void **)&plan->steps, cap, plan->n_steps, sizeof(plan->steps[0])))
		return DFU_E_NOMEM;
	plan->steps[plan->n_steps].kind = kind;
	plan->steps[plan->n_steps].index = index;
	plan->steps[plan->n_steps].stop_ok = stop_ok;
	plan->steps[plan->n_steps].image_start = image_start;
	plan->n_steps++;
	return 0;
}

/* A page of the order: erased (erase = its index in erases[]) or blank (DFUSE_NO_PAGE). */
struct dfuse_unit {
	uint32_t address;
	uint32_t size;
	size_t erase;
	int first;
	size_t first_run, n_runs;
};

/* Write the runs of unit u: only the first may be a place to stop. */
static int dfuse_step_unit_runs(struct dfuse_plan *plan, size_t *cap, const struct dfuse_unit *u,
				int stop_ok, int image_start)
{
	size_t r;

	for (r = 0; r < u->n_runs; r++)
		if (dfuse_add_step(plan, cap, DFUSE_STEP_WRITE, u->first_run + r,
				   stop_ok && r == 0, image_start))
			return DFU_E_NOMEM;
	return 0;
}

/* The erased and blank pages in address order, each with its runs. */
static struct dfuse_unit *dfuse_plan_units(const struct dfuse_plan *plan, size_t *np,
					   unsigned char *in_unit)
{
	size_t n = plan->n_erases + plan->n_blanks, e = 0, b = 0, k, ri = 0;
	struct dfuse_unit *u = calloc(n ? n : 1, sizeof(*u));

	if (!u)
		return NULL;
	for (k = 0; k < n; k++) {
		const struct dfuse_page *pg;

		if (b == plan->n_blanks ||
		    (e < plan->n_erases && plan->erases[e].address < plan->blanks[b].address)) {
			pg = &plan->erases[e];
			u[k].erase = e++;
		} else {
			pg = &plan->blanks[b++];
			u[k].erase = DFUSE_NO_PAGE;
		}
		u[k].address = pg->address;
		u[k].size = pg->size;
		u[k].first = pg->first;
		/*
		 * Runs are sorted and never cross an erased page or a first page;
		 * one may cover several other blank pages and counts for the
		 * one it starts in.
		 */
		while (ri < plan->n_runs && plan->runs[ri].address < pg->address)
			ri++;
		u[k].first_run = ri;
		while (ri < plan->n_runs &&
		       plan->runs[ri].address < (uint64_t)pg->address + pg->size) {
			in_unit[ri] = 1;
			ri++;
		}
		u[k].n_runs = ri - u[k].first_run;
	}
	*np = n;
	return u;
}

/* The order of execution (see dfuse_plan_layout in dfuse_plan.h). */
static int dfuse_plan_steps(struct dfuse_plan *plan)
{
	size_t cap = 0, ri = 0, g, p, end, n_units = 0;
	unsigned char *in_unit = calloc(plan->n_runs ? plan->n_runs : 1, 1);
	struct dfuse_unit *u = in_unit ? dfuse_plan_units(plan, &n_units, in_unit) : NULL;
	int rc = DFU_E_NOMEM;

	if (!u) {
		log_error("out of memory");
		goto out;
	}
	for (p = 0; p < plan->n_erases; p++) {
		plan->erases[p].first_run = 0;
		plan->erases[p].n_runs = 0;
	}
	for (p = 0; p < n_units; p++) {
		if (u[p].erase == DFUSE_NO_PAGE)
			continue;
		plan->erases[u[p].erase].first_run = u[p].first_run;
		plan->erases[u[p].erase].n_runs = u[p].n_runs;
	}
	for (g = 0; g < n_units; g = end) {
		for (end = g + 1; end < n_units && !u[end].first; end++)
			;
		/* Runs in memory that is neither erased nor blank, below this group. */
		for (; ri < plan->n_runs && plan->runs[ri].address < u[g].address; ri++)
			if (!in_unit[ri] && dfuse_add_step(plan, &cap, DFUSE_STEP_WRITE, ri, 1, 0))
				goto out;
		if (u[g].erase != DFUSE_NO_PAGE &&
		    dfuse_add_step(plan, &cap, DFUSE_STEP_ERASE, u[g].erase, 1, 0))
			goto out;
		for (p = g + 1; p < end; p++) {
			if (u[p].erase != DFUSE_NO_PAGE) {
				if (dfuse_add_step(plan, &cap, DFUSE_STEP_ERASE, u[p].erase, 1, 0) ||
				    dfuse_step_unit_runs(plan, &cap, &u[p], 0, 0))
					goto out;
			} else if (dfuse_step_unit_runs(plan, &cap, &u[p], 1, 0)) {
				goto out;
			}
		}
		/*
		 * The image start last: stopping before it leaves the first page
		 * blank.  An erased first page that is the whole image is
		 * written right after its erase, with no stop in between.
		 */
		if (dfuse_step_unit_runs(plan, &cap, &u[g],
					 u[g].erase == DFUSE_NO_PAGE || end > g + 1, 1))
			goto out;
	}
	for (; ri < plan->n_runs; ri++)
		if (!in_unit[ri] && dfuse_add_step(plan, &cap, DFUSE_STEP_WRITE, ri, 1, 0))
			goto out;
	rc = 0;
out:
	/* dfuse_add_step reported its failure */
	free(u);
	free(in_unit);
	return rc;
}

int dfuse_plan_layout(struct dfuse_plan *plan)
{
	struct dfuse_piece *pieces = NULL;
	size_t n = 0, cap = 0, run_cap = 0, rescue_cap = 0, i, total = 0, off = 0;
	int rc = 0;

	free(plan->runs);
	free(plan->rescues);
	free(plan->steps);
	free(plan->image);
	plan->runs = NULL;
	plan->rescues = NULL;
	plan->steps = NULL;
	plan->image = NULL;
	plan->n_runs = 0;
	plan->n_rescues = 0;
	plan->n_steps = 0;
	plan->write_bytes = 0;
	plan->preserved_bytes = 0;

	for (i = 0; !rc && i < plan->n_chunks; i++)
		rc = dfuse_add_piece(&pieces, &n, &cap, plan->chunks[i].address,
				     (uint32_t)plan->chunks[i].len, plan->chunks[i].data, 0);
	if (!rc)
		rc = dfuse_layout_reads(plan, &pieces, &n, &cap);
	if (rc)
		goto out;
	/* Every page skipped (--skip-unchanged): no pieces, and qsort needs an array. */
	if (n > 0)
		qsort(pieces, n, sizeof(*pieces), dfuse_piece_cmp);
	for (i = 0; i < n; i++) {
		total += pieces[i].len;
		if (pieces[i].preserved)
			plan->preserved_bytes += pieces[i].len;
	}
	plan->image = malloc(total ? total : 1);
	if (!plan->image) {
		log_error("out of memory");
		rc = DFU_E_NOMEM;
		goto out;
	}
	/* Copy contiguous pieces into one span, then cut spans into runs. */
	i = 0;
	while (i < n) {
		uint64_t span_start = pieces[i].address, span_end = span_start;
		size_t span_off = off, j = i;

		while (j < n && pieces[j].address == span_end) {
			memcpy(plan->image + off, pieces[j].src, pieces[j].len);
			/* The preserved bytes of a first page, for a write-back on stop. */
			if (pieces[j].preserved) {
				uint64_t limit;
				size_t pg = dfuse_page_of(plan, pieces[j].address, &limit);

				if (pg != DFUSE_NO_PAGE && plan->erases[pg].first) {
					rc = dfuse_cut_runs(plan, &plan->rescues, &plan->n_rescues,
							    &rescue_cap, pieces[j].address,
							    (uint64_t)pieces[j].address + pieces[j].len,
							    plan->image + off);
					if (rc)
						goto out;
				}
			}
			off += pieces[j].len;
			span_end += pieces[j].len;
			j++;
		}
		rc = dfuse_cut_runs(plan, &plan->runs, &plan->n_runs, &run_cap, span_start, span_end,
				    plan->image + span_off);
		if (rc)
			goto out;
		i = j;
	}
	plan->write_bytes = total;
	rc = dfuse_plan_steps(plan);
out:
	free(pieces);
	return rc;
}

enum dfuse_page_action dfuse_plan_page_action(const struct dfuse_plan *plan, size_t p,
					      const unsigned char *now)
{
	uint64_t ps = plan->erases[p].address, pe = ps + plan->erases[p].size;
	uint64_t covered = 0;
	int same = 1;
	size_t i;

	for (i = 0; i < plan->n_chunks && same; i++) {
		uint64_t cs = plan->chunks[i].address, ce = cs + plan->chunks[i].len;
		uint64_t a = cs > ps ? cs : ps, b = ce < pe ? ce : pe;

		if (a >= b)
			continue;
		covered += b - a;
		if (memcmp(now + (a - ps), plan->chunks[i].data + (a - cs), (size_t)(b - a)) != 0)
			same = 0;
	}
	/* Without preserve the bytes outside the data are meant to end up erased. */
	if (same && !plan->preserve && covered < pe - ps) {
		uint64_t cursor = ps;

		for (i = 0; i < plan->n_chunks && same; i++) {
			uint64_t cs = plan->chunks[i].address, ce = cs + plan->chunks[i].len;

			if (ce <= ps || cs >= pe)
				continue;
			if (cs > cursor && !dfuse_all_ff(now + (cursor - ps), (size_t)(cs - cursor)))
				same = 0;
			if (ce > cursor)
				cursor = ce;
		}
		if (same && cursor < pe && !dfuse_all_ff(now + (cursor - ps), (size_t)(pe - cursor)))
			same = 0;
	}
	if (same)
		return DFUSE_PAGE_SKIP;
	if (dfuse_all_ff(now, plan->erases[p].size))
		return DFUSE_PAGE_BLANK;
	return DFUSE_PAGE_ERASE;
}

/* Cut the chunks' bytes inside [start, end) out of plan->chunks. */
static int dfuse_plan_cut_chunks(struct dfuse_plan *plan, uint64_t start, uint64_t end)
{
	size_t i;

	for (i = 0; i < plan->n_chunks; i++) {
		struct dfuse_chunk *c = &plan->chunks[i];
		uint64_t cs = c->address, ce = cs + c->len;

		if (ce <= start || cs >= end)
			continue;
		if (cs < start && ce > end) {
			/* The page lies inside the chunk: split it in two. */
			struct dfuse_chunk *n = realloc(plan->chunks,
							(plan->n_chunks + 1) * sizeof(*n));

			if (!n) {
				log_error("out of memory");
				return DFU_E_NOMEM;
			}
			plan->chunks = n;
			c = &plan->chunks[i];
			memmove(c + 2, c + 1, (plan->n_chunks - i - 1) * sizeof(*c));
			c[1] = c[0];
			c[0].len = (size_t)(start - cs);
			c[1].address = (uint32_t)end;
			c[1].data = c[0].data + (end - cs);
			c[1].len = (size_t)(ce - end);
			plan->n_chunks++;
			i++;
			continue;
		}
		if (cs < start) {
			c->len = (size_t)(start - cs);
		} else if (ce > end) {
			c->data += end - cs;
			c->address = (uint32_t)end;
			c->len = (size_t)(ce - end);
		} else {
			c->len = 0;
		}
	}
	/* Drop the emptied ones. */
	{
		size_t k = 0;

		for (i = 0; i < plan->n_chunks; i++)
			if (plan->chunks[i].len)
				plan->chunks[k++] = plan->chunks[i];
		plan->n_chunks = k;
	}
	return 0;
}

static int dfuse_page_cmp(const void *a, const void *b)
{
	const struct dfuse_page *x = a, *y = b;

	return x->address < y->address ? -1 : x->address > y->address;
}

int dfuse_plan_skip(struct dfuse_plan *plan, const unsigned char *action)
{
	struct dfuse_read *reads = NULL;
	size_t n_reads = 0, cap = 0, blank_cap = plan->n_blanks, i, k, ri;
	int rc;

	for (i = 0; i < plan->n_erases; i++) {
		if (action[i] != DFUSE_PAGE_SKIP)
			continue;
		rc = dfuse_plan_cut_chunks(plan, plan->erases[i].address,
					   (uint64_t)plan->erases[i].address + plan->erases[i].size);
		if (rc)
			return rc;
	}
	/* Read-backs: keep the parts inside pages that stay erased, with their bytes. */
	for (ri = 0; ri < plan->n_reads; ri++) {
		const struct dfuse_read *r = &plan->reads[ri];
		uint64_t rs = r->address, re = rs + r->len;

		for (i = 0; i < plan->n_erases; i++) {
			uint64_t ps = plan->erases[i].address, pe = ps + plan->erases[i].size;
			uint64_t a = rs > ps ? rs : ps, b = re < pe ? re : pe;
			struct dfuse_read *prev;

			if (a >= b || action[i] != DFUSE_PAGE_ERASE)
				continue;
			prev = n_reads ? &reads[n_reads - 1] : NULL;
			if (prev && (uint64_t)prev->address + prev->len == a) {
				unsigned char *d = realloc(prev->data, prev->len + (size_t)(b - a));

				if (!d)
					goto nomem;
				prev->data = d;
				memcpy(d + prev->len, r->data + (a - rs), (size_t)(b - a));
				prev->len += (uint32_t)(b - a);
				continue;
			}
			if (dfuse_grow((void **)&reads, &cap, n_reads, sizeof(*reads)))
				goto nomem;
			reads[n_reads].address = (uint32_t)a;
			reads[n_reads].len = (uint32_t)(b - a);
			reads[n_reads].data = malloc((size_t)(b - a));
			if (!reads[n_reads].data)
				goto nomem;
			memcpy(reads[n_reads].data, r->data + (a - rs), (size_t)(b - a));
			n_reads++;
		}
	}
	for (ri = 0; ri < plan->n_reads; ri++)
		free(plan->reads[ri].data);
	free(plan->reads);
	plan->reads = reads;
	plan->n_reads = n_reads;
	/* Only the pages still erased stay in erases[]; blank ones join blanks[]. */
	plan->erase_bytes = 0;
	for (i = 0, k = 0; i < plan->n_erases; i++) {
		if (action[i] == DFUSE_PAGE_SKIP) {
			plan->pages_skipped++;
			continue;
		}
		if (action[i] == DFUSE_PAGE_BLANK) {
			plan->pages_blank++;
			if (dfuse_grow((void **)&plan->blanks, &blank_cap, plan->n_blanks,
				       sizeof(plan->blanks[0])))
				return DFU_E_NOMEM;	/* reported */
			plan->blanks[plan->n_blanks++] = plan->erases[i];
			continue;
		}
		plan->erases[k] = plan->erases[i];
		plan->erase_bytes += plan->erases[k].size;
		k++;
	}
	plan->n_erases = k;
	if (plan->n_blanks > 1)
		qsort(plan->blanks, plan->n_blanks, sizeof(plan->blanks[0]), dfuse_page_cmp);
	/* A blank page still belongs to its image: its first page is still written last. */
	dfuse_mark_firsts(plan);
	plan->skip_checked = 1;
	return dfuse_plan_layout(plan);
nomem:
	for (i = 0; i < n_reads; i++)
		free(reads[i].data);
	free(reads);
	log_error("out of memory");
	return DFU_E_NOMEM;
}

void dfuse_run_block(const struct dfuse_run *r, uint32_t transfer_size, uint32_t index,
		     struct dfuse_block *out)
{
	uint32_t off = index * transfer_size;

	out->number = (uint16_t)(DFUSE_FIRST_BLOCK + index);
	out->address = r->address + off;
	out->len = r->len - off < transfer_size ? r->len - off : transfer_size;
	out->data = r->data + off;
}

void dfuse_plan_free(struct dfuse_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n_reads; i++)
		free(plan->reads[i].data);
	free(plan->reads);
	free(plan->erases);
	free(plan->blanks);
	free(plan->runs);
	free(plan->rescues);
	free(plan->steps);
	free(plan->lost);
	free(plan->warnings);
	free(plan->chunks);
	free(plan->image);
	memset(plan, 0, sizeof(*plan));
}

/* Runs [first, first + n) in words: "0x...-0x... (N bytes, k runs)". */
static void dfuse_describe_runs(const struct dfuse_plan *plan, size_t first, size_t n,
				char *buf, size_t len)
{
	uint64_t bytes = 0;
	size_t i;

	if (n == 0) {
		snprintf(buf, len, "nothing (all 0xFF)");
		return;
	}
	for (i = first; i < first + n; i++)
		bytes += plan->runs[i].len;
	snprintf(buf, len, "0x%08lX-0x%08lX (%llu bytes, %lu run%s)",
		 (unsigned long)plan->runs[first].address,
		 (unsigned long)(plan->runs[first + n - 1].address +
				 plan->runs[first + n - 1].len - 1),
		 (unsigned long long)bytes, (unsigned long)n, n == 1 ? "" : "s");
}

void dfuse_plan_describe(const struct dfuse_plan *plan)
{
	char size[32], runs[96];
	size_t i, j;

	log_note("plan: %llu bytes of data, %llu bytes written (%llu of them preserved) in "
		 "%lu run%s of %lu-byte blocks%s",
		 (unsigned long long)plan->data_bytes, (unsigned long long)plan->write_bytes,
		 (unsigned long long)plan->preserved_bytes,
		 (unsigned long)plan->n_runs, plan->n_runs == 1 ? "" : "s",
		 (unsigned long)plan->transfer_size,
		 plan->every_block ? ", SET_ADDRESS before every block" : "");
	if (plan->mass_erase)
		log_note("  erase: mass erase of the whole memory");
	else if (plan->n_erases == 0)
		log_note("  erase: nothing (the data lies in memory that is not erased)");
	/* Consecutive pages of one size read better as one line. */
	for (i = 0; i < plan->n_erases; i = j) {
		uint64_t end = (uint64_t)plan->erases[i].address + plan->erases[i].size;

		for (j = i + 1; j < plan->n_erases && plan->erases[j].address == end &&
		     plan->erases[j].size == plan->erases[i].size; j++)
			end += plan->erases[j].size;
		dfuse_format_size(plan->erases[i].size, size, sizeof(size));
		log_note("  erase: 0x%08lX-0x%08lX, %lu page%s of %s",
			 (unsigned long)plan->erases[i].address, (unsigned long)(end - 1),
			 (unsigned long)(j - i), j - i == 1 ? "" : "s", size);
	}
	for (i = 0; i < plan->n_reads; i++)
		log_note("  preserve: read back 0x%08lX-0x%08lX (%lu bytes) before the first erase",
			 (unsigned long)plan->reads[i].address,
			 (unsigned long)(plan->reads[i].address + plan->reads[i].len - 1),
			 (unsigned long)plan->reads[i].len);
	if (plan->n_reads)
		log_note("  preserve: %llu read-back bytes written again (all-0xFF pieces skipped)",
			 (unsigned long long)plan->preserved_bytes);
	for (i = 0; i < plan->n_lost; i++)
		log_note("  lost: 0x%08lX-0x%08lX (%lu bytes) erased without being read back",
			 (unsigned long)plan->lost[i].address,
			 (unsigned long)(plan->lost[i].address + plan->lost[i].len - 1),
			 (unsigned long)plan->lost[i].len);
	/* The order, one line per page (or per stretch of memory that is not erased). */
	for (i = 0; i < plan->n_steps; i = j) {
		const struct dfuse_step *st = &plan->steps[i];

		j = i + 1;
		if (st->kind == DFUSE_STEP_ERASE) {
			const struct dfuse_page *pg = &plan->erases[st->index];

			/* Its runs held back behind the rest of its image. */
			if (pg->n_runs && !(i + 1 < plan->n_steps &&
					    plan->steps[i + 1].kind == DFUSE_STEP_WRITE &&
					    plan->steps[i + 1].index == pg->first_run)) {
				log_note("  page 0x%08lX: erase first; written last (image start)",
					 (unsigned long)pg->address);
				continue;
			}
			dfuse_describe_runs(plan, pg->first_run, pg->n_runs, runs, sizeof(runs));
			log_note("  page 0x%08lX: erase, write %s", (unsigned long)pg->address, runs);
			j += pg->n_runs;
			continue;
		}
		if (plan->runs[st->index].page != DFUSE_NO_PAGE) {
			const struct dfuse_page *pg = &plan->erases[plan->runs[st->index].page];

			dfuse_describe_runs(plan, pg->first_run, pg->n_runs, runs, sizeof(runs));
			log_note("  page 0x%08lX: write %s last", (unsigned long)pg->address, runs);
			j = i + pg->n_runs;
			continue;
		}
		/* Adjacent runs outside erased pages: one line. */
		while (j < plan->n_steps && plan->steps[j].kind == DFUSE_STEP_WRITE &&
		       plan->runs[plan->steps[j].index].page == DFUSE_NO_PAGE &&
		       plan->steps[j].image_start == st->image_start &&
		       plan->steps[j].index == plan->steps[j - 1].index + 1 &&
		       plan->runs[plan->steps[j].index].address ==
		       plan->runs[plan->steps[j - 1].index].address +
		       plan->runs[plan->steps[j - 1].index].len)
			j++;
		dfuse_describe_runs(plan, st->index, j - i, runs, sizeof(runs));
		if (st->image_start)
			log_note("  write %s last (image start%s)", runs,
				 plan->mass_erase ? "" : ", not erased");
		else
			log_note("  write %s%s", runs, plan->mass_erase ? "" : " (not erased)");
	}
	for (i = 0; i < plan->n_warnings; i++)
		log_note("  warning: %s", plan->warnings[i]);
}

/* ------------------------------------------------------------ upload plan */

/* 1 when every byte of [start, end) lies in a readable segment. */
static int dfuse_range_readable(const struct dfuse_map *map, uint64_t start, uint64_t end,
				uint64_t *bad)
{
	while (start < end) {
		const struct dfuse_segment *seg;

		if (start >= FOUR_GIB) {
			*bad = start;
			return 0;
		}
		seg = dfuse_map_find(map, (uint32_t)start);
		if (!seg || !dfuse_segment_can(seg, DFUSE_READABLE)) {
			*bad = start;
			return 0;
		}
		start = (uint64_t)seg->last + 1;
	}
	return 1;
}

static int dfuse_add_upload_run(struct dfuse_upload_plan *p, size_t *cap, uint64_t address,
				uint64_t len, uint32_t request)
{
	struct dfuse_upload_run *r;

	if (dfuse_grow((void **)&p->runs, cap, p->n_runs, sizeof(p->runs[0])))
		return DFU_E_NOMEM;
	r = &p->runs[p->n_runs++];
	r->address = (uint32_t)address;
	r->len = (uint32_t)len;
	r->request = request;
	r->n_blocks = (uint32_t)((len + request - 1) / request);
	return 0;
}

int dfuse_upload_plan_build(const struct dfuse_map *map, uint32_t address, int has_length,
			    uint64_t length, uint32_t transfer_size, int every_block,
			    struct dfuse_upload_plan *out)
{
	uint64_t end, a, bad, max_run, ts = transfer_size;
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = dfuse_check_transfer_size(transfer_size);
	if (!rc)
		rc = dfuse_check_map(map);
	if (rc)
		return rc;
	if (has_length) {
		if (length == 0) {
			log_error("upload length 0");
			return DFU_E_USAGE;
		}
		end = (uint64_t)address + length;
		if (end > FOUR_GIB) {
			log_error("%llu bytes from 0x%08lX pass the end of the 4 GiB address space",
				  (unsigned long long)length, (unsigned long)address);
			return DFU_E_USAGE;
		}
	} else {
		end = dfuse_map_readable_end(map, address);
		if (end == 0) {
			log_error("0x%08lX is not in readable memory of \"%s\"",
				  (unsigned long)address, map->name);
			log_hint("see the memory map with -l -v");
			return DFU_E_DATA;
		}
	}
	if (!dfuse_range_readable(map, address, end, &bad)) {
		log_error("cannot upload 0x%08lX-0x%08lX: 0x%08lX is %s \"%s\"",
			  (unsigned long)address, (unsigned long)(end - 1), (unsigned long)bad,
			  dfuse_map_find(map, (uint32_t)bad) ? "not readable in" : "outside",
			  map->name);
		log_hint("see the memory map with -l -v");
		return DFU_E_DATA;
	}
	out->address = address;
	out->length = end - address;
	max_run = (every_block ? 1 : DFUSE_MAX_BLOCKS_PER_RUN) * ts;
	for (a = address; a < end; a += max_run) {
		uint64_t len = end - a < max_run ? end - a : max_run;
		uint64_t last = a + (len - 1) / ts * ts;	/* start of the last block */

		/*
		 * Only the last run can end in a short block.  If asking for a
		 * full block there would read past readable memory, read the
		 * tail as a block 2 of its own with the exact length.
		 */
		if (last + ts > end && !dfuse_range_readable(map, last, last + ts, &bad)) {
			if (last > a)
				rc = dfuse_add_upload_run(out, &cap, a, last - a, transfer_size);
			if (!rc)
				rc = dfuse_add_upload_run(out, &cap, last, end - last,
							  (uint32_t)(end - last));
		} else {
			rc = dfuse_add_upload_run(out, &cap, a, len, transfer_size);
		}
		if (rc) {
			dfuse_upload_plan_free(out);
			return rc;
		}
	}
	return 0;
}

void dfuse_upload_block(const struct dfuse_upload_run *r, uint32_t index,
			struct dfuse_upload_block *out)
{
	uint32_t off = index * r->request;

	out->number = (uint16_t)(DFUSE_FIRST_BLOCK + index);
	out->address = r->address + off;
	out->request = (uint16_t)r->request;
	out->keep = r->len - off < r->request ? r->len - off : r->request;
}

void dfuse_upload_plan_free(struct dfuse_upload_plan *p)
{
	free(p->runs);
	memset(p, 0, sizeof(*p));
}
