/* The profile's [extensions] turned into GnuTLS calls, and PKCS#10 requests
 * for `hsmca req` (see hsmca/x509build.h).  The middle floor of the module
 * (x509-int.h): x509build.c calls x509ext_apply(); this file calls only
 * x509util.c (x509_hash(), x509_set_subject(), x509_key_id()), never
 * x509build.c.
 *
 * Every extension is exported to DER with gnutls_x509_ext_export_*() and set
 * with gnutls_x509_crt_set_extension_by_oid(), so that the profile's
 * "critical," is honoured exactly (set_basic_constraints and set_key_usage
 * would force it).  Nothing of the request is copied but its SAN, and only
 * through the profile's san_types allow-list.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <gnutls/x509-ext.h>
#include <libtasn1.h>

#include "hsmca/x509build.h"
#include "x509-int.h"

#define OID_NS_CERT_TYPE "2.16.840.1.113730.1.1"
#define OID_NS_COMMENT "2.16.840.1.113730.1.13"

/* asn1Parser output for:
 *   NS { } DEFINITIONS IMPLICIT TAGS ::= BEGIN
 *   NsCertType ::= BIT STRING  NsComment ::= IA5String  END */
static const asn1_static_node ns_asn1_tab[] = {
	{ "NS", 536875024, NULL },
	{ NULL, 1073741836, NULL },
	{ "NsCertType", 1073741830, NULL },
	{ "NsComment", 29, NULL },
	{ NULL, 0, NULL }
};

static int
put_ext(gnutls_x509_crt_t crt, const char *oid, gnutls_datum_t *der,
    unsigned critical, int gr, const char *what, struct hsmca_error *err)
{
	int r;

	if (gr < 0) {
		gnutls_free(der->data);
		der->data = NULL;
		return hsmca_error_set(err, HSMCA_E_CRYPTO, "%s: %s", what,
		    gnutls_strerror(gr));
	}
	r = gnutls_x509_crt_set_extension_by_oid(crt, oid, der->data,
	    der->size, critical);
	gnutls_free(der->data);
	der->data = NULL;
	if (r < 0)
		return hsmca_error_set(err, HSMCA_E_CRYPTO, "%s: %s", what,
		    gnutls_strerror(r));
	return 0;
}

/* "10.0.0.0/255.0.0.0", "10.0.0.0/8", "2001:db8::/32" -> addr || mask. */
static int
ip_with_mask(const char *text, unsigned char *buf, unsigned *len)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	unsigned alen, prefix, i;
	char *end;
	int fam;

	if (slash == NULL || (size_t)(slash - text) >= sizeof(addr))
		return -1;
	memcpy(addr, text, (size_t)(slash - text));
	addr[slash - text] = '\0';
	fam = strchr(addr, ':') ? AF_INET6 : AF_INET;
	alen = fam == AF_INET6 ? 16 : 4;
	if (inet_pton(fam, addr, buf) != 1)
		return -1;
	if (inet_pton(fam, slash + 1, buf + alen) != 1) {
		prefix = (unsigned)strtoul(slash + 1, &end, 10);
		if (*end != '\0' || end == slash + 1 || prefix > alen * 8)
			return -1;
		memset(buf + alen, 0, alen);
		for (i = 0; i < prefix; i++)
			buf[alen + i / 8] |= (unsigned char)(0x80 >> (i % 8));
	}
	*len = alen * 2;
	return 0;
}

int
x509_gn_to_gnutls(const struct hsmca_general_name *gn, bool with_mask,
    gnutls_x509_subject_alt_name_t *type, unsigned char *ipbuf,
    gnutls_datum_t *out, struct hsmca_error *err)
{
	unsigned len = 0;

	switch (gn->type) {
	case HSMCA_GN_DNS: *type = GNUTLS_SAN_DNSNAME; break;
	case HSMCA_GN_EMAIL: *type = GNUTLS_SAN_RFC822NAME; break;
	case HSMCA_GN_URI: *type = GNUTLS_SAN_URI; break;
	case HSMCA_GN_IP:
		*type = GNUTLS_SAN_IPADDRESS;
		if (with_mask) {
			if (ip_with_mask(gn->value, ipbuf, &len) != 0)
				goto bad_ip;
		} else if (inet_pton(AF_INET, gn->value, ipbuf) == 1) {
			len = 4;
		} else if (inet_pton(AF_INET6, gn->value, ipbuf) == 1) {
			len = 16;
		} else {
			goto bad_ip;
		}
		out->data = ipbuf;
		out->size = len;
		return 0;
	default:
		return hsmca_error_set(err, HSMCA_E_PARSE, "general name '%s': "
		    "type not supported", gn->value);
	}
	if (gn->value[0] == '\0')
		return hsmca_error_set(err, HSMCA_E_PARSE, "empty general name");
	out->data = (unsigned char *)gn->value;
	out->size = (unsigned)strlen(gn->value);
	return 0;
bad_ip:
	return hsmca_error_set(err, HSMCA_E_PARSE, "IP:%s: not an IP address%s",
	    gn->value, with_mask ? " with a mask" : "");
}

