#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Auth_INVITE_1_ against hostile and honest callers, INVITEs straight to
# sipd (Auto_Answer_1_ answers what gets through):
#   sipp: valid (MD5), valid after a burst of 150 other challenges,
#         wrong password (403), missing credentials (401
#         offering MD5 and SHA-256, nothing rings), stale nonce (401
#         stale=true, then accepted with the new nonce)
#   sipd/testing/digest-uac.py (sipp 3.6 has no SHA-256): valid SHA-256,
#         a replayed Authorization header in a new INVITE (403), a
#         digest uri other than the Request-URI (403), stale with SHA-256
# Nonces live 1.5 s here (SIPD_TEST_NONCE_EXPIRES_MS) instead of 60 s.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
dp_unshare_net "$@"

SPORT=5062
SIPD=$BUILD/sipd/sipd
UAC=$SRC/sipd/testing/digest-uac.py
for p in sipp busctl gdbus dbus-daemon python3; do
	command -v "$p" > /dev/null || dp_skip "$p is not installed"
done
[ -x "$SIPD" ] || dp_fail "sipd is not built ($SIPD)"
SIP=(org.deskphone.Sip /org/deskphone/Sip)
cd "$WORK" || exit 1

mkdir -p "$WORK/state"
dp_start_bus
dp_spawn sipd env SIPD_TEST_NONCE_EXPIRES_MS=1500 TPORT_LOG=1 "$SIPD" \
	--state-dir "$WORK/state" --bind 127.0.0.1 --port "$SPORT" \
	--log-level debug
dp_wait_name org.deskphone.Sip
busctl --system call "${SIP[@]}" org.deskphone.Parameters1 SetMany 'a{ss}' \
	4 User_ID_1_ 1000 Password_1_ secret Auth_INVITE_1_ Yes \
	Auto_Answer_1_ Yes || dp_fail "SetMany failed"

invite() {
	cat <<XML
  <send retrans="500"><![CDATA[
INVITE sip:1000@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]>;tag=[pid]SIPpTag00[call_number]
To: <sip:1000@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: $1 INVITE
Contact: sip:sipp@[local_ip]:[local_port]${2:+
$2}
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=- 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
  ]]></send>
  <recv response="100" optional="true"/>
XML
}

ack() {
	cat <<XML
  <send><![CDATA[
ACK sip:1000@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
From: sipp <sip:sipp@[local_ip]>;tag=[pid]SIPpTag00[call_number]
To: <sip:1000@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: $1 ACK
Max-Forwards: 70
Content-Length: 0
  ]]></send>
XML
}

bye() {
	cat <<XML
  <send retrans="500"><![CDATA[
BYE sip:1000@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]>;tag=[pid]SIPpTag00[call_number]
To: <sip:1000@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: $1 BYE
Max-Forwards: 70
Content-Length: 0
  ]]></send>
  <recv response="200"/>
XML
}

# scenario NAME BODY...: a sipp scenario file from the pieces above
scenario() {
	local name=$1
	shift
	{
		echo '<?xml version="1.0" encoding="ISO-8859-1" ?>'
		echo '<scenario name="'"$name"'">'
		printf '%s\n' "$@"
		echo '</scenario>'
	} > "$WORK/$name.xml"
}

run_sipp() {
	local name=$1 pw=$2
	timeout 30 sipp -sf "$WORK/$name.xml" "127.0.0.1:$SPORT" -i 127.0.0.1 \
		-p 25030 -mp 27000 -s 1000 -au 1000 -ap "$pw" -m 1 -nostdin \
		-auth_uri "1000@127.0.0.1:$SPORT" \
		-timeout 20s -timeout_error -trace_msg \
		-message_file "$WORK/$name.msg" > "$WORK/$name.log" 2>&1
}

CHALLENGE="$(invite 1 '')
  <recv response=\"401\" auth=\"true\"/>
$(ack 1)"
ANSWERED="  <recv response=\"200\"/>
$(ack 2)
$(bye 3)"

dp_log "sipp: valid MD5 credentials"
scenario valid "$CHALLENGE" "$(invite 2 '[authentication]')" "$ANSWERED"
run_sipp valid secret || dp_fail "the authenticated call failed"

