#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# webd's pages in a real browser (headless Chromium driven by Selenium)
# against the real sipd and netd: log in, Admin Login > advanced >
# Voice > System by clicks and as a URL, change System and Ext 1 and see
# it on D-Bus and after a reload, a wrong field stops the whole submit,
# Undo All Changes, keyboard only, no JavaScript, the user account.  Screenshots of every
# page go to $WORK/shots and $top_builddir/test-artifacts/webd-browser.
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/web/web-lib.sh"

[ -x "$WEBD" ] || dp_fail "$WEBD not built"
[ -x "$BUILD/sipd/sipd" ] || dp_fail "$BUILD/sipd/sipd not built"
[ -x "$BUILD/netd/netd" ] || dp_fail "$BUILD/netd/netd not built"
for f in /usr/bin/chromium /usr/bin/chromedriver; do
	[ -x $f ] || dp_skip "$f is not installed (chromium, chromium-driver)"
done
/usr/bin/python3 -c 'import selenium' 2>/dev/null ||
	dp_skip "python3-selenium is not installed"
command -v openssl >/dev/null || dp_skip "openssl is not installed"

mkdir -p "$WORK/state" "$WORK/state-sip" "$WORK/state-net" "$WORK/home"
echo "browser admin pw" > "$WORK/pwfile"
dp_start_bus
dp_spawn sip "$BUILD/sipd/sipd" --state-dir "$WORK/state-sip" \
	--bind 127.0.0.1 --port 25060
dp_spawn net "$BUILD/netd/netd" --state-dir "$WORK/state-net"
dp_wait_name org.deskphone.Sip
dp_wait_name org.deskphone.Net
web_start webd --admin-password-file "$WORK/pwfile"

# Chromium keeps its profile and caches under HOME: ours, not root's.
HOME="$WORK/home" /usr/bin/python3 "$SRC/tests/web/browser.py" "$WEB_BASE" \
	"$WEB_CA" "browser admin pw" "$WORK/shots" 2>"$WORK/browser.log"
rc=$?
mkdir -p "$BUILD/test-artifacts/webd-browser"
cp "$WORK"/shots/*.png "$BUILD/test-artifacts/webd-browser/" 2>/dev/null
[ $rc = 0 ] || { tail -n 20 "$WORK/browser.log" >&2; dp_fail "browser checks failed"; }
n=$(ls "$WORK"/shots/*.png | wc -l)
[ "$n" -ge 12 ] || dp_fail "only $n screenshots"
dp_log "$n screenshots in $BUILD/test-artifacts/webd-browser"

# what the browser set is still there after sipd and netd restart
dp_stop sip
dp_stop net
dp_spawn sip2 "$BUILD/sipd/sipd" --state-dir "$WORK/state-sip" \
	--bind 127.0.0.1 --port 25060
dp_spawn net2 "$BUILD/netd/netd" --state-dir "$WORK/state-net"
dp_wait_name org.deskphone.Sip
dp_wait_name org.deskphone.Net
[ "$(web_param org.deskphone.Sip Display_Name_1_)" = "User Desk" ] ||
	dp_fail "Display_Name_1_ lost over a restart"
[ "$(web_param org.deskphone.Net Static_IP)" = 10.77.0.2 ] ||
	dp_fail "Static_IP lost over a restart"
# a clean exit (under --enable-sanitizers this also checks for leaks)
pid=$(dp_pid webd)
kill -TERM "$pid"
wait "$pid"
rc=$?
[ $rc = 0 ] || dp_fail "webd exited with $rc on SIGTERM"
echo "PASS: webd-browser"
