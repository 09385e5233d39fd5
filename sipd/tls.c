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

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "log.h"

/*
 * SIP over TLS without sofia's TLS (notes/sofia-sip.md 1: it checks
 * nothing by default, reports a refused certificate as a 408 after
 * 32 s, never matches IP SANs, sends no SNI and leaks per connection).
 *
 * sofia runs SIP over TCP to a loopback listener of sipd (the relay);
 * each connection sofia opens there becomes a TLS connection from sipd
 * to the real server, made and checked with GnuTLS: system CA store
 * plus the custom CA file, the server name (DNS or IP subjectAltName,
 * CN only without SAN, RFC 6125 as GnuTLS implements it), TLS 1.2 or
 * newer, SNI.  A failed check closes the loopback side, never falls
 * back to plain, and tells the main loop why (sipd_reg_tls_failed()).
 *
 * Each relayed connection is served by one worker thread with blocking
 * I/O (workers are kept and reused, at most 40; inbound connections at
 * most 24 at once, so the registrar's always find one), and the
 * su_root loop never waits for a handshake.  The threads talk to the
 * loop through a pipe only.
 */

#define SIPD_TLS_CONNECT_MS 3000
#define SIPD_TLS_TOTAL_MS 5000
#define SIPD_TLS_CONNS_MAX 16

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
	gnutls_certificate_credentials_t cred;
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
	gnutls_certificate_credentials_t server_cred;
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
	gnutls_certificate_credentials_t in_cred;
};

#define SIPD_TLS_INBOUND_MAX 24
#define SIPD_TLS_WORKERS_MAX 40
#define SIPD_TLS_IDLE_MS (300 * 1000)	/* an inbound connection */

static unsigned int sipd_tls_inbound_n;	/* under sipd_tls_lock */

/*
 * Worker threads, kept for the life of sipd: GnuTLS 3.7 leaves about
 * 220 bytes behind for every thread that used its random generator,
 * so a thread per connection grew without bound (bench/sipd-tls-mem.sh).
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

static int sipd_tls_connect(struct sipd_tls_conn *c, char *reason,
			    size_t len)
{
	struct pollfd p;
	char ip[INET_ADDRSTRLEN];
	socklen_t sl = sizeof(int);
	int fd, err = 0, flags;

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

	/* the relay thread uses blocking I/O from here on */
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
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

/* First DNS/IP subjectAltName, else the CN: what the certificate names. */
static void sipd_tls_cert_name(gnutls_x509_crt_t crt, char *buf, size_t len)
{
	unsigned char raw[64];
	size_t size;
	unsigned int i;
	int type;

	for (i = 0; i < 16; i++) {
		size = len;
		type = gnutls_x509_crt_get_subject_alt_name(crt, i, buf, &size,
							    NULL);
		if (type < 0)
			break;
		if (type == GNUTLS_SAN_DNSNAME)
			return;
		size = sizeof(raw);
		if (type == GNUTLS_SAN_IPADDRESS &&
		    gnutls_x509_crt_get_subject_alt_name(crt, i, raw, &size,
							 NULL) >= 0 &&
		    size == 4 && inet_ntop(AF_INET, raw, buf, (socklen_t)len))
			return;
	}

	size = len;
	if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
					  0, buf, &size) < 0)
		snprintf(buf, len, "(no name)");
}

/* Why GnuTLS refused the server's certificate, in words for the user. */
static void sipd_tls_explain(struct sipd_tls_conn *c, gnutls_session_t s,
			     char *reason, size_t len)
{
	unsigned int status = gnutls_session_get_verify_cert_status(s);
	const gnutls_datum_t *peers;
	gnutls_x509_crt_t crt = NULL;
	unsigned int n = 0;
	const char *host = c->target.host;
	char name[256] = "";
	bool self = false;

	peers = gnutls_certificate_get_peers(s, &n);
	if (peers && n > 0 && gnutls_x509_crt_init(&crt) >= 0 &&
	    gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) >= 0) {
		sipd_tls_cert_name(crt, name, sizeof(name));
		self = n == 1 && gnutls_x509_crt_check_issuer(crt, crt) == 1;
	}

	if (crt)
		gnutls_x509_crt_deinit(crt);

	if ((status & GNUTLS_CERT_SIGNER_NOT_FOUND) && self)
		snprintf(reason, len, "certificate for %s is self-signed",
			 host);
	else if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND |
			   GNUTLS_CERT_SIGNER_NOT_CA |
			   GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE))
		snprintf(reason, len,
			 "certificate for %s has an untrusted issuer", host);
	else if (status & GNUTLS_CERT_EXPIRED)
		snprintf(reason, len, "certificate for %s expired", host);
	else if (status & GNUTLS_CERT_NOT_ACTIVATED)
		snprintf(reason, len, "certificate for %s is not yet valid",
			 host);
	else if (status & GNUTLS_CERT_UNEXPECTED_OWNER)
		snprintf(reason, len,
			 "certificate for %s is not valid for host %s", name,
			 host);
	else if (status & GNUTLS_CERT_INSECURE_ALGORITHM)
		snprintf(reason, len,
			 "certificate for %s uses an insecure algorithm", host);
	else if (status & GNUTLS_CERT_REVOKED)
		snprintf(reason, len, "certificate for %s is revoked", host);
	else
		snprintf(reason, len, "certificate for %s is not valid "
			 "(status 0x%x)", host, status);
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

	if (tr->cred)
		gnutls_certificate_free_credentials(tr->cred);
	free(tr);
}

