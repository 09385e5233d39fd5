/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sipd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

/*
 * Host names for the proxies and Restricted_Access_Domains.  sofia's own
 * resolver reads only DNS, never /etc/hosts, so names are resolved here
 * and requests go to IP addresses.  getaddrinfo() would block the one
 * thread (D-Bus and SIP) for as long as an unreachable DNS server takes,
 * so lookups run with getaddrinfo_a() and a timer polls for the result;
 * callers get -EINPROGRESS and are called again through
 * sipd_reg_resolved() once a lookup has finished.
 */

#define SIPD_RESOLVE_SLOTS 8
#define SIPD_RESOLVE_FRESH_MS (60 * 1000)	/* then refreshed */
#define SIPD_RESOLVE_RETRY_MS (5 * 1000)	/* after a failed lookup */
#define SIPD_RESOLVE_POLL_MS 20

struct sipd_resolve_entry {
	char host[256];
	bool valid;			/* a result is there */
	bool pending;			/* a lookup is running */
	int err;			/* result: 0 or -EHOSTUNREACH */
	struct in_addr addrs[SIPD_RESOLVE_MAX];
	size_t n_addrs;
	uint64_t when;			/* of the result, monotonic ms */
	struct addrinfo hints;
	struct gaicb cb;
};

struct sipd_resolver {
	struct sipd_resolve_entry slots[SIPD_RESOLVE_SLOTS];
	su_timer_t *timer;
};

static uint64_t sipd_resolve_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sipd_resolve_take(struct sipd_resolve_entry *e, int gai)
{
	const struct addrinfo *ai;

	e->pending = false;
	e->valid = true;
	e->when = sipd_resolve_now_ms();
	e->n_addrs = 0;

	if (gai == 0) {
		for (ai = e->cb.ar_result; ai; ai = ai->ai_next) {
			if (ai->ai_family != AF_INET ||
			    e->n_addrs == SIPD_RESOLVE_MAX)
				continue;
			e->addrs[e->n_addrs++] =
				((struct sockaddr_in *)ai->ai_addr)->sin_addr;
		}
		freeaddrinfo(e->cb.ar_result);
		e->cb.ar_result = NULL;
	}

	e->err = e->n_addrs ? 0 : -EHOSTUNREACH;
	if (e->err)
		log_warning("Cannot resolve %s: %s", e->host,
			    gai ? gai_strerror(gai) : "no IPv4 address");
	else
		log_debug("Resolved %s", e->host);
}

static void sipd_resolve_poll_cb(struct sipd *d, su_timer_t *t, void *arg)
{
	struct sipd_resolver *res = d->resolver;
	bool done = false, busy = false;
	size_t i;
	int r;

	for (i = 0; i < SIPD_RESOLVE_SLOTS; i++) {
		struct sipd_resolve_entry *e = &res->slots[i];

		if (!e->pending)
			continue;

		r = gai_error(&e->cb);
		if (r == EAI_INPROGRESS) {
			busy = true;
			continue;
		}

		sipd_resolve_take(e, r);
		done = true;
	}

	if (busy)
		su_timer_set_interval(res->timer, sipd_resolve_poll_cb, NULL,
				      SIPD_RESOLVE_POLL_MS);

	if (done)
		sipd_reg_resolved(d);
}

static void sipd_resolve_start(struct sipd *d, struct sipd_resolve_entry *e)
{
	struct gaicb *list[1] = { &e->cb };
	int r;

	memset(&e->hints, 0, sizeof(e->hints));
	e->hints.ai_family = AF_INET;
	e->hints.ai_socktype = SOCK_DGRAM;
	memset(&e->cb, 0, sizeof(e->cb));
	e->cb.ar_name = e->host;
	e->cb.ar_request = &e->hints;

	r = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	if (r != 0) {
		sipd_resolve_take(e, r);
		return;
	}

	e->pending = true;
	su_timer_set_interval(d->resolver->timer, sipd_resolve_poll_cb, NULL,
			      SIPD_RESOLVE_POLL_MS);
}

/* The entry for @host, or a free (else the oldest idle) one for it. */
static struct sipd_resolve_entry *sipd_resolve_slot(struct sipd *d,
						    const char *host)
{
	struct sipd_resolve_entry *e, *pick = NULL;
	size_t i;

	for (i = 0; i < SIPD_RESOLVE_SLOTS; i++) {
		e = &d->resolver->slots[i];
		if ((e->valid || e->pending) && !strcmp(e->host, host))
			return e;

		if (e->pending)
			continue;

		if (!pick || !e->valid || (pick->valid && e->when < pick->when))
			pick = e;
	}

	if (!pick)
		return NULL;

	memset(pick, 0, sizeof(*pick));
	snprintf(pick->host, sizeof(pick->host), "%s", host);
	return pick;
}

int sipd_resolve(struct sipd *d, const char *host, struct in_addr *addrs,
		 size_t max)
{
	struct sipd_resolve_entry *e;
	uint64_t age;
	size_t i;

	if (max && inet_pton(AF_INET, host, &addrs[0]) == 1)
		return 1;

	if (strlen(host) >= sizeof(e->host))
		return -EINVAL;

	e = sipd_resolve_slot(d, host);
	if (!e)
		return -EBUSY;

	if (!e->valid) {
		if (!e->pending)
			sipd_resolve_start(d, e);
		if (!e->valid)
			return -EINPROGRESS;
	}

	/* an old answer is still used while a new lookup runs */
	age = sipd_resolve_now_ms() - e->when;
	if (!e->pending && age > (e->err ? SIPD_RESOLVE_RETRY_MS :
				  SIPD_RESOLVE_FRESH_MS)) {
		sipd_resolve_start(d, e);
		if (e->pending && e->err)
			return -EINPROGRESS;
	}

	if (e->err)
		return e->err;

	for (i = 0; i < e->n_addrs && i < max; i++)
		addrs[i] = e->addrs[i];

	return (int)i;
}

int sipd_resolve_init(struct sipd *d)
{
	d->resolver = calloc(1, sizeof(*d->resolver));
	if (!d->resolver)
		return -ENOMEM;

	d->resolver->timer = su_timer_create(su_root_task(d->root), 0);
	if (!d->resolver->timer)
		return -ENOMEM;

	return 0;
}

void sipd_resolve_free(struct sipd *d)
{
	struct sipd_resolver *res = d->resolver;
	size_t i;

	if (!res)
		return;

	su_timer_destroy(res->timer);
	res->timer = NULL;

	/* glibc still writes into a running lookup: leave it to the exit */
	for (i = 0; i < SIPD_RESOLVE_SLOTS; i++) {
		struct sipd_resolve_entry *e = &res->slots[i];
		int r;

		if (!e->pending)
			continue;

		r = gai_cancel(&e->cb);
		if (r == EAI_ALLDONE && gai_error(&e->cb) == 0)
			freeaddrinfo(e->cb.ar_result);
		else if (r != EAI_CANCELED && r != EAI_ALLDONE)
			return;
	}

	free(res);
	d->resolver = NULL;
}
