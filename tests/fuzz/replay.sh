#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
#
# make check: replay every fuzz corpus (seeds, minimised finds and every
# input that ever crashed a harness) through the harnesses built with the
# ordinary compiler, so CI without clang still runs them.  TAP, one result
# per harness.  A missing replay program or an empty corpus is a failure,
# not a skip: the suite must not pass with nothing replayed.
#
# Run from the build directory (automake does); TOP_SRCDIR names the
# source tree (default: this script's tree).

here=$(cd "$(dirname "$0")" && pwd)
src=${TOP_SRCDIR:-$here/../..}
corpus=$src/tests/fuzz/corpus
bin=${FUZZ_REPLAY_DIR:-tests/fuzz}
harnesses="address descriptor dfuse_file elf hostile ihex map options plan prefix suffix uf2"

set -- $harnesses
echo "1..$#"
n=0
for h in $harnesses; do
	n=$((n + 1))
	prog=$bin/replay_$h
	if [ ! -x "$prog" ]; then
		echo "not ok $n - $h: $prog was not built"
		continue
	fi
	if [ ! -d "$corpus/$h" ]; then
		echo "not ok $n - $h: no corpus $corpus/$h"
		continue
	fi
	out=$("$prog" "$corpus/$h" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok $n - $h: $out"
	else
		echo "not ok $n - $h: exit status $rc"
		printf '%s\n' "$out" | sed 's/^/# /'
		# Name the input at fault: replay them one by one until one fails.
		for f in "$corpus/$h"/*; do
			if ! "$prog" "$f" >/dev/null 2>&1; then
				echo "# first failing input: $f"
				break
			fi
		done
	fi
done
