/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "log.h"

struct bus_params {
	sd_bus *bus;
	char *path;
	struct param_store *store;
	param_changed_func_t changed;
	void *user_data;
};

/* The one place where -errno becomes a D-Bus error name. */
static const struct {
	int err;
	const char *name;
} bus_error_map[] = {
	{ EINVAL, BUS_ERROR_INVALID_ARGS },
	{ ENOENT, BUS_ERROR_NOT_FOUND },
	{ ENODEV, BUS_ERROR_NOT_FOUND },
	{ EBUSY, BUS_ERROR_BUSY },
	{ EEXIST, BUS_ERROR_BUSY },
	{ EALREADY, BUS_ERROR_BUSY },
	{ EAGAIN, BUS_ERROR_NOT_READY },
	{ ENOTCONN, BUS_ERROR_NOT_READY },
	{ EOPNOTSUPP, BUS_ERROR_NOT_SUPPORTED },
	{ EPERM, BUS_ERROR_DENIED },
	{ EACCES, BUS_ERROR_DENIED },
	{ ETIMEDOUT, BUS_ERROR_TIMEOUT },
};

const char *bus_error_name_from_errno(int err)
{
	size_t i;

	if (err < 0)
		err = -err;

	for (i = 0; i < sizeof(bus_error_map) / sizeof(*bus_error_map); i++)
		if (bus_error_map[i].err == err)
			return bus_error_map[i].name;

	return BUS_ERROR_FAILED;
}

int bus_error_set_errno(sd_bus_error *error, int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	return sd_bus_error_set(error, bus_error_name_from_errno(err), msg);
}

int bus_open(sd_bus **out, const char *name)
{
	sd_bus *bus = NULL;
	int r;

	/* Honours DBUS_SYSTEM_BUS_ADDRESS, as the tests and run command use. */
	r = sd_bus_open_system(&bus);
	if (r < 0) {
		log_err("Failed to connect to the system bus: %s",
			strerror(-r));
		return r;
	}

	if (name) {
		r = sd_bus_request_name(bus, name, 0);
		if (r < 0) {
			log_err("Failed to own %s: %s", name, strerror(-r));
			sd_bus_unref(bus);
			return r;
		}
	}

	*out = bus;
	return 0;
}

static const char *bus_params_shown(const struct param_def *def,
				    const char *value)
{
	return (def->flags & PARAM_SECRET) ? "" : value;
}

static int bus_params_get(sd_bus_message *m, void *userdata,
			  sd_bus_error *error)
{
	struct bus_params *bp = userdata;
	const struct param_def *def;
	const char *name;
	int r;

	r = sd_bus_message_read(m, "s", &name);
	if (r < 0)
		return r;

	def = param_store_find(bp->store, name);
	if (!def)
		return sd_bus_error_setf(error, BUS_ERROR_UNKNOWN_PARAM,
					 "No parameter %s", name);

	return sd_bus_reply_method_return(m, "s",
		bus_params_shown(def, param_store_get(bp->store, name)));
}

static int bus_params_reply_set_error(sd_bus_error *error, int r,
				      const char *name, const char *reason)
{
	if (r == -ENOENT)
		return sd_bus_error_setf(error, BUS_ERROR_UNKNOWN_PARAM,
					 "No parameter %s", name);
	if (r == -EINVAL)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_VALUE,
					 "%s: %s", name, reason);

	log_err("Failed to save %s: %s", name, strerror(-r));
	return bus_error_set_errno(error, r, "%s: %s", name, reason);
}

static int bus_params_set(sd_bus_message *m, void *userdata,
			  sd_bus_error *error)
{
	struct bus_params *bp = userdata;
	const char *name, *value;
	char reason[256] = "";
	int r;

	r = sd_bus_message_read(m, "ss", &name, &value);
	if (r < 0)
		return r;

	r = param_store_set(bp->store, name, value, reason, sizeof(reason));
	if (r < 0)
		return bus_params_reply_set_error(error, r, name, reason);

	return sd_bus_reply_method_return(m, NULL);
}

static int bus_params_set_many(sd_bus_message *m, void *userdata,
			       sd_bus_error *error)
{
	struct bus_params *bp = userdata;
	const char **names = NULL, **values = NULL;
	size_t n = 0, cap = 0, bad = 0;
	char reason[256] = "";
	const char *name, *value;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{ss}");
	if (r < 0)
		return r;

	while ((r = sd_bus_message_read(m, "{ss}", &name, &value)) > 0) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			const char **nn = realloc(names, ncap * sizeof(*nn));
			const char **nv;

			if (nn)
				names = nn;
			nv = nn ? realloc(values, ncap * sizeof(*nv)) : NULL;
			if (!nv) {
				r = -ENOMEM;
				goto out;
			}
			values = nv;
			cap = ncap;
		}
		names[n] = name;
		values[n] = value;
		n++;
	}
	if (r < 0)
		goto out;

	r = param_store_set_many(bp->store, names, values, n, &bad, reason,
				 sizeof(reason));
	if (r < 0) {
		r = bus_params_reply_set_error(error, r, names[bad], reason);
		goto out;
	}

	r = sd_bus_reply_method_return(m, NULL);

