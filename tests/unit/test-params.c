/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Parameter registry: every validator, atomic save, and files cut short
 * or corrupted never being loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "params.h"

#include "check.h"

static const char *const transports[] = { "UDP", "TCP", "TLS", "AUTO", NULL };

static const struct param_def test_defs[] = {
	{ .name = "Text", .type = PARAM_TEXT, .def = "", .max = 16,
	  .flags = PARAM_EMPTY_OK },
	{ .name = "Bool", .type = PARAM_BOOL, .def = "No" },
	{ .name = "Uint", .type = PARAM_UINT, .def = "3600", .min = 10,
	  .max = 86400 },
	{ .name = "Enum", .type = PARAM_ENUM, .def = "UDP",
	  .choices = transports },
	{ .name = "Ip", .type = PARAM_IPV4, .def = "",
	  .flags = PARAM_EMPTY_OK },
	{ .name = "Mask", .type = PARAM_NETMASK, .def = "255.255.255.0" },
	{ .name = "Host", .type = PARAM_HOST, .def = "",
	  .flags = PARAM_EMPTY_OK },
	{ .name = "Domains", .type = PARAM_DOMAIN_LIST, .def = "",
	  .flags = PARAM_EMPTY_OK },
	{ .name = "User", .type = PARAM_SIP_USER, .def = "",
	  .flags = PARAM_EMPTY_OK },
	{ .name = "Device", .type = PARAM_DEVICE, .def = "default" },
	{ .name = "Secret", .type = PARAM_TEXT, .def = "",
	  .flags = PARAM_SECRET | PARAM_EMPTY_OK },
};

#define N_DEFS (sizeof(test_defs) / sizeof(*test_defs))

struct vcase {
	const char *name;
	const char *value;
	int ok;
};

static const struct vcase vcases[] = {
	{ "Text", "", 1 }, { "Text", "hello world", 1 },
	{ "Text", "caf\xc3\xa9", 1 }, { "Text", "0123456789abcdef", 1 },
	{ "Text", "0123456789abcdefg", 0 }, { "Text", "a\nb", 0 },
	/* 16 characters in 48 bytes: the limit counts characters */
	{ "Text", "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5"
		  "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5"
		  "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5"
		  "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5", 1 },
	{ "Text", "tab\there", 0 }, { "Text", "\x7f", 0 },
	{ "Text", "\xc3", 0 }, { "Text", "\xc0\xaf", 0 },
	{ "Text", "\xed\xa0\x80", 0 }, { "Text", "\xf4\x90\x80\x80", 0 },
	{ "Bool", "Yes", 1 }, { "Bool", "No", 1 }, { "Bool", "yes", 0 },
	{ "Bool", "1", 0 }, { "Bool", "", 0 },
	{ "Uint", "10", 1 }, { "Uint", "86400", 1 }, { "Uint", "9", 0 },
	{ "Uint", "86401", 0 }, { "Uint", "-1", 0 }, { "Uint", "+20", 0 },
	{ "Uint", "12a", 0 }, { "Uint", "", 0 }, { "Uint", " 20", 0 },
	{ "Uint", "99999999999999999999", 0 },
	{ "Enum", "TLS", 1 }, { "Enum", "AUTO", 1 }, { "Enum", "tls", 0 },
	{ "Enum", "FOO", 0 }, { "Enum", "", 0 },
	{ "Ip", "", 1 }, { "Ip", "10.0.0.1", 1 },
	{ "Ip", "255.255.255.255", 1 },
	{ "Ip", "10.0.0", 0 }, { "Ip", "10.0.0.256", 0 },
	{ "Ip", "010.0.0.1", 0 }, { "Ip", "10.0.0.1 ", 0 },
	{ "Ip", "example.com", 0 }, { "Ip", "::1", 0 },
	{ "Mask", "255.255.255.0", 1 }, { "Mask", "255.255.255.255", 1 },
	{ "Mask", "128.0.0.0", 1 }, { "Mask", "255.255.252.0", 1 },
	{ "Mask", "255.0.255.0", 0 }, { "Mask", "0.0.0.0", 0 },
	{ "Mask", "255.255.255.1", 0 }, { "Mask", "24", 0 },
	{ "Host", "sip.example.com", 1 }, { "Host", "10.1.2.3:5060", 1 },
	{ "Host", "localhost", 1 }, { "Host", "pbx-1.example.com.", 1 },
	{ "Host", "a.b:65535", 1 }, { "Host", "a.b:0", 0 },
	{ "Host", "a.b:65536", 0 }, { "Host", "a b", 0 },
	{ "Host", ":5060", 0 },
	{ "Host", "-bad.example", 0 }, { "Host", "bad-.example", 0 },
	{ "Host", "a..b", 0 }, { "Host", "1.2.3.999", 0 },
	{ "Host", "a.b:50x0", 0 }, { "Host", "ex_ample.com", 0 },
	{ "Domains", "", 1 }, { "Domains", "a.example.com", 1 },
	{ "Domains", "a.example.com;b.example.com", 1 },
	{ "Domains", "a.example.com, b.example.com", 1 },
	{ "Domains", "a.example.com;;", 1 }, { "Domains", "bad domain!", 0 },
	{ "Domains", "a.example.com;-b.example", 0 },
	{ "Domains", "10.0.0.1", 1 }, { "Domains", "10.0.0.1;a.example", 1 },
	{ "Domains", "10.0.0.256", 0 }, { "Domains", "10.0.0", 0 },
	{ "Domains", "10.0.0.1.5", 0 }, { "Domains", "010.000.000.001", 0 },
	{ "Domains", ",", 0 }, { "Domains", " ; ", 0 },
	{ "Domains", "0x7f.0.0.1", 0 }, { "Domains", "0.0.0.0", 0 },
	{ "Domains", "255.255.255.255", 0 }, { "Domains", "224.0.0.1", 0 },
	{ "Domains", "223.255.255.254", 1 }, { "Domains", "0xffx.example", 1 },
	{ "Host", "0x7f.1", 0 }, { "Host", "0x7f.1:5060", 0 },
	{ "User", "1000", 1 }, { "User", "alice.smith", 1 },
	{ "User", "a%20b", 1 }, { "User", "+15551234", 1 },
	{ "User", "a b", 0 }, { "User", "a@b", 0 }, { "User", "a%2", 0 },
	{ "User", "a<b", 0 }, { "User", "a:b", 0 },
	{ "Device", "default", 1 }, { "Device", "plughw:CARD=PCH,DEV=0", 1 },
	{ "Device", "", 0 }, { "Device", "a b", 0 }, { "Device", "x;rm", 0 },
};

