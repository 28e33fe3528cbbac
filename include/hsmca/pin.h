/* hsmca — PIN sources and the one-login-per-token policy.
 *
 * The only code in hsmca that reads a PIN: from a PKCS#11 URI's
 * pin-value/pin-source (handed in by token.c), from --pin-file FILE (first
 * line), from the HSMCA_PIN environment variable, or from a prompt on the
 * terminal without echo, in that order.  It is also the only code that opens
 * /dev/tty.
 *
 * A struct hsmca_pin_cache lives as long as one token session (one run).  The
 * PKCS#11 layer asks for a PIN many times for one operation (one login per
 * session it opens), so the cache keeps each token's PIN, in a locked and
 * wiped struct hsmca_secret, until pin_cache_free().  It hands a PIN out only
 * while no login with it has failed: as soon as the library asks again after
 * a wrong PIN (HSMCA_PIN_REQ_RETRY), the token is marked and every later
 * request for it is refused, so that one run makes at most one failed
 * C_Login per token.  The cache never prints: warnings go to a struct
 * hsmca_warnings and failures are read back with pin_cache_error().
 */
#ifndef HSMCA_PIN_H
#define HSMCA_PIN_H

#include <stdbool.h>
#include <stddef.h>

#include "hsmca/err.h"
#include "hsmca/secret.h"

/* Longest PIN accepted from any source (bytes, without the NUL). */
#define HSMCA_PIN_MAX 255

/* What the PKCS#11 layer says when it asks for a PIN, and the PIN state a
 * token reports (token.c translates GnuTLS's flags into these). */
enum hsmca_pin_req {
	HSMCA_PIN_REQ_RETRY = 1 << 0,      /* asked again: the last PIN was wrong */
	HSMCA_PIN_REQ_SO = 1 << 1,         /* security officer PIN wanted */
	HSMCA_PIN_REQ_COUNT_LOW = 1 << 2,  /* token: few tries left */
	HSMCA_PIN_REQ_FINAL_TRY = 1 << 3,  /* token: one try left */
	HSMCA_PIN_REQ_LOCKED = 1 << 4,     /* token: PIN locked */
	HSMCA_PIN_REQ_TPM = 1 << 5,        /* token: a TPM, whose lockout is its
	                                    * dictionary-attack protection and
	                                    * lifts with time */
};

/* Where PINs may come from.  The strings are borrowed and must outlive the
 * cache. */
struct hsmca_pin_opts {
	const char *pin_file;   /* --pin-file FILE, or NULL */
	const char *env_name;   /* "HSMCA_PIN"; NULL: never read the environment */
	const char *tty_path;   /* "/dev/tty"; NULL: never prompt */
};

struct hsmca_pin_cache;

/* Make an empty cache for opts (copied; its strings are borrowed).  Returns
 * 0 and stores the cache in *out (free with pin_cache_free()), or
 * HSMCA_E_NOMEM. */
int pin_cache_new(const struct hsmca_pin_opts *opts,
    struct hsmca_pin_cache **out) HSMCA_MUST_CHECK;

/* Wipe every cached PIN and free the cache.  NULL is fine. */
void pin_cache_free(struct hsmca_pin_cache *c);

/* Set the PIN that a URI carried (its pin-value, already percent-decoded,
 * len bytes).  It takes precedence over every other source for every token
 * of this run.  Returns 0, HSMCA_E_PIN (empty or too long) or
 * HSMCA_E_NOMEM. */
int pin_cache_set_uri_pin(struct hsmca_pin_cache *c, const char *value,
    size_t len, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* The same for a URI's pin-source: read its first line now (a "file:"
 * prefix and a trailing newline are accepted; see pin_read_file()). */
int pin_cache_set_uri_pin_source(struct hsmca_pin_cache *c,
    const char *source, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Answer the PKCS#11 layer's request for the user PIN of one token.
 * token_id identifies the token (its URI), label names it in messages and
 * the prompt; req is a set of HSMCA_PIN_REQ_*.  On success copies the PIN
 * and a NUL into pin (pin_max bytes) and returns 0.  Refuses (returns a
 * negative HSMCA_E_* and remembers why, see pin_cache_error()) an SO PIN, a
 * retry, any request for a token whose PIN was already refused, and a
 * request no source can answer.  May read the PIN file, the environment or
 * prompt on the terminal (once per token); warns in w (may be NULL) when the
 * token reports few tries left. */
int pin_cache_fill(struct hsmca_pin_cache *c, const char *token_id,
    const char *label, unsigned req, char *pin, size_t pin_max,
    struct hsmca_warnings *w);

/* The token (its token_id as given to pin_cache_fill()) whose PIN request
 * failed last, or NULL when none did.  Borrowed from the cache. */
const char *pin_cache_failed_token(const struct hsmca_pin_cache *c);

/* After the PKCS#11 layer failed with a PIN error: fill err with the reason
 * the cache recorded ("<label>: wrong PIN (...)", "<label>: no PIN ...")
 * and return its code (HSMCA_E_PIN, HSMCA_E_IO).  state is the token's
 * HSMCA_PIN_REQ_COUNT_LOW/FINAL_TRY/LOCKED flags read after the failure,
 * used to say how many tries are left.  Returns HSMCA_E_PIN with a generic
 * message when nothing was recorded. */
int pin_cache_error(const struct hsmca_pin_cache *c, const char *fallback_label,
    unsigned state, struct hsmca_error *err);

/* True once a PIN request was refused in this run. */
bool pin_cache_failed(const struct hsmca_pin_cache *c);

/* Tell the operator, on the terminal when there is one, to enter the PIN of
 * token label on its reader's PIN pad.  Nothing happens without a
 * terminal. */
void pin_notify_pinpad(const struct hsmca_pin_cache *c, const char *label);

/* Read the first line of path into a new secret: the line ends at the first
 * "\n" (a "\r" before it is dropped too) or at the end of the file; a
 * "file:" or "file://" prefix on path is accepted (RFC 7512 pin-source).
 * Returns 0 and stores the secret in *out (free with secret_free()), or
 * HSMCA_E_IO (cannot open or read: the message names path), HSMCA_E_PIN
 * (empty first line, or longer than HSMCA_PIN_MAX), HSMCA_E_NOMEM. */
int pin_read_file(const char *path, struct hsmca_secret **out,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

#endif /* HSMCA_PIN_H */
