/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tls-frame.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bytes read ahead of framing: what one read of the relay can add. */
#define SIPD_FRAME_SLACK 65536

void sipd_frame_init(struct sipd_frame *f)
{
	memset(f, 0, sizeof(*f));
}

void sipd_frame_free(struct sipd_frame *f)
{
	free(f->buf);
	sipd_frame_init(f);
}

int sipd_frame_feed(struct sipd_frame *f, const void *data, size_t len)
{
	size_t need = f->len + len;
	char *p;

	if (len == 0)
		return 0;
	if (need > SIPD_FRAME_HEADER_MAX + SIPD_FRAME_BODY_MAX +
		   SIPD_FRAME_SLACK)
		return -EMSGSIZE;

	if (need > f->cap) {
		size_t cap = f->cap ? f->cap : 4096;

		while (cap < need)
			cap *= 2;
		p = realloc(f->buf, cap);
		if (!p)
			return -ENOMEM;
		f->buf = p;
		f->cap = cap;
	}

	memcpy(f->buf + f->len, data, len);
	f->len += len;
	return 0;
}

static int sipd_frame_fail(struct sipd_frame *f, int r, const char *why)
{
	f->error = why;
	return r;
}

/* Drops the piece handed out by the last call. */
static void sipd_frame_drop(struct sipd_frame *f)
{
	if (!f->taken)
		return;

	memmove(f->buf, f->buf + f->taken, f->len - f->taken);
	f->len -= f->taken;
	f->taken = 0;
}

/* c first: strchr() would find a NUL as the string's terminator. */
static bool sipd_frame_is_token(char c)
{
	return isalnum((unsigned char)c) ||
	       (c && strchr("-.!%*_+`'~", c));
}

/*
 * The first line must be a SIP start line: "SIP/2.0 NNN ..." or
 * "METHOD SP Request-URI SP SIP/2.0", printable.  This is what tells
 * garbage (or a body without its Content-Length) from a message.
 */
static bool sipd_frame_start_line(const char *s, size_t len, bool *request)
{
	size_t i = 0, sp;

	if (len > 0 && s[len - 1] == '\r')
		len--;
	for (sp = 0; sp < len; sp++)
		if ((unsigned char)s[sp] < 0x20 || s[sp] == 0x7f)
			return false;

	if (len >= 12 && !memcmp(s, "SIP/2.0 ", 8) &&
	    isdigit((unsigned char)s[8]) && isdigit((unsigned char)s[9]) &&
	    isdigit((unsigned char)s[10]) && s[11] == ' ') {
		*request = false;
		return true;
	}

	while (i < len && sipd_frame_is_token(s[i]))
		i++;
	if (i == 0 || i >= len || s[i] != ' ')
		return false;
	sp = i + 1;
	while (sp < len && s[sp] != ' ')
		sp++;
	if (sp == i + 1 || len - sp != 8 || memcmp(s + sp, " SIP/2.0", 8))
		return false;

	*request = true;
	return true;
}

/* Length of the line at @s (up to and with its LF), 0 without an LF. */
static size_t sipd_frame_line(const char *s, size_t len)
{
	const char *lf = memchr(s, '\n', len);

	return lf ? (size_t)(lf - s) + 1 : 0;
}

