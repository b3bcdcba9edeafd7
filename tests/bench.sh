#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
#
# Benchmark: run transfers on simulated devices with the virtual clock and
# compare the time they take with the device-bound limit: the device's own
# busy time plus the control transfers the protocol cannot do without.  The
# simulator charges each control transfer usb_overhead_us plus usb_byte_ns
# per data byte (it writes both into DIR/stats).  Not a pass/fail test.
#
#   tests/bench.sh [path/to/dfu-util]
set -u
DFU_UTIL=${1:-${DFU_UTIL:-src/dfu-util}}
work=$(mktemp -d "${TMPDIR:-/tmp}/dfu-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

stat_of() { sed -n "s/^$1=//p" "$2/stats"; }

# report NAME DIR LIMIT_US
report()
{
	awk -v name="$1" -v n="$(stat_of control_transfers "$2")" \
	    -v t="$(stat_of elapsed_us "$2")" -v lim="$3" 'BEGIN {
		printf "%-28s %8d %12.1f %12.1f %8.3f\n", name, n, t / 1000, lim / 1000, t / lim
	}'
}

# cost_us DIR LEN: what the simulator charges for one control transfer
cost_us()
{
	awk -v o="$(stat_of usb_overhead_us "$1")" -v b="$(stat_of usb_byte_ns "$1")" \
	    -v len="$2" 'BEGIN { printf "%.3f", o + len * b / 1000 }'
}

# download_limit DIR SIZE TRANSFER: busy + per block one DNLOAD and the two
# GETSTATUS the protocol needs (DNLOAD-SYNC -> DNBUSY, then DNLOAD-IDLE),
# and the same for the zero-length DNLOAD that starts manifestation.
download_limit()
{
	d=$1 size=$2 ts=$3
	full=$((size / ts)) rest=$((size % ts))
	awk -v busy="$(stat_of device_busy_us "$d")" -v full="$full" -v rest="$rest" \
	    -v cf="$(cost_us "$d" "$ts")" -v cr="$(cost_us "$d" "$rest")" \
	    -v c0="$(cost_us "$d" 0)" -v cs="$(cost_us "$d" 6)" 'BEGIN {
		lim = busy + full * (cf + 2 * cs) + c0 + 2 * cs;
		if (rest > 0) lim += cr + 2 * cs;
		printf "%.3f", lim
	}'
}

# upload_limit DIR SIZE TRANSFER: one UPLOAD per block, nothing else.
upload_limit()
{
	d=$1 size=$2 ts=$3
	full=$((size / ts)) rest=$((size % ts))
	awk -v full="$full" -v rest="$rest" -v cf="$(cost_us "$d" "$ts")" \
	    -v cr="$(cost_us "$d" "$rest")" 'BEGIN {
		lim = full * cf; if (rest > 0) lim += cr; printf "%.3f", lim
	}'
}

run()
{
	"$DFU_UTIL" --sim-clock virtual "$@" >/dev/null 2>"$work/stderr" || {
		echo "bench: dfu-util $* failed:" >&2
		cat "$work/stderr" >&2
		exit 1
	}
}

head -c 262144 /dev/urandom > "$work/256k.bin"
head -c 65536 /dev/urandom > "$work/64k.bin"

printf '%-28s %8s %12s %12s %8s\n' scenario requests "time ms" "limit ms" ratio

# Plain DFU download, 256 KiB to a manifestation-tolerant device.
d="$work/plain-dl"
run --sim dfu-plain --sim-state "$d" -D "$work/256k.bin"
report "DFU download 256 KiB" "$d" "$(download_limit "$d" 262144 1024)"

# Plain DFU upload of the same 256 KiB.
run --sim-state "$d" -Z 262144 -U "$work/back.bin"
report "DFU upload 256 KiB" "$d" "$(upload_limit "$d" 262144 1024)"

# Run-time device: DETACH, USB reset, re-enumeration, download 64 KiB.
d="$work/detach"
run --sim runtime --sim-state "$d" -D "$work/64k.bin"
lim=$(download_limit "$d" 65536 1024)
lim=$(awk -v l="$lim" -v c="$(cost_us "$d" 0)" -v r="$(stat_of reset_us "$d")" \
	'BEGIN { printf "%.3f", l + c + r }')
report "detach + DFU download 64 KiB" "$d" "$lim"
