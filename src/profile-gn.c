/* see hsmca/profile.h and profile-int.h — general names (DNS, IP, email,
 * URI), OIDs and numbers, validated as strictly as a CA should: a name a
 * relying party would read differently from what the operator meant is an
 * error, not a certificate. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hsmca/profile.h"
#include "profile-int.h"

#define DNS_MAX 253
#define LABEL_MAX 63

int
profile_parse_ulong(const char *s, unsigned long min, unsigned long max,
    unsigned long *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	if (s[0] == '0' && s[1] != '\0')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

bool
profile_is_oid(const char *s)
{
	unsigned long first = 0, arc;
	size_t n = 0, len;
	char buf[32];
	const char *p = s, *dot;

	for (;;) {
		dot = strchr(p, '.');
		len = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (len == 0 || len >= sizeof(buf))
			return false;
		memcpy(buf, p, len);
		buf[len] = '\0';
		if (profile_parse_ulong(buf, 0, 0xffffffffUL, &arc) != 0)
			return false;
		if (n == 0 && arc > 2)
			return false;
		if (n == 0)
			first = arc;
		if (n == 1 && first < 2 && arc >= 40)
			return false;
		n++;
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	return n >= 2;
}

bool
profile_is_uri(const char *s)
{
	const char *p = s;

	if (!isalpha((unsigned char)*p))
		return false;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
	    *p == '.')
		p++;
	if (*p != ':' || p[1] == '\0')
		return false;
	for (; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return false;
	return true;
}

/* Host name: labels of letters, digits and '-' (not at either end), 1..63
 * bytes each, 253 in all.  lead_dot allows ".example.com" (name
 * constraints); wildcard allows a first label of "*". */
static bool
is_dns(const char *s, bool lead_dot, bool wildcard)
{
	const char *p = s, *label;
	size_t len;

	if (lead_dot && *p == '.')
		p++;
	if (wildcard && p[0] == '*' && p[1] == '.')
		p += 2;
	if (*p == '\0' || strlen(s) > DNS_MAX)
		return false;
	for (;;) {
		label = p;
		while (isalnum((unsigned char)*p) || *p == '-')
			p++;
		len = (size_t)(p - label);
		if (len == 0 || len > LABEL_MAX || label[0] == '-' ||
		    p[-1] == '-')
			return false;
		if (*p == '\0')
			return true;
		if (*p != '.')
			return false;
		p++;
	}
}

static bool
is_email(const char *s)
{
	const char *at = strchr(s, '@'), *p;

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL)
		return false;
	for (p = s; p < at; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return false;
	return is_dns(at + 1, false, false);
}

/* A network mask of contiguous leading one bits. */
static bool
is_contiguous_mask(const unsigned char *m, size_t n)
{
	size_t i;
	bool zero = false;
	int b;

	for (i = 0; i < n; i++)
		for (b = 7; b >= 0; b--) {
			if (m[i] & (1u << b)) {
				if (zero)
					return false;
			} else {
				zero = true;
			}
		}
	return true;
}

/* "ADDR/MASK" of one family, mask contiguous, no host bits set. */
static bool
is_ip_net(const char *s)
{
	unsigned char a[16], m[16];
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t len, n, i;
	int af;

	if (slash == NULL)
		return false;
	len = (size_t)(slash - s);
	if (len == 0 || len >= sizeof(addr))
		return false;
	memcpy(addr, s, len);
	addr[len] = '\0';
	af = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	n = af == AF_INET6 ? 16 : 4;
	if (inet_pton(af, addr, a) != 1 || inet_pton(af, slash + 1, m) != 1)
		return false;
	if (!is_contiguous_mask(m, n))
		return false;
	for (i = 0; i < n; i++)
		if (a[i] & ~m[i])
			return false;
	return true;
}

static bool
is_ip(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static const struct {
	const char *name;
	enum hsmca_gn_type type;
} gn_types[] = {
	{ "DNS", HSMCA_GN_DNS },
	{ "IP", HSMCA_GN_IP },
	{ "email", HSMCA_GN_EMAIL },
	{ "URI", HSMCA_GN_URI },
	{ "dirName", HSMCA_GN_DIRNAME },
};

static bool
valid_for(enum hsmca_gn_type type, const char *v, enum profile_gn_ctx ctx)
{
	bool nc = ctx == PROFILE_GN_NC;

	switch (type) {
	case HSMCA_GN_DNS:
		return is_dns(v, nc, !nc);
	case HSMCA_GN_IP:
		return nc ? is_ip_net(v) : is_ip(v);
	case HSMCA_GN_EMAIL:
		/* a constraint may be a mailbox, a host or ".domain" */
		return is_email(v) || (nc && is_dns(v, true, false));
	case HSMCA_GN_URI:
		return nc ? is_dns(v, true, false) : profile_is_uri(v);
	default:
		return false;
	}
}

static const char *
what(enum hsmca_gn_type type, enum profile_gn_ctx ctx)
{
	bool nc = ctx == PROFILE_GN_NC;

	switch (type) {
	case HSMCA_GN_DNS:
		return nc ? "DNS name or .domain" : "DNS name";
	case HSMCA_GN_IP:
		return nc ? "IP address/mask (e.g. 10.0.0.0/255.0.0.0)"
		    : "IP address";
	case HSMCA_GN_EMAIL:
		return nc ? "e-mail address or domain" : "e-mail address";
	default:
		return nc ? "URI host or .domain" : "URI (scheme:...)";
	}
}

int
profile_gn_parse_ctx(const char *text, enum profile_gn_ctx ctx,
    struct hsmca_general_name *gn, struct hsmca_error *err)
{
	const char *colon = strchr(text, ':'), *v;
	enum hsmca_gn_type type = 0;
	size_t i, len;
	char *copy;

	len = colon != NULL ? (size_t)(colon - text) : 0;
	for (i = 0; colon != NULL && i < sizeof(gn_types) / sizeof(gn_types[0]);
	    i++)
		if (strlen(gn_types[i].name) == len &&
		    strncasecmp(text, gn_types[i].name, len) == 0)
			type = gn_types[i].type;
	if (type == 0)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "'%s': expected DNS:, IP:, email: or URI:", text);
	if (type == HSMCA_GN_DIRNAME)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "'%s': dirName is not supported in profiles", text);
	if (ctx == PROFILE_GN_URI_ONLY && type != HSMCA_GN_URI)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "'%s': only URI: is allowed here", text);
	v = colon + 1;
	if (!valid_for(type, v, ctx))
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "'%s': bad %s '%s'", text, what(type, ctx), v);
	copy = strdup(v);
	if (copy == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	gn->type = type;
	gn->value = copy;
	return 0;
}

int
profile_parse_general_name(const char *text, struct hsmca_general_name *gn,
    struct hsmca_error *err)
{
	return profile_gn_parse_ctx(text, PROFILE_GN_SAN, gn, err);
}

void
profile_gn_list_clear(struct hsmca_gn_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		free(l->items[i].value);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}
