/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

#include <config.h>

#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "compat.h"
#include "errors.h"
#include "interrupt.h"
#include "log.h"

/*
 * The one piece of global state in the program: a signal handler has no
 * other way to talk to the code it interrupted.  Atomic, because with
 * --all every device's thread reads it (a lock-free atomic is safe in a
 * handler); each thread reports the interruption once, for its device.
 */
static atomic_int interrupt_sig;
static _Thread_local int interrupt_reported;

static void interrupt_handler(int sig)
{
	if (atomic_load(&interrupt_sig) == sig) {
		/* The second Ctrl-C: the user wants out now, cleanup or not. */
		compat_signal_die(sig);
		return;
	}
	atomic_store(&interrupt_sig, sig);
}

void interrupt_install(void)
{
	/*
	 * SIGINT, SIGTERM, and also SIGHUP and SIGPIPE: a closed terminal or
	 * a reader that went away (dfu-util ... | head) must not kill the
	 * program between an erase and its write-back: writes to the pipe
	 * fail with EPIPE instead, and the run stops at the next safe place
	 * like for Ctrl-C.
	 */
	compat_signals_install(interrupt_handler);
}

/* The name and the code of a signal we stop on. */
static const char *interrupt_name(int sig)
{
	switch (sig) {
	case SIGTERM:	return "SIGTERM";
	case SIGHUP:	return "SIGHUP";
	case SIGPIPE:	return "SIGPIPE";
	default:	return "SIGINT";
	}
}

static int interrupt_code(int sig)
{
	switch (sig) {
	case SIGTERM:	return DFU_E_TERMINATED;
	case SIGHUP:	return DFU_E_HANGUP;
	case SIGPIPE:	return DFU_E_PIPE;
	default:	return DFU_E_INTERRUPT;
	}
}

int interrupt_pending(void)
{
	return atomic_load(&interrupt_sig);
}

int interrupt_is_code(int err)
{
	return err == DFU_E_INTERRUPT || err == DFU_E_TERMINATED || err == DFU_E_HANGUP ||
	       err == DFU_E_PIPE;
}

int interrupt_check(const char *where)
{
	int sig = atomic_load(&interrupt_sig);

	if (sig == 0)
		return 0;
	if (!interrupt_reported) {
		interrupt_reported = 1;
		log_error("interrupted (%s)%s%s", interrupt_name(sig),
			  where && *where ? " " : "", where ? where : "");
	}
	return interrupt_code(sig);
}

void interrupt_clear(void)
{
	atomic_store(&interrupt_sig, 0);
	interrupt_reported = 0;
}

void interrupt_raise_for_test(int sig)
{
	atomic_store(&interrupt_sig, sig);
}
