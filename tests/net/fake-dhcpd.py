#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A scripted DHCP server for netd's tests: it misbehaves on purpose.

Usage: fake-dhcpd.py IFACE LOGFILE

  DISCOVER 1  no answer (the client must retransmit)
  DISCOVER 2  a malformed OFFER (option past the end), an OFFER with the
              wrong xid, then a good OFFER of 10.77.0.201
  REQUEST 1   NAK (the client must go back to INIT)
  DISCOVER 3  a good OFFER of 10.77.0.202
  REQUEST 2   ACK of 10.77.0.202, mask /24, router 10.77.0.1,
              DNS 10.77.0.9, lease 300 s
Every message received is logged as "<monotonic seconds> <TYPE> <xid>
<requested address>"; replies go to 255.255.255.255:68.
"""
import socket
import struct
import sys
import time

SERVER = "10.77.0.1"
TYPES = {1: "DISCOVER", 3: "REQUEST", 4: "DECLINE", 7: "RELEASE"}


def options(pkt):
    """Options of a request as {code: bytes}; stops at END."""
    out, i = {}, 240
    while i < len(pkt):
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


def reply(req, msg_type, yiaddr, opts, xid=None, raw_tail=None):
    """A BOOTREPLY for @req with message type @msg_type."""
    hdr = bytearray(req[:240])
    hdr[0] = 2
    if xid is not None:
        hdr[4:8] = struct.pack("!I", xid)
    hdr[16:20] = socket.inet_aton(yiaddr)
    hdr[20:24] = socket.inet_aton(SERVER)
    body = bytearray([53, 1, msg_type, 54, 4]) + socket.inet_aton(SERVER)
    for code, value in opts:
        body += bytes([code, len(value)]) + value
    if raw_tail is not None:
        body += raw_tail
    else:
        body.append(255)
    pkt = bytes(hdr + body)
    return pkt + bytes(max(0, 300 - len(pkt)))


def lease_opts(dns):
    return [(1, socket.inet_aton("255.255.255.0")),
            (3, socket.inet_aton(SERVER)),
            (6, socket.inet_aton(dns)),
            (51, struct.pack("!I", 300))]


def main():
    iface, logname = sys.argv[1], sys.argv[2]
    log = open(logname, "a", buffering=1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    s.bind(("0.0.0.0", 67))
    dest = ("255.255.255.255", 68)
    discovers = requests = 0
    log.write("ready\n")

    while True:
        pkt, _ = s.recvfrom(2048)
        if len(pkt) < 240 or pkt[0] != 1:
            continue
        opts = options(pkt)
        mtype = opts.get(53, b"\0")[0]
        xid = struct.unpack("!I", pkt[4:8])[0]
        want = socket.inet_ntoa(opts[50]) if len(opts.get(50, b"")) == 4 \
            else "-"
        log.write("%.3f %s %08x %s\n" % (time.monotonic(),
                                         TYPES.get(mtype, str(mtype)),
                                         xid, want))
        if mtype == 1:
            discovers += 1
            if discovers == 2:
                # option 3 claims 200 bytes: runs past the packet's end
                bad = reply(pkt, 2, "10.77.0.66", [],
                            raw_tail=bytes([3, 200, 10, 77]))
                s.sendto(bad, dest)
                s.sendto(reply(pkt, 2, "10.77.0.67", lease_opts(SERVER),
                               xid=xid ^ 1), dest)
                s.sendto(reply(pkt, 2, "10.77.0.201",
                               lease_opts(SERVER)), dest)
            elif discovers >= 3:
                s.sendto(reply(pkt, 2, "10.77.0.202",
                               lease_opts(SERVER)), dest)
        elif mtype == 3:
            requests += 1
            if requests == 1:
                s.sendto(reply(pkt, 6, "0.0.0.0", []), dest)
            else:
                s.sendto(reply(pkt, 5, want, lease_opts("10.77.0.9")),
                         dest)


if __name__ == "__main__":
    main()
