/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

static const char *log_ident = "deskphone";
static int log_max_level = LOG_INFO;

static const char *const log_level_names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
	[LOG_ERR] = "err", [LOG_WARNING] = "warning",
	[LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

int log_level_from_string(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(log_level_names) / sizeof(*log_level_names);
	     i++)
		if (strcasecmp(s, log_level_names[i]) == 0)
			return (int)i;

	return -EINVAL;
}

void log_open(const char *ident)
{
	const char *env = getenv("DESKPHONE_LOG_LEVEL");
	int level;

	log_ident = ident;

	if (!env)
		return;

	level = log_level_from_string(env);
	if (level >= 0)
		log_max_level = level;
}

void log_set_max_level(int level)
{
	log_max_level = level;
}

int log_get_max_level(void)
{
	return log_max_level;
}

/*
 * Log lines often carry what a peer sent (SIP headers, DHCP names):
 * control characters and bytes outside printable ASCII become \xNN so
 * that no peer can forge a line or smuggle terminal escapes.
 */
static void log_escape(const char *in, char *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (; *in && o + 5 < len; in++) {
		unsigned char c = (unsigned char)*in;

		if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}

	out[o] = '\0';
}

void log_printf(int level, const char *fmt, ...)
{
	char raw[1024];
	char buf[1024 * 4 + 1];
	va_list ap;
	int saved = errno;

	if (level > log_max_level)
		return;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	log_escape(raw, buf, sizeof(buf));

	/* One write per line keeps lines from different daemons whole. */
	fprintf(stderr, "<%d>%s: %s\n", level & 7, log_ident, buf);
	errno = saved;
}
