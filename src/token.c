/* see hsmca/token.h: module loading, the PIN callback, URI handling and
 * token_open_key().  Listings are in token-list.c, key generation in
 * token-keygen.c. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/pkcs11.h>
#include <p11-kit/p11-kit.h>
#include <p11-kit/uri.h>

#include "hsmca/pin.h"
#include "hsmca/token.h"
#include "token-priv.h"

/* GnuTLS asks for the PIN once per session it logs in with; the cache
 * answers from memory and refuses as soon as GnuTLS says the last PIN was
 * wrong, which bounds a run to one failed C_Login per token (GnuTLS itself
 * would retry without limit). */
static int
pin_cb(void *ud, int attempt, const char *token_url, const char *token_label,
    unsigned flags, char *pin, size_t pin_max)
{
	struct hsmca_token *t = ud;
	unsigned req = 0;

	if (attempt > 0 || (flags & GNUTLS_PIN_WRONG))
		req |= HSMCA_PIN_REQ_RETRY;
	if (flags & GNUTLS_PIN_SO)
		req |= HSMCA_PIN_REQ_SO;
	if (flags & GNUTLS_PIN_COUNT_LOW)
		req |= HSMCA_PIN_REQ_COUNT_LOW;
	if (flags & GNUTLS_PIN_FINAL_TRY)
		req |= HSMCA_PIN_REQ_FINAL_TRY;
	if (pin_cache_fill(t->pins, token_url, token_label, req, pin, pin_max,
	    t->w) != 0)
		return -1;
	return 0;
}

/* The value of "module:" in one p11-kit module configuration, as a path
 * (relative ones are in p11-kit's module directory); NULL when the file is
 * not there, names no module, or is a trust policy module (which needs
 * the registry's own loading, with "trusted"). */
static char *
config_module_file(const char *dir, const char *name)
{
	char *path = NULL, *line = NULL, *file = NULL, *v, *end;
	size_t cap = 0;
	bool trust = false;
	FILE *f;

	if (asprintf(&path, "%s/%s.module", dir, name) < 0)
		return NULL;
	f = fopen(path, "re");
	free(path);
	if (f == NULL)
		return NULL;
	while (getline(&line, &cap, f) > 0) {
		v = line + strspn(line, " \t");
		end = v + strcspn(v, "\r\n");
		while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		*end = '\0';
		if (strncmp(v, "trust-policy:", 13) == 0)
			trust = true;
		if (strncmp(v, "module:", 7) != 0 || file != NULL)
			continue;
		v += 7 + strspn(v + 7, " \t");
		if (*v == '/')
			file = strdup(v);
		else if (*v != '\0' && asprintf(&file, "%s/%s",
		    HSMCA_P11_MODULE_PATH, v) < 0)
			file = NULL;
	}
	free(line);
	fclose(f);
	if (trust) {
		free(file);
		return NULL;
	}
	return file;
}

/* The file of the module p11-kit registers as name: read from the
 * registry's configuration (the system's overrides the package's) without
 * loading a module, else by asking p11-kit, which loads every registered
 * module's library to answer.  *params: "trusted" for a trust module. */
static char *
registered_file(const char *name, const char **params)
{
	CK_FUNCTION_LIST **mods;
	char *file, *n;
	size_t i;

	*params = NULL;
	if ((file = config_module_file(HSMCA_P11_SYSCONFIGS, name)) != NULL ||
	    (file = config_module_file(HSMCA_P11_CONFIGS, name)) != NULL)
		return file;
	if ((mods = p11_kit_modules_load(NULL, 0)) == NULL)
		return NULL;
	for (i = 0; mods[i] != NULL && file == NULL; i++) {
		n = p11_kit_module_get_name(mods[i]);
		if (n != NULL && strcmp(n, name) == 0) {
			file = p11_kit_module_get_filename(mods[i]);
			if (p11_kit_module_get_flags(mods[i]) &
			    P11_KIT_MODULE_TRUSTED)
				*params = "trusted";
		}
		free(n);
	}
	p11_kit_modules_release(mods);
	return file;
}

/* Load one module: a path, or the name p11-kit's registry knows it by
 * ("softhsm2", "opensc-pkcs11"), which is what a CA directory records. */
