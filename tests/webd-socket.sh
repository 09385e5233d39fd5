#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# webd started on demand by socket activation (systemd-socket-activate
# on loopback, as deskphone-webd.socket does it under systemd):
#  - nothing runs until the first connection; that connection is served
#    over HTTPS, and the plain HTTP socket (FileDescriptorName=http)
#    redirects;
#  - with --idle-exit 2, webd exits 2 s after the last connection when
#    nobody is logged in, and a new webd serves the next connection;
#  - it does not exit while a session is live, nor after a failed
#    login (the count would be lost), and does after the logout;
#  - an inherited plain HTTP socket closes connections while plain
#    HTTP is off;
#  - without socket activation --idle-exit is ignored;
#  - bad LISTEN_FDS input (too many, not a socket, UDP, IPv6 for an
#    IPv4 --listen, not listening, bad or missing names, garbage) is
#    refused with a clear error before anything starts.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/web/web-lib.sh"

ACTIVATE=/usr/bin/systemd-socket-activate
FDS="/usr/bin/python3 $SRC/tests/web/listen-fds.py"
IDLE=2

[ -x "$WEBD" ] || dp_fail "$WEBD not built"
command -v curl > /dev/null || dp_skip "curl is not installed"
[ -x /usr/bin/python3 ] || dp_skip "no /usr/bin/python3"
[ -x "$ACTIVATE" ] || dp_skip "no $ACTIVATE (package systemd)"

mkdir -p "$WORK/state"
echo 'socket-test-pw' > "$WORK/admin.pw"
dp_start_bus

webd_args=(--state-dir "$WORK/state" --listen 127.0.0.1
	--admin-password-file "$WORK/admin.pw" --log-level debug)

# --- bad input: each refused before the bus name or a socket is taken --
# bad NAME EXPECTED-LOG-TEXT LISTEN-FDS-ARGS...
bad() {
	local name=$1 want=$2 rc
	shift 2
	$FDS "$@" -- "$WEBD" "${webd_args[@]}" > "$WORK/$name.log" 2>&1
	rc=$?
	[ $rc -ne 0 ] || dp_fail "$name: webd accepted it"
	grep -q -- "$want" "$WORK/$name.log" ||
		dp_fail "$name: no '$want' in: $(cat "$WORK/$name.log")"
	dp_log "$name: $(grep -m1 -- "$want" "$WORK/$name.log")"
}
bad count "passed 3 sockets" --names https:http:x tcp4 tcp4 tcp4
bad notsock "fd 3 (https) is not a socket" --names https file
bad udp "fd 3 (https) is not a stream socket" --names https udp4
bad unix "fd 3 (https) is not an IPv4 socket" --names https unix
bad family "fd 4 (http) is not an IPv4 socket" --names https:http tcp4 tcp6
bad listen "is not listening" --names https tcp4-unlistened
bad unnamed 'fd 3 is named "unknown"' tcp4
bad twice 'fd 4 is named "https"' --names https:https tcp4 tcp4
bad nohttps "no socket named https" --names http tcp4
bad garbage "bad LISTEN_FDS=two" --count two tcp4
bad missing "descriptor it names is not open" --names https:http \
	--count 2 tcp4
busctl --system status org.deskphone.Web > /dev/null 2>&1 &&
	dp_fail "a refused webd took the bus name"

# --- on demand ----------------------------------------------------------
# activate NAME EXTRA-WEBD-ARGS...: the sockets, and webd on the first
# connection (systemd-socket-activate execs webd in its own process,
# with only the environment it is told to pass)
activate() {
	local name=$1
	shift
	dp_spawn "$name" "$ACTIVATE" -l "127.0.0.1:$WEB_PORT" \
		-l "127.0.0.1:$WEB_HTTP_PORT" --fdname=https:http \
		-E DBUS_SYSTEM_BUS_ADDRESS "$WEBD" "${webd_args[@]}" --idle-exit "$IDLE" "$@"
	dp_wait_for 5 grep -q "Listening on 127.0.0.1:$WEB_HTTP_PORT" \
		"$WORK/$name.log" || dp_fail "$name: no sockets"
}

# gone NAME: its process has ended (webd exited)
gone() { ! kill -0 "$(dp_pid "$1")" 2> /dev/null; }

# idle_exit NAME SINCE: webd exits, not before $IDLE s after SINCE
idle_exit() {
	local t
	dp_wait_for $((IDLE + 8)) gone "$1" ||
		dp_fail "$1: webd did not exit when idle"
	t=$(($(date +%s%N) - $2))
	[ $t -ge $((IDLE * 1000000000)) ] ||
		dp_fail "$1: webd exited $((t / 1000000)) ms after the last" \
			"connection, before the idle time"
	wait "$(dp_pid "$1")"
	[ $? -eq 0 ] || dp_fail "$1: exit status not 0 on idle"
	grep -q "Idle for $IDLE s: exiting" "$WORK/$1.log" ||
		dp_fail "$1: no idle message"
	dp_stop "$1"
	dp_log "$1: exited $((t / 1000000)) ms after the last connection"
}

