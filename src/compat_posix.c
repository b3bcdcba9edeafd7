/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/* compat.h on POSIX systems: the calls themselves, mostly. */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

#include "compat.h"

void compat_signals_install(void (*handler)(int sig))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocking call returns EINTR and the loop looks at the flag. */
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
}

void compat_signal_die(int sig)
{
	/* Inside the handler sig is blocked: it arrives when the handler returns. */
	signal(sig, SIG_DFL);
	raise(sig);
}

void compat_raise(int sig)
{
	raise(sig);
}

void compat_stdio_init(void)
{
}

int compat_is_terminal(FILE *f)
{
	return isatty(fileno(f));
}

int compat_same_file(int fd1, int fd2)
{
	struct stat a, b;

	return fstat(fd1, &a) == 0 && fstat(fd2, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_rdev == b.st_rdev;
}

int compat_mkdir(const char *path)
{
	return mkdir(path, 0777);
}

int compat_lstat(const char *path, struct stat *sb)
{
	return lstat(path, sb);
}

char *compat_realpath(const char *path)
{
	return realpath(path, NULL);
}

int compat_mkstemp(char *tmpl)
{
	return mkstemp(tmpl);
}

int compat_fchmod(int fd, mode_t mode)
{
	return fchmod(fd, mode);
}

mode_t compat_new_file_mode(void)
{
	mode_t mask = umask(0);

	umask(mask);
	return 0666 & ~mask;
}

int compat_fsync(int fd)
{
	return fsync(fd);
}

int compat_rename_replace(const char *from, const char *to)
{
	return rename(from, to) < 0 ? errno : 0;
}

/*
 * link() is atomic and refuses to replace; where the file system has no
 * hard links, renameat2(RENAME_NOREPLACE) does the same; the last resort
 * is a check followed by rename().
 */
int compat_rename_noreplace(const char *from, const char *to)
{
	struct stat sb;
	int e;

	if (link(from, to) == 0) {
		unlink(from);
		return 0;
	}
	e = errno;
	if (e != EPERM && e != ENOTSUP && e != EOPNOTSUPP && e != EXDEV && e != ENOSYS &&
	    e != EMLINK)
		return e;
#if defined(__linux__) && defined(SYS_renameat2)
	/* 1 is RENAME_NOREPLACE; old C libraries have neither wrapper nor macro. */
	if (syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 1) == 0)
		return 0;
	e = errno;
	if (e != EINVAL && e != ENOSYS && e != ENOTSUP && e != EOPNOTSUPP)
		return e;
#endif
	if (lstat(to, &sb) == 0)
		return EEXIST;
	if (rename(from, to) < 0)
		return errno;
	return 0;
}
