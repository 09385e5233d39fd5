/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DHCPv4 engine: wire format with known bytes, every malformed case,
 * and the client state machine driven through a fake transport with a
 * fake clock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp-client.h"
#include "dhcp-packet.h"
#include "dhcp-raw.h"
#include "log.h"

static int test_failures;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: %s: check failed: %s\n",\
				__FILE__, __LINE__, __func__, #cond);	\
			test_failures++;				\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		long long _a = (long long)(a), _b = (long long)(b);	\
		if (_a != _b) {						\
			fprintf(stderr, "%s:%d: %s: %s == %lld, "	\
				"expected %lld\n", __FILE__, __LINE__,	\
				__func__, #a, _a, _b);			\
			test_failures++;				\
		}							\
	} while (0)

static const uint8_t test_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 };

static uint32_t test_addr(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();

	return a.s_addr;
}

/*
 * A DHCPOFFER from dnsmasq 2.90 (tests/net/dnsmasq.conf), captured on
 * the phone's veth end with a packet socket during a netd run: xid
 * 0x54637a56, chaddr 02:00:5e:10:20:30, 10.77.0.126 offered by
 * 10.77.0.1 for 120 s.  The UDP payload is 300 bytes: the header
 * below, zero sname and file, the cookie, these options, zero padding.
 */
static const uint8_t test_offer_options[] = {
	0x35, 0x01, 0x02,			/* 53 OFFER */
	0x36, 0x04, 0x0a, 0x4d, 0x00, 0x01,	/* 54 10.77.0.1 */
	0x33, 0x04, 0x00, 0x00, 0x00, 0x78,	/* 51 120 s */
	0x3a, 0x04, 0x00, 0x00, 0x00, 0x3c,	/* 58 60 s */
	0x3b, 0x04, 0x00, 0x00, 0x00, 0x69,	/* 59 105 s */
	0x01, 0x04, 0xff, 0xff, 0xff, 0x00,	/* 1 255.255.255.0 */
	0x1c, 0x04, 0x0a, 0x4d, 0x00, 0xff,	/* 28 broadcast */
	0x06, 0x08, 0x0a, 0x4d, 0x00, 0x01,	/* 6 10.77.0.1 */
		    0x0a, 0x4d, 0x00, 0x02,	/*   10.77.0.2 */
	0x03, 0x04, 0x0a, 0x4d, 0x00, 0x01,	/* 3 10.77.0.1 */
	0xff,					/* END */
};

static size_t test_offer_bytes(uint8_t *buf, size_t size)
{
	static const uint8_t header[28] = {
		0x02, 0x01, 0x06, 0x00,		/* op, htype, hlen, hops */
		0x54, 0x63, 0x7a, 0x56,		/* xid */
		0x00, 0x00, 0x80, 0x00,		/* secs, flags (broadcast) */
		0x00, 0x00, 0x00, 0x00,		/* ciaddr */
		0x0a, 0x4d, 0x00, 0x7e,		/* yiaddr 10.77.0.126 */
		0x0a, 0x4d, 0x00, 0x01,		/* siaddr */
		0x00, 0x00, 0x00, 0x00,		/* giaddr */
	};
	static const uint8_t cookie[4] = { 0x63, 0x82, 0x53, 0x63 };

	if (size < DHCP_PACKET_MIN)
		abort();

	memset(buf, 0, DHCP_PACKET_MIN);
	memcpy(buf, header, sizeof(header));
	memcpy(buf + 28, test_mac, 6);
	memcpy(buf + 236, cookie, 4);
	memcpy(buf + 240, test_offer_options, sizeof(test_offer_options));

	return DHCP_PACKET_MIN;
}

static void test_parse_known_offer(void)
{
	uint8_t buf[DHCP_PACKET_MAX];
	struct dhcp_message m;
	size_t len = test_offer_bytes(buf, sizeof(buf));

	CHECK_EQ(dhcp_message_parse(&m, buf, len), 0);
	CHECK_EQ(m.op, DHCP_OP_BOOTREPLY);
	CHECK_EQ(m.type, DHCP_OFFER);
	CHECK_EQ(m.xid, 0x54637a56);
	CHECK_EQ(m.flags, DHCP_FLAG_BROADCAST);
	CHECK_EQ(m.yiaddr.s_addr, test_addr("10.77.0.126"));
	CHECK(m.has_server_id);
	CHECK_EQ(m.server_id.s_addr, test_addr("10.77.0.1"));
	CHECK(m.has_lease_time);
	CHECK_EQ(m.lease_time, 120);
	CHECK(m.has_t1 && m.t1 == 60);
	CHECK(m.has_t2 && m.t2 == 105);
	CHECK(m.has_netmask);
	CHECK_EQ(m.netmask.s_addr, test_addr("255.255.255.0"));
	CHECK_EQ(m.n_routers, 1);
	CHECK_EQ(m.routers[0].s_addr, test_addr("10.77.0.1"));
	CHECK_EQ(m.n_dns, 2);
	CHECK_EQ(m.dns[0].s_addr, test_addr("10.77.0.1"));
	CHECK_EQ(m.dns[1].s_addr, test_addr("10.77.0.2"));
	CHECK_EQ(m.n_bad_options, 0);
	CHECK(dhcp_message_is_reply_to(&m, 0x54637a56, test_mac));
	CHECK(!dhcp_message_is_reply_to(&m, 0x54637a57, test_mac));
}

/* Replaces the option area of the known OFFER with @opts. */
static size_t test_with_options(uint8_t *buf, const uint8_t *opts,
				size_t n, size_t total)
{
	test_offer_bytes(buf, DHCP_PACKET_MAX);
	memset(buf + 240, 0, DHCP_PACKET_MAX - 240);
	memcpy(buf + 240, opts, n);

	return total ? total : 240 + n;
}

static void test_parse_malformed_packets(void)
{
	uint8_t buf[DHCP_PACKET_MAX];
	struct dhcp_message m;
	size_t len;

	/* Truncated header: one byte short of the cookie's end. */
	len = test_offer_bytes(buf, sizeof(buf));
	CHECK_EQ(dhcp_message_parse(&m, buf, 239), -EBADMSG);
	CHECK_EQ(dhcp_message_parse(&m, buf, 0), -EBADMSG);
	CHECK_EQ(dhcp_message_parse(&m, buf, 100), -EBADMSG);

	/* Bad magic cookie. */
	buf[239] ^= 0x01;
	CHECK_EQ(dhcp_message_parse(&m, buf, len), -EBADMSG);

	/* Option length past the end of the packet. */
	{
		const uint8_t o[] = { 0x35, 0x01, 0x02, 0x06, 0x08, 0x0a,
				      0x4d, 0x00, 0x01 };

		len = test_with_options(buf, o, sizeof(o), 0);
		CHECK_EQ(dhcp_message_parse(&m, buf, len), -EBADMSG);
	}

	/* The length byte itself is missing. */
	{
		const uint8_t o[] = { 0x35, 0x01, 0x02, 0x01 };

		len = test_with_options(buf, o, sizeof(o), 0);
		CHECK_EQ(dhcp_message_parse(&m, buf, len), -EBADMSG);
	}

	/* Missing END: the packet stops after the last option. */
	len = test_with_options(buf, test_offer_options,
				sizeof(test_offer_options) - 1, 0);
	CHECK_EQ(dhcp_message_parse(&m, buf, len), -EBADMSG);
	/* ... and padded with PAD, still no END. */
	len = test_with_options(buf, test_offer_options,
				sizeof(test_offer_options) - 1, 300);
	CHECK_EQ(dhcp_message_parse(&m, buf, len), -EBADMSG);

	/* No message type, and a message type of the wrong length. */
	{
		const uint8_t o[] = { 0x01, 0x04, 0xff, 0xff, 0xff, 0x00,
				      0xff };
		const uint8_t p[] = { 0x35, 0x02, 0x02, 0x02, 0xff };
		const uint8_t q[] = { 0x35, 0x01, 0x09, 0xff };

		len = test_with_options(buf, o, sizeof(o), 0);
		CHECK_EQ(dhcp_message_parse(&m, buf, len), -EBADMSG);
		len = test_with_options(buf, p, sizeof(p), 0);
		CHECK_EQ(dhcp_message_parse(&m, buf, len), -EBADMSG);
		len = test_with_options(buf, q, sizeof(q), 0);
		CHECK_EQ(dhcp_message_parse(&m, buf, len), -EBADMSG);
	}
}

