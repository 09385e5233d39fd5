/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sipd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/tport_tag.h>
#include <stdarg.h>
#include <systemd/sd-daemon.h>

#include "bus.h"
#include "daemon.h"
#include "log.h"

/* From SIGTERM to exit, whatever the registrar does. */
#define SIPD_STOP_GUARD_MS 3000

struct sipd_options {
	const char *state_dir;
	const char *bind_addr;
	unsigned int port;
	int log_level;
};

static void sipd_usage(FILE *f)
{
	fprintf(f,
		"Usage: sipd [OPTIONS]\n"
		"SIP user agent of the deskphone (org.deskphone.Sip).\n\n"
		"  --state-dir DIR    parameters in DIR/sipd.conf "
		"(default $STATE_DIRECTORY)\n"
		"  --bind ADDRESS     local IPv4 address for SIP and RTP "
		"(default 0.0.0.0)\n"
		"  --port PORT        local SIP port (overrides SIP_Port_1_)\n"
		"  --log-level LEVEL  err, warning, notice, info or debug\n"
		"  -h, --help         show this help\n");
}

static int sipd_parse_port(const char *s, unsigned int *port)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || v == 0 || v > 65535)
		return -EINVAL;

	*port = (unsigned int)v;
	return 0;
}

static int sipd_parse_options(int argc, char **argv, struct sipd_options *o)
{
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "bind", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct in_addr a;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->state_dir = optarg;
			break;
		case 'b':
			if (inet_pton(AF_INET, optarg, &a) != 1) {
				log_err("--bind: not an IPv4 address: %s",
					optarg);
				return -EINVAL;
			}
			o->bind_addr = optarg;
			break;
		case 'p':
			if (sipd_parse_port(optarg, &o->port) < 0) {
				log_err("--port: not a port number: %s",
					optarg);
				return -EINVAL;
			}
			break;
		case 'l':
			o->log_level = log_level_from_string(optarg);
			if (o->log_level < 0) {
				log_err("--log-level: unknown level %s",
					optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			sipd_usage(stdout);
			exit(EXIT_SUCCESS);
		default:
			sipd_usage(stderr);
			return -EINVAL;
		}
	}

	if (optind < argc) {
		log_err("Unexpected argument: %s", argv[optind]);
		return -EINVAL;
	}

	return 0;
}

/*
 * sofia writes its own messages (and with TPORT_LOG=1 every SIP message)
 * to stderr in pieces; collect whole lines and give them our priority
 * prefix.  Its logger is not told the level, so all go out as info.
 */
static void sipd_sofia_logger(void *stream, const char *fmt, va_list ap)
{
	static char line[2048];
	static size_t len;
	char chunk[1024], *p, *nl;
	int n;

	n = vsnprintf(chunk, sizeof(chunk), fmt, ap);
	if (n < 0)
		return;

	for (p = chunk; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl) {
			n = snprintf(line + len, sizeof(line) - len, "%s", p);
			len = n < 0 ? len : len + (size_t)n;
			if (len >= sizeof(line))
				len = sizeof(line) - 1;
			return;
		}

		*nl = '\0';
		log_info("sofia: %.*s%s", (int)len, line, p);
		len = 0;
	}
}

static void sipd_stack_down(struct sipd *d);

#define SIPD_NUA_TAGS \
	NUTAG_USER_AGENT("deskphone-sipd/" PACKAGE_VERSION), \
	NUTAG_AUTOANSWER(0), \
	NUTAG_OUTBOUND("no-options-keepalive no-validate no-natify"), \
	NUTAG_ENABLEMESSAGE(0), \
	SIPD_NUA_ALLOW

/*
 * Only what the phone handles.  nua's default list also has REFER,
 * SUBSCRIBE, NOTIFY and MESSAGE, and it accepts an out-of-dialog REFER
 * itself (202) and then sends NOTIFYs wherever the REFER's Contact
 * says: a reflector that turned one packet into eleven.  Methods not
 * listed get 405.
 */
