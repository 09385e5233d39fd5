/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dhcp-packet.h"
#include "log.h"

void dhcp_builder_init(struct dhcp_builder *b, enum dhcp_message_type type,
		       uint32_t xid, const uint8_t mac[6])
{
	struct dhcp_header *h = dhcp_builder_header(b);
	uint8_t t = type;

	memset(b->buf, 0, sizeof(b->buf));
	h->op = DHCP_OP_BOOTREQUEST;
	h->htype = DHCP_HTYPE_ETHER;
	h->hlen = 6;
	h->xid = htonl(xid);
	memcpy(h->chaddr, mac, 6);
	h->magic = htonl(DHCP_MAGIC_COOKIE);
	b->len = DHCP_HEADER_LEN;

	/* RFC 2131 4.1: the message type comes first by convention. */
	dhcp_builder_add(b, DHCP_OPTION_MESSAGE_TYPE, &t, 1);
}

struct dhcp_header *dhcp_builder_header(struct dhcp_builder *b)
{
	return (struct dhcp_header *)b->buf;
}

int dhcp_builder_add(struct dhcp_builder *b, uint8_t code, const void *data,
		     size_t len)
{
	if (code == DHCP_OPTION_PAD || code == DHCP_OPTION_END || len > 255)
		return -EINVAL;

	/* One byte stays free for END. */
	if (b->len + 2 + len + 1 > sizeof(b->buf))
		return -ENOBUFS;

	b->buf[b->len++] = code;
	b->buf[b->len++] = (uint8_t)len;
	memcpy(b->buf + b->len, data, len);
	b->len += len;

	return 0;
}

int dhcp_builder_add_addr(struct dhcp_builder *b, uint8_t code,
			  struct in_addr addr)
{
	return dhcp_builder_add(b, code, &addr.s_addr, 4);
}

size_t dhcp_builder_finish(struct dhcp_builder *b)
{
	b->buf[b->len++] = DHCP_OPTION_END;

	/* The buffer was zeroed at init, so the padding is PAD (0). */
	if (b->len < DHCP_PACKET_MIN)
		b->len = DHCP_PACKET_MIN;

	return b->len;
}

/*
 * Walks one option area.  @need_end: the main area must be closed by
 * END; the file and sname fields have a fixed size, so reaching their
 * end is accepted as the end of their options.
 */
static int dhcp_options_walk(const uint8_t *p, size_t len, bool need_end,
			     dhcp_option_func_t func, void *user_data)
{
	size_t i = 0;
	int r;

	while (i < len) {
		uint8_t code = p[i];
		uint8_t olen;

		if (code == DHCP_OPTION_PAD) {
			i++;
			continue;
		}

		if (code == DHCP_OPTION_END)
			return 0;

		if (i + 2 > len || i + 2 + p[i + 1] > len) {
			log_debug("DHCP option %u runs past the end of the "
				  "packet", code);
			return -EBADMSG;
		}

		olen = p[i + 1];
		r = func(code, p + i + 2, olen, user_data);
		if (r != 0)
			return r;

		i += 2 + (size_t)olen;
	}

	if (!need_end)
		return 0;

	log_debug("DHCP options have no END option");
	return -EBADMSG;
}

struct dhcp_overload_scan {
	dhcp_option_func_t func;
	void *user_data;
	uint8_t overload;
};

static int dhcp_options_scan_main(uint8_t code, const uint8_t *data,
				  uint8_t len, void *user_data)
{
	struct dhcp_overload_scan *s = user_data;

	/* 1: file holds options, 2: sname, 3: both (RFC 2132 9.3). */
	if (code == DHCP_OPTION_OVERLOAD && len == 1 && data[0] >= 1 &&
	    data[0] <= 3)
		s->overload = data[0];

	return s->func(code, data, len, s->user_data);
}

