#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
#
# Cross-build dfu-util.exe and the companions for 64-bit Windows with
# MinGW-w64, against a libusb-1.0 cross-built from Debian's own source
# package.  CI (.ci/run) and developers run this same script.
#
#   tests/win/build.sh [BUILD_DIR]
#
# BUILD_DIR defaults to build-mingw in the current directory; the programs
# end up in BUILD_DIR/src, with libusb-1.0.dll copied next to them so that
# they run as they are (under wine, too).
# libusb is built once into ${DFU_MINGW_CACHE:-$HOME/.cache/dfu-util-mingw}
# (not inside the source tree).
#
# Needs gcc-mingw-w64-x86-64 (its -posix variant: winpthreads), make,
# pkg-config, dpkg-dev, and a deb-src line for Debian 12 in the apt
# sources (then apt-get update), for "apt-get source libusb-1.0".
# Extra arguments for our configure go in DFU_MINGW_CONFIGURE
# (default --enable-werror).

set -eu

host=x86_64-w64-mingw32
srcdir=$(cd "$(dirname "$0")/../.." && pwd -P)
build=${1:-build-mingw}
cache=${DFU_MINGW_CACHE:-$HOME/.cache/dfu-util-mingw}
case $cache in /*) ;; *) cache=$PWD/$cache ;; esac
case "$cache/" in
"$srcdir"/*)
	echo "mingw: the cache $cache is inside the source tree $srcdir" >&2
	exit 1 ;;
esac
prefix=$cache/libusb

# The POSIX-thread flavour of the compiler: --json and --all use pthreads.
cc=$host-gcc-posix
command -v "$cc" >/dev/null 2>&1 || cc=$host-gcc
command -v "$cc" >/dev/null 2>&1 || {
	echo "mingw: no $host-gcc (apt-get install gcc-mingw-w64-x86-64)" >&2
	exit 1
}

# ---- libusb-1.0 from Debian's source package, built once
if [ ! -f "$prefix/lib/pkgconfig/libusb-1.0.pc" ]; then
	tmp=$cache/tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	trap 'rm -rf "$tmp"' EXIT
	echo "mingw: apt-get source libusb-1.0"
	(cd "$tmp" && apt-get source -q libusb-1.0 >apt.log 2>&1) || {
		cat "$tmp/apt.log" >&2
		echo "mingw: apt-get source failed; add a deb-src entry for Debian 12, e.g." >&2
		echo "  /etc/apt/sources.list.d/debian-src.sources with" >&2
		echo "  'Types: deb-src', 'URIs: http://deb.debian.org/debian'," >&2
		echo "  'Suites: bookworm', 'Components: main', then apt-get update" >&2
		exit 1
	}
	usbsrc=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'libusb-1.0-*' | head -n 1)
	[ -n "$usbsrc" ] || { echo "mingw: no libusb source unpacked in $tmp" >&2; exit 1; }
	echo "mingw: building $(basename "$usbsrc") for $host into $prefix"
	(cd "$usbsrc" &&
		./configure -q --host=$host --prefix="$prefix" CC="$cc" >../configure.log 2>&1 &&
		make -s -j"$(nproc 2>/dev/null || echo 2)" >../make.log 2>&1 &&
		make -s install >../install.log 2>&1) || {
		tail -n 40 "$tmp"/*.log >&2
		echo "mingw: building libusb failed" >&2
		exit 1
	}
	rm -rf "$tmp"
	trap - EXIT
fi

# ---- dfu-util and the companions
mkdir -p "$build"
cd "$build"
# configure refuses to build elsewhere from a source tree configured in
# place (as README's set-up does): then build from a clean copy of it.
if [ -f "$srcdir/config.status" ]; then
	rm -rf dist-src
	make -s -C "$srcdir" distdir distdir="$PWD/dist-src" >/dev/null
	srcdir=$PWD/dist-src
fi
echo "mingw: configure --host=$host in $PWD"
# Only the cross-built libusb is visible to pkg-config: nothing of the
# build machine's.  cmocka is not cross-built: the unit tests run natively.
PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig
PKG_CONFIG_PATH=
export PKG_CONFIG_LIBDIR PKG_CONFIG_PATH
# winpthreads linked in: the programs need no DLL but libusb-1.0.dll
# (and Windows' own).  -Bstatic stays on to the end of the link line, so
# that the compiler's own libraries, which also use winpthreads and come
# last, take it from the static archive too (system DLLs are linked
# through static import libraries either way).
# shellcheck disable=SC2086 # DFU_MINGW_CONFIGURE is a list of arguments
"$srcdir/configure" -q --host=$host CC="$cc" PKG_CONFIG=pkg-config --without-cmocka \
	LIBS="-Wl,-Bstatic -lwinpthread" \
	${DFU_MINGW_CONFIGURE---enable-werror} >configure.out 2>&1 || {
	cat configure.out >&2
	echo "mingw: configure failed (config.log in $build)" >&2
	exit 1
}
make -s -j"$(nproc 2>/dev/null || echo 2)" >make.out 2>&1 || {
	cat make.out >&2
	echo "mingw: make failed" >&2
	exit 1
}
# Warning-free without -Werror, too (DFU_MINGW_CONFIGURE may drop it).
if grep -q 'warning:' make.out; then
	cat make.out >&2
	echo "mingw: the build has warnings" >&2
	exit 1
fi

# libusb-1.0.dll next to the programs, the one DLL they need that Windows
# does not have.
cp "$prefix/bin/libusb-1.0.dll" src/
for p in dfu-util dfu-suffix dfu-prefix dfuse-pack; do
	[ -f "src/$p.exe" ] || { echo "mingw: src/$p.exe was not built" >&2; exit 1; }
	dlls=$($host-objdump -p "src/$p.exe" | sed -n 's/^[[:space:]]*DLL Name: //p' | tr '\n' ' ')
	for d in $dlls; do
		case $d in
		libusb-1.0.dll|[Kk][Ee][Rr][Nn][Ee][Ll]32.dll|msvcrt.dll|[Aa][Dd][Vv][Aa][Pp][Ii]32.dll) ;;
		*) echo "mingw: $p.exe needs $d, which is not shipped" >&2; exit 1 ;;
		esac
	done
done
echo "mingw: built $(cd src && echo dfu-util.exe dfu-suffix.exe dfu-prefix.exe dfuse-pack.exe) in $PWD/src"
