/* hsmca — reason names, reading CRL entries, and the libtasn1 helpers the
 * CRL builder shares (see hsmca/crl.h and src/crl-internal.h). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>
#include <libtasn1.h>

#include "crl-internal.h"
#include "hsmca/crl.h"

#define OID_REASON "2.5.29.21"

/* Indexed by code; code 7 is unused.  Spelled as OpenSSL writes them. */
static const char *const reason_names[CRL_REASON_MAX + 1] = {
	"unspecified", "keyCompromise", "CACompromise", "affiliationChanged",
	"superseded", "cessationOfOperation", "certificateHold", NULL,
	"removeFromCRL", "privilegeWithdrawn", "AACompromise",
};

/* What OpenSSL's "ca" writes in index.txt for -crl_compromise,
 * -crl_CA_compromise and -crl_hold; its CRLs carry these reason codes (and
 * an argument hsmca does not write: an invalidity date or hold OID). */
static const struct {
	const char *name;
	int code;
} reason_aliases[] = {
	{ "keyTime", 1 }, { "CAkeyTime", 2 }, { "holdInstruction", 6 },
};

int
crl_reason_from_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return CRL_REASON_NONE;
	for (i = 0; i <= CRL_REASON_MAX; i++)
		if (reason_names[i] != NULL &&
		    strcasecmp(name, reason_names[i]) == 0)
			return (int)i;
	for (i = 0; i < sizeof(reason_aliases) / sizeof(reason_aliases[0]);
	    i++)
		if (strcasecmp(name, reason_aliases[i].name) == 0)
			return reason_aliases[i].code;
	return CRL_REASON_NONE;
}

const char *
crl_reason_name(int code)
{
	if (code < 0 || code > CRL_REASON_MAX)
		return NULL;
	return reason_names[code];
}

int
crl_tasn_error(struct hsmca_error *err, int rc, const char *what)
{
	if (rc == ASN1_MEM_ALLOC_ERROR)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "crl: out of memory");
	return hsmca_error_set(err, HSMCA_E_INTERNAL, "crl: libtasn1 refused "
	    "%s: %s", what, asn1_strerror(rc));
}

