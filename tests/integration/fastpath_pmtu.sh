#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The fast path (gretund(8), FAST PATH) following what gretund follows for
# it, A's tunnel fp1 (gre, key, Datapath=bpf) against a gretund peer B on
# its own path:
#  - the path MTU, looked up every second: A's underlay MTU lowered to
#    1400, or the path's (a router R between A and B whose link to B goes
#    to 1400 answers the programs' packets with ICMP fragmentation needed,
#    which the kernel learns from through gretund's raw socket): an
#    over-size DF packet into the tunnel gets ICMP fragmentation needed /
#    packet too big with mtu 1372 (1400 - 28) from gretund, IPv4 and IPv6
#    inner, while smaller ones stay on the fast path; the MTU back at 1500,
#    1400-byte pings pass again on the fast path; and when gretund's own
#    send took the smaller MTU first (a gretap tunnel's non-IP frame, too
#    big: EMSGSIZE), the fast path's entry follows it all the same;
#  - the tunnel device down: a packet for it is gretund's, which answers
#    ICMP port unreachable as Linux does, and nothing is forwarded into the
#    device; up again, back on the fast path.
# Who carried a packet: show's counters (the fast path's added to
# gretund's) against the TUN device's own, which see only gretund's.
set -u
PREFIX=gtfm
. "$(dirname "$0")/lib.sh"
require_root
require_fastpath ping python3

# A 198.51.100.1 -- .2 R .17 -- .18 B
a=$PREFIX-a-$$ r=$PREFIX-r-$$ b=$PREFIX-b-$$
netns_add "$a"
netns_add "$r"
netns_add "$b"
ip link add veth0 netns "$a" type veth peer name vetha netns "$r"
ip link add veth0 netns "$b" type veth peer name vethb netns "$r"
ip -n "$a" addr add 198.51.100.1/28 dev veth0
ip -n "$r" addr add 198.51.100.2/28 dev vetha
ip -n "$r" addr add 198.51.100.17/28 dev vethb
ip -n "$b" addr add 198.51.100.18/28 dev veth0
for l in "$a veth0" "$r vetha" "$r vethb" "$b veth0"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
ip -n "$a" route add 198.51.100.16/28 via 198.51.100.2
ip -n "$b" route add 198.51.100.0/28 via 198.51.100.17
ip netns exec "$a" ethtool -K veth0 tx off >/dev/null
A() { ip netns exec "$a" "$GRETUNCTL" "$@"; }
B() { ip netns exec "$b" "$GRETUNCTL" "$@"; }
# wait_for SECONDS CMD...: CMD succeeds within SECONDS (of the clock: CMD
# may take a while itself)
wait_for() {
	end=$(($(date +%s) + $1)); shift
	while ! "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.1
	done
}
# show's counter (fast path and gretund), the TUN device's own (gretund's)
shown() { A show fp1 -j | jq ".[0].stats.$1_packets"; }
dev_n() { ip -n "$a" -j -s link show fp1 | jq ".[0].stats64.$1.packets"; }
dev_tx() { ip -n "$a" -j -s link show "$1" | jq ".[0].stats64.tx.packets"; }
# B's ICMP destination unreachables received (/proc/net/snmp)
b_unreach() { ip netns exec "$b" awk '/^Icmp:/ { if (h) { print $5; exit } h = 1 }' /proc/net/snmp; }

t_up=$(date +%s)
check "fp1 up on the fast path" A up fp1 mode gre local 198.51.100.1 remote 198.51.100.18 key 7 \
	datapath bpf address 203.0.113.1/30 address 2001:db8:f0::1/64
check "peer up on gretund's path" B up fp1 mode gre local 198.51.100.18 remote 198.51.100.1 key 7 \
	datapath userspace address 203.0.113.2/30 address 2001:db8:f0::2/64
check "show says datapath bpf" sh -c "ip netns exec $a $GRETUNCTL show fp1 -j | jq -e '.[0].datapath == \"bpf\"'"
check "ping" wait_for 5 sh -c "ip netns exec $a ping -c 1 -W 1 203.0.113.2 >/dev/null"
check "ping IPv6" wait_for 5 sh -c "ip netns exec $a ping -6 -c 1 -W 1 2001:db8:f0::2 >/dev/null"

