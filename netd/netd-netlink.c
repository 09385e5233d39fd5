/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "log.h"
#include "netd-netlink.h"

/* Big enough for a dump of a phone's few addresses per read. */
#define NETD_NETLINK_BUFFER 16384
/* IPv4 addresses netd will remove from one interface in one flush. */
#define NETD_NETLINK_MAX_ADDRS 32

struct netd_netlink {
	struct mnl_socket *sock;
	unsigned int portid;
	uint32_t seq;
};

int netd_netlink_open(struct netd_netlink **out)
{
	struct timeval timeout = { .tv_sec = 5 };
	struct netd_netlink *nl;
	int r;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;

	nl->sock = mnl_socket_open(NETLINK_ROUTE);
	if (!nl->sock) {
		r = -errno;
		free(nl);
		return r;
	}

	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		mnl_socket_close(nl->sock);
		free(nl);
		return r;
	}

	/*
	 * The kernel answers at once; the timeout only keeps a lost
	 * answer from freezing the whole daemon.
	 */
	setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO,
		   &timeout, sizeof(timeout));

	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	*out = nl;
	return 0;
}

void netd_netlink_close(struct netd_netlink *nl)
{
	if (!nl)
		return;

	mnl_socket_close(nl->sock);
	free(nl);
}

/*
 * Sends one request and reads until its acknowledgement (or the end of
 * a dump), passing each reply to @cb.  The kernel's error comes back
 * as -errno.
 */
static int netd_netlink_talk(struct netd_netlink *nl, struct nlmsghdr *nlh,
			     mnl_cb_t cb, void *data)
{
	static char buf[NETD_NETLINK_BUFFER];
	uint32_t seq = ++nl->seq;
	ssize_t n;
	int r;

	nlh->nlmsg_seq = seq;
	/* NLM_F_REPLACE shares a bit with NLM_F_DUMP: test both bits. */
	if ((nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	do {
		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0)
			return -errno;

		r = mnl_cb_run(buf, (size_t)n, seq, nl->portid, cb, data);
	} while (r > MNL_CB_STOP);

	return r < 0 ? -errno : 0;
}

static struct nlmsghdr *netd_netlink_header(char *buf, uint16_t type,
					    uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

int netd_netlink_link_up(struct netd_netlink *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	nlh = netd_netlink_header(buf, RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;

	return netd_netlink_talk(nl, nlh, NULL, NULL);
}

static int netd_netlink_address(struct netd_netlink *nl, uint16_t type,
				uint16_t flags, int ifindex,
				struct in_addr addr, unsigned int prefix_len)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	uint32_t host_mask;

	nlh = netd_netlink_header(buf, type, flags);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = prefix_len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;

	mnl_attr_put_u32(nlh, IFA_LOCAL, addr.s_addr);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, addr.s_addr);

	/* /31 and /32 have no broadcast address (RFC 3021). */
	if (type == RTM_NEWADDR && prefix_len < 31) {
		host_mask = htonl(0xffffffffu >> prefix_len);
		mnl_attr_put_u32(nlh, IFA_BROADCAST,
				 addr.s_addr | host_mask);
	}

	return netd_netlink_talk(nl, nlh, NULL, NULL);
}

int netd_netlink_address_set(struct netd_netlink *nl, int ifindex,
			     struct in_addr addr, unsigned int prefix_len)
{
	return netd_netlink_address(nl, RTM_NEWADDR,
				    NLM_F_CREATE | NLM_F_REPLACE, ifindex,
				    addr, prefix_len);
}

struct netd_netlink_addrs {
	int ifindex;
	size_t n;
	struct in_addr addr[NETD_NETLINK_MAX_ADDRS];
	unsigned int prefix_len[NETD_NETLINK_MAX_ADDRS];
};

static int netd_netlink_collect_address(const struct nlmsghdr *nlh,
					void *data)
{
	struct netd_netlink_addrs *a = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;

	if (ifa->ifa_family != AF_INET || (int)ifa->ifa_index != a->ifindex ||
	    a->n >= NETD_NETLINK_MAX_ADDRS)
		return MNL_CB_OK;

	mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(attr) != IFA_LOCAL ||
		    mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			continue;

		a->addr[a->n].s_addr = mnl_attr_get_u32(attr);
		a->prefix_len[a->n] = ifa->ifa_prefixlen;
		a->n++;
	}

	return MNL_CB_OK;
}

int netd_netlink_address_flush(struct netd_netlink *nl, int ifindex,
			       struct in_addr keep, unsigned int prefix_len)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct netd_netlink_addrs addrs = { .ifindex = ifindex };
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	size_t i;
	int r;

	nlh = netd_netlink_header(buf, RTM_GETADDR, NLM_F_DUMP);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;

	r = netd_netlink_talk(nl, nlh, netd_netlink_collect_address, &addrs);
	if (r < 0)
		return r;

	for (i = 0; i < addrs.n; i++) {
		if (prefix_len && addrs.addr[i].s_addr == keep.s_addr &&
		    addrs.prefix_len[i] == prefix_len)
			continue;

		r = netd_netlink_address(nl, RTM_DELADDR, 0, ifindex,
					 addrs.addr[i], addrs.prefix_len[i]);
		/* Removing a primary address also removes its secondaries. */
		if (r < 0 && r != -EADDRNOTAVAIL)
			return r;
	}

	return 0;
}

static struct nlmsghdr *netd_netlink_default_route(char *buf, uint16_t type,
						   uint16_t flags,
						   int ifindex)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = netd_netlink_header(buf, type, flags);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_scope = type == RTM_DELROUTE ? RT_SCOPE_NOWHERE :
			 RT_SCOPE_UNIVERSE;
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);

	return nlh;
}

int netd_netlink_route_set(struct netd_netlink *nl, int ifindex,
			   struct in_addr gateway, struct in_addr src,
			   uint8_t protocol, bool onlink)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = netd_netlink_default_route(buf, RTM_NEWROUTE,
					 NLM_F_CREATE | NLM_F_REPLACE,
					 ifindex);
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_protocol = protocol;
	if (onlink)
		rtm->rtm_flags |= RTNH_F_ONLINK;

	mnl_attr_put_u32(nlh, RTA_GATEWAY, gateway.s_addr);
	/*
	 * With a preferred source the kernel drops the route by itself
	 * when that address is removed.
	 */
	mnl_attr_put_u32(nlh, RTA_PREFSRC, src.s_addr);

	return netd_netlink_talk(nl, nlh, NULL, NULL);
}

int netd_netlink_route_remove(struct netd_netlink *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int r;

	nlh = netd_netlink_default_route(buf, RTM_DELROUTE, 0, ifindex);

	r = netd_netlink_talk(nl, nlh, NULL, NULL);
	if (r == -ESRCH)
		return 0;

	return r;
}
