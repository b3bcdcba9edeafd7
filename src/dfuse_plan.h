/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_DFUSE_PLAN_H
#define DFU_DFUSE_PLAN_H

/*
 * The pure half of DfuSe flashing: turning "these bytes go to these
 * addresses" into a checked plan of erases, read-backs and
 * block writes before any request is sent.  No USB here; the executor in
 * dfuse.c walks the plan.
 */

#include <stddef.h>
#include <stdint.h>

#include "dfuse_map.h"

/* Block numbers 2..65535 address data (0 and 1 are commands / unused). */
#define DFUSE_FIRST_BLOCK	2
#define DFUSE_MAX_BLOCKS_PER_RUN	(65535 - DFUSE_FIRST_BLOCK + 1)

/* ------------------------------------------------------------ download plan */

/* Bytes to write at an address: a raw file with -s, or one .dfu element. */
struct dfuse_chunk {
	uint32_t address;
	const unsigned char *data;
	size_t len;		/* 0 = nothing (skipped) */
	const char *label;	/* for messages, e.g. "element 2"; NULL = none */
};

struct dfuse_plan_options {
	int force;		/* allow writing segments that are not writable */
	int mass_erase;		/* a mass erase replaces the page erases */
	int preserve;		/* read back and rewrite partly covered pages (default 1) */
	int set_address_every_block;
	/*
	 * The device cannot upload (no bitCanUpload): nothing is read back;
	 * the bytes preserve would have read become lost[] instead.
	 */
	int no_upload;
	uint32_t transfer_size;	/* wTransferSize, 1..65535 */
};

/*
 * One page to erase (DfuSe command 0x41 with its address).  first: the
 * page holds the lowest address of a group of adjacent erased pages (an
 * image): it is erased before the others and written after them, so an
 * interrupted flash never leaves old or half-new vectors behind.
 * first_run, n_runs: its runs in runs[] (runs never cross a page).
 */
struct dfuse_page {
	uint32_t address;
	uint32_t size;
	int first;
	size_t first_run;
	size_t n_runs;
};

#define DFUSE_NO_PAGE	((size_t)-1)

/*
 * A range to read back before the erase: bytes of an erased page that the
 * data does not cover.  The executor uploads len bytes from address into
 * data (allocated by the plan), then calls dfuse_plan_layout().
 */
struct dfuse_read {
	uint32_t address;
	uint32_t len;
	unsigned char *data;	/* len bytes, 0xFF until filled */
};

/*
 * One SET_ADDRESS(address) followed by DNLOAD blocks 2, 3, ...: block k
 * (from 0) carries data[k * transfer_size ...], transfer_size bytes except
 * the last.  n_blocks <= DFUSE_MAX_BLOCKS_PER_RUN (1 with the
 * set-address-every-block quirk).  A run lies inside one erased page
 * (page = its index in erases[]) or in memory that is not erased
 * (page = DFUSE_NO_PAGE).
 */
struct dfuse_run {
	uint32_t address;
	uint32_t len;
	uint32_t n_blocks;
	const unsigned char *data;	/* owned by the plan */
	size_t page;
};

/* Bytes that are erased without being read back first. */
struct dfuse_range {
	uint32_t address;
	uint32_t len;
};

/*
 * The order of execution: erase page erases[index], or write run
 * runs[index].  stop_ok: every erased page but a first page (see struct
 * dfuse_page) is complete before this step, so an interrupted run may stop
 * here; between other steps a page lies erased and not yet written back.
 */
enum dfuse_step_kind {
	DFUSE_STEP_ERASE,
	DFUSE_STEP_WRITE,
};

struct dfuse_step {
	enum dfuse_step_kind kind;
	size_t index;
	int stop_ok;
	/*
	 * A write of a group's first page (the image start), held back until
	 * the rest of its group is written: not to be stopped half-way.
	 */
	int image_start;
};

struct dfuse_block {
	uint16_t number;	/* wBlockNum */
	uint32_t address;	/* where the device will put it */
	uint32_t len;		/* wLength */
	const unsigned char *data;
};

