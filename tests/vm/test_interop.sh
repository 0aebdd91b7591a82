#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Interoperability: the guest's kernel GRE (Debian's kernel in qemu) against
# gretund in a host network namespace, over the TAP, for every mode, keys,
# checksums, sequence numbers and GRE-in-UDP (interop.tbl).  The guest runs
# the table twice: tunnels made by `ip link add`, then by gretunctl's kernel
# backend.  Ping both ways, a TCP transfer with a checksum, and a DF packet
# over the path MTU refused with "frag needed".  A third phase, fastpath,
# runs the table against gretund's in-kernel fast path (gretund(8), FAST
# PATH): Datapath=bpf for every tunnel it can serve, auto for the others
# (show must say why gretund's path serves them), and afterwards the fast
# path must have carried the traffic: show's counters (fast path and
# gretund summed) moved, the TUN/TAP device's own (gretund's share) hardly.
# Without BPF in gretund or the kernel there is no fastpath phase (said in
# the log).
# Skips (77) without root, qemu, or the gretunctl/gretund binaries.
# GUEST_INTEROP=FILE runs another guest script (e.g. with T_TIME=1 set).
# GRETUN_VM_DATAPATH=bpf puts the host tunnels the fast path can serve on it
# in phases iplink and gretunctl too (phase fastpath always does).
set -u
vm_dir=$(cd "$(dirname "$0")" && pwd)
top_builddir=${top_builddir:-$(pwd)}
export top_builddir
. "$vm_dir/lib.sh"
vm_require
G=$top_builddir/src/gretunctl
for b in gretunctl gretund; do
	if [ ! -x "$top_builddir/src/$b" ]; then
		echo "SKIP: $top_builddir/src/$b is not built"
		exit 77
	fi
done
if ! { command -v ping >/dev/null 2>&1 && ping -V >/dev/null 2>&1; }; then
	echo "SKIP: iputils ping not installed (apt-get install iputils-ping): the PMTU checks need ping -M do"
	exit 77
fi

ns=gtvm-i$$
work=$(mktemp -d "${TMPDIR:-/tmp}/gtvm-interop.XXXXXX")
vmpid=
srvpid=
pcappid=
lstpid=
cleanup() {
	[ -n "$pcappid" ] && kill "$pcappid" 2>/dev/null
	if [ -n "$lstpid" ]; then
		kill "$lstpid" 2>/dev/null
		[ -f "$work/lst.pid" ] && kill "$(cat "$work/lst.pid")" 2>/dev/null
	fi
	[ -n "$vmpid" ] && kill "$vmpid" 2>/dev/null && wait "$vmpid" 2>/dev/null
	[ -n "$srvpid" ] && kill "$srvpid" 2>/dev/null
	grep -v '^#' "$vm_dir/interop.tbl" | while read -r n _; do
		ip netns exec "$ns" "$G" down "$n" >/dev/null 2>&1
	done
	vm_netns_delete "$ns"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

inns() { ip netns exec "$ns" "$@"; }
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
check() { # NAME COMMAND...
	_n=$1; shift
	if _o=$("$@" 2>&1); then ok "$_n"; else notok "$_n"; printf '%s\n' "$_o" | sed 's/^/#   /' | head -n 20; fi
}

vm_netns_create "$ns" || { notok "cannot create netns $ns"; exit 1; }

phases="iplink gretunctl fastpath"
if grep -qa 'built without BPF' "$top_builddir/src/gretund"; then
	phases="iplink gretunctl"
	echo "# gretund built without BPF (configure --disable-bpf or no clang/libbpf): no fastpath phase"
elif [ ! -d /sys/fs/bpf ]; then
	phases="iplink gretunctl"
	echo "# no /sys/fs/bpf (kernel without BPF): no fastpath phase"
fi
echo "$phases" > "$work/phases"

# The host's userspace tunnels, mirrored from the table.
grep -v '^#' "$vm_dir/interop.tbl" > "$work/tbl"

# fp_why FAM OPTS...: why gretund's own path serves such a tunnel in the
# fastpath phase (show's datapath_why), empty when the fast path does
fp_why() {
	_f=$1; shift
	case " $* " in
	*" csum "*) echo "GRE checksums are gretund's" ;;
	*" seq "*) echo "GRE sequence numbers are gretund's" ;;
	*" udp "*) [ "$_f" = 6 ] && echo "GRE-in-UDP over IPv6 is gretund's (its UDP checksum)" ;;
	esac
}

# show_is NAME DATAPATH WHY: gretunctl show -j says so
show_is() {
	inns "$G" show "$1" -j | jq -e --arg d "$2" --arg w "$3" \
		'.[0] | .datapath == $d and (.datapath_why // "") == $w' >/dev/null ||
		{ inns "$G" show "$1" -j | jq -c '.[0] | {datapath, datapath_why}'; return 1; }
}

