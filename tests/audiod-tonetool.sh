#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/tone-tool, which the audio tests rely on: generated tones are
# found again in raw, WAV and mu-law form; WAV files of other rates,
# widths and channel counts are read from their fmt chunk; wrong
# frequencies, silence and bad input give exit 1 and 2.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

TONE=$BUILD/tests/tone-tool
PY=/usr/bin/python3
[ -x "$TONE" ] || dp_fail "tests/tone-tool is not built"

# expect_rc RC CMD...: CMD exits with RC
expect_rc() {
	local want=$1 rc
	shift
	"$@" > "$WORK/out.txt" 2>&1
	rc=$?
	[ "$rc" = "$want" ] ||
		dp_fail "$* exited $rc, not $want: $(cat "$WORK/out.txt")"
	dp_log "$*: $(head -n 2 "$WORK/out.txt" | tr '\n' ' ')"
}

expect_rc 0 "$TONE" gen 700 2 "$WORK/t.raw"
[ "$(stat -c %s "$WORK/t.raw")" = 32000 ] || dp_fail "2 s raw is not 32000 B"
expect_rc 0 "$TONE" expect "$WORK/t.raw" 700
expect_rc 1 "$TONE" expect "$WORK/t.raw" 1000
expect_rc 0 "$TONE" expect "$WORK/t.raw" 690 --tolerance 10

expect_rc 0 "$TONE" gen 1000 1 "$WORK/t.wav"
[ "$(stat -c %s "$WORK/t.wav")" = 16044 ] || dp_fail "1 s WAV is not 16044 B"
[ "$(head -c 4 "$WORK/t.wav")" = RIFF ] || dp_fail "no RIFF header"
expect_rc 0 "$TONE" expect "$WORK/t.wav" 1000

expect_rc 0 "$TONE" gen 1500 1 "$WORK/t.ulaw" --ulaw
[ "$(stat -c %s "$WORK/t.ulaw")" = 8000 ] || dp_fail "1 s mu-law not 8000 B"
expect_rc 0 "$TONE" expect "$WORK/t.ulaw" 1500 --ulaw
expect_rc 0 "$TONE" gen 1500 1 "$WORK/u.wav" --ulaw
expect_rc 0 "$TONE" expect "$WORK/u.wav" 1500

# Two tones: both among the peaks.
expect_rc 0 "$TONE" gen 440 1 "$WORK/ring.raw" --freq2 480
"$TONE" detect "$WORK/ring.raw" --peaks 2 > "$WORK/peaks.txt"
grep -Eq 'peaks=(440,480|480,440) ' "$WORK/peaks.txt" ||
	dp_fail "two-tone peaks: $(cat "$WORK/peaks.txt")"

# --skip and --seconds: 1 s of tone after 1 s of silence.
"$TONE" gen 0 1 "$WORK/s.raw" && cat "$WORK/s.raw" "$WORK/t.raw" \
	> "$WORK/st.raw"
expect_rc 1 "$TONE" expect "$WORK/st.raw" 700 --seconds 0.9
expect_rc 0 "$TONE" expect "$WORK/st.raw" 700 --skip 1.1
expect_rc 0 "$TONE" expect "$WORK/st.raw" 700 --last 1.5
expect_rc 0 "$TONE" expect "$WORK/st.raw" 700 --seconds 1.5 --last 0.4
expect_rc 1 "$TONE" expect "$WORK/st.raw" 700 --seconds 1.0 --last 0.5
expect_rc 1 "$TONE" expect "$WORK/s.raw" 700
grep -q 'below' "$WORK/out.txt" || dp_fail "silence not reported as level"

# Other WAV layouts, and an extra chunk before the data.
"$PY" - "$WORK" <<'EOF' || dp_fail "cannot write the WAV fixtures"
import math, struct, sys, wave
d = sys.argv[1]
def make(name, rate, channels, width, freq):
    w = wave.open(d + '/' + name, 'wb')
    w.setnchannels(channels); w.setsampwidth(width); w.setframerate(rate)
    out = bytearray()
    for i in range(rate):
        v = 0.3 * math.sin(2 * math.pi * freq * i / rate)
        for c in range(channels):
            if width == 1:
                out += bytes([int(v * 127) + 128])
            elif width == 2:
                out += struct.pack('<h', int(v * 32767))
            else:
                out += struct.pack('<i', int(v * 8388607))[:3]
    w.writeframes(bytes(out)); w.close()
make('a.wav', 44100, 2, 2, 1230)
make('b.wav', 16000, 1, 3, 3210)
make('c.wav', 11025, 3, 1, 550)
raw = open(d + '/a.wav', 'rb').read()
# a LIST chunk between fmt and data, as many recorders write
junk = b'LIST' + struct.pack('<I', 5) + b'abcde' + b'\0'
fixed = raw[:36] + junk + raw[36:]
fixed = fixed[:4] + struct.pack('<I', len(fixed) - 8) + fixed[8:]
open(d + '/d.wav', 'wb').write(fixed)
# data size 0: a recording that was never finalised
open(d + '/e.wav', 'wb').write(raw[:40] + b'\0\0\0\0' + raw[44:])
EOF
expect_rc 0 "$TONE" expect "$WORK/a.wav" 1230
expect_rc 0 "$TONE" expect "$WORK/b.wav" 3210
expect_rc 0 "$TONE" expect "$WORK/c.wav" 550
expect_rc 0 "$TONE" expect "$WORK/d.wav" 1230
expect_rc 0 "$TONE" expect "$WORK/e.wav" 1230

# Bad input: exit 2 with a message, never a crash.
expect_rc 2 "$TONE" detect "$WORK/missing.wav"
printf 'RIFF\0\0\0\0WAVEdata\377\377\377\377' > "$WORK/nofmt.wav"
expect_rc 2 "$TONE" detect "$WORK/nofmt.wav"
head -c 30 "$WORK/t.wav" > "$WORK/cut.wav"
expect_rc 2 "$TONE" detect "$WORK/cut.wav"
expect_rc 2 "$TONE" gen abc 1 "$WORK/x.raw"
expect_rc 2 "$TONE" detect "$WORK/t.raw" --skip
expect_rc 2 "$TONE" frobnicate
dp_log "PASS"
