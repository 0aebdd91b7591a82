#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the test VM's initramfs (an uncompressed newc cpio: the guest boots
# under TCG, where decompressing costs more than reading).
#
# Usage: mkinitramfs.sh OUT.cpio KERNEL_ENV
# Contents: busybox-static with its applets, iproute2 (ip, ss, tc), jq, iputils
# ping if the host has it, our gretunctl and gretund from $top_builddir/src
# if built, each with its shared libraries and the dynamic loader; the
# tunnel, virtio, veth and TC (clsact, cls_bpf: the fast path) modules with
# everything modules.dep says they need; libbpf comes with gretund;
# tests/vm/init as /init and tests/vm/guest-lib.sh as /lib/gretun/lib.sh.
# Rebuilds only when an input is newer than OUT.
set -eu

out=$1
kenv=$2
srcdir=$(cd "$(dirname "$0")" && pwd)
top_builddir=${top_builddir:-$(pwd)}
. "$kenv"

die() { echo "mkinitramfs.sh: $*" >&2; exit 1; }

MODULES="virtio_pci virtio_net tun gre ip_tunnel ip_gre tunnel4 tunnel6 ip6_tunnel
	ip6_gre udp_tunnel ip6_udp_tunnel fou fou6 veth sch_ingress cls_bpf"

# Host programs copied into the guest, absolute paths; a missing optional one
# is left out and the guest tests that need it say so.
path_of() { PATH=$PATH:/usr/sbin:/sbin command -v "$1" 2>/dev/null || true; }
busybox=$(path_of busybox)
[ -n "$busybox" ] || die "busybox not found (install busybox-static)"
ldd "$busybox" 2>/dev/null | grep -q '=>' &&
	die "$busybox is dynamically linked (install busybox-static)"
[ -n "$(path_of ip)" ] || die "iproute2 ip not found"
[ -n "$(path_of jq)" ] || die "jq not found (install jq)"
progs="$(path_of ip) $(path_of ss) $(path_of jq) $(path_of ping) $(path_of tc)"
for p in gretunctl gretund; do
	[ -x "$top_builddir/src/$p" ] && progs="$progs $top_builddir/src/$p"
done

inputs="$kenv $srcdir/init $srcdir/guest-lib.sh $srcdir/mkinitramfs.sh $busybox $progs"
if [ -f "$out" ]; then
	stale=
	for f in $inputs; do
		[ "$f" -nt "$out" ] && stale=1
	done
	[ -z "$stale" ] && exit 0
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/gtvm-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
cd "$stage"
mkdir -p bin sbin usr/bin usr/sbin lib lib64 etc/gretun proc sys dev run tmp root var \
	lib/gretun "lib/modules/$KVER"
ln -s ../run var/run

# Our own copies go to /usr/local/bin, ahead of busybox's applets in PATH,
# so that `ip` is iproute2's and `ping` is iputils' when present.
mkdir -p usr/local/bin
cp "$busybox" bin/busybox
for applet in $(bin/busybox --list); do
	[ "$applet" = busybox ] && continue
	ln -sf busybox "bin/$applet"
done

copy_with_libs() {
	cp -L "$1" "usr/local/bin/$(basename "$1")"
	ldd "$1" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p' |
	while read -r lib; do
		[ -f ".$lib" ] && continue
		mkdir -p ".$(dirname "$lib")"
		cp -L "$lib" ".$lib"
	done
}
for p in $progs; do
	copy_with_libs "$p"
done

# Modules in dependency order: modules.dep lists a module's dependencies
# deepest last, so loading the reversed list and then the module works.
dep=$MODDIR/modules.dep
order=
add_module() {
	path=$(grep -E "(^|/)$1\.ko(\.xz|\.zst|\.gz)?:" "$dep" | head -n1 | cut -d: -f1)
	[ -n "$path" ] || { echo "mkinitramfs.sh: module $1 not in $dep (built in?)" >&2; return 0; }
	deps=$(grep -E "^$path:" "$dep" | cut -d: -f2)
	for d in $(echo $deps | tr ' ' '\n' | tac); do
		add_path "$d"
	done
	add_path "$path"
}
add_path() {
	case " $order " in *" $1 "*) return 0 ;; esac
	order="$order $1"
}
for m in $MODULES; do
	add_module "$m"
done
: > etc/modules.order
for p in $order; do
	name=$(basename "$p")
	case "$name" in
	*.ko.xz) xz -dc "$MODDIR/$p" > "lib/modules/$KVER/${name%.xz}"; name=${name%.xz} ;;
	*.ko.zst) zstd -qdc "$MODDIR/$p" > "lib/modules/$KVER/${name%.zst}"; name=${name%.zst} ;;
	*.ko.gz) gzip -dc "$MODDIR/$p" > "lib/modules/$KVER/${name%.gz}"; name=${name%.gz} ;;
	*) cp "$MODDIR/$p" "lib/modules/$KVER/$name" ;;
	esac
	echo "/lib/modules/$KVER/$name" >> etc/modules.order
done

cp "$srcdir/init" init
chmod 755 init
cp "$srcdir/guest-lib.sh" lib/gretun/lib.sh
echo "root:x:0:0:root:/root:/bin/sh" > etc/passwd
echo "root:x:0:" > etc/group
printf '127.0.0.1 localhost\n::1 localhost\n' > etc/hosts

mkdir -p "$(dirname "$out")"
find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 > "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
