#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# audiod on ALSA file PCMs, with a Python RTP peer on loopback:
#  - the ring tone (440 + 480 Hz, 2 s on, then silence) reaches the
#    playback file, in real time;
#  - a 1000 Hz PCMU stream from the peer is played; an intruder on
#    another address and malformed datagrams are ignored;
#  - the 700 Hz capture file goes out as RTP with sound headers, at
#    50 packets a second;
#  - a missing playback or capture device is logged once and the
#    stream still runs;
#  - READY=1 is sent and SIGTERM ends it cleanly.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
dp_unshare_net "$@"

AUDIOD=$BUILD/audiod/audiod
TONE=$BUILD/tests/tone-tool
PEER=$SRC/tests/audiod-peer.py
PY=/usr/bin/python3
PEER_PORT=40000

[ -x "$AUDIOD" ] || dp_fail "audiod is not built"
[ -x "$TONE" ] || dp_fail "tests/tone-tool is not built"
[ -x "$PY" ] || dp_skip "no /usr/bin/python3"
"$PY" -W ignore -c 'import audioop' 2>/dev/null ||
	dp_skip "python3 without audioop"

# --- fixtures -----------------------------------------------------------
"$TONE" gen 700 60 "$WORK/mic.raw" || dp_fail "cannot make mic.raw"
"$TONE" gen 1000 30 "$WORK/peer.ulaw" --ulaw || dp_fail "cannot make peer"
"$TONE" gen 2000 30 "$WORK/intruder.ulaw" --ulaw ||
	dp_fail "cannot make intruder"

# The file plugin neither paces nor loops: audiod's clock must pace.
# A capture file PCM also writes what it reads to its "file": keep
# that away from the playback file.
cat > "$WORK/asound.conf" <<EOF
pcm.ring_out {
	type file
	slave.pcm "null"
	file "$WORK/ring.wav"
	format "wav"
	perm 0644
}
pcm.call_out {
	type file
	slave.pcm "null"
	file "$WORK/call.wav"
	format "wav"
	perm 0644
}
pcm.mic {
	type file
	slave.pcm "null"
	file "/dev/null"
	infile "$WORK/mic.raw"
	format "raw"
}
pcm.quiet {
	type file
	slave.pcm "null"
	file "/dev/null"
	format "raw"
}
EOF
export ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$WORK/asound.conf

# sd_notify receiver: every datagram to $WORK/notify.txt
cat > "$WORK/notify.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    data = s.recv(4096)
    with open(sys.argv[2], 'ab') as f:
        f.write(data + b'\n')
EOF
dp_spawn notify "$PY" "$WORK/notify.py" "$WORK/notify.sock" "$WORK/notify.txt"
dp_wait_for 5 test -S "$WORK/notify.sock" || dp_fail "notify socket missing"

dp_start_bus
mkdir -p "$WORK/state"
dp_spawn audiod env NOTIFY_SOCKET="$WORK/notify.sock" \
	DESKPHONE_LOG_LEVEL=debug "$AUDIOD" --state-dir "$WORK/state"
dp_wait_name org.deskphone.Audio
dp_wait_for 5 grep -q '^READY=1' "$WORK/notify.txt" ||
	dp_fail "no READY=1 from audiod"

audio() {
	busctl --system call org.deskphone.Audio /org/deskphone/Audio \
		org.deskphone.Audio1 "$@"
}

param() {
	busctl --system call org.deskphone.Audio /org/deskphone/Audio \
		org.deskphone.Parameters1 Set ss "$1" "$2" ||
		dp_fail "cannot set $1=$2"
}

prop() {
	dp_prop org.deskphone.Audio /org/deskphone/Audio \
		org.deskphone.Audio1 "$1"
}

wait_state() {
	dp_wait_prop 3 "$1" org.deskphone.Audio /org/deskphone/Audio \
		org.deskphone.Audio1 State ||
		dp_fail "State is '$(prop State)', not '$1'"
}

# field NAME FILE: the value of NAME=... in tone-tool or peer output
field() {
	sed -n "s/.*\\<$1=\\([0-9.,]*\\).*/\\1/p" "$2" | head -n 1
}

# has_peak HZ FILE: HZ is among the peaks=... tone-tool listed
has_peak() {
	field peaks "$2" | tr ',' '\n' | grep -qx "$1"
}

# in_range VALUE MIN MAX (decimals allowed)
in_range() {
	awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN {
		exit !(v != "" && v + 0 >= lo + 0 && v + 0 <= hi + 0) }'
}

