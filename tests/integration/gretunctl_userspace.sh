#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# gretunctl end to end on this host, where `auto` must pick the userspace
# backend: up, traffic, converge (nothing changes on a second up; a new key
# is applied in place; a new mode recreates), rollback of a failing up,
# hooks, the lock, and a down that leaves nothing but what the admin added.
set -u
PREFIX=gtcu
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$GRETUND" ] || skip_all "gretund not built ($GRETUND)"

a=$PREFIX-a-$$ b=$PREFIX-b-$$
netns_add "$a"
netns_add "$b"
ip link add veth0 netns "$a" type veth peer name veth0 netns "$b"
ip -n "$a" addr add 198.51.100.1/28 dev veth0
ip -n "$b" addr add 198.51.100.2/28 dev veth0
ip -n "$a" link set veth0 up
ip -n "$b" link set veth0 up
A() { ip netns exec "$a" "$GRETUNCTL" "$@"; }
B() { ip netns exec "$b" "$GRETUNCTL" "$@"; }
snapshot() { # what a converging up must not change
	ip -n "$1" -d link show gre1 | grep -v 'RX\|TX\|^ *[0-9]'
	ip -n "$1" addr show dev gre1 | grep -v valid_lft
	ip -n "$1" route show table all dev gre1
}
gretund_pids() { ip netns pids "$1" | while read -r p; do
	[ "$(cat /proc/"$p"/comm 2>/dev/null)" = gretund ] && echo "$p"; done; }
gretund_pid() { gretund_pids "$1" | head -n 1; }
ifindex() { ip -n "$1" -j link show gre1 | jq '.[0].ifindex'; }
pings() { ip netns exec "$1" ping -c 2 -i 0.2 -W 2 "$2" >/dev/null 2>&1; }
up_a="mode gre local 198.51.100.1 remote 198.51.100.2 key 7 address 203.0.113.1/30 address 2001:db8:c1::1/64 route 192.0.2.0/26"
up_b="mode gre local 198.51.100.2 remote 198.51.100.1 key 7 address 203.0.113.2/30 address 2001:db8:c1::2/64"

# shellcheck disable=SC2086
A up gre1 $up_a >"$t_tmp/o" 2>&1; rc=$?
check "auto up exits 0 on a host without kernel GRE" test "$rc" = 0
check "one line says it falls back to userspace" grep -q "using the userspace backend" "$t_tmp/o"
# shellcheck disable=SC2086
check "peer up" B up gre1 $up_b
check "show -j says backend userspace" sh -c "ip netns exec $a $GRETUNCTL show gre1 -j | jq -e '.[0].backend == \"userspace\" and .[0].mode == \"gre\" and .[0].ikey == 7'"
check "show -j has the addresses and the route" sh -c "ip netns exec $a $GRETUNCTL show -j | jq -e '.[0].addresses == [\"203.0.113.1/30\",\"2001:db8:c1::1/64\"] and .[0].routes[0].destination == \"192.0.2.0/26\"'"
check "MTU auto is 1500 - 20 - 8 = 1472" sh -c "test \$(ip -n $a -j link show gre1 | jq '.[0].mtu') = 1472"
check "list -j carries what show -j does" sh -c "ip netns exec $a $GRETUNCTL list -j | jq -e 'length == 1 and .[0].name == \"gre1\" and .[0].backend == \"userspace\" and .[0].state == \"up\" and .[0].mtu == 1472 and (.[0].stats | has(\"rx_packets\"))'"
check "list text is one line a tunnel" sh -c "test \"\$(ip netns exec $a $GRETUNCTL list)\" = 'gre1 userspace up'"
check "ping across IPv4" pings "$a" 203.0.113.2
check "ping across IPv6" pings "$a" 2001:db8:c1::2
ip -n "$b" addr add 192.0.2.1/26 dev lo
check "ping across the tunnel route" pings "$a" 192.0.2.1

