/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "client.h"
#include "html.h"
#include "log.h"

/* Only the HTTP thread touches this connection. */
static sd_bus *client_connection;

int client_bus(sd_bus **bus)
{
	int r;

	/* A restarted dbus-daemon leaves a closed connection behind. */
	if (client_connection && !sd_bus_is_open(client_connection))
		client_connection = sd_bus_flush_close_unref(
			client_connection);

	if (!client_connection) {
		r = sd_bus_open_system(&client_connection);
		if (r < 0) {
			log_warning("Failed to connect to the system bus: %s",
				    strerror(-r));
			client_connection = NULL;
			return r;
		}
	}

	*bus = client_connection;
	return 0;
}

void client_bus_close(void)
{
	client_connection = sd_bus_flush_close_unref(client_connection);
}

void client_owner_init(struct client_owner *owner, const char *service,
		       const char *path, const char *label)
{
	memset(owner, 0, sizeof(*owner));
	owner->service = service;
	owner->path = path;
	owner->label = label;
}

void client_owner_clear(struct client_owner *owner)
{
	size_t i;

	for (i = 0; i < owner->n_params; i++) {
		free(owner->params[i].name);
		free(owner->params[i].type);
		free(owner->params[i].value);
		free(owner->params[i].def);
	}

	free(owner->params);
	free(owner->problem);
	client_owner_init(owner, owner->service, owner->path, owner->label);
}

/*
 * Whether a failed call means the daemon is not there (or not
 * answering): only these read "not running".  Anything else came from
 * a daemon that is running and said no.
 */
static bool client_absent(const sd_bus_error *error, int r)
{
	return sd_bus_error_has_name(error, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
	       sd_bus_error_has_name(error, SD_BUS_ERROR_NAME_HAS_NO_OWNER) ||
	       sd_bus_error_has_name(error, SD_BUS_ERROR_NO_REPLY) ||
	       sd_bus_error_has_name(error, SD_BUS_ERROR_TIMEOUT) ||
	       sd_bus_error_has_name(error, SD_BUS_ERROR_DISCONNECTED) ||
	       (!sd_bus_error_is_set(error) &&
		(r == -ETIMEDOUT || r == -ENOTCONN || r == -ECONNRESET));
}

/* What the page says about a daemon a call failed on. */
static char *client_problem(const sd_bus_error *error, int r)
{
	const char *why = error->message ? error->message : strerror(-r);
	char *s;

	if (sd_bus_error_has_name(error, SD_BUS_ERROR_NO_REPLY) ||
	    sd_bus_error_has_name(error, SD_BUS_ERROR_TIMEOUT) ||
	    r == -ETIMEDOUT)
		return strdup("not running (no reply)");

	if (client_absent(error, r))
		return strdup("not running");

	if (asprintf(&s, "failed (%s)", why) < 0)
		return NULL;

	return s;
}

/* Sends a built call and waits, at most CLIENT_TIMEOUT_USEC. */
static int client_call(sd_bus *bus, sd_bus_message *m,
		       sd_bus_message **reply, sd_bus_error *error)
{
	return sd_bus_call(bus, m, CLIENT_TIMEOUT_USEC, error, reply);
}

static int client_read_param(sd_bus_message *reply, struct client_param *p)
{
	const char *name, *type, *value, *def, *flags;
	int r;

	r = sd_bus_message_read(reply, "(sssss)", &name, &type, &value, &def,
				&flags);
	if (r <= 0)
		return r;

	p->name = strdup(name);
	p->type = strdup(type);
	p->value = strdup(value);
	p->def = strdup(def);
	p->secret = strstr(flags, "secret") != NULL;
	if (!p->name || !p->type || !p->value || !p->def)
		return -ENOMEM;

	return 1;
}

static int client_read_list(sd_bus_message *reply, struct client_owner *o)
{
	struct client_param *p;
	int r;

	r = sd_bus_message_enter_container(reply, 'a', "(sssss)");
	if (r < 0)
		return r;

	for (;;) {
		p = realloc(o->params, (o->n_params + 1) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		o->params = p;

		p = &o->params[o->n_params];
		memset(p, 0, sizeof(*p));
		r = client_read_param(reply, p);
		if (r != 0)
			o->n_params++;	/* half filled: freed later */
		if (r <= 0)
			break;
	}

	if (r < 0)
		return r;

	return sd_bus_message_exit_container(reply);
}

int client_list(sd_bus *bus, struct client_owner *owner)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL, *m = NULL;
	int r;

	client_owner_clear(owner);

	r = sd_bus_message_new_method_call(bus, &m, owner->service,
					   owner->path,
					   BUS_PARAMETERS_INTERFACE, "List");
	if (r >= 0)
		r = client_call(bus, m, &reply, &error);
	sd_bus_message_unref(m);

	if (r >= 0) {
		r = client_read_list(reply, owner);
		if (r < 0) {
			log_warning("Bad List() reply from %s: %s",
				    owner->service, strerror(-r));
			client_owner_clear(owner);
			owner->problem = strdup("bad reply");
		}
	} else {
		log_debug("List() on %s failed: %s", owner->service,
			  error.message ? error.message : strerror(-r));
		owner->problem = client_problem(&error, r);
	}

	owner->running = r >= 0;
	sd_bus_error_free(&error);
	sd_bus_message_unref(reply);
	return r;
}

const struct client_param *client_owner_find(const struct client_owner *o,
					     const char *name)
{
	size_t i;

	for (i = 0; i < o->n_params; i++)
		if (strcmp(o->params[i].name, name) == 0)
			return &o->params[i];

	return NULL;
}

static int client_set_many_message(sd_bus *bus,
				   const struct client_owner *owner,
				   const char *const *names,
				   const char *const *values, size_t n,
				   sd_bus_message **out)
{
	sd_bus_message *m = NULL;
	size_t i;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, owner->service,
					   owner->path,
					   BUS_PARAMETERS_INTERFACE,
					   "SetMany");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "{ss}");

	for (i = 0; r >= 0 && i < n; i++)
		r = sd_bus_message_append(m, "{ss}", names[i], values[i]);

	if (r >= 0)
		r = sd_bus_message_close_container(m);

	if (r < 0) {
		sd_bus_message_unref(m);
		return r;
	}

	*out = m;
	return 0;
}

