# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the namespace integration tests: namespaces the test makes and
# always removes, PIDs it started and always ends, and TAP-like results.
# Sourcing scripts set PREFIX (a namespace name prefix of their own).

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
GRETUNCTL=${GRETUNCTL:-$top_builddir/src/gretunctl}
GRETUND=${GRETUND:-$top_builddir/src/gretund}
export GRETUND

t_pass=0
t_fail=0
t_n=0
t_netns=""
t_pids=""
t_tmp=$(mktemp -d)

ok() { t_n=$((t_n + 1)); t_pass=$((t_pass + 1)); echo "ok $t_n - $*"; }
not_ok() { t_n=$((t_n + 1)); t_fail=$((t_fail + 1)); echo "not ok $t_n - $*"; }
# check NAME CMD...: one test, passing when CMD succeeds.
check() {
	name=$1; shift
	if "$@" >"$t_tmp/out" 2>&1; then ok "$name"; else not_ok "$name"; sed 's/^/#   /' "$t_tmp/out"; fi
}

skip_all() { echo "SKIP: $*"; exit 77; }
require_root() { [ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces)"; }
# require_tools TOOL...: skip unless each is on PATH
require_tools() {
	for t_tool; do
		command -v "$t_tool" >/dev/null || skip_all "$t_tool not installed"
	done
}
# require_fastpath TOOL...: a gretund that runs, a kernel with BPF, and the
# tools the fast-path tests use (tc, socat, jq, ethtool) plus TOOL...
require_fastpath() {
	[ -x "$GRETUND" ] || skip_all "gretund not built ($GRETUND)"
	"$GRETUND" --help >/dev/null 2>&1 || skip_all "gretund does not run"
	require_tools tc socat jq ethtool "$@"
	[ -d /sys/fs/bpf ] || skip_all "no /sys/fs/bpf: kernel without BPF"
}

netns_add() {
	ip netns add "$1"
	t_netns="$t_netns $1"
	ip -n "$1" link set lo up
}

bg_pid() { t_pids="$t_pids $1"; }
# A directory outside $t_tmp that cleanup removes too.
tmp_dir() { t_dirs="${t_dirs:-} $1"; }

cleanup() {
	for p in $t_pids; do kill "$p" 2>/dev/null || true; done
	for ns in $t_netns; do
		# gretund instances in the namespace are ours: end them by PID.
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
	done
	sleep 0.2
	for ns in $t_netns; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
		"$(dirname "$0")/../netns-del" "$ns"
	done
	# shellcheck disable=SC2086
	[ -z "${t_dirs:-}" ] || rm -rf $t_dirs
	rm -rf "$t_tmp"
}
trap cleanup EXIT INT TERM

# Result line and exit status for automake.
finish() {
	echo "$t_pass passed, $t_fail failed"
	[ "$t_fail" = 0 ]
}
