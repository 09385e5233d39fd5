#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# sipd calls through kamailio with sipp as the far end, in a private
# network namespace.  A stand-in audiod (sipd-fake-audiod) hands out RTP
# ports and records what sipd asks of it.
#  1. incoming call: ringing, Answer(), the 200's SDP carries audiod's
#     port, StartStream with sipp's address, remote BYE -> idle + close
#  2. codec follows the offer (PCMA first -> PCMA); no common codec -> 488
#  3. Call_Appearances_Per_Line=1: a second INVITE while a call is up
#     -> 486 (tests/sipd-appearances.sh has the default of 2)
#  4. outgoing Dial() to a registered sipp UAS, Hangup() -> BYE
#  5. without audiod: the call is still answered (inactive stream)
#  6. the caller cancels while it rings; 7. a bare number dialled gets 404;
#     Hangup() while the far end rings sends CANCEL
#  8. Auth_INVITE_1_: a direct INVITE is challenged (401) and needs the
#     line's credentials for the Request-URI
# SIPD_WRAP="valgrind --leak-check=full" runs sipd under a checker.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
dp_unshare_net "$@"

KPORT=35060
SPORT=5062
SIPD=$BUILD/sipd/sipd
FAKE=$BUILD/sipd/sipd-fake-audiod
for p in kamailio sipp busctl dbus-daemon; do
	command -v "$p" > /dev/null || dp_skip "$p is not installed"
done
[ -x "$SIPD" ] || dp_fail "sipd is not built ($SIPD)"
[ -x "$FAKE" ] || dp_fail "sipd-fake-audiod is not built ($FAKE)"

SIP=(org.deskphone.Sip /org/deskphone/Sip)
cd "$WORK" || exit 1

udp_listening() {
	ss -Hlnu "sport = :$1" | grep -q "127.0.0.1:$1"
}

kam_start() {
	local dir=$WORK/kamailio

	mkdir -p "$dir/run"
	sed "s|@DIR@|$dir|g" "$SRC/tests/peers/kamailio.cfg" > "$dir/kamailio.cfg"
	dp_spawn kamailio kamailio -f "$dir/kamailio.cfg" -A "SIP_PORT=$KPORT" \
		-DD -E -m 32 -M 4 -Y "$dir/run" -P "$dir/run/kamailio.pid" \
		-w "$dir"
	dp_wait_for 10 udp_listening "$KPORT" ||
		dp_fail "kamailio does not listen on port $KPORT"
}

call_prop() {
	dp_prop "${SIP[@]}" org.deskphone.Sip1 "$1"
}

expect_call() {
	dp_wait_prop "$1" "$2" "${SIP[@]}" org.deskphone.Sip1 CallState ||
		dp_fail "CallState is '$(call_prop CallState)', want $2"
}

sip_call() {
	busctl --system call "${SIP[@]}" org.deskphone.Sip1 "$@"
}

# Lines the fake audiod logged, e.g. audiod_has "StartStream 1 "
audiod_has() {
	grep -q "^$1" "$WORK/audiod.log"
}

# sipd's SIP messages as sent (TPORT_LOG), from line $1 on
sipd_sent_since() {
	tail -n "+$1" "$WORK/sipd.log"
}

log_lines() {
	wc -l < "$WORK/sipd.log"
}

# --- scenarios -------------------------------------------------------

# INVITE with digest auth (kamailio answers 407), then 200/ACK, pause
# (-d), BYE.  @CODECS@ is the offered payload list.
write_uac() {
	cat > "$WORK/uac.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="UAC INVITE with digest auth">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@phone.test SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@phone.test>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@phone.test>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: sip:sipp@[local_ip]:[local_port]
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP @CODECS@
  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="407" auth="true"/>
  <send><![CDATA[
ACK sip:[service]@phone.test SIP/2.0
[last_Via:]
From: sipp <sip:sipp@phone.test>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@phone.test>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0
  ]]></send>
  <send retrans="500"><![CDATA[
INVITE sip:[service]@phone.test SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@phone.test>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@phone.test>
Call-ID: [call_id]
CSeq: 2 INVITE
Contact: sip:sipp@[local_ip]:[local_port]
[authentication]
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP @CODECS@
  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
@FINAL@
</scenario>
XML
}

# The end of a call that is answered: ACK through the route set, pause,
# BYE.
FINAL_OK='  <recv response="200" rtd="true" rrs="true"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: sipp <sip:sipp@phone.test>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@phone.test>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 ACK
Contact: sip:sipp@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0
  ]]></send>
  <pause/>
  <send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: sipp <sip:sipp@phone.test>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@phone.test>[peer_tag_param]
