#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# DHCP: time from starting the client to BOUND, against one dnsmasq
# across a veth pair between two namespaces (tests/net/netns.sh): netd
# by default (BOUND at the ACK, RFC 5227 probe in the background), with
# the probe before BOUND (--arp-probe-mode first) and without conflict
# detection (--arp-probe-ms 0), busybox udhcpc (without and with its
# ARP check -a), dhcpcd (default, and with noarp).
# Before each run the phone's end is up with no address and every
# client starts without a saved lease; one warm-up run per client is
# not counted (dnsmasq then knows each client).  BOUND is netd's State
# "bound" (its PropertiesChanged time, from dbus-monitor) and the
# clients' bound hook (bench/dhcp-hook.sh).  Median of 20 runs.
# Target: netd no slower than the faster of udhcpc and dhcpcd.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/e2e/peers.sh"
. "$SRC/bench/lib.sh"
. "$SRC/tests/net/netns.sh"

e2e_need dnsmasq busybox dhcpcd gdbus dbus-monitor busctl
[ -x "$BUILD/netd/netd" ] || dp_fail "netd is not built"
RUNS=$(bench_runs "${BENCH_DHCP_RUNS:-20}")
BENCH_STAMPS=$WORK/stamps.txt
HOOK=$WORK/dhcp-hook.sh

# Fresh start: no address, no route, the link up with its carrier.
reset_link() {
	ip -n "$NS_PHONE" -4 addr flush dev "$VETH_PHONE"
	ip -n "$NS_PHONE" link set "$VETH_PHONE" up
	dp_wait_for 5 carrier || dp_fail "$VETH_PHONE has no carrier"
}

carrier() {
	[ "$(ip netns exec "$NS_PHONE" cat \
		"/sys/class/net/$VETH_PHONE/carrier")" = 1 ]
}

# the first stamp after FROM in FILE
stamp_after() {
	awk -v t="$1" '$1 > t { print; exit }' "$2" 2>/dev/null
}

# netd's PropertiesChanged times with State "bound"
netd_bound_times() {
	awk '/^signal time=/ { sub(/^signal time=/, ""); t = $1 }
		/string "bound"/ { print t }' "$WORK/monitor.log" \
		> "$WORK/netd-bound.txt"
}

netd_bound_after() {
	netd_bound_times
	[ -n "$(stamp_after "$1" "$WORK/netd-bound.txt")" ]
}

hook_after() {
	[ -n "$(stamp_after "$1" "$BENCH_STAMPS")" ]
}

# run_netd FROM [netd options]: prints the time of BOUND
run_netd() {
	local t0=$1 state

	shift
	state=$WORK/netd-$RANDOM$RANDOM
	mkdir -p "$state"
	dp_spawn netd ip netns exec "$NS_PHONE" "$BUILD/netd/netd" \
		--state-dir "$state" --interface "$VETH_PHONE" "$@"
	dp_wait_for 30 netd_bound_after "$t0" || dp_fail "netd: no lease"
	stamp_after "$t0" "$WORK/netd-bound.txt"
	dp_stop netd
}

run_udhcpc() {
	local t0=$1

	shift
	dp_spawn udhcpc ip netns exec "$NS_PHONE" env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		busybox udhcpc -i "$VETH_PHONE" -f -q -n -t 10 -T 1 \
		-s "$HOOK" "$@"
	dp_wait_for 30 hook_after "$t0" || dp_fail "udhcpc: no lease"
	stamp_after "$t0" "$BENCH_STAMPS"
	dp_stop udhcpc
}

# dhcpcd with private /run and /var/lib/dhcpcd (no lease kept), its
# hook replaced by ours
run_dhcpcd() {
	local t0=$1

	shift
	printf '%s\n' "$@" > "$WORK/dhcpcd.conf"
	echo "option domain_name_servers, routers, subnet_mask" \
		>> "$WORK/dhcpcd.conf"
	dp_spawn dhcpcd ip netns exec "$NS_PHONE" env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		unshare --mount sh -c 'mount -t tmpfs tmpfs /run &&
		mount -t tmpfs tmpfs /var/lib/dhcpcd && exec "$@"' sh \
		dhcpcd -f "$WORK/dhcpcd.conf" -c "$HOOK" \
		-4 -B -1 -t 20 "$VETH_PHONE"
	dp_wait_for 30 hook_after "$t0" || dp_fail "dhcpcd: no lease"
	stamp_after "$t0" "$BENCH_STAMPS"
	dp_stop dhcpcd
}

