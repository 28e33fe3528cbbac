/* hsmca — name constraints: every name a to-be-signed certificate will
 * carry, checked against the nameConstraints extension of every CA above
 * it (RFC 5280 4.2.1.10) before anything is signed, so that hsmca never
 * issues a certificate that its own chain forbids (and that openssl verify
 * and hsmca verify would then reject).
 *
 * GnuTLS reads the constraints (gnutls_x509_crt_get_name_constraints) and
 * decides whether a dNSName or rfc822Name is inside one subtree
 * (gnutls_x509_name_constraints_check with that subtree alone).  Three
 * forms are matched here because GnuTLS 3.7.9 does not do what RFC 5280
 * says for them (measured): it ignores URI and directoryName constraints
 * altogether (an excluded subtree lets everything through, a permitted one
 * keeps nothing out), and it lets an IPv6 address pass a permitted set
 * that holds only IPv4 subtrees.
 */
#ifndef HSMCA_NAMECONST_H
#define HSMCA_NAMECONST_H

#include <stddef.h>

#include <gnutls/x509.h>

#include "hsmca/err.h"

/* Check tbs (signed or not) against the nameConstraints of issuer (the
 * issuing CA's certificate; NULL: tbs is self-signed and nothing is
 * checked) and of each certificate of chain[0..n_chain) (issuer's own
 * issuers, nearest first).
 *
 * The names checked: every subjectAltName (dNSName, iPAddress, rfc822Name,
 * uniformResourceIdentifier, directoryName); the subject DN, when not
 * empty, as a directoryName; each emailAddress attribute of the subject as
 * an rfc822Name; and, when the subjectAltName has no dNSName, each subject
 * commonName that is a host name, as a dNSName (as OpenSSL's verifier
 * does).  For each CA: a name inside one of its excluded subtrees of the
 * same form is refused; a name of a form for which it has permitted
 * subtrees must be inside one of them.  A URI without a host cannot be
 * checked and is refused wherever URI subtrees exist.
 *
 * Returns 0; HSMCA_E_LINT with
 *   "lint: name-constraints: DNS:x.secret.example.com (subjectAltName) is
 *    inside excluded;DNS:.secret.example.com of CN=Issuing CA" or
 *   "lint: name-constraints: DNS:www.evil.org (subjectAltName) is not
 *    within permitted;DNS:.example.com of CN=Issuing CA";
 * HSMCA_E_PARSE when a CA's nameConstraints cannot be read; or
 * HSMCA_E_NOMEM.  No side effects. */
int nameconst_check(gnutls_x509_crt_t tbs, gnutls_x509_crt_t issuer,
    const gnutls_x509_crt_t *chain, size_t n_chain, struct hsmca_error *err)
	HSMCA_MUST_CHECK;

#endif /* HSMCA_NAMECONST_H */
