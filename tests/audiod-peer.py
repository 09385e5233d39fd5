#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""RTP peer for the audiod tests (stdlib only).

audiod-peer.py --bind IP:PORT --remote IP:PORT --seconds N
               [--send-ulaw FILE] [--pt 0|8] [--out-raw FILE]
               [--garbage] [--intruder IP --intruder-ulaw FILE]

Sends FILE (G.711 bytes, 160 per packet) as RTP every 20 ms to
--remote, receives audiod's RTP on --bind, checks every received
header and writes the decoded payload (S16LE, 8 kHz) to --out-raw.
--garbage mixes malformed datagrams into the stream; --intruder sends
a second RTP stream from another local address, which audiod must
ignore.  Prints key=value lines:
  received        packets from audiod
  window_packets  packets that arrived in the 3 s from 0.5 s after the first
  bad_version bad_pt seq_errors ts_errors ssrc_changes bad_length
  sent            valid packets we sent
"""
import argparse
import warnings
warnings.simplefilter('ignore', DeprecationWarning)
import audioop  # noqa: E402  (deprecated in 3.11, present until 3.13)
import os
import random
import select
import socket
import struct
import sys
import time

FRAME = 160
PERIOD = 0.020


def addr(text):
    host, port = text.rsplit(':', 1)
    return host, int(port)


def rtp(pt, seq, ts, ssrc, payload, marker=False):
    b1 = (0x80 if marker else 0) | pt
    return struct.pack('!BBHII', 0x80, b1, seq & 0xFFFF,
                       ts & 0xFFFFFFFF, ssrc) + payload


def garbage(i, payload, pt):
    """One malformed datagram per call, cycling through the kinds."""
    kinds = [
        b'',                                        # empty
        b'\x80\x00\x00',                            # shorter than a header
        struct.pack('!BBHII', 0x40, pt, 1, 1, 1) + payload,   # version 1
        struct.pack('!BBHII', 0x8F, pt, 1, 1, 1) + b'\x00' * 8,  # 15 CSRCs
        struct.pack('!BBHII', 0x90, pt, 1, 1, 1) + b'\x00\x00\xff\xff',
        struct.pack('!BBHII', 0xA0, pt, 1, 1, 1) + b'\x00' * 4 + b'\xff',
        struct.pack('!BBHII', 0x80, 96, 1, 1, 1) + payload,   # wrong PT
        struct.pack('!BBHII', 0x80, pt, 1, 1, 1) + b'\x00' * 1400,  # huge
        bytes(random.getrandbits(8) for _ in range(random.randint(1, 300))),
    ]
    return kinds[i % len(kinds)]


class Checker:
    def __init__(self, pt):
        self.pt = pt
        self.count = 0
        self.times = []
        self.audio = bytearray()
        self.stats = dict(bad_version=0, bad_pt=0, seq_errors=0,
                          ts_errors=0, ssrc_changes=0, bad_length=0)
        self.last = None

    def packet(self, data, now):
        self.count += 1
        self.times.append(now)
        if len(data) < 12 or data[0] >> 6 != 2:
            self.stats['bad_version'] += 1
            return
        b0, b1, seq, ts, ssrc = struct.unpack('!BBHII', data[:12])
        if b0 & 0x3F:
            self.stats['bad_length'] += 1   # we never expect P/X/CC
        if b1 & 0x7F != self.pt:
            self.stats['bad_pt'] += 1
        payload = data[12:]
        if len(payload) != FRAME:
            self.stats['bad_length'] += 1
        if self.last:
            lseq, lts, lssrc = self.last
            if ssrc != lssrc:
                self.stats['ssrc_changes'] += 1
            elif seq != (lseq + 1) & 0xFFFF:
                self.stats['seq_errors'] += 1
            elif ts != (lts + FRAME) & 0xFFFFFFFF:
                self.stats['ts_errors'] += 1
        self.last = (seq, ts, ssrc)
        if self.pt == 0:
            self.audio += audioop.ulaw2lin(payload, 2)
        else:
            self.audio += audioop.alaw2lin(payload, 2)

    def window(self):
        if not self.times:
            return 0
        start = self.times[0] + 0.5
        return sum(1 for t in self.times if start <= t < start + 3.0)


class Sender:
    def __init__(self, sock, remote, data, pt):
        self.sock, self.remote, self.data, self.pt = sock, remote, data, pt
        self.seq = random.getrandbits(16)
        self.ts = random.getrandbits(32)
        self.ssrc = random.getrandbits(32)
        self.off = 0
        self.sent = 0

    def send(self):
        if not self.data:
            return
        chunk = self.data[self.off:self.off + FRAME]
        if len(chunk) < FRAME:
            self.off = 0
            chunk = self.data[:FRAME]
        self.off += FRAME
        pkt = rtp(self.pt, self.seq, self.ts, self.ssrc, chunk,
                  marker=self.sent == 0)
        try:
            self.sock.sendto(pkt, self.remote)
            self.sent += 1
        except OSError:
            pass
        self.seq += 1
        self.ts += FRAME


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bind', required=True, type=addr)
    ap.add_argument('--remote', required=True, type=addr)
    ap.add_argument('--seconds', type=float, default=4)
    ap.add_argument('--send-ulaw')
    ap.add_argument('--pt', type=int, default=0)
    ap.add_argument('--out-raw')
    ap.add_argument('--garbage', action='store_true')
    ap.add_argument('--intruder')
    ap.add_argument('--intruder-ulaw')
    a = ap.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(a.bind)
    data = open(a.send_ulaw, 'rb').read() if a.send_ulaw else b''
    if a.pt == 8 and data:
        data = audioop.lin2alaw(audioop.ulaw2lin(data, 2), 2)
    sender = Sender(sock, a.remote, data, a.pt)

    intruder = None
    if a.intruder:
        isock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        isock.bind((a.intruder, 0))
        idata = open(a.intruder_ulaw, 'rb').read()
        if a.pt == 8:
            idata = audioop.lin2alaw(audioop.ulaw2lin(idata, 2), 2)
        intruder = Sender(isock, a.remote, idata, a.pt)

    checker = Checker(a.pt)
    start = time.monotonic()
    deadline = start + a.seconds
    next_send = start
    n = 0
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        if now >= next_send:
            sender.send()
            if intruder:
                intruder.send()
            if a.garbage and data:
                try:
                    sock.sendto(garbage(n, data[:FRAME], a.pt), a.remote)
                except OSError:
                    pass
            n += 1
            next_send += PERIOD
        timeout = max(0, min(next_send, deadline) - time.monotonic())
        ready, _, _ = select.select([sock], [], [], timeout)
        if ready:
            while True:
                try:
                    pkt, _ = sock.recvfrom(2048, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                checker.packet(pkt, time.monotonic())

    if a.out_raw:
        with open(a.out_raw, 'wb') as f:
            f.write(checker.audio)
    print('received=%d' % checker.count)
    print('window_packets=%d' % checker.window())
    for k, v in sorted(checker.stats.items()):
        print('%s=%d' % (k, v))
    print('sent=%d' % sender.sent)
    return 0


if __name__ == '__main__':
    sys.exit(main())
