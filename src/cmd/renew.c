/* hsmca renew: a new certificate for the subject, subjectAltName, public
 * key and profile of one the CA issued, with a new serial, through the same
 * issuing path as sign (build, lint, confirm, sign, verify, record:
 * cmd-issue.h); with --revoke-old the old one is revoked as superseded in
 * the same locked run, once the new one is recorded. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmca/audit.h"
#include "hsmca/ca.h"
#include "hsmca/cmd.h"
#include "hsmca/issue.h"
#include "hsmca/profile.h"
#include "hsmca/serial.h"
#include "hsmca/x509build.h"
#include "cmd-issue.h"
#include "cmd-revoke.h"
#include "cmd-util.h"

enum { O_CA = 1, O_SERIAL, O_CERT, O_PROFILE, O_OUT, O_REVOKE_OLD, O_DRY };

static const struct cli_opt opts[] = {
	{ "ca", true, O_CA, "DIR", "the issuing CA directory" },
	{ "serial", true, O_SERIAL, "HEX", "the certificate to renew" },
	{ "cert", true, O_CERT, "FILE", "the certificate to renew (PEM or DER)" },
	CMD_VALIDITY_OPTS,
	CMD_SIG_OPTS,
	{ "profile", true, O_PROFILE, "P", "profile (default: the one it was "
	    "signed with, from the audit log)" },
	{ "out", true, O_OUT, "FILE", "write the certificate here (default stdout)" },
	{ "revoke-old", false, O_REVOKE_OLD, NULL, "revoke the old certificate "
	    "(superseded)" },
	{ "dry-run", false, O_DRY, NULL, "print what would be signed; stop" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct cli_desc desc = {
	"renew", "--ca DIR (--serial HEX | --cert FILE) [--days N | "
	"--not-after T] [--not-before T] [--hash H] [--rsa-pss] [--profile P] "
	"[--out FILE] [--revoke-old] [--dry-run]",
	"Issue a certificate again: same subject, SAN, key and profile, a new "
	"serial.", opts,
};

struct renew_opts {
	const char *ca, *serial, *cert, *profile, *out;
	struct cmd_sign_opts so;
	bool revoke_old, dry_run;
};

static int
parse_one(void *dest, int c, const char *arg,
    struct hsmca_error *err)
{
	struct renew_opts *o = dest;

	switch (c) {
	case O_CA: o->ca = arg; return 0;
	case O_SERIAL: o->serial = arg; return 0;
	case O_CERT: o->cert = arg; return 0;
	case O_PROFILE: o->profile = arg; return 0;
	case O_OUT: o->out = arg; return 0;
	case O_REVOKE_OLD: o->revoke_old = true; return 0;
	case O_DRY: o->dry_run = true; return 0;
	}
	return cmd_sign_opt(&o->so, c, arg, err) < 0 ? err->code : 0;
}

/* 0 to go on, -1 after --help, or an exit status. */
static int
parse(int argc, char **argv, struct renew_opts *o)
{
	int r;

	if ((r = cli_parse_all(&desc, argc, argv, parse_one, o)) != 0)
		return r;
	if (o->ca == NULL)
		return cli_usage_error(&desc, "--ca DIR is required");
	if ((o->serial == NULL) == (o->cert == NULL))
		return cli_usage_error(&desc, "give exactly one of --serial and "
		    "--cert");
	return cmd_sign_opts_check(&o->so, &desc);
}

/* The CA's own copy of certificate hex (newcerts/HEX.pem), which must be
 * a valid or expired entry of the index, and not the CA's certificate. */
static int
load_old(struct hsmca_ca *ca, const char *hex, gnutls_x509_crt_t *out,
    struct hsmca_error *err)
{
	const struct hsmca_db_entry *e;
	gnutls_pubkey_t a = NULL, b = NULL;
	unsigned char *buf = NULL;
	char *path = NULL;
	size_t len;
	int r;

	if ((r = db_load(ca->db, err)) != 0)
		return r;
	if ((e = db_find_serial(ca->db, hex)) == NULL)
		return hsmca_error_set(err, HSMCA_E_NOTFOUND, "%s/index.txt: "
		    "no certificate with serial %s", ca->conf->dir, hex);
	if (e->status == 'R')
		return hsmca_error_set(err, HSMCA_E_POLICY, "%s: certificate %s "
		    "is revoked: sign a new request instead", ca->conf->dir, hex);
	if (asprintf(&path, "%s/newcerts/%s.pem", ca->conf->dir, hex) < 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	if ((r = ca_read_input(path, X509_MAX_INPUT, &buf, &len, err)) != 0 ||
	    (r = x509_load_crt(path, buf, len, out, err)) != 0)
		goto out;
	if (gnutls_pubkey_init(&a) < 0 || gnutls_pubkey_init(&b) < 0 ||
	    gnutls_pubkey_import_x509(a, *out, 0) < 0 ||
	    gnutls_pubkey_import_x509(b, ca->cert, 0) < 0)
		r = hsmca_error_set(err, HSMCA_E_CRYPTO, "%s: cannot read its "
		    "public key", path);
	else if (ca_same_pubkey(a, b, err) == 1)
		r = hsmca_error_set(err, HSMCA_E_POLICY, "%s: certificate %s "
		    "carries the CA's own key: renew it with 'hsmca selfsign "
		    "--replace' or at its issuer", ca->conf->dir, hex);
	if (r != 0) {
		gnutls_x509_crt_deinit(*out);
		*out = NULL;
	}
out:
	gnutls_pubkey_deinit(a);
	gnutls_pubkey_deinit(b);
	free(buf);
	free(path);
	return r;
}

/* The profile: --profile, else the one the audit log says it was signed
 * with. */
static int
load_profile(const struct renew_opts *o, const char *hex,
    struct hsmca_profile **prof, struct hsmca_error *err)
{
	char *recorded = NULL;
	int r;

