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
 *
 * The RFC 5227 engine (netd-acd.h) gets a second packet socket for ARP
 * and a timer of its own; it checks each new address of the DHCP
 * engine (ops->probe) and tells it what it found.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dhcp-raw.h"
#include "log.h"
#include "netd-acd.h"
#include "netd-netlink.h"
#include "netd.h"

/* A requested renewal gets this many retransmission bases to answer. */
#define NETD_RENEW_CHECK_BASES 4

struct netd_dhcp {
	struct netd *netd;
	struct dhcp_client *client;
	int fd;
	sd_event_source *io;
	sd_event_source *timer;

	/* Link address of the frame being handled; of the lease's ACK. */
	uint8_t frame_mac[ETH_ALEN];
	bool frame_mac_valid;
	uint8_t server_mac[ETH_ALEN];
	bool has_server_mac;

	/* Conflict detection for the address (RFC 5227, netd-acd.h). */
	struct netd_acd *acd;
	int arp_fd;
	sd_event_source *arp_io;
	sd_event_source *arp_timer;

	/* A renewal whose outcome decides a reset. */
	bool checking;
	struct in_addr check_addr;
	sd_event_source *check_timer;

	char *lease_path;
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

/*
 * Every packet goes out as a whole frame on the packet socket: to all
 * stations, or (RENEWING, RELEASE) to the link address the lease's ACK
 * came from, which is the server's or, behind a relay, the router's:
 * the next hop either way.  No UDP socket on port 68 is needed, so
 * netd needs CAP_NET_RAW but not CAP_NET_BIND_SERVICE.
 */
static int netd_dhcp_send(void *data, const void *packet, size_t len,
			  struct in_addr src, struct in_addr dst)
{
	struct netd_dhcp *d = data;
	uint8_t frame[DHCP_RAW_HEADERS + DHCP_PACKET_MAX];
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = d->netd->ifindex,
		.sll_halen = ETH_ALEN,
	};
	int n;

	if (d->fd < 0)
		return -ENOTCONN;

	/* Unknown next hop: a broadcast frame still reaches the server. */
	if (dst.s_addr != INADDR_BROADCAST && d->has_server_mac)
		memcpy(ll.sll_addr, d->server_mac, ETH_ALEN);
	else
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

/*
 * The saved lease (INIT-REBOOT after a restart), written whole to a
 * temporary file and renamed over the old one: never half a lease.
 */
static void netd_dhcp_save(struct netd_dhcp *d, const struct dhcp_lease *l)
{
	char addr[INET_ADDRSTRLEN], server[INET_ADDRSTRLEN];
	char *tmp = NULL;
	uint64_t used = (netd_dhcp_now(d) - l->acquired_usec) /
			DHCP_USEC_PER_SEC;
	long long expires = 0;
	FILE *f;
	int fd;

	if (!d->lease_path)
		return;

	if (l->lease_time != UINT32_MAX)
		expires = (long long)time(NULL) + l->lease_time -
			  (long long)used;

	inet_ntop(AF_INET, &l->address, addr, sizeof(addr));
	inet_ntop(AF_INET, &l->server_id, server, sizeof(server));

	if (asprintf(&tmp, "%s.tmp", d->lease_path) < 0)
		return;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		log_warning("Failed to write %s: %m, ignoring", tmp);
		if (fd >= 0)
			close(fd);
		free(tmp);
		return;
	}

	fprintf(f, "# netd: last DHCP lease, for INIT-REBOOT\n"
		"INTERFACE=%s\nADDRESS=%s\nPREFIX=%u\nSERVER=%s\n"
		"EXPIRES=%lld\n", d->netd->ifname, addr, l->prefix_len,
		server, expires);

	if (fflush(f) != 0 || fsync(fileno(f)) < 0 || fclose(f) != 0 ||
	    rename(tmp, d->lease_path) < 0) {
		log_warning("Failed to save the lease in %s: %m, ignoring",
			    d->lease_path);
		unlink(tmp);
	}

	free(tmp);
}

void netd_dhcp_forget(struct netd_dhcp *d)
{
	if (d && d->lease_path && unlink(d->lease_path) < 0 &&
	    errno != ENOENT)
		log_warning("Failed to remove %s: %m, ignoring",
			    d->lease_path);
}

