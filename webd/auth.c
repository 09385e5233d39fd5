/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "auth.h"
#include "daemon.h"
#include "log.h"

/* No 0/O, 1/l/I: the initial password is read off a screen. */
static const char auth_alphabet[] =
	"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

uint64_t auth_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int auth_random(void *buf, size_t len)
{
	if (gnutls_rnd(GNUTLS_RND_KEY, buf, len) < 0)
		return -EIO;

	return 0;
}

void auth_hex(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}

	out[2 * len] = '\0';
}

static int auth_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly 2 * @len lowercase hex digits. */
int auth_unhex(const char *in, uint8_t *out, size_t len)
{
	size_t i;

	if (strlen(in) != 2 * len)
		return -EINVAL;

	for (i = 0; i < len; i++) {
		int hi = auth_nibble(in[2 * i]);
		int lo = auth_nibble(in[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}

	return 0;
}

/* Constant time, so a guess learns nothing from how long it took. */
bool auth_equal(const void *a, const void *b, size_t len)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t diff = 0;
	size_t i;

	for (i = 0; i < len; i++)
		diff |= x[i] ^ y[i];

	return diff == 0;
}

int auth_pbkdf2(const char *password, const uint8_t *salt, size_t salt_len,
		unsigned int iterations, uint8_t *key, size_t key_len)
{
	gnutls_datum_t pw = {
		.data = (unsigned char *)password,
		.size = (unsigned int)strlen(password),
	};
	gnutls_datum_t s = {
		.data = (unsigned char *)salt,
		.size = (unsigned int)salt_len,
	};

	if (gnutls_pbkdf2(GNUTLS_MAC_SHA256, &pw, &s, iterations, key,
			  key_len) < 0)
		return -EIO;

	return 0;
}

int auth_secret_new(const char *password, struct auth_secret *out)
{
	int r;

	out->iterations = AUTH_ITERATIONS;

	r = auth_random(out->salt, sizeof(out->salt));
	if (r < 0)
		return r;

	return auth_pbkdf2(password, out->salt, sizeof(out->salt),
			   out->iterations, out->key, sizeof(out->key));
}

bool auth_secret_check(const struct auth_secret *secret,
		       const char *password)
{
	uint8_t key[AUTH_KEY_LEN];
	bool ok;

	if (auth_pbkdf2(password, secret->salt, sizeof(secret->salt),
			secret->iterations, key, sizeof(key)) < 0)
		return false;

	ok = auth_equal(key, secret->key, sizeof(key));
	gnutls_memset(key, 0, sizeof(key));
	return ok;
}

int auth_secret_format(const struct auth_secret *secret, char *buf,
		       size_t len)
{
	char salt[AUTH_SALT_LEN * 2 + 1], key[AUTH_KEY_LEN * 2 + 1];
	int n;

	auth_hex(secret->salt, sizeof(secret->salt), salt);
	auth_hex(secret->key, sizeof(secret->key), key);

	n = snprintf(buf, len, "pbkdf2-sha256 %u %s %s\n",
		     secret->iterations, salt, key);
	if (n < 0 || (size_t)n >= len)
		return -ENOBUFS;

	return n;
}

int auth_secret_parse(const char *text, struct auth_secret *out)
{
	char salt[AUTH_SALT_LEN * 2 + 2], key[AUTH_KEY_LEN * 2 + 2];
	unsigned int iterations;
	char end;
	int n;

	/* %65s leaves room to notice a key that is too long. */
	n = sscanf(text, "pbkdf2-sha256 %u %33s %65s%c", &iterations, salt,
		   key, &end);
	if (n != 4 || end != '\n')
		return -EBADMSG;

	/* Fewer rounds than we create would weaken a stored hash. */
	if (iterations < AUTH_ITERATIONS || iterations > 100000000)
		return -EBADMSG;

	if (auth_unhex(salt, out->salt, sizeof(out->salt)) < 0 ||
	    auth_unhex(key, out->key, sizeof(out->key)) < 0)
		return -EBADMSG;

	out->iterations = iterations;
	return 0;
}

int auth_file_write(const char *path, const char *data, size_t len,
		    mode_t mode)
{
	char *tmp = NULL, *dir = NULL, *slash;
	int fd = -1, dfd = -1, r = 0;
	ssize_t n;

	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  mode);
	if (fd < 0) {
		r = -errno;
		goto out;
	}

	/* An old file of ours may have been created with wider bits. */
	if (fchmod(fd, mode) < 0)
		r = -errno;

	n = r == 0 ? write(fd, data, len) : 0;
	if (r == 0 && n != (ssize_t)len)
		r = n < 0 ? -errno : -EIO;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		goto out;
	}

	dir = strdup(path);
	slash = dir ? strrchr(dir, '/') : NULL;
	if (slash) {
		*slash = '\0';
		dfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY |
			   O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}