int dhcp_options_foreach(const void *buf, size_t len, dhcp_option_func_t func,
			 void *user_data)
{
	const struct dhcp_header *h = buf;
	struct dhcp_overload_scan scan = {
		.func = func,
		.user_data = user_data,
	};
	int r;

	if (len < DHCP_HEADER_LEN)
		return -EBADMSG;

	r = dhcp_options_walk((const uint8_t *)buf + DHCP_HEADER_LEN,
			      len - DHCP_HEADER_LEN, true,
			      dhcp_options_scan_main, &scan);
	if (r != 0)
		return r;

	/* RFC 2131 4.1: file is read before sname. */
	if (scan.overload & 1) {
		r = dhcp_options_walk(h->file, sizeof(h->file), false, func,
				      user_data);
		if (r != 0)
			return r;
	}

	if (scan.overload & 2)
		return dhcp_options_walk(h->sname, sizeof(h->sname), false,
					 func, user_data);

	return 0;
}

int dhcp_netmask_to_prefix(struct in_addr mask)
{
	uint32_t m = ntohl(mask.s_addr);
	int prefix = 0;

	while (m & 0x80000000u) {
		prefix++;
		m <<= 1;
	}

	/* Bits left after the leading ones: not contiguous. */
	if (m != 0 || prefix == 0)
		return -EINVAL;

	return prefix;
}

struct in_addr dhcp_prefix_to_netmask(unsigned int prefix)
{
	struct in_addr a;

	if (prefix == 0)
		a.s_addr = 0;
	else if (prefix >= 32)
		a.s_addr = 0xffffffffu;
	else
		a.s_addr = htonl(~((1u << (32 - prefix)) - 1));

	return a;
}

const char *dhcp_message_type_name(uint8_t type)
{
	static const char *const names[] = {
		[DHCP_DISCOVER] = "DISCOVER", [DHCP_OFFER] = "OFFER",
		[DHCP_REQUEST] = "REQUEST", [DHCP_DECLINE] = "DECLINE",
		[DHCP_ACK] = "ACK", [DHCP_NAK] = "NAK",
		[DHCP_RELEASE] = "RELEASE", [DHCP_INFORM] = "INFORM",
	};

	if (type == 0 || type >= sizeof(names) / sizeof(*names))
		return "unknown";

	return names[type];
}

static uint32_t dhcp_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void dhcp_message_bad_option(struct dhcp_message *m, uint8_t code,
				    uint8_t len)
{
	log_debug("Malformed DHCP option %u (length %u), ignoring", code,
		  len);
	m->n_bad_options++;
}

/* Fixed 4-byte options: the first valid occurrence wins. */
static bool dhcp_message_take_u32(struct dhcp_message *m, uint8_t code,
				  const uint8_t *data, uint8_t len,
				  bool *has, uint32_t *value)
{
	if (len != 4) {
		dhcp_message_bad_option(m, code, len);
		return false;
	}

	if (*has) {
		log_debug("Duplicate DHCP option %u, ignoring", code);
		return false;
	}

	*has = true;
	*value = dhcp_get_u32(data);
	return true;
}

/*
 * Address lists.  A repeated option is appended, which is what the
 * concatenation of RFC 3396 gives when the pieces are whole addresses.
 */
static void dhcp_message_take_addrs(struct dhcp_message *m, uint8_t code,
				    const uint8_t *data, uint8_t len,
				    struct in_addr *list, size_t *n)
{
	size_t i;

	if (len == 0 || len % 4 != 0) {
		dhcp_message_bad_option(m, code, len);
		return;
	}

	for (i = 0; i < len / 4u && *n < DHCP_MAX_ADDRS; i++)
		memcpy(&list[(*n)++].s_addr, data + 4 * i, 4);
}

static void dhcp_message_take_type(struct dhcp_message *m,
				   const uint8_t *data, uint8_t len)
{
	if (len != 1 || data[0] < DHCP_DISCOVER || data[0] > DHCP_INFORM) {
		dhcp_message_bad_option(m, DHCP_OPTION_MESSAGE_TYPE, len);
		return;
	}

	if (m->type == 0)
		m->type = data[0];
}

