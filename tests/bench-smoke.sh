#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The benchmarks still run: each bench/bench-*.sh in its tiny mode
# (--quick: one run, one short step) must exit 0 and print its table,
# its target lines and the command that reproduces it.  The figures are
# not checked: this machine is too noisy for that (docs/PERFORMANCE.md).
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
[ "$(id -u)" = 0 ] || dp_skip "the benchmarks need root (namespaces)"
for p in kamailio baresip sipp valgrind dnsmasq busybox dhcpcd dumpcap \
	tshark; do
	command -v "$p" > /dev/null || dp_skip "$p is not installed"
done

# check NAME HEADER: bench/NAME --quick prints HEADER, a verdict line and
# the reproduce line
check() {
	local out=$WORK/$1.out

	dp_log "bench/$1 --quick"
	bash "$SRC/bench/$1" --quick > "$out" 2> "$WORK/$1.log" ||
		dp_fail "bench/$1 --quick failed: $(tail -n 5 "$WORK/$1.log")"
	cat "$out" >&2
	grep -q "$2" "$out" || dp_fail "bench/$1: no '$2' in its table"
	grep -Eq ' (met|MISSED|not measured)$' "$out" ||
		dp_fail "bench/$1: no target verdict"
	grep -q "^reproduce: sudo bench/$1 --quick" "$out" ||
		dp_fail "bench/$1: no reproduce line"
}

check bench-memory.sh '^four together idle  *[0-9][0-9]* '
check bench-startup.sh '^sipd+audiod+netd+webd  *[0-9.][0-9.]* '
check bench-dhcp.sh '^netd (default)  *[0-9.][0-9.]* '
check bench-cpu.sh '^sipd instructions per call  *-*[0-9][0-9]*$'
check bench-callrate.sh '^sipd  *5  *5  *0  *[0-9.]*  *[0-9.]*$'
exit 0
