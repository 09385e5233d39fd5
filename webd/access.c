/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "daemon.h"
#include "fields.h"
#include "log.h"
#include "params.h"

static const char *const access_levels[] = {
	"hidden", "read-only", "read-write", NULL
};

static const char *const access_http_modes[] = {
	ACCESS_HTTP_OFF, ACCESS_HTTP_REDIRECT, NULL
};

/* webd's own settings come first in the table, the levels after. */
#define ACCESS_N_OWN 1

struct access {
	struct param_store *store;
	struct param_def *defs;
	char (*names)[sizeof(ACCESS_PREFIX) + FIELDS_NAME_MAX];
	size_t n;			/* levels */
};

const char *access_level_name(enum access_level level)
{
	return access_levels[level];
}

static int access_build(struct access *a, const char *http_default)
{
	const char *const *names;
	struct param_def *d;
	size_t i;

	names = fields_access_names(&a->n);
	a->defs = calloc(ACCESS_N_OWN + a->n, sizeof(*a->defs));
	a->names = calloc(a->n, sizeof(*a->names));
	if (!a->defs || !a->names)
		return -ENOMEM;

	a->defs[0].name = ACCESS_HTTP;
	a->defs[0].type = PARAM_ENUM;
	a->defs[0].def = http_default;
	a->defs[0].choices = access_http_modes;
	a->defs[0].label = "Plain HTTP";

	for (i = 0; i < a->n; i++) {
		d = &a->defs[ACCESS_N_OWN + i];
		snprintf(a->names[i], sizeof(a->names[i]), "%s%s",
			 ACCESS_PREFIX, names[i]);
		d->name = a->names[i];
		d->type = PARAM_ENUM;
		d->def = "hidden";
		d->choices = access_levels;
		d->label = names[i];
	}

	return 0;
}

int access_new(struct access **out, const char *state_dir,
	       const char *http_default)
{
	struct access *a;
	char *path;
	int r;

	a = calloc(1, sizeof(*a));
	path = daemon_path(state_dir, ACCESS_FILE);
	r = a && path ? access_build(a, http_default) : -ENOMEM;
	if (r >= 0)
		r = param_store_new(&a->store, a->defs, ACCESS_N_OWN + a->n,
				    path);
	free(path);
	if (r < 0) {
		log_err("Failed to set up the user access table: %s",
			strerror(-r));
		access_free(a);
		return r;
	}

	/* A damaged file means nothing is opened to the user. */
	r = param_store_load(a->store);
	if (r < 0)
		log_warning("Cannot read %s: %s; the user sees nothing until "
			    "the admin sets access again", ACCESS_FILE,
			    strerror(-r));

	*out = a;
	return 0;
}

void access_free(struct access *access)
{
	if (!access)
		return;

	param_store_free(access->store);
	free(access->defs);
	free(access->names);
	free(access);
}

enum access_level access_get(struct access *access, const char *name)
{
	char key[sizeof(ACCESS_PREFIX) + FIELDS_NAME_MAX + 1];
	const char *v;
	int i;

	if (!access || !fields_name_ok(name))
		return ACCESS_HIDDEN;

	snprintf(key, sizeof(key), "%s%s", ACCESS_PREFIX, name);
	v = param_store_find(access->store, key) ?
	    param_store_get(access->store, key) : NULL;

	for (i = 0; v && access_levels[i]; i++)
		if (strcmp(v, access_levels[i]) == 0)
			return (enum access_level)i;

	return ACCESS_HIDDEN;
}

int access_set_many(struct access *access, const char *const *names,
		    const char *const *levels, size_t n, size_t *bad)
{
	char (*keys)[sizeof(ACCESS_PREFIX) + FIELDS_NAME_MAX + 1];
	const char **key_ptrs;
	char reason[128];
	size_t i;
	int r;

	keys = calloc(n ? n : 1, sizeof(*keys));
	key_ptrs = calloc(n ? n : 1, sizeof(*key_ptrs));
	if (!keys || !key_ptrs) {
		free(keys);
		free(key_ptrs);
		return -ENOMEM;
	}

	for (i = 0; i < n; i++) {
		snprintf(keys[i], sizeof(keys[i]), "%s%s", ACCESS_PREFIX,
			 names[i]);
		key_ptrs[i] = keys[i];
	}

	*bad = 0;
	r = param_store_set_many(access->store, key_ptrs, levels, n, bad,
				 reason, sizeof(reason));
	if (r < 0)
		log_warning("User access not changed: %s%s%s",
			    *bad < n ? names[*bad] : "",
			    *bad < n ? ": " : "", reason);

	free(keys);
	free(key_ptrs);
	return r;
}

size_t access_own_count(struct access *access)
{
	return ACCESS_N_OWN;
}

const struct param_def *access_own_def(struct access *access, size_t i)
{
	return i < ACCESS_N_OWN ? &access->defs[i] : NULL;
}

static bool access_is_own(const char *name)
{
	return strcmp(name, ACCESS_HTTP) == 0;
}

const char *access_own_get(struct access *access, const char *name)
{
	if (!access_is_own(name))
		return NULL;

	return param_store_get(access->store, name);
}

int access_own_set_many(struct access *access, const char *const *names,
			const char *const *values, size_t n, char *reason,
			size_t reason_len)
{
	char why[128] = "";
	size_t i, bad = 0;
	int r;

	/* The access levels are not set this way. */
	for (i = 0; i < n; i++)
		if (!access_is_own(names[i])) {
			snprintf(reason, reason_len, "No parameter %s",
				 names[i]);
			return -ENOENT;
		}

	r = param_store_set_many(access->store, names, values, n, &bad, why,
				 sizeof(why));
	if (r < 0)
		snprintf(reason, reason_len, "%s: %s",
			 bad < n ? names[bad] : "webd.conf",
			 r == -EINVAL ? why : strerror(-r));

	return r;
}