activate first --http redirect
sleep 0.5
grep -q "Execing" "$WORK/first.log" && dp_fail "webd started before a connection"
busctl --system status org.deskphone.Web > /dev/null 2>&1 &&
	dp_fail "org.deskphone.Web is on the bus before any connection"

# The first start makes the device certificate: curl waits in the queue.
curl -sS --max-time 20 -k -o /dev/null "$WEB_BASE/login" ||
	dp_fail "the first connection was not served"
web_expect 200 /login
grep -q "Login" "$WORK/body" || dp_fail "no login page"
status=$(curl -sS --max-time 5 -o /dev/null -D "$WORK/headers" \
	-w '%{http_code}' "http://127.0.0.1:$WEB_HTTP_PORT/info")
[ "$status" = 301 ] || dp_fail "plain HTTP: $status, not 301"
[ "$(web_header Location)" = "https://127.0.0.1:$WEB_PORT/info" ] ||
	dp_fail "plain HTTP redirects to $(web_header Location)"
[ "$(dp_prop org.deskphone.Web /org/deskphone/Web org.deskphone.Web1 \
	Url)" = "$WEB_BASE/" ] || dp_fail "Url is not $WEB_BASE/"
t0=$(date +%s%N)
idle_exit first "$t0"
curl -s --max-time 2 -k -o /dev/null "$WEB_BASE/login" &&
	dp_fail "something still serves after the exit"

# A new webd serves the next connection; a session keeps it up.
activate second
web_expect 200 /login
pid=$(dp_pid second)
web_login socket-test-pw "$WORK/jar"
web_expect 200 -b "$WORK/jar" /info
sleep $((IDLE * 2 + 1))
kill -0 "$pid" || dp_fail "webd exited while a session was live"
web_expect 200 -b "$WORK/jar" /info
dp_log "second: still up $((IDLE * 2 + 1)) s after a login"

# Plain HTTP is off here (no --http, never set on the web): its socket
# closes every connection.
curl -s --max-time 5 -o /dev/null "http://127.0.0.1:$WEB_HTTP_PORT/" &&
	dp_fail "plain HTTP answered while off"
grep -q "Plain HTTP is off: its socket closes" "$WORK/second.log" ||
	dp_fail "no word that plain HTTP is off"

web_csrf "$WORK/jar" /info > "$WORK/csrf"
csrf=$(cat "$WORK/csrf")
[ -n "$csrf" ] || dp_fail "no CSRF token on /info"
curl -sS --max-time 5 --cacert "$WEB_CA" -o /dev/null -b "$WORK/jar" \
	--data-urlencode "csrf=$csrf" "$WEB_BASE/logout" ||
	dp_fail "logout failed"
t0=$(date +%s%N)
idle_exit second "$t0"

# A failed login keeps it up too.
activate third
web_expect 403 --data-urlencode "password=wrong-password" /login
sleep $((IDLE * 2 + 1))
kill -0 "$(dp_pid third)" || dp_fail "webd exited after a failed login"
dp_log "third: still up after a failed login"
dp_stop third

# Own sockets: --idle-exit is ignored, webd stays.
web_start own --listen 127.0.0.1 --idle-exit "$IDLE"
sleep $((IDLE * 2 + 1))
web_expect 200 /login
grep -q "Not socket-activated: --idle-exit is ignored" "$WORK/own.log" ||
	dp_fail "no word that --idle-exit is ignored"
dp_stop own

# The log names where a socket from systemd listens, not --listen.
dp_spawn fourth "$ACTIVATE" -l "127.0.0.2:$WEB_PORT" --fdname=https \
	-E DBUS_SYSTEM_BUS_ADDRESS "$WEBD" "${webd_args[@]}"
dp_wait_for 5 grep -q "Listening on 127.0.0.2:$WEB_PORT" "$WORK/fourth.log" ||
	dp_fail "fourth: no socket"
curl -sS --max-time 20 -k -o /dev/null "https://127.0.0.2:$WEB_PORT/login" ||
	dp_fail "fourth: not served on 127.0.0.2"
grep -q "Serving the admin pages at https://127.0.0.2:$WEB_PORT/" \
	"$WORK/fourth.log" || dp_fail "fourth: the log names another address:" \
	"$(grep 'Serving' "$WORK/fourth.log")"
dp_stop fourth
dp_log "webd-socket: ok"
