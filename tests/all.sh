#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
# --all: the same job on every matching device at once, one thread each.
# Every device's memory and request log is checked on its own; the order in
# which the threads take turns is not, since nothing promises it.
. "$TOP_SRCDIR/tests/lib.sh"

command -v python3 >/dev/null 2>&1 ||
	skip_all "python3 is needed to parse the JSON (apt-get install python3)"
check="$TOP_SRCDIR/tests/json_check.py"

fw="$scratch/fw.bin"
mkdata "$fw" 6000
big="$scratch/big.bin"
mkdata "$big" 65536

# dev_reqs N NAME: NAME requests device N received.
dev_reqs()
{
	logged "^[0-9]+ dev$1 $2 "
}

# dev_state N: the DFU state device N was left in.
dev_state()
{
	sed -n 's/^state=//p' "$sim_dir/dev$1.state" 2>/dev/null
}

# has_image N FILE: device N's memory starts with FILE.
has_image()
{
	head -c "$(wc -c < "$2")" "$sim_dir/dev$1.mem" | cmp -s - "$2"
}

# ---- several devices, all fine
sim_new three
dfu --sim dfu-plain:serial=A1,dfu-plain:serial=B2,dfu-plain:serial=C3 --all -D "$fw"
expect_rc 0 "three devices at once"
for n in 1 2 3; do
	ok "device $n holds the file" has_image $n "$fw"
	[ "$(dev_reqs $n DNLOAD)" -ge 6 ] && [ "$(dev_state $n)" = dfuIDLE ]
	tap_result $? "device $n: its own DNLOAD requests, left in dfuIDLE"
done
expect_out '^1-1 A1: download done: 6000 bytes' "messages carry the device's path and serial"
expect_out '^1-3 C3: Download	\[=+\] 100%' "a progress line per device, prefixed"
printf '%s\n%s\n' "$out" "$err" | grep -q "$(printf '\r')"
[ $? -ne 0 ]
tap_result $? "not on a terminal: no carriage returns"
expect_out '^3 of 3 devices succeeded' "the table's heading"
expect_out '^PATH +SERIAL +RESULT +BYTES +SECONDS$' "the table's columns"
expect_out '^1-2 +B2 +ok +6000 +[0-9]+\.[0-9][0-9]$' "a table row per device"

# On a terminal: one line per device, redrawn in place, then the table.
if script -qc true /dev/null >/dev/null 2>&1; then
	sim_new tty
	run script -qc "'$DFU_UTIL' --sim-state '$sim_dir' --sim dfu-plain:serial=A1,dfu-plain:serial=B2 --all -D '$fw'" /dev/null
	printf '%s\n' "$out" > "$scratch/tty.out"
	if posix_only 3 "under wine a Unix pseudo-terminal is not a console"; then
	grep -qF "$(printf '\033[2A')" "$scratch/tty.out"
	tap_result $? "on a terminal the device lines are redrawn in place"
	expect_out '1-2 B2: Download done, 6000 bytes' "each device's line ends with its result"
	expect_out '^1-1 +A1 +ok +6000 ' "the table follows"
	fi
	ok "both devices hold the file" sh -c "head -c 6000 '$sim_dir/dev1.mem' | cmp -s - '$fw' && head -c 6000 '$sim_dir/dev2.mem' | cmp -s - '$fw'"
else
	skip "no script(1) to run dfu-util on a terminal"
fi

# Selectors narrow --all as they narrow a single device.
sim_new narrow
dfu --sim dfu-plain:serial=A1,dfu-plain:serial=B2,dfu-plain:serial=C3 --all -S B2 -D "$fw"
expect_rc 0 "--all -S picks one"
ok "the selected device got the file" has_image 2 "$fw"
[ "$(dev_reqs 1 DNLOAD)" -eq 0 ] && [ "$(dev_reqs 3 DNLOAD)" -eq 0 ]
tap_result $? "the others were not written"

# DfuSe devices, with --verify, and the same address on each.
sim_new dfuse
dfu --sim stm32f4:serial=S1,stm32f4:serial=S2 --all -s 0x08000000 -D "$fw" --verify
expect_rc 0 "two DfuSe devices with --verify"
for n in 1 2; do
	head -c 6000 "$sim_dir/dev$n.alt0.0x08000000.mem" | cmp -s - "$fw"
	tap_result $? "DfuSe device $n holds the file at 0x08000000"
done
expect_msg '^1-2 S2: verify' "each device verified"

# A DfuSe command on every device: each leaves DFU mode.
sim_new leave
dfu --sim stm32f4:serial=S1,stm32f4:serial=S2 --all -s 0x08000000:leave
expect_rc 0 "-s ADDRESS:leave --all"
[ "$(logged '^[0-9]+ dev1 .*cmd=SET_ADDRESS')" -ge 1 ] && [ "$(logged '^[0-9]+ dev2 .*cmd=SET_ADDRESS')" -ge 1 ]
tap_result $? "each device got its SET_ADDRESS"
dfu -l
expect_no_msg '^Found DFU: ' "neither is in DFU mode any more"

