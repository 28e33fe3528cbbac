/* see hsmca/ini.h
 *
 * Why our own ~200-line lexer rather than libinih: Debian's libinih is built
 * without INI_HANDLER_LINENO, so its handler never learns the line number our
 * messages must name; it accepts duplicate keys and sections (a second
 * "keyUsage" would silently win or be merged), continuation lines
 * (INI_ALLOW_MULTILINE: an indented line is glued to the previous value) and
 * inline comments, and on a bad line it keeps going and reports only the
 * first line number.  Each of those turns a typo in a CA profile into a
 * silently different certificate.  This lexer is small, pure (buf, len) and
 * refuses all of them; profile.c and the hsmca.conf reader build on it, so
 * libinih is no longer needed.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hsmca/ini.h"

/* One line being lexed: [s, s + len), already free of "\n" and "\r". */
struct line {
	const char *s;
	size_t len;
	unsigned no;
};

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && is_blank(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_blank((*s)[*len - 1]))
		(*len)--;
}

/* Returns the index of the first byte of s that is not a valid name
 * character, or len when all are. */
static size_t
bad_name_char(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_name_char(s[i]))
			break;
	return i;
}

static int
append(const char *name, struct hsmca_ini *ini, const char *section,
    const char *key, size_t klen, const char *value, size_t vlen,
    unsigned no, struct hsmca_error *err)
{
	struct hsmca_ini_entry *grown, *e;

	grown = realloc(ini->entries, (ini->n + 1) * sizeof(*grown));
	if (grown == NULL)
		goto nomem;
	ini->entries = grown;
	e = &ini->entries[ini->n];
	memset(e, 0, sizeof(*e));
	e->line = no;
	e->section = strdup(section);
	if (e->section == NULL)
		goto nomem;
	if (key != NULL) {
		e->key = strndup(key, klen);
		e->value = strndup(value, vlen);
		if (e->key == NULL || e->value == NULL) {
			free(e->section);
			free(e->key);
			free(e->value);
			goto nomem;
		}
	}
	ini->n++;
	return 0;
nomem:
	return hsmca_error_set(err, HSMCA_E_NOMEM, "%s:%u: out of memory",
	    name, no);
}

static int
lex_section(const char *name, const struct line *l, struct hsmca_ini *ini,
    char **section, struct hsmca_error *err)
{
	const char *close, *s;
	size_t len, bad;
	char *copy;

	close = memchr(l->s, ']', l->len);
	if (close == NULL)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%u: unterminated section header '%.*s' (missing ']')",
		    name, l->no, (int)l->len, l->s);
	s = close + 1;
	len = l->len - (size_t)(s - l->s);
	trim(&s, &len);
	if (len > 0)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%u: unexpected '%.*s' after section header",
		    name, l->no, (int)len, s);
	s = l->s + 1;
	len = (size_t)(close - s);
	trim(&s, &len);
	if (len == 0)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%u: empty section name", name, l->no);
	bad = bad_name_char(s, len);
	if (bad < len)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%u: invalid character '%c' in section name '%.*s'",
		    name, l->no, s[bad], (int)len, s);
	copy = strndup(s, len);
	if (copy == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM,
		    "%s:%u: out of memory", name, l->no);
	if (ini_find_section(ini, copy) != NULL) {
		hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%u: duplicate section [%s] (first at line %u)",
		    name, l->no, copy, ini_find_section(ini, copy)->line);
		free(copy);
		return HSMCA_E_PARSE;
	}
	free(*section);
	*section = copy;
	return append(name, ini, copy, NULL, 0, NULL, 0, l->no, err);
}

/* The entry of the last (current) section whose key is k[0..klen), or
 * NULL.  Sections never repeat, so a section's entries are contiguous at
 * the end of the array: scan back to its header only. */
static const struct hsmca_ini_entry *
find_in_current(const struct hsmca_ini *ini, const char *k, size_t klen)
{
	size_t i;

	for (i = ini->n; i > 0; i--) {
		const struct hsmca_ini_entry *e = &ini->entries[i - 1];

		if (e->key == NULL)
			break;
		if (strlen(e->key) == klen && memcmp(e->key, k, klen) == 0)
			return e;
	}
	return NULL;
}

