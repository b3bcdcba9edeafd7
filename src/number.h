/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_NUMBER_H
#define DFU_NUMBER_H

#include <stdint.h>

/*
 * The one strict number parser: decimal, 0x hex, leading-0 octal.
 * Trailing junk, empty strings, signs, and values above max are refused:
 * returns DFU_E_USAGE after reporting "invalid WHAT 'TEXT'" (what = "device
 * number", "transfer size", ...).  No leading/trailing spaces allowed.
 */
int parse_number(const char *text, uint64_t max, const char *what, uint64_t *out);

/* The same, but reports nothing (for the DfuSe -s parser and the fuzzers). */
int parse_number_quiet(const char *text, uint64_t max, uint64_t *out);

/* Why a text is not a number, for callers that decide what that means. */
enum num_fail {
	NUM_OK = 0,
	NUM_NAN,		/* empty, sign, space, no digits */
	NUM_TRAILING,		/* digits followed by something else */
	NUM_OCTAL,		/* leading 0 followed by an 8 or 9 */
	NUM_TOO_LARGE,
	NUM_NEGATIVE,
};

/* parse_number's two halves: the verdict, then (when it is not NUM_OK) the message. */
enum num_fail num_scan(const char *text, uint64_t max, uint64_t *out);
void num_report(const char *what, const char *text, enum num_fail why, uint64_t max);

/*
 * A USB vendor or product ID: hex as lsusb prints it ("0483" is 0x0483,
 * never octal), an explicit 0x tolerated, 0 to ffff.  The verdict as above.
 */
enum num_fail num_usb_id(const char *text, uint16_t *out);

/* The value of one hex digit (0-9, a-f, A-F), or -1 for any other character. */
int hex_digit_value(int c);

#endif
