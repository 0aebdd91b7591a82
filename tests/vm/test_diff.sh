#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Differential receive test: the same crafted GRE packets (craft_gre.py's
# set, via diff_gre.py) go once to the guest kernel's GRE tunnel over the
# TAP and once to gretund in a host namespace with the same configuration
# and addresses. In each sender namespace a capture records what came back
# from the receiver: echo replies through its tunnel (= the inner packet
# was delivered) and ICMP errors (bytes compared, modulo IPv4 ID/checksum
# and IPv6 flow label). Every difference must be listed in diff_known.txt
# (and explained in gretund(8)). One VM boot for all configurations of
# diff.tbl. Fails if the VM cannot boot; skips (77) only without root/qemu.
# GRETUN_VM_DATAPATH=bpf: the gretund tunnels on the fast path where it
# serves them (gretund(8), FAST PATH).
# Namespaces gtdp-{v,s,r}<pid>; underlay 192.0.2.64/26 + 2001:db8:400::/48,
# overlay 203.0.113.64/26 + 2001:db8:401::/48.
set -u
vm_dir=$(cd "$(dirname "$0")" && pwd)
. "$vm_dir/lib.sh"
vm_require
export top_builddir="${top_builddir:-$(pwd)}"
GRETUND=${GRETUND:-$top_builddir/src/gretund}
for tool in tshark python3 socat; do
	command -v "$tool" >/dev/null || { echo "not ok - $tool not installed"; exit 1; }
done
[ -x "$GRETUND" ] || { echo "not ok - $GRETUND not built"; exit 1; }

nsv=gtdp-v$$	# sender towards the VM (holds gtvm-tap0)
nss=gtdp-s$$	# sender towards gretund
nsr=gtdp-r$$	# gretund
tbl=$vm_dir/diff.tbl
work=$(mktemp -d "${TMPDIR:-/tmp}/gtdp-diff.XXXXXX")
vmpid=
caps=
cleanup() {
	for p in $caps; do kill "$p" 2>/dev/null; done
	[ -n "$vmpid" ] && kill "$vmpid" 2>/dev/null && wait "$vmpid" 2>/dev/null
	for p in $(ip netns pids "$nsr" 2>/dev/null); do kill "$p" 2>/dev/null; done
	vm_netns_delete "$nsv"
	"$(dirname "$0")/../netns-del" "$nss"
	"$(dirname "$0")/../netns-del" "$nsr"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ctl() {
	printf '%s\n' "$2" | ip netns exec "$1" socat -t 5 - ABSTRACT-CONNECT:gretun/gretund
}

# the two sender namespaces get the same addresses, .66/::2 for the
# packets craft_gre.py sends from a wrong source
vm_netns_create "$nsv" || { echo "not ok - cannot create $nsv"; exit 1; }
ip netns add "$nss" && ip netns add "$nsr" || { echo "not ok - cannot create namespaces"; exit 1; }
ip -n "$nss" link add veth0 type veth peer name veth0 netns "$nsr"
for ns in "$nss" "$nsr"; do
	ip -n "$ns" link set lo up
	ip -n "$ns" link set veth0 up
done
for dev in "$nsv gtvm-tap0" "$nss veth0"; do
	set -- $dev
	ip -n "$1" addr add 192.0.2.65/26 dev "$2"
	ip -n "$1" addr add 192.0.2.66/26 dev "$2"
	ip -n "$1" addr add 2001:db8:400::1/64 dev "$2" nodad
	ip -n "$1" addr add 2001:db8:400::2/64 dev "$2" nodad
done
ip -n "$nsr" addr add 192.0.2.70/26 dev veth0
ip -n "$nsr" addr add 2001:db8:400::10/64 dev veth0 nodad
ip netns exec "$nsr" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
ip netns exec "$nsr" "$GRETUND" --daemon --persistent || { echo "not ok - gretund"; exit 1; }

start=$(date +%s)
"$vm_dir/run.sh" "$vm_dir/guest_diff.sh" --net "$nsv" --file "$tbl:/diff.tbl" \
	> "$work/guest.out" 2> "$work/run.err" &
vmpid=$!

retry_send() {	# retry_send MSG: the guest's listener may not be up yet
	_i=0
	until vm_send "$nsv" 192.0.2.70 7000 "$1"; do
		_i=$((_i + 1))
		[ $_i -ge 120 ] && return 1
		kill -0 "$vmpid" 2>/dev/null || return 1
		sleep 1
	done
}

# kernel_mtu MODE CTL-OPTIONS: the MTU of `ip link add type MODE` over a
# 1500-byte underlay (ip_tunnel_bind_dev; ip6gre with encaplimit none)
kernel_mtu() {
	_h=4 _of=
	for _o in $2; do
		case "$_o" in okey=*) _h=$((_h + 4)) ;; oflags=*) _of=${_o#oflags=} ;; esac
	done
	case "$_of" in *csum*) _h=$((_h + 4)) ;; esac
	case "$_of" in *seq*) _h=$((_h + 4)) ;; esac
	case "$1" in ip6*) _h=$((_h + 40)) ;; *) _h=$((_h + 20)) ;; esac
	case "$1" in *tap) _h=$((_h + 14)) ;; esac
	echo $((1500 - _h))
}

