#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
# The companion tools: dfu-suffix, dfu-prefix and dfuse-pack.  Known-answer
# files in tests/kat (see its README), round trips, every refusal, and
# cross-checks against Debian's classic tools when they are installed.
. "$TOP_SRCDIR/tests/lib.sh"
: "${DFU_SUFFIX:?DFU_SUFFIX must point at the built dfu-suffix}"
: "${DFU_PREFIX:?DFU_PREFIX must point at the built dfu-prefix}"
: "${DFUSE_PACK:?DFUSE_PACK must point at the built dfuse-pack}"

kat="$TOP_SRCDIR/tests/kat"
w="$scratch/w"
mkdir -p "$w"
cd "$w" || exit 1

# tool NAME ARGS...: one of our tools, with $rc, $out and $err set.
tool()
{
	local prog
	case $1 in
	dfu-suffix) prog=$DFU_SUFFIX ;;
	dfu-prefix) prog=$DFU_PREFIX ;;
	dfuse-pack) prog=$DFUSE_PACK ;;
	esac
	shift
	run "$prog" "$@"
}

# ------------------------------------------------------------ dfu-suffix
fixture "$kat/fw.bin" a.bin
tool dfu-suffix -a a.bin -v 1234 -p 5678
expect_rc 0 "dfu-suffix -a"
expect_same a.bin "$kat/fw-suffix.bin" "suffix bytes match the known answer"
tool dfu-suffix -c a.bin
expect_rc 0 "dfu-suffix -c on a good suffix"
expect_out 'idVendor +0x1234' "check prints idVendor"
expect_out 'idProduct +0x5678' "check prints idProduct"
expect_out 'bcdDevice +0xffff' "bcdDevice defaults to ffff"
expect_out 'dwCRC +0x[0-9a-f]{8}' "check prints the CRC"
tool dfu-suffix -a a.bin -v 1 -p 2
expect_rc 65 "a second suffix is refused"
expect_err 'already has a DFU suffix' "the refusal says why"
expect_same a.bin "$kat/fw-suffix.bin" "a refused add leaves the file untouched"
tool dfu-suffix -D a.bin
expect_rc 0 "dfu-suffix -D"
expect_same a.bin "$kat/fw.bin" "delete gives back the original"
tool dfu-suffix -c a.bin
expect_rc 65 "check fails without a suffix"
expect_err 'no DFU suffix' "and says the suffix is missing"
tool dfu-suffix -D a.bin
expect_rc 65 "delete fails without a suffix"

fixture "$kat/fw.bin" b.bin
tool dfu-suffix -a b.bin -v 0x0483 -p df11 -d 0200 -S 011a
expect_rc 0 "dfu-suffix -a with -d and -S 011a"
expect_same b.bin "$kat/fw-suffix-011a.bin" "DfuSe-flavoured suffix matches the known answer"

fixture "$kat/fw-suffix.bin" bad.bin
printf '\001' | dd of=bad.bin bs=1 seek=3 conv=notrunc 2>/dev/null
tool dfu-suffix -c bad.bin
expect_rc 65 "check fails on a corrupt suffix"
expect_err 'CRC mismatch' "and says the CRC is wrong"

fixture "$kat/fw.bin" c.bin
tool dfu-suffix -a c.bin -v 12345
expect_rc 64 "a vendor ID above ffff is refused"
tool dfu-suffix -a c.bin -v 12zz
expect_rc 64 "junk in a vendor ID is refused"
tool dfu-suffix -a c.bin -S 0110
expect_rc 64 "an unsupported bcdDFU is refused"
expect_same c.bin "$kat/fw.bin" "usage errors leave the file untouched"
tool dfu-suffix -c c.bin -v 1234
expect_rc 64 "-v without -a is refused"
tool dfu-suffix -c c.bin -D c.bin
expect_rc 64 "two actions are refused"
tool dfu-suffix
expect_rc 64 "no action"
tool dfu-suffix --bogus
expect_rc 64 "unknown option"
tool dfu-suffix -c nosuch.bin
expect_rc 66 "missing input file"
tool dfu-suffix -h
expect_rc 0 "-h"
expect_out '--check' "-h prints the usage"
tool dfu-suffix -V
expect_rc 0 "-V"

