#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# RFC 5227 probe before use (--arp-probe-mode first) + DHCPDECLINE: the
# server's namespace already holds 10.77.0.120, which the scripted
# server offers first.  netd's ARP probe gets an answer, so it declines
# (option 50 = 10.77.0.120, option 54 = the server), waits, discovers
# again and takes 10.77.0.121; the taken address never reaches the
# interface.  tests/netd-conflict.sh covers the default (background).
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/net/netns.sh"

command -v gdbus >/dev/null || dp_skip "gdbus (libglib2.0-bin) missing"
command -v dbus-monitor >/dev/null || dp_skip "dbus-monitor (dbus-bin) missing"

netns_up
ip -n "$NS_SRV" addr add 10.77.0.120/24 dev "$VETH_SRV" ||
	dp_fail "cannot add the conflicting address"
dp_start_bus
mkdir -p "$WORK/ctl"
dp_spawn leasedhcpd ip netns exec "$NS_SRV" python3 \
	"$SRC/tests/net/lease-dhcpd.py" "$VETH_SRV" "$WORK/server.log" \
	"$WORK/ctl" 10.77.0.120 10.77.0.121
dp_wait_for 5 grep -q ready "$WORK/server.log" || dp_fail "server down"
netns_start_monitor
# Watch the interface: 10.77.0.120 must never be put on it.
ip -n "$NS_PHONE" monitor address > "$WORK/ipmon.log" 2>&1 &
DP_PIDS="$!:ipmon $DP_PIDS"

netns_start_netd --interface "$VETH_PHONE" --dhcp-retransmit-ms 300 \
	--arp-probe-ms 100 --arp-probe-mode first
netd_wait_prop 15 bound State
[ "$(netd_prop Address)" = 10.77.0.121 ] ||
	dp_fail "Address is '$(netd_prop Address)', expected 10.77.0.121"

decline='DECLINE xid=[0-9a-f]* ciaddr=0.0.0.0 req=10.77.0.120'
grep -q "$decline sid=10.77.0.1 dst=broadcast" "$WORK/server.log" ||
	dp_fail "no DECLINE of 10.77.0.120"
grep -q "ARP probe of 10.77.0.120: in use" "$WORK/netd.log" ||
	dp_fail "probe result not logged"
grep -q "ARP probe of 10.77.0.121: free" "$WORK/netd.log" ||
	dp_fail "second address not probed"
grep -q "10.77.0.120" "$WORK/ipmon.log" &&
	dp_fail "10.77.0.120 was put on the interface: $(cat "$WORK/ipmon.log")"
s='string"State"variantstring'
seq="$s\"probing\".*$s\"init\".*$s\"selecting\""
netns_signalled "$seq.*$s\"probing\".*$s\"bound\"" ||
	dp_fail "State changes around the DECLINE not signalled"
# RFC 2131 3.1.5: at least the (scaled) 10 s wait before DISCOVER again.
t_decl=$(awk '/DECLINE/ { print $1; exit }' "$WORK/server.log")
t_disc=$(awk -v t="$t_decl" '/DISCOVER/ && $1 > t { print $1; exit }' \
	"$WORK/server.log")
awk -v a="$t_decl" -v b="$t_disc" 'BEGIN { exit !(b - a >= 0.7) }' ||
	dp_fail "DISCOVER $t_disc came too soon after DECLINE $t_decl"
dp_log "10.77.0.120 in use: declined; 10.77.0.121 bound"
exit 0
