/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <string.h>

#include "dhcp-packet.h"
#include "dhcp-raw.h"
#include "log.h"

uint16_t dhcp_raw_checksum(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];

	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;

	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);

	return (uint16_t)sum;
}

/* RFC 768: the UDP checksum also covers a pseudo header. */
static uint16_t dhcp_raw_udp_checksum(const struct iphdr *ip,
				      const void *udp, size_t udp_len)
{
	uint32_t sum;

	sum = dhcp_raw_checksum(&ip->saddr, 8, 0);
	sum += IPPROTO_UDP + (uint32_t)udp_len;

	return dhcp_raw_checksum(udp, udp_len, sum);
}

int dhcp_raw_wrap(void *frame, size_t size, struct in_addr src,
		  struct in_addr dst, const void *payload, size_t len)
{
	struct iphdr *ip = frame;
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	size_t total = DHCP_RAW_HEADERS + len;
	uint16_t csum;

	if (total > size || total > UINT16_MAX)
		return -ENOBUFS;

	memset(frame, 0, DHCP_RAW_HEADERS);
	memcpy(udp + 1, payload, len);

	udp->source = htons(DHCP_CLIENT_PORT);
	udp->dest = htons(DHCP_SERVER_PORT);
	udp->len = htons(8 + len);

	ip->version = 4;
	ip->ihl = 5;
	ip->tos = IPTOS_LOWDELAY;
	ip->tot_len = htons(total);
	ip->ttl = IPDEFTTL;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = src.s_addr;
	ip->daddr = dst.s_addr;
	ip->check = htons(~dhcp_raw_checksum(ip, sizeof(*ip), 0) & 0xffff);

	csum = ~dhcp_raw_udp_checksum(ip, udp, 8 + len) & 0xffff;
	/* 0 means "no checksum" in UDP over IPv4; send its twin. */
	udp->check = htons(csum ? csum : 0xffff);

	return (int)total;
}

static int dhcp_raw_check_ip(const struct iphdr *ip, size_t len,
			     size_t *ihl)
{
	if (len < sizeof(*ip) || ip->version != 4 || ip->ihl < 5)
		return -EBADMSG;

	*ihl = (size_t)ip->ihl * 4;
	if (*ihl > len || ntohs(ip->tot_len) < *ihl ||
	    ntohs(ip->tot_len) > len)
		return -EBADMSG;

	if (dhcp_raw_checksum(ip, *ihl, 0) != 0xffff)
		return -EBADMSG;

	/* DHCP replies fit one datagram; fragments are not reassembled. */
	if (ntohs(ip->frag_off) & (IP_MF | IP_OFFMASK))
		return -ENOMSG;

	if (ip->protocol != IPPROTO_UDP)
		return -ENOMSG;

	return 0;
}

int dhcp_raw_unwrap(const void *frame, size_t len, bool skip_udp_csum,
		    const uint8_t **payload, size_t *payload_len)
{
	const struct iphdr *ip = frame;
	const struct udphdr *udp;
	size_t ihl, total, udp_len;
	int r;

	r = dhcp_raw_check_ip(ip, len, &ihl);
	if (r < 0)
		return r;

	/* The link layer may pad short frames: trust tot_len. */
	total = ntohs(ip->tot_len);
	if (total < ihl + sizeof(*udp))
		return -EBADMSG;

	udp = (const struct udphdr *)((const uint8_t *)frame + ihl);
	udp_len = ntohs(udp->len);
	if (udp_len < sizeof(*udp) || udp_len > total - ihl)
		return -EBADMSG;

	if (ntohs(udp->dest) != DHCP_CLIENT_PORT ||
	    ntohs(udp->source) != DHCP_SERVER_PORT)
		return -ENOMSG;

	if (!skip_udp_csum && udp->check != 0 &&
	    dhcp_raw_udp_checksum(ip, udp, udp_len) != 0xffff)
		return -EBADMSG;

	*payload = (const uint8_t *)(udp + 1);
	*payload_len = udp_len - sizeof(*udp);
	return 0;
}
