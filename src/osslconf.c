/* see hsmca/osslconf.h */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hsmca/osslconf.h"

/* One line, trimmed, comment removed: [start, end). */
struct line {
	const char *s;
	size_t n;
};

static bool
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static struct line
trim(const char *s, size_t n)
{
	const char *hash = memchr(s, '#', n);

	if (hash != NULL)
		n = (size_t)(hash - s);
	while (n > 0 && blank(*s)) {
		s++;
		n--;
	}
	while (n > 0 && blank(s[n - 1]))
		n--;
	return (struct line){ s, n };
}

static bool
is(struct line l, const char *word)
{
	return l.n == strlen(word) && memcmp(l.s, word, l.n) == 0;
}

/* "[ name ]" -> name; false for any other line. */
static bool
section(struct line l, struct line *name)
{
	if (l.n < 2 || l.s[0] != '[' || l.s[l.n - 1] != ']')
		return false;
	*name = trim(l.s + 1, l.n - 2);
	return true;
}

/* "key = value" -> key, value (unquoted when in double quotes). */
static bool
pair(struct line l, struct line *key, struct line *value)
{
	const char *eq = memchr(l.s, '=', l.n);

	if (eq == NULL)
		return false;
	*key = trim(l.s, (size_t)(eq - l.s));
	*value = trim(eq + 1, l.n - (size_t)(eq - l.s) - 1);
	if (value->n >= 2 && value->s[0] == '"' &&
	    value->s[value->n - 1] == '"')
		*value = (struct line){ value->s + 1, value->n - 2 };
	return true;
}

/* The value of key in section sect (the first), or n == 0. */
static struct line
lookup(const char *buf, size_t len, struct line sect, const char *key)
{
	const char *p = buf, *end = buf + len, *nl;
	struct line l, name, k, v, none = { NULL, 0 };
	bool in = false;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		l = trim(p, nl != NULL ? (size_t)(nl - p) : (size_t)(end - p));
		p = nl != NULL ? nl + 1 : end;
		if (section(l, &name))
			in = name.n == sect.n && memcmp(name.s, sect.s,
			    sect.n) == 0;
		else if (in && pair(l, &k, &v) && is(k, key))
			return v;
	}
	return none;
}

int
osslconf_default_md(const char *name, const char *buf, size_t len,
    char **md, struct hsmca_error *err)
{
	struct line ca = { "ca", 2 }, sect, v;

	(void)name;
	*md = NULL;
	sect = lookup(buf, len, ca, "default_ca");
	if (sect.n == 0)
		return 0;
	v = lookup(buf, len, sect, "default_md");
	if (v.n == 0)
		return 0;
	*md = strndup(v.s, v.n);
	return *md != NULL ? 0 : hsmca_error_set(err, HSMCA_E_NOMEM,
	    "out of memory");
}
