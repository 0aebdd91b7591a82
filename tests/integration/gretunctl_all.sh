#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# up --all / down --all with the userspace backend (this host has no kernel
# GRE): every config of the directory, one bad one among them (the others
# come up, the exit status and the message name it, it leaves nothing), one
# the kernel refuses (rolled back, the others stay), a second up --all that
# changes nothing, -j, concurrent runs, and a down --all that leaves nothing.
set -u
PREFIX=gtca
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$GRETUND" ] || skip_all "gretund not built ($GRETUND)"
command -v jq >/dev/null || skip_all "jq not installed (scripts/deps installs it)"

a=$PREFIX-a-$$ b=$PREFIX-b-$$
netns_add "$a"
netns_add "$b"
ip link add veth0 netns "$a" type veth peer name veth0 netns "$b"
ip -n "$a" addr add 198.51.100.1/24 dev veth0
ip -n "$b" addr add 198.51.100.2/24 dev veth0
ip -n "$a" link set veth0 up
ip -n "$b" link set veth0 up
A() { ip netns exec "$a" "$GRETUNCTL" "$@"; }
gretund_pids() { ip netns pids "$1" | while read -r p; do
	[ "$(cat /proc/"$p"/comm 2>/dev/null)" = gretund ] && echo "$p"; done; }
pings() { ip netns exec "$1" ping -c 2 -i 0.2 -W 2 "$2" >/dev/null 2>&1; }
# Links, addresses and routes of namespace a (IPv6 link-local aside: a new
# device gets a new one), and the ifindexes.
snap() {
	{ ip -n "$a" -o link | sed 's/^[0-9]*: //; s/ link\/.*//'
	  ip -n "$a" -o addr | awk '{ print $2, $4 }' | grep -v ' fe80:'
	  ip -n "$a" route show table all | grep -v 'fe80::\|ff00::'
	} >"$t_tmp/$1"
}

# N configs: tunnel i to 198.51.100.(10+i), key i, an IPv4 and an IPv6
# address, an IPv4 and an IPv6 route.
N=6
etc=$t_tmp/etc
mkdir -p "$etc"
i=1
while [ $i -le $N ]; do
	cat >"$etc/ta$i.conf" <<CONF
[Tunnel]
Mode = gre
Local = 198.51.100.1
Remote = 198.51.100.$((10 + i))
Key = $i
Address = 203.0.113.$i/32
Address = 2001:db8:ca:$i::1/64

[Route]
Destination = 192.0.2.$((i * 8))/29

[Route]
Destination = 2001:db8:cb:$i::/64
CONF
	i=$((i + 1))
done
# tunnel 1 goes to namespace b, where a single up makes its peer
sed -i 's/^Remote = .*/Remote = 198.51.100.2/' "$etc/ta1.conf"
cat >"$etc/bad.conf" <<CONF
[Tunnel]
Remote = 198.51.100.99
Colour = blue
CONF
# not configs: skipped
echo garbage >"$etc/ta2.conf~"
echo garbage >"$etc/README"

snap before
A -c "$etc" up --all >"$t_tmp/o" 2>"$t_tmp/e"; rc=$?
check "up --all with one bad config exits 2 (the config error's status)" test "$rc" = 2
check "the error names the bad file, the line and the key" grep -q "bad.conf:3: Colour" "$t_tmp/e"
# Datapath=auto: as up does, one line for each tunnel gretund's own path
# serves rather than the fast path, with show's reason
check "up --all says once for each tunnel why gretund's own data path serves it" \
	test "$(grep -c "gretunctl: ta[1-6]: gretund's own data path serves it, not the fast path: " "$t_tmp/e")" = $N
why=$(A -j show ta1 | jq -r '.[0].datapath_why')
check "with the reason show gives ($why)" \
	grep -qxF "gretunctl: ta1: gretund's own data path serves it, not the fast path: $why" "$t_tmp/e"
check "one line a tunnel, by name: bad failed, the others up" sh -c "printf 'bad failed (exit 2)\nta1 up (userspace)\nta2 up (userspace)\nta3 up (userspace)\nta4 up (userspace)\nta5 up (userspace)\nta6 up (userspace)\n' | cmp - $t_tmp/o"
check "list: the $N good ones up" test "$(A list | grep -c ' userspace up$')" = $N
check "nothing of bad: no device, no state" sh -c "! ip -n $a link show bad 2>/dev/null && ! ip netns exec $a $GRETUNCTL show bad >/dev/null 2>&1"
all_there() {
	i=1
	while [ $i -le $N ]; do
		ip -n "$a" addr show dev ta$i | grep -q "203.0.113.$i/32" || return 1
		ip -n "$a" addr show dev ta$i | grep -q "2001:db8:ca:$i::1/64" || return 1
		ip -n "$a" route show "192.0.2.$((i * 8))/29" | grep -q "dev ta$i proto 231" || return 1
		ip -n "$a" -6 route show "2001:db8:cb:$i::/64" | grep -q "dev ta$i proto 231" || return 1
		ip -n "$a" link show ta$i | grep -q ',UP' || return 1
		i=$((i + 1))
	done
}
check "every tunnel has its addresses and routes (protocol gretun), link up" all_there
check "MTU auto of each (1500 - 20 - 4 - 4 for the key)" sh -c "test \"\$(ip -n $a -j link show ta3 | jq '.[0].mtu')\" = 1472"
check "show -j: ta2 as configured" sh -c "ip netns exec $a $GRETUNCTL show ta2 -j | jq -e '.[0].ikey == 2 and .[0].remote == \"198.51.100.12\" and .[0].routes[1].destination == \"2001:db8:cb:2::/64\"'"
check "peer up in b" ip netns exec "$b" "$GRETUNCTL" up ta1 mode gre local 198.51.100.2 remote 198.51.100.1 key 1 address 192.0.2.9/32 route 203.0.113.1/32
check "traffic crosses a tunnel up --all made" pings "$a" 192.0.2.9

