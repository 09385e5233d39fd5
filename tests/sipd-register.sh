#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# sipd registration against kamailio with digest auth, in a private
# network namespace: register (proxy given as "localhost", which only
# /etc/hosts knows), refresh before expiry, wrong password -> failed with
# a bounded retry rate, new password over Parameters1 -> registered
# again, invalid values refused, settings kept across a restart, and
# SIGTERM un-registers, and a cleared Proxy_1_ takes the address of
# record with it.  SIPD_WRAP="valgrind ..." runs sipd under a checker.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
dp_unshare_net "$@"

KPORT=35060
SPORT=5062
SIPD=$BUILD/sipd/sipd
for p in kamailio kamcmd busctl gdbus dbus-daemon; do
	command -v "$p" > /dev/null || dp_skip "$p is not installed"
done
[ -x "$SIPD" ] || dp_fail "sipd is not built ($SIPD)"
getent hosts localhost | grep -q '127\.0\.0\.1' ||
	dp_skip "localhost does not resolve to 127.0.0.1"

SIP=(org.deskphone.Sip /org/deskphone/Sip)

kam_start() {
	local dir=$WORK/kamailio

	mkdir -p "$dir/run"
	sed "s|@DIR@|$dir|g" "$SRC/tests/peers/kamailio.cfg" > "$dir/kamailio.cfg"
	dp_spawn kamailio kamailio -f "$dir/kamailio.cfg" -A "SIP_PORT=$KPORT" \
		-DD -E -m 32 -M 4 -Y "$dir/run" -P "$dir/run/kamailio.pid" \
		-w "$dir"
	dp_wait_for 10 udp_listening "$KPORT" ||
		dp_fail "kamailio does not listen on port $KPORT"
}

udp_listening() {
	ss -Hlnu "sport = :$1" | grep -q "127.0.0.1:$1"
}

# Contacts the registrar holds for user 1000
kam_contacts() {
	kamcmd -s "unix:$WORK/kamailio/run/kamailio_ctl" ul.dump 2> /dev/null |
		grep -c "Address: sip:1000@127.0.0.1:$SPORT"
}

sipd_start() {
	# TPORT_LOG: sofia writes every SIP message it sends to the log
	dp_spawn sipd env TPORT_LOG=1 ${SIPD_WRAP:-} "$SIPD" --state-dir "$WORK/state" \
		--bind 127.0.0.1 --port "$SPORT"
	dp_wait_name org.deskphone.Sip
}

reg_state() {
	dp_prop "${SIP[@]}" org.deskphone.Sip1 RegistrationState
}

reg_reason() {
	dp_prop "${SIP[@]}" org.deskphone.Sip1 RegistrationReason
}

# REGISTER requests sipd sent so far (all of them, the log is appended)
registers() {
	grep -c 'sofia: *REGISTER sip:' "$WORK/sipd.log"
}

registers2() {
	grep -c 'sofia: *REGISTER sip:' "$WORK/sipd2.log"
}

registers2_above() {
	[ "$(registers2)" -gt "$1" ]
}

kam_contacts_are() {
	[ "$(kam_contacts)" = "$1" ]
}

sport_bound() {
	ss -Hlnu "sport = :$1" | grep -q "127.0.0.1:$1"
}

contacts_at() {
	[ "$(SPORT=$1 kam_contacts)" = "$2" ]
}

tcp_listening() {
	ss -Hltn "sport = :$1" | grep -q "127.0.0.1:$1"
}

params() {
	busctl --system call "${SIP[@]}" org.deskphone.Parameters1 "$@"
}

expect_state() {
	dp_wait_prop "$1" "$2" "${SIP[@]}" org.deskphone.Sip1 \
		RegistrationState ||
		dp_fail "RegistrationState is '$(reg_state)' ($(reg_reason)), want $2"
}

mkdir -p "$WORK/state"
dp_start_bus
dp_spawn monitor dbus-monitor --system \
	"type='signal',interface='org.freedesktop.DBus.Properties'"
kam_start
sipd_start

