#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The committed introspection XML (dbus/*.xml) matches what the running
# daemons introspect, interface by interface, after both are put in one
# canonical form (tests/dbus-introspect.py).  On a mismatch the diff is
# printed; DP_UPDATE_XML=1 rewrites dbus/*.xml from the live daemons.
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"

for d in sipd/sipd audiod/audiod netd/netd webd/webd; do
	[ -x "$BUILD/$d" ] || dp_skip "$d not built"
done
command -v python3 >/dev/null || dp_skip "no python3"

dp_start_bus
for d in sipd audiod netd webd; do
	mkdir -p "$WORK/state-$d"
done
echo "introspect-test" > "$WORK/pw"
dp_spawn sipd "$BUILD/sipd/sipd" --state-dir "$WORK/state-sipd" \
	--bind 127.0.0.1 --port 25071
dp_spawn audiod "$BUILD/audiod/audiod" --state-dir "$WORK/state-audiod"
dp_spawn netd "$BUILD/netd/netd" --state-dir "$WORK/state-netd"
dp_spawn webd "$BUILD/webd/webd" --state-dir "$WORK/state-webd" \
	--listen 127.0.0.1 --port 0 --admin-password-file "$WORK/pw"
for p in Sip Audio Net Web; do
	dp_wait_name org.deskphone.$p
done

canon() {
	python3 "$SRC/tests/dbus-introspect.py" "$1"
}

# check PART INTERFACE: live introspection of org.deskphone.PART against
# dbus/INTERFACE.xml
bad=""
check() {
	local part=$1 iface=$2 file=$SRC/dbus/$2.xml
	busctl --system introspect --xml-interface "org.deskphone.$part" \
		"/org/deskphone/$part" > "$WORK/$part.live.xml" ||
		dp_fail "cannot introspect org.deskphone.$part"
	canon "$iface" < "$WORK/$part.live.xml" > "$WORK/$iface.$part.xml" ||
		dp_fail "org.deskphone.$part does not serve $iface"
	if [ -n "${DP_UPDATE_XML:-}" ]; then
		cp "$WORK/$iface.$part.xml" "$file"
		dp_log "wrote $file"
		return
	fi
	[ -f "$file" ] || dp_fail "$file missing"
	canon "$iface" < "$file" > "$WORK/$iface.committed.xml" ||
		dp_fail "$file does not describe $iface"
	if ! diff -u "$WORK/$iface.committed.xml" "$WORK/$iface.$part.xml" \
		> "$WORK/$iface.$part.diff"; then
		echo "# $iface on org.deskphone.$part differs from $file" \
			"(- committed, + live):" >&2
		cat "$WORK/$iface.$part.diff" >&2
		bad="$bad $iface@$part"
	fi
}

check Sip org.deskphone.Sip1
check Audio org.deskphone.Audio1
check Net org.deskphone.Net1
check Web org.deskphone.Web1
# One Parameters1 for every daemon that has parameters.
check Sip org.deskphone.Parameters1
check Audio org.deskphone.Parameters1
check Net org.deskphone.Parameters1

# webd has no parameters interface of its own.
python3 "$SRC/tests/dbus-introspect.py" org.deskphone.Parameters1 \
	< "$WORK/Web.live.xml" > /dev/null 2>&1 &&
	dp_fail "webd serves org.deskphone.Parameters1 (not in docs/DESIGN.md)"

[ -z "$bad" ] || dp_fail "introspection differs:$bad; if the change is" \
	"meant, run: DP_UPDATE_XML=1 make check TESTS=tests/dbus-introspect.sh"
exit 0
