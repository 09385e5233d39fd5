/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <pthread.h>

#include "client.h"
#include "form.h"
#include "log.h"
#include "pages.h"
#include "server.h"

/*
 * Threading: libmicrohttpd runs one internal polling thread, so every
 * request is handled in that thread, one at a time.  sd-bus objects are
 * not thread safe, so the D-Bus calls made for pages use a connection
 * of their own (client.c) that only this thread touches; the main
 * thread keeps the connection that owns org.deskphone.Web.  Blocking
 * calls are fine here: they are bounded by CLIENT_TIMEOUT_USEC, and the
 * main loop is never held up by a slow daemon.
 */

struct server {
	struct MHD_Daemon *mhd;
	struct MHD_Daemon *redirect;	/* plain HTTP, or NULL */
	struct server_config config;
	pthread_mutex_t lock;		/* http_url and the fields below */
	struct auth *auth;
	struct access *access;
	char host[64];			/* as in our URL: [v6] or v4 */
	uint16_t port;
	char url[80];
	char http_url[80];
	uint16_t http_port;		/* bound, once the listener is up */
	/*
	 * Under lock, for the idle exit: open connections, when the last
	 * one closed, and auth_busy_until() as of then.  http_on says
	 * whether the inherited plain HTTP socket redirects or refuses.
	 */
	unsigned int connections;
	uint64_t last_active;
	uint64_t busy_until;
	bool http_on;
	bool quiesced;
};

/* Collected request body; one per connection. */
struct server_request {
	char *body;
	size_t len;
	bool too_large;
	size_t discarded;
};

/*
 * Connections: a browser opens about six per site, so one address gets
 * a few more than that and can never take the slots of the others; the
 * total stays small enough for the memory limit of each (32 KiB).  A
 * connection that sends nothing (no TLS handshake, no request, an idle
 * keep-alive) is closed after SERVER_IDLE_SEC.
 */
#define SERVER_CONNECTIONS_MAX 128u
#define SERVER_CONNECTIONS_PER_IP 16u
#define SERVER_IDLE_SEC 10u

/* The most of a too large body read (and dropped) to answer 413. */
#define SERVER_DISCARD_MAX (1024 * 1024)

/* What a handler decided; sent by server_send(). */
struct server_reply {
	struct page_out page;
	const char *content_type;
	const char *location;
	char cookie[128];
	char retry_after[16];
	bool cacheable;
};

static const char server_csp[] =
	"default-src 'none'; style-src 'self'; script-src 'self'; "
	"form-action 'self'; "
	"frame-ancestors 'none'; base-uri 'none'";

static void server_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_debug("libmicrohttpd: %s", line);
}