Call-ID: [call_id]
CSeq: 3 BYE
Contact: sip:sipp@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0
  ]]></send>
  <recv response="200" crlf="true"/>'

# FINAL_OK with a re-INVITE after the ACK that moves sipp's media to
# [media_port+2] (a new o= version, so it is a new offer).
REINVITE='  <pause milliseconds="500"/>
  <send retrans="500"><![CDATA[
INVITE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: sipp <sip:sipp@phone.test>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@phone.test>[peer_tag_param]
Call-ID: [call_id]
CSeq: 3 INVITE
Contact: sip:sipp@[local_ip]:[local_port]
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687638 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port+2] RTP/AVP 8 0 101
a=rtpmap:101 telephone-event/8000
  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="200"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: sipp <sip:sipp@phone.test>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@phone.test>[peer_tag_param]
Call-ID: [call_id]
CSeq: 3 ACK
Contact: sip:sipp@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0
  ]]></send>'
FINAL_REINVITE=$(echo "$FINAL_OK" | sed 's/CSeq: 3 BYE/CSeq: 4 BYE/' |
	awk -v block="$REINVITE" '/^  <pause\/>$/ { print block } { print }')

# The end of a refused call: CODE, then the ACK of the INVITE.
final_reject() {
	cat <<XML
  <recv response="$1"/>
  <send><![CDATA[
ACK sip:[service]@phone.test SIP/2.0
[last_Via:]
From: sipp <sip:sipp@phone.test>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@phone.test>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 ACK
Max-Forwards: 70
Content-Length: 0
  ]]></send>
XML
}

# make_uac NAME CODECS FINAL: $WORK/NAME.xml
make_uac() {
	local final=$3

	write_uac
	awk -v codecs="$2" -v final="$final" '
		/@CODECS@/ {
			gsub(/@CODECS@/, codecs)
			print
			if (codecs ~ /101/)
				print "a=rtpmap:101 telephone-event/8000"
			next
		}
		/^@FINAL@$/ { print final; next }
		{ print }' "$WORK/uac.xml" > "$WORK/$1.xml"
}

# run_uac NAME LOCAL_PORT MEDIA_PORT PAUSE_MS: sipp calls 1000 via
# kamailio in the background; its PID is $(dp_pid NAME)
run_uac() {
	dp_spawn "$1" timeout 60 sipp -sf "$WORK/$1.xml" "127.0.0.1:$KPORT" \
		-i 127.0.0.1 -p "$2" -mp "$3" -s 1000 -au sipp -ap secret \
		-m 1 -d "$4" -nostdin -timeout 50s -timeout_error
}

# wait_uac NAME: sipp's exit status
wait_uac() {
	local pid

	pid=$(dp_pid "$1")
	wait "$pid"
	local rc=$?
	DP_PIDS=$(echo "$DP_PIDS" | tr ' ' '\n' | grep -v "^$pid:" | tr '\n' ' ')
	return $rc
}

write_reg() {
	cat > "$WORK/reg.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="REGISTER with digest auth">
  <send retrans="500"><![CDATA[
REGISTER sip:phone.test SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[service]@phone.test>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@phone.test>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:[service]@[local_ip]:[local_port];transport=[transport]>
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
Contact: <sip:[service]@[local_ip]:[local_port];transport=[transport]>
[authentication]
Expires: 300
Max-Forwards: 70
Content-Length: 0
  ]]></send>
  <recv response="200"/>
</scenario>
XML
}

# --- setup -----------------------------------------------------------

mkdir -p "$WORK/state"
dp_start_bus
dp_spawn monitor dbus-monitor --system \
	"type='signal',interface='org.deskphone.Sip1'" \
	"type='signal',interface='org.freedesktop.DBus.Properties'"
kam_start
dp_spawn audiod "$FAKE" --port 40000
dp_wait_name org.deskphone.Audio
dp_spawn sipd env TPORT_LOG=1 ${SIPD_WRAP:-} "$SIPD" --state-dir "$WORK/state" \
	--bind 127.0.0.1 --port "$SPORT" --log-level debug
dp_wait_name org.deskphone.Sip
busctl --system call "${SIP[@]}" org.deskphone.Parameters1 SetMany \
	'a{ss}' 3 Proxy_1_ "127.0.0.1:$KPORT" User_ID_1_ 1000 \
	Password_1_ secret || dp_fail "cannot set the account"
