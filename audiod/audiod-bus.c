/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.deskphone.Audio1: see docs/DESIGN.md for the contract. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audiod.h"
#include "bus.h"
#include "log.h"
#include "stream.h"

static struct stream **audiod_bus_find(struct audiod *d, uint32_t id)
{
	size_t i;

	for (i = 0; i < AUDIOD_MAX_STREAMS; i++)
		if (d->streams[i] && d->streams[i]->id == id)
			return &d->streams[i];

	return NULL;
}

static int audiod_bus_start_ring(sd_bus_message *m, void *userdata,
				 sd_bus_error *error)
{
	struct audiod *d = userdata;
	int r;

	r = engine_start_ring(d);
	if (r == -EBUSY)
		return sd_bus_error_set(error, BUS_ERROR_BUSY,
					"A stream is running");
	if (r < 0)
		return bus_error_set_errno(error, r, "Cannot ring");

	return sd_bus_reply_method_return(m, NULL);
}

static int audiod_bus_stop_ring(sd_bus_message *m, void *userdata,
				sd_bus_error *error)
{
	engine_stop_ring(userdata);
	return sd_bus_reply_method_return(m, NULL);
}

static int audiod_bus_port_range(struct audiod *d, unsigned int *min,
				 unsigned int *max, sd_bus_error *error)
{
	*min = (unsigned int)strtoul(param_store_get(d->params,
						     "RTP_Port_Min"), NULL, 10);
	*max = (unsigned int)strtoul(param_store_get(d->params,
						     "RTP_Port_Max"), NULL, 10);

	if (*min > *max)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_VALUE,
					 "RTP_Port_Min %u is above "
					 "RTP_Port_Max %u", *min, *max);

	return 0;
}

static struct stream **audiod_bus_free_slot(struct audiod *d)
{
	size_t i;

	for (i = 0; i < AUDIOD_MAX_STREAMS; i++)
		if (!d->streams[i])
			return &d->streams[i];

	return NULL;
}

static int audiod_bus_open_stream(sd_bus_message *m, void *userdata,
				  sd_bus_error *error)
{
	struct audiod *d = userdata;
	unsigned int min, max;
	struct stream **slot;
	const char *local;
	int r;

	r = sd_bus_message_read(m, "s", &local);
	if (r < 0)
		return r;

	r = audiod_bus_port_range(d, &min, &max, error);
	if (r < 0)
		return r;

	slot = audiod_bus_free_slot(d);
	if (!slot)
		return sd_bus_error_setf(error, BUS_ERROR_BUSY,
					 "Already %d streams open",
					 AUDIOD_MAX_STREAMS);

	r = stream_open(d, local, min, max, slot);
	if (r == -EINVAL)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGS,
					 "Not a numeric IP address: '%s'",
					 local);
	if (r == -EADDRINUSE)
		return sd_bus_error_setf(error, BUS_ERROR_BUSY,
					 "No free even port in %u..%u", min,
					 max);
	if (r < 0)
		return bus_error_set_errno(error, r, "Cannot bind on %s",
					   local);

	/* Never 0, so a caller can use 0 as "no stream". */
	if (++d->last_id == 0)
		d->last_id = 1;
	(*slot)->id = d->last_id;
	log_info("Stream %u open on %s port %u", (*slot)->id,
		 *local ? local : "0.0.0.0", (*slot)->port);

	return sd_bus_reply_method_return(m, "uq", (*slot)->id,
					  (*slot)->port);
}

static int audiod_bus_start_stream(sd_bus_message *m, void *userdata,
				   sd_bus_error *error)
{
	struct audiod *d = userdata;
	const char *remote;
	struct stream **s;
	uint16_t port;
	uint32_t id;
	uint8_t pt;
	int r;

	r = sd_bus_message_read(m, "usqy", &id, &remote, &port, &pt);
	if (r < 0)
		return r;

	s = audiod_bus_find(d, id);
	if (!s)
		return sd_bus_error_setf(error, BUS_ERROR_NOT_FOUND,
					 "No stream %u", id);

	if (d->active && d->active != *s)
		return sd_bus_error_setf(error, BUS_ERROR_BUSY,
					 "Stream %u is running", d->active->id);

	if (pt != RTP_PT_PCMU && pt != RTP_PT_PCMA)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGS,
					 "Payload type %u is neither 0 (PCMU) "
					 "nor 8 (PCMA)", pt);

	if (port == 0)
		return sd_bus_error_set(error, BUS_ERROR_INVALID_ARGS,
					"Remote port 0");

	r = stream_start(*s, remote, port, pt);
	if (r < 0)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGS,
					 "Remote '%s' is not a numeric IP "
					 "address of the local one's family",
					 remote);

	if (d->active != *s) {
		d->packets_sent = 0;
		d->packets_received = 0;
	}

	log_notice("Stream %u to %s port %u, %s", id, remote, port,
		   pt == 0 ? "PCMU" : "PCMA");
	d->active = *s;
	d->ringing = false;
	engine_update(d);

	return sd_bus_reply_method_return(m, NULL);
}