static enum MHD_Result server_send(struct MHD_Connection *c,
				   struct server_reply *reply)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(reply->page.len,
					       reply->page.body,
					       MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(reply->page.body);
		return MHD_NO;
	}

	MHD_add_response_header(resp, "Content-Type", reply->content_type ?
				reply->content_type :
				"text/html; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", reply->cacheable ?
				"max-age=3600" : "no-store");
	MHD_add_response_header(resp, "Content-Security-Policy", server_csp);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	/* Not no-referrer: with it browsers send "Origin: null" on forms. */
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	MHD_add_response_header(resp, "Strict-Transport-Security",
				"max-age=31536000");

	if (reply->location)
		MHD_add_response_header(resp, "Location", reply->location);
	if (reply->cookie[0])
		MHD_add_response_header(resp, "Set-Cookie", reply->cookie);
	if (reply->retry_after[0])
		MHD_add_response_header(resp, "Retry-After",
					reply->retry_after);

	ret = MHD_queue_response(c, reply->page.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result server_send_error(struct MHD_Connection *c,
					 unsigned int status,
					 const char *title, const char *text)
{
	struct server_reply reply = { 0 };

	if (page_error(status, title, text, &reply.page) < 0)
		return MHD_NO;

	return server_send(c, &reply);
}

static enum MHD_Result server_redirect(struct MHD_Connection *c,
				       const char *location,
				       const char *cookie)
{
	struct server_reply reply = { 0 };

	reply.location = location;
	if (cookie)
		snprintf(reply.cookie, sizeof(reply.cookie), "%s", cookie);

	/* A tiny body for clients that do not follow redirects. */
	if (page_error(303, "See Other", location, &reply.page) < 0)
		return MHD_NO;

	return server_send(c, &reply);
}

/* Secure: the browser never sends it over the plain HTTP redirect. */
static void server_set_cookie(struct server_reply *reply, const char *token)
{
	snprintf(reply->cookie, sizeof(reply->cookie),
		 SERVER_COOKIE "=%s; Path=/; Secure; HttpOnly; "
		 "SameSite=Strict; Max-Age=%llu", token,
		 (unsigned long long)(AUTH_SESSION_IDLE_USEC / 1000000));
}

static bool server_is_form(struct MHD_Connection *c)
{
	const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						       "Content-Type");
	size_t n = strlen("application/x-www-form-urlencoded");

	return type && strncasecmp(type, "application/x-www-form-urlencoded",
				   n) == 0 &&
	       (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

/* 0, or an error response was queued (*ret says how that went). */
static int server_read_form(struct MHD_Connection *c,
			    struct server_request *req, struct form *form,
			    enum MHD_Result *ret)
{
	char reason[160];
	int r;

	if (!server_is_form(c)) {
		*ret = server_send_error(c, 415, "Unsupported Media Type",
					 "Forms must be sent as application/"
					 "x-www-form-urlencoded.");
		return -EINVAL;
	}

	r = form_parse(req->body ? req->body : "", req->len, form, reason,
		       sizeof(reason));
	if (r < 0) {
		log_info("Refused a form: %s", reason);
		*ret = server_send_error(c, 400, "Bad Request", reason);
		return r;
	}

	return 0;
}

/* The client's address as the key of the login rate limit. */
static void server_client(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *info;

	info = MHD_get_connection_info(c,
				       MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	auth_client_key(info ? info->client_addr : NULL, buf, len);
}

static enum MHD_Result server_login_post(struct server *s,
					 struct MHD_Connection *c,
					 struct server_request *req)
{
	struct server_reply reply = { 0 };
	char token[AUTH_TOKEN_HEX];
	const char *pw, *account;
	enum auth_role role = AUTH_ADMIN;
	char client[AUTH_CLIENT_MAX];
	unsigned int retry = 0;
	enum MHD_Result ret;
	struct form form;
	char text[96];
	int r;

	if (server_read_form(c, req, &form, &ret) < 0)
		return ret;

	/* No account field: an older form, meaning the admin. */
	account = form_get(&form, "account");
	if (account && auth_role_from_name(account, &role) < 0) {
		form_free(&form);
		return server_send_error(c, 400, "Bad Request",
					 "There is no such account.");
	}

	pw = form_get(&form, "password");
	server_client(c, client, sizeof(client));
	r = auth_login(s->auth, role, pw ? pw : "", client, auth_now(),
		       token, &retry);
	form_free(&form);
	account = auth_role_name(role);

	if (r == -EBUSY) {
		snprintf(text, sizeof(text), "Too many failed logins. Try "
			 "again in %u seconds.", retry);
		snprintf(reply.retry_after, sizeof(reply.retry_after), "%u",
			 retry);
		r = page_login(text, account, 429, &reply.page);
	} else if (r == -EACCES) {
		log_warning("Failed %s login", account);
		r = page_login("Wrong password.", account, 403, &reply.page);
	} else if (r < 0) {
		log_err("Failed to start a session: %s", strerror(-r));
		return server_send_error(c, 500, "Internal Server Error",
					 "Could not start a session.");
	} else {
		log_notice("%s logged in", account);
		server_set_cookie(&reply, token);
		reply.location = PAGE_INFO;
		r = page_error(303, "See Other", PAGE_INFO, &reply.page);
	}

	if (r < 0)
		return MHD_NO;

	return server_send(c, &reply);
}

static enum MHD_Result server_static(struct MHD_Connection *c,
				     const char *text, const char *type)
{
	struct server_reply reply = { 0 };

	reply.page.status = 200;
	reply.page.body = strdup(text);
	reply.page.len = strlen(text);
	reply.content_type = type;
	reply.cacheable = true;
	if (!reply.page.body)
		return MHD_NO;

	return server_send(c, &reply);
}

/* The login form, the style sheet and the script. */
static enum MHD_Result server_public(struct MHD_Connection *c,
				     const char *url)
{
	struct server_reply reply = { 0 };
	const char *account;

	if (strcmp(url, PAGE_STYLE) == 0)
		return server_static(c, page_style_css,
				     "text/css; charset=utf-8");

	if (strcmp(url, PAGE_SCRIPT) == 0)
		return server_static(c, page_script_js,
				     "text/javascript; charset=utf-8");

	account = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
					      "account");
	if (page_login(NULL, account, 200, &reply.page) < 0)
		return MHD_NO;

	return server_send(c, &reply);
}

static enum MHD_Result server_logout(struct MHD_Connection *c,
				     struct auth_session *session)
{
	log_notice("%s logged out", auth_role_name(session->role));
	auth_session_end(session);
	return server_redirect(c, PAGE_LOGIN, SERVER_COOKIE "=; Path=/; "
			       "Secure; HttpOnly; SameSite=Strict; "
			       "Max-Age=0");
}

static int server_start_redirect(struct server *s);
static void server_stop_redirect(struct server *s);
static void server_http_on(struct server *s, bool on);

/* Turns the plain HTTP listener on or off, now. */
static int server_http_set(struct server *s, bool redirect)
{
	/* systemd's socket stays: webd refuses on it when off. */
	if (s->config.http_fd >= 0) {
		server_http_on(s, redirect);
		return 0;
	}

	if (redirect == (s->redirect != NULL))
		return 0;

	if (redirect)
		return server_start_redirect(s);

	server_stop_redirect(s);
	log_notice("Plain HTTP is off");
	return 0;
}

/* webd's own settings, as page_env's "webd" owner. */
static int server_own_set(void *data, const char *const *names,
			  const char *const *values, size_t n,
			  char **message)
{
	struct server *s = data;
	const char *old, *now;
	char reason[192];
	char *keep;
	int r;

	old = access_own_get(s->access, ACCESS_HTTP);
	keep = old ? strdup(old) : NULL;

	r = access_own_set_many(s->access, names, values, n, reason,
				sizeof(reason));
	if (r < 0) {
		*message = strdup(reason);
		free(keep);
		return r == -ENOENT || r == -EINVAL ? -EINVAL : r;
	}

	now = access_own_get(s->access, ACCESS_HTTP);
	r = server_http_set(s, strcmp(now, ACCESS_HTTP_REDIRECT) == 0);
	if (r < 0 && keep) {
		/* Stored only what is running. */
		const char *name = ACCESS_HTTP;
		const char *back = keep;

		access_own_set_many(s->access, &name, &back, 1, reason,
				    sizeof(reason));
		if (asprintf(message, "%s: cannot listen on port %u",
			     ACCESS_HTTP, s->config.http_port) < 0)
			*message = NULL;
		r = -EINVAL;
	}

	free(keep);
	return r;
}

static int server_own_list(void *data, const struct param_def **defs,
			   const char **values, size_t max)
{
	struct server *s = data;
	size_t i, n = access_own_count(s->access);

	for (i = 0; i < n && i < max; i++) {
		defs[i] = access_own_def(s->access, i);
		values[i] = access_own_get(s->access, defs[i]->name);
	}

	return (int)i;
}

static void server_env(struct server *s, struct MHD_Connection *c,
		       struct auth_session *session, struct page_env *env)
{
	memset(env, 0, sizeof(*env));
	server_client(c, env->client, sizeof(env->client));
	client_bus(&env->bus);
	env->auth = s->auth;
	env->access = s->access;
	env->role = session->role;
	env->session = session;
	env->csrf = session->csrf;
	env->own_list = server_own_list;
	env->own_set = server_own_set;
	env->own_data = s;
}

static enum MHD_Result server_forbidden(struct MHD_Connection *c)
{
	return server_send_error(c, 403, "Forbidden",
				 "This account may not do that.");
}

static enum MHD_Result server_settings_post(struct server *s,
					    struct MHD_Connection *c,
					    const struct page_route *route,
					    const struct form *form,
					    struct auth_session *session,
					    struct server_reply *reply)
{
	unsigned int changed = 0;
	struct page_env env;
	char location[128];
	int r;

	server_env(s, c, session, &env);
	r = page_submit(&env, route, form, &changed, &reply->page);
	if (r == -EPERM)
		return server_forbidden(c);
	if (r < 0)
		return MHD_NO;

	if (r == 0)
		return server_send(c, reply);

	/* Post/Redirect/Get: a reload does not submit again. */
	snprintf(location, sizeof(location), "%s?saved=%u", route->path,
		 changed);
	reply->location = location;
	if (page_error(303, "See Other", location, &reply->page) < 0)
		return MHD_NO;

	return server_send(c, reply);
}

/* An admin page for a user session; every other page is fine. */
static bool server_allowed(const struct auth_session *session,
			   const struct page_route *route)
{
	return session->role == AUTH_ADMIN || route->account == AUTH_USER;
}

static enum MHD_Result server_post(struct server *s, struct MHD_Connection *c,
				   const char *url,
				   struct server_request *req,
				   struct auth_session *session,
				   struct server_reply *reply)
{
	struct page_route route;
	bool logout = strcmp(url, PAGE_LOGOUT) == 0;
	enum MHD_Result ret;
	struct form form;

	if (!logout && (page_route_parse(url, &route) < 0 ||
			route.kind == PAGE_KIND_INFO))
		return server_send_error(c, 405, "Method Not Allowed",
					 "This page cannot take a form.");

	if (!logout && !server_allowed(session, &route))
		return server_forbidden(c);

	if (server_read_form(c, req, &form, &ret) < 0)
		return ret;

	/* Nothing changes without the token of this session. */
	if (!auth_csrf_check(session, form_get(&form, "csrf"))) {
		form_free(&form);
		log_warning("Refused a form without a valid CSRF token");
		return server_send_error(c, 403, "Forbidden",
					 "The form was not sent from this "
					 "session; reload the page and try "
					 "again.");
	}

	if (logout)
		ret = server_logout(c, session);
	else
		ret = server_settings_post(s, c, &route, &form, session,
					   reply);

	form_free(&form);
	return ret;
}

static enum MHD_Result server_get(struct server *s, struct MHD_Connection *c,
				  const char *url,
				  struct auth_session *session,
				  struct server_reply *reply)
{
	struct page_route route;
	const char *saved;
	struct page_env env;
	char note[64];
	int r;

	if (strcmp(url, "/") == 0)
		return server_redirect(c, PAGE_INFO, reply->cookie);

	/* Logged in already: the login page leads home. */
	if (strcmp(url, PAGE_LOGIN) == 0 &&
	    !MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
					 "account"))
		return server_redirect(c, PAGE_INFO, reply->cookie);
	if (strcmp(url, PAGE_LOGIN) == 0)
		return server_public(c, url);

	if (strcmp(url, PAGE_INFO) == 0)
		page_route_home(session->role, &route);
	else if (page_route_parse(url, &route) < 0)
		return server_send_error(c, 404, "Not Found",
					 "There is no such page.");

	if (!server_allowed(session, &route))
		return server_forbidden(c);

	saved = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
					    "saved");
	if (saved)
		snprintf(note, sizeof(note), "%s",
			 strcmp(saved, "0") == 0 ? "No changes." :
			 "Changes saved.");

	server_env(s, c, session, &env);
	r = page_show(&env, &route, saved ? note : NULL, &reply->page);
	if (r < 0)
		return MHD_NO;

	return server_send(c, reply);
}

