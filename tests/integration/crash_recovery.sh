#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kill -9 of the process forwarding packets: the TUN device persists, so its
# address and routes stay; the supervisor started by `--daemon` starts a new
# worker that re-attaches from the state file; forwarding comes back with no
# manual step. Prints the time from the kill to the first answered ping.
# The counters survive a crash and a restart.
set -u
. "$(dirname "$0")/restart_lib.sh"

underlay_up
check "tunnel up on both ends" tunnels_up
check "traffic flows" wait_for 5 pings "$a" 203.0.113.225
ip -n "$a" route show dev gre1 >"$t_tmp/r1"
for round in 1 2 3; do
	w=$(worker_pid "$a")
	check "round $round: a worker answers ($w)" test -n "$w"
	t0=$(date +%s%N)
	kill -9 "$w"
	# bounded: one ping per 10 ms, up to 5 s
	ok=0
	for i in $(seq 1 500); do
		if ip netns exec "$a" ping -c 1 -W 0.05 203.0.113.225 >/dev/null 2>&1; then ok=1; break; fi
		sleep 0.01
	done
	t1=$(date +%s%N)
	echo "# round $round: kill -9 to forwarding again: $(( (t1 - t0) / 1000000 )) ms"
	check "round $round: forwarding resumes by itself" test "$ok" = 1
	# the fast path forwards before the new worker holds the device again
	# (its routes say linkdown meanwhile): wait for the worker
	check "round $round: the routes stayed" wait_for 5 sh -c "ip -n $a route show dev gre1 | cmp -s - $t_tmp/r1"
	check "round $round: a new worker serves" test "$(worker_pid "$a")" != "$w"
done
# The counters come back with the state file (after kill -9) and with the
# handover (restart). No traffic meanwhile (a new worker is waited for by
# its pid, not by pings), so they are never below what was counted before.
tx_packets() { A -j show gre1 | jq -e '.[0].stats.tx_packets'; }
counted_since() { [ "$(tx_packets)" -ge "$1" ]; }
new_worker() { local p; p=$(worker_pid "$a"); [ -n "$p" ] && [ "$p" != "$1" ]; }
ip netns exec "$a" ping -q -c 50 -i 0.002 -W 1 203.0.113.225 >/dev/null 2>&1
n0=$(tx_packets)
check "counters: 50 pings counted (${n0:-none})" test "${n0:-0}" -ge 50
sleep 1.2
w=$(worker_pid "$a")
kill -9 "$w"
check "counters: a new worker after kill -9" wait_for 5 new_worker "$w"
check "counters: kept across kill -9 (state file)" counted_since "${n0:-50}"
ip netns exec "$a" ping -q -c 50 -i 0.002 -W 1 203.0.113.225 >/dev/null 2>&1
n1=$(tx_packets)
check "counters: 50 more pings counted (${n1:-none})" test "${n1:-0}" -ge 50
check "counters: a restart hands over" A -q restart gre1
check "counters: kept across a restart (handover)" counted_since "${n1:-50}"
check "counters: forwarding after both" wait_for 5 pings "$a" 203.0.113.225
# A change in place reaches the state file (its lines are cached per tunnel
# and formatted again only when the configuration or the counters move).
rekey() {
	A -q up gre1 mode gre local 192.0.2.129 remote 192.0.2.130 \
		address 203.0.113.193/30 route 203.0.113.224/27 key 5 &&
		B -q up gre1 mode gre local 192.0.2.130 remote 192.0.2.129 \
			address 203.0.113.194/30 key 5
}
has_key5() { A -j show gre1 | grep -q '"ikey":5'; }
check "change: key 5 on both ends" rekey
check "change: traffic flows with the key" wait_for 5 pings "$a" 203.0.113.225
sleep 1.2
w=$(worker_pid "$a")
kill -9 "$w"
check "change: forwarding resumes after kill -9" wait_for 5 pings "$a" 203.0.113.225
check "change: the recovered tunnel has the new key" has_key5
check "show still works" A show gre1
check "down removes it all" A -q down gre1
check "the daemon goes when the last tunnel goes" wait_for 5 sh -c "! ip netns pids $a | grep -q ."
finish
