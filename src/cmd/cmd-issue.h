/* What the commands that issue certificates share (sign, renew; selfsign
 * and gencrl take the signature options): the signature and validity
 * options, and steps 5 to 7 of DESIGN.md "Issuing a certificate" — show
 * and confirm, log in, sign and verify, record.  Command layer: may print.
 */
#ifndef HSMCA_CMD_ISSUE_H
#define HSMCA_CMD_ISSUE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "hsmca/ca.h"
#include "hsmca/cli.h"
#include "hsmca/issue.h"
#include "hsmca/profile.h"

/* Option ids of the shared options: above every command's own, and above
 * the characters getopt returns ('h', '?', ':'). */
enum {
	CMD_O_HASH = 200, CMD_O_RSA_PSS, CMD_O_DAYS, CMD_O_NOT_BEFORE,
	CMD_O_NOT_AFTER,
};

/* Rows for a command's option table: the signature ... */
#define CMD_SIG_OPTS \
	{ "hash", true, CMD_O_HASH, "H", "sha256, sha384 or sha512 (default: " \
	    "profile, hsmca.conf, the CA key)" }, \
	{ "rsa-pss", false, CMD_O_RSA_PSS, NULL, "sign RSASSA-PSS (an RSA " \
	    "CA key)" }
/* ... and the validity. */
#define CMD_VALIDITY_OPTS \
	{ "days", true, CMD_O_DAYS, "N", "validity in days (default: " \
	    "profile)" }, \
	{ "not-before", true, CMD_O_NOT_BEFORE, "TIME", "notBefore, RFC 3339 " \
	    "(default: now)" }, \
	{ "not-after", true, CMD_O_NOT_AFTER, "TIME", "notAfter, RFC 3339 " \
	    "(instead of --days)" }

struct cmd_sign_opts {
	const char *hash;       /* --hash (checked), or NULL */
	bool rsa_pss;           /* --rsa-pss */
	unsigned long days;     /* --days, 0: the profile's */
	time_t not_before;      /* --not-before, 0: now */
	time_t not_after;       /* --not-after, 0: from days */
};

/* Take option c (one of CMD_O_*) with its argument into o.  Returns 0, 1
 * when c is not one of them, or HSMCA_E_USAGE with err naming the option. */
int cmd_sign_opt(struct cmd_sign_opts *o, int c, const char *arg,
    struct hsmca_error *err);

/* After parsing: --days and --not-after exclude each other.  Returns 0 or
 * the usage error's exit status (printed for desc). */
int cmd_sign_opts_check(const struct cmd_sign_opts *o,
    const struct cli_desc *desc);

/* Copy days and the dates into in. */
void cmd_sign_opts_apply(const struct cmd_sign_opts *o,
    struct hsmca_issue *in);

/* A worker's private copy of what preparing a certificate reads of the CA:
 * its certificate, the certificate's public key and the chain above it
 * (GnuTLS objects are not shared between threads). */
struct cmd_issuer_copy {
	gnutls_x509_crt_t cert;
	gnutls_pubkey_t pub;
	gnutls_x509_crt_t *chain;
	size_t n_chain;
};

/* Fill c from ca.  Returns 0, or -1 with c empty (out of memory). */
int cmd_issuer_copy(const struct hsmca_ca *ca, struct cmd_issuer_copy *c)
	HSMCA_MUST_CHECK;
void cmd_issuer_copy_free(struct cmd_issuer_copy *c);

/* One run of steps 5-7. */
struct cmd_issue_run {
	const struct hsmca_profile *prof;
	const struct cmd_sign_opts *so;  /* hash and rsa_pss */
	const char *renews;     /* renew: the serial renewed, for the audit
	                         * record; NULL for sign */
	bool dry_run;
};

/* For jobs[0..n) prepared with issue_prepare() in ca (opened with
 * CA_NEED_CERT | CA_DB_WRITE): show them and ask once (--dry-run: print
 * them and stop), log in to the CA key, choose the signature
 * (issue_pick_sig()), sign and verify every job without an error, and
 * record the signed ones (issue_commit(), audit op "sign").  Returns 0 when
 * that was done (a job's own failure stays in its err), else the error.
 * Touches the token; may prompt. */
int cmd_issue_jobs(const struct hsmca_ctx *ctx, struct hsmca_ca *ca,
    const struct cmd_issue_run *run, struct hsmca_issue_job *jobs, size_t n,
    struct hsmca_warnings *w, struct hsmca_error *err) HSMCA_MUST_CHECK;

#endif
