/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_DFU_PREFIX_H
#define DFU_DFU_PREFIX_H

/*
 * Vendor prefixes some DFU boot loaders expect in front of the firmware
 * (the DFU suffix, if any, stays at the end, after the firmware):
 *
 *   TI Stellaris, 8 bytes:  0x01 0x00  start address / 1024 (16-bit LE)
 *                           firmware length in bytes (32-bit LE)
 *   NXP LPC18xx/43xx unencrypted boot image header, 16 bytes:
 *                           0x1a (AES not active)  0x3f (reserved bits set)
 *                           image size in 512-byte blocks, rounded up (16-bit LE)
 *                           8 bytes HASH_VALUE, zero (no hash)
 *                           4 bytes 0xff (reserved)
 *
 * The firmware length and block count do not include the prefix itself
 * nor a DFU suffix.  Everything here is pure except the error messages.
 */

#include <stddef.h>
#include <stdint.h>

#define DFU_PREFIX_STELLARIS_LEN	8
#define DFU_PREFIX_LPC_LEN		16
#define DFU_PREFIX_MAX_LEN		16
#define DFU_PREFIX_STELLARIS_ALIGN	1024u		/* the address field counts KiB */
#define DFU_PREFIX_STELLARIS_ADDR_MAX	0x3fffc00u	/* 0xffff KiB */
#define DFU_PREFIX_LPC_BLOCK		512u

enum dfu_prefix_type {
	PREFIX_NONE = 0,
	PREFIX_STELLARIS,
	PREFIX_LPC,
};

struct dfu_prefix {
	enum dfu_prefix_type type;
	size_t len;		/* prefix bytes: 0, 8 or 16 */
	uint32_t address;	/* Stellaris: flash address (a multiple of 1024) */
	uint32_t length;	/* Stellaris: firmware bytes after the prefix */
	uint16_t blocks;	/* LPC: 512-byte blocks */
};

/* "TI Stellaris", "NXP LPC" or "none". */
const char *dfu_prefix_type_name(enum dfu_prefix_type type);

/*
 * Look for a prefix at the start of payload[0..len) (the file without its
 * DFU suffix).  A Stellaris prefix is recognised by 0x01 0x00 and a length
 * field equal to the bytes that follow it; an LPC one by 0x1a 0x3f and its
 * reserved 0xff bytes.  Returns the type and fills *out (zeroed for none).
 */
enum dfu_prefix_type dfu_prefix_detect(const unsigned char *payload, size_t len,
				       struct dfu_prefix *out);

/*
 * Encode a prefix for firmware of fw_len bytes into out[DFU_PREFIX_MAX_LEN]
 * and set *prefix_len.  address is used for Stellaris only.  Reports and
 * returns DFU_E_USAGE for a Stellaris address that is not a multiple of
 * 1024 or above DFU_PREFIX_STELLARIS_ADDR_MAX, DFU_E_DATA for firmware
 * too large for the length field (4 GiB Stellaris, 65535 blocks LPC).
 */
int dfu_prefix_build(enum dfu_prefix_type type, uint32_t address, size_t fw_len,
		     unsigned char out[DFU_PREFIX_MAX_LEN], size_t *prefix_len);

/*
 * Whole-file edits for dfu-prefix, on a file held in buf[0..len).  A valid
 * DFU suffix is kept at the end with its CRC recomputed; a corrupt one is
 * refused (DFU_E_DATA), since recomputing its CRC would bless a damaged
 * file.  name is for messages.  On success *out is malloc'd (the caller
 * frees it) and 0 is returned.
 *
 * add refuses a file that already has a prefix of either type (DFU_E_DATA).
 * remove refuses a file without one, or, when want is not PREFIX_NONE,
 * without one of that type (DFU_E_DATA).
 */
int dfu_prefix_add(const unsigned char *buf, size_t len, const char *name,
		   enum dfu_prefix_type type, uint32_t address,
		   unsigned char **out, size_t *out_len);
int dfu_prefix_remove(const unsigned char *buf, size_t len, const char *name,
		      enum dfu_prefix_type want, unsigned char **out, size_t *out_len);

#endif
