/* see hsmca/profile.h — the x509v3_config value syntax of [extensions].
 *
 * A value is a comma-separated list of tokens with blanks trimmed; an empty
 * token, an unknown or repeated token, and "critical" anywhere but first are
 * errors.  "critical" is refused outright on extensions RFC 5280 wants
 * non-critical (SKI, AKI, AIA, CRL DP) and on the Netscape ones.  Each
 * parser builds into locals and writes ext only on success, so a failed call
 * leaves ext as it was.  Name/address syntax lives in profile-gn.c.
 */
#include "config.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hsmca/profile.h"
#include "profile-int.h"

#define MAX_TOKENS 64

/* A value split at commas; tok[i] point into buf. */
struct tokens {
	char *buf;
	char *tok[MAX_TOKENS];
	size_t n;
	bool critical;
};

static int
split(const char *key, const char *value, bool allow_critical,
    struct tokens *t, struct hsmca_error *err)
{
	char *p, *next, *s, *e;
	size_t i;

	memset(t, 0, sizeof(*t));
	t->buf = strdup(value);
	if (t->buf == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	for (p = t->buf; p != NULL; p = next) {
		next = strchr(p, ',');
		if (next != NULL)
			*next++ = '\0';
		for (s = p; *s == ' ' || *s == '\t'; s++)
			;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*s == '\0')
			return hsmca_error_set(err, HSMCA_E_PARSE,
			    "%s: empty item in '%s'", key, value);
		if (t->n == MAX_TOKENS)
			return hsmca_error_set(err, HSMCA_E_PARSE,
			    "%s: more than %d items", key, MAX_TOKENS);
		t->tok[t->n++] = s;
	}
	for (i = 0; i < t->n; i++) {
		if (strcmp(t->tok[i], "critical") != 0)
			continue;
		if (i > 0)
			return hsmca_error_set(err, HSMCA_E_PARSE,
			    "%s: 'critical' must come first", key);
		if (!allow_critical)
			return hsmca_error_set(err, HSMCA_E_PARSE,
			    "%s: 'critical' is not allowed on this extension "
			    "(RFC 5280: non-critical)", key);
		t->critical = true;
	}
	if (t->critical) {
		memmove(t->tok, t->tok + 1, (t->n - 1) * sizeof(t->tok[0]));
		t->n--;
	}
	if (t->n == 0)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: no value given", key);
	return 0;
}

static int
repeated(const char *key, const char *tok, struct hsmca_error *err)
{
	return hsmca_error_set(err, HSMCA_E_PARSE, "%s: repeated '%s'", key,
	    tok);
}

static int
unknown(const char *key, const char *tok, struct hsmca_error *err)
{
	return hsmca_error_set(err, HSMCA_E_PARSE, "%s: unknown value '%s'",
	    key, tok);
}

/* "CA:true" style boolean: true/false, yes/no, y/n, case-insensitive. */
static int
parse_bool_word(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "y" };
	static const char *const no[] = { "false", "no", "n" };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int
parse_basic_constraints(const char *key, struct tokens *t,
    struct hsmca_extensions *ext, struct hsmca_error *err)
{
	bool have_ca = false, ca = false, have_pl = false;
	unsigned long pl = 0;
	size_t i;

	for (i = 0; i < t->n; i++) {
		const char *tok = t->tok[i];

		if (strncmp(tok, "CA:", 3) == 0) {
			if (have_ca)
				return repeated(key, "CA", err);
			if (parse_bool_word(tok + 3, &ca) != 0)
				return unknown(key, tok, err);
			have_ca = true;
		} else if (strncmp(tok, "pathlen:", 8) == 0) {
			if (have_pl)
				return repeated(key, "pathlen", err);
			if (profile_parse_ulong(tok + 8, 0, 255, &pl) != 0)
				return hsmca_error_set(err, HSMCA_E_PARSE,
				    "%s: bad pathlen '%s' (0..255)", key,
				    tok + 8);
			have_pl = true;
		} else {
			return unknown(key, tok, err);
		}
	}
	if (!have_ca)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: CA:true or CA:false is required", key);
	if (have_pl && !ca)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: pathlen:%lu on CA:false (pathlen needs CA:true)",
		    key, pl);
	ext->basic_constraints.present = true;
	ext->basic_constraints.critical = t->critical;
	ext->basic_constraints.ca = ca;
	ext->basic_constraints.pathlen = have_pl ? (int)pl : -1;
	return 0;
}

