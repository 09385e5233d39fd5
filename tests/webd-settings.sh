#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Settings changed on webd's pages reach the daemon that owns them and
# survive its restart; a refused value names the field and changes
# nothing; a daemon that is gone or stuck shows as "not running".
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/web/web-lib.sh"

[ -x "$WEBD" ] || dp_fail "$WEBD not built"
command -v curl >/dev/null || dp_skip "curl is not installed"
FORM_BODY="/usr/bin/python3 $SRC/tests/web/form-body.py"
SYSTEM=/admin/advanced/voice/system
EXT1=/admin/advanced/voice/ext1

# The real owners, so "survives a restart" is about their own storage:
# sipd without a proxy does not register, netd without --interface
# touches nothing.
[ -x "$BUILD/sipd/sipd" ] || dp_fail "$BUILD/sipd/sipd not built"
[ -x "$BUILD/netd/netd" ] || dp_fail "$BUILD/netd/netd not built"

start_sip() {
	dp_spawn "$1" "$BUILD/sipd/sipd" --state-dir "$WORK/state-sip" \
		--bind 127.0.0.1 --port 25060
	dp_wait_name org.deskphone.Sip
}

start_net() {
	dp_spawn "$1" "$BUILD/netd/netd" --state-dir "$WORK/state-net"
	dp_wait_name org.deskphone.Net
}

# submit JAR PAGE STATUS NAME=VALUE...: send the page's whole form as a
# browser would, with the given fields changed.
submit() {
	local jar=$1 page=$2 want=$3
	shift 3
	web_expect 200 -b "$jar" "$page"
	$FORM_BODY "$page" "$@" < "$WORK/body" > "$WORK/form" ||
		dp_fail "could not build the form for $page"
	web_expect "$want" -b "$jar" --data-binary "@$WORK/form" "$page"
}

expect_param() {
	local got
	got=$(web_param "$1" "$2")
	[ "$got" = "$3" ] || dp_fail "$2 is '$got', expected '$3'"
}

mkdir -p "$WORK/state" "$WORK/state-sip" "$WORK/state-net"
echo "web admin pw" > "$WORK/pwfile"
dp_start_bus
start_sip sip
start_net net
web_start webd --admin-password-file "$WORK/pwfile"
web_login "web admin pw" "$WORK/jar"

# --- the pages list every setting with a label and the right control
web_expect 200 -b "$WORK/jar" $EXT1
for f in Proxy_1_ Outbound_Proxy_1_ User_ID_1_ Auth_ID_1_ Password_1_ \
	Display_Name_1_ Auth_INVITE_1_ SIP_Transport_1_ Register_Expires_1_; do
	grep -q "<label for=\"f-$f\">" "$WORK/body" || dp_fail "no label for $f"
	grep -q "id=\"f-$f\" name=\"$f\"" "$WORK/body" || dp_fail "no control for $f"
done
grep -q '<select id="f-SIP_Transport_1_"' "$WORK/body" || dp_fail "transport is not a select"
grep -q '<select id="f-Auth_INVITE_1_"' "$WORK/body" || dp_fail "Auth INVITE is not a select"
grep -q '<label for="f-Auto_Answer_1_">Auto Answer<' "$WORK/body" ||
	dp_fail "no Auto Answer label on Ext 1"
grep -q '<select id="f-Auto_Answer_1_"' "$WORK/body" || dp_fail "Auto Answer is not a select"
grep -q 'name="Password_1_" [^>]* type="password" value=""' "$WORK/body" ||
	dp_fail "password field is not an empty password input"
web_expect 200 -b "$WORK/jar" $SYSTEM
for f in Restricted_Access_Domains Connection_Type Static_IP NetMask Gateway \
	Primary_DNS Secondary_DNS; do
	grep -q "<label for=\"f-$f\">" "$WORK/body" || dp_fail "no label for $f"
	grep -q "id=\"f-$f\" name=\"$f\"" "$WORK/body" || dp_fail "no control for $f"
done
grep -q "not running" "$WORK/body" && dp_fail "a running owner shows as not running"
# netd's own newer settings show without webd knowing them all; a file
# path netd writes as root is shown but never taken from the web
grep -q '<label for="f-DHCP_Timeout_On_Renewal">DHCP Timeout on Renewal<' \
	"$WORK/body" || dp_fail "no DHCP Timeout on Renewal"
grep -q 'id="f-Resolv_Conf_Path" disabled' "$WORK/body" ||
	dp_fail "Resolv_Conf_Path is not read-only"
grep -q 'data-when="Static IP"><label for="f-Static_IP"' "$WORK/body" ||
	dp_fail "Static IP row not marked for the Connection Type script"
CSRF=$(web_csrf "$WORK/jar" $SYSTEM)
web_expect 403 -b "$WORK/jar" \
	--data "csrf=$CSRF&Resolv_Conf_Path=/etc/passwd" $SYSTEM
