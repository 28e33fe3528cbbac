/* Unit tests for profiles (src/profile.c): the shipped profiles and the
 * good fixtures parse to exactly the expected data, every malformed case
 * is refused with HSMCA_E_PARSE naming "file:line" and the bad token, and
 * profile_load() looks in the documented places in the documented order. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsmca/profile.h"
#include "helpers.h"

static void
assert_has(const char *msg, const char *needle)
{
	ck_assert_msg(strstr(msg, needle) != NULL, "'%s' not in '%s'", needle,
	    msg);
}

static char *
src_path(const char *rel)
{
	const char *src = getenv("HSMCA_SRCDIR");
	char *path;

	ck_assert_msg(src != NULL, "HSMCA_SRCDIR is not set");
	ck_assert(asprintf(&path, "%s/%s", src, rel) > 0);
	return path;
}

/* Load a shipped profile by name from the source tree's profiles/. */
static struct hsmca_profile *
shipped(const char *name)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile *p = NULL;
	char *dir = src_path("profiles");

	ck_assert_int_eq(setenv("HSMCA_PROFILE_PATH", dir, 1), 0);
	free(dir);
	ck_assert_msg(profile_load(name, NULL, &p, &err) == 0, "%s: %s", name,
	    err.msg);
	return p;
}

static struct hsmca_profile *
fixture(const char *rel)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile *p = NULL;
	char *path = src_path(rel);

	ck_assert_msg(profile_load(path, NULL, &p, &err) == 0, "%s: %s", rel,
	    err.msg);
	ck_assert_str_eq(p->path, path);
	free(path);
	return p;
}

static void
assert_policy(const struct hsmca_profile *p, size_t i, const char *name,
    const char *oid, enum hsmca_policy_kind kind)
{
	ck_assert_uint_gt(p->n_policy, i);
	ck_assert_str_eq(p->policy[i].name, name);
	ck_assert_str_eq(p->policy[i].oid, oid);
	ck_assert_int_eq(p->policy[i].kind, kind);
}

/* ---- shipped profiles ---- */

START_TEST(test_shipped_root_ca)
{
	struct hsmca_profile *p = shipped("root-ca");

	ck_assert_uint_eq(p->days, 3650);
	ck_assert_ptr_null(p->hash);    /* the CA key decides */
	ck_assert_uint_eq(p->key_types, HSMCA_KT_EC_P256 | HSMCA_KT_EC_P384 |
	    HSMCA_KT_EC_P521 | HSMCA_KT_RSA);
	ck_assert_uint_eq(p->rsa_min_bits, 3072);
	ck_assert(p->ext.basic_constraints.present);
	ck_assert(p->ext.basic_constraints.critical);
	ck_assert(p->ext.basic_constraints.ca);
	ck_assert_int_eq(p->ext.basic_constraints.pathlen, -1);
	ck_assert(p->ext.key_usage.critical);
	ck_assert_uint_eq(p->ext.key_usage.bits, HSMCA_KU_KEY_CERT_SIGN |
	    HSMCA_KU_CRL_SIGN | HSMCA_KU_DIGITAL_SIGNATURE);
	ck_assert(p->ext.ski);
	ck_assert(!p->ext.aki.present);
	ck_assert(!p->ext.ext_key_usage.present);
	ck_assert(p->has_policy);
	assert_policy(p, 5, "commonName", "2.5.4.3", HSMCA_POLICY_SUPPLIED);
	profile_free(p);
}
END_TEST

START_TEST(test_shipped_intermediate_ca)
{
	struct hsmca_profile *p = shipped("intermediate-ca");

	ck_assert_uint_eq(p->days, 1825);
	ck_assert_ptr_null(p->hash);
	ck_assert(p->ext.basic_constraints.critical);
	ck_assert(p->ext.basic_constraints.ca);
	ck_assert_int_eq(p->ext.basic_constraints.pathlen, 0);
	ck_assert_uint_eq(p->ext.key_usage.bits, HSMCA_KU_KEY_CERT_SIGN |
	    HSMCA_KU_CRL_SIGN | HSMCA_KU_DIGITAL_SIGNATURE);
	ck_assert(p->ext.ski);
	ck_assert(p->ext.aki.present && p->ext.aki.keyid && p->ext.aki.always);
	ck_assert_uint_eq(p->n_policy, 6);
	assert_policy(p, 0, "countryName", "2.5.4.6", HSMCA_POLICY_OPTIONAL);
	assert_policy(p, 3, "organizationName", "2.5.4.10",
	    HSMCA_POLICY_OPTIONAL);
	assert_policy(p, 5, "commonName", "2.5.4.3", HSMCA_POLICY_SUPPLIED);
	profile_free(p);
}
END_TEST

