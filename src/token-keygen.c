/* see hsmca/token.h: key generation on a token.
 *
 * Keys are generated with C_GenerateKeyPair through the module pointer
 * GnuTLS already holds, not with gnutls_pkcs11_privkey_generate3: that call
 * leaves CKA_EXTRACTABLE to the token (L2), cannot make Ed25519 keys in 3.7.9
 * (B1) and cannot take an ID derived from the key it is about to make.  Here
 * every template attribute a CA key depends on is explicit, and the token's
 * answer is read back anyway.
 *
 * Real tokens differ from SoftHSM2 in two ways this file copes with,
 * without a switch per vendor:
 * - a token may refuse the full template (tpm2-pkcs11 maps CKA_VERIFY and
 *   CKA_ENCRYPT onto its own key model and fails on a template that
 *   contradicts it): then the pair is asked for once more with only the
 *   attributes a CA key depends on, and checked the same way;
 * - a token may report a new key's CKA_SENSITIVE/CKA_NEVER_EXTRACTABLE
 *   wrongly until the module reads it afresh (OpenSC 0.23 reports 0 until
 *   it is finalised and initialised again): then the modules are reloaded
 *   and the key is read once more.  A key that is still not provably
 *   sensitive and never extractable is deleted. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/pkcs11.h>
#include <p11-kit/p11-kit.h>

#include "hsmca/testhook.h"
#include "hsmca/token.h"
#include "token-priv.h"

/* An attribute template with a fixed capacity that refuses to overflow. */
#define TMPL_MAX 16
struct tmpl {
	CK_ATTRIBUTE a[TMPL_MAX];
	CK_ULONG n;
	bool overflow;
};

static void
tmpl_add(struct tmpl *t, CK_ATTRIBUTE_TYPE type, void *value, CK_ULONG len)
{
	if (t->n >= TMPL_MAX) {
		t->overflow = true;
		return;
	}
	t->a[t->n].type = type;
	t->a[t->n].pValue = value;
	t->a[t->n].ulValueLen = len;
	t->n++;
}

struct gen_req {
	const struct hsmca_keytype *type;
	const char *label;
	const unsigned char *id;
	size_t id_len;
};

static void
ec_params_of(const struct hsmca_keytype *type, const unsigned char **der,
    size_t *len)
{
	switch (type->curve) {
	case GNUTLS_ECC_CURVE_SECP256R1:
		*der = (const unsigned char *)
		    "\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07";
		*len = 10;
		break;
	case GNUTLS_ECC_CURVE_SECP521R1:
		*der = (const unsigned char *)"\x06\x05\x2b\x81\x04\x00\x23";
		*len = 7;
		break;
	case GNUTLS_ECC_CURVE_ED25519:
		*der = (const unsigned char *)"\x06\x03\x2b\x65\x70";
		*len = 5;
		break;
	default:
		*der = (const unsigned char *)"\x06\x05\x2b\x81\x04\x00\x22";
		*len = 7;
		break;
	}
}

static CK_MECHANISM_TYPE
mech_of(const struct hsmca_keytype *type, CK_KEY_TYPE *kt)
{
	if (type->pk == GNUTLS_PK_RSA) {
		*kt = CKK_RSA;
		return CKM_RSA_PKCS_KEY_PAIR_GEN;
	}
	if (type->pk == GNUTLS_PK_EDDSA_ED25519) {
		*kt = CKK_EC_EDWARDS;
		return CKM_EC_EDWARDS_KEY_PAIR_GEN;
	}
	*kt = CKK_EC;
	return CKM_EC_KEY_PAIR_GEN;
}

/* Is m in the slot's mechanism list?  (A token may answer
 * C_GetMechanismInfo for a mechanism it does not offer, as SoftHSM2 does
 * for one its configuration disables.) */
static bool
has_mech(CK_FUNCTION_LIST *f, CK_SLOT_ID slot, CK_MECHANISM_TYPE m)
{
	CK_MECHANISM_TYPE *list;
	CK_ULONG n = 0, i;
	bool found = false;

	if (f->C_GetMechanismList(slot, NULL, &n) != CKR_OK || n == 0)
		return false;
	list = calloc(n, sizeof(*list));
	if (list == NULL)
		return false;
	if (f->C_GetMechanismList(slot, list, &n) == CKR_OK)
		for (i = 0; i < n && !found; i++)
			found = list[i] == m;
	free(list);
	return found;
}

