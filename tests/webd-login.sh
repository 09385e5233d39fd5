#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# webd's admin login: nothing is served without a session, wrong
# passwords are refused and rate limited, CSRF tokens are enforced.
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/web/web-lib.sh"

[ -x "$WEBD" ] || dp_fail "$WEBD not built"
command -v curl >/dev/null || dp_skip "curl is not installed"

dp_start_bus
mkdir -p "$WORK/state"
dp_spawn fake-sip "$FAKE_OWNER" sip "$WORK/state"
dp_wait_name org.deskphone.Sip

# --- first start: a generated password, shown once, only a hash kept
web_start webd
PW=$(sed -n 's/^<5>webd: initial admin password: //p' "$WORK/webd.log")
[ ${#PW} -ge 12 ] || dp_fail "no initial password in the log"
[ "$(cat "$WORK/state/admin-password.initial")" = "$PW" ] ||
	dp_fail "admin-password.initial differs from the logged password"
for f in webd-admin admin-password.initial webd-key.pem; do
	[ "$(stat -c %a "$WORK/state/$f")" = 600 ] || dp_fail "$f is not 0600"
done
# --- HTTPS with the device certificate made at the first start; curl
# verifies it against the file (it names 127.0.0.1)
grep -q "BEGIN CERTIFICATE" "$WORK/state/webd-cert.pem" || dp_fail "no certificate"
openssl x509 -in "$WORK/state/webd-cert.pem" -noout -text > "$WORK/cert.txt"
grep -q "IP Address:127.0.0.1" "$WORK/cert.txt" || dp_fail "certificate lacks 127.0.0.1"
web_expect 200 /login
curl -s --max-time 5 --cacert "$WEB_CA" --tls-max 1.1 "$WEB_BASE/login" \
	>/dev/null && dp_fail "TLS 1.1 was accepted"
curl -s --max-time 5 "http://127.0.0.1:$WEB_PORT/login" -o /dev/null \
	-w '%{http_code}' | grep -q '^[1-5]' && dp_fail "plain HTTP served on the HTTPS port"
curl -s --max-time 5 "http://127.0.0.1:$WEB_HTTP_PORT/login" >/dev/null &&
	dp_fail "plain HTTP is on without --http redirect"
[ -z "$(dp_prop org.deskphone.Web /org/deskphone/Web org.deskphone.Web1 HttpUrl)" ] ||
	dp_fail "HttpUrl set while plain HTTP is off"
grep -q "^pbkdf2-sha256 [0-9]* [0-9a-f]\{32\} [0-9a-f]\{64\}$" \
	"$WORK/state/webd-admin" || dp_fail "webd-admin is not a PBKDF2 hash"
grep -qF "$PW" "$WORK/state/webd-admin" && dp_fail "webd-admin holds the password"
[ "$(dp_prop org.deskphone.Web /org/deskphone/Web org.deskphone.Web1 Url)" = \
	"$WEB_BASE/" ] || dp_fail "Url property is wrong"

# --- without a session: GET pages redirect to /login, the rest is 401
for p in / /info /admin/advanced/voice/system /admin/advanced/voice/ext1 \
	/admin/advanced/voice/ext2 /nonexistent /logout; do
	web_expect 303 "$p"
	[ "$(web_header Location)" = /login ] || dp_fail "$p: not sent to /login"
done
web_expect 303 -I /info
for p in /admin/advanced/voice/system /admin/advanced/voice/ext1 /logout \
	/info; do
	web_expect 401 --data "Display_Name_1_=x" "$p"
done
web_expect 401 -X PUT /info
web_expect 401 -X DELETE /admin/advanced/voice/ext1
web_expect 303 -b "dp_session=00000000000000000000000000000000" /info
web_expect 303 -b "dp_session=../../etc" /info
web_expect 200 /login
grep -q '<label for="password">' "$WORK/body" || dp_fail "login form lacks a label"
web_expect 200 /style.css

# --- wrong password: refused, no cookie
web_expect 403 --data "password=wrong" /login
grep -qi '^set-cookie' "$WORK/headers" && dp_fail "a wrong password got a cookie"
web_expect 403 --data "password=" /login
web_expect 403 --data "" /login
web_expect 400 --data "password=%zz" /login

# a login form posted from another site is refused before it is tried
web_expect 403 -H "Origin: http://evil.example" --data "password=x" /login
web_expect 403 -H "Origin: null" --data "password=x" /login

# --- the right one: a session cookie with the right attributes
web_login "$PW" "$WORK/jar"
cookie=$(web_header Set-Cookie)
echo "$cookie" | grep -q '^dp_session=[0-9a-f]\{32\};' || dp_fail "bad cookie: $cookie"
for attr in HttpOnly SameSite=Strict Path=/ Max-Age= Secure; do
	echo "$cookie" | grep -q "$attr" || dp_fail "cookie lacks $attr: $cookie"
done
web_expect 200 -b "$WORK/jar" /info
grep -q "<h1>Info</h1>" "$WORK/body" || dp_fail "no Info page"
web_expect 200 -b "$WORK/jar" /admin/advanced/voice/ext1
web_expect 200 -b "$WORK/jar" /admin/advanced/voice/system
web_expect 404 -b "$WORK/jar" /nonexistent

# --- CSRF: a POST without or with a wrong token changes nothing
EXT1=/admin/advanced/voice/ext1
CSRF=$(web_csrf "$WORK/jar" $EXT1)
[ ${#CSRF} = 32 ] || dp_fail "no CSRF token in the page"
web_expect 403 -b "$WORK/jar" --data "Display_Name_1_=Mallory" $EXT1
web_expect 403 -b "$WORK/jar" --data "Display_Name_1_=Mallory&csrf=" $EXT1
web_expect 403 -b "$WORK/jar" \
	--data "Display_Name_1_=Mallory&csrf=0123456789abcdef0123456789abcdef" $EXT1
web_expect 403 -b "$WORK/jar" --data "Display_Name_1_=Mallory&csrf=${CSRF^^}" $EXT1
web_expect 403 -b "$WORK/jar" --data "csrf=0&logout" /logout

web_expect 403 -b "$WORK/jar" -H "Origin: http://evil.example" \
	--data "Display_Name_1_=Mallory&csrf=$CSRF" $EXT1

# a token from another session is no good either
web_login "$PW" "$WORK/jar2"
CSRF2=$(web_csrf "$WORK/jar2" $EXT1)
[ "$CSRF2" != "$CSRF" ] || dp_fail "two sessions share a CSRF token"
web_expect 403 -b "$WORK/jar" --data "Display_Name_1_=Mallory&csrf=$CSRF2" $EXT1
[ -z "$(web_param org.deskphone.Sip Display_Name_1_)" ] ||
	dp_fail "a refused POST changed Display_Name_1_"

# bad bodies: bad encoding, repeats, wrong type, too large
web_expect 400 -b "$WORK/jar" --data "Display_Name_1_=%zz&csrf=$CSRF" $EXT1
web_expect 400 -b "$WORK/jar" \
	--data "Display_Name_1_=a&Display_Name_1_=b&csrf=$CSRF" $EXT1
web_expect 415 -b "$WORK/jar" -H "Content-Type: text/plain" \
	--data "Display_Name_1_=a&csrf=$CSRF" $EXT1
head -c 70000 /dev/zero | tr '\0' a > "$WORK/big"
web_expect 413 -b "$WORK/jar" --data-binary "@$WORK/big" $EXT1
[ -z "$(web_param org.deskphone.Sip Display_Name_1_)" ] ||
	dp_fail "a bad POST changed Display_Name_1_"

# and with the token it works (so the refusals above were the token's)
web_expect 303 -b "$WORK/jar" -H "Origin: $WEB_BASE" \
	--data "Display_Name_1_=Alice&csrf=$CSRF" $EXT1
[ "$(web_param org.deskphone.Sip Display_Name_1_)" = Alice ] ||
	dp_fail "Display_Name_1_ not set with a valid token"

# --- logout ends the session
web_expect 303 -b "$WORK/jar" --data "csrf=$CSRF" /logout
[ "$(web_header Location)" = /login ] || dp_fail "logout did not go to /login"
web_expect 303 -b "$WORK/jar" /info
web_expect 401 -b "$WORK/jar" --data "Display_Name_1_=x&csrf=$CSRF" $EXT1
web_expect 200 -b "$WORK/jar2" /info

# --- rate limit: after 5 failures even the right password waits
for i in 1 2 3 4 5; do
	web_expect 403 --data "password=wrong$i" /login
done
web_expect 429 --data-urlencode "password=$PW" /login
[ -n "$(web_header Retry-After)" ] || dp_fail "429 without Retry-After"
grep -qi '^set-cookie' "$WORK/headers" && dp_fail "a locked-out login got a cookie"
sleep 5.2
web_login "$PW" "$WORK/jar"

# --- restart with a password file: it replaces the generated one; the
# device certificate is kept; plain HTTP now redirects
printf 'n3w admin pass\nignored\n' > "$WORK/pwfile"
cp "$WORK/state/webd-cert.pem" "$WORK/cert-before"
dp_stop webd
web_start webd2 --admin-password-file "$WORK/pwfile" --http redirect \
	--http-port "$WEB_HTTP_PORT"
cmp -s "$WORK/cert-before" "$WORK/state/webd-cert.pem" ||
	dp_fail "the device certificate changed over a restart"
[ "$(dp_prop org.deskphone.Web /org/deskphone/Web org.deskphone.Web1 HttpUrl)" = \
	"http://127.0.0.1:$WEB_HTTP_PORT/" ] || dp_fail "HttpUrl is wrong"
code=$(curl -s --max-time 5 -D "$WORK/headers" -o /dev/null -w '%{http_code}' \
	"http://127.0.0.1:$WEB_HTTP_PORT/admin/advanced/voice/system?x=1")
[ "$code" = 301 ] || dp_fail "plain HTTP GET got $code, not 301"
[ "$(web_header Location)" = "$WEB_BASE/admin/advanced/voice/system" ] ||
	dp_fail "redirect to $(web_header Location)"
code=$(curl -s --max-time 5 -D "$WORK/headers" -o /dev/null -w '%{http_code}' \
	-H 'Host: evil"<x>:80' "http://127.0.0.1:$WEB_HTTP_PORT/%0d%0aX:%20y")
[ "$code" = 301 ] || dp_fail "odd plain request got $code"
[ "$(web_header Location)" = "https://127.0.0.1:$WEB_PORT/" ] ||
	dp_fail "odd Host/path reached the Location: $(web_header Location)"
code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' --data "password=x" \
	"http://127.0.0.1:$WEB_HTTP_PORT/login")
[ "$code" = 403 ] || dp_fail "plain HTTP POST got $code, not 403"
[ -e "$WORK/state/admin-password.initial" ] &&
	dp_fail "admin-password.initial kept after a password was set"
grep -q "initial admin password" "$WORK/webd2.log" &&
	dp_fail "a password was generated although one was given"
web_expect 403 --data-urlencode "password=$PW" /login
web_login "n3w admin pass" "$WORK/jar"
web_expect 303 -b "$WORK/jar2" /info	# sessions do not outlive webd

# --- plain HTTP is also a setting on System (Web_Plain_HTTP), applied at
# once; once set there it outlives what --http says
SYSTEM=/admin/advanced/voice/system
FORM_BODY="/usr/bin/python3 $SRC/tests/web/form-body.py"
plain() {
	curl -s --max-time 5 -o /dev/null -w '%{http_code}' \
		"http://127.0.0.1:$WEB_HTTP_PORT/info"
}
web_expect 200 -b "$WORK/jar" $SYSTEM
grep -q '<select id="f-Web_Plain_HTTP" name="Web_Plain_HTTP"[^>]*><option>Off</option><option selected>Redirect</option>' \
	"$WORK/body" || dp_fail "no Plain HTTP setting showing Redirect"
$FORM_BODY $SYSTEM Web_Plain_HTTP=Off < "$WORK/body" > "$WORK/form"
web_expect 303 -b "$WORK/jar" --data-binary "@$WORK/form" $SYSTEM
[ "$(plain)" = 000 ] || dp_fail "plain HTTP still answers after Off"
[ -z "$(dp_prop org.deskphone.Web /org/deskphone/Web org.deskphone.Web1 HttpUrl)" ] ||
	dp_fail "HttpUrl set while plain HTTP is off"
web_expect 200 -b "$WORK/jar" $SYSTEM
$FORM_BODY $SYSTEM Web_Plain_HTTP=Sometimes < "$WORK/body" > "$WORK/form"
web_expect 400 -b "$WORK/jar" --data-binary "@$WORK/form" $SYSTEM
grep -q 'id="e-Web_Plain_HTTP">Plain HTTP: ' "$WORK/body" ||
	dp_fail "no reason next to Plain HTTP"
dp_stop webd2
web_start webd2 --http redirect --http-port "$WEB_HTTP_PORT"
[ "$(plain)" = 000 ] || dp_fail "--http redirect overrode the stored Off"
web_login "n3w admin pass" "$WORK/jar"
web_expect 200 -b "$WORK/jar" $SYSTEM
$FORM_BODY $SYSTEM Web_Plain_HTTP=Redirect < "$WORK/body" > "$WORK/form"
web_expect 303 -b "$WORK/jar" --data-binary "@$WORK/form" $SYSTEM
[ "$(plain)" = 301 ] || dp_fail "plain HTTP not back after Redirect"
[ "$(dp_prop org.deskphone.Web /org/deskphone/Web org.deskphone.Web1 HttpUrl)" = \
	"http://127.0.0.1:$WEB_HTTP_PORT/" ] || dp_fail "HttpUrl not back"

# --- a certificate from the admin (--cert/--key) is served instead;
# a key that does not fit it keeps webd from starting
dp_stop webd2
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/adm-key.pem" \
	-out "$WORK/adm-cert.pem" -days 2 -subj /CN=admin-cert \
	-addext "subjectAltName=IP:127.0.0.1" 2>/dev/null ||
	dp_fail "openssl could not make a test certificate"
openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/other-key.pem"
"$WEBD" --state-dir "$WORK/state" --port "$WEB_PORT" --cert "$WORK/adm-cert.pem" \
	--key "$WORK/other-key.pem" > "$WORK/mismatch.log" 2>&1 &&
	dp_fail "webd started with a key that does not fit the certificate"
grep -qi "not a usable pair" "$WORK/mismatch.log" || dp_fail "no reason for the refusal"
"$WEBD" --state-dir "$WORK/state" --cert "$WORK/adm-cert.pem" \
	> "$WORK/halfpair.log" 2>&1 && dp_fail "webd started with --cert alone"
WEB_CA="$WORK/adm-cert.pem" web_start webd3 --cert "$WORK/adm-cert.pem" \
	--key "$WORK/adm-key.pem"
WEB_CA="$WORK/adm-cert.pem" web_expect 200 /login
web_http /login > /dev/null 2>&1 && dp_fail "the device certificate is still served"
dp_stop webd3

# a damaged device key is refused, never silently replaced
cp "$WORK/state/webd-key.pem" "$WORK/key-good"
echo garbage > "$WORK/state/webd-key.pem"
"$WEBD" --state-dir "$WORK/state" --port "$WEB_PORT" > "$WORK/badkey.log" 2>&1 &&
	dp_fail "webd started with a damaged key"
grep -q "garbage" "$WORK/state/webd-key.pem" || dp_fail "the damaged key was overwritten"
cp "$WORK/key-good" "$WORK/state/webd-key.pem"
chmod 644 "$WORK/state/webd-key.pem"
web_start webd2
[ "$(stat -c %a "$WORK/state/webd-key.pem")" = 600 ] ||
	dp_fail "a key readable by others was left so"

# --- SIGTERM: clean exit
pid=$(dp_pid webd2)
kill -TERM "$pid"
wait "$pid"
rc=$?
[ $rc = 0 ] || dp_fail "webd exited with $rc on SIGTERM"
grep -q "Stopping" "$WORK/webd2.log" || dp_fail "webd did not log its stop"
echo "PASS: webd-login"
