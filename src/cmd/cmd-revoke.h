/* What revoke and renew --revoke-old share: finding the certificate a
 * command names (--serial HEX or --cert FILE) and recording a revocation.
 * Command layer. */
#ifndef HSMCA_CMD_REVOKE_H
#define HSMCA_CMD_REVOKE_H

#include <time.h>

#include "hsmca/db.h"
#include "hsmca/err.h"

/* The serial, in index.txt's form (malloc'ed *hex), of the certificate in
 * file path.  When CA directory ca keeps the certificate with that serial
 * in newcerts/, it must be this very one: another CA's certificate can
 * carry the same serial (HSMCA_E_VERIFY). */
int cmd_cert_serial(const char *ca, const char *path, char **hex,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Revoke serial hex in db (opened DB_WRITE) at time when with reason
 * (canonical spelling or NULL): every check first (db_revoke_check()),
 * then the audit record (the journal: hsmca/audit.h, time now), then
 * index.txt; if that fails, the record is abandoned at once (a warning in
 * w if even that fails).  Returns 0 or the error. */
int cmd_revoke_serial(struct hsmca_db *db, const char *hex,
    const char *reason, time_t when, time_t now, struct hsmca_warnings *w,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

#endif
