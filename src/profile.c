/* see hsmca/profile.h — the [profile] and [policy] schema, the section
 * walk over the INI lexer's tokens, and the lookup of profile files.
 *
 * Every key of every section is in a table below; anything else is an error
 * naming file:line, so a typo can never silently drop a constraint.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsmca/ini.h"
#include "hsmca/profile.h"
#include "profile-int.h"

#define PROFILE_MAX INI_INPUT_MAX

/* ---- [profile] ------------------------------------------------------ */

/* Scalar setters return 0, 1 for a bad value, or HSMCA_E_NOMEM. */

static int
parse_yesno(const char *v, bool *out)
{
	if (strcmp(v, "yes") == 0)
		*out = true;
	else if (strcmp(v, "no") == 0)
		*out = false;
	else
		return 1;
	return 0;
}

static int
set_description(struct hsmca_profile *p, const char *v)
{
	p->description = strdup(v);
	return p->description != NULL ? 0 : HSMCA_E_NOMEM;
}

static int
set_days(struct hsmca_profile *p, const char *v)
{
	unsigned long n;

	if (profile_parse_ulong(v, 1, 36500, &n) != 0)
		return 1;
	p->days = (unsigned)n;
	return 0;
}

static int
set_hash(struct hsmca_profile *p, const char *v)
{
	if (strcmp(v, "sha256") != 0 && strcmp(v, "sha384") != 0 &&
	    strcmp(v, "sha512") != 0)
		return 1;
	p->hash = strdup(v);
	return p->hash != NULL ? 0 : HSMCA_E_NOMEM;
}

static int
set_rsa_pss(struct hsmca_profile *p, const char *v)
{
	p->rsa_pss_given = true;
	return parse_yesno(v, &p->rsa_pss);
}

static int
set_san_from_csr(struct hsmca_profile *p, const char *v)
{
	return parse_yesno(v, &p->san_from_csr);
}

static int
set_san_required(struct hsmca_profile *p, const char *v)
{
	return parse_yesno(v, &p->san_required);
}

static int
set_allow_netscape(struct hsmca_profile *p, const char *v)
{
	return parse_yesno(v, &p->allow_netscape);
}

static int
set_rsa_key_encipherment(struct hsmca_profile *p, const char *v)
{
	return parse_yesno(v, &p->rsa_key_encipherment);
}

/* One item of a comma list; returns 1 for a repeat, -1 for unknown. */
static int
set_key_type(struct hsmca_profile *p, const char *item)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {
		{ "ec:secp256r1", HSMCA_KT_EC_P256 },
		{ "ec:secp384r1", HSMCA_KT_EC_P384 },
		{ "ec:secp521r1", HSMCA_KT_EC_P521 },
		{ "ed25519", HSMCA_KT_ED25519 },
	};
	unsigned long bits;
	size_t i;

	if (strncmp(item, "rsa:", 4) == 0) {
		if (profile_parse_ulong(item + 4, 2048, 16384, &bits) != 0)
			return -1;
		if (p->key_types & HSMCA_KT_RSA)
			return 1;
		p->key_types |= HSMCA_KT_RSA;
		p->rsa_min_bits = (unsigned)bits;
		return 0;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(item, names[i].name) != 0)
			continue;
		if (p->key_types & names[i].bit)
			return 1;
		p->key_types |= names[i].bit;
		return 0;
	}
	return -1;
}

static int
set_san_type(struct hsmca_profile *p, const char *item)
{
	static const char *const names[] = { "dns", "ip", "email", "uri" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcmp(item, names[i]) != 0)
			continue;
		if (p->san_types & (1u << i))
			return 1;
		p->san_types |= 1u << i;
		return 0;
	}
	return -1;
}

typedef int (*item_fn)(struct hsmca_profile *, const char *);

