/* hsmca — lint: RFC 5280 and profile sanity checks on a to-be-signed
 * certificate, run after x509_build_cert() and before any signature.
 *
 * Each rule has a name that appears in its message ("lint: ku-key-type:
 * ...").  Errors refuse to sign; warnings are returned in w.
 */
#ifndef HSMCA_LINT_H
#define HSMCA_LINT_H

#include <gnutls/x509.h>

#include "hsmca/err.h"
#include "hsmca/profile.h"

/* Check tbs (signed or not) issued under profile p by issuer (NULL: tbs is
 * self-signed).  Rules (HSMCA_E_LINT, message "lint: <rule>: ..."):
 *   ku-key-type      keyEncipherment/dataEncipherment on an EC or Ed25519
 *                    key; keyAgreement on an RSA or Ed25519 key
 *   server-san       serverAuth in the EKU and no subjectAltName, on an
 *                    end-entity certificate (not CA:TRUE: a TLS
 *                    subordinate CA has the EKU and no SAN)
 *   pathlen-not-ca   a pathLenConstraint with CA:FALSE
 *   issuer-pathlen   a CA certificate from an issuer whose pathlen is 0
 *   issuer-validity  notAfter later than the issuer's notAfter
 *   validity         notAfter not after notBefore
 *   key-size         RSA below 2048 or profile->rsa_min_bits
 *   key-type         a key type the profile's key_types does not list
 *   serial           negative, zero, empty or longer than 20 octets
 *   ca-keycertsign   keyCertSign without CA:TRUE, or CA:TRUE without
 *                    keyCertSign
 *   critical-keyid   a critical subjectKeyIdentifier or
 *                    authorityKeyIdentifier
 *   empty-subject    an empty subject without a critical subjectAltName
 *   netscape         nsCertType/nsComment (a warning when the profile sets
 *                    allow_netscape)
 * The rule name-constraints, which needs the issuer's whole chain, is
 * nameconst_check() (hsmca/nameconst.h), run by issue_prepare() next.
 * Returns 0 (possibly with warnings in w), HSMCA_E_LINT for the first rule
 * broken, or HSMCA_E_NOMEM.  No side effects. */
int lint_cert(gnutls_x509_crt_t tbs, const struct hsmca_profile *p,
    gnutls_x509_crt_t issuer, struct hsmca_warnings *w,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

#endif /* HSMCA_LINT_H */