static int
load_module(const char *module, struct hsmca_error *err)
{
	char *file = NULL;
	const char *params = NULL;
	int r;

	if (strchr(module, '/') != NULL) {
		if (access(module, R_OK) != 0)
			return hsmca_error_set(err, HSMCA_E_TOKEN, "%s: cannot "
			    "load PKCS#11 module: %s", module, strerror(errno));
		file = strdup(module);
	} else if ((file = registered_file(module, &params)) == NULL) {
		return hsmca_error_set(err, HSMCA_E_TOKEN, "PKCS#11 "
		    "module '%.64s': not registered with p11-kit (see "
		    "'p11-kit list-modules'); name it by its path", module);
	}
	if (file == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	r = gnutls_pkcs11_add_provider(file, params);
	if (r < 0)
		r = hsmca_error_set(err, HSMCA_E_TOKEN, "%s: cannot load "
		    "PKCS#11 module: %s", module, gnutls_strerror(r));
	free(file);
	return r < 0 ? r : 0;
}

/* Load every module of p11-kit's registry ourselves rather than with
 * GNUTLS_PKCS11_FLAG_AUTO, which drops a module that fails to initialise
 * without a word. */
static int
load_registry(struct hsmca_warnings *w, struct hsmca_error *err)
{
	CK_FUNCTION_LIST **mods;
	char *file, *name;
	size_t i;
	bool trusted;
	int r;

	mods = p11_kit_modules_load(NULL, 0);
	if (mods == NULL)
		return hsmca_error_set(err, HSMCA_E_TOKEN, "p11-kit: cannot "
		    "read the module registry: %s", p11_kit_message());
	for (i = 0; mods[i] != NULL; i++) {
		file = p11_kit_module_get_filename(mods[i]);
		name = p11_kit_module_get_name(mods[i]);
		trusted = (p11_kit_module_get_flags(mods[i]) &
		    P11_KIT_MODULE_TRUSTED) != 0;
		r = file == NULL ? GNUTLS_E_PKCS11_LOAD_ERROR :
		    gnutls_pkcs11_add_provider(file, trusted ? "trusted" :
		    NULL);
		if (r < 0)
			(void)hsmca_warn(w, "PKCS#11 module %s (%s) failed to "
			    "initialise: %s; skipped", name ? name : "?",
			    file ? file : "no file", gnutls_strerror(r));
		free(file);
		free(name);
	}
	p11_kit_modules_release(mods);
	return 0;
}

int
token_module_ref(const char *filename, char **out, struct hsmca_error *err)
{
	CK_FUNCTION_LIST **mods;
	char *want, *have, *file, *name = NULL;
	size_t i;

	want = realpath(filename, NULL);
	mods = want != NULL ? p11_kit_modules_load(NULL, 0) : NULL;
	for (i = 0; mods != NULL && mods[i] != NULL && name == NULL; i++) {
		file = p11_kit_module_get_filename(mods[i]);
		have = file != NULL ? realpath(file, NULL) : NULL;
		if (have != NULL && strcmp(have, want) == 0)
			name = p11_kit_module_get_name(mods[i]);
		free(have);
		free(file);
	}
	if (mods != NULL)
		p11_kit_modules_release(mods);
	free(want);
	*out = name != NULL ? name : strdup(filename);
	if (*out == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	return 0;
}

static void tok_release_holds(struct hsmca_token *t);

/* Initialise GnuTLS's PKCS#11 layer and load t->module (or the registry)
 * into it. */
static int
tok_load(struct hsmca_token *t, struct hsmca_error *err)
{
	int r;

	r = gnutls_pkcs11_init(GNUTLS_PKCS11_FLAG_MANUAL, NULL);
	if (r < 0)
		return hsmca_error_set(err, HSMCA_E_TOKEN, "cannot initialise "
		    "PKCS#11: %s", gnutls_strerror(r));
	gnutls_pkcs11_set_pin_function(pin_cb, t);
	if (t->module != NULL)
		return load_module(t->module, err);
	return load_registry(t->w, err);
}

static void
tok_unload(struct hsmca_token *t)
{
	tok_release_holds(t);
	gnutls_pkcs11_set_pin_function(NULL, NULL);
	gnutls_pkcs11_deinit();
}

int
token_session_open(const char *module, const char *pin_file,
    struct hsmca_token **out, struct hsmca_warnings *w,
    struct hsmca_error *err)
{
	struct hsmca_pin_opts popts = {
		.pin_file = pin_file,
		.env_name = "HSMCA_PIN",
		.tty_path = "/dev/tty",
	};
	struct hsmca_token *t;
	int r;

	t = calloc(1, sizeof(*t));
	if (t == NULL || (module != NULL &&
	    (t->module = strdup(module)) == NULL) ||
	    pin_cache_new(&popts, &t->pins) != 0) {
		if (t != NULL)
			free(t->module);
		free(t);
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	}
	t->w = w;
	if ((r = tok_load(t, err)) != 0) {
		token_close(t);
		return r;
	}
	*out = t;
	return 0;
}

int
tok_reload(struct hsmca_token *t, struct hsmca_error *err)
{
	tok_unload(t);
	return tok_load(t, err);
}

/* Keep a session open on the token of url (see struct hsmca_token).  Best
 * effort: without it the run still works, with more logins. */
static void
tok_hold_session(struct hsmca_token *t, const char *url)
{
	CK_FUNCTION_LIST *mod;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	unsigned long slot_ul;
	void *ptr = NULL;
	size_t i;

	if (t->n_holds >= TOK_MAX_HOLDS ||
	    gnutls_pkcs11_token_get_ptr(url, &ptr, &slot_ul, 0) < 0 ||
	    ptr == NULL)
		return;
	mod = ptr;
	slot = slot_ul;
	for (i = 0; i < t->n_holds; i++)
		if (t->holds[i].mod == mod && t->holds[i].slot == slot)
			return;
	if (mod->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) !=
	    CKR_OK)
		return;
	t->holds[t->n_holds].mod = mod;
	t->holds[t->n_holds].slot = slot;
	t->holds[t->n_holds].session = s;
	t->n_holds++;
}

static void
tok_release_holds(struct hsmca_token *t)
{
	size_t i;

	for (i = 0; i < t->n_holds; i++)
		(void)t->holds[i].mod->C_CloseSession(t->holds[i].session);
	t->n_holds = 0;
}

void
token_close(struct hsmca_token *t)
{
	if (t == NULL)
		return;
	tok_unload(t);
	pin_cache_free(t->pins);
	free(t->module);
	free(t);
}

void
tok_strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		gnutls_free(v[i]);
	free(v);
}

