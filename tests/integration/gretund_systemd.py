#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Plays systemd for gretund_systemd.sh: binds the abstract control socket
# (gretund.socket), starts gretund with it as fd 3 (LISTEN_FDS/LISTEN_PID)
# and a notify socket (NOTIFY_SOCKET), and writes every notify message to a
# log, one a line, prefixed by the sender's pid. Usage: GRETUND NOTIFY LOG
import os
import socket
import struct
import sys

gretund, notify_path, log_path = sys.argv[1:4]
ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
ns.bind(notify_path)
ns.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
ls.bind("\0gretun/gretund")
ls.listen(16)
pid = os.fork()
if pid == 0:
    os.dup2(ls.fileno(), 3)
    os.set_inheritable(3, True)
    env = dict(os.environ, LISTEN_FDS="1", LISTEN_PID=str(os.getpid()), NOTIFY_SOCKET=notify_path)
    os.execve(gretund, [gretund], env)
ls.close()
with open(log_path, "a", buffering=1) as log:
    log.write("STARTED %d\n" % pid)
    while True:
        msg, anc, _, _ = ns.recvmsg(4096, socket.CMSG_SPACE(12))
        sender = 0
        for level, typ, data in anc:
            if level == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS:
                sender = struct.unpack("iII", data[:12])[0]
        for line in msg.decode(errors="replace").splitlines():
            log.write("%d %s\n" % (sender, line))
