/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sipd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/url.h>

#include "log.h"

/*
 * Auth_INVITE_1_: the caller (in practice the proxy) must prove that it
 * knows the line's credentials before an initial INVITE rings.  sofia's
 * auth_module accepts replays, ignores the digest uri and knows only
 * MD5 (notes/sofia-sip.md 2.3), so the digest is done here (RFC 7616,
 * RFC 8760 for SIP):
 *  - nonces are 128 random bits from OpenSSL, kept in a small table with
 *    the time they were issued and the highest nonce-count seen;
 *  - a nonce is good for SIPD_AUTH_NONCE_EXPIRES s and for one call:
 *    once a call was let in with it, it is spent;
 *  - the challenge offers MD5 and SHA-256 (qop=auth only);
 *  - the digest uri must be the Request-URI; the response is compared
 *    in constant time;
 *  - a correct response with an expired nonce gets a new challenge with
 *    stale=true; an unknown nonce a plain new challenge; a wrong
 *    response, another uri, a nonce-count not above the last one or a
 *    spent nonce (a replay) gets 403.
 */

#define SIPD_AUTH_NONCE_EXPIRES 60
/*
 * Every unauthenticated INVITE takes a nonce, so under a burst of calls
 * the table must outlive a challenge's round trip: 256 cover about a
 * second at 300 calls/s (32 covered 0.1 s, and answers came back to an
 * "unknown nonce").  14 KiB.
 */
#define SIPD_AUTH_NONCES 256

struct sipd_nonce {
	char value[33];			/* hex; "" = free */
	uint64_t issued_ms;
	uint32_t last_nc;
	bool spent;
};

static struct sipd_nonce sipd_auth_nonces[SIPD_AUTH_NONCES];

/* Test hook: a shorter life for nonces (ms). */
static uint64_t sipd_auth_expires_ms(void)
{
	const char *v = getenv("SIPD_TEST_NONCE_EXPIRES_MS");

	if (v && *v)
		return strtoull(v, NULL, 10);

	return SIPD_AUTH_NONCE_EXPIRES * 1000u;
}

static uint64_t sipd_auth_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static const char *sipd_auth_param(struct sipd *d, const char *name)
{
	const char *v = param_store_get(d->params, name);

	return v ? v : "";
}

