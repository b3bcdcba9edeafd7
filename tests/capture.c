/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/* The one stderr/stdout capture of the unit tests: a sink on the message layer. */

#include <config.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "log.h"

#define CAPTURE_MAX 16384

struct capture_buf {
	char text[CAPTURE_MAX];
	size_t len;
};

static struct capture_buf capture_o, capture_e, capture_a;

static void capture_append(struct capture_buf *b, const char *s, size_t n)
{
	if (n > sizeof(b->text) - 1 - b->len)
		n = sizeof(b->text) - 1 - b->len;
	memcpy(b->text + b->len, s, n);
	b->len += n;
	b->text[b->len] = '\0';
}

static void capture_sink(void *ctx, enum log_stream stream, const char *text, size_t len)
{
	(void)ctx;
	capture_append(stream == LOG_STDOUT ? &capture_o : &capture_e, text, len);
	capture_append(&capture_a, text, len);
}

void capture_begin(void)
{
	capture_o.len = capture_e.len = capture_a.len = 0;
	capture_o.text[0] = capture_e.text[0] = capture_a.text[0] = '\0';
	log_set_sink(capture_sink, NULL);
}

void capture_end(void)
{
	log_set_sink(NULL, NULL);
}

const char *capture_out(void)
{
	return capture_o.text;
}

const char *capture_err(void)
{
	return capture_e.text;
}

const char *capture_all(void)
{
	return capture_a.text;
}

static int capture_fd = -1, capture_saved = -1;
static FILE *capture_tmp;

static void capture_fail(const char *what)
{
	fprintf(stderr, "capture: %s failed\n", what);
	abort();
}

void capture_fd_begin(int fd)
{
	fflush(stdout);
	fflush(stderr);
	capture_tmp = tmpfile();
	if (!capture_tmp)
		capture_fail("tmpfile");
	capture_fd = fd;
	capture_saved = dup(fd);
	if (capture_saved < 0 || dup2(fileno(capture_tmp), fd) < 0)
		capture_fail("dup2");
}

const char *capture_fd_end(void)
{
	size_t n;

	fflush(stdout);
	fflush(stderr);
	if (dup2(capture_saved, capture_fd) < 0)
		capture_fail("dup2");
	close(capture_saved);
	capture_saved = -1;
	rewind(capture_tmp);
	n = fread(capture_o.text, 1, sizeof(capture_o.text) - 1, capture_tmp);
	capture_o.text[n] = '\0';
	capture_o.len = n;
	fclose(capture_tmp);
	capture_tmp = NULL;
	return capture_o.text;
}