/* Does the token have the mechanism, for this size? */
static int
check_mech(CK_FUNCTION_LIST *f, CK_SLOT_ID slot, const char *tlabel,
    const struct hsmca_keytype *type, struct hsmca_error *err)
{
	CK_MECHANISM_INFO mi;
	CK_KEY_TYPE kt;
	CK_MECHANISM_TYPE m = mech_of(type, &kt);

	if (!has_mech(f, slot, m) || f->C_GetMechanismInfo(slot, m, &mi) !=
	    CKR_OK || !(mi.flags & CKF_GENERATE_KEY_PAIR))
		return hsmca_error_set(err, HSMCA_E_UNSUPPORTED, "%s: the token "
		    "cannot generate %s keys (no %s key pair mechanism)",
		    tlabel, type->name, kt == CKK_RSA ? "RSA" :
		    kt == CKK_EC ? "EC" : "EC Edwards");
	if (kt == CKK_RSA && (type->bits < mi.ulMinKeySize ||
	    type->bits > mi.ulMaxKeySize))
		return hsmca_error_set(err, HSMCA_E_UNSUPPORTED, "%s: the token "
		    "makes RSA keys of %lu to %lu bits, not %u", tlabel,
		    (unsigned long)mi.ulMinKeySize,
		    (unsigned long)mi.ulMaxKeySize, type->bits);
	return 0;
}

/* Ask for the pair.  minimal: only what a CA key depends on (token,
 * private, sensitive, not extractable, sign), leaving the other usages to
 * the token. */
static CK_RV
generate(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, const struct gen_req *g,
    bool minimal, CK_OBJECT_HANDLE *hpub, CK_OBJECT_HANDLE *hpriv)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_OBJECT_CLASS pubc = CKO_PUBLIC_KEY, privc = CKO_PRIVATE_KEY;
	CK_ULONG bits = g->type->bits;
	CK_BYTE exp[] = { 0x01, 0x00, 0x01 };
	CK_MECHANISM mech = { 0, NULL, 0 };
	CK_KEY_TYPE kt;
	struct tmpl pub = { .n = 0 }, priv = { .n = 0 };
	const unsigned char *params;
	size_t plen;
	void *label = (void *)(uintptr_t)g->label;
	void *id = (void *)(uintptr_t)g->id;

	mech.mechanism = mech_of(g->type, &kt);
	tmpl_add(&pub, CKA_CLASS, &pubc, sizeof(pubc));
	tmpl_add(&pub, CKA_KEY_TYPE, &kt, sizeof(kt));
	tmpl_add(&pub, CKA_TOKEN, &yes, sizeof(yes));
	tmpl_add(&pub, CKA_PRIVATE, &no, sizeof(no));
	if (!minimal)
		tmpl_add(&pub, CKA_WRAP, &no, sizeof(no));
	/* a full template as other tools write it, which tpm2-pkcs11 refuses
	 * (test builds only: it proves the fallback on a real token) */
	if (!minimal && testhook_flag("keygen-verify-template")) {
		tmpl_add(&pub, CKA_VERIFY, &yes, sizeof(yes));
		tmpl_add(&pub, CKA_ENCRYPT, &no, sizeof(no));
	}
	tmpl_add(&pub, CKA_LABEL, label, strlen(g->label));
	tmpl_add(&priv, CKA_CLASS, &privc, sizeof(privc));
	tmpl_add(&priv, CKA_KEY_TYPE, &kt, sizeof(kt));
	tmpl_add(&priv, CKA_TOKEN, &yes, sizeof(yes));
	tmpl_add(&priv, CKA_PRIVATE, &yes, sizeof(yes));
	/* test builds: a token that makes a key that is not sensitive (it
	 * must be refused and deleted after a second look) */
	tmpl_add(&priv, CKA_SENSITIVE, testhook_flag("keygen-not-sensitive") ?
	    &no : &yes, sizeof(yes));
	tmpl_add(&priv, CKA_EXTRACTABLE, &no, sizeof(no));
	tmpl_add(&priv, CKA_SIGN, &yes, sizeof(yes));
	if (!minimal) {
		tmpl_add(&priv, CKA_DECRYPT, &no, sizeof(no));
		tmpl_add(&priv, CKA_UNWRAP, &no, sizeof(no));
		tmpl_add(&priv, CKA_DERIVE, &no, sizeof(no));
	}
	tmpl_add(&priv, CKA_LABEL, label, strlen(g->label));
	if (g->id != NULL) {
		tmpl_add(&pub, CKA_ID, id, g->id_len);
		tmpl_add(&priv, CKA_ID, id, g->id_len);
	}
	if (kt == CKK_RSA) {
		tmpl_add(&pub, CKA_MODULUS_BITS, &bits, sizeof(bits));
		tmpl_add(&pub, CKA_PUBLIC_EXPONENT, exp, sizeof(exp));
	} else {
		ec_params_of(g->type, &params, &plen);
		tmpl_add(&pub, CKA_EC_PARAMS, (void *)(uintptr_t)params, plen);
	}
	if (pub.overflow || priv.overflow)
		return CKR_HOST_MEMORY;
	return f->C_GenerateKeyPair(s, &mech, pub.a, pub.n, priv.a, priv.n,
	    hpub, hpriv);
}

