/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sipd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <sofia-sip/auth_module.h>
#include <sofia-sip/auth_plugin.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/url.h>

#include "log.h"

/*
 * Auth_INVITE_1_: the caller (in practice the proxy) must prove that it
 * knows the line's credentials before an initial INVITE rings.  sofia's
 * auth_module does the digest (RFC 2617) but, as measured on this
 * version, accepts replays and ignores the digest uri, and its default
 * nonce key is a constant.  So: a random key per boot, short-lived
 * nonces, the digest uri compared with the Request-URI, and a small
 * cache of responses already used.
 */

#define SIPD_AUTH_NONCE_EXPIRES 60
#define SIPD_AUTH_SEEN 32

static const auth_challenger_t sipd_auth_challenger[] = {
	{ SIP_401_UNAUTHORIZED, sip_www_authenticate_class,
	  sip_authentication_info_class },
};

static char sipd_auth_key[33];
static char sipd_auth_seen[SIPD_AUTH_SEEN][40];
static unsigned int sipd_auth_seen_next;

static const char *sipd_auth_param(struct sipd *d, const char *name)
{
	const char *v = param_store_get(d->params, name);

	return v ? v : "";
}

static int sipd_auth_init_key(void)
{
	unsigned char raw[16];
	size_t i;

	if (sipd_auth_key[0])
		return 0;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -errno;

	for (i = 0; i < sizeof(raw); i++)
		snprintf(sipd_auth_key + 2 * i, 3, "%02x", raw[i]);

	return 0;
}

/* Copies a digest parameter value without its quotes. */
static void sipd_auth_unquote(const char *v, char *out, size_t len)
{
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

static bool sipd_auth_uri_matches(const msg_auth_t *au, const sip_t *sip)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	char uri[512];
	url_t *url;
	bool ok;

	sipd_auth_unquote(msg_params_find(au->au_params, "uri="), uri,
			  sizeof(uri));
	url = url_make(home, uri);
	ok = url && url_cmp(url, sip->sip_request->rq_url) == 0;
	su_home_deinit(home);
	return ok;
}

/* True when this digest response was seen before: a replay. */
static bool sipd_auth_replayed(const msg_auth_t *au)
{
	char response[40];
	unsigned int i;

	sipd_auth_unquote(msg_params_find(au->au_params, "response="),
			  response, sizeof(response));
	if (!response[0])
		return true;

	for (i = 0; i < SIPD_AUTH_SEEN; i++) {
		if (!strcmp(sipd_auth_seen[i], response))
			return true;
	}

	snprintf(sipd_auth_seen[sipd_auth_seen_next],
		 sizeof(sipd_auth_seen[0]), "%s", response);
	sipd_auth_seen_next = (sipd_auth_seen_next + 1) % SIPD_AUTH_SEEN;
	return false;
}

static auth_mod_t *sipd_auth_module(struct sipd *d, const char *realm)
{
	const char *user = sipd_auth_param(d, "Auth_ID_1_");
	auth_passwd_t *apw;
	auth_mod_t *am;

	if (!*user)
		user = sipd_auth_param(d, "User_ID_1_");

	am = auth_mod_create(d->root, AUTHTAG_METHOD("Digest"),
			     AUTHTAG_REALM(realm), AUTHTAG_QOP("auth"),
			     AUTHTAG_ALGORITHM("MD5"),
			     AUTHTAG_EXPIRES(SIPD_AUTH_NONCE_EXPIRES),
			     AUTHTAG_NEXT_EXPIRES(SIPD_AUTH_NONCE_EXPIRES),
			     AUTHTAG_MASTER_KEY(sipd_auth_key),
			     AUTHTAG_FORBIDDEN(1), TAG_END());
	if (!am)
		return NULL;

	apw = auth_mod_addpass(am, user, realm);
	if (!apw) {
		auth_mod_unref(am);
		return NULL;
	}

	apw->apw_pass = su_strdup(am->am_home,
				  sipd_auth_param(d, "Password_1_"));
	return am;
}

/*
 * Returns 0 when the INVITE may ring, 1 when it was answered here (401
 * challenge, 403), -errno when the check could not run (the caller
 * answers 500).
 */
int sipd_auth_invite(struct sipd *d, nua_handle_t *nh, const sip_t *sip)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	const char *realm = d->reg.proxy_host[0] ? d->reg.proxy_host :
						   d->local_addr;
	auth_status_t *as;
	auth_mod_t *am;
	int r = 1;

	if (sipd_auth_init_key() < 0)
		return -EIO;

	am = sipd_auth_module(d, realm);
	as = am ? auth_status_new(home) : NULL;
	if (!as) {
		if (am)
			auth_mod_unref(am);
		return -ENOMEM;
	}

	as->as_method = sip->sip_request->rq_method_name;
	as->as_source = msg_addrinfo(nua_current_request(d->nua));
	as->as_realm = realm;
	if (sip->sip_payload) {
		as->as_body = sip->sip_payload->pl_data;
		as->as_bodylen = sip->sip_payload->pl_len;
	}

	auth_mod_verify(am, as, sip->sip_authorization, sipd_auth_challenger);

	if (as->as_status) {
		log_info("INVITE not authorised: %d %s", as->as_status,
			 as->as_phrase);
		nua_respond(nh, as->as_status, as->as_phrase,
			    SIPTAG_HEADER((sip_header_t *)as->as_response),
			    TAG_END());
	} else if (!as->as_match ||
		   !sipd_auth_uri_matches((msg_auth_t *)as->as_match, sip) ||
		   sipd_auth_replayed((msg_auth_t *)as->as_match)) {
		log_notice("INVITE credentials replayed or for another URI, "
			   "refusing");
		nua_respond(nh, SIP_403_FORBIDDEN, TAG_END());
	} else {
		r = 0;
	}

	auth_status_unref(as);
	auth_mod_unref(am);
	su_home_deinit(home);
	return r;
}
