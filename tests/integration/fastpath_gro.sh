#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# GRO super-packets through the fast path (gretund(8), FAST PATH), A --veth0--
# B --veth1-- C, GRO on at every veth end.
# 1. Real UDP GRO bundles of GRE-in-UDP: A's gretund sends UDP_SEGMENT
#    buffers that A's veth (no UDP segmentation) splits into datagrams with
#    UDP checksums, and B's kernel bundles them again for gretund's UDP_GRO
#    socket (fewer datagrams read than packets received). Over IPv4 B is on
#    the fast path: its ingress program sees the bundles and leaves them to
#    gretund, whose socket reads them, as gretund(8) says; with B on
#    gretund's path, and over IPv6 (gretund's path), gretund alone. TCP
#    both ways intact by sha256, no drops or UDP receive errors counted.
# 2. Super-packets decapsulated by B's ingress program still carry their
#    GSO type (SKB_GSO_GRE / SKB_GSO_UDP_TUNNEL: bpf_skb_adjust_room has no
#    DECAP_L4 flags here) and are forwarded to C: TCP A to C and C to A for
#    gre, gretap and GRE-in-UDP (A and B on the fast path), over a veth to
#    C that takes GSO as it is, one that segments in software (tx off), and
#    one without GRE / UDP tunnel segmentation.
# 3. A hub: B forwards them into a second fast-path tunnel, to C. The
#    kernel refuses to encapsulate them again (-EALREADY), so gretund sends
#    them on: intact, no drops, and by gretund's path as gretund(8) says.
set -u
PREFIX=gtfg
. "$(dirname "$0")/lib.sh"
require_root
require_fastpath

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
		ip netns exec "$1" awk '/^Udp:/ {n++} /^Udp:/ && n == 2 {print $2}' /proc/net/snmp
	fi
}

