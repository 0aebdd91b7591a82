# SPDX-License-Identifier: GPL-2.0-or-later
# Guest side of test_pka.sh: Linux GRE tunnels (plain and fou, IPv4 and
# IPv6) facing the host's gretund tunnels with PersistentKeepalive = 1.
# Over a window of the host's keepalives, nothing may count them: not the
# tunnel devices (rx packets, errors, dropped), not UDP (errors, no port),
# not IP (unknown protocol, header errors), and no ICMP error goes back.
# The UDP ones must have arrived (UDP InDatagrams grows).
. /lib/gretun/lib.sh

L4=198.51.100.130; R4=198.51.100.129
L6=2001:db8:300::2; R6=2001:db8:300::1

# no IPv6 of the tunnel devices' own (router solicitations) in the window
echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6 2>/dev/null
ip fou add port 4754 ipproto 47
ip fou add port 4754 ipproto 47 -6
ip link add u4 type gre local $L4 remote $R4 key 4 encap fou encap-sport auto encap-dport 4754
ip link add g4 type gre local $L4 remote $R4 key 5
ip link add u6 type ip6gre local $L6 remote $R6 key 7 encap fou encap-sport auto encap-dport 4754
ip link add g6 type ip6gre local $L6 remote $R6 key 8
for d in u4 g4 u6 g6; do ip link set $d up; done

# snapshot FILE: the counters, one "NAME VALUE" a line
snapshot() {
	{
		for d in u4 g4 u6 g6; do
			ip -s -j link show $d | jq -r --arg d $d \
				'.[0].stats64.rx | "\($d)_rx_packets \(.packets)\n\($d)_rx_errors \(.errors)\n\($d)_rx_dropped \(.dropped)"'
		done
		awk '/^(Ip|Udp|Icmp):/ { k = $1; sub(/:$/, "", k)
			if (h[k]) { for (i = 2; i <= NF; i++) print k n[k, i], $i }
			else { h[k] = 1; for (i = 2; i <= NF; i++) n[k, i] = $i } }' /proc/net/snmp
		awk '{ print $1, $2 }' /proc/net/snmp6
	} > "$1"
}
val() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
same() { # KEY: unchanged between the snapshots
	_a=$(val /tmp/a "$1"); _b=$(val /tmp/b "$1")
	[ -n "$_a" ] && [ "$_a" = "$_b" ] || { echo "$1: $_a -> $_b"; return 1; }
}
grew() { # KEY N [LESS]: grew by N or more (more than LESS did)
	_a=$(val /tmp/a "$1"); _b=$(val /tmp/b "$1"); _d=$((_b - _a))
	[ -n "${3:-}" ] && _d=$((_d - $(val /tmp/b "$3") + $(val /tmp/a "$3")))
	[ -n "$_a" ] && [ "$_d" -ge "$2" ] || { echo "$1${3:+ less $3}: grew by $_d"; return 1; }
}

# the host's keepalives come every second from its first tunnel's start
sleep 3
snapshot /tmp/a
sleep 6
snapshot /tmp/b
for d in u4 g4 u6 g6; do
	for c in rx_packets rx_errors rx_dropped; do
		t_eval "$d $c unchanged over 6 s of keepalives" "same ${d}_$c"
	done
done
for k in UdpInErrors UdpNoPorts UdpRcvbufErrors Udp6InErrors Udp6NoPorts IpInUnknownProtos \
	IpInHdrErrors IpInDiscards Ip6InUnknownProtos Ip6InHdrErrors Ip6InDiscards \
	IcmpOutDestUnreachs Icmp6OutDestUnreachs Icmp6OutParmProblems; do
	t_eval "$k unchanged" "same $k"
done
t_eval "the UDP keepalives arrived (UdpInDatagrams grew by 4 or more)" "grew UdpInDatagrams 4"
t_eval "the UDP keepalives arrived over IPv6 (Udp6InDatagrams grew by 4 or more)" "grew Udp6InDatagrams 4"
t_eval "the plain GRE ones arrived (IpInDelivers grew by 4 more than UdpInDatagrams)" \
	"grew IpInDelivers 4 UdpInDatagrams"
t_eval "and over IPv6 (Ip6InDelivers grew by 4 more than Udp6InDatagrams)" \
	"grew Ip6InDelivers 4 Udp6InDatagrams"
t_done
