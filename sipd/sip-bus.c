/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sipd.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "bus.h"
#include "log.h"

/* org.deskphone.Sip1: registration and call state, call control. */

const char *sipd_reg_state_name(enum sipd_reg_state state)
{
	static const char *const names[] = {
		[SIPD_REG_DISABLED] = "disabled",
		[SIPD_REG_REGISTERING] = "registering",
		[SIPD_REG_REGISTERED] = "registered",
		[SIPD_REG_FAILED] = "failed",
		[SIPD_REG_UNREGISTERED] = "unregistered",
	};

	return names[state];
}

const char *sipd_call_state_name(enum sipd_call_state state)
{
	static const char *const names[] = {
		[SIPD_CALL_IDLE] = "idle",
		[SIPD_CALL_RINGING] = "ringing",
		[SIPD_CALL_DIALING] = "dialing",
		[SIPD_CALL_ACTIVE] = "active",
		[SIPD_CALL_ENDING] = "ending",
	};

	return names[state];
}

/* What the call properties say now: those of the foreground call. */
static void sipd_bus_current(struct sipd *d, struct sipd_bus_shown *v)
{
	const struct sipd_call *c = sipd_call_foreground(d);

	memset(v, 0, sizeof(*v));
	v->state = SIPD_CALL_IDLE;
	if (!c)
		return;

	v->state = c->state;
	v->incoming = c->incoming;
	snprintf(v->remote, sizeof(v->remote), "%s", c->remote);
	snprintf(v->codec, sizeof(v->codec), "%s", c->codec);
}

static const char *sipd_bus_direction(const struct sipd_bus_shown *v)
{
	if (v->state == SIPD_CALL_IDLE)
		return "";

	return v->incoming ? "incoming" : "outgoing";
}

static int sipd_bus_get_string(sd_bus *bus, const char *path,
			       const char *interface, const char *property,
			       sd_bus_message *reply, void *userdata,
			       sd_bus_error *error)
{
	struct sipd *d = userdata;
	const struct sipd_call *c = sipd_call_foreground(d);
	const char *v = "";

	if (!strcmp(property, "RegistrationState"))
		v = sipd_reg_state_name(d->reg.state);
	else if (!strcmp(property, "RegistrationReason"))
		v = d->reg.reason;
	else if (!strcmp(property, "CallState"))
		v = sipd_call_state_name(c ? c->state : SIPD_CALL_IDLE);
	else if (!strcmp(property, "CallRemote"))
		v = c ? c->remote : "";
	else if (!strcmp(property, "CallDirection"))
		v = !c ? "" : c->incoming ? "incoming" : "outgoing";
	else if (!strcmp(property, "CallCodec"))
		v = c ? c->codec : "";

	return sd_bus_message_append(reply, "s", v);
}

/* The calls on the line, oldest first: (remote, state, direction, codec). */
static int sipd_bus_get_calls(sd_bus *bus, const char *path,
			      const char *interface, const char *property,
			      sd_bus_message *reply, void *userdata,
			      sd_bus_error *error)
{
	struct sipd *d = userdata;
	const struct sipd_call *c;
	unsigned int last = 0;
	size_t i, n;
	int r;

	r = sd_bus_message_open_container(reply, 'a', "(ssss)");
	for (n = 0; r >= 0 && n < SIPD_CALLS_MAX; n++) {
		/* the next older than none yet listed: at most 10 calls */
		c = NULL;
		for (i = 0; i < SIPD_CALLS_MAX; i++)
			if (d->calls[i].nh && d->calls[i].gen > last &&
			    (!c || d->calls[i].gen < c->gen))
				c = &d->calls[i];
		if (!c)
			break;

		last = c->gen;
		r = sd_bus_message_append(reply, "(ssss)", c->remote,
					  sipd_call_state_name(c->state),
					  c->incoming ? "incoming" : "outgoing",
					  c->codec);
	}

	if (r < 0)
		return r;

	return sd_bus_message_close_container(reply);
}

static int sipd_bus_get_expires(sd_bus *bus, const char *path,
				const char *interface, const char *property,
				sd_bus_message *reply, void *userdata,
				sd_bus_error *error)
{
	struct sipd *d = userdata;

	return sd_bus_message_append(reply, "u", d->reg.expires);
}

