# SPDX-License-Identifier: GPL-2.0-or-later
# Guest side of test_interop.sh: kernel GRE tunnels (first made with
# `ip link add`, then with gretunctl --backend kernel, then with `ip link
# add` again against the host's fast path: phase fastpath) against the
# host's gretund.  Needs /interop.tbl and /phases (run.sh --file; /phases
# lists the phases in order).  Phase handshake with the host: we send
# "ready PHASE" to HOST:7001 once our tunnels are up, the host answers
# "done PHASE" on our port 7000 after its own checks; once our tunnels are
# gone we send "clean PHASE" and, unless it was the last, wait for "go
# NEXT-PHASE" (the host's tunnels for it are up; every message names its
# phase: /tmp/reply keeps them all).
. /lib/gretun/lib.sh

L4=198.51.100.130; R4=198.51.100.129
L6=2001:db8:300::2; R6=2001:db8:300::1
BLOB_SUM=$(seq 1 10000 | sha256sum | cut -d' ' -f1)

ip fou add port 4754 ipproto 47
ip fou add port 4754 ipproto 47 -6
# Debian 6.1's GRO merges back-to-back GRE-in-UDP packets (key-only GRE;
# gre_gro_receive skips csum and seq) and the merged skb then loses its UDP
# tunnel mark (gre_gro_complete overwrites gso_type), so udp_unexpected_gso
# drops it: UDP InErrors += segments, from any sender, kernel or gretund.
# Traced with kprobes by tests/vm/udp_probe.sh. Not gretund's to fix.
ip link set eth0 gro_max_size 0

# Loops read the table by redirection, not from a pipe: a pipe would run
# them in a subshell and lose the test counters.
grep -v '^#' /interop.tbl > /tmp/tbl

# Overlay addresses of tunnel index N.
ovl_host4() { echo "203.0.113.$((128 + 4 * $1 + 1))"; }
ovl_guest4() { echo "203.0.113.$((128 + 4 * $1 + 2))"; }
ovl_host6() { echo "2001:db8:301:$1::1"; }
ovl_guest6() { echo "2001:db8:301:$1::2"; }

create_iplink() { # NAME MODE FAM N OPTS...
	_n=$1 _m=$2 _f=$3 _i=$4; shift 4
	[ "$1" = - ] && shift
	_opts=
	for _o in "$@"; do
		case "$_o" in
		udp) _opts="$_opts encap fou encap-sport auto encap-dport 4754" ;;
		*) _opts="$_opts $_o" ;;
		esac
	done
	if [ "$_f" = 6 ]; then
		ip link add "$_n" type "$_m" local $L6 remote $R6 $_opts || return 1
	else
		ip link add "$_n" type "$_m" local $L4 remote $R4 $_opts || return 1
	fi
	ip addr add "$(ovl_guest4 $_i)/30" dev "$_n" &&
	ip addr add "$(ovl_guest6 $_i)/64" dev "$_n" nodad &&
	ip link set "$_n" up
}

create_gretunctl() { # NAME MODE FAM N OPTS...
	_n=$1 _m=$2 _f=$3 _i=$4; shift 4
	[ "$1" = - ] && shift
	_opts=
	for _o in "$@"; do
		case "$_o" in
		udp) _opts="$_opts encapsulation udp encapsulation-port 4754" ;;
		encaplimit) _skip=1 ;;	# ip link's; gretunctl has none
		*) [ -n "${_skip:-}" ] && _skip= || _opts="$_opts $_o" ;;
		esac
	done
	if [ "$_f" = 6 ]; then _l=$L6 _r=$R6; else _l=$L4 _r=$R4; fi
	gretunctl up "$_n" mode "$_m" local $_l remote $_r $_opts \
		address "$(ovl_guest4 $_i)/30" address "$(ovl_guest6 $_i)/64" --backend kernel
}

# ping_until ADDR: up to 10 tries (the peer may still be coming up).
ping_until() {
	_k=0
	while [ $_k -lt 10 ]; do
		ping -c 1 -W 1 "$1" >/dev/null 2>&1 && return 0
		_k=$((_k + 1))
	done
	ping -c 1 -W 1 "$1"
}

