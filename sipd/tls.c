/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sipd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "tls-frame.h"

/*
 * SIP over TLS without sofia's TLS (notes/sofia-sip.md 1: it checks
 * nothing by default, reports a refused certificate as a 408 after
 * 32 s, never matches IP SANs, sends no SNI and leaks per connection).
 *
 * sofia runs SIP over TCP to a loopback listener of sipd (the relay);
 * each connection sofia opens there becomes a TLS connection from sipd
 * to the real server, made and checked with OpenSSL (already mapped:
 * libsofia-sip-ua links it, so a second TLS library would only cost
 * memory): system CA store plus the custom CA file, the server name
 * (DNS or IP subjectAltName, CN only without a DNS SAN, no partial
 * wildcards: RFC 6125 as OpenSSL implements it), TLS 1.2 or newer, SNI.
 * A failed check closes the loopback side, never falls back to plain,
 * and tells the main loop why (sipd_reg_tls_failed()).
 *
 * Each relayed connection is served by one worker thread (workers are
 * kept and reused, at most 40; inbound connections at most 24 at once,
 * so the registrar's always find one), and the su_root loop never waits
 * for a handshake.  The TLS socket is non-blocking so that handshakes
 * and stalled writes have deadlines.  The threads talk to the loop
 * through a pipe only.  OpenSSL's error queue is per thread: each
 * thread clears it before a call whose errors it reads.
 */

#define SIPD_TLS_CONNECT_MS 3000
#define SIPD_TLS_TOTAL_MS 5000
#define SIPD_TLS_CONNS_MAX 16

static void sipd_tls_ssl_freep(SSL **s)
{
	SSL_free(*s);
}

static void sipd_tls_ctx_freep(SSL_CTX **ctx)
{
	SSL_CTX_free(*ctx);
}

#define _cleanup_ssl_ __attribute__((cleanup(sipd_tls_ssl_freep)))
#define _cleanup_ssl_ctx_ __attribute__((cleanup(sipd_tls_ctx_freep)))

struct sipd_tls_target {
	struct sockaddr_in addr;	/* where to connect */
	char host[256];			/* name to check, and the SNI */
	bool validate_name;
	char ca_file[PATH_MAX];	/* "" : system store only */
	unsigned int gen;
};

/*
 * Trust for the client side, loaded once per target (the system store
 * is about 140 certificates): shared by the relay threads, freed by
 * the last user.
 */
struct sipd_tls_trust {
	SSL_CTX *ctx;
	unsigned int refs;		/* under sipd_tls_lock */
	char error[200];		/* why the CA file could not be used */
	char ca_file[PATH_MAX];
	struct timespec mtime;		/* of ca_file when loaded */
	off_t size;
};

struct sipd_tls_conn {
	struct sipd_tls_conn *next;	/* in the work queue */
	void *(*run)(void *conn);	/* frees the connection */
	struct sipd_tls_trust *trust;
	int local_fd;			/* sofia's side, on loopback */
	int server_fd;			/* the TLS side */
	bool inbound;			/* accepted on our TLS port */
	SSL_CTX *server_ctx;
	struct sockaddr_in sofia;	/* inbound: sofia's TCP listener */
	struct sipd_tls_target target;
	int notify_fd;
};

/* A result the loop learns from a relay thread. */
struct sipd_tls_note {
	unsigned int gen;
	bool ok;
	char reason[200];
};

struct sipd_tls {
	int listen_fd;
	int listen_index;
	su_wait_t listen_wait;
	uint16_t port;
	int notify_rd, notify_wr;
	int notify_index;
	su_wait_t notify_wait;
	struct sipd_tls_target target;
	bool have_target;
	struct sipd_tls_trust *trust;

	/* the phone's own TLS port: TLS in, TCP on to sofia */
	int in_fd;
	int in_index;
	su_wait_t in_wait;
	unsigned int in_port;
	struct sockaddr_in sofia;
	SSL_CTX *in_ctx;
};

#define SIPD_TLS_INBOUND_MAX 24
#define SIPD_TLS_WORKERS_MAX 40
#define SIPD_TLS_IDLE_MS (300 * 1000)	/* an inbound connection */

static unsigned int sipd_tls_inbound_n;	/* under sipd_tls_lock */

/*
 * Worker threads, kept for the life of sipd: a TLS library keeps state
 * per thread (GnuTLS 3.7 leaked about 220 bytes of it for every thread,
 * so a thread per connection grew without bound: bench/sipd-tls-mem.sh;
 * OpenSSL sets up random generators per thread), so threads are few.
 */
static pthread_cond_t sipd_tls_work = PTHREAD_COND_INITIALIZER;
static struct sipd_tls_conn *sipd_tls_queue, **sipd_tls_queue_tail =
	&sipd_tls_queue;
static unsigned int sipd_tls_workers, sipd_tls_idle;

/* sofia's connections, so that a new target can close them. */
static pthread_mutex_t sipd_tls_lock = PTHREAD_MUTEX_INITIALIZER;
static int sipd_tls_fds[SIPD_TLS_CONNS_MAX];
static size_t sipd_tls_nfds;

