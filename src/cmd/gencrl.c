/* hsmca gencrl: a v2 CRL of every revoked entry of the CA's index, signed on
 * the token (crl.c encodes it with libtasn1, with per-entry reasons), then
 * crlnumber is advanced — only once the CRL is written. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "hsmca/audit.h"
#include "hsmca/ca.h"
#include "hsmca/cmd.h"
#include "hsmca/crl.h"
#include "hsmca/db.h"
#include "hsmca/issue.h"
#include "hsmca/testhook.h"
#include "cmd-issue.h"
#include "cmd-util.h"

enum { O_CA = 1, O_DAYS, O_OUT };

static const struct cli_opt opts[] = {
	{ "ca", true, O_CA, "DIR", "the CA directory" },
	{ "days", true, O_DAYS, "N", "nextUpdate in days (default: hsmca.conf crl_days)" },
	CMD_SIG_OPTS,
	{ "out", true, O_OUT, "FILE", "also write the CRL (PEM) here" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct cli_desc desc = {
	"gencrl", "--ca DIR [--days N] [--hash H] [--rsa-pss] [--out FILE]",
	"Sign a CRL of the CA's revoked certificates with its token key.", opts,
};

static unsigned
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (unsigned)(c - 'a' + 10);
	return (unsigned)(c - 'A' + 10);
}

/* Hex (even or odd length; index.txt has only hex digits, db_load checked)
 * to big-endian octets; out holds len/2+1.  No sscanf: gencrl converts
 * every revoked serial, 100,000 of them in a big CA. */
static size_t
hex_octets(const char *hex, unsigned char *out)
{
	size_t n = strlen(hex), i, o = 0;

	if (n % 2 == 1) {
		out[o++] = (unsigned char)hex_digit(hex[0]);
		hex++;
		n--;
	}
	for (i = 0; i < n; i += 2)
		out[o++] = (unsigned char)(hex_digit(hex[i]) << 4 |
		    hex_digit(hex[i + 1]));
	return o;
}

struct crl_input {
	struct hsmca_crl_entry *entries;
	unsigned char (*serials)[64];
	size_t n;
};

static int
collect(struct hsmca_db *db, struct crl_input *in, struct hsmca_error *err)
{
	const struct hsmca_db_entry *e;
	size_t n, i;
	time_t t;

	if (db_load(db, err) != 0)
		return err->code;
	e = db_entries(db, &n);
	in->entries = calloc(n ? n : 1, sizeof(*in->entries));
	in->serials = calloc(n ? n : 1, sizeof(*in->serials));
	if (in->entries == NULL || in->serials == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		if (e[i].status != 'R')
			continue;
		if (e[i].revoked == NULL || db_parse_time(e[i].revoked, &t) != 0
		    || strlen(e[i].serial) > 2 * sizeof(in->serials[0]) - 2)
			return hsmca_error_set(err, HSMCA_E_PARSE, "%s/index.txt: "
			    "serial %s: bad revocation entry", db_dir(db),
			    e[i].serial);
		in->entries[in->n].serial = in->serials[in->n];
		in->entries[in->n].serial_len = hex_octets(e[i].serial,
		    in->serials[in->n]);
		in->entries[in->n].revoked = t;
		in->entries[in->n].reason = e[i].reason ?
		    crl_reason_from_name(e[i].reason) : CRL_REASON_NONE;
		in->n++;
	}
	return 0;
}

static int
write_crl(struct hsmca_ca *ca, const char *number, const gnutls_datum_t *der,
    const char *out, struct hsmca_error *err)
{
	gnutls_datum_t pem = { NULL, 0 };
	char *path = NULL, *latest = NULL;
	int r;

	if (gnutls_pem_base64_encode2("X509 CRL", der, &pem) != 0)
		return hsmca_error_set(err, HSMCA_E_CRYPTO, "cannot encode the "
		    "CRL");
	if (asprintf(&path, "%s/crl/%s.crl.pem", ca->conf->dir, number) < 0 ||
	    asprintf(&latest, "%s/crl/ca.crl.pem", ca->conf->dir) < 0) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = cmd_write_file(path, pem.data, pem.size, CMD_OUT_RECORD,
	    err)) != 0 || (r = cmd_write_file(latest, pem.data, pem.size,
	    CMD_OUT_RECORD, err)) != 0)
		goto out;
	testhook_point("gencrl-after-write");
	if ((r = db_crlnumber_commit(ca->db, number, err)) != 0 ||
	    (r = audit_mark_settled(ca->conf->dir, err)) != 0)
		goto out;
	if (out != NULL)
		r = cmd_write_file(out, pem.data, pem.size, CMD_OUT_COPY, err);
out:
	gnutls_free(pem.data);
	free(path);
	free(latest);
	return r;
}

/* Before the token signs: none of the files write_crl() replaces is a
 * symbolic link planted in the CA directory. */
static int
check_crl_files(const struct hsmca_ca *ca, const char *number,
    struct hsmca_error *err)
{
	char *numbered = NULL;
	int r;

