/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"

#include "check.h"

/* RFC 7914 section 11: PBKDF2-HMAC-SHA256("passwd", "salt", 1, 64). */
static void test_pbkdf2_vector(void)
{
	static const uint8_t want[16] = {
		0x55, 0xac, 0x04, 0x6e, 0x56, 0xe3, 0x08, 0x9f,
		0xec, 0x16, 0x91, 0xc2, 0x25, 0x44, 0xb6, 0x05,
	};
	uint8_t key[64];

	CHECK(auth_pbkdf2("passwd", (const uint8_t *)"salt", 4, 1, key,
			  sizeof(key)) == 0);
	CHECK(memcmp(key, want, sizeof(want)) == 0);
	CHECK(key[63] == 0x83);
}

static void test_secret(const char *dir)
{
	struct auth_secret a, b;
	char path[512], text[256];
	struct stat st;
	FILE *f;

	CHECK(auth_secret_new("correct horse", &a) == 0);
	CHECK(a.iterations >= 100000);
	CHECK(auth_secret_check(&a, "correct horse"));
	CHECK(!auth_secret_check(&a, "correct hors"));
	CHECK(!auth_secret_check(&a, ""));

	/* Two hashes of one password differ: the salt is random. */
	CHECK(auth_secret_new("correct horse", &b) == 0);
	CHECK(memcmp(a.salt, b.salt, sizeof(a.salt)) != 0);

	snprintf(path, sizeof(path), "%s/webd-admin", dir);
	CHECK(auth_secret_save(path, &a) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	memset(&b, 0, sizeof(b));
	CHECK(auth_secret_load(path, &b) == 0);
	CHECK(auth_secret_check(&b, "correct horse"));

	/* The file holds no password, and damage is refused. */
	f = fopen(path, "r");
	CHECK(f && fgets(text, sizeof(text), f));
	if (f)
		fclose(f);
	CHECK(strstr(text, "correct") == NULL);
	CHECK(strncmp(text, "pbkdf2-sha256 100000 ", 21) == 0);
	CHECK(auth_secret_parse("pbkdf2-sha256 1000 00 00\n", &b) ==
	      -EBADMSG);
	text[strlen(text) - 2] = 'x';
	CHECK(auth_secret_parse(text, &b) == -EBADMSG);
	CHECK(auth_secret_parse("", &b) == -EBADMSG);
}

static void test_init(const char *dir)
{
	char path[512], pw[64], line[512];
	struct auth *auth = calloc(1, sizeof(*auth));
	struct stat st;
	FILE *f;

	/* First start: a generated password, only its hash stored. */
	CHECK(auth_init(auth, dir, NULL) == 0);
	snprintf(path, sizeof(path), "%s/admin-password.initial", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(auth_password_read(path, pw, sizeof(pw)) == 0);
	CHECK(strlen(pw) == 16);
	CHECK(auth_secret_check(&auth->secret, pw));

	/* Second start keeps it. */
	CHECK(auth_init(auth, dir, NULL) == 0);
	CHECK(auth_secret_check(&auth->secret, pw));

	/* A password file replaces it and the initial file goes. */
	snprintf(path, sizeof(path), "%s/pw", dir);
	f = fopen(path, "w");
	fputs("s3cret pass\r\nsecond line\n", f);
	fclose(f);
	CHECK(auth_init(auth, dir, path) == 0);
	CHECK(auth_secret_check(&auth->secret, "s3cret pass"));
	CHECK(!auth_secret_check(&auth->secret, pw));
	snprintf(line, sizeof(line), "%s/admin-password.initial", dir);
	CHECK(access(line, F_OK) < 0);

	/* An empty first line is refused. */
	f = fopen(path, "w");
	fputs("\nx\n", f);
	fclose(f);
	CHECK(auth_init(auth, dir, path) == -ENODATA);

	/* A damaged hash file is an error, not a new password. */
	snprintf(path, sizeof(path), "%s/webd-admin", dir);
	f = fopen(path, "w");
	fputs("garbage\n", f);
	fclose(f);
	CHECK(auth_init(auth, dir, NULL) == -EBADMSG);
	free(auth);
}

/* A login from the usual client, in a test with auth and retry. */
#define LOGIN(role, pw, now, cookie) \
	auth_login(auth, role, pw, "127.0.0.1", now, cookie, &retry)

static void test_sessions(void)
{
	struct auth *auth = calloc(1, sizeof(*auth));
	char cookie[AUTH_TOKEN_HEX], other[AUTH_TOKEN_HEX];
	struct auth_session *s;
	unsigned int retry = 0, i;
	uint64_t t = 1000000;

	CHECK(auth_secret_new("pw", &auth->secret) == 0);

	CHECK(LOGIN(AUTH_ADMIN, "pw", t, cookie) == 0);
	CHECK(strlen(cookie) == 32);
	s = auth_session_find(auth, cookie, t + 1);
	CHECK(s != NULL);
	CHECK(s && auth_csrf_check(s, s->csrf));
	CHECK(s && !auth_csrf_check(s, NULL));
	CHECK(s && !auth_csrf_check(s, "00000000000000000000000000000000"));
	CHECK(auth_session_find(auth, "zz", t) == NULL);
	CHECK(auth_session_find(auth, NULL, t) == NULL);
	CHECK(auth_session_find(auth, "00000000000000000000000000000000",
				t) == NULL);

	/* Idle expiry, measured from the last use. */
	t += AUTH_SESSION_IDLE_USEC - 10;
	CHECK(auth_session_find(auth, cookie, t) != NULL);
	t += AUTH_SESSION_IDLE_USEC + 1;
	CHECK(auth_session_find(auth, cookie, t) == NULL);

	/* Kept busy, it still ends AUTH_SESSION_MAX_USEC after login. */
	CHECK(LOGIN(AUTH_ADMIN, "pw", t, cookie) == 0);
	for (i = 0; i < AUTH_SESSION_MAX_USEC / AUTH_SESSION_IDLE_USEC; i++)
		CHECK(auth_session_find(auth, cookie, t + (i + 1) *
					(AUTH_SESSION_IDLE_USEC - 1)) != NULL);
	CHECK(auth_session_find(auth, cookie, t + AUTH_SESSION_MAX_USEC +
				1) == NULL);

	/* Logout ends only that session. */
	CHECK(LOGIN(AUTH_ADMIN, "pw", t, cookie) == 0);
	CHECK(LOGIN(AUTH_ADMIN, "pw", t, other) == 0);
	auth_session_end(auth_session_find(auth, cookie, t));
	CHECK(auth_session_find(auth, cookie, t) == NULL);
	CHECK(auth_session_find(auth, other, t) != NULL);

	/* Rate limit: five failures, then even the right one waits. */
	for (i = 0; i < AUTH_FREE_FAILURES; i++)
		CHECK(LOGIN(AUTH_ADMIN, "bad", t, cookie) == -EACCES);
	CHECK(LOGIN(AUTH_ADMIN, "pw", t + 1, cookie) == -EBUSY);
	CHECK(retry == 5);
	t += AUTH_LOCKOUT_USEC;
	CHECK(LOGIN(AUTH_ADMIN, "bad", t, cookie) == -EACCES);
	CHECK(LOGIN(AUTH_ADMIN, "pw", t + 1, cookie) == -EBUSY);
	CHECK(retry == 10);
	t += 2 * AUTH_LOCKOUT_USEC;
	CHECK(LOGIN(AUTH_ADMIN, "pw", t, cookie) == 0);
	CHECK(auth_failures(auth, AUTH_ADMIN, "127.0.0.1") == 0);
	free(auth);
}

/* What keeps a socket-activated webd from exiting on idle. */
static void test_busy_until(void)
{
	struct auth *auth = calloc(1, sizeof(*auth));
	char cookie[AUTH_TOKEN_HEX];
	struct auth_session *s;
	unsigned int retry = 0;
	uint64_t t = 1000000;

	CHECK(auth_secret_new("pw", &auth->secret) == 0);
	CHECK(auth_busy_until(auth) == 0);

	/* A session: until its idle end, slid along by each use... */
	CHECK(LOGIN(AUTH_ADMIN, "pw", t, cookie) == 0);
	CHECK(auth_busy_until(auth) == t + AUTH_SESSION_IDLE_USEC);
	s = auth_session_find(auth, cookie, t + 1000);
	CHECK(s != NULL);
	CHECK(auth_busy_until(auth) == t + 1000 + AUTH_SESSION_IDLE_USEC);
	if (!s) {
		free(auth);
		return;
	}

	/* ...but never past its maximum life. */
	s->last_used = t + AUTH_SESSION_MAX_USEC - 10;
	CHECK(auth_busy_until(auth) == t + AUTH_SESSION_MAX_USEC);

	/* Logged out: nothing left. */
	auth_session_end(s);
	CHECK(auth_busy_until(auth) == 0);

	/* A failed login keeps its count for AUTH_LIMIT_KEEP_USEC. */
	CHECK(LOGIN(AUTH_ADMIN, "bad", t, cookie) == -EACCES);
	CHECK(auth_busy_until(auth) == t + AUTH_LIMIT_KEEP_USEC);
	CHECK(LOGIN(AUTH_ADMIN, "pw", t + 1, cookie) == 0);
	CHECK(auth_busy_until(auth) == t + 1 + AUTH_SESSION_IDLE_USEC);
	free(auth);
}

/* Lockouts are per client and account; the table stays bounded. */
static void test_limits(void)
{
	struct auth *auth = calloc(1, sizeof(*auth));
	char cookie[AUTH_TOKEN_HEX], client[AUTH_CLIENT_MAX];
	unsigned int retry = 0, i;
	uint64_t t = 1000000;

	CHECK(auth_secret_new("pw", &auth->secret) == 0);
	auth->secret.iterations = 1000;	/* fast: hundreds of tries */
	CHECK(auth_pbkdf2("pw", auth->secret.salt, AUTH_SALT_LEN, 1000,
			  auth->secret.key, AUTH_KEY_LEN) == 0);

	for (i = 0; i < 10; i++)
		auth_login(auth, AUTH_ADMIN, "bad", "10.0.0.66", t, cookie,
			   &retry);
	CHECK(auth_login(auth, AUTH_ADMIN, "pw", "10.0.0.66", t, cookie,
			 &retry) == -EBUSY);
	CHECK(auth_login(auth, AUTH_ADMIN, "pw", "10.0.0.1", t, cookie,
			 &retry) == 0);
	/* The user account from the same address is its own count. */
	CHECK(auth_failures(auth, AUTH_USER, "10.0.0.66") == 0);
	CHECK(auth_failures(auth, AUTH_ADMIN, "10.0.0.66") ==
	      AUTH_FREE_FAILURES);	/* no more counted while locked */

	/* Many addresses: the oldest entries make room, nothing grows. */
	for (i = 0; i < 4 * AUTH_LIMITS_MAX; i++) {
		snprintf(client, sizeof(client), "10.1.%u.%u", i / 256,
			 i % 256);
		CHECK(auth_login(auth, AUTH_ADMIN, "bad", client, t + 1 + i,
				 cookie, &retry) == -EACCES);
	}
	CHECK(auth_failures(auth, AUTH_ADMIN, "10.0.0.66") == 0);
	CHECK(auth_failures(auth, AUTH_ADMIN, client) == 1);
	CHECK(auth_login(auth, AUTH_ADMIN, "pw", "10.0.0.1", t, cookie,
			 &retry) == 0);
	free(auth);
}

/* The user account: none until the admin sets a password. */
static void test_user(const char *dir)
{
	struct auth *auth = calloc(1, sizeof(*auth));
	char cookie[AUTH_TOKEN_HEX], admin[AUTH_TOKEN_HEX], path[512];
	struct auth_session *s;
	unsigned int retry = 0;
	enum auth_role role;
	uint64_t t = 1000000;
	struct stat st;

	CHECK(auth_init(auth, dir, NULL) == 0);
	CHECK(!auth->user_enabled);
	CHECK(LOGIN(AUTH_USER, "", t, cookie) == -EACCES);

	/* The admin's password does not open the user account. */
	CHECK(auth_secret_new("adminpw", &auth->secret) == 0);
	CHECK(LOGIN(AUTH_USER, "adminpw", t, cookie) ==
	      -EACCES);

	CHECK(auth_user_password_set(auth, "user pass") == 0);
	snprintf(path, sizeof(path), "%s/webd-user", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(LOGIN(AUTH_USER, "adminpw", t, cookie) ==
	      -EACCES);
	CHECK(LOGIN(AUTH_USER, "user pass", t, cookie) == 0);
	CHECK(LOGIN(AUTH_ADMIN, "user pass", t, admin) ==
	      -EACCES);
	CHECK(LOGIN(AUTH_ADMIN, "adminpw", t, admin) == 0);
	s = auth_session_find(auth, cookie, t);
	CHECK(s && s->role == AUTH_USER);
	s = auth_session_find(auth, admin, t);
	CHECK(s && s->role == AUTH_ADMIN);

	/* Kept over a restart; a new password ends the user's sessions. */
	CHECK(auth_init(auth, dir, NULL) == 0);
	CHECK(auth->user_enabled);
	CHECK(auth_secret_check(&auth->user_secret, "user pass"));
	CHECK(LOGIN(AUTH_USER, "user pass", t, cookie) == 0);
	CHECK(LOGIN(AUTH_ADMIN, "adminpw", t, admin) ==
	      -EACCES);	/* auth_init reloaded the stored admin hash */
	CHECK(auth_user_password_set(auth, "other pass") == 0);
	CHECK(auth_session_find(auth, cookie, t) == NULL);

	/* "" disables the account and removes the file. */
	CHECK(LOGIN(AUTH_USER, "other pass", t, cookie) == 0);
	CHECK(auth_user_password_set(auth, "") == 0);
	CHECK(access(path, F_OK) < 0);
	CHECK(auth_session_find(auth, cookie, t) == NULL);
	CHECK(LOGIN(AUTH_USER, "other pass", t, cookie) ==
	      -EACCES);

	CHECK(auth_role_from_name("user", &role) == 0 && role == AUTH_USER);
	CHECK(auth_role_from_name("admin", &role) == 0 && role == AUTH_ADMIN);
	CHECK(auth_role_from_name("root", &role) == -EINVAL);
	CHECK(auth_role_from_name(NULL, &role) == -EINVAL);
	free(auth);
}

static void test_client_key(void)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	char key[AUTH_CLIENT_MAX];

	inet_pton(AF_INET, "192.0.2.7", &in.sin_addr);
	auth_client_key((struct sockaddr *)&in, key, sizeof(key));
	CHECK(strcmp(key, "192.0.2.7") == 0);

	/* Every address of one /64 is one client. */
	inet_pton(AF_INET6, "2001:db8:1:2:aaaa:bbbb:cccc:dddd",
		  &in6.sin6_addr);
	auth_client_key((struct sockaddr *)&in6, key, sizeof(key));
	CHECK(strcmp(key, "2001:db8:1:2::") == 0);

	inet_pton(AF_INET6, "::ffff:192.0.2.7", &in6.sin6_addr);
	auth_client_key((struct sockaddr *)&in6, key, sizeof(key));
	CHECK(strcmp(key, "192.0.2.7") == 0);

	auth_client_key(NULL, key, sizeof(key));
	CHECK(strcmp(key, "unknown") == 0);
}

/* Both accounts: at least AUTH_PASSWORD_MIN characters. */
static void test_length(void)
{
	struct auth *auth = calloc(1, sizeof(*auth));
	char reason[64];

	CHECK(auth_password_ok("1234567", reason, sizeof(reason)) == -EINVAL);
	CHECK(strstr(reason, "shorter than 8") != NULL);
	CHECK(auth_password_ok("12345678", NULL, 0) == 0);
	/* Seven characters in fourteen bytes are still seven. */
	CHECK(auth_password_ok("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			       "\xc3\xa9\xc3\xa9\xc3\xa9", NULL, 0) ==
	      -EINVAL);
	CHECK(auth_user_password_set(auth, "x") == -EINVAL);
	CHECK(!auth->user_enabled);
	free(auth);
}

/*
 * The generated password's file goes at the first admin login; the
 * admin can change the password (old one needed, new one long enough).
 */
static void test_admin_password(const char *dir)
{
	struct auth *auth = calloc(1, sizeof(*auth));
	char cookie[AUTH_TOKEN_HEX], other[AUTH_TOKEN_HEX];
	char initial[512], pw[64], path[512];
	struct auth_session *keep;
	unsigned int retry = 0, i;
	uint64_t t = 1000000;
	FILE *f;

	CHECK(auth_init(auth, dir, NULL) == 0);
	snprintf(initial, sizeof(initial), "%s/admin-password.initial", dir);
	CHECK(auth_password_read(initial, pw, sizeof(pw)) == 0);
	CHECK(auth_login(auth, AUTH_ADMIN, "wrong pass", "127.0.0.1", t,
			 cookie, &retry) == -EACCES);
	CHECK(access(initial, F_OK) == 0);
	CHECK(auth_login(auth, AUTH_ADMIN, pw, "127.0.0.1", t, cookie,
			 &retry) == 0);
	CHECK(access(initial, F_OK) < 0);

	/* A restart neither makes a new one nor brings the file back. */
	CHECK(auth_init(auth, dir, NULL) == 0);
	CHECK(access(initial, F_OK) < 0);
	CHECK(auth_secret_check(&auth->secret, pw));

	/* Changing it needs the old one and a long enough new one. */
	CHECK(auth_login(auth, AUTH_ADMIN, pw, "127.0.0.1", t, cookie,
			 &retry) == 0);
	CHECK(auth_login(auth, AUTH_ADMIN, pw, "127.0.0.1", t, other,
			 &retry) == 0);
	keep = auth_session_find(auth, cookie, t);
	CHECK(keep != NULL);
	CHECK(auth_admin_password_change(auth, "not it", "new admin pw",
					 keep, "127.0.0.1", t, &retry) ==
	      -EACCES);
	CHECK(auth_admin_password_change(auth, pw, "short", keep,
					 "127.0.0.1", t, &retry) == -EINVAL);
	CHECK(auth_secret_check(&auth->secret, pw));
	/* A file to remove, as if it were back from an older webd. */
	f = fopen(initial, "w");
	if (f)
		fclose(f);
	/* Guessing the old one counts as failed logins of that client. */
	for (i = 0; i < AUTH_FREE_FAILURES; i++)
		CHECK(auth_admin_password_change(auth, "not it", "new admin"
						 " pw", keep, "10.0.0.9", t,
						 &retry) == -EACCES);
	CHECK(auth_admin_password_change(auth, pw, "new admin pw", keep,
					 "10.0.0.9", t, &retry) == -EBUSY);
	CHECK(auth_login(auth, AUTH_ADMIN, pw, "10.0.0.9", t, other,
			 &retry) == -EBUSY);
	CHECK(auth_secret_check(&auth->secret, pw));
	CHECK(auth_admin_password_change(auth, pw, "new admin pw", keep,
					 "127.0.0.1", t, &retry) == 0);
	CHECK(access(initial, F_OK) < 0);
	CHECK(auth_session_find(auth, cookie, t) == keep);
	CHECK(auth_session_find(auth, other, t) == NULL);

	/* Stored: a restart has the new one. */
	CHECK(auth_init(auth, dir, NULL) == 0);
	CHECK(auth_secret_check(&auth->secret, "new admin pw"));
	CHECK(!auth_secret_check(&auth->secret, pw));

	/* A password file with a short one is refused, nothing changed. */
	snprintf(path, sizeof(path), "%s/short", dir);
	f = fopen(path, "w");
	if (f) {
		fputs("1234567\n", f);
		fclose(f);
	}
	CHECK(auth_init(auth, dir, path) == -EINVAL);
	CHECK(auth_init(auth, dir, NULL) == 0);
	CHECK(auth_secret_check(&auth->secret, "new admin pw"));
	free(auth);
}

int main(void)
{
	char dir[] = "/tmp/test-web-auth.XXXXXX";
	char cmd[64], sub[64];

	if (!mkdtemp(dir))
		return EXIT_FAILURE;

	test_pbkdf2_vector();
	test_secret(dir);
	snprintf(sub, sizeof(sub), "%s/init", dir);
	if (mkdir(sub, 0700) == 0)
		test_init(sub);
	else
		failures++;
	test_sessions();
	test_busy_until();
	test_limits();
	test_length();
	test_client_key();
	snprintf(sub, sizeof(sub), "%s/admin", dir);
	if (mkdir(sub, 0700) == 0)
		test_admin_password(sub);
	else
		failures++;
	snprintf(sub, sizeof(sub), "%s/user", dir);
	if (mkdir(sub, 0700) == 0)
		test_user(sub);
	else
		failures++;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);

	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
