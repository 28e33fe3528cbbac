/* hsmca sign: issue certificates from requests (DESIGN.md "Issuing a
 * certificate").  Everything that can fail without the key fails before
 * the token is touched; several requests share one lock and one login, and
 * one bad request leaves the others' certificates intact. */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsmca/ca.h"
#include "hsmca/cmd.h"
#include "hsmca/issue.h"
#include "hsmca/profile.h"
#include "hsmca/stripe.h"
#include "hsmca/testhook.h"
#include "hsmca/x509build.h"
#include "cmd-issue.h"
#include "cmd-util.h"

enum { O_CA = 1, O_PROFILE, O_CSR, O_SUBJECT, O_SAN, O_OUT, O_OUTDIR,
	O_DRY };

static const struct cli_opt opts[] = {
	{ "ca", true, O_CA, "DIR", "the issuing CA directory" },
	{ "profile", true, O_PROFILE, "P", "profile name or file" },
	{ "csr", true, O_CSR, "FILE", "a request, PEM or DER (repeatable)" },
	CMD_VALIDITY_OPTS,
	CMD_SIG_OPTS,
	{ "subject", true, O_SUBJECT, "DN", "replace the request's subject (one --csr)" },
	{ "san", true, O_SAN, "TYPE:VALUE", "replace the request's SAN (one --csr; repeatable)" },
	{ "out", true, O_OUT, "FILE", "write the certificate(s) here (default stdout)" },
	{ "out-dir", true, O_OUTDIR, "DIR", "one NAME.crt per request NAME.csr" },
	{ "dry-run", false, O_DRY, NULL, "print what would be signed; stop" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct cli_desc desc = {
	"sign", "--ca DIR --profile P --csr FILE [--csr FILE]... [--days N | "
	"--not-after T] [--not-before T] [--hash H] [--rsa-pss] [--subject DN] "
	"[--san SAN]... [--out FILE | --out-dir D] [--dry-run]",
	"Issue certificates from requests with the CA's token key.", opts,
};

struct sign_opts {
	const char *ca, *profile, *subject, *out, *out_dir;
	const char **csrs;
	size_t n_csrs;
	struct cmd_sign_opts so;
	struct hsmca_gn_list sans;
	bool dry_run;
};

static int
parse_one(void *dest, int c, const char *arg, struct hsmca_error *err)
{
	struct sign_opts *o = dest;
	const char **grown;

	switch (c) {
	case O_CA: o->ca = arg; return 0;
	case O_PROFILE: o->profile = arg; return 0;
	case O_SUBJECT:
		o->subject = arg;
		return cmd_check_subject(arg, NULL, err);
	case O_OUT: o->out = arg; return 0;
	case O_OUTDIR: o->out_dir = arg; return 0;
	case O_DRY: o->dry_run = true; return 0;
	case O_SAN: return cmd_add_san(&o->sans, arg, err);
	case O_CSR:
		grown = realloc(o->csrs, (o->n_csrs + 1) * sizeof(*grown));
		if (grown == NULL)
			return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		o->csrs = grown;
		o->csrs[o->n_csrs++] = arg;
		return 0;
	}
	return cmd_sign_opt(&o->so, c, arg, err) < 0 ? err->code : 0;
}

/* 0 to go on, -1 after --help, or an exit status. */
static int
parse(int argc, char **argv, struct sign_opts *o)
{
	int r;

	if ((r = cli_parse_all(&desc, argc, argv, parse_one, o)) != 0)
		return r;
	if (o->ca == NULL || o->profile == NULL || o->n_csrs == 0)
		return cli_usage_error(&desc, "--ca, --profile and --csr are "
		    "required");
	if (o->out != NULL && o->out_dir != NULL)
		return cli_usage_error(&desc, "--out and --out-dir exclude each "
		    "other");
	if (o->n_csrs > 1 && (o->subject != NULL || o->sans.n > 0))
		return cli_usage_error(&desc, "--subject and --san apply to one "
		    "--csr only");
	return cmd_sign_opts_check(&o->so, &desc);
}

/* Step 1 for one request, on the calling thread: what the job is, and its
 * serial (the database is not shared between threads). */
static void
start_job(const struct hsmca_ctx *ctx, const struct sign_opts *o,
    struct hsmca_ca *ca, const struct hsmca_profile *prof,
    gnutls_pubkey_t issuer_pub, struct hsmca_issue_job *job)
{
	job->in.profile = prof;
	job->in.subject = o->subject;
	job->in.san = o->sans.n ? &o->sans : NULL;
	job->in.issuer = ca->cert;
	job->chain = ca->chain;
	job->n_chain = ca->n_chain;
	job->in.issuer_pubkey = issuer_pub;
	job->in.now = ctx->now();
	cmd_sign_opts_apply(&o->so, &job->in);
	(void)issue_reserve(ca->db, job);
}

/* Steps 2-4 for one request: read, verify, build, lint. */
static void
build_job(struct hsmca_issue_job *job)
{
	unsigned char *buf = NULL;
	size_t len;

	if (job->err.code != 0 || ca_read_input(job->name, X509_MAX_INPUT,
	    &buf, &len, &job->err) != 0)
		return;
	if (x509_load_csr(job->name, buf, len, &job->in.csr, &job->err) == 0)
		(void)issue_build(job);
	free(buf);
}

/* The requests of a batch, dealt to the workers in turn; worker t > 0
 * builds with its own copy of the CA's certificates (copies[t - 1]). */
struct build_share {
	struct hsmca_issue_job *jobs;
	size_t n, workers;
	struct cmd_issuer_copy *copies;
};

static void
build_share(void *arg, size_t t)
{
	struct build_share *sh = arg;
	struct cmd_issuer_copy *c = t > 0 ? &sh->copies[t - 1] : NULL;
	struct hsmca_issue_job *job;
	size_t i;

	for (i = t; i < sh->n; i += sh->workers) {
		job = &sh->jobs[i];
		if (c != NULL) {
			job->in.issuer = c->cert;
			job->in.issuer_pubkey = c->pub;
			job->chain = c->chain;
		}
		build_job(job);
	}
}

/* Steps 1-4 for every request: serials here, the rest on as many workers
 * as the batch gains from (a worker whose copy cannot be made is not
 * started); then every job points at ca's own objects again. */
static void
prepare_jobs(const struct hsmca_ctx *ctx, const struct sign_opts *o,
    struct hsmca_ca *ca, const struct hsmca_profile *prof,
    gnutls_pubkey_t issuer_pub, struct hsmca_issue_job *jobs, size_t n)
{
	struct cmd_issuer_copy copies[STRIPE_MAX - 1];
	struct build_share sh = { jobs, n, 1, copies };
	size_t want = stripe_workers(n, 8, STRIPE_MAX), i;

	for (i = 0; i < n; i++)
		start_job(ctx, o, ca, prof, issuer_pub, &jobs[i]);
	while (sh.workers < want &&
	    cmd_issuer_copy(ca, &copies[sh.workers - 1]) == 0)
		sh.workers++;
	stripe_run(sh.workers, build_share, &sh);
	for (i = 0; i + 1 < sh.workers; i++)
		cmd_issuer_copy_free(&copies[i]);
	for (i = 0; i < n; i++) {
		jobs[i].in.issuer = ca->cert;
		jobs[i].in.issuer_pubkey = issuer_pub;
		jobs[i].chain = ca->chain;
		cli_print_warnings(ctx, &jobs[i].w);
	}
}

/* Where job's certificate goes with --out-dir: DIR/<request name minus
 * .csr/.pem/.der>.crt */
static char *
out_dir_path(const char *dir, const char *csr)
{
	char *copy = strdup(csr), *base, *dot, *path = NULL;

	if (copy == NULL)
		return NULL;
	base = basename(copy);
	dot = strrchr(base, '.');
	if (dot != NULL && (strcmp(dot, ".csr") == 0 ||
	    strcmp(dot, ".pem") == 0 || strcmp(dot, ".der") == 0 ||
	    strcmp(dot, ".req") == 0))
		*dot = '\0';
	if (asprintf(&path, "%s/%s.crt", dir, base) < 0)
		path = NULL;
	free(copy);
	return path;
}

/* Hand out every committed certificate. */
static void
write_outputs(const struct sign_opts *o, struct hsmca_issue_job *jobs,
    size_t n)
{
	char *buf = NULL, *path;
	size_t len = 0, i;
	FILE *all = NULL;

	if (o->out_dir == NULL)
		all = open_memstream(&buf, &len);
	for (i = 0; i < n; i++) {
		if (!jobs[i].committed)
			continue;
		if (all != NULL) {
			(void)cmd_print_cert(all, jobs[i].crt, &jobs[i].err);
			continue;
		}
		path = out_dir_path(o->out_dir, jobs[i].name);
		if (path == NULL || cmd_write_cert(path, jobs[i].crt,
		    CMD_OUT_COPY, &jobs[i].err) != 0)
			jobs[i].committed = false;
		free(path);
	}
	if (all == NULL)
		return;
	fclose(all);
	if (len > 0 && cmd_write_file(o->out ? o->out : "-", buf, len,
	    CMD_OUT_COPY, &jobs[0].err) != 0)
		for (i = 0; i < n; i++)
			jobs[i].committed = false;
	free(buf);
}

static int
issue_all(const struct hsmca_ctx *ctx, const struct sign_opts *o,
    struct hsmca_issue_job *jobs, struct hsmca_warnings *w,
    struct hsmca_error *err)
{
	struct hsmca_profile *prof = NULL;
	struct hsmca_ca *ca = NULL;
	gnutls_pubkey_t ipub = NULL;
	struct cmd_issue_run run = { 0 };
	int r;

	if (o->out_dir != NULL && mkdir(o->out_dir, 0755) != 0 &&
	    errno != EEXIST) {
		r = hsmca_error_set(err, HSMCA_E_IO, "%s: %s", o->out_dir,
		    strerror(errno));
		goto out;
	}
	if ((r = ca_open(o->ca, CA_NEED_CERT | CA_DB_WRITE, w, &ca, err)) != 0)
		goto out;
	if ((r = profile_load(o->profile, o->ca, &prof, err)) != 0)
		goto out;
	if (gnutls_pubkey_init(&ipub) != 0 ||
	    gnutls_pubkey_import_x509(ipub, ca->cert, 0) != 0) {
		r = hsmca_error_set(err, HSMCA_E_CRYPTO, "%s: cannot read the "
		    "CA certificate's public key", o->ca);
		goto out;
	}
	prepare_jobs(ctx, o, ca, prof, ipub, jobs, o->n_csrs);
	run.prof = prof;
	run.so = &o->so;
	run.dry_run = o->dry_run;
	if ((r = cmd_issue_jobs(ctx, ca, &run, jobs, o->n_csrs, w, err)) != 0 ||
	    o->dry_run)
		goto out;
	write_outputs(o, jobs, o->n_csrs);
	testhook_point("after-output");
out:
	if (ipub != NULL)
		gnutls_pubkey_deinit(ipub);
	ca_close(ca);
	profile_free(prof);
	return r;
}

int
cmd_sign(const struct hsmca_ctx *ctx, int argc, char **argv)
{
	struct sign_opts o = { 0 };
	struct hsmca_issue_job *jobs = NULL;
	struct hsmca_warnings w = { 0 };
	struct hsmca_error err = { 0 };
	size_t i, issued = 0;
	int r, status;

	if ((r = parse(argc, argv, &o)) != 0) {
		status = r < 0 ? HSMCA_EXIT_OK : r;
		goto out;
	}
	jobs = calloc(o.n_csrs, sizeof(*jobs));
	if (jobs == NULL) {
		status = HSMCA_EXIT_FAIL;
		goto out;
	}
	for (i = 0; i < o.n_csrs; i++)
		jobs[i].name = o.csrs[i];
	r = issue_all(ctx, &o, jobs, &w, &err);
	cli_print_warnings(ctx, &w);
	status = r == 0 ? HSMCA_EXIT_OK : cli_fail(&err);
	for (i = 0; i < o.n_csrs; i++) {
		if (jobs[i].err.code != 0)
			status = cli_fail(&jobs[i].err) == HSMCA_EXIT_OK ?
			    status : HSMCA_EXIT_FAIL;
		else if (jobs[i].committed)
			issued++;
	}
	if (r == 0 && !o.dry_run && issued != o.n_csrs)
		status = HSMCA_EXIT_FAIL;
	if (r == 0 && !o.dry_run && o.n_csrs > 1)
		cli_info(ctx, "%s: issued %zu of %zu certificates", o.ca, issued,
		    o.n_csrs);
out:
	for (i = 0; jobs != NULL && i < o.n_csrs; i++) {
		if (jobs[i].in.csr != NULL)
			gnutls_x509_crq_deinit(jobs[i].in.csr);
		issue_job_clear(&jobs[i]);
	}
	free(jobs);
	free(o.csrs);
	profile_gn_list_clear(&o.sans);
	return status;
}
