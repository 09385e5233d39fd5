/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "jitter.h"

void jitter_reset(struct jitter *j)
{
	j->head = 0;
	j->len = 0;
	j->playing = false;
	j->high_gets = 0;
}

static void jitter_drop(struct jitter *j, size_t n)
{
	if (n > j->len)
		n = j->len;

	j->head = (j->head + n) % JITTER_CAPACITY;
	j->len -= n;
	j->dropped += n;
}

void jitter_put(struct jitter *j, const int16_t *samples, size_t n)
{
	size_t tail, i;

	/* More than fits: only the newest part matters. */
	if (n > JITTER_CAPACITY) {
		j->dropped += n - JITTER_CAPACITY;
		samples += n - JITTER_CAPACITY;
		n = JITTER_CAPACITY;
	}

	if (j->len + n > JITTER_CAPACITY)
		jitter_drop(j, j->len + n - JITTER_CAPACITY);

	tail = (j->head + j->len) % JITTER_CAPACITY;
	for (i = 0; i < n; i++)
		j->buf[(tail + i) % JITTER_CAPACITY] = samples[i];
	j->len += n;
}

/* A delay that stays high after a burst is not needed: shed it. */
static void jitter_trim(struct jitter *j)
{
	if (j->len <= JITTER_HIGH) {
		j->high_gets = 0;
		return;
	}

	if (++j->high_gets < JITTER_HIGH_GETS)
		return;

	jitter_drop(j, j->len - JITTER_PREFILL);
	j->high_gets = 0;
}

bool jitter_get(struct jitter *j, int16_t *out, size_t n)
{
	size_t take, i;

	if (!j->playing && j->len >= JITTER_PREFILL)
		j->playing = true;

	if (j->playing)
		jitter_trim(j);

	if (!j->playing) {
		memset(out, 0, n * sizeof(*out));
		return false;
	}

	take = n < j->len ? n : j->len;
	for (i = 0; i < take; i++)
		out[i] = j->buf[(j->head + i) % JITTER_CAPACITY];
	memset(out + take, 0, (n - take) * sizeof(*out));

	j->head = (j->head + take) % JITTER_CAPACITY;
	j->len -= take;

	/* Ran dry: build up the cushion again before playing on. */
	if (take < n)
		j->playing = false;

	return take > 0;
}