START_TEST(test_shipped_server)
{
	struct hsmca_profile *p = shipped("server");

	ck_assert_uint_eq(p->days, 375);
	ck_assert_uint_eq(p->key_types, HSMCA_KT_EC_P256 | HSMCA_KT_EC_P384 |
	    HSMCA_KT_EC_P521 | HSMCA_KT_RSA);
	ck_assert_uint_eq(p->rsa_min_bits, 2048);
	ck_assert(p->san_from_csr && p->san_required);
	ck_assert_uint_eq(p->san_types, HSMCA_SAN_DNS | HSMCA_SAN_IP |
	    HSMCA_SAN_EMAIL | HSMCA_SAN_URI);
	ck_assert(p->rsa_key_encipherment);
	ck_assert(!p->allow_netscape);
	ck_assert(p->ext.basic_constraints.present);
	ck_assert(!p->ext.basic_constraints.ca);
	ck_assert(p->ext.key_usage.critical);
	ck_assert_uint_eq(p->ext.key_usage.bits, HSMCA_KU_DIGITAL_SIGNATURE);
	ck_assert_uint_eq(p->ext.ext_key_usage.n, 1);
	ck_assert_str_eq(p->ext.ext_key_usage.oids[0], "1.3.6.1.5.5.7.3.1");
	ck_assert(p->ext.ski);
	ck_assert(p->ext.aki.present && !p->ext.aki.always);
	ck_assert(!p->ext.san.present);
	profile_free(p);
}
END_TEST

START_TEST(test_shipped_client)
{
	struct hsmca_profile *p = shipped("client");

	ck_assert(p->san_from_csr && !p->san_required);
	ck_assert_uint_eq(p->san_types, HSMCA_SAN_DNS | HSMCA_SAN_IP |
	    HSMCA_SAN_EMAIL | HSMCA_SAN_URI);
	ck_assert_uint_eq(p->ext.key_usage.bits, HSMCA_KU_DIGITAL_SIGNATURE);
	ck_assert_uint_eq(p->ext.ext_key_usage.n, 1);
	ck_assert_str_eq(p->ext.ext_key_usage.oids[0], "1.3.6.1.5.5.7.3.2");
	assert_policy(p, 6, "emailAddress", "1.2.840.113549.1.9.1",
	    HSMCA_POLICY_OPTIONAL);
	profile_free(p);
}
END_TEST

START_TEST(test_shipped_ocsp_signer)
{
	struct hsmca_profile *p = shipped("ocsp-signer");

	ck_assert_uint_le(p->days, 375);
	ck_assert(!p->san_from_csr);
	ck_assert(!p->ext.basic_constraints.ca);
	ck_assert_uint_eq(p->ext.key_usage.bits, HSMCA_KU_DIGITAL_SIGNATURE);
	ck_assert_uint_eq(p->ext.ext_key_usage.n, 1);
	ck_assert_str_eq(p->ext.ext_key_usage.oids[0], "1.3.6.1.5.5.7.3.9");
	profile_free(p);
}
END_TEST

/* ---- good fixtures ---- */

START_TEST(test_isrg_root_x2_shape)
{
	struct hsmca_profile *p =
	    fixture("tests/fixtures/profiles/good/isrg-root-x2.profile");
	struct hsmca_extensions *x = &p->ext;

	ck_assert_str_eq(p->description, "ISRG Root X2 look-alike");
	ck_assert_uint_eq(p->days, 7318);
	ck_assert_str_eq(p->hash, "sha384");
	ck_assert_uint_eq(p->key_types, HSMCA_KT_EC_P384);
	ck_assert(x->key_usage.present && x->key_usage.critical);
	ck_assert_uint_eq(x->key_usage.bits,
	    HSMCA_KU_KEY_CERT_SIGN | HSMCA_KU_CRL_SIGN);
	ck_assert(x->basic_constraints.present);
	ck_assert(x->basic_constraints.critical && x->basic_constraints.ca);
	ck_assert_int_eq(x->basic_constraints.pathlen, -1);
	ck_assert(x->ski);
	ck_assert(!x->aki.present);
	ck_assert(!x->ext_key_usage.present && !x->san.present &&
	    !x->crl_dp.present && !x->aia.present && !x->policies.present &&
	    !x->name_constraints.present && !x->ns_cert_type.present);
	ck_assert_ptr_null(x->ns_comment);
	ck_assert_uint_eq(p->n_policy, 3);
	assert_policy(p, 0, "countryName", "2.5.4.6", HSMCA_POLICY_SUPPLIED);
	profile_free(p);
}
END_TEST

