/* see hsmca/lint.h */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "hsmca/lint.h"
#include "hsmca/x509build.h"

#define OID_SERVER_AUTH "1.3.6.1.5.5.7.3.1"
#define OID_SAN "2.5.29.17"
#define OID_SKI "2.5.29.14"
#define OID_AKI "2.5.29.35"
#define OID_NS_PREFIX "2.16.840.1.113730.1."

/* What the rules look at, read once. */
struct lint_facts {
	int pk;                        /* gnutls_pk_algorithm_t */
	unsigned bits;
	gnutls_ecc_curve_t curve;
	bool has_ku;
	unsigned ku;
	bool has_bc, ca;
	int pathlen;
	bool server_auth;
	bool has_san, san_critical;
	bool ski_critical, aki_critical;
	bool netscape;
	bool empty_subject;
};

static int
lint_fail(struct hsmca_error *err, const char *rule, const char *msg)
{
	return hsmca_error_set(err, HSMCA_E_LINT, "lint: %s: %s", rule, msg);
}

static void
read_extensions(gnutls_x509_crt_t c, struct lint_facts *f)
{
	char oid[128];
	size_t sz;
	unsigned crit, i;

	for (i = 0;; i++) {
		sz = sizeof(oid);
		if (gnutls_x509_crt_get_extension_info(c, i, oid, &sz, &crit) < 0)
			break;
		if (strcmp(oid, OID_SAN) == 0) {
			f->has_san = true;
			f->san_critical = crit != 0;
		} else if (strcmp(oid, OID_SKI) == 0) {
			f->ski_critical = crit != 0;
		} else if (strcmp(oid, OID_AKI) == 0) {
			f->aki_critical = crit != 0;
		} else if (strncmp(oid, OID_NS_PREFIX,
		    strlen(OID_NS_PREFIX)) == 0) {
			f->netscape = true;
		}
	}
	for (i = 0;; i++) {
		sz = sizeof(oid);
		if (gnutls_x509_crt_get_key_purpose_oid(c, i, oid, &sz, NULL) < 0)
			break;
		if (strcmp(oid, OID_SERVER_AUTH) == 0)
			f->server_auth = true;
	}
}

static void
read_facts(gnutls_x509_crt_t c, struct lint_facts *f)
{
	gnutls_datum_t x = { NULL, 0 }, y = { NULL, 0 };
	gnutls_x509_dn_t dn;
	gnutls_x509_ava_st ava;
	unsigned crit, ca;

	memset(f, 0, sizeof(*f));
	f->pk = gnutls_x509_crt_get_pk_algorithm(c, &f->bits);
	if (f->pk == GNUTLS_PK_ECDSA &&
	    gnutls_x509_crt_get_pk_ecc_raw(c, &f->curve, &x, &y) == 0) {
		gnutls_free(x.data);
		gnutls_free(y.data);
	}
	f->has_ku = gnutls_x509_crt_get_key_usage(c, &f->ku, &crit) >= 0;
	f->pathlen = -1;
	f->has_bc = gnutls_x509_crt_get_basic_constraints(c, &crit, &ca,
	    &f->pathlen) >= 0;
	f->ca = f->has_bc && ca;
	if (!f->has_bc)
		f->pathlen = -1;
	read_extensions(c, f);
	f->empty_subject = gnutls_x509_crt_get_subject(c, &dn) < 0 ||
	    gnutls_x509_dn_get_rdn_ava(dn, 0, 0, &ava) < 0;
}

static int
lint_key(const struct lint_facts *f, const struct hsmca_profile *p,
    struct hsmca_error *err)
{
	unsigned want = 0, min = p->rsa_min_bits > 2048 ? p->rsa_min_bits : 2048;
	bool ec = f->pk == GNUTLS_PK_ECDSA, ed = f->pk == GNUTLS_PK_EDDSA_ED25519;
	char msg[160];

	if (f->has_ku && (ec || ed) && (f->ku & (GNUTLS_KEY_KEY_ENCIPHERMENT |
	    GNUTLS_KEY_DATA_ENCIPHERMENT)))
		return lint_fail(err, "ku-key-type", "keyEncipherment or "
		    "dataEncipherment on an EC or Ed25519 key, which cannot "
		    "encrypt");
	if (f->has_ku && (ed || f->pk == GNUTLS_PK_RSA) &&
	    (f->ku & GNUTLS_KEY_KEY_AGREEMENT))
		return lint_fail(err, "ku-key-type", "keyAgreement on an RSA or "
		    "Ed25519 key, which cannot do key agreement");
	if (f->pk == GNUTLS_PK_RSA && f->bits < min) {
		snprintf(msg, sizeof(msg), "RSA key of %u bits, below %u",
		    f->bits, min);
		return lint_fail(err, "key-size", msg);
	}
	if (p->key_types == 0)
		return 0;
	if (f->pk == GNUTLS_PK_RSA)
		want = HSMCA_KT_RSA;
	else if (ed)
		want = HSMCA_KT_ED25519;
	else if (ec && f->curve == GNUTLS_ECC_CURVE_SECP256R1)
		want = HSMCA_KT_EC_P256;
	else if (ec && f->curve == GNUTLS_ECC_CURVE_SECP384R1)
		want = HSMCA_KT_EC_P384;
	else if (ec && f->curve == GNUTLS_ECC_CURVE_SECP521R1)
		want = HSMCA_KT_EC_P521;
	if ((p->key_types & want) == 0) {
		snprintf(msg, sizeof(msg), "%s key not in the profile's key_types",
		    gnutls_pk_get_name((gnutls_pk_algorithm_t)f->pk) ?
		    gnutls_pk_get_name((gnutls_pk_algorithm_t)f->pk) : "unknown");
		return lint_fail(err, "key-type", msg);
	}
	return 0;
}

