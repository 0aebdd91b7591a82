#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Differential receive test helper (test_diff.sh): Linux ip_gre vs gretund.

craft_gre.py's packet set is made with a unique ICMP echo sequence number in
every inner packet (and the test's own overlay addresses), so each answer a
receiver gives can be tied to the packet that caused it:
  - an echo reply coming back through the receiver's tunnel = delivered;
  - an ICMP/ICMPv6 error whose quote holds the echo request = that error.

  diff_gre.py send MAP --local A --remote B [craft options] [--gap MS]
        (run inside the sender namespace) send the set, write MAP (JSON)
  diff_gre.py analyze MAP PCAP RECEIVER OUT
        what came back from RECEIVER (its underlay address), per packet (JSON)
  diff_gre.py compare KNOWN CONFIG KERNEL.json GRETUND.json
        print the mismatches; exit 1 if one is not in KNOWN
"""
import fnmatch
import json
import os
import re
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import craft_gre  # noqa: E402

ICMP_ID = 0x47
_seq = [0]


def _tagged(cls):
    def make(*a, **kw):
        _seq[0] += 1
        kw["id"] = ICMP_ID
        kw["seq"] = _seq[0]
        return cls(*a, **kw)
    return make


craft_gre.ICMP = _tagged(craft_gre.ICMP)
craft_gre.ICMPv6EchoRequest = _tagged(craft_gre.ICMPv6EchoRequest)
# this test's overlay range (203.0.113.64/26, 2001:db8:401::/48)
craft_gre.INNER4_SRC, craft_gre.INNER4_DST = "203.0.113.65", "203.0.113.66"
craft_gre.INNER6_SRC, craft_gre.INNER6_DST = "2001:db8:401::1", "2001:db8:401::2"

REQ = re.compile(rb"[\x08\x80]\x00..\x00\x47(..)", re.S)
REP = re.compile(rb"[\x00\x81]\x00..\x00\x47(..)", re.S)
FRAG = re.compile(r"^(.*)_fragment_(\d+)_of_(\d+)$")


def cmd_send(argv):
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("map")
    ap.add_argument("--local", required=True)
    ap.add_argument("--remote", required=True)
    ap.add_argument("--key", type=lambda s: int(s, 0))
    ap.add_argument("--csum", action="store_true")
    ap.add_argument("--seq", action="store_true")
    ap.add_argument("--mode")
    ap.add_argument("--gap", type=float, default=100)
    a = ap.parse_args(argv)
    pk = craft_gre.craft(a.local, a.remote, a.key, a.csum, a.seq, a.mode)
    rows, group = [], None
    for name, data, verdict in pk:
        m = REQ.search(data)
        seq = struct.unpack("!H", m.group(1))[0] if m else None
        f = FRAG.match(name)
        if f:
            # the fragments of one packet are one row: the tag is in the
            # first fragment, the verdict on the last
            if f.group(2) == "1":
                group = {"name": f.group(1) + "_fragments", "seq": seq, "expect": verdict}
                rows.append(group)
            group["expect"] = verdict
        else:
            rows.append({"name": name, "seq": seq, "expect": verdict})
    with open(a.map, "w") as f:
        json.dump(rows, f)
    v6 = (pk[0][1][0] >> 4) == 6
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for name, data, _ in pk:
        dst = socket.inet_ntop(fam, data[24:40] if v6 else data[16:20])
        s.sendto(data, (dst, 0))
        f = FRAG.match(name)
        if not f or f.group(2) == f.group(3):   # fragments back to back
            time.sleep(a.gap / 1000.0)
    return 0


def gre_inner(g):
    """(proto, inner bytes) of a GRE packet, or None."""
    if len(g) < 4:
        return None
    flags, proto = struct.unpack("!HH", g[:4])
    hl = 4 + 4 * sum(bool(flags & b) for b in (0x8000, 0x2000, 0x1000))
    return (proto, g[hl:]) if len(g) >= hl else None


def ip_payload(pkt):
    """(version, proto, src, payload start offset) of an IP packet; proto
    is None for a fragment other than the first (an answer larger than the
    tunnel MTU leaves in inner fragments; its ICMP header is in the first)."""
    if pkt[0] >> 4 == 4:
        ihl = (pkt[0] & 15) * 4
        first = not struct.unpack("!H", pkt[6:8])[0] & 0x1FFF
        return 4, pkt[9] if first else None, socket.inet_ntop(socket.AF_INET, pkt[12:16]), ihl
    nh, off = pkt[6], 40
    # hop-by-hop, routing, fragment, dstopts
    while nh in (0, 43, 44, 60) and len(pkt) >= off + 8:
        if nh == 44:
            if struct.unpack("!H", pkt[off + 2:off + 4])[0] & 0xFFF8:
                return 6, None, socket.inet_ntop(socket.AF_INET6, pkt[8:24]), off
            nh, off = pkt[off], off + 8
            continue
        nh, off = pkt[off], off + (pkt[off + 1] + 1) * 8
    return 6, nh, socket.inet_ntop(socket.AF_INET6, pkt[8:24]), off


def normalize_error(pkt):
    """An ICMP error as hex, without what legitimately differs: IPv4 ID and
    header checksum, IPv6 flow label."""
    b = bytearray(pkt)
    if b[0] >> 4 == 4:
        b[4:6] = b"\0\0"
        b[10:12] = b"\0\0"
    else:
        b[1] &= 0xF0
        b[2:4] = b"\0\0"
    return bytes(b).hex()


def cmd_analyze(argv):
    from scapy.all import rdpcap  # noqa: E402
    mapf, pcap, receiver, outf = argv
    rows = json.load(open(mapf))
    by_seq = {r["seq"]: r["name"] for r in rows if r["seq"] is not None}
    res = {r["name"]: {"delivered": 0, "errors": []} for r in rows}
    res["(unattributed)"] = {"delivered": 0, "errors": []}
    for p in rdpcap(pcap):
        raw = bytes(p)
        et = struct.unpack("!H", raw[12:14])[0] if len(raw) >= 14 else 0
        if et not in (0x0800, 0x86DD):
            continue
        ip = raw[14:]
        ver, proto, src, off = ip_payload(ip)
        if src != receiver:
            continue
        body = ip[off:]
        if proto == 47:
            gi = gre_inner(body)
            if not gi:
                continue
            inner = gi[1]
            if gi[0] == 0x6558:     # Ethernet, maybe one 802.1Q tag
                inner = inner[18:] if inner[12:14] == b"\x81\x00" else inner[14:]
            # Only an echo reply at the ICMP header counts: a search through
            # the whole packet could match background traffic by chance.
            m = None
            if len(inner) >= 20 and inner[0] >> 4 in (4, 6):
                _, iproto, _, ioff = ip_payload(inner)
                if iproto in (1, 58):
                    m = REP.match(inner, ioff)
            if m:
                name = by_seq.get(struct.unpack("!H", m.group(1))[0], "(unattributed)")
                res[name]["delivered"] += 1
        elif (proto == 1 and body[:1] in (b"\x03", b"\x0b", b"\x0c")) or \
                (proto == 58 and body[:1] in (b"\x01", b"\x02", b"\x03", b"\x04")):
            # an error: who does it quote? (the quote's own echo request)
            m = REQ.search(body[8:])
            name = by_seq.get(struct.unpack("!H", m.group(1))[0], "(unattributed)") if m \
                else "(unattributed)"
            res[name]["errors"].append("%d/%d:%s" % (body[0], body[1], normalize_error(ip)))
    with open(outf, "w") as f:
        json.dump({"rows": rows, "res": res}, f)
    return 0


def summary(r):
    d = "delivered" if r["delivered"] else "dropped"
    errs = sorted(set(e.split(":")[0] for e in r["errors"]))
    return d + ("+icmp " + ",".join(errs) if errs else "")


def cmd_compare(argv):
    known_f, config, kf, gf = argv
    known = []
    if os.path.exists(known_f):
        for line in open(known_f):
            line = line.split("#", 1)[0].strip()
            if line:
                c, n = line.split()[:2]
                known.append((c, n))
    k, g = json.load(open(kf)), json.load(open(gf))
    names = [r["name"] for r in k["rows"]] + ["(unattributed)"]
    bad = exp = agree = 0
    print("  %-36s %-22s %-22s %s" % ("packet (" + config + ")", "kernel", "gretund", "status"))
    for n in names:
        kr, gr = k["res"][n], g["res"][n]
        ks, gs = summary(kr), summary(gr)
        same = ks == gs
        if same and sorted(set(kr["errors"])) != sorted(set(gr["errors"])):
            same = False
            gs += " (bytes)"
        if same:
            agree += 1
            continue
        listed = any(fnmatch.fnmatch(config, c) and fnmatch.fnmatch(n, p) for c, p in known)
        status = "known (gretund(8))" if listed else "MISMATCH"
        if listed:
            exp += 1
        else:
            bad += 1
        print("  %-36s %-22s %-22s %s" % (n, ks, gs, status))
        if not listed and gs.endswith("(bytes)"):
            print("    kernel:  %s" % sorted(set(kr["errors"])))
            print("    gretund: %s" % sorted(set(gr["errors"])))
    print("  %s: %d agree, %d known differences, %d mismatches" % (config, agree, exp, bad))
    return 1 if bad else 0


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    cmd, argv = sys.argv[1], sys.argv[2:]
    return {"send": cmd_send, "analyze": cmd_analyze, "compare": cmd_compare}[cmd](argv)


if __name__ == "__main__":
    sys.exit(main())
