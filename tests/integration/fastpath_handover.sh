#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A gretund that does not run the fast path taking over from one that did
# (gretund(8), FAST PATH, "Successor without a fast path"): it removes the
# predecessor's filters, the clsact qdiscs that one made and the pins, says
# so once on stderr, and serves the tunnel on its own path; `down' then
# leaves nothing. A's gretund runs the fast path (Datapath=auto), B is a
# gretund peer on its own path. Successors:
#  restart: the new gretund finds pins of another map layout only (as after
#    an upgrade from a gretund with another one; here the pins renamed to
#    version 0) and, without CAP_BPF (dropped by its predecessor, as this
#    kernel allows), can neither load nor adopt;
#  kill -9: a gretund started afterwards without CAP_BPF and CAP_SYS_ADMIN
#    (the pins went with the dead gretund's mount namespace);
#  restart into a --disable-bpf build: with GRETUND_NOBPF=/path/to/its/gretund
#    only (SKIP otherwise).
# A successor that runs the fast path but not for a tunnel its predecessor
# had on it removes that tunnel's filters (and the underlay's no tunnel of
# its uses). And a successor that holds CAP_BPF but whose load fails (kill -9, then a
# gretund without CAP_PERFMON and CAP_SYS_ADMIN, where the pins are): it
# takes the pinned programs and stays on the fast path, says so once, and
# `down' leaves nothing.
# A clsact and a u32 filter that are not ours, on A's underlay, stay.
set -u
PREFIX=gtfh
. "$(dirname "$0")/lib.sh"
require_root
require_fastpath setpriv nsenter

# The binary a restart runs is $GRETUND as gretund saw it at start: a
# wrapper that runs the one named in $t_tmp/next.
real=$GRETUND
wrap=$t_tmp/gretund-wrapper
printf '%s\n' "$real" >"$t_tmp/next"
cat >"$wrap" <<EOW
#!/bin/sh
exec "\$(cat "$t_tmp/next")" "\$@"
EOW
chmod +x "$wrap"
export GRETUND="$wrap"

a=$PREFIX-a-$$ b=$PREFIX-b-$$
netns_add "$a"
netns_add "$b"
ip link add veth0 netns "$a" type veth peer name veth0 netns "$b"
ip -n "$a" addr add 198.51.100.1/28 dev veth0
ip -n "$b" addr add 198.51.100.2/28 dev veth0
ip -n "$a" link set veth0 up
ip -n "$b" link set veth0 up
# auto takes a veth underlay only without tx checksumming (gretund(8))
ip netns exec "$a" ethtool -K veth0 tx off >/dev/null
tc -n "$a" qdisc add dev veth0 clsact
tc -n "$a" filter add dev veth0 ingress prio 1 u32 match u32 0xdeadbeef 0xffffffff at 0 classid 1:1

A() { ip netns exec "$a" "$GRETUNCTL" "$@"; }
B() { ip netns exec "$b" "$GRETUNCTL" "$@"; }
pings() { ip netns exec "$1" ping -c 3 -i 0.2 -W 2 "$2" >/dev/null 2>&1; }
wait_for() { n=$(($1 * 10)); shift; while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done; return 1; }
js() { ip netns exec "$1" "$GRETUNCTL" show "$2" -j | jq -e ".[0] | $3" >/dev/null; }
# the same, showing what it saw
jsv() { o=$(ip netns exec "$1" "$GRETUNCTL" show "$2" -j 2>&1); printf '%s\n' "$o" | jq -e ".[0] | $3" || {
	printf '%s\n' "$o"; false; }; }
dev_tx() { ip -n "$a" -j -s link show "$1" | jq '.[0].stats64.tx.packets'; }
our_filters() { tc -n "$a" filter show dev "$1" "$2" 2>/dev/null | grep -c 'gretun_\(egress\|ingress\)'; }
# every TC filter in A, on every device, both sides
all_filters() { for d in $(ip -n "$a" -o link show | sed -n 's/^[0-9]*: \([^:@]*\).*/\1/p'); do
	tc -n "$a" filter show dev "$d" ingress; tc -n "$a" filter show dev "$d" egress; done; }
