#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Cisco keepalives between two gretun ends (Keepalive 1 3), userspace backend:
# the state comes up; dropping GRE with nftables in one namespace puts the
# carrier down after about INTERVAL x RETRIES (routes through it linkdown),
# restoring it brings it back (last reply advances); probes crafted here with
# scapy in Cisco's exact format, with and without a key, are answered.
# Every wait is a bounded poll, no sleeps as assertions.
set -u
PREFIX=gtka
. "$(dirname "$0")/lib.sh" 2>/dev/null || . "${srcdir:-.}/tests/integration/lib.sh"
require_root
[ -x "$GRETUND" ] || skip_all "gretund not built ($GRETUND)"
[ -x "$GRETUNCTL" ] || skip_all "gretunctl not built ($GRETUNCTL)"
command -v nft >/dev/null || skip_all "nft not installed"
PY=/usr/bin/python3
[ -x $PY ] && $PY -c "import scapy" 2>/dev/null || skip_all "python3-scapy not installed for $PY"
PROBE=$(dirname "$0")/keepalive_probe.py

a=$PREFIX-a-$$ b=$PREFIX-b-$$
A() { ip netns exec "$a" "$GRETUNCTL" "$@"; }
B() { ip netns exec "$b" "$GRETUNCTL" "$@"; }