expect_param org.deskphone.Net Resolv_Conf_Path ""
submit "$WORK/jar" $SYSTEM 303 DHCP_Timeout_On_Renewal=45
expect_param org.deskphone.Net DHCP_Timeout_On_Renewal 45
submit "$WORK/jar" $SYSTEM 400 DHCP_Timeout_On_Renewal=86401
grep -q 'id="e-DHCP_Timeout_On_Renewal">DHCP Timeout on Renewal: ' \
	"$WORK/body" || dp_fail "no error next to DHCP Timeout on Renewal"
expect_param org.deskphone.Net DHCP_Timeout_On_Renewal 45
# the basic view has the IPv4 basics only
web_expect 200 -b "$WORK/jar" /admin/basic/voice/system
grep -q 'id="f-Connection_Type"' "$WORK/body" || dp_fail "basic System lacks Connection Type"
grep -q 'f-Restricted_Access_Domains\|f-DHCP_Timeout' "$WORK/body" &&
	dp_fail "basic System shows advanced settings"

# the SIP page: call appearances with their label and range
SIPPAGE=/admin/advanced/voice/sip
web_expect 200 -b "$WORK/jar" $SIPPAGE
grep -q '<label for="f-Call_Appearances_Per_Line">Call Appearances Per Line<' \
	"$WORK/body" || dp_fail "no Call Appearances Per Line on the SIP page"
submit "$WORK/jar" $SIPPAGE 400 Call_Appearances_Per_Line=-1
grep -q 'id="e-Call_Appearances_Per_Line">Call Appearances Per Line: .*1 to 10' \
	"$WORK/body" || dp_fail "no 1 to 10 error for Call Appearances Per Line"
submit "$WORK/jar" $SIPPAGE 303 Call_Appearances_Per_Line=3
expect_param org.deskphone.Sip Call_Appearances_Per_Line 3

# --- changes reach their owners (one submit, two daemons on System)
# sipd refuses '"' in a display name; test-web-html covers it
NAME="Lobby <B> & Co's"
submit "$WORK/jar" $EXT1 303 "Display_Name_1_=$NAME" Proxy_1_=127.0.0.1:25999 \
	Password_1_=s3cr3t-XYZ Auth_INVITE_1_=Yes
[ "$(web_header Location)" = "$EXT1?saved=4" ] ||
	dp_fail "unexpected redirect $(web_header Location)"
expect_param org.deskphone.Sip Display_Name_1_ "$NAME"
expect_param org.deskphone.Sip Proxy_1_ 127.0.0.1:25999
expect_param org.deskphone.Sip Auth_INVITE_1_ Yes
grep -q "^Password_1_.*s3cr3t-XYZ" "$WORK/state-sip/sipd.conf" ||
	dp_fail "the password did not reach sipd"
web_expect 200 -b "$WORK/jar" "$EXT1?saved=4"
grep -q "Changes saved" "$WORK/body" || dp_fail "no saved note"
grep -q 'value="Lobby &lt;B&gt; &amp; Co&#39;s"' "$WORK/body" ||
	dp_fail "Display_Name_1_ not shown escaped"
grep -q "s3cr3t" "$WORK/body" && dp_fail "the password was sent to the browser"

# an empty password field keeps the password
submit "$WORK/jar" $EXT1 303 Register_Expires_1_=600
expect_param org.deskphone.Sip Register_Expires_1_ 600
grep -q "^Password_1_.*s3cr3t-XYZ" "$WORK/state-sip/sipd.conf" ||
	dp_fail "an empty password field changed the password"

submit "$WORK/jar" $SYSTEM 303 "Restricted_Access_Domains=example.com" \
	Primary_DNS=10.77.0.53 NetMask=255.255.255.0
expect_param org.deskphone.Sip Restricted_Access_Domains example.com
expect_param org.deskphone.Net Primary_DNS 10.77.0.53
expect_param org.deskphone.Net NetMask 255.255.255.0

# --- refused values: the error names the field, nothing is applied
submit "$WORK/jar" $SYSTEM 400 Restricted_Access_Domains=changed.example \
	NetMask=255.0.255.0
grep -q 'id="e-NetMask">NetMask: ' "$WORK/body" ||
	dp_fail "no error next to NetMask: $(grep -o 'class="err"[^<]*' "$WORK/body")"
grep -q "Nothing was changed" "$WORK/body" || dp_fail "no summary of the refusal"
grep -q 'id="f-Restricted_Access_Domains" [^>]*value="changed.example"' \
	"$WORK/body" || dp_fail "the other edit was not kept in the form"
expect_param org.deskphone.Sip Restricted_Access_Domains example.com
expect_param org.deskphone.Net NetMask 255.255.255.0

# a value only the owner refuses (netd: no loopback gateway) after sipd
# took its part: sipd's change is undone, the page names the setting
submit "$WORK/jar" $SYSTEM 400 Restricted_Access_Domains=undone.example \
	Gateway=127.0.0.1
