#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# gretund end to end: two namespaces over a veth, one gretund each; gre,
# gretap, ip6gre, ip6gretap and GRE-in-UDP, with key+csum+seq off and on;
# pings both ways over IPv4 and IPv6 overlays; the wire checked with tshark;
# a 1 MB TCP transfer compared by sha256.
set -eu
TAG=basic$$
. "$(dirname "$0")/gretund_lib.sh"

WIRE_SKIPPED=
OPTS_ON="ikey=77 okey=77 iflags=csum,seq oflags=csum,seq"

# wire_check NAME: capture GRE on the veth while pinging, check the fields
wire_check() {
	local name=$1 udp=$2 fields decode=""
	[ "$udp" = yes ] && decode="-d udp.port==4754,gre"
	command -v tshark >/dev/null || { WIRE_SKIPPED=1; return 0; }
	rm -f "$TMP/cap.pcap"
	ip netns exec "$NSA" tshark -q -i veth0 -c 6 -f "ip proto 47 or ip6 proto 47 or udp port 4754" \
		-w "$TMP/cap.pcap" >/dev/null 2>&1 &
	local tp=$!
	PIDS="$PIDS $tp"
	sleep 1.5
	ip netns exec "$NSA" $PING -c 3 -i 0.2 -W 2 203.0.113.2 >/dev/null || true
	wait "$tp" || fail "tshark capture"
	fields=$(tshark -r "$TMP/cap.pcap" $decode -T fields \
		-e gre.flags.checksum -e gre.key -e gre.sequence_number -e gre.checksum.status 2>/dev/null | sort -u)
	echo "  wire: $(echo "$fields" | head -3 | tr '\t\n' ' /')"
	# every packet: checksum flag set, key 77 (0x4d), a sequence number,
	# checksum status 1 (good)
	[ -n "$fields" ] || fail "$name: no GRE packet captured"
	echo "$fields" | awk -F'\t' 'NF < 4 || $1 != "1" || ($2 != "77" && $2 != "0x0000004d") || $3 == "" || $4 != "1" { bad=1 } END { exit bad }' \
		|| fail "$name: GRE fields on the wire: $fields"
}

run_case() {
	local mode=$1 extra=$2 opts=$3 name=gt$4
	echo "case: $mode $extra ${opts:+(key+csum+seq)}"
	up_pair "$name" "$mode" "$extra $opts"
	pings "$NSA" 203.0.113.2
	pings "$NSB" 203.0.113.1
	pings "$NSA" 2001:db8:201::2
	pings "$NSB" 2001:db8:201::1
	if [ -n "$opts" ]; then
		case "$extra" in *udp*) wire_check "$name" yes ;; *) wire_check "$name" no ;; esac
	fi
	local r
	r=$(ctl_ok "$NSB" "get $name")
	[ "$(json_get "$r" stats.rx_packets)" -gt 0 ] || fail "$name: no rx counted: $r"
	down_pair "$name"
	! ip -n "$NSA" link show "$name" >/dev/null 2>&1 || fail "$name still exists after destroy"
}

setup_netns
start_daemons
i=0
for mode in gre gretap ip6gre ip6gretap; do
	for opts in "" "$OPTS_ON"; do
		i=$((i + 1))
		run_case "$mode" "" "$opts" "$i"
	done
done
for mode in gre ip6gre gretap; do
	for opts in "" "$OPTS_ON"; do
		i=$((i + 1))
		run_case "$mode" "encap=udp" "$opts" "$i"
	done
done

echo "case: TCP 1 MB over gre with key+csum+seq"
up_pair gtcp gre "$OPTS_ON"
head -c 1048576 /dev/urandom > "$TMP/in"
ip netns exec "$NSB" socat -u TCP-LISTEN:5001,reuseaddr OPEN:"$TMP/out",creat,trunc &
PIDS="$PIDS $!"
sleep 0.5
ip netns exec "$NSA" timeout 30 socat -u OPEN:"$TMP/in" TCP:203.0.113.2:5001 || fail "TCP transfer"
sleep 0.5
[ "$(sha256sum < "$TMP/in")" = "$(sha256sum < "$TMP/out")" ] || fail "TCP transfer: sha256 differs"
# IPv4 GRE with DF sends on the raw receive socket: a second raw GRE socket
# would get a clone of every received GRE packet (gretund_sock.c)
n=$(ip netns exec "$NSA" ss -4 -w -a -n | awk '$4 ~ /:47$/' | wc -l)
[ "$n" = 1 ] || fail "raw GRE sockets in A after IPv4 traffic: $n, want 1"
down_pair gtcp
# not a pass: a part of the test did not run
[ -z "$WIRE_SKIPPED" ] || { echo "SKIP: tshark not installed: wire checks not run (the rest passed)"; exit 77; }
echo "PASS"
