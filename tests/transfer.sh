#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
# DFU 1.1 download and upload round trips on simulated devices.
. "$TOP_SRCDIR/tests/lib.sh"

fw="$scratch/fw.bin"
back="$scratch/back.bin"

# --- manifestation-tolerant device: 5000 bytes = 4 full 1024-byte blocks + 904
sim_new tolerant
mkdata "$fw" 5000
dfu --sim dfu-plain -D "$fw"
expect_rc 0 "download to a tolerant device"
expect_err '^dfu-util: Warning: Invalid DFU suffix signature$' "a file without suffix gets the classic's warning"
expect_reqs DNLOAD 6 "5 data blocks and the zero-length one"
expect_reqs RESET 0 "a tolerant device needs no reset"
expect_mem "$sim_dir/dev1.mem" 0 5000 "$fw" "device memory holds the file"
# Each data block: GETSTATUS (DNBUSY), wait, GETSTATUS (DNLOAD-IDLE).
# The first GETSTATUS is the one that brings it to dfuIDLE before starting.
gs=$(reqs GETSTATUS)
[ "$gs" -le $((1 + 5 * 2 + 2)) ]
tap_result $? "no GETSTATUS beyond what the protocol needs ($gs)"
grep ' DNLOAD ' "$sim_dir/requests.log" | sed -n 's/.*wValue=\([0-9]*\).*/\1/p' | tr '\n' ' ' > "$scratch/blocks"
[ "$(cat "$scratch/blocks")" = "0 1 2 3 4 5 " ]
tap_result $? "block numbers count from 0 ($(cat "$scratch/blocks"))"
grep ' DNLOAD ' "$sim_dir/requests.log" | sed -n 's/.*wLength=\([0-9]*\).*/\1/p' | tr '\n' ' ' > "$scratch/lens"
[ "$(cat "$scratch/lens")" = "1024 1024 1024 1024 904 0 " ]
tap_result $? "full blocks, a short last one, then zero length ($(cat "$scratch/lens"))"

dfu -Z 5000 -U "$back"
expect_rc 0 "upload 5000 bytes"
expect_same "$fw" "$back" "upload gives back what was downloaded"
rm -f "$back"

dfu -U "$back"
expect_rc 0 "upload until the device sends a short block"
expect_same "$fw" "$back" "the whole image comes back, no more"

# A 1 KiB read from the README's example, on a fresh device.
sim_new readme
dfu --sim dfu-plain -Z 1024 -U "$back.1k"
expect_rc 0 "read 1 KiB from a fresh device"
expect_size "$back.1k" 1024 "exactly 1024 bytes written"
expect_mem "$sim_dir/dev1.mem" 0 1024 "$back.1k" "the bytes are the device's"
ls "$scratch" | grep -q 'back.bin.1k.' && st=1 || st=0
tap_result $st "no temporary file left"

# --- exact multiple of the transfer size: the device needs a short block
# to end an upload, so a 2048-byte image uploads as 1024 + 1024 + 0.
sim_new exact
mkdata "$fw" 2048
dfu --sim dfu-plain -D "$fw"
expect_rc 0 "download a multiple of the transfer size"
expect_reqs DNLOAD 3 "two full blocks and the zero-length one"
rm -f "$back"
dfu -U "$back"
expect_rc 0 "upload of an exact multiple"
expect_same "$fw" "$back" "round trip of an exact multiple"

# --- -t smaller than the device's transfer size
sim_new small
mkdata "$fw" 1000
dfu --sim dfu-plain -t 256 -D "$fw"
expect_rc 0 "download with -t 256"
expect_reqs DNLOAD 5 "four blocks of 256 and the zero-length one"

# --- manifestation-intolerant device: USB reset after manifestation
sim_new intolerant
mkdata "$fw" 3000
dfu --sim dfu-intolerant -D "$fw"
expect_rc 0 "download to an intolerant device"
expect_reqs RESET 1 "a USB reset ends manifestation"
expect_mem "$sim_dir/dev1.mem" 0 3000 "$fw" "intolerant device memory holds the file"
rm -f "$back"
dfu -Z 3000 -U "$back"
expect_rc 0 "upload from the intolerant device after its reset"
expect_same "$fw" "$back" "round trip on the intolerant device"

# --- -R after a tolerant download
sim_new reset
mkdata "$fw" 100
dfu --sim dfu-plain -R -D "$fw"
expect_rc 0 "-R after download"
expect_reqs RESET 1 "-R resets once"
expect_reqs DETACH 0 "no DFU_DETACH to a device in dfuIDLE"

# --- stdin
sim_new stdin
mkdata "$fw" 1500
dfu_io "$fw" /dev/null --sim dfu-plain -D -
expect_rc 0 "download from standard input"
expect_mem "$sim_dir/dev1.mem" 0 1500 "$fw" "stdin bytes reached the device"