static void sipd_auth_hex(const unsigned char *raw, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

/*
 * How readily an entry gives way to a new nonce: a free one first, then
 * a spent or expired one (nobody can use it any more), then the oldest
 * still waiting for its answer.
 */
static unsigned int sipd_auth_nonce_rank(const struct sipd_nonce *n,
					 uint64_t now, uint64_t life)
{
	if (!n->value[0])
		return 0;

	if (n->spent || now - n->issued_ms > life)
		return 1;

	return 2;
}

/* A fresh nonce in the table, in the entry that matters least. */
static const struct sipd_nonce *sipd_auth_new_nonce(void)
{
	struct sipd_nonce *n = &sipd_auth_nonces[0];
	uint64_t now = sipd_auth_now_ms(), life = sipd_auth_expires_ms();
	unsigned int rank = sipd_auth_nonce_rank(n, now, life), r;
	unsigned char raw[16];
	size_t i;

	for (i = 1; i < SIPD_AUTH_NONCES && rank > 0; i++) {
		r = sipd_auth_nonce_rank(&sipd_auth_nonces[i], now, life);
		if (r < rank || (r == rank && sipd_auth_nonces[i].issued_ms <
					      n->issued_ms)) {
			n = &sipd_auth_nonces[i];
			rank = r;
		}
	}

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return NULL;

	memset(n, 0, sizeof(*n));
	sipd_auth_hex(raw, sizeof(raw), n->value);
	n->issued_ms = now;
	return n;
}

static struct sipd_nonce *sipd_auth_find_nonce(const char *value)
{
	size_t i;

	for (i = 0; i < SIPD_AUTH_NONCES; i++) {
		if (sipd_auth_nonces[i].value[0] &&
		    !strcmp(sipd_auth_nonces[i].value, value))
			return &sipd_auth_nonces[i];
	}

	return NULL;
}

/* Copies a digest parameter value without its quotes; "" if absent. */
static void sipd_auth_get(const msg_auth_t *au, const char *name, char *out,
			  size_t len)
{
	const char *v = msg_params_find(au->au_params, name);
	size_t n;

	if (!v)
		v = "";
	if (*v == '"')
		v++;

	n = strcspn(v, "\"");
	if (n >= len)
		n = len - 1;

	memcpy(out, v, n);
	out[n] = '\0';
}

/* hex(H(a ":" b ":" ...)) with the algorithm of the response. */
static int sipd_auth_h(const EVP_MD *alg, char *out,
		       const char *const *parts)
{
	char buf[1024];
	unsigned char raw[EVP_MAX_MD_SIZE];
	unsigned int raw_len;
	size_t len = 0, n, i;

	for (i = 0; parts[i]; i++) {
		n = strlen(parts[i]);
		if (len + n + 1 >= sizeof(buf))
			return -ENOSPC;
		if (i)
			buf[len++] = ':';
		memcpy(buf + len, parts[i], n);
		len += n;
	}

	if (EVP_Digest(buf, len, raw, &raw_len, alg, NULL) != 1)
		return -EIO;

	sipd_auth_hex(raw, raw_len, out);
	return 0;
}

struct sipd_digest {
	char username[80], realm[260], nonce[80], uri[512], response[80];
	char algorithm[24], qop[16], nc[16], cnonce[80];
};

static bool sipd_auth_ct_equal(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (n != strlen(b))
		return false;

	return CRYPTO_memcmp(a, b, n) == 0;
}

/* The response the caller should have sent, for @alg. */
static int sipd_auth_expected(struct sipd *d, const struct sipd_digest *g,
			      const EVP_MD *alg, const char *user,
			      const char *method, char *out)
{
	char ha1[65], ha2[65];
	const char *p1[] = { user, g->realm,
			     sipd_auth_param(d, "Password_1_"), NULL };
	const char *p2[] = { method, g->uri, NULL };
	const char *p3[] = { ha1, g->nonce, g->nc, g->cnonce, g->qop, ha2,
			     NULL };
	int r;

	r = sipd_auth_h(alg, ha1, p1);
	if (r >= 0)
		r = sipd_auth_h(alg, ha2, p2);
	if (r >= 0)
		r = sipd_auth_h(alg, out, p3);
	return r;
}

enum sipd_auth_verdict {
	SIPD_AUTH_OK,
	SIPD_AUTH_CHALLENGE,		/* no usable credentials: 401 */
	SIPD_AUTH_STALE,		/* right, but the nonce expired */
	SIPD_AUTH_FORBIDDEN,		/* wrong, replayed, other uri */
};

static enum sipd_auth_verdict sipd_auth_check(struct sipd *d,
					      const msg_auth_t *au,
					      const sip_t *sip,
					      const char *realm,
					      const char **why)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	const char *user = sipd_auth_param(d, "Auth_ID_1_");
	struct sipd_digest g;
	struct sipd_nonce *n;
	const EVP_MD *alg;
	char expected[65], *end;
	unsigned long nc;
	url_t *url;
	bool same_uri;

	if (!*user)
		user = sipd_auth_param(d, "User_ID_1_");

	sipd_auth_get(au, "username=", g.username, sizeof(g.username));
	sipd_auth_get(au, "realm=", g.realm, sizeof(g.realm));
	sipd_auth_get(au, "nonce=", g.nonce, sizeof(g.nonce));
	sipd_auth_get(au, "uri=", g.uri, sizeof(g.uri));
	sipd_auth_get(au, "response=", g.response, sizeof(g.response));
	sipd_auth_get(au, "algorithm=", g.algorithm, sizeof(g.algorithm));
	sipd_auth_get(au, "qop=", g.qop, sizeof(g.qop));
	sipd_auth_get(au, "nc=", g.nc, sizeof(g.nc));
	sipd_auth_get(au, "cnonce=", g.cnonce, sizeof(g.cnonce));

	if (strcmp(g.realm, realm) != 0) {
		*why = "another realm";
		return SIPD_AUTH_CHALLENGE;
	}

	n = sipd_auth_find_nonce(g.nonce);
	if (!n) {
		*why = "unknown nonce";
		return SIPD_AUTH_CHALLENGE;
	}

	if (!*g.algorithm || !strcasecmp(g.algorithm, "MD5"))
		alg = EVP_md5();
	else if (!strcasecmp(g.algorithm, "SHA-256"))
		alg = EVP_sha256();
	else {
		*why = "unsupported algorithm";
		return SIPD_AUTH_CHALLENGE;
	}

	if (strcmp(g.qop, "auth") != 0 || !*g.cnonce || strlen(g.nc) != 8) {
		*why = "no qop=auth with nc and cnonce";
		return SIPD_AUTH_FORBIDDEN;
	}

	url = url_make(home, g.uri);
	same_uri = url && url_cmp(url, sip->sip_request->rq_url) == 0;
	su_home_deinit(home);
	if (!same_uri) {
		*why = "digest uri is not the Request-URI";
		return SIPD_AUTH_FORBIDDEN;
	}

	if (strcmp(g.username, user) != 0 ||
	    sipd_auth_expected(d, &g, alg, user,
			       sip->sip_request->rq_method_name,
			       expected) < 0 ||
	    !sipd_auth_ct_equal(expected, g.response)) {
		*why = "wrong credentials";
		return SIPD_AUTH_FORBIDDEN;
	}

	nc = strtoul(g.nc, &end, 16);
	if (*end || n->spent || nc <= n->last_nc) {
		*why = "replayed (nonce spent or nonce-count not increasing)";
		return SIPD_AUTH_FORBIDDEN;
	}

	n->last_nc = (uint32_t)nc;
	if (sipd_auth_now_ms() - n->issued_ms > sipd_auth_expires_ms()) {
		*why = "nonce expired";
		return SIPD_AUTH_STALE;
	}

	n->spent = true;
	return SIPD_AUTH_OK;
}