# big SIZE COUNT [FAMILY]: ping -M do of SIZE bytes from A through fp1
big() { ip netns exec "$a" ping "-${3:-4}" -M "do" -s "$1" -c "$2" -i 0.2 -W 1 \
	"$([ "${3:-4}" = 6 ] && echo 2001:db8:f0::2 || echo 203.0.113.2)"; }
# on_fp WHAT CMD...: CMD succeeds, show's tx counter moves by >= 3 and the
# TUN device's by less than 3 (the fast path carried it)
on_fp() {
	what=$1; shift
	s0=$(shown tx) d0=$(dev_n tx)
	"$@" >"$t_tmp/ping" 2>&1 || { cat "$t_tmp/ping"; return 1; }
	s1=$(shown tx) d1=$(dev_n tx)
	echo "$what: show tx +$((s1 - s0)), TUN device tx +$((d1 - d0))"
	[ $((s1 - s0)) -ge 3 ] && [ $((d1 - d0)) -lt 3 ]
}
check "1400-byte DF pings on the fast path" on_fp big1400 big 1400 3
check "1400-byte DF IPv6 pings on the fast path" on_fp big1400v6 big 1400 3 6

# too_big FAMILY: a 1400-byte DF ping is told mtu 1372 (by gretund, or by
# the kernel that learnt it from gretund's ICMP)
too_big() { big 1400 1 "$1" 2>&1 | grep -E "mtu ?= ?1372([^0-9]|$)"; }
# the inner routes' exceptions from gretund's ICMP (10 minutes), and the
# underlay's from R's: gone now
passes() {
	ip -n "$a" route flush cache
	ip -n "$a" -6 route flush cache
	big 1400 1 "$1" >/dev/null 2>&1
}
# mtu_case WHAT NS DEV NS DEV: the path MTU through DEV in NS and DEV in NS
# lowered to 1400 and back
mtu_case() {
	what=$1
	# The route (and with it the path MTU) is looked up again every 10 s
	# from the up too: lowered 3 s after such a lookup (the up was at most
	# 1 s after t_up), the next is 7 s away, so that only the per-second
	# refresh can tell within 5 s.
	sleep $(((13 - ($(date +%s) - t_up) % 10) % 10))
	ip -n "$2" link set "$3" mtu 1400
	ip -n "$4" link set "$5" mtu 1400
	d0=$(dev_n tx)
	t0=$(date +%s%N)
	check "$what 1400: a 1400-byte DF ping gets 'mtu 1372' (per-second refresh, <= 5 s)" \
		wait_for 5 too_big 4
	echo "# $what: the ICMP with the new MTU after $((($(date +%s%N) - t0) / 1000000)) ms"
	check "$what 1400: the same for IPv6 (packet too big, mtu 1372)" wait_for 10 too_big 6
	check "$what 1400: those went to gretund (the TUN device's tx counter moved)" \
		test "$(dev_n tx)" -gt "$d0"
	check "$what 1400: 1300-byte DF pings pass on the fast path" on_fp small big 1300 5
	check "$what 1400: 1300-byte DF IPv6 pings pass on the fast path" on_fp small6 big 1300 5 6
	ip -n "$2" link set "$3" mtu 1500
	ip -n "$4" link set "$5" mtu 1500
	check "$what 1500: 1400-byte DF pings pass again (<= 10 s)" wait_for 10 passes 4
	check "$what 1500: IPv6 too (<= 10 s)" wait_for 10 passes 6
	check "$what 1500: on the fast path" on_fp big1400again big 1400 3
	check "$what 1500: IPv6 on the fast path" on_fp big1400againv6 big 1400 3 6
}
# --- A's underlay MTU ---------------------------------------------------------------
mtu_case "underlay MTU" "$a" veth0 "$r" vetha
# --- the path's, learnt from R's ICMP ---------------------------------------------------
mtu_case "path MTU (R's ICMP)" "$r" vethb "$b" veth0

