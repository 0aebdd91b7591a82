#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Investigation: GRE-in-UDP from gretund to the guest kernel.  Host gretund
# (userspace backend) with encapsulation udp 4754 over IPv4 and IPv6; the
# guest (guest_udp_probe.sh) pings and fetches over fou tunnels.  Captures
# gtvm-tap0 to $PCAP (default /tmp/udp_probe.pcap).
# Usage: top_builddir=BUILD tests/vm/udp_probe.sh [GUEST_SCRIPT]
set -u
vm_dir=$(cd "$(dirname "$0")" && pwd)
top_builddir=${top_builddir:-$(pwd)}
export top_builddir
. "$vm_dir/lib.sh"
vm_require
G=$top_builddir/src/gretunctl
ns=gtud-$$
pcap=${PCAP:-/tmp/udp_probe.pcap}
srvpid= pcappid=
cleanup() {
	[ -n "$pcappid" ] && kill "$pcappid" 2>/dev/null && sleep 1
	[ -n "$srvpid" ] && kill "$srvpid" 2>/dev/null
	for n in u4 u6; do ip netns exec "$ns" "$G" down $n >/dev/null 2>&1; done
	vm_netns_delete "$ns"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
inns() { ip netns exec "$ns" "$@"; }
vm_netns_create "$ns" || exit 1
inns "$G" up u4 mode gre local 198.51.100.129 remote 198.51.100.130 key 4 \
	encapsulation udp encapsulation-port 4754 address 203.0.113.141/30 --backend userspace ${HOPTS:-} || exit 1
inns "$G" up u6 mode ip6gre local 2001:db8:300::1 remote 2001:db8:300::2 key 7 \
	encapsulation udp encapsulation-port 4754 address 203.0.113.153/30 --backend userspace ${HOPTS:-} || exit 1
inns busybox nc -ll -p 8000 -e busybox seq 1 10000 &
srvpid=$!
inns tshark -q -i gtvm-tap0 -s 256 -w "$pcap" >/dev/null 2>&1 &
pcappid=$!
sleep 2
"$vm_dir/run.sh" "${1:-$vm_dir/guest_udp_probe.sh}" --net "$ns" --timeout 400 ${RUNOPTS:-}
rc=$?
inns "$G" show -j u4 2>&1 | head -c 3000; echo
inns "$G" show -j u6 2>&1 | head -c 3000; echo
inns ip -s link show gtvm-tap0
inns netstat -s 2>/dev/null | grep -A8 -i '^Udp' | head -20
exit $rc
