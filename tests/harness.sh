#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
# The test harness itself: the closing line (tests/summary.sh) counts what
# ran, missing unit tests are skipped and never passed (tests/deps.sh),
# and a suite that is empty, entirely skipped or failing cannot pass.
# Also that every C source takes its feature macros from config.h.
#
# With DFU_TEST_HARNESS_BUILD=1 (CI) also end to end: a clean copy of the
# tree (make distdir) configured --without-cmocka, then make check on it.
# That builds the whole tree once more, so ordinary runs skip it.
. "$TOP_SRCDIR/tests/lib.sh"
: "${TOP_BUILDDIR:?TOP_BUILDDIR must point at the build tree}"
tap_driver="$TOP_SRCDIR/build-aux/tap-driver.sh"
h="$scratch/h"
mkdir -p "$h"

# trs NAME RESULT...: a test NAME with these harness results, as automake's
# drivers record them in NAME.trs (NAME.log stays empty).
trs()
{
	local name=$1 r
	shift
	: > "$h/$name.log"
	: > "$h/$name.trs"
	for r in "$@"; do echo ":test-result: $r" >> "$h/$name.trs"; done
}

# summary LOG...: run tests/summary.sh in $h; its stdout in $out, status in $rc.
summary()
{
	last_cmd="summary.sh $*"
	out=$(cd "$h" && sh "$TOP_SRCDIR/tests/summary.sh" "$@" 2>"$scratch/stderr") && rc=0 || rc=$?
	err=$(cat "$scratch/stderr")
}

# ---- the closing line
trs a PASS PASS PASS
trs b PASS SKIP
summary a.log b.log
expect_rc 0 "passes and skips only"
[ "$out" = "4 passed, 0 failed, 1 skipped" ]
tap_result $? "the closing line counts passes and skips ($out)"

trs c PASS FAIL XFAIL ERROR XPASS
summary a.log c.log
expect_rc 1 "a failure fails the suite"
[ "$out" = "5 passed, 3 failed" ]
tap_result $? "FAIL, ERROR and XPASS count as failed, XFAIL as passed ($out)"

summary
expect_rc 1 "an empty suite cannot pass"
[ "$out" = "0 passed, 0 failed" ]
tap_result $? "and still prints its closing line ($out)"

trs s SKIP SKIP
summary s.log
expect_rc 1 "a suite that only skipped cannot pass"

summary a.log gone.log
expect_rc 1 "a test that left no result fails the suite"
[ "$out" = "3 passed, 1 failed" ]
tap_result $? "and counts as one failure ($out)"

# A cmocka program counts its cases when it passed, one failure when not.
trs u PASS
printf '[==========] 7 test(s) run.\n[  PASSED  ] 7 test(s).\n' > "$h/u.log"
trs v FAIL
printf '[==========] 7 test(s) run.\n[  PASSED  ] 6 test(s).\n[  FAILED  ] 1 test(s).\n' > "$h/v.log"
summary u.log v.log
[ "$out" = "7 passed, 1 failed" ]
tap_result $? "a unit program counts its cases, a failing one as one failure ($out)"

# ---- missing unit tests (tests/deps.sh through automake's TAP driver)
# deps NAME HAVE_CMOCKA PROGRAMS: run deps.sh as test NAME.
deps()
{
	(cd "$h" && HAVE_CMOCKA=$2 UNIT_PROGRAMS=$3 AM_TAP_AWK=${AWK:-awk} \
		$SHELL "$tap_driver" --test-name "$1" --log-file "$1.log" --trs-file "$1.trs" \
		--color-tests no --enable-hard-errors yes --expect-failure no -- \
		$SHELL "$TOP_SRCDIR/tests/deps.sh" >/dev/null 2>&1)
}
: "${SHELL:=/bin/sh}"
deps nocmocka no "tests/u1 tests/u2 tests/u3"
summary nocmocka.log
expect_rc 0 "without cmocka the suite can still pass"
[ "$out" = "1 passed, 0 failed, 3 skipped" ]
tap_result $? "without cmocka each unit program counts as one skip ($out)"

mkdir -p "$h/tests"
for p in u1 u2; do printf '#!/bin/sh\n' > "$h/tests/$p"; chmod +x "$h/tests/$p"; done
deps withcmocka yes "tests/u1 tests/u2"
summary withcmocka.log
expect_rc 0 "with cmocka and every unit program built"
deps notbuilt yes "tests/u1 tests/u2 tests/u3"
summary notbuilt.log
expect_rc 1 "with cmocka, a unit program not built fails the suite"
deps bogus maybe "tests/u1"
summary bogus.log
expect_rc 1 "an unknown HAVE_CMOCKA fails the suite"

