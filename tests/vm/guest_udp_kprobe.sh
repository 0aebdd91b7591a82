# SPDX-License-Identifier: GPL-2.0-or-later
# Guest side of udp_probe.sh (second form): kprobes on the UDP GRO/GSO path
# while a TCP transfer comes in over GRE-in-UDP from the host's gretund.
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
T=/sys/kernel/tracing
mount -t tracefs nodev $T
echo 16384 > $T/buffer_size_kb
for f in udp_gro_complete_segment udp_gro_complete udp4_lib_lookup_skb udp6_lib_lookup_skb \
	__udp_gso_segment skb_segment __skb_gso_segment skb_mac_gso_segment udp4_ufo_fragment \
	udp6_ufo_fragment udp4_gro_complete udp6_gro_complete fou_gro_complete gre_gro_complete \
	inet_gso_segment ipv6_gso_segment skb_udp_tunnel_segment __udp_gso_segment_list \
	udp_gro_receive fou_gro_receive gre_gro_receive udp_gro_receive_segment; do
	grep -q " $f\$\| $f\s" /proc/kallsyms || { echo "# no symbol $f"; continue; }
	echo "p:p_$f $f" >> $T/kprobe_events 2>/dev/null || echo "# kprobe $f failed"
	echo "r:r_$f $f ret=\$retval:x64" >> $T/kprobe_events 2>/dev/null || echo "# kretprobe $f failed"
done
cat $T/kprobe_events | wc -l
echo 1 > $T/events/kprobes/enable
echo 1 > $T/events/skb/kfree_skb/enable
ping -c 2 -W 2 203.0.113.141 > /dev/null; ping -c 2 -W 2 203.0.113.153 >/dev/null
for a in 203.0.113.141 203.0.113.153; do
	echo > $T/trace
	echo "=== fetch $a"
	nc -w 30 $a 8000 < /dev/null | wc -c
	grep -E '^Udp:' /proc/net/snmp | sed -n 2p
	grep -E '^Udp6InErrors' /proc/net/snmp6
	grep -v '^#' $T/trace | sed 's/^ *//; s/^[^ ]* *\[[0-9]*\] [^ ]* *[0-9.]*: //' | grep -v 'kfree_skb:.*reason: \(NO_SOCKET\|NOT_SPECIFIED\)$' | head -0
	grep -v '^#' $T/trace | sed 's/.*[0-9]: //' | sed 's/skbaddr=[^ ]* //; s/location=[^ ]* //; s/(.*<-[^)]*)//' | head -400 > /tmp/tr
	awk '{print $1, $NF}' /tmp/tr | sed 's/ret=0x[0-9a-f]*[1-9a-f][0-9a-f]*/ret=NONZERO/; s/ret=0xffff[0-9a-f]*/ret=ERR?/' | sort | uniq -c
	echo "--- sequence sample"
	grep -n 'kfree_skb' /tmp/tr | head -3
	first=$(grep -n 'reason: NOT_SPECIFIED' /tmp/tr | head -1 | cut -d: -f1)
	[ -n "$first" ] && sed -n "$((first > 60 ? first - 60 : 1)),${first}p" /tmp/tr
done
echo "1 passed, 0 failed"
