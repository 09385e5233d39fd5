/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The TLS relay's SIP framer and Via rewriting (sipd/tls-frame.c): a
 * stream cut at every byte gives the same messages and keep-alives as
 * the whole; bodies that mention "SIP/2.0/TLS" pass untouched; compact
 * headers count; oversize headers, bad Content-Length and garbage are
 * refused; a peer's Via comes back byte for byte.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls-frame.h"

#include "check.h"

#define INVITE_BODY "v=0\r\ns=Via: SIP/2.0/TLS 10.0.0.9:5061\r\n"

static const char invite[] =
	"INVITE sip:1000@127.0.0.1:5081;transport=tls SIP/2.0\r\n"
	"Via: SIP/2.0/TLS 10.0.0.9:5061;branch=z9hG4bK-a1;rport, "
	"SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-b2\r\n"
	"From: <sip:a@10.0.0.9>;tag=1\r\n"
	"To: <sip:1000@127.0.0.1>\r\n"
	"Call-ID: c1\r\n"
	"CSeq: 1 INVITE\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 39\r\n"
	"\r\n"
	INVITE_BODY;

static const char options[] =
	"OPTIONS sip:1000@127.0.0.1 SIP/2.0\r\n"
	"v: SIP/2.0/TLS 127.0.0.1:40000;branch=z9hG4bK-o1\r\n"
	"i: c2\r\n"
	"l: 0\r\n"
	"\r\n";

static const char ok[] =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/TCP 127.0.0.1:5080;branch=z9hG4bK-own\r\n"
	"l:5\r\n"
	"\r\n"
	"hello";

/* A stream of the three with keep-alives around them. */
static const char *stream_parts[] = {
	"\r\n\r\n", invite, "\r\n", options, ok, "\r\n\r\n",
};

struct seen {
	char text[4096];
	size_t len;
	int msgs;
};

/* Feeds @s cut at @cut, collecting everything framed. */
static int test_run(const char *s, size_t len, size_t cut, struct seen *out)
{
	struct sipd_frame f;
	size_t part, n;
	char *p;
	int r = 0;

	sipd_frame_init(&f);
	memset(out, 0, sizeof(*out));
	for (size_t at = 0; at < len && r >= 0; at += part) {
		part = cut && len - at > cut ? cut : len - at;
		r = sipd_frame_feed(&f, s + at, part);
		while (r >= 0 && (r = sipd_frame_next(&f, &p, &n)) > 0) {
			memcpy(out->text + out->len, p, n);
			out->len += n;
			out->msgs += r == SIPD_FRAME_MSG;
		}
	}

	sipd_frame_free(&f);
	return r;
}

static void test_splits(void)
{
	char s[4096] = "";
	struct seen seen;
	size_t len, cut;
	int r;

	for (size_t i = 0; i < sizeof(stream_parts) / sizeof(*stream_parts);
	     i++)
		strcat(s, stream_parts[i]);
	len = strlen(s);

	for (cut = 0; cut <= len; cut++) {
		r = test_run(s, len, cut, &seen);
		CHECK_MSG(r == 0, "cut %zu: %d", cut, r);
		CHECK_MSG(seen.msgs == 3, "cut %zu: %d messages", cut,
			  seen.msgs);
		CHECK_MSG(seen.len == len && !memcmp(seen.text, s, len),
			  "cut %zu: stream changed", cut);
	}
}

/* One cut at every byte of the stream: the same pieces as the whole. */
static void test_one_cut(void)
{
	char s[4096] = "", *p;
	struct sipd_frame f;
	size_t len, at, n, got;
	int r, msgs;

	for (size_t i = 0; i < sizeof(stream_parts) / sizeof(*stream_parts);
	     i++)
		strcat(s, stream_parts[i]);
	len = strlen(s);

	for (at = 0; at <= len; at++) {
		sipd_frame_init(&f);
		got = 0;
		msgs = 0;
		r = sipd_frame_feed(&f, s, at);
		while (r >= 0 && (r = sipd_frame_next(&f, &p, &n)) > 0) {
			CHECK_MSG(!memcmp(p, s + got, n), "cut %zu: changed",
				  at);
			got += n;
			msgs += r == SIPD_FRAME_MSG;
		}
		CHECK(r == 0 && sipd_frame_feed(&f, s + at, len - at) == 0);
		while ((r = sipd_frame_next(&f, &p, &n)) > 0) {
			CHECK_MSG(!memcmp(p, s + got, n), "cut %zu: changed",
				  at);
			got += n;
			msgs += r == SIPD_FRAME_MSG;
		}
		CHECK_MSG(r == 0 && got == len && msgs == 3,
			  "cut %zu: %d, %zu bytes, %d messages", at, r, got,
			  msgs);
		sipd_frame_free(&f);
	}
}