none_of_ours() { ! all_filters | grep 'gretun_\|handle 0x47524554'; }
# the worker, as gretund itself says
worker_pid() { printf 'ping\n' | ip netns exec "$a" socat -t 2 - ABSTRACT-CONNECT:gretun/gretund 2>/dev/null |
	sed -n 's/.*"pid":\([0-9]*\).*/\1/p'; }
prog_ids() { for d in "$1 egress" "veth0 ingress"; do
	# shellcheck disable=SC2086 # device and side
	tc -n "$a" filter show dev $d | sed -n 's/.* id \([0-9]*\) name gretun_.*/\1/p'; done; }
qfile() { echo "/run/gretun/net-$(ip netns exec "$a" stat -L -c %i /proc/self/ns/net)/gretund/fp-qdiscs"; }
# a gretund of A's in the foreground, its stderr (and its successors') in $1
gretund_start() {
	shift_log=$1; shift
	ip netns exec "$a" "$@" "$GRETUND" --persistent 2>>"$shift_log" &
	gp=$!
	bg_pid "$gp"
	wait_for 10 serving "$gp"
}
# gretund PID answers on A's control socket (it runs its loop)
serving() { [ "$(worker_pid)" = "$1" ]; }

# kill [SIGNAL] A's gretund and wait until it is gone (reaped, if ours)
gretund_stop() {
	sp=$(worker_pid)
	[ -n "$sp" ] || return 0
	kill ${1:+"$1"} "$sp"
	wait "$sp" 2>/dev/null
	wait_for 10 sh -c "! kill -0 $sp 2>/dev/null"
}

# on_fastpath TUN ADDR N: up on the fast path, both filters there
on_fastpath() {
	A up "$1" mode gre local 198.51.100.1 remote 198.51.100.2 key "$3" address "$2/30" \
		>/dev/null 2>&1 || return 1
	B up "$1" mode gre local 198.51.100.2 remote 198.51.100.1 key "$3" datapath userspace \
		address "${2%.*}.$((${2##*.} + 1))/30" >/dev/null 2>&1 || return 1
	js "$a" "$1" '.datapath == "bpf"' &&
		test "$(our_filters "$1" egress)$(our_filters veth0 ingress)" = 11 &&
		wait_for 5 pings "$a" "${2%.*}.$((${2##*.} + 1))"
}

# handed_over WHAT TUN PEER LOG NPINS IDS [FOREIGN]: the checks after the
# handover to a successor without the fast path; FOREIGN: someone else put
# a filter on the clsact we made on TUN, which then stays
handed_over() {
	what=$1 tn=$2 peer=$3 log=$4 npins=$5 ids=$6 nq=1
	[ -z "${7:-}" ] || nq=0
	check "$what: the successor says once that it removed the fast path" \
		sh -c "grep '' $log; test \$(grep -c \"removed the previous gretund's fast path (2 filters, $nq clsact qdiscs, $npins pins): this gretund serves its tunnels itself\" $log) = 1"
	check "$what: show says datapath userspace" js "$a" "$tn" '.datapath == "userspace"'
	check "$what: no filter of ours on the tunnel device" test "$(our_filters "$tn" egress)" = 0
	check "$what: no filter of ours on the underlay" test "$(our_filters veth0 ingress)" = 0
	if [ -n "${7:-}" ]; then
		check "$what: the clsact we made on the tunnel device stays with the other's filter" \
			sh -c "tc -n $a filter show dev $tn egress | grep -q u32"
	else
		check "$what: no clsact on the tunnel device (ours)" sh -c "! tc -n $a qdisc show dev $tn | grep -q clsact"
	fi
	check "$what: the clsact and u32 filter that were there before stay" \
		sh -c "tc -n $a qdisc show dev veth0 | grep -q clsact && tc -n $a filter show dev veth0 ingress | grep -q u32"
	check "$what: fp-qdiscs is gone" test ! -e "$(qfile)"
	w=$(worker_pid)
	check "$what: no pin" nsenter -t "$w" -m sh -c '! ls -d /sys/fs/bpf/gretun/net-* 2>/dev/null'
	if command -v bpftool >/dev/null; then
		for id in $ids; do
			check "$what: program $id is gone" wait_for 10 sh -c "! bpftool prog show id $id >/dev/null 2>&1"
		done
	fi
	tx0=$(dev_tx "$tn")
	check "$what: ping" wait_for 5 pings "$a" "$peer"
	check "$what: gretund carried it (the TUN device's tx counter moved)" \
		test "$(dev_tx "$tn")" -ge $((tx0 + 3))
	check "$what: down exits 0" A down "$tn"
	check "$what: after down, no filter of ours in A" none_of_ours
	check "$what: after down, only the clsact that was there before" \
		test "$(tc -n "$a" qdisc show | grep -c clsact)" = 1
	check "$what: after down, no pin" nsenter -t "$w" -m sh -c '! ls -d /sys/fs/bpf/gretun/net-* 2>/dev/null'
	B down "$tn" >/dev/null 2>&1
}