unsigned
tok_token_flags(const char *url)
{
	static const struct {
		unsigned g, h;
	} map[] = {
		{ GNUTLS_PKCS11_TOKEN_LOGIN_REQUIRED, HSMCA_TOK_LOGIN_REQUIRED },
		{ GNUTLS_PKCS11_TOKEN_PROTECTED_AUTHENTICATION_PATH,
		    HSMCA_TOK_PIN_PAD },
		{ GNUTLS_PKCS11_TOKEN_USER_PIN_COUNT_LOW,
		    HSMCA_TOK_PIN_COUNT_LOW },
		{ GNUTLS_PKCS11_TOKEN_USER_PIN_FINAL_TRY,
		    HSMCA_TOK_PIN_FINAL_TRY },
		{ GNUTLS_PKCS11_TOKEN_USER_PIN_LOCKED, HSMCA_TOK_PIN_LOCKED },
		{ GNUTLS_PKCS11_TOKEN_INITIALIZED, HSMCA_TOK_INITIALIZED },
		{ GNUTLS_PKCS11_TOKEN_USER_PIN_INITIALIZED,
		    HSMCA_TOK_USER_PIN_INIT },
		{ GNUTLS_PKCS11_TOKEN_TRUSTED, HSMCA_TOK_TRUSTED },
		{ GNUTLS_PKCS11_TOKEN_HW, HSMCA_TOK_HW },
		{ GNUTLS_PKCS11_TOKEN_RNG, HSMCA_TOK_RNG },
	};
	unsigned g = 0, h = 0;
	size_t i;

	if (gnutls_pkcs11_token_get_flags(url, &g) < 0)
		return 0;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (g & map[i].g)
			h |= map[i].h;
	return h;
}

/* Does the module behind url say it is a TPM (tpm2-pkcs11: "TPM2.0
 * Cryptoki")?  Only to word a lockout message. */
static bool
is_tpm(const char *url)
{
	CK_FUNCTION_LIST *f;
	CK_INFO li;
	unsigned long slot;
	void *fp;

	if (gnutls_pkcs11_token_get_ptr(url, &fp, &slot, 0) < 0)
		return false;
	f = fp;
	return f->C_GetInfo(&li) == CKR_OK && (memmem(li.libraryDescription,
	    sizeof(li.libraryDescription), "TPM", 3) != NULL ||
	    memmem(li.manufacturerID, sizeof(li.manufacturerID), "tpm2", 4) !=
	    NULL);
}

int
tok_fail(struct hsmca_token *t, int gerr, const char *what,
    struct hsmca_error *err)
{
	const char *url;
	char label[65];
	size_t sz = sizeof(label);
	unsigned f, state = 0;