static int
lint_serial(gnutls_x509_crt_t c, struct hsmca_error *err)
{
	unsigned char s[64];
	size_t sl = sizeof(s), i;

	if (gnutls_x509_crt_get_serial(c, s, &sl) < 0 || sl == 0)
		return lint_fail(err, "serial", "missing or unreadable serial");
	if (sl > 20)
		return lint_fail(err, "serial", "longer than 20 octets "
		    "(RFC 5280 4.1.2.2)");
	if (s[0] & 0x80)
		return lint_fail(err, "serial", "negative serial");
	for (i = 0; i < sl && s[i] == 0; i++)
		;
	if (i == sl)
		return lint_fail(err, "serial", "zero serial");
	return 0;
}

static int
lint_ca(const struct lint_facts *f, gnutls_x509_crt_t issuer,
    struct hsmca_error *err)
{
	unsigned crit, ca;
	int ipath = -1;
	bool kcs = f->has_ku && (f->ku & GNUTLS_KEY_KEY_CERT_SIGN);

	if (f->has_bc && !f->ca && f->pathlen >= 0)
		return lint_fail(err, "pathlen-not-ca", "pathLenConstraint with "
		    "CA:FALSE");
	if (kcs && !f->ca)
		return lint_fail(err, "ca-keycertsign", "keyCertSign without "
		    "basicConstraints CA:TRUE");
	if (f->ca && !kcs)
		return lint_fail(err, "ca-keycertsign", "CA:TRUE without "
		    "keyUsage keyCertSign");
	if (issuer == NULL || !f->ca)
		return 0;
	if (gnutls_x509_crt_get_basic_constraints(issuer, &crit, &ca,
	    &ipath) < 0 || !ca)
		return lint_fail(err, "issuer-pathlen", "the issuer is not a CA");
	if (ipath == 0)
		return lint_fail(err, "issuer-pathlen", "the issuer's pathlen:0 "
		    "forbids issuing a CA certificate");
	return 0;
}

static int
lint_names(const struct lint_facts *f, struct hsmca_error *err)
{
	/* End entities only: a TLS subordinate CA carries EKU serverAuth
	 * (CA/B Forum BR 7.1.2.2) and a CA certificate no SAN. */
	if (f->server_auth && !f->has_san && !f->ca)
		return lint_fail(err, "server-san", "serverAuth certificate "
		    "without subjectAltName (clients ignore the CN)");
	if (f->empty_subject && !(f->has_san && f->san_critical))
		return lint_fail(err, "empty-subject", "empty subject without a "
		    "critical subjectAltName (RFC 5280 4.2.1.6)");
	if (f->ski_critical || f->aki_critical)
		return lint_fail(err, "critical-keyid", "subjectKeyIdentifier "
		    "and authorityKeyIdentifier must not be critical");
	return 0;
}

static int
lint_validity(gnutls_x509_crt_t c, gnutls_x509_crt_t issuer,
    struct hsmca_error *err)
{
	time_t nb = gnutls_x509_crt_get_activation_time(c);
	time_t na = gnutls_x509_crt_get_expiration_time(c);

	if (nb == (time_t)-1 || na == (time_t)-1 || na <= nb)
		return lint_fail(err, "validity", "notAfter is not after "
		    "notBefore");
	if (issuer != NULL && na > gnutls_x509_crt_get_expiration_time(issuer))
		return lint_fail(err, "issuer-validity", "notAfter is later than "
		    "the issuer's notAfter: shorten --days or renew the CA");
	/* the usual backdating (X509_BACKDATE) of a certificate issued
	 * right after its CA's is no fault; an earlier --not-before is */
	if (issuer != NULL && nb + X509_BACKDATE <
	    gnutls_x509_crt_get_activation_time(issuer))
		return lint_fail(err, "issuer-validity", "notBefore is earlier "
		    "than the issuer's notBefore");
	return 0;
}

int
lint_cert(gnutls_x509_crt_t tbs, const struct hsmca_profile *p,
    gnutls_x509_crt_t issuer, struct hsmca_warnings *w,
    struct hsmca_error *err)
{
	struct lint_facts f;
	int r;

	read_facts(tbs, &f);
	if ((r = lint_key(&f, p, err)) != 0 ||
	    (r = lint_serial(tbs, err)) != 0 ||
	    (r = lint_ca(&f, issuer, err)) != 0 ||
	    (r = lint_names(&f, err)) != 0 ||
	    (r = lint_validity(tbs, issuer, err)) != 0)
		return r;
	if (f.netscape && !p->allow_netscape)
		return lint_fail(err, "netscape", "obsolete Netscape extensions "
		    "(nsCertType/nsComment) without allow_netscape");
	if (f.netscape && w != NULL && hsmca_warn(w, "lint: netscape: obsolete "
	    "Netscape extensions present (the profile allows them)") != 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	return 0;
}
