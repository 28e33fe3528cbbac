/* see hsmca/issue.h */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "hsmca/issue.h"
#include "hsmca/lint.h"

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
issue_prepare(struct hsmca_db *db, struct hsmca_issue_job *job)
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
	if ((r = x509_build_cert(&job->in, &job->crt, &job->w, &job->err)) != 0)
		goto fail;
	if ((r = lint_cert(job->crt, job->in.profile, job->in.issuer, &job->w,
	    &job->err)) != 0)
		goto fail;
	return 0;
fail:
	if (job->name != NULL)
		hsmca_error_prefix(&job->err, "%s", job->name);
	return r;
}

int
issue_sign(struct hsmca_issue_job *job, gnutls_x509_crt_t issuer,
    gnutls_privkey_t key, const char *hash)
{
	int r;

	if (job->err.code != 0)
		return job->err.code;
	r = x509_sign_cert(job->crt, issuer, key, hash, &job->err);
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

/* "last serial + 1" for the serial file, as openssl ca leaves it: hex is
 * 2 * SERIAL_OCTETS upper-case digits; out holds 2 * SERIAL_OCTETS + 3. */
static void
next_serial_hex(const char *hex, char *out)
{
	unsigned char b[SERIAL_OCTETS];
	size_t i, n = strlen(hex) / 2, o = 0;
	unsigned v;
	bool carry = true;

	if (n > SERIAL_OCTETS)
		n = SERIAL_OCTETS;
	for (i = 0; i < n; i++) {
		sscanf(hex + 2 * i, "%2x", &v);
		b[i] = (unsigned char)v;
	}
	for (i = n; i > 0 && carry; i--)
		carry = ++b[i - 1] == 0;
	if (carry)
		o += (size_t)sprintf(out, "01");
	for (i = 0; i < n; i++)
		o += (size_t)sprintf(out + o, "%02X", b[i]);
}

int
issue_commit(struct hsmca_db *db, struct hsmca_issue_job *jobs, size_t n,
    struct hsmca_error *err)
{
	struct hsmca_db_entry *entries = calloc(n ? n : 1, sizeof(*entries));
	char (*expiry)[16] = calloc(n ? n : 1, sizeof(*expiry));
	char next[2 * SERIAL_OCTETS + 3];
	const char *last = NULL;
	size_t i, m = 0;
	int r = 0;

	if (entries == NULL || expiry == NULL) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (jobs[i].signed_ok && fill_entry(&jobs[i], &entries[m],
		    expiry[m]) == 0)
			m++;
	if (m == 0)
		goto out;
	if ((r = db_append(db, entries, m, err)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		gnutls_datum_t pem = { NULL, 0 };

		if (!jobs[i].signed_ok || jobs[i].err.code != 0)
			continue;
		if (x509_export_pem(jobs[i].crt, &pem, &jobs[i].err) == 0 &&
		    db_write_newcert(db, jobs[i].serial_hex, pem.data, pem.size,
		    &jobs[i].err) == 0) {
			jobs[i].committed = true;
			last = jobs[i].serial_hex;
		}
		gnutls_free(pem.data);
	}
	if (last != NULL) {
		next_serial_hex(last, next);
		r = db_set_next_serial(db, next, err);
	}
out:
	for (i = 0; i < m; i++)
		free(entries[i].subject);
	free(entries);
	free(expiry);
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

void
issue_job_clear(struct hsmca_issue_job *job)
{
	if (job->crt != NULL)
		gnutls_x509_crt_deinit(job->crt);
	job->crt = NULL;
	hsmca_warnings_clear(&job->w);
}
