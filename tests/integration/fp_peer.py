#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The far end for fp_prog.sh: send one GRE packet (raw GRE socket, or UDP
to port 4754 for GRE-in-UDP) carrying an ICMP/ICMPv6 echo request to the
fast-path host's tunnel address, and wait up to 3 s for the echo reply
that its TC programs send back encapsulated. Exit 0 when the reply came
with the expected GRE header and inner addresses, 1 otherwise.

Usage: fp_peer.py MODE LOCAL REMOTE INNER_SRC INNER_DST [KEY [DST_MAC SRC_MAC]]
MODE: gre | udp | tap. LOCAL/REMOTE: this end and the fast-path host
(IPv4 or IPv6 alike). KEY: GRE key, or - for none. For tap, the inner
Ethernet addresses of the request (the reply swaps them)."""
import select
import socket
import struct
import sys


def csum(d):
    if len(d) % 2:
        d += b"\0"
    s = sum(struct.unpack("!%dH" % (len(d) // 2), d))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def echo(src, dst):
    data = b"fastpath" * 8
    if ":" not in src:
        icmp = struct.pack("!BBHHH", 8, 0, 0, 0x1234, 1) + data
        icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0x4000, 64, 1, 0,
                        socket.inet_aton(src), socket.inet_aton(dst))
        return 0x0800, h[:10] + struct.pack("!H", csum(h)) + h[12:] + icmp
    s6 = socket.inet_pton(socket.AF_INET6, src)
    d6 = socket.inet_pton(socket.AF_INET6, dst)
    icmp = struct.pack("!BBHHH", 128, 0, 0, 0x1234, 1) + data
    icmp = icmp[:2] + struct.pack("!H", csum(s6 + d6 + struct.pack("!I3xB", len(icmp), 58) + icmp)) + icmp[4:]
    return 0x86DD, struct.pack("!IHBB", 6 << 28, len(icmp), 58, 64) + s6 + d6 + icmp


def is_reply(proto, inner, src):
    if proto == 0x0800:
        return len(inner) > 20 and inner[9] == 1 and inner[20] == 0 and \
            inner[12:16] == socket.inet_aton(src)
    return len(inner) > 40 and inner[6] == 58 and inner[40] == 129 and \
        inner[8:24] == socket.inet_pton(socket.AF_INET6, src)


def main():
    mode, local, remote, isrc, idst = sys.argv[1:6]
    key = None if len(sys.argv) < 7 or sys.argv[6] == "-" else int(sys.argv[6], 0)
    v6 = ":" in local
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    proto, inner = echo(isrc, idst)
    if mode == "tap":
        dmac = bytes.fromhex(sys.argv[7].replace(":", ""))
        smac = bytes.fromhex(sys.argv[8].replace(":", ""))
        inner = dmac + smac + struct.pack("!H", proto) + inner
        proto = 0x6558
    flags = 0x2000 if key is not None else 0
    gre = struct.pack("!HH", flags, proto) + (struct.pack("!I", key) if key is not None else b"")
    if mode == "udp":
        s = socket.socket(fam, socket.SOCK_DGRAM)
        if not v6:
            s.setsockopt(socket.SOL_SOCKET, 11, 1)  # SO_NO_CHECK: zero checksum, as fou
        s.bind((local, 4754))
        s.sendto(gre + inner, (remote, 4754))
    else:
        s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_GRE)
        s.bind((local, 0))
        s.sendto(gre + inner, (remote, 0))
    while True:
        r, _, _ = select.select([s], [], [], 3)
        if not r:
            print("no reply")
            return 1
        pkt, addr = s.recvfrom(65535)
        if mode != "udp" and not v6:
            pkt = pkt[(pkt[0] & 15) * 4:]  # raw IPv4 socket: outer header
        f, p = struct.unpack("!HH", pkt[:4])
        off = 8 if f & 0x2000 else 4
        k = struct.unpack("!I", pkt[4:8])[0] if f & 0x2000 else None
        body = pkt[off:]
        print("reply from %s: GRE flags %#x proto %#x key %s, %d bytes inside" %
              (addr[0], f, p, k, len(body)))
        if k != key:
            continue
        if mode == "tap":
            if p != 0x6558 or body[0:6] != smac or body[6:12] != dmac:
                continue
            p = struct.unpack("!H", body[12:14])[0]
            body = body[14:]
        if is_reply(p, body, idst):
            return 0


sys.exit(main())
