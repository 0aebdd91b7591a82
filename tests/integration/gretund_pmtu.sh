#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# gretund's ICMP answers, as Linux gives them:
#  - PMTU: A and B joined through a router R whose link to B has MTU 1400,
#    tunnel devices with a bigger MTU. ping -M do bigger than the path gets
#    "Frag needed (mtu = path - overhead)" / "Packet too big" or, once the
#    kernel learnt it, "message too long, mtu=..."; IPv4 and IPv6 overlays,
#    over gre and ip6gre. A TCP transfer completes only thanks to PMTU.
#    gretap: too big is dropped (no ICMP), as the kernel's gretap does.
#  - a GRE packet with a wrong key is answered with ICMP port unreachable
#    (IPv4 type 3 code 3, ICMPv6 type 1 code 4), captured at the sender.
# Namespaces gtdp-<pid>-{a,r,b}; underlay 192.0.2.64/26 + 2001:db8:400::/48,
# overlay 203.0.113.64/26 + 2001:db8:401::/48.
set -eu

TAG=pmtu$$
. "$(dirname "$0")/gretund_lib.sh"
command -v ping >/dev/null || { echo "SKIP: ping not installed"; exit 77; }
# our own names (gretund_lib.sh's cleanup, trap and ctl helpers are reused)
NSA=gtdp-$$-a
NSR=gtdp-$$-r
NSB=gtdp-$$-b

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for ns in "$NSA" "$NSR" "$NSB"; do
		[ -e "/run/netns/$ns" ] || continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
		"$(dirname "$0")/../netns-del" "$ns"
	done
	rm -rf "$TMP"
}

# A 192.0.2.65 -- R .66 | R .81 -- B .82 (MTU 1400 on the R-B link)
for ns in "$NSA" "$NSR" "$NSB"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
done
ip -n "$NSA" link add veth0 type veth peer name vetha netns "$NSR"
ip -n "$NSB" link add veth0 type veth peer name vethb netns "$NSR"
ip -n "$NSB" link set veth0 mtu 1400
ip -n "$NSR" link set vethb mtu 1400
for l in "$NSA veth0" "$NSB veth0" "$NSR vetha" "$NSR vethb"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip netns exec "$NSR" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n "$NSA" addr add 192.0.2.65/28 dev veth0
ip -n "$NSR" addr add 192.0.2.66/28 dev vetha
ip -n "$NSR" addr add 192.0.2.81/28 dev vethb
ip -n "$NSB" addr add 192.0.2.82/28 dev veth0
ip -n "$NSA" addr add 2001:db8:400:1::1/64 dev veth0 nodad
ip -n "$NSR" addr add 2001:db8:400:1::2/64 dev vetha nodad
ip -n "$NSR" addr add 2001:db8:400:2::1/64 dev vethb nodad
ip -n "$NSB" addr add 2001:db8:400:2::2/64 dev veth0 nodad
ip -n "$NSA" route add 192.0.2.80/28 via 192.0.2.66
ip -n "$NSB" route add 192.0.2.64/28 via 192.0.2.81
ip -n "$NSA" -6 route add 2001:db8:400:2::/64 via 2001:db8:400:1::2
ip -n "$NSB" -6 route add 2001:db8:400:1::/64 via 2001:db8:400:2::1

ip netns exec "$NSA" "$GRETUND" --daemon --persistent || fail "gretund in $NSA"
ip netns exec "$NSB" "$GRETUND" --daemon --persistent || fail "gretund in $NSB"

# pair NAME MODE DEVMTU NET EXTRA: tunnel A<->B, overlay 203.0.113.NET+1/+2
# and 2001:db8:401:NET::1/2
pair() {
	local name=$1 mode=$2 mtu=$3 net=$4 extra=$5 la=192.0.2.65 ra=192.0.2.82
	case "$mode" in ip6*) la=2001:db8:400:1::1 ra=2001:db8:400:2::2 ;; esac
	ctl_ok "$NSA" "create $name mode=$mode local=$la remote=$ra pmtudisc=yes $extra" >/dev/null
	ctl_ok "$NSB" "create $name mode=$mode local=$ra remote=$la pmtudisc=yes $extra" >/dev/null
	ip -n "$NSA" link set "$name" mtu "$mtu" up
	ip -n "$NSB" link set "$name" mtu "$mtu" up
	ip -n "$NSA" addr add "203.0.113.$((64 + net * 4 + 1))/30" dev "$name"
	ip -n "$NSB" addr add "203.0.113.$((64 + net * 4 + 2))/30" dev "$name"
	ip -n "$NSA" addr add "2001:db8:401:$net::1/64" dev "$name" nodad
	ip -n "$NSB" addr add "2001:db8:401:$net::2/64" dev "$name" nodad
}

