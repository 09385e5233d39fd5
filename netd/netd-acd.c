/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RFC 5227 probing, announcing and defending of one IPv4 address
 * (netd-acd.h).  No I/O: netd-dhcp.c gives it an ARP packet socket and
 * an sd-event timer, tests/unit/test-acd.c a fake link and clock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "netd-acd.h"

/* An Ethernet/IPv4 ARP packet (RFC 826), as it is on the wire. */
#define NETD_ACD_ARP_LEN 28
#define NETD_ACD_HRD_ETHER 1
#define NETD_ACD_PRO_IP 0x0800
#define NETD_ACD_OP_REQUEST 1
#define NETD_ACD_OP_REPLY 2

struct netd_acd_arp {
	uint16_t op;
	const uint8_t *sha;
	struct in_addr spa;
	struct in_addr tpa;
};

struct netd_acd {
	const struct netd_acd_ops *ops;
	void *data;
	uint8_t mac[6];
	uint64_t interval;

	enum netd_acd_state state;
	struct in_addr addr;
	unsigned int sent;		/* probes or announcements so far */
	bool defended;			/* defence_usec is set */
	uint64_t defence_usec;
	uint8_t conflict_mac[6];
};

int netd_acd_new(struct netd_acd **out, const uint8_t mac[6],
		 const struct netd_acd_ops *ops, void *data)
{
	struct netd_acd *a;

	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;

	a->ops = ops;
	a->data = data;
	memcpy(a->mac, mac, sizeof(a->mac));
	a->interval = 1000000;
	a->state = NETD_ACD_STOPPED;

	*out = a;
	return 0;
}

void netd_acd_free(struct netd_acd *a)
{
	if (!a)
		return;

	netd_acd_stop(a);
	free(a);
}

int netd_acd_set_interval(struct netd_acd *a, uint64_t usec)
{
	if (usec == 0)
		return -EINVAL;

	a->interval = usec;
	return 0;
}

enum netd_acd_state netd_acd_state(const struct netd_acd *a)
{
	return a->state;
}

struct in_addr netd_acd_address(const struct netd_acd *a)
{
	return a->addr;
}

const uint8_t *netd_acd_conflict_mac(const struct netd_acd *a)
{
	return a->conflict_mac;
}

static void netd_acd_arm(struct netd_acd *a, uint64_t usec)
{
	a->ops->set_timer(a->data, usec);
}

int netd_acd_start(struct netd_acd *a, struct in_addr addr)
{
	if (addr.s_addr == INADDR_ANY || addr.s_addr == INADDR_BROADCAST)
		return -EINVAL;

	a->addr = addr;
	a->state = NETD_ACD_PROBING;
	a->sent = 0;
	a->defended = false;
	memset(a->conflict_mac, 0, sizeof(a->conflict_mac));

	/* From the caller's loop, after it has done what it does now. */
	netd_acd_arm(a, a->ops->now(a->data));
	return 0;
}

void netd_acd_stop(struct netd_acd *a)
{
	if (a->state == NETD_ACD_STOPPED)
		return;

	a->state = NETD_ACD_STOPPED;
	netd_acd_arm(a, NETD_ACD_TIME_INFINITY);
}

static void netd_acd_send(struct netd_acd *a, bool probe)
{
	struct in_addr none = { .s_addr = INADDR_ANY };
	int r;

	r = a->ops->send(a->data, probe ? none : a->addr, a->addr);
	if (r < 0)
		log_debug("Failed to send an ARP %s: %s",
			  probe ? "probe" : "announcement", strerror(-r));
}

/* RFC 5227 2.3: announcements, the first at once. */
static void netd_acd_announce(struct netd_acd *a, uint64_t now)
{
	netd_acd_send(a, false);
	a->sent++;

	if (a->sent < NETD_ACD_ANNOUNCE_NUM) {
		netd_acd_arm(a, now + NETD_ACD_ANNOUNCE_INTERVAL *
			     a->interval);
		return;
	}

	a->state = NETD_ACD_DEFENDING;
	netd_acd_arm(a, NETD_ACD_TIME_INFINITY);
}

