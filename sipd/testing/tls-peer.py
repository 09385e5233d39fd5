#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# A SIP over TLS peer for tests/sipd-tls.sh, writing "Via: SIP/2.0/TLS"
# in its requests as every TLS peer does, and logging what sipd answers:
#   tls-peer.py client PORT CAFILE OUT GO-FILE
#     connects to sipd's TLS port (127.0.0.1:PORT), sends a keep-alive,
#     an OPTIONS (compact headers, cut across two TLS records) and an
#     INVITE; when GO-FILE exists it CANCELs the INVITE.
#   tls-peer.py registrar PORT CERT KEY OUT
#     a TLS registrar on 127.0.0.1:PORT: 200 to every REGISTER, and after
#     the first one an OPTIONS and an INVITE to the phone over the same
#     connection (CANCELled when OUT's directory has reg-go); other
#     requests from the phone get 200; closes the connection when that
#     directory has reg-close (and removes it).
# OUT gets one line per response: "METHOD STATUS via-ok" when the
# topmost Via is the one sent, byte for byte, else "via-bad <via>".
import os
import re
import socket
import ssl
import sys
import time

SDP = ('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=Via: SIP/2.0/TLS x\r\n'
       'c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\n')


class Stream:
    def __init__(self, tls):
        self.tls = tls
        self.buf = b''
        self.closed = False

    def message(self, timeout):
        """The next message (text), or None after TIMEOUT seconds."""
        end = time.time() + timeout
        while True:
            self.buf = self.buf.lstrip(b'\r\n')
            i = self.buf.find(b'\r\n\r\n')
            if i >= 0:
                head = self.buf[:i + 4].decode()
                m = re.search(r'(?im)^(content-length|l)\s*:\s*(\d+)', head)
                n = i + 4 + (int(m.group(2)) if m else 0)
                if len(self.buf) >= n:
                    msg = self.buf[:n].decode()
                    self.buf = self.buf[n:]
                    return msg
            left = end - time.time()
            if left <= 0:
                return None
            self.tls.settimeout(left)
            try:
                data = self.tls.recv(65536)
            except socket.timeout:
                return None
            except (ssl.SSLError, OSError):
                data = b''
            if not data:
                self.closed = True
                return None
            self.buf += data


def top_via(msg):
    m = re.search(r'(?im)^(via|v)\s*:\s*([^,\r]*)', msg)
    return m.group(2).strip() if m else None


def header(msg, name):
    m = re.search(r'(?im)^' + name + r'\s*:\s*(.*?)\r$', msg)
    return m.group(1) if m else ''


def request(method, uri, via, cseq, callid, tag, body='', compact=False,
            to_tag=''):
    lines = ['%s %s SIP/2.0' % (method, uri),
             '%s: %s' % ('v' if compact else 'Via', via),
             'Max-Forwards: 70',
             'From: <sip:peer@127.0.0.1>;tag=%s' % tag,
             'To: <%s>%s' % (uri, to_tag),
             '%s: %s' % ('i' if compact else 'Call-ID', callid),
             'CSeq: %d %s' % (cseq, method),
             'Contact: <sip:peer@127.0.0.1;transport=tls>']
    if body:
        lines.append('Content-Type: application/sdp')
    lines.append('%s: %d' % ('l' if compact else 'Content-Length',
                             len(body)))
    return ('\r\n'.join(lines) + '\r\n\r\n' + body).encode()


def note(out, method, msg, via):
    if msg is None:
        out.write('%s none\n' % method)
        return
    status = msg.split(' ', 2)[1]
    got = top_via(msg)
    out.write('%s %s %s\n' % (method, status, 'via-ok' if got == via
                              else 'via-bad %s' % got))


def answer(msg, extra=''):
    keep = [ln for ln in msg.split('\r\n')
            if re.match(r'(?i)^(via|v|from|f|to|t|call-id|i|cseq)\s*:', ln)]
    return ('SIP/2.0 200 OK\r\n' + '\r\n'.join(keep) + '\r\n' + extra +
            'Content-Length: 0\r\n\r\n').encode()


