#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every DHCP option netd asks for, from three real servers in turn
# (dnsmasq, Kea, busybox udhcpd; configs in tests/net/, values from
# notes/system.md 4): what each server was given must be what netd
# publishes on D-Bus, with its D-Bus type, and DNS plus the search
# domain must be in the resolv.conf it writes.  dnsmasq's log also
# shows what netd sent: options 60, 61 and the full 55.
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/net/netns.sh"

command -v gdbus >/dev/null || dp_skip "gdbus (libglib2.0-bin) missing"
command -v dnsmasq >/dev/null || dp_skip "dnsmasq (dnsmasq-base) missing"

netns_up
dp_start_bus

# Raw bytes as busctl prints an ay: count, then each byte in decimal.
bytes() {
	local s=$1 i out=""
	for ((i = 0; i < ${#s}; i++)); do
		out="$out $(printf '%d' "'${s:i:1}")"
	done
	echo "${#s}$out"
}

ACS=http://acs.example.test:7547/cwmp

# check_props SERVER EXPECTED_159: the values every server was given.
check_props() {
	local who=$1 p159=$2 addr
	addr=$(netd_prop Address)
	case "$addr" in
	10.77.0.1[0-6][0-9] | 10.77.0.170) ;;
	*) dp_fail "$who: Address '$addr' not from the pool" ;;
	esac
	expect() {
		local got
		got=$(busctl --system get-property org.deskphone.Net \
			/org/deskphone/Net org.deskphone.Net1 "$1")
		[ "$got" = "$2" ] || dp_fail "$who: $1 is '$got', expected '$2'"
	}
	expect Netmask 's "255.255.255.0"'
	expect Router 's "10.77.0.1"'
	expect DnsServers 'as 2 "10.77.0.1" "10.77.0.2"'
	expect LeaseTime 'u 120'
	expect TimeOffset 'i 3600'
	expect DomainName 's "phone.example.test"'
	expect NtpServers 'as 1 "10.77.0.1"'
	expect VendorSpecific 'ay 11 1 4 10 77 0 1 2 3 97 98 99'
	expect VendorSpecificOptions 'a(yay) 2 1 4 10 77 0 1 2 3 97 98 99'
	expect VendorClass 's "ExamplePhoneVendor"'
	expect TftpServerName 's "tftp.example.test"'
	expect TftpServers 'as 1 "10.77.0.1"'
	expect ProvisioningServer "s \"$p159\""
	expect ProvisioningUrl 's "https://prov.example.test/cfg"'
	expect AcsUrl "s \"$ACS\""
	expect VendorIdentifying \
		"a(ua(yay)) 1 3561 2 1 $(bytes prov-url) 11 $(bytes "$ACS")"
	expect ServerAddress 's "10.77.0.1"'

	printf '%s\n' "# written by netd (DHCP); changes are overwritten" \
		"search phone.example.test" "nameserver 10.77.0.1" \
		"nameserver 10.77.0.2" > "$WORK/resolv.want"
	diff -u "$WORK/resolv.want" "$WORK/state-$who/resolv.conf" ||
		dp_fail "$who: resolv.conf differs"
	dp_log "$who: every option on D-Bus as configured ($addr)"
}

# run_netd SERVER: a fresh netd (state of its own) until bound.
run_netd() {
	mkdir -p "$WORK/state-$1"
	dp_spawn "netd-$1" ip netns exec "$NS_PHONE" env \
		DESKPHONE_LOG_LEVEL=debug "$BUILD/netd/netd" \
		--state-dir "$WORK/state-$1" --interface "$VETH_PHONE" \
		--dhcp-retransmit-ms 500 --arp-probe-ms 50
	dp_wait_name org.deskphone.Net
	netd_wait_prop 20 bound State
}

end_netd() {
	dp_stop "netd-$1"
	ip -n "$NS_PHONE" -4 addr flush dev "$VETH_PHONE"
}

# ---- dnsmasq ----
: > "$WORK/dhcp-hosts"
sed -e "s|@DIR@|$WORK|g" -e "s|@IFACE@|$VETH_SRV|g" \
	"$SRC/tests/net/dnsmasq-options.conf" > "$WORK/dnsmasq.conf"
dp_spawn dnsmasq ip netns exec "$NS_SRV" dnsmasq --keep-in-foreground \
	--conf-file="$WORK/dnsmasq.conf" --user=root \
	--pid-file="$WORK/dnsmasq.pid" --log-facility="$WORK/dnsmasq-dhcp.log"
run_netd dnsmasq
check_props dnsmasq https://prov.example.test/159
# What netd sent: vendor class, client id (type 1 + MAC), all of 55.
grep -q 'vendor class: deskphone CP-7832-3PCC' "$WORK/dnsmasq-dhcp.log" ||
	dp_fail "dnsmasq saw no option 60 from netd"
mac=$(ip -n "$NS_PHONE" -o link show "$VETH_PHONE" |
	sed -n 's|.*link/ether \([0-9a-f:]*\) .*|\1|p')
# dnsmasq's lease line ends with the client identifier: 01:<MAC>.
grep -q " $mac .* 01:$mac\$" "$WORK/dnsmasq.leases" ||
	dp_fail "no client identifier 01:$mac: $(cat "$WORK/dnsmasq.leases")"
req=$(grep "requested options:" "$WORK/dnsmasq-dhcp.log" |
	sed 's/.*requested options: //' | tr -d '\n')
for o in 1:netmask 2:time-offset 3:router 6:dns-server 15:domain-name \
	42:ntp-server 43:vendor-encap 51:lease-time 58:T1 59:T2 \
	66:tftp-server 125:vendor-id-encap 150 159 160; do
	case "$req" in
	*"$o"*) ;;
	*) dp_fail "option 55 lacks $o: $req" ;;
	esac
done
end_netd dnsmasq
dp_stop dnsmasq

# ---- Kea (159 arrives truncated to "http": notes/system.md 4) ----
if command -v kea-dhcp4 >/dev/null; then
	sed -e "s|@DIR@|$WORK|g" -e "s|@IFACE@|$VETH_SRV|g" \
		"$SRC/tests/net/kea-dhcp4.json" > "$WORK/kea-dhcp4.json"
	dp_spawn kea ip netns exec "$NS_SRV" env KEA_LOCKFILE_DIR="$WORK" \
		KEA_PIDFILE_DIR="$WORK" kea-dhcp4 -c "$WORK/kea-dhcp4.json"
	run_netd kea
	check_props kea http
	end_netd kea
	dp_stop kea
else
	dp_log "kea-dhcp4 (kea-dhcp4-server) missing: Kea part skipped"
fi

# ---- busybox udhcpd (about 2 s of ARP check per OFFER) ----
if command -v busybox >/dev/null; then
	sed -e "s|@DIR@|$WORK|g" -e "s|@IFACE@|$VETH_SRV|g" \
		"$SRC/tests/net/udhcpd.conf" > "$WORK/udhcpd.conf"
	: > "$WORK/udhcpd.leases"
	dp_spawn udhcpd ip netns exec "$NS_SRV" busybox udhcpd -f \
		"$WORK/udhcpd.conf"
	run_netd udhcpd
	check_props udhcpd https://prov.example.test/159
	end_netd udhcpd
	dp_stop udhcpd
else
	dp_log "busybox missing: udhcpd part skipped"
fi

exit 0