int client_set_many(sd_bus *bus, const struct client_owner *owner,
		    const char *const *names, const char *const *values,
		    size_t n, char **message)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	int r;

	*message = NULL;

	r = client_set_many_message(bus, owner, names, values, n, &m);
	if (r < 0) {
		*message = strdup("could not build the request");
		return r;
	}

	r = client_call(bus, m, NULL, &error);
	sd_bus_message_unref(m);

	if (r >= 0)
		return 0;

	/*
	 * A refusal names the parameter (-EINVAL); a daemon that is gone
	 * is -EHOSTDOWN; anything else is the daemon failing to apply it
	 * (a save that failed, say: -EIO), with its own words.
	 */
	if (sd_bus_error_has_name(&error, BUS_ERROR_INVALID_VALUE) ||
	    sd_bus_error_has_name(&error, BUS_ERROR_UNKNOWN_PARAM)) {
		*message = strdup(error.message ? error.message : "refused");
		r = -EINVAL;
	} else if (client_absent(&error, r)) {
		*message = client_problem(&error, r);
		r = -EHOSTDOWN;
	} else {
		*message = strdup(error.message ? error.message :
				  strerror(-r));
		log_warning("SetMany() on %s failed: %s", owner->service,
			    error.message ? error.message : strerror(-r));
		r = -EIO;
	}

	sd_bus_error_free(&error);
	return r;
}

static int client_text_value(sd_bus_message *m, struct html_buf *b,
			     bool nested);

/* A basic value of D-Bus type @type, as text. */
static int client_text_basic(sd_bus_message *m, char type,
			     struct html_buf *b)
{
	union {
		uint8_t y;
		int16_t n;
		uint16_t q;
		int32_t i;
		uint32_t u;
		int64_t x;
		uint64_t t;
		double d;
		int b;
		const char *s;
	} v;
	int r;

	r = sd_bus_message_read_basic(m, type, &v);
	if (r <= 0)
		return r < 0 ? r : -EBADMSG;

	switch (type) {
	case 'y':
		html_printf(b, "%u", v.y);
		break;
	case 'n':
		html_printf(b, "%d", v.n);
		break;
	case 'q':
		html_printf(b, "%u", v.q);
		break;
	case 'i':
		html_printf(b, "%" PRId32, v.i);
		break;
	case 'u':
		html_printf(b, "%" PRIu32, v.u);
		break;
	case 'x':
		html_printf(b, "%" PRId64, v.x);
		break;
	case 't':
		html_printf(b, "%" PRIu64, v.t);
		break;
	case 'd':
		html_printf(b, "%g", v.d);
		break;
	case 'b':
		html_puts(b, v.b ? "yes" : "no");
		break;
	case 'h':
		html_puts(b, "(file descriptor)");
		break;
	default:
		html_puts(b, v.s);	/* s, o, g */
		break;
	}

	return 0;
}

