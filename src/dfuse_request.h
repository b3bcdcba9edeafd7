/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_DFUSE_REQUEST_H
#define DFU_DFUSE_REQUEST_H

/* The -s option of dfu-util: what the user asked a DfuSe device to do. */

#include <stdint.h>

struct dfuse_request {
	int has_address;	/* 0: "" or "default", e.g. "-s :mass-erase:force" */
	uint32_t address;
	int has_length;		/* an upload length other than 0 was given */
	uint32_t length;	/* > 0; address + length never passes 4 GiB */
	int leave;		/* "leave": start the application when done */
	int unprotect;		/* "unprotect": read-unprotect (needs force) */
	int mass_erase;		/* "mass-erase": erase everything (needs force) */
	int will_reset;		/* "will-reset": the device resets after the request */
	int force;		/* "force": allow the above, and writing read-only memory */
	/*
	 * "no-preserve": do not read back and rewrite the bytes of a page that
	 * the data covers only partly; they are lost in the erase.  Faster.
	 */
	int no_preserve;
	/*
	 * "set-address-every-block": a quirk for devices that mishandle the
	 * block number increment; SET_ADDRESS before every block, each sent
	 * as block 2.  Costs one request per block.
	 */
	int set_address_every_block;
};

/*
 * Parse "ADDRESS[:MODIFIER...]".  ADDRESS goes through the strict number
 * parser (0x hex, 0-octal, decimal, at most 0xFFFFFFFF) and may be empty or
 * "default" (no address).  Modifiers are exact tokens, each at most once:
 * leave, unprotect, mass-erase, will-reset, force, no-preserve,
 * set-address-every-block, or a number (the upload length; 0 = none), and
 * fast and fastdfuse (accepted, no effect).  unprotect and
 * mass-erase need force.  On error reports one message quoting text (and a
 * hint) and returns DFU_E_USAGE (DFU_E_NOMEM if out of memory); out is then
 * zeroed.
 */
int dfuse_parse_address(const char *text, struct dfuse_request *out);

#endif
