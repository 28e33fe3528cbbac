/* hsmca — helpers shared by src/crl.c and src/crl-parse.c (not public). */
#ifndef HSMCA_CRL_INTERNAL_H
#define HSMCA_CRL_INTERNAL_H

#include <stddef.h>

#include <gnutls/gnutls.h>
#include <libtasn1.h>

#include "hsmca/err.h"

/* src/crl.asn compiled by asn1Parser at build time (crl-asn.c). */
extern const asn1_static_node hsmca_crl_asn1_tab[];

/* The definitions of src/crl.asn as a libtasn1 tree in *defs (free with
 * asn1_delete_structure()).  Returns 0 or HSMCA_E_INTERNAL. */
int crl_defs(asn1_node *defs, struct hsmca_error *err);

/* DER of the whole element n into *out (free out->data with gnutls_free()).
 * Returns 0, HSMCA_E_NOMEM or HSMCA_E_INTERNAL. */
int crl_der(asn1_node n, gnutls_datum_t *out, struct hsmca_error *err);

/* Turn a libtasn1 return code into HSMCA_E_NOMEM (allocation) or
 * HSMCA_E_INTERNAL (a value libtasn1 refused: a bug here), naming what. */
int crl_tasn_error(struct hsmca_error *err, int rc, const char *what);

/* The significant octets of an unsigned big-endian number: leading zero
 * octets skipped, but at least one octet when len > 0. */
void crl_magnitude(const unsigned char *b, size_t len,
    const unsigned char **m, size_t *mlen);

#endif
