#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# RFC 5227 conflict detection in the background (netd's default) with
# dnsmasq.  A bridge in the server's namespace joins the phone and a
# third namespace, "other", which holds 10.77.0.160: the address
# dnsmasq reserves for the phone's MAC.
#  1. netd is BOUND on 10.77.0.160 at once; its probe then meets the
#     other host's answer: DHCPDECLINE, address removed, State init,
#     and after the (scaled) 10 s a new lease on another address.
#  2. Later the other host takes that address too and announces it
#     twice: netd defends it once (an announcement on the wire), gives
#     it up on the second (DHCPDECLINE, address removed) and ends up
#     BOUND on a third address.
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/net/netns.sh"

command -v dnsmasq >/dev/null || dp_skip "dnsmasq (dnsmasq-base) missing"
command -v gdbus >/dev/null || dp_skip "gdbus (libglib2.0-bin) missing"
command -v dbus-monitor >/dev/null || dp_skip "dbus-monitor (dbus-bin) missing"

NS_OTHER=dpO$$
VETH_OTHER=dvO$$
VETH_BR=dvB$$
TAKEN=10.77.0.160

conflict_exit() {
	local rc=$?

	ip netns del "$NS_OTHER" 2>/dev/null
	(exit $rc)
	netns_exit
}

# The server's end moves under a bridge, with a port for "other".
bridge_up() {
	ip netns add "$NS_OTHER" || dp_fail "ip netns add $NS_OTHER"
	ip -n "$NS_SRV" link add br0 type bridge &&
	ip -n "$NS_SRV" addr del 10.77.0.1/24 dev "$VETH_SRV" &&
	ip -n "$NS_SRV" link set "$VETH_SRV" master br0 &&
	ip -n "$NS_SRV" addr add 10.77.0.1/24 dev br0 &&
	ip -n "$NS_SRV" link set br0 up &&
	ip link add "$VETH_OTHER" type veth peer name "$VETH_BR" &&
	ip link set "$VETH_OTHER" netns "$NS_OTHER" &&
	ip link set "$VETH_BR" netns "$NS_SRV" &&
	ip -n "$NS_SRV" link set "$VETH_BR" master br0 up &&
	ip -n "$NS_OTHER" link set lo up &&
	ip -n "$NS_OTHER" link set "$VETH_OTHER" up &&
	ip -n "$NS_OTHER" addr add "$TAKEN/24" dev "$VETH_OTHER" ||
		dp_fail "cannot set up the bridge and the other host"
}

link_mac() {
	ip -n "$1" -o link show "$2" |
		sed -n 's|.*link/ether \([0-9a-f:]*\) .*|\1|p'
}

# bound on an address other than those given
bound_elsewhere() {
	local addr

	[ "$(netd_prop State)" = bound ] || return 1
	addr=$(netd_prop Address)
	[ -n "$addr" ] || return 1
	for a in "$@"; do
		[ "$addr" != "$a" ] || return 1
	done
}

on_phone() {
	ip -n "$NS_PHONE" -4 -o addr show dev "$VETH_PHONE" > "$WORK/addr.out"
	grep -q "inet $1/24 " "$WORK/addr.out" &&
		[ "$(grep -c ' inet ' "$WORK/addr.out")" = 1 ]
}

# monitor time of the first State VALUE signal after time FROM
state_time() {
	awk -v want="\"$1\"" -v from="$2" '
		/^signal time=/ { sub(/^signal time=/, ""); t = $1 }
		/variant +string/ && $3 == want && t > from { print t; exit }
	' "$WORK/monitor.log"
}

netns_up
trap conflict_exit EXIT
bridge_up
phone_mac=$(link_mac "$NS_PHONE" "$VETH_PHONE")
other_mac=$(link_mac "$NS_OTHER" "$VETH_OTHER")
[ -n "$phone_mac" ] && [ -n "$other_mac" ] || dp_fail "no MAC addresses"

dp_start_bus
netns_start_dnsmasq br0 "dhcp-host=$phone_mac,$TAKEN"
netns_start_monitor
ip -n "$NS_PHONE" monitor address > "$WORK/ipmon.log" 2>&1 &
DP_PIDS="$!:ipmon $DP_PIDS"

# ---- 1. in use from the start: bound, declined, bound elsewhere ----
netns_start_netd --interface "$VETH_PHONE" --dhcp-retransmit-ms 300 \
	--arp-probe-ms 200
