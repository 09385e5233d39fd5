#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The phone under a real systemd (PID 1 of its own namespaces,
# tests/system/sd-ns.sh) with its real units (test variant:
# tests/system/units.sh) and a real system bus, in the phone's network
# namespace with dnsmasq and kamailio on the other end of a veth pair:
# - deskphone.target starts all four daemons, netd takes a lease and
#   sipd registers through kamailio;
# - SIGKILL to each daemon: restarted within 2 s, parameters kept;
# - SIGSTOP: the watchdog restarts the daemon (each that pings);
# - netd's reset (exit 75 after a NAK on Renew()) restarts netd and
#   sipd (new PIDs, a new address), and not audiod;
# - webd runs on demand: not at boot, started by a bus call or an HTTPS
#   connection to deskphone-webd.socket, and again after its idle exit.
# With DP_SUPERVISE_MODE=register (tests/systemd-register.sh) it skips
# the kills and checks the registrations instead: sipd registers after
# the boot, and again from the new address after the reset.
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/net/netns.sh"

[ -x /lib/systemd/systemd ] || dp_skip "no systemd (package systemd)"
for p in script nsenter unshare pgrep dnsmasq kamailio kamcmd busctl; do
	command -v "$p" > /dev/null || dp_skip "$p is not installed"
done
[ -w /sys/fs/cgroup/unified ] ||
	dp_skip "no writable cgroup2 at /sys/fs/cgroup/unified" \
		"(set SDNS_CGROUP)"
for d in audiod netd sipd webd; do
	[ -x "$BUILD/$d/$d" ] || dp_skip "$d not built"
done

mode=${DP_SUPERVISE_MODE:-restarts}
SDNS=$SRC/tests/system/sd-ns.sh
export SDNS_BASE=$WORK/sd

netns_up
netns_start_dnsmasq

# kamailio as registrar on the server's end (user 1000, password secret)
kdir=$WORK/kamailio
mkdir -p "$kdir/run"
sed -e "s|@DIR@|$kdir|g" -e 's/127\.0\.0\.1/10.77.0.1/g' \
	"$SRC/tests/peers/kamailio.cfg" > "$kdir/kamailio.cfg"
dp_spawn kamailio ip netns exec "$NS_SRV" kamailio -f "$kdir/kamailio.cfg" \
	-A SIP_PORT=5060 -DD -E -m 32 -M 4 -Y "$kdir/run" \
	-P "$kdir/run/kamailio.pid" -w "$kdir"
dp_wait_for 10 ip netns exec "$NS_SRV" sh -c \
	'ss -Hlnu "sport = :5060" | grep -q 10.77.0.1' ||
	dp_fail "kamailio does not listen on 10.77.0.1:5060"

kam_contacts() {
	kamcmd -s "unix:$kdir/run/kamailio_ctl" ul.dump 2> /dev/null |
		grep -o "Address: sip:1000@[0-9.]*" | sed 's/.*@//'
}

mkdir -p "$SDNS_BASE"
SDNS_NETD_OPTIONS="--interface $VETH_PHONE --dhcp-retransmit-ms 500 \
--arp-probe-ms 50" bash "$SRC/tests/system/units.sh" "$SRC" "$BUILD" \
	"$SDNS_BASE" || dp_fail "cannot build the test units"
export SDNS_NETNS=$NS_PHONE
export SDNS_BINDS="$SDNS_BASE/sbin=/usr/local/sbin \
$SDNS_BASE/etc-default=/etc/default $SDNS_BASE/passwd=/etc/passwd \
$SDNS_BASE/group=/etc/group $SDNS_BASE/system.d=/etc/dbus-1/system.d \
$SDNS_BASE/system-services=/usr/share/dbus-1/system-services \
$SDNS_BASE/varlib=/var/lib"

sd_stop() {
	local rc=$?
	"$SDNS" stop
	(exit $rc)
	netns_exit
}
trap sd_stop EXIT

"$SDNS" start "$SDNS_BASE/units" deskphone.target > /dev/null ||
	dp_fail "systemd did not start; see $SDNS_BASE/log/console.log"
