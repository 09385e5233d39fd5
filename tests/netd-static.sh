#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# netd's static mode and mode switching, on a veth pair between two
# namespaces: without --interface nothing is touched; Static_IP and
# friends set over D-Bus land on the interface at once; a bad NetMask
# is refused with InvalidValue and changes nothing; Connection_Type
# switches between DHCP and static without a restart.
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/net/netns.sh"

command -v dnsmasq >/dev/null || dp_skip "dnsmasq (dnsmasq-base) missing"
command -v gdbus >/dev/null || dp_skip "gdbus (libglib2.0-bin) missing"

phone_addrs() {
	ip -n "$NS_PHONE" -4 -o addr show dev "$VETH_PHONE" |
		awk '{ print $4 }' | sort | tr '\n' ' '
}

phone_default_route() {
	ip -n "$NS_PHONE" -4 route show default
}

wait_addrs() {
	dp_wait_for 5 test "$(phone_addrs)" = "$1" ||
		dp_fail "addresses on $VETH_PHONE: '$(phone_addrs)'," \
			"expected '$1'"
}

netns_up
dp_start_bus
# The server also answers on the static subnet.
ip -n "$NS_SRV" addr add 10.77.1.1/24 dev "$VETH_SRV"

# 1. No --interface: static parameters are stored, nothing is applied.
netns_start_netd
[ "$(netd_prop State)" = disabled ] || dp_fail "State is $(netd_prop State)"
[ "$(netd_prop Mode)" = disabled ] || dp_fail "Mode is $(netd_prop Mode)"
netd_set Static_IP 10.77.1.20
netd_set NetMask 255.255.255.0
netd_set Gateway 10.77.1.1
netd_set Primary_DNS 10.77.1.53
netd_set Secondary_DNS 10.77.1.54
netd_set Connection_Type "Static IP"
sleep 0.3
[ "$(netd_prop State)" = disabled ] || dp_fail "State left disabled"
[ -z "$(phone_addrs)" ] || dp_fail "netd without --interface set $(phone_addrs)"
ip -n "$NS_PHONE" -o link show "$VETH_PHONE" | grep -q "state DOWN" ||
	dp_fail "netd without --interface touched the link"
dp_stop netd
grep -q "^Connection_Type=Static IP" "$WORK/state/netd.conf" ||
	dp_fail "Connection_Type not saved in netd.conf"

# 2. With the interface: the saved static configuration is applied.
netns_start_netd --interface "$VETH_PHONE"
netd_wait_prop 5 static State
[ "$(netd_prop Mode)" = static ] || dp_fail "Mode is $(netd_prop Mode)"
wait_addrs "10.77.1.20/24 "
want="default via 10.77.1.1 dev $VETH_PHONE proto static src 10.77.1.20"
phone_default_route | grep -q "^$want" ||
	dp_fail "default route: '$(phone_default_route)'"
[ "$(netd_prop Address)" = 10.77.1.20 ] ||
	dp_fail "Address $(netd_prop Address)"
[ "$(netd_prop Netmask)" = 255.255.255.0 ] || dp_fail "Netmask wrong"
[ "$(netd_prop Router)" = 10.77.1.1 ] || dp_fail "Router wrong"
[ "$(netd_prop DnsServers)" = '2 "10.77.1.53" "10.77.1.54"' ] ||
	dp_fail "DnsServers is '$(netd_prop DnsServers)'"
[ "$(netd_prop LeaseTime)" = 0 ] || dp_fail "LeaseTime in static mode"
netns_reachable 10.77.1.20 || dp_fail "10.77.1.20 not reachable"
# The static DNS servers in resolv.conf, by default in the state dir.
printf '%s\n' "# written by netd (static); changes are overwritten" \
	"nameserver 10.77.1.53" "nameserver 10.77.1.54" > "$WORK/resolv.want"
diff -u "$WORK/resolv.want" "$WORK/state/resolv.conf" ||
	dp_fail "static resolv.conf wrong"
# Resolv_Conf_Path moves it at once; relative or dotted paths refused.
for bad in etc/resolv.conf /etc/../x /etc/./x "/a b" /etc/; do
	busctl --system call org.deskphone.Net /org/deskphone/Net \
		org.deskphone.Parameters1 Set ss Resolv_Conf_Path "$bad" \
		2>/dev/null && dp_fail "Resolv_Conf_Path '$bad' accepted"
done
netd_set Resolv_Conf_Path "$WORK/other-resolv.conf"
dp_wait_for 5 diff -q "$WORK/resolv.want" "$WORK/other-resolv.conf" ||
	dp_fail "resolv.conf not written to Resolv_Conf_Path"
netd_set Resolv_Conf_Path ""

# 3. A non-contiguous NetMask is refused, naming the parameter.
if gdbus call --system --dest org.deskphone.Net --object-path \
	/org/deskphone/Net --method org.deskphone.Parameters1.Set \
	NetMask 255.0.255.0 > "$WORK/set.out" 2>&1; then
	dp_fail "NetMask 255.0.255.0 was accepted"