# --- gretund's own send learns the smaller MTU first ------------------------------
# A gretap tunnel's frames that are not IP are gretund's to send (gretund(8)).
# The underlay MTU lowered, such a frame too big for it is refused to
# gretund (EMSGSIZE), which takes the new path MTU there and then: the
# fast path's entry must follow it at the next tick as well, so that a
# 1400-byte DF IP frame goes to gretund (the TUN device's tx counter moves:
# gretap drops it without ICMP, as the kernel's gretap) instead of into a
# veth that drops it silently. (The tick may come between the MTU change
# and the frame: then this passes whatever gretund does.)
check "tp1 (gretap) up on the fast path" A up tp1 mode gretap local 198.51.100.1 remote 198.51.100.18 \
	key 8 datapath bpf address 203.0.113.9/30
check "tp1: peer up" B up tp1 mode gretap local 198.51.100.18 remote 198.51.100.1 key 8 \
	datapath userspace address 203.0.113.10/30
t_up=$(date +%s)
check "tp1: ping" wait_for 5 sh -c "ip netns exec $a ping -c 1 -W 1 203.0.113.10 >/dev/null"
# frame DEV: one 1454-byte frame of a local experimental EtherType on DEV
frame() {
	ip netns exec "$a" python3 -c 'import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
s.send(b"\xff" * 6 + s.getsockname()[4] + b"\x88\xb5" + b"\0" * 1440)' "$1"
}
sleep $(((13 - ($(date +%s) - t_up) % 10) % 10))
ip -n "$a" link set veth0 mtu 1400
ip -n "$r" link set vetha mtu 1400
frame tp1
d0=$(dev_tx tp1)
# big_tap: a 1400-byte DF ping into tp1 reaches gretund
big_tap() {
	ip netns exec "$a" ping -M "do" -s 1400 -c 1 -W 0.3 203.0.113.10 >/dev/null 2>&1
	[ "$(dev_tx tp1)" -gt "$((d0 + 1))" ]
}
check "gretund learnt the MTU first: the fast path's entry follows (<= 5 s)" wait_for 5 big_tap
ip -n "$a" link set veth0 mtu 1500
ip -n "$r" link set vetha mtu 1500
A down tp1 >/dev/null 2>&1
B down tp1 >/dev/null 2>&1

# --- the tunnel device down ------------------------------------------------------
ip -n "$a" link set fp1 down
u0=$(b_unreach)
# B's packets for A's fp1: gretund's (FP_RX_SLOW once rtnetlink told it),
# which answers ICMP port unreachable to B
unreach() { ip netns exec "$b" ping -c 1 -W 0.5 203.0.113.1 >/dev/null 2>&1; [ "$(b_unreach)" -gt "$u0" ]; }
check "device down: B's packets for it get ICMP destination unreachable (<= 10 s)" wait_for 10 unreach
# from here on, with gretund answering: nothing more is counted as received
u1=$(b_unreach) r0=$(shown rx) dr0=$(dev_n rx)
ip netns exec "$b" ping -c 5 -i 0.2 -W 0.5 203.0.113.1 >/dev/null 2>&1
check "device down: nothing forwarded into it (show's rx: $r0 -> $(shown rx), TUN device rx: $dr0 -> $(dev_n rx))" \
	test "$(shown rx)" = "$r0" -a "$(dev_n rx)" = "$dr0"
check "device down: 5 more pings, more unreachables ($u1 -> $(b_unreach))" test "$(b_unreach)" -gt "$u1"
ip -n "$a" link set fp1 up
r0=$(shown rx) dr0=$(dev_n rx)
check "device up: B's pings answered (<= 10 s)" \
	wait_for 10 sh -c "ip netns exec $b ping -c 1 -W 0.5 203.0.113.1 >/dev/null 2>&1"
ip netns exec "$b" ping -c 5 -i 0.2 -W 1 203.0.113.1 >/dev/null 2>&1
check "device up: back on the fast path (show's rx: $r0 -> $(shown rx), TUN device rx: $dr0 -> $(dev_n rx))" \
	test "$(shown rx)" -ge $((r0 + 5)) -a "$(dev_n rx)" -lt $((dr0 + 3))
A down fp1 >/dev/null 2>&1
B down fp1 >/dev/null 2>&1
finish
