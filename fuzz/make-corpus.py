#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the seed corpora of fuzz/corpus/<target>/ from the examples
below.  Run it again after changing them; the files are kept in git so
that make check replays exactly these.  A crash found later is added
by hand as corpus/<target>/crash-<what> (never regenerated away)."""

import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def crlf(text):
    return text.strip("\n").replace("\n", "\r\n").encode() + b"\r\n"


SDP_OK = ("v=0\no=- 1 1 IN IP4 192.0.2.5\ns=-\nc=IN IP4 192.0.2.5\nt=0 0\n"
          "m=audio 40000 RTP/AVP 8 0 101\na=rtpmap:8 PCMA/8000\n"
          "a=rtpmap:0 PCMU/8000\na=rtpmap:101 telephone-event/8000\n"
          "a=fmtp:101 0-15\na=ptime:20\n")
SDP_STATIC = ("v=0\no=- 2 2 IN IP4 192.0.2.6\ns=-\nt=0 0\n"
              "m=video 0 RTP/AVP 96\nm=audio 40002 RTP/AVP 0\n"
              "c=IN IP4 192.0.2.6\n")
SDP_NO_CODEC = ("v=0\no=- 3 3 IN IP4 192.0.2.7\ns=-\nc=IN IP4 192.0.2.7\n"
                "t=0 0\nm=audio 40004 RTP/AVP 9 18\na=rtpmap:9 G722/8000\n")
SDP_IP6 = ("v=0\no=- 4 4 IN IP6 2001:db8::1\ns=-\nc=IN IP6 2001:db8::1\n"
           "t=0 0\nm=audio 40006 RTP/AVP 0\n")

SDP = {
    "offer-pcma-first": crlf(SDP_OK),
    "offer-static-pt": crlf(SDP_STATIC),
    "offer-no-codec": crlf(SDP_NO_CODEC),
    "offer-ipv6": crlf(SDP_IP6),
    "offer-lf-only": SDP_OK.encode(),
    "one-char-lines": b"v\r\no\r\ns\r\nc\r\nt\r\nm\r\n",
    "bad-c-line": crlf(SDP_OK.replace("c=IN IP4 192.0.2.5",
                                      "c=IN IP4 999.1.1.1/x")),
    "bad-m-line": crlf(SDP_OK.replace("m=audio 40000 RTP/AVP 8 0 101",
                                      "m=audio 99999999 RTP/AVP x")),
    "many-attributes": crlf(SDP_OK + "a=x-junk:1\n" * 400),
    "dial-text": b"1002@192.0.2.1:5062",
    "hostport": b"registrar.example.test:5060",
}


def sip(start, headers, body=b"", ctype="application/sdp"):
    lines = [start, "Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bK-seed1",
             "Max-Forwards: 70", "From: <sip:caller@192.0.2.9>;tag=f1",
             "To: <sip:1001@192.0.2.1>", "Call-ID: seed-1@192.0.2.9"]
    lines += headers
    if body:
        lines.append("Content-Type: " + ctype)
    lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


INVITE = "INVITE sip:1001@192.0.2.1:5060 SIP/2.0"
CT = "Contact: <sip:caller@192.0.2.9:5060>"
BOUNDARY = "b0und"
MULTI = ("--b0und\r\nContent-Type: application/sdp\r\n\r\n" +
         crlf(SDP_OK).decode() + "--b0und--\r\n").encode()

SIP = {
    "invite-sdp": sip(INVITE, ["CSeq: 1 INVITE", CT], crlf(SDP_OK)),
    "invite-no-sdp": sip(INVITE, ["CSeq: 1 INVITE", CT]),
    "invite-auth": sip(INVITE, [
        "CSeq: 2 INVITE", CT,
        'Authorization: Digest username="1001", realm="192.0.2.1", '
        'nonce="abc", uri="sip:1001@192.0.2.1:5060", '
        'response="0123456789abcdef0123456789abcdef", qop=auth, '
        'nc=00000001, cnonce="x", algorithm=MD5'], crlf(SDP_OK)),
    "invite-multipart": sip(INVITE, ["CSeq: 1 INVITE", CT], MULTI,
                            "multipart/mixed;boundary=" + BOUNDARY),
    "register-401": (
        "SIP/2.0 401 Unauthorized\r\n"
        "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-r1\r\n"
        "From: <sip:1001@192.0.2.9>;tag=r1\r\n"
        "To: <sip:1001@192.0.2.9>;tag=r2\r\n"
        "Call-ID: reg-1@192.0.2.1\r\nCSeq: 1 REGISTER\r\n"
        'WWW-Authenticate: Digest realm="192.0.2.9", nonce="n1", '
        'qop="auth", algorithm=MD5\r\nContent-Length: 0\r\n\r\n').encode(),
    "options": sip("OPTIONS sip:1001@192.0.2.1 SIP/2.0",
                   ["CSeq: 1 OPTIONS", "Accept: application/sdp"]),
    "bye": sip("BYE sip:1001@192.0.2.1 SIP/2.0", ["CSeq: 3 BYE"]),
    "compact-folded": (
        "INVITE sip:1001@192.0.2.1 SIP/2.0\r\n"
        "v: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK-c1\r\n"
        "f: <sip:a@192.0.2.9>\r\n ;tag=c1\r\nt: sip:1001@192.0.2.1\r\n"
        "i: compact@192.0.2.9\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
        "m: <sip:a@192.0.2.9>\r\nc: application/sdp\r\n"
        "l: %d\r\n\r\n" % len(crlf(SDP_OK))).encode() + crlf(SDP_OK),
}


def rtp(pt, seq, payload, csrc=0, ext=None, pad=0, marker=False):
    b0 = 0x80 | (0x20 if pad else 0) | (0x10 if ext is not None else 0)
    b0 |= csrc
    out = struct.pack("!BBHII", b0, (0x80 if marker else 0) | pt, seq,
                      seq * 160, 0x1234abcd)
    out += b"".join(struct.pack("!I", 0x1000 + i) for i in range(csrc))
    if ext is not None:
        out += struct.pack("!HH", 0xbede, len(ext) // 4) + ext
    out += payload
    if pad:
        out += b"\0" * (pad - 1) + bytes([pad])
    return out


RTP = {
    "pcmu": rtp(0, 1, bytes(range(160)), marker=True),
    "pcma": rtp(8, 2, bytes(range(96, 256))),
    "csrc-ext-pad": rtp(0, 3, b"\xff" * 160, csrc=2,
                        ext=b"\x10\xaa\x00\x00", pad=4),
    "event": rtp(101, 4, b"\x01\x0a\x00\xa0"),
    "header-only": rtp(0, 5, b""),
}


def params_file(pairs):
    body = "# deskphone parameters\n" + "".join(
        "%s=%s\n" % (k, v) for k, v in pairs)
    return (body + "#end crc32=%08x\n" % zlib.crc32(body.encode())).encode()


PARAMS = {
    "saved": params_file([("Proxy_1_", "192.0.2.1:5060"),
                          ("User_ID_1_", "1001"),
                          ("Password_1_", "s\\\\e\\ncret"),
                          ("Restricted_Access_Domains",
                           "pbx.example.test;192.0.2.1"),
                          ("Static_IP", "192.0.2.9"),
                          ("NetMask", "255.255.255.0"),
                          ("RTP_Port_Min", "16384"),
                          ("Playback_Device", "plughw:0,0")]),
    "unknown-and-bad": params_file([("No_Such", "1"),
                                    ("Register_Expires_1_", "5")]),
    "no-trailer": b"Proxy_1_=192.0.2.1\n",
    "value-host": b"pbx.example.test:5070",
    "value-domains": b"a.example.test, b.example.test;192.0.2.1",
    "value-sip-user": b"alice.smith-1%41",
    "value-netmask": b"255.255.254.0",
    "value-utf8": "Réception ☎".encode(),
}

WEB = {
    "form-settings": b"csrf=" + b"a" * 32 +
                     b"&Proxy_1_=192.0.2.1%3A5060&User_ID_1_=1001"
                     b"&Display_Name_1_=Front+desk&Password_1_=",
    "form-login": b"account=admin&password=p%C3%A4ss%21",
    "form-empty-pieces": b"a=1&&b=&c",
    "query": b"saved=1&account=user",
    "cookie": b"0123456789abcdef1032547698badcfe",
    "secret": b"pbkdf2-sha256 100000 00112233445566778899aabbccddeeff "
              + b"ab" * 32 + b"\n",
    "markup": b"<script>alert('x')</script>&amp;\"",
}

TARGETS = {"sdp": SDP, "sip": SIP, "rtp": RTP, "params": PARAMS,
           "web": WEB}


def main():
    for target, seeds in TARGETS.items():
        d = os.path.join(HERE, "corpus", target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