# too_big FAMILY DST SIZE MTU COUNT: ping -M do must report mtu MTU
too_big() {
	local fam=$1 dst=$2 size=$3 mtu=$4 count=$5 out
	out=$(ip netns exec "$NSA" ping "-$fam" -M do -s "$size" -c "$count" -i 1 -W 1 "$dst" 2>&1 || true)
	printf '%s\n' "$out" | grep -E "Frag needed|Packet too big|message too long|mtu" | sort | uniq -c | sed 's/^/    /'
	printf '%s\n' "$out" | grep -Eq "mtu ?= ?$mtu([^0-9]|$)" ||
		fail "ping -$fam -M do -s $size $dst: no 'mtu = $mtu' in: $out"
}

echo "case: gre (IPv4 underlay, path MTU 1400, device MTU 1476): mtu 1400-24 = 1376"
pair gtdp1 gre 1476 0 ""
ip netns exec "$NSA" ping -c 1 -W 2 203.0.113.66 >/dev/null || fail "gre: small ping"
too_big 4 203.0.113.66 1400 1376 4
too_big 6 2001:db8:401:0::2 1400 1376 4
ip netns exec "$NSA" ping -M do -s 1300 -c 2 -i 0.3 -W 2 203.0.113.66 >/dev/null ||
	fail "gre: ping below the path MTU"

# transfer NAME PORT DST: 1 MB of $TMP/in from A to B's PORT, byte for byte
transfer() {
	ip netns exec "$NSB" socat -u TCP-LISTEN:"$2",reuseaddr OPEN:"$TMP/out.$1",creat,trunc &
	PIDS="$PIDS $!"
	sleep 0.5
	ip netns exec "$NSA" timeout 40 socat -u OPEN:"$TMP/in" TCP:"$3":"$2" ||
		fail "$1: TCP transfer through the small hop"
	sleep 0.5
	[ "$(sha256sum < "$TMP/in")" = "$(sha256sum < "$TMP/out.$1")" ] || fail "$1: TCP: sha256 differs"
}

echo "case: TCP 1 MB over gre+key+csum through the 1400 hop (device MTU 1476)"
pair gtdp2 gre 1476 1 "ikey=5 okey=5 iflags=csum oflags=csum"
head -c 1048576 /dev/urandom > "$TMP/in"
transfer gtdp2 5002 203.0.113.70
r=$(ctl_ok "$NSA" "get gtdp2")
echo "    TCP ok; path MTU seen by gretund: $(json_get "$r" path_mtu 2>/dev/null || echo '?')"

# GRE-in-UDP TSO bursts leave as UDP GSO sends; once the kernel knows the
# 1400 hop, those are refused and the packets take the per-packet way,
# which answers the inner sender with the smaller MTU
echo "case: TCP 1 MB over GRE-in-UDP with key+seq through the 1400 hop (device MTU 1468)"
pair gtdu gre 1468 5 "encap=udp ikey=6 okey=6 iflags=seq oflags=seq"
# (only what the transfer adds counts here)
sleep 0.5
e0=$(json_get "$(ctl_ok "$NSB" "get gtdu")" stats.rx_errors)
transfer gtdu 5003 203.0.113.86
r=$(ctl_ok "$NSB" "get gtdu")
[ "$(json_get "$r" stats.rx_errors)" = "$e0" ] || fail "GRE-in-UDP: receive errors (sequence?): $r"
[ "$(json_get "$r" stats.drops.seq)" = 0 ] || fail "GRE-in-UDP: out-of-order sequence numbers: $r"
echo "    TCP ok over GRE-in-UDP"

