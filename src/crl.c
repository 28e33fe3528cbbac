/* hsmca — build, sign and verify v2 CRLs with libtasn1 (see hsmca/crl.h).
 *
 * The TBSCertList is encoded by libtasn1 from src/crl.asn.  Each revoked
 * entry is encoded on its own (one small RevokedCertificate element) and the
 * encodings are concatenated into the one ANY of RevokedList: libtasn1's
 * "SEQUENCE OF" append and "?N" lookups walk the whole list, which is
 * quadratic for 100,000 entries, while this is linear and gives the same
 * DER.  The exact signed TBS bytes go into CertificateListOut as ANY, so
 * what was signed is what is shipped. */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <libtasn1.h>

#include "crl-internal.h"
#include "hsmca/crl.h"

#define OID_REASON "2.5.29.21"
#define OID_NUMBER "2.5.29.20"
#define OID_AKI "2.5.29.35"

/* The signature algorithm chosen for the key and hash. */
struct crl_alg {
	gnutls_sign_algorithm_t sign;
	const char *oid;
	bool null_params;       /* RSA: parameters NULL; others: absent */
	unsigned char params[96];       /* RSASSA-PSS: its parameters' DER */
	int params_len;                 /* 0: none */
};

#define OID_RSA_PSS "1.2.840.113549.1.1.10"
#define OID_MGF1 "1.2.840.113549.1.1.8"

/* The DER of each reasonCode value, encoded once per CRL (len 0: not yet). */
struct crl_reasons {
	unsigned char der[CRL_REASON_MAX + 1][8];
	int len[CRL_REASON_MAX + 1];
};

/* A growing output buffer for the concatenated entries. */
struct crl_buf {
	unsigned char *data;
	size_t len;
	size_t cap;
};

static int
put_time(asn1_node n, const char *field, time_t t, const char *what,
    struct hsmca_error *err)
{
	char name[128], value[32];
	struct tm tm;
	const char *choice;
	int rc;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < 0 ||
	    tm.tm_year + 1900 > 9999)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "crl: %s: time %lld cannot be encoded", what,
		    (long long)t);
	/* RFC 5280 5.1.2.4: UTCTime through 2049, GeneralizedTime after */
	if (tm.tm_year + 1900 >= 1950 && tm.tm_year + 1900 < 2050) {
		choice = "utcTime";
		snprintf(value, sizeof(value), "%02d%02d%02d%02d%02d%02dZ",
		    (tm.tm_year + 1900) % 100, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, tm.tm_sec);
	} else {
		choice = "generalTime";
		snprintf(value, sizeof(value), "%04d%02d%02d%02d%02d%02dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, tm.tm_sec);
	}
	rc = asn1_write_value(n, field, choice, 1);
	if (rc == ASN1_SUCCESS) {
		snprintf(name, sizeof(name), "%s.%s", field, choice);
		rc = asn1_write_value(n, name, value, (int)strlen(value));
	}
	if (rc != ASN1_SUCCESS)
		return crl_tasn_error(err, rc, what);
	return 0;
}

/* Write an unsigned big-endian magnitude as a non-negative INTEGER. */
static int
put_uint(asn1_node n, const char *field, const unsigned char *b, size_t len,
    const char *what, struct hsmca_error *err)
{
	unsigned char buf[CRL_INTEGER_MAX + 1];
	const unsigned char *m;
	size_t mlen;
	int rc;

	if (b == NULL || len == 0)
		return hsmca_error_set(err, HSMCA_E_PARSE, "crl: %s is empty",
		    what);
	crl_magnitude(b, len, &m, &mlen);
	if (mlen > CRL_INTEGER_MAX)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "crl: %s is %zu octets long (at most %d)", what, mlen,
		    CRL_INTEGER_MAX);
	buf[0] = 0;
	memcpy(buf + 1, m, mlen);
	/* a leading zero keeps a high first bit positive; libtasn1 drops it
	 * when it is redundant */
	rc = asn1_write_value(n, field, buf, (int)mlen + 1);
	if (rc != ASN1_SUCCESS)
		return crl_tasn_error(err, rc, what);
	return 0;
}

