/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * Fuzz the -s "ADDRESS[:MODIFIER...]" parser.  Accepted requests must keep
 * the rules dfuse_request.h states (force for the destructive modifiers, no
 * range past 4 GiB, a length > 0); refused ones must come back zeroed.
 */

#include <config.h>

#include "fuzz.h"
#include "dfuse_request.h"
#include "errors.h"

FUZZ_INITIALIZE_QUIET

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct dfuse_request zero;
	struct dfuse_request req;
	char *s = fuzz_strdup(data, size);
	int rc;

	memset(&req, 0x5a, sizeof(req));
	rc = dfuse_parse_address(s, &req);
	if (rc == 0) {
		FUZZ_CHECK(!req.mass_erase || req.force);
		FUZZ_CHECK(!req.unprotect || req.force);
		if (req.has_length) {
			FUZZ_CHECK(req.length > 0);
			if (req.has_address)
				FUZZ_CHECK((uint64_t)req.address + req.length <= UINT64_C(0x100000000));
		}
		if (!req.has_address)
			FUZZ_CHECK(req.address == 0);
	} else {
		FUZZ_CHECK(rc == DFU_E_USAGE || rc == DFU_E_NOMEM);
		FUZZ_CHECK(memcmp(&req, &zero, sizeof(req)) == 0);
	}
	free(s);
	return 0;
}
