/* see hsmca/x509build.h.  The top floor of the module (x509-int.h): it calls
 * x509ext.c for the profile's extensions and x509util.c for digests,
 * subjects and DER; neither calls back. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <libtasn1.h>

#include "hsmca/dn.h"
#include "hsmca/x509build.h"
#include "x509-int.h"

static int
gt_fail(struct hsmca_error *err, int code, int gr, const char *what)
{
	return hsmca_error_set(err, code, "%s: %s", what, gnutls_strerror(gr));
}

/* ---- classifying and loading -------------------------------------------- */

static const struct {
	const char *label;
	enum x509_kind kind;
} pem_labels[] = {
	{ "CERTIFICATE REQUEST", X509_KIND_CSR },
	{ "NEW CERTIFICATE REQUEST", X509_KIND_CSR },
	{ "X509 CERTIFICATE", X509_KIND_CRT },
	{ "TRUSTED CERTIFICATE", X509_KIND_CRT },
	{ "CERTIFICATE", X509_KIND_CRT },
	{ "X509 CRL", X509_KIND_CRL },
	{ "PRIVATE KEY", X509_KIND_PRIVKEY },
	{ "ENCRYPTED PRIVATE KEY", X509_KIND_PRIVKEY },
	{ "RSA PRIVATE KEY", X509_KIND_PRIVKEY },
	{ "EC PRIVATE KEY", X509_KIND_PRIVKEY },
	{ "PUBLIC KEY", X509_KIND_PUBKEY },
	{ "RSA PUBLIC KEY", X509_KIND_PUBKEY },
};

static const unsigned char *
find_pem(const unsigned char *buf, size_t len)
{
	return memmem(buf, len, "-----BEGIN ", 11);
}

static enum x509_kind
pem_kind(const unsigned char *begin, size_t left)
{
	size_t i, l;

	begin += 11;
	left -= 11;
	for (i = 0; i < sizeof(pem_labels) / sizeof(pem_labels[0]); i++) {
		l = strlen(pem_labels[i].label);
		if (left >= l + 5 && memcmp(begin, pem_labels[i].label, l) == 0 &&
		    memcmp(begin + l, "-----", 5) == 0)
			return pem_labels[i].kind;
	}
	return X509_KIND_UNKNOWN;
}

enum x509_kind
x509_classify(const unsigned char *buf, size_t len)
{
	const unsigned char *p = find_pem(buf, len);
	gnutls_datum_t d = { (unsigned char *)buf, (unsigned)len };
	enum x509_kind k = X509_KIND_UNKNOWN;
	gnutls_x509_crt_t c;
	gnutls_x509_crq_t q;
	gnutls_x509_crl_t l;

	if (p != NULL)
		return pem_kind(p, len - (size_t)(p - buf));
	if (len > X509_MAX_CRL)
		return k;
	if (gnutls_x509_crt_init(&c) == 0) {
		if (gnutls_x509_crt_import(c, &d, GNUTLS_X509_FMT_DER) == 0)
			k = X509_KIND_CRT;
		gnutls_x509_crt_deinit(c);
	}
	if (k == X509_KIND_UNKNOWN && gnutls_x509_crq_init(&q) == 0) {
		if (gnutls_x509_crq_import(q, &d, GNUTLS_X509_FMT_DER) == 0)
			k = X509_KIND_CSR;
		gnutls_x509_crq_deinit(q);
	}
	if (k == X509_KIND_UNKNOWN && gnutls_x509_crl_init(&l) == 0) {
		if (gnutls_x509_crl_import(l, &d, GNUTLS_X509_FMT_DER) == 0)
			k = X509_KIND_CRL;
		gnutls_x509_crl_deinit(l);
	}
	return k;
}

const char *
x509_kind_name(enum x509_kind k)
{
	switch (k) {
	case X509_KIND_CRT: return "a certificate";
	case X509_KIND_CSR: return "a certificate request";
	case X509_KIND_CRL: return "a CRL";
	case X509_KIND_PRIVKEY: return "a private key";
	case X509_KIND_PUBKEY: return "a public key";
	default: return "garbage";
	}
}