static void dhcp_message_take_netmask(struct dhcp_message *m,
				      const uint8_t *data, uint8_t len)
{
	struct in_addr mask;
	uint32_t value;
	bool has = false;

	if (!dhcp_message_take_u32(m, DHCP_OPTION_SUBNET_MASK, data, len,
				   &has, &value)) {
		m->bad_netmask = true;
		return;
	}

	mask.s_addr = htonl(value);
	if (dhcp_netmask_to_prefix(mask) < 0) {
		dhcp_message_bad_option(m, DHCP_OPTION_SUBNET_MASK, len);
		m->bad_netmask = true;
		return;
	}

	if (!m->has_netmask) {
		m->has_netmask = true;
		m->netmask = mask;
	}
}

/*
 * Options whose pieces are concatenated (RFC 3396) before they are
 * decoded: text and binary data that may exceed 255 bytes.
 */
static const uint8_t dhcp_concat_codes[] = {
	DHCP_OPTION_HOST_NAME, DHCP_OPTION_DOMAIN_NAME,
	DHCP_OPTION_VENDOR_SPECIFIC, DHCP_OPTION_VENDOR_CLASS,
	DHCP_OPTION_TFTP_SERVER_NAME, DHCP_OPTION_VIVSO,
	DHCP_OPTION_PROV_SERVER, DHCP_OPTION_PROV_URL,
};

#define DHCP_N_CONCAT (sizeof(dhcp_concat_codes) / sizeof(uint8_t))

struct dhcp_parse {
	struct dhcp_message *m;
	struct dhcp_blob concat[DHCP_N_CONCAT];
	bool seen[DHCP_N_CONCAT];
	bool overflow[DHCP_N_CONCAT];
};

static void dhcp_parse_concat(struct dhcp_parse *p, uint8_t code,
			      const uint8_t *data, uint8_t len)
{
	struct dhcp_blob *b;
	size_t i;

	for (i = 0; i < DHCP_N_CONCAT; i++)
		if (dhcp_concat_codes[i] == code)
			break;

	if (i == DHCP_N_CONCAT)
		return;

	b = &p->concat[i];
	p->seen[i] = true;
	if (b->len + len > sizeof(b->data)) {
		p->overflow[i] = true;
		return;
	}

	memcpy(b->data + b->len, data, len);
	b->len += len;
}

static int dhcp_message_option(uint8_t code, const uint8_t *data,
			       uint8_t len, void *user_data)
{
	struct dhcp_parse *p = user_data;
	struct dhcp_message *m = p->m;
	uint32_t value;

	switch (code) {
	case DHCP_OPTION_MESSAGE_TYPE:
		dhcp_message_take_type(m, data, len);
		break;
	case DHCP_OPTION_SUBNET_MASK:
		dhcp_message_take_netmask(m, data, len);
		break;
	case DHCP_OPTION_TIME_OFFSET:
		if (dhcp_message_take_u32(m, code, data, len,
					  &m->info.has_time_offset, &value))
			m->info.time_offset = (int32_t)value;
		break;
	case DHCP_OPTION_ROUTER:
		dhcp_message_take_addrs(m, code, data, len, m->routers,
					&m->n_routers);
		break;
	case DHCP_OPTION_DNS:
		dhcp_message_take_addrs(m, code, data, len, m->dns, &m->n_dns);
		break;
	case DHCP_OPTION_NTP:
		dhcp_message_take_addrs(m, code, data, len, m->info.ntp,
					&m->info.n_ntp);
		break;
	case DHCP_OPTION_TFTP_SERVERS:
		dhcp_message_take_addrs(m, code, data, len, m->info.tftp,
					&m->info.n_tftp);
		break;
	case DHCP_OPTION_SERVER_ID:
		if (dhcp_message_take_u32(m, code, data, len,
					  &m->has_server_id, &value))
			m->server_id.s_addr = htonl(value);
		break;
	case DHCP_OPTION_LEASE_TIME:
		dhcp_message_take_u32(m, code, data, len, &m->has_lease_time,
				      &m->lease_time);
		break;
	case DHCP_OPTION_RENEWAL_TIME:
		dhcp_message_take_u32(m, code, data, len, &m->has_t1, &m->t1);
		break;
	case DHCP_OPTION_REBINDING_TIME:
		dhcp_message_take_u32(m, code, data, len, &m->has_t2, &m->t2);
		break;
	default:
		/* Text and blobs are decoded once whole; others unused. */
		dhcp_parse_concat(p, code, data, len);
		break;
	}

	return 0;
}