/*
 * 401 with a new nonce, for MD5 and SHA-256.  MD5 is listed first
 * although RFC 8760 2.4 would put the preferred one first: clients that
 * read only the first challenge (sipp 3.6 among them) know only MD5;
 * clients that know SHA-256 pick it from the list.
 */
static int sipd_auth_challenge(struct sipd *d, nua_handle_t *nh,
			       const char *realm, bool stale)
{
	const struct sipd_nonce *n = sipd_auth_new_nonce();
	char sha[512], md5[512];

	if (!n)
		return -EIO;

	snprintf(sha, sizeof(sha), "Digest realm=\"%s\", nonce=\"%s\", "
		 "algorithm=SHA-256, qop=\"auth\"%s", realm, n->value,
		 stale ? ", stale=true" : "");
	snprintf(md5, sizeof(md5), "Digest realm=\"%s\", nonce=\"%s\", "
		 "algorithm=MD5, qop=\"auth\"%s", realm, n->value,
		 stale ? ", stale=true" : "");
	nua_respond(nh, SIP_401_UNAUTHORIZED,
		    SIPTAG_WWW_AUTHENTICATE_STR(md5),
		    SIPTAG_WWW_AUTHENTICATE_STR(sha), TAG_END());
	return 0;
}

/*
 * Returns 0 when the INVITE may ring, 1 when it was answered here (401
 * challenge, 403), -errno when the check could not run (the caller
 * answers 500).
 */
int sipd_auth_invite(struct sipd *d, nua_handle_t *nh, const sip_t *sip)
{
	const char *realm = d->reg.proxy_host[0] ? d->reg.proxy_host :
						   d->local_addr;
	enum sipd_auth_verdict v = SIPD_AUTH_CHALLENGE, one;
	const char *why = "no credentials", *w;
	const msg_auth_t *au;

	/* the best verdict among the Authorization headers for our realm */
	for (au = sip->sip_authorization; au; au = au->au_next) {
		if (!au->au_scheme || strcasecmp(au->au_scheme, "Digest"))
			continue;

		w = why;
		one = sipd_auth_check(d, au, sip, realm, &w);
		if (one == SIPD_AUTH_OK || v == SIPD_AUTH_CHALLENGE ||
		    (one == SIPD_AUTH_STALE && v == SIPD_AUTH_FORBIDDEN)) {
			v = one;
			why = w;
		}
		if (v == SIPD_AUTH_OK)
			return 0;
	}

	log_info("INVITE not authorised: %s", why);
	if (v == SIPD_AUTH_FORBIDDEN) {
		nua_respond(nh, SIP_403_FORBIDDEN, TAG_END());
		return 1;
	}

	if (sipd_auth_challenge(d, nh, realm, v == SIPD_AUTH_STALE) < 0)
		return -EIO;

	return 1;
}

