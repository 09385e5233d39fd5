/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * G.711 written from the segment tables of ITU-T G.711 (11/88),
 * tables 1a/1b (A-law) and 2a/2b (mu-law).
 *
 * mu-law: the magnitude plus a bias of 33 (in 14-bit units; 132 once
 * shifted to 16 bits) falls in one of 8 octave segments; the segment
 * number is the exponent, the next 4 bits the mantissa, and the
 * character is sent with all bits inverted.
 *
 * A-law: the 13-bit magnitude falls in segment 0 (linear, step 2) or
 * one of the octaves 1..7; the sign bit is 1 for positive values and
 * the even bits are inverted (XOR 0x55) for transmission.
 */
#include "g711.h"

#define G711_ULAW_BIAS 0x84	/* 33 in 14-bit units, shifted to 16 bits */
#define G711_ULAW_CLIP 32635	/* largest magnitude before the bias */

/* Position of the highest set bit; @v is never 0 here. */
static unsigned int g711_top_bit(unsigned int v)
{
	unsigned int n = 0;

	while (v >>= 1)
		n++;

	return n;
}

uint8_t g711_ulaw_encode(int16_t sample)
{
	unsigned int mag, exponent, mantissa;
	uint8_t sign = 0;
	int v = sample;

	if (v < 0) {
		sign = 0x80;
		v = -v;
	}

	mag = (unsigned int)v;
	if (mag > G711_ULAW_CLIP)
		mag = G711_ULAW_CLIP;

	/* With the bias the value is at least 2^7: segment 0 starts there. */
	mag += G711_ULAW_BIAS;
	exponent = g711_top_bit(mag) - 7;
	mantissa = (mag >> (exponent + 3)) & 0x0F;

	return (uint8_t)~(sign | exponent << 4 | mantissa);
}

int16_t g711_ulaw_decode(uint8_t code)
{
	unsigned int exponent, mantissa;
	int mag;

	code = (uint8_t)~code;
	exponent = (code >> 4) & 0x07;
	mantissa = code & 0x0F;

	/* Centre of the interval: mantissa, half a step, the implied 1. */
	mag = (int)(((mantissa << 3) + G711_ULAW_BIAS) << exponent);
	mag -= G711_ULAW_BIAS;

	return (int16_t)((code & 0x80) ? -mag : mag);
}

uint8_t g711_alaw_encode(int16_t sample)
{
	unsigned int mag, exponent, mantissa;
	uint8_t sign;
	int v = sample >> 3;	/* 13-bit range, rounding towards -inf */

	/* A negative value's magnitude is its ones' complement. */
	if (v >= 0) {
		sign = 0x80;
		mag = (unsigned int)v;
	} else {
		sign = 0;
		mag = (unsigned int)(-v - 1);
	}

	if (mag > 4095)
		mag = 4095;

	if (mag < 32) {
		exponent = 0;
		mantissa = mag >> 1;
	} else {
		exponent = g711_top_bit(mag) - 4;
		mantissa = (mag >> exponent) & 0x0F;
	}

	return (uint8_t)((sign | exponent << 4 | mantissa) ^ 0x55);
}

int16_t g711_alaw_decode(uint8_t code)
{
	unsigned int exponent, mantissa;
	int mag;

	code ^= 0x55;
	exponent = (code >> 4) & 0x07;
	mantissa = code & 0x0F;

	/* In 16-bit units: step 16 in segments 0 and 1, doubling after. */
	mag = (int)((mantissa << 4) + 8);
	if (exponent)
		mag = (mag + 0x100) << (exponent - 1);

	return (int16_t)((code & 0x80) ? mag : -mag);
}

void g711_ulaw_encode_buf(uint8_t *out, const int16_t *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = g711_ulaw_encode(in[i]);
}

void g711_ulaw_decode_buf(int16_t *out, const uint8_t *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = g711_ulaw_decode(in[i]);
}

void g711_alaw_encode_buf(uint8_t *out, const int16_t *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = g711_alaw_encode(in[i]);
}

void g711_alaw_decode_buf(int16_t *out, const uint8_t *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = g711_alaw_decode(in[i]);
}