dp_wait_for 10 grep -q "ARP probe of $TAKEN: in use by $other_mac" \
	"$WORK/netd.log" || dp_fail "the probe did not find $TAKEN in use"
dp_wait_for 10 bound_elsewhere "$TAKEN" ||
	dp_fail "not bound elsewhere: State $(netd_prop State)," \
		"Address '$(netd_prop Address)'"
first=$(netd_prop Address)
on_phone "$first" || dp_fail "$first not alone on the phone:" \
	"$(cat "$WORK/addr.out")"

# BOUND before the probe's verdict: the address was used, then removed.
grep -q "Deleted.* inet $TAKEN/24" "$WORK/ipmon.log" ||
	dp_fail "$TAKEN was not used and removed: $(cat "$WORK/ipmon.log")"
bound_line=$(grep -n "State requesting -> bound" "$WORK/netd.log" |
	head -n 1 | cut -d: -f1)
probe_line=$(grep -n "ARP probe of $TAKEN: in use" "$WORK/netd.log" |
	cut -d: -f1)
[ -n "$bound_line" ] && [ "$bound_line" -lt "$probe_line" ] ||
	dp_fail "BOUND did not come before the probe's verdict"
grep -q "DHCPDECLINE(br0) $TAKEN" "$WORK/dnsmasq-dhcp.log" ||
	dp_fail "dnsmasq saw no DECLINE of $TAKEN"

# Published: the lease, its loss, and the way back to bound.
p='string"%s"variant%s'
seq="$(printf "$p" Address "string\"$TAKEN\"").*$(printf "$p" State \
	'string"bound"').*$(printf "$p" Address 'string""').*$(printf "$p" \
	State 'string"init"').*$(printf "$p" State 'string"selecting"')"
seq="$seq.*$(printf "$p" Address "string\"$first\"").*$(printf "$p" \
	State 'string"bound"')"
netns_signalled "$seq" || dp_fail "the DECLINE was not published in order"

# RFC 2131 3.1.5: the scaled 10 s (750 ms) before DISCOVER again.
t_init=$(state_time init "$(state_time bound 0)")
t_sel=$(state_time selecting "$t_init")
awk -v a="$t_init" -v b="$t_sel" 'BEGIN { exit !(b - a >= 0.7) }' ||
	dp_fail "selecting at $t_sel came too soon after init at $t_init"

# ---- 2. taken later: defended once, given up on the second claim ----
dp_wait_for 5 grep -q "ARP probe of $first: free" "$WORK/netd.log" ||
	dp_fail "the probe of $first did not finish"
ip -n "$NS_OTHER" addr add "$first/24" dev "$VETH_OTHER" ||
	dp_fail "cannot add $first to the other host"
# two claims 0.8 s apart: within DEFEND_INTERVAL (10 x 200 ms)
ip netns exec "$NS_OTHER" python3 "$SRC/tests/net/arp-claim.py" \
	"$VETH_OTHER" "$first" "$phone_mac" 2 0.8 > "$WORK/claim.log" ||
	dp_fail "arp-claim.py failed"
grep -q "defended 1" "$WORK/claim.log" ||
	dp_fail "netd did not defend $first: $(cat "$WORK/claim.log")"
dp_wait_for 5 grep -q "claims $first again; giving it up" \
	"$WORK/netd.log" || dp_fail "netd did not give $first up"
grep -q "$other_mac claims $first too; defending it" "$WORK/netd.log" ||
	dp_fail "the defence was not logged"
dp_wait_for 5 grep -q "DHCPDECLINE(br0) $first" "$WORK/dnsmasq-dhcp.log" ||
	dp_fail "dnsmasq saw no DECLINE of $first"
dp_wait_for 15 bound_elsewhere "$TAKEN" "$first" ||
	dp_fail "not bound on a third address: State $(netd_prop State)," \
		"Address '$(netd_prop Address)'"
second=$(netd_prop Address)
on_phone "$second" || dp_fail "$second not alone on the phone:" \
	"$(cat "$WORK/addr.out")"
grep -q "Deleted.* inet $first/24" "$WORK/ipmon.log" ||
	dp_fail "$first was not removed"
kill -0 "$(dp_pid netd)" || dp_fail "netd ended"
dp_log "$TAKEN declined, $first defended then given up, bound on $second"
exit 0