static int64_t sipd_tls_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool sipd_tls_track(int fd)
{
	bool ok = false;

	pthread_mutex_lock(&sipd_tls_lock);
	if (sipd_tls_nfds < SIPD_TLS_CONNS_MAX) {
		sipd_tls_fds[sipd_tls_nfds++] = fd;
		ok = true;
	}
	pthread_mutex_unlock(&sipd_tls_lock);
	return ok;
}

static void sipd_tls_untrack(int fd)
{
	size_t i;

	pthread_mutex_lock(&sipd_tls_lock);
	for (i = 0; i < sipd_tls_nfds; i++) {
		if (sipd_tls_fds[i] == fd) {
			sipd_tls_fds[i] = sipd_tls_fds[--sipd_tls_nfds];
			break;
		}
	}
	pthread_mutex_unlock(&sipd_tls_lock);
}

/* Ends every relayed connection: their threads see EOF and exit. */
static void sipd_tls_close_all(void)
{
	size_t i;

	pthread_mutex_lock(&sipd_tls_lock);
	for (i = 0; i < sipd_tls_nfds; i++)
		shutdown(sipd_tls_fds[i], SHUT_RDWR);
	pthread_mutex_unlock(&sipd_tls_lock);
}

static void sipd_tls_notify(struct sipd_tls_conn *c, bool ok,
			    const char *reason)
{
	struct sipd_tls_note n = { .gen = c->target.gen, .ok = ok };
	ssize_t w;

	snprintf(n.reason, sizeof(n.reason), "%s", reason);
	/* a pipe write of this size is atomic */
	w = write(c->notify_fd, &n, sizeof(n));
	(void)w;
}

/*
 * The text of the first error in this thread's OpenSSL queue (the
 * cause; the ones after it say where it was passed on), then an empty
 * queue.  A failed system call is queued with its errno.
 */
static const char *sipd_tls_err(char *buf, size_t len)
{
	unsigned long e = ERR_peek_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;

	if (e && ERR_SYSTEM_ERROR(e))
		snprintf(buf, len, "%s", strerror(ERR_GET_REASON(e)));
	else if (reason)
		snprintf(buf, len, "%s", reason);
	else if (e)
		ERR_error_string_n(e, buf, len);
	else
		snprintf(buf, len, "unknown error");

	ERR_clear_error();
	return buf;
}

/* Words for an error of sipd_tls_step() or sipd_tls_wait(). */
static const char *sipd_tls_why(int r, char *buf, size_t len)
{
	if (r == -EPROTO)
		return sipd_tls_err(buf, len);

	snprintf(buf, len, "%s", strerror(-r));
	return buf;
}

/*
 * After @ret from an SSL call on a non-blocking socket: waits until the
 * socket is ready for what OpenSSL needs, and returns 0 to call again;
 * -ETIMEDOUT after @timeout_ms, -EPROTO for a TLS error (its text in
 * the thread's error queue), -errno for a socket error, -ECONNRESET
 * when the peer ended the connection.
 */
static int sipd_tls_wait(SSL *s, int ret, int timeout_ms)
{
	struct pollfd p = { .fd = SSL_get_fd(s) };
	int n;

	switch (SSL_get_error(s, ret)) {
	case SSL_ERROR_WANT_READ:
		p.events = POLLIN;
		break;
	case SSL_ERROR_WANT_WRITE:
		p.events = POLLOUT;
		break;
	case SSL_ERROR_SYSCALL:
		return errno ? -errno : -ECONNRESET;
	case SSL_ERROR_SSL:
		return -EPROTO;
	default:
		return -ECONNRESET;
	}

	if (timeout_ms <= 0)
		return -ETIMEDOUT;

	do {
		n = poll(&p, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);

	if (n < 0)
		return -errno;

	return n == 0 ? -ETIMEDOUT : 0;
}

/* Runs @step (SSL_connect, SSL_accept) to its end, by @deadline. */
static int sipd_tls_step(SSL *s, int (*step)(SSL *), int64_t deadline)
{
	int r;

	for (;;) {
		ERR_clear_error();
		r = step(s);
		if (r == 1)
			return 0;

		r = sipd_tls_wait(s, r, (int)(deadline - sipd_tls_now_ms()));
		if (r < 0)
			return r;
	}
}

static int sipd_tls_connect(struct sipd_tls_conn *c, char *reason,
			    size_t len)
{
	struct pollfd p;
	char ip[INET_ADDRSTRLEN];
	socklen_t sl = sizeof(int);
	int fd, err = 0;

	inet_ntop(AF_INET, &c->target.addr.sin_addr, ip, sizeof(ip));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(reason, len, "TLS: no socket: %s", strerror(errno));
		return -errno;
	}

	if (connect(fd, (struct sockaddr *)&c->target.addr,
		    sizeof(c->target.addr)) < 0 && errno != EINPROGRESS)
		err = errno;

	if (!err) {
		p = (struct pollfd){ .fd = fd, .events = POLLOUT };
		if (poll(&p, 1, SIPD_TLS_CONNECT_MS) <= 0)
			err = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
			err = errno;
	}

	if (err) {
		snprintf(reason, len, "cannot connect to %s:%u for TLS: %s",
			 ip, ntohs(c->target.addr.sin_port), strerror(err));
		close(fd);
		return -err;
	}

	/* stays non-blocking: every wait on it has a deadline */
	c->server_fd = fd;
	return 0;
}