/* The header name of a line, and where its value starts; false if none. */
static bool sipd_frame_header(const char *s, size_t len, const char *name,
			      size_t *value)
{
	size_t n = strlen(name), i;

	if (len <= n || strncasecmp(s, name, n))
		return false;

	for (i = n; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i >= len || s[i] != ':')
		return false;

	for (i++; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	*value = i;
	return true;
}

/* Content-Length of one line: -1 not that header, -2 a bad value. */
static long sipd_frame_length_of(const char *s, size_t len)
{
	size_t v, i, digits = 0;
	long n = 0;

	if (!sipd_frame_header(s, len, "content-length", &v) &&
	    !sipd_frame_header(s, len, "l", &v))
		return -1;

	for (i = v; i < len && isdigit((unsigned char)s[i]); i++) {
		if (++digits > 9)
			return -2;
		n = n * 10 + (s[i] - '0');
	}
	if (digits == 0)
		return -2;
	for (; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return -2;

	return n;
}

/*
 * Walks the header block: its length (with the empty line) into *head
 * and the body length into *body.  0 when the block is not complete.
 */
static int sipd_frame_headers(struct sipd_frame *f, size_t *head, long *body)
{
	size_t pos, n, limit = f->len;
	long cl = -1, v;

	if (limit > SIPD_FRAME_HEADER_MAX)
		limit = SIPD_FRAME_HEADER_MAX;

	n = sipd_frame_line(f->buf, limit);
	if (!n && f->len >= SIPD_FRAME_HEADER_MAX)
		return sipd_frame_fail(f, -EMSGSIZE,
				       "start line longer than 16384 bytes");
	if (!n)
		return 0;
	if (!sipd_frame_start_line(f->buf, n - 1, &f->request))
		return sipd_frame_fail(f, -EBADMSG, "not a SIP start line");

	for (pos = n;; pos += n) {
		n = sipd_frame_line(f->buf + pos, limit - pos);
		if (!n && f->len >= SIPD_FRAME_HEADER_MAX)
			return sipd_frame_fail(f, -EMSGSIZE,
				"header block longer than 16384 bytes");
		if (!n)
			return 0;
		if (n == 1 || (n == 2 && f->buf[pos] == '\r'))
			break;	/* the empty line */

		v = sipd_frame_length_of(f->buf + pos, n);
		if (v == -2 || (v >= 0 && cl >= 0 && v != cl))
			return sipd_frame_fail(f, -EBADMSG,
					       "bad Content-Length");
		if (v >= 0)
			cl = v;
	}

	if (cl > SIPD_FRAME_BODY_MAX)
		return sipd_frame_fail(f, -EMSGSIZE,
				       "body longer than 65536 bytes");

	*head = pos + n;
	/*
	 * RFC 3261 18.3 wants a Content-Length on streams; without one
	 * the body is taken as empty, and whatever follows must then
	 * pass as a start line, so a body is never passed on unframed.
	 */
	*body = cl < 0 ? 0 : cl;
	return 1;
}

int sipd_frame_next(struct sipd_frame *f, char **piece, size_t *len)
{
	size_t head = 0, n = 0;
	long body = 0;
	int r;

	if (f->error)
		return -EBADMSG;
	sipd_frame_drop(f);

	while (n < f->len && (f->buf[n] == '\r' || f->buf[n] == '\n'))
		n++;
	if (n > 0) {
		*piece = f->buf;
		*len = f->taken = n;
		return SIPD_FRAME_PING;
	}

	if (f->len == 0)
		return SIPD_FRAME_MORE;

	r = sipd_frame_headers(f, &head, &body);
	if (r <= 0)
		return r;
	if (f->len < head + (size_t)body)
		return SIPD_FRAME_MORE;

	f->head = head;
	*piece = f->buf;
	*len = f->taken = head + (size_t)body;
	return SIPD_FRAME_MSG;
}

bool sipd_frame_top_via(const char *msg, size_t head, size_t *start,
			size_t *end)
{
	size_t pos, n, v, i;
	bool quoted = false;

	pos = sipd_frame_line(msg, head);
	for (; pos < head; pos += n) {
		n = sipd_frame_line(msg + pos, head - pos);
		if (!n)
			return false;
		if (sipd_frame_header(msg + pos, n, "via", &v) ||
		    sipd_frame_header(msg + pos, n, "v", &v))
			break;
	}
	if (pos >= head)
		return false;

	for (i = v; i < n && msg[pos + i] != '\r' && msg[pos + i] != '\n';
	     i++) {
		if (msg[pos + i] == '"')
			quoted = !quoted;
		else if (msg[pos + i] == ',' && !quoted)
			break;
	}
	while (i > v && (msg[pos + i - 1] == ' ' || msg[pos + i - 1] == '\t'))
		i--;
	if (i == v)
		return false;

	*start = pos + v;
	*end = pos + i;
	return true;
}

/* In a via-parm: where the transport token is ("SIP/2.0/" before it). */
static bool sipd_via_transport(const char *v, size_t len, size_t *off,
			       size_t *tlen)
{
	size_t i = 8;

	if (len < 9 || strncasecmp(v, "SIP/2.0/", 8))
		return false;
	while (i < len && sipd_frame_is_token(v[i]))
		i++;

	*off = 8;
	*tlen = i - 8;
	return *tlen > 0;
}

/* The sent-by (host[:port]) after the protocol; false without one. */
static bool sipd_via_sent_by(const char *v, size_t len, size_t *off,
			     size_t *slen)
{
	size_t t, tl, i;

	if (!sipd_via_transport(v, len, &t, &tl))
		return false;
	for (i = t + tl; i < len && (v[i] == ' ' || v[i] == '\t'); i++)
		;
	*off = i;
	while (i < len && v[i] != ';' && v[i] != ' ' && v[i] != '\t')
		i++;
	*slen = i - *off;
	return *slen > 0;
}

/*
 * A parameter of a via-parm: *val and *vlen its value ("" for a bare
 * one); false when it is not there.
 */
static bool sipd_via_param(const char *v, size_t len, const char *name,
			   size_t *val, size_t *vlen)
{
	size_t n = strlen(name), i, e;

	for (i = 0; i < len; i++) {
		if (v[i] != ';')
			continue;
		for (i++; i < len && (v[i] == ' ' || v[i] == '\t'); i++)
			;
		if (len - i < n || strncasecmp(v + i, name, n))
			continue;
		e = i + n;
		while (e < len && (v[e] == ' ' || v[e] == '\t'))
			e++;
		if (e < len && v[e] != '=' && v[e] != ';')
			continue;	/* a longer name */
		if (e < len && v[e] == '=') {
			for (e++; e < len && (v[e] == ' ' || v[e] == '\t');
			     e++)
				;
			*val = e;
			while (e < len && v[e] != ';' && v[e] != ' ' &&
			       v[e] != '\t')
				e++;
			*vlen = e - *val;
		} else {
			*val = e;
			*vlen = 0;
		}
		return true;
	}

	return false;
}

/*
 * Requests and their responses are matched by branch (RFC 3261 17.2.3:
 * the transaction key), and, for an RFC 2543 peer without one, by
 * sent-by: a response sofia sends carries the request's topmost Via
 * with at most received/rport added, so both survive in it.
 */
static char *sipd_via_key(const char *v, size_t len)
{
	size_t off, n;
	char *key;

	if (sipd_via_param(v, len, "branch", &off, &n) && n > 0) {
		if (asprintf(&key, "b=%.*s", (int)n, v + off) < 0)
			return NULL;
		return key;
	}

	if (!sipd_via_sent_by(v, len, &off, &n))
		n = off = 0;
	if (asprintf(&key, "s=%.*s", (int)n, v + off) < 0)
		return NULL;
	return key;
}

void sipd_via_book_free(struct sipd_via_book *b)
{
	unsigned int i;

	for (i = 0; i < SIPD_VIA_BOOK_N; i++) {
		free(b->e[i].key);
		free(b->e[i].via);
	}
	memset(b, 0, sizeof(*b));
}

int sipd_via_request_in(struct sipd_via_book *b, char *msg, size_t head)
{
	size_t start, end, off, tlen;
	unsigned int i = b->next;
	char *key, *via;

	if (!sipd_frame_top_via(msg, head, &start, &end) ||
	    !sipd_via_transport(msg + start, end - start, &off, &tlen) ||
	    tlen != 3 || strncasecmp(msg + start + off, "TLS", 3))
		return 0;

	key = sipd_via_key(msg + start, end - start);
	via = strndup(msg + start, end - start);
	if (!key || !via) {
		free(key);
		free(via);
		return -ENOMEM;
	}

	/* the oldest entry goes: 32 open transactions on one connection */
	free(b->e[i].key);
	free(b->e[i].via);
	b->e[i].key = key;
	b->e[i].via = via;
	b->next = (i + 1) % SIPD_VIA_BOOK_N;

	memcpy(msg + start + off, "TCP", 3);
	return 1;
}

/* The newest entry for the via-parm sofia put in a response. */
static const char *sipd_via_find(const struct sipd_via_book *b,
				 const char *v, size_t len)
{
	unsigned int i, k;
	const char *found = NULL;
	char *key = sipd_via_key(v, len);

	if (!key)
		return NULL;
	for (k = 1; k <= SIPD_VIA_BOOK_N && !found; k++) {
		i = (b->next + SIPD_VIA_BOOK_N - k) % SIPD_VIA_BOOK_N;
		if (b->e[i].key && !strcmp(b->e[i].key, key))
			found = b->e[i].via;
	}

	free(key);
	return found;
}

/*
 * The peer's via-parm as the response must carry it: received= when
 * the sent-by host is not the address the request came from, and a
 * bare rport filled in (then received= always, RFC 3581 4).
 */
static char *sipd_via_restore(const char *via, const char *peer_ip,
			      unsigned int peer_port)
{
	size_t len = strlen(via), host, n, hlen, rp = 0, rn = 0, x, xn;
	bool rport, add;
	char *out;
	int r;

	if (!sipd_via_sent_by(via, len, &host, &n))
		return strdup(via);

	if (via[host] == '[') {		/* an IPv6 reference */
		host++;
		hlen = strcspn(via + host, "]");
	} else {
		hlen = strcspn(via + host, ":;");
		if (hlen > n)
			hlen = n;
	}

	rport = sipd_via_param(via, len, "rport", &rp, &rn) && rn == 0;
	add = !sipd_via_param(via, len, "received", &x, &xn) &&
	      (rport || strlen(peer_ip) != hlen ||
	       strncasecmp(via + host, peer_ip, hlen));

	if (rport)
		r = asprintf(&out, "%.*s=%u%s%s%s", (int)rp, via, peer_port,
			     via + rp, add ? ";received=" : "",
			     add ? peer_ip : "");
	else
		r = asprintf(&out, "%s%s%s", via, add ? ";received=" : "",
			     add ? peer_ip : "");

	return r < 0 ? NULL : out;
}

int sipd_via_response_out(struct sipd_via_book *b, const char *msg,
			  size_t len, size_t head, const char *peer_ip,
			  unsigned int peer_port, char **out, size_t *out_len)
{
	size_t start, end, off, tlen, vlen;
	const char *via;
	char *v, *p;

	if (!sipd_frame_top_via(msg, head, &start, &end) ||
	    !sipd_via_transport(msg + start, end - start, &off, &tlen) ||
	    tlen != 3 || strncasecmp(msg + start + off, "TCP", 3))
		return 0;

	via = sipd_via_find(b, msg + start, end - start);
	if (!via)
		return 0;	/* not one we changed: sofia's own */

	v = sipd_via_restore(via, peer_ip, peer_port);
	if (!v)
		return -ENOMEM;

	vlen = strlen(v);
	p = malloc(len - (end - start) + vlen);
	if (!p) {
		free(v);
		return -ENOMEM;
	}
	memcpy(p, msg, start);
	memcpy(p + start, v, vlen);
	memcpy(p + start + vlen, msg + end, len - end);
	free(v);

	*out = p;
	*out_len = len - (end - start) + vlen;
	return 1;
}
