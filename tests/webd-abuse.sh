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
echo "PASS: webd-abuse"
