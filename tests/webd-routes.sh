#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every route of webd: without a session (redirect or 401), with the
# user account (admin pages refused, hidden settings out of reach),
# without or with a wrong CSRF token (refused); an XSS payload in every
# field comes back escaped; over-long and malformed requests get a 4xx
# and never bring webd down.
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/web/web-lib.sh"

[ -x "$WEBD" ] || dp_fail "$WEBD not built"
command -v curl >/dev/null || dp_skip "curl is not installed"
FORM_BODY="/usr/bin/python3 $SRC/tests/web/form-body.py"
shopt -s extglob
RAW="/usr/bin/python3 $SRC/tests/web/raw-https.py $WEB_PORT"
SYSTEM=/admin/advanced/voice/system
EXT1=/admin/advanced/voice/ext1
USERPAGE=/admin/advanced/voice/user
UEXT1=/user/basic/voice/ext1

mkdir -p "$WORK/state" "$WORK/state-sip" "$WORK/state-net"
echo "admin pw 1" > "$WORK/adminpw"
echo "user pw 1" > "$WORK/userpw"
dp_start_bus
dp_spawn sip "$FAKE_OWNER" sip "$WORK/state-sip"
dp_spawn net "$FAKE_OWNER" net "$WORK/state-net"
dp_wait_name org.deskphone.Sip
dp_wait_name org.deskphone.Net
web_start webd --admin-password-file "$WORK/adminpw" \
	--user-password-file "$WORK/userpw"
[ "$(stat -c %a "$WORK/state/webd-user")" = 600 ] || dp_fail "webd-user is not 0600"

PAGES=""
for acct in admin user; do
	for view in basic advanced; do
		for p in info voice/system voice/sip voice/ext1 voice/user; do
			PAGES="$PAGES /$acct/$view/$p"
		done
	done
done
FORMS="$(echo "$PAGES" | tr ' ' '\n' | grep /voice/ | tr '\n' ' ') /logout"
BOGUS="/admin /admin/advanced /admin/advanced/voice /admin/advanced/voice/ext0
	/admin/advanced/voice/ext5 /admin/advanced/voice/ext11
	/admin/advanced/voice/ext01 /admin/expert/voice/system /root/basic/info
	/admin/advanced/info/ /admin//advanced/info /info/x /%2e%2e/etc/passwd
	/admin/advanced/voice/system%00 /favicon.ico"
ALWAYS_PUBLIC="/style.css /webd.js"

# --- no session: GET is sent to /login, everything else is 401
for p in / /info $PAGES $BOGUS /logout; do
	web_expect 303 "$p"
	[ "$(web_header Location)" = /login ] || dp_fail "$p: not sent to /login"
done
for p in /info $PAGES $BOGUS $FORMS; do
	web_expect 401 --data "csrf=x&Display_Name_1_=x" "$p"
done
for m in PUT DELETE PATCH OPTIONS TRACE; do
	web_expect 401 -X $m /admin/advanced/voice/ext1
done
for p in $ALWAYS_PUBLIC /login; do
	web_expect 200 "$p"
done
grep -q '<option>user</option>' "$WORK/body" || dp_fail "login page has no user account"

# --- the user account: admin pages refused, user pages served
web_login_as() {	# ACCOUNT PASSWORD JAR
	web_expect 303 -c "$3" --data-urlencode "account=$1" \
		--data-urlencode "password=$2" /login
}
web_expect 403 --data-urlencode "account=user" \
	--data-urlencode "password=admin pw 1" /login
web_expect 403 --data-urlencode "account=admin" \
	--data-urlencode "password=user pw 1" /login
