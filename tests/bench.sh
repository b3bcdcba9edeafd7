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

prev=
log_mark=0
stat_of() { sed -n "s/^$1=//p" "$2/stats"; }

# per_block DIR: control transfers spent on each data block in the last
# run: the DNLOAD or UPLOAD that carries data and the GETSTATUS polls that
# follow it (DfuSe commands and discovery are not data blocks).
per_block()
{
	tail -n +"$((log_mark + 1))" "$1/requests.log" | awk '
		$3 == "GETSTATUS" { if (in_block) n++; next }
		($3 == "DNLOAD" || $3 == "UPLOAD") && $6 != "wLength=0" && !/cmd=(SET_ADDRESS|ERASE|MASS_ERASE|GET_COMMANDS)/ {
			blocks++; n++; in_block = 1; next
		}
		{ in_block = 0 }
		END { printf "%.2f", blocks ? n / blocks : 0 }'
}

# report NAME DIR LIMIT_US
report()
{
	awk -v name="$1" -v n="$(stat_of control_transfers "$2")" -v pb="$(per_block "$2")" \
	    -v t="$(stat_of elapsed_us "$2")" -v lim="$3" 'BEGIN {
		printf "%-30s %8d %9.2f %11.1f %11.1f %7.3f\n", name, n, pb,
		       t / 1000, lim / 1000, t / lim
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

# dfuse_download_limit DIR SIZE TRANSFER COMMANDS: as download_limit, but
# DfuSe: no manifestation, and COMMANDS (page erases and SET_ADDRESS, each a
# 5-byte DNLOAD with its two GETSTATUS) that the data needs.
dfuse_download_limit()
{
	d=$1 size=$2 ts=$3 cmds=$4
	full=$((size / ts)) rest=$((size % ts))
	awk -v busy="$(stat_of device_busy_us "$d")" -v full="$full" -v rest="$rest" \
	    -v cf="$(cost_us "$d" "$ts")" -v cr="$(cost_us "$d" "$rest")" -v cmds="$cmds" \
	    -v c5="$(cost_us "$d" 5)" -v cs="$(cost_us "$d" 6)" 'BEGIN {
		lim = busy + full * (cf + 2 * cs) + cmds * (c5 + 2 * cs);
		if (rest > 0) lim += cr + 2 * cs;
		printf "%.3f", lim
	}'
}

# dfuse_upload_limit DIR SIZE TRANSFER: SET_ADDRESS with its two GETSTATUS
# and busy time, the ABORT back to dfuIDLE, then one UPLOAD per block.
dfuse_upload_limit()
{
	d=$1
	awk -v up="$(upload_limit "$d" "$2" "$3")" -v busy="$(stat_of device_busy_us "$d")" \
	    -v c5="$(cost_us "$d" 5)" -v cs="$(cost_us "$d" 6)" -v c0="$(cost_us "$d" 0)" \
	    'BEGIN { printf "%.3f", up + busy + c5 + 2 * cs + c0 }'
}

blocks() { echo $(( ($1 + $2 - 1) / $2 )); }

run()
{
	# Where this run's requests start in the state directory's log.
	log_mark=0
	for a in "$@"; do
		case $prev in --sim-state) [ -f "$a/requests.log" ] && log_mark=$(wc -l < "$a/requests.log") ;; esac
		prev=$a
	done
	"$DFU_UTIL" --sim-clock virtual "$@" >/dev/null 2>"$work/stderr" || {
		echo "bench: dfu-util $* failed:" >&2
		cat "$work/stderr" >&2
		exit 1
	}
}

head -c 262144 /dev/urandom > "$work/256k.bin"
head -c 65536 /dev/urandom > "$work/64k.bin"

head -c 1048576 /dev/urandom > "$work/1m.bin"

