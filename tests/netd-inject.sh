#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Malformed DHCP replies from an injector (tests/net/inject-dhcpd.py)
# reach netd with the right xid before every good reply: netd drops each
# one with a log line, never crashes, and binds to the good lease; the
# shell metacharacters it was sent in options 12, 15, 66 and 160 are
# refused (empty on D-Bus, absent from resolv.conf), and a later flood
# of garbage changes nothing.
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/net/netns.sh"

command -v gdbus >/dev/null || dp_skip "gdbus (libglib2.0-bin) missing"

netns_up
dp_start_bus
dp_spawn injector ip netns exec "$NS_SRV" python3 \
	"$SRC/tests/net/inject-dhcpd.py" "$VETH_SRV" "$WORK/inject.log"
dp_wait_for 5 grep -q ready "$WORK/inject.log" || dp_fail "injector down"

netns_start_netd --interface "$VETH_PHONE" --dhcp-retransmit-ms 500 \
	--arp-probe-ms 50
netd_wait_prop 15 bound State
grep -q "injected 7" "$WORK/inject.log" || dp_fail "nothing injected"
kill -0 "$(dp_pid netd)" || dp_fail "netd died"

[ "$(netd_prop Address)" = 10.77.0.150 ] || dp_fail "Address wrong"
[ "$(netd_prop LeaseTime)" = 300 ] || dp_fail "LeaseTime wrong"
for p in HostName DomainName TftpServerName ProvisioningUrl; do
	[ "$(netd_prop "$p")" = "" ] ||
		dp_fail "$p accepted hostile text: '$(netd_prop "$p")'"
done
[ "$(netd_prop ProvisioningServer)" = http://ok.example/159 ] ||
	dp_fail "a valid option was lost with the hostile ones"
grep -q search "$WORK/state/resolv.conf" &&
	dp_fail "hostile domain in: $(cat "$WORK/state/resolv.conf")"
grep -q "nameserver 10.77.0.9" "$WORK/state/resolv.conf" ||
	dp_fail "DNS missing from resolv.conf"

# Dropped, each with a log line: 3 malformed OFFERs before the usable
# one, and all 6 malformed ACKs before the good one.
n=$(grep -c "dropped a malformed DHCP packet" "$WORK/netd.log")
[ "$n" -ge 9 ] || dp_fail "only $n malformed replies logged as dropped"

# Garbage while bound: no effect.
ip netns exec "$NS_SRV" python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, sys.argv[1].encode())
for i in range(500):
    s.sendto(os.urandom(i % 700), ("255.255.255.255", 68))
' "$VETH_SRV" || dp_fail "garbage sender failed"
sleep 0.5
kill -0 "$(dp_pid netd)" || dp_fail "netd died on garbage"
[ "$(netd_prop State)" = bound ] || dp_fail "State changed by garbage"
[ "$(netd_prop Address)" = 10.77.0.150 ] || dp_fail "Address changed"
dp_log "malformed replies dropped, hostile text refused, lease intact"
exit 0
