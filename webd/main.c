/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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
/* How often an idle webd looks again, at most and at least. */
#define WEBD_IDLE_CHECK_MAX_USEC (5ULL * 1000000)
#define WEBD_IDLE_CHECK_MIN_USEC (100ULL * 1000)

struct webd_options {
	struct server_config server;
	const char *state_dir;
	const char *password_file;
	const char *user_password_file;
	const char *cert_file;
	const char *key_file;
	unsigned int idle_exit_sec;	/* 0: never */
};

/* The idle exit of a socket-activated webd. */
struct webd_idle {
	struct server *server;
	uint64_t usec;
	bool quiescing;
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
		"  --idle-exit SEC             when socket-activated, exit "
		"after SEC seconds\n"
		"                              without a connection, a "
		"session or a recent\n"
		"                              failed login (default 0: "
		"never)\n"
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

/* A day at most: longer is the same as never for an admin page. */
#define WEBD_IDLE_MAX_SEC 86400u

static int webd_parse_seconds(const char *s, unsigned int *sec)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > WEBD_IDLE_MAX_SEC ||
	    s[0] == '-')
		return -EINVAL;

	*sec = (unsigned int)v;
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
		{ "idle-exit", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, level;

	o->server.address = SERVER_DEFAULT_ADDRESS;
	o->server.port = SERVER_DEFAULT_PORT;
	o->server.http_port = WEBD_HTTP_PORT;
	o->server.https_fd = -1;
	o->server.http_fd = -1;

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
		case 'i':
			if (webd_parse_seconds(optarg,
					       &o->idle_exit_sec) < 0) {
				log_err("Invalid --idle-exit %s: want 0..%u "
					"seconds", optarg, WEBD_IDLE_MAX_SEC);
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

static const char *webd_family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

/*
 * A socket from systemd must be what webd would have opened itself: a
 * listening TCP socket of the --listen address's family.
 */
static int webd_listen_check(int fd, const char *name, int family)
{
	int protocol = 0;
	socklen_t len = sizeof(protocol);
	const char *what = NULL;

	if (sd_is_socket(fd, AF_UNSPEC, 0, -1) <= 0)
		what = "is not a socket";
	else if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, -1) <= 0)
		what = "is not a stream socket (UDP?)";
	else if (sd_is_socket_inet(fd, family, SOCK_STREAM, -1, 0) <= 0)
		what = family == AF_INET6 ? "is not an IPv6 socket" :
		       "is not an IPv4 socket";
	else if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol,
			    &len) < 0 || protocol != IPPROTO_TCP)
		what = "is not a TCP socket";
	else if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0)
		what = "is not listening";

	if (what) {
		log_err("Socket activation: fd %d (%s) %s; want a listening "
			"TCP socket of %s, the family of --listen", fd, name,
			what, webd_family_name(family));
		return -EINVAL;
	}

	/* Ours now: not for anything webd might start. */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;

	return 0;
}

/* Gives each checked socket its role by its FileDescriptorName=. */
static int webd_listen_assign(struct server_config *config, int fd,
			      const char *name)
{
	int *slot = strcmp(name, "https") == 0 ? &config->https_fd :
		    strcmp(name, "http") == 0 ? &config->http_fd : NULL;

	if (!slot || *slot >= 0) {
		log_err("Socket activation: fd %d is named \"%s\"; want one "
			"named https and at most one named http "
			"(FileDescriptorName=)", fd, name);
		return -EINVAL;
	}

	*slot = fd;
	return 0;
}

static void webd_strv_free(char **names)
{
	char **p;

	for (p = names; p && *p; p++)
		free(*p);
	free(names);
}

/*
 * The listening sockets systemd passed (LISTEN_FDS), if any: 0 when
 * there are none and webd binds its own.
 */
