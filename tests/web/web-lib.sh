# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for the webd tests; source after tests/lib.sh.

WEB_PORT=${WEB_PORT:-8443}
WEB_HTTP_PORT=${WEB_HTTP_PORT:-8080}
WEB_BASE="https://127.0.0.1:$WEB_PORT"
# The device certificate webd makes at its first start; trusted for
# this test only (it names 127.0.0.1), so curl verifies every request.
WEB_CA=${WEB_CA:-$WORK/state/webd-cert.pem}
WEBD="$BUILD/webd/webd"
FAKE_OWNER="$BUILD/tests/web/fake-owner"

# web_http [curl args] PATH: prints the status; body and headers go to
# $WORK/body and $WORK/headers.  Never follows redirects.
web_http() {
	local path
	path=${!#}
	set -- "${@:1:$#-1}"
	curl -sS --max-time 10 --cacert "$WEB_CA" -o "$WORK/body" \
		-D "$WORK/headers" -w '%{http_code}' "$@" "$WEB_BASE$path"
}

web_header() {
	tr -d '\r' < "$WORK/headers" | sed -n "s/^$1: //Ip" | head -n 1
}

# web_expect STATUS [curl args] PATH
web_expect() {
	local want=$1 got
	shift
	got=$(web_http "$@") || dp_fail "curl failed for ${!#}"
	[ "$got" = "$want" ] ||
		dp_fail "${!#}: HTTP $got, expected $want ($(head -c 300 "$WORK/body"))"
}

# web_start NAME ARGS...: start webd and wait until it serves.
web_start() {
	local name=$1
	shift
	dp_spawn "$name" "$WEBD" --state-dir "$WORK/state" --port "$WEB_PORT" \
		"$@"
	dp_wait_name org.deskphone.Web 10
	dp_wait_for 5 curl -s --cacert "$WEB_CA" -o /dev/null \
		"$WEB_BASE/login" ||
		dp_fail "webd does not answer on $WEB_BASE"
}

# web_login PASSWORD JAR: log in, keeping the cookie in JAR.
web_login() {
	web_expect 303 -c "$2" --data-urlencode "password=$1" /login
	[ "$(web_header Location)" = /info ] || dp_fail "login did not go to /info"
}

# web_csrf JAR PATH: the page's CSRF token.
web_csrf() {
	web_expect 200 -b "$1" "$2"
	sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$WORK/body" |
		head -n 1
}

# web_param SERVICE NAME: the value from Parameters1.Get.
web_param() {
	local part=${1#org.deskphone.}
	busctl --system --json=short call "$1" "/org/deskphone/$part" \
		org.deskphone.Parameters1 Get s "$2" |
		/usr/bin/python3 -c 'import json, sys
print(json.load(sys.stdin)["data"][0])'
}
