#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# gretund's in-kernel fast path (gretund(8), FAST PATH) in namespaces: A's
# tunnels run Datapath=bpf, the peer B is gretund with Datapath=userspace,
# so the fast path's wire format is checked against gretund's own. For
# gre (key), gretap, ip6gre, ip6gretap and GRE-in-UDP: ping and a TCP
# transfer by sha256, the counters in show moving while the TUN/TAP
# device's own stay at 0; B to A over GRE-in-UDP that holds only for what
# B's gretund sends one by one (a zero UDP checksum: pings), as its
# UDP_SEGMENT sends carry UDP checksums that a veth does not verify, which the
# ingress program leaves to gretund (gretund(8), FAST PATH). Then: a checksum tunnel is gretund's (auto says
# why, bpf refuses and leaves nothing); a gretund without CAP_BPF falls back
# and says why; a restart whose new binary fails, a restart and kill -9
# under a 1 ms ping and a TCP stream lose nothing (the old gretund serves on,
# nothing detached; the stream intact by sha256) and the
# new gretund adopts what is attached; the ingress program follows a route
# change; `down' leaves no filter, no qdisc of
# ours, no pin, no program, and a clsact that was there before stays.
set -u
PREFIX=gtfp
. "$(dirname "$0")/lib.sh"
require_root
require_fastpath setpriv

# The binary gretund runs for a restart is $GRETUND as it saw it at start:
# a wrapper that fails once a flag file exists (as restart_fail.sh does).
wrap=$t_tmp/gretund-wrapper
cat >"$wrap" <<EOW
#!/bin/sh
[ -e "$t_tmp/broken" ] && { echo "gretund-wrapper: broken on purpose" >&2; exit 1; }
exec "$GRETUND" "\$@"
EOW
chmod +x "$wrap"
export GRETUND="$wrap"

a=$PREFIX-a-$$ b=$PREFIX-b-$$ c=$PREFIX-c-$$
netns_add "$a"
netns_add "$b"
netns_add "$c"
ip link add veth0 netns "$a" type veth peer name veth0 netns "$b"
ip link add veth1 netns "$c" type veth peer name veth1 netns "$b"
ip -n "$a" addr add 198.51.100.1/28 dev veth0
ip -n "$b" addr add 198.51.100.2/28 dev veth0
ip -n "$a" addr add 2001:db8:fa::1/64 dev veth0 nodad
ip -n "$b" addr add 2001:db8:fa::2/64 dev veth0 nodad
ip -n "$c" addr add 198.51.100.17/28 dev veth1
ip -n "$b" addr add 198.51.100.18/28 dev veth1
for l in "$a veth0" "$b veth0" "$b veth1" "$c veth1"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
# A veth hands a locally sent TCP segment on with its checksum still to be
# filled in (CHECKSUM_PARTIAL), which a kernel peer accepts but a raw socket
# (gretund on B) reads unfilled; a NIC, or a veth without tx checksumming,
# fills it in. The fast path at A sends such segments as they are.
ip netns exec "$a" ethtool -K veth0 tx off >/dev/null
A() { ip netns exec "$a" "$GRETUNCTL" "$@"; }
B() { ip netns exec "$b" "$GRETUNCTL" "$@"; }
C() { ip netns exec "$c" "$GRETUNCTL" "$@"; }
gretund_pids() { ip netns pids "$1" | while read -r p; do
	[ "$(cat /proc/"$p"/comm 2>/dev/null)" = gretund ] && echo "$p"; done; }
pings() { ip netns exec "$1" ping -c 3 -i 0.2 -W 2 "$2" >/dev/null 2>&1; }
wait_for() { n=$(($1 * 10)); shift; while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done; return 1; }
js() { ip netns exec "$1" "$GRETUNCTL" show "$2" -j | jq -e ".[0] | $3" >/dev/null; }
dev_n() { ip -n "$1" -j -s link show "$2" | jq ".[0].stats64.$3.packets"; }
# filters with our program names on a device, in a namespace
our_filters() { tc -n "$1" filter show dev "$2" "$3" 2>/dev/null | grep -c 'gretun_\(egress\|ingress\)'; }

