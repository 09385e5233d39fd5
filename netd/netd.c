/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netd: configures the phone's one network interface, by its own DHCPv4
 * client or from the static parameters, over rtnetlink, and publishes
 * the result as org.deskphone.Net1.  Without --interface it touches
 * nothing and only serves its parameters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "bus.h"
#include "daemon.h"
#include "log.h"
#include "netd-netlink.h"
#include "netd.h"

#define NETD_DEFAULT_VENDOR_CLASS "deskphone CP-7832-3PCC"

static const char *const netd_connection_types[] = {
	"DHCP", "Static IP", NULL
};

/* A host's own address, a gateway or a server: never these. */
static int netd_validate_unicast(const struct param_def *def,
				 const char *value, char *reason,
				 size_t reason_len)
{
	struct in_addr a;
	uint32_t h;

	if (!*value || inet_pton(AF_INET, value, &a) != 1)
		return 0;

	h = ntohl(a.s_addr);
	if (h == 0 || h == 0xffffffffu || (h >> 24) == 127 ||
	    (h >> 28) == 0xe) {
		snprintf(reason, reason_len,
			 "is not a unicast address (no 0.0.0.0, loopback, "
			 "multicast or broadcast)");
		return -EINVAL;
	}

	return 0;
}

/* Option 60 from the phone: free text a DHCP server can match. */
static int netd_validate_vendor_class(const struct param_def *def,
				      const char *value, char *reason,
				      size_t reason_len)
{
	if (!*value || dhcp_valid_text(value, strlen(value)))
		return 0;

	snprintf(reason, reason_len, "must be printable ASCII");
	return -EINVAL;
}

/*
 * Where DNS goes.  An absolute path without "." or ".." components:
 * the file is replaced by rename, so its directory must be real.
 */
static int netd_validate_resolv_path(const struct param_def *def,
				     const char *value, char *reason,
				     size_t reason_len)
{
	const char *p;

	if (!*value)
		return 0;

	if (value[0] != '/' || value[strlen(value) - 1] == '/' ||
	    strstr(value, "/./") || strstr(value, "/../") ||
	    strstr(value, "//")) {
		snprintf(reason, reason_len, "must be an absolute file path "
			 "without . or .. components");
		return -EINVAL;
	}

	for (p = value; *p; p++)
		if (*p <= ' ' || *p == 0x7f) {
			snprintf(reason, reason_len, "must not contain "
				 "spaces or control characters");
			return -EINVAL;
		}

	return 0;
}

#define NETD_PARAM_ADDR(pname, plabel)					\
	{ .name = pname, .type = PARAM_IPV4, .def = "",			\
	  .flags = PARAM_EMPTY_OK, .validate = netd_validate_unicast,	\
	  .label = plabel }

static const struct param_def netd_params[] = {
	{ .name = "Connection_Type", .type = PARAM_ENUM, .def = "DHCP",
	  .choices = netd_connection_types, .label = "Connection type" },
	NETD_PARAM_ADDR("Static_IP", "Static IP"),
	{ .name = "NetMask", .type = PARAM_NETMASK, .def = "",
	  .flags = PARAM_EMPTY_OK, .label = "Netmask" },
	NETD_PARAM_ADDR("Gateway", "Gateway"),
	NETD_PARAM_ADDR("Primary_DNS", "Primary DNS"),
	NETD_PARAM_ADDR("Secondary_DNS", "Secondary DNS"),
	/* Option 60; the default names the phone model. */
	{ .name = "DHCP_Vendor_Class", .type = PARAM_TEXT,
	  .def = NETD_DEFAULT_VENDOR_CLASS, .flags = PARAM_EMPTY_OK,
	  .max = DHCP_TEXT_MAX, .validate = netd_validate_vendor_class,
	  .label = "DHCP vendor class (option 60)" },
	/* Seconds without a SIP response before a renewal check; 0 off. */
	{ .name = "DHCP_Timeout_On_Renewal", .type = PARAM_UINT, .def = "0",
	  .min = 0, .max = 86400, .label = "DHCP timeout on renewal" },
	{ .name = "DHCP_Release_On_Stop", .type = PARAM_BOOL, .def = "No",
	  .label = "Release the DHCP lease on stop" },
	/* "": resolv.conf in the state directory (changes nothing else). */
	{ .name = "Resolv_Conf_Path", .type = PARAM_TEXT, .def = "",
	  .flags = PARAM_EMPTY_OK, .max = 255,
	  .validate = netd_validate_resolv_path,
	  .label = "resolv.conf written by netd" },
};

