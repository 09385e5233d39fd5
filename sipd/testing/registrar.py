#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# A minimal UDP registrar for the sipd tests: every REGISTER gets 200 OK
# granting what was asked, until the file SINK exists; from then on
# requests are only logged, never answered (a registrar that went away
# behind a NAT or a dead link).
#   registrar.py ADDRESS PORT SINK LOG
import re
import socket
import sys
import time

addr, port, sink, logpath = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
    sys.argv[4]


def header(msg, name):
    m = re.search(r'^' + name + r'\s*:\s*(.*?)\r$', msg,
                  re.IGNORECASE | re.MULTILINE)
    return m.group(1) if m else None


def answer(msg):
    lines = [ln for ln in msg.split('\r\n')
             if re.match(r'(?i)^(via|from|call-id|cseq)\s*:', ln)]
    to = header(msg, 'To') or ''
    if ';tag=' not in to:
        to += ';tag=reg42'
    contact = header(msg, 'Contact')
    expires = header(msg, 'Expires') or '3600'
    out = ['SIP/2.0 200 OK'] + lines + ['To: ' + to]
    if contact and contact != '*':
        out.append('Contact: %s;expires=%s' % (contact, expires))
    out += ['Expires: ' + expires, 'Content-Length: 0', '', '']
    return '\r\n'.join(out).encode()


s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
with open(logpath, 'a', buffering=1) as log:
    while True:
        data, peer = s.recvfrom(65535)
        msg = data.decode('utf-8', 'replace')
        first = msg.split('\r\n', 1)[0]
        try:
            open(sink).close()
            sinking = True
        except OSError:
            sinking = False
        log.write('%.3f %s %s\n' % (time.time(),
                                    'dropped' if sinking else 'answered',
                                    first))
        if sinking or not first.startswith('REGISTER '):
            continue
        s.sendto(answer(msg), peer)