# Nothing configured yet
[ "$(reg_state)" = disabled ] || dp_fail "unconfigured state: $(reg_state)"

dp_log "register with the right password"
params SetMany 'a{ss}' 4 Proxy_1_ "localhost:$KPORT" User_ID_1_ 1000 \
	Password_1_ secret Register_Expires_1_ 20 ||
	dp_fail "SetMany of the account failed"
expect_state 10 registered
[ "$(reg_reason)" = "" ] || dp_fail "reason while registered: $(reg_reason)"
[ "$(dp_prop "${SIP[@]}" org.deskphone.Sip1 RegistrationExpires)" = 20 ] ||
	dp_fail "RegistrationExpires is not the granted 20 s"
[ "$(kam_contacts)" = 1 ] || dp_fail "kamailio holds no binding for 1000"
# the secret is never read back
[ "$(params Get s Password_1_)" = 's ""' ] ||
	dp_fail "Password_1_ is readable over D-Bus"

dp_log "refresh before the 20 s expire"
n0=$(registers)
for i in $(seq 1 22); do
	sleep 1
	[ "$(reg_state)" = registered ] ||
		dp_fail "lost the registration after $i s: $(reg_reason)"
done
n1=$(registers)
[ "$n1" -gt "$n0" ] || dp_fail "no REGISTER refresh within 22 s"
[ "$(kam_contacts)" = 1 ] || dp_fail "binding expired at kamailio"

dp_log "wrong password"
params Set ss Password_1_ wrong || dp_fail "Set Password_1_ failed"
expect_state 10 failed
reason=$(reg_reason)
dp_log "reason: $reason"
case $reason in
*401*credentials*) ;;
*) dp_fail "reason does not name 401 and credentials: $reason" ;;
esac
grep -A1 'string "RegistrationReason"' "$WORK/monitor.log" |
	grep -q 'variant *string "401 Unauthorized: wrong credentials"' ||
	dp_fail "no PropertiesChanged signal for the failure reason"
dp_wait_for 5 kam_contacts_are 0 ||
	dp_fail "old binding not removed after the change"

# Backoff 5 s then 10 s (+-20 %): in 15 s at most 3 attempts of 2
# REGISTERs each (plus one attempt that may be under way); a loop would
# send hundreds.
n0=$(registers)
sleep 15
n1=$(registers)
sent=$((n1 - n0))
dp_log "$sent REGISTERs in 15 s with the wrong password"
[ "$sent" -ge 2 ] || dp_fail "sipd stopped retrying ($sent REGISTERs)"
[ "$sent" -le 8 ] || dp_fail "sipd retries too fast ($sent REGISTERs)"
[ "$(reg_state)" = failed ] || dp_fail "state after retries: $(reg_state)"
grep -q 'retrying in' "$WORK/sipd.log" || dp_fail "no retry logged"

dp_log "right password again, without restart"
params Set ss Password_1_ secret || dp_fail "Set Password_1_ failed"
expect_state 5 registered
[ "$(kam_contacts)" = 1 ] || dp_fail "no binding after the new password"

dp_log "invalid values are refused"
out=$(gdbus call --system --dest org.deskphone.Sip \
	--object-path /org/deskphone/Sip \
	--method org.deskphone.Parameters1.Set SIP_Transport_1_ FOO 2>&1) &&
	dp_fail "SIP_Transport_1_=FOO was accepted"
dp_log "refused: $out"
echo "$out" | grep -q 'org.deskphone.Error.InvalidValue' ||
	dp_fail "wrong error for SIP_Transport_1_=FOO: $out"
echo "$out" | grep -q 'SIP_Transport_1_' ||
	dp_fail "error does not name the parameter: $out"
[ "$(params Get s SIP_Transport_1_)" = 's "UDP"' ] ||
	dp_fail "SIP_Transport_1_ changed after a refused write"
