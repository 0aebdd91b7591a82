#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The documentation matches the program, and the shipped scripts are clean:
#  1. every command and global option in `gretunctl --help` is in gretunctl(8);
#     the command table of src/cli/gretunctl.c is what --help lists, and
#     each command is in SYNOPSIS and in COMMANDS;
#  2. every config key and section of `gretunctl help keys' (the tables the
#     parser reads) is in gretun.conf(5), and every key gretun.conf(5)
#     describes is one of them; every inline word of `gretunctl help words'
#     is in gretunctl(8), Inline options;
#  3. every man page in man/ renders without a single groff/man warning;
#  4. shellcheck passes on the shell scripts in scripts/ and on this file;
#  5. every drop reason of src/lib/gre.c is in gretunctl(8), JSON output, and in
#     gretund(8), get;
#  6. every file the code writes in the runtime directory (/run/gretun/...)
#     is in FILES of gretunctl(8), or of gretund(8) for gretund's own;
#  7. every environment variable the code reads is in ENVIRONMENT of
#     gretunctl(8), or gretund(8) for gretund's;
#  8. every `ip ...' command line the man pages quote parses with the
#     installed iproute2 (run in a throwaway network namespace);
#  9. every example config of the man pages, and every `gretunctl up' line
#     of the man pages and the README, passes `gretunctl check' with both
#     backends (as `Backend = auto' may pick either) unless it names one,
#     or learns its remote or has PersistentKeepalive (gretund only).
# A part that cannot run here says SKIP and why; then the test exits 77
# (SKIP) unless another part failed, since a partial check is no pass.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
man8=$top_srcdir/man/gretunctl.8
man5=$top_srcdir/man/gretun.conf.5

failed=0
skipped=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/docs_check.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*"; failed=1; }
skip() { echo "SKIP: $*"; skipped=1; }

# Plain text of a man page: no bold, underline or hyphenation, ASCII
# hyphens, one long line per paragraph line.
render_text() {
	groff -man -Tascii -P-cbou -rLL=200n -rHY=0 "$1" 2>/dev/null
}

have() { command -v "$1" >/dev/null 2>&1; }

# ---- 1. gretunctl --help vs gretunctl(8) -------------------------------
gretunctl=
for f in "$top_builddir/gretunctl" "$top_builddir/src/gretunctl"; do
	[ -x "$f" ] && { gretunctl=$f; break; }
done
if ! have groff; then
	skip "groff not installed (apt-get install groff-base): cannot read the man pages"
elif [ -z "$gretunctl" ]; then
	skip "gretunctl not built in $top_builddir: commands and options not checked"
