/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_DFUSE_MAP_H
#define DFU_DFUSE_MAP_H

/*
 * DfuSe memory maps, as ST bootloaders publish them in the interface
 * string of each alt setting (ST AN3156, UM0424):
 *
 *   @Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg
 *   @Option Bytes  /0x1FFFC000/01*016 e
 *   @Name/0xADDR/NN*SSSmT[,NN*SSSmT...][/0xADDR/NN*SSSmT...]
 *
 * Each "/0xADDR/" starts a region; the segments listed after it follow each
 * other without gaps.  A segment is NN pages of SSS bytes times the
 * multiplier m (B or a space or nothing = bytes, K = 1024, M = 1048576);
 * the type letter T (a-g, upper case too) is a bit mask minus one: bit 0
 * readable, bit 1 erasable, bit 2 writable.  Counts and sizes are decimal
 * even with leading zeros ("016K" is 16 KiB).
 *
 * Pure: no I/O, no allocation.
 */

#include <stddef.h>
#include <stdint.h>

#define DFUSE_MAP_NAME_MAX	128	/* longer names are cut (they are only shown) */
#define DFUSE_MAP_MAX_SEGMENTS	64
#define DFUSE_MAP_MAX_PAGES	65536	/* per segment; more is nonsense, not flash */

enum dfuse_rights {
	DFUSE_READABLE = 1,
	DFUSE_ERASABLE = 2,
	DFUSE_WRITABLE = 4,
};

struct dfuse_segment {
	uint32_t start;
	/*
	 * Inclusive: the last byte of the segment.  An exclusive end could
	 * not describe a segment that ends at 0xFFFFFFFF.
	 */
	uint32_t last;
	uint32_t page_size;	/* > 0; last - start + 1 == page_size * n_pages */
	uint32_t n_pages;	/* 1..DFUSE_MAP_MAX_PAGES */
	uint8_t rights;		/* enum dfuse_rights bits, never 0 */
};

struct dfuse_map {
	char name[DFUSE_MAP_NAME_MAX];	/* "Internal Flash", spaces trimmed */
	int n_segments;
	/* Sorted by address, never overlapping. */
	struct dfuse_segment seg[DFUSE_MAP_MAX_SEGMENTS];
};

/*
 * Parse one interface string (it must start with '@').  On success fills
 * out and returns 0.  On failure writes into err (if errlen > 0) a message
 * that quotes s and says what is wrong -- the caller adds the alt setting
 * and reports it -- and returns DFU_E_PROTOCOL: the device described its
 * memory in a way we cannot trust, so nothing may be flashed by guessing.
 *
 * Refused: no '@', no '/', addresses that are not 0x hex of at most 32
 * bits, counts or sizes of 0, a count above DFUSE_MAP_MAX_PAGES, page
 * sizes or segment sizes beyond 32 bits, a region that passes 4 GiB,
 * overlapping regions, more than DFUSE_MAP_MAX_SEGMENTS segments, any
 * character the grammar has no place for.  Tolerated: spaces around the
 * name, a space instead of a multiplier, trailing spaces, one trailing '/'.
 */
int dfuse_map_parse(const char *s, struct dfuse_map *out, char *err, size_t errlen);

/* The segment holding addr, or NULL. */
const struct dfuse_segment *dfuse_map_find(const struct dfuse_map *m, uint32_t addr);

/* 1 when seg has all the rights bits in want (enum dfuse_rights), else 0. */
int dfuse_segment_can(const struct dfuse_segment *seg, unsigned int want);

/* Start of the page of seg holding addr (addr must lie in seg). */
uint32_t dfuse_segment_page_start(const struct dfuse_segment *seg, uint32_t addr);

/*
 * End (exclusive, so up to 2^32) of the run of contiguous readable
 * segments holding addr: how far an upload without a length may read.
 * Returns 0 when addr is not in a readable segment.
 */
uint64_t dfuse_map_readable_end(const struct dfuse_map *m, uint32_t addr);

/*
 * "4 pages of 16 KiB" style size text: whole MiB as MiB, whole KiB as
 * KiB, else bytes.  Always NUL terminates (when len > 0).
 */
void dfuse_format_size(uint32_t bytes, char *buf, size_t len);

/*
 * One line for seg, without newline:
 *   "0x08000000-0x0800FFFF  4 pages of 16 KiB  readable, erasable, writable"
 */
void dfuse_segment_format(const struct dfuse_segment *seg, char *buf, size_t len);

/*
 * Print the map for -l -v through log_info: the name, then one indented
 * line per segment (indent may be NULL).
 */
void dfuse_map_print(const struct dfuse_map *m, const char *indent);

#endif
