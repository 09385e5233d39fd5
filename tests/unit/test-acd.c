/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RFC 5227 conflict detection (netd/netd-acd.c) on a fake link with a
 * fake clock: the probe and announcement times, a conflict in the
 * window, defence of a later one, giving up on a second, and quiet
 * staying quiet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "log.h"
#include "netd-acd.h"

#define FAKE_MAX_SENT 16
#define MS 1000ull			/* microseconds */
#define INTERVAL (100 * MS)		/* as --arp-probe-ms 100 */
#define T0 (5000 * MS)

static const uint8_t test_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 };
static const uint8_t other_mac[6] = { 0x02, 0x00, 0x5e, 0x99, 0x88, 0x77 };

struct fake {
	struct netd_acd *acd;
	uint64_t now;
	uint64_t timer;

	unsigned int n_sent;
	struct in_addr sent_sender[FAKE_MAX_SENT];
	struct in_addr sent_target[FAKE_MAX_SENT];
	uint64_t sent_at[FAKE_MAX_SENT];

	unsigned int n_events[NETD_ACD_EVENT_LOST + 1];
	enum netd_acd_event last_event;
};

static struct in_addr test_addr(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();

	return a;
}

static int fake_send(void *data, struct in_addr sender,
		     struct in_addr target)
{
	struct fake *f = data;

	if (f->n_sent < FAKE_MAX_SENT) {
		f->sent_sender[f->n_sent] = sender;
		f->sent_target[f->n_sent] = target;
		f->sent_at[f->n_sent] = f->now;
	}

	f->n_sent++;
	return 0;
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

static void fake_event(void *data, enum netd_acd_event event)
{
	struct fake *f = data;

	f->n_events[event]++;
	f->last_event = event;
}

static const struct netd_acd_ops fake_ops = {
	.send = fake_send,
	.set_timer = fake_set_timer,
	.now = fake_now,
	.event = fake_event,
};

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->now = T0;
	f->timer = NETD_ACD_TIME_INFINITY;

	if (netd_acd_new(&f->acd, test_mac, &fake_ops, f) < 0 ||
	    netd_acd_set_interval(f->acd, INTERVAL) < 0)
		abort();
}

/* Moves the clock to the armed timer and fires it. */
static void fake_fire(struct fake *f)
{
	CHECK(f->timer != NETD_ACD_TIME_INFINITY);
	CHECK(f->timer >= f->now);
	f->now = f->timer;
	netd_acd_timer_expired(f->acd);
}

/* An Ethernet/IPv4 ARP packet as a packet socket hands it over. */
static size_t test_arp(uint8_t *buf, uint16_t op, const uint8_t *sha,
		       const char *spa, const char *tpa)
{
	struct in_addr s = test_addr(spa), t = test_addr(tpa);

	memset(buf, 0, 46);
	buf[1] = 1;			/* Ethernet */
	buf[2] = 0x08;			/* IPv4 */
	buf[4] = 6;
	buf[5] = 4;
	buf[7] = (uint8_t)op;
	memcpy(buf + 8, sha, 6);
	memcpy(buf + 14, &s, 4);
	memcpy(buf + 24, &t, 4);
	return 46;			/* with the Ethernet padding */
}