int
crl_defs(asn1_node *defs, struct hsmca_error *err)
{
	char desc[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
	int rc;

	*defs = NULL;
	rc = asn1_array2tree(hsmca_crl_asn1_tab, defs, desc);
	if (rc != ASN1_SUCCESS)
		return hsmca_error_set(err, rc == ASN1_MEM_ALLOC_ERROR ?
		    HSMCA_E_NOMEM : HSMCA_E_INTERNAL,
		    "crl: asn.1 definitions: %s %s", asn1_strerror(rc), desc);
	return 0;
}

int
crl_der(asn1_node n, gnutls_datum_t *out, struct hsmca_error *err)
{
	char desc[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
	int len = 0, rc;

	out->data = NULL;
	out->size = 0;
	rc = asn1_der_coding(n, "", NULL, &len, desc);
	if (rc != ASN1_MEM_ERROR)
		return crl_tasn_error(err, rc, desc);
	out->data = gnutls_malloc((size_t)len);
	if (out->data == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "crl: out of memory");
	rc = asn1_der_coding(n, "", out->data, &len, desc);
	if (rc != ASN1_SUCCESS) {
		gnutls_free(out->data);
		out->data = NULL;
		return crl_tasn_error(err, rc, desc);
	}
	out->size = (unsigned int)len;
	return 0;
}

void
crl_magnitude(const unsigned char *b, size_t len, const unsigned char **m,
    size_t *mlen)
{
	while (len > 1 && b[0] == 0) {
		b++;
		len--;
	}
	*m = b;
	*mlen = len;
}

/* Decode one extnValue as CRLReason and check the code. */
static int
decode_reason(asn1_node defs, const unsigned char *v, int vlen, size_t idx,
    int *reason, struct hsmca_error *err)
{
	char desc[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
	asn1_node n = NULL;
	unsigned char b[8];
	int blen = sizeof(b), rc, r = 0;

	rc = asn1_create_element(defs, "HSMCA-CRL.CRLReason", &n);
	if (rc != ASN1_SUCCESS)
		return crl_tasn_error(err, rc, "CRLReason");
	rc = asn1_der_decoding(&n, v, vlen, desc);
	if (rc == ASN1_SUCCESS)
		rc = asn1_read_value(n, "", b, &blen);
	if (rc != ASN1_SUCCESS || blen != 1 ||
	    crl_reason_name(b[0]) == NULL)
		r = hsmca_error_set(err, HSMCA_E_PARSE, "crl: entry %zu: "
		    "invalid reasonCode", idx);
	else
		*reason = b[0];
	asn1_delete_structure(&n);
	return r;
}

/* The reasonCode of a decoded RevokedCertificate, or CRL_REASON_NONE. */
static int
entry_reason(asn1_node defs, asn1_node e, size_t idx, int *reason,
    struct hsmca_error *err)
{
	char name[64], oid[128];
	unsigned char v[32];
	int count = 0, k, len, rc;

	*reason = CRL_REASON_NONE;
	rc = asn1_number_of_elements(e, "crlEntryExtensions", &count);
	if (rc == ASN1_ELEMENT_NOT_FOUND)
		return 0;
	if (rc != ASN1_SUCCESS)
		return crl_tasn_error(err, rc, "crlEntryExtensions");
	for (k = 1; k <= count; k++) {
		snprintf(name, sizeof(name), "crlEntryExtensions.?%d.extnID",
		    k);
		len = sizeof(oid);
		if (asn1_read_value(e, name, oid, &len) != ASN1_SUCCESS)
			return hsmca_error_set(err, HSMCA_E_PARSE, "crl: entry "
			    "%zu: unreadable extension %d", idx, k);
		if (strcmp(oid, OID_REASON) != 0)
			continue;
		snprintf(name, sizeof(name),
		    "crlEntryExtensions.?%d.extnValue", k);
		len = sizeof(v);
		if (asn1_read_value(e, name, v, &len) != ASN1_SUCCESS)
			return hsmca_error_set(err, HSMCA_E_PARSE, "crl: entry "
			    "%zu: invalid reasonCode", idx);
		return decode_reason(defs, v, len, idx, reason, err);
	}
	return 0;
}

/* Decode the entry at der (len octets) and compare its serial with m. */
static int
match_entry(asn1_node defs, const unsigned char *der, int len, size_t idx,
    const unsigned char *m, size_t mlen, int *reason,
    struct hsmca_error *err)
{
	char desc[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
	asn1_node e = NULL;
	unsigned char s[64];
	const unsigned char *sm;
	size_t smlen;
	int slen = sizeof(s), rc, r;

	rc = asn1_create_element(defs, "HSMCA-CRL.RevokedCertificate", &e);
	if (rc != ASN1_SUCCESS)
		return crl_tasn_error(err, rc, "RevokedCertificate");
	rc = asn1_der_decoding(&e, der, len, desc);
	if (rc == ASN1_SUCCESS)
		rc = asn1_read_value(e, "userCertificate", s, &slen);
	if (rc != ASN1_SUCCESS) {
		r = hsmca_error_set(err, HSMCA_E_PARSE, "crl: entry %zu: %s",
		    idx, desc[0] ? desc : asn1_strerror(rc));
		goto out;
	}
	crl_magnitude(s, (size_t)slen, &sm, &smlen);
	r = HSMCA_E_NOTFOUND;
	if (smlen == mlen && memcmp(sm, m, mlen) == 0)
		r = entry_reason(defs, e, idx, reason, err);
out:
	asn1_delete_structure(&e);
	return r;
}

/* Walk the revokedCertificates SEQUENCE OF (der, len: its whole TLV); each
 * entry is decoded on its own so that the search stays linear. */
static int
walk_entries(asn1_node defs, const unsigned char *der, int len,
    const unsigned char *m, size_t mlen, int *reason,
    struct hsmca_error *err)
{
	const unsigned char *p = der;
	int left = len, taglen, lenlen, r;
	long vlen;
	unsigned long tag;
	unsigned char cls;
	size_t idx = 0;

	if (asn1_get_tag_der(p, left, &cls, &taglen, &tag) != ASN1_SUCCESS)
		goto bad;
	if (cls != ASN1_CLASS_STRUCTURED || tag != ASN1_TAG_SEQUENCE)
		return hsmca_error_set(err, HSMCA_E_NOTFOUND, "crl: serial is "
		    "not listed (the crl has no entries)");
	vlen = asn1_get_length_der(p + taglen, left - taglen, &lenlen);
	if (vlen < 0 || vlen != left - taglen - lenlen)
		goto bad;
	p += taglen + lenlen;
	left -= taglen + lenlen;
	while (left > 0) {
		idx++;
		if (asn1_get_tag_der(p, left, &cls, &taglen, &tag) !=
		    ASN1_SUCCESS || (vlen = asn1_get_length_der(p + taglen,
		    left - taglen, &lenlen)) < 0 ||
		    vlen > left - taglen - lenlen)
			goto bad;
		r = match_entry(defs, p, taglen + lenlen + (int)vlen, idx, m,
		    mlen, reason, err);
		if (r != HSMCA_E_NOTFOUND)
			return r;
		p += taglen + lenlen + vlen;
		left -= taglen + lenlen + (int)vlen;
	}
	return hsmca_error_set(err, HSMCA_E_NOTFOUND, "crl: serial is not "
	    "listed");
bad:
	return hsmca_error_set(err, HSMCA_E_PARSE, "crl: malformed "
	    "revokedCertificates (entry %zu)", idx);
}

/* Decode der (len octets) as type into a new *n; the range of field is
 * stored in *start / *end (HSMCA_E_NOTFOUND when the field is absent). */
static int
decode_range(asn1_node defs, const char *type, const unsigned char *der,
    int len, const char *field, asn1_node *n, int *start, int *end,
    struct hsmca_error *err)
{
	char desc[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
	int rc;

	rc = asn1_create_element(defs, type, n);
	if (rc != ASN1_SUCCESS)
		return crl_tasn_error(err, rc, type);
	rc = asn1_der_decoding(n, der, len, desc);
	if (rc != ASN1_SUCCESS)
		return hsmca_error_set(err, HSMCA_E_PARSE, "crl: not a DER crl: "
		    "%s%s%s", asn1_strerror(rc), desc[0] ? ": " : "", desc);
	rc = asn1_der_decoding_startEnd(*n, der, len, field, start, end);
	if (rc == ASN1_ELEMENT_NOT_FOUND)
		return hsmca_error_set(err, HSMCA_E_NOTFOUND, "crl: serial is "
		    "not listed (the crl has no entries)");
	if (rc != ASN1_SUCCESS)
		return crl_tasn_error(err, rc, field);
	return 0;
}

int
crl_entry_reason(const gnutls_datum_t *crl_der, const unsigned char *serial,
    size_t serial_len, int *reason, struct hsmca_error *err)
{
	asn1_node defs = NULL, crl = NULL, tbs = NULL;
	const unsigned char *m, *t;
	size_t mlen;
	int start, end, r;

	*reason = CRL_REASON_NONE;
	if (serial == NULL || serial_len == 0 || crl_der == NULL ||
	    crl_der->data == NULL)
		return hsmca_error_set(err, HSMCA_E_USAGE, "crl: missing crl "
		    "or serial");
	crl_magnitude(serial, serial_len, &m, &mlen);
	if ((r = crl_defs(&defs, err)) != 0)
		return r;
	r = decode_range(defs, "HSMCA-CRL.CertificateListOut", crl_der->data,
	    (int)crl_der->size, "tbsCertList", &crl, &start, &end, err);
	if (r != 0)
		goto out;
	t = crl_der->data + start;
	r = decode_range(defs, "HSMCA-CRL.TBSCertListIn", t, end - start + 1,
	    "revokedCertificates", &tbs, &start, &end, err);
	if (r == 0)
		r = walk_entries(defs, t + start, end - start + 1, m, mlen,
		    reason, err);
out:
	asn1_delete_structure(&tbs);
	asn1_delete_structure(&crl);
	asn1_delete_structure(&defs);
	return r;
}
