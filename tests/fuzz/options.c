/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * Fuzz the whole command-line parser.  The input is split into argv on NUL
 * bytes (argv[0] is "dfu-util"), each argument in a buffer of its own exact
 * size so that reading past one is caught.  Whatever is accepted must only
 * point into argv (or the struct's own serial buffer), and the -s text it
 * keeps is fed on to the DfuSe address parser as main() would.  The first
 * argument also goes through the strict number and vid:pid parsers.
 */

#include <config.h>

#include "fuzz.h"
#include "dfuse_plan.h"
#include "dfuse_request.h"
#include "errors.h"
#include "number.h"
#include "options.h"

#define FUZZ_MAX_ARGS 64

FUZZ_INITIALIZE_QUIET

/* p is NULL, inside one of the arguments, or inside o->serial_buf. */
static FUZZ_ORACLE int fuzz_points_into(const char *p, char *const *argv, int argc,
			    const struct dfu_options *o)
{
	int i;

	if (p == NULL)
		return 1;
	if (p >= o->serial_buf && p < o->serial_buf + sizeof(o->serial_buf))
		return 1;
	for (i = 0; i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[FUZZ_MAX_ARGS + 1];
	struct dfu_options *o;
	struct dfuse_request req;
	struct id_pair pair;
	uint64_t v;
	size_t start = 0, i;
	int argc = 1, rc, k;

	argv[0] = fuzz_strdup((const uint8_t *)"dfu-util", 8);
	for (i = 0; i <= size && argc < FUZZ_MAX_ARGS; i++) {
		if (i == size || data[i] == '\0') {
			argv[argc++] = fuzz_strdup(data + start, i - start);
			start = i + 1;
		}
	}
	argv[argc] = NULL;

	/* Heap, not stack: an overrun of the struct shows up as one. */
	o = malloc(sizeof(*o));
	if (!o)
		abort();
	options_init(o);
	rc = options_parse(o, argc, argv);
	if (rc == 0) {
		FUZZ_CHECK(o->action >= ACTION_NONE && o->action <= ACTION_VERSION);
		FUZZ_CHECK(o->n_ids >= 0 && o->n_ids <= OPT_MAX_IDS);
		FUZZ_CHECK(o->devnum >= -1 && o->devnum <= 255);
		FUZZ_CHECK(o->config >= -1 && o->config <= 255);
		FUZZ_CHECK(o->intf >= -1 && o->intf <= 255);
		FUZZ_CHECK(o->alt >= -1 && o->alt <= 255);
		FUZZ_CHECK(o->transfer_size <= 65535);
		FUZZ_CHECK(fuzz_points_into(o->path, argv, argc, o));
		FUZZ_CHECK(fuzz_points_into(o->alt_name, argv, argc, o));
		FUZZ_CHECK(fuzz_points_into(o->serial[0], argv, argc, o));
		FUZZ_CHECK(fuzz_points_into(o->serial[1], argv, argc, o));
		FUZZ_CHECK(fuzz_points_into(o->upload_file, argv, argc, o));
		FUZZ_CHECK(fuzz_points_into(o->download_file, argv, argc, o));
		FUZZ_CHECK(fuzz_points_into(o->dfuse_address, argv, argc, o));
		FUZZ_CHECK(fuzz_points_into(o->sim_devices, argv, argc, o));
		FUZZ_CHECK(fuzz_points_into(o->sim_state, argv, argc, o));
		FUZZ_CHECK(memchr(o->serial_buf, '\0', sizeof(o->serial_buf)) != NULL);
		if (o->dfuse_address)
			(void)dfuse_parse_address(o->dfuse_address, &req);
		if (o->action == ACTION_HELP)
			options_usage();
	} else {
		FUZZ_CHECK(rc == DFU_E_USAGE);
	}
	free(o);

	if (argc > 1) {
		rc = parse_number_quiet(argv[1], UINT32_MAX, &v);
		if (rc == 0)
			FUZZ_CHECK(v <= UINT32_MAX);
		FUZZ_CHECK(parse_number(argv[1], UINT32_MAX, "number", &v) == rc);
		(void)parse_id_pair(argv[1], &pair);
	}
	for (k = 0; k < argc; k++)
		free(argv[k]);
	return 0;
}
