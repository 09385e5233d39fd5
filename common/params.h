/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Parameter registry.  Every setting has its Cisco MPP name (as in the
 * phone's XML configuration, e.g. "Proxy_1_"), a type, a default and a
 * validator.  A daemon declares a table of struct param_def for the
 * settings of its area and keeps their values in a struct param_store,
 * which is saved atomically to one file in the daemon's state directory.
 */

enum param_type {
	PARAM_TEXT,		/* printable UTF-8, no control characters */
	PARAM_BOOL,		/* "Yes" or "No" */
	PARAM_UINT,		/* decimal, within [min, max] */
	PARAM_ENUM,		/* one of choices[] */
	PARAM_IPV4,		/* dotted quad, or empty when allowed */
	PARAM_NETMASK,		/* contiguous IPv4 netmask */
	PARAM_HOST,		/* host name or IPv4 literal, optional :port */
	PARAM_DOMAIN_LIST,	/* host names or IPv4 addresses, by ";" "," */
	PARAM_SIP_USER,		/* user part of a SIP URI (RFC 3261 25.1) */
	PARAM_DEVICE,		/* ALSA PCM name */
};

enum param_flags {
	PARAM_SECRET = 1 << 0,	/* never read back over D-Bus or the web */
	PARAM_EMPTY_OK = 1 << 1,	/* the empty string is valid */
};

struct param_def;

/* Writes a human reason (no parameter name) and returns -EINVAL. */
typedef int (*param_validate_func_t)(const struct param_def *def,
				     const char *value,
				     char *reason, size_t reason_len);

struct param_def {
	const char *name;
	enum param_type type;
	const char *def;
	unsigned int flags;
	unsigned long min;		/* PARAM_UINT range */
	unsigned long max;		/* PARAM_UINT range; else max length */
	const char *const *choices;	/* PARAM_ENUM, NULL terminated */
	param_validate_func_t validate;	/* extra check after the type's */
	const char *label;		/* shown on the web page */
};

/* Longest value any parameter may hold, whatever its own limit. */
#define PARAM_VALUE_MAX 1024

int param_validate(const struct param_def *def, const char *value,
		   char *reason, size_t reason_len);
const char *param_type_name(enum param_type type);
bool param_is_true(const char *value);

struct param_store;

typedef void (*param_changed_func_t)(struct param_store *store,
				     const struct param_def *def,
				     const char *value, void *user_data);

/*
 * @path is the file the values live in; it need not exist.  The table
 * must outlive the store.
 */
int param_store_new(struct param_store **out, const struct param_def *defs,
		    size_t n_defs, const char *path);
void param_store_free(struct param_store *store);

/*
 * Reads @path.  A missing file leaves the defaults.  A file that is not
 * complete (no valid trailer) or has a bad line is refused with
 * -EBADMSG and no value is taken from it; it is renamed to
 * "<path>.damaged", so that the next save does not overwrite what an
 * operator may still recover.  Unknown names and values that no longer
 * validate are skipped with a warning, keeping the default.
 */
int param_store_load(struct param_store *store);

/* Temporary file, fsync, rename, fsync of the directory. */
int param_store_save(struct param_store *store);

const struct param_def *param_store_find(struct param_store *store,
					 const char *name);
const char *param_store_get(struct param_store *store, const char *name);
size_t param_store_count(struct param_store *store);
const struct param_def *param_store_def(struct param_store *store,
					size_t index);

/*
 * Validates every pair first; if any is wrong nothing changes and
 * *bad_index names it (reason in @reason).  Otherwise the values are
 * set, saved, and the changed callback runs once per value that
 * differs.  If the save fails the old values are restored.
 * -ENOENT: unknown name; -EINVAL: bad value; other -errno: save failed.
 */
int param_store_set_many(struct param_store *store, const char *const *names,
			 const char *const *values, size_t n,
			 size_t *bad_index, char *reason, size_t reason_len);
int param_store_set(struct param_store *store, const char *name,
		    const char *value, char *reason, size_t reason_len);

void param_store_set_changed(struct param_store *store,
			     param_changed_func_t func, void *user_data);

/*
 * A check across parameters (say, a minimum not above its maximum),
 * run by param_store_set_many with the new values in place and before
 * anything is saved.  It returns 0, or -EINVAL with the name of the
 * parameter at fault in *bad_name and a reason.
 */
typedef int (*param_check_func_t)(struct param_store *store,
				  const char **bad_name, char *reason,
				  size_t reason_len, void *user_data);

void param_store_set_check(struct param_store *store,
			   param_check_func_t func, void *user_data);
