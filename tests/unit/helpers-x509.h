/* Fixtures shared by the check-x509build-*.c suites (certificates,
 * extensions, signing, requests): fixture keys and requests from
 * tests/fixtures/, the root and server profiles the tests start from, a
 * self-signed root and a leaf built the way `hsmca sign` builds them, the
 * fixed clock and serials, and openssl as the independent reader.  Every
 * function asserts (Check) instead of returning errors. */
#ifndef HSMCA_TEST_HELPERS_X509_H
#define HSMCA_TEST_HELPERS_X509_H

#include <stddef.h>
#include <time.h>

#include <check.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "hsmca/profile.h"
#include "hsmca/x509build.h"

#define XT_NOW ((time_t)1767225600)       /* 2026-01-01T00:00:00Z */

/* The serial of every leaf (and intermediate) the tests build. */
extern const unsigned char xt_serial_b[20];

/* A test case named name with a checked fixture that gives each test a
 * fresh temporary directory, xt_dir(), and a 60 s timeout (RSA keys and
 * openssl runs take a while). */
TCase *xt_tcase(const char *name);
const char *xt_dir(void);

/* $HSMCA_SRCDIR/tests/fixtures/rel (malloc'ed), and its bytes (malloc'ed,
 * length in *len). */
char *xt_fixture_path(const char *rel);
char *xt_fixture(const char *rel, size_t *len);

/* The private key tests/fixtures/golden/name.key, and a new public key
 * holding k's public half. */
gnutls_privkey_t xt_key(const char *name);
gnutls_pubkey_t xt_pub_of(gnutls_privkey_t k);

/* tests/fixtures/csr/name loaded (and its signature checked) with
 * x509_load_csr(). */
gnutls_x509_crq_t xt_csr(const char *name);

/* ISRG Root X2's shape (root) and a TLS server leaf taking its SAN from the
 * request (server), as plain structs without a profile file. */
void xt_profile_root(struct hsmca_profile *p);
void xt_profile_server(struct hsmca_profile *p);

/* A self-signed root "CN=Test Root X2,O=Example Trust,C=US" with key and
 * profile p: built, linted, signed with p->hash and re-verified. */
gnutls_x509_crt_t xt_make_root(gnutls_privkey_t key,
    const struct hsmca_profile *p);

/* x509_build_cert() of a leaf from request q under issuer (NULL:
 * self-signed) with serial xt_serial_b at XT_NOW; its result. */
int xt_build_leaf(const struct hsmca_profile *p, gnutls_x509_crq_t q,
    gnutls_x509_crt_t issuer, const struct hsmca_gn_list *san,
    gnutls_x509_crt_t *out, struct hsmca_warnings *w, struct hsmca_error *err);

/* c as PEM in xt_dir()/name; returns the malloc'ed path. */
char *xt_write_crt(gnutls_x509_crt_t c, const char *name);

/* Run a shell command; returns its output (malloc'ed), *status its exit
 * status. */
char *xt_run(const char *cmd, int *status);

/* `openssl x509 -text` of the certificate file at path (malloc'ed). */
char *xt_openssl_text(const char *path);

/* openssl verify, a day after XT_NOW, of leaf against root with the
 * intermediates in untrusted (may be NULL) must say OK. */
void xt_openssl_verify_ok(const char *root, const char *untrusted,
    const char *leaf);

/* Compare text with tests/fixtures/golden/name (HSMCA_UPDATE_GOLDEN=1
 * rewrites it). */
void xt_golden(const char *name, const char *text);

#endif