#define SIPD_NUA_ALLOW \
	SIPTAG_ALLOW_STR("INVITE, ACK, BYE, CANCEL, OPTIONS, PRACK, UPDATE")

/* Any response to a request we sent ends its ResponseTimeout watch. */
static void sipd_nua_response(struct sipd *d, nua_event_t event, int status,
			      nua_handle_t *nh)
{
	const char *method;

	switch (event) {
	case nua_r_register:
	case nua_r_unregister:
		method = "REGISTER";
		break;
	case nua_r_invite:
		method = "INVITE";
		break;
	case nua_r_bye:
		method = "BYE";
		break;
	case nua_r_cancel:
		method = "CANCEL";
		break;
	default:
		return;
	}

	if (status >= 100 && nh)
		sipd_timeout_answered(d, nh, method);
}

static void sipd_nua_cb(nua_event_t event, int status, const char *phrase,
			nua_t *nua, struct sipd *d, nua_handle_t *nh,
			void *hmagic, const sip_t *sip, tagi_t tags[])
{
	log_debug("nua %s: %d %s", nua_event_name(event), status,
		  phrase ? phrase : "");
	sipd_nua_response(d, event, status, nh);

	switch (event) {
	case nua_r_register:
	case nua_r_unregister:
		sipd_reg_event(d, status, phrase, nh, sip);
		break;
	case nua_r_shutdown:
		if (status >= 200)
			sipd_stack_down(d);
		break;
	case nua_i_invite:
	case nua_i_state:
	case nua_r_invite:
	case nua_i_bye:
	case nua_i_cancel:
	case nua_r_bye:
	case nua_r_cancel:
		sipd_call_event(d, event, status, phrase, nh, sip, tags);
		break;
	case nua_i_error:
		log_warning("SIP stack error: %d %s", status, phrase);
		break;
	default:
		/* OPTIONS and the like: answered by nua, nobody keeps it */
		if (nh && nua_event_is_incoming_request(event) &&
		    !sipd_reg_owns(d, nh) && !sipd_call_owns(d, nh))
			nua_handle_destroy(nh);
		break;
	}

	/* replies and signals queued here need POLLOUT: see loop.c */
	sipd_loop_rearm(d);
}

static void sipd_stop_guard_cb(struct sipd *d, su_timer_t *t, void *arg)
{
	log_warning("Shutdown takes too long, exiting anyway");
	su_root_break(d->root);
}

/*
 * SIGTERM: end the call, un-REGISTER (bounded by reg.c), then let nua
 * shut down; the guard timer caps the whole sequence.
 */
void sipd_shutdown_continue(struct sipd *d)
{
	if (!d->stopping) {
		d->stopping = true;
		sd_notify(0, "STOPPING=1");
		su_timer_set_interval(d->stop_guard, sipd_stop_guard_cb, NULL,
				      SIPD_STOP_GUARD_MS);
		sipd_call_stop(d);
		if (sipd_reg_stop(d) > 0)
			return;
	}

	if (d->reg.old_nh || d->shutdown_started)
		return;

	d->shutdown_started = true;
	nua_shutdown(d->nua);
}

/*
 * A new SIP_Port_1_ needs a new transport, hence a new nua: un-REGISTER,
 * shut the stack down, create it on the new port, register again.  A
 * call in progress is not cut: the restart waits for its end.
 */
void sipd_stack_request_restart(struct sipd *d)
{
	if (d->stopping || d->restarting)
		return;

	if (sipd_call_any(d)) {
		log_notice("SIP transport settings changed: new stack after "
			   "this call");
		d->restart_wanted = true;
		return;
	}

	log_notice("SIP transport settings changed: restarting the stack");
	d->restart_wanted = false;
	d->restarting = true;
	if (sipd_reg_stop(d) > 0)
		return;

	sipd_stack_continue(d);
}

