/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The DHCP engine (common/dhcp-client.h) on a real interface: a packet
 * socket for its packets, an sd-event timer for its timer,
 * CLOCK_BOOTTIME as its clock and getrandom() for its random numbers.
 *
 * Why AF_PACKET and not a UDP socket on 0.0.0.0:68: before it has an
 * address the interface cannot receive unicast replies through the IP
 * stack, so a UDP client depends on every server honouring the
 * broadcast flag and on rp_filter being off (notes/system.md 7).  A
 * packet socket sees the reply whatever the server does and whatever
 * rp_filter says, and it keeps working once RENEWING sends unicast.
 * A socket filter keeps everything but UDP to port 68 in the kernel.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/ip.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dhcp-raw.h"
#include "log.h"
#include "netd-netlink.h"
#include "netd.h"

struct netd_dhcp {
	struct netd *netd;
	struct dhcp_client *client;
	int fd;
	sd_event_source *io;
	sd_event_source *timer;
};

/*
 * Classic BPF over the IP datagram (a SOCK_DGRAM packet socket starts
 * at the network header): UDP, not a later fragment, destination 68.
 */
static const struct sock_filter netd_dhcp_filter[] = {
	BPF_STMT(BPF_LD + BPF_B + BPF_ABS, 9),			/* protocol */
	BPF_JUMP(BPF_JMP + BPF_JEQ + BPF_K, IPPROTO_UDP, 0, 6),
	BPF_STMT(BPF_LD + BPF_H + BPF_ABS, 6),			/* fragment */
	BPF_JUMP(BPF_JMP + BPF_JSET + BPF_K, 0x1fff, 4, 0),
	BPF_STMT(BPF_LDX + BPF_B + BPF_MSH, 0),			/* X = IHL */
	BPF_STMT(BPF_LD + BPF_H + BPF_IND, 2),			/* dst port */
	BPF_JUMP(BPF_JMP + BPF_JEQ + BPF_K, DHCP_CLIENT_PORT, 0, 1),
	BPF_STMT(BPF_RET + BPF_K, 0xffff),
	BPF_STMT(BPF_RET + BPF_K, 0),
};

static uint64_t netd_dhcp_now(void *data)
{
	struct netd_dhcp *d = data;
	uint64_t now = 0;

	sd_event_now(d->netd->event, CLOCK_BOOTTIME, &now);
	return now;
}

static uint32_t netd_dhcp_random(void *data)
{
	uint32_t v;

	/* Tiny request from the initialised pool: never blocks or fails. */
	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)random();

	return v;
}

static int netd_dhcp_send(void *data, const void *packet, size_t len,
			  struct in_addr dst)
{
	struct netd_dhcp *d = data;
	uint8_t frame[DHCP_RAW_HEADERS + DHCP_PACKET_MAX];
	struct in_addr src = { .s_addr = INADDR_ANY };
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = d->netd->ifindex,
		.sll_halen = ETH_ALEN,
	};
	int n;

	/* Only broadcast so far; unicast (RENEWING) needs the server MAC. */
	if (dst.s_addr != INADDR_BROADCAST)
		return -EOPNOTSUPP;

	memset(ll.sll_addr, 0xff, ETH_ALEN);

	n = dhcp_raw_wrap(frame, sizeof(frame), src, dst, packet, len);
	if (n < 0)
		return n;

	if (sendto(d->fd, frame, (size_t)n, 0, (struct sockaddr *)&ll,
		   sizeof(ll)) < 0)
		return -errno;

	return 0;
}

static void netd_dhcp_set_timer(void *data, uint64_t usec)
{
	struct netd_dhcp *d = data;
	int r;

	if (!d->timer)
		return;

	if (usec == DHCP_TIME_INFINITY) {
		sd_event_source_set_enabled(d->timer, SD_EVENT_OFF);
		return;
	}

	r = sd_event_source_set_time(d->timer, usec);
	if (r >= 0)
		r = sd_event_source_set_enabled(d->timer, SD_EVENT_ONESHOT);
	if (r < 0)
		log_err("Failed to arm the DHCP timer: %s", strerror(-r));
}

