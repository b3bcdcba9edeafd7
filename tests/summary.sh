#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
#
# summary.sh LOG...: the closing line of make check.  For each test's .log
# named on the command line (make's $(TEST_LOGS)), read the harness's .trs
# next to it and print one line: "N passed, N failed[, N skipped]".
#
# A unit-test program counts as its cmocka cases when it passed (a failing
# one counts as one failure, whatever it says).  XFAIL counts as passed;
# FAIL, ERROR and XPASS as failed.  Exits non-zero when anything failed,
# when a test left no result, or when nothing passed at all, so the suite
# cannot pass while empty or entirely skipped.
pass=0 fail=0 skip=0 missing=0
for log in "$@"; do
	t=${log%.log}
	trs="$t.trs"
	if [ ! -f "$trs" ]; then
		echo "summary: no result for $t" >&2
		missing=$((missing + 1))
		continue
	fi
	# A cmocka program is one harness result but many test cases: count
	# its cases, unless it died before reporting them.
	if [ -f "$log" ] && grep -q '^\[==========\] [0-9]* test(s) run\.' "$log" &&
	   grep -q '^:test-result: PASS' "$trs"; then
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\.$/\1/p' "$log" | tail -n 1)
		pass=$((pass + ${p:-0}))
		continue
	fi
	p=$(grep -c '^:test-result: PASS' "$trs")
	x=$(grep -c '^:test-result: XFAIL' "$trs")
	f=$(grep -c '^:test-result: \(FAIL\|ERROR\|XPASS\)' "$trs")
	s=$(grep -c '^:test-result: SKIP' "$trs")
	pass=$((pass + p + x)) fail=$((fail + f)) skip=$((skip + s))
done
fail=$((fail + missing))
line="$pass passed, $fail failed"
[ "$skip" -gt 0 ] && line="$line, $skip skipped"
if [ "$pass" -eq 0 ]; then
	echo "summary: no test passed: the suite is empty or broken" >&2
	fail=$((fail + 1))
fi
echo "$line"
[ "$fail" -eq 0 ]
