#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A default route through a tunnel that keeps the underlay (gretun.conf(5),
# [Route]; userspace backend): host A reaches the tunnel's remote B only
# through its own default route, and has a LAN beside. With `route default'
# and `route ::/0' through the tunnel, for an IPv4 (gre) and an IPv6
# (ip6gre) underlay: the encapsulated packets carry the mark and still go
# out on the underlay (the tunnel passes traffic), other addresses go
# through the tunnel (B's tunnel counters), the LAN route still works, a
# second up changes nothing, down leaves rules and routes exactly as before
# (an admin's rules stay), a failing up (PostUp hook; a route taken) rolls
# the rules back, and `route add|del NAME default' does the same at run time.
set -u
PREFIX=gtdr
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$GRETUND" ] || skip_all "gretund not built ($GRETUND)"
command -v jq >/dev/null || skip_all "needs jq"

a=$PREFIX-a-$$ b=$PREFIX-b-$$ l=$PREFIX-l-$$
netns_add "$a"
netns_add "$b"
netns_add "$l"
for ns in "$a" "$b" "$l"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
done
ip link add veth0 netns "$a" type veth peer name veth0 netns "$b"
ip link add veth1 netns "$a" type veth peer name veth1 netns "$l"
# Strict reverse path filtering would drop the tunnel's own packets from B,
# whose address A now reaches through the tunnel (gretun.conf(5), [Route]).
ip netns exec "$a" sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2
ip -n "$a" addr add 198.51.100.1/28 dev veth0
ip -n "$b" addr add 198.51.100.2/28 dev veth0
ip -n "$a" addr add 2001:db8:1::1/64 dev veth0
ip -n "$b" addr add 2001:db8:1::2/64 dev veth0
ip -n "$a" addr add 192.0.2.1/28 dev veth1
ip -n "$l" addr add 192.0.2.2/28 dev veth1
ip -n "$a" addr add 2001:db8:2::1/64 dev veth1
ip -n "$l" addr add 2001:db8:2::2/64 dev veth1
for ns in "$a" "$b" "$l"; do ip -n "$ns" link set veth0 up 2>/dev/null; ip -n "$ns" link set veth1 up 2>/dev/null; done
# B's tunnel endpoints, reached from A through A's default routes only
ip -n "$b" addr add 198.51.100.66/32 dev lo
ip -n "$b" addr add 2001:db8:66::66/128 dev lo
ip -n "$a" route add default via 198.51.100.2
ip -n "$a" route add default via 2001:db8:1::2
# the LAN beyond L, and L's way back
ip -n "$l" addr add 192.0.2.130/32 dev lo
ip -n "$l" addr add 2001:db8:2:80::1/128 dev lo
ip -n "$a" route add 192.0.2.128/25 via 192.0.2.2
ip -n "$a" route add 2001:db8:2:80::/64 via 2001:db8:2::2
ip -n "$l" route add default via 192.0.2.1
ip -n "$l" route add default via 2001:db8:2::1
# "everything else": addresses only B has, behind its end of the tunnel
ip -n "$b" addr add 203.0.113.99/32 dev lo
ip -n "$b" addr add 2001:db8:99::99/128 dev lo
# An admin's rules: one of its own, one with the same selectors as
# gretun's; both must outlive gretun's down.
ip -n "$a" rule add from 192.0.2.128/25 lookup main prio 1000
ip -n "$a" rule add not fwmark 51820 lookup 51820 prio 32765
ip -n "$a" -6 rule add from 2001:db8:2:80::/64 lookup main prio 1000

