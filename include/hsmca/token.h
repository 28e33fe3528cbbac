/* hsmca — the PKCS#11 boundary: modules, tokens, logins, key lookup,
 * listings and key generation.
 *
 * src/token*.c are the only files that include gnutls/pkcs11.h or p11-kit
 * headers.  A struct hsmca_token is one run's session with the PKCS#11
 * layer: it loads the modules once (--module PATH alone, or every module of
 * p11-kit's registry, where one that fails to initialise is a warning), and
 * installs the PIN policy of hsmca/pin.h (sources in DESIGN.md order, one
 * login attempt per token per run, PIN wiped at token_close()).
 *
 * URIs are RFC 7512 "pkcs11:" URIs.  A URI given by the user may carry
 * pin-value/pin-source: they are taken out of it before it is used or
 * named in any message, and become the PIN of this run.  URIs printed by
 * hsmca are full (token model, manufacturer, serial, label; object id,
 * label, type) and never carry a PIN.
 *
 * Functions that "may log in" ask for the PIN (file, environment, terminal)
 * the first time a token needs it; a wrong PIN fails with HSMCA_E_PIN and a
 * message "<token label>: wrong PIN (<tries left>; not retried)".
 */
#ifndef HSMCA_TOKEN_H
#define HSMCA_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#include <gnutls/abstract.h>

#include "hsmca/err.h"

struct hsmca_token;

/* Token flags (struct hsmca_token_info.flags). */
enum hsmca_token_flag {
	HSMCA_TOK_LOGIN_REQUIRED = 1 << 0,
	HSMCA_TOK_PIN_PAD = 1 << 1,        /* protected authentication path */
	HSMCA_TOK_PIN_COUNT_LOW = 1 << 2,
	HSMCA_TOK_PIN_FINAL_TRY = 1 << 3,
	HSMCA_TOK_PIN_LOCKED = 1 << 4,
	HSMCA_TOK_INITIALIZED = 1 << 5,
	HSMCA_TOK_USER_PIN_INIT = 1 << 6,  /* user PIN initialised */
	HSMCA_TOK_TRUSTED = 1 << 7,        /* p11-kit trust module (CA list) */
	HSMCA_TOK_HW = 1 << 8,             /* hardware slot */
	HSMCA_TOK_RNG = 1 << 9,
};

struct hsmca_token_info {
	char *uri;              /* full token URI */
	char *label;
	char *manufacturer;
	char *model;
	char *serial;
	char *module;           /* path of the module's shared object */
	unsigned flags;         /* enum hsmca_token_flag */
};

struct hsmca_token_list {
	struct hsmca_token_info *items;
	size_t n;
	size_t hidden;          /* tokens left out (trust module without --all) */
};

/* Object classes (struct hsmca_object.cls). */
enum hsmca_obj_class {
	HSMCA_OBJ_OTHER = 0,
	HSMCA_OBJ_PRIVKEY,
	HSMCA_OBJ_PUBKEY,
	HSMCA_OBJ_CERT,
	HSMCA_OBJ_SECRET_KEY,
	HSMCA_OBJ_DATA,
};

/* Object flags (struct hsmca_object.flags). */
enum hsmca_obj_flag {
	HSMCA_OBJF_SENSITIVE = 1 << 0,
	HSMCA_OBJF_NEVER_EXTRACTABLE = 1 << 1,
	HSMCA_OBJF_EXTRACTABLE = 1 << 2,
	HSMCA_OBJF_PRIVATE = 1 << 3,
	HSMCA_OBJF_ALWAYS_AUTH = 1 << 4,
	HSMCA_OBJF_TRUSTED = 1 << 5,
	HSMCA_OBJF_CA = 1 << 6,
	HSMCA_OBJF_SIGN = 1 << 7,          /* CKA_SIGN (keys, when readable) */
	HSMCA_OBJF_WRAP = 1 << 8,          /* CKA_WRAP/CKA_UNWRAP */
};

