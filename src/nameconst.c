/* see hsmca/nameconst.h */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <gnutls/x509-ext.h>

#include "hsmca/nameconst.h"

#define OID_SAN "2.5.29.17"
#define NAME_TEXT_MAX 320

/* One name the certificate will carry; data is owned. */
struct nc_name {
	unsigned type;                  /* gnutls_x509_subject_alt_name_t */
	gnutls_datum_t data;
	const char *origin;             /* where it is, for the message */
};

struct nc_names {
	struct nc_name *v;
	size_t n;
	bool has_dns;                   /* a dNSName in the subjectAltName */
};

static int
nomem(struct hsmca_error *err)
{
	return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
}

static int
add_name(struct nc_names *l, unsigned type, const void *data, size_t len,
    const char *origin, struct hsmca_error *err)
{
	struct nc_name *grown = realloc(l->v, (l->n + 1) * sizeof(*grown));
	unsigned char *copy = malloc(len + 1);

	if (grown != NULL)
		l->v = grown;
	if (grown == NULL || copy == NULL) {
		free(copy);
		return nomem(err);
	}
	memcpy(copy, data, len);
	copy[len] = '\0';
	l->v[l->n].type = type;
	l->v[l->n].data.data = copy;
	l->v[l->n].data.size = (unsigned)len;
	l->v[l->n].origin = origin;
	l->n++;
	if (type == GNUTLS_SAN_DNSNAME)
		l->has_dns = true;
	return 0;
}

static void
names_clear(struct nc_names *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].data.data);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int
collect_san(gnutls_x509_crt_t c, struct nc_names *l, struct hsmca_error *err)
{
	gnutls_subject_alt_names_t sans = NULL;
	gnutls_datum_t ext = { NULL, 0 }, san;
	unsigned crit, i, type;
	int r = 0;

	if (gnutls_x509_crt_get_extension_by_oid2(c, OID_SAN, 0, &ext,
	    &crit) < 0)
		return 0;
	if (gnutls_subject_alt_names_init(&sans) < 0) {
		r = nomem(err);
		goto out;
	}
	if (gnutls_x509_ext_import_subject_alt_names(&ext, sans, 0) < 0) {
		r = hsmca_error_set(err, HSMCA_E_PARSE, "lint: "
		    "name-constraints: cannot read the subjectAltName");
		goto out;
	}
	for (i = 0; r == 0 && gnutls_subject_alt_names_get(sans, i, &type,
	    &san, NULL) >= 0; i++)
		r = add_name(l, type, san.data, san.size, "subjectAltName",
		    err);
out:
	if (sans != NULL)
		gnutls_subject_alt_names_deinit(sans);
	gnutls_free(ext.data);
	return r;
}

/* A commonName that a verifier would take for a host name: letters,
 * digits, '-' and at least one inner '.', optionally "*." in front. */
static bool
looks_like_host(const char *s)
{
	const char *p = strncmp(s, "*.", 2) == 0 ? s + 2 : s;
	bool dot = false;

	if (*p == '\0' || *p == '.' || p[strlen(p) - 1] == '.')
		return false;
	for (; *p != '\0'; p++) {
		if (*p == '.' && p[1] == '.')
			return false;
		if (*p == '.')
			dot = true;
		else if (!isalnum((unsigned char)*p) && *p != '-')
			return false;
	}
	return dot;
}

/* Each value of attribute oid in the subject, as a name of type. */
static int
collect_attr(gnutls_x509_crt_t c, const char *oid, unsigned type,
    const char *origin, bool hosts_only, struct nc_names *l,
    struct hsmca_error *err)
{
	char buf[1024];
	size_t sz;
	unsigned i;
	int r = 0;

	for (i = 0; r == 0; i++) {
		sz = sizeof(buf);
		if (gnutls_x509_crt_get_dn_by_oid(c, oid, i, 0, buf, &sz) < 0)
			break;
		if (!hosts_only || looks_like_host(buf))
			r = add_name(l, type, buf, sz, origin, err);
	}
	return r;
}

static int
collect_names(gnutls_x509_crt_t c, struct nc_names *l,
    struct hsmca_error *err)
{
	gnutls_datum_t dn = { NULL, 0 };
	gnutls_x509_dn_t sdn;
	gnutls_x509_ava_st ava;
	int r;

