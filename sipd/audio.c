/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sipd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/*
 * Client of org.deskphone.Audio1.  Every call is asynchronous with a
 * short timeout: a missing or stuck audiod must never stall SIP, so a
 * failure is logged and the call goes on without audio.
 *
 * Once a call has asked for a stream, sipd keeps one more opened in
 * advance (the spare): the next call takes it and answers at once
 * instead of waiting for audiod, which may be busy opening or closing
 * its sound devices for the previous call.  No audio flows on it
 * before StartStream.  The spare is forgotten when audiod goes away or
 * is replaced, and closed when sipd stops.
 */

#define SIPD_AUDIO_NAME "org.deskphone.Audio"
#define SIPD_AUDIO_PATH "/org/deskphone/Audio"
#define SIPD_AUDIO_INTERFACE "org.deskphone.Audio1"
#define SIPD_AUDIO_TIMEOUT_USEC (2 * 1000 * 1000ULL)

struct sipd_audio_open_req {
	struct sipd *d;
	unsigned int gen;		/* the call's; 0: the spare */
	unsigned int epoch;		/* see sipd_audio_forget */
};

static int sipd_audio_done_cb(sd_bus_message *m, void *userdata,
			      sd_bus_error *ret_error)
{
	const char *member = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);

	if (e)
		log_warning("audiod %s failed: %s, ignoring", member,
			    e->message ? e->message : e->name);

	return 0;
}

static int sipd_audio_send(struct sipd *d, const char *member,
			   sd_bus_message_handler_t cb, void *userdata,
			   sd_bus_destroy_t destroy, const char *types, ...)
{
	sd_bus_message *m = NULL;
	sd_bus_slot *slot = NULL;
	va_list ap;
	int r;

	r = sd_bus_message_new_method_call(d->bus, &m, SIPD_AUDIO_NAME,
					   SIPD_AUDIO_PATH,
					   SIPD_AUDIO_INTERFACE, member);
	if (r < 0)
		goto out;

	va_start(ap, types);
	r = types ? sd_bus_message_appendv(m, types, ap) : 0;
	va_end(ap);
	if (r < 0)
		goto out;

	r = sd_bus_call_async(d->bus, &slot, m, cb, userdata,
			      SIPD_AUDIO_TIMEOUT_USEC);
	if (r < 0)
		goto out;

	/* the slot frees @userdata with the reply, or with the bus */
	if (destroy)
		sd_bus_slot_set_destroy_callback(slot, destroy);

	sd_bus_slot_set_floating(slot, 1);
	sd_bus_slot_unref(slot);
	sipd_loop_rearm(d);

out:
	sd_bus_message_unref(m);
	if (r < 0)
		log_warning("Failed to call audiod %s: %s, ignoring", member,
			    strerror(-r));

	return r < 0 ? r : 0;
}

void sipd_audio_ring(struct sipd *d, bool on)
{
	const char *member = on ? "StartRing" : "StopRing";

	sipd_audio_send(d, member, sipd_audio_done_cb, (void *)member, NULL,
			NULL);
}

/* The spare stream arrived (or not). */
static void sipd_audio_spare_ready(struct sipd *d,
				   const struct sipd_audio_open_req *req,
				   int err, uint32_t id, uint16_t port)
{
	struct sipd_audio_spare *s = &d->spare;

	if (req->epoch != s->epoch || !s->pending || d->stopping) {
		/* forgotten meanwhile: give the socket back */
		if (err == 0)
			sipd_audio_close(d, id);
		return;
	}

	s->pending = false;
	if (err < 0)
		return;		/* the next call asks for its own */

	s->ready = true;
	s->id = id;
	s->port = port;
	log_debug("audiod spare stream %u on port %u", id, port);
}

static void sipd_audio_opened(const struct sipd_audio_open_req *req, int err,
			      uint32_t id, uint16_t port)
{
	if (req->gen)
		sipd_audio_stream_ready(req->d, req->gen, err, id, port);
	else
		sipd_audio_spare_ready(req->d, req, err, id, port);
}