A() { ip netns exec "$a" "$GRETUNCTL" "$@"; }
B() { ip netns exec "$b" "$GRETUNCTL" "$@"; }
pings() { ip netns exec "$1" ping -c 3 -i 0.2 -W 2 "$2" >/dev/null 2>&1; }
snapshot() {
	ip -n "$a" -4 rule; ip -n "$a" -6 rule
	ip -n "$a" -4 route show table all; ip -n "$a" -6 route show table all | grep -v '^fe80\|^multicast\|^local fe80\|^anycast'
}
# B's counters as gretund gives them (its own and its fast path's: the
# device's own miss what the fast path carries)
rx() { B show gre1 -j | jq '.[0].stats.rx_packets'; }
# gretun's rules in A, from show -j
rules_json() { A show gre1 -j | jq -c '[.[0].rules[] | [.family, .priority, .not, .fwmark, .table, .suppress_prefixlength]] | sort'; }
want_rules='[["inet",32764,false,null,254,0],["inet",32765,true,51820,51820,null],["inet6",32764,false,null,254,0],["inet6",32765,true,51820,51820,null]]'
# Count A's outgoing GRE packets that carry the mark (nftables, output hook).
nft_mark() {
	ip netns exec "$a" nft -f - <<EOF
table inet gtdr {
	chain out {
		type filter hook output priority 0;
		meta l4proto gre meta mark 51820 counter
		meta l4proto gre meta mark != 51820 counter
		udp dport 4754 meta mark 51820 counter
		udp dport 4754 meta mark != 51820 counter
	}
}
EOF
}
# marked 0: packets with the mark (GRE or GRE-in-UDP), marked 1: without
marked() { ip netns exec "$a" nft -j list chain inet gtdr out |
	jq "[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets] | .[$1] + .[$1 + 2]"; }

nft_mark 2>/dev/null && has_nft=1 || has_nft=0
# the kernel's routes for A's addresses are there before the first snapshot
for i in $(seq 100); do
	[ "$(ip -n "$a" -6 route show table local | grep -c '2001:db8:[12]::1 ')" = 2 ] && break
	sleep 0.1
done
snapshot >"$t_tmp/before"

