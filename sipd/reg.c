/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sipd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/url.h>

#include "log.h"

/*
 * Registration of line 1 (RFC 3261 section 10).  nua refreshes a
 * binding by itself before it expires; this file starts it, answers
 * digest challenges once per attempt, and after a failure retries with
 * a growing delay.  A parameter change un-registers the old binding
 * and registers the new one.
 */

#define SIPD_REG_RESTART_DELAY_MS 50
#define SIPD_REG_UNREG_WAIT_MS 2000

static const char *sipd_reg_param(struct sipd *d, const char *name)
{
	const char *v = param_store_get(d->params, name);

	return v ? v : "";
}

static void sipd_reg_set_state(struct sipd *d, enum sipd_reg_state state,
			       const char *reason)
{
	struct sipd_reg *reg = &d->reg;
	bool state_changed = reg->state != state;
	bool reason_changed = strcmp(reg->reason, reason) != 0;

	reg->state = state;
	snprintf(reg->reason, sizeof(reg->reason), "%s", reason);

	if (state_changed && reason_changed)
		sipd_bus_changed(d, "RegistrationState", "RegistrationReason",
				 NULL);
	else if (state_changed)
		sipd_bus_changed(d, "RegistrationState", NULL);
	else if (reason_changed)
		sipd_bus_changed(d, "RegistrationReason", NULL);
}

static void sipd_reg_set_expires(struct sipd *d, uint32_t expires)
{
	if (d->reg.expires == expires)
		return;

	d->reg.expires = expires;
	sipd_bus_changed(d, "RegistrationExpires", NULL);
}

/* SIP_Transport_1_, with AUTO as DNS decided it (auto.c). */
static const char *sipd_reg_transport(struct sipd *d)
{
	const char *t = sipd_reg_param(d, "SIP_Transport_1_");

	if (!strcmp(t, "AUTO"))
		return d->auto_transport ? d->auto_transport : "UDP";

	return t;
}

static const char *sipd_reg_transport_param(struct sipd *d)
{
	const char *t = sipd_reg_transport(d);

	if (!strcmp(t, "TCP"))
		return ";transport=tcp";
	if (!strcmp(t, "UDP"))
		return ";transport=udp";
	if (!strcmp(t, "TLS"))
		return ";transport=tls";

	return "";
}

bool sipd_reg_tls(struct sipd *d)
{
	return !strcmp(sipd_reg_transport(d), "TLS");
}

/*
 * AUTO and a name without port: RFC 3263 gives transport, host and
 * port.  The transport is the next hop's: Outbound_Proxy_1_, else
 * Proxy_1_.
 */
static int sipd_reg_auto(struct sipd *d, const char *value, char *host,
			 size_t host_len, unsigned int *port)
{
	const char *ob = sipd_reg_param(d, "Outbound_Proxy_1_");
	const char *t;
	int r;

	if (strcmp(sipd_reg_param(d, "SIP_Transport_1_"), "AUTO") || *port)
		return 0;

	r = sipd_auto_lookup(d, host, &t, host, host_len, port);
	if (r < 0)
		return r;

	if (!strcmp(value, *ob ? ob : sipd_reg_param(d, "Proxy_1_")))
		d->auto_transport = t;
	return 0;
}

/* sofia's resolver never reads /etc/hosts: resolve here, send to IP */
static int sipd_reg_lookup(struct sipd *d, const char *host,
			   struct in_addr *addr)
{
	int r = sipd_resolve(d, host, addr, 1);

	return r < 0 ? r : 0;
}

/*
 * @value is "host[:port]".  Gives the URI to send to in @url and the
 * host as written in @host (for the address of record); @sin (if not
 * NULL) gets the address.  -EINPROGRESS while the name is looked up.
 *
 * Over UDP and TCP the URI holds the IP.  Over TLS it keeps the name
 * the server certificate must match; the relay (tls.c) connects to the
 * address.
 */
int sipd_reg_resolve(struct sipd *d, const char *value, char *url,
		     size_t len, char *host, size_t host_len,
		     struct sockaddr_in *sin)
{
	char ip[INET_ADDRSTRLEN];
	char name[256], target[256];
	struct in_addr addr;
	unsigned int port;
	bool tls;
	int r;