static bool sipd_tls_is_ip(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	return inet_pton(AF_INET, host, &a4) == 1 ||
	       inet_pton(AF_INET6, host, &a6) == 1;
}

/* A DNS or IPv4 subjectAltName as text; false for other kinds. */
static bool sipd_tls_san_text(const GENERAL_NAME *gn, char *buf, size_t len)
{
	const ASN1_STRING *v;
	int type;

	v = GENERAL_NAME_get0_value(gn, &type);
	if (type == GEN_DNS) {
		snprintf(buf, len, "%.*s", ASN1_STRING_length(v),
			 (const char *)ASN1_STRING_get0_data(v));
		return true;
	}

	return type == GEN_IPADD && ASN1_STRING_length(v) == 4 &&
	       inet_ntop(AF_INET, ASN1_STRING_get0_data(v), buf,
			 (socklen_t)len);
}

/*
 * First DNS/IP subjectAltName, else the CN: what the certificate names,
 * in printable ASCII (it goes into a D-Bus string, which must be UTF-8,
 * and the server chose the bytes).
 */
static void sipd_tls_cert_name(X509 *crt, char *buf, size_t len)
{
	GENERAL_NAMES *sans;
	bool found = false;
	int i, n;
	char *p;

	sans = X509_get_ext_d2i(crt, NID_subject_alt_name, NULL, NULL);
	n = sans ? sk_GENERAL_NAME_num(sans) : 0;
	for (i = 0; i < n && i < 16 && !found; i++)
		found = sipd_tls_san_text(sk_GENERAL_NAME_value(sans, i), buf,
					  len);
	GENERAL_NAMES_free(sans);

	if (!found &&
	    X509_NAME_get_text_by_NID(X509_get_subject_name(crt),
				      NID_commonName, buf, (int)len) < 0)
		snprintf(buf, len, "(no name)");

	for (p = buf; *p; p++) {
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	}
}

/* What a refused certificate is, after "certificate for HOST ". */
static const char *sipd_tls_verdict(long status)
{
	switch (status) {
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		return "is self-signed";
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_INVALID_CA:
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
		return "has an untrusted issuer";
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return "expired";
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return "is not yet valid";
	case X509_V_ERR_CA_KEY_TOO_SMALL:
	case X509_V_ERR_EE_KEY_TOO_SMALL:
	case X509_V_ERR_CA_MD_TOO_WEAK:
		return "uses an insecure algorithm";
	case X509_V_ERR_CERT_REVOKED:
		return "is revoked";
	default:
		return NULL;
	}
}

/*
 * Why OpenSSL refused the server's certificate, in words for the user.
 * A refused certificate is not the session's peer certificate; the
 * chain the server sent (its own first) is kept.
 */
static void sipd_tls_explain(struct sipd_tls_conn *c, SSL *s, long status,
			     char *reason, size_t len)
{
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(s);
	X509 *crt = chain && sk_X509_num(chain) > 0 ?
		    sk_X509_value(chain, 0) : NULL;
	const char *host = c->target.host;
	const char *verdict = sipd_tls_verdict(status);
	char name[256] = "(no certificate)";

	if (crt)
		sipd_tls_cert_name(crt, name, sizeof(name));

	if (status == X509_V_ERR_HOSTNAME_MISMATCH ||
	    status == X509_V_ERR_IP_ADDRESS_MISMATCH)
		snprintf(reason, len,
			 "certificate for %.80s is not valid for host %.80s",
			 name, host);
	else if (verdict)
		snprintf(reason, len, "certificate for %.80s %s", host,
			 verdict);
	else
		snprintf(reason, len, "certificate for %.80s is not valid (%s)",
			 host, X509_verify_cert_error_string(status));
}

static void sipd_tls_trust_unref(struct sipd_tls_trust *tr)
{
	bool last;

	if (!tr)
		return;

	pthread_mutex_lock(&sipd_tls_lock);
	last = --tr->refs == 0;
	pthread_mutex_unlock(&sipd_tls_lock);
	if (!last)
		return;

	SSL_CTX_free(tr->ctx);
	free(tr);
}

static struct sipd_tls_trust *sipd_tls_trust_ref(struct sipd_tls_trust *tr)
{
	pthread_mutex_lock(&sipd_tls_lock);
	tr->refs++;
	pthread_mutex_unlock(&sipd_tls_lock);
	return tr;
}

/*
 * A context for either side: TLS 1.2 or newer, and nothing kept from one
 * connection to the next (no session cache, no tickets), as with one
 * connection per registration, or per caller on the TLS port, resuming
 * would save little and a cache would only grow.
 */
static SSL_CTX *sipd_tls_ctx_new(const SSL_METHOD *method)
{
	_cleanup_ssl_ctx_ SSL_CTX *ctx = SSL_CTX_new(method);
	SSL_CTX *ret;

	if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_num_tickets(ctx, 0) != 1)
		return NULL;

	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	ret = ctx;
	ctx = NULL;
	return ret;
}