fails=0
: > "$work/host.out"
if ! vm_wait_reachable "$nsv" 192.0.2.70 180 "$vmpid"; then
	echo "not ok - the guest is not reachable at 192.0.2.70" >> "$work/host.out"
	fails=1
else
	while IFS='|' read -r name mode recv send _kopts copts craft; do
		case "$name" in '#'*|'') continue ;; esac
		# GRETUN_VM_DATAPATH=bpf: gretund's fast path where it can serve
		# the tunnel (not csum/seq, not GRE-in-UDP over IPv6)
		case "${GRETUN_VM_DATAPATH:-auto}:$copts:$mode" in
		auto:*) ;;
		*csum* | *seq* | *encap=udp*:ip6*) ;;
		*) copts="$copts datapath=$GRETUN_VM_DATAPATH" ;;
		esac
		r=$(ctl "$nsr" "create gtd mode=$mode local=$recv remote=$send $copts")
		case "$r" in '{"ok":true'*) ;; *) echo "not ok - $name: gretund create: $r"; fails=1; continue ;; esac
		case "$mode" in *tap) ip -n "$nsr" link set gtd address 02:00:00:47:00:02 ;; esac
		ip netns exec "$nsr" sysctl -qw net.ipv4.conf.gtd.rp_filter=0
		# the MTU the kernel gives its tunnel (1500 - outer IP - GRE
		# - 14 on gretap; gretunctl's auto): answers to packets larger
		# than it leave in inner fragments of that size on both sides
		ip -n "$nsr" link set gtd mtu "$(kernel_mtu "$mode" "$copts")"
		ip -n "$nsr" link set gtd up
		ip -n "$nsr" addr add 203.0.113.66/26 dev gtd
		ip -n "$nsr" addr add 2001:db8:401::2/64 dev gtd nodad
		case "$mode" in *tap)
			ip -n "$nsr" neigh add 203.0.113.65 lladdr 02:00:00:47:00:01 dev gtd
			ip -n "$nsr" -6 neigh add 2001:db8:401::1 lladdr 02:00:00:47:00:01 dev gtd ;;
		esac
		retry_send begin || { echo "not ok - $name: guest not listening"; fails=1; break; }
		ip netns exec "$nsv" tshark -q -i gtvm-tap0 -w "$work/$name.k.pcap" > /dev/null 2>&1 &
		cv=$!
		ip netns exec "$nss" tshark -q -i veth0 -w "$work/$name.g.pcap" > /dev/null 2>&1 &
		cs=$!
		caps="$cv $cs"
		sleep 2
		# shellcheck disable=SC2086 # craft options are words
		ip netns exec "$nsv" python3 "$vm_dir/diff_gre.py" send "$work/$name.k.map" \
			--local "$recv" --remote "$send" --mode "$mode" $craft &
		sv=$!
		ip netns exec "$nss" python3 "$vm_dir/diff_gre.py" send "$work/$name.g.map" \
			--local "$recv" --remote "$send" --mode "$mode" $craft
		wait "$sv"
		sleep 3		# late answers from the TCG guest
		kill $caps 2>/dev/null
		wait $caps 2>/dev/null
		caps=
		retry_send end || { echo "not ok - $name: guest gone"; fails=1; break; }
		ctl "$nsr" "destroy gtd" > /dev/null
		python3 "$vm_dir/diff_gre.py" analyze "$work/$name.k.map" "$work/$name.k.pcap" "$recv" "$work/$name.k.json" &&
		python3 "$vm_dir/diff_gre.py" analyze "$work/$name.g.map" "$work/$name.g.pcap" "$recv" "$work/$name.g.json" || {
			echo "not ok - $name: analysis failed"; fails=1; continue; }
		if python3 "$vm_dir/diff_gre.py" compare "$vm_dir/diff_known.txt" "$name" \
			"$work/$name.k.json" "$work/$name.g.json" > "$work/$name.table"; then
			echo "ok - $name: gretund receives like the kernel (known differences listed)"
		else
			echo "not ok - $name: gretund differs from the kernel"
			fails=1
		fi
		sed 's/^/# /' "$work/$name.table"
	done < "$tbl" >> "$work/host.out"
fi

wait "$vmpid"
rc=$?
vmpid=
end=$(date +%s)
cat "$work/guest.out" "$work/host.out" "$work/run.err"
echo "# VM suite took $((end - start))s"
grep -E '^(ok|not ok) ' "$work/guest.out" >/dev/null || {
	echo "not ok - the VM ran no tests (exit $rc)"
	exit 1
}
vm_summary "$work/guest.out" "$work/host.out" || fails=1
[ "$rc" = 0 ] && [ "$fails" = 0 ]