static int
lex_pair(const char *name, const struct line *l, struct hsmca_ini *ini,
    const char *section, struct hsmca_error *err)
{
	const char *eq, *k, *v;
	const struct hsmca_ini_entry *dup;
	size_t klen, vlen, bad;

	eq = memchr(l->s, '=', l->len);
	if (eq == NULL)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%u: expected 'key = value', got '%.*s'",
		    name, l->no, (int)l->len, l->s);
	if (section == NULL)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%u: '%.*s' outside of any [section]",
		    name, l->no, (int)l->len, l->s);
	k = l->s;
	klen = (size_t)(eq - k);
	trim(&k, &klen);
	if (klen == 0)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%u: empty key before '='", name, l->no);
	bad = bad_name_char(k, klen);
	if (bad < klen)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%u: invalid character '%c' in key '%.*s'",
		    name, l->no, k[bad], (int)klen, k);
	v = eq + 1;
	vlen = l->len - (size_t)(v - l->s);
	trim(&v, &vlen);
	dup = find_in_current(ini, k, klen);
	if (dup != NULL)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%u: duplicate key '%.*s' in [%s] (first at line %u)",
		    name, l->no, (int)klen, k, section, dup->line);
	return append(name, ini, section, k, klen, v, vlen, l->no, err);
}

/* Checks bytes of one raw line (without its "\n"); strips one "\r". */
static int
check_line(const char *name, struct line *l, struct hsmca_error *err)
{
	size_t i;

	if (l->len > 0 && l->s[l->len - 1] == '\r')
		l->len--;
	if (l->len > INI_LINE_MAX)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%u: line longer than %d bytes", name, l->no,
		    INI_LINE_MAX);
	for (i = 0; i < l->len; i++) {
		unsigned char c = (unsigned char)l->s[i];

		if (c == '\0')
			return hsmca_error_set(err, HSMCA_E_PARSE,
			    "%s:%u: NUL byte in line", name, l->no);
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return hsmca_error_set(err, HSMCA_E_PARSE,
			    "%s:%u: control character 0x%02x in line",
			    name, l->no, c);
	}
	return 0;
}

static int
lex_line(const char *name, struct line *l, struct hsmca_ini *ini,
    char **section, struct hsmca_error *err)
{
	int r;

	if ((r = check_line(name, l, err)) != 0)
		return r;
	trim(&l->s, &l->len);
	if (l->len == 0 || l->s[0] == '#' || l->s[0] == ';')
		return 0;
	if (l->s[0] == '[')
		return lex_section(name, l, ini, section, err);
	return lex_pair(name, l, ini, *section, err);
}

int
ini_parse(const char *name, const char *buf, size_t len,
    struct hsmca_ini *out, struct hsmca_error *err)
{
	struct hsmca_ini ini = { NULL, NULL, 0 };
	char *section = NULL;
	struct line l;
	const char *p = buf, *end = buf + len, *nl;
	int r;

	memset(out, 0, sizeof(*out));
	if (len > INI_INPUT_MAX)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: input larger than %d bytes", name, INI_INPUT_MAX);
	/* a UTF-8 byte-order mark, as some editors write, is not content */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (l.no = 1; p < end; l.no++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		l.s = p;
		l.len = (size_t)((nl != NULL ? nl : end) - p);
		p = nl != NULL ? nl + 1 : end;
		if ((r = lex_line(name, &l, &ini, &section, err)) != 0)
			goto out;
	}
	ini.name = strdup(name);
	if (ini.name == NULL) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "%s: out of memory",
		    name);
		goto out;
	}
	*out = ini;
	memset(&ini, 0, sizeof(ini));
	r = 0;
out:
	free(section);
	ini_clear(&ini);
	return r;
}

void
ini_clear(struct hsmca_ini *ini)
{
	size_t i;

	if (ini == NULL)
		return;
	for (i = 0; i < ini->n; i++) {
		free(ini->entries[i].section);
		free(ini->entries[i].key);
		free(ini->entries[i].value);
	}
	free(ini->entries);
	free(ini->name);
	memset(ini, 0, sizeof(*ini));
}

const struct hsmca_ini_entry *
ini_find(const struct hsmca_ini *ini, const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < ini->n; i++) {
		const struct hsmca_ini_entry *e = &ini->entries[i];

		if (e->key != NULL && strcmp(e->section, section) == 0 &&
		    strcmp(e->key, key) == 0)
			return e;
	}
	return NULL;
}

const struct hsmca_ini_entry *
ini_find_section(const struct hsmca_ini *ini, const char *section)
{
	size_t i;

	for (i = 0; i < ini->n; i++)
		if (ini->entries[i].key == NULL &&
		    strcmp(ini->entries[i].section, section) == 0)
			return &ini->entries[i];
	return NULL;
}