char *netd_state_path(struct netd *n, const char *file)
{
	return n->state_dir ? daemon_path(n->state_dir, file) : NULL;
}

void netd_reset(struct netd *n, const char *why)
{
	if (n->resetting)
		return;

	log_warning("%s: %s: resetting the phone's services (exit status "
		    "%d)", n->ifname, why, NETD_EXIT_RESET);
	n->resetting = true;
	sd_event_exit(n->event, NETD_EXIT_RESET);
}

void netd_set_state(struct netd *n, const char *state)
{
	static const char *const names[] = { "State", NULL };

	if (strcmp(n->state, state) == 0)
		return;

	log_info("State %s -> %s", n->state, state);
	n->state = state;
	netd_bus_emit(n, names);
}

static void netd_set_mode(struct netd *n, enum netd_mode mode)
{
	static const char *const names[] = { "Mode", NULL };

	if (n->mode == mode)
		return;

	n->mode = mode;
	netd_bus_emit(n, names);
}

/* Takes @c as the published configuration, signalling what changed. */
static void netd_publish(struct netd *n, const struct netd_config *c)
{
	static const char *const info_names[] = {
		"TimeOffset", "NtpServers", "TftpServers", "HostName",
		"DomainName", "VendorClass", "TftpServerName",
		"ProvisioningServer", "ProvisioningUrl", "VendorSpecific",
		"VendorSpecificOptions", "VendorIdentifying", "AcsUrl", NULL
	};
	const struct netd_config *o = &n->config;
	const char *names[32];
	size_t k = 0, i;

	if (o->address.s_addr != c->address.s_addr ||
	    o->prefix_len != c->prefix_len) {
		names[k++] = "Address";
		names[k++] = "Netmask";
	}

	if (o->router.s_addr != c->router.s_addr)
		names[k++] = "Router";
	if (o->n_dns != c->n_dns ||
	    memcmp(o->dns, c->dns, c->n_dns * sizeof(*c->dns)) != 0)
		names[k++] = "DnsServers";
	if (o->lease_time != c->lease_time)
		names[k++] = "LeaseTime";
	if (o->server.s_addr != c->server.s_addr)
		names[k++] = "ServerAddress";
	if (o->t1 != c->t1 || o->t2 != c->t2) {
		names[k++] = "RenewalTime";
		names[k++] = "RebindingTime";
	}
	/* Rarely changing: all announced together when any differs. */
	if (memcmp(&o->info, &c->info, sizeof(c->info)) != 0)
		for (i = 0; info_names[i]; i++)
			names[k++] = info_names[i];

	names[k] = NULL;
	n->config = *c;
	netd_bus_emit(n, names);
}

static int netd_apply_route(struct netd *n, const struct netd_config *c)
{
	uint8_t proto = n->mode == NETD_MODE_STATIC ? RTPROT_STATIC :
			RTPROT_DHCP;
	char gw[INET_ADDRSTRLEN];
	uint32_t mask;
	bool onlink;
	int r;

	if (!c->prefix_len || c->router.s_addr == INADDR_ANY)
		return netd_netlink_route_remove(n->netlink, n->ifindex);

	/*
	 * A router outside the subnet (a /32 lease, as some servers give)
	 * is still on this link: without "onlink" the kernel refuses the
	 * route as unreachable.
	 */
	mask = c->prefix_len >= 32 ? 0xffffffffu :
	       ~(0xffffffffu >> c->prefix_len);
	onlink = (ntohl(c->router.s_addr) & mask) !=
		 (ntohl(c->address.s_addr) & mask);

	r = netd_netlink_route_set(n->netlink, n->ifindex, c->router,
				   c->address, proto, onlink);
	if (r < 0) {
		inet_ntop(AF_INET, &c->router, gw, sizeof(gw));
		log_warning("%s: failed to set the default route via %s: %s, "
			    "ignoring", n->ifname, gw, strerror(-r));
	}

	return 0;
}

/* The resolver file: the parameter, else $STATE/resolv.conf. */
static char *netd_resolv_path(struct netd *n)
{
	const char *p = param_store_get(n->params, "Resolv_Conf_Path");

	if (p && *p)
		return strdup(p);

	return netd_state_path(n, "resolv.conf");
}

/*
 * Written to a temporary file beside it and renamed over it, so a
 * resolver never reads half a file.  Only validated values are written
 * (addresses from inet_ntop, the domain checked as a host name).
 */
