#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
# TAP: what the suite needs.  dfu-util must be built.  The cmocka unit
# programs (UNIT_PROGRAMS) are built only when configure found cmocka
# (HAVE_CMOCKA=yes): then all of them must be there.  Without cmocka each
# missing program is one skipped test, so the closing line shows how much
# did not run instead of counting it as passed.  One skip per program, not
# per test case: how many cases a program holds is only known once it is
# built.
: "${DFU_UTIL:?DFU_UTIL must point at the built dfu-util}"
: "${HAVE_CMOCKA:?HAVE_CMOCKA must be yes or no}"
n=0
result()
{
	n=$((n + 1))
	echo "$1 $n $2"
}

if [ -x "$DFU_UTIL" ]; then
	result ok "- dfu-util built"
else
	result "not ok" "- dfu-util not built at $DFU_UTIL"
fi

case $HAVE_CMOCKA in
yes)
	missing=
	for p in ${UNIT_PROGRAMS-}; do
		[ -x "$p" ] || missing="$missing $p"
	done
	if [ -z "${UNIT_PROGRAMS-}" ]; then
		result "not ok" "- no unit programs named (UNIT_PROGRAMS is empty)"
	elif [ -z "$missing" ]; then
		result ok "- cmocka found: the unit programs are built"
	else
		result "not ok" "- cmocka found, yet not built:$missing"
	fi
	;;
no)
	for p in ${UNIT_PROGRAMS-}; do
		result ok "# SKIP $p: cmocka missing (install libcmocka-dev, re-run configure)"
	done
	;;
*)
	result "not ok" "- HAVE_CMOCKA is '$HAVE_CMOCKA', not yes or no"
	;;
esac
echo "1..$n"