/*
 * Browsers name the page a form came from in Origin.  A form posted
 * from another site is refused before it is looked at: the CSRF token
 * already stops it from changing anything, but this also keeps other
 * sites from spending the login attempts.  Clients that send no Origin
 * (curl, old browsers) still need the token.
 */
static bool server_origin_ok(struct MHD_Connection *c)
{
	const char *origin, *host;
	size_t n = strlen("https://");

	origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	if (!origin)
		return true;

	host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	return host && strncasecmp(origin, "https://", n) == 0 &&
	       strcasecmp(origin + n, host) == 0;
}

static bool server_is_public(const char *url, bool get)
{
	return get && (strcmp(url, PAGE_STYLE) == 0 ||
		       strcmp(url, PAGE_SCRIPT) == 0);
}

static enum MHD_Result server_route(struct server *s,
				    struct MHD_Connection *c,
				    const char *url, const char *method,
				    struct server_request *req)
{
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	bool post = strcmp(method, "POST") == 0;
	struct server_reply reply = { 0 };
	struct auth_session *session;
	const char *cookie;

	if (req->too_large)
		return server_send_error(c, 413, "Payload Too Large",
					 "The form is too large.");

	if (post && !server_origin_ok(c)) {
		log_warning("Refused a form posted from another origin");
		return server_send_error(c, 403, "Forbidden",
					 "Forms from other sites are not "
					 "accepted.");
	}

	cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
					     SERVER_COOKIE);
	session = auth_session_find(s->auth, cookie, auth_now());

	/* The only pages served without a session. */
	if (server_is_public(url, get))
		return server_public(c, url);

	if (strcmp(url, PAGE_LOGIN) == 0 && post)
		return server_login_post(s, c, req);

	if (strcmp(url, PAGE_LOGIN) == 0 && get && !session)
		return server_public(c, url);

	if (!session) {
		if (get)
			return server_redirect(c, PAGE_LOGIN, NULL);
		return server_send_error(c, 401, "Unauthorized",
					 "Log in first.");
	}

	/* Slide the browser's expiry along with ours. */
	server_set_cookie(&reply, cookie);

	if (get)
		return server_get(s, c, url, session, &reply);
	if (post)
		return server_post(s, c, url, req, session, &reply);

	return server_send_error(c, 405, "Method Not Allowed",
				 "Only GET and POST are used here.");
}

static enum MHD_Result server_body(struct server_request *req,
				   const char *data, size_t *size)
{
	char *p;

	/*
	 * Too large: the rest is read and dropped, so the client is
	 * still there to get its 413 (closing now would reset the TLS
	 * connection under it).  Past SERVER_DISCARD_MAX it is cut off.
	 */
	if (req->too_large || *size > SERVER_BODY_MAX - req->len) {
		req->too_large = true;
		free(req->body);
		req->body = NULL;
		req->discarded += *size;
		*size = 0;
		return req->discarded > SERVER_DISCARD_MAX ? MHD_NO : MHD_YES;
	}

	p = realloc(req->body, req->len + *size + 1);
	if (!p)
		return MHD_NO;

	memcpy(p + req->len, data, *size);
	req->body = p;
	req->len += *size;
	req->body[req->len] = '\0';
	*size = 0;
	return MHD_YES;
}

