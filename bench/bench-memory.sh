#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Memory: PSS and RSS (/proc/PID/smaps_rollup) of each daemon and of the
# four together, idle (registered at kamailio) and in a call, against
# baresip as the phone (ALSA on the same file PCMs, registered, answering
# by itself), idle and in a call.  The caller is sipp with -rtp_echo, so
# RTP flows both ways and no second baresip shares baresip's libraries
# (which would lower its PSS).  PSS also shares pages with whatever
# else runs on the machine (other tests, on a shared one), so the
# distinct physical pages of each process and of the four together
# (bench/pageunion.py) are measured too: what they would take where
# nothing else maps their libraries.  Medians of 5 samples.  Target:
# the four together at most baresip's PSS, sipd alone at most half.
# webd is started on demand under systemd (deskphone-webd.socket) and
# exits after its idle time, so "four together" has webd not running
# (the three others): that is checked here by starting a webd through
# systemd-socket-activate, serving one request and seeing it exit.  The
# figures with webd always on (as the launcher runs it) are kept too.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/e2e/peers.sh"
. "$SRC/bench/lib.sh"

e2e_need kamailio baresip sipp busctl gdbus dbus-daemon dbus-monitor ss
bench_programs

E2E_KPORT=5060
PHONE_PORT=5062
ALICE_PORT=5080
SETTLE=$([ -n "$BENCH_QUICK" ] && echo 1 || echo 3)
SAMPLES=$(bench_runs 5)

# alone PID...: distinct physical pages of the group, KiB
alone() {
	python3 "$BENCH_DIR/pageunion.py" "$@" ||
		dp_fail "cannot read the pages of $*"
}

# sample KEY PID: "KEY PSS RSS USS ALONE" appended to samples.txt
sample() {
	local m

	m=$(bench_mem "$2") || dp_fail "cannot read the memory of $1 ($2)"
	echo "$1 $m $(alone "$2")" >> "$WORK/samples.txt"
}

# sample_stack STATE: the four daemons and their sum, at one moment:
# "demand-STATE" with webd on demand (not running: the other three),
# "stack-STATE" with webd always on
sample_stack() {
	local d m pss=0 rss=0 uss=0 pids=

	for d in sipd audiod netd webd; do
		if [ $d = webd ]; then
			# shellcheck disable=SC2086 # one PID per word
			echo "demand-$1 $pss $rss $uss $(alone $pids)" \
				>> "$WORK/samples.txt"
		fi
		m=$(bench_mem "$(dp_pid "$d")") ||
			dp_fail "cannot read the memory of $d"
		echo "$d-$1 $m $(alone "$(dp_pid "$d")")" >> "$WORK/samples.txt"
		pids="$pids $(dp_pid "$d")"
		set -- "$1" $m
		pss=$((pss + $2))
		rss=$((rss + $3))
		uss=$((uss + $4))
		set -- "$1"
	done
	# shellcheck disable=SC2086 # one PID per word
	echo "stack-$1 $pss $rss $uss $(alone $pids)" >> "$WORK/samples.txt"
}

# ended PID: the process is gone, or a zombie not yet reaped
ended() {
	[ ! -e "/proc/$1" ] ||
		[ "$(ps -o stat= -p "$1" 2> /dev/null | cut -c1)" = Z ]
}

