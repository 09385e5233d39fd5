#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# audiod's D-Bus contract, without checking audio (tests/audiod-stream.sh
# does that): argument errors and their error names, port allocation
# within RTP_Port_Min..RTP_Port_Max, ring/stream state rules, the
# stream limit, parameters kept across a restart, and streams closed
# when sipd leaves the bus.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
dp_unshare_net "$@"

AUDIOD=$BUILD/audiod/audiod
[ -x "$AUDIOD" ] || dp_fail "audiod is not built"

cat > "$WORK/asound.conf" <<EOF
pcm.silence {
	type file
	slave.pcm "null"
	file "/dev/null"
	infile "/dev/zero"
	format "raw"
}
EOF
export ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$WORK/asound.conf

dp_start_bus
mkdir -p "$WORK/state"
start_audiod() {
	dp_spawn audiod "$AUDIOD" --state-dir "$WORK/state"
	dp_wait_name org.deskphone.Audio
}
start_audiod

audio() {
	busctl --system call org.deskphone.Audio /org/deskphone/Audio \
		org.deskphone.Audio1 "$@"
}

params() {
	busctl --system call org.deskphone.Audio /org/deskphone/Audio \
		org.deskphone.Parameters1 "$@"
}

prop() {
	dp_prop org.deskphone.Audio /org/deskphone/Audio \
		org.deskphone.Audio1 "$1"
}

# expect_error ERROR-NAME IFACE.METHOD GVARIANT-ARGS...
expect_error() {
	local want=$1 out
	shift
	if out=$(gdbus call --system --dest org.deskphone.Audio \
		--object-path /org/deskphone/Audio --method "$@" 2>&1); then
		dp_fail "$* succeeded: $out"
	fi
	case "$out" in
	*"$want"*) dp_log "$1: $out" ;;
	*) dp_fail "$*: wanted $want, got: $out" ;;
	esac
}

# open_stream ADDRESS: sets ID and PORT
open_stream() {
	local out
	out=$(audio OpenStream s "$1") || dp_fail "OpenStream $1 failed"
	set -- $out
	[ "$1" = uq ] || dp_fail "OpenStream returned '$out'"
	ID=$2
	PORT=$3
}

E=org.deskphone.Error
A=org.deskphone.Audio1
P=org.deskphone.Parameters1

# --- interface shape ----------------------------------------------------
busctl --system introspect org.deskphone.Audio /org/deskphone/Audio \
	> "$WORK/intro.txt" || dp_fail "no introspection"
for line in '\.OpenStream +method +s +uq' '\.StartStream +method +usqy +-' \
	'\.CloseStream +method +u +-' '\.StartRing +method +- +-' \
	'\.StopRing +method +- +-' '\.State +property +s +"idle"' \
	'\.PacketsSent +property +t' '\.PacketsReceived +property +t' \
	'\.PlaybackOk +property +b' '\.CaptureOk +property +b'; do
	grep -Eq "$line" "$WORK/intro.txt" ||
		dp_fail "introspection lacks /$line/"
done

# --- parameters ---------------------------------------------------------
params List > "$WORK/list.txt" || dp_fail "List failed"
for p in '"Playback_Device" "device" "default" "default"' \
	'"Capture_Device" "device" "default" "default"' \
	'"RTP_Port_Min" "[a-z]*" "16384" "16384"' \
	'"RTP_Port_Max" "[a-z]*" "16482" "16482"'; do
	grep -q "$p" "$WORK/list.txt" ||
		dp_fail "List lacks $p: $(cat "$WORK/list.txt")"
done
expect_error $E.InvalidValue $P.Set RTP_Port_Min abc
expect_error $E.InvalidValue $P.Set RTP_Port_Max 70000
expect_error $E.InvalidValue $P.Set Playback_Device 'bad name!'
expect_error $E.UnknownParameter $P.Get No_Such_Thing