START_TEST(test_webpki_intermediate)
{
	struct hsmca_profile *p =
	    fixture("tests/fixtures/profiles/good/webpki-intermediate.profile");
	struct hsmca_extensions *x = &p->ext;

	ck_assert_int_eq(x->basic_constraints.pathlen, 0);
	ck_assert_uint_eq(x->ext_key_usage.n, 2);
	ck_assert(x->aki.present && !x->aki.always);
	ck_assert(x->aia.present);
	ck_assert_uint_eq(x->aia.ocsp.n, 0);
	ck_assert_uint_eq(x->aia.ca_issuers.n, 1);
	ck_assert_str_eq(x->aia.ca_issuers.items[0].value,
	    "http://x2.i.lencr.org/");
	ck_assert_uint_eq(x->policies.n, 1);
	ck_assert_str_eq(x->policies.items[0].oid, "2.23.140.1.2.1");
	ck_assert_uint_eq(x->crl_dp.uris.n, 1);
	ck_assert_str_eq(x->crl_dp.uris.items[0].value,
	    "http://x2.c.lencr.org/");
	profile_free(p);
}
END_TEST

START_TEST(test_webpki_leaf)
{
	struct hsmca_profile *p =
	    fixture("tests/fixtures/profiles/good/webpki-leaf.profile");
	struct hsmca_extensions *x = &p->ext;

	ck_assert_uint_eq(p->days, 90);
	ck_assert(!p->has_policy);
	ck_assert_uint_eq(p->san_types, HSMCA_SAN_DNS);
	ck_assert(!x->basic_constraints.ca && x->basic_constraints.critical);
	ck_assert_uint_eq(x->aia.ocsp.n, 1);
	ck_assert_str_eq(x->aia.ocsp.items[0].value, "http://e5.o.lencr.org");
	ck_assert_int_eq(x->aia.ocsp.items[0].type, HSMCA_GN_URI);
	ck_assert_str_eq(x->aia.ca_issuers.items[0].value,
	    "http://e5.i.lencr.org/");
	ck_assert_str_eq(x->crl_dp.uris.items[0].value,
	    "http://e5.c.lencr.org/1.crl");
	profile_free(p);
}
END_TEST

START_TEST(test_everything)
{
	struct hsmca_profile *p =
	    fixture("tests/fixtures/profiles/good/everything.profile");
	struct hsmca_extensions *x = &p->ext;

	ck_assert_uint_eq(p->days, 36500);
	ck_assert_str_eq(p->hash, "sha512");
	ck_assert_uint_eq(p->key_types, HSMCA_KT_EC_P256 | HSMCA_KT_EC_P384 |
	    HSMCA_KT_EC_P521 | HSMCA_KT_RSA | HSMCA_KT_ED25519);
	ck_assert_uint_eq(p->rsa_min_bits, 4096);
	ck_assert(p->rsa_pss_given && p->rsa_pss);
	ck_assert(p->san_from_csr && !p->san_required && p->allow_netscape);
	ck_assert_uint_eq(p->san_types, 0xf);
	ck_assert_uint_eq(p->n_policy, 10);
	assert_policy(p, 0, "countryName", "2.5.4.6", HSMCA_POLICY_MATCH);
	assert_policy(p, 8, "domainComponent", "0.9.2342.19200300.100.1.25",
	    HSMCA_POLICY_OPTIONAL);
	assert_policy(p, 9, "2.5.4.97", "2.5.4.97", HSMCA_POLICY_OPTIONAL);
	ck_assert_int_eq(x->basic_constraints.pathlen, 3);
	ck_assert_uint_eq(x->key_usage.bits, 0x1ff);
	ck_assert(x->ext_key_usage.critical);
	ck_assert_uint_eq(x->ext_key_usage.n, 9);
	ck_assert_str_eq(x->ext_key_usage.oids[8], "1.3.6.1.4.1.99999.1");
	ck_assert(x->aki.keyid && x->aki.always);
	ck_assert_uint_eq(x->san.names.n, 5);
	ck_assert(x->name_constraints.critical);
	ck_assert_uint_eq(x->name_constraints.permitted.n, 4);
	ck_assert_uint_eq(x->name_constraints.excluded.n, 2);
	ck_assert_str_eq(x->name_constraints.excluded.items[1].value,
	    "2001:db8::/ffff:ffff::");
	ck_assert_uint_eq(x->crl_dp.uris.n, 2);
	ck_assert_uint_eq(x->policies.n, 2);
	ck_assert_str_eq(x->policies.items[0].oid, "2.5.29.32.0");
	ck_assert_str_eq(x->policies.items[1].cps_uri,
	    "https://example.com/cps");
	ck_assert_uint_eq(x->ns_cert_type.bits, 0xf7);
	ck_assert_str_eq(x->ns_comment, "Made by hsmca, with a comma");
	profile_free(p);
}
END_TEST

