/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_INTERRUPT_H
#define DFU_INTERRUPT_H

/*
 * SIGINT, SIGTERM, SIGHUP and SIGPIPE stop a transfer cleanly instead of killing the
 * program mid-request: the handler only records the signal, and the loops
 * that talk to a device ask between requests whether to stop.  The caller
 * then brings the device back to dfuIDLE, releases it and removes a
 * half-written upload file before main() exits with 130, 143, 129 or 141.
 */

/*
 * Install the handlers (main() only).  They are installed without
 * SA_RESTART, so a blocking system call returns early.  A second signal
 * of the same kind, while the first is still being handled, kills the
 * program the default way: a user who presses Ctrl-C twice means it.
 */
void interrupt_install(void);

/* The signal received (SIGINT, SIGTERM, SIGHUP, SIGPIPE), or 0. */
int interrupt_pending(void);

/*
 * 0 when no signal arrived; otherwise reports once "interrupted (SIGINT)
 * WHERE" and returns DFU_E_INTERRUPT (SIGINT), DFU_E_TERMINATED
 * (SIGTERM), DFU_E_HANGUP (SIGHUP) or DFU_E_PIPE (SIGPIPE).  where says what was done last ("after block 5"); may be
 * NULL.
 */
int interrupt_check(const char *where);

/* 1 for the codes interrupt_check returns. */
int interrupt_is_code(int err);

/* Forget a recorded signal (tests; also the simulator's own tests). */
void interrupt_clear(void);

/* Record a signal as the handler would (tests). */
void interrupt_raise_for_test(int sig);

#endif
