#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Send one GRE packet carrying an ICMP(v6) echo request larger than the
tunnel MTU, as a peer whose tunnel MTU is larger than its underlay's does:
the GRE packet goes out of a raw IPPROTO_GRE socket (or a UDP socket for
GRE-in-UDP) and this host's kernel fragments the outer packet. Run inside
the peer's network namespace.

Usage: gretund_big.py DST SIZE [--inner 4|6] [--key N] [--csum]
                      [--tap SRCMAC DSTMAC] [--udp PORT] [--print]
DST is the tunnel's underlay address (IPv4 or IPv6). SIZE is the inner IP
packet's length in bytes, or "max": the largest that the outer packet can
hold (65535 bytes of IPv4 packet, 65535 bytes of IPv6 payload). The echo
request goes from 203.0.113.2 to 203.0.113.1 (2001:db8:201::2 to ::1).
--print prints the inner size and sends nothing."""
import argparse
import socket
import struct

INNER4 = ("203.0.113.2", "203.0.113.1")
INNER6 = ("2001:db8:201::2", "2001:db8:201::1")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def echo4(size):
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x4247, 1) + b"x" * (size - 28)
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, size, 0x4247, 0, 64, 1, 0,
                     socket.inet_aton(INNER4[0]), socket.inet_aton(INNER4[1]))
    return ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + icmp


def echo6(size):
    src, dst = (socket.inet_pton(socket.AF_INET6, a) for a in INNER6)
    plen = size - 40
    icmp = struct.pack("!BBHHH", 128, 0, 0, 0x4247, 1) + b"x" * (plen - 8)
    pseudo = src + dst + struct.pack("!IxxxB", plen, 58)
    icmp = icmp[:2] + struct.pack("!H", csum(pseudo + icmp)) + icmp[4:]
    return struct.pack("!IHBB", 0x60000000, plen, 58, 64) + src + dst + icmp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dst")
    ap.add_argument("size")
    ap.add_argument("--inner", type=int, choices=(4, 6), default=4)
    ap.add_argument("--key", type=int)
    ap.add_argument("--csum", action="store_true")
    ap.add_argument("--tap", nargs=2, metavar=("SRCMAC", "DSTMAC"))
    ap.add_argument("--udp", type=int, metavar="PORT")
    ap.add_argument("--print", action="store_true", help="only print the inner size")
    a = ap.parse_args()

    v6 = ":" in a.dst
    flags = (0x8000 if a.csum else 0) | (0x2000 if a.key is not None else 0)
    ghl = 4 + (4 if a.csum else 0) + (4 if a.key is not None else 0)
    eth = 14 if a.tap else 0
    if a.size == "max":
        room = 65535 - (0 if v6 else 20) - (8 if a.udp else 0) - ghl - eth
        size = room
    else:
        size = int(a.size)
    if a.print:
        print(size)
        return
    inner = echo6(size) if a.inner == 6 else echo4(size)
    proto = 0x86DD if a.inner == 6 else 0x0800
    if a.tap:
        mac = [bytes.fromhex(m.replace(":", "")) for m in a.tap]
        inner = mac[1] + mac[0] + struct.pack("!H", proto) + inner
        proto = 0x6558
    g = struct.pack("!HH", flags, proto)
    if a.csum:
        g += b"\0\0\0\0"
    if a.key is not None:
        g += struct.pack("!I", a.key)
    g = bytearray(g + inner)
    if a.csum:
        struct.pack_into("!H", g, 4, csum(bytes(g)))
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    if a.udp:
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.sendto(bytes(g), (a.dst, a.udp))
    else:
        s = socket.socket(fam, socket.SOCK_RAW, 47)
        s.sendto(bytes(g), (a.dst, 0))


main()
