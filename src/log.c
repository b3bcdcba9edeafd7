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
#include <pthread.h>

#include "compat.h"
#include "log.h"

static const char *log_progname = "dfu-util";
static int log_level;
static int log_data_on_stdout;
static void (*log_observer)(enum log_kind, const char *);
static void (*progress_observer)(enum progress_stage, const char *, uint64_t, uint64_t, uint64_t);

/*
 * Every piece of output is written under this lock: with --all, several
 * devices' threads report at once, and a line must never be cut by another.
 */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* A progress bar: one at a time per device (and one for a single-device run). */
struct log_bar {
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
};

/* One device of a multi-device run (--all): the thread that drives it sets it. */
struct log_device {
	char prefix[300];	/* "PATH SERIAL: " */
	char path[32];
	char serial[256];
	int slot;		/* its line on the terminal board */
	struct log_bar bar;
	FILE *last;		/* stream of its last message, for the hints */
	uint64_t bytes;		/* moved by its finished and current transfers */
	char line[600];		/* its board line */
	void *events;		/* events.c's state for it */
};

static struct log_bar log_main_bar;
static FILE *log_main_last;	/* stream of the last message, for its hints */
static _Thread_local struct log_device *log_dev;

/*
 * --all on a terminal: the last n lines of the terminal are the devices'
 * progress lines, redrawn in place; messages are written above them.
 */
#define LOG_BOARD_MAX 20

static struct {
	int on, drawn, n;
	FILE *f;
	struct log_device *const *devs;
} board;

static struct log_bar *log_bar_cur(void)
{
	return log_dev ? &log_dev->bar : &log_main_bar;
}

static FILE **log_last_cur(void)
{
	return log_dev ? &log_dev->last : &log_main_last;
}

static void progress_draw(struct log_bar *bar, uint64_t done, uint64_t now_ms, int final);

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

/* ------------------------------------------------------------ the board */

/* Called with the lock held: take the board off the screen before other text. */
static void log_board_clear(void)
{
	char esc[32];

	if (!board.on || !board.drawn)
		return;
	snprintf(esc, sizeof(esc), "\033[%dA\r\033[J", board.n);
	log_puts(board.f, esc);
	log_flush(board.f);
	board.drawn = 0;
}

/* Called with the lock held: the board again, below what was just written. */
static void log_board_draw(void)
{
	if (!board.on || board.drawn)
		return;
	for (int i = 0; i < board.n; i++) {
		log_puts(board.f, board.devs[i]->line);
		log_puts(board.f, "\033[K\n");
	}
	log_flush(board.f);
	board.drawn = 1;
}

/* Called with the lock held: redraw d's line in place. */
static void log_board_line(struct log_device *d)
{
	char esc[32];
	int up = board.n - d->slot;

	if (!board.on || !board.drawn || d->slot < 0 || d->slot >= board.n)
		return;
	snprintf(esc, sizeof(esc), "\033[%dA\r", up);
	log_puts(board.f, esc);
	log_puts(board.f, d->line);
	snprintf(esc, sizeof(esc), "\033[K\033[%dB\r", up);
	log_puts(board.f, esc);
	log_flush(board.f);
}

void log_board_begin(struct log_device *const *devs, int n)
{
	pthread_mutex_lock(&log_lock);
	board.f = log_report_stream();
	/* More lines than a usual terminal shows would scroll: whole lines then. */
	if (!log_sink && n > 0 && n <= LOG_BOARD_MAX && compat_is_terminal(board.f)) {
		board.on = 1;
		board.drawn = 0;
		board.n = n;
		board.devs = devs;
		for (int i = 0; i < n; i++) {
			devs[i]->slot = i;
			snprintf(devs[i]->line, sizeof(devs[i]->line), "%sstarting", devs[i]->prefix);
		}
		fflush(board.f == stdout ? stderr : stdout);
		log_board_draw();
	}
	pthread_mutex_unlock(&log_lock);
}

