#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Guest half of test_diff.sh: for each line of /diff.tbl, a kernel GRE
# tunnel "gtd" with that configuration, kept while the host sends the
# crafted packets (the host says "begin" and "end" on TCP port 7000).
# Underlay 192.0.2.70/26 + 2001:db8:400::10/64, overlay 203.0.113.66 and
# 2001:db8:401::2; the sender is 192.0.2.65 / 2001:db8:400::1.
. /lib/gretun/lib.sh

ip addr add 192.0.2.70/26 dev eth0
ip addr add 2001:db8:400::10/64 dev eth0 nodad
for f in all default; do echo 0 > "/proc/sys/net/ipv4/conf/$f/rp_filter"; done

while IFS='|' read -r name mode recv send kopts _copts _craft; do
	case "$name" in '#'*|'') continue ;; esac
	# shellcheck disable=SC2086 # kopts are words for ip
	t_check "$name: ip link add type $mode $kopts" \
		ip link add gtd type "$mode" local "$recv" remote "$send" $kopts
	case "$mode" in
	*tap) ip link set gtd address 02:00:00:47:00:02 ;;
	esac
	echo 0 > /proc/sys/net/ipv4/conf/gtd/rp_filter
	ip link set gtd up
	ip addr add 203.0.113.66/26 dev gtd
	ip addr add 2001:db8:401::2/64 dev gtd nodad
	case "$mode" in
	*tap)
		ip neigh add 203.0.113.65 lladdr 02:00:00:47:00:01 dev gtd
		ip -6 neigh add 2001:db8:401::1 lladdr 02:00:00:47:00:01 dev gtd
		;;
	esac
	t_diag "$name: ready"
	nc -l -p 7000 < /dev/null > /tmp/begin 2>/dev/null
	nc -l -p 7000 < /dev/null > /tmp/end 2>/dev/null
	t_eval "$name: host sent the packets" "grep -q end /tmp/end"
	ip -s link show gtd | sed 's/^/# /'
	ip link del gtd
done < /diff.tbl
t_done
