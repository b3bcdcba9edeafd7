#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
#
# TAP: the zsh completion (completion/_dfu-util), driven the way a user
# drives it: an interactive "zsh -f" on a pseudo-terminal (zsh/zpty) with
# compinit loading the function from its directory, a command line typed
# and TAB pressed.  compadd is wrapped to write down the matches it is
# given (builtin compadd -A), so the test reads the candidates, not the
# screen.  Skipped without zsh.
. "$TOP_SRCDIR/tests/lib.sh"
: "${DFU_SUFFIX:?}" "${DFU_PREFIX:?}" "${DFUSE_PACK:?}"

command -v zsh >/dev/null 2>&1 || skip_all "zsh is not installed (apt-get install zsh)"
zsh -fc 'zmodload zsh/zpty' 2>/dev/null || skip_all "zsh has no zsh/zpty module"

# The programs under their installed names, first in PATH.
mkdir -p "$scratch/bin" "$scratch/home"
ln -s "$DFU_UTIL" "$scratch/bin/dfu-util"
ln -s "$DFU_SUFFIX" "$scratch/bin/dfu-suffix"
ln -s "$DFU_PREFIX" "$scratch/bin/dfu-prefix"
ln -s "$DFUSE_PACK" "$scratch/bin/dfuse-pack"
: >"$scratch/firmware.bin"

# complete LINE: the candidates zsh offers for LINE (TAB at its end), one a line
cat >"$scratch/complete.zsh" <<'EOF'
# complete.zsh SCRATCH COMPLETION-DIR LINE
zmodload zsh/zpty
out=$1/matches
rm -f $out
zpty z zsh -f -i
# Each wait is for a word the shell prints when it gets there; the words
# are typed in two halves, so that the echo of the typing never matches.
zpty -w z "PS1='' PS2='' PROMPT_EOL_MARK=''; cd ${(q)1}; HOME=${(q)1}/home; PATH=${(q)1}/bin:\$PATH"
zpty -w z "export DFU_UTIL_SIM_CLOCK=virtual; fpath=(${(q)2} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "zstyle ':completion:*' list-prompt ''; zstyle ':completion:*' menu no; LISTMAX=100000"
zpty -w z "compadd() { local -a __m; builtin compadd -A __m \"\$@\"; builtin compadd \"\$@\"; (( \$#__m )) && print -rl -- \${(Q)__m} >> ${(q)out}; return 0 }"
zpty -w z "print __RE''ADY__"
zpty -r z line '*__READY__*' || exit 1
zpty -w -n z "$3"$'\t'
# then clear the line unrun and print the word
zpty -w z $'\C-u'"print __DO''NE__"
zpty -r z line '*__DONE__*' || exit 1
zpty -d z
[[ -f $out ]] && sort -u $out
exit 0
EOF

reply=
complete_line()
{
	reply=$(timeout 300 zsh -f "$scratch/complete.zsh" "$scratch" "$TOP_SRCDIR/completion" "$1" 2>&1)
}
# result STATUS "what": one check; a failed one shows the candidates.
result()
{
	tap_result "$1" "$2"
	[ "$1" -eq 0 ] || printf '%s\n' "$reply" | sed 's/^/# candidates: /'
}
has()	# has WORD...: each WORD is a candidate
{
	for w; do
		printf '%s\n' "$reply" | grep -qxF -- "$w" || return 1
	done
}
lacks()	# lacks WORD...: no WORD is a candidate
{
	for w; do
		printf '%s\n' "$reply" | grep -qxF -- "$w" && return 1
	done
	return 0
}

complete_line 'dfu-util --'
has --download --upload --list --alt --dfuse-address --verify --skip-unchanged --dry-run \
	--json --sim --sim-state --sim-clock --quirk --transfer-size --detach-delay
result $? "dfu-util --<TAB>: every long option"

complete_line 'dfu-util --sim-clock '
has virtual real
result $? "--sim-clock: virtual and real"

complete_line 'dfu-util --sim '
has stm32f4 dsonano runtime dfu-plain help
result $? "--sim: the built-in profiles from 'dfu-util --sim help'"

complete_line 'dfu-util --sim stm32f4 -a '
has 0 1 2 3 "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg"
result $? "-a on --sim stm32f4: alt numbers and names from -l"

complete_line 'dfu-util --sim stm32f4,dfu-plain -d 1209:2002 -a '
has 0 Flash && lacks 3
result $? "-a follows -d: only the chosen device's alt settings"

complete_line 'dfu-util -D fir'
has firmware.bin
result $? "-D completes file names"

complete_line 'dfu-suffix -'
has -c -a -D -v -p -d -S -h -V && lacks -l
result $? "dfu-suffix: its own options"

complete_line 'dfuse-pack --'
has --build --build-ihex --build-s19 --build-elf --build-uf2 --device --alt-intf --name --dump
result $? "dfuse-pack: its own options"

done_testing