/* Common checks: size, and that buf holds the wanted kind. */
static int
load_check(const char *name, const unsigned char *buf, size_t len,
    enum x509_kind want, const char *want_name, gnutls_x509_crt_fmt_t *fmt,
    struct hsmca_error *err)
{
	size_t max = want == X509_KIND_CRL ? X509_MAX_CRL : X509_MAX_INPUT;
	enum x509_kind k;

	if (len > max)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: too large (%zu bytes, at most %zu)", name, len, max);
	if (len == 0)
		return hsmca_error_set(err, HSMCA_E_PARSE, "%s: empty file",
		    name);
	*fmt = find_pem(buf, len) ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER;
	k = x509_classify(buf, len);
	if (k == want)
		return 0;
	if (k == X509_KIND_UNKNOWN)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: not %s (garbage, truncated or unknown PEM label)",
		    name, want_name);
	return hsmca_error_set(err, HSMCA_E_PARSE, "%s: this is %s, not %s",
	    name, x509_kind_name(k), want_name);
}

int
x509_load_csr(const char *name, const unsigned char *buf, size_t len,
    gnutls_x509_crq_t *out, struct hsmca_error *err)
{
	gnutls_datum_t d = { (unsigned char *)buf, (unsigned)len };
	gnutls_x509_crt_fmt_t fmt = GNUTLS_X509_FMT_DER;
	gnutls_x509_crq_t q = NULL;
	int r;

	if ((r = load_check(name, buf, len, X509_KIND_CSR,
	    "a certificate request", &fmt, err)) != 0)
		return r;
	if ((r = gnutls_x509_crq_init(&q)) < 0)
		return gt_fail(err, HSMCA_E_NOMEM, r, name);
	if ((r = gnutls_x509_crq_import(q, &d, fmt)) < 0) {
		r = hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: malformed certificate request: %s", name,
		    gnutls_strerror(r));
		goto fail;
	}
	if ((r = gnutls_x509_crq_verify(q, 0)) < 0) {
		r = hsmca_error_set(err, HSMCA_E_VERIFY,
		    "%s: the request's signature does not verify (no proof "
		    "of possession): %s", name, gnutls_strerror(r));
		goto fail;
	}
	*out = q;
	return 0;
fail:
	gnutls_x509_crq_deinit(q);
	return r;
}

int
x509_load_crt(const char *name, const unsigned char *buf, size_t len,
    gnutls_x509_crt_t *out, struct hsmca_error *err)
{
	gnutls_x509_crt_t *list = NULL;
	size_t n = 0, i;
	int r;

	if ((r = x509_load_crt_list(name, buf, len, &list, &n, err)) != 0)
		return r;
	*out = list[0];
	for (i = 1; i < n; i++)
		gnutls_x509_crt_deinit(list[i]);
	free(list);
	return 0;
}

int
x509_load_crt_list(const char *name, const unsigned char *buf, size_t len,
    gnutls_x509_crt_t **out, size_t *n, struct hsmca_error *err)
{
	gnutls_datum_t d = { (unsigned char *)buf, (unsigned)len };
	gnutls_x509_crt_fmt_t fmt = GNUTLS_X509_FMT_DER;
	gnutls_x509_crt_t *gl = NULL, *list;
	unsigned gn = 0, i;
	int r;

	if ((r = load_check(name, buf, len, X509_KIND_CRT, "a certificate",
	    &fmt, err)) != 0)
		return r;
	r = gnutls_x509_crt_list_import2(&gl, &gn, &d, fmt, 0);
	if (r < 0 || gn == 0)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: malformed certificate: %s", name,
		    gnutls_strerror(r < 0 ? r : GNUTLS_E_NO_CERTIFICATE_FOUND));
	/* Move into malloc'ed storage so that the caller frees with free(). */
	if ((list = calloc(gn, sizeof(*list))) == NULL) {
		for (i = 0; i < gn; i++)
			gnutls_x509_crt_deinit(gl[i]);
		gnutls_free(gl);
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	}
	memcpy(list, gl, gn * sizeof(*list));
	gnutls_free(gl);
	*out = list;
	*n = gn;
	return 0;
}

void
x509_crt_list_free(gnutls_x509_crt_t *list, size_t n)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(list[i]);
	free(list);
}

