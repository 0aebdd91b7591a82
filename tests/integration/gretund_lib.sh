# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the gretund_*.sh tests: two namespaces gtgd-<tag>-a/b joined by a
# veth, one gretund each, a control client over socat.
# Underlay 192.0.2.0/26 + 2001:db8:200::/48, overlay 203.0.113.0/26 +
# 2001:db8:201::/48.

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (network namespaces, TUN/TAP, raw sockets)"
	exit 77
fi
for tool in ip socat; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool not installed"
		exit 77
	fi
done
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
GRETUND=${GRETUND:-$top_builddir/src/gretund}
if [ ! -x "$GRETUND" ]; then
	echo "SKIP: $GRETUND not built"
	exit 77
fi
if command -v ping >/dev/null; then PING=ping
elif command -v busybox >/dev/null; then PING="busybox ping"
else echo "SKIP: no ping (nor busybox)"; exit 77
fi
TAG=${TAG:-$$}
NSA=gtgd-$TAG-a
NSB=gtgd-$TAG-b
TMP=$(mktemp -d /tmp/gtgd.XXXXXX)
PIDS=""

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for ns in "$NSA" "$NSB"; do
		if [ -e "/run/netns/$ns" ]; then
			# the daemons: only those we started, found by namespace
			for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
			"$(dirname "$0")/../netns-del" "$ns"
		fi
	done
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# ctl NS LINE: one request, prints the JSON reply
ctl() {
	printf '%s\n' "$2" | ip netns exec "$1" socat -t 5 - ABSTRACT-CONNECT:gretun/gretund
}

# ctl_ok NS LINE: request that must succeed
ctl_ok() {
	local r
	r=$(ctl "$1" "$2")
	case "$r" in
	'{"ok":true'*) printf '%s\n' "$r" ;;
	*) fail "$1: '$2' -> $r" ;;
	esac
}

# json_get JSON PATH (python dotted path)
json_get() {
	python3 -c 'import json,sys
v=json.loads(sys.argv[1])
for k in sys.argv[2].split("."): v=v[k]
print(str(v).lower() if isinstance(v,bool) else v)' "$1" "$2"
}

# setup_netns [A4 B4 A6 B6]: NSA and NSB joined by veth0, with these
# underlay addresses (with prefix length; default 192.0.2.1-2/26 and
# 2001:db8:200::1-2/64)
setup_netns() {
	ip netns add "$NSA"
	ip netns add "$NSB"
	ip -n "$NSA" link add veth0 type veth peer name veth0 netns "$NSB"
	for ns in "$NSA" "$NSB"; do
		ip -n "$ns" link set lo up
		ip -n "$ns" link set veth0 up
	done
	ip -n "$NSA" addr add "${1:-192.0.2.1/26}" dev veth0
	ip -n "$NSB" addr add "${2:-192.0.2.2/26}" dev veth0
	ip -n "$NSA" addr add "${3:-2001:db8:200::1/64}" dev veth0 nodad
	ip -n "$NSB" addr add "${4:-2001:db8:200::2/64}" dev veth0 nodad
}

start_daemons() {
	ip netns exec "$NSA" "$GRETUND" --daemon --persistent "$@" || fail "gretund in $NSA"
	ip netns exec "$NSB" "$GRETUND" --daemon --persistent "$@" || fail "gretund in $NSB"
}

# up_pair NAME MODE EXTRA-PARAMS: tunnel on both sides with overlay addresses
up_pair() {
	local name=$1 mode=$2 extra=$3 la ra l6 r6
	case "$mode" in
	ip6*) la=2001:db8:200::1 ra=2001:db8:200::2 ;;
	*) la=192.0.2.1 ra=192.0.2.2 ;;
	esac
	ctl_ok "$NSA" "create $name mode=$mode local=$la remote=$ra $extra" >/dev/null
	ctl_ok "$NSB" "create $name mode=$mode local=$ra remote=$la $extra" >/dev/null
	for ns in "$NSA" "$NSB"; do
		# what gretunctl's MTU=auto would leave room for, rounded down
		ip -n "$ns" link set "$name" mtu 1400 up
	done
	ip -n "$NSA" addr add 203.0.113.1/30 dev "$name"
	ip -n "$NSB" addr add 203.0.113.2/30 dev "$name"
	ip -n "$NSA" addr add 2001:db8:201::1/64 dev "$name" nodad
	ip -n "$NSB" addr add 2001:db8:201::2/64 dev "$name" nodad
}

down_pair() {
	ctl_ok "$NSA" "destroy $1" >/dev/null
	ctl_ok "$NSB" "destroy $1" >/dev/null
}

# pings NS ADDR: three echoes must come back
pings() {
	ip netns exec "$1" $PING -c 3 -i 0.2 -W 2 "$2" >/dev/null || fail "ping $2 from $1"
}
