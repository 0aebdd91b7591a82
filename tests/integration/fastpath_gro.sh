#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# GRO super-packets through the fast path (gretund(8), FAST PATH), A --veth0--
# B --veth1-- C, GRO on at every veth end.
# 1. Real UDP GRO bundles of GRE-in-UDP: A's gretund sends UDP_SEGMENT
#    buffers that A's veth (tx off) splits into datagrams with UDP
#    checksums, and B's kernel aggregates them again (UDP GRO for gretund's
#    UDP_GRO socket: fewer datagrams read than packets received). Over IPv4
#    B is on the fast path: its ingress program sees the bundles and leaves
#    them to gretund (B's TUN device counts them), as gretund(8) says; with
#    B on gretund's path, and over IPv6 (gretund's path), gretund's socket
#    takes them. TCP both ways intact by sha256, no drops counted.
# 2. Super-packets decapsulated by B's ingress program still carry their
#    GSO type (SKB_GSO_GRE / SKB_GSO_UDP_TUNNEL: bpf_skb_adjust_room has no
#    DECAP_L4 flags here) and are forwarded to C: TCP A to C and C to A for
#    gre, gretap and GRE-in-UDP (A and B on the fast path), over a veth to
#    C that takes GSO as it is, one that segments in software (tx off), and
#    one without GRE / UDP tunnel segmentation.
set -u
PREFIX=gtfg
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$GRETUND" ] || skip_all "gretund not built ($GRETUND)"
"$GRETUND" --help >/dev/null 2>&1 || skip_all "gretund does not run"
command -v tc >/dev/null || skip_all "tc (iproute2) not installed"
command -v socat >/dev/null || skip_all "socat not installed"
command -v jq >/dev/null || skip_all "jq not installed"
command -v ethtool >/dev/null || skip_all "ethtool not installed"
[ -d /sys/fs/bpf ] || skip_all "no /sys/fs/bpf: kernel without BPF"

a=$PREFIX-a-$$ b=$PREFIX-b-$$ c=$PREFIX-c-$$
netns_add "$a"
netns_add "$b"
netns_add "$c"
ip link add veth0 netns "$a" type veth peer name veth0 netns "$b"
ip link add veth1 netns "$b" type veth peer name veth1 netns "$c"
ip -n "$a" addr add 198.51.100.1/28 dev veth0
ip -n "$b" addr add 198.51.100.2/28 dev veth0
ip -n "$a" addr add 2001:db8:fa::1/64 dev veth0 nodad
ip -n "$b" addr add 2001:db8:fa::2/64 dev veth0 nodad
ip -n "$b" addr add 192.0.2.1/24 dev veth1
ip -n "$c" addr add 192.0.2.2/24 dev veth1
for l in "$a veth0" "$b veth0" "$b veth1" "$c veth1"; do
	set -- $l
	ip -n "$1" link set "$2" up
	# a veth runs NAPI, and so GRO, only with GRO on (or XDP)
	ip netns exec "$1" ethtool -K "$2" gro on >/dev/null
done
ip -n "$c" route add 203.0.113.0/24 via 192.0.2.1
ip netns exec "$b" sysctl -qw net.ipv4.ip_forward=1
A() { ip netns exec "$a" "$GRETUNCTL" "$@"; }
B() { ip netns exec "$b" "$GRETUNCTL" "$@"; }
pings() { ip netns exec "$1" ping -c 3 -i 0.2 -W 2 "$2" >/dev/null 2>&1; }
wait_for() { n=$(($1 * 10)); shift; while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done; return 1; }
dev_n() { ip -n "$1" -j -s link show "$2" | jq ".[0].stats64.$3.packets"; }
js() { ip netns exec "$1" "$GRETUNCTL" show "$2" -j | jq -e ".[0] | $3" >/dev/null; }
# UDP datagrams (skbs: a GRO bundle is one) the namespace's sockets took
udp_in() {
	if [ "$2" = 6 ]; then
		ip netns exec "$1" awk '$1 == "Udp6InDatagrams" {print $2}' /proc/net/snmp6
	else
		ip netns exec "$1" awk '/^Udp:/ {n++} /^Udp:/ && n == 2 {print $3}' /proc/net/snmp
	fi
}

