#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# audiod on a device with a real clock: a private PulseAudio with null
# sinks (notes test-peers.md section 7) behind the ALSA pulse plugin.
# Non-blocking I/O against a device that pushes back (full buffers,
# start thresholds) must still ring and carry a call both ways, without
# spinning the CPU.  Skipped when PulseAudio is not installed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
dp_unshare_net "$@"

AUDIOD=$BUILD/audiod/audiod
TONE=$BUILD/tests/tone-tool
PEER=$SRC/tests/audiod-peer.py
PY=/usr/bin/python3
PEER_PORT=40000

[ -x "$AUDIOD" ] || dp_fail "audiod is not built"
[ -x "$TONE" ] || dp_fail "tests/tone-tool is not built"
command -v pulseaudio > /dev/null && command -v parecord > /dev/null ||
	dp_skip "needs pulseaudio and pulseaudio-utils"
[ -e /usr/lib/x86_64-linux-gnu/alsa-lib/libasound_module_pcm_pulse.so ] ||
	ls /usr/lib/*/alsa-lib/libasound_module_pcm_pulse.so > /dev/null 2>&1 ||
	dp_skip "needs libasound2-plugins (ALSA pulse plugin)"

"$TONE" gen 700 40 "$WORK/mic.raw" || dp_fail "cannot make mic.raw"
"$TONE" gen 1000 30 "$WORK/peer.ulaw" --ulaw || dp_fail "cannot make peer"

P=$WORK/pulse
mkdir -p "$P/run" "$P/state" "$P/cfg" "$P/home"
# HOME too: PulseAudio clients write a cookie under it.
export PULSE_RUNTIME_PATH=$P/run PULSE_STATE_PATH=$P/state \
	PULSE_CONFIG_PATH=$P/cfg PULSE_SERVER=unix:$P/native HOME=$P/home
dp_spawn pulse pulseaudio -n --daemonize=no \
	--exit-idle-time=-1 --use-pid-file=no --system=no --disable-shm=yes \
	--log-target=stderr \
	-L "module-native-protocol-unix socket=$P/native auth-anonymous=1" \
	-L "module-null-sink sink_name=spk_sink rate=8000 channels=1" \
	-L "module-null-sink sink_name=mic_sink rate=8000 channels=1"
dp_wait_for 10 pactl info || dp_fail "pulseaudio did not start"

cat > "$WORK/asound.conf" <<EOF
pcm.phone_pa {
	type asym
	playback.pcm { type pulse server "unix:$P/native" device "spk_sink" }
	capture.pcm {
		type pulse
		server "unix:$P/native"
		device "mic_sink.monitor"
	}
}
EOF
export ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$WORK/asound.conf

dp_spawn speaker parecord -d spk_sink.monitor --rate=8000 --channels=1 \
	--format=s16le --file-format=wav "$WORK/speaker.wav"
dp_spawn mic paplay -d mic_sink --rate=8000 --channels=1 --format=s16le \
	--raw "$WORK/mic.raw"

dp_start_bus
mkdir -p "$WORK/state"
dp_spawn audiod env DESKPHONE_LOG_LEVEL=debug "$AUDIOD" \
	--state-dir "$WORK/state"
dp_wait_name org.deskphone.Audio

audio() {
	busctl --system call org.deskphone.Audio /org/deskphone/Audio \
		org.deskphone.Audio1 "$@"
}

prop() {
	dp_prop org.deskphone.Audio /org/deskphone/Audio \
		org.deskphone.Audio1 "$1"
}

field() {
	sed -n "s/.*\\<$1=\\([0-9.,]*\\).*/\\1/p" "$2" | head -n 1
}

in_range() {
	awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN {
		exit !(v != "" && v + 0 >= lo + 0 && v + 0 <= hi + 0) }'
}

# CPU seconds (user + system) audiod has used so far
cpu_seconds() {
	awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' \
		"/proc/$(dp_pid audiod)/stat"
}

busctl --system call org.deskphone.Audio /org/deskphone/Audio \
	org.deskphone.Parameters1 SetMany 'a{ss}' 2 \
	Playback_Device phone_pa Capture_Device phone_pa ||
	dp_fail "cannot set the devices"

# --- ring ---------------------------------------------------------------
cpu0=$(cpu_seconds)
audio StartRing || dp_fail "StartRing failed"
sleep 2.5
audio StopRing || dp_fail "StopRing failed"
[ "$(prop PlaybackOk)" = true ] || dp_fail "PlaybackOk is false"

# --- call ---------------------------------------------------------------
out=$(audio OpenStream s 127.0.0.1) || dp_fail "OpenStream failed"
set -- $out
ID=$2 PORT=$3
dp_spawn peer "$PY" "$PEER" --bind 127.0.0.1:$PEER_PORT \
	--remote 127.0.0.1:$PORT --seconds 5 --send-ulaw "$WORK/peer.ulaw" \
	--out-raw "$WORK/from-audiod.raw"
audio StartStream usqy "$ID" 127.0.0.1 $PEER_PORT 0 ||
	dp_fail "StartStream failed"
wait "$(dp_pid peer)" || dp_fail "the peer failed"
[ "$(prop PlaybackOk)" = true ] && [ "$(prop CaptureOk)" = true ] ||
	dp_fail "a device failed: $(prop PlaybackOk) $(prop CaptureOk)"
audio CloseStream u "$ID" || dp_fail "CloseStream failed"
cpu1=$(cpu_seconds)
dp_log "audiod used $(awk "BEGIN { print $cpu1 - $cpu0 }") s CPU in ~8 s"
in_range "$(awk "BEGIN { print $cpu1 - $cpu0 }")" 0 2 ||
	dp_fail "audiod spins: $cpu0 -> $cpu1 CPU seconds"

sleep 0.3
dp_stop speaker
dp_log "peer: $(tr '\n' ' ' < "$WORK/peer.log")"
got=$(field window_packets "$WORK/peer.log")
in_range "$got" 135 165 || dp_fail "not 50 packets/s: $got in 3 s"
for k in seq_errors ts_errors ssrc_changes bad_pt; do
	[ "$(field $k "$WORK/peer.log")" = 0 ] || dp_fail "RTP $k"
done

"$TONE" expect "$WORK/from-audiod.raw" 700 --skip 1 --min-rms 2000 \
	> "$WORK/sent.txt" ||
	dp_fail "capture not sent: $(cat "$WORK/sent.txt")"
dp_log "sent: $(cat "$WORK/sent.txt")"

# PulseAudio's null sink takes 1 to 2 s to start consuming a new
# stream (aplay shows the same) and its monitor lags by as much, so
# audiod drops what it refuses meanwhile and the recording's timeline
# is shifted: check the spectrum of the whole recording instead.
"$TONE" detect "$WORK/speaker.wav" --peaks 4 > "$WORK/played.txt"
dp_log "played: $(cat "$WORK/played.txt")"
for hz in 440 480 1000; do
	field peaks "$WORK/played.txt" | tr ',' '\n' | grep -qx $hz ||
		dp_fail "no $hz Hz on the paced device"
done
"$TONE" expect "$WORK/speaker.wav" 1000 --min-rms 2000 > /dev/null ||
	dp_fail "the call is not the main sound on the paced device"
n=$(grep -c 'recovering' "$WORK/audiod.log")
dp_log "xrun recoveries: $n"
dp_log "PASS"
