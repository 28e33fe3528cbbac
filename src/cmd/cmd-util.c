/* see cmd-util.h */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "hsmca/dn.h"
#include "hsmca/fileio.h"
#include "hsmca/token.h"
#include "cmd-util.h"

static void
print_summary(FILE *f, const struct hsmca_issue_job *job,
    const struct hsmca_profile *prof)
{
	gnutls_datum_t dn = { NULL, 0 }, idn = { NULL, 0 }, text = { NULL, 0 };

	if (gnutls_x509_crt_get_dn3(job->crt, &dn, 0) != 0)
		dn.data = NULL;
	if (job->in.issuer == NULL ||
	    gnutls_x509_crt_get_dn3(job->in.issuer, &idn, 0) != 0)
		idn.data = NULL;
	fprintf(f, "%s: to be signed with profile %s:\n  subject: %s\n"
	    "  issuer:  %s\n  serial:  %s\n",
	    job->name ? job->name : "certificate",
	    prof->path ? prof->path : "?", dn.data ? (char *)dn.data : "?",
	    idn.data ? (char *)idn.data : "(self-signed)", job->serial_hex);
	gnutls_free(idn.data);
	if (gnutls_x509_crt_print(job->crt, GNUTLS_CRT_PRINT_UNSIGNED_FULL, &text) == 0)
		fprintf(f, "%s\n", (char *)text.data);
	gnutls_free(dn.data);
	gnutls_free(text.data);
}

int
cmd_confirm_batch(const struct hsmca_ctx *ctx,
    const struct hsmca_issue_job *jobs, size_t n,
    const struct hsmca_profile *prof, bool dry_run, struct hsmca_error *err)
{
	char question[128];
	size_t i, good = 0;

	for (i = 0; i < n; i++) {
		if (jobs[i].err.code != 0)
			continue;
		good++;
		if (dry_run)
			print_summary(stdout, &jobs[i], prof);
		else if (ctx->verbosity > 0 || (!ctx->yes && ctx->verbosity >= 0))
			print_summary(stderr, &jobs[i], prof);
	}
	if (dry_run || good == 0)
		return 0;
	snprintf(question, sizeof(question), "sign %zu certificate%s with "
	    "the CA key?", good, good == 1 ? "" : "s");
	return cli_confirm(ctx, question, err) ? 0 : err->code;
}

int
cmd_confirm_issue(const struct hsmca_ctx *ctx,
    const struct hsmca_issue_job *job, const struct hsmca_profile *prof,
    bool dry_run, struct hsmca_error *err)
{
	return cmd_confirm_batch(ctx, job, 1, prof, dry_run, err);
}

int
cmd_write_file(const char *path, const void *data, size_t len,
    enum cmd_out how, struct hsmca_error *err)
{
	if (how == CMD_OUT_COPY && strcmp(path, "-") == 0) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
			return hsmca_error_set(err, HSMCA_E_IO, "standard output: "
			    "write failed");
		return 0;
	}
	if (how == CMD_OUT_COPY)
		return fileio_write_output(path, data, len, 0644, err);
	return fileio_write_atomic(path, data, len, 0644, err);
}

int
cmd_write_cert(const char *path, gnutls_x509_crt_t crt, enum cmd_out how,
    struct hsmca_error *err)
{
	gnutls_datum_t pem = { NULL, 0 };
	int r;

	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &pem) != 0)
		return hsmca_error_set(err, HSMCA_E_CRYPTO, "%s: cannot export "
		    "the certificate", path);
	r = cmd_write_file(path, pem.data, pem.size, how, err);
	gnutls_free(pem.data);
	return r;
}

int
cmd_print_cert(FILE *f, gnutls_x509_crt_t crt, struct hsmca_error *err)
{
	gnutls_datum_t pem = { NULL, 0 };
	int r = 0;

	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &pem) != 0)
		return hsmca_error_set(err, HSMCA_E_CRYPTO, "cannot export a "
		    "certificate");
	if (fwrite(pem.data, 1, pem.size, f) != pem.size)
		r = hsmca_error_set(err, HSMCA_E_IO, "write failed");
	gnutls_free(pem.data);
	return r;
}

int
cmd_add_san(struct hsmca_gn_list *l, const char *text,
    struct hsmca_error *err)
{
	struct hsmca_general_name *grown;
	int r;

	grown = realloc(l->items, (l->n + 1) * sizeof(*grown));
	if (grown == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	l->items = grown;
	if ((r = profile_parse_general_name(text, &l->items[l->n], err)) != 0)
		return hsmca_error_prefix(err, "--san");
	l->n++;
	return 0;
}

int
cmd_check_subject(const char *text, struct hsmca_warnings *w,
    struct hsmca_error *err)
{
	struct hsmca_dn dn = { NULL, 0 };
	int r;

	if (dn_parse("--subject", text, &dn, err) != 0) {
		err->code = HSMCA_E_USAGE;
		return HSMCA_E_USAGE;
	}
	r = dn_warn_order(&dn, w);
	dn_clear(&dn);
	return r == 0 ? 0 : hsmca_error_set(err, r, "out of memory");
}

int
cmd_check_uri(const char *uri, struct hsmca_error *err)
{
	if (token_check_uri(uri, err) == 0)
		return 0;
	err->code = HSMCA_E_USAGE;
	return HSMCA_E_USAGE;
}
