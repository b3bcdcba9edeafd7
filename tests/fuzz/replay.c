/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * Replays fuzz corpora without libFuzzer: linked with one harness (which
 * defines LLVMFuzzerInitialize and LLVMFuzzerTestOneInput), it feeds the
 * harness every file named on the command line, and every file inside
 * each directory named there, in name order.  A crash or a broken
 * invariant aborts the program, so make check fails.  It prints one line
 * with the count, and fails when it found nothing to replay: a corpus
 * that went missing must not pass as an empty success.
 *
 *   replay_map tests/fuzz/corpus/map
 */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A copy of stdout taken before the harness silences the standard streams. */
static FILE *replay_out;

/* Read a whole file into a buffer of exactly its size, so over-reads stay visible to ASan. */
static int replay_file(const char *path, unsigned long *count)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL, *exact;
	size_t len = 0, cap = 0;

	if (!f) {
		fprintf(replay_out, "replay: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			unsigned char *nb;

			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap);
			if (!nb) {
				fprintf(replay_out, "replay: out of memory reading %s\n", path);
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(replay_out, "replay: cannot read %s\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	/*
	 * malloc(0) may return NULL; libFuzzer passes a valid pointer even then.
	 * Zeroed, so that an empty input is not "uninitialized" to gcc -flto.
	 */
	exact = calloc(len ? len : 1, 1);
	if (!exact) {
		free(buf);
		return -1;
	}
	if (len)
		memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	(*count)++;
	return 0;
}

static int replay_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir, unsigned long *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (!d) {
		fprintf(replay_out, "replay: cannot open %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char *path;
		size_t plen;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		plen = strlen(dir) + strlen(e->d_name) + 2;
		path = malloc(plen);
		if (!path) {
			rc = -1;
			break;
		}
		snprintf(path, plen, "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		if (n == cap) {
			char **nn;

			cap = cap ? cap * 2 : 64;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn) {
				free(path);
				rc = -1;
				break;
			}
			names = nn;
		}
		names[n++] = path;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), replay_name_cmp);
	for (i = 0; i < n; i++) {
		if (rc == 0 && getenv("REPLAY_TRACE"))
			fprintf(replay_out, "replay: %s\n", names[i]);
		if (rc == 0 && replay_file(names[i], count) < 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned long count = 0;
	int i;

	replay_out = fdopen(dup(1), "w");
	if (!replay_out)
		return 1;
	if (argc < 2) {
		fprintf(replay_out, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
		return 2;
	}
	/* The harness may silence stdout/stderr: say nothing through them after this. */
	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		struct stat st;
		int rc;

		if (stat(argv[i], &st) != 0) {
			fprintf(replay_out, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		rc = S_ISDIR(st.st_mode) ? replay_dir(argv[i], &count)
					 : replay_file(argv[i], &count);
		if (rc < 0)
			return 1;
	}
	fprintf(replay_out, "replayed %lu input%s\n", count, count == 1 ? "" : "s");
	fclose(replay_out);
	return count ? 0 : 1;
}
