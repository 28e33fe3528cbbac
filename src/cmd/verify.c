/* hsmca verify --ca-file ROOT [--chain FILE] [--crl FILE]... CERT
 * [--hostname H] [--purpose server|client]: path validation with GnuTLS's
 * trust list.  "CERT: OK" and exit 0, or the reason and exit 1. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "hsmca/cmd.h"
#include "hsmca/crl.h"
#include "hsmca/fileio.h"
#include "hsmca/x509build.h"

#define VERIFY_MAX_CRLS 16

enum { OPT_CA_FILE = 1, OPT_CHAIN, OPT_CRL, OPT_HOSTNAME, OPT_PURPOSE };

static const struct cli_opt verify_opts[] = {
	{ "ca-file", true, OPT_CA_FILE, "ROOT", "trusted root certificate(s)" },
	{ "chain", true, OPT_CHAIN, "FILE", "intermediate certificates (untrusted)" },
	{ "crl", true, OPT_CRL, "FILE", "a CRL to check revocation against (repeatable)" },
	{ "hostname", true, OPT_HOSTNAME, "H", "the name the certificate must match" },
	{ "purpose", true, OPT_PURPOSE, "P", "server or client (extended key usage)" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct cli_desc verify_desc = {
	"verify",
	"--ca-file ROOT [--chain FILE] [--crl FILE]... [--hostname H] "
	    "[--purpose server|client] CERT",
	"Validate a certificate's path to a trusted root.",
	verify_opts,
};

struct verify_opts {
	const char *ca_file, *chain, *cert, *hostname, *purpose_oid;
	const char *crls[VERIFY_MAX_CRLS];
	size_t n_crls;
};

/* Every certificate involved, owned here until handed to the trust list. */
struct verify_state {
	gnutls_x509_crt_t *roots, *chain;
	size_t n_roots, n_chain;
	gnutls_x509_crt_t path[32];    /* leaf first, then intermediates */
	size_t n_path;
};

static int
load_list(const char *path, gnutls_x509_crt_t **list, size_t *n,
    struct hsmca_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = fileio_read(path, X509_MAX_INPUT, &buf, &len, err)) != 0)
		return r;
	r = x509_load_crt_list(path, (unsigned char *)buf, len, list, n, err);
	free(buf);
	return r;
}

/* Check a CRL's signature against the roots and intermediates given (a
 * forged CRL must not be trusted), then hand it to the trust list. */
static int
add_crl(gnutls_x509_trust_list_t tl, const struct verify_state *st,
    const char *path, struct hsmca_error *err)
{
	gnutls_x509_crt_t cas[64];
	gnutls_x509_crl_t crl = NULL;
	unsigned status = 1, n = 0;
	char *buf = NULL;
	size_t len = 0, i;
	int r;

	if ((r = fileio_read(path, X509_MAX_CRL, &buf, &len, err)) != 0)
		return r;
	r = x509_load_crl(path, (unsigned char *)buf, len, &crl, err);
	free(buf);
	if (r != 0)
		return r;
	for (i = 0; i < st->n_roots && n < 64; i++)
		cas[n++] = st->roots[i];
	for (i = 1; i < st->n_path && n < 64; i++)
		cas[n++] = st->path[i];
	if (gnutls_x509_crl_verify(crl, cas, n, 0, &status) < 0 ||
	    status != 0) {
		gnutls_x509_crl_deinit(crl);
		return hsmca_error_set(err, HSMCA_E_VERIFY, "%s: the CRL's "
		    "signature does not verify with any certificate given",
		    path);
	}
	if (gnutls_x509_trust_list_add_crls(tl, &crl, 1, 0, 0) != 1) {
		gnutls_x509_crl_deinit(crl);
		return hsmca_error_set(err, HSMCA_E_CRYPTO, "%s: cannot add the "
		    "CRL", path);
	}
	return 0;
}