	if (o->profile != NULL)
		return profile_load(o->profile, o->ca, prof, err);
	if ((r = audit_issue_profile(o->ca, hex, &recorded, err)) != 0) {
		if (r == HSMCA_E_NOTFOUND)
			hsmca_error_prefix(err, "%s: pass --profile", hex);
		return r;
	}
	r = profile_load(recorded, o->ca, prof, err);
	if (r != 0)
		hsmca_error_prefix(err, "%s: the recorded profile", hex);
	free(recorded);
	return r;
}

static int
run(const struct hsmca_ctx *ctx, const struct renew_opts *o, const char *hex,
    struct hsmca_issue_job *job, struct hsmca_warnings *w,
    struct hsmca_error *err)
{
	struct cmd_issue_run run = { 0 };
	struct hsmca_profile *prof = NULL;
	struct hsmca_ca *ca = NULL;
	gnutls_x509_crt_t old = NULL;
	int r;

	if ((r = ca_open(o->ca, CA_NEED_CERT | CA_DB_WRITE, w, &ca, err)) != 0 ||
	    (r = load_old(ca, hex, &old, err)) != 0 ||
	    (r = load_profile(o, hex, &prof, err)) != 0)
		goto out;
	/* refuse now what the revocation or the index would refuse after
	 * signing: the old certificate is still valid when the new one is
	 * recorded */
	if (o->revoke_old && (r = db_revoke_check(ca->db, hex, "superseded",
	    NULL, err)) != 0)
		goto out;
	if (db_unique_subject(ca->db)) {
		r = hsmca_error_set(err, HSMCA_E_POLICY, "%s/index.txt.attr: "
		    "unique_subject = yes allows one valid certificate per "
		    "subject: set unique_subject = no to renew", o->ca);
		goto out;
	}
	job->in.profile = prof;
	job->in.renew_of = old;
	job->in.issuer = ca->cert;
	job->chain = ca->chain;         /* their nameConstraints, as sign */
	job->n_chain = ca->n_chain;
	job->in.now = ctx->now();
	cmd_sign_opts_apply(&o->so, &job->in);
	if ((r = issue_prepare(ca->db, job)) != 0) {
		*err = job->err;
		goto out;
	}
	cli_print_warnings(ctx, &job->w);
	run.prof = prof;
	run.so = &o->so;
	run.renews = hex;
	run.dry_run = o->dry_run;
	if ((r = cmd_issue_jobs(ctx, ca, &run, job, 1, w, err)) != 0 ||
	    o->dry_run)
		goto out;
	if (!job->committed) {
		*err = job->err;
		r = err->code ? err->code : HSMCA_E_INTERNAL;
		goto out;
	}
	if (o->revoke_old && (r = cmd_revoke_serial(ca->db, hex, "superseded",
	    job->in.now, ctx->now(), w, err)) != 0)
		goto out;
	if ((r = cmd_write_cert(o->out ? o->out : "-", job->crt, CMD_OUT_COPY,
	    err)) != 0)
		goto out;
	cli_info(ctx, "%s: renewed %s as %s%s", o->ca, hex, job->serial_hex,
	    o->revoke_old ? "; the old one is revoked (superseded)" : "");
out:
	if (old != NULL)
		gnutls_x509_crt_deinit(old);
	ca_close(ca);
	profile_free(prof);
	return r;
}

int
cmd_renew(const struct hsmca_ctx *ctx, int argc, char **argv)
{
	struct renew_opts o = { 0 };
	struct hsmca_issue_job job = { 0 };
	struct hsmca_warnings w = { 0 };
	struct hsmca_error err = { 0 };
	char *hex = NULL;
	int r;

	if ((r = parse(argc, argv, &o)) != 0)
		return r < 0 ? HSMCA_EXIT_OK : r;
	if (o.serial != NULL)
		r = serial_normalize(o.serial, &hex, &err);
	else
		r = cmd_cert_serial(o.ca, o.cert, &hex, &err);
	if (r == 0) {
		job.name = hex;
		r = run(ctx, &o, hex, &job, &w, &err);
	}
	cli_print_warnings(ctx, &w);
	cli_print_warnings(ctx, &job.w);
	issue_job_clear(&job);
	free(hex);
	return r == 0 ? HSMCA_EXIT_OK : cli_fail(&err);
}
