#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Each daemon survives the others' death (issue 7).  In a private
# network namespace: kamailio, the phone (audiod on file PCMs, sipd
# registered as 1000, netd, webd) and baresip "bob".  One at a time a
# daemon is killed with SIGKILL in the middle of something, then
# restarted by hand as systemd would:
#  1. audiod during a call;      2. sipd during a call;
#  3. sipd during a registration; 4. webd during a web submit;
#  5. netd during a web submit of its page.
# After each kill the other daemons must still run; after the restart
# the others must work with the new one (a call with audio both ways,
# webd pages showing the restarted daemon's values) and every setting
# made before must still be there.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/e2e/peers.sh"
. "$SRC/tests/flood-lib.sh"
. "$SRC/tests/web/web-lib.sh"

e2e_need curl
[ -x "$BUILD/netd/netd" ] || dp_fail "netd is not built"
[ -x "$WEBD" ] || dp_fail "webd is not built"
NET=(org.deskphone.Net /org/deskphone/Net)
FORM_BODY="/usr/bin/python3 $SRC/tests/web/form-body.py"
EXT1=/admin/advanced/voice/ext1
SYSTEM=/admin/advanced/voice/system
CALLS=0
ALL="audiod sipd netd webd kamailio"

param() {
	busctl --system call "$1" "$2" org.deskphone.Parameters1 Get s "$3" |
		sed -e 's/^s "//' -e 's/"$//'
}

set_param() {
	busctl --system call "$1" "$2" org.deskphone.Parameters1 Set ss \
		"$3" "$4" || dp_fail "cannot set $3"
}

# expect_param SERVICE PATH NAME VALUE...: holds one of the VALUEs
expect_param() {
	local dest=$1 path=$2 name=$3 got v
	shift 3
	got=$(param "$dest" "$path" "$name")
	for v in "$@"; do
		[ "$got" = "$v" ] && return 0
	done
	dp_fail "$name is '$got', want one of: $*"
}

# kill9 NAME: SIGKILL, reaped, forgotten by the EXIT trap
kill9() {
	local pid

	pid=$(dp_pid "$1")
	kill -KILL "$pid"
	wait "$pid" 2> /dev/null
	DP_PIDS=$(echo "$DP_PIDS" | tr ' ' '\n' | grep -v "^$pid:" |
		tr '\n' ' ')
	dp_log "killed $1 (pid $pid) with SIGKILL"
}

# others_alive KILLED: every daemon but KILLED still runs
others_alive() {
	local name

	sleep 2
	for name in $ALL; do
		[ "$name" = "$1" ] && continue
		kill -0 "$(dp_pid "$name")" 2> /dev/null ||
			dp_fail "$name exited after $1 was killed:" \
				"$(tail -3 "$WORK/$name.log")"
	done
	dp_log "the others still run after $1's death"
}

start_audiod() {
	dp_spawn audiod env \
		ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$WORK/asound.conf" \
		"$E2E_AUDIOD" --state-dir "$WORK/audiod"
	dp_wait_name org.deskphone.Audio
}

start_sipd() {
	dp_spawn sipd "$E2E_SIPD" --state-dir "$WORK/sipd" --bind 127.0.0.1 \
		--port "$PHONE_SIP_PORT"
	dp_wait_name org.deskphone.Sip
}

start_netd() {
	dp_spawn netd "$BUILD/netd/netd" --state-dir "$WORK/netd"
	dp_wait_name org.deskphone.Net
}

registered() {
	dp_wait_prop 15 registered "${SIP[@]}" RegistrationState ||
		dp_fail "sipd not registered: $(dp_prop "${SIP[@]}" \
			RegistrationReason)"
}

# A whole call with audio both ways (flood_call), counted for bob.
good_call() {
	CALLS=$((CALLS + 1))
	flood_call "$CALLS" "$1"
}

# bob calls, the phone answers, audio flows: the call is up
call_up() {
	CALLS=$((CALLS + 1))
	e2e_bs_cmd bob dial "sip:1000@$KAM" > /dev/null || dp_fail "bob dial"
	dp_wait_for 10 flood_state_is ringing || dp_fail "$1: no ringing"
	busctl --system call "${SIP[@]}" Answer || dp_fail "$1: Answer()"
	e2e_bs_wait_event bob CALL_ESTABLISHED "$CALLS" 5 ||
		dp_fail "$1: bob's call not established"
	dp_wait_prop 5 streaming "${AUDIO[@]}" State ||
		dp_fail "$1: audiod not streaming"
	sleep 1
}

