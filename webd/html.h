/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * A growable text buffer for building pages.  An allocation failure is
 * remembered instead of reported at each call, so page code can append
 * freely and check once, at the end, with html_buf_failed().
 */
struct html_buf {
	char *data;
	size_t len;
	size_t cap;
	bool failed;
};

void html_buf_init(struct html_buf *buf);
void html_buf_free(struct html_buf *buf);
bool html_buf_failed(const struct html_buf *buf);

/* Hands the NUL-terminated text to the caller; the buffer is emptied. */
char *html_buf_steal(struct html_buf *buf, size_t *len);

void html_puts(struct html_buf *buf, const char *s);

/* Raw printf: only for trusted text (markup, numbers). */
__attribute__((format(printf, 2, 3)))
void html_printf(struct html_buf *buf, const char *fmt, ...);

/* Appends @s with & < > " ' replaced by entities; NULL counts as "". */
void html_escape(struct html_buf *buf, const char *s);
