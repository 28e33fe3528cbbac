/* see hsmca/token.h: token and object listings, and reading key attributes
 * through the module pointer GnuTLS already holds. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/pkcs11.h>
#include <p11-kit/p11-kit.h>

#include "hsmca/token.h"
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

void
tok_read_attrs(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
    struct tok_key_attrs *a)
{
	unsigned char params[64], modulus[1024];
	CK_ULONG len;
	size_t plen = 0, mlen = 0;

	memset(a, 0, sizeof(*a));
	len = sizeof(a->cls);
	(void)get_attr(f, s, h, CKA_CLASS, &a->cls, &len);
	len = sizeof(a->key_type);
	a->have_type = get_attr(f, s, h, CKA_KEY_TYPE, &a->key_type, &len);
	if (!a->have_type)
		return;
	len = sizeof(params);
	if (get_attr(f, s, h, CKA_EC_PARAMS, params, &len))
		plen = len;
	len = sizeof(modulus);
	if (get_attr(f, s, h, CKA_MODULUS, modulus, &len)) {
		mlen = len;
	} else {
		len = 0;
		/* longer than the buffer: its length alone will do */
		if (get_attr(f, s, h, CKA_MODULUS, NULL, &len))
			mlen = len;
	}
	tok_name_key(a, params, plen, mlen, mlen <= sizeof(modulus) ?
	    modulus : NULL);
	a->sensitive = get_bool(f, s, h, CKA_SENSITIVE);
	a->extractable = get_bool(f, s, h, CKA_EXTRACTABLE);
	a->never_extractable = get_bool(f, s, h, CKA_NEVER_EXTRACTABLE);
	a->sign = get_bool(f, s, h, CKA_SIGN);
	a->always_auth = get_bool(f, s, h, CKA_ALWAYS_AUTHENTICATE);
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

static char *
token_str(const char *url, gnutls_pkcs11_token_info_t what)
{
	char buf[256];
	size_t sz = sizeof(buf);

	if (gnutls_pkcs11_token_get_info(url, what, buf, &sz) < 0)
		buf[0] = '\0';
	return strdup(buf);
}

static int
token_info(const char *url, struct hsmca_token_info *ti)
{
	unsigned long slot;
	void *fp;

	memset(ti, 0, sizeof(*ti));
	ti->uri = strdup(url);
	ti->label = token_str(url, GNUTLS_PKCS11_TOKEN_LABEL);
	ti->manufacturer = token_str(url, GNUTLS_PKCS11_TOKEN_MANUFACTURER);
	ti->model = token_str(url, GNUTLS_PKCS11_TOKEN_MODEL);
	ti->serial = token_str(url, GNUTLS_PKCS11_TOKEN_SERIAL);
	if (gnutls_pkcs11_token_get_ptr(url, &fp, &slot, 0) >= 0)
		ti->module = p11_kit_module_get_filename(fp);
	if (ti->module == NULL)
		ti->module = token_str(url, GNUTLS_PKCS11_TOKEN_MODNAME);
	ti->flags = tok_token_flags(url);
	if (ti->uri == NULL || ti->label == NULL || ti->manufacturer == NULL ||
	    ti->model == NULL || ti->serial == NULL || ti->module == NULL)
		return HSMCA_E_NOMEM;
	return 0;
}

static void
token_info_clear(struct hsmca_token_info *ti)
{
	free(ti->uri);
	free(ti->label);
	free(ti->manufacturer);
	free(ti->model);
	free(ti->serial);
	free(ti->module);
}

int
token_list_tokens(struct hsmca_token *t, bool all,
    struct hsmca_token_list *list, struct hsmca_error *err)
{
	char **urls = NULL;
	size_t n = 0, i;
	int r;

	memset(list, 0, sizeof(*list));
	if ((r = tok_match_tokens(t, NULL, all, false, &urls, &n,
	    &list->hidden, err)) != 0)
		return r;
	list->items = calloc(n ? n : 1, sizeof(*list->items));
	if (list->items == NULL) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		list->n++;
		if (token_info(urls[i], &list->items[i]) != 0) {
			r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of "
			    "memory");
			goto out;
		}
	}
out:
	if (r != 0)
		token_list_clear(list);
	tok_strv_free(urls, n);
	return r;
}