else
	"$gretunctl" --help >"$tmp/help" 2>&1 || fail "gretunctl --help exited $?"
	render_text "$man8" >"$tmp/man8"
	# the COMMANDS section of the man page
	sed -n '/^COMMANDS/,/^OPTIONS/p' "$tmp/man8" >"$tmp/commands"
	# commands: the first word of each line of the "Commands:" block
	awk '/^Commands:/ { on = 1; next } on && NF == 0 { on = 0 } on { print $1 }' \
		"$tmp/help" >"$tmp/cmds"
	[ -s "$tmp/cmds" ] || fail "no \"Commands:\" block in gretunctl --help"
	while read -r cmd; do
		grep -Eq "^ +(route )?$cmd( |\$)" "$tmp/commands" ||
			fail "command \`$cmd' from gretunctl --help is not in COMMANDS of gretunctl(8)"
	done <"$tmp/cmds"
	# options: -x and --xxx words after a blank, '[', '|' or ','
	grep -oE -- '(^|[][ |,(])--?[a-zA-Z][a-zA-Z-]*' "$tmp/help" |
		sed 's/^[][ |,(]*//' | sort -u >"$tmp/opts"
	[ -s "$tmp/opts" ] || fail "no options in gretunctl --help"
	sed -n '/^SYNOPSIS/,/^DESCRIPTION/p; /^OPTIONS/,/^CONFIGURATION FILE/p' \
		"$tmp/man8" >"$tmp/options"
	while read -r opt; do
		grep -Eq -- "(^|[^a-zA-Z-])$opt([^a-zA-Z-]|\$)" "$tmp/options" ||
			fail "option \`$opt' from gretunctl --help is not in SYNOPSIS/OPTIONS of gretunctl(8)"
	done <"$tmp/opts"
	echo "checked $(wc -l <"$tmp/cmds") commands and $(wc -l <"$tmp/opts") options of gretunctl --help"

	# the command table of src/cli/gretunctl.c is what --help lists
	sed -n '/subcommands\[\] = {/,/^};/p' "$top_srcdir/src/cli/gretunctl.c" |
		sed -n 's/^[[:space:]]*{ *"\([a-z-]*\)",.*/\1/p' | sort >"$tmp/table"
	sort "$tmp/cmds" >"$tmp/cmds.sorted"
	[ -s "$tmp/table" ] || fail "no command table (subcommands[]) in src/cli/gretunctl.c"
	for cmd in $(comm -23 "$tmp/table" "$tmp/cmds.sorted"); do
		fail "command \`$cmd' of the command table in src/cli/gretunctl.c is not in gretunctl --help"
	done
	# SYNOPSIS: COMMAND := { up | down | ... }, both ways
	sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' "$tmp/man8" | tr '\n' ' ' |
		sed -n 's/.*COMMAND := {\([^}]*\)}.*/\1/p' | tr '|' '\n' | tr -d ' ' |
		sed '/^$/d' | sort >"$tmp/syn"
	[ -s "$tmp/syn" ] || fail "no \"COMMAND := { ... }\" in SYNOPSIS of gretunctl(8)"
	for cmd in $(comm -23 "$tmp/cmds.sorted" "$tmp/syn"); do
		fail "command \`$cmd' from gretunctl --help is not in SYNOPSIS (COMMAND := ...) of gretunctl(8)"
	done
	for cmd in $(comm -13 "$tmp/cmds.sorted" "$tmp/syn"); do
		fail "SYNOPSIS of gretunctl(8) names the command \`$cmd', which gretunctl --help does not list"
	done
fi

# ---- 2. config keys and inline words vs the man pages --------------------
if ! have groff; then
	skip "groff not installed: config keys not checked"
elif [ -z "$gretunctl" ]; then
	skip "gretunctl not built in $top_builddir: config keys and inline words not checked"
else
	# "[Section] Key" lines: the keys, and the sections as "[Section]"
	"$gretunctl" help keys >"$tmp/keylines" || fail "gretunctl help keys exited $?"
	{
		sed -n 's/^\[[A-Za-z]*\] \([A-Za-z0-9]*\)$/\1/p' "$tmp/keylines"
		sed -n 's/^\(\[[A-Za-z]*\]\) .*/\1/p' "$tmp/keylines"
	} | sort -u >"$tmp/keys"
	if [ ! -s "$tmp/keys" ]; then
		fail "gretunctl help keys lists no \"[Section] Key\" lines"
	else
		# the key descriptions, not the examples
		render_text "$man5" | sed '/^EXAMPLES/,$d' >"$tmp/man5"
		while read -r key; do
			case $key in
			\[*) grep -Fq "$key" "$tmp/man5" && continue ;;
			*) grep -Eq "^ +$key = " "$tmp/man5" && continue ;;
			esac
			fail "config key \`$key' of gretunctl help keys is not described in gretun.conf(5)"
		done <"$tmp/keys"
		# the other way round: documented keys the parser does not know
		grep -oE '^ {7}[A-Z][A-Za-z0-9]* = ' "$tmp/man5" |
			sed 's/^ *\([^ ]*\) = $/\1/' | sort -u >"$tmp/dockeys"
		for key in $(comm -13 "$tmp/keys" "$tmp/dockeys"); do
			fail "gretun.conf(5) describes \`$key', which gretunctl help keys does not list"
		done
		echo "checked $(wc -l <"$tmp/keys") config keys and sections of gretunctl help keys"
	fi
	# The inline words of `up', to be found in the "Inline options" part
	# of gretunctl(8).
	"$gretunctl" help words >"$tmp/wordlines" || fail "gretunctl help words exited $?"
	awk '{ print $1 }' "$tmp/wordlines" | sort -u >"$tmp/words"
	if [ ! -s "$tmp/words" ]; then
		fail "gretunctl help words lists no words"
	else
		render_text "$man8" | sed -n '/^ *Inline options/,/^ *JSON output/p' >"$tmp/inline"
		while read -r word; do
			grep -Eq -- "(^|[^a-z-])$word([^a-z-]|\$)" "$tmp/inline" ||
				fail "inline option \`$word' of gretunctl help words is not in gretunctl(8), Inline options"
		done <"$tmp/words"
		echo "checked $(wc -l <"$tmp/words") inline option words of gretunctl help words"
	fi
