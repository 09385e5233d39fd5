/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp-client.h"
#include "log.h"

/* REQUEST transmissions before giving up on an offer (back to INIT). */
#define DHCP_REQUEST_TRIES 4
/*
 * Shortest lease the timers honour: a server handing out 0 s leases
 * would otherwise have the client loop DISCOVER/REQUEST at once.
 */
#define DHCP_LEASE_MIN_SEC 10
/* Retransmission delays stop doubling at base << 4 (64 s by default). */
#define DHCP_BACKOFF_SHIFT_MAX 4
/*
 * RFC 2131 4.4.5: RENEWING and REBINDING wait half the time left, but
 * at least 60 s; 15 times the base keeps that scaled for the tests.
 */
#define DHCP_RENEW_MIN_FACTOR 15
/*
 * RFC 2131 3.1.5: at least 10 s (2.5 bases) from a DECLINE to the next
 * DISCOVER.  RFC 5227 2.1.1: after more than MAX_CONFLICTS conflicts in
 * a row, at most one new address per RATE_LIMIT_INTERVAL (60 s).
 */
#define DHCP_DECLINE_WAIT_QUARTERS 10
#define DHCP_MAX_CONFLICTS 10

struct dhcp_client {
	const struct dhcp_client_ops *ops;
	void *data;
	uint8_t mac[6];
	char vendor_class[DHCP_TEXT_MAX + 1];

	enum dhcp_client_state state;
	uint64_t retransmit_base;
	uint32_t xid;
	uint64_t start_usec;		/* first message: the secs field */
	uint64_t request_usec;		/* last REQUEST: lease times count */
	unsigned int attempt;		/* sends of the current message */
	unsigned int nak_count;
	bool forced;			/* RENEWING on request, not at T1 */
	bool probe_first;		/* PROBING before BOUND */
	bool probe_pending;		/* a background probe of @probed */
	struct in_addr probed;
	unsigned int conflicts;		/* in a row: the rate limit */
	uint64_t new_at;		/* the current address was taken */
	uint64_t conflict_at;		/* the last conflict */

	struct in_addr requested;	/* INIT-REBOOT: the saved address */
	struct in_addr offered;
	struct in_addr server_id;
	struct dhcp_lease lease;
	uint64_t t1_usec, t2_usec, expiry_usec;	/* DHCP_TIME_INFINITY */
};

/* RFC 2132 9.8; the order is the order of importance to a phone. */
static const uint8_t dhcp_client_parameters[] = {
	DHCP_OPTION_SUBNET_MASK,
	DHCP_OPTION_TIME_OFFSET,
	DHCP_OPTION_ROUTER,
	DHCP_OPTION_DNS,
	DHCP_OPTION_DOMAIN_NAME,
	DHCP_OPTION_NTP,
	DHCP_OPTION_VENDOR_SPECIFIC,
	DHCP_OPTION_LEASE_TIME,
	DHCP_OPTION_RENEWAL_TIME,
	DHCP_OPTION_REBINDING_TIME,
	DHCP_OPTION_TFTP_SERVER_NAME,
	DHCP_OPTION_VIVSO,
	DHCP_OPTION_TFTP_SERVERS,
	DHCP_OPTION_PROV_SERVER,
	DHCP_OPTION_PROV_URL,
};

int dhcp_client_new(struct dhcp_client **out, const uint8_t mac[6],
		    const struct dhcp_client_ops *ops, void *data)
{
	struct dhcp_client *c;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;

	c->ops = ops;
	c->data = data;
	memcpy(c->mac, mac, 6);
	c->state = DHCP_CLIENT_STOPPED;
	c->retransmit_base = 4 * DHCP_USEC_PER_SEC;
	c->probe_first = true;

	*out = c;
	return 0;
}

void dhcp_client_free(struct dhcp_client *c)
{
	if (!c)
		return;

	dhcp_client_stop(c);
	free(c);
}

void dhcp_client_set_retransmit(struct dhcp_client *c, uint64_t base_usec)
{
	if (base_usec > 0)
		c->retransmit_base = base_usec;
}

