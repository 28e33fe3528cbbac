/* hsmca — the CA directory's configuration (DIR/hsmca.conf) and layout.
 *
 * The layout is OpenSSL's (DESIGN.md "The CA directory"): certs/, newcerts/,
 * crl/, index.txt, index.txt.attr, serial, crlnumber, plus hsmca.conf:
 *
 *   # written by hsmca init; hsmca-profile(5) style INI
 *   [ca]
 *   key = pkcs11:...;object=root;type=private    the CA key's full URI
 *   module = softhsm2                            the module that holds it:
 *                                                its p11-kit name, or path
 *   certificate = certs/ca.crt                   relative to DIR
 *   chain = certs/chain.crt                      the issuers up to the root
 *                                                (absent for a root CA)
 *   [defaults]
 *   crl_days = 30                                nextUpdate of gencrl
 *   lock_timeout = 30                            seconds to wait for the lock
 *   hash = sha512                                the signature hash (below a
 *                                                profile's, above the key's)
 *   rsa_pss = yes                                an RSA CA key signs
 *                                                RSASSA-PSS (default no)
 *
 * The parser is strict (unknown sections and keys are errors naming
 * hsmca.conf:LINE).  libc only, plus the ini lexer and fileio.
 */
#ifndef HSMCA_CADIR_H
#define HSMCA_CADIR_H

#include <stdbool.h>

#include "hsmca/err.h"

#define CADIR_CONF "hsmca.conf"
#define CADIR_CERT_DEFAULT "certs/ca.crt"
#define CADIR_CHAIN_DEFAULT "certs/chain.crt"

struct hsmca_cadir {
	char *dir;          /* as given, without trailing '/' */
	char *key_uri;      /* the CA key's URI */
	char *module;       /* its module (name or path), NULL: not recorded */
	char *cert;         /* relative to dir, e.g. "certs/ca.crt" */
	char *chain;        /* relative to dir, or NULL for a root */
	unsigned crl_days;  /* default 30 */
	unsigned lock_timeout;  /* default 30 */
	char *hash;         /* "sha256" | "sha384" | "sha512", NULL: not set */
	bool rsa_pss_given; /* rsa_pss = yes|no was given */
	bool rsa_pss;
};

/* Read and check DIR/hsmca.conf.  Returns 0 and a new *out (cadir_free()),
 * HSMCA_E_NOTFOUND when DIR is not an hsmca CA directory ("DIR: not a CA
 * directory (no hsmca.conf); run hsmca init"), or HSMCA_E_PARSE naming
 * hsmca.conf:LINE. */
int cadir_load(const char *dir, struct hsmca_cadir **out,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Parse hsmca.conf text (for tests and fuzzing); dir is copied to out. */
int cadir_parse(const char *dir, const char *buf, size_t len,
    struct hsmca_cadir **out, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* A new configuration for dir with the given key and the defaults. */
int cadir_new(const char *dir, const char *key_uri, struct hsmca_cadir **out,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Write ca's hsmca.conf atomically. */
int cadir_save(const struct hsmca_cadir *ca, struct hsmca_error *err)
	HSMCA_MUST_CHECK;

/* Create what is missing of the layout in dir (mode 0700 directories):
 * certs/, newcerts/, crl/, an empty index.txt, index.txt.attr with
 * "unique_subject = no" (renewals reuse subjects), crlnumber "01", and an
 * empty .hsmca.lock, and serial holding serial_hex (openssl ca's own
 * sequence, as its -create_serial makes it: hsmca draws random serials and
 * never rewrites it).  An existing file is never changed: an OpenSSL CA
 * directory is adopted without losing a line.  Sets *adopted when
 * index.txt already existed. */
int cadir_make_layout(const char *dir, const char *serial_hex, bool *adopted,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* dir + "/" + rel, malloc'ed (NULL on OOM). */
char *cadir_path(const struct hsmca_cadir *ca, const char *rel);

void cadir_free(struct hsmca_cadir *ca);

#endif /* HSMCA_CADIR_H */