/* ---- malformed profiles: one test each ---- */

static void
bad_profile(const char *text, const char *where, const char *token)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile *p = NULL;

	ck_assert_int_eq(profile_parse("t.profile", text, strlen(text), &p,
	    &err), HSMCA_E_PARSE);
	ck_assert_ptr_null(p);
	assert_has(err.msg, where);
	assert_has(err.msg, token);
}

#define HEAD "[profile]\ndays = 30\n[extensions]\n"   /* 3 lines */

#define BAD(name, text, where, token) \
	START_TEST(name) { bad_profile((text), (where), (token)); } END_TEST

BAD(unknown_section, HEAD "[profiles]\n", "t.profile:4:", "[profiles]")
BAD(unknown_key, "[profile]\ndayz = 30\n[extensions]\n", "t.profile:2:",
    "'dayz'")
BAD(duplicate_key, HEAD "keyUsage = cRLSign\nkeyUsage = keyCertSign\n",
    "t.profile:5:", "'keyUsage'")
BAD(duplicate_section, HEAD "[profile]\n", "t.profile:4:", "[profile]")
BAD(empty_value, "[profile]\ndescription =\n[extensions]\n",
    "t.profile:2:", "'description'")
BAD(empty_extension_value, HEAD "keyUsage = \n", "t.profile:4:",
    "'keyUsage'")
BAD(days_zero, "[profile]\ndays = 0\n[extensions]\n", "t.profile:2:",
    "'0'")
BAD(days_too_many, "[profile]\ndays = 36501\n[extensions]\n",
    "t.profile:2:", "'36501'")
BAD(days_garbage, "[profile]\ndays = 30d\n[extensions]\n", "t.profile:2:",
    "'30d'")
BAD(days_negative, "[profile]\ndays = -5\n[extensions]\n", "t.profile:2:",
    "'-5'")
BAD(days_leading_zero, "[profile]\ndays = 030\n[extensions]\n",
    "t.profile:2:", "'030'")
BAD(hash_md5, "[profile]\nhash = md5\n[extensions]\n", "t.profile:2:",
    "'md5'")
BAD(hash_case, "[profile]\nhash = SHA256\n[extensions]\n", "t.profile:2:",
    "'SHA256'")
BAD(key_type_rsa_small, "[profile]\nkey_types = rsa:1024\n[extensions]\n",
    "t.profile:2:", "'rsa:1024'")
BAD(key_type_unknown, "[profile]\nkey_types = ec:prime256v1\n"
    "[extensions]\n", "t.profile:2:", "'ec:prime256v1'")
BAD(key_type_repeat, "[profile]\nkey_types = ed25519, ed25519\n"
    "[extensions]\n", "t.profile:2:", "repeated 'ed25519'")
BAD(key_type_empty_item, "[profile]\nkey_types = ed25519,,rsa:2048\n"
    "[extensions]\n", "t.profile:2:", "empty")
BAD(yesno_true, "[profile]\nsan_from_csr = true\n[extensions]\n",
    "t.profile:2:", "'true'")
BAD(allow_netscape_bad, "[profile]\nallow_netscape = maybe\n"
    "[extensions]\n", "t.profile:2:", "'maybe'")
