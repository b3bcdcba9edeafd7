#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
#
# The VM tier's scenarios, run by /init inside the VM (busybox sh).  Each
# starts dfu-gadget with a simulator profile, waits until the kernel has
# enumerated it, runs a host tool against it through libusb and the real
# USB core, and prints one result line:
#
#   @@ ok NAME                      passed
#   @@ fail NAME # why              failed (followed by "@@ # ..." details)
#   @@ xfail NAME # why             a listed, expected difference (classic only)
#   @@ skip NAME # why              could not run
#   @@ bench WHAT TOOL SECONDS      timings, for the record
#
# Every scenario runs twice: with our dfu-util ("ours") and with Debian's
# classic dfu-util ("classic"), the reference host.  The list of scenario
# names is the "# scenario:" lines below; tests/vm.sh reads it to report
# the ones a crashed VM never reached.
#
# scenario: list-dfuse
# scenario: list-runtime
# scenario: plain-tolerant
# scenario: plain-intolerant-reset
# scenario: runtime-detach
# scenario: dfuse-raw-2048
# scenario: dfuse-dfu-file
# scenario: dsonano
# scenario: dfuse-leave
# scenario: dfuse-leave-vanish
# scenario: timing
#
# Settings come from the kernel command line (the kernel hands unknown
# name=value words to init as environment): dfuvm_dfuse=0 skips the DfuSe
# scenarios, dfuvm_only=NAME runs one scenario.

NEW=/opt/new/dfu-util
OLD=/opt/classic/dfu-util
GADGET=/opt/dfu-gadget
DATA=/opt/data
W=/tmp/w
mkdir -p $W

gn=0
gpid=
runs=0

say() { echo "@@ $*"; }

now() { cut -d' ' -f1 /proc/uptime; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# Show the end of a file as result details.
details() {
	[ -f "$1" ] || return 0
	tail -n "${2:-12}" "$1" | tr '\r' '\n' | grep -v '^$' | tail -n "${2:-12}" |
		sed 's/^/@@ #   /'
}

# present VID:PID: the device is enumerated and configured (the gadget is port 1)
present() {
	d=/sys/bus/usb/devices/1-1
	[ -f $d/idVendor ] || return 1
	[ "$(cat $d/idVendor):$(cat $d/idProduct)" = "$1" ] || return 1
	[ -n "$(cat $d/bConfigurationValue 2>/dev/null)" ]
}

# wait_for present|absent VID:PID [TENTHS]
wait_for() {
	n=${3:-50}
	while [ "$n" -gt 0 ]; do
		if [ "$1" = present ]; then present "$2" && return 0
		else present "$2" || return 0
		fi
		usleep 100000
		n=$((n - 1))
	done
	return 1
}

# gadget_start PROFILE VID:PID: a fresh device with the profile's memory
gadget_start() {
	gadget_stop
	gn=$((gn + 1))
	glog=$W/gadget$gn.log
	# -vv: every request in the log, for the scenarios that look at them
	$GADGET -vv -n g$gn "$1" >"$glog" 2>&1 &
	gpid=$!
	if ! wait_for present "$2" 50; then
		echo "gadget $1 did not enumerate as $2" >>"$glog"
		return 1
	fi
}

gadget_stop() {
	[ -n "$gpid" ] || return 0
	kill "$gpid" 2>/dev/null
	wait "$gpid" 2>/dev/null
	gpid=
	# the next gadget must not be mistaken for this one
	n=30
	while [ -e /sys/bus/usb/devices/1-1 ] && [ $n -gt 0 ]; do
		usleep 100000
		n=$((n - 1))
	done
}

# run TOOL ARGS...: output in $out, exit status in $rc
run() {
	tool=$1
	shift
	runs=$((runs + 1))
	out=$W/run$runs.out
	"$tool" "$@" >"$out" 2>&1 </dev/null
	rc=$?
	echo "\$ $(basename "$(dirname "$tool")")/dfu-util $* -> $rc" >>"$W/commands"
}

tool_name() { [ "$1" = "$NEW" ] && echo ours || echo classic; }

# Expected differences of the classic tool, by scenario: "why" or empty.
classic_difference() {
	case $1 in
	plain-intolerant-reset)
		echo "classic dfu-util 0.11 keeps sending GETSTATUS after dfuMANIFEST to a manifestation-intolerant device, which in dfuMANIFEST-WAIT-RESET does not answer (DFU 1.1 A.1, state 8)" ;;
	dfuse-leave-vanish)
		echo "classic dfu-util 0.11 fails (exit 74) when the device is gone before the GETSTATUS that follows the leave request" ;;
	*) echo "" ;;
	esac
}

