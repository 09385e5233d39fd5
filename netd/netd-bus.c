/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.deskphone.Net1 at /org/deskphone/Net: what netd configured. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "log.h"
#include "netd.h"

const char *netd_mode_name(enum netd_mode mode)
{
	switch (mode) {
	case NETD_MODE_DHCP:
		return "dhcp";
	case NETD_MODE_STATIC:
		return "static";
	case NETD_MODE_DISABLED:
		break;
	}

	return "disabled";
}

/* "" for INADDR_ANY: "no such address" reads better than 0.0.0.0. */
static int netd_bus_append_addr(sd_bus_message *reply, struct in_addr a)
{
	char buf[INET_ADDRSTRLEN] = "";

	if (a.s_addr != INADDR_ANY)
		inet_ntop(AF_INET, &a, buf, sizeof(buf));

	return sd_bus_message_append(reply, "s", buf);
}

static int netd_bus_get_string(sd_bus *bus, const char *path,
			       const char *interface, const char *property,
			       sd_bus_message *reply, void *userdata,
			       sd_bus_error *error)
{
	struct netd *n = userdata;
	const char *value = "";

	if (strcmp(property, "Mode") == 0)
		value = netd_mode_name(n->mode);
	else if (strcmp(property, "State") == 0)
		value = n->state;
	else if (strcmp(property, "Interface") == 0 && n->ifname)
		value = n->ifname;

	return sd_bus_message_append(reply, "s", value);
}

static int netd_bus_get_addr(sd_bus *bus, const char *path,
			     const char *interface, const char *property,
			     sd_bus_message *reply, void *userdata,
			     sd_bus_error *error)
{
	struct netd *n = userdata;
	const struct netd_config *c = &n->config;
	struct in_addr a = { .s_addr = INADDR_ANY };

	if (strcmp(property, "Address") == 0 && c->prefix_len)
		a = c->address;
	else if (strcmp(property, "Netmask") == 0 && c->prefix_len)
		a = dhcp_prefix_to_netmask(c->prefix_len);
	else if (strcmp(property, "Router") == 0)
		a = c->router;
	else if (strcmp(property, "ServerAddress") == 0)
		a = c->server;

	return netd_bus_append_addr(reply, a);
}

static int netd_bus_get_dns(sd_bus *bus, const char *path,
			    const char *interface, const char *property,
			    sd_bus_message *reply, void *userdata,
			    sd_bus_error *error)
{
	struct netd *n = userdata;
	char buf[INET_ADDRSTRLEN];
	size_t i;
	int r;

	r = sd_bus_message_open_container(reply, 'a', "s");
	if (r < 0)
		return r;

	for (i = 0; i < n->config.n_dns; i++) {
		inet_ntop(AF_INET, &n->config.dns[i], buf, sizeof(buf));
		r = sd_bus_message_append(reply, "s", buf);
		if (r < 0)
			return r;
	}

	return sd_bus_message_close_container(reply);
}

static int netd_bus_get_lease_time(sd_bus *bus, const char *path,
				   const char *interface,
				   const char *property,
				   sd_bus_message *reply, void *userdata,
				   sd_bus_error *error)
{
	struct netd *n = userdata;

	return sd_bus_message_append(reply, "u", n->config.lease_time);
}

#define NETD_BUS_PROPERTY(name, sig, getter)				\
	SD_BUS_PROPERTY(name, sig, getter, 0,				\
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

static const sd_bus_vtable netd_bus_vtable[] = {
	SD_BUS_VTABLE_START(0),
	NETD_BUS_PROPERTY("Mode", "s", netd_bus_get_string),
	NETD_BUS_PROPERTY("State", "s", netd_bus_get_string),
	NETD_BUS_PROPERTY("Interface", "s", netd_bus_get_string),
	NETD_BUS_PROPERTY("Address", "s", netd_bus_get_addr),
	NETD_BUS_PROPERTY("Netmask", "s", netd_bus_get_addr),
	NETD_BUS_PROPERTY("Router", "s", netd_bus_get_addr),
	NETD_BUS_PROPERTY("DnsServers", "as", netd_bus_get_dns),
	NETD_BUS_PROPERTY("LeaseTime", "u", netd_bus_get_lease_time),
	NETD_BUS_PROPERTY("ServerAddress", "s", netd_bus_get_addr),
	SD_BUS_VTABLE_END
};

int netd_bus_add(struct netd *n)
{
	int r;

	r = sd_bus_add_object_vtable(n->bus, NULL, NETD_BUS_PATH,
				     NETD_BUS_INTERFACE, netd_bus_vtable, n);
	if (r < 0)
		log_err("Failed to serve %s: %s", NETD_BUS_INTERFACE,
			strerror(-r));

	return r;
}

void netd_bus_emit(struct netd *n, const char *const *names)
{
	int r;

	if (!n->bus || !names[0])
		return;

	r = sd_bus_emit_properties_changed_strv(n->bus, NETD_BUS_PATH,
						NETD_BUS_INTERFACE,
						(char **)names);
	if (r < 0)
		log_warning("Failed to signal changed properties: %s, "
			    "ignoring", strerror(-r));
}
