/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "access.h"
#include "auth.h"
#include "bus.h"
#include "daemon.h"
#include "log.h"
#include "server.h"
#include "tls.h"

#define WEBD_BUS_NAME BUS_NAME_PREFIX "Web"
#define WEBD_PATH "/org/deskphone/Web"
#define WEBD_INTERFACE BUS_NAME_PREFIX "Web1"
#define WEBD_HTTP_PORT 8080

struct webd_options {
	struct server_config server;
	const char *state_dir;
	const char *password_file;
	const char *user_password_file;
	const char *cert_file;
	const char *key_file;
};

static void webd_usage(FILE *f)
{
	fprintf(f,
		"Usage: webd [OPTIONS]\n"
		"Admin web pages of the desk phone.\n\n"
		"  --listen ADDR               IP literal to listen on "
		"(default %s)\n"
		"  --port N                    HTTPS port (default %u; "
		"0: any free one)\n"
		"  --http MODE                 plain HTTP: redirect (to "
		"HTTPS) or off (default)\n"
		"  --http-port N               plain HTTP port (default "
		"%u)\n"
		"  --cert FILE --key FILE      PEM certificate and key "
		"(default: a device\n"
		"                              certificate made at the "
		"first start)\n"
		"  --state-dir DIR             state directory "
		"(default $STATE_DIRECTORY)\n"
		"  --admin-password-file FILE  set the admin password to "
		"the file's first line\n"
		"  --user-password-file FILE   set the user password to "
		"the file's first line\n"
		"  --log-level LEVEL           err, warning, notice, info, "
		"debug\n"
		"  -h, --help                  show this help\n",
		SERVER_DEFAULT_ADDRESS, SERVER_DEFAULT_PORT,
		WEBD_HTTP_PORT);
}

static int webd_parse_port(const char *s, uint16_t *port)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 65535 || s[0] == '-')
		return -EINVAL;

	*port = (uint16_t)v;
	return 0;
}

static int webd_parse_args(int argc, char **argv, struct webd_options *o)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "admin-password-file", required_argument, NULL, 'a' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "user-password-file", required_argument, NULL, 'u' },
		{ "http", required_argument, NULL, 'H' },
		{ "http-port", required_argument, NULL, 'P' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, level;

	o->server.address = SERVER_DEFAULT_ADDRESS;
	o->server.port = SERVER_DEFAULT_PORT;
	o->server.http_port = WEBD_HTTP_PORT;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o->server.address = optarg;
			break;
		case 'p':
			if (webd_parse_port(optarg, &o->server.port) < 0) {
				log_err("Invalid --port %s: want 0..65535",
					optarg);
				return -EINVAL;
			}
			break;
		case 'P':
			if (webd_parse_port(optarg, &o->server.http_port) < 0) {
				log_err("Invalid --http-port %s: want 0..65535",
					optarg);
				return -EINVAL;
			}
			break;
		case 'H':
			if (strcmp(optarg, "redirect") == 0) {
				o->server.http_redirect = true;
			} else if (strcmp(optarg, "off") == 0) {
				o->server.http_redirect = false;
			} else {
				log_err("Invalid --http %s: want redirect or "
					"off", optarg);
				return -EINVAL;
			}
			break;
		case 'u':
			o->user_password_file = optarg;
			break;
		case 'c':
			o->cert_file = optarg;
			break;
		case 'k':
			o->key_file = optarg;
			break;
		case 's':
			o->state_dir = optarg;
			break;
		case 'a':
			o->password_file = optarg;
			break;
		case 'L':
			level = log_level_from_string(optarg);
			if (level < 0) {
				log_err("Invalid --log-level %s", optarg);
				return -EINVAL;
			}
			log_set_max_level(level);
			break;
		case 'h':
			webd_usage(stdout);
			exit(EXIT_SUCCESS);
		default:
			webd_usage(stderr);
			return -EINVAL;
		}
	}

	if (optind < argc) {
		log_err("Unexpected argument %s", argv[optind]);
		return -EINVAL;
	}

	if (!o->cert_file != !o->key_file) {
		log_err("--cert and --key go together");
		return -EINVAL;
	}

	if (o->server.http_redirect && o->server.port &&
	    o->server.port == o->server.http_port) {
		log_err("--port and --http-port are both %u", o->server.port);
		return -EINVAL;
	}

	return 0;
}

static int webd_get_url(sd_bus *bus, const char *path,
			const char *interface, const char *property,
			sd_bus_message *reply, void *userdata,
			sd_bus_error *error)
{
	return sd_bus_message_append(reply, "s", server_url(userdata));
}

static int webd_get_http_url(sd_bus *bus, const char *path,
			     const char *interface, const char *property,
			     sd_bus_message *reply, void *userdata,
			     sd_bus_error *error)
{
	char url[80];

	server_http_url(userdata, url, sizeof(url));
	return sd_bus_message_append(reply, "s", url);
}

static const sd_bus_vtable webd_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Url", "s", webd_get_url, 0,
			SD_BUS_VTABLE_PROPERTY_CONST),
	/* Changed from the HTTP thread, which owns no bus: not signalled. */
	SD_BUS_PROPERTY("HttpUrl", "s", webd_get_http_url, 0, 0),
	SD_BUS_VTABLE_END
};

