/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_DFUSE_FILE_H
#define DFU_DFUSE_FILE_H

/*
 * ST DfuSe ".dfu" files (UM0391): an 11-byte prefix, target images (one
 * per alt setting, each a 274-byte target prefix and its elements) and a
 * DFU suffix with bcdDFU 0x011A.  Everything little-endian.
 *
 *   prefix   "DfuSe" bVersion(1) DFUImageSize(4) bTargets(1)
 *   target   "Target" bAlternateSetting(1) bTargetNamed(4)
 *            szTargetName(255) dwTargetSize(4) dwNbElements(4)
 *   element  dwElementAddress(4) dwElementSize(4) data(dwElementSize)
 *   suffix   16 bytes, see dfu_file.h
 *
 * The parser checks the whole file before anyone acts on it, so a defect
 * late in a file can never leave a half-flashed device.  It is pure (no
 * I/O besides the one error message) and never reads outside buf.
 */

#include <stddef.h>
#include <stdint.h>

#include "dfu_file.h"

#define DFUSE_PREFIX_LEN	11
#define DFUSE_TARGET_PREFIX_LEN	274
#define DFUSE_ELEMENT_HDR_LEN	8
#define DFUSE_NAME_LEN		255	/* szTargetName, NUL padded, not always terminated */
#define DFUSE_VERSION		0x01
#define DFUSE_BCD_DFU		0x011a

struct dfuse_element {
	uint32_t address;
	uint32_t size;			/* may be 0: such an element carries nothing */
	const unsigned char *data;	/* points into the parsed buffer (or the caller's data for build) */
	size_t file_offset;		/* of the element header, for messages */
};

struct dfuse_target {
	uint8_t alt;			/* bAlternateSetting */
	int named;			/* bTargetNamed != 0 */
	char name[DFUSE_NAME_LEN + 1];	/* always NUL terminated; "" when not named */
	uint32_t size;			/* dwTargetSize: element headers + data */
	uint32_t n_elements;
	struct dfuse_element *elements;	/* n_elements entries, owned by the image */
	size_t file_offset;		/* of the target prefix */
};

struct dfuse_image {
	uint8_t version;		/* bVersion, always 1 once parsed */
	uint32_t image_size;		/* DFUImageSize: file size without the suffix (or with it) */
	int n_targets;			/* 1..255 */
	struct dfuse_target *targets;	/* owned by the image */
	struct dfu_suffix suffix;
	/*
	 * NULL for a .dfu file.  For an image made from another format
	 * (fwimage.h: "Intel HEX", "S-record", "ELF", "UF2") its name: such an
	 * image has one target, meant for the alt setting the user selects.
	 */
	const char *format;
};

/* 1 when buf starts with the "DfuSe" signature, else 0.  Pure. */
int dfuse_file_is_dfuse(const unsigned char *buf, size_t len);

/*
 * Parse and validate a whole .dfu file held in buf[0..len) (suffix
 * included).  name is only used in messages ("-" is shown as standard
 * input, NULL as "the .dfu file").  On success returns 0 and fills out;
 * element data points into buf, so buf must outlive out.  On failure
 * reports one error naming the file and the offset/target/element at
 * fault, leaves out empty (safe to free) and returns DFU_E_DATA
 * (DFU_E_NOMEM when an allocation fails).
 *
 * Refused: short or wrong prefix, bVersion != 1, a missing or corrupt
 * suffix, bcdDFU != 0x011A, a DFUImageSize that is neither the file size
 * without the suffix (UM0391) nor with it (what the classic dfuse-pack writes),
 * bTargets == 0, a bad target signature, element counts the remaining bytes
 * cannot hold, elements past the end of the file, dwTargetSize not equal to
 * what its elements take, bytes between the last target and the suffix,
 * an element whose address + size passes 4 GiB, and overlapping elements
 * among the targets of one alt setting.
 *
 * Accepted: elements of size 0 (they carry no data and overlap nothing;
 * flashing code should skip them), targets with no elements, several
 * targets for the same alt setting (their elements must not overlap).
 */
int dfuse_file_parse(const unsigned char *buf, size_t len, const char *name,
		     struct dfuse_image *out);

/* Free what dfuse_file_parse allocated; safe on a zeroed or freed image. */
void dfuse_file_free(struct dfuse_image *img);

/*
 * Encode img as a complete .dfu file: prefix, targets, elements and a
 * suffix (idVendor vid, idProduct pid, bcdDevice bcd_device, bcdDFU
 * 0x011A) with its CRC.  DFUImageSize is the size without the suffix, as
 * UM0391 says and ST's tools check.  Uses n_targets, and per target alt, named, name,
 * n_elements and elements (address, size, data); version, image_size,
 * target size and suffix are computed, not read.  bTargetNamed is written
 * as 1 for a named target.
 *
 * Refuses (reports, returns DFU_E_DATA) what the parser would refuse: no
 * targets or more than 255, a name longer than 255 bytes, an element that
 * wraps past 4 GiB, overlapping elements of one alt setting, sizes beyond
 * 32 bits.  On success *out is malloc'd (the caller frees it) and 0 is
 * returned; on failure *out is NULL.
 */
int dfuse_file_build(const struct dfuse_image *img, uint16_t vid, uint16_t pid,
		     uint16_t bcd_device, unsigned char **out, size_t *out_len);

/*
 * Describe a parsed image on stdout (log_info), one line per target and
 * per element, names with unprintable bytes escaped: for dfuse-pack's
 * check and for -v.
 */
void dfuse_file_print(const struct dfuse_image *img);

#endif
