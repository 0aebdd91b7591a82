#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# GRE-in-UDP through a real NAT with a roaming peer (issue 13, part 1), the
# userspace backend at both ends:
#   client 192.0.2.2 --- 192.0.2.1 nat 203.0.113.1 --- 203.0.113.2 server
# The nat namespace masquerades with nftables (snat to an address:port it
# changes during the test, conntrack -F to make it take effect). The client
# names the server and has a fixed source port and a persistent keepalive;
# the server has Remote = 203.0.113.0/28 and learns where the client is.
# Checked: nothing is sent before anything is learned (counted); the fixed
# source port is the one on the wire (the NAT's conntrack) and replies to it
# come in; a ping at 100/s and a TCP stream keep going while the NAT's
# outside address, then its port, change (losses printed as "# figures");
# keepalives alone move the learned port while idle; a wrong key and a
# source outside the prefix move nothing and are counted; `gretunctl
# restart` and a crash of gretund keep the learned peer; Backend=kernel with
# learning is a config error and Backend=auto says why it picks gretund.
# NAT_DATAPATH=bpf (nat_roaming_fp.sh): the server's tunnels on the eBPF
# fast path (Datapath=bpf, with Local= so that receive can be the fast
# path's, and a persistent keepalive of its own): after learning, the
# traffic goes through the TC programs (the TUN device's counters stay,
# show's move), follows the NAT's moves (figures beside gretund's own), and
# the server's keepalives stay quiet while the fast path sends.
set -u
DP=${NAT_DATAPATH:-}
PREFIX=gtnat${DP}
. "$(dirname "$0")/lib.sh" 2>/dev/null || . "${srcdir:-.}/tests/integration/lib.sh"
require_root
[ -x "$GRETUND" ] || skip_all "gretund not built ($GRETUND)"
[ -x "$GRETUNCTL" ] || skip_all "gretunctl not built ($GRETUNCTL)"
command -v nft >/dev/null || skip_all "nft not installed (scripts/deps: nftables)"
command -v conntrack >/dev/null || skip_all "conntrack not installed (scripts/deps: conntrack)"
if [ "$DP" = bpf ]; then
	command -v tc >/dev/null || skip_all "tc (iproute2) not installed"
	command -v ethtool >/dev/null || skip_all "ethtool not installed"
	[ -d /sys/fs/bpf ] || skip_all "no /sys/fs/bpf: kernel without BPF"
	! grep -q "built without BPF" "$GRETUND" ||
		skip_all "gretund built without BPF (configure --disable-bpf)"
fi
PY=$(command -v python3) || skip_all "python3 not installed"
STREAM=$(dirname "$0")/restart_stream.py

c=$PREFIX-c-$$ n=$PREFIX-n-$$ s=$PREFIX-s-$$
# the server's words beyond the shared ones (NAT_DATAPATH)
SRV=""
SRV6=""
if [ "$DP" = bpf ]; then
	SRV="datapath bpf local 203.0.113.2 persistent-keepalive 1"
	SRV6="datapath bpf local 2001:db8:1::2"
fi
C() { ip netns exec "$c" "$GRETUNCTL" "$@"; }
S() { ip netns exec "$s" "$GRETUNCTL" "$@"; }