# wait_for SECONDS CMD...: poll every 100 ms until CMD succeeds (bounded)
wait_for() {
	local n=$(($1 * 10)); shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
# ka NS DEV FIELD: a field of the keepalive object in `show -j`
ka() {
	ip netns exec "$1" "$GRETUNCTL" show "$2" -j |
		$PY -c 'import json,sys; print(json.load(sys.stdin)[0]["keepalive"][sys.argv[1]])' "$3"
}
ka_is() { [ "$(ka "$1" "$2" state)" = "$3" ]; }
# carrier NS DEV on|off, from the kernel's own view (LOWER_UP)
carrier() {
	ip -n "$1" -j link show "$2" | $PY -c '
import json, sys
up = "LOWER_UP" in json.load(sys.stdin)[0]["flags"]
sys.exit(0 if up == (sys.argv[1] == "on") else 1)' "$3"
}
linkdown() { ip -n "$a" route show 203.0.113.240/28 | grep -q linkdown; }
not_linkdown() { ip -n "$a" route show 203.0.113.240/28 | grep -q dev && ! linkdown; }
pings() { ip netns exec "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1; }
last_reply_after() { [ "$(ka "$a" gre1 last_reply)" -gt "$1" ]; }

# underlay: veth 192.0.2.193/.195 <-> 192.0.2.194/.196
netns_add "$a"
netns_add "$b"
ip link add veth0 netns "$a" type veth peer name veth0 netns "$b"
ip -n "$a" addr add 192.0.2.193/27 dev veth0
ip -n "$a" addr add 192.0.2.195/27 dev veth0
ip -n "$b" addr add 192.0.2.194/27 dev veth0
ip -n "$b" addr add 192.0.2.196/27 dev veth0
ip -n "$a" link set veth0 up
ip -n "$b" link set veth0 up
ip -n "$b" addr add 203.0.113.241/28 dev lo

check "gre1 up on a with keepalive 1 3" \
	A -q up gre1 backend userspace mode gre local 192.0.2.193 remote 192.0.2.194 \
		address 203.0.113.225/30 route 203.0.113.240/28 keepalive 1 3
# no peer yet, so no reply: text says never, JSON keeps the number 0
reply_never() {
	A show gre1 | grep 'keepalive 1 3, ' | tee /dev/stderr | grep -q ', last reply never$' &&
		[ "$(ka "$a" gre1 last_reply)" = 0 ]
}
check "show before any reply: text \"last reply never\", JSON last_reply 0" reply_never
check "gre1 up on b with keepalive 1 3" \
	B -q up gre1 backend userspace mode gre local 192.0.2.194 remote 192.0.2.193 \
		address 203.0.113.226/30 keepalive 1 3
check "keepalive state up, a last reply recorded" wait_for 10 sh -c \
	"test \"\$(ip netns exec $a $GRETUNCTL show gre1 -j | $PY -c 'import json,sys; k=json.load(sys.stdin)[0][\"keepalive\"]; print(k[\"state\"], k[\"last_reply\"] > 0)')\" = 'up True'"
# text: seconds ago (a reply comes every second), not the Unix time
reply_ago() {
	local n
	n=$(A show gre1 | grep 'keepalive 1 3, up, ' | tee /dev/stderr |
		sed -n 's/.*, last reply \([0-9][0-9]*\) s ago$/\1/p')
	[ -n "$n" ] && [ "$n" -le 5 ]
}
check "show after a reply: text \"last reply N s ago\", N small" reply_ago
check "carrier on, route usable" sh -c "$(declare -f carrier not_linkdown); a=$a PY=$PY; carrier $a gre1 on && not_linkdown"
check "traffic flows" wait_for 5 pings "$a" 203.0.113.241

before=$(ka "$a" gre1 last_reply)
t0=$(date +%s)
ip netns exec "$a" nft -f - <<'NFT'
table inet gtka {
	chain in { type filter hook input priority 0; policy accept; ip protocol gre drop; }
}
NFT
check "GRE cut: keepalive state goes down" wait_for 15 ka_is "$a" gre1 down
echo "# down after $(($(date +%s) - t0)) s (interval 1, retries 3)"
check "carrier off (no LOWER_UP)" wait_for 5 carrier "$a" gre1 off
check "route through gre1 marked linkdown" wait_for 5 linkdown
ip netns exec "$a" nft delete table inet gtka
check "restored: keepalive state back up" wait_for 15 ka_is "$a" gre1 up
check "carrier on again" wait_for 5 carrier "$a" gre1 on
check "route no longer linkdown" wait_for 5 not_linkdown
check "last reply advanced" wait_for 5 last_reply_after "$before"
check "traffic flows again" wait_for 5 pings "$a" 203.0.113.241

# a keyed tunnel: probes and replies carry the key in both GRE headers
up_gre2() {
	ip netns exec "$a" "$GRETUNCTL" -q up gre2 backend userspace mode gre local 192.0.2.195 \
		remote 192.0.2.196 key 42 address 203.0.113.229/30 keepalive 1 3 &&
	ip netns exec "$b" "$GRETUNCTL" -q up gre2 backend userspace mode gre local 192.0.2.196 \
		remote 192.0.2.195 key 42 address 203.0.113.230/30 keepalive "$@"
}
check "gre2 up on both ends with key 42, keepalive 1 3" up_gre2 1 3
check "gre2 keepalive up, a keyed reply recorded" wait_for 10 sh -c \
	"test \"\$(ip netns exec $a $GRETUNCTL show gre2 -j | $PY -c 'import json,sys; k=json.load(sys.stdin)[0][\"keepalive\"]; print(k[\"state\"], k[\"last_reply\"] > 0)')\" = 'up True'"

# Cisco probes crafted independently: b's own keepalives off first, so every
# protocol-0 packet from a to b is a's answer to the crafted probe.
check "b's keepalives off (converge)" sh -c "$(declare -f up_gre2); a=$a b=$b GRETUNCTL=$GRETUNCTL
	ip netns exec $b $GRETUNCTL -q up gre1 backend userspace mode gre local 192.0.2.194 \
		remote 192.0.2.193 address 203.0.113.226/30 keepalive off && up_gre2 off"
check "a crafted Cisco probe is answered (no key)" \
	ip netns exec "$b" $PY "$PROBE" 192.0.2.194 192.0.2.193
check "a crafted keyed Cisco probe is answered" \
	ip netns exec "$b" $PY "$PROBE" 192.0.2.196 192.0.2.195 42
A -q down gre2 >/dev/null 2>&1
B -q down gre2 >/dev/null 2>&1
A -q down gre1 >/dev/null 2>&1
B -q down gre1 >/dev/null 2>&1
finish