# fetch ADDR: the host serves `seq 1 10000` on port 8000; compare checksums.
fetch() {
	rm -f /tmp/got
	nc -w 30 "$1" 8000 > /tmp/got < /dev/null
	_s=$(sha256sum < /tmp/got | cut -d' ' -f1)
	[ "$_s" = "$BLOB_SUM" ] || { echo "got $(wc -c < /tmp/got) bytes, sha256 $_s"; return 1; }
}

# pmtu ADDR: a DF packet bigger than the tunnel's path comes back refused.
pmtu() {
	if [ ! -x /usr/local/bin/ping ]; then
		echo "iputils ping is not in the image (apt-get install iputils-ping on the host)"
		return 1
	fi
	_out=$(ping -M "do" -s 1472 -c 2 -W 2 "$1" 2>&1)
	echo "$_out"
	echo "$_out" | grep -qi -e 'frag needed' -e 'too long' -e 'mtu ='
}

signal_host() { # MESSAGE
	_k=0
	while [ $_k -lt 60 ]; do
		echo "$1" | nc -w 2 $R4 7001 2>/dev/null && return 0
		_k=$((_k + 1))
		sleep 1
	done
	return 1
}

# Everything the host sends to our port 7000 is appended to /tmp/reply, one
# message a line, by one listener for the whole run: nothing is missed while
# we are busy, and a retried message (the host retries when its nc times
# out, delivered or not) only adds a line. A failing nc (port still taken,
# say) is retried a second later, not in a tight loop.
: > /tmp/reply
( while :; do nc -l -p 7000 >> /tmp/reply 2>/dev/null || sleep 1; echo >> /tmp/reply; done ) &

# wait_reply MESSAGE: until the host has sent MESSAGE, 240 s at most.
wait_reply() {
	_k=0
	while ! grep -qx "$1" /tmp/reply && [ $_k -lt 240 ]; do
		sleep 1
		_k=$((_k + 1))
	done
	grep -qx "$1" /tmp/reply || { echo "no '$1' from the host"; return 1; }
}

# ask_host MESSAGE REPLY: send MESSAGE, wait (bounded) for REPLY.
ask_host() {
	signal_host "$1" || return 1
	wait_reply "$2"
}

