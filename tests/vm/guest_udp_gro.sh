# SPDX-License-Identifier: GPL-2.0-or-later
# Guest side of udp_probe.sh (third form): the same TCP transfers over
# GRE-in-UDP with the guest's GRO on, limited by gro_max_size, and off
# (ethtool from the host, --file /usr/sbin/ethtool:usr/local/bin/ethtool).
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
ping -c 2 -W 2 203.0.113.141 > /dev/null; ping -c 2 -W 2 203.0.113.153 >/dev/null
ctr() { echo "Udp.InErrors=$(awk '/^Udp:/ {n++} /^Udp:/ && n==2 {print $4}' /proc/net/snmp) $(grep -E '^Udp6InErrors' /proc/net/snmp6 | tr -s ' \t' '=') TcpRetransSegs=$(awk '/^Tcp:/ {n++} /^Tcp:/ && n==2 {print $13}' /proc/net/snmp)"; }
round() {
	echo "=== $1"
	ctr
	for a in 203.0.113.141 203.0.113.153; do
		echo "fetch $a: $(nc -w 30 $a 8000 < /dev/null | wc -c) bytes; $(ctr)"
	done
}
ethtool -k eth0 | grep -E 'generic-receive-offload|rx-gro-list|rx-udp-gro-forwarding'
round "GRO on (default)"
ip link set eth0 gro_max_size 0 && ip -d link show eth0 | grep -o 'gro_max_size [0-9]*'
round "gro_max_size 0"
ip link set eth0 gro_max_size 65536
ethtool -K eth0 gro off && ethtool -k eth0 | grep generic-receive-offload
round "ethtool -K eth0 gro off"
echo "1 passed, 0 failed"