int
x509_load_crl(const char *name, const unsigned char *buf, size_t len,
    gnutls_x509_crl_t *out, struct hsmca_error *err)
{
	gnutls_datum_t d = { (unsigned char *)buf, (unsigned)len };
	gnutls_x509_crt_fmt_t fmt = GNUTLS_X509_FMT_DER;
	gnutls_x509_crl_t l;
	int r;

	if ((r = load_check(name, buf, len, X509_KIND_CRL, "a CRL", &fmt,
	    err)) != 0)
		return r;
	if ((r = gnutls_x509_crl_init(&l)) < 0)
		return gt_fail(err, HSMCA_E_NOMEM, r, name);
	if ((r = gnutls_x509_crl_import(l, &d, fmt)) < 0) {
		gnutls_x509_crl_deinit(l);
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: malformed CRL: %s", name, gnutls_strerror(r));
	}
	*out = l;
	return 0;
}

/* ---- DNs -------------------------------------------------------------- */

static int
dn_from_gnutls(gnutls_x509_dn_t gdn, const char *what, struct hsmca_dn *out,
    struct hsmca_error *err)
{
	struct hsmca_dn dn = { NULL, 0 };
	gnutls_x509_ava_st ava;
	char oid[128], *val = NULL;
	int irdn, r;

	for (irdn = 0;; irdn++) {
		r = gnutls_x509_dn_get_rdn_ava(gdn, irdn, 0, &ava);
		if (r == GNUTLS_E_ASN1_ELEMENT_NOT_FOUND)
			break;
		if (r < 0) {
			r = gt_fail(err, HSMCA_E_PARSE, r, what);
			goto fail;
		}
		if (gnutls_x509_dn_get_rdn_ava(gdn, irdn, 1, &ava) == 0) {
			r = hsmca_error_set(err, HSMCA_E_PARSE, "%s: multi-valued "
			    "RDNs are not supported", what);
			goto fail;
		}
		(void)gnutls_x509_dn_get_rdn_ava(gdn, irdn, 0, &ava);
		if (ava.oid.size >= sizeof(oid) ||
		    (ava.value_tag != 12 && ava.value_tag != 19 &&
		    ava.value_tag != 20 && ava.value_tag != 22) ||
		    memchr(ava.value.data, '\0', ava.value.size) != NULL) {
			r = hsmca_error_set(err, HSMCA_E_PARSE, "%s: attribute "
			    "%u is not a UTF8, Printable, T61 or IA5 string",
			    what, (unsigned)irdn + 1);
			goto fail;
		}
		memcpy(oid, ava.oid.data, ava.oid.size);
		oid[ava.oid.size] = '\0';
		if ((val = strndup((char *)ava.value.data, ava.value.size)) ==
		    NULL || dn_append(&dn, oid, val) != 0) {
			r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
			goto fail;
		}
		free(val);
		val = NULL;
	}
	*out = dn;
	return 0;
fail:
	free(val);
	dn_clear(&dn);
	return r;
}

int
x509_crt_subject(gnutls_x509_crt_t crt, struct hsmca_dn *out,
    struct hsmca_error *err)
{
	gnutls_x509_dn_t gdn;
	int r;

	if ((r = gnutls_x509_crt_get_subject(crt, &gdn)) < 0)
		return gt_fail(err, HSMCA_E_PARSE, r, "subject");
	return dn_from_gnutls(gdn, "subject", out, err);
}

int
x509_crt_issuer(gnutls_x509_crt_t crt, struct hsmca_dn *out,
    struct hsmca_error *err)
{
	gnutls_x509_dn_t gdn;
	int r;

	if ((r = gnutls_x509_crt_get_issuer(crt, &gdn)) < 0)
		return gt_fail(err, HSMCA_E_PARSE, r, "issuer");
	return dn_from_gnutls(gdn, "issuer", out, err);
}

/* The request's subject Name, as DER inside der (the whole request):
 * CertificationRequest { CertificationRequestInfo { version, subject, ...
 * } ... } (RFC 2986).  -1 when der is not shaped so. */