void dhcp_client_set_probe_first(struct dhcp_client *c, bool first)
{
	c->probe_first = first;
}

int dhcp_client_set_vendor_class(struct dhcp_client *c, const char *vc)
{
	size_t len = vc ? strlen(vc) : 0;

	if (len > DHCP_TEXT_MAX || (len && !dhcp_valid_text(vc, len)))
		return -EINVAL;

	memcpy(c->vendor_class, vc ? vc : "", len);
	c->vendor_class[len] = '\0';
	return 0;
}

void dhcp_client_set_requested_address(struct dhcp_client *c,
				       struct in_addr addr)
{
	c->requested = addr;
}

const char *dhcp_client_state_name(enum dhcp_client_state state)
{
	switch (state) {
	case DHCP_CLIENT_STOPPED:
		return "stopped";
	case DHCP_CLIENT_INIT:
		return "init";
	case DHCP_CLIENT_SELECTING:
		return "selecting";
	case DHCP_CLIENT_REQUESTING:
		return "requesting";
	case DHCP_CLIENT_BOUND:
		return "bound";
	case DHCP_CLIENT_RENEWING:
		return "renewing";
	case DHCP_CLIENT_REBINDING:
		return "rebinding";
	case DHCP_CLIENT_INIT_REBOOT:
		return "init-reboot";
	case DHCP_CLIENT_REBOOTING:
		return "rebooting";
	case DHCP_CLIENT_PROBING:
		return "probing";
	}

	return "unknown";
}

enum dhcp_client_state dhcp_client_state(const struct dhcp_client *c)
{
	return c->state;
}

static bool dhcp_client_has_lease(const struct dhcp_client *c)
{
	return c->state == DHCP_CLIENT_BOUND ||
	       c->state == DHCP_CLIENT_RENEWING ||
	       c->state == DHCP_CLIENT_REBINDING;
}

const struct dhcp_lease *dhcp_client_lease(const struct dhcp_client *c)
{
	return dhcp_client_has_lease(c) ? &c->lease : NULL;
}

static void dhcp_client_set_state(struct dhcp_client *c,
				  enum dhcp_client_state state)
{
	if (c->state == state)
		return;

	log_debug("DHCP client %s -> %s", dhcp_client_state_name(c->state),
		  dhcp_client_state_name(state));
	c->state = state;
	c->ops->event(c->data, DHCP_CLIENT_EVENT_STATE);
}

/*
 * RFC 2131 4.1: the n-th retransmission waits 4 * 2^n s, at most 64 s,
 * moved by a uniform random amount in [-1 s, +1 s].  Both scale with
 * the base so that a test can shorten the whole sequence.
 */
static uint64_t dhcp_client_backoff(struct dhcp_client *c, unsigned int n)
{
	uint64_t delay, jitter, span;

	if (n > DHCP_BACKOFF_SHIFT_MAX)
		n = DHCP_BACKOFF_SHIFT_MAX;

	delay = c->retransmit_base << n;
	jitter = c->retransmit_base / 4;
	span = 2 * jitter + 1;

	return delay - jitter + c->ops->random(c->data) % span;
}

static uint16_t dhcp_client_secs(struct dhcp_client *c, uint64_t now)
{
	uint64_t secs = (now - c->start_usec) / DHCP_USEC_PER_SEC;

	return secs > UINT16_MAX ? UINT16_MAX : (uint16_t)secs;
}

/* What RFC 2131 table 5 puts in each message, by type and state. */
struct dhcp_client_msg {
	enum dhcp_message_type type;
	struct in_addr ciaddr;
	struct in_addr requested;	/* option 50, if set */
	struct in_addr server_id;	/* option 54, if set */
	bool broadcast;
	bool parameters;		/* 55, 57 and 60 */
};

static int dhcp_client_add_parameters(struct dhcp_client *c,
				      struct dhcp_builder *b)
{
	uint16_t max_size = htons(DHCP_PACKET_MAX + 28);
	int r;

