#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# gretunctl as a new admin meets it, inside namespaces made here (userspace
# backend): state that cannot be read is no "no tunnels"; what privilege is
# really needed; `--'; hooks of a config given with -c; `set' and
# `--version'; route commands on gretun's tunnels only; an automatic MTU too
# small for IPv6; and error messages that say what is wrong.
set -u
PREFIX=gtcl
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$GRETUND" ] || skip_all "gretund not built ($GRETUND)"
command -v setpriv >/dev/null || skip_all "setpriv (util-linux) not installed"
command -v jq >/dev/null || skip_all "jq not installed"

a=$PREFIX-a-$$
netns_add "$a"
ip link add veth0 netns "$a" type veth peer name uxva netns "$a"
ip -n "$a" addr add 198.51.100.1/28 dev veth0
ip -n "$a" link set veth0 up
ip -n "$a" link set uxva up
A() { ip netns exec "$a" "$GRETUNCTL" "$@"; }
# run CMD... in the namespace: stdout to $t_tmp/stdout, stderr to $t_tmp/stderr
# (check uses $t_tmp/out itself), exit status in $rc
run() { ip netns exec "$a" "$@" >"$t_tmp/stdout" 2>"$t_tmp/stderr"; rc=$?; }
ifindex() { ip -n "$a" -j link show "$1" | jq '.[0].ifindex'; }
snap() { # links, addresses and routes, less what the kernel does by itself
	{ ip -n "$a" -br link; ip -n "$a" -br addr; ip -n "$a" route show table all; } |
		sed '/^\(local \)\{0,1\}fe80::/d; s/ fe80::[^ ]*//g' >"$t_tmp/$1"
}
nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all"
two_caps="setpriv --inh-caps=-all,+net_admin,+net_raw --bounding-set=-all,+net_admin,+net_raw"

# --- 2. root with exactly CAP_NET_ADMIN and CAP_NET_RAW (the ones exit 3
# names): the first tunnel, so this process starts gretund too -----------------
run $two_caps "$GRETUNCTL" up gre1 mode gre local 198.51.100.1 remote 198.51.100.2 key 7 \
	address 203.0.113.1/30 route 192.0.2.0/26
check "root with only CAP_NET_ADMIN+CAP_NET_RAW: up exits 0" test "$rc" = 0
check "  the gretund it started has no fast path, and it says why" \
	grep -q "gretund's own data path serves it, not the fast path: cannot load the fast path: gretund lacks CAP_BPF" "$t_tmp/stderr"
check "  and the tunnel is there" sh -c "ip -n $a -br addr show dev gre1 | grep -q 203.0.113.1/30"
run $two_caps "$GRETUNCTL" set gre1 ttl 64
check "  set exits 0 with those two" test "$rc" = 0
run $two_caps "$GRETUNCTL" up gre9 mode gre remote 198.51.100.9
check "  a second up exits 0" test "$rc" = 0
run $two_caps "$GRETUNCTL" down gre9
check "  down exits 0 with those two" test "$rc" = 0
snap before.caps
run setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all,+net_admin,+net_raw \
	--ambient-caps=-all,+net_admin,+net_raw "$GRETUNCTL" up gre8 mode gre remote 198.51.100.8
check "not root, with CAP_NET_ADMIN+CAP_NET_RAW: up exits 3" test "$rc" = 3
check "  saying what is needed (uid 0)" grep -q "missing privilege: .*run as root (uid 0)" "$t_tmp/stderr"
check "  in one line" test "$(wc -l <"$t_tmp/stderr")" = 1
snap after.caps
check "  and changes nothing" cmp -s "$t_tmp/before.caps" "$t_tmp/after.caps"

# --- 1. state that cannot be read: exit 3, nothing on stdout ------------------
for cmd in "show" "-j show" "-j list" "list" "show gre1" "route list gre1"; do
	# shellcheck disable=SC2086
	run $nobody "$GRETUNCTL" $cmd
	check "as nobody, \`$cmd' exits 3" test "$rc" = 3
	check "  prints nothing on stdout" test ! -s "$t_tmp/stdout"
	check "  says the state cannot be read and what is missing" \
		grep -q "cannot read the tunnel state .*missing privilege CAP_DAC_READ_SEARCH" "$t_tmp/stderr"
done