/* Malformed options are skipped one by one; the packet stays usable. */
static void test_parse_malformed_options(void)
{
	uint8_t buf[DHCP_PACKET_MAX];
	struct dhcp_message m;
	size_t len;
	const uint8_t o[] = {
		0x35, 0x01, 0x05,			/* ACK */
		0x01, 0x00,				/* zero-length mask */
		0x01, 0x04, 0xff, 0x00, 0xff, 0x00,	/* holes in mask */
		0x01, 0x03, 0xff, 0xff, 0xff,		/* short mask */
		0x03, 0x03, 0x0a, 0x4d, 0x00,		/* router, 3 bytes */
		0x06, 0x00,				/* empty DNS list */
		0x33, 0x02, 0x00, 0x78,			/* lease, 2 bytes */
		0x36, 0x05, 0x0a, 0x4d, 0x00, 0x01, 0x00, /* server, 5 */
		0x06, 0x04, 0x0a, 0x4d, 0x00, 0x02,	/* good DNS */
		0xff,
	};

	len = test_with_options(buf, o, sizeof(o), 0);
	CHECK_EQ(dhcp_message_parse(&m, buf, len), 0);
	CHECK_EQ(m.type, DHCP_ACK);
	CHECK(!m.has_netmask);
	CHECK_EQ(m.n_routers, 0);
	CHECK(!m.has_lease_time);
	CHECK(!m.has_server_id);
	CHECK_EQ(m.n_dns, 1);
	CHECK_EQ(m.dns[0].s_addr, test_addr("10.77.0.2"));
	CHECK_EQ(m.n_bad_options, 7);
}

/* Option 52: more options in the file field (RFC 2132 9.3). */
static void test_parse_overload(void)
{
	uint8_t buf[DHCP_PACKET_MAX];
	struct dhcp_message m;
	struct dhcp_header *h = (struct dhcp_header *)buf;
	size_t len;
	const uint8_t o[] = { 0x35, 0x01, 0x02, 0x34, 0x01, 0x01, 0xff };
	const uint8_t file[] = { 0x03, 0x04, 0x0a, 0x4d, 0x00, 0x09, 0xff };

	len = test_with_options(buf, o, sizeof(o), 0);
	memcpy(h->file, file, sizeof(file));
	CHECK_EQ(dhcp_message_parse(&m, buf, len), 0);
	CHECK_EQ(m.n_routers, 1);
	CHECK_EQ(m.routers[0].s_addr, test_addr("10.77.0.9"));

	/* An overrun inside the file field is as bad as anywhere else. */
	h->file[1] = 200;
	CHECK_EQ(dhcp_message_parse(&m, buf, len), -EBADMSG);
}

static void test_netmask(void)
{
	struct in_addr a;

	a.s_addr = test_addr("255.255.255.0");
	CHECK_EQ(dhcp_netmask_to_prefix(a), 24);
	a.s_addr = test_addr("255.255.255.255");
	CHECK_EQ(dhcp_netmask_to_prefix(a), 32);
	a.s_addr = test_addr("255.0.255.0");
	CHECK_EQ(dhcp_netmask_to_prefix(a), -EINVAL);
	a.s_addr = 0;
	CHECK_EQ(dhcp_netmask_to_prefix(a), -EINVAL);
	CHECK_EQ(dhcp_prefix_to_netmask(20).s_addr, test_addr("255.255.240.0"));
	CHECK_EQ(dhcp_prefix_to_netmask(32).s_addr, 0xffffffffu);
}

static void test_builder_limits(void)
{
	struct dhcp_builder b;
	uint8_t big[255] = { 0 };
	int i, r = 0;

	dhcp_builder_init(&b, DHCP_DISCOVER, 1, test_mac);
	CHECK_EQ(dhcp_builder_add(&b, 12, big, 256), -EINVAL);
	CHECK_EQ(dhcp_builder_add(&b, DHCP_OPTION_END, big, 1), -EINVAL);

	for (i = 0; i < 4 && r == 0; i++)
		r = dhcp_builder_add(&b, 224, big, sizeof(big));

	CHECK_EQ(r, -ENOBUFS);
	CHECK(b.len < sizeof(b.buf));
	CHECK_EQ(dhcp_builder_finish(&b), b.len);
	CHECK(b.len <= DHCP_PACKET_MAX);
	CHECK_EQ(b.buf[b.len - 1], DHCP_OPTION_END);
}

/* ---- the fake transport, clock and random source ---- */

#define FAKE_MAX_SENT 48

struct fake {
	uint8_t sent[FAKE_MAX_SENT][DHCP_PACKET_MAX];
	size_t sent_len[FAKE_MAX_SENT];
	struct in_addr sent_src[FAKE_MAX_SENT];
	struct in_addr sent_dst[FAKE_MAX_SENT];
	uint64_t sent_at[FAKE_MAX_SENT];
	unsigned int n_sent;
	int send_result;

	uint64_t now;
	uint64_t timer;
	uint32_t random_value;
	bool random_lcg;

	unsigned int n_state, n_bound, n_lost, n_declined;
	unsigned int n_probes;
	struct in_addr probed;
	struct dhcp_client *client;
};

static int fake_send(void *data, const void *packet, size_t len,
		     struct in_addr src, struct in_addr dst)
{
	struct fake *f = data;

	if (f->n_sent < FAKE_MAX_SENT) {
		f->sent_src[f->n_sent] = src;
		f->sent_dst[f->n_sent] = dst;
		memcpy(f->sent[f->n_sent], packet, len);
		f->sent_len[f->n_sent] = len;
		f->sent_at[f->n_sent] = f->now;
	}

	f->n_sent++;
	return f->send_result;
}

static void fake_set_timer(void *data, uint64_t usec)
{
	struct fake *f = data;

	f->timer = usec;
}

static uint64_t fake_now(void *data)
{
	struct fake *f = data;

	return f->now;
}

static uint32_t fake_random(void *data)
{
	struct fake *f = data;

	if (f->random_lcg)
		f->random_value = f->random_value * 1103515245u + 12345u;

	return f->random_value;
}

static void fake_event(void *data, enum dhcp_client_event event)
{
	struct fake *f = data;

	if (event == DHCP_CLIENT_EVENT_STATE)
		f->n_state++;
	else if (event == DHCP_CLIENT_EVENT_BOUND)
		f->n_bound++;
	else if (event == DHCP_CLIENT_EVENT_DECLINED)
		f->n_declined++;
	else
		f->n_lost++;
}

static int fake_probe(void *data, struct in_addr addr)
{
	struct fake *f = data;

	f->n_probes++;
	f->probed = addr;
	return 0;
}

static const struct dhcp_client_ops fake_probe_ops = {
	.send = fake_send,
	.set_timer = fake_set_timer,
	.now = fake_now,
	.random = fake_random,
	.event = fake_event,
	.probe = fake_probe,
};

static const struct dhcp_client_ops fake_ops = {
	.send = fake_send,
	.set_timer = fake_set_timer,
	.now = fake_now,
	.random = fake_random,
	.event = fake_event,
};

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->now = 1000 * DHCP_USEC_PER_SEC;
	f->timer = DHCP_TIME_INFINITY;
	f->random_value = 0x54637a56;

	if (dhcp_client_new(&f->client, test_mac, &fake_ops, f) < 0)
		abort();
}

/* Moves the clock to the armed timer and fires it. */
static void fake_fire(struct fake *f)
{
	CHECK(f->timer != DHCP_TIME_INFINITY);
	CHECK(f->timer >= f->now);
	f->now = f->timer;
	dhcp_client_timer_expired(f->client);
}

static const struct dhcp_header *fake_last(struct fake *f, size_t *len)
{
	unsigned int i = f->n_sent - 1;

	*len = f->sent_len[i];
	return (const struct dhcp_header *)f->sent[i];
}

/* Looks up one option in the last packet sent. */
struct test_find {
	uint8_t code;
	const uint8_t *data;
	int len;
};

static int test_find_option(uint8_t code, const uint8_t *data, uint8_t len,
			    void *user_data)
{
	struct test_find *t = user_data;

	if (code != t->code)
		return 0;

	t->data = data;
	t->len = len;
	return 1;
}

static struct test_find fake_option(struct fake *f, uint8_t code)
{
	struct test_find t = { .code = code, .len = -1 };
	size_t len;
	const struct dhcp_header *h = fake_last(f, &len);

	CHECK(dhcp_options_foreach(h, len, test_find_option, &t) >= 0);
	return t;
}

