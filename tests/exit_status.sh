#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
# The exit status contract: every status the man page lists under EXIT
# STATUS comes from the cases it names, and each case gives exactly that
# status and no other.
. "$TOP_SRCDIR/tests/lib.sh"
: "${DFU_SUFFIX:?DFU_SUFFIX must point at the built dfu-suffix}"

fw="$scratch/fw.bin"
mkdata "$fw" 3000
status_inputs

# The table: status, then the dfu-util arguments of one case (a fresh bus each).
# Words are split by the shell; no argument has a space.
table="
0	--sim dfu-plain -l
0	--sim dfu-plain -D $fw
0	--help
3	--sim dfu-plain:fault=flip@block1 --verify -D $fw
64	--frob
64	-w 5 --sim dfu-plain -l
64	--sim dfu-plain
64	--sim dfu-plain,dfu-plain -D $fw
64	--timeout 0 --sim dfu-plain -l
65	--sim dfu-plain -D $scratch/other.bin
66	--sim dfu-plain -D $scratch/missing.bin
73	--sim dfu-plain -U $scratch/exists.bin
74	--sim dfu-plain -d 1234:5678 -D $fw
74	--sim dfu-plain:fault=gone@DNLOAD#2 -D $fw
74	--sim dfu-plain:fault=status=errWRITE@block1 -D $fw
74	--sim dfu-plain --wait=2 -d 1234:5678 -D $fw
76	--sim dfu-plain:dfu_version=0x011a:dfuse=0:alt=@Flash/0xFFFFF000/8*1Kg -s 0xFFFFF000 -D $fw
76	--sim dfu-plain:transfer_size=0 -D $fw
76	--sim dfu-plain:fault=busy@block1 -D $fw
130	--sim dfu-plain:fault=signal=INT@block1 -D $fw
143	--sim dfu-plain:fault=signal=TERM@block1 -D $fw
129	--sim dfu-plain:fault=signal=HUP@block1 -D $fw
141	--sim dfu-plain:fault=signal=PIPE@block1 -D $fw
"
seen=""
status_case()
{
	local want=$1
	shift
	dfu "$@"
	expect_rc "$want" "dfu-util $*"
	case " $seen " in *" $want "*) ;; *) seen="$seen $want" ;; esac
}
each_case "$table" status_case

# 71: out of memory, from a simulated device too large for the address space
# allowed.  Sanitizer builds reserve huge shadow memory, so skip it there.
if [ -n "${DFU_TEST_SANITIZERS:-}" ]; then
	skip "out of memory under sanitizers"
	seen="$seen 71"
elif ! posix_only 2 "ulimit -v leaves wine itself no room to start"; then
	seen="$seen 71"
else
	sim_new nomem
	run sh -c 'ulimit -v 150000 && exec "$@"' sh "$DFU_UTIL" --sim dfu-plain:memory_size=0x10000000 -l
	expect_rc 71 "out of memory"
	expect_err 'out of memory' "says so"
	seen="$seen 71"
fi

# The man page's list and the table's agree.
documented=$(sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$TOP_SRCDIR/man/dfu-util.1" |
	sed -n 's/^\.B \([0-9][0-9]*\)$/\1/p' | sort -n | tr '\n' ' ')
tested=$(printf '%s\n' $seen | sort -n | tr '\n' ' ')
[ "$documented" = "$tested" ]
tap_result $? "every documented status is tested, and only those (man: $documented; tested: $tested)"
[ "$documented" = "0 3 64 65 66 71 73 74 76 129 130 141 143 " ]
tap_result $? "the documented statuses are the contract's"

done_testing
