/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-bus.h>

/*
 * D-Bus client side of webd: reads the other daemons' parameters and
 * status and sends changes.  Used from the HTTP thread only, on its own
 * connection.  Every call has a short timeout, so a daemon that is gone
 * or stuck makes a page say so instead of hanging it.
 */
#define CLIENT_TIMEOUT_USEC (2ULL * 1000000)

/* One row of Parameters1.List(). */
struct client_param {
	char *name;
	char *type;
	char *value;
	char *def;
	bool secret;
};

struct client_owner {
	const char *service;		/* org.deskphone.Sip */
	const char *path;		/* /org/deskphone/Sip */
	const char *label;		/* sipd */
	bool running;
	char *problem;			/* why not, for the page */
	struct client_param *params;
	size_t n_params;
};

/* A property read with GetAll, turned into text. */
struct client_prop {
	char *name;
	char *value;
};

struct client_props {
	bool running;
	char *problem;
	struct client_prop *props;
	size_t n_props;
};

/* The HTTP thread's connection, opened (again) when needed. */
int client_bus(sd_bus **bus);
void client_bus_close(void);

void client_owner_init(struct client_owner *owner, const char *service,
		       const char *path, const char *label);
void client_owner_clear(struct client_owner *owner);
int client_list(sd_bus *bus, struct client_owner *owner);
const struct client_param *client_owner_find(const struct client_owner *o,
					     const char *name);

/*
 * Parameters1.SetMany.  On refusal of a value returns -EINVAL with the
 * daemon's message in *message (it names the parameter); -EHOSTDOWN
 * when the daemon is not there or does not answer ("not running ...");
 * -EIO when it failed otherwise (could not save, say: its message).
 */
int client_set_many(sd_bus *bus, const struct client_owner *owner,
		    const char *const *names, const char *const *values,
		    size_t n, char **message);

int client_get_all(sd_bus *bus, const char *service, const char *path,
		   const char *interface, struct client_props *props);
void client_props_clear(struct client_props *props);
const char *client_props_get(const struct client_props *props,
			     const char *name);
