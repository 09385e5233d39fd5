#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The lease life cycle against a scripted server (tests/net/lease-dhcpd.py:
# 10 s leases, T1 2 s, T2 5 s): renewal at T1 by unicast; when the
# server goes silent, rebinding by broadcast at T2 and at expiry the
# address, route and DNS are removed and the client discovers again; a
# NAK on renewal goes back to INIT; after a restart the saved lease is
# asked for again (INIT-REBOOT); DHCP_Release_On_Stop sends RELEASE.
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/net/netns.sh"

command -v gdbus >/dev/null || dp_skip "gdbus (libglib2.0-bin) missing"
command -v dbus-monitor >/dev/null || dp_skip "dbus-monitor (dbus-bin) missing"

netns_up
dp_start_bus
mkdir -p "$WORK/ctl"
dp_spawn leasedhcpd ip netns exec "$NS_SRV" python3 \
	"$SRC/tests/net/lease-dhcpd.py" "$VETH_SRV" "$WORK/server.log" \
	"$WORK/ctl" 10.77.0.130
dp_wait_for 5 grep -q ready "$WORK/server.log" || dp_fail "server down"
netns_start_monitor

NETD_ARGS="--interface $VETH_PHONE --dhcp-retransmit-ms 200 --arp-probe-ms 50"
# shellcheck disable=SC2086
netns_start_netd $NETD_ARGS
netd_wait_prop 10 bound State
[ "$(netd_prop Address)" = 10.77.0.130 ] || dp_fail "Address wrong"
[ "$(netd_prop RenewalTime)" = 2 ] || dp_fail "T1 not from option 58"
[ "$(netd_prop RebindingTime)" = 5 ] || dp_fail "T2 not from option 59"
grep -q '^ADDRESS=10.77.0.130$' "$WORK/state/netd.lease" ||
	dp_fail "lease not saved: $(cat "$WORK/state/netd.lease")"

has_addr() {
	ip -n "$NS_PHONE" -4 -o addr show dev "$VETH_PHONE" | grep -q "inet $1/"
}

# 1. Renewal at T1: unicast REQUEST with ciaddr, no options 50/54.
renew='REQUEST xid=[0-9a-f]* ciaddr=10.77.0.130 req=- sid=- dst=unicast'
dp_wait_for 5 grep -q "$renew" "$WORK/server.log" ||
	dp_fail "no unicast renewal at T1: $(cat "$WORK/server.log")"
dp_wait_for 2 grep -q "sent ACK of 10.77.0.130 to 10.77.0.130" \
	"$WORK/server.log" || dp_fail "server did not ACK the renewal"
netd_wait_prop 2 bound State
s='string"State"variantstring'
dp_wait_for 2 netns_signalled "$s\"renewing\".*$s\"bound\"" ||
	dp_fail "State renewing -> bound not signalled"
has_addr 10.77.0.130 || dp_fail "address gone after the renewal"
dp_log "renewed at T1 by unicast"

# 2. Server gone: REBINDING by broadcast at T2, then expiry.
touch "$WORK/ctl/silent"
rebind='REQUEST xid=[0-9a-f]* ciaddr=10.77.0.130 req=- sid=- dst=broadcast'
dp_wait_for 12 grep -q "$rebind" "$WORK/server.log" ||
	dp_fail "no broadcast REQUEST while rebinding"
netd_wait_prop 2 rebinding State
dp_wait_for 12 dp_prop_is selecting org.deskphone.Net /org/deskphone/Net \
	org.deskphone.Net1 State || dp_fail "lease did not expire"
has_addr 10.77.0.130 && dp_fail "address still there after expiry"
ip -n "$NS_PHONE" -4 route show default | grep -q . &&
	dp_fail "default route still there after expiry"
[ "$(netd_prop Address)" = "" ] || dp_fail "Address still published"
grep -q nameserver "$WORK/state/resolv.conf" &&
	dp_fail "DNS still in resolv.conf after expiry"
[ -e "$WORK/state/netd.lease" ] && dp_fail "expired lease still saved"
dp_log "rebinding at T2 by broadcast, expiry removed everything"

# 3. Back: DISCOVER again.
rm "$WORK/ctl/silent"
netd_wait_prop 10 bound State
has_addr 10.77.0.130 || dp_fail "address not applied again"
grep -q "search lease.example.test" "$WORK/state/resolv.conf" ||
	dp_fail "search domain missing from resolv.conf"
# Resolv_Conf_Path moves the file while bound.
netd_set Resolv_Conf_Path "$WORK/moved-resolv.conf"
dp_wait_for 3 grep -q "^nameserver 10.77.0.9$" "$WORK/moved-resolv.conf" ||
	dp_fail "resolv.conf not written to the new Resolv_Conf_Path"
netd_set Resolv_Conf_Path ""

# 4. NAK on the next renewal: lease lost, INIT, bound again.
touch "$WORK/ctl/nak"
dp_wait_for 6 grep -q "sent NAK" "$WORK/server.log" || dp_fail "no NAK sent"
dp_wait_for 5 grep -q "DHCP lease lost" "$WORK/netd.log" ||
	dp_fail "the NAK did not lose the lease"
netd_wait_prop 10 bound State
dp_log "NAK on renewal went back to INIT and bound again"

# 5. INIT-REBOOT: after a restart the saved address is asked for first.
dp_stop netd
lines=$(wc -l < "$WORK/server.log")
# shellcheck disable=SC2086
netns_start_netd $NETD_ARGS
netd_wait_prop 10 bound State
first=$(tail -n +"$((lines + 1))" "$WORK/server.log" | grep -v sent |
	head -n 1)
case "$first" in
*"REQUEST xid="*" ciaddr=0.0.0.0 req=10.77.0.130 sid=- dst=broadcast") ;;
*) dp_fail "restart did not INIT-REBOOT: '$first'" ;;
esac
grep -q 'INIT-REBOOT' "$WORK/netd.log" || dp_fail "no INIT-REBOOT logged"
dp_log "INIT-REBOOT asked for 10.77.0.130 again"

# 6. DHCP_Release_On_Stop: RELEASE to the server, nothing left behind.
netd_set DHCP_Release_On_Stop Yes
dp_stop netd
release='RELEASE xid=[0-9a-f]* ciaddr=10.77.0.130 req=- sid=10.77.0.1'
dp_wait_for 3 grep -q "$release dst=unicast" "$WORK/server.log" ||
	dp_fail "no RELEASE: $(tail -3 "$WORK/server.log")"
has_addr 10.77.0.130 && dp_fail "address kept after RELEASE"
[ -e "$WORK/state/netd.lease" ] && dp_fail "released lease still saved"
dp_log "RELEASE on stop"
exit 0
