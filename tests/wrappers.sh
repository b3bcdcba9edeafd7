#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
#
# The programs that run dfu-util for their users decide success, failure,
# progress and even the flash address by matching its text.  Each check
# below applies one wrapper's match (its substring or regular expression,
# on the stream it reads: stdout, stderr, or both merged) to our output on
# simulated devices, for successful and failing runs.  The wrappers, files
# and matches are those of issue 10 and its research note; man/dfu-util.1,
# OUTPUT FOR SCRIPTS, lists the lines this keeps stable.
. "$TOP_SRCDIR/tests/lib.sh"

F4=0483:df11
# The one stderr line allowed besides errors: the notice that the simulated
# backend is in use (wrappers never select it).
SIM_NOTICE='^dfu-util: using simulated USB devices'

# Both streams merged in one run, as wrappers with stderr=STDOUT read them.
merged()
{
	run_merged "$DFU_UTIL" --sim-state "$sim_dir" "$@"
}

# stderr without the simulator notice
err_real() { printf '%s\n' "$err" | grep -v -- "$SIM_NOTICE" | grep -v '^$' || true; }

# stdout (or $1) split on CR and LF into lines, as line-based readers see it
crlf_lines() { printf '%s\n' "${1-$out}" | tr '\r' '\n'; }

# Progress pieces: the text between one CR and the next CR or LF.
progress_pieces() { crlf_lines "${1-$out}" | grep -E '^(Download|Upload|Erase   )	\['; }

mkdata "$scratch/fw.bin" 40000
fw="$scratch/fw.bin"
# the same with a DFU suffix (any device): a successful run has an empty stderr
: "${MKSUFFIX:?MKSUFFIX must point at tests/mksuffix}"
step "$MKSUFFIX" "$fw" "$scratch/fw-sfx.bin" ffff ffff
fw_sfx="$scratch/fw-sfx.bin"

# ------------------------------------------------------------- -l and -V

# QMK (platforms/chibios/flash.mk): dfu-util -l | grep -q "Found DFU"
sim_new qmk
dfu --sim stm32f4 -l
expect_rc 0 "QMK: -l"
printf '%s\n' "$out" | grep -q "Found DFU"
tap_result $? "QMK flash.mk: grep -q 'Found DFU' on stdout"
expect_quiet "-l with a device"

# -l with nothing to find: exit 0 and silence on stderr (Zephyr, Particle,
# OpenMV, Arduino Lab, pybricksdev, arduino101load poll it).
# (an STM32 that left DFU mode for its application is no DFU device any more)
sim_new nothing
dfu --sim stm32f4 -s :leave
expect_rc 0 "leave DFU mode"
dfu -l
expect_rc 0 "-l finding nothing"
expect_quiet "-l finding nothing"
[ -z "$(printf '%s' "$out" | grep -v '^simulated:')" ]
tap_result $? "-l finding nothing says nothing"
dfu -l -v
expect_msg 'nothing found' "-l -v says nothing was found"

# qmk doctor: `dfu-util --version`, streams merged, split('\n')[0].split()[1]
run_merged "$DFU_UTIL" --version
expect_rc 0 "qmk doctor / pybricksdev / Oopsy: --version"
first=$(printf '%s\n' "$out" | head -n 1)
printf '%s\n' "$first" | grep -Eq '^dfu-util [0-9][^ ]*$'
tap_result $? "qmk doctor: first line is 'dfu-util VERSION' ($first)"
run_merged "$DFU_UTIL" -V
expect_rc 0 "-V"
printf '%s\n' "$out" | head -n 1 | grep -Eq '^dfu-util [0-9]'
tap_result $? "-V: first line 'dfu-util VERSION'"

# Zephyr west (runners/dfu.py): check_output(dfu-util -d,VID:PID -l),
# then ', alt=N,' or ', name="ALT",' in it.
sim_new zephyr
dfu --sim stm32f4 -d,$F4 -l
expect_rc 0 "Zephyr: -d,VID:PID -l"
printf '%s\n' "$out" | grep -qF ', alt=0,'
tap_result $? "Zephyr: ', alt=0,' on stdout"
printf '%s\n' "$out" | grep -qF ', name="@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg",'
tap_result $? "Zephyr: ', name=\"...\",' on stdout, the alt name verbatim"