# open_stream: sets ID and PORT
open_stream() {
	local out
	out=$(audio OpenStream s 127.0.0.1) || dp_fail "OpenStream failed"
	set -- $out
	[ "$1" = uq ] || dp_fail "OpenStream returned '$out'"
	ID=$2
	PORT=$3
	in_range "$PORT" 16384 16482 && [ $((PORT % 2)) = 0 ] ||
		dp_fail "port $PORT is not even within 16384..16482"
}

# --- 1. ring ------------------------------------------------------------
param Playback_Device ring_out
[ "$(prop State)" = idle ] || dp_fail "not idle at start"
audio StartRing || dp_fail "StartRing failed"
wait_state ringing
sleep 2.6
audio StopRing || dp_fail "StopRing failed"
wait_state idle

"$TONE" detect "$WORK/ring.wav" --skip 0.1 --seconds 1.8 --peaks 2 \
	> "$WORK/ring-on.txt" || dp_fail "cannot analyse ring.wav"
dp_log "ring, tone part: $(cat "$WORK/ring-on.txt")"
has_peak 440 "$WORK/ring-on.txt" && has_peak 480 "$WORK/ring-on.txt" ||
	dp_fail "ring tone is not 440 + 480 Hz"
in_range "$(field rms "$WORK/ring-on.txt")" 3000 20000 ||
	dp_fail "ring tone level is wrong"

"$TONE" detect "$WORK/ring.wav" --skip 2.1 --seconds 0.3 \
	> "$WORK/ring-off.txt" || dp_fail "cannot analyse ring.wav"
dp_log "ring, after 2 s: $(cat "$WORK/ring-off.txt")"
in_range "$(field rms "$WORK/ring-off.txt")" 0 1 ||
	dp_fail "ring is not silent after 2 s on"

# Paced by audiod's clock: 2.6 s of ringing is about 2.6 s of audio,
# not the thousands of seconds an unpaced loop would write.
"$TONE" detect "$WORK/ring.wav" > "$WORK/ring-all.txt"
dp_log "ring, whole file: $(cat "$WORK/ring-all.txt")"
in_range "$(field seconds "$WORK/ring-all.txt")" 2.3 3.4 ||
	dp_fail "ring file length is not real time"

# --- 2. a call: both directions, pacing, bad packets --------------------
param Playback_Device call_out
param Capture_Device mic
open_stream
dp_spawn peer "$PY" "$PEER" --bind 127.0.0.1:$PEER_PORT \
	--remote 127.0.0.1:$PORT --seconds 5 --send-ulaw "$WORK/peer.ulaw" \
	--out-raw "$WORK/from-audiod.raw" --garbage \
	--intruder 127.0.0.2 --intruder-ulaw "$WORK/intruder.ulaw"
audio StartStream usqy "$ID" 127.0.0.1 $PEER_PORT 0 ||
	dp_fail "StartStream failed"
wait_state streaming
[ "$(prop PlaybackOk)" = true ] && [ "$(prop CaptureOk)" = true ] ||
	dp_fail "devices not OK: $(prop PlaybackOk) $(prop CaptureOk)"

wait "$(dp_pid peer)" || dp_fail "the peer failed: $(cat "$WORK/peer.log")"
kill -0 "$(dp_pid audiod)" || dp_fail "audiod died in the call"
cp "$WORK/peer.log" "$WORK/peer-call.txt"
dp_log "peer: $(tr '\n' ' ' < "$WORK/peer-call.txt")"

sent=$(prop PacketsSent)
received=$(prop PacketsReceived)
peer_sent=$(field sent "$WORK/peer-call.txt")
dp_log "audiod: PacketsSent=$sent PacketsReceived=$received"
audio CloseStream u "$ID" || dp_fail "CloseStream failed"
wait_state idle

for k in bad_version bad_pt seq_errors ts_errors ssrc_changes bad_length; do
	[ "$(field $k "$WORK/peer-call.txt")" = 0 ] ||
		dp_fail "audiod's RTP: $k=$(field $k "$WORK/peer-call.txt")"
done
got=$(field received "$WORK/peer-call.txt")
in_range "$got" 200 260 || dp_fail "the peer got $got packets in 5 s"
got=$(field window_packets "$WORK/peer-call.txt")
in_range "$got" 135 165 || dp_fail "not 50 packets/s: $got in 3 s"
in_range "$sent" 200 270 || dp_fail "PacketsSent is $sent"

# Only the peer's own packets count: not the intruder's, not garbage.
in_range "$received" "$((peer_sent * 8 / 10))" "$peer_sent" ||
	dp_fail "PacketsReceived $received for $peer_sent sent by the peer"

