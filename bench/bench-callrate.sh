#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SIP call rate: sipp as the caller (bench/uac.xml: INVITE, 200, ACK,
# BYE, its pause taken out) straight to the phone at rising rates, STEP seconds
# each, until a call fails or the phone no longer keeps up (under 70 %
# of the offered rate), in the same run against
#   - sipd (with audiod) answering by itself: its Auto_Answer_1_
#     parameter when it has one, else a D-Bus client calling Answer();
#   - sipd with Auth_INVITE_1_=Yes (bench/uac-auth.xml: 401, then the
#     INVITE with the digest);
#   - baresip as the phone (answermode=auto, audio paced by its timer).
# baresip has no Auth INVITE of its own, so that row is sipd's only.
# Both take up to four calls at once (BENCH_CALLS): baresip's
# call_max_calls, and sipd's Call_Appearances_Per_Line (a call beyond
# gets 486 Busy Here; a second one waits and is answered when the first
# ends).  Both are also ramped with sipp -l 1 (at most one call open:
# "serial").
# A target's figure is its best achieved rate (calls / seconds) over
# the steps without a failure.
# UDP only: Debian's sipp has no TLS (notes: test-peers.md 2).
# Target: sipd's best zero-failure rate at least 2x baresip's.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/e2e/peers.sh"
. "$SRC/bench/lib.sh"

e2e_need kamailio baresip sipp busctl gdbus dbus-daemon dbus-monitor ss
bench_programs

E2E_KPORT=5060
PHONE_PORT=5062
ALICE_PORT=5080
BENCH_BARESIP_AUDIO=paced
if [ -n "$BENCH_QUICK" ]; then
	RATES="5"
	STEP=1
else
	# fine steps from 100 on, so that each gets a fair maximum
	RATES=${BENCH_RATES:-"5 10 20 50 100 150 200 300 400 600 800"}
	STEP=${BENCH_STEP:-5}
fi
LPORT=25000
# BENCH_CALLS: calls at once for both phones (1..10), default 4
APPEARANCES=${BENCH_CALLS:-4}
# BENCH_TARGETS: a subset, e.g. "sipd baresip"
TARGETS=${BENCH_TARGETS:-"sipd sipd-auth sipd-serial baresip baresip-serial"}

# sip_set NAME VALUE
sip_set() {
	busctl --system call org.deskphone.Sip /org/deskphone/Sip \
		org.deskphone.Parameters1 Set ss "$1" "$2" ||
		dp_fail "sipd refused $1=$2"
}

sipd_idle() {
	dp_prop_is idle org.deskphone.Sip /org/deskphone/Sip \
		org.deskphone.Sip1 CallState
}

# The scenarios without their <pause/>: even "-d 0" makes sipp wait for
# its scheduler there, 3 to 5 ms a call (sipd's SIP log: median 4.7 ms
# from the ACK to the BYE), which the phones would be measured with.
mkdir -p "$WORK/scenarios"
for sf in uac.xml uac-auth.xml; do
	sed '/^ *<pause\/> *$/d' "$BENCH_DIR/$sf" > "$WORK/scenarios/$sf"
	grep -q '<pause' "$WORK/scenarios/$sf" &&
		dp_fail "cannot take the pause out of $sf"
done

# step TARGET SCENARIO PORT SERVICE RATE [sipp options]: one rate;
# appends "RATE OK FAILED SECONDS" to $WORK/TARGET.txt, fails if a
# call failed
step() {
	local target=$1 sf=$2 port=$3 svc=$4 rate=$5 t0 t1 ok bad rc
	shift 5

	LPORT=$((LPORT + 1))
	t0=$(bench_now)
	# bench_sipp reads the scenario from $BENCH_DIR
	BENCH_DIR=$WORK/scenarios bench_sipp "$target-$rate" "$sf" "$port" \
		"$svc" "$LPORT" \
		$((30000 + LPORT % 1000 * 2)) -r "$rate" -m $((rate * STEP)) \
		-d 0 "$@"
	bench_sipp_wait "$target-$rate"
	rc=$?
	t1=$(bench_now)
	ok=$(bench_sipp_count "$target-$rate" 'Successful call')
	bad=$(bench_sipp_count "$target-$rate" 'Failed call')
	echo "$rate ${ok:-0} ${bad:-0} $(bench_ms "$t0" "$t1")" \
		>> "$WORK/$target.txt"
	dp_log "$target at $rate/s: ${ok:-0} ok, ${bad:-0} failed, rc $rc"
	# let the phone go back to idle between the steps
	sleep 1
	[ "$rc" = 0 ] && [ "${bad:-0}" = 0 ] || return 1
	# saturated: it no longer keeps up with the offered rate
	awk -v o="${ok:-0}" -v r="$rate" -v s="$(bench_ms "$t0" "$t1")" \
		'BEGIN { exit !(o / (s / 1000) >= 0.7 * r) }'
}