/* The reason the CRLs give for cert's revocation, as " (reason: NAME)",
 * or "" when none says. */
static void
revocation_reason(const struct verify_opts *o, gnutls_x509_crt_t cert,
    char *out, size_t outlen)
{
	unsigned char serial[64];
	size_t slen = sizeof(serial), len, i;
	gnutls_datum_t pem, der;
	char *buf = NULL;
	int reason, r;

	out[0] = '\0';
	if (gnutls_x509_crt_get_serial(cert, serial, &slen) != 0)
		return;
	for (i = 0; i < o->n_crls && out[0] == '\0'; i++) {
		if (fileio_read(o->crls[i], X509_MAX_CRL, &buf, &len, NULL) != 0)
			continue;
		pem.data = (unsigned char *)buf;
		pem.size = (unsigned)len;
		der.data = NULL;
		if (gnutls_pem_base64_decode2("X509 CRL", &pem, &der) != 0) {
			der.data = gnutls_malloc(len);
			if (der.data != NULL)
				memcpy(der.data, buf, len);
			der.size = (unsigned)len;
		}
		r = der.data ? crl_entry_reason(&der, serial, slen, &reason,
		    NULL) : -1;
		if (r == 0 && reason >= 0 && crl_reason_name(reason) != NULL)
			snprintf(out, outlen, " (reason: %s, in %s)",
			    crl_reason_name(reason), o->crls[i]);
		else if (r == 0)
			snprintf(out, outlen, " (no reason given, in %s)",
			    o->crls[i]);
		gnutls_free(der.data);
		free(buf);
		buf = NULL;
	}
}

static int
load_path(const struct verify_opts *o, struct verify_state *st,
    struct hsmca_error *err)
{
	gnutls_x509_crt_t *leafs = NULL;
	size_t n = 0, i;
	int r;

	if ((r = load_list(o->ca_file, &st->roots, &st->n_roots, err)) != 0)
		return r;
	if (o->chain != NULL &&
	    (r = load_list(o->chain, &st->chain, &st->n_chain, err)) != 0)
		return r;
	if ((r = load_list(o->cert, &leafs, &n, err)) != 0) {
		x509_crt_list_free(st->chain, st->n_chain);
		st->chain = NULL;
		st->n_chain = 0;
		return r;
	}
	/* CERT may carry its own intermediates after the leaf. */
	for (i = 0; i < n; i++) {
		if (st->n_path < 32)
			st->path[st->n_path++] = leafs[i];
		else
			gnutls_x509_crt_deinit(leafs[i]);
	}
	free(leafs);
	for (i = 0; i < st->n_chain; i++) {
		if (st->n_path < 32)
			st->path[st->n_path++] = st->chain[i];
		else
			gnutls_x509_crt_deinit(st->chain[i]);
	}
	return 0;
}

