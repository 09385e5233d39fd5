/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "html.h"
#include "log.h"
#include "pages.h"

#define PAGE_N_OWNERS 3

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
};

/* List() gives the type but not the choices of an enum. */
static const char *const page_yes_no[] = { "Yes", "No", NULL };
static const char *const page_connection_types[] = {
	"DHCP", "Static IP", NULL
};
static const char *const page_transports[] = {
	"UDP", "TCP", "TLS", "AUTO", NULL
};

static const struct page_field page_system_fields[] = {
	{ "Restricted_Access_Domains", "Restricted Access Domains", "sipd",
	  NULL },
	{ "Connection_Type", "Connection Type", "netd",
	  page_connection_types },
	{ "Static_IP", "Static IP", "netd", NULL },
	{ "NetMask", "NetMask", "netd", NULL },
	{ "Gateway", "Gateway", "netd", NULL },
	{ "Primary_DNS", "Primary DNS", "netd", NULL },
	{ "Secondary_DNS", "Secondary DNS", "netd", NULL },
};

static const struct page_field page_ext1_fields[] = {
	{ "Proxy_1_", "Proxy", "sipd", NULL },
	{ "Outbound_Proxy_1_", "Outbound Proxy", "sipd", NULL },
	{ "User_ID_1_", "User ID", "sipd", NULL },
	{ "Auth_ID_1_", "Auth ID", "sipd", NULL },
	{ "Password_1_", "Password", "sipd", NULL },
	{ "Display_Name_1_", "Display Name", "sipd", NULL },
	{ "Auth_INVITE_1_", "Auth INVITE", "sipd", page_yes_no },
	{ "SIP_Transport_1_", "SIP Transport", "sipd", page_transports },
	{ "Register_Expires_1_", "Register Expires", "sipd", NULL },
};

#define PAGE_N(a) (sizeof(a) / sizeof((a)[0]))

static const struct page_settings page_settings_list[] = {
	{ PAGE_SYSTEM, "System", page_system_fields,
	  PAGE_N(page_system_fields) },
	{ PAGE_EXT1, "Ext 1", page_ext1_fields, PAGE_N(page_ext1_fields) },
};

const char page_style_css[] =
	"body{font-family:sans-serif;margin:0;color:#111;background:#f4f5f7}"
	"header{background:#1f3a5f;color:#fff;padding:.5em 1em;"
	"display:flex;flex-wrap:wrap;gap:1em;align-items:center}"
	"header a{color:#fff}header .brand{font-weight:bold}"
	"nav ol{list-style:none;display:flex;gap:.75em;margin:0;padding:0}"
	"a[aria-current]{font-weight:bold;text-decoration:none}"
	"header form{margin-left:auto}"
	"main{max-width:44em;margin:1em auto;background:#fff;padding:1em 2em;"
	"border:1px solid #ccd}"
	".row{display:grid;grid-template-columns:14em 1fr;gap:.25em 1em;"
	"margin:.5em 0;align-items:center}"
	".row .note,.row .err{grid-column:2}"
	".err{color:#a00000;font-weight:bold}.note{color:#555}"
	".ok{color:#006000;font-weight:bold}"
	"input,select{font:inherit;padding:.2em}"
	":focus{outline:3px solid #f90;outline-offset:1px}"
	"button{font:inherit;padding:.3em 1em}"
	"dl{display:grid;grid-template-columns:14em 1fr;gap:.25em 1em}"
	"dt{font-weight:bold}dd{margin:0}\n";

const struct page_settings *page_settings_find(const char *path)
{
	size_t i;

	for (i = 0; i < PAGE_N(page_settings_list); i++)
		if (strcmp(page_settings_list[i].path, path) == 0)
			return &page_settings_list[i];

	return NULL;
}

static void page_head(struct html_buf *b, const char *title)
{
	html_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
		  "<meta charset=\"utf-8\">"
		  "<meta name=\"viewport\" content=\"width=device-width, "
		  "initial-scale=1\"><title>");
	html_escape(b, title);
	html_puts(b, " - deskphone</title>"
		  "<link rel=\"stylesheet\" href=\"" PAGE_STYLE "\">"
		  "</head><body>\n");
}