out:
	free(dir);
	free(tmp);
	return r;
}

int auth_secret_save(const char *path, const struct auth_secret *secret)
{
	char text[256];
	int n;

	n = auth_secret_format(secret, text, sizeof(text));
	if (n < 0)
		return n;

	return auth_file_write(path, text, (size_t)n, 0600);
}

int auth_secret_load(const char *path, struct auth_secret *out)
{
	char text[256];
	size_t n;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;

	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';

	return auth_secret_parse(text, out);
}

int auth_password_generate(char *buf, size_t len)
{
	const size_t n_chars = sizeof(auth_alphabet) - 1;
	size_t i = 0;
	uint8_t byte;
	int r;

	/* Rejection sampling keeps every character equally likely. */
	while (i + 1 < len) {
		r = auth_random(&byte, 1);
		if (r < 0)
			return r;
		if (byte >= 256 - 256 % n_chars)
			continue;
		buf[i++] = auth_alphabet[byte % n_chars];
	}

	buf[i] = '\0';
	return 0;
}

int auth_password_read(const char *path, char *buf, size_t len)
{
	FILE *f;
	int r = 0;

	f = fopen(path, "re");
	if (!f)
		return -errno;

	if (!fgets(buf, (int)len, f))
		r = ferror(f) ? -EIO : -ENODATA;
	else if (!strchr(buf, '\n') && !feof(f))
		r = -E2BIG;
	fclose(f);

	if (r < 0)
		return r;

	buf[strcspn(buf, "\r\n")] = '\0';
	return buf[0] ? 0 : -ENODATA;
}

int auth_password_ok(const char *password, char *reason, size_t len)
{
	size_t chars = 0;
	const char *p;

	/* Characters, not bytes: continuation bytes are not counted. */
	for (p = password; *p; p++)
		if (((unsigned char)*p & 0xc0) != 0x80)
			chars++;

	if (p - password > AUTH_PASSWORD_MAX) {
		if (reason)
			snprintf(reason, len, "is longer than %d bytes",
				 AUTH_PASSWORD_MAX);
		return -E2BIG;
	}

	if (chars < AUTH_PASSWORD_MIN) {
		if (reason)
			snprintf(reason, len, "is shorter than %d characters",
				 AUTH_PASSWORD_MIN);
		return -EINVAL;
	}

	return 0;
}

/* The generated password is no longer needed, or no longer the one. */
static void auth_initial_remove(struct auth *auth)
{
	if (!auth->initial_path[0])
		return;

	if (unlink(auth->initial_path) == 0)
		log_notice("Removed %s: the generated admin password is "
			   "no longer kept", auth->initial_path);
	else if (errno != ENOENT)
		log_warning("Failed to remove %s: %m, ignoring",
			    auth->initial_path);
}

static int auth_set_password(struct auth *auth, const char *hash_path,
			     const char *password)
{
	int r;

	r = auth_secret_new(password, &auth->secret);
	if (r < 0) {
		log_err("Failed to hash the admin password: %s", strerror(-r));
		return r;
	}

	r = auth_secret_save(hash_path, &auth->secret);
	if (r < 0)
		log_err("Failed to write %s: %s", hash_path, strerror(-r));

	return r;
}

static int auth_init_from_file(struct auth *auth, const char *hash_path,
			       const char *file)
{
	char password[AUTH_PASSWORD_MAX + 2], reason[64];
	int r;

	r = auth_password_read(file, password, sizeof(password));
	if (r < 0) {
		log_err("Failed to read the admin password from %s: %s", file,
			r == -ENODATA ? "first line is empty" :
			r == -E2BIG ? "line too long" : strerror(-r));
		return r;
	}

	r = auth_password_ok(password, reason, sizeof(reason));
	if (r < 0) {
		gnutls_memset(password, 0, sizeof(password));
		log_err("The admin password in %s %s", file, reason);
		return r;
	}

	r = auth_set_password(auth, hash_path, password);
	gnutls_memset(password, 0, sizeof(password));
	if (r < 0)
		return r;

	/* A generated password shown earlier is no longer the one. */
	auth_initial_remove(auth);

	log_info("Admin password set from %s", file);
	return 0;
}