void log_board_end(void)
{
	pthread_mutex_lock(&log_lock);
	/* The lines stay as they were last drawn; what follows goes below them. */
	board.on = 0;
	board.drawn = 0;
	board.devs = NULL;
	pthread_mutex_unlock(&log_lock);
}

/* ------------------------------------------------------------ devices */

struct log_device *log_device_new(const char *path, const char *serial)
{
	struct log_device *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	snprintf(d->path, sizeof(d->path), "%s", path);
	snprintf(d->serial, sizeof(d->serial), "%s", serial);
	if (*serial)
		snprintf(d->prefix, sizeof(d->prefix), "%s %s: ", path, serial);
	else
		snprintf(d->prefix, sizeof(d->prefix), "%s: ", path);
	d->slot = -1;
	return d;
}

void log_device_free(struct log_device *d)
{
	free(d);
}

void log_set_device(struct log_device *d)
{
	log_dev = d;
}

struct log_device *log_current_device(void)
{
	return log_dev;
}

const char *log_device_path(const struct log_device *d)
{
	return d->path;
}

const char *log_device_serial(const struct log_device *d)
{
	return d->serial;
}

void **log_device_events(struct log_device *d)
{
	return &d->events;
}

static int log_bar_is_transfer(const struct log_bar *bar)
{
	return strcmp(bar->label, "Download") == 0 || strcmp(bar->label, "Upload") == 0;
}

uint64_t log_device_bytes(const struct log_device *d)
{
	uint64_t n;

	pthread_mutex_lock(&log_lock);
	n = d->bytes;
	/* A bar an error or a signal cut short counts as far as it got. */
	if (d->bar.active && log_bar_is_transfer(&d->bar))
		n += d->bar.cur_done;
	pthread_mutex_unlock(&log_lock);
	return n;
}

/* ------------------------------------------------------------ messages */

/*
 * Called before anything is written to either stream.  Ending the bar's
 * line on its own stream keeps a terminal (where both streams meet) tidy,
 * and a pipe reader sees the bar's last state as a complete line.  A
 * device's bar never leaves a line open: the board or whole lines.
 */
static void log_fresh_line(void)
{
	struct log_bar *bar = &log_main_bar;

	if (bar->line_open) {
		/* Show where it stopped, not the last state the rate limit let through. */
		if (bar->active && bar->cur_done != bar->last_done)
			progress_draw(bar, bar->cur_done, bar->cur_ms, 0);
		log_puts(bar->f, "\n");
		log_flush(bar->f);
		bar->line_open = 0;
	}
	log_board_clear();
}

/* With --all: the device's prefix at the start of every line its thread writes. */
static void log_prefix(FILE *f)
{
	if (log_dev)
		log_puts(f, log_dev->prefix);
}

/*
 * One whole line, written at once and flushed: stdout acts unbuffered for
 * wrappers that follow it live through a pipe.  A prefix is only used on
 * stderr, where other programs' messages mix with ours.
 */
