#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# gretund's persistent keepalives (PersistentKeepalive=) against Linux GRE
# on a real kernel: the host's gretund sends them every second on four
# tunnels (GRE and GRE-in-UDP, IPv4 and IPv6) to the guest's kernel tunnels
# (guest_pka.sh), which must ignore them without counting anything.
# Skips (77) only without root or qemu.
set -u
vm_dir=$(cd "$(dirname "$0")" && pwd)
top_builddir=${top_builddir:-$(pwd)}
export top_builddir
. "$vm_dir/lib.sh"
vm_require

G=$top_builddir/src/gretunctl
ns=gtvm-p$$
work=$(mktemp -d "${TMPDIR:-/tmp}/gtvm-pka.XXXXXX")
cleanup() {
	for d in k4 p4 k6 p6; do ip netns exec "$ns" "$G" -q down $d >/dev/null 2>&1; done
	vm_netns_delete "$ns"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

vm_netns_create "$ns" || { echo "not ok - cannot create netns $ns"; exit 1; }
# no IPv6 of the TUN devices' own: only keepalives reach the guest's tunnels
ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
up() { ip netns exec "$ns" "$G" -q up "$@" backend userspace persistent-keepalive 1; }
up k4 mode gre local 198.51.100.129 remote 198.51.100.130 key 4 encapsulation udp &&
	up p4 mode gre local 198.51.100.129 remote 198.51.100.130 key 5 &&
	up k6 mode ip6gre local 2001:db8:300::1 remote 2001:db8:300::2 key 7 encapsulation udp &&
	up p6 mode ip6gre local 2001:db8:300::1 remote 2001:db8:300::2 key 8 ||
	{ echo "not ok - host tunnels up"; exit 1; }
"$vm_dir/run.sh" "$vm_dir/guest_pka.sh" --net "$ns" > "$work/guest.out" 2> "$work/run.err"
rc=$?
cat "$work/guest.out"
cat "$work/run.err"
fail=0
for d in k4 p4 k6 p6; do
	n=$(ip netns exec "$ns" "$G" show "$d" -j |
		sed -n 's/.*"tx_keepalives": *\([0-9]*\).*/\1/p')
	if [ "${n:-0}" -ge 5 ]; then
		echo "ok - host $d sent $n keepalives"
	else
		echo "not ok - host $d sent ${n:-no} keepalives"; fail=1
	fi
done
grep -E '^(ok|not ok) ' "$work/guest.out" >/dev/null || { echo "not ok - the VM ran no tests (exit $rc)"; exit 1; }
vm_summary "$work/guest.out" || fail=1
[ "$rc" = 0 ] && [ "$fail" = 0 ]
