#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
#
# Fill the VM tier's kernel cache: Debian's linux-image-6.12.*+deb12-amd64
# (bookworm-security), its USB gadget modules decompressed for busybox
# insmod, and the kernel as an uncompressed ELF (a bzImage boot spends
# about 3 s decompressing itself under TCG).
#
#   tests/vm/fetch-kernel.sh [CACHE_DIR]
#
# CACHE_DIR defaults to ${DFU_VM_CACHE:-$HOME/.cache/dfu-util-vm}; it must
# not be inside the source tree.  Needs apt-get (run apt-get update first
# if the package is unknown), dpkg-deb, xz and zstd.  Idempotent.

set -eu

cache=${1:-${DFU_VM_CACHE:-$HOME/.cache/dfu-util-vm}}
kdir=$cache/kernel

# never inside the source tree: nothing of it may be committed or distributed
srctree=$(cd "$(dirname "$0")/../.." && pwd -P)
case $cache in /*) ;; *) cache=$PWD/$cache ;; esac
case "$cache/" in
"$srctree"/*)
	echo "fetch-kernel: the cache $cache is inside the source tree $srctree" >&2
	exit 1 ;;
esac

# In dependency order: the order /init loads them in.
MODULES="usb-common usbcore udc-core dummy_hcd configfs libcomposite usb_f_fs"

if [ -f "$kdir/ready" ]; then
	echo "fetch-kernel: cache ready: $kdir ($(cat "$kdir/release"))"
	exit 0
fi

# The newest signed 6.12 image for amd64; -rt, -dbg and -unsigned are other flavours.
pkg=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' |
	awk '{print $1}' | sort -V | tail -n 1)
if [ -z "$pkg" ]; then
	echo "fetch-kernel: no linux-image-6.12.*+deb12-amd64 package known to apt" >&2
	echo "  enable bookworm-security in the apt sources and run apt-get update" >&2
	exit 1
fi

tmp=$cache/tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp/root"
trap 'rm -rf "$tmp"' EXIT
echo "fetch-kernel: downloading $pkg"
# apt-get download writes into the current directory; the cache may be
# where the _apt user cannot write, so do not switch to it.
(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null)
deb=$(ls "$tmp"/*.deb)
dpkg-deb -x "$deb" "$tmp/root"

release=${pkg#linux-image-}
vmlinuz=$tmp/root/boot/vmlinuz-$release
moddir=$tmp/root/lib/modules/$release
[ -f "$vmlinuz" ] || { echo "fetch-kernel: $vmlinuz missing in $pkg" >&2; exit 1; }

mkdir -p "$tmp/out/modules"
for m in $MODULES; do
	# module file names use either - or _; find accepts both through a glob
	pat=$(echo "$m" | sed 's/[-_]/[-_]/g')
	f=$(find "$moddir" -name "$pat.ko*" | head -n 1)
	if [ -z "$f" ]; then
		if grep -q "/$(echo "$m" | sed 's/[-_]/[-_]/g')\.ko" "$moddir/modules.builtin" 2>/dev/null; then
			continue	# built in: nothing to load
		fi
		echo "fetch-kernel: module $m not found in $pkg" >&2
		exit 1
	fi
	case $f in
	*.xz) xz -dc "$f" >"$tmp/out/modules/$m.ko" ;;
	*.zst) zstd -qdc "$f" >"$tmp/out/modules/$m.ko" ;;
	*) cp "$f" "$tmp/out/modules/$m.ko" ;;
	esac
	echo "$m" >>"$tmp/out/modules/order"
done

# The bzImage carries the kernel as one compressed ELF: find the zstd (or
# xz) magic and decompress from there; the check below rejects a miss.
extract_elf() {
	for magic in '(\x28\xb5\x2f\xfd)' '(\xfd\x37\x7a\x58\x5a\x00)'; do
		for off in $(LC_ALL=C grep -obaP "$magic" "$1" 2>/dev/null | cut -d: -f1); do
			case $magic in
			*28*) tail -c +$((off + 1)) "$1" | zstd -qdc >"$2" 2>/dev/null || true ;;
			*) tail -c +$((off + 1)) "$1" | xz -qdc >"$2" 2>/dev/null || true ;;
			esac
			if [ "$(head -c 4 "$2" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
				return 0
			fi
		done
	done
	return 1
}
if extract_elf "$vmlinuz" "$tmp/out/vmlinux"; then
	echo "fetch-kernel: extracted the uncompressed kernel"
else
	echo "fetch-kernel: no ELF payload found; booting the bzImage instead"
	rm -f "$tmp/out/vmlinux"
fi
cp "$vmlinuz" "$tmp/out/vmlinuz"
echo "$release" >"$tmp/out/release"
echo "$pkg" >"$tmp/out/package"
touch "$tmp/out/ready"

rm -rf "$kdir"
mv "$tmp/out" "$kdir"
echo "fetch-kernel: cache ready: $kdir ($release)"