web_expect 400 --data "account=root&password=x" /login
web_login_as user "user pw 1" "$WORK/ujar"
web_login_as admin "admin pw 1" "$WORK/ajar"
UCSRF=$(web_csrf "$WORK/ujar" /info)
ACSRF=$(web_csrf "$WORK/ajar" /info)
[ ${#UCSRF} = 32 ] && [ ${#ACSRF} = 32 ] || dp_fail "no CSRF tokens"
grep -q "Logged in as admin" "$WORK/body" || dp_fail "admin's /info is not the admin's"
for p in $PAGES; do
	case $p in
	/user/*/voice/user) want=404 ;;
	/user/*) want=200 ;;
	*) want=403 ;;
	esac
	web_expect $want -b "$WORK/ujar" "$p"
	[ $want = 403 ] || continue
	case $p in */info) continue ;; esac
	web_expect 403 -b "$WORK/ujar" \
		--data "csrf=$UCSRF&Display_Name_1_=Mallory" "$p"
done
web_expect 200 -b "$WORK/ujar" /info
grep -q "Logged in as user" "$WORK/body" || dp_fail "user's /info is not the user's"
grep -q 'href="/admin/advanced/voice/user"' "$WORK/body" &&
	dp_fail "the user is shown the User page link"

# --- the admin: every page is there, nonsense is 404
for p in $PAGES; do
	case $p in
	/user/*/voice/user) want=404 ;;
	*) want=200 ;;
	esac
	web_expect $want -b "$WORK/ajar" "$p"
done
for p in $BOGUS; do
	web_expect 404 -b "$WORK/ajar" "$p"
	grep -q "etc/passwd\|%00" "$WORK/body" && dp_fail "$p reflected in a 404"
done
web_expect 405 -b "$WORK/ajar" --data "csrf=$ACSRF" /admin/advanced/info
web_expect 405 -b "$WORK/ajar" -X PUT /admin/advanced/voice/ext1

# --- CSRF: none, wrong, other session's, other case: all refused
for p in $FORMS; do
	case $p in
	/user/*/voice/user) continue ;;
	esac
	for c in "" "csrf=" "csrf=0123456789abcdef0123456789abcdef" \
		"csrf=$UCSRF" "csrf=${ACSRF^^}" "csrf=$ACSRF$ACSRF"; do
		web_expect 403 -b "$WORK/ajar" \
			--data "${c:+$c&}Display_Name_1_=Mallory" "$p"
	done
done
[ -z "$(web_param org.deskphone.Sip Display_Name_1_)" ] ||
	dp_fail "a refused POST changed Display_Name_1_"
web_expect 200 -b "$WORK/ajar" /info	# the admin session still works

# --- per-setting user access, set by the admin on the User page
web_expect 200 -b "$WORK/ujar" $UEXT1
grep -q 'name="Display_Name_1_"' "$WORK/body" &&
	dp_fail "a setting the admin did not open is shown to the user"
web_expect 403 -b "$WORK/ujar" \
	--data "csrf=$UCSRF&Display_Name_1_=Mallory" $UEXT1
web_expect 200 -b "$WORK/ajar" $USERPAGE
$FORM_BODY $USERPAGE "A:Display_Name_1_=read-write" "A:Proxy_1_=read-only" \
	"A:User_ID_1_=hidden" < "$WORK/body" > "$WORK/form" || dp_fail "no User form"
web_expect 303 -b "$WORK/ajar" --data-binary "@$WORK/form" $USERPAGE
grep -q "^User_Access:Display_Name_1_ read-write$\|^User_Access:Display_Name_1_=read-write$" \
	"$WORK/state/webd.conf" || grep -q "Display_Name_1_.*read-write" \
	"$WORK/state/webd.conf" || dp_fail "access not stored in webd.conf"
busctl --system call org.deskphone.Sip /org/deskphone/Sip \
	org.deskphone.Parameters1 Set ss Proxy_1_ 10.1.2.3 || dp_fail "Set failed"
web_expect 200 -b "$WORK/ujar" $UEXT1
grep -q 'id="f-Display_Name_1_" name="Display_Name_1_"' "$WORK/body" ||
	dp_fail "read-write Display_Name_1_ not editable for the user"
grep -q 'id="f-Proxy_1_" disabled [^>]*value="10.1.2.3"' "$WORK/body" ||
	dp_fail "read-only Proxy_1_ not shown disabled with its value"
grep -q 'f-User_ID_1_\|f-Password_1_' "$WORK/body" &&
	dp_fail "hidden settings shown to the user"
# the page's own form works; adding anything not open to the user fails
$FORM_BODY $UEXT1 "Display_Name_1_=User Set" < "$WORK/body" > "$WORK/form"
for extra in "Proxy_1_=10.6.6.6" "User_ID_1_=evil" "Password_1_=x" \
	"Connection_Type=Static+IP"; do
	web_expect 403 -b "$WORK/ujar" --data-binary "@$WORK/form" \
		--data "$extra" $UEXT1
done
[ "$(web_param org.deskphone.Sip Display_Name_1_)" = "" ] ||
	dp_fail "a refused user form changed something"
web_expect 303 -b "$WORK/ujar" --data-binary "@$WORK/form" $UEXT1
[ "$(web_header Location)" = "$UEXT1?saved=1" ] || dp_fail "user submit: $(web_header Location)"
[ "$(web_param org.deskphone.Sip Display_Name_1_)" = "User Set" ] ||
	dp_fail "the user's allowed change was not applied"
[ "$(web_param org.deskphone.Sip Proxy_1_)" = 10.1.2.3 ] || dp_fail "Proxy_1_ changed"
# a setting on a page the user cannot see is refused too
web_expect 403 -b "$WORK/ujar" --data "csrf=$UCSRF&NetMask=255.0.0.0" \
	/user/basic/voice/system
