/* see hsmca/dn.h */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hsmca/dn.h"

struct dn_name {
	const char *oid;
	const char *shortname;         /* as OpenSSL prints it */
	const char *longname;
	const char *alias;             /* another accepted spelling, or NULL */
};

/* OpenSSL's short names (obj_mac.h), which index.txt and "/C=.." use. */
static const struct dn_name dn_names[] = {
	{ "2.5.4.6", "C", "countryName", NULL },
	{ "2.5.4.8", "ST", "stateOrProvinceName", "S" },
	{ "2.5.4.7", "L", "localityName", NULL },
	{ "2.5.4.10", "O", "organizationName", NULL },
	{ "2.5.4.11", "OU", "organizationalUnitName", NULL },
	{ "2.5.4.3", "CN", "commonName", NULL },
	{ "1.2.840.113549.1.9.1", "emailAddress", "emailAddress", "E" },
	{ "2.5.4.9", "street", "streetAddress", NULL },
	{ "2.5.4.17", "postalCode", "postalCode", NULL },
	{ "2.5.4.12", "title", "title", NULL },
	{ "2.5.4.42", "GN", "givenName", NULL },
	{ "2.5.4.4", "SN", "surname", NULL },
	{ "2.5.4.5", "serialNumber", "serialNumber", NULL },
	{ "2.5.4.41", "name", "name", NULL },
	{ "2.5.4.43", "initials", "initials", NULL },
	{ "2.5.4.44", "generationQualifier", "generationQualifier", NULL },
	{ "2.5.4.46", "dnQualifier", "dnQualifier", NULL },
	{ "2.5.4.65", "pseudonym", "pseudonym", NULL },
	{ "2.5.4.15", "businessCategory", "businessCategory", NULL },
	{ "2.5.4.97", "organizationIdentifier", "organizationIdentifier", NULL },
	{ "0.9.2342.19200300.100.1.25", "DC", "domainComponent", NULL },
	{ "0.9.2342.19200300.100.1.1", "UID", "userId", NULL },
	{ "2.5.4.13", "description", "description", NULL },
	{ "1.3.6.1.4.1.311.60.2.1.1", "jurisdictionL",
	    "jurisdictionLocalityName", NULL },
	{ "1.3.6.1.4.1.311.60.2.1.2", "jurisdictionST",
	    "jurisdictionStateOrProvinceName", NULL },
	{ "1.3.6.1.4.1.311.60.2.1.3", "jurisdictionC",
	    "jurisdictionCountryName", NULL },
	{ NULL, NULL, NULL, NULL },
};

static bool
is_dotted_oid(const char *s)
{
	bool digit = false;

	if (*s == '\0' || *s == '.')
		return false;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (!digit)
				return false;
			digit = false;
		} else if (isdigit((unsigned char)*s)) {
			digit = true;
		} else {
			return false;
		}
	}
	return digit;
}

const char *
dn_oid_name(const char *oid)
{
	size_t i;

	for (i = 0; dn_names[i].oid != NULL; i++)
		if (strcmp(dn_names[i].oid, oid) == 0)
			return dn_names[i].shortname;
	return NULL;
}

static const char *
dn_oid_longname(const char *oid)
{
	size_t i;

	for (i = 0; dn_names[i].oid != NULL; i++)
		if (strcmp(dn_names[i].oid, oid) == 0)
			return dn_names[i].longname;
	return oid;
}

const char *
dn_name_oid(const char *name)
{
	size_t i;

	for (i = 0; dn_names[i].oid != NULL; i++) {
		const struct dn_name *d = &dn_names[i];

		if (strcasecmp(d->shortname, name) == 0 ||
		    strcasecmp(d->longname, name) == 0 ||
		    (d->alias != NULL && strcasecmp(d->alias, name) == 0))
			return d->oid;
	}
	if (is_dotted_oid(name))
		return name;
	return NULL;
}