# A clsact and a filter that are not ours, on A's underlay: they stay.
# (u32 that matches nothing: this kernel has neither matchall nor gact)
tc -n "$a" qdisc add dev veth0 clsact
tc -n "$a" filter add dev veth0 ingress prio 1 u32 match u32 0xdeadbeef 0xffffffff at 0 classid 1:1

# tcp_check FROM TO ADDR PORT: 1 MB from namespace FROM to a listener in
# TO at ADDR, compared by sha256
tcp_check() {
	head -c 1048576 /dev/urandom >"$t_tmp/in"
	rm -f "$t_tmp/out"
	ip netns exec "$2" timeout 30 socat -u TCP-LISTEN:"$4",reuseaddr OPEN:"$t_tmp/out",creat,trunc &
	lp=$!
	sleep 0.5
	ip netns exec "$1" timeout 30 socat -u OPEN:"$t_tmp/in" TCP:"$3":"$4" || return 1
	wait "$lp"
	[ "$(sha256sum <"$t_tmp/in")" = "$(sha256sum <"$t_tmp/out")" ]
}

# --- every mode: A on the fast path, B gretund's own path ------------------
i=0
for m in "gre" "gretap" "ip6gre" "ip6gretap" "gre encap udp" "gretap encap udp"; do
	i=$((i + 1))
	tn=fp$i
	set -- $m
	mode=$1
	case $mode in
	ip6*) la=2001:db8:fa::1 lb=2001:db8:fa::2 ;;
	*) la=198.51.100.1 lb=198.51.100.2 ;;
	esac
	ov=203.0.113.$((i * 4))
	oa=203.0.113.$((i * 4 + 1)) ob=203.0.113.$((i * 4 + 2))
	A up "$tn" mode $m local $la remote $lb key $((100 + i)) datapath bpf \
		address "$oa/30" >"$t_tmp/up" 2>&1
	check "$m: up with Datapath=bpf exits 0" test $? = 0
	check "$m: peer up with Datapath=userspace" B up "$tn" mode $m local $lb remote $la \
		key $((100 + i)) datapath userspace address "$ob/30"
	check "$m: show -j says datapath bpf" js "$a" "$tn" '.datapath == "bpf" and .datapath_why == null'
	check "$m: the peer says datapath userspace (Datapath=userspace)" \
		js "$b" "$tn" '.datapath == "userspace" and .datapath_why == "Datapath=userspace"'
	check "$m: gretun_egress on the tunnel device" test "$(our_filters "$a" "$tn" egress)" = 1
	check "$m: gretun_ingress on the underlay" test "$(our_filters "$a" veth0 ingress)" = 1
	check "$m: ping" wait_for 5 pings "$a" "$ob"
	# the device's own counters see only what went through gretund: what
	# the programs leave to it by design (ARP on gretap, MLD with its
	# hop-by-hop header on GRE-in-UDP), not the ~750 segments of 1 MB
	tx0=$(dev_n "$a" "$tn" tx)
	check "$m: TCP 1 MB A to B, sha256 matches" tcp_check "$a" "$b" "$ob" $((5000 + i))
	check "$m: the device's tx counter missed that transfer (< 100)" \
		sh -c "n=\$(( $(dev_n "$a" "$tn" tx) - $tx0 )); echo device tx packets \$n; test \$n -lt 100"
	rx0=$(dev_n "$a" "$tn" rx)
	check "$m: TCP 1 MB B to A, sha256 matches" tcp_check "$b" "$a" "$oa" $((5100 + i))
	case $m in
	*"encap udp")
		# B's gretund sends a TCP transfer with UDP_SEGMENT, so with UDP
		# checksums (the kernel refuses GSO without), and A's kernel has
		# not verified them when gretun_ingress runs: the veth hands them
		# on as CHECKSUM_PARTIAL, or with tx checksumming off as computed
		# in software (CHECKSUM_NONE), bundled or segmented alike (with
		# GRO on, bundled again for gretund's UDP_GRO socket). They are
		# gretund's, as gretund(8) says; a NIC that verifies them (GRO
		# off) would give them to the fast path. The device counts gretund's GRO
		# writes, as many as its receive batches: no bound under load.
		echo "# $m: device rx packets $(( $(dev_n "$a" "$tn" rx) - rx0 )) (B's UDP_SEGMENT sends: UDP checksums not verified, gretund's)"
		# what B's gretund sends one by one has a zero UDP checksum (a ping
		# every 50 ms: no run for a UDP_SEGMENT send): the fast path's
		rx0=$(dev_n "$a" "$tn" rx)
		fr0=$(ip netns exec "$a" "$GRETUNCTL" show "$tn" -j | jq '.[0].stats.rx_packets')
		check "$m: 40 pings B to A" ip netns exec "$b" ping -q -c 40 -i 0.05 -W 2 "$oa"
		check "$m: the device's rx counter missed B's single datagrams (< 5 of 40)" \
			sh -c "n=\$(( $(dev_n "$a" "$tn" rx) - $rx0 )); echo device rx packets \$n; test \$n -lt 5"
		check "$m: show counts them (rx_packets +40)" js "$a" "$tn" ".stats.rx_packets >= $fr0 + 40"
		;;
	*)
		check "$m: the device's rx counter missed that transfer (< 100)" \
			sh -c "n=\$(( $(dev_n "$a" "$tn" rx) - $rx0 )); echo device rx packets \$n; test \$n -lt 100"
		;;
	esac
	check "$m: show counts the fast path's packets both ways" \
		js "$a" "$tn" '.stats.tx_packets > 700 and .stats.rx_packets > 700'
	[ $i = 1 ] || { A down "$tn" >/dev/null 2>&1; B down "$tn" >/dev/null 2>&1; }