# --- names: what both backends serve, or a usage error that changes nothing ---
# (a " once reached gretund, which made the device and then answered with
# JSON it had not escaped: the up failed, the device stayed and held its
# endpoints; gretund refused é with exit 1 after gretunctl had taken it)
no_other_links() { ! ip -n "$a" -br link | awk '{ sub(/@.*/, "", $1); print $1 }' | grep -vxq 'lo\|veth0\|gre1'; }
for n in 'q"1' 'é1' 'q=1' 'q\1'; do
	A up "$n" remote 198.51.100.9 key 11 >"$t_tmp/o" 2>&1; rc=$?
	l=$(printf '%s' "$n" | sed 's/\\/\\\\/g')	# for echo in check
	check "up \`$l' is a usage error (exit 2)" test "$rc" = 2
	check "up \`$l' says which names are valid" grep -q "printable ASCII" "$t_tmp/o"
done
check "nothing made for them: no device" no_other_links
check "nothing made for them: list has gre1 alone" sh -c "test \"\$(ip netns exec $a $GRETUNCTL list)\" = 'gre1 userspace up'"
check "their endpoints and key are free" A up q1 remote 198.51.100.9 key 11
check "and down again" A down q1

# --- converge -----------------------------------------------------------------
snapshot "$a" >"$t_tmp/s1"
idx=$(ifindex "$a"); pid=$(gretund_pid "$a")
# shellcheck disable=SC2086
check "second identical up exits 0" A up gre1 $up_a
snapshot "$a" >"$t_tmp/s2"
check "second up changes nothing (link, addresses, routes)" cmp -s "$t_tmp/s1" "$t_tmp/s2"
check "same device, same gretund" test "$idx/$pid" = "$(ifindex "$a")/$(gretund_pid "$a")"
# shellcheck disable=SC2086
check "a changed key is applied" A up gre1 $up_a key 8
# shellcheck disable=SC2086
check "peer key changed too" B up gre1 $up_b key 8
check "in place: same ifindex" test "$idx" = "$(ifindex "$a")"
check "show -j reports key 8" sh -c "ip netns exec $a $GRETUNCTL show gre1 -j | jq -e '.[0].ikey == 8 and .[0].okey == 8'"
check "ping after the key change" pings "$a" 203.0.113.2
# shellcheck disable=SC2086
check "up with one route more" A up gre1 $up_a key 8 route 192.0.2.64/26
check "the new route is there" sh -c "ip -n $a route show 192.0.2.64/26 | grep -q gre1"
# shellcheck disable=SC2086
check "up without it" A up gre1 $up_a key 8
check "gretun removed the route it had installed" sh -c "test -z \"\$(ip -n $a route show 192.0.2.64/26)\""
# shellcheck disable=SC2086
check "a changed mode recreates the device" A up gre1 $up_a key 8 mode gretap
check "show says gretap" sh -c "ip netns exec $a $GRETUNCTL show gre1 -j | jq -e '.[0].mode == \"gretap\"'"
check "the addresses came along" sh -c "ip -n $a addr show dev gre1 | grep -q 203.0.113.1/30"
# shellcheck disable=SC2086
check "and back to gre" A up gre1 $up_a key 8

# --- rollback -----------------------------------------------------------------
mkdir -p "$t_tmp/etc"
cat >"$t_tmp/etc/gre2.conf" <<CONF
[Tunnel]
Mode = gre
Local = 198.51.100.1
Remote = 198.51.100.3
Address = 203.0.113.5/30

[Route]
Destination = 192.0.2.128/26

[Route]
Destination = 192.0.2.192/26
Source = 192.0.2.250
CONF
snapshot_all() { ip -n "$a" -br link; ip -n "$a" -br addr; ip -n "$a" route show table all; }
# (a new device gets a new IPv6 link-local address from the kernel, and the
# veth's may leave DAD in the meantime: fe80 aside)
snap_nll() { snapshot_all | sed '/^\(local \)\{0,1\}fe80::/d; s/ fe80::[^ ]*//g' >"$t_tmp/$1"; }
snap_nll before
A -c "$t_tmp/etc" up gre2 >"$t_tmp/o" 2>&1; rc=$?
check "an up whose route the kernel refuses exits 1" test "$rc" = 1
check "the error names the route and the kernel's reason" grep -q "192.0.2.192/26" "$t_tmp/o"
snap_nll after
check "rollback: links, addresses and routes as before" cmp -s "$t_tmp/before" "$t_tmp/after"
check "rollback: no state for gre2" sh -c "! ip netns exec $a $GRETUNCTL show gre2 >/dev/null 2>&1"
check "gre1 untouched and still forwarding" pings "$a" 203.0.113.2