/* Does rv say the token did not like the template (rather than the
 * session, the login, the device or the mechanism)? */
static bool
template_refused(CK_RV rv)
{
	switch (rv) {
	case CKR_TEMPLATE_INCONSISTENT:
	case CKR_TEMPLATE_INCOMPLETE:
	case CKR_ATTRIBUTE_TYPE_INVALID:
	case CKR_ATTRIBUTE_VALUE_INVALID:
	case CKR_ATTRIBUTE_READ_ONLY:
	case CKR_GENERAL_ERROR:         /* tpm2-pkcs11 */
	case CKR_FUNCTION_FAILED:
	case CKR_ARGUMENTS_BAD:
		return true;
	default:
		return false;
	}
}

/* Sign a digest with the new key as hsmca will sign with it (PKCS #1 v1.5
 * for RSA, ECDSA, EdDSA): a key can be CKA_SIGN and still not sign
 * (tpm2-pkcs11 signs RSA PKCS #1 with the TPM's decrypt operation, which a
 * key made with CKA_DECRYPT=FALSE does not have). */
static CK_RV
test_sign(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
    const struct hsmca_keytype *type)
{
	/* DigestInfo of SHA-256, then 32 bytes standing for the digest */
	static const unsigned char data[19 + 32] = { 0x30, 0x31, 0x30, 0x0d,
	    0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
	    0x05, 0x00, 0x04, 0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
	    14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
	    31, 32 };
	CK_MECHANISM mech = { CKM_ECDSA, NULL, 0 };
	unsigned char sig[1024];
	CK_ULONG len = sizeof(sig);
	CK_BYTE_PTR in = (CK_BYTE_PTR)(uintptr_t)data + 19;
	CK_ULONG inlen = 32;
	CK_RV rv;

	if (type->pk == GNUTLS_PK_RSA) {
		mech.mechanism = CKM_RSA_PKCS;
		in = (CK_BYTE_PTR)(uintptr_t)data;
		inlen = sizeof(data);
	} else if (type->pk == GNUTLS_PK_EDDSA_ED25519) {
		mech.mechanism = CKM_EDDSA;
	}
	if ((rv = f->C_SignInit(s, &mech, h)) != CKR_OK)
		return rv;
	return f->C_Sign(s, in, inlen, sig, &len);
}

static size_t
raw_point_len(const struct hsmca_keytype *type)
{
	switch (type->curve) {
	case GNUTLS_ECC_CURVE_SECP256R1:
		return 65;
	case GNUTLS_ECC_CURVE_SECP384R1:
		return 97;
	case GNUTLS_ECC_CURVE_SECP521R1:
		return 133;
	default:
		return 32;
	}
}