def response_to(stream, method, out, via, until=200, timeout=8):
    """Reads responses to METHOD (logging each) up to a status >= UNTIL;
    answers requests from sipd meanwhile.  The last response, or None."""
    last = None
    while True:
        msg = stream.message(timeout)
        if msg is None:
            if last is None:
                note(out, method, None, via)
            return last
        if not msg.startswith('SIP/2.0 '):
            stream.tls.sendall(answer(msg))
            continue
        if not header(msg, 'CSeq').endswith(' ' + method):
            continue
        note(out, method, msg, via)
        last = msg
        if int(msg.split(' ', 2)[1]) >= until:
            return last


def exchange(stream, uri, sent_by, out, go):
    """OPTIONS then INVITE, CANCEL once GO exists."""
    via = 'SIP/2.0/TLS %s;branch=z9hG4bK-opt-%d' % (sent_by, os.getpid())
    msg = request('OPTIONS', uri, via, 1, 'opt-%d' % os.getpid(), 'o1',
                  compact=True)
    stream.tls.sendall(b'\r\n\r\n' + msg[:20])
    time.sleep(0.2)
    stream.tls.sendall(msg[20:])
    response_to(stream, 'OPTIONS', out, via)

    via = 'SIP/2.0/TLS %s;branch=z9hG4bK-inv-%d' % (sent_by, os.getpid())
    callid = 'inv-%d' % os.getpid()
    stream.tls.sendall(request('INVITE', uri, via, 1, callid, 'i1', SDP))
    last = response_to(stream, 'INVITE', out, via, until=180)
    if last is None:
        return
    while go and not os.path.exists(go):
        time.sleep(0.1)
    stream.tls.sendall(request('CANCEL', uri, via, 1, callid, 'i1'))
    response_to(stream, 'CANCEL', out, via)
    final = response_to(stream, 'INVITE', out, via)
    if final is not None:
        to = ';tag=' + header(final, 'To').split(';tag=')[-1]
        stream.tls.sendall(request('ACK', uri, via, 1, callid, 'i1',
                                   to_tag=to))


def client(port, cafile, outpath, go):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = False
    with open(outpath, 'a', buffering=1) as out:
        raw = socket.create_connection(('127.0.0.1', port), timeout=5)
        tls = ctx.wrap_socket(raw)
        lport = tls.getsockname()[1]
        exchange(Stream(tls), 'sip:1000@127.0.0.1:%d;transport=tls' % port,
                 '127.0.0.1:%d' % lport, out, go)
        out.write('done\n')
        time.sleep(0.5)
        tls.close()


def registrar(port, cert, key, outpath):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', port))
    srv.listen(4)
    with open(outpath, 'a', buffering=1) as out:
        while True:
            conn, _ = srv.accept()
            try:
                tls = ctx.wrap_socket(conn, server_side=True)
                serve(Stream(tls), port, out, os.path.join(
                    os.path.dirname(outpath), 'reg-go'))
                tls.close()
            except (ssl.SSLError, OSError) as e:
                out.write('error %s\n' % e)
            conn.close()


exchanged = False


def serve(stream, port, out, go):
    """Until the phone closes, or the test asks the registrar to close
    (reg-close next to GO, removed then).  The OPTIONS and INVITE go
    once, after the first REGISTER of all."""
    global exchanged
    close = os.path.join(os.path.dirname(go), 'reg-close')
    while True:
        msg = stream.message(0.3)
        if msg is None:
            if stream.closed:
                return
            if os.path.exists(close):
                os.unlink(close)
                out.write('closed\n')
                return
            continue
        if msg.startswith('SIP/2.0 '):
            continue
        method = msg.split(' ', 1)[0]
        if method != 'REGISTER':
            stream.tls.sendall(answer(msg))
            continue
        contact = header(msg, 'Contact') or header(msg, 'm')
        m = re.search(r'(?i);\s*expires\s*=\s*(\d+)', contact)
        expires = m.group(1) if m else header(msg, 'Expires') or '60'
        stream.tls.sendall(answer(msg, 'Contact: %s;expires=%s\r\n' % (
            contact.split(';expires')[0], expires)))
        out.write('REGISTER %s expires=%s\n' % (contact, expires))
        if exchanged or expires == '0':
            continue
        exchanged = True
        uri = re.search(r'<([^>]*)>', contact).group(1)
        exchange(stream, uri, '127.0.0.1:%d' % port, out, go)
        out.write('done\n')


if sys.argv[1] == 'client':
    client(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
else:
    registrar(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