done

# --- what gretund's path serves --------------------------------------------
A up cs1 mode gre local 198.51.100.1 remote 198.51.100.2 key 200 csum address 203.0.113.101/30 \
	>"$t_tmp/up" 2>&1
check "csum, Datapath=auto: up exits 0" test $? = 0
check "csum, Datapath=auto: up says once why gretund's path serves it" \
	sh -c "test \$(grep -c \"gretund's own data path serves it, not the fast path: GRE checksums are gretund's\" $t_tmp/up) = 1"
check "csum: show says why" js "$a" cs1 '.datapath == "userspace" and .datapath_why == "GRE checksums are gretund'"'"'s"'
check "csum: show's text says why on its first line" \
	sh -c "ip netns exec $a $GRETUNCTL show cs1 | head -n 1 | grep -q \"datapath userspace (GRE checksums are gretund's)\""
check "fp1: show's text says datapath bpf" \
	sh -c "ip netns exec $a $GRETUNCTL show fp1 | head -n 1 | grep -q 'mtu [0-9]* datapath bpf\$'"
check "csum: no filter on its device" test "$(our_filters "$a" cs1 egress)" = 0
B up cs1 mode gre local 198.51.100.2 remote 198.51.100.1 key 200 csum address 203.0.113.102/30 >/dev/null 2>&1
check "csum: ping through gretund" wait_for 5 pings "$a" 203.0.113.102
A up cs2 mode gre local 198.51.100.1 remote 198.51.100.2 key 201 seq datapath bpf >"$t_tmp/up" 2>&1
check "seq, Datapath=bpf: up fails" test $? != 0
check "seq, Datapath=bpf: one line says why" grep -q "Datapath=bpf: the fast path cannot serve cs2: GRE sequence numbers are gretund's" "$t_tmp/up"
check "seq, Datapath=bpf: no device left" sh -c "! ip -n $a link show cs2 2>/dev/null"
A up u6 mode ip6gre encap udp local 2001:db8:fa::1 remote 2001:db8:fa::2 key 202 datapath bpf \
	>"$t_tmp/up" 2>&1
check "ip6gre encap udp, Datapath=bpf: up fails" test $? != 0
check "ip6gre encap udp, Datapath=bpf: says why" grep -q "cannot serve u6: GRE-in-UDP over IPv6 is gretund's" "$t_tmp/up"