static int
import_pub(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
    const struct hsmca_keytype *type, gnutls_pubkey_t p)
{
	unsigned char buf[1100], e[16];
	const unsigned char *pt = buf;
	CK_ATTRIBUTE at[2] = { { CKA_MODULUS, buf, sizeof(buf) },
	    { CKA_PUBLIC_EXPONENT, e, sizeof(e) } };
	gnutls_datum_t x, y;
	size_t want = raw_point_len(type), half;
	long l;

	if (type->pk == GNUTLS_PK_RSA) {
		if (f->C_GetAttributeValue(s, h, at, 2) != CKR_OK)
			return -1;
		x.data = buf;
		x.size = (unsigned)at[0].ulValueLen;
		y.data = e;
		y.size = (unsigned)at[1].ulValueLen;
		return gnutls_pubkey_import_rsa_raw(p, &x, &y);
	}
	at[0].type = CKA_EC_POINT;
	if (f->C_GetAttributeValue(s, h, at, 1) != CKR_OK)
		return -1;
	/* PKCS#11 says DER OCTET STRING; some tokens give the bare point */
	if (at[0].ulValueLen != want) {
		l = tok_der_header(&pt, buf + at[0].ulValueLen, 0x04);
		if (l < 0 || (size_t)l != want)
			return -1;
	}
	if (type->pk == GNUTLS_PK_EDDSA_ED25519) {
		x.data = (unsigned char *)(uintptr_t)pt;
		x.size = 32;
		return gnutls_pubkey_import_ecc_raw(p, type->curve, &x, NULL);
	}
	if (pt[0] != 0x04)
		return -1;
	half = (want - 1) / 2;
	x.data = (unsigned char *)(uintptr_t)pt + 1;
	x.size = (unsigned)half;
	y.data = (unsigned char *)(uintptr_t)pt + 1 + half;
	y.size = (unsigned)half;
	return gnutls_pubkey_import_ecc_raw(p, type->curve, &x, &y);
}

/* The method (1) key identifier of the new public key. */
static int
derive_id(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE hpub,
    const char *tlabel, const struct hsmca_keytype *type, unsigned char id[20],
    struct hsmca_error *err)
{
	gnutls_pubkey_t p = NULL;
	gnutls_datum_t der = { NULL, 0 };
	int r;

	if (gnutls_pubkey_init(&p) < 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	if (import_pub(f, s, hpub, type, p) < 0 ||
	    gnutls_pubkey_export2(p, GNUTLS_X509_FMT_DER, &der) < 0) {
		r = hsmca_error_set(err, HSMCA_E_TOKEN, "%s: the token gave "
		    "back a %s public key that is not valid (%s); the key pair "
		    "was deleted", tlabel, type->name,
		    type->pk == GNUTLS_PK_RSA ? "CKA_MODULUS" :
		    "CKA_EC_POINT is not a DER OCTET STRING of the point");
		goto out;
	}
	r = token_key_id_method1(der.data, der.size, id, err);
out:
	gnutls_free(der.data);
	gnutls_pubkey_deinit(p);
	return r;
}

static bool
same_bytes(gnutls_pkcs11_obj_t obj, gnutls_pkcs11_obj_info_t what,
    const void *v, size_t len)
{
	unsigned char buf[1024];
	size_t sz = sizeof(buf);

	if (gnutls_pkcs11_obj_get_info(obj, what, buf, &sz) < 0)
		return false;
	if (what == GNUTLS_PKCS11_OBJ_LABEL)
		sz = strlen((char *)buf);
	return sz == len && memcmp(buf, v, len) == 0;
}

/* Refuse a label or ID already on the token (logs in: private objects
 * count too). */
static int
check_unique(struct hsmca_token *t, const char *turl, const char *tlabel,
    const struct gen_req *g, struct hsmca_error *err)
{
	gnutls_pkcs11_obj_t *objs = NULL;
	unsigned n = 0, i;
	char *url = NULL;
	const char *what = NULL;
	int r;

	r = gnutls_pkcs11_obj_list_import_url4(&objs, &n, turl,
	    GNUTLS_PKCS11_OBJ_FLAG_LOGIN);
	if (r < 0)
		return tok_fail(t, r, turl, err);
	for (i = 0; i < n && what == NULL; i++) {
		if (same_bytes(objs[i], GNUTLS_PKCS11_OBJ_LABEL, g->label,
		    strlen(g->label)))
			what = "--label";
		else if (g->id != NULL && same_bytes(objs[i],
		    GNUTLS_PKCS11_OBJ_ID, g->id, g->id_len))
			what = "--id";
		if (what != NULL && gnutls_pkcs11_obj_export_url(objs[i],
		    GNUTLS_PKCS11_URL_GENERIC, &url) < 0)
			url = NULL;
	}
	r = 0;
	if (what != NULL)
		r = hsmca_error_set(err, HSMCA_E_EXISTS, "%s: %s already used "
		    "on this token by %s", tlabel, what, url ? url : "an object");
	gnutls_free(url);
	for (i = 0; i < n; i++)
		gnutls_pkcs11_obj_deinit(objs[i]);
	gnutls_free(objs);
	return r;
}

enum { KEY_LOOK_AGAIN = 1 };

/* Did the token make what was asked?  0 yes; KEY_LOOK_AGAIN when the key
 * can sign and is not extractable but is not (yet) reported sensitive and
 * never extractable, and again is set; else HSMCA_E_TOKEN (the caller
 * deletes the pair). */
static int
judge_key(const struct tok_key_attrs *a, const char *tlabel, bool again,
    struct hsmca_error *err)
{
	const char *what;

