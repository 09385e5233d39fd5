#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Known bugs found by fuzzing, replayed with the targets' known-bug
# guard off (FUZZ_KNOWN_BUGS=1).  NOT in TESTS: it fails until they are
# fixed (fuzz/README.md, "Findings").  Each input must finish within
# 10 s using less than 100 MB, as every seed does; the address space is
# capped at 1 GB so that a runaway allocation cannot hurt the machine
# (sofia then gives up when calloc fails, so the peak size is the
# evidence).  Needs /usr/bin/time (package time).
. "$top_srcdir/tests/lib.sh"

bad=0
for dir in "$SRC"/fuzz/regress/*/; do
	t=$(basename "$dir")
	for f in "$dir"*; do
		( ulimit -v 1048576
		  FUZZ_KNOWN_BUGS=1 /usr/bin/time -f "%M %e" -o "$WORK/time" \
			timeout 10 "$BUILD/fuzz/replay-$t" "$f" ) \
			> "$WORK/out" 2>&1
		rc=$?
		read -r kb secs < <(tail -1 "$WORK/time")
		if [ "$rc" = 0 ] && [ "${kb:-0}" -lt 102400 ]; then
			dp_log "$t/$(basename "$f"): ok ($kb KB, $secs s)"
		else
			dp_log "$t/$(basename "$f"): FAILS (exit $rc," \
				"$kb KB, $secs s)"
			bad=1
		fi
	done
done
[ "$bad" = 0 ] || dp_fail "known bugs still there"
