/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfuse.h"
#include "errors.h"
#include "interrupt.h"
#include "log.h"

/* Room for "block 65535 at 0x08000000" and "erase of page 0x08000000". */
#define DFUSE_WHAT_LEN		64

/* The wBlockNum of the zero-length DNLOAD that leaves DFU mode. */
#define DFUSE_LEAVE_BLOCK	DFUSE_FIRST_BLOCK

#define DFUSE_LAST_BLOCK	65535u

/* Private dfuse_write_blocks flag: no stop between blocks (a page is in progress). */
#define DFUSE_WRITE_NO_STOP	0x100

static int dfuse_check_transfer_size(const struct dfu_session *s)
{
	if (s->transfer_size == 0) {
		log_error("invalid transfer size 0");
		return DFU_E_USAGE;
	}
	return 0;
}

/* Data blocks address 32 bits: a range that passes 4 GiB cannot be sent. */
static int dfuse_check_range(uint32_t addr, uint64_t len, const char *verb)
{
	if ((uint64_t)addr + len > UINT64_C(0x100000000)) {
		log_error("cannot %s %" PRIu64 " bytes at 0x%08" PRIx32 ": the range passes 4 GiB",
			  verb, len, addr);
		return DFU_E_DATA;
	}
	return 0;
}

/*
 * The status wait after a command or a data block.  dfu_wait_idle sleeps
 * exactly what the device asks while it is busy and never after the status
 * that ends the wait, so a device that answers dfuDNLOAD-IDLE at once
 * (some repeat their last bwPollTimeout there) costs no sleep at all.
 */
static int dfuse_wait(struct dfu_session *s, const char *what)
{
	struct dfu_status_reply st;
	int rc = dfu_wait_idle(s, &st, what);

	if (rc < 0)
		return rc;
	if (st.bState != DFU_STATE_DFU_DNLOAD_IDLE) {
		log_error("device went to %s after %s, expected dfuDNLOAD-IDLE",
			  dfu_state_name(st.bState), what);
		return DFU_E_PROTOCOL;
	}
	return 0;
}

/* One DfuSe command: DNLOAD block 0 with the payload, then the status wait. */
static int dfuse_command(struct dfu_session *s, const unsigned char *cmd, uint16_t len,
			 const char *what)
{
	int rc;

	log_debug(2, "DfuSe command: %s", what);
	rc = dfu_dnload_ctx(s, 0, cmd, len, what);
	if (rc < 0)
		return rc;
	return dfuse_wait(s, what);
}

static void dfuse_put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)((v >> 8) & 0xff);
	p[2] = (unsigned char)((v >> 16) & 0xff);
	p[3] = (unsigned char)((v >> 24) & 0xff);
}

static int dfuse_address_command(struct dfu_session *s, uint8_t code, uint32_t addr,
				 const char *what)
{
	unsigned char cmd[5];

	cmd[0] = code;
	dfuse_put_le32(cmd + 1, addr);
	return dfuse_command(s, cmd, sizeof(cmd), what);
}

int dfuse_set_address(struct dfu_session *s, uint32_t addr)
{
	char what[DFUSE_WHAT_LEN];

	snprintf(what, sizeof(what), "set address 0x%08" PRIx32, addr);
	return dfuse_address_command(s, DFUSE_CMD_SET_ADDRESS, addr, what);
}

int dfuse_erase_page(struct dfu_session *s, uint32_t addr)
{
	char what[DFUSE_WHAT_LEN];

	snprintf(what, sizeof(what), "erase of page 0x%08" PRIx32, addr);
	return dfuse_address_command(s, DFUSE_CMD_ERASE, addr, what);
}

int dfuse_mass_erase(struct dfu_session *s)
{
	static const unsigned char cmd[1] = { DFUSE_CMD_ERASE };

	return dfuse_command(s, cmd, sizeof(cmd), "mass erase");
}

int dfuse_read_unprotect(struct dfu_session *s)
{
	static const unsigned char cmd[1] = { DFUSE_CMD_READ_UNPROTECT };
	struct dfu_status_reply st;
	int rc;

	rc = dfu_dnload_ctx(s, 0, cmd, sizeof(cmd), "read unprotect command");
	if (rc < 0)
		return rc;
	/*
	 * The device answers dfuDNBUSY, then erases all of its flash and
	 * resets without another word (AN3156): wait for nothing more.
	 */
	rc = dfu_getstatus_or_gone(s, &st, "device reset to apply the read unprotect",
				   "after the read unprotect command");
	if (rc != 0)
		return rc < 0 ? rc : 0;
	log_note("read unprotect accepted: the device erases its flash and resets");
	return 0;
}

