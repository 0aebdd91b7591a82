#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The README's commands work in any order. After its in-tree build
# (`./configure && make'), automake refuses every other build directory of
# the tree: scripts/demo must then build in the tree, and scripts/check out
# of tree from a copy, both leaving the user's build as it is. Run in a
# scratch copy of the source tree, with the scripts' own build steps
# (--build), without apt-get.
set -u
PREFIX=gtso
. "$(dirname "$0")/lib.sh"
require_root
command -v make >/dev/null || skip_all "make not installed"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/scripts_order.XXXXXX")
tmp_dir "$scratch"
tar -C "$top_srcdir" --anchored --exclude=./.git --exclude=./build --exclude=./build-src \
	--exclude=./build-check --exclude=./build-asan --exclude=./build-fuzz \
	--exclude=./build-demo --exclude='./gretun-[0-9]*' -cf - . | tar -C "$scratch" -xf -
cd "$scratch" || exit 99
GRETUN_NO_APT=1
export GRETUN_NO_APT
# at most 2 parallel jobs: the scripts take nproc's
mkdir "$t_tmp/bin"
printf '#!/bin/sh\necho 2\n' >"$t_tmp/bin/nproc"
chmod +x "$t_tmp/bin/nproc"
PATH=$t_tmp/bin:$PATH

check "the README's in-tree build: autoreconf (if needed) and ./configure" \
	sh -c 'test -x configure || autoreconf -fi; ./configure -q'
check "scripts/demo --build after it" scripts/demo --build
check "the demo built in the tree, made no build-demo/" \
	sh -c 'test -x src/gretunctl && test -x src/gretund && test ! -e build-demo'
check "scripts/check --build after it" scripts/check --build
check "scripts/check built in build-check/" test -x build-check/src/gretunctl
check "from the copy build-src/, cleaned" sh -c 'test -x build-src/configure && test ! -e build-src/config.status'
check "the in-tree build is still there and still builds" \
	sh -c 'test -f config.status && test -f Makefile && test -x src/gretunctl && make -s src/gretunctl src/gretund'
finish