# ---- one device fails, the others go on
sim_new onefails
dfu --sim dfu-plain:serial=A1,dfu-plain:serial=B2:fault=gone@DNLOAD#3,dfu-plain:serial=C3 --all -D "$fw"
expect_rc 74 "the failing device's status"
ok "device 1 holds the file" has_image 1 "$fw"
ok "device 3 holds the file" has_image 3 "$fw"
ok "device 2 does not" sh -c "! head -c 6000 '$sim_dir/dev2.mem' | cmp -s - '$fw'"
expect_out "^2 of 3 devices succeeded" "the table counts one failure"
expect_out '^1-2 +B2 +failed \(exit 74\) ' "the failing device's row"
expect_out '^1-1 +A1 +ok ' "the others' rows say ok"
expect_err '^1-2 B2: dfu-util: error: ' "the error names the device"

# Two failures of different kinds: the status of the first in the table.
sim_new twofail
dfu --sim dfu-plain:serial=A1:fault=flip@block2,dfu-plain:serial=B2:fault=gone@DNLOAD#3 --all -D "$fw" --verify
expect_rc 3 "verify failure on 1-1, lost device on 1-2: 1-1's status"
sim_new twofail2
dfu --sim dfu-plain:serial=A1:fault=gone@DNLOAD#3,dfu-plain:serial=B2:fault=flip@block2 --all -D "$fw" --verify
expect_rc 74 "lost device on 1-1, verify failure on 1-2: 1-1's status"
expect_out '^1-2 +B2 +failed \(exit 3\) ' "each row has its own status"

# ---- Ctrl-C: every device stops, back in dfuIDLE
# Device 2 raises SIGINT at its third block.  The others would raise it
# at block 60 at the latest, so that however the threads take turns, no
# device finishes: each stops at the interruption, wherever it is.
sim_new intr
dfu --sim "dfu-plain:serial=A:fault=signal=INT@block60,dfu-plain:serial=B:fault=signal=INT@block3,dfu-plain:serial=C:fault=signal=INT@block60" --all -D "$big"
expect_rc 130 "Ctrl-C during a multi-device run"
for n in 1 2 3; do
	[ "$(dev_state $n)" = dfuIDLE ]
	tap_result $? "device $n back in dfuIDLE"
	if [ "$(dev_reqs $n DNLOAD)" -gt 0 ]; then
		last_dn=$(grep -n "^[0-9]* dev$n DNLOAD " "$sim_dir/requests.log" | tail -n 1 | cut -d: -f1)
		last_ab=$(grep -n "^[0-9]* dev$n ABORT " "$sim_dir/requests.log" | tail -n 1 | cut -d: -f1)
		[ -n "$last_ab" ] && [ "$last_ab" -gt "$last_dn" ]
		tap_result $? "device $n: ABORT after its last DNLOAD"
	fi
	ok "device $n did not get the whole file" sh -c "! head -c 65536 '$sim_dir/dev$n.mem' | cmp -s - '$big'"
done
[ "$(printf '%s\n' "$out" | grep -Ec '^1-[123] +[ABC] +interrupted \(exit 130\) ')" -eq 3 ]
tap_result $? "the table shows every device interrupted"

# The same during uploads: no file, no temporary file left behind.
sim_new intr_up
mkdir "$scratch/up"
dfu --sim "dfu-plain:serial=A:firmware_size=65536:fault=signal=INT@UPLOAD#10,dfu-plain:serial=B:firmware_size=65536:fault=signal=INT@UPLOAD#3" --all -U "$scratch/up/img.bin"
expect_rc 130 "Ctrl-C during multi-device uploads"
[ -z "$(ls -A "$scratch/up")" ]
tap_result $? "no file and no temporary file left ($(ls -A "$scratch/up" | tr '\n' ' '))"
for n in 1 2; do
	[ "$(dev_state $n)" = dfuIDLE ]
	tap_result $? "uploading device $n back in dfuIDLE"
done

# ---- several run-time devices: each detached and found again on its port
sim_new detach
dfu --sim runtime:serial=R1,runtime:serial=R2,runtime:serial=R3 --all -D "$fw"
expect_rc 0 "three run-time devices detached and flashed"
for n in 1 2 3; do
	[ "$(dev_reqs $n DETACH)" -eq 1 ]
	tap_result $? "device $n: one DFU_DETACH"
	ok "device $n holds the file" has_image $n "$fw"
done
expect_msg '^1-2 R2: detaching .* \(path 1-2\)' "each detach is reported for its device"

# A boot loader already in DFU mode beside them, left out by -d RUNTIME,DFU:
# each run-time device is found again on its own port, the bystander is
# never touched.
sim_new bystander
dfu --sim runtime:serial=R1,dfu-plain:serial=P,runtime:serial=R3 --all -d 1d50:6018,1d50:6017 -D "$fw"
expect_rc 0 "two run-time devices beside a DFU-mode bystander"
ok "device 1 holds the file" has_image 1 "$fw"
ok "device 3 holds the file" has_image 3 "$fw"
[ "$(dev_reqs 2 DNLOAD)" -eq 0 ] && [ "$(dev_reqs 2 DETACH)" -eq 0 ]
tap_result $? "the bystander got nothing"