/* Append one extension to the Extensions SEQUENCE OF at field. */
static int
put_ext(asn1_node n, const char *field, const char *oid,
    const unsigned char *value, size_t len, struct hsmca_error *err)
{
	char name[128];
	int rc;

	rc = asn1_write_value(n, field, "NEW", 1);
	snprintf(name, sizeof(name), "%s.?LAST.extnID", field);
	if (rc == ASN1_SUCCESS)
		rc = asn1_write_value(n, name, oid, 1);
	snprintf(name, sizeof(name), "%s.?LAST.critical", field);
	if (rc == ASN1_SUCCESS)
		rc = asn1_write_value(n, name, "FALSE", 1);
	snprintf(name, sizeof(name), "%s.?LAST.extnValue", field);
	if (rc == ASN1_SUCCESS)
		rc = asn1_write_value(n, name, value, (int)len);
	if (rc != ASN1_SUCCESS)
		return crl_tasn_error(err, rc, oid);
	return 0;
}

/* DER of a one-field extension value (CRLReason, CRLNumber, AKI) into buf
 * (at most *len octets); *len is set to the length used. */
static int
ext_value(asn1_node defs, const char *type, const char *field,
    const unsigned char *v, size_t vlen, bool as_uint, unsigned char *buf,
    int *len, struct hsmca_error *err)
{
	asn1_node n = NULL;
	char desc[ASN1_MAX_ERROR_DESCRIPTION_SIZE];
	int rc, r = 0;

	rc = asn1_create_element(defs, type, &n);
	if (rc != ASN1_SUCCESS)
		return crl_tasn_error(err, rc, type);
	if (as_uint)
		r = put_uint(n, field, v, vlen, "crl number", err);
	else if ((rc = asn1_write_value(n, field, v, (int)vlen)) != 0)
		r = crl_tasn_error(err, rc, type);
	if (r == 0 && (rc = asn1_der_coding(n, "", buf, len, desc)) != 0)
		r = crl_tasn_error(err, rc, type);
	asn1_delete_structure(&n);
	return r;
}

static int
buf_reserve(struct crl_buf *b, size_t more, struct hsmca_error *err)
{
	unsigned char *d;
	size_t cap;

	if (b->len + more <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more)
		cap *= 2;
	d = gnutls_realloc(b->data, cap);
	if (d == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "crl: out of memory");
	b->data = d;
	b->cap = cap;
	return 0;
}

/* Encode one RevokedCertificate and append its DER to out. */
static int
encode_entry(asn1_node defs, const struct hsmca_crl_entry *e, size_t i,
    struct crl_reasons *rs, struct crl_buf *out, struct hsmca_error *err)
{
	asn1_node n = NULL;
	char what[64], desc[ASN1_MAX_ERROR_DESCRIPTION_SIZE];
	unsigned char code;
	int rc, r = 0, len;

	snprintf(what, sizeof(what), "entry %zu serial", i + 1);
	if (e->reason != CRL_REASON_NONE && crl_reason_name(e->reason) == NULL)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "crl: entry %zu: invalid reason code %d", i + 1,
		    e->reason);
	rc = asn1_create_element(defs, "HSMCA-CRL.RevokedCertificate", &n);
	if (rc != ASN1_SUCCESS)
		return crl_tasn_error(err, rc, "RevokedCertificate");
	r = put_uint(n, "userCertificate", e->serial, e->serial_len, what,
	    err);
	snprintf(what, sizeof(what), "entry %zu revocation date", i + 1);
	if (r == 0)
		r = put_time(n, "revocationDate", e->revoked, what, err);
	if (r == 0 && e->reason == CRL_REASON_NONE) {
		rc = asn1_write_value(n, "crlEntryExtensions", NULL, 0);
		if (rc != ASN1_SUCCESS)
			r = crl_tasn_error(err, rc, "crlEntryExtensions");
	} else if (r == 0) {
		code = (unsigned char)e->reason;
		if (rs->len[code] == 0) {
			rs->len[code] = sizeof(rs->der[code]);
			r = ext_value(defs, "HSMCA-CRL.CRLReason", "", &code, 1,
			    false, rs->der[code], &rs->len[code], err);
		}
		if (r == 0)
			r = put_ext(n, "crlEntryExtensions", OID_REASON,
			    rs->der[code], (size_t)rs->len[code], err);
	}
	if (r != 0)
		goto out;
	len = 0;
	rc = asn1_der_coding(n, "", NULL, &len, desc);
	if (rc != ASN1_MEM_ERROR && rc != ASN1_SUCCESS) {
		r = crl_tasn_error(err, rc, desc);
		goto out;
	}
	if ((r = buf_reserve(out, (size_t)len, err)) != 0)
		goto out;
	rc = asn1_der_coding(n, "", out->data + out->len, &len, desc);
	if (rc != ASN1_SUCCESS) {
		r = crl_tasn_error(err, rc, desc);
		goto out;
	}
	out->len += (size_t)len;
