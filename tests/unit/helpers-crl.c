/* see helpers-crl.h */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "hsmca/crl.h"
#include "helpers.h"
#include "helpers-crl.h"

char *
ct_write_pem(const char *dir, const char *name, const char *label,
    const gnutls_datum_t *der)
{
	gnutls_datum_t pem;
	char *path;

	ck_assert(gnutls_pem_base64_encode2(label, der, &pem) == 0);
	path = th_write_file(dir, name, (const char *)pem.data, pem.size);
	gnutls_free(pem.data);
	return path;
}

char *
ct_write_crt(const char *dir, const char *name, gnutls_x509_crt_t crt)
{
	gnutls_datum_t der;
	char *path;

	ck_assert(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der) == 0);
	path = ct_write_pem(dir, name, "CERTIFICATE", &der);
	gnutls_free(der.data);
	return path;
}

void
ct_set_key_ids(gnutls_x509_crt_t c, gnutls_privkey_t key)
{
	gnutls_pubkey_t pub;
	unsigned char id[20];
	size_t len = sizeof(id);

	ck_assert(gnutls_pubkey_init(&pub) == 0);
	ck_assert(gnutls_pubkey_import_privkey(pub, key, 0, 0) == 0);
	ck_assert(gnutls_x509_crt_set_pubkey(c, pub) == 0);
	ck_assert(gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA1, id,
	    &len) == 0);
	ck_assert(gnutls_x509_crt_set_subject_key_id(c, id, len) == 0);
	gnutls_pubkey_deinit(pub);
}

/* A self-signed CA valid from CT_T0 - 1 day until not_after. */
struct ct_ca
ct_make_ca(const char *dir, const char *keytype, time_t not_after,
    unsigned int ku)
{
	struct ct_ca ca;
	static const unsigned char serial[] = { 0x01, 0x02, 0x03 };

	ca.key = th_software_key(keytype);
	ck_assert(gnutls_x509_crt_init(&ca.crt) == 0);
	ck_assert(gnutls_x509_crt_set_version(ca.crt, 3) == 0);
	ck_assert(gnutls_x509_crt_set_serial(ca.crt, serial, 3) == 0);
	ck_assert(gnutls_x509_crt_set_dn(ca.crt,
	    "CN=Test CRL CA,O=Beispiel M\xc3\xbcller GmbH,C=DE", NULL) == 0);
	ck_assert(gnutls_x509_crt_set_activation_time(ca.crt,
	    CT_T0 - CT_DAY) == 0);
	ck_assert(gnutls_x509_crt_set_expiration_time(ca.crt, not_after) == 0);
	ct_set_key_ids(ca.crt, ca.key);
	ck_assert(gnutls_x509_crt_set_basic_constraints(ca.crt, 1, -1) == 0);
	ck_assert(gnutls_x509_crt_set_key_usage(ca.crt, ku) == 0);
	/* Ed25519 takes no separate digest */
	ck_assert(gnutls_x509_crt_privkey_sign(ca.crt, ca.crt, ca.key,
	    strcmp(keytype, "ed25519") == 0 ? GNUTLS_DIG_UNKNOWN :
	    GNUTLS_DIG_SHA256, 0) == 0);
	ca.pem = ct_write_crt(dir, "ca.pem", ca.crt);
	return ca;
}

struct ct_ca
ct_std_ca(const char *dir, const char *keytype)
{
	return ct_make_ca(dir, keytype, CT_T0 + 30 * CT_YEAR,
	    GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN);
}

void
ct_free_ca(struct ct_ca *ca)
{
	gnutls_x509_crt_deinit(ca->crt);
	gnutls_privkey_deinit(ca->key);
	free(ca->pem);
}

void
ct_std_params(struct hsmca_crl_params *p, const struct ct_ca *ca,
    const char *hash, const struct hsmca_crl_entry *e, size_t n)
{
	static const unsigned char number[] = { 0x00, 0xc8 };   /* 200 */

	memset(p, 0, sizeof(*p));
	p->issuer = ca->crt;
	p->key = ca->key;
	p->hash = hash;
	p->this_update = CT_T0;
	p->next_update = CT_T0 + 20 * CT_YEAR;
	p->number = number;
	p->number_len = sizeof(number);
	p->entries = e;
	p->n_entries = n;
}
