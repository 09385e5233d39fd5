/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "params.h"

/* A state file larger than this is not ours. */
#define PARAM_FILE_MAX (1024 * 1024)
#define PARAM_TRAILER "#end crc32="

struct param_store {
	const struct param_def *defs;
	size_t n_defs;
	char **values;
	char *path;
	param_changed_func_t changed;
	void *changed_data;
	param_check_func_t check;
	void *check_data;
};

static void param_freep(void *p)
{
	free(*(void **)p);
}

#define _cleanup_free_ __attribute__((cleanup(param_freep)))

static int param_reason(char *reason, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int param_reason(char *reason, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (reason && len) {
		va_start(ap, fmt);
		vsnprintf(reason, len, fmt, ap);
		va_end(ap);
	}

	return -EINVAL;
}

const char *param_type_name(enum param_type type)
{
	static const char *const names[] = {
		[PARAM_TEXT] = "text", [PARAM_BOOL] = "bool",
		[PARAM_UINT] = "uint", [PARAM_ENUM] = "enum",
		[PARAM_IPV4] = "ipv4", [PARAM_NETMASK] = "netmask",
		[PARAM_HOST] = "host", [PARAM_DOMAIN_LIST] = "domain-list",
		[PARAM_SIP_USER] = "sip-user", [PARAM_DEVICE] = "device",
	};

	if ((size_t)type >= sizeof(names) / sizeof(*names))
		return "unknown";

	return names[type];
}

bool param_is_true(const char *value)
{
	return value && (strcasecmp(value, "yes") == 0 ||
			 strcasecmp(value, "true") == 0 ||
			 strcmp(value, "1") == 0);
}

/* Strict UTF-8 (RFC 3629): no overlongs, surrogates or > U+10FFFF. */
static bool param_utf8_valid(const unsigned char *s)
{
	while (*s) {
		unsigned char c = *s;
		uint32_t cp;
		int n, i;

		if (c < 0x80) {
			s++;
			continue;
		}

		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return false;

		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i] & 0x3f);
		}

		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;

		s += n + 1;
	}

	return true;
}

static int param_check_text(const char *value, char *reason, size_t len)
{
	const unsigned char *p;

	for (p = (const unsigned char *)value; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return param_reason(reason, len,
					    "contains control characters");

	if (!param_utf8_valid((const unsigned char *)value))
		return param_reason(reason, len, "is not valid UTF-8");

	return 0;
}

static int param_check_uint(const struct param_def *def, const char *value,
			    char *reason, size_t len)
{
	unsigned long v = 0;
	const char *p;

	if (!*value)
		goto bad;

	for (p = value; *p; p++) {
		if (!isdigit((unsigned char)*p) || p - value >= 10)
			goto bad;
		v = v * 10 + (unsigned long)(*p - '0');
	}

	if (v < def->min || v > def->max)
		goto bad;

	return 0;

bad:
	return param_reason(reason, len,
			    "must be a whole number from %lu to %lu",
			    def->min, def->max);
}

static int param_check_enum(const struct param_def *def, const char *value,
			    char *reason, size_t len)
{
	char list[256] = "";
	size_t i;

	for (i = 0; def->choices && def->choices[i]; i++)
		if (strcmp(value, def->choices[i]) == 0)
			return 0;

	for (i = 0; def->choices && def->choices[i]; i++) {
		if (i)
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		strncat(list, def->choices[i], sizeof(list) - strlen(list) - 1);
	}

	return param_reason(reason, len, "must be one of: %s", list);
}

static bool param_ipv4_parse(const char *value, struct in_addr *addr)
{
	/* inet_pton takes only the four-part dotted decimal form. */
	return strlen(value) <= 15 && inet_pton(AF_INET, value, addr) == 1;
}

/* Whether a packet can come from @addr: not 0/8, multicast or above. */
static bool param_ipv4_unicast(struct in_addr addr)
{
	uint32_t a = ntohl(addr.s_addr);

	return (a >> 24) != 0 && a < 0xe0000000u;
}

static int param_check_ipv4(const char *value, char *reason, size_t len)
{
	struct in_addr addr;

	if (!param_ipv4_parse(value, &addr))
		return param_reason(reason, len,
				    "is not an IPv4 address (a.b.c.d)");

	return 0;
}

static int param_check_netmask(const char *value, char *reason, size_t len)
{
	struct in_addr addr;
	uint32_t mask, inverted;

	if (!param_ipv4_parse(value, &addr))
		return param_reason(reason, len,
				    "is not a netmask (a.b.c.d)");

	mask = ntohl(addr.s_addr);
	inverted = ~mask;

	/* Contiguous ones: the inverted mask plus one is a power of two. */
	if (mask == 0 || (inverted & (inverted + 1)) != 0)
		return param_reason(reason, len,
				    "is not a contiguous netmask");

	return 0;
}

/* RFC 1123 host name: labels of letters, digits and inner hyphens. */
static bool param_inet_aton_form(const char *s, size_t n)
{
	struct in_addr addr;
	char buf[254];

	if (n >= sizeof(buf))
		return false;

	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_aton(buf, &addr) != 0;
}

static bool param_hostname_valid(const char *s, size_t n)
{
	size_t label = 0, i;
	bool all_numeric = true;

	if (n == 0 || n > 253)
		return false;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}

		if (c == '-') {
			if (label == 0)
				return false;
		} else if (!isalnum((unsigned char)c)) {
			return false;
		}

		if (!isdigit((unsigned char)c))
			all_numeric = false;

		if (++label > 63)
			return false;
	}

	/* A trailing dot is allowed (absolute name), a trailing hyphen not. */
	if (s[n - 1] == '-')
		return false;

	/* All-digit dotted names are bad IPv4 literals, not host names. */
	if (all_numeric)
		return false;

	/*
	 * Neither are the other forms inet_aton() takes ("0x7f.1"), which
	 * getaddrinfo() would read as an address, not look up.
	 */
	return !param_inet_aton_form(s, n);
}

