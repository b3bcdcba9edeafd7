/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * The message layer.  It remembers whether a progress line is half drawn
 * on stderr so that the next message starts on a fresh line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"

static const char *log_progname = "dfu-util";
static int log_level;

/* Progress state: one bar at a time. */
static struct {
	int active;
	int tty;
	int line_open;		/* stderr cursor is not at column 0 */
	const char *label;
	uint64_t total;
	uint64_t start_ms;
	uint64_t last_draw_ms;
	int last_percent;
} bar;

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

/* Called before anything is written to either stream. */
static void log_fresh_line(void)
{
	if (bar.line_open) {
		fputc('\n', stderr);
		bar.line_open = 0;
	}
}

static void log_emit(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	log_fresh_line();
	fflush(stdout);
	if (prefix)
		fprintf(f, "%s: %s", log_progname, prefix);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(stderr, "error: ", fmt, ap);
	va_end(ap);
}

void log_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_fresh_line();
	fputs("  ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(stderr, "warning: ", fmt, ap);
	va_end(ap);
}

void log_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(stderr, "", fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(stdout, NULL, fmt, ap);
	va_end(ap);
}

void log_debug(int level, const char *fmt, ...)
{
	va_list ap;

	if (log_level < level)
		return;
	va_start(ap, fmt);
	log_emit(stderr, NULL, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ progress */

static void progress_format_size(char *buf, size_t len, double bytes)
{
	if (bytes >= 10 * 1024 * 1024)
		snprintf(buf, len, "%.1f MiB", bytes / (1024 * 1024));
	else if (bytes >= 10 * 1024)
		snprintf(buf, len, "%.1f KiB", bytes / 1024);
	else
		snprintf(buf, len, "%.0f B", bytes);
}

static void progress_draw(uint64_t done, uint64_t now_ms, int final)
{
	char rate[32], amount[32];
	uint64_t elapsed = now_ms - bar.start_ms;
	double per_s = elapsed ? (double)done * 1000.0 / (double)elapsed : 0.0;

	/* Too quick to measure: say so rather than "0 B/s". */
	if (elapsed)
		progress_format_size(rate, sizeof(rate), per_s);
	else
		snprintf(rate, sizeof(rate), "-- B");
	progress_format_size(amount, sizeof(amount), (double)done);
	if (bar.tty)
		fputc('\r', stderr);
	if (bar.total) {
		int percent = (int)(done * 100 / bar.total);
		int width = 25, filled = percent * width / 100;

		fprintf(stderr, "%-8s [", bar.label);
		for (int i = 0; i < width; i++)
			fputc(i < filled ? '=' : ' ', stderr);
		fprintf(stderr, "] %3d%% %10llu bytes, %s/s", percent,
			(unsigned long long)done, rate);
	} else {
		fprintf(stderr, "%-8s %10llu bytes (%s), %s/s", bar.label,
			(unsigned long long)done, amount, rate);
	}
	if (final || !bar.tty) {
		fputc('\n', stderr);
		bar.line_open = 0;
	} else {
		/* Clear what a longer previous line may have left. */
		fputs("\033[K", stderr);
		bar.line_open = 1;
	}
	fflush(stderr);
}

void progress_start(const char *label, uint64_t total, uint64_t now_ms)
{
	log_fresh_line();
	bar.active = 1;
	bar.tty = isatty(STDERR_FILENO);
	bar.label = label;
	bar.total = total;
	bar.start_ms = now_ms;
	bar.last_draw_ms = now_ms;
	bar.last_percent = -1;
	if (bar.tty)
		progress_draw(0, now_ms, 0);
}

void progress_update(uint64_t done, uint64_t now_ms)
{
	int percent;

	/* Off a terminal there is no bar: only the final line. */
	if (!bar.active || !bar.tty)
		return;
	percent = bar.total ? (int)(done * 100 / bar.total) : -1;
	if (percent == bar.last_percent && now_ms - bar.last_draw_ms < 200)
		return;
	bar.last_percent = percent;
	bar.last_draw_ms = now_ms;
	progress_draw(done, now_ms, 0);
}

void progress_end(uint64_t done, uint64_t now_ms)
{
	if (!bar.active)
		return;
	progress_draw(done, now_ms, 1);
	bar.active = 0;
}