"$TONE" expect "$WORK/from-audiod.raw" 700 --skip 0.5 --min-rms 3000 \
	> "$WORK/sent-tone.txt"
rc=$?
dp_log "audiod sent: $(cat "$WORK/sent-tone.txt")"
[ $rc = 0 ] || dp_fail "audiod's RTP does not carry the 700 Hz capture"

"$TONE" expect "$WORK/call.wav" 1000 --skip 0.5 --min-rms 3000 \
	--seconds 4 > "$WORK/played.txt"
rc=$?
"$TONE" detect "$WORK/call.wav" --skip 0.5 --seconds 4 --peaks 3 \
	>> "$WORK/played.txt"
dp_log "audiod played: $(tr '\n' ' ' < "$WORK/played.txt")"
[ $rc = 0 ] || dp_fail "the 1000 Hz from the peer was not played"
has_peak 2000 "$WORK/played.txt" &&
	dp_fail "the intruder's 2000 Hz was played"

# --- 3. missing playback device -----------------------------------------
param Playback_Device nonexistent
open_stream
dp_spawn peer2 "$PY" "$PEER" --bind 127.0.0.1:$PEER_PORT \
	--remote 127.0.0.1:$PORT --seconds 4.5 --send-ulaw "$WORK/peer.ulaw" \
	--out-raw "$WORK/from-audiod2.raw"
audio StartStream usqy "$ID" 127.0.0.1 $PEER_PORT 0 ||
	dp_fail "StartStream without a playback device failed"
wait_state streaming
[ "$(prop PlaybackOk)" = false ] || dp_fail "PlaybackOk is not false"
[ "$(prop CaptureOk)" = true ] || dp_fail "CaptureOk is not true"
wait "$(dp_pid peer2)" || dp_fail "the peer failed"
dp_log "peer: $(tr '\n' ' ' < "$WORK/peer2.log")"
in_range "$(field window_packets "$WORK/peer2.log")" 135 165 ||
	dp_fail "no RTP without a playback device"
"$TONE" expect "$WORK/from-audiod2.raw" 700 --skip 0.5 > /dev/null ||
	dp_fail "capture stopped with the playback device missing"
in_range "$(prop PacketsReceived)" 150 230 ||
	dp_fail "received audio not counted without a playback device"
audio CloseStream u "$ID" || dp_fail "CloseStream failed"
n=$(grep -c 'Cannot open playback device nonexistent' "$WORK/audiod.log")
[ "$n" = 1 ] || dp_fail "missing device logged $n times, not once"

# --- 4. missing capture device: silence goes out ------------------------
param Playback_Device quiet
param Capture_Device nonexistent
open_stream
dp_spawn peer3 "$PY" "$PEER" --bind 127.0.0.1:$PEER_PORT \
	--remote 127.0.0.1:$PORT --seconds 2 --pt 8 \
	--send-ulaw "$WORK/peer.ulaw" --out-raw "$WORK/from-audiod3.raw"
audio StartStream usqy "$ID" 127.0.0.1 $PEER_PORT 8 ||
	dp_fail "StartStream without a capture device failed"
wait "$(dp_pid peer3)" || dp_fail "the peer failed"
[ "$(prop CaptureOk)" = false ] || dp_fail "CaptureOk is not false"
[ "$(prop PlaybackOk)" = true ] || dp_fail "PlaybackOk is not true"
dp_log "peer: $(tr '\n' ' ' < "$WORK/peer3.log")"
in_range "$(field received "$WORK/peer3.log")" 80 110 ||
	dp_fail "no RTP without a capture device"
[ "$(field bad_pt "$WORK/peer3.log")" = 0 ] || dp_fail "PCMA not sent as 8"
"$TONE" detect "$WORK/from-audiod3.raw" > "$WORK/silence.txt"
in_range "$(field rms "$WORK/silence.txt")" 0 10 || dp_fail \
	"not silence without a capture device: $(cat "$WORK/silence.txt")"
audio CloseStream u "$ID" || dp_fail "CloseStream failed"

# --- 5. SIGTERM ---------------------------------------------------------
pid=$(dp_pid audiod)
kill -TERM "$pid"
wait "$pid"
rc=$?
[ $rc = 0 ] || dp_fail "audiod exited with $rc on SIGTERM"
if grep -q '^<[0-3]>' "$WORK/audiod.log"; then
	dp_fail "audiod logged errors: $(grep '^<[0-3]>' "$WORK/audiod.log")"
fi
dp_log "PASS"
