#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Acceptance test: the phone takes and makes a real call.
#
# In a private network namespace: a private bus, kamailio as registrar
# (digest auth), audiod on file-backed ALSA PCMs (the speaker is
# $WORK/speaker.raw, the microphone reads a 700 Hz tone from
# $WORK/mic.raw), sipd registered as 1000, and baresip registered as
# bob, sending 1000 Hz and recording what it gets.  bob calls the phone,
# which rings and is answered over D-Bus; both tones must cross; bob
# hangs up.  Then the phone calls bob, both tones cross again, and the
# phone hangs up.  Tones are checked by frequency, not by byte count.

. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/e2e/peers.sh"

e2e_need kamailio baresip busctl gdbus dbus-daemon dbus-monitor ss \
	/usr/bin/python3

E2E_KPORT=5060		# kamailio
PHONE_SIP_PORT=5062	# sipd
BOB_SIP_PORT=5070
BOB_CTRL_PORT=4444
BOB_RTP=36000-36099
KAM=127.0.0.1:$E2E_KPORT

MIC_HZ=700		# what the phone's microphone hears
BOB_HZ=1000		# what bob sends

SIP_DEST=org.deskphone.Sip
SIP_PATH=/org/deskphone/Sip
SIP_IFACE=org.deskphone.Sip1
AUDIO_DEST=org.deskphone.Audio
AUDIO_PATH=/org/deskphone/Audio

sip_prop() {
	dp_prop $SIP_DEST $SIP_PATH $SIP_IFACE "$1"
}

# N CallEnded signals seen so far
sip_call_ended() {
	[ "$(grep -c 'member=CallEnded' "$WORK/signals.log")" -ge "$1" ]
}

# the reason of the last CallEnded signal
sip_last_end_reason() {
	grep -A1 'member=CallEnded' "$WORK/signals.log" | tail -n 1 |
		sed -e 's/^ *string "//' -e 's/"$//'
}

e2e_find_programs
e2e_tone_fixtures

e2e_capture_start
dp_start_bus
e2e_kamailio_start "$E2E_KPORT"
e2e_start_audiod phone_speaker phone_mic
e2e_start_sipd "$PHONE_SIP_PORT" "$KAM" 1000 secret
dp_wait_prop 10 registered $SIP_DEST $SIP_PATH $SIP_IFACE RegistrationState ||
	dp_fail "phone not registered: state" \
		"$(dp_prop $SIP_DEST $SIP_PATH $SIP_IFACE RegistrationState)," \
		"reason '$(dp_prop $SIP_DEST $SIP_PATH $SIP_IFACE \
			RegistrationReason)'"
[ "$(sip_prop RegistrationExpires)" -gt 0 ] 2> /dev/null ||
	dp_fail "RegistrationExpires is '$(sip_prop RegistrationExpires)'"
dp_log "phone registered as 1000"
# record the CallEnded signals
dp_spawn signals dbus-monitor --system \
	"type='signal',interface='$SIP_IFACE',member='CallEnded'"
e2e_baresip_start bob bob "$BOB_SIP_PORT" "$BOB_CTRL_PORT" "$BOB_RTP" \
	"$WORK/bob-tone.wav"

sip_wait_call_state() {
	dp_wait_prop "$2" "$1" $SIP_DEST $SIP_PATH $SIP_IFACE CallState ||
		dp_fail "CallState is '$(sip_prop CallState)', want '$1' ($3)"
}

sip_call() {
	busctl --system --timeout=10 call $SIP_DEST $SIP_PATH $SIP_IFACE "$@"
}

