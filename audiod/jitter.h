/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A small playout buffer for received audio: a FIFO of decoded
 * samples that starts playing once JITTER_PREFILL samples are queued
 * and goes back to prefilling when it runs dry.  When the sender is
 * faster than our clock the oldest samples are dropped, which bounds
 * the delay to JITTER_CAPACITY.  A delay that a burst left behind
 * (above JITTER_HIGH for JITTER_HIGH_GETS reads in a row) is cut back
 * to JITTER_PREFILL.  Reordered packets are the caller's business (it
 * drops late ones).
 */

#define JITTER_PREFILL 320	/* 40 ms at 8 kHz */
#define JITTER_HIGH 960		/* 120 ms */
#define JITTER_HIGH_GETS 50	/* 1 s of 20 ms reads */
#define JITTER_CAPACITY 1600	/* 200 ms */

struct jitter {
	int16_t buf[JITTER_CAPACITY];
	size_t head;		/* index of the oldest sample */
	size_t len;
	bool playing;
	unsigned int high_gets;	/* reads in a row above JITTER_HIGH */
	uint64_t dropped;	/* samples thrown away on overflow */
};

void jitter_reset(struct jitter *j);
void jitter_put(struct jitter *j, const int16_t *samples, size_t n);

/* Fills @out with @n samples; false when it had to play silence. */
bool jitter_get(struct jitter *j, int16_t *out, size_t n);