static struct sipd_tls_trust *sipd_tls_trust_ref(struct sipd_tls_trust *tr)
{
	pthread_mutex_lock(&sipd_tls_lock);
	tr->refs++;
	pthread_mutex_unlock(&sipd_tls_lock);
	return tr;
}

/* System store plus @ca_file; an unusable CA file is kept as an error. */
static struct sipd_tls_trust *sipd_tls_trust_new(const char *ca_file)
{
	struct sipd_tls_trust *tr = calloc(1, sizeof(*tr));
	struct stat st;
	int r;

	if (!tr)
		return NULL;

	tr->refs = 1;
	snprintf(tr->ca_file, sizeof(tr->ca_file), "%s", ca_file);
	if (*ca_file && stat(ca_file, &st) == 0) {
		tr->mtime = st.st_mtim;
		tr->size = st.st_size;
	}

	r = gnutls_certificate_allocate_credentials(&tr->cred);
	if (r < 0) {
		free(tr);
		return NULL;
	}

	r = gnutls_certificate_set_x509_system_trust(tr->cred);
	if (r < 0)
		log_warning("No system CA store: %s", gnutls_strerror(r));

	if (!*ca_file)
		return tr;

	r = gnutls_certificate_set_x509_trust_file(tr->cred, ca_file,
						   GNUTLS_X509_FMT_PEM);
	if (r <= 0)
		snprintf(tr->error, sizeof(tr->error),
			 "cannot read CA file %.100s: %s", ca_file,
			 r < 0 ? gnutls_strerror(r) : "no certificate in it");
	return tr;
}

/* Handshake and checks; a session ready for records, or a reason. */
static int sipd_tls_handshake(struct sipd_tls_conn *c, gnutls_session_t s,
			      int64_t deadline, char *reason, size_t len)
{
	const char *host = c->target.host;
	int64_t left;
	int r;

	r = gnutls_priority_set_direct(s, "NORMAL:-VERS-ALL:+VERS-TLS1.3:"
				       "+VERS-TLS1.2", NULL);
	if (r < 0) {
		snprintf(reason, len, "TLS: %s", gnutls_strerror(r));
		return -EINVAL;
	}

	/* SNI carries names only (RFC 6066 3) */
	if (!sipd_tls_is_ip(host))
		gnutls_server_name_set(s, GNUTLS_NAME_DNS, host, strlen(host));

	gnutls_session_set_verify_cert(s, c->target.validate_name ? host :
				       NULL, 0);
	gnutls_transport_set_int(s, c->server_fd);

	left = deadline - sipd_tls_now_ms();
	gnutls_handshake_set_timeout(s, left > 100 ? (unsigned int)left : 100);
	do {
		r = gnutls_handshake(s);
	} while (r < 0 && !gnutls_error_is_fatal(r) &&
		 r != GNUTLS_E_TIMEDOUT);

	if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		sipd_tls_explain(c, s, reason, len);
		return -EPERM;
	}

	if (r < 0) {
		snprintf(reason, len, "TLS handshake with %s failed: %s", host,
			 gnutls_strerror(r));
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

static int sipd_tls_send_all(gnutls_session_t s, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = gnutls_record_send(s, buf, len);
		if (n == GNUTLS_E_INTERRUPTED || n == GNUTLS_E_AGAIN)
			continue;
		if (n < 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}

	return 0;
}

/* Copies both ways until either side ends. */
static void sipd_tls_pump(struct sipd_tls_conn *c, gnutls_session_t s)
{
	struct pollfd p[2] = {
		{ .fd = c->local_fd, .events = POLLIN },
		{ .fd = c->server_fd, .events = POLLIN },
	};
	char buf[16384];
	ssize_t n;

	for (;;) {
		if (gnutls_record_check_pending(s) == 0) {
			n = poll(p, 2, c->inbound ? SIPD_TLS_IDLE_MS : -1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return;	/* error, or an idle inbound */
		}

		if (gnutls_record_check_pending(s) > 0 ||
		    (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			n = gnutls_record_recv(s, buf, sizeof(buf));
			if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
				continue;
			if (n <= 0 ||
			    sipd_tls_write_all(c->local_fd, buf, (size_t)n) < 0)
				return;
		}

		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(c->local_fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 || sipd_tls_send_all(s, buf, (size_t)n) < 0)
				return;
		}

		p[0].revents = p[1].revents = 0;
	}
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
	gnutls_session_t s = NULL;
	int r;

	r = gnutls_init(&s, GNUTLS_SERVER);
	if (r >= 0)
		r = gnutls_priority_set_direct(s, "NORMAL:-VERS-ALL:"
					       "+VERS-TLS1.3:+VERS-TLS1.2",
					       NULL);
	if (r >= 0)
		r = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE,
					   c->server_cred);
	if (r >= 0) {
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_IGNORE);
		gnutls_transport_set_int(s, c->server_fd);
		gnutls_handshake_set_timeout(s, SIPD_TLS_TOTAL_MS);
		do {
			r = gnutls_handshake(s);
		} while (r < 0 && !gnutls_error_is_fatal(r) &&
			 r != GNUTLS_E_TIMEDOUT);
	}

	if (r >= 0 && sipd_tls_connect_sofia(c) >= 0) {
		sipd_tls_pump(c, s);
		gnutls_bye(s, GNUTLS_SHUT_WR);
	}

	if (s)
		gnutls_deinit(s);
	if (c->local_fd >= 0)
		close(c->local_fd);
	close(c->server_fd);
	pthread_mutex_lock(&sipd_tls_lock);
	sipd_tls_inbound_n--;
	pthread_mutex_unlock(&sipd_tls_lock);
	free(c);
	return NULL;
}

