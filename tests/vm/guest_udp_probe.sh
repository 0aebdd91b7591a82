# SPDX-License-Identifier: GPL-2.0-or-later
# Guest side of udp_probe.sh: one GRE-in-UDP tunnel per underlay family
# against the host's gretund; pings of several sizes and a TCP transfer,
# with the UDP counters and the kernel's drop reasons after each step.
. /lib/gretun/lib.sh

L4=198.51.100.130; R4=198.51.100.129
L6=2001:db8:300::2; R6=2001:db8:300::1


ip fou add port 4754 ipproto 47
ip fou add port 4754 ipproto 47 -6
ip link add u4 type gre local $L4 remote $R4 key 4 encap fou encap-sport auto encap-dport 4754
ip addr add 203.0.113.142/30 dev u4
ip link set u4 up
ip link add u6 type ip6gre local $L6 remote $R6 key 7 encap fou encap-sport auto encap-dport 4754
ip addr add 203.0.113.154/30 dev u6
ip link set u6 up
ip -d link show u4
ip -d link show u6
cat /proc/cmdline

T=/sys/kernel/tracing
mount -t tracefs nodev $T 2>/dev/null
echo 16384 > $T/buffer_size_kb
echo 1 > $T/events/skb/kfree_skb/enable 2>/dev/null || echo "# no kfree_skb event"
cat $T/events/skb/kfree_skb/format | grep -i reason
echo stacktrace > $T/events/skb/kfree_skb/trigger

snmp() {
	grep -E '^Udp:' /proc/net/snmp | sed -n 2p
	grep -E '^Udp6(InDatagrams|InErrors|RcvbufErrors|InCsumErrors|NoPorts)' /proc/net/snmp6 | tr -s ' \n' ' '
	echo
}
drops() {
	# one line per dropped skb: reason and the first 8 frames of its stack
	grep -v '^#' $T/trace | awk '
		/kfree_skb:/ { if (s != "") c[s]++; r = $0; sub(/.*reason: /, "", r); s = r ":"; d = 0; next }
		/=> / { if (d++ < 8) s = s " " $2; next }
		END { if (s != "") c[s]++; for (k in c) print c[k], k }' | sort -rn | head -n 12
	echo > $T/trace
}
step() { # NAME CMD...
	_n=$1; shift
	echo "=== $_n"
	echo > $T/trace
	"$@" 2>&1 | tail -n 3
	snmp
	drops
}
ping_n() { ping -c 3 -i 0.3 -W 2 -s "$2" "$1"; }
fetch() {
	nc -w 30 "$1" 8000 < /dev/null | wc -c
}

echo "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors"
snmp
# warm up (neighbour resolution)
ping -c 1 -W 2 203.0.113.141 >/dev/null; ping -c 1 -W 2 203.0.113.153 >/dev/null
for s in 56 1000 1380 1430; do
	step "v4 underlay ping -s $s" ping_n 203.0.113.141 $s
	step "v6 underlay ping -s $s" ping_n 203.0.113.153 $s
done
step "v4 underlay TCP fetch" fetch 203.0.113.141
step "v6 underlay TCP fetch" fetch 203.0.113.153
ip -s link show u4
ip -s link show u6
ip -s link show eth0
cat /proc/net/snmp
echo "1 passed, 0 failed"
