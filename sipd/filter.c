/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sipd.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/filter.h>
#include <sys/socket.h>

#include "log.h"

/*
 * Restricted_Access_Domains without any reply: nua answers some
 * requests itself and sends 100 Trying to every INVITE before sipd can
 * decide (notes/sofia-sip.md 3), so the filter sits below the stack.
 * A classic BPF socket filter (no privilege needed) on sofia's UDP
 * socket, its TCP listener (a dropped SYN gets no SYN-ACK and no RST;
 * accepted sockets inherit the filter), the connections it accepted,
 * and the TLS port: datagrams and segments whose IPv4 source is not an
 * address of a listed name are dropped by the kernel.  No 100, no 200
 * to OPTIONS, no 403, no ICMP.  sofia's sockets are found by scanning
 * /proc/self/fd for the SIP port; the filter is rebuilt whenever the
 * list, the resolved addresses or the sockets change, and every
 * SIPD_FILTER_REFRESH_MS (the resolver then looks the names up again).
 *
 * While a name is not resolved yet its addresses are not let in: the
 * filter fails closed.  With a TLS port, 127.0.0.1 is let in too: the
 * TLS relay hands the decrypted stream to sofia from there (and the TLS
 * port itself is filtered).
 */

#define SIPD_FILTER_REFRESH_MS 30000
#define SIPD_FILTER_MAX_ADDRS 64

/* The allowed set; -EINPROGRESS while some name is still looked up. */
static int sipd_filter_allowed(struct sipd *d, struct in_addr *out,
			       size_t max, size_t *n_out)
{
	const char *list = param_store_get(d->params,
					   "Restricted_Access_Domains");
	char copy[PARAM_VALUE_MAX + 1], *tok, *save = NULL;
	struct in_addr addrs[SIPD_RESOLVE_MAX];
	size_t n = 0;
	int i, k, r = 0;

	snprintf(copy, sizeof(copy), "%s", list ? list : "");
	for (tok = strtok_r(copy, ";, ", &save); tok;
	     tok = strtok_r(NULL, ";, ", &save)) {
		k = sipd_resolve(d, tok, addrs, SIPD_RESOLVE_MAX);
		if (k == -EINPROGRESS)
			r = k;

		for (i = 0; i < k && n < max; i++)
			out[n++] = addrs[i];
	}

	*n_out = n;
	return r;
}

bool sipd_filter_active(struct sipd *d)
{
	const char *list = param_store_get(d->params,
					   "Restricted_Access_Domains");

	return list && *list;
}

/*
 * Whether @addr is an address of a listed name: 1 (also without a
 * list), 0, or -EINPROGRESS when not found while a name is looked up.
 */
int sipd_filter_allows(struct sipd *d, const struct in_addr *addr)
{
	struct in_addr set[SIPD_FILTER_MAX_ADDRS];
	size_t n, i;
	int r;

	if (!sipd_filter_active(d))
		return 1;

	r = sipd_filter_allowed(d, set, SIPD_FILTER_MAX_ADDRS, &n);
	for (i = 0; i < n; i++)
		if (set[i].s_addr == addr->s_addr)
			return 1;

	return r == -EINPROGRESS ? r : 0;
}

/*
 * ld [source address]; one jeq per allowed address; drop; accept.
 * Loads at SKF_NET_OFF are relative to the IP header whatever the
 * protocol, and come out in host byte order.
 */
static size_t sipd_filter_build(struct sock_filter *prog,
				const struct in_addr *set, size_t n)
{
	size_t i, len = 0;

	prog[len++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						   SKF_NET_OFF + 12);
	for (i = 0; i < n; i++) {
		/* jump over the remaining tests and the drop to accept */
		prog[len++] = (struct sock_filter)BPF_JUMP(
			BPF_JMP | BPF_JEQ | BPF_K, ntohl(set[i].s_addr),
			(uint8_t)(n - i), 0);
	}

	prog[len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	prog[len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						   0xffffffffu);
	return len;
}

/* @fd is an IPv4 socket on one of our SIP ports. */
static bool sipd_filter_ours(struct sipd *d, int fd)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	unsigned int port;

	if (getsockname(fd, (struct sockaddr *)&sin, &sl) < 0 ||
	    sin.sin_family != AF_INET)
		return false;

	port = ntohs(sin.sin_port);
	return port == d->port ||
	       (sipd_tls_port(d) && port == sipd_tls_port(d));
}

/* Attaches @prog (or detaches with NULL) on every socket of ours. */
static int sipd_filter_apply(struct sipd *d, const struct sock_fprog *prog)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;
	int fd, n = 0, dummy = 0;

	if (!dir)
		return -errno;

	while ((de = readdir(dir))) {
		fd = atoi(de->d_name);
		if (fd <= 2 || fd == dirfd(dir) || !sipd_filter_ours(d, fd))
			continue;

		if (prog && setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, prog,
				       sizeof(*prog)) < 0) {
			log_err("Cannot filter socket %d: %s", fd,
				strerror(errno));
			continue;
		}

		if (!prog)
			setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &dummy,
				   sizeof(dummy));
		n++;
	}

	closedir(dir);
	return n;
}

static void sipd_filter_timer_cb(struct sipd *d, su_timer_t *t, void *arg)
{
	sipd_filter_update(d);
}

/* Builds the filter from the list as resolved now and attaches it. */
void sipd_filter_update(struct sipd *d)
{
	struct in_addr set[SIPD_FILTER_MAX_ADDRS + 1];
	struct sock_filter code[SIPD_FILTER_MAX_ADDRS + 4];
	struct sock_fprog prog;
	char text[400] = "";
	size_t n = 0, i, len;
	bool resolving;
	int r;

	if (!d->filter_timer)
		d->filter_timer = su_timer_create(su_root_task(d->root), 0);

	if (!sipd_filter_active(d)) {
		su_timer_reset(d->filter_timer);
		if (d->filtering) {
			sipd_filter_apply(d, NULL);
			log_notice("Restricted_Access_Domains empty: SIP open "
				   "to every source");
		}
		d->filtering = false;
		return;
	}

	resolving = sipd_filter_allowed(d, set, SIPD_FILTER_MAX_ADDRS,
					&n) == -EINPROGRESS;
	if (sipd_tls_port(d) && n < SIPD_FILTER_MAX_ADDRS) {
		set[n].s_addr = htonl(INADDR_LOOPBACK);
		for (i = 0; i < n && set[i].s_addr != set[n].s_addr; i++)
			;
		if (i == n)
			n++;
	}

	for (i = 0; i < n; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "%s%s", i ? " " : "", inet_ntoa(set[i]));

	len = sipd_filter_build(code, set, n);
	prog.len = (unsigned short)len;
	prog.filter = code;
	r = sipd_filter_apply(d, &prog);
	if (r < 0)
		log_err("Cannot filter SIP sources: %s", strerror(-r));
	else
		log_info("SIP accepted only from: %s%s (%d sockets)",
			 n ? text : "nobody yet",
			 resolving ? ", still resolving" : "", r);

	d->filtering = true;
	if (d->filter_timer)
		su_timer_set_interval(d->filter_timer, sipd_filter_timer_cb,
				      NULL, SIPD_FILTER_REFRESH_MS);
}

void sipd_filter_done(struct sipd *d)
{
	su_timer_destroy(d->filter_timer);
	d->filter_timer = NULL;
}
