/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"

static const char *const fields_yes_no[] = { "Yes", "No", NULL };
static const char *const fields_connection_types[] = {
	"DHCP", "Static IP", NULL
};
static const char *const fields_http_modes[] = {
	"Off", "Redirect", NULL
};
static const char *const fields_transports[] = {
	"UDP", "TCP", "TLS", "AUTO", NULL
};

#define F_TEXT(m, f) { .type = PARAM_TEXT, .max = (m), .flags = (f) }
#define F_TYPE(t, m) { .type = (t), .max = (m), .flags = PARAM_EMPTY_OK }
#define F_UINT(lo, hi) { .type = PARAM_UINT, .min = (lo), .max = (hi) }
#define F_BOOL { .type = PARAM_BOOL, .choices = fields_yes_no }
#define F_ENUM(c) { .type = PARAM_ENUM, .choices = (c) }

/*
 * Limits mirror the owners' tables (sipd/params.c, netd/netd.c,
 * audiod); the owner checks again and has the last word.  Some names
 * are ones their owners may still get (TLS_Name_Validate_n_): until
 * List() has them they do not appear.
 */
static const struct fields_known fields_table[] = {
	{ "Restricted_Access_Domains", "Restricted Access Domains", "sipd",
	  "Restricted Access Domains", FIELDS_SYSTEM, false, NULL,
	  F_TYPE(PARAM_DOMAIN_LIST, 511) },
	{ "Connection_Type", "Connection Type", "netd", "IPv4 Settings",
	  FIELDS_SYSTEM, true, NULL, F_ENUM(fields_connection_types) },
	{ "Static_IP", "Static IP", "netd", "IPv4 Settings", FIELDS_SYSTEM,
	  true, "Static IP", F_TYPE(PARAM_IPV4, 15) },
	{ "NetMask", "NetMask", "netd", "IPv4 Settings", FIELDS_SYSTEM, true,
	  "Static IP", F_TYPE(PARAM_NETMASK, 15) },
	{ "Gateway", "Gateway", "netd", "IPv4 Settings", FIELDS_SYSTEM, true,
	  "Static IP", F_TYPE(PARAM_IPV4, 15) },
	{ "Primary_DNS", "Primary DNS", "netd", "IPv4 Settings",
	  FIELDS_SYSTEM, true, "Static IP", F_TYPE(PARAM_IPV4, 15) },
	{ "Secondary_DNS", "Secondary DNS", "netd", "IPv4 Settings",
	  FIELDS_SYSTEM, true, "Static IP", F_TYPE(PARAM_IPV4, 15) },
	{ "DHCP_Timeout_On_Renewal", "DHCP Timeout on Renewal", "netd",
	  "IPv4 Settings", FIELDS_SYSTEM, false, "DHCP",
	  F_UINT(0, 86400) },
	{ "DHCP_Vendor_Class", "DHCP Vendor Class", "netd",
	  "IPv4 Settings", FIELDS_SYSTEM, false, "DHCP",
	  F_TEXT(255, PARAM_EMPTY_OK) },
	{ "DHCP_Release_On_Stop", "DHCP Release on Stop", "netd",
	  "IPv4 Settings", FIELDS_SYSTEM, false, "DHCP", F_BOOL },

	{ "Web_Plain_HTTP", "Plain HTTP", "webd", "Web Server",
	  FIELDS_SYSTEM, false, NULL, F_ENUM(fields_http_modes) },

	{ "Call_Appearances_Per_Line", "Call Appearances Per Line", "sipd",
	  "Call Feature Settings", FIELDS_SIP, false, NULL, F_UINT(1, 10) },
	{ "RTP_Port_Min", "RTP Port Min", "audiod", "RTP Parameters",
	  FIELDS_SIP, true, NULL, F_UINT(1024, 65534) },
	{ "RTP_Port_Max", "RTP Port Max", "audiod", "RTP Parameters",
	  FIELDS_SIP, true, NULL, F_UINT(1024, 65534) },
	{ "Playback_Device", "Playback Device", "audiod", "Audio Devices",
	  FIELDS_SIP, false, NULL, { .type = PARAM_DEVICE, .max = 128 } },
	{ "Capture_Device", "Capture Device", "audiod", "Audio Devices",
	  FIELDS_SIP, false, NULL, { .type = PARAM_DEVICE, .max = 128 } },

	{ "Line_Enable_%u_", "Line Enable", "sipd", "General", FIELDS_EXT,
	  false, NULL, F_BOOL },
	{ "Proxy_%u_", "Proxy", "sipd", "Proxy and Registration",
	  FIELDS_EXT, true, NULL, F_TYPE(PARAM_HOST, 255) },
	{ "Outbound_Proxy_%u_", "Outbound Proxy", "sipd",
	  "Proxy and Registration", FIELDS_EXT, false, NULL,
	  F_TYPE(PARAM_HOST, 255) },
	{ "SIP_Transport_%u_", "SIP Transport", "sipd",
	  "Proxy and Registration", FIELDS_EXT, false, NULL,
	  F_ENUM(fields_transports) },
	{ "TLS_Name_Validate_%u_", "TLS Name Validate", "sipd",
	  "Proxy and Registration", FIELDS_EXT, false, NULL, F_BOOL },
	{ "Register_Expires_%u_", "Register Expires", "sipd",
	  "Proxy and Registration", FIELDS_EXT, false, NULL,
	  F_UINT(10, 604800) },
	{ "SIP_Port_%u_", "SIP Port", "sipd", "SIP Settings", FIELDS_EXT,
	  false, NULL, F_UINT(1, 65535) },
	{ "Auth_INVITE_%u_", "Auth INVITE", "sipd", "SIP Settings",
	  FIELDS_EXT, false, NULL, F_BOOL },
	{ "Auto_Answer_%u_", "Auto Answer", "sipd", "Call Feature Settings",
	  FIELDS_EXT, false, NULL, F_BOOL },
	{ "Display_Name_%u_", "Display Name", "sipd",
	  "Subscriber Information", FIELDS_EXT, true, NULL,
	  F_TEXT(63, PARAM_EMPTY_OK) },
	{ "User_ID_%u_", "User ID", "sipd", "Subscriber Information",
	  FIELDS_EXT, true, NULL, F_TYPE(PARAM_SIP_USER, 64) },
	{ "Password_%u_", "Password", "sipd", "Subscriber Information",
	  FIELDS_EXT, true, NULL,
	  F_TEXT(127, PARAM_EMPTY_OK | PARAM_SECRET) },
	{ "Auth_ID_%u_", "Auth ID", "sipd", "Subscriber Information",
	  FIELDS_EXT, false, NULL, F_TYPE(PARAM_SIP_USER, 64) },
};