static int sipd_bus_reply(sd_bus_message *m, sd_bus_error *error, int r,
			  const char *what)
{
	if (r == -EBUSY)
		return bus_error_set_errno(error, r, "A call is already up");
	if (r == -EEXIST)
		return bus_error_set_errno(error, r, "Another call is active: "
					   "hang it up first (no hold)");
	if (r == -ENOENT)
		return bus_error_set_errno(error, r, "No call to %s", what);
	if (r == -EINVAL)
		return bus_error_set_errno(error, r, "Invalid SIP URI");
	if (r < 0)
		return bus_error_set_errno(error, r, "Cannot %s: %s", what,
					   strerror(-r));

	return sd_bus_reply_method_return(m, NULL);
}

static int sipd_bus_dial(sd_bus_message *m, void *userdata,
			 sd_bus_error *error)
{
	struct sipd *d = userdata;
	const char *uri;
	int r;

	r = sd_bus_message_read(m, "s", &uri);
	if (r < 0)
		return r;

	return sipd_bus_reply(m, error, sipd_call_dial(d, uri), "dial");
}

static int sipd_bus_answer(sd_bus_message *m, void *userdata,
			   sd_bus_error *error)
{
	struct sipd *d = userdata;

	return sipd_bus_reply(m, error, sipd_call_answer(d), "answer");
}

static int sipd_bus_hangup(sd_bus_message *m, void *userdata,
			   sd_bus_error *error)
{
	struct sipd *d = userdata;

	return sipd_bus_reply(m, error, sipd_call_hangup(d), "hang up");
}