/* The old binding is gone (or never was): stop the old stack. */
void sipd_stack_continue(struct sipd *d)
{
	if (d->reg.old_nh || d->shutdown_started)
		return;

	d->shutdown_started = true;
	nua_shutdown(d->nua);
}

static int sipd_open_nua(struct sipd *d);

/* TLS port next to the SIP port, if there is a certificate for it. */
static void sipd_open_tls_port(struct sipd *d)
{
	char agent[PATH_MAX];

	snprintf(agent, sizeof(agent), "%s/agent.pem", d->tls_dir);
	sipd_tls_inbound(d, d->bind_addr, d->port, agent);
}

static unsigned int sipd_config_port(struct sipd *d, unsigned int opt);

static void sipd_stack_recreate_cb(struct sipd *d, su_timer_t *t, void *arg)
{
	unsigned int old_port = d->port;

	if (d->stopping) {
		su_root_break(d->root);
		return;
	}

	nua_destroy(d->nua);
	d->nua = NULL;
	d->shutdown_started = false;
	d->shutdown_done = false;

	if (!d->port_fixed)
		d->port = sipd_config_port(d, 0);

	if (sipd_open_nua(d) < 0) {
		/* keep the phone reachable on the port that worked */
		d->port = old_port;
		if (sipd_open_nua(d) < 0) {
			d->failed = true;
			su_root_break(d->root);
			return;
		}
	}

	d->restarting = false;
	sipd_open_tls_port(d);
	sipd_filter_update(d);
	sipd_reg_apply_proxy(d);
	sipd_reg_start(d);
}

/* nua_shutdown() finished: exit, or build the new stack. */
static void sipd_stack_down(struct sipd *d)
{
	d->shutdown_done = true;
	if (d->stopping || !d->restarting) {
		su_root_break(d->root);
		return;
	}

	/* not from inside nua's own callback */
	su_timer_set_interval(d->stack_timer, sipd_stack_recreate_cb, NULL, 0);
}

static void sipd_param_changed(struct param_store *store,
			       const struct param_def *def,
			       const char *value, void *user_data)
{
	struct sipd *d = user_data;

	log_info("Parameter %s changed", def->name);

	if (!strcmp(def->name, "SIP_Port_1_")) {
		if (d->port_fixed)
			log_notice("SIP_Port_1_ changed, but --port %u wins",
				   d->port);
		else
			sipd_stack_request_restart(d);
		return;
	}

	/*
	 * Read when a call comes in or is made.  The display name is not
	 * part of the binding: registering again would take the binding
	 * away for a round trip, and calls in between would find none.
	 */
	if (!strcmp(def->name, "Auth_INVITE_1_") ||
	    !strcmp(def->name, "Auto_Answer_1_") ||
	    !strcmp(def->name, "Display_Name_1_") ||
	    !strcmp(def->name, "Call_Appearances_Per_Line"))
		return;

	/* the registrar may be outside the new list: register again */
	if (!strcmp(def->name, "Restricted_Access_Domains")) {
		sipd_call_warm_domains(d);
		sipd_filter_update(d);
	}

	sipd_reg_schedule_restart(d);
}

static int sipd_open_params(struct sipd *d, const char *state_opt)
{
	char *dir = NULL, *path = NULL;
	int r;

	r = daemon_state_dir(state_opt, &dir);
	if (r < 0) {
		log_err("No state directory (--state-dir or "
			"$STATE_DIRECTORY): %s", strerror(-r));
		return r;
	}

	path = daemon_path(dir, "sipd.conf");
	d->tls_dir = daemon_path(dir, "tls");
	free(dir);
	if (!path || !d->tls_dir) {
		free(path);
		return -ENOMEM;
	}

	d->tls_ca = daemon_path(d->tls_dir, "cafile.pem");
	if (!d->tls_ca) {
		free(path);
		return -ENOMEM;
	}

	r = param_store_new(&d->params, sipd_param_defs, sipd_n_param_defs,
			    path);
	if (r < 0) {
		log_err("Failed to set up parameters: %s", strerror(-r));
		free(path);
		return r;
	}

	r = param_store_load(d->params);
	/* param_store_load moved a damaged file aside for the operator */
	if (r == -EBADMSG)
		log_err("%s is damaged, kept as %s.damaged; running on "
			"defaults", path, path);
	else if (r < 0)
		log_err("Failed to load %s: %s, using defaults", path,
			strerror(-r));

	free(path);
	return 0;
}

