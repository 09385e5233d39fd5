/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stands in for sipd in netd's tests: emits
 * org.deskphone.Sip1.ResponseTimeout(s method, s destination,
 * u waited_ms) on /org/deskphone/Sip, as sipd does when a SIP response
 * did not come in time.
 *
 *   sip-signal [--no-name] METHOD DESTINATION WAITED_MS
 *
 * It owns org.deskphone.Sip while it emits (netd only listens to that
 * name's owner); --no-name emits without it, to show that netd ignores
 * a stranger.  The system bus is $DBUS_SYSTEM_BUS_ADDRESS.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

static int sip_signal_usage(void)
{
	fprintf(stderr, "usage: sip-signal [--no-name] METHOD DESTINATION "
		"WAITED_MS\n");
	return 2;
}

int main(int argc, char **argv)
{
	sd_bus *bus = NULL;
	bool own = true;
	unsigned long waited;
	char *end;
	int r;

	if (argc > 1 && strcmp(argv[1], "--no-name") == 0) {
		own = false;
		argv++;
		argc--;
	}

	if (argc != 4)
		return sip_signal_usage();

	errno = 0;
	waited = strtoul(argv[3], &end, 10);
	if (errno || *end || waited > UINT32_MAX)
		return sip_signal_usage();

	r = sd_bus_open_system(&bus);
	if (r >= 0 && own)
		r = sd_bus_request_name(bus, "org.deskphone.Sip", 0);
	if (r >= 0)
		r = sd_bus_emit_signal(bus, "/org/deskphone/Sip",
				       "org.deskphone.Sip1", "ResponseTimeout",
				       "ssu", argv[1], argv[2],
				       (uint32_t)waited);
	if (r >= 0)
		r = sd_bus_flush(bus);
	if (r < 0) {
		fprintf(stderr, "sip-signal: %s\n", strerror(-r));
		sd_bus_flush_close_unref(bus);
		return 1;
	}

	sd_bus_flush_close_unref(bus);
	return 0;
}
