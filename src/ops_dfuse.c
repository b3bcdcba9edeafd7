/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * The DfuSe operations: a raw file to an address, a .dfu file target by
 * target, an upload by address, and the commands of -s.  Every job is
 * turned into plans and checked against the memory maps of the alt
 * settings it touches before the first request that changes the device,
 * so a bad element late in a file cannot leave a half-written device.
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "dfuse.h"
#include "dfuse_map.h"
#include "errors.h"
#include "interrupt.h"
#include "log.h"

#define OPS_DFUSE_LABEL_MAX	48

/* Everything one alt setting receives: its map, its data, its plan. */
struct ops_dfuse_job {
	struct dfu_if d;
	struct dfuse_map map;
	size_t n_chunks;
	struct dfuse_chunk *chunks;
	char (*labels)[OPS_DFUSE_LABEL_MAX];
	struct dfuse_plan plan;
};

/*
 * Real DfuSe devices do not always say so (bcdDFU 0x1a01, no functional
 * descriptor): with -s or a .dfu file, an alt name that is a DfuSe memory
 * map is taken as the device's word.  Whatever made the choice other than bcdDFU
 * 0x011a is said in one line.
 */
void ops_dfuse_decide(struct dfu_if *d, const struct dfuse_request *req, int dfuse_file)
{
	const char *given = req ? "-s given" : "a DfuSe file given";
	struct dfuse_map *m;
	char err[600];

	if (!d->dfuse && (req || dfuse_file) && !d->runtime && d->name[0] == '@') {
		m = malloc(sizeof(*m));
		if (m && dfuse_map_parse(d->name, m, err, sizeof(err)) == 0) {
			d->dfuse = 1;
			d->dfuse_why = DFUSE_BY_MAP;
		}
		free(m);
	}
	switch (d->dfuse_why) {
	case DFUSE_BY_MAP:
		if (d->has_func)
			log_note("driving %04x:%04x as DfuSe: %s and alt setting %u's name is a DfuSe memory map (bcdDFU %04x)",
				 d->vid, d->pid, given, d->alt, d->func.bcdDFUVersion);
		else
			log_note("driving %04x:%04x as DfuSe: %s and alt setting %u's name is a DfuSe memory map (no DFU functional descriptor)",
				 d->vid, d->pid, given, d->alt);
		break;
	case DFUSE_BY_QUIRK_VERSION:
	case DFUSE_BY_QUIRK:
		log_note("driving %04x:%04x as DfuSe: quirk %s (bcdDFU %04x)", d->vid, d->pid,
			 d->dfuse_why == DFUSE_BY_QUIRK ? "dfuse" : "dfu-version=0x011a",
			 d->func.bcdDFUVersion);
		break;
	default:
		break;
	}
}

int ops_dfuse_has_command(const struct dfuse_request *req)
{
	return req && (req->leave || req->mass_erase || req->unprotect);
}

/*
 * The memory map in d's interface string.  A map we cannot read is the
 * device's fault (exit 76): flashing by guesswork is how the classic tool
 * wrote over unerased sectors.
 */
static int ops_dfuse_map(const struct dfu_if *d, struct dfuse_map *m)
{
	char err[600];
	int rc;

	/* Its names could not be read: the real trouble is opening it. */
	if (d->open_err) {
		device_report_open_failure(d, d->open_err);
		return DFU_E_IO;
	}
	err[0] = '\0';
	rc = dfuse_map_parse(d->name, m, err, sizeof(err));
	if (rc < 0) {
		log_error("alt setting %u of %04x:%04x: %s", d->alt, d->vid, d->pid, err);
		log_hint("the interface string must describe the memory as @Name/0xADDR/NN*SSSmT,...");
		return rc;
	}
	return 0;
}

/* -v: the map, as notes (on stderr when stdout is the data's, -U -). */
static void ops_dfuse_note_map(const struct dfu_if *d, const struct dfuse_map *m)
{
	char line[160];
	int i;

	if (log_verbosity() < 1)
		return;
	log_note("alt setting %u, memory map \"%s\":", d->alt, m->name);
	for (i = 0; i < m->n_segments; i++) {
		dfuse_segment_format(&m->seg[i], line, sizeof(line));
		log_note("  %s", line);
	}
}

