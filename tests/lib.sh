# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
#
# Sourced by the scenario scripts.  They run the built dfu-util against
# simulated devices and speak TAP: each check is one counted result.
#
#   sim_new NAME            fresh state directory for a new simulated bus
#   run CMD ARGS...         run any program; sets $rc, $out, $err
#   run_merged CMD ARGS...  the same with stderr merged into $out
#   dfu ARGS...             run dfu-util on the bus; sets $rc, $out, $err
#   dfu_io IN OUT ARGS...   the same with stdin from IN, stdout into OUT
#   step CMD ARGS...        a set-up command: its failure is a failed test
#   expect_rc N "what"      exit status check
#   expect_out RE "what"    stdout matches a grep -E pattern
#   expect_err RE "what"    stderr matches a grep -E pattern
#   expect_msg RE "what"    stdout or stderr matches (human messages: notes
#                           and warnings are on stdout, errors on stderr)
#   expect_no_msg RE "what" neither does
#   expect_quiet "what"     stderr is empty (a successful run)
#   expect_fail "what"      the exit status is not 0
#   expect_same A B "what"  files A and B are byte-identical
#   expect_size FILE N "what"
#   reqs NAME               how many NAME requests the simulator recorded
#   logged RE               how many lines of its request log match RE
#   expect_reqs NAME N "what"
#   expect_no_dfu_reqs "what"  no DFU class request reached the device
#   reqs_clear              forget the requests logged so far
#   reqs_mark, reqs_since N lines logged so far; the log after line N
#   ok COND... "what"       generic: the command succeeds
#   flash                   the region file of the STM32 flash at 0x08000000
#   mem_at FILE OFF LEN     bytes of a DfuSe region file (erased tail padded)
#   expect_mem FILE OFF LEN EXPECTED "what"  those bytes are file EXPECTED
#   mkdata FILE SIZE        random bytes; mkfill FILE SIZE [OCTAL] one value
#   fixture SRC DST         copy a file into the scratch area, writable
#   expect_cmds CMD N "what", has_cmd CMD "what", expect_no_violation "what"
#   each_case TABLE FUNC    FUNC STATUS ARGS... per line of a table of cases
#   status_inputs           the input files of the exit-status tables
#   skip "why", skip_all "why"  one skipped check; the whole script skipped
#   posix_only N "why"      false, after N skipped results, under Windows
#   done_testing            print the plan; call last
#
# DFU_UTIL, DFU_SUFFIX, DFU_PREFIX and DFUSE_PACK may name wrappers instead
# of the programs: tests/win/check.sh runs every script with wrappers that
# start the Windows programs under wine, and sets DFU_TEST_WINDOWS=1.

set -u
: "${DFU_UTIL:?DFU_UTIL must point at the built dfu-util}"
: "${TOP_SRCDIR:?TOP_SRCDIR must point at the source tree}"

