/* hsmca — internals of the x509build module (src/x509build.c, src/x509ext.c,
 * src/x509util.c), not part of any other module's contract: that is
 * hsmca/x509build.h, which this header includes for its types.
 *
 * The three files are layered, and calls go down only:
 *
 *   x509build.c  loading and classifying, DNs, building a certificate,
 *        |       signing, re-verifying, index fields
 *        |  x509ext_apply()
 *        v
 *   x509ext.c    the profile's [extensions] as GnuTLS calls; PKCS#10
 *        |       requests for `hsmca req` (x509_build_csr())
 *        |  x509_hash(), x509_set_subject(), x509_key_id()
 *        v
 *   x509util.c   what both floors above use: digest names, writing a
 *                subject, the RFC 5280 key identifier, stepping into DER
 *
 * x509build.c also calls x509util.c directly (x509_hash(),
 * x509_set_subject(), x509_der_enter()).  x509util.c calls neither of the
 * other two and x509ext.c never calls x509build.c.  x509_hash() and
 * x509_key_id() are defined in x509util.c but declared in hsmca/x509build.h,
 * since other modules use them.
 */
#ifndef HSMCA_X509_INT_H
#define HSMCA_X509_INT_H

#include <stdbool.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "hsmca/dn.h"
#include "hsmca/err.h"
#include "hsmca/x509build.h"

/* ---- x509util.c ---------------------------------------------------------- */

/* Step over the header of one DER element at *p (*left bytes remain), which
 * must carry tag want_tag.  Returns the content length and advances *p to
 * the content (and *left by the header), or returns -1 and leaves both
 * untouched when the tag differs or the length runs past *left. */
long x509_der_enter(const unsigned char **p, long *left,
    unsigned long want_tag);

/* Write dn's attributes, in order, as the subject of crt (or, when crt is
 * NULL, of crq): one RDN per attribute.  Returns 0 or HSMCA_E_CRYPTO. */
int x509_set_subject(gnutls_x509_crt_t crt, gnutls_x509_crq_t crq,
    const struct hsmca_dn *dn, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* ---- x509ext.c ----------------------------------------------------------- */

/* Add the profile's extensions and the subject's SAN to crt, as
 * x509_build_cert() promises in hsmca/x509build.h.  subject_pub is the
 * subject's key (for the SKI and rsa_key_encipherment); subject_empty makes
 * the SAN critical (RFC 5280 §4.2.1.6). */
int x509ext_apply(gnutls_x509_crt_t crt, const struct hsmca_issue *in,
    gnutls_pubkey_t subject_pub, bool subject_empty,
    struct hsmca_warnings *w, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Convert a general name to GnuTLS's type and data (IP text to 4/16
 * octets; with_mask: "addr/mask" or "addr/prefix" to 8/32 octets).  ipbuf
 * must hold 32 bytes for IPs; for the other types *out points into gn.
 * Returns 0 or HSMCA_E_PARSE. */
int x509_gn_to_gnutls(const struct hsmca_general_name *gn, bool with_mask,
    gnutls_x509_subject_alt_name_t *type, unsigned char *ipbuf,
    gnutls_datum_t *out, struct hsmca_error *err) HSMCA_MUST_CHECK;

#endif /* HSMCA_X509_INT_H */
