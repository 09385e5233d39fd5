#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# audiod opens its PCMs with a configuration of its own, without the
# conf.d directories of ALSA's load hook (audiod/alsaconf.h):
#  - a snippet in a conf.d directory named by the hook (here the test's
#    own copy of alsa.conf, pointing at $WORK/conf.d) is not read: it
#    would turn the playback device into one that cannot be opened;
#  - the files of ALSA_CONFIG_PATH still are: the ring tone reaches the
#    file PCM defined there;
#  - on a machine with libasound2-plugins' pulse.conf installed,
#    PulseAudio's client library is not mapped into audiod while it
#    plays.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
dp_unshare_net "$@"

AUDIOD=$BUILD/audiod/audiod
TONE=$BUILD/tests/tone-tool
SYSCONF=/usr/share/alsa/alsa.conf
PY=/usr/bin/python3

[ -x "$AUDIOD" ] || dp_fail "audiod is not built"
[ -x "$TONE" ] || dp_fail "tests/tone-tool is not built"
[ -x "$PY" ] || dp_skip "no /usr/bin/python3"
[ -r "$SYSCONF" ] || dp_skip "no $SYSCONF (alsa-lib's data)"
grep -q '"/etc/alsa/conf.d"' "$SYSCONF" ||
	dp_skip "$SYSCONF does not load /etc/alsa/conf.d"

# alsa.conf with the test's conf.d instead of /etc/alsa/conf.d.
mkdir -p "$WORK/conf.d" "$WORK/state"
sed "s|\"/etc/alsa/conf.d\"|\"$WORK/conf.d\"|" "$SYSCONF" \
	> "$WORK/alsa.conf"
grep -q "\"$WORK/conf.d\"" "$WORK/alsa.conf" ||
	dp_fail "cannot point alsa.conf at $WORK/conf.d"
printf 'pcm.!ring_out {\n\ttype hw\n\tcard 99\n}\n' \
	> "$WORK/conf.d/99-trap.conf"
printf 'pcm.ring_out {\n\ttype file\n\tslave.pcm "null"\n\tfile "%s"\n\tformat "wav"\n}\n' \
	"$WORK/ring.wav" > "$WORK/asound.conf"
export ALSA_CONFIG_PATH=$WORK/alsa.conf:$WORK/asound.conf

# The trap works: ALSA's own configuration does read the snippet.
"$PY" - <<'PYEOF' 2>/dev/null || dp_fail "ALSA itself ignores the trap"
import ctypes, sys
asound = ctypes.CDLL("libasound.so.2")
pcm = ctypes.c_void_p()
r = asound.snd_pcm_open(ctypes.byref(pcm), b"ring_out", 0, 1)
sys.exit(0 if r < 0 else 1)
PYEOF

dp_start_bus
dp_spawn audiod env DESKPHONE_LOG_LEVEL=debug "$AUDIOD" \
	--state-dir "$WORK/state"
dp_wait_name org.deskphone.Audio

audio() {
	busctl --system call org.deskphone.Audio /org/deskphone/Audio "$@"
}

audio org.deskphone.Parameters1 Set ss Playback_Device ring_out ||
	dp_fail "cannot set Playback_Device"
audio org.deskphone.Audio1 StartRing || dp_fail "StartRing failed"
dp_wait_prop 3 ringing org.deskphone.Audio /org/deskphone/Audio \
	org.deskphone.Audio1 State || dp_fail "audiod does not ring"
dp_prop_is true org.deskphone.Audio /org/deskphone/Audio \
	org.deskphone.Audio1 PlaybackOk ||
	dp_fail "playback device not opened (was the conf.d snippet read?)"
sleep 1

maps=$(cat "/proc/$(dp_pid audiod)/maps")
echo "$maps" | grep -q 'libasound\.so' || dp_fail "libasound not mapped?"
if [ -e /etc/alsa/conf.d/99-pulse.conf ]; then
	if echo "$maps" | grep -E 'libpulse|asound_module_conf_pulse'; then
		dp_fail "audiod maps PulseAudio's libraries"
	fi
	dp_log "pulse.conf is installed; libpulse is not mapped in audiod"
fi

audio org.deskphone.Audio1 StopRing || dp_fail "StopRing failed"
"$TONE" detect "$WORK/ring.wav" --skip 0.1 --seconds 0.8 --peaks 2 \
	> "$WORK/ring.txt" || dp_fail "cannot analyse ring.wav"
dp_log "ring: $(cat "$WORK/ring.txt")"
peaks=$(sed -n 's/.*peaks=\([0-9,]*\).*/\1/p' "$WORK/ring.txt")
echo ",$peaks," | grep -q ',440,' && echo ",$peaks," | grep -q ',480,' ||
	dp_fail "ring tone is not 440 + 480 Hz (peaks $peaks)"

dp_stop audiod
dp_log "audiod-alsaconf: ok"