# wait_for SECONDS CMD...: poll every 100 ms until CMD succeeds (bounded)
wait_for() {
	local k=$(($1 * 10)); shift
	while [ "$k" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		k=$((k - 1))
	done
	return 1
}
# js NS EXPR: a value of `show nat0 -j` (EXPR indexes t, the tunnel object)
js() {
	ip netns exec "$1" "$GRETUNCTL" show nat0 -j |
		$PY -c 'import json,sys; t=json.load(sys.stdin)[0]; print(eval(sys.argv[1]))' "$2"
}
learned() { js "$s" '"%s:%s" % (t["learned_remote"], t["learned_port"])'; }
learned_is() { [ "$(learned)" = "$1" ]; }
pings() { ip netns exec "$1" ping -c 1 -W 1 "$2"; }
# snat ADDR:PORT: the NAT's outside address and port from now on, for new
# flows; conntrack -F makes the tunnel's flow a new one
snat() {
	ip netns exec "$n" nft flush chain ip nat post &&
		ip netns exec "$n" nft add rule ip nat post oifname o0 ip saddr 192.0.2.0/24 udp dport 4754 snat to "$1" &&
		ip netns exec "$n" conntrack -F 2>/dev/null
}
# inject SRC KEY: a GRE-in-UDP packet (inner ICMP echo to the server's
# tunnel address) sent from the nat namespace's SRC:5555 to the server
inject() {
	ip netns exec "$n" "$PY" - "$1" "$2" <<'EOF'
import socket, struct, sys
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
icmp = struct.pack("!BBHHH", 8, 0, 0, 7, 1) + b"x" * 8
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0, 64, 1, 0,
                 socket.inet_aton("198.51.100.1"), socket.inet_aton("198.51.100.2"))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
gre = struct.pack("!HHI", 0x2000, 0x0800, int(sys.argv[2]))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind((sys.argv[1], 5555))
u.sendto(gre + ip + icmp, ("203.0.113.2", 4754))
EOF
}

netns_add "$c"
netns_add "$n"
netns_add "$s"
ip link add c0 netns "$c" type veth peer name c1 netns "$n"
ip link add o0 netns "$n" type veth peer name s0 netns "$s"
ip -n "$c" addr add 192.0.2.2/24 dev c0
ip -n "$n" addr add 192.0.2.1/24 dev c1
ip -n "$n" addr add 203.0.113.1/24 dev o0
# the NAT's other outside addresses; .12 and .200 send crafted packets
for a in 10 11 12 200; do ip -n "$n" addr add 203.0.113.$a/24 dev o0; done
ip -n "$s" addr add 203.0.113.2/24 dev s0
for x in "$c c0" "$n c1" "$n o0" "$s s0"; do
	set -- $x
	ip -n "$1" link set "$2" up
done
ip -n "$c" route add default via 192.0.2.1
# The fast path sends a locally made TCP segment on with its checksum still
# to be filled in (CHECKSUM_PARTIAL), as a veth hands it on; the client's
# gretund reads it from a socket unfilled. A NIC, or a veth without tx
# checksumming, fills it in (fastpath.sh does the same).
[ "$DP" = bpf ] && ip netns exec "$s" ethtool -K s0 tx off >/dev/null
ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$n" nft -f - <<'EOF'
table ip nat {
	chain post { type nat hook postrouting priority srcnat; }
}
EOF
snat 203.0.113.10:40000

check "Backend=kernel with Remote=any: config error, exit 2, one line" sh -c "
	ip netns exec $s $GRETUNCTL check nat0 mode gre remote any encapsulation udp backend kernel 2>$t_tmp/e; [ \$? = 2 ] &&
	[ \$(wc -l <$t_tmp/e) = 1 ] && grep -q 'needs Backend=userspace or auto' $t_tmp/e"
check "Backend=kernel with PersistentKeepalive: config error, exit 2" sh -c "
	ip netns exec $c $GRETUNCTL check nat0 mode gre remote 203.0.113.2 persistent-keepalive 5 backend kernel 2>/dev/null; [ \$? = 2 ]"
check "Remote with host bits set is refused (exit 2)" sh -c "
	ip netns exec $s $GRETUNCTL check nat0 mode gre remote 203.0.113.7/28 2>/dev/null; [ \$? = 2 ]"

# the server first: it has heard of nobody yet. Backend=auto says why it
# takes gretund.
check "server up, Remote=203.0.113.0/28, auto picks gretund and says why" sh -c "
	ip netns exec $s $GRETUNCTL up nat0 mode gre remote 203.0.113.0/28 key 42 \
		encapsulation udp address 198.51.100.2/30 $SRV 2>$t_tmp/e; r=\$?; cat $t_tmp/e; [ \$r = 0 ] &&
	grep -q 'learns the peer.s address.*userspace backend' $t_tmp/e"