static int
csr_subject_der(const gnutls_datum_t *der, gnutls_datum_t *name)
{
	const unsigned char *p = der->data;
	long left = (long)der->size, len;

	if (x509_der_enter(&p, &left, ASN1_TAG_SEQUENCE) < 0 ||
	    (len = x509_der_enter(&p, &left, ASN1_TAG_SEQUENCE)) < 0 ||
	    (len = x509_der_enter(&p, &left, ASN1_TAG_INTEGER)) < 0)
		return -1;
	p += len;
	left -= len;
	name->data = (unsigned char *)p;
	if ((len = x509_der_enter(&p, &left, ASN1_TAG_SEQUENCE)) < 0)
		return -1;
	name->size = (unsigned)(p + len - name->data);
	return 0;
}

int
x509_csr_subject(gnutls_x509_crq_t csr, struct hsmca_dn *out,
    struct hsmca_error *err)
{
	gnutls_datum_t der = { NULL, 0 }, name;
	gnutls_x509_dn_t gdn = NULL;
	int r;

	/* GnuTLS has no gnutls_x509_dn_t getter for requests, and copying
	 * the request into a scratch certificate (gnutls_x509_crt_set_crq)
	 * verifies its signature a second time: read the Name from the DER. */
	if ((r = gnutls_x509_crq_export2(csr, GNUTLS_X509_FMT_DER, &der)) < 0)
		return gt_fail(err, HSMCA_E_PARSE, r, "request");
	if (csr_subject_der(&der, &name) != 0)
		r = hsmca_error_set(err, HSMCA_E_PARSE, "request subject: "
		    "malformed request");
	else if ((r = gnutls_x509_dn_init(&gdn)) < 0)
		r = gt_fail(err, HSMCA_E_NOMEM, r, "request");
	else if ((r = gnutls_x509_dn_import(gdn, &name)) < 0)
		r = gt_fail(err, HSMCA_E_PARSE, r, "request subject");
	else
		r = dn_from_gnutls(gdn, "subject", out, err);
	if (gdn != NULL)
		gnutls_x509_dn_deinit(gdn);
	gnutls_free(der.data);
	return r;
}

/* ---- building ----------------------------------------------------------- */

/* The subject as text or from the CSR, after the DN policy. */
static int
build_subject(const struct hsmca_issue *in, struct hsmca_dn *out,
    struct hsmca_warnings *w, struct hsmca_error *err)
{
	struct hsmca_dn req = { NULL, 0 }, iss = { NULL, 0 };
	int r;

	if (in->subject != NULL)
		r = dn_parse("subject", in->subject, &req, err);
	else if (in->csr != NULL)
		r = x509_csr_subject(in->csr, &req, err);
	else if (in->renew_of != NULL)
		r = x509_crt_subject(in->renew_of, &req, err);
	else
		r = hsmca_error_set(err, HSMCA_E_USAGE, "no subject given");
	if (r != 0)
		return r;
	if (in->issuer != NULL && (r = x509_crt_subject(in->issuer, &iss,
	    err)) != 0)
		goto out;
	r = dn_apply_policy(in->profile, &req, in->issuer ? &iss : &req, out,
	    w, err);
out:
	dn_clear(&req);
	dn_clear(&iss);
	return r;
}

static int
build_pubkey(const struct hsmca_issue *in, gnutls_pubkey_t *out,
    struct hsmca_error *err)
{
	gnutls_pubkey_t p;
	gnutls_datum_t der = { NULL, 0 };
	int r;

	if ((r = gnutls_pubkey_init(&p)) < 0)
		return gt_fail(err, HSMCA_E_NOMEM, r, "public key");
	if (in->csr != NULL)
		r = gnutls_pubkey_import_x509_crq(p, in->csr, 0);
	else if (in->renew_of != NULL)
		r = gnutls_pubkey_import_x509(p, in->renew_of, 0);
	else if (in->pubkey == NULL)
		r = GNUTLS_E_INVALID_REQUEST;
	else if ((r = gnutls_pubkey_export2(in->pubkey, GNUTLS_X509_FMT_DER,
	    &der)) == 0)
		r = gnutls_pubkey_import(p, &der, GNUTLS_X509_FMT_DER);
	gnutls_free(der.data);
	if (r < 0) {
		gnutls_pubkey_deinit(p);
		return gt_fail(err, HSMCA_E_CRYPTO, r, "subject public key");
	}
	*out = p;
	return 0;
}

