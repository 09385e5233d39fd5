# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by tests/flood.sh and bench/flood.sh: the phone (sipd + audiod
# on file PCMs) registered at kamailio as 1000, baresip "bob" as the far
# end, and flood_call, one real call while junk SIP floods sipd.  Source
# after tests/lib.sh and tests/e2e/peers.sh, inside dp_unshare_net.
#
# Restricted_Access_Domains is localhost (/etc/hosts: 127.0.0.1), the
# registrar's address (an IP literal is refused by its validator):
# junk from 127.0.0.2 is from outside it, junk from 127.0.0.1 (another
# port than kamailio's) counts as from the registrar.

E2E_KPORT=5060
PHONE_SIP_PORT=5062
BOB_SIP_PORT=5070
BOB_CTRL_PORT=4444
BOB_RTP=36000-36099
KAM=127.0.0.1:$E2E_KPORT
MIC_HZ=700
BOB_HZ=1000
FLOOD_RATE=${FLOOD_RATE:-5000}
SIP=(org.deskphone.Sip /org/deskphone/Sip org.deskphone.Sip1)
AUDIO=(org.deskphone.Audio /org/deskphone/Audio org.deskphone.Audio1)

flood_state() {
	dp_prop "${SIP[@]}" CallState
}

flood_state_is() {
	[ "$(flood_state)" = "$1" ]
}

flood_now_ms() {
	date +%s%3N
}

flood_alive() {
	local name

	for name in "$@"; do
		kill -0 "$(dp_pid "$name")" 2> /dev/null ||
			dp_fail "$name died: $(tail -5 "$WORK/$name.log")"
	done
}

flood_setup() {
	e2e_need kamailio baresip busctl gdbus dbus-daemon ss python3
	e2e_find_programs
	e2e_tone_fixtures
	dp_start_bus
	e2e_kamailio_start "$E2E_KPORT"
	e2e_start_audiod phone_speaker phone_mic
	e2e_start_sipd "$PHONE_SIP_PORT" "$KAM" 1000 secret
	busctl --system call "${SIP[0]}" "${SIP[1]}" \
		org.deskphone.Parameters1 Set ss Restricted_Access_Domains \
		localhost || dp_fail "cannot set Restricted_Access_Domains"
	dp_wait_prop 10 registered "${SIP[@]}" RegistrationState ||
		dp_fail "the phone did not register"
	e2e_baresip_start bob bob "$BOB_SIP_PORT" "$BOB_CTRL_PORT" "$BOB_RTP" \
		"$WORK/bob-tone.wav"
}

# flood_start NAME SRC SECONDS: junk at FLOOD_RATE from SRC to sipd
flood_start() {
	dp_spawn "$1" python3 "$SRC/tests/flood-send.py" "$2" 127.0.0.1 \
		"$PHONE_SIP_PORT" "$FLOOD_RATE" "$3"
}

# flood_wait NAME: waits for the flooder, logs its summary
flood_wait() {
	local pid

	pid=$(dp_pid "$1")
	wait "$pid"
	DP_PIDS=$(echo "$DP_PIDS" | tr ' ' '\n' | grep -v "^$pid:" |
		tr '\n' ' ')
	dp_log "$1: $(cat "$WORK/$1.log")"
}

# flood_call N LABEL: bob calls the phone (his Nth call), it is answered,
# tones must cross both ways, bob hangs up.  FLOOD_SETUP_MS gets the
# time from bob's dial to CallState ringing.
flood_call() {
	local n=$1 what=$2 t0 t1 from rec

	t0=$(flood_now_ms)
	e2e_bs_cmd bob dial "sip:1000@$KAM" > /dev/null ||
		dp_fail "$what: bob cannot dial"
	while ! flood_state_is ringing; do
		[ $(($(flood_now_ms) - t0)) -lt 32000 ] ||
			dp_fail "$what: the phone did not ring ($(flood_state))"
		sleep 0.005
	done
	t1=$(flood_now_ms)
	FLOOD_SETUP_MS=$((t1 - t0))

	busctl --system --timeout=10 call "${SIP[@]}" Answer ||
		dp_fail "$what: Answer() failed"
	dp_wait_for 5 flood_state_is active ||
		dp_fail "$what: call not active ($(flood_state))"
	e2e_bs_wait_event bob CALL_ESTABLISHED "$n" 5 ||
		dp_fail "$what: bob's call not established"
	dp_wait_prop 5 streaming "${AUDIO[@]}" State ||
		dp_fail "$what: audiod is not streaming"

	from=$(e2e_size "$WORK/speaker.raw")
	sleep 2
	e2e_check_paced "$from" "$(e2e_size "$WORK/speaker.raw")" 2 "$what"
	e2e_tail_raw "$WORK/speaker.raw" 1 "$WORK/$what-speaker.raw"
	e2e_expect_tone "$WORK/$what-speaker.raw" $BOB_HZ ||
		dp_fail "$what: bob's tone is not on the phone's speaker"
	rec=$(e2e_bs_received bob)
	e2e_tail_raw "$rec" 1 "$WORK/$what-bob.raw"
	e2e_expect_tone "$WORK/$what-bob.raw" $MIC_HZ ||
		dp_fail "$what: the phone's microphone did not reach bob"

	e2e_bs_cmd bob hangup > /dev/null || dp_fail "$what: bob cannot hang up"
	t0=$(flood_now_ms)
	if dp_wait_for "${FLOOD_END_WAIT:-5}" flood_state_is idle; then
		FLOOD_END_MS=$(($(flood_now_ms) - t0))
	elif [ -n "${FLOOD_END_FALLBACK:-}" ]; then
		# the BYE is lost: the phone's user hangs up instead
		FLOOD_END_MS=lost
		dp_log "$what: bob's BYE not handled in ${FLOOD_END_WAIT} s," \
			"hanging up on the phone"
		busctl --system --timeout=10 call "${SIP[@]}" Hangup ||
			dp_fail "$what: Hangup() failed"
		dp_wait_for 5 flood_state_is idle ||
			dp_fail "$what: not idle after Hangup() ($(flood_state))"
	else
		dp_fail "$what: not idle after bob hung up ($(flood_state))"
	fi
	e2e_bs_wait_event bob CALL_CLOSED "$n" 5 ||
		dp_fail "$what: bob's call not closed"
	dp_wait_prop 5 idle "${AUDIO[@]}" State ||
		dp_fail "$what: audiod still busy"
	dp_log "$what: set-up ${FLOOD_SETUP_MS} ms, audio both ways," \
		"idle ${FLOOD_END_MS} ms after bob's hangup"
	[ "$FLOOD_END_MS" != lost ] || return 1
	return 0
}
