#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# gretund receive-side UDP GRO end to end: two namespaces over a veth, one
# gretund each; bursts of UDP datagrams with known contents over gre,
# GRE-in-UDP and ip6gre (IPv6 underlay and overlay) must all arrive intact:
# one flow of fixed size, mixed sizes, two flows interleaved. Coalescing is
# proven by the receiving TUN device's RX packet counter (one per write into
# it, however many datagrams a write carries) against the datagram count,
# with the receiving gretund stopped while a burst queues up so that its
# recvmmsg batches are full whatever the machine's speed. The send side:
# with the sending gretund stopped, a GRE-in-UDP burst of one flow must
# cross the veth as far fewer packets (UDP GSO sends) than datagrams.
# Refusals, through an LD_PRELOAD shim: USO writes into the TUN (before
# Linux 6.2) and UDP GSO sends (EIO): nothing lost, the kernel asked once.
# Underlay 198.51.100.64/27 + 2001:db8:710::/64, overlay 203.0.113.64/27 +
# 2001:db8:711::/64.
set -eu
. "$(dirname "$0")/gretund_lib.sh"
USO_SHIM=${USO_SHIM:-$top_builddir/tests/integration/uso_refuse.so}
NSA=ugro-$$-a
NSB=ugro-$$-b
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }

cat > "$TMP/udp.py" <<'EOF'
# send MODE ADDR PORT N | recv ADDR PORT N: datagrams whose payload is
# (flow, seq, size) and a pattern of them; the receiver checks every byte,
# that each (flow, seq) came exactly once, and that all N came.
import socket, struct, sys, time

def size_of(mode, seq):
    if mode == "mixed":
        return (1200, 1200, 1200, 333, 1200, 900, 900, 8, 1200, 1150)[seq % 10]
    return 1200

def payload(flow, seq, size):
    head = struct.pack("!HIH", flow, seq, size)
    body = bytes((seq * 7 + flow * 13 + i) & 0xff for i in range(max(size - 8, 0)))
    return head + body

def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET

def send(mode, addr, port, n):
    socks = [socket.socket(family(addr), socket.SOCK_DGRAM) for _ in range(2)]
    for s in socks:
        s.connect((addr, port))
    for seq in range(n):
        flow = seq % 2 if mode == "twoflows" else 0
        size = size_of(mode, seq)
        socks[flow].send(payload(flow, seq, size))
        if seq % 50 == 49:
            time.sleep(0.002)	# bursts, not a flood: nothing is lost

def recv(addr, port, n):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, 33, 1 << 23)	# SO_RCVBUFFORCE
    s.bind((addr, port))
    print("ready", flush=True)
    seen = set()
    s.settimeout(30)
    while len(seen) < n:
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        if len(d) < 8:
            print("short datagram %r" % d)
            sys.exit(1)
        flow, seq, size = struct.unpack("!HIH", d[:8])
        if len(d) != size or d != payload(flow, seq, size):
            print("bad datagram flow %d seq %d size %d len %d" % (flow, seq, size, len(d)))
            sys.exit(1)
        if (flow, seq) in seen:
            print("duplicate flow %d seq %d" % (flow, seq))
            sys.exit(1)
        seen.add((flow, seq))
    print("got %d of %d" % (len(seen), n))
    sys.exit(0 if len(seen) == n else 1)

