/* see hsmca/token.h: finding a key by its public key, for a CA directory
 * whose stored URI no longer names a token (the token was renamed: OpenSC
 * 0.24 calls the card "SmartCard-HSM" that 0.23 called "SmartCard-HSM
 * (UserPIN)").  Only public objects are read, so no token is logged in to
 * on the way: a PIN is never tried on a token it may not belong to. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/pkcs11.h>
#include <p11-kit/uri.h>

#include "hsmca/token.h"
#include "token-priv.h"

/* Is the public key of obj want (whose DER is wder)? */
static bool
same_key(gnutls_pkcs11_obj_t obj, const gnutls_datum_t *wder)
{
	gnutls_pubkey_t p = NULL;
	gnutls_datum_t der = { NULL, 0 };
	bool same = false;

	if (gnutls_pubkey_init(&p) == 0 &&
	    gnutls_pubkey_import_pkcs11(p, obj, 0) == 0 &&
	    gnutls_pubkey_export2(p, GNUTLS_X509_FMT_DER, &der) == 0)
		same = der.size == wder->size &&
		    memcmp(der.data, wder->data, der.size) == 0;
	gnutls_free(der.data);
	gnutls_pubkey_deinit(p);
	return same;
}

/* The URI of the private key beside public key object obj. */
static int
private_of(gnutls_pkcs11_obj_t obj, char **out)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE at = { CKA_CLASS, &cls, sizeof(cls) };
	P11KitUri *p = p11_kit_uri_new();
	char *url = NULL;
	int r = -1;

	if (p != NULL && gnutls_pkcs11_obj_export_url(obj,
	    GNUTLS_PKCS11_URL_GENERIC, &url) == 0 &&
	    p11_kit_uri_parse(url, P11_KIT_URI_FOR_ANY, p) == P11_KIT_URI_OK &&
	    p11_kit_uri_set_attribute(p, &at) == P11_KIT_URI_OK)
		r = p11_kit_uri_format(p, P11_KIT_URI_FOR_ANY, out) ==
		    P11_KIT_URI_OK ? 0 : -1;
	gnutls_free(url);
	p11_kit_uri_free(p);
	return r;
}

/* "pkcs11:type=public" with the id= of uri when it has one. */
static int
public_query(const char *uri, char **out)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_ATTRIBUTE at = { CKA_CLASS, &cls, sizeof(cls) }, *id;
	P11KitUri *p = p11_kit_uri_new(), *q = p11_kit_uri_new();
	int r = -1;

	if (p != NULL && q != NULL &&
	    p11_kit_uri_parse(uri, P11_KIT_URI_FOR_ANY, p) == P11_KIT_URI_OK &&
	    p11_kit_uri_set_attribute(q, &at) == P11_KIT_URI_OK &&
	    ((id = p11_kit_uri_get_attribute(p, CKA_ID)) == NULL ||
	    p11_kit_uri_set_attribute(q, id) == P11_KIT_URI_OK))
		r = p11_kit_uri_format(q, P11_KIT_URI_FOR_OBJECT, out) ==
		    P11_KIT_URI_OK ? 0 : -1;
	p11_kit_uri_free(p);
	p11_kit_uri_free(q);
	return r;
}

int
token_find_key_by_pubkey(struct hsmca_token *t, const char *uri,
    gnutls_pubkey_t want, char **new_uri, struct hsmca_error *err)
{
	gnutls_pkcs11_obj_t *objs = NULL;
	gnutls_datum_t wder = { NULL, 0 };
	char *u = NULL, *query = NULL, *found = NULL;
	unsigned n = 0, i, hits = 0;
	int r;

	*new_uri = NULL;
	if ((r = tok_prepare_uri(t, uri, &u, err)) != 0)
		return r;
	if (public_query(u, &query) != 0 ||
	    gnutls_pubkey_export2(want, GNUTLS_X509_FMT_DER, &wder) != 0) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		goto out;
	}
	/* public objects only: no login */
	r = gnutls_pkcs11_obj_list_import_url4(&objs, &n, query, 0);
	if (r < 0) {
		r = hsmca_error_set(err, HSMCA_E_TOKEN, "looking for the key "
		    "on every token: %s", gnutls_strerror(r));
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!same_key(objs[i], &wder))
			continue;
		if (hits++ == 0 && private_of(objs[i], &found) != 0)
			found = NULL;
	}
	if (hits == 0)
		r = hsmca_error_set(err, HSMCA_E_NOTFOUND, "%s: no token "
		    "matches this URI, and no token holds a public key object "
		    "with this key (and the URI's id, if it has one)", u);
	else if (hits > 1)
		r = hsmca_error_set(err, HSMCA_E_AMBIGUOUS, "%s: no token "
		    "matches this URI, and %u tokens hold this public key: "
		    "name the one to use in the URI", u, hits);
	else if (found == NULL)
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	else {
		*new_uri = found;
		found = NULL;
		r = 0;
	}
out:
	for (i = 0; i < n; i++)
		gnutls_pkcs11_obj_deinit(objs[i]);
	gnutls_free(objs);
	gnutls_free(wder.data);
	free(found);
	free(query);
	free(u);
	return r;
}
