/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * The message layer: which stream carries what, and the classic progress
 * layout byte for byte (wrappers parse both; see man/dfu-util.1, OUTPUT
 * FOR SCRIPTS).
 */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture.h"
#include "log.h"

static int setup(void **state)
{
	(void)state;
	log_set_progname("dfu-util");
	log_set_verbosity(0);
	log_set_stdout_is_data(0);
	return 0;
}

/* The same, and what the test reports captured until its teardown. */
static int setup_captured(void **state)
{
	setup(state);
	capture_begin();
	return 0;
}

/* The sink goes even when an assertion failed half way. */
static int teardown_captured(void **state)
{
	(void)state;
	capture_end();
	return 0;
}

#define BAR0  "                         "
#define BARF  "========================="

/* ------------------------------------------------------------ tests */

static void test_progress_layout(void **state)
{
	(void)state;
	progress_start("Download", 1000, 0);
	progress_update(500, 10);
	progress_update(1000, 20);
	progress_end(1000, 20);
	assert_string_equal(capture_out(),
		"\rDownload\t[" BAR0 "]   0%            0 bytes"
		"\rDownload\t[============             ]  50%          500 bytes"
		"\rDownload\t[" BARF "] 100%         1000 bytes"
		"\nDownload done.\n");
	assert_string_equal(capture_err(), "");
}

static void test_progress_erase_padded(void **state)
{
	(void)state;
	progress_start("Erase", 16384, 0);
	progress_end(16384, 250);
	progress_start("Upload", 10, 250);
	progress_end(10, 260);
	assert_string_equal(capture_out(),
		"\rErase   \t[" BAR0 "]   0%            0 bytes"
		"\rErase   \t[" BARF "] 100%        16384 bytes"
		"\nErase    done.\n"
		"\rUpload\t[" BAR0 "]   0%            0 bytes"
		"\rUpload\t[" BARF "] 100%           10 bytes"
		"\nUpload done.\n");
}

/* The percentage moves the bar; the byte count alone redraws once a second. */
static void test_progress_redraw_rate(void **state)
{
	(void)state;
	progress_start("Download", 1000000, 0);
	progress_update(100, 10);	/* still 0%, 10 ms: not drawn */
	progress_update(200, 1010);	/* still 0%, a second later: drawn */
	progress_end(1000000, 2000);
	assert_string_equal(capture_out(),
		"\rDownload\t[" BAR0 "]   0%            0 bytes"
		"\rDownload\t[" BAR0 "]   0%          200 bytes"
		"\rDownload\t[" BARF "] 100%      1000000 bytes"
		"\nDownload done.\n");
}

/* Unknown length (upload to the end of the device): 100% once it ended. */
static void test_progress_unknown_total(void **state)
{
	(void)state;
	progress_start("Upload", 0, 0);
	progress_update(4096, 2000);
	progress_end(6000, 3000);
	assert_string_equal(capture_out(),
		"\rUpload\t[" BAR0 "]   0%            0 bytes"
		"\rUpload\t[" BAR0 "]   0%         4096 bytes"
		"\rUpload\t[" BARF "] 100%         6000 bytes"
		"\nUpload done.\n");
}

/*
 * An error during a transfer: the bar is brought up to the last count,
 * its line ended on stdout, then the error goes to stderr; no "done.".
 */
static void test_error_after_bar(void **state)
{
	(void)state;
	progress_start("Download", 100000, 0);
	progress_update(300, 5);	/* 0%, not drawn yet */
	log_error("device lost during DNLOAD block %d", 1);
	log_hint("check the cable");
	assert_string_equal(capture_out(),
		"\rDownload\t[" BAR0 "]   0%            0 bytes"
		"\rDownload\t[" BAR0 "]   0%          300 bytes\n");
	assert_string_equal(capture_err(),
		"dfu-util: error: device lost during DNLOAD block 1\n"
		"  check the cable\n");
}

/* A note while the bar is drawn starts on a fresh line, too. */
static void test_note_after_bar(void **state)
{
	(void)state;
	progress_start("Download", 100, 0);
	log_note("device asks for a pause");
	progress_update(100, 10);
	progress_end(100, 10);
	assert_string_equal(capture_out(),
		"\rDownload\t[" BAR0 "]   0%            0 bytes\n"
		"device asks for a pause\n"
		"\rDownload\t[" BARF "] 100%          100 bytes"
		"\nDownload done.\n");
	assert_string_equal(capture_err(), "");
}

