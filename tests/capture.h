/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_TEST_CAPTURE_H
#define DFU_TEST_CAPTURE_H

/*
 * What the message layer writes, read back by a unit test through
 * log_set_sink() (no file descriptors juggled):
 *
 *	capture_begin();
 *	... code that reports ...
 *	capture_end();
 *	assert_non_null(strstr(capture_err(), "invalid transfer size"));
 *
 * capture_out() and capture_err() hold what was meant for stdout and
 * stderr, capture_all() both in the order written.  They stay valid until
 * the next capture_begin().  Output beyond the buffers is cut.
 */

void capture_begin(void);
void capture_end(void);
const char *capture_out(void);
const char *capture_err(void);
const char *capture_all(void);

/*
 * For text that does not go through the message layer (the --help text,
 * printed straight to stdout): file descriptor fd is pointed at a temporary
 * file until capture_fd_end(), which returns what was written there.
 */
void capture_fd_begin(int fd);
const char *capture_fd_end(void);

#endif