/* The window ended without a conflict. */
static void netd_acd_window_over(struct netd_acd *a, uint64_t now)
{
	struct in_addr addr = a->addr;

	a->state = NETD_ACD_ANNOUNCING;
	a->sent = 0;
	a->ops->event(a->data, NETD_ACD_EVENT_FREE);

	/* Announced only if the owner still wants this address. */
	if (a->state == NETD_ACD_ANNOUNCING && a->addr.s_addr == addr.s_addr)
		netd_acd_announce(a, now);
}

static void netd_acd_probe_timer(struct netd_acd *a, uint64_t now)
{
	uint64_t wait = a->interval;

	if (a->sent >= NETD_ACD_PROBE_NUM) {
		netd_acd_window_over(a, now);
		return;
	}

	netd_acd_send(a, true);
	a->sent++;
	if (a->sent == NETD_ACD_PROBE_NUM)
		wait = NETD_ACD_ANNOUNCE_WAIT * a->interval;

	netd_acd_arm(a, now + wait);
}

void netd_acd_timer_expired(struct netd_acd *a)
{
	uint64_t now = a->ops->now(a->data);

	switch (a->state) {
	case NETD_ACD_PROBING:
		netd_acd_probe_timer(a, now);
		break;
	case NETD_ACD_ANNOUNCING:
		netd_acd_announce(a, now);
		break;
	case NETD_ACD_STOPPED:
	case NETD_ACD_DEFENDING:
		break;
	}
}

static int netd_acd_parse(struct netd_acd_arp *arp, const void *buf,
			  size_t len)
{
	const uint8_t *p = buf;

	if (len < NETD_ACD_ARP_LEN ||
	    (p[0] << 8 | p[1]) != NETD_ACD_HRD_ETHER ||
	    (p[2] << 8 | p[3]) != NETD_ACD_PRO_IP || p[4] != 6 || p[5] != 4)
		return -EBADMSG;

	arp->op = p[6] << 8 | p[7];
	arp->sha = p + 8;
	memcpy(&arp->spa, p + 14, 4);
	memcpy(&arp->tpa, p + 24, 4);
	return 0;
}

/*
 * RFC 5227 2.1.1: in the window, any ARP packet from another host with
 * our address as its sender, or another host's probe for it.  2.4:
 * later, only our address as the sender.
 */
static bool netd_acd_is_conflict(const struct netd_acd *a,
				 const struct netd_acd_arp *arp)
{
	if (arp->op != NETD_ACD_OP_REQUEST && arp->op != NETD_ACD_OP_REPLY)
		return false;

	if (memcmp(arp->sha, a->mac, sizeof(a->mac)) == 0)
		return false;

	if (arp->spa.s_addr == a->addr.s_addr)
		return true;

	return a->state == NETD_ACD_PROBING &&
	       arp->op == NETD_ACD_OP_REQUEST &&
	       arp->spa.s_addr == INADDR_ANY &&
	       arp->tpa.s_addr == a->addr.s_addr;
}

/* 2.4 (b): defend once; a second conflict so soon gives up. */
static void netd_acd_defend(struct netd_acd *a)
{
	uint64_t now = a->ops->now(a->data);

	if (a->defended &&
	    now - a->defence_usec < NETD_ACD_DEFEND_INTERVAL * a->interval) {
		netd_acd_stop(a);
		a->ops->event(a->data, NETD_ACD_EVENT_LOST);
		return;
	}

	a->defended = true;
	a->defence_usec = now;
	netd_acd_send(a, false);
	a->ops->event(a->data, NETD_ACD_EVENT_DEFENDED);
}

int netd_acd_receive(struct netd_acd *a, const void *buf, size_t len)
{
	struct netd_acd_arp arp;
	int r;

	if (a->state == NETD_ACD_STOPPED)
		return -ENOMSG;

	r = netd_acd_parse(&arp, buf, len);
	if (r < 0)
		return r;

	if (!netd_acd_is_conflict(a, &arp))
		return -ENOMSG;

	memcpy(a->conflict_mac, arp.sha, sizeof(a->conflict_mac));
	if (a->state == NETD_ACD_PROBING) {
		netd_acd_stop(a);
		a->ops->event(a->data, NETD_ACD_EVENT_IN_USE);
		return 0;
	}

	netd_acd_defend(a);
	return 0;
}