/* Apply fn to each comma-separated item of e->value. */
static int
set_list(struct hsmca_profile *p, const char *file,
    const struct hsmca_ini_entry *e, item_fn fn, struct hsmca_error *err)
{
	const char *s = e->value, *end;
	char item[128];
	size_t len;
	int r;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		end = strchr(s, ',');
		len = end != NULL ? (size_t)(end - s) : strlen(s);
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len == 0 || len >= sizeof(item))
			return hsmca_error_set(err, HSMCA_E_PARSE,
			    "%s:%u: %s: empty or overlong item in '%s'",
			    file, e->line, e->key, e->value);
		memcpy(item, s, len);
		item[len] = '\0';
		r = fn(p, item);
		if (r != 0)
			return hsmca_error_set(err, HSMCA_E_PARSE,
			    "%s:%u: %s: %s '%s'", file, e->line, e->key,
			    r > 0 ? "repeated" : "unknown value", item);
		if (end == NULL)
			return 0;
		s = end + 1;
	}
}

static const struct {
	const char *key;
	item_fn set;               /* scalar setter, or the list item setter */
	bool list;
	const char *expect;        /* for messages */
} profile_keys[] = {
	{ "description", set_description, false, "text" },
	{ "days", set_days, false, "a number of days, 1..36500" },
	{ "hash", set_hash, false, "sha256, sha384 or sha512" },
	{ "rsa_pss", set_rsa_pss, false, "yes or no" },
	{ "key_types", set_key_type, true, NULL },
	{ "san_from_csr", set_san_from_csr, false, "yes or no" },
	{ "san_required", set_san_required, false, "yes or no" },
	{ "san_types", set_san_type, true, NULL },
	{ "allow_netscape", set_allow_netscape, false, "yes or no" },
	{ "rsa_key_encipherment", set_rsa_key_encipherment, false,
	    "yes or no" },
};

static int
parse_profile_key(struct hsmca_profile *p, const char *file,
    const struct hsmca_ini_entry *e, struct hsmca_error *err)
{
	size_t i;
	int r;

	for (i = 0; i < sizeof(profile_keys) / sizeof(profile_keys[0]); i++)
		if (strcmp(e->key, profile_keys[i].key) == 0)
			break;
	if (i == sizeof(profile_keys) / sizeof(profile_keys[0]))
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%u: unknown key '%s' in [profile]", file, e->line,
		    e->key);
	if (profile_keys[i].list)
		return set_list(p, file, e, profile_keys[i].set, err);
	r = profile_keys[i].set(p, e->value);
	if (r == HSMCA_E_NOMEM)
		return hsmca_error_set(err, r, "%s:%u: out of memory", file,
		    e->line);
	if (r != 0)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%u: %s: bad value '%s' (expected %s)", file, e->line,
		    e->key, e->value, profile_keys[i].expect);
	return 0;
}

/* ---- [policy] ------------------------------------------------------- */

static const struct {
	const char *name;
	const char *oid;
} dn_attrs[] = {
	{ "countryName", "2.5.4.6" },
	{ "stateOrProvinceName", "2.5.4.8" },
	{ "localityName", "2.5.4.7" },
	{ "organizationName", "2.5.4.10" },
	{ "organizationalUnitName", "2.5.4.11" },
	{ "commonName", "2.5.4.3" },
	{ "emailAddress", "1.2.840.113549.1.9.1" },
	{ "serialNumber", "2.5.4.5" },
	{ "domainComponent", "0.9.2342.19200300.100.1.25" },
	{ "userId", "0.9.2342.19200300.100.1.1" },
	{ "streetAddress", "2.5.4.9" },
	{ "postalCode", "2.5.4.17" },
	{ "title", "2.5.4.12" },
	{ "surname", "2.5.4.4" },
	{ "givenName", "2.5.4.42" },
	{ "initials", "2.5.4.43" },
	{ "generationQualifier", "2.5.4.44" },
	{ "dnQualifier", "2.5.4.46" },
	{ "pseudonym", "2.5.4.65" },
	{ "name", "2.5.4.41" },
	{ "description", "2.5.4.13" },
	{ "businessCategory", "2.5.4.15" },
	{ "organizationIdentifier", "2.5.4.97" },
	{ "jurisdictionLocalityName", "1.3.6.1.4.1.311.60.2.1.1" },
	{ "jurisdictionStateOrProvinceName", "1.3.6.1.4.1.311.60.2.1.2" },
	{ "jurisdictionCountryName", "1.3.6.1.4.1.311.60.2.1.3" },
};

