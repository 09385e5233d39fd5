# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared helpers of the benchmarks.  Source after tests/lib.sh and
# tests/e2e/peers.sh.  Every process still goes through dp_spawn, so the
# EXIT trap of tests/lib.sh stops it by PID.
#
# Each bench script takes --quick (one run, one short step: what
# tests/bench-smoke.sh uses) and prints one table on stdout, then the
# command that reproduces it.  Progress goes to stderr.

BENCH_QUICK=
BENCH_ARGS="$*"
for bench_arg in "$@"; do
	case "$bench_arg" in
	--quick) BENCH_QUICK=1 ;;
	*) dp_fail "unknown option $bench_arg (only --quick)" ;;
	esac
done

BENCH_DIR=$SRC/bench

# bench_runs FULL: how many runs to make (1 in quick mode)
bench_runs() {
	if [ -n "$BENCH_QUICK" ]; then
		echo 1
	else
		echo "$1"
	fi
}

# bench_now: seconds since the epoch with microseconds
bench_now() {
	date +%s.%6N
}

# bench_ms FROM TO: milliseconds between two bench_now stamps
bench_ms() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'
}

# bench_median < numbers: the median (mean of the two middle ones)
bench_median() {
	grep -v '^-*$' | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench_minmax < numbers: "min..max"
bench_minmax() {
	sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END {
		if (NR) print lo ".." hi; else print "-" }'
}

# bench_mem PID: "PSS RSS USS" in KiB from /proc/PID/smaps_rollup (USS:
# the private pages, which do not depend on what else runs)
bench_mem() {
	awk '/^Rss:/ { rss = $2 } /^Pss:/ { pss = $2 }
		/^Private_(Clean|Dirty):/ { uss += $2 }
		END { if (rss == "") exit 1; print pss, rss, uss }' \
		"/proc/$1/smaps_rollup" 2>/dev/null
}

# bench_cpu_ticks PID: utime + stime of PID in clock ticks
bench_cpu_ticks() {
	# the command name (field 2) may hold spaces: cut after its ')'
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# bench_ratio A B: A / B with two decimals, "-" when either is missing
bench_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "" || b == "" || a == "-" || b == "-" || b + 0 == 0)
			print "-";
		else printf "%.2f\n", a / b }'
}

# bench_cmp VALUE OP LIMIT: "met" or "MISSED" for VALUE OP LIMIT (OP is
# <, <=, >=), "not measured" when VALUE is "-"
bench_cmp() {
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		if (v == "-" || v == "") { print "not measured"; exit }
		if (op == "<") ok = v + 0 < l + 0
		else if (op == "<=") ok = v + 0 <= l + 0
		else ok = v + 0 >= l + 0
		print (ok ? "met" : "MISSED") }'
}

# bench_footer: the machine and how to get the table again
bench_footer() {
	echo
	echo "machine: $(nproc) CPU $(sed -n 's/^model name[^:]*: //p' \
		/proc/cpuinfo | head -n 1), $(uname -r), $(date -u +%F)"
	local args=${BENCH_ARGS:+ $BENCH_ARGS}

	echo "reproduce: sudo bench/$(basename "$0")$args" \
		"(from the source tree; top_builddir=$BUILD)"
}

# The build products every bench needs.
bench_programs() {
	local d

	for d in sipd audiod netd webd; do
		[ -x "$BUILD/$d/$d" ] ||
			dp_fail "$d is not built ($BUILD/$d/$d)"
	done
	E2E_SIPD=$BUILD/sipd/sipd
	E2E_AUDIOD=$BUILD/audiod/audiod
}

# bench_mic_wav: $WORK/mic.wav, $WORK/mic.raw as a WAV file
bench_mic_wav() {
	python3 -c '
import sys, wave
w = wave.open(sys.argv[2], "wb")
w.setnchannels(1)
w.setsampwidth(2)
w.setframerate(8000)
w.writeframes(open(sys.argv[1], "rb").read())
w.close()' "$WORK/mic.raw" "$WORK/mic.wav" ||
		dp_fail "cannot write $WORK/mic.wav"
}

# bench_mic_tone SECONDS: $WORK/mic.raw, a 700 Hz tone (8 kHz S16LE)
bench_mic_tone() {
	python3 -c '
import math, struct, sys
n = int(sys.argv[1]) * 8000
w = 2 * math.pi * 700 / 8000
sys.stdout.buffer.write(b"".join(
    struct.pack("<h", int(8000 * math.sin(w * i))) for i in range(n)))
' "$1" > "$WORK/mic.raw" || dp_fail "cannot write the microphone tone"
}

# bench_start_webd: webd on an ephemeral port with its own state
bench_start_webd() {
	mkdir -p "$WORK/webd"
	dp_spawn webd "$BUILD/webd/webd" --state-dir "$WORK/webd" \
		--listen 127.0.0.1 --port 0
	dp_wait_name org.deskphone.Web 20
}

# bench_start_netd: netd without an interface (it touches nothing)
bench_start_netd() {
	mkdir -p "$WORK/netd"
	dp_spawn netd "$BUILD/netd/netd" --state-dir "$WORK/netd"
	dp_wait_name org.deskphone.Net
}

# bench_sip_param_exists NAME: sipd lists a parameter NAME
bench_sip_param_exists() {
	busctl --system call org.deskphone.Sip /org/deskphone/Sip \
		org.deskphone.Parameters1 List 2>/dev/null |
		grep -q "\"$1\""
}