/* A server reply built from the known OFFER with a new type and xid. */
static size_t test_reply(uint8_t *buf, uint8_t type, uint32_t xid,
			 const char *server)
{
	size_t len = test_offer_bytes(buf, DHCP_PACKET_MAX);
	uint32_t x = htonl(xid);
	uint32_t s = test_addr(server);

	memcpy(buf + 4, &x, 4);
	buf[242] = type;
	memcpy(buf + 245, &s, 4);

	if (type == DHCP_NAK)
		memset(buf + 16, 0, 4);

	return len;
}

static void test_client_discover_bytes(void)
{
	struct fake f;
	const struct dhcp_header *h;
	struct test_find t;
	size_t len;
	const uint8_t *opt;

	fake_init(&f);
	CHECK_EQ(dhcp_client_set_vendor_class(f.client, "bad\x01"), -EINVAL);
	CHECK_EQ(dhcp_client_set_vendor_class(f.client, "CP-7832-test"), 0);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_STOPPED);
	CHECK_EQ(dhcp_client_start(f.client), 0);
	CHECK_EQ(dhcp_client_start(f.client), -EALREADY);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_SELECTING);
	CHECK_EQ(f.n_sent, 1);

	h = fake_last(&f, &len);
	opt = (const uint8_t *)h + DHCP_HEADER_LEN;
	CHECK_EQ(len, DHCP_PACKET_MIN);
	CHECK_EQ(h->op, 1);
	CHECK_EQ(h->htype, 1);
	CHECK_EQ(h->hlen, 6);
	CHECK_EQ(ntohl(h->xid), 0x54637a56);
	CHECK_EQ(ntohs(h->flags), 0x8000);
	CHECK_EQ(h->ciaddr, 0);
	CHECK(memcmp(h->chaddr, test_mac, 6) == 0);
	CHECK_EQ(((const uint8_t *)h)[236], 0x63);
	CHECK_EQ(((const uint8_t *)h)[239], 0x63);

	/* 53 first, then 61 = type 1 + MAC, then 57, 55 and 60. */
	CHECK(memcmp(opt, "\x35\x01\x01\x3d\x07\x01", 6) == 0);
	CHECK(memcmp(opt + 6, test_mac, 6) == 0);
	CHECK(memcmp(opt + 12, "\x39\x02\x02\x40", 4) == 0);
	CHECK(memcmp(opt + 16, "\x37\x0f\x01\x02\x03\x06\x0f\x2a\x2b"
		     "\x33\x3a\x3b\x42\x7d\x96\x9f\xa0", 17) == 0);
	CHECK(memcmp(opt + 33, "\x3c\x0c" "CP-7832-test", 14) == 0);
	CHECK_EQ(opt[47], 0xff);

	t = fake_option(&f, DHCP_OPTION_REQUESTED_IP);
	CHECK_EQ(t.len, -1);

	/* First retransmission 4 s +/- 1 s away. */
	CHECK(f.timer >= f.now + 3 * DHCP_USEC_PER_SEC);
	CHECK(f.timer <= f.now + 5 * DHCP_USEC_PER_SEC);

	dhcp_client_free(f.client);
}

/*
 * From BOUND (the known OFFER's lease: 120 s, T1 60 s, T2 105 s): T1
 * sends a unicast REQUEST with ciaddr; silence until T2 broadcasts;
 * silence until expiry loses the lease and discovers again.
 */
static void test_client_renew_cycle(struct fake *f)
{
	uint64_t acquired = f->sent_at[1];
	const struct dhcp_header *h;
	struct test_find t;
	unsigned int n;
	size_t len;

	fake_fire(f);
	CHECK_EQ(f->now, acquired + 60 * DHCP_USEC_PER_SEC);
	CHECK_EQ(dhcp_client_state(f->client), DHCP_CLIENT_RENEWING);
	CHECK(dhcp_client_lease(f->client) != NULL);
	h = fake_last(f, &len);
	n = f->n_sent - 1;
	CHECK_EQ(((const uint8_t *)h)[242], DHCP_REQUEST);
	CHECK_EQ(h->ciaddr, test_addr("10.77.0.126"));
	CHECK_EQ(ntohs(h->flags), 0);
	CHECK_EQ(f->sent_dst[n].s_addr, test_addr("10.77.0.1"));
	CHECK_EQ(f->sent_src[n].s_addr, test_addr("10.77.0.126"));
	t = fake_option(f, DHCP_OPTION_REQUESTED_IP);
	CHECK_EQ(t.len, -1);
	t = fake_option(f, DHCP_OPTION_SERVER_ID);
	CHECK_EQ(t.len, -1);
	/* Half the 45 s to T2 is under the 60 s minimum: wait until T2. */
	CHECK_EQ(f->timer, acquired + 105 * DHCP_USEC_PER_SEC);

	fake_fire(f);
	CHECK_EQ(dhcp_client_state(f->client), DHCP_CLIENT_REBINDING);
	h = fake_last(f, &len);
	n = f->n_sent - 1;
	CHECK_EQ(h->ciaddr, test_addr("10.77.0.126"));
	CHECK_EQ(f->sent_dst[n].s_addr, INADDR_BROADCAST);
	CHECK_EQ(f->sent_src[n].s_addr, test_addr("10.77.0.126"));
	CHECK_EQ(f->timer, acquired + 120 * DHCP_USEC_PER_SEC);
	CHECK_EQ(f->n_lost, 0);

	fake_fire(f);
	CHECK_EQ(f->n_lost, 1);
	CHECK(dhcp_client_lease(f->client) == NULL);
	CHECK_EQ(dhcp_client_state(f->client), DHCP_CLIENT_SELECTING);
	CHECK_EQ(((const uint8_t *)fake_last(f, &len))[242], DHCP_DISCOVER);
	CHECK_EQ(fake_last(f, &len)->ciaddr, 0);
}

/* Binds @f through DISCOVER/OFFER/REQUEST/ACK of the known OFFER. */
static void fake_bind(struct fake *f)
{
	uint8_t buf[DHCP_PACKET_MAX];
	size_t len;

	dhcp_client_start(f->client);
	len = test_reply(buf, DHCP_OFFER, ntohl(fake_last(f, &len)->xid),
			 "10.77.0.1");
	CHECK_EQ(dhcp_client_receive(f->client, buf, len), 0);
	len = test_reply(buf, DHCP_ACK, ntohl(fake_last(f, &len)->xid),
			 "10.77.0.1");
	CHECK_EQ(dhcp_client_receive(f->client, buf, len), 0);
}

/* DISCOVER -> OFFER -> REQUEST -> ACK -> BOUND, with the lease values. */
static void test_client_bind(void)
{
	uint8_t buf[DHCP_PACKET_MAX];
	struct fake f;
	const struct dhcp_lease *l;
	const struct dhcp_header *h;
	struct test_find t;
	size_t len;
	uint32_t v;

	fake_init(&f);
	dhcp_client_start(f.client);
	f.now += 200000;

	len = test_reply(buf, DHCP_OFFER, 0x54637a56, "10.77.0.1");
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), 0);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_REQUESTING);
	CHECK_EQ(f.n_sent, 2);
	CHECK(dhcp_client_lease(f.client) == NULL);

	h = fake_last(&f, &len);
	CHECK_EQ(ntohl(h->xid), 0x54637a56);
	CHECK_EQ(h->ciaddr, 0);
	CHECK_EQ(((const uint8_t *)h)[242], DHCP_REQUEST);
	t = fake_option(&f, DHCP_OPTION_REQUESTED_IP);
	CHECK_EQ(t.len, 4);
	memcpy(&v, t.data, 4);
	CHECK_EQ(v, test_addr("10.77.0.126"));
	t = fake_option(&f, DHCP_OPTION_SERVER_ID);
	CHECK_EQ(t.len, 4);
	memcpy(&v, t.data, 4);
	CHECK_EQ(v, test_addr("10.77.0.1"));
	t = fake_option(&f, DHCP_OPTION_CLIENT_ID);
	CHECK_EQ(t.len, 7);

	/* A second OFFER while requesting is not what we wait for. */
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), -ENOMSG);

	/* An ACK from a server we did not choose is ignored. */
	len = test_reply(buf, DHCP_ACK, 0x54637a56, "10.77.0.9");
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), -ENOMSG);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_REQUESTING);

	f.now += 100000;
	len = test_reply(buf, DHCP_ACK, 0x54637a56, "10.77.0.1");
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), 0);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_BOUND);
	CHECK_EQ(f.n_bound, 1);
	CHECK_EQ(f.n_lost, 0);

	l = dhcp_client_lease(f.client);
	CHECK(l != NULL);
	if (!l)
		return;

	CHECK_EQ(l->address.s_addr, test_addr("10.77.0.126"));
	CHECK_EQ(l->netmask.s_addr, test_addr("255.255.255.0"));
	CHECK_EQ(l->prefix_len, 24);
	CHECK_EQ(l->n_routers, 1);
	CHECK_EQ(l->routers[0].s_addr, test_addr("10.77.0.1"));
	CHECK_EQ(l->n_dns, 2);
	CHECK_EQ(l->dns[1].s_addr, test_addr("10.77.0.2"));
	CHECK_EQ(l->lease_time, 120);
	CHECK_EQ(l->server_id.s_addr, test_addr("10.77.0.1"));

	CHECK_EQ(l->t1, 60);
	CHECK_EQ(l->t2, 105);

	/* Lease times count from the REQUEST (RFC 2131 4.4.1): T1 first. */
	CHECK_EQ(f.timer, f.sent_at[1] + 60 * DHCP_USEC_PER_SEC);

	/* Nothing more is accepted once bound. */
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), -ENOMSG);

	test_client_renew_cycle(&f);
	dhcp_client_stop(f.client);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_STOPPED);
	CHECK_EQ(f.timer, DHCP_TIME_INFINITY);
	dhcp_client_free(f.client);
}

