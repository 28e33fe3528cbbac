/* Shared helpers for the Check suites: temporary directories, files from
 * strings, private SoftHSM2 tokens, software keys behind the same
 * gnutls_privkey_t seam the token gives, and a runner. */
#ifndef HSMCA_TEST_HELPERS_H
#define HSMCA_TEST_HELPERS_H

#include <stddef.h>

#include <check.h>
#include <gnutls/abstract.h>

/* A fresh directory under $TMPDIR (or /tmp); free() the path, th_rmrf() the
 * tree. */
char *th_tmpdir(void);
void th_rmrf(const char *path);

/* Write len bytes (strlen(text) when len is (size_t)-1) to dir/name; returns
 * the malloc'ed path. */
char *th_write_file(const char *dir, const char *name, const char *text,
    size_t len);

/* Read a whole file; returns malloc'ed NUL-terminated bytes (or NULL) and
 * stores the length in *len when len is non-NULL. */
char *th_read_file(const char *path, size_t *len);

/* Make a SoftHSM2 token labelled label with user PIN pin (SO PIN 12345678)
 * in dir/tokens, write dir/softhsm2.conf and setenv SOFTHSM2_CONF to it.
 * Returns 0, or 77 when SoftHSM2 is not installed. */
int th_softhsm_token(const char *dir, const char *label, const char *pin);

/* Path of SoftHSM2's module on this machine. */
const char *th_softhsm_module(void);

/* A software private key made in memory: "ec:secp256r1", "ec:secp384r1",
 * "rsa:2048", "ed25519".  Aborts the test on failure. */
gnutls_privkey_t th_software_key(const char *type);

/* Run one suite with Check's CK_ENV settings; returns the exit status for
 * meson (0 when every test passed). */
int th_run(Suite *s);

#endif