# verdict NAME TOOL OK(0/1) WHY: print the result line with the details
verdict() {
	name="$1 ($(tool_name "$2"))"
	if [ "$3" = 0 ]; then
		say "ok $name"
		return
	fi
	diff=
	[ "$2" = "$OLD" ] && diff=$(classic_difference "$1")
	if [ -n "$diff" ]; then
		say "xfail $name # expected difference: $diff ($4)"
	else
		say "fail $name # $4"
	fi
	echo "@@ #   commands:"
	tail -n 4 "$W/commands" 2>/dev/null | sed 's/^/@@ #     /'
	echo "@@ #   tool output:"
	details "$out" 12
	echo "@@ #   gadget log:"
	details "$glog" 12
}

skip_all() {
	for t in ours classic; do
		say "skip $1 ($t) # $2"
	done
}

wanted() { [ -z "$dfuvm_only" ] || [ "$dfuvm_only" = "$1" ]; }

mkdata() { dd if=/dev/urandom of="$1" bs=1024 count="$2" 2>/dev/null; }

# The STM32F4 with its erase times cut to a tenth, where the scenario is
# about function rather than time (the benchmark keeps the real ones).
F4_FAST='stm32f4:erase_ms=16K=25 64K=55 128K=100 2:write_ms=1'
NANO_FAST='dsonano:erase_ms=1K=3 64K=100:write_ms=3'

# ---------------------------------------------------------------- scenarios

# -l shows the gadget as the profile describes it: ids, version, every alt and its name
sc_list_dfuse() {
	cur_id=0483:df11
	gadget_start stm32f4 $cur_id || { verdict list-dfuse "$1" 1 "gadget failed"; return; }
	run "$1" -l
	ok=0
	for want in '[0483:df11] ver=2200' \
		'alt=0, name="@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg", serial="315A28A0B956"' \
		'alt=1, name="@Option Bytes  /0x1FFFC000/01*016 g"' \
		'alt=2, name="@OTP Memory /0x1FFF7800/01*512 g,01*016 g"' \
		'alt=3, name="@Device Feature/0xFFFF0000/01*004 g"'; do
		grep -qF "$want" "$out" || { ok=1; why="no line with: $want"; }
	done
	[ "$rc" = 0 ] || { ok=1; why="exit status $rc"; }
	verdict list-dfuse "$1" $ok "$why"
}

sc_list_runtime() {
	cur_id=1d50:6018
	gadget_start runtime $cur_id || { verdict list-runtime "$1" 1 "gadget failed"; return; }
	run "$1" -l
	ok=0
	grep -q 'Found Runtime: \[1d50:6018\] ver=0100, .*intf=2, .*name="Simulated probe firmware upgrade", serial="C2C89BDB"' "$out" ||
		{ ok=1; why="run-time interface 2 not listed as the profile says"; }
	[ "$rc" = 0 ] || { ok=1; why="exit status $rc"; }
	verdict list-runtime "$1" $ok "$why"
}