static int param_check_port(const char *s, char *reason, size_t len)
{
	unsigned long port = 0;
	const char *p;

	for (p = s; *p; p++) {
		if (!isdigit((unsigned char)*p) || p - s >= 5)
			goto bad;
		port = port * 10 + (unsigned long)(*p - '0');
	}

	if (p == s || port < 1 || port > 65535)
		goto bad;

	return 0;

bad:
	return param_reason(reason, len,
			    "port must be a number from 1 to 65535");
}

static int param_check_host(const char *value, char *reason, size_t len)
{
	const char *colon = strrchr(value, ':');
	size_t host_len = colon ? (size_t)(colon - value) : strlen(value);
	char host[256];
	struct in_addr addr;

	if (colon && param_check_port(colon + 1, reason, len) < 0)
		return -EINVAL;

	if (host_len == 0 || host_len >= sizeof(host))
		goto bad;

	memcpy(host, value, host_len);
	host[host_len] = '\0';

	if (param_ipv4_parse(host, &addr) ||
	    param_hostname_valid(host, host_len))
		return 0;

bad:
	return param_reason(reason, len,
			    "is not a host name or IPv4 address (host[:port])");
}

/* Admins list a server by its address as often as by name. */
static int param_check_list_address(const char *p, size_t n, char *reason,
				    size_t len)
{
	struct in_addr addr;
	char ip[16];

	snprintf(ip, sizeof(ip), "%.*s", (int)n, p);
	if (n >= sizeof(ip) || !param_ipv4_parse(ip, &addr))
		return param_reason(reason, len,
				    "'%.*s' is not a domain name or IPv4 "
				    "address", (int)(n > 64 ? 64 : n), p);

	if (!param_ipv4_unicast(addr))
		return param_reason(reason, len,
				    "'%s' cannot send SIP (not a unicast "
				    "address)", ip);

	return 0;
}

static int param_check_domain_list(const char *value, char *reason,
				   size_t len)
{
	const char *p = value;
	unsigned int names = 0;

	while (*p) {
		size_t n;

		while (*p == ' ' || *p == ';' || *p == ',')
			p++;

		n = strcspn(p, " ;,");
		if (n == 0)
			break;

		if (!param_hostname_valid(p, n) &&
		    param_check_list_address(p, n, reason, len) < 0)
			return -EINVAL;

		names++;
		p += n;
	}

	/* "," alone would let nobody in, which nobody means. */
	if (*value && !names)
		return param_reason(reason, len,
				    "names no domain (separate names with "
				    "';', ',' or spaces)");

	return 0;
}