# This build agrees with its configure run about cmocka.
if grep -q "^HAVE_CMOCKA_FALSE='#'" "$TOP_BUILDDIR/config.log" 2>/dev/null; then
	configured=yes
else
	configured=no
fi
[ "$HAVE_CMOCKA" = "$configured" ]
tap_result $? "make check's HAVE_CMOCKA ($HAVE_CMOCKA) is what configure found ($configured)"

# ---- the sources: configure's config.h (AC_USE_SYSTEM_EXTENSIONS) first
# in every C file, and no file picks its own feature macros, so that the
# tree builds the same with CFLAGS='-std=c11 -pedantic' as with the defaults.
late=
for f in $(find "$TOP_SRCDIR/src" "$TOP_SRCDIR/tests" -name '*.c' | sort); do
	[ "$(grep -m 1 '^[[:space:]]*#' "$f")" = "#include <config.h>" ] || late="$late ${f#"$TOP_SRCDIR"/}"
done
[ -z "$late" ]
tap_result $? "#include <config.h> is the first directive of every .c${late:+ (not in:$late)}"
own=$(grep -lE '^[[:space:]]*#[[:space:]]*define[[:space:]]+_(GNU|POSIX_C|DEFAULT|XOPEN|BSD)_SOURCE' \
	$(find "$TOP_SRCDIR/src" "$TOP_SRCDIR/tests" -name '*.[ch]') | sed "s|^$TOP_SRCDIR/||")
[ -z "$own" ]
tap_result $? "no source defines its own feature macros${own:+ (in: $(echo $own))}"

# ---- end to end: make check on a copy configured without cmocka
# mcheck ARGS...: make check in the copy; status in $rc, last line of its
# standard output in $out, all of it in the .log when a check fails.
mcheck()
{
	last_cmd="make check $*"
	(cd "$copy" && unset MAKEFLAGS MFLAGS MAKELEVEL && DFU_VM_SKIP=1 ${MAKE:-make} -s check "$@" >"$scratch/mout" 2>"$scratch/merr") &&
		rc=0 || rc=$?
	out=$(tail -n 1 "$scratch/mout")
	err=$(tail -n 5 "$scratch/merr")
}

if [ "${DFU_TEST_HARNESS_BUILD:-0}" != 1 ]; then
	skip "end to end without cmocka (it builds the tree again): set DFU_TEST_HARNESS_BUILD=1"
else
	copy="$scratch/copy"
	(unset MAKEFLAGS MFLAGS MAKELEVEL && cd "$TOP_BUILDDIR" && ${MAKE:-make} -s distdir distdir="$copy") >"$scratch/mout" 2>&1 &&
		(cd "$copy" && ./configure -q --without-cmocka && ${MAKE:-make} -s -j2) \
		>>"$scratch/mout" 2>&1
	rc=$?
	last_cmd="make distdir; configure --without-cmocka; make"
	out=$(tail -n 20 "$scratch/mout") err=
	expect_rc 0 "a copy of the tree builds without cmocka"

	nunit=$(echo ${UNIT_PROGRAMS:-} | wc -w)
	mcheck TESTS="tests/deps.sh tests/list.sh"
	expect_rc 0 "its make check passes"
	printf '%s\n' "$out" | grep -Eq "^[1-9][0-9]* passed, 0 failed, $nunit skipped\$"
	tap_result $? "its closing line counts the $nunit unit programs as skipped ($out)"
	[ "$(grep -c '^ok .* # SKIP .*cmocka missing' "$copy/tests/deps.log")" -eq "$nunit" ]
	tap_result $? "deps.sh names each missing unit program"

	printf '#!/bin/sh\necho 1..2\necho "ok 1 - fine"\necho "not ok 2 - broken on purpose"\n' \
		> "$copy/tests/broken.sh"
	chmod +x "$copy/tests/broken.sh"
	mcheck TESTS="tests/deps.sh tests/broken.sh"
	[ "$rc" -ne 0 ]
	tap_result $? "make check fails when a test fails (exit $rc)"
	[ "$out" = "2 passed, 1 failed, $nunit skipped" ]
	tap_result $? "and still ends with its closing line ($out)"

	mcheck TESTS=
	[ "$rc" -ne 0 ]
	tap_result $? "make check of an empty suite fails (exit $rc)"
	[ "$out" = "0 passed, 0 failed" ]
	tap_result $? "and ends with its closing line ($out)"
fi

done_testing