static const struct param_def *test_def(const char *name)
{
	size_t i;

	for (i = 0; i < N_DEFS; i++)
		if (strcmp(test_defs[i].name, name) == 0)
			return &test_defs[i];

	return NULL;
}

static void test_validators(void)
{
	char reason[160];
	size_t i;

	for (i = 0; i < sizeof(vcases) / sizeof(*vcases); i++) {
		const struct vcase *c = &vcases[i];
		int r;

		reason[0] = '\0';
		r = param_validate(test_def(c->name), c->value, reason,
				   sizeof(reason));
		if ((r == 0) != c->ok) {
			fprintf(stderr, "validator %s(\"%s\") = %d (%s), "
				"expected %s\n", c->name, c->value, r, reason,
				c->ok ? "valid" : "invalid");
			failures++;
		}

		/* Every refusal says why. */
		if (r < 0)
			CHECK(reason[0] != '\0');
	}
}

static void test_reasons(void)
{
	char reason[160];

	param_validate(test_def("Enum"), "FOO", reason, sizeof(reason));
	CHECK(strcmp(reason, "must be one of: UDP, TCP, TLS, AUTO") == 0);

	param_validate(test_def("Uint"), "5", reason, sizeof(reason));
	CHECK(strcmp(reason, "must be a whole number from 10 to 86400") == 0);

	param_validate(test_def("Mask"), "255.0.255.0", reason,
		       sizeof(reason));
	CHECK(strstr(reason, "netmask") != NULL);
}

static char *test_dir;

static char *test_path(const char *file)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/%s", test_dir, file);
	return buf;
}

static struct param_store *test_store(const char *file)
{
	struct param_store *s = NULL;

	CHECK(param_store_new(&s, test_defs, N_DEFS, test_path(file)) == 0);
	return s;
}

static int changed_count;

static void test_changed(struct param_store *store,
			 const struct param_def *def, const char *value,
			 void *user_data)
{
	changed_count++;
}