/*
 * A DfuSe device puts block n at pointer + (n - 2) * its transfer size,
 * and devices disagree on whether that size is wTransferSize or the
 * block's wLength.  With -t other than wTransferSize only block 2 right
 * after a SET_ADDRESS lands where both formulas agree: address every
 * block.  Also for the set-address-every-block modifier.
 */
static int ops_dfuse_every_block(const struct dfu_options *o, const struct dfu_if *d,
				 const struct dfuse_request *req, uint16_t transfer_size)
{
	if (req && req->set_address_every_block)
		return 1;
	if (d->has_func && d->func.wTransferSize == transfer_size)
		return 0;
	/* -t, a quirk, or the USB stack's limit chose another size. */
	log_debug(1, "transfer size %u%s differs from the device's wTransferSize %u: "
		  "SET_ADDRESS before every block", (unsigned int)transfer_size,
		  o->transfer_size ? " (-t)" : "",
		  d->has_func ? (unsigned int)d->func.wTransferSize : 0u);
	return 1;
}

static void ops_dfuse_plan_options(const struct dfuse_request *req, uint16_t transfer_size,
				   int mass_erase, int every_block, int no_upload,
				   struct dfuse_plan_options *po)
{
	memset(po, 0, sizeof(*po));
	po->preserve = 1;
	if (req) {
		po->force = req->force;
		po->mass_erase = mass_erase && req->mass_erase;
		po->preserve = !req->no_preserve;
	}
	po->no_upload = no_upload;
	po->set_address_every_block = every_block;
	po->transfer_size = transfer_size;
}

static void ops_dfuse_jobs_free(struct ops_dfuse_job *jobs, size_t n)
{
	size_t i;

	if (!jobs)
		return;
	for (i = 0; i < n; i++) {
		dfuse_plan_free(&jobs[i].plan);
		free(jobs[i].chunks);
		free(jobs[i].labels);
	}
	free(jobs);
}

/* Close without -R: the device left, or is about to reset itself. */
static void ops_dfuse_close(struct dfu_session *s, const struct dfu_if *d)
{
	device_close(s->h, d);
	s->h = NULL;
}

/*
 * After the data (or as a command): start the application.  A device that
 * stays in DFU mode is reset, as the caller of dfuse_leave is told to do.
 */
static int ops_dfuse_leave(struct dfu_session *s, const struct dfu_if *d, int set_address,
			   uint32_t addr)
{
	int rc = dfuse_leave(s, set_address, addr);

	if (rc == 1) {
		log_note("resetting the device instead");
		rc = session_usb_reset(s->h);
	}
	ops_dfuse_close(s, d);
	return rc < 0 ? rc : 0;
}

/* Switch the open interface to another alt setting and bring it to dfuIDLE. */
static int ops_dfuse_set_alt(struct dfu_session *s, const struct dfu_if *d, uint8_t alt)
{
	int rc = s->be->ops->set_alt(s->h, d->intf, alt);

	if (rc < 0) {
		log_error("cannot select alt setting %u of interface %u on %04x:%04x: %s",
			  alt, d->intf, d->vid, d->pid, usb_strerror(rc));
		return DFU_E_IO;
	}
	return dfu_ensure_idle(s);
}

/* --skip-unchanged: the closing count of pages. */
static void ops_dfuse_skip_line(const struct dfuse_plan *p)
{
	log_note("pages: %lu skipped (unchanged), %lu written without erase (blank), "
		 "%lu erased", (unsigned long)p->pages_skipped, (unsigned long)p->pages_blank,
		 (unsigned long)p->n_erases);
}

/*
 * A rough page erase time from its size, after typical datasheet figures
 * of STM32 flash (1 KiB pages about 22 ms, 16 KiB sectors 250 ms, 64 KiB
 * 550 ms, 128 KiB 1 s), straight lines between them and beyond.
 */