dp_wait_prop 10 registered "${SIP[@]}" org.deskphone.Sip1 \
	RegistrationState || dp_fail "sipd did not register"
[ "$(call_prop CallState)" = idle ] || dp_fail "not idle at start"

# --- 1. incoming call ------------------------------------------------
dp_log "1. incoming call, answered, remote BYE"
make_uac in1 "0 101" "$FINAL_OK"
from=$(log_lines)
run_uac in1 25001 26100 2000
expect_call 10 ringing
[ "$(call_prop CallDirection)" = incoming ] || dp_fail "direction"
case $(call_prop CallRemote) in
sip:sipp@phone.test*) ;;
*) dp_fail "CallRemote is $(call_prop CallRemote)" ;;
esac
dp_wait_for 5 audiod_has StartRing || dp_fail "no StartRing"
dp_wait_for 5 audiod_has "OpenStream 127.0.0.1 -> 1 40000" ||
	dp_fail "no OpenStream on the bind address"
sip_call Answer || dp_fail "Answer() failed"
expect_call 10 active
[ "$(call_prop CallCodec)" = PCMU ] || dp_fail "codec $(call_prop CallCodec)"
sipd_sent_since "$from" | grep -q 'sofia: *m=audio 40000 RTP/AVP 0 101' ||
	dp_fail "the 200 does not offer audiod's port 40000 with PCMU"
sipd_sent_since "$from" | grep -q 'sofia: *c=IN IP4 127.0.0.1' ||
	dp_fail "the 200 has no c= line with the bind address"
dp_wait_for 5 audiod_has "StartStream 1 127.0.0.1 26100 0" ||
	dp_fail "no StartStream to sipp's media port"
# the second call while this one is up: busy with one appearance
dp_log "3. Call_Appearances_Per_Line=1: second INVITE while busy -> 486"
busctl --system call "${SIP[@]}" org.deskphone.Parameters1 Set ss \
	Call_Appearances_Per_Line 1 || dp_fail "Set Call_Appearances_Per_Line"
make_uac busy "0" "$(final_reject 486)"
run_uac busy 25003 26300 0
wait_uac busy || dp_fail "the second INVITE did not get 486"
[ "$(call_prop CallState)" = active ] || dp_fail "busy call disturbed ours"
busctl --system call "${SIP[@]}" org.deskphone.Parameters1 Set ss \
	Call_Appearances_Per_Line 2 || dp_fail "Set Call_Appearances_Per_Line"
wait_uac in1 || dp_fail "sipp's incoming call failed"
expect_call 10 idle
dp_wait_for 5 audiod_has "CloseStream 1" || dp_fail "no CloseStream 1"
[ "$(call_prop CallDirection)" = "" ] || dp_fail "direction left after end"

dp_log "2. codec by the offer: PCMA first; a re-INVITE moves the stream"
make_uac in2 "8 0 101" "$FINAL_REINVITE"
from=$(log_lines)
run_uac in2 25002 26200 1500
expect_call 10 ringing
sip_call Answer || dp_fail "Answer() failed"
expect_call 10 active
[ "$(call_prop CallCodec)" = PCMA ] || dp_fail "codec $(call_prop CallCodec)"
sipd_sent_since "$from" | grep -q 'sofia: *m=audio 40002 RTP/AVP 8 101' ||
	dp_fail "the 200 does not answer PCMA on port 40002"
dp_wait_for 5 audiod_has "StartStream 2 127.0.0.1 26200 8" ||
	dp_fail "no StartStream with PCMA"
dp_wait_for 5 audiod_has "StartStream 2 127.0.0.1 26202 8" ||
	dp_fail "the re-INVITE did not move the stream to port 26202"
wait_uac in2 || dp_fail "sipp's PCMA call failed"
expect_call 10 idle

dp_log "2b. no common codec -> 488"
make_uac g729 "18" "$(final_reject 488)"
run_uac g729 25004 26400 0
wait_uac g729 || dp_fail "an offer of G.729 only did not get 488"
[ "$(call_prop CallState)" = idle ] || dp_fail "488 left a call"

dp_log "2c. Restricted_Access_Domains"
busctl --system call "${SIP[@]}" org.deskphone.Parameters1 Set ss \
	Restricted_Access_Domains "nowhere.invalid" || dp_fail "Set failed"
