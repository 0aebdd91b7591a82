#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Send a Cisco GRE keepalive probe, built independently with scapy, from ME
to PEER (run it in ME's namespace) and wait for the reflected inner packet:
GRE from PEER to ME with protocol type 0x0000 (and KEY, if given, in both GRE
headers). The probe is Cisco's: outer IPv4 ME->PEER, GRE 0x0800, inner IPv4
PEER->ME protocol 47 TTL 255, inner GRE protocol 0 and no payload.
Usage: keepalive_probe.py ME PEER [KEY]. Exit 0 when the reply comes."""
import select
import socket
import sys
import time

from scapy.all import GRE, IP, conf, send

me, peer = sys.argv[1], sys.argv[2]
key = int(sys.argv[3]) if len(sys.argv) > 3 else None
conf.verb = 0


def gre(proto):
    if key is None:
        return GRE(proto=proto)
    return GRE(key_present=1, key=key, proto=proto)


probe = IP(src=me, dst=peer) / gre(0x0800) / IP(src=peer, dst=me, ttl=255) / gre(0)
# every GRE packet reaching this namespace, whoever else reads them too
rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_GRE)


def is_reply(p):
    if IP not in p or p[IP].src != peer or p[IP].dst != me or GRE not in p:
        return False
    g = p[GRE]
    if g.proto != 0 or len(g.payload) != 0:
        return False
    return (key is None and not g.key_present) or (g.key_present and g.key == key)


for attempt in range(5):
    send(probe)
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        r, _, _ = select.select([rx], [], [], max(0.0, deadline - time.monotonic()))
        if not r:
            break
        p = IP(rx.recv(65535))
        if is_reply(p):
            print("reply: " + p.summary())
            sys.exit(0)
sys.exit("no reply to the probe")