check "show before learning: \"learned nothing yet\", learned_remote null" sh -c "
	ip netns exec $s $GRETUNCTL show nat0 | grep -q 'remote 203.0.113.0/28 learned nothing yet' &&
	[ \"\$(ip netns exec $s $GRETUNCTL show nat0 -j | $PY -c 'import json,sys; print(json.load(sys.stdin)[0][\"learned_remote\"])')\" = None ]"
pings "$s" 198.51.100.1 >/dev/null 2>&1
check "sending before anything is learned drops, counted as tx_no_endpoint" \
	sh -c "[ \"\$(ip netns exec $s $GRETUNCTL show nat0 -j | $PY -c 'import json,sys; print(json.load(sys.stdin)[0][\"stats\"][\"tx_no_endpoint\"])')\" -ge 1 ] &&
	ip netns exec $s $GRETUNCTL show nat0 | grep -q 'with no peer learned yet'"

check "client up: remote 203.0.113.2, source port 40123, persistent keepalive 1" \
	C -q up nat0 backend userspace mode gre remote 203.0.113.2 key 42 encapsulation udp \
		encapsulation-source-port 40123 persistent-keepalive 1 address 198.51.100.1/30
# the client's first keepalive tells the server where it is
check "server learns 203.0.113.10:40000 from the client's keepalive" wait_for 10 learned_is 203.0.113.10:40000
check "show: \"learned 203.0.113.10:40000 (N s ago)\"" sh -c "
	ip netns exec $s $GRETUNCTL show nat0 | grep -Eq 'remote 203.0.113.0/28 learned 203.0.113.10:40000 \\([0-9]+ s ago\\)'"
check "the source port on the wire is 40123 (the NAT's conntrack)" sh -c "
	ip netns exec $n conntrack -L -p udp 2>/dev/null | grep -q 'src=192.0.2.2 dst=203.0.113.2 sport=40123 dport=4754'"
check "the client listens on its source port 40123 for replies" sh -c "
	ip netns exec $c ss -Huln 'sport = :40123' | grep -q 40123"
check "server to client ping (replies come back to port 40123)" pings "$s" 198.51.100.1
check "client to server ping" pings "$c" 198.51.100.2

# the server's TUN device counters (what went through gretund) and show's
dev_n() {
	ip -n "$s" -j -s link show nat0 | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"][sys.argv[1]]["packets"])' "$1"
}
# fp_window WHAT: 300 pings each way at 100/s, all answered, carried by the
# fast path: show's counters of the server's tunnel move by >= 600 each way
# while its TUN device's move by < 20 (what the programs leave to gretund)
fp_window() {
	local dr dt sr st
	dr=$(dev_n rx) dt=$(dev_n tx)
	sr=$(js "$s" 't["stats"]["rx_packets"]') st=$(js "$s" 't["stats"]["tx_packets"]')
	check "fast path $1: 300 pings client to server, all answered" \
		ip netns exec "$c" ping -q -i 0.01 -c 300 -W 1 198.51.100.2
	check "fast path $1: 300 pings server to client, all answered" \
		ip netns exec "$s" ping -q -i 0.01 -c 300 -W 1 198.51.100.1
	check "fast path $1: show counts >= 600 each way, the TUN device < 20" sh -c "
		r=\$(( \$(ip netns exec $s $GRETUNCTL show nat0 -j | $PY -c 'import json,sys; print(json.load(sys.stdin)[0][\"stats\"][\"rx_packets\"])') - $sr ))
		t=\$(( \$(ip netns exec $s $GRETUNCTL show nat0 -j | $PY -c 'import json,sys; print(json.load(sys.stdin)[0][\"stats\"][\"tx_packets\"])') - $st ))
		dr=\$(( \$(ip -n $s -j -s link show nat0 | $PY -c 'import json,sys; print(json.load(sys.stdin)[0][\"stats64\"][\"rx\"][\"packets\"])') - $dr ))
		dt=\$(( \$(ip -n $s -j -s link show nat0 | $PY -c 'import json,sys; print(json.load(sys.stdin)[0][\"stats64\"][\"tx\"][\"packets\"])') - $dt ))
		echo show rx \$r tx \$t, device rx \$dr tx \$dt
		[ \$r -ge 600 ] && [ \$t -ge 600 ] && [ \$dr -lt 20 ] && [ \$dt -lt 20 ]"
}
if [ "$DP" = bpf ]; then
	check "fast path: the server's tunnel says datapath bpf" \
		sh -c "[ \"\$(ip netns exec $s $GRETUNCTL show nat0 -j | $PY -c 'import json,sys; print(json.load(sys.stdin)[0][\"datapath\"])')\" = bpf ]"
	check "fast path: gretun_ingress on the server's underlay s0" \
		sh -c "tc -n $s filter show dev s0 ingress | grep -q gretun_ingress"
	fp_window "after learning"
	# the server's own persistent keepalive: none while the fast path
	# sends (gretund reads its counters), one a second when idle
	ka0=$(js "$s" 't["stats"]["tx_keepalives"]')
	ip netns exec "$s" ping -q -i 0.01 -c 300 198.51.100.1 >/dev/null 2>&1
	check "fast path: the server sends no keepalive while the fast path sends (3 s)" \
		sh -c "k=\$(ip netns exec $s $GRETUNCTL show nat0 -j | $PY -c 'import json,sys; print(json.load(sys.stdin)[0][\"stats\"][\"tx_keepalives\"])'); echo \$k - $ka0; [ \$k -le $((ka0 + 1)) ]"
	ka0=$(js "$s" 't["stats"]["tx_keepalives"]')
	sleep 3
	check "fast path: ... and sends them when idle (3 s)" \
		sh -c "k=\$(ip netns exec $s $GRETUNCTL show nat0 -j | $PY -c 'import json,sys; print(json.load(sys.stdin)[0][\"stats\"][\"tx_keepalives\"])'); echo \$k - $ka0; [ \$k -ge $((ka0 + 2)) ]"
fi

# a wrong key from inside the prefix, the right key from outside it
key0=$(js "$s" 't["stats"]["drops"]["key"]')
src0=$(js "$s" 't["stats"]["drops"]["source"]')
at0=$(js "$s" 't["learned_at"]')
inject 203.0.113.12 43
check "a wrong key is dropped and counted (drops.key)" \
	wait_for 5 sh -c "[ \$(ip netns exec $s $GRETUNCTL show nat0 -j | $PY -c 'import json,sys; print(json.load(sys.stdin)[0][\"stats\"][\"drops\"][\"key\"])') -gt $key0 ]"
check "... and does not move the learned peer" learned_is 203.0.113.10:40000
inject 203.0.113.200 42
check "a source outside the prefix is dropped and counted (drops.source)" \
	wait_for 5 sh -c "[ \$(ip netns exec $s $GRETUNCTL show nat0 -j | $PY -c 'import json,sys; print(json.load(sys.stdin)[0][\"stats\"][\"drops\"][\"source\"])') -gt $src0 ]"
check "... and does not move the learned peer either" sh -c "
	[ \"\$(ip netns exec $s $GRETUNCTL show nat0 -j | $PY -c 'import json,sys; t=json.load(sys.stdin)[0]; print(t[\"learned_remote\"], t[\"learned_port\"], t[\"learned_at\"])')\" = '203.0.113.10 40000 $at0' ]"

# ping at 100/s and a TCP stream while the NAT's outside address changes,
# then its port
ip netns exec "$s" "$PY" "$STREAM" tcp-recv 198.51.100.2 5001 60 >"$t_tmp/tcp-recv" 2>&1 &
bg_pid $!
wait_for 10 grep -q ready "$t_tmp/tcp-recv" || sleep 1
ip netns exec "$c" "$PY" "$STREAM" tcp-send 198.51.100.2 5001 $((8 << 20)) 8 >"$t_tmp/tcp-send" 2>&1 &
tcp_pid=$!
bg_pid $tcp_pid
ip netns exec "$c" ping -q -i 0.01 -c 800 198.51.100.2 >"$t_tmp/ping" 2>&1 &
ping_pid=$!
bg_pid $ping_pid
sleep 2.5
snat 203.0.113.11:40001
check "after the NAT's address changed, the server sends to 203.0.113.11:40001" \
	wait_for 5 learned_is 203.0.113.11:40001
sleep 2.5
snat 203.0.113.11:40002
check "after the NAT's port changed, the server sends to 203.0.113.11:40002" \
	wait_for 5 learned_is 203.0.113.11:40002
wait "$ping_pid"
wait "$tcp_pid"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$t_tmp/ping")
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$t_tmp/ping")
echo "# figures: ${DP:+Datapath=$DP at the server: }ping -i 0.01 across an address and a port change: sent ${sent:-?} received ${got:-?} lost $((${sent:-0} - ${got:-0}))"
check "ping kept going: at least 790 of 800 answered" test "${got:-0}" -ge 790
wait_for 30 grep -q sha256 "$t_tmp/tcp-recv"
echo "# figures: tcp: sent $(cat "$t_tmp/tcp-send"); received $(grep sha256 "$t_tmp/tcp-recv")"
check "the TCP stream arrived whole (sha256 of both ends)" sh -c "
	a=\$(sed -n 's/^sha256 \([0-9a-f]*\) bytes \([0-9]*\)/\1 \2/p' $t_tmp/tcp-send)
	b=\$(sed -n 's/^sha256 \([0-9a-f]*\) bytes \([0-9]*\)/\1 \2/p' $t_tmp/tcp-recv)
	[ -n \"\$a\" ] && [ \"\$a\" = \"\$b\" ] && [ \"\${a#* }\" = $((8 << 20)) ]"
if [ "$DP" = bpf ]; then
	fp_window "after the NAT's address and port changed"
	# A static tunnel whose remote is the learned address: gretund's demux
	# gives it those packets (every exact remote before a learning tunnel),
	# so the fast path must too, not to the learning tunnel's entry of the
	# same key, whatever order the entries are written in (st1 comes after
	# st0's device is up: every tunnel's event rewrites the learning
	# tunnels' keys). Gone again, the learning tunnel's entry is back.
	jsn() {
		ip netns exec "$s" "$GRETUNCTL" show "$1" -j |
			$PY -c 'import json,sys; print(json.load(sys.stdin)[0]["stats"]["rx_packets"])'
	}
	check "a static tunnel st0 with remote 203.0.113.11 (the learned address) beside it" \
		S -q up st0 mode gre local 203.0.113.2 remote 203.0.113.11 key 42 encapsulation udp \
			datapath userspace
	sleep 0.5
	check "another tunnel st1 after it" \
		S -q up st1 mode gre local 203.0.113.2 remote 203.0.113.99 key 43 encapsulation udp
	r0=$(jsn nat0) q0=$(jsn st0)
	ip netns exec "$c" ping -q -i 0.01 -c 50 -W 1 198.51.100.2 >/dev/null 2>&1
	check "... takes the client's packets (st0 rx >= 50), the learning tunnel none" sh -c "
		r=\$(ip netns exec $s $GRETUNCTL show nat0 -j | $PY -c 'import json,sys; print(json.load(sys.stdin)[0][\"stats\"][\"rx_packets\"])')
		q=\$(ip netns exec $s $GRETUNCTL show st0 -j | $PY -c 'import json,sys; print(json.load(sys.stdin)[0][\"stats\"][\"rx_packets\"])')
		echo nat0 rx \$((r - $r0)) st0 rx \$((q - $q0)); [ \$((q - $q0)) -ge 50 ] && [ \$r = $r0 ]"
	check "st0 and st1 down" sh -c "ip netns exec $s $GRETUNCTL -q down st0 && ip netns exec $s $GRETUNCTL -q down st1"
	fp_window "after st0 went"
	# A second learning tunnel with a longer prefix holding the client's
	# address: the demux gives it the client's packets, so it learns the
	# same peer as nat0 still has. Two learning tunnels with one learned
	# key: receive is gretund's (nat2's TUN device counts what arrives).
	check "a learning tunnel nat2, Remote=203.0.113.8/29 (longer, holds .11)" \
		S -q up nat2 mode gre remote 203.0.113.8/29 key 42 encapsulation udp \
			address 198.51.100.9/30 $SRV
	learned2_is() {
		[ "$(ip netns exec "$s" "$GRETUNCTL" show nat2 -j |
			$PY -c 'import json,sys; t=json.load(sys.stdin)[0]; print("%s:%s" % (t["learned_remote"], t["learned_port"]))')" = "$1" ]
	}
	check "nat2 learns 203.0.113.11:40002 too" wait_for 5 learned2_is 203.0.113.11:40002
	d0=$(ip -n "$s" -j -s link show nat2 | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])')
	ip netns exec "$c" ping -q -i 0.01 -c 50 -W 1 198.51.100.2 >/dev/null 2>&1
	check "... the client's packets reach nat2 through gretund (its device rx >= 50)" sh -c "
		d=\$(ip -n $s -j -s link show nat2 | $PY -c 'import json,sys; print(json.load(sys.stdin)[0][\"stats64\"][\"rx\"][\"packets\"])')
		echo nat2 device rx \$((d - $d0)); [ \$((d - $d0)) -ge 50 ]"
	check "nat2 down" S -q down nat2
	# auto: a learning tunnel stays gretund's and says why
	check "a plain GRE learning tunnel with Datapath=auto is gretund's and says why" sh -c "
		ip netns exec $s $GRETUNCTL -q up nat3 mode gre local 203.0.113.2 remote 203.0.113.16/28 key 77 2>/dev/null &&
		ip netns exec $s $GRETUNCTL show nat3 -j | $PY -c 'import json,sys; t=json.load(sys.stdin)[0]; print(t[\"datapath\"], t[\"datapath_why\"])' |
			grep -q \"^userspace a learning tunnel's underlay is known only once it learns\" &&
		ip netns exec $s $GRETUNCTL -q down nat3"
	fp_window "after nat2 went"
fi

# idle: only keepalives flow; the NAT's port changes and the keepalives
# alone tell the server, which then reaches the client first
ka0=$(js "$c" 't["stats"]["tx_keepalives"]')
rka0=$(js "$s" 't["stats"]["rx_keepalives"]')
check "idle client sends keepalives (tx_keepalives grows)" \
	wait_for 5 sh -c "[ \$(ip netns exec $c $GRETUNCTL show nat0 -j | $PY -c 'import json,sys; print(json.load(sys.stdin)[0][\"stats\"][\"tx_keepalives\"])') -ge $((ka0 + 2)) ]"
check "the server receives them (rx_keepalives grows)" sh -c "
	[ \$(ip netns exec $s $GRETUNCTL show nat0 -j | $PY -c 'import json,sys; print(json.load(sys.stdin)[0][\"stats\"][\"rx_keepalives\"])') -gt $rka0 ]"
snat 203.0.113.11:40003
check "while idle, a keepalive moves the learned port to 40003" wait_for 5 learned_is 203.0.113.11:40003
check "the server reaches the client first after that" pings "$s" 198.51.100.1

# restart hands the learned peer to the new gretund
before=$(js "$s" '"%s %s %s" % (t["learned_remote"], t["learned_port"], t["learned_at"])')
check "gretunctl restart nat0 on the server" S -q restart nat0
check "the learned peer and its time survive the restart" sh -c "
	[ \"\$(ip netns exec $s $GRETUNCTL show nat0 -j | $PY -c 'import json,sys; t=json.load(sys.stdin)[0]; print(t[\"learned_remote\"], t[\"learned_port\"], t[\"learned_at\"])')\" = '$before' ]"
check "the server reaches the client right after the restart" pings "$s" 198.51.100.1
check "up again with the same config keeps the learned peer" sh -c "
	ip netns exec $s $GRETUNCTL -q up nat0 mode gre remote 203.0.113.0/28 key 42 encapsulation udp address 198.51.100.2/30 $SRV &&
	[ \"\$(ip netns exec $s $GRETUNCTL show nat0 -j | $PY -c 'import json,sys; t=json.load(sys.stdin)[0]; print(t[\"learned_remote\"], t[\"learned_port\"], t[\"learned_at\"])')\" = '$before' ]"

# kill -9 of the server's gretund: its supervisor starts another from the
# state file, which has the learned peer too
wpid() {
	printf 'ping\n' | ip netns exec "$s" socat -t 2 - ABSTRACT-CONNECT:gretun/gretund 2>/dev/null |
		sed -n 's/.*"pid":\([0-9]*\).*/\1/p'
}
snat 203.0.113.11:40004	# a peer learned after the last request
check "a keepalive moves the learned port to 40004" wait_for 5 learned_is 203.0.113.11:40004
before=$(js "$s" '"%s %s %s" % (t["learned_remote"], t["learned_port"], t["learned_at"])')
sleep 1.2	# the state file is written once a second
w=$(wpid)
[ -n "$w" ] && kill -9 "$w"
new_worker() { local p; p=$(wpid); [ -n "$p" ] && [ "$p" != "$1" ]; }
check "after kill -9 of the server's gretund ($w) another one serves" wait_for 15 new_worker "$w"
check "the learned peer and its time come back from the state file" sh -c "
	[ \"\$(ip netns exec $s $GRETUNCTL show nat0 -j | $PY -c 'import json,sys; t=json.load(sys.stdin)[0]; print(t[\"learned_remote\"], t[\"learned_port\"], t[\"learned_at\"])')\" = '$before' ]"
check "the server reaches the client after the crash" wait_for 5 pings "$s" 198.51.100.1

# IPv6, plain GRE (no NAT): learning the address alone, and the empty
# keepalive of IPv6 (counted; that it learns nothing cannot be seen here,
# as the tunnel devices send IPv6 of their own). The nat namespace is the
# peer here, its address changing with `set local'.
N() { ip netns exec "$n" "$GRETUNCTL" "$@"; }
js6() {
	ip netns exec "$1" "$GRETUNCTL" show nat6 -j |
		$PY -c 'import json,sys; t=json.load(sys.stdin)[0]; print(eval(sys.argv[1]))' "$2"
}
learned6_is() { [ "$(js6 "$s" '"%s %s" % (t["learned_remote"], t["learned_port"])')" = "$1" ]; }
ip -n "$n" addr add 2001:db8:1::10/64 dev o0 nodad
ip -n "$n" addr add 2001:db8:1::11/64 dev o0 nodad
ip -n "$s" addr add 2001:db8:1::2/64 dev s0 nodad
check "ip6gre server up, Remote=2001:db8:1::/64" \
	S -q up nat6 mode ip6gre remote 2001:db8:1::/64 key 6 address 198.51.100.6/30 $SRV6
check "ip6gre peer up with local 2001:db8:1::10 and persistent keepalive 1" \
	N -q up nat6 mode ip6gre local 2001:db8:1::10 remote 2001:db8:1::2 key 6 \
		persistent-keepalive 1 address 198.51.100.5/30
check "IPv6 keepalives (empty) are counted by the server" wait_for 5 sh -c "
	[ \$(ip netns exec $s $GRETUNCTL show nat6 -j | $PY -c 'import json,sys; print(json.load(sys.stdin)[0][\"stats\"][\"rx_keepalives\"])') -ge 1 ]"
check "peer to server ping over ip6gre" pings "$n" 198.51.100.6
check "the server learned 2001:db8:1::10 (no port: plain GRE)" learned6_is "2001:db8:1::10 None"
check "show: \"remote 2001:db8:1::/64 learned 2001:db8:1::10 (N s ago)\"" sh -c "
	ip netns exec $s $GRETUNCTL show nat6 | grep -Eq 'remote 2001:db8:1::/64 learned 2001:db8:1::10 \\([0-9]+ s ago\\)'"
check "the peer moves to 2001:db8:1::11 (set local)" N -q set nat6 local 2001:db8:1::11
check "peer to server ping from the new address" pings "$n" 198.51.100.6
check "the server follows it to 2001:db8:1::11" learned6_is "2001:db8:1::11 None"
check "server to peer ping" pings "$s" 198.51.100.5

check "client down" C -q down nat0
check "server down" S -q down nat0
check "ip6gre ends down" sh -c "ip netns exec $n $GRETUNCTL -q down nat6 && ip netns exec $s $GRETUNCTL -q down nat6"
finish