static unsigned
ku_to_gnutls(unsigned bits)
{
	static const struct { unsigned h, g; } map[] = {
		{ HSMCA_KU_DIGITAL_SIGNATURE, GNUTLS_KEY_DIGITAL_SIGNATURE },
		{ HSMCA_KU_NON_REPUDIATION, GNUTLS_KEY_NON_REPUDIATION },
		{ HSMCA_KU_KEY_ENCIPHERMENT, GNUTLS_KEY_KEY_ENCIPHERMENT },
		{ HSMCA_KU_DATA_ENCIPHERMENT, GNUTLS_KEY_DATA_ENCIPHERMENT },
		{ HSMCA_KU_KEY_AGREEMENT, GNUTLS_KEY_KEY_AGREEMENT },
		{ HSMCA_KU_KEY_CERT_SIGN, GNUTLS_KEY_KEY_CERT_SIGN },
		{ HSMCA_KU_CRL_SIGN, GNUTLS_KEY_CRL_SIGN },
		{ HSMCA_KU_ENCIPHER_ONLY, GNUTLS_KEY_ENCIPHER_ONLY },
		{ HSMCA_KU_DECIPHER_ONLY, GNUTLS_KEY_DECIPHER_ONLY },
	};
	unsigned g = 0, i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (bits & map[i].h)
			g |= map[i].g;
	return g;
}

static unsigned
san_kind(gnutls_x509_subject_alt_name_t t)
{
	switch (t) {
	case GNUTLS_SAN_DNSNAME: return HSMCA_SAN_DNS;
	case GNUTLS_SAN_IPADDRESS: return HSMCA_SAN_IP;
	case GNUTLS_SAN_RFC822NAME: return HSMCA_SAN_EMAIL;
	case GNUTLS_SAN_URI: return HSMCA_SAN_URI;
	default: return 0;
	}
}

static const char *
san_type_name(gnutls_x509_subject_alt_name_t t)
{
	switch (t) {
	case GNUTLS_SAN_DNSNAME: return "DNS";
	case GNUTLS_SAN_IPADDRESS: return "IP";
	case GNUTLS_SAN_RFC822NAME: return "email";
	case GNUTLS_SAN_URI: return "URI";
	case GNUTLS_SAN_DN: return "dirName";
	case GNUTLS_SAN_OTHERNAME: return "otherName";
	case GNUTLS_SAN_REGISTERED_ID: return "registeredID";
	default: return "unknown";
	}
}

/* Add one name to sans if the profile's san_types allow it. */
static int
san_add(gnutls_subject_alt_names_t sans, const struct hsmca_profile *p,
    gnutls_x509_subject_alt_name_t type, const gnutls_datum_t *d,
    const char *from, struct hsmca_error *err)
{
	unsigned allowed = p->san_types ? p->san_types :
	    HSMCA_SAN_DNS | HSMCA_SAN_IP | HSMCA_SAN_EMAIL | HSMCA_SAN_URI;
	int r;

	if ((san_kind(type) & allowed) == 0)
		return hsmca_error_set(err, HSMCA_E_POLICY, "%s: subjectAltName "
		    "type %s is not allowed by the profile's san_types", from,
		    san_type_name(type));
	if ((r = gnutls_subject_alt_names_set(sans, type, d, NULL)) < 0)
		return hsmca_error_set(err, HSMCA_E_CRYPTO, "%s: subjectAltName: "
		    "%s", from, gnutls_strerror(r));
	return 0;
}

static int
san_add_list(gnutls_subject_alt_names_t sans, const struct hsmca_profile *p,
    const struct hsmca_gn_list *l, const char *from, bool check,
    struct hsmca_error *err)
{
	gnutls_x509_subject_alt_name_t type;
	unsigned char ip[32];
	gnutls_datum_t d;
	size_t i;
	int r;

