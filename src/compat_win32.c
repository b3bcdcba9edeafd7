/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/* compat.h on Windows (MinGW-w64): the C runtime and the Win32 API. */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <direct.h>
#include <io.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <windows.h>

#include "compat.h"

/* ------------------------------------------------------------ signals */

/*
 * Windows has no signals to speak of: console events (Ctrl-C, Ctrl-Break,
 * the window closed) arrive on a thread of their own, and raise() knows
 * only the C runtime's few.  The handler is called directly instead.
 */
static void (*volatile compat_handler)(int sig);

static BOOL WINAPI compat_console_event(DWORD type)
{
	void (*h)(int) = compat_handler;

	if (!h)
		return FALSE;
	switch (type) {
	case CTRL_C_EVENT:
	case CTRL_BREAK_EVENT:
		h(SIGINT);
		return TRUE;
	case CTRL_CLOSE_EVENT:
	case CTRL_LOGOFF_EVENT:
	case CTRL_SHUTDOWN_EVENT:
		h(SIGHUP);
		/*
		 * Windows ends the process as soon as this returns: wait
		 * instead, so that the main thread stops at the next safe
		 * place and exits (which ends this thread too).  Windows
		 * allows a few seconds before it ends the process anyway.
		 */
		Sleep(INFINITE);
		return TRUE;
	default:
		return FALSE;
	}
}

void compat_signals_install(void (*handler)(int sig))
{
	compat_handler = handler;
	SetConsoleCtrlHandler(compat_console_event, TRUE);
}

void compat_signal_die(int sig)
{
	/* What a shell reports for a program a signal ended: 128 + its number. */
	_exit(128 + sig);
}

void compat_raise(int sig)
{
	void (*h)(int) = compat_handler;

	if (h)
		h(sig);
	else
		compat_signal_die(sig);
}

/* ------------------------------------------------------------ streams */

static UINT compat_console_cp;

#ifndef ENABLE_VIRTUAL_TERMINAL_PROCESSING
#define ENABLE_VIRTUAL_TERMINAL_PROCESSING 0x0004
#endif

static void compat_console_vt(int fd)
{
	HANDLE h = (HANDLE)_get_osfhandle(fd);
	DWORD mode;

	if (h != INVALID_HANDLE_VALUE && GetConsoleMode(h, &mode))
		SetConsoleMode(h, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING);
}

static void compat_console_restore(void)
{
	SetConsoleOutputCP(compat_console_cp);
}

void compat_stdio_init(void)
{
	/* Firmware goes through stdin and stdout (-D -, -U -): no CR LF. */
	_setmode(_fileno(stdin), _O_BINARY);
	_setmode(_fileno(stdout), _O_BINARY);
	_setmode(_fileno(stderr), _O_BINARY);
	/*
	 * The manifest makes the program's code page UTF-8; a console shows
	 * the bytes in its own until told otherwise (and afterwards again).
	 */
	compat_console_cp = GetConsoleOutputCP();
	if (compat_console_cp && compat_console_cp != CP_UTF8 && SetConsoleOutputCP(CP_UTF8))
		atexit(compat_console_restore);
	/* --all redraws its board with ANSI escapes (Windows 10 and later). */
	compat_console_vt(_fileno(stdout));
	compat_console_vt(_fileno(stderr));
}

static HANDLE compat_handle(int fd)
{
	return (HANDLE)_get_osfhandle(fd);
}

int compat_is_terminal(FILE *f)
{
	/*
	 * Not isatty(): that is true for NUL and any other character device.
	 * A console that cannot take ANSI escapes (before Windows 10) gets
	 * whole lines, as a file does.
	 */
	HANDLE h = compat_handle(_fileno(f));
	DWORD mode;

	return h != INVALID_HANDLE_VALUE && GetConsoleMode(h, &mode) &&
	       (mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING) ? 1 : 0;
}

