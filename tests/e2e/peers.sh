# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for the end-to-end tests: kamailio as registrar, baresip as
# the far-end phone, file-backed ALSA PCMs.  Source after tests/lib.sh.
# Every process goes through dp_spawn, so the EXIT trap of lib.sh stops
# them by PID in reverse start order (baresip before kamailio, which it
# needs to un-register quickly).

E2E_DIR=$SRC/tests/e2e
E2E_PEERS=$SRC/tests/peers

# Fails the test unless every named program exists.
e2e_need() {
	local p

	for p in "$@"; do
		command -v "$p" > /dev/null ||
			dp_skip "$p is not installed"
	done
}

e2e_udp_listening() {
	ss -Hlnu "sport = :$2" | grep -q "$1:$2"
}

# e2e_kamailio_start PORT: registrar and proxy on 127.0.0.1:PORT (UDP)
e2e_kamailio_start() {
	local port=$1 dir=$WORK/kamailio

	mkdir -p "$dir/run"
	sed "s|@DIR@|$dir|g" "$E2E_PEERS/kamailio.cfg" > "$dir/kamailio.cfg"
	kamailio -c -f "$dir/kamailio.cfg" -A "SIP_PORT=$port" \
		> "$WORK/kamailio-check.log" 2>&1 ||
		dp_fail "kamailio.cfg does not parse (kamailio-check.log)"
	dp_spawn kamailio kamailio -f "$dir/kamailio.cfg" -A "SIP_PORT=$port" \
		-DD -E -m 32 -M 4 -Y "$dir/run" -P "$dir/run/kamailio.pid" \
		-w "$dir"
	dp_wait_for 10 e2e_udp_listening 127.0.0.1 "$port" ||
		dp_fail "kamailio does not listen on 127.0.0.1:$port"
}

# e2e_baresip_start NAME USER SIP_PORT CTRL_PORT RTP_PORTS SOURCE_WAV
# Starts baresip registered as USER at kamailio ($E2E_KPORT), sending
# SOURCE_WAV in calls and recording to $WORK/NAME/dump, plus NAME-ctl,
# the ctrl_tcp helper whose log holds every reply and event.
e2e_baresip_start() {
	local name=$1 user=$2 sport=$3 cport=$4 rtp=$5 src=$6
	local dir=$WORK/$name

	mkdir -p "$dir/dump"
	sed -e "s|@DIR@|$dir|g" -e "s|@SIP_PORT@|$sport|g" \
		-e "s|@CTRL_PORT@|$cport|g" -e "s|@RTP_PORTS@|$rtp|g" \
		-e "s|@SOURCE@|$src|g" \
		"$E2E_PEERS/baresip/config.in" > "$dir/config"
	sed -e "s|@USER@|$user|g" -e "s|@REGISTRAR@|127.0.0.1:$E2E_KPORT|g" \
		"$E2E_PEERS/baresip/accounts.in" > "$dir/accounts"
	: > "$dir/contacts"
	mkfifo "$dir/ctl.fifo"

	dp_spawn "$name" baresip -f "$dir"
	dp_spawn "$name-ctl" "$E2E_DIR/baresip-ctl" "$cport" "$dir/ctl.fifo"
	dp_wait_for 10 grep -q '"connected"' "$WORK/$name-ctl.log" ||
		dp_fail "cannot connect to $name's ctrl_tcp port $cport"
	dp_wait_for 10 e2e_baresip_registered "$name" ||
		dp_fail "$name did not register as $user"
	dp_log "$name registered as $user"
}

e2e_baresip_registered() {
	e2e_bs_cmd "$1" reginfo | grep -q 'OK'
}

