#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
#
# Build the libFuzzer harnesses with clang and run each for SECONDS
# (default 60) on its corpus.  Usage:
#
#   tests/fuzz/run.sh [SECONDS [HARNESS...]]
#
# Environment: CC (default clang), FUZZ_BUILD (build directory, default
# ${TMPDIR:-/tmp}/dfu-util-fuzz), FUZZ_CFLAGS (extra compiler flags),
# FUZZ_ARGS (extra libFuzzer flags, e.g. "-runs=10000000").
#
# The checked-in corpus is read, never written: new inputs go to
# $FUZZ_BUILD/new/HARNESS and crashes to $FUZZ_BUILD/crashes/.  To keep a
# new input, minimise it into tests/fuzz/corpus/HARNESS (see README).
# Runs one fuzzer at a time.  Exits 1 if any harness crashed.

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
seconds=${1:-60}
[ $# -gt 0 ] && shift
CC=${CC:-clang}
build=${FUZZ_BUILD:-${TMPDIR:-/tmp}/dfu-util-fuzz}
all="address descriptor dfuse_file elf hostile ihex map options plan prefix suffix uf2"
harnesses=${*:-$all}

case $seconds in
	''|*[!0-9]*) echo "run.sh: SECONDS must be a number, not '$seconds'" >&2; exit 64 ;;
esac

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "run.sh: $CC not found: fuzzing needs clang with libFuzzer (apt-get install clang)" >&2
	exit 1
fi
probe_dir=$(mktemp -d) || exit 1
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
	>"$probe_dir/probe.c"
if ! "$CC" -fsanitize=fuzzer,address,undefined "$probe_dir/probe.c" -o "$probe_dir/probe" \
	>/dev/null 2>&1; then
	rm -rf "$probe_dir"
	echo "run.sh: $CC cannot build libFuzzer programs (on Debian: apt-get install libclang-rt-dev)" >&2
	exit 1
fi
rm -rf "$probe_dir"

# Every library source: all of src/ but the programs' main()s and the
# libusb backend (the harnesses bring their own USB).  They go into an
# archive, so the linker takes only what a harness uses.
lib_sources=
for f in "$top"/src/*.c; do
	case ${f##*/} in usb_libusb.c) continue ;; esac
	grep -q '^main(\|^int main(' "$f" && continue
	lib_sources="$lib_sources ${f##*/}"
done

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -fno-omit-frame-pointer -DFUZZ_LIBFUZZER -I$build -I$top/src -I$here ${FUZZ_CFLAGS:-}"

mkdir -p "$build/obj" "$build/bin" "$build/new" "$build/crashes" || exit 1
# No configure run here: the little config.h every source includes first
# (configure's would also turn on the system extensions, as here).
printf '#define _GNU_SOURCE 1\n#define PACKAGE_NAME "dfu-util"\n#define PACKAGE_VERSION "fuzz"\n' >"$build/config.h"
echo "building the fuzzers in $build"
objs=
for f in $lib_sources; do
	o="$build/obj/${f%.c}.o"
	"$CC" $cflags $san -fsanitize=fuzzer-no-link -c "$top/src/$f" -o "$o" || exit 1
	objs="$objs $o"
done
rm -f "$build/libdfu-fuzz.a"
ar rc "$build/libdfu-fuzz.a" $objs || exit 1
for h in $harnesses; do
	if [ ! -f "$here/$h.c" ]; then
		echo "run.sh: no harness '$h' (have: $all)" >&2
		exit 64
	fi
	"$CC" $cflags $san -fsanitize=fuzzer "$here/$h.c" "$build/libdfu-fuzz.a" -o "$build/bin/$h" || exit 1
done

status=0
summary=
for h in $harnesses; do
	mkdir -p "$build/new/$h"
	dict=
	[ -f "$here/$h.dict" ] && dict="-dict=$here/$h.dict"
	log="$build/$h.log"
	echo "fuzzing $h for $seconds s (log: $log)"
	# shellcheck disable=SC2086
	"$build/bin/$h" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
		-print_final_stats=1 -close_fd_mask=3 -artifact_prefix="$build/crashes/$h-" $dict \
		${FUZZ_ARGS:-} "$build/new/$h" "$here/corpus/$h" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | sed 's/cov: //')
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | sed 's/ft: //')
	if [ $rc -ne 0 ]; then
		status=1
		line="$h: CRASHED after ${execs:-?} executions (see $log and $build/crashes/)"
	else
		line="$h: ${execs:-?} executions, coverage ${cov:-?} edges, ${ft:-?} features"
	fi
	echo "$line"
	summary="$summary$line
"
done
echo
echo "fuzzing summary ($seconds s each):"
printf '%s' "$summary"
exit $status
