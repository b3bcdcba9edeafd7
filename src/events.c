/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * The --json event stream (events.h, doc/json-events.txt).  Each event is
 * built whole in memory by a small JSON writer of our own and written to
 * stdout with one call under a lock, so lines never interleave.
 */
#include <config.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "dfuse_map.h"
#include "events.h"
#include "log.h"

/* ------------------------------------------------------------ writer */

struct jw {
	char *buf;
	size_t len, cap;
	int failed;		/* out of memory: the event is dropped */
	int need_comma;
};

static void jw_raw(struct jw *w, const char *s, size_t n)
{
	if (w->failed)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		char *p;

		while (w->len + n + 1 > cap)
			cap *= 2;
		p = realloc(w->buf, cap);
		if (!p) {
			w->failed = 1;
			return;
		}
		w->buf = p;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void jw_cstr(struct jw *w, const char *s)
{
	jw_raw(w, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static size_t jw_utf8_len(const unsigned char *s)
{
	unsigned int c = s[0], cp;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not text. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * A JSON string.  Device strings come from the device: bytes that are not
 * UTF-8 become U+FFFD so that the line stays valid JSON.
 */
static void jw_string(struct jw *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	char esc[8];

	jw_raw(w, "\"", 1);
	while (*p) {
		size_t n = jw_utf8_len(p);

		if (n == 0) {
			jw_cstr(w, "\\ufffd");
			p++;
			continue;
		}
		if (n > 1) {
			jw_raw(w, (const char *)p, n);
			p += n;
			continue;
		}
		switch (*p) {
		case '"': jw_cstr(w, "\\\""); break;
		case '\\': jw_cstr(w, "\\\\"); break;
		case '\n': jw_cstr(w, "\\n"); break;
		case '\r': jw_cstr(w, "\\r"); break;
		case '\t': jw_cstr(w, "\\t"); break;
		case '\b': jw_cstr(w, "\\b"); break;
		case '\f': jw_cstr(w, "\\f"); break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				snprintf(esc, sizeof(esc), "\\u%04x", *p);
				jw_cstr(w, esc);
			} else {
				jw_raw(w, (const char *)p, 1);
			}
		}
		p++;
	}
	jw_raw(w, "\"", 1);
}

static void jw_key(struct jw *w, const char *key)
{
	if (w->need_comma)
		jw_raw(w, ",", 1);
	jw_string(w, key);
	jw_raw(w, ":", 1);
	w->need_comma = 1;
}

static void jw_open(struct jw *w, char c)
{
	jw_raw(w, &c, 1);
	w->need_comma = 0;
}

static void jw_close(struct jw *w, char c)
{
	jw_raw(w, &c, 1);
	w->need_comma = 1;
}

static void jw_str_m(struct jw *w, const char *key, const char *val)
{
	jw_key(w, key);
	jw_string(w, val);
}

static void jw_u64_m(struct jw *w, const char *key, uint64_t val)
{
	char num[24];

	jw_key(w, key);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)val);
	jw_cstr(w, num);
}

static void jw_int_m(struct jw *w, const char *key, long long val)
{
	char num[24];

	jw_key(w, key);
	snprintf(num, sizeof(num), "%lld", val);
	jw_cstr(w, num);
}

static void jw_bool_m(struct jw *w, const char *key, int val)
{
	jw_key(w, key);
	jw_cstr(w, val ? "true" : "false");
}

/* ------------------------------------------------------------ state */

enum events_state { EV_PENDING, EV_ON, EV_OFF };

#define EVENTS_MAX_PENDING 16

static pthread_mutex_t events_lock = PTHREAD_MUTEX_INITIALIZER;
static enum events_state events_state = EV_OFF;
static int events_result_done;

/* Messages seen before events_begin (option parsing). */
static struct {
	const char *level;
	char *text, *hint;
} events_pending[EVENTS_MAX_PENDING];
static int events_n_pending;

/*
 * What one device's events need between events (one set for a single
 * device; with --all one per device, reached through log.c's per-thread
 * device, log_device_events):
 *
 * the last message, held until the next event so that hint lines that
 * follow it join it as its "hint" member;
 *
 * what the transfer phases moved, for the result.
 */
struct events_xfer {
	const char *phase;	/* of the bar in progress, NULL = none */
	uint64_t total, done, start_ms, now_ms;
	int last_percent;
	uint64_t last_done;	/* of the last event */
	int transfer;		/* the bar is a write or read */
	int seen;		/* a transfer phase happened */
	uint64_t bytes, ms;	/* finished and current transfer phases */
};

struct events_dev {
	struct {
		int held;
		const char *level;
		char text[2048];
		char hint[2048];
	} msg;
	struct events_xfer xfer;
};

static struct events_dev events_main;

/* The calling thread's device (--all), else the run's one set. */
static struct events_dev *events_cur(void)
{
	struct log_device *d = log_current_device();
	struct events_dev *e;

	if (!d)
		return &events_main;
	e = *log_device_events(d);
	return e ? e : &events_main;
}

static void events_write_line(struct jw *w)
{
	if (!w->failed) {
		jw_raw(w, "\n", 1);
		fwrite(w->buf, 1, w->len, stdout);
		fflush(stdout);
	}
	free(w->buf);
}

/* Start an event object with its name: and with --all, its device's path and serial. */
static void events_head_dev(struct jw *w, const char *event, int with_device)
{
	struct log_device *d = log_current_device();

	memset(w, 0, sizeof(*w));
	jw_open(w, '{');
	jw_str_m(w, "event", event);
	if (d && with_device) {
		jw_str_m(w, "path", log_device_path(d));
		jw_str_m(w, "serial", log_device_serial(d));
	}
}

static void events_head(struct jw *w, const char *event)
{
	events_head_dev(w, event, 1);
}

static void events_emit_message(const char *level, const char *text, const char *hint)
{
	struct jw w;

	events_head(&w, "message");
	jw_str_m(&w, "level", level);
	jw_str_m(&w, "text", text);
	if (hint && *hint)
		jw_str_m(&w, "hint", hint);
	jw_close(&w, '}');
	events_write_line(&w);
}

/* Called with the lock held, before any other event is written. */
static void events_flush_held(void)
{
	struct events_dev *e = events_cur();

	if (!e->msg.held)
		return;
	e->msg.held = 0;
	events_emit_message(e->msg.level, e->msg.text, e->msg.hint);
}

static char *events_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

/* ------------------------------------------------------------ observers */

static const char *events_level(enum log_kind kind, const char *text)
{
	switch (kind) {
	case LOG_KIND_ERROR:
		return "error";
	case LOG_KIND_WARNING:
		return "warning";
	case LOG_KIND_CLASSIC:
		/* The classic's own words: its two suffix lines are warnings. */
		if (strncmp(text, "Warning", 7) == 0 || strncmp(text, "A valid DFU suffix", 18) == 0)
			return "warning";
		return "error";
	default:
		return "note";
	}
}

static void events_on_message(enum log_kind kind, const char *text)
{
	pthread_mutex_lock(&events_lock);
	if (events_state == EV_PENDING) {
		if (kind == LOG_KIND_HINT && events_n_pending > 0) {
			char **h = &events_pending[events_n_pending - 1].hint;

			if (!*h)
				*h = events_strdup(text);
		} else if (kind != LOG_KIND_HINT && events_n_pending < EVENTS_MAX_PENDING) {
			events_pending[events_n_pending].level = events_level(kind, text);
			events_pending[events_n_pending].text = events_strdup(text);
			events_pending[events_n_pending].hint = NULL;
			events_n_pending++;
		}
	} else if (events_state == EV_ON && !events_result_done) {
		struct events_dev *e = events_cur();

		if (kind == LOG_KIND_HINT && e->msg.held) {
			size_t used = strlen(e->msg.hint);

			snprintf(e->msg.hint + used, sizeof(e->msg.hint) - used, "%s%s",
				 used ? "\n" : "", text);
		} else {
			events_flush_held();
			e->msg.held = 1;
			e->msg.level = kind == LOG_KIND_HINT ? "note" : events_level(kind, text);
			snprintf(e->msg.text, sizeof(e->msg.text), "%s", text);
			e->msg.hint[0] = '\0';
		}
	}
	pthread_mutex_unlock(&events_lock);
}

/* The bar's label, as the schema's phase name. */
static const char *events_phase_of(const char *label)
{
	if (strcmp(label, "Download") == 0)
		return "write";
	if (strcmp(label, "Upload") == 0)
		return "read";
	if (strcmp(label, "Erase") == 0)
		return "erase";
	if (strcmp(label, "Verify") == 0)
		return "verify";
	return label;
}

static void events_emit_progress(const char *phase, uint64_t done, uint64_t total)
{
	struct jw w;

	events_head(&w, "progress");
	jw_str_m(&w, "phase", phase);
	jw_u64_m(&w, "done", done);
	jw_u64_m(&w, "total", total);
	jw_close(&w, '}');
	events_write_line(&w);
}

/* The current transfer bar's contribution to the result. */
static void events_account(struct events_xfer *x)
{
	if (x->phase && x->transfer) {
		x->bytes += x->done;
		x->ms += x->now_ms - x->start_ms;
	}
	x->phase = NULL;
}

static void events_on_progress(enum progress_stage stage, const char *label, uint64_t done,
			       uint64_t total, uint64_t now_ms)
{
	struct events_xfer *x = &events_cur()->xfer;
	int percent;

	pthread_mutex_lock(&events_lock);
	if (events_state != EV_ON || events_result_done)
		goto out;
	if (stage == PROGRESS_STAGE_START) {
		events_account(x);
		x->phase = events_phase_of(label);
		x->transfer = strcmp(label, "Download") == 0 || strcmp(label, "Upload") == 0;
		if (x->transfer)
			x->seen = 1;
		x->total = total;
		x->start_ms = now_ms;
		x->last_percent = -1;
	}
	if (!x->phase)
		goto out;
	x->done = done;
	x->now_ms = now_ms;
	/* One event per percent (per 64 KiB when the total is unknown), and the ends. */
	percent = total ? (int)((done > total ? total : done) * 100 / total) : (int)(done >> 16);
	if (stage == PROGRESS_STAGE_UPDATE && percent == x->last_percent)
		goto out;
	/* The end often repeats the last update: one event for it is enough. */
	if (stage != PROGRESS_STAGE_END || done != x->last_done || total == 0 ||
	    x->last_percent < 0) {
		events_flush_held();
		events_emit_progress(x->phase, done,
				     stage == PROGRESS_STAGE_END && !total ? done : total);
	}
	x->last_percent = percent;
	x->last_done = done;
	if (stage == PROGRESS_STAGE_END)
		events_account(x);
out:
	pthread_mutex_unlock(&events_lock);
}

/* ------------------------------------------------------------ API */

void events_install(void)
{
	events_state = EV_PENDING;
	log_set_observer(events_on_message);
	progress_set_observer(events_on_progress);
}

static void events_free_pending(void)
{
	for (int i = 0; i < events_n_pending; i++) {
		free(events_pending[i].text);
		free(events_pending[i].hint);
	}
	events_n_pending = 0;
}

void events_begin(int json, const char *program, const char *version)
{
	struct jw w;

	pthread_mutex_lock(&events_lock);
	if (!json) {
		events_state = EV_OFF;
		events_free_pending();
		pthread_mutex_unlock(&events_lock);
		log_set_observer(NULL);
		progress_set_observer(NULL);
		return;
	}
	events_state = EV_ON;
	events_head(&w, "start");
	jw_int_m(&w, "schema", EVENTS_SCHEMA);
	jw_str_m(&w, "program", program);
	jw_str_m(&w, "version", version);
	jw_close(&w, '}');
	events_write_line(&w);
	for (int i = 0; i < events_n_pending; i++)
		if (events_pending[i].text)
			events_emit_message(events_pending[i].level, events_pending[i].text,
					    events_pending[i].hint);
	events_free_pending();
	pthread_mutex_unlock(&events_lock);
}

int events_enabled(void)
{
	return events_state == EV_ON;
}

static void events_map(struct jw *w, const char *name)
{
	struct dfuse_map *m = malloc(sizeof(*m));
	char err[600];

	if (!m)
		return;
	if (dfuse_map_parse(name, m, err, sizeof(err)) == 0) {
		jw_key(w, "map");
		jw_open(w, '{');
		jw_str_m(w, "name", m->name);
		jw_key(w, "segments");
		jw_open(w, '[');
		for (int i = 0; i < m->n_segments; i++) {
			const struct dfuse_segment *s = &m->seg[i];

			if (i)
				jw_raw(w, ",", 1);
			jw_open(w, '{');
			jw_u64_m(w, "start", s->start);
			jw_u64_m(w, "size", (uint64_t)s->last - s->start + 1);
			jw_u64_m(w, "page_size", s->page_size);
			jw_u64_m(w, "pages", s->n_pages);
			jw_bool_m(w, "readable", s->rights & DFUSE_READABLE);
			jw_bool_m(w, "erasable", s->rights & DFUSE_ERASABLE);
			jw_bool_m(w, "writable", s->rights & DFUSE_WRITABLE);
			jw_close(w, '}');
		}
		jw_close(w, ']');
		jw_close(w, '}');
	} else {
		jw_str_m(w, "map_error", err);
	}
	free(m);
}

void events_device(const struct dfu_if *d, int verbose)
{
	struct jw w;
	char hex[8];

	if (events_state != EV_ON)
		return;
	/* Its own path and serial are members already. */
	events_head_dev(&w, "device", 0);
	snprintf(hex, sizeof(hex), "%04x", d->vid);
	jw_str_m(&w, "vid", hex);
	snprintf(hex, sizeof(hex), "%04x", d->pid);
	jw_str_m(&w, "pid", hex);
	jw_str_m(&w, "path", d->path);
	jw_int_m(&w, "devnum", d->devnum);
	jw_int_m(&w, "cfg", d->config);
	jw_int_m(&w, "intf", d->intf);
	jw_int_m(&w, "alt", d->alt);
	jw_str_m(&w, "name", d->name);
	jw_str_m(&w, "serial", d->serial);
	jw_str_m(&w, "mode", d->runtime ? "runtime" : "dfu");
	jw_bool_m(&w, "dfuse", d->dfuse);
	if (verbose >= 1 && !d->runtime && d->dfuse && d->name[0] == '@')
		events_map(&w, d->name);
	jw_close(&w, '}');
	pthread_mutex_lock(&events_lock);
	events_flush_held();
	events_write_line(&w);
	pthread_mutex_unlock(&events_lock);
}

void events_phase(const char *phase)
{
	if (events_state != EV_ON)
		return;
	pthread_mutex_lock(&events_lock);
	events_flush_held();
	events_emit_progress(phase, 0, 0);
	pthread_mutex_unlock(&events_lock);
}

void events_end(int err, int exit_status)
{
	struct events_xfer *x = &events_main.xfer;
	struct jw w;

	if (events_state != EV_ON)
		return;
	pthread_mutex_lock(&events_lock);
	if (events_result_done) {
		pthread_mutex_unlock(&events_lock);
		return;
	}
	events_flush_held();
	/* A bar an error or a signal cut short counts as far as it got. */
	events_account(x);
	events_head(&w, "result");
	jw_str_m(&w, "status", err == 0 ? "ok" : "error");
	jw_int_m(&w, "exit", exit_status);
	if (x->seen) {
		jw_u64_m(&w, "bytes", x->bytes);
		jw_u64_m(&w, "ms", x->ms);
	}
	jw_close(&w, '}');
	events_write_line(&w);
	events_result_done = 1;
	pthread_mutex_unlock(&events_lock);
}

int events_device_begin(struct log_device *d)
{
	struct events_dev *e;

	if (events_state != EV_ON)
		return 0;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -1;
	*log_device_events(d) = e;
	return 0;
}

void events_device_end(struct log_device *d, int err, int exit_status, uint64_t ms)
{
	struct events_dev *e = *log_device_events(d);
	struct events_xfer *x;
	struct log_device *was = log_current_device();
	struct jw w;

	if (events_state != EV_ON || !e)
		return;
	x = &e->xfer;
	/* The events below are the device's, whichever thread writes them. */
	log_set_device(d);
	pthread_mutex_lock(&events_lock);
	events_flush_held();
	events_account(x);
	events_head(&w, "device_result");
	jw_str_m(&w, "status", err == 0 ? "ok" : "error");
	jw_int_m(&w, "exit", exit_status);
	jw_u64_m(&w, "bytes", x->bytes);
	jw_u64_m(&w, "ms", ms);
	jw_close(&w, '}');
	events_write_line(&w);
	/* The run's result: the sum of the bytes, the longest device's time. */
	if (x->seen) {
		events_main.xfer.seen = 1;
		events_main.xfer.bytes += x->bytes;
		if (ms > events_main.xfer.ms)
			events_main.xfer.ms = ms;
	}
	pthread_mutex_unlock(&events_lock);
	log_set_device(was);
	*log_device_events(d) = NULL;
	free(e);
}

void events_flush(void)
{
	if (events_state != EV_ON)
		return;
	pthread_mutex_lock(&events_lock);
	events_flush_held();
	pthread_mutex_unlock(&events_lock);
}
