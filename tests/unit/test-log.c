/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Log lines: priority prefix, level filter, peer bytes escaped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static int failures;

static void test_expect(const char *got, const char *want)
{
	if (strcmp(got, want) == 0)
		return;

	fprintf(stdout, "got  '%s'\nwant '%s'\n", got, want);
	failures++;
}

int main(void)
{
	char path[] = "/tmp/test-log.XXXXXX";
	char buf[4096] = "";
	int fd = mkstemp(path);
	FILE *f;
	size_t n;

	if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
		return 99;

	log_open("t");
	log_set_max_level(LOG_INFO);
	log_err("plain %d", 1);
	log_debug("filtered");
	log_notice("from %s", "a\nfake line\x1b[31m\xff");
	fflush(stderr);

	f = fopen(path, "r");
	if (!f)
		return 99;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);

	test_expect(buf, "<3>t: plain 1\n"
		    "<5>t: from a\\x0afake line\\x1b[31m\\xff\n");
	test_expect(log_level_from_string("warning") == LOG_WARNING ?
		    "ok" : "bad", "ok");
	test_expect(log_level_from_string("loud") < 0 ? "ok" : "bad", "ok");

	return failures ? 1 : 0;
}