static double ops_dfuse_erase_ms(uint32_t size)
{
	static const struct { double kib, ms; } pt[] = {
		{ 0, 20 }, { 1, 22 }, { 4, 40 }, { 16, 250 }, { 64, 550 }, { 128, 1000 },
	};
	double kib = size / 1024.0;
	size_t i;

	for (i = 1; i < sizeof(pt) / sizeof(pt[0]); i++)
		if (kib <= pt[i].kib)
			return pt[i - 1].ms + (kib - pt[i - 1].kib) * (pt[i].ms - pt[i - 1].ms) /
			       (pt[i].kib - pt[i - 1].kib);
	return kib / 128.0 * 1000.0;
}

/* --dry-run: what the plan of one alt setting would send, and how long it takes. */
static void ops_dfuse_dry_plan(const struct ops_dfuse_job *j, int read_done)
{
	const struct dfuse_plan *p = &j->plan;
	uint64_t blocks = 0, read_bytes = 0, dnloads;
	double ms = 0;
	size_t i;

	for (i = 0; i < p->n_runs; i++)
		blocks += p->runs[i].n_blocks;
	for (i = 0; i < p->n_reads; i++)
		read_bytes += p->reads[i].len;
	for (i = 0; i < p->n_erases; i++)
		ms += ops_dfuse_erase_ms(p->erases[i].size);
	/* A command or block: DNLOAD, GETSTATUS (busy), GETSTATUS (done). */
	dnloads = p->n_erases + p->n_runs + blocks +
		  (p->mass_erase ? 1 : 0);
	/* Programming runs at about 4 us a byte; each request costs a 1 ms frame. */
	ms += p->write_bytes * 0.004 + dnloads * 3.0;
	if (!read_done)
		ms += read_bytes * 0.001 + p->n_reads * 3.0;
	dfuse_plan_describe(p);
	log_note("dry run, alt setting %u (\"%s\"): %lu page%s to erase (%" PRIu64 " bytes), "
		 "%" PRIu64 " bytes to write in %lu range%s, %s%" PRIu64 " bytes preserved "
		 "outside the data, %lu page%s skipped, %lu blank page%s written without erase",
		 j->d.alt, j->map.name, (unsigned long)p->n_erases, p->n_erases == 1 ? "" : "s",
		 p->erase_bytes, p->write_bytes, (unsigned long)p->n_runs,
		 p->n_runs == 1 ? "" : "s", read_done ? "" : "up to ",
		 read_done ? p->preserved_bytes : read_bytes, (unsigned long)p->pages_skipped,
		 p->pages_skipped == 1 ? "" : "s", (unsigned long)p->pages_blank,
		 p->pages_blank == 1 ? "" : "s");
	log_note("dry run: %" PRIu64 " DNLOAD requests (%lu erase, %lu SET_ADDRESS, %" PRIu64
		 " data blocks), each with its GETSTATUS; about %.1f s of device time",
		 dnloads, (unsigned long)p->n_erases, (unsigned long)p->n_runs, blocks, ms / 1000.0);
}

/*
 * --dry-run: nothing that changes the device.  With --skip-unchanged the
 * session is opened to read the pages (SET_ADDRESS, UPLOAD, ABORT only);
 * otherwise no request is sent at all.
 */
static int ops_dfuse_dry_run(struct usb_backend *be, const struct dfu_options *o,
			     struct ops_dfuse_job *jobs, size_t n_jobs)
{
	struct dfu_session s;
	uint8_t cur_alt;
	size_t i;
	int rc;

	if (!o->skip_unchanged) {
		for (i = 0; i < n_jobs; i++)
			ops_dfuse_dry_plan(&jobs[i], 0);
		log_note("dry run: nothing was sent to the device");
		return 0;
	}
	rc = session_open(be, o, &jobs[0].d, &s);
	if (rc < 0)
		return rc;
	cur_alt = jobs[0].d.alt;
	for (i = 0; i < n_jobs; i++) {
		if (jobs[i].d.alt != cur_alt) {
			rc = ops_dfuse_set_alt(&s, &jobs[i].d, jobs[i].d.alt);
			if (rc < 0)
				break;
			cur_alt = jobs[i].d.alt;
		}
		rc = dfuse_skip_scan(&s, &jobs[i].plan, &jobs[i].map);
		if (rc < 0)
			break;
		ops_dfuse_dry_plan(&jobs[i], 1);
	}
	if (rc < 0) {
		session_abandon(&s, &jobs[0].d);
		return rc;
	}
	ops_dfuse_close(&s, &jobs[0].d);
	log_note("dry run: the device was only read; nothing was erased or written");
	return 0;
}