static void test_save_load(void)
{
	struct param_store *s = test_store("a.conf");
	struct param_store *t;
	const char *names[] = { "Text", "Uint", "Enum", "Secret" };
	const char *values[] = { "back\\slash", "120", "TLS", "pa=ss" };
	const char *bad_names[] = { "Text", "Mask" };
	const char *bad_values[] = { "changed", "255.0.255.0" };
	char reason[160];
	size_t bad = 99;
	struct stat st;

	param_store_set_changed(s, test_changed, NULL);

	CHECK(param_store_set_many(s, names, values, 4, &bad, reason,
				   sizeof(reason)) == 0);
	CHECK(changed_count == 4);
	CHECK(stat(test_path("a.conf"), &st) == 0);
	CHECK((st.st_mode & 0777) == 0600);

	/* All or nothing: one bad value, nothing changes, it is named. */
	CHECK(param_store_set_many(s, bad_names, bad_values, 2, &bad, reason,
				   sizeof(reason)) == -EINVAL);
	CHECK(bad == 1);
	CHECK(strcmp(param_store_get(s, "Text"), "back\\slash") == 0);
	CHECK(changed_count == 4);

	CHECK(param_store_set(s, "Nope", "x", reason, sizeof(reason)) ==
	      -ENOENT);

	/* Setting the same value again is not a change. */
	CHECK(param_store_set(s, "Uint", "120", reason, sizeof(reason)) == 0);
	CHECK(changed_count == 4);

	t = test_store("a.conf");
	CHECK(param_store_load(t) == 0);
	CHECK(strcmp(param_store_get(t, "Text"), "back\\slash") == 0);
	CHECK(strcmp(param_store_get(t, "Uint"), "120") == 0);
	CHECK(strcmp(param_store_get(t, "Enum"), "TLS") == 0);
	CHECK(strcmp(param_store_get(t, "Secret"), "pa=ss") == 0);
	CHECK(strcmp(param_store_get(t, "Bool"), "No") == 0);

	param_store_free(s);
	param_store_free(t);
}

static void test_write_file(const char *file, const char *data, size_t len)
{
	int fd = open(test_path(file), O_WRONLY | O_CREAT | O_TRUNC, 0600);

	CHECK(fd >= 0);
	CHECK(write(fd, data, len) == (ssize_t)len);
	close(fd);
}

