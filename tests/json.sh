#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
# --json (doc/json-events.txt): every line of every run's stdout parses as
# JSON, the events come in order, and the result's exit is the process's.
. "$TOP_SRCDIR/tests/lib.sh"
: "${DFU_SUFFIX:?DFU_SUFFIX must point at the built dfu-suffix}"

command -v python3 >/dev/null 2>&1 ||
	skip_all "python3 is needed to parse the JSON (apt-get install python3)"
check="$TOP_SRCDIR/tests/json_check.py"

# json_ok "what" EVENT...: the last run's stdout is a valid event stream
# whose result matches $rc and that holds the EVENTs in this order.
json_ok()
{
	local what=$1 msg
	shift
	printf '%s\n' "$out" > "$scratch/events"
	msg=$(python3 "$check" "$scratch/events" "$rc" "$@")
	[ -z "$msg" ]
	tap_result $? "$what: JSON events${msg:+ ($msg)}"
}

# json_has PYTHON-EXPRESSION "what": true over ev, the list of events.
json_has()
{
	python3 -c 'import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$scratch/events" "$1"
	tap_result $? "$2"
}

fw="$scratch/fw.bin"
mkdata "$fw" 5000

# -l, with -v the memory map of a DfuSe device.
sim_new list
dfu --json --sim dfu-plain,stm32f4 -l -v
expect_rc 0 "-l --json"
json_ok "-l" start device device result
json_has 'sum(e["event"] == "device" for e in ev) == 5' "one device event per alt setting"
json_has '[e for e in ev if e["event"] == "device"][1]["map"]["segments"][0]["start"] == 0x08000000' \
	"-v: the parsed memory map"
json_has '[e for e in ev if e["event"] == "device"][0]["vid"] == "1209" and [e for e in ev if e["event"] == "device"][1]["pid"] == "df11" and [e for e in ev if e["event"] == "device"][1]["dfuse"] is True' \
	"vid and pid as hex strings, dfuse"
expect_err 'Found DFU: \[1209:2002\]' "the human list goes to stderr"

# -D on plain DFU: write, then manifest; bytes in the result.
sim_new down
dfu --json --sim dfu-plain -D "$fw"
expect_rc 0 "-D --json"
json_ok "-D" start device progress:write progress:manifest result
json_has 'ev[-1]["bytes"] == 5000 and isinstance(ev[-1]["ms"], int)' "result bytes and ms"
json_has '[e for e in ev if e.get("phase") == "write"][-1]["done"] == 5000' "last write progress is complete"
json_has 'any(e["event"] == "message" and e["level"] == "warning" for e in ev)' \
	"the missing suffix is a warning message"
expect_err 'Download done' "the progress bar goes to stderr"

# -U to a file.
sim_new up
dfu --json --sim dfu-plain:memory_size=16384 -U "$scratch/up.bin"
expect_rc 0 "-U --json"
json_ok "-U" start device progress:read result
json_has 'ev[-1]["bytes"] == 16384' "upload bytes in the result"
ok "the data went to the file" test "$(wc -c < "$scratch/up.bin")" -eq 16384

# DfuSe: erase, then write.
sim_new dfuse
dfu --json --sim stm32f4 -s 0x08000000 -D "$fw"
expect_rc 0 "DfuSe -D --json"
json_ok "DfuSe -D" start device progress:erase progress:write result

# A DfuSe command.
sim_new leave
dfu --json --sim stm32f4 -s 0x08000000:leave
expect_rc 0 "-s ADDRESS:leave --json"
json_ok "DfuSe leave" start result

# -e on a run-time device: the detach is a phase.
sim_new detach
dfu --json --sim runtime -e
expect_rc 0 "-e --json"
json_ok "-e" start device progress:detach result
json_has '[e for e in ev if e["event"] == "device"][0]["mode"] == "runtime"' "run-time mode"

# -D through a detach.
sim_new rtdown
dfu --json --sim runtime -D "$fw"
expect_rc 0 "-D via detach --json"
json_ok "-D via detach" start device progress:detach device progress:write result

# -R.
sim_new reset
dfu --json --sim dfu-plain -R
expect_rc 0 "-R --json"
json_ok "-R" start result

# Usage errors after --json are events; the hint joins its message.
sim_new usage
dfu --json --frob
expect_rc 64 "unknown option after --json"
json_ok "usage error" start message result
json_has 'ev[1]["level"] == "error" and "--frob" in ev[1]["text"] and "hint" in ev[1]' \
	"the error and its hint in one message"
dfu --json -U - --sim dfu-plain
expect_rc 64 "-U - with --json"
json_ok "-U - refused" start message result
dfu --sim dfu-plain
expect_rc 64 "nothing to do"
ok "without --json nothing is written to stdout for a usage error" test -z "$out"

# Escaping: quotes, backslashes and non-ASCII from the device stay valid JSON.
sim_new escape
dfu --json --sim 'dfu-plain:serial=a"b\c\\d\tÄ' -l
expect_rc 0 "-l with an odd serial"
json_ok "escaping"
json_has '[e for e in ev if e["event"] == "device"][0]["serial"] == "a\"b\\c\\\\d\\tÄ"' "the serial comes back unchanged"

# Every exit status of the contract: with --json each one is a result.
status_inputs
table="
0	--sim dfu-plain -l
64	--timeout 0 --sim dfu-plain -l
65	--sim dfu-plain -D $scratch/other.bin
66	--sim dfu-plain -D $scratch/missing.bin
73	--sim dfu-plain -U $scratch/exists.bin
74	--sim dfu-plain -d 1234:5678 -D $fw
74	--sim dfu-plain:fault=gone@DNLOAD#2 -D $fw
74	--sim dfu-plain:fault=status=errWRITE@block1 -D $fw
76	--sim dfu-plain:fault=busy@block1 -D $fw
130	--sim dfu-plain:fault=signal=INT@block3 -D $fw
143	--sim dfu-plain:fault=signal=TERM@block1 -D $fw
"
json_case()
{
	local want=$1
	shift
	dfu --json "$@"
	expect_rc "$want" "--json $*"
	json_ok "exit $want"
	if [ "$want" -ne 0 ]; then
		json_has 'any(e["event"] == "message" and e["level"] == "error" for e in ev)' \
			"exit $want: an error message"
	fi
}
each_case "$table" json_case
# An interrupted transfer counts what was sent.
sim_new interrupted
dfu --json --sim 'dfu-plain:fault=signal=INT@block3' -D "$fw"
expect_rc 130 "interrupted"
json_ok "interrupted" start progress:write message result
json_has '0 < ev[-1]["bytes"] < 5000' "bytes sent before the interrupt"

done_testing
