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
 * Shortest lease the expiry timer honours: a server handing out 0 s
 * leases would otherwise have the client loop DISCOVER/REQUEST at once.
 */
#define DHCP_LEASE_MIN_SEC 10
/* Retransmission delays stop doubling at base << 4 (64 s by default). */
#define DHCP_BACKOFF_SHIFT_MAX 4

struct dhcp_client {
	const struct dhcp_client_ops *ops;
	void *data;
	uint8_t mac[6];

	enum dhcp_client_state state;
	uint64_t retransmit_base;
	uint32_t xid;
	uint64_t start_usec;		/* first DISCOVER: the secs field */
	uint64_t request_usec;		/* last REQUEST: lease times count */
	unsigned int attempt;		/* sends of the current message */
	unsigned int nak_count;

	struct in_addr offered;
	struct in_addr server_id;
	struct dhcp_lease lease;
};

static const uint8_t dhcp_client_parameters[] = {
	DHCP_OPTION_SUBNET_MASK,
	DHCP_OPTION_ROUTER,
	DHCP_OPTION_DNS,
	DHCP_OPTION_LEASE_TIME,
	DHCP_OPTION_RENEWAL_TIME,
	DHCP_OPTION_REBINDING_TIME,
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
	}

	return "unknown";
}

enum dhcp_client_state dhcp_client_state(const struct dhcp_client *c)
{
	return c->state;
}