/* Replies that do not match the request are dropped, state unchanged. */
static void test_client_wrong_replies(void)
{
	uint8_t buf[DHCP_PACKET_MAX];
	struct fake f;
	size_t len;

	fake_init(&f);
	dhcp_client_start(f.client);

	len = test_reply(buf, DHCP_OFFER, 0x54637a57, "10.77.0.1");
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), -ENOMSG);

	len = test_reply(buf, DHCP_OFFER, 0x54637a56, "10.77.0.1");
	buf[0] = DHCP_OP_BOOTREQUEST;
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), -ENOMSG);

	len = test_reply(buf, DHCP_OFFER, 0x54637a56, "10.77.0.1");
	buf[1] = 6;				/* IEEE 802 */
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), -ENOMSG);

	len = test_reply(buf, DHCP_OFFER, 0x54637a56, "10.77.0.1");
	buf[33] ^= 0xff;			/* chaddr */
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), -ENOMSG);

	len = test_reply(buf, DHCP_OFFER, 0x54637a56, "10.77.0.1");
	buf[237] = 0;				/* cookie */
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), -EBADMSG);

	len = test_reply(buf, DHCP_OFFER, 0x54637a56, "10.77.0.1");
	CHECK_EQ(dhcp_client_receive(f.client, buf, 200), -EBADMSG);

	len = test_reply(buf, DHCP_ACK, 0x54637a56, "10.77.0.1");
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), -ENOMSG);

	/* An OFFER with no address in it. */
	len = test_reply(buf, DHCP_OFFER, 0x54637a56, "10.77.0.1");
	memset(buf + 16, 0, 4);
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), -EBADMSG);

	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_SELECTING);
	CHECK_EQ(f.n_sent, 1);
	dhcp_client_free(f.client);
}

/* An ACK without lease time is unusable; one without mask is classful. */
static void test_client_ack_checks(void)
{
	uint8_t buf[DHCP_PACKET_MAX];
	struct fake f;
	size_t len;
	const struct dhcp_lease *l;

	fake_init(&f);
	dhcp_client_start(f.client);
	len = test_reply(buf, DHCP_OFFER, 0x54637a56, "10.77.0.1");
	dhcp_client_receive(f.client, buf, len);

	len = test_reply(buf, DHCP_ACK, 0x54637a56, "10.77.0.1");
	buf[249] = DHCP_OPTION_PAD;		/* lease time becomes ... */
	buf[250] = DHCP_OPTION_PAD;		/* ... PADs and a bogus  */
	buf[251] = 200;				/* option 200, length 0  */
	buf[252] = 0;
	buf[253] = DHCP_OPTION_PAD;
	buf[254] = DHCP_OPTION_PAD;
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), -EBADMSG);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_REQUESTING);

	/* A mask that is there but broken: no guessing from the class. */
	len = test_reply(buf, DHCP_ACK, 0x54637a56, "10.77.0.1");
	buf[268] = 0;				/* mask length 0 */
	memset(buf + 269, DHCP_OPTION_PAD, 4);
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), -EBADMSG);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_REQUESTING);

	/* No mask at all: the class of the address gives it. */
	len = test_reply(buf, DHCP_ACK, 0x54637a56, "10.77.0.1");
	memset(buf + 267, DHCP_OPTION_PAD, 6);	/* option 1 gone */
	buf[254] = 0;				/* lease time 0 s */
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), 0);
	l = dhcp_client_lease(f.client);
	CHECK(l && l->prefix_len == 8);
	CHECK(l && l->lease_time == 0);

	/* A 0 s lease still lasts 10 s: no DISCOVER storm; T1 at 5 s. */
	CHECK(l && l->t1 == 5 && l->t2 == 8);
	CHECK_EQ(f.timer, f.sent_at[f.n_sent - 1] + 5 * DHCP_USEC_PER_SEC);

	dhcp_client_free(f.client);
}

/* NAK -> INIT, then a fresh DISCOVER with a new xid. */
static void test_client_nak(void)
{
	uint8_t buf[DHCP_PACKET_MAX];
	struct fake f;
	const struct dhcp_header *h;
	size_t len;

	fake_init(&f);
	f.random_lcg = true;
	dhcp_client_start(f.client);
	h = fake_last(&f, &len);

	len = test_reply(buf, DHCP_OFFER, ntohl(h->xid), "10.77.0.1");
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), 0);
	h = fake_last(&f, &len);

	len = test_reply(buf, DHCP_NAK, ntohl(h->xid), "10.77.0.1");
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), 0);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_INIT);
	CHECK(dhcp_client_lease(f.client) == NULL);
	CHECK_EQ(f.n_bound, 0);
	CHECK_EQ(f.n_sent, 2);

	/* The restart waits about a second, not a whole backoff step. */
	CHECK(f.timer > f.now);
	CHECK(f.timer <= f.now + 2 * DHCP_USEC_PER_SEC);

	fake_fire(&f);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_SELECTING);
	CHECK_EQ(f.n_sent, 3);
	CHECK_EQ(((const uint8_t *)fake_last(&f, &len))[242], DHCP_DISCOVER);
	CHECK(ntohl(fake_last(&f, &len)->xid) != ntohl(h->xid));
	dhcp_client_free(f.client);
}

/* Delays 4, 8, 16, 32, 64, 64 s, each within +/- 1 s. */
static void test_client_retransmit(uint32_t random_value, bool lcg)
{
	static const unsigned int want[] = { 4, 8, 16, 32, 64, 64, 64 };
	struct fake f;
	unsigned int i;
	uint64_t delay;

	fake_init(&f);
	f.random_value = random_value;
	f.random_lcg = lcg;
	dhcp_client_start(f.client);

	for (i = 0; i < sizeof(want) / sizeof(*want); i++) {
		delay = f.timer - f.now;
		CHECK(delay >= (want[i] - 1) * DHCP_USEC_PER_SEC);
		CHECK(delay <= (want[i] + 1) * DHCP_USEC_PER_SEC);
		fake_fire(&f);
		CHECK_EQ(f.n_sent, i + 2);
		CHECK_EQ(((const uint8_t *)fake_last(&f, &delay))[242],
			 DHCP_DISCOVER);
	}

	/* The same transaction all along; secs counts from the start. */
	CHECK_EQ(ntohl(((const struct dhcp_header *)f.sent[0])->xid),
		 ntohl(((const struct dhcp_header *)f.sent[5])->xid));
	CHECK(ntohs(((const struct dhcp_header *)f.sent[5])->secs) >= 4 + 8 +
	      16 + 32 + 64 - 5);

	dhcp_client_free(f.client);
}

static void test_client_retransmit_bounds(void)
{
	struct fake f;
	unsigned int i;

	test_client_retransmit(0, false);
	test_client_retransmit(UINT32_MAX, false);
	test_client_retransmit(12345, true);

	/* The extremes of the random draw reach both ends of the window. */
	fake_init(&f);
	f.random_value = 0;
	dhcp_client_start(f.client);
	CHECK_EQ(f.timer - f.now, 3 * DHCP_USEC_PER_SEC);
	dhcp_client_free(f.client);

	fake_init(&f);
	f.random_value = 2 * DHCP_USEC_PER_SEC;
	dhcp_client_start(f.client);
	CHECK_EQ(f.timer - f.now, 5 * DHCP_USEC_PER_SEC);
	dhcp_client_free(f.client);

	/* A shortened base (as netd's test option) scales everything. */
	fake_init(&f);
	f.random_lcg = true;
	dhcp_client_set_retransmit(f.client, 400000);
	dhcp_client_start(f.client);
	for (i = 0; i < 3; i++) {
		uint64_t d = f.timer - f.now, mid = 400000ull << i;

		CHECK(d >= mid - 100000 && d <= mid + 100000);
		fake_fire(&f);
	}

	/* A failing send is retried by the same timer. */
	f.send_result = -ENETDOWN;
	fake_fire(&f);
	CHECK(f.timer != DHCP_TIME_INFINITY);
	dhcp_client_free(f.client);
}

