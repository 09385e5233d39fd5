/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stands in for sipd or netd in webd's tests: owns org.deskphone.Sip or
 * org.deskphone.Net, serves Parameters1 for that daemon's settings
 * (kept in $STATE/<daemon>.conf like the real one) and fixed status
 * properties.  Usage: fake-owner sip|net STATE_DIR
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "bus.h"
#include "daemon.h"
#include "log.h"
#include "params.h"

static const char *const fake_transports[] = {
	"UDP", "TCP", "TLS", "AUTO", NULL
};
static const char *const fake_connection_types[] = {
	"DHCP", "Static IP", NULL
};

static const struct param_def fake_sip_params[] = {
	{ "Proxy_1_", PARAM_HOST, "", PARAM_EMPTY_OK, 0, 0, NULL, NULL,
	  "Proxy" },
	{ "Outbound_Proxy_1_", PARAM_HOST, "", PARAM_EMPTY_OK, 0, 0, NULL,
	  NULL, "Outbound Proxy" },
	{ "User_ID_1_", PARAM_SIP_USER, "", PARAM_EMPTY_OK, 0, 0, NULL, NULL,
	  "User ID" },
	{ "Auth_ID_1_", PARAM_TEXT, "", PARAM_EMPTY_OK, 0, 0, NULL, NULL,
	  "Auth ID" },
	{ "Password_1_", PARAM_TEXT, "", PARAM_EMPTY_OK | PARAM_SECRET, 0, 0,
	  NULL, NULL, "Password" },
	{ "Display_Name_1_", PARAM_TEXT, "", PARAM_EMPTY_OK, 0, 0, NULL,
	  NULL, "Display Name" },
	{ "Auth_INVITE_1_", PARAM_BOOL, "No", 0, 0, 0, NULL, NULL,
	  "Auth INVITE" },
	{ "SIP_Transport_1_", PARAM_ENUM, "UDP", 0, 0, 0, fake_transports,
	  NULL, "SIP Transport" },
	{ "Register_Expires_1_", PARAM_UINT, "3600", 0, 10, 86400, NULL,
	  NULL, "Register Expires" },
	{ "Line_Enable_1_", PARAM_BOOL, "Yes", 0, 0, 0, NULL, NULL,
	  "Line Enable" },
	{ "Restricted_Access_Domains", PARAM_DOMAIN_LIST, "", PARAM_EMPTY_OK,
	  0, 0, NULL, NULL, "Restricted Access Domains" },
	{ "SIP_Port_1_", PARAM_UINT, "5060", 0, 1, 65535, NULL, NULL,
	  "SIP Port" },
};

static const struct param_def fake_net_params[] = {
	{ "Connection_Type", PARAM_ENUM, "DHCP", 0, 0, 0,
	  fake_connection_types, NULL, "Connection Type" },
	{ "Static_IP", PARAM_IPV4, "", PARAM_EMPTY_OK, 0, 0, NULL, NULL,
	  "Static IP" },
	{ "NetMask", PARAM_NETMASK, "", PARAM_EMPTY_OK, 0, 0, NULL, NULL,
	  "NetMask" },
	{ "Gateway", PARAM_IPV4, "", PARAM_EMPTY_OK, 0, 0, NULL, NULL,
	  "Gateway" },
	{ "Primary_DNS", PARAM_IPV4, "", PARAM_EMPTY_OK, 0, 0, NULL, NULL,
	  "Primary DNS" },
	{ "Secondary_DNS", PARAM_IPV4, "", PARAM_EMPTY_OK, 0, 0, NULL, NULL,
	  "Secondary DNS" },
};

/* Status properties as fixed strings: enough for the Info page. */
static const char *const fake_sip_status[] = {
	"RegistrationState", "disabled",
	"RegistrationReason", "403 Forbidden <test>",
	"CallState", "idle",
	"CallRemote", "",
	NULL,
};

static const char *const fake_net_status[] = {
	"State", "disabled",
	"Address", "192.0.2.10",
	"Netmask", "255.255.255.0",
	"Router", "192.0.2.1",
	NULL,
};

static int fake_get_string(sd_bus *bus, const char *path,
			   const char *interface, const char *property,
			   sd_bus_message *reply, void *userdata,
			   sd_bus_error *error)
{
	const char *const *p;

	for (p = userdata; *p; p += 2)
		if (strcmp(p[0], property) == 0)
			return sd_bus_message_append(reply, "s", p[1]);

	return sd_bus_message_append(reply, "s", "");
}

static int fake_get_dns(sd_bus *bus, const char *path,
			const char *interface, const char *property,
			sd_bus_message *reply, void *userdata,
			sd_bus_error *error)
{
	return sd_bus_message_append(reply, "as", 2, "192.0.2.53",
				     "192.0.2.54");
}

static int fake_get_lease(sd_bus *bus, const char *path,
			  const char *interface, const char *property,
			  sd_bus_message *reply, void *userdata,
			  sd_bus_error *error)
{
	return sd_bus_message_append(reply, "u", 3600u);
}

/*
 * netd's DHCP option properties, with netd's D-Bus types and values
 * that need care to show: a negative offset, bytes that are markup.
 */
static int fake_get_offset(sd_bus *bus, const char *path,
			   const char *interface, const char *property,
			   sd_bus_message *reply, void *userdata,
			   sd_bus_error *error)
{
	return sd_bus_message_append(reply, "i", (int32_t)-18000);
}

