#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The systemd units parse cleanly (systemd-analyze verify prints nothing:
# it returns 0 even on parse errors), each service rates 2.0 or lower in
# systemd-analyze security, and the reset wiring is there: netd upholds
# sipd, sipd is bound to and part of netd, every daemon has a watchdog.
. "$top_srcdir/tests/lib.sh"

command -v systemd-analyze >/dev/null || dp_skip "no systemd-analyze"

mkdir -p "$WORK/units"
for f in "$SRC"/systemd/*.in; do
	u=$(basename "$f" .in)
	# Point ExecStart at the built binaries so verify can find them.
	d=${u#deskphone-}
	d=${d%.service}
	sed -e "s|@sbindir@/$d|$BUILD/$d/$d|" \
		-e "s|@docdir@|/usr/share/doc/deskphone|g" \
		-e "s|@sysconfdir@|/etc|g" "$f" > "$WORK/units/$u"
done

cd "$WORK/units"
out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no \
	./*.service ./*.socket ./deskphone.target 2>&1 |
	grep -v -e 'dbus.socket' -e 'Unit dbus.socket not found')
[ -z "$out" ] || dp_fail "systemd-analyze verify: $out"

for u in ./*.service; do
	score=$(systemd-analyze security --offline=yes --no-pager "$u" 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
	)
	[ -n "$score" ] || dp_fail "no security score for $u"
	dp_log "$u exposure $score"
	awk "BEGIN { exit !($score <= 2.0) }" ||
		dp_fail "$u rates $score, above 2.0"
done

# key KEY VALUE UNIT: the unit sets KEY to exactly VALUE
key() {
	grep -qx "$1=$2" "$3" || dp_fail "$3 lacks $1=$2"
}
for d in audiod netd sipd webd; do
	u=deskphone-$d.service
	key Type notify "$u"
	key Restart on-failure "$u"
	key WatchdogSec 20s "$u"
	key StateDirectoryMode 0700 "$u"
	key User deskphone "$u"
	key NoNewPrivileges yes "$u"
	key ProtectSystem strict "$u"
	part=deskphone.target
	[ $d = sipd ] && part="$part deskphone-netd.service"
	key PartOf "$part" "$u"
	# webd on demand: the target wants its socket, not the service.
	want=$u
	[ $d = webd ] && want=deskphone-webd.socket
	grep -q "^Wants=.*$want" deskphone.target ||
		dp_fail "deskphone.target does not want $want"
done
grep -q "^Wants=.*deskphone-webd.service" deskphone.target &&
	dp_fail "deskphone.target starts webd at boot, not on demand"
# The sockets webd takes by name (FileDescriptorName=), both IPv4 as the
# service's --listen 0.0.0.0, and the service's idle exit.
key FileDescriptorName https deskphone-webd.socket
key FileDescriptorName http deskphone-webd-http.socket
key ListenStream 0.0.0.0:8443 deskphone-webd.socket
key ListenStream 0.0.0.0:8080 deskphone-webd-http.socket
key Service deskphone-webd.service deskphone-webd.socket
key Service deskphone-webd.service deskphone-webd-http.socket
grep -q '^Environment="WEBD_OPTIONS=--listen 0.0.0.0 ' \
	deskphone-webd.service ||
	dp_fail "deskphone-webd.service does not listen on 0.0.0.0"
grep -q '^ExecStart=.*/webd --idle-exit 300 \$WEBD_OPTIONS$' \
	deskphone-webd.service ||
	dp_fail "deskphone-webd.service has no --idle-exit 300"
grep -q '^WantedBy=' deskphone-webd.service &&
	dp_fail "deskphone-webd.service is installed to start at boot"
key Upholds deskphone-sipd.service deskphone-netd.service
key BindsTo deskphone-netd.service deskphone-sipd.service
key CapabilityBoundingSet "CAP_NET_ADMIN CAP_NET_RAW" deskphone-netd.service
key CapabilityBoundingSet CAP_NET_BIND_SERVICE deskphone-sipd.service
key CapabilityBoundingSet "" deskphone-audiod.service
key CapabilityBoundingSet "" deskphone-webd.service

# Bus activation files name their bus name and an existing unit.
for f in "$SRC"/dbus/org.deskphone.*.service; do
	name=$(basename "$f" .service)
	grep -qx "Name=$name" "$f" || dp_fail "$f does not name $name"
	unit=$(sed -n 's/^SystemdService=//p' "$f")
	[ -f "$unit" ] || dp_fail "$f starts '$unit', which is no unit of ours"
	grep -qx "Exec=/bin/false" "$f" && grep -qx "User=deskphone" "$f" ||
		dp_fail "$f: want Exec=/bin/false and User=deskphone"
done
[ -n "${name:-}" ] || dp_fail "no bus activation files in dbus/"
exit 0