# --- argument errors ----------------------------------------------------
expect_error $E.InvalidArguments $A.OpenStream "'not-an-ip'"
expect_error $E.InvalidArguments $A.OpenStream "'example.com'"
expect_error $E.NotFound $A.StartStream 4242 "'127.0.0.1'" 4000 0
expect_error $E.NotFound $A.CloseStream 4242

open_stream 127.0.0.1
expect_error $E.InvalidArguments $A.StartStream "$ID" "'127.0.0.1'" 4000 18
expect_error $E.InvalidArguments $A.StartStream "$ID" "'127.0.0.1'" 0 0
expect_error $E.InvalidArguments $A.StartStream "$ID" "'example.com'" 4000 0
expect_error $E.InvalidArguments $A.StartStream "$ID" "'::1'" 4000 0
expect_error $E.InvalidArguments $A.StartStream "$ID" "''" 4000 0
[ "$(prop State)" = idle ] || dp_fail "a refused StartStream changed State"
audio CloseStream u "$ID" || dp_fail "CloseStream failed"
expect_error $E.NotFound $A.CloseStream "$ID"

# An empty local address binds all IPv4 addresses.
open_stream ""
ss -lnu | grep -q "0.0.0.0:$PORT " || dp_fail "'' did not bind 0.0.0.0:$PORT"
audio CloseStream u "$ID" || dp_fail "CloseStream failed"

# --- ports --------------------------------------------------------------
params SetMany 'a{ss}' 2 RTP_Port_Min 20001 RTP_Port_Max 20005 ||
	dp_fail "SetMany RTP_Port_Min RTP_Port_Max"
open_stream 127.0.0.1
id1=$ID port1=$PORT
open_stream 127.0.0.1
id2=$ID port2=$PORT
[ "$id1" != "$id2" ] || dp_fail "two streams got id $id1"
case "$(echo "$port1 $port2" | tr ' ' '\n' | sort -n | tr '\n' ' ')" in
"20002 20004 ") ;;
*) dp_fail "ports $port1 $port2, not 20002 and 20004" ;;
esac
ss -lnu | grep -q "127.0.0.1:$port1 " || dp_fail "port $port1 not bound"
expect_error $E.Busy $A.OpenStream "'127.0.0.1'"
audio CloseStream u "$id1" || dp_fail "CloseStream failed"
ss -lnu | grep -q "127.0.0.1:$port1 " && dp_fail "port $port1 still bound"
open_stream 127.0.0.1
[ "$PORT" = "$port1" ] || dp_fail "freed port $port1 not reused ($PORT)"
audio CloseStream u "$ID" || dp_fail "CloseStream failed"
audio CloseStream u "$id2" || dp_fail "CloseStream failed"

# A range with no even port is refused when it is set, naming the
# parameter, and the old range stays.
expect_error $E.InvalidValue $P.Set RTP_Port_Min 30000
expect_error $E.InvalidValue $P.SetMany \
	"{'RTP_Port_Min': '20005', 'RTP_Port_Max': '20005'}"
[ "$(params Get s RTP_Port_Min)" = 's "20001"' ] ||
	dp_fail "a refused range changed RTP_Port_Min"
params SetMany 'a{ss}' 2 RTP_Port_Min 16384 RTP_Port_Max 16482 ||
	dp_fail "SetMany failed"

# --- the stream limit ---------------------------------------------------
ids=""
for i in $(seq 1 12); do
	open_stream 127.0.0.1
	ids="$ids $ID"
done
expect_error $E.Busy $A.OpenStream "'127.0.0.1'"
for id in $ids; do
	audio CloseStream u "$id" || dp_fail "CloseStream $id failed"
done

