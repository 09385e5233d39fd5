/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * webd's parsing of what a browser sends: a form body (also the grammar
 * of a query string), the session cookie and CSRF token, the account
 * name of the login form, and the stored password hash file.
 *
 * Invariants checked beyond "no crash":
 *  - an accepted form holds only valid UTF-8 without NUL, within the
 *    limits, with unique names that form_get() finds again;
 *  - html_escape() output never carries a raw < > " ' or a stray &;
 *  - only the exact token of a live session finds it;
 *  - a hash line that parses formats back to the same line.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "form.h"
#include "fuzz.h"
#include "html.h"

static void fuzz_web_escaped(const char *s)
{
	struct html_buf buf;
	const char *p;

	html_buf_init(&buf);
	html_escape(&buf, s);
	if (html_buf_failed(&buf))
		abort();

	for (p = buf.data; p && *p; p++) {
		if (strchr("<>\"'", *p))
			abort();
		/* every & starts an entity: &amp; &lt; &gt; &quot; &#39; */
		if (*p == '&' && strncmp(p, "&amp;", 5) &&
		    strncmp(p, "&lt;", 4) && strncmp(p, "&gt;", 4) &&
		    strncmp(p, "&quot;", 6) && strncmp(p, "&#39;", 5) &&
		    strncmp(p, "&#x27;", 6) && strncmp(p, "&apos;", 6))
			abort();
	}

	html_buf_free(&buf);
}

static void fuzz_web_form(const uint8_t *data, size_t size)
{
	struct form form = { 0 };
	char reason[256];
	size_t i, j;

	if (form_parse((const char *)data, size, &form, reason,
		       sizeof(reason)) < 0) {
		if (form.n_fields)
			abort();	/* a refused body must leave nothing */
		return;
	}

	if (form.n_fields > FORM_FIELDS_MAX)
		abort();

	for (i = 0; i < form.n_fields; i++) {
		const struct form_field *f = &form.fields[i];
		size_t nl = strlen(f->name), vl = strlen(f->value);

		if (nl > FORM_NAME_MAX || vl > FORM_VALUE_MAX ||
		    !form_utf8_valid(f->name, nl) ||
		    !form_utf8_valid(f->value, vl))
			abort();
		for (j = 0; j < i; j++)
			if (!strcmp(form.fields[j].name, f->name))
				abort();
		if (form_get(&form, f->name) != f->value)
			abort();

		fuzz_web_escaped(f->name);
		fuzz_web_escaped(f->value);
	}

	form_free(&form);
}

static void fuzz_web_cookie(const char *s)
{
	static const uint8_t token[AUTH_TOKEN_LEN] = {
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
		0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
	};
	static struct auth auth;
	char hex[AUTH_TOKEN_HEX];
	struct auth_session *found;
	enum auth_role role;
	const uint64_t now = 1000000000ULL;

	memset(&auth, 0, sizeof(auth));
	auth.sessions[0].used = true;
	auth.sessions[0].role = AUTH_USER;
	memcpy(auth.sessions[0].token, token, sizeof(token));
	memset(auth.sessions[0].csrf, 'a', AUTH_TOKEN_HEX - 1);
	auth.sessions[0].created = now;
	auth.sessions[0].last_used = now;

	auth_hex(token, sizeof(token), hex);
	found = auth_session_find(&auth, s, now + 1);
	if (!!found != !strcmp(s, hex))
		abort();

	if (auth_csrf_check(&auth.sessions[0], s) !=
	    (strlen(s) == AUTH_TOKEN_HEX - 1 && strspn(s, "a") == strlen(s)))
		abort();

	if (auth_role_from_name(s, &role) == 0 &&
	    strcmp(auth_role_name(role), s))
		abort();
}

static void fuzz_web_secret(const char *s)
{
	struct auth_secret secret;
	char back[256];

	if (auth_secret_parse(s, &secret) < 0)
		return;

	if (auth_secret_format(&secret, back, sizeof(back)) < 0)
		abort();
	/* scanf skips spaces and takes upper-case hex: compare parsed */
	{
		struct auth_secret again;

		if (auth_secret_parse(back, &again) < 0 ||
		    memcmp(&again, &secret, sizeof(secret)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	fuzz_quiet("fuzz-web");
	fuzz_web_form(data, size);

	s = fuzz_strndup(data, size, 4096);
	fuzz_web_cookie(s);
	fuzz_web_secret(s);
	fuzz_web_escaped(s);
	free(s);
	return 0;
}