/* RFC 3261 25.1: unreserved, escaped and user-unreserved characters. */
static int param_check_sip_user(const char *value, char *reason, size_t len)
{
	const char *p;

	for (p = value; *p; p++) {
		if (isalnum((unsigned char)*p) ||
		    strchr("-_.!~*'()&=+$,;?/", *p))
			continue;

		if (*p == '%' && isxdigit((unsigned char)p[1]) &&
		    isxdigit((unsigned char)p[2])) {
			p += 2;
			continue;
		}

		return param_reason(reason, len,
				    "contains '%c', not allowed in a SIP user",
				    isprint((unsigned char)*p) ? *p : '?');
	}

	return 0;
}

static int param_check_device(const char *value, char *reason, size_t len)
{
	const char *p;

	for (p = value; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_-:,.=", *p))
			return param_reason(reason, len,
					    "is not an ALSA device name");

	return 0;
}

static int param_check_type(const struct param_def *def, const char *value,
			    char *reason, size_t len)
{
	switch (def->type) {
	case PARAM_TEXT:
		return param_check_text(value, reason, len);
	case PARAM_BOOL:
		if (strcmp(value, "Yes") && strcmp(value, "No"))
			return param_reason(reason, len, "must be Yes or No");
		return 0;
	case PARAM_UINT:
		return param_check_uint(def, value, reason, len);
	case PARAM_ENUM:
		return param_check_enum(def, value, reason, len);
	case PARAM_IPV4:
		return param_check_ipv4(value, reason, len);
	case PARAM_NETMASK:
		return param_check_netmask(value, reason, len);
	case PARAM_HOST:
		return param_check_host(value, reason, len);
	case PARAM_DOMAIN_LIST:
		return param_check_domain_list(value, reason, len);
	case PARAM_SIP_USER:
		return param_check_sip_user(value, reason, len);
	case PARAM_DEVICE:
		return param_check_device(value, reason, len);
	}

	return param_reason(reason, len, "has an unknown type");
}

/* Characters, not bytes: what an administrator counts in a form. */
static size_t param_utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;

	return n;
}

int param_validate(const struct param_def *def, const char *value,
		   char *reason, size_t reason_len)
{
	size_t max_chars = PARAM_VALUE_MAX - 1;
	int r;

	if (!value)
		return param_reason(reason, reason_len, "is missing");

	/* A hard limit in bytes that no table can raise. */
	if (strlen(value) > PARAM_VALUE_MAX - 1)
		return param_reason(reason, reason_len,
				    "is longer than %d bytes",
				    PARAM_VALUE_MAX - 1);

	if (def->type != PARAM_UINT && def->max && def->max < max_chars)
		max_chars = def->max;

	if (param_utf8_chars(value) > max_chars)
		return param_reason(reason, reason_len,
				    "is longer than %zu characters", max_chars);

	if (!*value) {
		if (def->flags & PARAM_EMPTY_OK)
			return 0;
		return param_reason(reason, reason_len, "must not be empty");
	}

	/* Every type is text first: no control characters anywhere. */
	r = param_check_text(value, reason, reason_len);
	if (r < 0)
		return r;

	r = param_check_type(def, value, reason, reason_len);
	if (r < 0)
		return r;

	if (def->validate)
		return def->validate(def, value, reason, reason_len);

	return 0;
}

int param_store_new(struct param_store **out, const struct param_def *defs,
		    size_t n_defs, const char *path)
{
	struct param_store *s;
	size_t i;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;

	s->defs = defs;
	s->n_defs = n_defs;
	s->path = strdup(path);
	s->values = calloc(n_defs, sizeof(char *));
	if (!s->path || !s->values)
		goto oom;

	for (i = 0; i < n_defs; i++) {
		s->values[i] = strdup(defs[i].def);
		if (!s->values[i])
			goto oom;
	}

	*out = s;
	return 0;

oom:
	param_store_free(s);
	return -ENOMEM;
}

