#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Start-up: from starting the stack (the four daemons at once, the bus
# and kamailio already up, sipd's account already in its state
# directory) to kamailio's 200 OK to the REGISTER, against baresip
# started with its account.  The 200 OK is taken from a capture on lo
# (dumpcap), so both are timed the same way; median of N runs.  Every
# daemon has run once before in its state directory (webd has made its
# device certificate), so this is a normal boot, not the first one.
# Target: under 0.5 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/e2e/peers.sh"
. "$SRC/bench/lib.sh"

e2e_need kamailio baresip busctl gdbus dbus-daemon dumpcap tshark
bench_programs

E2E_KPORT=5060
PHONE_PORT=5062
ALICE_PORT=5080
RUNS=$(bench_runs 10)

start_stack() {
	dp_spawn audiod "$BUILD/audiod/audiod" --state-dir "$WORK/audiod"
	dp_spawn sipd "$BUILD/sipd/sipd" --state-dir "$WORK/sipd" \
		--bind 127.0.0.1 --port "$PHONE_PORT"
	dp_spawn netd "$BUILD/netd/netd" --state-dir "$WORK/netd"
	dp_spawn webd "$BUILD/webd/webd" --state-dir "$WORK/webd" \
		--listen 127.0.0.1 --port 0
}

stop_stack() {
	local d

	for d in webd netd sipd audiod; do
		dp_stop "$d"
	done
}

# the first 200 OK to a REGISTER sent to PORT after time FROM
# (tshark reads the capture so far)
ok_after() {
	tshark -r "$WORK/lo.pcapng" -Y "sip.Status-Code == 200 &&
		sip.CSeq.method == \"REGISTER\" && udp.dstport == $2" \
		-T fields -e frame.time_epoch 2>/dev/null |
		awk -v t="$1" '$1 > t { print; exit }'
}

# wait_ok FROM PORT: prints the time of that 200 OK
wait_ok() {
	local i t

	for i in $(seq 1 100); do
		t=$(ok_after "$1" "$2")
		[ -n "$t" ] && { echo "$t"; return 0; }
		sleep 0.1
	done
	return 1
}

dp_start_bus
dp_spawn capture dumpcap -i lo -f "udp port $E2E_KPORT" -w "$WORK/lo.pcapng" -q
dp_wait_for 10 grep -q "Capturing on" "$WORK/capture.log" ||
	dp_fail "dumpcap did not start"
e2e_kamailio_start "$E2E_KPORT"

# first boot: account in sipd.conf, webd's certificate, audiod.conf
mkdir -p "$WORK/audiod" "$WORK/sipd" "$WORK/netd" "$WORK/webd"
start_stack
for n in Audio Sip Net Web; do
	dp_wait_name "org.deskphone.$n" 30
done
busctl --system call org.deskphone.Sip /org/deskphone/Sip \
	org.deskphone.Parameters1 SetMany 'a{ss}' 3 \
	Proxy_1_ "127.0.0.1:$E2E_KPORT" User_ID_1_ 1000 Password_1_ secret ||
	dp_fail "cannot set sipd's account"
dp_wait_for 10 bench_sipd_registered || dp_fail "sipd did not register"
stop_stack

# baresip's configuration (its first start is a run like the others)
bench_mic_tone 1
e2e_alsa_config
mkdir -p "$WORK/alice"
sed -e "s|@SIP_PORT@|$ALICE_PORT|g" -e "s|@CTRL_PORT@|4445|g" \
	-e "s|@RTP_PORTS@|37000-37099|g" \
	"$BENCH_DIR/baresip-phone.conf.in" > "$WORK/alice/config"
sed -e "s|@USER@|alice|g" -e "s|@REGISTRAR@|127.0.0.1:$E2E_KPORT|g" \
	-e "s|@ANSWER@|auto|g" \
	"$BENCH_DIR/baresip-phone.accounts.in" > "$WORK/alice/accounts"
: > "$WORK/alice/contacts"

: > "$WORK/ours.txt"
: > "$WORK/baresip.txt"
for run in $(seq 1 "$RUNS"); do
	t0=$(bench_now)
	start_stack
	t1=$(wait_ok "$t0" "$PHONE_PORT") || dp_fail "run $run: no 200 OK"
	bench_ms "$t0" "$t1" >> "$WORK/ours.txt"
	echo >> "$WORK/ours.txt"
	stop_stack

	t0=$(bench_now)
	dp_spawn alice env \
		ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$WORK/asound.conf" \
		baresip -f "$WORK/alice"
	t1=$(wait_ok "$t0" "$ALICE_PORT") || dp_fail "run $run: no 200 OK"
	bench_ms "$t0" "$t1" >> "$WORK/baresip.txt"
	echo >> "$WORK/baresip.txt"
	dp_stop alice
	dp_log "run $run: ours $(tail -n 1 "$WORK/ours.txt") ms," \
		"baresip $(tail -n 1 "$WORK/baresip.txt") ms"
done

ours=$(bench_median < "$WORK/ours.txt")
theirs=$(bench_median < "$WORK/baresip.txt")
echo "start to REGISTER 200 OK, ms ($RUNS runs)"
printf '%-30s %8s %14s\n' what median min..max
printf '%-30s %8s %14s\n' "sipd+audiod+netd+webd" "$ours" \
	"$(bench_minmax < "$WORK/ours.txt")"
printf '%-30s %8s %14s\n' "baresip" "$theirs" \
	"$(bench_minmax < "$WORK/baresip.txt")"
echo
printf '%-30s %8s %s\n' target value verdict
printf '%-30s %8s %s\n' "ours < 500 ms" "$ours" \
	"$(bench_cmp "$ours" '<' 500)"
printf '%-30s %8s\n' "ours / baresip" "$(bench_ratio "$ours" "$theirs")"
bench_footer
