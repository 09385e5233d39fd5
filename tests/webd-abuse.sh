#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# webd under abuse from one client: failed logins and idle connections
# from one address do not lock out another; the plain HTTP redirect
# never points elsewhere; the passwords and their files.
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/web/web-lib.sh"

[ -x "$WEBD" ] || dp_fail "$WEBD not built"
command -v curl >/dev/null || dp_skip "curl is not installed"

dp_start_bus
mkdir -p "$WORK/state"
dp_spawn fake-sip "$FAKE_OWNER" sip "$WORK/state"
dp_wait_name org.deskphone.Sip
PW="right admin pass"
echo "$PW" > "$WORK/pwfile"
web_start webd --admin-password-file "$WORK/pwfile" --http redirect \
	--http-port "$WEB_HTTP_PORT"

# --- 1. the login rate limit is per client address: ten failures from
# 127.0.0.2 lock out 127.0.0.2 only
for i in 1 2 3 4 5 6 7 8 9 10; do
	web_http --interface 127.0.0.2 --data "password=wrong$i" /login \
		> "$WORK/code" || dp_fail "curl from 127.0.0.2 failed"
	grep -qx '403\|429' "$WORK/code" || dp_fail "failure $i got $(cat "$WORK/code")"
done
web_expect 429 --interface 127.0.0.2 --data-urlencode "password=$PW" /login
web_login "$PW" "$WORK/jar"
# the user account from the locked address is counted apart
web_expect 403 --interface 127.0.0.2 --data "account=user&password=x" /login
# --- 2. forty idle TCP connections from 127.0.0.2 (no TLS handshake) do
# not keep 127.0.0.1 out, and webd closes them after about 10 s
cat > "$WORK/idle.py" <<'PY'
import socket, sys, time
port, n, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = []
for i in range(n):
    s = socket.socket()
    s.bind(("127.0.0.2", 0))
    s.connect(("127.0.0.1", port))
    socks.append(s)
open(out + ".ready", "w").close()
start = time.monotonic()
result = "closed"
for s in socks:
    # Closed: end of stream (after a TLS alert, perhaps) or a reset.
    try:
        while True:
            s.settimeout(max(0.1, 20 - (time.monotonic() - start)))
            if not s.recv(4096):
                break
    except socket.timeout:
        result = "open"
        break
    except OSError:
        pass
with open(out, "w") as f:
    f.write("%s %.1f\n" % (result, time.monotonic() - start))
PY
/usr/bin/python3 "$WORK/idle.py" "$WEB_PORT" 40 "$WORK/idle" &
IDLE=$!
dp_wait_for 5 test -e "$WORK/idle.ready" || dp_fail "could not open 40 connections"
web_login "$PW" "$WORK/jar"
web_expect 200 -b "$WORK/jar" /info
wait $IDLE || dp_fail "the idle connection helper failed"
read -r state secs < "$WORK/idle"
[ "$state" = closed ] || dp_fail "idle connections still open after ${secs} s"
dp_log "idle connections closed after $secs s"

# --- 3. the plain HTTP redirect names webd's own address (or its
# certificate's name), never a Host from the request
redirect() {
	curl -s --max-time 5 -D "$WORK/headers" -o /dev/null -w '%{http_code}' \
		"$@" "http://127.0.0.1:$WEB_HTTP_PORT/x"
}
for h in evil.example evil.example:28443 127.0.0.1.evil.example \
	'[::1]' 127.0.0.2 127.0.0.1@evil.example; do
	[ "$(redirect -H "Host: $h")" = 301 ] || dp_fail "Host $h: no 301"
	[ "$(web_header Location)" = "https://127.0.0.1:$WEB_PORT/x" ] ||
		dp_fail "Host $h: redirected to $(web_header Location)"
done
redirect -H "Host: deskphone:$WEB_HTTP_PORT" > /dev/null
[ "$(web_header Location)" = "https://deskphone:$WEB_PORT/x" ] ||
	dp_fail "Host deskphone: redirected to $(web_header Location)"
redirect -H "Host: $(hostname)" > /dev/null
[ "$(web_header Location)" = "https://$(hostname):$WEB_PORT/x" ] ||
	dp_fail "the host name: redirected to $(web_header Location)"
redirect -H "Host: 127.0.0.1:$WEB_HTTP_PORT" > /dev/null
[ "$(web_header Location)" = "https://127.0.0.1:$WEB_PORT/x" ] ||
	dp_fail "Host 127.0.0.1: redirected to $(web_header Location)"

echo "PASS: webd-abuse"
