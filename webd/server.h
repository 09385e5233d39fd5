/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "auth.h"

/*
 * The HTTP side of webd.  All libmicrohttpd setup lives in server.c's
 * server_start(), so HTTPS (GnuTLS key and certificate options) can be
 * added there alone.
 */
#define SERVER_DEFAULT_ADDRESS "127.0.0.1"
#define SERVER_DEFAULT_PORT 8080
#define SERVER_BODY_MAX (64 * 1024)
#define SERVER_COOKIE "dp_session"

struct server_config {
	const char *address;		/* IPv4 or IPv6 literal */
	uint16_t port;			/* 0: any free port */
};

struct server;

/*
 * Starts serving in libmicrohttpd's own thread.  Call with SIGTERM and
 * SIGINT blocked, so they keep going to the main loop.  @auth is used
 * by the HTTP thread only from then on.
 */
int server_start(const struct server_config *config, struct auth *auth,
		 struct server **out);

/* Stops the thread and waits for it; NULL is fine. */
void server_stop(struct server *server);

/* "http://127.0.0.1:8080/" */
const char *server_url(const struct server *server);