static const char *
dn_attr_oid(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(dn_attrs) / sizeof(dn_attrs[0]); i++)
		if (strcmp(name, dn_attrs[i].name) == 0)
			return dn_attrs[i].oid;
	return profile_is_oid(name) ? name : NULL;
}

static int
parse_policy_key(struct hsmca_profile *p, const char *file,
    const struct hsmca_ini_entry *e, struct hsmca_error *err)
{
	struct hsmca_policy_rule *grown, *rule;
	enum hsmca_policy_kind kind;
	const char *oid = dn_attr_oid(e->key);
	size_t i;

	if (oid == NULL)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%u: unknown DN attribute '%s' in [policy]", file,
		    e->line, e->key);
	for (i = 0; i < p->n_policy; i++)
		if (strcmp(p->policy[i].oid, oid) == 0)
			return hsmca_error_set(err, HSMCA_E_PARSE,
			    "%s:%u: '%s' repeats the rule for %s", file,
			    e->line, e->key, p->policy[i].name);
	if (strcmp(e->value, "match") == 0)
		kind = HSMCA_POLICY_MATCH;
	else if (strcmp(e->value, "supplied") == 0)
		kind = HSMCA_POLICY_SUPPLIED;
	else if (strcmp(e->value, "optional") == 0)
		kind = HSMCA_POLICY_OPTIONAL;
	else
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%u: %s: bad value '%s' (expected match, supplied or "
		    "optional)", file, e->line, e->key, e->value);
	grown = realloc(p->policy, (p->n_policy + 1) * sizeof(*grown));
	if (grown == NULL)
		goto nomem;
	p->policy = grown;
	rule = &p->policy[p->n_policy];
	rule->name = strdup(e->key);
	rule->oid = strdup(oid);
	rule->kind = kind;
	if (rule->name == NULL || rule->oid == NULL) {
		free(rule->name);
		free(rule->oid);
		goto nomem;
	}
	p->n_policy++;
	return 0;
nomem:
	return hsmca_error_set(err, HSMCA_E_NOMEM, "%s:%u: out of memory",
	    file, e->line);
}

/* ---- the walk over the lexer's tokens -------------------------------- */

static int
parse_entry(struct hsmca_profile *p, const char *file,
    const struct hsmca_ini_entry *e, struct hsmca_error *err)
{
	int r;

	if (e->key == NULL) {
		if (strcmp(e->section, "profile") == 0 ||
		    strcmp(e->section, "extensions") == 0)
			return 0;
		if (strcmp(e->section, "policy") == 0) {
			p->has_policy = true;
			return 0;
		}
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%u: unknown section [%s] (expected [profile], "
		    "[policy] or [extensions])", file, e->line, e->section);
	}
	if (e->value[0] == '\0')
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%u: empty value for '%s'", file, e->line, e->key);
	if (strcmp(e->section, "profile") == 0)
		return parse_profile_key(p, file, e, err);
	if (strcmp(e->section, "policy") == 0)
		return parse_policy_key(p, file, e, err);
	r = profile_parse_extension(e->key, e->value, &p->ext, err);
	if (r != 0)
		return hsmca_error_prefix(err, "%s:%u", file, e->line);
	return 0;
}

