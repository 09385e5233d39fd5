# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared helpers for the shell tests.  Source it; it sets:
#   SRC (source tree), BUILD (build tree), WORK (a fresh directory)
# Every process a test starts goes through dp_spawn, which records its
# PID; the EXIT trap stops them in reverse order, by PID only.

set -u

SRC=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${top_builddir:-$SRC}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/deskphone-test.XXXXXX")
DP_PIDS=""
DP_KEEP=${DP_KEEP:-}

dp_log() { echo "# $*" >&2; }

dp_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

dp_skip() {
	echo "SKIP: $*" >&2
	exit 77
}

# Re-run the calling script in a private network namespace with only
# loopback, so nothing it does can reach another host.
dp_unshare_net() {
	if [ -z "${DP_IN_NETNS:-}" ]; then
		[ "$(id -u)" = 0 ] || dp_skip "network tests need root (unshare -n)"
		# the re-run makes its own work directory
		rmdir "$WORK"
		DP_IN_NETNS=1 exec unshare -n -- /bin/bash -c \
			'ip link set lo up && exec /bin/bash "$0" "$@"' "$0" "$@"
	fi
}

# dp_spawn NAME CMD...: start in the background, log to $WORK/NAME.log
dp_spawn() {
	local name=$1
	shift
	"$@" > "$WORK/$name.log" 2>&1 &
	local pid=$!
	DP_PIDS="$pid:$name $DP_PIDS"
	eval "DP_PID_$(echo "$name" | tr -c 'A-Za-z0-9_\n' _)=$pid"
	dp_log "started $name (pid $pid)"
}

dp_pid() {
	eval "echo \${DP_PID_$(echo "$1" | tr -c 'A-Za-z0-9_\n' _):-}"
}

# Stop one process by PID: TERM, up to 5 s, then KILL; then reap it.
dp_stop_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		# a zombie child still answers kill -0; wait reaps it
		if [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ]; then
			break
		fi
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

dp_stop() {
	local pid
	pid=$(dp_pid "$1")
	[ -n "$pid" ] || return 0
	dp_stop_pid "$pid"
	DP_PIDS=$(echo "$DP_PIDS" | tr ' ' '\n' | grep -v "^$pid:" | tr '\n' ' ')
}

dp_cleanup() {
	local rc=$? entry
	for entry in $DP_PIDS; do
		dp_stop_pid "${entry%%:*}"
	done
	if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
		for f in "$WORK"/*.log; do
			[ -f "$f" ] || continue
			echo "----- $f (last 40 lines)" >&2
			tail -n 40 "$f" >&2
		done
	fi
	if [ -n "$DP_KEEP" ] || [ $rc -ne 0 ]; then
		echo "# work directory kept: $WORK" >&2
	else
		rm -rf "$WORK"
	fi
	exit $rc
}
trap dp_cleanup EXIT
trap 'exit 130' INT TERM

# Wait until CMD succeeds, up to SECONDS (decimal allowed).
dp_wait_for() {
	local secs=$1 i n
	shift
	n=$(awk "BEGIN { print int($secs * 10) }")
	for i in $(seq 1 "$n"); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# A private dbus-daemon with the system-bus default-deny policy plus
# ours.  Exports DBUS_SYSTEM_BUS_ADDRESS for everything started later.
dp_start_bus() {
	local sock="$WORK/bus.sock"
	sed -e "s|@SOCKET@|$sock|" -e "s|@POLICY@|$SRC/dbus/org.deskphone.conf|" \
		"$SRC/dbus/deskphone-bus.conf.in" > "$WORK/bus.conf"
	dp_spawn dbus dbus-daemon --config-file="$WORK/bus.conf" --nofork \
		--nopidfile
	export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$sock"
	dp_wait_for 5 test -S "$sock" || dp_fail "dbus-daemon did not start"
}

# dp_wait_name org.deskphone.X [seconds]
dp_wait_name() {
	gdbus wait --system --timeout "${2:-10}" "$1" ||
		dp_fail "$1 did not appear on the bus"
}

# dp_prop SERVICE PATH IFACE PROP: prints the value (strings unquoted)
dp_prop() {
	busctl --system get-property "$@" 2>/dev/null |
		sed -e 's/^[a-z]* //' -e 's/^"\(.*\)"$/\1/'
}

# dp_wait_prop SECONDS EXPECTED SERVICE PATH IFACE PROP
dp_wait_prop() {
	local secs=$1 want=$2
	shift 2
	dp_wait_for "$secs" dp_prop_is "$want" "$@"
}

dp_prop_is() {
	local want=$1
	shift
	[ "$(dp_prop "$@")" = "$want" ]
}