/* Two cuts anywhere: the first message comes out whole, once. */
static void test_two_cuts(void)
{
	size_t len = strlen(invite), a, b, n, got;
	struct sipd_frame f;
	char *p;
	int r;

	for (a = 1; a < len; a += 7) {
		for (b = a; b < len; b += 5) {
			sipd_frame_init(&f);
			got = 0;
			CHECK(sipd_frame_feed(&f, invite, a) == 0);
			CHECK(sipd_frame_next(&f, &p, &n) == SIPD_FRAME_MORE);
			CHECK(sipd_frame_feed(&f, invite + a, b - a) == 0);
			while ((r = sipd_frame_next(&f, &p, &n)) > 0)
				got += n;
			CHECK(sipd_frame_feed(&f, invite + b, len - b) == 0);
			while ((r = sipd_frame_next(&f, &p, &n)) > 0) {
				CHECK(r == SIPD_FRAME_MSG && f.request);
				CHECK(f.head == len - strlen(INVITE_BODY));
				got += n;
			}
			CHECK_MSG(got == len, "cuts %zu %zu: %zu", a, b, got);
			sipd_frame_free(&f);
		}
	}
}

static int test_one(const char *s, const char **error)
{
	struct sipd_frame f;
	size_t n;
	char *p;
	int r;

	sipd_frame_init(&f);
	r = sipd_frame_feed(&f, s, strlen(s));
	while (r >= 0 && (r = sipd_frame_next(&f, &p, &n)) > 0)
		;
	*error = f.error;
	sipd_frame_free(&f);
	return r;
}

static void test_refused(void)
{
	static const struct {
		const char *msg;
		int r;
		const char *why;
	} cases[] = {
		{ "OPTIONS sip:a SIP/2.0\r\nl: x\r\n\r\n", -EBADMSG,
		  "bad Content-Length" },
		{ "OPTIONS sip:a SIP/2.0\r\nContent-Length: -1\r\n\r\n",
		  -EBADMSG, "bad Content-Length" },
		{ "OPTIONS sip:a SIP/2.0\r\nContent-Length: 1 2\r\n\r\n",
		  -EBADMSG, "bad Content-Length" },
		{ "OPTIONS sip:a SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\n",
		  -EBADMSG, "bad Content-Length" },
		{ "OPTIONS sip:a SIP/2.0\r\nl: 99999999999\r\n\r\n",
		  -EBADMSG, "bad Content-Length" },
		{ "OPTIONS sip:a SIP/2.0\r\nl: 65537\r\n\r\n", -EMSGSIZE,
		  "body longer than 65536 bytes" },
		{ "\x16\x03\x01\x02\x03\r\n", -EBADMSG,
		  "not a SIP start line" },
		{ "hello world\r\n", -EBADMSG, "not a SIP start line" },
		{ "SIP/2.0 2000 OK\r\n", -EBADMSG, "not a SIP start line" },
		/* a body without Content-Length is not passed on unframed */
		{ "OPTIONS sip:a SIP/2.0\r\n\r\nv=0\r\n", -EBADMSG,
		  "not a SIP start line" },
	};
	const char *why;
	int r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		r = test_one(cases[i].msg, &why);
		CHECK_MSG(r == cases[i].r, "case %zu: %d", i, r);
		CHECK_MSG(why && !strcmp(why, cases[i].why), "case %zu: %s", i,
			  why ? why : "(none)");
	}
}

static void test_oversize(void)
{
	size_t len = SIPD_FRAME_HEADER_MAX + 100;
	char *s = malloc(len + 16);
	const char *why;
	int r;

	/* a header block that never ends */
	strcpy(s, "OPTIONS sip:a SIP/2.0\r\n");
	for (size_t i = strlen(s); i < len; i += 10)
		memcpy(s + i, "X-A: 1234\n", 10);
	s[len] = '\0';
	r = test_one(s, &why);
	CHECK_MSG(r == -EMSGSIZE && why &&
		  !strcmp(why, "header block longer than 16384 bytes"),
		  "endless headers: %d %s", r, why ? why : "");

	/* a start line without an end */
	memset(s, 'A', len);
	r = test_one(s, &why);
	CHECK_MSG(r == -EMSGSIZE && why &&
		  !strcmp(why, "start line longer than 16384 bytes"),
		  "endless line: %d %s", r, why ? why : "");
	free(s);
}