	if ((r = collect_san(c, l, err)) != 0)
		return r;
	/* as RFC 4514 text: the form GnuTLS gives directoryName subtrees in */
	if (gnutls_x509_crt_get_subject(c, &sdn) >= 0 &&
	    gnutls_x509_dn_get_rdn_ava(sdn, 0, 0, &ava) >= 0) {
		if (gnutls_x509_crt_get_dn3(c, &dn, 0) < 0)
			return hsmca_error_set(err, HSMCA_E_PARSE, "lint: "
			    "name-constraints: cannot read the subject");
		r = add_name(l, GNUTLS_SAN_DN, dn.data, dn.size, "subject",
		    err);
		gnutls_free(dn.data);
		if (r != 0)
			return r;
	}
	if ((r = collect_attr(c, GNUTLS_OID_PKCS9_EMAIL, GNUTLS_SAN_RFC822NAME,
	    "subject emailAddress", false, l, err)) != 0)
		return r;
	if (l->has_dns)
		return 0;
	return collect_attr(c, GNUTLS_OID_X520_COMMON_NAME, GNUTLS_SAN_DNSNAME,
	    "subject commonName", true, l, err);
}

/* iPAddress: base is address and mask (8 or 32 octets), name an address
 * of half that; another family is never inside. */
static int
ip_within(const gnutls_datum_t *base, const gnutls_datum_t *name)
{
	unsigned i;

	if (base->size != 2 * name->size)
		return 0;
	for (i = 0; i < name->size; i++)
		if ((name->data[i] & base->data[name->size + i]) !=
		    (base->data[i] & base->data[name->size + i]))
			return 0;
	return 1;
}

/* The host of a URI ("scheme://[userinfo@]host[:port]..."), or NULL. */
static const char *
uri_host(const char *uri, size_t *len)
{
	const char *p = strstr(uri, "://"), *end, *at;

	if (p == NULL)
		return NULL;
	p += 3;
	end = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(end - p));
	if (at != NULL)
		p = at + 1;
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));

		if (close == NULL)
			return NULL;
		*len = (size_t)(close + 1 - p);
		return *len > 2 ? p : NULL;
	}
	*len = strcspn(p, ":/?#");
	return *len > 0 ? p : NULL;
}

/* URI (RFC 5280 4.2.1.10): the constraint applies to the host; ".domain"
 * is any host below domain, anything else is that one host.  -1: the URI
 * has no host to check. */
static int
uri_within(const gnutls_datum_t *base, const gnutls_datum_t *name)
{
	const char *b = (const char *)base->data, *host;
	size_t hlen = 0;

	if ((host = uri_host((const char *)name->data, &hlen)) == NULL)
		return -1;
	if (base->size > 0 && b[0] == '.')
		return hlen > base->size && strncasecmp(host + hlen -
		    base->size, b, base->size) == 0;
	return hlen == base->size && strncasecmp(host, b, hlen) == 0;
}

/* directoryName, both as RFC 4514 text (most specific RDN first): name is
 * inside base when its last RDNs are base's (RFC 5280 7.1 compares them
 * case-insensitively). */
static int
dn_within(const gnutls_datum_t *base, const gnutls_datum_t *name)
{
	const char *n = (const char *)name->data, *tail;
	size_t bs = 0;

	if (base->size == 0)
		return 1;
	if (name->size < base->size)
		return 0;
	tail = n + name->size - base->size;
	if (strncasecmp(tail, (const char *)base->data, base->size) != 0)
		return 0;
	if (tail == n)
		return 1;
	if (tail[-1] != ',')
		return 0;
	/* the comma must separate RDNs, not be an escaped one in a value */
	while (tail - 1 - (ptrdiff_t)bs > n && tail[-2 - (ptrdiff_t)bs] == '\\')
		bs++;
	return bs % 2 == 0;
}

/* Is name inside the one subtree base of the same form?  1 yes, 0 no,
 * -1 cannot tell (never taken as inside a permitted subtree, always taken
 * as inside an excluded one). */
static int
within(unsigned type, const gnutls_datum_t *base, const gnutls_datum_t *name)
{
	gnutls_x509_name_constraints_t one;
	int r;

	if (type == GNUTLS_SAN_IPADDRESS)
		return ip_within(base, name);
	if (type == GNUTLS_SAN_URI)
		return uri_within(base, name);
	if (type == GNUTLS_SAN_DN)
		return dn_within(base, name);
	if (gnutls_x509_name_constraints_init(&one) < 0)
		return -1;
	if (gnutls_x509_name_constraints_add_permitted(one, type, base) < 0)
		r = -1;
	else
		r = gnutls_x509_name_constraints_check(one,
		    (gnutls_x509_subject_alt_name_t)type, name) != 0;
	gnutls_x509_name_constraints_deinit(one);
	return r;
}

