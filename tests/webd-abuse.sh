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

# --- 4. the generated password's file goes at the first admin login,
# and the admin can change the admin password on its own page
FORM_BODY="/usr/bin/python3 $SRC/tests/web/form-body.py"
PWPAGE=/admin/advanced/voice/password
dp_stop webd
rm "$WORK/state/webd-admin"
web_start webd2
GEN=$(cat "$WORK/state/admin-password.initial") || dp_fail "no initial file"
web_expect 403 --data "password=wrong pass" /login
[ -e "$WORK/state/admin-password.initial" ] ||
	dp_fail "a failed login removed the initial password file"
web_login "$GEN" "$WORK/jar"
[ -e "$WORK/state/admin-password.initial" ] &&
	dp_fail "admin-password.initial kept after the admin logged in"
dp_stop webd2
web_start webd3
grep -q "initial admin password" "$WORK/webd3.log" &&
	dp_fail "a restart generated or showed a password again"
[ -e "$WORK/state/admin-password.initial" ] && dp_fail "the file came back"

web_login "$GEN" "$WORK/jar"
web_login "$GEN" "$WORK/jar2"
web_expect 200 -b "$WORK/jar" $PWPAGE
for f in Old_Password New_Password New_Password_Again; do
	grep -q "<input id=\"f-$f\" name=\"$f\" type=\"password\" value=\"\"" \
		"$WORK/body" || dp_fail "no $f field"
done
grep -q "href=\"$PWPAGE\" aria-current" "$WORK/body" || dp_fail "no tab for the page"
pwform() {
	web_expect 200 -b "$WORK/jar" $PWPAGE
	$FORM_BODY $PWPAGE "Old_Password=$1" "New_Password=$2" \
		"New_Password_Again=$3" < "$WORK/body" > "$WORK/form" ||
		dp_fail "cannot fill the password form"
}
CSRF=$(web_csrf "$WORK/jar" $PWPAGE)
web_expect 403 -b "$WORK/jar" --data "Old_Password=$GEN&New_Password=new+admin+pw&New_Password_Again=new+admin+pw" $PWPAGE
pwform "wrong pass" "new admin pw" "new admin pw"
web_expect 403 -b "$WORK/jar" --data-binary "@$WORK/form" $PWPAGE
grep -q "current admin password is wrong" "$WORK/body" || dp_fail "no reason for a wrong old password"
pwform "$GEN" "new admin pw" "new admin px"
web_expect 400 -b "$WORK/jar" --data-binary "@$WORK/form" $PWPAGE
grep -q "two new passwords differ" "$WORK/body" || dp_fail "no reason for a mismatch"
pwform "$GEN" "1234567" "1234567"
web_expect 400 -b "$WORK/jar" --data-binary "@$WORK/form" $PWPAGE
grep -q "too short (at least 8 characters)" "$WORK/body" || dp_fail "no reason for a short one"
grep -q "new admin pw\|$GEN" "$WORK/body" && dp_fail "a password came back in the page"
web_expect 403 --data-urlencode "password=new admin pw" /login
pwform "$GEN" "new admin pw" "new admin pw"
web_expect 303 -b "$WORK/jar" --data-binary "@$WORK/form" $PWPAGE
[ "$(web_header Location)" = "$PWPAGE?saved=1" ] || dp_fail "change went to $(web_header Location)"
web_expect 200 -b "$WORK/jar" /info
web_expect 303 -b "$WORK/jar2" /info	# the other admin session ended
grep -q "new admin pw" "$WORK/state/webd-admin" && dp_fail "webd-admin holds the password"
web_expect 403 --data-urlencode "password=$GEN" /login
web_login "new admin pw" "$WORK/jar2"
# and it outlives a restart
dp_stop webd3
web_start webd4
web_login "new admin pw" "$WORK/jar"

# --- 5. at least 8 characters for both accounts: on the User page and
# in the password files
USERPAGE=/admin/advanced/voice/user
web_expect 200 -b "$WORK/jar" $USERPAGE
$FORM_BODY $USERPAGE "User_Password=x" < "$WORK/body" > "$WORK/form"
web_expect 400 -b "$WORK/jar" --data-binary "@$WORK/form" $USERPAGE
grep -q "New User Password is shorter than 8 characters" "$WORK/body" ||
	dp_fail "no reason for a short user password"