echo "case: ip6gre (IPv6 underlay): mtu 1400-44 = 1356"
pair gtdp3 ip6gre 1456 2 ""
ip netns exec "$NSA" ping -6 -c 1 -W 2 2001:db8:401:2::2 >/dev/null || fail "ip6gre: small ping"
too_big 6 2001:db8:401:2::2 1400 1356 4
too_big 4 203.0.113.74 1380 1356 3
# IPv6 GRE with DF sends on the raw receive socket too (one socket, not
# two: gretund_sock.c), and the packet-too-big errors it queued were read
# (an undrained error queue holds receive memory and keeps EPOLLERR up)
n=$(ip netns exec "$NSA" ss -6 -w -a -n | awk '$4 ~ /:47$/' | wc -l)
[ "$n" = 1 ] || fail "raw IPv6 GRE sockets in A: $n, want 1"
sleep 0.2
# /proc/net/raw6: local address:protocol (002F), tx_queue:rx_queue (hex
# bytes; rx counts the error queue too)
m=$(ip netns exec "$NSA" awk '$2 ~ /:002F$/ { print $5 }' /proc/net/raw6)
case "$m" in
*:00000000) echo "    one raw IPv6 GRE socket, error queue drained (tx:rx $m)" ;;
*) fail "raw IPv6 GRE socket in A holds receive memory (error queue not drained?): tx:rx '$m'" ;;
esac

echo "case: gretap too big: dropped without ICMP, counted as tx_dropped"
pair gtdp4 gretap 1476 3 "ikey=4 okey=4"
ip netns exec "$NSA" ping -c 1 -W 2 203.0.113.78 >/dev/null || fail "gretap: small ping"
ip netns exec "$NSA" ping -c 3 -i 0.5 -W 1 -M do -s 1380 203.0.113.78 >/dev/null 2>&1 || true
out=$(ip netns exec "$NSA" ping -c 3 -i 0.5 -W 1 -M do -s 1380 203.0.113.78 2>&1 || true)
case "$out" in *"mtu = "*|*"Frag needed"*) fail "gretap answered with ICMP: $out" ;; esac
r=$(ctl_ok "$NSA" "get gtdp4")
[ "$(json_get "$r" stats.tx_dropped)" -gt 0 ] || fail "gretap: no tx_dropped: $r"
echo "    dropped: $(json_get "$r" stats.tx_dropped)"

