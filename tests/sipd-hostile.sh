#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Requests a fresh-user test turned into bugs: an out-of-dialog REFER
# must not make the phone send NOTIFYs to whatever its Contact names
# (a reflector), a caller URI with bytes that are not UTF-8 must not
# make the phone's call status unreadable on D-Bus, and a caller that
# vanishes without CANCEL must not keep the phone ringing for ever
# (the ring timeout, 180 s, is shortened here).
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"

PORT=25080
dp_start_bus
mkdir -p "$WORK/state"
SIPD_TEST_RING_TIMEOUT_MS=4000 dp_spawn sipd "$BUILD/sipd/sipd" \
	--state-dir "$WORK/state" --bind 127.0.0.1 --port $PORT
dp_wait_name org.deskphone.Sip

cat > "$WORK/send.py" <<'EOP'
import socket, sys, time
port, kind, tag = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 25081))
victim = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
victim.bind(("127.0.0.1", 25082))
victim.settimeout(0.2)
hdr = ("Via: SIP/2.0/UDP 127.0.0.1:25081;branch=z9hG4bK%s\r\n"
       "Max-Forwards: 70\r\nCall-ID: %s@127.0.0.1\r\n" % (tag, tag))
if kind == "refer":
    msg = ("REFER sip:1000@127.0.0.1:%d SIP/2.0\r\n" % port + hdr +
           "From: <sip:a@127.0.0.1:25081>;tag=1\r\n"
           "To: <sip:1000@127.0.0.1:%d>\r\nCSeq: 1 REFER\r\n" % port +
           "Contact: <sip:victim@127.0.0.1:25082>\r\n"
           "Refer-To: <sip:x@127.0.0.1:25082>\r\n"
           "Content-Length: 0\r\n\r\n").encode()
else:
    sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
           "c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n")
    msg = (("INVITE sip:1000@127.0.0.1:%d SIP/2.0\r\n" % port + hdr).encode() +
           b"From: <sip:\xff\xfe@127.0.0.1:25081>;tag=2\r\n" +
           ("To: <sip:1000@127.0.0.1:%d>\r\nCSeq: 1 INVITE\r\n" % port +
            "Contact: <sip:a@127.0.0.1:25081>\r\n"
            "Content-Type: application/sdp\r\n"
            "Content-Length: %d\r\n\r\n%s" % (len(sdp), sdp)).encode())
s.sendto(msg, ("127.0.0.1", port))
s.settimeout(8)
codes = []
try:
    while True:
        data = s.recv(65535)
        # a retransmitted answer to an earlier request is not ours
        if ("Call-ID: %s@" % tag).encode() not in data:
            continue
        codes.append(data.split(b"\r\n", 1)[0].decode("latin-1"))
        if not data.startswith(b"SIP/2.0 1"):
            break
except socket.timeout:
    pass
print("responses:", codes)
notifies = 0
end = time.time() + 3
while kind == "refer" and time.time() < end:
    try:
        victim.recv(65535)
        notifies += 1
    except socket.timeout:
        pass
print("notifies:", notifies)
EOP

out=$(python3 "$WORK/send.py" $PORT refer r1)
dp_log "$out"
echo "$out" | grep -q "405" || dp_fail "REFER not refused with 405: $out"
echo "$out" | grep -q "notifies: 0" || dp_fail "REFER made sipd send NOTIFYs"

python3 "$WORK/send.py" $PORT invite i1 > "$WORK/invite.out" &
sender=$!
dp_wait_prop 5 ringing org.deskphone.Sip /org/deskphone/Sip \
	org.deskphone.Sip1 CallState || dp_fail "the INVITE did not ring"
remote=$(dp_prop org.deskphone.Sip /org/deskphone/Sip org.deskphone.Sip1 \
	CallRemote) || dp_fail "CallRemote unreadable"
case "$remote" in
sip:??@127.0.0.1*) ;;
*) dp_fail "CallRemote is '$remote'" ;;
esac
busctl --system introspect org.deskphone.Sip /org/deskphone/Sip \
	> /dev/null || dp_fail "introspection fails during the call"
busctl --system call org.deskphone.Sip /org/deskphone/Sip \
	org.deskphone.Sip1 Hangup || dp_fail "Hangup failed"
dp_wait_prop 5 idle org.deskphone.Sip /org/deskphone/Sip \
	org.deskphone.Sip1 CallState || dp_fail "not idle after Hangup"
wait "$sender"

# Nobody answers and the caller never cancels: 480 after the timeout.
python3 "$WORK/send.py" $PORT invite i2 > "$WORK/noanswer.out" &
sender=$!
dp_wait_prop 5 ringing org.deskphone.Sip /org/deskphone/Sip \
	org.deskphone.Sip1 CallState || dp_fail "the second INVITE did not ring"
dp_wait_prop 8 idle org.deskphone.Sip /org/deskphone/Sip \
	org.deskphone.Sip1 CallState || dp_fail "still ringing after the timeout"
wait "$sender"
grep -q "480" "$WORK/noanswer.out" ||
	dp_fail "no 480 to the unanswered call: $(cat "$WORK/noanswer.out")"
exit 0