# plain DFU download and upload; the profile's device is manifestation tolerant
sc_plain_tolerant() {
	cur_id=1209:2002
	gadget_start dfu-plain $cur_id || { verdict plain-tolerant "$1" 1 "gadget failed"; return; }
	t=$(tool_name "$1")
	mkdata $W/plain.bin 100
	t0=$(now)
	run "$1" -d $cur_id -a 0 -D $W/plain.bin
	t1=$(now)
	say "bench plain-download-100KiB $t $(elapsed "$t0" "$t1")"
	[ "$rc" = 0 ] || { verdict plain-tolerant "$1" 1 "download: exit status $rc"; return; }
	run "$1" -d $cur_id -a 0 -U $W/plain.up.$t
	[ "$rc" = 0 ] || { verdict plain-tolerant "$1" 1 "upload: exit status $rc"; return; }
	cmp -s $W/plain.bin $W/plain.up.$t || { verdict plain-tolerant "$1" 1 "uploaded image differs"; return; }
	verdict plain-tolerant "$1" 0
}

# manifestation intolerant: the tool must reset the device after the download
sc_plain_intolerant() {
	cur_id=1209:2003
	gadget_start dfu-intolerant $cur_id || { verdict plain-intolerant-reset "$1" 1 "gadget failed"; return; }
	t=$(tool_name "$1")
	mkdata $W/intol.bin 40
	run "$1" -d $cur_id -a 0 -D $W/intol.bin
	[ "$rc" = 0 ] || { verdict plain-intolerant-reset "$1" 1 "download: exit status $rc"; return; }
	grep -q "bus reset" "$glog" || { verdict plain-intolerant-reset "$1" 1 "the device saw no USB reset"; return; }
	wait_for present $cur_id 30
	run "$1" -d $cur_id -a 0 -U $W/intol.up.$t
	[ "$rc" = 0 ] || { verdict plain-intolerant-reset "$1" 1 "upload after the reset: exit status $rc"; return; }
	cmp -s $W/intol.bin $W/intol.up.$t || { verdict plain-intolerant-reset "$1" 1 "uploaded image differs"; return; }
	verdict plain-intolerant-reset "$1" 0
}

# a run-time device detached, re-enumerated with another PID and flashed in one run
sc_runtime_detach() {
	cur_id=1d50:6018
	gadget_start runtime $cur_id || { verdict runtime-detach "$1" 1 "gadget failed"; return; }
	t=$(tool_name "$1")
	mkdata $W/rt.bin 24
	# -E 2: the device is back in well under a second; classic waits it out
	run "$1" -d 1d50:6018,1d50:6017 -E 2 -a 0 -D $W/rt.bin
	[ "$rc" = 0 ] || { verdict runtime-detach "$1" 1 "detach and download: exit status $rc"; return; }
	cur_id=1d50:6017
	grep -q "re-enumerates" "$glog" || { verdict runtime-detach "$1" 1 "the device never re-enumerated"; return; }
	wait_for present $cur_id 30
	run "$1" -d 1d50:6017 -a 0 -U $W/rt.up.$t
	[ "$rc" = 0 ] || { verdict runtime-detach "$1" 1 "upload in DFU mode: exit status $rc"; return; }
	cmp -s $W/rt.bin $W/rt.up.$t || { verdict runtime-detach "$1" 1 "uploaded image differs"; return; }
	verdict runtime-detach "$1" 0
}

