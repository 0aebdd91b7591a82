#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Cisco keepalives between two gretun ends (Keepalive 1 3): the state is up;
# dropping GRE with nftables in one namespace puts the carrier down after
# about INTERVAL x RETRIES, restoring it brings it back; a probe crafted here
# with scapy in Cisco's exact format is answered.
set -u
. "$(dirname "$0")/restart_lib.sh"
command -v nft >/dev/null || skip_all "nft not installed"
PY=python3; /usr/bin/python3 -c "import scapy" 2>/dev/null && PY=/usr/bin/python3
$PY -c "import scapy" 2>/dev/null || skip_all "python3-scapy not installed"

ka_state() { A show gre1 -j | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["keepalive"]["state"])'; }
carrier() { cat "/sys/class/net/gre1/carrier" 2>/dev/null; }
underlay_up
check "tunnels up with keepalive 1 3" tunnels_up keepalive 1 3
check "keepalive state up (a reply came back)" wait_for 5 sh -c "ip netns exec $a $GRETUNCTL show gre1 -j | grep -q '\"state\": *\"up\".*' && ip netns exec $a $GRETUNCTL show gre1 -j | python3 -c 'import json,sys; k=json.load(sys.stdin)[0][\"keepalive\"]; sys.exit(0 if k[\"state\"]==\"up\" and k[\"last_reply\"]>0 else 1)'"
ip netns exec "$a" nft add table inet gtrs
ip netns exec "$a" nft add chain inet gtrs in '{ type filter hook input priority 0; policy accept; }'
ip netns exec "$a" nft add rule inet gtrs in ip protocol gre drop
check "GRE cut: keepalive state goes down" wait_for 10 sh -c "test \"\$(ip netns exec $a $GRETUNCTL show gre1 -j | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"keepalive\"][\"state\"])')\" = down"
check "carrier is off" sh -c "test \"\$(ip netns exec $a cat /sys/class/net/gre1/carrier 2>/dev/null)\" != 1"
ip netns exec "$a" nft delete table inet gtrs
check "restored: keepalive state back up" wait_for 10 sh -c "test \"\$(ip netns exec $a $GRETUNCTL show gre1 -j | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"keepalive\"][\"state\"])')\" = up"
check "carrier is on" wait_for 5 sh -c "test \"\$(ip netns exec $a cat /sys/class/net/gre1/carrier)\" = 1"
check "traffic flows" wait_for 5 pings "$a" 203.0.113.194
# a Cisco probe from 192.0.2.130 (b's address, a third party sends it from b's
# namespace on a raw socket): outer GRE 0x0800, inner IP 192.0.2.129 ->
# 192.0.2.130 proto 47, inner GRE proto 0. a must send the inner packet to b.
check "a crafted Cisco probe is answered" ip netns exec "$b" $PY "$(dirname "$0")/keepalive_probe.py" 192.0.2.130 192.0.2.129
finish
