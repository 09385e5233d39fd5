#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SIP torture (issue 7): our own messages for every case of RFC 4475 and
# malformed SDP, sent over UDP at sipd from 127.0.0.1, in a private
# network namespace.  Restricted_Access_Domains is empty, so every
# source counts as the registrar.  tests/torture/*.sip say what answer
# each must get (tests/torture/send.py): valid ones the right answer,
# invalid ones 400/488 (or similar) or nothing.
#  1. idle: offers sipd judges itself (idle-*.sip): bad c=/m= lines,
#     one-character lines, huge attribute counts, multipart bodies with
#     bad boundaries; one that rings is cancelled.
#  2. a call is set up (sipp UAC direct, answered with Answer()), then
#     every v*/i* message is sent; sipd must still run, the call must
#     still be active, and sipp's BYE after its pause must succeed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
dp_unshare_net "$@"

SPORT=5062
SIPD=$BUILD/sipd/sipd
FAKE=$BUILD/sipd/sipd-fake-audiod
TORTURE=$SRC/tests/torture
for p in sipp busctl dbus-daemon python3; do
	command -v "$p" > /dev/null || dp_skip "$p is not installed"
done
[ -x "$SIPD" ] || dp_fail "sipd is not built ($SIPD)"
[ -x "$FAKE" ] || dp_fail "sipd-fake-audiod is not built ($FAKE)"

SIP=(org.deskphone.Sip /org/deskphone/Sip)
cd "$WORK" || exit 1

call_state() {
	dp_prop "${SIP[@]}" org.deskphone.Sip1 CallState
}

state_is() {
	[ "$(call_state)" = "$1" ]
}

sipd_listening() {
	ss -Hlnu | grep -q "127.0.0.1:$SPORT"
}

sipd_alive() {
	kill -0 "$(dp_pid sipd)" 2> /dev/null ||
		dp_fail "sipd died: $(tail -5 "$WORK/sipd.log")"
}

mkdir -p "$WORK/state"
dp_start_bus
dp_spawn audiod "$FAKE" --port 40000
dp_wait_name org.deskphone.Audio
dp_spawn sipd "$SIPD" --state-dir "$WORK/state" --bind 127.0.0.1 \
	--port "$SPORT" --log-level info
dp_wait_name org.deskphone.Sip
dp_wait_for 5 sipd_listening ||
	dp_fail "sipd does not listen on $SPORT"

dp_log "1. offers judged by sipd, while idle"
python3 "$TORTURE/send.py" 127.0.0.1 "$SPORT" "$TORTURE"/idle-*.sip \
	> "$WORK/idle.out" 2>&1
rc=$?
cat "$WORK/idle.out" >&2
sipd_alive
[ "$rc" = 0 ] || dp_fail "an idle-phase message got a wrong answer"
dp_wait_for 5 state_is idle ||
	dp_fail "CallState '$(call_state)' after the idle phase, want idle"

dp_log "2. torture while a call is up"
# one call appearance: a valid INVITE during the call gets 486 (with
# more, it would wait with 180 and take the next appearance)
busctl --system call "${SIP[@]}" org.deskphone.Parameters1 Set ss \
	Call_Appearances_Per_Line 1 || dp_fail "Set Call_Appearances_Per_Line"
sipp -sd uac > "$WORK/uac.xml"
dp_spawn uac timeout 80 sipp -sf "$WORK/uac.xml" "127.0.0.1:$SPORT" \
	-i 127.0.0.1 -p 25001 -mp 26100 -s 1001 -m 1 -d 25000 -nostdin \
	-timeout 70s -timeout_error
dp_wait_for 10 state_is ringing ||
	dp_fail "the call does not ring ($(call_state))"
busctl --system call "${SIP[@]}" org.deskphone.Sip1 Answer ||
	dp_fail "Answer() failed"
dp_wait_for 10 state_is active ||
	dp_fail "the call is not active ($(call_state))"
start=$(date +%s)

python3 "$TORTURE/send.py" 127.0.0.1 "$SPORT" "$TORTURE"/v[0-9]*.sip \
	"$TORTURE"/i[0-9]*.sip > "$WORK/call.out" 2>&1
rc=$?
cat "$WORK/call.out" >&2
sipd_alive
[ "$(call_state)" = active ] ||
	dp_fail "the call did not survive: CallState $(call_state)"
[ $(( $(date +%s) - start )) -lt 24 ] ||
	dp_fail "the torture took longer than the call's pause"
[ "$rc" = 0 ] || dp_fail "a message got a wrong answer"

pid=$(dp_pid uac)
wait "$pid"
uac_rc=$?
DP_PIDS=$(echo "$DP_PIDS" | tr ' ' '\n' | grep -v "^$pid:" | tr '\n' ' ')
[ "$uac_rc" = 0 ] || dp_fail "sipp's call did not end cleanly ($uac_rc)"
dp_wait_for 5 state_is idle ||
	dp_fail "CallState '$(call_state)' after the BYE"
sipd_alive
dp_log "sipd answered every torture message and the call survived"