sim_new detach_e
dfu --sim runtime:serial=R1,runtime:serial=R2 --all -e
expect_rc 0 "-e --all"
dfu -l
[ "$(printf '%s\n' "$out" | grep -c '^Found DFU: ')" -ge 2 ]
tap_result $? "both devices are in DFU mode after -e --all"

# ---- -U: one file per device
sim_new upload
mkdir "$scratch/u1"
dfu --sim dfu-plain:serial=S1:firmware_size=8192,dfu-plain:serial=S2:firmware_size=8192 --all -U "$scratch/u1/img.bin"
expect_rc 0 "-U --all"
ok "device 1's file, named by its serial" has_image 1 "$scratch/u1/img-S1.bin"
ok "device 2's file, named by its serial" has_image 2 "$scratch/u1/img-S2.bin"
[ "$(ls "$scratch/u1" | wc -l)" -eq 2 ]
tap_result $? "exactly two files"
before=$(dev_reqs 1 UPLOAD)
dfu --all -U "$scratch/u1/img.bin"
expect_rc 73 "the files exist: refused"
[ "$(dev_reqs 1 UPLOAD)" -eq "$before" ]
tap_result $? "nothing was read when a file exists"
ok "the existing file is untouched" has_image 1 "$scratch/u1/img-S1.bin"

# Shared or empty serials: the path instead.
sim_new upload_path
mkdir "$scratch/u2"
dfu --sim dfu-plain:serial=X:firmware_size=4096,dfu-plain:serial=X:firmware_size=4096,dfu-plain:serial=:firmware_size=4096 --all -U "$scratch/u2/img"
expect_rc 0 "-U --all with a shared and an empty serial"
ok "paths for the shared serial and the empty one" test -f "$scratch/u2/img-1-1" -a -f "$scratch/u2/img-1-2" -a -f "$scratch/u2/img-1-3"

# Two devices that would share a name: refused before any device is touched.
sim_new collide
mkdir "$scratch/u3"
dfu --sim "dfu-plain:serial=A/B:firmware_size=4096,dfu-plain:serial=A_B:firmware_size=4096" --all -U "$scratch/u3/img.bin"
expect_rc 64 "two devices mapping to one file name"
expect_err "would both be written to '.*img-A_B.bin'" "the refusal names the file"
[ -z "$(ls -A "$scratch/u3")" ] && [ "$(reqs UPLOAD)" -eq 0 ]
tap_result $? "no file created, nothing read"

# ---- refusals
sim_new refuse
dfu --sim dfu-plain,dfu-plain --all -U -
expect_rc 64 "--all -U - refused"
dfu --sim dfu-plain,dfu-plain --all -l
expect_rc 64 "--all -l refused"
dfu --sim dfu-plain,dfu-plain --all -d 1234:5678 -D "$fw"
expect_rc 74 "--all with nothing matching"

# ---- --json
json_run()
{
	printf '%s\n' "$out" > "$scratch/events"
	msg=$(python3 "$check" "$scratch/events" "$rc" "$@")
	[ -z "$msg" ]
	tap_result $? "JSON events${msg:+ ($msg)}"
}
json_has()
{
	python3 -c 'import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
first = min(i for i, e in enumerate(ev) if e["event"] == "device")
last = max(i for i, e in enumerate(ev) if e["event"] == "device_result")
dev = ev[first:last + 1]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$scratch/events" "$1"
	tap_result $? "$2"
}

sim_new json
dfu --json --sim dfu-plain:serial=A1,dfu-plain:serial=B2:fault=gone@DNLOAD#3,dfu-plain:serial=C3 --all -D "$fw"
expect_rc 74 "--json --all with one failing device"
json_run start device progress:write device_result result
json_has 'all(isinstance(e.get("path"), str) and isinstance(e.get("serial"), str) for e in dev)' \
	"every device's event carries path and serial"
json_has 'sorted((e["path"], e["serial"], e["status"], e["exit"]) for e in ev if e["event"] == "device_result") == [("1-1", "A1", "ok", 0), ("1-2", "B2", "error", 74), ("1-3", "C3", "ok", 0)]' \
	"one device_result per device"
json_has 'ev[-1]["bytes"] == sum(e["bytes"] for e in ev if e["event"] == "device_result")' \
	"the result's bytes are the devices' sum"
json_has 'any(e["event"] == "message" and e["level"] == "error" and e["path"] == "1-2" for e in dev)' \
	"the error message is the failing device's"
expect_err '^dfu-util: 1-2 +B2 +failed' "the table goes to stderr with --json"

sim_new json_ok
dfu --json --sim dfu-plain:serial=A1,dfu-plain:serial=B2 --all -D "$fw"
expect_rc 0 "--json --all"
json_run start device device_result device_result result
json_has 'all(e.get("path") in ("1-1", "1-2") for e in dev)' "paths on every device event"

sim_new json_intr
dfu --json --sim "dfu-plain:serial=A:fault=signal=INT@block60,dfu-plain:serial=B:fault=signal=INT@block3" --all -D "$big"
expect_rc 130 "--json --all interrupted"
json_run start device_result result

done_testing
