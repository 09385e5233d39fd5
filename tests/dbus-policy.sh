#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The bus policy (dbus/org.deskphone.conf) on a private bus that enforces
# the system bus's default-deny rules: an ordinary user may read status
# and parameters but not change anything or call actions; root may, and
# so may a member of the admin group deskphone-admin (named in a private
# copy of /etc/group, bind-mounted in a mount namespace of the test's own).
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"
if [ -z "${DP_IN_MOUNTNS:-}" ]; then
	rmdir "$WORK"
	DP_IN_MOUNTNS=1 exec unshare -m --propagation private -- \
		/bin/bash "$0" "$@"
fi
admin_gid=64990
getent group deskphone-admin > /dev/null ||
	{ cp /etc/group "$WORK/group" &&
	echo "deskphone-admin:x:$admin_gid:" >> "$WORK/group" &&
	chmod 0644 "$WORK/group" && mount --bind "$WORK/group" /etc/group; } ||
	dp_fail "cannot add the deskphone-admin group in the mount namespace"
admin_gid=$(getent group deskphone-admin | cut -d: -f3)

command -v setpriv >/dev/null || dp_skip "no setpriv"
# The nobody user must reach the bus socket.
chmod 0755 "$WORK"

dp_start_bus
mkdir -p "$WORK/state"
dp_spawn sipd "$BUILD/sipd/sipd" --state-dir "$WORK/state" \
	--bind 127.0.0.1 --port 25070
dp_spawn audiod "$BUILD/audiod/audiod" --state-dir "$WORK/state"
dp_wait_name org.deskphone.Sip
dp_wait_name org.deskphone.Audio

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" "$@"
}

# Reading is allowed.
as_nobody busctl --system get-property org.deskphone.Sip /org/deskphone/Sip \
	org.deskphone.Sip1 CallState > "$WORK/read.out" 2>&1 ||
	dp_fail "nobody cannot read CallState: $(cat "$WORK/read.out")"
as_nobody busctl --system call org.deskphone.Sip /org/deskphone/Sip \
	org.deskphone.Parameters1 Get s Display_Name_1_ > /dev/null 2>&1 ||
	dp_fail "nobody cannot read a parameter"
as_nobody busctl --system call org.deskphone.Audio /org/deskphone/Audio \
	org.deskphone.Parameters1 List > /dev/null 2>&1 ||
	dp_fail "nobody cannot list parameters"

# Changing anything is refused by the bus, with AccessDenied.
refused() {
	local out
	out=$(as_nobody busctl --system call "$@" 2>&1) &&
		dp_fail "nobody was allowed: $*"
	echo "$out" | grep -qi 'access denied\|AccessDenied' ||
		dp_fail "not refused by the policy ($out): $*"
}
refused org.deskphone.Sip /org/deskphone/Sip org.deskphone.Parameters1 \
	Set ss Display_Name_1_ Intruder
refused org.deskphone.Sip /org/deskphone/Sip org.deskphone.Parameters1 \
	SetMany 'a{ss}' 1 Display_Name_1_ Intruder
refused org.deskphone.Sip /org/deskphone/Sip org.deskphone.Sip1 \
	Dial s sip:1@127.0.0.1
refused org.deskphone.Sip /org/deskphone/Sip org.deskphone.Sip1 Hangup
refused org.deskphone.Audio /org/deskphone/Audio org.deskphone.Audio1 \
	StartRing
refused org.deskphone.Sip /org/deskphone/Sip org.freedesktop.DBus.Properties \
	Set ssv org.deskphone.Sip1 CallState s idle

# Nobody may own our names either.
out=$(as_nobody gdbus call --system --dest org.freedesktop.DBus \
	--object-path /org/freedesktop/DBus \
	--method org.freedesktop.DBus.RequestName org.deskphone.Fake 0 2>&1) &&
	dp_fail "nobody could own org.deskphone.Fake: $out"

v=$(busctl --system call org.deskphone.Sip /org/deskphone/Sip \
	org.deskphone.Parameters1 Get s Display_Name_1_)
[ "$v" != 's "Intruder"' ] || dp_fail "the refused write changed the value"

# A member of deskphone-admin may change settings and call actions.
as_admin() {
	setpriv --reuid=65534 --regid=65534 --groups="$admin_gid" \
		env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" "$@"
}
as_admin busctl --system call org.deskphone.Sip /org/deskphone/Sip \
	org.deskphone.Parameters1 Set ss Display_Name_1_ Admin ||
	dp_fail "a deskphone-admin member cannot set a parameter"
v=$(busctl --system call org.deskphone.Sip /org/deskphone/Sip \
	org.deskphone.Parameters1 Get s Display_Name_1_)
[ "$v" = 's "Admin"' ] || dp_fail "the admin's write did not apply: $v"
# admin_call ERROR DEST PATH IFACE METHOD [ARGS]: the call reaches the
# daemon (which answers ERROR, as it would root), not refused
admin_call() {
	local want=$1 out
	shift
	out=$(as_admin gdbus call --system --dest "$1" --object-path "$2" \
		--method "$3" "${@:4}" 2>&1)
	echo "$out" | grep -q "$want" ||
		dp_fail "a deskphone-admin member cannot call $3 ($out)"
}
admin_call org.deskphone.Error.NotFound org.deskphone.Sip /org/deskphone/Sip \
	org.deskphone.Sip1.Hangup
# sd-bus itself refuses non-root callers of methods that lack
# SD_BUS_VTABLE_UNPRIVILEGED, whatever the bus policy says.
if grep -qs SD_BUS_VTABLE_UNPRIVILEGED "$SRC"/audiod/*.c; then
	admin_call '^()$' org.deskphone.Audio /org/deskphone/Audio \
		org.deskphone.Audio1.StopRing
else
	dp_log "SKIP admin call to audiod: its methods lack" \
		"SD_BUS_VTABLE_UNPRIVILEGED, so sd-bus refuses" \
		"every non-root caller"
fi
# ... but may not own the daemons' names.
out=$(as_admin gdbus call --system --dest org.freedesktop.DBus \
	--object-path /org/freedesktop/DBus \
	--method org.freedesktop.DBus.RequestName org.deskphone.Fake 0 2>&1) &&
	dp_fail "a deskphone-admin member could own org.deskphone.Fake: $out"

# Root may change settings.
busctl --system call org.deskphone.Sip /org/deskphone/Sip \
	org.deskphone.Parameters1 Set ss Display_Name_1_ Lobby ||
	dp_fail "root cannot set a parameter"
v=$(busctl --system call org.deskphone.Sip /org/deskphone/Sip \
	org.deskphone.Parameters1 Get s Display_Name_1_)
[ "$v" = 's "Lobby"' ] || dp_fail "root's write did not apply: $v"
exit 0
