/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * The message layer.  Which stream carries what is decided here and only
 * here (see log.h); it remembers whether a progress line is half drawn so
 * that the next message, on either stream, starts on a fresh line.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static const char *log_progname = "dfu-util";
static int log_level;
static int log_data_on_stdout;
static FILE *log_last;		/* stream of the last message, for its hints */
static void (*log_observer)(enum log_kind, const char *);
static void (*progress_observer)(enum progress_stage, const char *, uint64_t, uint64_t, uint64_t);

/* Progress state: one bar at a time. */
static struct {
	int active;
	int tty;
	int line_open;		/* the bar's stream is not at column 0 */
	FILE *f;
	const char *label;
	uint64_t total;
	uint64_t start_ms;
	uint64_t last_draw_ms;
	int last_percent;
	uint64_t last_done;	/* drawn */
	uint64_t cur_done, cur_ms;	/* reported, maybe not drawn yet */
} bar;

static void progress_draw(uint64_t done, uint64_t now_ms, int final);

/* ------------------------------------------------------------ output */

static log_sink_fn log_sink;
static void *log_sink_ctx;

void log_set_sink(log_sink_fn fn, void *ctx)
{
	fflush(stdout);
	fflush(stderr);
	log_sink = fn;
	log_sink_ctx = ctx;
}

/* Every byte the layer writes passes here: to the sink if one is set. */
static void log_put(FILE *f, const char *s, size_t n)
{
	if (log_sink)
		log_sink(log_sink_ctx, f == stdout ? LOG_STDOUT : LOG_STDERR, s, n);
	else
		fwrite(s, 1, n, f);
}

static void log_puts(FILE *f, const char *s)
{
	log_put(f, s, strlen(s));
}

static void log_vprintf(FILE *f, const char *fmt, va_list ap)
{
	char buf[512], *big;
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n >= 0 && (size_t)n < sizeof(buf)) {
		log_put(f, buf, (size_t)n);
	} else if (n >= 0 && (big = malloc((size_t)n + 1)) != NULL) {
		vsnprintf(big, (size_t)n + 1, fmt, again);
		log_put(f, big, (size_t)n);
		free(big);
	} else if (n >= 0) {
		log_put(f, buf, sizeof(buf) - 1);	/* out of memory: what fits */
	}
	va_end(again);
}

static void log_flush(FILE *f)
{
	if (!log_sink)
		fflush(f);
}

void log_set_progname(const char *name)
{
	log_progname = name;
}

void log_set_verbosity(int level)
{
	log_level = level;
}

int log_verbosity(void)
{
	return log_level;
}

void log_set_observer(void (*fn)(enum log_kind kind, const char *text))
{
	log_observer = fn;
}

void progress_set_observer(void (*fn)(enum progress_stage stage, const char *label, uint64_t done,
				      uint64_t total, uint64_t now_ms))
{
	progress_observer = fn;
}

static void log_observe(enum log_kind kind, const char *fmt, va_list ap)
{
	char text[2048];
	va_list aq;

	if (!log_observer || kind == LOG_KIND_INFO)
		return;
	va_copy(aq, ap);
	vsnprintf(text, sizeof(text), fmt, aq);
	va_end(aq);
	log_observer(kind, text);
}

void log_set_stdout_is_data(int on)
{
	log_data_on_stdout = on;
}

/* Where the reports, notes and progress go: stdout unless it is the data's. */
static FILE *log_report_stream(void)
{
	return log_data_on_stdout ? stderr : stdout;
}

/*
 * Called before anything is written to either stream.  Ending the bar's
 * line on its own stream keeps a terminal (where both streams meet) tidy,
 * and a pipe reader sees the bar's last state as a complete line.
 */
static void log_fresh_line(void)
{
	if (bar.line_open) {
		/* Show where it stopped, not the last state the rate limit let through. */
		if (bar.active && bar.cur_done != bar.last_done)
			progress_draw(bar.cur_done, bar.cur_ms, 0);
		log_puts(bar.f, "\n");
		log_flush(bar.f);
		bar.line_open = 0;
	}
}

/*
 * One whole line, written at once and flushed: stdout acts unbuffered for
 * wrappers that follow it live through a pipe.  A prefix is only used on
 * stderr, where other programs' messages mix with ours.
 */
static void log_emit(enum log_kind kind, FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	log_observe(kind, fmt, ap);
	log_fresh_line();
	log_flush(f == stdout ? stderr : stdout);
	if (f == stderr) {
		log_puts(f, log_progname);
		log_puts(f, ": ");
	}
	if (prefix)
		log_puts(f, prefix);
	log_vprintf(f, fmt, ap);
	log_puts(f, "\n");
	log_flush(f);
	log_last = f;
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_KIND_ERROR, stderr, "error: ", fmt, ap);
	va_end(ap);
}

void log_classic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_KIND_CLASSIC, stderr, NULL, fmt, ap);
	va_end(ap);
}

void log_hint(const char *fmt, ...)
{
	FILE *f = log_last ? log_last : stderr;
	va_list ap;

	va_start(ap, fmt);
	log_observe(LOG_KIND_HINT, fmt, ap);
	log_fresh_line();
	log_puts(f, "  ");
	log_vprintf(f, fmt, ap);
	log_puts(f, "\n");
	log_flush(f);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_KIND_WARNING, log_report_stream(), "warning: ", fmt, ap);
	va_end(ap);
}