static int
check_profile(const struct hsmca_profile *p, const struct hsmca_ini *ini,
    const char *file, struct hsmca_error *err)
{
	const struct hsmca_ini_entry *e;

	if (ini_find_section(ini, "profile") == NULL)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:1: missing [profile] section", file);
	if (ini_find_section(ini, "extensions") == NULL)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:1: missing [extensions] section", file);
	e = ini_find_section(ini, "policy");
	if (e != NULL && p->n_policy == 0)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%u: [policy] has no rules: it would drop the whole "
		    "subject (remove the section to keep it as requested)",
		    file, e->line);
	e = ini_find(ini, "profile", "rsa_key_encipherment");
	if (e != NULL && p->rsa_key_encipherment && p->key_types != 0 &&
	    !(p->key_types & HSMCA_KT_RSA))
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%u: rsa_key_encipherment = yes but key_types allows "
		    "no RSA key", file, e->line);
	if (e != NULL && p->rsa_key_encipherment && !p->ext.key_usage.present)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%u: rsa_key_encipherment = yes needs a keyUsage "
		    "extension", file, e->line);
	return 0;
}

int
profile_parse(const char *name, const char *buf, size_t len,
    struct hsmca_profile **out, struct hsmca_error *err)
{
	struct hsmca_ini ini;
	struct hsmca_profile *p;
	size_t i;
	int r;

	if ((r = ini_parse(name, buf, len, &ini, err)) != 0)
		return r;
	p = calloc(1, sizeof(*p));
	if (p == NULL || (p->path = strdup(name)) == NULL) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "%s: out of memory",
		    name);
		goto out;
	}
	p->rsa_min_bits = 2048;
	p->ext.basic_constraints.pathlen = -1;
	for (i = 0; i < ini.n; i++)
		if ((r = parse_entry(p, name, &ini.entries[i], err)) != 0)
			goto out;
	if ((r = check_profile(p, &ini, name, err)) != 0)
		goto out;
	*out = p;
	p = NULL;
out:
	profile_free(p);
	ini_clear(&ini);
	return r;
}

/* ---- lookup and bounded read ----------------------------------------- */

/* Read path into a malloc'ed buffer of at most PROFILE_MAX bytes.  Returns
 * 0, 1 when the file does not exist, or a negative HSMCA_E_*. */