struct hsmca_object {
	char *uri;              /* full RFC 7512 URI, without PIN */
	enum hsmca_obj_class cls;
	char *label;            /* "" when the object has none */
	char *id_hex;           /* "01:02:0a", "" when the ID is empty */
	char *key_type;         /* "ec:secp384r1", "rsa:3072", "ed25519", NULL */
	char *token_label;
	unsigned flags;         /* enum hsmca_obj_flag */
	size_t same_uri;        /* other objects in the list with this URI */
};

struct hsmca_object_list {
	struct hsmca_object *items;
	size_t n;
	size_t hidden_tokens;   /* trust-module tokens skipped (no URI, no --all) */
	size_t uninit_tokens;   /* with login: tokens skipped as not initialised */
};

/* What token_open_key() found. */
struct hsmca_key_info {
	char uri[2048];         /* full URI of the private key */
	char token_label[65];
	char token_serial[33];
	char key_type[32];      /* "ec:secp384r1", "rsa:3072", "ed25519" */
	gnutls_pk_algorithm_t pk;
	unsigned bits;          /* RSA modulus bits; EC: 256, 384, 521; Ed25519: 256 */
	gnutls_ecc_curve_t curve;  /* GNUTLS_ECC_CURVE_INVALID for RSA */
	bool always_auth;       /* CKA_ALWAYS_AUTHENTICATE: a PIN per signature */
	char module[512];       /* file of the module that holds it ("" unknown) */
};

/* A key type for keygen. */
struct hsmca_keytype {
	char name[16];          /* canonical: "ec:secp384r1", "rsa:2048", "ed25519" */
	gnutls_pk_algorithm_t pk;
	unsigned bits;
	gnutls_ecc_curve_t curve;
};

/* Open the run's PKCS#11 session.  module: load only that module, named
 * by its path or by its p11-kit registry name (see token_module_ref()), or
 * NULL for every module of p11-kit's registry, where a module
 * that fails to initialise is added to w and skipped.  pin_file:
 * --pin-file FILE or NULL.  w must outlive the session: PIN warnings (few
 * tries left) are added to it during later calls.  Returns 0 and stores the
 * session in *out (close with token_close()), or HSMCA_E_TOKEN (the module
 * does not load or initialise: the message names it), HSMCA_E_NOMEM. */
