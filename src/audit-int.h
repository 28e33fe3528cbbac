/* Shared by audit.c (writing) and audit-check.c (recovery, verification). */
#ifndef HSMCA_AUDIT_INT_H
#define HSMCA_AUDIT_INT_H

#include <json-c/json.h>

#include "hsmca/err.h"

/* dir/audit.log, malloc'ed (NULL on OOM). */
char *audit_path(const char *dir);

/* Parse one line into a JSON object with at least seq (>= 1), op and prev.
 * HSMCA_E_PARSE "path:lineno: not an audit record". */
int audit_parse_line(const char *path, unsigned long lineno, const char *line,
    json_object **out, unsigned long *seq, struct hsmca_error *err);

/* The seq of the last complete record of dir's log (0: none). */
int audit_last_seq(const char *dir, unsigned long *seq,
    struct hsmca_error *err);

/* A string member of o, or NULL.  Borrowed from o. */
const char *audit_get(json_object *o, const char *key);

#endif
