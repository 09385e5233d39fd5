#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Call_Appearances_Per_Line: sipd holds that many calls on line 1, in a
# private network namespace.  sipp calls sipd straight (no proxy, each
# instance from its own port, so CallRemote tells the calls apart); a
# stand-in audiod (sipd-fake-audiod) records what sipd asks of it.
#  1. appearances 2 (the default): a second INVITE during a call gets
#     180 and waits (no stream, no ring tone, the properties stay on the
#     active call, Calls lists both); a third gets 486; Answer() on the waiting call is
#     refused while the first is active; Hangup() ends the active call,
#     the waiting one rings, Answer() takes it
#  2. two ringing calls: Hangup() refuses the oldest (486), Answer()
#     takes the other
#  3. Auto_Answer_1_: the waiting call is answered once the first ends
#  4. appearances 1: a second INVITE gets 486 again
#  5. values outside 1..10 are refused and change nothing
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
dp_unshare_net "$@"

SPORT=5062
SIPD=$BUILD/sipd/sipd
FAKE=$BUILD/sipd/sipd-fake-audiod
for p in sipp busctl gdbus dbus-daemon; do
	command -v "$p" > /dev/null || dp_skip "$p is not installed"
done
[ -x "$SIPD" ] || dp_fail "sipd is not built ($SIPD)"
[ -x "$FAKE" ] || dp_fail "sipd-fake-audiod is not built ($FAKE)"

SIP=(org.deskphone.Sip /org/deskphone/Sip)
cd "$WORK" || exit 1

prop() {
	dp_prop "${SIP[@]}" org.deskphone.Sip1 "$1"
}

expect_call() {
	dp_wait_prop "$1" "$2" "${SIP[@]}" org.deskphone.Sip1 CallState ||
		dp_fail "CallState is '$(prop CallState)', want $2"
}

sip_call() {
	busctl --system call "${SIP[@]}" org.deskphone.Sip1 "$@"
}

params() {
	busctl --system call "${SIP[@]}" org.deskphone.Parameters1 "$@"
}

audiod_count() {
	grep -c "^$1" "$WORK/audiod.log"
}

# --- scenarios -------------------------------------------------------

HEAD='<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="appearance call">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
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
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
  ]]></send>
  <recv response="100" optional="true"/>'

ACK='  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: sip:sipp@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0
  ]]></send>'

# answered, then sipp hangs up after its -d pause
BYE_SENT='  <recv response="200"/>
'"$ACK"'
  <pause/>
  <send retrans="500"><![CDATA[
BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Contact: sip:sipp@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0
  ]]></send>
  <recv response="200" crlf="true"/>'

# answered, then the phone hangs up
BYE_RECV='  <recv response="200"/>
'"$ACK"'
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
  ]]></send>'

# refused with 486
BUSY='  <recv response="486"/>
'"$ACK"

# make_sf NAME RING BODY: RING is "180" (must ring first) or "" (may)
make_sf() {
	{
		echo "$HEAD"
		if [ "$2" = 180 ]; then
			echo '  <recv response="180"/>'
		else
			echo '  <recv response="180" optional="true"/>'
		fi
		echo "$3"
		echo '</scenario>'
	} > "$WORK/$1.xml"
}

# call NAME PORT PAUSE_MS: sipp calls 1000 at sipd in the background
call() {
	dp_spawn "$1" timeout 60 sipp -sf "$WORK/$1.xml" "127.0.0.1:$SPORT" \
		-i 127.0.0.1 -p "$2" -mp $((26000 + ($2 - 25100) * 10)) -s 1000 -m 1 -d "$3" \
		-nostdin -timeout 40s -timeout_error
}

# wait_call NAME: sipp's exit status
wait_call() {
	local pid rc

	pid=$(dp_pid "$1")
	wait "$pid"
	rc=$?
	DP_PIDS=$(echo "$DP_PIDS" | tr ' ' '\n' | grep -v "^$pid:" | tr '\n' ' ')
	return $rc
}

# --- setup -----------------------------------------------------------

mkdir -p "$WORK/state"
dp_start_bus
dp_spawn monitor dbus-monitor --system \
	"type='signal',interface='org.deskphone.Sip1'" \
	"type='signal',interface='org.freedesktop.DBus.Properties'"
dp_spawn audiod "$FAKE" --port 40000
dp_wait_name org.deskphone.Audio
dp_spawn sipd env TPORT_LOG=1 ${SIPD_WRAP:-} "$SIPD" --state-dir "$WORK/state" \
	--bind 127.0.0.1 --port "$SPORT" --log-level debug
