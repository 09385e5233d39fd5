/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"

#include "check.h"

static void test_escape(void)
{
	struct html_buf b;
	char *s;

	html_buf_init(&b);
	html_escape(&b, "<script>alert(\"x\" & 'y')</script>");
	html_escape(&b, NULL);
	html_escape(&b, "");
	html_escape(&b, "plain");
	s = html_buf_steal(&b, NULL);
	CHECK(s && strcmp(s, "&lt;script&gt;alert(&quot;x&quot; &amp; "
			  "&#39;y&#39;)&lt;/script&gt;plain") == 0);
	free(s);
}

static void test_growth(void)
{
	struct html_buf b;
	size_t i, len;
	char *s;

	html_buf_init(&b);
	for (i = 0; i < 5000; i++)
		html_printf(&b, "%04zu", i % 10000);
	CHECK(!html_buf_failed(&b));
	s = html_buf_steal(&b, &len);
	CHECK(len == 20000 && strlen(s) == 20000);
	CHECK(strncmp(s + 4 * 4999, "4999", 4) == 0);
	free(s);

	/* An empty buffer still hands over a string. */
	s = html_buf_steal(&b, &len);
	CHECK(s && len == 0 && s[0] == '\0');
	free(s);
}

int main(void)
{
	test_escape();
	test_growth();

	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