# pybricksdev (dfu.py): lines startswith "Found DFU:", [vid:pid] lowercase,
# 'ver=' + exactly 4 hex digits (bcdDevice picks the boot loader size)
sim_new pybricks
dfu --sim stm32f4:vendor=0x0694:product=0x0011:bcd_device=0x0300 --list
expect_rc 0 "pybricksdev: --list"
line=$(printf '%s\n' "$out" | grep '^Found DFU:' | head -n 1)
id=${line#*[}; id=${id%%]*}
[ "$id" = "0694:0011" ]
tap_result $? "pybricksdev: text between the first [ and ] is lowercase vid:pid ($id)"
ver=${line#*ver=}; ver=$(printf '%.4s' "$ver")
[ "$ver" = "0300" ]
tap_result $? "pybricksdev: 4 hex digits after ver= ($ver)"

# HARDWARIO bcf (flasher/dfu.py): --list, 'Found DFU:' lines, the last
# whitespace-separated token is serial="..."
sim_new bcf-list
dfu --sim stm32f4 --list
last=$(printf '%s\n' "$out" | grep '^Found DFU:' | head -n 1 | awk '{ print $NF }')
[ "$last" = 'serial="315A28A0B956"' ]
tap_result $? "HARDWARIO bcf: serial=\"...\" is the last token ($last)"

# OpenMV IDE (dfu-util.cpp getDevices): -l merged, exit 0, split on \r\n,
# Found DFU: \[([A-Fa-f0-9:]+)\].+?alt=0.+?serial="(.+?)"
sim_new openmv-list
merged --sim stm32f4 -l
expect_rc 0 "OpenMV: -l (streams merged)"
crlf_lines | grep -Eq 'Found DFU: \[[A-Fa-f0-9:]+\].+alt=0.+serial=".+"'
tap_result $? "OpenMV: its device regex matches"

# Particle CLI (dfu.js): -l exit 0; 'Found DFU' lines; greedy \[(.*:.*)\]
# is a key of its lower-case table ("2b04:d006")
sim_new particle
dfu --sim stm32f4:vendor=0x2b04:product=0xd006 -l
expect_rc 0 "Particle: -l"
key=$(printf '%s\n' "$out" | grep 'Found DFU' | head -n 1 | sed -n 's/^[^[]*\[\(.*:.*\)\].*$/\1/p')
[ "$key" = "2b04:d006" ]
tap_result $? "Particle: greedy bracket regex gives the lower-case key ($key)"

# Arduino Lab MicroPython installer (dfuDeviceFinder.js): -l rejected on any
# stderr; Found DFU: \[(\d{4}):(\d{4})\]
sim_new arduino-list
dfu --sim stm32f4:vendor=0x2341:product=0x0368 -l
expect_rc 0 "Arduino Lab: -l"
expect_quiet "Arduino Lab: -l"
printf '%s\n' "$out" | grep -Eq 'Found DFU: \[[0-9]{4}:[0-9]{4}\]'
tap_result $? "Arduino Lab: its decimal-digit id regex matches"

# arduino101load: -d,8087:0ABA -l must exit 0 and show the alt name
sim_new curie
dfu --sim dfu-plain:vendor=0x8087:product=0x0aba:alt=x86_app:alt=sensor_core -d,8087:0ABA -l
expect_rc 0 "Arduino 101: -d,8087:0ABA -l"
printf '%s\n' "$out" | grep -q sensor_core
tap_result $? "Arduino 101: 'sensor_core' in the list"

# NumWorks-family makefiles: dfu-util -l | grep "0483:a291"; grep "Internal Flash"
sim_new numworks
dfu --sim stm32f4:product=0xa291 -l
printf '%s\n' "$out" | grep -q "0483:a291" && printf '%s\n' "$out" | grep -q "Internal Flash"
tap_result $? "NumWorks: grep 0483:a291 and 'Internal Flash' on stdout"

# Rust/Tauri configurator: found (dfu|runtime), [vid:pid], devnum=, alt=
sim_new rust-list
dfu --sim runtime,dfu-plain -l
printf '%s\n' "$out" | grep -Eiq 'found runtime' && printf '%s\n' "$out" | grep -Eiq 'found dfu'
tap_result $? "Rust app: found (dfu|runtime), both kinds"
printf '%s\n' "$out" | grep '^Found' | grep -Ev '\[[[:xdigit:]]+:[[:xdigit:]]+\].*devnum=[0-9]+.*alt=[0-9]+' |
	grep -q . && r=1 || r=0
tap_result $r "Rust app: every line has [vid:pid], devnum=N and alt=N"

# A device the user may not open: listed, the classic's line on stderr,
# exit 0 (Particle offers udev rules on 'Cannot open DFU device').
sim_new noaccess
dfu --sim stm32f4:no_access=1 -l
expect_rc 0 "-l with a device that cannot be opened"
printf '%s\n' "$err" | grep -q 'Cannot open DFU device'
tap_result $? "Particle: 'Cannot open DFU device' on stderr"
expect_err "^dfu-util: Cannot open DFU device $F4 found on devnum [0-9]+ \\(access denied\\)\$" \
	"the classic's words, with vid:pid and devnum"

# ------------------------------------------------------------- flashing

# HARDWARIO bcf: merged streams read byte by byte; after each tab the
# characters 29-31 are the percentage, 32 is '%'; success needs
# "File downloaded successfully", the exit status is ignored.
sim_new bcf
merged --sim stm32f4 -s 0x08000000:leave -d $F4 -a 0 -D "$fw"
expect_rc 0 "HARDWARIO bcf: -s 0x08000000:leave -D"
printf '%s' "$out" | grep -qF 'File downloaded successfully'
tap_result $? "HARDWARIO bcf: 'File downloaded successfully' in the output"
bad=$(printf '%s' "$out" | awk 'BEGIN { RS = "\t" } NR > 1 && /^\[/ {
	p = substr($0, 29, 3); if (p !~ /^[ 0-9][ 0-9][0-9]$/ || substr($0, 32, 1) != "%") print }' | head -n 1)
[ -z "$bad" ]
tap_result $? "HARDWARIO bcf: percent digits at columns 29-31 after the tab, '%' at 32"
pct=$(printf '%s' "$out" | awk 'BEGIN { RS = "\t" } NR > 1 && /^\[/ { print substr($0, 29, 3) + 0 }' |
	sort -n -u | tr '\n' ' ')
case "$pct" in *" 100 "*) r=0 ;; *) r=1 ;; esac
[ "$(printf '%s\n' $pct | wc -l)" -ge 3 ] || r=1
tap_result $r "HARDWARIO bcf: percentages move up to 100 ($pct)"