out:
	asn1_delete_structure(&n);
	return r;
}

/* revokedCertificates: every entry's DER, concatenated, in a RevokedList. */
static int
put_entries(asn1_node defs, asn1_node tbs, const struct hsmca_crl_params *p,
    struct hsmca_error *err)
{
	struct crl_buf b = { NULL, 0, 0 };
	struct crl_reasons rs;
	size_t i;
	int rc, r = 0;

	if (p->n_entries == 0) {
		rc = asn1_write_value(tbs, "revokedCertificates", NULL, 0);
		return rc == ASN1_SUCCESS ? 0 :
		    crl_tasn_error(err, rc, "revokedCertificates");
	}
	memset(&rs, 0, sizeof(rs));
	for (i = 0; i < p->n_entries && r == 0; i++)
		r = encode_entry(defs, &p->entries[i], i, &rs, &b, err);
	/* libtasn1 lengths are int; the whole CRL must fit */
	if (r == 0 && b.len > (size_t)INT_MAX / 2)
		r = hsmca_error_set(err, HSMCA_E_POLICY, "crl: %zu entries "
		    "make a crl of more than 1 GiB", p->n_entries);
	if (r == 0) {
		rc = asn1_write_value(tbs, "revokedCertificates.entries",
		    b.data, (int)b.len);
		if (rc != ASN1_SUCCESS)
			r = crl_tasn_error(err, rc, "revokedCertificates");
	}
	gnutls_free(b.data);
	return r;
}

static int
put_algid(asn1_node n, const char *field, const struct crl_alg *alg,
    struct hsmca_error *err)
{
	static const unsigned char null_der[] = { 0x05, 0x00 };
	char name[128];
	int rc;

	snprintf(name, sizeof(name), "%s.algorithm", field);
	rc = asn1_write_value(n, name, alg->oid, 1);
	snprintf(name, sizeof(name), "%s.parameters", field);
	if (rc == ASN1_SUCCESS && alg->params_len > 0)
		rc = asn1_write_value(n, name, alg->params, alg->params_len);
	else if (rc == ASN1_SUCCESS && alg->null_params)
		rc = asn1_write_value(n, name, null_der, sizeof(null_der));
	else if (rc == ASN1_SUCCESS)
		rc = asn1_write_value(n, name, NULL, 0);
	if (rc != ASN1_SUCCESS)
		return crl_tasn_error(err, rc, field);
	return 0;
}

/* crlExtensions: authorityKeyIdentifier (key ID) and cRLNumber. */
static int
put_crl_exts(asn1_node defs, asn1_node tbs, const struct hsmca_crl_params *p,
    const unsigned char *aki, size_t aki_len, struct hsmca_error *err)
{
	unsigned char v[CRL_INTEGER_MAX + 8], a[128];
	int vlen = sizeof(v), alen = sizeof(a), r;

	r = ext_value(defs, "HSMCA-CRL.AuthorityKeyIdentifier",
	    "keyIdentifier", aki, aki_len, false, a, &alen, err);
	if (r == 0)
		r = put_ext(tbs, "crlExtensions", OID_AKI, a, (size_t)alen,
		    err);
	if (r == 0)
		r = ext_value(defs, "HSMCA-CRL.CRLNumber", "", p->number,
		    p->number_len, true, v, &vlen, err);
	if (r == 0)
		r = put_ext(tbs, "crlExtensions", OID_NUMBER, v, (size_t)vlen,
		    err);
	return r;
}