/* Bytes (DHCP option data, say) as hex: "0a3cff". */
static int client_text_bytes(sd_bus_message *m, struct html_buf *b)
{
	const uint8_t *p;
	size_t n, i;
	int r;

	r = sd_bus_message_read_array(m, 'y', (const void **)&p, &n);
	if (r < 0)
		return r;

	for (i = 0; i < n; i++)
		html_printf(b, "%02x", p[i]);

	return 0;
}

/* The members of the container we are in, separated by @sep. */
static int client_text_members(sd_bus_message *m, struct html_buf *b,
			       const char *sep)
{
	unsigned int i = 0;
	int r;

	while ((r = sd_bus_message_at_end(m, false)) == 0) {
		if (i++)
			html_puts(b, sep);
		r = client_text_value(m, b, true);
		if (r < 0)
			return r;
	}

	return r < 0 ? r : 0;
}

/*
 * Any value, readably: numbers signed as their type, bytes as hex,
 * arrays "a, b" ("[a, b]" inside another value), structs "(a, b)",
 * dict entries "key: value".  Escaping is left to the page.
 */
static int client_text_value(sd_bus_message *m, struct html_buf *b,
			     bool nested)
{
	const char *contents;
	char type;
	int r;

	r = sd_bus_message_peek_type(m, &type, &contents);
	if (r <= 0)
		return r < 0 ? r : -EBADMSG;

	if (type == 'a' && strcmp(contents, "y") == 0)
		return client_text_bytes(m, b);

	if (type != 'a' && type != 'r' && type != 'e' && type != 'v')
		return client_text_basic(m, type, b);

	r = sd_bus_message_enter_container(m, type, contents);
	if (r < 0)
		return r;

	if (type == 'a') {
		html_puts(b, nested ? "[" : "");
		r = client_text_members(m, b, ", ");
		html_puts(b, nested ? "]" : "");
	} else if (type == 'r') {
		html_puts(b, "(");
		r = client_text_members(m, b, ", ");
		html_puts(b, ")");
	} else if (type == 'e') {
		r = client_text_members(m, b, ": ");
	} else {
		r = client_text_value(m, b, nested);
	}

	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	return r;
}

/* A property's variant as text. */
static int client_variant_text(sd_bus_message *m, char **out)
{
	struct html_buf buf;
	int r;

	html_buf_init(&buf);
	r = client_text_value(m, &buf, false);
	if (r < 0 || html_buf_failed(&buf)) {
		html_buf_free(&buf);
		return r < 0 ? r : -ENOMEM;
	}

	*out = html_buf_steal(&buf, NULL);
	return *out ? 0 : -ENOMEM;
}

static int client_read_props(sd_bus_message *reply,
			     struct client_props *props)
{
	struct client_prop *p;
	const char *name;
	int r;

	r = sd_bus_message_enter_container(reply, 'a', "{sv}");
	while (r >= 0) {
		r = sd_bus_message_enter_container(reply, 'e', "sv");
		if (r <= 0)
			break;

		r = sd_bus_message_read(reply, "s", &name);
		if (r < 0)
			break;

		p = realloc(props->props,
			    (props->n_props + 1) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		props->props = p;
		p = &props->props[props->n_props];

		p->name = strdup(name);
		p->value = NULL;
		props->n_props++;
		r = client_variant_text(reply, &p->value);
		if (r >= 0 && !p->name)
			r = -ENOMEM;
		if (r >= 0)
			r = sd_bus_message_exit_container(reply);
	}

	return r < 0 ? r : 0;
}

int client_get_all(sd_bus *bus, const char *service, const char *path,
		   const char *interface, struct client_props *props)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL, *m = NULL;
	int r;

	memset(props, 0, sizeof(*props));

	r = sd_bus_message_new_method_call(bus, &m, service, path,
					   "org.freedesktop.DBus.Properties",
					   "GetAll");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", interface);
	if (r >= 0)
		r = client_call(bus, m, &reply, &error);
	sd_bus_message_unref(m);

	if (r >= 0) {
		r = client_read_props(reply, props);
		if (r < 0)
			props->problem = strdup("bad reply");
	} else {
		props->problem = client_problem(&error, r);
	}

	props->running = r >= 0;
	sd_bus_error_free(&error);
	sd_bus_message_unref(reply);
	return r;
}

void client_props_clear(struct client_props *props)
{
	size_t i;

	for (i = 0; i < props->n_props; i++) {
		free(props->props[i].name);
		free(props->props[i].value);
	}

	free(props->props);
	free(props->problem);
	memset(props, 0, sizeof(*props));
}

const char *client_props_get(const struct client_props *props,
			     const char *name)
{
	size_t i;

	for (i = 0; i < props->n_props; i++)
		if (props->props[i].name &&
		    strcmp(props->props[i].name, name) == 0)
			return props->props[i].value;

	return NULL;
}