int compat_same_file(int fd1, int fd2)
{
	HANDLE h1 = compat_handle(fd1), h2 = compat_handle(fd2);
	BY_HANDLE_FILE_INFORMATION a, b;

	if (h1 == INVALID_HANDLE_VALUE || h2 == INVALID_HANDLE_VALUE)
		return 0;
	if (h1 == h2)
		return 1;
	/* Files have an identity; consoles and pipes only their handle. */
	if (!GetFileInformationByHandle(h1, &a) || !GetFileInformationByHandle(h2, &b))
		return 0;
	return a.dwVolumeSerialNumber == b.dwVolumeSerialNumber &&
	       a.nFileIndexHigh == b.nFileIndexHigh && a.nFileIndexLow == b.nFileIndexLow;
}

/* ------------------------------------------------------------ files */

static int compat_errno(DWORD e)
{
	switch (e) {
	case ERROR_FILE_NOT_FOUND:
	case ERROR_PATH_NOT_FOUND:
		return ENOENT;
	case ERROR_ACCESS_DENIED:
	case ERROR_SHARING_VIOLATION:
	case ERROR_LOCK_VIOLATION:
		return EACCES;
	case ERROR_ALREADY_EXISTS:
	case ERROR_FILE_EXISTS:
		return EEXIST;
	case ERROR_NOT_SAME_DEVICE:
		return EXDEV;
	case ERROR_DISK_FULL:
	case ERROR_HANDLE_DISK_FULL:
		return ENOSPC;
	case ERROR_WRITE_PROTECT:
		return EROFS;
	case ERROR_INVALID_NAME:
		return EINVAL;
	default:
		return EIO;
	}
}

int compat_mkdir(const char *path)
{
	return _mkdir(path);
}

int compat_lstat(const char *path, struct stat *sb)
{
	return stat(path, sb);
}

char *compat_realpath(const char *path)
{
	char *p = _fullpath(NULL, path, 0);

	if (p && _access(p, 0) < 0) {
		int e = errno;

		free(p);
		errno = e;
		return NULL;
	}
	return p;
}

int compat_mkstemp(char *tmpl)
{
	static const char letters[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	static unsigned int calls;
	size_t n = strlen(tmpl);
	char *x;
	uint64_t v;
	int tries, i, fd;

	if (n < 6 || strcmp(tmpl + n - 6, "XXXXXX") != 0) {
		errno = EINVAL;
		return -1;
	}
	x = tmpl + n - 6;
	/* Unpredictable enough for names; O_EXCL makes it safe either way. */
	v = GetTickCount64() ^ ((uint64_t)GetCurrentProcessId() << 32) ^ (uint64_t)(uintptr_t)tmpl;
	for (tries = 0; tries < 1000; tries++) {
		LARGE_INTEGER t;

		QueryPerformanceCounter(&t);
		v ^= (uint64_t)t.QuadPart + ++calls;
		v = v * 6364136223846793005ULL + 1442695040888963407ULL;
		for (i = 0; i < 6; i++)
			x[i] = letters[(v >> (10 + 6 * i)) % (sizeof(letters) - 1)];
		fd = _open(tmpl, _O_RDWR | _O_CREAT | _O_EXCL | _O_BINARY, _S_IREAD | _S_IWRITE);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

int compat_fchmod(int fd, mode_t mode)
{
	/* Only a read-only flag, and the new file is to be written. */
	(void)fd;
	(void)mode;
	return 0;
}

mode_t compat_new_file_mode(void)
{
	return 0666;
}

int compat_fsync(int fd)
{
	return _commit(fd);
}

int compat_rename_replace(const char *from, const char *to)
{
	/* rename() in the C runtime fails when to exists. */
	if (MoveFileExA(from, to, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
		return 0;
	return compat_errno(GetLastError());
}

int compat_rename_noreplace(const char *from, const char *to)
{
	/* Without MOVEFILE_REPLACE_EXISTING the move fails if to exists, atomically. */
	if (MoveFileExA(from, to, MOVEFILE_WRITE_THROUGH))
		return 0;
	return compat_errno(GetLastError());
}
