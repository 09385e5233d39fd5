#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SIGKILL during saves: while webd submits a form, the real sipd or netd
# is killed at a random moment, many times over.  After each restart
# every setting of that submit must be all old or all new (one SetMany
# is one step), never empty, defaulted or mixed; webd itself keeps
# serving throughout.
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/web/web-lib.sh"

[ -x "$WEBD" ] || dp_fail "$WEBD not built"
[ -x "$BUILD/sipd/sipd" ] || dp_fail "$BUILD/sipd/sipd not built"
[ -x "$BUILD/netd/netd" ] || dp_fail "$BUILD/netd/netd not built"
command -v curl >/dev/null || dp_skip "curl is not installed"
FORM_BODY="/usr/bin/python3 $SRC/tests/web/form-body.py"
SYSTEM=/admin/advanced/voice/system
EXT1=/admin/advanced/voice/ext1
ROUNDS=${WEBD_KILL_ROUNDS:-40}

start_sip() {
	dp_spawn "$1" "$BUILD/sipd/sipd" --state-dir "$WORK/state-sip" \
		--bind 127.0.0.1 --port 25060
	dp_wait_name org.deskphone.Sip
}

start_net() {
	dp_spawn "$1" "$BUILD/netd/netd" --state-dir "$WORK/state-net"
	dp_wait_name org.deskphone.Net
}

# The values of generation G of each daemon's settings, one a line.
sip_values() {
	printf '%s\n' "Display_Name_1_=Gen $1" "User_ID_1_=u$1" \
		"Proxy_1_=127.0.0.1:$((30000 + $1))" "Register_Expires_1_=$((100 + $1))"
}
net_values() {
	printf '%s\n' "Static_IP=10.77.$1.2" "Gateway=10.77.$1.1" \
		"Primary_DNS=10.77.$1.53" "Secondary_DNS=10.77.$1.54"
}

# form_for sip|net GEN: $WORK/form with that generation's values
form_for() {
	local page values
	page=$(page_of "$1")
	mapfile -t values < <("$1"_values "$2")
	web_expect 200 -b "$WORK/jar" "$page"
	$FORM_BODY "$page" "${values[@]}" < "$WORK/body" > "$WORK/form" ||
		dp_fail "no form for $1"
}

# generation_of sip|net: which generation the daemon holds, or "mixed"
generation_of() {
	local who=$1 service name value gen="" g pair
	[ "$who" = sip ] && service=org.deskphone.Sip || service=org.deskphone.Net
	for name in $(${who}_values 0 | cut -d= -f1); do
		value=$(web_param $service "$name") || { echo "unreadable"; return; }
		case $name in
		Display_Name_1_) g=${value#Gen } ;;
		User_ID_1_) g=${value#u} ;;
		Proxy_1_) g=$(( ${value##*:} - 30000 )) ;;
		Register_Expires_1_) g=$((value - 100)) ;;
		*) g=$(echo "$value" | cut -d. -f3) ;;
		esac
		[ -n "$g" ] || { echo "empty:$name"; return; }
		[ -z "$gen" ] || [ "$gen" = "$g" ] || { echo "mixed"; return; }
		gen=$g
	done
	echo "$gen"
}

page_of() { [ "$1" = sip ] && echo $EXT1 || echo $SYSTEM; }

mkdir -p "$WORK/state" "$WORK/state-sip" "$WORK/state-net"
echo "kill admin pw" > "$WORK/pwfile"
dp_start_bus
start_sip sip0
start_net net0
web_start webd --admin-password-file "$WORK/pwfile"
web_login "kill admin pw" "$WORK/jar"
declare -A CUR NAME
NAME[sip]=sip0
NAME[net]=net0

# generation 1 of both, applied cleanly, so "old" is never a default
for who in sip net; do
	page=$(page_of $who)
	form_for $who 1
	web_expect 303 -b "$WORK/jar" --data-binary "@$WORK/form" $page
	CUR[$who]=1
	[ "$(generation_of $who)" = 1 ] || dp_fail "$who: generation 1 not applied"
done

new=0 old=0 start=$(date +%s)
for round in $(seq 2 $((ROUNDS + 1))); do
	who=$([ $((RANDOM % 2)) = 0 ] && echo sip || echo net)
	page=$(page_of $who)
	form_for $who $round

	curl -sS --max-time 10 --cacert "$WEB_CA" -o /dev/null \
		-w '%{http_code}' -b "$WORK/jar" --data-binary "@$WORK/form" \
		"$WEB_BASE$page" > "$WORK/code" 2>/dev/null &
	cpid=$!
	# 0-29 ms: before, during or after the SetMany and its save (a
	# submit takes about 15-25 ms here)
	sleep "0.0$(printf %02d $((RANDOM % 30)))"
	pid=$(dp_pid "${NAME[$who]}")
	kill -KILL "$pid"
	dp_stop "${NAME[$who]}"
	wait $cpid
	code=$(cat "$WORK/code")

	NAME[$who]=$who$round
	start_$who "${NAME[$who]}"
	gen=$(generation_of $who)
	case $gen in
	"$round") new=$((new + 1)); CUR[$who]=$round ;;
	"${CUR[$who]}") old=$((old + 1)) ;;
	*) dp_fail "round $round ($who killed, HTTP $code): settings are" \
		"'$gen', expected ${CUR[$who]} or $round" ;;
	esac
	# webd said "saved" only if it was
	[ "$code" != 303 ] || [ "$gen" = "$round" ] ||
		dp_fail "round $round: webd said saved, $who holds $gen"
	dp_log "round $round: $who killed, HTTP $code, generation $gen"
	kill -0 "$(dp_pid webd)" || dp_fail "webd died in round $round"
done
took=$(( $(date +%s) - start ))
dp_log "$ROUNDS rounds in $took s: $new new, $old old"
[ -z "$(ls "$WORK"/state-sip/*.damaged* "$WORK"/state-net/*.damaged* 2>/dev/null)" ] ||
	dp_fail "a damaged settings file was set aside"

# webd still works and shows the last generation
web_expect 200 -b "$WORK/jar" $EXT1
grep -q "value=\"Gen ${CUR[sip]}\"" "$WORK/body" || dp_fail "Ext 1 does not show Gen ${CUR[sip]}"
# a clean exit (under --enable-sanitizers this also checks for leaks)
pid=$(dp_pid webd)
kill -TERM "$pid"
wait "$pid"
rc=$?
[ $rc = 0 ] || dp_fail "webd exited with $rc on SIGTERM"
echo "PASS: webd-kill"
