/* Internals shared by src/token.c, src/token-list.c and src/token-keygen.c;
 * not part of any contract outside them. */
#ifndef HSMCA_TOKEN_PRIV_H
#define HSMCA_TOKEN_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include <gnutls/gnutls.h>
#include <gnutls/pkcs11.h>
#include <p11-kit/p11-kit.h>
#include <p11-kit/uri.h>

#include "hsmca/err.h"
#include "hsmca/pin.h"
#include "hsmca/token.h"

#define TOK_MAX_HOLDS 8

struct hsmca_token {
	struct hsmca_pin_cache *pins;
	struct hsmca_warnings *w;       /* borrowed from the caller */
	/* One session kept open per token a key was opened on: PKCS#11 login
	 * state lasts while the application has a session on the token, and
	 * GnuTLS opens and closes one per operation, so without it every
	 * operation logs in again (3 C_Login for one sign).  With it the run
	 * logs in once (GnuTLS skips C_Login on a logged-in token). */
	struct {
		CK_FUNCTION_LIST *mod;
		CK_SLOT_ID slot;
		CK_SESSION_HANDLE session;
	} holds[TOK_MAX_HOLDS];
	size_t n_holds;
};

/* Raw attributes of one key object, read through PKCS#11. */
struct tok_key_attrs {
	CK_OBJECT_CLASS cls;
	bool have_type;
	CK_KEY_TYPE key_type;
	char key_type_name[32];         /* "ec:secp384r1", "rsa:2048", ... */
	gnutls_pk_algorithm_t pk;
	gnutls_ecc_curve_t curve;
	unsigned bits;
	bool sensitive, extractable, never_extractable, sign, always_auth;
};

/* Copy uri without its pin-value/pin-source attributes (which become the
 * run's PIN).  Returns 0 with *out malloc'ed, or HSMCA_E_PARSE/_PIN/_IO. */
int tok_prepare_uri(struct hsmca_token *t, const char *uri, char **out,
    struct hsmca_error *err);

/* URLs of the tokens that uri (NULL: every token) matches; trust-module
 * tokens only with all, else counted in *hidden.  With login, tells the
 * operator to use the PIN pad of matching PIN-pad tokens. */
int tok_match_tokens(struct hsmca_token *t, const char *uri, bool all,
    bool login, char ***urls, size_t *n, size_t *hidden,
    struct hsmca_error *err);

void tok_strv_free(char **v, size_t n);

/* Turn a GnuTLS error from an operation that may log in into an hsmca
 * error: PIN failures become the PIN cache's message with the token's
 * tries-left state; the rest HSMCA_E_TOKEN "<what>: <gnutls text>". */
int tok_fail(struct hsmca_token *t, int gerr, const char *what,
    struct hsmca_error *err);

/* Name a key type from its PKCS#11 attributes (fills the pk/curve/bits
 * fields and key_type_name of a). */
void tok_name_key(struct tok_key_attrs *a, const unsigned char *ec_params,
    size_t ec_len, size_t modulus_len, const unsigned char *modulus);

/* Read the attributes of a key object in session s. */
void tok_read_attrs(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s,
    CK_OBJECT_HANDLE h, struct tok_key_attrs *a);

/* Read them for a listed object (opens a session; login as given). */
int tok_obj_attrs(gnutls_pkcs11_obj_t obj, bool login,
    struct tok_key_attrs *a);

/* Flags of gnutls_pkcs11_token_get_flags() as HSMCA_TOK_*. */
unsigned tok_token_flags(const char *url);

#endif /* HSMCA_TOKEN_PRIV_H */