dp_log "sipp: 150 other challenges before the answer: the nonce is kept"
scenario slow "$CHALLENGE" '  <pause milliseconds="1000"/>' \
	"$(invite 2 '[authentication]')" "$ANSWERED"
scenario missing "$CHALLENGE"
run_sipp slow secret &
slow=$!
sleep 0.2
timeout 30 sipp -sf "$WORK/missing.xml" "127.0.0.1:$SPORT" -i 127.0.0.1 \
	-p 25031 -mp 27100 -s 1000 -m 150 -r 300 -l 150 -nostdin \
	-timeout 20s -timeout_error > "$WORK/burst.log" 2>&1 ||
	dp_fail "the burst of unauthenticated INVITEs failed"
wait "$slow" || dp_fail "the call answered after a burst was refused:" \
	"$(grep -c 'unknown nonce' "$WORK/sipd.log") unknown nonces"

dp_log "sipp: wrong password -> 403"
scenario wrong "$CHALLENGE" "$(invite 2 '[authentication]')" \
	'  <recv response="403"/>' "$(ack 2)"
run_sipp wrong nope || dp_fail "a wrong password was not refused with 403"

dp_log "sipp: no credentials -> 401 with MD5 and SHA-256, nothing rings"
scenario missing "$CHALLENGE"
run_sipp missing secret || dp_fail "no 401 without credentials"
grep -q 'WWW-Authenticate: Digest .*algorithm=MD5, qop="auth"' \
	"$WORK/missing.msg" || dp_fail "no MD5 challenge"
grep -q 'WWW-Authenticate: Digest .*algorithm=SHA-256, qop="auth"' \
	"$WORK/missing.msg" || dp_fail "no SHA-256 challenge"
nonce=$(sed -n 's/.*nonce="\([0-9a-f]*\)".*/\1/p' "$WORK/missing.msg" |
	head -1)
[ "${#nonce}" = 32 ] || dp_fail "nonce '$nonce' is not 128 random bits"
[ "$(dp_prop "${SIP[@]}" org.deskphone.Sip1 CallState)" = idle ] ||
	dp_fail "an unauthenticated INVITE made a call"

dp_log "sipp: stale nonce -> 401 stale=true, then accepted"
scenario stale "$CHALLENGE" '  <pause milliseconds="2500"/>' \
	"$(invite 2 '[authentication]')" \
	'  <recv response="401" auth="true"/>' "$(ack 2)" \
	"$(invite 3 '[authentication]')" "  <recv response=\"200\"/>
$(ack 3)
$(bye 4)"
run_sipp stale secret || dp_fail "the stale-nonce scenario failed"
grep -q 'stale=true' "$WORK/stale.msg" || dp_fail "no stale=true in the 401"

dp_log "python: SHA-256 valid, then its header replayed in a new INVITE"
out=$(python3 "$UAC" 127.0.0.1 "$SPORT" 1000 secret SHA-256 --replay) ||
	dp_fail "digest-uac failed: $out"
echo "$out" >&2
echo "$out" | grep -qx 'challenge 401 MD5,SHA-256' ||
	dp_fail "challenge not MD5 and SHA-256"
echo "$out" | grep -qx 'final 200' || dp_fail "SHA-256 credentials refused"
echo "$out" | grep -qx 'replay 403' || dp_fail "a replay was not refused"

dp_log "python: digest uri is not the Request-URI -> 403"
out=$(python3 "$UAC" 127.0.0.1 "$SPORT" 1000 secret SHA-256 \
	--uri "sip:1000@127.0.0.1") || dp_fail "digest-uac failed"
echo "$out" | grep -qx 'final 403' || dp_fail "another uri accepted: $out"

dp_log "python: SHA-256 with a stale nonce"
out=$(python3 "$UAC" 127.0.0.1 "$SPORT" 1000 secret SHA-256 \
	--stale-wait 2000) || dp_fail "digest-uac failed"
echo "$out" | grep -qx 'final 401 stale=true' || dp_fail "not stale: $out"
echo "$out" | grep -qx 'stale-retry 200' || dp_fail "no call after stale"

calls=$(grep -c 'Incoming call' "$WORK/sipd.log")
[ "$calls" = 5 ] || dp_fail "$calls calls rang, expected 5 (the valid ones)"
kill -0 "$(dp_pid sipd)" || dp_fail "sipd died"
dp_log "PASS"