int
dn_append(struct hsmca_dn *dn, const char *oid, const char *value)
{
	struct hsmca_dn_attr *a;
	char *o, *v;

	o = strdup(oid);
	v = strdup(value);
	a = reallocarray(dn->attrs, dn->n + 1, sizeof(*a));
	if (o == NULL || v == NULL || a == NULL) {
		free(o);
		free(v);
		if (a != NULL)
			dn->attrs = a;
		return HSMCA_E_NOMEM;
	}
	dn->attrs = a;
	a[dn->n].oid = o;
	a[dn->n].value = v;
	dn->n++;
	return 0;
}

void
dn_clear(struct hsmca_dn *dn)
{
	size_t i;

	if (dn == NULL)
		return;
	for (i = 0; i < dn->n; i++) {
		free(dn->attrs[i].oid);
		free(dn->attrs[i].value);
	}
	free(dn->attrs);
	dn->attrs = NULL;
	dn->n = 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Unescape the value text[i..len) into val (leading and trailing unescaped
 * spaces dropped).  Returns its length, or -1 with *fault set. */
static long
dn_unescape(const char *text, size_t i, size_t len, char *val,
    const char **fault)
{
	size_t o = 0, trail = 0;
	int c, h1, h2;

	for (; i < len && isspace((unsigned char)text[i]); i++)
		;
	for (; i < len; i++) {
		c = (unsigned char)text[i];
		if (c == '+') {
			*fault = "multi-valued RDNs ('+') are not supported; "
			    "escape it as \\+";
			return -1;
		}
		if (c != '\\') {
			val[o++] = (char)c;
			if (!isspace(c))
				trail = o;
			continue;
		}
		if (i + 1 >= len) {
			*fault = "dangling backslash";
			return -1;
		}
		h1 = hexval(text[i + 1]);
		h2 = i + 2 < len ? hexval(text[i + 2]) : -1;
		if (h1 >= 0 && h2 >= 0) {
			val[o++] = (char)(h1 << 4 | h2);
			i += 2;
		} else {
			val[o++] = text[++i];
		}
		trail = o;
	}
	val[trail] = '\0';
	if (strlen(val) != trail) {
		*fault = "NUL byte in value";
		return -1;
	}
	return (long)trail;
}

/* Parse one RDN "key=value" (text[0..len)) and append it to dn. */
static int
dn_parse_rdn(const char *name, const char *text, size_t len,
    struct hsmca_dn *dn, struct hsmca_error *err)
{
	char *buf = NULL, *key, *val, *end;
	const char *oid, *fault = NULL;
	size_t i;
	long vlen;
	int r;

	if ((buf = malloc(len + 1)) == NULL)
		return HSMCA_E_NOMEM;
	/* Find the unescaped '=' in the raw text first. */
	for (i = 0; i < len && text[i] != '='; i++)
		if (text[i] == '\\')
			i++;
	if (i >= len) {
		r = hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: '%.*s' is not an attribute=value pair", name,
		    (int)len, text);
		goto out;
	}
	memcpy(buf, text, i);
	buf[i] = '\0';
	key = buf;
	while (isspace((unsigned char)*key))
		key++;
	for (end = key + strlen(key); end > key && isspace((unsigned char)end[-1]);)
		*--end = '\0';
	val = buf + i + 1;
	vlen = dn_unescape(text, i + 1, len, val, &fault);
	if (*key == '\0')
		r = hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: missing attribute name before '='", name);
	else if ((oid = dn_name_oid(key)) == NULL)
		r = hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: unknown attribute '%s'", name, key);
	else if (vlen < 0)
		r = hsmca_error_set(err, HSMCA_E_PARSE, "%s: %s: %s", name, key,
		    fault);
	else if (vlen == 0)
		r = hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: %s: empty value", name, key);
	else
		r = dn_append(dn, oid, val);
out:
	free(buf);
	return r;
}

/* Split text on unescaped sep; each piece is one RDN.  An unescaped ';'
 * is never kept in a value: in the RFC 4514 form (sep ',') it separates
 * RDNs as RFC 1779 and RFC 2253 section 4 let it; in the OpenSSL form it
 * is refused ("/O=A;B" could mean either). */