/*
 * Execute checked plans, one alt setting after the other on one open
 * interface, then leave or finish.
 */
static int ops_dfuse_run(struct usb_backend *be, const struct dfu_options *o,
			 struct ops_dfuse_job *jobs, size_t n_jobs,
			 const struct dfuse_request *req, uint8_t leave_alt, uint32_t leave_addr)
{
	struct dfu_session s;
	uint64_t total = 0;
	uint8_t cur_alt;
	size_t i;
	int rc;

	if (o->dry_run)
		return ops_dfuse_dry_run(be, o, jobs, n_jobs);
	rc = session_open(be, o, &jobs[0].d, &s);
	if (rc < 0)
		return rc;
	cur_alt = jobs[0].d.alt;
	for (i = 0; i < n_jobs; i++) {
		struct ops_dfuse_job *j = &jobs[i];
		struct dfuse_exec_options eo;

		if (j->d.alt != cur_alt) {
			rc = ops_dfuse_set_alt(&s, &j->d, j->d.alt);
			if (rc < 0) {
				session_abandon(&s, &jobs[0].d);
				return rc;
			}
			cur_alt = j->d.alt;
		}
		if (n_jobs > 1)
			log_note("alt setting %u (\"%s\"): %" PRIu64 " bytes", j->d.alt, j->map.name,
				 j->plan.data_bytes);
		memset(&eo, 0, sizeof(eo));
		eo.map = &j->map;
		eo.will_reset = req && req->will_reset && i + 1 == n_jobs;
		eo.describe = log_verbosity() >= 1;
		if (o->skip_unchanged) {
			rc = dfuse_skip_scan(&s, &j->plan, &j->map);
			if (rc < 0) {
				session_abandon(&s, &jobs[0].d);
				return rc;
			}
		}
		rc = dfuse_execute(&s, &j->plan, &eo);
		if (rc < 0) {
			session_abandon(&s, &jobs[0].d);
			return rc;
		}
		if (o->skip_unchanged)
			ops_dfuse_skip_line(&j->plan);
		if (o->verify && rc == 0) {
			rc = dfuse_verify(&s, &j->plan, &j->map);
			if (rc < 0) {
				session_abandon(&s, &jobs[0].d);
				return rc;
			}
		}
		total += j->plan.data_bytes;
		if (rc == 1) {
			log_note("download done: %" PRIu64 " bytes; the device resets itself",
				 total);
			log_note("File downloaded successfully");	/* wrappers match it */
			ops_dfuse_close(&s, &jobs[0].d);
			return 0;
		}
	}
	log_note("download done: %" PRIu64 " bytes", total);
	/* The classic's words, before the leave: wrappers take them as success. */
	log_note("File downloaded successfully");
	/* A signal during the last page: the data are complete, but go no further. */
	if ((req && req->leave) || o->reset || o->final_detach) {
		rc = interrupt_check(req && req->leave ? "before leaving DFU mode"
				     : o->final_detach ? "before DFU_DETACH"
				     : "before the USB reset");
		if (rc < 0) {
			session_abandon(&s, &jobs[0].d);
			return rc;
		}
	}
	if (!req || !req->leave) {
		/* ST's ROM boot loaders come back from a USB reset in DFU mode. */
		if (o->reset && !o->final_detach)
			log_note("a DfuSe boot loader usually stays in DFU mode after -R; "
				 "to start the new firmware, add :leave (-s ADDRESS:leave, or -s :leave)");
		return session_finish_download(&s, o, 0, &jobs[0].d);
	}
	/* DfuSe devices check an address against the selected alt's memory. */
	if (leave_alt != cur_alt) {
		rc = ops_dfuse_set_alt(&s, &jobs[0].d, leave_alt);
		if (rc < 0) {
			session_abandon(&s, &jobs[0].d);
			return rc;
		}
	}
	return ops_dfuse_leave(&s, &jobs[0].d, 1, leave_addr);
}

