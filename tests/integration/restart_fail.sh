#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A restart whose new gretund fails: the binary gretund runs for a restart
# ($GRETUND as the daemon saw it at start) is a wrapper that exits 1 once a
# flag file exists. The command must exit 1 and say why, the old process
# must keep serving (same pid, traffic flowing), and a later restart with a
# working binary must succeed.
# The new binary may die before, while or after the old gretund writes the
# handover: the answer is its exit status each time, never the write error.
# strace (if installed) holds the old gretund back where the window is: its
# fork returns late (the new binary is gone before the first write), or its
# read of "ready" does (gone before the state is written); a fake new binary
# exits 1 after reading the first message, or after answering "ready".
set -u
. "$(dirname "$0")/restart_lib.sh"

wrap=$t_tmp/gretund-wrapper
cat >"$wrap" <<EOW
#!/bin/sh
[ -e "$t_tmp/broken" ] && { echo "gretund-wrapper: broken on purpose" >&2; exit 1; }
[ -e "$t_tmp/fake" ] && exec python3 "$t_tmp/fake.py" "\$(cat "$t_tmp/fake")" "\$@"
exec "$GRETUND" "\$@"
EOW
chmod +x "$wrap"
export GRETUND="$wrap"
# fake.py WHEN ARGS...: a new gretund that takes part in the handover
# (--takeover=FD) and exits 1: after the first message (read1), or after
# the descriptors and its "ready" (ready)
cat >"$t_tmp/fake.py" <<'EOP'
import os, socket, sys
fd = int([a for a in sys.argv if a.startswith("--takeover=")][0].split("=")[1])
s = socket.socket(fileno=fd)
while True:
    m, fds, _, _ = socket.recv_fds(s, 4096, 4)
    if sys.argv[1] == "read1" or m in (b"", b"end"):
        break
if sys.argv[1] == "ready" and m == b"end":
    s.send(b"ready")
sys.exit(1)
EOP

traced() { wait_for 5 sh -c "grep -q '^TracerPid:[[:space:]]*[1-9]' /proc/$1/status"; }
# strace can attach to gretund here (ptrace allowed)
can_trace() {
	strace -qq -o /dev/null -p "$1" -e trace=none &
	st=$!
	traced "$1"; r=$?
	kill "$st"
	wait "$st"
	return $r
}
# delayed WHEN SYSCALL: a restart with the fake binary WHEN (or the broken
# one: -) while SYSCALL of the old gretund returns 300 ms late (strace);
# exits 1 and says the new gretund exited with status 1
delayed() {
	w=$(worker_pid "$a")
	rm -f "$t_tmp/fake"
	if [ "$1" = - ]; then touch "$t_tmp/broken"; else echo "$1" >"$t_tmp/fake"; fi
	strace -qq -o /dev/null -p "$w" -e trace="$2" -e inject="$2":delay_exit=300000 &
	st=$!
	traced "$w" || { kill "$st"; rm -f "$t_tmp/fake" "$t_tmp/broken"; return 1; }
	A restart all >"$t_tmp/o3" 2>&1; rc=$?
	kill "$st"
	wait "$st"
	rm -f "$t_tmp/fake" "$t_tmp/broken"
	sed 's/^/# /' "$t_tmp/o3"
	test "$rc" = 1 && grep -q "the new gretund exited with status 1 before it was ready" "$t_tmp/o3" &&
		test "$(worker_pid "$a")" = "$w"
}

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
for f in read1 ready; do
	echo "$f" >"$t_tmp/fake"
	A restart all >"$t_tmp/o2" 2>&1; rc=$?
	sed 's/^/# /' "$t_tmp/o2"
	check "a new gretund that exits 1 after $f: restart exits 1, says it exited with status 1" \
		sh -c "test $rc = 1 && grep -q 'the new gretund exited with status 1 before it was ready' $t_tmp/o2"
	check "after $f: the old gretund keeps serving (same pid)" test "$(worker_pid "$a")" = "$old"
done
rm -f "$t_tmp/fake"
if ! command -v strace >/dev/null; then
	echo "# SKIP the handover-window checks: strace not installed"
elif ! can_trace "$old"; then
	echo "# SKIP the handover-window checks: strace cannot attach to gretund (ptrace not allowed)"
else
	check "the new binary exits before the first write (fork returns late): exit status 1, not the write error" \
		delayed - clone
	check "the new binary exits after its first read (fork returns late): exit status 1" \
		delayed read1 clone
	check "the new binary exits after ready, before the state is written (recvmsg returns late): exit status 1" \
		delayed ready recvmsg
	check "after those: the old gretund keeps serving (same pid)" test "$(worker_pid "$a")" = "$old"
	check "after those: traffic still flows" pings "$a" 203.0.113.194
fi
check "a restart with a working binary then succeeds" A -q restart all
check "a new process serves" test "$(worker_pid "$a")" != "$old"
check "traffic flows after" pings "$a" 203.0.113.194
check "restart of an unknown tunnel exits 4" sh -c "ip netns exec $a $GRETUNCTL restart nosuch 2>/dev/null; test \$? = 4"
finish
