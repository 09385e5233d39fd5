/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"

void html_buf_init(struct html_buf *buf)
{
	memset(buf, 0, sizeof(*buf));
}

void html_buf_free(struct html_buf *buf)
{
	free(buf->data);
	html_buf_init(buf);
}

bool html_buf_failed(const struct html_buf *buf)
{
	return buf->failed;
}

static bool html_buf_reserve(struct html_buf *buf, size_t extra)
{
	size_t want, cap;
	char *p;

	if (buf->failed)
		return false;

	if (extra > (size_t)-1 / 2 - buf->len) {
		buf->failed = true;
		return false;
	}

	want = buf->len + extra + 1;
	if (want <= buf->cap)
		return true;

	cap = buf->cap ? buf->cap : 1024;
	while (cap < want)
		cap *= 2;

	p = realloc(buf->data, cap);
	if (!p) {
		buf->failed = true;
		return false;
	}

	buf->data = p;
	buf->cap = cap;
	return true;
}

static void html_append(struct html_buf *buf, const char *s, size_t n)
{
	if (!html_buf_reserve(buf, n))
		return;

	memcpy(buf->data + buf->len, s, n);
	buf->len += n;
	buf->data[buf->len] = '\0';
}

char *html_buf_steal(struct html_buf *buf, size_t *len)
{
	char *data;

	/* An empty page still needs a string to hand over. */
	if (!html_buf_reserve(buf, 0))
		return NULL;

	data = buf->data;
	data[buf->len] = '\0';
	if (len)
		*len = buf->len;

	html_buf_init(buf);
	return data;
}

void html_puts(struct html_buf *buf, const char *s)
{
	html_append(buf, s, strlen(s));
}

void html_printf(struct html_buf *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);

	if (n < 0) {
		buf->failed = true;
		return;
	}

	if (!html_buf_reserve(buf, (size_t)n))
		return;

	va_start(ap, fmt);
	vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf->len += (size_t)n;
}

static const char *html_entity(char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		return NULL;
	}
}

void html_escape(struct html_buf *buf, const char *s)
{
	const char *start;

	if (!s)
		return;

	/* Copy runs of plain characters at once, entities one by one. */
	for (start = s; *s; s++) {
		const char *entity = html_entity(*s);

		if (!entity)
			continue;

		html_append(buf, start, (size_t)(s - start));
		html_puts(buf, entity);
		start = s + 1;
	}

	html_append(buf, start, (size_t)(s - start));
}