	/* test builds: read every new key twice, as OpenSC 0.23 needs */
	if (again && !a->extractable && a->sign &&
	    testhook_flag("keygen-look-again"))
		return KEY_LOOK_AGAIN;
	if (a->sensitive && a->never_extractable && !a->extractable && a->sign)
		return 0;
	if (again && !a->extractable && a->sign)
		return KEY_LOOK_AGAIN;
	what = a->extractable ? "extractable" : !a->sign ? "not able to sign" :
	    !a->sensitive ? "not sensitive" : "not never-extractable";
	return hsmca_error_set(err, HSMCA_E_TOKEN, "%s: the token made a "
	    "private key that is %s%s; the key pair was deleted", tlabel, what,
	    again ? "" : " (read again after initialising the module "
	    "afresh)");
}

/* turl;id=ID[;type=TYPE], malloc'ed; 0 or -1. */
static int
id_url(const char *turl, const unsigned char *id, size_t id_len,
    const char *type, char **out)
{
	char pct[64 * 3 + 1];
	size_t k;

	for (k = 0; k < id_len && k < 64; k++)
		snprintf(pct + 3 * k, 4, "%%%02x", id[k]);
	pct[3 * k] = '\0';
	if (asprintf(out, "%s;id=%s%s%s", turl, pct, type ? ";type=" : "",
	    type ? type : "") < 0) {
		*out = NULL;
		return -1;
	}
	return 0;
}

static int
key_uri(struct hsmca_token *t, const char *turl, const unsigned char *id,
    size_t id_len, char **out, struct hsmca_error *err)
{
	gnutls_pkcs11_obj_t *objs = NULL;
	char *u = NULL, *url;
	unsigned n = 0, i;
	int r;

	if (id_url(turl, id, id_len, "private", &u) != 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	r = gnutls_pkcs11_obj_list_import_url4(&objs, &n, u,
	    GNUTLS_PKCS11_OBJ_FLAG_LOGIN | GNUTLS_PKCS11_OBJ_FLAG_PRIVKEY);
	if (r < 0)
		r = tok_fail(t, r, u, err);
	else if (n != 1 || gnutls_pkcs11_obj_export_url(objs[0],
	    GNUTLS_PKCS11_URL_GENERIC, &url) < 0)
		r = hsmca_error_set(err, HSMCA_E_TOKEN, "%s: the new key is "
		    "not found again (%u matches)", u, n);
	else {
		if ((*out = strdup(url)) == NULL)
			r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of "
			    "memory");
		gnutls_free(url);
	}
	for (i = 0; i < n; i++)
		gnutls_pkcs11_obj_deinit(objs[i]);
	gnutls_free(objs);
	free(u);
	return r;
}

enum { KEY_RETRY = 2 };

/* One pair, with the full template or the minimal one: 0, KEY_LOOK_AGAIN
 * (the pair stays, with its ID), KEY_RETRY (the full template did not give
 * a key that signs: nothing is left, ask for the minimal one), or an error
 * (the pair is deleted).  *first: what the full template's generation
 * said. */
static int
make_once(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, const char *tlabel,
    const struct gen_req *g, bool minimal, CK_RV *first,
    unsigned char *id_out, size_t *id_len, struct hsmca_error *err)
{
	CK_OBJECT_HANDLE hpub = CK_INVALID_HANDLE, hpriv = CK_INVALID_HANDLE;
	CK_ATTRIBUTE at = { CKA_ID, id_out, 20 };
	struct tok_key_attrs a;
	CK_RV rv;
	int r;

	rv = generate(f, s, g, minimal, &hpub, &hpriv);
	if (rv != CKR_OK && !minimal && template_refused(rv)) {
		*first = rv;
		return KEY_RETRY;
	}
	if (rv != CKR_OK && !minimal)
		return hsmca_error_set(err, HSMCA_E_TOKEN, "%s: generating a "
		    "%s key pair failed: %s", tlabel, g->type->name,
		    p11_kit_strerror(rv));
	if (rv != CKR_OK)
		return hsmca_error_set(err, HSMCA_E_TOKEN, "%s: generating a "
		    "%s key pair failed: %s (and with only sign, sensitive and "
		    "not extractable asked: %s)", tlabel, g->type->name,
		    p11_kit_strerror(*first), p11_kit_strerror(rv));
	if (g->id != NULL) {
		memcpy(id_out, g->id, g->id_len);
		*id_len = g->id_len;
	} else {
		if ((r = derive_id(f, s, hpub, tlabel, g->type, id_out,
		    err)) != 0)
			goto bad;
		if ((rv = f->C_SetAttributeValue(s, hpriv, &at, 1)) != CKR_OK ||
		    (rv = f->C_SetAttributeValue(s, hpub, &at, 1)) != CKR_OK) {
			r = hsmca_error_set(err, HSMCA_E_TOKEN, "%s: cannot set "
			    "the key's id: %s; the key pair was deleted (give "
			    "--id HEX)", tlabel, p11_kit_strerror(rv));
			goto bad;
		}
		*id_len = 20;
	}
	tok_read_attrs(f, s, hpriv, &a);
	if ((r = judge_key(&a, tlabel, true, err)) < 0)
		goto bad;
	/* a key that needs a PIN per signature is not tried here */
	if (a.always_auth || (rv = test_sign(f, s, hpriv, g->type)) == CKR_OK)
		return r;
	if (!minimal) {
		*first = rv;
		r = KEY_RETRY;
	} else {
		r = hsmca_error_set(err, HSMCA_E_TOKEN, "%s: the token made a %s "
		    "key that cannot sign (%s; with the full template: %s); the "
		    "key pair was deleted", tlabel, g->type->name,
		    p11_kit_strerror(rv), p11_kit_strerror(*first));
	}
bad:
	f->C_DestroyObject(s, hpriv);
	f->C_DestroyObject(s, hpub);
	return r;
}

/* Generate in session s (logged in), give the pair its ID and check it
 * (attributes and a test signature): the full template first, the minimal
 * one when the token refuses it or makes a key with it that cannot sign.
 * 0, KEY_LOOK_AGAIN (the pair stays, with its ID) or an error (the pair is
 * deleted). */
static int
make_pair(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, const char *tlabel,
    const struct gen_req *g, unsigned char *id_out, size_t *id_len,
    struct hsmca_error *err)
{
	CK_RV first = CKR_OK;
	int r;

