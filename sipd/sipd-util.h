/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Helpers without state or I/O, kept apart so that the unit test
 * (tests/unit/test-sipd-util.c) links them without the daemon.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIPD_BACKOFF_FIRST_MS 5000u
#define SIPD_BACKOFF_MAX_MS 300000u

/* What one side of a call offers or answered for its audio stream. */
struct sipd_media {
	char address[64];
	uint16_t port;
	int pt;			/* first PCMU (0) or PCMA (8) listed */
	char codec[8];		/* "PCMU" or "PCMA" */
	bool dtmf;		/* telephone-event listed */
};

/*
 * Delay before registration attempt number @failures + 1: 5 s doubling
 * up to 5 min, spread by -20..+20 % from @rnd so that phones that lost
 * their registrar together do not come back in lock step.
 */
unsigned int sipd_backoff_ms(unsigned int failures, uint32_t rnd);

/*
 * When to refresh a binding granted for @granted seconds: before the
 * earliest moment nua would refresh it by itself (a quarter of the
 * time, or 60 s before the end for 91..299 s), within its last 20 %
 * spread by @rnd; at least 1 s.
 */
unsigned int sipd_refresh_ms(uint32_t granted, uint32_t rnd);

/* "host[:port]" -> host and port (0 when absent).  -EINVAL if malformed. */
int sipd_split_hostport(const char *value, char *host, size_t host_len,
			unsigned int *port);

/*
 * Reads the first audio m-line of @sdp.  -EBADMSG: not SDP; -ENOMSG: no
 * audio stream (or port 0); -ENOTSUP: neither PCMU nor PCMA offered.
 */
int sipd_sdp_media(const char *sdp, struct sipd_media *media);

/*
 * Our SDP: PCMU, PCMA and telephone-event on @port with an explicit c=
 * line (soa would otherwise put the host's primary address there).
 * @port 0 means no audio is available: the stream is offered inactive
 * on the discard port so that the call itself still works.
 */
int sipd_sdp_build(char *buf, size_t len, const char *address,
		   uint16_t port, uint64_t session);

/*
 * Turns what a user dialled into a SIP URI: a full sip:/sips: URI is
 * checked and kept; "user@host" gets "sip:"; a bare user part gets
 * "@domain".  -EINVAL when the result is not a valid SIP URI.
 */
int sipd_dial_uri(const char *in, const char *domain, char *out,
		  size_t len);

/*
 * NUTAG_AUTH() string: scheme:"realm":user:password.  @realm is the
 * challenge's realm parameter as received (quoted or not).
 */
int sipd_auth_string(char *buf, size_t len, const char *scheme,
		     const char *realm, const char *user,
		     const char *password);
