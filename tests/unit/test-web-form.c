/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

#include "check.h"

static int parse(const char *body, struct form *form, char *reason)
{
	return form_parse(body, strlen(body), form, reason, 160);
}

static void test_plain(void)
{
	struct form form;
	char reason[160];

	CHECK(parse("a=1&b=x+y%20z&c=%3C%26%3E", &form, reason) == 0);
	CHECK(form.n_fields == 3);
	CHECK(strcmp(form_get(&form, "a"), "1") == 0);
	CHECK(strcmp(form_get(&form, "b"), "x y z") == 0);
	CHECK(strcmp(form_get(&form, "c"), "<&>") == 0);
	CHECK(form_get(&form, "d") == NULL);
	form_free(&form);
}

static void test_shapes(void)
{
	struct form form;
	char reason[160];

	/* No '=', empty pieces, empty body, '=' inside the value. */
	CHECK(parse("flag&&x=&y=a=b&", &form, reason) == 0);
	CHECK(form.n_fields == 3);
	CHECK(strcmp(form_get(&form, "flag"), "") == 0);
	CHECK(strcmp(form_get(&form, "x"), "") == 0);
	CHECK(strcmp(form_get(&form, "y"), "a=b") == 0);
	form_free(&form);

	CHECK(parse("", &form, reason) == 0);
	CHECK(form.n_fields == 0);
	form_free(&form);

	/* UTF-8 passes through. */
	CHECK(parse("n=J%C3%BCrgen", &form, reason) == 0);
	CHECK(strcmp(form_get(&form, "n"), "J\xc3\xbcrgen") == 0);
	form_free(&form);
}

static void test_bad(void)
{
	struct form form;
	char reason[160];

	CHECK(parse("a=%zz", &form, reason) == -EBADMSG);
	CHECK(strstr(reason, "value of a") != NULL);
	CHECK(parse("a=%4", &form, reason) == -EBADMSG);
	CHECK(parse("a=%", &form, reason) == -EBADMSG);
	CHECK(parse("a=x%00y", &form, reason) == -EBADMSG);
	CHECK(parse("%zz=1", &form, reason) == -EBADMSG);
	CHECK(parse("=1", &form, reason) == -EBADMSG);
	CHECK(parse("a=%C3%28", &form, reason) == -EBADMSG); /* bad UTF-8 */
	CHECK(parse("a=%C0%AF", &form, reason) == -EBADMSG); /* overlong */
	CHECK(parse("a=%ED%A0%80", &form, reason) == -EBADMSG); /* surrogate */
	CHECK(parse("a=1&b=2&a=3", &form, reason) == -EEXIST);
	CHECK(strstr(reason, "a given twice") != NULL);
}

static void test_limits(void)
{
	char body[4096], reason[160];
	struct form form;
	size_t i;

	memset(body, 0, sizeof(body));
	strcpy(body, "v=");
	memset(body + 2, 'x', FORM_VALUE_MAX);
	CHECK(parse(body, &form, reason) == 0);
	CHECK(strlen(form_get(&form, "v")) == FORM_VALUE_MAX);
	form_free(&form);

	body[2 + FORM_VALUE_MAX] = 'x';
	CHECK(parse(body, &form, reason) == -E2BIG);

	memset(body, 0, sizeof(body));
	memset(body, 'n', FORM_NAME_MAX + 1);
	CHECK(parse(body, &form, reason) == -E2BIG);

	/* FORM_FIELDS_MAX distinct names fit, one more does not. */
	body[0] = '\0';
	for (i = 0; i <= FORM_FIELDS_MAX; i++)
		sprintf(body + strlen(body), "f%zu=1&", i);
	CHECK(parse(body, &form, reason) == -E2BIG);
	{
		char last[16];

		snprintf(last, sizeof(last), "f%d=1&", FORM_FIELDS_MAX);
		*strstr(body, last) = '\0';
	}
	CHECK(parse(body, &form, reason) == 0);
	CHECK(form.n_fields == FORM_FIELDS_MAX);
	form_free(&form);
}

int main(void)
{
	test_plain();
	test_shapes();
	test_bad();
	test_limits();

	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
