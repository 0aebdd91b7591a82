#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Send one crafted GRE packet over a raw IPPROTO_GRE socket (the kernel adds
the outer IPv4 header). Usage: gretund_inject.py DST CASE [SEQ [SRC]]
Cases match gretund's drop reasons; "good" is a valid packet for a tunnel
with key 77, checksum and sequence numbers, carrying an ICMP echo request
from 203.0.113.2 to 203.0.113.1; "big" is one with a 9000-byte echo request
(this host's kernel fragments the outer packet)."""
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def inner_ping(size=64):
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x4242, 1) + b"x" * (size - 8)
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0, 64, 1, 0,
                     socket.inet_aton("203.0.113.2"), socket.inet_aton("203.0.113.1"))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + icmp


def gre(payload, flags=0xB000, key=77, seq=1, proto=0x0800, good_csum=True, version=0):
    hdr = struct.pack("!HH", flags | version, proto)
    opt = b""
    if flags & 0x8000:
        opt += b"\0\0\0\0"
    if flags & 0x2000:
        opt += struct.pack("!I", key)
    if flags & 0x1000:
        opt += struct.pack("!I", seq)
    pkt = hdr + opt + payload
    if flags & 0x8000:
        c = csum(pkt) if good_csum else 0x1234
        pkt = pkt[:4] + struct.pack("!H", c) + pkt[6:]
    return pkt


def main():
    dst, case = sys.argv[1], sys.argv[2]
    seq = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    p = inner_ping()
    pkts = {
        "good": gre(p, seq=seq),
        "truncated": gre(p, seq=seq)[:6],
        "zero": b"",
        "version": gre(p, seq=seq, version=1),
        "routing": gre(p, flags=0xF000, seq=seq),
        "key": gre(p, key=78, seq=seq),
        "csum": gre(p, seq=seq, good_csum=False),
        "flags": gre(p, flags=0x3000, seq=seq),
        "proto": gre(p, seq=seq, proto=0x6558),
        "inner": gre(p[:30], seq=seq),
        "big": gre(inner_ping(9000), seq=seq),
    }
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
    if len(sys.argv) > 4:
        s.bind((sys.argv[4], 0))
    s.sendto(pkts[case], (dst, 0))


main()
