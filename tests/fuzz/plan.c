/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * Fuzz the DfuSe planner with a memory map and chunks taken from the
 * input, and check the plan against an independent oracle: every data byte
 * is written once with its value, nothing is written outside the map (or
 * into read-only memory without force), every written byte of an erasable
 * segment lies in a page that is erased first, the runs and blocks tile
 * exactly, and after the read-backs are filled in, preserved bytes are
 * rewritten with the values read.  Then the same for an upload plan.
 *
 * Input: MAP-STRING NUL ts(2) flags(1) nchunks(1)
 *        { address(4) len(2) } ... upload-address(4) upload-length(4) fill...
 */

#include <config.h>

#include "fuzz.h"
#include "dfuse_plan.h"
#include "errors.h"

#define FUZZ_MAX_CHUNKS		4
#define FUZZ_MAX_CHUNK_LEN	1024u
#define FUZZ_MAX_UPLOAD_BLOCKS	4096u
/*
 * Known costs, reported, kept out of the fuzzer's way so it can look for
 * other things: the plan holds a read-back buffer as large as the page
 * (a map may claim pages of up to 4 GiB), and an upload plan with the
 * set-address-every-block quirk holds one run per block.  Inputs that
 * would make either huge are skipped.
 */
#define FUZZ_MAX_PRESERVE_PAGE	(256u * 1024u)
#define FUZZ_MAX_PLAN_RUNS	(1u << 14)

FUZZ_INITIALIZE_QUIET

static uint64_t fuzz_erase_end(const struct dfuse_plan *p, size_t i)
{
	return (uint64_t)p->erases[i].address + p->erases[i].size;
}

static uint64_t fuzz_run_end(const struct dfuse_plan *p, size_t i)
{
	return (uint64_t)p->runs[i].address + p->runs[i].len;
}