int
x509_build_cert(const struct hsmca_issue *in, gnutls_x509_crt_t *out,
    struct hsmca_warnings *w, struct hsmca_error *err)
{
	const struct hsmca_profile *p = in->profile;
	struct hsmca_dn subject = { NULL, 0 };
	gnutls_pubkey_t pub = NULL;
	gnutls_x509_crt_t c = NULL;
	unsigned days = in->days ? in->days : p->days;
	time_t nb = in->not_before ? in->not_before : in->now - X509_BACKDATE;
	time_t na = in->not_after;
	int r;

	if (in->serial == NULL || in->serial_len == 0)
		return hsmca_error_set(err, HSMCA_E_INTERNAL, "no serial given");
	if (na == 0)
		na = (in->not_before ? in->not_before : in->now) +
		    (time_t)days * 86400;
	if (in->not_after == 0 && days == 0)
		return hsmca_error_set(err, HSMCA_E_USAGE, "%s: no validity: the "
		    "profile has no days and none was given",
		    p->path ? p->path : "profile");
	if ((r = build_subject(in, &subject, w, err)) != 0)
		return r;
	if ((r = build_pubkey(in, &pub, err)) != 0)
		goto out;
	if ((r = gnutls_x509_crt_init(&c)) < 0) {
		r = gt_fail(err, HSMCA_E_NOMEM, r, "certificate");
		goto out;
	}
	if ((r = gnutls_x509_crt_set_version(c, 3)) < 0 ||
	    (r = gnutls_x509_crt_set_serial(c, in->serial, in->serial_len)) < 0 ||
	    (r = gnutls_x509_crt_set_activation_time(c, nb)) < 0 ||
	    (r = gnutls_x509_crt_set_expiration_time(c, na)) < 0 ||
	    (r = gnutls_x509_crt_set_pubkey(c, pub)) < 0) {
		r = gt_fail(err, HSMCA_E_CRYPTO, r, "certificate");
		goto out;
	}
	if ((r = x509_set_subject(c, NULL, &subject, err)) != 0)
		goto out;
	if ((r = x509ext_apply(c, in, pub, subject.n == 0, w, err)) != 0)
		goto out;
	*out = c;
	c = NULL;
out:
	if (c != NULL)
		gnutls_x509_crt_deinit(c);
	gnutls_pubkey_deinit(pub);
	dn_clear(&subject);
	return r;
}

/* ---- signing and checking ----------------------------------------------- */

static bool
same_pubkey(gnutls_pubkey_t a, gnutls_pubkey_t b)
{
	gnutls_datum_t da = { NULL, 0 }, db = { NULL, 0 };
	bool same;

	same = gnutls_pubkey_export2(a, GNUTLS_X509_FMT_DER, &da) == 0 &&
	    gnutls_pubkey_export2(b, GNUTLS_X509_FMT_DER, &db) == 0 &&
	    da.size == db.size && memcmp(da.data, db.data, da.size) == 0;
	gnutls_free(da.data);
	gnutls_free(db.data);
	return same;
}

int
x509_sign_cert(gnutls_x509_crt_t tbs, gnutls_x509_crt_t issuer,
    gnutls_privkey_t key, const char *hash, struct hsmca_error *err)
{
	return x509_sign_cert_pub(tbs, issuer, key, NULL, hash, 0, err);
}