fi

# ---- 3. every man page renders without warnings ------------------------
pages=$(ls "$top_srcdir"/man/*.[1-8] 2>/dev/null)
if [ -z "$pages" ]; then
	fail "no man pages in $top_srcdir/man"
elif ! have groff; then
	skip "groff not installed (apt-get install groff-base): man pages not rendered"
else
	for page in $pages; do
		# -t: pages may use tables; -ww: all warnings; -z: no output
		groff -t -man -Tutf8 -ww -z "$page" >"$tmp/warn" 2>&1
		[ -s "$tmp/warn" ] && fail "groff warns on ${page##*/}: $(head -n 3 "$tmp/warn" | tr '\n' ' ')"
		if have man; then
			LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" \
				>/dev/null 2>"$tmp/warn"
			[ -s "$tmp/warn" ] && fail "man -l warns on ${page##*/}: $(head -n 3 "$tmp/warn" | tr '\n' ' ')"
		fi
	done
	echo "rendered: $(echo "$pages" | sed 's|.*/||' | tr '\n' ' ')"
fi

# ---- 4. shellcheck -------------------------------------------------------
if ! have shellcheck; then
	skip "shellcheck not installed (apt-get install shellcheck)"
else
	n=0
	for f in "$top_srcdir"/scripts/* "$top_srcdir/tests/integration/docs_check.sh"; do
		[ -f "$f" ] || continue
		shell=
		case $f in
		*.bash-completion) shell='bash' ;;
		*.sh) shell='sh' ;;
		esac
		first=$(head -n 1 "$f")
		case $first in
		'#!'*bash*) shell='bash' ;;
		'#!'*/sh | '#!'*/sh\ * | '#!'*dash*) shell='sh' ;;
		esac
		[ -n "$shell" ] || continue
		n=$((n + 1))
		shellcheck -s "$shell" "$f" >"$tmp/sc" 2>&1 ||
			fail "shellcheck ${f#"$top_srcdir"/}:
$(cat "$tmp/sc")"
	done
	echo "shellcheck: $n scripts"
fi

# The rendered text of one section of a page: SECTION up to the next one.
section() { # PAGE SECTION
	render_text "$1" | awk -v s="$2" '/^[A-Z]/ { on = ($0 == s) } on'
}

# ---- 5. drop reasons ---------------------------------------------------------
gre_c=$top_srcdir/src/lib/gre.c
man_d=$top_srcdir/man/gretund.8
if ! have groff; then
	skip "groff not installed: drop reasons not checked"
else
	grep -oE '\[GRE_DROP_[A-Z_]+\] *= *"[a-z_]+"' "$gre_c" | sed 's/.*"\(.*\)"/\1/' |
		sort -u >"$tmp/drops"
	[ -s "$tmp/drops" ] || fail "no drop reason table ([GRE_DROP_X] = \"x\") in src/lib/gre.c"
	render_text "$man8" | sed -n '/^ *JSON output/,/^CONFIGURATION FILE/p' | tr -s '\n ' '  ' >"$tmp/json"
	render_text "$man_d" | tr -s '\n ' '  ' | grep -oE 'by reason: [^.]*' >"$tmp/get"
	while read -r d; do
		grep -Eq "[ ,]$d \(" "$tmp/json" ||
			fail "drop reason \`$d' of src/lib/gre.c is not in gretunctl(8), JSON output (drops)"
		grep -Eq "[ :,]$d([ ,]|\$)" "$tmp/get" ||
			fail "drop reason \`$d' of src/lib/gre.c is not in gretund(8), get (\"by reason: ...\")"
	done <"$tmp/drops"
	echo "checked $(wc -l <"$tmp/drops") drop reasons of src/lib/gre.c"
