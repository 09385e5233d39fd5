/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <regex.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "log.h"

char *fuzz_strndup(const uint8_t *data, size_t size, size_t max)
{
	char *s;

	if (size > max)
		size = max;

	s = malloc(size + 1);
	if (!s)
		abort();

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

void fuzz_quiet(const char *ident)
{
	static bool done;

	if (done)
		return;

	log_open(ident);
	log_set_max_level(LOG_CRIT);
	done = true;
}

bool fuzz_known_bugs(void)
{
	static int known = -1;

	if (known < 0) {
		const char *e = getenv("FUZZ_KNOWN_BUGS");

		known = e && !strcmp(e, "1");
	}

	return known;
}

bool fuzz_ipv4(const char *s)
{
	struct in_addr a;

	return inet_pton(AF_INET, s, &a) == 1;
}

/*
 * sofia splits lines at CR as well as LF.  Only an m= line of the plain
 * shape "media port[/n] proto[/x...] fmt..." in token characters is
 * let through: every other shape tried so far found the same loop.
 */
bool fuzz_sdp_known_hang(const char *sdp)
{
	static const char plain[] = "^m=[A-Za-z0-9]+ [0-9]+(/[0-9]+)? "
				    "[A-Za-z0-9]+(/[A-Za-z0-9]+)*"
				    "( [A-Za-z0-9]+)*$";
	static bool compiled;
	static regex_t re;
	char line[512];
	const char *p = sdp;

	if (fuzz_known_bugs())
		return false;
	if (!compiled) {
		if (regcomp(&re, plain, REG_EXTENDED | REG_NOSUB) != 0)
			abort();
		compiled = true;
	}

	while (*p) {
		size_t n;

		/* sofia also takes an m= line after leading blanks */
		p += strspn(p, " \t");
		n = strcspn(p, "\r\n");
		if (n >= 2 && p[0] == 'm' && p[1] == '=') {
			if (n >= sizeof(line))
				return true;
			memcpy(line, p, n);
			line[n] = '\0';
			if (regexec(&re, line, 0, NULL, 0) != 0)
				return true;
		}

		p += n;
		if (*p)
			p++;
	}

	return false;
}