const struct dhcp_lease *dhcp_client_lease(const struct dhcp_client *c)
{
	return c->state == DHCP_CLIENT_BOUND ? &c->lease : NULL;
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

static int dhcp_client_build(struct dhcp_client *c, struct dhcp_builder *b,
			     enum dhcp_message_type type, uint64_t now)
{
	struct dhcp_header *h;
	uint8_t client_id[7];
	uint16_t max_size = htons(576);
	int r;

	dhcp_builder_init(b, type, c->xid, c->mac);
	h = dhcp_builder_header(b);
	h->secs = htons(dhcp_client_secs(c, now));
	/*
	 * Ask for broadcast replies: until it is configured the interface
	 * has no address a unicast reply could be delivered to by the
	 * stack, and it also lets a UDP-socket transport work.
	 */
	h->flags = htons(DHCP_FLAG_BROADCAST);

	/* RFC 2132 9.14: type 1 (Ethernet) followed by the address. */
	client_id[0] = DHCP_HTYPE_ETHER;
	memcpy(client_id + 1, c->mac, 6);

	r = dhcp_builder_add(b, DHCP_OPTION_CLIENT_ID, client_id,
			     sizeof(client_id));
	if (r >= 0)
		r = dhcp_builder_add(b, DHCP_OPTION_MAX_MESSAGE_SIZE,
				     &max_size, 2);
	if (r >= 0)
		r = dhcp_builder_add(b, DHCP_OPTION_PARAMETER_LIST,
				     dhcp_client_parameters,
				     sizeof(dhcp_client_parameters));
	if (r >= 0 && type == DHCP_REQUEST)
		r = dhcp_builder_add_addr(b, DHCP_OPTION_REQUESTED_IP,
					  c->offered);
	if (r >= 0 && type == DHCP_REQUEST)
		r = dhcp_builder_add_addr(b, DHCP_OPTION_SERVER_ID,
					  c->server_id);

	return r;
}

/* Sends DISCOVER or REQUEST and arms the retransmission for it. */
static void dhcp_client_transmit(struct dhcp_client *c,
				 enum dhcp_message_type type)
{
	struct dhcp_builder b;
	struct in_addr dst = { .s_addr = INADDR_BROADCAST };
	uint64_t now = c->ops->now(c->data);
	size_t len;
	int r;

	r = dhcp_client_build(c, &b, type, now);
	if (r < 0) {
		log_debug("Failed to build DHCP %s: %s",
			  dhcp_message_type_name(type), strerror(-r));
		return;
	}

	len = dhcp_builder_finish(&b);
	if (type == DHCP_REQUEST)
		c->request_usec = now;

	r = c->ops->send(c->data, b.buf, len, dst);
	if (r < 0)
		log_debug("Failed to send DHCP %s, retrying later: %s",
			  dhcp_message_type_name(type), strerror(-r));
	else
		log_debug("Sent DHCP %s (xid %08x, attempt %u)",
			  dhcp_message_type_name(type), c->xid,
			  c->attempt + 1);

	c->ops->set_timer(c->data, now + dhcp_client_backoff(c, c->attempt));
	c->attempt++;
}

/*
 * INIT -> SELECTING.  RFC 2131 4.4.1 suggests a random 1-10 s wait
 * first; a phone that just booted wants its address now, and the
 * retransmission jitter already spreads a crowd of phones apart.
 */
static void dhcp_client_discover(struct dhcp_client *c)
{
	dhcp_client_set_state(c, DHCP_CLIENT_INIT);

	c->xid = c->ops->random(c->data);
	c->start_usec = c->ops->now(c->data);
	c->attempt = 0;
	c->offered.s_addr = 0;
	c->server_id.s_addr = 0;

	dhcp_client_set_state(c, DHCP_CLIENT_SELECTING);
	dhcp_client_transmit(c, DHCP_DISCOVER);
}

int dhcp_client_start(struct dhcp_client *c)
{
	if (c->state != DHCP_CLIENT_STOPPED)
		return -EALREADY;

	c->nak_count = 0;
	dhcp_client_discover(c);
	return 0;
}

void dhcp_client_stop(struct dhcp_client *c)
{
	if (c->state == DHCP_CLIENT_STOPPED)
		return;

	c->ops->set_timer(c->data, DHCP_TIME_INFINITY);
	memset(&c->lease, 0, sizeof(c->lease));
	dhcp_client_set_state(c, DHCP_CLIENT_STOPPED);
}

/*
 * Back to INIT after a NAK.  The next DISCOVER waits a little, longer
 * after each NAK in a row, so that a server that keeps refusing is not
 * flooded.
 */
static void dhcp_client_restart(struct dhcp_client *c)
{
	uint64_t delay;

	delay = dhcp_client_backoff(c, c->nak_count) / 4;
	c->nak_count++;

	dhcp_client_set_state(c, DHCP_CLIENT_INIT);
	c->ops->set_timer(c->data, c->ops->now(c->data) + delay);
}

static void dhcp_client_lose_lease(struct dhcp_client *c)
{
	memset(&c->lease, 0, sizeof(c->lease));
	c->ops->event(c->data, DHCP_CLIENT_EVENT_LOST);
}

void dhcp_client_timer_expired(struct dhcp_client *c)
{
	switch (c->state) {
	case DHCP_CLIENT_STOPPED:
		break;
	case DHCP_CLIENT_INIT:
		dhcp_client_discover(c);
		break;
	case DHCP_CLIENT_SELECTING:
		dhcp_client_transmit(c, DHCP_DISCOVER);
		break;
	case DHCP_CLIENT_REQUESTING:
		if (c->attempt < DHCP_REQUEST_TRIES) {
			dhcp_client_transmit(c, DHCP_REQUEST);
			break;
		}

		log_debug("No answer to DHCP REQUEST, discovering again");
		dhcp_client_discover(c);
		break;
	case DHCP_CLIENT_BOUND:
		/* No RENEWING/REBINDING yet: at expiry the address goes. */
		log_debug("DHCP lease expired");
		dhcp_client_lose_lease(c);
		dhcp_client_discover(c);
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

static int dhcp_client_take_lease(struct dhcp_client *c,
				  const struct dhcp_message *m)
{
	struct dhcp_lease *l = &c->lease;
	int prefix;

	if (m->yiaddr.s_addr == INADDR_ANY || !m->has_lease_time) {
		log_debug("DHCP ACK without address or lease time, ignoring");
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
	l->server_id = m->has_server_id ? m->server_id : c->server_id;
	l->n_routers = m->n_routers;
	memcpy(l->routers, m->routers, sizeof(l->routers));
	l->n_dns = m->n_dns;
	memcpy(l->dns, m->dns, sizeof(l->dns));
	l->lease_time = m->lease_time;
	l->acquired_usec = c->request_usec;

	return 0;
}

static void dhcp_client_arm_expiry(struct dhcp_client *c)
{
	const struct dhcp_lease *l = &c->lease;
	uint64_t secs;

	if (l->lease_time == UINT32_MAX) {
		c->ops->set_timer(c->data, DHCP_TIME_INFINITY);
		return;
	}

	secs = l->lease_time < DHCP_LEASE_MIN_SEC ? DHCP_LEASE_MIN_SEC :
	       l->lease_time;
	c->ops->set_timer(c->data, l->acquired_usec + secs * DHCP_USEC_PER_SEC);
}

static int dhcp_client_handle_ack(struct dhcp_client *c,
				  const struct dhcp_message *m)
{
	int r;

	/* A reply from a server we did not choose is not for us. */
	if (m->has_server_id &&
	    m->server_id.s_addr != c->server_id.s_addr)
		return -ENOMSG;

	if (m->type == DHCP_NAK) {
		log_debug("DHCP NAK from the server, back to INIT");
		dhcp_client_restart(c);
		return 0;
	}

	if (m->type != DHCP_ACK)
		return -ENOMSG;

	r = dhcp_client_take_lease(c, m);
	if (r < 0)
		return r;

	c->nak_count = 0;
	dhcp_client_arm_expiry(c);
	dhcp_client_set_state(c, DHCP_CLIENT_BOUND);
	c->ops->event(c->data, DHCP_CLIENT_EVENT_BOUND);
	return 0;
}

int dhcp_client_receive(struct dhcp_client *c, const void *buf, size_t len)
{
	struct dhcp_message m;
	int r;

	if (c->state != DHCP_CLIENT_SELECTING &&
	    c->state != DHCP_CLIENT_REQUESTING)
		return -ENOMSG;

	r = dhcp_message_parse(&m, buf, len);
	if (r < 0) {
		log_debug("Dropped malformed DHCP packet (%zu bytes)", len);
		return r;
	}

	if (!dhcp_message_is_reply_to(&m, c->xid, c->mac)) {
		log_debug("DHCP %s is not a reply to us (xid %08x), ignoring",
			  dhcp_message_type_name(m.type), m.xid);
		return -ENOMSG;
	}

	log_debug("Received DHCP %s", dhcp_message_type_name(m.type));

	if (c->state == DHCP_CLIENT_SELECTING)
		return dhcp_client_handle_offer(c, &m);

	return dhcp_client_handle_ack(c, &m);
}