/* No ACK: REQUEST is sent 4 times, then the client discovers again. */
static void test_client_request_timeout(void)
{
	uint8_t buf[DHCP_PACKET_MAX];
	struct fake f;
	size_t len;
	unsigned int i;

	fake_init(&f);
	dhcp_client_start(f.client);
	len = test_reply(buf, DHCP_OFFER, 0x54637a56, "10.77.0.1");
	dhcp_client_receive(f.client, buf, len);

	for (i = 0; i < 3; i++) {
		fake_fire(&f);
		CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_REQUESTING);
		CHECK_EQ(((const uint8_t *)fake_last(&f, &len))[242],
			 DHCP_REQUEST);
	}

	CHECK_EQ(f.n_sent, 5);
	fake_fire(&f);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_SELECTING);
	CHECK_EQ(((const uint8_t *)fake_last(&f, &len))[242], DHCP_DISCOVER);
	dhcp_client_free(f.client);
}

/* A renewal at T1 answered with the same address: BOUND again. */
static void test_client_renew_ack(void)
{
	uint8_t buf[DHCP_PACKET_MAX];
	struct fake f;
	size_t len;
	uint32_t xid;

	fake_init(&f);
	f.random_lcg = true;
	fake_bind(&f);
	CHECK_EQ(f.n_bound, 1);
	fake_fire(&f);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_RENEWING);
	xid = ntohl(fake_last(&f, &len)->xid);

	len = test_reply(buf, DHCP_ACK, xid, "10.77.0.1");
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), 0);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_BOUND);
	CHECK_EQ(f.n_bound, 2);
	CHECK_EQ(f.n_lost, 0);
	/* The new lease counts from the renewing REQUEST. */
	CHECK_EQ(f.timer, f.now + 60 * DHCP_USEC_PER_SEC);
	dhcp_client_free(f.client);
}

/* A requested renewal: NAK loses the lease; another address is new. */
static void test_client_forced_renew(void)
{
	uint8_t buf[DHCP_PACKET_MAX];
	struct fake f;
	size_t len;
	uint32_t xid, other = test_addr("10.77.0.140");

	fake_init(&f);
	f.random_lcg = true;
	CHECK_EQ(dhcp_client_renew(f.client), -ENOTCONN);
	fake_bind(&f);
	f.now += 5 * DHCP_USEC_PER_SEC;
	CHECK_EQ(dhcp_client_renew(f.client), 0);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_RENEWING);
	/* Backs off as a first request, not half the time to T2. */
	CHECK(f.timer <= f.now + 5 * DHCP_USEC_PER_SEC);
	xid = ntohl(fake_last(&f, &len)->xid);
	len = test_reply(buf, DHCP_NAK, xid, "10.77.0.1");
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), 0);
	CHECK_EQ(f.n_lost, 1);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_INIT);
	dhcp_client_free(f.client);

	fake_init(&f);
	f.random_lcg = true;
	fake_bind(&f);
	dhcp_client_renew(f.client);
	xid = ntohl(fake_last(&f, &len)->xid);
	len = test_reply(buf, DHCP_ACK, xid, "10.77.0.1");
	memcpy(buf + 16, &other, 4);
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), 0);
	CHECK_EQ(f.n_lost, 1);
	CHECK_EQ(f.n_bound, 2);
	CHECK_EQ(dhcp_client_lease(f.client)->address.s_addr, other);
	dhcp_client_free(f.client);
}

/* A saved address: REQUEST with option 50, no server id, broadcast. */
static void test_client_init_reboot(void)
{
	uint8_t buf[DHCP_PACKET_MAX];
	struct fake f;
	struct in_addr saved = { .s_addr = test_addr("10.77.0.126") };
	struct test_find t;
	const struct dhcp_header *h;
	size_t len;
	uint32_t v;
	unsigned int i;

	fake_init(&f);
	dhcp_client_set_requested_address(f.client, saved);
	dhcp_client_start(f.client);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_REBOOTING);
	h = fake_last(&f, &len);
	CHECK_EQ(((const uint8_t *)h)[242], DHCP_REQUEST);
	CHECK_EQ(h->ciaddr, 0);
	CHECK_EQ(f.sent_dst[0].s_addr, INADDR_BROADCAST);
	t = fake_option(&f, DHCP_OPTION_REQUESTED_IP);
	CHECK_EQ(t.len, 4);
	memcpy(&v, t.data, 4);
	CHECK_EQ(v, saved.s_addr);
	t = fake_option(&f, DHCP_OPTION_SERVER_ID);
	CHECK_EQ(t.len, -1);

	len = test_reply(buf, DHCP_ACK, ntohl(h->xid), "10.77.0.1");
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), 0);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_BOUND);
	CHECK_EQ(dhcp_client_lease(f.client)->server_id.s_addr,
		 test_addr("10.77.0.1"));
	dhcp_client_free(f.client);

	/* NAK: INIT, and the saved address is not asked for again. */
	fake_init(&f);
	dhcp_client_set_requested_address(f.client, saved);
	dhcp_client_start(f.client);
	len = test_reply(buf, DHCP_NAK, 0x54637a56, "10.77.0.1");
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), 0);
	CHECK_EQ(f.n_lost, 0);
	fake_fire(&f);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_SELECTING);
	dhcp_client_free(f.client);

	/* Silence: four REQUESTs, then DISCOVER. */
	fake_init(&f);
	dhcp_client_set_requested_address(f.client, saved);
	dhcp_client_start(f.client);
	for (i = 0; i < 4; i++)
		fake_fire(&f);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_SELECTING);
	CHECK_EQ(((const uint8_t *)fake_last(&f, &len))[242], DHCP_DISCOVER);
	dhcp_client_free(f.client);
}

/* ARP probe: free binds; in use sends DECLINE and waits 10 s. */
static void test_client_probe_decline(void)
{
	uint8_t buf[DHCP_PACKET_MAX];
	struct fake f;
	struct test_find t;
	const struct dhcp_header *h;
	size_t len;
	uint32_t v;

	memset(&f, 0, sizeof(f));
	f.now = 1000 * DHCP_USEC_PER_SEC;
	f.random_value = 0x54637a56;
	if (dhcp_client_new(&f.client, test_mac, &fake_probe_ops, &f) < 0)
		abort();

	fake_bind(&f);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_PROBING);
	CHECK_EQ(f.n_probes, 1);
	CHECK_EQ(f.probed.s_addr, test_addr("10.77.0.126"));
	CHECK(dhcp_client_lease(f.client) == NULL);
	CHECK_EQ(f.timer, DHCP_TIME_INFINITY);
	/* Packets are not for a probing client. */
	len = test_reply(buf, DHCP_ACK, 0x54637a56, "10.77.0.1");
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), -ENOMSG);

	dhcp_client_probe_done(f.client, true);
	CHECK_EQ(f.n_declined, 1);
	CHECK_EQ(f.n_bound, 0);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_INIT);
	h = fake_last(&f, &len);
	CHECK_EQ(((const uint8_t *)h)[242], DHCP_DECLINE);
	CHECK_EQ(h->ciaddr, 0);
	t = fake_option(&f, DHCP_OPTION_REQUESTED_IP);
	CHECK_EQ(t.len, 4);
	memcpy(&v, t.data, 4);
	CHECK_EQ(v, test_addr("10.77.0.126"));
	t = fake_option(&f, DHCP_OPTION_SERVER_ID);
	CHECK_EQ(t.len, 4);
	CHECK_EQ(f.timer, f.now + 10 * DHCP_USEC_PER_SEC);

	/* A late answer to the probe changes nothing. */
	dhcp_client_probe_done(f.client, false);
	CHECK_EQ(f.n_bound, 0);

	fake_fire(&f);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_SELECTING);
	len = test_reply(buf, DHCP_OFFER, ntohl(fake_last(&f, &len)->xid),
			 "10.77.0.1");
	dhcp_client_receive(f.client, buf, len);
	len = test_reply(buf, DHCP_ACK, ntohl(fake_last(&f, &len)->xid),
			 "10.77.0.1");
	dhcp_client_receive(f.client, buf, len);
	CHECK_EQ(f.n_probes, 2);
	dhcp_client_probe_done(f.client, false);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_BOUND);
	CHECK_EQ(f.n_bound, 1);
	dhcp_client_free(f.client);
}