#define DFUSE_WARNING_MAX	200

struct dfuse_plan {
	uint32_t transfer_size;
	int every_block;		/* SET_ADDRESS before every block (and read-back block) */
	int mass_erase;			/* send a mass erase instead of page erases */

	size_t n_erases;
	struct dfuse_page *erases;	/* sorted, each page once */
	uint64_t erase_bytes;

	/*
	 * Pages written without an erase of their own that still form images
	 * with the erased ones: blank pages (--skip-unchanged) and, with a
	 * mass erase, every erasable page the data touches.  Sorted, each
	 * once; first as in erases[] (computed over both lists); first_run
	 * and n_runs unused: their runs have page DFUSE_NO_PAGE.
	 */
	size_t n_blanks;
	struct dfuse_page *blanks;

	size_t n_reads;
	struct dfuse_read *reads;	/* sorted, disjoint, never touching the data */

	size_t n_runs;
	struct dfuse_run *runs;		/* sorted by address */
	uint64_t write_bytes;		/* sum of run lengths */
	uint64_t data_bytes;		/* bytes from the chunks */
	uint64_t preserved_bytes;	/* read-back bytes the runs write again */

	size_t n_steps;
	struct dfuse_step *steps;	/* every erase and run once, in execution order */

	/*
	 * The read-back bytes of first pages that are not 0xFF, as runs: what
	 * to write back when a run stops while such a page is held erased
	 * (the image's own bytes then stay blank).
	 */
	size_t n_rescues;
	struct dfuse_run *rescues;

	size_t n_lost;
	struct dfuse_range *lost;	/* no_upload: erased, not preserved (sorted) */
	uint64_t lost_bytes;

	size_t n_warnings;
	char (*warnings)[DFUSE_WARNING_MAX];	/* also reported through log_warn */

	/* --skip-unchanged (dfuse_plan_skip): pages dropped from erases[] */
	int skip_checked;		/* the pages were read and compared */
	size_t pages_skipped;		/* already holding their bytes: neither erased nor written */
	size_t pages_blank;		/* all 0xFF: written without an erase */
	int preserve;			/* bytes outside the data keep their value (no no-preserve) */

	/* private: what dfuse_plan_layout() needs */
	size_t n_chunks;
	struct dfuse_chunk *chunks;	/* sorted copy, empty ones dropped */
	unsigned char *image;		/* the bytes the runs point into */
	uint32_t max_blocks;
};

/*
 * Check the whole job against the map and plan it.  Refused (reported
 * once, DFU_E_DATA; DFU_E_USAGE for a bad transfer size; DFU_E_NOMEM),
 * with nothing planned: no data at all, a chunk passing 4 GiB, overlapping
 * chunks, a byte outside every segment, a byte in a segment that is not
 * writable (unless force).
 *
 * Erases: every page of an erasable segment that any byte touches, once
 * each, none with mass_erase.  Pages of segments that are not erasable
 * (OTP, option bytes) are written without erase.  With preserve, the
 * uncovered bytes of partly covered erased pages become reads when the
 * segment is readable, and a warning (stored and log_warn'ed) when not.
 *
 * The runs are laid out at once as if every read-back were all 0xFF (such
 * bytes need no rewrite after an erase); call dfuse_plan_layout() again
 * once the reads are filled.  On failure *plan is left empty (safe to
 * free).
 */
int dfuse_plan_build(const struct dfuse_map *map, const struct dfuse_chunk *chunks,
		     size_t n_chunks, const struct dfuse_plan_options *opt,
		     struct dfuse_plan *plan);

/*
 * (Re)compute the runs, rescues and steps from the chunks and the
 * read-back bytes.  A read-back piece (the part of one read inside one
 * page) is written again when any byte of it is not 0xFF; adjacent bytes
 * merge into one run, cut at the end of each erased page.
 *
 * Steps: in address order, each group of adjacent pages (erased ones and
 * blanks[]) is: erase its first page (when it is erased); then for each
 * other page, erase it (when erased) and write its runs; then write the
 * first page's runs (image_start).  So the page holding an image's start
 * is written last, after a mass erase and over blank pages too, and an
 * interrupted download never leaves a startable half image.  Runs in
 * memory that is neither come in address order between the groups.
 * Returns 0 or DFU_E_NOMEM (reported).
 */
