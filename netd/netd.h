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
	uint32_t t1, t2;		/* DHCP only: renew, rebind (s) */
	struct in_addr server;		/* DHCP only */
	struct dhcp_info info;		/* DHCP only: the other options */
};

/*
 * Exit status asking the supervisor to restart the phone's services
 * (EX_TEMPFAIL): "DHCP Timeout on Renewal" found the address gone.
 * systemd restarts netd (Restart=on-failure) and sipd with it;
 * scripts/launcher restarts the whole stack.
 */
#define NETD_EXIT_RESET 75

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
	uint64_t arp_probe_usec;	/* RFC 5227 probe interval; 0 off */
	bool arp_probe_first;		/* BOUND only after the probe */
	char *state_dir;

	enum netd_mode mode;
	const char *state;		/* Net1.State */
	struct netd_config config;	/* published and applied */

	struct netd_netlink *netlink;
	struct netd_dhcp *dhcp;
	sd_event_source *reconfigure;
	sd_bus_slot *sip_timeout_slot;
	bool resetting;
};

/* netd.c */
void netd_set_state(struct netd *n, const char *state);
/* Ends the loop with NETD_EXIT_RESET; main() removes the lease. */
void netd_reset(struct netd *n, const char *why);
/* Path of a file in the state directory (malloc'd) or NULL. */
char *netd_state_path(struct netd *n, const char *file);
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
int netd_dhcp_set_vendor_class(struct netd_dhcp *d, const char *vc);
/* DHCPRELEASE, then the address and the saved lease are removed. */
void netd_dhcp_release(struct netd_dhcp *d);
/* Removes the saved lease file (INIT-REBOOT source). */
void netd_dhcp_forget(struct netd_dhcp *d);
/*
 * "DHCP Timeout on Renewal" and Net1.Renew(): renew now; the same
 * address carries on, another address, a NAK or no answer resets.
 * -ENOTCONN without a lease.
 */
int netd_dhcp_check_renew(struct netd_dhcp *d, const char *why);
