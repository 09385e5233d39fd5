/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include <systemd/sd-bus.h>

#include "form.h"

/*
 * The pages, laid out as on the phone's own web UI ("Admin Login >
 * advanced > Voice > System / Ext 1").  Everything shown is escaped;
 * secrets are never sent to the browser.
 */
#define PAGE_LOGIN "/login"
#define PAGE_LOGOUT "/logout"
#define PAGE_INFO "/info"
#define PAGE_SYSTEM "/admin/advanced/voice/system"
#define PAGE_EXT1 "/admin/advanced/voice/ext1"
#define PAGE_STYLE "/style.css"

struct page_field {
	const char *name;		/* parameter, e.g. Proxy_1_ */
	const char *label;
	const char *owner;		/* expected owner, for messages */
	const char *const *choices;	/* for enums, NULL terminated */
};

struct page_settings {
	const char *path;
	const char *title;
	const struct page_field *fields;
	size_t n_fields;
};

/* A rendered page: HTTP status and a malloc'd body. */
struct page_out {
	unsigned int status;
	char *body;
	size_t len;
};

const struct page_settings *page_settings_find(const char *path);

extern const char page_style_css[];

int page_login(const char *message, unsigned int status,
	       struct page_out *out);
int page_info(sd_bus *bus, const char *csrf, struct page_out *out);
int page_error(unsigned int status, const char *title, const char *text,
	       struct page_out *out);

/* @saved: NULL, or a note shown above the form ("Changes saved"). */
int page_settings_show(sd_bus *bus, const struct page_settings *page,
		       const char *csrf, const char *saved,
		       struct page_out *out);

/*
 * Applies the fields of @form that differ from what the owners hold:
 * one SetMany per owning daemon.  If one refuses, those already done
 * are put back, and the page is rendered with the error next to the
 * field and the admin's other edits still in the form (returns 0, out
 * filled).  Returns 1 with *n_changed when all were applied (the caller
 * redirects), -errno on internal failure.
 */
int page_settings_submit(sd_bus *bus, const struct page_settings *page,
			 const struct form *form, const char *csrf,
			 unsigned int *n_changed, struct page_out *out);