static int auth_init_generated(struct auth *auth, const char *hash_path)
{
	char password[17], line[32];
	int r;

	r = auth_password_generate(password, sizeof(password));
	if (r < 0) {
		log_err("Failed to get random bytes: %s", strerror(-r));
		return r;
	}

	r = auth_set_password(auth, hash_path, password);
	if (r < 0)
		return r;

	/* Shown once here; the run command reads the file. */
	log_notice("initial admin password: %s", password);

	snprintf(line, sizeof(line), "%s\n", password);
	r = auth_file_write(auth->initial_path, line, strlen(line), 0600);
	if (r < 0)
		log_warning("Failed to write %s: %s, ignoring",
			    auth->initial_path, strerror(-r));

	gnutls_memset(password, 0, sizeof(password));
	gnutls_memset(line, 0, sizeof(line));
	return 0;
}

/* No file: no user account.  A damaged one is an error, as for admin. */
static int auth_init_user(struct auth *auth, const char *state_dir)
{
	int r;

	r = snprintf(auth->user_path, sizeof(auth->user_path), "%s/%s",
		     state_dir, AUTH_USER_HASH_FILE);
	if (r < 0 || (size_t)r >= sizeof(auth->user_path))
		return -ENAMETOOLONG;

	r = auth_secret_load(auth->user_path, &auth->user_secret);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		log_err("Failed to read %s: %s (remove it to disable the "
			"user account)", auth->user_path,
			r == -EBADMSG ? "not a valid hash file" :
			strerror(-r));
		return r;
	}

	auth->user_enabled = true;
	return 0;
}

static void auth_end_sessions(struct auth *auth, enum auth_role role)
{
	size_t i;

	for (i = 0; i < AUTH_SESSIONS_MAX; i++)
		if (auth->sessions[i].used && auth->sessions[i].role == role)
			auth_session_end(&auth->sessions[i]);
}

int auth_user_password_set(struct auth *auth, const char *password)
{
	struct auth_secret secret;
	int r;

	if (*password) {
		r = auth_password_ok(password, NULL, 0);
		if (r < 0)
			return r;
	}

	if (!*password) {
		if (unlink(auth->user_path) < 0 && errno != ENOENT) {
			r = -errno;
			log_err("Failed to remove %s: %s", auth->user_path,
				strerror(-r));
			return r;
		}
		auth->user_enabled = false;
		auth_end_sessions(auth, AUTH_USER);
		log_notice("User account disabled");
		return 0;
	}

	r = auth_secret_new(password, &secret);
	if (r >= 0)
		r = auth_secret_save(auth->user_path, &secret);
	if (r < 0) {
		log_err("Failed to set the user password: %s", strerror(-r));
		return r;
	}

	auth->user_secret = secret;
	auth->user_enabled = true;
	auth_end_sessions(auth, AUTH_USER);
	log_notice("User password changed");
	return 0;
}

const char *auth_role_name(enum auth_role role)
{
	return role == AUTH_ADMIN ? "admin" : "user";
}

int auth_role_from_name(const char *name, enum auth_role *role)
{
	if (name && strcmp(name, "admin") == 0)
		*role = AUTH_ADMIN;
	else if (name && strcmp(name, "user") == 0)
		*role = AUTH_USER;
	else
		return -EINVAL;

	return 0;
}

int auth_init(struct auth *auth, const char *state_dir,
	      const char *password_file)
{
	char *hash_path;
	int r;

	memset(auth, 0, sizeof(*auth));

	r = auth_init_user(auth, state_dir);
	if (r < 0)
		return r;

	hash_path = daemon_path(state_dir, AUTH_HASH_FILE);
	if (!hash_path)
		return -ENOMEM;

	r = snprintf(auth->admin_path, sizeof(auth->admin_path), "%s",
		     hash_path);
	if (r >= 0 && (size_t)r < sizeof(auth->admin_path))
		r = snprintf(auth->initial_path, sizeof(auth->initial_path),
			     "%s/%s", state_dir, AUTH_INITIAL_FILE);
	if (r < 0 || (size_t)r >= sizeof(auth->initial_path)) {
		free(hash_path);
		return -ENAMETOOLONG;
	}

	if (password_file) {
		r = auth_init_from_file(auth, hash_path,
					password_file);
		goto out;
	}

	r = auth_secret_load(hash_path, &auth->secret);
	if (r == -ENOENT) {
		r = auth_init_generated(auth, hash_path);
		goto out;
	}

	/* Never fall back to a new password: that would hide tampering. */
	if (r < 0)
		log_err("Failed to read %s: %s (remove it or use "
			"--admin-password-file)", hash_path,
			r == -EBADMSG ? "not a valid hash file" :
			strerror(-r));

out:
	free(hash_path);
	return r;
}

