#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# sipd's systemd watchdog: with WATCHDOG_USEC set (as systemd does for
# WatchdogSec=) sipd sends WATCHDOG=1 at half the interval from its loop;
# without it, none.  NOTIFY_SOCKET is a listener of our own
# (tests/notify-listen.py), so no systemd is needed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
dp_unshare_net "$@"

SIPD=$BUILD/sipd/sipd
for p in busctl dbus-daemon gdbus python3; do
	command -v "$p" > /dev/null || dp_skip "$p is not installed"
done
[ -x "$SIPD" ] || dp_fail "sipd is not built ($SIPD)"

pings() { grep -c '^WATCHDOG=1' "$WORK/notify.out"; }

mkdir -p "$WORK/state"
: > "$WORK/notify.out"
dp_start_bus
dp_spawn notify /usr/bin/python3 "$SRC/tests/notify-listen.py" \
	"$WORK/notify.sock" "$WORK/notify.out"
dp_wait_for 5 test -S "$WORK/notify.sock" || dp_fail "no notify socket"

# 400 ms interval: a ping every 200 ms
dp_spawn sipd env NOTIFY_SOCKET="$WORK/notify.sock" WATCHDOG_USEC=400000 \
	"$SIPD" --state-dir "$WORK/state" --bind 127.0.0.1 --port 5062
dp_wait_name org.deskphone.Sip
dp_wait_for 5 grep -q '^READY=1' "$WORK/notify.out" || dp_fail "no READY=1"
n0=$(pings)
sleep 2
n=$(($(pings) - n0))
[ "$n" -ge 8 ] && [ "$n" -le 12 ] ||
	dp_fail "$n WATCHDOG=1 in 2 s with a 400 ms interval, want about 10"
dp_log "$n pings in 2 s (WATCHDOG_USEC=400000)"

# A loop that stops (SIGSTOP) stops the pings.
kill -STOP "$(dp_pid sipd)"
n0=$(pings)
sleep 1
[ "$(pings)" = "$n0" ] || dp_fail "pings while sipd is stopped"
kill -CONT "$(dp_pid sipd)"
dp_stop sipd

# Without WATCHDOG_USEC: no pings.
: > "$WORK/notify.out"
dp_spawn sipd env NOTIFY_SOCKET="$WORK/notify.sock" \
	"$SIPD" --state-dir "$WORK/state" --bind 127.0.0.1 --port 5062
dp_wait_for 5 grep -q '^READY=1' "$WORK/notify.out" || dp_fail "no READY=1"
sleep 1
[ "$(pings)" = 0 ] || dp_fail "WATCHDOG=1 sent without WATCHDOG_USEC"
dp_log "no pings without WATCHDOG_USEC"
exit 0