BAD(rsa_pss_bad, "[profile]\nrsa_pss = on\n[extensions]\n",
    "t.profile:2:", "'on'")
BAD(san_type_unknown, "[profile]\nsan_from_csr = yes\n"
    "san_types = dns, rfc822\n[extensions]\n", "t.profile:3:", "'rfc822'")
BAD(san_type_case, "[profile]\nsan_types = DNS\n[extensions]\n",
    "t.profile:2:", "'DNS'")
BAD(rsa_ke_without_rsa, "[profile]\nkey_types = ec:secp256r1\n"
    "rsa_key_encipherment = yes\n[extensions]\nkeyUsage = "
    "digitalSignature\n", "t.profile:3:", "rsa_key_encipherment")
BAD(rsa_ke_without_ku, "[profile]\nrsa_key_encipherment = yes\n"
    "[extensions]\n", "t.profile:2:", "keyUsage")
BAD(policy_unknown_attr, HEAD "[policy]\ncommonname = supplied\n",
    "t.profile:5:", "'commonname'")
BAD(policy_bad_kind, HEAD "[policy]\ncommonName = required\n",
    "t.profile:5:", "'required'")
BAD(policy_alias_repeat, HEAD "[policy]\ncommonName = supplied\n"
    "2.5.4.3 = optional\n", "t.profile:6:", "'2.5.4.3'")
BAD(policy_empty, HEAD "[policy]\n# nothing\n", "t.profile:4:",
    "[policy] has no rules")
BAD(missing_profile_section, "[extensions]\nkeyUsage = cRLSign\n",
    "t.profile:1:", "[profile]")
BAD(missing_extensions_section, "[profile]\ndays = 3\n", "t.profile:1:",
    "[extensions]")
BAD(extension_line, HEAD "keyUsage = cRLSign\n\n# c\n"
    "basicConstraints = critical, CA:false, pathlen:1\n", "t.profile:7:",
    "pathlen:1")
BAD(lexer_error, HEAD "keyUsage cRLSign\n", "t.profile:4:",
    "keyUsage cRLSign")
BAD(extension_in_profile_section, "[profile]\nkeyUsage = cRLSign\n"
    "[extensions]\n", "t.profile:2:", "'keyUsage'")
BAD(profile_key_in_extensions, HEAD "days = 30\n", "t.profile:4:",
    "'days'")

/* ---- profile_load ---- */

START_TEST(test_load_bad_fixture_names_file_line)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile *p = NULL;
	char *path =
	    src_path("tests/fixtures/profiles/bad/typo-keyusage.profile");
	char *where;

	ck_assert_int_eq(profile_load(path, NULL, &p, &err), HSMCA_E_PARSE);
	ck_assert(asprintf(&where, "%s:7:", path) > 0);
	assert_has(err.msg, where);
	assert_has(err.msg, "'keyUsuage'");
	free(where);
	free(path);
	path = src_path("tests/fixtures/profiles/bad/critical-late.profile");
	ck_assert_int_eq(profile_load(path, NULL, &p, &err), HSMCA_E_PARSE);
	ck_assert(asprintf(&where, "%s:4:", path) > 0);
	assert_has(err.msg, where);
	assert_has(err.msg, "'critical' must come first");
	free(where);
	free(path);
}
END_TEST

static const char small[] = "[profile]\ndescription = %s\n[extensions]\n";

static void
write_profile(const char *dir, const char *name, const char *desc)
{
	char *text, *path;

	ck_assert(asprintf(&text, small, desc) > 0);
	path = th_write_file(dir, name, text, (size_t)-1);
	free(path);
	free(text);
}