/* --verify and --skip-unchanged read the device: refused where it cannot. */
static int ops_dfuse_check_extras(const struct dfu_options *o, const struct dfu_if *d,
				  const struct dfuse_request *req, int no_upload)
{
	const char *opt = o->verify ? "--verify" : "--skip-unchanged";

	if (!o->verify && !o->skip_unchanged)
		return 0;
	if (no_upload) {
		log_error("%s needs to read the device back, but %04x:%04x cannot upload "
			  "(no bitCanUpload); nothing was sent", opt, d->vid, d->pid);
		log_hint("leave out --verify and --skip-unchanged for this device");
		return DFU_E_USAGE;
	}
	if (o->verify && req && req->will_reset) {
		log_error("--verify cannot read back after will-reset: the device resets on "
			  "the last block; nothing was sent");
		return DFU_E_USAGE;
	}
	if (o->skip_unchanged && req && req->mass_erase) {
		log_error("--skip-unchanged keeps pages, mass-erase erases them all; "
			  "nothing was sent");
		return DFU_E_USAGE;
	}
	return 0;
}

/* Check every plan, then show the memory maps with -v. */
static int ops_dfuse_plan_all(const struct dfu_options *o, struct ops_dfuse_job *jobs,
			      size_t n_jobs, const struct dfuse_request *req,
			      uint16_t transfer_size)
{
	int every = ops_dfuse_every_block(o, &jobs[0].d, req, transfer_size);
	/* Without bitCanUpload, UPLOAD stalls: nothing can be read back. */
	int no_upload = jobs[0].d.has_func && !(jobs[0].d.func.bmAttributes & DFU_ATTR_CAN_UPLOAD);
	size_t i;
	int rc;

	rc = ops_dfuse_check_extras(o, &jobs[0].d, req, no_upload);
	if (rc < 0)
		return rc;

	for (i = 0; i < n_jobs; i++) {
		struct dfuse_plan_options po;

		/* One mass erase, before the first alt: a second would wipe its data. */
		ops_dfuse_plan_options(req, transfer_size, i == 0, every, no_upload, &po);
		rc = dfuse_plan_build(&jobs[i].map, jobs[i].chunks, jobs[i].n_chunks, &po,
				      &jobs[i].plan);
		if (rc < 0)
			return rc;
	}
	/* The plans themselves are shown once their read-backs made them final. */
	for (i = 0; i < n_jobs; i++)
		ops_dfuse_note_map(&jobs[i].d, &jobs[i].map);
	return 0;
}

/* A raw binary with -s ADDRESS: one chunk on the selected alt setting. */
static int ops_dfuse_raw(struct usb_backend *be, const struct dfu_options *o,
			 const struct dfu_if *d, const struct dfu_file *f,
			 const struct dfuse_request *req)
{
	struct ops_dfuse_job *job;
	uint16_t ts;
	int rc;

	job = calloc(1, sizeof(*job));
	if (!job) {
		log_error("out of memory");
		return DFU_E_NOMEM;
	}
	job->d = *d;
	rc = ops_dfuse_map(d, &job->map);
	if (rc < 0)
		goto out;
	if (!req || !req->has_address) {
		log_error("'%s' is a raw binary: %04x:%04x is a DfuSe device and needs the address to write it to",
			  f->name, d->vid, d->pid);
		if (job->map.n_segments > 0)
			log_hint("give it with -s ADDRESS, e.g. -s 0x%08" PRIx32 " (the start of \"%s\")",
				 job->map.seg[0].start, job->map.name);
		else
			log_hint("give it with -s ADDRESS");
		rc = DFU_E_USAGE;
		goto out;
	}
	rc = session_transfer_size(o, d, &ts);
	if (rc < 0)
		goto out;
	job->chunks = calloc(1, sizeof(*job->chunks));
	if (!job->chunks) {
		log_error("out of memory");
		rc = DFU_E_NOMEM;
		goto out;
	}
	job->n_chunks = 1;
	job->chunks[0].address = req->address;
	job->chunks[0].data = f->data;
	job->chunks[0].len = f->payload_size;
	job->chunks[0].label = f->name;
	rc = ops_dfuse_plan_all(o, job, 1, req, ts);
	if (rc < 0)
		goto out;
	rc = ops_dfuse_run(be, o, job, 1, req, d->alt, req->address);
out:
	ops_dfuse_jobs_free(job, 1);
	return rc;
}