static struct auth_session *auth_session_slot(struct auth *auth,
					      uint64_t now)
{
	struct auth_session *oldest = &auth->sessions[0];
	size_t i;

	for (i = 0; i < AUTH_SESSIONS_MAX; i++) {
		struct auth_session *s = &auth->sessions[i];

		if (!s->used || now - s->last_used > AUTH_SESSION_IDLE_USEC)
			return s;
		if (s->last_used < oldest->last_used)
			oldest = s;
	}

	/* All in use: the least recently used one is logged out. */
	return oldest;
}

static int auth_session_new(struct auth *auth, enum auth_role role,
			    uint64_t now, char cookie[AUTH_TOKEN_HEX])
{
	struct auth_session *s = auth_session_slot(auth, now);
	uint8_t csrf[AUTH_TOKEN_LEN];
	int r;

	r = auth_random(s->token, sizeof(s->token));
	if (r == 0)
		r = auth_random(csrf, sizeof(csrf));
	if (r < 0) {
		auth_session_end(s);
		return r;
	}

	auth_hex(csrf, sizeof(csrf), s->csrf);
	auth_hex(s->token, sizeof(s->token), cookie);
	s->created = now;
	s->last_used = now;
	s->role = role;
	s->used = true;
	return 0;
}

void auth_client_key(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
	struct in6_addr net;

	snprintf(buf, len, "unknown");
	if (!sa)
		return;

	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  buf, (socklen_t)len);
		return;
	}

	if (sa->sa_family != AF_INET6)
		return;

	if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
		inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], buf,
			  (socklen_t)len);
		return;
	}

	net = in6->sin6_addr;
	memset(&net.s6_addr[8], 0, 8);
	inet_ntop(AF_INET6, &net, buf, (socklen_t)len);
}

static struct auth_limit *auth_limit_find(const struct auth *auth,
					  enum auth_role role,
					  const char *client)
{
	size_t i;

	for (i = 0; i < AUTH_LIMITS_MAX; i++) {
		const struct auth_limit *l = &auth->limits[i];

		if (l->used && l->role == role &&
		    strcmp(l->client, client) == 0)
			return (struct auth_limit *)l;
	}

	return NULL;
}

/* A free entry, else the least recently seen client's. */
static struct auth_limit *auth_limit_new(struct auth *auth,
					 enum auth_role role,
					 const char *client)
{
	struct auth_limit *l = &auth->limits[0];
	size_t i;

	for (i = 0; i < AUTH_LIMITS_MAX && l->used; i++)
		if (!auth->limits[i].used ||
		    auth->limits[i].last < l->last)
			l = &auth->limits[i];

	memset(l, 0, sizeof(*l));
	l->used = true;
	l->role = role;
	snprintf(l->client, sizeof(l->client), "%s", client);
	return l;
}

unsigned int auth_failures(const struct auth *auth, enum auth_role role,
			   const char *client)
{
	const struct auth_limit *l = auth_limit_find(auth, role, client);

	return l ? l->failures : 0;
}

static void auth_limit_fail(struct auth *auth, enum auth_role role,
			    const char *client, uint64_t now)
{
	struct auth_limit *l = auth_limit_find(auth, role, client);
	uint64_t lockout;
	unsigned int extra;

	if (!l)
		l = auth_limit_new(auth, role, client);
	l->last = now;
	l->failures++;
	if (l->failures < AUTH_FREE_FAILURES)
		return;

	/* Doubles with every failure past the free ones. */
	extra = l->failures - AUTH_FREE_FAILURES;
	lockout = AUTH_LOCKOUT_USEC << (extra < 10 ? extra : 10);
	if (lockout > AUTH_LOCKOUT_MAX_USEC)
		lockout = AUTH_LOCKOUT_MAX_USEC;

	l->locked_until = now + lockout;
	log_warning("%u failed %s logins from %s, refusing them for %"
		    PRIu64 " s", l->failures, auth_role_name(role), client,
		    lockout / 1000000);
}