/* The saved address if it is for this interface and not expired. */
static int netd_dhcp_load(struct netd_dhcp *d, struct in_addr *addr)
{
	char line[256], ifname[IFNAMSIZ + 1] = "", a[INET_ADDRSTRLEN + 1] = "";
	long long expires = -1;
	FILE *f;

	f = d->lease_path ? fopen(d->lease_path, "re") : NULL;
	if (!f)
		return -ENOENT;

	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "INTERFACE=%16s", ifname) == 1 ||
		    sscanf(line, "ADDRESS=%16s", a) == 1 ||
		    sscanf(line, "EXPIRES=%lld", &expires) == 1)
			continue;
	}

	fclose(f);

	if (strcmp(ifname, d->netd->ifname) != 0 ||
	    inet_pton(AF_INET, a, addr) != 1 || expires < 0 ||
	    addr->s_addr == INADDR_ANY || addr->s_addr == INADDR_BROADCAST)
		return -EINVAL;

	if (expires != 0 && expires <= (long long)time(NULL))
		return -ESTALE;

	return 0;
}

/* ---- Address conflict detection (RFC 5227, netd-acd.h) ---- */

/*
 * Only ARP packets naming the address as sender or target reach netd:
 * on a busy LAN the others would wake it for nothing.  A SOCK_DGRAM
 * packet socket starts at the ARP header.
 */
static int netd_dhcp_arp_filter(int fd, struct in_addr addr)
{
	uint32_t a = ntohl(addr.s_addr);
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD + BPF_W + BPF_ABS, 14),	/* sender */
		BPF_JUMP(BPF_JMP + BPF_JEQ + BPF_K, a, 2, 0),
		BPF_STMT(BPF_LD + BPF_W + BPF_ABS, 24),	/* target */
		BPF_JUMP(BPF_JMP + BPF_JEQ + BPF_K, a, 0, 1),
		BPF_STMT(BPF_RET + BPF_K, 0xffff),
		BPF_STMT(BPF_RET + BPF_K, 0),
	};
	struct sock_fprog prog = {
		.len = sizeof(code) / sizeof(*code),
		.filter = code,
	};

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
		       sizeof(prog)) < 0)
		return -errno;

	return 0;
}

static void netd_dhcp_arp_close(struct netd_dhcp *d)
{
	d->arp_io = sd_event_source_disable_unref(d->arp_io);
	if (d->arp_fd >= 0)
		close(d->arp_fd);
	d->arp_fd = -1;
}

/* Detection ends with the lease that it watched. */
static void netd_dhcp_acd_stop(struct netd_dhcp *d)
{
	if (d->acd)
		netd_acd_stop(d->acd);
	netd_dhcp_arp_close(d);
}

static int netd_dhcp_on_arp(sd_event_source *s, int fd, uint32_t revents,
			    void *userdata)
{
	struct netd_dhcp *d = userdata;
	uint8_t buf[64];
	struct sockaddr_ll ll;
	socklen_t ll_len = sizeof(ll);
	ssize_t n;

	n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
		     (struct sockaddr *)&ll, &ll_len);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warning("%s: failed to read an ARP packet: %m, "
				    "ignoring", d->netd->ifname);
		return 0;
	}

	/* Our own probes and announcements come back as outgoing. */
	if (ll.sll_pkttype == PACKET_OUTGOING)
		return 0;

	netd_acd_receive(d->acd, buf, (size_t)n < sizeof(buf) ?
			 (size_t)n : sizeof(buf));
	return 0;
}

/* A fresh socket per address: nothing queued for the last one. */
static int netd_dhcp_arp_open(struct netd_dhcp *d, struct in_addr addr)
{
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = d->netd->ifindex,
	};
	int fd, r;

	netd_dhcp_arp_close(d);

	/* Protocol 0 until bound: nothing is queued before the filter. */
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;

	r = netd_dhcp_arp_filter(fd, addr);
	if (r >= 0 && bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		return r;
	}

	d->arp_fd = fd;
	r = sd_event_add_io(d->netd->event, &d->arp_io, fd, EPOLLIN,
			    netd_dhcp_on_arp, d);
	if (r < 0)
		netd_dhcp_arp_close(d);

	return r;
}

