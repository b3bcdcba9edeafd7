#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
#
# The VM tier (doc/vm-tier.txt), as TAP: one boot of a Linux VM in which
# dfu-gadget serves the simulator's devices through dummy_hcd and
# FunctionFS, and both our dfu-util and Debian's classic one flash them
# through libusb.  One TAP result per scenario and tool.
#
# Skips (1..0 # SKIP) without qemu-system-x86_64, busybox-static or the
# kernel cache (tests/vm/fetch-kernel.sh fills it); with DFU_VM_REQUIRE=1
# (CI) a skip is an error instead; DFU_VM_SKIP=1 skips it on purpose (CI's
# make distcheck, so that the tier boots once per CI run).
#
# Environment (make check sets the first ones): DFU_UTIL, DFU_GADGET,
# UEVENT_RELAY, DFUSE_PACK, TOP_SRCDIR; DFU_VM_CACHE, DFU_UTIL_CLASSIC,
# QEMU, DFU_VM_TIMEOUT as tests/vm/run.sh describes; DFU_VM_ONLY=NAME runs
# one scenario.

srcdir=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
vmdir=$srcdir/tests/vm
cache=${DFU_VM_CACHE:-$HOME/.cache/dfu-util-vm}
qemu=${QEMU:-qemu-system-x86_64}

skip() {
	if [ "${DFU_VM_REQUIRE:-0}" = 1 ]; then
		echo "Bail out! the VM tier is required here (DFU_VM_REQUIRE=1) but: $1"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

[ "${DFU_VM_SKIP:-0}" = 1 ] && { echo "1..0 # SKIP disabled by DFU_VM_SKIP=1"; exit 0; }
command -v "$qemu" >/dev/null 2>&1 || skip "$qemu not installed (apt-get install qemu-system-x86)"
command -v busybox >/dev/null 2>&1 || skip "busybox not installed (apt-get install busybox-static)"
[ -f "$cache/kernel/ready" ] || skip "no kernel cache in $cache (run tests/vm/fetch-kernel.sh)"
[ "$(uname -s)" = Linux ] || skip "not Linux"
for v in DFU_UTIL DFU_GADGET UEVENT_RELAY; do
	eval "f=\${$v:-}"
	[ -n "$f" ] && [ -x "$f" ] || skip "$v is not set to a built program"
done
if [ -z "${DFUSE_PACK:-}" ] && [ -x "$(dirname "$DFU_UTIL")/dfuse-pack" ]; then
	DFUSE_PACK=$(dirname "$DFU_UTIL")/dfuse-pack
fi
export DFU_UTIL DFU_GADGET UEVENT_RELAY DFUSE_PACK

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dfu-vm-tap.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# The DfuSe scenarios need the simulator's DfuSe model: ask the simulated
# backend, which runs the same model, to take a DfuSe download.
dd if=/dev/zero of="$tmp/probe.bin" bs=1024 count=2 2>/dev/null
dfuse=1
"$DFU_UTIL" --sim stm32f4 --sim-clock virtual -a 0 -s 0x08000000 -D "$tmp/probe.bin" \
	>/dev/null 2>&1 || dfuse=0

args="dfuvm_dfuse=$dfuse"
[ -n "${DFU_VM_ONLY:-}" ] && args="$args dfuvm_only=$DFU_VM_ONLY"
start=$(date +%s)
# shellcheck disable=SC2086
sh "$vmdir/run.sh" $args >"$tmp/console" 2>&1
status=$?
end=$(date +%s)
tr -d '\r' <"$tmp/console" >"$tmp/console.txt"

names=$(sed -n 's/^# scenario: //p' "$vmdir/scenarios.sh")
[ -n "${DFU_VM_ONLY:-}" ] && names=$DFU_VM_ONLY

awk -v names="$names" -v status="$status" -v secs="$((end - start))" '
BEGIN {
	n = split(names, name, /[ \n]+/)
	tools[1] = "ours"; tools[2] = "classic"
}
/^@@ (ok|fail|xfail|skip) / {
	line = substr($0, 4)
	verdict = line; sub(/ .*/, "", verdict)
	rest = substr(line, length(verdict) + 2)
	key = rest; why = ""
	if (index(rest, " # ")) {
		key = substr(rest, 1, index(rest, " # ") - 1)
		why = substr(rest, index(rest, " # ") + 3)
	}
	result[key] = verdict; reason[key] = why; cur = key
	next
}
/^@@ # / { detail[cur] = detail[cur] "#" substr($0, 5) "\n"; next }
/^@@ (bench|time) / { notes = notes "# " substr($0, 4) "\n"; next }
/^@@ / { notes = notes "# " substr($0, 4) "\n"; next }
{ tail[++nt] = $0 }
END {
	printf "1..%d\n", 2 * n
	t = 0
	for (i = 1; i <= n; i++) {
		for (j = 1; j <= 2; j++) {
			key = name[i] " (" tools[j] ")"
			t++
			v = result[key]
			if (v == "ok")
				printf "ok %d - %s\n", t, key
			else if (v == "skip")
				printf "ok %d - %s # SKIP %s\n", t, key, reason[key]
			else if (v == "xfail")
				printf "not ok %d - %s # TODO %s\n", t, key, reason[key]
			else if (v == "fail")
				printf "not ok %d - %s: %s\n%s", t, key, reason[key], detail[key]
			else {
				printf "not ok %d - %s: no result (the VM ended early, status %d)\n", t, key, status
				missing = 1
			}
		}
	}
	printf "%s", notes
	printf "# VM tier: one boot, %d s wall time, QEMU status %d\n", secs, status
	if (missing || status != 0) {
		print "# console tail:"
		for (k = (nt > 40 ? nt - 40 : 1); k <= nt; k++)
			print "#   " tail[k]
	}
}' "$tmp/console.txt"
