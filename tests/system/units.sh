#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the test variant of the phone's units and the file system
# pieces the supervision test binds into systemd's namespace:
#   units.sh SRC BUILD DIR
# DIR/units       systemd/*.in (services, webd's sockets, the target)
#                 with the paths filled in, plus a system
#                 bus (dbus.socket, dbus.service) as on Debian
# DIR/sbin        the four binaries (bound on /usr/local/sbin: the units'
#                 PrivateTmp= hides a build tree under /tmp)
# DIR/etc-default the host's /etc/default plus deskphone (the options)
# DIR/passwd, DIR/group  with the deskphone user and deskphone-admin
# DIR/system.d, DIR/system-services  our bus policy and activation files
# DIR/varlib      an empty /var/lib for StateDirectory=
# Changes from the installed units, and why:
# - DefaultDependencies=no: there is no sysinit.target in there;
# - StartLimitIntervalSec=0: the test restarts more often than 5 per 10 s;
# - LimitCORE=0: a watchdog SIGABRT leaves no core behind;
# - WatchdogSec=2s, TimeoutAbortSec=1s: the watchdog test stays short;
#   a daemon whose source never sends WATCHDOG=1 gets no WatchdogSec=
#   (it would be killed every 2 s) and the test says so;
# - output appended to DIR/log/<daemon>.log instead of the journal.
# The units keep User=deskphone and all their hardening: the user exists
# in the bind-mounted passwd only.
set -eu

src=$1 build=$2 dir=$3

mkdir -p "$dir/units" "$dir/sbin" "$dir/etc-default" "$dir/system.d" \
	"$dir/system-services" "$dir/varlib" "$dir/log"

# watchdog_support DAEMON: its source sends WATCHDOG=1 (directly or
# through sd_event_set_watchdog)
watchdog_support() {
	grep -qs -e 'WATCHDOG=1' -e 'sd_event_set_watchdog' \
		"$src/$1"/*.c
}

for d in sipd audiod netd webd; do
	install -m 0755 "$build/$d/$d" "$dir/sbin/$d"
	unit="[Unit]\nDefaultDependencies=no\nStartLimitIntervalSec=0"
	service="[Service]\nLimitCORE=0\nStandardError=inherit"
	service="$service\nStandardOutput=append:$dir/log/$d.log"
	wd="-e s/^WatchdogSec=.*/WatchdogSec=2s\nTimeoutAbortSec=1s/"
	watchdog_support "$d" || wd="-e /^WatchdogSec=/d"
	sed -e "s|@sbindir@|/usr/local/sbin|g" \
		-e "s|@docdir@|/usr/share/doc/deskphone|g" \
		-e "s|@sysconfdir@|/etc|g" \
		-e "s|^\[Unit\]$|$unit|" -e "s|^\[Service\]$|$service|" \
		$wd "$src/systemd/deskphone-$d.service.in" \
		> "$dir/units/deskphone-$d.service"
done
sed -e "s|@docdir@|/usr/share/doc/deskphone|g" \
	-e "s|^\[Unit\]$|[Unit]\nDefaultDependencies=no|" \
	"$src/systemd/deskphone.target.in" > "$dir/units/deskphone.target"
for f in "$src"/systemd/*.socket.in; do
	sed -e "s|@docdir@|/usr/share/doc/deskphone|g" \
		-e "s|^\[Unit\]$|[Unit]\nDefaultDependencies=no|" \
		"$f" > "$dir/units/$(basename "$f" .in)"
done

cat > "$dir/units/dbus.socket" <<EOU
[Unit]
Description=D-Bus system bus socket (test)
DefaultDependencies=no

[Socket]
ListenStream=/run/dbus/system_bus_socket
EOU
cat > "$dir/units/dbus.service" <<EOU
[Unit]
Description=D-Bus system bus (test)
DefaultDependencies=no
Requires=dbus.socket

[Service]
Type=notify
NotifyAccess=main
ExecStart=/usr/bin/dbus-daemon --system --address=systemd: --nofork \
	--nopidfile --systemd-activation --syslog-only
StandardOutput=append:$dir/log/dbus.log
StandardError=inherit
EOU

cp -a /etc/default/. "$dir/etc-default/"
cat > "$dir/etc-default/deskphone" <<EOF2
# deskphone daemon options (test)
NETD_OPTIONS="${SDNS_NETD_OPTIONS:-}"
WEBD_OPTIONS="--listen 127.0.0.1 --port 8443"
EOF2

uid=64991
while getent passwd "$uid" > /dev/null || getent group "$uid" > /dev/null; do
	uid=$((uid + 1))
done
nologin=/usr/sbin/nologin
cp /etc/passwd "$dir/passwd"
cp /etc/group "$dir/group"
getent passwd deskphone > /dev/null ||
	echo "deskphone:x:$uid:$uid:deskphone:/var/lib/deskphone:$nologin" \
		>> "$dir/passwd"
getent group deskphone > /dev/null ||
	echo "deskphone:x:$uid:" >> "$dir/group"
getent group deskphone-admin > /dev/null ||
	echo "deskphone-admin:x:$((uid + 1)):" >> "$dir/group"
chmod 0644 "$dir/passwd" "$dir/group"

cp "$src/dbus/org.deskphone.conf" "$dir/system.d/"
cp /etc/dbus-1/system.d/*.conf "$dir/system.d/" 2> /dev/null || true
cp "$src"/dbus/org.deskphone.*.service "$dir/system-services/"