/* Encode the TBSCertList into *tbs_out (gnutls_free). */
static int
encode_tbs(asn1_node defs, const struct hsmca_crl_params *p,
    const struct crl_alg *alg, const unsigned char *aki, size_t aki_len,
    gnutls_datum_t *tbs_out, struct hsmca_error *err)
{
	asn1_node tbs = NULL;
	gnutls_datum_t dn = { NULL, 0 };
	int rc, r;

	rc = asn1_create_element(defs, "HSMCA-CRL.TBSCertListOut", &tbs);
	if (rc != ASN1_SUCCESS)
		return crl_tasn_error(err, rc, "TBSCertListOut");
	rc = asn1_write_value(tbs, "version", "1", 0);  /* v2 */
	if (rc != ASN1_SUCCESS) {
		r = crl_tasn_error(err, rc, "version");
		goto out;
	}
	if ((r = put_algid(tbs, "signature", alg, err)) != 0)
		goto out;
	rc = gnutls_x509_crt_get_raw_dn(p->issuer, &dn);
	if (rc < 0) {
		r = hsmca_error_set(err, HSMCA_E_CRYPTO, "crl: issuer "
		    "certificate subject: %s", gnutls_strerror(rc));
		goto out;
	}
	rc = asn1_write_value(tbs, "issuer", dn.data, (int)dn.size);
	if (rc != ASN1_SUCCESS) {
		r = crl_tasn_error(err, rc, "issuer");
		goto out;
	}
	r = put_time(tbs, "thisUpdate", p->this_update, "thisUpdate", err);
	if (r == 0)
		r = put_time(tbs, "nextUpdate", p->next_update, "nextUpdate",
		    err);
	if (r == 0)
		r = put_entries(defs, tbs, p, err);
	if (r == 0)
		r = put_crl_exts(defs, tbs, p, aki, aki_len, err);
	if (r == 0)
		r = crl_der(tbs, tbs_out, err);
out:
	gnutls_free(dn.data);
	asn1_delete_structure(&tbs);
	return r;
}

/* CertificateList from the signed TBS bytes and the signature. */
static int
assemble(asn1_node defs, const gnutls_datum_t *tbs, const struct crl_alg *alg,
    const gnutls_datum_t *sig, gnutls_datum_t *out, struct hsmca_error *err)
{
	asn1_node n = NULL;
	int rc, r;

	rc = asn1_create_element(defs, "HSMCA-CRL.CertificateListOut", &n);
	if (rc != ASN1_SUCCESS)
		return crl_tasn_error(err, rc, "CertificateListOut");
	rc = asn1_write_value(n, "tbsCertList", tbs->data, (int)tbs->size);
	if (rc != ASN1_SUCCESS) {
		r = crl_tasn_error(err, rc, "tbsCertList");
		goto out;
	}
	if ((r = put_algid(n, "signatureAlgorithm", alg, err)) != 0)
		goto out;
	/* ECDSA: GnuTLS already returns the DER Ecdsa-Sig-Value */
	rc = asn1_write_value(n, "signatureValue", sig->data,
	    (int)sig->size * 8);
	if (rc != ASN1_SUCCESS) {
		r = crl_tasn_error(err, rc, "signatureValue");
		goto out;
	}
	r = crl_der(n, out, err);
out:
	asn1_delete_structure(&n);
	return r;
}

/* The RSASSA-PSS parameters for digest dig into alg->params. */
static int
pss_params(asn1_node defs, gnutls_digest_algorithm_t dig,
    struct crl_alg *alg, struct hsmca_error *err)
{
	char desc[ASN1_MAX_ERROR_DESCRIPTION_SIZE];
	unsigned char hash_id[32];
	unsigned char salt = (unsigned char)gnutls_hash_get_len(dig);
	int hash_len = sizeof(hash_id), rc;
	asn1_node h = NULL, n = NULL;
	const char *oid = gnutls_digest_get_oid(dig);

	rc = asn1_create_element(defs, "HSMCA-CRL.AlgorithmIdentifier", &h);
	if (rc == ASN1_SUCCESS)
		rc = asn1_write_value(h, "algorithm", oid, 1);
	/* hash parameters absent, as GnuTLS writes them in certificates */
	if (rc == ASN1_SUCCESS)
		rc = asn1_write_value(h, "parameters", NULL, 0);
	if (rc == ASN1_SUCCESS)
		rc = asn1_der_coding(h, "", hash_id, &hash_len, desc);
	if (rc == ASN1_SUCCESS)
		rc = asn1_create_element(defs, "HSMCA-CRL.RSAPSSParams", &n);
	if (rc == ASN1_SUCCESS)
		rc = asn1_write_value(n, "hashAlgorithm.algorithm", oid, 1);
	if (rc == ASN1_SUCCESS)
		rc = asn1_write_value(n, "hashAlgorithm.parameters", NULL, 0);
	if (rc == ASN1_SUCCESS)
		rc = asn1_write_value(n, "maskGenAlgorithm.algorithm",
		    OID_MGF1, 1);
	if (rc == ASN1_SUCCESS)
		rc = asn1_write_value(n, "maskGenAlgorithm.parameters",
		    hash_id, hash_len);
	if (rc == ASN1_SUCCESS)
		rc = asn1_write_value(n, "saltLength", &salt, 1);
	alg->params_len = sizeof(alg->params);
	if (rc == ASN1_SUCCESS)
		rc = asn1_der_coding(n, "", alg->params, &alg->params_len,
		    desc);
	asn1_delete_structure(&h);
	asn1_delete_structure(&n);
	if (rc != ASN1_SUCCESS) {
		alg->params_len = 0;
		return crl_tasn_error(err, rc, "RSASSA-PSS parameters");
	}
	return 0;
}

