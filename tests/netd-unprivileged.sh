#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# netd as its systemd unit runs it: not root, with only CAP_NET_ADMIN
# and CAP_NET_RAW (systemd/deskphone-netd.service.in).  It must still
# take a lease (packet socket, ARP probe, netlink), renew it by unicast
# (Renew(): a frame, no socket on port 68), and write its state.
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/net/netns.sh"

command -v dnsmasq >/dev/null || dp_skip "dnsmasq (dnsmasq-base) missing"
command -v gdbus >/dev/null || dp_skip "gdbus (libglib2.0-bin) missing"
command -v setpriv >/dev/null || dp_skip "setpriv (util-linux) missing"
id nobody >/dev/null 2>&1 || dp_skip "no user nobody"

netns_up
# The bus policy lets "nobody" stand in for the deskphone user.
sed 's/user="deskphone"/user="nobody"/' "$SRC/dbus/org.deskphone.conf" \
	> "$WORK/policy.conf"
sed -e "s|@SOCKET@|$WORK/bus.sock|" -e "s|@POLICY@|$WORK/policy.conf|" \
	"$SRC/dbus/deskphone-bus.conf.in" > "$WORK/bus.conf"
dp_spawn dbus dbus-daemon --config-file="$WORK/bus.conf" --nofork --nopidfile
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$WORK/bus.sock"
dp_wait_for 5 test -S "$WORK/bus.sock" || dp_fail "dbus-daemon did not start"
netns_start_dnsmasq

mkdir -p "$WORK/state"
chown nobody "$WORK/state"
chmod 0700 "$WORK/state"
chmod o+x "$WORK"
dp_spawn netd ip netns exec "$NS_PHONE" setpriv --reuid=nobody \
	--regid=nogroup --clear-groups \
	--inh-caps=-all,+net_admin,+net_raw \
	--ambient-caps=-all,+net_admin,+net_raw \
	--bounding-set=-all,+net_admin,+net_raw \
	env DESKPHONE_LOG_LEVEL=debug "$BUILD/netd/netd" \
	--state-dir "$WORK/state" --interface "$VETH_PHONE" \
	--dhcp-retransmit-ms 500 --arp-probe-ms 50
dp_wait_name org.deskphone.Net
netd_wait_prop 20 bound State
addr=$(netd_prop Address)
[ "$(ps -o user= -p "$(dp_pid netd)")" = nobody ] || dp_fail "netd not nobody"
# BOUND comes first; the probe's verdict 4 intervals later.
dp_wait_for 3 grep -q "ARP probe of $addr: free" "$WORK/netd.log" ||
	dp_fail "no ARP probe"
ip -n "$NS_PHONE" -4 -o addr show dev "$VETH_PHONE" | grep -q "inet $addr/" ||
	dp_fail "$addr not applied"
grep -q "^ADDRESS=$addr$" "$WORK/state/netd.lease" || dp_fail "lease not saved"
grep -q "^nameserver 10.77.0.1$" "$WORK/state/resolv.conf" ||
	dp_fail "resolv.conf not written"

before=$(grep -c "DHCPREQUEST($VETH_SRV) $addr" "$WORK/dnsmasq-dhcp.log")
busctl --system call org.deskphone.Net /org/deskphone/Net \
	org.deskphone.Net1 Renew || dp_fail "Renew() failed"
dp_wait_for 5 grep -q "renewal kept $addr" "$WORK/netd.log" ||
	dp_fail "unicast renewal failed without root"
[ "$(grep -c "DHCPREQUEST($VETH_SRV) $addr" "$WORK/dnsmasq-dhcp.log")" -gt \
	"$before" ] || dp_fail "dnsmasq saw no renewal"
kill -0 "$(dp_pid netd)" || dp_fail "netd ended"
dp_log "netd as nobody with CAP_NET_ADMIN+CAP_NET_RAW: lease, renewal ok"
exit 0