/* The DFU-mode alt setting a of the device and interface of d, or NULL. */
static const struct dfu_if *ops_dfuse_find_alt(const struct dfu_if_list *l,
					       const struct dfu_if *d, unsigned int alt)
{
	int i;

	for (i = 0; i < l->count; i++) {
		const struct dfu_if *x = &l->items[i];

		if (x->bus == d->bus && x->devnum == d->devnum && x->config == d->config &&
		    x->intf == d->intf && !x->runtime && x->alt == alt)
			return x;
	}
	return NULL;
}

/* The job for alt setting a, added (with its map) when new. */
static int ops_dfuse_job_for(struct ops_dfuse_job *jobs, size_t *n_jobs,
			     const struct dfu_if_list *l, const struct dfu_if *d,
			     const struct dfu_file *f, int target, unsigned int alt,
			     struct ops_dfuse_job **out)
{
	const struct dfu_if *x;
	size_t i;
	int rc;

	for (i = 0; i < *n_jobs; i++) {
		if (jobs[i].d.alt == alt) {
			*out = &jobs[i];
			return 0;
		}
	}
	x = alt == d->alt ? d : ops_dfuse_find_alt(l, d, alt);
	if (!x) {
		log_error("target %d of '%s' is for alt setting %u, which %04x:%04x interface %u does not have",
			  target, f->name, alt, d->vid, d->pid, d->intf);
		log_hint("list the device's alt settings with 'dfu-util -l'");
		return DFU_E_DATA;
	}
	jobs[*n_jobs].d = *x;
	rc = ops_dfuse_map(x, &jobs[*n_jobs].map);
	if (rc < 0)
		return rc;
	*out = &jobs[(*n_jobs)++];
	return 0;
}

/* Add target t's elements that carry data to job j. */
static int ops_dfuse_add_target(struct ops_dfuse_job *j, const struct dfuse_target *tg, int t)
{
	size_t n = j->n_chunks + tg->n_elements;
	struct dfuse_chunk *c;
	char (*lb)[OPS_DFUSE_LABEL_MAX];
	uint32_t e;
	size_t i;

	if (tg->n_elements == 0)
		return 0;
	c = realloc(j->chunks, n * sizeof(*c));
	if (c)
		j->chunks = c;
	lb = c ? realloc(j->labels, n * sizeof(*lb)) : NULL;
	if (!c || !lb) {
		log_error("out of memory");
		return DFU_E_NOMEM;
	}
	j->labels = lb;
	/* The labels moved: point every chunk at its label again. */
	for (i = 0; i < j->n_chunks; i++)
		j->chunks[i].label = j->labels[i];
	for (e = 0; e < tg->n_elements; e++) {
		const struct dfuse_element *el = &tg->elements[e];

		if (el->size == 0)
			continue;
		i = j->n_chunks++;
		/* t < 0: an image made from HEX, S-records, ELF or UF2 (fwimage.h). */
		if (t < 0)
			snprintf(j->labels[i], sizeof(j->labels[i]), "segment %lu", (unsigned long)e);
		else
			snprintf(j->labels[i], sizeof(j->labels[i]), "target %d element %lu", t,
				 (unsigned long)e);
		j->chunks[i].address = el->address;
		j->chunks[i].data = el->data;
		j->chunks[i].len = el->size;
		j->chunks[i].label = j->labels[i];
	}
	return 0;
}

