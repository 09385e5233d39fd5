/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-bus.h>

#include "access.h"
#include "auth.h"
#include "form.h"
#include "params.h"

/*
 * The pages, laid out as on the phone's own web UI: an account (Admin
 * Login / User Login), a view (basic / advanced), the Info tab and the
 * Voice tab with System, SIP, Ext n (and, for the admin, User) pages:
 *   /admin/advanced/voice/system   = Admin Login > advanced > Voice > System
 *   /user/basic/info               = User Login > basic > Info
 * Everything shown is escaped; secrets are never sent to the browser.
 */
#define PAGE_LOGIN "/login"
#define PAGE_LOGOUT "/logout"
#define PAGE_INFO "/info"
#define PAGE_SYSTEM "/admin/advanced/voice/system"
#define PAGE_EXT1 "/admin/advanced/voice/ext1"
#define PAGE_PASSWORD "/admin/advanced/voice/password"
#define PAGE_STYLE "/style.css"
#define PAGE_SCRIPT "/webd.js"

enum page_kind {
	PAGE_KIND_INFO,
	PAGE_KIND_SYSTEM,
	PAGE_KIND_SIP,
	PAGE_KIND_EXT,
	PAGE_KIND_USER,		/* user password and access: admin only */
	PAGE_KIND_PASSWORD,	/* the admin's own password: admin only */
};

struct page_route {
	enum auth_role account;	/* /admin/... or /user/... */
	bool advanced;
	enum page_kind kind;
	unsigned int ext;	/* PAGE_KIND_EXT: 1.. */
	char path[64];		/* canonical */
};

/* A rendered page: HTTP status and a malloc'd body. */
struct page_out {
	unsigned int status;
	char *body;
	size_t len;
};

/* What a page needs besides its route; all from the HTTP thread. */
struct page_env {
	sd_bus *bus;			/* NULL: no bus */
	struct auth *auth;
	struct access *access;
	enum auth_role role;		/* of the session */
	const struct auth_session *session;
	char client[AUTH_CLIENT_MAX];	/* address, as auth_login() has it */
	const char *csrf;

	/* webd's own settings, shown with "webd" as their owner. */
	int (*own_list)(void *data, const struct param_def **defs,
			const char **values, size_t max);
	int (*own_set)(void *data, const char *const *names,
		       const char *const *values, size_t n, char **message);
	void *own_data;
};

extern const char page_style_css[];
extern const char page_script_js[];

/* 0 and @out filled for a page URL, else -ENOENT. */
int page_route_parse(const char *url, struct page_route *out);

/* Where /info and a login lead: the account's own Info page. */
void page_route_home(enum auth_role role, struct page_route *out);

void page_route_path(struct page_route *route);

int page_login(const char *message, const char *account,
	       unsigned int status, struct page_out *out);
int page_error(unsigned int status, const char *title, const char *text,
	       struct page_out *out);

/* @note: NULL, or a line shown above the form ("Changes saved."). */
int page_show(const struct page_env *env, const struct page_route *route,
	      const char *note, struct page_out *out);

/*
 * Validates every field of @form first; if any is wrong nothing is
 * applied and the page comes back (400) with each reason next to its
 * field and the other edits kept.  Otherwise one SetMany per owning
 * daemon; if one refuses, those already done are put back and the
 * page says which setting failed.  Returns 1 with *n_changed when all
 * was applied (the caller redirects), 0 with @out filled, -EPERM when
 * the form holds a field this account may not change, -errno on
 * internal failure.
 */
int page_submit(const struct page_env *env, const struct page_route *route,
		const struct form *form, unsigned int *n_changed,
		struct page_out *out);