	r = dhcp_builder_add(b, DHCP_OPTION_MAX_MESSAGE_SIZE, &max_size, 2);
	if (r >= 0)
		r = dhcp_builder_add(b, DHCP_OPTION_PARAMETER_LIST,
				     dhcp_client_parameters,
				     sizeof(dhcp_client_parameters));
	if (r >= 0 && c->vendor_class[0])
		r = dhcp_builder_add(b, DHCP_OPTION_VENDOR_CLASS,
				     c->vendor_class,
				     strlen(c->vendor_class));

	return r;
}

static int dhcp_client_build(struct dhcp_client *c, struct dhcp_builder *b,
			     const struct dhcp_client_msg *msg, uint64_t now)
{
	struct dhcp_header *h;
	uint8_t client_id[7];
	int r;

	dhcp_builder_init(b, msg->type, c->xid, c->mac);
	h = dhcp_builder_header(b);
	h->secs = htons(dhcp_client_secs(c, now));
	h->ciaddr = msg->ciaddr.s_addr;
	/*
	 * Without an address the interface cannot take a unicast reply
	 * through the stack: ask for broadcast (it also lets a UDP-socket
	 * transport work).  With one, unicast to it is fine.
	 */
	if (msg->broadcast)
		h->flags = htons(DHCP_FLAG_BROADCAST);

	/* RFC 2132 9.14: type 1 (Ethernet) followed by the address. */
	client_id[0] = DHCP_HTYPE_ETHER;
	memcpy(client_id + 1, c->mac, 6);

	r = dhcp_builder_add(b, DHCP_OPTION_CLIENT_ID, client_id,
			     sizeof(client_id));
	if (r >= 0 && msg->parameters)
		r = dhcp_client_add_parameters(c, b);
	if (r >= 0 && msg->requested.s_addr != INADDR_ANY)
		r = dhcp_builder_add_addr(b, DHCP_OPTION_REQUESTED_IP,
					  msg->requested);
	if (r >= 0 && msg->server_id.s_addr != INADDR_ANY)
		r = dhcp_builder_add_addr(b, DHCP_OPTION_SERVER_ID,
					  msg->server_id);

	return r;
}

/* Fills @msg for a DISCOVER or REQUEST in the current state. */
static void dhcp_client_msg_for_state(struct dhcp_client *c,
				      enum dhcp_message_type type,
				      struct dhcp_client_msg *msg,
				      struct in_addr *src, struct in_addr *dst)
{
	memset(msg, 0, sizeof(*msg));
	msg->type = type;
	msg->parameters = true;
	msg->broadcast = true;
	src->s_addr = INADDR_ANY;
	dst->s_addr = INADDR_BROADCAST;

	switch (c->state) {
	case DHCP_CLIENT_REQUESTING:
		msg->requested = c->offered;
		msg->server_id = c->server_id;
		break;
	case DHCP_CLIENT_REBOOTING:
		msg->requested = c->requested;
		break;
	case DHCP_CLIENT_RENEWING:
		/* Unicast to the server that gave the lease, if known. */
		if (c->lease.server_id.s_addr != INADDR_ANY)
			*dst = c->lease.server_id;
		/* fall through */
	case DHCP_CLIENT_REBINDING:
		msg->ciaddr = c->lease.address;
		msg->broadcast = false;
		*src = c->lease.address;
		break;
	default:
		break;
	}
}

static int dhcp_client_send(struct dhcp_client *c,
			    const struct dhcp_client_msg *msg,
			    struct in_addr src, struct in_addr dst)
{
	struct dhcp_builder b;
	uint64_t now = c->ops->now(c->data);
	size_t len;
	int r;

	r = dhcp_client_build(c, &b, msg, now);
	if (r < 0) {
		log_debug("Failed to build DHCP %s: %s",
			  dhcp_message_type_name(msg->type), strerror(-r));
		return r;
	}

	len = dhcp_builder_finish(&b);
	r = c->ops->send(c->data, b.buf, len, src, dst);
	if (r < 0)
		log_debug("Failed to send DHCP %s: %s",
			  dhcp_message_type_name(msg->type), strerror(-r));
	else
		log_debug("Sent DHCP %s (xid %08x, attempt %u)",
			  dhcp_message_type_name(msg->type), c->xid,
			  c->attempt + 1);

