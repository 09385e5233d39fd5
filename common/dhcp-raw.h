/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * IPv4 + UDP framing for a DHCP client on a packet socket, which sees
 * and writes whole IP datagrams (the link layer is the socket's job).
 */

#define DHCP_RAW_HEADERS (20 + 8)

/*
 * Writes an IPv4/UDP datagram from @src:68 to @dst:67 holding @payload
 * into @frame; returns its length or -ENOBUFS.
 */
int dhcp_raw_wrap(void *frame, size_t size, struct in_addr src,
		  struct in_addr dst, const void *payload, size_t len);

/*
 * Checks an IPv4/UDP datagram for the client port: version, header
 * length and checksum, total length, no fragment, UDP 67 -> 68, UDP
 * length, and the UDP checksum unless @skip_udp_csum (the kernel
 * leaves it unfinished for locally made packets with offload, e.g. on a
 * veth).  On success points @payload at the UDP data.  -EBADMSG if
 * malformed, -ENOMSG if well-formed but not DHCP for a client.
 */
int dhcp_raw_unwrap(const void *frame, size_t len, bool skip_udp_csum,
		    const uint8_t **payload, size_t *payload_len);

/* Internet checksum (RFC 1071) of @len bytes, folded, not inverted. */
uint16_t dhcp_raw_checksum(const void *buf, size_t len, uint32_t sum);