# auto over a veth that passes checksums unfilled: gretund's path (a gretund
# peer would read them unfilled); with tx checksumming off: the fast path
ip netns exec "$a" ethtool -K veth0 tx on >/dev/null
A up au1 mode gre local 198.51.100.1 remote 198.51.100.2 key 210 >/dev/null 2>&1
check "auto, underlay veth with tx checksumming: gretund's path, and why" \
	js "$a" au1 '.datapath == "userspace" and .datapath_why == "underlay veth0 is a veth with tx checksumming (Datapath=bpf forces)"'
A down au1 >/dev/null 2>&1
ip netns exec "$a" ethtool -K veth0 tx off >/dev/null
A up au1 mode gre local 198.51.100.1 remote 198.51.100.2 key 210 >/dev/null 2>&1
check "auto, underlay veth without tx checksumming: the fast path" js "$a" au1 '.datapath == "bpf"'
A down au1 >/dev/null 2>&1
# every mode the fast path serves is auto's too
for m in "gretap local 198.51.100.1 remote 198.51.100.2 key 211" \
	"ip6gre local 2001:db8:fa::1 remote 2001:db8:fa::2 key 212" \
	"ip6gretap local 2001:db8:fa::1 remote 2001:db8:fa::2 key 213" \
	"gre encap udp local 198.51.100.1 remote 198.51.100.2 key 214"; do
	# shellcheck disable=SC2086 # the words of the mode on purpose
	A up au2 mode $m >/dev/null 2>&1
	check "auto, ${m%% local*}: the fast path" js "$a" au2 '.datapath == "bpf"'
	A down au2 >/dev/null 2>&1
done

# --- fallback: a gretund without CAP_BPF and CAP_SYS_ADMIN -----------------
ip netns exec "$c" setpriv --bounding-set=-bpf,-sys_admin "$GRETUND" --daemon
C up fb1 mode gre local 198.51.100.17 remote 198.51.100.18 key 300 address 203.0.113.201/30 \
	>"$t_tmp/up" 2>&1
check "no CAP_BPF, Datapath=auto: up exits 0" test $? = 0
check "no CAP_BPF, Datapath=auto: up says why" grep -q "gretund's own data path serves it.*CAP_BPF" "$t_tmp/up"
check "no CAP_BPF: show says why" js "$c" fb1 '.datapath == "userspace" and (.datapath_why | test("CAP_BPF"))'
B up fb1 mode gre local 198.51.100.18 remote 198.51.100.17 key 300 address 203.0.113.202/30 >/dev/null 2>&1
check "no CAP_BPF: ping through gretund" wait_for 5 pings "$c" 203.0.113.202
C up fb2 mode gre local 198.51.100.17 remote 198.51.100.18 key 301 datapath bpf >"$t_tmp/up" 2>&1
check "no CAP_BPF, Datapath=bpf: up fails" test $? != 0
check "no CAP_BPF, Datapath=bpf: says why" grep -q "Datapath=bpf: the fast path cannot serve fb2: .*CAP_BPF" "$t_tmp/up"
check "no CAP_BPF, Datapath=bpf: no device left" sh -c "! ip -n $c link show fb2 2>/dev/null"
C down fb1 >/dev/null 2>&1

# --- the ingress program follows the route to the remote --------------------
ip link add veth2 netns "$a" type veth peer name veth2 netns "$b"
ip -n "$a" link set veth2 up
ip -n "$b" link set veth2 up
ip netns exec "$a" ethtool -K veth2 tx off >/dev/null
ip -n "$a" route add 198.51.100.2/32 dev veth2
check "route moved: gretun_ingress moves to veth2 (route refresh, <= 12 s)" \
	wait_for 12 sh -c "tc -n $a filter show dev veth2 ingress | grep -q gretun_ingress"
check "route moved: none left on veth0" test "$(our_filters "$a" veth0 ingress)" = 0
t0=$(ip -n "$a" -j -s link show veth2 | jq '.[0].stats64.tx.packets')
check "route moved: ping" pings "$a" 203.0.113.6
check "route moved: the fast path sends on veth2" \
	test "$(ip -n "$a" -j -s link show veth2 | jq '.[0].stats64.tx.packets')" -ge $((t0 + 3))
