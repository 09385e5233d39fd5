#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A small, correct DHCP server for netd's lease tests, steered by files.

Usage: lease-dhcpd.py IFACE LOGFILE CONTROL_DIR ADDRESS [ADDRESS...]

Offers the first ADDRESS; a DECLINE moves on to the next one.  Leases
last 10 s with T1 2 s and T2 5 s.  A REQUEST for the current address
(option 50 or ciaddr) is ACKed, anything else NAKed.  In CONTROL_DIR:
  silent  present: nothing is answered (the server is "gone")
  nak     present: the next REQUEST is NAKed, then the file is removed
Every message is logged as
  <monotonic s> <TYPE> xid=<x> ciaddr=<a> req=<opt 50|-> sid=<opt 54|->
  dst=<unicast|broadcast>
"""
import os
import socket
import struct
import sys
import time

SERVER = "10.77.0.1"
TYPES = {1: "DISCOVER", 3: "REQUEST", 4: "DECLINE", 7: "RELEASE",
         8: "INFORM"}
IP_PKTINFO = 8
LEASE, T1, T2 = 10, 2, 5


def options(pkt):
    out, i = {}, 240
    while i + 1 < len(pkt):
        code = pkt[i]
        if code == 255:
            break
        if code == 0:
            i += 1
            continue
        n = pkt[i + 1]
        out[code] = pkt[i + 2:i + 2 + n]
        i += 2 + n
    return out


def addr_opt(opts, code):
    v = opts.get(code)
    return socket.inet_ntoa(v) if v and len(v) == 4 else "-"


def reply(req, msg_type, yiaddr):
    hdr = bytearray(req[:240])
    hdr[0] = 2
    hdr[16:20] = socket.inet_aton(yiaddr)
    hdr[20:24] = socket.inet_aton(SERVER)
    body = bytearray([53, 1, msg_type, 54, 4]) + socket.inet_aton(SERVER)
    if msg_type != 6:
        for code, value in [(1, socket.inet_aton("255.255.255.0")),
                            (3, socket.inet_aton(SERVER)),
                            (6, socket.inet_aton("10.77.0.9")),
                            (15, b"lease.example.test"),
                            (51, struct.pack("!I", LEASE)),
                            (58, struct.pack("!I", T1)),
                            (59, struct.pack("!I", T2))]:
            body += bytes([code, len(value)]) + value
    body.append(255)
    pkt = bytes(hdr + body)
    return pkt + bytes(max(0, 300 - len(pkt)))


def main():
    iface, logname, ctl = sys.argv[1], sys.argv[2], sys.argv[3]
    pool = sys.argv[4:]
    log = open(logname, "a", buffering=1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    s.bind(("0.0.0.0", 67))
    current = 0
    log.write("ready\n")

    while True:
        pkt, anc, _, _ = s.recvmsg(2048, 256)
        if len(pkt) < 240 or pkt[0] != 1:
            continue
        dst = "unicast"
        for level, kind, data in anc:
            if level == socket.IPPROTO_IP and kind == IP_PKTINFO:
                if data[8:12] == b"\xff\xff\xff\xff":
                    dst = "broadcast"
        opts = options(pkt)
        mtype = opts.get(53, b"\0")[0]
        ciaddr = socket.inet_ntoa(pkt[12:16])
        req = addr_opt(opts, 50)
        log.write("%.3f %s xid=%s ciaddr=%s req=%s sid=%s dst=%s\n" % (
            time.monotonic(), TYPES.get(mtype, str(mtype)),
            pkt[4:8].hex(), ciaddr, req, addr_opt(opts, 54), dst))

        if os.path.exists(os.path.join(ctl, "silent")):
            continue
        addr = pool[min(current, len(pool) - 1)]
        if mtype == 4:
            current += 1
            continue
        if mtype == 1:
            out, kind = reply(pkt, 2, addr), "OFFER"
        elif mtype == 3:
            wanted = req if req != "-" else ciaddr
            nak = os.path.join(ctl, "nak")
            if os.path.exists(nak) or wanted != addr:
                if os.path.exists(nak):
                    os.unlink(nak)
                out, kind = reply(pkt, 6, "0.0.0.0"), "NAK"
            else:
                out, kind = reply(pkt, 5, addr), "ACK"
        else:
            continue
        # RFC 2131 4.1: to ciaddr when the client has one.
        to = ciaddr if ciaddr != "0.0.0.0" and kind != "NAK" else \
            "255.255.255.255"
        s.sendto(out, (to, 68))
        log.write("%.3f sent %s of %s to %s\n" % (time.monotonic(), kind,
                                                  addr, to))


if __name__ == "__main__":
    main()