	r = make_once(f, s, tlabel, g, false, &first, id_out, id_len, err);
	if (r == KEY_RETRY)
		r = make_once(f, s, tlabel, g, true, &first, id_out, id_len,
		    err);
	return r;
}

/* The modules said the new key is not sensitive: read it again through
 * freshly initialised modules; delete the pair if they say so still. */
static int
look_again(struct hsmca_token *t, const char *turl, const char *tlabel,
    const unsigned char *id, size_t id_len, struct hsmca_error *err)
{
	gnutls_pkcs11_obj_t obj = NULL;
	struct tok_key_attrs a;
	char *url = NULL, *pair = NULL;
	int r;

	if ((r = tok_reload(t, err)) != 0 ||
	    (r = key_uri(t, turl, id, id_len, &url, err)) != 0)
		return hsmca_error_prefix(err, "%s: the new key pair is left "
		    "on the token, not checked", tlabel);
	if (gnutls_pkcs11_obj_init(&obj) < 0 ||
	    gnutls_pkcs11_obj_import_url(obj, url,
	    GNUTLS_PKCS11_OBJ_FLAG_LOGIN) < 0 ||
	    tok_obj_attrs(obj, true, &a) != 0)
		memset(&a, 0, sizeof(a));
	gnutls_pkcs11_obj_deinit(obj);
	free(url);
	if ((r = judge_key(&a, tlabel, false, err)) == 0)
		return 0;
	/* the new ID is unique on the token: this names the pair only */
	if (id_url(turl, id, id_len, NULL, &pair) != 0 ||
	    gnutls_pkcs11_delete_url(pair, GNUTLS_PKCS11_OBJ_FLAG_LOGIN) < 0)
		r = hsmca_error_set(err, HSMCA_E_TOKEN, "%s: the token made a "
		    "private key that is not provably sensitive, and deleting "
		    "it failed: delete %s by hand", tlabel, pair ? pair :
		    turl);
	free(pair);
	return r;
}

/* The one token turl that u names, among those one can log in to. */
static int
one_token(struct hsmca_token *t, const char *u, char **turl,
    struct hsmca_error *err)
{
	struct tok_match m = { .all = true, .login = true };
	char hint[300];
	int r;

