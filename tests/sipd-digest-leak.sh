#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# "SIPDigestLeak": sipd answers 401/407 only for requests to its own
# registrar or proxy.  Through kamailio (realm phone.test) sipd calls a
# hostile sipp UAS registered as 1001:
#  1. kamailio's 407 to the INVITE is answered (own proxy, own realm);
#     the UAS answers; Hangup() sends BYE, which the UAS challenges with
#     407 for realm phone.test: no BYE with credentials follows, and the
#     call ends at once (CallState idle, CallEnded "Hung up");
#  2. the UAS challenges the INVITE itself (401, realm evil.example):
#     not answered, the call fails with that status.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
dp_unshare_net "$@"

KPORT=35060
SPORT=5062
SIPD=$BUILD/sipd/sipd
for p in kamailio sipp busctl gdbus dbus-daemon; do
	command -v "$p" > /dev/null || dp_skip "$p is not installed"
done
[ -x "$SIPD" ] || dp_fail "sipd is not built ($SIPD)"
SIP=(org.deskphone.Sip /org/deskphone/Sip)
cd "$WORK" || exit 1

udp_listening() {
	ss -Hlnu "sport = :$1" | grep -q "127.0.0.1:$1"
}
sip_call() {
	busctl --system call "${SIP[@]}" org.deskphone.Sip1 "$@"
}
call_state() {
	dp_prop "${SIP[@]}" org.deskphone.Sip1 CallState
}

mkdir -p "$WORK/kamailio/run" "$WORK/state"
sed "s|@DIR@|$WORK/kamailio|g" "$SRC/tests/peers/kamailio.cfg" \
	> "$WORK/kamailio/kamailio.cfg"
dp_spawn kamailio kamailio -f "$WORK/kamailio/kamailio.cfg" \
	-A "SIP_PORT=$KPORT" -DD -E -m 32 -M 4 -Y "$WORK/kamailio/run" \
	-P "$WORK/kamailio/run/kamailio.pid" -w "$WORK/kamailio"
dp_wait_for 10 udp_listening "$KPORT" || dp_fail "kamailio is not up"

dp_start_bus
dp_spawn monitor dbus-monitor --system \
	"type='signal',interface='org.deskphone.Sip1',member='CallEnded'"
dp_spawn sipd env TPORT_LOG=1 "$SIPD" --state-dir "$WORK/state" \
	--bind 127.0.0.1 --port "$SPORT" --log-level debug
dp_wait_name org.deskphone.Sip
busctl --system call "${SIP[@]}" org.deskphone.Parameters1 SetMany 'a{ss}' \
	3 Proxy_1_ "127.0.0.1:$KPORT" User_ID_1_ 1000 Password_1_ secret ||
	dp_fail "SetMany failed"
dp_wait_prop 10 registered "${SIP[@]}" org.deskphone.Sip1 \
	RegistrationState || dp_fail "sipd did not register"

cat > "$WORK/reg.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register">
  <send retrans="500"><![CDATA[
REGISTER sip:phone.test SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[service]@phone.test>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@phone.test>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:[service]@[local_ip]:[local_port]>
Expires: 300
Max-Forwards: 70
Content-Length: 0
  ]]></send>
  <recv response="401" auth="true"/>
  <send retrans="500"><![CDATA[
REGISTER sip:phone.test SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[service]@phone.test>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@phone.test>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:[service]@[local_ip]:[local_port]>
[authentication]
Expires: 300
Max-Forwards: 70
Content-Length: 0
  ]]></send>
  <recv response="200"/>
</scenario>
XML
timeout 20 sipp -sf "$WORK/reg.xml" "127.0.0.1:$KPORT" -i 127.0.0.1 \
	-p 25010 -s 1001 -au 1001 -ap secret -m 1 -nostdin -timeout 10s \
	-timeout_error > "$WORK/reg.log" 2>&1 || dp_fail "sipp cannot register"

