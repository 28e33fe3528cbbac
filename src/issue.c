/* see hsmca/issue.h */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "hsmca/audit.h"
#include "hsmca/issue.h"
#include "hsmca/lint.h"
#include "hsmca/nameconst.h"
#include "hsmca/stripe.h"
#include "hsmca/testhook.h"

int
issue_rng(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	return gnutls_rnd(GNUTLS_RND_NONCE, buf, len) == 0 ? 0 : -1;
}

/* A fresh serial for a dry run without a database: same properties. */
static int
serial_free_standing(struct hsmca_issue_job *job)
{
	size_t i;

	do {
		if (issue_rng(NULL, job->serial, sizeof(job->serial)) != 0)
			return hsmca_error_set(&job->err, HSMCA_E_CRYPTO,
			    "no random numbers for a serial");
		job->serial[0] &= 0x7f;
	} while (job->serial[0] == 0);
	for (i = 0; i < sizeof(job->serial); i++)
		snprintf(job->serial_hex + 2 * i, 3, "%02X", job->serial[i]);
	return 0;
}

int
issue_reserve(struct hsmca_db *db, struct hsmca_issue_job *job)
{
	int r;

	if (db != NULL)
		r = serial_new(db, issue_rng, NULL, job->serial,
		    job->serial_hex, &job->err);
	else
		r = serial_free_standing(job);
	if (r != 0)
		return r;
	job->in.serial = job->serial;
	job->in.serial_len = sizeof(job->serial);
	return 0;
}

int
issue_build(struct hsmca_issue_job *job)
{
	int r;

	if (job->err.code != 0)
		return job->err.code;
	if ((r = x509_build_cert(&job->in, &job->crt, &job->w, &job->err)) != 0)
		goto fail;
	if ((r = lint_cert(job->crt, job->in.profile, job->in.issuer, &job->w,
	    &job->err)) != 0)
		goto fail;
	if ((r = nameconst_check(job->crt, job->in.issuer, job->chain,
	    job->n_chain, &job->err)) != 0)
		goto fail;
	return 0;
fail:
	if (job->name != NULL)
		hsmca_error_prefix(&job->err, "%s", job->name);
	return r;
}

int
issue_prepare(struct hsmca_db *db, struct hsmca_issue_job *job)
{
	int r;

	if ((r = issue_reserve(db, job)) != 0)
		return r;
	return issue_build(job);
}

int
issue_sign(struct hsmca_issue_job *job, gnutls_x509_crt_t issuer,
    gnutls_privkey_t key, gnutls_pubkey_t pub, const struct hsmca_sig *sig)
{
	int r;

	if (job->err.code != 0)
		return job->err.code;
	r = x509_sign_cert_pub(job->crt, issuer, key, pub, sig->hash,
	    sig->rsa_pss ? X509_SIGN_RSA_PSS : 0, &job->err);
	if (r == 0)
		r = x509_verify_signed(job->crt, issuer, &job->err);
	if (r != 0) {
		if (job->name != NULL)
			hsmca_error_prefix(&job->err, "%s", job->name);
		return r;
	}
	job->signed_ok = true;
	return 0;
}

struct sign_share {
	struct hsmca_issue_job *jobs;
	size_t n;
	const struct hsmca_issue_signer *signers;
	size_t n_signers;
	const struct hsmca_sig *sig;
};

/* Worker t signs every n_signers-th job, from job t, with signer t. */
static void
sign_share(void *arg, size_t t)
{
	const struct sign_share *sh = arg;
	const struct hsmca_issue_signer *s = &sh->signers[t];
	size_t i;

	for (i = t; i < sh->n; i += sh->n_signers)
		(void)issue_sign(&sh->jobs[i], s->issuer, s->key, s->pub,
		    sh->sig);
}

void
issue_sign_all(struct hsmca_issue_job *jobs, size_t n,
    const struct hsmca_issue_signer *signers, size_t n_signers,
    const struct hsmca_sig *sig)
{
	struct sign_share sh = { jobs, n, signers, n_signers, sig };

	if (sh.n_signers > ISSUE_MAX_SIGNERS)
		sh.n_signers = ISSUE_MAX_SIGNERS;
	stripe_run(sh.n_signers, sign_share, &sh);
}