	if (gerr != GNUTLS_E_PKCS11_PIN_ERROR &&
	    gerr != GNUTLS_E_PKCS11_PIN_LOCKED &&
	    gerr != GNUTLS_E_PKCS11_PIN_EXPIRED &&
	    !(gerr == GNUTLS_E_PKCS11_USER_ERROR && pin_cache_failed(t->pins)))
		return hsmca_error_set(err, HSMCA_E_TOKEN, "%s: %s", what,
		    gnutls_strerror(gerr));
	/* the token that refused: the one the PIN went to, else what's */
	url = pin_cache_failed_token(t->pins);
	if (url == NULL)
		url = what;
	f = tok_token_flags(url);
	if (f & HSMCA_TOK_PIN_COUNT_LOW)
		state |= HSMCA_PIN_REQ_COUNT_LOW;
	if (f & HSMCA_TOK_PIN_FINAL_TRY)
		state |= HSMCA_PIN_REQ_FINAL_TRY;
	if ((f & HSMCA_TOK_PIN_LOCKED) ||
	    gerr == GNUTLS_E_PKCS11_PIN_LOCKED)
		state |= HSMCA_PIN_REQ_LOCKED;
	if (is_tpm(url))
		state |= HSMCA_PIN_REQ_TPM;
	/* named by its label, as the wrong-PIN message names it */
	if (gnutls_pkcs11_token_get_info(url, GNUTLS_PKCS11_TOKEN_LABEL, label,
	    &sz) < 0)
		snprintf(label, sizeof(label), "%s", what);
	return pin_cache_error(t->pins, label, state, err);
}

/* Is one of the sep-separated segments of s (len bytes, not empty)
 * empty? */
static bool
empty_segment(const char *s, size_t len, char sep)
{
	size_t i;

	if (len == 0)
		return false;
	if (s[0] == sep || s[len - 1] == sep)
		return true;
	for (i = 1; i < len; i++)
		if (s[i] == sep && s[i - 1] == sep)
			return true;
	return false;
}

