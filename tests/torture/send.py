#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Sends SIP torture messages to a UA over UDP and checks each answer.

    send.py HOST PORT FILE...

Each FILE is one message, preceded by header lines:
    # expect: 486 | 400 488 drop | 180   (any of the outcomes listed)
    # eol: lf         send the lines with LF only (default CRLF)
    # escapes: yes    \\xNN and \\0 in the text become those bytes
and may use $HOST $PORT (the target), $LPORT (our port), $BRANCH,
$CALLID, $TAG (fresh for each message) and $CLEN (length of the body
after the first empty line).

Only answers carrying this message's fresh $CALLID/$BRANCH count.
The outcome is the first final status (>= 200) received within 2 s, or
"drop" when none came; "180" means the phone rang: then a CANCEL is
sent and its 487 awaited.  A non-2xx final answer to an INVITE is
ACKed.  TORTURE_SRC sets the source address (default 127.0.0.1).
Prints one line per message; exits 1 when any outcome was not
expected.  Only loopback targets are accepted.
"""

import os
import re
import socket
import sys
import time
import uuid


def load(path, host, port, lhost, lport):
    head, text = {}, []
    with open(path, encoding="latin-1") as f:
        lines = f.read().split("\n")
    while lines and lines[0].startswith("# "):
        k, _, v = lines.pop(0)[2:].partition(":")
        head[k.strip()] = v.strip()
    while lines and lines[-1] == "":
        lines.pop()
    uid = uuid.uuid4().hex[:12]
    subst = {"$LHOST": lhost, "$HOST": host, "$PORT": str(port),
             "$LPORT": str(lport),
             "$BRANCH": "z9hG4bK" + uid, "$CALLID": uid + "@torture",
             "$TAG": "t" + uid[:6]}
    eol = "\n" if head.get("eol") == "lf" else "\r\n"
    # no empty line: headers only; else the body's lines end in eol too
    msg = eol.join(lines) + (eol if "" in lines else eol + eol)
    for k, v in subst.items():
        msg = msg.replace(k, v)
    data = msg.encode("latin-1")
    if head.get("escapes") == "yes":
        data = re.sub(rb"\\x([0-9a-fA-F]{2})",
                      lambda m: bytes([int(m.group(1), 16)]), data)
        data = data.replace(b"\\0", b"\0")
    sep = b"\r\n\r\n" if eol == "\r\n" else b"\n\n"
    body = data.partition(sep)[2]
    data = data.replace(b"$CLEN", str(len(body)).encode())
    return head["expect"].split(), data, uid.encode()


def status_of(pkt):
    m = re.match(rb"SIP/2\.0 (\d{3})", pkt)
    return int(m.group(1)) if m else None


def header(msg, name):
    m = re.search(rb"^" + name + rb":[^\r\n]*", msg, re.M | re.I)
    return m.group(0) if m else b""


def answer_invite(sock, dest, req, resp, method):
    """ACK (non-2xx) or CANCEL the INVITE @req, built from its headers."""
    line = req.split(b"\r\n", 1)[0].split(b" ")
    uri = line[1] if len(line) > 1 else b"sip:x@127.0.0.1"
    via = header(req, rb"Via")
    cseq = re.search(rb"^CSeq:\s*(\d+)", req, re.M | re.I)
    num = cseq.group(1) if cseq else b"1"
    to = header(resp, rb"To") if method == b"ACK" else header(req, rb"To")
    parts = [method + b" " + uri + b" SIP/2.0", via, header(req, rb"From"),
             to, header(req, rb"Call-ID"),
             b"CSeq: " + num + b" " + method, b"Max-Forwards: 70",
             b"Content-Length: 0"]
    sock.sendto(b"\r\n".join(p for p in parts if p) + b"\r\n\r\n", dest)


def run(sock, dest, data, uid, wait=2.0):
    sock.sendto(data, dest)
    final, rang, end = None, False, time.time() + wait
    while time.time() < end:
        sock.settimeout(max(0.01, end - time.time()))
        try:
            pkt, _ = sock.recvfrom(65535)
        except socket.timeout:
            break
        code = status_of(pkt)
        # answers to earlier messages (retransmissions) are not ours
        if uid not in pkt:
            continue
        if code is None or b"CANCEL" in header(pkt, rb"CSeq"):
            continue
        if code == 180 and not rang:
            rang = True
            answer_invite(sock, dest, data, pkt, b"CANCEL")
            end = time.time() + wait
        elif code >= 200:
            final = code
            if data.startswith(b"INVITE") and code >= 300:
                answer_invite(sock, dest, data, pkt, b"ACK")
            break
    if rang:
        return "180", final
    return (str(final) if final else "drop"), final


def main():
    host, port, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    if not host.startswith("127."):
        sys.exit("only loopback targets")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    src = os.environ.get("TORTURE_SRC", "127.0.0.1")
    if not src.startswith("127."):
        sys.exit("only loopback sources")
    sock.bind((src, 0))
    lport = sock.getsockname()[1]
    bad = 0
    for path in files:
        expect, data, uid = load(path, host, port, src, lport)
        got, final = run(sock, (host, port), data, uid)
        ok = got in expect
        if got == "180" and final not in (487, None):
            ok = False
        bad += not ok
        print("%-4s %-34s expect %-14s got %s%s" % (
            "ok" if ok else "FAIL", os.path.basename(path),
            "/".join(expect), got,
            " (then %s)" % final if got == "180" else ""))
        sys.stdout.flush()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