# A failing up of an existing tunnel puts back what it changed: a new key
# applied in place (undo: the old parameters), a new mode (undo: destroy the
# new device, create the old one again, with its addresses and routes).
mkdir -p "$t_tmp/etc1"
bad_up() { # KEY MODE: gre1 as it is but for those, plus a route the kernel refuses
	cat >"$t_tmp/etc1/gre1.conf" <<CONF
[Tunnel]
Mode = $2
Local = 198.51.100.1
Remote = 198.51.100.2
Key = $1
Address = 203.0.113.1/30
Address = 2001:db8:c1::1/64

[Route]
Destination = 192.0.2.0/26

[Route]
Destination = 192.0.2.192/26
Source = 192.0.2.250
CONF
	A -c "$t_tmp/etc1" up gre1 >"$t_tmp/o" 2>&1
}
show_gre1() { ip netns exec "$a" "$GRETUNCTL" show gre1 -j | jq -S '.[0] | del(.stats, .ifindex)'; }
show_gre1 >"$t_tmp/show1"; snap_nll before.g; idx=$(ifindex "$a")
bad_up 9 gre; rc=$?
check "a failing up with a new key exits 1" test "$rc" = 1
show_gre1 >"$t_tmp/show2"; snap_nll after.g
check "undo change: key 8 again, the rest as before" sh -c "cmp -s $t_tmp/show1 $t_tmp/show2 && jq -e '.ikey == 8' $t_tmp/show2 >/dev/null"
check "undo change: links, addresses and routes as before" cmp -s "$t_tmp/before.g" "$t_tmp/after.g"
check "undo change: same device" test "$idx" = "$(ifindex "$a")"
check "undo change: still forwarding with key 8" pings "$a" 203.0.113.2
bad_up 8 gretap; rc=$?
check "a failing up with a new mode exits 1" test "$rc" = 1
show_gre1 >"$t_tmp/show2"; snap_nll after.g
check "undo recreate: mode gre again, the rest as before" sh -c "cmp -s $t_tmp/show1 $t_tmp/show2 && jq -e '.mode == \"gre\"' $t_tmp/show2 >/dev/null"
check "undo recreate: links, addresses and routes as before" cmp -s "$t_tmp/before.g" "$t_tmp/after.g"
check "undo recreate: still forwarding" pings "$a" 203.0.113.2
check "undo recreate: and the tunnel route" pings "$a" 192.0.2.1
# the new device cannot even be made (no kernel GRE here): the old one is
# put back at once, as it was
# shellcheck disable=SC2086
A up gre1 $up_a key 8 --backend kernel >"$t_tmp/o" 2>&1; rc=$?
check "a move to a backend that cannot make the device exits 1" test "$rc" = 1
show_gre1 >"$t_tmp/show2"; snap_nll after.g
check "failed create: the old device is back as it was" sh -c "cmp -s $t_tmp/show1 $t_tmp/show2 && cmp -s $t_tmp/before.g $t_tmp/after.g"
check "failed create: still forwarding" pings "$a" 203.0.113.2

# --- hooks --------------------------------------------------------------------
# Hooks are refused below a group/world-writable directory such as /tmp, so
# this config lives under /run (root's, 0755).
hookdir=$(mktemp -d -p /run gtcu-hooks.XXXXXX)
tmp_dir "$hookdir"
chmod 0755 "$hookdir"
mkdir -m 0755 "$hookdir/etc"
cat >"$hookdir/etc/gre3.conf" <<CONF
[Tunnel]
Remote = 198.51.100.4
Address = 203.0.113.9/30

