#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# gretund keeps only CAP_NET_ADMIN and CAP_NET_RAW (effective, permitted,
# bounding), also after --user; checked in /proc/PID/status. With --user and
# a 0600 /dev/net/tun, create, restart and crash recovery work through the
# opener (uid 0, no capabilities). Also: it obeys root over the control
# socket and refuses an unprivileged client.
set -eu
TAG=priv$$
. "$(dirname "$0")/gretund_lib.sh"

WANT=0000000000003000	# bits 12 (NET_ADMIN) and 13 (NET_RAW)

check_caps() {
	local pid=$1 want_uid=$2 f
	for f in CapEff CapPrm CapBnd; do
		v=$(awk -v f="$f:" '$1 == f { print $2 }' "/proc/$pid/status")
		[ "$v" = "$WANT" ] || fail "pid $pid: $f is $v, want $WANT"
	done
	v=$(awk '$1 == "CapAmb:" { print $2 }' "/proc/$pid/status")
	[ "$v" = 0000000000000000 ] || fail "pid $pid: CapAmb is $v"
	v=$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "/proc/$pid/status")
	[ "$v" = "$want_uid $want_uid $want_uid $want_uid" ] || fail "pid $pid: Uid is $v"
	echo "  pid $pid: CapEff=CapPrm=CapBnd=$WANT Uid=$v"
}

daemon_pid() {
	json_get "$(ctl_ok "$1" ping)" pid
}

setup_netns
ip netns exec "$NSA" "$GRETUND" --daemon --persistent || fail "start as root"
check_caps "$(daemon_pid "$NSA")" 0
# still able to do its job with what it kept
ctl_ok "$NSA" "create gtp mode=gretap local=192.0.2.1 remote=192.0.2.2 ikey=1" >/dev/null
ctl_ok "$NSA" "destroy gtp" >/dev/null

# --user with a /dev/net/tun only root may open, as on minimal hosts and in
# containers: a private mount namespace with a 0600 copy of the node bound
# over it (the host's node is not touched). The worker never opens the node:
# the opener (uid 0, no capabilities) passes it the descriptors.
start_private_tun() {
	local ns=$1; shift
	mkdir -p "$TMP/dev"
	unshare -m --propagation private sh -c '
		mount -t tmpfs -o mode=0755 gretun-test "$1/dev" &&
		mknod -m 600 "$1/dev/tun" c 10 200 &&
		mount --bind "$1/dev/tun" /dev/net/tun || exit 99
		mode=$(stat -c %a /dev/net/tun)
		[ "$mode" = 600 ] || { echo "node is $mode"; exit 99; }
		# the precondition: the user itself cannot open it
		if setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
			--inh-caps=-all sh -c "exec 3<>/dev/net/tun" 2>/dev/null; then
			echo "nobody can open the private node"; exit 99
		fi
		shift; ns=$1; shift
		exec ip netns exec "$ns" "$@"' sh "$TMP" "$ns" "$@"
}

# the opener: a child of the supervisor named gretund-tun, uid 0, no caps
opener_pid() {
	local sup
	sup=$(awk '$1 == "PPid:" { print $2 }' "/proc/$1/status")
	ps -o pid=,comm= --ppid "$sup" | awk '$2 == "gretund-tun" { print $1 }'
}

check_opener() {
	local pid=$1 f v
	[ -n "$pid" ] || fail "no opener process"
	for f in CapEff CapPrm CapBnd CapInh CapAmb; do
		v=$(awk -v f="$f:" '$1 == f { print $2 }' "/proc/$pid/status")
		[ "$v" = 0000000000000000 ] || fail "opener $pid: $f is $v, want none"
	done
	v=$(awk '$1 == "Uid:" { print $2 }' "/proc/$pid/status")
	[ "$v" = 0 ] || fail "opener $pid: uid $v"
	echo "  opener pid $pid: uid 0, no capabilities"
}