# counters NAME: "device-tx-packets device-tx-bytes device-rx-packets
# device-rx-bytes show-tx-packets show-tx-bytes show-rx-packets
# show-rx-bytes": the TUN/TAP device's own counters (what went through
# gretund), and show's (gretund's and the fast path's summed)
counters() {
	for _c in tx_packets tx_bytes rx_packets rx_bytes; do
		inns cat "/sys/class/net/$1/statistics/$_c"
	done | tr '\n' ' '
	inns "$G" show "$1" -j | jq -r '.[0].stats | "\(.tx_packets) \(.tx_bytes) \(.rx_packets) \(.rx_bytes)"'
}

host_up() { # PHASE
	_ph=$1
	while read -r n m f i opts; do
		set -- $opts
		if [ "$_ph" = fastpath ]; then
			why=$(fp_why "$f" "$@")
			if [ -z "$why" ]; then dp="datapath bpf"; else dp="datapath auto"; fi
		fi
		[ "${1:-}" = - ] && shift
		hopts=
		while [ $# -gt 0 ]; do
			case "$1" in
			ikey) hopts="$hopts okey $2"; shift ;;
			okey) hopts="$hopts ikey $2"; shift ;;
			key) hopts="$hopts key $2"; shift ;;
			udp) hopts="$hopts encapsulation udp encapsulation-port 4754" ;;
			encaplimit) shift ;;	# the guest's ip6gre option
			*) hopts="$hopts $1" ;;
			esac
			shift
		done
		if [ "$f" = 6 ]; then l=2001:db8:300::1 r=2001:db8:300::2; else l=198.51.100.129 r=198.51.100.130; fi
		[ "$n" = i2 ] && hopts="$hopts mtu 1500"
		if [ "$_ph" = fastpath ]; then
			hopts="$hopts $dp"
		else
			# GRETUN_VM_DATAPATH=bpf: gretund's fast path on every
			# tunnel it can serve (not csum/seq, not GRE-in-UDP
			# over IPv6) in the other phases too
			case "${GRETUN_VM_DATAPATH:-auto}:$hopts:$f" in
			auto:*) ;;
			*csum* | *seq* | *udp*:6) ;;
			*) hopts="$hopts datapath $GRETUN_VM_DATAPATH" ;;
			esac
		fi
		check "host $_ph: gretunctl up $n $m$hopts --backend userspace" inns "$G" up "$n" mode "$m" \
			local $l remote $r $hopts \
			address "203.0.113.$((128 + 4 * i + 1))/30" address "2001:db8:301:$i::1/64" \
			--backend userspace
		[ "$_ph" = fastpath ] || continue
		if [ -z "$why" ]; then
			check "host $_ph: $n: show says datapath bpf" show_is "$n" bpf ""
		else
			check "host $_ph: $n: show says datapath userspace: $why" show_is "$n" userspace "$why"
		fi
		echo "$n $(counters "$n")" >> "$work/fp.before"
	done < "$work/tbl"
}
host_down() { # PHASE
	while read -r n _; do
		check "host $1: gretunctl down $n" inns "$G" down "$n"
	done < "$work/tbl"
}
host_up iplink > "$work/host.out"

if [ -n "${GRETUN_VM_PCAP:-}" ]; then
	inns tshark -q -i gtvm-tap0 -w "$GRETUN_VM_PCAP" >/dev/null 2>&1 &
	pcappid=$!
fi

# Serve the transfer blob on every address of the namespace.
inns busybox nc -ll -p 8000 -e busybox seq 1 10000 &
srvpid=$!

start=$(date +%s)
"$vm_dir/run.sh" "${GUEST_INTEROP:-$vm_dir/guest_interop.sh}" --net "$ns" --file "$vm_dir/interop.tbl:interop.tbl" --file "$work/phases:phases" \
	> "$work/guest.out" 2> "$work/run.err" &
vmpid=$!

# Every message the guest sends to port 7001 is appended to msgs, one a
# line, by a listener that runs for the whole suite: a message is never
# missed while the host is busy elsewhere (retrying its own sends, say), and
# the guest's retries of a delivered message only add a line.
: > "$work/msgs"
(
	while :; do
		inns busybox nc -l -p 7001 >> "$work/msgs" 2>/dev/null &
		echo $! > "$work/lst.pid"
		wait $! || sleep 0.2	# a failing nc: no tight loop
		echo >> "$work/msgs"
	done
) &
lstpid=$!

# wait_msg EXPECTED: until the guest has sent EXPECTED, 240 s at most.
wait_msg() {
	_end=$(($(date +%s) + 240))
	while [ "$(date +%s)" -lt "$_end" ]; do
		grep -qx "$1" "$work/msgs" && return 0
		sleep 0.2
	done
	msg=$(grep -v '^$' "$work/msgs" | tail -n 1)
	return 1
}