/* Pick the signature algorithm for the key and the hash name. */
static int
choose_alg(asn1_node defs, const struct hsmca_crl_params *p,
    struct crl_alg *alg, struct hsmca_error *err)
{
	gnutls_digest_algorithm_t dig;
	int pk;

	if (p->hash == NULL || strcasecmp(p->hash, "sha256") == 0)
		dig = GNUTLS_DIG_SHA256;
	else if (strcasecmp(p->hash, "sha384") == 0)
		dig = GNUTLS_DIG_SHA384;
	else if (strcasecmp(p->hash, "sha512") == 0)
		dig = GNUTLS_DIG_SHA512;
	else
		return hsmca_error_set(err, HSMCA_E_POLICY, "crl: hash '%s' "
		    "is not allowed (sha256, sha384 or sha512)", p->hash);
	pk = gnutls_privkey_get_pk_algorithm(p->key, NULL);
	alg->null_params = false;
	alg->params_len = 0;
	if (p->rsa_pss && pk != GNUTLS_PK_RSA)
		return hsmca_error_set(err, HSMCA_E_USAGE, "crl: RSASSA-PSS "
		    "needs an RSA key");
	if (p->rsa_pss) {
		alg->sign = gnutls_pk_to_sign(GNUTLS_PK_RSA_PSS, dig);
		alg->oid = OID_RSA_PSS;
		return pss_params(defs, dig, alg, err);
	}
	switch (pk) {
	case GNUTLS_PK_RSA:
		alg->null_params = true;
		/* fall through */
	case GNUTLS_PK_ECDSA:
		alg->sign = gnutls_pk_to_sign((gnutls_pk_algorithm_t)pk, dig);
		break;
	case GNUTLS_PK_EDDSA_ED25519:
		alg->sign = GNUTLS_SIGN_EDDSA_ED25519;
		break;
	case GNUTLS_PK_EDDSA_ED448:
		alg->sign = GNUTLS_SIGN_EDDSA_ED448;
		break;
	default:
		return hsmca_error_set(err, HSMCA_E_UNSUPPORTED, "crl: cannot "
		    "sign with a %s key", pk < 0 ? "unknown" :
		    gnutls_pk_get_name((gnutls_pk_algorithm_t)pk));
	}
	alg->oid = gnutls_sign_get_oid(alg->sign);
	if (alg->sign == GNUTLS_SIGN_UNKNOWN || alg->oid == NULL)
		return hsmca_error_set(err, HSMCA_E_UNSUPPORTED, "crl: no "
		    "signature algorithm for %s with %s",
		    gnutls_pk_get_name((gnutls_pk_algorithm_t)pk),
		    gnutls_digest_get_name(dig));
	return 0;
}

