/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipd-util.h"

#include "check.h"

static void test_backoff(void)
{
	unsigned int i, ms;

	/* no jitter point: rnd % 41 == 20 gives exactly 100 % */
	CHECK(sipd_backoff_ms(0, 20) == 5000);
	CHECK(sipd_backoff_ms(1, 20) == 10000);
	CHECK(sipd_backoff_ms(2, 20) == 20000);
	CHECK(sipd_backoff_ms(5, 20) == 160000);
	CHECK(sipd_backoff_ms(6, 20) == 300000);
	CHECK(sipd_backoff_ms(40, 20) == 300000);

	/* jitter stays within 80..120 % */
	CHECK(sipd_backoff_ms(0, 0) == 4000);
	CHECK(sipd_backoff_ms(0, 40) == 6000);
	for (i = 0; i < 1000; i++) {
		ms = sipd_backoff_ms(3, (uint32_t)rand());
		CHECK(ms >= 32000 && ms <= 48000);
	}
}

static void test_refresh(void)
{
	unsigned int i, ms;

	/* 3600 s: nua would refresh from 900 s on */
	CHECK(sipd_refresh_ms(3600, 0) == 719600);
	CHECK(sipd_refresh_ms(3600, 179900) == 899500);
	/* 91..299 s: nua refreshes from 60 s before the end */
	CHECK(sipd_refresh_ms(120, 0) == 47600);
	CHECK(sipd_refresh_ms(120, 11900) == 59500);
	/* 10 s: nua from 3 s */
	CHECK(sipd_refresh_ms(10, 0) == 2000);
	CHECK(sipd_refresh_ms(10, 500) == 2500);
	/* never zero, even for a 0 or 1 s grant */
	CHECK(sipd_refresh_ms(0, 0) > 0);
	CHECK(sipd_refresh_ms(1, 7) <= 500);
	for (i = 0; i < 1000; i++) {
		ms = sipd_refresh_ms(300, (uint32_t)rand());
		CHECK(ms >= 59600 && ms <= 74500);
	}
}

static void test_hostport(void)
{
	char host[64];
	unsigned int port = 99;

	CHECK(sipd_split_hostport("phone.test", host, sizeof(host),
				  &port) == 0);
	CHECK(!strcmp(host, "phone.test") && port == 0);
	CHECK(sipd_split_hostport("127.0.0.1:35060", host, sizeof(host),
				  &port) == 0);
	CHECK(!strcmp(host, "127.0.0.1") && port == 35060);
	CHECK(sipd_split_hostport(":5060", host, sizeof(host), &port) ==
	      -EINVAL);
	CHECK(sipd_split_hostport("a:", host, sizeof(host), &port) ==
	      -EINVAL);
	CHECK(sipd_split_hostport("a:70000", host, sizeof(host), &port) ==
	      -EINVAL);
	CHECK(sipd_split_hostport("a:0", host, sizeof(host), &port) ==
	      -EINVAL);
	CHECK(sipd_split_hostport("a:5x", host, sizeof(host), &port) ==
	      -EINVAL);
	CHECK(sipd_split_hostport("averyveryverylonghostname", host, 8,
				  &port) == -EINVAL);
}

static void test_sdp_media(void)
{
	struct sipd_media m;
	const char *pcma_first =
		"v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\n"
		"c=IN IP4 10.0.0.2\r\nt=0 0\r\n"
		"m=audio 6000 RTP/AVP 8 0 101\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n";
	const char *media_c =
		"v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\n"
		"c=IN IP4 10.0.0.2\r\nt=0 0\r\n"
		"m=video 7000 RTP/AVP 96\r\n"
		"m=audio 6002 RTP/AVP 0\r\nc=IN IP4 10.0.0.3\r\n";
	const char *g729 =
		"v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\n"
		"c=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 6000 RTP/AVP 18 9\r\n";
	const char *rejected =
		"v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\n"
		"c=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n";

	CHECK(sipd_sdp_media(pcma_first, &m) == 0);
	CHECK(m.pt == 8 && !strcmp(m.codec, "PCMA"));
	CHECK(m.port == 6000 && !strcmp(m.address, "10.0.0.2") && m.dtmf);

	CHECK(sipd_sdp_media(media_c, &m) == 0);
	CHECK(m.pt == 0 && !strcmp(m.codec, "PCMU") && !m.dtmf);
	CHECK(m.port == 6002 && !strcmp(m.address, "10.0.0.3"));

	CHECK(sipd_sdp_media(g729, &m) == -ENOTSUP);
	CHECK(sipd_sdp_media(rejected, &m) == -ENOMSG);
	CHECK(sipd_sdp_media("garbage", &m) < 0);

	/* Found by the fuzzer and the torture test: not addresses. */
	CHECK(sipd_sdp_media("v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\n"
			     "c=IN IP4 /00\r\nt=0 0\r\n"
			     "m=audio 6000 RTP/AVP 0\r\n", &m) == -ENOMSG);
	CHECK(sipd_sdp_media("v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\n"
			     "c=IN IP4 300.1.2.3.4\r\nt=0 0\r\n"
			     "m=audio 6000 RTP/AVP 0\r\n", &m) == -ENOMSG);
}