static bool dhcp_is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* RFC 1123 2.1 host name (or dotted quad); one trailing dot allowed. */
bool dhcp_valid_hostname(const char *s, size_t len)
{
	size_t i, label = 0;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}

		if (!dhcp_is_alnum(c) && !(c == '-' && label > 0))
			return false;
		if (++label > 63)
			return false;
	}

	return s[len - 1] != '-';
}

/* Printable ASCII, space included. */
bool dhcp_valid_text(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;

	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;

	return true;
}

static bool dhcp_is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* RFC 3986 characters of path, query and fragment, %XX checked. */
static bool dhcp_valid_url_tail(const char *s, size_t len)
{
	static const char allowed[] = "-._~:/?#[]@!$&'()*+,;=";
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (i + 2 >= len || !dhcp_is_hex(s[i + 1]) ||
			    !dhcp_is_hex(s[i + 2]))
				return false;
			i += 2;
			continue;
		}

		if (!dhcp_is_alnum(s[i]) && !memchr(allowed, s[i],
						    sizeof(allowed) - 1))
			return false;
	}

	return true;
}

static bool dhcp_url_scheme(const char *s, size_t len, size_t *skip)
{
	static const char *const schemes[] = {
		"http://", "https://", "tftp://",
	};
	size_t i, n;

	for (i = 0; i < sizeof(schemes) / sizeof(*schemes); i++) {
		n = strlen(schemes[i]);
		if (len > n && strncasecmp(s, schemes[i], n) == 0) {
			*skip = n;
			return true;
		}
	}

	return false;
}

/*
 * http, https or tftp; a host name or IPv4 literal, an optional port,
 * then RFC 3986 characters only.  No user information, no white space,
 * no quotes, back quotes, pipes, angle brackets or backslashes.
 */
bool dhcp_valid_url(const char *s, size_t len)
{
	size_t i, host, port = 0;

	if (!dhcp_url_scheme(s, len, &i))
		return false;

	host = i;
	while (i < len && s[i] != '/' && s[i] != ':' && s[i] != '?' &&
	       s[i] != '#')
		i++;
	if (!dhcp_valid_hostname(s + host, i - host))
		return false;

	if (i < len && s[i] == ':') {
		unsigned long v = 0;

		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, port++)
			v = v * 10 + (unsigned long)(s[i] - '0');
		if (port == 0 || port > 5 || v == 0 || v > 65535)
			return false;
	}

	if (i < len && s[i] != '/' && s[i] != '?' && s[i] != '#')
		return false;

	return dhcp_valid_url_tail(s + i, len - i);
}

typedef bool (*dhcp_text_check_t)(const char *s, size_t len);

static bool dhcp_valid_url_or_host(const char *s, size_t len)
{
	return dhcp_valid_url(s, len) || dhcp_valid_hostname(s, len);
}

/*
 * A text option into @out if @check accepts it.  Trailing NULs, which
 * some servers add against RFC 2132 2, are dropped first.
 */
