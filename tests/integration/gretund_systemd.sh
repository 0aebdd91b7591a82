#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# gretund as systemd runs it, with systemd played by gretund_systemd.py:
# socket activation (gretund.socket's abstract socket handed over as fd 3),
# READY=1 on start, and on `gretunctl restart` (systemctl reload) the new
# process announced as MAINPID before the old one exits.
set -u
PREFIX=gtsd
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$GRETUND" ] || skip_all "gretund not built ($GRETUND)"

ns=$PREFIX-$$
netns_add "$ns"
G() { ip netns exec "$ns" "$GRETUNCTL" "$@"; }
log=$t_tmp/notify.log
ip netns exec "$ns" python3 "$(dirname "$0")/gretund_systemd.py" "$GRETUND" "$t_tmp/notify" "$log" &
bg_pid $!
wait_for() { # PATTERN: bounded wait for a line in the notify log
	i=0
	while ! grep -q "$1" "$log" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	grep -q "$1" "$log" 2>/dev/null
}
check "gretund started on the activated socket says READY=1" wait_for " READY=1"
first=$(sed -n 's/^STARTED //p' "$log")
bg_pid "$first"
check "READY=1 came from the process systemd started" grep -q "^$first READY=1" "$log"
check "up uses the socket-activated gretund" G up gs1 mode gre local 192.0.2.1 remote 198.51.100.9 \
	address 203.0.113.1/30 --backend userspace
gpids=$(ip netns pids "$ns" | while read -r p; do
	[ "$(cat /proc/"$p"/comm 2>/dev/null)" = gretund ] && echo "$p"; done)
check "and no other gretund was started ($gpids)" test "$gpids" = "$first"
check "restart (systemctl reload)" G restart all
check "the new process is announced as MAINPID" wait_for "^$first MAINPID="
new=$(sed -n "s/^$first MAINPID=//p" "$log" | tail -n 1)
bg_pid "$new"
check "MAINPID ($new) is a running gretund" test "$(cat /proc/"$new"/comm 2>/dev/null)" = gretund
i=0; while kill -0 "$first" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "the old process ($first) is gone" sh -c "! kill -0 $first 2>/dev/null || grep -q zombie /proc/$first/status 2>/dev/null || grep -q '^State:.*Z' /proc/$first/status"
check "the tunnel is served by the new process" sh -c "ip netns exec $ns $GRETUNCTL show gs1 -j | jq -e '.[0].backend == \"userspace\"' >/dev/null && ip -n $ns link show gs1 | grep -q LOWER_UP"
check "down" G down gs1
check "a socket-activated gretund stays after its last tunnel" kill -0 "$new"
finish