# e2e_bs_cmd NAME COMMAND [PARAMS]: prints baresip's reply (JSON) and
# succeeds if it says ok.
e2e_bs_cmd() {
	local name=$1 token line i
	shift
	# unique even when called in a subshell (a pipeline)
	token="t$(date +%s%N)"

	echo "$token $*" > "$WORK/$name/ctl.fifo"
	for i in $(seq 1 50); do
		line=$(grep -F "\"token\": \"$token\"" "$WORK/$name-ctl.log")
		[ -n "$line" ] && break
		sleep 0.1
	done
	[ -n "$line" ] || { dp_log "$name: no reply to '$*'"; return 1; }
	echo "$line"
	echo "$line" | grep -q '"ok": true'
}

# Counts events of TYPE (e.g. CALL_CLOSED) from NAME so far.
e2e_bs_events() {
	grep -c "\"type\": \"$2\"" "$WORK/$1-ctl.log"
}

# e2e_bs_wait_event NAME TYPE COUNT SECONDS: until COUNT events of TYPE
e2e_bs_wait_event() {
	dp_wait_for "$4" e2e_bs_events_at_least "$1" "$2" "$3"
}

e2e_bs_events_at_least() {
	[ "$(e2e_bs_events "$1" "$2")" -ge "$3" ]
}

# The newest recording of what NAME received (decoded, 8 kHz mono WAV).
e2e_bs_received() {
	ls -t "$WORK/$1/dump/"*-dec.wav 2> /dev/null | head -n 1
}

# e2e_alsa_config: $WORK/asound.conf with the phone_speaker and
# phone_mic PCMs on $WORK/speaker.raw and $WORK/mic.raw.
e2e_alsa_config() {
	sed "s|@DIR@|$WORK|g" "$E2E_PEERS/alsa/phone.conf" > "$WORK/asound.conf"
}

# e2e_tail_raw FILE SECONDS OUT: the last SECONDS of a raw 8 kHz S16LE
# mono file that may still be growing (whole samples only)
e2e_tail_raw() {
	local size start

	size=$(($(e2e_size "$1") / 2 * 2))
	start=$((size - $2 * 16000))
	[ "$start" -ge 0 ] || start=0
	e2e_slice_raw "$1" "$start" "$size" "$3"
}

# e2e_slice_raw FILE FROM TO OUT: bytes [FROM, TO) of FILE
e2e_slice_raw() {
	tail -c "+$(($2 + 1))" "$1" | head -c "$(($3 - $2))" > "$4"
}

e2e_size() {
	stat -c %s "$1" 2> /dev/null || echo 0
}

# Build products the end-to-end tests run.
e2e_find_programs() {
	E2E_SIPD=$BUILD/sipd/sipd
	E2E_AUDIOD=$BUILD/audiod/audiod
	E2E_TONE=$BUILD/tests/tone-tool
	[ -x "$E2E_TONE" ] || E2E_TONE=$SRC/tests/tone-tool
	[ -x "$E2E_SIPD" ] || dp_fail "sipd is not built ($E2E_SIPD)"
	[ -x "$E2E_AUDIOD" ] || dp_fail "audiod is not built ($E2E_AUDIOD)"
	[ -x "$E2E_TONE" ] || dp_fail "tests/tone-tool is missing"
}

# e2e_check_paced FROM TO SECONDS WHAT: the speaker file grew by about
# real time (8 kHz S16LE mono) over SECONDS.  The file PCMs have no
# clock, so a player that waits on ALSA instead of its own timer would
# write far more.
e2e_check_paced() {
	local grown=$(($2 - $1)) want

	want=$(awk "BEGIN { print int($3 * 16000) }")
	dp_log "$4: speaker grew by $grown bytes in $3 s (real time: $want)"
	[ "$grown" -gt 0 ] || dp_fail "$4: nothing reached the speaker"
	[ "$grown" -le $((want * 4)) ] ||
		dp_fail "$4: the speaker is written faster than real time"
}