int dfuse_get_commands(struct dfu_session *s, unsigned char *buf, size_t len)
{
	uint16_t want = len > 65535 ? 65535 : (uint16_t)len;
	int n, rc;

	/* UPLOAD is only allowed from dfuIDLE; a previous command leaves dfuDNLOAD-IDLE. */
	rc = dfu_abort(s);
	if (rc < 0)
		return rc;
	n = dfu_upload_ctx(s, 0, buf, want, "block 0 (Get Commands)");
	if (n < 0)
		return n;
	rc = dfu_abort(s);
	if (rc < 0)
		return rc;
	return n;
}

int dfuse_leave(struct dfu_session *s, int set_address, uint32_t addr)
{
	struct dfu_status_reply st;
	int rc;

	if (set_address) {
		rc = dfuse_set_address(s, addr);
		if (rc < 0)
			return rc;
	}
	rc = dfu_dnload_last(s, DFUSE_LEAVE_BLOCK, "device left DFU mode");
	if (rc == 1)
		return 0;
	if (rc < 0) {
		log_error("leave request (zero-length DNLOAD) failed: %s", usb_strerror(rc));
		log_debug(1, "DNLOAD: %s", usb_errname(rc));
		return DFU_E_IO;
	}
	/*
	 * The leave runs on this GETSTATUS: the device answers dfuMANIFEST
	 * and disconnects, or is already gone.  Both mean it left.
	 */
	rc = dfu_getstatus_or_gone(s, &st, "device left DFU mode", "after the leave request");
	if (rc != 0)
		return rc < 0 ? rc : 0;
	switch (st.bState) {
	case DFU_STATE_DFU_MANIFEST_SYNC:
	case DFU_STATE_DFU_MANIFEST:
	case DFU_STATE_DFU_MANIFEST_WAIT_RESET:
		if (set_address)
			log_note("device left DFU mode to start the application at 0x%08" PRIx32,
				 addr);
		else
			log_note("device left DFU mode");
		return 0;
	default:
		log_warn("device stayed in %s after the leave request", dfu_state_name(st.bState));
		return 1;
	}
}

/* After the last block of a write that resets the device: expect silence. */
static int dfuse_await_reset(struct dfu_session *s, const char *what)
{
	struct dfu_status_reply st;
	char gone[160], when[128];
	int rc;

	snprintf(gone, sizeof(gone), "device reset after %s, as expected", what);
	snprintf(when, sizeof(when), "after %s", what);
	rc = dfu_getstatus_or_gone(s, &st, gone, when);
	if (rc != 0)
		return rc;
	switch (st.bState) {
	case DFU_STATE_DFU_DNBUSY:
		/* It programs and resets now: another GETSTATUS would never be answered. */
		log_note("device is applying the last block and will reset");
		return 1;
	case DFU_STATE_DFU_DNLOAD_IDLE:
		return 0;
	default:
		log_error("device went to %s after %s, expected dfuDNBUSY",
			  dfu_state_name(st.bState), what);
		return DFU_E_PROTOCOL;
	}
}

/*
 * After a block of n bytes, in both loops: count it for the progress bar
 * (done, when not NULL), and take the next block number, or a fresh
 * SET_ADDRESS where the number would wrap.
 */
static void dfuse_next_block(struct dfu_session *s, uint16_t *block, int *need_address,
			     uint64_t *done, size_t n)
{
	if (done) {
		*done += n;
		progress_update(*done, usb_now_ms(s->be));
	}
	if (*block == DFUSE_LAST_BLOCK)
		*need_address = 1;
	else
		(*block)++;
}

/*
 * The write loop shared by dfuse_write and the executor.  done, when not
 * NULL, counts bytes for the progress bar the caller started.
 */
