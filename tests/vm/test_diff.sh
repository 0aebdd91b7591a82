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
# diff.tbl. Then, per configuration, the set goes to gretund once more with
# its in-kernel fast path on (datapath=bpf; auto where the fast path hands
# the tunnel to gretund, checksums or sequence numbers), compared with the
# kernel's answers recorded before (config NAME+fp in diff_known.txt); what
# the programs pass up goes through gretund and is compared the same way.
# No fast-path pass when gretund is built without BPF (said in the log).
# The first pass is datapath=userspace; GRETUN_VM_DATAPATH=bpf or auto puts
# it on the fast path too where it serves the tunnel.
# Fails if the VM cannot boot; skips (77) only without root/qemu.
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

fp=1
if grep -qa 'built without BPF' "$GRETUND"; then
	fp=
	echo "# gretund built without BPF: no fast-path pass"
fi

# gtd_up MODE RECV SEND CTL-OPTIONS: gretund's tunnel gtd as the guest's
gtd_up() {
	r=$(ctl "$nsr" "create gtd mode=$1 local=$2 remote=$3 $4")
	case "$r" in '{"ok":true'*) ;; *) echo "gretund create: $r"; return 1 ;; esac
	case "$1" in *tap) ip -n "$nsr" link set gtd address 02:00:00:47:00:02 ;; esac
	ip netns exec "$nsr" sysctl -qw net.ipv4.conf.gtd.rp_filter=0
	# the MTU the kernel gives its tunnel (1500 - outer IP - GRE
	# - 14 on gretap; gretunctl's auto): answers to packets larger
	# than it leave in inner fragments of that size on both sides
	ip -n "$nsr" link set gtd mtu "$(kernel_mtu "$1" "$4")"
	ip -n "$nsr" link set gtd up
	ip -n "$nsr" addr add 203.0.113.66/26 dev gtd
	ip -n "$nsr" addr add 2001:db8:401::2/64 dev gtd nodad
	case "$1" in *tap)
		ip -n "$nsr" neigh add 203.0.113.65 lladdr 02:00:00:47:00:01 dev gtd
		ip -n "$nsr" -6 neigh add 2001:db8:401::1 lladdr 02:00:00:47:00:01 dev gtd ;;
	esac
}

# fp_pass NAME MODE RECV SEND CTL-OPTIONS CRAFT-OPTIONS: the set to gretund
# with the fast path on, compared with the kernel's $work/NAME.k.json
fp_pass() {
	_n=$1+fp _dp=bpf
	case "$5" in *csum*|*seq*) _dp=auto ;; esac
	if ! _e=$(gtd_up "$2" "$3" "$4" "$5 datapath=$_dp"); then
		echo "not ok - $_n: datapath=$_dp: $_e"; fails=1; return
	fi
	_g=$(ctl "$nsr" "get gtd")
	case "$_dp:$_g" in
	bpf:*'"datapath_active":"bpf"'* | auto:*'"datapath_active":"userspace"'*)
		echo "ok - $_n: datapath=$_dp: gretund says $(printf '%s' "$_g" | jq -c '{datapath_active, datapath_why}')" ;;
	*) echo "not ok - $_n: datapath=$_dp: gretund says $_g"; fails=1 ;;
	esac
	_rx0=$(ip netns exec "$nsr" cat /sys/class/net/gtd/statistics/rx_packets)
	ip netns exec "$nss" tshark -q -i veth0 -w "$work/$_n.pcap" > /dev/null 2>&1 &
	caps=$!
	sleep 2
	# shellcheck disable=SC2086 # craft options are words
	ip netns exec "$nss" python3 "$vm_dir/diff_gre.py" send "$work/$_n.map" \
		--local "$3" --remote "$4" --mode "$2" $6
	sleep 1
	kill $caps 2>/dev/null
	wait $caps 2>/dev/null
	caps=
	_dev=$(( $(ip netns exec "$nsr" cat /sys/class/net/gtd/statistics/rx_packets) - _rx0 ))
	_all=$(ctl "$nsr" "stats gtd" | jq '.stats.rx_packets')
	ctl "$nsr" "destroy gtd" > /dev/null
	echo "# $_n: received $_all, of which through gretund (its device) $_dev"
	if [ "$_dp" = bpf ]; then
		if [ "$((_all - _dev))" -gt 0 ]; then
			echo "ok - $_n: the fast path delivered $((_all - _dev)) packets"
		else
			echo "not ok - $_n: the fast path delivered nothing ($_all received, $_dev by gretund)"
			fails=1
		fi
	fi
	if ! python3 "$vm_dir/diff_gre.py" analyze "$work/$_n.map" "$work/$_n.pcap" "$3" "$work/$_n.json"; then
		echo "not ok - $_n: analysis failed"; fails=1; return
	fi
	if python3 "$vm_dir/diff_gre.py" compare "$vm_dir/diff_known.txt" "$_n" \
		"$work/$1.k.json" "$work/$_n.json" > "$work/$_n.table"; then
		echo "ok - $_n: gretund with the fast path receives like the kernel (known differences listed)"
	else
		echo "not ok - $_n: gretund with the fast path differs from the kernel"
		fails=1
	fi
	sed 's/^/# /' "$work/$_n.table"
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
		# datapath=userspace: gretund's own path (auto would take plain
		# gre to the fast path), unless GRETUN_VM_DATAPATH says
		# otherwise (not for csum/seq, not GRE-in-UDP over IPv6)
		dp=datapath=userspace
		case "${GRETUN_VM_DATAPATH:-userspace}:$copts:$mode" in
		userspace:*) ;;
		*csum* | *seq* | *encap=udp*:ip6*) dp= ;;
		*) dp="datapath=$GRETUN_VM_DATAPATH" ;;
		esac
		if ! e=$(gtd_up "$mode" "$recv" "$send" "$copts $dp"); then
			echo "not ok - $name: $e"; fails=1; continue
		fi
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
		[ -n "$fp" ] && fp_pass "$name" "$mode" "$recv" "$send" "$copts" "$craft"
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
