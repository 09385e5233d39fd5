#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# A SIP UAC over UDP for sipd's Auth_INVITE_1_ tests, for what sipp 3.6
# cannot do (SHA-256, stale nonces, replays).  Prints one line per
# step, for the shell test to check:
#   challenge ALG,ALG...        algorithms offered in the 401, in order
#   final N [stale=true]        final status of the authorised INVITE
#   stale-retry N               after answering the stale challenge
#   replay N                    the same Authorization in a new INVITE
#   digest-uac.py HOST PORT USER PASSWORD ALG [--stale-wait MS]
#                 [--replay] [--uri URI] [--no-auth] [--nc-same]
import argparse
import hashlib
import random
import re
import socket
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument('host')
ap.add_argument('port', type=int)
ap.add_argument('user')
ap.add_argument('password')
ap.add_argument('alg')
ap.add_argument('--stale-wait', type=int, default=0)
ap.add_argument('--replay', action='store_true')
ap.add_argument('--no-auth', action='store_true')
ap.add_argument('--uri')
ap.add_argument('--src', default='127.0.0.1')
a = ap.parse_args()

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((a.src, 0))
lport = sock.getsockname()[1]
ruri = 'sip:%s@%s:%d' % (a.user, a.host, a.port)
SDP = ('v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n'
       'm=audio 30000 RTP/AVP 0\r\n' % (a.src, a.src))


def send(lines, body=''):
    msg = '\r\n'.join(lines) + '\r\nContent-Length: %d\r\n\r\n%s' % (
        len(body.encode()), body)
    sock.sendto(msg.encode(), (a.host, a.port))


def recv_final(timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        sock.settimeout(max(0.01, end - time.time()))
        try:
            data = sock.recv(65535).decode('utf-8', 'replace')
        except socket.timeout:
            break
        first = data.split('\r\n', 1)[0]
        if not first.startswith('SIP/2.0 '):
            continue
        code = int(first.split()[1])
        if code >= 200:
            return code, data
    return None, ''


class Call:
    def __init__(self):
        self.callid = '%x@%s' % (random.getrandbits(64), a.src)
        self.tag = '%x' % random.getrandbits(32)
        self.cseq = 1

    def headers(self, method, branch, to_tag=None, cseq=None):
        to = '<%s>' % ruri + (';tag=%s' % to_tag if to_tag else '')
        return ['%s %s SIP/2.0' % (method, ruri),
                'Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%s;rport' % (
                    a.src, lport, branch),
                'Max-Forwards: 70',
                'From: <sip:uac@%s>;tag=%s' % (a.src, self.tag),
                'To: ' + to, 'Call-ID: ' + self.callid,
                'CSeq: %d %s' % (cseq or self.cseq, method),
                'Contact: <sip:uac@%s:%d>' % (a.src, lport)]

    def invite(self, auth=None):
        branch = '%x' % random.getrandbits(48)
        h = self.headers('INVITE', branch)
        if auth:
            h.append(auth)
        h.append('Content-Type: application/sdp')
        send(h, SDP)
        code, resp = recv_final()
        to_tag = re.search(r'(?im)^To:.*;tag=([^;\r\n]+)', resp)
        to_tag = to_tag.group(1) if to_tag else None
        # ACK for any final response (in-transaction for non-2xx)
        ack = self.headers('ACK', branch if code and code >= 300 else
                           '%x' % random.getrandbits(48), to_tag)
        send(ack)
        if code == 200:
            bye = self.headers('BYE', '%x' % random.getrandbits(48), to_tag,
                               self.cseq + 1)
            send(bye)
            recv_final()
            self.cseq += 1
        self.cseq += 1
        return code, resp


def challenges(resp):
    out = []
    for m in re.finditer(r'(?im)^WWW-Authenticate:\s*Digest\s+(.*)$', resp):
        params = dict((k.lower(), v.strip('"')) for k, v in re.findall(
            r'(\w+)=("[^"]*"|[^,\s]+)', m.group(1)))
        out.append(params)
    return out


def authorization(ch, alg, nc=1, uri=None):
    h = hashlib.sha256 if alg == 'SHA-256' else hashlib.md5
    H = lambda s: h(s.encode()).hexdigest()
    uri = uri or ruri
    cnonce = '%x' % random.getrandbits(64)
    ncs = '%08x' % nc
    ha1 = H('%s:%s:%s' % (a.user, ch['realm'], a.password))
    ha2 = H('INVITE:%s' % uri)
    resp = H('%s:%s:%s:%s:auth:%s' % (ha1, ch['nonce'], ncs, cnonce, ha2))
    return ('Authorization: Digest username="%s", realm="%s", nonce="%s", '
            'uri="%s", response="%s", algorithm=%s, qop=auth, nc=%s, '
            'cnonce="%s"' % (a.user, ch['realm'], ch['nonce'], uri, resp,
                             alg, ncs, cnonce))


def pick(chs):
    for ch in chs:
        if ch.get('algorithm', 'MD5').upper() == a.alg.upper():
            return ch
    print('no %s challenge' % a.alg)
    sys.exit(1)


call = Call()
code, resp = call.invite()
chs = challenges(resp)
print('challenge %d %s' % (code or 0, ','.join(
    c.get('algorithm', 'MD5') for c in chs)))
sys.stdout.flush()
if a.no_auth or code != 401:
    sys.exit(0)

if a.stale_wait:
    time.sleep(a.stale_wait / 1000.0)
auth = authorization(pick(chs), a.alg, uri=a.uri)
code, resp = call.invite(auth)
stale = [c for c in challenges(resp) if c.get('stale', '').lower() == 'true']
print('final %s%s' % (code, ' stale=true' if stale else ''))
sys.stdout.flush()
if code == 401 and stale:
    code, resp = call.invite(authorization(pick(challenges(resp)), a.alg))
    print('stale-retry %s' % code)

if a.replay:
    # a brand-new INVITE (Call-ID, tag, branch) with the captured header
    code, resp = Call().invite(auth)
    print('replay %s' % code)
