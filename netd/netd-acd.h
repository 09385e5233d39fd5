/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * IPv4 Address Conflict Detection (RFC 5227) for one address, free of
 * I/O like the DHCP engine: the owner sends the ARP requests it asks
 * for, arms its one timer, reads the clock, feeds in received ARP
 * packets and timer expiries, and acts on its events.
 *
 * Times are counted in probe intervals (1 s by default; tests shorten
 * it) and follow the RFC's constants at that scale:
 *   PROBING     probes at 0, 1 and 2 intervals (PROBE_NUM 3), then
 *               2 intervals of quiet (ANNOUNCE_WAIT): the window.
 *               A conflict in it: IN_USE, and the engine stops.
 *   ANNOUNCING  FREE, then 2 announcements 2 intervals apart
 *               (ANNOUNCE_NUM, ANNOUNCE_INTERVAL); ongoing detection
 *               as in DEFENDING.
 *   DEFENDING   2.4 (b): a conflict is answered with one announcement
 *               (DEFENDED); a second within 10 intervals
 *               (DEFEND_INTERVAL): LOST, and the engine stops.
 * The probes go at fixed intervals, not the RFC's random 1-2 s: DHCP
 * already gave each host its own address, and fixed times make the
 * strict mode's delay predictable.
 */

#define NETD_ACD_PROBE_NUM 3
#define NETD_ACD_ANNOUNCE_WAIT 2	/* intervals */
#define NETD_ACD_ANNOUNCE_NUM 2
#define NETD_ACD_ANNOUNCE_INTERVAL 2	/* intervals */
#define NETD_ACD_DEFEND_INTERVAL 10	/* intervals */
#define NETD_ACD_TIME_INFINITY UINT64_MAX

enum netd_acd_state {
	NETD_ACD_STOPPED,
	NETD_ACD_PROBING,
	NETD_ACD_ANNOUNCING,
	NETD_ACD_DEFENDING,
};

enum netd_acd_event {
	NETD_ACD_EVENT_FREE,		/* the window passed quietly */
	NETD_ACD_EVENT_IN_USE,		/* a conflict in the window */
	NETD_ACD_EVENT_DEFENDED,	/* a later conflict, answered once */
	NETD_ACD_EVENT_LOST,		/* a second one: give it up */
};

struct netd_acd_ops {
	/*
	 * Broadcasts an ARP request from our link address with sender
	 * @sender (0.0.0.0 in a probe) and target @target.  -errno is
	 * logged; the next one is sent all the same.
	 */
	int (*send)(void *data, struct in_addr sender, struct in_addr target);
	/* Arms the timer at @usec (ops->now clock); INFINITY disarms. */
	void (*set_timer)(void *data, uint64_t usec);
	uint64_t (*now)(void *data);	/* monotonic, microseconds */
	/* The engine may be stopped or restarted from here. */
	void (*event)(void *data, enum netd_acd_event event);
};

struct netd_acd;

int netd_acd_new(struct netd_acd **out, const uint8_t mac[6],
		 const struct netd_acd_ops *ops, void *data);
void netd_acd_free(struct netd_acd *a);

/* The probe interval (default 1 s); 0 is refused. */
int netd_acd_set_interval(struct netd_acd *a, uint64_t usec);

/* Starts over with @addr: the first probe goes when the timer fires. */
int netd_acd_start(struct netd_acd *a, struct in_addr addr);
void netd_acd_stop(struct netd_acd *a);

/*
 * An ARP packet from the link, from its ARP header on.  0: a conflict,
 * acted on; -ENOMSG: none (or our own packet); -EBADMSG: not Ethernet/
 * IPv4 ARP.
 */
int netd_acd_receive(struct netd_acd *a, const void *buf, size_t len);

/* The timer armed through ops->set_timer fired. */
void netd_acd_timer_expired(struct netd_acd *a);

enum netd_acd_state netd_acd_state(const struct netd_acd *a);
struct in_addr netd_acd_address(const struct netd_acd *a);
/* The link address of the host in the last conflict. */
const uint8_t *netd_acd_conflict_mac(const struct netd_acd *a);
