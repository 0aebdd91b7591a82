# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by restart_*.sh, crash_*.sh and keepalive*.sh: two namespaces
# joined by a veth (underlay 192.0.2.128/26), a userspace GRE tunnel gre1
# between them (overlay 203.0.113.192/26), started by gretunctl on demand.
PREFIX=gtrs
. "$(dirname "$0")/lib.sh" 2>/dev/null || . "${srcdir:-.}/tests/integration/lib.sh"
require_root
[ -x "$GRETUND" ] || skip_all "gretund not built ($GRETUND)"
[ -x "$GRETUNCTL" ] || skip_all "gretunctl not built ($GRETUNCTL)"
command -v python3 >/dev/null || skip_all "python3 not installed"

a=$PREFIX-a-$$ b=$PREFIX-b-$$
A() { ip netns exec "$a" "$GRETUNCTL" "$@"; }
B() { ip netns exec "$b" "$GRETUNCTL" "$@"; }

# underlay: veth 192.0.2.129 <-> 192.0.2.130
underlay_up() {
	netns_add "$a"
	netns_add "$b"
	ip link add veth0 netns "$a" type veth peer name veth0 netns "$b"
	ip -n "$a" addr add 192.0.2.129/26 dev veth0
	ip -n "$b" addr add 192.0.2.130/26 dev veth0
	ip -n "$a" link set veth0 up
	ip -n "$b" link set veth0 up
}

# tunnels_up [EXTRA OPTIONS]: gre1 on both ends, 203.0.113.193 <-> .194,
# and a route to 203.0.113.224/27 (on b's lo) through it.
tunnels_up() {
	# shellcheck disable=SC2068
	A -q up gre1 mode gre local 192.0.2.129 remote 192.0.2.130 \
		address 203.0.113.193/30 route 203.0.113.224/27 $@ || return 1
	# shellcheck disable=SC2068
	B -q up gre1 mode gre local 192.0.2.130 remote 192.0.2.129 \
		address 203.0.113.194/30 $@ || return 1
	ip -n "$b" addr add 203.0.113.225/27 dev lo
}

# The pid of the process forwarding packets (the worker), from gretund itself.
worker_pid() {
	printf 'ping\n' | ip netns exec "$1" socat -t 2 - ABSTRACT-CONNECT:gretun/gretund 2>/dev/null |
		sed -n 's/.*"pid":\([0-9]*\).*/\1/p'
}

pings() { ip netns exec "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1; }

# wait_for SECONDS CMD...: poll every 50 ms until CMD succeeds (bounded)
wait_for() {
	local n=$(($1 * 20)); shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}