static int dfuse_write_blocks(struct dfu_session *s, uint32_t addr, const unsigned char *data,
			      size_t len, unsigned int flags, uint64_t *done)
{
	char what[DFUSE_WHAT_LEN];
	uint16_t block = DFUSE_FIRST_BLOCK;
	int need_address = 1;
	size_t off = 0;
	int rc;

	rc = dfuse_check_transfer_size(s);
	if (rc < 0)
		return rc;
	rc = dfuse_check_range(addr, len, "write");
	if (rc < 0)
		return rc;

	while (off < len) {
		uint16_t chunk = len - off < s->transfer_size ? (uint16_t)(len - off)
							      : s->transfer_size;
		uint32_t at = addr + (uint32_t)off;

		/* Between requests, in dfuIDLE or dfuDNLOAD-IDLE: a safe place to stop. */
		if (!(flags & DFUSE_WRITE_NO_STOP)) {
			snprintf(what, sizeof(what), "before writing 0x%08" PRIx32, at);
			rc = interrupt_check(what);
			if (rc < 0)
				return rc;
		}
		/*
		 * The device puts block n at pointer + (n - 2) * wTransferSize:
		 * one SET_ADDRESS per run, and a fresh one before the block
		 * number would wrap (or before every block for devices that
		 * mishandle the increment).  Some boot loaders multiply by the
		 * block's wLength instead: a short last block after others gets
		 * its own SET_ADDRESS, as block 2, where both agree.
		 */
		if (block != DFUSE_FIRST_BLOCK && chunk < s->transfer_size)
			need_address = 1;
		if (need_address || (flags & DFUSE_WRITE_ADDRESS_EVERY_BLOCK)) {
			rc = dfuse_set_address(s, at);
			if (rc < 0)
				return rc;
			block = DFUSE_FIRST_BLOCK;
			need_address = 0;
		}
		snprintf(what, sizeof(what), "write of block %u at 0x%08" PRIx32, (unsigned int)block,
			 at);
		log_debug(3, "DNLOAD %s, %u bytes", what, (unsigned int)chunk);
		rc = dfu_dnload_ctx(s, block, data + off, chunk, what);
		if (rc < 0)
			return rc;
		off += chunk;
		if (off == len && (flags & DFUSE_WRITE_WILL_RESET)) {
			rc = dfuse_await_reset(s, what);
			if (rc >= 0 && done)
				*done += chunk;
			return rc;
		}
		rc = dfuse_wait(s, what);
		if (rc < 0)
			return rc;
		dfuse_next_block(s, &block, &need_address, done, chunk);
	}
	return 0;
}

int dfuse_write(struct dfu_session *s, uint32_t addr, const unsigned char *data, size_t len,
		unsigned int flags)
{
	return dfuse_write_blocks(s, addr, data, len, flags, NULL);
}

/*
 * The read loop: UPLOAD blocks of request bytes from addr, keeping len
 * bytes in all, fed to sink.  done, when not NULL, drives the progress bar.
 */
static int dfuse_read_blocks(struct dfu_session *s, uint32_t addr, uint64_t len,
			     uint16_t request, dfu_sink_fn sink, void *ctx, uint64_t *done)
{
	char what[DFUSE_WHAT_LEN];
	unsigned char *buf;
	uint16_t block = DFUSE_FIRST_BLOCK;
	int need_address = 1, started = 0;
	uint64_t off = 0;
	int rc = 0;

	if (request == 0) {
		log_error("invalid upload request size 0");
		return DFU_E_USAGE;
	}
	rc = dfuse_check_range(addr, len, "read");
	if (rc < 0 || len == 0)
		return rc;
	buf = malloc(request);
	if (!buf) {
		log_error("out of memory");
		return DFU_E_NOMEM;
	}

	while (off < len) {
		uint32_t at = addr + (uint32_t)off;
		uint16_t keep = len - off < request ? (uint16_t)(len - off) : request;
		int n;

		snprintf(what, sizeof(what), "before reading 0x%08" PRIx32, at);
		rc = interrupt_check(what);
		if (rc < 0)
			goto out;
		if (need_address) {
			/*
			 * SET_ADDRESS is a DNLOAD: not allowed in dfuUPLOAD-IDLE,
			 * and UPLOAD is not allowed in the dfuDNLOAD-IDLE it
			 * leaves, hence an ABORT on either side.
			 */
			if (started) {
				rc = dfu_abort(s);
				if (rc < 0)
					goto out;
			}
			rc = dfuse_set_address(s, at);
			if (rc < 0)
				goto out;
			rc = dfu_abort(s);
			if (rc < 0)
				goto out;
			block = DFUSE_FIRST_BLOCK;
			need_address = 0;
			started = 1;
		}
		snprintf(what, sizeof(what), "read of block %u at 0x%08" PRIx32, (unsigned int)block,
			 at);
		/* Always the full request: the device may compute the address from wLength. */
		n = dfu_upload_ctx(s, block, buf, request, what);
		if (n < 0) {
			rc = n;
			goto out;
		}
		if (n < keep) {
			log_error("device sent %d bytes for UPLOAD %s, %u expected", n, what,
				  (unsigned int)keep);
			rc = DFU_E_PROTOCOL;
			goto out;
		}
		rc = sink(ctx, buf, keep);
		if (rc < 0)
			goto out;
		off += keep;
		dfuse_next_block(s, &block, &need_address, done, keep);
	}
	/* Back to dfuIDLE (harmless if a short last block already got it there). */
	rc = dfu_abort(s);
out:
	free(buf);
	return rc;
}

struct dfuse_mem_sink {
	unsigned char *buf;
	size_t len, pos;
};

static int dfuse_mem_sink_fn(void *ctx, const unsigned char *data, size_t len)
{
	struct dfuse_mem_sink *m = ctx;

	/* dfuse_read_blocks never keeps more than asked for. */
	if (len > m->len - m->pos)
		len = m->len - m->pos;
	memcpy(m->buf + m->pos, data, len);
	m->pos += len;
	return 0;
}

