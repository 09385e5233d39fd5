/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A stand-in for audiod in the sipd tests.  It owns org.deskphone.Audio,
 * answers the Audio1 methods and writes one line per call to stdout, so
 * a test can check what sipd asked for:
 *   OpenStream 127.0.0.1 -> 1 40000
 *   StartStream 1 127.0.0.1 6000 0
 * --fail-open makes OpenStream fail; --port sets the first port.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

static uint32_t fake_next_id = 1;
static unsigned int fake_next_port = 40000;
static int fake_fail_open;

static int fake_simple(sd_bus_message *m, void *userdata,
		       sd_bus_error *error)
{
	printf("%s\n", sd_bus_message_get_member(m));
	fflush(stdout);
	return sd_bus_reply_method_return(m, NULL);
}

static int fake_open(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const char *addr;
	int r;

	r = sd_bus_message_read(m, "s", &addr);
	if (r < 0)
		return r;

	if (fake_fail_open) {
		printf("OpenStream %s -> failed\n", addr);
		fflush(stdout);
		return sd_bus_error_set(error, "org.deskphone.Error.Failed",
					"fake failure");
	}

	printf("OpenStream %s -> %u %u\n", addr, fake_next_id,
	       fake_next_port);
	fflush(stdout);
	r = sd_bus_reply_method_return(m, "uq", fake_next_id,
				       (uint16_t)fake_next_port);
	fake_next_id++;
	fake_next_port += 2;
	return r;
}

static int fake_start(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const char *addr;
	uint32_t id;
	uint16_t port;
	uint8_t pt;
	int r;

	r = sd_bus_message_read(m, "usqy", &id, &addr, &port, &pt);
	if (r < 0)
		return r;

	printf("StartStream %u %s %u %u\n", id, addr, port, pt);
	fflush(stdout);
	return sd_bus_reply_method_return(m, NULL);
}

static int fake_close(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	uint32_t id;
	int r;

	r = sd_bus_message_read(m, "u", &id);
	if (r < 0)
		return r;

	printf("CloseStream %u\n", id);
	fflush(stdout);
	return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable fake_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("StartRing", "", "", fake_simple, 0),
	SD_BUS_METHOD("StopRing", "", "", fake_simple, 0),
	SD_BUS_METHOD("OpenStream", "s", "uq", fake_open, 0),
	SD_BUS_METHOD("StartStream", "usqy", "", fake_start, 0),
	SD_BUS_METHOD("CloseStream", "u", "", fake_close, 0),
	SD_BUS_VTABLE_END
};

int main(int argc, char **argv)
{
	sd_event *ev = NULL;
	sd_bus *bus = NULL;
	int i, r;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--fail-open"))
			fake_fail_open = 1;
		else if (!strcmp(argv[i], "--port") && i + 1 < argc)
			fake_next_port = (unsigned int)atoi(argv[++i]);
	}

	r = sd_event_default(&ev);
	if (r >= 0)
		r = sd_bus_open_system(&bus);
	if (r >= 0)
		r = sd_bus_add_object_vtable(bus, NULL, "/org/deskphone/Audio",
					     "org.deskphone.Audio1",
					     fake_vtable, NULL);
	if (r >= 0)
		r = sd_bus_request_name(bus, "org.deskphone.Audio", 0);
	if (r >= 0)
		r = sd_bus_attach_event(bus, ev, 0);
	if (r >= 0)
		r = sd_event_set_signal_exit(ev, 1);
	if (r < 0) {
		fprintf(stderr, "fake-audiod: %s\n", strerror(-r));
		return 1;
	}

	r = sd_event_loop(ev);
	sd_bus_flush_close_unref(bus);
	sd_event_unref(ev);
	return r < 0 ? 1 : 0;
}