	if (asprintf(&numbered, "crl/%s.crl.pem", number) < 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	r = ca_check_records(ca, (const char *[]){ "crlnumber", numbered,
	    "crl/ca.crl.pem" }, 3, err);
	free(numbered);
	return r;
}

/* The CRL's audit record, written before the CRL or crlnumber change (a
 * crash after it makes the next writer skip this number: hsmca/audit.h). */
static int
audit_crl(const struct hsmca_ca *ca, const char *number,
    const gnutls_datum_t *der, size_t n, time_t now, struct hsmca_error *err)
{
	struct hsmca_audit_rec rec = { .op = "gencrl" };
	char sum[65];

	if (audit_sha256_hex(der->data, der->size, sum) != 0)
		return hsmca_error_set(err, HSMCA_E_CRYPTO, "sha256");
	rec.key_uri = ca->info.uri;
	rec.token_serial = ca->info.token_serial;
	rec.crl_number = number;
	rec.crl_sha256 = sum;
	rec.crl_entries = (long)n;
	return audit_append(ca->conf->dir, &rec, 1, now, err);
}

static int
run(const struct hsmca_ctx *ctx, const char *dir, unsigned long days,
    const struct cmd_sign_opts *so, const char *out,
    struct hsmca_warnings *w, struct hsmca_error *err)
{
	struct hsmca_sig sig;
	struct hsmca_crl_params p = { 0 };
	struct crl_input in = { 0 };
	struct hsmca_ca *ca = NULL;
	gnutls_datum_t der = { NULL, 0 };
	unsigned char number[64], ski[64];
	size_t ski_len = sizeof(ski);
	unsigned critical;
	char *hex = NULL;
	int r;

	if ((r = ca_open(dir, CA_NEED_CERT | CA_DB_WRITE, w, &ca, err)) != 0 ||
	    (r = collect(ca->db, &in, err)) != 0 ||
	    (r = db_crlnumber_next(ca->db, &hex, err)) != 0 ||
	    (r = check_crl_files(ca, hex, err)) != 0)
		goto out;
	if (strlen(hex) > 2 * sizeof(number) - 2) {
		r = hsmca_error_set(err, HSMCA_E_PARSE, "%s/crlnumber: too "
		    "large", dir);
		goto out;
	}
	if (gnutls_x509_crt_get_subject_key_id(ca->cert, ski, &ski_len,
	    &critical) != 0)
		ski_len = 0;
	p.issuer = ca->cert;
	p.this_update = ctx->now();
	p.next_update = p.this_update + (time_t)(days ? days :
	    ca->conf->crl_days) * 86400;
	p.number = number;
	p.number_len = hex_octets(hex, number);
	p.aki = ski_len ? ski : NULL;
	p.aki_len = ski_len;
	p.entries = in.entries;
	p.n_entries = in.n;
	if ((r = ca_login(ca, ctx->module, ctx->module_env, ctx->pin_file, w, err)) != 0)
		goto out;
	p.key = ca->key;
	if ((r = issue_pick_sig(so->hash, so->rsa_pss, NULL, ca->conf,
	    ca->info.pk, ca->info.bits, &sig, err)) != 0)
		goto out;
	p.hash = sig.hash;
	p.rsa_pss = sig.rsa_pss;
	if ((r = crl_build_sign(&p, &der, err)) != 0)
		goto out;
	if ((r = audit_crl(ca, hex, &der, in.n, p.this_update, err)) != 0)
		goto out;
	testhook_point("gencrl-after-audit");
	if ((r = write_crl(ca, hex, &der, out, err)) != 0)
		goto out;
	cli_info(ctx, "%s: CRL number %s with %zu revoked certificate%s, "
	    "written to %s/crl/ca.crl.pem", dir, hex, in.n, in.n == 1 ? "" : "s",
	    dir);
out:
	gnutls_free(der.data);
	free(hex);
	free(in.entries);
	free(in.serials);
	ca_close(ca);
	return r;
}

int
cmd_gencrl(const struct hsmca_ctx *ctx, int argc, char **argv)
{
	struct hsmca_warnings w = { 0 };
	struct hsmca_error err = { 0 };
	const char *dir = NULL, *out = NULL, *arg;
	struct cmd_sign_opts so = { 0 };
	unsigned long days = 0;
	struct cli_parser p;
	int c, r;

	cli_parser_init(&p, &desc, argc, argv);
	while ((c = cli_next(&p, &arg)) > 0) {
		if (c == O_CA)
			dir = arg;
		else if (c == O_OUT)
			out = arg;
		else if (c == O_DAYS && cli_parse_uint("--days", arg, 1, 36500,
		    &days, &err) != 0)
			return cli_fail(&err);
		else if (c != O_DAYS && cmd_sign_opt(&so, c, arg, &err) < 0)
			return cli_fail(&err);
	}
	if (c == CLI_HELP)
		return HSMCA_EXIT_OK;
	if (c == CLI_ERROR)
		return HSMCA_EXIT_USAGE;
	if (p.optind != argc || dir == NULL)
		return cli_usage_error(&desc, "--ca is required");
	r = run(ctx, dir, days, &so, out, &w, &err);
	cli_print_warnings(ctx, &w);
	return r == 0 ? HSMCA_EXIT_OK : cli_fail(&err);
}