[Hooks]
PostUp = echo up %i >$t_tmp/hook.log
PostDown = echo down %i >>$t_tmp/hook.log
CONF
check "up with hooks" A -c "$hookdir/etc" up gre3
check "down with hooks" A -c "$hookdir/etc" down gre3
check "PostUp and PostDown ran with %i expanded" sh -c "printf 'up gre3\ndown gre3\n' | cmp -s - $t_tmp/hook.log"
sed -i 's/^PostUp = .*/PostUp = false/' "$hookdir/etc/gre3.conf"
A -c "$hookdir/etc" up gre3 >/dev/null 2>&1; rc=$?
check "a failing PostUp exits 1" test "$rc" = 1
check "and rolls the tunnel back" sh -c "! ip -n $a link show gre3 2>/dev/null"

# --- the lock: concurrent ups of one tunnel -------------------------------------
up4="mode gre local 198.51.100.1 remote 198.51.100.5 address 203.0.113.13/30"
# shellcheck disable=SC2086
for i in 1 2 3 4; do
	(A up gre4 $up4 >"$t_tmp/c$i" 2>&1; echo $? >"$t_tmp/rc$i") &
	cpids="${cpids:-} $!"
done
# shellcheck disable=SC2086
wait $cpids
check "four concurrent ups of one tunnel all exit 0" test "$(cat "$t_tmp"/rc1 "$t_tmp"/rc2 "$t_tmp"/rc3 "$t_tmp"/rc4 | tr -d '\n')" = 0000
check "and print no error" sh -c "! grep -hv 'userspace backend\|own data path serves it' $t_tmp/c1 $t_tmp/c2 $t_tmp/c3 $t_tmp/c4 | grep -q ."
check "exactly one address on gre4" test "$(ip -n "$a" -j addr show dev gre4 | jq '[.[0].addr_info[] | select(.family == "inet")] | length')" = 1
check "down gre4" A down gre4

# --- gretund stopped (SIGTERM, as systemd stop): the device, addresses and
# routes stay; the next up attaches a new gretund ------------------------------
idx=$(ifindex "$a")
for p in $(ip netns pids "$a"); do
	[ "$(cat /proc/"$p"/comm 2>/dev/null)" = gretund ] && kill "$p" 2>/dev/null