# --- DFU 1.0 device
sim_new dfu10
mkdata "$fw" 2500
dfu --sim dfu10 -D "$fw"
expect_rc 0 "download to a DFU 1.0 device"
rm -f "$back"
dfu -Z 2500 -U "$back"
expect_rc 0 "upload from a DFU 1.0 device"
expect_same "$fw" "$back" "round trip on a DFU 1.0 device"

# --- -Z asks for more than the device has: an error, and no file left
sim_new short
mkdata "$fw" 3000
dfu --sim dfu-plain -D "$fw"
expect_rc 0 "a 3000-byte image"
rm -f "$back"
dfu -Z 4000 -U "$back"
expect_rc 65 "-Z 4000 from a 3000-byte image is an error"
[ ! -e "$back" ] && ! ls "$scratch" | grep -Eq '^back\.bin\.[A-Za-z0-9]{6}$'
tap_result $? "... and leaves no file, not even a temporary one"
printf '%s\n' "$out" "$err" | grep -q '3000 bytes.*4000'
tap_result $? "... naming how many bytes came and how many were asked for"
dfu -Z 3000 -U "$back"
expect_rc 0 "-Z with exactly the image size still works"

# --- -U - writes the data to standard output, every message to stderr
rm -f "$back"
dfu_io /dev/null "$back" -U -
expect_rc 0 "-U - uploads to standard output"
expect_same "$fw" "$back" "... stdout holds exactly the image, no message in it"
expect_err 'upload|Upload' "... the messages went to stderr"
[ ! -e "$scratch/-" ]
tap_result $? "... and no file named '-' was created"
if posix_only 4 "no /dev/stdout, no FIFOs"; then
# (the pipeline runs dfu_io in a subshell: its status comes back in a file)
{ dfu_io /dev/null /dev/stdout -U /dev/stdout; echo "$rc" > "$scratch/rc"; } | cat > "$back.pipe"
rc=$(cat "$scratch/rc")
expect_rc 0 "-U /dev/stdout into a pipe"
expect_same "$fw" "$back.pipe" "-U /dev/stdout into a pipe is written, not refused"
mkfifo "$scratch/fifo"
cat "$scratch/fifo" > "$back.fifo" &
catpid=$!
dfu -U "$scratch/fifo"
# A refusal never opens the FIFO, and the reader would wait for ever.
[ "$rc" -eq 0 ] || kill "$catpid" 2>/dev/null
wait "$catpid"
expect_rc 0 "-U to an existing FIFO"
expect_same "$fw" "$back.fifo" "... the reader got the image"
fi
printf 'keep me' > "$back.exists"
dfu -U "$back.exists"
expect_rc 73 "a regular file that exists is still never overwritten"

# --- -R alone on a run-time device: a USB reset, no DFU_DETACH
sim_new rtreset
dfu --sim runtime -R
expect_rc 0 "-R on a run-time device"
expect_reqs RESET 1 "... resets it once"
expect_reqs DETACH 0 "... and sends no DFU_DETACH"
dfu -l
expect_out '^Found Runtime: ' "... which stays in run-time mode"
dfu -e -R
expect_rc 0 "-e -R still detaches"
expect_reqs DETACH 1 "... with one DFU_DETACH"

# --- -Q (Arduino): DFU_DETACH instead of a USB reset after the download
sim_new final
mkdata "$fw" 2000
dfu --sim 'runtime:detach_in_dfu=1' -Q -D "$fw"
expect_rc 0 "-Q after a download"
[ "$(grep -E ' (DETACH|RESET) ' "$sim_dir/requests.log" | tail -n 1 | awk '{print $3}')" = DETACH ]
tap_result $? "... the last request is a DFU_DETACH, not a reset"
[ "$(grep ' DNLOAD ' "$sim_dir/requests.log" | tail -n 1 | cut -d' ' -f1)" -le \
  "$(grep ' DETACH ' "$sim_dir/requests.log" | tail -n 1 | cut -d' ' -f1)" ]
tap_result $? "... sent after the download"
dfu -l
expect_out '^Found Runtime: ' "... and the device started its application"
sim_new final_strict
dfu --sim dfu-plain -Q -R -D "$fw"
expect_rc 0 "-Q on a device that stalls DETACH in DFU mode: the download stands"
expect_reqs RESET 0 "... no USB reset, even with -R"
expect_reqs DETACH 1 "... one DFU_DETACH"
printf '%s\n' "$out" "$err" | grep -q 'DETACH'
tap_result $? "... and a word that the device refused it"

# --- -R after a download, device already gone: success (the classic exits 251)
sim_new gone
dfu --sim 'dfu-plain:attributes=0x0b:after_manifest=vanish' -R -D "$fw"
expect_rc 0 "-R on a device that left by itself after manifestation"
grep -q ' RESET .*GONE' "$sim_dir/requests.log"
tap_result $? "... it was gone when the reset came"

done_testing
