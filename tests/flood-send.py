#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Floods a SIP UA with junk over UDP, paced to a rate (loopback only).

    flood-send.py SRC_IP DST_IP DST_PORT RATE SECONDS

Sends from SRC_IP (an ephemeral port) a mix of: OPTIONS, REGISTER,
INVITEs whose offer has no common codec (so none can take the line),
BYEs and CANCELs for unknown dialogs, truncated messages and binary
garbage; every message has a fresh Call-ID and branch.  Answers are
read and counted without blocking.  Prints one line:
    sent N in S s (R/s), answers A
"""

import os
import random
import socket
import sys
import time


def messages(src, sport, dst, dport):
    sdp = ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
           "m=audio 9 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n" % (src, src))

    def req(method, body="", extra=""):
        n = random.getrandbits(48)
        head = ("%s sip:1000@%s:%d SIP/2.0\r\n"
                "Via: SIP/2.0/UDP %s:%d;rport;branch=z9hG4bK%x\r\n"
                "From: <sip:flood@%s>;tag=%x\r\nTo: <sip:1000@%s>%s\r\n"
                "Call-ID: %x@flood\r\nCSeq: 1 %s\r\nMax-Forwards: 70\r\n"
                "Contact: <sip:flood@%s:%d>\r\n%s"
                "Content-Length: %d\r\n\r\n" %
                (method, dst, dport, src, sport, n, src, n, dst,
                 ";tag=x%x" % n if method == "BYE" else "", n, method,
                 src, sport,
                 "Content-Type: application/sdp\r\n" if body else "",
                 len(body)))
        return (head + body).encode()

    while True:
        k = random.randrange(8)
        if k == 0:
            yield req("OPTIONS")
        elif k == 1:
            yield req("REGISTER")
        elif k in (2, 3):
            yield req("INVITE", sdp)
        elif k == 4:
            yield req("BYE")
        elif k == 5:
            yield req("CANCEL")
        elif k == 6:
            yield req("INVITE", sdp)[:random.randrange(20, 200)]
        else:
            yield os.urandom(random.randrange(1, 400))


def main():
    src, dst, dport = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rate, secs = float(sys.argv[4]), float(sys.argv[5])
    if not (src.startswith("127.") and dst.startswith("127.")):
        sys.exit("only loopback addresses")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((src, 0))
    sock.setblocking(False)
    gen = messages(src, sock.getsockname()[1], dst, dport)
    sent = answers = 0
    start = time.monotonic()
    while True:
        now = time.monotonic() - start
        if now >= secs:
            break
        due = int(now * rate) + 1
        while sent < due:
            try:
                sock.sendto(next(gen), (dst, dport))
            except (BlockingIOError, ConnectionRefusedError):
                pass
            sent += 1
        try:
            while True:
                sock.recv(65535)
                answers += 1
        except (BlockingIOError, ConnectionRefusedError):
            pass
        time.sleep(0.002)
    took = time.monotonic() - start
    print("sent %d in %.1f s (%.0f/s), answers %d" %
          (sent, took, sent / took, answers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
