#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Traffic for the restart tests: a fixed-rate UDP stream with sequence
numbers (the receiver counts the lost ones and the longest gap between two
arrivals), and a paced TCP transfer whose sha256 both ends print.

  udp-recv ADDR PORT TIMEOUT        -> "received N lost L max_gap_ms G"
  udp-send ADDR PORT RATE SECONDS   -> "sent N"
  tcp-recv ADDR PORT TIMEOUT        -> "sha256 HEX bytes N"
  tcp-send ADDR PORT BYTES SECONDS  -> "sha256 HEX bytes N"
"""
import hashlib
import os
import socket
import struct
import sys
import time


def udp_recv(addr, port, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((addr, port))
    s.settimeout(timeout)
    seen = set()
    total = None
    last = None
    max_gap = 0.0
    print("ready", flush=True)
    while True:
        try:
            data = s.recv(2048)
        except socket.timeout:
            break
        seq, tot = struct.unpack("!II", data[:8])
        if seq == 0xffffffff:
            total = tot
            break
        now = time.monotonic()
        if last is not None:
            max_gap = max(max_gap, now - last)
        last = now
        seen.add(seq)
    if total is None:
        total = max(seen) + 1 if seen else 0
    print("received %d lost %d max_gap_ms %.1f" % (len(seen), total - len(seen), max_gap * 1000))


def udp_send(addr, port, rate, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    n = int(rate * seconds)
    start = time.monotonic()
    pad = b"x" * 100
    for i in range(n):
        t = start + i / rate
        d = t - time.monotonic()
        if d > 0:
            time.sleep(d)
        s.sendto(struct.pack("!II", i, n) + pad, (addr, port))
    time.sleep(0.5)  # let the last ones arrive before the end marker
    for _ in range(5):
        s.sendto(struct.pack("!II", 0xffffffff, n), (addr, port))
        time.sleep(0.05)
    print("sent %d" % n)


def tcp_recv(addr, port, timeout):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(1)
    ls.settimeout(timeout)
    print("ready", flush=True)
    c, _ = ls.accept()
    c.settimeout(timeout)
    h = hashlib.sha256()
    n = 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        h.update(b)
        n += len(b)
    print("sha256 %s bytes %d" % (h.hexdigest(), n))


def tcp_send(addr, port, nbytes, seconds):
    c = socket.create_connection((addr, port), timeout=30)
    h = hashlib.sha256()
    chunk = 16384
    chunks = (nbytes + chunk - 1) // chunk
    start = time.monotonic()
    sent = 0
    for i in range(chunks):
        b = os.urandom(min(chunk, nbytes - sent))
        h.update(b)
        c.sendall(b)
        sent += len(b)
        d = start + (i + 1) * seconds / chunks - time.monotonic()
        if d > 0:
            time.sleep(d)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
    c.close()
    print("sha256 %s bytes %d" % (h.hexdigest(), sent))


def main():
    mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "udp-recv":
        udp_recv(addr, port, float(sys.argv[4]))
    elif mode == "udp-send":
        udp_send(addr, port, float(sys.argv[4]), float(sys.argv[5]))
    elif mode == "tcp-recv":
        tcp_recv(addr, port, float(sys.argv[4]))
    elif mode == "tcp-send":
        tcp_send(addr, port, int(sys.argv[4]), float(sys.argv[5]))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