	for (i = 0; i < l->n; i++) {
		if ((r = x509_gn_to_gnutls(&l->items[i], false, &type, ip, &d,
		    err)) != 0)
			return hsmca_error_prefix(err, "%s", from);
		if (!check) {
			if ((r = gnutls_subject_alt_names_set(sans, type, &d,
			    NULL)) < 0)
				return hsmca_error_set(err, HSMCA_E_CRYPTO, "%s: %s",
				    from, gnutls_strerror(r));
		} else if ((r = san_add(sans, p, type, &d, from, err)) != 0) {
			return r;
		}
	}
	return 0;
}

/* The SAN of a request (csr) or of a certificate being renewed (crt),
 * every name checked against san_types. */
static int
san_from_subject(gnutls_subject_alt_names_t sans,
    const struct hsmca_profile *p, gnutls_x509_crq_t csr,
    gnutls_x509_crt_t crt, size_t *n_out, struct hsmca_error *err)
{
	gnutls_subject_alt_names_t in = NULL;
	gnutls_datum_t der = { NULL, 0 }, san, oth;
	const char *from = csr != NULL ? "request" : "renewed certificate";
	unsigned crit, i, type;
	int r;

	*n_out = 0;
	if (csr != NULL)
		r = gnutls_x509_crq_get_extension_by_oid2(csr,
		    GNUTLS_X509EXT_OID_SAN, 0, &der, &crit);
	else
		r = gnutls_x509_crt_get_extension_by_oid2(crt,
		    GNUTLS_X509EXT_OID_SAN, 0, &der, &crit);
	if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		return 0;
	if (r < 0 || (r = gnutls_subject_alt_names_init(&in)) < 0 ||
	    (r = gnutls_x509_ext_import_subject_alt_names(&der, in, 0)) < 0) {
		r = hsmca_error_set(err, HSMCA_E_PARSE, "%s: malformed "
		    "subjectAltName: %s", from, gnutls_strerror(r));
		goto out;
	}
	for (i = 0;; i++) {
		r = gnutls_subject_alt_names_get(in, i, &type, &san, &oth);
		if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (r < 0) {
			r = hsmca_error_set(err, HSMCA_E_PARSE, "%s: "
			    "subjectAltName: %s", from, gnutls_strerror(r));
			goto out;
		}
		if ((r = san_add(sans, p, type, &san, from, err)) != 0)
			goto out;
		(*n_out)++;
	}
	r = 0;
out:
	gnutls_free(der.data);
	if (in != NULL)
		gnutls_subject_alt_names_deinit(in);
	return r;
}