static int audiod_bus_close_stream(sd_bus_message *m, void *userdata,
				   sd_bus_error *error)
{
	struct audiod *d = userdata;
	struct stream **s;
	uint32_t id;
	int r;

	r = sd_bus_message_read(m, "u", &id);
	if (r < 0)
		return r;

	s = audiod_bus_find(d, id);
	if (!s)
		return sd_bus_error_setf(error, BUS_ERROR_NOT_FOUND,
					 "No stream %u", id);

	log_info("Stream %u closed: %llu packets sent, %llu received, "
		 "%llu rejected", id, (unsigned long long)(*s)->sent,
		 (unsigned long long)(*s)->received,
		 (unsigned long long)(*s)->rejected);

	if (d->active == *s)
		d->active = NULL;
	stream_free(*s);
	*s = NULL;
	engine_update(d);

	return sd_bus_reply_method_return(m, NULL);
}

static int audiod_bus_get(sd_bus *bus, const char *path,
			  const char *interface, const char *property,
			  sd_bus_message *reply, void *userdata,
			  sd_bus_error *error)
{
	struct audiod *d = userdata;

	if (strcmp(property, "State") == 0)
		return sd_bus_message_append(reply, "s",
					     engine_state_name(d->state));
	if (strcmp(property, "PacketsSent") == 0)
		return sd_bus_message_append(reply, "t", d->packets_sent);
	if (strcmp(property, "PacketsReceived") == 0)
		return sd_bus_message_append(reply, "t", d->packets_received);
	if (strcmp(property, "PlaybackOk") == 0)
		return sd_bus_message_append(reply, "b", d->playback_ok);
	if (strcmp(property, "CaptureOk") == 0)
		return sd_bus_message_append(reply, "b", d->capture_ok);

	return -ENOENT;
}

/*
 * UNPRIVILEGED for sd-bus: who may call is the bus policy's decision
 * (dbus/org.deskphone.conf), as for every other daemon.
 */
static const sd_bus_vtable audiod_bus_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("StartRing", "", "", audiod_bus_start_ring,
		      SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("StopRing", "", "", audiod_bus_stop_ring,
		      SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_NAMES("OpenStream",
				 "s", SD_BUS_PARAM(local_address),
				 "uq", SD_BUS_PARAM(id) SD_BUS_PARAM(port),
				 audiod_bus_open_stream,
				 SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_NAMES("StartStream",
				 "usqy", SD_BUS_PARAM(id)
				 SD_BUS_PARAM(remote_address)
				 SD_BUS_PARAM(remote_port)
				 SD_BUS_PARAM(payload_type),
				 "", "", audiod_bus_start_stream,
				 SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_NAMES("CloseStream", "u", SD_BUS_PARAM(id),
				 "", "", audiod_bus_close_stream,
				 SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_PROPERTY("State", "s", audiod_bus_get, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	/* Counters change 50 times a second: read them, no signals. */
	SD_BUS_PROPERTY("PacketsSent", "t", audiod_bus_get, 0, 0),
	SD_BUS_PROPERTY("PacketsReceived", "t", audiod_bus_get, 0, 0),
	SD_BUS_PROPERTY("PlaybackOk", "b", audiod_bus_get, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("CaptureOk", "b", audiod_bus_get, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_VTABLE_END
};

/*
 * sipd is the one client that opens streams in production.  When its
 * name loses or changes owner (a crash, a restart), whatever it left
 * open is orphaned: close it all, or the next call would find the old
 * stream still running and be refused.  Streams opened by anyone else
 * (busctl in the tests) are not tied to a connection.
 */
static int audiod_bus_on_sipd(sd_bus_message *m, void *userdata,
			      sd_bus_error *error)
{
	const char *name, *old_owner, *new_owner;
	struct audiod *d = userdata;
	unsigned int n = 0;
	size_t i;

	if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 ||
	    strcmp(name, AUDIOD_SIPD_NAME) != 0 || !*old_owner)
		return 0;

	for (i = 0; i < AUDIOD_MAX_STREAMS; i++) {
		if (!d->streams[i])
			continue;
		stream_free(d->streams[i]);
		d->streams[i] = NULL;
		n++;
	}

	if (n || d->ringing)
		log_notice("%s left the bus: closed %u stream(s)%s",
			   AUDIOD_SIPD_NAME, n,
			   d->ringing ? ", ring stopped" : "");

	d->active = NULL;
	d->ringing = false;
	engine_update(d);
	return 0;
}

int audiod_bus_add(struct audiod *d)
{
	int r;

	r = sd_bus_add_object_vtable(d->bus, NULL, AUDIOD_BUS_PATH,
				     AUDIOD_BUS_INTERFACE, audiod_bus_vtable,
				     d);
	if (r < 0)
		return r;

	return sd_bus_add_match(d->bus, NULL,
				"type='signal',"
				"sender='org.freedesktop.DBus',"
				"path='/org/freedesktop/DBus',"
				"interface='org.freedesktop.DBus',"
				"member='NameOwnerChanged',"
				"arg0='" AUDIOD_SIPD_NAME "'",
				audiod_bus_on_sipd, d);
}

void audiod_bus_emit(struct audiod *d, const char *property)
{
	int r;

	if (!d->bus)
		return;

	r = sd_bus_emit_properties_changed(d->bus, AUDIOD_BUS_PATH,
					   AUDIOD_BUS_INTERFACE, property,
					   NULL);
	if (r < 0)
		log_debug("Cannot signal %s change: %s", property,
			  strerror(-r));
}