static void netd_write_resolv(struct netd *n, const struct netd_config *c)
{
	char *path = netd_resolv_path(n), *tmp = NULL;
	char buf[INET_ADDRSTRLEN];
	FILE *f = NULL;
	size_t i;
	int fd = -1;

	if (!path || asprintf(&tmp, "%s.netd-tmp", path) < 0) {
		free(path);
		return;
	}

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0)
		f = fdopen(fd, "w");
	if (!f) {
		log_warning("Failed to write %s: %m, ignoring", tmp);
		goto out;
	}

	fd = -1;
	fprintf(f, "# written by netd (%s); changes are overwritten\n",
		n->mode == NETD_MODE_STATIC ? "static" : "DHCP");
	if (c->info.domain_name[0])
		fprintf(f, "search %s\n", c->info.domain_name);
	for (i = 0; i < c->n_dns && i < 3; i++) {
		inet_ntop(AF_INET, &c->dns[i], buf, sizeof(buf));
		fprintf(f, "nameserver %s\n", buf);
	}

	if (fflush(f) != 0 || fsync(fileno(f)) < 0) {
		log_warning("Failed to write %s: %m, ignoring", tmp);
		fclose(f);
		unlink(tmp);
		goto out;
	}

	fclose(f);
	if (rename(tmp, path) < 0) {
		log_warning("Failed to replace %s: %m, ignoring", path);
		unlink(tmp);
	}

out:
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(path);
}

int netd_apply(struct netd *n, const struct netd_config *c)
{
	static const struct netd_config none;
	char addr[INET_ADDRSTRLEN];
	int r = 0;

	if (!c)
		c = &none;

	if (c->prefix_len) {
		r = netd_netlink_address_set(n->netlink, n->ifindex,
					     c->address, c->prefix_len);
		if (r < 0) {
			inet_ntop(AF_INET, &c->address, addr, sizeof(addr));
			log_err("%s: failed to set address %s/%u: %s",
				n->ifname, addr, c->prefix_len, strerror(-r));
			c = &none;
		}
	}

	/* Whatever was there before (an old lease, a static address) goes. */
	if (netd_netlink_address_flush(n->netlink, n->ifindex, c->address,
				       c->prefix_len) < 0)
		log_warning("%s: failed to remove old addresses, ignoring",
			    n->ifname);

	netd_apply_route(n, c);
	netd_write_resolv(n, c);
	netd_publish(n, c);
	return r;
}

static int netd_param_addr(struct netd *n, const char *name,
			   struct in_addr *a)
{
	const char *v = param_store_get(n->params, name);

	a->s_addr = INADDR_ANY;
	if (!v || !*v)
		return 0;

	/* The store validated it; a failure here is a programming error. */
	return inet_pton(AF_INET, v, a) == 1 ? 1 : -EINVAL;
}

static int netd_static_config(struct netd *n, struct netd_config *c)
{
	struct in_addr mask, dns;
	int prefix;

	memset(c, 0, sizeof(*c));

	if (netd_param_addr(n, "Static_IP", &c->address) <= 0 ||
	    netd_param_addr(n, "NetMask", &mask) <= 0) {
		log_warning("%s: Static IP needs Static_IP and NetMask",
			    n->ifname);
		return -EINVAL;
	}

	prefix = dhcp_netmask_to_prefix(mask);
	if (prefix < 0)
		return prefix;

	c->prefix_len = prefix;
	netd_param_addr(n, "Gateway", &c->router);

	if (netd_param_addr(n, "Primary_DNS", &dns) > 0)
		c->dns[c->n_dns++] = dns;
	if (netd_param_addr(n, "Secondary_DNS", &dns) > 0)
		c->dns[c->n_dns++] = dns;

	return 0;
}

static void netd_apply_static(struct netd *n)
{
	struct netd_config c;
	char addr[INET_ADDRSTRLEN];

	if (netd_static_config(n, &c) < 0) {
		netd_apply(n, NULL);
		netd_set_state(n, "failed");
		return;
	}

	if (netd_apply(n, &c) < 0) {
		netd_set_state(n, "failed");
		return;
	}

	inet_ntop(AF_INET, &c.address, addr, sizeof(addr));
	log_notice("%s: static address %s/%u", n->ifname, addr,
		   c.prefix_len);
	netd_set_state(n, "static");
}

