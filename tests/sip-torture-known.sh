#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Known SIP/SDP bugs (tests/torture/known/*.sip), sent at an idle sipd
# as tests/sip-torture.sh does.  NOT in TESTS: it fails until they are
# fixed (fuzz/Makefile.inc lists it).  sipd runs with its address space
# capped at 1 GB, so that a runaway allocation cannot hurt the machine;
# after the messages it must still run and answer an OPTIONS.  Then
# the loop again from 127.0.0.2, outside Restricted_Access_Domains.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
dp_unshare_net "$@"

SPORT=5062
TORTURE=$SRC/tests/torture
cd "$WORK" || exit 1

sipd_listening() {
	ss -Hlnu | grep -q "127.0.0.1:$SPORT"
}

mkdir -p "$WORK/state"
dp_start_bus
dp_spawn audiod "$BUILD/sipd/sipd-fake-audiod" --port 40000
dp_wait_name org.deskphone.Audio
dp_spawn sipd prlimit --as=1073741824 -- "$BUILD/sipd/sipd" \
	--state-dir "$WORK/state" --bind 127.0.0.1 --port "$SPORT" \
	--log-level info
dp_wait_name org.deskphone.Sip
dp_wait_for 5 sipd_listening || dp_fail "sipd does not listen"

python3 "$TORTURE/send.py" 127.0.0.1 "$SPORT" "$TORTURE"/known/*.sip \
	> "$WORK/known.out" 2>&1
rc=$?
cat "$WORK/known.out" >&2
# from outside Restricted_Access_Domains (localhost = 127.0.0.1)
busctl --system call org.deskphone.Sip /org/deskphone/Sip \
	org.deskphone.Parameters1 Set ss Restricted_Access_Domains localhost ||
	dp_fail "cannot set Restricted_Access_Domains"
sleep 1
TORTURE_SRC=127.0.0.2 python3 "$TORTURE/send.py" 127.0.0.1 "$SPORT" \
	"$TORTURE"/known-rad/*.sip > "$WORK/rad.out" 2>&1 || rc=1
cat "$WORK/rad.out" >&2
rss=$(ps -o rss= -C sipd | sort -n | tail -1)
dp_log "sipd resident size after the messages: ${rss:-?} KB"
python3 "$TORTURE/send.py" 127.0.0.1 "$SPORT" \
	"$TORTURE/v12-options.sip" >&2 || dp_fail "sipd no longer answers"
[ "$rc" = 0 ] || dp_fail "known bugs still there"