int token_session_open(const char *module, const char *pin_file,
    struct hsmca_token **out, struct hsmca_warnings *w,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* How a CA directory names the module whose file is filename: the name
 * p11-kit's registry knows it by ("softhsm2", "opensc-pkcs11"), which
 * survives a move of the file, or else filename itself.  Returns 0 with
 * *out malloc'ed, or HSMCA_E_NOMEM. */
int token_module_ref(const char *filename, char **out,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Wipe the cached PINs, end the session and gnutls_pkcs11_deinit().  Keys
 * returned by token_open_key() must be freed before.  NULL is fine. */
void token_close(struct hsmca_token *t);

/* Every initialised token of the loaded modules, in module order; tokens of
 * the p11-kit trust module only with all (else counted in list->hidden).
 * Does not log in.  Returns 0 and fills *list (free with
 * token_list_clear()), or HSMCA_E_TOKEN / HSMCA_E_NOMEM. */
int token_list_tokens(struct hsmca_token *t, bool all,
    struct hsmca_token_list *list, struct hsmca_error *err) HSMCA_MUST_CHECK;

void token_list_clear(struct hsmca_token_list *list);

/* The objects a URI matches (uri NULL: every token, trust-module tokens
 * only with all).  login: log in first, to see private objects (may log in
 * to every token the URI matches: name the token).  A URI that matches no
 * token is HSMCA_E_NOTFOUND; a malformed one HSMCA_E_PARSE.  Returns 0 and
 * fills *list (free with token_objects_clear()). */
int token_list_objects(struct hsmca_token *t, const char *uri, bool login,
    bool all, struct hsmca_object_list *list, struct hsmca_error *err)
    HSMCA_MUST_CHECK;

void token_objects_clear(struct hsmca_object_list *list);

/* Open the private key that uri names (a URI without type= means the
 * private key; another type= is HSMCA_E_USAGE).  Exactly one private key
 * must match: none is HSMCA_E_NOTFOUND, several HSMCA_E_AMBIGUOUS with
 * every candidate's full URI in the message.  May log in (once).  On
 * success returns 0 and stores a signing key in *key (gnutls_privkey_deinit()
 * it before token_close()), its public key in *pub when pub is non-NULL
 * (gnutls_pubkey_deinit(); needs the key's public object or an RSA key), and
 * fills *info when non-NULL.  Nothing is stored on failure. */
int token_open_key(struct hsmca_token *t, const char *uri,
    gnutls_privkey_t *key, gnutls_pubkey_t *pub, struct hsmca_key_info *info,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* For a stored key URI that matches no token (the token was renamed):
 * the private key URI of the one key pair, on any token, whose public key
 * object is want (and whose CKA_ID is the URI's id=, when it has one).
 * Reads public objects only: logs in nowhere.  Returns 0 with *new_uri
 * malloc'ed; HSMCA_E_NOTFOUND when no token holds it, HSMCA_E_AMBIGUOUS
 * when several do.  The caller must still check that the key it then opens
 * is the one it wanted (the public key object could lie). */
int token_find_key_by_pubkey(struct hsmca_token *t, const char *uri,
    gnutls_pubkey_t want, char **new_uri, struct hsmca_error *err)
    HSMCA_MUST_CHECK;

/* Parse a keygen type ("ec:secp384r1", "ec:secp256r1", "ec:secp521r1",
 * "rsa:2048", "rsa:3072", "rsa:4096", "ed25519"; also "ec:p256" style
 * aliases).  Returns 0 and fills *out, or HSMCA_E_USAGE naming the type and
 * the accepted ones. */
int token_parse_keytype(const char *text, struct hsmca_keytype *out,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Parse a hex CKA_ID ("0a1b", "0a:1b", "%0a%1b"; 1 to 64 bytes).  Returns 0
 * and stores the bytes in id (room for 64) and their count in *len, or
 * HSMCA_E_USAGE. */
int token_parse_id(const char *text, unsigned char *id, size_t *len,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* RFC 5280 §4.2.1.2 method (1) key identifier: SHA-1 of the
 * subjectPublicKey BIT STRING of a DER SubjectPublicKeyInfo.  Returns 0 and
 * fills id (20 bytes), or HSMCA_E_PARSE for malformed DER. */
int token_key_id_method1(const unsigned char *spki, size_t len,
    unsigned char id[20], struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Check a URI given by the user: it must start with "pkcs11:", parse as
 * RFC 7512 with p11-kit, name no attribute p11-kit does not know and have
 * no empty attribute (";;", a leading or trailing ";" or "&": p11-kit 0.24
 * misreads them).  Returns 0 or HSMCA_E_PARSE ("URI: ..."); the message
 * never shows the URI's attributes (they may hold a PIN). */
int token_check_uri(const char *uri, struct hsmca_error *err)
    HSMCA_MUST_CHECK;

/* Generate a key pair on the one token that token_uri names (none:
 * HSMCA_E_NOTFOUND; several: HSMCA_E_AMBIGUOUS).  Logs in.  label must be
 * new on the token and id (when non-NULL, id_len bytes) too, checked among
 * private objects (HSMCA_E_EXISTS); without id the CKA_ID is the method (1)
 * key identifier of the new public key.  The private key is made
 * CKA_SENSITIVE, not CKA_EXTRACTABLE, CKA_SIGN, CKA_PRIVATE; the attributes
 * are read back and a pair the token made otherwise is destroyed
 * (HSMCA_E_TOKEN).  A token without the type's mechanism is
 * HSMCA_E_UNSUPPORTED.  Returns 0 and stores the private key's full URI in
 * *uri_out (free()). */
int token_keygen(struct hsmca_token *t, const char *token_uri,
    const char *label, const struct hsmca_keytype *type,
    const unsigned char *id, size_t id_len, char **uri_out,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

#endif /* HSMCA_TOKEN_H */
