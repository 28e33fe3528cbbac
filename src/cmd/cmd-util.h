/* Helpers shared by the commands (selfsign, sign, req, init, chain,
 * gencrl, keygen, list-objects): showing what will be signed and asking,
 * writing outputs, and checking option values while they are read (a
 * malformed one is a usage error, exit status 2).  Command layer only: may
 * print. */
#ifndef HSMCA_CMD_UTIL_H
#define HSMCA_CMD_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <gnutls/x509.h>

#include "hsmca/cli.h"
#include "hsmca/issue.h"
#include "hsmca/profile.h"

/* Show job's to-be-signed certificate.  dry_run: print it in full on
 * stdout and return 0 (the caller then stops).  Otherwise print a summary
 * on stderr (not with -q) and ask (cli_confirm): 0 to go on, or
 * HSMCA_E_REFUSED with err set. */
int cmd_confirm_issue(const struct hsmca_ctx *ctx,
    const struct hsmca_issue_job *job, const struct hsmca_profile *prof,
    bool dry_run, struct hsmca_error *err);

/* Ask once for a batch of n jobs (the ones without an error). */
int cmd_confirm_batch(const struct hsmca_ctx *ctx,
    const struct hsmca_issue_job *jobs, size_t n,
    const struct hsmca_profile *prof, bool dry_run, struct hsmca_error *err);

/* How an output file is written. */
enum cmd_out {
	CMD_OUT_RECORD,   /* a CA directory file: atomic and durable */
	CMD_OUT_COPY,     /* a path the user named (--out): devices, FIFOs
	                   * and sockets written in place, symlinks followed,
	                   * files replaced atomically, not fsync'ed (the
	                   * durable record is the CA directory's) */
};

/* Write len bytes to path (mode 0644 for a new file) as how says, or to
 * stdout for "-" (CMD_OUT_COPY only: a CA directory file is never "-"). */
int cmd_write_file(const char *path, const void *data, size_t len,
    enum cmd_out how, struct hsmca_error *err);

/* Write crt as PEM to path (see cmd_write_file). */
int cmd_write_cert(const char *path, gnutls_x509_crt_t crt, enum cmd_out how,
    struct hsmca_error *err);

/* Append crt as PEM to an open stream. */
int cmd_print_cert(FILE *f, gnutls_x509_crt_t crt, struct hsmca_error *err);

/* Parse a --san value ("dns:NAME", "ip:ADDR", "email:ADDR", "uri:URI")
 * and append it to l.  HSMCA_E_PARSE naming --san. */
int cmd_add_san(struct hsmca_gn_list *l, const char *text,
    struct hsmca_error *err);

/* Parse a --subject value while the options are read, so that a
 * malformed one ('OO=x', 'C=USA', an over-long CN) is a usage error before
 * anything is opened.  When w is non-NULL a C= as the most specific part
 * adds dn_warn_order()'s warning (pass NULL where the DN policy will warn
 * anyway).  Returns 0 or HSMCA_E_USAGE with err naming --subject. */
int cmd_check_subject(const char *text, struct hsmca_warnings *w,
    struct hsmca_error *err);

/* Check a PKCS#11 URI given as an option's (or an operand's) value with
 * token_check_uri(), so that a malformed one is a usage error too.
 * Returns 0 or HSMCA_E_USAGE. */
int cmd_check_uri(const char *uri, struct hsmca_error *err);

#endif
