#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What every daemon must do as a service: take its state directory from
# STATE_DIRECTORY, own its bus name on the bus DBUS_SYSTEM_BUS_ADDRESS
# names, send READY=1 once it serves, log with priority prefixes, and
# stop cleanly (status 0) on SIGTERM.
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"

dp_start_bus
dp_spawn notify /usr/bin/python3 "$SRC/tests/notify-listen.py" \
	"$WORK/notify.sock" "$WORK/notify.out"
dp_wait_for 5 test -S "$WORK/notify.sock" || dp_fail "no notify socket"

check_daemon() {
	local name=$1 bus=$2 path=$3 pid rc
	shift 3

	mkdir -p "$WORK/state-$name"
	: > "$WORK/notify.out"
	STATE_DIRECTORY="$WORK/state-$name" NOTIFY_SOCKET="$WORK/notify.sock" \
		"$BUILD/$name/$name" "$@" > "$WORK/$name.log" 2>&1 &
	pid=$!
	DP_PIDS="$pid:$name $DP_PIDS"

	dp_wait_name "$bus"
	dp_wait_for 5 grep -q "READY=1" "$WORK/notify.out" ||
		dp_fail "$name sent no READY=1"
	busctl --system introspect "$bus" "$path" > "$WORK/$name.intro" ||
		dp_fail "$name does not serve $path"

	if [ -n "${SET_PARAM:-}" ]; then
		busctl --system call "$bus" "$path" org.deskphone.Parameters1 \
			Set ss $SET_PARAM || dp_fail "$name refused Set $SET_PARAM"
		test -s "$WORK/state-$name/$name.conf" ||
			dp_fail "$name did not save to \$STATE_DIRECTORY"
	fi

	kill -TERM "$pid"
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && dp_fail "$name did not stop on SIGTERM"
	wait "$pid"
	rc=$?
	[ "$rc" = 0 ] || dp_fail "$name exited with $rc on SIGTERM"

	grep -qv '^<[0-7]>' "$WORK/$name.log" &&
		dp_fail "$name logged a line without a priority prefix:" \
			"$(grep -v '^<[0-7]>' "$WORK/$name.log" | head -n 3)"
	dp_log "$name: bus name, READY=1, clean SIGTERM, prefixed log: ok"
}

SET_PARAM="RTP_Port_Max 20000" \
	check_daemon audiod org.deskphone.Audio /org/deskphone/Audio
SET_PARAM="Primary_DNS 10.77.0.53" \
	check_daemon netd org.deskphone.Net /org/deskphone/Net
SET_PARAM="Display_Name_1_ Lobby" check_daemon sipd org.deskphone.Sip /org/deskphone/Sip --bind 127.0.0.1 \
	--port 25060
check_daemon webd org.deskphone.Web /org/deskphone/Web --listen 127.0.0.1 \
	--port 28080

exit 0
