#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Memory: PSS and RSS (/proc/PID/smaps_rollup) of each daemon and of the
# four together, idle (registered at kamailio) and in a call, against
# baresip as the phone (ALSA on the same file PCMs, registered, answering
# by itself), idle and in a call.  The caller is sipp with -rtp_echo, so
# RTP flows both ways and no second baresip shares baresip's libraries
# (which would lower its PSS).  Target: the four together at most
# baresip's PSS, sipd alone at most half of it.
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

# measure LABEL KEY PID: one table row, also kept in mem.txt as KEY
measure() {
	local m

	m=$(bench_mem "$3") || dp_fail "cannot read the memory of $1 ($3)"
	printf '%-24s %8s %8s\n' "$1" $m
	echo "$2 $m" >> "$WORK/mem.txt"
}

# measure_stack STATE: the four daemons, then their sum
measure_stack() {
	local d

	for d in sipd audiod netd webd; do
		measure "$d $1" "$d-$1" "$(dp_pid "$d")"
	done
	awk -v s="$1" '$1 ~ "-" s "$" && $1 !~ /^baresip/ {
		pss += $2; rss += $3 } END {
		printf "%-24s %8s %8s\n", "four together " s, pss, rss
		print "stack-" s, pss, rss >> "'"$WORK"'/mem.txt" }' \
		"$WORK/mem.txt"
}

# the PSS recorded for KEY
pss_of() {
	awk -v k="$1" '$1 == k { print $2 }' "$WORK/mem.txt"
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
bench_start_webd
dp_wait_for 10 bench_sipd_registered || dp_fail "sipd did not register"
answer=$(bench_sipd_autoanswer)
bench_baresip_phone alice alice "$ALICE_PORT" 4445 37000-37099 auto

sleep "$SETTLE"
: > "$WORK/mem.txt"
{
	echo "memory in KiB (PSS shares each library page among its users)"
	printf '%-24s %8s %8s\n' what PSS RSS
	measure_stack idle
	measure "baresip idle" baresip-idle "$(dp_pid alice)"
} > "$WORK/table1.txt"
for d in sipd audiod netd webd alice; do
	dp_log "$d idle, largest PSS (KiB) by mapping:"
	bench_top_maps "$(dp_pid "$d")" 8 | sed 's/^/#   /' >&2
done

# our phone in a call: sipp calls sipd, which answers
bench_sipp call1 uac.xml "$PHONE_PORT" 1000 25001 26000 -m 1 \
	-d $(((SETTLE + 4) * 1000)) -rtp_echo
dp_wait_for 10 audiod_streaming || dp_fail "the phone's call did not start"
sleep "$SETTLE"
measure_stack call >> "$WORK/table1.txt"
bench_sipp_wait call1 || dp_fail "sipp's call to sipd failed"

# baresip in a call
bench_sipp call2 uac.xml "$ALICE_PORT" alice 25002 26100 -m 1 \
	-d $(((SETTLE + 4) * 1000)) -rtp_echo
dp_wait_for 10 alice_in_call || dp_fail "baresip's call did not start"
sleep "$SETTLE"
measure "baresip call" baresip-call "$(dp_pid alice)" >> "$WORK/table1.txt"
bench_sipp_wait call2 || dp_fail "sipp's call to baresip failed"

cat "$WORK/table1.txt"
echo
printf '%-44s %6s %s\n' target ratio verdict
for s in idle call; do
	r=$(bench_ratio "$(pss_of "stack-$s")" "$(pss_of "baresip-$s")")
	printf '%-44s %6s %s\n' "four together / baresip PSS ($s) <= 1" "$r" \
		"$(bench_cmp "$r" '<=' 1)"
	r=$(bench_ratio "$(pss_of "sipd-$s")" "$(pss_of "baresip-$s")")
	printf '%-44s %6s %s\n' "sipd / baresip PSS ($s) <= 0.5" "$r" \
		"$(bench_cmp "$r" '<=' 0.5)"
done
echo "sipd answered by: $answer (native: its auto-answer parameter;" \
	"bus: a D-Bus client calling Answer())"
bench_footer