/* In: TLS -> TCP in the top Via only; out: the peer's Via back. */
static void test_via(void)
{
	struct sipd_via_book b = { 0 };
	char msg[sizeof(invite)], *out = NULL;
	const char *resp;
	size_t head = sizeof(invite) - 1 - strlen(INVITE_BODY), n, len;
	char want[1024];
	int r;

	memcpy(msg, invite, sizeof(invite));
	CHECK(sipd_via_request_in(&b, msg, head) == 1);
	CHECK(strstr(msg, "Via: SIP/2.0/TCP 10.0.0.9:5061;branch=z9hG4bK-a1"
		      ";rport, SIP/2.0/UDP"));
	CHECK(strstr(msg, INVITE_BODY));	/* the body is not touched */
	CHECK(strlen(msg) == strlen(invite));

	/* sofia answers with received and rport of the loopback relay */
	resp = "SIP/2.0 180 Ringing\r\n"
	       "Via: SIP/2.0/TCP 10.0.0.9:5061;branch=z9hG4bK-a1;rport=4711"
	       ";received=127.0.0.1, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-b2\r\n"
	       "Content-Length: 0\r\n\r\n";
	len = strlen(resp);
	r = sipd_via_response_out(&b, resp, len, len, "10.0.0.9", 5061, &out,
				  &n);
	snprintf(want, sizeof(want), "SIP/2.0 180 Ringing\r\n"
		 "Via: SIP/2.0/TLS 10.0.0.9:5061;branch=z9hG4bK-a1;rport=5061"
		 ";received=10.0.0.9, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-b2"
		 "\r\nContent-Length: 0\r\n\r\n");
	CHECK(r == 1);
	CHECK_MSG(r == 1 && n == strlen(want) && !memcmp(out, want, n),
		  "got %.*s", (int)n, out);
	free(out);

	/* compact Via, same host as the peer: byte for byte */
	memcpy(msg, options, sizeof(options));
	CHECK(sipd_via_request_in(&b, msg, sizeof(options) - 1) == 1);
	CHECK(strstr(msg, "v: SIP/2.0/TCP 127.0.0.1:40000;branch=z9hG4bK-o1"));
	resp = "SIP/2.0 200 OK\r\n"
	       "v: SIP/2.0/TCP 127.0.0.1:40000;branch=z9hG4bK-o1\r\n"
	       "l: 0\r\n\r\n";
	len = strlen(resp);
	r = sipd_via_response_out(&b, resp, len, len, "127.0.0.1", 40000,
				  &out, &n);
	CHECK(r == 1);
	snprintf(want, sizeof(want), "%s", resp);
	memcpy(strstr(want, "TCP"), "TLS", 3);
	CHECK_MSG(r == 1 && n == len && !memcmp(out, want, n), "got %.*s",
		  (int)n, out);
	free(out);

	/* sofia's own requests' responses, and unknown branches: as is */
	resp = ok;
	len = strlen(ok);
	CHECK(sipd_via_response_out(&b, resp, len, len - 5, "127.0.0.1", 1,
				    &out, &n) == 0);
	resp = "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 10.0.0.9:5061;branch=x\r\n"
	       "\r\n";
	CHECK(sipd_via_response_out(&b, resp, strlen(resp), strlen(resp),
				    "10.0.0.9", 1, &out, &n) == 0);

	/* a TCP or UDP Via from the peer is left alone */
	strcpy(msg, "BYE sip:a SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK-c"
	       "\r\n\r\n");
	CHECK(sipd_via_request_in(&b, msg, strlen(msg)) == 0);

	/* more open transactions than the book holds: newest kept */
	for (int i = 0; i < SIPD_VIA_BOOK_N + 3; i++) {
		snprintf(msg, sizeof(msg), "MESSAGE sip:a SIP/2.0\r\n"
			 "Via: SIP/2.0/TLS h;branch=z9hG4bK-%d\r\n\r\n", i);
		CHECK(sipd_via_request_in(&b, msg, strlen(msg)) == 1);
	}
	resp = "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK-1\r\n\r\n";
	CHECK(sipd_via_response_out(&b, resp, strlen(resp), strlen(resp),
				    "h", 1, &out, &n) == 0);
	resp = "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK-34\r\n"
	       "\r\n";
	CHECK(sipd_via_response_out(&b, resp, strlen(resp), strlen(resp),
				    "h", 1, &out, &n) == 1);
	free(out);
	sipd_via_book_free(&b);
}

int main(void)
{
	test_splits();
	test_one_cut();
	test_two_cuts();
	test_refused();
	test_oversize();
	test_via();
	return failures ? 1 : 0;
}
