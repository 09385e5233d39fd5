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

static int netd_bus_append_addrs(sd_bus_message *reply,
				 const struct in_addr *list, size_t n)
{
	char buf[INET_ADDRSTRLEN];
	size_t i;
	int r;

	r = sd_bus_message_open_container(reply, 'a', "s");
	if (r < 0)
		return r;

	for (i = 0; i < n; i++) {
		inet_ntop(AF_INET, &list[i], buf, sizeof(buf));
		r = sd_bus_message_append(reply, "s", buf);
		if (r < 0)
			return r;
	}

	return sd_bus_message_close_container(reply);
}

static int netd_bus_get_addr_list(sd_bus *bus, const char *path,
				  const char *interface, const char *property,
				  sd_bus_message *reply, void *userdata,
				  sd_bus_error *error)
{
	const struct dhcp_info *in = &((struct netd *)userdata)->config.info;

	if (strcmp(property, "NtpServers") == 0)
		return netd_bus_append_addrs(reply, in->ntp, in->n_ntp);

	return netd_bus_append_addrs(reply, in->tftp, in->n_tftp);
}

static int netd_bus_get_info_text(sd_bus *bus, const char *path,
				  const char *interface, const char *property,
				  sd_bus_message *reply, void *userdata,
				  sd_bus_error *error)
{
	const struct dhcp_info *in = &((struct netd *)userdata)->config.info;
	char acs[DHCP_TEXT_MAX + 1] = "";
	const char *v = "";

	/* Every string here was validated by the parser. */
	if (strcmp(property, "HostName") == 0)
		v = in->host_name;
	else if (strcmp(property, "DomainName") == 0)
		v = in->domain_name;
	else if (strcmp(property, "VendorClass") == 0)
		v = in->vendor_class;
	else if (strcmp(property, "TftpServerName") == 0)
		v = in->tftp_server_name;
	else if (strcmp(property, "ProvisioningServer") == 0)
		v = in->prov_server;
	else if (strcmp(property, "ProvisioningUrl") == 0)
		v = in->prov_url;
	else if (strcmp(property, "AcsUrl") == 0 &&
		 dhcp_vivso_url(&in->vivso, DHCP_ENTERPRISE_BBF,
				DHCP_BBF_ACS_URL, acs, sizeof(acs)) == 0)
		v = acs;

	return sd_bus_message_append(reply, "s", v);
}

static int netd_bus_get_u32(sd_bus *bus, const char *path,
			    const char *interface, const char *property,
			    sd_bus_message *reply, void *userdata,
			    sd_bus_error *error)
{
	const struct netd_config *c = &((struct netd *)userdata)->config;

	if (strcmp(property, "RenewalTime") == 0)
		return sd_bus_message_append(reply, "u", c->t1);

	return sd_bus_message_append(reply, "u", c->t2);
}

static int netd_bus_get_time_offset(sd_bus *bus, const char *path,
				    const char *interface,
				    const char *property,
				    sd_bus_message *reply, void *userdata,
				    sd_bus_error *error)
{
	const struct dhcp_info *in = &((struct netd *)userdata)->config.info;

	return sd_bus_message_append(reply, "i", in->time_offset);
}

static int netd_bus_get_vendor_specific(sd_bus *bus, const char *path,
					const char *interface,
					const char *property,
					sd_bus_message *reply, void *userdata,
					sd_bus_error *error)
{
	const struct dhcp_blob *b =
		&((struct netd *)userdata)->config.info.vendor_specific;

	return sd_bus_message_append_array(reply, 'y', b->data, b->len);
}

static int netd_bus_append_sub(uint8_t code, const uint8_t *data,
			       uint8_t len, void *user_data)
{
	sd_bus_message *reply = user_data;
	int r;

	r = sd_bus_message_open_container(reply, 'r', "yay");
	if (r >= 0)
		r = sd_bus_message_append(reply, "y", code);
	if (r >= 0)
		r = sd_bus_message_append_array(reply, 'y', data, len);
	if (r >= 0)
		r = sd_bus_message_close_container(reply);

	return r < 0 ? r : 0;
}

static int netd_bus_check_sub(uint8_t code, const uint8_t *data,
			      uint8_t len, void *user_data)
{
	return 0;
}

/*
 * Option 43 as sub-options when it parses as such (RFC 2132 8.4);
 * an empty list when it is opaque or its sub-options overrun.
 */
/*
 * The sub-options of one block as a(yay).  The parser checked every
 * block; one that does not split cleanly into sub-options has none.
 */
