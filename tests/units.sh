#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The systemd units parse cleanly (systemd-analyze verify prints nothing:
# it returns 0 even on parse errors) and each service rates 2.0 or lower
# in systemd-analyze security.
. "$top_srcdir/tests/lib.sh"

command -v systemd-analyze >/dev/null || dp_skip "no systemd-analyze"

mkdir -p "$WORK/units"
for f in "$SRC"/systemd/*.service.in; do
	u=$(basename "$f" .in)
	# Point ExecStart at the built binaries so verify can find them.
	d=${u#deskphone-}
	d=${d%.service}
	sed -e "s|@sbindir@/$d|$BUILD/$d/$d|" -e "s|@docdir@|/usr/share/doc|" \
		"$f" > "$WORK/units/$u"
done
cp "$SRC/systemd/deskphone.target" "$WORK/units/"

cd "$WORK/units"
out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no \
	./*.service ./deskphone.target 2>&1 | grep -v -e 'dbus.socket' \
	-e 'Unit dbus.socket not found')
[ -z "$out" ] || dp_fail "systemd-analyze verify: $out"

for u in ./*.service; do
	score=$(systemd-analyze security --offline=yes --no-pager "$u" 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	[ -n "$score" ] || dp_fail "no security score for $u"
	dp_log "$u exposure $score"
	awk "BEGIN { exit !($score <= 2.0) }" ||
		dp_fail "$u rates $score, above 2.0"
done
