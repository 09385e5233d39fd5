/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * DHCPv4 wire format (RFC 2131 section 2, RFC 2132): building requests
 * and parsing replies.  No I/O here; the client engine (dhcp-client.h)
 * and the tests use it on plain buffers.
 */

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_MAGIC_COOKIE 0x63825363u

/* Fixed BOOTP header (236 bytes) plus the magic cookie. */
#define DHCP_HEADER_LEN 240
/* Every DHCP host must accept 576-byte IP datagrams (RFC 2131 2). */
#define DHCP_PACKET_MAX (576 - 20 - 8)
/* RFC 1542 2.1: some relays drop BOOTP messages shorter than this. */
#define DHCP_PACKET_MIN 300

#define DHCP_OP_BOOTREQUEST 1
#define DHCP_OP_BOOTREPLY 2
#define DHCP_HTYPE_ETHER 1
#define DHCP_FLAG_BROADCAST 0x8000

enum dhcp_message_type {
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
};

enum dhcp_option_code {
	DHCP_OPTION_PAD = 0,
	DHCP_OPTION_SUBNET_MASK = 1,
	DHCP_OPTION_TIME_OFFSET = 2,
	DHCP_OPTION_ROUTER = 3,
	DHCP_OPTION_DNS = 6,
	DHCP_OPTION_HOST_NAME = 12,
	DHCP_OPTION_DOMAIN_NAME = 15,
	DHCP_OPTION_NTP = 42,
	DHCP_OPTION_VENDOR_SPECIFIC = 43,
	DHCP_OPTION_REQUESTED_IP = 50,
	DHCP_OPTION_LEASE_TIME = 51,
	DHCP_OPTION_OVERLOAD = 52,
	DHCP_OPTION_MESSAGE_TYPE = 53,
	DHCP_OPTION_SERVER_ID = 54,
	DHCP_OPTION_PARAMETER_LIST = 55,
	DHCP_OPTION_MESSAGE = 56,
	DHCP_OPTION_MAX_MESSAGE_SIZE = 57,
	DHCP_OPTION_RENEWAL_TIME = 58,
	DHCP_OPTION_REBINDING_TIME = 59,
	DHCP_OPTION_VENDOR_CLASS = 60,
	DHCP_OPTION_CLIENT_ID = 61,
	DHCP_OPTION_TFTP_SERVER_NAME = 66,
	DHCP_OPTION_VIVSO = 125,		/* RFC 3925 */
	DHCP_OPTION_TFTP_SERVERS = 150,		/* RFC 5859 */
	DHCP_OPTION_PROV_SERVER = 159,		/* provisioning server */
	DHCP_OPTION_PROV_URL = 160,		/* provisioning URL */
	DHCP_OPTION_END = 255,
};

/* The fixed part of every message, fields in network byte order. */
struct dhcp_header {
	uint8_t op;
	uint8_t htype;
	uint8_t hlen;
	uint8_t hops;
	uint32_t xid;
	uint16_t secs;
	uint16_t flags;
	uint32_t ciaddr;
	uint32_t yiaddr;
	uint32_t siaddr;
	uint32_t giaddr;
	uint8_t chaddr[16];
	uint8_t sname[64];
	uint8_t file[128];
	uint32_t magic;
} __attribute__((packed));

_Static_assert(sizeof(struct dhcp_header) == DHCP_HEADER_LEN,
	       "BOOTP header layout");

/* Building a request: header, then options, then END and padding. */
struct dhcp_builder {
	uint8_t buf[DHCP_PACKET_MAX];
	size_t len;
};

/* op BOOTREQUEST, Ethernet, @xid, @mac as chaddr, option 53 = @type. */
void dhcp_builder_init(struct dhcp_builder *b, enum dhcp_message_type type,
		       uint32_t xid, const uint8_t mac[6]);
struct dhcp_header *dhcp_builder_header(struct dhcp_builder *b);
/* -EINVAL if @len > 255 or @code is PAD/END; -ENOBUFS if it won't fit. */
int dhcp_builder_add(struct dhcp_builder *b, uint8_t code, const void *data,
		     size_t len);
int dhcp_builder_add_addr(struct dhcp_builder *b, uint8_t code,
			  struct in_addr addr);
/* Appends END and pads to DHCP_PACKET_MIN; returns the length. */
size_t dhcp_builder_finish(struct dhcp_builder *b);

/*
 * Walks every option of a message in wire order, including those moved
 * into the file and sname fields by option 52 (RFC 2132 9.3).  Called
 * once per option (PAD and END excluded) with the option's bytes, which
 * the walker has already checked lie inside the buffer.  A non-zero
 * return from @func stops the walk and is returned.  -EBADMSG if the
 * option area overruns the buffer or has no END.
 */
typedef int (*dhcp_option_func_t)(uint8_t code, const uint8_t *data,
				  uint8_t len, void *user_data);
int dhcp_options_foreach(const void *buf, size_t len, dhcp_option_func_t func,
			 void *user_data);

#define DHCP_MAX_ADDRS 8
/* Text options, concatenated per RFC 3396, longest kept (plus NUL). */
#define DHCP_TEXT_MAX 255
/* Binary options (43, 125), concatenated per RFC 3396. */
#define DHCP_BLOB_MAX 1024