# --- 3. `--' ends the options, everywhere --------------------------------------
run "$GRETUNCTL" -- show gre1
check "\`-- show gre1' exits 0" test "$rc" = 0
check "  and shows gre1" grep -q "^gre1: gre" "$t_tmp/stdout"
run "$GRETUNCTL" show -- gre1
check "\`show -- gre1' exits 0" sh -c "test $rc = 0 && grep -q '^gre1: gre' $t_tmp/stdout"
run "$GRETUNCTL" -j show -- gre1
check "\`-j show -- gre1' is JSON" jq -e '.[0].name == "gre1"' "$t_tmp/stdout"
run "$GRETUNCTL" up -- gre3 remote 198.51.100.3 address 203.0.113.5/30
check "\`up -- gre3 remote ...' exits 0" test "$rc" = 0
run "$GRETUNCTL" route list -- gre3
check "\`route list -- gre3' exits 0" test "$rc" = 0
run "$GRETUNCTL" -- down gre3
check "\`-- down gre3' exits 0" sh -c "test $rc = 0 && ! ip -n $a link show gre3 2>/dev/null"
run "$GRETUNCTL" show -- -j
check "after \`--', -j is a tunnel name, not an option" sh -c "test $rc = 4 && grep -q 'no tunnel -j managed' $t_tmp/stderr"

# --- 5. --version, and set ------------------------------------------------------
run "$GRETUNCTL" --version
check "--version exits 0 and prints what \`version' does" \
	sh -c "test $rc = 0 && test \"\$(cat $t_tmp/stdout)\" = \"\$($GRETUNCTL version)\""
check "--help lists --version and set" sh -c "$GRETUNCTL --help | grep -q -- --version && $GRETUNCTL --help | grep -q '^  set '"
# the completion function itself, as bash runs it on TAB
complete_words() { # WORD...: what TAB offers after `gretunctl WORD...'
	ip netns exec "$a" env PATH="$(dirname "$GRETUNCTL"):$PATH" bash -c '. "$1"; shift; COMP_WORDS=(gretunctl "$@"); COMP_CWORD=$#
		COMP_LINE="${COMP_WORDS[*]}"; _gretunctl; printf "%s\n" "${COMPREPLY[@]}"' \
		sh "$top_srcdir/scripts/gretunctl.bash-completion" "$@" | sort | tr '\n' ' '
}
if command -v bash >/dev/null; then
	check "bash completion: set is a command" test "$(complete_words se)" = "set "
	check "bash completion: set offers the tunnels that are up" test "$(complete_words set gr)" = "gre1 "
	check "bash completion: set offers up's options" test "$(complete_words set gre1 mt)" = "mtu "
	check "bash completion: --version" test "$(complete_words --vers)" = "--version "
else
	not_ok "bash missing: completion not tested"
fi

run "$GRETUNCTL" up gre1 mtu 1400
check "up with one option of a running tunnel exits 2" test "$rc" = 2
check "  and hints at set" grep -q "use \`gretunctl set gre1 OPTION VALUE...'" "$t_tmp/stderr"
idx=$(ifindex gre1)
run "$GRETUNCTL" set gre1 mtu 1400
check "set gre1 mtu 1400 exits 0" test "$rc" = 0
check "  MTU 1400" test "$(ip -n "$a" -j link show gre1 | jq '.[0].mtu')" = 1400
check "  the address, route, key and TTL stay" sh -c "ip netns exec $a $GRETUNCTL -j show gre1 | jq -e '.[0] | .addresses == [\"203.0.113.1/30\"] and .routes[0].destination == \"192.0.2.0/26\" and .ikey == 7 and .ttl == 64' >/dev/null"
check "  same device" test "$idx" = "$(ifindex gre1)"
run "$GRETUNCTL" set gre1 mtu auto
check "set gre1 mtu auto: 1500 - 20 - 8 = 1472" test "$(ip -n "$a" -j link show gre1 | jq '.[0].mtu')" = 1472
run "$GRETUNCTL" set gre1 nokey
check "set gre1 nokey: the automatic MTU is computed again (1476)" \
	sh -c "test $rc = 0 && test \$(ip -n $a -j link show gre1 | jq '.[0].mtu') = 1476"