static int netd_dhcp_bound(struct netd_dhcp *d)
{
	const struct dhcp_lease *l = dhcp_client_lease(d->client);
	struct netd_config c = { 0 };
	char addr[INET_ADDRSTRLEN], server[INET_ADDRSTRLEN];

	if (!l)
		return -ENOENT;

	c.address = l->address;
	c.prefix_len = l->prefix_len;
	if (l->n_routers > 0)
		c.router = l->routers[0];
	c.n_dns = l->n_dns;
	memcpy(c.dns, l->dns, sizeof(c.dns));
	c.lease_time = l->lease_time;
	c.server = l->server_id;

	inet_ntop(AF_INET, &l->address, addr, sizeof(addr));
	inet_ntop(AF_INET, &l->server_id, server, sizeof(server));
	log_notice("%s: DHCP lease %s/%u from %s for %u s", d->netd->ifname,
		   addr, l->prefix_len, server, l->lease_time);

	return netd_apply(d->netd, &c);
}

static void netd_dhcp_event(void *data, enum dhcp_client_event event)
{
	struct netd_dhcp *d = data;
	enum dhcp_client_state state = dhcp_client_state(d->client);

	switch (event) {
	case DHCP_CLIENT_EVENT_STATE:
		/* BOUND is published with its lease, below. */
		if (state != DHCP_CLIENT_BOUND &&
		    state != DHCP_CLIENT_STOPPED)
			netd_set_state(d->netd, dhcp_client_state_name(state));
		break;
	case DHCP_CLIENT_EVENT_BOUND:
		/* Not applied: "failed" until the next lease (at expiry). */
		if (netd_dhcp_bound(d) < 0)
			netd_set_state(d->netd, "failed");
		else
			netd_set_state(d->netd, "bound");
		break;
	case DHCP_CLIENT_EVENT_LOST:
		log_notice("%s: DHCP lease lost", d->netd->ifname);
		netd_apply(d->netd, NULL);
		break;
	}
}

static const struct dhcp_client_ops netd_dhcp_ops = {
	.send = netd_dhcp_send,
	.set_timer = netd_dhcp_set_timer,
	.now = netd_dhcp_now,
	.random = netd_dhcp_random,
	.event = netd_dhcp_event,
};

static int netd_dhcp_on_timer(sd_event_source *s, uint64_t usec,
			      void *userdata)
{
	struct netd_dhcp *d = userdata;

	dhcp_client_timer_expired(d->client);
	return 0;
}

/* True if the kernel left the UDP checksum to hardware (veth, offload). */
static bool netd_dhcp_csum_unready(struct msghdr *msg)
{
	struct cmsghdr *cmsg;
	struct tpacket_auxdata aux;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_PACKET ||
		    cmsg->cmsg_type != PACKET_AUXDATA ||
		    cmsg->cmsg_len < CMSG_LEN(sizeof(aux)))
			continue;

		memcpy(&aux, CMSG_DATA(cmsg), sizeof(aux));
		return aux.tp_status & TP_STATUS_CSUMNOTREADY;
	}

	return false;
}

static void netd_dhcp_handle_frame(struct netd_dhcp *d, const uint8_t *frame,
				   size_t len, bool skip_csum)
{
	const uint8_t *payload;
	size_t payload_len;
	int r;

	r = dhcp_raw_unwrap(frame, len, skip_csum, &payload, &payload_len);
	if (r == -EBADMSG) {
		log_info("%s: dropped a malformed IP/UDP frame to port 68",
			 d->netd->ifname);
		return;
	}

	if (r < 0)
		return;

	r = dhcp_client_receive(d->client, payload, payload_len);
	if (r == -EBADMSG)
		log_info("%s: dropped a malformed DHCP packet (%zu bytes)",
			 d->netd->ifname, payload_len);
}