/* Probes at 0, 1, 2 intervals, FREE at 4, announcements at 4 and 6. */
static void test_acd_quiet_timings(void)
{
	struct in_addr addr = test_addr("10.77.0.120");
	struct fake f;
	unsigned int i;

	fake_init(&f);
	CHECK(netd_acd_state(f.acd) == NETD_ACD_STOPPED);
	CHECK(netd_acd_start(f.acd, addr) == 0);
	CHECK(netd_acd_state(f.acd) == NETD_ACD_PROBING);
	CHECK(f.timer == T0);
	CHECK(f.n_sent == 0);

	for (i = 0; i < 3; i++) {
		fake_fire(&f);
		CHECK(f.n_sent == i + 1);
		CHECK(f.sent_sender[i].s_addr == INADDR_ANY);
		CHECK(f.sent_target[i].s_addr == addr.s_addr);
		CHECK_MSG(f.sent_at[i] == T0 + i * INTERVAL,
			  "probe %u at %llu", i,
			  (unsigned long long)f.sent_at[i]);
	}

	CHECK(f.timer == T0 + 4 * INTERVAL);
	CHECK(f.n_events[NETD_ACD_EVENT_FREE] == 0);
	fake_fire(&f);
	CHECK(f.n_events[NETD_ACD_EVENT_FREE] == 1);
	CHECK(netd_acd_state(f.acd) == NETD_ACD_ANNOUNCING);
	CHECK(f.n_sent == 4);
	CHECK(f.sent_sender[3].s_addr == addr.s_addr);
	CHECK(f.sent_target[3].s_addr == addr.s_addr);
	CHECK(f.sent_at[3] == T0 + 4 * INTERVAL);

	fake_fire(&f);
	CHECK(f.n_sent == 5);
	CHECK(f.sent_sender[4].s_addr == addr.s_addr);
	CHECK(f.sent_at[4] == T0 + 6 * INTERVAL);
	CHECK(netd_acd_state(f.acd) == NETD_ACD_DEFENDING);
	CHECK(f.timer == NETD_ACD_TIME_INFINITY);

	/* Nothing but FREE ever happened, and nothing more will. */
	CHECK(f.n_events[NETD_ACD_EVENT_IN_USE] == 0);
	CHECK(f.n_events[NETD_ACD_EVENT_DEFENDED] == 0);
	CHECK(f.n_events[NETD_ACD_EVENT_LOST] == 0);
	netd_acd_stop(f.acd);
	CHECK(netd_acd_state(f.acd) == NETD_ACD_STOPPED);
	netd_acd_free(f.acd);
}

/* Traffic that is no conflict, in the window and after it. */
static void test_acd_not_conflicts(void)
{
	uint8_t buf[64];
	struct fake f;
	size_t len;

	fake_init(&f);
	netd_acd_start(f.acd, test_addr("10.77.0.120"));
	fake_fire(&f);

	/* Our own packets (looped back, or the kernel's own ARP). */
	len = test_arp(buf, 2, test_mac, "10.77.0.120", "10.77.0.1");
	CHECK(netd_acd_receive(f.acd, buf, len) == -ENOMSG);
	/* Someone asking for us, or about other addresses. */
	len = test_arp(buf, 1, other_mac, "10.77.0.1", "10.77.0.120");
	CHECK(netd_acd_receive(f.acd, buf, len) == -ENOMSG);
	len = test_arp(buf, 2, other_mac, "10.77.0.5", "10.77.0.6");
	CHECK(netd_acd_receive(f.acd, buf, len) == -ENOMSG);
	/* An op that is neither request nor reply (RARP). */
	len = test_arp(buf, 3, other_mac, "10.77.0.120", "10.77.0.120");
	CHECK(netd_acd_receive(f.acd, buf, len) == -ENOMSG);

	/* Malformed: short, not Ethernet, not IPv4, wrong lengths. */
	len = test_arp(buf, 2, other_mac, "10.77.0.120", "10.77.0.1");
	CHECK(netd_acd_receive(f.acd, buf, 27) == -EBADMSG);
	buf[1] = 6;
	CHECK(netd_acd_receive(f.acd, buf, len) == -EBADMSG);
	buf[1] = 1;
	buf[3] = 0xdd;
	CHECK(netd_acd_receive(f.acd, buf, len) == -EBADMSG);
	buf[3] = 0;
	buf[4] = 8;
	CHECK(netd_acd_receive(f.acd, buf, len) == -EBADMSG);
	CHECK(netd_acd_state(f.acd) == NETD_ACD_PROBING);

	/* After the window another host's probe is answered by the kernel. */
	while (netd_acd_state(f.acd) != NETD_ACD_DEFENDING)
		fake_fire(&f);
	len = test_arp(buf, 1, other_mac, "0.0.0.0", "10.77.0.120");
	CHECK(netd_acd_receive(f.acd, buf, len) == -ENOMSG);
	CHECK(f.n_events[NETD_ACD_EVENT_DEFENDED] == 0);
	CHECK(f.n_events[NETD_ACD_EVENT_IN_USE] == 0);

	/* Stopped: everything is ignored. */
	netd_acd_stop(f.acd);
	len = test_arp(buf, 2, other_mac, "10.77.0.120", "10.77.0.1");
	CHECK(netd_acd_receive(f.acd, buf, len) == -ENOMSG);
	CHECK(netd_acd_start(f.acd, test_addr("0.0.0.0")) == -EINVAL);
	CHECK(netd_acd_set_interval(f.acd, 0) == -EINVAL);
	netd_acd_free(f.acd);
}