int dfuse_read(struct dfu_session *s, uint32_t addr, unsigned char *buf, size_t len)
{
	struct dfuse_mem_sink m = { buf, len, 0 };
	int rc = dfuse_check_transfer_size(s);

	if (rc < 0)
		return rc;
	return dfuse_read_blocks(s, addr, len, s->transfer_size, dfuse_mem_sink_fn, &m, NULL);
}

int64_t dfuse_upload(struct dfu_session *s, const struct dfuse_upload_plan *p,
		     dfu_sink_fn sink, void *ctx)
{
	uint64_t done = 0;
	size_t i;
	int rc;

	progress_start("Upload", p->length, usb_now_ms(s->be));
	for (i = 0; i < p->n_runs; i++) {
		const struct dfuse_upload_run *r = &p->runs[i];

		if (r->request == 0 || r->request > 65535) {
			log_error("invalid upload request size %" PRIu32, r->request);
			return DFU_E_USAGE;
		}
		rc = dfuse_read_blocks(s, r->address, r->len, (uint16_t)r->request, sink, ctx,
				       &done);
		if (rc < 0)
			return rc;
	}
	progress_end(done, usb_now_ms(s->be));
	return (int64_t)done;
}

/*
 * Read len bytes at addr into data, within readable memory when the map is
 * known; done, when not NULL, drives the progress bar.
 */