static void page_nav_link(struct html_buf *b, const char *path,
			  const char *text, const char *current)
{
	html_printf(b, "<li><a href=\"%s\"%s>%s</a></li>", path,
		    strcmp(path, current) == 0 ?
		    " aria-current=\"page\"" : "", text);
}

/* Header with navigation and the logout button; opens <main>. */
static void page_top(struct html_buf *b, const char *title,
		     const char *current, const char *csrf)
{
	page_head(b, title);
	html_puts(b, "<header><span class=\"brand\">deskphone</span>"
		  "<nav aria-label=\"Main\"><ol>");
	page_nav_link(b, PAGE_INFO, "Info", current);
	html_puts(b, "<li>Admin Login &gt; advanced &gt; Voice &gt;</li>");
	page_nav_link(b, PAGE_SYSTEM, "System", current);
	page_nav_link(b, PAGE_EXT1, "Ext 1", current);
	html_puts(b, "</ol></nav><form method=\"post\" action=\""
		  PAGE_LOGOUT "\"><input type=\"hidden\" name=\"csrf\" "
		  "value=\"");
	html_escape(b, csrf);
	html_puts(b, "\"><button type=\"submit\">Log out</button></form>"
		  "</header>\n<main>\n<h1>");
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

int page_login(const char *message, unsigned int status,
	       struct page_out *out)
{
	struct html_buf b;

	html_buf_init(&b);
	page_head(&b, "Admin Login");
	html_puts(&b, "<main>\n<h1>Admin Login</h1>\n");

	if (message) {
		html_puts(&b, "<p class=\"err\" role=\"alert\">");
		html_escape(&b, message);
		html_puts(&b, "</p>\n");
	}

	html_puts(&b, "<form method=\"post\" action=\"" PAGE_LOGIN "\">"
		  "<div class=\"row\"><label for=\"password\">Password"
		  "</label><input id=\"password\" name=\"password\" "
		  "type=\"password\" autocomplete=\"current-password\" "
		  "maxlength=\"256\" required autofocus></div>"
		  "<button type=\"submit\">Log in</button></form>\n");
	page_bottom(&b);
	return page_finish(&b, status, out);
}

int page_error(unsigned int status, const char *title, const char *text,
	       struct page_out *out)
{
	struct html_buf b;

	html_buf_init(&b);
	page_head(&b, title);
	html_puts(&b, "<main>\n<h1>");
	html_escape(&b, title);
	html_puts(&b, "</h1>\n<p>");
	html_escape(&b, text);
	html_puts(&b, "</p>\n<p><a href=\"" PAGE_INFO "\">Back</a></p>\n");
	page_bottom(&b);
	return page_finish(&b, status, out);
}

static void page_info_row(struct html_buf *b, const char *label,
			  const char *value)
{
	html_puts(b, "<dt>");
	html_escape(b, label);
	html_puts(b, "</dt><dd>");
	html_escape(b, value && *value ? value : "-");
	html_puts(b, "</dd>");
}

/* One status section; a daemon that is not there says so. */
static void page_info_section(struct html_buf *b, sd_bus *bus,
			      const char *heading, const char *label,
			      const char *service, const char *path,
			      const char *interface,
			      const char *const *rows)
{
	struct client_props props;
	size_t i;

	html_printf(b, "<h2>%s</h2>\n<dl>", heading);

	if (!bus || client_get_all(bus, service, path, interface,
				   &props) < 0) {
		if (!bus)
			memset(&props, 0, sizeof(props));
		html_printf(b, "<dt>%s</dt><dd class=\"err\">", label);
		html_escape(b, props.problem ? props.problem : "not running");
		html_puts(b, "</dd></dl>\n");
		client_props_clear(&props);
		return;
	}

	for (i = 0; rows[i]; i += 2)
		page_info_row(b, rows[i + 1],
			      client_props_get(&props, rows[i]));

	html_puts(b, "</dl>\n");
	client_props_clear(&props);
}

int page_info(sd_bus *bus, const char *csrf, struct page_out *out)
{
	static const char *const sip_rows[] = {
		"RegistrationState", "Registration state",
		"RegistrationReason", "Last failure",
		"CallState", "Call state",
		"CallRemote", "Call with",
		NULL,
	};
	static const char *const net_rows[] = {
		"State", "State",
		"Address", "Address",
		"Netmask", "Netmask",
		"Router", "Router",
		"DnsServers", "DNS",
		"LeaseTime", "Lease time (s)",
		NULL,
	};
	struct html_buf b;

	html_buf_init(&b);
	page_top(&b, "Info", PAGE_INFO, csrf);
	page_info_section(&b, bus, "Line 1", "sipd", "org.deskphone.Sip",
			  "/org/deskphone/Sip", "org.deskphone.Sip1",
			  sip_rows);
	page_info_section(&b, bus, "Network", "netd", "org.deskphone.Net",
			  "/org/deskphone/Net", "org.deskphone.Net1",
			  net_rows);
	page_bottom(&b);
	return page_finish(&b, 200, out);
}

/* Per request: every owner's List() and what the admin sent. */
struct page_ctx {
	const struct page_settings *page;
	struct client_owner owners[PAGE_N_OWNERS];
	const struct form *form;	/* edits to show again, or NULL */
	char *field_error[16];
	char *top_error;
	const char *saved;
	const char *csrf;
};

static void page_ctx_load(struct page_ctx *ctx, sd_bus *bus,
			  const struct page_settings *page)
{
	size_t i;

	memset(ctx, 0, sizeof(*ctx));
	ctx->page = page;

	for (i = 0; i < PAGE_N_OWNERS; i++) {
		client_owner_init(&ctx->owners[i], page_owner_defs[i].service,
				  page_owner_defs[i].path,
				  page_owner_defs[i].label);
		if (bus)
			client_list(bus, &ctx->owners[i]);
		else
			ctx->owners[i].problem = strdup("no system bus");
	}
}

static void page_ctx_clear(struct page_ctx *ctx)
{
	size_t i;

	for (i = 0; i < PAGE_N_OWNERS; i++)
		client_owner_clear(&ctx->owners[i]);

	for (i = 0; i < PAGE_N(ctx->field_error); i++)
		free(ctx->field_error[i]);

	free(ctx->top_error);
}

static struct client_owner *page_owner_of(struct page_ctx *ctx,
					  const char *name,
					  const struct client_param **param)
{
	size_t i;

	for (i = 0; i < PAGE_N_OWNERS; i++) {
		const struct client_param *p;

		p = client_owner_find(&ctx->owners[i], name);
		if (p) {
			*param = p;
			return &ctx->owners[i];
		}
	}

	*param = NULL;
	return NULL;
}

/* Why a field has no owner: its daemon is down, or lacks it. */
static void page_field_missing(struct html_buf *b, struct page_ctx *ctx,
			       const struct page_field *f)
{
	size_t i;

	for (i = 0; i < PAGE_N_OWNERS; i++) {
		const struct client_owner *o = &ctx->owners[i];

		if (strcmp(o->label, f->owner) != 0)
			continue;

		html_printf(b, "<span class=\"note err\" id=\"n-%s\">%s: ",
			    f->name, f->owner);
		html_escape(b, o->running ? "does not have this setting" :
			    o->problem ? o->problem : "not running");
		html_puts(b, "</span>");
		return;
	}
}

static const char *const *page_field_choices(const struct page_field *f,
					     const struct client_param *p)
{
	if (f->choices)
		return f->choices;

	/* A Yes/No setting the table did not know about. */
	if (strcasecmp(p->type, "bool") == 0 ||
	    strcasecmp(p->type, "boolean") == 0)
		return page_yes_no;

	return NULL;
}

static void page_select(struct html_buf *b, const struct page_field *f,
			const char *const *choices, const char *value)
{
	bool found = false;
	size_t i;

	html_printf(b, "<select id=\"f-%s\" name=\"%s\" "
		    "aria-describedby=\"e-%s\">", f->name, f->name, f->name);

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

static void page_input(struct html_buf *b, const struct page_field *f,
		       const struct client_param *p, const char *value)
{
	html_printf(b, "<input id=\"f-%s\" name=\"%s\" maxlength=\"%d\" "
		    "aria-describedby=\"e-%s%s%s\"", f->name, f->name,
		    FORM_VALUE_MAX, f->name, p->secret ? " h-" : "",
		    p->secret ? f->name : "");

	if (strcmp(p->type, "uint") == 0)
		html_puts(b, " inputmode=\"numeric\"");

	if (p->secret) {
		/* Never sent back: an empty field keeps the stored one. */
		html_puts(b, " type=\"password\" value=\"\" "
			  "autocomplete=\"new-password\">");
		html_printf(b, "<span class=\"note\" id=\"h-%s\">Leave empty "
			    "to keep the current password</span>", f->name);
		return;
	}

	html_puts(b, " type=\"text\" value=\"");
	html_escape(b, value);
	html_puts(b, "\">");
}

static void page_field(struct html_buf *b, struct page_ctx *ctx, size_t i)
{
	const struct page_field *f = &ctx->page->fields[i];
	const struct client_param *p;
	const char *const *choices;
	const char *value = NULL;

	html_printf(b, "<div class=\"row\"><label for=\"f-%s\">", f->name);
	html_escape(b, f->label);
	html_puts(b, "</label>");

	if (!page_owner_of(ctx, f->name, &p)) {
		html_printf(b, "<input id=\"f-%s\" type=\"text\" disabled "
			    "aria-describedby=\"n-%s\">", f->name, f->name);
		page_field_missing(b, ctx, f);
		html_puts(b, "</div>\n");
		return;
	}

	if (ctx->form)
		value = form_get(ctx->form, f->name);
	if (!value)
		value = p->value;

	choices = page_field_choices(f, p);
	if (choices && !p->secret)
		page_select(b, f, choices, value);
	else
		page_input(b, f, p, value);

	html_printf(b, "<span class=\"err\" id=\"e-%s\">", f->name);
	if (ctx->field_error[i])
		html_escape(b, ctx->field_error[i]);
	html_puts(b, "</span></div>\n");
}

static int page_settings_render(struct page_ctx *ctx, unsigned int status,
				struct page_out *out)
{
	const struct page_settings *page = ctx->page;
	struct html_buf b;
	size_t i;

	html_buf_init(&b);
	page_top(&b, page->title, page->path, ctx->csrf);

	if (ctx->top_error) {
		html_puts(&b, "<p class=\"err\" role=\"alert\">");
		html_escape(&b, ctx->top_error);
		html_puts(&b, "</p>\n");
	} else if (ctx->saved) {
		html_puts(&b, "<p class=\"ok\" role=\"status\">");
		html_escape(&b, ctx->saved);
		html_puts(&b, "</p>\n");
	}

	html_printf(&b, "<form method=\"post\" action=\"%s\">"
		    "<input type=\"hidden\" name=\"csrf\" value=\"",
		    page->path);
	html_escape(&b, ctx->csrf);
	html_puts(&b, "\">\n");

	for (i = 0; i < page->n_fields; i++)
		page_field(&b, ctx, i);

	html_puts(&b, "<p><button type=\"submit\">Submit All Changes</button> "
		  "<button type=\"reset\">Undo All Changes</button></p>"
		  "</form>\n");
	page_bottom(&b);
	return page_finish(&b, status, out);
}

int page_settings_show(sd_bus *bus, const struct page_settings *page,
		       const char *csrf, const char *saved,
		       struct page_out *out)
{
	struct page_ctx ctx;
	int r;

	page_ctx_load(&ctx, bus, page);
	ctx.csrf = csrf;
	ctx.saved = saved;
	r = page_settings_render(&ctx, 200, out);
	page_ctx_clear(&ctx);
	return r;
}

/* The changes for one owner, in page order. */
struct page_batch {
	struct client_owner *owner;
	const char *names[16];
	const char *values[16];
	const char *old[16];		/* NULL for secrets: not known */
	size_t n;
	bool applied;
};

static const char *page_changed_value(const struct page_field *f,
				      const struct client_param *p,
				      const struct form *form)
{
	const char *value = form_get(form, f->name);

	/* Disabled or missing fields are not sent: nothing to change. */
	if (!value)
		return NULL;

	if (p->secret)
		return *value ? value : NULL;

	return strcmp(value, p->value) != 0 ? value : NULL;
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
	const struct page_settings *page = ctx->page;
	size_t i, k;
	int total = 0;

	for (k = 0; k < PAGE_N_OWNERS; k++) {
		memset(&batches[k], 0, sizeof(batches[k]));
		batches[k].owner = &ctx->owners[k];
	}

	for (i = 0; i < page->n_fields; i++) {
		const struct client_param *p;
		struct client_owner *o;
		struct page_batch *batch;
		const char *value;

		o = page_owner_of(ctx, page->fields[i].name, &p);
		if (!o && form_get(form, page->fields[i].name)) {
			if (asprintf(&ctx->field_error[i], "%s: not running",
				     page->fields[i].owner) < 0)
				ctx->field_error[i] = NULL;
			total = -ENXIO;
		}
		if (!o || total < 0)
			continue;

		value = page_changed_value(&page->fields[i], p, form);
		if (!value)
			continue;

		batch = &batches[o - ctx->owners];
		batch->names[batch->n] = p->name;
		batch->values[batch->n] = value;
		batch->old[batch->n] = p->secret ? NULL : p->value;
		batch->n++;
		total++;
	}

	return total;
}

/* Puts the daemon's message next to the field it names, else on top. */
static void page_place_error(struct page_ctx *ctx, const char *owner,
			     const char *message)
{
	const struct page_settings *page = ctx->page;
	size_t i, len;

	for (i = 0; message && i < page->n_fields; i++) {
		len = strlen(page->fields[i].name);
		if (strncmp(message, page->fields[i].name, len) == 0 &&
		    message[len] == ':') {
			ctx->field_error[i] = strdup(message);
			break;
		}
	}

	if (asprintf(&ctx->top_error, "Nothing was changed. %s: %s", owner,
		     message ? message : "failed") < 0)
		ctx->top_error = NULL;
}

/* Puts back what earlier owners took before a later one refused. */
static int page_undo(sd_bus *bus, struct page_batch *batches, size_t upto)
{
	size_t k, i, n;
	int ret = 0;

	for (k = 0; k < upto; k++) {
		const char *names[16], *values[16];
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

		r = n ? client_set_many(bus, batches[k].owner, names, values,
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

static int page_apply(sd_bus *bus, struct page_ctx *ctx,
		      struct page_batch *batches)
{
	size_t k;

	for (k = 0; k < PAGE_N_OWNERS; k++) {
		struct page_batch *batch = &batches[k];
		char *message = NULL;
		int r;

		if (batch->n == 0)
			continue;

		r = client_set_many(bus, batch->owner, batch->names,
				    batch->values, batch->n, &message);
		if (r >= 0) {
			batch->applied = true;
			log_info("Web admin changed %zu setting(s) on %s",
				 batch->n, batch->owner->service);
			continue;
		}

		log_info("%s refused the change: %s", batch->owner->service,
			 message ? message : strerror(-r));
		page_place_error(ctx, batch->owner->label, message);
		free(message);

		if (page_undo(bus, batches, k) < 0) {
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

int page_settings_submit(sd_bus *bus, const struct page_settings *page,
			 const struct form *form, const char *csrf,
			 unsigned int *n_changed, struct page_out *out)
{
	struct page_batch batches[PAGE_N_OWNERS];
	struct page_ctx ctx;
	int total, r;

	page_ctx_load(&ctx, bus, page);
	ctx.csrf = csrf;

	total = page_collect(&ctx, form, batches);
	if (total < 0) {
		r = total;
		ctx.top_error = strdup("Nothing was changed: a daemon that "
				       "owns some of these settings is not "
				       "running.");
	} else {
		r = bus ? page_apply(bus, &ctx, batches) : 0;
	}

	if (r == 0) {
		*n_changed = (unsigned int)total;
		page_ctx_clear(&ctx);
		return 1;
	}

	/* Show the admin's edits again; secrets are left empty. */
	ctx.form = form;
	r = page_settings_render(&ctx, 400, out);
	page_ctx_clear(&ctx);
	return r;
}
