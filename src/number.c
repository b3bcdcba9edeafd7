/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * The one strict number parser and the hex digit helpers, shared by
 * dfu-util's options, the -s grammar, the simulator's profiles and the
 * companion programs.  See number.h.
 */

#include <config.h>

#include <stdint.h>

#include "errors.h"
#include "log.h"
#include "number.h"

int hex_digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Convert the digits of s in base up to the end of the string.  The whole
 * string is checked for stray characters before any arithmetic, so a typo
 * is reported as a typo even when the digits before it are already too big.
 */
static enum num_fail num_digits(const char *s, unsigned int base, uint64_t max, uint64_t *out)
{
	const char *p = s;
	uint64_t v = 0;

	while (*p) {
		int d = hex_digit_value(*p);

		if (d < 0 || (unsigned int)d >= base)
			break;
		p++;
	}
	/* "08" is almost always a decimal meant by someone who does not know the octal rule. */
	if (base == 8 && (*p == '8' || *p == '9'))
		return NUM_OCTAL;
	if (p == s)
		return NUM_NAN;
	if (*p)
		return NUM_TRAILING;
	for (p = s; *p; p++) {
		uint64_t d = (uint64_t)hex_digit_value(*p);

		if (d > max || v > (max - d) / base)
			return NUM_TOO_LARGE;
		v = v * base + d;
	}
	*out = v;
	return NUM_OK;
}

enum num_fail num_scan(const char *text, uint64_t max, uint64_t *out)
{
	if (!text || !*text)
		return NUM_NAN;
	if (text[0] == '-' && text[1] >= '0' && text[1] <= '9')
		return NUM_NEGATIVE;
	if (text[0] < '0' || text[0] > '9')
		return NUM_NAN;
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		return num_digits(text + 2, 16, max, out);
	if (text[0] == '0' && text[1] != '\0')
		return num_digits(text + 1, 8, max, out);
	return num_digits(text, 10, max, out);
}

void num_report(const char *what, const char *text, enum num_fail why, uint64_t max)
{
	switch (why) {
	case NUM_OK:
		break;
	case NUM_NAN:
		log_error("invalid %s '%s': not a number", what, text);
		break;
	case NUM_TRAILING:
		log_error("invalid %s '%s': trailing characters", what, text);
		break;
	case NUM_OCTAL:
		log_error("invalid %s '%s': a leading 0 means octal, where 8 and 9 are not digits",
			  what, text);
		break;
	case NUM_NEGATIVE:
		log_error("invalid %s '%s': negative numbers are not allowed", what, text);
		break;
	case NUM_TOO_LARGE:
		/*
		 * The limit in the notation the user wrote: "--timeout=600001"
		 * reads "max 600000", "-s 0x100000000" reads "max 0xffffffff".
		 * Small limits are always decimal.
		 */
		if (max >= 0x10000 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
			log_error("invalid %s '%s': too large (max 0x%llx)", what, text,
				  (unsigned long long)max);
		else
			log_error("invalid %s '%s': too large (max %llu)", what, text,
				  (unsigned long long)max);
		break;
	}
}

int parse_number_quiet(const char *text, uint64_t max, uint64_t *out)
{
	return num_scan(text, max, out) == NUM_OK ? DFU_OK : DFU_E_USAGE;
}

int parse_number(const char *text, uint64_t max, const char *what, uint64_t *out)
{
	enum num_fail why = num_scan(text, max, out);

	if (why == NUM_OK)
		return DFU_OK;
	num_report(what, text ? text : "", why, max);
	return DFU_E_USAGE;
}

enum num_fail num_usb_id(const char *text, uint16_t *out)
{
	uint64_t v;
	enum num_fail why;

	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		text += 2;
	why = num_digits(text, 16, 0xffff, &v);
	if (why == NUM_OK)
		*out = (uint16_t)v;
	return why;
}