dp_wait_name org.deskphone.Sip
[ "$(prop CallState)" = idle ] || dp_fail "not idle at start"
[ "$(busctl --system call "${SIP[@]}" org.deskphone.Parameters1 Get s \
	Call_Appearances_Per_Line)" = 's "2"' ] ||
	dp_fail "Call_Appearances_Per_Line is not 2 by default"

# --- 1. a waiting call -----------------------------------------------
dp_log "1. appearances 2: the second call waits, the third gets 486"
make_sf first 180 "$BYE_RECV"
make_sf second 180 "$BYE_SENT"
make_sf third "" "$BUSY"
call first 25101 0
expect_call 10 ringing
sip_call Answer || dp_fail "Answer() failed"
expect_call 10 active
[ "$(prop CallRemote)" = "sip:sipp@127.0.0.1:25101" ] ||
	dp_fail "CallRemote is $(prop CallRemote)"
rings=$(audiod_count StartRing)
# the first call's stream and the spare one sipd keeps for the next call
dp_wait_for 5 [ "$(audiod_count OpenStream)" = 2 ] ||
	dp_fail "not 2 streams opened for one call: $(audiod_count OpenStream)"
call second 25102 300
dp_wait_for 10 grep -q 'Incoming call from sip:sipp@127.0.0.1:25102, waiting' \
	"$WORK/sipd.log" || dp_fail "the second call did not come in waiting"
dp_wait_for 5 grep -q 'SIP/2.0 180 Ringing' "$WORK/sipd.log" ||
	dp_fail "no 180 sent"
call third 25103 0
wait_call third || dp_fail "the third INVITE did not get 486"
[ "$(prop CallState)" = active ] || dp_fail "the calls disturbed the first"
[ "$(prop CallRemote)" = "sip:sipp@127.0.0.1:25101" ] ||
	dp_fail "the foreground moved to $(prop CallRemote)"
[ "$(audiod_count OpenStream)" = 2 ] ||
	dp_fail "a stream was opened for the waiting call"
[ "$(audiod_count StartRing)" = "$rings" ] ||
	dp_fail "the ring tone played over the active call"
calls=$(busctl --system get-property "${SIP[@]}" org.deskphone.Sip1 Calls)
want='a(ssss) 2 "sip:sipp@127.0.0.1:25101" "active" "incoming" "PCMU"'
want="$want \"sip:sipp@127.0.0.1:25102\" \"ringing\" \"incoming\" \"\""
[ "$calls" = "$want" ] || dp_fail "Calls is '$calls', want '$want'"
out=$(sip_call Answer 2>&1) && dp_fail "Answer() over an active call worked"
echo "$out" | grep -q 'Another call is active' ||
	dp_fail "wrong error for Answer() over an active call: $out"

sip_call Hangup || dp_fail "Hangup() failed"
wait_call first || dp_fail "the first call saw no BYE from Hangup()"
expect_call 10 ringing
[ "$(prop CallRemote)" = "sip:sipp@127.0.0.1:25102" ] ||
	dp_fail "the waiting call is not in the foreground: $(prop CallRemote)"
dp_wait_for 5 [ "$(audiod_count StartRing)" -gt "$rings" ] ||
	dp_fail "the waiting call does not ring once alone"
sip_call Answer || dp_fail "Answer() of the waiting call failed"
expect_call 10 active
dp_wait_for 5 grep -q '^StartStream 2 127.0.0.1 26020 0' "$WORK/audiod.log" ||
	dp_fail "no stream started for the second call"
wait_call second || dp_fail "the second call failed"
expect_call 10 idle
[ "$(busctl --system get-property "${SIP[@]}" org.deskphone.Sip1 Calls)" = \
	'a(ssss) 0' ] || dp_fail "Calls not empty when idle"
grep -q 'string "Calls"' "$WORK/monitor.log" ||
	dp_fail "no PropertiesChanged for Calls"
dp_wait_for 5 grep -q '^CloseStream 2' "$WORK/audiod.log" ||
	dp_fail "the second call's stream was not closed"
grep -A1 'member=CallEnded' "$WORK/monitor.log" |
	grep -q 'string "Hung up"' || dp_fail "no CallEnded(Hung up)"
grep -A1 'member=CallEnded' "$WORK/monitor.log" |
	grep -q 'string "Remote hung up"' || dp_fail "no CallEnded(Remote hung up)"

