#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The bash completion (scripts/gretunctl.bash-completion), driven as bash
# drives it (COMP_LINE, COMP_POINT, COMP_WORDS, COMP_CWORD), against the
# program itself, so that it cannot drift: every command of the command
# table (`gretunctl help'), its NAME / all / --all / sub-command arguments as its
# usage line says (NAME|FILE and [NAME]: configured tunnels and those that
# are up; a bare NAME, as in set and restart: tunnels that are up), the
# inline words of `gretunctl help words' and no other for every command
# that takes OPTIONs (flags followed by more options, valued words by a
# value), help's keys and words, -c DIR, --config-dir DIR and
# --config-dir=DIR, and each tunnel name once when it is both configured
# and up.
set -u
PREFIX=gtcomp
. "$(dirname "$0")/lib.sh" 2>/dev/null || . "${srcdir:-.}/tests/integration/lib.sh"
require_root
[ -x "$GRETUNCTL" ] || skip_all "gretunctl not built ($GRETUNCTL)"
[ -x "$GRETUND" ] || skip_all "gretund not built ($GRETUND)"
completion=$top_srcdir/scripts/gretunctl.bash-completion

# shellcheck source=../../scripts/gretunctl.bash-completion
. "$completion"

# complete LINE: the candidates bash would offer with the cursor at the end
# of LINE, one a line, sorted. COMP_WORDS as bash splits them: at blanks,
# and with `=' and `:' as words of their own.
complete_line() {
	local line=$1 w
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMP_WORDS=()
	# shellcheck disable=SC2001
	for w in $(echo "$line" | sed 's/\([=:]\)/ \1 /g'); do COMP_WORDS+=("$w"); done
	[[ -z $line || $line == *' ' ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_gretunctl
	[ ${#COMPREPLY[@]} -gt 0 ] && printf '%s\n' "${COMPREPLY[@]}" | sort
}
# offers LINE WORD...: every WORD is a candidate for LINE
offers() {
	local line=$1 w got; shift
	got=$(complete_line "$line")
	for w in "$@"; do
		grep -qxF -- "$w" <<<"$got" || { echo "\`$line<TAB>' does not offer \`$w'; it offers: ${got//$'\n'/ }"; return 1; }
	done
}
# offers_none LINE WORD...: no WORD is a candidate for LINE
offers_none() {
	local line=$1 w got; shift
	got=$(complete_line "$line")
	for w in "$@"; do
		grep -qxF -- "$w" <<<"$got" && { echo "\`$line<TAB>' offers \`$w'"; return 1; }
	done
	return 0
}

g=$GRETUNCTL
conf=$t_tmp/conf
mkdir -p "$conf"
printf '[Tunnel]\nRemote = 192.0.2.2\n' >"$conf/gtc1.conf"

# ---- the command table of the binary -----------------------------------
"$g" help >"$t_tmp/help" || { echo "gretunctl help failed"; exit 1; }
awk '/^Commands:/ { on = 1; next } on && NF == 0 { on = 0 } on { print }' "$t_tmp/help" >"$t_tmp/table"
awk '{ print $1 }' "$t_tmp/table" | sort >"$t_tmp/cmds"
check "gretunctl help lists commands" test -s "$t_tmp/cmds"
check "the command list of the completion is the binary's" \
	diff -u "$t_tmp/cmds" <(complete_line "$g ")
check "global options offered after a dash" offers "$g -" -j --json -q --quiet --backend -c --config-dir -h --help
while read -r cmd usage; do
	case $cmd in route) continue ;; esac	# below, by sub-command
	# a bare NAME (set, restart) is a tunnel that is up: checked below
	if [[ $usage == *NAME\|FILE* || $usage == *\[NAME\]* ]]; then
		check "$cmd NAME: names from the config directory" offers "$g -c $conf $cmd " gtc1
	fi
	if [[ $usage == *--all* ]]; then
		check "$cmd: offers --all after a dash" offers "$g $cmd -" --all
		check "$cmd --all: nothing follows" offers_none "$g $cmd --all " mode nokey csum gtc1
	elif [[ $usage == *all* ]]; then
		check "$cmd: offers all" offers "$g $cmd " all
	fi
	if [[ $usage == *OPTION* ]]; then
		# every inline word after NAME and no other, and what follows each
		"$g" help words >"$t_tmp/rows" || { echo "gretunctl help words failed"; exit 1; }
		check "gretunctl help words lists words" test -s "$t_tmp/rows"
		check "$cmd NAME: the inline words offered are gretunctl help words" \
			diff -u <(awk '{ print $1 }' "$t_tmp/rows" | sort) <(complete_line "$g $cmd gtc1 ")
		while read -r word value; do
			if [[ -z $value ]]; then
				check "$cmd NAME $word (a flag): options follow" offers "$g $cmd gtc1 $word " mode nokey csum
			else
				check "$cmd NAME $word (takes a value): no option word offered" \
					offers_none "$g $cmd gtc1 $word " mode nokey csum
			fi
		done <"$t_tmp/rows"
	fi
done <"$t_tmp/table"
check "route: its sub-commands" offers "$g route " add del replace list batch
check "help: keys and words" offers "$g help " keys words
check "route add NAME: names" offers "$g -c $conf route add " gtc1
check "route add NAME PREFIX: route options" offers "$g route add gtc1 192.0.2.0/24 " via metric table src
check "route add NAME: default" offers "$g route add gtc1 " default
check "up NAME route: default" offers "$g up gtc1 route " default

# ---- global options --------------------------------------------------------
check "--config-dir DIR up: names from DIR" offers "$g --config-dir $conf up " gtc1
check "--config-dir=DIR up: names from DIR" offers "$g --config-dir=$conf up " gtc1
check "--config-dir=DIR show: names from DIR" offers "$g --config-dir=$conf show " gtc1
check "--config-dir=<TAB>: directories" offers "$g --config-dir=$t_tmp/co" "$conf"
check "--backend=<TAB>: backends" offers "$g --backend=" auto kernel userspace
check "--backend <TAB>: backends" offers "$g --backend " auto kernel userspace
check "an IPv6 local does not end the options" offers "$g up gtc1 local 2001:db8::1 " remote key

# ---- a tunnel both configured and up: offered once ------------------------
ns=$PREFIX-$$
netns_add "$ns"
ip -n "$ns" link add veth0 type veth peer name veth1
ip -n "$ns" addr add 192.0.2.1/24 dev veth0
ip -n "$ns" link set veth0 up
ip -n "$ns" link set veth1 up
# the function file for the namespace's bash
declare -f complete_line >"$t_tmp/fn.sh"
once() {
	local got
	# shellcheck disable=SC2016
	# gretunctl in PATH too, as where it is installed
	got=$(PATH=${g%/*}:$PATH ip netns exec "$ns" bash -c '. "$1"; . "$2"; complete_line "$3"' _ \
		"$completion" "$t_tmp/fn.sh" "$1")
	echo "$got"
	[ "$(grep -cxF gtc1 <<<"$got")" = 1 ]
}
check "gtc1 up (userspace) from the config directory" \
	ip netns exec "$ns" "$g" -q -c "$conf" up gtc1 backend userspace local 192.0.2.1
while read -r cmd usage; do
	case $cmd in route) continue ;; esac
	[[ $usage == *NAME* ]] || continue
	check "-c DIR $cmd <TAB>: a configured tunnel that is up, once" once "$g -c $conf $cmd "
	check "--config-dir=DIR $cmd <TAB>: once" once "$g --config-dir=$conf $cmd "
done <"$t_tmp/table"
check "route add <TAB>: once" once "$g -c $conf route add "
ip netns exec "$ns" "$g" -q -c "$conf" down gtc1 >/dev/null 2>&1
finish
