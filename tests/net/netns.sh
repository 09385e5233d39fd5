# SPDX-License-Identifier: LGPL-2.1-or-later
# Two network namespaces joined by a veth pair (notes/system.md 3), for
# the netd tests.  Source after tests/lib.sh.  Names carry the test's
# PID so parallel runs never meet; the EXIT trap removes both
# namespaces (which destroys the veth pair) before lib.sh stops the
# processes and cleans up.  Only 10.77.x.x is used, and only in here.

NS_SRV=dpS$$
NS_PHONE=dpP$$
VETH_SRV=dvS$$
VETH_PHONE=dvP$$

netns_exit() {
	local rc=$?

	ip netns del "$NS_SRV" 2>/dev/null
	ip netns del "$NS_PHONE" 2>/dev/null
	# only if it was never moved away
	ip link del "$VETH_SRV" 2>/dev/null
	(exit $rc)
	dp_cleanup
}

netns_up() {
	trap netns_exit EXIT

	ip netns add "$NS_SRV" || dp_fail "ip netns add $NS_SRV"
	ip netns add "$NS_PHONE" || dp_fail "ip netns add $NS_PHONE"
	ip link add "$VETH_SRV" type veth peer name "$VETH_PHONE" ||
		dp_fail "cannot create a veth pair"
	ip link set "$VETH_SRV" netns "$NS_SRV" &&
	ip link set "$VETH_PHONE" netns "$NS_PHONE" &&
	ip -n "$NS_SRV" addr add 10.77.0.1/24 dev "$VETH_SRV" &&
	ip -n "$NS_SRV" link set lo up &&
	ip -n "$NS_SRV" link set "$VETH_SRV" up &&
	ip -n "$NS_PHONE" link set lo up ||
		dp_fail "cannot set up the namespaces"
	# The phone's end stays down and without address: netd brings it up.
}

# dnsmasq serving 10.77.0.100-150 on the server's end.
# netns_start_dnsmasq [IFACE [LINE...]]: on IFACE instead (a bridge),
# with LINEs added to its configuration.
netns_start_dnsmasq() {
	local iface=${1:-$VETH_SRV}

	[ $# = 0 ] || shift
	sed -e "s|@DIR@|$WORK|g" -e "s|@IFACE@|$iface|g" \
		"$SRC/tests/net/dnsmasq.conf" > "$WORK/dnsmasq.conf"
	[ $# = 0 ] || printf '%s\n' "$@" >> "$WORK/dnsmasq.conf"
	dnsmasq --test --conf-file="$WORK/dnsmasq.conf" >/dev/null 2>&1 ||
		dp_fail "dnsmasq rejects $WORK/dnsmasq.conf"
	dp_spawn dnsmasq ip netns exec "$NS_SRV" dnsmasq --keep-in-foreground \
		--conf-file="$WORK/dnsmasq.conf" --user=root \
		--pid-file="$WORK/dnsmasq.pid" \
		--log-facility="$WORK/dnsmasq-dhcp.log"
}

# netd on the phone's end; extra arguments are passed on.
netns_start_netd() {
	mkdir -p "$WORK/state"
	dp_spawn netd ip netns exec "$NS_PHONE" env DESKPHONE_LOG_LEVEL=debug \
		"$BUILD/netd/netd" --state-dir "$WORK/state" "$@"
	dp_wait_name org.deskphone.Net
}

netd_prop() {
	dp_prop org.deskphone.Net /org/deskphone/Net org.deskphone.Net1 "$1"
}

netd_wait_prop() {
	dp_wait_prop "$1" "$2" org.deskphone.Net /org/deskphone/Net \
		org.deskphone.Net1 "$3" ||
		dp_fail "Net1.$3 is '$(netd_prop "$3")', expected '$2'"
}

netd_set() {
	busctl --system call org.deskphone.Net /org/deskphone/Net \
		org.deskphone.Parameters1 Set ss "$1" "$2" ||
		dp_fail "Set $1 '$2' refused"
}

# netns_reachable ADDR: from the server namespace, a TCP connection to
# port 9 of ADDR is refused (the phone's kernel answered), not lost.
netns_reachable() {
	ip netns exec "$NS_SRV" python3 -c '
import socket, sys
s = socket.socket()
s.settimeout(2)
try:
    s.connect((sys.argv[1], 9))
except ConnectionRefusedError:
    sys.exit(0)
except OSError:
    sys.exit(1)
sys.exit(0)' "$1"
}

# Records every PropertiesChanged of /org/deskphone/Net.  Matching on
# the path, not the bus name, so that none is lost while the name is
# being acquired (gdbus monitor --dest drops those).
netns_start_monitor() {
	dp_spawn monitor dbus-monitor --system "type='signal',\
path='/org/deskphone/Net',interface='org.freedesktop.DBus.Properties'"
	# NameLost: it has become a monitor, its match rule is in place
	dp_wait_for 5 grep -q NameLost "$WORK/monitor.log" ||
		dp_fail "dbus-monitor did not start"
}

# netns_signalled REGEX: matches the monitor's output with all white
# space removed, e.g. 'string"State"variantstring"bound"'.
netns_signalled() {
	tr -d ' \t\n' < "$WORK/monitor.log" | grep -q "$1"
}
