#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Sends one SIP request to sipd from a chosen source address and prints
# what came back: "replies N: <first status lines>", or for TCP
# "no connection" when the SYN went unanswered.
#   probe.py udp|tcp METHOD SRC DST PORT [WAIT_S]
import socket
import sys
import time

proto, method, src, dst, port = sys.argv[1:6]
port = int(port)
wait = float(sys.argv[6]) if len(sys.argv) > 6 else 2.0
tag = '%d' % (time.time() * 1000)
sdp = ('v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n'
       'm=audio 30000 RTP/AVP 0\r\n' % (src, src)) if method == 'INVITE' \
    else ''


def request(lport):
    lines = [
        '%s sip:1000@%s:%d SIP/2.0' % (method, dst, port),
        'Via: SIP/2.0/%s %s:%d;branch=z9hG4bK%s;rport' % (
            proto.upper(), src, lport, tag),
        'Max-Forwards: 70',
        'From: <sip:probe@%s>;tag=%s' % (src, tag),
        'To: <sip:1000@%s>' % dst,
        'Call-ID: %s@%s' % (tag, src),
        'CSeq: 1 %s' % method,
        'Contact: <sip:probe@%s:%d>' % (src, lport),
    ]
    if sdp:
        lines.append('Content-Type: application/sdp')
    lines.append('Content-Length: %d' % len(sdp))
    return ('\r\n'.join(lines) + '\r\n\r\n' + sdp).encode()


replies = []
if proto == 'udp':
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.sendto(request(s.getsockname()[1]), (dst, port))
    end = time.time() + wait
    while time.time() < end:
        s.settimeout(max(0.01, end - time.time()))
        try:
            data = s.recv(65535)
        except socket.timeout:
            break
        replies.append(data.decode('utf-8', 'replace').split('\r\n', 1)[0])
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(wait)
    try:
        s.connect((dst, port))
    except (socket.timeout, OSError) as e:
        print('no connection (%s)' % e)
        sys.exit(0)
    s.sendall(request(s.getsockname()[1]))
    end = time.time() + wait
    buf = b''
    while time.time() < end:
        s.settimeout(max(0.01, end - time.time()))
        try:
            data = s.recv(65535)
        except socket.timeout:
            break
        if not data:
            break
        buf += data
    replies = [ln for ln in buf.decode('utf-8', 'replace').split('\r\n')
               if ln.startswith('SIP/2.0 ')]
print('replies %d: %s' % (len(replies), ' | '.join(replies)))