/*
 * System store plus @ca_file; an unusable CA file is kept as an error.
 * The system store is OpenSSL's hashed directory (/etc/ssl/certs on
 * Debian): a certificate is read when a chain needs it, rather than the
 * whole bundle (about 140) held in memory.
 */
static struct sipd_tls_trust *sipd_tls_trust_new(const char *ca_file)
{
	struct sipd_tls_trust *tr = calloc(1, sizeof(*tr));
	char err[160];
	struct stat st;

	if (!tr) {
		log_err("TLS relay: out of memory for the trust store");
		return NULL;
	}

	tr->refs = 1;
	snprintf(tr->ca_file, sizeof(tr->ca_file), "%s", ca_file);
	if (*ca_file && stat(ca_file, &st) == 0) {
		tr->mtime = st.st_mtim;
		tr->size = st.st_size;
	}

	ERR_clear_error();
	tr->ctx = sipd_tls_ctx_new(TLS_client_method());
	if (!tr->ctx) {
		log_err("TLS relay: no TLS context: %s",
			sipd_tls_err(err, sizeof(err)));
		free(tr);
		return NULL;
	}

	SSL_CTX_set_verify(tr->ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_set_default_verify_dir(tr->ctx) != 1)
		log_warning("No system CA store: %s",
			    sipd_tls_err(err, sizeof(err)));

	if (*ca_file && SSL_CTX_load_verify_file(tr->ctx, ca_file) != 1)
		snprintf(tr->error, sizeof(tr->error),
			 "cannot read CA file %.100s: %s", ca_file,
			 sipd_tls_err(err, sizeof(err)));
	return tr;
}

/*
 * What the handshake checks: the chain always, the server name (DNS or
 * IP subjectAltName) unless TLS_Name_Validate_1_ is off; SNI for a name.
 */
static int sipd_tls_client_setup(struct sipd_tls_conn *c, SSL *s)
{
	X509_VERIFY_PARAM *vp = SSL_get0_param(s);
	const char *host = c->target.host;
	bool ip = sipd_tls_is_ip(host);
	int r;

	if (SSL_set_fd(s, c->server_fd) != 1)
		return -EIO;

	/* SNI carries names only (RFC 6066 3) */
	if (!ip && SSL_set_tlsext_host_name(s, host) != 1)
		return -EINVAL;

	if (!c->target.validate_name)
		return 0;

	X509_VERIFY_PARAM_set_hostflags(vp,
					X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	r = ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, host) :
		 X509_VERIFY_PARAM_set1_host(vp, host, 0);
	return r == 1 ? 0 : -EINVAL;
}

/* Handshake and checks; a session ready for records, or a reason. */
static int sipd_tls_handshake(struct sipd_tls_conn *c, SSL *s,
			      int64_t deadline, char *reason, size_t len)
{
	const char *host = c->target.host;
	char err[96];		/* fits in @reason after the host */
	long status;
	int r;

	ERR_clear_error();
	r = sipd_tls_client_setup(c, s);
	if (r < 0) {
		snprintf(reason, len, "TLS: cannot check the name %.80s: %s",
			 host, sipd_tls_err(err, sizeof(err)));
		return r;
	}

	r = sipd_tls_step(s, SSL_connect, deadline);
	status = SSL_get_verify_result(s);
	if (r < 0 && status != X509_V_OK) {
		ERR_clear_error();
		sipd_tls_explain(c, s, status, reason, len);
		return -EPERM;
	}

	if (r < 0) {
		snprintf(reason, len, "TLS handshake with %.70s failed: %s",
			 host, sipd_tls_why(r, err, sizeof(err)));
		return -ECONNABORTED;
	}

	return 0;
}

static int sipd_tls_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}

	return 0;
}

/*
 * A write that cannot go out yet is repeated with the same bytes, as
 * OpenSSL wants; a peer that takes nothing for SIPD_TLS_IDLE_MS ends it.
 */
static int sipd_tls_send_all(SSL *s, const char *buf, size_t len)
{
	int n, r;

	while (len > 0) {
		ERR_clear_error();
		n = SSL_write(s, buf, (int)len);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}

		r = sipd_tls_wait(s, n, SIPD_TLS_IDLE_MS);
		if (r < 0)
			return r;
	}

	return 0;
}

/*
 * sofia's nta drops a request whose topmost Via names another transport
 * than the one it came on ("Via check: invalid transport"), and every
 * TLS peer writes "SIP/2.0/TLS" there while sofia sees TCP.  So the
 * relay frames SIP in both directions (tls-frame.c), gives sofia the
 * peer's requests with TCP in their topmost Via, and gives the peer
 * sofia's responses to them with its own Via back (RFC 3261 8.2.6.2,
 * 18.2.2).  sofia's own requests and the peer's responses to them go
 * as they are.
 */
struct sipd_tls_flow {
	struct sipd_frame from_peer;
	struct sipd_frame from_sofia;
	struct sipd_via_book book;
	char peer_ip[INET_ADDRSTRLEN];
	unsigned int peer_port;
};

static void sipd_tls_flow_init(struct sipd_tls_conn *c,
			       struct sipd_tls_flow *fl)
{
	struct sockaddr_in a = c->target.addr;
	socklen_t alen = sizeof(a);

