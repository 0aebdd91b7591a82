#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# gretund keeps only CAP_NET_ADMIN and CAP_NET_RAW (effective, permitted,
# bounding), also after --user; checked in /proc/PID/status. Also: it obeys
# root over the control socket and refuses an unprivileged client.
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

if getent passwd nobody >/dev/null; then
	ip netns exec "$NSB" "$GRETUND" --daemon --persistent --user nobody || fail "start --user nobody"
	uid=$(id -u nobody)
	check_caps "$(daemon_pid "$NSB")" "$uid"
	ctl_ok "$NSB" "create gtq mode=gre local=192.0.2.2 remote=192.0.2.1" >/dev/null
	ip -n "$NSB" link show gtq >/dev/null || fail "--user nobody: no device"
	ctl_ok "$NSB" "destroy gtq" >/dev/null
	# an unprivileged client is refused
	if command -v setpriv >/dev/null; then
		# read only: the daemon answers and closes before reading
		r=$(ip netns exec "$NSB" setpriv --reuid=nobody --regid="$(id -g nobody)" \
			--clear-groups --inh-caps=-all --bounding-set=-all \
			socat -t 5 -u ABSTRACT-CONNECT:gretun/gretund - 2>&1 || true)
		case "$r" in *'permission denied'*) echo "  unprivileged client refused" ;;
		*) fail "unprivileged client got: $r" ;; esac
	fi
else
	echo "  (no user nobody: --user not tested)"
fi
echo "PASS"