/* A broadcast ARP request: a probe (sender 0) or an announcement. */
static int netd_dhcp_arp_send(void *data, struct in_addr sender,
			      struct in_addr target)
{
	struct netd_dhcp *d = data;
	struct ether_arp a = { 0 };
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = d->netd->ifindex,
		.sll_halen = ETH_ALEN,
	};

	if (d->arp_fd < 0)
		return -ENOTCONN;

	a.arp_hrd = htons(ARPHRD_ETHER);
	a.arp_pro = htons(ETH_P_IP);
	a.arp_hln = ETH_ALEN;
	a.arp_pln = 4;
	a.arp_op = htons(ARPOP_REQUEST);
	memcpy(a.arp_sha, d->netd->mac, ETH_ALEN);
	memcpy(a.arp_spa, &sender.s_addr, 4);
	memcpy(a.arp_tpa, &target.s_addr, 4);
	memset(ll.sll_addr, 0xff, ETH_ALEN);

	if (sendto(d->arp_fd, &a, sizeof(a), 0, (struct sockaddr *)&ll,
		   sizeof(ll)) < 0)
		return -errno;

	return 0;
}

static void netd_dhcp_arp_set_timer(void *data, uint64_t usec)
{
	struct netd_dhcp *d = data;

	if (!d->arp_timer)
		return;

	if (usec == NETD_ACD_TIME_INFINITY) {
		sd_event_source_set_enabled(d->arp_timer, SD_EVENT_OFF);
		return;
	}

	sd_event_source_set_time(d->arp_timer, usec);
	sd_event_source_set_enabled(d->arp_timer, SD_EVENT_ONESHOT);
}

static int netd_dhcp_on_arp_timer(sd_event_source *s, uint64_t usec,
				  void *userdata)
{
	struct netd_dhcp *d = userdata;

	netd_acd_timer_expired(d->acd);
	return 0;
}

static void netd_dhcp_acd_event(void *data, enum netd_acd_event event)
{
	struct netd_dhcp *d = data;
	struct in_addr a = netd_acd_address(d->acd);
	const uint8_t *m = netd_acd_conflict_mac(d->acd);
	char addr[INET_ADDRSTRLEN], mac[18];

	inet_ntop(AF_INET, &a, addr, sizeof(addr));
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);

	switch (event) {
	case NETD_ACD_EVENT_FREE:
		log_info("%s: ARP probe of %s: free", d->netd->ifname, addr);
		dhcp_client_probe_done(d->client, false);
		break;
	case NETD_ACD_EVENT_IN_USE:
		log_warning("%s: ARP probe of %s: in use by %s",
			    d->netd->ifname, addr, mac);
		netd_dhcp_arp_close(d);
		dhcp_client_probe_done(d->client, true);
		break;
	case NETD_ACD_EVENT_DEFENDED:
		log_warning("%s: %s claims %s too; defending it",
			    d->netd->ifname, mac, addr);
		break;
	case NETD_ACD_EVENT_LOST:
		log_warning("%s: %s claims %s again; giving it up",
			    d->netd->ifname, mac, addr);
		netd_dhcp_arp_close(d);
		dhcp_client_conflict(d->client);
		break;
	}
}

static const struct netd_acd_ops netd_dhcp_acd_ops = {
	.send = netd_dhcp_arp_send,
	.set_timer = netd_dhcp_arp_set_timer,
	.now = netd_dhcp_now,
	.event = netd_dhcp_acd_event,
};

/*
 * The engine's probe: detection starts for @addr and runs as long as
 * the lease; whether BOUND waits for its verdict is the engine's
 * (--arp-probe-mode).
 */
