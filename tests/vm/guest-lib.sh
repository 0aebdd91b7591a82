# SPDX-License-Identifier: GPL-2.0-or-later
# Shell helpers for guest test scripts (busybox ash), sourced as
# `. /lib/gretun/lib.sh`.  Results are TAP-like lines on the console,
# counted by the host: "ok N - name" / "not ok N - name"; a script ends
# with `t_done`, which prints "N passed, N failed" and returns non-zero
# when anything failed.

# busybox ash prefers its own applets to PATH: route the programs that
# mkinitramfs.sh copied (iproute2, iputils) to the real ones.
for _p in ip ss ping tc; do
	[ -x "/usr/local/bin/$_p" ] && eval "$_p() { /usr/local/bin/$_p \"\$@\"; }"
done
unset _p
# The console is a tty: keep jq's output plain.
jq() { /usr/local/bin/jq -M "$@"; }

T_N=0
T_PASS=0
T_FAIL=0

# T_TIME=1 appends the guest's uptime to each result (finding slow steps).
t_when() {
	[ -n "${T_TIME:-}" ] || return 0
	read -r _up _ < /proc/uptime
	echo " [$_up]"
}

t_ok() {
	T_N=$((T_N + 1)); T_PASS=$((T_PASS + 1))
	echo "ok $T_N - $*$(t_when)"
}

t_notok() {
	T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1))
	echo "not ok $T_N - $*$(t_when)"
}

# t_check NAME COMMAND...: run COMMAND, pass when it exits 0; print its
# output only on failure.
t_check() {
	_name=$1; shift
	if _out=$("$@" 2>&1); then
		t_ok "$_name"
	else
		t_notok "$_name"
		printf '%s\n' "$_out" | sed 's/^/#   /' | head -n 30
	fi
}

# t_eval NAME CODE: like t_check, for shell code evaluated in this shell
# (so that the ip/ping functions above apply, unlike in `sh -c`).
t_eval() {
	_name=$1
	if _out=$(eval "$2" 2>&1); then
		t_ok "$_name"
	else
		t_notok "$_name"
		printf '%s\n' "$_out" | sed 's/^/#   /' | head -n 30
	fi
}

# t_fails NAME COMMAND...: pass when COMMAND fails.
t_fails() {
	_name=$1; shift
	if _out=$("$@" 2>&1); then
		t_notok "$_name (unexpectedly succeeded)"
		printf '%s\n' "$_out" | sed 's/^/#   /' | head -n 30
	else
		t_ok "$_name"
	fi
}

# t_exit NAME WANT COMMAND...: pass when COMMAND exits with status WANT.
t_exit() {
	_name=$1; _want=$2; shift 2
	_out=$("$@" 2>&1)
	_rc=$?
	if [ "$_rc" = "$_want" ]; then
		t_ok "$_name"
	else
		t_notok "$_name (exit $_rc, want $_want)"
		printf '%s\n' "$_out" | sed 's/^/#   /' | head -n 30
	fi
}

t_skip() {
	T_N=$((T_N + 1))
	echo "ok $T_N - # SKIP $*"
}

t_diag() {
	read -r _up _ < /proc/uptime
	echo "# [$_up] $*"
}

t_done() {
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" = 0 ]
}

# jqe [JQ OPTIONS] FILTER < JSON: jq -e that fails on empty input (jq -e
# itself exits 0 when there is nothing to read).
jqe() {
	_in=$(cat)
	if [ -z "$_in" ]; then
		echo "jqe: empty input"
		return 1
	fi
	printf '%s' "$_in" | jq -e "$@" >/dev/null
}

# jqf FILE [JQ OPTIONS] FILTER: jqe on a file.
jqf() {
	_file=$1; shift
	jqe "$@" < "$_file"
}

# jq_eq JSON FILTER WANT: FILTER applied to JSON gives WANT (as jq -r prints it).
jq_eq() {
	_got=$(printf '%s' "$1" | jq -r "$2" 2>&1)
	if [ "$_got" = "$3" ]; then
		return 0
	fi
	echo "jq '$2': got '$_got', want '$3'"
	return 1
}
