#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
#
# TAP: the bash completion (completion/dfu-util) driven the way bash
# drives it: COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT set, the
# function "complete -p" names called, COMPREPLY checked.  Needs
# bash-completion's helpers; skipped (and counted as such) without them.
. "$TOP_SRCDIR/tests/lib.sh"
: "${DFU_SUFFIX:?}" "${DFU_PREFIX:?}" "${DFUSE_PACK:?}"

bc=${BASH_COMPLETION_SCRIPT:-}
if [ -z "$bc" ]; then
	for f in "$(pkg-config --variable=datadir bash-completion 2>/dev/null)/bash-completion/bash_completion" \
		/usr/share/bash-completion/bash_completion; do
		[ -f "$f" ] && { bc=$f; break; }
	done
fi
[ -n "$bc" ] && [ -f "$bc" ] ||
	skip_all "bash-completion is not installed (apt-get install bash-completion)"
script=$TOP_SRCDIR/completion/dfu-util

# result STATUS "what": one check; a failed one shows the candidates.
result()
{
	tap_result "$1" "$2"
	[ "$1" -eq 0 ] || printf '%s\n' "$reply" | sed 's/^/# candidates: /'
}

# complete PROGRAM-NAME PATH WORD... : the candidates for the last WORD of
# "PATH WORD...", one per line.  PROGRAM-NAME picks the completion the way
# bash does (by the command's name); PATH is what the line runs.
complete_line()
{
	local name=$1
	shift
	reply=$(cd "$scratch" && bash --norc --noprofile -c '
		. "$1" || exit 1
		. "$2" || exit 1
		name=$3
		shift 3
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		spec=$(complete -p "$name") || exit 1
		func=${spec#*-F }
		func=${func%% *}
		"$func" "$name" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"
	' complete "$bc" "$script" "$name" "$@" 2>&1)
}

has()	# has WORD...: each WORD is a candidate
{
	local w
	for w; do
		printf '%s\n' "$reply" | grep -qxF -- "$w" || return 1
	done
}

only()	# only WORD...: exactly these candidates
{
	[ "$(printf '%s\n' "$reply" | sort)" = "$(printf '%s\n' "$@" | sort)" ]
}

# The options a program's --help lists at the start of its lines.
help_options()
{
	"$1" --help 2>&1 | sed -n 's/^ \{1,\}\(-[A-Za-z0-9]\)\{0,1\}\(, \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\1 \3/p' |
		tr ' ' '\n' | grep -v '^$'
}

# Every option each program documents is completed after "-".
for prog in "$DFU_UTIL" "$DFU_SUFFIX" "$DFU_PREFIX" "$DFUSE_PACK"; do
	name=${prog##*/}
	opts=$(help_options "$prog")
	[ "$(printf '%s\n' "$opts" | wc -l)" -ge 6 ]
	reply=$opts
	result $? "$name --help lists its options ($(printf '%s' "$opts" | wc -l))"
	complete_line "$name" "$prog" -
	missing=
	for o in $opts; do
		has "$o" || missing="$missing $o"
	done
	[ -z "$missing" ]
	result $? "$name: every option of --help is a candidate${missing:+ (missing:$missing)}"
done

complete_line dfu-util "$DFU_UTIL" --sim-
only --sim-state --sim-clock
result $? "--sim- offers --sim-state and --sim-clock"

# --sim: the built-in profiles, as "dfu-util --sim help" lists them.
complete_line dfu-util "$DFU_UTIL" --sim ''
has dfu-plain stm32f4 blackmagic dsonano runtime help
result $? "--sim offers the built-in profiles"
complete_line dfu-util "$DFU_UTIL" --sim dfu-p
only dfu-plain
result $? "--sim dfu-p completes to dfu-plain"
complete_line dfu-util "$DFU_UTIL" --sim stm32f4,bl
only stm32f4,blackmagic
result $? "--sim completes the last profile of a list"
complete_line dfu-util "$DFU_UTIL" --sim=dfu1
only dfu10
result $? "--sim=dfu1 completes to dfu10"

# -a: alt numbers and names of the devices on the line's (simulated) bus.
complete_line dfu-util "$DFU_UTIL" --sim dfu-plain -a ''
only 0 Flash
result $? "-a offers dfu-plain's alt number and name"
complete_line dfu-util "$DFU_UTIL" --sim stm32f4 -a '@Op'
only '@Option\ Bytes\ \ /0x1FFFC000/01\*016\ g'
result $? "-a completes a DfuSe alt name, quoted for the shell"
complete_line dfu-util "$DFU_UTIL" --sim stm32f4,blackmagic -d 1d50:6018 --alt ''
has 0 'Black\ Magic\ Firmware\ Upgrade\ \(STLINK\)' && ! has 3
result $? "--alt with -d: only the chosen device's alternate settings"
complete_line dfu-util "$DFU_UTIL" --sim stm32f4,blackmagic -d ''
only 0483:df11 1d50:6018
result $? "-d offers the VID:PID pairs found"

complete_line dfu-util "$DFU_UTIL" --sim-clock ''
only real virtual
result $? "--sim-clock: real, virtual"
complete_line dfu-util "$DFU_UTIL" --quirk lo
only long-timeout
result $? "--quirk completes from the quirks table"

# Files where files are wanted.
: >"$scratch/firmware.bin"
complete_line dfu-util "$DFU_UTIL" -D firm
only firmware.bin
result $? "-D completes file names"
complete_line dfu-suffix "$DFU_SUFFIX" -c firm
only firmware.bin
result $? "dfu-suffix -c completes file names"
complete_line dfu-suffix "$DFU_SUFFIX" --spec ''
only 0100 011a
result $? "dfu-suffix --spec: 0100, 011a"

done_testing
