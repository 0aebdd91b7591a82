#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# nat_roaming.sh with the server's tunnels on the eBPF fast path
# (Datapath=bpf): the learned peer in the maps, the traffic through the TC
# programs, following the NAT's moves (gretund(8), LEARNING and FAST PATH).
NAT_DATAPATH=bpf exec "$(dirname "$0")/nat_roaming.sh" "$@"