# the proxy is outside the list: its INVITE is dropped by the socket
# filter (no answer at all, tests/sipd-restricted.sh), nothing rings,
# and the registration there is refused
# (one INVITE sent straight from the proxy's address: through kamailio
# its retransmissions would reach sipd once localhost is listed again)
incoming=$(grep -c 'Incoming call' "$WORK/sipd.log")
out=$(python3 "$SRC/sipd/testing/probe.py" udp INVITE 127.0.0.1 127.0.0.1 \
	"$SPORT" 2)
[ "$out" = "replies 0: " ] || dp_fail "INVITE from outside the list: $out"
[ "$(call_prop CallState)" = idle ] || dp_fail "a call from outside rang"
[ "$(grep -c 'Incoming call' "$WORK/sipd.log")" = "$incoming" ] ||
	dp_fail "an INVITE from outside the domains reached sipd"
dp_wait_prop 5 failed "${SIP[@]}" org.deskphone.Sip1 RegistrationState ||
	dp_fail "registered with a proxy outside the domains"
busctl --system call "${SIP[@]}" org.deskphone.Parameters1 Set ss \
	Restricted_Access_Domains "nowhere.invalid;localhost" ||
	dp_fail "Set failed"
dp_wait_prop 15 registered "${SIP[@]}" org.deskphone.Sip1 \
	RegistrationState || dp_fail "not registered again with localhost listed"
make_uac allowed "0" "$FINAL_OK"
run_uac allowed 25007 26800 0
expect_call 10 ringing
sip_call Answer || dp_fail "Answer() failed"
wait_uac allowed || dp_fail "a call from localhost (the proxy) failed"
expect_call 10 idle
busctl --system call "${SIP[@]}" org.deskphone.Parameters1 Set ss \
	Restricted_Access_Domains "" || dp_fail "Set failed"
sleep 0.5
dp_wait_prop 15 registered "${SIP[@]}" org.deskphone.Sip1 \
	RegistrationState || dp_fail "not registered after the list emptied"

# --- 4. outgoing -----------------------------------------------------
dp_log "4. outgoing call to a registered sipp UAS, local Hangup()"
write_reg
timeout 20 sipp -sf "$WORK/reg.xml" "127.0.0.1:$KPORT" -i 127.0.0.1 \
	-p 25010 -s 1001 -au 1001 -ap secret -m 1 -nostdin -timeout 10s \
	-timeout_error > "$WORK/reg.log" 2>&1 || dp_fail "sipp cannot register"
sipp -sd uas | sed 's/^\([[:space:]]*\)\[last_Via:\]$/&\n\1[last_Record-Route:]/' \
	> "$WORK/uas_rr.xml"
dp_spawn uas timeout 60 sipp -sf "$WORK/uas_rr.xml" -i 127.0.0.1 -p 25010 \
	-mp 26500 -m 1 -nostdin -timeout 50s
dp_wait_for 5 udp_listening 25010 || dp_fail "sipp UAS did not start"
from=$(log_lines)
out=$(busctl --system call "${SIP[@]}" org.deskphone.Sip1 Dial s \
	"bad uri with spaces" 2>&1) && dp_fail "a bad URI was dialled"
sip_call Dial s "sip:1001@phone.test" || dp_fail "Dial() failed"
[ "$(call_prop CallDirection)" = outgoing ] || dp_fail "direction"
expect_call 10 active
sipd_sent_since "$from" | grep -q 'sofia: *m=audio 40006 RTP/AVP 0 8 101' ||
	dp_fail "the INVITE does not offer audiod's port 40006"
dp_wait_for 5 audiod_has "StartStream 4 127.0.0.1 26500 0" ||
	dp_fail "no StartStream to the UAS"
out=$(busctl --system call "${SIP[@]}" org.deskphone.Sip1 Dial s \
	"sip:1001@phone.test" 2>&1) && dp_fail "a second Dial() was accepted"
echo "$out" | grep -qi 'already' || dp_fail "wrong busy error: $out"
sip_call Hangup || dp_fail "Hangup() failed"
expect_call 10 idle
dp_wait_for 5 audiod_has "CloseStream 4" || dp_fail "no CloseStream 4"
wait_uac uas || dp_fail "sipp UAS saw no clean BYE"
out=$(busctl --system call "${SIP[@]}" org.deskphone.Sip1 Hangup 2>&1) &&
	dp_fail "Hangup() without a call succeeded"

