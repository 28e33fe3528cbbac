/* hsmca — secrets in memory, and the process hardening that protects them.
 *
 * A struct hsmca_secret holds a PIN: its pages are locked (best effort: a
 * failed mlock is not fatal), excluded from core dumps, and wiped with
 * explicit_bzero() before they are freed.  Nothing else in hsmca keeps a copy
 * of a PIN.
 */
#ifndef HSMCA_SECRET_H
#define HSMCA_SECRET_H

#include <stddef.h>

#include "hsmca/err.h"

struct hsmca_secret {
	char *buf;      /* NUL-terminated; len bytes of secret before the NUL */
	size_t len;
	size_t cap;     /* usable bytes, including room for the NUL */
};

/* Allocate an empty secret with room for cap - 1 bytes plus a NUL.
 * Returns 0 and stores it in *out (free with secret_free()), or
 * HSMCA_E_NOMEM. */
int secret_new(size_t cap, struct hsmca_secret **out) HSMCA_MUST_CHECK;

/* Wipe, unlock and free s.  NULL is fine. */
void secret_free(struct hsmca_secret *s);

/* Turn off core dumps (RLIMIT_CORE 0) and make the process non-dumpable
 * (PR_SET_DUMPABLE 0), so that neither a crash nor another process of the
 * same user can read a PIN out of memory.  Called first thing in main(). */
void secret_harden_process(void);

#endif /* HSMCA_SECRET_H */
