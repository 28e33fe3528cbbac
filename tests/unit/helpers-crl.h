/* Fixtures shared by check-crl.c (CRLs checked by openssl and certtool)
 * and check-crl-refuse.c (what crl_build_sign() refuses): a self-signed
 * software CA written as PEM, the standard CRL parameters, and the fixed
 * clock.  Every function asserts (Check) instead of returning errors. */
#ifndef HSMCA_TEST_HELPERS_CRL_H
#define HSMCA_TEST_HELPERS_CRL_H

#include <stddef.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "hsmca/crl.h"

#define CT_T0 ((time_t)1767225600)        /* 2026-01-01T00:00:00Z */
#define CT_DAY ((time_t)86400)
#define CT_YEAR (365 * CT_DAY)

/* An issuer: key, certificate, PEM file. */
struct ct_ca {
	gnutls_privkey_t key;
	gnutls_x509_crt_t crt;
	char *pem;
};

/* der as PEM with label in dir/name, and crt as a PEM certificate there;
 * both return the malloc'ed path. */
char *ct_write_pem(const char *dir, const char *name, const char *label,
    const gnutls_datum_t *der);
char *ct_write_crt(const char *dir, const char *name, gnutls_x509_crt_t crt);

/* Set c's public key to key's public half and its SKI to that key's SHA-1
 * key id. */
void ct_set_key_ids(gnutls_x509_crt_t c, gnutls_privkey_t key);

/* A self-signed CA "CN=Test CRL CA,O=Beispiel Müller GmbH,C=DE" with a new
 * software key of keytype (see th_software_key()), valid from CT_T0 - 1 day
 * until not_after, with keyUsage ku, written to dir/ca.pem.  ct_std_ca():
 * valid 30 years, keyCertSign and cRLSign.  Free with ct_free_ca(). */
struct ct_ca ct_make_ca(const char *dir, const char *keytype,
    time_t not_after, unsigned int ku);
struct ct_ca ct_std_ca(const char *dir, const char *keytype);
void ct_free_ca(struct ct_ca *ca);

/* CRL parameters for ca with hash and the n entries e: thisUpdate CT_T0,
 * nextUpdate 20 years later, CRL number 200. */
void ct_std_params(struct hsmca_crl_params *p, const struct ct_ca *ca,
    const char *hash, const struct hsmca_crl_entry *e, size_t n);

#endif