# ramp TARGET SCENARIO PORT SERVICE [sipp options]
ramp() {
	local rate

	: > "$WORK/$1.txt"
	case " $TARGETS " in
	*" $1 "*) ;;
	*) return 0 ;;
	esac
	for rate in $RATES; do
		step "$1" "$2" "$3" "$4" "$rate" "${@:5}" || break
	done
}

# best achieved rate of TARGET over its steps without a failure
best() {
	awk '$3 == 0 && $2 > 0 && $4 > 0 { a = $2 / ($4 / 1000);
		if (a > r) r = a } END { printf "%.1f\n", r }' "$WORK/$1.txt"
}

bench_mic_tone 120
dp_start_bus
e2e_kamailio_start "$E2E_KPORT"
e2e_start_audiod phone_speaker phone_mic
e2e_start_sipd "$PHONE_PORT" "127.0.0.1:$E2E_KPORT" 1000 secret
dp_wait_for 10 bench_sipd_registered || dp_fail "sipd did not register"
answer=$(bench_sipd_autoanswer)
# like baresip's call_max_calls (bench/lib.sh sets it from BENCH_CALLS)
if bench_sip_param_exists Call_Appearances_Per_Line; then
	sip_set Call_Appearances_Per_Line "$APPEARANCES"
	appearances="Call_Appearances_Per_Line=$APPEARANCES"
else
	appearances="one call at a time (no Call_Appearances_Per_Line)"
fi
bench_baresip_phone alice alice "$ALICE_PORT" 4445 37000-37099 auto

ramp sipd uac.xml "$PHONE_PORT" 1000
dp_wait_for 10 sipd_idle || dp_fail "sipd does not go back to idle"
sip_set Auth_INVITE_1_ Yes
ramp sipd-auth uac-auth.xml "$PHONE_PORT" 1000 -au 1000 -ap secret \
	-auth_uri "1000@127.0.0.1:$PHONE_PORT"
sip_set Auth_INVITE_1_ No
ramp sipd-serial uac.xml "$PHONE_PORT" 1000 -l 1
ramp baresip uac.xml "$ALICE_PORT" alice
ramp baresip-serial uac.xml "$ALICE_PORT" alice -l 1

echo "SIP calls/s (sipp uac straight to the phone, UDP, ${STEP} s a step)"
printf '%-16s %6s %6s %6s %9s %9s\n' target rate ok failed seconds \
	achieved
for t in $TARGETS; do
	while read -r rate ok bad ms; do
		awk -v t="$t" -v r="$rate" -v o="$ok" -v b="$bad" -v m="$ms" \
			'BEGIN { printf "%-16s %6s %6s %6s %9.2f %9.1f\n",
				t, r, o, b, m / 1000, o / (m / 1000) }'
	done < "$WORK/$t.txt"
done
echo
printf '%-44s %6s %s\n' "best achieved rate with no failure" calls/s
for t in $TARGETS; do
	printf '%-44s %6s\n' "$t" "$(best $t)"
done
echo
printf '%-44s %6s %s\n' target ratio verdict
r=$(bench_ratio "$(best sipd)" "$(best baresip)")
printf '%-44s %6s %s\n' "sipd / baresip >= 2" "$r" \
	"$(bench_cmp "$r" '>=' 2)"
r=$(bench_ratio "$(best sipd-serial)" "$(best baresip-serial)")
printf '%-44s %6s %s\n' "serial: sipd / baresip >= 2" "$r" \
	"$(bench_cmp "$r" '>=' 2)"
r=$(bench_ratio "$(best sipd-auth)" "$(best baresip)")
printf '%-44s %6s %s\n' "sipd with Auth INVITE / baresip >= 2" "$r" \
	"$(bench_cmp "$r" '>=' 2)"
echo "sipd answered by: $answer (native: Auto_Answer_1_; bus: a D-Bus" \
	"client calling Answer()); TLS: not measured (no TLS in Debian's sipp)"
echo "calls at once: sipd $appearances, baresip call_max_calls $APPEARANCES"
bench_footer
