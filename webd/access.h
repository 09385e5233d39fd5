/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/*
 * webd's own store, $STATE/webd.conf (common/params.h):
 *
 * - What the user account may do with each setting: read-write,
 *   read-only or hidden (the default: the user sees only what the admin
 *   opened), one parameter "User_Access:<name>" per setting in
 *   fields_access_names().  A setting not in that table (an owner's
 *   extra) is hidden from the user.
 * - webd's own settings (ACCESS_HTTP): shown on the System page with
 *   webd as their owner.
 *
 * Used from the HTTP thread only, after access_new().
 */
#define ACCESS_FILE "webd.conf"
#define ACCESS_PREFIX "User_Access:"

/* Plain HTTP: "Redirect" (to HTTPS) or "Off". */
#define ACCESS_HTTP "Web_Plain_HTTP"
#define ACCESS_HTTP_REDIRECT "Redirect"
#define ACCESS_HTTP_OFF "Off"

enum access_level {
	ACCESS_HIDDEN,
	ACCESS_READ_ONLY,
	ACCESS_READ_WRITE,
};

struct access;

/* @http_default: ACCESS_HTTP until the admin sets it. */
int access_new(struct access **out, const char *state_dir,
	       const char *http_default);
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

/* webd's own settings (not the access levels). */
size_t access_own_count(struct access *access);
const struct param_def *access_own_def(struct access *access, size_t i);
const char *access_own_get(struct access *access, const char *name);

/*
 * Sets webd's own settings at once, all or nothing, saved atomically.
 * On refusal returns -errno with the reason ("Name: why") in @reason.
 */
int access_own_set_many(struct access *access, const char *const *names,
			const char *const *values, size_t n, char *reason,
			size_t reason_len);