tap_n=0
tap_failed=0
scratch=$(mktemp -d "${TMPDIR:-/tmp}/dfu-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export DFU_UTIL_SIM_CLOCK=virtual
unset DFU_UTIL_SIM DFU_UTIL_SIM_STATE

tap_result()
{
	local status=$1; shift
	tap_n=$((tap_n + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $tap_n - $*"
	else
		echo "not ok $tap_n - $*"
		tap_failed=$((tap_failed + 1))
		# Show what the tool said, as TAP comments, for the .log file.
		if [ -n "${last_cmd:-}" ]; then
			echo "# command: $last_cmd"
			echo "# exit status: ${rc:-?}"
			printf '%s\n' "${out:-}" | sed 's/^/# stdout: /'
			printf '%s\n' "${err:-}" | sed 's/^/# stderr: /'
		fi
	fi
}

# A new, empty simulated bus in its own state directory.
sim_new()
{
	sim_dir="$scratch/$1"
	rm -rf "$sim_dir"
	mkdir -p "$sim_dir"
}

# ---- running programs

# run CMD ARGS...: CMD with no input; its exit status in $rc, its stdout in
# $out, its stderr in $err (and the command in $last_cmd, for a failure's
# report).  Put variables in its environment with env: run env V=x CMD...
# (lib_run is the same under a name no script redefines: dfu uses it.)
lib_run()
{
	last_cmd="$*"
	out=$("$@" 2>"$scratch/stderr" </dev/null) && rc=0 || rc=$?
	err=$(cat "$scratch/stderr")
}

run()
{
	lib_run "$@"
}

# run_merged CMD ARGS...: as run, both streams in $out as a reader that
# merges them sees them; $err is empty.
run_merged()
{
	last_cmd="$* (2>&1)"
	out=$("$@" 2>&1 </dev/null) && rc=0 || rc=$?
	err=
}

# dfu ARGS...: dfu-util on the bus of the last sim_new.
dfu()
{
	lib_run "$DFU_UTIL" --sim-state "$sim_dir" "$@"
	last_cmd="dfu-util $*"
}

# dfu_io IN OUT ARGS...: dfu with standard input from file IN and standard
# output into file OUT (-D -, -U -); $rc and $err set, $out empty.
dfu_io()
{
	local in=$1 to=$2
	shift 2
	last_cmd="dfu-util $* < $in > $to"
	"$DFU_UTIL" --sim-state "$sim_dir" "$@" <"$in" >"$to" 2>"$scratch/stderr" && rc=0 || rc=$?
	out=
	err=$(cat "$scratch/stderr")
}

# step CMD ARGS...: a command that prepares a test (makes a file, packs an
# image).  Its output is dropped; if it fails, that is one failed test
# naming it, so a broken set-up never passes unnoticed.
step()
{
	"$@" >"$scratch/step.out" 2>&1 && return 0
	tap_result 1 "set-up: $* ($(tail -n 1 "$scratch/step.out"))"
	return 1
}

expect_rc()
{
	[ "$rc" -eq "$1" ]
	tap_result $? "$2 (exit $1)"
}

expect_out()
{
	printf '%s\n' "$out" | grep -Eq -- "$1"
	tap_result $? "$2"
}

expect_err()
{
	printf '%s\n' "$err" | grep -Eq -- "$1"
	tap_result $? "$2"
}

expect_msg()
{
	printf '%s\n%s\n' "$out" "$err" | grep -Eq -- "$1"
	tap_result $? "$2"
}

expect_no_msg()
{
	! printf '%s\n%s\n' "$out" "$err" | grep -Eq -- "$1"
	tap_result $? "$2"
}

expect_fail()
{
	[ "$rc" -ne 0 ]
	tap_result $? "$1 (exit $rc, not 0)"
}

expect_same()
{
	cmp -s "$1" "$2"
	tap_result $? "$3"
}

expect_size()
{
	local got
	if [ -f "$1" ]; then got=$(wc -c < "$1" | tr -d ' '); else got=none; fi
	[ "$got" = "$2" ]
	tap_result $? "$3 ($2 bytes, saw $got)"
}

# The one line the cli adds whenever simulated devices are used is allowed,
# exactly once; nothing else.
expect_quiet()
{
	[ -z "$(printf '%s\n' "$err" | grep -v '^dfu-util: using simulated USB devices' | grep -v '^$')" ] &&
		[ "$(printf '%s\n' "$err" | grep -c '^dfu-util: using simulated USB devices')" -le 1 ]
	tap_result $? "$1 (stderr empty)"
}

# logged RE: how many lines of the simulator's request log match the
# extended regular expression RE (0 when nothing was logged).
logged()
{
	if [ -f "$sim_dir/requests.log" ]; then
		grep -Ec -- "$1" "$sim_dir/requests.log" || true
	else
		echo 0
	fi
}

# Requests the simulated devices saw since the bus was created.
reqs()
{
	logged " $1 "
}

# Count of DFU class requests (anything but descriptors and alt settings).
dfu_reqs()
{
	logged ' (DETACH|DNLOAD|UPLOAD|GETSTATUS|CLRSTATUS|GETSTATE|ABORT|RESET) '
}

expect_reqs()
{
	local got
	got=$(reqs "$1")
	[ "$got" -eq "$2" ]
	tap_result $? "$3 ($1 x $2, saw $got)"
}

expect_no_dfu_reqs()
{
	local got
	got=$(dfu_reqs)
	[ "$got" -eq 0 ]
	tap_result $? "$1 (DFU requests: $got)"
}

# Forget what the simulator logged so far (the bus and devices stay).
reqs_clear()
{
	: > "$sim_dir/requests.log"
}

# reqs_mark: lines logged so far; reqs_since N: the log after line N.
reqs_mark()
{
	if [ -f "$sim_dir/requests.log" ]; then wc -l < "$sim_dir/requests.log"; else echo 0; fi
}

reqs_since()
{
	tail -n +"$(($1 + 1))" "$sim_dir/requests.log" 2>/dev/null
}

ok()
{
	local what=$1; shift
	"$@" >/dev/null 2>&1
	tap_result $? "$what"
}

# A file of N random bytes: mkdata FILE SIZE
mkdata()
{
	head -c "$2" /dev/urandom > "$1"
}

# mkfill FILE SIZE [OCTAL]: SIZE bytes of one value, 0xFF (erased flash)
# unless given as tr's octal escape: mkfill FILE 64 132 is 64 'Z's.
mkfill()
{
	head -c "$2" /dev/zero | tr '\0' "\\${3:-377}" > "$1"
}

# Copy a fixture to a file the test may change: fixture SRC DST.  Under
# make distcheck the source tree is read-only and cp keeps its modes, so a
# plain copy could be neither changed in place nor overwritten by a later
# copy as a normal user (root ignores both, which hid this).  A copy that
# fails is a failed test, not a silent reuse of a stale file.
fixture()
{
	rm -f "$2" && cp "$1" "$2" && chmod u+w "$2" && return 0
	tap_result 1 "copy $1 to $2"
	return 1
}

# ---- DfuSe devices: region files, commands and violations the simulator
# recorded (doc/sim-profile.txt)

# The region file of the first device's flash at 0x08000000 (alt 0), the
# STM32 profiles' internal flash.
flash()
{
	echo "$sim_dir/dev1.alt0.0x08000000.mem"
}

# LEN bytes at OFF of a region file; the simulator leaves out trailing
# erased bytes, so pad with 0xFF: mem_at FILE OFF LEN
mem_at()
{
	{ cat "$1" 2>/dev/null; head -c $(($2 + $3)) /dev/zero | tr '\0' '\377'; } |
		tail -c +$(($2 + 1)) | head -c "$3"
}

# expect_mem FILE OFF LEN EXPECTED "what": LEN bytes at OFF of region file
# FILE are the file EXPECTED.
expect_mem()
{
	mem_at "$1" "$2" "$3" | cmp -s - "$4"
	tap_result $? "$5"
}

# Requests of any kind the simulator logged.
all_reqs()
{
	reqs_mark
}

# How many times the model marked a DfuSe command: cmds ERASE
cmds()
{
	logged "cmd=$1( |\$)"
}

expect_cmds()
{
	local got
	got=$(cmds "$1")
	[ "$got" -eq "$2" ]
	tap_result $? "$3 (cmd=$1 x $2, saw $got)"
}

has_cmd()
{
	grep -q "cmd=$1" "$sim_dir/requests.log" 2>/dev/null
	tap_result $? "$2"
}

violations()
{
	sed -n 's/^violations=//p' "$sim_dir/stats" 2>/dev/null | head -n 1
}

expect_no_violation()
{
	[ "$(violations)" = "0" ]
	tap_result $? "$1 (violations=$(violations))"
}

# ---- tables of cases

# status_inputs: the input files of the exit-status tables, from $fw:
# $scratch/other.bin (a suffix for another device, 1234:5678) and
# $scratch/exists.bin (an upload target that exists).
status_inputs()
{
	fixture "$fw" "$scratch/other.bin" &&
		step "$DFU_SUFFIX" -a "$scratch/other.bin" -v 1234 -p 5678
	mkdata "$scratch/exists.bin" 10
}

# each_case TABLE FUNC: for each line "STATUS<tab>ARGUMENTS" of TABLE, a
# fresh bus, then FUNC STATUS ARGUMENTS... (split into words: no argument
# has a space).
each_case()
{
	local table=$1 fn=$2 n=0 want args
	printf '%s\n' "$table" > "$scratch/table"
	while IFS='	' read -r want args; do
		[ -n "$want" ] || continue
		n=$((n + 1))
		sim_new "case$n"
		# shellcheck disable=SC2086 # the table's words are the arguments
		"$fn" "$want" $args
	done < "$scratch/table"
}

# ---- skips: an optional part that is missing is a skip, never a pass

# skip "why": one check that could not run.
skip()
{
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $*"
}

# skip_all "why": the whole script cannot run (call before any check).
skip_all()
{
	echo "1..0 # SKIP $*"
	exit 0
}

# Checks that mean nothing on Windows (FIFOs, /dev/stdout, file modes,
# symbolic links, ulimit): if posix_only N "why"; then ...checks...; fi
# Under DFU_TEST_WINDOWS it counts N skipped results, saying why, and
# returns 1; elsewhere it returns 0 and the checks run.
posix_only()
{
	local i=0
	[ -z "${DFU_TEST_WINDOWS:-}" ] && return 0
	while [ "$i" -lt "$1" ]; do
		i=$((i + 1))
		skip "on Windows: $2"
	done
	return 1
}

done_testing()
{
	echo "1..$tap_n"
}
