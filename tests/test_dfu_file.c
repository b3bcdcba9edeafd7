/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * dfu_file.c: the Annex B CRC against known answers (computed with
 * python3's zlib: stored = zlib.crc32(data) ^ 0xffffffff), the suffix
 * parser on good and broken inputs, and the no-overwrite output file.
 */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dfu_file.h"
#include "errors.h"
#include "log.h"

/* "hello firmware" + suffix bcdDevice 0x0200, 0483:df11, bcdDFU 0x0100. */
static const unsigned char good_file[] = {
	0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x66, 0x69, 0x72, 0x6d, 0x77, 0x61, 0x72, 0x65,
	0x00, 0x02, 0x11, 0xdf, 0x83, 0x04, 0x00, 0x01, 0x55, 0x46, 0x44, 0x10,
	0x42, 0x05, 0x83, 0x4a,
};
#define GOOD_PAYLOAD 14

static void test_crc_known_answers(void **state)
{
	static const unsigned char digits[] = "123456789";
	unsigned char all[256];
	int i;

	(void)state;
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	assert_int_equal(dfu_crc32(0xffffffffu, NULL, 0), 0xffffffffu);
	assert_int_equal(dfu_crc32(0xffffffffu, (const unsigned char *)"a", 1), 0x174841bcu);
	assert_int_equal(dfu_crc32(0xffffffffu, digits, 9), 0x340bc6d9u);
	assert_int_equal(dfu_crc32(0xffffffffu, all, 256), 0xd6fa738cu);
	/* Incremental use gives the same register as one call. */
	assert_int_equal(dfu_crc32(dfu_crc32(0xffffffffu, digits, 4), digits + 4, 5), 0x340bc6d9u);
}

static void test_suffix_good(void **state)
{
	struct dfu_suffix sfx;

	(void)state;
	assert_int_equal(dfu_suffix_parse(good_file, sizeof(good_file), &sfx), SUFFIX_OK);
	assert_int_equal(sfx.bcdDevice, 0x0200);
	assert_int_equal(sfx.idProduct, 0xdf11);
	assert_int_equal(sfx.idVendor, 0x0483);
	assert_int_equal(sfx.bcdDFU, 0x0100);
	assert_int_equal(sfx.bLength, 16);
	assert_int_equal(sfx.dwCRC, 0x4a830542u);
}

static void test_suffix_none(void **state)
{
	static const unsigned char plain[32] = { 1, 2, 3 };
	struct dfu_suffix sfx;

	(void)state;
	assert_int_equal(dfu_suffix_parse(plain, sizeof(plain), &sfx), SUFFIX_NONE);
	/* The payload alone has no suffix either. */
	assert_int_equal(dfu_suffix_parse(good_file, GOOD_PAYLOAD, &sfx), SUFFIX_NONE);
}

static void test_suffix_bad_crc(void **state)
{
	unsigned char buf[sizeof(good_file)];
	struct dfu_suffix sfx;

	(void)state;
	memcpy(buf, good_file, sizeof(buf));
	buf[3] ^= 0x01;		/* one flipped bit in the payload */
	assert_int_equal(dfu_suffix_parse(buf, sizeof(buf), &sfx), SUFFIX_BAD_CRC);
	memcpy(buf, good_file, sizeof(buf));
	buf[sizeof(buf) - 1] ^= 0x80;	/* in the stored CRC */
	assert_int_equal(dfu_suffix_parse(buf, sizeof(buf), &sfx), SUFFIX_BAD_CRC);
}

static void test_suffix_bad_length(void **state)
{
	unsigned char buf[sizeof(good_file)];
	struct dfu_suffix sfx;

	(void)state;
	memcpy(buf, good_file, sizeof(buf));
	buf[sizeof(buf) - 5] = 15;
	assert_int_equal(dfu_suffix_parse(buf, sizeof(buf), &sfx), SUFFIX_BAD_LENGTH);
	buf[sizeof(buf) - 5] = 0;
	assert_int_equal(dfu_suffix_parse(buf, sizeof(buf), &sfx), SUFFIX_BAD_LENGTH);
	buf[sizeof(buf) - 5] = sizeof(good_file) + 1;	/* longer than the file */
	assert_int_equal(dfu_suffix_parse(buf, sizeof(buf), &sfx), SUFFIX_BAD_LENGTH);
}

static void test_suffix_tiny_files(void **state)
{
	struct dfu_suffix sfx;
	size_t n;

	(void)state;
	/* Every file shorter than a suffix, including the tail of a real one. */
	for (n = 0; n < DFU_SUFFIX_LEN; n++) {
		assert_int_equal(dfu_suffix_parse(good_file + sizeof(good_file) - n, n, &sfx),
				 SUFFIX_NONE);
	}
}

static void test_suffix_exactly_16(void **state)
{
	/* A file that is only a suffix (ffff:ffff), CRC computed with zlib. */
	static const unsigned char only[16] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x01, 'U', 'F', 'D', 16,
		0xe1, 0xf1, 0x7b, 0x88,
	};
	struct dfu_suffix sfx;

	(void)state;
	assert_int_equal(dfu_suffix_parse(only, sizeof(only), &sfx), SUFFIX_OK);
	assert_int_equal(sfx.idVendor, 0xffff);
	assert_int_equal(sfx.bLength, 16);
}