void
token_list_clear(struct hsmca_token_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		token_info_clear(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

static enum hsmca_obj_class
obj_class(gnutls_pkcs11_obj_type_t type)
{
	switch (type) {
	case GNUTLS_PKCS11_OBJ_PRIVKEY:
		return HSMCA_OBJ_PRIVKEY;
	case GNUTLS_PKCS11_OBJ_PUBKEY:
		return HSMCA_OBJ_PUBKEY;
	case GNUTLS_PKCS11_OBJ_X509_CRT:
		return HSMCA_OBJ_CERT;
	case GNUTLS_PKCS11_OBJ_SECRET_KEY:
		return HSMCA_OBJ_SECRET_KEY;
	case GNUTLS_PKCS11_OBJ_DATA:
		return HSMCA_OBJ_DATA;
	default:
		return HSMCA_OBJ_OTHER;
	}
}

static unsigned
obj_flags(gnutls_pkcs11_obj_t obj)
{
	static const struct {
		unsigned g, h;
	} map[] = {
		{ GNUTLS_PKCS11_OBJ_FLAG_MARK_SENSITIVE, HSMCA_OBJF_SENSITIVE },
		{ GNUTLS_PKCS11_OBJ_FLAG_NEVER_EXTRACTABLE,
		    HSMCA_OBJF_NEVER_EXTRACTABLE },
		{ GNUTLS_PKCS11_OBJ_FLAG_MARK_EXTRACTABLE,
		    HSMCA_OBJF_EXTRACTABLE },
		{ GNUTLS_PKCS11_OBJ_FLAG_MARK_PRIVATE, HSMCA_OBJF_PRIVATE },
		{ GNUTLS_PKCS11_OBJ_FLAG_MARK_ALWAYS_AUTH,
		    HSMCA_OBJF_ALWAYS_AUTH },
		{ GNUTLS_PKCS11_OBJ_FLAG_MARK_TRUSTED, HSMCA_OBJF_TRUSTED },
		{ GNUTLS_PKCS11_OBJ_FLAG_MARK_CA, HSMCA_OBJF_CA },
		{ GNUTLS_PKCS11_OBJ_FLAG_MARK_KEY_WRAP, HSMCA_OBJF_WRAP },
	};
	unsigned g = 0, h = 0;
	size_t i;

	if (gnutls_pkcs11_obj_get_flags(obj, &g) < 0)
		return 0;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (g & map[i].g)
			h |= map[i].h;
	return h;
}

static char *
obj_str(gnutls_pkcs11_obj_t obj, gnutls_pkcs11_obj_info_t what)
{
	char buf[1024];
	size_t sz = sizeof(buf);

	if (gnutls_pkcs11_obj_get_info(obj, what, buf, &sz) < 0)
		buf[0] = '\0';
	return strdup(buf);
}

static int
object_info(gnutls_pkcs11_obj_t obj, bool login, struct hsmca_object *o)
{
	struct tok_key_attrs a;
	char *url;

	memset(o, 0, sizeof(*o));
	if (gnutls_pkcs11_obj_export_url(obj, GNUTLS_PKCS11_URL_GENERIC,
	    &url) < 0)
		return HSMCA_E_TOKEN;
	o->uri = strdup(url);
	gnutls_free(url);
	o->cls = obj_class(gnutls_pkcs11_obj_get_type(obj));
	o->label = obj_str(obj, GNUTLS_PKCS11_OBJ_LABEL);
	o->id_hex = obj_str(obj, GNUTLS_PKCS11_OBJ_ID_HEX);
	o->token_label = obj_str(obj, GNUTLS_PKCS11_OBJ_TOKEN_LABEL);
	o->flags = obj_flags(obj);
	if ((o->cls == HSMCA_OBJ_PRIVKEY || o->cls == HSMCA_OBJ_PUBKEY ||
	    o->cls == HSMCA_OBJ_SECRET_KEY) &&
	    tok_obj_attrs(obj, login, &a) == 0 && a.have_type) {
		o->key_type = strdup(a.key_type_name);
		if (a.sign)
			o->flags |= HSMCA_OBJF_SIGN;
		if (o->key_type == NULL)
			return HSMCA_E_NOMEM;
	}
	if (o->uri == NULL || o->label == NULL || o->id_hex == NULL ||
	    o->token_label == NULL)
		return HSMCA_E_NOMEM;
	return 0;
}

static void
object_clear(struct hsmca_object *o)
{
	free(o->uri);
	free(o->label);
	free(o->id_hex);
	free(o->key_type);
	free(o->token_label);
}

/* Append the objects url matches to list. */
static int
add_objects(struct hsmca_token *t, const char *url, bool login,
    struct hsmca_object_list *list, struct hsmca_error *err)
{
	gnutls_pkcs11_obj_t *objs = NULL;
	struct hsmca_object *grown;
	unsigned n = 0, i;
	int r;

	r = gnutls_pkcs11_obj_list_import_url4(&objs, &n, url,
	    login ? GNUTLS_PKCS11_OBJ_FLAG_LOGIN : 0);
	if (r < 0)
		return tok_fail(t, r, url, err);
	grown = realloc(list->items, (list->n + n + 1) * sizeof(*grown));
	if (grown == NULL) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		goto out;
	}
	list->items = grown;
	for (i = 0; i < n; i++) {
		r = object_info(objs[i], login, &list->items[list->n]);
		list->n++;
		if (r != 0) {
			r = hsmca_error_set(err, r, "%s: cannot describe an "
			    "object", url);
			goto out;
		}
	}
	r = 0;
out:
	for (i = 0; i < n; i++)
		gnutls_pkcs11_obj_deinit(objs[i]);
	gnutls_free(objs);
	return r;
}

static void
count_same_uri(struct hsmca_object_list *list)
{
	size_t i, j;

	for (i = 0; i < list->n; i++)
		for (j = 0; j < list->n; j++)
			if (i != j && strcmp(list->items[i].uri,
			    list->items[j].uri) == 0)
				list->items[i].same_uri++;
}

int
token_list_objects(struct hsmca_token *t, const char *uri, bool login,
    bool all, struct hsmca_object_list *list, struct hsmca_error *err)
{
	char *u = NULL, **urls = NULL;
	size_t n = 0, i;
	int r;

	memset(list, 0, sizeof(*list));
	if (uri != NULL && (r = tok_prepare_uri(t, uri, &u, err)) != 0)
		return r;
	if ((r = tok_match_tokens(t, u, u != NULL || all, login, &urls, &n,
	    &list->hidden_tokens, err)) != 0)
		goto out;
	if (u != NULL && n == 0) {
		r = hsmca_error_set(err, HSMCA_E_NOTFOUND, "%s: no token "
		    "matches this URI", u);
		goto out;
	}
	if (u != NULL)
		r = add_objects(t, u, login, list, err);
	for (i = 0; u == NULL && i < n && r == 0; i++)
		r = add_objects(t, urls[i], login, list, err);
	if (r == 0)
		count_same_uri(list);
out:
	if (r != 0)
		token_objects_clear(list);
	tok_strv_free(urls, n);
	free(u);
	return r;
}

void
token_objects_clear(struct hsmca_object_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		object_clear(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}