/* Brings the interface to what Connection_Type and friends ask for. */
static void netd_reconfigure(struct netd *n)
{
	const char *type = param_store_get(n->params, "Connection_Type");
	bool want_static = type && strcmp(type, "Static IP") == 0;

	if (!n->ifname || n->ifindex <= 0)
		return;

	/* Used from the next request on. */
	if (netd_dhcp_set_vendor_class(n->dhcp, param_store_get(n->params,
				       "DHCP_Vendor_Class")) < 0)
		log_warning("DHCP_Vendor_Class unusable, sending none");

	if (!want_static) {
		/* Running: only Resolv_Conf_Path may have moved. */
		if (n->mode == NETD_MODE_DHCP && netd_dhcp_running(n->dhcp)) {
			netd_write_resolv(n, &n->config);
			return;
		}

		netd_set_mode(n, NETD_MODE_DHCP);
		/* A static address must not linger while DHCP looks. */
		netd_apply(n, NULL);
		if (netd_dhcp_start(n->dhcp) < 0)
			netd_set_state(n, "failed");
		return;
	}

	netd_dhcp_stop(n->dhcp);
	netd_set_mode(n, NETD_MODE_STATIC);
	netd_apply_static(n);
}

static int netd_on_reconfigure(sd_event_source *s, void *userdata)
{
	netd_reconfigure(userdata);
	return 0;
}

/*
 * Runs once per change; a SetMany of five values reconfigures once,
 * from the loop, after the reply has gone out.
 */
static void netd_param_changed(struct param_store *store,
			       const struct param_def *def, const char *value,
			       void *user_data)
{
	struct netd *n = user_data;

	if (n->reconfigure)
		sd_event_source_set_enabled(n->reconfigure, SD_EVENT_ONESHOT);
}