/* A .dfu file: every target to its own alt setting, all checked first. */
static int ops_dfuse_image(struct usb_backend *be, const struct dfu_options *o,
			   const struct dfu_if *d, const struct dfu_file *f,
			   const struct dfuse_request *req, const struct dfuse_image *img)
{
	struct dfu_if_list l = { 0, NULL };
	struct ops_dfuse_job *jobs;
	size_t n_jobs = 0, i, k;
	int alt_chosen = o->alt >= 0 || o->alt_name != NULL;
	int have_leave = 0;
	uint8_t leave_alt = d->alt;
	uint32_t leave_addr = 0;
	uint16_t ts;
	int t, rc;

	jobs = calloc((size_t)img->n_targets, sizeof(*jobs));
	if (!jobs) {
		log_error("out of memory");
		return DFU_E_NOMEM;
	}
	/* The other alt settings' strings (memory maps) come from a fresh scan. */
	rc = device_scan_options(be, &l, o);
	if (rc < 0)
		goto out;
	for (t = 0; t < img->n_targets; t++) {
		const struct dfuse_target *tg = &img->targets[t];
		struct ops_dfuse_job *j;

		if (alt_chosen && tg->alt != d->alt) {
			log_note("skipping target %d of '%s' (alt setting %u): -a selects alt setting %u",
				 t, f->name, tg->alt, d->alt);
			continue;
		}
		rc = ops_dfuse_job_for(jobs, &n_jobs, &l, d, f, t, tg->alt, &j);
		if (rc < 0)
			goto out;
		rc = ops_dfuse_add_target(j, tg, img->format ? -1 : t);
		if (rc < 0)
			goto out;
		for (k = 0; !have_leave && k < tg->n_elements; k++) {
			if (tg->elements[k].size) {
				leave_alt = tg->alt;
				leave_addr = tg->elements[k].address;
				have_leave = 1;
			}
		}
	}
	/* An alt setting whose targets carry no bytes has nothing to do. */
	for (i = 0, k = 0; i < n_jobs; i++) {
		if (jobs[i].n_chunks == 0) {
			log_note("nothing to write to alt setting %u: its targets are empty",
				 jobs[i].d.alt);
			free(jobs[i].chunks);
			free(jobs[i].labels);
			continue;
		}
		if (k != i)
			jobs[k] = jobs[i];
		k++;
	}
	n_jobs = k;
	if (n_jobs == 0) {
		if (alt_chosen)
			log_error("'%s' has no data for alt setting %u", f->name, d->alt);
		else
			log_error("'%s' has no data to write", f->name);
		rc = DFU_E_DATA;
		goto out;
	}
	rc = session_transfer_size(o, d, &ts);
	if (rc < 0)
		goto out;
	rc = ops_dfuse_plan_all(o, jobs, n_jobs, req, ts);
	if (rc < 0)
		goto out;
	rc = ops_dfuse_run(be, o, jobs, n_jobs, req, leave_alt, leave_addr);
out:
	device_list_free(&l);
	ops_dfuse_jobs_free(jobs, n_jobs);
	return rc;
}

int ops_dfuse_download(struct usb_backend *be, const struct dfu_options *o,
		       const struct dfu_if *d, const struct dfu_file *f,
		       const struct dfuse_request *req, const struct dfuse_image *img)
{
	if (img && img->format && img->n_targets == 1) {
		/* HEX, S-records, ELF, UF2: their one target is for the alt setting found. */
		struct dfuse_image one = *img;
		struct dfuse_target tg = img->targets[0];

		tg.alt = d->alt;
		one.targets = &tg;
		return ops_dfuse_image(be, o, d, f, req, &one);
	}
	if (img)
		return ops_dfuse_image(be, o, d, f, req, img);
	return ops_dfuse_raw(be, o, d, f, req);
}