# bad levels are refused whole
web_expect 200 -b "$WORK/ajar" $USERPAGE
$FORM_BODY $USERPAGE "A:Proxy_1_=read-write" "A:Display_Name_1_=root" \
	< "$WORK/body" > "$WORK/form"
web_expect 400 -b "$WORK/ajar" --data-binary "@$WORK/form" $USERPAGE
web_expect 200 -b "$WORK/ujar" $UEXT1
grep -q 'id="f-Proxy_1_" disabled' "$WORK/body" || dp_fail "half of a bad access form applied"
# the user password: changed by the admin, old sessions end
web_expect 200 -b "$WORK/ajar" $USERPAGE
$FORM_BODY $USERPAGE "User_Password=user pw 2" < "$WORK/body" > "$WORK/form"
web_expect 303 -b "$WORK/ajar" --data-binary "@$WORK/form" $USERPAGE
web_expect 303 -b "$WORK/ujar" $UEXT1
web_expect 403 --data-urlencode "account=user" \
	--data-urlencode "password=user pw 1" /login
web_login_as user "user pw 2" "$WORK/ujar"
UCSRF=$(web_csrf "$WORK/ujar" /info)

# --- XSS: a payload in every field of every settings page is escaped
XSS='"><script>alert(1)</script><img src=x onerror=alert(2)>'"'"
for page in $SYSTEM /admin/advanced/voice/sip $EXT1; do
	web_expect 200 -b "$WORK/ajar" $page
	names=$(grep -o '<\(input\|select\)[^>]* name="[A-Za-z0-9_]*"' "$WORK/body" |
		sed 's/.* name="\(.*\)"/\1/' |
		grep -v '^csrf$' | sort -u)
	# without audiod the SIP page has no field to send
	[ -n "$names" ] || [ $page = /admin/advanced/voice/sip ] ||
		dp_fail "no fields on $page"
	for n in $names; do
		web_expect 200 -b "$WORK/ajar" $page
		$FORM_BODY $page "$n=$XSS" < "$WORK/body" > "$WORK/form" ||
			dp_fail "no field $n on $page"
		code=$(web_http -b "$WORK/ajar" --data-binary "@$WORK/form" $page)
		case $code in
		303) web_expect 200 -b "$WORK/ajar" $page ;;
		400) ;;
		*) dp_fail "$page $n: HTTP $code for the XSS payload" ;;
		esac
		grep -q '<script>alert\|<img src=x' "$WORK/body" &&
			dp_fail "$page $n: payload not escaped"
		if [ "$code" = 400 ]; then
			grep -q 'aria-invalid="true"' "$WORK/body" ||
				grep -q 'class="err" role="alert"' "$WORK/body" ||
				dp_fail "$page $n: refused without a reason"
		fi
		dp_log "$page $n: $code"
	done
done
web_expect 200 -b "$WORK/ajar" $EXT1
grep -q '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;' "$WORK/body" ||
	dp_fail "an accepted payload is not shown (escaped) on Ext 1"
# reflected in the login page, the query and the path: never raw
web_expect 200 "/login?account=$(printf %s "$XSS" | od -An -tx1 | tr -d ' \n' |
	sed 's/../%&/g')"
grep -q '<script>alert' "$WORK/body" && dp_fail "login page reflects the query"
web_expect 403 --data-urlencode "password=$XSS" /login
grep -q '<script>alert' "$WORK/body" && dp_fail "login reflects the password"
web_expect 404 -b "$WORK/ajar" "/admin/advanced/%3Cscript%3Ealert(1)%3C/script%3E"
grep -q '<script>alert' "$WORK/body" && dp_fail "404 reflects the path"