	return r;
}

static uint64_t dhcp_client_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/*
 * When to send again.  RENEWING and REBINDING wait half the time left
 * to T2 or expiry (RFC 2131 4.4.5), at least the minimum, and never
 * past that limit; a requested renewal backs off as a first request.
 */
static uint64_t dhcp_client_next_send(struct dhcp_client *c, uint64_t now)
{
	uint64_t limit, wait, min_wait;

	if (c->state != DHCP_CLIENT_RENEWING &&
	    c->state != DHCP_CLIENT_REBINDING)
		return now + dhcp_client_backoff(c, c->attempt);

	limit = c->state == DHCP_CLIENT_RENEWING && now < c->t2_usec ?
		c->t2_usec : c->expiry_usec;

	if (c->forced) {
		wait = dhcp_client_backoff(c, c->attempt);
	} else {
		min_wait = c->retransmit_base * DHCP_RENEW_MIN_FACTOR;
		wait = limit > now ? (limit - now) / 2 : 0;
		if (wait < min_wait)
			wait = min_wait;
	}

	if (limit == DHCP_TIME_INFINITY)
		return now + wait;

	return dhcp_client_min(now + wait, limit);
}

/* Sends DISCOVER or REQUEST and arms the retransmission for it. */
static void dhcp_client_transmit(struct dhcp_client *c,
				 enum dhcp_message_type type)
{
	struct dhcp_client_msg msg;
	struct in_addr src, dst;
	uint64_t now = c->ops->now(c->data);

	dhcp_client_msg_for_state(c, type, &msg, &src, &dst);
	if (type == DHCP_REQUEST)
		c->request_usec = now;

	dhcp_client_send(c, &msg, src, dst);
	c->ops->set_timer(c->data, dhcp_client_next_send(c, now));
	c->attempt++;
}

static void dhcp_client_new_exchange(struct dhcp_client *c)
{
	c->xid = c->ops->random(c->data);
	c->start_usec = c->ops->now(c->data);
	c->attempt = 0;
}

/*
 * INIT -> SELECTING.  RFC 2131 4.4.1 suggests a random 1-10 s wait
 * first; a phone that just booted wants its address now, and the
 * retransmission jitter already spreads a crowd of phones apart.
 */
static void dhcp_client_discover(struct dhcp_client *c)
{
	dhcp_client_set_state(c, DHCP_CLIENT_INIT);

	dhcp_client_new_exchange(c);
	c->offered.s_addr = 0;
	c->server_id.s_addr = 0;
	c->forced = false;

	dhcp_client_set_state(c, DHCP_CLIENT_SELECTING);
	dhcp_client_transmit(c, DHCP_DISCOVER);
}

/* INIT-REBOOT -> REBOOTING: ask for the saved address back. */
static void dhcp_client_reboot(struct dhcp_client *c)
{
	dhcp_client_set_state(c, DHCP_CLIENT_INIT_REBOOT);

	dhcp_client_new_exchange(c);
	c->offered = c->requested;
	c->server_id.s_addr = 0;

	dhcp_client_set_state(c, DHCP_CLIENT_REBOOTING);
	dhcp_client_transmit(c, DHCP_REQUEST);
}

int dhcp_client_start(struct dhcp_client *c)
{
	if (c->state != DHCP_CLIENT_STOPPED)
		return -EALREADY;

	c->nak_count = 0;
	c->conflicts = 0;
	if (c->requested.s_addr != INADDR_ANY)
		dhcp_client_reboot(c);
	else
		dhcp_client_discover(c);

	return 0;
}

void dhcp_client_stop(struct dhcp_client *c)
{
	if (c->state == DHCP_CLIENT_STOPPED)
		return;

	c->ops->set_timer(c->data, DHCP_TIME_INFINITY);
	memset(&c->lease, 0, sizeof(c->lease));
	c->requested.s_addr = INADDR_ANY;
	c->probe_pending = false;
	dhcp_client_set_state(c, DHCP_CLIENT_STOPPED);
}