# tcp_check FROM TO ADDR PORT: 4 MB from namespace FROM to a listener in
# TO at ADDR, compared by sha256
tcp_check() {
	head -c 4194304 /dev/urandom >"$t_tmp/data_in"
	rm -f "$t_tmp/data_out"
	ip netns exec "$2" timeout 30 socat -u TCP-LISTEN:"$4",reuseaddr OPEN:"$t_tmp/data_out",creat,trunc &
	lp=$!
	sleep 0.5
	ip netns exec "$1" timeout 30 socat -u OPEN:"$t_tmp/data_in" TCP:"$3":"$4" || { wait "$lp"; return 1; }
	wait "$lp"
	[ "$(sha256sum <"$t_tmp/data_in")" = "$(sha256sum <"$t_tmp/data_out")" ]
}
# no drop reason and no error counted on the tunnel in namespace NS
no_drops() {
	ip netns exec "$1" "$GRETUNCTL" show "$2" -j | jq -e '.[0].stats |
		.rx_errors == 0 and .tx_errors == 0 and .tx_dropped == 0 and
		([.drops[]] | add) == 0' >/dev/null ||
		{ ip netns exec "$1" "$GRETUNCTL" show "$2" -j | jq -c '.[0].stats'; return 1; }
}
# more than a third fewer datagrams read than packets received: bundles
bundled() {
	echo "packets received $2, datagrams read $1"
	[ "$2" -gt 1000 ] && [ $(($1 * 3)) -lt $(($2 * 2)) ]
}

# --- 1. UDP GRO bundles of GRE-in-UDP -----------------------------------
# tx off: A's UDP_SEGMENT buffers and B's fast-path super-packets leave
# as datagrams (the latter with a zero UDP checksum, which UDP GRO never
# bundles), and with their inner checksums filled (fastpath.sh)
for n in "$a" "$b"; do
	ip netns exec "$n" ethtool -K veth0 tx off >/dev/null
done
i=0
for cfg in "4 bpf" "4 userspace" "6 auto"; do
	set -- $cfg
	fam=$1 dp=$2
	i=$((i + 1))
	tn=ug$i
	if [ "$fam" = 6 ]; then
		mode=ip6gre la=2001:db8:fa::1 lb=2001:db8:fa::2
	else
		mode=gre la=198.51.100.1 lb=198.51.100.2
	fi
	oa=203.0.113.$((i * 4 + 1)) ob=203.0.113.$((i * 4 + 2))
	what="GRE-in-UDP over IPv$fam, B Datapath=$dp"
	A up "$tn" mode $mode encap udp local $la remote $lb key $((10 + i)) datapath userspace \
		address "$oa/30" >/dev/null 2>&1
	check "$what: A up on gretund's path" js "$a" "$tn" '.datapath == "userspace"'
	B up "$tn" mode $mode encap udp local $lb remote $la key $((10 + i)) datapath "$dp" \
		address "$ob/30" >"$t_tmp/up" 2>&1
	case $dp in
	bpf) check "$what: B on the fast path" js "$b" "$tn" '.datapath == "bpf"' ;;
	userspace) check "$what: B on gretund's path" js "$b" "$tn" '.datapath == "userspace"' ;;
	auto) check "$what: B on gretund's path, saying why (GRE-in-UDP over IPv6)" \
		js "$b" "$tn" '.datapath == "userspace" and (.datapath_why | test("IPv6"))' ;;
	esac
	check "$what: ping" wait_for 5 pings "$a" "$ob"
	rx0=$(dev_n "$b" veth0 rx) u0=$(udp_in "$b" "$fam") d0=$(dev_n "$b" "$tn" rx)
	check "$what: TCP 4 MB A to B, sha256 matches" tcp_check "$a" "$b" "$ob" $((5000 + i))
	rx=$(($(dev_n "$b" veth0 rx) - rx0)) u=$(($(udp_in "$b" "$fam") - u0)) d=$(($(dev_n "$b" "$tn" rx) - d0))
	check "$what: B's kernel bundled the datagrams (UDP GRO)" bundled "$u" "$rx"
	# gretund(8): UDP GRO bundles are gretund's, on the fast path too;
	# its TUN device counts what it writes (coalesced again: fewer
	# packets), the fast path's redirects it does not count
	check "$what: gretund at B took the bundles (device rx > 100)" \
		sh -c "echo device rx packets $d, bundles $u; test $d -gt 100"
	check "$what: show at B counts them" js "$b" "$tn" '.stats.rx_packets > 2500'
	check "$what: TCP 4 MB B to A, sha256 matches" tcp_check "$b" "$a" "$oa" $((5100 + i))
	check "$what: no drops or errors counted at B" no_drops "$b" "$tn"
	check "$what: no drops or errors counted at A" no_drops "$a" "$tn"
	A down "$tn" >/dev/null 2>&1
	B down "$tn" >/dev/null 2>&1