/* The AKI key ID: the caller's, or the issuer's SKI; they must agree. */
static int
choose_aki(const struct hsmca_crl_params *p, unsigned char *ski,
    size_t *ski_len, struct hsmca_error *err)
{
	unsigned int crit;
	size_t cap = *ski_len;
	int rc;

	rc = gnutls_x509_crt_get_subject_key_id(p->issuer, ski, ski_len,
	    &crit);
	if (rc < 0 && rc != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		return hsmca_error_set(err, HSMCA_E_CRYPTO, "crl: issuer "
		    "subjectKeyIdentifier: %s", gnutls_strerror(rc));
	if (rc < 0 && p->aki == NULL)
		return hsmca_error_set(err, HSMCA_E_POLICY, "crl: the issuer "
		    "certificate has no subjectKeyIdentifier and no "
		    "authority key ID was given");
	if (p->aki == NULL)
		return 0;
	if (rc == 0 && (*ski_len != p->aki_len ||
	    memcmp(ski, p->aki, p->aki_len) != 0))
		return hsmca_error_set(err, HSMCA_E_POLICY, "crl: authority "
		    "key ID does not match the issuer's subjectKeyIdentifier");
	if (p->aki_len == 0 || p->aki_len > cap)
		return hsmca_error_set(err, HSMCA_E_PARSE, "crl: authority "
		    "key ID is %zu octets long (1 to %zu)", p->aki_len, cap);
	memcpy(ski, p->aki, p->aki_len);
	*ski_len = p->aki_len;
	return 0;
}

/* Everything that can be refused before anything is encoded. */
static int
check_params(const struct hsmca_crl_params *p, struct hsmca_error *err)
{
	unsigned int ku, crit;
	time_t not_after;
	int rc;

	if (p == NULL || p->issuer == NULL || p->key == NULL ||
	    (p->entries == NULL && p->n_entries > 0))
		return hsmca_error_set(err, HSMCA_E_USAGE, "crl: missing "
		    "issuer certificate, key or entries");
	if (p->next_update <= p->this_update)
		return hsmca_error_set(err, HSMCA_E_POLICY, "crl: nextUpdate "
		    "must be after thisUpdate");
	not_after = gnutls_x509_crt_get_expiration_time(p->issuer);
	if (not_after == (time_t)-1)
		return hsmca_error_set(err, HSMCA_E_PARSE, "crl: cannot read "
		    "the issuer certificate's notAfter");
	if (p->next_update > not_after)
		return hsmca_error_set(err, HSMCA_E_POLICY, "crl: nextUpdate "
		    "is after the issuer certificate's notAfter: a CRL that "
		    "would outlive the CA certificate");
	rc = gnutls_x509_crt_get_key_usage(p->issuer, &ku, &crit);
	if (rc >= 0 && !(ku & GNUTLS_KEY_CRL_SIGN))
		return hsmca_error_set(err, HSMCA_E_POLICY, "crl: the issuer "
		    "certificate's keyUsage does not allow cRLSign");
	return 0;
}

/* The signature over the exact TBS bytes, checked with the public key of
 * the issuer certificate: linear in the CRL size, so always done. */
static int
verify_sig(const struct hsmca_crl_params *p, const struct crl_alg *alg,
    const gnutls_datum_t *tbs, const gnutls_datum_t *sig,
    struct hsmca_error *err)
{
	gnutls_pubkey_t pub = NULL;
	int rc;

	rc = gnutls_pubkey_init(&pub);
	if (rc >= 0)
		rc = gnutls_pubkey_import_x509(pub, p->issuer, 0);
	if (rc < 0) {
		gnutls_pubkey_deinit(pub);
		return hsmca_error_set(err, HSMCA_E_CRYPTO, "crl: issuer "
		    "public key: %s", gnutls_strerror(rc));
	}
	rc = gnutls_pubkey_verify_data2(pub, alg->sign, 0, tbs, sig);
	gnutls_pubkey_deinit(pub);
	if (rc < 0)
		return hsmca_error_set(err, HSMCA_E_VERIFY, "crl: the signed crl "
		    "does not verify with the issuer certificate: %s",
		    gnutls_strerror(rc));
	return 0;
}

/* A fresh copy of the issuer from its DER: GnuTLS matches the CRL issuer
 * against the raw DN kept at import, which a certificate built in memory
 * and never imported does not have. */
static int
issuer_copy(gnutls_x509_crt_t issuer, gnutls_x509_crt_t *out,
    struct hsmca_error *err)
{
	gnutls_datum_t der = { NULL, 0 };
	int rc;

	*out = NULL;
	rc = gnutls_x509_crt_export2(issuer, GNUTLS_X509_FMT_DER, &der);
	if (rc >= 0)
		rc = gnutls_x509_crt_init(out);
	if (rc >= 0)
		rc = gnutls_x509_crt_import(*out, &der, GNUTLS_X509_FMT_DER);
	gnutls_free(der.data);
	if (rc < 0) {
		gnutls_x509_crt_deinit(*out);
		*out = NULL;
		return hsmca_error_set(err, HSMCA_E_CRYPTO, "crl: issuer "
		    "certificate: %s", gnutls_strerror(rc));
	}
	return 0;
}

/* Import the finished CRL and verify it with the issuer before release. */
static int
verify_crl(const gnutls_datum_t *der, const struct hsmca_crl_params *p,
    struct hsmca_error *err)
{
	gnutls_x509_crl_t crl = NULL;
	gnutls_x509_crt_t issuer = NULL;
	gnutls_datum_t txt = { NULL, 0 };
	const unsigned int time_bits = GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED |
	    GNUTLS_CERT_REVOCATION_DATA_ISSUED_IN_FUTURE;
	unsigned int status = 0;
	int rc, r = 0, count;

	if ((r = issuer_copy(p->issuer, &issuer, err)) != 0)
		return r;
	if ((rc = gnutls_x509_crl_init(&crl)) < 0) {
		gnutls_x509_crt_deinit(issuer);
		return hsmca_error_set(err, HSMCA_E_NOMEM, "crl: %s",
		    gnutls_strerror(rc));
	}
	rc = gnutls_x509_crl_import(crl, der, GNUTLS_X509_FMT_DER);
	if (rc < 0) {
		r = hsmca_error_set(err, HSMCA_E_VERIFY, "crl: gnutls cannot "
		    "import the signed crl: %s", gnutls_strerror(rc));
		goto out;
	}
	rc = gnutls_x509_crl_verify(crl, &issuer, 1, 0, &status);
	/* the times were checked against the CA; a CRL made for another
	 * clock (GnuTLS compares with the wall clock and adds INVALID) is
	 * not a verification failure.  Real failures carry their own bit. */
	if (status & time_bits) {
		status &= ~time_bits;
		if (status == GNUTLS_CERT_INVALID)
			status = 0;
	}
	if (rc < 0 || status != 0) {
		if (rc >= 0)
			gnutls_certificate_verification_status_print(status,
			    GNUTLS_CRT_X509, &txt, 0);
		r = hsmca_error_set(err, HSMCA_E_VERIFY, "crl: the signed crl "
		    "does not verify with the issuer certificate: %s",
		    rc < 0 ? gnutls_strerror(rc) :
		    txt.data ? (const char *)txt.data : "invalid");
		goto out;
	}
	count = gnutls_x509_crl_get_crt_count(crl);
	if (count < 0 || (size_t)count != p->n_entries)
		r = hsmca_error_set(err, HSMCA_E_INTERNAL, "crl: gnutls reads "
		    "%d entries, %zu were written", count, p->n_entries);
out:
	gnutls_free(txt.data);
	gnutls_x509_crl_deinit(crl);
	gnutls_x509_crt_deinit(issuer);
	return r;
}

int
crl_build_sign(const struct hsmca_crl_params *p, gnutls_datum_t *der_out,
    struct hsmca_error *err)
{
	asn1_node defs = NULL;
	gnutls_datum_t tbs = { NULL, 0 }, sig = { NULL, 0 };
	gnutls_datum_t der = { NULL, 0 };
	unsigned char aki[64];
	size_t aki_len = sizeof(aki);
	struct crl_alg alg;
	int r, rc;

	der_out->data = NULL;
	der_out->size = 0;
	if ((r = check_params(p, err)) != 0)
		return r;
	if ((r = crl_defs(&defs, err)) != 0)
		return r;
	if ((r = choose_alg(defs, p, &alg, err)) != 0 ||
	    (r = choose_aki(p, aki, &aki_len, err)) != 0)
		goto out;
	if ((r = encode_tbs(defs, p, &alg, aki, aki_len, &tbs, err)) != 0)
		goto out;
	rc = gnutls_privkey_sign_data2(p->key, alg.sign, 0, &tbs, &sig);
	if (rc < 0) {
		r = hsmca_error_set(err, HSMCA_E_CRYPTO, "crl: signing with "
		    "%s failed: %s", gnutls_sign_get_name(alg.sign),
		    gnutls_strerror(rc));
		goto out;
	}
	if ((r = assemble(defs, &tbs, &alg, &sig, &der, err)) != 0)
		goto out;
	if ((r = verify_sig(p, &alg, &tbs, &sig, err)) != 0)
		goto out;
	/* GnuTLS's import is quadratic in the entries (libtasn1's decoder) */
	if (p->n_entries <= CRL_GNUTLS_VERIFY_MAX &&
	    (r = verify_crl(&der, p, err)) != 0)
		goto out;
	*der_out = der;
	der.data = NULL;
out:
	gnutls_free(der.data);
	gnutls_free(sig.data);
	gnutls_free(tbs.data);
	asn1_delete_structure(&defs);
	return r;
}