static int
verify_run(const struct verify_opts *o, struct hsmca_error *err)
{
	struct verify_state st;
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_typed_vdata_st data[2];
	gnutls_datum_t why = { NULL, 0 };
	unsigned nd = 0, status = 0, i;
	bool roots_owned = false;
	char reason[512];
	int r;

	memset(&st, 0, sizeof(st));
	if ((r = load_path(o, &st, err)) != 0)
		goto out;
	if ((r = gnutls_x509_trust_list_init(&tl, 0)) < 0 ||
	    (r = gnutls_x509_trust_list_add_cas(tl, st.roots,
	    (unsigned)st.n_roots, 0)) < 0) {
		r = hsmca_error_set(err, HSMCA_E_CRYPTO, "%s: %s", o->ca_file,
		    gnutls_strerror(r));
		goto out;
	}
	roots_owned = true;
	for (i = 0; i < o->n_crls; i++)
		if ((r = add_crl(tl, &st, o->crls[i], err)) != 0)
			goto out;
	if (o->hostname != NULL)
		data[nd++] = (gnutls_typed_vdata_st){ GNUTLS_DT_DNS_HOSTNAME,
		    (unsigned char *)o->hostname, 0 };
	if (o->purpose_oid != NULL)
		data[nd++] = (gnutls_typed_vdata_st){ GNUTLS_DT_KEY_PURPOSE_OID,
		    (unsigned char *)o->purpose_oid, 0 };
	if ((r = gnutls_x509_trust_list_verify_crt2(tl, st.path,
	    (unsigned)st.n_path, data, nd, 0, &status, NULL)) < 0) {
		r = hsmca_error_set(err, HSMCA_E_VERIFY, "%s: %s", o->cert,
		    gnutls_strerror(r));
		goto out;
	}
	if (status != 0) {
		(void)gnutls_certificate_verification_status_print(status,
		    GNUTLS_CRT_X509, &why, 0);
		while (why.data != NULL && why.size > 0 &&
		    (why.data[why.size - 1] == ' ' || why.data[why.size - 1] == 0))
			why.data[--why.size] = '\0';
		reason[0] = '\0';
		if (status & GNUTLS_CERT_REVOKED)
			revocation_reason(o, st.path[0], reason, sizeof(reason));
		r = hsmca_error_set(err, HSMCA_E_VERIFY, "%s: verification "
		    "failed: %s%s", o->cert, why.data ? (char *)why.data : "",
		    reason);
		gnutls_free(why.data);
		goto out;
	}
	printf("%s: OK\n", o->cert);
	r = 0;
out:
	if (tl != NULL)
		gnutls_x509_trust_list_deinit(tl, roots_owned ? 1 : 0);
	if (roots_owned)
		free(st.roots);
	else
		x509_crt_list_free(st.roots, st.n_roots);
	for (i = 0; i < st.n_path; i++)
		gnutls_x509_crt_deinit(st.path[i]);
	free(st.chain);
	return r;
}

static int
parse_opts(int argc, char **argv, struct verify_opts *o)
{
	struct cli_parser p;
	const char *arg;
	int id;

	memset(o, 0, sizeof(*o));
	cli_parser_init(&p, &verify_desc, argc, argv);
	while ((id = cli_next(&p, &arg)) > 0) {
		switch (id) {
		case OPT_CA_FILE: o->ca_file = arg; break;
		case OPT_CHAIN: o->chain = arg; break;
		case OPT_HOSTNAME: o->hostname = arg; break;
		case OPT_CRL:
			if (o->n_crls == VERIFY_MAX_CRLS)
				return cli_usage_error(&verify_desc, "at most %d "
				    "--crl", VERIFY_MAX_CRLS);
			o->crls[o->n_crls++] = arg;
			break;
		case OPT_PURPOSE:
			if (strcmp(arg, "server") == 0)
				o->purpose_oid = GNUTLS_KP_TLS_WWW_SERVER;
			else if (strcmp(arg, "client") == 0)
				o->purpose_oid = GNUTLS_KP_TLS_WWW_CLIENT;
			else
				return cli_usage_error(&verify_desc, "--purpose: "
				    "'%s' is not server or client", arg);
			break;
		}
	}
	if (id == CLI_HELP)
		return -1;
	if (id == CLI_ERROR)
		return HSMCA_EXIT_USAGE;
	if (o->ca_file == NULL)
		return cli_usage_error(&verify_desc, "--ca-file is required");
	if (argc - p.optind != 1)
		return cli_usage_error(&verify_desc, "expected one CERT");
	o->cert = argv[p.optind];
	return 0;
}

int
cmd_verify(const struct hsmca_ctx *ctx, int argc, char **argv)
{
	struct hsmca_error err = { 0, "" };
	struct verify_opts o;
	int r;

	(void)ctx;
	if ((r = parse_opts(argc, argv, &o)) != 0)
		return r < 0 ? HSMCA_EXIT_OK : r;
	if (verify_run(&o, &err) != 0)
		return cli_fail(&err);
	return HSMCA_EXIT_OK;
}