static int sipd_open_nua(struct sipd *d)
{
	char url[80];

	/*
	 * A plain sip: URL binds UDP and TCP.  "transport=udp,tcp" made
	 * tport_tbind() crash now and then in this sofia version.
	 */
	snprintf(url, sizeof(url), "sip:%s:%u", d->bind_addr, d->port);
	d->nua = nua_create(d->root, sipd_nua_cb, d,
			    NUTAG_URL(sipd_url(url)), SIPD_NUA_TAGS,
			    TAG_END());
	if (!d->nua) {
		log_err("Failed to start SIP on %s:%u (port in use?)",
			d->bind_addr, d->port);
		return -EADDRINUSE;
	}

	log_info("SIP listening on %s:%u", d->bind_addr, d->port);
	return 0;
}

static int sipd_open_bus(struct sipd *d)
{
	int r;

	r = bus_open(&d->bus, NULL);
	if (r < 0)
		return r;

	r = sipd_bus_add(d);
	if (r < 0)
		return r;

	/* logs its own failure */
	r = bus_parameters_add(d->bus, SIPD_OBJECT_PATH, d->params,
			       sipd_param_changed, d);
	if (r < 0)
		return r;

	if (!strcmp(d->bind_addr, "0.0.0.0"))
		sipd_bus_watch_net(d);

	/* the name last: callers find the objects complete */
	r = sd_bus_request_name(d->bus, SIPD_BUS_NAME, 0);
	if (r < 0) {
		log_err("Failed to own %s: %s", SIPD_BUS_NAME, strerror(-r));
		return r;
	}

	return sipd_loop_attach_bus(d);
}

static unsigned int sipd_config_port(struct sipd *d, unsigned int opt)
{
	unsigned int port;

	if (opt)
		return opt;

	if (sipd_parse_port(param_store_get(d->params, "SIP_Port_1_"),
			    &port) < 0)
		return 5060;

	return port;
}

static void sipd_watchdog_cb(struct sipd *d, su_timer_t *t, void *arg)
{
	sd_notify(0, "WATCHDOG=1");
}

/*
 * systemd's watchdog (WatchdogSec= in the unit): pinged from a timer of
 * the one loop, so a loop stuck anywhere stops the pings.
 */
static int sipd_watchdog_start(struct sipd *d)
{
	uint64_t usec;
	int r;

	r = sd_watchdog_enabled(0, &usec);
	if (r <= 0)
		return 0;

	/* half the interval, as sd_watchdog_enabled(3) advises */
	d->watchdog_timer = su_timer_create(su_root_task(d->root),
					    (su_duration_t)(usec / 2000));
	if (!d->watchdog_timer)
		return -ENOMEM;

	d->watchdog_usec = usec;
	sd_notify(0, "WATCHDOG=1");
	su_timer_set_for_ever(d->watchdog_timer, sipd_watchdog_cb, NULL);
	log_info("systemd watchdog: pinging every %llu ms",
		 (unsigned long long)(usec / 2000));
	return 0;
}

