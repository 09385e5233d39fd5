/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "auth.h"
#include "daemon.h"
#include "log.h"
#include "tls.h"

#define TLS_PEM_MAX (64 * 1024)

static void tls_free_datum(gnutls_datum_t *d)
{
	gnutls_free(d->data);
	d->data = NULL;
}

static char *tls_datum_str(const gnutls_datum_t *d)
{
	char *s = malloc(d->size + 1);

	if (!s)
		return NULL;

	memcpy(s, d->data, d->size);
	s[d->size] = '\0';
	return s;
}

/* The listen address, when it names this host precisely. */
static void tls_add_ip_san(gnutls_x509_crt_t crt, const char *address)
{
	unsigned char ip[16];

	if (!address)
		return;

	if (inet_pton(AF_INET, address, ip) == 1) {
		if (ip[0] | ip[1] | ip[2] | ip[3])
			gnutls_x509_crt_set_subject_alt_name(
				crt, GNUTLS_SAN_IPADDRESS, ip, 4,
				GNUTLS_FSAN_APPEND);
	} else if (inet_pton(AF_INET6, address, ip) == 1) {
		static const unsigned char any[16];

		if (memcmp(ip, any, sizeof(ip)) != 0)
			gnutls_x509_crt_set_subject_alt_name(
				crt, GNUTLS_SAN_IPADDRESS, ip, 16,
				GNUTLS_FSAN_APPEND);
	}
}

static int tls_fill_crt(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key,
			const char *address)
{
	static const char cn[] = TLS_DEVICE_NAME;
	unsigned char serial[16], id[64];
	size_t id_len = sizeof(id);
	time_t now = time(NULL);
	int r;

	/* A positive, random serial (RFC 5280 4.1.2.2). */
	r = auth_random(serial, sizeof(serial));
	if (r < 0)
		return GNUTLS_E_RANDOM_FAILED;
	serial[0] &= 0x7f;
	serial[0] |= 0x01;

	r = gnutls_x509_crt_set_version(crt, 3);
	if (r >= 0)
		r = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
	/* An hour back, for clocks that are a little behind. */
	if (r >= 0)
		r = gnutls_x509_crt_set_activation_time(crt, now - 3600);
	if (r >= 0)
		r = gnutls_x509_crt_set_expiration_time(
			crt, now + (time_t)TLS_VALID_DAYS * 86400);
	if (r >= 0)
		r = gnutls_x509_crt_set_dn_by_oid(
			crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
			sizeof(cn) - 1);
	if (r >= 0)
		r = gnutls_x509_crt_set_key(crt, key);
	if (r >= 0)
		r = gnutls_x509_crt_set_basic_constraints(crt, 0, -1);
	if (r >= 0)
		r = gnutls_x509_crt_set_key_usage(
			crt, GNUTLS_KEY_DIGITAL_SIGNATURE);
	if (r >= 0)
		r = gnutls_x509_crt_set_key_purpose_oid(
			crt, GNUTLS_KP_TLS_WWW_SERVER, 0);
	if (r >= 0)
		r = gnutls_x509_crt_set_subject_alt_name(
			crt, GNUTLS_SAN_DNSNAME, cn, sizeof(cn) - 1,
			GNUTLS_FSAN_APPEND);
	if (r >= 0)
		r = gnutls_x509_crt_get_key_id(crt, 0, id, &id_len);
	if (r >= 0)
		r = gnutls_x509_crt_set_subject_key_id(crt, id, id_len);
	if (r < 0)
		return r;

	tls_add_ip_san(crt, address);
	return gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
}

int tls_generate(const char *address, char **cert_pem, char **key_pem)
{
	gnutls_datum_t cert = { NULL, 0 }, key = { NULL, 0 };
	gnutls_x509_privkey_t pk = NULL;
	gnutls_x509_crt_t crt = NULL;
	int r;

	/* P-256: quick to make on a small CPU, accepted by every browser. */
	r = gnutls_x509_privkey_init(&pk);
	if (r >= 0)
		r = gnutls_x509_privkey_generate(
			pk, GNUTLS_PK_ECDSA,
			GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
	if (r >= 0)
		r = gnutls_x509_crt_init(&crt);
	if (r >= 0)
		r = tls_fill_crt(crt, pk, address);
	if (r >= 0)
		r = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cert);
	if (r >= 0)
		r = gnutls_x509_privkey_export2(pk, GNUTLS_X509_FMT_PEM, &key);

	if (r >= 0) {
		*cert_pem = tls_datum_str(&cert);
		*key_pem = tls_datum_str(&key);
		if (!*cert_pem || !*key_pem) {
			free(*cert_pem);
			free(*key_pem);
			r = GNUTLS_E_MEMORY_ERROR;
		}
	}

	if (r < 0)
		log_err("Failed to generate the device certificate: %s",
			gnutls_strerror(r));

	if (key.data)
		gnutls_memset(key.data, 0, key.size);
	tls_free_datum(&key);
	tls_free_datum(&cert);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(pk);
	return r < 0 ? -EIO : 0;
}