printf '%-30s %8s %9s %11s %11s %7s\n' scenario requests "per block" "time ms" "limit ms" ratio

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
# The device is off the bus while it re-enumerates (reenum_ms): device-bound.
lim=$(awk -v l="$lim" -v c="$(cost_us "$d" 0)" -v r="$(stat_of reset_us "$d")" \
	-v a="$(stat_of away_us "$d")" 'BEGIN { printf "%.3f", l + c + r + a }')
report "detach + DFU download 64 KiB" "$d" "$lim"

# DfuSe, STM32F4: 1 MiB raw download covers all 12 sectors (4 x 16 KiB,
# 64 KiB, 7 x 128 KiB): 12 erases and, since each sector is written right
# after its erase (an erase may move the address pointer), 12 SET_ADDRESS.
d="$work/f4"
run --sim stm32f4 --sim-state "$d" -a 0 -s 0x08000000 -D "$work/1m.bin"
report "DfuSe F4 download 1 MiB" "$d" "$(dfuse_download_limit "$d" 1048576 2048 24)"
run --sim-state "$d" -a 0 -s 0x08000000:1048576 -U "$work/f4-back.bin"
report "DfuSe F4 upload 1 MiB" "$d" "$(dfuse_upload_limit "$d" 1048576 2048)"
d_f4=$d

# DSO Nano APP: 64 KiB at 0x0800C000, 64 pages of 1 KiB: an erase and a
# SET_ADDRESS each.
d="$work/nano"
run --sim dsonano --sim-state "$d" -a 0 -s 0x0800C000 -D "$work/64k.bin"
report "DfuSe DSO Nano APP 64 KiB" "$d" "$(dfuse_download_limit "$d" 65536 1024 128)"

# A device that repeats its last bwPollTimeout when it is already idle: a
# host that sleeps on that answer pays for every block.  256 KiB at
# 0x08000000 erases 4 x 16 KiB, 64 KiB and 128 KiB, a SET_ADDRESS each.
d="$work/idle"
run --sim dfuse-idle-poll --sim-state "$d" -a 0 -s 0x08000000 -D "$work/256k.bin"
report "DfuSe idle-poll download 256K" "$d" "$(dfuse_download_limit "$d" 262144 2048 12)"

# ---------------------------------------------------------------- issue 12
# --verify: what reading back costs, against the upload limit for the
# bytes written (the same 1 MiB as the F4 upload above; the download's own
# time is taken away: both runs erase and write the same).
lim_up=$(dfuse_upload_limit "$d_f4" 1048576 2048)
d="$work/f4-verify"
run --sim stm32f4 --sim-state "$d" -a 0 -s 0x08000000 -D "$work/1m.bin"
t_plain=$(stat_of elapsed_us "$d")
run --sim-state "$d" -a 0 -s 0x08000000 -D "$work/1m.bin" --verify
t_ver=$(stat_of elapsed_us "$d")
awk -v n="$(stat_of control_transfers "$d")" -v t="$((t_ver - t_plain))" -v lim="$lim_up" 'BEGIN {
	printf "%-30s %8s %9s %11.1f %11.1f %7.3f\n", "DfuSe F4 verify 1 MiB", "-", "-",
	       t / 1000, lim / 1000, t / lim
}'