	r = sipd_split_hostport(value, host, host_len, &port);
	if (r < 0)
		return r;

	/* the certificate is checked against the name, not the SRV target */
	snprintf(name, sizeof(name), "%s", host);
	snprintf(target, sizeof(target), "%s", host);
	r = sipd_reg_auto(d, value, target, sizeof(target), &port);
	if (r < 0)
		return r;

	tls = sipd_reg_tls(d);
	r = sipd_reg_lookup(d, target, &addr);
	if (r < 0)
		return r;

	if (!port)
		port = tls ? 5061 : 5060;

	inet_ntop(AF_INET, &addr, ip, sizeof(ip));
	if (tls)
		snprintf(url, len, "sip:%s:%u;transport=tls", name, port);
	else
		snprintf(url, len, "sip:%s:%u%s", ip, port,
			 sipd_reg_transport_param(d));

	if (sin) {
		memset(sin, 0, sizeof(*sin));
		sin->sin_family = AF_INET;
		sin->sin_addr = addr;
		sin->sin_port = htons((uint16_t)port);
	}

	return 0;
}

/*
 * Contact and media address: the bind address, or when bound to the
 * wildcard the source address the kernel picks for the proxy.
 */
static void sipd_reg_pick_local(struct sipd *d, struct sockaddr_in *sin)
{
	socklen_t sl = sizeof(*sin);
	int fd;

	if (strcmp(d->bind_addr, "0.0.0.0") != 0) {
		snprintf(d->local_addr, sizeof(d->local_addr), "%s",
			 d->bind_addr);
		return;
	}

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;

	/* a UDP connect sends nothing; it only selects the route */
	if (connect(fd, (struct sockaddr *)sin, sizeof(*sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)sin, &sl) == 0)
		inet_ntop(AF_INET, &sin->sin_addr, d->local_addr,
			  sizeof(d->local_addr));
	else
		log_warning("No route to the proxy, keeping %s as local "
			    "address", d->local_addr);

	close(fd);
}