static int
read_bounded(const char *path, char **buf, size_t *len,
    struct hsmca_error *err)
{
	struct stat st;
	char *b = NULL;
	size_t n = 0;
	ssize_t got;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return 1;
	if (fd < 0)
		return hsmca_error_set(err, HSMCA_E_IO, "%s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = hsmca_error_set(err, HSMCA_E_IO, "%s: not a regular file",
		    path);
		goto out;
	}
	b = malloc(PROFILE_MAX + 1);
	if (b == NULL) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		goto out;
	}
	while (n <= PROFILE_MAX) {
		got = read(fd, b + n, PROFILE_MAX + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = hsmca_error_set(err, HSMCA_E_IO, "%s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (n > PROFILE_MAX) {
		r = hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: file larger than %d bytes", path, PROFILE_MAX);
		goto out;
	}
	*buf = b;
	*len = n;
	b = NULL;
	r = 0;
out:
	free(b);
	close(fd);
	return r;
}

static int
load_path(const char *path, struct hsmca_profile **out,
    struct hsmca_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	r = read_bounded(path, &buf, &len, err);
	if (r == 1)
		return hsmca_error_set(err, HSMCA_E_NOTFOUND,
		    "profile %s: no such file", path);
	if (r == 0)
		r = profile_parse(path, buf, len, out, err);
	free(buf);
	return r;
}

/* Try dir/NAME.profile; appends dir to looked.  Returns 1 when absent. */
static int
try_dir(const char *dir, size_t dlen, const char *name, char *looked,
    size_t looked_size, struct hsmca_profile **out, struct hsmca_error *err)
{
	char *path = NULL, *buf = NULL;
	size_t len = 0, used = strlen(looked);
	int r;

	if (dlen == 0)
		return 1;
	if (asprintf(&path, "%.*s/%s.profile", (int)dlen, dir, name) < 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	snprintf(looked + used, looked_size - used, "%s%s",
	    used > 0 ? ", " : "", path);
	r = read_bounded(path, &buf, &len, err);
	if (r == 0)
		r = profile_parse(path, buf, len, out, err);
	free(buf);
	free(path);
	return r;
}

static bool
is_plain_name(const char *s)
{
	const char *p;

	if (*s == '\0' || *s == '.')
		return false;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.'))
			return false;
	return true;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int
search_dirs(const char *spec, const char *ca_dir,
    struct hsmca_profile **out, struct hsmca_error *err)
{
	char looked[HSMCA_ERROR_MSG_MAX / 2] = "";
	char *cadir_profiles = NULL;
	const char *path_env = getenv("HSMCA_PROFILE_PATH"), *p, *colon;
	int r = 1;

	if (ca_dir != NULL) {
		if (asprintf(&cadir_profiles, "%s/profiles", ca_dir) < 0)
			return hsmca_error_set(err, HSMCA_E_NOMEM,
			    "out of memory");
		r = try_dir(cadir_profiles, strlen(cadir_profiles), spec,
		    looked, sizeof(looked), out, err);
		free(cadir_profiles);
	}
	if (r == 1 && path_env != NULL) {
		for (p = path_env; r == 1; p = colon + 1) {
			colon = strchr(p, ':');
			r = try_dir(p, colon != NULL ? (size_t)(colon - p) :
			    strlen(p), spec, looked, sizeof(looked), out, err);
			if (colon == NULL)
				break;
		}
	} else if (r == 1) {
		r = try_dir(HSMCA_PROFILE_DIR_ETC,
		    strlen(HSMCA_PROFILE_DIR_ETC), spec, looked,
		    sizeof(looked), out, err);
		if (r == 1)
			r = try_dir(HSMCA_PROFILE_DIR_SYS,
			    strlen(HSMCA_PROFILE_DIR_SYS), spec, looked,
			    sizeof(looked), out, err);
	}
	if (r == 1)
		return hsmca_error_set(err, HSMCA_E_NOTFOUND,
		    "profile '%s' not found (looked in %s)", spec,
		    looked[0] != '\0' ? looked : "no directory");
	return r;
}

int
profile_load(const char *spec, const char *ca_dir,
    struct hsmca_profile **out, struct hsmca_error *err)
{
	/* A bare name is never taken from the current directory, even if
	 * such a file exists there: a stray file must not shadow the CA's
	 * profile.  "x.profile" is always a path (there is no x.profile.profile
	 * to look up). */
	if (strchr(spec, '/') != NULL || ends_with(spec, ".profile"))
		return load_path(spec, out, err);
	if (!is_plain_name(spec))
		return hsmca_error_set(err, HSMCA_E_NOTFOUND,
		    "profile '%s': not a file, and not a profile name "
		    "(letters, digits, '-', '_', '.')", spec);
	return search_dirs(spec, ca_dir, out, err);
}

/* ---- freeing --------------------------------------------------------- */

void
profile_extensions_clear(struct hsmca_extensions *ext)
{
	size_t i;

	if (ext == NULL)
		return;
	for (i = 0; i < ext->ext_key_usage.n; i++)
		free(ext->ext_key_usage.oids[i]);
	free(ext->ext_key_usage.oids);
	profile_gn_list_clear(&ext->san.names);
	profile_gn_list_clear(&ext->name_constraints.permitted);
	profile_gn_list_clear(&ext->name_constraints.excluded);
	profile_gn_list_clear(&ext->crl_dp.uris);
	profile_gn_list_clear(&ext->aia.ocsp);
	profile_gn_list_clear(&ext->aia.ca_issuers);
	for (i = 0; i < ext->policies.n; i++) {
		free(ext->policies.items[i].oid);
		free(ext->policies.items[i].cps_uri);
	}
	free(ext->policies.items);
	free(ext->ns_comment);
	memset(ext, 0, sizeof(*ext));
	ext->basic_constraints.pathlen = -1;
}

void
profile_free(struct hsmca_profile *p)
{
	size_t i;

	if (p == NULL)
		return;
	free(p->path);
	free(p->description);
	free(p->hash);
	for (i = 0; i < p->n_policy; i++) {
		free(p->policy[i].name);
		free(p->policy[i].oid);
	}
	free(p->policy);
	profile_extensions_clear(&p->ext);
	free(p);
}