# webd as deskphone-webd.socket runs it: systemd-socket-activate holds
# the socket and execs webd (--idle-exit 2) at the first connection;
# one HTTPS request, webd's memory right after it, then webd must exit.
# Writes "serving PSS RSS USS ALONE" and "exited MS" to ondemand.txt.
# Before bench_start_webd: both would want org.deskphone.Web.
ondemand_webd() {
	local activate=/usr/bin/systemd-socket-activate port=18443 pid t0

	: > "$WORK/ondemand.txt"
	[ -x "$activate" ] || dp_fail "no $activate (package systemd)"
	command -v curl > /dev/null || dp_fail "no curl (package curl)"
	mkdir -p "$WORK/webd-demand"
	dp_spawn webd-demand "$activate" -l "127.0.0.1:$port" --fdname=https \
		-E DBUS_SYSTEM_BUS_ADDRESS "$BUILD/webd/webd" \
		--state-dir "$WORK/webd-demand" --listen 127.0.0.1 \
		--idle-exit 2
	pid=$(dp_pid webd-demand)
	dp_wait_for 5 grep -q "Listening on 127.0.0.1:$port" \
		"$WORK/webd-demand.log" || dp_fail "no socket for webd on demand"
	curl -sk --max-time 20 -o /dev/null "https://127.0.0.1:$port/login" ||
		dp_fail "webd on demand did not serve"
	t0=$(date +%s%N)
	echo "serving $(bench_mem "$pid") $(alone "$pid")" \
		>> "$WORK/ondemand.txt"
	dp_wait_for 15 ended "$pid" || dp_fail "webd on demand did not exit"
	echo "exited $((($(date +%s%N) - t0) / 1000000))" >> "$WORK/ondemand.txt"
	grep -q "Idle for 2 s: exiting" "$WORK/webd-demand.log" ||
		dp_fail "webd on demand ended, but not on idle"
	dp_stop webd-demand
}

# samples WHAT...: SAMPLES samples of each WHAT (stack-STATE or
# KEY=PID), one second apart; other processes start and stop on a
# shared machine and move the shared pages, so the medians are kept
samples() {
	local i w

	for i in $(seq 1 "$SAMPLES"); do
		for w in "$@"; do
			case "$w" in
			stack-*) sample_stack "${w#stack-}" ;;
			*) sample "${w%%=*}" "${w#*=}" ;;
			esac
		done
		[ "$i" = "$SAMPLES" ] || sleep 1
	done
}

# median of column COL (2 PSS, 3 RSS, 4 USS, 5 alone) of KEY's samples
sample_median() {
	awk -v k="$1" -v c="$2" '$1 == k { print $c }' "$WORK/samples.txt" |
		bench_median
}

# row LABEL KEY: one table row from the medians, kept in mem.txt
row() {
	local m

	m="$(sample_median "$2" 2) $(sample_median "$2" 3)"
	m="$m $(sample_median "$2" 4) $(sample_median "$2" 5)"
	printf '%-30s %8s %8s %8s %8s\n' "$1" $m
	echo "$2 $m" >> "$WORK/mem.txt"
}

# the PSS recorded for KEY
pss_of() {
	awk -v k="$1" '$1 == k { print $2 }' "$WORK/mem.txt"
}

# the distinct pages recorded for KEY
alone_of() {
	awk -v k="$1" '$1 == k { print $5 }' "$WORK/mem.txt"
}

audiod_streaming() {
	dp_prop_is streaming org.deskphone.Audio /org/deskphone/Audio \
		org.deskphone.Audio1 State
}

alice_in_call() {
	e2e_bs_events_at_least alice CALL_ESTABLISHED 1
}

bench_mic_tone 120
dp_start_bus
e2e_kamailio_start "$E2E_KPORT"
e2e_start_audiod phone_speaker phone_mic
e2e_start_sipd "$PHONE_PORT" "127.0.0.1:$E2E_KPORT" 1000 secret
bench_start_netd
ondemand_webd
bench_start_webd
dp_wait_for 10 bench_sipd_registered || dp_fail "sipd did not register"
answer=$(bench_sipd_autoanswer)
bench_baresip_phone alice alice "$ALICE_PORT" 4445 37000-37099 auto

sleep "$SETTLE"
: > "$WORK/samples.txt"
samples stack-idle "baresip-idle=$(dp_pid alice)"
for d in sipd audiod netd webd alice; do
	dp_log "$d idle, largest RSS and PSS (KiB) by mapping:"
	bench_top_maps "$(dp_pid "$d")" 12 | sed 's/^/#   /' >&2
done

# our phone in a call: sipp calls sipd, which answers
bench_sipp call1 uac.xml "$PHONE_PORT" 1000 25001 26000 -m 1 \
	-d $(((SETTLE + SAMPLES + 4) * 1000)) -rtp_echo
