#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Craft the GRE differential-test packet set and optionally send it.

craft(local, remote, ...) returns [(name, outer_ip_packet_bytes, verdict)],
the packets a peer at `remote` sends to a tunnel endpoint at `local`, and
what a Linux ip_gre/ip6_gre receiver configured with (key, csum, seq, mode)
does with each, in order (sequence-number state carries from one packet to
the next, exactly as in the kernel):

  deliver[:ecn=N]  inner packet comes out of the tunnel device (N = the inner
                   ECN codepoint after decapsulation, when ECN is involved)
  deliver-log      delivered, and the kernel logs "non-ECT from ..."
  deliver-nonip    Linux passes a non-IP protocol up (a known difference:
                   gretund's TUN cannot, it drops it)
  drop             silently dropped
  port-unreach     no tunnel matches: ICMP(v6) port unreachable to the sender
  pending          an outer fragment; the verdict is on the last fragment
                   (the fragments of one packet are named
                   GROUP_fragment_I_of_N)

Usage:
  craft_gre.py list  --local A --remote B [--key N] [--csum] [--seq] [--mode M]
  craft_gre.py send  --netns NS --local A --remote B [...] [--only REGEX] [--gap MS]
  craft_gre.py pcap FILE --local A --remote B [...]

`send` writes every packet with a raw IPPROTO_RAW socket from inside the
network namespace NS (re-executing itself under `ip netns exec`); it refuses
to run without --netns so that nothing leaves the host's own stack.
"""
import argparse
import ipaddress
import json
import os
import re
import socket
import struct
import subprocess
import sys
import time
import warnings

warnings.filterwarnings("ignore")  # scapy's cryptography deprecation noise

# scapy assembles inner packets and fragments; Debian's python3-scapy lives in
# dist-packages, which a non-system python3 (pyenv, venv) does not search.
try:
    import scapy  # noqa: F401
except ImportError:
    sys.path.append("/usr/lib/python3/dist-packages")
from scapy.all import IP, IPv6, ICMP, ICMPv6EchoRequest, Ether, Dot1Q, Raw, fragment, \
    fragment6, IPv6ExtHdrFragment, wrpcap

GRE_CSUM, GRE_ROUTING, GRE_KEY, GRE_SEQ = 0x8000, 0x4000, 0x2000, 0x1000
P_IP, P_IPV6, P_TEB = 0x0800, 0x86DD, 0x6558

INNER4_SRC, INNER4_DST = "203.0.113.1", "203.0.113.2"
INNER6_SRC, INNER6_DST = "2001:db8:47:1::1", "2001:db8:47:1::2"
MAC_SRC, MAC_DST = "02:00:00:47:00:01", "02:00:00:47:00:02"


def csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def gre(flags, proto, payload=b"", key=None, seq=None, bad_csum=False, raw_flags=0):
    """GRE header + payload. flags: C/K/S bits decide which fields exist;
    raw_flags are OR-ed into the first 16 bits afterwards (reserved bits,
    version, routing) and are covered by the checksum."""
    h = struct.pack("!HH", flags | raw_flags, proto)
    if flags & GRE_CSUM:
        h += b"\0\0\0\0"
    if flags & GRE_KEY:
        h += struct.pack("!I", key & 0xFFFFFFFF)
    if flags & GRE_SEQ:
        h += struct.pack("!I", seq & 0xFFFFFFFF)
    pkt = bytearray(h + payload)
    if flags & GRE_CSUM:
        c = csum16(bytes(pkt))
        if bad_csum:
            c ^= 0x0101
        struct.pack_into("!H", pkt, 4, c)
    return bytes(pkt)


class Receiver:
    """The kernel's receive decision (gre_demux.c, ip_gre.c, ip_tunnel.c)."""

    def __init__(self, v6, key, csum, seq, tap):
        self.v6, self.key, self.csum, self.seq, self.tap = v6, key, csum, seq, tap
        self.next = 0

    def verdict(self, g, outer_src_ok=True, outer_ecn=0, inner_ecn=None, inner_ok=True):
        if not self.v6 and len(g) < 12:
            return "drop"
        if len(g) < 4:
            return "drop"
        flags, proto = struct.unpack("!HH", g[:4])
        if flags & 0x0007 or flags & GRE_ROUTING:
            return "drop"
        # IPv4 ip_gre reads bits 9-12 as part of the version (VERSION mask
        # 0x007f in gre_rcv's check): checked against the VM's kernel.
        if not self.v6 and flags & 0x0078:
            return "drop"
        hlen = 4 + 4 * sum(bool(flags & b) for b in (GRE_CSUM, GRE_KEY, GRE_SEQ))
        if len(g) < hlen:
            return "drop"
        off = 4
        if flags & GRE_CSUM:
            if csum16(g) != 0:
                return "drop"
            off += 4
        key = seq = None
        if flags & GRE_KEY:
            key = struct.unpack("!I", g[off:off + 4])[0]
            off += 4
        if flags & GRE_SEQ:
            seq = struct.unpack("!I", g[off:off + 4])[0]
        # tunnel lookup: source, key presence and value, table by protocol
        if not outer_src_ok:
            return "port-unreach"
        if (key is None) != (self.key is None) or (key is not None and key != self.key):
            return "port-unreach"
        # IP on a gretap tunnel misses the table: port unreachable. TEB on a
        # gre tunnel is dropped silently (seen on the VM's kernel).
        if proto == P_TEB and not self.tap:
            return "drop"
        if proto != P_TEB and self.tap:
            return "port-unreach"
        # ip_tunnel_rcv
        if bool(flags & GRE_CSUM) != self.csum:
            return "drop"
        if self.seq:
            if seq is None:
                return "drop"
            if self.next and ((seq - self.next) & 0xFFFFFFFF) >= 0x80000000:
                return "drop"
            self.next = (seq + 1) & 0xFFFFFFFF
        if not inner_ok:
            return "drop"
        if not self.tap and proto not in (P_IP, P_IPV6):
            return "deliver-nonip"
        if inner_ecn is None:
            return "deliver"
        if inner_ecn == 0:
            return {0: "deliver:ecn=0", 1: "deliver-log", 2: "deliver-log", 3: "drop"}[outer_ecn]
        if outer_ecn == 3:
            return "deliver:ecn=3"
        if outer_ecn == 1 and inner_ecn == 2:
            return "deliver:ecn=1"
        return "deliver:ecn=%d" % inner_ecn


def craft(local, remote, key=None, csum=False, seq=False, mode=None, seq_start=100):
    """Return [(name, outer_ip_packet_bytes, expected_kernel_verdict)]."""
    v6 = ipaddress.ip_address(local).version == 6
    if mode is None:
        mode = "ip6gre" if v6 else "gre"
    tap = mode.endswith("tap")
    rx = Receiver(v6, key, csum, seq, tap)
    out = []
    state = {"seq": seq_start, "frag_id": 0x47000000}

    def inner(version=4, ecn=0, vlan=False, size=0):
        pad = Raw(b"x" * size) if size else Raw(b"gretun")
        if version == 4:
            p = IP(src=INNER4_SRC, dst=INNER4_DST, tos=0xB8 | ecn, ttl=33) / ICMP(id=0x47) / pad
            et = P_IP
        else:
            p = IPv6(src=INNER6_SRC, dst=INNER6_DST, tc=0xB8 | ecn, hlim=33) / \
                ICMPv6EchoRequest(id=0x47) / pad
            et = P_IPV6
        if not tap:
            return et, bytes(p)
        e = Ether(src=MAC_SRC, dst=MAC_DST)
        if vlan:
            e = e / Dot1Q(vlan=7)
        return P_TEB, bytes(e / p)

    def frag6(g, tos, src, size):
        """IPv6 fragments of at most size bytes, made here: scapy's
        fragment6 refuses a payload of 65535 bytes with its fragment
        header, which Linux reassembles (the header is not counted)."""
        hdr = bytes(IPv6(src=src, dst=local, nh=44, hlim=64, tc=tos, plen=0))
        step = (size - 48) & ~7
        state["frag_id"] += 1
        frags = []
        for off in range(0, len(g), step):
            chunk = g[off:off + step]
            more = 1 if off + step < len(g) else 0
            fh = struct.pack("!BBHI", 47, 0, off | more, state["frag_id"])
            frags.append(hdr[:4] + struct.pack("!H", 8 + len(chunk)) + hdr[6:] + fh + chunk)
        return frags

    def outer(g, tos=0, src=remote, frag=None):
        if v6:
            o = IPv6(src=src, dst=local, nh=47, hlim=64, tc=tos) / Raw(g)
            if frag and len(g) > 0xFFFF - 8:
                return frag6(g, tos, src, frag)
            if frag:
                return [bytes(f) for f in fragment6(
                    IPv6(src=src, dst=local, hlim=64, tc=tos) / IPv6ExtHdrFragment(nh=47) /
                    Raw(g), frag)]
            return bytes(o)
        o = IP(src=src, dst=local, proto=47, ttl=64, tos=tos, flags=0 if frag else "DF") / Raw(g)
        if frag:
            return [bytes(f) for f in fragment(o, fragsize=frag)]
        return bytes(o)

    def std_flags():
        return (GRE_CSUM if csum else 0) | (GRE_KEY if key is not None else 0) | \
               (GRE_SEQ if seq else 0)

    def next_seq():
        s = state["seq"]
        state["seq"] = (s + 1) & 0xFFFFFFFF
        return s

    def add(name, g, tos=0, src_ok=True, inner_ecn=None, inner_ok=True, src=remote):
        v = rx.verdict(g, src_ok, tos & 3, inner_ecn, inner_ok)
        out.append((name, outer(g, tos, src), v))

    def good(name, version=4, flags=None, k=key, raw=0, bad=False, proto=None, payload=None,
             **kw):
        f = std_flags() if flags is None else flags
        et, p = inner(version)
        if proto is not None:
            et = proto
        if payload is not None:
            p = payload
        add(name, gre(f, et, p, key=k if k is not None else 0, seq=next_seq(),
                      bad_csum=bad, raw_flags=raw), **kw)

    good("baseline_ipv4")
    good("baseline_ipv6", version=6)
    if tap:
        good("baseline_vlan_ipv4", payload=inner(4, vlan=True)[1])
        good("wrong_table_proto_ipv4_on_tap", proto=P_IP, payload=bytes(
            IP(src=INNER4_SRC, dst=INNER4_DST) / ICMP()))
    else:
        good("wrong_table_proto_teb_on_l3", proto=P_TEB, payload=bytes(
            Ether(src=MAC_SRC, dst=MAC_DST) / IP(src=INNER4_SRC, dst=INNER4_DST) / ICMP()))
        good("unknown_proto_mpls_known_difference", proto=0x8847, payload=b"\x00\x01\x01\x40" * 8)

    # every C/K/S combination, with the configured key where K is set
    for f in range(8):
        flags = (GRE_CSUM if f & 1 else 0) | (GRE_KEY if f & 2 else 0) | (GRE_SEQ if f & 4 else 0)
        good("flags_%s%s%s" % ("C" if f & 1 else "-", "K" if f & 2 else "-", "S" if f & 4 else "-"),
             flags=flags)
    # checksum present and wrong, whether or not the tunnel wants one
    good("bad_csum", flags=std_flags() | GRE_CSUM, bad=True)
    # keys
    if key is not None:
        good("wrong_key", k=(key + 1) & 0xFFFFFFFF)
        good("key_absent", flags=std_flags() & ~GRE_KEY)
    else:
        good("key_present_on_keyless", flags=std_flags() | GRE_KEY, k=42)
        good("key_zero_present_on_keyless", flags=std_flags() | GRE_KEY, k=0)
    # wrong outer source
    other = str(ipaddress.ip_address(remote) + 1)
    good("wrong_source", src_ok=False, src=other)
    # RFC 1701 / reserved bits: Linux ignores all but routing and version
    # (and, over IPv4, bits 9-12: see verdict())
    for name, bits in (("strict_route", 0x0800), ("recursion_7", 0x0700), ("ack_bit", 0x0080),
                       ("reserved_9_12", 0x0078), ("all_ignored_bits", 0x0FF8)):
        good("reserved_" + name, raw=bits)
    good("routing_bit", raw=GRE_ROUTING)
    for ver in range(1, 8):
        good("version_%d" % ver, raw=ver)
    # truncations of the header, and too short to hold an inner header
    hl = 4 + 4 * bin(std_flags()).count("1")
    g = gre(std_flags(), P_TEB if tap else P_IP, b"", key=key or 0, seq=0)
    for n in range(0, hl):
        add("truncated_header_%d_of_%d" % (n, hl), g[:n])
    add("zero_length", b"")
    et, p = inner(4)
    add("short_inner_10", gre(std_flags(), et, p[:10], key=key or 0, seq=next_seq()),
        inner_ok=False)
    if not v6:
        add("ipv4_below_12_bytes", gre(0, P_IP, b"\x45" * 7))
    # ECN: outer x inner
    for o_ecn in range(4):
        for i_ecn in range(4):
            et, p = inner(4, ecn=i_ecn)
            add("ecn_outer%d_inner%d" % (o_ecn, i_ecn),
                gre(std_flags(), et, p, key=key or 0, seq=next_seq()),
                tos=0x20 | o_ecn, inner_ecn=i_ecn)
    et, p = inner(6, ecn=2)
    add("ecn_ipv6_outer1_inner2", gre(std_flags(), et, p, key=key or 0, seq=next_seq()),
        tos=0x01, inner_ecn=2)
    # outer fragments (the kernel reassembles before GRE sees anything)
    et, p = inner(4, size=1200)
    g = gre(std_flags(), et, p, key=key or 0, seq=next_seq())
    frags = outer(g, frag=600 if not v6 else 640)
    v = rx.verdict(g)
    for i, fb in enumerate(frags):
        out.append(("outer_fragment_%d_of_%d" % (i + 1, len(frags)), fb,
                    v if i == len(frags) - 1 else "pending"))
    # inner packets larger than the tunnel MTU, from a peer whose tunnel MTU
    # is larger than its underlay's (1500): outer fragments of 1500 bytes.
    # Linux checks no MTU on receive and delivers them (its answer leaves
    # fragmented at the inner level). 3000 bytes, and the largest inner IP
    # packet one outer packet holds: 65535 bytes of IPv4 packet or of IPv6
    # payload, less GRE (and Ethernet on gretap).
    room = (0xFFFF if v6 else 0xFFFF - 20) - hl - (14 if tap else 0)
    for name, version, total in (("big3000_ipv4", 4, 3000), ("big3000_ipv6", 6, 3000),
                                 ("max_ipv4", 4, room), ("max_ipv6", 6, room)):
        et, p = inner(version, size=total - (28 if version == 4 else 48))
        g = gre(std_flags(), et, p, key=key or 0, seq=next_seq())
        frags = outer(g, frag=1480 if not v6 else 1500)
        v = rx.verdict(g)
        for i, fb in enumerate(frags):
            out.append(("%s_outer_fragment_%d_of_%d" % (name, i + 1, len(frags)), fb,
                        v if i == len(frags) - 1 else "pending"))
    # sequence numbers: duplicates, gaps, late, wrap, next == 0
    if seq:
        # offsets from the receiver's expected next number (the kernel's i_seqno)
        steps = (("seq_in_order", 0), ("seq_duplicate", -1), ("seq_gap_plus_5", 4),
                 ("seq_late", -3), ("seq_jump_2e31_minus_2", 0x7FFFFFFE),
                 ("seq_jump_to_fffffff0", None), ("seq_ffffffff", None),
                 ("seq_after_wrap_anything", None), ("seq_late_after_wrap", None))
        fixed = {"seq_jump_to_fffffff0": 0xFFFFFFF0, "seq_ffffffff": 0xFFFFFFFF,
                 "seq_after_wrap_anything": 12345, "seq_late_after_wrap": 12000}
        for name, off in steps:
            n = fixed[name] if off is None else (rx.next + off) & 0xFFFFFFFF
            et, p = inner(4)
            add(name, gre(std_flags(), et, p, key=key or 0, seq=n))
        # a packet without S on a sequenced tunnel
        et, p = inner(4)
        add("seq_missing", gre(std_flags() & ~GRE_SEQ, et, p, key=key or 0))
    return out


def send(packets, gap_ms):
    v6 = packets and (packets[0][1][0] >> 4) == 6
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for name, data, verdict in packets:
        dst = socket.inet_ntop(fam, data[24:40] if v6 else data[16:20])
        s.sendto(data, (dst, 0))
        print(json.dumps({"name": name, "len": len(data), "expect": verdict}), flush=True)
        if gap_ms:
            time.sleep(gap_ms / 1000.0)
    s.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=("list", "send", "pcap"))
    ap.add_argument("file", nargs="?")
    ap.add_argument("--local", required=True)
    ap.add_argument("--remote", required=True)
    ap.add_argument("--key", type=lambda s: int(s, 0))
    ap.add_argument("--csum", action="store_true")
    ap.add_argument("--seq", action="store_true")
    ap.add_argument("--mode", choices=("gre", "gretap", "ip6gre", "ip6gretap"))
    ap.add_argument("--netns")
    ap.add_argument("--only", help="regex on packet names")
    ap.add_argument("--gap", type=float, default=2.0, help="ms between packets")
    a = ap.parse_args()

    pk = craft(a.local, a.remote, a.key, a.csum, a.seq, a.mode)
    if a.only:
        pk = [p for p in pk if re.search(a.only, p[0])]
    if a.command == "list":
        for name, data, verdict in pk:
            print("%-40s %5d  %s" % (name, len(data), verdict))
        return 0
    if a.command == "pcap":
        if not a.file:
            ap.error("pcap needs FILE")
        wrpcap(a.file, [(IPv6 if d[0] >> 4 == 6 else IP)(d) for _, d, _ in pk])
        return 0
    if not a.netns:
        ap.error("send needs --netns NS: packets are only sent from inside a namespace")
    if os.environ.get("CRAFT_GRE_IN_NETNS") != a.netns:
        env = dict(os.environ, CRAFT_GRE_IN_NETNS=a.netns)
        return subprocess.call(["ip", "netns", "exec", a.netns, sys.executable,
                                os.path.abspath(__file__)] + sys.argv[1:], env=env)
    send(pk, a.gap)
    return 0


if __name__ == "__main__":
    sys.exit(main())
