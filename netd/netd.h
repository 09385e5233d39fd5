/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "dhcp-client.h"
#include "params.h"

#define NETD_BUS_NAME "org.deskphone.Net"
#define NETD_BUS_PATH "/org/deskphone/Net"
#define NETD_BUS_INTERFACE "org.deskphone.Net1"

enum netd_mode {
	NETD_MODE_DISABLED,
	NETD_MODE_DHCP,
	NETD_MODE_STATIC,
};

/* One IPv4 configuration: what is on the interface and on the bus. */
struct netd_config {
	struct in_addr address;
	unsigned int prefix_len;	/* 0: no address */
	struct in_addr router;		/* INADDR_ANY: no default route */
	size_t n_dns;
	struct in_addr dns[DHCP_MAX_ADDRS];
	uint32_t lease_time;		/* DHCP only */
	struct in_addr server;		/* DHCP only */
};

struct netd_netlink;
struct netd_dhcp;

struct netd {
	sd_event *event;
	sd_bus *bus;
	struct param_store *params;

	char *ifname;			/* NULL: touch nothing */
	int ifindex;
	uint8_t mac[6];
	uint64_t retransmit_usec;	/* 0: the engine's default */

	enum netd_mode mode;
	const char *state;		/* Net1.State */
	struct netd_config config;	/* published and applied */

	struct netd_netlink *netlink;
	struct netd_dhcp *dhcp;
	sd_event_source *reconfigure;
};

/* netd.c */
void netd_set_state(struct netd *n, const char *state);
/* Applies @c (NULL: no address) to the interface and publishes it. */
int netd_apply(struct netd *n, const struct netd_config *c);

/* netd-bus.c */
int netd_bus_add(struct netd *n);
/* Emits PropertiesChanged for the named properties (NULL-terminated). */
void netd_bus_emit(struct netd *n, const char *const *names);
const char *netd_mode_name(enum netd_mode mode);

/* netd-dhcp.c: the engine on a packet socket and sd-event. */
int netd_dhcp_new(struct netd_dhcp **out, struct netd *n);
void netd_dhcp_free(struct netd_dhcp *d);
int netd_dhcp_start(struct netd_dhcp *d);
void netd_dhcp_stop(struct netd_dhcp *d);
bool netd_dhcp_running(const struct netd_dhcp *d);
