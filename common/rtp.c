/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "rtp.h"

static void rtp_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void rtp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t rtp_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rtp_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

int rtp_header_write(void *buf, size_t len, const struct rtp_header *header)
{
	uint8_t *p = buf;

	if (header->payload_type > 127)
		return -EINVAL;

	if (len < RTP_HEADER_SIZE)
		return -ENOBUFS;

	/* V=2, no padding, no extension, no CSRC. */
	p[0] = RTP_VERSION << 6;
	p[1] = (uint8_t)((header->marker ? 0x80 : 0) | header->payload_type);
	rtp_put16(p + 2, header->seq);
	rtp_put32(p + 4, header->timestamp);
	rtp_put32(p + 8, header->ssrc);

	return RTP_HEADER_SIZE;
}

/* The optional header extension (RFC 3550 5.3.1); @off is updated. */
static int rtp_parse_extension(const uint8_t *p, size_t len, size_t *off,
			       struct rtp_packet *out)
{
	size_t words;

	if (len - *off < 4)
		return -EBADMSG;

	out->extension_profile = rtp_get16(p + *off);
	words = rtp_get16(p + *off + 2);
	*off += 4;

	if (len - *off < words * 4)
		return -EBADMSG;

	out->has_extension = true;
	out->extension_len = words * 4;
	*off += words * 4;

	return 0;
}

int rtp_parse(const void *buf, size_t len, struct rtp_packet *out)
{
	const uint8_t *p = buf;
	size_t off = RTP_HEADER_SIZE;
	size_t body;
	int r;

	memset(out, 0, sizeof(*out));

	if (len < RTP_HEADER_SIZE || p[0] >> 6 != RTP_VERSION)
		return -EBADMSG;

	out->csrc_count = p[0] & 0x0F;
	out->header.marker = p[1] & 0x80;
	out->header.payload_type = p[1] & 0x7F;
	out->header.seq = rtp_get16(p + 2);
	out->header.timestamp = rtp_get32(p + 4);
	out->header.ssrc = rtp_get32(p + 8);

	if (len - off < (size_t)out->csrc_count * 4)
		return -EBADMSG;
	off += (size_t)out->csrc_count * 4;

	if (p[0] & 0x10) {
		r = rtp_parse_extension(p, len, &off, out);
		if (r < 0)
			return r;
	}

	body = len - off;

	/* The last octet counts the padding octets, itself included. */
	if (p[0] & 0x20) {
		if (body == 0 || p[len - 1] == 0 || p[len - 1] > body)
			return -EBADMSG;
		out->padding_len = p[len - 1];
		body -= out->padding_len;
	}

	out->payload = p + off;
	out->payload_len = body;

	return 0;
}