# DfuSe raw download and upload round trip, 256 KiB at wTransferSize 2048
sc_dfuse_raw() {
	cur_id=0483:df11
	gadget_start stm32f4 $cur_id || { verdict dfuse-raw-2048 "$1" 1 "gadget failed"; return; }
	t=$(tool_name "$1")
	mkdata $W/f4.bin 256
	t0=$(now)
	run "$1" -d $cur_id -a 0 -s 0x08000000 -D $W/f4.bin
	t1=$(now)
	say "bench dfuse-download-256KiB $t $(elapsed "$t0" "$t1")"
	[ "$rc" = 0 ] || { verdict dfuse-raw-2048 "$1" 1 "download: exit status $rc"; return; }
	t0=$(now)
	run "$1" -d $cur_id -a 0 -s 0x08000000:262144 -U $W/f4.up.$t
	t1=$(now)
	say "bench dfuse-upload-256KiB $t $(elapsed "$t0" "$t1")"
	[ "$rc" = 0 ] || { verdict dfuse-raw-2048 "$1" 1 "upload: exit status $rc"; return; }
	cmp -s $W/f4.bin $W/f4.up.$t || { verdict dfuse-raw-2048 "$1" 1 "uploaded image differs"; return; }
	# the data went in 2048-byte control transfers both ways
	grep -q '^setup 21 01 wValue 0x0002 .* wLength 2048 ' "$glog" ||
		{ verdict dfuse-raw-2048 "$1" 1 "no 2048-byte DNLOAD reached the device"; return; }
	grep -q '^setup a1 02 wValue 0x0002 .* wLength 2048 ' "$glog" ||
		{ verdict dfuse-raw-2048 "$1" 1 "no 2048-byte UPLOAD reached the device"; return; }
	verdict dfuse-raw-2048 "$1" 0
}

# a .dfu file with two elements in two sectors (made on the host by dfuse-pack)
sc_dfuse_file() {
	cur_id=0483:df11
	if [ ! -f $DATA/two.dfu ]; then
		say "skip dfuse-dfu-file ($(tool_name "$1")) # no .dfu test file: dfuse-pack was not built"
		return
	fi
	gadget_start "$F4_FAST" $cur_id || { verdict dfuse-dfu-file "$1" 1 "gadget failed"; return; }
	t=$(tool_name "$1")
	run "$1" -d $cur_id -a 0 -D $DATA/two.dfu
	[ "$rc" = 0 ] || { verdict dfuse-dfu-file "$1" 1 "download: exit status $rc"; return; }
	run "$1" -d $cur_id -a 0 -s 0x08004000:6144 -U $W/e1.$t
	[ "$rc" = 0 ] || { verdict dfuse-dfu-file "$1" 1 "upload of element 1: exit status $rc"; return; }
	run "$1" -d $cur_id -a 0 -s 0x08010000:3000 -U $W/e2.$t
	[ "$rc" = 0 ] || { verdict dfuse-dfu-file "$1" 1 "upload of element 2: exit status $rc"; return; }
	cmp -s $DATA/e1.bin $W/e1.$t || { verdict dfuse-dfu-file "$1" 1 "element 1 differs"; return; }
	cmp -s $DATA/e2.bin $W/e2.$t || { verdict dfuse-dfu-file "$1" 1 "element 2 differs"; return; }
	verdict dfuse-dfu-file "$1" 0
}

# DSO Nano: 1024-byte transfers; the bootloader's own 12 KiB are read-only
sc_dsonano() {
	cur_id=0483:df11
	gadget_start "$NANO_FAST" $cur_id || { verdict dsonano "$1" 1 "gadget failed"; return; }
	t=$(tool_name "$1")
	mkdata $W/nano.bin 8
	run "$1" -d $cur_id -a 0 -s 0x08003000 -D $W/nano.bin
	[ "$rc" = 0 ] || { verdict dsonano "$1" 1 "download after the bootloader: exit status $rc"; return; }
	run "$1" -d $cur_id -a 0 -s 0x08003000:8192 -U $W/nano.up.$t
	[ "$rc" = 0 ] || { verdict dsonano "$1" 1 "upload: exit status $rc"; return; }
	cmp -s $W/nano.bin $W/nano.up.$t || { verdict dsonano "$1" 1 "uploaded image differs"; return; }
	run "$1" -d $cur_id -a 0 -s 0x08000000:1024 -U $W/boot.before.$t
	[ "$rc" = 0 ] || { verdict dsonano "$1" 1 "upload of the bootloader: exit status $rc"; return; }
	run "$1" -d $cur_id -a 0 -s 0x08000000 -D $W/nano.bin
	[ "$rc" != 0 ] || { verdict dsonano "$1" 1 "a download over the read-only bootloader succeeded"; return; }
	wait_for present $cur_id 30
	run "$1" -d $cur_id -a 0 -s 0x08000000:1024 -U $W/boot.after.$t
	[ "$rc" = 0 ] || { verdict dsonano "$1" 1 "upload after the refusal: exit status $rc"; return; }
	cmp -s $W/boot.before.$t $W/boot.after.$t || { verdict dsonano "$1" 1 "the read-only bootloader changed"; return; }
	verdict dsonano "$1" 0
}

