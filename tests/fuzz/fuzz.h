/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_FUZZ_H
#define DFU_FUZZ_H

/*
 * Shared by the libFuzzer harnesses in tests/fuzz/.  Each harness is one
 * C file defining LLVMFuzzerTestOneInput (and usually LLVMFuzzerInitialize);
 * it is linked either with libFuzzer (clang -fsanitize=fuzzer, run.sh) or
 * with replay.c, a plain main() that feeds it every file of a corpus, so
 * that make check replays the corpora with any compiler.
 *
 * Everything here is static inline: a harness is a single translation
 * unit plus the library.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/*
 * For the oracles that check the library's results: coverage feedback
 * from them would only slow the fuzzer down and steer it nowhere useful.
 */
#if defined(__clang__)
#define FUZZ_ORACLE __attribute__((no_sanitize("coverage"), noinline))
#else
#define FUZZ_ORACLE
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * An invariant the library promises was broken: that is a bug as much as
 * a crash, so make the fuzzer (or the replay) stop on it with the reason.
 * stderr may be /dev/null by then, so the reason goes to the saved copy.
 */
static FILE *fuzz_report_stream;

static inline void fuzz_fail(const char *file, int line, const char *what)
{
	FILE *f = fuzz_report_stream ? fuzz_report_stream : stderr;

	fprintf(f, "%s:%d: fuzz invariant failed: %s\n", file, line, what);
	fflush(f);
	abort();
}

#define FUZZ_CHECK(cond) \
	do { if (!(cond)) fuzz_fail(__FILE__, __LINE__, #cond); } while (0)

/*
 * The library reports through log.h on stdout and stderr; thousands of
 * messages a second would make fuzzing I/O bound (log.c flushes every
 * line, a system call each).  So both become streams that discard what
 * they are given without a system call.  libFuzzer's own output and the
 * sanitizer reports do not go through these FILEs when run.sh passes
 * -close_fd_mask=3 (it defines FUZZ_LIBFUZZER).  A copy of the real
 * stderr is kept for FUZZ_CHECK.  FUZZ_VERBOSE in the environment keeps
 * the messages (to see what an input does).
 */
static ssize_t fuzz_discard(void *cookie, const char *buf, size_t size)
{
	(void)cookie;
	(void)buf;
	return (ssize_t)size;
}

static inline void fuzz_quiet(void)
{
	static const cookie_io_functions_t discard = { NULL, fuzz_discard, NULL, NULL };
	static int done;
	FILE *null_out, *null_err;

	if (done)
		return;
	done = 1;
	if (getenv("FUZZ_VERBOSE"))
		return;
#ifndef FUZZ_LIBFUZZER
	fuzz_report_stream = fdopen(dup(2), "w");
#endif
	null_out = fopencookie(NULL, "w", discard);
	null_err = fopencookie(NULL, "w", discard);
	if (!null_out || !null_err)
		abort();
	/* glibc's stdout and stderr are plain variables: swap the streams. */
	stdout = null_out;
	stderr = null_err;
}

/*
 * The LLVMFuzzerInitialize of a harness that needs nothing but quiet
 * (fuzz_quiet); written once at file level in the harness.
 */
#define FUZZ_INITIALIZE_QUIET \
	int LLVMFuzzerInitialize(int *argc, char ***argv) \
	{ \
		(void)argc; \
		(void)argv; \
		fuzz_quiet(); \
		return 0; \
	}

/* Little-endian readers over the input, for harnesses that take fields from it. */
struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

static inline unsigned int fuzz_u8(struct fuzz_in *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

static inline unsigned int fuzz_u16(struct fuzz_in *in)
{
	unsigned int lo = fuzz_u8(in);

	return lo | (fuzz_u8(in) << 8);
}

static inline uint32_t fuzz_u32(struct fuzz_in *in)
{
	uint32_t lo = fuzz_u16(in);

	return lo | ((uint32_t)fuzz_u16(in) << 16);
}

/* Up to n bytes of the input; *got says how many there were. */
static inline const uint8_t *fuzz_bytes(struct fuzz_in *in, size_t n, size_t *got)
{
	const uint8_t *p = in->p;

	if (n > in->left)
		n = in->left;
	in->p += n;
	in->left -= n;
	*got = n;
	return p;
}

/* The input as a NUL-terminated string in a buffer of exactly size + 1 bytes. */
static inline char *fuzz_strdup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
