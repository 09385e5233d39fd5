/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sipd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sofia-sip/sresolv.h>
#include <sofia-resolv/sres_record.h>

#include "log.h"

/*
 * SIP_Transport_1_=AUTO: RFC 3263 section 4 for a proxy given as a name
 * without port.  NAPTR first (SIPS+D2T, SIP+D2T, SIP+D2U in the order
 * and preference the records give), then the SRV name it points to;
 * without NAPTR the SRV names _sips._tcp, _sip._tcp, _sip._udp are
 * tried in that order; without any, UDP to the name on port 5060.
 * The SRV target's address comes from the usual lookup (resolve.c).
 * sofia's resolver (sres) runs inside su_root, so nothing blocks.  A
 * result is kept SIPD_AUTO_FRESH_MS.
 */

#define SIPD_AUTO_SLOTS 2
#define SIPD_AUTO_FRESH_MS (300 * 1000)
#define SIPD_AUTO_SRV_MAX 3

struct sipd_auto_entry {
	struct sipd *d;
	char host[256];
	bool pending, done;
	uint64_t when;
	/* SRV names still to try, with their transports */
	char srv[SIPD_AUTO_SRV_MAX][300];
	const char *srv_transport[SIPD_AUTO_SRV_MAX];
	unsigned int n_srv, next_srv;
	/* the result */
	const char *transport;
	char target[256];
	unsigned int port;
};

struct sipd_auto {
	sres_resolver_t *res;
	struct sipd_auto_entry slots[SIPD_AUTO_SLOTS];
};

static uint64_t sipd_auto_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sipd_auto_finish(struct sipd_auto_entry *e, const char *transport,
			     const char *target, unsigned int port)
{
	size_t n;

	e->pending = false;
	e->done = true;
	e->when = sipd_auto_now_ms();
	e->transport = transport;
	snprintf(e->target, sizeof(e->target), "%s", target);
	n = strlen(e->target);
	if (n > 1 && e->target[n - 1] == '.')
		e->target[n - 1] = '\0';
	e->port = port;
	log_info("AUTO transport for %s: %s to %s:%u", e->host, transport,
		 e->target, port);
	sipd_reg_resolved(e->d);
}

static void sipd_auto_next_srv(struct sipd_auto_entry *e);

static void sipd_auto_srv_cb(sres_context_t *ctx, sres_query_t *q,
			     sres_record_t **answers)
{
	struct sipd_auto_entry *e = (struct sipd_auto_entry *)ctx;
	struct sipd_auto *a = e->d->autotr;
	const char *transport = e->srv_transport[e->next_srv - 1];
	size_t i;

	if (answers)
		sres_sort_answers(a->res, answers);
	for (i = 0; answers && answers[i]; i++) {
		sres_srv_record_t *srv = answers[i]->sr_srv;

		if (srv->srv_record->r_status ||
		    srv->srv_record->r_type != sres_type_srv ||
		    !srv->srv_target)
			continue;

		sipd_auto_finish(e, transport, srv->srv_target,
				 srv->srv_port);
		sres_free_answers(a->res, answers);
		return;
	}

	if (answers)
		sres_free_answers(a->res, answers);
	sipd_auto_next_srv(e);
}

static void sipd_auto_next_srv(struct sipd_auto_entry *e)
{
	struct sipd_auto *a = e->d->autotr;

	if (e->next_srv >= e->n_srv) {
		sipd_auto_finish(e, "UDP", e->host, 5060);
		return;
	}

	e->next_srv++;
	if (!sres_query(a->res, sipd_auto_srv_cb, (sres_context_t *)e,
			sres_type_srv, e->srv[e->next_srv - 1]))
		sipd_auto_next_srv(e);
}

static void sipd_auto_add_srv(struct sipd_auto_entry *e, const char *name,
			      const char *transport)
{
	if (e->n_srv == SIPD_AUTO_SRV_MAX)
		return;

	snprintf(e->srv[e->n_srv], sizeof(e->srv[0]), "%s", name);
	e->srv_transport[e->n_srv++] = transport;
}

static const char *sipd_auto_service(const char *services)
{
	if (!strcasecmp(services, "SIPS+D2T"))
		return "TLS";
	if (!strcasecmp(services, "SIP+D2T"))
		return "TCP";
	if (!strcasecmp(services, "SIP+D2U"))
		return "UDP";
	return NULL;
}

