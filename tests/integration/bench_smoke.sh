#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/bench-dataplane runs and says what it should: one short rep (-t 1)
# of vxlan, gretap (gretund's path) and fp-gretap (the fast path), each row
# with traffic through its tunnel, the whole system's CPU per GB (sys_s/GB)
# and gretund's own (gd_s/GB), the five ratios to vxlan, the verdict line
# of the fast-path variant, and nothing left behind. No figure is judged
# (a shared machine): only that each is there and not zero.
set -u
PREFIX=gtbs
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$GRETUND" ] || skip_all "gretund not built ($GRETUND)"
for tool in iperf3 socat python3 ping taskset tc; do
	command -v $tool >/dev/null || skip_all "$tool not installed"
done
[ -d /sys/fs/bpf ] || skip_all "no /sys/fs/bpf: kernel without BPF"
probe=$PREFIX-p-$$
netns_add "$probe"
ip -n "$probe" link add vx0 type vxlan id 1 dstport 4789 2>/dev/null ||
	skip_all "no VXLAN in this kernel (the bench's reference)"

ip netns list | sed -n 's/^\(gtpf-[^ ]*\).*/\1/p' | sort >"$t_tmp/ns-before"
GRETUN_BENCH_REPS=1 GRETUN_BENCH_T=1 GRETUN_BENCH_QUIET_WAIT=0 GRETUN_BENCH_VARIANTS="vxlan gretap fp-gretap" \
	"$top_srcdir/scripts/bench-dataplane" "$top_builddir" >"$t_tmp/bench.out" 2>"$t_tmp/bench.err"
rc=$?
sed 's/^/# /' "$t_tmp/bench.out"
check "the bench exits 0" test "$rc" = 0
check "no variant without ping through its tunnel" sh -c "! grep 'no ping' '$t_tmp/bench.err'"
check "the header names sys_s/GB, bg_cpu and gd_s/GB and five ratios" \
	grep -q 'sys_s/GB.*bg_cpu.*gd_s/GB.*(tcp1 tcp2 pps rtt sys)' "$t_tmp/bench.out"
for v in vxlan gretap fp-gretap; do
	# variant tcp1 tcp2 pps rtt p50 sys bg gd hwm, then 5 ratios
	check "$v: TCP and 64-byte UDP through the tunnel, sys_s/GB above 0, five ratios" \
		awk -v v="$v" '$1 == v { n++; if ($2 > 0 && $3 > 0 && $4 > 0 && $7 > 0 && NF == 15) ok++ }
			END { exit !(n == 1 && ok == 1) }' "$t_tmp/bench.out"
done
check "gretund's own CPU is '-' for vxlan, a number for gretap" \
	awk '$1 == "vxlan" && $9 == "-" { a = 1 } $1 == "gretap" && $9 ~ /^[0-9.]+$/ { b = 1 } END { exit !(a && b) }' "$t_tmp/bench.out"
check "a verdict line for fp-gretap with tcp1, tcp2, pps, rtt and sys/GB" \
	grep -Eq '^verdict fp-gretap +vs vxlan: tcp1 [0-9.]+ (aim|must|FAIL); tcp2 [0-9.]+ (aim|must|FAIL); pps [0-9.]+ (aim|must|FAIL); rtt [0-9.]+ (aim|must|FAIL); sys/GB [0-9.]+ (must|FAIL)$' "$t_tmp/bench.out"
ip netns list | sed -n 's/^\(gtpf-[^ ]*\).*/\1/p' | sort >"$t_tmp/ns-after"
check "no namespace of the bench left" sh -c "comm -13 '$t_tmp/ns-before' '$t_tmp/ns-after' | grep -q . && exit 1; exit 0"
finish
