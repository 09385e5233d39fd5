/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "access.h"
#include "auth.h"
#include "tls.h"

/*
 * The HTTP side of webd: the pages over HTTPS (libmicrohttpd with
 * GnuTLS), and optionally a plain HTTP listener that only redirects to
 * them.
 */
#define SERVER_DEFAULT_ADDRESS "127.0.0.1"
#define SERVER_DEFAULT_PORT 8443
#define SERVER_BODY_MAX (64 * 1024)
#define SERVER_COOKIE "dp_session"

struct server_config {
	const char *address;		/* IPv4 or IPv6 literal */
	uint16_t port;			/* HTTPS; 0: any free port */
	bool http_redirect;		/* at start: plain HTTP on http_port */
	uint16_t http_port;		/* 0: any free port */
	const struct tls_creds *tls;	/* must outlive the server */
	/*
	 * Listening sockets from systemd (socket activation), or -1:
	 * webd binds address and port itself.  An inherited http_fd is
	 * always served: redirects while plain HTTP is on, else every
	 * connection is closed (the socket is systemd's to keep).
	 */
	int https_fd;
	int http_fd;
};

struct server;

/*
 * Starts serving in libmicrohttpd's own thread.  Call with SIGTERM and
 * SIGINT blocked, so they keep going to the main loop.  @auth and
 * @access are used by the HTTP thread only from then on.
 */
int server_start(const struct server_config *config, struct auth *auth,
		 struct access *access, struct server **out);

/* Stops the thread and waits for it; NULL is fine. */
void server_stop(struct server *server);

/* "https://127.0.0.1:8443/" */
const char *server_url(const struct server *server);

/*
 * "http://127.0.0.1:8080/", or "" when plain HTTP is off; it changes
 * with the Web_Plain_HTTP setting, so it is copied under a lock.
 */
void server_http_url(struct server *server, char *buf, size_t len);

/*
 * Idle: no connection open, none for @idle_usec, and nothing in memory
 * that would be lost by exiting (auth_busy_until()).
 */
bool server_idle(struct server *server, uint64_t idle_usec);

/* Open connections of both listeners. */
unsigned int server_connections(struct server *server);

/*
 * Stops accepting before an idle exit: new connections wait in the
 * listen queue of systemd's socket for the next webd.
 */
void server_quiesce(struct server *server);