void param_store_free(struct param_store *store)
{
	size_t i;

	if (!store)
		return;

	for (i = 0; store->values && i < store->n_defs; i++)
		free(store->values[i]);

	free(store->values);
	free(store->path);
	free(store);
}

static ssize_t param_store_index(struct param_store *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_defs; i++)
		if (strcmp(s->defs[i].name, name) == 0)
			return (ssize_t)i;

	return -1;
}

const struct param_def *param_store_find(struct param_store *store,
					 const char *name)
{
	ssize_t i = param_store_index(store, name);

	return i < 0 ? NULL : &store->defs[i];
}

const char *param_store_get(struct param_store *store, const char *name)
{
	ssize_t i = param_store_index(store, name);

	return i < 0 ? NULL : store->values[i];
}

size_t param_store_count(struct param_store *store)
{
	return store->n_defs;
}

const struct param_def *param_store_def(struct param_store *store,
					size_t index)
{
	return index < store->n_defs ? &store->defs[index] : NULL;
}

void param_store_set_changed(struct param_store *store,
			     param_changed_func_t func, void *user_data)
{
	store->changed = func;
	store->changed_data = user_data;
}

void param_store_set_check(struct param_store *store,
			   param_check_func_t func, void *user_data)
{
	store->check = func;
	store->check_data = user_data;
}

/* Which of the names given to set_many the cross check blamed. */
static size_t param_blame_index(const char *const *names, size_t n,
				const char *bad_name)
{
	size_t i;

	for (i = 0; bad_name && i < n; i++)
		if (strcmp(names[i], bad_name) == 0)
			return i;

	return 0;
}

/* IEEE 802.3 CRC-32, bitwise: the file is small and read rarely. */
static uint32_t param_crc32(const char *buf, size_t len)
{
	uint32_t crc = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		crc ^= (unsigned char)buf[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}

	return ~crc;
}

static int param_read_file(const char *path, char **out, size_t *out_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	buf = malloc(PARAM_FILE_MAX + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}

	while ((n = read(fd, buf + len, PARAM_FILE_MAX + 1 - len)) > 0) {
		len += (size_t)n;
		if (len > PARAM_FILE_MAX)
			break;
	}

	if (n < 0)
		r = -errno;
	else if (len > PARAM_FILE_MAX)
		r = -EFBIG;

	close(fd);
	if (r < 0)
		return r;

	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	buf = NULL;
	return 0;
}

/*
 * The body is valid only when it ends with our trailer line whose
 * CRC covers everything before it: a file cut short anywhere fails.
 */
static int param_check_trailer(char *buf, size_t len, size_t *body_len)
{
	char *trailer;
	char *end;
	unsigned long crc;
	size_t tlen = strlen(PARAM_TRAILER);

	if (len < tlen + 2 || buf[len - 1] != '\n')
		return -EBADMSG;

	buf[len - 1] = '\0';
	trailer = strrchr(buf, '\n');
	trailer = trailer ? trailer + 1 : buf;
	buf[len - 1] = '\n';

	if (strncmp(trailer, PARAM_TRAILER, tlen) != 0)
		return -EBADMSG;

	errno = 0;
	crc = strtoul(trailer + tlen, &end, 16);
	if (errno || end != buf + len - 1 || end - (trailer + tlen) != 8)
		return -EBADMSG;

	*body_len = (size_t)(trailer - buf);
	if (param_crc32(buf, *body_len) != (uint32_t)crc)
		return -EBADMSG;

	return 0;
}

/* Values are written with \\ and \n escaped; nothing else is. */
static int param_unescape(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}

		if (r[1] == '\\')
			*w++ = '\\';
		else if (r[1] == 'n')
			*w++ = '\n';
		else
			return -EBADMSG;
		r += 2;
	}

	*w = '\0';
	return 0;
}

static void param_store_take(struct param_store *s, char *name, char *value)
{
	char reason[160];
	ssize_t i = param_store_index(s, name);
	char *copy;

	if (i < 0) {
		log_warning("%s: unknown parameter %s, ignoring", s->path,
			    name);
		return;
	}

	if (param_validate(&s->defs[i], value, reason, sizeof(reason)) < 0) {
		log_warning("%s: %s %s, keeping the default", s->path, name,
			    reason);
		return;
	}

	copy = strdup(value);
	if (!copy)
		return;

	free(s->values[i]);
	s->values[i] = copy;
}