int
token_check_uri(const char *uri, struct hsmca_error *err)
{
	P11KitUri *p;
	const char *q;
	size_t plen;
	int r;

	/* the message shows the URI only up to its attributes, which may
	 * hold a PIN */
	if (uri == NULL || strncmp(uri, "pkcs11:", 7) != 0)
		return hsmca_error_set(err, HSMCA_E_PARSE, "URI '%.*s': not "
		    "a PKCS#11 URI (must start with 'pkcs11:')",
		    uri ? (int)strcspn(uri, ";?") : 0, uri ? uri : "");
	/* RFC 7512 has no empty attribute, and p11-kit 0.24 reads one
	 * oddly (it stops at "model=;;", takes a trailing ";" into a
	 * pin-value) */
	q = strchr(uri, '?');
	plen = q ? (size_t)(q - uri) - 7 : strlen(uri + 7);
	if (empty_segment(uri + 7, plen, ';') ||
	    (q != NULL && empty_segment(q + 1, strlen(q + 1), '&')))
		return hsmca_error_set(err, HSMCA_E_PARSE, "URI: empty "
		    "attribute (a ';' or '&' too many)");
	p = p11_kit_uri_new();
	if (p == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	r = p11_kit_uri_parse(uri, P11_KIT_URI_FOR_ANY, p);
	if (r == P11_KIT_URI_OK && p11_kit_uri_any_unrecognized(p))
		r = hsmca_error_set(err, HSMCA_E_PARSE, "URI: unknown "
		    "attribute (RFC 7512 knows token, manufacturer, model, "
		    "serial, object, id, type, library-*, pin-value, "
		    "pin-source)");
	else if (r != P11_KIT_URI_OK)
		r = hsmca_error_set(err, HSMCA_E_PARSE, "URI: %s",
		    p11_kit_uri_message(r));
	p11_kit_uri_free(p);
	return r;
}

/* -1: u does not parse; 1: it carries a PIN (pin-value or pin-source);
 * 0: it does not. */
static int
uri_pin_state(const char *u)
{
	P11KitUri *p = p11_kit_uri_new();
	int state = -1;

	if (p != NULL && p11_kit_uri_parse(u, P11_KIT_URI_FOR_ANY, p) ==
	    P11_KIT_URI_OK)
		state = p11_kit_uri_get_pin_value(p) != NULL ||
		    p11_kit_uri_get_pin_source(p) != NULL;
	p11_kit_uri_free(p);
	return state;
}

/* Does one attribute carry a PIN, as p11-kit reads it?  (p11-kit drops
 * white space inside names, so "pin- value" is a pin-value: ask it rather
 * than compare the text.) */
static bool
is_pin_attr(const char *a, size_t len, char sep)
{
	char *one;
	int state;

	if (asprintf(&one, "pkcs11:%s%.*s", sep == '&' ? "?" : "", (int)len,
	    a) < 0)
		return true;    /* when in doubt, leave it out */
	state = uri_pin_state(one);
	free(one);
	return state == 1;
}

/* Append the attributes of one part (path or query) of a URI to out,
 * leaving out pin-value and pin-source.  Empty segments are kept as they
 * were: p11-kit gives them a meaning (it stops at "model=;;"), and the URI
 * used must mean what the user typed. */
static void
copy_part(const char *part, size_t len, char sep, char *out, size_t *o,
    bool *first)
{
	const char *end = part + len, *a = part, *next;
	size_t alen;

	if (len == 0)
		return;
	for (;;) {
		next = memchr(a, sep, (size_t)(end - a));
		alen = next ? (size_t)(next - a) : (size_t)(end - a);
		if (!is_pin_attr(a, alen, sep)) {
			if (!*first)
				out[(*o)++] = sep;
			memcpy(out + *o, a, alen);
			*o += alen;
			*first = false;
		}
		if (next == NULL)
			break;
		a = next + 1;
	}
}

static int
strip_pin(const char *uri, char **out)
{
	const char *path = uri + 7, *q = strchr(uri, '?');
	size_t plen = q ? (size_t)(q - path) : strlen(path), o = 7;
	bool first = true;
	char *s;

	s = malloc(strlen(uri) + 2);
	if (s == NULL)
		return HSMCA_E_NOMEM;
	memcpy(s, "pkcs11:", 7);
	copy_part(path, plen, ';', s, &o, &first);
	if (q != NULL) {
		size_t mark = o;

		s[o++] = '?';
		first = true;
		copy_part(q + 1, strlen(q + 1), '&', s, &o, &first);
		if (first)
			o = mark;
	}
	s[o] = '\0';
	*out = s;
	return 0;
}

int
tok_prepare_uri(struct hsmca_token *t, const char *uri, char **out,
    struct hsmca_error *err)
{
	P11KitUri *p = NULL;
	const char *v;
	int r;

	if ((r = token_check_uri(uri, err)) != 0)
		return r;
	p = p11_kit_uri_new();
	if (p == NULL || p11_kit_uri_parse(uri, P11_KIT_URI_FOR_ANY, p) !=
	    P11_KIT_URI_OK) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		goto out;
	}
	if ((v = p11_kit_uri_get_pin_value(p)) != NULL)
		r = pin_cache_set_uri_pin(t->pins, v, strlen(v), err);
	else if ((v = p11_kit_uri_get_pin_source(p)) != NULL)
		r = pin_cache_set_uri_pin_source(t->pins, v, err);
	if (r != 0)
		goto out;
	if (strip_pin(uri, out) != 0) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		goto out;
	}
	/* what is used must still be a URI, and carry no PIN */
	if ((r = token_check_uri(*out, err)) != 0) {
		hsmca_error_prefix(err, "URI without its PIN");
	} else if (uri_pin_state(*out) != 0) {
		r = hsmca_error_set(err, HSMCA_E_PARSE, "URI: its PIN "
		    "attribute cannot be taken out");
	}
	if (r != 0) {
		free(*out);
		*out = NULL;
	}
out:
	p11_kit_uri_free(p);
	return r;
}

static bool
token_matches(P11KitUri *p, const char *url)
{
	CK_FUNCTION_LIST *f;
	CK_TOKEN_INFO ti;
	CK_INFO li;
	unsigned long slot;
	void *fp;

	if (p == NULL)
		return true;
	if (gnutls_pkcs11_token_get_ptr(url, &fp, &slot, 0) < 0)
		return false;
	f = fp;
	if (f->C_GetTokenInfo(slot, &ti) != CKR_OK ||
	    !p11_kit_uri_match_token_info(p, &ti))
		return false;
	if (f->C_GetInfo(&li) != CKR_OK || !p11_kit_uri_match_module_info(p,
	    &li))
		return false;
	return true;
}

static int
push_url(char ***urls, size_t *n, char *url)
{
	char **grown;

	grown = realloc(*urls, (*n + 1) * sizeof(*grown));
	if (grown == NULL)
		return HSMCA_E_NOMEM;
	grown[(*n)++] = url;
	*urls = grown;
	return 0;
}

/* Can one log in to the token of url?  (tpm2-pkcs11 always shows a
 * second token that is not initialised, where C_Login fails.) */
