/* hsmca — v2 CRLs with per-entry reason codes (issue 4).
 *
 * GnuTLS 3.7.9 cannot write CRL entry extensions (GNUTLS-NOTES L1), so the
 * TBSCertList is encoded with libtasn1 from the ASN.1 module src/crl.asn
 * (compiled into the binary at build time), signed with the issuer's
 * gnutls_privkey_t (a token key in production, a software key in tests), and
 * the finished CertificateList is imported and verified by GnuTLS before it
 * is handed back.  No DER is written by hand.
 *
 * The module does no I/O and prints nothing; errors are returned as negative
 * HSMCA_E_* codes with a one-line message in the caller's struct hsmca_error.
 */
#ifndef HSMCA_CRL_H
#define HSMCA_CRL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "hsmca/err.h"

/* RFC 5280 CRLReason codes (7 is unused). */
#define CRL_REASON_NONE (-1)
#define CRL_REASON_MAX 10

/* Largest serial or CRL number accepted, in octets of magnitude
 * (RFC 5280 sections 4.1.2.2 and 5.2.3). */
#define CRL_INTEGER_MAX 20

/* Up to this many entries, crl_build_sign() also imports the finished CRL
 * with gnutls_x509_crl_import() and runs gnutls_x509_crl_verify() on it.
 * Above it only the signature is checked (gnutls_pubkey_verify_data2 over
 * the exact TBS bytes with the issuer certificate's key): libtasn1 4.19
 * decodes a SEQUENCE OF in quadratic time, so GnuTLS needs ~1 s to import
 * 16,000 entries and ~40 s for 100,000. */
#define CRL_GNUTLS_VERIFY_MAX 10000

/* One revoked certificate.  serial is the certificate's serial number as an
 * unsigned big-endian magnitude (leading zero octets are allowed and ignored;
 * a high first bit is NOT a sign: 0x8a.. is the positive number), 1 to
 * CRL_INTEGER_MAX significant octets.  reason is an RFC 5280 CRLReason code
 * 0..10 except 7, or CRL_REASON_NONE (-1) to write no reasonCode extension.
 * All pointers are borrowed. */
struct hsmca_crl_entry {
	const unsigned char *serial;
	size_t serial_len;
	time_t revoked;
	int reason;
};

/* Everything a CRL is made of.  All pointers are borrowed for the duration
 * of the call.
 * - issuer: the CA certificate.  Its raw subject DN becomes the CRL issuer
 *   byte for byte; its notAfter bounds next_update; if it has a keyUsage
 *   extension it must allow cRLSign.
 * - key: the issuer's private key (RSA, ECDSA or Ed25519; RSA-PSS-only keys
 *   are refused).
 * - hash: "sha256", "sha384" or "sha512"; NULL means "sha256".  Ignored for
 *   Ed25519 (the signature algorithm has no separate hash).
 * - rsa_pss: an RSA key signs RSASSA-PSS (RFC 4055 parameters: MGF1 with
 *   the same hash, salt as long as the hash); HSMCA_E_USAGE for another
 *   key type.
 * - this_update < next_update <= issuer notAfter.
 * - number / number_len: the cRLNumber, unsigned big-endian magnitude,
 *   1..CRL_INTEGER_MAX significant octets (zero is allowed, as in RFC 5280).
 * - aki / aki_len: the authorityKeyIdentifier keyIdentifier.  NULL takes the
 *   issuer certificate's subjectKeyIdentifier; when both exist they must be
 *   equal (a mismatch makes relying parties fail to find the CRL).
 * - entries / n_entries: the revoked certificates, written in this order;
 *   n_entries == 0 omits revokedCertificates entirely. */
struct hsmca_crl_params {
	gnutls_x509_crt_t issuer;
	gnutls_privkey_t key;
	const char *hash;
	bool rsa_pss;
	time_t this_update;
	time_t next_update;
	const unsigned char *number;
	size_t number_len;
	const unsigned char *aki;
	size_t aki_len;
	const struct hsmca_crl_entry *entries;
	size_t n_entries;
};

/* Build, sign and verify a v2 CRL.  Times are written as UTCTime before
 * 2050 and GeneralizedTime from 2050 on (RFC 5280 5.1.2.4).  Before it is
 * returned the signature is verified with p->issuer's public key and, up to
 * CRL_GNUTLS_VERIFY_MAX entries, the CRL is imported with
 * gnutls_x509_crl_import and verified with gnutls_x509_crl_verify.
 * On success returns 0 and stores the DER CRL in *der_out (free
 * der_out->data with gnutls_free()).  On failure *der_out is {NULL, 0} and
 * the return is:
 *   HSMCA_E_USAGE     a NULL issuer or key, or entries NULL with n_entries
 *   HSMCA_E_PARSE     an empty or over-long serial/number, a bad reason code,
 *                     a time that cannot be encoded
 *   HSMCA_E_POLICY    an unsupported hash, next_update not after
 *                     this_update or after the issuer's notAfter ("a CRL that
 *                     would outlive the CA certificate"), an issuer without
 *                     cRLSign or subjectKeyIdentifier/AKI mismatch
 *   HSMCA_E_UNSUPPORTED a key type with no supported signature algorithm
 *   HSMCA_E_CRYPTO    GnuTLS or the token failed to sign
 *   HSMCA_E_VERIFY    the signed CRL did not verify with the issuer
 *   HSMCA_E_NOMEM, HSMCA_E_INTERNAL (libtasn1 refused a value: a bug)
 * Side effects: one signature with p->key (may touch the token). */
int crl_build_sign(const struct hsmca_crl_params *p, gnutls_datum_t *der_out,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* The reason code for one of the ten names OpenSSL writes in index.txt
 * ("unspecified", "keyCompromise", "CACompromise", "affiliationChanged",
 * "superseded", "cessationOfOperation", "certificateHold", "removeFromCRL",
 * "privilegeWithdrawn", "AACompromise"; matched case-insensitively as
 * OpenSSL does), or -1 for NULL or any other name.  OpenSSL's own index.txt
 * words "keyTime", "CAkeyTime" and "holdInstruction" (written with an
 * argument by openssl ca -crl_compromise / -crl_CA_compromise / -crl_hold)
 * give 1, 2 and 6, the codes OpenSSL puts in its CRLs for them.
 * Note: OpenSSL 3.0's "ca" refuses index.txt lines with privilegeWithdrawn
 * or AACompromise ("invalid reason code"), so a directory shared with it
 * must not contain them. */
int crl_reason_from_name(const char *name);

/* The OpenSSL name of a reason code 0..10 (not 7): a static string, or NULL
 * for any other code. */
const char *crl_reason_name(int code);

/* Find serial (unsigned big-endian magnitude, leading zero octets ignored) in
 * a DER CRL, parsed with libtasn1.  Does NOT check the CRL's signature or
 * times: the caller verifies the CRL with GnuTLS first.
 * Returns 0 and sets *reason to the entry's reasonCode (CRL_REASON_NONE when
 * the entry has none); HSMCA_E_NOTFOUND when the serial is not listed;
 * HSMCA_E_PARSE for a malformed CRL or reasonCode; HSMCA_E_NOMEM. */
int crl_entry_reason(const gnutls_datum_t *crl_der,
    const unsigned char *serial, size_t serial_len, int *reason,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

#endif /* HSMCA_CRL_H */
