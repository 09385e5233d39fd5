/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every target in fuzz/ defines the libFuzzer entry point.  Built with
 * -fsanitize=fuzzer (fuzz/run.sh, --enable-fuzzing) libFuzzer drives
 * it; built without, fuzz/replay.c adds a main() that feeds it every
 * file of a corpus, so each seed and each crash once found is replayed
 * by make check.
 *
 * A target calls abort() when an invariant of the code under test is
 * broken, so that a wrong answer is a finding just like a crash.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* @data as a NUL-terminated string, at most @max bytes; free() it. */
char *fuzz_strndup(const uint8_t *data, size_t size, size_t max);

/* Silences the code's logging once, so that runs are not I/O bound. */
void fuzz_quiet(const char *ident);

/*
 * True when @sdp has an m= line holding a byte outside the SDP token
 * set (RFC 4566 "token") or of an unusual shape: sofia-sip
 * 1.12.11's sdp_parse() loops forever allocating on such a line (found
 * by fuzz-sdp, see fuzz/regress/README).  The targets skip these inputs
 * so fuzzing can go on past the known bug, unless FUZZ_KNOWN_BUGS=1 is
 * set in the environment (the regression replay sets it).
 */
bool fuzz_sdp_known_hang(const char *sdp);

/*
 * True when FUZZ_KNOWN_BUGS=1: the known-bug guards are off and the
 * invariants that known bugs break are checked (fuzz/README.md).
 */
bool fuzz_known_bugs(void);

/* True when @s is a dotted-quad IPv4 address. */
bool fuzz_ipv4(const char *s);
