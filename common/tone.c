/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <string.h>

#include "tone.h"

void tone_init(struct tone *t, unsigned int rate, double freq1, double freq2,
	       double amplitude, unsigned int on_ms, unsigned int off_ms)
{
	memset(t, 0, sizeof(*t));

	t->step[0] = 2 * M_PI * freq1 / rate;
	t->step[1] = 2 * M_PI * freq2 / rate;
	t->amplitude = amplitude;
	t->on_samples = (unsigned int)((unsigned long)on_ms * rate / 1000);
	t->off_samples = (unsigned int)((unsigned long)off_ms * rate / 1000);
}

static double tone_component(struct tone *t, unsigned int i)
{
	double v;

	if (t->step[i] == 0)
		return 0;

	v = sin(t->phase[i]);
	t->phase[i] += t->step[i];
	if (t->phase[i] >= 2 * M_PI)
		t->phase[i] -= 2 * M_PI;

	return v;
}

/* During the off part of the cadence; phases restart with the tone. */
static int tone_silent(struct tone *t)
{
	unsigned int period = t->on_samples + t->off_samples;
	int silent;

	if (!t->on_samples)
		return 0;

	silent = t->pos >= t->on_samples;
	if (++t->pos >= period) {
		t->pos = 0;
		t->phase[0] = t->phase[1] = 0;
	}

	return silent;
}

void tone_fill(struct tone *t, int16_t *out, size_t n)
{
	double v;
	size_t i;

	for (i = 0; i < n; i++) {
		if (tone_silent(t)) {
			out[i] = 0;
			continue;
		}

		v = t->amplitude * (tone_component(t, 0) +
				    tone_component(t, 1));
		if (v > 32767)
			v = 32767;
		else if (v < -32768)
			v = -32768;
		out[i] = (int16_t)lrint(v);
	}
}

double tone_power(const float *samples, size_t n, double freq,
		  unsigned int rate)
{
	double coeff = 2 * cos(2 * M_PI * freq / rate);
	double s0, s1 = 0, s2 = 0, w, re, im;
	size_t i;

	if (n < 2)
		return 0;

	for (i = 0; i < n; i++) {
		w = 0.5 - 0.5 * cos(2 * M_PI * i / (n - 1));
		s0 = samples[i] * w + coeff * s1 - s2;
		s2 = s1;
		s1 = s0;
	}

	re = s1 - s2 * cos(2 * M_PI * freq / rate);
	im = s2 * sin(2 * M_PI * freq / rate);

	/* The Hann window halves the amplitude: 2 / (n / 2). */
	return (re * re + im * im) * 16.0 / ((double)n * n);
}