int ops_dfuse_upload(struct usb_backend *be, const struct dfu_options *o,
		     const struct dfu_if *d, struct dfu_outfile *out,
		     const struct dfuse_request *req)
{
	struct dfuse_map *map;
	struct dfuse_upload_plan up;
	struct dfu_session s;
	uint32_t addr;
	int has_len = 0;
	uint64_t len = 0;
	int64_t got;
	uint16_t ts;
	int rc;

	memset(&up, 0, sizeof(up));
	map = calloc(1, sizeof(*map));
	if (!map) {
		log_error("out of memory");
		return DFU_E_NOMEM;
	}
	rc = ops_dfuse_map(d, map);
	if (rc < 0)
		goto out;
	if (req && req->has_address) {
		addr = req->address;
	} else if (map->n_segments > 0) {
		addr = map->seg[0].start;
		log_note("no address given (-s ADDRESS): reading from 0x%08" PRIx32
			 ", the start of \"%s\"", addr, map->name);
	} else {
		log_error("alt setting %u of %04x:%04x has an empty memory map", d->alt,
			  d->vid, d->pid);
		rc = DFU_E_PROTOCOL;
		goto out;
	}
	if (req && req->has_length) {
		has_len = 1;
		len = req->length;
	} else if (o->have_upload_size) {
		has_len = 1;
		len = o->upload_size;
	}
	if (d->has_func && !(d->func.bmAttributes & DFU_ATTR_CAN_UPLOAD)) {
		log_error("%04x:%04x does not support upload", d->vid, d->pid);
		rc = DFU_E_PROTOCOL;
		goto out;
	}
	rc = session_transfer_size(o, d, &ts);
	if (rc < 0)
		goto out;
	rc = dfuse_upload_plan_build(map, addr, has_len, len, ts,
				     ops_dfuse_every_block(o, d, req, ts), &up);
	if (rc < 0)
		goto out;
	if (log_verbosity() >= 1) {
		ops_dfuse_note_map(d, map);
		log_note("plan: read %" PRIu64 " bytes from 0x%08" PRIx32 " in %lu run%s", up.length,
			 up.address, (unsigned long)up.n_runs, up.n_runs == 1 ? "" : "s");
	}
	rc = session_open(be, o, d, &s);
	if (rc < 0)
		goto out;
	got = dfuse_upload(&s, &up, dfu_outfile_write, out);
	if (got < 0) {
		session_abandon(&s, d);
		rc = (int)got;
		goto out;
	}
	rc = dfu_outfile_commit(out);
	if (rc < 0) {
		ops_dfuse_close(&s, d);
		goto out;
	}
	log_note("upload done: %lld bytes from 0x%08" PRIx32 " written to '%s'", (long long)got,
		 addr, out->final_name);
	if (req && req->leave)
		rc = ops_dfuse_leave(&s, d, 1, addr);
	else
		rc = session_finish(&s, o, 0, d);
out:
	dfuse_upload_plan_free(&up);
	free(map);
	return rc;
}

int ops_dfuse_command(struct usb_backend *be, const struct dfu_options *o,
		      const struct dfuse_request *req)
{
	struct session_target t;
	struct dfu_session s;
	int rc;

	rc = session_find_dfu_mode(be, o, &t);
	if (rc < 0)
		return rc;
	ops_dfuse_decide(&t.d, req, 0);
	if (!t.d.dfuse) {
		log_error("-s is for DfuSe devices; %04x:%04x is plain DFU (bcdDFU %04x)",
			  t.d.vid, t.d.pid, t.d.func.bcdDFUVersion);
		log_hint("mass erase, unprotect and leave are DfuSe commands");
		return DFU_E_USAGE;
	}
	rc = session_open(be, o, &t.d, &s);
	if (rc < 0)
		return rc;
	if (req->unprotect) {
		log_note("read unprotect: the device now erases all of its flash and resets");
		rc = dfuse_read_unprotect(&s);
		ops_dfuse_close(&s, &t.d);
		return rc < 0 ? rc : 0;
	}
	if (req->mass_erase) {
		log_note("mass erase");
		rc = dfuse_mass_erase(&s);
		if (rc < 0) {
			session_abandon(&s, &t.d);
			return rc;
		}
		log_note("mass erase done");
	}
	if (req->leave)
		return ops_dfuse_leave(&s, &t.d, req->has_address, req->address);
	return session_finish(&s, o, 0, &t.d);
}
