#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
# The simulated backend's set-up errors: a bad profile, device list or
# saved state.  The backend only hands back what went wrong; dfu-util says
# it once, with the file (and line) at fault, and exits with the status the
# man page gives for that kind of failure.
. "$TOP_SRCDIR/tests/lib.sh"

# dfu-util in the scratch directory (the messages quote the relative paths
# given), without a state directory unless the arguments name one.
sim_run()
{
	cd "$scratch" && run "$DFU_UTIL" "$@"
	cd "$OLDPWD" || exit 1
	last_cmd="dfu-util $*"
}

# The error is said exactly once, as the only error line.
expect_one_error()
{
	[ "$(printf '%s\n' "$err" | grep -c '^dfu-util: error: ')" -eq 1 ] &&
		printf '%s\n' "$err" | grep -Fqx -- "dfu-util: error: $1"
	tap_result $? "$2"
}

expect_hint()
{
	printf '%s\n' "$err" | grep -Fqx -- "  $1"
	tap_result $? "$2"
}

printf '# a profile with a mistake on line 3\nvendor = 0x1234\ncolour = red\n' > "$scratch/bad.prof"
sim_run --sim bad.prof -l
expect_rc 65 "an unknown key in a profile file"
expect_one_error "bad.prof:3: unknown key 'colour'" "... names the file, the line and the key"
expect_hint "see doc/sim-profile.txt for the keys a profile may set" "... with a hint"

sim_run --sim dfu-plain:transfer_size=abc -l
expect_rc 65 "a bad override"
expect_one_error "--sim dfu-plain:transfer_size=abc:1: invalid transfer_size 'abc': not a number in range" \
	"... names the option, the key, the value and why"

sim_run --sim no-such-profile -l
expect_rc 65 "an unknown built-in profile"
expect_one_error "unknown simulated device profile 'no-such-profile'" "... is named"
expect_hint "'--sim help' lists the built-in profiles" "... with a hint"

sim_run --sim missing.prof -l
expect_rc 66 "a profile file that cannot be read"
expect_one_error "cannot read profile 'missing.prof': No such file or directory" "... names the file and why"

sim_run --sim dfu-plain, -l
expect_rc 64 "an empty entry in the device list"
expect_one_error "invalid simulated device list 'dfu-plain,'" "... quotes the list"
expect_hint "expected PROFILE[:key=value...][,PROFILE...]" "... with the grammar"

list=dfu-plain
for i in 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17; do list="$list,dfu-plain"; done
sim_run --sim "$list" -l
expect_rc 64 "seventeen simulated devices"
expect_one_error "too many simulated devices in '$list' (at most 16)" "... are too many"

sim_run --sim dfu-plain:dfuse=1:alt=@Flash/0x0/2*1Kg:alt=junk -l
expect_rc 65 "an alt setting that is not a memory map"
expect_one_error "dfu-plain:dfuse=1:alt=@Flash/0x0/2*1Kg:alt=junk: alt 1 is not a DfuSe memory map: memory map 'junk': does not start with '@'" \
	"... names the alt and what is wrong"

step mkdir "$scratch/empty"
sim_run --sim-state empty -l
expect_rc 64 "a state directory without devices, and none named"
expect_one_error "no simulated devices: 'empty' holds none" "... says so"
expect_hint "name the devices with --sim PROFILE (or DFU_UTIL_SIM)" "... with a hint"

: > "$scratch/afile"
sim_run --sim dfu-plain --sim-state afile/x -l
expect_rc 73 "a state directory that cannot be created"
if posix_only 1 "the C library says 'No such file or directory' there"; then
expect_one_error "cannot create simulator state directory 'afile/x': Not a directory" "... names it and why"
fi

# Saved state that does not load is an error, never a silent restart.
state_fresh()
{
	rm -rf "$scratch/st"
	sim_run --sim dfu-plain --sim-state st -l
	expect_rc 0 "a fresh state directory"
}

state_fresh
step truncate -s 100 "$scratch/st/dev1.mem"
sim_run --sim-state st -l
expect_rc 65 "a memory image of the wrong size"
expect_one_error "simulator state 'st/dev1.mem' is damaged: size does not match memory_size" \
	"... names the file and what is wrong"
expect_hint "remove the state directory to start over" "... with a hint"

state_fresh
step sed -i 's/^mode=.*/mode=sleepy/' "$scratch/st/dev1.state"
sim_run --sim-state st -l
expect_rc 65 "a state file with a bad field"
expect_one_error "simulator state 'st/dev1.state' is damaged: mode" "... names the file and the field"

state_fresh
step rm "$scratch/st/dev1.state"
sim_run --sim-state st -l
expect_rc 66 "a device's state file is missing"
expect_one_error "cannot read simulator state 'st/dev1.state': No such file or directory" \
	"... names the file and why"
expect_hint "remove the state directory to start over" "... with a hint"

# State that cannot be saved at the end: said (the device's memory would
# be lost), but the operation itself succeeded.
state_fresh
step mkdir "$scratch/st/dev1.mem.tmp"
sim_run --sim-state st -l
expect_rc 0 "state that cannot be saved does not fail a listing"
if posix_only 1 "the C library says 'Permission denied' for a directory"; then
printf '%s\n' "$err" | grep -Fqx "dfu-util: error: cannot write simulator state 'st/dev1.mem.tmp': Is a directory"
tap_result $? "... but is reported"
fi

# On the virtual clock the simulator says how long the run would have taken.
sim_run --sim dfu-plain -l
expect_rc 0 "a listing"
expect_msg '^simulated: 3 control transfers, [0-9.]+ ms on the virtual clock$' \
	"... ends with the virtual clock's summary"

done_testing