# Permission bits survive an in-place rewrite; no temporary file is left.
fixture "$kat/fw.bin" mode.bin
chmod 640 mode.bin
tool dfu-suffix -a mode.bin
expect_rc 0 "dfu-suffix -a on a file of mode 640"
if posix_only 1 "no permission bits but read-only"; then
[ "$(stat -c %a mode.bin 2>/dev/null || stat -f %Lp mode.bin)" = 640 ]
tap_result $? "the file keeps its permissions"
fi
[ -z "$(ls | grep '\.bin\.')" ]
tap_result $? "no temporary files left behind"

# A symbolic link stays a link; the file behind it is rewritten.
fixture "$kat/fw.bin" target.bin
ln -s target.bin link.bin
tool dfu-suffix -a link.bin -v 1234 -p 5678
expect_rc 0 "add through a symbolic link"
if posix_only 2 "wine shows a symbolic link as a plain file (man page: the link is replaced)"; then
[ -L link.bin ]
tap_result $? "the link is still a link"
expect_same target.bin "$kat/fw-suffix.bin" "the linked file got the suffix"
fi

# fwupd's long suffix: a metadata table before the 16-byte footer, counted
# in bLength and covered by the CRC.
step "$MKSUFFIX" "$kat/fw.bin" long.bin 1234 5678 meta=24
tool dfu-suffix -c long.bin
expect_rc 0 "dfu-suffix -c on a 40-byte suffix (fwupd)"
expect_out 'bLength +40' "... shows its length"
expect_out 'metadata +24 bytes' "... and the metadata in front of the footer"
expect_out "$(wc -c < "$kat/fw.bin" | tr -d ' ') bytes of firmware" "... and the firmware size without it"
tool dfu-suffix -D long.bin
expect_rc 0 "dfu-suffix -D on a long suffix"
expect_same long.bin "$kat/fw.bin" "... removes all of it"

# A file the user may not write is refused, as the classic tools do (73);
# rename() would replace it all the same.  Root writes anything, so drop
# to nobody when running as root.
ro_run=
if [ "$(id -u)" -ne 0 ]; then
	ro_run=env
elif command -v setpriv >/dev/null 2>&1 &&
	setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	ro_run="setpriv --reuid=65534 --regid=65534 --clear-groups"
	chmod 755 "$scratch"
	chmod 777 "$w"
