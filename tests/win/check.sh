#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
#
# The simulated-device scenario scripts (tests/*.sh), run with the Windows
# programs under wine instead of the native ones.
#
#   tests/win/check.sh MINGW_BUILD_DIR [NATIVE_BUILD_DIR]
#
# MINGW_BUILD_DIR is where tests/win/build.sh built the .exe files.  The
# test helpers that make fixtures (tests/mksuffix, tests/mkdfuse) are
# native: they come from NATIVE_BUILD_DIR (default: the source tree,
# configured in place as README's set-up does), built there if missing.
#
# Every script listed in Makefile.am's SCENARIOS runs, with DFU_UTIL,
# DFU_SUFFIX, DFU_PREFIX and DFUSE_PACK naming wrappers that start the
# .exe files under wine, and DFU_TEST_WINDOWS=1: checks that mean nothing
# on Windows skip themselves (posix_only in tests/lib.sh) and say why.
# The scripts below that test something other than the programs on
# simulated devices are skipped as a whole, each with its reason.  A skip
# is never counted as passed.  The last line is
#   wine: N passed, N failed, N skipped
# and the exit status is 1 when anything failed or nothing passed.
#
# wine runs in a fresh prefix in a temporary directory (or $WINEPREFIX if
# set), with WINEDEBUG=-all; $DFU_WINE names the loader (default: Debian's
# wine64).  The logs stay in MINGW_BUILD_DIR/wine-logs.

set -u

srcdir=$(cd "$(dirname "$0")/../.." && pwd -P)
[ $# -ge 1 ] || { echo "usage: $0 MINGW_BUILD_DIR [NATIVE_BUILD_DIR]" >&2; exit 2; }
mingw=$(cd "$1" && pwd -P) || exit 2
native=$(cd "${2:-$srcdir}" && pwd -P) || exit 2

# Whole scripts that do not run under wine, and why.
skip_reason()
{
	case $1 in
	tests/vm.sh)
		echo "the VM tier drives Linux's own USB stack in QEMU" ;;
	tests/completion.sh | tests/zsh-completion.sh)
		echo "shell completion is installed for Linux only" ;;
	tests/packaging.sh)
		echo "checks what make install puts on Linux (udev rule, completion, metainfo)" ;;
	tests/harness.sh)
		echo "tests automake's test harness, not the programs" ;;
	tests/fuzz/replay.sh)
		echo "replays the fuzz corpora through native harnesses, not the programs" ;;
	*)
		return 1 ;;
	esac
}

wine=${DFU_WINE:-}
if [ -z "$wine" ]; then
	for w in /usr/lib/wine/wine64 wine64 wine; do
		if command -v "$w" >/dev/null 2>&1; then wine=$w; break; fi
	done
fi
[ -n "$wine" ] || { echo "wine: no wine64 (apt-get install wine64)" >&2; exit 1; }
wineserver=
for w in "$(dirname "$(command -v "$wine")")/wineserver" /usr/lib/wine/wineserver wineserver; do
	if command -v "$w" >/dev/null 2>&1; then wineserver=$w; break; fi
done

for p in dfu-util dfu-suffix dfu-prefix dfuse-pack; do
	[ -f "$mingw/src/$p.exe" ] || { echo "wine: no $mingw/src/$p.exe (run tests/win/build.sh)" >&2; exit 1; }
done
for h in tests/mksuffix tests/mkdfuse; do
	[ -x "$native/$h" ] || make -s -C "$native" "$h" >/dev/null || {
		echo "wine: cannot build the native helper $native/$h" >&2
		exit 1
	}
done

work=$(mktemp -d "${TMPDIR:-/tmp}/dfu-wine.XXXXXX")
own_prefix=
if [ -z "${WINEPREFIX:-}" ]; then
	WINEPREFIX=$work/prefix
	own_prefix=1
