/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "audiod.h"
#include "g711.h"
#include "log.h"
#include "stream.h"

/* Up to 60 ms per packet: what a G.711 peer may send with ptime 60. */
#define STREAM_MAX_PAYLOAD 480
/* Datagrams read per wake-up, so a flood cannot starve the clock. */
#define STREAM_RECV_BURST 32

static uint32_t stream_random32(void)
{
	uint32_t v;

	/* Fall back on rand() only if the kernel cannot give randomness. */
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
		v = (uint32_t)rand() ^ (uint32_t)rand() << 16;

	return v;
}

/* Numeric addresses only: a phone's media must not wait for DNS. */
static int stream_parse_address(const char *text, uint16_t port,
				struct sockaddr_storage *out, socklen_t *len)
{
	struct addrinfo hints = {
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
		.ai_socktype = SOCK_DGRAM,
	};
	struct addrinfo *res;
	char service[8];

	snprintf(service, sizeof(service), "%u", port);
	if (getaddrinfo(*text ? text : "0.0.0.0", service, &hints, &res))
		return -EINVAL;

	memcpy(out, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void stream_set_port(struct sockaddr_storage *sa, uint16_t port)
{
	if (sa->ss_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
}

/* Tries the even ports from a random one on, wrapping round. */
static int stream_bind(int fd, struct sockaddr_storage *sa, socklen_t len,
		       unsigned int port_min, unsigned int port_max,
		       uint16_t *port)
{
	unsigned int first = (port_min + 1) & ~1U, count, i, p;

	if (first > port_max)
		return -EADDRINUSE;

	count = (port_max - first) / 2 + 1;
	p = stream_random32() % count;

	for (i = 0; i < count; i++, p = (p + 1) % count) {
		*port = (uint16_t)(first + 2 * p);
		stream_set_port(sa, *port);
		if (bind(fd, (struct sockaddr *)sa, len) == 0)
			return 0;
		if (errno != EADDRINUSE && errno != EACCES)
			return -errno;
	}

	return -EADDRINUSE;
}

static bool stream_same_host(const struct sockaddr_storage *a,
			     const struct sockaddr_storage *b)
{
	const struct sockaddr_in6 *a6, *b6;

	if (a->ss_family != b->ss_family)
		return false;

	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;

	a6 = (const struct sockaddr_in6 *)a;
	b6 = (const struct sockaddr_in6 *)b;
	return memcmp(&a6->sin6_addr, &b6->sin6_addr, 16) == 0;
}

static void stream_decode(const struct stream *s, const uint8_t *in,
			  int16_t *out, size_t n)
{
	if (s->payload_type == RTP_PT_PCMU)
		g711_ulaw_decode_buf(out, in, n);
	else
		g711_alaw_decode_buf(out, in, n);
}

/*
 * Checks one datagram against the session and queues its audio.
 * Returns false when it was not for us; nothing here trusts the data.
 */
static bool stream_accept(struct stream *s, const uint8_t *buf, size_t len,
			  const struct sockaddr_storage *from)
{
	int16_t samples[STREAM_MAX_PAYLOAD];
	struct rtp_packet p;

	if (!s->started || !stream_same_host(from, &s->remote))
		return false;

	if (rtp_parse(buf, len, &p) < 0)
		return false;

	/* Comfort noise, DTMF events and the like are not played. */
	if (p.header.payload_type != s->payload_type || p.payload_len == 0 ||
	    p.payload_len > STREAM_MAX_PAYLOAD)
		return false;

	/* A new source (re-INVITE, another media server) starts afresh. */
	if (!s->have_source || p.header.ssrc != s->rx_ssrc) {
		s->have_source = true;
		s->rx_ssrc = p.header.ssrc;
		s->rx_seq = (uint16_t)(p.header.seq - 1);
		jitter_reset(&s->jitter);
	}

	/* Late or duplicate: its moment has passed. */
	if (rtp_seq_delta(p.header.seq, s->rx_seq) <= 0)
		return false;
	s->rx_seq = p.header.seq;

	stream_decode(s, p.payload, samples, p.payload_len);
	jitter_put(&s->jitter, samples, p.payload_len);
	return true;
}

static void stream_count_received(struct stream *s)
{
	s->received++;
	if (s->daemon->active == s)
		s->daemon->packets_received = s->received;
}

static int stream_on_io(sd_event_source *source, int fd, uint32_t revents,
			void *userdata)
{
	struct stream *s = userdata;
	struct sockaddr_storage from;
	uint8_t buf[2048];
	socklen_t from_len;
	ssize_t n;
	int i;

	for (i = 0; i < STREAM_RECV_BURST; i++) {
		from_len = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC,
			     (struct sockaddr *)&from, &from_len);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_debug("Stream %u: receive failed: %s",
					  s->id, strerror(errno));
			break;
		}

		/* MSG_TRUNC gives the real size: a giant is not RTP. */
		if ((size_t)n <= sizeof(buf) &&
		    stream_accept(s, buf, (size_t)n, &from))
			stream_count_received(s);
		else
			s->rejected++;
	}

	return 0;
}

static int stream_socket(struct stream *s, struct sockaddr_storage *local,
			 socklen_t len, unsigned int port_min,
			 unsigned int port_max)
{
	int r;

	s->family = local->ss_family;
	s->fd = socket(s->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	if (s->fd < 0)
		return -errno;

	r = stream_bind(s->fd, local, len, port_min, port_max, &s->port);
	if (r < 0)
		return r;

	return sd_event_add_io(s->daemon->event, &s->io, s->fd, EPOLLIN,
			       stream_on_io, s);
}

int stream_open(struct audiod *d, const char *local, unsigned int port_min,
		unsigned int port_max, struct stream **out)
{
	struct sockaddr_storage sa;
	struct stream *s;
	socklen_t len;
	int r;

	r = stream_parse_address(local, 0, &sa, &len);
	if (r < 0)
		return r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;

	s->daemon = d;
	s->fd = -1;

	r = stream_socket(s, &sa, len, port_min, port_max);
	if (r < 0) {
		stream_free(s);
		return r;
	}

	*out = s;
	return 0;
}

int stream_start(struct stream *s, const char *remote, uint16_t port,
		 uint8_t payload_type)
{
	struct sockaddr_storage sa;
	socklen_t len;
	int r;

	if (payload_type != RTP_PT_PCMU && payload_type != RTP_PT_PCMA)
		return -EINVAL;

	if (port == 0 || !*remote)
		return -EINVAL;

	r = stream_parse_address(remote, port, &sa, &len);
	if (r < 0 || sa.ss_family != s->family)
		return -EINVAL;

	/* Restarting with a new remote or codec keeps our SSRC and clock. */
	if (!s->started) {
		s->tx.ssrc = stream_random32();
		s->tx.seq = (uint16_t)stream_random32();
		s->tx.timestamp = stream_random32();
	}

	s->remote = sa;
	s->remote_len = len;
	s->payload_type = payload_type;
	s->tx.payload_type = payload_type;
	s->tx.marker = true;	/* a talkspurt starts (RFC 3551 4.1) */
	s->have_source = false;
	s->started = true;
	jitter_reset(&s->jitter);

	return 0;
}

static void stream_send(struct stream *s, const int16_t *capture)
{
	uint8_t pkt[RTP_HEADER_SIZE + AUDIOD_FRAME];
	ssize_t n;

	rtp_header_write(pkt, sizeof(pkt), &s->tx);
	if (s->payload_type == RTP_PT_PCMU)
		g711_ulaw_encode_buf(pkt + RTP_HEADER_SIZE, capture,
				     AUDIOD_FRAME);
	else
		g711_alaw_encode_buf(pkt + RTP_HEADER_SIZE, capture,
				     AUDIOD_FRAME);

	/* Sequence and timestamp advance even if this one is lost. */
	s->tx.seq++;
	s->tx.timestamp += AUDIOD_FRAME;
	s->tx.marker = false;

	n = sendto(s->fd, pkt, sizeof(pkt), MSG_DONTWAIT,
		   (struct sockaddr *)&s->remote, s->remote_len);
	if (n < 0) {
		if (!s->send_failed)
			log_warning("Stream %u: sending RTP failed: %s, "
				    "continuing", s->id, strerror(errno));
		s->send_failed = true;
		return;
	}

	s->send_failed = false;
	s->sent++;
	if (s->daemon->active == s)
		s->daemon->packets_sent = s->sent;
}

void stream_tick(struct stream *s, const int16_t *capture, int16_t *playback)
{
	stream_send(s, capture);
	jitter_get(&s->jitter, playback, AUDIOD_FRAME);
}

void stream_free(struct stream *s)
{
	if (!s)
		return;

	sd_event_source_disable_unref(s->io);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}