dp_log "6. caller cancels while ringing"
FINAL_CANCEL='  <pause milliseconds="1500"/>
  <send><![CDATA[
CANCEL sip:[service]@phone.test SIP/2.0
[last_Via:]
From: sipp <sip:sipp@phone.test>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@phone.test>
Call-ID: [call_id]
CSeq: 2 CANCEL
Max-Forwards: 70
Content-Length: 0
  ]]></send>
  <!-- kamailio'"'"'s 200 to the CANCEL and sipd'"'"'s 487 may cross -->
  <recv response="200" optional="true"/>
'"$(final_reject 487)"
make_uac cancel "0" "$FINAL_CANCEL"
# sipp wants a mandatory message right before a pause
sed -i -e 's|<recv response="180" optional="true"/>|<recv response="180"/>|' \
	-e '/<recv response="183" optional="true"\/>/d' "$WORK/cancel.xml"
run_uac cancel 25008 26900 0
expect_call 10 ringing
dp_wait_for 5 audiod_has "OpenStream 127.0.0.1 -> 5 40008" ||
	dp_fail "no stream 5 for the cancelled call"
wait_uac cancel || dp_fail "the CANCEL was not answered with 487"
expect_call 10 idle
dp_wait_for 5 audiod_has "CloseStream 5" || dp_fail "no CloseStream 5"
[ "$(grep -c '^StopRing' "$WORK/audiod.log")" -ge 3 ] ||
	dp_fail "the ring was not stopped"

dp_log "7. outgoing call to nobody (a bare number: @ Proxy_1_): 404"
sip_call Dial s "9999" || dp_fail "Dial() failed"
expect_call 10 idle
dp_wait_for 5 audiod_has "CloseStream 6" || dp_fail "no CloseStream 6"

dp_log "7b. Hangup() while the far end rings: CANCEL"
cat > "$WORK/uas_ring.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="UAS that rings until CANCEL">
  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp="[0-9]+" search_in="hdr" header="CSeq:"
            assign_to="cseqnum"/>
      <!-- the 487 goes back through kamailio: it needs every Via of
           the INVITE, [last_Via:] would give the CANCEL's only -->
      <ereg regexp="(Via: [^&lt;&gt;]*[^&lt;&gt;[:space:]])[[:space:]]*Max-Forwards"
            search_in="msg" check_it="true" assign_to="vialines,vias"/>
      <log message="INVITE Vias: [$vialines]"/>
    </action>
  </recv>
  <send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_Record-Route:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Length: 0
  ]]></send>
  <recv request="CANCEL"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
  ]]></send>
  <send><![CDATA[
SIP/2.0 487 Request Terminated
[$vias]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
CSeq: [$cseqnum] INVITE
Content-Length: 0
  ]]></send>
  <recv request="ACK"/>
</scenario>
XML
dp_spawn uas2 timeout 60 sipp -sf "$WORK/uas_ring.xml" -i 127.0.0.1 \
	-p 25010 -m 1 -nostdin -timeout 50s
dp_wait_for 5 udp_listening 25010 || dp_fail "sipp UAS did not start"
sip_call Dial s "sip:1001@phone.test" || dp_fail "Dial() failed"
dp_wait_for 10 grep -q 'nua nua_r_invite: 180' "$WORK/sipd.log" ||
	dp_fail "the far end did not ring"
[ "$(call_prop CallState)" = dialing ] || dp_fail "not dialing while it rings"
sip_call Hangup || dp_fail "Hangup() failed"
expect_call 10 idle
wait_uac uas2 || dp_fail "sipp saw no CANCEL"
dp_wait_for 5 audiod_has "CloseStream 7" || dp_fail "no CloseStream 7"

# --- 5. no audiod ----------------------------------------------------
dp_log "5. audiod gone: the call still works"
dp_stop audiod
make_uac in3 "0" "$FINAL_OK"
from=$(log_lines)
run_uac in3 25005 26600 500
expect_call 10 ringing
sip_call Answer || dp_fail "Answer() failed"
expect_call 10 active
sipd_sent_since "$from" | grep -q 'sofia: *a=inactive' ||
	dp_fail "without audiod the answer is not inactive"
wait_uac in3 || dp_fail "sipp's call without audiod failed"
expect_call 10 idle
grep -q 'audiod OpenStream failed\|Failed to call audiod' "$WORK/sipd.log" ||
	dp_fail "the audiod failure was not logged"
kill -0 "$(dp_pid sipd)" || dp_fail "sipd died"

dp_log "8. Auth_INVITE_1_: INVITEs sent straight to sipd must authenticate"
busctl --system call "${SIP[@]}" org.deskphone.Parameters1 Set ss \
	Auth_INVITE_1_ Yes || dp_fail "Set Auth_INVITE_1_ failed"