static int webd_listen_fds(struct server_config *config)
{
	const char *env = getenv("LISTEN_FDS");
	struct sockaddr_storage ss;
	int family, n, i, r = 0;
	char **names = NULL;
	char count[16];

	/* Kept for the message: the call unsets the variables. */
	snprintf(count, sizeof(count), "%s", env ? env : "");
	n = sd_listen_fds_with_names(1, &names);
	if (n < 0) {
		log_err("Socket activation: bad LISTEN_FDS=%s or "
			"LISTEN_FDNAMES: %s", count, n == -EBADF ?
			"a file descriptor it names is not open" :
			strerror(-n));
		return n;
	}
	if (n == 0)
		return 0;

	if (n > 2) {
		log_err("Socket activation passed %d sockets; want one named "
			"https and at most one named http", n);
		r = -EINVAL;
		goto out;
	}

	family = inet_pton(AF_INET6, config->address, &ss) == 1 ?
		 AF_INET6 : AF_INET;
	for (i = 0; i < n && r >= 0; i++) {
		int fd = SD_LISTEN_FDS_START + i;
		const char *name = names && names[i] ? names[i] : "unknown";

		r = webd_listen_check(fd, name, family);
		if (r >= 0)
			r = webd_listen_assign(config, fd, name);
	}

	if (r >= 0 && config->https_fd < 0) {
		log_err("Socket activation passed no socket named https");
		r = -EINVAL;
	}

out:
	webd_strv_free(names);
	return r < 0 ? r : n;
}

static uint64_t webd_idle_period(const struct webd_idle *idle)
{
	uint64_t period = idle->usec / 4;

	if (idle->quiescing || period < WEBD_IDLE_CHECK_MIN_USEC)
		return WEBD_IDLE_CHECK_MIN_USEC;

	return period > WEBD_IDLE_CHECK_MAX_USEC ?
	       WEBD_IDLE_CHECK_MAX_USEC : period;
}

/*
 * Idle: stop accepting first, so a connection that comes now waits in
 * systemd's queue for the next webd, then exit once the open ones are
 * done (each is closed after SERVER_IDLE_SEC without a request).
 */
static int webd_idle_check(sd_event_source *src, uint64_t usec,
			   void *userdata)
{
	struct webd_idle *idle = userdata;
	int r;

	if (!idle->quiescing && server_idle(idle->server, idle->usec)) {
		server_quiesce(idle->server);
		idle->quiescing = true;
	}

	if (idle->quiescing && server_connections(idle->server) == 0) {
		log_notice("Idle for %" PRIu64 " s: exiting; the socket "
			 "starts webd again", idle->usec / 1000000);
		return sd_event_exit(sd_event_source_get_event(src), 0);
	}

	r = sd_event_source_set_time_relative(src, webd_idle_period(idle));
	if (r >= 0)
		r = sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
	if (r < 0)
		log_err("Failed to re-arm the idle timer: %s", strerror(-r));

	return r;
}

static int webd_idle_setup(sd_event *event, const struct webd_options *o,
			   struct webd_idle *idle)
{
	int r;

	if (!o->idle_exit_sec)
		return 0;

	/* Nobody would start webd again on its own sockets. */
	if (o->server.https_fd < 0) {
		log_notice("Not socket-activated: --idle-exit is ignored");
		return 0;
	}

	idle->usec = (uint64_t)o->idle_exit_sec * 1000000;
	r = sd_event_add_time_relative(event, NULL, CLOCK_MONOTONIC,
				       webd_idle_period(idle), 0,
				       webd_idle_check, idle);
	if (r < 0)
		log_err("Failed to set up the idle timer: %s", strerror(-r));
	else
		log_info("Exiting after %u s idle", o->idle_exit_sec);

	return r;
}

static int webd_run(struct webd_options *o, const char *state_dir)
{
	struct tls_creds tls = { NULL, NULL };
	struct webd_idle idle = { 0 };
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

	idle.server = server;
	r = webd_idle_setup(event, o, &idle);
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

	if (webd_listen_fds(&options.server) < 0)
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