ip -n "$a" route del 198.51.100.2/32 dev veth2
check "route back: gretun_ingress back on veth0" \
	wait_for 12 sh -c "tc -n $a filter show dev veth0 ingress | grep -q gretun_ingress"
check "route back: no filter and no clsact of ours left on veth2" \
	sh -c "! tc -n $a qdisc show dev veth2 | grep -q clsact"

# --- a failed restart, a restart and kill -9 under a 1 ms ping and a TCP
# stream ----------------------------------------------------------------------
# the worker, as gretund itself says (the supervisor is a gretund too)
worker_pid() { printf 'ping\n' | ip netns exec "$1" socat -t 2 - ABSTRACT-CONNECT:gretun/gretund 2>/dev/null |
	sed -n 's/.*"pid":\([0-9]*\).*/\1/p'; }
# the ids of the programs in our filters on fp1 (egress) and veth0 (ingress)
prog_ids() { for d in "fp1 egress" "veth0 ingress"; do
	tc -n "$a" filter show dev $d | sed -n 's/.* id \([0-9]*\) name gretun_.*/\1/p'; done | tr '\n' ' '; }
tx0=$(ip netns exec "$a" "$GRETUNCTL" show fp1 -j | jq '.[0].stats.tx_packets')
# 4 MB from A to B in 64 KB pieces every 100 ms (about 7 s), through all of it
head -c 4194304 /dev/urandom >"$t_tmp/sin"
rm -f "$t_tmp/sout"
ip netns exec "$b" timeout 60 socat -u TCP-LISTEN:5900,reuseaddr OPEN:"$t_tmp/sout",creat,trunc &
slp=$!
bg_pid "$slp"
sleep 0.5
ip netns exec "$a" timeout 60 sh -c 'i=0; while [ $i -lt 64 ]; do
	dd if="$1" bs=65536 skip=$i count=1 status=none; sleep 0.1; i=$((i + 1)); done |
	socat -u - TCP:203.0.113.6:5900' sh "$t_tmp/sin" &
ssp=$!
bg_pid "$ssp"
ip netns exec "$a" ping -q -i 0.001 -c 6000 203.0.113.6 >"$t_tmp/ping" 2>&1 &
pp=$!
bg_pid "$pp"
sleep 1
old=$(worker_pid "$a")
ids0=$(prog_ids)
touch "$t_tmp/broken"
A restart all >"$t_tmp/o" 2>&1; rc=$?
rm -f "$t_tmp/broken"
sed 's/^/# /' "$t_tmp/o"
check "failed new binary: restart exits 1 and says why" \
	sh -c "test $rc = 1 && grep -q 'exited with status 1' $t_tmp/o"
check "failed new binary: the old gretund keeps serving (same pid)" test "$(worker_pid "$a")" = "$old"
check "failed new binary: nothing detached (the same programs in our filters: $ids0)" \
	test "$(prog_ids)" = "$ids0" -a -n "$ids0"
check "failed new binary: still datapath bpf" js "$a" fp1 '.datapath == "bpf"'
check "failed new binary: the pins stay" nsenter -t "$old" -m sh -c 'ls /sys/fs/bpf/gretun/*/fp_tx_v*'
sleep 0.5
check "restart exits 0" A -q restart all
sleep 0.5
w=$(gretund_pids "$a" | tail -n 1)
kill -9 "$w"
check "kill -9 came while the TCP stream and the ping ran" kill -0 "$ssp" "$pp"
sleep 0.5
# the supervisor's new worker
check "a new worker after kill -9" wait_for 10 sh -c "gretund_pids() { ip netns pids $a | while read -r p; do [ \"\$(cat /proc/\$p/comm 2>/dev/null)\" = gretund ] && echo \$p; done; }; gretund_pids | grep -qv '^$w\$' && ip netns exec $a $GRETUNCTL show fp1 -j >/dev/null 2>&1"
wait "$pp"
ptx=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$t_tmp/ping")
prx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$t_tmp/ping")
echo "# ping every ms across restart and kill -9: ${ptx:-?} sent, ${prx:-?} received"
check "failed restart, restart and kill -9: the 1 ms ping lost nothing" test -n "$ptx" -a "${ptx:-x}" = "${prx:-y}"
wait "$ssp"; src=$?
wait "$slp"
check "failed restart, restart and kill -9: the TCP stream went through (sender exit $src)" test "$src" = 0
check "failed restart, restart and kill -9: the TCP stream intact (4 MB, sha256)" \
	test "$(sha256sum <"$t_tmp/sin")" = "$(sha256sum <"$t_tmp/sout")"