static bool
can_log_in(unsigned f)
{
	return !(f & HSMCA_TOK_LOGIN_REQUIRED) ||
	    ((f & HSMCA_TOK_INITIALIZED) && (f & HSMCA_TOK_USER_PIN_INIT));
}

/* Take url into m (or leave it out, counted); frees url unless kept. */
static int
match_one(struct hsmca_token *t, P11KitUri *p, struct tok_match *m,
    char *url)
{
	char label[65];
	size_t sz = sizeof(label);
	unsigned f = tok_token_flags(url);

	if (!token_matches(p, url)) {
		gnutls_free(url);
		return 0;
	}
	if ((f & HSMCA_TOK_TRUSTED) && !m->all) {
		m->hidden++;
		gnutls_free(url);
		return 0;
	}
	if (m->login && !can_log_in(f)) {
		if (m->n_uninit++ == 0)
			m->uninit = url;
		else
			gnutls_free(url);
		return 0;
	}
	if (m->login && (f & HSMCA_TOK_PIN_PAD)) {
		if (gnutls_pkcs11_token_get_info(url,
		    GNUTLS_PKCS11_TOKEN_LABEL, label, &sz) < 0)
			snprintf(label, sizeof(label), "?");
		pin_notify_pinpad(t->pins, label);
	}
	if (push_url(&m->urls, &m->n, url) != 0) {
		gnutls_free(url);
		return HSMCA_E_NOMEM;
	}
	return 0;
}

int
tok_match_tokens(struct hsmca_token *t, const char *uri, struct tok_match *m,
    struct hsmca_error *err)
{
	P11KitUri *p = NULL;
	char *url;
	unsigned seq;
	int r = 0;

	m->urls = NULL;
	m->n = m->hidden = m->n_uninit = 0;
	m->uninit = NULL;
	if (uri != NULL) {
		p = p11_kit_uri_new();
		if (p == NULL || p11_kit_uri_parse(uri, P11_KIT_URI_FOR_ANY,
		    p) != P11_KIT_URI_OK) {
			r = hsmca_error_set(err, HSMCA_E_PARSE, "URI: cannot "
			    "parse");
			goto out;
		}
	}
	for (seq = 0;; seq++) {
		r = gnutls_pkcs11_token_get_url(seq, GNUTLS_PKCS11_URL_GENERIC,
		    &url);
		if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
			r = 0;
			break;
		}
		if (r < 0) {
			r = hsmca_error_set(err, HSMCA_E_TOKEN, "listing "
			    "tokens: %s", gnutls_strerror(r));
			goto out;
		}
		if (match_one(t, p, m, url) != 0) {
			r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of "
			    "memory");
			goto out;
		}
	}
out:
	if (r != 0)
		tok_match_clear(m);
	p11_kit_uri_free(p);
	return r;
}

void
tok_match_clear(struct tok_match *m)
{
	tok_strv_free(m->urls, m->n);
	gnutls_free(m->uninit);
	m->urls = NULL;
	m->uninit = NULL;
	m->n = m->n_uninit = 0;
}

void
tok_tell_apart(const char *url_a, const char *url_b, char *buf, size_t size)
{
	static const struct {
		gnutls_pkcs11_token_info_t what;
		const char *attr;
	} attrs[] = {
		{ GNUTLS_PKCS11_TOKEN_LABEL, "token" },
		{ GNUTLS_PKCS11_TOKEN_SERIAL, "serial" },
		{ GNUTLS_PKCS11_TOKEN_MODEL, "model" },
		{ GNUTLS_PKCS11_TOKEN_MANUFACTURER, "manufacturer" },
	};
	char va[256], vb[256];
	size_t i, sa, sb;

	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		sa = sizeof(va);
		sb = sizeof(vb);
		if (gnutls_pkcs11_token_get_info(url_a, attrs[i].what, va,
		    &sa) < 0 || gnutls_pkcs11_token_get_info(url_b,
		    attrs[i].what, vb, &sb) < 0 || strcmp(va, vb) == 0)
			continue;
		snprintf(buf, size, "name one with %s= ('%s' or '%s')",
		    attrs[i].attr, va, vb);
		return;
	}
	snprintf(buf, size, "no URI attribute tells them apart: load only "
	    "one module with --module");
}

/* u with ";type=private" when it names no type; another type is a usage
 * error. */
