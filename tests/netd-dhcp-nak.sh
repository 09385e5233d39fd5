#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# netd's DHCP client against a scripted server that misbehaves
# (tests/net/fake-dhcpd.py): an unanswered DISCOVER is retransmitted
# after the (shortened) backoff, a malformed OFFER and one with a
# foreign xid are dropped, a NAK sends the client back to INIT, and the
# lease that finally comes is applied with exactly its values.
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/net/netns.sh"

command -v gdbus >/dev/null || dp_skip "gdbus (libglib2.0-bin) missing"
command -v dbus-monitor >/dev/null || dp_skip "dbus-monitor (dbus-bin) missing"

netns_up
dp_start_bus
dp_spawn fakedhcpd ip netns exec "$NS_SRV" python3 \
	"$SRC/tests/net/fake-dhcpd.py" "$VETH_SRV" "$WORK/fake.log"
dp_wait_for 5 grep -q ready "$WORK/fake.log" || dp_fail "fake server down"
netns_start_monitor

# First retransmission after 500 ms +/- 125 ms.
netns_start_netd --interface "$VETH_PHONE" --dhcp-retransmit-ms 500
netd_wait_prop 20 bound State

grep -v ready "$WORK/fake.log" | awk '{ print $2, $4 }' > "$WORK/seq.out"
printf '%s\n' "DISCOVER -" "DISCOVER -" "REQUEST 10.77.0.201" \
	"DISCOVER -" "REQUEST 10.77.0.202" > "$WORK/seq.want"
diff -u "$WORK/seq.want" "$WORK/seq.out" ||
	dp_fail "unexpected exchange (see diff above)"

# The retransmission kept the xid and waited 375..625 ms (+ slack).
read -r t1 x1 < <(awk 'NR == 2 { print $1, $3 }' "$WORK/fake.log")
read -r t2 x2 < <(awk 'NR == 3 { print $1, $3 }' "$WORK/fake.log")
[ "$x1" = "$x2" ] || dp_fail "retransmission changed the xid"
awk -v a="$t1" -v b="$t2" \
	'BEGIN { d = b - a; exit !(d >= 0.37 && d <= 0.75) }' ||
	dp_fail "retransmission after $t1 -> $t2, expected 0.5 s +/- 0.125"
# After the NAK, a new transaction.
x4=$(awk 'NR == 5 { print $3 }' "$WORK/fake.log")
[ "$x4" != "$x1" ] || dp_fail "DISCOVER after NAK reused the xid"

[ "$(netd_prop Address)" = 10.77.0.202 ] ||
	dp_fail "Address is '$(netd_prop Address)'"
[ "$(netd_prop DnsServers)" = '1 "10.77.0.9"' ] ||
	dp_fail "DnsServers is '$(netd_prop DnsServers)'"
[ "$(netd_prop LeaseTime)" = 300 ] || dp_fail "LeaseTime wrong"
[ "$(netd_prop Router)" = 10.77.0.1 ] || dp_fail "Router wrong"
ip -n "$NS_PHONE" -4 -o addr show dev "$VETH_PHONE" |
	grep -q "inet 10.77.0.202/24 " || dp_fail "10.77.0.202 not applied"

grep -q "dropped a malformed DHCP packet" "$WORK/netd.log" ||
	dp_fail "the malformed OFFER was not logged"
grep -q "not a reply to us" "$WORK/netd.log" ||
	dp_fail "the foreign-xid OFFER was not dropped"
grep -q "DHCP NAK" "$WORK/netd.log" || dp_fail "NAK not seen"
# State went requesting -> init after the NAK, on the bus too.
s='string"State"variantstring'
netns_signalled "$s\"requesting\".*$s\"init\".*$s\"selecting\".*$s\"bound\"" ||
	dp_fail "State changes not signalled"

dp_log "retransmission, malformed/foreign OFFERs, NAK -> INIT: ok"
exit 0