# --- idempotent ------------------------------------------------------------------
snap s1
A -c "$etc" up --all >"$t_tmp/o" 2>"$t_tmp/e"; rc=$?
check "second up --all exits 2 again (bad is still bad)" test "$rc" = 2
check "second up --all: every good one unchanged" test "$(grep -c '^ta[0-9] unchanged (userspace)$' "$t_tmp/o")" = $N
snap s2
check "second up --all changes nothing (links, ifindexes, addresses, routes)" cmp -s "$t_tmp/s1" "$t_tmp/s2"
rm "$etc/bad.conf"
A -c "$etc" up --all >/dev/null 2>&1; rc=$?
check "without bad.conf: exit 0" test "$rc" = 0

# --- JSON ---------------------------------------------------------------------------
A -c "$etc" -j up --all >"$t_tmp/j" 2>/dev/null
check "-j: an array, one object a tunnel, name/result/backend" jq -e "length == $N and all(.[]; .result == \"unchanged\" and .backend == \"userspace\") and .[0].name == \"ta1\"" "$t_tmp/j"

# --- a tunnel the kernel refuses: rolled back, the others stay ------------------------
cat >"$etc/tz.conf" <<CONF
[Tunnel]
Remote = 198.51.100.50
Address = 203.0.113.50/32

[Route]
Destination = 192.0.2.200/29

[Route]
Destination = 192.0.2.208/29
Source = 192.0.2.250
CONF
cat >"$etc/ty.conf" <<CONF
[Tunnel]
Remote = 198.51.100.51
Address = 203.0.113.51/32
Address = 2001:db8:cc::1/64

[Route]
Destination = 192.0.2.216/29
CONF
# the same endpoints and key as ta3: gretund refuses it (one reply of many)
cat >"$etc/tx.conf" <<CONF
[Tunnel]
Mode = gre
Local = 198.51.100.1
Remote = 198.51.100.13
Key = 3
Address = 203.0.113.52/32
CONF
snap s1
A -c "$etc" -j up --all >"$t_tmp/j" 2>"$t_tmp/e"; rc=$?
check "an up --all with a route the kernel refuses exits 1" test "$rc" = 1
check "the error names the tunnel and the route" grep -q "up tz: cannot add route 192.0.2.208/29" "$t_tmp/e"
check "-j: tz failed with exit_status 1 and its error, ty up" jq -e 'map(select(.name == "tz"))[0] | .result == "failed" and .exit_status == 1 and (.error | test("192.0.2.208/29"))' "$t_tmp/j"
check "-j: ty up, the others unchanged" jq -e '(map(select(.name == "ty"))[0].result == "up") and ([.[] | select(.result == "unchanged")] | length == 6)' "$t_tmp/j"
check "gretund's refusal of tx: failed, with gretund's words" jq -e 'map(select(.name == "tx"))[0] | .result == "failed" and .exit_status == 1 and (.error | test("cannot create gre device \\(userspace backend\\).*gretund: "))' "$t_tmp/j"
check "tx left nothing" sh -c "! ip -n $a link show tx 2>/dev/null && ! ip -n $a addr | grep -q 203.0.113.52"
check "tz rolled back: no device, no address, no route, no state" sh -c "! ip -n $a link show tz 2>/dev/null && ! ip -n $a addr | grep -q 203.0.113.50 && ! ip -n $a route show table all | grep -q '192.0.2.20[08]' && ! ip netns exec $a $GRETUNCTL show tz >/dev/null 2>&1"
check "ty is up with its addresses and route" sh -c "ip -n $a addr show dev ty | grep -q 2001:db8:cc::1/64 && ip -n $a route show 192.0.2.216/29 | grep -q 'dev ty'"
check "traffic still crosses ta1" pings "$a" 192.0.2.9
rm "$etc/tz.conf" "$etc/tx.conf"