static void test_streams(void **state)
{
	(void)state;
	log_info("Found DFU: [%04x:%04x]", 0x0483, 0xdf11);
	log_note("File downloaded successfully");
	log_warn("odd descriptor");
	log_hint("under the warning");
	log_classic("Warning: Invalid DFU suffix signature");
	log_hint("under the classic line");
	log_debug(1, "not shown without -v");
	log_set_verbosity(1);
	log_debug(1, "shown with -v");
	log_set_verbosity(0);
	assert_string_equal(capture_out(),
		"Found DFU: [0483:df11]\n"
		"File downloaded successfully\n"
		"warning: odd descriptor\n"
		"  under the warning\n");
	assert_string_equal(capture_err(),
		"dfu-util: Warning: Invalid DFU suffix signature\n"
		"  under the classic line\n"
		"shown with -v\n");
}

/* -U -: stdout is the data's, everything else goes to stderr. */
static void test_stdout_is_data(void **state)
{
	(void)state;
	log_set_stdout_is_data(1);
	log_note("upload done");
	log_warn("short");
	progress_start("Upload", 10, 0);
	progress_end(10, 1);
	log_set_stdout_is_data(0);
	assert_string_equal(capture_out(), "");
	assert_string_equal(capture_err(),
		"dfu-util: upload done\n"
		"dfu-util: warning: short\n"
		"\rUpload\t[" BAR0 "]   0%            0 bytes"
		"\rUpload\t[" BARF "] 100%           10 bytes"
		"\nUpload done.\n");
}

/* Without a sink the text reaches the real streams, stdout and stderr. */
static void test_real_streams(void **state)
{
	(void)state;
	capture_fd_begin(STDOUT_FILENO);
	log_note("a note");
	log_error("an error");
	assert_string_equal(capture_fd_end(), "a note\n");
	capture_fd_begin(STDERR_FILENO);
	log_note("a note");
	log_error("an error");
	log_hint("its hint");
	assert_string_equal(capture_fd_end(), "dfu-util: error: an error\n  its hint\n");
}

/*
 * --all: a device's thread writes every line with its "PATH SERIAL: "
 * prefix, and its progress as whole lines (no carriage return) at every
 * tenth; a bar counts its bytes for the table.
 */
static void test_device_lines(void **state)
{
	struct log_device *d = log_device_new("1-2", "SER9");

	(void)state;
	assert_non_null(d);
	log_set_device(d);
	log_note("hello");
	progress_start("Download", 1000, 0);
	progress_update(50, 5);
	progress_update(500, 10);
	progress_update(1000, 20);
	progress_end(1000, 20);
	log_error("bad");
	log_hint("try again");
	log_set_device(NULL);
	log_note("no device");
	assert_string_equal(capture_out(),
		"1-2 SER9: hello\n"
		"1-2 SER9: Download\t[" BAR0 "]   0%            0 bytes\n"
		"1-2 SER9: Download\t[============             ]  50%          500 bytes\n"
		"1-2 SER9: Download\t[" BARF "] 100%         1000 bytes\n"
		"1-2 SER9: Download done.\n"
		"no device\n");
	assert_string_equal(capture_err(),
		"1-2 SER9: dfu-util: error: bad\n"
		"1-2 SER9:   try again\n");
	assert_true(log_device_bytes(d) == 1000);
	log_device_free(d);
}

/* Without a serial, the path alone; a bar cut short counts as far as it got. */
static void test_device_no_serial(void **state)
{
	struct log_device *d = log_device_new("1-3", "");

	(void)state;
	assert_non_null(d);
	log_set_device(d);
	progress_start("Upload", 0, 0);
	progress_update(4096, 10);
	log_warn("stopped");
	log_set_device(NULL);
	assert_non_null(strstr(capture_out(), "1-3: warning: stopped\n"));
	assert_null(strchr(capture_out(), '\r'));
	assert_true(log_device_bytes(d) == 4096);
	log_device_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_progress_layout, setup_captured, teardown_captured),
		cmocka_unit_test_setup_teardown(test_progress_erase_padded, setup_captured, teardown_captured),
		cmocka_unit_test_setup_teardown(test_progress_redraw_rate, setup_captured, teardown_captured),
		cmocka_unit_test_setup_teardown(test_progress_unknown_total, setup_captured, teardown_captured),
		cmocka_unit_test_setup_teardown(test_error_after_bar, setup_captured, teardown_captured),
		cmocka_unit_test_setup_teardown(test_note_after_bar, setup_captured, teardown_captured),
		cmocka_unit_test_setup_teardown(test_streams, setup_captured, teardown_captured),
		cmocka_unit_test_setup_teardown(test_stdout_is_data, setup_captured, teardown_captured),
		cmocka_unit_test_setup(test_real_streams, setup),
		cmocka_unit_test_setup_teardown(test_device_lines, setup_captured, teardown_captured),
		cmocka_unit_test_setup_teardown(test_device_no_serial, setup_captured, teardown_captured),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
