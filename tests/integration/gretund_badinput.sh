#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# gretund against bad input: malformed GRE injected from the peer namespace
# is dropped and counted under its reason (a packet larger than the MTU is
# not bad: delivered), good traffic still flows; garbage
# and oversize control lines get an error reply and the daemon survives; a
# second gretund in the same namespace refuses.
set -eu
TAG=bad$$
. "$(dirname "$0")/gretund_lib.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
INJECT="python3 $(cd "$(dirname "$0")" && pwd)/gretund_inject.py"

setup_netns
start_daemons
up_pair gt1 gre "ikey=77 okey=77 iflags=csum,seq oflags=csum,seq"
pings "$NSA" 203.0.113.2

drops() {
	json_get "$(ctl_ok "$NSA" "get gt1")" "stats.drops.$1"
}

# case reason: every case a fresh, increasing sequence number, so only the
# duplicate is out of order; start just above what the peer sends now, so
# that the peer's real traffic catches up afterwards
seq=$(json_get "$(ctl_ok "$NSB" "get gt1")" o_seqno)
for c in truncated:truncated zero:truncated version:version routing:routing key:key \
	csum:csum flags:flags proto:proto inner:inner; do
	case=${c%%:*} reason=${c#*:}
	before=$(drops "$reason")
	seq=$((seq + 1))
	ip netns exec "$NSB" $INJECT 192.0.2.1 "$case" "$seq"
	sleep 0.2
	after=$(drops "$reason")
	[ "$after" -gt "$before" ] || fail "$case: not counted as $reason ($before -> $after)"
	echo "  $case: dropped as $reason"
done

# duplicate sequence number: the first passes, the copy is dropped
seq=$((seq + 1))
before_rx=$(json_get "$(ctl_ok "$NSA" "get gt1")" stats.rx_packets)
before=$(drops seq)
ip netns exec "$NSB" $INJECT 192.0.2.1 good "$seq"
ip netns exec "$NSB" $INJECT 192.0.2.1 good "$seq"
sleep 0.2
[ "$(drops seq)" -gt "$before" ] || fail "duplicate sequence not counted as seq"
[ "$(json_get "$(ctl_ok "$NSA" "get gt1")" stats.rx_packets)" -gt "$before_rx" ] \
	|| fail "the first of the duplicates was not forwarded"
echo "  duplicate: dropped as seq"

# not bad input: a 9000-byte inner packet for a 1400-byte tunnel device (in
# outer fragments) is delivered, as Linux does (more in gretund_frag.sh)
seq=$((seq + 1))
before=$(drops oversize)
before_rx=$(json_get "$(ctl_ok "$NSA" "get gt1")" stats.rx_packets)
ip netns exec "$NSB" $INJECT 192.0.2.1 big "$seq"
sleep 0.2
[ "$(drops oversize)" = "$before" ] || fail "a packet larger than the MTU dropped as oversize"
[ "$(json_get "$(ctl_ok "$NSA" "get gt1")" stats.rx_packets)" -gt "$before_rx" ] \
	|| fail "a packet larger than the MTU was not delivered"
echo "  larger than the MTU: delivered"

# wrong source: a third address on the underlay
ip -n "$NSB" addr add 192.0.2.3/26 dev veth0
before=$(drops source)
seq=$((seq + 1))
ip netns exec "$NSB" $INJECT 192.0.2.1 good "$seq" 192.0.2.3
sleep 0.2
[ "$(drops source)" -gt "$before" ] || fail "wrong source not counted as source"
echo "  wrong source: dropped as source"

# good traffic still flows, once the peer's sequence numbers have caught up
# with the injected ones
ip netns exec "$NSB" $PING -c 40 -i 0.05 -W 1 203.0.113.1 >/dev/null 2>&1 || true
pings "$NSA" 203.0.113.2
pings "$NSB" 203.0.113.1

# control socket garbage
for line in "bogus" "create" "create gt9 remote=nonsense" "get nosuch" \
	"$(head -c 300 /dev/urandom | tr -d '\n\0')" "$(head -c 6000 /dev/zero | tr '\0' a)"; do
	r=$(ctl "$NSA" "$line")
	case "$r" in
	'{"ok":false,"error":'*) ;;
	*) fail "control line '${line:0:40}' got: $r" ;;
	esac
done
ctl_ok "$NSA" ping >/dev/null
echo "  control garbage: error replies, daemon alive"

# names that would need quoting in a reply, or that split a request: an
# error reply that is JSON all the same, and nothing made (no device, no
# table entry holding the endpoints)
for name in 'q"1' 'q\1' 'q=1'; do
	r=$(ctl "$NSA" "create $name local=192.0.2.1 remote=192.0.2.9 ikey=5 okey=5")
	python3 -c 'import json,sys; sys.exit(json.loads(sys.argv[1])["ok"] is not False)' "$r" \
		2>/dev/null || fail "create $name: not a JSON error reply: $r"
	if ip -n "$NSA" link show "$name" >/dev/null 2>&1; then
		fail "create $name: a device was left"
	fi
done
ctl_ok "$NSA" "create q1 local=192.0.2.1 remote=192.0.2.9 ikey=5 okey=5" >/dev/null
python3 -c 'import json,sys; json.loads(sys.argv[1])' "$(ctl_ok "$NSA" list)" ||
	fail "list: not JSON"
ctl_ok "$NSA" "destroy q1" >/dev/null
echo "  names needing quoting: JSON error replies, nothing made"

# over IPv6 a keyless tunnel and one with key 0 are the same tunnel, as in
# ip6gre (only the key's value counts); over IPv4 they are two
ctl_ok "$NSA" "create k6a mode=ip6gre local=2001:db8:200::1 remote=2001:db8:200::2" >/dev/null
r=$(ctl "$NSA" "create k6b mode=ip6gre local=2001:db8:200::1 remote=2001:db8:200::2 ikey=0 okey=0")
case "$r" in *'"ok":false'*'same local, remote and key'*) ;;
*) fail "ip6gre with key 0 beside a keyless one: $r" ;; esac
ctl_ok "$NSA" "destroy k6a" >/dev/null
ctl_ok "$NSA" "create k4a mode=gre local=192.0.2.1 remote=192.0.2.2" >/dev/null
ctl_ok "$NSA" "create k4b mode=gre local=192.0.2.1 remote=192.0.2.2 ikey=0 okey=0" >/dev/null
ctl_ok "$NSA" "destroy k4a" >/dev/null
ctl_ok "$NSA" "destroy k4b" >/dev/null
echo "  key 0 and no key: one tunnel over IPv6, two over IPv4 (as Linux)"

# a second gretund in the same namespace refuses, the first goes on
set +e
msg=$(ip netns exec "$NSA" "$GRETUND" 2>&1)
rc=$?
set -e
[ "$rc" = 1 ] || fail "second gretund: exit $rc"
case "$msg" in *already*) ;; *) fail "second gretund said: $msg" ;; esac
ctl_ok "$NSA" ping >/dev/null
echo "  second gretund: $msg"
echo "PASS"