static int
fill_entry(struct hsmca_issue_job *job, struct hsmca_db_entry *e,
    char *expiry)
{
	time_t not_after;
	char *hex = NULL;
	int r;

	r = x509_db_fields(job->crt, &hex, &not_after, &e->subject, &job->err);
	if (r != 0)
		return r;
	if (strcmp(hex, job->serial_hex) != 0)
		r = hsmca_error_set(&job->err, HSMCA_E_INTERNAL, "serial %s "
		    "became %s", job->serial_hex, hex);
	free(hex);
	if (r != 0) {
		free(e->subject);
		e->subject = NULL;
		return r;
	}
	db_format_time(not_after, expiry);
	e->status = 'V';
	e->expiry = expiry;
	e->revoked = NULL;
	e->reason = NULL;
	e->serial = job->serial_hex;
	e->file = (char *)"unknown";
	return 0;
}

/* The audit record of a job whose index entry is e; strings are malloc'ed
 * into hold[0..4) for the caller to free. */
static int
audit_rec(const struct hsmca_issue_job *job, const struct hsmca_db_entry *e,
    const struct hsmca_issue_audit *a, struct hsmca_audit_rec *rec,
    char *hold[4], char sums[2][65])
{
	gnutls_datum_t der = { NULL, 0 }, b64 = { NULL, 0 };
	int r = HSMCA_E_CRYPTO;

	memset(rec, 0, sizeof(*rec));
	rec->op = a->op;
	rec->key_uri = a->key_uri;
	rec->token_serial = a->token_serial;
	rec->profile = a->profile;
	rec->renews = a->renews;
	rec->serial = e->serial;
	rec->subject = e->subject;
	rec->expiry = e->expiry;
	if (job->in.csr != NULL) {
		if (gnutls_x509_crq_export2(job->in.csr, GNUTLS_X509_FMT_DER,
		    &der) != 0 || audit_sha256_hex(der.data, der.size,
		    sums[0]) != 0)
			goto out;
		rec->csr_sha256 = sums[0];
		gnutls_free(der.data);
		der.data = NULL;
	}
	if (gnutls_x509_crt_export2(job->crt, GNUTLS_X509_FMT_DER, &der) != 0 ||
	    audit_sha256_hex(der.data, der.size, sums[1]) != 0 ||
	    gnutls_base64_encode2(&der, &b64) != 0)
		goto out;
	rec->cert_sha256 = sums[1];
	hold[0] = strndup((const char *)b64.data, b64.size);
	rec->cert_der_b64 = hold[0];
	r = hold[0] ? 0 : HSMCA_E_NOMEM;
out:
	gnutls_free(der.data);
	gnutls_free(b64.data);
	return r;
}

/* Write the audit records of the m entries (jobs[idx[k]] for entries[k]). */
static int
audit_batch(struct hsmca_db *db, struct hsmca_issue_job *jobs,
    const size_t *idx, const struct hsmca_db_entry *entries, size_t m,
    const struct hsmca_issue_audit *a, struct hsmca_error *err)
{
	struct hsmca_audit_rec *recs = calloc(m, sizeof(*recs));
	char (*sums)[2][65] = calloc(m, sizeof(*sums));
	char **hold = calloc(4 * m, sizeof(*hold));
	size_t k;
	int r = 0;

	if (recs == NULL || sums == NULL || hold == NULL)
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	for (k = 0; k < m && r == 0; k++)
		if (audit_rec(&jobs[idx[k]], &entries[k], a, &recs[k],
		    &hold[4 * k], sums[k]) != 0)
			r = hsmca_error_set(err, HSMCA_E_CRYPTO, "%s: cannot "
			    "record the certificate", entries[k].serial);
	if (r == 0)
		r = audit_append(db_dir(db), recs, m, a->now, err);
	for (k = 0; hold != NULL && k < 4 * m; k++)
		free(hold[k]);
	free(hold);
	free(sums);
	free(recs);
	return r;
}

/* The index append failed after the audit records were written: cancel
 * them now rather than leave them to the next writer's recovery. */
