/* hsmca — fuzz target: CRLs (a CRL given to `hsmca verify`/`show`, or one
 * read back from DIR/crl/).  x509_load_crl (PEM or DER, GnuTLS) and
 * crl_entry_reason (hsmca's own libtasn1 reader of revokedCertificates and
 * their reasonCode): on the raw input, and, when GnuTLS loads it, for every
 * serial GnuTLS lists, on the CRL's DER. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gnutls/x509.h>

#include "hsmca/crl.h"
#include "hsmca/x509build.h"
#include "fuzz-common.h"

static void
lookup(const gnutls_datum_t *der, const unsigned char *serial, size_t len)
{
	struct hsmca_error err = { 0 };
	int r, reason = -2;

	r = crl_entry_reason(der, serial, len, &reason, &err);
	fz_check_error(r, &err);
	if (r == 0 && (reason < CRL_REASON_NONE || reason > CRL_REASON_MAX))
		abort();
}

/* Every serial GnuTLS sees in crl, looked up in its DER by crl.c. */
static void
each_serial(gnutls_x509_crl_t crl)
{
	gnutls_datum_t der = { NULL, 0 };
	unsigned char serial[64];
	size_t len;
	time_t t;
	int i, n;

	if (gnutls_x509_crl_export2(crl, GNUTLS_X509_FMT_DER, &der) < 0)
		return;
	n = gnutls_x509_crl_get_crt_count(crl);
	for (i = 0; i < n && i < 64; i++) {
		len = sizeof(serial);
		if (gnutls_x509_crl_get_crt_serial(crl, (unsigned)i, serial,
		    &len, &t) < 0)
			break;
		lookup(&der, serial, len);
	}
	gnutls_free(der.data);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char one[] = { 0x01 };
	static const unsigned char big[] = { 0x00, 0x8a, 0x01, 0x02 };
	gnutls_datum_t raw = { (unsigned char *)data, (unsigned)size };
	struct hsmca_error err = { 0 };
	gnutls_x509_crl_t crl = NULL;
	int r;

	lookup(&raw, one, sizeof(one));
	lookup(&raw, big, sizeof(big));
	r = x509_load_crl("fuzz.crl", data, size, &crl, &err);
	fz_check_error(r, &err);
	if (r != 0)
		return 0;
	each_serial(crl);
	gnutls_x509_crl_deinit(crl);
	return 0;
}