/* A fake client that probes in the background (netd's default). */
static void fake_init_background(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->now = 1000 * DHCP_USEC_PER_SEC;
	f->timer = DHCP_TIME_INFINITY;
	f->random_value = 0x54637a56;
	if (dhcp_client_new(&f->client, test_mac, &fake_probe_ops, f) < 0)
		abort();
	dhcp_client_set_probe_first(f->client, false);
}

/* Offer and ACK of the known lease again, from INIT's timer. */
static void fake_rebind(struct fake *f)
{
	uint8_t buf[DHCP_PACKET_MAX];
	size_t len;

	fake_fire(f);
	CHECK_EQ(dhcp_client_state(f->client), DHCP_CLIENT_SELECTING);
	CHECK_EQ(((const uint8_t *)fake_last(f, &len))[242], DHCP_DISCOVER);
	len = test_reply(buf, DHCP_OFFER, ntohl(fake_last(f, &len)->xid),
			 "10.77.0.1");
	CHECK_EQ(dhcp_client_receive(f->client, buf, len), 0);
	len = test_reply(buf, DHCP_ACK, ntohl(fake_last(f, &len)->xid),
			 "10.77.0.1");
	CHECK_EQ(dhcp_client_receive(f->client, buf, len), 0);
}

/*
 * In the background: BOUND at the ACK, the probe started with it; no
 * conflict leaves the lease alone, the T1 timer included.
 */
static void test_client_background_free(void)
{
	uint8_t buf[DHCP_PACKET_MAX];
	struct fake f;
	size_t len;
	uint64_t t1;
	unsigned int n;

	fake_init_background(&f);
	fake_bind(&f);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_BOUND);
	CHECK_EQ(f.n_bound, 1);
	CHECK_EQ(f.n_probes, 1);
	CHECK_EQ(f.probed.s_addr, test_addr("10.77.0.126"));
	CHECK(dhcp_client_lease(f.client) != NULL);
	t1 = f.sent_at[1] + 60 * DHCP_USEC_PER_SEC;
	CHECK_EQ(f.timer, t1);

	n = f.n_sent;
	f.now += 4 * DHCP_USEC_PER_SEC;
	dhcp_client_probe_done(f.client, false);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_BOUND);
	CHECK_EQ(f.n_sent, n);
	CHECK_EQ(f.n_bound, 1);
	CHECK_EQ(f.n_lost, 0);
	CHECK_EQ(f.n_declined, 0);
	CHECK_EQ(f.timer, t1);

	/* Once answered, a stray "in use" changes nothing. */
	dhcp_client_probe_done(f.client, true);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_BOUND);
	CHECK_EQ(f.n_sent, n);

	/* A renewal of the same address is not probed again. */
	CHECK_EQ(dhcp_client_renew(f.client), 0);
	len = test_reply(buf, DHCP_ACK, ntohl(fake_last(&f, &len)->xid),
			 "10.77.0.1");
	CHECK_EQ(dhcp_client_receive(f.client, buf, len), 0);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_BOUND);
	CHECK_EQ(f.n_bound, 2);
	CHECK_EQ(f.n_probes, 1);
	CHECK_EQ(f.n_lost, 0);
	dhcp_client_free(f.client);
}

/*
 * In use, found after BOUND: DECLINE, the lease LOST, INIT 10 s later,
 * then a new exchange that is probed again.
 */
static void test_client_background_decline(void)
{
	struct fake f;
	struct test_find t;
	const struct dhcp_header *h;
	size_t len;
	uint32_t v;

	fake_init_background(&f);
	fake_bind(&f);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_BOUND);
	f.now += 5000;

	dhcp_client_probe_done(f.client, true);
	CHECK_EQ(f.n_lost, 1);
	CHECK_EQ(f.n_declined, 1);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_INIT);
	CHECK(dhcp_client_lease(f.client) == NULL);
	h = fake_last(&f, &len);
	CHECK_EQ(((const uint8_t *)h)[242], DHCP_DECLINE);
	CHECK_EQ(h->ciaddr, 0);
	CHECK_EQ(f.sent_src[f.n_sent - 1].s_addr, INADDR_ANY);
	CHECK_EQ(f.sent_dst[f.n_sent - 1].s_addr, INADDR_BROADCAST);
	t = fake_option(&f, DHCP_OPTION_REQUESTED_IP);
	CHECK_EQ(t.len, 4);
	memcpy(&v, t.data, 4);
	CHECK_EQ(v, test_addr("10.77.0.126"));
	t = fake_option(&f, DHCP_OPTION_SERVER_ID);
	CHECK_EQ(t.len, 4);
	memcpy(&v, t.data, 4);
	CHECK_EQ(v, test_addr("10.77.0.1"));
	CHECK_EQ(f.timer, f.now + 10 * DHCP_USEC_PER_SEC);

	/* The answer is used once. */
	dhcp_client_probe_done(f.client, true);
	CHECK_EQ(f.n_declined, 1);

	fake_rebind(&f);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_BOUND);
	CHECK_EQ(f.n_bound, 2);
	CHECK_EQ(f.n_probes, 2);
	dhcp_client_probe_done(f.client, false);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_BOUND);
	CHECK_EQ(f.n_lost, 1);
	dhcp_client_free(f.client);
}

/*
 * A conflict after the window (ACD gave the address up): DECLINE
 * (broadcast, as in the window), the lease LOST, INIT 10 s later; no
 * lease: -ENOTCONN.
 */
static void test_client_background_conflict(void)
{
	struct fake f;
	const struct dhcp_header *h;
	size_t len;

	fake_init_background(&f);
	CHECK_EQ(dhcp_client_conflict(f.client), -ENOTCONN);
	fake_bind(&f);
	dhcp_client_probe_done(f.client, false);
	f.now += 30 * DHCP_USEC_PER_SEC;

	CHECK_EQ(dhcp_client_conflict(f.client), 0);
	CHECK_EQ(f.n_lost, 1);
	CHECK_EQ(f.n_declined, 1);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_INIT);
	h = fake_last(&f, &len);
	CHECK_EQ(((const uint8_t *)h)[242], DHCP_DECLINE);
	CHECK_EQ(h->ciaddr, 0);
	CHECK_EQ(f.sent_dst[f.n_sent - 1].s_addr, INADDR_BROADCAST);
	CHECK_EQ(f.timer, f.now + 10 * DHCP_USEC_PER_SEC);
	CHECK_EQ(dhcp_client_conflict(f.client), -ENOTCONN);

	fake_rebind(&f);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_BOUND);
	CHECK_EQ(f.n_probes, 2);
	dhcp_client_free(f.client);
}

/*
 * RFC 5227 2.1.1: more than 10 conflicts in a row slow the next address
 * to one a minute; only an address kept a minute ends the run.
 */
static void test_client_conflict_rate_limit(void)
{
	struct fake f;
	unsigned int i;

	fake_init_background(&f);
	fake_bind(&f);
	for (i = 1; i <= 12; i++) {
		dhcp_client_probe_done(f.client, true);
		CHECK_EQ(f.timer - f.now, (i > 10 ? 60 : 10) *
			 DHCP_USEC_PER_SEC);
		fake_rebind(&f);
	}

	CHECK_EQ(f.n_declined, 12);

	/*
	 * A quiet probe does not end the run: a host that waits for it and
	 * then takes the address would otherwise get around the limit.
	 */
	dhcp_client_probe_done(f.client, false);
	f.now += 5 * DHCP_USEC_PER_SEC;
	CHECK_EQ(dhcp_client_conflict(f.client), 0);
	CHECK_EQ(f.timer - f.now, 60 * DHCP_USEC_PER_SEC);

	/* An address kept a minute does. */
	fake_rebind(&f);
	dhcp_client_probe_done(f.client, false);
	f.now += 61 * DHCP_USEC_PER_SEC;
	CHECK_EQ(dhcp_client_conflict(f.client), 0);
	CHECK_EQ(f.timer - f.now, 10 * DHCP_USEC_PER_SEC);
	dhcp_client_free(f.client);
}

