#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Inner packets larger than the tunnel MTU, in outer fragments: a peer whose
# tunnel MTU is larger than its underlay's (1500 here) sends them, the host
# reassembles the outer packet (Ip.ReasmOKs / Ip6.ReasmOKs), and Linux's
# ip_gre/ip6_gre/fou hand the inner packet up whatever its size; so must
# gretund. The answer (an echo reply, fragmented at the inner level to the
# tunnel MTU of 1400) must come back: counted at the peer (Icmp InEchoReps).
#  - the issue's case: B's tunnel MTU 9000 without PMTU discovery, a
#    3000-byte ping -M dont from B, sent by B's gretund;
#  - crafted by gretund_big.py (B's kernel fragments the outer packet) for
#    gre (key, checksum), ip6gre, gretap, ip6gretap, GRE-in-UDP over IPv4
#    and IPv6, inner IPv4 and IPv6, 3000 bytes and the largest inner packet
#    an outer IPv4 packet / IPv6 payload of 64 KB can hold.
# Namespaces gtgd-frag<pid>-{a,b}; addresses as in gretund_lib.sh.
set -eu
TAG=frag$$
. "$(dirname "$0")/gretund_lib.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
command -v nstat >/dev/null || { echo "SKIP: nstat (iproute2) missing"; exit 77; }
BIG="python3 $(cd "$(dirname "$0")" && pwd)/gretund_big.py"

setup_netns
start_daemons

# counter NS NAME: an absolute SNMP counter of namespace NS (0 if absent)
counter() {
	ip netns exec "$1" nstat -az "$2" 2>/dev/null | awk -v n="$2" '$1 == n { print $2; f = 1 } END { if (!f) print 0 }'
}

stat_get() {	# stat_get NS NAME PATH
	json_get "$(ctl_ok "$1" "get $2")" "$3"
}

# expect_answer DESC INNER(4|6) UNDERLAY(4|6) COMMAND...: run COMMAND (which
# makes B send one big packet to A); A must have reassembled an outer packet,
# its gretund delivered the inner one, and B must get the echo reply. A
# failed case is reported and the others still run.
FAILED=""
expect_answer() {
	local desc=$1 inner=$2 under=$3 reasm rep r0 p0 o0 rep0 rc=0 i=0 why=""
	shift 3
	reasm=IpReasmOKs; [ "$under" = 6 ] && reasm=Ip6ReasmOKs
	rep=IcmpInEchoReps; [ "$inner" = 6 ] && rep=Icmp6InEchoReplies
	r0=$(counter "$NSA" $reasm)
	rep0=$(counter "$NSB" $rep)
	p0=$(stat_get "$NSA" "$tun" stats.rx_packets)
	o0=$(stat_get "$NSA" "$tun" stats.drops.oversize)
	"$@" >/dev/null 2>&1 || rc=$?
	while [ "$(counter "$NSB" $rep)" -le "$rep0" ] && [ $i -lt 30 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ "$(counter "$NSA" $reasm)" -le "$r0" ]; then
		why="no outer fragments reassembled ($reasm; the sender exited $rc)"
	elif [ "$(stat_get "$NSA" "$tun" stats.drops.oversize)" != "$o0" ]; then
		why="gretund dropped it as oversize"
	elif [ "$(stat_get "$NSA" "$tun" stats.rx_packets)" -le "$p0" ]; then
		why="gretund delivered nothing"
	elif [ "$(counter "$NSB" $rep)" -le "$rep0" ]; then
		why="no echo reply came back ($rep)"
	fi
	if [ -n "$why" ]; then
		echo "  $desc: FAIL: $why" >&2
		FAILED="$FAILED
  $desc: $why"
		return 0
	fi
	echo "  $desc: delivered and answered"
}

# mac NS DEV
mac() {
	ip netns exec "$1" cat "/sys/class/net/$2/address"
}

# the issue's case, all gretund: B's tunnel MTU is larger than its path
tun=gf1
up_pair $tun gre "pmtudisc=no"
ip -n "$NSB" link set $tun mtu 9000
pings "$NSA" 203.0.113.2
expect_answer "gre: 3000-byte ping from a peer with tunnel MTU 9000" 4 4 \
	ip netns exec "$NSB" $PING -c 1 -W 3 -M dont -s 3000 203.0.113.1
down_pair $tun

# crafted: CONFIG MODE CTL-OPTIONS BIG-OPTIONS, then SIZE/INNER pairs
run_case() {
	local name=$1 mode=$2 copts=$3 bopts=$4 dst=192.0.2.1 under=4 c size inner
	shift 4
	tun=$name
	case "$mode" in ip6*) dst=2001:db8:200::1 under=6 ;; esac
	# shellcheck disable=SC2086 # options are words
	up_pair $tun "$mode" "$copts"
	pings "$NSA" 203.0.113.2
	pings "$NSA" 2001:db8:201::2
	case "$mode" in *tap) bopts="$bopts --tap $(mac "$NSB" $tun) $(mac "$NSA" $tun)" ;; esac
	for c in "$@"; do
		size=${c%/*} inner=${c#*/}
		[ "$size" = max ] && size="the largest ($($BIG "$dst" max --inner "$inner" $bopts --print))"
		# shellcheck disable=SC2086 # options are words
		expect_answer "$name: inner IPv$inner of $size bytes" "$inner" "$under" \
			ip netns exec "$NSB" $BIG "$dst" "${c%/*}" --inner "$inner" $bopts
	done
	down_pair $tun
}

run_case gf_kc gre "ikey=42 okey=42 iflags=csum oflags=csum" "--key 42 --csum" \
	3000/4 3000/6 max/4 max/6
run_case gf_6 ip6gre "" "" 3000/4 3000/6 max/6
run_case gf_tap gretap "" "" 3000/4 max/6
run_case gf_tap6 ip6gretap "" "" 3000/6 max/4
run_case gf_u gre "encap=udp" "--udp 4754" 3000/4 max/4
run_case gf_u6 ip6gre "encap=udp" "--udp 4754" 3000/6 max/6
[ -z "$FAILED" ] || fail "inner packets larger than the MTU in outer fragments:$FAILED"
echo "PASS"
