/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

static int form_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Length of the UTF-8 sequence at @s, or 0 if it is not well formed. */
static size_t form_utf8_char(const unsigned char *s, size_t left)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;

	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}

	if (n > left)
		return 0;

	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}

	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;

	return n;
}

int form_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (len > 0) {
		n = form_utf8_char(p, len);
		if (n == 0)
			return 0;
		p += n;
		len -= n;
	}

	return 1;
}

/*
 * Decodes @len bytes of @in into a new string of at most @max bytes.
 * '+' is a space; "%XY" is a byte.
 */
static int form_decode(const char *in, size_t len, size_t max, char **out)
{
	char *s, *d;
	size_t i;

	s = malloc(len + 1);
	if (!s)
		return -ENOMEM;

	for (i = 0, d = s; i < len; i++) {
		int hi, lo;

		if (in[i] == '+') {
			*d++ = ' ';
			continue;
		}

		if (in[i] != '%') {
			*d++ = in[i];
			continue;
		}

		/* A '%' needs two hex digits after it; %00 is refused. */
		hi = len - i >= 3 ? form_hex(in[i + 1]) : -1;
		lo = len - i >= 3 ? form_hex(in[i + 2]) : -1;
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			free(s);
			return -EBADMSG;
		}

		*d++ = (char)(hi << 4 | lo);
		i += 2;
	}

	*d = '\0';

	if ((size_t)(d - s) > max) {
		free(s);
		return -E2BIG;
	}

	if (memchr(in, '\0', len) || !form_utf8_valid(s, (size_t)(d - s))) {
		free(s);
		return -EBADMSG;
	}

	*out = s;
	return 0;
}

void form_free(struct form *form)
{
	size_t i;

	for (i = 0; i < form->n_fields; i++) {
		free(form->fields[i].name);
		free(form->fields[i].value);
	}

	free(form->fields);
	form->fields = NULL;
	form->n_fields = 0;
}

const char *form_get(const struct form *form, const char *name)
{
	size_t i;

	for (i = 0; i < form->n_fields; i++)
		if (strcmp(form->fields[i].name, name) == 0)
			return form->fields[i].value;

	return NULL;
}

static int form_add(struct form *form, const char *piece, size_t len,
		    char *reason, size_t reason_len)
{
	const char *eq = memchr(piece, '=', len);
	size_t name_len = eq ? (size_t)(eq - piece) : len;
	struct form_field field = { NULL, NULL };
	int r;

	if (form->n_fields >= FORM_FIELDS_MAX) {
		snprintf(reason, reason_len, "more than %d fields",
			 FORM_FIELDS_MAX);
		return -E2BIG;
	}

	r = form_decode(piece, name_len, FORM_NAME_MAX, &field.name);
	if (r == 0 && field.name[0] == '\0')
		r = -EBADMSG;
	if (r < 0) {
		snprintf(reason, reason_len, "a field name is %s",
			 r == -E2BIG ? "too long" : "badly encoded");
		free(field.name);
		return r;
	}

	if (eq)
		r = form_decode(eq + 1, len - name_len - 1, FORM_VALUE_MAX,
				&field.value);
	else
		r = (field.value = strdup("")) ? 0 : -ENOMEM;
	if (r < 0) {
		/* The name was checked, so it is safe to quote in the page. */
		snprintf(reason, reason_len, "value of %s is %s", field.name,
			 r == -E2BIG ? "too long" : "badly encoded");
		free(field.name);
		return r;
	}

	if (form_get(form, field.name)) {
		snprintf(reason, reason_len, "field %s given twice",
			 field.name);
		free(field.name);
		free(field.value);
		return -EEXIST;
	}

	form->fields[form->n_fields++] = field;
	return 0;
}

int form_parse(const char *body, size_t len, struct form *out,
	       char *reason, size_t reason_len)
{
	struct form form = { NULL, 0 };
	size_t start, end;
	int r;

	snprintf(reason, reason_len, "out of memory");
	form.fields = calloc(FORM_FIELDS_MAX, sizeof(*form.fields));
	if (!form.fields)
		return -ENOMEM;

	for (start = 0; start <= len; start = end + 1) {
		const char *amp = memchr(body + start, '&', len - start);

		end = amp ? (size_t)(amp - body) : len;
		if (end == start)
			continue;

		r = form_add(&form, body + start, end - start, reason,
			     reason_len);
		if (r < 0) {
			form_free(&form);
			return r;
		}
	}

	*out = form;
	return 0;
}
