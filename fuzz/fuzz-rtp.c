/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * audiod's receive path for one datagram: the RTP parser
 * (common/rtp.c) and G.711 decoding of the payload (common/g711.c).
 *
 * Invariants: header, CSRCs, extension, payload and padding of an
 * accepted packet add up to the datagram and lie inside it; writing
 * the parsed header back and parsing it again gives the same fields;
 * G.711 decode-encode-decode is stable (g711.h promises it).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "g711.h"
#include "rtp.h"

static void fuzz_rtp_g711(const uint8_t *p, size_t n, bool alaw)
{
	int16_t *pcm = malloc((n ? n : 1) * sizeof(*pcm));
	uint8_t *back = malloc(n ? n : 1);
	size_t i;

	if (!pcm || !back)
		abort();

	if (alaw) {
		g711_alaw_decode_buf(pcm, p, n);
		g711_alaw_encode_buf(back, pcm, n);
	} else {
		g711_ulaw_decode_buf(pcm, p, n);
		g711_ulaw_encode_buf(back, pcm, n);
	}

	for (i = 0; i < n; i++) {
		int16_t again = alaw ? g711_alaw_decode(back[i]) :
				       g711_ulaw_decode(back[i]);

		if (again != pcm[i])
			abort();
	}

	free(pcm);
	free(back);
}

static void fuzz_rtp_packet(const uint8_t *data, size_t size)
{
	struct rtp_packet pkt, again;
	uint8_t hdr[RTP_HEADER_SIZE];
	const uint8_t *end = data + size;
	size_t used;

	if (rtp_parse(data, size, &pkt) < 0)
		return;

	used = RTP_HEADER_SIZE + 4u * pkt.csrc_count +
	       (pkt.has_extension ? 4 + pkt.extension_len : 0) +
	       pkt.payload_len + pkt.padding_len;
	if (used != size || pkt.payload < data ||
	    pkt.payload + pkt.payload_len > end ||
	    pkt.header.payload_type > 127 || pkt.csrc_count > 15)
		abort();

	if (rtp_header_write(hdr, sizeof(hdr), &pkt.header) !=
	    RTP_HEADER_SIZE ||
	    rtp_parse(hdr, sizeof(hdr), &again) < 0 ||
	    memcmp(&again.header, &pkt.header, sizeof(pkt.header)))
		abort();

	if (pkt.header.payload_type == RTP_PT_PCMU)
		fuzz_rtp_g711(pkt.payload, pkt.payload_len, false);
	else if (pkt.header.payload_type == RTP_PT_PCMA)
		fuzz_rtp_g711(pkt.payload, pkt.payload_len, true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_rtp_packet(data, size);

	/* Every byte as both laws, whatever the packet said. */
	fuzz_rtp_g711(data, size, false);
	fuzz_rtp_g711(data, size, true);
	return 0;
}
