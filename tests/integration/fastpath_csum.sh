#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The fast path over veths with tx checksumming on at both ends (a veth
# hands locally sent TCP segments on as CHECKSUM_PARTIAL and GSO
# super-packets unsegmented): 4 MB of TCP both ways by sha256 for gre and
# GRE-in-UDP, fast path against fast path, the receiving programs taking
# the super-packets (GRE-in-UDP ones went to gretund, which read them with
# their TCP checksums unfilled). Against a gretund peer (Datapath=userspace)
# such a veth is not correct (gretund(8), FAST PATH): Datapath=auto keeps
# the tunnel gretund's there, checked in fastpath.sh. And B forwards what
# its programs decapsulated to C over a veth without tx checksumming, so
# the super-packets (their GSO type still saying GRE or UDP tunnel: no
# DECAP_L4 flags for bpf_skb_adjust_room) are segmented in software there.
set -u
PREFIX=gtfc
. "$(dirname "$0")/lib.sh"
require_root
require_fastpath

a=$PREFIX-a-$$ b=$PREFIX-b-$$ c=$PREFIX-c-$$
netns_add "$a"
netns_add "$b"
netns_add "$c"
ip link add veth1 netns "$b" type veth peer name veth1 netns "$c"
ip -n "$b" addr add 192.0.2.1/24 dev veth1
ip -n "$c" addr add 192.0.2.2/24 dev veth1
ip -n "$b" link set veth1 up
ip -n "$c" link set veth1 up
ip -n "$c" route add 203.0.113.0/24 via 192.0.2.1
ip netns exec "$b" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$b" ethtool -K veth1 tx off >/dev/null
ip link add veth0 netns "$a" type veth peer name veth0 netns "$b"
ip -n "$a" addr add 198.51.100.1/28 dev veth0
ip -n "$b" addr add 198.51.100.2/28 dev veth0
ip -n "$a" link set veth0 up
ip -n "$b" link set veth0 up
for n in "$a" "$b"; do
	ip netns exec "$n" ethtool -K veth0 tx on >/dev/null
done
A() { ip netns exec "$a" "$GRETUNCTL" "$@"; }
B() { ip netns exec "$b" "$GRETUNCTL" "$@"; }
pings() { ip netns exec "$1" ping -c 3 -i 0.2 -W 2 "$2" >/dev/null 2>&1; }
wait_for() { n=$(($1 * 10)); shift; while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done; return 1; }
dev_n() { ip -n "$1" -j -s link show "$2" | jq ".[0].stats64.$3.packets"; }
js() { ip netns exec "$1" "$GRETUNCTL" show "$2" -j | jq -e ".[0] | $3" >/dev/null; }

tcp_check() {
	head -c 4194304 /dev/urandom >"$t_tmp/in"
	rm -f "$t_tmp/out"
	ip netns exec "$2" timeout 20 socat -u TCP-LISTEN:"$4",reuseaddr OPEN:"$t_tmp/out",creat,trunc &
	lp=$!
	sleep 0.5
	ip netns exec "$1" timeout 20 socat -u OPEN:"$t_tmp/in" TCP:"$3":"$4" || { wait "$lp"; return 1; }
	wait "$lp"
	[ "$(sha256sum <"$t_tmp/in")" = "$(sha256sum <"$t_tmp/out")" ]
}

i=0
for peer in bpf; do
	for m in "gre" "gre encap udp"; do
		i=$((i + 1))
		tn=fc$i
		oa=203.0.113.$((i * 4 + 1)) ob=203.0.113.$((i * 4 + 2))
		A up "$tn" mode $m local 198.51.100.1 remote 198.51.100.2 key $((100 + i)) \
			datapath bpf address "$oa/30" >/dev/null 2>&1
		check "$m, peer $peer: up with Datapath=bpf" js "$a" "$tn" '.datapath == "bpf"'
		B up "$tn" mode $m local 198.51.100.2 remote 198.51.100.1 key $((100 + i)) \
			datapath $peer address "$ob/30" >/dev/null 2>&1
		check "$m, peer $peer: peer up" js "$b" "$tn" ".datapath == \"$peer\""
		check "$m, peer $peer: ping" wait_for 5 pings "$a" "$ob"
		rx0=$(dev_n "$b" "$tn" rx)
		check "$m, peer $peer: TCP 4 MB fast path to peer, sha256 matches" \
			tcp_check "$a" "$b" "$ob" $((5000 + i))
		# the peer's programs took it, not gretund (its device's counter)
		check "$m, peer $peer: the peer's device rx counter missed that transfer (< 100)" \
			sh -c "n=\$(( \$(ip -n $b -j -s link show $tn | jq .[0].stats64.rx.packets) - $rx0 )); echo device rx packets \$n; test \$n -lt 100"
		check "$m, peer $peer: TCP 4 MB peer to fast path, sha256 matches" \
			tcp_check "$b" "$a" "$oa" $((5100 + i))
		ip -n "$a" route replace 192.0.2.0/24 dev "$tn"
		check "$m, peer $peer: TCP 4 MB fast path to C, forwarded by the peer, sha256 matches" \
			tcp_check "$a" "$c" 192.0.2.2 $((5200 + i))
		check "$m, peer $peer: show counts the fast path's packets both ways" \
			js "$a" "$tn" '.stats.tx_packets > 1000 and .stats.rx_packets > 1000'
		A down "$tn" >/dev/null 2>&1
		B down "$tn" >/dev/null 2>&1
	done
done
finish
