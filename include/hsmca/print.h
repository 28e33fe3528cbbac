/* hsmca — rendering of token and object listings, as text for people and
 * as JSON (json-c) for scripts.  No logic and no I/O besides the FILE *.
 *
 * Text output escapes control bytes and invalid UTF-8 in labels as \xNN so
 * that a hostile label cannot drive the terminal.  JSON output is one
 * object: {"tokens": [...], "hidden_tokens": N} or {"objects": [...],
 * "hidden_tokens": N}; strings are escaped by json-c, and bytes that are
 * not valid UTF-8 are replaced with U+FFFD so that the document is always
 * valid JSON.  Field names are documented in hsmca(1).
 */
#ifndef HSMCA_PRINT_H
#define HSMCA_PRINT_H

#include <stdio.h>

#include "hsmca/token.h"

/* Short names: "private key", "public key", "certificate", "secret key",
 * "data", "other".  Static strings. */
const char *print_class_name(enum hsmca_obj_class cls);

/* Write the listing to f.  Return 0, or HSMCA_E_IO when writing failed,
 * HSMCA_E_NOMEM. */
int print_tokens_text(FILE *f, const struct hsmca_token_list *list);
int print_objects_text(FILE *f, const struct hsmca_object_list *list);
int print_tokens_json(FILE *f, const struct hsmca_token_list *list);
int print_objects_json(FILE *f, const struct hsmca_object_list *list);

/* The JSON documents as malloc'ed strings (free()), or NULL when out of
 * memory; what print_*_json() write, for tests. */
char *print_tokens_json_string(const struct hsmca_token_list *list);
char *print_objects_json_string(const struct hsmca_object_list *list);

#endif /* HSMCA_PRINT_H */