static int
dn_split(const char *name, const char *text, char sep, struct hsmca_dn *dn,
    struct hsmca_error *err)
{
	size_t start = 0, i;
	int r;

	for (i = 0;; i++) {
		if (text[i] == '\\' && text[i + 1] != '\0') {
			i++;
			continue;
		}
		if (text[i] == ';' && sep == '/')
			return hsmca_error_set(err, HSMCA_E_PARSE, "%s: ';' in "
			    "'%s': escape it as \\; for a value, or separate "
			    "RDNs with '/'", name, text);
		if (text[i] != sep && text[i] != '\0' &&
		    !(sep == ',' && text[i] == ';'))
			continue;
		r = dn_parse_rdn(name, text + start, i - start, dn, err);
		if (r != 0)
			return r;
		if (text[i] == '\0')
			return 0;
		start = i + 1;
	}
}

/* RFC 5280 Appendix A upper bounds (ub-*), in characters; X.520's for
 * postalCode and street.  0: exactly two letters (ISO 3166 alpha-2, a
 * PrintableString). */
static const struct dn_bound {
	const char *oid;
	size_t max;
	bool printable;                /* PrintableString in RFC 5280 */
} dn_bounds[] = {
	{ "2.5.4.6", 0, true },                        /* countryName */
	{ "1.3.6.1.4.1.311.60.2.1.3", 0, true },       /* jurisdictionC */
	{ "2.5.4.3", 64, false },                      /* ub-common-name */
	{ "2.5.4.10", 64, false },                     /* ub-organization-name */
	{ "2.5.4.11", 64, false },                     /* ub-organizational-unit-name */
	{ "2.5.4.12", 64, false },                     /* ub-title */
	{ "2.5.4.7", 128, false },                     /* ub-locality-name */
	{ "2.5.4.8", 128, false },                     /* ub-state-name */
	{ "2.5.4.5", 64, true },                       /* ub-serial-number */
	{ "2.5.4.46", 64, true },                      /* dnQualifier (ub-match
	                                                * is 128; 64 as OpenSSL) */
	{ "1.2.840.113549.1.9.1", 255, false },        /* ub-emailaddress-length */
	{ "2.5.4.65", 128, false },                    /* ub-pseudonym */
	{ "2.5.4.41", 32768, false },                  /* ub-name */
	{ "2.5.4.42", 32768, false },                  /* givenName: ub-name */
	{ "2.5.4.4", 32768, false },                   /* surname: ub-name */
	{ "2.5.4.43", 32768, false },                  /* initials: ub-name */
	{ "2.5.4.44", 32768, false },                  /* generationQualifier */
	{ "2.5.4.17", 40, false },                     /* X.520 ub-postal-code */
	{ "2.5.4.9", 128, false },                     /* X.520 ub-street-address */
	{ NULL, 0, false },
};

/* Characters of a UTF-8 string (continuation bytes not counted). */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* PrintableString's alphabet (X.680 41.4). */
static bool
is_printable_string(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) || (unsigned char)*s > 0x7f)
			if (strchr(" '()+,-./:=?", *s) == NULL)
				return false;
	return true;
}

int
dn_validate(const char *name, const struct hsmca_dn *dn,
    struct hsmca_error *err)
{
	const struct dn_bound *b;
	const char *v, *attr;
	size_t i, n;

