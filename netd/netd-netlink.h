/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Interface configuration over rtnetlink (libmnl), synchronous: each
 * request waits for the kernel's acknowledgement, which takes
 * microseconds, so the event loop is not held up.
 */

struct netd_netlink;

int netd_netlink_open(struct netd_netlink **out);
void netd_netlink_close(struct netd_netlink *nl);

int netd_netlink_link_up(struct netd_netlink *nl, int ifindex);

/* Adds or refreshes @addr/@prefix_len with its broadcast address. */
int netd_netlink_address_set(struct netd_netlink *nl, int ifindex,
			     struct in_addr addr, unsigned int prefix_len);

/*
 * Removes every IPv4 address of the interface except @keep/@prefix_len
 * (prefix_len 0: remove all).
 */
int netd_netlink_address_flush(struct netd_netlink *nl, int ifindex,
			       struct in_addr keep, unsigned int prefix_len);

/*
 * Sets the default route of the main table via @gateway on the
 * interface, preferring source @src; RTPROT_DHCP or RTPROT_STATIC as
 * @protocol; @onlink for a gateway outside the interface's subnet.
 * Replaces any default route already there.
 */
int netd_netlink_route_set(struct netd_netlink *nl, int ifindex,
			   struct in_addr gateway, struct in_addr src,
			   uint8_t protocol, bool onlink);

/* Removes the default route through the interface, if any. */
int netd_netlink_route_remove(struct netd_netlink *nl, int ifindex);
