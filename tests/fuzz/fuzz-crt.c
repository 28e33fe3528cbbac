/* hsmca — fuzz target: certificates and chain files as init (--cert,
 * --issuer), verify, show and chain read them: x509_classify,
 * x509_load_crt, x509_load_crt_list, and on what loads x509_crt_subject,
 * x509_crt_issuer, x509_db_fields, x509_key_id and x509_verify_signed
 * (each certificate against the next one of the list, and the last
 * against itself, as a chain is walked). */
#include "config.h"

#include <stdlib.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "hsmca/dn.h"
#include "hsmca/x509build.h"
#include "fuzz-common.h"

static void
examine(gnutls_x509_crt_t crt, gnutls_x509_crt_t issuer)
{
	struct hsmca_error err = { 0 };
	struct hsmca_dn dn = { 0 };
	gnutls_pubkey_t pub = NULL;
	unsigned char id[20];
	char *hex = NULL, *subject = NULL;
	time_t not_after;
	int r;

	r = x509_crt_subject(crt, &dn, &err);
	fz_check_error(r, &err);
	dn_clear(&dn);
	r = x509_crt_issuer(crt, &dn, &err);
	fz_check_error(r, &err);
	dn_clear(&dn);
	r = x509_db_fields(crt, &hex, &not_after, &subject, &err);
	fz_check_error(r, &err);
	free(hex);
	free(subject);
	if (gnutls_pubkey_init(&pub) < 0)
		abort();
	if (gnutls_pubkey_import_x509(pub, crt, 0) == 0) {
		r = x509_key_id(pub, id, &err);
		fz_check_error(r, &err);
	}
	gnutls_pubkey_deinit(pub);
	r = x509_verify_signed(crt, issuer, &err);
	fz_check_error(r, &err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hsmca_error err = { 0 };
	gnutls_x509_crt_t crt = NULL, *list = NULL;
	size_t n = 0, i;
	int r;

	(void)x509_kind_name(x509_classify(data, size));
	r = x509_load_crt("fuzz.crt", data, size, &crt, &err);
	fz_check_error(r, &err);
	if (r == 0) {
		examine(crt, NULL);
		gnutls_x509_crt_deinit(crt);
	}
	r = x509_load_crt_list("fuzz-chain.pem", data, size, &list, &n, &err);
	fz_check_error(r, &err);
	if (r != 0)
		return 0;
	if (n == 0 || list == NULL)
		abort();
	for (i = 0; i < n && i < 8; i++)
		examine(list[i], i + 1 < n ? list[i + 1] : NULL);
	x509_crt_list_free(list, n);
	return 0;
}