# :leave ends with the device gone from the bus and exit status 0
# (sc_dfuse_leave PROFILE NAME TOOL)
leave_test() {
	cur_id=0483:df11
	gadget_start "$1" $cur_id || { verdict "$2" "$3" 1 "gadget failed"; return; }
	mkdata $W/leave.bin 2
	run "$3" -d $cur_id -a 0 -s 0x08000000:leave -D $W/leave.bin
	[ "$rc" = 0 ] || { verdict "$2" "$3" 1 "exit status $rc"; return; }
	wait_for absent $cur_id 30 || { verdict "$2" "$3" 1 "the device is still on the bus"; return; }
	grep -q "disconnected" "$glog" || { verdict "$2" "$3" 1 "the gadget did not disconnect"; return; }
	verdict "$2" "$3" 0
}

# the bootloader answers the GETSTATUS after the leave request, then goes
sc_dfuse_leave() { leave_test "$F4_FAST" dfuse-leave "$1"; }

# the bootloader is gone right after the zero-length DNLOAD, as some real
# ones are: the GETSTATUS that follows finds no device
sc_dfuse_leave_vanish() { leave_test "$F4_FAST:leave_status=0" dfuse-leave-vanish "$1"; }

# ---------------------------------------------------------------- timing

# Ours against classic, per operation, in this boot: each tool runs the
# same job REPS times (dfuvm_reps=N, default 5) against one gadget that
# stamps every request it sees (dfu-gadget -t).  The tools take turns, and
# the one that goes first alternates: TCG translates code the first time
# it runs, and the libraries both tools share (libc, libusb, libudev) are
# then translated already for whichever runs second.  One run of each
# before the first operation is not counted for the same reason.
# Printed, never asserted:
#
#   @@ speed OP: ours S s, classic S s, ours/classic R (median of N, CLOCK)
#   @@ phases OP TOOL: start>SET_INTERFACE S, start>first request S,
#      requests S, last request>exit S; N requests, cpu S, minflt N
#   @@ runs OP TOOL S S S...
#
# CLOCK is "wall clock" (the guest's, which runs with the host's), or
# "guest instruction time" when tests/vm/run.sh boots with DFU_VM_ICOUNT=1
# (QEMU -icount: one nanosecond per guest instruction, sleeps in virtual
# time; free of the host's load, blind to TCG's translation costs).  The
# phases are medians too, from the gadget's stamps between each run's
# start and end: process start, libusb, the device scan and the string
# descriptors come before SET_INTERFACE (the gadget sees it as an ENABLE
# event) and the first class request; closing, the reset and process exit
# after the last one.  requests counts the class requests the gadget saw
# (standard ones never reach it); cpu and minflt are the tool's own.
REPS=${dfuvm_reps:-5}
STOPWATCH=/opt/stopwatch
if [ "${dfuvm_clock:-}" = icount ]; then
	CLOCK="guest instruction time"
else
	CLOCK="wall clock"
fi

