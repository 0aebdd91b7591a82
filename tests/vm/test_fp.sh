#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The fast path's TC programs on Debian 12's kernel (6.1): one VM boot runs
# tests/unit/check_fp there (guest_fp.sh), so the programs must pass the
# verifier of that kernel and give the same bytes as on this one. 6.1 lacks
# the DECAP_L3 flags of bpf_skb_adjust_room; the ingress program's other
# way (bpf_skb_change_proto) is what runs there for IPv6 in IPv4 and IPv4
# in IPv6. Then (guest_fp.sh) the programs route there: this kernel's GRE
# sends TSO super-packets to them, which they decapsulate (no DECAP_L4
# flags: the GSO type stays GRE or UDP tunnel) and the guest forwards over
# a veth, as they are and segmented in software. Skips (77) without root or qemu, or when check_fp is not built
# (configure without BPF).
set -u
vm_dir=$(cd "$(dirname "$0")" && pwd)
top_builddir=${top_builddir:-$(pwd)}
export top_builddir
. "$vm_dir/lib.sh"
vm_require

check_fp=$top_builddir/tests/unit/check_fp
if [ ! -x "$check_fp" ]; then
	echo "SKIP: $check_fp not built (configure found no BPF toolchain, or make check not run)"
	exit 77
fi
# check_fp and the libraries it needs beyond what the initramfs has
files="--file $check_fp:/check_fp"
for lib in $(ldd "$check_fp" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p'); do
	files="$files --file $lib:$lib"
done
# ethtool for tx off in the guest (guest_fp.sh skips that without)
ethtool=$(command -v ethtool) && files="$files --file $ethtool:usr/local/bin/ethtool"
# shellcheck disable=SC2086 # one word per --file argument
"$vm_dir/run.sh" "$vm_dir/guest_fp.sh" $files
