#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The reset without systemd: scripts/launcher runs the whole phone in
# the phone's namespace with --interface; dnsmasq moves to a new range
# and Net1.Renew() (what sipd's ResponseTimeout triggers) gets a NAK,
# so netd exits with status 75.  The launcher must then restart every
# daemon (new PIDs) on the same bus, and netd must take an address
# from the new range.
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/net/netns.sh"

command -v dnsmasq >/dev/null || dp_skip "dnsmasq (dnsmasq-base) missing"
command -v gdbus >/dev/null || dp_skip "gdbus (libglib2.0-bin) missing"
for d in audiod/audiod netd/netd sipd/sipd webd/webd; do
	[ -x "$BUILD/$d" ] || dp_skip "$d not built"
done

netns_up
netns_start_dnsmasq

phone=$WORK/phone
mkdir -p "$phone/run"
chmod 0700 "$phone"
dp_spawn launcher ip netns exec "$NS_PHONE" env \
	DESKPHONE_NETD_ARGS="--dhcp-retransmit-ms 500 --arp-probe-ms 50" \
	"$SRC/scripts/launcher" "$BUILD" "$phone" 5060 8080 "$VETH_PHONE"
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$phone/run/bus.sock"
dp_wait_for 30 grep -q "deskphone is running" "$WORK/launcher.log" ||
	dp_fail "the launcher did not start the phone"
netd_wait_prop 20 bound State
old_addr=$(netd_prop Address)

pid_of() {
	busctl --system call org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus GetConnectionUnixProcessID s "$1" \
		2>/dev/null | sed 's/^u //'
}

names="org.deskphone.Audio org.deskphone.Net org.deskphone.Sip \
org.deskphone.Web"
declare -A before
for n in $names; do
	before[$n]=$(pid_of "$n")
	[ -n "${before[$n]}" ] || dp_fail "$n has no owner"
done
bus_pid=$(pid_of org.freedesktop.DBus)

# dnsmasq forgets the lease and serves another range: NAK on renewal.
dp_stop dnsmasq
rm -f "$WORK/dnsmasq.leases"
range=10.77.0.200,10.77.0.250,255.255.255.0,120s
sed -i "s/^dhcp-range=.*/dhcp-range=$range/" "$WORK/dnsmasq.conf"
dp_spawn dnsmasq2 ip netns exec "$NS_SRV" dnsmasq --keep-in-foreground \
	--conf-file="$WORK/dnsmasq.conf" --user=root \
	--pid-file="$WORK/dnsmasq.pid" --log-facility="$WORK/dnsmasq-dhcp.log"
dp_wait_for 5 grep -q "IP range 10.77.0.200" "$WORK/dnsmasq-dhcp.log" ||
	dp_fail "dnsmasq did not take the new range"

busctl --system call org.deskphone.Net /org/deskphone/Net \
	org.deskphone.Net1 Renew || dp_fail "Renew() failed"
dp_wait_for 15 grep -q "services restarted" "$WORK/launcher.log" ||
	dp_fail "the launcher did not restart the services"
grep -q "netd asked for a reset (status 75)" "$WORK/launcher.log" ||
	dp_fail "the launcher did not see status 75"

for n in $names; do
	dp_wait_for 10 test -n "$(pid_of "$n")" || dp_fail "$n not back"
	now=$(pid_of "$n")
	[ "$now" != "${before[$n]}" ] ||
		dp_fail "$n kept PID $now: not restarted"
done
[ "$(pid_of org.freedesktop.DBus)" = "$bus_pid" ] || dp_fail "bus changed"
kill -0 "$(dp_pid launcher)" || dp_fail "the launcher itself ended"

netd_wait_prop 20 bound State
case "$(netd_prop Address)" in
10.77.0.2[0-5][0-9]) ;;
*) dp_fail "address '$(netd_prop Address)' (was $old_addr) not new" ;;
esac
ip -n "$NS_PHONE" -4 -o addr show dev "$VETH_PHONE" | grep -q "$old_addr/" &&
	dp_fail "the old address $old_addr stayed"
dp_log "reset: all daemons restarted, $old_addr -> $(netd_prop Address)"
exit 0