static int sipd_audio_open_cb(sd_bus_message *m, void *userdata,
			      sd_bus_error *ret_error)
{
	struct sipd_audio_open_req *req = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	uint32_t id = 0;
	uint16_t port = 0;
	int r;

	if (e) {
		log_warning("audiod OpenStream failed: %s, call goes on "
			    "without audio", e->message ? e->message : e->name);
		sipd_audio_opened(req, -EIO, 0, 0);
		return 0;
	}

	r = sd_bus_message_read(m, "uq", &id, &port);
	if (r < 0 || port == 0) {
		log_warning("audiod OpenStream gave a bad reply, call goes "
			    "on without audio");
		sipd_audio_opened(req, -EBADMSG, 0, 0);
		return 0;
	}

	sipd_audio_opened(req, 0, id, port);
	return 0;
}

/* OpenStream for the call @gen, or for the spare when @gen is 0. */
int sipd_audio_open(struct sipd *d, unsigned int gen)
{
	struct sipd_audio_open_req *req;
	int r;

	req = calloc(1, sizeof(*req));
	if (!req)
		return -ENOMEM;

	req->d = d;
	req->gen = gen;
	req->epoch = d->spare.epoch;

	r = sipd_audio_send(d, "OpenStream", sipd_audio_open_cb, req, free,
			    "s", d->local_addr);
	if (r < 0)
		free(req);

	return r;
}

/* audiod went away or was replaced: its streams went with it. */
static void sipd_audio_forget(struct sipd *d)
{
	if (d->spare.ready || d->spare.pending)
		log_debug("audiod changed, forgetting the spare stream");

	d->spare.ready = false;
	d->spare.pending = false;
	d->spare.epoch++;
}

static int sipd_audio_owner_cb(sd_bus_message *m, void *userdata,
			       sd_bus_error *ret_error)
{
	sipd_audio_forget(userdata);
	return 0;
}

static void sipd_audio_watch(struct sipd *d)
{
	char match[200];
	int r;

	if (d->spare.watched || !d->bus)
		return;

	snprintf(match, sizeof(match),
		 "type='signal',sender='org.freedesktop.DBus',"
		 "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
		 "arg0='%s'", SIPD_AUDIO_NAME);
	/* asynchronous: no round trip to the bus daemon inside a call */
	r = sd_bus_add_match_async(d->bus, NULL, match, sipd_audio_owner_cb,
				   NULL, d);
	if (r < 0) {
		log_warning("Cannot watch audiod's name: %s, no spare "
			    "stream", strerror(-r));
		return;
	}

	d->spare.watched = true;
}

/* Asks audiod for the spare stream unless there is one. */
void sipd_audio_refill(struct sipd *d)
{
	struct sipd_audio_spare *s = &d->spare;

	if (s->ready || s->pending || d->stopping)
		return;

	sipd_audio_watch(d);
	if (!s->watched)
		return;

	snprintf(s->address, sizeof(s->address), "%s", d->local_addr);
	if (sipd_audio_open(d, 0) == 0)
		s->pending = true;
}

/* The spare stream for a call, if there is one for our address. */
int sipd_audio_take(struct sipd *d, uint32_t *id, uint16_t *port)
{
	struct sipd_audio_spare *s = &d->spare;

	if (!s->ready)
		return -ENOENT;

	s->ready = false;
	if (strcmp(s->address, d->local_addr) != 0) {
		sipd_audio_close(d, s->id);
		return -ENOENT;
	}

	*id = s->id;
	*port = s->port;
	return 0;
}

/* sipd stops: give the spare back. */
void sipd_audio_drop_spare(struct sipd *d)
{
	if (d->spare.ready)
		sipd_audio_close(d, d->spare.id);

	sipd_audio_forget(d);
}

void sipd_audio_start(struct sipd *d, const struct sipd_call *c)
{
	sipd_audio_send(d, "StartStream", sipd_audio_done_cb,
			(void *)"StartStream", NULL, "usqy", c->stream_id,
			c->remote_media.address, c->remote_media.port,
			(uint8_t)c->pt);
}

void sipd_audio_close(struct sipd *d, uint32_t id)
{
	sipd_audio_send(d, "CloseStream", sipd_audio_done_cb,
			(void *)"CloseStream", NULL, "u", id);
}