int tls_check_pair(const char *cert_pem, const char *key_pem)
{
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_datum_t cert = {
		.data = (unsigned char *)cert_pem,
		.size = (unsigned int)strlen(cert_pem),
	};
	gnutls_datum_t key = {
		.data = (unsigned char *)key_pem,
		.size = (unsigned int)strlen(key_pem),
	};
	int r;

	r = gnutls_certificate_allocate_credentials(&cred);
	if (r < 0)
		return -ENOMEM;

	/* Parses both and refuses a key that does not fit. */
	r = gnutls_certificate_set_x509_key_mem(cred, &cert, &key,
						GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cred);
	if (r < 0) {
		log_err("Certificate and key are not a usable pair: %s",
			gnutls_strerror(r));
		return -EBADMSG;
	}

	return 0;
}

/* Reads a whole PEM file; -ENOENT when it is not there. */
static int tls_read_file(const char *path, char **out)
{
	char *buf;
	size_t n;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;

	buf = malloc(TLS_PEM_MAX + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}

	n = fread(buf, 1, TLS_PEM_MAX + 1, f);
	fclose(f);

	if (n == 0 || n > TLS_PEM_MAX) {
		free(buf);
		return n ? -EFBIG : -ENODATA;
	}

	buf[n] = '\0';
	*out = buf;
	return 0;
}

static int tls_load_pair(struct tls_creds *creds, const char *cert_file,
			 const char *key_file)
{
	int r;

	r = tls_read_file(cert_file, &creds->cert_pem);
	if (r < 0) {
		log_err("Failed to read %s: %s", cert_file, strerror(-r));
		return r;
	}

	r = tls_read_file(key_file, &creds->key_pem);
	if (r < 0) {
		log_err("Failed to read %s: %s", key_file, strerror(-r));
		return r;
	}

	return tls_check_pair(creds->cert_pem, creds->key_pem);
}

/* Key first: a crash before the certificate is written leaves no pair. */
static int tls_create(struct tls_creds *creds, const char *cert_path,
		      const char *key_path, const char *address)
{
	int r;

	r = tls_generate(address, &creds->cert_pem, &creds->key_pem);
	if (r < 0)
		return r;

	r = auth_file_write(key_path, creds->key_pem,
			    strlen(creds->key_pem), 0600);
	if (r < 0) {
		log_err("Failed to write %s: %s", key_path, strerror(-r));
		return r;
	}

	r = auth_file_write(cert_path, creds->cert_pem,
			    strlen(creds->cert_pem), 0644);
	if (r < 0) {
		log_err("Failed to write %s: %s", cert_path, strerror(-r));
		return r;
	}

	log_notice("Generated the device certificate %s", cert_path);
	return 0;
}

static int tls_device_pair(struct tls_creds *creds, const char *state_dir,
			   const char *address)
{
	char *cert_path, *key_path;
	bool have_cert, have_key;
	struct stat st;
	int r;

	cert_path = daemon_path(state_dir, TLS_CERT_FILE);
	key_path = daemon_path(state_dir, TLS_KEY_FILE);
	if (!cert_path || !key_path) {
		r = -ENOMEM;
		goto out;
	}

	have_cert = access(cert_path, F_OK) == 0;
	have_key = stat(key_path, &st) == 0;

	/*
	 * Only a complete pair was ever served; a lone file is what a
	 * first start that died half way leaves, so start over.
	 */
	if (!have_cert || !have_key) {
		r = tls_create(creds, cert_path, key_path, address);
		goto out;
	}

	if (st.st_mode & 077) {
		log_warning("%s was readable by others; making it 0600",
			    key_path);
		if (chmod(key_path, 0600) < 0)
			log_warning("Failed to chmod %s: %m", key_path);
	}

	r = tls_load_pair(creds, cert_path, key_path);
	if (r == -EBADMSG)
		log_err("Remove %s and %s to get a new device certificate",
			cert_path, key_path);

out:
	free(cert_path);
	free(key_path);
	return r;
}

int tls_creds_load(struct tls_creds *creds, const char *state_dir,
		   const char *cert_file, const char *key_file,
		   const char *address)
{
	int r;

	memset(creds, 0, sizeof(*creds));

	if (!cert_file != !key_file) {
		log_err("--cert and --key go together");
		return -EINVAL;
	}

	if (cert_file)
		r = tls_load_pair(creds, cert_file, key_file);
	else
		r = tls_device_pair(creds, state_dir, address);

	if (r < 0)
		tls_creds_clear(creds);

	return r;
}

void tls_creds_clear(struct tls_creds *creds)
{
	if (creds->key_pem)
		gnutls_memset(creds->key_pem, 0, strlen(creds->key_pem));
	free(creds->key_pem);
	free(creds->cert_pem);
	memset(creds, 0, sizeof(*creds));
}