# --- ring and stream ----------------------------------------------------
params Set ss Playback_Device silence || dp_fail "Set Playback_Device"
params Set ss Capture_Device silence || dp_fail "Set Capture_Device"
audio StopRing || dp_fail "StopRing when idle failed"
audio StartRing || dp_fail "StartRing failed"
audio StartRing || dp_fail "a second StartRing failed"
[ "$(prop State)" = ringing ] || dp_fail "State is not ringing"

open_stream 127.0.0.1
id1=$ID
open_stream 127.0.0.1
id2=$ID
audio StartStream usqy "$id1" 127.0.0.1 40000 0 || dp_fail "StartStream"
[ "$(prop State)" = streaming ] || dp_fail "StartStream did not stop the ring"
expect_error $E.Busy $A.StartRing
expect_error $E.Busy $A.StartStream "$id2" "'127.0.0.1'" 40002 0
audio StopRing || dp_fail "StopRing while streaming failed"
[ "$(prop State)" = streaming ] || dp_fail "StopRing stopped the stream"
# A new remote or codec for the running stream (a re-INVITE) is fine.
audio StartStream usqy "$id1" 127.0.0.1 40004 8 || dp_fail "restart failed"
sleep 0.5
sent=$(prop PacketsSent)
[ "$sent" -ge 10 ] || dp_fail "PacketsSent is $sent after 0.5 s"
[ "$(prop PlaybackOk)" = true ] || dp_fail "PlaybackOk is not true"

audio CloseStream u "$id1" || dp_fail "CloseStream failed"
[ "$(prop State)" = idle ] || dp_fail "not idle after CloseStream"
[ "$(prop PacketsSent)" = "$sent" ] || [ "$(prop PacketsSent)" -ge "$sent" ] ||
	dp_fail "PacketsSent went down after CloseStream"
audio StartStream usqy "$id2" 127.0.0.1 40002 0 ||
	dp_fail "the second stream cannot start after the first closed"
[ "$(prop State)" = streaming ] || dp_fail "State is not streaming"

# --- parameters survive a restart; streams do not -----------------------
# SIGTERM in the middle of a stream: a clean exit all the same.
pid=$(dp_pid audiod)
kill -TERM "$pid"
wait "$pid"
rc=$?
[ $rc = 0 ] || dp_fail "audiod exited with $rc on SIGTERM while streaming"
dp_stop audiod
grep -q silence "$WORK/state/audiod.conf" || dp_fail "audiod.conf not saved"
start_audiod
[ "$(params Get s Playback_Device)" = 's "silence"' ] ||
	dp_fail "Playback_Device lost over a restart"
[ "$(prop State)" = idle ] || dp_fail "not idle after a restart"
expect_error $E.NotFound $A.CloseStream "$id2"

# --- sipd going away closes what it left open ---------------------------
SIPD=$BUILD/sipd/sipd
[ -x "$SIPD" ] || dp_fail "sipd is not built"
mkdir -p "$WORK/sipd"
dp_spawn sipd "$SIPD" --state-dir "$WORK/sipd" --bind 127.0.0.1 --port 25062
dp_wait_name org.deskphone.Sip
open_stream 127.0.0.1
id1=$ID
open_stream 127.0.0.1
audio StartStream usqy "$id1" 127.0.0.1 40000 0 || dp_fail "StartStream"
[ "$(prop State)" = streaming ] || dp_fail "State is not streaming"
dp_stop sipd
dp_wait_prop 3 idle org.deskphone.Audio /org/deskphone/Audio $A State ||
	dp_fail "audiod still $(prop State) after sipd left"
expect_error $E.NotFound $A.CloseStream "$id1"
expect_error $E.NotFound $A.CloseStream "$ID"
grep -q 'org.deskphone.Sip left the bus: closed 2 stream' "$WORK/audiod.log" ||
	dp_fail "sipd leaving was not logged"

if grep -q '^<[0-3]>' "$WORK/audiod.log"; then
	dp_fail "audiod logged errors: $(grep '^<[0-3]>' "$WORK/audiod.log")"
fi
dp_log "PASS"