static void *sipd_tls_thread(void *arg)
{
	struct sipd_tls_conn *c = arg;
	gnutls_session_t s = NULL;
	int64_t deadline = sipd_tls_now_ms() + SIPD_TLS_TOTAL_MS;
	char reason[200] = "";
	int r;

	if (c->trust->error[0]) {
		snprintf(reason, sizeof(reason), "%s", c->trust->error);
		r = -EINVAL;
	} else {
		r = sipd_tls_connect(c, reason, sizeof(reason));
	}
	if (r >= 0 && gnutls_init(&s, GNUTLS_CLIENT) < 0) {
		snprintf(reason, sizeof(reason), "TLS: out of memory");
		r = -ENOMEM;
	}
	if (r >= 0 &&
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE,
				   c->trust->cred) < 0) {
		snprintf(reason, sizeof(reason), "TLS: no credentials");
		r = -EINVAL;
	}
	if (r >= 0)
		r = sipd_tls_handshake(c, s, deadline, reason, sizeof(reason));

	sipd_tls_notify(c, r >= 0, reason);
	if (r >= 0) {
		sipd_tls_pump(c, s);
		gnutls_bye(s, GNUTLS_SHUT_WR);
	}

	sipd_tls_untrack(c->local_fd);
	close(c->local_fd);
	if (c->server_fd >= 0)
		close(c->server_fd);
	if (s)
		gnutls_deinit(s);
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
	fd = accept4(t->in_fd, NULL, NULL, SOCK_CLOEXEC);
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
	c->server_cred = t->in_cred;
	c->sofia = t->sofia;
	r = sipd_tls_submit(c, sipd_tls_in_thread);
	if (r < 0) {
		log_err("TLS port: cannot start a thread: %s", strerror(-r));
		close(fd);
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

/*
 * The phone's TLS port (SIP port + 1), served with $STATE/tls/agent.pem
 * (certificate and key).  Without that file there is no TLS port.  The
 * credentials stay loaded for the life of sipd: threads may use them.
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

	if (!t->in_cred) {
		r = gnutls_certificate_allocate_credentials(&t->in_cred);
		if (r >= 0)
			r = gnutls_certificate_set_x509_key_file(t->in_cred,
						agent_pem, agent_pem,
						GNUTLS_X509_FMT_PEM);
		if (r < 0) {
			log_err("No TLS port: %s: %s", agent_pem,
				gnutls_strerror(r));
			if (t->in_cred)
				gnutls_certificate_free_credentials(t->in_cred);
			t->in_cred = NULL;
			return -EINVAL;
		}
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
	t->trust = sipd_tls_trust_new(n.ca_file);
	if (!t->trust)
		log_err("TLS relay: out of memory for the trust store");
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