static int fake_get_vendor(sd_bus *bus, const char *path,
			   const char *interface, const char *property,
			   sd_bus_message *reply, void *userdata,
			   sd_bus_error *error)
{
	static const uint8_t data[] = { 0x01, 0x3c, 0x62, 0x3e, 0xff };

	return sd_bus_message_append_array(reply, 'y', data, sizeof(data));
}

static int fake_get_vendor_options(sd_bus *bus, const char *path,
				   const char *interface,
				   const char *property,
				   sd_bus_message *reply, void *userdata,
				   sd_bus_error *error)
{
	return sd_bus_message_append(reply, "a(yay)", 2,
				     1, 3, 0x3c, 0x26, 0x22,
				     43, 0);
}

static int fake_get_vendor_ident(sd_bus *bus, const char *path,
				 const char *interface, const char *property,
				 sd_bus_message *reply, void *userdata,
				 sd_bus_error *error)
{
	return sd_bus_message_append(reply, "a(ua(yay))", 1, 3561u,
				     2, 1, 2, 0x41, 0x42, 2, 1, 0x00);
}

static const sd_bus_vtable fake_sip_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("RegistrationState", "s", fake_get_string, 0, 0),
	SD_BUS_PROPERTY("RegistrationReason", "s", fake_get_string, 0, 0),
	SD_BUS_PROPERTY("CallState", "s", fake_get_string, 0, 0),
	SD_BUS_PROPERTY("CallRemote", "s", fake_get_string, 0, 0),
	SD_BUS_VTABLE_END
};

static const sd_bus_vtable fake_net_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("State", "s", fake_get_string, 0, 0),
	SD_BUS_PROPERTY("Address", "s", fake_get_string, 0, 0),
	SD_BUS_PROPERTY("Netmask", "s", fake_get_string, 0, 0),
	SD_BUS_PROPERTY("Router", "s", fake_get_string, 0, 0),
	SD_BUS_PROPERTY("DnsServers", "as", fake_get_dns, 0, 0),
	SD_BUS_PROPERTY("LeaseTime", "u", fake_get_lease, 0, 0),
	SD_BUS_PROPERTY("TimeOffset", "i", fake_get_offset, 0, 0),
	SD_BUS_PROPERTY("VendorSpecific", "ay", fake_get_vendor, 0, 0),
	SD_BUS_PROPERTY("VendorSpecificOptions", "a(yay)",
			fake_get_vendor_options, 0, 0),
	SD_BUS_PROPERTY("VendorIdentifying", "a(ua(yay))",
			fake_get_vendor_ident, 0, 0),
	SD_BUS_VTABLE_END
};

struct fake_kind {
	const char *part;		/* Sip */
	const char *conf;		/* sipd.conf */
	const struct param_def *defs;
	size_t n_defs;
	const sd_bus_vtable *vtable;
	const char *const *status;
};

static const struct fake_kind fake_kinds[] = {
	{ "Sip", "sipd.conf", fake_sip_params,
	  sizeof(fake_sip_params) / sizeof(*fake_sip_params),
	  fake_sip_vtable, fake_sip_status },
	{ "Net", "netd.conf", fake_net_params,
	  sizeof(fake_net_params) / sizeof(*fake_net_params),
	  fake_net_vtable, fake_net_status },
};

static int fake_serve(const struct fake_kind *k, const char *state_dir)
{
	char name[64], path[64], iface[64];
	struct param_store *store = NULL;
	sd_event *event = NULL;
	sd_bus *bus = NULL;
	sigset_t mask;
	char *conf;
	int r;

	snprintf(name, sizeof(name), BUS_NAME_PREFIX "%s", k->part);
	snprintf(path, sizeof(path), "/org/deskphone/%s", k->part);
	snprintf(iface, sizeof(iface), BUS_NAME_PREFIX "%s1", k->part);

	conf = daemon_path(state_dir, k->conf);
	r = conf ? param_store_new(&store, k->defs, k->n_defs, conf) :
		-ENOMEM;
	if (r >= 0)
		r = param_store_load(store);
	if (r < 0) {
		log_err("Failed to load %s: %s", conf, strerror(-r));
		goto out;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	r = sd_event_default(&event);
	if (r >= 0)
		r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
	if (r >= 0)
		r = sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
	if (r >= 0)
		r = bus_open(&bus, NULL);
	if (r >= 0)
		r = bus_parameters_add(bus, path, store, NULL, NULL);
	if (r >= 0)
		r = sd_bus_add_object_vtable(bus, NULL, path, iface,
					     k->vtable, (void *)k->status);
	if (r >= 0)
		r = sd_bus_attach_event(bus, event, 0);
	if (r >= 0)
		r = sd_bus_request_name(bus, name, 0);
	if (r < 0) {
		log_err("Failed to serve %s: %s", name, strerror(-r));
		goto out;
	}

	sd_notify(0, "READY=1");
	r = sd_event_loop(event);

out:
	sd_bus_flush_close_unref(bus);
	sd_event_unref(event);
	if (store)
		param_store_free(store);
	free(conf);
	return r;
}

int main(int argc, char **argv)
{
	const struct fake_kind *k = NULL;

	log_open("fake-owner");

	if (argc == 3 && strcmp(argv[1], "sip") == 0)
		k = &fake_kinds[0];
	else if (argc == 3 && strcmp(argv[1], "net") == 0)
		k = &fake_kinds[1];

	if (!k) {
		fprintf(stderr, "Usage: fake-owner sip|net STATE_DIR\n");
		return EXIT_FAILURE;
	}

	return fake_serve(k, argv[2]) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
