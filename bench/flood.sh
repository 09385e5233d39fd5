#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark (issue 7): call set-up time of the phone under a junk SIP
# flood against its idle value.  Needs root (private network namespace)
# and the peers of the end-to-end tests (kamailio, baresip).
#
#   bench/flood.sh [-b BUILDDIR] [SECONDS] [RATE]
#
# SECONDS of flood (default 30) at RATE messages/s (default 5000), once
# from 127.0.0.2 (outside Restricted_Access_Domains) and once from
# 127.0.0.1 (the registrar's address).  During each flood bob calls the
# phone again and again (answered, 2 s of audio checked both ways, bob
# hangs up); 5 idle calls come first.  Set-up = bob's dial to the
# phone's CallState "ringing".  Prints a table of min/median/max.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = -b ]; then
	export top_builddir=$2
	shift 2
fi
export top_srcdir=$here
export top_builddir=${top_builddir:-$here}
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
. "$SRC/tests/e2e/peers.sh"
. "$SRC/tests/flood-lib.sh"

SECS=${1:-30}
FLOOD_RATE=${2:-5000}
RESULTS=$WORK/results
n=0

# bench_calls LABEL SECONDS|COUNT: calls until the time or count is up
bench_calls() {
	local label=$1 until=$2 count=$3 i=0

	while :; do
		n=$((n + 1))
		i=$((i + 1))
		FLOOD_END_WAIT=35 flood_call "$n" "$label-$i"
		echo "$label $FLOOD_SETUP_MS $FLOOD_END_MS" >> "$RESULTS"
		[ "$i" -lt "$count" ] || break
		[ "$(date +%s)" -lt "$until" ] || break
	done
}

bench_flood() {
	local label=$1 src=$2 end

	flood_start "flood-$label" "$src" "$SECS"
	sleep 0.5
	end=$(($(date +%s) + SECS - 5))
	bench_calls "$label" "$end" 1000
	flood_wait "flood-$label"
	flood_alive sipd audiod kamailio
	grep -o 'sent.*' "$WORK/flood-$label.log" | sed "s/^/$label: /" \
		>> "$WORK/floods"
	# let sipd's retransmissions to the junk die out before the next
	dp_wait_prop 40 registered "${SIP[@]}" RegistrationState ||
		dp_fail "not registered after the $label flood"
	sleep 5
}

flood_setup
bench_calls idle 9999999999 5
bench_flood outside 127.0.0.2
bench_flood registrar 127.0.0.1

echo
echo "flood: $SECS s at $FLOOD_RATE junk SIP messages/s"
cat "$WORK/floods"
printf '%-10s %5s %10s %10s %10s %14s\n' source calls "min ms" \
	"median ms" "max ms" "max BYE->idle"
for label in idle outside registrar; do
	awk -v l="$label" '$1 == l { print $2, $3 }' "$RESULTS" | sort -n |
	awk -v l="$label" '{ v[NR] = $1; if ($2 > e) e = $2 }
		END { printf "%-10s %5d %10d %10d %10d %11d ms\n", l, NR,
			v[1], v[int((NR + 1) / 2)], v[NR], e }'
done