# check_tones STEP: after 3 s of talk, bob's tone is on the phone's
# speaker and the phone's microphone tone reached bob
check_tones() {
	local rec from

	dp_wait_prop 5 streaming $AUDIO_DEST $AUDIO_PATH org.deskphone.Audio1 \
		State || dp_fail "$1: audiod is not streaming"
	from=$(e2e_size "$WORK/speaker.raw")
	sleep 3
	# the speaker is being written now, not left over from before
	e2e_check_paced "$from" "$(e2e_size "$WORK/speaker.raw")" 3 "$1"
	e2e_tail_raw "$WORK/speaker.raw" 2 "$WORK/$1-speaker.raw"
	e2e_expect_tone "$WORK/$1-speaker.raw" $BOB_HZ ||
		dp_fail "$1: bob's $BOB_HZ Hz is not on the phone's speaker"
	# the phone must not play its own microphone
	e2e_expect_tone "$WORK/$1-speaker.raw" $MIC_HZ 2> /dev/null &&
		dp_fail "$1: the phone's speaker carries its own microphone"

	rec=$(e2e_bs_received bob)
	[ -n "$rec" ] || dp_fail "$1: bob recorded nothing"
	e2e_tail_raw "$rec" 2 "$WORK/$1-bob.raw"
	e2e_expect_tone "$WORK/$1-bob.raw" $MIC_HZ ||
		dp_fail "$1: the phone's $MIC_HZ Hz did not reach bob ($rec)"
	dp_log "$1: $BOB_HZ Hz reached the phone, $MIC_HZ Hz reached bob"
}

# 1. bob calls the phone through kamailio; the phone rings
e2e_bs_cmd bob dial "sip:1000@$KAM" > /dev/null ||
	dp_fail "bob cannot dial"
sip_wait_call_state ringing 10 "incoming call"
[ "$(sip_prop CallDirection)" = incoming ] ||
	dp_fail "CallDirection is '$(sip_prop CallDirection)'"
case "$(sip_prop CallRemote)" in
*bob@*) ;;
*) dp_fail "CallRemote is '$(sip_prop CallRemote)', want bob" ;;
esac
e2e_bs_wait_event bob CALL_RINGING 1 5 || dp_fail "bob got no 180 Ringing"

ring_from=$(e2e_size "$WORK/speaker.raw")
sleep 1.2
ring_to=$(e2e_size "$WORK/speaker.raw")
e2e_check_paced "$ring_from" "$ring_to" 1.2 ringing
e2e_tail_raw "$WORK/speaker.raw" 1 "$WORK/ring.raw"
e2e_expect_ring "$WORK/ring.raw" ||
	dp_fail "no ring tone on the speaker while ringing"
dp_log "the phone rings ($(e2e_size "$WORK/ring.raw") bytes of ring tone)"

# 2. answer over D-Bus
sip_call Answer || dp_fail "Answer() failed"
sip_wait_call_state active 5 "after Answer()"
e2e_bs_wait_event bob CALL_ESTABLISHED 1 5 || dp_fail "bob: not established"
[ "$(sip_prop CallCodec)" = PCMU ] ||
	dp_fail "CallCodec is '$(sip_prop CallCodec)', want PCMU"
check_tones incoming
rec_in=$(e2e_bs_received bob)

# 3. bob hangs up
e2e_bs_cmd bob hangup > /dev/null || dp_fail "bob cannot hang up"
sip_wait_call_state idle 5 "after bob hung up"
e2e_bs_wait_event bob CALL_CLOSED 1 5 || dp_fail "bob: call not closed"
dp_wait_prop 5 idle $AUDIO_DEST $AUDIO_PATH org.deskphone.Audio1 State ||
	dp_fail "audiod still busy after the call"
dp_wait_for 5 sip_call_ended 1 || dp_fail "no CallEnded signal"
dp_log "bob hung up, the phone is idle (CallEnded '$(sip_last_end_reason)')"

# 4. the phone calls bob, who answers by himself
sip_call Dial s "sip:bob@$KAM" || dp_fail "Dial() failed"
sip_wait_call_state active 10 "bob answers automatically"
[ "$(sip_prop CallDirection)" = outgoing ] ||
	dp_fail "CallDirection is '$(sip_prop CallDirection)'"
e2e_bs_wait_event bob CALL_ESTABLISHED 2 5 || dp_fail "bob: not established"
check_tones outgoing
[ "$(e2e_bs_received bob)" != "$rec_in" ] ||
	dp_fail "bob made no new recording for the second call"

# 5. the phone hangs up
sip_call Hangup || dp_fail "Hangup() failed"
e2e_bs_wait_event bob CALL_CLOSED 2 5 || dp_fail "bob did not see the BYE"
sip_wait_call_state idle 5 "after Hangup()"
dp_wait_for 5 sip_call_ended 2 || dp_fail "no second CallEnded signal"
dp_log "the phone hung up (CallEnded '$(sip_last_end_reason)')," \
	"bob saw CALL_CLOSED"
exit 0
