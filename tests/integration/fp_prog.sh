#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The fast path's TC programs on real devices, loaded by bpftool and
# attached by tc (no gretund): what check_fp's test runs cannot show. A
# TUN device's egress starts at the IP header (no MAC header: the program
# inserts the outer headers at offset 0 and pushes the Ethernet header that
# bpf_redirect_neigh needs), a TAP device's at its Ethernet header; the
# redirects really deliver (neighbour resolution on the underlay, ingress
# of the TUN/TAP device with nobody holding its fd).
#
# Namespace A has the programs, its tunnel devices and the veth a0; B is the
# far end, a script (fp_peer.py) that sends an encapsulated echo request
# to A's tunnel address and waits for A's kernel's echo reply, which only
# A's egress program can encapsulate (A runs no gretund). Modes: gre with a
# key (IPv4 and IPv6 inside), ip6gre (both inside), GRE-in-UDP, gretap.
# Skips without root, bpftool, tc, python3, a bpffs, or a BPF build.
set -u
if [ -z "${FP_PROG_UNSHARED:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	# a mount namespace of our own for our bpffs (pins vanish with it)
	FP_PROG_UNSHARED=1 exec unshare -m sh "$0" "$@"
fi
PREFIX=fpp
. "$(dirname "$0")/lib.sh"
require_root
here=$(cd "$(dirname "$0")" && pwd)
obj=$top_builddir/src/bpf/gretun_fp.bpf.o
for c in bpftool tc python3; do
	command -v "$c" >/dev/null || skip_all "$c not installed"
done
[ -f "$obj" ] || skip_all "$obj not built (configure found no BPF toolchain)"
# no dot in the path: libbpf turns dots of pin paths into underscores
fs=$(mktemp -d /tmp/fpbpffsXXXXXX)
tmp_dir "$fs"
mount -t bpf bpf "$fs" 2>/dev/null || skip_all "cannot mount a bpffs"
trap 'umount "$fs"; cleanup' EXIT INT TERM

A=${PREFIX}a$$
B=${PREFIX}b$$
netns_add "$A"
netns_add "$B"
ip link add a0 netns "$A" type veth peer name b0 netns "$B"
ip -n "$A" addr add 192.0.2.1/24 dev a0
ip -n "$A" addr add 2001:db8:1::1/64 dev a0 nodad
ip -n "$B" addr add 192.0.2.2/24 dev b0
ip -n "$B" addr add 2001:db8:1::2/64 dev b0 nodad
ip -n "$A" link set a0 up
ip -n "$B" link set b0 up

# A's tunnel devices: name mode inner-IPv4 inner-IPv6
for d in "tun4 tun 203.0.113.1/30 2001:db8:9:1::1/64" "tap4 tap 203.0.113.5/30 2001:db8:9:2::1/64" \
	"tun6 tun 203.0.113.9/30 2001:db8:9:3::1/64" "tunu tun 203.0.113.13/30 2001:db8:9:4::1/64"; do
	# shellcheck disable=SC2086 # the four words
	set -- $d
	ip -n "$A" tuntap add "$1" mode "$2"
	ip -n "$A" addr add "$3" dev "$1"
	ip -n "$A" addr add "$4" dev "$1" nodad
	ip -n "$A" link set "$1" up
done
peer_mac=02:00:00:00:00:06
ip -n "$A" neigh add 203.0.113.6 lladdr $peer_mac dev tap4 nud permanent
ip -n "$A" neigh add 2001:db8:9:2::2 lladdr $peer_mac dev tap4 nud permanent
tap_mac=$(ip -n "$A" link show tap4 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
ifindex() { ip -n "$A" -o link show "$1" | cut -d: -f1; }

check "bpftool loads both programs" bpftool prog loadall "$obj" "$fs/p" type tc pinmaps "$fs/m"
attach() {
	ip netns exec "$A" tc qdisc add dev "$1" clsact &&
		ip netns exec "$A" tc filter add dev "$1" "$2" bpf da pinned "$fs/p/gretun_$2"
}
for d in tun4 tap4 tun6 tunu; do
	check "tc attaches gretun_egress to $d" attach "$d" egress
done
check "tc attaches gretun_ingress to a0" attach a0 ingress

# Map entries as gretund fills them (fp_abi.h), in bpftool's hex bytes.
hexpack() {
	python3 -c 'import socket, struct, sys
def a(s):
    return socket.inet_pton(socket.AF_INET6 if ":" in s else socket.AF_INET, s).ljust(16, b"\0")
print(" ".join("%02x" % x for x in eval(sys.argv[1])))' "$1"
}
# shellcheck disable=SC2046 # bpftool takes the bytes as words
# tx DEV FLAGS ID LOCAL REMOTE KEY: FP_TX_* 8 key, 2 IPv6, 4 UDP, 1 TAP, 32 pmtudisc
tx() {
	bpftool map update pinned "$fs/m/fp_tx" key hex $(hexpack "struct.pack('<I', $(ifindex "$1"))") \
		value hex $(hexpack "struct.pack('<IIIII4sBBHHH16s16sI', $2, $3, $(ifindex a0), 1500, 0,
			struct.pack('!I', $6), 0, 0, socket.htons(4754), 0, 0, a('$4'), a('$5'), 0x5eed)")
}
# shellcheck disable=SC2046
# rx DEV FLAGS ID LOCAL REMOTE IPV6 TAP UDP HASKEY KEY: FP_RX_TAP 2
rx() {
	bpftool map update pinned "$fs/m/fp_rx" \
		key hex $(hexpack "struct.pack('<BBBBHH4s16s16s', $6, $7, $8, $9,
			socket.htons(4754) if $8 else 0, 0, struct.pack('!I', ${10}), a('$4'), a('$5'))") \
		value hex $(hexpack "struct.pack('<IIII', $2, $3, $(ifindex "$1"), 0)")
}
if {
	tx tun4 40 0 192.0.2.1 192.0.2.2 0x77 && rx tun4 0 0 192.0.2.1 192.0.2.2 0 0 0 1 0x77 &&
	tx tap4 33 1 192.0.2.1 192.0.2.2 0 && rx tap4 2 1 192.0.2.1 192.0.2.2 0 1 0 0 0 &&
	tx tun6 2 2 2001:db8:1::1 2001:db8:1::2 0 && rx tun6 0 2 2001:db8:1::1 2001:db8:1::2 1 0 0 0 0 &&
	tx tunu 36 3 192.0.2.1 192.0.2.2 0 && rx tunu 0 3 192.0.2.1 192.0.2.2 0 0 1 0 0
} >"$t_tmp/maps" 2>&1; then
	ok "fp_tx and fp_rx entries for the four tunnels"
else
	not_ok "fp_tx and fp_rx entries for the four tunnels"
	sed 's/^/#   /' "$t_tmp/maps"
fi

peer() { ip netns exec "$B" python3 "$here/fp_peer.py" "$@"; }
check "gre key: IPv4 inside, both ways" peer gre 192.0.2.2 192.0.2.1 203.0.113.2 203.0.113.1 0x77
check "gre key: IPv6 inside, both ways" peer gre 192.0.2.2 192.0.2.1 2001:db8:9:1::2 2001:db8:9:1::1 0x77
check "gre: a wrong key gets no answer" sh -c "! ip netns exec $B python3 $here/fp_peer.py gre 192.0.2.2 192.0.2.1 203.0.113.2 203.0.113.1 0x78"
check "gretap: IPv4 inside, both ways" peer tap 192.0.2.2 192.0.2.1 203.0.113.6 203.0.113.5 - "$tap_mac" $peer_mac
check "gretap: IPv6 inside, both ways" peer tap 192.0.2.2 192.0.2.1 2001:db8:9:2::2 2001:db8:9:2::1 - "$tap_mac" $peer_mac
check "ip6gre: IPv4 inside, both ways" peer gre 2001:db8:1::2 2001:db8:1::1 203.0.113.10 203.0.113.9
check "ip6gre: IPv6 inside, both ways" peer gre 2001:db8:1::2 2001:db8:1::1 2001:db8:9:3::2 2001:db8:9:3::1
check "GRE-in-UDP: IPv4 inside, both ways" peer udp 192.0.2.2 192.0.2.1 203.0.113.14 203.0.113.13
check "GRE-in-UDP: IPv6 inside, both ways" peer udp 192.0.2.2 192.0.2.1 2001:db8:9:4::2 2001:db8:9:4::1

# the per-CPU counters, summed: two packets each way per tunnel
# shellcheck disable=SC2046
counted() {
	bpftool -j map lookup pinned "$fs/m/fp_stats" key hex $(hexpack "struct.pack('<I', $1)") |
		python3 -c 'import json, struct, sys
names = ("tx_packets", "tx_bytes", "rx_packets", "rx_bytes", "tx_slow", "rx_slow",
         "tx_errors", "rx_ecn_drops", "rx_errors")
s = dict.fromkeys(names, 0)
for cpu in json.load(sys.stdin)["values"]:
    for k, n in zip(names, struct.unpack("<9Q", bytes(int(b, 16) for b in cpu["value"][:72]))):
        s[k] += n
print(s)
sys.exit(0 if s["rx_packets"] == 2 and s["tx_packets"] == 2 and s["rx_slow"] + s["tx_slow"] == 0 else 1)'
}
for id in 0 1 2 3; do
	check "fp_stats $id: 2 packets each way, none to gretund" counted $id
done
# TCP through the fast path at both ends (B loads the programs too):
# GSO super-packets encapsulated whole (their segments fit the tunnel MTU,
# 1472 for GRE with a key over 1500) and segmented by the kernel's GRE GSO,
# or decapsulated whole; the data arrives intact, nothing goes to gretund.
# shellcheck disable=SC2046
b_setup() {
	ip -n "$B" tuntap add tunb mode tun &&
		ip -n "$B" addr add 203.0.113.2/30 dev tunb &&
		ip -n "$B" link set tunb mtu 1472 up &&
		ip -n "$A" link set tun4 mtu 1472 &&
		bpftool prog loadall "$obj" "$fs/pb" type tc pinmaps "$fs/mb" &&
		ip netns exec "$B" tc qdisc add dev tunb clsact &&
		ip netns exec "$B" tc filter add dev tunb egress bpf da pinned "$fs/pb/gretun_egress" &&
		ip netns exec "$B" tc qdisc add dev b0 clsact &&
		ip netns exec "$B" tc filter add dev b0 ingress bpf da pinned "$fs/pb/gretun_ingress" &&
		tbi=$(ip -n "$B" -o link show tunb | cut -d: -f1) &&
		b0i=$(ip -n "$B" -o link show b0 | cut -d: -f1) &&
		bpftool map update pinned "$fs/mb/fp_tx" key hex $(hexpack "struct.pack('<I', $tbi)") \
			value hex $(hexpack "struct.pack('<IIIII4sBBHHH16s16sI', 40, 0, $b0i, 1500, 0,
				struct.pack('!I', 0x77), 0, 0, 0, 0, 0, a('192.0.2.2'), a('192.0.2.1'), 1)") &&
		bpftool map update pinned "$fs/mb/fp_rx" \
			key hex $(hexpack "struct.pack('<BBBBHH4s16s16s', 0, 0, 0, 1, 0, 0,
				struct.pack('!I', 0x77), a('192.0.2.2'), a('192.0.2.1'))") \
			value hex $(hexpack "struct.pack('<IIII', 0, 0, $tbi, 0)")
}
check "B loads and attaches the programs too" b_setup
tcp_transfer() {
	ip netns exec "$B" python3 -c 'import hashlib, socket
s = socket.socket(); s.bind(("203.0.113.2", 5001)); s.listen(1); s.settimeout(20)
c, _ = s.accept(); c.settimeout(20); h = hashlib.sha256(); n = 0
while True:
    d = c.recv(65536)
    if not d: break
    h.update(d); n += len(d)
print(n, h.hexdigest())' >"$t_tmp/tcp.out" 2>&1 &
	srv=$!
	sent=$(ip netns exec "$A" python3 -c 'import hashlib, socket, time
data = bytes((i * 131 + (i >> 8)) & 255 for i in range(1 << 16)) * 64
for i in range(100):  # until the server listens (a busy machine starts it late)
    try:
        s = socket.create_connection(("203.0.113.2", 5001), timeout=20)
        break
    except ConnectionRefusedError:
        time.sleep(0.1)
s.sendall(data); s.close()
print(len(data), hashlib.sha256(data).hexdigest())')
	wait $srv
	echo "sent $sent, received $(cat "$t_tmp/tcp.out")"
	[ -n "$sent" ] && [ "$sent" = "$(cat "$t_tmp/tcp.out")" ]
}
check "TCP, 4 MiB A to B through both fast paths, intact" tcp_transfer
no_slow() {
	bpftool -j map lookup pinned "$1" key hex 00 00 00 00 | python3 -c 'import json, struct, sys
t = [0] * 9
for cpu in json.load(sys.stdin)["values"]:
    for i, n in enumerate(struct.unpack("<9Q", bytes(int(b, 16) for b in cpu["value"][:72]))):
        t[i] += n
print("tx_packets %d rx_packets %d tx_slow %d rx_slow %d tx_errors %d" % (t[0], t[2], t[4], t[5], t[6]))
sys.exit(0 if t[0] > 2800 and t[2] > 2 and t[4] + t[5] + t[6] == 0 else 1)'
}
check "A's counters: every segment fast, none slow" no_slow "$fs/m/fp_stats"
# Path MTU unknown (fp_tx.mtu 0): the program cannot know that the
# segments fit, so it leaves gso_size to the kernel, which lowers it by the
# outer headers (no FIXED_GSO); smaller segments, the same data.
# shellcheck disable=SC2046
mtu_unknown() {
	bpftool map update pinned "$fs/m/fp_tx" key hex $(hexpack "struct.pack('<I', $(ifindex tun4))") \
			value hex $(hexpack "struct.pack('<IIIII4sBBHHH16s16sI', 40, 0, $(ifindex a0), 0, 0,
				struct.pack('!I', 0x77), 0, 0, 0, 0, 0, a('192.0.2.1'), a('192.0.2.2'), 1)")
}
check "tun4: path MTU unknown" mtu_unknown
check "TCP, 4 MiB again, the kernel lowering gso_size, intact" tcp_transfer

# the TUN/TAP devices' own counters miss the fast path (DESIGN.md)
devcount() {
	ip -n "$A" -s -j link show tun4 | python3 -c 'import json, sys
s = json.load(sys.stdin)[0]["stats64"]
print(s)
sys.exit(0 if s["rx"]["packets"] == 0 and s["tx"]["packets"] == 0 else 1)'
}
check "tun4's own counters stay at 0" devcount
finish
