/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "fields.h"
#include "html.h"
#include "log.h"
#include "pages.h"

#define PAGE_N_OWNERS 4
#define PAGE_OWNER_WEBD 3		/* in-process, not over D-Bus */
#define PAGE_ITEMS_MAX 64
#define PAGE_N(a) (sizeof(a) / sizeof((a)[0]))

struct page_owner_def {
	const char *service;
	const char *path;
	const char *label;
};

/* Every daemon that may own a parameter; List() says which one does. */
static const struct page_owner_def page_owner_defs[PAGE_N_OWNERS] = {
	{ "org.deskphone.Sip", "/org/deskphone/Sip", "sipd" },
	{ "org.deskphone.Net", "/org/deskphone/Net", "netd" },
	{ "org.deskphone.Audio", "/org/deskphone/Audio", "audiod" },
	{ "org.deskphone.Web", "/org/deskphone/Web", "webd" },
};

static const char *const page_kind_names[] = {
	[PAGE_KIND_INFO] = "info",
	[PAGE_KIND_SYSTEM] = "voice/system",
	[PAGE_KIND_SIP] = "voice/sip",
	[PAGE_KIND_EXT] = "voice/ext",
	[PAGE_KIND_USER] = "voice/user",
	[PAGE_KIND_PASSWORD] = "voice/password",
};

const char page_style_css[] =
	"body{font-family:sans-serif;margin:0;color:#111;background:#f4f5f7}"
	"[hidden]{display:none!important}"
	".skip{position:absolute;left:-999px}.skip:focus{left:1em;top:1em;"
	"background:#fff;padding:.5em;z-index:9}"
	"header{background:#1f3a5f;color:#fff;padding:.5em 1em;"
	"display:flex;flex-wrap:wrap;gap:1em;align-items:center}"
	"header a{color:#fff}header .brand{font-weight:bold}"
	"nav ol,nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.75em;"
	"margin:0;padding:0}"
	".crumbs li+li:before{content:'> ';color:#555}"
	".tabs{background:#dde3ea;padding:.4em 1em}"
	".tabs ul+ul{margin-top:.3em}"
	"a[aria-current]{font-weight:bold;text-decoration:none;color:#000}"
	"header form{margin-left:auto}"
	"main{max-width:48em;margin:1em auto;background:#fff;padding:1em 2em;"
	"border:1px solid #ccd}"
	"h2{font-size:1.1em;background:#eef;padding:.2em .4em}"
	".row{display:grid;grid-template-columns:14em 1fr;gap:.25em 1em;"
	"margin:.5em 0;align-items:center}"
	".row .note,.row .err{grid-column:2}"
	".err{color:#a00000;font-weight:bold}.note{color:#555}"
	".ok{color:#006000;font-weight:bold}"
	"input,select{font:inherit;padding:.2em}"
	"[aria-invalid=true]{border:2px solid #a00000}"
	":focus{outline:3px solid #f90;outline-offset:1px}"
	"button,a.button{font:inherit;padding:.3em 1em}"
	"a.button{border:1px solid #777;background:#eee;color:#000;"
	"text-decoration:none;display:inline-block}"
	"dl{display:grid;grid-template-columns:14em 1fr;gap:.25em 1em}"
	"dt{font-weight:bold}dd{margin:0;overflow-wrap:anywhere}\n";

/*
 * Without the script every field shows; with it, the rows that apply
 * only to the other Connection Type are hidden, following the select.
 * A row with an error stays, so its reason is never out of sight.
 */
const char page_script_js[] =
	"'use strict';\n"
	"(function () {\n"
	"\tvar sel = document.getElementById('f-Connection_Type');\n"
	"\tif (!sel)\n\t\treturn;\n"
	"\tfunction update() {\n"
	"\t\tvar rows = document.querySelectorAll('[data-when]');\n"
	"\t\tfor (var i = 0; i < rows.length; i++)\n"
	"\t\t\trows[i].hidden = rows[i].getAttribute('data-when') !== "
	"sel.value &&\n"
	"\t\t\t\t!rows[i].querySelector('[aria-invalid]');\n"
	"\t}\n"
	"\tsel.addEventListener('change', update);\n"
	"\tupdate();\n"
	"})();\n";

/* --- routes ------------------------------------------------------- */

void page_route_path(struct page_route *r)
{
	const char *account = r->account == AUTH_ADMIN ? "admin" : "user";
	const char *view = r->advanced ? "advanced" : "basic";

	if (r->kind == PAGE_KIND_EXT)
		snprintf(r->path, sizeof(r->path), "/%s/%s/voice/ext%u",
			 account, view, r->ext);
	else
		snprintf(r->path, sizeof(r->path), "/%s/%s/%s", account,
			 view, page_kind_names[r->kind]);
}

void page_route_home(enum auth_role role, struct page_route *out)
{
	memset(out, 0, sizeof(*out));
	out->account = role;
	out->advanced = false;
	out->kind = PAGE_KIND_INFO;
	page_route_path(out);
}

/* "ext<n>" with 1 <= n <= FIELDS_EXT_MAX, no leading zero. */
static int page_parse_ext(const char *s, unsigned int *ext)
{
	if (strncmp(s, "ext", 3) != 0 || s[3] < '1' || s[3] > '9' ||
	    s[4] != '\0')
		return -ENOENT;

	*ext = (unsigned int)(s[3] - '0');
	return *ext <= FIELDS_EXT_MAX ? 0 : -ENOENT;
}

int page_route_parse(const char *url, struct page_route *out)
{
	struct page_route r = { 0 };
	const char *rest;
	size_t i;

	if (strncmp(url, "/admin/", 7) == 0) {
		r.account = AUTH_ADMIN;
		rest = url + 7;
	} else if (strncmp(url, "/user/", 6) == 0) {
		r.account = AUTH_USER;
		rest = url + 6;
	} else {
		return -ENOENT;
	}

	if (strncmp(rest, "advanced/", 9) == 0) {
		r.advanced = true;
		rest += 9;
	} else if (strncmp(rest, "basic/", 6) == 0) {
		rest += 6;
	} else {
		return -ENOENT;
	}

	for (i = 0; i < PAGE_N(page_kind_names); i++)
		if (i != PAGE_KIND_EXT && strcmp(rest, page_kind_names[i]) == 0)
			break;

	if (i < PAGE_N(page_kind_names)) {
		r.kind = (enum page_kind)i;
	} else if (strncmp(rest, "voice/", 6) == 0 &&
		   page_parse_ext(rest + 6, &r.ext) == 0) {
		r.kind = PAGE_KIND_EXT;
	} else {
		return -ENOENT;
	}

	/* The user account has no User or admin password page. */
	if ((r.kind == PAGE_KIND_USER || r.kind == PAGE_KIND_PASSWORD) &&
	    r.account != AUTH_ADMIN)
		return -ENOENT;

	page_route_path(&r);
	*out = r;
	return 0;
}