static int param_parse_body(char *body, size_t len, char ***names,
			    char ***values, size_t *n)
{
	char *line = body, *end = body + len;
	size_t count = 0;

	*names = calloc(len / 2 + 1, sizeof(char *));
	*values = calloc(len / 2 + 1, sizeof(char *));
	if (!*names || !*values)
		return -ENOMEM;

	while (line < end) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		char *eq;

		if (!nl)
			return -EBADMSG;
		*nl = '\0';

		if (*line && *line != '#') {
			eq = strchr(line, '=');
			if (!eq || eq == line)
				return -EBADMSG;
			*eq = '\0';
			if (param_unescape(eq + 1) < 0)
				return -EBADMSG;
			(*names)[count] = line;
			(*values)[count] = eq + 1;
			count++;
		}

		line = nl + 1;
	}

	*n = count;
	return 0;
}

/* Keeps a damaged file for the operator; the next save starts anew. */
static void param_store_set_aside(struct param_store *store)
{
	_cleanup_free_ char *aside = NULL;

	if (asprintf(&aside, "%s.damaged", store->path) < 0) {
		aside = NULL;
		return;
	}

	if (rename(store->path, aside) < 0)
		log_debug("Cannot move %s aside: %s", store->path,
			  strerror(errno));
}

int param_store_load(struct param_store *store)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ char **names = NULL;
	_cleanup_free_ char **values = NULL;
	size_t len = 0, body_len = 0, n = 0, i;
	int r;

	r = param_read_file(store->path, &buf, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;

	r = param_check_trailer(buf, len, &body_len);

	/* Parse everything before taking anything: all or nothing. */
	if (r == 0)
		r = param_parse_body(buf, body_len, &names, &values, &n);

	if (r == -EBADMSG)
		param_store_set_aside(store);
	if (r < 0)
		return r;

	for (i = 0; i < n; i++)
		param_store_take(store, names[i], values[i]);

	return 0;
}

static int param_append(char **buf, size_t *len, size_t *cap, const char *s,
			size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t ncap = (*cap + n + 1) * 2;
		char *nbuf = realloc(*buf, ncap);

		if (!nbuf)
			return -ENOMEM;
		*buf = nbuf;
		*cap = ncap;
	}

	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

static int param_append_escaped(char **buf, size_t *len, size_t *cap,
				const char *s)
{
	int r = 0;

	for (; *s && r == 0; s++) {
		if (*s == '\\')
			r = param_append(buf, len, cap, "\\\\", 2);
		else if (*s == '\n')
			r = param_append(buf, len, cap, "\\n", 2);
		else
			r = param_append(buf, len, cap, s, 1);
	}

	return r;
}

/* Only values that differ from the default are kept, so a new default
 * in a later version reaches phones that never changed the setting. */
static int param_format(struct param_store *s, char **out, size_t *out_len)
{
	char *buf = NULL;
	size_t len = 0, cap = 0, i;
	char trailer[32];
	int r;

	r = param_append(&buf, &len, &cap, "# deskphone parameters\n", 23);

	for (i = 0; i < s->n_defs && r == 0; i++) {
		if (strcmp(s->values[i], s->defs[i].def) == 0)
			continue;

		r = param_append(&buf, &len, &cap, s->defs[i].name,
				 strlen(s->defs[i].name));
		if (r == 0)
			r = param_append(&buf, &len, &cap, "=", 1);
		if (r == 0)
			r = param_append_escaped(&buf, &len, &cap,
						 s->values[i]);
		if (r == 0)
			r = param_append(&buf, &len, &cap, "\n", 1);
	}

	if (r == 0) {
		snprintf(trailer, sizeof(trailer), PARAM_TRAILER "%08" PRIx32
			 "\n", param_crc32(buf, len));
		r = param_append(&buf, &len, &cap, trailer, strlen(trailer));
	}

	if (r < 0) {
		free(buf);
		return r;
	}

	*out = buf;
	*out_len = len;
	return 0;
}

static int param_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}

	return 0;
}