static void log_emit(enum log_kind kind, FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	pthread_mutex_lock(&log_lock);
	log_observe(kind, fmt, ap);
	log_fresh_line();
	log_flush(f == stdout ? stderr : stdout);
	log_prefix(f);
	if (f == stderr) {
		log_puts(f, log_progname);
		log_puts(f, ": ");
	}
	if (prefix)
		log_puts(f, prefix);
	log_vprintf(f, fmt, ap);
	log_puts(f, "\n");
	log_flush(f);
	*log_last_cur() = f;
	log_board_draw();
	pthread_mutex_unlock(&log_lock);
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
	FILE *f;
	va_list ap;

	pthread_mutex_lock(&log_lock);
	f = *log_last_cur() ? *log_last_cur() : stderr;
	va_start(ap, fmt);
	log_observe(LOG_KIND_HINT, fmt, ap);
	log_fresh_line();
	log_prefix(f);
	log_puts(f, "  ");
	log_vprintf(f, fmt, ap);
	log_puts(f, "\n");
	log_flush(f);
	va_end(ap);
	log_board_draw();
	pthread_mutex_unlock(&log_lock);
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
	pthread_mutex_lock(&log_lock);
	va_start(ap, fmt);
	log_fresh_line();
	log_prefix(stderr);
	log_vprintf(stderr, fmt, ap);
	log_puts(stderr, "\n");
	log_flush(stderr);
	va_end(ap);
	log_board_draw();
	pthread_mutex_unlock(&log_lock);
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
static const char *progress_label(const struct log_bar *bar)
{
	if (strcmp(bar->label, "Erase") == 0)
		return "Erase   ";
	return bar->label;
}

/* "Label\t[====     ]  36%        12288 bytes" into line; returns its length. */
static int progress_text(const struct log_bar *bar, uint64_t done, int final, char *line,
			 size_t len)
{
	int percent, filled, n;

	if (final) {
		percent = 100;
		filled = PROGRESS_WIDTH;
	} else if (bar->total) {
		uint64_t d = done > bar->total ? bar->total : done;

		percent = (int)(d * 100 / bar->total);
		filled = (int)(d * PROGRESS_WIDTH / bar->total);
	} else {
		/* Unknown length: only the byte count moves. */
		percent = 0;
		filled = 0;
	}
	n = snprintf(line, len, "%s\t[", progress_label(bar));
	for (int i = 0; i < PROGRESS_WIDTH && n < (int)len - 1; i++)
		line[n++] = i < filled ? '=' : ' ';
	line[n] = '\0';
	n += snprintf(line + n, len - (size_t)n, "] %3d%% %12llu bytes", percent,
		      (unsigned long long)done);
	return n;
}

/* ", 1.2 MiB/s" for a terminal. */
static void progress_rate(const struct log_bar *bar, uint64_t done, uint64_t now_ms, char *rate,
			  size_t len)
{
	uint64_t elapsed = now_ms - bar->start_ms;

	/* Too quick to measure: say so rather than "0 B/s". */
	if (elapsed)
		progress_format_rate(rate + 2, len - 2, (double)done * 1000.0 / (double)elapsed);
	else
		snprintf(rate + 2, len - 2, "-- B/s");
	rate[0] = ',';
	rate[1] = ' ';
}

/*
 * A device's bar (--all): its line on the terminal board, or, not on a
 * terminal, whole lines (no carriage returns) at every tenth and the end.
 */
static void progress_draw_device(struct log_bar *bar, uint64_t done, uint64_t now_ms, int final)
{
	struct log_device *d = log_dev;
	char text[160], rate[40];
	int tenth = bar->total ? (int)((done > bar->total ? bar->total : done) * 10 / bar->total) : 0;

	progress_text(bar, done, final, text, sizeof(text));
	if (board.on) {
		rate[0] = '\0';
		progress_rate(bar, done, now_ms, rate, sizeof(rate));
		if (final)
			snprintf(d->line, sizeof(d->line), "%s%s done, %llu bytes", d->prefix,
				 progress_label(bar), (unsigned long long)done);
		else
			snprintf(d->line, sizeof(d->line), "%s%s%s", d->prefix, text, rate);
		log_board_line(d);
		return;
	}
	/* last_percent holds the tenth last written here. */
	if (!final && done != 0 && tenth == bar->last_percent)
		return;
	if (!final || bar->last_done != done || bar->last_percent != 10) {
		log_puts(bar->f, d->prefix);
		log_puts(bar->f, text);
		log_puts(bar->f, "\n");
	}
	bar->last_percent = final ? 10 : tenth;
	bar->last_done = done;
	if (final) {
		log_puts(bar->f, d->prefix);
		log_puts(bar->f, progress_label(bar));
		log_puts(bar->f, " done.\n");
	}
	log_flush(bar->f);
}

static void progress_draw(struct log_bar *bar, uint64_t done, uint64_t now_ms, int final)
{
	char line[160], rate[40];

	if (log_dev) {
		progress_draw_device(bar, done, now_ms, final);
		return;
	}
	line[0] = '\r';
	progress_text(bar, done, final, line + 1, sizeof(line) - 1);
	rate[0] = '\0';
	if (bar->tty)
		progress_rate(bar, done, now_ms, rate, sizeof(rate));
	/* The last update often showed the end already: only close it. */
	if (!final || !bar->line_open || bar->last_done != done || bar->last_percent != 100)
		log_puts(bar->f, line);
	bar->last_done = done;
	if (bar->tty) {
		log_puts(bar->f, rate);
		/* Clear what a longer previous rate may have left. */
		log_puts(bar->f, "\033[K");
	}
	if (final) {
		log_puts(bar->f, "\n");
		log_puts(bar->f, progress_label(bar));
		log_puts(bar->f, " done.\n");
		bar->line_open = 0;
	} else {
		bar->line_open = 1;
	}
	log_flush(bar->f);
}

/* Called with the lock held: the bar in progress counts for the --all table. */
static void progress_account(struct log_bar *bar, uint64_t done)
{
	if (log_dev && bar->active && log_bar_is_transfer(bar))
		log_dev->bytes += done;
}

void progress_start(const char *label, uint64_t total, uint64_t now_ms)
{
	struct log_bar *bar;

	pthread_mutex_lock(&log_lock);
	bar = log_bar_cur();
	progress_account(bar, bar->cur_done);
	/* A device's bar is its own line (the board) or whole lines. */
	if (!log_dev)
		log_fresh_line();
	log_flush(stderr);
	bar->active = 1;
	bar->f = log_report_stream();
	bar->tty = !log_sink && compat_is_terminal(bar->f);
	bar->label = label;
	bar->total = total;
	bar->start_ms = now_ms;
	bar->last_draw_ms = now_ms;
	bar->last_percent = 0;
	bar->last_done = 0;
	bar->cur_done = 0;
	bar->cur_ms = now_ms;
	if (progress_observer)
		progress_observer(PROGRESS_STAGE_START, label, 0, total, now_ms);
	if (log_dev)
		bar->last_percent = -1;
	progress_draw(bar, 0, now_ms, 0);
	log_board_draw();
	pthread_mutex_unlock(&log_lock);
}

void progress_update(uint64_t done, uint64_t now_ms)
{
	struct log_bar *bar;
	int percent;

	pthread_mutex_lock(&log_lock);
	bar = log_bar_cur();
	if (!bar->active)
		goto out;
	bar->cur_done = done;
	bar->cur_ms = now_ms;
	if (progress_observer)
		progress_observer(PROGRESS_STAGE_UPDATE, bar->label, done, bar->total, now_ms);
	if (log_dev) {
		/* The device's own limits: tenths, or the board's rate below. */
		if (board.on && now_ms - bar->last_draw_ms < 200)
			goto out;
		bar->last_draw_ms = now_ms;
		progress_draw(bar, done, now_ms, 0);
		goto out;
	}
	/*
	 * Redraw when the percentage moves, and at least once a second (the
	 * byte count), but no more than five times a second on a terminal.
	 */
	percent = bar->total ? (int)((done > bar->total ? bar->total : done) * 100 / bar->total) : 0;
	if (percent == bar->last_percent && now_ms - bar->last_draw_ms < 1000)
		goto out;
	if (bar->tty && now_ms - bar->last_draw_ms < 200 && percent < 100)
		goto out;
	bar->last_percent = percent;
	bar->last_draw_ms = now_ms;
	progress_draw(bar, done, now_ms, 0);
out:
	pthread_mutex_unlock(&log_lock);
}

void progress_end(uint64_t done, uint64_t now_ms)
{
	struct log_bar *bar;

	pthread_mutex_lock(&log_lock);
	bar = log_bar_cur();
	if (!bar->active)
		goto out;
	if (progress_observer)
		progress_observer(PROGRESS_STAGE_END, bar->label, done, bar->total, now_ms);
	progress_draw(bar, done, now_ms, 1);
	progress_account(bar, done);
	bar->active = 0;
	bar->cur_done = 0;
out:
	pthread_mutex_unlock(&log_lock);
}