static int netd_dhcp_probe(void *data, struct in_addr addr)
{
	struct netd_dhcp *d = data;
	char a[INET_ADDRSTRLEN];
	int r;

	if (d->netd->arp_probe_usec == 0)
		return -ECANCELED;

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	r = netd_dhcp_arp_open(d, addr);
	if (r >= 0)
		r = netd_acd_start(d->acd, addr);
	if (r < 0) {
		log_warning("%s: cannot watch %s for address conflicts: %s",
			    d->netd->ifname, a, strerror(-r));
		netd_dhcp_acd_stop(d);
		return r;
	}

	log_debug("%s: probing %s (RFC 5227)", d->netd->ifname, a);
	return 0;
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
	c.t1 = l->t1;
	c.t2 = l->t2;
	c.server = l->server_id;
	c.info = l->info;

	inet_ntop(AF_INET, &l->address, addr, sizeof(addr));
	inet_ntop(AF_INET, &l->server_id, server, sizeof(server));
	log_notice("%s: DHCP lease %s/%u from %s for %u s (T1 %u s, T2 %u s)",
		   d->netd->ifname, addr, l->prefix_len, server,
		   l->lease_time, l->t1, l->t2);

	netd_dhcp_save(d, l);
	return netd_apply(d->netd, &c);
}

static void netd_dhcp_check_end(struct netd_dhcp *d)
{
	d->checking = false;
	if (d->check_timer)
		sd_event_source_set_enabled(d->check_timer, SD_EVENT_OFF);
}

/* The outcome of a renewal that netd_dhcp_check_renew() started. */
static void netd_dhcp_check_event(struct netd_dhcp *d,
				  enum dhcp_client_event event)
{
	const struct dhcp_lease *l = dhcp_client_lease(d->client);
	char addr[INET_ADDRSTRLEN];

	if (!d->checking || event == DHCP_CLIENT_EVENT_STATE)
		return;

	if (event == DHCP_CLIENT_EVENT_BOUND && l &&
	    l->address.s_addr == d->check_addr.s_addr) {
		inet_ntop(AF_INET, &l->address, addr, sizeof(addr));
		log_notice("%s: renewal kept %s, carrying on",
			   d->netd->ifname, addr);
		netd_dhcp_check_end(d);
		return;
	}

	netd_dhcp_check_end(d);
	netd_reset(d->netd, event == DHCP_CLIENT_EVENT_LOST ?
		   "the renewal lost the address (NAK or a new address)" :
		   "the renewal gave another address");
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
		netd_dhcp_acd_stop(d);
		d->has_server_mac = false;
		netd_dhcp_forget(d);
		netd_apply(d->netd, NULL);
		break;
	case DHCP_CLIENT_EVENT_DECLINED:
		log_warning("%s: the address is in use by another host; "
			    "declined it", d->netd->ifname);
		break;
	}

	netd_dhcp_check_event(d, event);
}