static enum MHD_Result server_handle(void *cls, struct MHD_Connection *c,
				     const char *url, const char *method,
				     const char *version,
				     const char *upload_data,
				     size_t *upload_size, void **con_cls)
{
	struct server_request *req = *con_cls;
	const char *length;

	if (req && *upload_size > 0)
		return server_body(req, upload_data, upload_size);

	if (req)
		return server_route(cls, c, url, method, req);

	req = calloc(1, sizeof(*req));
	if (!req)
		return MHD_NO;
	*con_cls = req;

	/* RFC 9112 3.2: an HTTP/1.1 request without Host is a 400. */
	if (strcmp(version, MHD_HTTP_VERSION_1_1) == 0 &&
	    !MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host")) {
		req->too_large = true;	/* drop any body */
		return server_send_error(c, 400, "Bad Request",
					 "The request has no Host.");
	}

	/* Refuse a body that is announced too large before reading it. */
	length = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					     "Content-Length");
	if (length && strtoull(length, NULL, 10) > SERVER_BODY_MAX) {
		req->too_large = true;
		if (strtoull(length, NULL, 10) > SERVER_DISCARD_MAX)
			return server_send_error(c, 413, "Payload Too Large",
						 "The form is too large.");
	}

	return MHD_YES;
}

static void server_completed(void *cls, struct MHD_Connection *c,
			     void **con_cls,
			     enum MHD_RequestTerminationCode toe)
{
	struct server_request *req = *con_cls;

	if (!req)
		return;

	free(req->body);
	free(req);
	*con_cls = NULL;
}

static int server_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * URL and query decoding in place, as libmicrohttpd's own but leaving
 * "%00" as it is: a NUL would cut "/admin/x%00junk" down to a route
 * that exists, and no route or argument ever needs one.
 */
static size_t server_unescape(void *cls, struct MHD_Connection *c,
			      char *s)
{
	char *d = s;
	const char *p;

	for (p = s; *p; p++) {
		int hi = *p == '%' ? server_hex(p[1]) : -1;
		int lo = hi >= 0 ? server_hex(p[2]) : -1;

		if (lo < 0 || (hi | lo) == 0) {
			*d++ = *p;
			continue;
		}

		*d++ = (char)(hi << 4 | lo);
		p += 2;
	}

	*d = '\0';
	return (size_t)(d - s);
}

static int server_address(const struct server_config *config,
			  struct sockaddr_storage *ss, bool *ipv6,
			  char *host, size_t host_len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));

	if (inet_pton(AF_INET, config->address, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(config->port);
		*ipv6 = false;
		if (host)
			snprintf(host, host_len, "%s", config->address);
		return 0;
	}

	if (inet_pton(AF_INET6, config->address, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(config->port);
		*ipv6 = true;
		if (host)
			snprintf(host, host_len, "[%s]", config->address);
		return 0;
	}

	return -EINVAL;
}

/* A Host header that is safe to put in a Location: name or IP literal. */
static bool server_host_ok(const char *host)
{
	size_t n = strlen(host);

	if (n == 0 || n > 255)
		return false;

	if (host[0] == '[')
		return host[n - 1] == ']' &&
		       strspn(host + 1, "0123456789abcdefABCDEF:.") == n - 2;

	return strspn(host, "abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == n;
}

/* The host name of a Host header without its port, or NULL. */
static const char *server_header_host(struct MHD_Connection *c, char *buf,
				      size_t len)
{
	const char *host, *end;

	host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	if (!host)
		return NULL;

	/* "[::1]:8080", "phone:8080", "10.0.0.2" */
	end = host[0] == '[' ? strchr(host, ']') : strchr(host, ':');
	if (end && host[0] == '[')
		end++;
	if (!end)
		end = host + strlen(host);
	if ((size_t)(end - host) >= len)
		return NULL;

	memcpy(buf, host, (size_t)(end - host));
	buf[end - host] = '\0';
	return server_host_ok(buf) ? buf : NULL;
}

/* The address the client reached us on, as a URL host: v4 or [v6]. */
static int server_local_host(struct MHD_Connection *c, char *buf,
			     size_t len)
{
	const union MHD_ConnectionInfo *info;
	struct sockaddr_storage ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t ss_len = sizeof(ss);
	char text[INET6_ADDRSTRLEN];

	info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!info)
		return -EBADF;
	if (getsockname(info->connect_fd, (struct sockaddr *)&ss,
			&ss_len) < 0)
		return -errno;

	if (ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
			  text, sizeof(text));
		snprintf(buf, len, "%s", text);
		return 0;
	}

	if (ss.ss_family != AF_INET6)
		return -EAFNOSUPPORT;

	if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
		inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], text,
			  sizeof(text));
		snprintf(buf, len, "%s", text);
	} else {
		inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
		snprintf(buf, len, "[%s]", text);
	}

	return 0;
}

