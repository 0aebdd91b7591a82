#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel backend on a real kernel with GRE: one VM boot (Debian's
# kernel under qemu TCG) runs guest_kernel.sh, which drives gretunctl and
# checks the result with `ip -d -j`.  Meanwhile the host side pings the
# guest over the TAP.  Fails if the VM cannot boot; skips (77) only without
# root or qemu.
set -u
vm_dir=$(cd "$(dirname "$0")" && pwd)
top_builddir=${top_builddir:-$(pwd)}
export top_builddir
. "$vm_dir/lib.sh"
vm_require

ns=gtvm-k$$
work=$(mktemp -d "${TMPDIR:-/tmp}/gtvm-kernel.XXXXXX")
vmpid=
cleanup() {
	[ -n "$vmpid" ] && kill "$vmpid" 2>/dev/null && wait "$vmpid" 2>/dev/null
	vm_netns_delete "$ns"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

[ -x "$top_builddir/src/gretunctl" ] ||
	echo "# warning: $top_builddir/src/gretunctl is not built; the guest tests will fail"

vm_netns_create "$ns" || { echo "not ok - cannot create netns $ns"; exit 1; }
start=$(date +%s)
"$vm_dir/run.sh" "$vm_dir/guest_kernel.sh" --net "$ns" > "$work/guest.out" 2> "$work/run.err" &
vmpid=$!

# Host side, concurrently: reach the guest, then tell it so.
{
	if vm_wait_reachable "$ns" 198.51.100.130 120 "$vmpid"; then
		echo "ok - host pings the guest over gtvm-tap0 (IPv4)"
		if ip netns exec "$ns" busybox ping -c 1 -W 2 2001:db8:300::2 >/dev/null 2>&1; then
			echo "ok - host pings the guest over gtvm-tap0 (IPv6)"
		else
			echo "not ok - host pings the guest over gtvm-tap0 (IPv6)"
		fi
		i=0
		until vm_send "$ns" 198.51.100.130 7000 pinged; do
			i=$((i + 1))
			[ $i -ge 10 ] && break
			sleep 1
		done
	else
		echo "not ok - host pings the guest over gtvm-tap0 (IPv4)"
	fi
} > "$work/host.out"

wait "$vmpid"
rc=$?
vmpid=
end=$(date +%s)

cat "$work/guest.out"
cat "$work/host.out"
cat "$work/run.err"
echo "# VM suite took $((end - start))s"
grep -E '^(ok|not ok) ' "$work/guest.out" "$work/host.out" >/dev/null || {
	echo "not ok - the VM ran no tests (exit $rc)"
	exit 1
}
summary_ok=0
vm_summary "$work/guest.out" "$work/host.out" || summary_ok=1
if [ "$rc" != 0 ] || [ "$summary_ok" != 0 ]; then
	exit 1
fi
exit 0
