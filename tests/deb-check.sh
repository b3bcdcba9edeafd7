#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
#
# Build a Debian package from the "make dist" tarball with a neutral
# packaging template (no file but the generic debian/ skeleton below: the
# tarball's "make install" must put everything in place), check it with
# lintian, and install it.  "make deb-check" runs it; so does .ci/run.
#
#   tests/deb-check.sh TARBALL [--install=private|system]
#
# --install=private (the default) unpacks the package with dpkg into a
# private root (its own dpkg database), which needs no privileges and leaves
# the machine alone.  --install=system installs it on this machine with
# apt-get (as root, or through "sudo -n apt-get"), checks it, then puts back
# whatever dfu-util package was installed before (Debian's classic one is
# the suite's reference client).
# Environment: DEB_CHECK_DIR (work directory, default a new temporary one,
# removed at the end unless DEB_CHECK_KEEP=1), DEB_BUILD_OPTIONS (default
# "nocheck": CI runs the suite separately; set it empty to run it in the
# build too).
set -eu

tarball=${1:?usage: deb-check.sh TARBALL [--install=private|system]}
install=private
case ${2:-} in
'') ;;
--install=private | --install=system) install=${2#--install=} ;;
*) echo "deb-check: unknown argument '$2'" >&2; exit 2 ;;
esac
case $tarball in /*) ;; *) tarball=$(pwd)/$tarball ;; esac

for t in dpkg-buildpackage dh lintian; do
	command -v $t >/dev/null 2>&1 || {
		echo "deb-check: $t is missing (apt-get install dpkg-dev debhelper lintian)" >&2
		exit 1
	}
done

name=$(basename "$tarball" .tar.gz)	# dfu-util-0.12.0
version=${name#dfu-util-}
work=${DEB_CHECK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/deb-check.XXXXXX")}
case $work in /*) ;; *) work=$(pwd)/$work ;; esac
[ "${DEB_CHECK_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"
cd "$work"
cp "$tarball" "dfu-util_$version.orig.tar.gz"
tar xzf "dfu-util_$version.orig.tar.gz"
src=$work/$name
mkdir -p "$src/debian/source" "$src/debian/tests"

# ---------------------------------------------------------------- template
echo "3.0 (quilt)" >"$src/debian/source/format"

cat >"$src/debian/changelog" <<EOF
dfu-util ($version-1) unstable; urgency=medium

  * Built from the upstream release tarball with a neutral template.

 -- ${DEBFULLNAME:-dfu-util packaging template} <${DEBEMAIL:-packaging@dfu-util.example.org}>  $(date -R)
EOF

cat >"$src/debian/control" <<EOF
Source: dfu-util
Section: electronics
Priority: optional
Maintainer: ${DEBFULLNAME:-dfu-util packaging template} <${DEBEMAIL:-packaging@dfu-util.example.org}>
Build-Depends: debhelper-compat (= 13),
               pkgconf,
               libusb-1.0-0-dev,
               libcmocka-dev <!nocheck>,
               bash-completion
Standards-Version: 4.6.2
Homepage: https://github.com/dfu-util/dfu-util
Rules-Requires-Root: no

Package: dfu-util
Architecture: linux-any
Depends: \${shlibs:Depends}, \${misc:Depends}
Description: Device Firmware Upgrade (DFU) USB programmer
 dfu-util writes firmware into USB devices that implement the Device
 Firmware Upgrade class (DFU 1.0 and 1.1) and reads it back, including
 the DfuSe extension of the STM32 boot loaders.  A whole job is checked
 against the device's memory map before the first erase.
 .
 Also included: dfu-suffix, dfu-prefix and dfuse-pack, which add, check
 and remove DFU file suffixes and vendor prefixes and build DfuSe images;
 a udev rule giving the logged-in user access to DFU devices; bash
 completion; and a simulated DFU device for trying the tools without
 hardware.
EOF

cat >"$src/debian/rules" <<'EOF'
#!/usr/bin/make -f
export DEB_BUILD_MAINT_OPTIONS = hardening=+all

%:
	dh $@

# The suite must not see a VM tier it cannot run here.
override_dh_auto_test:
	DFU_VM_SKIP=1 dh_auto_test
EOF
chmod +x "$src/debian/rules"

cat >"$src/debian/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: dfu-util
Upstream-Contact: https://github.com/dfu-util/dfu-util/issues
Source: https://github.com/dfu-util/dfu-util

Files: *
Copyright: 2026 The dfu-util authors
License: GPL-2.0-or-later

Files: doc/io.github.dfu_util.dfu_util.metainfo.xml
Copyright: 2026 The dfu-util authors
License: FSFAP

License: GPL-2.0-or-later
 This program is free software; you can redistribute it and/or modify
 it under the terms of the GNU General Public License as published by
 the Free Software Foundation; either version 2 of the License, or
 (at your option) any later version.
 .
 This program is distributed in the hope that it will be useful,
 but WITHOUT ANY WARRANTY; without even the implied warranty of
 MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
 GNU General Public License for more details.
 .
 On Debian systems, the complete text of the GNU General Public License
 version 2 can be found in /usr/share/common-licenses/GPL-2.

License: FSFAP
 Copying and distribution of this file, with or without modification,
 are permitted in any medium without royalty provided the copyright
 notice and this notice are preserved.  This file is offered as-is,
 without any warranty.
EOF

# Lintian's own description says this warning does not apply to a package
# not uploaded to Debian, which is what a template builds; a real upload
# closes its ITP bug in debian/changelog instead.
cat >"$src/debian/dfu-util.lintian-overrides" <<'EOF'
# not a Debian upload: no ITP bug to close
initial-upload-closes-no-bugs
EOF

# The ELF reader's fuzzing corpus and known-answer files are test data,
# malformed on purpose (truncated headers, impossible counts): lintian's
# ELF checks must not read them as the package's binaries.
cat >"$src/debian/source/lintian-overrides" <<'EOF'
# test data for the ELF reader, malformed on purpose
elf-error * [tests/fuzz/corpus/elf/*]
source-contains-prebuilt-binary [tests/fuzz/corpus/elf/*]
source-contains-prebuilt-binary [tests/kat/*]
# made by tests/kat/mkformats.sh (the known answers) and by the fuzzer
source-is-missing [tests/fuzz/corpus/elf/*]
source-is-missing [tests/kat/*]
EOF

# What Debian's autopkgtest runs on machines without USB (see
# tests/packaging.sh: exit 0, and -v says nothing was found).
cat >"$src/debian/tests/control" <<'EOF'
Test-Command: dfu-util --list --verbose
Restrictions: superficial

Test-Command: dfu-util --sim dfu-plain -Z 1024 -U "$AUTOPKGTEST_TMP/read.bin" && test "$(wc -c <"$AUTOPKGTEST_TMP/read.bin")" -eq 1024
EOF

cat >"$src/debian/watch" <<'EOF'
version=4
opts="filenamemangle=s%(?:.*?)?v?(\d[\d.]*)\.tar\.gz%dfu-util-$1.tar.gz%" \
  https://github.com/dfu-util/dfu-util/tags (?:.*?/)?v?(\d[\d.]*)\.tar\.gz
EOF

# ---------------------------------------------------------------- build
echo "deb-check: dpkg-buildpackage in $src"
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS-nocheck}"
(cd "$src" && dpkg-buildpackage -us -uc >"$work/build.log" 2>&1) || {
	tail -n 40 "$work/build.log"
	echo "deb-check: dpkg-buildpackage failed" >&2
	exit 1
}
changes=$(ls "$work"/dfu-util_"$version"-1_*.changes)
deb=$(ls "$work"/dfu-util_"$version"-1_*.deb)

echo "deb-check: lintian $(basename "$changes")"
lintian --display-info --pedantic "$changes" 2>&1 |
	grep -v 'running with root privileges is not recommended' >"$work/lintian.log" || true
if [ -s "$work/lintian.log" ]; then
	sed 's/^/deb-check: lintian: /' "$work/lintian.log"
else
	echo "deb-check: lintian: (nothing)"
fi
lintian_bad=$(grep -c '^[EW]: ' "$work/lintian.log" || true)

# ---------------------------------------------------------------- contents
contents=$(dpkg-deb -c "$deb" | awk '{ p = $6 } $7 == "->" { p = $6 } { print p }' | sed 's|^\./|/|')
missing=
for f in /usr/bin/dfu-util /usr/bin/dfu-suffix /usr/bin/dfu-prefix /usr/bin/dfuse-pack \
	/usr/share/man/man1/dfu-util.1.gz /usr/share/man/man1/dfu-suffix.1.gz \
	/usr/share/man/man1/dfu-prefix.1.gz /usr/share/man/man1/dfuse-pack.1.gz \
	/lib/udev/rules.d/60-dfu-util.rules:/usr/lib/udev/rules.d/60-dfu-util.rules \
	/usr/share/bash-completion/completions/dfu-util \
	/usr/share/bash-completion/completions/dfu-suffix \
	/usr/share/bash-completion/completions/dfu-prefix \
	/usr/share/bash-completion/completions/dfuse-pack \
	/usr/share/zsh/vendor-completions/_dfu-util \
	/usr/share/metainfo/io.github.dfu_util.dfu_util.metainfo.xml \
	/usr/share/doc/dfu-util/README /usr/share/doc/dfu-util/AUTHORS \
	/usr/share/doc/dfu-util/sim-profile.txt /usr/share/doc/dfu-util/vm-tier.txt \
	/usr/share/doc/dfu-util/changelog; do
	found=
	for alt in $(echo "$f" | tr ':' ' '); do
		# dh_compress compresses documentation
		printf '%s\n' "$contents" | grep -qxF -e "$alt" -e "$alt.gz" && found=1
	done
	[ -n "$found" ] || missing="$missing $f"
done
echo "deb-check: $(basename "$deb"): $(printf '%s\n' "$contents" | grep -vc '/$') files"

# ---------------------------------------------------------------- install
check_installed()	# ROOT: the programs run, from ROOT; says what failed
{
	rm -f "$work/read.bin"
	for cmd in "dfu-util --version" "dfu-util --list --verbose" \
		"dfu-util --sim dfu-plain -Z 1024 -U $work/read.bin" \
		"dfu-suffix --help" "dfu-prefix --help" "dfuse-pack --help"; do
		# shellcheck disable=SC2086 # words on purpose
		"$1/usr/bin/"$cmd >"$work/run.log" 2>&1 || {
			echo "deb-check: '$cmd' failed:" >&2
			cat "$work/run.log" >&2
			return 1
		}
	done
	[ "$(wc -c <"$work/read.bin")" -eq 1024 ] || { echo "deb-check: no 1 KiB read back" >&2; return 1; }
}
installed=no
case $install in
private)
	root=$work/root
	mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
	: >"$root/var/lib/dpkg/status"
	: >"$root/var/lib/dpkg/available"
	# Its dependencies (libc, libusb) are this machine's, outside the root.
	if dpkg --root="$root" --force-not-root --force-depends --force-script-chrootless \
		--log=/dev/null -i "$deb" >"$work/install.log" 2>&1 &&
		dpkg --root="$root" --force-not-root -s dfu-util 2>/dev/null | grep -q '^Status: install ok installed' &&
		check_installed "$root"; then
		installed="yes (dpkg --root, private database)"
	else
		cat "$work/install.log"
	fi
	;;
system)
	# apt-get, through sudo for a normal user (CI allows it just that).
	root_apt="apt-get"
	[ "$(id -u)" = 0 ] || root_apt="sudo -n apt-get"
	before=$(dpkg-query -W -f '${Status} ${Version}' dfu-util 2>/dev/null || true)
	if $root_apt install -y -qq --allow-downgrades "$deb" >"$work/install.log" 2>&1 &&
		[ "$(dpkg-query -W -f '${Version}' dfu-util)" = "$version-1" ] &&
		check_installed "" &&
		bash -c '. /usr/share/bash-completion/bash_completion; _completion_loader dfuse-pack;
			complete -p dfuse-pack' 2>&1 | grep -q _dfu_util_companion; then
		installed="yes (apt-get install on this machine)"
	else
		cat "$work/install.log"
	fi
	# Put back the package that was there (Debian's classic dfu-util is
	# the suite's reference client); remove ours if there was none.
	case $before in
	"install ok installed "*)
		$root_apt install -y -qq --allow-downgrades "dfu-util=${before##* }" >"$work/restore.log" 2>&1 || {
			cat "$work/restore.log"
			echo "deb-check: could not reinstall dfu-util ${before##* }" >&2
			exit 1
		}
		;;
	*) $root_apt purge -y -qq dfu-util >/dev/null 2>&1 ;;
	esac
	;;
esac

echo "deb-check: installed: $installed"
status=0
if [ -n "$missing" ]; then
	echo "deb-check: the package lacks:$missing" >&2
	status=1
fi
if [ "$lintian_bad" -ne 0 ]; then
	echo "deb-check: lintian reported $lintian_bad errors or warnings" >&2
	status=1
fi
[ "$installed" != no ] || { echo "deb-check: installing failed" >&2; status=1; }
[ "$status" -eq 0 ] && echo "deb-check: ok: lintian-clean, complete, installed"
exit "$status"