ctl() { "$SDNS" ctl "$@"; }
inside() { "$SDNS" exec "$@"; }
bus() { inside busctl --system "$@"; }
main_pid() { ctl show "deskphone-$1.service" -p MainPID --value; }
active() { [ "$(ctl is-active "deskphone-$1.service")" = active ]; }
param_set() { # DAEMON-PART NAME VALUE
	bus call "org.deskphone.$1" "/org/deskphone/$1" \
		org.deskphone.Parameters1 Set ss "$2" "$3" ||
		dp_fail "cannot set $2 on org.deskphone.$1"
}
param_get() {
	bus call "org.deskphone.$1" "/org/deskphone/$1" \
		org.deskphone.Parameters1 Get s "$2" 2> /dev/null |
		sed -e 's/^s "//' -e 's/"$//'
}
prop() { # PART INTERFACE PROPERTY
	bus get-property "org.deskphone.$1" "/org/deskphone/$1" \
		"org.deskphone.$2" "$3" 2> /dev/null |
		sed -e 's/^[a-z]* //' -e 's/^"\(.*\)"$/\1/'
}
prop_is() { [ "$(prop "$2" "$3" "$4")" = "$1" ]; }
now() { date +%s%N; }
ms_since() { echo $((($(now) - $1) / 1000000)); }

for d in audiod netd sipd; do
	dp_wait_for 10 active $d ||
		dp_fail "deskphone-$d.service is $(ctl is-active deskphone-$d)"
done
# webd on demand: only its socket is up after the boot.
dp_wait_for 10 sh -c "$SDNS ctl -q is-active deskphone-webd.socket" ||
	dp_fail "deskphone-webd.socket is not listening"
active webd && dp_fail "webd runs at boot; it should wait for its socket"
[ "$(ctl show deskphone-sipd.service -p User --value)" = deskphone ] ||
	dp_fail "sipd does not run as user deskphone"
dp_wait_for 20 prop_is bound Net Net1 State ||
	dp_fail "netd has no lease: State $(prop Net Net1 State)"
addr=$(prop Net Net1 Address)
dp_log "systemd $(ctl --version | head -1): target up, lease $addr"

# Settings to be kept over every restart; sipd registers with them.
bus call org.deskphone.Sip /org/deskphone/Sip org.deskphone.Parameters1 \
	SetMany 'a{ss}' 4 Proxy_1_ 10.77.0.1:5060 User_ID_1_ 1000 \
	Password_1_ secret Display_Name_1_ Supervised ||
	dp_fail "cannot configure line 1"