	memset(fl, 0, sizeof(*fl));
	sipd_frame_init(&fl->from_peer);
	sipd_frame_init(&fl->from_sofia);
	if (c->inbound &&
	    getpeername(c->server_fd, (struct sockaddr *)&a, &alen) < 0)
		memset(&a, 0, sizeof(a));
	inet_ntop(AF_INET, &a.sin_addr, fl->peer_ip, sizeof(fl->peer_ip));
	fl->peer_port = ntohs(a.sin_port);
}

static void sipd_tls_flow_free(struct sipd_tls_flow *fl)
{
	sipd_frame_free(&fl->from_peer);
	sipd_frame_free(&fl->from_sofia);
	sipd_via_book_free(&fl->book);
}

/* A stream that cannot be framed ends the connection: say why once. */
static int sipd_tls_frame_failed(struct sipd_tls_flow *fl,
				 const struct sipd_frame *f, bool peer, int r)
{
	log_warning("TLS relay: %s from %s %s:%u, closing the connection",
		    f->error ? f->error : strerror(-r),
		    peer ? "TLS peer" : "sofia, to", fl->peer_ip,
		    fl->peer_port);
	return r;
}

/* Whole messages from the TLS peer, on to sofia. */
static int sipd_tls_to_sofia(struct sipd_tls_conn *c,
			     struct sipd_tls_flow *fl, const char *buf,
			     size_t n)
{
	struct sipd_frame *f = &fl->from_peer;
	size_t len;
	char *p;
	int r;

	r = sipd_frame_feed(f, buf, n);
	while (r >= 0 && (r = sipd_frame_next(f, &p, &len)) > 0) {
		if (r == SIPD_FRAME_MSG && f->request)
			r = sipd_via_request_in(&fl->book, p, f->head);
		if (r >= 0)
			r = sipd_tls_write_all(c->local_fd, p, len);
		if (r == -EPIPE || r == -ECONNRESET)
			return r;	/* sofia closed it: nothing to say */
	}

	return r < 0 ? sipd_tls_frame_failed(fl, f, true, r) : 0;
}

/* Whole messages from sofia, on to the TLS peer. */
static int sipd_tls_to_peer(struct sipd_tls_flow *fl, SSL *s,
			    const char *buf, size_t n)
{
	struct sipd_frame *f = &fl->from_sofia;
	size_t len, out_len;
	char *p, *out;
	int r;

	r = sipd_frame_feed(f, buf, n);
	while (r >= 0 && (r = sipd_frame_next(f, &p, &len)) > 0) {
		out = NULL;
		if (r == SIPD_FRAME_MSG && !f->request)
			r = sipd_via_response_out(&fl->book, p, len, f->head,
						  fl->peer_ip, fl->peer_port,
						  &out, &out_len);
		if (r >= 0)
			r = out ? sipd_tls_send_all(s, out, out_len) :
				  sipd_tls_send_all(s, p, len);
		free(out);
		if (r == -ETIMEDOUT || r == -ECONNRESET || r == -EPIPE ||
		    r == -EPROTO)
			return r;	/* the peer's end, not framing */
	}

	return r < 0 ? sipd_tls_frame_failed(fl, f, false, r) : 0;
}

/* What the server sent, on to sofia; < 0 when the relay ends. */
static int sipd_tls_from_server(struct sipd_tls_conn *c,
				struct sipd_tls_flow *fl, SSL *s, char *buf,
				size_t size)
{
	int n;

	ERR_clear_error();
	n = SSL_read(s, buf, (int)size);
	if (n > 0)
		return sipd_tls_to_sofia(c, fl, buf, (size_t)n);

	switch (SSL_get_error(s, n)) {
	case SSL_ERROR_WANT_READ:
		return 0;	/* part of a record, or no data in it */
	case SSL_ERROR_WANT_WRITE:
		return sipd_tls_wait(s, n, SIPD_TLS_IDLE_MS);
	default:
		return -ECONNRESET;
	}
}

/* Copies both ways, message by message, until either side ends. */
static void sipd_tls_pump(struct sipd_tls_conn *c, SSL *s)
{
	struct pollfd p[2] = {
		{ .fd = c->local_fd, .events = POLLIN },
		{ .fd = c->server_fd, .events = POLLIN },
	};
	struct sipd_tls_flow fl;
	char buf[16384];
	ssize_t n;

	sipd_tls_flow_init(c, &fl);
	for (;;) {
		if (SSL_pending(s) == 0) {
			n = poll(p, 2, c->inbound ? SIPD_TLS_IDLE_MS : -1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;	/* error, or an idle inbound */
		}

		if ((SSL_pending(s) > 0 ||
		     (p[1].revents & (POLLIN | POLLHUP | POLLERR))) &&
		    sipd_tls_from_server(c, &fl, s, buf, sizeof(buf)) < 0)
			break;

		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(c->local_fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 ||
			    sipd_tls_to_peer(&fl, s, buf, (size_t)n) < 0)
				break;
		}

		p[0].revents = p[1].revents = 0;
	}

	sipd_tls_flow_free(&fl);
}

/* A close_notify to the peer, if the socket takes it now. */
static void sipd_tls_bye(SSL *s)
{
	ERR_clear_error();
	SSL_shutdown(s);
	ERR_clear_error();
}

