/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_DFUSE_H
#define DFU_DFUSE_H

/*
 * ST DfuSe requests (ST AN3156) on top of the DFU engine in dfu.c, and the
 * executor that walks a plan made by dfuse_plan.c.
 *
 * Commands are DNLOAD requests with wBlockNum 0 and a payload:
 *
 *   0x21 A0 A1 A2 A3   set the address pointer (little-endian)
 *   0x41 A0 A1 A2 A3   erase the page/sector holding the address
 *   0x41               mass erase
 *   0x92               read unprotect (the device mass-erases and resets)
 *
 * and UPLOAD block 0 returns the supported command bytes.  A command runs
 * on the GETSTATUS that follows it (dfuDNBUSY, wait bwPollTimeout, then
 * dfuDNLOAD-IDLE).  Data blocks are numbered from 2: the device reads or
 * writes block n at pointer + (n - 2) * wLength.
 *
 * Every function expects the device in dfuIDLE or dfuDNLOAD-IDLE (after
 * dfu_ensure_idle, or after any function here) and leaves it in one of
 * those two, unless it says the device resets.  Errors are reported once,
 * naming the step, the address and the device status, and returned as
 * DFU_E_IO (device error status, lost device, failed transfer) or
 * DFU_E_PROTOCOL (unexpected state or reply).
 */

#include <stddef.h>
#include <stdint.h>

#include "dfu.h"
#include "dfuse_map.h"
#include "dfuse_plan.h"

/* Command bytes, as in AN3156 and the Get Commands reply. */
enum dfuse_command {
	DFUSE_CMD_GET_COMMANDS   = 0x00,
	DFUSE_CMD_SET_ADDRESS    = 0x21,
	DFUSE_CMD_ERASE          = 0x41,
	DFUSE_CMD_READ_UNPROTECT = 0x92,
};

/* Flags for dfuse_write. */
#define DFUSE_WRITE_ADDRESS_EVERY_BLOCK	0x1	/* quirk: SET_ADDRESS before every block */
#define DFUSE_WRITE_WILL_RESET		0x2	/* the last block makes the device reset */

int dfuse_set_address(struct dfu_session *s, uint32_t addr);
int dfuse_erase_page(struct dfu_session *s, uint32_t addr);
int dfuse_mass_erase(struct dfu_session *s);

/*
 * Read unprotect.  The device acknowledges with dfuDNBUSY, then erases
 * everything and resets, so no further status is awaited: returns 0 once
 * the command was accepted (or the device already left the bus); the
 * caller should expect the device to re-enumerate.
 */
int dfuse_read_unprotect(struct dfu_session *s);

/*
 * Get Commands: UPLOAD block 0 into buf (at most len bytes, len <= 65535),
 * then ABORT back to dfuIDLE.  Returns the number of command bytes.
 */
int dfuse_get_commands(struct dfu_session *s, unsigned char *buf, size_t len);

/*
 * Leave DFU mode and start the application: SET_ADDRESS(addr) when
 * set_address (else the device jumps to its last address pointer), a
 * zero-length DNLOAD (wBlockNum 2) and GETSTATUS, on which the device
 * answers dfuMANIFEST and disconnects.  A device that vanishes, stalls or
 * stops answering after the DNLOAD has left: returns 0.  Returns 1 (after
 * a warning) when the device answered in a state that does not leave, so
 * the caller may reset it; a negative DFU_E_* on a device error.
 */
int dfuse_leave(struct dfu_session *s, int set_address, uint32_t addr);

/*
 * Write one contiguous run: SET_ADDRESS(addr), then DNLOAD blocks 2, 3, ...
 * of transfer_size bytes (the last may be shorter), each followed by the
 * status wait (3 transfers per block when the device is busy once), and
 * SET_ADDRESS again before the block number would pass 65535.  The pages
 * must have been erased.  flags: DFUSE_WRITE_*.  Returns 0, 1 when
 * DFUSE_WRITE_WILL_RESET was given and the device went off to reset after
 * the last block, or a negative DFU_E_*.
 */
int dfuse_write(struct dfu_session *s, uint32_t addr, const unsigned char *data, size_t len,
		unsigned int flags);

/*
 * Read len bytes at addr into buf: SET_ADDRESS, ABORT (UPLOAD needs
 * dfuIDLE), UPLOAD blocks 2, 3, ... each asking for a full transfer_size
 * (the device may compute the address from wLength; the host keeps only
 * what was asked for), SET_ADDRESS again before a wrap, ABORT at the end.
 * A block shorter than needed is an error.  Returns 0 or a negative DFU_E_*.
 */
int dfuse_read(struct dfu_session *s, uint32_t addr, unsigned char *buf, size_t len);

/*
 * Carry out an upload plan (dfuse_upload_plan_build), feeding the bytes to
 * sink in order, with a progress bar.  Returns the number of bytes read or
 * a negative DFU_E_* (a sink error is returned as it is).
 */
int64_t dfuse_upload(struct dfu_session *s, const struct dfuse_upload_plan *p,
		     dfu_sink_fn sink, void *ctx);

/*
 * --skip-unchanged, before dfuse_execute: read every page the plan erases
 * (those that are readable) with an Upload bar, fill the plan's read-backs
 * from them, and drop the pages that already hold their bytes or are
 * blank (dfuse_plan_skip).  The executor then reads nothing again.
 * Returns 0 or a negative DFU_E_*.
 */
int dfuse_skip_scan(struct dfu_session *s, struct dfuse_plan *plan, const struct dfuse_map *map);

/*
 * --verify, after dfuse_execute: read back every byte the plan wrote, and
 * the preserved bytes of its erased pages, with a Verify bar, and compare.
 * Memory the map says is not readable is skipped with a warning.  A
 * difference is reported (first address, how many bytes) and returns
 * DFU_E_VERIFY.
 */
int dfuse_verify(struct dfu_session *s, const struct dfuse_plan *plan,
		 const struct dfuse_map *map);

struct dfuse_exec_options {
	/*
	 * The map the plan was built from.  When set, read-backs ask only
	 * for readable memory (a page at the end of a region is not read
	 * past its end); NULL reads with full-size blocks.
	 */
	const struct dfuse_map *map;
	int will_reset;		/* the last written block resets the device (option bytes) */
	int describe;		/* -v: print the plan once the runs are final */
};

/*
 * Execute a checked plan (dfuse_plan_build): read back the preserved
 * ranges and re-layout the runs with them (dfuse_plan_layout, which is why
 * plan is not const), print the plan with describe, warn about plan->lost,
 * then the steps in order (or a mass erase, then the runs): each page is
 * erased and written before the next, an image's first page erased first
 * and written last.  A signal stops the run only between pages.  When the
 * run stops (signal or error) with a first page erased and not written,
 * its preserved bytes are written back; then one warning says which pages
 * are written, erased or untouched.  opt may be NULL.  Returns 0, 1 when
 * will_reset and the device went off to reset, or a negative DFU_E_*.
 */
int dfuse_execute(struct dfu_session *s, struct dfuse_plan *plan,
		  const struct dfuse_exec_options *opt);

#endif