static const struct dhcp_client_ops netd_dhcp_ops = {
	.send = netd_dhcp_send,
	.set_timer = netd_dhcp_set_timer,
	.now = netd_dhcp_now,
	.random = netd_dhcp_random,
	.event = netd_dhcp_event,
	.probe = netd_dhcp_probe,
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

	/* An ACK was taken: its sender is where unicast goes from now. */
	if (r == 0 && d->frame_mac_valid &&
	    (dhcp_client_state(d->client) == DHCP_CLIENT_BOUND ||
	     dhcp_client_state(d->client) == DHCP_CLIENT_PROBING)) {
		memcpy(d->server_mac, d->frame_mac, ETH_ALEN);
		d->has_server_mac = true;
	}
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

	d->frame_mac_valid = ll.sll_halen == ETH_ALEN;
	if (d->frame_mac_valid)
		memcpy(d->frame_mac, ll.sll_addr, ETH_ALEN);

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

static int netd_dhcp_on_check_timer(sd_event_source *s, uint64_t usec,
				    void *userdata)
{
	struct netd_dhcp *d = userdata;

	if (!d->checking)
		return 0;

	netd_dhcp_check_end(d);
	netd_reset(d->netd, "no answer to the renewal");
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
	d->arp_fd = -1;
	d->lease_path = netd_state_path(n, "netd.lease");

	r = dhcp_client_new(&d->client, n->mac, &netd_dhcp_ops, d);
	if (r >= 0)
		r = netd_acd_new(&d->acd, n->mac, &netd_dhcp_acd_ops, d);
	if (r >= 0)
		r = sd_event_add_time(n->event, &d->timer, CLOCK_BOOTTIME,
				      0, 10000,
				      netd_dhcp_on_timer, d);
	if (r >= 0)
		r = sd_event_add_time(n->event, &d->arp_timer, CLOCK_BOOTTIME,
				      0, 1000, netd_dhcp_on_arp_timer, d);
	if (r >= 0)
		r = sd_event_add_time(n->event, &d->check_timer,
				      CLOCK_BOOTTIME, 0, 10000,
				      netd_dhcp_on_check_timer, d);
	if (r < 0) {
		netd_dhcp_free(d);
		return r;
	}

	/* Armed only when needed. */
	sd_event_source_set_enabled(d->timer, SD_EVENT_OFF);
	sd_event_source_set_enabled(d->arp_timer, SD_EVENT_OFF);
	sd_event_source_set_enabled(d->check_timer, SD_EVENT_OFF);
	if (n->retransmit_usec)
		dhcp_client_set_retransmit(d->client, n->retransmit_usec);
	if (n->arp_probe_usec)
		netd_acd_set_interval(d->acd, n->arp_probe_usec);
	dhcp_client_set_probe_first(d->client, n->arp_probe_first);

	*out = d;
	return 0;
}

static void netd_dhcp_close(struct netd_dhcp *d)
{
	netd_dhcp_acd_stop(d);
	netd_dhcp_check_end(d);
	d->has_server_mac = false;
	d->io = sd_event_source_disable_unref(d->io);

	if (d->fd >= 0) {
		close(d->fd);
		d->fd = -1;
	}
}

void netd_dhcp_stop(struct netd_dhcp *d)
{
	dhcp_client_stop(d->client);
	netd_dhcp_close(d);
}

void netd_dhcp_release(struct netd_dhcp *d)
{
	if (!d || !dhcp_client_lease(d->client))
		return;

	log_notice("%s: releasing the DHCP lease", d->netd->ifname);
	dhcp_client_release(d->client);
	netd_dhcp_close(d);
	netd_dhcp_forget(d);
	netd_apply(d->netd, NULL);
}

void netd_dhcp_free(struct netd_dhcp *d)
{
	if (!d)
		return;

	if (d->client)
		netd_dhcp_stop(d);

	dhcp_client_free(d->client);
	netd_acd_free(d->acd);
	sd_event_source_disable_unref(d->timer);
	sd_event_source_disable_unref(d->arp_timer);
	sd_event_source_disable_unref(d->check_timer);
	free(d->lease_path);
	free(d);
}

bool netd_dhcp_running(const struct netd_dhcp *d)
{
	return dhcp_client_state(d->client) != DHCP_CLIENT_STOPPED;
}

int netd_dhcp_set_vendor_class(struct netd_dhcp *d, const char *vc)
{
	return dhcp_client_set_vendor_class(d->client, vc);
}

int netd_dhcp_check_renew(struct netd_dhcp *d, const char *why)
{
	const struct dhcp_lease *l = d ? dhcp_client_lease(d->client) : NULL;
	uint64_t base = d && d->netd->retransmit_usec ?
			d->netd->retransmit_usec : 4 * DHCP_USEC_PER_SEC;
	int r;

	if (!l)
		return -ENOTCONN;

	if (d->checking)
		return 0;

	log_notice("%s: %s: renewing the DHCP lease now", d->netd->ifname,
		   why);
	d->check_addr = l->address;
	r = dhcp_client_renew(d->client);
	if (r < 0)
		return r;

	d->checking = true;
	sd_event_source_set_time(d->check_timer, netd_dhcp_now(d) +
				 NETD_RENEW_CHECK_BASES * base);
	sd_event_source_set_enabled(d->check_timer, SD_EVENT_ONESHOT);
	return 0;
}

int netd_dhcp_start(struct netd_dhcp *d)
{
	struct in_addr saved;
	char addr[INET_ADDRSTRLEN];
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

	r = netd_dhcp_load(d, &saved);
	if (r >= 0) {
		inet_ntop(AF_INET, &saved, addr, sizeof(addr));
		log_info("%s: asking for the saved lease of %s again "
			 "(INIT-REBOOT)", d->netd->ifname, addr);
		dhcp_client_set_requested_address(d->client, saved);
	} else if (r != -ENOENT) {
		log_info("%s: saved lease unusable (%s), discovering",
			 d->netd->ifname, strerror(-r));
	}

	log_info("%s: starting DHCP", d->netd->ifname);
	return dhcp_client_start(d->client);
}