fi
WINEDEBUG=-all
export WINEPREFIX WINEDEBUG
cleanup()
{
	# Only the wineserver of this prefix; the prefix only if it is ours.
	[ -n "$wineserver" ] && "$wineserver" -k >/dev/null 2>&1
	if [ -n "$own_prefix" ]; then rm -rf "$work"; else rm -rf "$work/bin"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/bin"
for p in dfu-util dfu-suffix dfu-prefix dfuse-pack; do
	printf '#!/bin/sh\nexec %s %s "$@"\n' "$wine" "$mingw/src/$p.exe" > "$work/bin/$p"
	chmod +x "$work/bin/$p"
done

# wine's first start sets the prefix up (half a minute); one wineserver
# stays for the whole run instead of one per program.
echo "wine: setting up $WINEPREFIX"
"$work/bin/dfu-util" --version >/dev/null 2>&1
[ -n "$wineserver" ] && "$wineserver" -p
v=$("$work/bin/dfu-util" --version 2>&1 | head -n 1)
case $v in
"dfu-util "*) echo "wine: $v ($("$wine" --version 2>/dev/null))" ;;
*) echo "wine: dfu-util.exe --version said: $v" >&2; exit 1 ;;
esac

# The scenario scripts, as make check runs them.
scenarios=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$srcdir/Makefile.am" |
	sed -n 's/^SCENARIOS[[:space:]]*+*=[[:space:]]*//p' | tr -s ' \t' '\n' | grep '\.sh$')
[ -n "$scenarios" ] || { echo "wine: no SCENARIOS in $srcdir/Makefile.am" >&2; exit 1; }

logs=$mingw/wine-logs
rm -rf "$logs"
mkdir -p "$logs"
passed=0 failed=0 skipped=0
for t in $scenarios; do
	if why=$(skip_reason "$t"); then
		echo "SKIP: $t: $why"
		skipped=$((skipped + 1))
		continue
	fi
	log=$logs/$(echo "$t" | tr / _).log
	(cd "$work" &&
		DFU_UTIL=$work/bin/dfu-util DFU_SUFFIX=$work/bin/dfu-suffix \
		DFU_PREFIX=$work/bin/dfu-prefix DFUSE_PACK=$work/bin/dfuse-pack \
		MKSUFFIX=$native/tests/mksuffix MKDFUSE=$native/tests/mkdfuse \
		TOP_SRCDIR=$srcdir TOP_BUILDDIR=$native DFU_TEST_WINDOWS=1 DFU_VM_SKIP=1 \
		HAVE_CMOCKA=no UNIT_PROGRAMS= \
		"$srcdir/$t") >"$log" 2>&1
	st=$?
	# A script that skips itself as a whole (skip_all in tests/lib.sh).
	why=$(sed -n 's/^1\.\.0 # SKIP *//p' "$log" | head -n 1)
	if [ -n "$why" ] && [ "$st" -eq 0 ] && ! grep -Eq '^(not )?ok ' "$log"; then
		echo "SKIP: $t: $why"
		skipped=$((skipped + 1))
		continue
	fi
	p=$(grep -Ec '^ok [0-9]+' "$log")
	s=$(grep -Ec '^ok [0-9]+.*# SKIP' "$log")
	f=$(grep -Ec '^not ok [0-9]+' "$log")
	p=$((p - s))
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$log" | tail -n 1)
	problem=
	[ "$f" -eq 0 ] || problem="$f failed"
	[ -n "$plan" ] && [ "$plan" -eq $((p + s + f)) ] ||
		{ problem="${problem:+$problem, }no plan or a wrong one"; f=$((f + 1)); }
	[ "$st" -eq 0 ] || [ "$f" -gt 0 ] ||
		{ problem="exit status $st"; f=$((f + 1)); }
	passed=$((passed + p)) skipped=$((skipped + s)) failed=$((failed + f))
	if [ -n "$problem" ]; then
		echo "FAIL: $t: $problem (log: $log)"
		grep -E '^not ok' "$log" | head -n 20 | sed 's/^/  /'
	else
		echo "PASS: $t: $p passed${s:+, $s skipped}" | sed 's/, 0 skipped//'
	fi
	grep -E '^ok [0-9]+.*# SKIP' "$log" | sed 's/^ok [0-9]* *-* */  SKIP /; s/# SKIP *//' | sort | uniq -c |
		sed 's/^ *1 //; s/^ *\([0-9][0-9]*\) \(.*\)/\2 (x\1)/'
done

echo "wine: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