static void
audit_abandon(struct hsmca_db *db, time_t now, struct hsmca_warnings *w)
{
	struct hsmca_error err = { 0 };

	if (audit_recover(db, now, w, &err) != 0)
		hsmca_warn(w, "%s", err.msg);
}

int
issue_commit(struct hsmca_db *db, struct hsmca_issue_job *jobs, size_t n,
    const struct hsmca_issue_audit *a, struct hsmca_error *err)
{
	struct hsmca_db_entry *entries = calloc(n ? n : 1, sizeof(*entries));
	char (*expiry)[16] = calloc(n ? n : 1, sizeof(*expiry));
	size_t *idx = calloc(n ? n : 1, sizeof(*idx));
	bool any = false;
	size_t i, m = 0;
	int r = 0;

	if (entries == NULL || expiry == NULL || idx == NULL) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (jobs[i].signed_ok && fill_entry(&jobs[i], &entries[m],
		    expiry[m]) == 0)
			idx[m++] = i;
	if (m == 0)
		goto out;
	testhook_point("before-audit");
	if ((r = audit_batch(db, jobs, idx, entries, m, a, err)) != 0)
		goto out;
	testhook_point("after-audit");
	if ((r = db_append(db, entries, m, err)) != 0) {
		audit_abandon(db, a->now, &jobs[0].w);
		goto out;
	}
	testhook_point("after-index");
	for (i = 0; i < n; i++) {
		gnutls_datum_t pem = { NULL, 0 };

		if (!jobs[i].signed_ok || jobs[i].err.code != 0)
			continue;
		if (x509_export_pem(jobs[i].crt, &pem, &jobs[i].err) == 0 &&
		    db_write_newcert(db, jobs[i].serial_hex, pem.data, pem.size,
		    &jobs[i].err) == 0) {
			jobs[i].committed = true;
			any = true;
		}
		gnutls_free(pem.data);
		testhook_point(i == 0 ? "after-newcert" : "after-newcert-2");
	}
	if (any)
		r = db_sync_newcerts(db, err);
	testhook_point("after-newcerts");
	if (r == 0)
		r = audit_mark_settled(db_dir(db), err);
out:
	for (i = 0; i < m; i++)
		free(entries[i].subject);
	free(entries);
	free(expiry);
	free(idx);
	return r;
}

const char *
issue_pick_hash(const char *hash, const char *profile_hash,
    gnutls_pk_algorithm_t pk, unsigned bits)
{
	if (hash != NULL)
		return hash;
	if (profile_hash != NULL)
		return profile_hash;
	if (pk == GNUTLS_PK_ECDSA && bits >= 521)
		return "sha512";
	if (pk == GNUTLS_PK_ECDSA && bits >= 384)
		return "sha384";
	return "sha256";
}

int
issue_pick_sig(const char *opt_hash, bool opt_pss,
    const struct hsmca_profile *prof, const struct hsmca_cadir *conf,
    gnutls_pk_algorithm_t pk, unsigned bits, struct hsmca_sig *out,
    struct hsmca_error *err)
{
	const char *hash = opt_hash;
	bool pss = false;

	if (hash == NULL && prof != NULL)
		hash = prof->hash;
	if (hash == NULL && conf != NULL)
		hash = conf->hash;
	if (opt_pss && pk != GNUTLS_PK_RSA)
		return hsmca_error_set(err, HSMCA_E_USAGE, "--rsa-pss: the CA "
		    "key is %s, not RSA", gnutls_pk_get_name(pk));
	if (opt_pss)
		pss = true;
	else if (prof != NULL && prof->rsa_pss_given)
		pss = prof->rsa_pss;
	else if (conf != NULL && conf->rsa_pss_given)
		pss = conf->rsa_pss;
	out->hash = issue_pick_hash(hash, NULL, pk, bits);
	out->rsa_pss = pss && pk == GNUTLS_PK_RSA;
	return 0;
}

void
issue_job_clear(struct hsmca_issue_job *job)
{
	if (job->crt != NULL)
		gnutls_x509_crt_deinit(job->crt);
	job->crt = NULL;
	hsmca_warnings_clear(&job->w);
}
