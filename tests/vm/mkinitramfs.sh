#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
#
# Build the VM tier's initramfs (a newc cpio, uncompressed: the kernel
# reads it faster than it would decompress it under TCG).
#
#   tests/vm/mkinitramfs.sh OUT.cpio KERNEL_DIR SRC_VM_DIR FILE=DEST...
#
# KERNEL_DIR is the cache's kernel directory (modules/ and modules/order);
# SRC_VM_DIR holds init and scenarios.sh; each FILE=DEST copies an
# executable to DEST in the image together with every library ldd lists
# for it (a directory is copied as it is).  Needs busybox-static.

set -eu

out=$1
kdir=$2
vmdir=$3
shift 3

busybox=$(command -v busybox || true)
[ -n "$busybox" ] || { echo "mkinitramfs: busybox not found (install busybox-static)" >&2; exit 1; }
if ldd "$busybox" >/dev/null 2>&1; then
	echo "mkinitramfs: $busybox is dynamically linked; install busybox-static" >&2
	exit 1
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/dfu-vm-root.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/proc" \
	"$root/sys" "$root/dev" "$root/tmp" "$root/run" "$root/lib/modules" "$root/opt"
cp "$busybox" "$root/bin/busybox"
cp "$kdir"/modules/*.ko "$kdir/modules/order" "$root/lib/modules/"
cp "$vmdir/init" "$root/init"
cp "$vmdir/scenarios.sh" "$root/scenarios.sh"
chmod 755 "$root/init" "$root/scenarios.sh"

# copy FILE to DEST in the image, and its libraries to where ldd found them
add_exe() {
	mkdir -p "$root$(dirname "$2")"
	cp -L "$1" "$root$2"
	chmod 755 "$root$2"
	ldd "$1" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p' |
	while read -r lib; do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
for spec in "$@"; do
	if [ -d "${spec%%=*}" ]; then
		mkdir -p "$root${spec#*=}"
		cp -R "${spec%%=*}/." "$root${spec#*=}/"
	else
		add_exe "${spec%%=*}" "${spec#*=}"
	fi
done

# busybox's cpio, so that the host needs no cpio package; owned by root
(cd "$root" && find . | LC_ALL=C sort | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) >"$out"
