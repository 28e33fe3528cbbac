/* see cmd-issue.h */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hsmca/stripe.h"
#include "hsmca/testhook.h"
#include "cmd-issue.h"
#include "cmd-util.h"

int
cmd_sign_opt(struct cmd_sign_opts *o, int c, const char *arg,
    struct hsmca_error *err)
{
	switch (c) {
	case CMD_O_HASH:
		return cli_parse_hash("--hash", arg, &o->hash, err);
	case CMD_O_RSA_PSS:
		o->rsa_pss = true;
		return 0;
	case CMD_O_DAYS:
		return cli_parse_uint("--days", arg, 1, 36500, &o->days, err);
	case CMD_O_NOT_BEFORE:
		return cli_parse_time("--not-before", arg, &o->not_before, err);
	case CMD_O_NOT_AFTER:
		return cli_parse_time("--not-after", arg, &o->not_after, err);
	}
	return 1;
}

int
cmd_sign_opts_check(const struct cmd_sign_opts *o,
    const struct cli_desc *desc)
{
	if (o->days != 0 && o->not_after != 0)
		return cli_usage_error(desc, "--days and --not-after exclude "
		    "each other");
	return 0;
}

void
cmd_sign_opts_apply(const struct cmd_sign_opts *o, struct hsmca_issue *in)
{
	in->days = (unsigned)o->days;
	in->not_before = o->not_before;
	in->not_after = o->not_after;
}

static void
close_signer(struct hsmca_issue_signer *s)
{
	if (s->issuer != NULL)
		gnutls_x509_crt_deinit(s->issuer);
	if (s->key != NULL)
		gnutls_privkey_deinit(s->key);
	if (s->pub != NULL)
		gnutls_pubkey_deinit(s->pub);
	memset(s, 0, sizeof(*s));
}

/* Signers for the batch: the CA's key, and for a batch big enough to gain
 * from it on a machine with more than one core, the same key once more in
 * its own session with its own copy of the CA certificate.  A key that
 * wants its PIN for every signature (CKA_ALWAYS_AUTHENTICATE) signs alone.
 * Returns how many signers s holds. */
static size_t
open_signers(struct hsmca_ca *ca, size_t n_jobs, struct hsmca_issue_signer *s)
{
	struct hsmca_error err = { 0 };

	s[0] = (struct hsmca_issue_signer){ ca->key, ca->pub, ca->cert };
	if (ca->info.always_auth || stripe_workers(n_jobs, 8, 2) < 2)
		return 1;
	if (token_open_key(ca->tok, ca->conf->key_uri, &s[1].key, &s[1].pub,
	    NULL, &err) != 0)
		return 1;
	if (x509_crt_dup(ca->cert, &s[1].issuer) == 0)
		return 2;
	close_signer(&s[1]);
	return 1;
}

int
cmd_issuer_copy(const struct hsmca_ca *ca, struct cmd_issuer_copy *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	if (ca->n_chain > 0 &&
	    (c->chain = calloc(ca->n_chain, sizeof(*c->chain))) == NULL)
		return -1;
	c->n_chain = ca->n_chain;
	for (i = 0; i < ca->n_chain; i++)
		if (x509_crt_dup(ca->chain[i], &c->chain[i]) != 0)
			goto fail;
	if (x509_crt_dup(ca->cert, &c->cert) != 0 ||
	    gnutls_pubkey_init(&c->pub) < 0 ||
	    gnutls_pubkey_import_x509(c->pub, c->cert, 0) < 0)
		goto fail;
	return 0;
fail:
	cmd_issuer_copy_free(c);
	return -1;
}

void
cmd_issuer_copy_free(struct cmd_issuer_copy *c)
{
	size_t i;

	for (i = 0; i < c->n_chain; i++)
		if (c->chain[i] != NULL)
			gnutls_x509_crt_deinit(c->chain[i]);
	free(c->chain);
	if (c->cert != NULL)
		gnutls_x509_crt_deinit(c->cert);
	if (c->pub != NULL)
		gnutls_pubkey_deinit(c->pub);
	memset(c, 0, sizeof(*c));
}

int
cmd_issue_jobs(const struct hsmca_ctx *ctx, struct hsmca_ca *ca,
    const struct cmd_issue_run *run, struct hsmca_issue_job *jobs, size_t n,
    struct hsmca_warnings *w, struct hsmca_error *err)
{
	struct hsmca_issue_signer signers[2] = { { 0 }, { 0 } };
	struct hsmca_issue_audit audit = { .op = "sign" };
	struct hsmca_sig sig;
	size_t i, good = 0, n_signers;
	unsigned bits = 0;
	int pk, r;

	for (i = 0; i < n; i++)
		good += jobs[i].err.code == 0;
	if (good == 0)
		return 0;
	/* the CA certificate's key is the token key (ca_login checks) */
	pk = gnutls_x509_crt_get_pk_algorithm(ca->cert, &bits);
	if ((r = issue_pick_sig(run->so->hash, run->so->rsa_pss, run->prof,
	    ca->conf, pk < 0 ? GNUTLS_PK_UNKNOWN : (gnutls_pk_algorithm_t)pk,
	    bits, &sig, err)) != 0)
		return r;
	if ((r = cmd_confirm_batch(ctx, jobs, n, run->prof, run->dry_run,
	    err)) != 0 || run->dry_run)
		return r;
	if ((r = ca_login(ca, ctx->module, ctx->module_env, ctx->pin_file, w,
	    err)) != 0)
		return r;
	testhook_point("after-login");
	n_signers = open_signers(ca, good, signers);
	issue_sign_all(jobs, n, signers, n_signers, &sig);
	if (n_signers > 1)
		close_signer(&signers[1]);
	audit.key_uri = ca->info.uri;
	audit.token_serial = ca->info.token_serial;
	audit.profile = run->prof->path;
	audit.renews = run->renews;
	audit.now = jobs[0].in.now;
	return issue_commit(ca->db, jobs, n, &audit, err);
}
