/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tls.h"

#include "check.h"

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		failures++;
		return;
	}
	fputs(text, f);
	fclose(f);
}

static char *read_text(const char *path)
{
	static char buf[8192];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void test_generate(void)
{
	char *cert = NULL, *key = NULL, *cert2 = NULL, *key2 = NULL;

	CHECK(tls_generate("127.0.0.1", &cert, &key) == 0);
	CHECK(tls_generate("::1", &cert2, &key2) == 0);
	CHECK(cert && strstr(cert, "BEGIN CERTIFICATE"));
	CHECK(key && strstr(key, "PRIVATE KEY"));
	CHECK(cert && key && tls_check_pair(cert, key) == 0);
	CHECK(cert2 && key2 && tls_check_pair(cert2, key2) == 0);

	/* Each start makes a new key; the halves do not mix. */
	CHECK(cert && key2 && tls_check_pair(cert, key2) == -EBADMSG);
	CHECK(key && tls_check_pair("garbage", key) == -EBADMSG);
	CHECK(cert && tls_check_pair(cert, "") == -EBADMSG);
	free(cert);
	free(key);
	free(cert2);
	free(key2);
}

static void test_device_pair(const char *dir)
{
	struct tls_creds a, b;
	char cert[512], key[512], saved[8192];
	struct stat st;

	snprintf(cert, sizeof(cert), "%s/" TLS_CERT_FILE, dir);
	snprintf(key, sizeof(key), "%s/" TLS_KEY_FILE, dir);

	/* First start: made and written, the key 0600. */
	CHECK(tls_creds_load(&a, dir, NULL, NULL, "127.0.0.1") == 0);
	CHECK(stat(key, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(stat(cert, &st) == 0 && (st.st_mode & 0777) == 0644);
	CHECK(a.cert_pem && strcmp(read_text(cert), a.cert_pem) == 0);

	/* Next start: the same pair. */
	CHECK(tls_creds_load(&b, dir, NULL, NULL, "127.0.0.1") == 0);
	CHECK(a.cert_pem && b.cert_pem && strcmp(a.cert_pem, b.cert_pem) == 0);
	tls_creds_clear(&b);

	/* A key readable by others is narrowed. */
	CHECK(chmod(key, 0644) == 0);
	CHECK(tls_creds_load(&b, dir, NULL, NULL, "127.0.0.1") == 0);
	CHECK(stat(key, &st) == 0 && (st.st_mode & 0777) == 0600);
	tls_creds_clear(&b);

	/* The admin's pair by name; one without the other is refused. */
	CHECK(tls_creds_load(&b, dir, cert, key, NULL) == 0);
	tls_creds_clear(&b);
	CHECK(tls_creds_load(&b, dir, cert, NULL, NULL) == -EINVAL);
	CHECK(tls_creds_load(&b, dir, "/nonexistent", key, NULL) == -ENOENT);

	/* Damaged: refused and left alone, never replaced. */
	snprintf(saved, sizeof(saved), "%s", read_text(key));
	write_text(key, "-----BEGIN PRIVATE KEY-----\nAAAA\n");
	CHECK(tls_creds_load(&b, dir, NULL, NULL, "127.0.0.1") == -EBADMSG);
	CHECK(strstr(read_text(key), "AAAA") != NULL);

	/* A lone key (a first start cut short): a new pair is made. */
	unlink(cert);
	CHECK(tls_creds_load(&b, dir, NULL, NULL, "127.0.0.1") == 0);
	CHECK(b.cert_pem && a.cert_pem && strcmp(a.cert_pem, b.cert_pem) != 0);
	CHECK(strcmp(read_text(key), saved) != 0);
	tls_creds_clear(&b);
	tls_creds_clear(&a);
	CHECK(a.cert_pem == NULL && a.key_pem == NULL);
}

int main(void)
{
	char dir[] = "/tmp/test-web-tls.XXXXXX";
	char cmd[64];

	if (!mkdtemp(dir))
		return EXIT_FAILURE;

	test_generate();
	test_device_pair(dir);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);

	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
