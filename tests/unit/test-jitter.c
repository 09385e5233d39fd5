/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "jitter.h"

#include "check.h"

static struct jitter jb;

/* Puts @n samples counting up from *next. */
static void test_put_ramp(int16_t *next, size_t n)
{
	int16_t buf[JITTER_CAPACITY * 2];
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (*next)++;
	jitter_put(&jb, buf, n);
}

static bool test_all_zero(const int16_t *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i])
			return false;

	return true;
}

static void test_prefill(void)
{
	int16_t out[160], next = 1;
	bool played;
	size_t i;

	memset(&jb, 0, sizeof(jb));
	jitter_reset(&jb);

	played = jitter_get(&jb, out, 160);
	CHECK_MSG(!played && test_all_zero(out, 160), "empty buffer played");

	test_put_ramp(&next, JITTER_PREFILL - 1);
	played = jitter_get(&jb, out, 160);
	CHECK_MSG(!played && test_all_zero(out, 160), "played before prefill");

	test_put_ramp(&next, 1);
	played = jitter_get(&jb, out, 160);
	CHECK_MSG(played, "did not play after prefill");
	for (i = 0; i < 160; i++)
		CHECK_MSG(out[i] == (int16_t)(i + 1), "sample %zu is %d", i,
		      out[i]);
}

/* Running dry pads with silence and waits for the prefill again. */
static void test_underrun(void)
{
	int16_t out[160], next = 1;
	bool played;
	size_t i;

	jitter_reset(&jb);
	test_put_ramp(&next, JITTER_PREFILL + 100);
	jitter_get(&jb, out, 160);
	jitter_get(&jb, out, 160);

	/* 100 left: played, then zeros. */
	played = jitter_get(&jb, out, 160);
	CHECK_MSG(played, "the last 100 samples were not played");
	for (i = 0; i < 100; i++)
		CHECK_MSG(out[i] == (int16_t)(321 + i), "tail sample %zu: %d",
			  i, out[i]);
	CHECK_MSG(test_all_zero(out + 100, 60), "no silence after the tail");

	test_put_ramp(&next, 160);
	played = jitter_get(&jb, out, 160);
	CHECK_MSG(!played, "played without a new prefill");
}

/* More than the capacity: the oldest samples go, the newest stay. */
static void test_overflow(void)
{
	int16_t out[160], next = 1;

	jitter_reset(&jb);
	jb.dropped = 0;
	test_put_ramp(&next, JITTER_CAPACITY);
	test_put_ramp(&next, 400);
	CHECK_MSG(jb.len == JITTER_CAPACITY, "len %zu", jb.len);
	CHECK_MSG(jb.dropped == 400, "dropped %llu",
	      (unsigned long long)jb.dropped);

	jitter_get(&jb, out, 160);
	CHECK_MSG(out[0] == 401, "oldest kept sample is %d, not 401", out[0]);

	/* A single put larger than the buffer keeps its own tail. */
	jitter_reset(&jb);
	next = 1;
	test_put_ramp(&next, JITTER_CAPACITY + 10);
	jitter_get(&jb, out, 160);
	CHECK_MSG(out[0] == 11, "giant put kept %d first, not 11", out[0]);
}

/* Steady flow across many wrap-arounds: no sample lost or repeated. */
static void test_steady(void)
{
	int16_t out[160], next = 1, want = 1;
	int round;
	size_t i;

	jitter_reset(&jb);
	test_put_ramp(&next, JITTER_PREFILL);
	for (round = 0; round < 1000; round++) {
		test_put_ramp(&next, 160);
		CHECK_MSG(jitter_get(&jb, out, 160), "round %d silent", round);
		for (i = 0; i < 160; i++, want++)
			if (out[i] != want) {
				CHECK_MSG(false, "round %d: %d, want %d", round,
				      out[i], want);
				return;
			}
	}
}

/* A burst leaves 150 ms queued: after 1 s it is cut to the prefill. */
static void test_trim(void)
{
	int16_t out[160], next = 1;
	int round;

	jitter_reset(&jb);
	test_put_ramp(&next, 1200);
	for (round = 0; round < JITTER_HIGH_GETS - 1; round++) {
		test_put_ramp(&next, 160);
		jitter_get(&jb, out, 160);
	}
	CHECK_MSG(jb.len == 1200, "trimmed too early: %zu", jb.len);

	test_put_ramp(&next, 160);
	jitter_get(&jb, out, 160);
	CHECK_MSG(jb.len == JITTER_PREFILL - 160, "after the trim: %zu",
		  jb.len);
	CHECK_MSG(out[0] == (int16_t)(next - JITTER_PREFILL),
	      "trim kept %d first, not the newest samples", out[0]);

	/* At the mark when read: never trimmed. */
	jitter_reset(&jb);
	next = 1;
	test_put_ramp(&next, JITTER_HIGH - 160);
	for (round = 0; round < 3 * JITTER_HIGH_GETS; round++) {
		test_put_ramp(&next, 160);
		jitter_get(&jb, out, 160);
	}
	CHECK_MSG(jb.len == JITTER_HIGH - 160, "a steady %d was trimmed to %zu",
	      JITTER_HIGH - 160, jb.len);
}

int main(void)
{
	test_prefill();
	test_underrun();
	test_overflow();
	test_steady();
	test_trim();

	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}

	printf("jitter: all checks passed\n");
	return 0;
}