struct dhcp_blob {
	size_t len;
	uint8_t data[DHCP_BLOB_MAX];
};

/*
 * The options a phone uses beyond the address itself.  Text is only
 * ever stored after validation: host and domain names by RFC 1123
 * syntax, URLs by RFC 3986 syntax with a known scheme, free text as
 * printable ASCII; anything else is a malformed option.  "" = absent.
 */
struct dhcp_info {
	bool has_time_offset;
	int32_t time_offset;		/* 2: seconds east of UTC */
	size_t n_ntp;
	struct in_addr ntp[DHCP_MAX_ADDRS];		/* 42 */
	size_t n_tftp;
	struct in_addr tftp[DHCP_MAX_ADDRS];		/* 150 */
	char host_name[DHCP_TEXT_MAX + 1];		/* 12 */
	char domain_name[DHCP_TEXT_MAX + 1];		/* 15 */
	char vendor_class[DHCP_TEXT_MAX + 1];		/* 60 */
	char tftp_server_name[DHCP_TEXT_MAX + 1];	/* 66 */
	char prov_server[DHCP_TEXT_MAX + 1];		/* 159 */
	char prov_url[DHCP_TEXT_MAX + 1];		/* 160 */
	struct dhcp_blob vendor_specific;		/* 43, raw */
	struct dhcp_blob vivso;				/* 125, raw */
};

/*
 * What a reply carries that the client uses.  Options that are
 * malformed (wrong length, bad mask) are skipped and counted in
 * n_bad_options; has_* says whether a valid one was seen.
 */
struct dhcp_message {
	uint8_t op;
	uint8_t htype;
	uint8_t hlen;
	uint32_t xid;			/* host byte order */
	uint16_t flags;
	struct in_addr ciaddr;
	struct in_addr yiaddr;
	struct in_addr siaddr;
	uint8_t chaddr[16];

	uint8_t type;			/* option 53 */
	bool has_server_id;
	struct in_addr server_id;
	bool has_netmask;
	bool bad_netmask;		/* an option 1 was there, malformed */
	struct in_addr netmask;
	bool has_lease_time;
	uint32_t lease_time;		/* seconds; UINT32_MAX infinite */
	bool has_t1;
	uint32_t t1;
	bool has_t2;
	uint32_t t2;
	size_t n_routers;
	struct in_addr routers[DHCP_MAX_ADDRS];
	size_t n_dns;
	struct in_addr dns[DHCP_MAX_ADDRS];
	struct dhcp_info info;

	unsigned int n_bad_options;
};

/*
 * Parses a whole message (UDP payload).  -EBADMSG: shorter than the
 * header, wrong magic cookie, option area overrun or not terminated,
 * no valid message type.  Header fields are not checked against any
 * request here: see dhcp_message_is_reply_to().
 */
int dhcp_message_parse(struct dhcp_message *m, const void *buf, size_t len);

/* BOOTREPLY, Ethernet, hlen 6, matching @xid and @mac. */
bool dhcp_message_is_reply_to(const struct dhcp_message *m, uint32_t xid,
			      const uint8_t mac[6]);

/*
 * Sub-options of option 43 (RFC 2132 8.4: code, length, data; PAD and
 * END allowed) or of one enterprise in option 125 (code, length, data).
 * -EBADMSG if one overruns the data; @func is called for each before.
 */
typedef int (*dhcp_suboption_func_t)(uint8_t code, const uint8_t *data,
				     uint8_t len, void *user_data);
int dhcp_suboptions_foreach(const uint8_t *data, size_t len, bool pad_end,
			    dhcp_suboption_func_t func, void *user_data);

/*
 * Option 125 (RFC 3925): enterprise number, data length, data.  Calls
 * @func per enterprise block; -EBADMSG if one overruns.
 */
typedef int (*dhcp_vivso_func_t)(uint32_t enterprise, const uint8_t *data,
				 uint8_t len, void *user_data);
int dhcp_vivso_foreach(const uint8_t *data, size_t len,
		       dhcp_vivso_func_t func, void *user_data);

/*
 * Looks up sub-option @code of @enterprise in option 125 data; copies
 * it as text into @out if it is a valid URL.  -ENOENT if absent,
 * -EINVAL if present but not a valid URL.
 */
int dhcp_vivso_url(const struct dhcp_blob *vivso, uint32_t enterprise,
		   uint8_t code, char *out, size_t size);

/* Broadband Forum: TR-069 ACS URL in option 125 (TR-069 Annex, 3561). */
#define DHCP_ENTERPRISE_BBF 3561
#define DHCP_BBF_ACS_URL 11

/* Validation of received text (also used for netd's own parameters). */
bool dhcp_valid_hostname(const char *s, size_t len);
bool dhcp_valid_url(const char *s, size_t len);
bool dhcp_valid_text(const char *s, size_t len);

/* Prefix length of a contiguous netmask, or -EINVAL (0.0.0.0 too). */
int dhcp_netmask_to_prefix(struct in_addr mask);
struct in_addr dhcp_prefix_to_netmask(unsigned int prefix);
const char *dhcp_message_type_name(uint8_t type);
