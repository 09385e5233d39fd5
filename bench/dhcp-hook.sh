#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Hook of busybox udhcpc ($1 = event) and dhcpcd ($reason) for
# bench-dhcp.sh: udhcpc's lease is put on the interface (dhcpcd does
# that itself), then the time is appended to @STAMPS@ (bench-dhcp.sh
# fills it in: dhcpcd gives its hook no environment of ours).  Nothing
# else is touched (dhcpcd's own hooks would rename the host).
case "$1:${reason:-}" in
bound:*)
	ip -4 addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	[ -n "${router:-}" ] &&
		ip route replace default via "${router%% *}" dev "$interface"
	date +%s.%6N >> "@STAMPS@"
	;;
*:BOUND | *:REBOOT)
	date +%s.%6N >> "@STAMPS@"
	;;
esac
exit 0
