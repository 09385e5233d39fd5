/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One UDP datagram as sipd's stack receives it: sofia's SIP parser
 * (the same message class nta uses), then what sipd's own code does
 * with the parts of an incoming request that it reads without a
 * running stack (sipd/util.c): the SDP offer as sipd_call_check_offer()
 * hands it over (copied, at most 4095 bytes), the caller's URI as it
 * would be dialled back, and a challenge's realm as it is put into
 * NUTAG_AUTH().
 *
 * The Restricted_Access_Domains and Auth_INVITE_1_ decisions live in
 * sipd/call.c and sipd/auth.c, tied to struct sipd and a nua handle;
 * they are exercised by tests/sip-torture.sh against the daemon.
 *
 * Invariants: an accepted offer names PCMU or PCMA with a port (and,
 * with FUZZ_KNOWN_BUGS=1, an IPv4 c= address: known bug 2 of
 * fuzz/README.md); a dial URI that is accepted is a sip:/sips: URI
 * without spaces, quotes or angle brackets.
 */
#include "sipd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/msg_buffer.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/url.h>

#include "fuzz.h"

static void fuzz_sip_offer(const sip_t *sip)
{
	struct sipd_media media;
	char sdp[4096];
	size_t n;

	if (!sip->sip_payload || !sip->sip_payload->pl_len)
		return;

	n = sip->sip_payload->pl_len;
	if (n >= sizeof(sdp))
		return;

	memcpy(sdp, sip->sip_payload->pl_data, n);
	sdp[n] = '\0';
	if (fuzz_sdp_known_hang(sdp) || sipd_sdp_media(sdp, &media) < 0)
		return;

	if ((strcmp(media.codec, "PCMU") && strcmp(media.codec, "PCMA") &&
	     strcasecmp(media.codec, "PCMU") &&
	     strcasecmp(media.codec, "PCMA")) ||
	    media.pt < 0 || media.pt > 127 || !media.port ||
	    strnlen(media.address, sizeof(media.address)) ==
	    sizeof(media.address))
		abort();

	/* known bug 2: an empty or impossible c= address is taken */
	if (fuzz_known_bugs() && !fuzz_ipv4(media.address))
		abort();
}

static void fuzz_sip_dial(const sip_t *sip)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	char out[512];
	char *from;

	if (!sip->sip_from)
		return;

	from = url_as_string(home, sip->sip_from->a_url);
	if (from && sipd_dial_uri(from, "example.test", out,
				  sizeof(out)) == 0 &&
	    (strncasecmp(out, "sip", 3) || strpbrk(out, " <>\"\r\n")))
		abort();

	su_home_deinit(home);
}

static void fuzz_sip_realm(const sip_t *sip)
{
	const sip_www_authenticate_t *wa = sip->sip_www_authenticate;
	const char *realm;
	char buf[512];

	if (!wa || !wa->au_params)
		return;

	realm = msg_params_find(wa->au_params, "realm=");
	if (realm)
		sipd_auth_string(buf, sizeof(buf), wa->au_scheme ?
				 wa->au_scheme : "Digest", realm, "user",
				 "secret");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	msg_t *msg;
	sip_t *sip;
	void *buf;

	msg = msg_create(sip_default_mclass(), 0);
	if (!msg)
		abort();

	buf = msg_buf_alloc(msg, size + 1);
	if (!buf)
		abort();

	memcpy(buf, data, size);
	msg_buf_commit(msg, size, 1);

	if (msg_extract(msg) > 0) {
		sip = sip_object(msg);
		if (sip && sip->sip_request &&
		    sip->sip_request->rq_method == sip_method_invite)
			fuzz_sip_offer(sip);
		if (sip) {
			fuzz_sip_dial(sip);
			fuzz_sip_realm(sip);
		}
	}

	msg_destroy(msg);
	return 0;
}