static int dfuse_read_range(struct dfu_session *s, const struct dfuse_map *map,
			    int every_block, uint32_t addr, unsigned char *data, uint32_t len,
			    uint64_t *done)
{
	struct dfuse_upload_plan up;
	size_t i;
	int rc = 0;

	if (!map && !every_block) {
		struct dfuse_mem_sink m = { data, len, 0 };

		return dfuse_read_blocks(s, addr, len, s->transfer_size, dfuse_mem_sink_fn, &m,
					 done);
	}
	if (!map) {
		/* One SET_ADDRESS per block: block 2 is at the pointer whatever the formula. */
		uint32_t off;

		for (off = 0; off < len; off += s->transfer_size) {
			uint32_t n = len - off < s->transfer_size ? len - off : s->transfer_size;
			struct dfuse_mem_sink m = { data + off, n, 0 };

			rc = dfuse_read_blocks(s, addr + off, n, s->transfer_size,
					       dfuse_mem_sink_fn, &m, done);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	memset(&up, 0, sizeof(up));
	rc = dfuse_upload_plan_build(map, addr, 1, len, s->transfer_size, every_block, &up);
	if (rc < 0)
		return rc;
	for (i = 0; i < up.n_runs; i++) {
		const struct dfuse_upload_run *u = &up.runs[i];
		struct dfuse_mem_sink m;

		if (u->request == 0 || u->request > 65535) {
			log_error("invalid upload request size %" PRIu32, u->request);
			rc = DFU_E_USAGE;
			break;
		}
		m.buf = data + (u->address - addr);
		m.len = u->len;
		m.pos = 0;
		rc = dfuse_read_blocks(s, u->address, u->len, (uint16_t)u->request,
				       dfuse_mem_sink_fn, &m, done);
		if (rc < 0)
			break;
	}
	dfuse_upload_plan_free(&up);
	return rc;
}

/* Read one preserved range back. */
static int dfuse_read_back(struct dfu_session *s, const struct dfuse_map *map,
			   int every_block, struct dfuse_read *r)
{
	return dfuse_read_range(s, map, every_block, r->address, r->data, r->len, NULL);
}

/* 1 when every byte of [addr, addr + len) lies in readable segments of map. */
static int dfuse_readable(const struct dfuse_map *map, uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len;

	if (!map)
		return 1;
	while (addr < end) {
		const struct dfuse_segment *g = dfuse_map_find(map, (uint32_t)addr);

		if (!g || !dfuse_segment_can(g, DFUSE_READABLE))
			return 0;
		addr = (uint64_t)g->last + 1;
	}
	return 1;
}

int dfuse_skip_scan(struct dfu_session *s, struct dfuse_plan *plan, const struct dfuse_map *map)
{
	unsigned char *action, *now = NULL;
	uint64_t total = 0, done = 0;
	uint32_t max = 0;
	size_t i, j;
	int rc = 0;

	if (plan->n_erases == 0) {
		plan->skip_checked = 1;
		return 0;
	}
	action = calloc(plan->n_erases, 1);
	for (i = 0; i < plan->n_erases; i++) {
		if (plan->erases[i].size > max)
			max = plan->erases[i].size;
		if (dfuse_readable(map, plan->erases[i].address, plan->erases[i].size))
			total += plan->erases[i].size;
	}
	now = action ? malloc(max) : NULL;
	if (!action || !now) {
		free(action);
		free(now);
		log_error("out of memory");
		return DFU_E_NOMEM;
	}
	progress_start("Upload", total, usb_now_ms(s->be));
	for (i = 0; i < plan->n_erases; i++) {
		const struct dfuse_page *pg = &plan->erases[i];

		/* Memory that cannot be read back is erased and written as always. */
		if (!dfuse_readable(map, pg->address, pg->size)) {
			action[i] = DFUSE_PAGE_ERASE;
			continue;
		}
		rc = dfuse_read_range(s, map, plan->every_block, pg->address, now, pg->size, &done);
		if (rc < 0)
			break;
		action[i] = (unsigned char)dfuse_plan_page_action(plan, i, now);
		/* The preserved bytes were read with the page: no second read. */
		for (j = 0; j < plan->n_reads; j++) {
			struct dfuse_read *r = &plan->reads[j];
			uint64_t a = r->address > pg->address ? r->address : pg->address;
			uint64_t b = (uint64_t)r->address + r->len;

			if (b > (uint64_t)pg->address + pg->size)
				b = (uint64_t)pg->address + pg->size;
			if (a < b)
				memcpy(r->data + (a - r->address), now + (a - pg->address),
				       (size_t)(b - a));
		}
	}
	if (rc == 0) {
		progress_end(done, usb_now_ms(s->be));
		rc = dfuse_plan_skip(plan, action);
	}
	free(now);
	free(action);
	return rc;
}

/* One piece of memory to verify: len bytes at address should hold data. */
struct dfuse_vpiece {
	uint32_t address;
	uint32_t len;
	const unsigned char *data;
};

static int dfuse_vpiece_cmp(const void *a, const void *b)
{
	const struct dfuse_vpiece *x = a, *y = b;

	return x->address < y->address ? -1 : x->address > y->address;
}

int dfuse_verify(struct dfu_session *s, const struct dfuse_plan *plan,
		 const struct dfuse_map *map)
{
	struct dfuse_vpiece *pc;
	size_t n = 0, i, j;
	uint64_t total = 0, done = 0, differ = 0, unread = 0;
	uint32_t first = 0;
	unsigned char want_b = 0, got_b = 0;
	int rc = 0;

	rc = dfuse_check_transfer_size(s);
	if (rc < 0)
		return rc;
	pc = calloc(plan->n_runs + plan->n_reads + 1, sizeof(*pc));
	if (!pc) {
		log_error("out of memory");
		return DFU_E_NOMEM;
	}
	/* What was written, and the preserved bytes of the erased pages (0xFF or not). */
	for (i = 0; i < plan->n_runs; i++) {
		pc[n].address = plan->runs[i].address;
		pc[n].len = plan->runs[i].len;
		pc[n].data = plan->runs[i].data;
		n++;
	}
	for (i = 0; i < plan->n_reads; i++) {
		pc[n].address = plan->reads[i].address;
		pc[n].len = plan->reads[i].len;
		pc[n].data = plan->reads[i].data;
		n++;
	}
	qsort(pc, n, sizeof(*pc), dfuse_vpiece_cmp);
	for (i = 0, j = 0; i < n; i++) {
		if (pc[i].len == 0)
			continue;
		if (!dfuse_readable(map, pc[i].address, pc[i].len)) {
			unread += pc[i].len;
			continue;
		}
		pc[j++] = pc[i];
	}
	n = j;
	for (i = 0; i < n; i++)
		total += pc[i].len;
	if (unread)
		log_warn("%" PRIu64 " bytes written to memory that cannot be read back are not "
			 "verified", unread);
	if (total)
		progress_start("Verify", total, usb_now_ms(s->be));
	/* Overlapping or touching pieces form one span: one read each. */
	for (i = 0; i < n && rc == 0; i = j) {
		uint64_t start = pc[i].address, end = start + pc[i].len, k;
		unsigned char *want, *got;

		for (j = i + 1; j < n && pc[j].address <= end; j++)
			if ((uint64_t)pc[j].address + pc[j].len > end)
				end = (uint64_t)pc[j].address + pc[j].len;
		want = malloc((size_t)(end - start));
		got = want ? malloc((size_t)(end - start)) : NULL;
		if (!got) {
			free(want);
			log_error("out of memory");
			rc = DFU_E_NOMEM;
			break;
		}
		for (k = i; k < j; k++)
			memcpy(want + (pc[k].address - start), pc[k].data, pc[k].len);
		rc = dfuse_read_range(s, map, plan->every_block, (uint32_t)start, got,
				      (uint32_t)(end - start), &done);
		for (k = 0; rc == 0 && k < end - start; k++) {
			if (want[k] == got[k])
				continue;
			if (differ++ == 0) {
				first = (uint32_t)(start + k);
				want_b = want[k];
				got_b = got[k];
			}
		}
		free(want);
		free(got);
	}
	free(pc);
	if (rc < 0)
		return rc;
	if (total)
		progress_end(done, usb_now_ms(s->be));
	if (differ) {
		log_error("verify failed: %" PRIu64 " byte%s of %" PRIu64 " differ, the first at "
			  "0x%08" PRIX32 " (written 0x%02X, read back 0x%02X)", differ,
			  differ == 1 ? "" : "s", total, first, want_b, got_b);
		log_hint("the device reported every write as done: flash again, and check the "
			 "cable and the memory");
		return DFU_E_VERIFY;
	}
	log_note("verify: %" PRIu64 " bytes read back, all as written", total);
	return 0;
}

static int dfuse_exec_reads(struct dfu_session *s, struct dfuse_plan *plan,
			    const struct dfuse_map *map)
{
	uint64_t total = 0;
	size_t i;
	int rc;

	for (i = 0; i < plan->n_reads; i++) {
		struct dfuse_read *r = &plan->reads[i];

		rc = dfuse_read_back(s, map, plan->every_block, r);
		if (rc < 0)
			return rc;
		total += r->len;
		log_debug(1, "read back 0x%08" PRIx32 "-0x%08" PRIx32 " (%" PRIu32
			  " bytes) to keep it through the erase",
			  r->address, r->address + r->len - 1, r->len);
	}
	/* Now that the old bytes are known, lay the runs out again with them. */
	rc = dfuse_plan_layout(plan);
	if (rc < 0)
		return rc;
	log_debug(1, "preserving %" PRIu64 " bytes outside the data: %" PRIu64
		  " rewritten, the rest read back as erased (0xFF)",
		  total, plan->preserved_bytes);
	return 0;
}

/* What became of each erased page, for the closing message of a stopped run. */
enum dfuse_page_state {
	DFUSE_PAGE_UNTOUCHED,
	DFUSE_PAGE_ERASED,	/* erased, none of its runs written */
	DFUSE_PAGE_PARTLY,	/* erased, some of its runs written */
	DFUSE_PAGE_WRITTEN,
	DFUSE_PAGE_RESCUED,	/* a first page: erased, its preserved bytes written back */
};

static const char *dfuse_page_state_words(enum dfuse_page_state st)
{
	switch (st) {
	case DFUSE_PAGE_UNTOUCHED:	return "untouched";
	case DFUSE_PAGE_ERASED:		return "erased, not written";
	case DFUSE_PAGE_PARTLY:		return "erased, partly written";
	case DFUSE_PAGE_WRITTEN:	return "written";
	case DFUSE_PAGE_RESCUED:	return "erased (image start; bytes outside the image kept)";
	default:			return "?";
	}
}

struct dfuse_exec {
	struct dfu_session *s;
	struct dfuse_plan *plan;
	unsigned char *state;		/* enum dfuse_page_state per erases[] */
	size_t *runs_done;		/* per erases[] */
	size_t held;			/* a first page erased and not yet written, or DFUSE_NO_PAGE */
	uint64_t done;			/* bytes written, for the progress bar */
	uint64_t erased;		/* bytes erased */
	size_t erases_left;		/* while > 0 the Erase bar is shown */
	int download_bar;		/* the Download bar is shown */
	int mass_erased;
};

/*
 * Two bars in the classic order, as wrappers expect them: "Erase" counts
 * the pages erased (the page writes between erases go unshown), and once
 * the last page is erased "Download" takes over from the bytes written
 * so far (what is left is the image's first page).
 */
static void dfuse_exec_bar_erased(struct dfuse_exec *x)
{
	uint64_t now = usb_now_ms(x->s->be);

	progress_update(x->erased, now);
	if (--x->erases_left > 0)
		return;
	progress_end(x->erased, now);
	progress_start("Download", x->plan->write_bytes, now);
	progress_update(x->done, now);
	x->download_bar = 1;
}

/* Say once, before the first erase, which bytes a device without upload loses. */
static void dfuse_warn_lost(const struct dfuse_plan *plan)
{
	char list[512];
	size_t i, used = 0;

	list[0] = '\0';
	for (i = 0; i < plan->n_lost && used + 40 < sizeof(list); i++) {
		int n = snprintf(list + used, sizeof(list) - used, "%s0x%08" PRIX32 "-0x%08" PRIX32,
				 i ? ", " : "", plan->lost[i].address,
				 plan->lost[i].address + plan->lost[i].len - 1);

		if (n > 0)
			used += (size_t)n;
	}
	if (i < plan->n_lost)
		snprintf(list + used, sizeof(list) - used, " and %lu more",
			 (unsigned long)(plan->n_lost - i));
	log_warn("the device cannot upload, so %" PRIu64 " bytes of the erased pages outside the "
		 "data will be erased without being preserved: %s", plan->lost_bytes, list);
	log_hint("pad the file to page boundaries, or add :no-preserve to -s to accept this "
		 "without a warning");
}

/*
 * After a stop with a first page held erased: write back its preserved
 * bytes, so that only the image's own bytes stay blank.  Only when none
 * of its runs was written (writing a byte twice is not allowed on all
 * flash).
 */
static void dfuse_exec_rescue(struct dfuse_exec *x)
{
	const struct dfuse_plan *plan = x->plan;
	size_t p = x->held, i;
	int rc;

	if (p == DFUSE_NO_PAGE || x->state[p] != DFUSE_PAGE_ERASED)
		return;
	for (i = 0; i < plan->n_rescues; i++)
		if (plan->rescues[i].page == p)
			break;
	if (i == plan->n_rescues) {
		/* Nothing but 0xFF outside the image: the erase kept it all. */
		x->state[p] = DFUSE_PAGE_RESCUED;
		return;
	}
	log_note("writing back the preserved bytes of page 0x%08" PRIX32
		 " (the image start stays blank)", plan->erases[p].address);
	/* A failed request left the device in dfuERROR: back to dfuIDLE first. */
	rc = dfu_ensure_idle(x->s);
	for (; rc >= 0 && i < plan->n_rescues; i++) {
		const struct dfuse_run *r = &plan->rescues[i];

		if (r->page != p)
			continue;
		rc = dfuse_write_blocks(x->s, r->address, r->data, r->len,
					DFUSE_WRITE_NO_STOP |
					(plan->every_block ? DFUSE_WRITE_ADDRESS_EVERY_BLOCK : 0),
					NULL);
	}
	if (rc >= 0)
		x->state[p] = DFUSE_PAGE_RESCUED;
	else
		log_warn("could not write back the preserved bytes of page 0x%08" PRIX32,
			 plan->erases[p].address);
}

/* The closing words of a stopped download: what is done and what is not. */
static void dfuse_exec_report_stop(const struct dfuse_exec *x)
{
	const struct dfuse_plan *plan = x->plan;
	char msg[1024];
	size_t i, j, used = 0;

	if (plan->n_erases == 0) {
		log_warn("download stopped%s: %" PRIu64 " of %" PRIu64 " bytes written",
			 x->mass_erased ? " after the mass erase" : "", x->done, plan->write_bytes);
		return;
	}
	msg[0] = '\0';
	for (i = 0; i < plan->n_erases && used + 120 < sizeof(msg); i = j) {
		uint64_t end = (uint64_t)plan->erases[i].address + plan->erases[i].size;
		int n;

		for (j = i + 1; j < plan->n_erases && x->state[j] == x->state[i] &&
		     plan->erases[j].address == end; j++)
			end += plan->erases[j].size;
		n = snprintf(msg + used, sizeof(msg) - used, "%s0x%08" PRIX32 "-0x%08" PRIX64 " %s",
			     i ? "; " : "", plan->erases[i].address, end - 1,
			     dfuse_page_state_words((enum dfuse_page_state)x->state[i]));
		if (n > 0)
			used += (size_t)n;
	}
	if (i < plan->n_erases)
		snprintf(msg + used, sizeof(msg) - used, "; ...");
	log_warn("download stopped: pages %s", msg);
	for (i = 0; i < plan->n_erases; i++) {
		if (!plan->erases[i].first)
			continue;
		if (x->state[i] == DFUSE_PAGE_RESCUED || x->state[i] == DFUSE_PAGE_ERASED ||
		    x->state[i] == DFUSE_PAGE_PARTLY)
			log_warn("image start 0x%08" PRIX32 " not written: the boot loader will "
				 "not start it; flash again", plan->erases[i].address);
	}
}

/* Carry out the steps; on a stop, rescue the held page and report. */
static int dfuse_exec_steps(struct dfuse_exec *x, const struct dfuse_exec_options *opt)
{
	struct dfuse_plan *plan = x->plan;
	struct dfu_session *s = x->s;
	size_t i, last_write = DFUSE_NO_PAGE;
	int rc = 0;

	for (i = 0; i < plan->n_steps; i++)
		if (plan->steps[i].kind == DFUSE_STEP_WRITE)
			last_write = i;
	x->erases_left = plan->n_erases;
	if (x->erases_left) {
		progress_start("Erase", plan->erase_bytes, usb_now_ms(s->be));
	} else {
		progress_start("Download", plan->write_bytes, usb_now_ms(s->be));
		x->download_bar = 1;
	}
	for (i = 0; i < plan->n_steps; i++) {
		const struct dfuse_step *st = &plan->steps[i];
		char where[DFUSE_WHAT_LEN];

		if (st->stop_ok) {
			if (st->kind == DFUSE_STEP_ERASE)
				snprintf(where, sizeof(where), "before erasing page 0x%08" PRIx32,
					 plan->erases[st->index].address);
			else
				snprintf(where, sizeof(where), "before writing 0x%08" PRIx32,
					 plan->runs[st->index].address);
			rc = interrupt_check(where);
			if (rc < 0)
				break;
		}
		if (st->kind == DFUSE_STEP_ERASE) {
			const struct dfuse_page *pg = &plan->erases[st->index];

			log_debug(2, "erasing %" PRIu32 " bytes at 0x%08" PRIx32, pg->size,
				  pg->address);
			rc = dfuse_erase_page(s, pg->address);
			if (rc < 0)
				break;
			x->state[st->index] = pg->n_runs ? DFUSE_PAGE_ERASED : DFUSE_PAGE_WRITTEN;
			if (pg->first && pg->n_runs)
				x->held = st->index;
			x->erased += pg->size;
			dfuse_exec_bar_erased(x);
		} else {
			const struct dfuse_run *r = &plan->runs[st->index];
			unsigned int flags = plan->every_block ? DFUSE_WRITE_ADDRESS_EVERY_BLOCK : 0;

			/* An image start is written whole, blank or mass-erased too. */
			if (r->page != DFUSE_NO_PAGE || st->image_start)
				flags |= DFUSE_WRITE_NO_STOP;
			if (opt->will_reset && i == last_write)
				flags |= DFUSE_WRITE_WILL_RESET;
			log_debug(2, "writing %" PRIu32 " bytes at 0x%08" PRIx32 " in %" PRIu32
				  " blocks", r->len, r->address, r->n_blocks);
			if (x->download_bar) {
				rc = dfuse_write_blocks(s, r->address, r->data, r->len, flags,
							&x->done);
			} else {
				rc = dfuse_write_blocks(s, r->address, r->data, r->len, flags,
							NULL);
				if (rc >= 0)
					x->done += r->len;
			}
			if (r->page != DFUSE_NO_PAGE) {
				size_t p = r->page;

				/* A failed run may have written some blocks: count it as begun. */
				x->runs_done[p]++;
				x->state[p] = x->runs_done[p] == plan->erases[p].n_runs && rc >= 0 ?
					      DFUSE_PAGE_WRITTEN : DFUSE_PAGE_PARTLY;
				if (p == x->held && x->state[p] == DFUSE_PAGE_WRITTEN)
					x->held = DFUSE_NO_PAGE;
			}
			if (rc < 0)
				break;
			if (rc == 1) {
				progress_end(x->done, usb_now_ms(s->be));
				return 1;
			}
		}
	}
	if (rc < 0) {
		dfuse_exec_rescue(x);
		dfuse_exec_report_stop(x);
		return rc;
	}
	progress_end(x->done, usb_now_ms(s->be));
	return 0;
}

int dfuse_execute(struct dfu_session *s, struct dfuse_plan *plan,
		  const struct dfuse_exec_options *opt)
{
	static const struct dfuse_exec_options defaults = { NULL, 0, 0 };
	struct dfuse_exec x;
	int rc;

	if (!opt)
		opt = &defaults;
	rc = dfuse_check_transfer_size(s);
	if (rc < 0)
		return rc;
	if (plan->transfer_size != s->transfer_size) {
		log_error("plan made for transfer size %" PRIu32 ", device uses %u",
			  plan->transfer_size, (unsigned int)s->transfer_size);
		return DFU_E_USAGE;
	}

	/* Every read-back before the first erase: a stop here changes nothing. */
	if (plan->n_reads && !plan->skip_checked) {
		rc = dfuse_exec_reads(s, plan, opt->map);
		if (rc < 0)
			return rc;
	}
	/* Now the runs are final: what -v shows is what is sent. */
	if (opt->describe)
		dfuse_plan_describe(plan);
	if (plan->n_lost)
		dfuse_warn_lost(plan);

	memset(&x, 0, sizeof(x));
	x.s = s;
	x.plan = plan;
	x.held = DFUSE_NO_PAGE;
	x.state = calloc(plan->n_erases + 1, 1);
	x.runs_done = calloc(plan->n_erases + 1, sizeof(*x.runs_done));
	if (!x.state || !x.runs_done) {
		free(x.state);
		free(x.runs_done);
		log_error("out of memory");
		return DFU_E_NOMEM;
	}
	if (plan->mass_erase) {
		log_note("mass erase");
		rc = interrupt_check("before the mass erase");
		if (rc == 0)
			rc = dfuse_mass_erase(s);
		x.mass_erased = rc == 0;
	}
	/* --skip-unchanged may leave nothing to do: no bars then. */
	if (rc == 0 && plan->n_steps)
		rc = dfuse_exec_steps(&x, opt);
	free(x.state);
	free(x.runs_done);
	return rc;
}