/* The challenge to answer: SHA-256 when offered, else MD5. */
static const msg_auth_t *sipd_auth_pick(const msg_auth_t *au,
					const EVP_MD **alg)
{
	const msg_auth_t *md5 = NULL;
	char a[24];

	for (; au; au = au->au_next) {
		if (!au->au_scheme || strcasecmp(au->au_scheme, "Digest"))
			continue;

		sipd_auth_get(au, "algorithm=", a, sizeof(a));
		if (!strcasecmp(a, "SHA-256")) {
			*alg = EVP_sha256();
			return au;
		}
		if ((!*a || !strcasecmp(a, "MD5")) && !md5)
			md5 = au;
	}

	*alg = EVP_md5();
	return md5;
}

/*
 * (Proxy-)Authorization value answering the challenge in @sip for
 * @method @uri, with the line's credentials, computed here so that no
 * credentials are ever cached in a call's nua handle (nua would answer
 * a far end's challenge to BYE with them: "SIPDigestLeak").  @realm
 * gets the challenge's realm.
 */
int sipd_auth_client(struct sipd *d, int status, const sip_t *sip,
		     const char *method, const char *uri, char *out,
		     size_t len, char *realm, size_t realm_len)
{
	const char *user = sipd_auth_param(d, "Auth_ID_1_");
	const msg_auth_t *au;
	const EVP_MD *alg;
	struct sipd_digest g = { .nc = "00000001" };
	char qop[64], opaque[200], expected[65], ha1[65], ha2[65];
	unsigned char raw[8];
	int n;

	if (!*user)
		user = sipd_auth_param(d, "User_ID_1_");

	au = sipd_auth_pick(status == 401 ? sip->sip_www_authenticate :
				sip->sip_proxy_authenticate, &alg);
	if (!au)
		return -EBADMSG;

	sipd_auth_get(au, "realm=", g.realm, sizeof(g.realm));
	sipd_auth_get(au, "nonce=", g.nonce, sizeof(g.nonce));
	sipd_auth_get(au, "qop=", qop, sizeof(qop));
	sipd_auth_get(au, "opaque=", opaque, sizeof(opaque));
	snprintf(g.uri, sizeof(g.uri), "%s", uri);
	snprintf(realm, realm_len, "%s", g.realm);
	if (!g.nonce[0] || RAND_bytes(raw, sizeof(raw)) != 1)
		return -EBADMSG;
	sipd_auth_hex(raw, sizeof(raw), g.cnonce);

	if (strstr(qop, "auth") && !strstr(qop, "auth-int")) {
		snprintf(g.qop, sizeof(g.qop), "auth");
		if (sipd_auth_expected(d, &g, alg, user, method, expected) < 0)
			return -ENOSPC;
	} else {
		/* RFC 2069 style, without qop */
		const char *p1[] = { user, g.realm,
				     sipd_auth_param(d, "Password_1_"), NULL };
		const char *p2[] = { method, g.uri, NULL };
		const char *p3[] = { ha1, g.nonce, ha2, NULL };

		if (sipd_auth_h(alg, ha1, p1) < 0 ||
		    sipd_auth_h(alg, ha2, p2) < 0 ||
		    sipd_auth_h(alg, expected, p3) < 0)
			return -ENOSPC;
	}

	n = snprintf(out, len, "Digest username=\"%s\", realm=\"%s\", "
		     "nonce=\"%s\", uri=\"%s\", response=\"%s\", "
		     "algorithm=%s%s%s%s%s%s%s%s", user, g.realm, g.nonce,
		     g.uri, expected,
		     alg == EVP_sha256() ? "SHA-256" : "MD5",
		     g.qop[0] ? ", qop=auth, nc=" : "", g.qop[0] ? g.nc : "",
		     g.qop[0] ? ", cnonce=\"" : "", g.qop[0] ? g.cnonce : "",
		     g.qop[0] ? "\"" : "", opaque[0] ? ", opaque=\"" : "",
		     opaque[0] ? opaque : "");
	if (n > 0 && opaque[0] && (size_t)n + 1 < len)
		strcat(out, "\"");
	return n < 0 || (size_t)n + 1 >= len ? -ENOSPC : 0;
}