fi
# Under wine (tests/win) our programs cannot change user (wine refuses a
# prefix another user owns), but a file without write bits is read-only
# there even for root.
ro_ours=$ro_run
[ -z "${DFU_TEST_WINDOWS:-}" ] || ro_ours=env
# ro RUNNER TOOL ARGS...: run a tool as the unprivileged user; sets rc.
ro()
{
	local run=$1 prog=$2; shift 2
	last_cmd="$prog $*"
	$run "$prog" "$@" >/dev/null 2>"$scratch/stderr" </dev/null && rc=0 || rc=$?
	err=$(cat "$scratch/stderr")
}
if [ -n "$ro_ours" ]; then
	for t in "dfu-suffix -a" "dfu-suffix -D" "dfu-prefix -a" "dfu-prefix -D"; do
		case $t in
		"dfu-suffix -a") fixture "$kat/fw.bin" ro.bin; prog=$DFU_SUFFIX ;;
		"dfu-suffix -D") fixture "$kat/fw-suffix.bin" ro.bin; prog=$DFU_SUFFIX ;;
		"dfu-prefix -a") fixture "$kat/fw.bin" ro.bin; prog=$DFU_PREFIX ;;
		"dfu-prefix -D") fixture "$kat/fw-lpc.bin" ro.bin; prog=$DFU_PREFIX ;;
		esac
		set -- ${t#* }
		[ "$t" = "dfu-prefix -a" ] && set -- -a ro.bin -L || set -- "$1" ro.bin
		cp ro.bin ro.orig
		chmod 444 ro.bin
		ro "$ro_ours" "$prog" "$@"
		expect_rc 73 "$t on a read-only file is refused"
		expect_same ro.bin ro.orig "... the file is unchanged"
		expect_err 'ro.bin' "... and the message names it"
		rm -f ro.bin ro.orig
	done
else
	for i in $(seq 1 12); do skip "running as root without setpriv: cannot test a read-only file"; done
fi

# ------------------------------------------------------------ dfu-prefix
fixture "$kat/fw.bin" l.bin
tool dfu-prefix -a l.bin -L
expect_rc 0 "dfu-prefix -a -L"
expect_same l.bin "$kat/fw-lpc.bin" "LPC prefix matches the known answer"
tool dfu-prefix -c l.bin
expect_rc 0 "dfu-prefix -c finds the LPC prefix"
expect_out 'NXP LPC' "and names it"
tool dfu-prefix -c l.bin -L
expect_rc 0 "check requiring LPC"
tool dfu-prefix -c l.bin -T
expect_rc 65 "check requiring Stellaris on an LPC file fails"
tool dfu-prefix -a l.bin -L
expect_rc 65 "a second prefix is refused"
expect_err 'already has a prefix' "the refusal says why"
tool dfu-prefix -D l.bin -T
expect_rc 65 "delete of the wrong type is refused"
expect_same l.bin "$kat/fw-lpc.bin" "refusals leave the file untouched"
tool dfu-prefix -D l.bin -L
expect_rc 0 "dfu-prefix -D -L"
expect_out 'removed the NXP LPC prefix' "... says which prefix it removed"
expect_same l.bin "$kat/fw.bin" "delete gives back the original"
tool dfu-prefix -D l.bin
expect_rc 65 "delete without a prefix fails"
tool dfu-prefix -c l.bin
expect_rc 0 "check without a type accepts a file without prefix"
expect_out 'no DFU prefix' "and says there is none"

fixture "$kat/fw.bin" s.bin
tool dfu-prefix -a s.bin -s 0x2000
expect_rc 0 "dfu-prefix -a -s"
expect_same s.bin "$kat/fw-stellaris.bin" "Stellaris prefix matches the known answer"
tool dfu-prefix -c s.bin -T
expect_rc 0 "check requiring Stellaris"
expect_out '0x00002000' "check prints the address"
tool dfu-prefix -D s.bin -T
expect_rc 0 "dfu-prefix -D -T"
expect_out 'removed the TI Stellaris prefix' "... says which prefix it removed"
expect_same s.bin "$kat/fw.bin" "Stellaris delete gives back the original"

# A suffix stays at the end, with a fresh CRC.
fixture "$kat/fw-lpc.bin" ls.bin
tool dfu-suffix -a ls.bin -v 1fc9 -p 000c
expect_rc 0 "dfu-suffix -a after an LPC prefix"
expect_same ls.bin "$kat/fw-lpc-suffix.bin" "suffix after an LPC prefix matches the known answer"
fixture "$kat/fw.bin" sl.bin
tool dfu-suffix -a sl.bin -v 1fc9 -p 000c
tool dfu-prefix -a sl.bin -L
expect_rc 0 "prefix added to a file with a suffix"
expect_same sl.bin "$kat/fw-lpc-suffix.bin" "the suffix is kept and its CRC recomputed"
tool dfu-suffix -c sl.bin
expect_rc 0 "the moved suffix checks"
tool dfu-prefix -D sl.bin
tool dfu-suffix -D sl.bin
expect_same sl.bin "$kat/fw.bin" "prefix and suffix round trip"

fixture "$kat/fw.bin" u.bin
tool dfu-prefix -a u.bin
expect_rc 64 "add without a type"
tool dfu-prefix -a u.bin -T
expect_rc 64 "add -T without an address"
tool dfu-prefix -a u.bin -s 0x2001
expect_rc 64 "an address that is not a multiple of 1 KiB"
tool dfu-prefix -a u.bin -s 0x4000000
expect_rc 64 "an address above the prefix's range"
tool dfu-prefix -a u.bin -s 12ab
expect_rc 64 "junk in the address"
tool dfu-prefix -a u.bin -s 0x2000 -L
expect_rc 64 "two types"
tool dfu-prefix -c u.bin -s 0x2000
expect_rc 64 "-s with -c"
expect_same u.bin "$kat/fw.bin" "usage errors leave the file untouched"
fixture "$kat/fw-suffix.bin" cor.bin
printf '\001' | dd of=cor.bin bs=1 seek=3 conv=notrunc 2>/dev/null
tool dfu-prefix -a cor.bin -L
expect_rc 65 "a corrupt suffix is not blessed with a new CRC"
tool dfu-prefix -c nosuch.bin
expect_rc 66 "missing input file"

# ------------------------------------------------------------ dfuse-pack
tool dfuse-pack -b 0x08000000:"$kat/fw.bin" -b 0x1fff7800@1:"$kat/seg-b.bin" p1.dfu
expect_rc 0 "dfuse-pack -b with two alt settings"
expect_same p1.dfu "$kat/pack-bin.dfu" ".dfu from binaries matches the known answer"
expect_out 'target 1: alt 1' "the build describes what it wrote"
tool dfuse-pack -i "$kat/fw.hex" -n kat p2.dfu
expect_rc 0 "dfuse-pack -i"
expect_same p2.dfu "$kat/pack-text.dfu" ".dfu from Intel HEX matches the known answer"
tool dfuse-pack -s "$kat/fw.srec" p3.dfu
expect_rc 0 "dfuse-pack -s"
expect_same p3.dfu "$kat/pack-text.dfu" ".dfu from S-records (name from S0) matches the known answer"
expect_out 'element 1: address 0x08000100' "the last S-record segment is kept"
tool dfuse-pack -s "$kat/one.srec" p4.dfu
expect_rc 0 "a single-segment S-record file"
expect_out 'element 0: address 0x08000000, 40 bytes' "its one segment is packed whole"
tool dfuse-pack -D 1234:5678 -a 2 -b 0x20000000:"$kat/fw.bin" p5.dfu
expect_rc 0 "-D and -a"
expect_out 'suffix 1234:5678' "-D sets the suffix IDs"
expect_out 'alt 2' "-a sets the alt setting"

tool dfuse-pack "$kat/pack-text.dfu"
expect_rc 0 "check mode"
expect_out 'element 1: address 0x08000100, 12 bytes' "check lists every element"
expect_out 'CRC 0x[0-9a-f]{8} OK' "check verifies the CRC"

fixture "$kat/pack-text.dfu" dump.dfu
tool dfuse-pack -d dump.dfu
expect_rc 0 "dfuse-pack -d"
expect_same dump.dfu.target0.image0.bin "$kat/seg-a.bin" "first element unpacked"
expect_same dump.dfu.target0.image1.bin "$kat/seg-b.bin" "second element unpacked"
rm -f dump.dfu.target0.image0.bin
tool dfuse-pack -d dump.dfu
expect_rc 73 "-d refuses to overwrite an unpacked element"
[ ! -e dump.dfu.target0.image0.bin ]
tap_result $? "and writes nothing at all when one name is taken"
rm -f dump.dfu.target0.image1.bin
tool dfuse-pack -b 0x08000000:"$kat/seg-a.bin" -b 0x08000100:"$kat/seg-b.bin" rt.dfu
tool dfuse-pack -d rt.dfu
expect_same rt.dfu.target0.image0.bin "$kat/seg-a.bin" "pack then unpack gives back input 1"
expect_same rt.dfu.target0.image1.bin "$kat/seg-b.bin" "pack then unpack gives back input 2"

tool dfuse-pack -b 0x08000000:"$kat/fw.bin" -b 0x08000020:"$kat/seg-b.bin" ov.dfu
expect_rc 65 "overlapping elements are refused"
[ ! -e ov.dfu ]
tap_result $? "and no file is written"
tool dfuse-pack -b 0x08000000:"$kat/fw-suffix.bin" sx.dfu
expect_rc 65 "a binary with a DFU suffix is refused"
: > empty.bin
tool dfuse-pack -b 0x08000000:empty.bin e.dfu
expect_rc 65 "an empty binary is refused"
sed 's/^:10000000/:10000001/' "$kat/fw.hex" > badsum.hex
tool dfuse-pack -i badsum.hex bh.dfu
expect_rc 65 "a HEX checksum error is refused"
expect_err 'badsum.hex:2: checksum' "naming file and line"
head -n 3 "$kat/fw.srec" > trunc.srec
tool dfuse-pack -s trunc.srec ts.dfu
expect_rc 65 "a truncated S-record file is refused"
tool dfuse-pack -b 0x08000000:nosuch.bin n.dfu
expect_rc 66 "a missing input"
tool dfuse-pack -b 08000000:"$kat/fw.bin" n.dfu
expect_rc 64 "an invalid address"
tool dfuse-pack -b 0x08000000@256:"$kat/fw.bin" n.dfu
expect_rc 64 "an alt setting above 255"
tool dfuse-pack -b 0x08000000 n.dfu
expect_rc 64 "-b without a file"
tool dfuse-pack -D 1234 -b 0x08000000:"$kat/fw.bin" n.dfu
expect_rc 64 "-D without a product ID"
tool dfuse-pack -d -b 0x08000000:"$kat/fw.bin" n.dfu
expect_rc 64 "-d with -b"
tool dfuse-pack -a 1 "$kat/pack-text.dfu"
expect_rc 64 "-a without a build option"
tool dfuse-pack
expect_rc 64 "no file"
[ ! -e n.dfu ]
tap_result $? "refused builds write nothing"

fixture "$kat/pack-text.dfu" corrupt.dfu
printf '\377' | dd of=corrupt.dfu bs=1 seek=300 conv=notrunc 2>/dev/null
tool dfuse-pack corrupt.dfu
expect_rc 65 "check fails on a corrupt .dfu"
expect_err 'CRC' "and says the CRC is wrong"
tool dfuse-pack "$kat/fw-suffix.bin"
expect_rc 65 "check fails on a file that is not a .dfu"

# ------------------------------------------------------------ classic tools
classic_suffix=${CLASSIC_DFU_SUFFIX:-/usr/bin/dfu-suffix}
classic_prefix=${CLASSIC_DFU_PREFIX:-/usr/bin/dfu-prefix}
classic_pack=${CLASSIC_DFUSE_PACK:-/usr/bin/dfuse-pack}
# Our own tools may be installed there too: only the classic ones print this.
is_classic() { [ -x "$1" ] && "$1" -V 2>&1 | grep -q 'Stefan Schmidt'; }
is_classic_pack() { [ -x "$1" ] && head -n 1 "$1" | grep -q python; }

# classic PROG ARGS...: run a classic tool; its exit status in $classic_rc,
# its output in the .log when an assertion about it fails.
classic()
{
	"$@" > "$scratch/classic.out" 2>&1 && classic_rc=0 || classic_rc=$?
	if [ "$classic_rc" -ne 0 ]; then
		echo "# classic: $* (exit $classic_rc)"
		sed 's/^/# classic: /' "$scratch/classic.out"
	fi
}

# agree OURS THEIRS "what": our tool ($rc) and the classic one ($classic_rc)
# both succeeded, and their files are byte-identical.  Identical files are
# no proof when both tools refused and left their copies alone.
agree()
{
	[ "$rc" -eq 0 ] && [ "$classic_rc" -eq 0 ] && cmp -s "$1" "$2"
	tap_result $? "$3 (exit $rc and $classic_rc)"
}

if is_classic "$classic_suffix"; then
	for args in "-v 1234 -p 5678" "-v 0483 -p df11 -d 0200 -S 011a" "" "-S 0x011A -d ffff"; do
		fixture "$kat/fw.bin" ours.bin
		fixture "$kat/fw.bin" theirs.bin
		tool dfu-suffix -a ours.bin $args
		classic "$classic_suffix" -a theirs.bin $args
		agree ours.bin theirs.bin "dfu-suffix -a $args: byte-identical to the classic tool"
		classic "$classic_suffix" -c ours.bin
		[ "$classic_rc" -eq 0 ]
		tap_result $? "the classic dfu-suffix accepts ours ($args)"
	done
else
	for i in 1 2 3 4 5 6 7 8; do skip "classic dfu-suffix not installed"; done
fi

if is_classic "$classic_prefix"; then
	# Fixed data: the classic tool mistakes some first bytes (0x9a 0xff...) for an LPC
	# prefix, even inside a suffix, so random data would make this test flaky.
	for i in 1 2 3 4 5 6 7 8; do cat "$kat/fw.bin" "$kat/fw.bin" "$kat/fw.bin" "$kat/fw.bin" \
		"$kat/fw.bin" "$kat/fw.bin" "$kat/fw.bin" "$kat/fw.bin"; done > pattern.bin
	for size in 0 1 512 513 4000; do
		for args in "-L" "-s 0x2000" "-s 0"; do
			for sfx in no yes; do
				head -c "$size" pattern.bin > ours.bin
				sfx_rc=0
				if [ "$sfx" = yes ]; then
					"$DFU_SUFFIX" -a ours.bin -v 1fc9 -p 000c >/dev/null 2>&1 || sfx_rc=$?
				fi
				fixture ours.bin theirs.bin
				tool dfu-prefix -a ours.bin $args
				classic "$classic_prefix" -a theirs.bin $args
				[ "$sfx_rc" -eq 0 ] || rc=$sfx_rc
				agree ours.bin theirs.bin "dfu-prefix -a $args, $size bytes, suffix $sfx: byte-identical"
			done
		done
	done
	fixture "$kat/fw-lpc-suffix.bin" theirs.bin
	classic "$classic_prefix" -D theirs.bin
	fixture "$kat/fw-lpc-suffix.bin" ours.bin
	tool dfu-prefix -D ours.bin
	agree ours.bin theirs.bin "dfu-prefix -D: byte-identical to the classic tool"
else
	for i in $(seq 1 31); do skip "classic dfu-prefix not installed"; done
fi

if is_classic_pack "$classic_pack" && command -v python3 >/dev/null 2>&1; then
	for f in p1.dfu p2.dfu p4.dfu p5.dfu; do
		classic "$classic_pack" "$f"
		[ "$classic_rc" -eq 0 ] && ! grep -q -i 'error\|invalid\|traceback' "$scratch/classic.out"
		tap_result $? "the classic dfuse-pack accepts our $f"
	done
	classic "$classic_pack" -b 0x08000000:"$kat/seg-a.bin" -b 0x08000100:"$kat/seg-b.bin" \
		-b 0x1fff7800@1:"$kat/fw.bin" classic.dfu
	tool dfuse-pack classic.dfu
	[ "$classic_rc" -eq 0 ] || rc=$classic_rc
	expect_rc 0 "the classic dfuse-pack builds a file and our check accepts it"
	tool dfuse-pack -d classic.dfu
	expect_same classic.dfu.target0.image1.bin "$kat/seg-b.bin" "we unpack the classic output's elements"
	expect_same classic.dfu.target1.image0.bin "$kat/fw.bin" "including its second target"
	# Flash a classic file on the simulated STM32 with our dfu-util, read it back.
	classic "$classic_pack" -b 0x08000000:"$kat/seg-a.bin" -b 0x08000100:"$kat/seg-b.bin" \
		flash.dfu
	pack_rc=$classic_rc
	sim_new flash
	dfu --sim stm32f4 -a 0 -D flash.dfu
	dl_rc=$rc
	dfu -a 0 -s 0x08000000:268 -U back.bin
	[ "$pack_rc" -eq 0 ] && [ "$dl_rc" -eq 0 ]
	tap_result $? "our dfu-util flashes the classic dfuse-pack's output"
	[ "$rc" -eq 0 ] && head -c 40 back.bin > got-a.bin && tail -c 12 back.bin > got-b.bin &&
		cmp -s got-a.bin "$kat/seg-a.bin" && cmp -s got-b.bin "$kat/seg-b.bin"
	tap_result $? "the flash holds both elements of the classic file"
else
	for i in $(seq 1 9); do skip "classic dfuse-pack (python3) not installed"; done
fi

# The exit status for a read-only file is the classic tools' own.
if [ -n "$ro_run" ] && is_classic "$classic_suffix" && is_classic "$classic_prefix"; then
	fixture "$kat/fw.bin" ro.bin; chmod 444 ro.bin
	ro "$ro_run" "$classic_suffix" -a ro.bin
	expect_rc 73 "the classic dfu-suffix also refuses a read-only file"
	ro "$ro_run" "$classic_prefix" -a ro.bin -L
	expect_rc 73 "the classic dfu-prefix also refuses a read-only file"
	rm -f ro.bin
else
	skip "classic tools not installed, or cannot drop root"
	skip "classic tools not installed, or cannot drop root"
fi

done_testing