grep -q 'id="e-Gateway">Gateway: ' "$WORK/body" ||
	dp_fail "netd's refusal not next to Gateway: $(grep -o 'class="err"[^<]*' "$WORK/body")"
grep -q "Nothing was changed. netd refused: Gateway: " "$WORK/body" ||
	dp_fail "the page does not say which daemon refused which setting"
expect_param org.deskphone.Sip Restricted_Access_Domains example.com
expect_param org.deskphone.Net Gateway ""
grep -q "Undid 1 change(s) on org.deskphone.Sip" "$WORK/webd.log" ||
	dp_fail "webd did not undo sipd's part"

submit "$WORK/jar" $EXT1 400 Display_Name_1_=Bob "Proxy_1_=bad host"
grep -q 'id="e-Proxy_1_">Proxy: ' "$WORK/body" || dp_fail "no error next to Proxy_1_"
grep -q 'id="f-Display_Name_1_" [^>]*value="Bob"' "$WORK/body" ||
	dp_fail "Display_Name_1_ edit not kept"
expect_param org.deskphone.Sip Display_Name_1_ "$NAME"
expect_param org.deskphone.Sip Proxy_1_ 127.0.0.1:25999

# --- the owners keep the values over a restart
dp_stop sip
dp_stop net
start_sip sip2
start_net net2
expect_param org.deskphone.Sip Proxy_1_ 127.0.0.1:25999
expect_param org.deskphone.Sip Restricted_Access_Domains example.com
expect_param org.deskphone.Sip Register_Expires_1_ 600
expect_param org.deskphone.Net Primary_DNS 10.77.0.53
web_expect 200 -b "$WORK/jar" $EXT1
grep -q 'id="f-Proxy_1_" [^>]*value="127.0.0.1:25999"' "$WORK/body" ||
	dp_fail "Proxy_1_ not shown after the restart"

# --- Info shows both daemons' status
web_expect 200 -b "$WORK/jar" /info
grep -q "<dt>Registration State</dt><dd>[a-z]" "$WORK/body" ||
	dp_fail "no registration state on Info"
grep -q "<dt>State</dt><dd>[a-z]" "$WORK/body" || dp_fail "no network state on Info"
grep -q "<dt>\(sipd\|netd\)</dt><dd class=\"err\">" "$WORK/body" &&
	dp_fail "Info says sipd or netd is not running"

# --- a daemon that is gone: "not running", and a stale form is refused
dp_stop net2
start=$(date +%s%N)
web_expect 200 -b "$WORK/jar" /info
grep -q '<dt>netd</dt><dd class="err">not running' "$WORK/body" ||
	dp_fail "Info does not say netd is not running"
web_expect 200 -b "$WORK/jar" $SYSTEM
grep -q 'id="n-NetMask">netd: not running' "$WORK/body" ||
	dp_fail "System does not say netd is not running"
grep -q 'id="f-NetMask" type="text" disabled' "$WORK/body" ||
	dp_fail "NetMask is not disabled without netd"
web_expect 400 -b "$WORK/jar" --data-binary "@$WORK/form" $EXT1 >/dev/null
CSRF=$(web_csrf "$WORK/jar" $SYSTEM)
web_expect 400 -b "$WORK/jar" \
	--data "csrf=$CSRF&Restricted_Access_Domains=x.example&NetMask=255.0.0.0" $SYSTEM
expect_param org.deskphone.Sip Restricted_Access_Domains example.com
# without the netd fields the browser sends, the sipd one still applies
submit "$WORK/jar" $SYSTEM 303 Restricted_Access_Domains=y.example
expect_param org.deskphone.Sip Restricted_Access_Domains y.example

# --- a daemon that is stuck: the page still comes, saying so
pid=$(dp_pid sip2)
kill -STOP "$pid"
start=$(date +%s%N)
web_http -b "$WORK/jar" $EXT1 > "$WORK/status"
kill -CONT "$pid"
took=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$(cat "$WORK/status")" = 200 ] || dp_fail "Ext 1 failed while sipd was stuck"
grep -q 'id="n-Proxy_1_">sipd: not running' "$WORK/body" ||
	dp_fail "Ext 1 does not say sipd is not responding"
[ "$took" -lt 8000 ] || dp_fail "Ext 1 took $took ms with sipd stuck"
dp_log "page with a stuck sipd: $took ms"
web_expect 200 -b "$WORK/jar" $EXT1
grep -q "not running" "$WORK/body" && dp_fail "sipd still not running after SIGCONT"

# a clean exit (under --enable-sanitizers this also checks for leaks)
pid=$(dp_pid webd)
kill -TERM "$pid"
wait "$pid"
rc=$?
[ $rc = 0 ] || dp_fail "webd exited with $rc on SIGTERM"
echo "PASS: webd-settings"
