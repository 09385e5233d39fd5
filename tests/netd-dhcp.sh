#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# netd takes a DHCP lease from dnsmasq across a veth pair between two
# namespaces, applies it over netlink and publishes it on D-Bus; the
# published values must be what dnsmasq was configured to hand out.
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/net/netns.sh"

command -v dnsmasq >/dev/null || dp_skip "dnsmasq (dnsmasq-base) missing"
command -v gdbus >/dev/null || dp_skip "gdbus (libglib2.0-bin) missing"
command -v dbus-monitor >/dev/null || dp_skip "dbus-monitor (dbus-bin) missing"

netns_up
dp_start_bus
netns_start_dnsmasq

# Watch the signals from the start: every value must be announced.
netns_start_monitor

netns_start_netd --interface "$VETH_PHONE" --dhcp-retransmit-ms 500
[ "$(netd_prop Mode)" = dhcp ] || dp_fail "Mode is $(netd_prop Mode)"
[ "$(netd_prop Interface)" = "$VETH_PHONE" ] || dp_fail "Interface wrong"

netd_wait_prop 20 bound State

addr=$(netd_prop Address)
case "$addr" in
10.77.0.1[0-4][0-9] | 10.77.0.150) ;;
*) dp_fail "Address '$addr' is not in dnsmasq's 10.77.0.100-150" ;;
esac
[ "$(netd_prop Netmask)" = 255.255.255.0 ] ||
	dp_fail "Netmask is '$(netd_prop Netmask)'"
[ "$(netd_prop Router)" = 10.77.0.1 ] ||
	dp_fail "Router is '$(netd_prop Router)'"
[ "$(netd_prop DnsServers)" = '2 "10.77.0.1" "10.77.0.2"' ] ||
	dp_fail "DnsServers is '$(netd_prop DnsServers)'"
[ "$(netd_prop LeaseTime)" = 120 ] ||
	dp_fail "LeaseTime is '$(netd_prop LeaseTime)'"
[ "$(netd_prop ServerAddress)" = 10.77.0.1 ] ||
	dp_fail "ServerAddress is '$(netd_prop ServerAddress)'"

# dnsmasq's own record of the lease: same address, our MAC.
mac=$(ip -n "$NS_PHONE" -o link show "$VETH_PHONE" |
	sed -n 's|.*link/ether \([0-9a-f:]*\) .*|\1|p')
grep -q " $mac $addr " "$WORK/dnsmasq.leases" ||
	dp_fail "dnsmasq has no lease of $addr for $mac:" \
		"$(cat "$WORK/dnsmasq.leases")"

# The lease is on the interface, with the default route.
ip -n "$NS_PHONE" -4 -o addr show dev "$VETH_PHONE" > "$WORK/addr.out"
grep -q "inet $addr/24 brd 10.77.0.255 " "$WORK/addr.out" ||
	dp_fail "$addr/24 is not on $VETH_PHONE: $(cat "$WORK/addr.out")"
[ "$(grep -c ' inet ' "$WORK/addr.out")" = 1 ] ||
	dp_fail "more than one address: $(cat "$WORK/addr.out")"
ip -n "$NS_PHONE" -4 route show default > "$WORK/route.out"
grep -q "^default via 10.77.0.1 dev $VETH_PHONE proto dhcp src $addr" \
	"$WORK/route.out" ||
	dp_fail "no default route via 10.77.0.1: $(cat "$WORK/route.out")"

# And it works: the server reaches the phone at its leased address.
netns_reachable "$addr" || dp_fail "$addr does not answer from the server"

# PropertiesChanged carried the lease and the state.
prop='string"%s"variant%s'
dp_wait_for 5 netns_signalled "$(printf "$prop" Address "string\"$addr\"")" ||
	dp_fail "no PropertiesChanged with Address $addr"
netns_signalled "$(printf "$prop" State 'string"bound"')" ||
	dp_fail "no PropertiesChanged with State bound"
netns_signalled "$(printf "$prop" DnsServers \
	'array\[string"10.77.0.1"string"10.77.0.2"\]')" ||
	dp_fail "no PropertiesChanged with the DNS servers"
netns_signalled "$(printf "$prop" LeaseTime 'uint32120')" ||
	dp_fail "no PropertiesChanged with LeaseTime 120"

# The exchange was DISCOVER/OFFER/REQUEST/ACK, seen by dnsmasq.
for m in DHCPDISCOVER DHCPOFFER DHCPREQUEST DHCPACK; do
	grep -q "$m($VETH_SRV)" "$WORK/dnsmasq-dhcp.log" ||
		dp_fail "dnsmasq logged no $m"
done

# SIGTERM: exit status 0, the address stays (documented choice).
pid=$(dp_pid netd)
kill -TERM "$pid"
( sleep 5; kill -KILL "$pid" 2>/dev/null ) &
guard=$!
wait "$pid"
rc=$?
kill "$guard" 2>/dev/null
DP_PIDS=$(echo "$DP_PIDS" | tr ' ' '\n' | grep -v "^$pid:" | tr '\n' ' ')
[ "$rc" = 0 ] || dp_fail "netd exited with status $rc on SIGTERM"
ip -n "$NS_PHONE" -4 -o addr show dev "$VETH_PHONE" | grep -q "inet $addr/" ||
	dp_fail "the address went away with netd"

dp_log "DHCP lease $addr from dnsmasq applied and published"
exit 0