/* --- page frame ----------------------------------------------------- */

static void page_head(struct html_buf *b, const char *title)
{
	html_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
		  "<meta charset=\"utf-8\">"
		  "<meta name=\"viewport\" content=\"width=device-width, "
		  "initial-scale=1\"><title>");
	html_escape(b, title);
	html_puts(b, " - deskphone</title>"
		  "<link rel=\"stylesheet\" href=\"" PAGE_STYLE "\">"
		  "<script src=\"" PAGE_SCRIPT "\" defer></script>"
		  "</head><body>\n"
		  "<a class=\"skip\" href=\"#main\">Skip to content</a>\n");
}

static void page_link(struct html_buf *b, const struct page_route *to,
		      const char *text, bool current)
{
	html_printf(b, "<li><a href=\"%s\"%s>", to->path,
		    current ? " aria-current=\"page\"" : "");
	html_escape(b, text);
	html_puts(b, "</a></li>");
}

static void page_route_as(const struct page_route *from,
			  enum page_kind kind, unsigned int ext,
			  bool advanced, struct page_route *to)
{
	*to = *from;
	to->kind = kind;
	to->ext = ext;
	to->advanced = advanced;
	page_route_path(to);
}

/* "Admin Login > advanced > Voice > System", each step a link. */
static void page_crumbs(struct html_buf *b, const struct page_route *r,
			const char *title)
{
	struct page_route to;

	html_puts(b, "<nav class=\"crumbs tabs\" aria-label=\"Breadcrumb\">"
		  "<ol>");
	page_route_as(r, PAGE_KIND_INFO, 0, false, &to);
	page_link(b, &to, r->account == AUTH_ADMIN ? "Admin Login" :
		  "User Login", false);
	page_route_as(r, PAGE_KIND_INFO, 0, r->advanced, &to);
	page_link(b, &to, r->advanced ? "advanced" : "basic", false);
	if (r->kind != PAGE_KIND_INFO) {
		page_route_as(r, PAGE_KIND_SYSTEM, 0, r->advanced, &to);
		page_link(b, &to, "Voice", false);
	}
	page_link(b, r, title, true);
	html_puts(b, "</ol></nav>\n");
}

/* Info / Voice tabs, the Voice pages, and the basic / advanced switch. */
static void page_tabs(struct html_buf *b, const struct page_route *r,
		      const struct page_env *env, unsigned int n_ext)
{
	struct page_route to;
	char text[16];
	unsigned int n;

	html_puts(b, "<nav class=\"tabs\" aria-label=\"Pages\"><ul>");
	page_route_as(r, PAGE_KIND_INFO, 0, r->advanced, &to);
	page_link(b, &to, "Info", r->kind == PAGE_KIND_INFO);
	page_route_as(r, PAGE_KIND_SYSTEM, 0, r->advanced, &to);
	page_link(b, &to, "Voice", r->kind != PAGE_KIND_INFO);
	page_route_as(r, r->kind, r->ext, false, &to);
	page_link(b, &to, "basic", !r->advanced);
	page_route_as(r, r->kind, r->ext, true, &to);
	page_link(b, &to, "advanced", r->advanced);
	if (env->role == AUTH_USER)
		html_puts(b, "<li><a href=\"" PAGE_LOGIN "?account=admin\">"
			  "Admin Login</a></li>");
	html_puts(b, "</ul>");

	if (r->kind != PAGE_KIND_INFO) {
		html_puts(b, "<ul aria-label=\"Voice\">");
		page_route_as(r, PAGE_KIND_SYSTEM, 0, r->advanced, &to);
		page_link(b, &to, "System", r->kind == PAGE_KIND_SYSTEM);
		page_route_as(r, PAGE_KIND_SIP, 0, r->advanced, &to);
		page_link(b, &to, "SIP", r->kind == PAGE_KIND_SIP);
		for (n = 1; n <= n_ext; n++) {
			snprintf(text, sizeof(text), "Ext %u", n);
			page_route_as(r, PAGE_KIND_EXT, n, r->advanced, &to);
			page_link(b, &to, text, r->kind == PAGE_KIND_EXT &&
				  r->ext == n);
		}
		if (r->account == AUTH_ADMIN && env->role == AUTH_ADMIN) {
			page_route_as(r, PAGE_KIND_USER, 0, r->advanced,
				      &to);
			page_link(b, &to, "User", r->kind == PAGE_KIND_USER);
			page_route_as(r, PAGE_KIND_PASSWORD, 0, r->advanced,
				      &to);
			page_link(b, &to, "Admin Password",
				  r->kind == PAGE_KIND_PASSWORD);
		}
		html_puts(b, "</ul>");
	}

	html_puts(b, "</nav>\n");
}

