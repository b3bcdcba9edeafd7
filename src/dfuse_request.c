/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * The -s grammar: "ADDRESS[:MODIFIER...]" into a struct dfuse_request,
 * modifiers matched by exact token from one table.  Pure: no USB, no plan.
 */

#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dfuse_request.h"
#include "errors.h"
#include "log.h"
#include "number.h"

#define FOUR_GIB ((uint64_t)1 << 32)

/* A modifier that is accepted and has no effect. */
#define DFUSE_MOD_IGNORED ((size_t)-1)

/* Exact tokens only: the old tool matched prefixes and read past "l". */
static const struct dfuse_modifier {
	const char *name;
	size_t flag;		/* offset of an int in struct dfuse_request, or DFUSE_MOD_IGNORED */
} dfuse_modifiers[] = {
	{ "leave",			offsetof(struct dfuse_request, leave) },
	{ "unprotect",			offsetof(struct dfuse_request, unprotect) },
	{ "mass-erase",			offsetof(struct dfuse_request, mass_erase) },
	{ "will-reset",			offsetof(struct dfuse_request, will_reset) },
	{ "force",			offsetof(struct dfuse_request, force) },
	{ "no-preserve",		offsetof(struct dfuse_request, no_preserve) },
	{ "set-address-every-block",	offsetof(struct dfuse_request, set_address_every_block) },
	/*
	 * Newer upstream builds name their faster transfer paths so, and
	 * scripts pass them; ours has no slow path to leave.
	 */
	{ "fast",			DFUSE_MOD_IGNORED },
	{ "fastdfuse",			DFUSE_MOD_IGNORED },
};

static void dfuse_hint_modifiers(void)
{
	log_hint("valid modifiers: leave, unprotect, mass-erase, will-reset, force, no-preserve, "
		 "set-address-every-block, or a number (the upload length)");
}

/* After the one report: leave nothing half parsed behind. */
static int dfuse_parse_fail(struct dfuse_request *out)
{
	memset(out, 0, sizeof(*out));
	return DFU_E_USAGE;
}

static int dfuse_parse_addr_part(const char *text, const char *tok, struct dfuse_request *out)
{
	uint64_t v;

	if (tok[0] == '\0' || strcmp(tok, "default") == 0)
		return 0;
	if (parse_number_quiet(tok, UINT32_MAX, &v) != DFU_OK) {
		log_error("invalid DfuSe address '%s': '%s' is not a 32-bit number", text, tok);
		if (tok[0] == '0' && tok[1] != 'x' && tok[1] != 'X' && strpbrk(tok, "89"))
			log_hint("a leading 0 means octal; write 0x%s for hex", tok + 1);
		else
			log_hint("use 0x hex (0x08000000), decimal, or 0-prefixed octal");
		return DFU_E_USAGE;
	}
	out->has_address = 1;
	out->address = (uint32_t)v;
	return 0;
}

static int dfuse_parse_modifier(const char *text, const char *tok, struct dfuse_request *out)
{
	size_t i;
	uint64_t v;

	if (tok[0] == '\0') {
		log_error("invalid DfuSe address '%s': empty modifier", text);
		log_hint("modifiers are separated by single ':' and the text must not end with ':'");
		return DFU_E_USAGE;
	}
	for (i = 0; i < sizeof(dfuse_modifiers) / sizeof(dfuse_modifiers[0]); i++) {
		int *flag;

		if (strcmp(tok, dfuse_modifiers[i].name) != 0)
			continue;
		if (dfuse_modifiers[i].flag == DFUSE_MOD_IGNORED)
			return 0;
		flag = (int *)((char *)out + dfuse_modifiers[i].flag);
		if (*flag) {
			log_error("invalid DfuSe address '%s': '%s' given twice", text, tok);
			return DFU_E_USAGE;
		}
		*flag = 1;
		return 0;
	}
	if (tok[0] >= '0' && tok[0] <= '9') {
		if (out->has_length) {
			log_error("invalid DfuSe address '%s': more than one length", text);
			return DFU_E_USAGE;
		}
		if (parse_number_quiet(tok, UINT32_MAX, &v) != DFU_OK) {
			log_error("invalid DfuSe address '%s': upload length '%s' is not a 32-bit number",
				  text, tok);
			log_hint("use decimal, 0x hex, or 0-prefixed octal, e.g. :1024 or :0x400");
			return DFU_E_USAGE;
		}
		/* As in the classic tool, 0 means no length: read to the end of the region. */
		if (v == 0)
			return 0;
		out->has_length = 1;
		out->length = (uint32_t)v;
		return 0;
	}
	log_error("invalid DfuSe address '%s': unknown modifier '%s'", text, tok);
	dfuse_hint_modifiers();
	return DFU_E_USAGE;
}

int dfuse_parse_address(const char *text, struct dfuse_request *out)
{
	char *copy, *tok, *colon;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!text)
		text = "";
	/* A private copy we can cut at each ':'. */
	copy = strdup(text);
	if (!copy) {
		log_error("out of memory");
		return DFU_E_NOMEM;
	}
	tok = copy;
	colon = strchr(tok, ':');
	if (colon)
		*colon = '\0';
	rc = dfuse_parse_addr_part(text, tok, out);
	while (!rc && colon) {
		tok = colon + 1;
		colon = strchr(tok, ':');
		if (colon)
			*colon = '\0';
		rc = dfuse_parse_modifier(text, tok, out);
	}
	free(copy);
	if (rc)
		return dfuse_parse_fail(out);

	if (out->mass_erase && !out->force) {
		log_error("invalid DfuSe address '%s': mass-erase needs force", text);
		log_hint("a mass erase wipes the whole memory; confirm with :mass-erase:force");
		return dfuse_parse_fail(out);
	}
	if (out->unprotect && !out->force) {
		log_error("invalid DfuSe address '%s': unprotect needs force", text);
		log_hint("read-unprotect erases the whole memory; confirm with :unprotect:force");
		return dfuse_parse_fail(out);
	}
	if (out->has_address && out->has_length &&
	    (uint64_t)out->address + out->length > FOUR_GIB) {
		log_error("invalid DfuSe address '%s': %lu bytes from 0x%08lX pass the end of the "
			  "4 GiB address space", text, (unsigned long)out->length,
			  (unsigned long)out->address);
		return dfuse_parse_fail(out);
	}
	return 0;
}