static const struct {
	const char *name;
	unsigned bit;
} ku_names[] = {
	{ "digitalSignature", HSMCA_KU_DIGITAL_SIGNATURE },
	{ "nonRepudiation", HSMCA_KU_NON_REPUDIATION },
	{ "keyEncipherment", HSMCA_KU_KEY_ENCIPHERMENT },
	{ "dataEncipherment", HSMCA_KU_DATA_ENCIPHERMENT },
	{ "keyAgreement", HSMCA_KU_KEY_AGREEMENT },
	{ "keyCertSign", HSMCA_KU_KEY_CERT_SIGN },
	{ "cRLSign", HSMCA_KU_CRL_SIGN },
	{ "encipherOnly", HSMCA_KU_ENCIPHER_ONLY },
	{ "decipherOnly", HSMCA_KU_DECIPHER_ONLY },
};

static int
parse_key_usage(const char *key, struct tokens *t,
    struct hsmca_extensions *ext, struct hsmca_error *err)
{
	unsigned bits = 0, bit;
	size_t i, j;

	for (i = 0; i < t->n; i++) {
		bit = 0;
		for (j = 0; j < sizeof(ku_names) / sizeof(ku_names[0]); j++)
			if (strcmp(t->tok[i], ku_names[j].name) == 0)
				bit = ku_names[j].bit;
		if (bit == 0)
			return unknown(key, t->tok[i], err);
		if (bits & bit)
			return repeated(key, t->tok[i], err);
		bits |= bit;
	}
	if ((bits & (HSMCA_KU_ENCIPHER_ONLY | HSMCA_KU_DECIPHER_ONLY)) &&
	    !(bits & HSMCA_KU_KEY_AGREEMENT))
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: encipherOnly/decipherOnly need keyAgreement", key);
	ext->key_usage.present = true;
	ext->key_usage.critical = t->critical;
	ext->key_usage.bits = bits;
	return 0;
}

static const struct {
	const char *name;
	const char *oid;
} eku_names[] = {
	{ "serverAuth", "1.3.6.1.5.5.7.3.1" },
	{ "clientAuth", "1.3.6.1.5.5.7.3.2" },
	{ "codeSigning", "1.3.6.1.5.5.7.3.3" },
	{ "emailProtection", "1.3.6.1.5.5.7.3.4" },
	{ "ipsecEndSystem", "1.3.6.1.5.5.7.3.5" },
	{ "ipsecTunnel", "1.3.6.1.5.5.7.3.6" },
	{ "ipsecUser", "1.3.6.1.5.5.7.3.7" },
	{ "timeStamping", "1.3.6.1.5.5.7.3.8" },
	{ "OCSPSigning", "1.3.6.1.5.5.7.3.9" },
	{ "ipsecIKE", "1.3.6.1.5.5.7.3.17" },
	{ "msCodeInd", "1.3.6.1.4.1.311.2.1.21" },
	{ "msCodeCom", "1.3.6.1.4.1.311.2.1.22" },
	{ "msCTLSign", "1.3.6.1.4.1.311.10.3.1" },
	{ "msSGC", "1.3.6.1.4.1.311.10.3.3" },
	{ "msEFS", "1.3.6.1.4.1.311.10.3.4" },
	{ "nsSGC", "2.16.840.1.113730.4.1" },
	{ "anyExtendedKeyUsage", "2.5.29.37.0" },
};

/* OpenSSL short name or dotted OID -> dotted OID (static), or NULL. */
static const char *
eku_oid(const char *tok)
{
	size_t i;

	for (i = 0; i < sizeof(eku_names) / sizeof(eku_names[0]); i++)
		if (strcmp(tok, eku_names[i].name) == 0)
			return eku_names[i].oid;
	return profile_is_oid(tok) ? tok : NULL;
}

static void
free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int
parse_ext_key_usage(const char *key, struct tokens *t,
    struct hsmca_extensions *ext, struct hsmca_error *err)
{
	char **oids;
	const char *oid;
	size_t i, j;

