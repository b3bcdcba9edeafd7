/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_COMPAT_H
#define DFU_COMPAT_H

/*
 * What POSIX systems and Windows do differently, behind one small
 * interface: src/compat_posix.c and src/compat_win32.c implement it, and
 * configure picks one (HOST_WINDOWS).  The rest of the program calls these
 * and never asks which system it runs on.
 *
 * It includes <fcntl.h>, <signal.h> and <sys/stat.h> and fills in what
 * they lack.
 */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

/* open() flags some systems do not have: 0 where they mean nothing. */
#ifndef O_BINARY
#define O_BINARY 0
#endif
#ifndef O_NOCTTY
#define O_NOCTTY 0
#endif

/* Windows has no symbolic links that stat() would tell apart. */
#ifndef S_ISLNK
#define S_ISLNK(m) 0
#endif

/*
 * The four stop requests the program understands keep their POSIX names
 * and numbers everywhere.  On Windows, SIGHUP stands for the console
 * window being closed (or the user logging off), and SIGPIPE only ever
 * comes from the simulator's fault trigger.
 */
#ifndef SIGHUP
#define SIGHUP 1
#endif
#ifndef SIGPIPE
#define SIGPIPE 13
#endif

/*
 * Route SIGINT, SIGTERM, SIGHUP and SIGPIPE (or what stands for them) to
 * handler.  A blocking call is not restarted after it (POSIX: no
 * SA_RESTART).  On Windows the handler may run on another thread: it must
 * only record the request.
 */
void compat_signals_install(void (*handler)(int sig));

/* Let sig do what it does by default, now: the program ends. */
void compat_signal_die(int sig);

/* Deliver sig to this process as if it came from outside. */
void compat_raise(int sig);

/* Standard input and output carry bytes, not text (no CR LF on Windows). */
void compat_stdio_init(void);

/* 1 when f is an interactive terminal (a console on Windows). */
int compat_is_terminal(FILE *f);

/* 1 when the two descriptors are the same open file or device. */
int compat_same_file(int fd1, int fd2);

/* mkdir() with the default permissions (0777 less the umask). */
int compat_mkdir(const char *path);

/* lstat() where there are symbolic links, stat() elsewhere. */
int compat_lstat(const char *path, struct stat *sb);

/* The absolute path, links resolved: malloc'd, or NULL with errno set. */
char *compat_realpath(const char *path);

/*
 * Create and open (read-write, binary) a new file from a template ending
 * in XXXXXX, which is replaced; never an existing file.  -1 and errno on
 * failure.
 */
int compat_mkstemp(char *tmpl);

/* Give a file the permission bits mode; 0 where the system has none. */
int compat_fchmod(int fd, mode_t mode);

/* The permission bits a new file gets: 0666 less the umask. */
mode_t compat_new_file_mode(void);

/* Bytes written to fd are on the disk when this returns 0. */
int compat_fsync(int fd);

/*
 * Move the file from to the name to, atomically.  _replace replaces an
 * existing to; _noreplace never does and returns EEXIST instead.  Both
 * return 0 or an errno value.
 */
int compat_rename_replace(const char *from, const char *to);
int compat_rename_noreplace(const char *from, const char *to);

#endif
