/* hsmca — the CA database: an OpenSSL-compatible CA directory.
 *
 * Layout (what `openssl ca` reads and writes, so both tools can share it):
 *   DIR/index.txt        one line per certificate, six TAB-separated columns
 *                        (OpenSSL apps.h DB_type, DB_exp_date, DB_rev_date,
 *                        DB_serial, DB_file, DB_name):
 *                          status     V (valid), R (revoked), E (expired)
 *                          expiry     YYMMDDHHMMSSZ (UTCTime), or
 *                                     YYYYMMDDHHMMSSZ from 2050 on
 *                          revoked    "" for V/E; for R "TIME[,reason]"
 *                                     (TIME as expiry; reason as `openssl ca
 *                                     -revoke -crl_reason` spells it, e.g.
 *                                     "keyCompromise"; OpenSSL's
 *                                     "holdInstruction,OID", "keyTime,TIME"
 *                                     and "CAkeyTime,TIME" are kept as read)
 *                          serial     upper-case hex (BN_bn2hex: even length)
 *                          file       "unknown"
 *                          subject    OpenSSL's one-line form "/C=US/O=X/CN=Y"
 *                        Lines starting with '#' are comments (as TXT_DB).
 *   DIR/index.txt.attr   "unique_subject = yes|no" (yes when absent, as
 *                        OpenSSL; hsmca init writes "no" for new directories)
 *   DIR/serial           hex of the next serial, as openssl ca writes it
 *   DIR/crlnumber        hex of the next CRL number
 *   DIR/certs/ DIR/crl/  DIR/newcerts/SERIAL.pem (every certificate issued)
 *   DIR/.hsmca.lock      the lock file (hsmca only)
 *
 * Rules this module implements:
 * - Lock: one hsmca at a time changes a CA directory.  db_open(DB_WRITE)
 *   takes flock(LOCK_EX) on DIR/.hsmca.lock and holds it until db_close();
 *   DB_READ takes LOCK_SH.  A second process waits up to lock_timeout_s and
 *   then fails with HSMCA_E_LOCKED "DIR: locked by another hsmca".
 * - Issuing appends: index.txt is never rewritten whole on issue.  db_append()
 *   writes all new lines with one write() and one fsync().  A certificate is
 *   written to newcerts/ and handed out only after its index line is durable,
 *   so a line without its trailing '\n' (a crash mid-append) was never
 *   committed: db_open(DB_WRITE) truncates such a torn tail away, and
 *   db_load() in DB_READ mode ignores it.
 * - Revocation changes a line in the middle, so db_revoke() rewrites the whole
 *   file atomically (mkstemp in DIR, write, fsync, rename, fsync DIR); every
 *   other line is kept byte for byte.  serial, crlnumber and the newcerts files
 *   are replaced atomically too.  An openssl-made index that hsmca only
 *   appends to stays byte for byte what it was.
 * - Serial uniqueness costs O(1): a serial is in use when newcerts/SERIAL.pem
 *   exists (or it was reserved earlier in this run, or it is in the loaded
 *   index).  A directory that openssl made may hold index lines without
 *   newcerts files: hsmca init checks that every index serial has its
 *   newcerts file, or records the missing ones, before hsmca issues there.
 *   The full index is parsed (db_load) only by revoke, list-certs, gencrl,
 *   and by db_append when unique_subject is yes.
 * - unique_subject = yes refuses a second valid (V) certificate for the same
 *   subject; that check scans the whole index (O(n)) on every db_append.
 * - Batch issuance: take the lock once, db_append() every line at once, then
 *   db_write_newcert() each certificate, then db_set_next_serial() once.
 *
 * libc only.  Functions return 0 or a negative HSMCA_E_* code and fill err
 * (when non-NULL) with one line naming the file (and line) at fault.
 */
#ifndef HSMCA_DB_H
#define HSMCA_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "hsmca/err.h"

/* One index.txt line.  Every string is NUL-terminated; those owned by a
 * struct hsmca_db belong to it and live until db_close(). */
struct hsmca_db_entry {
	char status;       /* 'V', 'R' or 'E' */
	char *expiry;      /* "YYMMDDHHMMSSZ" or "YYYYMMDDHHMMSSZ" */
	char *revoked;     /* revocation time, or NULL when not revoked */
	char *reason;      /* NULL, or what followed the first ',' of column 3 */
	char *serial;      /* upper-case hex */
	char *file;        /* "unknown" */
	char *subject;     /* "/C=US/O=X/CN=Y" */
};

enum {
	DB_READ = 1,       /* shared lock; read only */
	DB_WRITE = 2,      /* exclusive lock; torn-tail repair; may write */
};

