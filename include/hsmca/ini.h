/* hsmca — a strict, pure INI lexer (profiles, the CA directory's hsmca.conf).
 *
 * Input is (name, buf, len): no FILE*, no globals, no I/O.  The grammar, one
 * construct per line:
 *
 *   # comment             '#' or ';' as the first non-blank character
 *   [section]             blanks inside the brackets are trimmed
 *   key = value           blanks around key and value are trimmed
 *
 * Section names and keys are made of [A-Za-z0-9_.-].  Values are taken
 * verbatim between the first '=' and the end of the line (there are no inline
 * comments, quotes, escapes or continuation lines: "days = 1 # x" has the
 * value "1 # x").  Blank lines are ignored; a trailing "\r" is dropped, and
 * so is a UTF-8 byte-order mark at the very start.
 *
 * Refused, each with "name:line: message" (HSMCA_E_PARSE): a key before any
 * section, a line without '=', an empty key, a key or section name with
 * other characters, an unterminated '[', anything after ']', an empty
 * section name, the same section twice, the same key twice in one section,
 * a NUL byte or another control character (tab excepted), a line longer than
 * INI_LINE_MAX bytes, and an input larger than INI_INPUT_MAX bytes.
 */
#ifndef HSMCA_INI_H
#define HSMCA_INI_H

#include <stddef.h>

#include "hsmca/err.h"

#define INI_LINE_MAX 4096           /* bytes per line, without the newline */
#define INI_INPUT_MAX (64 * 1024)   /* bytes per input */

/* One token.  A section header is an entry with key == NULL and
 * value == NULL; every key/value entry follows its section's header, so an
 * empty section is still visible (a schema can refuse an unknown one). */
struct hsmca_ini_entry {
	char *section;              /* "profile" */
	char *key;                  /* "days", or NULL for the header */
	char *value;                /* "375" (may be ""), NULL for the header */
	unsigned line;              /* 1-based line number in the input */
};

struct hsmca_ini {
	char *name;                 /* the name given to ini_parse() */
	struct hsmca_ini_entry *entries;   /* in input order */
	size_t n;
};

/* Lex buf (len bytes; need not be NUL-terminated) named name (used only in
 * messages and copied to out->name).  On success returns 0 and fills *out,
 * which the caller releases with ini_clear().  On failure returns
 * HSMCA_E_PARSE (or HSMCA_E_NOMEM) with err set to "name:line: message",
 * and *out is left empty (nothing to clear). */
int ini_parse(const char *name, const char *buf, size_t len,
    struct hsmca_ini *out, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Free everything ini_parse() allocated and leave ini empty.  NULL and an
 * already-cleared ini are fine. */
void ini_clear(struct hsmca_ini *ini);

/* The key/value entry for (section, key), or NULL.  Borrowed from ini.
 * ini_parse() guarantees at most one. */
const struct hsmca_ini_entry *ini_find(const struct hsmca_ini *ini,
    const char *section, const char *key);

/* The section header entry for section, or NULL.  Borrowed from ini. */
const struct hsmca_ini_entry *ini_find_section(const struct hsmca_ini *ini,
    const char *section);

#endif /* HSMCA_INI_H */