static char *test_read_file(const char *file, size_t *len)
{
	static char buf[8192];
	int fd = open(test_path(file), O_RDONLY);
	ssize_t n;

	CHECK(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	CHECK(n > 0);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	*len = n > 0 ? (size_t)n : 0;
	return buf;
}

/* Every prefix of a good file (an interrupted write) is refused whole. */
static void test_truncated(void)
{
	struct param_store *s = test_store("b.conf");
	char good[8192];
	size_t len = 0, cut;

	CHECK(param_store_set(s, "Text", "value", NULL, 0) == 0);
	CHECK(param_store_set(s, "Uint", "999", NULL, 0) == 0);
	memcpy(good, test_read_file("b.conf", &len), len);
	param_store_free(s);

	for (cut = 0; cut < len; cut++) {
		struct param_store *t = test_store("c.conf");

		test_write_file("c.conf", good, cut);
		unlink(test_path("c.conf.damaged"));
		CHECK(param_store_load(t) == -EBADMSG);
		/* kept aside for the operator, not left to be overwritten */
		CHECK(access(test_path("c.conf.damaged"), F_OK) == 0);
		CHECK(access(test_path("c.conf"), F_OK) < 0);
		CHECK(strcmp(param_store_get(t, "Text"), "") == 0);
		CHECK(strcmp(param_store_get(t, "Uint"), "3600") == 0);
		param_store_free(t);
	}

	/* One flipped byte anywhere is refused too. */
	for (cut = 0; cut < len; cut++) {
		struct param_store *t = test_store("c.conf");
		char bad[8192];

		memcpy(bad, good, len);
		bad[cut] ^= 0x01;
		test_write_file("c.conf", bad, len);
		CHECK(param_store_load(t) < 0);
		CHECK(strcmp(param_store_get(t, "Uint"), "3600") == 0);
		param_store_free(t);
	}
}

/*
 * A value saved by a table that allowed it (an older version, say) but
 * that the current table refuses keeps the default; unknown names are
 * skipped; the rest of the file is still taken.
 */
static const char *const wide_choices[] = { "UDP", "SCTP", NULL };

static const struct param_def wide_defs[] = {
	{ .name = "Enum", .type = PARAM_ENUM, .def = "UDP",
	  .choices = wide_choices },
	{ .name = "Gone", .type = PARAM_TEXT, .def = "" },
	{ .name = "Uint", .type = PARAM_UINT, .def = "3600", .min = 0,
	  .max = 99999 },
};

static void test_stale_value(void)
{
	struct param_store *s = NULL, *t;
	const char *names[] = { "Enum", "Gone", "Uint" };
	const char *values[] = { "SCTP", "old", "77" };

	CHECK(param_store_new(&s, wide_defs, 3, test_path("d.conf")) == 0);
	CHECK(param_store_set_many(s, names, values, 3, NULL, NULL, 0) == 0);
	param_store_free(s);

	t = test_store("d.conf");
	CHECK(param_store_load(t) == 0);
	CHECK(strcmp(param_store_get(t, "Enum"), "UDP") == 0);
	CHECK(strcmp(param_store_get(t, "Uint"), "77") == 0);
	CHECK(param_store_get(t, "Gone") == NULL);
	param_store_free(t);
}

/* A check across parameters refuses a set whose values disagree. */
static int test_cross_check(struct param_store *store, const char **bad_name,
			    char *reason, size_t reason_len, void *user_data)
{
	int *calls = user_data;

	(*calls)++;
	if (strcmp(param_store_get(store, "Enum"), "TLS") == 0 &&
	    strcmp(param_store_get(store, "Bool"), "Yes") != 0) {
		*bad_name = "Enum";
		snprintf(reason, reason_len, "needs Bool");
		return -EINVAL;
	}

	return 0;
}

static void test_check(void)
{
	struct param_store *s = test_store("f.conf");
	const char *names[] = { "Text", "Enum" };
	const char *values[] = { "x", "TLS" };
	const char *both[] = { "Bool", "Enum" };
	const char *both_values[] = { "Yes", "TLS" };
	char reason[160] = "";
	size_t bad = 99;
	int calls = 0;
	struct stat st;

	param_store_set_check(s, test_cross_check, &calls);
	CHECK(param_store_set_many(s, names, values, 2, &bad, reason,
				   sizeof(reason)) == -EINVAL);
	CHECK(bad == 1);
	CHECK(strcmp(reason, "needs Bool") == 0);
	CHECK(strcmp(param_store_get(s, "Text"), "") == 0);
	CHECK(stat(test_path("f.conf"), &st) < 0);

	CHECK(param_store_set_many(s, both, both_values, 2, &bad, reason,
				   sizeof(reason)) == 0);
	CHECK(strcmp(param_store_get(s, "Enum"), "TLS") == 0);
	CHECK(calls == 2);
	param_store_free(s);
}

/* A save that fails is not mistaken for an unknown parameter. */
static void test_save_failure(void)
{
	struct param_store *s = NULL;
	char reason[160] = "";

	CHECK(param_store_new(&s, test_defs, N_DEFS,
			      "/nonexistent-dir/x.conf") == 0);
	CHECK(param_store_set(s, "Text", "v", reason, sizeof(reason)) ==
	      -EIO);
	CHECK(strstr(reason, "could not be saved") != NULL);
	CHECK(strcmp(param_store_get(s, "Text"), "") == 0);
	param_store_free(s);
}

/*
 * Kill a child in the middle of saving many times: the file on disk is
 * always either the old or the new complete version.
 */
static void test_killed_saves(void)
{
	struct param_store *first = test_store("e.conf");
	int round;

	/*
	 * A saved value to begin with: on a loaded machine the first child
	 * may be killed before it saves anything, leaving only defaults.
	 */
	CHECK(param_store_set(first, "Uint", "10", NULL, 0) == 0);
	param_store_free(first);

	for (round = 0; round < 40; round++) {
		struct param_store *t;
		const char *v;
		pid_t pid = fork();

		if (pid == 0) {
			struct param_store *s = test_store("e.conf");
			char val[16];
			int i;

			for (i = 0;; i++) {
				snprintf(val, sizeof(val), "%d", 10 + i % 1000);
				param_store_set(s, "Uint", val, NULL, 0);
			}
		}

		usleep(1000 + (unsigned int)(rand() % 5000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);

		t = test_store("e.conf");
		CHECK(param_store_load(t) == 0);
		v = param_store_get(t, "Uint");
		CHECK(atoi(v) >= 10 && atoi(v) < 1010);
		param_store_free(t);
	}
}

int main(void)
{
	char tmpl[] = "/tmp/test-params.XXXXXX";
	char cmd[600];

	log_open("test-params");
	log_set_max_level(LOG_ERR);

	test_dir = mkdtemp(tmpl);
	if (!test_dir)
		return 99;

	test_validators();
	test_reasons();
	test_save_load();
	test_truncated();
	test_stale_value();
	test_check();
	test_save_failure();
	test_killed_saves();

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", test_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", test_dir);

	if (failures)
		fprintf(stderr, "%d checks failed\n", failures);
	return failures ? 1 : 0;
}
