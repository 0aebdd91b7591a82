#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The fast path under the shipped gretund.service (gretund(8), FAST PATH,
# "Under systemd"). No systemd runs as PID 1 here, so what matters of the
# built unit is played around gretund: its CapabilityBoundingSet= and
# AmbientCapabilities= (setpriv), NoNewPrivileges=, RestrictAddressFamilies=
# (af_restrict: a seccomp filter on socket(), as systemd's), ProtectSystem=
# strict (the root file system read-only in gretund's mount namespace, /proc,
# /sys and /dev left writable as systemd leaves them; RuntimeDirectory=
# /run/gretun and PrivateTmp's /tmp writable), a bpffs at /sys/fs/bpf (systemd
# mounts one at boot), socket activation and READY=1 (gretund_systemd.py).
# Under that: a Datapath=auto tunnel over a veth without tx checksumming is
# on the fast path, pings through it, gretund kept CAP_NET_ADMIN and
# CAP_NET_RAW only (CapEff, CapPrm, CapBnd; CAP_BPF too only on a kernel
# before 5.19), and `gretunctl restart all` (ExecReload=, under the same
# restrictions) hands over to a successor that adopts the fast path. Then
# the same without AF_NETLINK, and without CAP_PERFMON: gretund's own path,
# and show says why (so the emulation above has teeth); without CAP_SETPCAP
# gretund's bounding set keeps what it was given. systemd-analyze verify and
# capability check the unit's spelling.
set -u
PREFIX=gtun
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$GRETUND" ] || skip_all "gretund not built ($GRETUND)"
unit=$top_builddir/scripts/gretund.service
[ -f "$unit" ] || skip_all "scripts/gretund.service not built"
AFR=$top_builddir/tests/integration/af_restrict
[ -x "$AFR" ] || skip_all "tests/integration/af_restrict not built"
for c in setpriv jq ethtool python3; do
	command -v $c >/dev/null || skip_all "$c not installed"
done
[ -d /sys/fs/bpf ] || skip_all "no /sys/fs/bpf: kernel without BPF"

# the last value of KEY= in the unit
key() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
bnd=$(key CapabilityBoundingSet)
amb=$(key AmbientCapabilities)
fams=$(key RestrictAddressFamilies)
echo "# CapabilityBoundingSet=$bnd"
echo "# AmbientCapabilities=$amb"
echo "# RestrictAddressFamilies=$fams"
[ "$(key NoNewPrivileges)" = yes ] || echo "# (the unit has no NoNewPrivileges=yes: set anyway by af_restrict)"

# --- systemd's own reading of the unit ---------------------------------------
if command -v systemd-analyze >/dev/null; then
	# verify wants the binaries it names: those of the build tree
	mkdir "$t_tmp/unit"
	sed -e "s|^ExecStart=.*|ExecStart=$GRETUND|" \
		-e "s|^ExecReload=.*|ExecReload=$GRETUNCTL restart all|" "$unit" >"$t_tmp/unit/gretund.service"
	cp "$top_srcdir/scripts/gretund.socket" "$t_tmp/unit/"
	verify() { # silent, or what it said
		out=$(cd "$t_tmp/unit" && systemd-analyze verify --man=no ./gretund.service 2>&1)
		echo "$out"
		[ -z "$out" ]
	}
	check "systemd-analyze verify: gretund.service, not a word of complaint" verify
	for c in $bnd $amb; do
		check "systemd-analyze capability: $c is known to systemd" systemd-analyze capability "$c"
	done
else
	echo "# (no systemd-analyze: the unit's spelling is not checked)"
fi