/*
 * Whether a Host names this phone: the address the request came in on,
 * the name in the device certificate or the system's host name.  Any
 * other name is never put in a redirect, so the plain HTTP listener
 * cannot be used to send people to another site.
 */
static bool server_own_name(const char *host, const char *local)
{
	char name[256];

	if (strcasecmp(host, local) == 0 ||
	    strcasecmp(host, TLS_DEVICE_NAME) == 0)
		return true;

	if (gethostname(name, sizeof(name)) < 0)
		return false;
	name[sizeof(name) - 1] = '\0';
	return name[0] && strcasecmp(host, name) == 0;
}

/* The host for the redirect: the client's Host if it is ours. */
static const char *server_redirect_host(struct server *s,
					struct MHD_Connection *c, char *buf,
					size_t len, char *local,
					size_t local_len)
{
	const char *host;

	if (server_local_host(c, local, local_len) < 0)
		snprintf(local, local_len, "%s", s->host);

	host = server_header_host(c, buf, len);
	return host && server_own_name(host, local) ? host : local;
}

/*
 * Plain HTTP: every GET goes to the same path over HTTPS.  Anything
 * else is refused rather than redirected, so a form is never sent a
 * second time after it has crossed the network in the clear.
 */
static enum MHD_Result server_redirect_handle(void *cls,
					      struct MHD_Connection *c,
					      const char *url,
					      const char *method,
					      const char *version,
					      const char *upload_data,
					      size_t *upload_size,
					      void **con_cls)
{
	struct server_reply reply = { 0 };
	char location[400], buf[260], local[64];
	struct server *s = cls;
	const char *host, *path;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return server_send_error(c, 403, "Forbidden",
					 "Use HTTPS for this page.");

	host = server_redirect_host(s, c, buf, sizeof(buf), local,
				    sizeof(local));

	/* Only plain paths are carried over; anything odd goes to /. */
	path = url && url[0] == '/' && strlen(url) < 100 &&
	       strspn(url, "abcdefghijklmnopqrstuvwxyz0123456789/._-") ==
	       strlen(url) ? url : "/";

	snprintf(location, sizeof(location), "https://%s:%u%s", host,
		 s->port, path);

	reply.location = location;
	if (page_error(301, "Moved Permanently", location, &reply.page) < 0)
		return MHD_NO;

	return server_send(c, &reply);
}

static uint16_t server_bound_port(struct MHD_Daemon *mhd, uint16_t asked)
{
	const union MHD_DaemonInfo *info;

	info = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_BIND_PORT);
	return info && info->port ? info->port : asked;
}

/* The port of a socket we were given; 0 if it cannot be told. */
static uint16_t server_fd_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

static uint16_t server_port_of(struct MHD_Daemon *mhd, int fd,
			       uint16_t asked)
{
	uint16_t port = fd >= 0 ? server_fd_port(fd) : 0;

	return port ? port : server_bound_port(mhd, asked);
}

/*
 * Where a socket from systemd really listens, for the log: it need not
 * be --listen's address.  A specific address replaces @host; "" for a
 * wildcard (every address of the host), @host kept if unknown.
 */
static void server_fd_host(int fd, char *host, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const void *a = NULL;
	char buf[INET6_ADDRSTRLEN];

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return;

	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		if (in->sin_addr.s_addr == htonl(INADDR_ANY))
			goto any;
		a = &in->sin_addr;
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		if (IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr))
			goto any;
		a = &in6->sin6_addr;
	}

	if (a && inet_ntop(ss.ss_family, a, buf, sizeof(buf)))
		snprintf(host, len, ss.ss_family == AF_INET6 ? "[%s]" : "%s",
			 buf);
	return;

