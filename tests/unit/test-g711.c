/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>

#include "g711.h"

#include "check.h"

/* Values from the tables of ITU-T G.711, scaled to 16 bits. */
static void test_ulaw_known(void)
{
	CHECK_MSG(g711_ulaw_encode(0) == 0xFF, "0 -> %02x",
		  g711_ulaw_encode(0));
	CHECK_MSG(g711_ulaw_encode(-1) == 0x7F, "-1 -> %02x",
	      g711_ulaw_encode(-1));
	CHECK_MSG(g711_ulaw_encode(32767) == 0x80, "max -> %02x",
	      g711_ulaw_encode(32767));
	CHECK_MSG(g711_ulaw_encode(-32768) == 0x00, "min -> %02x",
	      g711_ulaw_encode(-32768));
	CHECK_MSG(g711_ulaw_encode(1000) == 0xCE, "1000 -> %02x",
	      g711_ulaw_encode(1000));

	CHECK_MSG(g711_ulaw_decode(0xFF) == 0, "ff -> %d",
		  g711_ulaw_decode(0xFF));
	CHECK_MSG(g711_ulaw_decode(0x7F) == 0, "7f -> %d",
		  g711_ulaw_decode(0x7F));
	CHECK_MSG(g711_ulaw_decode(0x80) == 32124, "80 -> %d",
	      g711_ulaw_decode(0x80));
	CHECK_MSG(g711_ulaw_decode(0x00) == -32124, "00 -> %d",
	      g711_ulaw_decode(0x00));
	CHECK_MSG(g711_ulaw_decode(0xFE) == 8, "fe -> %d",
		  g711_ulaw_decode(0xFE));
	CHECK_MSG(g711_ulaw_decode(0xEF) == 132, "ef -> %d",
	      g711_ulaw_decode(0xEF));
	CHECK_MSG(g711_ulaw_decode(0xCE) == 988, "ce -> %d",
	      g711_ulaw_decode(0xCE));
}

static void test_alaw_known(void)
{
	CHECK_MSG(g711_alaw_encode(0) == 0xD5, "0 -> %02x",
		  g711_alaw_encode(0));
	CHECK_MSG(g711_alaw_encode(-1) == 0x55, "-1 -> %02x",
	      g711_alaw_encode(-1));
	CHECK_MSG(g711_alaw_encode(32767) == 0xAA, "max -> %02x",
	      g711_alaw_encode(32767));
	CHECK_MSG(g711_alaw_encode(-32768) == 0x2A, "min -> %02x",
	      g711_alaw_encode(-32768));
	CHECK_MSG(g711_alaw_encode(1000) == 0xFA, "1000 -> %02x",
	      g711_alaw_encode(1000));

	CHECK_MSG(g711_alaw_decode(0xD5) == 8, "d5 -> %d",
		  g711_alaw_decode(0xD5));
	CHECK_MSG(g711_alaw_decode(0x55) == -8, "55 -> %d",
	      g711_alaw_decode(0x55));
	CHECK_MSG(g711_alaw_decode(0xAA) == 32256, "aa -> %d",
	      g711_alaw_decode(0xAA));
	CHECK_MSG(g711_alaw_decode(0x2A) == -32256, "2a -> %d",
	      g711_alaw_decode(0x2A));
	CHECK_MSG(g711_alaw_decode(0xFA) == 1008, "fa -> %d",
	      g711_alaw_decode(0xFA));
}

/* Half the width of the interval @code stands for, in 16-bit units. */
static int test_ulaw_half_step(uint8_t code)
{
	return 4 << (((uint8_t)~code >> 4) & 7);
}

static int test_alaw_half_step(uint8_t code)
{
	unsigned int seg = ((code ^ 0x55) >> 4) & 7;

	return seg ? 8 << (seg - 1) : 8;
}

/* Every input comes back within half a step, clipping aside. */
static void test_round_trip(void)
{
	int v, d, half;
	uint8_t c;

	for (v = -32768; v <= 32767; v++) {
		c = g711_ulaw_encode((int16_t)v);
		d = g711_ulaw_decode(c);
		half = test_ulaw_half_step(c);
		if (abs(v) <= 32124 + half)
			CHECK_MSG(abs(d - v) <= half,
				  "ulaw %d -> %02x -> %d", v, c, d);
		else
			CHECK_MSG(abs(d) == 32124, "ulaw clip %d -> %d", v, d);

		c = g711_alaw_encode((int16_t)v);
		d = g711_alaw_decode(c);
		half = test_alaw_half_step(c);
		CHECK_MSG(abs(d - v) <= half, "alaw %d -> %02x -> %d", v, c, d);
	}
}

/* Monotonic: a louder input never gives a quieter code. */
static void test_monotonic(void)
{
	int v, prev_u = -32768, prev_a = -32768, du, da;

	for (v = -32768; v <= 32767; v++) {
		du = g711_ulaw_decode(g711_ulaw_encode((int16_t)v));
		da = g711_alaw_decode(g711_alaw_encode((int16_t)v));
		CHECK_MSG(du >= prev_u, "ulaw not monotonic at %d", v);
		CHECK_MSG(da >= prev_a, "alaw not monotonic at %d", v);
		prev_u = du;
		prev_a = da;
	}
}

/*
 * Decode then encode gives every code back.  The one exception is
 * mu-law 0x7F, "negative zero": it decodes to 0, which is sent as the
 * positive zero 0xFF.
 */
static void test_code_identity(void)
{
	unsigned int c;
	uint8_t back;

	for (c = 0; c < 256; c++) {
		back = g711_ulaw_encode(g711_ulaw_decode((uint8_t)c));
		if (c == 0x7F)
			CHECK_MSG(back == 0xFF, "ulaw 7f -> %02x", back);
		else
			CHECK_MSG(back == c, "ulaw %02x -> %02x", c, back);

		back = g711_alaw_encode(g711_alaw_decode((uint8_t)c));
		CHECK_MSG(back == c, "alaw %02x -> %02x", c, back);
	}
}

/* Symmetry: +x and -x decode to opposite values (A-law: one's compl.). */
static void test_symmetry(void)
{
	unsigned int c;

	for (c = 0; c < 128; c++) {
		CHECK_MSG(g711_ulaw_decode((uint8_t)c) ==
		      -g711_ulaw_decode((uint8_t)(c | 0x80)),
		      "ulaw %02x not symmetric", c);
		CHECK_MSG(g711_alaw_decode((uint8_t)c) ==
		      -g711_alaw_decode((uint8_t)(c | 0x80)),
		      "alaw %02x not symmetric", c);
	}
}

static void test_buffers(void)
{
	int16_t in[4] = { 0, 1000, -1000, 32767 }, out[4];
	uint8_t codes[4];
	int i;

	g711_ulaw_encode_buf(codes, in, 4);
	g711_ulaw_decode_buf(out, codes, 4);
	for (i = 0; i < 4; i++)
		CHECK_MSG(codes[i] == g711_ulaw_encode(in[i]) &&
		      out[i] == g711_ulaw_decode(codes[i]), "ulaw buf %d", i);

	g711_alaw_encode_buf(codes, in, 4);
	g711_alaw_decode_buf(out, codes, 4);
	for (i = 0; i < 4; i++)
		CHECK_MSG(codes[i] == g711_alaw_encode(in[i]) &&
		      out[i] == g711_alaw_decode(codes[i]), "alaw buf %d", i);
}

int main(void)
{
	test_ulaw_known();
	test_alaw_known();
	test_round_trip();
	test_monotonic();
	test_code_identity();
	test_symmetry();
	test_buffers();

	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}

	printf("g711: all checks passed\n");
	return 0;
}