	oids = calloc(t->n, sizeof(*oids));
	if (oids == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	for (i = 0; i < t->n; i++) {
		oid = eku_oid(t->tok[i]);
		if (oid == NULL) {
			free_strv(oids, i);
			return hsmca_error_set(err, HSMCA_E_PARSE,
			    "%s: unknown usage '%s' (a name such as serverAuth "
			    "or a dotted OID)", key, t->tok[i]);
		}
		for (j = 0; j < i; j++)
			if (strcmp(oids[j], oid) == 0) {
				free_strv(oids, i);
				return repeated(key, t->tok[i], err);
			}
		oids[i] = strdup(oid);
		if (oids[i] == NULL) {
			free_strv(oids, i);
			return hsmca_error_set(err, HSMCA_E_NOMEM,
			    "out of memory");
		}
	}
	ext->ext_key_usage.present = true;
	ext->ext_key_usage.critical = t->critical;
	ext->ext_key_usage.oids = oids;
	ext->ext_key_usage.n = t->n;
	return 0;
}

static int
parse_ski(const char *key, struct tokens *t, struct hsmca_extensions *ext,
    struct hsmca_error *err)
{
	if (t->n > 1)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: one value expected (hash or none), got '%s, %s'",
		    key, t->tok[0], t->tok[1]);
	if (strcmp(t->tok[0], "hash") == 0)
		ext->ski = true;
	else if (strcmp(t->tok[0], "none") == 0)
		ext->ski = false;
	else
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: unsupported value '%s' (only hash or none)", key,
		    t->tok[0]);
	return 0;
}

static int
parse_aki(const char *key, struct tokens *t, struct hsmca_extensions *ext,
    struct hsmca_error *err)
{
	bool keyid = false, always = false, issuer = false, none = false;
	size_t i;

	for (i = 0; i < t->n; i++) {
		const char *tok = t->tok[i];

		if (strcmp(tok, "keyid") == 0 ||
		    strcmp(tok, "keyid:always") == 0) {
			if (keyid)
				return repeated(key, "keyid", err);
			keyid = true;
			always = strcmp(tok, "keyid:always") == 0;
		} else if (strcmp(tok, "issuer") == 0) {
			if (issuer)
				return repeated(key, tok, err);
			issuer = true;
		} else if (strcmp(tok, "issuer:always") == 0) {
			return hsmca_error_set(err, HSMCA_E_PARSE,
			    "%s: 'issuer:always' is not supported (hsmca "
			    "writes the key identifier only; use keyid:always)",
			    key);
		} else if (strcmp(tok, "none") == 0 && t->n == 1) {
			none = true;
		} else {
			return unknown(key, tok, err);
		}
	}
	if (none) {
		ext->aki.present = false;
		return 0;
	}
	if (!keyid)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: 'issuer' alone is not supported (issuer and serial "
		    "form); use keyid or keyid:always", key);
	ext->aki.present = true;
	ext->aki.keyid = true;
	ext->aki.always = always;
	return 0;
}

/* Parse one TYPE:VALUE general name for context ctx and append it to l. */
static int
add_gn(const char *key, const char *text, enum profile_gn_ctx ctx,
    struct hsmca_gn_list *l, struct hsmca_error *err)
{
	struct hsmca_general_name gn;
	struct hsmca_general_name *grown;
	int r;

	if ((r = profile_gn_parse_ctx(text, ctx, &gn, err)) != 0)
		return hsmca_error_prefix(err, "%s", key);
	grown = realloc(l->items, (l->n + 1) * sizeof(*grown));
	if (grown == NULL) {
		free(gn.value);
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	}
	l->items = grown;
	l->items[l->n++] = gn;
	return 0;
}

static int
parse_san(const char *key, struct tokens *t, struct hsmca_extensions *ext,
    struct hsmca_error *err)
{
	struct hsmca_gn_list l = { NULL, 0 };
	size_t i;
	int r;

	for (i = 0; i < t->n; i++) {
		if (strcasecmp(t->tok[i], "email:copy") == 0 ||
		    strcasecmp(t->tok[i], "issuer:copy") == 0) {
			profile_gn_list_clear(&l);
			return hsmca_error_set(err, HSMCA_E_PARSE,
			    "%s: '%s' is not supported (use san_from_csr)",
			    key, t->tok[i]);
		}
		r = add_gn(key, t->tok[i], PROFILE_GN_SAN, &l, err);
		if (r != 0) {
			profile_gn_list_clear(&l);
			return r;
		}
	}
	ext->san.present = true;
	ext->san.critical = t->critical;
	ext->san.names = l;
	return 0;
}

static int
parse_name_constraints(const char *key, struct tokens *t,
    struct hsmca_extensions *ext, struct hsmca_error *err)
{
	struct hsmca_gn_list perm = { NULL, 0 }, excl = { NULL, 0 };
	size_t i;
	int r = 0;