# Each phase: make our tunnels, tell the host, check, wait until the host has
# checked too, remove them, and let the host recreate its tunnels (sequence
# numbers start afresh on both sides, as they would with two kernels).
phases=$(cat /phases 2>/dev/null || echo iplink gretunctl)
last=${phases##* }
for phase in $phases; do
	t_diag "phase $phase"
	# the fast path is the host's: our side is the kernel's as in iplink
	create=$phase
	[ "$phase" = fastpath ] && create=iplink
	if [ "$phase" = gretunctl ] && ! command -v gretunctl >/dev/null 2>&1; then
		t_notok "gretunctl is in the image"
		continue
	fi
	while read -r n m f i opts; do
		t_check "$phase: create $n ($m $opts)" create_$create "$n" "$m" "$f" "$i" $opts
		if [ "$n" = i2 ]; then
			ip link set i2 mtu 1500
		fi
	done < /tmp/tbl
	t_check "$phase: told the host we are ready" signal_host "ready $phase"
	while read -r n m f i opts; do
		t_check "$phase: $n: ping host over $m ($opts)" ping_until "$(ovl_host4 "$i")"
		t_check "$phase: $n: ping6 host over $m" ping_until "$(ovl_host6 "$i")"
		t_check "$phase: $n: TCP transfer, checksum matches" fetch "$(ovl_host4 "$i")"
	done < /tmp/tbl
	t_check "$phase: i2: DF packet over the path MTU refused (frag needed)" pmtu "$(ovl_host4 1)"
	t_check "$phase: host finished its checks" wait_reply "done $phase"
	while read -r n m f i opts; do
		if [ "$create" = iplink ]; then
			ip link del "$n"
		else
			gretunctl down "$n" >/dev/null
		fi
	done < /tmp/tbl
	if [ "$phase" = "$last" ]; then
		# the host reads its counters once nothing is in flight
		t_check "$phase: told the host our tunnels are gone" signal_host "clean $phase"
	else
		_next=$(echo " $phases " | sed "s/.* $phase \([^ ]*\) .*/\1/")
		t_check "$phase: host recreated its tunnels" ask_host "clean $phase" "go $_next"
	fi
done

# The fast path on this kernel (Debian 12's 6.1): gretund with Datapath=bpf
# in namespace fa against this kernel's GRE in namespace fb, over a veth
# (only when the host's gretund has BPF: phase fastpath). gretund mounts
# its bpffs at /sys/fs/bpf itself; clsact and cls_bpf are modules here.
fa_dev() { ip netns exec fa cat "/sys/class/net/$1/statistics/$2"; }
fa_stat() { ip netns exec fa gretunctl show "$1" -j | jq -r ".[0].stats.$2"; }
fa_transfer() { # ADDR: `seq 1 10000` from fa's server through the tunnel to fb
	rm -f /tmp/got
	ip netns exec fb busybox nc -w 30 "$1" 8000 > /tmp/got < /dev/null
	_s=$(sha256sum < /tmp/got | cut -d' ' -f1)
	[ "$_s" = "$BLOB_SUM" ] || { echo "got $(wc -c < /tmp/got) bytes, sha256 $_s"; return 1; }
}
fa_carried() { # NAME TX0 RX0 STX0 SRX0: the fast path, not gretund's device
	_dt=$(($(fa_dev "$1" tx_packets) - $2)) _dr=$(($(fa_dev "$1" rx_packets) - $3))
	_st=$(($(fa_stat "$1" tx_packets) - $4)) _sr=$(($(fa_stat "$1" rx_packets) - $5))
	echo "show tx $_st rx $_sr, of which gretund's device tx $_dt rx $_dr"
	[ $((_st - _dt)) -ge 20 ] && [ $((_sr - _dr)) -ge 10 ] && [ "$_dt" -le 12 ] && [ "$_dr" -le 12 ]
}
fp_guest_up() { # NAME MODE KEY OVERLAY-OFFSET
	case $2 in
	ip6*) _la=2001:db8:500::1 _lb=2001:db8:500::2 _kx="encaplimit none" ;;
	*) _la=192.0.2.1 _lb=192.0.2.2 _kx= ;;
	esac
	t_check "fast path on $(uname -r): $2: gretunctl up datapath bpf" \
		ip netns exec fa gretunctl up "$1" mode "$2" local $_la remote $_lb key "$3" \
		datapath bpf address "203.0.113.$(($4 + 1))/30" --backend userspace
	# shellcheck disable=SC2086 # _kx is words
	ip -n fb link add "$1" type "$2" local $_lb remote $_la key "$3" $_kx
	ip -n fb addr add "203.0.113.$(($4 + 2))/30" dev "$1"
	ip -n fb link set "$1" up
}
fp_guest_check() { # NAME MODE KEY OVERLAY-OFFSET
	t_eval "fast path on $(uname -r): $2: show says datapath bpf" \
		"ip netns exec fa gretunctl show $1 -j | jqe '.[0].datapath == \"bpf\"'"
	_c0="$(fa_dev "$1" tx_packets) $(fa_dev "$1" rx_packets) $(fa_stat "$1" tx_packets) $(fa_stat "$1" rx_packets)"
	t_eval "fast path on $(uname -r): $2: ping from the kernel's end" \
		"ip netns exec fb ping -c 3 -i 0.2 -W 2 203.0.113.$(($4 + 1))"
	t_check "fast path on $(uname -r): $2: TCP transfer to the kernel's end, checksum matches" \
		fa_transfer "203.0.113.$(($4 + 1))"
	# shellcheck disable=SC2086 # _c0 is four numbers
	if _out=$(fa_carried "$1" $_c0); then
		t_ok "fast path on $(uname -r): $2: the fast path carried it, not gretund's device"
	else
		t_notok "fast path on $(uname -r): $2: the fast path carried it, not gretund's device"
	fi
	echo "# $2: $_out"
}
# fa's gretund worker (its parent is the supervisor, a gretund too), and
# whether a process holds CAP_BPF (bit 39 of CapEff)
fa_worker() {
	_any=
	for _p in $(ip netns pids fa); do
		[ "$(cat "/proc/$_p/comm" 2>/dev/null)" = gretund ] || continue
		_any=$_p
		_pp=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$_p/status")
		[ "$(cat "/proc/$_pp/comm" 2>/dev/null)" = gretund ] && { echo "$_p"; return; }
	done
	echo "$_any"	# not supervised: the only one
}
cap_eff() { sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$1/status"; }
no_cap_bpf() { _c=$(cap_eff "$1"); [ -n "$_c" ] && [ $((0x$_c >> 39 & 1)) = 0 ]; }
# Once loaded, nothing gretund does on this kernel needs CAP_BPF (map
# reads and writes, adopting the pins, TC attach): it keeps none, and a
# restart's successor adopts the pinned programs and maps without it.
fp_guest_restart() {
	_w=$(fa_worker)
	echo "# unprivileged_bpf_disabled $(cat /proc/sys/kernel/unprivileged_bpf_disabled); gretund $_w CapEff $(cap_eff "$_w")"
	t_check "fast path on $(uname -r): gretund keeps no CAP_BPF once loaded" no_cap_bpf "$_w"
	t_check "fast path on $(uname -r): gretunctl restart all" ip netns exec fa gretunctl restart all
	_w2=$(fa_worker)
	echo "# after restart: gretund $_w2 CapEff $(cap_eff "$_w2"); f1: $(ip netns exec fa gretunctl show f1 -j | jq -c '.[0] | [.datapath, .datapath_why]')"
	t_eval "fast path on $(uname -r): restart: a new gretund serves" "[ -n '$_w2' ] && [ '$_w2' != '$_w' ]"
	t_check "fast path on $(uname -r): restart: the new gretund has no CAP_BPF either" no_cap_bpf "$_w2"
	# adopted: datapath bpf, the transfer carried by the programs, the
	# counters (map reads without CAP_BPF) moving
	fp_guest_check f1 gre 21 0
}
fp_guest_down() { # NAME ...
	ip -n fb link del "$1"
	ip netns exec fa gretunctl down "$1" >/dev/null
}
fp_guest() {
	if ! { ip netns add fa && ip netns add fb; }; then
		t_notok "fast path on $(uname -r): ip netns add"
		return
	fi
	ip link add veth0 netns fa type veth peer name veth0 netns fb
	for _ns in fa fb; do
		ip -n $_ns link set lo up
		ip -n $_ns link set veth0 up
	done
	ip -n fa addr add 192.0.2.1/24 dev veth0
	ip -n fb addr add 192.0.2.2/24 dev veth0
	ip -n fa addr add 2001:db8:500::1/64 dev veth0 nodad
	ip -n fb addr add 2001:db8:500::2/64 dev veth0 nodad
	ip netns exec fa busybox nc -ll -p 8000 -e busybox seq 1 10000 &
	_srv=$!
	# all three up before any check: one gretund, one load of the
	# programs (slow under TCG; gretund exits with its last tunnel)
	for _pass in up check restart down; do
		if [ $_pass = restart ]; then
			fp_guest_restart
			continue
		fi
		_k=0
		for _t in "gre key 21" "gretap key 22" "ip6gre key 23"; do
			set -- $_t
			_k=$((_k + 1))
			fp_guest_$_pass "f$_k" "$1" "$3" "$(((_k - 1) * 4))"
		done
	done
	kill $_srv 2>/dev/null
	if [ -x /usr/local/bin/tc ]; then
		t_eval "fast path on $(uname -r): down leaves no filter on the underlay" \
			"! tc -n fa filter show dev veth0 ingress | grep -q gretun_"
	fi
	ip netns del fa
	ip netns del fb
}
case " $phases " in
*" fastpath "*) fp_guest ;;
esac

# For the log: where the guest dropped what.
{
	grep -E '^(Udp|Ip):' /proc/net/snmp
	grep -E '^Udp6(InErrors|RcvbufErrors|InCsumErrors|NoPorts)' /proc/net/snmp6
	ip -s link show eth0
} 2>/dev/null | sed 's/^/# guest: /'
t_done
