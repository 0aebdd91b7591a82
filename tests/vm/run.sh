#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Boot Debian's kernel in qemu (TCG) with the gretun test initramfs and run
# GUEST_SCRIPT as /test.sh inside it.
#
# Usage: run.sh GUEST_SCRIPT [--net NETNS] [--file SRC:DEST]... [--log FILE]
#               [--timeout SECONDS] [--append KERNEL_ARGS]
#
# The guest's eth0 is joined to the TAP device gtvm-tap0 in network
# namespace NETNS (created by the caller; run.sh adds gtvm-tap0 there if it
# is missing).  Without --net, run.sh makes a namespace of its own.  A TAP
# that run.sh creates gets 198.51.100.129/25 and 2001:db8:300::1/64; the
# guest has .130 and ::2 (see init).
# Prints the guest console (without CRs) on stdout, timings on stderr, and
# exits with the guest script's status; 1 if the VM did not boot or did not
# finish within the timeout (default 300 s, GRETUN_VM_TIMEOUT); 77 if qemu
# is not installed.
set -u

srcdir=$(cd "$(dirname "$0")" && pwd)
top_builddir=${top_builddir:-$(pwd)}
export top_builddir
cache=${GRETUN_VM_CACHE:-$top_builddir/tests/vm/cache}
qemu=${GRETUN_VM_QEMU:-qemu-system-x86_64}
timeout_s=${GRETUN_VM_TIMEOUT:-300}
netns=
log=
append=
files=
script=

die() { echo "run.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case "$1" in
	--net) netns=$2; shift 2 ;;
	--file) files="$files $2"; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--append) append="$append $2"; shift 2 ;;
	-*) die "unknown option $1" ;;
	*) [ -z "$script" ] || die "one guest script only"; script=$1; shift ;;
	esac
done
[ -n "$script" ] && [ -f "$script" ] || die "usage: run.sh GUEST_SCRIPT [--net NETNS] [--file SRC:DEST]..."

if ! command -v "$qemu" >/dev/null 2>&1; then
	echo "run.sh: $qemu not installed" >&2
	exit 77
fi

t0=$(date +%s.%N)
mkdir -p "$cache"
# Several VM tests may start at once (make -j check): one builds the cache,
# the others wait for it.
exec 9>>"$cache/.lock"
flock 9 2>/dev/null || true
kenv=$("$srcdir/kernel.sh" "$cache") || die "cannot get the kernel"
. "$kenv"
"$srcdir/mkinitramfs.sh" "$cache/initramfs.cpio" "$kenv" || die "cannot build the initramfs"
exec 9>&-
t1=$(date +%s.%N)

work=$(mktemp -d "${TMPDIR:-/tmp}/gtvm-run.XXXXXX")
own_netns=
own_tap=
cleanup() {
	[ -n "$own_tap" ] && ip -n "$netns" link del gtvm-tap0 2>/dev/null
	[ -n "$own_netns" ] && "$(dirname "$0")/../netns-del" "$netns"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The per-run part: a second cpio appended to the cached one (the kernel
# unpacks concatenated archives in order).
mkdir -p "$work/extra"
cp "$script" "$work/extra/test.sh"
for f in $files; do
	src=${f%%:*}
	dst=${f#*:}
	mkdir -p "$work/extra/$(dirname "$dst")"
	cp -L "$src" "$work/extra/$dst" || die "cannot copy $src"
done
(cd "$work/extra" && find . -mindepth 1 | cpio -o -H newc --quiet -R 0:0) > "$work/extra.cpio"
cat "$cache/initramfs.cpio" "$work/extra.cpio" > "$work/initrd"

if [ -z "$netns" ]; then
	netns=gtvm-run$$
	ip netns add "$netns" || die "cannot create netns $netns"
	own_netns=1
fi
if ! ip -n "$netns" link show gtvm-tap0 >/dev/null 2>&1; then
	ip -n "$netns" tuntap add gtvm-tap0 mode tap || die "cannot create gtvm-tap0 in $netns"
	own_tap=1
	ip -n "$netns" link set lo up
	ip -n "$netns" addr add 198.51.100.129/25 dev gtvm-tap0
	ip -n "$netns" addr add 2001:db8:300::1/64 dev gtvm-tap0 nodad
	ip -n "$netns" link set gtvm-tap0 up
fi

[ -n "$log" ] || log=$work/console.log
: > "$log"
# csum=off: the guest fills in its checksums as on a real wire.  With
# offload, a guest's GRE checksum reaches the host namespace as
# CHECKSUM_PARTIAL, i.e. still zero in the bytes that a raw socket (gretund)
# reads, while the host's own stack would trust it.
# `timeout` signals only its child, the qemu process (ip netns exec
# execs it).
timeout -k 5 "$timeout_s" ip netns exec "$netns" "$qemu" \
	-nodefaults -display none -no-reboot -accel tcg -m 512M -smp 1 \
	-kernel "$VMLINUZ" -initrd "$work/initrd" \
	-append "console=ttyS0 quiet panic=-1 loglevel=1 mitigations=off tsc=reliable$append" \
	-serial stdio \
	-netdev tap,id=n0,ifname=gtvm-tap0,script=no,downscript=no \
	-device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56,csum=off,guest_csum=off \
	< /dev/null > "$log" 2>&1
qrc=$?
t2=$(date +%s.%N)

tr -d '\r' < "$log"
[ -n "$(tail -c 1 "$log")" ] && echo

booted=$(sed -n 's/^GRETUN-VM-BOOTED \([0-9.]*\).*/\1/p' "$log" | tr -d '\r' | head -n1)
done_at=$(sed -n 's/^GRETUN-VM-DONE \([0-9.]*\).*/\1/p' "$log" | tr -d '\r' | head -n1)
status=$(sed -n 's/^GRETUN-VM-EXIT \([0-9]*\).*/\1/p' "$log" | tr -d '\r' | head -n1)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v bo="${booted:-?}" -v d="${done_at:-?}" 'BEGIN {
	printf "run.sh: image %.1fs, vm wall %.1fs, guest boot %ss, guest test %s\n",
		b - a, c - b, bo, (bo != "?" && d != "?") ? sprintf("%.1fs", d - bo) : "?"
}' >&2

if [ -z "$status" ]; then
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		echo "run.sh: timeout after ${timeout_s}s; last console lines:" >&2
	elif [ -z "$booted" ]; then
		echo "run.sh: the VM did not boot (qemu exit $qrc); last console lines:" >&2
	else
		echo "run.sh: the guest did not finish (qemu exit $qrc); last console lines:" >&2
	fi
	tr -d '\r' < "$log" | tail -n 30 | sed 's/^/run.sh: | /' >&2
	exit 1
fi
exit "$status"
