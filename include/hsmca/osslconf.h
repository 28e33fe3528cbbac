/* hsmca — what `hsmca init` takes from an OpenSSL CA configuration
 * (openssl.cnf) when it adopts an OpenSSL CA directory: the signature hash,
 * default_md of the section that [ca] default_ca names (openssl ca's
 * lookup).  OpenSSL's syntax is read tolerantly (its $variables, includes
 * and quoting are not hsmca's business): only those two keys matter.  libc
 * only; pure.
 */
#ifndef HSMCA_OSSLCONF_H
#define HSMCA_OSSLCONF_H

#include <stddef.h>

#include "hsmca/err.h"

/* The default_md of buf (len bytes of an openssl.cnf named name): *md is
 * malloc'ed text as written ("sha512", "default", "$md"...), or NULL when
 * there is no [ca] default_ca or its section has no default_md.  Returns 0
 * or HSMCA_E_NOMEM.  The caller decides what a value means. */
int osslconf_default_md(const char *name, const char *buf, size_t len,
    char **md, struct hsmca_error *err) HSMCA_MUST_CHECK;

#endif /* HSMCA_OSSLCONF_H */