# UDP receive errors in the namespace (checksum, socket buffer full)
udp_err() {
	if [ "$2" = 6 ]; then
		ip netns exec "$1" awk '$1 == "Udp6InErrors" {print $2}' /proc/net/snmp6
	else
		ip netns exec "$1" awk '/^Udp:/ {n++} /^Udp:/ && n == 2 {print $4}' /proc/net/snmp
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
# more than a third fewer datagrams (skbs) read than packets received:
# bundles (some datagrams go to the fast path, too: A's gretund sends
# single ones with a zero UDP checksum)
bundled() {
	echo "packets received $2, datagrams read $1"
	[ "$1" -ge 20 ] && [ "$2" -gt 1000 ] && [ $(($1 * 3)) -lt $(($2 * 2)) ]
}

# --- 1. UDP GRO bundles of GRE-in-UDP -----------------------------------
# A's veth: tx checksumming on (gretund's UDP_SEGMENT sends need it, else
# EIO and datagrams one by one, with a zero UDP checksum over IPv4, which
# UDP GRO never bundles) but no UDP segmentation: the buffers leave as
# datagrams. B's veth: tx off, so that its fast path's super-packets reach
# A's gretund as datagrams with their inner checksums filled (fastpath.sh)
# And a veth with TSO features passes a socket's packets to NAPI (GRO)
# only if the receiving end has rx-udp-gro-forwarding or rx-gro-list on
# (veth_skb_is_eligible_for_gro); with gretund's UDP_GRO socket bound the
# kernel then bundles for that socket (neither forwarding nor fraglist).
ip netns exec "$a" ethtool -K veth0 tx on tx-udp-segmentation off >/dev/null
ip netns exec "$b" ethtool -K veth0 tx off rx-udp-gro-forwarding on >/dev/null
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
	rx0=$(dev_n "$b" veth0 rx) u0=$(udp_in "$b" "$fam") d0=$(dev_n "$b" "$tn" rx) e0=$(udp_err "$b" "$fam")
	check "$what: TCP 4 MB A to B, sha256 matches" tcp_check "$a" "$b" "$ob" $((5000 + i))
	rx=$(($(dev_n "$b" veth0 rx) - rx0)) u=$(($(udp_in "$b" "$fam") - u0)) d=$(($(dev_n "$b" "$tn" rx) - d0))
	check "$what: B's kernel bundled the datagrams (UDP GRO)" bundled "$u" "$rx"
	# gretund(8): UDP GRO bundles are gretund's, on the fast path too:
	# its UDP_GRO socket read them (the programs' redirects reach no
	# socket) and it wrote to its device (coalesced again by its own GRO)
	check "$what: gretund at B took the bundles (its socket and device)" \
		sh -c "echo device rx packets $d, bundles $u; test $u -ge 20 && test $d -gt 0"
	check "$what: show at B counts them" js "$b" "$tn" '.stats.rx_packets > 2500'
	e=$(($(udp_err "$b" "$fam") - e0))
	check "$what: no UDP receive errors at B (checksum, buffer)" sh -c "echo UDP InErrors $e; test $e = 0"
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
	ip netns exec "$n" ethtool -K veth0 tx on tx-udp-segmentation on \
		rx-udp-gro-forwarding off >/dev/null
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
		d0=$(dev_n "$b" "$tn" rx) v0=$(dev_n "$b" veth0 rx)
		check "$m, B to C $out: TCP 4 MB A to C, sha256 matches" \
			tcp_check "$a" "$c" 192.0.2.2 $((5200 + i * 10))
		# 4 MB is 2900 or more segments: far fewer packets on the veth
		# are super-packets (A's TSO through it)
		check "$m, B to C $out: super-packets reached B (< 1000 packets on its veth)" \
			sh -c "n=\$(( \$(ip -n $b -j -s link show veth0 | jq .[0].stats64.rx.packets) - $v0 )); echo veth rx packets \$n; test \$n -lt 1000"
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

# --- 3. decapsulated super-packets into another tunnel (a hub) ------------
# B forwards what its programs decapsulated from A into a tunnel to C, on
# the fast path too. The kernel refuses to encapsulate such a packet again
# (bpf_skb_adjust_room: -EALREADY, its encapsulation mark stays after the
# decapsulation on these kernels), so B's egress program leaves it to
# gretund, which sends it intact (gretund(8), FAST PATH).
C() { ip netns exec "$c" "$GRETUNCTL" "$@"; }
for n in "$b" "$c"; do
	ip netns exec "$n" ethtool -K veth1 tx on >/dev/null
done
k=0
for m in "gre" "gre encap udp"; do
	k=$((k + 1))
	oa=203.0.113.$((124 + k * 8 + 1)) ob=203.0.113.$((124 + k * 8 + 2))
	oc=203.0.113.$((124 + k * 8 + 6)) ocb=203.0.113.$((124 + k * 8 + 5))
	what="hub, A to B $m, B to C gre"
	A up "hub$k" mode $m local 198.51.100.1 remote 198.51.100.2 key $((40 + k)) datapath bpf \
		address "$oa/30" >/dev/null 2>&1
	B up "hub$k" mode $m local 198.51.100.2 remote 198.51.100.1 key $((40 + k)) datapath bpf \
		address "$ob/30" >/dev/null 2>&1
	B up "hubc$k" mode gre local 192.0.2.1 remote 192.0.2.2 key $((50 + k)) datapath bpf \
		address "$ocb/30" >/dev/null 2>&1
	C up "hubc$k" mode gre local 192.0.2.2 remote 192.0.2.1 key $((50 + k)) datapath bpf \
		address "$oc/30" >/dev/null 2>&1
	ip -n "$a" route replace "$oc/32" dev "hub$k"
	ip -n "$c" route replace "$oa/32" dev "hubc$k"
	for t in "$a hub$k" "$b hub$k" "$b hubc$k" "$c hubc$k"; do
		set -- $t
		check "$what: $2 in ${1%-*} on the fast path" js "$1" "$2" '.datapath == "bpf"'
	done
	check "$what: ping A to C through B" wait_for 5 pings "$a" "$oc"
	t0=$(dev_n "$b" "hubc$k" tx) r0=$(dev_n "$b" "hub$k" rx)
	check "$what: TCP 4 MB A to C, sha256 matches" tcp_check "$a" "$c" "$oc" $((5300 + k * 2))
	check "$what: B's programs took it from A (device rx < 100)" \
		sh -c "n=\$(( \$(ip -n $b -j -s link show hub$k | jq .[0].stats64.rx.packets) - $r0 )); echo device rx packets \$n; test \$n -lt 100"
	check "$what: B's egress program left it to gretund, as gretund(8) says (device tx > 1000)" \
		sh -c "n=\$(( \$(ip -n $b -j -s link show hubc$k | jq .[0].stats64.tx.packets) - $t0 )); echo device tx packets \$n; test \$n -gt 1000"
	check "$what: show at B counts all it sent on to C" js "$b" "hubc$k" '.stats.tx_packets > 2900'
	check "$what: TCP 4 MB C to A, sha256 matches" tcp_check "$c" "$a" "$oa" $((5301 + k * 2))
	for t in "$a hub$k" "$b hub$k" "$b hubc$k" "$c hubc$k"; do
		set -- $t
		check "$what: no drops or errors counted on $2 in ${1%-*}" no_drops "$1" "$2"
	done
	A down "hub$k" >/dev/null 2>&1
	B down "hub$k" >/dev/null 2>&1
	B down "hubc$k" >/dev/null 2>&1
	C down "hubc$k" >/dev/null 2>&1
done
finish