	for (i = 0; i < t->n && r == 0; i++) {
		const char *tok = t->tok[i];

		if (strncmp(tok, "permitted;", 10) == 0)
			r = add_gn(key, tok + 10, PROFILE_GN_NC, &perm, err);
		else if (strncmp(tok, "excluded;", 9) == 0)
			r = add_gn(key, tok + 9, PROFILE_GN_NC, &excl, err);
		else
			r = hsmca_error_set(err, HSMCA_E_PARSE,
			    "%s: '%s' must start with permitted; or excluded;",
			    key, tok);
	}
	if (r != 0) {
		profile_gn_list_clear(&perm);
		profile_gn_list_clear(&excl);
		return r;
	}
	ext->name_constraints.present = true;
	ext->name_constraints.critical = t->critical;
	ext->name_constraints.permitted = perm;
	ext->name_constraints.excluded = excl;
	return 0;
}

static int
parse_crl_dp(const char *key, struct tokens *t, struct hsmca_extensions *ext,
    struct hsmca_error *err)
{
	struct hsmca_gn_list l = { NULL, 0 };
	size_t i;
	int r;

	for (i = 0; i < t->n; i++) {
		if ((r = add_gn(key, t->tok[i], PROFILE_GN_URI_ONLY, &l,
		    err)) != 0) {
			profile_gn_list_clear(&l);
			return r;
		}
	}
	ext->crl_dp.present = true;
	ext->crl_dp.uris = l;
	return 0;
}

static int
parse_aia(const char *key, struct tokens *t, struct hsmca_extensions *ext,
    struct hsmca_error *err)
{
	struct hsmca_gn_list ocsp = { NULL, 0 }, cai = { NULL, 0 };
	size_t i;
	int r = 0;

	for (i = 0; i < t->n && r == 0; i++) {
		const char *tok = t->tok[i];

		if (strncmp(tok, "OCSP;", 5) == 0)
			r = add_gn(key, tok + 5, PROFILE_GN_URI_ONLY, &ocsp,
			    err);
		else if (strncmp(tok, "caIssuers;", 10) == 0)
			r = add_gn(key, tok + 10, PROFILE_GN_URI_ONLY, &cai,
			    err);
		else
			r = hsmca_error_set(err, HSMCA_E_PARSE,
			    "%s: '%s' must start with OCSP; or caIssuers;",
			    key, tok);
	}
	if (r != 0) {
		profile_gn_list_clear(&ocsp);
		profile_gn_list_clear(&cai);
		return r;
	}
	ext->aia.present = true;
	ext->aia.ocsp = ocsp;
	ext->aia.ca_issuers = cai;
	return 0;
}

static void
free_policies(struct hsmca_policy_info *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(p[i].oid);
		free(p[i].cps_uri);
	}
	free(p);
}

/* "OID" | "anyPolicy" | "OID;CPS:URI" into *pi. */
static int
parse_one_policy(const char *key, char *tok, struct hsmca_policy_info *pi,
    struct hsmca_error *err)
{
	char *semi = strchr(tok, ';');
	const char *oid = tok;

	if (semi != NULL) {
		*semi = '\0';
		if (strncmp(semi + 1, "CPS:", 4) != 0) {
			*semi = ';';
			return hsmca_error_set(err, HSMCA_E_PARSE,
			    "%s: '%s': only OID;CPS:URI is supported", key,
			    tok);
		}
		if (!profile_is_uri(semi + 5)) {
			hsmca_error_set(err, HSMCA_E_PARSE,
			    "%s: bad CPS URI '%s'", key, semi + 5);
			*semi = ';';
			return HSMCA_E_PARSE;
		}
	}
	if (strcmp(tok, "anyPolicy") == 0)
		oid = "2.5.29.32.0";
	else if (!profile_is_oid(tok))
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: '%s' is not a policy OID", key, tok);
	pi->oid = strdup(oid);
	pi->cps_uri = semi != NULL ? strdup(semi + 5) : NULL;
	if (pi->oid == NULL || (semi != NULL && pi->cps_uri == NULL))
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	return 0;
}

static int
parse_policies(const char *key, struct tokens *t,
    struct hsmca_extensions *ext, struct hsmca_error *err)
{
	struct hsmca_policy_info *p;
	size_t i, j;
	int r = 0;

