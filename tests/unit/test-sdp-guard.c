/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sipd's guard in front of sofia's sdp_parse(): bodies that make the
 * real parser loop for ever are refused with a parse error at once,
 * and ordinary offers still parse.  An alarm turns a hang into a
 * failure.  Arguments: files with bodies that must be refused; without
 * any, the sofia-* inputs in $top_srcdir/fuzz/regress/sdp/.
 */
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sofia-sip/sdp.h>
#include <sofia-sip/su_alloc.h>

#include "log.h"
#include "sdp-guard.h"

#include "check.h"

static void test_hang(int sig)
{
	static const char msg[] = "sdp_parse did not return\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

/* Returns 1 when sdp_parse gave a session, 0 for an error. */
static int test_parse(const char *body, size_t len)
{
	su_home_t *home = su_home_new(sizeof(*home));
	sdp_parser_t *p;
	int ok;

	alarm(5);
	p = sdp_parse(home, body, (issize_t)len, 0);
	alarm(0);

	ok = p && !sdp_parsing_error(p) && sdp_session(p);
	sdp_parser_free(p);
	su_home_unref(home);
	return ok;
}

static const char *const good[] = {
	"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
	"t=0 0\r\nm=audio 4000 RTP/AVP 0 8 101\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n",
	"v=0\no=- 1 1 IN IP4 192.0.2.1\ns=caf\xc3\xa9\nc=IN IP4 192.0.2.1\n"
	"t=0 0\nm=audio 4000/2 RTP/SAVP 0\nm=application 9 TCP/BFCP *\n",
};

static const char *const bad[] = {
	"v=0\r\nm=audio 1 x \001\r\n",
	"v=0\r\nm=audio 40004TPR /AVP 9\r\n",
	"v=0\r\nm=audio 4000 RTP/A\xff\xff`\xf0\r\n",
	"v=0\n\tm=audio 1 x \001\n",
	"v=0\r\nm=audio 4000 RTP/AVP 0\rm=video 0 RTP/AV\xff\xff\xff\xb6P 96\r",
};

static void test_file(const char *path)
{
	char buf[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	CHECK(f != NULL);
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';

	if (test_parse(buf, n)) {
		fprintf(stderr, "%s: parsed, should be refused\n", path);
		failures++;
	}
}

int main(int argc, char **argv)
{
	size_t i;
	int a;

	log_open("test-sdp-guard");
	log_set_max_level(LOG_ERR);
	signal(SIGALRM, test_hang);

	for (i = 0; i < sizeof(good) / sizeof(*good); i++) {
		CHECK(sdp_guard_ok(good[i], strlen(good[i])));
		CHECK(test_parse(good[i], strlen(good[i])) == 1);
	}

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		CHECK(!sdp_guard_ok(bad[i], strlen(bad[i])));
		CHECK(test_parse(bad[i], strlen(bad[i])) == 0);
	}

	for (a = 1; a < argc; a++)
		test_file(argv[a]);

	if (argc == 1 && getenv("top_srcdir")) {
		char pattern[4096];
		glob_t g;

		snprintf(pattern, sizeof(pattern),
			 "%s/fuzz/regress/sdp/sofia-*", getenv("top_srcdir"));
		CHECK(glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc >= 5);
		for (i = 0; i < g.gl_pathc; i++)
			test_file(g.gl_pathv[i]);
		globfree(&g);
	}

	return failures ? 1 : 0;
}