# bob hangs up whatever state the call is in
bob_hangup() {
	e2e_bs_cmd bob hangup > /dev/null
	e2e_bs_wait_event bob CALL_CLOSED "$CALLS" 40 ||
		dp_fail "bob's call $CALLS never closed"
}

# web_submit PAGE NAME=VALUE...: the form of PAGE with those values,
# posted in the background; its HTTP status goes to $WORK/code
web_submit() {
	local page=$1
	shift
	web_expect 200 -b "$WORK/jar" "$page"
	$FORM_BODY "$page" "$@" < "$WORK/body" > "$WORK/form" ||
		dp_fail "no form on $page"
	curl -sS --max-time 10 --cacert "$WEB_CA" -o /dev/null \
		-w '%{http_code}' -b "$WORK/jar" --data-binary "@$WORK/form" \
		"$WEB_BASE$page" > "$WORK/code" 2> /dev/null &
	SUBMIT=$!
}

# --- setup: everything up, one setting of each daemon changed ---------
flood_setup
start_netd
mkdir -p "$WORK/state"
echo "kill admin pw" > "$WORK/pwfile"
web_start webd --admin-password-file "$WORK/pwfile"
web_login "kill admin pw" "$WORK/jar"
# The display name is no part of the binding: changing it must not
# un-register (bob's first call would find no binding at kamailio: 404).
n_unreg=$(grep -c 'Un-registering' "$WORK/sipd.log")
set_param "${SIP[0]}" "${SIP[1]}" Display_Name_1_ Lobby
sleep 0.3
[ "$(grep -c 'Un-registering' "$WORK/sipd.log")" = "$n_unreg" ] ||
	dp_fail "a new Display_Name_1_ took the binding away"
set_param "${AUDIO[0]}" "${AUDIO[1]}" RTP_Port_Min 16400
set_param "${NET[@]}" Primary_DNS 10.77.0.53
good_call before

# --- 1. audiod during a call -----------------------------------------
call_up audiod-call
kill9 audiod
others_alive audiod
start_audiod
expect_param "${AUDIO[0]}" "${AUDIO[1]}" RTP_Port_Min 16400
expect_param "${AUDIO[0]}" "${AUDIO[1]}" Playback_Device phone_speaker
bob_hangup
dp_wait_for 10 flood_state_is idle || dp_fail "sipd not idle after 1"
good_call after-audiod

# --- 2. sipd during a call -------------------------------------------
call_up sipd-call
kill9 sipd
others_alive sipd
bob_hangup
dp_wait_prop 10 idle "${AUDIO[@]}" State ||
	dp_fail "audiod still '$(dp_prop "${AUDIO[@]}" State)' after sipd died"
start_sipd
registered
expect_param "${SIP[0]}" "${SIP[1]}" Display_Name_1_ Lobby
expect_param "${SIP[0]}" "${SIP[1]}" User_ID_1_ 1000
good_call after-sipd

# --- 3. sipd during a registration -----------------------------------
set_param "${SIP[0]}" "${SIP[1]}" Register_Expires_1_ 120
sleep 0.02
kill9 sipd
others_alive sipd
start_sipd
registered
expect_param "${SIP[0]}" "${SIP[1]}" Register_Expires_1_ 120
expect_param "${SIP[0]}" "${SIP[1]}" Display_Name_1_ Lobby
good_call after-register

# --- 4. webd during a submit -----------------------------------------
web_submit $EXT1 "Display_Name_1_=Front Desk"
sleep 0.0$((RANDOM % 3))
kill9 webd
wait "$SUBMIT"
others_alive webd
web_start webd --admin-password-file "$WORK/pwfile"
expect_param "${SIP[0]}" "${SIP[1]}" Display_Name_1_ Lobby "Front Desk"
web_login "kill admin pw" "$WORK/jar"
web_expect 200 -b "$WORK/jar" $EXT1
dp_log "webd restarted, login and Ext 1 work (HTTP $(cat "$WORK/code")" \
	"for the killed submit)"

# --- 5. netd during a submit of its page -----------------------------
web_submit $SYSTEM Primary_DNS=10.77.1.53
sleep 0.0$((RANDOM % 3))
kill9 netd
wait "$SUBMIT"
others_alive netd
start_netd
expect_param "${NET[@]}" Primary_DNS 10.77.0.53 10.77.1.53
web_expect 200 -b "$WORK/jar" $SYSTEM
grep -q 'value="10.77.[01].53"' "$WORK/body" ||
	dp_fail "webd does not show the restarted netd's Primary_DNS"
good_call at-end
dp_log "every daemon survived the others' SIGKILL; no setting was lost"
