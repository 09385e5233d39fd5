#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Claims an IPv4 address on a link as a misconfigured host would, for
tests/netd-conflict.sh: ARP announcements with the address as sender.

Usage: arp-claim.py IFACE ADDRESS PEER_MAC COUNT GAP

Sends COUNT announcements (broadcast ARP requests, sender = target =
ADDRESS) GAP seconds apart.  Between them it watches for PEER_MAC
defending the address (an ARP packet from PEER_MAC with ADDRESS as
sender).  Prints one line per event, with monotonic seconds:
  <s> sent <n>
  <s> defended <n>     (PEER_MAC answered announcement n)
"""
import select
import socket
import struct
import sys
import time

ETH_P_ARP = 0x0806


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def announcement(own_mac, addr):
    eth = b"\xff" * 6 + own_mac + struct.pack("!H", ETH_P_ARP)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1)
    arp += own_mac + addr + b"\x00" * 6 + addr
    return eth + arp


def is_defence(frame, peer_mac, addr):
    if len(frame) < 42 or frame[12:14] != b"\x08\x06":
        return False
    arp = frame[14:]
    return arp[8:14] == peer_mac and arp[14:18] == addr


def watch(sock, peer_mac, addr, secs):
    """True if PEER_MAC defends ADDRESS within SECS."""
    seen = False
    end = time.monotonic() + secs
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return seen
        ready, _, _ = select.select([sock], [], [], left)
        if ready and is_defence(sock.recv(2048), peer_mac, addr):
            seen = True


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    iface, addr_text, peer_text = sys.argv[1:4]
    count, gap = int(sys.argv[4]), float(sys.argv[5])
    addr = socket.inet_aton(addr_text)
    peer_mac = mac_bytes(peer_text)

    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                         socket.htons(ETH_P_ARP))
    sock.bind((iface, ETH_P_ARP))
    own_mac = sock.getsockname()[4]

    for n in range(1, count + 1):
        sock.send(announcement(own_mac, addr))
        print("%.3f sent %d" % (time.monotonic(), n), flush=True)
        if n < count and watch(sock, peer_mac, addr, gap):
            print("%.3f defended %d" % (time.monotonic(), n), flush=True)


if __name__ == "__main__":
    main()