static int sipd_tls_connect_sofia(struct sipd_tls_conn *c)
{
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;

	if (connect(fd, (struct sockaddr *)&c->sofia, sizeof(c->sofia)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}

	c->local_fd = fd;
	return 0;
}

/* Accepted on our TLS port: handshake as server, then on to sofia. */
static void *sipd_tls_in_thread(void *arg)
{
	struct sipd_tls_conn *c = arg;
	_cleanup_ssl_ SSL *s = SSL_new(c->server_ctx);
	char err[160];
	int r = -ENOMEM;

	if (s && SSL_set_fd(s, c->server_fd) == 1)
		r = sipd_tls_step(s, SSL_accept,
				  sipd_tls_now_ms() + SIPD_TLS_TOTAL_MS);
	if (r < 0)
		log_debug("TLS port: handshake failed: %s",
			  sipd_tls_why(r, err, sizeof(err)));

	if (r >= 0 && sipd_tls_connect_sofia(c) >= 0) {
		sipd_tls_pump(c, s);
		sipd_tls_bye(s);
	}

	if (c->local_fd >= 0)
		close(c->local_fd);
	close(c->server_fd);
	SSL_CTX_free(c->server_ctx);
	pthread_mutex_lock(&sipd_tls_lock);
	sipd_tls_inbound_n--;
	pthread_mutex_unlock(&sipd_tls_lock);
	free(c);
	return NULL;
}

static void *sipd_tls_thread(void *arg)
{
	struct sipd_tls_conn *c = arg;
	_cleanup_ssl_ SSL *s = NULL;
	int64_t deadline = sipd_tls_now_ms() + SIPD_TLS_TOTAL_MS;
	char reason[200] = "";
	int r;

	if (c->trust->error[0]) {
		snprintf(reason, sizeof(reason), "%s", c->trust->error);
		r = -EINVAL;
	} else {
		r = sipd_tls_connect(c, reason, sizeof(reason));
	}
	if (r >= 0) {
		s = SSL_new(c->trust->ctx);
		if (!s) {
			snprintf(reason, sizeof(reason), "TLS: out of memory");
			r = -ENOMEM;
		}
	}
	if (r >= 0)
		r = sipd_tls_handshake(c, s, deadline, reason, sizeof(reason));

	sipd_tls_notify(c, r >= 0, reason);
	if (r >= 0) {
		sipd_tls_pump(c, s);
		sipd_tls_bye(s);
	}

	sipd_tls_untrack(c->local_fd);
	close(c->local_fd);
	if (c->server_fd >= 0)
		close(c->server_fd);
	/* the session holds its own reference to the trust's context */
	sipd_tls_trust_unref(c->trust);
	free(c);
	return NULL;
}

static void *sipd_tls_worker(void *arg)
{
	struct sipd_tls_conn *c;

	for (;;) {
		pthread_mutex_lock(&sipd_tls_lock);
		while (!sipd_tls_queue) {
			sipd_tls_idle++;
			pthread_cond_wait(&sipd_tls_work, &sipd_tls_lock);
			sipd_tls_idle--;
		}

		c = sipd_tls_queue;
		sipd_tls_queue = c->next;
		if (!sipd_tls_queue)
			sipd_tls_queue_tail = &sipd_tls_queue;
		pthread_mutex_unlock(&sipd_tls_lock);

		c->run(c);
	}

	return NULL;
}

/* Queues @c for a worker, starting one when none is free. */
static int sipd_tls_submit(struct sipd_tls_conn *c, void *(*run)(void *))
{
	pthread_attr_t attr;
	pthread_t th;
	bool spawn;
	int r = 0;

	c->run = run;
	c->next = NULL;

	pthread_mutex_lock(&sipd_tls_lock);
	spawn = sipd_tls_idle == 0 && sipd_tls_workers < SIPD_TLS_WORKERS_MAX;
	if (spawn) {
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		r = -pthread_create(&th, &attr, sipd_tls_worker, NULL);
		pthread_attr_destroy(&attr);
		if (r == 0)
			sipd_tls_workers++;
	}

	/* every worker busy and none to add: it waits in the queue */
	if (r == 0 || sipd_tls_workers > 0) {
		*sipd_tls_queue_tail = c;
		sipd_tls_queue_tail = &c->next;
		pthread_cond_signal(&sipd_tls_work);
		r = 0;
	}
	pthread_mutex_unlock(&sipd_tls_lock);
	return r;
}

static int sipd_tls_in_accept_cb(struct sipd *d, su_wait_t *w, void *arg)
{
	struct sipd_tls *t = d->tls;
	struct sipd_tls_conn *c;
	bool room;
	int fd, r;

	su_wait_events(w, t->in_fd);
	fd = accept4(t->in_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return 0;

	pthread_mutex_lock(&sipd_tls_lock);
	room = sipd_tls_inbound_n < SIPD_TLS_INBOUND_MAX;
	if (room)
		sipd_tls_inbound_n++;
	pthread_mutex_unlock(&sipd_tls_lock);

	c = room ? calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		log_debug("TLS port: %s, closing a connection",
			  room ? "out of memory" : "too many connections");
		close(fd);
		if (room) {
			pthread_mutex_lock(&sipd_tls_lock);
			sipd_tls_inbound_n--;
			pthread_mutex_unlock(&sipd_tls_lock);
		}
		return 0;
	}

	c->inbound = true;
	c->server_fd = fd;
	c->local_fd = -1;
	/* the connection's own reference: sipd may end before it */
	SSL_CTX_up_ref(t->in_ctx);
	c->server_ctx = t->in_ctx;
	c->sofia = t->sofia;
	r = sipd_tls_submit(c, sipd_tls_in_thread);
	if (r < 0) {
		log_err("TLS port: cannot start a thread: %s", strerror(-r));
		close(fd);
		SSL_CTX_free(c->server_ctx);
		free(c);
		pthread_mutex_lock(&sipd_tls_lock);
		sipd_tls_inbound_n--;
		pthread_mutex_unlock(&sipd_tls_lock);
	}

	return 0;
}

static void sipd_tls_in_close(struct sipd *d)
{
	struct sipd_tls *t = d->tls;

	if (t->in_index > 0)
		su_root_deregister(d->root, t->in_index);
	if (t->in_fd >= 0)
		close(t->in_fd);
	t->in_index = 0;
	t->in_fd = -1;
	t->in_port = 0;
}

/* The TLS port's certificate (and its chain) and key, both in @pem. */
static SSL_CTX *sipd_tls_server_ctx(const char *pem)
{
	_cleanup_ssl_ctx_ SSL_CTX *ctx = NULL;
	SSL_CTX *ret;
	char err[160];

	ERR_clear_error();
	ctx = sipd_tls_ctx_new(TLS_server_method());
	if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, pem) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, pem, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		log_err("No TLS port: %s: %s", pem,
			sipd_tls_err(err, sizeof(err)));
		return NULL;
	}

	ret = ctx;
	ctx = NULL;
	return ret;
}

