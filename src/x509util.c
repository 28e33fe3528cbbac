/* The floor below src/x509build.c and src/x509ext.c (see x509-int.h for the
 * layering): digest names, writing a subject, the RFC 5280 key identifier
 * and stepping into DER.  Calls nothing of the other two files.
 * x509_hash() and x509_key_id(): see hsmca/x509build.h; the rest: see
 * x509-int.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <libtasn1.h>

#include "hsmca/x509build.h"
#include "x509-int.h"

/* ---- DER and key identifiers ------------------------------------------- */

long
x509_der_enter(const unsigned char **p, long *left, unsigned long want_tag)
{
	unsigned char cls;
	unsigned long tag;
	int tl, ll;
	long len;

	if (asn1_get_tag_der(*p, *left, &cls, &tl, &tag) != ASN1_SUCCESS ||
	    tag != want_tag)
		return -1;
	len = asn1_get_length_der(*p + tl, *left - tl, &ll);
	if (len < 0 || len > *left - tl - ll)
		return -1;
	*p += tl + ll;
	*left -= tl + ll;
	return len;
}

int
x509_key_id(gnutls_pubkey_t pub, unsigned char id[20],
    struct hsmca_error *err)
{
	gnutls_datum_t der = { NULL, 0 };
	const unsigned char *p;
	long left, len;
	int r;

	if ((r = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der)) < 0)
		return hsmca_error_set(err, HSMCA_E_CRYPTO, "public key: %s",
		    gnutls_strerror(r));
	p = der.data;
	left = der.size;
	/* SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey } */
	r = HSMCA_E_CRYPTO;
	if ((left = x509_der_enter(&p, &left, ASN1_TAG_SEQUENCE)) < 0)
		goto bad;
	if ((len = x509_der_enter(&p, &left, ASN1_TAG_SEQUENCE)) < 0)
		goto bad;
	p += len;
	left -= len;
	if ((len = x509_der_enter(&p, &left, ASN1_TAG_BIT_STRING)) < 1)
		goto bad;
	/* Method (1) hashes the key bits, not the unused-bits octet. */
	if (gnutls_hash_fast(GNUTLS_DIG_SHA1, p + 1, (size_t)len - 1, id) < 0)
		goto bad;
	gnutls_free(der.data);
	return 0;
bad:
	gnutls_free(der.data);
	return hsmca_error_set(err, r, "public key: malformed "
	    "SubjectPublicKeyInfo");
}

/* ---- digests and subjects ------------------------------------------------ */

gnutls_digest_algorithm_t
x509_hash(const char *hash)
{
	if (hash == NULL || strcasecmp(hash, "sha256") == 0)
		return GNUTLS_DIG_SHA256;
	if (strcasecmp(hash, "sha384") == 0)
		return GNUTLS_DIG_SHA384;
	if (strcasecmp(hash, "sha512") == 0)
		return GNUTLS_DIG_SHA512;
	return GNUTLS_DIG_UNKNOWN;
}

/* Write dn's attributes in order; set_dn_by_oid appends one RDN per call
 * (L4: set_dn cannot do emailAddress or other names it does not know). */
int
x509_set_subject(gnutls_x509_crt_t crt, gnutls_x509_crq_t crq,
    const struct hsmca_dn *dn, struct hsmca_error *err)
{
	unsigned char tl[16], *raw = NULL;
	unsigned int tl_len;
	size_t i, vlen;
	int r;

	for (i = 0; i < dn->n; i++) {
		const char *oid = dn->attrs[i].oid, *v = dn->attrs[i].value;

		vlen = strlen(v);
		r = crt ? gnutls_x509_crt_set_dn_by_oid(crt, oid, 0, v, vlen) :
		    gnutls_x509_crq_set_dn_by_oid(crq, oid, 0, v, vlen);
		if (r == 0)
			continue;
		/* An OID GnuTLS has no string type for: UTF8String. */
		tl_len = sizeof(tl);
		if (asn1_encode_simple_der(ASN1_ETYPE_UTF8_STRING,
		    (const unsigned char *)v, vlen, tl, &tl_len) != ASN1_SUCCESS ||
		    (raw = malloc(tl_len + vlen)) == NULL)
			return hsmca_error_set(err, HSMCA_E_CRYPTO,
			    "subject: cannot encode %s", oid);
		memcpy(raw, tl, tl_len);
		memcpy(raw + tl_len, v, vlen);
		r = crt ? gnutls_x509_crt_set_dn_by_oid(crt, oid, 1, raw,
		    tl_len + vlen) : gnutls_x509_crq_set_dn_by_oid(crq, oid, 1,
		    raw, tl_len + vlen);
		free(raw);
		raw = NULL;
		if (r < 0)
			return hsmca_error_set(err, HSMCA_E_CRYPTO,
			    "subject: %s: %s", oid, gnutls_strerror(r));
	}
	return 0;
}