last=${phases##* }
prev=
for phase in $phases; do
	if [ -n "$prev" ]; then
		# The guest has removed its tunnels: start ours afresh (sequence
		# numbers), for this phase.
		if ! wait_msg "clean $prev"; then
			notok "host: guest removed its $prev tunnels (got '$msg')"
			break
		fi
		host_down "$prev"
		host_up "$phase"
		k=0
		until vm_send "$ns" 198.51.100.130 7000 "go $phase"; do
			k=$((k + 1)); [ $k -ge 20 ] && break; sleep 1
		done
	fi
	prev=$phase
	# Wait for the guest's "ready PHASE" (bounded by the VM's own timeout).
	if ! wait_msg "ready $phase"; then
		notok "host: guest ready for phase $phase (got '$msg')"
		break
	fi
	while read -r n m f i opts; do
		g4=203.0.113.$((128 + 4 * i + 2))
		g6=2001:db8:301:$i::2
		check "host $phase: $n: ping guest over gretund $m ($opts)" \
			inns sh -c "for k in 1 2 3 4 5 6 7 8 9; do busybox ping -c 1 -W 1 $g4 >/dev/null && exit 0; done; busybox ping -c 1 -W 1 $g4"
		check "host $phase: $n: ping6 guest over gretund $m" \
			inns sh -c "for k in 1 2 3 4 5 6 7 8 9; do busybox ping -c 1 -W 1 $g6 >/dev/null && exit 0; done; busybox ping -c 1 -W 1 $g6"
	done < "$work/tbl"
	check "host $phase: i2: DF packet over the path MTU refused by gretund (frag needed)" \
		inns sh -c "out=\$(ping -M \"do\" -s 1472 -c 2 -W 2 203.0.113.134 2>&1); echo \"\$out\"; echo \"\$out\" | grep -qi -e 'frag needed' -e 'too long' -e 'mtu ='"
	k=0
	until vm_send "$ns" 198.51.100.130 7000 "done $phase"; do
		k=$((k + 1)); [ $k -ge 20 ] && break; sleep 1
	done
	[ "$phase" = "$last" ] && [ "$phase" = fastpath ] || continue
	# What carried the phase's traffic, once the guest's checks are over.
	if ! wait_msg "clean $phase"; then
		notok "host: guest removed its $phase tunnels (got '$msg')"
		break
	fi
	while read -r n m f i opts; do
		set -- $opts
		[ -z "$(fp_why "$f" "$@")" ] || continue
		# before (device tx/rx, show tx/rx), then after
		# shellcheck disable=SC2046 # eight numbers each
		set -- $(grep "^$n " "$work/fp.before" | cut -d' ' -f2-) $(counters "$n")
		dtp=$(($9 - $1)) dtb=$((${10} - $2)) drp=$((${11} - $3)) drb=$((${12} - $4))
		stp=$((${13} - $5)) stb=$((${14} - $6)) srp=$((${15} - $7)) srb=$((${16} - $8))
		echo "# fastpath: $n $m ($opts): show tx $stp packets $stb bytes, rx $srp packets $srb bytes; of which the device (gretund) tx $dtp packets $dtb bytes, rx $drp packets $drb bytes"
		# the transfer alone is 48894 bytes to the guest; what gretund
		# may see is ARP, neighbour discovery and MLD (a few packets)
		check "host fastpath: $n: the fast path sent the transfer (show tx bytes - device tx bytes >= 48894)" \
			test $((stb - dtb)) -ge 48894
		check "host fastpath: $n: gretund's device sent at most 12 packets" test "$dtp" -le 12
		case "$f: $opts " in
		6:*" encaplimit none "* | 4:*)
			check "host fastpath: $n: the fast path received (show rx packets - device rx packets >= 10)" \
				test $((srp - drp)) -ge 10
			check "host fastpath: $n: gretund's device received at most 12 packets" test "$drp" -le 12
			;;
		*)
			# Linux's ip6gre sends an encapsulation-limit option
			# (encaplimit 4 by default): an extension header,
			# gretund's to receive (gretund(8), FAST PATH)
			check "host fastpath: $n: received by gretund (the kernel's encapsulation-limit option)" \
				test "$drp" -ge 10 -a "$drp" = "$srp"
			;;
		esac
	done < "$work/tbl"
done >> "$work/host.out"

wait "$vmpid"
rc=$?
vmpid=
end=$(date +%s)
inns "$G" show -j > "$work/show.json" 2>&1
# gretund's drop counters: only the PMTU check's oversize packet is expected.
check "host: gretund dropped nothing by reason but oversize" jq -e '
	[.[] | {name, datapath, drops: (.stats.drops // {} | with_entries(select(.key != "oversize" and .value != 0)))}
	 | select(.drops != {})] | if length == 0 then true else (., false) end
	' "$work/show.json" >> "$work/host.out"
host_down end >> "$work/host.out"
check "host: nothing left in the namespace" sh -c \
	"! ip -n $ns -o link show | grep -q ': i[0-9]'" >> "$work/host.out"

cat "$work/guest.out" "$work/host.out" "$work/run.err"
echo "# host gretunctl show -j at the end:"
sed 's/^/#  /' "$work/show.json" | head -c 4000; echo
echo "# interop suite took $((end - start))s"
vm_summary "$work/guest.out" "$work/host.out" || exit 1
[ "$rc" = 0 ] || exit 1
exit 0
