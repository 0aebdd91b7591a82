#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# 20 `gretunctl restart` calls under a steady stream through a userspace
# tunnel: a ping every millisecond, a 2000 packet/s UDP stream with sequence
# numbers, and a paced TCP transfer across all the restarts. Prints the
# packets lost and the longest gap between two UDP arrivals.
#
# Expected loss is 0: the old gretund stops reading only after the new one
# said ready, and the new one starts reading right after; the TUN queue
# (txqueuelen 500) and the raw socket's 2 MiB receive buffer are shared
# kernel objects that hold what arrives in between (well under a
# millisecond's worth). Only a handover gap longer than the TUN queue
# (250 ms at this rate) could drop packets, and that is a failure here.
set -u
. "$(dirname "$0")/restart_lib.sh"
STREAM="python3 $(dirname "$0")/restart_stream.py"
RESTARTS=${RESTARTS:-20}

underlay_up
check "tunnel up on both ends" tunnels_up
check "traffic flows before" wait_for 5 pings "$a" 203.0.113.194

ip netns exec "$b" $STREAM udp-recv 203.0.113.194 5001 20 >"$t_tmp/udp" &
bg_pid $!
ip netns exec "$b" $STREAM tcp-recv 203.0.113.194 5002 30 >"$t_tmp/tcprecv" &
bg_pid $!
wait_for 5 grep -q ready "$t_tmp/udp"
wait_for 5 grep -q ready "$t_tmp/tcprecv"
secs=$((RESTARTS / 4 + 4))
ip netns exec "$a" ping -q -i 0.001 -c $((secs * 1000)) 203.0.113.194 >"$t_tmp/ping" 2>&1 &
pp=$!; bg_pid $pp
ip netns exec "$a" $STREAM udp-send 203.0.113.194 5001 2000 "$secs" >"$t_tmp/udpsend" &
up=$!; bg_pid $up
ip netns exec "$a" $STREAM tcp-send 203.0.113.194 5002 $((8 * 1024 * 1024)) "$secs" >"$t_tmp/tcpsend" &
tp=$!; bg_pid $tp
sleep 1
fails=0 pids=""
for i in $(seq 1 "$RESTARTS"); do
	if ! A -q restart all 2>>"$t_tmp/restart.err"; then fails=$((fails + 1)); fi
	pids="$pids $(worker_pid "$a")"
	sleep 0.15
done
wait "$pp" "$up" "$tp"
for i in $(seq 1 100); do grep -q received "$t_tmp/udp" && grep -q sha256 "$t_tmp/tcprecv" && break; sleep 0.1; done

check "$RESTARTS restarts all exit 0" test "$fails" = 0
distinct=$(echo "$pids" | tr ' ' '\n' | sort -u | grep -c .)
check "every restart made a new process ($distinct distinct pids)" test "$distinct" = "$RESTARTS"
udp=$(grep received "$t_tmp/udp")
ping_tx=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$t_tmp/ping")
ping_rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$t_tmp/ping")
udp_lost=$(echo "$udp" | awk '{print $4}')
gap=$(echo "$udp" | awk '{print $6}')
echo "# UDP: $udp ($(cat "$t_tmp/udpsend"))"
echo "# ping: ${ping_tx:-?} sent, ${ping_rx:-?} received, lost $(( ${ping_tx:-0} - ${ping_rx:-0} ))"
echo "# packets lost over $RESTARTS restarts: UDP ${udp_lost:-?}, ping $(( ${ping_tx:-0} - ${ping_rx:-0} )); longest UDP gap ${gap:-?} ms"
check "UDP stream lost nothing" test "${udp_lost:-x}" = 0
check "ping every ms lost nothing" test -n "$ping_tx" -a "${ping_tx:-x}" = "${ping_rx:-y}"
s1=$(awk '/sha256/{print $2}' "$t_tmp/tcpsend"); s2=$(awk '/sha256/{print $2}' "$t_tmp/tcprecv")
echo "# TCP: sent $(cat "$t_tmp/tcpsend"), received $(grep sha256 "$t_tmp/tcprecv")"
check "TCP transfer across all restarts, sha256 matches" test -n "$s1" -a "$s1" = "$s2"
check "traffic flows after" pings "$a" 203.0.113.194
finish
