#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Send a Cisco GRE keepalive probe, built independently with scapy, from
ME to PEER (run in ME's namespace) and wait for the reflected inner packet:
a GRE packet from PEER to ME with protocol type 0. Exit 0 when it comes."""
import sys
from scapy.all import GRE, IP, AsyncSniffer, conf, send

me, peer = sys.argv[1], sys.argv[2]
conf.verb = 0
probe = IP(src=me, dst=peer) / GRE(proto=0x0800) / IP(src=peer, dst=me, ttl=255) / GRE(proto=0)
got = []


def is_reply(p):
    return (IP in p and p[IP].src == peer and p[IP].dst == me and p[IP].proto == 47
            and GRE in p and p[GRE].proto == 0)


for _ in range(3):
    sn = AsyncSniffer(iface="veth0", lfilter=is_reply, count=1, timeout=2)
    sn.start()
    sn.running or __import__("time").sleep(0.3)
    send(probe)
    sn.join()
    got = sn.results
    if got:
        print("reply: " + got[0].summary())
        sys.exit(0)
sys.exit("no reply to the probe")
