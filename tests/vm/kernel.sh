#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Find Debian's current kernel image (whatever version linux-image-amd64
# depends on today) and make its vmlinuz and modules available in a cache
# directory, without installing it on the host.  Reuses /boot and
# /usr/lib/modules when they hold exactly that version.
#
# Usage: kernel.sh [CACHEDIR]
# Prints the path of CACHEDIR/kernel.env, a shell fragment defining
# KVER, VMLINUZ and MODDIR.  GRETUN_VM_NO_HOST_KERNEL=1 forces the download.
set -eu

top_builddir=${top_builddir:-$(pwd)}
cache=${1:-${GRETUN_VM_CACHE:-$top_builddir/tests/vm/cache}}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
env_file=$cache/kernel.env

die() { echo "kernel.sh: $*" >&2; exit 1; }

# The meta package depends on the versioned image package; pick the first
# linux-image-* dependency (apt-cache prints them in order of preference).
resolve_pkg() {
	meta=${GRETUN_VM_KERNEL_META:-linux-image-amd64}
	apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -n1
}

pkg=${GRETUN_VM_KERNEL_PKG:-$(resolve_pkg)}
if [ -z "$pkg" ]; then
	# An empty apt cache (fresh machine) knows no packages yet.
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq >/dev/null 2>&1 || true
		pkg=$(resolve_pkg)
	fi
fi
[ -n "$pkg" ] || die "cannot resolve the kernel package that linux-image-amd64 depends on (apt-cache depends failed)"
kver=${pkg#linux-image-}

# Cached from a previous run?
if [ -f "$env_file" ]; then
	. "$env_file"
	if [ "$KVER" = "$kver" ] && [ -f "$VMLINUZ" ] && [ -f "$MODDIR/modules.dep" ]; then
		echo "$env_file"
		exit 0
	fi
fi

if [ -z "${GRETUN_VM_NO_HOST_KERNEL:-}" ] && [ -r "/boot/vmlinuz-$kver" ] && [ -f "/usr/lib/modules/$kver/modules.dep" ]; then
	vmlinuz=/boot/vmlinuz-$kver
	moddir=/usr/lib/modules/$kver
else
	dl=$cache/dl
	rm -rf "$dl" "$cache/root"
	mkdir -p "$dl" "$cache/root"
	echo "kernel.sh: downloading $pkg" >&2
	(cd "$dl" && apt-get download -q "$pkg" >&2) ||
		die "apt-get download $pkg failed"
	deb=$(ls "$dl"/*.deb | head -n1)
	# Only what the VM needs: the image, and the network, virtio and
	# library modules (about 60 MB instead of 400).
	dpkg-deb --fsys-tarfile "$deb" | (cd "$cache/root" && tar -x --wildcards \
		'./boot/vmlinuz-*' './*lib/modules/*/modules.builtin*' \
		'./*lib/modules/*/modules.order' \
		'./*lib/modules/*/kernel/net/*' './*lib/modules/*/kernel/drivers/net/*' \
		'./*lib/modules/*/kernel/drivers/virtio/*' './*lib/modules/*/kernel/lib/*') ||
		die "cannot unpack $deb"
	rm -rf "$dl"
	vmlinuz=$cache/root/boot/vmlinuz-$kver
	for d in "$cache/root/lib/modules/$kver" "$cache/root/usr/lib/modules/$kver"; do
		[ -d "$d" ] && moddir=$d
	done
	[ -f "$vmlinuz" ] || die "$pkg has no /boot/vmlinuz-$kver"
	[ -n "${moddir:-}" ] || die "$pkg has no modules directory"
	# The package ships no modules.dep; depmod writes it (postinst does
	# this on a real install).
	if [ ! -f "$moddir/modules.dep" ]; then
		command -v depmod >/dev/null 2>&1 || PATH=$PATH:/sbin:/usr/sbin
		depmod -b "$cache/root" "$kver" 2>/dev/null ||
			depmod -b "$cache/root/usr" "$kver" ||
			die "depmod failed for $kver"
	fi
fi

tmp=$env_file.tmp.$$
{
	echo "KVER='$kver'"
	echo "VMLINUZ='$vmlinuz'"
	echo "MODDIR='$moddir'"
} > "$tmp"
mv "$tmp" "$env_file"
echo "$env_file"
