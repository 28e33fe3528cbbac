/* hsmca — the CA directory's audit trail: DIR/audit.log.
 *
 * One JSON object per line for every use of the CA key (selfsign, sign,
 * gencrl), every revocation, every adoption of an existing index entry by
 * `init`, and every record that a crash left unfinished ("abandon").  Each
 * line carries "seq" (1, 2, ...) and "prev", the SHA-256 of the previous
 * line's bytes (64 zeros for the first): a hash chain, so that a changed,
 * removed or reordered line is found by audit_verify().  No line ever holds a
 * PIN.
 *
 * The log is the CA directory's journal.  Under the exclusive lock, a command
 * appends its records (one write + fsync) BEFORE it changes index.txt,
 * newcerts/, crlnumber or hands anything out.  So after a crash at any point
 * the last records may describe work that did not finish; audit_recover(),
 * run by every writer right after it takes the lock, settles them:
 *   - sign/selfsign whose index line never became durable: an "abandon"
 *     record cancels it (the certificate was never handed out);
 *   - sign/selfsign whose index line is there but newcerts/SERIAL.pem is not:
 *     the certificate is restored from the record (it carries the DER);
 *   - revoke not applied to index.txt: abandoned;
 *   - gencrl whose crlnumber was not advanced: advanced (the number is
 *     burnt, never reused for a different CRL).
 * Only the records after the last settled one are read: the cost does not
 * grow with the log.
 */
#ifndef HSMCA_AUDIT_H
#define HSMCA_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "hsmca/db.h"
#include "hsmca/err.h"

#define AUDIT_LOG "audit.log"
/* The mark that the log and the directory agree (audit_mark_settled). */
#define AUDIT_SETTLED ".hsmca-settled"

/* One record.  NULL fields are left out of the line. */
struct hsmca_audit_rec {
	const char *op;            /* selfsign sign revoke gencrl adopt abandon */
	const char *key_uri;       /* the CA key (no PIN: URIs printed by hsmca never carry one) */
	const char *token_serial;
	const char *profile;       /* sign/selfsign: the profile's path */
	const char *renews;        /* sign by renew: the serial it renews */
	const char *serial;        /* upper-case hex, as in index.txt */
	const char *subject;       /* OpenSSL one-line form, as in index.txt */
	const char *expiry;        /* index.txt form */
	const char *csr_sha256;
	const char *cert_sha256;   /* of the DER certificate */
	const char *cert_der_b64;  /* sign/selfsign: the certificate itself */
	const char *reason;        /* revoke */
	const char *revoked;       /* revoke: the index.txt time */
	const char *crl_number;    /* gencrl: hex */
	const char *crl_sha256;
	long crl_entries;          /* gencrl; ignored otherwise */
	unsigned long cancels;     /* abandon: the seq it cancels */
};

/* SHA-256 of data as 64 lower-case hex digits and a NUL. */
int audit_sha256_hex(const void *data, size_t len, char out[65])
	HSMCA_MUST_CHECK;

/* Append n records to dir/audit.log (created 0600) in one write + fsync,
 * chained to the last line.  The caller holds the directory's exclusive
 * lock.  A torn last line (a crash in the middle of an append: nothing after
 * it happened) is cut off first.  now is the records' time.  Returns 0 or
 * HSMCA_E_IO / HSMCA_E_PARSE (the last line is not a record of ours) /
 * HSMCA_E_NOMEM; on failure the log is as it was. */
int audit_append(const char *dir, const struct hsmca_audit_rec *recs,
    size_t n, time_t now, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Record, in DIR/.hsmca-settled, that every record of the log has had its
 * full effect: called under the lock once an operation is complete (index,
 * newcerts/ durable; revocation made; CRL number advanced).  audit_recover()
 * then has nothing to look at (O(1)).  The mark is written without fsync:
 * it is written after the effects were durable, so after a crash it can
 * only be older than the truth, never newer — recovery may look at more
 * records than needed, never fewer.  Returns 0 or HSMCA_E_IO. */
int audit_mark_settled(const char *dir, struct hsmca_error *err)
	HSMCA_MUST_CHECK;

/* Settle the records a crash left unfinished (see above).  db is open with
 * DB_WRITE.  Adds a warning to w for each record it settles.  Returns 0 or
 * an HSMCA_E_* code. */
int audit_recover(struct hsmca_db *db, time_t now, struct hsmca_warnings *w,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* The profile (its path, as recorded) of the last sign or selfsign record
 * of dir's log that issued serial (upper-case hex): what `renew` signs
 * with again.  Reads the whole log (O(records)); the caller holds a lock.
 * Returns 0 and a malloc'ed *profile, HSMCA_E_NOTFOUND (no such record,
 * or it names no profile: an adopted certificate), HSMCA_E_PARSE. */
int audit_issue_profile(const char *dir, const char *serial, char **profile,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

struct hsmca_audit_report {
	unsigned long lines;       /* records read */
	unsigned long issued;      /* sign/selfsign/adopt records not abandoned */
	unsigned long revoked;
	unsigned long crls;
	unsigned long abandoned;
	unsigned long pending;     /* unfinished (a crash): the next writer settles them */
};

/* Check dir's audit log: the hash chain and sequence from the first line,
 * every line a well-formed record, and that every index.txt entry and every
 * newcerts/ file has its record and the reverse (revoked entries their
 * revoke record).  Records at the end whose effect is not in the database
 * (an operation a crash cut short, before audit_recover() ran) are counted
 * as pending, not errors.  Read-only (a shared lock).  Returns 0 and fills
 * rep, or HSMCA_E_VERIFY with err
 * naming the first line that breaks ("DIR/audit.log:LINE: ..." or
 * "DIR/index.txt:LINE: ..."). */
int audit_verify(const char *dir, struct hsmca_audit_report *rep,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

#endif /* HSMCA_AUDIT_H */
