#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# CPU per call.
# 1. sipd's instructions per call under callgrind (stable on a noisy
#    machine): sipd runs under valgrind --tool=callgrind twice,
#    registered, with audiod; once sipp makes N calls (INVITE, 200, ACK,
#    BYE) and once none for as long; (Ir(N) - Ir(0)) / N.  The N-call
#    profile is kept (its top functions are printed to stderr).
# 2. audiod's CPU per active call: utime + stime from /proc/PID/stat
#    over 10 s of a call (sipp echoes the RTP back), as % of one core;
#    baresip as the phone in the same call for comparison (its audio
#    paced by its own timer: aufile and nullsink, see bench/lib.sh).
# Target: audiod under 2 % of a core per call.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/e2e/peers.sh"
. "$SRC/bench/lib.sh"

e2e_need kamailio baresip sipp valgrind callgrind_annotate busctl gdbus \
	dbus-daemon dbus-monitor ss
bench_programs

E2E_KPORT=5060
PHONE_PORT=5062
ALICE_PORT=5080
CALLS=$(bench_runs 50)
WINDOW=$([ -n "$BENCH_QUICK" ] && echo 1 || echo 10)
HZ=$(getconf CLK_TCK)
BENCH_BARESIP_AUDIO=paced

# sipd_under_callgrind NAME: sipd in valgrind, registered, answering
sipd_under_callgrind() {
	mkdir -p "$WORK/sipd-$1"
	dp_spawn "sipd-$1" valgrind --tool=callgrind \
		--callgrind-out-file="$WORK/callgrind.$1" \
		"$BUILD/sipd/sipd" --state-dir "$WORK/sipd-$1" \
		--bind 127.0.0.1 --port "$PHONE_PORT"
	dp_wait_name org.deskphone.Sip 60
	busctl --system --timeout=30 call org.deskphone.Sip /org/deskphone/Sip \
		org.deskphone.Parameters1 SetMany 'a{ss}' 3 \
		Proxy_1_ "127.0.0.1:$E2E_KPORT" User_ID_1_ 1000 \
		Password_1_ secret || dp_fail "cannot set sipd's account"
	dp_wait_for 30 bench_sipd_registered || dp_fail "sipd did not register"
	ANSWER=$(bench_sipd_autoanswer)
}

# total instructions of a callgrind output file
callgrind_total() {
	sed -n 's/^summary: *\([0-9]*\).*/\1/p; s/^totals: *\([0-9]*\).*/\1/p' \
		"$1" | head -n 1
}

stop_sipd() {
	dp_stop "sipd-$1"
	[ -n "$(dp_pid answerer)" ] && dp_stop answerer
	[ -s "$WORK/callgrind.$1" ] || dp_fail "callgrind wrote nothing for $1"
}

audiod_streaming() {
	dp_prop_is streaming org.deskphone.Audio /org/deskphone/Audio \
		org.deskphone.Audio1 State
}

alice_in_call() {
	e2e_bs_events_at_least alice CALL_ESTABLISHED 1
}

# cpu_percent PID SECONDS: % of one core used by PID over SECONDS
cpu_percent() {
	local a b

	a=$(bench_cpu_ticks "$1")
	sleep "$2"
	b=$(bench_cpu_ticks "$1")
	awk -v t=$((b - a)) -v hz="$HZ" -v s="$2" \
		'BEGIN { printf "%.2f\n", t / hz / s * 100 }'
}

bench_mic_tone 120
dp_start_bus
e2e_kamailio_start "$E2E_KPORT"
e2e_start_audiod phone_speaker phone_mic

# 1. sipd instructions per call
sipd_under_callgrind calls
t0=$(bench_now)
bench_sipp calls uac.xml "$PHONE_PORT" 1000 25001 26000 -m "$CALLS" -r 2 \
	-l 1 -d 0
bench_sipp_wait calls || dp_fail "sipp's calls to sipd failed" \
	"($(bench_sipp_count calls 'Failed call') failed)"
t1=$(bench_now)
stop_sipd calls
sipd_under_callgrind idle
sleep "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
stop_sipd idle
ir_calls=$(callgrind_total "$WORK/callgrind.calls")
ir_idle=$(callgrind_total "$WORK/callgrind.idle")
per_call=$(awk -v a="$ir_calls" -v b="$ir_idle" -v n="$CALLS" \
	'BEGIN { printf "%d\n", (a - b) / n }')
callgrind_annotate "$WORK/callgrind.calls" 2>/dev/null | head -n 40 \
	> "$WORK/callgrind-top.txt"
dp_log "sipd's top functions over $CALLS calls (self):"
sed -n '/^Ir/,$p' "$WORK/callgrind-top.txt" | head -n 20 >&2

# 2. audiod's CPU in a call, then baresip's
mkdir -p "$WORK/sipd"
e2e_start_sipd "$PHONE_PORT" "127.0.0.1:$E2E_KPORT" 1000 secret
dp_wait_for 10 bench_sipd_registered || dp_fail "sipd did not register"
bench_sipd_autoanswer > /dev/null
bench_baresip_phone alice alice "$ALICE_PORT" 4445 37000-37099 auto
audiod_idle=$(cpu_percent "$(dp_pid audiod)" "$WINDOW")
bench_sipp call1 uac.xml "$PHONE_PORT" 1000 25003 26200 -m 1 \
	-d $(((WINDOW + 4) * 1000)) -rtp_echo
dp_wait_for 10 audiod_streaming || dp_fail "the phone's call did not start"
sleep 1
audiod_call=$(cpu_percent "$(dp_pid audiod)" "$WINDOW")
bench_sipp_wait call1 || dp_fail "sipp's call to sipd failed"
baresip_idle=$(cpu_percent "$(dp_pid alice)" "$WINDOW")
bench_sipp call2 uac.xml "$ALICE_PORT" alice 25004 26300 -m 1 \
	-d $(((WINDOW + 4) * 1000)) -rtp_echo
dp_wait_for 10 alice_in_call || dp_fail "baresip's call did not start"
sleep 1
baresip_call=$(cpu_percent "$(dp_pid alice)" "$WINDOW")
bench_sipp_wait call2 || dp_fail "sipp's call to baresip failed"

echo "CPU per call"
printf '%-40s %14s\n' what value
printf '%-40s %14s\n' "sipd instructions, $CALLS calls" "$ir_calls"
printf '%-40s %14s\n' "sipd instructions, no call, as long" "$ir_idle"
printf '%-40s %14s\n' "sipd instructions per call" "$per_call"
printf '%-40s %14s\n' "audiod % of a core, idle (${WINDOW} s)" "$audiod_idle"
printf '%-40s %14s\n' "audiod % of a core, in a call" "$audiod_call"
printf '%-40s %14s\n' "baresip % of a core, idle" "$baresip_idle"
printf '%-40s %14s\n' "baresip % of a core, in a call" "$baresip_call"
echo
printf '%-40s %8s %s\n' target value verdict
printf '%-40s %8s %s\n' "audiod in a call < 2 % of a core" "$audiod_call" \
	"$(bench_cmp "$audiod_call" '<' 2)"
echo "sipd answered by: $ANSWER; the sipd profile: $WORK/callgrind.calls" \
	"(kept with DP_KEEP=1)"
bench_footer
