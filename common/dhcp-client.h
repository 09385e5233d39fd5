/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <netinet/in.h>
#include <stdint.h>

#include "dhcp-packet.h"

/*
 * DHCPv4 client protocol engine (RFC 2131 section 4.4), free of any I/O
 * or event loop: the owner gives it a table of operations (send a
 * packet, arm the one timer, read the clock, draw random numbers,
 * receive events) and feeds it received packets and timer expiries.
 * netd drives it from sd-event with a packet socket; the unit test
 * drives it with a fake transport and a fake clock.
 *
 * RFC 2131 4.4: INIT -> SELECTING -> REQUESTING -> (PROBING) -> BOUND
 * -> RENEWING at T1 -> REBINDING at T2 -> INIT at expiry; INIT-REBOOT ->
 * REBOOTING when a saved address is known; NAK back to INIT; DECLINE
 * when the owner's ARP probe finds the address in use; RELEASE on
 * request or when another host takes the address later.
 */

#define DHCP_USEC_PER_SEC 1000000ull
#define DHCP_TIME_INFINITY UINT64_MAX

enum dhcp_client_state {
	DHCP_CLIENT_STOPPED,
	DHCP_CLIENT_INIT,
	DHCP_CLIENT_SELECTING,
	DHCP_CLIENT_REQUESTING,
	DHCP_CLIENT_BOUND,
	DHCP_CLIENT_RENEWING,
	DHCP_CLIENT_REBINDING,
	DHCP_CLIENT_INIT_REBOOT,
	DHCP_CLIENT_REBOOTING,
	DHCP_CLIENT_PROBING,		/* ACKed; ARP probe before use */
};

enum dhcp_client_event {
	DHCP_CLIENT_EVENT_STATE,	/* the state changed */
	DHCP_CLIENT_EVENT_BOUND,	/* a lease (new or renewed) */
	DHCP_CLIENT_EVENT_LOST,		/* gone: NAK, expiry, conflict */
	DHCP_CLIENT_EVENT_DECLINED,	/* the probe found it in use */
};

struct dhcp_lease {
	struct in_addr address;
	struct in_addr netmask;
	unsigned int prefix_len;
	struct in_addr server_id;
	size_t n_routers;
	struct in_addr routers[DHCP_MAX_ADDRS];
	size_t n_dns;
	struct in_addr dns[DHCP_MAX_ADDRS];
	uint32_t lease_time;		/* seconds; UINT32_MAX infinite */
	uint32_t t1, t2;		/* seconds, given or defaulted */
	uint64_t acquired_usec;		/* clock of the REQUEST that won it */
	struct dhcp_info info;		/* the other options */
};

struct dhcp_client_ops {
	/*
	 * Sends a UDP payload from @src:68 (INADDR_ANY before there is a
	 * lease) to port 67 of @dst (INADDR_BROADCAST, or the server when
	 * RENEWING or releasing).  -errno is logged by the engine and the
	 * retransmission timer covers the loss.
	 */
	int (*send)(void *data, const void *packet, size_t len,
		    struct in_addr src, struct in_addr dst);
	/* Arms the single timer at @usec (ops->now clock); or disarms it. */
	void (*set_timer)(void *data, uint64_t usec);
	uint64_t (*now)(void *data);	/* monotonic, microseconds */
	uint32_t (*random)(void *data);
	void (*event)(void *data, enum dhcp_client_event event);
	/*
	 * Optional: checks that @addr is free (RFC 5227 probe) and later
	 * calls dhcp_client_probe_done().  NULL or -errno: every address
	 * is free.
	 */
	int (*probe)(void *data, struct in_addr addr);
};

struct dhcp_client;

int dhcp_client_new(struct dhcp_client **out, const uint8_t mac[6],
		    const struct dhcp_client_ops *ops, void *data);
void dhcp_client_free(struct dhcp_client *c);

/*
 * First retransmission delay; later ones double up to 16 times it
 * (RFC 2131 4.1: 4, 8, ... 64 s) and each is moved randomly by up to a
 * quarter of it (the "+/- 1 s").  Default 4 s; tests shorten it.
 */
void dhcp_client_set_retransmit(struct dhcp_client *c, uint64_t base_usec);

/* Option 60 sent in every request; NULL or "" sends none. */
int dhcp_client_set_vendor_class(struct dhcp_client *c, const char *vc);

/*
 * An address from a lease saved before a restart: the next start goes
 * through INIT-REBOOT (RFC 2131 3.2) instead of INIT.
 */
void dhcp_client_set_requested_address(struct dhcp_client *c,
				       struct in_addr addr);

int dhcp_client_start(struct dhcp_client *c);
/* Back to STOPPED: the timer is disarmed and the lease forgotten. */
void dhcp_client_stop(struct dhcp_client *c);
/*
 * Sends DHCPRELEASE for the lease (if any) to its server, then stops.
 * The caller removes the address afterwards (RFC 2131 4.4.6).
 */
void dhcp_client_release(struct dhcp_client *c);

/*
 * Renews now instead of at T1: RENEWING with the retransmission delays
 * of a first request.  -ENOTCONN unless BOUND, RENEWING or REBINDING.
 */
int dhcp_client_renew(struct dhcp_client *c);

/*
 * When a new address is used.  Probe first (the default): the lease is
 * BOUND only once ops->probe found the address free (state PROBING
 * until then).  In the background: BOUND at once, ops->probe runs on
 * and an address found in use is given up after all (LOST, DECLINE).
 */
void dhcp_client_set_probe_first(struct dhcp_client *c, bool first);

/*
 * The answer to ops->probe for the address it was called with.  In use:
 * DHCPDECLINE, the lease (if bound already) is LOST, DECLINED, and
 * INIT waits 10 s (RFC 2131 3.1.5), a minute after more than 10
 * conflicts in a row (RFC 5227 2.1.1 MAX_CONFLICTS; the run ends only
 * when an address is kept a minute).  Answers that no longer apply are
 * ignored.
 */
void dhcp_client_probe_done(struct dhcp_client *c, bool in_use);

/*
 * Another host took the lease's address after the probe and the owner
 * gives it up (RFC 5227 2.4 (b)): DHCPDECLINE, the lease is LOST, and
 * INIT waits as after any conflict.  -ENOTCONN without a lease.
 */
int dhcp_client_conflict(struct dhcp_client *c);

/*
 * A UDP payload that arrived on port 68.  Anything not meant for us or
 * malformed is dropped: -EBADMSG (malformed), -ENOMSG (not ours or not
 * expected now), 0 if it was used.
 */
int dhcp_client_receive(struct dhcp_client *c, const void *buf, size_t len);

/* The timer armed through ops->set_timer fired. */
void dhcp_client_timer_expired(struct dhcp_client *c);

enum dhcp_client_state dhcp_client_state(const struct dhcp_client *c);
const char *dhcp_client_state_name(enum dhcp_client_state state);
/* NULL unless BOUND, RENEWING or REBINDING (the address is ours). */
const struct dhcp_lease *dhcp_client_lease(const struct dhcp_client *c);