# median of the numbers on stdin, one a line
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# time_run TOOL OP VID:PID ARGS...: one timed run, appended to $W/sw.TOOLNAME
time_run() {
	tool=$1
	t=$(tool_name "$tool")
	op=$2
	id=$3
	shift 3
	wait_for present "$id" 30
	rm -f $W/t.up
	$STOPWATCH $W/sw.$t "$tool" "$@" >$W/timing.out 2>&1 </dev/null
	st=$?
	if [ $st != 0 ]; then
		eval "bad_$t=\"$op: exit status $st\""
		cp $W/timing.out $W/timing.failed.$t
	fi
}

# time_op OP VID:PID ARGS...: REPS runs per tool; the current gadget's trace is $gtrace
time_op() {
	op=$1
	id=$2
	shift 2
	rm -f $W/sw.ours $W/sw.classic
	i=0
	while [ $i -lt "$REPS" ]; do
		if [ $((i % 2)) = 0 ]; then
			time_run $NEW "$op" "$id" "$@"
			time_run $OLD "$op" "$id" "$@"
		else
			time_run $OLD "$op" "$id" "$@"
			time_run $NEW "$op" "$id" "$@"
		fi
		i=$((i + 1))
	done
	for t in ours classic; do
		[ -f $W/sw.$t ] || continue
		awk '{ printf "%.4f\n", ($2 - $1) / 1e6 }' $W/sw.$t >$W/runs.$t
		median <$W/runs.$t >$W/med.$t
		say "runs $op $t $(tr '\n' ' ' <$W/runs.$t)"
		# per run: start>SET_INTERFACE, start>first class request,
		# first>last request, last request>exit, requests, CPU, page faults
		awk -v trace="$gtrace" '
		BEGIN {
			while ((getline l < trace) > 0) {
				split(l, f, " ")
				t[++n] = f[1]; kind[n] = f[2]
			}
		}
		{
			en = first = last = 0; c = 0
			for (k = 1; k <= n; k++) {
				if (t[k] < $1 || t[k] > $2) continue
				if (kind[k] == "enable" && !en) en = t[k]
				if (kind[k] != "setup") continue
				if (!c) first = t[k]
				last = t[k]; c++
			}
			printf "%s %s %s %s %d %.4f %d\n",
				en ? sprintf("%.4f", (en - $1) / 1e6) : "-",
				c ? sprintf("%.4f", (first - $1) / 1e6) : "-",
				c ? sprintf("%.4f", (last - first) / 1e6) : "-",
				c ? sprintf("%.4f", ($2 - last) / 1e6) : "-", c, ($4 + $5) / 1e6, $6
		}' $W/sw.$t >$W/ph.$t
		say "phases $op $t: start>SET_INTERFACE $(ph_col 1), start>first request $(ph_col 2), requests $(ph_col 3), last request>exit $(ph_col 4); $(ph_col 5) requests, cpu $(ph_col 6), minflt $(ph_col 7)"
	done
	[ -f $W/med.ours ] && [ -f $W/med.classic ] || return 0
	o=$(cat $W/med.ours)
	c=$(cat $W/med.classic)
	say "speed $op: ours $o s, classic $c s, ours/classic $(awk -v o="$o" -v c="$c" 'BEGIN { printf "%.2f", (c > 0 ? o / c : 0) }') (median of $REPS, $CLOCK)"
}

# ph_col N: the median of column N of $W/ph.$t ("-" where nothing was seen)
ph_col() { cut -d' ' -f"$1" $W/ph.$t | grep -v '^-$' | median; }

# timing_gadget PROFILE VID:PID: a fresh gadget that stamps its requests
timing_gadget() {
	gadget_stop
	gn=$((gn + 1))
	glog=$W/gadget$gn.log
	gtrace=$W/trace$gn
	: >$gtrace
	$GADGET -t $gtrace -n g$gn "$1" >"$glog" 2>&1 &
	gpid=$!
	wait_for present "$2" 50
}