static void sipd_auto_naptr_cb(sres_context_t *ctx, sres_query_t *q,
			       sres_record_t **answers)
{
	struct sipd_auto_entry *e = (struct sipd_auto_entry *)ctx;
	struct sipd_auto *a = e->d->autotr;
	char name[300];
	const char *t;
	size_t i;

	/* sorted by order, then preference */
	if (answers)
		sres_sort_answers(a->res, answers);
	for (i = 0; answers && answers[i]; i++) {
		sres_naptr_record_t *na = answers[i]->sr_naptr;

		if (na->na_record->r_status ||
		    na->na_record->r_type != sres_type_naptr ||
		    !na->na_flags || strcasecmp(na->na_flags, "s") ||
		    !na->na_services || !na->na_replace)
			continue;

		t = sipd_auto_service(na->na_services);
		if (t)
			sipd_auto_add_srv(e, na->na_replace, t);
	}

	if (answers)
		sres_free_answers(a->res, answers);
	if (e->n_srv == 0) {
		snprintf(name, sizeof(name), "_sips._tcp.%s", e->host);
		sipd_auto_add_srv(e, name, "TLS");
		snprintf(name, sizeof(name), "_sip._tcp.%s", e->host);
		sipd_auto_add_srv(e, name, "TCP");
		snprintf(name, sizeof(name), "_sip._udp.%s", e->host);
		sipd_auto_add_srv(e, name, "UDP");
	}

	sipd_auto_next_srv(e);
}

static struct sipd_auto_entry *sipd_auto_slot(struct sipd_auto *a,
					      const char *host)
{
	struct sipd_auto_entry *e, *pick = NULL;
	size_t i;

	for (i = 0; i < SIPD_AUTO_SLOTS; i++) {
		e = &a->slots[i];
		if ((e->pending || e->done) && !strcmp(e->host, host))
			return e;
		if (!e->pending && (!pick || e->when < pick->when))
			pick = e;
	}

	return pick;
}

/*
 * Transport, host and port to use for @host under AUTO.  0 with the
 * result; -EINPROGRESS while DNS is asked (sipd_reg_resolved() follows).
 */
int sipd_auto_lookup(struct sipd *d, const char *host,
		     const char **transport, char *target, size_t len,
		     unsigned int *port)
{
	struct sipd_auto *a = d->autotr;
	struct sipd_auto_entry *e;
	struct in_addr ip;

	if (inet_pton(AF_INET, host, &ip) == 1 || !a || !a->res) {
		*transport = "UDP";
		snprintf(target, len, "%s", host);
		*port = 5060;
		return 0;
	}

	e = sipd_auto_slot(a, host);
	if (!e)
		return -EBUSY;

	if (e->done && !strcmp(e->host, host) &&
	    sipd_auto_now_ms() - e->when < SIPD_AUTO_FRESH_MS) {
		*transport = e->transport;
		snprintf(target, len, "%s", e->target);
		*port = e->port;
		return 0;
	}

	if (e->pending)
		return -EINPROGRESS;

	memset(e, 0, sizeof(*e));
	e->d = d;
	e->pending = true;
	snprintf(e->host, sizeof(e->host), "%s", host);
	if (!sres_query(a->res, sipd_auto_naptr_cb, (sres_context_t *)e,
			sres_type_naptr, host))
		sipd_auto_naptr_cb((sres_context_t *)e, NULL, NULL);

	return e->done ? sipd_auto_lookup(d, host, transport, target, len,
					  port) : -EINPROGRESS;
}

int sipd_auto_init(struct sipd *d)
{
	const char *conf = getenv("SIPD_TEST_RESOLV_CONF");

	d->autotr = calloc(1, sizeof(*d->autotr));
	if (!d->autotr)
		return -ENOMEM;

	d->autotr->res = sres_resolver_create(d->root, conf, TAG_END());
	if (!d->autotr->res)
		log_warning("No DNS resolver for SIP_Transport_1_=AUTO: "
			    "it will use UDP");
	return 0;
}

void sipd_auto_free(struct sipd *d)
{
	if (!d->autotr)
		return;

	if (d->autotr->res)
		sres_resolver_destroy(d->autotr->res);
	free(d->autotr);
	d->autotr = NULL;
}