/* RELEASE: unicast to the server with ciaddr and server id. */
static void test_client_release(void)
{
	struct fake f;
	const struct dhcp_header *h;
	struct test_find t;
	size_t len;
	unsigned int n;

	fake_init(&f);
	dhcp_client_release(f.client);
	CHECK_EQ(f.n_sent, 0);
	fake_bind(&f);
	n = f.n_sent;
	dhcp_client_release(f.client);
	CHECK_EQ(f.n_sent, n + 1);
	h = fake_last(&f, &len);
	CHECK_EQ(((const uint8_t *)h)[242], DHCP_RELEASE);
	CHECK_EQ(h->ciaddr, test_addr("10.77.0.126"));
	CHECK_EQ(f.sent_dst[n].s_addr, test_addr("10.77.0.1"));
	t = fake_option(&f, DHCP_OPTION_SERVER_ID);
	CHECK_EQ(t.len, 4);
	CHECK_EQ(dhcp_client_state(f.client), DHCP_CLIENT_STOPPED);
	CHECK_EQ(f.timer, DHCP_TIME_INFINITY);
	dhcp_client_free(f.client);
}

/* Every listed option with the values of tests/net/dnsmasq.conf. */
static const uint8_t test_full_options[] = {
	0x35, 0x01, 0x05,
	0x36, 0x04, 0x0a, 0x4d, 0x00, 0x01,
	0x33, 0x04, 0x00, 0x00, 0x00, 0x78,
	0x02, 0x04, 0xff, 0xff, 0xf1, 0xf0,		/* -3600 */
	0x0f, 0x12, 'p', 'h', 'o', 'n', 'e', '.', 'e', 'x', 'a', 'm',
		    'p', 'l', 'e', '.', 't', 'e', 's', 't',
	0x2a, 0x04, 0x0a, 0x4d, 0x00, 0x01,
	0x2b, 0x0b, 0x01, 0x04, 0x0a, 0x4d, 0x00, 0x01,
		    0x02, 0x03, 'a', 'b', 'c',
	0x3c, 0x04, 'V', 'e', 'n', 'd',
	0x42, 0x11, 't', 'f', 't', 'p', '.', 'e', 'x', 'a', 'm', 'p',
		    'l', 'e', '.', 't', 'e', 's', 't',
	0x7d, 0x1f, 0x00, 0x00, 0x0d, 0xe9, 0x1a,
		    0x0b, 0x18, 'h', 't', 't', 'p', ':', '/', '/', 'a',
		    'c', 's', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		    ':', '7', '5', '4', '7', '/',
	0x96, 0x08, 0x0a, 0x4d, 0x00, 0x01, 0x0a, 0x4d, 0x00, 0x02,
	0x9f, 0x0a, 't', 'f', 't', 'p', ':', '/', '/', 'x', '/', 'a',
	/* 160 split in two (RFC 3396), a trailing NUL */
	0xa0, 0x08, 'h', 't', 't', 'p', 's', ':', '/', '/',
	0xa0, 0x0a, 'p', '.', 't', '/', 'c', 'f', 'g', '?', 'a', 0x00,
	0xff,
};

static void test_parse_all_options(void)
{
	uint8_t buf[DHCP_PACKET_MAX];
	struct dhcp_message m;
	const struct dhcp_info *in = &m.info;
	char url[256];
	size_t len;

	len = test_with_options(buf, test_full_options,
				sizeof(test_full_options), 0);
	CHECK_EQ(dhcp_message_parse(&m, buf, len), 0);
	CHECK_EQ(m.n_bad_options, 0);
	CHECK(in->has_time_offset);
	CHECK_EQ(in->time_offset, -3600);
	CHECK(strcmp(in->domain_name, "phone.example.test") == 0);
	CHECK_EQ(in->n_ntp, 1);
	CHECK_EQ(in->ntp[0].s_addr, test_addr("10.77.0.1"));
	CHECK_EQ(in->vendor_specific.len, 11);
	CHECK(memcmp(in->vendor_specific.data, "\x01\x04\x0a\x4d", 4) == 0);
	CHECK(strcmp(in->vendor_class, "Vend") == 0);
	CHECK(strcmp(in->tftp_server_name, "tftp.example.test") == 0);
	CHECK_EQ(in->vivso.len, 31);
	CHECK_EQ(in->n_tftp, 2);
	CHECK_EQ(in->tftp[1].s_addr, test_addr("10.77.0.2"));
	CHECK(strcmp(in->prov_server, "tftp://x/a") == 0);
	CHECK(strcmp(in->prov_url, "https://p.t/cfg?a") == 0);
	CHECK_EQ(dhcp_vivso_url(&in->vivso, DHCP_ENTERPRISE_BBF,
				DHCP_BBF_ACS_URL, url, sizeof(url)), 0);
	CHECK(strcmp(url, "http://acs.example:7547/") == 0);
	CHECK_EQ(dhcp_vivso_url(&in->vivso, 9, 11, url, sizeof(url)),
		 -ENOENT);
	CHECK_EQ(dhcp_vivso_url(&in->vivso, DHCP_ENTERPRISE_BBF, 1, url,
				sizeof(url)), -ENOENT);
}

/* Hostile text never survives the parser; bad sub-options are caught. */
static void test_parse_hostile_text(void)
{
	static const char *const bad_hosts[] = {
		"a;reboot", "$(reboot)", "`id`", "a b", "a|b", "-a", "a-",
		"a..b", "", "x\n", "a'b", "a\"b", "a&b", "a>b",
	};
	static const char *const bad_urls[] = {
		"http://x/a b", "http://x/`id`", "http://x/\"", "http://x/|",
		"http://x/<a>", "ftp://x/", "http://", "http://a;b/",
		"http://x:0/", "http://x:99999/", "http://x/%zz",
		"http://x/%4", "javascript:alert(1)", "http://x/\\",
		"http://user@x/",
	};
	uint8_t buf[DHCP_PACKET_MAX], o[300];
	struct dhcp_message m;
	size_t i, n, len;

	for (i = 0; i < sizeof(bad_hosts) / sizeof(*bad_hosts); i++)
		CHECK(!dhcp_valid_hostname(bad_hosts[i],
					   strlen(bad_hosts[i])));
	for (i = 0; i < sizeof(bad_urls) / sizeof(*bad_urls); i++)
		CHECK(!dhcp_valid_url(bad_urls[i], strlen(bad_urls[i])));
	CHECK(dhcp_valid_hostname("10.77.0.1", 9));
	CHECK(dhcp_valid_hostname("a-b.example.", 12));
	CHECK(dhcp_valid_url("https://p.example/$MA.xml?x=1&y=2", 33));
	CHECK(!dhcp_valid_text("a\x7f", 2));

	/* Shell metacharacters in 12, 15, 66 and 160: all dropped. */
	n = 0;
	o[n++] = 0x35; o[n++] = 1; o[n++] = DHCP_ACK;
	o[n++] = 12; o[n++] = 8; memcpy(o + n, "a;reboot", 8); n += 8;
	o[n++] = 15; o[n++] = 9; memcpy(o + n, "$(reboot)", 9); n += 9;
	o[n++] = 66; o[n++] = 5; memcpy(o + n, "`id`x", 5); n += 5;
	o[n++] = 160; o[n++] = 14; memcpy(o + n, "http://x/a|rm ", 14);
	n += 14;
	/* 43 whose sub-option overruns: kept raw, no sub-options. */
	o[n++] = 43; o[n++] = 4; memcpy(o + n, "\x01\x09\x41\x42", 4); n += 4;
	/* 125 whose enterprise block overruns: dropped. */
	o[n++] = 125; o[n++] = 6;
	memcpy(o + n, "\x00\x00\x0d\xe9\x05\x0b", 6); n += 6;
	o[n++] = 0xff;
	len = test_with_options(buf, o, n, 0);
	CHECK_EQ(dhcp_message_parse(&m, buf, len), 0);
	CHECK_EQ(m.info.host_name[0], 0);
	CHECK_EQ(m.info.domain_name[0], 0);
	CHECK_EQ(m.info.tftp_server_name[0], 0);
	CHECK_EQ(m.info.prov_url[0], 0);
	CHECK_EQ(m.info.vendor_specific.len, 4);
	CHECK_EQ(dhcp_suboptions_foreach(m.info.vendor_specific.data, 4, true,
					 test_find_option, NULL), -EBADMSG);
	CHECK_EQ(m.info.vivso.len, 0);
	CHECK_EQ(m.n_bad_options, 5);

	/* Fixed-length options 1, 51 and 54 with short lengths. */
	{
		const uint8_t p[] = { 0x35, 0x01, 0x05, 0x01, 0x02, 0xff,
				      0xff, 0x33, 0x01, 0x01, 0x36, 0x03,
				      0x0a, 0x4d, 0x00, 0x02, 0x00, 0xff };

		len = test_with_options(buf, p, sizeof(p), 0);
		CHECK_EQ(dhcp_message_parse(&m, buf, len), 0);
		CHECK(!m.has_netmask && !m.has_lease_time &&
		      !m.has_server_id);
		CHECK_EQ(m.info.time_offset, 0);
		CHECK(!m.info.has_time_offset);
	}

	/* Thousands of tiny options (overloaded file and sname too). */
	{
		static uint8_t big[4096];
		struct dhcp_header *h = (struct dhcp_header *)big;

		test_offer_bytes(big, sizeof(big));
		memcpy(big + 240, "\x35\x01\x05\x34\x01\x03", 6);
		for (i = 246; i + 2 < sizeof(big) - 1; i += 2) {
			big[i] = 200;
			big[i + 1] = 0;
		}
		big[sizeof(big) - 1] = 0xff;
		memset(h->file, 201, sizeof(h->file));
		memset(h->sname, 0, sizeof(h->sname));
		/* file: 201 with length 201 overruns: dropped. */
		CHECK_EQ(dhcp_message_parse(&m, big, sizeof(big)), -EBADMSG);
		for (i = 0; i < sizeof(h->file); i += 2) {
			h->file[i] = 12;
			h->file[i + 1] = 0;
		}
		CHECK_EQ(dhcp_message_parse(&m, big, sizeof(big)), 0);
		CHECK_EQ(m.info.host_name[0], 0);
		/* Overload without END in the main area: dropped. */
		big[sizeof(big) - 1] = 200;
		CHECK_EQ(dhcp_message_parse(&m, big, sizeof(big)), -EBADMSG);
	}
}

