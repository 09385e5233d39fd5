/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for the DHCP packet parser and the client engine.
 *
 * Built two ways from this one file:
 *  - with libFuzzer (clang -fsanitize=fuzzer,address -DDHCP_FUZZ_LIBFUZZER,
 *    see tests/netd-fuzz.sh): explores from the seed corpus in
 *    tests/net/dhcp-corpus for a bounded time;
 *  - as a plain program (make check): replays every file named on the
 *    command line, so each seed and every crash once found stays a
 *    regression test.
 *
 * One input is a UDP payload.  It goes through the parser, every
 * sub-option walker a consumer uses, the client engine in each state
 * that listens, and the IP/UDP framing; nothing may read out of bounds
 * or trip a sanitizer, whatever the bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp-client.h"
#include "dhcp-packet.h"
#include "dhcp-raw.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t fuzz_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 };

struct fuzz {
	uint64_t now;
	uint32_t rnd;
};

static int fuzz_send(void *data, const void *packet, size_t len,
		     struct in_addr src, struct in_addr dst)
{
	/* Whatever the engine builds must fit the wire format. */
	if (len < DHCP_HEADER_LEN || len > DHCP_PACKET_MAX)
		abort();

	return 0;
}

static void fuzz_set_timer(void *data, uint64_t usec)
{
}

static uint64_t fuzz_now(void *data)
{
	return ((struct fuzz *)data)->now;
}

static uint32_t fuzz_random(void *data)
{
	struct fuzz *f = data;

	/* Fixed: the xid the input can match is 0x54637a56. */
	return f->rnd;
}

static void fuzz_event(void *data, enum dhcp_client_event event)
{
}

static const struct dhcp_client_ops fuzz_ops = {
	.send = fuzz_send,
	.set_timer = fuzz_set_timer,
	.now = fuzz_now,
	.random = fuzz_random,
	.event = fuzz_event,
};

static int fuzz_sub(uint8_t code, const uint8_t *data, uint8_t len,
		    void *user_data)
{
	size_t *sum = user_data;

	/* Touch every byte the walker hands out. */
	while (len--)
		*sum += data[len];

	return 0;
}

static int fuzz_vivso(uint32_t enterprise, const uint8_t *data, uint8_t len,
		      void *user_data)
{
	dhcp_suboptions_foreach(data, len, false, fuzz_sub, user_data);
	return 0;
}

static void fuzz_message(const uint8_t *data, size_t size)
{
	struct dhcp_message *m = malloc(sizeof(*m));
	char url[DHCP_TEXT_MAX + 1];
	size_t sum = 0;

	if (!m)
		abort();

	if (dhcp_message_parse(m, data, size) == 0) {
		const struct dhcp_info *in = &m->info;

		if (m->n_routers > DHCP_MAX_ADDRS ||
		    m->n_dns > DHCP_MAX_ADDRS ||
		    in->n_ntp > DHCP_MAX_ADDRS || in->n_tftp > DHCP_MAX_ADDRS ||
		    in->vendor_specific.len > DHCP_BLOB_MAX ||
		    in->vivso.len > DHCP_BLOB_MAX)
			abort();

		/* Every text that survived must pass its own check again. */
		if ((in->domain_name[0] &&
		     !dhcp_valid_hostname(in->domain_name,
					  strlen(in->domain_name))) ||
		    (in->tftp_server_name[0] &&
		     !dhcp_valid_hostname(in->tftp_server_name,
					  strlen(in->tftp_server_name))))
			abort();

		dhcp_suboptions_foreach(in->vendor_specific.data,
					in->vendor_specific.len, true,
					fuzz_sub, &sum);
		dhcp_vivso_foreach(in->vivso.data, in->vivso.len, fuzz_vivso,
				   &sum);
		if (dhcp_vivso_url(&in->vivso, DHCP_ENTERPRISE_BBF,
				   DHCP_BBF_ACS_URL, url, sizeof(url)) == 0 &&
		    !dhcp_valid_url(url, strlen(url)))
			abort();
	}

	free(m);
}

/* The input as the reply in SELECTING, REQUESTING and REBOOTING. */
static void fuzz_client(const uint8_t *data, size_t size)
{
	struct fuzz f = { .now = 1000 * DHCP_USEC_PER_SEC,
			  .rnd = 0x54637a56 };
	struct in_addr saved = { .s_addr = htonl(0x0a4d0082) };
	struct dhcp_client *c;
	int i;

	for (i = 0; i < 2; i++) {
		if (dhcp_client_new(&c, fuzz_mac, &fuzz_ops, &f) < 0)
			abort();
		if (i == 1)
			dhcp_client_set_requested_address(c, saved);

		dhcp_client_start(c);
		dhcp_client_receive(c, data, size);
		/* Twice: an OFFER taken first, then the same as the ACK. */
		dhcp_client_receive(c, data, size);
		if (dhcp_client_lease(c)) {
			dhcp_client_renew(c);
			dhcp_client_receive(c, data, size);
			dhcp_client_release(c);
		}

		dhcp_client_free(c);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *payload;
	size_t plen;
	static bool quiet;

	if (!quiet) {
		log_open("fuzz-dhcp");
		log_set_max_level(LOG_CRIT);
		quiet = true;
	}

	fuzz_message(data, size);
	fuzz_client(data, size);
	dhcp_raw_unwrap(data, size, false, &payload, &plen);
	return 0;
}

#ifndef DHCP_FUZZ_LIBFUZZER
static int fuzz_replay(const char *path)
{
	static uint8_t buf[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		fprintf(stderr, "%s: %m\n", path);
		return -errno;
	}

	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

/* Replays each file given; none given: nothing to do is an error. */
int main(int argc, char **argv)
{
	int i, bad = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: test-dhcp-fuzz FILE...\n");
		return 2;
	}

	for (i = 1; i < argc; i++)
		if (fuzz_replay(argv[i]) < 0)
			bad++;

	printf("replayed %d input(s)\n", argc - 1 - bad);
	return bad ? 1 : 0;
}
#endif