# --- over-long and malformed requests: 4xx, webd stays up
long=$(head -c 1100 /dev/zero | tr '\0' a)
web_expect 400 -b "$WORK/ajar" --data "csrf=$ACSRF&Display_Name_1_=$long" $EXT1
web_expect 400 -b "$WORK/ajar" --data "csrf=$ACSRF&Display_Name_1_=%" $EXT1
web_expect 400 -b "$WORK/ajar" --data "csrf=$ACSRF&Display_Name_1_=%ff%fe" $EXT1
web_expect 400 -b "$WORK/ajar" --data "csrf=$ACSRF&Display_Name_1_=a%00b" $EXT1
web_expect 400 -b "$WORK/ajar" --data "csrf=$ACSRF&=x" $EXT1
web_expect 400 -b "$WORK/ajar" --data "csrf=$ACSRF&Display_Name_1_=%0d%0a" $EXT1
web_expect 400 -b "$WORK/ajar" --data "csrf=$ACSRF&Register_Expires_1_=99999999999999999999" $EXT1
web_expect 400 -b "$WORK/ajar" --data "csrf=$ACSRF&Register_Expires_1_=-1" $EXT1
seq 1 200 | sed 's/.*/f&=1/' | paste -sd'&' > "$WORK/many"
web_expect 400 -b "$WORK/ajar" --data-binary "@$WORK/many" $EXT1
head -c 70000 /dev/zero | tr '\0' a > "$WORK/big"
web_expect 413 -b "$WORK/ajar" --data-binary "@$WORK/big" $EXT1
web_expect 413 -b "$WORK/ajar" -H "Transfer-Encoding: chunked" \
	--data-binary "@$WORK/big" $EXT1
code=$(web_http -b "$WORK/ajar" "/admin/$(head -c 40000 /dev/zero | tr '\0' a)")
case $code in 4*) ;; *) dp_fail "a 40 kB URL got $code" ;; esac
code=$(web_http -b "$WORK/ajar" -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)" /info)
case $code in 4*) ;; *) dp_fail "a 40 kB header got $code" ;; esac
raw() {
	local want=$1 got
	got=$(printf "$2" | $RAW "$WEB_CA") || dp_fail "raw request failed"
	dp_log "raw $(printf %q "$2"): $got"
	[[ $got == @($want) ]] ||
		dp_fail "raw request $(printf %q "$2"): $got, expected $want"
	kill -0 "$(dp_pid webd)" || dp_fail "webd died on $(printf %q "$2")"
}
P='POST /login HTTP/1.1\r\nHost: x\r\n'
raw '4??|closed' 'GARBAGE\r\n\r\n'
raw '4??|closed' 'GET\r\n\r\n'
raw '400' 'GET /info HTTP/1.1\r\n\r\n'			# no Host
raw '4??|505|closed' 'GET /info HTTP/9.9\r\nHost: x\r\n\r\n'
raw '4??|closed' 'GET /info HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'
raw '4??|closed' "${P}Content-Length: -5\r\n\r\n"
raw '413' "${P}Content-Length: 99999999999999999999999\r\n\r\n"
raw '4??|closed' "${P}Content-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef"
raw '4??|closed' "${P}Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"
raw '4??|closed' "${P}Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc\r\n"
raw '415' "${P}Content-Type: text/plain\r\nContent-Length: 10\r\n\r\npassword=x"
raw '303' 'GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n'
# plain HTTP on the TLS port and a TLS hello cut short: webd shrugs
printf 'GET / HTTP/1.1\r\n\r\n' | timeout 5 bash -c \
	"cat > /dev/tcp/127.0.0.1/$WEB_PORT" 2>/dev/null
printf '\x16\x03\x01\x00\xff\x01' | timeout 5 bash -c \
	"cat > /dev/tcp/127.0.0.1/$WEB_PORT" 2>/dev/null

kill -0 "$(dp_pid webd)" || dp_fail "webd died"
web_expect 200 -b "$WORK/ajar" /info
web_expect 200 -b "$WORK/ujar" /info

pid=$(dp_pid webd)
kill -TERM "$pid"
wait "$pid"
rc=$?
[ $rc = 0 ] || dp_fail "webd exited with $rc on SIGTERM"

# --- the user password and the access levels survive a restart
web_start webd2
web_expect 403 --data-urlencode "account=user" \
	--data-urlencode "password=user pw 1" /login
web_login_as user "user pw 2" "$WORK/ujar"
web_expect 200 -b "$WORK/ujar" $UEXT1
grep -q 'id="f-Display_Name_1_" name="Display_Name_1_"' "$WORK/body" ||
	dp_fail "read-write access lost over a restart"
grep -q 'id="f-Proxy_1_" disabled' "$WORK/body" ||
	dp_fail "read-only access lost over a restart"
# disabling the account ends it
web_login_as admin "admin pw 1" "$WORK/ajar"
web_expect 200 -b "$WORK/ajar" $USERPAGE
$FORM_BODY $USERPAGE "User_Disable=Yes" < "$WORK/body" > "$WORK/form"
web_expect 303 -b "$WORK/ajar" --data-binary "@$WORK/form" $USERPAGE
[ -e "$WORK/state/webd-user" ] && dp_fail "webd-user kept after disabling"
web_expect 303 -b "$WORK/ujar" $UEXT1
web_expect 403 --data-urlencode "account=user" \
	--data-urlencode "password=user pw 2" /login
echo "PASS: webd-routes"