for bad in "Proxy_1_=bad host" "User_ID_1_=a b" "Register_Expires_1_=0" \
	"Register_Expires_1_=ten" "Display_Name_1_=a\"b" "SIP_Port_1_=70000" \
	"Line_Enable_1_=maybe"; do
	out=$(gdbus call --system --dest org.deskphone.Sip \
		--object-path /org/deskphone/Sip \
		--method org.deskphone.Parameters1.Set "${bad%%=*}" \
		"${bad#*=}" 2>&1) && dp_fail "$bad was accepted"
	echo "$out" | grep -q "InvalidValue: ${bad%%=*}:" ||
		dp_fail "wrong error for $bad: $out"
done
out=$(gdbus call --system --dest org.deskphone.Sip \
	--object-path /org/deskphone/Sip \
	--method org.deskphone.Parameters1.Set No_Such_1_ x 2>&1) &&
	dp_fail "an unknown parameter was accepted"
echo "$out" | grep -q 'UnknownParameter' ||
	dp_fail "wrong error for an unknown parameter: $out"
# all or nothing: one bad value, nothing changes
params SetMany 'a{ss}' 2 User_ID_1_ 1001 SIP_Transport_1_ FOO 2> /dev/null &&
	dp_fail "SetMany with a bad value was accepted"
[ "$(params Get s User_ID_1_)" = 's "1000"' ] ||
	dp_fail "SetMany changed a value although another was bad"
[ "$(reg_state)" = registered ] || dp_fail "refused writes disturbed sipd"

dp_log "settings survive a restart; SIGTERM un-registers"
grep -q '^Proxy_1_' "$WORK/state/sipd.conf" ||
	dp_fail "sipd.conf does not hold Proxy_1_"
n0=$(grep -c 'sofia: *Expires: 0' "$WORK/sipd.log")
t0=$(date +%s%N)
dp_stop sipd
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
dp_log "sipd stopped in $ms ms"
[ "$ms" -lt 4000 ] || dp_fail "SIGTERM took $ms ms"
grep -q 'Un-registered: 200' "$WORK/sipd.log" ||
	dp_fail "no un-REGISTER on SIGTERM"
[ "$(kam_contacts)" = 0 ] || dp_fail "binding left at kamailio after stop"
grep -q '^<6>sipd: Stopped' "$WORK/sipd.log" || dp_fail "no clean exit"
[ "$(grep -c 'sofia: *Expires: 0' "$WORK/sipd.log")" -gt "$n0" ] ||
	dp_fail "the un-REGISTER did not carry Expires: 0"

mv "$WORK/sipd.log" "$WORK/sipd-first.log"
sipd_start
expect_state 10 registered
[ "$(kam_contacts)" = 1 ] || dp_fail "no binding after the restart"

# Dial a user kamailio does not know, straight at it (the call fails, only
# the INVITE sipd sends matters) and print its From line.
dial_from() {
	local n0

	n0=$(grep -c "sofia: *INVITE sip:2000@127.0.0.1:$KPORT" \
		"$WORK/sipd.log")
	busctl --system call "${SIP[@]}" org.deskphone.Sip1 Dial s \
		"sip:2000@127.0.0.1:$KPORT" || dp_fail "Dial failed"
	dp_wait_for 5 invites_above "$n0" || dp_fail "no INVITE sent"
	# the From line of the last such INVITE
	awk -v r="sofia: *INVITE sip:2000@127.0.0.1:$KPORT" \
		'$0 ~ r { f = 1 } f && /sofia: *From:/ { l = $0; f = 0 }
		END { print l }' "$WORK/sipd.log"
	dp_wait_prop 10 idle "${SIP[@]}" org.deskphone.Sip1 CallState ||
		dp_fail "the failed call did not end"
}

invites_above() {
	[ "$(grep -c "sofia: *INVITE sip:2000@127.0.0.1:$KPORT" \
		"$WORK/sipd.log")" -gt "$1" ]
}

dp_log "a cleared Proxy_1_ takes the old address of record with it"
from=$(dial_from)
dp_log "registered: $from"
echo "$from" | grep -q 'sip:1000@localhost' ||
	dp_fail "registered call not from the address of record: $from"