/* Header, navigation and the logout button; opens <main>. */
static void page_top(struct html_buf *b, const struct page_env *env,
		     const struct page_route *r, const char *title,
		     unsigned int n_ext)
{
	page_head(b, title);
	html_printf(b, "<header><span class=\"brand\">deskphone</span>"
		    "<span>%s</span>", env->role == AUTH_ADMIN ?
		    "Logged in as admin" : "Logged in as user");
	html_puts(b, "<form method=\"post\" action=\"" PAGE_LOGOUT "\">"
		  "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_escape(b, env->csrf);
	html_puts(b, "\"><button type=\"submit\">Log out</button></form>"
		  "</header>\n");
	page_crumbs(b, r, title);
	page_tabs(b, r, env, n_ext);
	html_puts(b, "<main id=\"main\">\n<h1>");
	html_escape(b, title);
	html_puts(b, "</h1>\n");
}

static void page_bottom(struct html_buf *b)
{
	html_puts(b, "</main>\n</body></html>\n");
}

static int page_finish(struct html_buf *b, unsigned int status,
		       struct page_out *out)
{
	if (html_buf_failed(b)) {
		html_buf_free(b);
		return -ENOMEM;
	}

	out->status = status;
	out->body = html_buf_steal(b, &out->len);
	return out->body ? 0 : -ENOMEM;
}

int page_login(const char *message, const char *account,
	       unsigned int status, struct page_out *out)
{
	bool user = account && strcmp(account, "user") == 0;
	struct html_buf b;

	html_buf_init(&b);
	page_head(&b, user ? "User Login" : "Admin Login");
	html_printf(&b, "<main id=\"main\">\n<h1>%s</h1>\n",
		    user ? "User Login" : "Admin Login");

	if (message) {
		html_puts(&b, "<p class=\"err\" role=\"alert\">");
		html_escape(&b, message);
		html_puts(&b, "</p>\n");
	}

	html_printf(&b, "<form method=\"post\" action=\"" PAGE_LOGIN "\">"
		    "<div class=\"row\"><label for=\"account\">Account"
		    "</label><select id=\"account\" name=\"account\">"
		    "<option%s>admin</option><option%s>user</option>"
		    "</select></div>"
		    "<div class=\"row\"><label for=\"password\">Password"
		    "</label><input id=\"password\" name=\"password\" "
		    "type=\"password\" autocomplete=\"current-password\" "
		    "maxlength=\"%d\" required autofocus></div>"
		    "<button type=\"submit\">Log in</button></form>\n",
		    user ? "" : " selected", user ? " selected" : "",
		    AUTH_PASSWORD_MAX);
	page_bottom(&b);
	return page_finish(&b, status, out);
}

int page_error(unsigned int status, const char *title, const char *text,
	       struct page_out *out)
{
	struct html_buf b;

	html_buf_init(&b);
	page_head(&b, title);
	html_puts(&b, "<main id=\"main\">\n<h1>");
	html_escape(&b, title);
	html_puts(&b, "</h1>\n<p>");
	html_escape(&b, text);
	html_puts(&b, "</p>\n<p><a href=\"" PAGE_INFO "\">Back</a></p>\n");
	page_bottom(&b);
	return page_finish(&b, status, out);
}

/* --- per request state ------------------------------------------- */

struct page_item {
	struct fields_item f;
	const char *section;
	const char *show_when;
	size_t owner;				/* index in owners */
	const struct client_param *param;	/* NULL: owner not there */
	bool read_only;
	char *error;
};

struct page_ctx {
	const struct page_env *env;
	const struct page_route *route;
	struct client_owner owners[PAGE_N_OWNERS];
	struct page_item items[PAGE_ITEMS_MAX];
	size_t n_items;
	unsigned int n_ext;
	const struct form *form;	/* edits to show again, or NULL */
	char *top_error;
	const char *note;
};

static size_t page_owner_index(const char *label)
{
	size_t i;

	for (i = 0; i < PAGE_N_OWNERS; i++)
		if (strcmp(page_owner_defs[i].label, label) == 0)
			return i;

	return 0;
}

/* Ext 1 always; more when sipd has settings for them. */
static unsigned int page_count_ext(const struct client_owner *sip)
{
	unsigned int n = 1, ext;
	size_t i;

	for (i = 0; i < sip->n_params; i++) {
		ext = fields_ext_of(sip->params[i].name);
		if (ext > n && ext <= FIELDS_EXT_MAX)
			n = ext;
	}

	return n;
}

/* webd's own settings in the shape List() gives the others'. */
static void page_own_list(const struct page_env *env,
			  struct client_owner *o)
{
	const struct param_def *defs[8];
	const char *values[8];
	int i, n;

	n = env->own_list ? env->own_list(env->own_data, defs, values, 8) :
	    0;
	o->params = calloc(n > 0 ? (size_t)n : 1, sizeof(*o->params));
	if (!o->params) {
		o->problem = strdup("out of memory");
		return;
	}

	for (i = 0; i < n; i++) {
		struct client_param *p = &o->params[o->n_params++];

		p->name = strdup(defs[i]->name);
		p->type = strdup(param_type_name(defs[i]->type));
		p->value = strdup(values[i] ? values[i] : "");
		p->def = strdup(defs[i]->def ? defs[i]->def : "");
	}

	o->running = true;
}

static void page_ctx_load(struct page_ctx *ctx, const struct page_env *env,
			  const struct page_route *route)
{
	size_t i;

	memset(ctx, 0, sizeof(*ctx));
	ctx->env = env;
	ctx->route = route;

	for (i = 0; i < PAGE_N_OWNERS; i++) {
		client_owner_init(&ctx->owners[i], page_owner_defs[i].service,
				  page_owner_defs[i].path,
				  page_owner_defs[i].label);
		if (i == PAGE_OWNER_WEBD)
			page_own_list(env, &ctx->owners[i]);
		else if (env->bus)
			client_list(env->bus, &ctx->owners[i]);
		else
			ctx->owners[i].problem = strdup("no system bus");
	}

	ctx->n_ext = page_count_ext(&ctx->owners[0]);
}

static void page_ctx_clear(struct page_ctx *ctx)
{
	size_t i;

	for (i = 0; i < PAGE_N_OWNERS; i++)
		client_owner_clear(&ctx->owners[i]);

	for (i = 0; i < ctx->n_items; i++)
		free(ctx->items[i].error);

	free(ctx->top_error);
}

static bool page_restricted(const struct page_ctx *ctx)
{
	return ctx->env->role == AUTH_USER ||
	       ctx->route->account == AUTH_USER;
}

/* Hidden for the user: not added.  Read-only: shown, not sent. */
static void page_add_item(struct page_ctx *ctx, const char *name,
			  const struct fields_known *known, size_t owner,
			  const char *section)
{
	const struct client_owner *o = &ctx->owners[owner];
	struct page_item *it;
	enum access_level level = ACCESS_READ_WRITE;

	if (ctx->n_items >= PAGE_ITEMS_MAX || !fields_name_ok(name))
		return;

	if (page_restricted(ctx)) {
		level = access_get(ctx->env->access, name);
		if (level == ACCESS_HIDDEN)
			return;
	}

	it = &ctx->items[ctx->n_items++];
	memset(it, 0, sizeof(*it));
	snprintf(it->f.name, sizeof(it->f.name), "%s", name);
	it->f.known = known;
	if (known)
		snprintf(it->f.label, sizeof(it->f.label), "%s",
			 known->label);
	else
		fields_label_from_name(name, it->f.label,
				       sizeof(it->f.label));
	it->section = section;
	it->show_when = known ? known->show_when : NULL;
	it->owner = owner;
	it->param = client_owner_find(o, name);
	it->read_only = level == ACCESS_READ_ONLY || fields_locked(name);
}

static enum fields_page page_fields_page(enum page_kind kind)
{
	return kind == PAGE_KIND_SYSTEM ? FIELDS_SYSTEM :
	       kind == PAGE_KIND_SIP ? FIELDS_SIP : FIELDS_EXT;
}

/*
 * The page's fields: the known ones its owners have (or whose owner is
 * not there, to say so), then in the advanced view whatever else the
 * owners list for this page.
 */
static void page_build_items(struct page_ctx *ctx)
{
	const struct page_route *r = ctx->route;
	enum fields_page fp = page_fields_page(r->kind);
	char name[FIELDS_NAME_MAX + 1];
	unsigned int ext;
	size_t i, k;

	for (i = 0; i < fields_known_count(); i++) {
		const struct fields_known *f = fields_known_at(i);
		size_t owner = page_owner_index(f->owner);

		if (f->page != fp || (!r->advanced && !f->basic))
			continue;

		fields_expand(f->name, r->ext, name, sizeof(name));
		if (ctx->owners[owner].running &&
		    !client_owner_find(&ctx->owners[owner], name))
			continue;	/* the owner has no such setting */
		if (!ctx->owners[owner].running && r->ext > 1)
			continue;
		page_add_item(ctx, name, f, owner, f->section);
	}

	if (!r->advanced)
		return;

	for (k = 0; k < PAGE_N_OWNERS; k++) {
		const struct client_owner *o = &ctx->owners[k];

		for (i = 0; i < o->n_params; i++) {
			const char *pname = o->params[i].name;

			if (fields_lookup(pname) ||
			    fields_page_of_extra(o->label, pname, &ext) != fp ||
			    (fp == FIELDS_EXT && ext != r->ext))
				continue;
			page_add_item(ctx, pname, NULL, k, "Other Settings");
		}
	}
}

static struct page_item *page_item_find(struct page_ctx *ctx,
					const char *name)
{
	size_t i;

	for (i = 0; i < ctx->n_items; i++)
		if (strcmp(ctx->items[i].f.name, name) == 0)
			return &ctx->items[i];

	return NULL;
}

/* --- rendering of settings ------------------------------------------ */

static void page_field_missing(struct html_buf *b, struct page_ctx *ctx,
			       const struct page_item *it)
{
	const struct client_owner *o = &ctx->owners[it->owner];

	html_printf(b, "<span class=\"note err\" id=\"n-%s\">%s: ",
		    it->f.name, o->label);
	html_escape(b, o->problem ? o->problem : "not running");
	html_puts(b, "</span>");
}

static const char *const *page_item_choices(const struct page_item *it)
{
	static const char *const yes_no[] = { "Yes", "No", NULL };

	if (it->f.known && it->f.known->def.choices)
		return it->f.known->def.choices;

	/* A Yes/No setting the table did not know about. */
	if (it->param && strcasecmp(it->param->type, "bool") == 0)
		return yes_no;

	return NULL;
}

static void page_control_attrs(struct html_buf *b,
			       const struct page_item *it, bool first_error)
{
	html_printf(b, " id=\"f-%s\"", it->f.name);
	if (it->read_only)
		html_puts(b, " disabled");
	else
		html_printf(b, " name=\"%s\"", it->f.name);
	html_printf(b, " aria-describedby=\"e-%s", it->f.name);
	if (it->param && it->param->secret)
		html_printf(b, " h-%s", it->f.name);
	html_puts(b, "\"");
	if (it->error)
		html_puts(b, " aria-invalid=\"true\"");
	if (first_error)
		html_puts(b, " autofocus");
}

static void page_select(struct html_buf *b, const struct page_item *it,
			const char *const *choices, const char *value,
			bool first_error)
{
	bool found = false;
	size_t i;

	html_puts(b, "<select");
	page_control_attrs(b, it, first_error);
	html_puts(b, ">");

	for (i = 0; choices[i]; i++) {
		bool sel = strcmp(choices[i], value) == 0;

		found |= sel;
		html_puts(b, "<option");
		html_puts(b, sel ? " selected>" : ">");
		html_escape(b, choices[i]);
		html_puts(b, "</option>");
	}

	/* Keep a value we do not know, rather than change it silently. */
	if (!found) {
		html_puts(b, "<option selected>");
		html_escape(b, value);
		html_puts(b, "</option>");
	}

	html_puts(b, "</select>");
}

static void page_input(struct html_buf *b, const struct page_item *it,
		       const char *value, bool first_error)
{
	struct param_def def;

	fields_def_for(&it->f, it->param->type, &def);

	html_puts(b, "<input");
	page_control_attrs(b, it, first_error);
	html_printf(b, " maxlength=\"%lu\"", def.type == PARAM_UINT ? 10UL :
		    def.max ? def.max : PARAM_VALUE_MAX - 1UL);

	if (def.type == PARAM_UINT)
		html_puts(b, " inputmode=\"numeric\"");

	if (it->param->secret) {
		/* Never sent back: an empty field keeps the stored one. */
		html_printf(b, " type=\"password\" value=\"\" "
			    "autocomplete=\"new-password\">"
			    "<span class=\"note\" id=\"h-%s\">Leave empty "
			    "to keep the current password</span>",
			    it->f.name);
		return;
	}

	html_puts(b, " type=\"text\" value=\"");
	html_escape(b, value);
	html_puts(b, "\">");
}

static void page_field(struct html_buf *b, struct page_ctx *ctx,
		       const struct page_item *it, bool first_error)
{
	const char *const *choices;
	const char *value = NULL;

	html_puts(b, "<div class=\"row\"");
	if (it->show_when) {
		html_puts(b, " data-when=\"");
		html_escape(b, it->show_when);
		html_puts(b, "\"");
	}
	html_printf(b, "><label for=\"f-%s\">", it->f.name);
	html_escape(b, it->f.label);
	html_puts(b, "</label>");

	if (!it->param) {
		html_printf(b, "<input id=\"f-%s\" type=\"text\" disabled "
			    "aria-describedby=\"n-%s\">", it->f.name,
			    it->f.name);
		page_field_missing(b, ctx, it);
		html_puts(b, "</div>\n");
		return;
	}

	if (ctx->form && !it->read_only)
		value = form_get(ctx->form, it->f.name);
	if (!value)
		value = it->param->value;

	choices = page_item_choices(it);
	if (choices && !it->param->secret)
		page_select(b, it, choices, value, first_error);
	else
		page_input(b, it, value, first_error);

	html_printf(b, "<span class=\"err\" id=\"e-%s\">", it->f.name);
	if (it->error)
		html_escape(b, it->error);
	else if (it->read_only)
		html_puts(b, fields_locked(it->f.name) ?
			  "<span class=\"note\">set on the phone only</span>" :
			  "<span class=\"note\">read only</span>");
	html_puts(b, "</span></div>\n");
}

static void page_title(const struct page_route *r, char *buf, size_t len)
{
	static const char *const titles[] = {
		[PAGE_KIND_INFO] = "Info",
		[PAGE_KIND_SYSTEM] = "System",
		[PAGE_KIND_SIP] = "SIP",
		[PAGE_KIND_USER] = "User",
		[PAGE_KIND_PASSWORD] = "Admin Password",
	};

	if (r->kind == PAGE_KIND_EXT)
		snprintf(buf, len, "Ext %u", r->ext);
	else
		snprintf(buf, len, "%s", titles[r->kind]);
}

static void page_notes(struct html_buf *b, const struct page_ctx *ctx)
{
	if (ctx->top_error) {
		html_puts(b, "<p class=\"err\" role=\"alert\">");
		html_escape(b, ctx->top_error);
		html_puts(b, "</p>\n");
	} else if (ctx->note) {
		html_puts(b, "<p class=\"ok\" role=\"status\">");
		html_escape(b, ctx->note);
		html_puts(b, "</p>\n");
	}
}

static void page_form_open(struct html_buf *b, const struct page_ctx *ctx)
{
	html_printf(b, "<form method=\"post\" action=\"%s\" novalidate>"
		    "<input type=\"hidden\" name=\"csrf\" value=\"",
		    ctx->route->path);
	html_escape(b, ctx->env->csrf);
	html_puts(b, "\">\n");
}

/* Undo: the page again, as the owners hold it now. */
static void page_form_close(struct html_buf *b, const struct page_ctx *ctx,
			    bool can_submit)
{
	html_puts(b, "<p>");
	if (can_submit)
		html_puts(b, "<button type=\"submit\">Submit All Changes"
			  "</button> ");
	html_printf(b, "<a class=\"button\" id=\"undo\" href=\"%s\">Undo All "
		    "Changes</a></p></form>\n", ctx->route->path);
}

static int page_settings_render(struct page_ctx *ctx, unsigned int status,
				struct page_out *out)
{
	const char *section = NULL;
	bool writable = false, first = true;
	struct html_buf b;
	char title[32];
	size_t i;

	page_title(ctx->route, title, sizeof(title));
	html_buf_init(&b);
	page_top(&b, ctx->env, ctx->route, title, ctx->n_ext);
	page_notes(&b, ctx);
	page_form_open(&b, ctx);

	if (ctx->n_items == 0)
		html_puts(&b, "<p class=\"note\">There are no settings to "
			  "show here.</p>\n");

	for (i = 0; i < ctx->n_items; i++) {
		const struct page_item *it = &ctx->items[i];

		if (!section || strcmp(section, it->section) != 0) {
			section = it->section;
			html_puts(&b, "<h2>");
			html_escape(&b, section);
			html_puts(&b, "</h2>\n");
		}

		page_field(&b, ctx, it, it->error && first);
		if (it->error)
			first = false;
		writable |= it->param && !it->read_only;
	}

	page_form_close(&b, ctx, writable);
	page_bottom(&b);
	return page_finish(&b, status, out);
}

/* --- Info ------------------------------------------------------------ */

struct page_info_row {
	const char *prop;
	const char *label;
};

static void page_info_row(struct html_buf *b, const char *label,
			  const char *value)
{
	html_puts(b, "<dt>");
	html_escape(b, label);
	html_puts(b, "</dt><dd>");
	html_escape(b, value && *value ? value : "-");
	html_puts(b, "</dd>");
}

static bool page_info_known(const struct page_info_row *rows,
			    const char *name)
{
	size_t i;

	for (i = 0; rows[i].prop; i++)
		if (strcmp(rows[i].prop, name) == 0)
			return true;

	return false;
}

/*
 * One status section: the rows we know in order, then every other
 * property the daemon has (new ones show without a change here).
 */
static void page_info_section(struct html_buf *b, sd_bus *bus,
			      const char *heading, const char *label,
			      const char *service, const char *path,
			      const char *interface,
			      const struct page_info_row *rows,
			      const char *down)
{
	struct client_props props;
	char name[96];
	size_t i;

	html_puts(b, "<h2>");
	html_escape(b, heading);
	html_puts(b, "</h2>\n<dl>");

	/* @down: known to be gone already; no second wait for it. */
	memset(&props, 0, sizeof(props));
	if (down || !bus || client_get_all(bus, service, path, interface,
					   &props) < 0) {
		html_puts(b, "<dt>");
		html_escape(b, label);
		html_puts(b, "</dt><dd class=\"err\">");
		html_escape(b, down ? down : props.problem ? props.problem :
			    "not running");
		html_puts(b, "</dd></dl>\n");
		client_props_clear(&props);
		return;
	}

	for (i = 0; rows[i].prop; i++)
		page_info_row(b, rows[i].label,
			      client_props_get(&props, rows[i].prop));

	for (i = 0; i < props.n_props; i++) {
		if (!props.props[i].name ||
		    page_info_known(rows, props.props[i].name))
			continue;
		fields_label_from_name(props.props[i].name, name,
				       sizeof(name));
		page_info_row(b, name, props.props[i].value);
	}

	html_puts(b, "</dl>\n");
	client_props_clear(&props);
}

static int page_info(const struct page_env *env,
		     const struct page_route *route, struct page_out *out)
{
	static const struct page_info_row sip_rows[] = {
		{ "RegistrationState", "Registration State" },
		{ "RegistrationReason", "Last Failure" },
		{ "RegistrationExpires", "Registration Expires (s)" },
		{ "CallState", "Call State" },
		{ "CallRemote", "Call With" },
		{ "CallDirection", "Call Direction" },
		{ "CallCodec", "Call Codec" },
		{ NULL, NULL },
	};
	static const struct page_info_row net_rows[] = {
		{ "Mode", "Mode" },
		{ "State", "State" },
		{ "Interface", "Interface" },
		{ "Address", "Address" },
		{ "Netmask", "NetMask" },
		{ "Router", "Gateway" },
		{ "DnsServers", "DNS" },
		{ "LeaseTime", "Lease Time (s)" },
		{ "ServerAddress", "DHCP Server" },
		{ NULL, NULL },
	};
	static const struct page_info_row audio_rows[] = {
		{ "State", "State" },
		{ NULL, NULL },
	};
	struct client_owner sip;
	struct html_buf b;
	unsigned int n_ext = 1;

	client_owner_init(&sip, page_owner_defs[0].service,
			  page_owner_defs[0].path, page_owner_defs[0].label);
	if (env->bus && client_list(env->bus, &sip) >= 0)
		n_ext = page_count_ext(&sip);

	html_buf_init(&b);
	page_top(&b, env, route, "Info", n_ext);
	page_info_section(&b, env->bus, "Ext 1 and Call", "sipd",
			  "org.deskphone.Sip", "/org/deskphone/Sip",
			  "org.deskphone.Sip1", sip_rows,
			  sip.running ? NULL : sip.problem ? sip.problem :
			  "not running");
	client_owner_clear(&sip);
	page_info_section(&b, env->bus, "Network", "netd",
			  "org.deskphone.Net", "/org/deskphone/Net",
			  "org.deskphone.Net1", net_rows, NULL);
	page_info_section(&b, env->bus, "Audio", "audiod",
			  "org.deskphone.Audio", "/org/deskphone/Audio",
			  "org.deskphone.Audio1", audio_rows, NULL);
	html_puts(&b, "<h2>Versions</h2>\n<dl>");
	page_info_row(&b, "webd", PACKAGE_VERSION);
	html_puts(&b, "</dl>\n");
	page_bottom(&b);
	return page_finish(&b, 200, out);
}

/* --- User page (admin): user password and per-setting access ------ */

static void page_user_render_access(struct html_buf *b,
				    struct page_ctx *ctx)
{
	static const enum access_level levels[] = {
		ACCESS_READ_WRITE, ACCESS_READ_ONLY, ACCESS_HIDDEN,
	};
	const char *const *names;
	size_t n, i, k;

	names = fields_access_names(&n);
	html_puts(b, "<h2>What the user account may do</h2>\n");

	for (i = 0; i < n; i++) {
		const struct fields_known *f = fields_lookup(names[i]);
		enum access_level cur;
		const char *sent = NULL;
		char label[96];

		/* Only settings some owner has now (or may, when down). */
		if (!f || (ctx->owners[page_owner_index(f->owner)].running &&
			   !client_owner_find(
				   &ctx->owners[page_owner_index(f->owner)],
				   names[i])))
			continue;
		if (fields_ext_of(names[i]) > ctx->n_ext)
			continue;

		cur = access_get(ctx->env->access, names[i]);
		if (ctx->form) {
			char key[FORM_NAME_MAX + 1];

			snprintf(key, sizeof(key), "A:%s", names[i]);
			sent = form_get(ctx->form, key);
		}

		if (fields_ext_of(names[i]))
			snprintf(label, sizeof(label), "Ext %u: %s",
				 fields_ext_of(names[i]), f->label);
		else
			snprintf(label, sizeof(label), "%s", f->label);

		html_printf(b, "<div class=\"row\"><label for=\"a-%s\">",
			    names[i]);
		html_escape(b, label);
		html_printf(b, "</label><select id=\"a-%s\" name=\"A:%s\">",
			    names[i], names[i]);
		for (k = 0; k < PAGE_N(levels); k++) {
			const char *lv = access_level_name(levels[k]);
			bool sel = sent ? strcmp(sent, lv) == 0 :
				   cur == levels[k];

			html_printf(b, "<option%s>%s</option>",
				    sel ? " selected" : "", lv);
		}
		html_puts(b, "</select></div>\n");
	}
}

static int page_user_render(struct page_ctx *ctx, unsigned int status,
			    struct page_out *out)
{
	struct html_buf b;

	html_buf_init(&b);
	page_top(&b, ctx->env, ctx->route, "User", ctx->n_ext);
	page_notes(&b, ctx);
	page_form_open(&b, ctx);
	html_printf(&b, "<h2>User Account</h2>\n<p>The user account %s.</p>\n"
		    "<div class=\"row\"><label for=\"f-User_Password\">New "
		    "User Password</label><input id=\"f-User_Password\" "
		    "name=\"User_Password\" type=\"password\" value=\"\" "
		    "maxlength=\"%d\" autocomplete=\"new-password\" "
		    "aria-describedby=\"h-User_Password\"><span class=\"note\""
		    " id=\"h-User_Password\">Leave empty to keep the current "
		    "one</span></div>\n"
		    "<div class=\"row\"><label for=\"f-User_Disable\">Disable "
		    "the user account</label><input id=\"f-User_Disable\" "
		    "name=\"User_Disable\" type=\"checkbox\" value=\"Yes\">"
		    "</div>\n", ctx->env->auth->user_enabled ?
		    "has a password and can log in" :
		    "has no password and cannot log in", AUTH_PASSWORD_MAX);
	page_user_render_access(&b, ctx);
	page_form_close(&b, ctx, true);
	page_bottom(&b);
	return page_finish(&b, status, out);
}

static void page_password_row(struct html_buf *b, const char *name,
			      const char *label, const char *autocomplete)
{
	html_printf(b, "<div class=\"row\"><label for=\"f-%s\">%s</label>"
		    "<input id=\"f-%s\" name=\"%s\" type=\"password\" "
		    "value=\"\" maxlength=\"%d\" autocomplete=\"%s\">"
		    "</div>\n", name, label, name, name, AUTH_PASSWORD_MAX,
		    autocomplete);
}

/* Old password and the new one twice; nothing is ever filled in. */
static int page_password_render(struct page_ctx *ctx, unsigned int status,
				struct page_out *out)
{
	struct html_buf b;

	html_buf_init(&b);
	page_top(&b, ctx->env, ctx->route, "Admin Password", ctx->n_ext);
	page_notes(&b, ctx);
	page_form_open(&b, ctx);
	html_printf(&b, "<p>At least %d characters.  Other admin sessions "
		    "end when it changes.</p>\n", AUTH_PASSWORD_MIN);
	page_password_row(&b, "Old_Password", "Current Admin Password",
			  "current-password");
	page_password_row(&b, "New_Password", "New Admin Password",
			  "new-password");
	page_password_row(&b, "New_Password_Again", "New Admin Password "
			  "Again", "new-password");
	html_puts(&b, "<p><button type=\"submit\">Change Password</button>"
		    "</p></form>\n");
	page_bottom(&b);
	return page_finish(&b, status, out);
}

int page_show(const struct page_env *env, const struct page_route *route,
	      const char *note, struct page_out *out)
{
	struct page_ctx ctx;
	int r;

	if (route->kind == PAGE_KIND_INFO)
		return page_info(env, route, out);

	page_ctx_load(&ctx, env, route);
	ctx.note = note;
	if (route->kind == PAGE_KIND_USER) {
		r = page_user_render(&ctx, 200, out);
	} else if (route->kind == PAGE_KIND_PASSWORD) {
		r = page_password_render(&ctx, 200, out);
	} else {
		page_build_items(&ctx);
		r = page_settings_render(&ctx, 200, out);
	}
	page_ctx_clear(&ctx);
	return r;
}

/* --- submitting settings --------------------------------------------- */

/* The changes for one owner, in page order. */
struct page_batch {
	struct client_owner *owner;
	const char *names[PAGE_ITEMS_MAX];
	const char *values[PAGE_ITEMS_MAX];
	const char *old[PAGE_ITEMS_MAX];	/* NULL for secrets */
	size_t n;
	bool applied;
};

/*
 * The user may send only the fields open to them read-write: anything
 * else that names a setting is an attempt to get around the page.
 */
static bool page_form_allowed(struct page_ctx *ctx, const struct form *form)
{
	size_t i, k;

	for (i = 0; i < form->n_fields; i++) {
		const char *name = form->fields[i].name;
		struct page_item *it;
		bool setting;

		if (strcmp(name, "csrf") == 0)
			continue;

		it = page_item_find(ctx, name);
		if (it && !it->read_only)
			continue;
		if (it) {
			log_warning("Refused a form changing read-only %s",
				    name);
			return false;
		}

		if (!page_restricted(ctx))
			continue;	/* the admin's stale page: ignored */

		setting = fields_lookup(name) != NULL;
		for (k = 0; !setting && k < PAGE_N_OWNERS; k++)
			setting = client_owner_find(&ctx->owners[k], name);
		if (setting) {
			log_warning("Refused a user form with %s", name);
			return false;
		}
	}

	return true;
}

/* Every field first, so all wrong ones are shown at once. */
static int page_validate(struct page_ctx *ctx, const struct form *form)
{
	char reason[160];
	size_t i;
	int bad = 0;

	for (i = 0; i < ctx->n_items; i++) {
		struct page_item *it = &ctx->items[i];
		const char *value = form_get(form, it->f.name);
		struct param_def def;

		if (!value || !it->param || it->read_only)
			continue;
		if (it->param->secret && !*value)
			continue;	/* keeps the stored one */

		fields_def_for(&it->f, it->param->type, &def);
		if (param_validate(&def, value, reason, sizeof(reason)) < 0) {
			if (asprintf(&it->error, "%s: %s", it->f.label,
				     reason) < 0)
				it->error = NULL;
			bad++;
		}
	}

	return bad;
}

static const char *page_changed_value(const struct page_item *it,
				      const struct form *form)
{
	const char *value = form_get(form, it->f.name);

	/* Disabled or missing fields are not sent: nothing to change. */
	if (!value || it->read_only)
		return NULL;

	if (it->param->secret)
		return *value ? value : NULL;

	return strcmp(value, it->param->value) != 0 ? value : NULL;
}

/*
 * Sorts the changed fields by owner.  A field sent for a daemon that is
 * not there (a page loaded before it stopped) fails the whole submit:
 * saying "saved" would be wrong.  Returns the number of changes or
 * -ENXIO.
 */
static int page_collect(struct page_ctx *ctx, const struct form *form,
			struct page_batch *batches)
{
	size_t i, k;
	int total = 0;

	for (k = 0; k < PAGE_N_OWNERS; k++) {
		memset(&batches[k], 0, sizeof(batches[k]));
		batches[k].owner = &ctx->owners[k];
	}

	for (i = 0; i < ctx->n_items; i++) {
		struct page_item *it = &ctx->items[i];
		struct page_batch *batch;
		const char *value;

		if (!it->param && form_get(form, it->f.name)) {
			if (asprintf(&it->error, "%s: not running",
				     ctx->owners[it->owner].label) < 0)
				it->error = NULL;
			total = -ENXIO;
		}
		if (!it->param || total < 0)
			continue;

		value = page_changed_value(it, form);
		if (!value)
			continue;

		batch = &batches[it->owner];
		batch->names[batch->n] = it->param->name;
		batch->values[batch->n] = value;
		batch->old[batch->n] = it->param->secret ? NULL :
				       it->param->value;
		batch->n++;
		total++;
	}

	return total;
}

/*
 * Puts the daemon's message next to the field it names, and on top
 * what happened: a refused value, a daemon that is gone, or one that
 * could not apply (save) the change.
 */
static void page_place_error(struct page_ctx *ctx, const char *owner,
			     int r, const char *message)
{
	const char *why;
	size_t i, len;
	int n;

	for (i = 0; message && i < ctx->n_items; i++) {
		struct page_item *it = &ctx->items[i];

		len = strlen(it->f.name);
		if (strncmp(message, it->f.name, len) == 0 &&
		    message[len] == ':') {
			free(it->error);
			it->error = strdup(message);
			break;
		}
	}

	why = message ? message : strerror(-r);
	if (r == -EINVAL)
		n = asprintf(&ctx->top_error, "Nothing was changed. %s "
			     "refused: %s", owner, why);
	else if (r == -EHOSTDOWN)
		n = asprintf(&ctx->top_error, "Nothing was changed: %s is "
			     "%s.", owner, why);
	else
		n = asprintf(&ctx->top_error, "Nothing was changed: %s could "
			     "not save it (%s).", owner, why);
	if (n < 0)
		ctx->top_error = NULL;
}

/* SetMany on a daemon, or webd's own store in process. */
static int page_set_many(const struct page_ctx *ctx,
			 const struct client_owner *owner,
			 const char *const *names, const char *const *values,
			 size_t n, char **message)
{
	if (owner == &ctx->owners[PAGE_OWNER_WEBD]) {
		*message = NULL;
		if (!ctx->env->own_set)
			return -ENXIO;
		return ctx->env->own_set(ctx->env->own_data, names, values, n,
					 message);
	}

	if (!ctx->env->bus) {
		*message = strdup("no system bus");
		return -ENXIO;
	}

	return client_set_many(ctx->env->bus, owner, names, values, n,
			       message);
}

/* Puts back what earlier owners took before a later one refused. */
static int page_undo(const struct page_ctx *ctx, struct page_batch *batches,
		     size_t upto)
{
	size_t k, i, n;
	int ret = 0;

	for (k = 0; k < upto; k++) {
		const char *names[PAGE_ITEMS_MAX], *values[PAGE_ITEMS_MAX];
		char *message = NULL;
		int r;

		if (!batches[k].applied)
			continue;

		for (i = 0, n = 0; i < batches[k].n; i++) {
			if (!batches[k].old[i])
				continue;	/* a secret: cannot restore */
			names[n] = batches[k].names[i];
			values[n++] = batches[k].old[i];
		}

		r = n ? page_set_many(ctx, batches[k].owner, names, values,
				      n, &message) : 0;
		if (r < 0) {
			log_err("Failed to undo changes on %s: %s",
				batches[k].owner->service,
				message ? message : strerror(-r));
			ret = r;
		} else {
			log_info("Undid %zu change(s) on %s", n,
				 batches[k].owner->service);
		}

		free(message);
	}

	return ret;
}

static bool page_batch_has_secret(const struct page_batch *batch)
{
	size_t i;

	for (i = 0; i < batch->n; i++)
		if (!batch->old[i])
			return true;

	return false;
}

/*
 * A secret cannot be put back (its old value is never read), so the
 * owners getting one go last: if any owner refuses, those are not yet
 * touched.  Stable, so otherwise the order stays.
 */
static void page_order_batches(struct page_batch *batches)
{
	struct page_batch tmp;
	size_t pass, k;

	for (pass = 0; pass < PAGE_N_OWNERS; pass++)
		for (k = 0; k + 1 < PAGE_N_OWNERS; k++) {
			if (!page_batch_has_secret(&batches[k]) ||
			    page_batch_has_secret(&batches[k + 1]))
				continue;
			tmp = batches[k];
			batches[k] = batches[k + 1];
			batches[k + 1] = tmp;
		}
}

static int page_apply(struct page_ctx *ctx, struct page_batch *batches)
{
	size_t k;

	page_order_batches(batches);

	for (k = 0; k < PAGE_N_OWNERS; k++) {
		struct page_batch *batch = &batches[k];
		char *message = NULL;
		int r;

		if (batch->n == 0)
			continue;

		r = page_set_many(ctx, batch->owner, batch->names,
				  batch->values, batch->n, &message);
		if (r >= 0) {
			batch->applied = true;
			log_info("Web %s changed %zu setting(s) on %s",
				 auth_role_name(ctx->env->role), batch->n,
				 batch->owner->service);
			continue;
		}

		log_info("%s refused the change: %s", batch->owner->service,
			 message ? message : strerror(-r));
		page_place_error(ctx, batch->owner->label, r, message);
		free(message);

		if (page_undo(ctx, batches, k) < 0) {
			free(ctx->top_error);
			ctx->top_error = strdup("A daemon refused a change, "
						"and earlier changes could "
						"not all be undone; reload "
						"the page to see the "
						"current values.");
		}

		return r;
	}

	return 0;
}

static int page_settings_submit(struct page_ctx *ctx,
				const struct form *form,
				unsigned int *n_changed,
				struct page_out *out)
{
	struct page_batch batches[PAGE_N_OWNERS];
	int total, bad, r = 0;

	page_build_items(ctx);

	if (!page_form_allowed(ctx, form))
		return -EPERM;

	bad = page_validate(ctx, form);
	if (bad > 0) {
		if (asprintf(&ctx->top_error, "Nothing was changed: %d "
			     "field%s correcting.", bad,
			     bad == 1 ? " needs" : "s need") < 0)
			ctx->top_error = NULL;
		r = -EINVAL;
	}

	total = r == 0 ? page_collect(ctx, form, batches) : 0;
	if (total < 0) {
		r = total;
		ctx->top_error = strdup("Nothing was changed: a daemon that "
					"owns some of these settings is not "
					"running.");
	} else if (r == 0) {
		r = page_apply(ctx, batches);
	}

	if (r == 0) {
		*n_changed = (unsigned int)total;
		return 1;
	}

	/* Show the edits again; secrets are left empty. */
	ctx->form = form;
	return page_settings_render(ctx, 400, out);
}

/* The access levels the form changes: names without "A:". */
static size_t page_user_levels(struct page_ctx *ctx, const struct form *form,
			       const char **names, const char **levels)
{
	size_t i, n = 0;

	for (i = 0; i < form->n_fields; i++) {
		const char *name = form->fields[i].name;
		const char *cur;

		if (strncmp(name, "A:", 2) != 0)
			continue;

		cur = access_level_name(access_get(ctx->env->access, name + 2));
		if (strcmp(cur, form->fields[i].value) == 0)
			continue;	/* unchanged */

		names[n] = name + 2;
		levels[n++] = form->fields[i].value;
	}

	return n;
}

static int page_user_password_check(struct page_ctx *ctx, const char *pw)
{
	struct param_def def = {
		.name = "User_Password", .type = PARAM_TEXT,
		.max = AUTH_PASSWORD_MAX,
	};
	char reason[128];

	if (param_validate(&def, pw, reason, sizeof(reason)) == 0 &&
	    auth_password_ok(pw, reason, sizeof(reason)) == 0)
		return 0;

	if (asprintf(&ctx->top_error, "Nothing was changed: New User "
		     "Password %s.", reason) < 0)
		ctx->top_error = NULL;
	return -EINVAL;
}

/*
 * The User page's form: access levels and the user password.  Both are
 * checked before either is stored; the levels go in one step.
 */
static int page_user_submit(struct page_ctx *ctx, const struct form *form,
			    unsigned int *n_changed, struct page_out *out)
{
	const char *names[FORM_FIELDS_MAX], *levels[FORM_FIELDS_MAX];
	const char *pw = form_get(form, "User_Password");
	const char *disable = form_get(form, "User_Disable");
	bool off = disable && strcmp(disable, "Yes") == 0;
	size_t n, bad = 0;
	int r = 0;

	n = page_user_levels(ctx, form, names, levels);
	if (pw && !*pw)
		pw = NULL;	/* keeps the current one */

	if (pw && !off)
		r = page_user_password_check(ctx, pw);

	if (r == 0 && n > 0) {
		r = access_set_many(ctx->env->access, names, levels, n, &bad);
		if (r < 0 && asprintf(&ctx->top_error, "Nothing was changed: "
				      "%s: %s", bad < n ? names[bad] : "?",
				      r == -ENOENT ? "no such setting" :
				      r == -EINVAL ? "not a valid level" :
				      strerror(-r)) < 0)
			ctx->top_error = NULL;
	}

	if (r == 0 && (off || pw)) {
		r = auth_user_password_set(ctx->env->auth, off ? "" : pw);
		if (r < 0 && asprintf(&ctx->top_error, "Failed to store the "
				      "user password: %s",
				      strerror(-r)) < 0)
			ctx->top_error = NULL;
	}

	if (r == 0) {
		*n_changed = (unsigned int)n + (off || pw);
		return 1;
	}

	ctx->form = form;
	return page_user_render(ctx, 400, out);
}

static const char *page_password_problem(int r)
{
	switch (r) {
	case -EACCES:
		return "the current admin password is wrong";
	case -EINVAL:
		return "the new password is too short";
	case -E2BIG:
		return "the new password is too long";
	default:
		return strerror(-r);
	}
}

static void page_password_error(struct page_ctx *ctx, int r,
				unsigned int retry)
{
	int n;

	if (r == -EBUSY)
		n = asprintf(&ctx->top_error, "Nothing was changed: too many "
			     "wrong passwords. Try again in %u seconds.",
			     retry);
	else
		n = asprintf(&ctx->top_error, "Nothing was changed: %s (at "
			     "least %d characters).",
			     page_password_problem(r), AUTH_PASSWORD_MIN);
	if (n < 0)
		ctx->top_error = NULL;
}

/* The admin's own password: the old one, and the new one twice. */
static int page_password_submit(struct page_ctx *ctx,
				const struct form *form,
				unsigned int *n_changed, struct page_out *out)
{
	const char *old = form_get(form, "Old_Password");
	const char *pw = form_get(form, "New_Password");
	const char *again = form_get(form, "New_Password_Again");
	unsigned int retry = 0;
	int r;

	if (!old || !pw || !again) {
		r = -EBADMSG;
		ctx->top_error = strdup("Nothing was changed: fill in all "
					"three fields.");
	} else if (strcmp(pw, again) != 0) {
		r = -EINVAL;
		ctx->top_error = strdup("Nothing was changed: the two new "
					"passwords differ.");
	} else {
		r = auth_admin_password_change(ctx->env->auth, old, pw,
					       ctx->env->session,
					       ctx->env->client, auth_now(),
					       &retry);
		if (r == -EACCES)
			log_warning("Wrong current password in an admin "
				    "password change");
		if (r < 0)
			page_password_error(ctx, r, retry);
	}

	if (r == 0) {
		*n_changed = 1;
		return 1;
	}

	return page_password_render(ctx, r == -EACCES ? 403 :
				    r == -EBUSY ? 429 : 400, out);
}

int page_submit(const struct page_env *env, const struct page_route *route,
		const struct form *form, unsigned int *n_changed,
		struct page_out *out)
{
	struct page_ctx ctx;
	int r;

	if (route->kind == PAGE_KIND_INFO)
		return -EPERM;

	page_ctx_load(&ctx, env, route);
	if (route->kind == PAGE_KIND_USER)
		r = env->role == AUTH_ADMIN ?
		    page_user_submit(&ctx, form, n_changed, out) : -EPERM;
	else if (route->kind == PAGE_KIND_PASSWORD)
		r = env->role == AUTH_ADMIN ?
		    page_password_submit(&ctx, form, n_changed, out) :
		    -EPERM;
	else
		r = page_settings_submit(&ctx, form, n_changed, out);
	page_ctx_clear(&ctx);
	return r;
}