if sys.argv[1] == "send":
    send(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
else:
    recv(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
EOF

# up NAME MODE EXTRA
up() {
	local name=$1 mode=$2 extra=$3 la=198.51.100.65 ra=198.51.100.66
	case "$mode" in ip6*) la=2001:db8:710::1 ra=2001:db8:710::2 ;; esac
	# gretund's own path is what this tests (the fast path does not write
	# into the device)
	ctl_ok "$NSA" "create $name mode=$mode local=$la remote=$ra $extra datapath=userspace" >/dev/null
	ctl_ok "$NSB" "create $name mode=$mode local=$ra remote=$la $extra datapath=userspace" >/dev/null
	# a TUN device drops what its reader does not take in time: a long
	# queue so that a busy machine stalling gretund loses nothing
	for ns in "$NSA" "$NSB"; do
		ip -n "$ns" link set "$name" mtu 1400 txqueuelen 5000 up
	done
	ip -n "$NSA" addr add 203.0.113.65/30 dev "$name"
	ip -n "$NSB" addr add 203.0.113.66/30 dev "$name"
	ip -n "$NSA" addr add 2001:db8:711::1/64 dev "$name" nodad
	ip -n "$NSB" addr add 2001:db8:711::2/64 dev "$name" nodad
}

# tun_rx NS DEV: packets the device took in (one per write into the TUN fd)
tun_rx() {
	ip -n "$1" -s -j link show dev "$2" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'
}

# the gretund of NSB whose fds include a TUN device: the data plane
dataplane_pid() {
	local p f
	for p in $(ip netns pids "${1:-$NSB}"); do
		for f in /proc/"$p"/fd/*; do
			if [ "$(readlink "$f" 2>/dev/null)" = /dev/net/tun ]; then
				echo "$p"
				return 0
			fi
		done
	done
	return 1
}

# burst NAME MODE DST N [stopped|tx]: N datagrams A -> B; with "tx" A's
# gretund is paused instead (send side); with "stopped" the
# receiving gretund is held (SIGSTOP) until all are sent, and at least half
# of the writes into the TUN device must have been saved by GRO
burst() {
	local name=$1 mode=$2 dst=$3 n=$4 stopped=${5:-} port=5300 rx0 rx1 vx0 vx1 rp gp=""
	ip netns exec "$NSB" python3 "$TMP/udp.py" recv "$dst" "$port" "$n" > "$TMP/recv.out" 2>&1 &
	rp=$!
	PIDS="$PIDS $rp"
	for _ in $(seq 300); do
		grep -q ready "$TMP/recv.out" && break
		sleep 0.1
	done
	grep -q ready "$TMP/recv.out" || fail "$name $mode: receiver did not start: $(cat "$TMP/recv.out")"
	rx0=$(tun_rx "$NSB" "$name")
	vx0=$(tun_rx "$NSB" veth0)
	if [ "$stopped" = tx ] || [ "$stopped" = txrefused ]; then
		gp=$(dataplane_pid "$NSA") || fail "no gretund data plane in $NSA"
		kill -STOP "$gp"
	elif [ -n "$stopped" ]; then
		gp=$(dataplane_pid) || fail "no gretund data plane in $NSB"
		kill -STOP "$gp"
	fi
	ip netns exec "$NSA" python3 "$TMP/udp.py" send "$mode" "$dst" "$port" "$n" ||
		{ [ -z "$gp" ] || kill -CONT "$gp"; fail "$name $mode: sender"; }
	[ -z "$gp" ] || kill -CONT "$gp"
	wait "$rp" || fail "$name $mode to $dst: $(cat "$TMP/recv.out");" \
		"A: $(ctl_ok "$NSA" "get $name" | grep -o '"stats":.*');" \
		"B: $(ctl_ok "$NSB" "get $name" | grep -o '"stats":.*');" \
		"A's $name: $(ip -n "$NSA" -s -o link show "$name" | tr -s ' ');" \
		"B's UDP: $(ip netns exec "$NSB" nstat -az 2>/dev/null | awk '$1 ~ /^Udp|^Ip6(InDiscards|InHdrErrors|InAddrErrors|InTooBig|ReasmFails)/ && $2 != 0 { printf "%s=%s ", $1, $2 }')"
	rx1=$(tun_rx "$NSB" "$name")
	vx1=$(tun_rx "$NSB" veth0)
	echo "  $mode to $dst${stopped:+ ($stopped side paused)}: $(tail -1 "$TMP/recv.out"), $((rx1 - rx0)) writes into $name, $((vx1 - vx0)) packets on the veth"
	if [ "$stopped" = txrefused ]; then
		# every UDP GSO send refused: each datagram crosses on its own
		[ $((vx1 - vx0)) -ge $((n - 10)) ] ||
			fail "$name $mode: GSO refused, yet $n datagrams were only $((vx1 - vx0)) packets on the veth"
	elif [ "$stopped" = refused ]; then
		# every merged write refused: each datagram written on its own
		[ $((rx1 - rx0)) -ge $((n - 10)) ] ||
			fail "$name $mode: USO refused, yet $n datagrams took only $((rx1 - rx0)) writes"
	elif [ "$stopped" = tx ]; then
		# GRE-in-UDP packets of one flow read one by one from the TUN
		# leave as UDP GSO sends: a veth passes each as one packet
		[ $((vx1 - vx0)) -le $((n / 2)) ] ||
			fail "$name $mode: $n datagrams were $((vx1 - vx0)) packets on the veth: no UDP GSO"
	elif [ -n "$stopped" ] && [ $((rx1 - rx0)) -gt $((n / 2)) ]; then
		fail "$name $mode: $n datagrams took $((rx1 - rx0)) writes: no UDP GRO"
	fi
}

run_case() {
	local name=$1 mode=$2 extra=$3 dst=$4
	echo "case: $mode $extra to $dst"
	up "$name" "$mode" "$extra"
	# a first exchange so that neighbours and routes are settled
	# shellcheck disable=SC2086 # PING may be "busybox ping"
	ip netns exec "$NSA" $PING -c 1 -W 2 "$dst" >/dev/null || fail "$name: ping $dst"
	local r e0
	r=$(ctl_ok "$NSB" "get $name")
	e0=$(json_get "$r" stats.rx_errors)
	burst "$name" fixed "$dst" 2000
	burst "$name" fixed "$dst" 1000 stopped
	burst "$name" mixed "$dst" 2000
	burst "$name" twoflows "$dst" 2000
	burst "$name" twoflows "$dst" 1000 stopped
	case "$extra" in
	*udp*)
		# the paused sender's TUN queue (5000) holds the whole burst
		burst "$name" fixed "$dst" 1000 tx
		;;
	esac
	r=$(ctl_ok "$NSB" "get $name")
	[ "$(json_get "$r" stats.rx_errors)" = "$e0" ] || fail "$name: receive errors: $r"
	ctl_ok "$NSA" "destroy $name" >/dev/null
	ctl_ok "$NSB" "destroy $name" >/dev/null
}

setup_netns 198.51.100.65/27 198.51.100.66/27 2001:db8:710::1/64 2001:db8:710::2/64
start_daemons
run_case ug1 gre "" 203.0.113.66
run_case ug2 gre "encap=udp" 203.0.113.66
run_case ug3 ip6gre "" 2001:db8:711::2
run_case ug4 gre "encap=udp" 2001:db8:711::2

# A kernel before 6.2 refuses a UDP_L4 GSO packet from a TUN fd (EINVAL):
# a shim makes this one's writev do so; nothing may be lost.
echo "case: the kernel refuses USO from TUN (LD_PRELOAD $USO_SHIM)"
[ -f "$USO_SHIM" ] || fail "shim not built: $USO_SHIM (make check builds it)"
for p in $(ip netns pids "$NSB"); do kill "$p"; done
for _ in $(seq 300); do [ -z "$(ip netns pids "$NSB")" ] && break; sleep 0.1; done
ip netns exec "$NSB" env LD_PRELOAD="$USO_SHIM" "$GRETUND" --daemon --persistent || fail "gretund in $NSB with the shim"
up ug5 gre ""
# shellcheck disable=SC2086 # PING may be "busybox ping"
ip netns exec "$NSA" $PING -c 1 -W 2 203.0.113.66 >/dev/null || fail "ug5: ping"
e0=$(json_get "$(ctl_ok "$NSB" "get ug5")" stats.rx_errors)
burst ug5 fixed 203.0.113.66 1000 refused
r=$(ctl_ok "$NSB" "get ug5")
[ "$(json_get "$r" stats.rx_errors)" = "$e0" ] || fail "ug5: receive errors: $r"

# The kernel refuses a UDP GSO send (EIO, as on an xfrm route): the same
# shim in A's gretund; the refused run goes out packet by packet at once,
# later runs do not ask again, nothing is lost or counted as an error.
echo "case: the kernel refuses UDP GSO sends (LD_PRELOAD $USO_SHIM in $NSA)"
ctl_ok "$NSA" "destroy ug5" >/dev/null
ctl_ok "$NSB" "destroy ug5" >/dev/null
for p in $(ip netns pids "$NSA"); do kill "$p"; done
for _ in $(seq 300); do [ -z "$(ip netns pids "$NSA")" ] && break; sleep 0.1; done
ip netns exec "$NSA" env LD_PRELOAD="$USO_SHIM" USO_REFUSE_LOG="$TMP/refused" "$GRETUND" --daemon --persistent || fail "gretund in $NSA with the shim"
up ug6 gre "encap=udp"
# shellcheck disable=SC2086 # PING may be "busybox ping"
ip netns exec "$NSA" $PING -c 1 -W 2 203.0.113.66 >/dev/null || fail "ug6: ping"
burst ug6 fixed 203.0.113.66 1000 txrefused
burst ug6 fixed 203.0.113.66 1000 txrefused
r=$(ctl_ok "$NSA" "get ug6")
[ "$(json_get "$r" stats.tx_errors)" = 0 ] && [ "$(json_get "$r" stats.tx_dropped)" = 0 ] ||
	fail "ug6: send errors with GSO refused: $r"
n=$(grep -c sendmsg "$TMP/refused" 2>/dev/null || true)
[ "${n:-0}" -ge 1 ] && [ "$n" -le 2 ] ||
	fail "ug6: the kernel was asked for GSO ${n:-0} times; once per socket (one or two ports) expected"
echo "PASS"
