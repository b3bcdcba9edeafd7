/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * stopwatch: run a program and append one line to a file,
 *
 *   START_US END_US STATUS USER_US SYS_US MINFLT
 *
 * its start and end on CLOCK_MONOTONIC in microseconds, its exit status,
 * the CPU time it used in user space and in the kernel, and its minor
 * page faults.  The VM tier times each host tool with it (busybox has no clock
 * finer than /proc/uptime's hundredths) and lines the times up with
 * dfu-gadget -t, which stamps every request on the same clock.
 *
 *   stopwatch FILE PROGRAM [ARG...]
 *
 * Exits with the program's status (128 + the signal if it was killed,
 * 127 if it could not be started).
 */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long stopwatch_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000u + (unsigned long long)ts.tv_nsec / 1000u;
}

int main(int argc, char **argv)
{
	unsigned long long t0, t1;
	struct rusage ru;
	int st = 0, status;
	pid_t pid;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: stopwatch FILE PROGRAM [ARG...]\n");
		return 64;
	}
	t0 = stopwatch_now_us();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "stopwatch: fork: %s\n", strerror(errno));
		return 127;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "stopwatch: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	memset(&ru, 0, sizeof(ru));
	while (wait4(pid, &st, 0, &ru) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "stopwatch: wait4: %s\n", strerror(errno));
			return 127;
		}
	}
	t1 = stopwatch_now_us();
	status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	f = fopen(argv[1], "a");
	if (!f) {
		fprintf(stderr, "stopwatch: %s: %s\n", argv[1], strerror(errno));
		return 127;
	}
	fprintf(f, "%llu %llu %d %llu %llu %ld\n", t0, t1, status,
		(unsigned long long)ru.ru_utime.tv_sec * 1000000u + (unsigned long long)ru.ru_utime.tv_usec,
		(unsigned long long)ru.ru_stime.tv_sec * 1000000u + (unsigned long long)ru.ru_stime.tv_usec,
		ru.ru_minflt);
	if (fclose(f) != 0)
		return 127;
	return status;
}