# wait_worker NS OLDPID: a worker other than OLDPID answers (bounded)
wait_worker() {
	local i p
	for i in $(seq 1 300); do
		p=$(ctl "$1" ping 2>/dev/null | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
		if [ -n "$p" ] && [ "$p" != "$2" ]; then echo "$p"; return 0; fi
		sleep 0.1
	done
	return 1
}

has_tunnel() {
	ctl_ok "$1" list | grep -q "\"$2\"" || fail "$1: $2 not in the list after $3"
	ip -n "$1" link show "$2" >/dev/null || fail "$1: no device $2 after $3"
}

if getent passwd nobody >/dev/null && command -v setpriv >/dev/null; then
	start_private_tun "$NSB" "$GRETUND" --daemon --persistent --user nobody ||
		fail "start --user nobody with a 0600 /dev/net/tun"
	uid=$(id -u nobody)
	w=$(daemon_pid "$NSB")
	check_caps "$w" "$uid"
	check_opener "$(opener_pid "$w")"
	ctl_ok "$NSB" "create gtq mode=gre local=192.0.2.2 remote=192.0.2.1" >/dev/null
	has_tunnel "$NSB" gtq "create"
	ctl_ok "$NSB" "create gtt mode=gretap local=192.0.2.2 remote=192.0.2.1 ikey=7 okey=7" >/dev/null
	has_tunnel "$NSB" gtt "create (tap)"
	echo "  --user nobody, 0600 node: tunnels created"

	# The fast path is refused for --user (gretund(8), FAST PATH): its pins
	# are root's (mode 0700), which a successor of a restart could neither
	# adopt nor remove. show says why, Datapath=bpf fails with that reason
	# and changes nothing, and nothing was pinned in gretund's mount
	# namespace (ip netns exec's private /sys).
	r=$(ctl_ok "$NSB" "get gtq")
	case "$(json_get "$r" datapath_why)" in
	*"built without BPF"*) echo "  (built without BPF: fast path refusal not checked)" ;;
	*"--user"*)
		r=$(ctl "$NSB" "create gtb mode=gre local=192.0.2.2 remote=192.0.2.1 ikey=9 okey=9 datapath=bpf")
		case "$r" in
		'{"ok":false'*--user*) ;;
		*) fail "Datapath=bpf under --user: $r" ;;
		esac
		ctl_ok "$NSB" list | grep -q '"gtb"' && fail "a refused Datapath=bpf tunnel stayed"
		ip -n "$NSB" link show gtb >/dev/null 2>&1 && fail "a refused Datapath=bpf device stayed"
		if nsenter -t "$w" -m test -e /sys/fs/bpf/gretun; then
			fail "--user: the fast path was pinned: $(nsenter -t "$w" -m ls -R /sys/fs/bpf/gretun)"
		fi
		echo "  --user: no fast path, show says why, Datapath=bpf refused, nothing pinned" ;;
	*) fail "--user: fast path not refused: datapath $(json_get "$r" datapath_active) ($(json_get "$r" datapath_why))" ;;
	esac

	# handover to a new process, which then creates one more
	ctl_ok "$NSB" restart >/dev/null
	w2=$(wait_worker "$NSB" "$w") || fail "no new worker after restart"
	check_caps "$w2" "$uid"
	has_tunnel "$NSB" gtq "restart"
	ctl_ok "$NSB" "create gtr mode=gre local=192.0.2.2 remote=192.0.2.1 ikey=3 okey=3" >/dev/null
	has_tunnel "$NSB" gtr "create after restart"
	echo "  restart: handed over ($w -> $w2), new tunnel created"

	# crash: the supervisor starts a worker that opens the devices again
	kill -9 "$w2"
	w3=$(wait_worker "$NSB" "$w2") || fail "no new worker after kill -9"
	check_caps "$w3" "$uid"
	for t in gtq gtt gtr; do has_tunnel "$NSB" "$t" "kill -9"; done
	ctl_ok "$NSB" "create gts mode=gre local=192.0.2.2 remote=192.0.2.1 ikey=4 okey=4" >/dev/null
	has_tunnel "$NSB" gts "create after kill -9"
	echo "  kill -9: recovered ($w2 -> $w3), all tunnels back, new tunnel created"
	for t in gtq gtt gtr gts; do ctl_ok "$NSB" "destroy $t" >/dev/null; done

	# an unprivileged client is refused
	# read only: the daemon answers and closes before reading
	r=$(ip netns exec "$NSB" setpriv --reuid=nobody --regid="$(id -g nobody)" \
		--clear-groups --inh-caps=-all --bounding-set=-all \
		socat -t 5 -u ABSTRACT-CONNECT:gretun/gretund - 2>&1 || true)
	case "$r" in *'permission denied'*) echo "  unprivileged client refused" ;;
	*) fail "unprivileged client got: $r" ;; esac
else
	echo "SKIP: no user nobody or no setpriv: --user not tested"
	exit 77
fi
echo "PASS"
