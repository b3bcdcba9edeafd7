#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
#
# Boot the VM tier once and print its console (the "@@ " lines are the
# results; tests/vm.sh turns them into TAP).
#
#   tests/vm/run.sh [NAME=VALUE...]
#
# NAME=VALUE words go to the VM's /init as environment (dfuvm_only=NAME
# runs one scenario, dfuvm_dfuse=0 skips the DfuSe ones).
#
# Environment:
#   DFU_UTIL          our dfu-util (required)
#   DFU_GADGET        tests/gadget/dfu-gadget (required)
#   UEVENT_RELAY      tests/vm/uevent-relay (required)
#   DFUSE_PACK        dfuse-pack, to make the .dfu test file (optional)
#   STOPWATCH         tests/vm/stopwatch, for the timing of ours against
#                     classic (default: next to UEVENT_RELAY; optional)
#   DFU_UTIL_CLASSIC  the reference client (default /usr/bin/dfu-util, optional)
#   DFU_VM_CACHE      the kernel cache (default $HOME/.cache/dfu-util-vm)
#   QEMU              default qemu-system-x86_64
#   DFU_VM_TIMEOUT    seconds before the VM is killed (default 600)
#   DFU_VM_ICOUNT     1: QEMU -icount shift=0,sleep=off, so that the guest's
#                     clock counts its instructions (a nanosecond each) and
#                     its sleeps, not the host's time: timings that do not
#                     depend on the host's load (the boot takes longer)
#
# Exit status: QEMU's (0 when /init powered off), 124 on the timeout.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${DFU_VM_CACHE:-$HOME/.cache/dfu-util-vm}
kdir=$cache/kernel
qemu=${QEMU:-qemu-system-x86_64}
classic=${DFU_UTIL_CLASSIC:-/usr/bin/dfu-util}

for v in DFU_UTIL DFU_GADGET UEVENT_RELAY; do
	eval "f=\${$v:-}"
	if [ -z "$f" ] || [ ! -x "$f" ]; then
		echo "run.sh: $v must name an executable (got '$f')" >&2
		exit 2
	fi
done
[ -f "$kdir/ready" ] || { echo "run.sh: no kernel in $kdir; run tests/vm/fetch-kernel.sh" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/dfu-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# Test data made here, where the project's own tools run.
mkdir -p "$work/data"
if [ -n "${DFUSE_PACK:-}" ] && [ -x "$DFUSE_PACK" ]; then
	dd if=/dev/urandom of="$work/data/e1.bin" bs=1024 count=6 2>/dev/null
	dd if=/dev/urandom of="$work/data/e2.bin" bs=1000 count=3 2>/dev/null
	if ! "$DFUSE_PACK" -b "0x08004000:$work/data/e1.bin" -b "0x08010000:$work/data/e2.bin" \
		"$work/data/two.dfu" >"$work/pack.log" 2>&1; then
		echo "run.sh: dfuse-pack failed:" >&2
		cat "$work/pack.log" >&2
		rm -f "$work/data/two.dfu"
	fi
fi

set -- "$@"
extra=
[ -x "$classic" ] && extra="$classic=/opt/classic/dfu-util"
stopwatch=${STOPWATCH:-$(dirname "$UEVENT_RELAY")/stopwatch}
[ -x "$stopwatch" ] && extra="$extra $stopwatch=/opt/stopwatch"
# shellcheck disable=SC2086
sh "$here/mkinitramfs.sh" "$work/initrd.cpio" "$kdir" "$here" \
	"$DFU_UTIL=/opt/new/dfu-util" "$DFU_GADGET=/opt/dfu-gadget" \
	"$UEVENT_RELAY=/opt/uevent-relay" "$work/data=/opt/data" $extra

kernel=$kdir/vmlinux
[ -f "$kernel" ] || kernel=$kdir/vmlinuz

icount=
if [ "${DFU_VM_ICOUNT:-0}" = 1 ]; then
	icount="-icount shift=0,sleep=off"
	set -- "$@" dfuvm_clock=icount
fi

# TCG only: KVM on these machines is nested and hangs Debian kernels early.
status=0
# shellcheck disable=SC2086
timeout "${DFU_VM_TIMEOUT:-600}" "$qemu" -accel tcg $icount -m 512 -smp 1 \
	-kernel "$kernel" -initrd "$work/initrd.cpio" \
	-nic none -no-reboot -nographic -monitor none \
	-append "console=ttyS0 quiet panic=-1 $*" </dev/null || status=$?
exit $status