check "after restart and kill -9: still datapath bpf" js "$a" fp1 '.datapath == "bpf"'
check "after restart and kill -9: one filter each, adopted" \
	test "$(our_filters "$a" fp1 egress)$(our_filters "$a" veth0 ingress)" = 11
check "after restart and kill -9: the counters went on" js "$a" fp1 ".stats.tx_packets >= $tx0 + 6000"
check "after restart and kill -9: ping" pings "$a" 203.0.113.6

# --- down leaves nothing ------------------------------------------------------
ids=$(tc -n "$a" filter show dev veth0 ingress | sed -n 's/.* id \([0-9]*\) name gretun_.*/\1/p')
gp=$(gretund_pids "$a" | tail -n 1)
check "the pins are there while a fast-path tunnel is" \
	nsenter -t "$gp" -m sh -c 'ls /sys/fs/bpf/gretun/*/fp_tx_v*'
A down cs1 >/dev/null 2>&1
check "down of the last fast-path tunnel exits 0" A down fp1
check "no filter of ours left on the underlay" test "$(our_filters "$a" veth0 ingress)" = 0
check "the clsact and filter that were there before stay" \
	sh -c "tc -n $a qdisc show dev veth0 | grep -q clsact && tc -n $a filter show dev veth0 ingress | grep -q u32"
check "gretund exits with its last tunnel" wait_for 10 sh -c "! kill -0 $gp 2>/dev/null"
check "no qdisc of ours left in A" sh -c "test \$(tc -n $a qdisc show | grep -c clsact) = 1"
if command -v bpftool >/dev/null && [ -n "$ids" ]; then
	for id in $ids; do
		# freed after an RCU grace period
		check "program $id is gone" wait_for 10 sh -c "! bpftool prog show id $id >/dev/null 2>&1"
	done
fi
# A persistent gretund, in a mount namespace that a sleep keeps (so that
# its pins can be looked at after it exits): the last fast-path tunnel's
# down removes the filters and our clsacts, the pins stay while it runs (a
# restart's successor, without CAP_BPF, adopts them) and go with its exit.
ip netns exec "$a" sh -c "\"\$1\" --daemon --persistent && exec sleep 600" sh "$GRETUND" &
sp=$!
bg_pid "$sp"
check "persistent gretund starts" wait_for 10 sh -c "ip netns exec $a $GRETUNCTL list >/dev/null 2>&1"
A up fp9 mode gre local 198.51.100.1 remote 198.51.100.2 key 109 datapath bpf >/dev/null 2>&1
check "persistent gretund: fp9 on the fast path" js "$a" fp9 '.datapath == "bpf"'
check "persistent gretund: pinned while fp9 is up" nsenter -t "$sp" -m sh -c 'ls /sys/fs/bpf/gretun/*/fp_tx_v*'
A down fp9 >/dev/null 2>&1
check "persistent gretund: no filter of ours left after the down" test "$(our_filters "$a" veth0 ingress)" = 0
check "persistent gretund: no clsact of ours left after the down" sh -c "test \$(tc -n $a qdisc show | grep -c clsact) = 1"
check "persistent gretund: the pins stay while it runs" nsenter -t "$sp" -m sh -c 'ls /sys/fs/bpf/gretun/*/fp_tx_v*'
gp=$(gretund_pids "$a" | tail -n 1)
kill "$gp"
check "persistent gretund: stops" wait_for 10 sh -c "! kill -0 $gp 2>/dev/null"
check "persistent gretund: nothing pinned after it stopped" nsenter -t "$sp" -m sh -c '! ls -d /sys/fs/bpf/gretun 2>/dev/null'
finish
