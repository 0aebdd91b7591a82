# SPDX-License-Identifier: GPL-2.0-or-later
# Guest side of test_interop.sh: kernel GRE tunnels (first made with
# `ip link add`, then with gretunctl --backend kernel) against the host's
# gretund.  Needs /interop.tbl (run.sh --file).  Phase handshake with the
# host: we send "ready PHASE" to HOST:7001 once our tunnels are up, the
# host answers "done PHASE" on our port 7000 after its own checks.
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
		*) _opts="$_opts $_o" ;;
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
for phase in iplink gretunctl; do
	t_diag "phase $phase"
	if [ "$phase" = gretunctl ] && ! command -v gretunctl >/dev/null 2>&1; then
		t_notok "gretunctl is in the image"
		continue
	fi
	while read -r n m f i opts; do
		t_check "$phase: create $n ($m $opts)" create_$phase "$n" "$m" "$f" "$i" $opts
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
		if [ "$phase" = iplink ]; then
			ip link del "$n"
		else
			gretunctl down "$n" >/dev/null
		fi
	done < /tmp/tbl
	[ "$phase" = iplink ] && t_check "$phase: host recreated its tunnels" ask_host "clean $phase" go
done
# For the log: where the guest dropped what.
{
	grep -E '^(Udp|Ip):' /proc/net/snmp
	grep -E '^Udp6(InErrors|RcvbufErrors|InCsumErrors|NoPorts)' /proc/net/snmp6
	ip -s link show eth0
} 2>/dev/null | sed 's/^/# guest: /'
t_done