# mode, A's and B's endpoints, encapsulation
for spec in "gre 198.51.100.1 198.51.100.66 none" "ip6gre 2001:db8:1::1 2001:db8:66::66 none" \
	    "gre 198.51.100.1 198.51.100.66 udp"; do
	# shellcheck disable=SC2086
	set -- $spec
	kind=$1 la=$2 ra=$3 enc=$4
	mode=$kind	# the test names' prefix
	[ "$enc" = none ] || mode="$kind-in-$enc"
	up_b="mode $kind encapsulation $enc local $ra remote $la address 203.0.113.2/30 address 2001:db8:c1::2/64 route 203.0.113.99/32"
	up_a="mode $kind encapsulation $enc local $la remote $ra address 203.0.113.1/30 address 2001:db8:c1::1/64 route default route ::/0"
	# shellcheck disable=SC2086
	B up gre1 $up_b >/dev/null 2>&1 || not_ok "$mode: B up"
	# shellcheck disable=SC2086
	check "$mode: up with route default and ::/0" A up gre1 $up_a
	check "$mode: show -j has the four rules" test "$(rules_json)" = "$want_rules"
	check "$mode: show -j has the mark and the routes in table 51820" sh -c "ip netns exec $a $GRETUNCTL show gre1 -j | jq -e '.[0].fwmark == 51820 and ([.[0].routes[] | select(.destination == \"0.0.0.0/0\" or .destination == \"::/0\") | .table] == [51820, 51820])'"
	check "$mode: text show has the rules" sh -c "ip netns exec $a $GRETUNCTL show gre1 | grep -q 'rule 32765: not fwmark 51820 lookup 51820 (IPv6)'"
	check "$mode: the kernel has them with gretun's protocol" sh -c "ip -n $a rule | grep -q '^32764:.*lookup main suppress_prefixlength 0 proto 231' && ip -n $a -6 rule | grep -q '^32765:.*not from all fwmark 0xca6c lookup 51820 proto 231'"
	# the underlay to B still works: the tunnel passes traffic both ways
	check "$mode: ping through the tunnel (IPv4 inside)" pings "$a" 203.0.113.2
	check "$mode: ping through the tunnel (IPv6 inside)" pings "$a" 2001:db8:c1::2
	dp=$(A show gre1 -j | jq -r '.[0].datapath')
	if [ "$dp" = bpf ]; then
		# the fast path sends from TC, before netfilter's output hook: it
		# takes the underlay of the route looked up with the mark
		check "$mode: A's fast path sends on the underlay, not into the tunnel" \
			sh -c "tc -n $a filter show dev veth0 ingress | grep -q gretun_ingress"
	elif [ "$has_nft" = 1 ]; then
		check "$mode: A's encapsulated packets carry the mark" test "$(marked 0)" -ge 6
		check "$mode: and none without it" test "$(marked 1)" = 0
	fi
	n0=$(rx)
	check "$mode: ping to an address beyond B (IPv4)" pings "$a" 203.0.113.99
	check "$mode: ping to an address beyond B (IPv6)" pings "$a" 2001:db8:99::99
	n1=$(rx)
	check "$mode: which went through the tunnel (B's gre1 got $((n1 - n0)) packets)" test $((n1 - n0)) -ge 6
	check "$mode: the LAN route still works (IPv4)" pings "$a" 192.0.2.130
	check "$mode: the LAN route still works (IPv6)" pings "$a" 2001:db8:2:80::1
	check "$mode: not through the tunnel" test "$(rx)" = "$n1"
	{ snapshot; ip -n "$a" -o link show gre1 | grep -o 'mtu [0-9]*'; } >"$t_tmp/up1"
	# shellcheck disable=SC2086
	check "$mode: a second up exits 0" A up gre1 $up_a
	{ snapshot; ip -n "$a" -o link show gre1 | grep -o 'mtu [0-9]*'; } >"$t_tmp/up2"
	# (the auto MTU once came from a route lookup without the mark,
	# which found the tunnel itself: 24 bytes less at each up)
	check "$mode: and changes no rule, route or MTU" cmp -s "$t_tmp/up1" "$t_tmp/up2"
	cmp -s "$t_tmp/up1" "$t_tmp/up2" || diff "$t_tmp/up1" "$t_tmp/up2" | sed 's/^/#   /'
	# shellcheck disable=SC2086
	check "$mode: up without the default routes" A up gre1 ${up_a% route default route ::/0}
	check "$mode: takes their rules, their routes and the mark away" sh -c "ip netns exec $a $GRETUNCTL show gre1 -j | jq -e '.[0].rules == [] and .[0].fwmark == 0 and ([.[0].routes[] | select(.destination == \"0.0.0.0/0\" or .destination == \"::/0\")] == [])'"
	check "$mode: set gre1 route default" A set gre1 route default
	check "$mode: brings the IPv4 rules and the mark back" test "$(rules_json)" = '[["inet",32764,false,null,254,0],["inet",32765,true,51820,51820,null]]'
	check "$mode: ping beyond B after set" pings "$a" 203.0.113.99
	check "$mode: down" A down gre1
	snapshot >"$t_tmp/after"
	check "$mode: down leaves rules and routes as before up (the admin's stay)" cmp -s "$t_tmp/before" "$t_tmp/after"
	cmp -s "$t_tmp/before" "$t_tmp/after" || diff "$t_tmp/before" "$t_tmp/after" | sed 's/^/#   /'

	# run time: route add|del NAME default
	up_a0="mode $kind encapsulation $enc local $la remote $ra address 203.0.113.1/30 address 2001:db8:c1::1/64"
	# shellcheck disable=SC2086
	check "$mode: up without a default route" A up gre1 $up_a0
	check "$mode: route add gre1 default" A route add gre1 default
	check "$mode: route add gre1 ::/0" A route add gre1 ::/0
	check "$mode: the same four rules" test "$(rules_json)" = "$want_rules"
	check "$mode: the tunnel's packets are marked now" sh -c "ip netns exec $a $GRETUNCTL show gre1 -j | jq -e '.[0].fwmark == 51820'"
	n0=$(rx)
	check "$mode: ping through the tunnel after route add" pings "$a" 203.0.113.2
	check "$mode: ping beyond B after route add (IPv6)" pings "$a" 2001:db8:99::99
	check "$mode: through the tunnel" test $(($(rx) - n0)) -ge 6
	check "$mode: route del gre1 default" A route del gre1 default
	check "$mode: leaves the IPv6 rules alone" test "$(rules_json)" = '[["inet6",32764,false,null,254,0],["inet6",32765,true,51820,51820,null]]'
	mtu=$(ip -n "$a" -o link show gre1 | grep -o 'mtu [0-9]*')
	check "$mode: a converging up keeps the mark the ::/0 route needs" sh -c "ip netns exec $a $GRETUNCTL up gre1 $up_a0 2>/dev/null && ip netns exec $a $GRETUNCTL show gre1 -j | jq -e '.[0].fwmark == 51820'"
	check "$mode: and the MTU ($mtu)" test "$(ip -n "$a" -o link show gre1 | grep -o 'mtu [0-9]*')" = "$mtu"
	check "$mode: ping through the tunnel still" pings "$a" 2001:db8:c1::2
	check "$mode: down after route add" A down gre1
	snapshot >"$t_tmp/after"
	check "$mode: and rules and routes are as before" cmp -s "$t_tmp/before" "$t_tmp/after"
	cmp -s "$t_tmp/before" "$t_tmp/after" || diff "$t_tmp/before" "$t_tmp/after" | sed 's/^/#   /'

	# a failing up takes its rules back
	cdir=$(mktemp -d -p /run gtdr-conf.XXXXXX)
	tmp_dir "$cdir"
	cat >"$cdir/gre1.conf" <<EOF
