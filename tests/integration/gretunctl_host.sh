#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# gretunctl on this host (no kernel GRE), inside namespaces made here:
# the kernel backend fails cleanly, config and privilege errors change
# nothing, and route commands work on a tunnel (and on nothing else),
# checked with libnl's nl-route-list rather than our own code.
set -u
PREFIX=gtct
. "$(dirname "$0")/lib.sh"
require_root
command -v nl-route-list >/dev/null || skip_all "nl-route-list (libnl-utils) not installed"
[ -x "$GRETUND" ] || skip_all "gretund not built ($GRETUND): route commands need a tunnel"

ns=$PREFIX-a-$$
netns_add "$ns"
G() { ip netns exec "$ns" "$GRETUNCTL" "$@"; }
rundir() { ip netns exec "$ns" sh -c 'echo /run/gretun/net-$(stat -L -c %i /proc/self/ns/net)'; }

# --- kernel backend on a kernel without GRE ---------------------------------
G up gre1 mode gre local 192.0.2.1 remote 198.51.100.2 key 42 address 203.0.113.1/30 \
	route 198.51.100.128/25 --backend kernel >"$t_tmp/o" 2>&1
rc=$?
check "up --backend kernel exits 1 without kernel GRE" test "$rc" = 1
check "the error names the kernel's reason" grep -q "Unknown device type" "$t_tmp/o"
check "the error is one line" test "$(wc -l <"$t_tmp/o")" = 1
check "no device left" sh -c "! ip -n $ns link show gre1"
check "no route left" sh -c "test -z \"\$(ip -n $ns route show 198.51.100.128/25)\""
check "no state left" sh -c "! test -e $(rundir)/gre1.conf"

# --- config and usage errors: exit 2, nothing changed -------------------------
conf=$t_tmp/etc
mkdir -p "$conf"
printf '[Tunnel]\nMode = gre\nRemote = 198.51.100.2\nKey = 0x1g2\n' >"$conf/bad1.conf"
G -c "$conf" up bad1 >"$t_tmp/o" 2>&1; rc=$?
check "bad key in config exits 2" test "$rc" = 2
check "message names file, line and key" grep -q "bad1.conf:4: Key: invalid key \`0x1g2'" "$t_tmp/o"
check "nothing created for a bad config" sh -c "! ip -n $ns link show bad1"
G up gre2 mode gre remote 198.51.100.2 bogus 1 >"$t_tmp/o" 2>&1; rc=$?
check "unknown inline option exits 2" test "$rc" = 2
G up 'a/b' mode gre remote 198.51.100.2 >/dev/null 2>&1; rc=$?
check "invalid name exits 2" test "$rc" = 2
G frobnicate >/dev/null 2>&1; rc=$?
check "unknown command exits 2" test "$rc" = 2
G down nosuch >/dev/null 2>&1; rc=$?
check "down of an unknown tunnel exits 4" test "$rc" = 4
G show nosuch >/dev/null 2>&1; rc=$?
check "show of an unknown tunnel exits 4" test "$rc" = 4
check "check accepts a good config" G check gre3 mode gre local 192.0.2.1 remote 198.51.100.2 key 1.2.3.4
printf '[Tunnel]\nRemote = 198.51.100.2\n[Hooks]\nPostUp = true\n' >"$conf/hook1.conf"
chmod 0666 "$conf/hook1.conf"
G -c "$conf" up hook1 >"$t_tmp/o" 2>&1; rc=$?
check "hooks in a world-writable config are refused with 2" test "$rc" = 2
check "the refusal names the path" grep -q "hook1.conf" "$t_tmp/o"

# --- privilege: exit 3 naming the capability, before any change --------------
if command -v capsh >/dev/null; then
	ip netns exec "$ns" capsh --drop=cap_net_admin -- -c \
		"$GRETUNCTL up gre4 mode gre remote 198.51.100.2 --backend kernel" >"$t_tmp/o" 2>&1
	rc=$?
	check "without CAP_NET_ADMIN up exits 3" test "$rc" = 3
	check "the message names CAP_NET_ADMIN" grep -qi "cap_net_admin" "$t_tmp/o"
else
	not_ok "capsh missing: privilege test not run"
fi

# --- route commands on a tunnel (a userspace one: a TUN device), verified
# through libnl --------------------------------------------------------------
G up gt0 mode gre remote 198.51.100.2 address 203.0.113.5/24 \
	address 2001:db8:7::5/64 --backend userspace >"$t_tmp/o" 2>&1
