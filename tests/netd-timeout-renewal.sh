#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# "DHCP Timeout on Renewal", netd's side, against dnsmasq.  sipd's
# org.deskphone.Sip1.ResponseTimeout signal is emitted by
# tests/net/sip-signal (owning org.deskphone.Sip, as sipd does):
#  - parameter 0 (the default): ignored;
#  - the signal from a stranger (not the owner of org.deskphone.Sip):
#    ignored;
#  - same address on renewal: carry on (signal, and Net1.Renew());
#  - another address (dnsmasq NAKs: notes/system.md 6): exit 75, the
#    address and the saved lease removed;
#  - no answer to the renewal: exit 75.
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/net/netns.sh"

command -v dnsmasq >/dev/null || dp_skip "dnsmasq (dnsmasq-base) missing"
command -v gdbus >/dev/null || dp_skip "gdbus (libglib2.0-bin) missing"

netns_up
dp_start_bus
netns_start_dnsmasq
SIG="$BUILD/tests/net/sip-signal"
ARGS="--interface $VETH_PHONE --dhcp-retransmit-ms 500 --arp-probe-ms 50"

# shellcheck disable=SC2086
netns_start_netd $ARGS
netd_wait_prop 20 bound State
addr=$(netd_prop Address)

requests() { grep -c "DHCPREQUEST($VETH_SRV)" "$WORK/dnsmasq-dhcp.log"; }
renewals() { grep -c "renewing the DHCP lease now" "$WORK/netd.log"; }

# netd_exit_status: waits up to 10 s for netd to end; its status in rc.
netd_exit_status() {
	local pid i
	pid=$(dp_pid netd)
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		[ "$(ps -o stat= -p "$pid" | cut -c1)" = Z ] && break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null &&
		[ "$(ps -o stat= -p "$pid" | cut -c1)" != Z ] &&
		dp_fail "netd still running"
	wait "$pid"
	rc=$?
	DP_PIDS=$(echo "$DP_PIDS" | tr ' ' '\n' | grep -v "^$pid:" |
		tr '\n' ' ')
}

# Off by default.
[ "$(busctl --system call org.deskphone.Net /org/deskphone/Net \
	org.deskphone.Parameters1 Get s DHCP_Timeout_On_Renewal)" = 's "0"' ] ||
	dp_fail "DHCP_Timeout_On_Renewal default is not 0"
"$SIG" REGISTER sip:10.77.0.1 5000 || dp_fail "sip-signal failed"
dp_wait_for 3 grep -q "DHCP timeout on renewal is off" "$WORK/netd.log" ||
	dp_fail "signal not seen while off"
[ "$(renewals)" = 0 ] || dp_fail "renewed while the parameter is 0"

netd_set DHCP_Timeout_On_Renewal 5
busctl --system call org.deskphone.Net /org/deskphone/Net \
	org.deskphone.Parameters1 Set ss DHCP_Timeout_On_Renewal -1 \
	2>/dev/null && dp_fail "a negative timeout was accepted"

# A stranger's signal does not count.
"$SIG" --no-name REGISTER sip:10.77.0.1 5000 || dp_fail "sip-signal failed"
sleep 0.5
[ "$(renewals)" = 0 ] || dp_fail "a stranger's signal made netd renew"

# Same address: carry on.
before=$(requests)
"$SIG" INVITE sip:100@10.77.0.1 5000 || dp_fail "sip-signal failed"
dp_wait_for 5 grep -q "renewal kept $addr, carrying on" "$WORK/netd.log" ||
	dp_fail "no same-address renewal after the signal"
[ "$(requests)" -gt "$before" ] || dp_fail "dnsmasq saw no renewal"
netd_wait_prop 2 bound State
[ "$(netd_prop Address)" = "$addr" ] || dp_fail "address changed"

# Renew() does the same on demand.
busctl --system call org.deskphone.Net /org/deskphone/Net \
	org.deskphone.Net1 Renew || dp_fail "Renew() failed"
kept_twice() { [ "$(grep -c "renewal kept $addr" "$WORK/netd.log")" = 2 ]; }
dp_wait_for 5 kept_twice ||
	dp_fail "Renew() did not renew with the same address"
dp_log "same address on renewal: carried on (signal and Renew())"

# Another address: dnsmasq moved to a new range NAKs; netd resets.
range=10.77.0.200,10.77.0.250,255.255.255.0,120s
dp_stop dnsmasq
rm -f "$WORK/dnsmasq.leases"
sed -e "s|@DIR@|$WORK|g" -e "s|@IFACE@|$VETH_SRV|g" \
	-e "s/^dhcp-range=.*/dhcp-range=$range/" \
	"$SRC/tests/net/dnsmasq.conf" > "$WORK/dnsmasq.conf"
dp_spawn dnsmasq ip netns exec "$NS_SRV" dnsmasq --keep-in-foreground \
	--conf-file="$WORK/dnsmasq.conf" --user=root \
	--pid-file="$WORK/dnsmasq.pid" --log-facility="$WORK/dnsmasq-dhcp.log"
dp_wait_for 5 grep -q "DHCP, IP range 10.77.0.200" "$WORK/dnsmasq-dhcp.log" ||
	dp_fail "dnsmasq did not start on the new range"
"$SIG" REGISTER sip:10.77.0.1 5000 || dp_fail "sip-signal failed"
netd_exit_status
[ "$rc" = 75 ] || dp_fail "netd exited with $rc, expected 75"
grep -q "resetting the phone's services (exit status 75)" "$WORK/netd.log" ||
	dp_fail "reset not logged"
grep -q "DHCPNAK($VETH_SRV)" "$WORK/dnsmasq-dhcp.log" ||
	dp_fail "dnsmasq sent no NAK"
ip -n "$NS_PHONE" -4 -o addr show dev "$VETH_PHONE" | grep -q inet &&
	dp_fail "the old address stayed after the reset"
[ -e "$WORK/state/netd.lease" ] && dp_fail "the old lease stayed saved"
dp_log "NAK on the requested renewal: exit 75, nothing left"

# The restarted netd gets the new address.
cp "$WORK/netd.log" "$WORK/netd-1.log"
# shellcheck disable=SC2086
netns_start_netd $ARGS
netd_wait_prop 20 bound State
case "$(netd_prop Address)" in
10.77.0.2[0-5][0-9]) ;;
*) dp_fail "new address '$(netd_prop Address)' not from the new range" ;;
esac

# No answer: the server is gone.
netd_set DHCP_Timeout_On_Renewal 5
dp_stop dnsmasq
"$SIG" REGISTER sip:10.77.0.1 5000 || dp_fail "sip-signal failed"
netd_exit_status
[ "$rc" = 75 ] || dp_fail "netd exited with $rc without an answer"
grep -q "no answer to the renewal" "$WORK/netd.log" ||
	dp_fail "no-answer reset not logged"
dp_log "no answer to the requested renewal: exit 75"
exit 0