static void test_suffix_build_round_trip(void **state)
{
	static const unsigned char payload[] = "hello firmware";
	struct dfu_suffix in = {
		.bcdDevice = 0x0200, .idProduct = 0xdf11, .idVendor = 0x0483, .bcdDFU = 0x0100,
	};
	unsigned char buf[GOOD_PAYLOAD + DFU_SUFFIX_LEN];
	struct dfu_suffix out;

	(void)state;
	memcpy(buf, payload, GOOD_PAYLOAD);
	dfu_suffix_build(payload, GOOD_PAYLOAD, &in, buf + GOOD_PAYLOAD);
	/* Byte for byte what the independent python encoder produced. */
	assert_memory_equal(buf, good_file, sizeof(good_file));
	assert_int_equal(dfu_suffix_parse(buf, sizeof(buf), &out), SUFFIX_OK);
	assert_int_equal(out.idVendor, in.idVendor);
	assert_int_equal(out.idProduct, in.idProduct);
	assert_int_equal(out.bcdDevice, in.bcdDevice);
	assert_int_equal(out.bcdDFU, in.bcdDFU);
}

/* ---------------------------------------------------------------- files */

struct tmpdir {
	char path[64];
};

static int tmpdir_setup(void **state)
{
	struct tmpdir *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->path, sizeof(t->path), "%s", "/tmp/test_dfu_file.XXXXXX");
	if (!mkdtemp(t->path)) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

/* Remove what a test left (one level deep), then the directory. */
static int tmpdir_teardown(void **state)
{
	struct tmpdir *t = *state;
	char p[512];
	struct dirent *e;
	DIR *d = opendir(t->path);

	if (d) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", t->path, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(t->path);
	free(t);
	return 0;
}