done
i=0; while [ -n "$(gretund_pid "$a")" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "gretund stopped" test -z "$(gretund_pid "$a")"
check "the device and its route stay" sh -c "ip -n $a route show 192.0.2.0/26 | grep -q gre1"
# shellcheck disable=SC2086
check "up again attaches a new gretund" A up gre1 $up_a key 8
check "same device" test "$idx" = "$(ifindex "$a")"
check "forwarding again" pings "$a" 203.0.113.2
# shellcheck disable=SC2086
check "gre5 up" A up gre5 mode gre local 198.51.100.1 remote 198.51.100.6 address 203.0.113.17/30
for p in $(ip netns pids "$a"); do
	[ "$(cat /proc/"$p"/comm 2>/dev/null)" = gretund ] && kill -9 "$p" 2>/dev/null
done
i=0; while [ -n "$(gretund_pid "$a")" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "down without a gretund running" A down gre5
check "removes the device all the same" sh -c "! ip -n $a link show gre5 2>/dev/null"
# shellcheck disable=SC2086
check "gre1 back after its gretund was killed" A up gre1 $up_a key 8
check "forwarding again after the kill" pings "$a" 203.0.113.2

# --- a route without a metric gets the default gretunctl(8) states ------------
# (IPv4 0; IPv6 1024, since the kernel makes an IPv6 metric 0 into 1024)
if command -v groff >/dev/null; then
	documented=$(groff -man -Tascii -P-cbou -rLL=200n -rHY=0 "$top_srcdir/man/gretunctl.8" 2>/dev/null |
		tr -s '\n ' '  ' | sed -n 's/.*priority (default \([0-9]*\) for IPv4, \([0-9]*\) for IPv6.*/\1 \2/p')
	A route add gre1 192.0.2.128/26 >/dev/null 2>&1
	A route add gre1 2001:db8:c9::/48 >/dev/null 2>&1
	measured=$(A route list gre1 -j | jq -r '[(.[] | select(.destination == "192.0.2.128/26") | .metric),
		(.[] | select(.destination == "2001:db8:c9::/48") | .metric)] | map(tostring) | join(" ")')
	check "route add without metric: IPv4 and IPv6 defaults as gretunctl(8) says ($measured)" \
		test "${documented:-none}" = "$measured"
	A route del gre1 192.0.2.128/26 >/dev/null 2>&1
	A route del gre1 2001:db8:c9::/48 >/dev/null 2>&1
else
	not_ok "groff not installed (scripts/deps installs groff-base): the documented default metric not compared"
fi

# --- the device deleted behind gretun's back (ip link del): show and list say
# so, gretund lets go of it (name, endpoints, CPU), and up makes it again -------
gretund_tun_fds() { # TUN/TAP descriptors held by the gretund of namespace $1
	for p in $(ip netns pids "$1"); do
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = gretund ] && ls -l /proc/"$p"/fd 2>/dev/null
	done | grep -c '/dev/net/tun$'
}
# a deleted device's descriptor polls EPOLLERR for good: holding it would
# spin gretund, so it must be closed (checked by count, not by CPU time)
tun_fds_before=$(gretund_tun_fds "$a")
ip -n "$a" link del gre1
check "show after ip link del: state absent" sh -c "ip netns exec $a $GRETUNCTL show gre1 -j | jq -e '.[0].state == \"absent\" and .[0].backend == \"userspace\"'"
check "list after ip link del: absent" sh -c "test \"\$(ip netns exec $a $GRETUNCTL list)\" = 'gre1 userspace absent'"
tun_fd_closed() { # within 30 s (the next tick, on a loaded machine)
	for _ in $(seq 1 300); do
		[ "$(gretund_tun_fds "$a")" = "$((tun_fds_before - 1))" ] && return 0
		sleep 0.1
	done
	echo "TUN/TAP descriptors: $tun_fds_before before, $(gretund_tun_fds "$a") now"
	return 1
}
check "gretund closed the deleted device's descriptor (no spin on EPOLLERR)" tun_fd_closed
# shellcheck disable=SC2086
check "its endpoints and key are free at once" A up gre9 mode gre local 198.51.100.1 remote 198.51.100.2 key 8
check "down gre9" A down gre9
# shellcheck disable=SC2086
check "up after ip link del exits 0" A up gre1 $up_a key 8
check "the device is back with its addresses" sh -c "ip -n $a addr show dev gre1 | grep -q 203.0.113.1/30 && ip -n $a addr show dev gre1 | grep -q 2001:db8:c1::1/64"
check "and its route" sh -c "ip -n $a route show 192.0.2.0/26 | grep -q gre1"
check "show: up, served by gretund" sh -c "ip netns exec $a $GRETUNCTL show gre1 -j | jq -e '.[0].state == \"up\" and .[0].ikey == 8'"
check "forwarding again after ip link del" pings "$a" 203.0.113.2

# --- down -----------------------------------------------------------------------
ip -n "$a" route add 192.0.2.32/27 dev veth0
check "down gre1" A down gre1
check "no device left" sh -c "! ip -n $a link show gre1 2>/dev/null"
check "no route via the tunnel left" sh -c "test -z \"\$(ip -n $a route show table all | grep -w gre1)\""
check "the admin's route on veth0 survives" sh -c "ip -n $a route show 192.0.2.32/27 | grep -q veth0"
check "no state left under /run/gretun" sh -c "! ip netns exec $a $GRETUNCTL show gre1 >/dev/null 2>&1 && test \"\$(ip netns exec $a $GRETUNCTL list)\" = ''"
i=0; while [ -n "$(gretund_pid "$a")" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "gretund exits with its last tunnel" test -z "$(gretund_pid "$a")"
ino_a=$(ip netns exec "$a" stat -L -c %i /proc/self/ns/net)
check "the namespace's runtime directory goes with its last tunnel" test ! -e "/run/gretun/net-$ino_a"
A down gre1 >/dev/null 2>&1; rc=$?
check "a second down exits 4" test "$rc" = 4
check "peer down" B down gre1

# --- ip netns del of a namespace with a userspace tunnel: its gretund leaves,
# its devices and its directory under /run/gretun go ---------------------------
gone_within() { # SECONDS CMD...: CMD succeeds within SECONDS
	n=$(($1 * 10)); shift
	i=0; until "$@"; do [ $i -ge "$n" ] && return 1; sleep 0.1; i=$((i + 1)); done
}
pids_gone() { for p in "$@"; do [ ! -e "/proc/$p" ] || return 1; done; }
# netns_alive INODE: some process is in that namespace, or it is mounted
netns_alive() {
	grep -q " net:\[$1\] " /proc/self/mountinfo && return 0
	for p in /proc/[0-9]*; do [ "$(stat -L -c %i "$p/ns/net" 2>/dev/null)" = "$1" ] && return 0; done
	return 1
}
d=$PREFIX-d-$$
netns_add "$d"
ino_d=$(ip netns exec "$d" stat -L -c %i /proc/self/ns/net)
ip netns exec "$d" "$GRETUNCTL" up gd1 remote 198.51.100.9 key 5 address 203.0.113.21/30 >/dev/null 2>&1
dpids=$(gretund_pids "$d")
check "a userspace tunnel and its gretund in a namespace" test -n "$dpids" -a -d "/run/gretun/net-$ino_d"
ip netns del "$d"
# shellcheck disable=SC2086
check "ip netns del: its gretund processes exit" gone_within 5 pids_gone $dpids
check "ip netns del: its runtime directory is removed" gone_within 5 test ! -e "/run/gretun/net-$ino_d"
for p in $dpids; do	# should they have stayed: ours, end them
	[ "$(cat /proc/"$p"/comm 2>/dev/null)" = gretund ] &&
		[ "$(stat -L -c %i /proc/"$p"/ns/net 2>/dev/null)" = "$ino_d" ] && kill -9 "$p"
done

# A namespace deleted while its gretund could not clean up (killed): the next
# gretunctl that writes state, in any namespace, removes the directory.
e=$PREFIX-e-$$
netns_add "$e"
ino_e=$(ip netns exec "$e" stat -L -c %i /proc/self/ns/net)
ip netns exec "$e" "$GRETUNCTL" up ge1 remote 198.51.100.9 key 6 >/dev/null 2>&1
epids=$(gretund_pids "$e")
check "its gretund and directory" test -n "$epids" -a -d "/run/gretun/net-$ino_e"
# stopped first, so that the supervisor cannot start a new worker
for p in $epids; do kill -STOP "$p"; done
for p in $epids; do kill -9 "$p"; done
# shellcheck disable=SC2086
gone_within 5 pids_gone $epids
ip netns del "$e"
# shellcheck disable=SC2086
check "up in another namespace" B up gre1 $up_b
# (unless a namespace made since took the inode: then it is that one's)
dir_swept() { [ ! -e "/run/gretun/net-$1" ] || netns_alive "$1"; }
check "which removes the dead namespace's directory" dir_swept "$ino_e"
check "peer down again" B down gre1

# --- a create without a clear answer is undone ----------------------------------
# A stand-in for gretund that answers create with a line that does not parse:
# the create may have happened, so gretunctl destroys the tunnel again.
if command -v python3 >/dev/null; then
	c=$PREFIX-c-$$
	netns_add "$c"
	ip netns exec "$c" python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0gretun/gretund")
s.listen(8)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    line = c.makefile().readline()
    with open(sys.argv[1], "a") as log:
        log.write(line)
    c.sendall(b"{\"ok\":tru\n" if line.startswith("create") else b"{\"ok\":true}\n")
    c.close()
' "$t_tmp/fake.log" >"$t_tmp/fake.out" 2>&1 &
	bg_pid $!
	i=0; while ! grep -q ready "$t_tmp/fake.out" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	ip netns exec "$c" "$GRETUNCTL" --backend userspace up gx remote 198.51.100.9 >"$t_tmp/o" 2>&1; rc=$?
	check "an up whose create gets an unreadable reply exits 1" test "$rc" = 1
	check "and says so" grep -q "malformed reply" "$t_tmp/o"
	check "gretunctl then destroys what the create may have made" grep -qx "destroy gx" "$t_tmp/fake.log"
else
	echo "# SKIP a create without a clear answer: python3 missing"
fi

finish