no_ipv6() { ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"; }

echo "case: wrong key -> ICMP port unreachable to the sender (IPv4 and IPv6 underlay)"
ctl_ok "$NSA" "create gtdp5 mode=gre local=192.0.2.65 remote=192.0.2.82 ikey=99 okey=99" >/dev/null
ctl_ok "$NSB" "create gtdp5 mode=gre local=192.0.2.82 remote=192.0.2.65 ikey=77 okey=77" >/dev/null
ctl_ok "$NSA" "create gtdp6 mode=ip6gre local=2001:db8:400:1::1 remote=2001:db8:400:2::2 ikey=99 okey=99" >/dev/null
ctl_ok "$NSB" "create gtdp6 mode=ip6gre local=2001:db8:400:2::2 remote=2001:db8:400:1::1 ikey=77 okey=77" >/dev/null
# (no IPv6 on these devices: router solicitations and MLD reports with the
# wrong key would be answered too and use up gretund's ICMP rate limit,
# 6 then 1 a second per destination, before the pings do)
for n in 5 6; do
	no_ipv6 "$NSA" "gtdp$n"
	ip -n "$NSA" link set "gtdp$n" up
	ip -n "$NSA" addr add "203.0.113.$((64 + 16 + n * 4 + 1))/30" dev "gtdp$n"
done
# port_unreach_capture CMD...: the ICMP/ICMPv6 port unreachables reaching A
# while CMD runs, into $TMP/icmp.txt
port_unreach_capture() {
	local cap
	if command -v tcpdump >/dev/null; then
		ip netns exec "$NSA" tcpdump -n -l -i veth0 -c 4 \
			'(icmp and icmp[0] == 3 and icmp[1] == 3) or (icmp6 and ip6[40] == 1 and ip6[41] == 4)' \
			> "$TMP/icmp.txt" 2>/dev/null &
	else
		command -v tshark >/dev/null || fail "neither tcpdump nor tshark"
		ip netns exec "$NSA" tshark -l -n -i veth0 -a duration:8 -T fields -e ip.src -e ipv6.src \
			-e icmp.type -e icmp.code -e icmpv6.type -e icmpv6.code \
			-f 'icmp or icmp6' -Y '(icmp.type == 3 and icmp.code == 3) or (icmpv6.type == 1 and icmpv6.code == 4)' \
			> "$TMP/icmp.txt" 2>/dev/null &
	fi
	cap=$!
	PIDS="$PIDS $cap"
	sleep 2
	"$@"
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do kill -0 "$cap" 2>/dev/null || break; sleep 0.5; done
	kill "$cap" 2>/dev/null || true
	wait "$cap" 2>/dev/null || true
}
wrong_key_pings() {
	ip netns exec "$NSA" ping -c 2 -i 0.3 -W 1 203.0.113.102 >/dev/null 2>&1 || true
	ip netns exec "$NSA" ping -c 2 -i 0.3 -W 1 203.0.113.106 >/dev/null 2>&1 || true
}
port_unreach_capture wrong_key_pings
sed 's/^/    /' "$TMP/icmp.txt"
# tcpdump: "192.0.2.82 > 192.0.2.65: ICMP ... port ... unreachable";
# tshark: the filtered fields, outer source first
grep -Eq "^192\.0\.2\.82[ ,]|IP 192\.0\.2\.82 > .*unreachable" "$TMP/icmp.txt" ||
	fail "no ICMP port unreachable from 192.0.2.82"
# (tshark: ipv6.src is the second field; the first holds the IPv4 source
# the ICMPv6 quotes: the ping's, 203.0.113.105)
grep -Eq "^203\.0\.113\.105[[:blank:]]2001:db8:400:2::2[,[:blank:]]|2001:db8:400:2::2 > .*unreachable" "$TMP/icmp.txt" ||
	fail "no ICMPv6 port unreachable from 2001:db8:400:2::2"
r=$(ctl_ok "$NSB" "get gtdp5")
echo "    B counted: key drops $(json_get "$r" stats.drops.key)"

# Linux looks up only tunnels whose device is up: a packet for a tunnel
# whose device is down matches none (port unreachable, not an rx error on
# that tunnel), and once the device is up it is taken at once
echo "case: B's device down -> no tunnel: ICMP port unreachable, then up -> delivered"
# (the wrong-key tunnels go first: their unreachables would look the same)
for n in 5 6; do
	ctl_ok "$NSA" "destroy gtdp$n" >/dev/null
	ctl_ok "$NSB" "destroy gtdp$n" >/dev/null
done
ctl_ok "$NSA" "create gtdp7 mode=gre local=192.0.2.65 remote=192.0.2.82 ikey=7 okey=7" >/dev/null
ctl_ok "$NSB" "create gtdp7 mode=gre local=192.0.2.82 remote=192.0.2.65 ikey=7 okey=7" >/dev/null
no_ipv6 "$NSA" gtdp7
no_ipv6 "$NSB" gtdp7
ip -n "$NSA" link set gtdp7 up
ip -n "$NSA" addr add 203.0.113.113/30 dev gtdp7
ip -n "$NSB" addr add 203.0.113.114/30 dev gtdp7
u0=$(json_get "$(ctl_ok "$NSB" "ping")" unmatched)
down_pings() { ip netns exec "$NSA" ping -c 3 -i 0.3 -W 1 203.0.113.114 >/dev/null 2>&1 || true; }
port_unreach_capture down_pings
sed 's/^/    /' "$TMP/icmp.txt"
grep -Eq "^192\.0\.2\.82[ ,]|IP 192\.0\.2\.82 > .*unreachable" "$TMP/icmp.txt" ||
	fail "down device: no ICMP port unreachable from 192.0.2.82"
r=$(ctl_ok "$NSB" "get gtdp7")
[ "$(json_get "$r" stats.rx_errors)" = 0 ] && [ "$(json_get "$r" stats.rx_packets)" = 0 ] ||
	fail "down device: the packets were counted on the tunnel: $r"
u1=$(json_get "$(ctl_ok "$NSB" "ping")" unmatched)
[ "$u1" -ge $((u0 + 3)) ] || fail "down device: unmatched $u0 -> $u1, want +3"
ip -n "$NSB" link set gtdp7 up
ip netns exec "$NSA" ping -c 1 -W 2 203.0.113.114 >/dev/null || fail "device up: the first ping is lost"
echo "    3 pings unmatched and answered with port unreachable; after up the first ping crosses"
echo "PASS"