[Tunnel]
Mode = $kind
Encapsulation = $enc
Local = $la
Remote = $ra
Address = 203.0.113.1/30

[Route]
Destination = default

[Route]
Destination = ::/0

[Hooks]
PostUp = false
EOF
	A -c "$cdir" up gre1 >"$t_tmp/o" 2>&1; rc=$?
	check "$mode: up with a failing PostUp exits 1" test "$rc" = 1
	[ "$rc" = 1 ] || sed 's/^/#   /' "$t_tmp/o"
	snapshot >"$t_tmp/after"
	check "$mode: and leaves rules and routes as before" cmp -s "$t_tmp/before" "$t_tmp/after"
	check "$mode: and no device" sh -c "! ip -n $a link show gre1 2>/dev/null"
	A down gre1 >/dev/null 2>&1
	B down gre1 >/dev/null 2>&1
	snapshot >"$t_tmp/after"
	check "$mode: all gone after the last down" cmp -s "$t_tmp/before" "$t_tmp/after"
	if [ "$has_nft" = 1 ]; then
		ip netns exec "$a" nft delete table inet gtdr
		nft_mark
	fi
done

# A second tunnel whose up fails halfway (its IPv4 default route is taken
# in table 51820 by the first) undoes its ::/0 and leaves the first
# tunnel's rules alone.
# shellcheck disable=SC2086
A up gre1 mode gre local 198.51.100.1 remote 198.51.100.66 address 203.0.113.1/30 route default >/dev/null 2>&1
snapshot >"$t_tmp/one"
A up gre2 mode gre local 198.51.100.1 remote 198.51.100.67 key 5 address 203.0.113.5/30 route ::/0 route default >"$t_tmp/o" 2>&1; rc=$?
check "an up whose default route is taken fails (exit 1)" test "$rc" = 1
check "and says which route" grep -q "cannot add route 0.0.0.0/0" "$t_tmp/o"
snapshot >"$t_tmp/two"
check "and adds no rule or route" cmp -s "$t_tmp/one" "$t_tmp/two"
check "down of the first" A down gre1
snapshot >"$t_tmp/after"
check "rules and routes as before" cmp -s "$t_tmp/before" "$t_tmp/after"

finish