static void test_sdp_build(void)
{
	struct sipd_media m;
	char buf[600];

	CHECK(sipd_sdp_build(buf, sizeof(buf), "127.0.0.1", 40000, 7) == 0);
	CHECK(strstr(buf, "c=IN IP4 127.0.0.1\r\n") != NULL);
	CHECK(strstr(buf, "m=audio 40000 RTP/AVP 0 8 101\r\n") != NULL);
	CHECK(strstr(buf, "a=inactive") == NULL);
	CHECK(sipd_sdp_media(buf, &m) == 0 && m.port == 40000 && m.pt == 0);

	/* no audiod: the call goes on with an inactive stream */
	CHECK(sipd_sdp_build(buf, sizeof(buf), "127.0.0.1", 0, 7) == 0);
	CHECK(strstr(buf, "m=audio 9 ") != NULL);
	CHECK(strstr(buf, "a=inactive\r\n") != NULL);

	CHECK(sipd_sdp_build(buf, 40, "127.0.0.1", 40000, 7) == -ENOSPC);
}

static void test_dial_uri(void)
{
	char out[128];

	CHECK(sipd_dial_uri("sip:bob@phone.test", "x", out, sizeof(out)) ==
	      0);
	CHECK(!strcmp(out, "sip:bob@phone.test"));
	CHECK(sipd_dial_uri("bob@10.0.0.1:5070", "x", out, sizeof(out)) == 0);
	CHECK(!strcmp(out, "sip:bob@10.0.0.1:5070"));
	CHECK(sipd_dial_uri("1001", "phone.test", out, sizeof(out)) == 0);
	CHECK(!strcmp(out, "sip:1001@phone.test"));
	CHECK(sipd_dial_uri("1001", "", out, sizeof(out)) == -EINVAL);
	CHECK(sipd_dial_uri("", "phone.test", out, sizeof(out)) == -EINVAL);
	CHECK(sipd_dial_uri("sip:bob@x>\r\nX: y", "d", out, sizeof(out)) ==
	      -EINVAL);
	CHECK(sipd_dial_uri("bob smith", "d", out, sizeof(out)) == -EINVAL);
	CHECK(sipd_dial_uri("http://example.org/", "d", out, sizeof(out)) ==
	      -EINVAL);
	CHECK(sipd_dial_uri("sip:", "d", out, sizeof(out)) == -EINVAL);
}

static void test_auth_string(void)
{
	char buf[128];

	CHECK(sipd_auth_string(buf, sizeof(buf), "Digest", "\"phone.test\"",
			       "1000", "se:cret") == 0);
	CHECK(!strcmp(buf, "Digest:\"phone.test\":1000:se:cret"));
	CHECK(sipd_auth_string(buf, sizeof(buf), "Digest", "phone.test",
			       "1000", "x") == 0);
	CHECK(!strcmp(buf, "Digest:\"phone.test\":1000:x"));
	CHECK(sipd_auth_string(buf, 10, "Digest", "r", "u", "p") == -ENOSPC);
}

int main(void)
{
	test_backoff();
	test_refresh();
	test_hostport();
	test_sdp_media();
	test_sdp_build();
	test_dial_uri();
	test_auth_string();

	if (failures) {
		fprintf(stderr, "%d checks failed\n", failures);
		return 1;
	}

	printf("all sipd util checks passed\n");
	return 0;
}