# The hostile callee: answers, then challenges the BYE; a second BYE
# (with credentials) would be answered 200 and logged.
cat > "$WORK/evil.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="challenge the BYE">
  <recv request="INVITE" crlf="true"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_Record-Route:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:1001@[local_ip]:[local_port]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=- 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
  ]]></send>
  <recv request="ACK"/>
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 407 Proxy Authentication Required
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Proxy-Authenticate: Digest realm="phone.test", nonce="4b1d6f0e2a7c93d5", algorithm=MD5, qop="auth"
Content-Length: 0
  ]]></send>
  <recv request="BYE" timeout="4000" ontimeout="done"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
  ]]></send>
  <label id="done"/>
</scenario>
XML

dp_log "1. the far end challenges our BYE"
dp_spawn evil timeout 40 sipp -sf "$WORK/evil.xml" -i 127.0.0.1 -p 25010 \
	-mp 26500 -m 1 -nostdin -trace_msg -message_file "$WORK/evil.msg"
dp_wait_for 5 udp_listening 25010 || dp_fail "sipp UAS did not start"
sip_call Dial s "sip:1001@phone.test" || dp_fail "Dial() failed"
dp_wait_prop 10 active "${SIP[@]}" org.deskphone.Sip1 CallState ||
	dp_fail "the call did not come up: $(call_state)"
grep -q 'sofia: *Proxy-Authorization: Digest username="1000", realm="phone.test"' \
	"$WORK/sipd.log" || dp_fail "kamailio's 407 to the INVITE was not answered"
sip_call Hangup || dp_fail "Hangup() failed"
dp_wait_prop 3 idle "${SIP[@]}" org.deskphone.Sip1 CallState ||
	dp_fail "the call did not end locally: $(call_state)"
grep -A1 'member=CallEnded' "$WORK/monitor.log" | grep -q '"Hung up"' ||
	dp_fail "no CallEnded(Hung up)"
sleep 5
byes=$(grep -c '^BYE sip:' "$WORK/evil.msg")
[ "$byes" = 1 ] || dp_fail "the far end got $byes BYEs, expected 1"
grep -i -A12 '^BYE sip:' "$WORK/evil.msg" | grep -qi 'Authorization:' &&
	dp_fail "a BYE carried credentials"
grep -q 'challenged our BYE' "$WORK/sipd.log" || dp_fail "not logged"
dp_log "one BYE, no credentials, call ended locally"

# the first UAS gives up waiting for a second BYE after 4 s
wait "$(dp_pid evil)" 2> /dev/null

dp_log "2. the far end challenges our INVITE"
cat > "$WORK/evil2.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="challenge the INVITE">
  <recv request="INVITE"/>
  <send><![CDATA[
SIP/2.0 401 Unauthorized
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
WWW-Authenticate: Digest realm="evil.example", nonce="77aa01", algorithm=MD5, qop="auth"
Content-Length: 0
  ]]></send>
  <recv request="ACK"/>
  <recv request="INVITE" timeout="4000" ontimeout="done"/>
  <label id="done"/>
</scenario>
XML
dp_spawn evil2 timeout 40 sipp -sf "$WORK/evil2.xml" -i 127.0.0.1 \
	-p 25010 -mp 26500 -m 1 -nostdin -trace_msg \
	-message_file "$WORK/evil2.msg"
dp_wait_for 5 udp_listening 25010 || dp_fail "sipp UAS did not start"
sip_call Dial s "sip:1001@phone.test" || dp_fail "Dial() failed"
dp_wait_prop 10 idle "${SIP[@]}" org.deskphone.Sip1 CallState ||
	dp_fail "the challenged call did not end"
grep -A1 'member=CallEnded' "$WORK/monitor.log" |
	grep -q '"401 Unauthorized"' || dp_fail "no CallEnded(401 Unauthorized)"
sleep 5
[ "$(grep -c '^INVITE sip:' "$WORK/evil2.msg")" = 1 ] ||
	dp_fail "the far end got a second INVITE"
grep -q 'Authorization: Digest username="1000", realm="evil.example"' \
	"$WORK/sipd.log" && dp_fail "credentials sent for evil.example"
kill -0 "$(dp_pid sipd)" || dp_fail "sipd died"
dp_log "PASS"
