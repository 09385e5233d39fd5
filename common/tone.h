/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Sine tone generation (one or two frequencies, optional on/off
 * cadence) and single-frequency power measurement (Goertzel), shared
 * by audiod's ring tone and the test tool.
 */

struct tone {
	double phase[2];	/* radians, kept in [0, 2 pi) */
	double step[2];		/* radians per sample; 0 = component off */
	double amplitude;	/* peak of each component, full scale 32767 */
	unsigned int on_samples;	/* 0: no cadence, always on */
	unsigned int off_samples;
	unsigned int pos;	/* position in the cadence period */
};

/*
 * @freq2 may be 0 for a single tone.  @on_ms of 0 gives a continuous
 * tone; otherwise the tone sounds @on_ms, then @off_ms of silence.
 */
void tone_init(struct tone *t, unsigned int rate, double freq1, double freq2,
	       double amplitude, unsigned int on_ms, unsigned int off_ms);
void tone_fill(struct tone *t, int16_t *out, size_t n);

/*
 * Power of @freq in @n samples taken at @rate, with a Hann window so
 * that a tone between two probe frequencies still shows in both.
 * Normalised so that a full-scale-1.0 sine gives about 1.
 */
double tone_power(const float *samples, size_t n, double freq,
		  unsigned int rate);
