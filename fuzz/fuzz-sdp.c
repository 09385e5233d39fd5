/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A bare SDP body into sipd's offer reader (sipd_sdp_media() in
 * sipd/util.c, on sofia's sdp_parse); also the dialled-number text into
 * sipd_dial_uri() and a proxy setting into sipd_split_hostport().
 *
 * Invariants: an accepted offer names PCMU or PCMA on a port other
 * than 0 (and, with FUZZ_KNOWN_BUGS=1, an IPv4 c= address); a split
 * host is never empty and the port fits 16 bits.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "sipd-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sipd_media media;
	char *s = fuzz_strndup(data, size, 65536);
	char host[256], out[512];
	unsigned int port = 0;

	if (!fuzz_sdp_known_hang(s) && sipd_sdp_media(s, &media) == 0 &&
	    ((strcasecmp(media.codec, "PCMU") &&
	      strcasecmp(media.codec, "PCMA")) || !media.port ||
	     media.pt < 0 || media.pt > 127 ||
	     (fuzz_known_bugs() && !fuzz_ipv4(media.address))))
		abort();

	if (sipd_split_hostport(s, host, sizeof(host), &port) == 0 &&
	    (!host[0] || port > 65535))
		abort();

	if (sipd_dial_uri(s, "192.0.2.1", out, sizeof(out)) == 0 &&
	    strncasecmp(out, "sip", 3))
		abort();

	free(s);
	return 0;
}
