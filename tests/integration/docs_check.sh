#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The documentation matches the program, and the shipped scripts are clean:
#  1. every command and global option in `gretunctl --help` is in gretunctl(8);
#  2. every config key in the key table of src/lib/config.c is in gretun.conf(5);
#  3. every man page in man/ renders without a single groff/man warning;
#  4. shellcheck passes on the shell scripts in scripts/ and on this file.
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

# Plain text of a man page: no bold, underline or hyphenation marks, ASCII
# hyphens, one long line per paragraph line.
render_text() {
	groff -man -Tascii -P-cbou -rLL=200n "$1" 2>/dev/null
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
fi

# ---- 2. config keys vs gretun.conf(5) ----------------------------------
config_c=$top_srcdir/src/lib/config.c
if ! have groff; then
	skip "groff not installed: config keys not checked"
elif [ ! -f "$config_c" ]; then
	skip "src/lib/config.c does not exist yet: config keys not checked"
else
	# The key table: quoted CamelCase words opening a table row, as in
	# OPT("Mode", "mode", ...), { "Mode", ... }, .key = "Mode" or
	# [SEC_TUNNEL] = "Tunnel".
	grep -oE '(\{ *|\.[a-z_]+ *= *|\] *= *|[A-Z_]+\( *)"[A-Z][A-Za-z0-9]*"' "$config_c" |
		sed 's/.*"\(.*\)"/\1/' | sort -u >"$tmp/keys"
	if [ ! -s "$tmp/keys" ]; then
		skip "no key table (OPT(\"Key\", ...) or { \"Key\", ... }) found in src/lib/config.c: config keys not checked"
	else
		# the key descriptions, not the examples
		render_text "$man5" | sed '/^EXAMPLES/,$d' >"$tmp/man5"
		while read -r key; do
			grep -Eq "^ +$key = " "$tmp/man5" && continue
			grep -Fq "[$key]" "$tmp/man5" && continue
			fail "config key \`$key' of src/lib/config.c is not described in gretun.conf(5)"
		done <"$tmp/keys"
		# the other way round: documented keys the parser does not know
		grep -oE '^ {7}[A-Z][A-Za-z0-9]* = ' "$tmp/man5" |
			sed 's/^ *\([^ ]*\) = $/\1/' | sort -u >"$tmp/dockeys"
		for key in $(comm -13 "$tmp/keys" "$tmp/dockeys"); do
			fail "gretun.conf(5) describes \`$key', which src/lib/config.c does not parse"
		done
		echo "checked $(wc -l <"$tmp/keys") config keys of src/lib/config.c"
	fi
	# The inline words of `up`: the second column of OPT(KEY|NULL, "word", ...)
	# rows, to be found in the "Inline options" part of gretunctl(8).
	sed -n 's/.*OPT( *\("[A-Za-z0-9]*"\|NULL\) *, *"\([a-z0-9-]*\)".*/\2/p' "$config_c" |
		sort -u >"$tmp/words"
	if [ -s "$tmp/words" ]; then
		render_text "$man8" | sed -n '/^ *Inline options/,/^ *JSON output/p' >"$tmp/inline"
		while read -r word; do
			grep -Eq -- "(^|[^a-z-])$word([^a-z-]|\$)" "$tmp/inline" ||
				fail "inline option \`$word' of src/lib/config.c is not in gretunctl(8), Inline options"
		done <"$tmp/words"
		echo "checked $(wc -l <"$tmp/words") inline option words of src/lib/config.c"
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

if [ "$failed" -ne 0 ]; then
	exit 1
fi
if [ "$skipped" -ne 0 ]; then
	exit 77
fi
exit 0
