/* hsmca — the issuing pipeline shared by `selfsign` and `sign` (DESIGN.md
 * "Issuing a certificate", steps 3, 4, 6 and 7; steps 1, 2 and 5 are the
 * command's).
 *
 *   issue_prepare()  serial (random, unique), build from the profile, lint
 *   issue_sign()     sign with the CA key (may touch the token), verify the
 *                    signature with the CA certificate's public key
 *   issue_commit()   record a batch: index.txt lines appended in one write +
 *                    fsync, then newcerts/SERIAL.pem;
 *                    the caller hands certificates out only after this
 *
 * A job that fails keeps its error in job->err and is skipped by later
 * steps, so that one bad request in a batch leaves the others' results
 * intact.  Nothing here prints.
 */
#ifndef HSMCA_ISSUE_H
#define HSMCA_ISSUE_H

#include <stdbool.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "hsmca/cadir.h"
#include "hsmca/db.h"
#include "hsmca/err.h"
#include "hsmca/serial.h"
#include "hsmca/stripe.h"
#include "hsmca/x509build.h"

struct hsmca_issue_job {
	const char *name;               /* request file, for messages */
	struct hsmca_issue in;          /* filled by the command; serial by
	                                 * issue_prepare() */
	const gnutls_x509_crt_t *chain; /* in.issuer's own issuers, nearest
	                                 * first (borrowed; NULL: none): their
	                                 * nameConstraints are checked too */
	size_t n_chain;
	unsigned char serial[SERIAL_OCTETS];
	char serial_hex[2 * SERIAL_OCTETS + 1];
	gnutls_x509_crt_t crt;          /* to-be-signed, then signed */
	bool signed_ok;                 /* issue_sign() succeeded */
	bool committed;                 /* issue_commit() recorded it */
	struct hsmca_warnings w;
	struct hsmca_error err;         /* err.code != 0: this job failed */
};

/* The CSPRNG for serials (gnutls_rnd, GNUTLS_RND_NONCE). */
int issue_rng(void *ctx, unsigned char *buf, size_t len);

/* Draw a serial unique in db (db may be NULL for a dry run without a
 * database) into job->serial and job->in.serial.  Not thread-safe (db). */
int issue_reserve(struct hsmca_db *db, struct hsmca_issue_job *job);

/* Build the to-be-signed certificate from job->in (serial reserved) and
 * lint it against job->in.profile and the issuer, then check its names
 * against the nameConstraints of the issuer and job->chain
 * (hsmca/nameconst.h).  Skips a job that failed already.  Touches only job
 * and what it points to (read-only): jobs whose GnuTLS objects are not
 * shared may be built on different threads.  On failure job->err is set
 * and its code returned.  Never touches the token. */
int issue_build(struct hsmca_issue_job *job);

/* issue_reserve() then issue_build(). */
int issue_prepare(struct hsmca_db *db, struct hsmca_issue_job *job);

/* How the CA key signs. */
struct hsmca_sig {
	const char *hash;               /* "sha256" | "sha384" | "sha512" */
	bool rsa_pss;                   /* RSASSA-PSS (an RSA key only) */
};

/* The signature for a CA key of algorithm pk (bits), in this order:
 *   hash     opt_hash (--hash), else prof->hash, else conf->hash
 *            ([defaults] hash), else the key's: issue_pick_hash();
 *   rsa_pss  opt_pss (--rsa-pss), else the profile's rsa_pss, else
 *            hsmca.conf's, else no.  A profile or hsmca.conf that asks
 *            for it is ignored for a key that is not RSA (profiles are
 *            shared by CAs of every key type); --rsa-pss with such a key is
 *            HSMCA_E_USAGE.
 * prof and conf may be NULL.  Static strings in *out. */
int issue_pick_sig(const char *opt_hash, bool opt_pss,
    const struct hsmca_profile *prof, const struct hsmca_cadir *conf,
    gnutls_pk_algorithm_t pk, unsigned bits, struct hsmca_sig *out,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Sign job->crt with key (pub: its public half, or NULL; issuer NULL:
 * self-signed) as sig says, then check the signature with the issuer's
 * public key.  Skips failed jobs. */
int issue_sign(struct hsmca_issue_job *job, gnutls_x509_crt_t issuer,
    gnutls_privkey_t key, gnutls_pubkey_t pub, const struct hsmca_sig *sig);

/* One signer of a batch: the CA key opened once more (its own PKCS#11
 * session), its public half, and a private copy of the issuer certificate:
 * GnuTLS objects are not shared between threads. */
#define ISSUE_MAX_SIGNERS STRIPE_MAX

struct hsmca_issue_signer {
	gnutls_privkey_t key;
	gnutls_pubkey_t pub;
	gnutls_x509_crt_t issuer;       /* NULL: self-signed */
};

/* issue_sign() for every job of jobs[0..n), with n_signers signers at once
 * (one thread each, jobs dealt in turn; 1: no thread).  The token signs in
 * one session while GnuTLS checks the last signature in the other: on a
 * software token with two cores a batch goes about half again as fast. */
void issue_sign_all(struct hsmca_issue_job *jobs, size_t n,
    const struct hsmca_issue_signer *signers, size_t n_signers,
    const struct hsmca_sig *sig);

/* Who signed, for the audit records of a batch. */
struct hsmca_issue_audit {
	const char *op;                 /* "sign" or "selfsign" */
	const char *key_uri;
	const char *token_serial;
	const char *profile;            /* the profile's path */
	const char *renews;             /* renew: the serial renewed, or NULL */
	time_t now;
};

/* Record every signed job of jobs[0..n) in db (DB_WRITE): the audit
 * records first (one append, hsmca/audit.h: the journal), then one append
 * of all index lines, then each newcerts file (one directory fsync).  The
 * serial file is openssl ca's sequence: hsmca draws random serials and
 * leaves it alone (init makes one if missing, as -create_serial would).  Returns 0 or the error of an
 * append (then no job is committed: when the index append fails after the
 * audit append, "abandon" records cancel the batch at once).  A newcerts
 * write that fails after the index append marks only that job failed (the
 * next writer restores the file from the audit log). */
int issue_commit(struct hsmca_db *db, struct hsmca_issue_job *jobs,
    size_t n, const struct hsmca_issue_audit *a, struct hsmca_error *err)
	HSMCA_MUST_CHECK;

/* The hash to sign with: hash if given, else the profile's, else by the CA
 * key: sha512 for P-521, sha384 for P-384, sha256 otherwise.  Static. */
const char *issue_pick_hash(const char *hash, const char *profile_hash,
    gnutls_pk_algorithm_t pk, unsigned bits);

void issue_job_clear(struct hsmca_issue_job *job);

#endif /* HSMCA_ISSUE_H */