[ -e "$WORK/state/webd-user" ] && dp_fail "a short user password was stored"
web_expect 200 -b "$WORK/jar" $USERPAGE
$FORM_BODY $USERPAGE "User_Password=8 chars!" < "$WORK/body" > "$WORK/form"
web_expect 303 -b "$WORK/jar" --data-binary "@$WORK/form" $USERPAGE
[ -e "$WORK/state/webd-user" ] || dp_fail "an 8 character user password was refused"
dp_stop webd4
cp "$WORK/state/webd-admin" "$WORK/admin-before"
cp "$WORK/state/webd-user" "$WORK/user-before"
echo "short" > "$WORK/short"
for opt in --user-password-file --admin-password-file; do
	"$WEBD" --state-dir "$WORK/state" --port "$WEB_PORT" \
		--admin-password-file "$WORK/pwfile" $opt "$WORK/short" \
		> "$WORK/short.log" 2>&1 && dp_fail "webd started with a short $opt"
	grep -q "password in $WORK/short is shorter than 8 characters" \
		"$WORK/short.log" || dp_fail "no clear error for a short $opt"
	cmp -s "$WORK/admin-before" "$WORK/state/webd-admin" &&
		cmp -s "$WORK/user-before" "$WORK/state/webd-user" ||
		dp_fail "a refused $opt changed a stored password"
done

# --- 6. a daemon that is running but cannot save says so, not "not
# running" (its state directory is gone: the save fails with EIO)
EXT1=/admin/advanced/voice/ext1
dp_stop fake-sip
mkdir "$WORK/sipstate"
dp_spawn fake-sip2 "$FAKE_OWNER" sip "$WORK/sipstate"
dp_wait_name org.deskphone.Sip
web_start webd5
web_login "new admin pw" "$WORK/jar"
web_expect 200 -b "$WORK/jar" $EXT1
$FORM_BODY $EXT1 "Display_Name_1_=Alice" < "$WORK/body" > "$WORK/form"
web_expect 303 -b "$WORK/jar" --data-binary "@$WORK/form" $EXT1
rm -r "$WORK/sipstate"
web_expect 200 -b "$WORK/jar" $EXT1
$FORM_BODY $EXT1 "Display_Name_1_=Bob" < "$WORK/body" > "$WORK/form"
web_expect 400 -b "$WORK/jar" --data-binary "@$WORK/form" $EXT1
grep -q "Nothing was changed: sipd could not save it (Display_Name_1_: could not be saved: " \
	"$WORK/body" || dp_fail "no clear reason for a failed save: $(grep -o 'class="err"[^<]*' "$WORK/body")"
grep -q "not running" "$WORK/body" && dp_fail "a running sipd reads as not running"
[ "$(web_param org.deskphone.Sip Display_Name_1_)" = Alice ] ||
	dp_fail "a failed save changed Display_Name_1_"

# --- 7. the Info page shows every type of netd's properties (as the
# fake serves them with netd's types): signed numbers, bytes as hex,
# structs and nested arrays readably, all escaped
dp_spawn fake-net "$FAKE_OWNER" net "$WORK/state-net"
dp_wait_name org.deskphone.Net
web_expect 200 -b "$WORK/jar" /admin/advanced/info
info() {	# LABEL: the value shown next to it
	sed -n "s|.*<dt>$1</dt><dd>\([^<]*\)</dd>.*|\1|p" "$WORK/body" | head -n 1
}
grep -q "<dd>?</dd>" "$WORK/body" && dp_fail "a property shows as ?"
for row in "TimeOffset=-18000" "VendorSpecific=013c623eff" \
	"VendorSpecificOptions=(1, 3c2622), (43, )" \
	"VendorIdentifying=(3561, [(1, 4142), (2, 00)])" \
	"Lease Time (s)=3600" "DNS=192.0.2.53, 192.0.2.54"; do
	label=${row%%=*}
	want=${row#*=}
	got=$(info "$label")
	[ "$got" = "$want" ] || dp_fail "Info $label: '$got', expected '$want'"
done

echo "PASS: webd-abuse"