/* Of n sorted ranges whose ends end() gives, the first that ends after addr (n if none). */
static FUZZ_ORACLE size_t fuzz_first_after(const struct dfuse_plan *p, size_t n,
					  uint64_t (*end)(const struct dfuse_plan *, size_t),
					  uint32_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (end(p, mid) <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* addr lies in an erased page; erases are sorted (checked separately). */
static FUZZ_ORACLE int fuzz_page_erased(const struct dfuse_plan *p, uint32_t addr)
{
	size_t i = fuzz_first_after(p, p->n_erases, fuzz_erase_end, addr);

	return i < p->n_erases && p->erases[i].address <= addr;
}

/* Index of the first run that ends after addr (n_runs if none). */
static FUZZ_ORACLE size_t fuzz_run_after(const struct dfuse_plan *p, uint32_t addr)
{
	return fuzz_first_after(p, p->n_runs, fuzz_run_end, addr);
}

/*
 * The runs hold bytes[0..len) at addr.  With optional, bytes no run
 * covers are allowed when they are 0xFF (erased flash needs no rewrite).
 */
static FUZZ_ORACLE void fuzz_check_bytes(const struct dfuse_plan *p, uint32_t addr,
					 const unsigned char *bytes, uint32_t len, int optional)
{
	uint64_t a = addr, end = (uint64_t)addr + len;
	size_t i = fuzz_run_after(p, addr);

	while (a < end) {
		const struct dfuse_run *r = i < p->n_runs ? &p->runs[i] : NULL;
		uint64_t next = r ? r->address : end;

		if (next > end)
			next = end;
		/* Not covered: [a, next). */
		for (; a < next; a++) {
			FUZZ_CHECK(optional);
			FUZZ_CHECK(bytes[a - addr] == 0xff);
		}
		if (a >= end || !r)
			break;
		{
			uint64_t stop = (uint64_t)r->address + r->len < end ? (uint64_t)r->address + r->len : end;

			FUZZ_CHECK(memcmp(r->data + (a - r->address), bytes + (a - addr), stop - a) == 0);
			a = stop;
		}
		i++;
	}
}

/* [addr, addr + len) lies in the map, may be written, and every erasable page of it is erased. */
static FUZZ_ORACLE void fuzz_check_range(const struct dfuse_map *map, const struct dfuse_plan *p,
					 uint32_t addr, uint32_t len,
					 const struct dfuse_plan_options *opt)
{
	uint64_t a = addr, end = (uint64_t)addr + len;

	while (a < end) {
		const struct dfuse_segment *s = dfuse_map_find(map, (uint32_t)a);
		uint64_t stop;

		FUZZ_CHECK(s != NULL);
		FUZZ_CHECK(opt->force || dfuse_segment_can(s, DFUSE_WRITABLE));
		stop = (uint64_t)s->last + 1 < end ? (uint64_t)s->last + 1 : end;
		if (dfuse_segment_can(s, DFUSE_ERASABLE) && !opt->mass_erase) {
			uint64_t pg;

			for (pg = dfuse_segment_page_start(s, (uint32_t)a); pg < stop; pg += s->page_size)
				FUZZ_CHECK(fuzz_page_erased(p, (uint32_t)pg));
		}
		a = stop;
	}
}

static FUZZ_ORACLE void fuzz_check_plan(const struct dfuse_map *map, const struct dfuse_plan *p,
			    const struct dfuse_chunk *chunks, size_t n_chunks,
			    const struct dfuse_plan_options *opt)
{
	uint64_t total = 0;
	size_t i;
	uint32_t k;

	FUZZ_CHECK(p->transfer_size == opt->transfer_size);
	for (i = 0; i < p->n_erases; i++) {
		const struct dfuse_segment *s = dfuse_map_find(map, p->erases[i].address);

		FUZZ_CHECK(!opt->mass_erase);
		FUZZ_CHECK(s != NULL && dfuse_segment_can(s, DFUSE_ERASABLE));
		FUZZ_CHECK(dfuse_segment_page_start(s, p->erases[i].address) == p->erases[i].address);
		FUZZ_CHECK(p->erases[i].size == s->page_size);
		if (i > 0)
			FUZZ_CHECK(p->erases[i - 1].address < p->erases[i].address);
	}
	for (i = 0; i < p->n_runs; i++) {
		const struct dfuse_run *r = &p->runs[i];
		uint32_t off = 0;

		FUZZ_CHECK(r->len > 0);
		FUZZ_CHECK((uint64_t)r->address + r->len <= UINT64_C(0x100000000));
		if (i > 0)
			FUZZ_CHECK((uint64_t)p->runs[i - 1].address + p->runs[i - 1].len <= r->address);
		FUZZ_CHECK(r->n_blocks == (r->len + p->transfer_size - 1) / p->transfer_size);
		FUZZ_CHECK(r->n_blocks <= (opt->set_address_every_block ? 1u : DFUSE_MAX_BLOCKS_PER_RUN));
		for (k = 0; k < r->n_blocks; k++) {
			struct dfuse_block b;

			dfuse_run_block(r, p->transfer_size, k, &b);
			FUZZ_CHECK(b.number == DFUSE_FIRST_BLOCK + k);
			FUZZ_CHECK(b.address == r->address + off);
			FUZZ_CHECK(b.len > 0 && b.len <= p->transfer_size);
			FUZZ_CHECK(b.data == r->data + off);
			off += b.len;
		}
		FUZZ_CHECK(off == r->len);
		total += r->len;
		/* Written bytes: inside the map, writable (or forced), erased first. */
		fuzz_check_range(map, p, r->address, r->len, opt);
	}
	FUZZ_CHECK(total == p->write_bytes);

	/* Every chunk byte is written, with its value. */
	for (i = 0; i < n_chunks; i++)
		fuzz_check_bytes(p, chunks[i].address, chunks[i].data, chunks[i].len, 0);
	/* Read-backs: disjoint, inside erased pages, apart from the data; rewritten unless 0xFF. */
	for (i = 0; i < p->n_reads; i++) {
		const struct dfuse_read *rd = &p->reads[i];
		size_t c;

		FUZZ_CHECK(rd->len > 0 && rd->data != NULL);
		if (i > 0)
			FUZZ_CHECK((uint64_t)p->reads[i - 1].address + p->reads[i - 1].len <= rd->address);
		FUZZ_CHECK(fuzz_page_erased(p, rd->address));
		FUZZ_CHECK(fuzz_page_erased(p, rd->address + rd->len - 1));
		for (c = 0; c < n_chunks; c++)
			FUZZ_CHECK(chunks[c].len == 0 ||
				   (uint64_t)rd->address + rd->len <= chunks[c].address ||
				   rd->address >= (uint64_t)chunks[c].address + chunks[c].len);
		fuzz_check_bytes(p, rd->address, rd->data, rd->len, 1);
	}
}

static FUZZ_ORACLE void fuzz_check_upload(const struct dfuse_map *map, const struct dfuse_upload_plan *up,
			      uint32_t ts)
{
	uint64_t at = up->address, blocks = 0;
	size_t i;
	uint32_t k;

	for (i = 0; i < up->n_runs; i++) {
		const struct dfuse_upload_run *r = &up->runs[i];

		FUZZ_CHECK(r->address == at);
		FUZZ_CHECK(r->len > 0);
		FUZZ_CHECK(r->request > 0 && r->request <= 65535 && r->request <= ts);
		FUZZ_CHECK(r->n_blocks == (r->len + r->request - 1) / r->request);
		FUZZ_CHECK(r->n_blocks <= DFUSE_MAX_BLOCKS_PER_RUN);
		blocks += r->n_blocks;
		if (blocks <= FUZZ_MAX_UPLOAD_BLOCKS) {
			uint64_t off = 0;

			for (k = 0; k < r->n_blocks; k++) {
				struct dfuse_upload_block b;

				dfuse_upload_block(r, k, &b);
				FUZZ_CHECK(b.number == DFUSE_FIRST_BLOCK + k);
				FUZZ_CHECK(b.address == r->address + off);
				FUZZ_CHECK(b.keep > 0 && b.keep <= b.request);
				/* The whole request must be readable memory. */
				FUZZ_CHECK(dfuse_map_readable_end(map, b.address) >=
					   (uint64_t)b.address + b.request);
				off += b.keep;
			}
			FUZZ_CHECK(off == r->len);
		}
		at += r->len;
	}
	FUZZ_CHECK(at == up->address + up->length);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dfuse_chunk chunks[FUZZ_MAX_CHUNKS];
	unsigned char *bufs[FUZZ_MAX_CHUNKS];
	struct dfuse_plan_options opt;
	struct dfuse_upload_plan up;
	struct dfuse_plan plan;
	struct dfuse_map *map;
	struct fuzz_in in;
	const uint8_t *nul = memchr(data, '\0', size);
	char *text;
	unsigned int flags, n, i, k;
	uint32_t up_addr, up_len;
	int rc;

	if (!nul)
		return 0;
	text = fuzz_strdup(data, (size_t)(nul - data));
	map = malloc(sizeof(*map));
	if (!map)
		abort();
	rc = dfuse_map_parse(text, map, NULL, 0);
	free(text);
	if (rc != 0) {
		free(map);
		return 0;
	}
	in.p = nul + 1;
	in.left = size - (size_t)(nul + 1 - data);
	for (i = 0; i < (unsigned int)map->n_segments; i++) {
		if (map->seg[i].page_size > FUZZ_MAX_PRESERVE_PAGE &&
		    dfuse_segment_can(&map->seg[i], DFUSE_ERASABLE)) {
			free(map);
			return 0;
		}
	}

	memset(&opt, 0, sizeof(opt));
	opt.transfer_size = fuzz_u16(&in);
	flags = fuzz_u8(&in);
	opt.force = flags & 1;
	opt.mass_erase = !!(flags & 2);
	opt.preserve = !(flags & 4);
	opt.set_address_every_block = !!(flags & 8);
	n = fuzz_u8(&in) % (FUZZ_MAX_CHUNKS + 1);
	for (i = 0; i < n; i++) {
		chunks[i].address = fuzz_u32(&in);
		chunks[i].len = fuzz_u16(&in) % (FUZZ_MAX_CHUNK_LEN + 1);
		chunks[i].label = (i & 1) ? "element 1" : NULL;
		/* Exact-size buffers so that reading past a chunk is caught. */
		bufs[i] = malloc(chunks[i].len ? chunks[i].len : 1);
		if (!bufs[i])
			abort();
		for (k = 0; k < chunks[i].len; k++)
			bufs[i][k] = (unsigned char)(k * 7 + i);
		chunks[i].data = bufs[i];
	}
	up_addr = fuzz_u32(&in);
	up_len = fuzz_u32(&in);

	rc = dfuse_plan_build(map, chunks, n, &opt, &plan);
	if (rc == 0) {
		size_t r;

		fuzz_check_plan(map, &plan, chunks, n, &opt);
		/* Pretend the device answered the read-backs, then lay out again. */
		for (r = 0; r < plan.n_reads; r++)
			for (k = 0; k < plan.reads[r].len; k++)
				plan.reads[r].data[k] = (k % 3) ? 0xff : (unsigned char)(fuzz_u8(&in) | (k & 1));
		FUZZ_CHECK(dfuse_plan_layout(&plan) == 0);
		fuzz_check_plan(map, &plan, chunks, n, &opt);
		/* The -v text: each erase and run is a line; long plans only cost time. */
		if (plan.n_erases + plan.n_runs + plan.n_reads < 64)
			dfuse_plan_describe(&plan);
	} else {
		FUZZ_CHECK(rc == DFU_E_DATA || rc == DFU_E_USAGE || rc == DFU_E_NOMEM);
		FUZZ_CHECK(plan.n_runs == 0 && plan.runs == NULL && plan.n_erases == 0);
	}
	dfuse_plan_free(&plan);
	for (i = 0; i < n; i++)
		free(bufs[i]);

	if (opt.transfer_size && (flags & 8)) {
		uint64_t end = dfuse_map_readable_end(map, up_addr);
		uint64_t len = !(flags & 0x10) ? up_len : end ? end - up_addr : 0;

		if (len / opt.transfer_size > FUZZ_MAX_PLAN_RUNS) {
			free(map);
			return 0;
		}
	}
	rc = dfuse_upload_plan_build(map, up_addr, !(flags & 0x10), up_len, opt.transfer_size,
				     !!(flags & 8), &up);
	if (rc == 0)
		fuzz_check_upload(map, &up, opt.transfer_size);
	else
		FUZZ_CHECK(up.n_runs == 0 && up.runs == NULL);
	dfuse_upload_plan_free(&up);
	free(map);
	return 0;
}
