/* hsmca — private helpers shared by profile.c, profile-ext.c and
 * profile-gn.c (not part of any other module's contract). */
#ifndef HSMCA_PROFILE_INT_H
#define HSMCA_PROFILE_INT_H

#include <stdbool.h>

#include "hsmca/profile.h"

/* Where a general name appears: the rules differ. */
enum profile_gn_ctx {
	PROFILE_GN_SAN,        /* subjectAltName, --san: DNS, IP, email, URI */
	PROFILE_GN_NC,         /* nameConstraints: .domain, IP/mask, URI host */
	PROFILE_GN_URI_ONLY,   /* crlDistributionPoints, authorityInfoAccess */
};

/* Parse "TYPE:VALUE" (type case-insensitive) for ctx into gn (value
 * malloc'ed).  Returns 0, or HSMCA_E_PARSE / HSMCA_E_NOMEM with err naming
 * the bad text; gn is untouched on failure. */
int profile_gn_parse_ctx(const char *text, enum profile_gn_ctx ctx,
    struct hsmca_general_name *gn, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* A dotted OID: at least two arcs, first 0..2, second < 40 under 0 and 1,
 * decimal arcs without leading zeros. */
bool profile_is_oid(const char *s);

/* scheme ":" rest, printable ASCII without blanks, rest non-empty. */
bool profile_is_uri(const char *s);

/* Decimal number in [min, max], digits only.  Returns 0 or -1. */
int profile_parse_ulong(const char *s, unsigned long min, unsigned long max,
    unsigned long *out);

#endif /* HSMCA_PROFILE_INT_H */
