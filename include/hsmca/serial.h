/* hsmca — certificate serial numbers.
 *
 * A fresh serial is 20 random octets with the top bit cleared and the first
 * octet non-zero: a positive INTEGER of exactly 20 octets (RFC 5280's
 * maximum) carrying 159 bits of CSPRNG output (GNUTLS-NOTES §5, OpenSSL's
 * SERIAL_RAND_BITS), unique in the CA database.  The RNG is injected:
 * production passes a gnutls_rnd(GNUTLS_RND_RANDOM) wrapper, tests fixed
 * bytes.  Serials are written in index.txt's form: upper-case hex of the
 * integer, even length, as OpenSSL's BN_bn2hex.  libc only.
 */
#ifndef HSMCA_SERIAL_H
#define HSMCA_SERIAL_H

#include <stddef.h>

#include "hsmca/db.h"
#include "hsmca/err.h"

#define SERIAL_OCTETS 20
#define SERIAL_MAX_DRAWS 16

/* Fill buf with len random bytes; return 0, or a negative value on failure. */
typedef int (*hsmca_rng_fn)(void *ctx, unsigned char *buf, size_t len);

/* Draw a fresh serial: out gets its 20 octets (for gnutls_x509_crt_set_serial)
 * and hex its 40 upper-case hex digits plus a NUL.  Draws again while the
 * first octet is zero or db_serial_in_use() says the serial is taken (an
 * O(1) check: newcerts/HEX.pem, this run's reservations, the loaded index),
 * at most SERIAL_MAX_DRAWS times.  The serial returned is reserved in db
 * (db_serial_reserve) so a batch never draws it twice.
 * Returns 0; HSMCA_E_CRYPTO when rng fails or no free serial was found in
 * SERIAL_MAX_DRAWS draws (a broken RNG); HSMCA_E_IO / HSMCA_E_NOMEM. */
int serial_new(struct hsmca_db *db, hsmca_rng_fn rng, void *rng_ctx,
    unsigned char out[SERIAL_OCTETS], char hex[2 * SERIAL_OCTETS + 1],
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* The index.txt form of a big-endian two's-complement positive INTEGER
 * (e.g. from gnutls_x509_crt_get_serial): leading zero octets dropped,
 * upper-case hex, "00" for zero.  *hex is malloc'ed (caller frees).
 * Returns 0, HSMCA_E_PARSE for an empty or negative (top bit set) value,
 * or HSMCA_E_NOMEM. */
int serial_to_hex(const unsigned char *bytes, size_t len, char **hex,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* A serial typed by a user ("0x1a2b", "1A:2B", "01a2b") in index.txt's
 * form ("1A2B").  At most 20 octets.  *hex is malloc'ed (caller frees).
 * Returns 0, HSMCA_E_USAGE "serial 'TEXT': ..." or HSMCA_E_NOMEM. */
int serial_normalize(const char *text, char **hex, struct hsmca_error *err)
	HSMCA_MUST_CHECK;

#endif /* HSMCA_SERIAL_H */