static int
private_key_uri(const char *u, char **out, struct hsmca_error *err)
{
	P11KitUri *p = p11_kit_uri_new();
	CK_ATTRIBUTE *a;
	const char *q;
	size_t plen;
	char *s = NULL;
	int r = 0;

	if (p == NULL || p11_kit_uri_parse(u, P11_KIT_URI_FOR_ANY, p) !=
	    P11_KIT_URI_OK) {
		r = hsmca_error_set(err, HSMCA_E_PARSE, "URI: cannot parse");
		goto out;
	}
	a = p11_kit_uri_get_attribute(p, CKA_CLASS);
	if (a != NULL) {
		if (a->ulValueLen != sizeof(CK_OBJECT_CLASS) ||
		    *(CK_OBJECT_CLASS *)a->pValue != CKO_PRIVATE_KEY)
			r = hsmca_error_set(err, HSMCA_E_USAGE, "URI names "
			    "another type of object: a private key "
			    "(type=private) is needed");
		else if ((s = strdup(u)) == NULL)
			r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of "
			    "memory");
		goto out;
	}
	q = strchr(u, '?');
	plen = q ? (size_t)(q - u) : strlen(u);
	if (asprintf(&s, "%.*s%stype=private%s", (int)plen, u,
	    plen > 7 ? ";" : "", q ? q : "") < 0) {
		s = NULL;
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	}
out:
	p11_kit_uri_free(p);
	*out = s;
	return r;
}

static int
ambiguous(const char *u, gnutls_pkcs11_obj_t *list, unsigned n,
    struct hsmca_error *err)
{
	char msg[HSMCA_ERROR_MSG_MAX], *url, *first = NULL;
	bool same = true;
	size_t len;
	unsigned i;

	len = (size_t)snprintf(msg, sizeof(msg), "%s: matches %u private "
	    "keys; give each a unique id and name one:", u, n);
	for (i = 0; i < n && len < sizeof(msg); i++) {
		if (gnutls_pkcs11_obj_export_url(list[i],
		    GNUTLS_PKCS11_URL_GENERIC, &url) < 0)
			continue;
		len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s %s",
		    i ? "," : "", url);
		if (first == NULL)
			first = url;
		else {
			same = same && strcmp(first, url) == 0;
			gnutls_free(url);
		}
	}
	if (same && len < sizeof(msg))
		snprintf(msg + len, sizeof(msg) - len, " (the keys share label "
		    "and id: their URIs are the same)");
	gnutls_free(first);
	return hsmca_error_set(err, HSMCA_E_AMBIGUOUS, "%s", msg);
}

static void
fill_info(gnutls_pkcs11_obj_t obj, const char *url,
    const struct tok_key_attrs *a, struct hsmca_key_info *info)
{
	size_t sz;

	memset(info, 0, sizeof(*info));
	snprintf(info->uri, sizeof(info->uri), "%s", url);
	sz = sizeof(info->token_label);
	(void)gnutls_pkcs11_obj_get_info(obj, GNUTLS_PKCS11_OBJ_TOKEN_LABEL,
	    info->token_label, &sz);
	sz = sizeof(info->token_serial);
	(void)gnutls_pkcs11_obj_get_info(obj, GNUTLS_PKCS11_OBJ_TOKEN_SERIAL,
	    info->token_serial, &sz);
	snprintf(info->key_type, sizeof(info->key_type), "%s",
	    a->key_type_name);
	info->pk = a->pk;
	info->bits = a->bits;
	info->curve = a->curve;
	info->always_auth = a->always_auth;
}

/* u with the token attributes of turl (so that it matches that token
 * only).  Returns 0 with *out malloc'ed, or -1. */
static int
narrow_uri(const char *u, const char *turl, char **out)
{
	P11KitUri *p = p11_kit_uri_new(), *q = p11_kit_uri_new();
	int r = -1;

	if (p != NULL && q != NULL &&
	    p11_kit_uri_parse(u, P11_KIT_URI_FOR_ANY, p) == P11_KIT_URI_OK &&
	    p11_kit_uri_parse(turl, P11_KIT_URI_FOR_ANY, q) == P11_KIT_URI_OK) {
		memcpy(p11_kit_uri_get_token_info(p),
		    p11_kit_uri_get_token_info(q), sizeof(CK_TOKEN_INFO));
		r = p11_kit_uri_format(p, P11_KIT_URI_FOR_ANY, out) ==
		    P11_KIT_URI_OK ? 0 : -1;
	}
	p11_kit_uri_free(p);
	p11_kit_uri_free(q);
	return r;
}