void log_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_KIND_NOTE, log_report_stream(), NULL, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_KIND_INFO, log_report_stream(), NULL, fmt, ap);
	va_end(ap);
}

void log_always(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_KIND_NOTE, stderr, NULL, fmt, ap);
	va_end(ap);
}

void log_debug(int level, const char *fmt, ...)
{
	va_list ap;

	if (log_level < level)
		return;
	va_start(ap, fmt);
	log_fresh_line();
	log_vprintf(stderr, fmt, ap);
	log_puts(stderr, "\n");
	log_flush(stderr);
	va_end(ap);
}

/* ------------------------------------------------------------ progress */

#define PROGRESS_WIDTH 25	/* bar characters: wrappers count columns */

static void progress_format_rate(char *buf, size_t len, double per_s)
{
	if (per_s >= 10 * 1024 * 1024)
		snprintf(buf, len, "%.1f MiB/s", per_s / (1024 * 1024));
	else if (per_s >= 10 * 1024)
		snprintf(buf, len, "%.1f KiB/s", per_s / 1024);
	else
		snprintf(buf, len, "%.0f B/s", per_s);
}

/* The classic's label column: "Erase" was always padded to "Download"'s width. */
static const char *progress_label(void)
{
	if (strcmp(bar.label, "Erase") == 0)
		return "Erase   ";
	return bar.label;
}

static void progress_draw(uint64_t done, uint64_t now_ms, int final)
{
	char line[160], rate[40];
	uint64_t elapsed = now_ms - bar.start_ms;
	int percent, filled, n;

	if (final) {
		percent = 100;
		filled = PROGRESS_WIDTH;
	} else if (bar.total) {
		uint64_t d = done > bar.total ? bar.total : done;

		percent = (int)(d * 100 / bar.total);
		filled = (int)(d * PROGRESS_WIDTH / bar.total);
	} else {
		/* Unknown length: only the byte count moves. */
		percent = 0;
		filled = 0;
	}
	n = snprintf(line, sizeof(line), "\r%s\t[", progress_label());
	for (int i = 0; i < PROGRESS_WIDTH && n < (int)sizeof(line) - 1; i++)
		line[n++] = i < filled ? '=' : ' ';
	line[n] = '\0';
	n += snprintf(line + n, sizeof(line) - (size_t)n, "] %3d%% %12llu bytes", percent,
		      (unsigned long long)done);
	rate[0] = '\0';
	if (bar.tty) {
		/* Too quick to measure: say so rather than "0 B/s". */
		if (elapsed)
			progress_format_rate(rate + 2, sizeof(rate) - 2,
					     (double)done * 1000.0 / (double)elapsed);
		else
			snprintf(rate + 2, sizeof(rate) - 2, "-- B/s");
		rate[0] = ',';
		rate[1] = ' ';
	}
	/* The last update often showed the end already: only close it. */
	if (!final || !bar.line_open || bar.last_done != done || bar.last_percent != 100)
		log_puts(bar.f, line);
	bar.last_done = done;
	if (bar.tty) {
		log_puts(bar.f, rate);
		/* Clear what a longer previous rate may have left. */
		log_puts(bar.f, "\033[K");
	}
	if (final) {
		log_puts(bar.f, "\n");
		log_puts(bar.f, progress_label());
		log_puts(bar.f, " done.\n");
		bar.line_open = 0;
	} else {
		bar.line_open = 1;
	}
	log_flush(bar.f);
}

void progress_start(const char *label, uint64_t total, uint64_t now_ms)
{
	log_fresh_line();
	log_flush(stderr);
	bar.active = 1;
	bar.f = log_report_stream();
	bar.tty = !log_sink && isatty(fileno(bar.f));
	bar.label = label;
	bar.total = total;
	bar.start_ms = now_ms;
	bar.last_draw_ms = now_ms;
	bar.last_percent = 0;
	bar.last_done = 0;
	bar.cur_done = 0;
	bar.cur_ms = now_ms;
	if (progress_observer)
		progress_observer(PROGRESS_STAGE_START, label, 0, total, now_ms);
	progress_draw(0, now_ms, 0);
}

void progress_update(uint64_t done, uint64_t now_ms)
{
	int percent;

	if (!bar.active)
		return;
	bar.cur_done = done;
	bar.cur_ms = now_ms;
	if (progress_observer)
		progress_observer(PROGRESS_STAGE_UPDATE, bar.label, done, bar.total, now_ms);
	/*
	 * Redraw when the percentage moves, and at least once a second (the
	 * byte count), but no more than five times a second on a terminal.
	 */
	percent = bar.total ? (int)((done > bar.total ? bar.total : done) * 100 / bar.total) : 0;
	if (percent == bar.last_percent && now_ms - bar.last_draw_ms < 1000)
		return;
	if (bar.tty && now_ms - bar.last_draw_ms < 200 && percent < 100)
		return;
	bar.last_percent = percent;
	bar.last_draw_ms = now_ms;
	progress_draw(done, now_ms, 0);
}

void progress_end(uint64_t done, uint64_t now_ms)
{
	if (!bar.active)
		return;
	if (progress_observer)
		progress_observer(PROGRESS_STAGE_END, bar.label, done, bar.total, now_ms);
	progress_draw(done, now_ms, 1);
	bar.active = 0;
}