int sipd_reg_contact(struct sipd *d, char *buf, size_t len)
{
	const char *user = sipd_reg_param(d, "User_ID_1_");
	int n;

	n = snprintf(buf, len, "<sip:%s%s%s:%u%s>", user, *user ? "@" : "",
		     d->local_addr,
		     sipd_reg_tls(d) && sipd_tls_port(d) ? sipd_tls_port(d) :
							   d->port,
		     sipd_reg_transport_param(d));
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int sipd_reg_from(struct sipd *d, char *buf, size_t len)
{
	const char *name = sipd_reg_param(d, "Display_Name_1_");
	const char *user = sipd_reg_param(d, "User_ID_1_");
	char aor[300];
	int n;

	/* without a registrar the address of record is our own address */
	if (d->reg.aor[0])
		snprintf(aor, sizeof(aor), "%s", d->reg.aor);
	else
		snprintf(aor, sizeof(aor), "sip:%s%s%s", user,
			 *user ? "@" : "", d->local_addr);

	if (*name)
		n = snprintf(buf, len, "\"%s\" <%s>", name, aor);
	else
		n = snprintf(buf, len, "<%s>", aor);

	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

/*
 * Outbound proxy for every request: Outbound_Proxy_1_, else the
 * registrar, as the MPP phones do.  Always an IP, see sipd_reg_lookup().
 * -EINPROGRESS: applied when the lookup ends (sipd_reg_resolved()).
 */
static const char *sipd_reg_ca_file(struct sipd *d)
{
	const char *ca = sipd_reg_param(d, "TLS_CA_File");

	if (*ca)
		return ca;

	return access(d->tls_ca, R_OK) == 0 ? d->tls_ca : "";
}

/*
 * Over TLS every request goes to the relay, which connects to @sin and
 * checks the certificate against @host.
 */
static int sipd_reg_proxy_tls(struct sipd *d, const struct sockaddr_in *sin,
			      const char *host, char *url, size_t len)
{
	const char *v = sipd_reg_param(d, "TLS_Name_Validate_1_");

	sipd_tls_set_target(d, sin, host, param_is_true(v),
			    sipd_reg_ca_file(d));
	return sipd_tls_relay_url(d, url, len);
}

int sipd_reg_apply_proxy(struct sipd *d)
{
	const char *ob = sipd_reg_param(d, "Outbound_Proxy_1_");
	const char *proxy = sipd_reg_param(d, "Proxy_1_");
	char url[160], host[256];
	struct sockaddr_in sin;
	int r;

	if (!*ob)
		ob = proxy;

	r = *ob ? sipd_reg_resolve(d, ob, url, sizeof(url), host,
				   sizeof(host), &sin) : -ENOENT;
	if (r == -EINPROGRESS)
		return r;

	if (r >= 0 && sipd_reg_tls(d)) {
		snprintf(d->next_hop, sizeof(d->next_hop), "%s", url);
		r = sipd_reg_proxy_tls(d, &sin, host, url, sizeof(url));
		if (r >= 0) {
			log_debug("Outbound proxy %s through %s", d->next_hop,
				  url);
			nua_set_params(d->nua, NUTAG_PROXY(sipd_url(url)),
				       TAG_END());
			return 0;
		}
	}

	if (r < 0) {
		d->next_hop[0] = '\0';
		nua_set_params(d->nua, NUTAG_PROXY(NULL), TAG_END());
		return r;
	}

	snprintf(d->next_hop, sizeof(d->next_hop), "%s", url);
	log_debug("Outbound proxy %s", url);
	nua_set_params(d->nua, NUTAG_PROXY(sipd_url(url)), TAG_END());
	return 0;
}

static void sipd_reg_retry_cb(struct sipd *d, su_timer_t *t, void *arg)
{
	sipd_reg_start(d);
}

/*
 * Ends the current registration handle.  nua un-REGISTERs a binding
 * when its handle is destroyed; to a registrar now outside
 * Restricted_Access_Domains that un-REGISTER would go unanswered (the
 * socket filter drops the answer) and nta would retransmit it for 32 s,
 * past a new registration of the same contact, deleting it.  Such a
 * handle is parked instead and destroyed with the stack.
 */
static void sipd_reg_drop(struct sipd *d)
{
	struct sipd_reg *reg = &d->reg;
	size_t i;

	sipd_timeout_forget(d, reg->nh);
	if (reg->state == SIPD_REG_REGISTERED &&
	    sipd_filter_allows(d, &reg->addr.sin_addr) == 0) {
		for (i = 0; i < SIPD_REG_PARKED; i++) {
			if (!reg->parked[i]) {
				reg->parked[i] = reg->nh;
				reg->nh = NULL;
				return;
			}
		}
	}

	nua_handle_destroy(reg->nh);
	reg->nh = NULL;
}

static void sipd_reg_fail(struct sipd *d, const char *reason)
{
	struct sipd_reg *reg = &d->reg;
	unsigned int ms = sipd_backoff_ms(reg->failures, (uint32_t)random());

	if (reg->failures < 16)
		reg->failures++;

	su_timer_reset(reg->refresh_timer);
	if (reg->nh)
		sipd_reg_drop(d);

	log_warning("Registration failed: %s; retrying in %u.%u s", reason,
		    ms / 1000, ms % 1000 / 100);
	sipd_reg_set_state(d, SIPD_REG_FAILED, reason);
	sipd_reg_set_expires(d, 0);
	su_timer_set_interval(reg->retry_timer, sipd_reg_retry_cb, NULL, ms);
}

static bool sipd_reg_wanted(struct sipd *d)
{
	const char *reason = NULL;

	if (!param_is_true(sipd_reg_param(d, "Line_Enable_1_")))
		reason = "Line_Enable_1_ is No";
	else if (!*sipd_reg_param(d, "Proxy_1_"))
		reason = "no Proxy_1_ configured";
	else if (!*sipd_reg_param(d, "User_ID_1_"))
		reason = "no User_ID_1_ configured";

	if (!reason)
		return true;

	log_notice("Registration disabled: %s", reason);
	/* Calls made now must not use the old account's address. */
	d->reg.aor[0] = '\0';
	sipd_reg_set_state(d, SIPD_REG_DISABLED, reason);
	sipd_reg_set_expires(d, 0);
	return false;
}

/* TLS goes through the relay; without it there is no TLS at all. */
static int sipd_reg_check_tls(struct sipd *d, char *reason, size_t len)
{
	const char *ca = sipd_reg_param(d, "TLS_CA_File");

	if (!sipd_reg_tls(d))
		return 0;

	if (!d->tls) {
		snprintf(reason, len, "no TLS relay (see the log)");
		return -EOPNOTSUPP;
	}

	if (*ca && access(ca, R_OK) < 0) {
		snprintf(reason, len, "cannot read TLS_CA_File %s: %s", ca,
			 strerror(errno));
		return -ENOENT;
	}

	return 0;
}

/*
 * Restricted_Access_Domains also bounds where the phone sends: a server
 * outside the list is not registered with (its answers would be dropped
 * by the socket filter anyway).
 */
static int sipd_reg_check_allowed(struct sipd *d, const char *name,
				  const struct sockaddr_in *sin, char *reason,
				  size_t len)
{
	char ip[INET_ADDRSTRLEN];
	int r = sipd_filter_allows(d, &sin->sin_addr);

	if (r != 0)
		return r < 0 ? r : 0;

	inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
	snprintf(reason, len, "%s (%s) is not in Restricted_Access_Domains",
		 name, ip);
	return -EPERM;
}

static int sipd_reg_prepare(struct sipd *d, char *reason, size_t len)
{
	struct sipd_reg *reg = &d->reg;
	const char *proxy = sipd_reg_param(d, "Proxy_1_");
	const char *ob = sipd_reg_param(d, "Outbound_Proxy_1_");
	struct sockaddr_in sin, ob_sin;
	char url[160], host[256];
	int r;

	r = sipd_reg_check_tls(d, reason, len);
	if (r < 0)
		return r;

	r = sipd_reg_apply_proxy(d);
	if (r == -EINPROGRESS)
		return r;

	if (r < 0 && *ob) {
		snprintf(reason, len, "cannot resolve outbound proxy %s", ob);
		return r;
	}

	r = sipd_reg_resolve(d, proxy, reg->registrar, sizeof(reg->registrar),
			     reg->proxy_host, sizeof(reg->proxy_host), &sin);
	if (r == -EINPROGRESS)
		return r;

	if (r < 0) {
		snprintf(reason, len, "cannot resolve proxy %s", proxy);
		return r;
	}

	r = sipd_reg_check_allowed(d, proxy, &sin, reason, len);
	if (r < 0)
		return r;

	if (*ob) {
		r = sipd_reg_resolve(d, ob, url, sizeof(url), host,
				     sizeof(host), &ob_sin);
		if (r >= 0)
			r = sipd_reg_check_allowed(d, ob, &ob_sin, reason,
						   len);
		if (r < 0)
			return r;
	}

	reg->addr = sin;
	sipd_reg_pick_local(d, &sin);
	snprintf(reg->aor, sizeof(reg->aor), "sip:%s@%s",
		 sipd_reg_param(d, "User_ID_1_"), proxy);
	return 0;
}

/* REGISTER on reg->nh: the first one, or a refresh of the binding. */
static void sipd_reg_send(struct sipd *d)
{
	struct sipd_reg *reg = &d->reg;
	char contact[300];

	sipd_reg_contact(d, contact, sizeof(contact));
	nua_register(reg->nh,
		     NUTAG_REGISTRAR(sipd_url(reg->registrar)),
		     SIPTAG_CONTACT_STR(contact),
		     SIPTAG_EXPIRES_STR(sipd_reg_param(d,
						       "Register_Expires_1_")),
		     TAG_END());
	sipd_timeout_sent(d, reg->nh, "REGISTER", reg->registrar);
}

void sipd_reg_start(struct sipd *d)
{
	struct sipd_reg *reg = &d->reg;
	char reason[160], from[400], contact[300];
	int r;

	su_timer_reset(reg->retry_timer);
	reg->waiting_dns = false;
	if (d->stopping || d->restarting || reg->nh || reg->old_nh)
		return;

	if (!sipd_reg_wanted(d))
		return;

	r = sipd_reg_prepare(d, reason, sizeof(reason));
	if (r == -EINPROGRESS) {
		reg->waiting_dns = true;
		if (reg->state != SIPD_REG_FAILED)
			sipd_reg_set_state(d, SIPD_REG_REGISTERING, "");
		return;
	}

	if (r < 0) {
		sipd_reg_fail(d, reason);
		return;
	}

	sipd_reg_from(d, from, sizeof(from));
	sipd_reg_contact(d, contact, sizeof(contact));

	reg->nh = nua_handle(d->nua, NULL, SIPTAG_TO_STR(reg->aor),
			     SIPTAG_FROM_STR(from), TAG_END());
	if (!reg->nh) {
		sipd_reg_fail(d, "out of memory");
		return;
	}

	reg->auth_tries = 0;
	log_info("Registering %s at %s, contact %s", reg->aor, reg->registrar,
		 contact);
	sipd_reg_send(d);

	/* after a failure keep showing why until an attempt succeeds */
	if (reg->state != SIPD_REG_FAILED)
		sipd_reg_set_state(d, SIPD_REG_REGISTERING, "");
}

/* Seconds the registrar granted to our contact (RFC 3261 10.2.4). */
static uint32_t sipd_reg_granted(struct sipd *d, const sip_t *sip)
{
	const sip_contact_t *m;
	unsigned long v;

	for (m = sip->sip_contact; m; m = m->m_next) {
		if (!m->m_url->url_host ||
		    strcmp(m->m_url->url_host, d->local_addr) != 0)
			continue;

		if (m->m_expires) {
			v = strtoul(m->m_expires, NULL, 10);
			return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
		}
	}

	if (sip->sip_expires)
		return (uint32_t)sip->sip_expires->ex_delta;

	return (uint32_t)strtoul(sipd_reg_param(d, "Register_Expires_1_"),
				 NULL, 10);
}

/*
 * sipd refreshes the binding itself, a little before nua would: nua's
 * own refreshes are sent without telling the application, and each
 * REGISTER must be watched for its response (timeout.c).
 */
static void sipd_reg_refresh_cb(struct sipd *d, su_timer_t *t, void *arg)
{
	struct sipd_reg *reg = &d->reg;

	if (!reg->nh || reg->state != SIPD_REG_REGISTERED || d->stopping ||
	    d->restarting)
		return;

	log_debug("Refreshing the registration of %s", reg->aor);
	reg->auth_tries = 0;
	sipd_reg_send(d);
}

static void sipd_reg_ok(struct sipd *d, const sip_t *sip)
{
	struct sipd_reg *reg = &d->reg;
	uint32_t expires = sipd_reg_granted(d, sip);

	if (expires)
		su_timer_set_interval(reg->refresh_timer, sipd_reg_refresh_cb,
				      NULL,
				      sipd_refresh_ms(expires,
						      (uint32_t)random()));

	reg->failures = 0;
	reg->auth_tries = 0;

	if (reg->state != SIPD_REG_REGISTERED)
		log_notice("Registered %s at %s for %u s", reg->aor,
			   reg->registrar, expires);

	sipd_reg_set_state(d, SIPD_REG_REGISTERED, "");
	sipd_reg_set_expires(d, expires);
}

/* NUTAG_AUTH() string answering the challenge in a 401/407 @sip. */
int sipd_reg_auth(struct sipd *d, int status, const sip_t *sip, char *buf,
		  size_t len)
{
	const char *user = sipd_reg_param(d, "Auth_ID_1_");
	const msg_auth_t *au;
	const char *realm;

	if (!*user)
		user = sipd_reg_param(d, "User_ID_1_");

	au = status == 401 ? sip->sip_www_authenticate :
			     sip->sip_proxy_authenticate;
	realm = au ? msg_params_find(au->au_params, "realm=") : NULL;
	if (!realm || !au->au_scheme)
		return -EBADMSG;

	/* the registrar's realm: calls answer challenges only from it */
	snprintf(d->reg.realm, sizeof(d->reg.realm), "%.*s",
		 (int)strcspn(realm + (*realm == '"'), "\""),
		 realm + (*realm == '"'));

	return sipd_auth_string(buf, len, au->au_scheme, realm, user,
				sipd_reg_param(d, "Password_1_"));
}

/*
 * Answers a 401/407 with our credentials, once.  nua itself repeats a
 * request with cached credentials when challenged again, so a second
 * challenge that reaches us means the registrar refused them.
 */
static bool sipd_reg_authenticate(struct sipd *d, int status,
				  const char *phrase, const sip_t *sip,
				  char *reason, size_t len)
{
	struct sipd_reg *reg = &d->reg;
	char auth[600];

	if (reg->auth_tries > 0) {
		snprintf(reason, len, "%d %s: wrong credentials", status,
			 phrase);
		return false;
	}

	if (sipd_reg_auth(d, status, sip, auth, sizeof(auth)) < 0) {
		snprintf(reason, len, "%d %s: unusable challenge", status,
			 phrase);
		return false;
	}

	reg->auth_tries++;
	log_debug("Answering the %d challenge", status);
	nua_authenticate(reg->nh, NUTAG_AUTH(auth), TAG_END());
	sipd_timeout_sent(d, reg->nh, "REGISTER", reg->registrar);
	return true;
}

static void sipd_reg_old_done(struct sipd *d)
{
	struct sipd_reg *reg = &d->reg;

	su_timer_reset(reg->unreg_timer);
	if (reg->old_nh) {
		sipd_timeout_forget(d, reg->old_nh);
		nua_handle_destroy(reg->old_nh);
		reg->old_nh = NULL;
	}

	if (d->stopping) {
		sipd_reg_set_state(d, SIPD_REG_UNREGISTERED, "");
		sipd_shutdown_continue(d);
	} else if (d->restarting) {
		sipd_stack_continue(d);
	} else if (reg->restart_pending) {
		reg->restart_pending = false;
		sipd_reg_apply_proxy(d);
		sipd_reg_start(d);
	}
}

void sipd_reg_event(struct sipd *d, int status, const char *phrase,
		    nua_handle_t *nh, const sip_t *sip)
{
	struct sipd_reg *reg = &d->reg;
	char reason[200];

	if (status < 200)
		return;

	if (nh == reg->old_nh) {
		log_info("Un-registered: %d %s", status, phrase);
		sipd_reg_old_done(d);
		return;
	}

	if (nh != reg->nh)
		return;

	if (status < 300) {
		sipd_reg_ok(d, sip);
		return;
	}

	if ((status == 401 || status == 407) && sip &&
	    sipd_reg_authenticate(d, status, phrase, sip, reason,
				  sizeof(reason)))
		return;

	if (status != 401 && status != 407)
		snprintf(reason, sizeof(reason), "%d %s", status, phrase);

	sipd_reg_fail(d, reason);
}

/* The relay could not make a checked TLS connection to the server. */
void sipd_reg_tls_failed(struct sipd *d, const char *reason)
{
	struct sipd_reg *reg = &d->reg;

	if (!reg->nh || d->stopping || d->restarting)
		return;

	/* never wait for sofia's timer F: the reason is known now */
	sipd_reg_fail(d, reason);
}

/* A name lookup finished: the proxy, or a waiting registration. */
void sipd_reg_resolved(struct sipd *d)
{
	if (d->stopping || d->restarting)
		return;

	sipd_filter_update(d);

	sipd_reg_apply_proxy(d);
	if (d->reg.waiting_dns)
		sipd_reg_start(d);
}

bool sipd_reg_owns(struct sipd *d, nua_handle_t *nh)
{
	return nh && (nh == d->reg.nh || nh == d->reg.old_nh);
}

static void sipd_reg_unreg_timeout_cb(struct sipd *d, su_timer_t *t,
				      void *arg)
{
	log_warning("No answer to un-REGISTER in time, going on");
	sipd_reg_old_done(d);
}

/* Moves the current binding to old_nh and un-registers it. */
static bool sipd_reg_unregister(struct sipd *d)
{
	struct sipd_reg *reg = &d->reg;

	su_timer_reset(reg->refresh_timer);
	if (!reg->nh)
		return reg->old_nh != NULL;

	/* never to a registrar now outside Restricted_Access_Domains */
	if (reg->state != SIPD_REG_REGISTERED || reg->old_nh ||
	    sipd_filter_allows(d, &reg->addr.sin_addr) == 0) {
		sipd_reg_drop(d);
		return reg->old_nh != NULL;
	}

	reg->old_nh = reg->nh;
	reg->nh = NULL;
	log_info("Un-registering %s", reg->aor);
	nua_unregister(reg->old_nh, TAG_END());
	sipd_timeout_sent(d, reg->old_nh, "REGISTER", reg->registrar);
	su_timer_set_interval(reg->unreg_timer, sipd_reg_unreg_timeout_cb,
			      NULL, SIPD_REG_UNREG_WAIT_MS);
	return true;
}

static void sipd_reg_restart_cb(struct sipd *d, su_timer_t *t, void *arg)
{
	struct sipd_reg *reg = &d->reg;

	/* a new stack registers with whatever the settings are then */
	if (d->stopping || d->restarting)
		return;

	log_info("Line 1 settings changed, registering again");
	su_timer_reset(reg->retry_timer);
	reg->failures = 0;

	/*
	 * The un-REGISTER goes the way the binding was made: the new
	 * proxy only once it is done (sipd_reg_old_done()).  Before, over
	 * TLS it went through the relay to the new server, or with no
	 * proxy found no transport at all (503) once the registrar had
	 * closed the connection, and the binding stayed.
	 */
	if (sipd_reg_unregister(d))
		reg->restart_pending = true;
	else
		sipd_reg_apply_proxy(d);

	/* a new attempt with new settings: the old failure no longer applies */
	sipd_reg_set_state(d, SIPD_REG_REGISTERING, "");
	sipd_reg_set_expires(d, 0);

	if (!reg->restart_pending)
		sipd_reg_start(d);
}

void sipd_reg_schedule_restart(struct sipd *d)
{
	/* SetMany changes several values: register once for all of them */
	su_timer_set_interval(d->reg.restart_timer, sipd_reg_restart_cb, NULL,
			      SIPD_REG_RESTART_DELAY_MS);
}

/* Returns 1 while an un-REGISTER is on its way, 0 when nothing to do. */
int sipd_reg_stop(struct sipd *d)
{
	struct sipd_reg *reg = &d->reg;

	su_timer_reset(reg->retry_timer);
	su_timer_reset(reg->restart_timer);
	reg->restart_pending = false;

	if (sipd_reg_unregister(d))
		return 1;

	return 0;
}

int sipd_reg_init(struct sipd *d)
{
	struct sipd_reg *reg = &d->reg;

	reg->retry_timer = su_timer_create(su_root_task(d->root), 0);
	reg->restart_timer = su_timer_create(su_root_task(d->root), 0);
	reg->unreg_timer = su_timer_create(su_root_task(d->root), 0);
	reg->refresh_timer = su_timer_create(su_root_task(d->root), 0);
	if (!reg->retry_timer || !reg->restart_timer || !reg->unreg_timer ||
	    !reg->refresh_timer)
		return -ENOMEM;

	reg->state = SIPD_REG_DISABLED;
	return 0;
}

void sipd_reg_done(struct sipd *d)
{
	struct sipd_reg *reg = &d->reg;

	su_timer_destroy(reg->retry_timer);
	su_timer_destroy(reg->restart_timer);
	su_timer_destroy(reg->unreg_timer);
	su_timer_destroy(reg->refresh_timer);
	reg->retry_timer = reg->restart_timer = reg->unreg_timer = NULL;
	reg->refresh_timer = NULL;
}