static int param_fsync_dir(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash;
	int fd, r = 0;

	if (!dir)
		return -ENOMEM;

	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	if (fsync(fd) < 0)
		r = -errno;

	close(fd);
	return r;
}

int param_store_save(struct param_store *store)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ char *tmp = NULL;
	size_t len;
	int fd, r;

	r = param_format(store, &buf, &len);
	if (r < 0)
		return r;

	if (asprintf(&tmp, "%s.tmp.XXXXXX", store->path) < 0) {
		tmp = NULL;
		return -ENOMEM;
	}

	/* 0600: the file holds SIP passwords. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;

	r = param_write_all(fd, buf, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, store->path) < 0)
		r = -errno;

	if (r < 0) {
		unlink(tmp);
		return r;
	}

	return param_fsync_dir(store->path);
}

static int param_store_validate_all(struct param_store *s,
				    const char *const *names,
				    const char *const *values, size_t n,
				    ssize_t *idx, size_t *bad_index,
				    char *reason, size_t reason_len)
{
	size_t i;

	for (i = 0; i < n; i++) {
		idx[i] = param_store_index(s, names[i]);
		if (idx[i] < 0) {
			*bad_index = i;
			param_reason(reason, reason_len, "is not a parameter");
			return -ENOENT;
		}

		if (param_validate(&s->defs[idx[i]], values[i], reason,
				   reason_len) < 0) {
			*bad_index = i;
			return -EINVAL;
		}
	}

	return 0;
}

int param_store_set_many(struct param_store *store, const char *const *names,
			 const char *const *values, size_t n,
			 size_t *bad_index, char *reason, size_t reason_len)
{
	_cleanup_free_ ssize_t *idx = calloc(n + 1, sizeof(ssize_t));
	_cleanup_free_ char **old = calloc(store->n_defs, sizeof(char *));
	size_t dummy, i;
	int r;

	if (!idx || !old)
		return -ENOMEM;

	if (!bad_index)
		bad_index = &dummy;

	r = param_store_validate_all(store, names, values, n, idx, bad_index,
				     reason, reason_len);
	if (r < 0)
		return r;

	/* Keep the old values until the new file is safely on disk. */
	memcpy(old, store->values, store->n_defs * sizeof(char *));
	for (i = 0; i < n; i++) {
		char *copy = strdup(values[i]);

		if (!copy) {
			r = -ENOMEM;
			param_reason(reason, reason_len,
				     "could not be stored: %s",
				     strerror(ENOMEM));
			break;
		}
		if (store->values[idx[i]] != old[idx[i]])
			free(store->values[idx[i]]);
		store->values[idx[i]] = copy;
	}

	if (r == 0 && store->check) {
		const char *bad_name = NULL;

		r = store->check(store, &bad_name, reason, reason_len,
				 store->check_data);
		if (r < 0) {
			*bad_index = param_blame_index(names, n, bad_name);
			r = -EINVAL;
		}
	}

	if (r == 0) {
		r = param_store_save(store);
		if (r < 0)
			param_reason(reason, reason_len,
				     "could not be saved: %s", strerror(-r));
		/*
		 * -ENOENT and -EINVAL mean "no such parameter" and "bad
		 * value" to callers; a save that failed (state directory
		 * gone, say) is an I/O error whatever errno said.
		 */
		if (r == -ENOENT || r == -EINVAL)
			r = -EIO;
	}

	if (r < 0) {
		for (i = 0; i < store->n_defs; i++) {
			if (store->values[i] != old[i])
				free(store->values[i]);
			store->values[i] = old[i];
		}
		return r;
	}

	for (i = 0; i < store->n_defs; i++) {
		bool changed = store->values[i] != old[i] &&
			       strcmp(store->values[i], old[i]) != 0;

		if (store->values[i] != old[i])
			free(old[i]);

		if (changed && store->changed)
			store->changed(store, &store->defs[i],
				       store->values[i], store->changed_data);
	}

	return 0;
}

int param_store_set(struct param_store *store, const char *name,
		    const char *value, char *reason, size_t reason_len)
{
	return param_store_set_many(store, &name, &value, 1, NULL, reason,
				    reason_len);
}