# e2e_start_audiod PLAYBACK CAPTURE: audiod on the PCMs of asound.conf
e2e_start_audiod() {
	e2e_alsa_config
	mkdir -p "$WORK/audiod"
	# E2E_AUDIOD_WRAP: a checker to run audiod under
	# shellcheck disable=SC2086 # word splitting wanted
	dp_spawn audiod env \
		ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$WORK/asound.conf" \
		${E2E_AUDIOD_WRAP:-} "$E2E_AUDIOD" --state-dir "$WORK/audiod"
	dp_wait_name org.deskphone.Audio
	busctl --system call org.deskphone.Audio /org/deskphone/Audio \
		org.deskphone.Parameters1 SetMany 'a{ss}' 2 \
		Playback_Device "$1" Capture_Device "$2" ||
		dp_fail "cannot set audiod's devices"
}

# e2e_start_sipd PORT PROXY USER PASSWORD
e2e_start_sipd() {
	mkdir -p "$WORK/sipd"
	# E2E_SIPD_WRAP: a checker to run sipd under (tests/e2e-valgrind.sh)
	# shellcheck disable=SC2086 # word splitting wanted
	dp_spawn sipd ${E2E_SIPD_WRAP:-} "$E2E_SIPD" --state-dir "$WORK/sipd" \
		--bind 127.0.0.1 --port "$1"
	dp_wait_name org.deskphone.Sip
	busctl --system call org.deskphone.Sip /org/deskphone/Sip \
		org.deskphone.Parameters1 SetMany 'a{ss}' 3 \
		Proxy_1_ "$2" User_ID_1_ "$3" Password_1_ "$4" ||
		dp_fail "cannot set sipd's account"
}

# Microphone: MIC_HZ for 60 s (capture neither loops nor pads at the end
# of the file); bob: BOB_HZ for 40 s as a WAV for aufile, which hangs up
# at its end.  Both 8 kHz S16LE mono.
e2e_tone_fixtures() {
	"$E2E_TONE" gen "$MIC_HZ" 60 "$WORK/mic.raw" ||
		dp_fail "tone-tool cannot make the microphone tone"
	"$E2E_TONE" gen "$BOB_HZ" 40 "$WORK/bob-tone.wav" ||
		dp_fail "tone-tool cannot make bob's tone"
}

# e2e_expect_tone FILE HZ: the strongest frequency of FILE (raw 8 kHz
# S16LE mono) is HZ and it is not silence
e2e_expect_tone() {
	local out rc

	out=$("$E2E_TONE" expect "$1" "$2" 2>&1)
	rc=$?
	dp_log "${1##*/}: want $2 Hz: $out"
	return $rc
}

# e2e_expect_peaks FILE HZ...: each HZ is among the strongest peaks
e2e_expect_peaks() {
	local file=$1 out hz
	shift

	out=$("$E2E_TONE" detect "$file" --peaks 4 2>&1) || return 1
	dp_log "${file##*/}: want $* Hz: $out"
	for hz in "$@"; do
		e2e_peaks_near "$out" "$hz" || return 1
	done
}

# e2e_peaks_near "detect output" HZ: a listed peak within 15 Hz of HZ
e2e_peaks_near() {
	echo "$1" | sed -n 's/.*peaks=\([0-9.,]*\).*/\1/p' | tr ',' '\n' |
		awk -v f="$2" '{ d = $1 - f; if (d < 0) d = -d;
			if (d <= 15) ok = 1 } END { exit !ok }'
}

# e2e_expect_ring FILE: the ring tone audiod plays (440 + 480 Hz)
e2e_expect_ring() {
	e2e_expect_peaks "$1" 440 480
}

# With E2E_PCAP=1 (and tshark installed) capture SIP and RTP on lo to
# $WORK/lo.pcapng for debugging; pair it with DP_KEEP=1.  Started first,
# it is stopped last, but the packets of its last fraction of a second
# (the final un-REGISTERs) may be missing.
e2e_capture_start() {
	[ -n "${E2E_PCAP:-}" ] || return 0
	command -v dumpcap > /dev/null || dp_skip "E2E_PCAP needs tshark"
	dp_spawn capture dumpcap -i lo -w "$WORK/lo.pcapng" -q
	dp_wait_for 10 grep -q "Capturing on" "$WORK/capture.log" ||
		dp_fail "dumpcap did not start"
}
