/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_FWIMAGE_H
#define DFU_FWIMAGE_H

/*
 * What a firmware file is, told by its content (never by its name), and
 * the address-bearing ones turned into one internal image:
 *
 *   .dfu        "DfuSe" prefix                         dfuse_file.h
 *   ELF         0x7f "ELF"                             elf.h
 *   UF2         both UF2 start magics                  uf2.h
 *   Intel HEX   first line ':' and hex digits          ihex.h
 *   S-records   first line 'S', a digit, hex digits    ihex.h
 *   raw         anything else: bytes with no address
 *
 * Every address-bearing file becomes a struct dfuse_image, the element
 * list a .dfu file has, so the DfuSe planner and preflight treat them all
 * alike.  A HEX, S-record, ELF or UF2 file gives one target whose alt
 * setting is the one the user selects (img.format says so); a .dfu file
 * keeps its own targets.  Once the first bytes say which format a file is,
 * a defect is an error, never a fall back to raw.
 */

#include <stddef.h>

#include "dfu_file.h"
#include "dfuse_file.h"
#include "dfuse_plan.h"
#include "dfuse_request.h"
#include "ihex.h"
#include "uf2.h"

enum fwimage_format {
	FWIMAGE_RAW = 0,
	FWIMAGE_DFUSE,
	FWIMAGE_IHEX,
	FWIMAGE_SREC,
	FWIMAGE_ELF,
	FWIMAGE_UF2,
};

struct fwimage {
	enum fwimage_format format;
	struct dfuse_image img;		/* unless RAW: what to flash, as .dfu elements */
	struct ihex_image segs;		/* HEX, S-records, ELF, UF2: the bytes img points into */
	struct uf2_info uf2;		/* UF2 only */
};

/* Which format buf[0..len) is; pure. */
enum fwimage_format fwimage_detect(const unsigned char *buf, size_t len);

/* "raw binary", ".dfu", "Intel HEX", "S-record", "ELF", "UF2". */
const char *fwimage_format_name(enum fwimage_format f);

/*
 * Parse buf[0..len) as format f (not RAW) into out.  For a .dfu file buf
 * holds the suffix too (it is part of the format); for the others the
 * caller leaves a DFU suffix out.  Element data point into buf (.dfu) or
 * into out->segs, so buf must outlive out.  Returns 0, or reports one
 * message naming the file and the place at fault and returns DFU_E_DATA
 * (DFU_E_NOMEM), out then being empty.  A file with no data is refused.
 */
int fwimage_parse(const unsigned char *buf, size_t len, enum fwimage_format f, const char *name,
		  struct fwimage *out);

/*
 * dfu-util -D: detect and parse a loaded file, and check it against -s
 * (req, NULL without -s): a raw binary needs the address, an
 * address-bearing file must not have one (modifiers are fine).  With -v
 * the image is described (UF2: blocks and board family).  out->format is
 * FWIMAGE_RAW when the file is sent as it is.
 */
int fwimage_from_file(const struct dfu_file *file, const struct dfuse_request *req,
		      struct fwimage *out);

/* Free what a parse allocated; safe on a zeroed or freed image. */
void fwimage_free(struct fwimage *fw);

#endif
