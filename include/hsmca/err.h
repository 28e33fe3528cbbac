/* hsmca — errors as values.
 *
 * Every fallible function in the core returns 0 on success or a negative
 * HSMCA_E_* code, and fills an optional caller-owned struct hsmca_error with a
 * one-line, lowercase message that names the file, line, field or object at
 * fault.  Only the command layer (src/cmd, src/main.c) prints it, once, as
 * "hsmca: <msg>".  Messages never contain a PIN.
 */
#ifndef HSMCA_ERR_H
#define HSMCA_ERR_H

#include <stdarg.h>
#include <stddef.h>

#define HSMCA_MUST_CHECK __attribute__((warn_unused_result))
#define HSMCA_PRINTF(f, a) __attribute__((format(printf, f, a)))

enum hsmca_err {
	HSMCA_OK = 0,
	HSMCA_E_NOMEM = -1,       /* out of memory */
	HSMCA_E_USAGE = -2,       /* bad command line (exit status 2) */
	HSMCA_E_IO = -3,          /* file system: read, write, rename, fsync */
	HSMCA_E_PARSE = -4,       /* malformed input: profile, CSR, index, URI */
	HSMCA_E_TOKEN = -5,       /* PKCS#11 module or token failure */
	HSMCA_E_PIN = -6,         /* PIN missing, wrong, or locked */
	HSMCA_E_NOTFOUND = -7,    /* no such token, key, serial, profile */
	HSMCA_E_AMBIGUOUS = -8,   /* a URI or name matched more than one thing */
	HSMCA_E_EXISTS = -9,      /* label, ID, serial or file already there */
	HSMCA_E_CRYPTO = -10,     /* GnuTLS failure building or signing */
	HSMCA_E_POLICY = -11,     /* DN policy or profile refused the request */
	HSMCA_E_LINT = -12,       /* the to-be-signed object breaks a lint rule */
	HSMCA_E_LOCKED = -13,     /* another hsmca holds the CA directory */
	HSMCA_E_VERIFY = -14,     /* signature or path validation failed */
	HSMCA_E_UNSUPPORTED = -15,/* the token or library cannot do this */
	HSMCA_E_REFUSED = -16,    /* the operator (or missing --yes) declined */
	HSMCA_E_INTERNAL = -17,   /* a bug in hsmca */
};

#define HSMCA_ERROR_MSG_MAX 1024

struct hsmca_error {
	int code;                         /* HSMCA_E_*, 0 when unset */
	char msg[HSMCA_ERROR_MSG_MAX];    /* one line, no trailing newline */
};

/* Set err (if non-NULL) to code and the formatted message, replacing what was
 * there.  Returns code, so that callers can write
 * "return hsmca_error_set(err, HSMCA_E_PARSE, "%s:%u: ...", ...);". */
int hsmca_error_set(struct hsmca_error *err, int code, const char *fmt, ...)
	HSMCA_PRINTF(3, 4);

/* Prepend "<formatted>: " to the message already in err (no-op for NULL or
 * an unset err).  Returns err->code (or HSMCA_E_INTERNAL when unset). */
int hsmca_error_prefix(struct hsmca_error *err, const char *fmt, ...)
	HSMCA_PRINTF(2, 3);

/* Short text for a code ("out of memory", "parse error", ...).  Static. */
const char *hsmca_strerror(int code);

/* Warnings collected by the core for the command layer to print: a DN field
 * a policy dropped, an obsolete extension a profile insists on, a PIN count
 * that is low.  Each message is one line. */
struct hsmca_warnings {
	char **msgs;
	size_t n;
};

/* Append a formatted warning.  Returns 0 or HSMCA_E_NOMEM. */
int hsmca_warn(struct hsmca_warnings *w, const char *fmt, ...)
	HSMCA_PRINTF(2, 3);

/* Free every message; w itself is caller-owned and left empty. */
void hsmca_warnings_clear(struct hsmca_warnings *w);

#endif /* HSMCA_ERR_H */