param_set Audio RTP_Port_Max 20000
param_set Net DHCP_Vendor_Class supervised-test
# A call to org.deskphone.Web starts webd (bus activation).
webd_url=$(prop Web Web1 Url)
[ "$webd_url" = https://127.0.0.1:8443/ ] ||
	dp_fail "webd's Url is '$webd_url' after bus activation"
active webd || dp_fail "bus activation did not start webd"

settings_kept() {
	[ "$(param_get Sip Display_Name_1_)" = Supervised ] &&
	[ "$(param_get Sip User_ID_1_)" = 1000 ] &&
	[ "$(param_get Audio RTP_Port_Max)" = 20000 ] &&
	[ "$(param_get Net DHCP_Vendor_Class)" = supervised-test ] &&
	[ "$(prop Web Web1 Url)" = "$webd_url" ]
}
settings_kept || dp_fail "the settings did not apply"

registered_from() { # ADDRESS: sipd registered, kamailio has it
	prop_is registered Sip Sip1 RegistrationState &&
		kam_contacts | grep -qx "$1"
}
sipd_stuck() {
	grep -q "tport_vsend.*Invalid argument" "$SDNS_BASE/log/sipd.log" &&
		dp_log "sipd cannot send from its socket (it was bound" \
			"before netd had an address)"
}
if [ "$mode" = register ]; then
	dp_wait_for 20 registered_from "$addr" || { sipd_stuck
		dp_fail "sipd not registered from $addr after the boot:" \
			"$(prop Sip Sip1 RegistrationState)" \
			"$(prop Sip Sip1 RegistrationReason)"; }
	dp_log "registered from $addr"
fi

# back DAEMON OLD_PID [UNITS RESTARTED WITH IT]: active with a new PID
restarted() {
	local d=$1 old=$2 pid
	pid=$(main_pid "$d")
	[ "$pid" != 0 ] && [ "$pid" != "$old" ] && active "$d"
}

# SIGKILL: each daemon is back within 2 s, nothing lost.  netd takes
# sipd with it (BindsTo=), and brings it back (Upholds=).
[ "$mode" = register ] && kill_list="" || kill_list="audiod netd sipd webd"
for d in $kill_list; do
	old=$(main_pid $d)
	old_sipd=$(main_pid sipd)
	t=$(now)
	inside kill -KILL "$old" || dp_fail "cannot kill $d ($old)"
	dp_wait_for 2 restarted $d "$old" ||
		dp_fail "$d not restarted within 2 s after SIGKILL"
	if [ $d = netd ]; then
		dp_wait_for 2 restarted sipd "$old_sipd" ||
			dp_fail "sipd not restarted with netd"
	fi
	dp_log "SIGKILL $d: back in $(ms_since "$t") ms (pid $(main_pid $d))"
	for p in Sip Audio Net Web; do
		dp_wait_for 5 bus status "org.deskphone.$p" ||
			dp_fail "org.deskphone.$p not back on the bus"
	done
	settings_kept || dp_fail "a setting was lost after SIGKILL to $d"
done

# SIGSTOP: the watchdog (WatchdogSec=2s in the test units) restarts a
# daemon that stops answering.  A daemon whose source has no WATCHDOG=1
# yet is named and skipped (tests/system/units.sh left it out).
nowd=""
for d in $kill_list; do
	if ! grep -q '^WatchdogSec=' "$SDNS_BASE/units/deskphone-$d.service"
	then
		nowd="$nowd $d"
		dp_log "SKIP watchdog of $d: its source sends no WATCHDOG=1"
		continue
	fi
	old=$(main_pid $d)
	t=$(now)
	inside kill -STOP "$old" || dp_fail "cannot stop $d ($old)"
	dp_wait_for 6 restarted $d "$old" ||
		dp_fail "$d not restarted by the watchdog within 6 s"
	ctl show deskphone-$d.service -p Result --value > /dev/null
	grep -q "deskphone-$d.service: Watchdog timeout" \
		"$SDNS_BASE/log/console.log" ||
		dp_fail "$d restarted, but not by the watchdog"
	dp_log "SIGSTOP $d: watchdog restart in $(ms_since "$t") ms"
	settings_kept ||
		dp_fail "a setting was lost after $d's watchdog restart"
done

# The reset: dnsmasq serves another range, Renew() gets a NAK, netd
# exits with status 75; systemd restarts netd and sipd, which registers
# again from the new address.
dp_wait_for 20 prop_is bound Net Net1 State || dp_fail "netd not bound"
old_addr=$(prop Net Net1 Address)
old_netd=$(main_pid netd)
old_sipd=$(main_pid sipd)
old_audiod=$(main_pid audiod)
dp_stop dnsmasq
rm -f "$WORK/dnsmasq.leases"
range=10.77.0.200,10.77.0.250,255.255.255.0,120s
sed -i "s/^dhcp-range=.*/dhcp-range=$range/" "$WORK/dnsmasq.conf"
dp_spawn dnsmasq2 ip netns exec "$NS_SRV" dnsmasq --keep-in-foreground \
	--conf-file="$WORK/dnsmasq.conf" --user=root \
	--pid-file="$WORK/dnsmasq.pid" --log-facility="$WORK/dnsmasq-dhcp.log"
dp_wait_for 5 grep -q "IP range 10.77.0.200" "$WORK/dnsmasq-dhcp.log" ||
	dp_fail "dnsmasq did not take the new range"
t=$(now)
bus call org.deskphone.Net /org/deskphone/Net org.deskphone.Net1 Renew ||
	dp_fail "Renew() failed"
exited="deskphone-netd.service: Main process exited, code=exited, status=75"
dp_wait_for 15 grep -q "$exited" "$SDNS_BASE/log/console.log" ||
	dp_fail "netd did not exit with status 75"
dp_wait_for 10 restarted netd "$old_netd" || dp_fail "netd not restarted"
dp_wait_for 10 restarted sipd "$old_sipd" ||
	dp_fail "sipd not restarted after netd's reset"
[ "$(main_pid audiod)" = "$old_audiod" ] ||
	dp_fail "audiod restarted too; it does not depend on the address"
dp_wait_for 20 prop_is bound Net Net1 State ||
	dp_fail "netd has no new lease: $(prop Net Net1 State)"
new_addr=$(prop Net Net1 Address)
case "$new_addr" in
10.77.0.2[0-5][0-9]) ;;
*) dp_fail "address '$new_addr' (was $old_addr) is not from the new range" ;;
esac
settings_kept || dp_fail "a setting was lost in the reset"
dp_log "reset: $old_addr -> $new_addr, netd and sipd restarted in" \
	"$(ms_since "$t") ms"
