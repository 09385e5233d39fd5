/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtp.h"

#include "check.h"

static void test_write(void)
{
	struct rtp_header h = {
		.marker = true, .payload_type = 8, .seq = 0x1234,
		.timestamp = 0xA1B2C3D4, .ssrc = 0xDEADBEEF,
	};
	static const uint8_t want[12] = {
		0x80, 0x88, 0x12, 0x34, 0xA1, 0xB2, 0xC3, 0xD4,
		0xDE, 0xAD, 0xBE, 0xEF,
	};
	uint8_t buf[12];
	int r;

	r = rtp_header_write(buf, sizeof(buf), &h);
	CHECK_MSG(r == 12, "write returned %d", r);
	CHECK_MSG(memcmp(buf, want, 12) == 0, "header bytes differ");

	r = rtp_header_write(buf, 11, &h);
	CHECK_MSG(r == -ENOBUFS, "short buffer: %d", r);

	h.payload_type = 128;
	r = rtp_header_write(buf, sizeof(buf), &h);
	CHECK_MSG(r == -EINVAL, "payload type 128: %d", r);
}

static void test_round_trip(void)
{
	struct rtp_header h = {
		.marker = false, .payload_type = 0, .seq = 65535,
		.timestamp = 160, .ssrc = 42,
	};
	struct rtp_packet p;
	uint8_t buf[12 + 160];
	int r;

	memset(buf, 0xFF, sizeof(buf));
	rtp_header_write(buf, sizeof(buf), &h);
	r = rtp_parse(buf, sizeof(buf), &p);
	CHECK_MSG(r == 0, "parse: %d", r);
	CHECK_MSG(!p.header.marker && p.header.payload_type == 0 &&
	      p.header.seq == 65535 && p.header.timestamp == 160 &&
	      p.header.ssrc == 42, "fields differ");
	CHECK_MSG(p.payload == buf + 12 && p.payload_len == 160,
	      "payload %zu", p.payload_len);
	CHECK_MSG(p.csrc_count == 0 && !p.has_extension && p.padding_len == 0,
	      "unexpected options");

	/* A header alone is a valid packet with an empty payload. */
	r = rtp_parse(buf, 12, &p);
	CHECK_MSG(r == 0 && p.payload_len == 0, "empty payload: %d", r);
}

/* CSRCs, extension and padding together, all within bounds. */
static void test_full(void)
{
	uint8_t buf[64] = { 0 };
	struct rtp_packet p;
	int r;

	buf[0] = 0x80 | 0x20 | 0x10 | 2;	/* P, X, CC=2 */
	buf[1] = 0x80 | 96;
	/* 12..19: two CSRCs; 20..23: ext header, 1 word; 24..27 ext */
	buf[20] = 0xBE;
	buf[21] = 0xDE;
	buf[23] = 1;
	/* 28..59 payload (32 bytes), 60..63 padding of 4 */
	buf[63] = 4;

	r = rtp_parse(buf, sizeof(buf), &p);
	CHECK_MSG(r == 0, "parse: %d", r);
	CHECK_MSG(p.header.marker && p.header.payload_type == 96, "byte 1");
	CHECK_MSG(p.csrc_count == 2, "cc %u", p.csrc_count);
	CHECK_MSG(p.has_extension && p.extension_profile == 0xBEDE &&
	      p.extension_len == 4, "extension");
	CHECK_MSG(p.payload == buf + 28 && p.payload_len == 32,
	      "payload %zu", p.payload_len);
	CHECK_MSG(p.padding_len == 4, "padding %zu", p.padding_len);
}

static void test_reject(const char *what, const uint8_t *buf, size_t len)
{
	struct rtp_packet p;
	int r;

	r = rtp_parse(buf, len, &p);
	CHECK_MSG(r == -EBADMSG, "%s: accepted (%d)", what, r);
}

static void test_bad(void)
{
	uint8_t buf[40];
	size_t len;

	memset(buf, 0, sizeof(buf));
	buf[0] = 0x80;

	test_reject("empty", buf, 0);
	test_reject("short", buf, 11);

	buf[0] = 0x40;
	test_reject("version 1", buf, 20);
	buf[0] = 0xC0;
	test_reject("version 3", buf, 20);
	buf[0] = 0x00;
	test_reject("version 0", buf, 20);

	/* 15 CSRCs need 60 more bytes. */
	buf[0] = 0x80 | 15;
	test_reject("csrc beyond length", buf, 40);
	buf[0] = 0x80 | 2;
	test_reject("csrc one byte short", buf, 12 + 7);

	/* Extension header missing, then its length past the end. */
	buf[0] = 0x90;
	test_reject("extension header cut", buf, 14);
	buf[14] = 0;
	buf[15] = 10;
	test_reject("extension beyond length", buf, 40);

	/* Padding count larger than the payload, zero, or no payload. */
	memset(buf, 0, sizeof(buf));
	buf[0] = 0xA0;
	len = 20;
	buf[len - 1] = 9;
	test_reject("padding larger than payload", buf, len);
	buf[len - 1] = 0;
	test_reject("padding of zero", buf, len);
	test_reject("padding without payload", buf, 12);
	buf[len - 1] = 8;
	{
		struct rtp_packet p;

		CHECK_MSG(rtp_parse(buf, len, &p) == 0 && p.payload_len == 0 &&
		      p.padding_len == 8, "padding filling the payload");
	}
}

/* Every short prefix of a valid packet with options is refused. */
static void test_truncations(void)
{
	uint8_t buf[32] = { 0 };
	struct rtp_packet p;
	size_t len;
	int r;

	buf[0] = 0x80 | 0x10 | 1;	/* X, CC=1 */
	buf[19] = 1;			/* one extension word: ends at 24 */

	for (len = 0; len < 24; len++)
		test_reject("truncated", buf, len);

	r = rtp_parse(buf, 24, &p);
	CHECK_MSG(r == 0 && p.payload_len == 0, "exact length: %d", r);
}

/*
 * Random datagrams, with valid and invalid bits set: whatever is
 * accepted describes a payload inside the buffer.
 */
static void test_random(void)
{
	uint8_t buf[80];
	struct rtp_packet p;
	unsigned int seed = 12345, round, accepted = 0;
	size_t len, i;

	for (round = 0; round < 200000; round++) {
		len = (size_t)(rand_r(&seed) % (sizeof(buf) + 1));
		for (i = 0; i < len; i++)
			buf[i] = (uint8_t)rand_r(&seed);
		if (len && round % 2)
			buf[0] = (uint8_t)((buf[0] & 0x3F) | 0x80);

		if (rtp_parse(buf, len, &p) < 0)
			continue;

		accepted++;
		CHECK_MSG(p.payload >= buf + RTP_HEADER_SIZE &&
		      p.payload + p.payload_len + p.padding_len == buf + len,
		      "round %u: payload outside the datagram", round);
	}

	/* Half the rounds have version 2: many must parse. */
	CHECK_MSG(accepted > 10000, "only %u random packets parsed", accepted);
}

static void test_seq_delta(void)
{
	CHECK_MSG(rtp_seq_delta(1, 65535) == 2, "wrap forward");
	CHECK_MSG(rtp_seq_delta(65535, 1) == -2, "wrap backward");
	CHECK_MSG(rtp_seq_delta(100, 100) == 0, "equal");
}

int main(void)
{
	test_write();
	test_round_trip();
	test_full();
	test_bad();
	test_truncations();
	test_random();
	test_seq_delta();

	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}

	printf("rtp: all checks passed\n");
	return 0;
}