#define SIPD_PROP_S(name) \
	SD_BUS_PROPERTY(name, "s", sipd_bus_get_string, 0, \
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

static const sd_bus_vtable sipd_bus_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SIPD_PROP_S("RegistrationState"),
	SIPD_PROP_S("RegistrationReason"),
	SD_BUS_PROPERTY("RegistrationExpires", "u", sipd_bus_get_expires, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SIPD_PROP_S("CallState"),
	SIPD_PROP_S("CallRemote"),
	SIPD_PROP_S("CallDirection"),
	SIPD_PROP_S("CallCodec"),
	SD_BUS_PROPERTY("Calls", "a(ssss)", sipd_bus_get_calls, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	/* who may call is the bus policy's decision, as in common/bus.c */
	SD_BUS_METHOD("Dial", "s", "", sipd_bus_dial,
		      SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("Answer", "", "", sipd_bus_answer,
		      SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("Hangup", "", "", sipd_bus_hangup,
		      SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL("CallEnded", "s", 0),
	/* (method, destination, waited_ms): netd's DHCP timeout on renewal */
	SD_BUS_SIGNAL("ResponseTimeout", "ssu", 0),
	SD_BUS_VTABLE_END
};

int sipd_bus_add(struct sipd *d)
{
	int r;

	r = sd_bus_add_object_vtable(d->bus, NULL, SIPD_OBJECT_PATH,
				     SIPD_INTERFACE, sipd_bus_vtable, d);
	if (r < 0)
		log_err("Failed to add %s: %s", SIPD_INTERFACE, strerror(-r));

	return r;
}

/* One PropertiesChanged for the NULL-terminated @names. */
static void sipd_bus_emit(struct sipd *d, const char **names)
{
	int r;

	r = sd_bus_emit_properties_changed_strv(d->bus, SIPD_OBJECT_PATH,
						SIPD_INTERFACE,
						(char **)names);
	if (r < 0)
		log_warning("Failed to emit PropertiesChanged: %s, ignoring",
			    strerror(-r));

	sipd_loop_rearm(d);
}

/* NULL-terminated list of property names that changed. */
void sipd_bus_changed(struct sipd *d, const char *property, ...)
{
	const char *names[8];
	size_t n = 0;
	va_list ap;

	va_start(ap, property);
	for (; property && n < 7; property = va_arg(ap, const char *))
		names[n++] = property;
	va_end(ap);
	names[n] = NULL;

	if (!d->bus || n == 0)
		return;

	sipd_bus_emit(d, names);
}

/*
 * The call properties changed: one PropertiesChanged for all of them,
 * from a timer that runs once the current loop step is done, however
 * many changes the step made.
 */
static void sipd_bus_flush_cb(struct sipd *d, su_timer_t *t, void *arg)
{
	sipd_bus_flush(d);
	sipd_loop_rearm(d);
}

void sipd_bus_call_changed(struct sipd *d)
{
	if (d->shown_dirty)
		return;

	d->shown_dirty = true;
	if (!d->flush_timer ||
	    su_timer_set_interval(d->flush_timer, sipd_bus_flush_cb, NULL,
				  0) < 0)
		sipd_bus_flush(d);
}

/*
 * What Calls shows, in a form cheap to compare: each appearance's call
 * (gen), state and codec; remote and direction never change in a call.
 */
static bool sipd_bus_calls_changed(struct sipd *d)
{
	unsigned int sum[SIPD_CALLS_MAX];
	const struct sipd_call *c;
	size_t i;

	for (i = 0; i < SIPD_CALLS_MAX; i++) {
		c = &d->calls[i];
		sum[i] = !c->nh ? 0 :
			 c->gen * 64u + (unsigned int)c->state * 4u +
			 (c->pt == 0 ? 1u : c->pt == 8 ? 2u : 0u);
	}

	if (!memcmp(sum, d->calls_shown, sizeof(sum)))
		return false;

	memcpy(d->calls_shown, sum, sizeof(sum));
	return true;
}

/* Emits the call properties whose values differ from those last sent. */
void sipd_bus_flush(struct sipd *d)
{
	struct sipd_bus_shown now, *was = &d->shown;
	const char *names[6];
	size_t n = 0;

	if (!d->shown_dirty)
		return;

	d->shown_dirty = false;
	sipd_bus_current(d, &now);
	if (now.state != was->state)
		names[n++] = "CallState";
	if (strcmp(now.remote, was->remote))
		names[n++] = "CallRemote";
	if (strcmp(sipd_bus_direction(&now), sipd_bus_direction(was)))
		names[n++] = "CallDirection";
	if (strcmp(now.codec, was->codec))
		names[n++] = "CallCodec";
	if (sipd_bus_calls_changed(d))
		names[n++] = "Calls";
	names[n] = NULL;

	*was = now;
	if (!d->bus || n == 0)
		return;

	sipd_bus_emit(d, names);
}

/* After the properties, so that a listener sees CallState first. */
void sipd_bus_call_ended(struct sipd *d, const char *reason)
{
	int r;

	sipd_bus_flush(d);
	if (!d->bus)
		return;

	r = sd_bus_emit_signal(d->bus, SIPD_OBJECT_PATH, SIPD_INTERFACE,
			       "CallEnded", "s", reason);
	if (r < 0)
		log_warning("Failed to emit CallEnded: %s, ignoring",
			    strerror(-r));

	sipd_loop_rearm(d);
}

/* True when PropertiesChanged message @m names @property. */
static bool sipd_bus_names_property(sd_bus_message *m, const char *property)
{
	const char *iface, *name;
	bool found = false;
	int r;

	r = sd_bus_message_read(m, "s", &iface);
	if (r < 0 || strcmp(iface, "org.deskphone.Net1") != 0)
		return false;

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	while (r > 0 && !found) {
		r = sd_bus_message_enter_container(m, 'e', "sv");
		if (r <= 0)
			break;

		r = sd_bus_message_read(m, "s", &name);
		if (r >= 0 && !strcmp(name, property))
			found = true;

		sd_bus_message_skip(m, "v");
		sd_bus_message_exit_container(m);
	}

	if (found)
		return true;

	sd_bus_message_exit_container(m);
	r = sd_bus_message_enter_container(m, 'a', "s");
	while (r > 0 && sd_bus_message_read(m, "s", &name) > 0) {
		if (!strcmp(name, property))
			return true;
	}

	return false;
}

static int sipd_bus_net_changed(sd_bus_message *m, void *userdata,
				sd_bus_error *ret_error)
{
	struct sipd *d = userdata;

	if (!sipd_bus_names_property(m, "Address"))
		return 0;

	/*
	 * sofia picked its socket addresses when the stack was made: one
	 * made while only loopback had an address cannot send anywhere
	 * else (sendto gives EINVAL).  A new address means a new stack,
	 * which registers again from it.
	 */
	log_info("The network address changed, new SIP stack");
	sipd_stack_request_restart(d);
	return 0;
}

/*
 * With --bind 0.0.0.0 the contact follows the route to the proxy, so a
 * new address from netd means a new registration.
 */
int sipd_bus_watch_net(struct sipd *d)
{
	int r;

	r = sd_bus_match_signal(d->bus, NULL, NULL, "/org/deskphone/Net",
				"org.freedesktop.DBus.Properties",
				"PropertiesChanged", sipd_bus_net_changed, d);
	if (r < 0)
		log_warning("Cannot watch netd's address: %s, ignoring",
			    strerror(-r));

	return r;
}
