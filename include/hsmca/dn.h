/* hsmca — distinguished names as plain data, and the DN policy.
 *
 * A struct hsmca_dn is an ordered list of (dotted OID, UTF-8 value) pairs in
 * ENCODING order: the most significant RDN first (C, O, OU, CN), which is the
 * order of the OpenSSL one-line form "/C=US/O=X/CN=Y" and the reverse of the
 * RFC 4514 string "CN=Y,O=X,C=US".  Each pair is one single-valued RDN;
 * multi-valued RDNs ("CN=a+L=b") are refused.  This module depends on libc
 * only; x509build.c moves DNs in and out of GnuTLS objects.
 */
#ifndef HSMCA_DN_H
#define HSMCA_DN_H

#include <stddef.h>

#include "hsmca/err.h"
#include "hsmca/profile.h"

struct hsmca_dn_attr {
	char *oid;                     /* "2.5.4.3" */
	char *value;                   /* UTF-8, NUL-terminated, never empty */
};

struct hsmca_dn {
	struct hsmca_dn_attr *attrs;   /* encoding order: most significant first */
	size_t n;
};

/* Parse a DN string into *out (caller-owned storage, cleared first; free with
 * dn_clear()).  Two forms are accepted:
 *   RFC 4514, most specific first: "CN=My Root,O=My Company,C=US", with the
 *     RFC 4514 escapes (\, \+ \" \\ \< \> \; \= \# and \XX hex);
 *   OpenSSL, most significant first: "/C=US/O=My Company/CN=My Root" (a
 *     leading '/' selects it; "\/" escapes a slash).
 * In the RFC 4514 form an unescaped ';' separates RDNs as ',' does (RFC
 * 1779; RFC 2253 section 4); in the OpenSSL form it is refused.  A value
 * keeps a ';' only escaped ("\;").
 * Attribute names are the usual short or long names (C, ST, L, O, OU, CN,
 * emailAddress/E, DC, UID, serialNumber, GN, SN, street, title, ...,
 * case-insensitive) or a dotted OID.  An empty string gives an empty DN.
 * The result passes dn_validate().
 * Returns 0, or HSMCA_E_PARSE naming the attribute at fault (unknown name,
 * missing '=', empty value, multi-valued RDN, bad escape, a value
 * dn_validate() refuses) and quoting name in the message when non-NULL
 * ("--subject: ..."). */
int dn_parse(const char *name, const char *text, struct hsmca_dn *out,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Check each attribute's value against RFC 5280: countryName (and
 * jurisdictionCountryName) exactly two letters; the Appendix A upper
 * bounds in characters (commonName, organizationName,
 * organizationalUnitName, title, serialNumber 64; localityName,
 * stateOrProvinceName, pseudonym 128; emailAddress 255; name, givenName,
 * surname, initials, generationQualifier 32768; X.520's postalCode 40 and
 * street 128); serialNumber, dnQualifier and countryName within
 * PrintableString's alphabet.  name prefixes the message.  Returns 0 or
 * HSMCA_E_PARSE naming the attribute ("--subject: countryName 'USA' must
 * be exactly two letters ..."; "--subject: commonName is 65 characters
 * long, more than the 64 RFC 5280 allows"). */
int dn_validate(const char *name, const struct hsmca_dn *dn,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Add a warning to w (when non-NULL) if the most specific RDN of dn (its
 * last, in encoding order) is a countryName while there are others: the
 * usual sign of openssl's print order typed into an RFC 4514 string
 * ("C=US,O=X,CN=Y").  Returns 0 or HSMCA_E_NOMEM. */
int dn_warn_order(const struct hsmca_dn *dn, struct hsmca_warnings *w)
	HSMCA_MUST_CHECK;

/* Append (oid, value) copies at the end of dn.  Returns 0 or HSMCA_E_NOMEM. */
int dn_append(struct hsmca_dn *dn, const char *oid, const char *value)
	HSMCA_MUST_CHECK;

/* Free every attribute; dn itself is left empty and reusable. */
void dn_clear(struct hsmca_dn *dn);

/* The OpenSSL one-line form "/C=US/O=X/CN=Y" (as index.txt holds it, from
 * X509_NAME_oneline): short names where OpenSSL has them, else the dotted
 * OID; bytes outside 0x20..0x7e are written as \xHH.  An empty DN gives "".
 * Stores a malloc'ed string in *out.  Returns 0 or HSMCA_E_NOMEM. */
int dn_oneline(const struct hsmca_dn *dn, char **out) HSMCA_MUST_CHECK;

/* The RFC 4514 string "CN=Y,O=X,C=US" (most specific first, special
 * characters escaped).  Stores a malloc'ed string in *out.  Returns 0 or
 * HSMCA_E_NOMEM. */
int dn_rfc4514(const struct hsmca_dn *dn, char **out) HSMCA_MUST_CHECK;

/* Short name of an attribute OID as OpenSSL prints it ("CN", "emailAddress"),
 * or NULL when there is none.  Static string. */
const char *dn_oid_name(const char *oid);

/* Dotted OID of an attribute name (short or long, case-insensitive, or a
 * dotted OID itself), or NULL when unknown.  Static string or name itself. */
const char *dn_name_oid(const char *name);

/* Apply the profile's DN policy (openssl ca's "match / supplied / optional")
 * to subject, writing the result to *out (caller-owned, cleared first; free
 * with dn_clear()).  Without a [policy] section (p->has_policy false) the
 * subject is copied as is.  Otherwise, in the subject's own order:
 *   - an attribute the policy does not list is DROPPED and a warning naming
 *     it is added to w (openssl drops it silently);
 *   - a "supplied" attribute missing from the subject fails with
 *     HSMCA_E_POLICY naming the field;
 *   - a "match" attribute missing or differing from the issuer's value fails
 *     with HSMCA_E_POLICY naming the field and both values;
 *   - the result must pass dn_validate() (HSMCA_E_PARSE): a request's own
 *     subject is held to the same bounds as --subject;
 *   - a subject whose most specific part is C= gets dn_warn_order()'s
 *     warning.
 * issuer is the issuing CA's subject (for a self-signed certificate, pass the
 * subject itself).  Returns 0, HSMCA_E_POLICY or HSMCA_E_NOMEM. */
int dn_apply_policy(const struct hsmca_profile *p,
    const struct hsmca_dn *subject, const struct hsmca_dn *issuer,
    struct hsmca_dn *out, struct hsmca_warnings *w, struct hsmca_error *err)
	HSMCA_MUST_CHECK;

#endif /* HSMCA_DN_H */
