/* hsmca selfsign: the CA's own self-signed certificate, made with its token
 * key through the same build, lint, sign and verify steps as `sign`. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmca/ca.h"
#include "hsmca/cmd.h"
#include "hsmca/fileio.h"
#include "hsmca/issue.h"
#include "hsmca/profile.h"
#include "cmd-issue.h"
#include "cmd-util.h"

enum { O_CA = 1, O_SUBJECT, O_PROFILE, O_OUT, O_DRY, O_REPLACE };

static const struct cli_opt opts[] = {
	{ "ca", true, O_CA, "DIR", "the CA directory (made by hsmca init)" },
	{ "subject", true, O_SUBJECT, "DN", "subject, RFC 4514 or /C=../CN=.." },
	{ "profile", true, O_PROFILE, "P", "profile (default root-ca)" },
	CMD_VALIDITY_OPTS,
	CMD_SIG_OPTS,
	{ "out", true, O_OUT, "FILE", "also write the certificate here" },
	{ "dry-run", false, O_DRY, NULL, "print what would be signed; stop" },
	{ "replace", false, O_REPLACE, NULL, "replace an existing CA certificate" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct cli_desc desc = {
	"selfsign", "--ca DIR --subject DN [--profile P] [--days N | "
	"--not-after T] [--not-before T] [--hash H] [--rsa-pss] [--out FILE] "
	"[--dry-run] [--replace]",
	"Self-sign the CA's certificate with its token key.", opts,
};

struct selfsign_opts {
	const char *ca, *subject, *profile, *out;
	struct cmd_sign_opts so;
	bool dry_run, replace;
};

static int
parse(int argc, char **argv, struct selfsign_opts *o)
{
	struct hsmca_error err = { 0 };
	struct cli_parser p;
	const char *arg;
	int c;

	o->profile = "root-ca";
	cli_parser_init(&p, &desc, argc, argv);
	while ((c = cli_next(&p, &arg)) > 0) {
		switch (c) {
		case O_CA: o->ca = arg; break;
		case O_SUBJECT:
			o->subject = arg;
			if (cmd_check_subject(arg, NULL, &err) != 0)
				return cli_fail(&err);
			break;
		case O_PROFILE: o->profile = arg; break;
		case O_OUT: o->out = arg; break;
		case O_DRY: o->dry_run = true; break;
		case O_REPLACE: o->replace = true; break;
		default:
			if (cmd_sign_opt(&o->so, c, arg, &err) < 0)
				return cli_fail(&err);
			break;
		}
	}
	if (c == CLI_HELP)
		return -1;
	if (c == CLI_ERROR)
		return HSMCA_EXIT_USAGE;
	if (p.optind != argc)
		return cli_usage_error(&desc, "unexpected argument '%s'",
		    argv[p.optind]);
	if (o->ca == NULL || o->subject == NULL)
		return cli_usage_error(&desc, "--ca and --subject are required");
	return cmd_sign_opts_check(&o->so, &desc);
}

static int
run(const struct hsmca_ctx *ctx, const struct selfsign_opts *o,
    struct hsmca_issue_job *job, struct hsmca_error *err)
{
	struct hsmca_issue_audit audit = { .op = "selfsign" };
	struct hsmca_profile *prof = NULL;
	struct hsmca_warnings w = { 0 };
	struct hsmca_ca *ca = NULL;
	struct hsmca_sig sig;
	char *path = NULL;
	int r;

	if ((r = ca_open(o->ca, CA_DB_WRITE, &w, &ca, err)) != 0 ||
	    (r = ca_check_records(ca, (const char *[]){ ca->conf->cert }, 1,
	    err)) != 0)
		goto out;
	if (ca->cert != NULL && !o->replace) {
		r = hsmca_error_set(err, HSMCA_E_EXISTS, "%s/%s: the CA has a "
		    "certificate already (--replace makes a new one; the old "
		    "one stays in newcerts/)", o->ca, ca->conf->cert);
		goto out;
	}
	if ((r = profile_load(o->profile, o->ca, &prof, err)) != 0)
		goto out;
	if (ca->cert != NULL) {
		gnutls_x509_crt_deinit(ca->cert);   /* re-signing: no issuer */
		ca->cert = NULL;
	}
	if ((r = ca_login(ca, ctx->module, ctx->module_env, ctx->pin_file, &w, err)) != 0)
		goto out;
	cli_print_warnings(ctx, &w);
	job->name = o->ca;
	job->in.profile = prof;
	job->in.subject = o->subject;
	job->in.pubkey = ca->pub;
	job->in.now = ctx->now();
	cmd_sign_opts_apply(&o->so, &job->in);
	if ((r = issue_pick_sig(o->so.hash, o->so.rsa_pss, prof, ca->conf,
	    ca->info.pk, ca->info.bits, &sig, err)) != 0)
		goto out;
	if ((r = issue_prepare(ca->db, job)) != 0) {
		*err = job->err;
		goto out;
	}
	cli_print_warnings(ctx, &job->w);
	if ((r = cmd_confirm_issue(ctx, job, prof, o->dry_run, err)) != 0)
		goto out;
	if (o->dry_run)
		goto out;
	if ((r = issue_sign(job, NULL, ca->key, ca->pub, &sig)) != 0) {
		*err = job->err;
		goto out;
	}
	audit.key_uri = ca->info.uri;
	audit.token_serial = ca->info.token_serial;
	audit.profile = prof->path;
	audit.now = job->in.now;
	if ((r = issue_commit(ca->db, job, 1, &audit, err)) != 0)
		goto out;
	if (!job->committed) {
		*err = job->err;
		r = err->code;
		goto out;
	}
	if ((path = cadir_path(ca->conf, ca->conf->cert)) == NULL) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = cmd_write_cert(path, job->crt, CMD_OUT_RECORD, err)) != 0)
		goto out;
	if (o->out != NULL && (r = cmd_write_cert(o->out, job->crt,
	    CMD_OUT_COPY, err)) != 0)
		goto out;
	cli_info(ctx, "%s: self-signed certificate %s written to %s", o->ca,
	    job->serial_hex, path);
out:
	free(path);
	cli_print_warnings(ctx, &w);
	ca_close(ca);
	profile_free(prof);
	return r;
}

int
cmd_selfsign(const struct hsmca_ctx *ctx, int argc, char **argv)
{
	struct selfsign_opts o = { 0 };
	struct hsmca_issue_job job = { 0 };
	struct hsmca_error err = { 0 };
	int r;

	if ((r = parse(argc, argv, &o)) != 0)
		return r < 0 ? HSMCA_EXIT_OK : r;
	r = run(ctx, &o, &job, &err);
	cli_print_warnings(ctx, &job.w);
	issue_job_clear(&job);
	return r == 0 ? HSMCA_EXIT_OK : cli_fail(&err);
}