	for (i = 0; i < dn->n; i++) {
		v = dn->attrs[i].value;
		attr = dn_oid_longname(dn->attrs[i].oid);
		for (b = dn_bounds; b->oid != NULL &&
		    strcmp(b->oid, dn->attrs[i].oid) != 0; b++)
			;
		if (b->oid == NULL)
			continue;
		n = utf8_chars(v);
		if (b->max == 0 && (n != 2 || !isalpha((unsigned char)v[0]) ||
		    !isalpha((unsigned char)v[1])))
			return hsmca_error_set(err, HSMCA_E_PARSE, "%s: %s '%s' "
			    "must be exactly two letters (an ISO 3166 code "
			    "such as US or DE)", name, attr, v);
		if (b->max > 0 && n > b->max)
			return hsmca_error_set(err, HSMCA_E_PARSE, "%s: %s is %zu "
			    "characters long, more than the %zu RFC 5280 allows",
			    name, attr, n, b->max);
		if (b->printable && !is_printable_string(v))
			return hsmca_error_set(err, HSMCA_E_PARSE, "%s: %s '%s' "
			    "has characters a PrintableString cannot hold",
			    name, attr, v);
	}
	return 0;
}

int
dn_warn_order(const struct hsmca_dn *dn, struct hsmca_warnings *w)
{
	if (w == NULL || dn->n < 2 ||
	    strcmp(dn->attrs[dn->n - 1].oid, "2.5.4.6") != 0)
		return 0;
	return hsmca_warn(w, "subject: countryName (C=) is its most specific "
	    "part; RFC 4514 strings put the most specific first "
	    "('CN=...,O=...,C=US'): was the order of openssl's print typed?");
}

int
dn_parse(const char *name, const char *text, struct hsmca_dn *out,
    struct hsmca_error *err)
{
	struct hsmca_dn dn = { NULL, 0 };
	const char *p = text;
	size_t i;
	int r;

	if (name == NULL)
		name = "subject";
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0') {
		*out = dn;
		return 0;
	}
	if (*p == '/') {
		r = dn_split(name, p + 1, '/', &dn, err);
	} else {
		r = dn_split(name, p, ',', &dn, err);
		/* RFC 4514 is most specific first: store encoding order. */
		for (i = 0; r == 0 && i < dn.n / 2; i++) {
			struct hsmca_dn_attr t = dn.attrs[i];

			dn.attrs[i] = dn.attrs[dn.n - 1 - i];
			dn.attrs[dn.n - 1 - i] = t;
		}
	}
	if (r == 0)
		r = dn_validate(name, &dn, err);
	if (r != 0) {
		dn_clear(&dn);
		return r;
	}
	*out = dn;
	return 0;
}

/* Growable string for the two writers below. */
struct sbuf {
	char *s;
	size_t len, cap;
	bool fail;
};