static int count_entries(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void write_file(const char *path, const unsigned char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static size_t read_file(const char *path, unsigned char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, cap);
	assert_true(n >= 0);
	close(fd);
	return (size_t)n;
}

static void test_load_with_suffix(void **state)
{
	struct tmpdir *t = *state;
	struct dfu_file f;
	char p[128];

	snprintf(p, sizeof(p), "%s/fw.dfu", t->path);
	write_file(p, good_file, sizeof(good_file));
	assert_int_equal(dfu_file_load(p, &f), 0);
	assert_int_equal(f.size, sizeof(good_file));
	assert_int_equal(f.payload_size, GOOD_PAYLOAD);
	assert_int_equal(f.suffix_result, SUFFIX_OK);
	assert_int_equal(f.suffix.idVendor, 0x0483);
	assert_memory_equal(f.data, good_file, sizeof(good_file));
	dfu_file_free(&f);
	assert_null(f.data);
}

static void test_load_large_plain(void **state)
{
	struct tmpdir *t = *state;
	size_t n = 300000, i;	/* several times the initial buffer */
	unsigned char *big = malloc(n);
	struct dfu_file f;
	char p[128];

	assert_non_null(big);
	for (i = 0; i < n; i++)
		big[i] = (unsigned char)(i * 7 + 3);
	snprintf(p, sizeof(p), "%s/big.bin", t->path);
	write_file(p, big, n);
	assert_int_equal(dfu_file_load(p, &f), 0);
	assert_int_equal(f.size, n);
	assert_int_equal(f.payload_size, n);
	assert_int_equal(f.suffix_result, SUFFIX_NONE);
	assert_memory_equal(f.data, big, n);
	dfu_file_free(&f);
	free(big);
}

static void test_load_empty(void **state)
{
	struct tmpdir *t = *state;
	struct dfu_file f;
	char p[128];

	snprintf(p, sizeof(p), "%s/empty.bin", t->path);
	write_file(p, NULL, 0);
	assert_int_equal(dfu_file_load(p, &f), 0);
	assert_int_equal(f.size, 0);
	assert_int_equal(f.payload_size, 0);
	assert_int_equal(f.suffix_result, SUFFIX_NONE);
	dfu_file_free(&f);
}

static void test_load_corrupt(void **state)
{
	struct tmpdir *t = *state;
	unsigned char buf[sizeof(good_file)];
	struct dfu_file f;
	char p[128];

	memcpy(buf, good_file, sizeof(buf));
	buf[0] ^= 0x20;
	snprintf(p, sizeof(p), "%s/bad.dfu", t->path);
	write_file(p, buf, sizeof(buf));
	assert_int_equal(dfu_file_load(p, &f), DFU_E_DATA);
	assert_null(f.data);

	buf[0] ^= 0x20;
	buf[sizeof(buf) - 5] = 3;
	snprintf(p, sizeof(p), "%s/badlen.dfu", t->path);
	write_file(p, buf, sizeof(buf));
	assert_int_equal(dfu_file_load(p, &f), DFU_E_DATA);
}

static void test_load_stdin(void **state)
{
	struct dfu_file f;
	int fds[2], saved;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], good_file, sizeof(good_file)), (ssize_t)sizeof(good_file));
	close(fds[1]);
	saved = dup(STDIN_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);
	assert_int_equal(dfu_file_load("-", &f), 0);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	assert_string_equal(f.name, "-");
	assert_int_equal(f.size, sizeof(good_file));
	assert_int_equal(f.payload_size, GOOD_PAYLOAD);
	assert_int_equal(f.suffix_result, SUFFIX_OK);
	dfu_file_free(&f);
}

static void test_load_missing(void **state)
{
	struct tmpdir *t = *state;
	struct dfu_file f;
	char p[128];

	snprintf(p, sizeof(p), "%s/nope.bin", t->path);
	assert_int_equal(dfu_file_load(p, &f), DFU_E_NOINPUT);
	/* A directory opens but cannot be read. */
	assert_int_equal(dfu_file_load(t->path, &f), DFU_E_NOINPUT);
}

static void test_outfile_refuses_existing(void **state)
{
	static const unsigned char old[] = "precious";
	struct tmpdir *t = *state;
	struct dfu_outfile o;
	unsigned char buf[64];
	char p[128];

	snprintf(p, sizeof(p), "%s/out.bin", t->path);
	write_file(p, old, sizeof(old));
	assert_int_equal(dfu_outfile_open(&o, p), DFU_E_CANTCREAT);
	dfu_outfile_abort(&o);	/* safe after a failed open */
	assert_int_equal(read_file(p, buf, sizeof(buf)), sizeof(old));
	assert_memory_equal(buf, old, sizeof(old));
	assert_int_equal(count_entries(t->path), 1);	/* no temporary left */
}

static void test_outfile_refuses_dangling_symlink(void **state)
{
	struct tmpdir *t = *state;
	struct dfu_outfile o;
	char p[128];

	snprintf(p, sizeof(p), "%s/link.bin", t->path);
	assert_int_equal(symlink("/nonexistent/target", p), 0);
	assert_int_equal(dfu_outfile_open(&o, p), DFU_E_CANTCREAT);
	assert_int_equal(count_entries(t->path), 1);
}

