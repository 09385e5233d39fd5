/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/*
 * Authentication of the two accounts, admin and user: the stored
 * password hashes, login rate limiting, sessions and their CSRF tokens.
 * After auth_init() everything here runs in the HTTP thread only, so it
 * needs no lock.
 *
 * Passwords are kept only as PBKDF2-HMAC-SHA256 with a random salt in
 * $STATE/webd-admin and $STATE/webd-user:
 * "pbkdf2-sha256 <iterations> <salt hex> <key hex>".  The admin always
 * has one (generated at the first start); the user account exists only
 * once the admin has given it a password.
 */
#define AUTH_HASH_FILE "webd-admin"
#define AUTH_USER_HASH_FILE "webd-user"
#define AUTH_INITIAL_FILE "admin-password.initial"
#define AUTH_ITERATIONS 100000
#define AUTH_SALT_LEN 16
#define AUTH_KEY_LEN 32
#define AUTH_PASSWORD_MIN 8		/* characters (UTF-8), both accounts */
#define AUTH_PASSWORD_MAX 256

#define AUTH_TOKEN_LEN 16			/* 128 bits */
#define AUTH_TOKEN_HEX (AUTH_TOKEN_LEN * 2 + 1)
#define AUTH_SESSIONS_MAX 16
#define AUTH_SESSION_IDLE_USEC (30ULL * 60 * 1000000)
/* However busy, a session ends this long after its login. */
#define AUTH_SESSION_MAX_USEC (8ULL * 3600 * 1000000)

/*
 * Failed logins allowed before the lockout, and its first length.  They
 * are counted per client address and account, in a small table where
 * the least recently seen client makes room for a new one: a flood from
 * one address never locks out another.
 */
#define AUTH_FREE_FAILURES 5
#define AUTH_LIMITS_MAX 64
#define AUTH_CLIENT_MAX 48
#define AUTH_LOCKOUT_USEC (5ULL * 1000000)
#define AUTH_LOCKOUT_MAX_USEC (300ULL * 1000000)
/*
 * A started webd (socket activation) stays up this long after a failed
 * login, so that the count is not lost by exiting while it matters.
 */
#define AUTH_LIMIT_KEEP_USEC (3600ULL * 1000000)

struct auth_secret {
	unsigned int iterations;
	uint8_t salt[AUTH_SALT_LEN];
	uint8_t key[AUTH_KEY_LEN];
};

enum auth_role {
	AUTH_ADMIN,
	AUTH_USER,
};

struct auth_session {
	bool used;
	enum auth_role role;
	uint8_t token[AUTH_TOKEN_LEN];
	char csrf[AUTH_TOKEN_HEX];
	uint64_t created;
	uint64_t last_used;
};

/* Failed logins of one account from one client. */
struct auth_limit {
	bool used;
	enum auth_role role;
	char client[AUTH_CLIENT_MAX];
	unsigned int failures;
	uint64_t locked_until;
	uint64_t last;
};

struct auth {
	struct auth_secret secret;		/* admin */
	struct auth_secret user_secret;
	bool user_enabled;			/* user_secret is set */
	char user_path[4096];
	char admin_path[4096];			/* "": not saved (tests) */
	char initial_path[4096];		/* "": none to remove */
	struct auth_session sessions[AUTH_SESSIONS_MAX];
	struct auth_limit limits[AUTH_LIMITS_MAX];
};

/* Fills @buf with random bytes for keys (GnuTLS); -errno on failure. */
int auth_random(void *buf, size_t len);
void auth_hex(const uint8_t *in, size_t len, char *out);
int auth_unhex(const char *in, uint8_t *out, size_t len);
bool auth_equal(const void *a, const void *b, size_t len);

int auth_pbkdf2(const char *password, const uint8_t *salt, size_t salt_len,
		unsigned int iterations, uint8_t *key, size_t key_len);