/* A reply, or another host's probe, in the window: IN_USE, stopped. */
static void test_acd_conflict_in_window(void)
{
	uint8_t buf[64];
	struct fake f;
	size_t len;
	int probe;

	for (probe = 0; probe < 2; probe++) {
		fake_init(&f);
		netd_acd_start(f.acd, test_addr("10.77.0.120"));
		fake_fire(&f);
		fake_fire(&f);
		fake_fire(&f);
		/* During ANNOUNCE_WAIT, after the last probe. */
		f.now += INTERVAL;

		if (probe)
			len = test_arp(buf, 1, other_mac, "0.0.0.0",
				       "10.77.0.120");
		else
			len = test_arp(buf, 2, other_mac, "10.77.0.120",
				       "0.0.0.0");
		CHECK(netd_acd_receive(f.acd, buf, len) == 0);
		CHECK(f.n_events[NETD_ACD_EVENT_IN_USE] == 1);
		CHECK(f.n_events[NETD_ACD_EVENT_FREE] == 0);
		CHECK(netd_acd_state(f.acd) == NETD_ACD_STOPPED);
		CHECK(f.timer == NETD_ACD_TIME_INFINITY);
		CHECK(memcmp(netd_acd_conflict_mac(f.acd), other_mac, 6) ==
		      0);
		/* No announcement of an address in use. */
		CHECK(f.n_sent == 3);
		netd_acd_free(f.acd);
	}
}

/* Takes @f to DEFENDING on 10.77.0.120. */
static void fake_settle(struct fake *f)
{
	fake_init(f);
	netd_acd_start(f->acd, test_addr("10.77.0.120"));
	while (netd_acd_state(f->acd) != NETD_ACD_DEFENDING)
		fake_fire(f);
}

/* 2.4 (b): defend once; a second conflict within 10 intervals: LOST. */
static void test_acd_defend_then_give_up(void)
{
	struct in_addr addr = test_addr("10.77.0.120");
	uint8_t buf[64];
	struct fake f;
	size_t len;
	unsigned int n;

	fake_settle(&f);
	n = f.n_sent;
	f.now += 50 * INTERVAL;
	len = test_arp(buf, 1, other_mac, "10.77.0.120", "10.77.0.1");
	CHECK(netd_acd_receive(f.acd, buf, len) == 0);
	CHECK(f.n_events[NETD_ACD_EVENT_DEFENDED] == 1);
	CHECK(netd_acd_state(f.acd) == NETD_ACD_DEFENDING);
	/* The defence: one announcement at once. */
	CHECK(f.n_sent == n + 1);
	CHECK(f.sent_sender[n].s_addr == addr.s_addr);
	CHECK(f.sent_target[n].s_addr == addr.s_addr);
	CHECK(f.sent_at[n] == f.now);

	/* A second one 9.9 intervals later. */
	f.now += 10 * INTERVAL - 10 * MS;
	CHECK(netd_acd_receive(f.acd, buf, len) == 0);
	CHECK(f.n_events[NETD_ACD_EVENT_LOST] == 1);
	CHECK(f.n_events[NETD_ACD_EVENT_DEFENDED] == 1);
	CHECK(netd_acd_state(f.acd) == NETD_ACD_STOPPED);
	CHECK(f.n_sent == n + 1);
	CHECK(f.n_events[NETD_ACD_EVENT_IN_USE] == 0);
	netd_acd_free(f.acd);

	/* Conflicts DEFEND_INTERVAL apart are each defended. */
	fake_settle(&f);
	CHECK(netd_acd_receive(f.acd, buf, len) == 0);
	f.now += 10 * INTERVAL;
	CHECK(netd_acd_receive(f.acd, buf, len) == 0);
	f.now += 10 * INTERVAL;
	CHECK(netd_acd_receive(f.acd, buf, len) == 0);
	CHECK(f.n_events[NETD_ACD_EVENT_DEFENDED] == 3);
	CHECK(f.n_events[NETD_ACD_EVENT_LOST] == 0);
	CHECK(netd_acd_state(f.acd) == NETD_ACD_DEFENDING);
	netd_acd_free(f.acd);
}