# one_run NAME CLIENT [options]: milliseconds from start to BOUND
one_run() {
	local t0 t1

	reset_link
	t0=$(bench_now)
	t1=$("$2" "$t0" "${@:3}") || exit 1
	bench_ms "$t0" "$t1"
}

netns_up
mkdir -p /var/lib/dhcpcd
sed "s|@STAMPS@|$BENCH_STAMPS|g" "$BENCH_DIR/dhcp-hook.sh" > "$HOOK"
chmod +x "$HOOK"
dp_start_bus
netns_start_dnsmasq
netns_start_monitor

# NAME|QUICK|COMMAND; QUICK "q": also run by --quick (the clients whose
# BOUND does not wait for a probe), "-": only in full runs
CLIENTS=(
	"netd (default)|q|run_netd"
	"netd --arp-probe-mode first|-|run_netd --arp-probe-mode first"
	"netd --arp-probe-ms 0|q|run_netd --arp-probe-ms 0"
	"udhcpc|q|run_udhcpc"
	"udhcpc -a (ARP check)|-|run_udhcpc -a"
	"dhcpcd|-|run_dhcpcd"
	"dhcpcd noarp|q|run_dhcpcd noarp"
)
# their rows, for the targets
NETD=0 NETD_FIRST=1 NETD_NOACD=2 UDHCPC=3 UDHCPC_ARP=4 DHCPCD=5
DHCPCD_NOARP=6
i=0
for c in "${CLIENTS[@]}"; do
	name=${c%%|*}
	quick=${c#*|}
	quick=${quick%%|*}
	read -r -a cmd <<< "${c#*|*|}"
	: > "$WORK/client$i.txt"
	# quick: one run of the clients that do not probe first, no warm-up
	if [ -n "$BENCH_QUICK" ]; then
		[ "$quick" = q ] || { i=$((i + 1)); continue; }
	else
		one_run "$name" "${cmd[@]}" > /dev/null
	fi
	for run in $(seq 1 "$RUNS"); do
		ms=$(one_run "$name" "${cmd[@]}")
		echo "$ms" >> "$WORK/client$i.txt"
	done
	dp_log "$name: $(tr '\n' ' ' < "$WORK/client$i.txt")"
	i=$((i + 1))
done

med() {
	bench_median < "$WORK/client$1.txt"
}

echo "DHCP, start to BOUND, ms ($RUNS runs, dnsmasq, veth pair)"
printf '%-28s %8s %16s\n' client median min..max
i=0
for c in "${CLIENTS[@]}"; do
	printf '%-28s %8s %16s\n' "${c%%|*}" "$(med $i)" \
		"$(bench_minmax < "$WORK/client$i.txt")"
	i=$((i + 1))
done
# fastest of the given medians ("-" when none was measured)
fastest() {
	printf '%s\n' "$@" | grep -v '^-$' | sort -g | head -n 1 | grep . ||
		echo -
}
best=$(fastest "$(med $UDHCPC)" "$(med $DHCPCD)")
best_arp=$(fastest "$(med $UDHCPC_ARP)" "$(med $DHCPCD)")
best_noarp=$(fastest "$(med $UDHCPC)" "$(med $DHCPCD_NOARP)")
echo
printf '%-48s %6s %s\n' target ratio verdict
verdict() {
	bench_cmp "$1" '<=' 1
}
# target NAME NETD_ROW BEST [info]: "info" rows compare like with like
# (each mode against the others' nearest mode) and are no target
target() {
	local r v

	r=$(bench_ratio "$(med "$2")" "$3")
	v=${4:-$(verdict "$r")}
	printf '%-48s %6s %s\n' "$1" "$r" "$v"
}
target "netd default / min(udhcpc, dhcpcd) <= 1" $NETD "$best"
target "probe first: netd / min(udhcpc -a, dhcpcd)" $NETD_FIRST \
	"$best_arp" info
target "no detection: netd / min(udhcpc, dhcpcd noarp)" $NETD_NOACD \
	"$best_noarp" info
bench_footer
