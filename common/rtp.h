/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * RTP fixed header (RFC 3550 section 5.1).  Building writes the
 * 12-byte header without CSRCs or extension; parsing accepts both and
 * checks every length against the datagram before it is used.
 */

#define RTP_VERSION 2
#define RTP_HEADER_SIZE 12

#define RTP_PT_PCMU 0
#define RTP_PT_PCMA 8

struct rtp_header {
	bool marker;
	uint8_t payload_type;	/* 0..127 */
	uint16_t seq;
	uint32_t timestamp;
	uint32_t ssrc;
};

struct rtp_packet {
	struct rtp_header header;
	uint8_t csrc_count;
	bool has_extension;
	uint16_t extension_profile;
	size_t extension_len;		/* bytes after the 4-byte ext header */
	const uint8_t *payload;		/* points into the parsed buffer */
	size_t payload_len;		/* without padding */
	size_t padding_len;
};

/* Returns RTP_HEADER_SIZE, -ENOBUFS when @len is too small, -EINVAL. */
int rtp_header_write(void *buf, size_t len, const struct rtp_header *header);

/*
 * Parses a datagram.  -EBADMSG when it is not a valid RTP packet:
 * shorter than the fixed header, version other than 2, CSRC list or
 * extension running past the end, or a padding count of zero or
 * larger than what follows the header.
 */
int rtp_parse(const void *buf, size_t len, struct rtp_packet *out);

/* Signed distance from @b to @a in sequence space (RFC 3550 A.1). */
static inline int16_t rtp_seq_delta(uint16_t a, uint16_t b)
{
	return (int16_t)(uint16_t)(a - b);
}