START_TEST(test_load_order)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile *p = NULL;
	char *tmp = th_tmpdir(), *ca, *d1, *d2, *env, *path;

	ck_assert(asprintf(&ca, "%s/ca", tmp) > 0);
	ck_assert(asprintf(&d1, "%s/d1", tmp) > 0);
	ck_assert(asprintf(&d2, "%s/d2", tmp) > 0);
	ck_assert(asprintf(&path, "%s/ca/profiles", tmp) > 0);
	ck_assert_int_eq(mkdir(ca, 0700), 0);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(mkdir(d1, 0700), 0);
	ck_assert_int_eq(mkdir(d2, 0700), 0);
	write_profile(path, "x.profile", "from ca");
	write_profile(d1, "x.profile", "from d1");
	write_profile(d2, "x.profile", "from d2");
	write_profile(d2, "y.profile", "y from d2");
	ck_assert(asprintf(&env, "%s:%s", d1, d2) > 0);
	ck_assert_int_eq(setenv("HSMCA_PROFILE_PATH", env, 1), 0);

	ck_assert_int_eq(profile_load("x", ca, &p, &err), 0);
	ck_assert_str_eq(p->description, "from ca");
	profile_free(p);
	ck_assert_int_eq(profile_load("x", NULL, &p, &err), 0);
	ck_assert_str_eq(p->description, "from d1");
	profile_free(p);
	ck_assert_int_eq(profile_load("y", ca, &p, &err), 0);
	ck_assert_str_eq(p->description, "y from d2");
	profile_free(p);
	p = NULL;
	ck_assert_int_eq(profile_load("z", ca, &p, &err), HSMCA_E_NOTFOUND);
	ck_assert_ptr_null(p);
	assert_has(err.msg, "'z'");
	assert_has(err.msg, path);
	assert_has(err.msg, d1);
	assert_has(err.msg, d2);
	ck_assert_int_eq(profile_load("../x", ca, &p, &err),
	    HSMCA_E_NOTFOUND);
	ck_assert_int_eq(profile_load(".hidden", ca, &p, &err),
	    HSMCA_E_NOTFOUND);
	free(env);
	free(d1);
	free(d2);
	free(ca);
	free(path);
	th_rmrf(tmp);
	free(tmp);
}
END_TEST

START_TEST(test_load_path_forms)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile *p = NULL;
	char *tmp = th_tmpdir(), *path;

	ck_assert_int_eq(setenv("HSMCA_PROFILE_PATH", "/nonexistent", 1), 0);
	write_profile(tmp, "mine.profile", "by path");
	ck_assert(asprintf(&path, "%s/mine.profile", tmp) > 0);
	ck_assert_int_eq(profile_load(path, NULL, &p, &err), 0);
	ck_assert_str_eq(p->description, "by path");
	profile_free(p);
	ck_assert_int_eq(chdir(tmp), 0);
	ck_assert_int_eq(profile_load("mine.profile", NULL, &p, &err), 0);
	ck_assert_str_eq(p->path, "mine.profile");
	profile_free(p);
	ck_assert_int_eq(profile_load("./nothere.profile", NULL, &p, &err),
	    HSMCA_E_NOTFOUND);
	assert_has(err.msg, "./nothere.profile");
	ck_assert_int_eq(profile_load("nothere.profile", NULL, &p, &err),
	    HSMCA_E_NOTFOUND);
	assert_has(err.msg, "profile nothere.profile: no such file");
	/* a bare name is not taken from the current directory */
	write_profile(tmp, "server", "stray file");
	ck_assert_int_eq(profile_load("server", NULL, &p, &err),
	    HSMCA_E_NOTFOUND);
	assert_has(err.msg, "/nonexistent/server.profile");
	free(path);
	th_rmrf(tmp);
	free(tmp);
}
END_TEST

START_TEST(test_load_too_big)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile *p = NULL;
	char *tmp = th_tmpdir(), *path, *text;
	size_t len = 64 * 1024 + 1;

	text = malloc(len);
	memset(text, '#', len);
	path = th_write_file(tmp, "big.profile", text, len);
	ck_assert_int_eq(profile_load(path, NULL, &p, &err), HSMCA_E_PARSE);
	assert_has(err.msg, path);
	assert_has(err.msg, "65536");
	free(text);
	free(path);
	th_rmrf(tmp);
	free(tmp);
}
END_TEST

START_TEST(test_load_no_fallthrough_on_error)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile *p = NULL;
	char *tmp = th_tmpdir(), *dir, *bad;

	/* a broken profile in the CA directory must not silently fall back
	 * to the system one of the same name */
	ck_assert(asprintf(&dir, "%s/profiles", tmp) > 0);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	bad = th_write_file(dir, "server.profile", "[profile]\ndays = x\n",
	    (size_t)-1);
	ck_assert_int_eq(profile_load("server", tmp, &p, &err), HSMCA_E_PARSE);
	assert_has(err.msg, "server.profile:2:");
	free(bad);
	/* a directory where a file should be is an error, not "absent" */
	ck_assert(asprintf(&bad, "%s/client.profile", dir) > 0);
	ck_assert_int_eq(mkdir(bad, 0700), 0);
	ck_assert_int_eq(profile_load("client", tmp, &p, &err), HSMCA_E_IO);
	assert_has(err.msg, "client.profile");
	ck_assert_ptr_null(p);
	free(bad);
	free(dir);
	th_rmrf(tmp);
	free(tmp);
}
END_TEST