# --skip-unchanged on the F4, flash holding random data first.  The
# "limit" column is the full flash of the same image over the same random
# flash, the ratio the share of it that the run took; the "per block"
# column says instead how many page erases the run sent (e=N).
head -c 1048576 /dev/urandom > "$work/rnd.bin"
cp "$work/1m.bin" "$work/1m-one.bin"
printf 'x' | dd of="$work/1m-one.bin" bs=1 seek=$((0x4000 + 100)) conv=notrunc 2>/dev/null
erases() { tail -n +"$((log_mark + 1))" "$1/requests.log" | grep -c 'cmd=ERASE' || true; }
skip_row()
{
	awk -v name="$1" -v n="$(stat_of control_transfers "$2")" -v t="$(stat_of elapsed_us "$2")" \
	    -v full="$3" -v e="$(erases "$2")" 'BEGIN {
		printf "%-30s %8d %9s %11.1f %11.1f %7.3f\n", name, n, "e=" e,
		       t / 1000, full / 1000, t / full
	}'
}
d="$work/f4-full"
run --sim stm32f4 --sim-state "$d" -a 0 -s 0x08000000 -D "$work/rnd.bin"
run --sim-state "$d" -a 0 -s 0x08000000 -D "$work/1m.bin"
t_full=$(stat_of elapsed_us "$d")
skip_row "DfuSe F4 1 MiB over random" "$d" "$t_full"
d="$work/f4-skip"
run --sim stm32f4 --sim-state "$d" -a 0 -s 0x08000000 -D "$work/rnd.bin"
run --sim-state "$d" -a 0 -s 0x08000000 -D "$work/1m.bin" --skip-unchanged
skip_row "  skip-unchanged: all differ" "$d" "$t_full"
run --sim-state "$d" -a 0 -s 0x08000000 -D "$work/1m.bin" --skip-unchanged
skip_row "  skip-unchanged: identical" "$d" "$t_full"
run --sim-state "$d" -a 0 -s 0x08000000 -D "$work/1m-one.bin" --skip-unchanged
skip_row "  skip-unchanged: 1 sector" "$d" "$t_full"
d="$work/f4-blank"
run --sim stm32f4 --sim-state "$d" -a 0 -s 0x08000000 -D "$work/1m.bin" --skip-unchanged
skip_row "  skip-unchanged: blank flash" "$d" "$t_full"

# ---------------------------------------------------------------- issue 14
# --all on the real clock: 4 simulated devices against 1, the same 1 MiB
# download with short busy times.  The devices' waits overlap, so the
# ratio of the wall times should stay near 1 (target <= 1.2).  Peak RSS:
# the simulated devices live in the process (each its 1 MiB of memory), so
# what one more device costs the host side is the growth minus that; the
# file is read once and shared, so that is far below the file's size.
# Best of three runs each, to keep a busy machine's noise out.
if [ -x /usr/bin/time ]; then
	all_prof="dfu-plain:memory_size=1048576:transfer_size=4096:dnload_busy_ms=2:poll_timeout_ms=2:manifest_ms=5"
	# all_run N: "SECONDS MAXRSS_KB", the best of three runs on N devices.
	all_run()
	{
		sims=
		i=1
		while [ "$i" -le "$1" ]; do
			sims="$sims${sims:+,}$all_prof:serial=B$i"
			i=$((i + 1))
		done
		for k in 1 2 3; do
			/usr/bin/time -f '%e %M' -o "$work/time" "$DFU_UTIL" --sim-clock real \
				--sim "$sims" --all -D "$work/1m.bin" >/dev/null 2>"$work/stderr" || {
				echo "bench: dfu-util --all on $1 devices failed:" >&2
				cat "$work/stderr" >&2
				exit 1
			}
			tail -n 1 "$work/time"
		done | sort -n | head -n 1
	}
	one=$(all_run 1)
	four=$(all_run 4)
	# A failure inside the pipeline above leaves a line short.
	[ "$(echo $one $four | wc -w)" -eq 4 ] || exit 1
	echo "$one $four" | awk '{
		printf "%-30s %8s %9s %11.1f %11.1f %7.3f\n", "--all: 4 devices vs 1 (real)",
		       "-", "-", $3 * 1000, $1 * 1000, $3 / $1
		per = ($4 - $2) / 3
		printf "  peak RSS: 1 device %d KiB, 4 devices %d KiB: %.0f KiB per extra device,\n", $2, $4, per
		printf "  of which 1024 KiB simulated device memory; host side %.0f KiB (file: 1024 KiB, read once)\n", per - 1024
	}'
else
	echo "--all: 4 devices vs 1 (real)   skipped: no /usr/bin/time"
fi