#define DB_LOCK_TIMEOUT_DEFAULT 30u
#define DB_INDEX_MAX_BYTES ((size_t)1 << 30)

struct hsmca_db;

/* Open the CA directory dir: DIR/index.txt must exist.  Takes the lock
 * (above), reads index.txt.attr, and with DB_WRITE truncates a torn last
 * line of index.txt (see db_repaired()).  Does not parse index.txt.
 * On success *db is a new handle for db_close(); on failure *db is NULL and
 * no lock is held.  Returns 0, HSMCA_E_LOCKED, HSMCA_E_NOTFOUND (no
 * index.txt), HSMCA_E_PARSE (bad index.txt.attr, naming its line),
 * HSMCA_E_IO, HSMCA_E_NOMEM or HSMCA_E_USAGE (bad flags). */
int db_open(const char *dir, int flags, unsigned lock_timeout_s,
    struct hsmca_db **db, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Release the lock and free everything (NULL is fine). */
void db_close(struct hsmca_db *db);

/* The directory db_open() was given (owned by db). */
const char *db_dir(const struct hsmca_db *db);

/* Bytes of a torn last line that db_open(DB_WRITE) removed (0: none), so
 * the command layer can warn about it. */
size_t db_repaired(const struct hsmca_db *db);

/* Parse all of index.txt (once; later calls return 0 at once).  Strict: a
 * bad line is HSMCA_E_PARSE "DIR/index.txt:LINE: <what>", a serial that
 * appears twice is HSMCA_E_PARSE naming both lines.  Returns 0 or an
 * HSMCA_E_* code; on failure nothing is loaded. */
int db_load(struct hsmca_db *db, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* The loaded entries in file order and their count (NULL/0 before
 * db_load()).  Owned by db; valid until the next call that changes db. */
const struct hsmca_db_entry *db_entries(const struct hsmca_db *db, size_t *n);

/* The loaded entry with serial hex (upper-case, as in index.txt), or NULL.
 * O(log n).  Requires db_load(). */
const struct hsmca_db_entry *db_find_serial(const struct hsmca_db *db,
    const char *hex);

/* Is serial hex in use?  1 when DIR/newcerts/HEX.pem exists, when it was
 * reserved by db_serial_reserve() or appended in this run, or when the
 * loaded index has it; 0 when free; negative HSMCA_E_IO when newcerts/
 * cannot be examined.  O(1) without db_load() (one stat()). */
int db_serial_in_use(const struct hsmca_db *db, const char *hex,
    struct hsmca_error *err);

/* Remember hex as taken for the rest of this run (a batch draws all its
 * serials before it writes any newcerts file).  Returns 0 or HSMCA_E_NOMEM. */
int db_serial_reserve(struct hsmca_db *db, const char *hex,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Append n entries (the caller keeps ownership of e) to index.txt in one
 * write() and one fsync().  Needs DB_WRITE.  Each entry is validated as if
 * read back (status, times, hex serial, no TAB or newline in any field);
 * a serial already in the loaded index or the batch is HSMCA_E_EXISTS; with
 * unique_subject = yes a V entry whose subject already has a V entry (in the
 * index or the batch) is HSMCA_E_EXISTS (this loads and scans the index).
 * On failure index.txt is unchanged.  A loaded db sees the new entries. */
int db_append(struct hsmca_db *db, const struct hsmca_db_entry *e, size_t n,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Write DIR/newcerts/HEX.pem (mode 0644) atomically with len bytes of pem.
 * Neither the file nor the directory is fsync'ed here: db_sync_newcerts()
 * makes a whole batch durable at once.  Needs DB_WRITE.  HSMCA_E_EXISTS
 * when the file already exists, HSMCA_E_PARSE for a hex that is not upper-case hex. */
int db_write_newcert(struct hsmca_db *db, const char *hex, const void *pem,
    size_t len, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Make the newcerts files written since the last call durable, with one
 * barrier per batch: each file fsync'ed (a small batch; not a flush of the
 * whole file system and other programs' data) or one syncfs() for more than
 * FILEIO_SYNC_EACH_MAX, then an fsync of DIR/newcerts (fileio_sync_files).
 * Call it after a batch's last db_write_newcert() and before handing
 * anything out.  A power cut before it returns may leave some of the
 * batch's files missing or empty: each certificate is in the fsync'ed audit
 * log, and the next writer restores them (audit_recover() looks at the
 * whole last batch). */
int db_sync_newcerts(struct hsmca_db *db, struct hsmca_error *err)
	HSMCA_MUST_CHECK;

/* Write "HEX\n" to DIR/serial atomically (as openssl ca does).  Needs
 * DB_WRITE. */
int db_set_next_serial(struct hsmca_db *db, const char *hex,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Every check db_revoke() makes, without writing: so that a caller can
 * record the revocation (the audit journal) only once it will be made.
 * Also refuses removeFromCRL (HSMCA_E_UNSUPPORTED: delta CRLs only).  On
 * success *entry (when non-NULL) is the loaded entry, owned by db. */
int db_revoke_check(struct hsmca_db *db, const char *hex, const char *reason,
    const struct hsmca_db_entry **entry, struct hsmca_error *err)
	HSMCA_MUST_CHECK;

/* Mark serial hex revoked at time when, as `openssl ca -revoke` writes it:
 * status R, column 3 "TIME" or "TIME,reason".  reason is NULL or a name
 * db_reason_canonical() knows (any case; written canonically).  Loads the
 * index if needed and rewrites index.txt atomically, keeping every other
 * line byte for byte and the file's mode.  Needs DB_WRITE.
 * privilegeWithdrawn and AACompromise are refused (HSMCA_E_UNSUPPORTED):
 * OpenSSL 3.0's `ca` knows only the other eight, and its -gencrl fails on
 * the whole index ("invalid reason code") once a line carries one of them.
 * Returns 0; HSMCA_E_USAGE for an unknown reason; HSMCA_E_NOTFOUND for a
 * serial not in index.txt; HSMCA_E_EXISTS when it is already revoked;
 * others from I/O.  On failure index.txt is unchanged. */
int db_revoke(struct hsmca_db *db, const char *hex, const char *reason,
    time_t when, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* The canonical spelling of a revocation reason matched case-insensitively
 * ("keycompromise" -> "keyCompromise"): unspecified, keyCompromise,
 * CACompromise, affiliationChanged, superseded, cessationOfOperation,
 * certificateHold, removeFromCRL, privilegeWithdrawn, AACompromise.  NULL
 * for anything else.  Static strings. */
const char *db_reason_canonical(const char *name);

/* RFC 5280 CRLReason code of an entry's reason field, matched
 * case-insensitively (keyCompromise -> 1, removeFromCRL -> 8), including
 * OpenSSL's forms with a value: "keyTime,T" -> 1 (keyCompromise),
 * "CAkeyTime,T" -> 2, "holdInstruction,OID" -> 6 (certificateHold).
 * -1 for NULL or anything else.  For the CRL writer. */
int db_reason_code(const char *name);

/* The number for the next CRL: DIR/crlnumber's hex (e.g. "01"), malloc'ed
 * into *hex (caller frees).  HSMCA_E_NOTFOUND when there is no crlnumber
 * file, HSMCA_E_PARSE "DIR/crlnumber: ..." when it is not one hex line. */
int db_crlnumber_next(struct hsmca_db *db, char **hex,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Call once the CRL numbered hex is written: replaces DIR/crlnumber with
 * hex + 1 (upper-case, even length, as OpenSSL).  HSMCA_E_INTERNAL when the
 * file no longer holds hex.  Needs DB_WRITE. */
int db_crlnumber_commit(struct hsmca_db *db, const char *hex,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* index.txt.attr's unique_subject (true when the file is absent). */
bool db_unique_subject(const struct hsmca_db *db);

/* Format t as OpenSSL writes ASN.1 times in index.txt: "YYMMDDHHMMSSZ"
 * for 1950..2049, "YYYYMMDDHHMMSSZ" otherwise.  buf gets a NUL. */
void db_format_time(time_t t, char buf[16]);

/* Parse "YYMMDDHHMMSSZ" (YY < 50 is 20YY) or "YYYYMMDDHHMMSSZ" into *t.
 * Returns 0 or HSMCA_E_PARSE (no message: the caller names the place). */
int db_parse_time(const char *text, time_t *t);

/* Parse one index.txt line (without its '\n', len bytes) into *e with
 * fresh malloc'ed strings (free with db_entry_clear()).  name and lineno
 * only make the message: "NAME:LINE: <what>".  Returns 0, HSMCA_E_PARSE
 * or HSMCA_E_NOMEM; on failure *e is cleared. */
int db_parse_line(const char *name, unsigned long lineno, const char *line,
    size_t len, struct hsmca_db_entry *e, struct hsmca_error *err)
	HSMCA_MUST_CHECK;

/* Format e as one index.txt line ending in '\n' into a malloc'ed *line of
 * *len bytes (also NUL-terminated).  Returns 0 or HSMCA_E_NOMEM.  Does not
 * validate: db_append() does that by parsing the result back. */
int db_format_line(const struct hsmca_db_entry *e, char **line, size_t *len,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Free the strings of an entry filled by db_parse_line() and zero it. */
void db_entry_clear(struct hsmca_db_entry *e);

#endif /* HSMCA_DB_H */