/*
 * The phone's TLS port (SIP port + 1), served with $STATE/tls/agent.pem
 * (certificate and key).  Without that file there is no TLS port.  The
 * credentials are loaded once; each connection holds a reference.
 */
int sipd_tls_inbound(struct sipd *d, const char *bind_addr,
		     unsigned int sip_port, const char *agent_pem)
{
	struct sipd_tls *t = d->tls;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd, one = 1, r;

	if (!t || (t->in_fd >= 0 && t->in_port == sip_port + 1))
		return 0;

	sipd_tls_in_close(d);
	if (sip_port >= 65535 || access(agent_pem, R_OK) < 0) {
		log_info("No TLS port: %s", sip_port >= 65535 ?
			 "no port above the SIP port" :
			 "no certificate in $STATE/tls/agent.pem");
		return 0;
	}

	if (!t->in_ctx) {
		t->in_ctx = sipd_tls_server_ctx(agent_pem);
		if (!t->in_ctx)
			return -EINVAL;
	}

	inet_pton(AF_INET, bind_addr, &sin.sin_addr);
	t->sofia = sin;
	t->sofia.sin_port = htons((uint16_t)sip_port);
	if (t->sofia.sin_addr.s_addr == htonl(INADDR_ANY))
		t->sofia.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)(sip_port + 1));

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, 64) < 0) {
		r = -errno;
		log_err("No TLS port %s:%u: %s", bind_addr, sip_port + 1,
			strerror(-r));
		close(fd);
		return r;
	}

	t->in_fd = fd;
	t->in_port = sip_port + 1;
	if (su_wait_create(&t->in_wait, fd, SU_WAIT_IN) < 0)
		return -ENOMEM;
	t->in_index = su_root_register(d->root, &t->in_wait,
				       sipd_tls_in_accept_cb, NULL, 0);
	if (t->in_index <= 0)
		return -ENOMEM;

	log_info("SIP over TLS listening on %s:%u", bind_addr, t->in_port);
	return 0;
}

unsigned int sipd_tls_port(struct sipd *d)
{
	return d->tls ? d->tls->in_port : 0;
}

static void sipd_tls_start_conn(struct sipd *d, int fd)
{
	struct sipd_tls *t = d->tls;
	struct sipd_tls_conn *c;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c || !t->have_target || !t->trust || !sipd_tls_track(fd)) {
		/* nowhere to go: sofia sees the connection end */
		log_warning("TLS relay: %s, closing the connection",
			    !c ? "out of memory" :
			    !t->have_target ? "no TLS server configured" :
					      "too many connections");
		free(c);
		close(fd);
		return;
	}

	c->local_fd = fd;
	c->server_fd = -1;
	c->target = t->target;
	c->notify_fd = t->notify_wr;
	c->trust = sipd_tls_trust_ref(t->trust);

	r = sipd_tls_submit(c, sipd_tls_thread);
	if (r < 0) {
		log_err("TLS relay: cannot start a thread: %s", strerror(-r));
		sipd_tls_trust_unref(c->trust);
		sipd_tls_untrack(fd);
		close(fd);
		free(c);
	}
}

static int sipd_tls_accept_cb(struct sipd *d, su_wait_t *w, void *arg)
{
	struct sipd_tls *t = d->tls;
	int fd;

	su_wait_events(w, t->listen_fd);
	fd = accept4(t->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warning("TLS relay: accept failed: %s",
				    strerror(errno));
		return 0;
	}

	sipd_tls_start_conn(d, fd);
	return 0;
}