params Set ss Proxy_1_ "" || dp_fail "cannot clear Proxy_1_"
expect_state 10 disabled
from=$(dial_from)
dp_log "no proxy: $from"
echo "$from" | grep -q 'localhost' &&
	dp_fail "call after clearing Proxy_1_ still from the old AOR: $from"
echo "$from" | grep -q 'sip:1000@127.0.0.1' ||
	dp_fail "call without a proxy not from our own address: $from"
params Set ss Proxy_1_ "localhost:$KPORT" || dp_fail "cannot set Proxy_1_"
expect_state 10 registered

dp_log "--bind 0.0.0.0: the contact is the address routed to the proxy"
dp_stop sipd
ip addr add 10.99.0.2/32 dev lo || dp_fail "cannot add 10.99.0.2 to lo"
mkdir -p "$WORK/state2"
dp_spawn sipd2 env TPORT_LOG=1 ${SIPD_WRAP:-} "$SIPD" \
	--state-dir "$WORK/state2" --port 5064
dp_wait_name org.deskphone.Sip
params SetMany 'a{ss}' 2 Proxy_1_ 10.99.0.2:5099 User_ID_1_ 1000 ||
	dp_fail "SetMany failed"
dp_wait_for 10 grep -q 'Contact: <sip:1000@10.99.0.2:5064' \
	"$WORK/sipd2.log" || dp_fail "contact is not the routed address"
expect_state 10 failed
# netd announcing a new address makes sipd register again at once
n0=$(registers2)
busctl --system emit /org/deskphone/Net org.freedesktop.DBus.Properties \
	PropertiesChanged 'sa{sv}as' org.deskphone.Net1 1 Address s \
	10.99.0.2 0 || dp_fail "cannot emit a netd signal"
dp_wait_for 5 grep -q 'network address changed' "$WORK/sipd2.log" ||
	dp_fail "sipd ignored netd's address change"
dp_wait_for 5 registers2_above "$n0" ||
	dp_fail "no REGISTER after the address change"

dp_log "a damaged sipd.conf is kept aside and sipd still runs"
dp_stop sipd2
mkdir -p "$WORK/state3"
printf 'Proxy_1_=127.0.0.1\nnot a parameter line\n' > "$WORK/state3/sipd.conf"
dp_spawn sipd3 ${SIPD_WRAP:-} "$SIPD" --state-dir "$WORK/state3" --bind 127.0.0.1 \
	--port 5066
dp_wait_name org.deskphone.Sip
cmp -s "$WORK/state3/sipd.conf.damaged" - <<'CONF' ||
Proxy_1_=127.0.0.1
not a parameter line
CONF
	dp_fail "the damaged file was not kept as it was"
[ "$(reg_state)" = disabled ] || dp_fail "values taken from a damaged file"
grep -q '^<3>sipd: .*damaged' "$WORK/sipd3.log" ||
	dp_fail "the damaged file was not reported as an error"

dp_log "SIP_Port_1_ without --port: a new stack on the new port"
dp_stop sipd3
mkdir -p "$WORK/state4"
dp_spawn sipd4 ${SIPD_WRAP:-} "$SIPD" --state-dir "$WORK/state4" --bind 127.0.0.1
dp_wait_name org.deskphone.Sip
params SetMany 'a{ss}' 3 Proxy_1_ "127.0.0.1:$KPORT" User_ID_1_ 1000 \
	Password_1_ secret || dp_fail "SetMany failed"
expect_state 10 registered
[ "$(SPORT=5060 kam_contacts)" = 1 ] ||
	dp_fail "no binding on the default SIP_Port_1_ 5060"
params Set ss SIP_Port_1_ 5068 || dp_fail "Set SIP_Port_1_ failed"
dp_wait_for 10 sport_bound 5068 || dp_fail "sipd does not listen on 5068"
expect_state 10 registered
dp_wait_for 5 contacts_at 5068 1 || dp_fail "no binding on port 5068"
[ "$(SPORT=5060 kam_contacts)" = 0 ] || dp_fail "the old binding was kept"
sport_bound 5060 && dp_fail "sipd still listens on 5060"

# TLS: tests/sipd-tls.sh
dp_log "PASS"
