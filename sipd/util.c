/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/su_alloc.h>
#include <sofia-sip/sdp.h>
#include <sofia-sip/url.h>

#include "sipd-util.h"

unsigned int sipd_backoff_ms(unsigned int failures, uint32_t rnd)
{
	unsigned int base = SIPD_BACKOFF_FIRST_MS;
	unsigned int i;

	for (i = 0; i < failures && base < SIPD_BACKOFF_MAX_MS; i++)
		base *= 2;

	if (base > SIPD_BACKOFF_MAX_MS)
		base = SIPD_BACKOFF_MAX_MS;

	/* 80..120 % of the base, in whole percent */
	return (unsigned int)((uint64_t)base * (80 + rnd % 41) / 100);
}

unsigned int sipd_refresh_ms(uint32_t granted, uint32_t rnd)
{
	uint64_t nua_first_s, limit, low;

	/* nua_dialog_usage_set_refresh() of this sofia version */
	if (granted > 90 && granted < 300)
		nua_first_s = granted - 60;
	else
		nua_first_s = ((uint64_t)granted + 2) / 4;

	if (nua_first_s == 0)
		nua_first_s = 1;

	/* half a second of margin for timer slack */
	limit = nua_first_s * 1000 - 500;
	low = limit * 80 / 100;
	return (unsigned int)(low + rnd % (limit - low + 1));
}

int sipd_split_hostport(const char *value, char *host, size_t host_len,
			unsigned int *port)
{
	const char *colon = strrchr(value, ':');
	size_t n = colon ? (size_t)(colon - value) : strlen(value);
	unsigned long p = 0;

	if (n == 0 || n >= host_len)
		return -EINVAL;

	if (colon) {
		char *end;

		if (!isdigit((unsigned char)colon[1]))
			return -EINVAL;

		errno = 0;
		p = strtoul(colon + 1, &end, 10);
		if (errno || *end || p == 0 || p > 65535)
			return -EINVAL;
	}

	memcpy(host, value, n);
	host[n] = '\0';
	*port = (unsigned int)p;
	return 0;
}

static int sipd_util_codec(const sdp_media_t *m, struct sipd_media *media)
{
	const sdp_rtpmap_t *rm;

	/* the offerer's order is its preference: take the first we have */
	for (rm = m->m_rtpmaps; rm; rm = rm->rm_next) {
		if (rm->rm_encoding && !strcasecmp(rm->rm_encoding,
						   "telephone-event"))
			media->dtmf = true;
	}

	for (rm = m->m_rtpmaps; rm; rm = rm->rm_next) {
		if (!rm->rm_encoding || rm->rm_rate != 8000)
			continue;

		if (!strcasecmp(rm->rm_encoding, "PCMU") ||
		    !strcasecmp(rm->rm_encoding, "PCMA")) {
			media->pt = (int)rm->rm_pt;
			snprintf(media->codec, sizeof(media->codec), "%s",
				 rm->rm_encoding);
			return 0;
		}
	}

	return -ENOTSUP;
}

static int sipd_util_media(const sdp_session_t *sdp,
			   struct sipd_media *media)
{
	const sdp_media_t *m;
	const sdp_connection_t *c;
	struct in_addr addr;

	for (m = sdp->sdp_media; m; m = m->m_next) {
		if (m->m_type == sdp_media_audio && m->m_port != 0)
			break;
	}

	if (!m)
		return -ENOMSG;

	c = m->m_connections ? m->m_connections : sdp->sdp_connection;
	if (!c || !c->c_address || c->c_addrtype != sdp_addr_ip4)
		return -ENOMSG;

	/*
	 * sofia takes any token as an address ("/00", "300.1.2.3.4");
	 * audiod only streams to a numeric IPv4 address, so anything
	 * else is refused here, with 488, rather than after ringing.
	 */
	if (inet_pton(AF_INET, c->c_address, &addr) != 1)
		return -ENOMSG;

	snprintf(media->address, sizeof(media->address), "%s", c->c_address);
	media->port = (uint16_t)m->m_port;
	return sipd_util_codec(m, media);
}

int sipd_sdp_media(const char *sdp, struct sipd_media *media)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	sdp_parser_t *parser;
	sdp_session_t *session;
	int r;

	memset(media, 0, sizeof(*media));
	media->pt = -1;

	parser = sdp_parse(home, sdp, strlen(sdp), 0);
	session = sdp_session(parser);
	if (!session)
		r = -EBADMSG;
	else
		r = sipd_util_media(session, media);

	sdp_parser_free(parser);
	su_home_deinit(home);
	return r;
}

int sipd_sdp_build(char *buf, size_t len, const char *address,
		   uint16_t port, uint64_t session)
{
	int n;

	n = snprintf(buf, len,
		     "v=0\r\n"
		     "o=deskphone %llu 1 IN IP4 %s\r\n"
		     "s=-\r\n"
		     "c=IN IP4 %s\r\n"
		     "t=0 0\r\n"
		     "m=audio %u RTP/AVP 0 8 101\r\n"
		     "a=rtpmap:0 PCMU/8000\r\n"
		     "a=rtpmap:8 PCMA/8000\r\n"
		     "a=rtpmap:101 telephone-event/8000\r\n"
		     "a=fmtp:101 0-15\r\n"
		     "a=ptime:20\r\n"
		     "%s",
		     (unsigned long long)session, address, address,
		     port ? port : 9u, port ? "" : "a=inactive\r\n");
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;

	return 0;
}

static bool sipd_util_uri_chars_ok(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		/* no header injection, no display-name syntax */
		if (c <= ' ' || c >= 0x7f || strchr("<>\"\\", c))
			return false;
	}

	return true;
}

static int sipd_util_check_uri(const char *uri)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	url_t *url;
	int r = 0;

	url = url_make(home, uri);
	if (!url || (url->url_type != url_sip && url->url_type != url_sips) ||
	    !url->url_host || !*url->url_host)
		r = -EINVAL;

	su_home_deinit(home);
	return r;
}

int sipd_dial_uri(const char *in, const char *domain, char *out, size_t len)
{
	const char *colon, *at;
	int n;

	if (!in || !*in || !sipd_util_uri_chars_ok(in))
		return -EINVAL;

	colon = strchr(in, ':');
	at = strchr(in, '@');

	if (!strncasecmp(in, "sip:", 4) || !strncasecmp(in, "sips:", 5))
		n = snprintf(out, len, "%s", in);
	else if (colon && (!at || colon < at))
		return -EINVAL;	/* another scheme, e.g. tel: or http: */
	else if (strchr(in, '@'))
		n = snprintf(out, len, "sip:%s", in);
	else if (domain && *domain)
		n = snprintf(out, len, "sip:%s@%s", in, domain);
	else
		return -EINVAL;

	if (n < 0 || (size_t)n >= len)
		return -EINVAL;

	return sipd_util_check_uri(out);
}

int sipd_auth_string(char *buf, size_t len, const char *scheme,
		     const char *realm, const char *user,
		     const char *password)
{
	const char *q = realm[0] == '"' ? "" : "\"";
	int n;

	n = snprintf(buf, len, "%s:%s%s%s:%s:%s", scheme, q, realm, q, user,
		     password);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;

	return 0;
}
