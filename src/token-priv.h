/* Internals shared by src/token*.c; not part of any contract outside them.
 *
 * Layering: token-attrs.c (reading a key object's attributes) is the floor
 * and calls none of the others; token.c (modules, logins, URIs, matching
 * tokens, opening keys) uses it; token-list.c and token-keygen.c use both
 * and are used by neither. */
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
	/* What token_session_open() loaded, to load it again in
	 * tok_reload(): a path, a p11-kit module name, or NULL (the whole
	 * registry). */
	char *module;
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
	bool decrypt;
};

/* Copy uri without its pin-value/pin-source attributes (which become the
 * run's PIN).  Returns 0 with *out malloc'ed, or HSMCA_E_PARSE/_PIN/_IO. */
int tok_prepare_uri(struct hsmca_token *t, const char *uri, char **out,
    struct hsmca_error *err);

/* What tok_match_tokens() is asked, and what it found. */
struct tok_match {
	bool all;               /* in: trust-module tokens too */
	bool login;             /* in: the caller logs in: leave out tokens
	                         * that cannot log in (not initialised, no
	                         * user PIN) and note PIN pads */
	char **urls;            /* out: the matching tokens' URLs */
	size_t n;
	size_t hidden;          /* out: trust-module tokens left out */
	size_t n_uninit;        /* out: with login, tokens left out as not
	                         * initialised ... */
	char *uninit;           /* ... and the first one's URL (or NULL) */
};

/* The tokens that uri (NULL: every token) matches, as m says.  Returns 0
 * (free m with tok_match_clear()) or HSMCA_E_PARSE/_TOKEN/_NOMEM. */
int tok_match_tokens(struct hsmca_token *t, const char *uri,
    struct tok_match *m, struct hsmca_error *err);

void tok_match_clear(struct tok_match *m);

/* Finalise every module and load and initialise them again, as
 * token_session_open() did: the only way to see what some modules (OpenSC
 * 0.23) know of a key only once they read it afresh.  Every key, object
 * and session of the run is invalid afterwards; the PINs stay cached (the
 * next operation logs in again, with the same PIN). */
int tok_reload(struct hsmca_token *t, struct hsmca_error *err);

/* A one-line hint that tells two matching tokens apart ("token=LABEL",
 * "serial=S", ...) for an ambiguity message, into buf. */
void tok_tell_apart(const char *url_a, const char *url_b, char *buf,
    size_t size);

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

/* Read one DER TLV header with this tag at *p (end at end): returns the
 * content length and moves *p to the content, or -1. */
long tok_der_header(const unsigned char **p, const unsigned char *end,
    unsigned char tag);

/* Flags of gnutls_pkcs11_token_get_flags() as HSMCA_TOK_*. */
unsigned tok_token_flags(const char *url);

#endif /* HSMCA_TOKEN_PRIV_H */