/* RFC 2131 4.4.6: unicast to the server, a new xid. */
static void dhcp_client_send_release(struct dhcp_client *c)
{
	struct dhcp_client_msg msg = {
		.type = DHCP_RELEASE,
		.ciaddr = c->lease.address,
		.server_id = c->lease.server_id,
	};

	if (!dhcp_client_has_lease(c) ||
	    c->lease.server_id.s_addr == INADDR_ANY)
		return;

	c->xid = c->ops->random(c->data);
	dhcp_client_send(c, &msg, c->lease.address, c->lease.server_id);
}

void dhcp_client_release(struct dhcp_client *c)
{
	dhcp_client_send_release(c);
	dhcp_client_stop(c);
}

/*
 * Back to INIT after a NAK or a DECLINE, waiting @delay first, so that
 * a server that keeps refusing is not flooded.
 */
static void dhcp_client_restart(struct dhcp_client *c, uint64_t delay)
{
	c->requested.s_addr = INADDR_ANY;
	c->forced = false;
	c->probe_pending = false;
	dhcp_client_set_state(c, DHCP_CLIENT_INIT);
	c->ops->set_timer(c->data, c->ops->now(c->data) + delay);
}

/* A NAK: a little longer after each one in a row. */
static void dhcp_client_restart_nak(struct dhcp_client *c)
{
	uint64_t delay = dhcp_client_backoff(c, c->nak_count) / 4;

	c->nak_count++;
	dhcp_client_restart(c, delay);
}

static void dhcp_client_lose_lease(struct dhcp_client *c)
{
	bool had = dhcp_client_has_lease(c);

	memset(&c->lease, 0, sizeof(c->lease));
	c->probe_pending = false;
	if (had)
		c->ops->event(c->data, DHCP_CLIENT_EVENT_LOST);
}

/* Back to INIT after an address conflict, rate limited. */
static void dhcp_client_restart_conflict(struct dhcp_client *c)
{
	uint64_t delay = c->retransmit_base * DHCP_DECLINE_WAIT_QUARTERS / 4;
	uint64_t interval = c->retransmit_base * DHCP_RENEW_MIN_FACTOR;
	uint64_t now = c->ops->now(c->data);

	/*
	 * Only an address kept a whole RATE_LIMIT_INTERVAL since the last
	 * conflict ends the run.  A quiet probe alone did: a host that
	 * waited for it and then claimed the address twice made the phone
	 * take a new one every few seconds, for ever.
	 */
	if (c->new_at > c->conflict_at && now - c->new_at >= interval)
		c->conflicts = 0;

	c->conflict_at = now;
	c->conflicts++;
	if (c->conflicts > DHCP_MAX_CONFLICTS)
		delay = interval;

	dhcp_client_restart(c, delay);
}

static void dhcp_client_enter_renew(struct dhcp_client *c,
				    enum dhcp_client_state state)
{
	dhcp_client_new_exchange(c);
	dhcp_client_set_state(c, state);
	dhcp_client_transmit(c, DHCP_REQUEST);
}

int dhcp_client_renew(struct dhcp_client *c)
{
	if (!dhcp_client_has_lease(c))
		return -ENOTCONN;

	log_debug("DHCP renewal requested");
	c->forced = true;
	c->state = DHCP_CLIENT_BOUND;
	dhcp_client_enter_renew(c, DHCP_CLIENT_RENEWING);
	return 0;
}

/* BOUND, RENEWING, REBINDING: T1, T2, expiry or a retransmission. */
static void dhcp_client_lease_timer(struct dhcp_client *c)
{
	uint64_t now = c->ops->now(c->data);

	if (now >= c->expiry_usec) {
		log_debug("DHCP lease expired");
		dhcp_client_lose_lease(c);
		dhcp_client_discover(c);
		return;
	}

	if (c->state == DHCP_CLIENT_BOUND) {
		if (now >= c->t1_usec)
			dhcp_client_enter_renew(c, DHCP_CLIENT_RENEWING);
		else
			c->ops->set_timer(c->data, c->t1_usec);
		return;
	}

	if (c->state == DHCP_CLIENT_RENEWING && now >= c->t2_usec) {
		log_debug("No answer from the DHCP server at T2, "
			  "rebinding");
		dhcp_client_enter_renew(c, DHCP_CLIENT_REBINDING);
		return;
	}

	dhcp_client_transmit(c, DHCP_REQUEST);
}

