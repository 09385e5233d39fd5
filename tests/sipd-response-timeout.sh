#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# "DHCP Timeout on Renewal" end to end: netd (DHCP from dnsmasq) and sipd
# in the phone's namespace, a registrar (sipd/testing/registrar.py) in
# the server's.  sipd reads netd's DHCP_Timeout_On_Renewal (3 s) with Get
# at start; when the registrar stops answering, the next REGISTER
# refresh gets no response and sipd emits ResponseTimeout once for it,
# about 3 s after sending; netd then renews its lease.  With the
# parameter set to 0 (Changed signal) no signal comes.
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/net/netns.sh"

for p in dnsmasq gdbus busctl dbus-monitor python3; do
	command -v "$p" >/dev/null || dp_skip "$p is not installed"
done
SIPD=$BUILD/sipd/sipd
[ -x "$SIPD" ] || dp_fail "sipd is not built ($SIPD)"
SIP=(org.deskphone.Sip /org/deskphone/Sip)

netns_up
dp_start_bus
netns_start_dnsmasq
# shellcheck disable=SC2086
netns_start_netd --interface "$VETH_PHONE" --dhcp-retransmit-ms 500 \
	--arp-probe-ms 50
netd_wait_prop 20 bound State
netd_set DHCP_Timeout_On_Renewal 3

dp_spawn registrar ip netns exec "$NS_SRV" python3 \
	"$SRC/sipd/testing/registrar.py" 10.77.0.1 5060 "$WORK/sink" \
	"$WORK/registrar-req.log"
dp_spawn monitor dbus-monitor --system \
	"type='signal',interface='org.deskphone.Sip1',member='ResponseTimeout'"

mkdir -p "$WORK/sipd-state"
dp_spawn sipd ip netns exec "$NS_PHONE" env TPORT_LOG=1 "$SIPD" \
	--state-dir "$WORK/sipd-state" --log-level debug
dp_wait_name org.deskphone.Sip
dp_wait_for 5 grep -q "Response timeout for netd: 3 s" "$WORK/sipd.log" ||
	dp_fail "sipd did not read netd's DHCP_Timeout_On_Renewal at start"

params() {
	busctl --system call "${SIP[@]}" org.deskphone.Parameters1 "$@"
}
reg_state() {
	dp_prop "${SIP[@]}" org.deskphone.Sip1 RegistrationState
}
signals() { grep -c 'member=ResponseTimeout' "$WORK/monitor.log"; }
renewals() { grep -c "renewing the DHCP lease now" "$WORK/netd.log"; }
requests() { grep -c "DHCPREQUEST($VETH_SRV)" "$WORK/dnsmasq-dhcp.log"; }
dropped() { grep -c 'dropped REGISTER' "$WORK/registrar-req.log"; }
now_ms() { date +%s%3N; }
# at_least FUNCTION N: the count FUNCTION prints is N or more
at_least() { [ "$("$1")" -ge "$2" ]; }
above() { [ "$("$1")" -gt "$2" ]; }

params SetMany 'a{ss}' 3 Proxy_1_ 10.77.0.1 User_ID_1_ 1000 \
	Register_Expires_1_ 10 || dp_fail "SetMany refused"
dp_wait_prop 10 registered "${SIP[@]}" org.deskphone.Sip1 \
	RegistrationState || dp_fail "not registered: $(reg_state)"
sleep 3
answered=$(grep -c 'answered REGISTER' "$WORK/registrar-req.log")
[ "$answered" -ge 2 ] || dp_fail "no refresh within 3 s of a 10 s binding"
[ "$(signals)" = 0 ] || dp_fail "ResponseTimeout while the registrar answers"
dp_log "registered; $answered REGISTERs answered"

# The registrar goes silent: the next refresh is not answered.
before_req=$(requests)
touch "$WORK/sink"
dp_wait_for 4 at_least dropped 1 ||
	dp_fail "no REGISTER reached the silent registrar"
sent=$(now_ms)
dp_wait_for 5 at_least signals 1 ||
	dp_fail "no ResponseTimeout within 5 s of the unanswered REGISTER"
got=$(now_ms)
elapsed=$((got - sent))
[ "$elapsed" -ge 2500 ] ||
	dp_fail "ResponseTimeout after $elapsed ms, before the 3 s threshold"
waited=$(grep -A3 'member=ResponseTimeout' "$WORK/monitor.log" |
	awk '/uint32/ { print $2; exit }')
grep -A3 'member=ResponseTimeout' "$WORK/monitor.log" |
	grep -q 'string "REGISTER"' || dp_fail "signal does not name REGISTER"
grep -A3 'member=ResponseTimeout' "$WORK/monitor.log" |
	grep -q 'string "sip:10.77.0.1:5060' ||
	dp_fail "signal does not name the registrar"
[ "${waited:-0}" -ge 3000 ] && [ "$waited" -lt 3500 ] ||
	dp_fail "waited_ms is '$waited', expected 3000..3499"
dp_log "ResponseTimeout(REGISTER) $elapsed ms after sending, waited_ms=$waited"

# netd renewed because of it.
dp_wait_for 5 at_least renewals 1 ||
	dp_fail "netd did not renew after ResponseTimeout"
dp_wait_for 5 above requests "$before_req" ||
	dp_fail "dnsmasq saw no renewal request"
netd_wait_prop 5 bound State

# Once per transaction: sofia keeps retransmitting the same REGISTER.
sleep 3
[ "$(dropped)" -ge 3 ] || dp_fail "no retransmissions seen ($(dropped))"
[ "$(signals)" = 1 ] || dp_fail "$(signals) signals for one transaction"
dp_log "one signal for $(dropped) transmissions of the same REGISTER"

# Threshold 0 (netd's Changed signal): nothing is emitted.
netd_set DHCP_Timeout_On_Renewal 0
dp_wait_for 5 grep -q "Response timeout for netd: 0 s" "$WORK/sipd.log" ||
	dp_fail "sipd did not follow Changed to 0"
rm -f "$WORK/sink"
params Set ss Register_Expires_1_ 11 || dp_fail "Set refused"
dp_wait_prop 40 registered "${SIP[@]}" org.deskphone.Sip1 \
	RegistrationState || dp_fail "not registered again: $(reg_state)"
n=$(signals)
touch "$WORK/sink"
sleep 7
[ "$(signals)" = "$n" ] || dp_fail "ResponseTimeout while the threshold is 0"
dp_log "threshold 0: no signal"
exit 0