int auth_secret_new(const char *password, struct auth_secret *out);
int auth_secret_format(const struct auth_secret *secret, char *buf,
		       size_t len);
int auth_secret_parse(const char *text, struct auth_secret *out);
bool auth_secret_check(const struct auth_secret *secret,
		       const char *password);

/*
 * Writes @path atomically (temporary file, fsync, rename, fsync of the
 * directory) with exactly @mode.
 */
int auth_file_write(const char *path, const char *data, size_t len,
		    mode_t mode);

/* Writes @secret to @path atomically with mode 0600. */
int auth_secret_save(const char *path, const struct auth_secret *secret);
int auth_secret_load(const char *path, struct auth_secret *out);

/* A random password of @len - 1 unambiguous characters. */
int auth_password_generate(char *buf, size_t len);

/* The first line of @path, without its line end; never empty. */
int auth_password_read(const char *path, char *buf, size_t len);

/*
 * Loads the stored hash, or sets it from @password_file, or creates a
 * random password (logged once and written to admin-password.initial,
 * which is removed at the first admin login or password change).
 * Also loads the user's hash when there is one.
 */
int auth_init(struct auth *auth, const char *state_dir,
	      const char *password_file);

/*
 * Sets the user's password (saved at once) and ends the user's
 * sessions; "" removes it, so the user account cannot log in.  A
 * password auth_password_ok() refuses gives its error.
 */
int auth_user_password_set(struct auth *auth, const char *password);

/*
 * Whether @password may be set for either account: -EINVAL when shorter
 * than AUTH_PASSWORD_MIN characters, -E2BIG when longer than
 * AUTH_PASSWORD_MAX bytes.  @reason (may be NULL) says which.
 */
int auth_password_ok(const char *password, char *reason, size_t len);

/*
 * The admin changes the admin password: @old must be the current one
 * (-EACCES; counted with @client's failed admin logins, so a session
 * cannot be used to guess it: -EBUSY and *retry_sec while locked out),
 * @password must pass auth_password_ok().  Saved at once; the admin's
 * other sessions end (@keep stays) and the file with the generated
 * password is removed.
 */
int auth_admin_password_change(struct auth *auth, const char *old,
			       const char *password,
			       const struct auth_session *keep,
			       const char *client, uint64_t now,
			       unsigned int *retry_sec);

/* "admin" / "user" and back; -EINVAL for anything else. */
const char *auth_role_name(enum auth_role role);
int auth_role_from_name(const char *name, enum auth_role *role);

/*
 * Login from @client (its address, as text).  -EBUSY while that client
 * is locked out of that account (*retry_sec says how long), -EACCES for
 * a wrong password or an account without one, else a new session
 * (@cookie gets its token).
 */
int auth_login(struct auth *auth, enum auth_role role, const char *password,
	       const char *client, uint64_t now, char cookie[AUTH_TOKEN_HEX],
	       unsigned int *retry_sec);

/*
 * The key a client's failures are counted under: its IPv4 address (also
 * when mapped into IPv6), or its IPv6 /64, which one host usually has
 * to itself ("2001:db8:1:2::"); "unknown" without an address.
 */
void auth_client_key(const struct sockaddr *sa, char *buf, size_t len);

/* The failure count of @client for @role (0 when none is kept). */
unsigned int auth_failures(const struct auth *auth, enum auth_role role,
			   const char *client);

/* The live session for a cookie value, refreshed; NULL if none. */
struct auth_session *auth_session_find(struct auth *auth, const char *cookie,
				       uint64_t now);
void auth_session_end(struct auth_session *session);
bool auth_csrf_check(const struct auth_session *session, const char *token);

uint64_t auth_now(void);

/*
 * Until when what only memory holds still matters: the end of the last
 * live session, and AUTH_LIMIT_KEEP_USEC after the last failed login.
 * 0 when nothing does.  webd does not exit on idle before then.
 */
uint64_t auth_busy_until(const struct auth *auth);
