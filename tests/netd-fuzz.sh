#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The DHCP parser and client under fuzzing (tests/unit/test-dhcp-fuzz.c):
#  1. every seed of tests/net/dhcp-corpus is replayed through the target
#     as built by make (with --enable-sanitizers, under ASan/UBSan);
#  2. when clang with libFuzzer is there, the target is built with
#     -fsanitize=fuzzer,address,undefined and explores from the seeds
#     for DHCP_FUZZ_SECONDS (default 20) seconds; any crash fails, and
#     its input is left in the kept work directory.
# DHCP_FUZZ_SECONDS=0 runs only the replay.
. "$top_srcdir/tests/lib.sh"

corpus=$SRC/tests/net/dhcp-corpus
secs=${DHCP_FUZZ_SECONDS:-20}

"$BUILD/tests/unit/test-dhcp-fuzz" "$corpus"/* > "$WORK/replay.out" ||
	dp_fail "replay of the seed corpus failed: $(cat "$WORK/replay.out")"
n=$(ls "$corpus" | wc -l)
grep -qx "replayed $n input(s)" "$WORK/replay.out" ||
	dp_fail "replayed: $(cat "$WORK/replay.out"), expected $n"
dp_log "seed corpus replayed ($n inputs)"

[ "$secs" -gt 0 ] || exit 0
CLANG=${CLANG:-clang}
if ! command -v "$CLANG" >/dev/null; then
	dp_log "no clang: libFuzzer run skipped (apt-get install clang)"
	exit 0
fi

"$CLANG" -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -DDHCP_FUZZ_LIBFUZZER \
	-I"$SRC/common" -I"$BUILD" -o "$WORK/fuzz-dhcp" \
	"$SRC/tests/unit/test-dhcp-fuzz.c" "$SRC/common/dhcp-packet.c" \
	"$SRC/common/dhcp-client.c" "$SRC/common/dhcp-raw.c" \
	"$SRC/common/log.c" 2> "$WORK/clang.log" ||
	dp_fail "cannot build the fuzzer: $(tail -5 "$WORK/clang.log")"

mkdir -p "$WORK/corpus" "$WORK/crashes"
cp "$corpus"/* "$WORK/corpus/"
(cd "$WORK/crashes" && "$WORK/fuzz-dhcp" -max_total_time="$secs" \
	-max_len=2048 -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
	"$WORK/corpus") > "$WORK/fuzz.log" 2>&1 ||
	{ DP_KEEP=1; dp_fail "the fuzzer found a crash (see $WORK/crashes)"; }
grep -E '^stat::number_of_executed_units' "$WORK/fuzz.log" >&2
dp_log "libFuzzer ran ${secs} s without a crash"
exit 0
