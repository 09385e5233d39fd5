/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sipd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/su_time.h>

#include "log.h"

/*
 * "DHCP Timeout on Renewal", sipd's half: every request sipd sends is
 * noted with its handle; when no response (provisional or final) came
 * within netd's DHCP_Timeout_On_Renewal seconds, ResponseTimeout is
 * emitted once for that transaction and netd renews its lease.  The
 * threshold is netd's parameter: read with Get when sipd starts and
 * whenever netd (re)appears, then followed through its Changed signal.
 */

#define SIPD_NET_NAME "org.deskphone.Net"
#define SIPD_NET_PATH "/org/deskphone/Net"
#define SIPD_PARAMS_IFACE "org.deskphone.Parameters1"
#define SIPD_TIMEOUT_PARAM "DHCP_Timeout_On_Renewal"

static void sipd_timeout_clear(struct sipd_pending *p)
{
	su_timer_reset(p->timer);
	p->nh = NULL;
	p->method[0] = '\0';
}

static void sipd_timeout_cb(struct sipd *d, su_timer_t *t, void *arg)
{
	struct sipd_pending *p = arg;
	unsigned int waited = (unsigned int)su_duration(su_now(), p->sent);
	int r;

	log_notice("No response to %s sent to %s within %u ms", p->method,
		   p->dest, waited);

	r = d->bus ? sd_bus_emit_signal(d->bus, SIPD_OBJECT_PATH,
					SIPD_INTERFACE, "ResponseTimeout",
					"ssu", p->method, p->dest, waited) :
		     -ENOTCONN;
	if (r < 0)
		log_warning("Failed to emit ResponseTimeout: %s, ignoring",
			    strerror(-r));

	/* once per transaction: the entry stays until the response */
	p->fired = true;
	sipd_loop_rearm(d);
}

/* A request went out on @nh: a new transaction for that method. */
void sipd_timeout_sent(struct sipd *d, nua_handle_t *nh, const char *method,
		       const char *dest)
{
	struct sipd_timeouts *to = &d->timeouts;
	struct sipd_pending *p, *free_slot = NULL, *slot = NULL;
	size_t i;

	for (i = 0; i < SIPD_PENDING_MAX; i++) {
		p = &to->pending[i];
		if (p->nh == nh && !strcmp(p->method, method))
			slot = p;
		else if ((!p->nh || p->fired) && !free_slot)
			free_slot = p;
	}

	if (!slot)
		slot = free_slot;
	if (!slot || !to->threshold_s)
		return;

	sipd_timeout_clear(slot);
	slot->nh = nh;
	slot->fired = false;
	slot->sent = su_now();
	snprintf(slot->method, sizeof(slot->method), "%s", method);
	snprintf(slot->dest, sizeof(slot->dest), "%s", dest ? dest : "");
	su_timer_set_interval(slot->timer, sipd_timeout_cb, slot,
			      to->threshold_s * 1000);
}

/* A response (any status) came for @method on @nh. */
void sipd_timeout_answered(struct sipd *d, nua_handle_t *nh,
			   const char *method)
{
	struct sipd_pending *p;
	size_t i;

	for (i = 0; i < SIPD_PENDING_MAX; i++) {
		p = &d->timeouts.pending[i];
		if (p->nh == nh && !strcmp(p->method, method))
			sipd_timeout_clear(p);
	}
}

/* @nh is about to be destroyed: its address may be reused. */
void sipd_timeout_forget(struct sipd *d, nua_handle_t *nh)
{
	size_t i;

	for (i = 0; i < SIPD_PENDING_MAX; i++)
		if (d->timeouts.pending[i].nh == nh)
			sipd_timeout_clear(&d->timeouts.pending[i]);
}

static void sipd_timeout_set_threshold(struct sipd *d, const char *value)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno || !*value || *end || v > 86400) {
		log_warning("netd's %s is '%s', not seconds; ignoring",
			    SIPD_TIMEOUT_PARAM, value);
		return;
	}

	if (d->timeouts.threshold_s != v)
		log_info("Response timeout for netd: %lu s%s", v,
			 v ? "" : " (off)");
	d->timeouts.threshold_s = (unsigned int)v;
}