int
x509_sign_cert_pub(gnutls_x509_crt_t tbs, gnutls_x509_crt_t issuer,
    gnutls_privkey_t key, gnutls_pubkey_t key_pub, const char *hash,
    unsigned flags, struct hsmca_error *err)
{
	gnutls_digest_algorithm_t dig = x509_hash(hash);
	gnutls_pubkey_t kp = NULL, ip = NULL;
	unsigned gflags = 0;
	int r;

	if (dig == GNUTLS_DIG_UNKNOWN)
		return hsmca_error_set(err, HSMCA_E_USAGE, "unknown hash '%s' "
		    "(sha256, sha384 or sha512)", hash);
	if (flags & X509_SIGN_RSA_PSS) {
		if (gnutls_privkey_get_pk_algorithm(key, NULL) != GNUTLS_PK_RSA)
			return hsmca_error_set(err, HSMCA_E_USAGE, "RSASSA-PSS "
			    "needs an RSA signing key");
		gflags = GNUTLS_PRIVKEY_SIGN_FLAG_RSA_PSS;
	}
	if (gnutls_pubkey_init(&kp) < 0 || gnutls_pubkey_init(&ip) < 0) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		goto out;
	}
	/* With the key's public half given, the check costs no token round
	 * trip (importing it from a PKCS#11 key opens a session each time). */
	if ((key_pub == NULL &&
	    (r = gnutls_pubkey_import_privkey(kp, key, 0, 0)) < 0) ||
	    (r = gnutls_pubkey_import_x509(ip, issuer ? issuer : tbs, 0)) < 0) {
		r = gt_fail(err, HSMCA_E_CRYPTO, r, "signing key");
		goto out;
	}
	if (!same_pubkey(key_pub ? key_pub : kp, ip)) {
		r = hsmca_error_set(err, HSMCA_E_VERIFY, "the signing key does "
		    "not match the public key of the %s certificate",
		    issuer ? "issuer's" : "self-signed");
		goto out;
	}
	if ((r = gnutls_x509_crt_privkey_sign(tbs, issuer ? issuer : tbs, key,
	    dig, gflags)) < 0) {
		r = gt_fail(err, HSMCA_E_CRYPTO, r, gflags ?
		    "signing the certificate with RSASSA-PSS (does the token "
		    "have CKM_RSA_PKCS_PSS?)" : "signing the certificate");
		goto out;
	}
	r = 0;
out:
	gnutls_pubkey_deinit(kp);
	gnutls_pubkey_deinit(ip);
	return r;
}

/* The raw TBSCertificate (the first element of the outer SEQUENCE) and the
 * signature BIT STRING's bits (after the signatureAlgorithm). */
static int
split_signed(const gnutls_datum_t *der, gnutls_datum_t *tbs,
    gnutls_datum_t *sig)
{
	const unsigned char *p = der->data, *start;
	long left = der->size, inner, len;

	if ((inner = x509_der_enter(&p, &left, ASN1_TAG_SEQUENCE)) < 0)
		return -1;
	start = p;
	if ((len = x509_der_enter(&p, &inner, ASN1_TAG_SEQUENCE)) < 0)
		return -1;
	tbs->data = (unsigned char *)start;
	tbs->size = (unsigned)(p - start + len);
	p += len;
	inner -= len;
	if ((len = x509_der_enter(&p, &inner, ASN1_TAG_SEQUENCE)) < 0)
		return -1;
	p += len;
	inner -= len;
	if ((len = x509_der_enter(&p, &inner, ASN1_TAG_BIT_STRING)) < 2 ||
	    *p != 0)
		return -1;
	sig->data = (unsigned char *)p + 1;
	sig->size = (unsigned)len - 1;
	return 0;
}

/* A copy of c parsed from its own DER, as a reader of the written file
 * sees it: a certificate built in memory keeps no raw names for
 * gnutls_x509_crt_check_issuer() until it is exported and imported again. */
static int
reimport(gnutls_x509_crt_t c, gnutls_x509_crt_t *out, gnutls_datum_t *der)
{
	int r;

	*out = NULL;
	if ((r = gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_DER, der)) < 0 ||
	    (r = gnutls_x509_crt_init(out)) < 0)
		return r;
	return gnutls_x509_crt_import(*out, der, GNUTLS_X509_FMT_DER);
}

int
x509_crt_dup(gnutls_x509_crt_t c, gnutls_x509_crt_t *out)
{
	gnutls_datum_t der = { NULL, 0 };
	int r;

	r = reimport(c, out, &der);
	gnutls_free(der.data);
	if (r < 0 && *out != NULL) {
		gnutls_x509_crt_deinit(*out);
		*out = NULL;
	}
	return r < 0 ? r : 0;
}

