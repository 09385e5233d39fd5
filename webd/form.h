/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/*
 * application/x-www-form-urlencoded bodies, as browsers send them.
 * Parsing is strict, because a form we misread could store a value the
 * admin never typed: a bad %-escape, a NUL, invalid UTF-8, a repeated
 * name or a field over the limits rejects the whole body.  A field with
 * no '=' has the empty value; empty pieces ("a=1&&b=2") are skipped.
 */
#define FORM_FIELDS_MAX 128
#define FORM_NAME_MAX 64
#define FORM_VALUE_MAX 1024

struct form_field {
	char *name;
	char *value;
};

struct form {
	struct form_field *fields;
	size_t n_fields;
};

/*
 * Returns 0, or -EBADMSG (bad encoding), -E2BIG (limits), -EEXIST
 * (repeated name), -ENOMEM; @reason says what, for the error page.
 */
int form_parse(const char *body, size_t len, struct form *out,
	       char *reason, size_t reason_len);
void form_free(struct form *form);

/* NULL when absent. */
const char *form_get(const struct form *form, const char *name);

/* True when @s (@len bytes) is well-formed UTF-8 without overlongs. */
int form_utf8_valid(const char *s, size_t len);