static void dhcp_parse_text(struct dhcp_parse *p, size_t i,
			    dhcp_text_check_t check, char *out)
{
	const struct dhcp_blob *b = &p->concat[i];
	size_t len = b->len;

	if (!p->seen[i])
		return;

	while (len > 0 && b->data[len - 1] == 0)
		len--;

	if (p->overflow[i] || len > DHCP_TEXT_MAX ||
	    !check((const char *)b->data, len)) {
		log_debug("DHCP option %u is not valid text for its use "
			  "(%zu bytes), ignoring", dhcp_concat_codes[i], len);
		p->m->n_bad_options++;
		return;
	}

	memcpy(out, b->data, len);
	out[len] = '\0';
}

static void dhcp_parse_blob(struct dhcp_parse *p, size_t i,
			    struct dhcp_blob *out)
{
	if (!p->seen[i])
		return;

	if (p->overflow[i] || p->concat[i].len == 0) {
		dhcp_message_bad_option(p->m, dhcp_concat_codes[i],
					(uint8_t)p->concat[i].len);
		return;
	}

	*out = p->concat[i];
}

static int dhcp_vivso_check(uint32_t enterprise, const uint8_t *data,
			    uint8_t len, void *user_data)
{
	return 0;
}

static void dhcp_parse_finish(struct dhcp_parse *p)
{
	struct dhcp_info *in = &p->m->info;
	size_t i;

	for (i = 0; i < DHCP_N_CONCAT; i++) {
		switch (dhcp_concat_codes[i]) {
		case DHCP_OPTION_HOST_NAME:
			dhcp_parse_text(p, i, dhcp_valid_hostname,
					in->host_name);
			break;
		case DHCP_OPTION_DOMAIN_NAME:
			dhcp_parse_text(p, i, dhcp_valid_hostname,
					in->domain_name);
			break;
		case DHCP_OPTION_VENDOR_CLASS:
			dhcp_parse_text(p, i, dhcp_valid_text,
					in->vendor_class);
			break;
		case DHCP_OPTION_TFTP_SERVER_NAME:
			dhcp_parse_text(p, i, dhcp_valid_hostname,
					in->tftp_server_name);
			break;
		case DHCP_OPTION_PROV_SERVER:
			dhcp_parse_text(p, i, dhcp_valid_url_or_host,
					in->prov_server);
			break;
		case DHCP_OPTION_PROV_URL:
			dhcp_parse_text(p, i, dhcp_valid_url_or_host,
					in->prov_url);
			break;
		case DHCP_OPTION_VENDOR_SPECIFIC:
			/* Raw bytes by design; sub-options read on use. */
			dhcp_parse_blob(p, i, &in->vendor_specific);
			break;
		case DHCP_OPTION_VIVSO:
			dhcp_parse_blob(p, i, &in->vivso);
			if (in->vivso.len &&
			    dhcp_vivso_foreach(in->vivso.data, in->vivso.len,
					       dhcp_vivso_check, NULL) < 0) {
				dhcp_message_bad_option(p->m, DHCP_OPTION_VIVSO,
							0);
				in->vivso.len = 0;
			}
			break;
		}
	}
}

int dhcp_message_parse(struct dhcp_message *m, const void *buf, size_t len)
{
	const struct dhcp_header *h = buf;
	struct dhcp_parse *p;
	int r;

	memset(m, 0, sizeof(*m));

	if (len < DHCP_HEADER_LEN) {
		log_debug("DHCP packet of %zu bytes is shorter than its "
			  "header", len);
		return -EBADMSG;
	}

	if (ntohl(h->magic) != DHCP_MAGIC_COOKIE) {
		log_debug("DHCP packet has a bad magic cookie");
		return -EBADMSG;
	}

	m->op = h->op;
	m->htype = h->htype;
	m->hlen = h->hlen;
	m->xid = ntohl(h->xid);
	m->flags = ntohs(h->flags);
	m->ciaddr.s_addr = h->ciaddr;
	m->yiaddr.s_addr = h->yiaddr;
	m->siaddr.s_addr = h->siaddr;
	memcpy(m->chaddr, h->chaddr, sizeof(m->chaddr));

	/* About 8 KiB: kept off the stack of the event loop. */
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;

	p->m = m;
	r = dhcp_options_foreach(buf, len, dhcp_message_option, p);
	if (r >= 0)
		dhcp_parse_finish(p);
	free(p);
	if (r < 0)
		return r;

	if (m->type == 0) {
		log_debug("DHCP packet has no valid message type");
		return -EBADMSG;
	}

	return 0;
}