int dfuse_plan_layout(struct dfuse_plan *plan);

/*
 * --skip-unchanged.  What page p of erases[] needs, given its current
 * bytes now[] (erases[p].size bytes): DFUSE_PAGE_SKIP when every data byte
 * in it already holds its value (and, without preserve, every other byte
 * is 0xFF), DFUSE_PAGE_BLANK when it is all 0xFF (write without erase),
 * else DFUSE_PAGE_ERASE.
 */
enum dfuse_page_action {
	DFUSE_PAGE_ERASE = 0,
	DFUSE_PAGE_SKIP,
	DFUSE_PAGE_BLANK,
};

enum dfuse_page_action dfuse_plan_page_action(const struct dfuse_plan *plan, size_t p,
					      const unsigned char *now);

/*
 * Apply one action per page (action[i] for erases[i]): skipped pages lose
 * their data and read-backs, blank pages their erase (they move to
 * blanks[]; their data becomes runs outside erased memory, still ordered
 * as part of their image), erases[] keeps only the pages still erased
 * (an image start among them or the blanks is still written last), and the counts are
 * kept in pages_skipped / pages_blank.  Read-backs of kept pages are kept
 * with their bytes.  Then lays the runs out again.  Returns 0 or
 * DFU_E_NOMEM (reported).
 */
int dfuse_plan_skip(struct dfuse_plan *plan, const unsigned char *action);

/* Block index (from 0) of run r. */
void dfuse_run_block(const struct dfuse_run *r, uint32_t transfer_size, uint32_t index,
		     struct dfuse_block *out);

/* Free everything the plan owns; safe on a zeroed or freed plan. */
void dfuse_plan_free(struct dfuse_plan *plan);

/*
 * The plan in words, for -v: totals, the erase ranges, read-backs, lost
 * ranges and the order of pages (log_note).  The executor prints it after
 * the read-back, when the runs are final: what it says is what is sent.
 */
void dfuse_plan_describe(const struct dfuse_plan *plan);

/* ------------------------------------------------------------ upload plan */

/*
 * SET_ADDRESS(address), then UPLOAD blocks 2, 3, ... each asking for
 * request bytes (wLength) and keeping min(request, what is left of len):
 * a device may compute the address from wLength, so only the host cuts
 * the last block short.  When the full last request would read past
 * readable memory, the tail becomes a run of its own: one block 2 that
 * asks for exactly what is left (block 2 is at offset 0 whatever wLength).
 */
struct dfuse_upload_run {
	uint32_t address;
	uint32_t len;
	uint32_t request;
	uint32_t n_blocks;
};

struct dfuse_upload_block {
	uint16_t number;	/* wBlockNum */
	uint32_t address;
	uint16_t request;	/* wLength */
	uint32_t keep;		/* bytes of the answer that belong to the file */
};

struct dfuse_upload_plan {
	uint32_t address;
	uint64_t length;
	size_t n_runs;
	struct dfuse_upload_run *runs;
};

/*
 * Plan reading [address, address + length).  Without has_length, read to
 * the end of the contiguous readable segments holding address.  The range
 * must be readable (and inside the map) entirely: else one report and
 * DFU_E_DATA (DFU_E_USAGE for a bad transfer size or length 0), nothing
 * planned.
 */
int dfuse_upload_plan_build(const struct dfuse_map *map, uint32_t address, int has_length,
			    uint64_t length, uint32_t transfer_size, int every_block,
			    struct dfuse_upload_plan *out);

void dfuse_upload_block(const struct dfuse_upload_run *r, uint32_t index,
			struct dfuse_upload_block *out);

void dfuse_upload_plan_free(struct dfuse_upload_plan *p);

#endif
