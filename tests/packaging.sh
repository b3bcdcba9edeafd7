#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
#
# TAP: what distributions package and run.  The AppStream metainfo is valid
# and provides what the udev rule matches; the udev rule acts on add and
# change; every file that can carry them has SPDX and copyright lines; and
# "dfu-util --list --verbose" on the real USB backend (Debian's autopkgtest
# runs it on machines without USB) exits 0 and says what it found.
. "$TOP_SRCDIR/tests/lib.sh"

rules=$TOP_SRCDIR/doc/60-dfu-util.rules
metainfo=$TOP_SRCDIR/doc/io.github.dfu_util.dfu_util.metainfo.xml

# --- AppStream metainfo
if command -v appstreamcli >/dev/null 2>&1; then
	out=$(appstreamcli validate --no-net --pedantic "$metainfo" 2>&1) && rc=0 || rc=$?
	last_cmd="appstreamcli validate --no-net --pedantic $metainfo"
	err=
	expect_rc 0 "appstreamcli validate passes"
	! printf '%s\n' "$out" | grep -Eq '^[EW]:'
	tap_result $? "appstreamcli: no error or warning"
	last_cmd=
else
	echo "ok $((tap_n + 1)) # SKIP appstreamcli not installed (apt-get install appstream)"
	echo "ok $((tap_n + 2)) # SKIP appstreamcli not installed"
	tap_n=$((tap_n + 2))
fi
grep -q '<modalias>usb:v\*p\*d\*dc\*dsc\*dp\*icFEisc01ip\*in\*</modalias>' "$metainfo"
tap_result $? "metainfo provides the DFU interface class (FEh/01h)"
# Each VID:PID the udev rule names is a modalias (upper-case hex) and back.
ids_rule=$(sed -n 's/.*ATTR{idVendor}=="\([0-9a-fA-F]\{4\}\)", ATTR{idProduct}=="\([0-9a-fA-F]\{4\}\)".*/\1:\2/p' "$rules" |
	tr a-f A-F | sort)
ids_meta=$(sed -n 's/.*<modalias>usb:v\([0-9A-F]\{4\}\)p\([0-9A-F]\{4\}\)d\*<\/modalias>.*/\1:\2/p' "$metainfo" | sort)
[ -n "$ids_rule" ] && [ "$ids_rule" = "$ids_meta" ]
tap_result $? "metainfo modaliases and udev rule IDs agree (rule: $(echo $ids_rule), metainfo: $(echo $ids_meta))"
for b in dfu-util dfu-suffix dfu-prefix dfuse-pack; do
	grep -q "<binary>$b</binary>" "$metainfo" || break
done
tap_result $? "metainfo provides the four programs"

# --- udev rule
grep -q '^ACTION!="add|change", GOTO="dfu_util_end"$' "$rules"
tap_result $? "udev rule: add and change events only"
grep -q '^ENV{ID_USB_INTERFACES}=="\*:fe01??:\*", TAG+="uaccess"$' "$rules"
tap_result $? "udev rule: uaccess for DFU-class interfaces"
[ "$(grep -c '^LABEL="dfu_util_end"$' "$rules")" -eq 1 ] &&
	[ "$(grep -c 'GOTO="dfu_util_end"' "$rules")" -ge 1 ]
tap_result $? "udev rule: its GOTOs have their label"

# --- SPDX and copyright lines on every file that can carry them
missing=
for f in $(cd "$TOP_SRCDIR" && find . \( -name .git -o -name corpus -o -name autom4te.cache -o -name build-aux \) -prune -o \
	-type f \( -name '*.[ch]' -o -name '*.sh' -o -name '*.am' -o -name '*.ac' -o -name '*.1' \
	-o -name '*.txt' -o -name '*.rules' -o -name '*.xml' -o -name '*.py' -o -name '*.dict' \
	-o -name README -o -name ChangeLog -o -name AUTHORS -o -name run -o -name init \
	-o -path ./completion/dfu-util \) -print); do
	case $f in
	./config.h | ./src/*.o | ./tests/*.log | ./tests/*.trs | ./*.log) continue ;;
	*/dfu-util-*/*) continue ;;	# a distdir or a build inside the tree
	esac
	grep -q 'SPDX-License-Identifier:' "$TOP_SRCDIR/$f" && grep -q 'Copyright' "$TOP_SRCDIR/$f" ||
		missing="$missing $f"
done
[ -z "$missing" ]
tap_result $? "SPDX and copyright lines everywhere${missing:+ (missing:$missing)}"
[ -s "$TOP_SRCDIR/AUTHORS" ]
tap_result $? "AUTHORS"

# --- dfu-util --list --verbose on the real USB backend: whatever this
# machine has (usually no USB at all in CI), exit 0; with -v either devices
# or "nothing found"; without -v nothing on stderr when there is nothing.
out=$("$DFU_UTIL" --list --verbose 2>"$scratch/stderr") && rc=0 || rc=$?
err=$(cat "$scratch/stderr")
last_cmd="dfu-util --list --verbose (real USB)"
expect_rc 0 "--list --verbose on the real USB backend"
if printf '%s\n' "$out$err" | grep -q '^Found '; then
	ok true "this machine has DFU devices: listed"
else
	expect_msg 'nothing found' "--list --verbose: says nothing was found"
fi
out=$("$DFU_UTIL" --list 2>"$scratch/stderr") && rc=0 || rc=$?
err=$(cat "$scratch/stderr")
last_cmd="dfu-util --list (real USB)"
expect_rc 0 "--list on the real USB backend"
if printf '%s\n' "$out$err" | grep -q '^Found \|Cannot open'; then
	ok true "this machine has DFU devices: stderr is theirs"
else
	expect_quiet "--list finding nothing: stderr empty"
fi

# The same on a simulated bus that has nothing, and on one whose device
# cannot be opened: -v hints at permissions, naming the rule's file.
sim_new nothing
dfu --sim stm32f4 -s :leave
dfu --list --verbose
expect_rc 0 "simulated, nothing: --list --verbose"
expect_msg 'nothing found' "simulated, nothing: says so with -v"
dfu --list
expect_quiet "simulated, nothing: --list stderr empty"
sim_new noaccess
dfu --sim stm32f4:no_access=1 --list --verbose
expect_rc 0 "a device that cannot be opened: --list --verbose"
expect_err '^  .*60-dfu-util\.rules' "hint at permissions, naming the udev rule"

done_testing