/* Printable text of a name or subtree base: "DNS:...", "IP:a/mask". */
static void
name_text(unsigned type, const gnutls_datum_t *d, bool base, char *out,
    size_t size)
{
	char a[INET6_ADDRSTRLEN], m[INET6_ADDRSTRLEN];
	unsigned n = base ? d->size / 2 : d->size;
	int af = n == 4 ? AF_INET : AF_INET6;
	size_t i;

	if (type == GNUTLS_SAN_IPADDRESS && (n == 4 || n == 16)) {
		inet_ntop(af, d->data, a, sizeof(a));
		if (base)
			inet_ntop(af, d->data + n, m, sizeof(m));
		snprintf(out, size, "IP:%s%s%s", a, base ? "/" : "",
		    base ? m : "");
		return;
	}
	snprintf(out, size, "%s:%.*s", type == GNUTLS_SAN_DNSNAME ? "DNS" :
	    type == GNUTLS_SAN_RFC822NAME ? "email" : type == GNUTLS_SAN_URI ?
	    "URI" : type == GNUTLS_SAN_DN ? "DirName" : "name", (int)d->size,
	    (const char *)d->data);
	for (i = 0; out[i] != '\0'; i++)
		if (!isprint((unsigned char)out[i]))
			out[i] = '?';
}

static int
refuse(const struct nc_name *nm, const char *how, const char *subtrees,
    const char *ca, struct hsmca_error *err)
{
	char text[NAME_TEXT_MAX];

	name_text(nm->type, &nm->data, false, text, sizeof(text));
	return hsmca_error_set(err, HSMCA_E_LINT, "lint: name-constraints: "
	    "%s (%s) is %s %s of %s", text, nm->origin, how, subtrees, ca);
}

/* Append ", permitted;TEXT" to list (at most size bytes). */
static void
list_add(char *list, size_t size, const char *kind, unsigned type,
    const gnutls_datum_t *base)
{
	char text[NAME_TEXT_MAX];
	size_t used = strlen(list);

	name_text(type, base, true, text, sizeof(text));
	snprintf(list + used, size - used, "%s%s;%s", used ? ", " : "", kind,
	    text);
}

/* One name against one CA's constraints. */
static int
check_name(gnutls_x509_name_constraints_t nc, const struct nc_name *nm,
    const char *ca, struct hsmca_error *err)
{
	char list[HSMCA_ERROR_MSG_MAX / 2] = "";
	gnutls_datum_t base;
	unsigned i, type;
	bool permitted = false;

	for (i = 0; gnutls_x509_name_constraints_get_excluded(nc, i, &type,
	    &base) >= 0; i++) {
		if (type != nm->type || within(type, &base, &nm->data) == 0)
			continue;
		list_add(list, sizeof(list), "excluded", type, &base);
		return refuse(nm, "inside", list, ca, err);
	}
	for (i = 0; gnutls_x509_name_constraints_get_permitted(nc, i, &type,
	    &base) >= 0; i++) {
		if (type != nm->type)
			continue;
		if (within(type, &base, &nm->data) == 1)
			return 0;
		permitted = true;
		list_add(list, sizeof(list), "permitted", type, &base);
	}
	return permitted ? refuse(nm, "not within", list, ca, err) : 0;
}

/* Every name against the constraints of one CA certificate. */
static int
check_ca(gnutls_x509_crt_t ca, const struct nc_names *l,
    struct hsmca_error *err)
{
	gnutls_x509_name_constraints_t nc = NULL;
	gnutls_datum_t dn = { NULL, 0 };
	unsigned crit;
	size_t i;
	int r = 0, g;

	if (gnutls_x509_name_constraints_init(&nc) < 0)
		return nomem(err);
	if (gnutls_x509_crt_get_dn3(ca, &dn, 0) < 0)
		dn.data = NULL;
	g = gnutls_x509_crt_get_name_constraints(ca, nc, 0, &crit);
	if (g < 0 && g != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		r = hsmca_error_set(err, HSMCA_E_PARSE, "%s: cannot read its "
		    "nameConstraints: %s", dn.data ? (char *)dn.data :
		    "issuer", gnutls_strerror(g));
	for (i = 0; g >= 0 && r == 0 && i < l->n; i++)
		r = check_name(nc, &l->v[i], dn.data ? (char *)dn.data :
		    "the issuer", err);
	gnutls_x509_name_constraints_deinit(nc);
	gnutls_free(dn.data);
	return r;
}

int
nameconst_check(gnutls_x509_crt_t tbs, gnutls_x509_crt_t issuer,
    const gnutls_x509_crt_t *chain, size_t n_chain, struct hsmca_error *err)
{
	struct nc_names l = { NULL, 0, false };
	size_t i;
	int r;

	if (issuer == NULL)
		return 0;
	if ((r = collect_names(tbs, &l, err)) == 0)
		r = check_ca(issuer, &l, err);
	for (i = 0; r == 0 && i < n_chain; i++)
		r = check_ca(chain[i], &l, err);
	names_clear(&l);
	return r;
}
