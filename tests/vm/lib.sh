# SPDX-License-Identifier: GPL-2.0-or-later
# Host-side helpers for the VM tests, sourced by test_*.sh.
# The caller sets vm_dir (this directory).

# Exit 77 (skip, with the reason) where the VM tests cannot run at all.
vm_require() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: needs root (network namespaces, TAP devices)"
		exit 77
	fi
	if ! command -v "${GRETUN_VM_QEMU:-qemu-system-x86_64}" >/dev/null 2>&1; then
		echo "SKIP: qemu-system-x86_64 not installed (apt-get install qemu-system-x86)"
		exit 77
	fi
}

# vm_netns_create NS: a namespace holding gtvm-tap0 with the host's
# underlay addresses; run.sh --net NS attaches the guest to it.
vm_netns_create() {
	ip netns add "$1" || return 1
	ip -n "$1" link set lo up
	ip -n "$1" tuntap add gtvm-tap0 mode tap || return 1
	ip -n "$1" addr add 198.51.100.129/25 dev gtvm-tap0
	ip -n "$1" addr add 2001:db8:300::1/64 dev gtvm-tap0 nodad
	ip -n "$1" link set gtvm-tap0 up
}

vm_netns_delete() {
	# what is still running in the test's own namespace is the test's
	# (say, a transfer server's child whose peer went away)
	for _p in $(ip netns pids "$1" 2>/dev/null); do kill "$_p" 2>/dev/null; done
	ip -n "$1" link del gtvm-tap0 2>/dev/null
	"$(dirname "$0")/../netns-del" "$1"
	return 0
}

# vm_wait_reachable NS ADDR SECONDS [PID]: ping ADDR from NS once a second
# until it answers; gives up after SECONDS or when process PID (the VM) has
# ended.
vm_wait_reachable() {
	_i=0
	while [ "$_i" -lt "$3" ]; do
		if [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null; then
			return 1
		fi
		ip netns exec "$1" busybox ping -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
		_i=$((_i + 1))
		sleep 1
	done
	return 1
}

# vm_send NS ADDR PORT MESSAGE: one TCP message to the guest's listener.
vm_send() {
	printf '%s\n' "$4" | ip netns exec "$1" busybox nc -w 3 "$2" "$3" 2>/dev/null
}

# vm_summary FILE...: count TAP-like result lines; prints the totals and
# returns non-zero when anything failed or nothing ran.
vm_summary() {
	_pass=$(cat "$@" | grep -c '^ok ')
	_fail=$(cat "$@" | grep -c '^not ok ')
	echo "$_pass passed, $_fail failed"
	[ "$_fail" = 0 ] && [ "$_pass" -gt 0 ]
}