# The classic layout, byte for byte: \r LABEL \t [ 25 ] %3d%% %12d bytes,
# then "\nLABEL done.\n"; Erase padded to 8.
sim_new layout
dfu --sim stm32f4 -a 0 -s 0x08000000 -D "$fw"
expect_rc 0 "DfuSe download (layout)"
n=$(progress_pieces | grep -Evc '^(Download|Upload|Erase   )	\[[= ]{25}\] [ 0-9]{2}[0-9]% [ 0-9]{11}[0-9] bytes$')
[ "$n" -eq 0 ]
tap_result $? "every progress piece has the classic layout ($n do not)"
printf '%s' "$out" | head -c 1 | od -An -c | grep -q '\\r'
tap_result $? "the first progress piece starts with a carriage return"
printf '%s\n' "$out" | grep -qx 'Erase    done.' && printf '%s\n' "$out" | grep -qx 'Download done.'
tap_result $? "'Erase    done.' and 'Download done.' lines"
printf '%s\n' "$out" | tr '\r' '\n' | grep -q '^Erase   	\[=========================\] 100%        49152 bytes$'
tap_result $? "Erase at 100% shows the bytes erased"
printf '%s\n' "$out" | tr '\r' '\n' | grep -q '^Download	\[=========================\] 100%        40000 bytes$'
tap_result $? "Download at 100% shows the bytes written"