out:
	free(names);
	free(values);
	return r;
}

static int bus_params_list(sd_bus_message *m, void *userdata,
			   sd_bus_error *error)
{
	struct bus_params *bp = userdata;
	sd_bus_message *reply = NULL;
	size_t i, n = param_store_count(bp->store);
	int r;

	r = sd_bus_message_new_method_return(m, &reply);
	if (r < 0)
		return r;

	r = sd_bus_message_open_container(reply, 'a', "(sssss)");
	for (i = 0; i < n && r >= 0; i++) {
		const struct param_def *def = param_store_def(bp->store, i);

		r = sd_bus_message_append(reply, "(sssss)", def->name,
			param_type_name(def->type),
			bus_params_shown(def,
					 param_store_get(bp->store, def->name)),
			bus_params_shown(def, def->def),
			(def->flags & PARAM_SECRET) ? "secret" : "");
	}
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);

	sd_bus_message_unref(reply);
	return r;
}

static void bus_params_changed(struct param_store *store,
			       const struct param_def *def, const char *value,
			       void *user_data)
{
	struct bus_params *bp = user_data;
	sd_bus_message *sig = NULL;
	int r;

	r = sd_bus_message_new_signal(bp->bus, &sig, bp->path,
				      BUS_PARAMETERS_INTERFACE, "Changed");
	if (r >= 0)
		r = sd_bus_message_append(sig, "a{ss}", 1, def->name,
					  bus_params_shown(def, value));
	if (r >= 0)
		r = sd_bus_send(bp->bus, sig, NULL);
	if (r < 0)
		log_warning("Failed to signal change of %s: %s, ignoring",
			    def->name, strerror(-r));

	sd_bus_message_unref(sig);

	if (bp->changed)
		bp->changed(store, def, value, bp->user_data);
}

/*
 * Every member is UNPRIVILEGED for sd-bus: who may call what is decided
 * by the bus policy (dbus/org.deskphone.conf), in one place.
 */
static const sd_bus_vtable bus_params_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD_WITH_ARGS("Get", SD_BUS_ARGS("s", name),
				SD_BUS_RESULT("s", value), bus_params_get,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Set", SD_BUS_ARGS("s", name, "s", value),
				SD_BUS_NO_RESULT, bus_params_set,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("SetMany", SD_BUS_ARGS("a{ss}", values),
				SD_BUS_NO_RESULT, bus_params_set_many,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("List", SD_BUS_NO_ARGS,
				SD_BUS_RESULT("a(sssss)", parameters),
				bus_params_list, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL_WITH_ARGS("Changed", SD_BUS_ARGS("a{ss}", values), 0),
	SD_BUS_VTABLE_END
};

static void bus_params_free(void *userdata)
{
	struct bus_params *bp = userdata;

	/* The store may outlive the bus: give it back its own callback. */
	if (bp->store)
		param_store_set_changed(bp->store, bp->changed, bp->user_data);

	free(bp->path);
	free(bp);
}

int bus_parameters_add(sd_bus *bus, const char *path,
		       struct param_store *store,
		       param_changed_func_t changed, void *user_data)
{
	struct bus_params *bp;
	sd_bus_slot *slot = NULL;
	int r;

	/* Freed with the bus connection: the slot is floating. */
	bp = calloc(1, sizeof(*bp));
	if (!bp)
		return -ENOMEM;

	bp->bus = bus;
	bp->path = strdup(path);
	bp->store = store;
	bp->changed = changed;
	bp->user_data = user_data;
	if (!bp->path) {
		free(bp);
		return -ENOMEM;
	}

	r = sd_bus_add_object_vtable(bus, &slot, path,
				     BUS_PARAMETERS_INTERFACE,
				     bus_params_vtable, bp);
	if (r < 0) {
		log_err("Failed to serve %s on %s: %s",
			BUS_PARAMETERS_INTERFACE, path, strerror(-r));
		bp->store = NULL;
		bus_params_free(bp);
		return r;
	}

	sd_bus_slot_set_destroy_callback(slot, bus_params_free);
	sd_bus_slot_set_floating(slot, 1);
	sd_bus_slot_unref(slot);

	param_store_set_changed(store, bus_params_changed, bp);
	return 0;
}