/* While announcing, conflicts are already handled as in 2.4. */
static void test_acd_conflict_announcing(void)
{
	uint8_t buf[64];
	struct fake f;
	size_t len;

	fake_init(&f);
	netd_acd_start(f.acd, test_addr("10.77.0.120"));
	while (netd_acd_state(f.acd) != NETD_ACD_ANNOUNCING)
		fake_fire(&f);

	len = test_arp(buf, 2, other_mac, "10.77.0.120", "10.77.0.120");
	CHECK(netd_acd_receive(f.acd, buf, len) == 0);
	CHECK(f.n_events[NETD_ACD_EVENT_DEFENDED] == 1);
	CHECK(f.n_events[NETD_ACD_EVENT_IN_USE] == 0);
	f.now += INTERVAL;
	CHECK(netd_acd_receive(f.acd, buf, len) == 0);
	CHECK(f.n_events[NETD_ACD_EVENT_LOST] == 1);
	CHECK(f.timer == NETD_ACD_TIME_INFINITY);
	netd_acd_free(f.acd);
}

/* The owner stops it from FREE: no announcement for a dropped address. */
static void fake_stop_on_free(void *data, enum netd_acd_event event)
{
	struct fake *f = data;

	fake_event(data, event);
	if (event == NETD_ACD_EVENT_FREE)
		netd_acd_stop(f->acd);
}

static void test_acd_stop_from_event(void)
{
	static const struct netd_acd_ops ops = {
		.send = fake_send,
		.set_timer = fake_set_timer,
		.now = fake_now,
		.event = fake_stop_on_free,
	};
	struct fake f;

	memset(&f, 0, sizeof(f));
	f.now = T0;
	if (netd_acd_new(&f.acd, test_mac, &ops, &f) < 0)
		abort();

	netd_acd_start(f.acd, test_addr("10.77.0.120"));
	while (f.n_events[NETD_ACD_EVENT_FREE] == 0 && f.n_sent < 10)
		fake_fire(&f);
	CHECK(f.n_sent == 3);
	CHECK(netd_acd_state(f.acd) == NETD_ACD_STOPPED);
	CHECK(f.timer == NETD_ACD_TIME_INFINITY);
	/* The default interval: 1 s. */
	CHECK(f.sent_at[1] - f.sent_at[0] == 1000 * MS);
	netd_acd_free(f.acd);
}

int main(void)
{
	log_open("test-acd");
	if (getenv("TEST_DEBUG"))
		log_set_max_level(LOG_DEBUG);

	test_acd_quiet_timings();
	test_acd_not_conflicts();
	test_acd_conflict_in_window();
	test_acd_defend_then_give_up();
	test_acd_conflict_announcing();
	test_acd_stop_from_event();

	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}

	printf("all ACD checks passed\n");
	return 0;
}