run "$GRETUNCTL" set gre1 key 9 address 203.0.113.9/30
check "set adds an address as up's words do" sh -c "test $rc = 0 && ip netns exec $a $GRETUNCTL -j show gre1 | jq -e '.[0] | .ikey == 9 and .addresses == [\"203.0.113.1/30\",\"203.0.113.9/30\"]' >/dev/null"
run "$GRETUNCTL" set gre1 address '' address 203.0.113.13/30 route '' route 192.0.2.64/26
check "an empty address/route clears the list first" sh -c "test $rc = 0 && ip netns exec $a $GRETUNCTL -j show gre1 | jq -e '.[0] | .addresses == [\"203.0.113.13/30\"] and (.routes | map(.destination)) == [\"192.0.2.64/26\"]' >/dev/null"
check "  and says what it removed" grep -q "removed address 203.0.113.1/30" "$t_tmp/stderr"
# (the data path is the gretund's that serves it: the rollback's new gretund
# has the capabilities of this root shell, the first one only two)
A -j show gre1 | jq -S '.[0] | del(.stats, .ifindex, .datapath, .datapath_why)' >"$t_tmp/show.before"; snap before.set
run "$GRETUNCTL" set gre1 bogus 1
check "set with an unknown option exits 2" sh -c "test $rc = 2 && grep -q \"set gre1: unknown option \\\`bogus'\" $t_tmp/stderr"
run "$GRETUNCTL" set gre1 mode gretap --backend kernel
check "set that fails (no kernel GRE here) exits 1" test "$rc" = 1
A -j show gre1 | jq -S '.[0] | del(.stats, .ifindex, .datapath, .datapath_why)' >"$t_tmp/show.after"; snap after.set
check "  and rolls back: show as before" cmp -s "$t_tmp/show.before" "$t_tmp/show.after"
check "  links, addresses and routes as before" cmp -s "$t_tmp/before.set" "$t_tmp/after.set"
run "$GRETUNCTL" set nosuch mtu 1400
check "set of an unknown tunnel exits 4" test "$rc" = 4
run "$GRETUNCTL" set gre1
check "set without an option exits 2" test "$rc" = 2

# --- 4. hooks of a config given with -c run on down ----------------------------
# (hooks are refused below a group/world-writable directory such as /tmp)
hookdir=$(mktemp -d -p /run gtcl-hooks.XXXXXX)
tmp_dir "$hookdir"
chmod 0755 "$hookdir"
mkdir -m 0755 "$hookdir/etc"
cat >"$hookdir/etc/hk.conf" <<CONF
[Tunnel]
Remote = 198.51.100.4
Address = 203.0.113.17/30

[Hooks]
PreUp = echo preup %i >>$t_tmp/hook.log
PostUp = echo postup %i >>$t_tmp/hook.log
PreDown = echo predown %i >>$t_tmp/hook.log
PostDown = echo postdown %i >>$t_tmp/hook.log
CONF
run "$GRETUNCTL" -c "$hookdir/etc" up hk
check "-c DIR up hk" test "$rc" = 0
run "$GRETUNCTL" set hk mode gretap
check "set hk mode gretap recreates the device, PostUp runs as for up" \
	sh -c "test $rc = 0 && test \"\$(grep -c postup $t_tmp/hook.log)\" = 2"
run "$GRETUNCTL" down hk
check "down hk (no -c) exits 0" test "$rc" = 0
check "  ran PreDown and PostDown of the config it came up from" \
	sh -c "printf 'preup hk\npostup hk\npostup hk\npredown hk\npostdown hk\n' | cmp -s - $t_tmp/hook.log"
run "$GRETUNCTL" -c "$hookdir/etc" up hk
mv "$hookdir/etc/hk.conf" "$hookdir/etc/hk.moved"
run "$GRETUNCTL" down hk
check "down when that config is gone exits 0" test "$rc" = 0
check "  and says why the hooks were not run" grep -q "is gone: no PreDown/PostDown hooks run" "$t_tmp/stderr"

# --- 6. route commands on gretun's tunnels only ------------------------------------
snap before.route
run "$GRETUNCTL" route add uxva 10.40.0.0/16
check "route add on a veth exits 4" test "$rc" = 4
check "  no tunnel uxva managed by gretun" grep -q "no tunnel uxva managed by gretun" "$t_tmp/stderr"
snap after.route
check "  and adds nothing" cmp -s "$t_tmp/before.route" "$t_tmp/after.route"
run "$GRETUNCTL" route list lo
check "route list lo exits 4" test "$rc" = 4
run "$GRETUNCTL" route batch uxva /dev/null
check "route batch on a veth exits 4" test "$rc" = 4
run "$GRETUNCTL" route list nosuch
check "route list nosuch: one clear line" sh -c "test $rc = 4 && test \"\$(cat $t_tmp/stderr)\" = 'gretunctl: route list nosuch: no tunnel nosuch managed by gretun'"
run "$GRETUNCTL" route add gre1 198.51.100.128/26
check "route add on gre1 still works" test "$rc" = 0
run "$GRETUNCTL" route del gre1 198.51.100.192/26
check "route del of a missing route exits 4" test "$rc" = 4
check "  saying there is no such route" grep -q "route del gre1 198.51.100.192/26: no such route$" "$t_tmp/stderr"

