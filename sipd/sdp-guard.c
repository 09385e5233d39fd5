/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A guard in front of sofia-sip's SDP parser.
 *
 * sofia-sip 1.12.11 (Debian 12) never returns from sdp_parse() on some
 * malformed m= lines (a control character or a byte above 0x7f in the
 * proto or format list, a port glued to the proto) and allocates
 * without bound while it loops: one INVITE stalls sipd and eats its
 * memory (fuzz/README.md has the inputs).  nua's soa parses every
 * offer before sipd sees the INVITE, so a check in sipd's own handler
 * comes too late.  sipd therefore defines sdp_parse() itself: the
 * dynamic linker binds sofia's own calls (they go through the PLT) to
 * this one, which refuses such bodies and hands the rest to the real
 * parser.  A refused body gets the parser's ordinary "bad SDP" error,
 * so nua answers as for any other broken offer.
 *
 * Kept until Debian ships a sofia-sip with the loop fixed.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <string.h>

#include <sofia-sip/sdp.h>

#include "log.h"
#include "sdp-guard.h"

typedef sdp_parser_t *(*sdp_guard_parse_t)(su_home_t *home,
					   char const msg[],
					   issize_t msgsize, int flags);

static bool sdp_guard_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '+' || c == '*';
}

/* Skips one token of token characters (and '/' when @slash); 0 if none. */
static size_t sdp_guard_token(const char *p, size_t n, bool slash)
{
	size_t i = 0;

	while (i < n && (sdp_guard_token_char(p[i]) || (slash && p[i] == '/')))
		i++;

	return i;
}

static size_t sdp_guard_digits(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] >= '0' && p[i] <= '9')
		i++;

	return i;
}

/*
 * RFC 4566 5.14: m=<media> <port>[/<number>] <proto> <fmt> ...
 * @p points after "m=", @n is the rest of the line.
 */
static bool sdp_guard_media_line(const char *p, size_t n)
{
	size_t k;

	k = sdp_guard_token(p, n, false);
	if (!k || k == n || p[k] != ' ')
		return false;
	p += k + 1, n -= k + 1;

	k = sdp_guard_digits(p, n);
	if (!k || k > 5)
		return false;
	p += k, n -= k;
	if (n && *p == '/') {
		k = sdp_guard_digits(p + 1, n - 1);
		if (!k || k > 5)
			return false;
		p += k + 1, n -= k + 1;
	}
	if (!n || *p != ' ')
		return false;
	p++, n--;

	k = sdp_guard_token(p, n, true);
	if (!k)
		return false;
	p += k, n -= k;

	while (n) {
		if (*p != ' ')
			return false;
		p++, n--;
		k = sdp_guard_token(p, n, false);
		if (!k)
			return false;
		p += k, n -= k;
	}

	return true;
}

bool sdp_guard_ok(const char *msg, size_t len)
{
	size_t i;

	/* No control characters but the line ends and tab. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)msg[i];

		if ((c < 0x20 && c != '\r' && c != '\n' && c != '\t') ||
		    c == 0x7f)
			return false;
	}

	/* Lines end at CR or LF (sofia takes either); blanks may lead. */
	i = 0;
	while (i < len) {
		size_t start, end;

		while (i < len && (msg[i] == '\r' || msg[i] == '\n'))
			i++;
		start = i;
		while (start < len && (msg[start] == ' ' || msg[start] == '\t'))
			start++;
		end = start;
		while (end < len && msg[end] != '\r' && msg[end] != '\n')
			end++;

		if (end - start >= 2 && msg[start] == 'm' &&
		    msg[start + 1] == '=' &&
		    !sdp_guard_media_line(msg + start + 2, end - start - 2))
			return false;

		i = end;
	}

	return true;
}

sdp_parser_t *sdp_parse(su_home_t *home, char const msg[], issize_t msgsize,
			int flags)
{
	static sdp_guard_parse_t real;
	size_t len;

	if (!real) {
		real = (sdp_guard_parse_t)dlsym(RTLD_NEXT, "sdp_parse");
		if (!real)
			return NULL;
	}

	if (!msg)
		return real(home, msg, msgsize, flags);

	len = msgsize < 0 ? strlen(msg) : (size_t)msgsize;
	if (sdp_guard_ok(msg, len))
		return real(home, msg, msgsize, flags);

	log_notice("Refusing an SDP body that sofia-sip cannot parse safely");

	/* An empty body: the real parser's own "no v= line" error. */
	return real(home, "", 0, flags);
}
