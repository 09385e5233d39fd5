/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The HTTPS key and certificate.  Either the admin supplies both
 * (--cert/--key, PEM), or webd keeps its own device certificate in the
 * state directory: generated with GnuTLS at the first start, the key
 * file readable by webd only (0600).
 */
#define TLS_CERT_FILE "webd-cert.pem"
#define TLS_KEY_FILE "webd-key.pem"
#define TLS_VALID_DAYS 3650
/* The DNS name in the device certificate (next to the listen address). */
#define TLS_DEVICE_NAME "deskphone"

struct tls_creds {
	char *cert_pem;		/* NUL-terminated, for libmicrohttpd */
	char *key_pem;
};

/*
 * Loads the admin's pair when @cert_file is set (then @key_file must be
 * too), else the device pair from @state_dir, generating it when
 * neither file is there.  @address (the listen address) goes into the
 * generated certificate's subjectAltName when it is a specific IP.
 * A pair that does not parse or whose key does not fit the certificate
 * is refused with -EBADMSG: nothing is overwritten.
 */
int tls_creds_load(struct tls_creds *creds, const char *state_dir,
		   const char *cert_file, const char *key_file,
		   const char *address);
void tls_creds_clear(struct tls_creds *creds);

/* Generates a self-signed pair in PEM (exposed for the unit test). */
int tls_generate(const char *address, char **cert_pem, char **key_pem);

/* Checks that both parse and belong together. */
int tls_check_pair(const char *cert_pem, const char *key_pem);