# direct_uac NAME FINAL PASSWORD [sipp options]: sipd challenges with 401
direct_uac() {
	local name=$1 final=$2 pw=$3
	shift 3

	make_uac "$name" "0" "$final"
	sed -i 's|<recv response="407" auth="true"/>|<recv response="401" auth="true"/>|' \
		"$WORK/$name.xml"
	timeout 30 sipp -sf "$WORK/$name.xml" "127.0.0.1:$SPORT" -i 127.0.0.1 \
		-p 25020 -mp 27000 -s 1000 -au 1000 -ap "$pw" -m 1 -d 200 \
		-nostdin -timeout 20s -timeout_error "$@" \
		> "$WORK/$name.log" 2>&1
}
direct_uac authbad "$(final_reject 403)" wrong -auth_uri 1000@phone.test ||
	dp_fail "a wrong password was not refused with 403"
direct_uac authuri "$(final_reject 403)" secret ||
	dp_fail "a digest for another URI was not refused with 403"
[ "$(call_prop CallState)" = idle ] || dp_fail "a refused INVITE rang"
direct_uac authok "$FINAL_OK" secret -auth_uri 1000@phone.test &
pid=$!
expect_call 10 ringing
sip_call Answer || dp_fail "Answer() failed"
wait "$pid" || dp_fail "the authenticated INVITE failed"
expect_call 10 idle
busctl --system call "${SIP[@]}" org.deskphone.Parameters1 Set ss \
	Auth_INVITE_1_ No || dp_fail "Set Auth_INVITE_1_ failed"

dp_log "9. Auto_Answer_1_: 200 at once, no 180, no ring"
dp_spawn audiod "$FAKE" --port 40100
dp_wait_name org.deskphone.Audio
busctl --system call "${SIP[@]}" org.deskphone.Parameters1 Set ss \
	Auto_Answer_1_ Yes || dp_fail "Set Auto_Answer_1_ failed"
make_uac auto "0" "$FINAL_OK"
from=$(log_lines)
run_uac auto 25007 26700 500
wait_uac auto || dp_fail "the auto-answered call failed"
expect_call 10 idle
sipd_sent_since "$from" | grep -q 'sofia: *SIP/2.0 200 OK' ||
	dp_fail "no 200 sent by the auto-answer"
sipd_sent_since "$from" | grep -q 'sofia: *SIP/2.0 180' &&
	dp_fail "an auto-answered call sent 180 Ringing"
audiod_has "StartRing" && dp_fail "an auto-answered call rang"
sipd_sent_since "$from" | grep -q 'sofia: *m=audio 40100 RTP/AVP 0' ||
	dp_fail "the auto-answer does not carry audiod's port"
busctl --system call "${SIP[@]}" org.deskphone.Parameters1 Set ss \
	Auto_Answer_1_ No || dp_fail "Set Auto_Answer_1_ failed"

dp_log "signals: PropertiesChanged and CallEnded"
# monitor_after NAME VALUE: a signal line naming NAME followed by VALUE
monitor_has() {
	grep -A1 "string \"$1\"" "$WORK/monitor.log" |
		grep -q "variant *string \"$2\""
}
for st in ringing active ending idle dialing; do
	monitor_has CallState "$st" ||
		dp_fail "no PropertiesChanged for CallState $st"
done
monitor_has CallCodec PCMA || dp_fail "no PropertiesChanged for CallCodec"
monitor_has CallRemote "sip:9999@127.0.0.1:$KPORT" ||
	dp_fail "a bare number was not dialled at Proxy_1_"
monitor_has CallDirection outgoing ||
	dp_fail "no PropertiesChanged for CallDirection"
grep -A1 'member=CallEnded' "$WORK/monitor.log" |
	grep -q 'string "Remote hung up"' || dp_fail "no CallEnded(Remote hung up)"
grep -A1 'member=CallEnded' "$WORK/monitor.log" |
	grep -q 'string "Hung up"' || dp_fail "no CallEnded(Hung up)"
grep -A1 'member=CallEnded' "$WORK/monitor.log" |
	grep -q 'string "Caller cancelled"' ||
	dp_fail "no CallEnded(Caller cancelled)"
grep -A1 'member=CallEnded' "$WORK/monitor.log" |
	grep -q 'string "404 Not Found"' || dp_fail "no CallEnded(404 Not Found)"

dp_log "PASS"