check "a userspace tunnel gt0 for the route commands" test "$?" = 0
# ... and on nothing else (a TUN device gretun did not make)
ip -n "$ns" tuntap add dev gt1 mode tun
ip -n "$ns" link set gt1 up
G route add gt1 198.51.100.64/26 >/dev/null 2>&1; rc=$?
check "route add on a device that is no gretun tunnel exits 4" test "$rc" = 4
check "and adds nothing" sh -c "test -z \"\$(ip -n $ns route show dev gt1)\""
# nl-route-list (libnl-route-3) prints one route a line, "... via dev gt0".
nlr() { f=$1; shift; ip netns exec "$ns" nl-route-list --family="$f" "$@" 2>/dev/null | grep 'dev gt0'; }

check "route add" G route add gt0 198.51.100.64/26 metric 7
check "libnl sees it with metric 7" sh -c "ip netns exec $ns nl-route-list --family=inet --dst=198.51.100.64/26 --priority=7 | grep -q 'dev gt0'"
check "route add via gateway in table 100" G route add gt0 198.51.100.0/26 via 203.0.113.9 table 100
check "libnl sees table 100 via 203.0.113.9" sh -c "ip netns exec $ns nl-route-list --family=inet --table=100 | grep -q 'via 203.0.113.9'"
check "route replace changes it" G route replace gt0 198.51.100.0/26 via 203.0.113.10 table 100
check "libnl sees the new gateway" sh -c "ip netns exec $ns nl-route-list --family=inet --table=100 | grep -q 'via 203.0.113.10'"
check "IPv6 route add with src" G route add gt0 2001:db8:8::/48 src 2001:db8:7::5
check "libnl sees the IPv6 route" sh -c "ip netns exec $ns nl-route-list --family=inet6 --pref-src=2001:db8:7::5 | grep -q '2001:db8:8::/48'"
G route add gt0 198.51.100.64/26 metric 7 >"$t_tmp/o" 2>&1; rc=$?
check "duplicate route add exits 1" test "$rc" = 1
check "route list -j is JSON with the routes" sh -c "ip netns exec $ns $GRETUNCTL route list gt0 -j | jq -e 'map(.destination) | index(\"198.51.100.64/26\") != null' >/dev/null"
check "route del" G route del gt0 198.51.100.64/26 metric 7
check "libnl no longer sees it" sh -c "! ip netns exec $ns nl-route-list --family=inet --dst=198.51.100.64/26 | grep -q 198.51.100.64"
G route add gt0 198.51.100.300/26 >/dev/null 2>&1; rc=$?
check "malformed prefix exits 2" test "$rc" = 2
G route add nosuch0 198.51.100.64/26 >/dev/null 2>&1; rc=$?
check "route on a missing device exits 4" test "$rc" = 4

# --- route batch: all or nothing ----------------------------------------------
b=$t_tmp/batch
i=0
: >"$b"
while [ $i -lt 1000 ]; do
	printf 'add 2001:db8:1000:%x::/64 metric 10\n' $i >>"$b"
	i=$((i + 1))
done
check "batch of 1000 routes" G route batch gt0 "$b"
n=$(nlr inet6 | grep -c '2001:db8:1000:')
check "libnl counts 1000 routes (got $n)" test "$n" = 1000
printf 'del 2001:db8:1000:0::/64 metric 10\nreplace 2001:db8:1000:1::/64 metric 10 table 100\nadd 2001:db8:2000::/64\nadd 2001:db8:1000:5::/64 metric 10\n' >"$b.bad"
G route batch gt0 "$b.bad" >"$t_tmp/o" 2>&1; rc=$?
check "a batch with a failing line exits 1" test "$rc" = 1
check "the failing line is named" grep -q "line 4" "$t_tmp/o"
n=$(nlr inet6 | grep -c '2001:db8:1000:')
check "nothing of the failed batch stays (1000 routes, got $n)" test "$n" = 1000
check "the deleted route is back" sh -c "ip netns exec $ns nl-route-list --family=inet6 | grep -q '2001:db8:1000::/64 .*dev gt0'"
check "the added route is gone" sh -c "! ip netns exec $ns nl-route-list --family=inet6 | grep -q '2001:db8:2000::/64'"
printf 'add 2001:db8:3000::/64\nadd garbage\n' >"$b.syntax"
G route batch gt0 "$b.syntax" >"$t_tmp/o" 2>&1; rc=$?
check "a batch with a syntax error exits 2" test "$rc" = 2
check "and names file and line" grep -q "batch.syntax:2" "$t_tmp/o"
check "and changes nothing" sh -c "! ip netns exec $ns nl-route-list --family=inet6 | grep -q '2001:db8:3000::/64'"
sed 's/^add/del/' "$b" | G route batch gt0 - >/dev/null 2>&1
n=$(nlr inet6 | grep -c '2001:db8:1000:')
check "batch del from stdin removes all 1000 (left $n)" test "$n" = 0
check "down gt0" G down gt0

finish