static int sipd_run(struct sipd *d, const struct sipd_options *o)
{
	int r;

	r = sipd_open_params(d, o->state_dir);
	if (r < 0)
		return r;

	d->bind_addr = o->bind_addr;
	d->port_fixed = o->port != 0;
	d->port = sipd_config_port(d, o->port);
	snprintf(d->local_addr, sizeof(d->local_addr), "%s",
		 strcmp(d->bind_addr, "0.0.0.0") ? d->bind_addr : "127.0.0.1");

	d->root = su_root_create(d);
	if (!d->root)
		return -ENOMEM;

	r = sipd_watchdog_start(d);
	if (r < 0)
		return r;

	/* one thread: nua callbacks and D-Bus handlers never race */
	su_root_threading(d->root, 0);

	r = sipd_open_nua(d);
	if (r < 0)
		return r;

	d->stop_guard = su_timer_create(su_root_task(d->root), 0);
	d->stack_timer = su_timer_create(su_root_task(d->root), 0);
	d->flush_timer = su_timer_create(su_root_task(d->root), 0);
	r = sipd_resolve_init(d);
	if (r >= 0)
		r = sipd_tls_init(d);
	if (r >= 0)
		r = sipd_auto_init(d);
	if (r >= 0)
		sipd_open_tls_port(d);
	if (r >= 0)
		r = sipd_reg_init(d);
	if (r >= 0)
		r = sipd_timeout_init(d);
	if (r < 0 || !d->stop_guard || !d->stack_timer || !d->flush_timer)
		return -ENOMEM;

	r = sipd_open_bus(d);
	if (r < 0)
		return r;

	r = sipd_loop_attach_signals(d);
	if (r < 0)
		return r;

	sipd_timeout_watch(d);

	sipd_reg_apply_proxy(d);
	sipd_call_warm_domains(d);
	sipd_filter_update(d);
	sipd_reg_start(d);

	sd_notify(0, "READY=1");
	log_info("Ready");
	su_root_run(d->root);
	return 0;
}

static void sipd_cleanup(struct sipd *d)
{
	sipd_loop_detach_signals(d);
	d->timeouts.get_slot = sd_bus_slot_unref(d->timeouts.get_slot);
	if (d->bus) {
		sd_bus_flush(d->bus);
		sipd_loop_detach_bus(d);
		sd_bus_flush_close_unref(d->bus);
		d->bus = NULL;
	}

	/*
	 * nua_destroy() is only safe after a finished nua_shutdown(); when
	 * that was cut short, the process exit frees the rest.
	 */
	if (d->nua && d->shutdown_done) {
		nua_destroy(d->nua);
		d->nua = NULL;
	}

	if (!d->nua && d->root) {
		sipd_reg_done(d);
		sipd_timeout_done(d);
		sipd_tls_free(d);
		sipd_auto_free(d);
		sipd_filter_done(d);
		sipd_resolve_free(d);
		su_timer_destroy(d->stop_guard);
		su_timer_destroy(d->stack_timer);
		su_timer_destroy(d->flush_timer);
		su_timer_destroy(d->watchdog_timer);
		su_root_destroy(d->root);
	}

	param_store_free(d->params);
	free(d->tls_dir);
	free(d->tls_ca);
}

int main(int argc, char **argv)
{
	struct sipd_options o = { .bind_addr = "0.0.0.0", .log_level = -1 };
	struct sipd d = { .signal_fd = -1 };
	sigset_t mask;
	int r;

	log_open("sipd");

	/* SIGTERM during start-up waits in the signalfd, not kills us */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	if (sipd_parse_options(argc, argv, &o) < 0)
		return EXIT_FAILURE;

	if (o.log_level >= 0)
		log_set_max_level(o.log_level);

	su_log_redirect(NULL, sipd_sofia_logger, NULL);
	srandom((unsigned int)(time(NULL) ^ getpid()));
	if (su_init() < 0) {
		log_err("Failed to initialise sofia-sip");
		return EXIT_FAILURE;
	}

	d.reg.state = SIPD_REG_DISABLED;
	r = sipd_run(&d, &o);
	sipd_cleanup(&d);
	su_deinit();

	if (r < 0 || d.failed)
		return EXIT_FAILURE;

	log_info("Stopped");
	return EXIT_SUCCESS;
}
