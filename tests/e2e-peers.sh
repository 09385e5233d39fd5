#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Self-test of the end-to-end harness, without any deskphone daemon:
# kamailio and two baresip instances (bob, and 1000 standing in for the
# phone) call each other both ways and the tones must cross.  When this
# passes and tests/e2e-call.sh fails, the phone is at fault, not the
# peers.

. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/e2e/peers.sh"

e2e_need kamailio baresip ss /usr/bin/python3

E2E_KPORT=5060
KAM=127.0.0.1:$E2E_KPORT
MIC_HZ=700		# what the stand-in phone sends
BOB_HZ=1000		# what bob sends

E2E_TONE=$BUILD/tests/tone-tool
[ -x "$E2E_TONE" ] || dp_fail "tests/tone-tool is not built"
e2e_tone_fixtures
"$E2E_TONE" gen "$MIC_HZ" 40 "$WORK/phone-tone.wav" ||
	dp_fail "tone-tool cannot make the stand-in's tone"

e2e_capture_start
e2e_kamailio_start "$E2E_KPORT"
e2e_baresip_start bob bob 5070 4444 36000-36099 "$WORK/bob-tone.wav"
e2e_baresip_start phone 1000 5072 4446 36100-36199 "$WORK/phone-tone.wav"

# check_tones STEP: each side's recording carries the other's tone
check_tones() {
	sleep 2
	e2e_tail_raw "$(e2e_bs_received phone)" 1 "$WORK/$1-phone.raw"
	e2e_expect_tone "$WORK/$1-phone.raw" $BOB_HZ ||
		dp_fail "$1: bob's tone did not reach the stand-in"
	e2e_tail_raw "$(e2e_bs_received bob)" 1 "$WORK/$1-bob.raw"
	e2e_expect_tone "$WORK/$1-bob.raw" $MIC_HZ ||
		dp_fail "$1: the stand-in's tone did not reach bob"
	# the check must be able to fail
	e2e_expect_tone "$WORK/$1-bob.raw" $BOB_HZ 2> /dev/null &&
		dp_fail "$1: bob hears his own tone"
	return 0
}

e2e_bs_cmd bob dial "sip:1000@$KAM" > /dev/null || dp_fail "bob cannot dial"
e2e_bs_wait_event phone CALL_ESTABLISHED 1 5 || dp_fail "call 1 not set up"
check_tones "bob->1000"
e2e_bs_cmd bob hangup > /dev/null || dp_fail "bob cannot hang up"
e2e_bs_wait_event phone CALL_CLOSED 1 5 || dp_fail "call 1 not closed"

e2e_bs_cmd phone dial "sip:bob@$KAM" > /dev/null ||
	dp_fail "the stand-in cannot dial"
e2e_bs_wait_event bob CALL_ESTABLISHED 2 5 || dp_fail "call 2 not set up"
check_tones "1000->bob"
e2e_bs_cmd phone hangup > /dev/null || dp_fail "the stand-in cannot hang up"
e2e_bs_wait_event bob CALL_CLOSED 2 5 || dp_fail "call 2 not closed"
dp_log "calls both ways through kamailio carried both tones"
exit 0
