#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/sipd-tls-mem.sh --quick: the TLS memory benchmark runs, every
# TLS handshake and re-registration completes, and sipd's RSS grows by
# less than 1 MiB (the full run: 10,000 connections, 1,000
# re-registrations).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
out=$WORK/bench.out
"$SRC/bench/sipd-tls-mem.sh" --quick > "$out" 2>&1
rc=$?
cat "$out" >&2
[ $rc = 77 ] && exit 77
[ $rc = 0 ] || dp_fail "the benchmark failed ($rc)"
grep -q '^sipd RSS growth: -\?[0-9]* KiB' "$out" ||
	dp_fail "the benchmark printed no RSS figure"
grep -q '^TLS port: 200 connections' "$out" || dp_fail "no TLS port phase"
grep -q '^registrar: 20 re-registrations' "$out" ||
	dp_fail "no re-registration phase"
exit 0