# --- restart into a gretund that finds only pins of another map layout ------
gretund_start "$t_tmp/log1"
check "restart: fp1 on the fast path" on_fastpath fp1 203.0.113.1 1
ids=$(prog_ids fp1)
w=$(worker_pid)
check "restart: the pins as an older layout's (renamed to _v0)" nsenter -t "$w" -m sh -c \
	'cd /sys/fs/bpf/gretun/net-* && for f in *; do mv "$f" "${f%_v*}_v0" || exit 1; done; ls | grep -c _v0 | grep -qx 5'
check "restart exits 0" A -q restart all
check "restart: a new gretund serves" test "$(worker_pid)" != "$w"
handed_over restart fp1 203.0.113.2 "$t_tmp/log1" 5 "$ids"
gretund_stop

# --- kill -9, then a gretund without CAP_BPF and CAP_SYS_ADMIN --------------
gretund_start "$t_tmp/log2"
check "kill -9: fp2 on the fast path" on_fastpath fp2 203.0.113.5 2
ids=$(prog_ids fp2)
# someone else's filter on the clsact that gretund made on fp2
tc -n "$a" filter add dev fp2 egress prio 1 u32 match u32 0xdeadbeef 0xffffffff at 0 classid 1:1
gretund_stop -9
check "kill -9: the filters stay meanwhile" test "$(our_filters fp2 egress)$(our_filters veth0 ingress)" = 11
check "kill -9: a gretund without CAP_BPF recovers fp2" \
	gretund_start "$t_tmp/log3" setpriv --bounding-set=-bpf,-sys_admin
check "kill -9: the new gretund says why no fast path" \
	wait_for 5 jsv "$a" fp2 '.datapath == "userspace" and (.datapath_why | test("CAP_BPF"))'
handed_over "kill -9" fp2 203.0.113.6 "$t_tmp/log3" 0 "$ids" foreign
gretund_stop