#define FIELDS_N (sizeof(fields_table) / sizeof(fields_table[0]))

/*
 * Shown, never changed from the web, by anyone: a file path the owner
 * writes as root is not something a browser session should be able to
 * point elsewhere.
 */
static const char *const fields_locked_names[] = {
	"Resolv_Conf_Path",
	NULL
};

bool fields_locked(const char *name)
{
	size_t i;

	for (i = 0; fields_locked_names[i]; i++)
		if (strcmp(fields_locked_names[i], name) == 0)
			return true;

	return false;
}

void fields_expand(const char *name, unsigned int ext, char *buf,
		   size_t len)
{
	const char *mark = strstr(name, "%u");

	/* Not printf: the tables are data, and -Wformat=2 is right. */
	if (!mark) {
		snprintf(buf, len, "%s", name);
		return;
	}

	snprintf(buf, len, "%.*s%u%s", (int)(mark - name), name, ext,
		 mark + 2);
}

size_t fields_known_count(void)
{
	return FIELDS_N;
}

const struct fields_known *fields_known_at(size_t i)
{
	return i < FIELDS_N ? &fields_table[i] : NULL;
}

bool fields_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= FIELDS_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

unsigned int fields_ext_of(const char *name)
{
	size_t n = strlen(name);
	unsigned int ext;
	char end;

	/* "..._<digits>_" with no leading zero */
	if (n < 4 || name[n - 1] != '_')
		return 0;

	n--;
	while (n > 0 && name[n - 1] >= '0' && name[n - 1] <= '9')
		n--;

	if (n == 0 || name[n - 1] != '_' || name[n] == '0' ||
	    sscanf(name + n, "%u%c", &ext, &end) != 2 || end != '_')
		return 0;

	return ext <= 99 ? ext : 0;
}

const struct fields_known *fields_lookup(const char *name)
{
	unsigned int ext = fields_ext_of(name);
	char buf[FIELDS_NAME_MAX + 1];
	size_t i;

	for (i = 0; i < FIELDS_N; i++) {
		const struct fields_known *k = &fields_table[i];

		if (k->page != FIELDS_EXT) {
			if (strcmp(k->name, name) == 0)
				return k;
			continue;
		}

		if (ext == 0)
			continue;
		fields_expand(k->name, ext, buf, sizeof(buf));
		if (strcmp(buf, name) == 0)
			return k;
	}

	return NULL;
}

enum fields_page fields_page_of_extra(const char *owner, const char *name,
				      unsigned int *ext)
{
	*ext = fields_ext_of(name);
	if (*ext > 0 && strcmp(owner, "sipd") == 0)
		return FIELDS_EXT;

	*ext = 0;
	return strcmp(owner, "netd") == 0 ? FIELDS_SYSTEM : FIELDS_SIP;
}

void fields_label_from_name(const char *name, char *buf, size_t len)
{
	size_t i, n = 0;

	if (len == 0)
		return;

	for (i = 0; name[i] && n + 1 < len; i++)
		buf[n++] = name[i] == '_' ? ' ' : name[i];

	/* "Foo_1_" -> "Foo 1" */
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
}

void fields_def_for(const struct fields_item *item, const char *type,
		    struct param_def *out)
{
	memset(out, 0, sizeof(*out));

	if (item->known) {
		*out = item->known->def;
		out->name = item->name;
		return;
	}

	/* Only what is sure; the owner checks the rest. */
	out->name = item->name;
	out->flags = PARAM_EMPTY_OK;
	if (type && strcmp(type, "uint") == 0) {
		out->type = PARAM_UINT;
		out->flags = 0;
		out->max = (unsigned long)-1;
	} else {
		out->type = PARAM_TEXT;
		out->max = PARAM_VALUE_MAX - 1;
	}
}

const char *const *fields_access_names(size_t *n)
{
	static char names[FIELDS_N * FIELDS_EXT_MAX][FIELDS_NAME_MAX + 1];
	static const char *list[FIELDS_N * FIELDS_EXT_MAX];
	static size_t count;
	unsigned int ext;
	size_t i;

	/* Built once, in the main thread at start-up. */
	if (count == 0) {
		for (i = 0; i < FIELDS_N; i++) {
			const struct fields_known *k = &fields_table[i];

			/* webd's own settings are the admin's alone. */
			if (strcmp(k->owner, "webd") == 0)
				continue;

			for (ext = 1; ext <= (k->page == FIELDS_EXT ?
					      FIELDS_EXT_MAX : 1); ext++) {
				fields_expand(k->name, ext, names[count],
					      sizeof(names[count]));
				list[count] = names[count];
				count++;
			}
		}
	}

	*n = count;
	return list;
}
