/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/*
 * What the user account may do with each setting: read-write,
 * read-only or hidden (the default: the user sees only what the admin
 * opened).  Kept by webd in $STATE/webd.conf with common/params.h, one
 * parameter "User_Access:<name>" per setting in fields_access_names().
 * A setting not in that table (an owner's extra) is hidden from the
 * user.  Used from the HTTP thread only, after access_new().
 */
#define ACCESS_FILE "webd.conf"
#define ACCESS_PREFIX "User_Access:"

enum access_level {
	ACCESS_HIDDEN,
	ACCESS_READ_ONLY,
	ACCESS_READ_WRITE,
};

struct access;

int access_new(struct access **out, const char *state_dir);
void access_free(struct access *access);

enum access_level access_get(struct access *access, const char *name);

/* "read-write", "read-only", "hidden" */
const char *access_level_name(enum access_level level);

/*
 * Sets the levels of @names (parameter names, without the prefix) at
 * once: all or nothing, saved atomically.  -ENOENT for a name not in
 * the table, -EINVAL for a bad level (*bad says which).
 */
int access_set_many(struct access *access, const char *const *names,
		    const char *const *levels, size_t n, size_t *bad);
