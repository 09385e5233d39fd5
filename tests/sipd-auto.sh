#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SIP_Transport_1_=AUTO (RFC 3263) against dnsmasq as DNS server and
# kamailio on 127.0.0.1:5060 (UDP and TCP), in a private network
# namespace.  sipd's DNS resolver reads $SIPD_TEST_RESOLV_CONF here
# (nameserver 127.0.0.53) instead of /etc/resolv.conf.
#   naptr.test: NAPTR SIP+D2T -> _sip._tcp.naptr.test SRV -> localhost:5060
#               => registers over TCP
#   srv.test:   no NAPTR; SRV _sip._udp.srv.test -> localhost:5060 => UDP
#   localhost:  nothing in DNS => UDP to the name, port 5060
# and a switch from AUTO to TCP and back re-registers without restart.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
dp_unshare_net "$@"

SIPD=$BUILD/sipd/sipd
for p in kamailio dnsmasq busctl gdbus dbus-daemon; do
	command -v "$p" > /dev/null || dp_skip "$p is not installed"
done
[ -x "$SIPD" ] || dp_fail "sipd is not built ($SIPD)"
getent hosts localhost | grep -q '127\.0\.0\.1' ||
	dp_skip "localhost does not resolve to 127.0.0.1"
SIP=(org.deskphone.Sip /org/deskphone/Sip)

ip addr add 127.0.0.53/8 dev lo 2> /dev/null
dp_spawn dns dnsmasq --keep-in-foreground --no-resolv --no-hosts \
	--no-daemon --port=53 --listen-address=127.0.0.53 --bind-interfaces \
	--pid-file="$WORK/dnsmasq.pid" --log-queries \
	--naptr-record=naptr.test,10,10,S,SIP+D2T,,_sip._tcp.naptr.test \
	--naptr-record=naptr.test,20,10,S,SIP+D2U,,_sip._udp.naptr.test \
	--srv-host=_sip._tcp.naptr.test,localhost,5060,0,0 \
	--srv-host=_sip._udp.naptr.test,localhost,5060,0,0 \
	--srv-host=_sip._udp.srv.test,localhost,5060,0,0
echo "nameserver 127.0.0.53" > "$WORK/resolv.conf"

udp_listening() {
	ss -Hlnu "sport = :$1" | grep -q "$2:$1"
}
dp_wait_for 5 udp_listening 53 127.0.0.53 || dp_fail "dnsmasq is not up"

mkdir -p "$WORK/kamailio/run" "$WORK/state"
sed "s|@DIR@|$WORK/kamailio|g" "$SRC/tests/peers/kamailio.cfg" \
	> "$WORK/kamailio/kamailio.cfg"
dp_spawn kamailio kamailio -f "$WORK/kamailio/kamailio.cfg" \
	-A "SIP_PORT=5060" -DD -E -m 32 -M 4 -Y "$WORK/kamailio/run" \
	-P "$WORK/kamailio/run/kamailio.pid" -w "$WORK/kamailio"
dp_wait_for 10 udp_listening 5060 127.0.0.1 || dp_fail "kamailio is not up"

dp_start_bus
dp_spawn sipd env SIPD_TEST_RESOLV_CONF="$WORK/resolv.conf" TPORT_LOG=1 \
	"$SIPD" --state-dir "$WORK/state" --bind 127.0.0.1 --port 5062 \
	--log-level debug
dp_wait_name org.deskphone.Sip

params() {
	busctl --system call "${SIP[@]}" org.deskphone.Parameters1 "$@"
}
reg_state() {
	dp_prop "${SIP[@]}" org.deskphone.Sip1 RegistrationState
}
more_lines() {
	[ "$(grep -c -- "$1" "$WORK/sipd.log")" -gt "$2" ]
}

# expect PROXY LOGLINE: after Proxy_1_=PROXY, sipd registers and its log
# has a new LOGLINE (the REGISTER as sent, with its transport)
expect() {
	local n
	n=$(grep -c -- "$2" "$WORK/sipd.log")
	params Set ss Proxy_1_ "$1" || dp_fail "Set Proxy_1_ failed"
	dp_wait_for 10 more_lines "$2" "$n" ||
		dp_fail "$1: no '$2' ($(reg_state))"
	dp_wait_for 10 more_lines "Registered sip:1000@$1 " \
		"$(grep -c "Registered sip:1000@$1 " "$WORK/sipd.log")" ||
		[ "$(reg_state)" = registered ] ||
		dp_fail "$1: not registered ($(reg_state))"
	dp_log "$1: $2"
}

params SetMany 'a{ss}' 3 User_ID_1_ 1000 Password_1_ secret \
	SIP_Transport_1_ AUTO || dp_fail "SetMany failed"

dp_log "NAPTR -> SRV -> TCP"
expect naptr.test 'AUTO transport for naptr.test: TCP to localhost:5060'
grep -q 'send [0-9]* bytes to tcp/\[127.0.0.1\]:5060' "$WORK/sipd.log" ||
	dp_fail "the REGISTER did not go over TCP"

dp_log "no NAPTR, SRV for UDP"
expect srv.test 'AUTO transport for srv.test: UDP to localhost:5060'

dp_log "nothing in DNS: UDP to the name"
expect localhost 'AUTO transport for localhost: UDP to localhost:5060'
grep -q 'query\[NAPTR\] localhost' "$WORK/dns.log" ||
	dp_fail "no NAPTR query reached the DNS server"

dp_log "AUTO -> TCP -> AUTO without restart"
pid=$(dp_pid sipd)
params Set ss SIP_Transport_1_ TCP || dp_fail "Set TCP failed"
dp_wait_for 10 grep -q 'at sip:127.0.0.1:5060;transport=tcp' \
	"$WORK/sipd.log" || dp_fail "no TCP registration"
dp_wait_prop 10 registered "${SIP[@]}" org.deskphone.Sip1 \
	RegistrationState || dp_fail "not registered over TCP"
[ "$(dp_pid sipd)" = "$pid" ] && kill -0 "$pid" || dp_fail "sipd restarted"
dp_log "PASS"
