#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every fuzz target (fuzz/README.md):
#  1. its seed corpus fuzz/corpus/<t> is replayed through fuzz/replay-<t>
#     as built by make (under ASan/UBSan with --enable-sanitizers);
#  2. when clang is installed, fuzz/run.sh builds each with libFuzzer
#     and explores for FUZZ_SECONDS (default 20) seconds, two at a time;
#     any crash, hang or broken invariant fails, and the work directory
#     with the input is kept.
# FUZZ_SECONDS=0 runs only the replay.
. "$top_srcdir/tests/lib.sh"

secs=${FUZZ_SECONDS:-20}
targets="web params rtp sip sdp"

for t in $targets; do
	corpus=$SRC/fuzz/corpus/$t
	n=$(ls "$corpus" | wc -l)
	[ "$n" -gt 0 ] || dp_fail "empty seed corpus $corpus"
	timeout 60 "$BUILD/fuzz/replay-$t" "$corpus" > "$WORK/replay-$t.out" ||
		dp_fail "replay of $t failed: $(cat "$WORK/replay-$t.out")"
	grep -qx "replayed $n input(s)" "$WORK/replay-$t.out" ||
		dp_fail "$t: $(cat "$WORK/replay-$t.out"), expected $n"
	dp_log "$t: seed corpus replayed ($n inputs)"
done

[ "$secs" -gt 0 ] || exit 0
if ! command -v "${CLANG:-clang}" > /dev/null; then
	dp_log "no clang: libFuzzer runs skipped (apt-get install clang)"
	exit 0
fi

if ! "$SRC/fuzz/run.sh" -b "$BUILD" -o "$WORK/fuzz" "$secs" $targets \
	> "$WORK/run.out" 2>&1; then
	cat "$WORK/run.out" >&2
	DP_KEEP=1
	dp_fail "a fuzz target crashed or did not build (see $WORK/fuzz)"
fi
cat "$WORK/run.out" >&2
for t in $targets; do
	grep -q "^$t: [0-9]* executions in $secs s, corpus [0-9]*, crashes 0" \
		"$WORK/run.out" || dp_fail "$t: no clean run summary"
done
dp_log "all targets fuzzed ${secs} s each without a finding"