static int
ext_san(gnutls_x509_crt_t crt, const struct hsmca_issue *in,
    bool subject_empty, struct hsmca_warnings *w, struct hsmca_error *err)
{
	const struct hsmca_profile *p = in->profile;
	gnutls_subject_alt_names_t sans = NULL;
	gnutls_datum_t der = { NULL, 0 };
	size_t n = 0, ncsr = 0;
	int r;

	if ((r = gnutls_subject_alt_names_init(&sans)) < 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	/* a renewal keeps the old SAN, the profile's fixed names included */
	if (in->renew_of == NULL && p->ext.san.present &&
	    (r = san_add_list(sans, p, &p->ext.san.names, "profile", false,
	    err)) != 0)
		goto out;
	n = in->renew_of == NULL && p->ext.san.present ?
	    p->ext.san.names.n : 0;
	if (in->san != NULL && in->san->n > 0) {
		if ((r = san_add_list(sans, p, in->san, "--san", true, err)) != 0)
			goto out;
		n += in->san->n;
	} else if (in->renew_of != NULL || (in->csr != NULL &&
	    p->san_from_csr)) {
		if ((r = san_from_subject(sans, p, in->csr, in->renew_of,
		    &ncsr, err)) != 0)
			goto out;
		n += ncsr;
	} else if (in->csr != NULL && gnutls_x509_crq_get_extension_by_oid2(
	    in->csr, GNUTLS_X509EXT_OID_SAN, 0, &der, NULL) == 0) {
		gnutls_free(der.data);
		der.data = NULL;
		if (w != NULL && hsmca_warn(w, "the request's subjectAltName "
		    "is ignored: the profile does not take it (san_from_csr)"))
			r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	}
	if (r == 0 && n == 0 && p->san_required)
		r = hsmca_error_set(err, HSMCA_E_POLICY, "the profile requires a "
		    "subjectAltName and none was given (request or --san)");
	if (r != 0 || n == 0)
		goto out;
	r = gnutls_x509_ext_export_subject_alt_names(sans, &der);
	r = put_ext(crt, GNUTLS_X509EXT_OID_SAN, &der,
	    p->ext.san.critical || subject_empty, r, "subjectAltName", err);
out:
	gnutls_subject_alt_names_deinit(sans);
	return r;
}

static int
ext_key_ids(gnutls_x509_crt_t crt, const struct hsmca_issue *in,
    gnutls_pubkey_t pub, struct hsmca_warnings *w, struct hsmca_error *err)
{
	const struct hsmca_extensions *e = &in->profile->ext;
	unsigned char ski[20], aki[64];
	size_t akl = sizeof(aki);
	gnutls_datum_t der = { NULL, 0 }, id;
	gnutls_x509_aki_t a = NULL;
	unsigned crit;
	int r;

	if ((r = x509_key_id(pub, ski, err)) != 0)
		return r;
	if (e->ski) {
		id = (gnutls_datum_t){ ski, sizeof(ski) };
		r = gnutls_x509_ext_export_subject_key_id(&id, &der);
		if ((r = put_ext(crt, GNUTLS_X509EXT_OID_SUBJECT_KEY_ID, &der, 0,
		    r, "subjectKeyIdentifier", err)) != 0)
			return r;
	}
	if (!e->aki.present || !e->aki.keyid)
		return 0;
	if (in->issuer == NULL) {
		memcpy(aki, ski, sizeof(ski));
		akl = sizeof(ski);
	} else if (gnutls_x509_crt_get_subject_key_id(in->issuer, aki, &akl,
	    &crit) < 0) {
		if (e->aki.always)
			return hsmca_error_set(err, HSMCA_E_POLICY, "authority"
			    "KeyIdentifier = keyid:always, but the issuer "
			    "certificate has no subjectKeyIdentifier");
		if (w != NULL && hsmca_warn(w, "no authorityKeyIdentifier: the "
		    "issuer certificate has no subjectKeyIdentifier") != 0)
			return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		return 0;
	}
	if ((r = gnutls_x509_aki_init(&a)) < 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	id = (gnutls_datum_t){ aki, (unsigned)akl };
	if ((r = gnutls_x509_aki_set_id(a, &id)) == 0)
		r = gnutls_x509_ext_export_authority_key_id(a, &der);
	gnutls_x509_aki_deinit(a);
	return put_ext(crt, GNUTLS_X509EXT_OID_AUTHORITY_KEY_ID, &der, 0, r,
	    "authorityKeyIdentifier", err);
}

static int
ext_name_constraints(gnutls_x509_crt_t crt, const struct hsmca_extensions *e,
    struct hsmca_error *err)
{
	gnutls_x509_name_constraints_t nc = NULL;
	gnutls_x509_subject_alt_name_t type;
	gnutls_datum_t der = { NULL, 0 }, d;
	unsigned char ip[32];
	size_t i;
	int r, pass;

	if ((r = gnutls_x509_name_constraints_init(&nc)) < 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	for (pass = 0; pass < 2; pass++) {
		const struct hsmca_gn_list *l = pass ?
		    &e->name_constraints.excluded : &e->name_constraints.permitted;

		for (i = 0; i < l->n; i++) {
			if ((r = x509_gn_to_gnutls(&l->items[i], true, &type, ip,
			    &d, err)) != 0) {
				r = hsmca_error_prefix(err, "nameConstraints");
				goto out;
			}
			r = pass ? gnutls_x509_name_constraints_add_excluded(nc,
			    type, &d) : gnutls_x509_name_constraints_add_permitted(
			    nc, type, &d);
			if (r < 0) {
				r = hsmca_error_set(err, HSMCA_E_CRYPTO,
				    "nameConstraints: %s: %s", l->items[i].value,
				    gnutls_strerror(r));
				goto out;
			}
		}
	}
	r = gnutls_x509_ext_export_name_constraints(nc, &der);
	r = put_ext(crt, GNUTLS_X509EXT_OID_NAME_CONSTRAINTS, &der,
	    e->name_constraints.critical, r, "nameConstraints", err);
out:
	gnutls_x509_name_constraints_deinit(nc);
	return r;
}

static int
ext_crl_dp(gnutls_x509_crt_t crt, const struct hsmca_extensions *e,
    struct hsmca_error *err)
{
	gnutls_x509_crl_dist_points_t dp = NULL;
	gnutls_datum_t der = { NULL, 0 }, d;
	size_t i;
	int r = 0;

	if (gnutls_x509_crl_dist_points_init(&dp) < 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	for (i = 0; r >= 0 && i < e->crl_dp.uris.n; i++) {
		d.data = (unsigned char *)e->crl_dp.uris.items[i].value;
		d.size = (unsigned)strlen(e->crl_dp.uris.items[i].value);
		r = gnutls_x509_crl_dist_points_set(dp, GNUTLS_SAN_URI, &d, 0);
	}
	if (r >= 0)
		r = gnutls_x509_ext_export_crl_dist_points(dp, &der);
	gnutls_x509_crl_dist_points_deinit(dp);
	return put_ext(crt, GNUTLS_X509EXT_OID_CRL_DIST_POINTS, &der, 0, r,
	    "crlDistributionPoints", err);
}

static int
ext_aia(gnutls_x509_crt_t crt, const struct hsmca_extensions *e,
    struct hsmca_error *err)
{
	gnutls_x509_aia_t aia = NULL;
	gnutls_datum_t der = { NULL, 0 }, d;
	size_t i, pass;
	int r = 0;

	if (gnutls_x509_aia_init(&aia) < 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	for (pass = 0; pass < 2; pass++) {
		const struct hsmca_gn_list *l = pass ? &e->aia.ca_issuers :
		    &e->aia.ocsp;

		for (i = 0; r >= 0 && i < l->n; i++) {
			d.data = (unsigned char *)l->items[i].value;
			d.size = (unsigned)strlen(l->items[i].value);
			r = gnutls_x509_aia_set(aia, pass ? GNUTLS_OID_AD_CAISSUERS :
			    GNUTLS_OID_AD_OCSP, GNUTLS_SAN_URI, &d);
		}
	}
	if (r >= 0)
		r = gnutls_x509_ext_export_aia(aia, &der);
	gnutls_x509_aia_deinit(aia);
	return put_ext(crt, GNUTLS_X509EXT_OID_AUTHORITY_INFO_ACCESS, &der, 0, r,
	    "authorityInfoAccess", err);
}

static int
ext_policies(gnutls_x509_crt_t crt, const struct hsmca_extensions *e,
    struct hsmca_error *err)
{
	gnutls_x509_policies_t pols = NULL;
	struct gnutls_x509_policy_st st;
	gnutls_datum_t der = { NULL, 0 };
	size_t i;
	int r = 0;

	if (gnutls_x509_policies_init(&pols) < 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	for (i = 0; r >= 0 && i < e->policies.n; i++) {
		memset(&st, 0, sizeof(st));
		st.oid = e->policies.items[i].oid;
		if (e->policies.items[i].cps_uri != NULL) {
			st.qualifiers = 1;
			st.qualifier[0].type = GNUTLS_X509_QUALIFIER_URI;
			st.qualifier[0].data = e->policies.items[i].cps_uri;
			st.qualifier[0].size =
			    (unsigned)strlen(e->policies.items[i].cps_uri);
		}
		r = gnutls_x509_policies_set(pols, &st);
	}
	if (r >= 0)
		r = gnutls_x509_ext_export_policies(pols, &der);
	gnutls_x509_policies_deinit(pols);
	return put_ext(crt, GNUTLS_X509EXT_OID_CRT_POLICY, &der,
	    e->policies.critical, r, "certificatePolicies", err);
}

/* nsCertType / nsComment, DER-encoded by libtasn1 from ns_asn1_tab. */
static int
ns_encode(const char *type, const void *val, int len, gnutls_datum_t *der)
{
	asn1_node defs = NULL, node = NULL;
	int dl = 0, r = -1;

	if (asn1_array2tree(ns_asn1_tab, &defs, NULL) != ASN1_SUCCESS)
		return -1;
	if (asn1_create_element(defs, type, &node) != ASN1_SUCCESS ||
	    asn1_write_value(node, "", val, len) != ASN1_SUCCESS)
		goto out;
	(void)asn1_der_coding(node, "", NULL, &dl, NULL);
	if (dl <= 0 || (der->data = gnutls_malloc((size_t)dl)) == NULL)
		goto out;
	if (asn1_der_coding(node, "", der->data, &dl, NULL) != ASN1_SUCCESS) {
		gnutls_free(der->data);
		der->data = NULL;
		goto out;
	}
	der->size = (unsigned)dl;
	r = 0;
out:
	asn1_delete_structure(&node);
	asn1_delete_structure(&defs);
	return r;
}

static int
ext_netscape(gnutls_x509_crt_t crt, const struct hsmca_profile *p,
    struct hsmca_warnings *w, struct hsmca_error *err)
{
	const struct hsmca_extensions *e = &p->ext;
	gnutls_datum_t der = { NULL, 0 };
	unsigned char bits;
	int nbits, r;

	if (!e->ns_cert_type.present && e->ns_comment == NULL)
		return 0;
	if (!p->allow_netscape)
		return hsmca_error_set(err, HSMCA_E_POLICY, "nsCertType/nsComment"
		    " are obsolete Netscape extensions: refused unless the "
		    "profile sets allow_netscape");
	if (w != NULL && hsmca_warn(w, "the profile adds obsolete Netscape "
	    "extensions (allow_netscape)") != 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	if (e->ns_cert_type.present) {
		/* Named-bit DER: no trailing zero bits. */
		bits = (unsigned char)e->ns_cert_type.bits;
		for (nbits = 8; nbits > 0 && !(bits & (0x80 >> (nbits - 1)));)
			nbits--;
		r = ns_encode("NS.NsCertType", &bits, nbits, &der) ?
		    GNUTLS_E_ASN1_DER_ERROR : 0;
		if ((r = put_ext(crt, OID_NS_CERT_TYPE, &der, 0, r, "nsCertType",
		    err)) != 0)
			return r;
	}
	if (e->ns_comment != NULL) {
		r = ns_encode("NS.NsComment", e->ns_comment,
		    (int)strlen(e->ns_comment), &der) ? GNUTLS_E_ASN1_DER_ERROR : 0;
		if ((r = put_ext(crt, OID_NS_COMMENT, &der, 0, r, "nsComment",
		    err)) != 0)
			return r;
	}
	return 0;
}

static int
ext_usages(gnutls_x509_crt_t crt, const struct hsmca_profile *p,
    gnutls_pubkey_t pub, struct hsmca_error *err)
{
	const struct hsmca_extensions *e = &p->ext;
	gnutls_x509_key_purposes_t kp = NULL;
	gnutls_datum_t der = { NULL, 0 };
	unsigned ku = ku_to_gnutls(e->key_usage.bits);
	size_t i;
	int r;

	/* rsa_key_encipherment: RSA key transport where the key type allows
	 * it, never on EC or Ed25519 (lint would refuse it there). */
	if (p->rsa_key_encipherment &&
	    gnutls_pubkey_get_pk_algorithm(pub, NULL) == GNUTLS_PK_RSA)
		ku |= GNUTLS_KEY_KEY_ENCIPHERMENT;
	if (e->key_usage.present) {
		r = gnutls_x509_ext_export_key_usage(ku, &der);
		if ((r = put_ext(crt, GNUTLS_X509EXT_OID_KEY_USAGE, &der,
		    e->key_usage.critical, r, "keyUsage", err)) != 0)
			return r;
	}
	if (e->basic_constraints.present) {
		r = gnutls_x509_ext_export_basic_constraints(
		    e->basic_constraints.ca, e->basic_constraints.pathlen, &der);
		if ((r = put_ext(crt, GNUTLS_X509EXT_OID_BASIC_CONSTRAINTS, &der,
		    e->basic_constraints.critical, r, "basicConstraints",
		    err)) != 0)
			return r;
	}
	if (!e->ext_key_usage.present)
		return 0;
	if (gnutls_x509_key_purpose_init(&kp) < 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	for (r = 0, i = 0; r >= 0 && i < e->ext_key_usage.n; i++)
		r = gnutls_x509_key_purpose_set(kp, e->ext_key_usage.oids[i]);
	if (r >= 0)
		r = gnutls_x509_ext_export_key_purposes(kp, &der);
	gnutls_x509_key_purpose_deinit(kp);
	return put_ext(crt, GNUTLS_X509EXT_OID_EXTENDED_KEY_USAGE, &der,
	    e->ext_key_usage.critical, r, "extendedKeyUsage", err);
}

int
x509ext_apply(gnutls_x509_crt_t crt, const struct hsmca_issue *in,
    gnutls_pubkey_t subject_pub, bool subject_empty,
    struct hsmca_warnings *w, struct hsmca_error *err)
{
	const struct hsmca_extensions *e = &in->profile->ext;
	int r;

	/* Order as in web PKI certificates: KU, BC, EKU, SKI, AKI, SAN, ... */
	if ((r = ext_usages(crt, in->profile, subject_pub, err)) != 0 ||
	    (r = ext_key_ids(crt, in, subject_pub, w, err)) != 0 ||
	    (r = ext_san(crt, in, subject_empty, w, err)) != 0)
		return r;
	if (e->name_constraints.present &&
	    (r = ext_name_constraints(crt, e, err)) != 0)
		return r;
	if (e->crl_dp.present && (r = ext_crl_dp(crt, e, err)) != 0)
		return r;
	if (e->aia.present && (r = ext_aia(crt, e, err)) != 0)
		return r;
	if (e->policies.present && (r = ext_policies(crt, e, err)) != 0)
		return r;
	return ext_netscape(crt, in->profile, w, err);
}

/* ---- requests ----------------------------------------------------------- */

static int
csr_add_sans(gnutls_x509_crq_t q, const struct hsmca_gn_list *sans,
    struct hsmca_error *err)
{
	gnutls_x509_subject_alt_name_t type;
	unsigned char ip[32];
	gnutls_datum_t d;
	size_t i;
	int r;

	for (i = 0; sans != NULL && i < sans->n; i++) {
		if ((r = x509_gn_to_gnutls(&sans->items[i], false, &type, ip, &d,
		    err)) != 0)
			return r;
		if ((r = gnutls_x509_crq_set_subject_alt_name(q, type, d.data,
		    d.size, GNUTLS_FSAN_APPEND)) < 0)
			return hsmca_error_set(err, HSMCA_E_PARSE, "--san %s: %s",
			    sans->items[i].value, gnutls_strerror(r));
	}
	return 0;
}

int
x509_build_csr(gnutls_privkey_t key, gnutls_pubkey_t pub,
    const char *subject, const struct hsmca_gn_list *sans, const char *hash,
    gnutls_datum_t *pem_out, struct hsmca_error *err)
{
	gnutls_digest_algorithm_t dig = x509_hash(hash);
	struct hsmca_dn dn = { NULL, 0 };
	gnutls_x509_crq_t q = NULL;
	int r;

	if (dig == GNUTLS_DIG_UNKNOWN)
		return hsmca_error_set(err, HSMCA_E_USAGE, "unknown hash '%s' "
		    "(sha256, sha384 or sha512)", hash);
	if ((r = dn_parse("--subject", subject, &dn, err)) != 0)
		return r;
	if ((r = gnutls_x509_crq_init(&q)) < 0) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "request: %s",
		    gnutls_strerror(r));
		goto out;
	}
	if ((r = gnutls_x509_crq_set_version(q, 1)) < 0 ||
	    (r = gnutls_x509_crq_set_pubkey(q, pub)) < 0) {
		r = hsmca_error_set(err, HSMCA_E_CRYPTO, "request: %s",
		    gnutls_strerror(r));
		goto out;
	}
	/* Only a SAN is requested: no EKU, so B3 (EKU inheriting another
	 * extension's critical flag) cannot bite. */
	if ((r = x509_set_subject(NULL, q, &dn, err)) != 0 ||
	    (r = csr_add_sans(q, sans, err)) != 0)
		goto out;
	if ((r = gnutls_x509_crq_privkey_sign(q, key, dig, 0)) < 0) {
		r = hsmca_error_set(err, HSMCA_E_CRYPTO, "signing the request: "
		    "%s", gnutls_strerror(r));
		goto out;
	}
	if ((r = gnutls_x509_crq_verify(q, 0)) < 0) {
		r = hsmca_error_set(err, HSMCA_E_VERIFY, "the new request's "
		    "signature does not verify: the key does not match");
		goto out;
	}
	if ((r = gnutls_x509_crq_export2(q, GNUTLS_X509_FMT_PEM, pem_out)) < 0) {
		r = hsmca_error_set(err, HSMCA_E_CRYPTO, "request: %s",
		    gnutls_strerror(r));
		goto out;
	}
	r = 0;
out:
	if (q != NULL)
		gnutls_x509_crq_deinit(q);
	dn_clear(&dn);
	return r;
}
