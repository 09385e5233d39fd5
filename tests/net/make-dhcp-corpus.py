#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the seed corpus of tests/unit/test-dhcp-fuzz.c.

Usage: make-dhcp-corpus.py DIR

Replies to the xid (0x54637a56) and MAC the fuzz target's client uses,
so the seeds reach the engine's deeper states: a dnsmasq-like OFFER and
ACK with every option netd asks for, a NAK, option overload into file
and sname, long options split (RFC 3396), hostile text, sub-options
that overrun, and one OFFER framed in IPv4/UDP.
"""
import os
import socket
import struct
import sys

MAC = bytes([0x02, 0x00, 0x5e, 0x10, 0x20, 0x30])
XID = 0x54637a56
ACS = b"http://acs.example.test:7547/cwmp"


def opt(code, value):
    return bytes([code, len(value)]) + value


def header(yiaddr="10.77.0.130", file=b"", sname=b""):
    h = struct.pack("!BBBBIHH", 2, 1, 6, 0, XID, 0, 0x8000)
    h += socket.inet_aton("0.0.0.0") + socket.inet_aton(yiaddr)
    h += socket.inet_aton("10.77.0.1") + socket.inet_aton("0.0.0.0")
    h += MAC + bytes(10)
    h += sname.ljust(64, b"\0") + file.ljust(128, b"\0")
    return h + bytes([0x63, 0x82, 0x53, 0x63])


def lease(mtype):
    vivso_blk = opt(1, b"prov-url") + opt(11, ACS)
    return (opt(53, bytes([mtype])) +
            opt(54, socket.inet_aton("10.77.0.1")) +
            opt(51, struct.pack("!I", 120)) +
            opt(58, struct.pack("!I", 60)) +
            opt(59, struct.pack("!I", 105)) +
            opt(1, socket.inet_aton("255.255.255.0")) +
            opt(3, socket.inet_aton("10.77.0.1")) +
            opt(6, socket.inet_aton("10.77.0.1") +
                socket.inet_aton("10.77.0.2")) +
            opt(2, struct.pack("!i", -3600)) +
            opt(15, b"phone.example.test") +
            opt(42, socket.inet_aton("10.77.0.1")) +
            opt(43, bytes.fromhex("01040a4d00010203616263")) +
            opt(60, b"ExamplePhoneVendor") +
            opt(66, b"tftp.example.test") +
            opt(125, struct.pack("!IB", 3561, len(vivso_blk)) + vivso_blk) +
            opt(150, socket.inet_aton("10.77.0.1")) +
            opt(159, b"https://prov.example.test/159") +
            opt(160, b"https://prov.example.test/cfg"))


def pad(pkt):
    return pkt + bytes(max(0, 300 - len(pkt)))


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def framed(payload):
    udp = struct.pack("!HHHH", 67, 68, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17,
                     0, socket.inet_aton("10.77.0.1"),
                     socket.inet_aton("255.255.255.255"))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + udp


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    long_url = b"https://prov.example.test/" + b"a" * 300
    seeds = {
        "offer-all": pad(header() + lease(2) + b"\xff"),
        "ack-all": pad(header() + lease(5) + b"\xff"),
        "nak": pad(header("0.0.0.0") + opt(53, b"\x06") +
                   opt(54, socket.inet_aton("10.77.0.1")) + b"\xff"),
        "overload": pad(header(file=lease(5)[:120] + b"\xff",
                               sname=opt(66, b"t.example") + b"\xff") +
                        opt(53, b"\x05") + opt(52, b"\x03") + b"\xff"),
        "split-160": pad(header() + lease(5) +
                         opt(160, long_url[:200]) + opt(160, long_url[200:])
                         + b"\xff"),
        "hostile-text": pad(header() + lease(5) + opt(12, b"a;reboot") +
                            opt(15, b"$(reboot)") + opt(66, b"`id`") +
                            opt(160, b"http://x/a|rm -rf") + b"\xff"),
        "sub-overrun": pad(header() + lease(5) + opt(43, b"\x01\x09AB") +
                           opt(125, b"\x00\x00\x0d\xe9\x05\x0b") + b"\xff"),
        "short-fixed": pad(header() + opt(53, b"\x05") + opt(1, b"\xff\xff") +
                           opt(51, b"\x01") + opt(54, b"\x0a\x4d\x00") +
                           b"\xff"),
        "no-end": header() + lease(5),
        "tiny-options": header() + opt(53, b"\x05") +
        b"\xc8\x00" * 1500 + b"\xff",
        "framed-offer": framed(pad(header() + lease(2) + b"\xff")),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
