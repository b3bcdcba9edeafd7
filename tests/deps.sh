#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
# TAP: fail loudly when what the suite needs is missing, instead of letting
# the unit tests silently drop out of the count.
echo "1..2"
if [ "$HAVE_CMOCKA" = yes ]; then
	echo "ok 1 - cmocka found: unit tests are built"
else
	echo "not ok 1 - cmocka missing: install libcmocka-dev and re-run configure"
fi
if [ -x "$DFU_UTIL" ]; then
	echo "ok 2 - dfu-util built"
else
	echo "not ok 2 - dfu-util not built at $DFU_UTIL"
fi