if [ "$mode" = register ]; then
	dp_wait_for 20 registered_from "$new_addr" || { sipd_stuck
		dp_fail "sipd did not register again from $new_addr:" \
			"$(prop Sip Sip1 RegistrationState)," \
			"kamailio has: $(kam_contacts)"; }
	dp_log "registered again from $new_addr $(ms_since "$t") ms after" \
		"Renew()"
fi
# Bus activation: a call to a stopped daemon's name starts its unit.
if [ "$mode" = restarts ]; then
	ctl stop deskphone-webd.service
	active webd && dp_fail "webd did not stop"
	[ "$(prop Web Web1 Url)" = "$webd_url" ] ||
		dp_fail "a call to org.deskphone.Web did not start webd"
	active webd ||
		dp_fail "deskphone-webd.service not active after activation"
	dp_log "bus activation started deskphone-webd.service"
fi
# Socket activation: an HTTPS connection starts webd; with a short
# --idle-exit it exits when idle (status 0), the socket stays, and the
# next connection starts a new webd.
https_status() {
	inside curl -sk --max-time 20 -o /dev/null -w '%{http_code}' \
		https://127.0.0.1:8443/login
}
if [ "$mode" = restarts ]; then
	sed -i 's/^WEBD_OPTIONS="\(.*\)"$/WEBD_OPTIONS="\1 --idle-exit 2"/' \
		"$SDNS_BASE/etc-default/deskphone"
	ctl stop deskphone-webd.service
	active webd && dp_fail "webd did not stop"
	[ "$(https_status)" = 200 ] || dp_fail "HTTPS not served on demand"
	active webd || dp_fail "a connection did not start webd"
	old=$(main_pid webd)
	t=$(now)
	dp_wait_for 15 sh -c "! $SDNS ctl -q is-active deskphone-webd" ||
		dp_fail "webd did not exit when idle"
	r=$(ctl show deskphone-webd.service -p Result --value)
	[ "$r" = success ] || dp_fail "webd's idle exit has result $r"
	ctl -q is-active deskphone-webd.socket ||
		dp_fail "deskphone-webd.socket stopped with webd"
	dp_log "webd exited idle $(ms_since "$t") ms after the request"
	[ "$(https_status)" = 200 ] ||
		dp_fail "HTTPS not served again after the idle exit"
	restarted webd "$old" || dp_fail "no new webd after the idle exit"
	dp_log "socket activation started webd again (pid $(main_pid webd))"
fi
# Stopping the target stops every daemon, each cleanly on SIGTERM.
if [ "$mode" = restarts ]; then
	ctl stop deskphone.target || dp_fail "cannot stop deskphone.target"
	for d in audiod netd sipd webd; do
		dp_wait_for 10 sh -c "! $SDNS ctl -q is-active deskphone-$d" ||
			dp_fail "$d still runs after the target stopped"
		r=$(ctl show deskphone-$d.service -p Result --value)
		[ "$r" = success ] || dp_fail "$d stopped with result $r"
	done
	dp_log "deskphone.target stopped all four cleanly"
fi
[ -z "$nowd" ] || dp_log "watchdog not tested (no WATCHDOG=1 in the" \
	"source):$nowd"
exit 0