static int netd_dhcp_on_packet(sd_event_source *s, int fd, uint32_t revents,
			       void *userdata)
{
	struct netd_dhcp *d = userdata;
	uint8_t frame[2048];
	uint8_t control[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	struct sockaddr_ll ll;
	struct iovec iov = { .iov_base = frame, .iov_len = sizeof(frame) };
	struct msghdr msg = {
		.msg_name = &ll,
		.msg_namelen = sizeof(ll),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	ssize_t n;

	n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warning("%s: failed to read a DHCP packet: %m, "
				    "ignoring", d->netd->ifname);
		return 0;
	}

	/*
	 * Our own DISCOVERs come back as PACKET_OUTGOING; frames for other
	 * stations show up as PACKET_OTHERHOST when the link is promiscuous.
	 */
	if (ll.sll_pkttype == PACKET_OUTGOING ||
	    ll.sll_pkttype == PACKET_OTHERHOST)
		return 0;

	if ((size_t)n > sizeof(frame)) {
		log_info("%s: dropped an oversized frame (%zd bytes) to "
			 "port 68", d->netd->ifname, n);
		return 0;
	}

	netd_dhcp_handle_frame(d, frame, (size_t)n,
			       netd_dhcp_csum_unready(&msg));
	return 0;
}

static int netd_dhcp_open_socket(struct netd_dhcp *d)
{
	struct sock_fprog prog = {
		.len = sizeof(netd_dhcp_filter) / sizeof(*netd_dhcp_filter),
		.filter = (struct sock_filter *)netd_dhcp_filter,
	};
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = d->netd->ifindex,
	};
	int one = 1, fd;

	/* Protocol 0 until bound: nothing is queued before the filter. */
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
		       sizeof(prog)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one,
		       sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}

	d->fd = fd;
	return 0;
}

int netd_dhcp_new(struct netd_dhcp **out, struct netd *n)
{
	struct netd_dhcp *d;
	int r;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;

	d->netd = n;
	d->fd = -1;

	r = dhcp_client_new(&d->client, n->mac, &netd_dhcp_ops, d);
	if (r >= 0)
		r = sd_event_add_time(n->event, &d->timer, CLOCK_BOOTTIME,
				      0, 10000,
				      netd_dhcp_on_timer, d);
	if (r < 0) {
		netd_dhcp_free(d);
		return r;
	}

	/* Armed only through netd_dhcp_set_timer(). */
	sd_event_source_set_enabled(d->timer, SD_EVENT_OFF);
	if (n->retransmit_usec)
		dhcp_client_set_retransmit(d->client, n->retransmit_usec);

	*out = d;
	return 0;
}

void netd_dhcp_stop(struct netd_dhcp *d)
{
	dhcp_client_stop(d->client);
	d->io = sd_event_source_disable_unref(d->io);

	if (d->fd >= 0) {
		close(d->fd);
		d->fd = -1;
	}
}

void netd_dhcp_free(struct netd_dhcp *d)
{
	if (!d)
		return;

	if (d->client)
		netd_dhcp_stop(d);

	dhcp_client_free(d->client);
	sd_event_source_disable_unref(d->timer);
	free(d);
}

bool netd_dhcp_running(const struct netd_dhcp *d)
{
	return dhcp_client_state(d->client) != DHCP_CLIENT_STOPPED;
}

int netd_dhcp_start(struct netd_dhcp *d)
{
	int r;

	if (netd_dhcp_running(d))
		return 0;

	r = netd_dhcp_open_socket(d);
	if (r < 0) {
		log_err("%s: failed to open the DHCP packet socket: %s",
			d->netd->ifname, strerror(-r));
		return r;
	}

	r = sd_event_add_io(d->netd->event, &d->io, d->fd, EPOLLIN,
			    netd_dhcp_on_packet, d);
	if (r < 0) {
		log_err("%s: failed to watch the DHCP socket: %s",
			d->netd->ifname, strerror(-r));
		netd_dhcp_stop(d);
		return r;
	}

	log_info("%s: starting DHCP", d->netd->ifname);
	return dhcp_client_start(d->client);
}
