/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "jitter.h"
#include "rtp.h"

struct audiod;

/*
 * One RTP session: a UDP socket bound at OpenStream, a remote and a
 * codec from StartStream.  No RTCP (the odd port stays unbound).
 */
struct stream {
	struct audiod *daemon;
	uint32_t id;
	int fd;
	sd_event_source *io;
	uint16_t port;
	int family;

	bool started;
	struct sockaddr_storage remote;
	socklen_t remote_len;
	uint8_t payload_type;

	struct rtp_header tx;		/* next packet we send */

	bool have_source;		/* the SSRC we are listening to */
	uint32_t rx_ssrc;
	uint16_t rx_seq;		/* highest sequence number seen */
	struct jitter jitter;

	uint64_t sent;
	uint64_t received;
	uint64_t rejected;
	bool send_failed;		/* logged once until a send works */
};

/*
 * Binds an even port in [port_min, port_max] on @local ("" = any
 * IPv4 address).  -EINVAL bad address, -EADDRINUSE no port free.
 */
int stream_open(struct audiod *d, const char *local, unsigned int port_min,
		unsigned int port_max, struct stream **out);

/* -EINVAL on a bad address, port or payload type (only 0 and 8). */
int stream_start(struct stream *s, const char *remote, uint16_t port,
		 uint8_t payload_type);

/*
 * One 20 ms step: sends @capture (AUDIOD_FRAME samples) and fills
 * @playback from the jitter buffer.
 */
void stream_tick(struct stream *s, const int16_t *capture, int16_t *playback);

void stream_free(struct stream *s);
