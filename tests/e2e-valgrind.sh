#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The end-to-end call test (tests/e2e-call.sh: register, a call each
# way with audio checked, hang-ups from both sides) with sipd and
# audiod under valgrind memcheck: no memory error and no definite leak
# on the call path.
. "$top_srcdir/tests/lib.sh"

command -v valgrind >/dev/null || dp_skip "valgrind is not installed"

vg=$WORK/valgrind
mkdir -p "$vg"
memcheck="valgrind --leak-check=full --errors-for-leak-kinds=definite
	--show-leak-kinds=definite"
export E2E_SIPD_WRAP="$memcheck --log-file=$vg/sipd.%p"
export E2E_AUDIOD_WRAP="$memcheck --log-file=$vg/audiod.%p"

bash "$SRC/tests/e2e-call.sh" > "$WORK/e2e.log" 2>&1 ||
	dp_fail "the call test failed under valgrind: $(tail -n 20 "$WORK/e2e.log")"

ls "$vg"/sipd.* > /dev/null 2>&1 || dp_fail "valgrind wrote no sipd log"
ls "$vg"/audiod.* > /dev/null 2>&1 || dp_fail "valgrind wrote no audiod log"
bad=""
for f in "$vg"/sipd.* "$vg"/audiod.*; do
	# a log of valgrind's own helper processes has no summary
	grep -q 'Command:' "$f" || continue
	# The summary proves sipd exited through valgrind (a SIGKILL
	# would leave none): no errors, and nothing definitely lost.
	grep -q 'ERROR SUMMARY: 0 errors' "$f" || bad="$bad $f"
	grep -q 'definitely lost: [1-9]' "$f" && bad="$bad $f"
	grep -q -e 'All heap blocks were freed' -e 'definitely lost: 0 ' \
		"$f" || bad="$bad $f"
done
if [ -n "$bad" ]; then
	for f in $bad; do
		head -n 60 "$f" >&2
	done
	dp_fail "valgrind reported errors or leaks"
fi
dp_log "valgrind: no error and no definite leak in sipd and audiod" \
	"over the call test"
exit 0