	p = calloc(t->n, sizeof(*p));
	if (p == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	for (i = 0; i < t->n && r == 0; i++) {
		r = parse_one_policy(key, t->tok[i], &p[i], err);
		for (j = 0; j < i && r == 0; j++)
			if (strcmp(p[j].oid, p[i].oid) == 0)
				r = repeated(key, p[i].oid, err);
	}
	if (r != 0) {
		free_policies(p, t->n);
		return r;
	}
	ext->policies.present = true;
	ext->policies.critical = t->critical;
	ext->policies.items = p;
	ext->policies.n = t->n;
	return 0;
}

static int
parse_ns_cert_type(const char *key, struct tokens *t,
    struct hsmca_extensions *ext, struct hsmca_error *err)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {
		{ "client", 0x80 }, { "server", 0x40 }, { "email", 0x20 },
		{ "objsign", 0x10 }, { "sslCA", 0x04 }, { "emailCA", 0x02 },
		{ "objCA", 0x01 },
	};
	unsigned bits = 0, bit;
	size_t i, j;

	for (i = 0; i < t->n; i++) {
		bit = 0;
		for (j = 0; j < sizeof(names) / sizeof(names[0]); j++)
			if (strcmp(t->tok[i], names[j].name) == 0)
				bit = names[j].bit;
		if (bit == 0)
			return unknown(key, t->tok[i], err);
		if (bits & bit)
			return repeated(key, t->tok[i], err);
		bits |= bit;
	}
	ext->ns_cert_type.present = true;
	ext->ns_cert_type.bits = bits;
	return 0;
}

static int
parse_ns_comment(const char *key, const char *value,
    struct hsmca_extensions *ext, struct hsmca_error *err)
{
	char *copy;

	if (ext->ns_comment != NULL)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "duplicate extension '%s'", key);
	if (*value == '\0')
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: no value given", key);
	/* OpenSSL would read "critical, text" as a critical extension */
	if (strncmp(value, "critical", 8) == 0 &&
	    (value[8] == ',' || value[8] == ' ' || value[8] == '\0'))
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: 'critical' is not allowed on this extension", key);
	copy = strdup(value);
	if (copy == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	ext->ns_comment = copy;
	return 0;
}

typedef int (*ext_fn)(const char *, struct tokens *, struct hsmca_extensions *,
    struct hsmca_error *);

static const struct {
	const char *name;
	ext_fn parse;
	bool allow_critical;
	size_t present_off;       /* offsetof the "present" bool, or SIZE_MAX */
} ext_table[] = {
	{ "basicConstraints", parse_basic_constraints, true,
	    offsetof(struct hsmca_extensions, basic_constraints.present) },
	{ "keyUsage", parse_key_usage, true,
	    offsetof(struct hsmca_extensions, key_usage.present) },
	{ "extendedKeyUsage", parse_ext_key_usage, true,
	    offsetof(struct hsmca_extensions, ext_key_usage.present) },
	{ "subjectKeyIdentifier", parse_ski, false, SIZE_MAX },
	{ "authorityKeyIdentifier", parse_aki, false,
	    offsetof(struct hsmca_extensions, aki.present) },
	{ "subjectAltName", parse_san, true,
	    offsetof(struct hsmca_extensions, san.present) },
	{ "nameConstraints", parse_name_constraints, true,
	    offsetof(struct hsmca_extensions, name_constraints.present) },
	{ "crlDistributionPoints", parse_crl_dp, false,
	    offsetof(struct hsmca_extensions, crl_dp.present) },
	{ "authorityInfoAccess", parse_aia, false,
	    offsetof(struct hsmca_extensions, aia.present) },
	{ "certificatePolicies", parse_policies, true,
	    offsetof(struct hsmca_extensions, policies.present) },
	{ "nsCertType", parse_ns_cert_type, false,
	    offsetof(struct hsmca_extensions, ns_cert_type.present) },
};

int
profile_parse_extension(const char *key, const char *value,
    struct hsmca_extensions *ext, struct hsmca_error *err)
{
	struct tokens t;
	size_t i;
	int r;

	if (strcmp(key, "nsComment") == 0)
		return parse_ns_comment(key, value, ext, err);
	for (i = 0; i < sizeof(ext_table) / sizeof(ext_table[0]); i++)
		if (strcmp(key, ext_table[i].name) == 0)
			break;
	if (i == sizeof(ext_table) / sizeof(ext_table[0]))
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "unknown extension '%s'", key);
	if (ext_table[i].present_off != SIZE_MAX &&
	    *(const bool *)((const char *)ext + ext_table[i].present_off))
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "duplicate extension '%s'", key);
	r = split(key, value, ext_table[i].allow_critical, &t, err);
	if (r == 0)
		r = ext_table[i].parse(key, &t, ext, err);
	free(t.buf);
	return r;
}
