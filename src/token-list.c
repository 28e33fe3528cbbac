/* see hsmca/token.h: token and object listings. */
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
	struct tok_match m = { .all = all, .login = false };
	char **urls;
	size_t n, i;
	int r;

	memset(list, 0, sizeof(*list));
	if ((r = tok_match_tokens(t, NULL, &m, err)) != 0)
		return r;
	urls = m.urls;
	n = m.n;
	list->hidden = m.hidden;
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
	tok_match_clear(&m);
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
	struct tok_match m = { .all = uri != NULL || all, .login = login };
	char *u = NULL;
	size_t i;
	int r;

	memset(list, 0, sizeof(*list));
	if (uri != NULL && (r = tok_prepare_uri(t, uri, &u, err)) != 0)
		return r;
	if ((r = tok_match_tokens(t, u, &m, err)) != 0)
		goto out;
	list->hidden_tokens = m.hidden;
	list->uninit_tokens = m.n_uninit;
	if (u != NULL && m.n == 0) {
		r = m.n_uninit > 0 ? hsmca_error_set(err, HSMCA_E_NOTFOUND,
		    "%s: the only token it matches is not initialised (%s)", u,
		    m.uninit) : hsmca_error_set(err, HSMCA_E_NOTFOUND, "%s: no "
		    "token matches this URI", u);
		goto out;
	}
	/* with a URI that also matches tokens one cannot log in to, list
	 * token by token: a listing that logs in fails on them */
	if (u != NULL && m.n_uninit == 0)
		r = add_objects(t, u, login, list, err);
	for (i = 0; (u == NULL || m.n_uninit > 0) && i < m.n && r == 0; i++)
		r = add_objects(t, m.urls[i], login, list, err);
	if (r == 0)
		count_same_uri(list);
out:
	if (r != 0)
		token_objects_clear(list);
	tok_match_clear(&m);
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
