#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A restart whose new gretund fails: the binary gretund runs for a restart
# ($GRETUND as the daemon saw it at start) is a wrapper that exits 1 once a
# flag file exists. The command must exit 1 and say why, the old process
# must keep serving (same pid, traffic flowing), and a later restart with a
# working binary must succeed.
set -u
. "$(dirname "$0")/restart_lib.sh"

wrap=$t_tmp/gretund-wrapper
cat >"$wrap" <<EOW
#!/bin/sh
[ -e "$t_tmp/broken" ] && { echo "gretund-wrapper: broken on purpose" >&2; exit 1; }
exec "$GRETUND" "\$@"
EOW
chmod +x "$wrap"
export GRETUND="$wrap"

underlay_up
check "tunnel up on both ends" tunnels_up
check "traffic flows" wait_for 5 pings "$a" 203.0.113.194
old=$(worker_pid "$a")
ip netns exec "$a" ping -q -i 0.01 -c 300 203.0.113.194 >"$t_tmp/ping" 2>&1 &
pp=$!; bg_pid $pp
sleep 0.5
touch "$t_tmp/broken"
A restart all >"$t_tmp/o" 2>&1; rc=$?
sed 's/^/# /' "$t_tmp/o"
check "restart with a failing binary exits 1" test "$rc" = 1
check "the message says the new gretund exited" grep -q "exited with status 1" "$t_tmp/o"
check "the old gretund keeps serving (same pid)" test "$(worker_pid "$a")" = "$old"
check "traffic still flows" pings "$a" 203.0.113.194
A restart gre1 >"$t_tmp/o2" 2>&1; rc=$?
check "restart NAME fails the same way" test "$rc" = 1
wait "$pp"
tx=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$t_tmp/ping")
rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$t_tmp/ping")
echo "# ping during the failed restarts: ${tx:-?} sent, ${rx:-?} received"
check "no packet lost during the failed restarts" test -n "$tx" -a "${tx:-x}" = "${rx:-y}"
rm -f "$t_tmp/broken"
check "a restart with a working binary then succeeds" A -q restart all
check "a new process serves" test "$(worker_pid "$a")" != "$old"
check "traffic flows after" pings "$a" 203.0.113.194
check "restart of an unknown tunnel exits 4" sh -c "ip netns exec $a $GRETUNCTL restart nosuch 2>/dev/null; test \$? = 4"
finish
