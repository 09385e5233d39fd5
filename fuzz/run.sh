#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the fuzz targets with clang + libFuzzer and runs each for a
# bounded time, from its seed corpus in fuzz/corpus/<target>.
#
#   fuzz/run.sh [-b BUILDDIR] [-o OUTDIR] [-j JOBS] [SECONDS [TARGET...]]
#
# SECONDS per target (default 20); targets default to all of them.
# BUILDDIR is a configured build tree (for config.h; default
# $top_builddir, else the source tree); when it was configured with
# --enable-fuzzing CC=clang, its fuzz/fuzz-<target> are used as built.
# Each target's new corpus entries, crash inputs and log go to
# OUTDIR/<target> (default a new directory under /tmp, kept);
# fuzz/corpus is never written.
# Prints one line per target: executions, corpus size, crashes.
# Exit status 1 when any target crashed or could not be built.
set -u

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${top_builddir:-$SRC}
OUT=
JOBS=$(nproc 2>/dev/null || echo 1)
CLANG=${CLANG:-clang}
ALL="web params rtp sip sdp"

while getopts b:o:j: opt; do
	case $opt in
	b) BUILD=$OPTARG ;;
	o) OUT=$OPTARG ;;
	j) JOBS=$OPTARG ;;
	*) echo "usage: $0 [-b BUILD] [-o OUT] [-j JOBS] [SECONDS [TARGET...]]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
SECS=${1:-20}
[ $# -gt 0 ] && shift
TARGETS=${*:-$ALL}

[ -f "$BUILD/config.h" ] || {
	echo "$0: no config.h in $BUILD: configure first or give -b" >&2
	exit 2
}
command -v "$CLANG" > /dev/null || {
	echo "$0: $CLANG not found (apt-get install clang)" >&2
	exit 2
}
[ -n "$OUT" ] || OUT=$(mktemp -d /tmp/deskphone-fuzz.XXXXXX)
mkdir -p "$OUT"

# The sources each target links: the code under test, as in make.
fuzz_sources() {
	case $1 in
	web) echo "fuzz/fuzz-web.c webd/form.c webd/html.c webd/auth.c" \
		"common/daemon.c" ;;
	params) echo "fuzz/fuzz-params.c common/params.c sipd/params.c" ;;
	rtp) echo "fuzz/fuzz-rtp.c common/rtp.c common/g711.c" ;;
	sip) echo "fuzz/fuzz-sip.c sipd/util.c sipd/sdp-guard.c" ;;
	sdp) echo "fuzz/fuzz-sdp.c sipd/util.c sipd/sdp-guard.c" ;;
	*) return 1 ;;
	esac
}

fuzz_flags() {
	case $1 in
	web) echo "-I$SRC/webd $(pkg-config --cflags --libs gnutls)" ;;
	params) echo "-I$SRC/sipd $(pkg-config --cflags sofia-sip-ua libsystemd)" ;;
	sip|sdp) echo "-I$SRC/sipd $(pkg-config --cflags --libs sofia-sip-ua)" ;;
	esac
}

fuzz_build() {
	local t=$1 srcs

	# a --enable-fuzzing build tree already has it
	if [ -x "$BUILD/fuzz/fuzz-$t" ]; then
		mkdir -p "$OUT/$t"
		cp "$BUILD/fuzz/fuzz-$t" "$OUT/$t/"
		return 0
	fi

	srcs=$(fuzz_sources "$t") || { echo "$t: no such target" >&2; return 1; }
	mkdir -p "$OUT/$t"
	(cd "$SRC" && "$CLANG" -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -fno-omit-frame-pointer \
		-I"$SRC/common" -I"$SRC/fuzz" -include "$BUILD/config.h" \
		-o "$OUT/$t/fuzz-$t" $srcs fuzz/util.c common/log.c \
		$(fuzz_flags "$t")) > "$OUT/$t/build.log" 2>&1
}

# One target: build, explore from a copy of the seeds, summarise.
fuzz_one() {
	local t=$1 rc execs size crashes

	if ! fuzz_build "$t"; then
		echo "$t: BUILD FAILED (see $OUT/$t/build.log)"
		return 1
	fi

	mkdir -p "$OUT/$t/corpus" "$OUT/$t/crashes"
	cp "$SRC/fuzz/corpus/$t"/* "$OUT/$t/corpus/"
	(cd "$OUT/$t/crashes" && ASAN_OPTIONS=detect_leaks=1 \
		"$OUT/$t/fuzz-$t" -max_total_time="$SECS" -max_len=8192 \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		"$OUT/$t/corpus") > "$OUT/$t/fuzz.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: //p' \
		"$OUT/$t/fuzz.log")
	size=$(ls "$OUT/$t/corpus" | wc -l)
	crashes=$(ls "$OUT/$t/crashes" | wc -l)
	echo "$t: ${execs:-?} executions in ${SECS} s, corpus $size," \
		"crashes $crashes, exit $rc"
	[ "$rc" = 0 ] && [ "$crashes" = 0 ]
}

bad=0
running=0
for t in $TARGETS; do
	fuzz_one "$t" > "$OUT/$t.summary" 2>&1 &
	running=$((running + 1))
	if [ "$running" -ge "$JOBS" ]; then
		wait -n || bad=1
		running=$((running - 1))
	fi
done
while [ "$running" -gt 0 ]; do
	wait -n || bad=1
	running=$((running - 1))
done

for t in $TARGETS; do
	cat "$OUT/$t.summary"
done
echo "work directory: $OUT"
exit $bad