timing() {
	if [ -z "$OLD" ] || [ ! -x $STOPWATCH ]; then
		skip_all timing "needs classic dfu-util and tests/vm/stopwatch in the image"
		return
	fi
	bad_ours=
	bad_classic=
	timing_ops
	for t in ours classic; do
		eval "why=\$bad_$t"
		if [ -z "$why" ]; then
			say "ok timing ($t)"
		else
			say "fail timing ($t) # $why"
			echo "@@ #   tool output:"
			details $W/timing.failed.$t 8
		fi
	done
}

timing_ops() {
	mkdata $W/t256.bin 256
	mkdata $W/t100.bin 100
	timing_gadget stm32f4 0483:df11 || { bad_ours="gadget failed"; bad_classic=$bad_ours; return; }
	# not counted: the first runs translate the shared libraries' code
	rm -f $W/sw.ours $W/sw.classic
	time_run $NEW warm-up 0483:df11 -l
	time_run $OLD warm-up 0483:df11 -l
	for t in ours classic; do
		say "runs warm-up $t $(awk '{ printf "%.4f ", ($2 - $1) / 1e6 }' $W/sw.$t 2>/dev/null)"
	done
	rm -f $W/sw.ours $W/sw.classic
	time_op list 0483:df11 -l
	time_op dfuse-upload-256KiB 0483:df11 -d 0483:df11 -a 0 -s 0x08000000:262144 -U $W/t.up
	if [ "${dfuvm_dfuse:-1}" != 0 ]; then
		timing_gadget "$F4_FAST" 0483:df11 || { bad_ours="gadget failed"; bad_classic=$bad_ours; return; }
		time_op dfuse-download-256KiB 0483:df11 -d 0483:df11 -a 0 -s 0x08000000 -D $W/t256.bin
	fi
	timing_gadget dfu-plain 1209:2002 || { bad_ours="gadget failed"; bad_classic=$bad_ours; return; }
	time_op plain-download-100KiB 1209:2002 -d 1209:2002 -a 0 -D $W/t100.bin
	time_op plain-upload-100KiB 1209:2002 -d 1209:2002 -a 0 -U $W/t.up
}

# ---------------------------------------------------------------- main

[ -x $OLD ] || OLD=
for sc in list-dfuse:sc_list_dfuse: list-runtime:sc_list_runtime: \
	plain-tolerant:sc_plain_tolerant: plain-intolerant-reset:sc_plain_intolerant: \
	runtime-detach:sc_runtime_detach: dfuse-raw-2048:sc_dfuse_raw:dfuse \
	dfuse-dfu-file:sc_dfuse_file:dfuse dsonano:sc_dsonano:dfuse \
	dfuse-leave:sc_dfuse_leave:dfuse dfuse-leave-vanish:sc_dfuse_leave_vanish:dfuse; do
	m_name=${sc%%:*}
	m_rest=${sc#*:}
	fn=${m_rest%%:*}
	needs=${m_rest#*:}
	wanted "$m_name" || continue
	if [ "$needs" = dfuse ] && [ "${dfuvm_dfuse:-1}" = 0 ]; then
		skip_all "$m_name" "not yet available: the simulator has no DfuSe model yet"
		continue
	fi
	m_t0=$(now)
	$fn $NEW
	say "time $m_name ours $(elapsed "$m_t0" "$(now)")"
	if [ -n "$OLD" ]; then
		m_t0=$(now)
		$fn $OLD
		say "time $m_name classic $(elapsed "$m_t0" "$(now)")"
	else
		say "skip $m_name (classic) # classic dfu-util not in the image"
	fi
done
if [ -z "$dfuvm_only" ] || [ "$dfuvm_only" = timing ]; then
	timing
fi
gadget_stop
# problems the gadgets noted on the way (tear-down, kernel refusals), for the record
cat $W/gadget*.log 2>/dev/null | grep -E 'error|cannot|warning' | sort -u | sed 's/^/@@ gadget: /'