static int netd_link_lookup(struct netd *n)
{
	struct ifreq ifr = { 0 };
	int fd, r = 0;

	n->ifindex = (int)if_nametoindex(n->ifname);
	if (n->ifindex <= 0)
		return -errno;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;

	strncpy(ifr.ifr_name, n->ifname, IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		r = -errno;
	else if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		r = -EPFNOSUPPORT;
	else
		memcpy(n->mac, ifr.ifr_hwaddr.sa_data, 6);

	close(fd);
	return r;
}

static int netd_setup_link(struct netd *n)
{
	int r;

	r = netd_link_lookup(n);
	if (r < 0) {
		log_err("Interface %s is not usable (no such Ethernet "
			"interface): %s", n->ifname, strerror(-r));
		return r;
	}

	r = netd_netlink_open(&n->netlink);
	if (r < 0) {
		log_err("Failed to open rtnetlink: %s", strerror(-r));
		return r;
	}

	r = netd_netlink_link_up(n->netlink, n->ifindex);
	if (r < 0)
		log_warning("%s: failed to bring the link up: %s, ignoring",
			    n->ifname, strerror(-r));

	r = netd_dhcp_new(&n->dhcp, n);
	if (r < 0)
		log_err("Failed to set up the DHCP client: %s", strerror(-r));

	return r;
}

static int netd_setup_params(struct netd *n, const char *state_option)
{
	char *dir = NULL, *path = NULL;
	int r;

	r = daemon_state_dir(state_option, &dir);
	if (r < 0) {
		log_err("No state directory (--state-dir or "
			"STATE_DIRECTORY): %s", strerror(-r));
		return r;
	}

	path = daemon_path(dir, "netd.conf");
	n->state_dir = dir;
	if (!path)
		return -ENOMEM;

	r = param_store_new(&n->params, netd_params,
			    sizeof(netd_params) / sizeof(*netd_params), path);
	free(path);
	if (r < 0)
		return r;

	/* A damaged file: run on the defaults; it is kept as .damaged. */
	r = param_store_load(n->params);
	if (r < 0)
		log_err("Failed to load netd.conf, using defaults: %s",
			strerror(-r));

	return 0;
}

/*
 * sipd waited DHCP_Timeout_On_Renewal seconds for a SIP response in
 * vain: perhaps the network moved under the phone.  Renew at once and
 * let the outcome decide (netd_dhcp_check_renew()).
 */
static int netd_on_sip_timeout(sd_bus_message *m, void *userdata,
			       sd_bus_error *error)
{
	struct netd *n = userdata;
	const char *method = NULL, *dest = NULL, *v;
	uint32_t waited = 0;
	int r;

	r = sd_bus_message_read(m, "ssu", &method, &dest, &waited);
	if (r < 0) {
		log_info("Malformed ResponseTimeout signal, ignoring: %s",
			 strerror(-r));
		return 0;
	}

	v = param_store_get(n->params, "DHCP_Timeout_On_Renewal");
	if (!v || strcmp(v, "0") == 0) {
		log_debug("SIP %s to %s unanswered; DHCP timeout on renewal "
			  "is off", method, dest);
		return 0;
	}

	if (n->mode != NETD_MODE_DHCP) {
		log_info("SIP %s unanswered, but not in DHCP mode", method);
		return 0;
	}

	r = netd_dhcp_check_renew(n->dhcp, "no SIP response in time");
	if (r < 0)
		log_info("SIP %s to %s unanswered for %u ms; no lease to "
			 "renew: %s", method, dest, waited, strerror(-r));

	return 0;
}

static int netd_setup_bus(struct netd *n)
{
	int r;

	r = bus_open(&n->bus, NULL);
	if (r < 0)
		return r;

	r = netd_bus_add(n);
	if (r < 0)
		return r;

	r = bus_parameters_add(n->bus, NETD_BUS_PATH, n->params,
			       netd_param_changed, n);
	if (r < 0)
		return r;

	r = sd_bus_match_signal(n->bus, &n->sip_timeout_slot,
				"org.deskphone.Sip", "/org/deskphone/Sip",
				"org.deskphone.Sip1", "ResponseTimeout",
				netd_on_sip_timeout, n);
	if (r < 0) {
		log_err("Failed to watch sipd's ResponseTimeout: %s",
			strerror(-r));
		return r;
	}

	r = sd_bus_attach_event(n->bus, n->event, SD_EVENT_PRIORITY_NORMAL);
	if (r < 0) {
		log_err("Failed to attach the bus: %s", strerror(-r));
		return r;
	}

	r = sd_bus_request_name(n->bus, NETD_BUS_NAME, 0);
	if (r < 0)
		log_err("Failed to own %s: %s", NETD_BUS_NAME, strerror(-r));

	return r;
}

static int netd_setup_event(struct netd *n)
{
	sigset_t mask;
	int r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	r = sd_event_default(&n->event);
	/* Pings systemd from the loop, only if the unit sets WatchdogSec=. */
	if (r >= 0)
		r = sd_event_set_watchdog(n->event, 1);
	if (r >= 0)
		r = sd_event_add_signal(n->event, NULL, SIGTERM, NULL, NULL);
	if (r >= 0)
		r = sd_event_add_signal(n->event, NULL, SIGINT, NULL, NULL);
	if (r >= 0)
		r = sd_event_add_defer(n->event, &n->reconfigure,
				       netd_on_reconfigure, n);
	if (r < 0)
		log_err("Failed to set up the event loop: %s", strerror(-r));

	return r;
}

static int netd_setup(struct netd *n, const char *state_option)
{
	int r;

	r = netd_setup_params(n, state_option);
	if (r < 0)
		return r;

	r = netd_setup_event(n);
	if (r < 0)
		return r;

	if (n->ifname && netd_setup_link(n) < 0) {
		/* Keep serving: the parameters can still be read and set. */
		n->ifindex = 0;
		n->state = "failed";
		sd_event_source_set_enabled(n->reconfigure, SD_EVENT_OFF);
	}

	return netd_setup_bus(n);
}

static void netd_teardown(struct netd *n)
{
	/*
	 * The address stays on the interface: a restarted netd (or the
	 * next boot's INIT-REBOOT) carries on with it and calls in
	 * progress keep their address.
	 */
	netd_dhcp_free(n->dhcp);
	netd_netlink_close(n->netlink);
	sd_bus_slot_unref(n->sip_timeout_slot);
	sd_event_source_disable_unref(n->reconfigure);
	sd_bus_flush_close_unref(n->bus);
	sd_event_unref(n->event);
	param_store_free(n->params);
	free(n->state_dir);
}

/*
 * After the loop: a reset leaves nothing behind (the restarted netd
 * discovers afresh); a clean stop releases the lease if asked to and
 * otherwise keeps the address.
 */
static void netd_finish(struct netd *n, int code)
{
	const char *release;

	if (!n->dhcp || n->mode != NETD_MODE_DHCP)
		return;

	if (code == NETD_EXIT_RESET) {
		netd_dhcp_stop(n->dhcp);
		netd_dhcp_forget(n->dhcp);
		netd_apply(n, NULL);
		return;
	}

	release = param_store_get(n->params, "DHCP_Release_On_Stop");
	if (code == 0 && release && param_is_true(release))
		netd_dhcp_release(n->dhcp);
}

static void netd_usage(FILE *f)
{
	fprintf(f,
		"Usage: netd [OPTIONS]\n"
		"  --state-dir DIR        parameters in DIR/netd.conf "
		"(default $STATE_DIRECTORY)\n"
		"  --interface IFNAME     the interface to configure "
		"(none: touch nothing)\n"
		"  --dhcp-retransmit-ms N first DHCP retransmission delay "
		"(default 4000; tests)\n"
		"  --arp-probe-ms N       RFC 5227 ARP probe interval "
		"(default 1000; 0: no\n"
		"                         address conflict detection at "
		"all)\n"
		"  --arp-probe-mode MODE  background (default): use a new "
		"address at once,\n"
		"                         probe it meanwhile and give it up "
		"on a conflict;\n"
		"                         first: probe before using it "
		"(4 intervals)\n"
		"  --help\n");
}

struct netd_options {
	const char *state_dir;
	const char *ifname;
	unsigned long retransmit_ms;
	unsigned long arp_probe_ms;
	bool arp_probe_first;
};

static int netd_parse_probe_mode(const char *arg, struct netd_options *o)
{
	if (strcmp(arg, "background") == 0 || strcmp(arg, "first") == 0) {
		o->arp_probe_first = arg[0] == 'f';
		return 0;
	}

	fprintf(stderr, "netd: --arp-probe-mode must be background or "
		"first\n");
	return -EINVAL;
}

static int netd_parse_options(int argc, char **argv, struct netd_options *o)
{
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "interface", required_argument, NULL, 'i' },
		{ "dhcp-retransmit-ms", required_argument, NULL, 'R' },
		{ "arp-probe-ms", required_argument, NULL, 'A' },
		{ "arp-probe-mode", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->state_dir = optarg;
			break;
		case 'i':
			o->ifname = optarg;
			break;
		case 'R':
			errno = 0;
			o->retransmit_ms = strtoul(optarg, &end, 10);
			if (errno || *end || o->retransmit_ms == 0 ||
			    o->retransmit_ms > 60000) {
				fprintf(stderr, "netd: --dhcp-retransmit-ms "
					"must be 1..60000\n");
				return -EINVAL;
			}
			break;
		case 'A':
			errno = 0;
			o->arp_probe_ms = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg ||
			    o->arp_probe_ms > 10000) {
				fprintf(stderr, "netd: --arp-probe-ms must be "
					"0..10000\n");
				return -EINVAL;
			}
			break;
		case 'M':
			if (netd_parse_probe_mode(optarg, o) < 0)
				return -EINVAL;
			break;
		case 'h':
			netd_usage(stdout);
			exit(EXIT_SUCCESS);
		default:
			netd_usage(stderr);
			return -EINVAL;
		}
	}

	if (optind < argc) {
		fprintf(stderr, "netd: unexpected argument %s\n", argv[optind]);
		return -EINVAL;
	}

	if (o->ifname && (!*o->ifname || strlen(o->ifname) >= IFNAMSIZ)) {
		fprintf(stderr, "netd: --interface needs a name of 1..%d "
			"characters\n", IFNAMSIZ - 1);
		return -EINVAL;
	}

	return 0;
}

int main(int argc, char **argv)
{
	struct netd_options o = { .arp_probe_ms = 1000 };
	struct netd n = { .state = "disabled", .mode = NETD_MODE_DISABLED };
	int r;

	if (netd_parse_options(argc, argv, &o) < 0)
		return 2;

	log_open("netd");
	n.ifname = o.ifname ? strdup(o.ifname) : NULL;
	n.retransmit_usec = o.retransmit_ms * 1000ull;
	n.arp_probe_usec = o.arp_probe_ms * 1000ull;
	n.arp_probe_first = o.arp_probe_first;

	r = netd_setup(&n, o.state_dir);
	if (r >= 0) {
		if (!n.ifname)
			log_info("No --interface: configuring nothing");

		sd_notify(0, "READY=1");
		r = sd_event_loop(n.event);
		if (r < 0)
			log_err("Event loop failed: %s", strerror(-r));
		sd_notify(0, "STOPPING=1");
		if (r >= 0)
			netd_finish(&n, r);
	}

	netd_teardown(&n);
	free(n.ifname);
	if (r == NETD_EXIT_RESET)
		return NETD_EXIT_RESET;

	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