# --- 7. an automatic MTU below 1280 with IPv6 addresses ----------------------------
ip -n "$a" link set veth0 mtu 1300
snap before.mtu
run "$GRETUNCTL" up gre6 mode gre local 198.51.100.1 remote 198.51.100.6 key 1 address 2001:db8:6::1/64
check "auto MTU 1300 - 28 = 1272 with an IPv6 address exits 2" test "$rc" = 2
check "  saying why, before anything changed" grep -q "automatic MTU 1272 .* below 1280, the IPv6 minimum" "$t_tmp/stderr"
check "  and not the kernel's Invalid argument" sh -c "! grep -q 'Invalid argument' $t_tmp/stderr"
snap after.mtu
check "  nothing changed" cmp -s "$t_tmp/before.mtu" "$t_tmp/after.mtu"
run "$GRETUNCTL" up gre6 mode gre local 198.51.100.1 remote 198.51.100.6 key 1 address 2001:db8:6::1/64 mtu 1280
check "  with mtu 1280 it comes up" test "$rc" = 0
run "$GRETUNCTL" set gre6 mtu auto
check "  set back to auto is refused the same way (exit 2)" sh -c "test $rc = 2 && grep -q 'automatic MTU 1272' $t_tmp/stderr && test \$(ip -n $a -j link show gre6 | jq '.[0].mtu') = 1280"
A down gre6 >/dev/null 2>&1
ip -n "$a" link set veth0 mtu 1500

# --- 8. error texts ----------------------------------------------------------------
run "$GRETUNCTL" check /nonexistent/abcdefghijklmnop.conf
check "a FILE whose base name is too long exits 2" test "$rc" = 2
check "  saying the name is too long" grep -q "invalid tunnel name \`abcdefghijklmnop' .*too long, 16 bytes" "$t_tmp/stderr"
conf=$t_tmp/etc
mkdir -p "$conf"
{ printf '[Tunnel]\nRemote = 198.51.100.2\n'; head -c 1100000 /dev/zero | tr '\0' '#'; } >"$conf/big.conf"
run "$GRETUNCTL" check "$conf/big.conf"
check "a config over 1 MiB exits 2" sh -c "test $rc = 2 && grep -q 'larger than 1048576 bytes' $t_tmp/stderr"
run "$GRETUNCTL" -c "$conf" up big
check "  for up too" test "$rc" = 2
esc=$(printf 'g\033[2Jx')
for cmd in show up down set check restart; do
	case $cmd in
	show|down|restart) run "$GRETUNCTL" $cmd "$esc" ;;
	*) run "$GRETUNCTL" $cmd "$esc" remote 198.51.100.2 ;;
	esac
	check "a name with control bytes ($cmd): exit 2, shown with ?" \
		sh -c "test $rc = 2 && grep -q \"invalid tunnel name \\\`g?\\[2Jx'\" $t_tmp/stderr && ! grep -q \"\$(printf '\\033')\" $t_tmp/stderr"
done
run "$GRETUNCTL" route list "$esc"
check "  route list too" sh -c "test $rc = 2 && grep -q 'g?\\[2Jx' $t_tmp/stderr"
printf '\357\273\277[Tunnel]\nRemote = 198.51.100.2\n' >"$conf/bom.conf"
run "$GRETUNCTL" check "$conf/bom.conf"
check "a config starting with a UTF-8 BOM is accepted" sh -c "test $rc = 0 && grep -q 'bom: ok' $t_tmp/stdout"
# gretund cannot be run: the message says so, with the path and the reason
A down gre1 >/dev/null 2>&1
i=0; while [ -n "$(ip netns pids "$a")" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
run env GRETUND=/nonexistent/gretund "$GRETUNCTL" up gre7 mode gre remote 198.51.100.7
check "gretund missing: up exits 1" test "$rc" = 1
check "  cannot run gretund, with the path and why" \
	grep -q "cannot run gretund \`/nonexistent/gretund': No such file or directory$" "$t_tmp/stderr"
check "  and no wrong errno" sh -c "! grep -q 'Connection refused' $t_tmp/stderr"
check "  nothing left" sh -c "! ip -n $a link show gre7 2>/dev/null && test -z \"\$(ip netns exec $a $GRETUNCTL list)\""

finish
