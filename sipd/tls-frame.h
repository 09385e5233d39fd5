/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * SIP messages on a stream, for the TLS relay (tls.c): bytes go in cut
 * anywhere, whole messages come out (header block up to the empty line,
 * then Content-Length bytes of body), and CR/LF keep-alives between
 * messages (RFC 5626 4.4.1) come out as they are.  Nothing here does
 * I/O or logs: the relay does, and tests/unit/test-tls-frame.c feeds
 * it every split.
 */

#define SIPD_FRAME_HEADER_MAX 16384	/* start line and headers */
#define SIPD_FRAME_BODY_MAX 65536

enum sipd_frame_kind {
	SIPD_FRAME_MORE = 0,	/* no whole piece yet */
	SIPD_FRAME_PING = 1,	/* a run of CR and LF between messages */
	SIPD_FRAME_MSG = 2,	/* one SIP message */
};

struct sipd_frame {
	char *buf;
	size_t len, cap;
	size_t taken;		/* the piece returned last, dropped next */
	size_t head;		/* header block of the last message */
	bool request;		/* the last message is a request */
	const char *error;	/* why sipd_frame_next() failed */
};

void sipd_frame_init(struct sipd_frame *f);
void sipd_frame_free(struct sipd_frame *f);

/* Appends bytes; -ENOMEM, or -EMSGSIZE past any message's size. */
int sipd_frame_feed(struct sipd_frame *f, const void *data, size_t len);

/*
 * The next piece (enum sipd_frame_kind), valid and writable until the
 * next call; -EMSGSIZE or -EBADMSG with f->error saying why, after
 * which the stream cannot be framed any more.
 */
int sipd_frame_next(struct sipd_frame *f, char **piece, size_t *len);

/*
 * The first via-parm of the topmost Via (or "v") header in a header
 * block of @head bytes: bytes [*start, *end).  False without one.
 */
bool sipd_frame_top_via(const char *msg, size_t head, size_t *start,
			size_t *end);

/*
 * What the relay changed in requests from a TLS peer, so that it
 * restores exactly those in sofia's responses.
 */
#define SIPD_VIA_BOOK_N 32

struct sipd_via_book {
	struct {
		char *key;	/* "b=" branch, or "s=" sent-by without one */
		char *via;	/* the via-parm as the peer sent it */
	} e[SIPD_VIA_BOOK_N];
	unsigned int next;
};

void sipd_via_book_free(struct sipd_via_book *b);

/*
 * A request from the TLS peer: "SIP/2.0/TLS" in its topmost Via becomes
 * "SIP/2.0/TCP" in place (same length) and is recorded.  1 when
 * changed, 0 when there was nothing to change, -ENOMEM.
 */
int sipd_via_request_in(struct sipd_via_book *b, char *msg, size_t head);

/*
 * A response going to the TLS peer: when its topmost Via is one that
 * sipd_via_request_in() changed, *out (malloc'd, *out_len bytes) is the
 * response with the peer's via-parm back, plus received= @peer_ip
 * when the sent-by host differs, rport= @peer_port when the peer asked
 * for it (RFC 3261 18.2.1, RFC 3581 4).  1 when rewritten, 0 when the
 * response goes as it is, -ENOMEM.
 */
int sipd_via_response_out(struct sipd_via_book *b, const char *msg,
			  size_t len, size_t head, const char *peer_ip,
			  unsigned int peer_port, char **out, size_t *out_len);