void dhcp_client_timer_expired(struct dhcp_client *c)
{
	switch (c->state) {
	case DHCP_CLIENT_STOPPED:
	case DHCP_CLIENT_PROBING:
	case DHCP_CLIENT_INIT_REBOOT:
		break;
	case DHCP_CLIENT_INIT:
		dhcp_client_discover(c);
		break;
	case DHCP_CLIENT_SELECTING:
		dhcp_client_transmit(c, DHCP_DISCOVER);
		break;
	case DHCP_CLIENT_REQUESTING:
	case DHCP_CLIENT_REBOOTING:
		if (c->attempt < DHCP_REQUEST_TRIES) {
			dhcp_client_transmit(c, DHCP_REQUEST);
			break;
		}

		log_debug("No answer to DHCP REQUEST, discovering again");
		c->requested.s_addr = INADDR_ANY;
		dhcp_client_discover(c);
		break;
	case DHCP_CLIENT_BOUND:
	case DHCP_CLIENT_RENEWING:
	case DHCP_CLIENT_REBINDING:
		dhcp_client_lease_timer(c);
		break;
	}
}

static int dhcp_client_handle_offer(struct dhcp_client *c,
				    const struct dhcp_message *m)
{
	if (m->type != DHCP_OFFER)
		return -ENOMSG;

	if (m->yiaddr.s_addr == INADDR_ANY ||
	    m->yiaddr.s_addr == INADDR_BROADCAST || !m->has_server_id) {
		log_debug("DHCP OFFER without address or server, ignoring");
		return -EBADMSG;
	}

	/* The first acceptable offer wins (RFC 2131 4.4.1 allows it). */
	c->offered = m->yiaddr;
	c->server_id = m->server_id;
	c->attempt = 0;

	dhcp_client_set_state(c, DHCP_CLIENT_REQUESTING);
	dhcp_client_transmit(c, DHCP_REQUEST);
	return 0;
}

/* No option 1: the class of the address gives the mask (RFC 1122 3.3.1). */
static int dhcp_client_classful_prefix(struct in_addr addr)
{
	uint8_t first = ntohl(addr.s_addr) >> 24;

	if (first < 128)
		return 8;
	if (first < 192)
		return 16;
	if (first < 224)
		return 24;

	return -EINVAL;
}

/*
 * RFC 2131 4.4.5: T1 defaults to half the lease, T2 to 7/8; given
 * values are used only if 0 < T1 < T2 < lease.
 */
static void dhcp_client_lease_times(struct dhcp_lease *l,
				    const struct dhcp_message *m)
{
	uint32_t lease = l->lease_time < DHCP_LEASE_MIN_SEC ?
			 DHCP_LEASE_MIN_SEC : l->lease_time;
	uint32_t t1 = lease / 2, t2 = (uint32_t)((uint64_t)lease * 7 / 8);

	if (m->has_t2 && m->t2 > 0 && m->t2 < lease)
		t2 = m->t2;
	if (m->has_t1 && m->t1 > 0 && m->t1 < t2)
		t1 = m->t1;
	if (t1 >= t2)
		t1 = t2 / 2;

	l->t1 = t1;
	l->t2 = t2;
}

static int dhcp_client_take_lease(struct dhcp_client *c,
				  const struct dhcp_message *m,
				  struct dhcp_lease *l)
{
	int prefix;

	if (m->yiaddr.s_addr == INADDR_ANY ||
	    m->yiaddr.s_addr == INADDR_BROADCAST || !m->has_lease_time) {
		log_debug("DHCP ACK without address or lease time, ignoring");
		return -EBADMSG;
	}

	/* A mask sent but damaged: the class would be a wrong guess. */
	if (!m->has_netmask && m->bad_netmask) {
		log_debug("DHCP ACK with a malformed netmask, ignoring");
		return -EBADMSG;
	}