static int netd_bus_append_subs(sd_bus_message *reply, const uint8_t *data,
				size_t len, bool pad_end)
{
	if (dhcp_suboptions_foreach(data, len, pad_end,
				    netd_bus_check_sub, NULL) != 0)
		return 0;

	return dhcp_suboptions_foreach(data, len, pad_end,
				       netd_bus_append_sub, reply);
}

static int netd_bus_get_vendor_options(sd_bus *bus, const char *path,
				       const char *interface,
				       const char *property,
				       sd_bus_message *reply, void *userdata,
				       sd_bus_error *error)
{
	const struct dhcp_blob *b =
		&((struct netd *)userdata)->config.info.vendor_specific;
	int r;

	r = sd_bus_message_open_container(reply, 'a', "(yay)");
	if (r < 0)
		return r;

	r = netd_bus_append_subs(reply, b->data, b->len, true);
	if (r < 0)
		return r;

	return sd_bus_message_close_container(reply);
}

static int netd_bus_append_enterprise(uint32_t enterprise,
				      const uint8_t *data, uint8_t len,
				      void *user_data)
{
	sd_bus_message *reply = user_data;
	int r;

	r = sd_bus_message_open_container(reply, 'r', "ua(yay)");
	if (r >= 0)
		r = sd_bus_message_append(reply, "u", enterprise);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "(yay)");
	if (r >= 0)
		r = netd_bus_append_subs(reply, data, len, false);
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r >= 0)
		r = sd_bus_message_close_container(reply);

	return r < 0 ? r : 0;
}

/* Option 125 (RFC 3925): per enterprise number, its sub-options. */
static int netd_bus_get_vivso(sd_bus *bus, const char *path,
			      const char *interface, const char *property,
			      sd_bus_message *reply, void *userdata,
			      sd_bus_error *error)
{
	const struct dhcp_blob *b =
		&((struct netd *)userdata)->config.info.vivso;
	int r;

	r = sd_bus_message_open_container(reply, 'a', "(ua(yay))");
	if (r < 0)
		return r;

	r = dhcp_vivso_foreach(b->data, b->len, netd_bus_append_enterprise,
			       reply);
	if (r < 0)
		return r;

	return sd_bus_message_close_container(reply);
}

/* Net1.Renew(): what "DHCP Timeout on Renewal" does, on demand. */
static int netd_bus_renew(sd_bus_message *m, void *userdata,
			  sd_bus_error *error)
{
	struct netd *n = userdata;
	int r;

	if (n->mode != NETD_MODE_DHCP)
		return sd_bus_error_set(error, "org.deskphone.Error.NotDhcp",
					"Connection_Type is not DHCP");

	r = netd_dhcp_check_renew(n->dhcp, "Renew() called");
	if (r == -ENOTCONN)
		return sd_bus_error_set(error, "org.deskphone.Error.NoLease",
					"No DHCP lease to renew");
	if (r < 0)
		return sd_bus_error_set_errno(error, r);

	return sd_bus_reply_method_return(m, NULL);
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
	NETD_BUS_PROPERTY("RenewalTime", "u", netd_bus_get_u32),
	NETD_BUS_PROPERTY("RebindingTime", "u", netd_bus_get_u32),
	NETD_BUS_PROPERTY("TimeOffset", "i", netd_bus_get_time_offset),
	NETD_BUS_PROPERTY("NtpServers", "as", netd_bus_get_addr_list),
	NETD_BUS_PROPERTY("TftpServers", "as", netd_bus_get_addr_list),
	NETD_BUS_PROPERTY("HostName", "s", netd_bus_get_info_text),
	NETD_BUS_PROPERTY("DomainName", "s", netd_bus_get_info_text),
	NETD_BUS_PROPERTY("VendorClass", "s", netd_bus_get_info_text),
	NETD_BUS_PROPERTY("TftpServerName", "s", netd_bus_get_info_text),
	NETD_BUS_PROPERTY("ProvisioningServer", "s", netd_bus_get_info_text),
	NETD_BUS_PROPERTY("ProvisioningUrl", "s", netd_bus_get_info_text),
	NETD_BUS_PROPERTY("AcsUrl", "s", netd_bus_get_info_text),
	NETD_BUS_PROPERTY("VendorSpecific", "ay", netd_bus_get_vendor_specific),
	NETD_BUS_PROPERTY("VendorSpecificOptions", "a(yay)",
			  netd_bus_get_vendor_options),
	NETD_BUS_PROPERTY("VendorIdentifying", "a(ua(yay))",
			  netd_bus_get_vivso),
	SD_BUS_METHOD("Renew", "", "", netd_bus_renew,
		      SD_BUS_VTABLE_UNPRIVILEGED),
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