fi
grep -q "org.deskphone.Error.InvalidValue: NetMask: " "$WORK/set.out" ||
	dp_fail "wrong error for a bad NetMask: $(cat "$WORK/set.out")"
# ... and nothing changed: the stored value, the interface, the state.
[ "$(busctl --system call org.deskphone.Net /org/deskphone/Net \
	org.deskphone.Parameters1 Get s NetMask)" = 's "255.255.255.0"' ] ||
	dp_fail "NetMask changed by a refused Set"
grep -q "^NetMask=255.255.255.0$" "$WORK/state/netd.conf" ||
	dp_fail "netd.conf changed by a refused Set"
[ "$(phone_addrs)" = "10.77.1.20/24 " ] || dp_fail "address changed"
[ "$(netd_prop State)" = static ] || dp_fail "State changed"
for bad in 10.77.1.300 0.0.0.0 255.255.255.1; do
	busctl --system call org.deskphone.Net /org/deskphone/Net \
		org.deskphone.Parameters1 Set ss NetMask "$bad" 2>/dev/null &&
		dp_fail "NetMask '$bad' was accepted"
done
for bad in 127.0.0.1 224.0.0.1 255.255.255.255 10.77.1; do
	busctl --system call org.deskphone.Net /org/deskphone/Net \
		org.deskphone.Parameters1 Set ss Static_IP "$bad" 2>/dev/null &&
		dp_fail "Static_IP '$bad' was accepted"
done
# An empty NetMask is allowed as a value (it means "not set yet") and
# leaves the static mode unusable: State failed, no address.
netd_set NetMask ""
netd_wait_prop 5 failed State
wait_addrs ""
netd_set NetMask 255.255.255.0
netd_wait_prop 5 static State
wait_addrs "10.77.1.20/24 "

# 4. A new address and mask replace the old ones, all at once.
busctl --system call org.deskphone.Net /org/deskphone/Net \
	org.deskphone.Parameters1 SetMany "a{ss}" 3 Static_IP 10.77.1.30 \
	NetMask 255.255.0.0 Gateway 10.77.1.2 || dp_fail "SetMany refused"
wait_addrs "10.77.1.30/16 "
dp_wait_for 5 sh -c \
	"ip -n $NS_PHONE -4 route show default | grep -q 'via 10.77.1.2 '" ||
	dp_fail "default route not moved: '$(phone_default_route)'"
[ "$(netd_prop Netmask)" = 255.255.0.0 ] || dp_fail "Netmask not updated"
netns_reachable 10.77.1.30 || dp_fail "10.77.1.30 not reachable"
netns_reachable 10.77.1.20 && dp_fail "10.77.1.20 still answers"

# A /32 with the router outside it (as some DHCP servers give): the
# route is on-link, not refused as unreachable.
busctl --system call org.deskphone.Net /org/deskphone/Net \
	org.deskphone.Parameters1 SetMany "a{ss}" 2 NetMask 255.255.255.255 \
	Gateway 10.77.1.1 || dp_fail "SetMany /32 refused"
wait_addrs "10.77.1.30/32 "
dp_wait_for 5 sh -c "ip -n $NS_PHONE -4 route show default |
	grep -q 'via 10.77.1.1 .*onlink'" ||
	dp_fail "no on-link default route for a /32: '$(phone_default_route)'"
netns_reachable 10.77.1.30 || dp_fail "10.77.1.30/32 not reachable"
busctl --system call org.deskphone.Net /org/deskphone/Net \
	org.deskphone.Parameters1 SetMany "a{ss}" 2 NetMask 255.255.0.0 \
	Gateway 10.77.1.2 || dp_fail "SetMany back to /16 refused"
wait_addrs "10.77.1.30/16 "

# No gateway: the default route goes.
netd_set Gateway ""
dp_wait_for 5 test -z "$(phone_default_route)" ||
	dp_fail "default route left: '$(phone_default_route)'"
[ "$(netd_prop Router)" = "" ] || dp_fail "Router still published"

# 5. Switch to DHCP at run time: the static address goes, a lease comes.
netns_start_dnsmasq
netd_set Connection_Type DHCP
netd_wait_prop 10 bound State
addr=$(netd_prop Address)
case "$addr" in
10.77.0.1[0-4][0-9] | 10.77.0.150) ;;
*) dp_fail "DHCP Address '$addr' not from dnsmasq" ;;
esac
wait_addrs "$addr/24 "
[ "$(netd_prop Mode)" = dhcp ] || dp_fail "Mode is $(netd_prop Mode)"
grep -q "^nameserver 10.77.0.1$" "$WORK/state/resolv.conf" ||
	dp_fail "DHCP DNS not in resolv.conf: $(cat "$WORK/state/resolv.conf")"

# ... and back to static, still without a restart.
netd_set Gateway 10.77.1.1
netd_set Connection_Type "Static IP"
netd_wait_prop 5 static State
wait_addrs "10.77.1.30/16 "
[ "$(netd_prop LeaseTime)" = 0 ] || dp_fail "lease left published"
[ "$(netd_prop ServerAddress)" = "" ] || dp_fail "server left published"

dp_log "static mode, validation and run-time switching: ok"
exit 0
