/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * ITU-T G.711 companding between 16-bit linear PCM and 8-bit mu-law
 * (PCMU, RTP payload type 0) or A-law (PCMA, payload type 8).  The
 * 16-bit input is scaled as the recommendation's 14-bit (mu-law) or
 * 13-bit (A-law) linear range shifted left; decoding yields the centre
 * of each quantisation interval, so a decode-encode round trip gives
 * back the same code.
 */

/* The code for silence: mu-law 0xFF, A-law 0xD5. */
#define G711_ULAW_SILENCE 0xFF
#define G711_ALAW_SILENCE 0xD5

uint8_t g711_ulaw_encode(int16_t sample);
int16_t g711_ulaw_decode(uint8_t code);
uint8_t g711_alaw_encode(int16_t sample);
int16_t g711_alaw_decode(uint8_t code);

void g711_ulaw_encode_buf(uint8_t *out, const int16_t *in, size_t n);
void g711_ulaw_decode_buf(int16_t *out, const uint8_t *in, size_t n);
void g711_alaw_encode_buf(uint8_t *out, const int16_t *in, size_t n);
void g711_alaw_decode_buf(int16_t *out, const uint8_t *in, size_t n);
