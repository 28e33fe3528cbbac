/* hsmca — one CA directory opened for a command: its configuration, its
 * database (locked), its certificate and chain, and — only when a
 * signature is about to be made — its token key.
 *
 * The split between ca_open() and ca_login() is what lets `sign` refuse a
 * bad request before the token is touched (DESIGN.md "Issuing", first
 * line): everything that can be checked without the key is checked first.
 */
#ifndef HSMCA_CA_H
#define HSMCA_CA_H

#include <stdbool.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "hsmca/cadir.h"
#include "hsmca/db.h"
#include "hsmca/err.h"
#include "hsmca/token.h"

struct hsmca_ca {
	struct hsmca_cadir *conf;
	struct hsmca_db *db;            /* NULL unless ca_open() was asked */
	gnutls_x509_crt_t cert;         /* NULL before the CA has one */
	gnutls_x509_crt_t *chain;       /* issuers, nearest first */
	size_t n_chain;
	struct hsmca_token *tok;        /* after ca_login() */
	gnutls_privkey_t key;
	gnutls_pubkey_t pub;
	struct hsmca_key_info info;
};

enum {
	CA_NEED_CERT = 1 << 0,  /* the CA must have its certificate */
	CA_DB_READ = 1 << 1,    /* open the database with a shared lock */
	CA_DB_WRITE = 1 << 2,   /* open it with the exclusive lock */
};

/* Open the CA directory dir: hsmca.conf, the certificate and chain when
 * present (CA_NEED_CERT makes a missing one an error), the database as
 * flags say.  With CA_DB_WRITE, index.txt, audit.log and .hsmca-settled
 * must not be symbolic links (ca_check_records()), and what a crashed
 * command left unfinished is settled first (audit_recover(),
 * hsmca/audit.h), with a warning in w for each record.  Does not touch the token.  Returns 0 and *out (ca_close()),
 * or an HSMCA_E_* code with err naming the file at fault. */
int ca_open(const char *dir, int flags, struct hsmca_warnings *w,
    struct hsmca_ca **out, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* May the CA directory files names[0..n) (relative to the directory; NULL
 * entries skipped) be written?  Each must be a regular file or missing: a
 * symbolic link planted in place of one is refused (fileio_check_record),
 * so that a command stops before the token signs rather than half-way
 * through its writes.  ca_open(CA_DB_WRITE) checks index.txt, audit.log
 * and .hsmca-settled; a command checks the other files it will write.
 * Returns 0 or HSMCA_E_IO naming the file. */
int ca_check_records(const struct hsmca_ca *ca, const char *const *names,
    size_t n, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Open the token session and the CA's key (one login).  The module loaded
 * is module (--module) if given, else the CA directory's own (hsmca.conf's
 * module), else module_env ($HSMCA_MODULE), else p11-kit's registry.  When
 * the CA has a certificate, its public key must be the token key's: a
 * mismatch is HSMCA_E_VERIFY naming both.  w collects PIN and module
 * warnings. */
int ca_login(struct hsmca_ca *ca, const char *module, const char *module_env,
    const char *pin_file, struct hsmca_warnings *w, struct hsmca_error *err)
    HSMCA_MUST_CHECK;

/* Do two public keys have the same SubjectPublicKeyInfo?  1 yes, 0 no,
 * negative HSMCA_E_CRYPTO when one cannot be exported. */
int ca_same_pubkey(gnutls_pubkey_t a, gnutls_pubkey_t b,
    struct hsmca_error *err);

/* Read a whole file of at most max bytes (fileio_read with the name in the
 * message); "-" reads standard input. */
int ca_read_input(const char *path, size_t max, unsigned char **buf,
    size_t *len, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Load a chain file (PEM, one or more certificates) into *list and *n. */
int ca_load_chain_file(const char *path, gnutls_x509_crt_t **list, size_t *n,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Release the key, the token session, the database lock and everything
 * else.  NULL is fine. */
void ca_close(struct hsmca_ca *ca);

#endif /* HSMCA_CA_H */