# Suffix warnings: exactly the classic's two lines, and nothing else
expect_rc 0 "a raw binary without DFU suffix"
[ "$(err_real)" = "dfu-util: Warning: Invalid DFU suffix signature
dfu-util: A valid DFU suffix will be required in a future dfu-util release" ]
tap_result $? "Arduino Lab: stderr.trim() is exactly the two suffix lines"

# Arduino Lab installer: -a 0 -d VID:PID -D f --dfuse-address=OFF:leave;
# any stderr but the two suffix lines is a failure
sim_new arduino
dfu --sim stm32f4:vendor=0x2341:product=0x0368 -a 0 -d 2341:0368 -D "$fw_sfx" --dfuse-address=0x08040000:leave
expect_rc 0 "Arduino Lab: flash with :leave"
expect_quiet "Arduino Lab: a file with a suffix"

# Particle CLI: -d vid:pid -a 0 -i 0 -s ADDR:leave -D bin;
# stdout 'File downloaded successfully'
sim_new particle-flash
dfu --sim stm32f4:vendor=0x2b04:product=0xd006 -d 2b04:d006 -a 0 -i 0 -s 0x08020000:leave -D "$fw"
expect_rc 0 "Particle: flash"
printf '%s\n' "$out" | grep -q 'File downloaded successfully'
tap_result $? "Particle / Oopsy: 'File downloaded successfully' on stdout"

# Oopsy: on exit 0 any stderr is 'oopsy dfu error' (a file with a suffix)
sim_new oopsy
dfu --sim stm32f4 -a 0 -s 0x08000000:leave -D "$fw_sfx" -d ,$F4
expect_rc 0 "Oopsy: flash"
expect_quiet "Oopsy: exit 0 with an empty stderr"

# EdgeTX / OpenTX Companion: stdout chunks with "Download\t[" or
# "Upload\t[": the 3 characters before the first '%' are the percentage
sim_new edgetx
dfu --sim stm32f4 -a 0 --dfuse-address 0x08000000 --device $F4 -D"$fw"
expect_rc 0 "EdgeTX: -D<file>"
bad=$(progress_pieces | grep -F "Download	[" | sed 's/%.*//' |
	awk '{ p = substr($0, length($0) - 2) } p !~ /^[ 0-9][ 0-9][0-9]$/ { print }' | head -n 1)
[ -z "$bad" ] && printf '%s\n' "$out" | grep -qF "Download	["
tap_result $? "EdgeTX: "Download TAB [" and a right-aligned percentage before '%'"
dfu --sim stm32f4 -a 0 --dfuse-address 0x08000000:65536 --device $F4 -U"$scratch/edgetx-up.bin"
expect_rc 0 "EdgeTX: -U<file> with ADDR:LENGTH"
progress_pieces | grep -F "Upload	[" | grep -q ' 100% '
tap_result $? "EdgeTX / OpenTX: "Upload TAB [" up to 100%"
printf '%s\n' "$out" | grep -qx 'Upload done.'
tap_result $? "'Upload done.'"
expect_quiet "an upload"

# OpenMV IDE downloadFirmware: -w -d ,DEV -D f, both streams split on
# [\r\n]: lines starting Erase or Download redraw the progress
sim_new openmv
merged --sim stm32f4 -w -d ,$F4 -a 0 -s 0x08000000:leave -D "$fw"
expect_rc 0 "OpenMV: -w -d ,DEV -D"
crlf_lines | grep -q '^Erase' && crlf_lines | grep -q '^Download'
tap_result $? "OpenMV: lines starting 'Erase' and 'Download'"

# Rust configurator: progress split on \r/\n:
# ([[:alpha:]]+)\s+\[[^]]+\]\s+(\d+)%\s+(\d+)\s+bytes, Erase and Download
sim_new rust
dfu --sim stm32f4 -a 0 -s 0x08000000 -D "$fw"
crlf_lines | grep -Eq '^Erase[[:space:]]+\[[^]]+\][[:space:]]+[0-9]+%[[:space:]]+[0-9]+[[:space:]]+bytes' &&
	crlf_lines | grep -Eq '^Download[[:space:]]+\[[^]]+\][[:space:]]+[0-9]+%[[:space:]]+[0-9]+[[:space:]]+bytes'
tap_result $? "Rust app: its progress regex matches Erase and Download"

# leaphy dfu-util-wasm: -D sketch.bin -R; stdout line
# 'Resetting USB to switch back to Run-Time mode' is its only success signal
sim_new wasm
dfu --sim dfu-plain -D "$fw" -R
expect_rc 0 "leaphy wasm: -D -R"
printf '%s\n' "$out" | grep -qF 'Resetting USB to switch back to Run-Time mode'
tap_result $? "leaphy wasm: the -R line on stdout"
expect_reqs RESET 1 "the device was reset"

# Plain DFU, with a suffix: a successful run leaves stderr empty
sim_new plain
dfu --sim dfu-plain -D "$fw_sfx"
expect_rc 0 "plain DFU download of a suffixed file"
expect_quiet "plain DFU download of a suffixed file"
progress_pieces | grep -q '^Download	\[=========================\] 100%'
tap_result $? "plain DFU: Download bar at 100%"

# ------------------------------------------------------------- failures

# No device: the classic's words on stderr, exit 74 (stm32duino retries on
# 74; HARDWARIO bcf and Oopsy read the words; kiibohd, Chrysalis: 74)
sim_new none
dfu --sim dfu-plain -d 1eaf:0003 -a 2 -D "$fw" -R
expect_rc 74 "stm32duino maple_upload: no device"
printf '%s\n' "$err" | grep -q 'No DFU capable USB device available'
tap_result $? "HARDWARIO bcf / Oopsy: 'No DFU capable USB device available' on stderr"
expect_err '^dfu-util: No DFU capable USB device available$' "... as the classic's whole line"
printf '%s\n%s\n' "$out" "$err" | grep -q 'No DFU capable USB device found'
[ $? -ne 0 ]
tap_result $? "EdgeTX: not the 0.7 wording 'No DFU capable USB device found'"

# Nothing on the bus at all
sim_new empty
dfu --sim dfu-plain -d ,0483:df11 -s 0x08000000:leave -D "$fw"
expect_rc 74 "no DFU device at all"
expect_err '^dfu-util: No DFU capable USB device available$' "the classic's line"

# A device that cannot be opened (no udev rule): Particle and HARDWARIO bcf
sim_new noaccess-flash
merged --sim stm32f4:no_access=1 -s 0x08000000:leave -d $F4 -a 0 -D "$fw"
expect_rc 74 "a device that cannot be opened"
printf '%s\n' "$out" | grep -q "Cannot open DFU device $F4"
tap_result $? "HARDWARIO bcf: 'Cannot open DFU device 0483:df11' in the output"
dfu --sim stm32f4:no_access=1 -s 0x08000000:leave -d $F4 -a 0 -D "$fw"
expect_err "^dfu-util: Cannot open DFU device $F4 found on devnum [0-9]+ \\(access denied\\)\$" \
	"the classic's words on stderr"
expect_err '^  .*udev' "then our hint"

# A transfer that fails half way: the bar's line is ended on stdout, the
# error is on stderr, and no "done." line claims success
sim_new broken
dfu --sim 'stm32f4:fault=gone@DNLOAD#16' -a 0 -s 0x08000000 -D "$fw"
expect_rc 74 "device lost during the download"
# (the last piece of the bar's line, after its last CR)
printf '%s\n' "$out" | grep 'Download	' | awk -F'\r' '{ print $NF }' |
	grep -q '^Download	\[=.*\]  [1-9][0-9]%  *[0-9]* bytes$'
tap_result $? "the interrupted bar shows where it stopped, and its line is ended"
printf '%s\n' "$out" | grep -q 'Download done.'
[ $? -ne 0 ]
tap_result $? "no 'Download done.' after a failure"
printf '%s\n' "$out" | grep -q 'File downloaded successfully'
[ $? -ne 0 ]
tap_result $? "no 'File downloaded successfully' after a failure"
expect_err '^dfu-util: error: device lost' "the error on stderr, prefixed"

# Usage and input errors: 64 and 66, on stderr
sim_new usage
dfu --sim dfu-plain --no-such-option
expect_rc 64 "an unknown option"
[ -n "$(err_real)" ]
tap_result $? "the usage error is on stderr"
dfu --sim dfu-plain -D "$scratch/no-such-file.bin"
expect_rc 66 "a missing input file"
expect_err '^dfu-util: ' "the error is on stderr, prefixed 'dfu-util: '"

done_testing