	if ((r = tok_match_tokens(t, u, &m, err)) != 0)
		return r;
	if (m.n == 0 && m.n_uninit > 0) {
		r = hsmca_error_set(err, HSMCA_E_NOTFOUND, "%s: the token it "
		    "names is not initialised or has no user PIN (%s): "
		    "initialise it with the token's own tool first", u,
		    m.uninit);
	} else if (m.n == 0) {
		r = hsmca_error_set(err, HSMCA_E_NOTFOUND, "%s: no token "
		    "matches this URI", u);
	} else if (m.n > 1) {
		tok_tell_apart(m.urls[0], m.urls[1], hint, sizeof(hint));
		r = hsmca_error_set(err, HSMCA_E_AMBIGUOUS, "%s: matches %zu "
		    "tokens (%s, %s%s); %s", u, m.n, m.urls[0], m.urls[1],
		    m.n > 2 ? ", ..." : "", hint);
	} else if ((*turl = strdup(m.urls[0])) == NULL) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	}
	tok_match_clear(&m);
	return r;
}

int
token_keygen(struct hsmca_token *t, const char *token_uri, const char *label,
    const struct hsmca_keytype *type, const unsigned char *id, size_t id_len,
    char **uri_out, struct hsmca_error *err)
{
	struct gen_req g = { type, label, id, id_len };
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_FUNCTION_LIST *f = NULL;
	CK_SESSION_INFO si;
	unsigned char idb[64];
	char *u = NULL, *turl = NULL, tlabel[65];
	size_t sz = sizeof(tlabel), idb_len = 0;
	unsigned long slot;
	void *fp;
	CK_RV rv;
	int r;

	if (label == NULL || *label == '\0')
		return hsmca_error_set(err, HSMCA_E_USAGE, "--label: empty");
	if (id != NULL && (id_len == 0 || id_len > sizeof(idb)))
		return hsmca_error_set(err, HSMCA_E_USAGE, "--id: 1 to %zu "
		    "bytes", sizeof(idb));
	if ((r = tok_prepare_uri(t, token_uri, &u, err)) != 0 ||
	    (r = one_token(t, u, &turl, err)) != 0)
		goto out;
	if (gnutls_pkcs11_token_get_info(turl, GNUTLS_PKCS11_TOKEN_LABEL,
	    tlabel, &sz) < 0)
		snprintf(tlabel, sizeof(tlabel), "%s", turl);
	if (gnutls_pkcs11_token_get_ptr(turl, &fp, &slot, 0) < 0) {
		r = hsmca_error_set(err, HSMCA_E_TOKEN, "%s: token went away",
		    tlabel);
		goto out;
	}
	f = fp;
	if ((r = check_mech(f, slot, tlabel, type, err)) != 0)
		goto out;
	/* Opened before GnuTLS logs in, so that this session stays logged
	 * in when GnuTLS closes its own. */
	rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
	    NULL, &s);
	if (rv != CKR_OK) {
		r = hsmca_error_set(err, HSMCA_E_TOKEN, "%s: cannot open a "
		    "read-write session: %s", tlabel, p11_kit_strerror(rv));
		goto out;
	}
	if ((r = check_unique(t, turl, tlabel, &g, err)) != 0)
		goto out;
	if ((tok_token_flags(turl) & HSMCA_TOK_LOGIN_REQUIRED) &&
	    (f->C_GetSessionInfo(s, &si) != CKR_OK ||
	    si.state != CKS_RW_USER_FUNCTIONS)) {
		r = hsmca_error_set(err, HSMCA_E_TOKEN, "%s: not logged in "
		    "after login", tlabel);
		goto out;
	}
	r = make_pair(f, s, tlabel, &g, idb, &idb_len, err);
	if (r == KEY_LOOK_AGAIN) {
		f->C_CloseSession(s);
		s = CK_INVALID_HANDLE;
		r = look_again(t, turl, tlabel, idb, idb_len, err);
	}
	if (r == 0)
		r = key_uri(t, turl, idb, idb_len, uri_out, err);
out:
	if (s != CK_INVALID_HANDLE)
		f->C_CloseSession(s);
	free(turl);
	free(u);
	return r;
}
