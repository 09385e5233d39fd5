#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A hostile DHCP server for netd's robustness test.

Usage: inject-dhcpd.py IFACE LOGFILE

For the first DISCOVER it answers with every malformed reply below
(right xid and MAC, so each reaches the parser), then with a good OFFER
of 10.77.0.150 whose text options hold shell metacharacters; the
REQUEST gets the same kind of ACK.  Malformed replies:
  option length past the end, 1/51/54 too short, no END, overload
  without END, 600 tiny options (a frame full), an option 43 whose
  sub-options overrun, an option 125 whose enterprise block overruns.
Logs "<TYPE>" per request and "injected N" once done.
"""
import socket
import struct
import sys

SERVER = "10.77.0.1"
ADDR = "10.77.0.150"


def opt(code, value):
    return bytes([code, len(value)]) + value


def header(req, yiaddr=ADDR, file=b""):
    h = bytearray(req[:240])
    h[0] = 2
    h[16:20] = socket.inet_aton(yiaddr)
    h[20:24] = socket.inet_aton(SERVER)
    h[44:108] = bytes(64)
    h[108:236] = file.ljust(128, b"\0")
    return bytes(h)


def good(mtype):
    return (opt(53, bytes([mtype])) + opt(54, socket.inet_aton(SERVER)) +
            opt(51, struct.pack("!I", 300)) +
            opt(1, socket.inet_aton("255.255.255.0")) +
            opt(3, socket.inet_aton(SERVER)) +
            opt(6, socket.inet_aton("10.77.0.9")) +
            # shell metacharacters: every one must be refused
            opt(12, b"ph;reboot") + opt(15, b"$(touch /tmp/x)") +
            opt(66, b"`id`.example") + opt(160, b"http://x/|sh -c 'id'") +
            opt(159, b"http://ok.example/159") + b"\xff")


def malformed(req, mtype):
    t = opt(53, bytes([mtype])) + opt(54, socket.inet_aton(SERVER))
    lease = opt(51, struct.pack("!I", 300))
    # Unusable ones first: an acceptable OFFER ends the selection.
    out = [
        header(req) + t + b"\x06\x08\x0a\x4d",                # past the end
        header(req) + t + lease,                              # no END
        header(req, file=b"\x03\x04\x0a\x4d\x00\x01") + t +
        opt(52, b"\x01"),                                     # overload, no END
        header(req) + t + b"\x01\x02\xff\xff" + lease + b"\xff",   # short 1
        header(req) + opt(53, bytes([mtype])) + b"\x36\x03\x0a\x4d\x00" +
        b"\x33\x01\x01\xff",                                  # short 54, 51
        # 600 tiny options: as many as one unfragmented frame holds
        header(req) + t + b"\xc8\x00" * 600 + b"\xff",
    ]
    # Usable despite its bad sub-options (they are skipped): OFFER only.
    if mtype == 2:
        out.append(header(req) + t + lease + opt(43, b"\x01\x09AB") +
                   opt(125, b"\x00\x00\x0d\xe9\x05\x0b") + b"\xff")
    return out


def main():
    iface, logname = sys.argv[1], sys.argv[2]
    log = open(logname, "a", buffering=1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    s.bind(("0.0.0.0", 67))
    dest = ("255.255.255.255", 68)
    injected = False
    log.write("ready\n")
    while True:
        req, _ = s.recvfrom(2048)
        if len(req) < 240 or req[0] != 1:
            continue
        i, mtype = 240, 0
        while i + 2 < len(req) and req[i] != 255:
            if req[i] == 53:
                mtype = req[i + 2]
            i += 1 if req[i] == 0 else 2 + req[i + 1]
        log.write("%s\n" % {1: "DISCOVER", 3: "REQUEST"}.get(mtype, mtype))
        if mtype == 1:
            if not injected:
                bad = malformed(req, 2)
                for pkt in bad:
                    s.sendto(pkt + bytes(max(0, 300 - len(pkt))), dest)
                injected = True
                log.write("injected %d\n" % len(bad))
            s.sendto(header(req) + good(2), dest)
        elif mtype == 3:
            for pkt in malformed(req, 5):
                s.sendto(pkt + bytes(max(0, 300 - len(pkt))), dest)
            s.sendto(header(req) + good(5), dest)


if __name__ == "__main__":
    main()