dp_wait_for 10 audiod_streaming || dp_fail "the phone's call did not start"
sleep "$SETTLE"
samples stack-call
dp_log "audiod in a call, largest RSS and PSS (KiB) by mapping:"
bench_top_maps "$(dp_pid audiod)" 8 | sed 's/^/#   /' >&2
bench_sipp_wait call1 || dp_fail "sipp's call to sipd failed"

# baresip in a call
bench_sipp call2 uac.xml "$ALICE_PORT" alice 25002 26100 -m 1 \
	-d $(((SETTLE + SAMPLES + 4) * 1000)) -rtp_echo
dp_wait_for 10 alice_in_call || dp_fail "baresip's call did not start"
sleep "$SETTLE"
samples "baresip-call=$(dp_pid alice)"
dp_log "baresip in a call, largest RSS and PSS (KiB) by mapping:"
bench_top_maps "$(dp_pid alice)" 8 | sed 's/^/#   /' >&2
bench_sipp_wait call2 || dp_fail "sipp's call to baresip failed"

: > "$WORK/mem.txt"
{
	echo "memory in KiB, median of $SAMPLES samples"
	echo "(PSS: each library page shared among its users on this machine;"
	echo "USS: the pages no other process maps; alone: the distinct pages"
	echo "of the process or the group, what it takes where nothing else"
	echo "maps its libraries)"
	echo "four together: webd on demand (deskphone-webd.socket), so not"
	echo "running; with webd always on (the launcher) below it"
	printf '%-30s %8s %8s %8s %8s\n' what PSS RSS USS alone
	for s in idle call; do
		for d in sipd audiod netd; do
			row "$d $s" "$d-$s"
		done
		printf '%-30s %8s %8s %8s %8s\n' \
			"webd on demand $s" 0 0 0 0
		row "four together $s" "demand-$s"
		row "webd always on $s" "webd-$s"
		row "four, webd always on $s" "stack-$s"
		row "baresip $s" "baresip-$s"
	done
	set -- $(awk '$1 == "serving" { print $2, $3, $4, $5 }' \
		"$WORK/ondemand.txt")
	echo "webd on demand: while serving PSS $1 RSS $2 USS $3 alone $4;" \
		"gone $(awk '$1 == "exited" { print $2 }' \
		"$WORK/ondemand.txt") ms after the request (--idle-exit 2)"
} > "$WORK/table1.txt"
cat "$WORK/table1.txt"
echo
printf '%-44s %6s %s\n' target ratio verdict
for s in idle call; do
	r=$(bench_ratio "$(pss_of "demand-$s")" "$(pss_of "baresip-$s")")
	printf '%-44s %6s %s\n' "four together / baresip PSS ($s) <= 1" "$r" \
		"$(bench_cmp "$r" '<=' 1)"
	r=$(bench_ratio "$(pss_of "stack-$s")" "$(pss_of "baresip-$s")")
	printf '%-44s %6s %s\n' "  webd always on: PSS ($s) <= 1" "$r" \
		"$(bench_cmp "$r" '<=' 1)"
	r=$(bench_ratio "$(pss_of "sipd-$s")" "$(pss_of "baresip-$s")")
	printf '%-44s %6s %s\n' "sipd / baresip PSS ($s) <= 0.5" "$r" \
		"$(bench_cmp "$r" '<=' 0.5)"
	# the same on the distinct pages, which other processes do not move
	r=$(bench_ratio "$(alone_of "demand-$s")" "$(alone_of "baresip-$s")")
	printf '%-44s %6s %s\n' "four together / baresip alone ($s) <= 1" \
		"$r" "$(bench_cmp "$r" '<=' 1)"
	r=$(bench_ratio "$(alone_of "stack-$s")" "$(alone_of "baresip-$s")")
	printf '%-44s %6s %s\n' "  webd always on: alone ($s) <= 1" "$r" \
		"$(bench_cmp "$r" '<=' 1)"
	r=$(bench_ratio "$(alone_of "sipd-$s")" "$(alone_of "baresip-$s")")
	printf '%-44s %6s %s\n' "sipd / baresip alone ($s) <= 0.5" "$r" \
		"$(bench_cmp "$r" '<=' 0.5)"
done
echo "sipd answered by: $answer (native: its auto-answer parameter;" \
	"bus: a D-Bus client calling Answer())"
bench_footer