static void test_raw_framing(void)
{
	uint8_t frame[DHCP_RAW_HEADERS + DHCP_PACKET_MAX];
	uint8_t payload[DHCP_PACKET_MIN];
	struct in_addr any = { 0 }, bcast = { INADDR_BROADCAST };
	const uint8_t *p;
	size_t plen;
	int len;

	test_offer_bytes(payload, sizeof(payload));
	len = dhcp_raw_wrap(frame, sizeof(frame), any, bcast, payload,
			    sizeof(payload));
	CHECK_EQ(len, 328);
	CHECK_EQ(frame[0], 0x45);
	CHECK_EQ(frame[9], 17);
	CHECK(memcmp(frame + 16, "\xff\xff\xff\xff", 4) == 0);
	CHECK(memcmp(frame + 20, "\x00\x44\x00\x43\x01\x34", 6) == 0);
	CHECK_EQ(dhcp_raw_checksum(frame, 20, 0), 0xffff);
	CHECK_EQ(dhcp_raw_wrap(frame, 100, any, bcast, payload,
			       sizeof(payload)), -ENOBUFS);

	/* Our own frame has ports 68 -> 67: turn it into a reply. */
	frame[21] = 67;
	frame[23] = 68;
	frame[26] = frame[27] = 0;		/* no UDP checksum */
	CHECK_EQ(dhcp_raw_unwrap(frame, len, false, &p, &plen), 0);
	CHECK_EQ(plen, sizeof(payload));
	CHECK(p == frame + 28);

	/* Link-layer padding after the datagram is ignored. */
	CHECK_EQ(dhcp_raw_unwrap(frame, len + 10, false, &p, &plen), 0);
	CHECK_EQ(plen, sizeof(payload));

	CHECK_EQ(dhcp_raw_unwrap(frame, 27, false, &p, &plen), -EBADMSG);
	CHECK_EQ(dhcp_raw_unwrap(frame, len - 1, false, &p, &plen),
		 -EBADMSG);

	frame[26] = 0x12;			/* wrong UDP checksum */
	CHECK_EQ(dhcp_raw_unwrap(frame, len, false, &p, &plen), -EBADMSG);
	CHECK_EQ(dhcp_raw_unwrap(frame, len, true, &p, &plen), 0);

	frame[23] = 69;				/* another port */
	CHECK_EQ(dhcp_raw_unwrap(frame, len, true, &p, &plen), -ENOMSG);

	frame[8] ^= 1;				/* IP header checksum */
	CHECK_EQ(dhcp_raw_unwrap(frame, len, true, &p, &plen), -EBADMSG);
}

static void test_raw_udp_checksum(void)
{
	uint8_t frame[DHCP_RAW_HEADERS + DHCP_PACKET_MAX];
	uint8_t payload[DHCP_PACKET_MIN];
	struct in_addr src, dst;
	const uint8_t *p;
	size_t plen;
	int len;

	test_offer_bytes(payload, sizeof(payload));
	src.s_addr = test_addr("10.77.0.1");
	dst.s_addr = INADDR_BROADCAST;
	len = dhcp_raw_wrap(frame, sizeof(frame), src, dst, payload,
			    sizeof(payload));

	/* Swap the ports; the checksum is unchanged by the swap. */
	frame[21] = 67;
	frame[23] = 68;
	CHECK_EQ(dhcp_raw_unwrap(frame, len, false, &p, &plen), 0);

	frame[100] ^= 0x40;
	CHECK_EQ(dhcp_raw_unwrap(frame, len, false, &p, &plen), -EBADMSG);
}

/*
 * Random corruption of the real OFFER and of a framed datagram: every
 * result must be a clean accept or reject (run under ASan/UBSan with
 * --enable-sanitizers to catch any read out of bounds).
 */
static void test_fuzz(void)
{
	uint8_t good[DHCP_PACKET_MIN], buf[DHCP_PACKET_MAX];
	uint8_t frame[DHCP_RAW_HEADERS + DHCP_PACKET_MIN];
	struct in_addr any = { 0 }, bcast = { INADDR_BROADCAST };
	uint32_t seed = 1;
	struct dhcp_message m;
	struct fake f;
	const uint8_t *p;
	size_t plen, len;
	unsigned int i, j, accepted = 0;
	int flen;

	test_offer_bytes(good, sizeof(good));
	flen = dhcp_raw_wrap(frame, sizeof(frame), any, bcast, good,
			     sizeof(good));
	fake_init(&f);
	dhcp_client_start(f.client);

	for (i = 0; i < 20000; i++) {
		memcpy(buf, good, sizeof(good));
		for (j = 0; j < 1 + i % 8; j++) {
			seed = seed * 1103515245u + 12345u;
			/* Mostly the option area, where the lengths are. */
			buf[240 + (seed >> 8) % 60] = (uint8_t)(seed >> 20);
		}

		seed = seed * 1103515245u + 12345u;
		len = i % 3 ? sizeof(good) : (seed >> 8) % sizeof(good);
		if (dhcp_message_parse(&m, buf, len) == 0)
			accepted++;
		CHECK(m.n_routers <= DHCP_MAX_ADDRS);
		CHECK(m.n_dns <= DHCP_MAX_ADDRS);
		dhcp_client_receive(f.client, buf, len);

		memcpy(buf, frame, (size_t)flen);
		buf[(seed >> 12) % 28] ^= (uint8_t)(seed >> 4);
		dhcp_raw_unwrap(buf, (seed >> 16) % ((size_t)flen + 1), false,
				&p, &plen);
	}

	/* Some mutations hit only values, so both outcomes occur. */
	CHECK(accepted > 0 && accepted < 20000);
	dhcp_client_free(f.client);
}

int main(void)
{
	log_open("test-dhcp");
	if (getenv("TEST_DEBUG"))
		log_set_max_level(LOG_DEBUG);

	test_parse_known_offer();
	test_parse_malformed_packets();
	test_parse_malformed_options();
	test_parse_overload();
	test_netmask();
	test_builder_limits();
	test_client_discover_bytes();
	test_client_bind();
	test_client_wrong_replies();
	test_client_ack_checks();
	test_client_nak();
	test_client_retransmit_bounds();
	test_client_request_timeout();
	test_client_renew_ack();
	test_client_forced_renew();
	test_client_init_reboot();
	test_client_probe_decline();
	test_client_background_free();
	test_client_background_decline();
	test_client_background_conflict();
	test_client_conflict_rate_limit();
	test_client_release();
	test_parse_all_options();
	test_parse_hostile_text();
	test_raw_framing();
	test_raw_udp_checksum();
	test_fuzz();

	if (test_failures) {
		fprintf(stderr, "%d check(s) failed\n", test_failures);
		return 1;
	}

	printf("all DHCP checks passed\n");
	return 0;
}