# bench_sipd_autoanswer: answer every call at once.  sipd's own
# parameter when it has one (prints "native"), else a D-Bus client that
# calls Answer() on every ringing call (prints "bus").
bench_sipd_autoanswer() {
	local p

	for p in Auto_Answer_1_ Auto_Answer_Page_1_ Auto_Answer_Ext_1_; do
		if bench_sip_param_exists "$p"; then
			busctl --system call org.deskphone.Sip \
				/org/deskphone/Sip org.deskphone.Parameters1 \
				Set ss "$p" Yes >&2 ||
				dp_fail "sipd refused $p=Yes"
			echo "native"
			return 0
		fi
	done
	dp_spawn answerer /usr/bin/python3 "$BENCH_DIR/answerer.py"
	dp_wait_for 10 grep -q '^ready' "$WORK/answerer.log" ||
		dp_fail "the D-Bus answerer did not start"
	echo "bus"
}

# bench_baresip_phone NAME USER SIP_PORT CTRL_PORT RTP_PORTS ANSWER
# baresip as the phone users would pick instead, registered at kamailio
# as USER, answering by itself when ANSWER is "auto" (else "manual").
# Its audio: with BENCH_BARESIP_AUDIO=alsa (the default) ALSA on the
# same file PCMs as audiod ($WORK/asound.conf); those PCMs have no
# clock and baresip's alsa module then spins at full speed (141 % of a
# core in a call), so the CPU and call-rate benches use "paced": aufile
# sends $WORK/mic.wav and aubridge's nullsink plays, on baresip's timer.
bench_baresip_phone() {
	local name=$1 user=$2 sport=$3 cport=$4 rtp=$5 answer=$6
	local dir=$WORK/$name

	mkdir -p "$dir"
	sed -e "s|@SIP_PORT@|$sport|g" -e "s|@CTRL_PORT@|$cport|g" \
		-e "s|@RTP_PORTS@|$rtp|g" \
		-e "s|^call_max_calls.*|call_max_calls\t\t${BENCH_CALLS:-4}|" \
		"$BENCH_DIR/baresip-phone.conf.in" > "$dir/config"
	case "${BENCH_BARESIP_AUDIO:-alsa}" in
	alsa)
		e2e_alsa_config
		printf '%s\t\t%s\n' audio_player alsa,phone_speaker \
			audio_source alsa,phone_mic \
			audio_alert alsa,phone_speaker module alsa.so
		;;
	paced)
		bench_mic_wav
		printf '%s\t\t%s\n' audio_player aubridge,nullsink \
			audio_source "aufile,$WORK/mic.wav" \
			audio_alert aubridge,nullalert \
			module aufile.so module aubridge.so
		;;
	esac >> "$dir/config"
	sed -e "s|@USER@|$user|g" -e "s|@REGISTRAR@|127.0.0.1:$E2E_KPORT|g" \
		-e "s|@ANSWER@|$answer|g" \
		"$BENCH_DIR/baresip-phone.accounts.in" > "$dir/accounts"
	: > "$dir/contacts"
	mkfifo "$dir/ctl.fifo"
	dp_spawn "$name" env \
		ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$WORK/asound.conf" \
		baresip -f "$dir"
	dp_spawn "$name-ctl" "$E2E_DIR/baresip-ctl" "$cport" "$dir/ctl.fifo"
	dp_wait_for 10 grep -q '"connected"' "$WORK/$name-ctl.log" ||
		dp_fail "cannot connect to $name's ctrl_tcp port $cport"
	dp_wait_for 10 e2e_baresip_registered "$name" ||
		dp_fail "$name did not register as $user"
}

# bench_sipd_registered: sipd says registered
bench_sipd_registered() {
	dp_prop_is registered org.deskphone.Sip /org/deskphone/Sip \
		org.deskphone.Sip1 RegistrationState
}

# bench_sipp NAME SCENARIO PORT SERVICE LOCAL_PORT MEDIA_PORT [sipp options]
# One sipp caller at 127.0.0.1:PORT (in the background, as NAME); its
# log and exit status are $WORK/NAME.log and bench_sipp_wait NAME.
bench_sipp() {
	local name=$1 sf=$2 port=$3 svc=$4 lport=$5 mport=$6
	shift 6

	mkdir -p "$WORK/sipp-$name"
	# sipp writes its own files to the current directory
	dp_spawn "$name" sh -c 'cd "$1" && shift && exec "$@"' sh \
		"$WORK/sipp-$name" timeout 300 sipp -sf "$BENCH_DIR/$sf" \
		"127.0.0.1:$port" -i 127.0.0.1 -p "$lport" -mp "$mport" \
		-s "$svc" -nostdin -timeout 240s -timeout_error -trace_err \
		${BENCH_SIPP_OPTS:-} "$@"
}

# bench_sipp_wait NAME: sipp's exit status (0: every call succeeded)
bench_sipp_wait() {
	local pid rc

	pid=$(dp_pid "$1")
	wait "$pid"
	rc=$?
	DP_PIDS=$(echo "$DP_PIDS" | tr ' ' '\n' | grep -v "^$pid:" |
		tr '\n' ' ')
	return $rc
}

# bench_sipp_count NAME WHAT: sipp's final count of "Successful call" or
# "Failed call" (the cumulative column of its last screen)
bench_sipp_count() {
	grep "$2" "$WORK/$1.log" | tail -n 1 |
		awk -F'|' '{ gsub(/ /, "", $3); print ($3 == "" ? 0 : $3) }'
}

# bench_top_maps PID N: the N mappings (file or [heap] etc.) with the
# most RSS: "RSS PSS name" in KiB, summed per name
bench_top_maps() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { name = ($6 == "" ? "[anon]" : $6) }
		/^Rss:/ { rss[name] += $2 }
		/^Pss:/ { pss[name] += $2 }
		END { for (n in rss) print rss[n], pss[n], n }' \
		"/proc/$1/smaps" | sort -rn | head -n "$2"
}