int
x509_verify_signed(gnutls_x509_crt_t crt, gnutls_x509_crt_t issuer,
    struct hsmca_error *err)
{
	gnutls_datum_t der = { NULL, 0 }, ider = { NULL, 0 }, sig, tbs;
	gnutls_x509_crt_t fresh = NULL, ifresh = NULL;
	gnutls_pubkey_t ip = NULL;
	int algo, r;

	if ((r = reimport(crt, &fresh, &der)) < 0 || (issuer != NULL &&
	    (r = reimport(issuer, &ifresh, &ider)) < 0)) {
		r = gt_fail(err, HSMCA_E_VERIFY, r, "re-reading the certificate");
		goto out;
	}
	if (ifresh == NULL)
		ifresh = fresh;
	if (gnutls_x509_crt_check_issuer(fresh, ifresh) != 1) {
		r = hsmca_error_set(err, HSMCA_E_VERIFY, "the certificate's "
		    "issuer does not match the issuer certificate (name or key "
		    "identifier)");
		goto out;
	}
	if ((r = gnutls_pubkey_init(&ip)) < 0 ||
	    (r = gnutls_pubkey_import_x509(ip, ifresh, 0)) < 0) {
		r = gt_fail(err, HSMCA_E_VERIFY, r, "verifying the signature");
		goto out;
	}
	algo = gnutls_x509_crt_get_signature_algorithm(fresh);
	if (algo < 0 || split_signed(&der, &tbs, &sig) != 0) {
		r = hsmca_error_set(err, HSMCA_E_VERIFY, "malformed or unsigned "
		    "certificate");
		goto out;
	}
	if ((r = gnutls_pubkey_verify_data2(ip, (gnutls_sign_algorithm_t)algo,
	    0, &tbs, &sig)) < 0) {
		r = hsmca_error_set(err, HSMCA_E_VERIFY, "the certificate's "
		    "signature does not verify with the issuer's public key: %s",
		    gnutls_strerror(r));
		goto out;
	}
	r = 0;
out:
	if (ifresh != NULL && ifresh != fresh)
		gnutls_x509_crt_deinit(ifresh);
	if (fresh != NULL)
		gnutls_x509_crt_deinit(fresh);
	gnutls_free(der.data);
	gnutls_free(ider.data);
	gnutls_pubkey_deinit(ip);
	return r;
}

/* ---- outputs ------------------------------------------------------------ */

int
x509_db_fields(gnutls_x509_crt_t crt, char **serial_hex_upper,
    time_t *not_after, char **subject_oneline, struct hsmca_error *err)
{
	unsigned char ser[64];
	size_t sl = sizeof(ser), i, skip = 0;
	struct hsmca_dn dn = { NULL, 0 };
	char *hex = NULL, *one = NULL;
	time_t na;
	int r;

	if ((r = gnutls_x509_crt_get_serial(crt, ser, &sl)) < 0 || sl == 0)
		return gt_fail(err, HSMCA_E_PARSE, r < 0 ? r :
		    GNUTLS_E_ASN1_DER_ERROR, "serial");
	if ((na = gnutls_x509_crt_get_expiration_time(crt)) == (time_t)-1)
		return hsmca_error_set(err, HSMCA_E_PARSE, "bad notAfter");
	if ((r = x509_crt_subject(crt, &dn, err)) != 0)
		return r;
	while (skip + 1 < sl && ser[skip] == 0)
		skip++;
	if ((hex = malloc((sl - skip) * 2 + 1)) == NULL ||
	    dn_oneline(&dn, &one) != 0) {
		free(hex);
		dn_clear(&dn);
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	}
	for (i = skip; i < sl; i++)
		snprintf(hex + (i - skip) * 2, 3, "%02X", ser[i]);
	dn_clear(&dn);
	*serial_hex_upper = hex;
	*not_after = na;
	*subject_oneline = one;
	return 0;
}

int
x509_export_pem(gnutls_x509_crt_t crt, gnutls_datum_t *out,
    struct hsmca_error *err)
{
	int r;

	if ((r = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, out)) < 0)
		return gt_fail(err, HSMCA_E_CRYPTO, r, "exporting the certificate");
	return 0;
}