/* The file of the module that holds the key url names, into info. */
static void
fill_module(const char *url, struct hsmca_key_info *info)
{
	unsigned long slot;
	void *fp = NULL;
	char *file;

	if (gnutls_pkcs11_token_get_ptr(url, &fp, &slot, 0) < 0 ||
	    fp == NULL || (file = p11_kit_module_get_filename(fp)) == NULL)
		return;
	snprintf(info->module, sizeof(info->module), "%s", file);
	free(file);
}

/* Find the one private key u names; returns its full URL and attributes. */
static int
find_one_key(struct hsmca_token *t, const char *u, char **url,
    struct tok_key_attrs *a, struct hsmca_key_info *info,
    struct hsmca_error *err)
{
	struct tok_match m = { .all = true, .login = true };
	gnutls_pkcs11_obj_t *list = NULL;
	char *nu = NULL;
	unsigned n = 0, i;
	int r;

	if ((r = tok_match_tokens(t, u, &m, err)) != 0)
		return r;
	if (m.n == 0 && m.n_uninit > 0)
		r = hsmca_error_set(err, HSMCA_E_NOTFOUND, "%s: the only "
		    "token it matches is not initialised (%s)", u, m.uninit);
	else if (m.n == 0)
		r = hsmca_error_set(err, HSMCA_E_NOTFOUND, "%s: no token "
		    "matches this URI", u);
	/* a token that cannot log in would fail the whole listing */
	if (r == 0 && m.n == 1 && m.n_uninit > 0 &&
	    narrow_uri(u, m.urls[0], &nu) != 0)
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	tok_match_clear(&m);
	if (r != 0)
		return r;
	r = gnutls_pkcs11_obj_list_import_url4(&list, &n, nu ? nu : u,
	    GNUTLS_PKCS11_OBJ_FLAG_LOGIN | GNUTLS_PKCS11_OBJ_FLAG_PRIVKEY);
	free(nu);
	if (r < 0)
		return tok_fail(t, r, u, err);
	if (n == 0)
		r = hsmca_error_set(err, HSMCA_E_NOTFOUND, "%s: no private "
		    "key matches this URI", u);
	else if (n > 1)
		r = ambiguous(u, list, n, err);
	else if (gnutls_pkcs11_obj_export_url(list[0],
	    GNUTLS_PKCS11_URL_GENERIC, url) < 0)
		r = hsmca_error_set(err, HSMCA_E_TOKEN, "%s: cannot name the "
		    "key", u);
	else if ((r = tok_obj_attrs(list[0], true, a)) != 0)
		r = hsmca_error_set(err, HSMCA_E_TOKEN, "%s: cannot read the "
		    "key's attributes", *url);
	if (r == 0) {
		fill_info(list[0], *url, a, info);
		fill_module(*url, info);
	}
	for (i = 0; i < n; i++)
		gnutls_pkcs11_obj_deinit(list[i]);
	gnutls_free(list);
	return r;
}

int
token_open_key(struct hsmca_token *t, const char *uri, gnutls_privkey_t *key,
    gnutls_pubkey_t *pub, struct hsmca_key_info *info,
    struct hsmca_error *err)
{
	struct hsmca_key_info ki;
	struct tok_key_attrs a;
	gnutls_privkey_t k = NULL;
	gnutls_pubkey_t p = NULL;
	char *u = NULL, *pu = NULL, *url = NULL;
	int r;

	if ((r = tok_prepare_uri(t, uri, &u, err)) != 0 ||
	    (r = private_key_uri(u, &pu, err)) != 0)
		goto out;
	tok_hold_session(t, pu);
	if ((r = find_one_key(t, pu, &url, &a, &ki, err)) != 0)
		goto out;
	if (gnutls_privkey_init(&k) < 0) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = gnutls_privkey_import_url(k, url, 0)) < 0) {
		r = tok_fail(t, r, url, err);
		goto out;
	}
	if (pub != NULL) {
		if (gnutls_pubkey_init(&p) < 0) {
			r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of "
			    "memory");
			goto out;
		}
		if ((r = gnutls_pubkey_import_privkey(p, k, 0, 0)) < 0) {
			r = hsmca_error_set(err, HSMCA_E_TOKEN, "%s: no public "
			    "key for this private key (a public key object "
			    "with the same id is needed): %s", url,
			    gnutls_strerror(r));
			goto out;
		}
		*pub = p;
		p = NULL;
	}
	if (info != NULL)
		*info = ki;
	*key = k;
	k = NULL;
	r = 0;
out:
	gnutls_privkey_deinit(k);
	gnutls_pubkey_deinit(p);
	gnutls_free(url);
	free(pu);
	free(u);
	return r;
}