done

# --- 2. decapsulated super-packets forwarded onward -----------------------
# tx on at both ends of veth0: A's fast path hands TSO super-packets to B
# unsegmented (B's programs take them: fastpath_csum.sh)
for n in "$a" "$b"; do
	ip netns exec "$n" ethtool -K veth0 tx on >/dev/null
done
i=0
for m in "gre" "gretap" "gre encap udp"; do
	i=$((i + 1))
	tn=fw$i
	oa=203.0.113.$((64 + i * 4 + 1)) ob=203.0.113.$((64 + i * 4 + 2))
	A up "$tn" mode $m local 198.51.100.1 remote 198.51.100.2 key $((20 + i)) datapath bpf \
		address "$oa/30" >/dev/null 2>&1
	check "$m: A on the fast path" js "$a" "$tn" '.datapath == "bpf"'
	B up "$tn" mode $m local 198.51.100.2 remote 198.51.100.1 key $((20 + i)) datapath bpf \
		address "$ob/30" >/dev/null 2>&1
	check "$m: B on the fast path" js "$b" "$tn" '.datapath == "bpf"'
	if [ "$m" = gretap ]; then
		ip -n "$a" route replace 192.0.2.0/24 via "$ob" dev "$tn"
	else
		ip -n "$a" route replace 192.0.2.0/24 dev "$tn"
	fi
	check "$m: ping A to C through B" wait_for 5 pings "$a" 192.0.2.2
	for out in "as is" "tx off" "no tunnel segmentation"; do
		case $out in
		"as is") ip netns exec "$b" ethtool -K veth1 tx on >/dev/null ;;
		"tx off") ip netns exec "$b" ethtool -K veth1 tx off >/dev/null ;;
		*) ip netns exec "$b" ethtool -K veth1 tx on tx-gre-segmentation off \
			tx-udp_tnl-segmentation off >/dev/null 2>&1 ;;
		esac
		d0=$(dev_n "$b" "$tn" rx)
		check "$m, B to C $out: TCP 4 MB A to C, sha256 matches" \
			tcp_check "$a" "$c" 192.0.2.2 $((5200 + i * 10))
		check "$m, B to C $out: B's programs took it, not gretund (device rx < 100)" \
			sh -c "n=\$(( \$(ip -n $b -j -s link show $tn | jq .[0].stats64.rx.packets) - $d0 )); echo device rx packets \$n; test \$n -lt 100"
		check "$m, B to C $out: TCP 4 MB C to A, sha256 matches" \
			tcp_check "$c" "$a" "$oa" $((5201 + i * 10))
		ip netns exec "$b" ethtool -K veth1 tx on tx-gre-segmentation on \
			tx-udp_tnl-segmentation on >/dev/null 2>&1
	done
	check "$m: no drops or errors counted at B" no_drops "$b" "$tn"
	check "$m: no drops or errors counted at A" no_drops "$a" "$tn"
	A down "$tn" >/dev/null 2>&1
	B down "$tn" >/dev/null 2>&1
done
finish
