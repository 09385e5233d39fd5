/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>

#include "audiod.h"
#include "bus.h"
#include "daemon.h"
#include "log.h"
#include "pcm.h"
#include "stream.h"

static const struct param_def audiod_params[] = {
	{
		.name = "Playback_Device", .type = PARAM_DEVICE,
		.def = "default", .max = 128,
		.label = "Playback device (ALSA PCM)",
	},
	{
		.name = "Capture_Device", .type = PARAM_DEVICE,
		.def = "default", .max = 128,
		.label = "Capture device (ALSA PCM)",
	},
	{
		.name = "RTP_Port_Min", .type = PARAM_UINT, .def = "16384",
		.min = 1024, .max = 65534,
		.label = "Lowest RTP port",
	},
	{
		.name = "RTP_Port_Max", .type = PARAM_UINT, .def = "16482",
		.min = 1024, .max = 65534,
		.label = "Highest RTP port",
	},
};

/* The range must hold at least one even port for RTP. */
static int audiod_check_ports(struct param_store *store, const char **bad,
			      char *reason, size_t reason_len, void *data)
{
	unsigned long min = strtoul(param_store_get(store, "RTP_Port_Min"),
				    NULL, 10);
	unsigned long max = strtoul(param_store_get(store, "RTP_Port_Max"),
				    NULL, 10);

	if (min + (min & 1) <= max)
		return 0;

	*bad = "RTP_Port_Min";
	snprintf(reason, reason_len,
		 "%lu to RTP_Port_Max %lu holds no even port", min, max);
	return -EINVAL;
}

static void audiod_usage(FILE *f)
{
	fprintf(f,
		"Usage: audiod [--state-dir DIR]\n"
		"Plays the ring tone and G.711 RTP streams for deskphone.\n"
		"\n"
		"  --state-dir DIR  where audiod.conf lives "
		"(default $STATE_DIRECTORY)\n"
		"  -h, --help       show this help\n");
}

/* Returns 1 to go on, 0 to exit successfully, -EINVAL on bad usage. */
static int audiod_parse_args(int argc, char **argv, const char **state_dir)
{
	static const struct option options[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 's':
			*state_dir = optarg;
			break;
		case 'h':
			audiod_usage(stdout);
			return 0;
		default:
			audiod_usage(stderr);
			return -EINVAL;
		}
	}

	if (optind < argc) {
		log_err("Unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}

	return 1;
}

static void audiod_param_changed(struct param_store *store,
				 const struct param_def *def,
				 const char *value, void *user_data)
{
	log_info("%s set to '%s', used from the next ring or stream",
		 def->name, value);
}

static int audiod_load_params(struct audiod *d, const char *option)
{
	char *dir = NULL, *path;
	int r;

	r = daemon_state_dir(option, &dir);
	if (r < 0) {
		log_err("No state directory (--state-dir or "
			"$STATE_DIRECTORY): %s", strerror(-r));
		return r;
	}

	path = daemon_path(dir, "audiod.conf");
	free(dir);
	if (!path)
		return -ENOMEM;

	r = param_store_new(&d->params, audiod_params,
			    sizeof(audiod_params) / sizeof(*audiod_params),
			    path);
	free(path);
	if (r < 0) {
		log_err("Cannot set up parameters: %s", strerror(-r));
		return r;
	}

	param_store_set_check(d->params, audiod_check_ports, NULL);

	/* A damaged file keeps the defaults; the daemon must still run. */
	r = param_store_load(d->params);
	if (r < 0)
		log_warning("Cannot read audiod.conf: %s, using defaults",
			    strerror(-r));

	return 0;
}

static int audiod_on_signal(sd_event_source *s,
			    const struct signalfd_siginfo *si, void *userdata)
{
	struct audiod *d = userdata;

	log_info("Received %s from PID %u, stopping",
		 strsignal((int)si->ssi_signo), si->ssi_pid);
	return sd_event_exit(d->event, 0);
}

static int audiod_setup_signals(struct audiod *d)
{
	sigset_t mask;
	int r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	r = sd_event_add_signal(d->event, NULL, SIGTERM, audiod_on_signal,
				d);
	if (r >= 0)
		r = sd_event_add_signal(d->event, NULL, SIGINT,
					audiod_on_signal, d);

	/* A peer that vanished must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	return r;
}

/* Objects first, then the name: whoever sees the name finds them. */
static int audiod_setup_bus(struct audiod *d)
{
	int r;

	r = bus_open(&d->bus, NULL);
	if (r < 0)
		return r;

	r = audiod_bus_add(d);
	if (r >= 0)
		r = bus_parameters_add(d->bus, AUDIOD_BUS_PATH, d->params,
				       audiod_param_changed, d);
	if (r < 0) {
		log_err("Cannot export the D-Bus objects: %s", strerror(-r));
		return r;
	}

	r = sd_bus_attach_event(d->bus, d->event, SD_EVENT_PRIORITY_NORMAL);
	if (r < 0) {
		log_err("Cannot attach the bus: %s", strerror(-r));
		return r;
	}

	r = sd_bus_request_name(d->bus, AUDIOD_BUS_NAME, 0);
	if (r < 0)
		log_err("Cannot own %s: %s", AUDIOD_BUS_NAME, strerror(-r));

	return r;
}

static void audiod_free(struct audiod *d)
{
	size_t i;

	engine_shutdown(d);
	for (i = 0; i < AUDIOD_MAX_STREAMS; i++)
		stream_free(d->streams[i]);

	sd_bus_flush_close_unref(d->bus);
	sd_event_unref(d->event);
	if (d->params)
		param_store_free(d->params);
}

int main(int argc, char **argv)
{
	struct audiod d = { .playback_ok = true, .capture_ok = true };
	const char *state_dir = NULL;
	int r;

	log_open("audiod");

	r = audiod_parse_args(argc, argv, &state_dir);
	if (r <= 0)
		return r < 0 ? 2 : 0;

	audio_pcm_quiet_alsa();

	r = audiod_load_params(&d, state_dir);
	if (r < 0)
		goto out;

	/* The watchdog pings only happen if the unit sets WatchdogSec=. */
	r = sd_event_default(&d.event);
	if (r >= 0)
		r = sd_event_set_watchdog(d.event, 1);
	if (r >= 0)
		r = audiod_setup_signals(&d);
	if (r < 0) {
		log_err("Cannot set up the event loop: %s", strerror(-r));
		goto out;
	}

	r = audiod_setup_bus(&d);
	if (r < 0)
		goto out;

	sd_notify(0, "READY=1\nSTATUS=Audio idle");
	log_info("Ready");

	r = sd_event_loop(d.event);
	if (r < 0)
		log_err("Event loop failed: %s", strerror(-r));

	sd_notify(0, "STOPPING=1");
	log_info("Stopping");

out:
	audiod_free(&d);
	return r < 0 ? 1 : 0;
}