# --- 2. two ringing calls --------------------------------------------
dp_log "2. two ringing calls: Hangup() refuses the oldest, Answer() the next"
make_sf ring1 180 "$BUSY"
make_sf ring2 180 "$BYE_SENT"
call ring1 25111 0
expect_call 10 ringing
call ring2 25112 200
dp_wait_for 10 grep -q 'Incoming call from sip:sipp@127.0.0.1:25112' \
	"$WORK/sipd.log" || dp_fail "the second ringing call did not come in"
[ "$(prop CallRemote)" = "sip:sipp@127.0.0.1:25111" ] ||
	dp_fail "the oldest ringing call is not in the foreground"
sip_call Hangup || dp_fail "Hangup() failed"
wait_call ring1 || dp_fail "the oldest ringing call did not get 486"
dp_wait_prop 5 "sip:sipp@127.0.0.1:25112" "${SIP[@]}" org.deskphone.Sip1 \
	CallRemote || dp_fail "the next call is not in the foreground"
[ "$(prop CallState)" = ringing ] || dp_fail "the next call does not ring"
sip_call Answer || dp_fail "Answer() failed"
wait_call ring2 || dp_fail "the answered call failed"
expect_call 10 idle

# --- 3. auto answer --------------------------------------------------
dp_log "3. Auto_Answer_1_: the waiting call is answered when the first ends"
params Set ss Auto_Answer_1_ Yes || dp_fail "Set Auto_Answer_1_ failed"
make_sf auto1 "" "$BYE_SENT"
make_sf auto2 180 "$BYE_SENT"
call auto1 25121 1500
expect_call 10 active
call auto2 25122 200
dp_wait_for 10 grep -q 'Incoming call from sip:sipp@127.0.0.1:25122, waiting' \
	"$WORK/sipd.log" || dp_fail "the second call did not wait"
[ "$(prop CallRemote)" = "sip:sipp@127.0.0.1:25121" ] ||
	dp_fail "the waiting call took the foreground"
wait_call auto1 || dp_fail "the first auto-answered call failed"
wait_call auto2 || dp_fail "the waiting call was not answered"
grep -q 'answering the waiting call from sip:sipp@127.0.0.1:25122' \
	"$WORK/sipd.log" || dp_fail "the waiting call was not auto-answered"
# in that order: the first ended, then the second was answered
awk '/Call with sip:sipp@127.0.0.1:25121 ended/ { e = NR }
	/answering the waiting call from sip:sipp@127.0.0.1:25122/ { a = NR }
	END { exit !(e && a > e) }' "$WORK/sipd.log" ||
	dp_fail "the waiting call was answered before the first ended"
expect_call 10 idle

# --- 4. one appearance -----------------------------------------------
dp_log "4. appearances 1: a second call gets 486"
params Set ss Call_Appearances_Per_Line 1 || dp_fail "Set to 1 failed"
make_sf one1 "" "$BYE_SENT"
make_sf one2 "" "$BUSY"
call one1 25131 1500
expect_call 10 active
call one2 25132 0
wait_call one2 || dp_fail "the second call did not get 486 with 1 appearance"
[ "$(prop CallState)" = active ] || dp_fail "the 486 disturbed the call"
wait_call one1 || dp_fail "the call failed"
expect_call 10 idle

# --- 5. bad values ---------------------------------------------------
dp_log "5. values outside 1..10 are refused"
for v in 0 11 -1 abc "" 2.5 " 3" 99999999999999999999; do
	# "--": busctl would take "-1" for an option
	out=$(busctl --system -- call "${SIP[@]}" org.deskphone.Parameters1 \
		Set ss Call_Appearances_Per_Line "$v" 2>&1) &&
		dp_fail "Call_Appearances_Per_Line='$v' was accepted"
	echo "$out" | grep -q 'Call_Appearances_Per_Line' ||
		dp_fail "the refusal of '$v' does not name the parameter: $out"
done
[ "$(params Get s Call_Appearances_Per_Line)" = 's "1"' ] ||
	dp_fail "a refused value changed the parameter"
params Set ss Call_Appearances_Per_Line 10 || dp_fail "10 was refused"
dp_wait_for 5 grep -q '^Call_Appearances_Per_Line=10$' "$WORK/state/sipd.conf" ||
	dp_fail "the value is not kept in sipd.conf"
params Set ss Call_Appearances_Per_Line 2 || dp_fail "2 was refused"

kill -0 "$(dp_pid sipd)" || dp_fail "sipd died"
dp_log "PASS"