	prefix = m->has_netmask ? dhcp_netmask_to_prefix(m->netmask) :
		 dhcp_client_classful_prefix(m->yiaddr);
	if (prefix < 0) {
		log_debug("DHCP ACK gives no usable netmask, ignoring");
		return -EBADMSG;
	}

	memset(l, 0, sizeof(*l));
	l->address = m->yiaddr;
	l->prefix_len = prefix;
	l->netmask = dhcp_prefix_to_netmask(prefix);
	l->server_id = m->has_server_id ? m->server_id :
		       c->lease.server_id.s_addr ? c->lease.server_id :
		       c->server_id;
	l->n_routers = m->n_routers;
	memcpy(l->routers, m->routers, sizeof(l->routers));
	l->n_dns = m->n_dns;
	memcpy(l->dns, m->dns, sizeof(l->dns));
	l->lease_time = m->lease_time;
	l->acquired_usec = c->request_usec;
	l->info = m->info;
	dhcp_client_lease_times(l, m);

	return 0;
}

static uint64_t dhcp_client_at(const struct dhcp_lease *l, uint32_t secs)
{
	if (l->lease_time == UINT32_MAX)
		return DHCP_TIME_INFINITY;

	return l->acquired_usec + (uint64_t)secs * DHCP_USEC_PER_SEC;
}

static void dhcp_client_arm_lease(struct dhcp_client *c)
{
	const struct dhcp_lease *l = &c->lease;
	uint32_t secs = l->lease_time < DHCP_LEASE_MIN_SEC ?
			DHCP_LEASE_MIN_SEC : l->lease_time;

	c->expiry_usec = dhcp_client_at(l, secs);
	c->t1_usec = dhcp_client_at(l, l->t1);
	c->t2_usec = dhcp_client_at(l, l->t2);
	c->ops->set_timer(c->data, c->t1_usec);
}

static void dhcp_client_bind(struct dhcp_client *c)
{
	c->nak_count = 0;
	c->forced = false;
	c->requested.s_addr = INADDR_ANY;
	dhcp_client_arm_lease(c);
	dhcp_client_set_state(c, DHCP_CLIENT_BOUND);
	c->ops->event(c->data, DHCP_CLIENT_EVENT_BOUND);
}

/* RFC 2131 3.1.5: DECLINE (broadcast, no ciaddr), then INIT later. */
static void dhcp_client_decline(struct dhcp_client *c)
{
	struct dhcp_client_msg msg = {
		.type = DHCP_DECLINE,
		.requested = c->lease.address,
		.server_id = c->lease.server_id,
	};
	struct in_addr any = { .s_addr = INADDR_ANY };
	struct in_addr bcast = { .s_addr = INADDR_BROADCAST };

	log_debug("DHCP address in use, declining it");
	dhcp_client_send(c, &msg, any, bcast);
	dhcp_client_lose_lease(c);
	c->ops->event(c->data, DHCP_CLIENT_EVENT_DECLINED);
	dhcp_client_restart_conflict(c);
}

/* Only the answer for the address of the lease now held counts. */
static bool dhcp_client_probe_applies(const struct dhcp_client *c)
{
	if (c->state == DHCP_CLIENT_PROBING)
		return true;

	return c->probe_pending && dhcp_client_has_lease(c) &&
	       c->lease.address.s_addr == c->probed.s_addr;
}

void dhcp_client_probe_done(struct dhcp_client *c, bool in_use)
{
	if (!dhcp_client_probe_applies(c))
		return;

	c->probe_pending = false;
	if (in_use) {
		dhcp_client_decline(c);
		return;
	}

	if (c->state == DHCP_CLIENT_PROBING)
		dhcp_client_bind(c);
}

int dhcp_client_conflict(struct dhcp_client *c)
{
	if (!dhcp_client_has_lease(c))
		return -ENOTCONN;

	/*
	 * DECLINE, not RELEASE: RFC 2131 4.4.1 asks for it whenever ARP
	 * finds the address in use, and a released address would be the
	 * first one the server offers again.
	 */
	dhcp_client_decline(c);
	return 0;
}