static int sipd_timeout_get_reply(sd_bus_message *m, void *userdata,
				  sd_bus_error *ret_error)
{
	struct sipd *d = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	const char *v;

	d->timeouts.get_slot = sd_bus_slot_unref(d->timeouts.get_slot);
	if (e) {
		log_debug("Get %s from netd failed: %s", SIPD_TIMEOUT_PARAM,
			  e->message ? e->message : e->name);
		return 0;
	}

	if (sd_bus_message_read(m, "s", &v) >= 0)
		sipd_timeout_set_threshold(d, v);

	return 0;
}

static void sipd_timeout_query(struct sipd *d)
{
	int r;

	d->timeouts.get_slot = sd_bus_slot_unref(d->timeouts.get_slot);
	r = sd_bus_call_method_async(d->bus, &d->timeouts.get_slot,
				     SIPD_NET_NAME, SIPD_NET_PATH,
				     SIPD_PARAMS_IFACE, "Get",
				     sipd_timeout_get_reply, d, "s",
				     SIPD_TIMEOUT_PARAM);
	if (r < 0)
		log_warning("Cannot ask netd for %s: %s", SIPD_TIMEOUT_PARAM,
			    strerror(-r));
	sipd_loop_rearm(d);
}

/* Parameters1.Changed(a{ss}) from netd. */
static int sipd_timeout_changed(sd_bus_message *m, void *userdata,
				sd_bus_error *ret_error)
{
	struct sipd *d = userdata;
	const char *name, *value;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{ss}");
	while (r > 0) {
		r = sd_bus_message_read(m, "{ss}", &name, &value);
		if (r > 0 && !strcmp(name, SIPD_TIMEOUT_PARAM))
			sipd_timeout_set_threshold(d, value);
	}

	if (r < 0)
		log_info("Malformed Changed signal from netd: %s",
			 strerror(-r));
	return 0;
}

static int sipd_timeout_owner(sd_bus_message *m, void *userdata,
			      sd_bus_error *ret_error)
{
	struct sipd *d = userdata;
	const char *name, *old_owner, *new_owner;

	if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
		return 0;

	/* a new netd may have other settings; without netd keep the last */
	if (*new_owner)
		sipd_timeout_query(d);
	return 0;
}

int sipd_timeout_init(struct sipd *d)
{
	size_t i;

	for (i = 0; i < SIPD_PENDING_MAX; i++) {
		d->timeouts.pending[i].timer =
			su_timer_create(su_root_task(d->root), 0);
		if (!d->timeouts.pending[i].timer)
			return -ENOMEM;
	}

	return 0;
}

/* After the bus is up: follow netd's parameter. */
int sipd_timeout_watch(struct sipd *d)
{
	int r;

	r = sd_bus_match_signal(d->bus, NULL, SIPD_NET_NAME, SIPD_NET_PATH,
				SIPD_PARAMS_IFACE, "Changed",
				sipd_timeout_changed, d);
	if (r >= 0)
		r = sd_bus_add_match(d->bus, NULL,
				     "type='signal',"
				     "sender='org.freedesktop.DBus',"
				     "interface='org.freedesktop.DBus',"
				     "member='NameOwnerChanged',"
				     "arg0='" SIPD_NET_NAME "'",
				     sipd_timeout_owner, d);
	if (r < 0) {
		log_warning("Cannot follow netd's %s: %s", SIPD_TIMEOUT_PARAM,
			    strerror(-r));
		return r;
	}

	sipd_timeout_query(d);
	return 0;
}

void sipd_timeout_done(struct sipd *d)
{
	size_t i;

	d->timeouts.get_slot = sd_bus_slot_unref(d->timeouts.get_slot);
	for (i = 0; i < SIPD_PENDING_MAX; i++) {
		su_timer_destroy(d->timeouts.pending[i].timer);
		d->timeouts.pending[i].timer = NULL;
	}
}