any:
	host[0] = '\0';
}

/* Counts connections of both listeners for server_idle(). */
static void server_notify(void *cls, struct MHD_Connection *c,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct server *s = cls;

	pthread_mutex_lock(&s->lock);
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		s->connections++;
	} else if (s->connections > 0) {
		s->connections--;
		s->last_active = auth_now();
	}
	pthread_mutex_unlock(&s->lock);
}

/* As server_notify(), and notes what the HTTPS side holds in memory. */
static void server_notify_https(void *cls, struct MHD_Connection *c,
				void **socket_context,
				enum MHD_ConnectionNotificationCode code)
{
	struct server *s = cls;
	uint64_t until = 0;

	/* s->auth belongs to this thread: read it outside the lock. */
	if (code == MHD_CONNECTION_NOTIFY_CLOSED)
		until = auth_busy_until(s->auth);

	server_notify(cls, c, socket_context, code);
	if (code != MHD_CONNECTION_NOTIFY_CLOSED)
		return;

	pthread_mutex_lock(&s->lock);
	s->busy_until = until;
	pthread_mutex_unlock(&s->lock);
}

/* The inherited plain HTTP socket while plain HTTP is off: closed. */
static enum MHD_Result server_http_accept(void *cls,
					  const struct sockaddr *addr,
					  socklen_t addrlen)
{
	struct server *s = cls;
	bool on;

	pthread_mutex_lock(&s->lock);
	on = s->http_on;
	pthread_mutex_unlock(&s->lock);
	return on ? MHD_YES : MHD_NO;
}

static void server_http_on(struct server *s, bool on)
{
	char url[80] = "";

	if (on)
		snprintf(url, sizeof(url), "http://%s:%u/", s->host,
			 s->http_port);

	pthread_mutex_lock(&s->lock);
	s->http_on = on;
	memcpy(s->http_url, url, sizeof(url));
	pthread_mutex_unlock(&s->lock);

	if (on)
		log_notice("Plain HTTP at %s redirects to HTTPS", url);
	else if (s->config.http_fd >= 0)
		log_notice("Plain HTTP is off: its socket closes every "
			   "connection");
}

static int server_start_redirect(struct server *s)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
			     MHD_USE_ERROR_LOG | MHD_USE_ITC;
	const struct server_config *config = &s->config;
	struct sockaddr_storage ss;
	bool ipv6;

	server_address(config, &ss, &ipv6, NULL, 0);
	if (ipv6) {
		flags |= MHD_USE_IPv6;
		((struct sockaddr_in6 *)&ss)->sin6_port =
			htons(config->http_port);
	} else {
		((struct sockaddr_in *)&ss)->sin_port =
			htons(config->http_port);
	}

	/* An inherited socket (-1: none) replaces the address. */
	s->redirect = MHD_start_daemon(flags, config->http_port,
				       server_http_accept, s,
				       server_redirect_handle, s,
				       MHD_OPTION_SOCK_ADDR,
				       (struct sockaddr *)&ss,
				       MHD_OPTION_LISTEN_SOCKET,
				       config->http_fd,
				       MHD_OPTION_NOTIFY_CONNECTION,
				       server_notify, s,
				       MHD_OPTION_CONNECTION_LIMIT,
				       SERVER_CONNECTIONS_MAX,
				       MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				       SERVER_CONNECTIONS_PER_IP,
				       MHD_OPTION_CONNECTION_TIMEOUT,
				       SERVER_IDLE_SEC,
				       MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				       (size_t)(16 * 1024),
				       MHD_OPTION_EXTERNAL_LOGGER,
				       server_mhd_log, s,
				       MHD_OPTION_END);
	if (!s->redirect) {
		log_err("Failed to listen for plain HTTP on %s port %u",
			config->address, config->http_port);
		return -EADDRNOTAVAIL;
	}

	s->http_port = server_port_of(s->redirect, config->http_fd,
				      config->http_port);
	server_http_on(s, config->http_fd < 0 || config->http_redirect);
	return 0;
}

static void server_stop_redirect(struct server *s)
{
	if (!s->redirect)
		return;

	MHD_stop_daemon(s->redirect);
	s->redirect = NULL;
	pthread_mutex_lock(&s->lock);
	s->http_url[0] = '\0';
	pthread_mutex_unlock(&s->lock);
}

/* TLS 1.2 and 1.3 only, GnuTLS's normal choice of ciphers in them. */
static const char server_tls_priorities[] =
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2";