/* ---- robustness: every one-byte change of a rich profile ---- */

START_TEST(test_one_byte_mutations)
{
	static const char subst[] = { ',', ' ', '\n', '=', '[', ']', ':', ';',
	    '/', '.', '#', 'x', '0', '\0', '\t', '\r', (char)0xff };
	char *path =
	    src_path("tests/fixtures/profiles/good/everything.profile");
	struct hsmca_error err;
	struct hsmca_profile *p;
	size_t len, i, j, n_ok = 0, n_bad = 0;
	char *text = th_read_file(path, &len), saved;
	int r;

	ck_assert_ptr_nonnull(text);
	for (i = 0; i < len; i++) {
		saved = text[i];
		for (j = 0; j < sizeof(subst); j++) {
			if (subst[j] == saved)
				continue;
			text[i] = subst[j];
			memset(&err, 0, sizeof(err));
			p = NULL;
			r = profile_parse("m.profile", text, len, &p, &err);
			ck_assert_msg(r == 0 || r == HSMCA_E_PARSE,
			    "byte %zu -> 0x%02x: %d %s", i,
			    (unsigned char)subst[j], r, err.msg);
			if (r == 0) {
				ck_assert_ptr_nonnull(p);
				n_ok++;
			} else {
				ck_assert_ptr_null(p);
				ck_assert_msg(strncmp(err.msg, "m.profile:", 10)
				    == 0, "no file:line in '%s'", err.msg);
				n_bad++;
			}
			profile_free(p);
		}
		text[i] = saved;
	}
	/* most changes must be caught: the format leaves little slack */
	ck_assert_uint_gt(n_bad, 4 * n_ok);
	free(text);
	free(path);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("profile");
	TCase *good = tcase_create("profile:good");
	TCase *bad = tcase_create("profile:malformed");
	TCase *load = tcase_create("profile:load");
	const TTest *bad_tests[] = {
		unknown_section, unknown_key, duplicate_key, duplicate_section,
		empty_value, empty_extension_value, days_zero, days_too_many,
		days_garbage, days_negative, days_leading_zero, hash_md5,
		hash_case, key_type_rsa_small, key_type_unknown,
		key_type_repeat, key_type_empty_item, yesno_true,
		allow_netscape_bad, rsa_pss_bad, san_type_unknown, san_type_case,
		rsa_ke_without_rsa, rsa_ke_without_ku, policy_unknown_attr,
		policy_bad_kind, policy_alias_repeat, policy_empty,
		missing_profile_section, missing_extensions_section,
		extension_line, lexer_error, extension_in_profile_section,
		profile_key_in_extensions,
	};
	size_t i;

	tcase_add_test(good, test_shipped_root_ca);
	tcase_add_test(good, test_shipped_intermediate_ca);
	tcase_add_test(good, test_shipped_server);
	tcase_add_test(good, test_shipped_client);
	tcase_add_test(good, test_shipped_ocsp_signer);
	tcase_add_test(good, test_isrg_root_x2_shape);
	tcase_add_test(good, test_webpki_intermediate);
	tcase_add_test(good, test_webpki_leaf);
	tcase_add_test(good, test_everything);
	for (i = 0; i < sizeof(bad_tests) / sizeof(bad_tests[0]); i++)
		tcase_add_test(bad, bad_tests[i]);
	tcase_add_test(load, test_load_bad_fixture_names_file_line);
	tcase_add_test(load, test_load_order);
	tcase_add_test(load, test_load_path_forms);
	tcase_add_test(load, test_load_too_big);
	tcase_add_test(load, test_load_no_fallthrough_on_error);
	suite_add_tcase(s, good);
	suite_add_tcase(s, bad);
	tcase_add_test(load, test_one_byte_mutations);
	suite_add_tcase(s, load);
	return th_run(s);
}