static void
sb_putc(struct sbuf *b, char c)
{
	char *n;

	if (b->fail)
		return;
	if (b->len + 2 > b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		if ((n = realloc(b->s, b->cap)) == NULL) {
			b->fail = true;
			return;
		}
		b->s = n;
	}
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

static void
sb_puts(struct sbuf *b, const char *s)
{
	for (; *s != '\0'; s++)
		sb_putc(b, *s);
}

static int
sb_finish(struct sbuf *b, char **out)
{
	if (!b->fail && b->s == NULL)
		b->s = strdup("");
	if (b->fail || b->s == NULL) {
		free(b->s);
		return HSMCA_E_NOMEM;
	}
	*out = b->s;
	return 0;
}

int
dn_oneline(const struct hsmca_dn *dn, char **out)
{
	struct sbuf b = { NULL, 0, 0, false };
	const char *nm, *v;
	char hex[8];
	size_t i;

	for (i = 0; i < dn->n; i++) {
		nm = dn_oid_name(dn->attrs[i].oid);
		sb_putc(&b, '/');
		sb_puts(&b, nm != NULL ? nm : dn->attrs[i].oid);
		sb_putc(&b, '=');
		for (v = dn->attrs[i].value; *v != '\0'; v++) {
			unsigned char c = (unsigned char)*v;

			if (c < 0x20 || c > 0x7e) {
				snprintf(hex, sizeof(hex), "\\x%02X", c);
				sb_puts(&b, hex);
			} else {
				sb_putc(&b, (char)c);
			}
		}
	}
	return sb_finish(&b, out);
}

int
dn_rfc4514(const struct hsmca_dn *dn, char **out)
{
	struct sbuf b = { NULL, 0, 0, false };
	const char *nm, *v, *start;
	size_t i;

	for (i = dn->n; i-- > 0;) {
		nm = dn_oid_name(dn->attrs[i].oid);
		if (i + 1 != dn->n)
			sb_putc(&b, ',');
		sb_puts(&b, nm != NULL ? nm : dn->attrs[i].oid);
		sb_putc(&b, '=');
		start = dn->attrs[i].value;
		for (v = start; *v != '\0'; v++) {
			if (strchr(",+\"\\<>;=", *v) != NULL ||
			    (v == start && (*v == '#' || *v == ' ')) ||
			    (v[1] == '\0' && *v == ' '))
				sb_putc(&b, '\\');
			sb_putc(&b, *v);
		}
	}
	return sb_finish(&b, out);
}

static const struct hsmca_policy_rule *
policy_rule(const struct hsmca_profile *p, const char *oid)
{
	size_t i;

	for (i = 0; i < p->n_policy; i++)
		if (p->policy[i].oid != NULL && strcmp(p->policy[i].oid, oid) == 0)
			return &p->policy[i];
	return NULL;
}

static const char *
dn_find(const struct hsmca_dn *dn, const char *oid)
{
	size_t i;

	for (i = 0; i < dn->n; i++)
		if (strcmp(dn->attrs[i].oid, oid) == 0)
			return dn->attrs[i].value;
	return NULL;
}

/* Check the "supplied" and "match" rules, in the policy's order. */
static int
policy_check_rules(const struct hsmca_profile *p,
    const struct hsmca_dn *subject, const struct hsmca_dn *issuer,
    struct hsmca_error *err)
{
	const struct hsmca_policy_rule *r;
	const char *have, *want;
	size_t i;

	for (i = 0; i < p->n_policy; i++) {
		r = &p->policy[i];
		have = dn_find(subject, r->oid);
		if (r->kind == HSMCA_POLICY_SUPPLIED && have == NULL)
			return hsmca_error_set(err, HSMCA_E_POLICY,
			    "policy: %s is required (supplied) but missing "
			    "from the subject", r->name);
		if (r->kind != HSMCA_POLICY_MATCH)
			continue;
		want = dn_find(issuer, r->oid);
		if (have == NULL || want == NULL || strcmp(have, want) != 0)
			return hsmca_error_set(err, HSMCA_E_POLICY,
			    "policy: %s must match the issuer's: '%s' in the "
			    "request, '%s' in the issuer", r->name,
			    have ? have : "(missing)", want ? want : "(missing)");
	}
	return 0;
}

int
dn_apply_policy(const struct hsmca_profile *p,
    const struct hsmca_dn *subject, const struct hsmca_dn *issuer,
    struct hsmca_dn *out, struct hsmca_warnings *w, struct hsmca_error *err)
{
	struct hsmca_dn res = { NULL, 0 };
	const struct hsmca_dn_attr *a;
	size_t i;
	int r;

	if (p->has_policy &&
	    (r = policy_check_rules(p, subject, issuer, err)) != 0)
		return r;
	if (dn_warn_order(subject, w) != 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	for (i = 0; i < subject->n; i++) {
		a = &subject->attrs[i];
		if (p->has_policy && policy_rule(p, a->oid) == NULL) {
			if (w != NULL && hsmca_warn(w, "policy: dropped %s=%s "
			    "from the subject: %s has no rule for it",
			    dn_oid_longname(a->oid), a->value,
			    p->path ? p->path : "the profile") != 0) {
				r = HSMCA_E_NOMEM;
				goto fail;
			}
			continue;
		}
		if ((r = dn_append(&res, a->oid, a->value)) != 0)
			goto fail;
	}
	if ((r = dn_validate("subject", &res, err)) != 0) {
		dn_clear(&res);
		return r;
	}
	*out = res;
	return 0;
fail:
	dn_clear(&res);
	return hsmca_error_set(err, r, "out of memory");
}
