# SPDX-License-Identifier: GPL-2.0-or-later
# Control inside the guest, no gretund: a Linux kernel GRE-in-UDP (fou)
# sender in netns "a" sends a TCP stream over a veth with GRO to the
# guest's own fou socket.  Needs ethtool (--file).
. /lib/gretun/lib.sh
ctr() { echo "Udp.InErrors=$(awk '/^Udp:/ {n++} /^Udp:/ && n==2 {print $4}' /proc/net/snmp)"; }
insmod /veth.ko || echo "no veth"
ip fou add port 4754 ipproto 47
ip netns add a || echo "no netns"
ip link add vr type veth peer name va
ip link set va netns a
ip addr add 192.0.2.1/30 dev vr
ip link set vr up
ip -n a link set lo up
ip -n a addr add 192.0.2.2/30 dev va
ip -n a link set va up
ip -n a fou add port 4754 ipproto 47
ip -n a link add name gt0 type gre local 192.0.2.2 remote 192.0.2.1 key 9 encap fou encap-sport auto encap-dport 4754
ip -n a addr add 203.0.113.201/30 dev gt0
ip -n a link set gt0 up
ip netns exec a /usr/local/bin/ethtool -K gt0 tso off gso off 2>&1 | tail -1
ip link add name gt0 type gre local 192.0.2.1 remote 192.0.2.2 key 9 encap fou encap-sport auto encap-dport 4754
ip addr add 203.0.113.202/30 dev gt0
ip link set gt0 up
ping -c 2 -W 2 203.0.113.201 | tail -2
ip netns exec a busybox nc -ll -p 8000 -e busybox seq 1 10000 &
sleep 1
T=/sys/kernel/tracing
mount -t tracefs nodev $T
echo "p:p_grec gre_gro_complete" >> $T/kprobe_events
echo "p:p_gseg __skb_gso_segment" >> $T/kprobe_events
echo 1 > $T/events/kprobes/enable
for gro in on off; do
	echo > $T/trace
	ethtool -K vr gro $gro
	echo "=== kernel fou sender, veth GRO $gro: $(ethtool -k vr | grep generic-receive)"
	ctr
	echo "fetch: $(nc -w 30 203.0.113.201 8000 < /dev/null | wc -c) bytes; $(ctr)"
	echo "fetch: $(nc -w 30 203.0.113.201 8000 < /dev/null | wc -c) bytes; $(ctr)"
	grep -v "^#" $T/trace | grep -o "p_[a-z]*" | sort | uniq -c
done
echo "1 passed, 0 failed"