static int sipd_tls_notify_cb(struct sipd *d, su_wait_t *w, void *arg)
{
	struct sipd_tls *t = d->tls;
	struct sipd_tls_note n;

	su_wait_events(w, t->notify_rd);
	while (read(t->notify_rd, &n, sizeof(n)) == (ssize_t)sizeof(n)) {
		n.reason[sizeof(n.reason) - 1] = '\0';
		if (n.gen != t->target.gen)
			continue;	/* a server no longer configured */

		if (n.ok) {
			log_info("TLS to %s verified", t->target.host);
			continue;
		}

		log_warning("TLS to %s refused: %s", t->target.host,
			    n.reason);
		sipd_reg_tls_failed(d, n.reason);
	}

	return 0;
}

static int sipd_tls_listen(struct sipd_tls *t)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t sl = sizeof(sin);
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;

	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}

	t->listen_fd = fd;
	t->port = ntohs(sin.sin_port);
	return 0;
}

int sipd_tls_init(struct sipd *d)
{
	struct sipd_tls *t;
	int p[2], r;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;

	t->listen_fd = t->notify_rd = t->notify_wr = t->in_fd = -1;
	d->tls = t;

	r = sipd_tls_listen(t);
	if (r < 0) {
		log_err("TLS relay: no loopback listener: %s", strerror(-r));
		return r;
	}

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		log_err("TLS relay: no pipe: %s", strerror(errno));
		return -errno;
	}

	t->notify_rd = p[0];
	t->notify_wr = p[1];

	if (su_wait_create(&t->listen_wait, t->listen_fd, SU_WAIT_IN) < 0 ||
	    su_wait_create(&t->notify_wait, t->notify_rd, SU_WAIT_IN) < 0)
		return -ENOMEM;

	t->listen_index = su_root_register(d->root, &t->listen_wait,
					   sipd_tls_accept_cb, NULL, 0);
	t->notify_index = su_root_register(d->root, &t->notify_wait,
					   sipd_tls_notify_cb, NULL, 0);
	if (t->listen_index <= 0 || t->notify_index <= 0)
		return -ENOMEM;

	log_debug("TLS relay on 127.0.0.1:%u", t->port);
	return 0;
}

void sipd_tls_free(struct sipd *d)
{
	struct sipd_tls *t = d->tls;

	if (!t)
		return;

	sipd_tls_close_all();
	sipd_tls_in_close(d);
	SSL_CTX_free(t->in_ctx);
	sipd_tls_trust_unref(t->trust);
	if (t->listen_index > 0)
		su_root_deregister(d->root, t->listen_index);
	if (t->notify_index > 0)
		su_root_deregister(d->root, t->notify_index);
	if (t->listen_fd >= 0)
		close(t->listen_fd);
	if (t->notify_rd >= 0)
		close(t->notify_rd);
	/* the write end stays: a detached thread may still report */
	free(t);
	d->tls = NULL;
}

/* @tr was loaded from @ca_file as it is now. */
static bool sipd_tls_trust_current(const struct sipd_tls_trust *tr,
				   const char *ca_file)
{
	struct stat st;

	if (!tr || strcmp(tr->ca_file, ca_file) != 0)
		return false;

	if (!*ca_file)
		return true;

	return stat(ca_file, &st) == 0 && st.st_size == tr->size &&
	       st.st_mtim.tv_sec == tr->mtime.tv_sec &&
	       st.st_mtim.tv_nsec == tr->mtime.tv_nsec;
}

/*
 * The server behind the relay.  A different one ends the connections
 * to the old (sofia would otherwise reuse them for the new server).
 */
void sipd_tls_set_target(struct sipd *d, const struct sockaddr_in *addr,
			 const char *host, bool validate_name,
			 const char *ca_file)
{
	struct sipd_tls *t = d->tls;
	struct sipd_tls_target n = { .addr = *addr,
				     .validate_name = validate_name };

	snprintf(n.host, sizeof(n.host), "%s", host);
	snprintf(n.ca_file, sizeof(n.ca_file), "%s", ca_file ? ca_file : "");

	if (!t->have_target || memcmp(&t->target.addr, addr, sizeof(*addr)) ||
	    strcmp(t->target.host, n.host) ||
	    t->target.validate_name != validate_name ||
	    strcmp(t->target.ca_file, n.ca_file)) {
		n.gen = t->target.gen + 1;
		t->target = n;
		t->have_target = true;
		sipd_tls_close_all();
	}

	/* the CA file may have changed even under the same name */
	if (sipd_tls_trust_current(t->trust, n.ca_file))
		return;

	sipd_tls_trust_unref(t->trust);
	t->trust = sipd_tls_trust_new(n.ca_file);	/* logs a failure */
}

/* Outbound proxy URI that sends sofia's TCP into the relay. */
int sipd_tls_relay_url(struct sipd *d, char *buf, size_t len)
{
	int n;

	if (!d->tls || d->tls->listen_fd < 0)
		return -ENOTCONN;

	n = snprintf(buf, len, "sip:127.0.0.1:%u;transport=tcp", d->tls->port);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}