static void test_outfile_commit(void **state)
{
	struct tmpdir *t = *state;
	struct dfu_outfile o;
	unsigned char buf[64];
	struct stat sb;
	mode_t mask;
	char p[128];

	snprintf(p, sizeof(p), "%s/up.bin", t->path);
	assert_int_equal(dfu_outfile_open(&o, p), 0);
	/* Nothing under the final name until commit. */
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(dfu_outfile_write(&o, (const unsigned char *)"abc", 3), 0);
	assert_int_equal(dfu_outfile_write(&o, (const unsigned char *)"defg", 4), 0);
	assert_int_equal(o.written, 7);
	assert_int_equal(dfu_outfile_commit(&o), 0);
	assert_string_equal(o.final_name, p);
	dfu_outfile_abort(&o);	/* only frees after a commit */
	assert_int_equal(read_file(p, buf, sizeof(buf)), 7);
	assert_memory_equal(buf, "abcdefg", 7);
	assert_int_equal(count_entries(t->path), 1);
	/* The mode follows the umask like any newly created file. */
	mask = umask(0);
	umask(mask);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0666 & ~mask);
}

static void test_outfile_commit_race(void **state)
{
	static const unsigned char other[] = "someone else";
	struct tmpdir *t = *state;
	struct dfu_outfile o;
	unsigned char buf[64];
	char p[128];

	snprintf(p, sizeof(p), "%s/race.bin", t->path);
	assert_int_equal(dfu_outfile_open(&o, p), 0);
	assert_int_equal(dfu_outfile_write(&o, (const unsigned char *)"ours", 4), 0);
	write_file(p, other, sizeof(other));	/* appears during the upload */
	assert_int_equal(dfu_outfile_commit(&o), DFU_E_CANTCREAT);
	dfu_outfile_abort(&o);
	assert_int_equal(read_file(p, buf, sizeof(buf)), sizeof(other));
	assert_memory_equal(buf, other, sizeof(other));
	/* Our data is kept under the temporary name rather than lost. */
	assert_int_equal(count_entries(t->path), 2);
}

static void test_outfile_abort(void **state)
{
	struct tmpdir *t = *state;
	struct dfu_outfile o;
	char p[128];

	snprintf(p, sizeof(p), "%s/gone.bin", t->path);
	assert_int_equal(dfu_outfile_open(&o, p), 0);
	assert_int_equal(count_entries(t->path), 1);	/* the temporary */
	assert_int_equal(dfu_outfile_write(&o, (const unsigned char *)"xyz", 3), 0);
	dfu_outfile_abort(&o);
	assert_int_equal(count_entries(t->path), 0);
	assert_int_equal(o.fd, -1);
	assert_null(o.tmp_name);
}

static void test_outfile_bad_directory(void **state)
{
	struct tmpdir *t = *state;
	struct dfu_outfile o;
	char p[128];

	snprintf(p, sizeof(p), "%s/no/such/dir.bin", t->path);
	assert_int_equal(dfu_outfile_open(&o, p), DFU_E_CANTCREAT);
	assert_int_equal(o.fd, -1);
}

#define DIR_TEST(f) cmocka_unit_test_setup_teardown(f, tmpdir_setup, tmpdir_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc_known_answers),
		cmocka_unit_test(test_suffix_good),
		cmocka_unit_test(test_suffix_none),
		cmocka_unit_test(test_suffix_bad_crc),
		cmocka_unit_test(test_suffix_bad_length),
		cmocka_unit_test(test_suffix_tiny_files),
		cmocka_unit_test(test_suffix_exactly_16),
		cmocka_unit_test(test_suffix_build_round_trip),
		DIR_TEST(test_load_with_suffix),
		DIR_TEST(test_load_large_plain),
		DIR_TEST(test_load_empty),
		DIR_TEST(test_load_corrupt),
		cmocka_unit_test(test_load_stdin),
		DIR_TEST(test_load_missing),
		DIR_TEST(test_outfile_refuses_existing),
		DIR_TEST(test_outfile_refuses_dangling_symlink),
		DIR_TEST(test_outfile_commit),
		DIR_TEST(test_outfile_commit_race),
		DIR_TEST(test_outfile_abort),
		DIR_TEST(test_outfile_bad_directory),
	};

	log_set_verbosity(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
