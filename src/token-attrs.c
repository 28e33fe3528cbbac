/* see token-priv.h: reading a key object's attributes through the module
 * pointer GnuTLS already holds, and naming its type.  The floor below
 * token.c, token-list.c and token-keygen.c: it calls none of them. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/pkcs11.h>
#include <p11-kit/p11-kit.h>

#include "token-priv.h"

static bool
get_attr(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
    CK_ATTRIBUTE_TYPE type, void *buf, CK_ULONG *len)
{
	CK_ATTRIBUTE at = { type, buf, *len };

	if (f->C_GetAttributeValue(s, h, &at, 1) != CKR_OK ||
	    at.ulValueLen == (CK_ULONG)-1)
		return false;
	*len = at.ulValueLen;
	return true;
}

static bool
get_bool(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
    CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL b = CK_FALSE;
	CK_ULONG len = sizeof(b);

	return get_attr(f, s, h, type, &b, &len) && len == sizeof(b) &&
	    b == CK_TRUE;
}

static const struct {
	const unsigned char *der;
	size_t len;
	gnutls_pk_algorithm_t pk;
	gnutls_ecc_curve_t curve;
	unsigned bits;
	const char *name;
} curves[] = {
	{ (const unsigned char *)"\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07",
	    10, GNUTLS_PK_ECDSA, GNUTLS_ECC_CURVE_SECP256R1, 256,
	    "ec:secp256r1" },
	{ (const unsigned char *)"\x06\x05\x2b\x81\x04\x00\x22", 7,
	    GNUTLS_PK_ECDSA, GNUTLS_ECC_CURVE_SECP384R1, 384, "ec:secp384r1" },
	{ (const unsigned char *)"\x06\x05\x2b\x81\x04\x00\x23", 7,
	    GNUTLS_PK_ECDSA, GNUTLS_ECC_CURVE_SECP521R1, 521, "ec:secp521r1" },
	{ (const unsigned char *)"\x06\x03\x2b\x65\x70", 5,
	    GNUTLS_PK_EDDSA_ED25519, GNUTLS_ECC_CURVE_ED25519, 256, "ed25519" },
	{ (const unsigned char *)"\x13\x0c" "edwards25519", 14,
	    GNUTLS_PK_EDDSA_ED25519, GNUTLS_ECC_CURVE_ED25519, 256, "ed25519" },
	/* the curve of a SmartCard-HSM's own device key: named, not usable */
	{ (const unsigned char *)"\x06\x05\x2b\x81\x04\x00\x0a", 7,
	    GNUTLS_PK_UNKNOWN, GNUTLS_ECC_CURVE_INVALID, 256, "ec:secp256k1" },
	{ (const unsigned char *)"\x06\x03\x2b\x65\x71", 5,
	    GNUTLS_PK_UNKNOWN, GNUTLS_ECC_CURVE_INVALID, 448, "ed448" },
};

void
tok_name_key(struct tok_key_attrs *a, const unsigned char *ec_params,
    size_t ec_len, size_t modulus_len, const unsigned char *modulus)
{
	size_t i, lead = 0;

	a->pk = GNUTLS_PK_UNKNOWN;
	a->curve = GNUTLS_ECC_CURVE_INVALID;
	a->bits = 0;
	if (a->key_type == CKK_RSA && modulus_len > 0) {
		a->pk = GNUTLS_PK_RSA;
		a->bits = (unsigned)modulus_len * 8;
		if (modulus != NULL) {
			for (i = 0; i < modulus_len && modulus[i] == 0; i++)
				a->bits -= 8;
			if (i < modulus_len)
				for (lead = 0x80; lead && !(modulus[i] & lead);
				    lead >>= 1)
					a->bits--;
		}
		snprintf(a->key_type_name, sizeof(a->key_type_name), "rsa:%u",
		    a->bits);
		return;
	}
	if (a->key_type == CKK_EC || a->key_type == CKK_EC_EDWARDS) {
		for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
			if (curves[i].len != ec_len ||
			    memcmp(curves[i].der, ec_params, ec_len) != 0)
				continue;
			a->pk = curves[i].pk;
			a->curve = curves[i].curve;
			a->bits = curves[i].bits;
			snprintf(a->key_type_name, sizeof(a->key_type_name),
			    "%s", curves[i].name);
			return;
		}
		snprintf(a->key_type_name, sizeof(a->key_type_name), "%s",
		    a->key_type == CKK_EC ? "ec:unknown-curve" : "eddsa");
		return;
	}
	snprintf(a->key_type_name, sizeof(a->key_type_name), "%s",
	    a->key_type == CKK_AES ? "aes" : a->key_type == CKK_DSA ? "dsa" :
	    a->key_type == CKK_GENERIC_SECRET ? "generic-secret" : "other");
}