# --- kill -9, then a gretund whose load fails: the pinned programs --------------
# A mount namespace that a sleep keeps, so that the pins outlive the
# gretund that made them; the next gretund there has CAP_BPF but neither
# CAP_PERFMON nor CAP_SYS_ADMIN, and this kernel's verifier refuses the
# programs to it (as a verifier might refuse a new build's programs): it
# adopts the pinned maps and takes the pinned programs with them.
ip netns exec "$a" sh -c ': >"$1"; exec sleep 600' sh "$t_tmp/held" &
hp=$!
bg_pid "$hp"
# never the test's own mount namespace (its /sys/fs/bpf is the host's)
wait_for 10 test -e "$t_tmp/held"
[ "$(readlink /proc/"$hp"/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] ||
	{ echo "Bail out! the sleep is not in a mount namespace of its own"; exit 99; }
gretund_start "$t_tmp/log5" nsenter -t "$hp" -m
check "load fails: fp4 on the fast path" on_fastpath fp4 203.0.113.13 4
ids=$(prog_ids fp4)
gretund_stop -9
check "load fails: a gretund with CAP_BPF, without CAP_PERFMON and CAP_SYS_ADMIN, recovers fp4" \
	gretund_start "$t_tmp/log6" nsenter -t "$hp" -m setpriv --bounding-set=-perfmon,-sys_admin
check "load fails: it says once that it takes the pinned programs" \
	sh -c "grep '' $t_tmp/log6; test \$(grep -c 'cannot load the fast path: .*: taking the pinned programs of the previous gretund' $t_tmp/log6) = 1"
check "load fails: show says datapath bpf" jsv "$a" fp4 '.datapath == "bpf"'
ids=$(echo "$ids" | tr '\n' ' ')
check "load fails: the pinned programs in the filters (ids $ids)" \
	test "$(prog_ids fp4 | tr '\n' ' ')" = "$ids" -a -n "$ids"
s0=$(ip netns exec "$a" "$GRETUNCTL" show fp4 -j | jq '.[0].stats.tx_packets') d0=$(dev_tx fp4)
check "load fails: ping" wait_for 5 pings "$a" 203.0.113.14
check "load fails: the fast path carried it (show's tx moved, the TUN device's did not)" \
	sh -c "test \$(ip netns exec $a $GRETUNCTL show fp4 -j | jq '.[0].stats.tx_packets') -ge $((s0 + 3)) -a \$(ip -n $a -j -s link show fp4 | jq '.[0].stats64.tx.packets') -lt $((d0 + 3))"
check "load fails: down exits 0" A down fp4
B down fp4 >/dev/null 2>&1
check "load fails: after down, no filter of ours in A" none_of_ours
check "load fails: after down, only the clsact that was there before" \
	test "$(tc -n "$a" qdisc show | grep -c clsact)" = 1
gretund_stop
check "load fails: no pin after it stopped" nsenter -t "$hp" -m sh -c '! ls -d /sys/fs/bpf/gretun/net-* 2>/dev/null'

# --- restart into a gretund that runs the fast path, not for this tunnel -----
# auto keeps a tunnel over a veth with tx checksumming gretund's (gretund(8)):
# turned on meanwhile, the successor does not put fp6 on the fast path and
# removes the filters its predecessor attached for it
gretund_start "$t_tmp/log7"
check "not served: fp6 on the fast path" on_fastpath fp6 203.0.113.21 6
ip netns exec "$a" ethtool -K veth0 tx on >/dev/null
check "not served: restart exits 0" A -q restart all
check "not served: the successor says once that it removed them" \
	sh -c "grep '' $t_tmp/log7; test \$(grep -c \"removed 2 filters of the previous gretund's fast path where this gretund attaches none\" $t_tmp/log7) = 1"
check "not served: show says why" jsv "$a" fp6 '.datapath == "userspace" and (.datapath_why | test("tx checksumming"))'
check "not served: no filter of ours on fp6" test "$(our_filters fp6 egress)" = 0
check "not served: no filter of ours on the underlay" test "$(our_filters veth0 ingress)" = 0
check "not served: the clsact and u32 filter that were there before stay" \
	sh -c "tc -n $a qdisc show dev veth0 | grep -q clsact && tc -n $a filter show dev veth0 ingress | grep -q u32"
tx0=$(dev_tx fp6)
check "not served: ping" wait_for 5 pings "$a" 203.0.113.22
check "not served: gretund carried it (the TUN device's tx counter moved)" test "$(dev_tx fp6)" -ge $((tx0 + 3))
check "not served: down exits 0" A down fp6
B down fp6 >/dev/null 2>&1
check "not served: after down, no filter of ours in A" none_of_ours
check "not served: after down, only the clsact that was there before" \
	test "$(tc -n "$a" qdisc show | grep -c clsact)" = 1
gretund_stop
ip netns exec "$a" ethtool -K veth0 tx off >/dev/null

# --- restart into a --disable-bpf build ---------------------------------------
if [ -n "${GRETUND_NOBPF:-}" ] && [ -x "$GRETUND_NOBPF" ]; then
	printf '%s\n' "$real" >"$t_tmp/next"
	gretund_start "$t_tmp/log4"
	check "--disable-bpf: fp3 on the fast path" on_fastpath fp3 203.0.113.9 3
	ids=$(prog_ids fp3)
	printf '%s\n' "$GRETUND_NOBPF" >"$t_tmp/next"
	check "--disable-bpf: restart exits 0" A -q restart all
	handed_over "--disable-bpf" fp3 203.0.113.10 "$t_tmp/log4" 5 "$ids"
	gretund_stop
else
	echo "# SKIP restart into a --disable-bpf build: set GRETUND_NOBPF to its gretund"
fi
finish