/*
 * In the background: the lease is used at once (and announced) and the
 * probe runs on; its answer may still take the lease away.
 */
static void dhcp_client_bind_then_probe(struct dhcp_client *c)
{
	struct in_addr addr = c->lease.address;
	int r;

	dhcp_client_bind(c);
	/* The owner's BOUND handler may have stopped us. */
	if (!dhcp_client_has_lease(c) ||
	    c->lease.address.s_addr != addr.s_addr)
		return;

	c->probed = addr;
	c->probe_pending = true;
	r = c->ops->probe(c->data, addr);
	if (r < 0) {
		log_debug("Cannot probe the address (%s), using it anyway",
			  strerror(-r));
		c->probe_pending = false;
	}
}

/* A new address (not a renewal): probe it first if we can. */
static void dhcp_client_new_address(struct dhcp_client *c)
{
	int r;

	c->new_at = c->ops->now(c->data);

	if (!c->ops->probe) {
		dhcp_client_bind(c);
		return;
	}

	if (!c->probe_first) {
		dhcp_client_bind_then_probe(c);
		return;
	}

	c->ops->set_timer(c->data, DHCP_TIME_INFINITY);
	dhcp_client_set_state(c, DHCP_CLIENT_PROBING);
	r = c->ops->probe(c->data, c->lease.address);
	if (r < 0) {
		log_debug("Cannot probe the address (%s), using it",
			  strerror(-r));
		dhcp_client_bind(c);
	}
}

static int dhcp_client_handle_ack(struct dhcp_client *c,
				  const struct dhcp_message *m)
{
	struct dhcp_lease l;
	bool renewal = dhcp_client_has_lease(c);
	int r;

	/* A reply from a server we did not choose is not for us. */
	if (c->state == DHCP_CLIENT_REQUESTING && m->has_server_id &&
	    m->server_id.s_addr != c->server_id.s_addr)
		return -ENOMSG;

	if (m->type == DHCP_NAK) {
		log_debug("DHCP NAK from the server, back to INIT");
		dhcp_client_lose_lease(c);
		dhcp_client_restart_nak(c);
		return 0;
	}

	if (m->type != DHCP_ACK)
		return -ENOMSG;

	r = dhcp_client_take_lease(c, m, &l);
	if (r < 0)
		return r;

	/* Renewed with another address: that one is new, probe it. */
	if (renewal && l.address.s_addr != c->lease.address.s_addr) {
		dhcp_client_lose_lease(c);
		renewal = false;
	}

	c->lease = l;
	if (renewal)
		dhcp_client_bind(c);
	else
		dhcp_client_new_address(c);

	return 0;
}

static bool dhcp_client_listening(const struct dhcp_client *c)
{
	switch (c->state) {
	case DHCP_CLIENT_SELECTING:
	case DHCP_CLIENT_REQUESTING:
	case DHCP_CLIENT_REBOOTING:
	case DHCP_CLIENT_RENEWING:
	case DHCP_CLIENT_REBINDING:
		return true;
	default:
		return false;
	}
}

int dhcp_client_receive(struct dhcp_client *c, const void *buf, size_t len)
{
	struct dhcp_message *m;
	int r;

	if (!dhcp_client_listening(c))
		return -ENOMSG;

	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;

	r = dhcp_message_parse(m, buf, len);
	if (r < 0) {
		log_debug("Dropped malformed DHCP packet (%zu bytes)", len);
		goto out;
	}

	if (!dhcp_message_is_reply_to(m, c->xid, c->mac)) {
		log_debug("DHCP %s is not a reply to us (xid %08x), ignoring",
			  dhcp_message_type_name(m->type), m->xid);
		r = -ENOMSG;
		goto out;
	}

	log_debug("Received DHCP %s", dhcp_message_type_name(m->type));

	if (c->state == DHCP_CLIENT_SELECTING)
		r = dhcp_client_handle_offer(c, m);
	else
		r = dhcp_client_handle_ack(c, m);

out:
	free(m);
	return r;
}