static int webd_bus_setup(sd_event *event, struct server *server,
			  sd_bus **out)
{
	sd_bus *bus = NULL;
	int r;

	r = bus_open(&bus, NULL);
	if (r < 0)
		return r;	/* logged by bus_open() */

	/* The object first, so nobody sees the name without it. */
	r = sd_bus_add_object_vtable(bus, NULL, WEBD_PATH, WEBD_INTERFACE,
				     webd_vtable, server);
	if (r >= 0)
		r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
	if (r < 0) {
		log_err("Failed to set up the bus object: %s", strerror(-r));
		sd_bus_flush_close_unref(bus);
		return r;
	}

	r = sd_bus_request_name(bus, WEBD_BUS_NAME, 0);
	if (r < 0) {
		log_err("Failed to own %s: %s", WEBD_BUS_NAME, strerror(-r));
		sd_bus_flush_close_unref(bus);
		return r;
	}

	*out = bus;
	return 0;
}

static int webd_signals(sd_event *event)
{
	sigset_t mask;
	int r;

	/* Blocked before the HTTP thread starts, so it inherits the mask. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;

	r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
	if (r >= 0)
		r = sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);

	return r;
}

/* With @auth NULL only checks the file, before anything is changed. */
static int webd_user_password(struct auth *auth, const char *file)
{
	char password[AUTH_PASSWORD_MAX + 2], reason[64];
	int r;

	r = auth_password_read(file, password, sizeof(password));
	if (r < 0) {
		log_err("Failed to read the user password from %s: %s", file,
			r == -ENODATA ? "first line is empty" :
			r == -E2BIG ? "line too long" : strerror(-r));
		return r;
	}

	r = auth_password_ok(password, reason, sizeof(reason));
	if (r < 0)
		log_err("The user password in %s %s", file, reason);
	else if (auth)
		r = auth_user_password_set(auth, password);

	memset(password, 0, sizeof(password));
	return r;
}

static int webd_run(struct webd_options *o, const char *state_dir)
{
	struct tls_creds tls = { NULL, NULL };
	struct access *access = NULL;
	struct server *server = NULL;
	sd_event *event = NULL;
	sd_bus *bus = NULL;
	struct auth *auth;
	int r;

	auth = calloc(1, sizeof(*auth));
	if (!auth)
		return -ENOMEM;

	r = o->user_password_file ?
	    webd_user_password(NULL, o->user_password_file) : 0;
	if (r >= 0)
		r = auth_init(auth, state_dir, o->password_file);
	if (r >= 0 && o->user_password_file)
		r = webd_user_password(auth, o->user_password_file);
	if (r >= 0)
		r = access_new(&access, state_dir, o->server.http_redirect ?
			       ACCESS_HTTP_REDIRECT : ACCESS_HTTP_OFF);
	if (r < 0)
		goto out;

	/* Once the admin has set it on the web, the stored mode wins. */
	o->server.http_redirect = strcmp(access_own_get(access, ACCESS_HTTP),
					 ACCESS_HTTP_REDIRECT) == 0;

	r = sd_event_default(&event);
	if (r >= 0)
		r = webd_signals(event);
	/*
	 * WATCHDOG=1 from the main loop when the unit sets WatchdogSec=.
	 * It vouches for the bus side only; the HTTP thread is
	 * libmicrohttpd's and has no hook of its own to ping from.
	 */
	if (r >= 0)
		r = sd_event_set_watchdog(event, 1);
	if (r < 0) {
		log_err("Failed to set up the event loop: %s", strerror(-r));
		goto out;
	}

	r = tls_creds_load(&tls, state_dir, o->cert_file, o->key_file,
			   o->server.address);
	if (r < 0)
		goto out;
	o->server.tls = &tls;

	r = server_start(&o->server, auth, access, &server);
	if (r < 0)
		goto out;

	r = webd_bus_setup(event, server, &bus);
	if (r < 0)
		goto out;

	sd_notify(0, "READY=1");
	log_info("Ready");

	r = sd_event_loop(event);
	if (r < 0)
		log_err("Event loop failed: %s", strerror(-r));
	else
		log_info("Stopping");

	sd_notify(0, "STOPPING=1");

out:
	server_stop(server);
	sd_bus_flush_close_unref(bus);
	sd_event_unref(event);
	tls_creds_clear(&tls);
	access_free(access);
	free(auth);
	return r;
}

int main(int argc, char **argv)
{
	struct webd_options options = { 0 };
	char *state_dir = NULL;
	int r;

	log_open("webd");

	if (webd_parse_args(argc, argv, &options) < 0)
		return EXIT_FAILURE;

	r = daemon_state_dir(options.state_dir, &state_dir);
	if (r < 0) {
		log_err("No state directory (--state-dir or "
			"$STATE_DIRECTORY): %s", strerror(-r));
		return EXIT_FAILURE;
	}

	r = webd_run(&options, state_dir);
	free(state_dir);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