# --- a tunnel that learns its peer: gretund's at once, as with up -----------------------
cat >"$etc/tl.conf" <<CONF
[Tunnel]
Remote = any
Encapsulation = udp
Key = 9
Address = 203.0.113.53/32
CONF
A -c "$etc" up --all >/dev/null 2>"$t_tmp/e"; rc=$?
check "up --all with a learning tunnel exits 0" test "$rc" = 0
check "and says why it went to gretund, as up does" grep -q "tl: Remote= learns the peer's address, which Linux GRE cannot do: using the userspace backend" "$t_tmp/e"
check "tl is gretund's" sh -c "ip netns exec $a $GRETUNCTL -j show tl | jq -e '.[0].backend == \"userspace\"'"
A -c "$etc" down tl >/dev/null 2>&1
rm "$etc/tl.conf"

# --- usage ---------------------------------------------------------------------------
A -c "$etc" up --all ta1 >/dev/null 2>"$t_tmp/e"; rc=$?
check "up --all NAME is a usage error (exit 2)" sh -c "test $rc = 2 && grep -q \"unexpected argument \\\`ta1'\" $t_tmp/e"
A -c "$t_tmp/nonexistent" up --all >/dev/null 2>"$t_tmp/e"; rc=$?
check "up --all of a missing directory exits 4 and names it" sh -c "test $rc = 4 && grep -q 'cannot read the config directory' $t_tmp/e"

# --- the lock: concurrent up --all, and single ups beside them ----------------------------
A -c "$etc" down ty >/dev/null 2>&1
(A -c "$etc" up --all >/dev/null 2>"$t_tmp/c1"; echo $? >"$t_tmp/rc1") &
p1=$!
(A -c "$etc" up --all >/dev/null 2>"$t_tmp/c2"; echo $? >"$t_tmp/rc2") &
p2=$!
(A -c "$etc" up ty >/dev/null 2>"$t_tmp/c3"; echo $? >"$t_tmp/rc3") &
p3=$!
wait $p1 $p2 $p3
check "two up --all and one up at once all exit 0" test "$(cat "$t_tmp"/rc1 "$t_tmp"/rc2 "$t_tmp"/rc3 | tr -d '\n')" = 000
check "and print no error" sh -c "! grep -hv \"userspace backend\\|gretund's own data path serves it\" $t_tmp/c1 $t_tmp/c2 $t_tmp/c3 | grep -q ."
check "ty has its two addresses once" test "$(ip -n "$a" -j addr show dev ty | jq '[.[0].addr_info[] | select(.scope == "global")] | length')" = 2

# --- a default route through one of them: its rules come with it ------------------------
cat >"$etc/tdef.conf" <<CONF
[Tunnel]
Remote = 198.51.100.60
Address = 203.0.113.60/32

[Route]
Destination = default

[Route]
Destination = ::/0
CONF
rules() { { ip -n "$a" rule; ip -n "$a" -6 rule; } | grep -c 'proto 231'; }
A -c "$etc" up --all >"$t_tmp/o" 2>&1; rc=$?
check "up --all with a default route through tdef exits 0" sh -c "test $rc = 0 && grep -q '^tdef up' $t_tmp/o"
check "its policy rules are there (two IPv4, two IPv6)" test "$(rules)" = 4
check "its default route is in its own table" sh -c "ip -n $a route show table all | grep -q '^default dev tdef table 51820'"
check "traffic still crosses ta1 (its route stays in main)" pings "$a" 192.0.2.9

# --- down --all -----------------------------------------------------------------------
ino_a=$(ip netns exec "$a" stat -L -c %i /proc/self/ns/net)
A -c "$etc" down --all >"$t_tmp/o" 2>"$t_tmp/e"; rc=$?
check "down --all exits 0" test "$rc" = 0
check "down --all: one line a tunnel" test "$(grep -c '^t[a-z0-9]* down$' "$t_tmp/o")" = $((N + 2))
check "down --all took tdef's rules" test "$(rules)" = 0
snap after
check "down --all leaves nothing: links, addresses, routes as before up --all" cmp -s "$t_tmp/before" "$t_tmp/after"
check "no state left" test -z "$(A list)"
i=0; while [ -n "$(gretund_pids "$a")" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "gretund exits with the last tunnel" test -z "$(gretund_pids "$a")"
check "the namespace's runtime directory goes too" test ! -e "/run/gretun/net-$ino_a"
A -c "$etc" -j down --all >"$t_tmp/j" 2>"$t_tmp/e"; rc=$?
check "a second down --all exits 0: nothing was up (skipped)" sh -c "test $rc = 0 && jq -e 'length == 8 and all(.[]; .result == \"skipped\")' $t_tmp/j >/dev/null"
# a tunnel that came up from a config of the directory that is gone since
A -c "$etc" up ty >/dev/null 2>&1
mv "$etc/ty.conf" "$t_tmp/ty.conf.away"
A -c "$etc" down --all >"$t_tmp/o" 2>&1; rc=$?
check "down --all also takes down what came up from a config since removed" sh -c "test $rc = 0 && grep -q '^ty down$' $t_tmp/o && ! ip -n $a link show ty 2>/dev/null"

finish
