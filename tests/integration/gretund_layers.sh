#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# gretund's parts call only into layers below their own (the list at the
# head of src/daemon/gretund.h), so its files have no cycle:
#  1. every file in src/daemon belongs to a part of the table below;
#  2. a file includes gretund headers of its own part or of lower layers
#     only;
#  3. a C file uses (calls, or takes the address of) gd_* functions of its
#     own part or of lower layers only: each gd_* function is looked up in
#     the C file that defines it, comments left out;
#  4. the part graph of (2) and (3) sorts (tsort): no cycle.
# Run it on another tree with top_srcdir=DIR.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
dir=$top_srcdir/src/daemon

# part layer (keep in step with src/daemon/gretund.h)
layers='core 0
log 0
loop 1
opener 1
priv 1
proc 1
offload 1
txmsg 1
dev 2
sock 2
supervisor 2
table 3
fp 4
keepalive 5
data 6
state 6
restart 7
ctl 8
main 9'

failed=0
fail() { echo "FAIL: $*"; failed=1; }

part_of() {
	case $1 in
	gretund.h) echo core ;;
	gretund.c) echo main ;;
	gretund_data_*.[ch]) echo data ;;	# the data path's files by concern
	gretund_fp_*.[ch]) echo fp ;;		# the fast path's, likewise
	gretund_*.[ch]) f=${1#gretund_}; echo "${f%.?}" ;;
	*) echo "?" ;;
	esac
}

layer_of() {
	echo "$layers" | awk -v p="$1" '$1 == p { print $2; found = 1 } END { if (!found) print "?" }'
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gretund_layers.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
edges=$tmp/edges
: >"$edges"

# The code without comments (the C preprocessor's own rule), no includes.
strip() {
	${CC:-cc} -fpreprocessed -dD -E -P "$1" 2>/dev/null
}

if ! echo 'int x; /* y */' | ${CC:-cc} -fpreprocessed -dD -E -P - >/dev/null 2>&1; then
	echo "SKIP: no C compiler (\`${CC:-cc}') to read the code without its comments"
	exit 77
fi

# "FUNCTION PART" for every gd_* function a C file defines (not static).
for path in "$dir"/*.c; do
	strip "$path" | awk -v part="$(part_of "${path##*/}")" '
		/^[a-z]/ && !/^static/ && !/;[ \t]*$/ && match($0, /gd_[a-z0-9_]+\(/) {
			print substr($0, RSTART, RLENGTH - 1), part
		}'
done >"$tmp/defs"
[ -s "$tmp/defs" ] || fail "no gd_* function definitions found in $dir"

for path in "$dir"/*.c "$dir"/*.h; do
	file=${path##*/}
	part=$(part_of "$file")
	layer=$(layer_of "$part")
	if [ "$layer" = "?" ]; then
		fail "$file: part \`$part' is in no layer (add it to $0 and src/daemon/gretund.h)"
		continue
	fi
	echo "$part $part" >>"$edges"
	for inc in $(sed -n 's/^#include "\(gretund[a-z_]*\.h\)".*/\1/p' "$path"); do
		[ -f "$dir/$inc" ] || continue		# src/lib's: below every part
		ipart=$(part_of "$inc")
		[ "$ipart" = "$part" ] && continue
		echo "$part $ipart" >>"$edges"
		ilayer=$(layer_of "$ipart")
		if [ "$ilayer" = "?" ] || [ "$ilayer" -ge "$layer" ]; then
			fail "$file (layer $layer) includes $inc (layer $ilayer): a call into a layer at or above its own"
		fi
	done
	case $file in *.h) continue ;; esac
	for fn in $(strip "$path" | grep -o 'gd_[a-z0-9_]*' | sort -u); do
		fpart=$(awk -v f="$fn" '$1 == f { print $2; exit }' "$tmp/defs")
		[ -n "$fpart" ] && [ "$fpart" != "$part" ] || continue
		echo "$part $fpart" >>"$edges"
		flayer=$(layer_of "$fpart")
		if [ "$flayer" = "?" ] || [ "$flayer" -ge "$layer" ]; then
			fail "$file (layer $layer) uses $fn of $fpart (layer $flayer): a call into a layer at or above its own"
		fi
	done
done

if ! tsort "$edges" >/dev/null 2>"$tmp/err"; then
	# the first loop tsort reports: "tsort: PART" lines after the first header
	fail "cycle between parts: $(awk '/input contains a loop/ { n++; next }
		n == 1 { sub(/^tsort: /, ""); printf "%s -> ", $0 }' "$tmp/err")..."
fi

[ "$failed" = 0 ] && echo "PASS: gretund's parts call downwards only"
exit "$failed"