int auth_login(struct auth *auth, enum auth_role role, const char *password,
	       const char *client, uint64_t now, char cookie[AUTH_TOKEN_HEX],
	       unsigned int *retry_sec)
{
	const struct auth_secret *secret;
	struct auth_limit *limit;
	bool ok;

	limit = auth_limit_find(auth, role, client);
	if (limit && now < limit->locked_until) {
		limit->last = now;
		*retry_sec = (unsigned int)((limit->locked_until - now +
					     999999) / 1000000);
		return -EBUSY;
	}

	/*
	 * A user without a password is checked against the admin's hash
	 * and then refused, so the time taken does not tell whether the
	 * user account exists.
	 */
	secret = role == AUTH_USER && auth->user_enabled ?
		 &auth->user_secret : &auth->secret;
	ok = strlen(password) <= AUTH_PASSWORD_MAX &&
	     auth_secret_check(secret, password);
	if (role == AUTH_USER && !auth->user_enabled)
		ok = false;

	if (!ok) {
		auth_limit_fail(auth, role, client, now);
		return -EACCES;
	}

	if (limit)
		memset(limit, 0, sizeof(*limit));

	/* The admin has it now; it need not lie about in plain text. */
	if (role == AUTH_ADMIN)
		auth_initial_remove(auth);

	return auth_session_new(auth, role, now, cookie);
}

int auth_admin_password_change(struct auth *auth, const char *old,
			       const char *password,
			       const struct auth_session *keep,
			       const char *client, uint64_t now,
			       unsigned int *retry_sec)
{
	struct auth_limit *limit = auth_limit_find(auth, AUTH_ADMIN, client);
	struct auth_secret secret;
	size_t i;
	int r;

	if (limit && now < limit->locked_until) {
		*retry_sec = (unsigned int)((limit->locked_until - now +
					     999999) / 1000000);
		return -EBUSY;
	}

	if (strlen(old) > AUTH_PASSWORD_MAX ||
	    !auth_secret_check(&auth->secret, old)) {
		auth_limit_fail(auth, AUTH_ADMIN, client, now);
		return -EACCES;
	}

	r = auth_password_ok(password, NULL, 0);
	if (r < 0)
		return r;

	r = auth_secret_new(password, &secret);
	if (r >= 0 && auth->admin_path[0])
		r = auth_secret_save(auth->admin_path, &secret);
	if (r < 0) {
		log_err("Failed to set the admin password: %s", strerror(-r));
		return r;
	}

	auth->secret = secret;
	gnutls_memset(&secret, 0, sizeof(secret));
	auth_initial_remove(auth);

	/* Whoever knew the old password is logged out, but not us. */
	for (i = 0; i < AUTH_SESSIONS_MAX; i++)
		if (auth->sessions[i].used &&
		    auth->sessions[i].role == AUTH_ADMIN &&
		    &auth->sessions[i] != keep)
			auth_session_end(&auth->sessions[i]);

	log_notice("Admin password changed");
	return 0;
}

struct auth_session *auth_session_find(struct auth *auth, const char *cookie,
				       uint64_t now)
{
	struct auth_session *found = NULL;
	uint8_t token[AUTH_TOKEN_LEN];
	size_t i;

	if (!cookie || auth_unhex(cookie, token, sizeof(token)) < 0)
		return NULL;

	/* Look at every slot, so the time taken does not tell which. */
	for (i = 0; i < AUTH_SESSIONS_MAX; i++) {
		struct auth_session *s = &auth->sessions[i];
		bool match = auth_equal(s->token, token, sizeof(token));

		if (match && s->used)
			found = s;
	}

	if (!found)
		return NULL;

	if (now - found->last_used > AUTH_SESSION_IDLE_USEC ||
	    now - found->created > AUTH_SESSION_MAX_USEC) {
		auth_session_end(found);
		return NULL;
	}

	found->last_used = now;
	return found;
}

static uint64_t auth_session_until(const struct auth_session *s)
{
	uint64_t idle = s->last_used + AUTH_SESSION_IDLE_USEC;
	uint64_t max = s->created + AUTH_SESSION_MAX_USEC;

	return idle < max ? idle : max;
}

uint64_t auth_busy_until(const struct auth *auth)
{
	uint64_t until = 0, t;
	size_t i;

	for (i = 0; i < AUTH_SESSIONS_MAX; i++) {
		if (!auth->sessions[i].used)
			continue;
		t = auth_session_until(&auth->sessions[i]);
		if (t > until)
			until = t;
	}

	for (i = 0; i < AUTH_LIMITS_MAX; i++) {
		const struct auth_limit *l = &auth->limits[i];

		if (!l->used || !l->failures)
			continue;
		t = l->last + AUTH_LIMIT_KEEP_USEC;
		if (l->locked_until > t)
			t = l->locked_until;
		if (t > until)
			until = t;
	}

	return until;
}

void auth_session_end(struct auth_session *session)
{
	gnutls_memset(session, 0, sizeof(*session));
}

bool auth_csrf_check(const struct auth_session *session, const char *token)
{
	if (!token || strlen(token) != AUTH_TOKEN_HEX - 1)
		return false;

	return auth_equal(session->csrf, token, AUTH_TOKEN_HEX - 1);
}