int dhcp_suboptions_foreach(const uint8_t *data, size_t len, bool pad_end,
			    dhcp_suboption_func_t func, void *user_data)
{
	size_t i = 0;
	int r;

	while (i < len) {
		uint8_t code = data[i];

		if (pad_end && code == DHCP_OPTION_PAD) {
			i++;
			continue;
		}

		if (pad_end && code == DHCP_OPTION_END)
			return 0;

		if (i + 2 > len || i + 2 + (size_t)data[i + 1] > len)
			return -EBADMSG;

		r = func(code, data + i + 2, data[i + 1], user_data);
		if (r != 0)
			return r;

		i += 2 + (size_t)data[i + 1];
	}

	return 0;
}

int dhcp_vivso_foreach(const uint8_t *data, size_t len,
		       dhcp_vivso_func_t func, void *user_data)
{
	size_t i = 0;
	int r;

	while (i < len) {
		uint32_t enterprise;
		uint8_t n;

		if (i + 5 > len)
			return -EBADMSG;

		enterprise = dhcp_get_u32(data + i);
		n = data[i + 4];
		if (i + 5 + (size_t)n > len)
			return -EBADMSG;

		r = func(enterprise, data + i + 5, n, user_data);
		if (r != 0)
			return r;

		i += 5 + (size_t)n;
	}

	return 0;
}

struct dhcp_vivso_find {
	uint32_t enterprise;
	uint8_t code;
	const uint8_t *data;
	uint8_t len;
	bool found;
};

static int dhcp_vivso_find_sub(uint8_t code, const uint8_t *data,
			       uint8_t len, void *user_data)
{
	struct dhcp_vivso_find *f = user_data;

	if (code != f->code || f->found)
		return 0;

	f->found = true;
	f->data = data;
	f->len = len;
	return 0;
}

static int dhcp_vivso_find_enterprise(uint32_t enterprise,
				      const uint8_t *data, uint8_t len,
				      void *user_data)
{
	struct dhcp_vivso_find *f = user_data;

	if (enterprise != f->enterprise)
		return 0;

	/* A damaged block of this enterprise: its sub-options unused. */
	if (dhcp_suboptions_foreach(data, len, false, dhcp_vivso_find_sub,
				    f) < 0)
		f->found = false;

	return 0;
}

int dhcp_vivso_url(const struct dhcp_blob *vivso, uint32_t enterprise,
		   uint8_t code, char *out, size_t size)
{
	struct dhcp_vivso_find f = { .enterprise = enterprise, .code = code };

	out[0] = '\0';
	if (dhcp_vivso_foreach(vivso->data, vivso->len,
			       dhcp_vivso_find_enterprise, &f) < 0 ||
	    !f.found)
		return -ENOENT;

	if (f.len >= size || !dhcp_valid_url((const char *)f.data, f.len))
		return -EINVAL;

	memcpy(out, f.data, f.len);
	out[f.len] = '\0';
	return 0;
}

bool dhcp_message_is_reply_to(const struct dhcp_message *m, uint32_t xid,
			      const uint8_t mac[6])
{
	return m->op == DHCP_OP_BOOTREPLY && m->htype == DHCP_HTYPE_ETHER &&
	       m->hlen == 6 && m->xid == xid &&
	       memcmp(m->chaddr, mac, 6) == 0;
}
