/* hsmca show FILE: a certificate (or several), a request or a CRL, PEM or
 * DER, in human-readable form with fingerprints. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "hsmca/cmd.h"
#include "hsmca/fileio.h"
#include "hsmca/x509build.h"

static const struct cli_opt show_opts[] = {
	{ NULL, false, 0, NULL, NULL },
};

static const struct cli_desc show_desc = {
	"show", "FILE",
	"Print a certificate, certificate request or CRL (PEM or DER).",
	show_opts,
};

static void
print_fingerprint(const char *name, gnutls_digest_algorithm_t dig,
    const gnutls_datum_t *der)
{
	unsigned char md[64];
	unsigned i, n = gnutls_hash_get_len(dig);

	if (gnutls_hash_fast(dig, der->data, der->size, md) < 0)
		return;
	printf("%s fingerprint: ", name);
	for (i = 0; i < n; i++)
		printf("%02X%s", md[i], i + 1 < n ? ":" : "\n");
}

/* Print the text dump and the fingerprints of one DER object. */
static void
print_dump(const gnutls_datum_t *text, const gnutls_datum_t *der)
{
	printf("%.*s\n", (int)text->size, (const char *)text->data);
	print_fingerprint("SHA-256", GNUTLS_DIG_SHA256, der);
	print_fingerprint("SHA-1", GNUTLS_DIG_SHA1, der);
}

static int
show_crts(const char *path, const unsigned char *buf, size_t len,
    struct hsmca_error *err)
{
	gnutls_x509_crt_t *list = NULL;
	gnutls_datum_t text = { NULL, 0 }, der = { NULL, 0 };
	size_t n = 0, i;
	int r;

	if ((r = x509_load_crt_list(path, buf, len, &list, &n, err)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if ((r = gnutls_x509_crt_print(list[i], GNUTLS_CRT_PRINT_FULL,
		    &text)) < 0 || (r = gnutls_x509_crt_export2(list[i],
		    GNUTLS_X509_FMT_DER, &der)) < 0) {
			r = hsmca_error_set(err, HSMCA_E_PARSE, "%s: certificate "
			    "%zu: %s", path, i + 1, gnutls_strerror(r));
			break;
		}
		if (n > 1)
			printf("Certificate %zu of %zu:\n", i + 1, n);
		print_dump(&text, &der);
		gnutls_free(text.data);
		gnutls_free(der.data);
		text.data = der.data = NULL;
		r = 0;
	}
	gnutls_free(text.data);
	x509_crt_list_free(list, n);
	return r;
}

static int
show_csr(const char *path, const unsigned char *buf, size_t len,
    struct hsmca_error *err)
{
	gnutls_x509_crq_t q = NULL;
	gnutls_datum_t text = { NULL, 0 }, der = { NULL, 0 };
	int r;

	/* x509_load_csr refuses a request whose signature is bad: show it
	 * anyway would hide that, so the refusal is the output. */
	if ((r = x509_load_csr(path, buf, len, &q, err)) != 0)
		return r;
	if ((r = gnutls_x509_crq_print(q, GNUTLS_CRT_PRINT_FULL, &text)) < 0 ||
	    (r = gnutls_x509_crq_export2(q, GNUTLS_X509_FMT_DER, &der)) < 0) {
		r = hsmca_error_set(err, HSMCA_E_PARSE, "%s: %s", path,
		    gnutls_strerror(r));
		goto out;
	}
	print_dump(&text, &der);
	printf("Self-signature: verified (proof of possession)\n");
	r = 0;
out:
	gnutls_free(text.data);
	gnutls_free(der.data);
	gnutls_x509_crq_deinit(q);
	return r;
}

static int
show_crl(const char *path, const unsigned char *buf, size_t len,
    struct hsmca_error *err)
{
	gnutls_x509_crl_t l = NULL;
	gnutls_datum_t text = { NULL, 0 }, der = { NULL, 0 };
	int r;

	if ((r = x509_load_crl(path, buf, len, &l, err)) != 0)
		return r;
	if ((r = gnutls_x509_crl_print(l, GNUTLS_CRT_PRINT_FULL, &text)) < 0 ||
	    (r = gnutls_x509_crl_export2(l, GNUTLS_X509_FMT_DER, &der)) < 0) {
		r = hsmca_error_set(err, HSMCA_E_PARSE, "%s: %s", path,
		    gnutls_strerror(r));
		goto out;
	}
	print_dump(&text, &der);
	r = 0;
out:
	gnutls_free(text.data);
	gnutls_free(der.data);
	gnutls_x509_crl_deinit(l);
	return r;
}

static int
show_file(const char *path, struct hsmca_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	enum x509_kind k;
	int r;

	if ((r = fileio_read(path, X509_MAX_CRL, &buf, &len, err)) != 0)
		return r;
	k = len ? x509_classify((unsigned char *)buf, len) : X509_KIND_UNKNOWN;
	switch (k) {
	case X509_KIND_CRT:
		r = show_crts(path, (unsigned char *)buf, len, err);
		break;
	case X509_KIND_CSR:
		r = show_csr(path, (unsigned char *)buf, len, err);
		break;
	case X509_KIND_CRL:
		r = show_crl(path, (unsigned char *)buf, len, err);
		break;
	case X509_KIND_UNKNOWN:
		r = hsmca_error_set(err, HSMCA_E_PARSE, "%s: not a certificate, "
		    "certificate request or CRL (%s)", path,
		    len ? "garbage, truncated or unknown PEM label" : "empty file");
		break;
	default:
		r = hsmca_error_set(err, HSMCA_E_PARSE, "%s: this is %s; show "
		    "prints certificates, requests and CRLs", path,
		    x509_kind_name(k));
		break;
	}
	free(buf);
	return r;
}

int
cmd_show(const struct hsmca_ctx *ctx, int argc, char **argv)
{
	struct hsmca_error err = { 0, "" };
	struct cli_parser p;
	const char *arg;
	int o;

	(void)ctx;
	cli_parser_init(&p, &show_desc, argc, argv);
	while ((o = cli_next(&p, &arg)) > 0)
		;
	if (o == CLI_HELP)
		return HSMCA_EXIT_OK;
	if (o == CLI_ERROR)
		return HSMCA_EXIT_USAGE;
	if (argc - p.optind != 1)
		return cli_usage_error(&show_desc, "expected one FILE");
	if (show_file(argv[p.optind], &err) != 0)
		return cli_fail(&err);
	return HSMCA_EXIT_OK;
}