# CAP_X CAP_Y -> +x,+y (setpriv's spelling)
caps_arg() { for c in "$@"; do printf ',+%s' "$(echo "${c#CAP_}" | tr '[:upper:]' '[:lower:]')"; done; }
# shellcheck disable=SC2086 # one word a capability
bnd_arg=-all$(caps_arg $bnd)
amb_arg=""
# shellcheck disable=SC2086
[ -z "$amb" ] || amb_arg="--inh-caps=$(caps_arg $amb | cut -c2-) --ambient-caps=$(caps_arg $amb | cut -c2-)"

ns=$PREFIX-$$ peer=$PREFIX-p-$$
netns_add "$ns"
netns_add "$peer"
ip link add veth0 netns "$ns" type veth peer name veth0 netns "$peer"
ip -n "$ns" addr add 198.51.100.1/30 dev veth0
ip -n "$peer" addr add 198.51.100.2/30 dev veth0
ip -n "$ns" link set veth0 up
ip -n "$peer" link set veth0 up
# a veth without tx checksumming: Datapath=auto may take it (gretund(8))
ip netns exec "$ns" ethtool -K veth0 tx off >/dev/null
P() { ip netns exec "$peer" "$GRETUNCTL" "$@"; }
P up u1 mode gre local 198.51.100.2 remote 198.51.100.1 key 7 address 203.0.113.2/30 \
	--backend userspace datapath userspace >/dev/null

# mkwrap FILE BND FAMS CMD: FILE runs CMD under the unit's restrictions,
# with the bounding set BND (setpriv's spelling) and the address families FAMS
mkwrap() {
	cat >"$1" <<EOW
#!/bin/sh
exec '$AFR' '$3' setpriv --bounding-set='$2' $amb_arg --no-new-privs '$4' "\$@"
EOW
	chmod +x "$1"
}

# start_unit NAME BND FAMS: "systemd" (gretund_systemd.py) starts gretund in
# $ns under the restrictions; sets $gd (its pid) and $sd (the script's pid)
start_unit() {
	u=$t_tmp/$1
	mkdir "$u"
	mkwrap "$u/gretund" "$2" "$3" "$GRETUND"
	mkdir -p /run/gretun
	# a mount namespace of its own (ip netns exec's): systemd's bpffs, the
	# writable exceptions bound onto themselves, then / read-only
	ip netns exec "$ns" sh -c '
		mount -t bpf bpf /sys/fs/bpf &&
		mount --bind /run/gretun /run/gretun &&
		mount --bind "$1" "$1" &&
		mount -o remount,bind,ro / || exit 99
		exec python3 "$2" "$3" "$4/notify" "$4/log"' sh "$t_tmp" \
		"$(dirname "$0")/gretund_systemd.py" "$u/gretund" "$u" &
	sd=$!
	bg_pid "$sd"
	log=$u/log
	i=0
	while ! grep -q " READY=1" "$log" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	gd=$(sed -n 's/^STARTED //p' "$log" 2>/dev/null)
	[ -n "$gd" ] && bg_pid "$gd"
}

stop_unit() {
	G down u1 >/dev/null 2>&1
	for p in $gd $sd; do kill "$p" 2>/dev/null; done
	for p in $gd $sd; do
		i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	done
}

# never a gretund of gretunctl's own: only the one "systemd" started
G() { GRETUND=/bin/false ip netns exec "$ns" "$GRETUNCTL" "$@"; }
js() { ip netns exec "$ns" "$GRETUNCTL" show "$1" -j | jq -e ".[0] | $2" >/dev/null || {
	ip netns exec "$ns" "$GRETUNCTL" show "$1" -j | jq -c '.[0] | {datapath, datapath_why}'; false; }; }
pings() { ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 203.0.113.2 >/dev/null 2>&1; }

# what gretund may keep: NET_ADMIN (12), NET_RAW (13); CAP_BPF (39) too on
# a kernel before 5.19 (gretund(8): it asks the kernel, gd_fp_needs_cap_bpf)
want=0000000000003000
kv=$(uname -r | sed 's/[^0-9.].*//')
case "$kv" in
[1-4].* | 5.[0-9] | 5.[0-9].* | 5.1[0-8] | 5.1[0-8].*) want=0000008000003000 ;;
esac
caps_only() {
	for f in CapEff CapPrm CapBnd; do
		v=$(awk -v f="$f:" '$1 == f { print $2 }' "/proc/$1/status")
		[ "$v" = "$want" ] || { echo "pid $1: $f is $v, want $want"; return 1; }
	done
	v=$(awk '$1 == "CapAmb:" { print $2 }' "/proc/$1/status")
	[ "$v" = 0000000000000000 ] || { echo "pid $1: CapAmb is $v"; return 1; }
}

# --- the unit as shipped -----------------------------------------------------
start_unit shipped "$bnd_arg" "$fams"
check "under the unit's restrictions gretund says READY=1" grep -q "^$gd READY=1" "$log" ||
	{ finish; exit 1; }
check "Datapath=auto tunnel: up" G up u1 mode gre local 198.51.100.1 remote 198.51.100.2 key 7 \
	address 203.0.113.1/30 --backend userspace
ip netns exec "$ns" "$GRETUNCTL" show u1 -j | jq -r '.[0].datapath_why // ""' | grep -q "built without BPF" &&
	skip_all "gretund built without BPF (--disable-bpf)"
check "under the unit: show -j says datapath bpf" js u1 '.datapath == "bpf" and .datapath_why == null'
check "under the unit: ping through the tunnel" pings
check "after the load gretund kept only what it needs (CapEff, CapPrm, CapBnd)" caps_only "$gd"
# ExecReload=, run by systemd under the same restrictions
mkwrap "$t_tmp/gretunctl" "$bnd_arg" "$fams" "$GRETUNCTL"
check "restart all (ExecReload=) under the unit's restrictions" \
	ip netns exec "$ns" "$t_tmp/gretunctl" restart all
i=0
while ! grep -q "^$gd MAINPID=" "$log" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
new=$(sed -n "s/^$gd MAINPID=//p" "$log" | tail -n 1)
check "the successor is announced as MAINPID ($new)" test -n "$new"
[ -n "$new" ] && bg_pid "$new"
old=$gd gd=${new:-$gd}
i=0; while kill -0 "$old" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "after restart: still datapath bpf (the successor adopted it)" js u1 '.datapath == "bpf"'
check "after restart: ping through the tunnel" pings
check "the successor holds no more (CapEff, CapPrm, CapBnd)" caps_only "$gd"
stop_unit

# --- the emulation has teeth: each restriction of the old unit alone -------
start_unit nonetlink "$bnd_arg" "$(echo "$fams" | sed 's/AF_NETLINK//')"
check "without AF_NETLINK: READY=1" grep -q "^$gd READY=1" "$log"
G up u1 mode gre local 198.51.100.1 remote 198.51.100.2 key 7 address 203.0.113.1/30 \
	--backend userspace >/dev/null 2>&1
echo "# without AF_NETLINK: $(G show u1 -j | jq -r '.[0].datapath_why')"
check "without AF_NETLINK: gretund's path, and show says why" \
	js u1 '.datapath == "userspace" and (.datapath_why | length > 0)'
stop_unit

start_unit noperfmon "$(echo "$bnd_arg" | sed 's/,+perfmon//')" "$fams"
check "without CAP_PERFMON: READY=1" grep -q "^$gd READY=1" "$log"
G up u1 mode gre local 198.51.100.1 remote 198.51.100.2 key 7 address 203.0.113.1/30 \
	--backend userspace >/dev/null 2>&1
echo "# without CAP_PERFMON: $(G show u1 -j | jq -r '.[0].datapath_why')"
check "without CAP_PERFMON (and CAP_SYS_ADMIN): gretund's path, show says why" \
	js u1 '.datapath == "userspace" and (.datapath_why | test("CAP_PERFMON"))'
stop_unit
# CAP_SETPCAP: without it gretund cannot empty its bounding set
start_unit nosetpcap "$(echo "$bnd_arg" | sed 's/,+setpcap//')" "$fams"
check "without CAP_SETPCAP: READY=1" grep -q "^$gd READY=1" "$log"
check "without CAP_SETPCAP: CapBnd keeps what the unit gave (so the unit gives it)" \
	sh -c "! awk '\$1 == \"CapBnd:\" { print \$2 }' /proc/$gd/status | grep -qx $want"
stop_unit
P down u1 >/dev/null 2>&1
finish