fi

# The sources of gretunctl and the shared code (src/cli, src/lib), and
# gretund's own (src/daemon).
ctl_sources() { ls "$top_srcdir"/src/cli/*.c "$top_srcdir"/src/lib/*.c; }
daemon_sources() { ls "$top_srcdir"/src/daemon/*.c; }

# ---- 6. files in the runtime directory -----------------------------------------
# Names given to run_path()/runtime_path() (a suffix ".x" is NAME.x) and
# opened relative to the directory (openat(dfd, "name")).
runtime_files() {
	{
		grep -ohE 'run(time)?_path\([^;]*"[^"]+"' "$@" | grep -oE '"[^"]+"$'
		grep -ohE 'openat\([a-z]+, *"[^"/%]+"' "$@" | grep -oE '"[^"]+"$'
	} | tr -d '"' | sed 's/^\./NAME./' | sort -u
}
if ! have groff; then
	skip "groff not installed: runtime files not checked"
else
	section "$man8" FILES >"$tmp/files8"
	section "$man_d" FILES >"$tmp/filesd"
	n=0
	# shellcheck disable=SC2046
	for f in $(runtime_files $(ctl_sources)); do
		n=$((n + 1))
		grep -qF "$f" "$tmp/files8" ||
			fail "gretunctl writes \`$f' in /run/gretun/net-INODE/, which FILES of gretunctl(8) does not describe"
	done
	# shellcheck disable=SC2046
	for f in $(runtime_files $(daemon_sources)); do
		n=$((n + 1))
		grep -qF "$f" "$tmp/filesd" ||
			fail "gretund writes \`$f' in /run/gretun/net-INODE/, which FILES of gretund(8) does not describe"
	done
	[ "$n" -gt 0 ] || fail "no runtime files found in src/ (run_path/runtime_path)"
	echo "checked $n runtime files"
fi

# ---- 7. environment variables ----------------------------------------------------
getenvs() { grep -ohE 'getenv\("[A-Za-z_0-9]+"\)' "$@" | sed 's/.*"\(.*\)".*/\1/' | sort -u; }
if ! have groff; then
	skip "groff not installed: environment variables not checked"
else
	section "$man8" ENVIRONMENT >"$tmp/env8"
	section "$man_d" ENVIRONMENT >"$tmp/envd"
	# shellcheck disable=SC2046
	for v in $(getenvs $(ctl_sources)); do
		grep -qw -- "$v" "$tmp/env8" ||
			fail "gretunctl reads \$$v, which ENVIRONMENT of gretunctl(8) does not describe"
	done
	# shellcheck disable=SC2046
	for v in $(getenvs $(daemon_sources)); do
		grep -qw -- "$v" "$tmp/envd" ||
			fail "gretund reads \$$v, which ENVIRONMENT of gretund(8) does not describe"
	done
	echo "checked the environment variables of src/"
fi

# ---- 8. ip command lines quoted in the man pages -----------------------------------
# Bold quotes ("ip ...", or a whole .B line) and example lines ("# ip ...").
# An object and a verb alone ("ip route add") name a command: the verb must
# be in `ip OBJECT help'. A longer line runs in a new network namespace of
# its own (unshare -n, or -rn with a user namespace when not root), so it
# changes nothing here; it may fail in the
# kernel (no fou, no GRE), but not in iproute2's parser: exit status 255,
# or its "is unknown", "garbage", "is wrong" or usage text.
for page in "$top_srcdir"/man/*.[1-8]; do
	{
		grep -oE '"ip [^"]*"' "$page" | tr -d '"'
		sed -n 's/^\.B \(ip .*\)$/\1/p; s/^[#$] \(ip .*\)$/\1/p' "$page"
	} | sed 's/\\-/-/g; s/\\e/\\/g; s/ *$//'
done | sort -u >"$tmp/ipcmds"
if ! have ip; then
	skip "iproute2 (ip) not installed: the ip command lines of the man pages not checked"
elif ! { unshare -n true 2>/dev/null && netns="unshare -n"; } &&
	! { unshare -rn true 2>/dev/null && netns="unshare -rn"; }; then
	skip "cannot make a network namespace (unshare -n as root, or -rn): the ip command lines of the man pages not checked"
else
	n=0
	while read -r line; do
		# shellcheck disable=SC2086
		set -- $line
		shift
		while [ $# -gt 0 ]; do case $1 in -*) shift ;; *) break ;; esac; done
		n=$((n + 1))
		if [ $# -le 2 ]; then
			if [ $# != 2 ] || ! ip "$1" help 2>&1 | grep -qw -- "$2"; then
				fail "\`$line' quoted in man/: \`ip ${1:-} help' does not know \`${2:-}'"
			fi
			continue
		fi
		# the words as quoted: no quoting or globbing in them
		# shellcheck disable=SC2046
		$netns ip $(echo "$line" | sed 's/^ip //') >/dev/null 2>"$tmp/iperr"
		rc=$?
		if [ "$rc" = 255 ] || grep -Eq 'is unknown|garbage|is wrong|Usage:' "$tmp/iperr"; then
			fail "\`$line' quoted in man/ does not parse with $(ip -V 2>&1 | sed 's/.*, *iproute2/iproute2/; s/,.*//'): $(head -n 1 "$tmp/iperr")"
		fi
	done <"$tmp/ipcmds"
	echo "checked $n ip command lines of the man pages"
fi

# ---- 9. the examples pass gretunctl check ------------------------------------------
# From the .EX blocks of each page: config files (a block with [Tunnel],
# named by a "# /etc/gretun/NAME.conf" line in it, or by a preceding
# "# cat /etc/gretun/NAME.conf", else exN) and `gretunctl ... up ...' lines,
# `\e' continuations joined; from the README, its indented `gretunctl ...
# up' lines. The files of one block go to DIR/PAGE.N/, and the lines of
# that block run as `gretunctl -c DIR/PAGE.N check ...': a line sees the
# config files its own example shows, and no other.
if [ -z "$gretunctl" ]; then
	skip "gretunctl not built in $top_builddir: the examples not checked"
else
	# As root, under /run, not /tmp nor the build directory (which may
	# itself be below /tmp): hooks want every directory above the file to
	# be writable by root only (StrictModes). Others cannot have hooks at
	# all (below), and may not write there.
	if [ "$(id -u)" = 0 ]; then
		ex=$(mktemp -d -p /run gretun-docs.XXXXXX) || exit 99
		chmod 0755 "$ex" || exit 99
	else
		ex=$tmp/examples
		mkdir -m 0755 "$ex" || exit 99
	fi
	trap 'rm -rf "$tmp" "$ex"' EXIT
	for page in "$top_srcdir"/man/*.[1-8]; do
		awk -v ex="$ex" -v page="${page##*/}" '
		function unesc(s) { gsub(/\\-/, "-", s); gsub(/\\\(aq/, "\047", s); gsub(/\\e/, "\\", s); return s }
		function flush() {
			if (conf != "") {
				if (file == "") file = sprintf("ex%d", ++nex)
				printf "%s", conf > (dir "/" file ".conf"); close(dir "/" file ".conf")
			}
			conf = ""; file = ""; capture = 0
		}
		/^\.EX/ {
			inex = 1; conf = ""; file = ""; capture = 0; pend = ""
			dir = ex "/" page "." ++blk
			system("mkdir -m 0755 \047" dir "\047")
			next
		}
		/^\.EE/ { flush(); inex = 0; next }
		!inex { next }
		{
			line = unesc($0)
			if (pend != "") { sub(/^ +/, "", line); line = pend " " line; pend = "" }
			if (line ~ /\\$/) { sub(/ *\\$/, "", line); pend = line; next }
			if (line ~ /^# cat \/etc\/gretun\/[^ ]+\.conf$/) {
				flush(); file = line; sub(/.*\//, "", file); sub(/\.conf$/, "", file)
				capture = 1; next
			}
			if (line ~ /^([#$] )?gretunctl /) {
				if (capture) flush()
				sub(/^[#$] /, "", line)
				if (line ~ / up /) print dir "\t" line >> (ex "/commands")
				next
			}
			if (capture && line ~ /^[#$] [a-z]+ /) { flush(); next }
			if (line ~ /^# \/etc\/gretun\/[^ ]+\.conf$/) {
				file = line; sub(/.*\//, "", file); sub(/\.conf$/, "", file)
			}
			if (line ~ /^\[Tunnel\]/) capture = 1
			if (capture) conf = conf line "\n"
		}' "$page"
	done
	mkdir -m 0755 "$ex/README"
	awk -v dir="$ex/README" '
		pend != "" { sub(/^ +/, ""); line = pend " " $0; pend = "" ; cont = 1 }
		pend == "" && !cont { line = $0 }
		cont || line ~ /^ +gretunctl( .*)? up / {
			cont = 0
			sub(/^ +/, "", line)
			if (line ~ /\\$/) { sub(/ *\\$/, "", line); pend = line; next }
			print dir "\t" line >> (dir "/../commands")
		}' "$top_srcdir/README"
	if [ "$(id -u)" != 0 ]; then
		echo "# not root: [Hooks] sections left out of the examples (StrictModes wants root's files)"
		for f in "$ex"/*/*.conf; do
			[ -e "$f" ] && awk '/^\[/ { on = ($0 != "[Hooks]") } on' "$f" >"$f.tmp" && mv "$f.tmp" "$f"
		done
	fi
	# run_check WHAT DIR ARGS...: `gretunctl -c DIR check ARGS', with both
	# backends unless ARGS or the config file name one
	run_check() {
		what=$1 dir=$2; shift 2
		bes="--backend=kernel --backend=userspace"
		case " $* " in *" --backend"* | *" backend "*) bes="" ;; esac
		# a learning remote and persistent-keepalive are gretund's only
		prev=
		for a in "$@"; do
			case "$prev $a" in "remote any" | remote\ */* | "persistent-keepalive "*)
				bes="--backend=userspace" ;;
			esac
			prev=$a
		done
		for a in "$@"; do
			[ -f "$dir/$a.conf" ] && grep -Eq '^(Remote *= *(any|[^ ]*/)|PersistentKeepalive *=)' \
				"$dir/$a.conf" && bes="--backend=userspace"
			[ -f "$dir/$a.conf" ] && grep -q '^Backend *=' "$dir/$a.conf" && bes=""
		done
		for be in ${bes:-default}; do
			[ "$be" = default ] && be=
			# shellcheck disable=SC2086
			"$gretunctl" -q -c "$dir" $be check "$@" >"$tmp/chk" 2>&1 ||
				fail "$what fails \`gretunctl${be:+ $be} check': $(head -n 1 "$tmp/chk")"
		done
	}
	n=0
	for f in "$ex"/*/*.conf; do
		[ -e "$f" ] || continue
		name=${f##*/}; name=${name%.conf}
		d=${f%/*}
		n=$((n + 1))
		run_check "the example config $name.conf of ${d##*/}" "$d" "$name"
	done
	if [ -f "$ex/commands" ]; then
		tab=$(printf '\t')
		while IFS="$tab" read -r d cmd; do
			n=$((n + 1))
			# shellcheck disable=SC2046
			run_check "the example \`$cmd' of ${d##*/}" "$d" \
				$(echo "$cmd" | sed 's/^gretunctl //; s/\(^\| \)up / /')
		done <"$ex/commands"
	fi
	[ "$n" -gt 0 ] || fail "no examples found in man/ and README"
	echo "checked $n examples with gretunctl check"
fi

if [ "$failed" -ne 0 ]; then
	exit 1
fi
if [ "$skipped" -ne 0 ]; then
	exit 77
fi
exit 0