int server_start(const struct server_config *config, struct auth *auth,
		 struct access *access, struct server **out)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
			     MHD_USE_ERROR_LOG | MHD_USE_TLS | MHD_USE_ITC;
	struct sockaddr_storage ss;
	char shown[64];
	struct server *s;
	bool ipv6;

	if (server_address(config, &ss, &ipv6, NULL, 0) < 0) {
		log_err("Invalid listen address %s: not an IP literal",
			config->address);
		return -EINVAL;
	}

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->auth = auth;
	s->access = access;
	s->config = *config;
	s->last_active = auth_now();
	pthread_mutex_init(&s->lock, NULL);
	server_address(config, &ss, &ipv6, s->host, sizeof(s->host));
	snprintf(shown, sizeof(shown), "%s", s->host);

	if (ipv6)
		flags |= MHD_USE_IPv6;

	s->mhd = MHD_start_daemon(flags, config->port, NULL, NULL,
				  server_handle, s,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_LISTEN_SOCKET, config->https_fd,
				  MHD_OPTION_NOTIFY_CONNECTION,
				  server_notify_https, s,
				  MHD_OPTION_HTTPS_MEM_KEY,
				  config->tls->key_pem,
				  MHD_OPTION_HTTPS_MEM_CERT,
				  config->tls->cert_pem,
				  MHD_OPTION_HTTPS_PRIORITIES,
				  server_tls_priorities,
				  MHD_OPTION_CONNECTION_LIMIT,
				  SERVER_CONNECTIONS_MAX,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				  SERVER_CONNECTIONS_PER_IP,
				  MHD_OPTION_CONNECTION_TIMEOUT,
				  SERVER_IDLE_SEC,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				  (size_t)(32 * 1024),
				  MHD_OPTION_NOTIFY_COMPLETED,
				  server_completed, s,
				  MHD_OPTION_UNESCAPE_CALLBACK,
				  server_unescape, s,
				  MHD_OPTION_EXTERNAL_LOGGER, server_mhd_log,
				  s,
				  MHD_OPTION_END);
	if (!s->mhd) {
		log_err("Failed to serve HTTPS on %s port %u (in use, not an "
			"address of this host, or a bad key?)",
			config->address, config->port);
		pthread_mutex_destroy(&s->lock);
		free(s);
		return -EADDRNOTAVAIL;
	}

	s->port = server_port_of(s->mhd, config->https_fd, config->port);
	if (config->https_fd >= 0)
		server_fd_host(config->https_fd, shown, sizeof(shown));
	snprintf(s->url, sizeof(s->url), "https://%s:%u/", s->host, s->port);
	if (shown[0])
		log_info("Serving the admin pages at https://%s:%u/", shown,
			 s->port);
	else
		log_info("Serving the admin pages on every address of this "
			 "host, port %u", s->port);

	if ((config->http_redirect || config->http_fd >= 0) &&
	    server_start_redirect(s) < 0) {
		server_stop(s);
		return -EADDRNOTAVAIL;
	}

	*out = s;
	return 0;
}

void server_stop(struct server *server)
{
	if (!server)
		return;

	/* Joins the HTTP thread; its bus connection is then ours to drop. */
	MHD_stop_daemon(server->mhd);
	server_stop_redirect(server);
	client_bus_close();
	pthread_mutex_destroy(&server->lock);
	free(server);
}

const char *server_url(const struct server *server)
{
	return server->url;
}

void server_http_url(struct server *server, char *buf, size_t len)
{
	pthread_mutex_lock(&server->lock);
	snprintf(buf, len, "%s", server->http_url);
	pthread_mutex_unlock(&server->lock);
}

bool server_idle(struct server *server, uint64_t idle_usec)
{
	uint64_t now = auth_now();
	bool idle;

	pthread_mutex_lock(&server->lock);
	idle = server->connections == 0 &&
	       now - server->last_active >= idle_usec &&
	       now >= server->busy_until;
	pthread_mutex_unlock(&server->lock);
	return idle;
}

unsigned int server_connections(struct server *server)
{
	unsigned int n;

	pthread_mutex_lock(&server->lock);
	n = server->connections;
	pthread_mutex_unlock(&server->lock);
	return n;
}

/* Our copies of the listening sockets; systemd keeps its own. */
void server_quiesce(struct server *server)
{
	MHD_socket fd;

	if (server->quiesced)
		return;

	server->quiesced = true;
	fd = MHD_quiesce_daemon(server->mhd);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	if (!server->redirect)
		return;

	fd = MHD_quiesce_daemon(server->redirect);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
}