/* The flags of a key in one C_GetAttributeValue where the token answers
 * it whole, else one attribute at a time (a token may refuse the whole
 * template for one attribute it does not know, e.g. CKA_SENSITIVE on a
 * public key). */
static void
read_flags(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
    struct tok_key_attrs *a)
{
	static const CK_ATTRIBUTE_TYPE types[] = { CKA_SENSITIVE,
	    CKA_EXTRACTABLE, CKA_NEVER_EXTRACTABLE, CKA_SIGN, CKA_DECRYPT,
	    CKA_ALWAYS_AUTHENTICATE };
	bool *out[] = { &a->sensitive, &a->extractable, &a->never_extractable,
	    &a->sign, &a->decrypt, &a->always_auth };
	CK_BBOOL v[6] = { CK_FALSE };
	CK_ATTRIBUTE at[6];
	size_t i, n = sizeof(types) / sizeof(types[0]);

	for (i = 0; i < n; i++) {
		at[i].type = types[i];
		at[i].pValue = &v[i];
		at[i].ulValueLen = sizeof(v[i]);
	}
	if (f->C_GetAttributeValue(s, h, at, n) == CKR_OK) {
		for (i = 0; i < n; i++)
			*out[i] = at[i].ulValueLen == sizeof(v[i]) &&
			    v[i] == CK_TRUE;
		return;
	}
	for (i = 0; i < n; i++)
		*out[i] = get_bool(f, s, h, types[i]);
}

void
tok_read_attrs(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
    struct tok_key_attrs *a)
{
	unsigned char params[64], modulus[1024];
	CK_ATTRIBUTE at[2] = { { CKA_CLASS, &a->cls, sizeof(a->cls) },
	    { CKA_KEY_TYPE, &a->key_type, sizeof(a->key_type) } };
	CK_ULONG len;
	size_t plen = 0, mlen = 0;

	memset(a, 0, sizeof(*a));
	if (f->C_GetAttributeValue(s, h, at, 2) == CKR_OK) {
		a->have_type = at[1].ulValueLen == sizeof(a->key_type);
	} else {
		len = sizeof(a->cls);
		(void)get_attr(f, s, h, CKA_CLASS, &a->cls, &len);
		len = sizeof(a->key_type);
		a->have_type = get_attr(f, s, h, CKA_KEY_TYPE, &a->key_type,
		    &len);
	}
	if (!a->have_type)
		return;
	len = sizeof(params);
	if (a->key_type != CKK_RSA &&
	    get_attr(f, s, h, CKA_EC_PARAMS, params, &len))
		plen = len;
	len = sizeof(modulus);
	if (a->key_type != CKK_RSA) {
		/* no modulus */
	} else if (get_attr(f, s, h, CKA_MODULUS, modulus, &len)) {
		mlen = len;
	} else {
		len = 0;
		/* longer than the buffer: its length alone will do */
		if (get_attr(f, s, h, CKA_MODULUS, NULL, &len))
			mlen = len;
	}
	tok_name_key(a, params, plen, mlen, mlen <= sizeof(modulus) ?
	    modulus : NULL);
	read_flags(f, s, h, a);
}

int
tok_obj_attrs(gnutls_pkcs11_obj_t obj, bool login, struct tok_key_attrs *a)
{
	CK_FUNCTION_LIST *f;
	unsigned long slot;
	void *fp, *sess, *oh;
	int r;

	r = gnutls_pkcs11_obj_get_ptr(obj, &fp, &sess, &oh, &slot,
	    login ? GNUTLS_PKCS11_OBJ_FLAG_LOGIN : 0);
	if (r < 0)
		return r;
	f = fp;
	tok_read_attrs(f, (CK_SESSION_HANDLE)(uintptr_t)sess,
	    (CK_OBJECT_HANDLE)(uintptr_t)oh, a);
	f->C_CloseSession((CK_SESSION_HANDLE)(uintptr_t)sess);
	return 0;
}

