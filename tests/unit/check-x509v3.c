/* Unit tests for the x509v3_config value syntax (src/profile-ext.c) and the
 * general-name syntax (src/profile-gn.c).  Every malformed value is its own
 * test: it must fail with HSMCA_E_PARSE both through
 * profile_parse_extension() (naming the bad token, leaving ext untouched)
 * and inside a profile (naming "x.profile:3").  Then OpenSSL is given the
 * shipped and fixture profiles and must read their extensions the same
 * way. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "hsmca/profile.h"
#include "helpers.h"

static void
assert_has(const char *msg, const char *needle)
{
	ck_assert_msg(strstr(msg, needle) != NULL, "'%s' not in '%s'", needle,
	    msg);
}

static void
bad_ext(const char *key, const char *value, const char *token)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_extensions ext, zero;
	struct hsmca_profile *p = NULL;
	char *text;

	memset(&ext, 0, sizeof(ext));
	memset(&zero, 0, sizeof(zero));
	ck_assert_int_eq(profile_parse_extension(key, value, &ext, &err),
	    HSMCA_E_PARSE);
	assert_has(err.msg, token);
	ck_assert_msg(memcmp(&ext, &zero, sizeof(ext)) == 0,
	    "ext changed by a failed parse");

	ck_assert(asprintf(&text, "[profile]\n[extensions]\n%s = %s\n", key,
	    value) > 0);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(profile_parse("x.profile", text, strlen(text), &p,
	    &err), HSMCA_E_PARSE);
	ck_assert_ptr_null(p);
	assert_has(err.msg, "x.profile:3:");
	assert_has(err.msg, token);
	free(text);
}

static void
good_ext(const char *key, const char *value, struct hsmca_extensions *ext)
{
	struct hsmca_error err = { 0, "" };

	memset(ext, 0, sizeof(*ext));
	ext->basic_constraints.pathlen = -1;
	ck_assert_msg(profile_parse_extension(key, value, ext, &err) == 0,
	    "%s = %s: %s", key, value, err.msg);
}

#define BAD(name, key, value, token) \
	START_TEST(name) { bad_ext((key), (value), (token)); } END_TEST

/* ---- good values ---- */

START_TEST(test_basic_constraints)
{
	struct hsmca_extensions ext;

	good_ext("basicConstraints", "critical, CA:true, pathlen:0", &ext);
	ck_assert(ext.basic_constraints.present);
	ck_assert(ext.basic_constraints.critical);
	ck_assert(ext.basic_constraints.ca);
	ck_assert_int_eq(ext.basic_constraints.pathlen, 0);
	good_ext("basicConstraints", "CA:FALSE", &ext);
	ck_assert(ext.basic_constraints.present);
	ck_assert(!ext.basic_constraints.critical);
	ck_assert(!ext.basic_constraints.ca);
	ck_assert_int_eq(ext.basic_constraints.pathlen, -1);
	good_ext("basicConstraints", "pathlen:7,CA:TRUE", &ext);
	ck_assert(ext.basic_constraints.ca);
	ck_assert_int_eq(ext.basic_constraints.pathlen, 7);
}
END_TEST

START_TEST(test_key_usage)
{
	struct hsmca_extensions ext;

	good_ext("keyUsage", "critical, digitalSignature, cRLSign, keyCertSign",
	    &ext);
	ck_assert(ext.key_usage.present && ext.key_usage.critical);
	ck_assert_uint_eq(ext.key_usage.bits, HSMCA_KU_DIGITAL_SIGNATURE |
	    HSMCA_KU_CRL_SIGN | HSMCA_KU_KEY_CERT_SIGN);
	good_ext("keyUsage", "nonRepudiation,keyEncipherment,dataEncipherment,"
	    "keyAgreement,encipherOnly,decipherOnly", &ext);
	ck_assert(!ext.key_usage.critical);
	ck_assert_uint_eq(ext.key_usage.bits, HSMCA_KU_NON_REPUDIATION |
	    HSMCA_KU_KEY_ENCIPHERMENT | HSMCA_KU_DATA_ENCIPHERMENT |
	    HSMCA_KU_KEY_AGREEMENT | HSMCA_KU_ENCIPHER_ONLY |
	    HSMCA_KU_DECIPHER_ONLY);
}
END_TEST

START_TEST(test_ext_key_usage)
{
	struct hsmca_extensions ext;

	good_ext("extendedKeyUsage", "serverAuth, clientAuth, OCSPSigning, "
	    "1.3.6.1.4.1.311.10.3.12", &ext);
	ck_assert(ext.ext_key_usage.present && !ext.ext_key_usage.critical);
	ck_assert_uint_eq(ext.ext_key_usage.n, 4);
	ck_assert_str_eq(ext.ext_key_usage.oids[0], "1.3.6.1.5.5.7.3.1");
	ck_assert_str_eq(ext.ext_key_usage.oids[1], "1.3.6.1.5.5.7.3.2");
	ck_assert_str_eq(ext.ext_key_usage.oids[2], "1.3.6.1.5.5.7.3.9");
	ck_assert_str_eq(ext.ext_key_usage.oids[3], "1.3.6.1.4.1.311.10.3.12");
	profile_extensions_clear(&ext);
	good_ext("extendedKeyUsage", "critical, codeSigning, timeStamping, "
	    "emailProtection, ipsecIKE, msCodeInd", &ext);
	ck_assert(ext.ext_key_usage.critical);
	ck_assert_str_eq(ext.ext_key_usage.oids[4], "1.3.6.1.4.1.311.2.1.21");
	ck_assert_str_eq(ext.ext_key_usage.oids[3], "1.3.6.1.5.5.7.3.17");
	profile_extensions_clear(&ext);
}
END_TEST

START_TEST(test_ski_aki)
{
	struct hsmca_extensions ext;

	good_ext("subjectKeyIdentifier", "hash", &ext);
	ck_assert(ext.ski);
	good_ext("subjectKeyIdentifier", "none", &ext);
	ck_assert(!ext.ski);
	good_ext("authorityKeyIdentifier", "keyid", &ext);
	ck_assert(ext.aki.present && ext.aki.keyid && !ext.aki.always);
	good_ext("authorityKeyIdentifier", "keyid:always,issuer", &ext);
	ck_assert(ext.aki.present && ext.aki.keyid && ext.aki.always);
	good_ext("authorityKeyIdentifier", "none", &ext);
	ck_assert(!ext.aki.present);
}
END_TEST

START_TEST(test_san)
{
	struct hsmca_extensions ext;

	good_ext("subjectAltName", "DNS:www.example.com, dns:*.example.com, "
	    "IP:192.0.2.7, IP:2001:db8::7, email:a.b@example.com, "
	    "URI:https://example.com/x?y=z", &ext);
	ck_assert(ext.san.present && !ext.san.critical);
	ck_assert_uint_eq(ext.san.names.n, 6);
	ck_assert_int_eq(ext.san.names.items[0].type, HSMCA_GN_DNS);
	ck_assert_str_eq(ext.san.names.items[0].value, "www.example.com");
	ck_assert_str_eq(ext.san.names.items[1].value, "*.example.com");
	ck_assert_int_eq(ext.san.names.items[2].type, HSMCA_GN_IP);
	ck_assert_str_eq(ext.san.names.items[3].value, "2001:db8::7");
	ck_assert_int_eq(ext.san.names.items[4].type, HSMCA_GN_EMAIL);
	ck_assert_int_eq(ext.san.names.items[5].type, HSMCA_GN_URI);
	ck_assert_str_eq(ext.san.names.items[5].value,
	    "https://example.com/x?y=z");
	profile_extensions_clear(&ext);
}
END_TEST

START_TEST(test_name_constraints)
{
	struct hsmca_extensions ext;

	good_ext("nameConstraints", "critical, permitted;DNS:.example.com, "
	    "excluded;IP:10.0.0.0/255.0.0.0, permitted;email:example.org, "
	    "permitted;URI:.example.com, excluded;IP:fd00::/ff00::", &ext);
	ck_assert(ext.name_constraints.present);
	ck_assert(ext.name_constraints.critical);
	ck_assert_uint_eq(ext.name_constraints.permitted.n, 3);
	ck_assert_uint_eq(ext.name_constraints.excluded.n, 2);
	ck_assert_str_eq(ext.name_constraints.permitted.items[0].value,
	    ".example.com");
	ck_assert_int_eq(ext.name_constraints.excluded.items[0].type,
	    HSMCA_GN_IP);
	ck_assert_str_eq(ext.name_constraints.excluded.items[0].value,
	    "10.0.0.0/255.0.0.0");
	ck_assert_int_eq(ext.name_constraints.permitted.items[2].type,
	    HSMCA_GN_URI);
	profile_extensions_clear(&ext);
}
END_TEST

START_TEST(test_crl_dp_aia_policies)
{
	struct hsmca_extensions ext;

	good_ext("crlDistributionPoints", "URI:http://c.example/1.crl, "
	    "URI:http://d.example/2.crl", &ext);
	ck_assert(ext.crl_dp.present);
	ck_assert_uint_eq(ext.crl_dp.uris.n, 2);
	ck_assert_str_eq(ext.crl_dp.uris.items[1].value,
	    "http://d.example/2.crl");
	profile_extensions_clear(&ext);
	good_ext("authorityInfoAccess", "OCSP;URI:http://o.example, "
	    "caIssuers;URI:http://i.example/ca.der", &ext);
	ck_assert(ext.aia.present);
	ck_assert_uint_eq(ext.aia.ocsp.n, 1);
	ck_assert_str_eq(ext.aia.ocsp.items[0].value, "http://o.example");
	ck_assert_uint_eq(ext.aia.ca_issuers.n, 1);
	profile_extensions_clear(&ext);
	good_ext("certificatePolicies", "2.23.140.1.2.1, anyPolicy, "
	    "1.3.6.1.4.1.44947.1.1.1;CPS:http://cps.example/", &ext);
	ck_assert(ext.policies.present && !ext.policies.critical);
	ck_assert_uint_eq(ext.policies.n, 3);
	ck_assert_str_eq(ext.policies.items[0].oid, "2.23.140.1.2.1");
	ck_assert_ptr_null(ext.policies.items[0].cps_uri);
	ck_assert_str_eq(ext.policies.items[1].oid, "2.5.29.32.0");
	ck_assert_str_eq(ext.policies.items[2].oid, "1.3.6.1.4.1.44947.1.1.1");
	ck_assert_str_eq(ext.policies.items[2].cps_uri, "http://cps.example/");
	profile_extensions_clear(&ext);
}
END_TEST

START_TEST(test_netscape)
{
	struct hsmca_extensions ext;

	good_ext("nsCertType", "server, client", &ext);
	ck_assert(ext.ns_cert_type.present);
	ck_assert_uint_eq(ext.ns_cert_type.bits, 0xc0);
	good_ext("nsComment", "a, b, critical", &ext);
	ck_assert_str_eq(ext.ns_comment, "a, b, critical");
	profile_extensions_clear(&ext);
	ck_assert_ptr_null(ext.ns_comment);
	ck_assert_int_eq(ext.basic_constraints.pathlen, -1);
}
END_TEST

START_TEST(test_general_name)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_general_name gn;

	ck_assert_int_eq(profile_parse_general_name("dns:a.example", &gn,
	    &err), 0);
	ck_assert_int_eq(gn.type, HSMCA_GN_DNS);
	ck_assert_str_eq(gn.value, "a.example");
	free(gn.value);
	ck_assert_int_eq(profile_parse_general_name("ip:::1", &gn, &err), 0);
	ck_assert_int_eq(gn.type, HSMCA_GN_IP);
	ck_assert_str_eq(gn.value, "::1");
	free(gn.value);
	ck_assert_int_eq(profile_parse_general_name("EMAIL:x@y.example", &gn,
	    &err), 0);
	ck_assert_int_eq(gn.type, HSMCA_GN_EMAIL);
	free(gn.value);
	ck_assert_int_eq(profile_parse_general_name("uri:urn:x:y", &gn, &err),
	    0);
	ck_assert_int_eq(gn.type, HSMCA_GN_URI);
	ck_assert_str_eq(gn.value, "urn:x:y");
	free(gn.value);
}
END_TEST

static void
bad_gn(const char *text, const char *token)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_general_name gn = { 0, NULL };

	ck_assert_int_eq(profile_parse_general_name(text, &gn, &err),
	    HSMCA_E_PARSE);
	assert_has(err.msg, token);
	ck_assert_ptr_null(gn.value);
}

START_TEST(test_general_name_bad)
{
	bad_gn("dns:a b.example", "'a b.example'");
	bad_gn("dns:a..example", "'a..example'");
	bad_gn("dns:.example", "'.example'");
	bad_gn("dns:-a.example", "'-a.example'");
	bad_gn("ip:300.1.1.1", "'300.1.1.1'");
	bad_gn("ip:10.0.0.0/255.0.0.0", "'10.0.0.0/255.0.0.0'");
	bad_gn("email:a@@b", "'a@@b'");
	bad_gn("email:nobody", "'nobody'");
	bad_gn("uri:/relative", "'/relative'");
	bad_gn("uri:http://a b", "'http://a b'");
	bad_gn("www.example.com", "expected DNS:");
	bad_gn("rid:1.2.3", "'rid:1.2.3'");
	bad_gn("dirName:CN=x", "dirName is not supported");
}
END_TEST

/* ---- malformed values: one test each ---- */

BAD(bc_no_ca, "basicConstraints", "critical", "no value given")
BAD(bc_ca_missing, "basicConstraints", "pathlen:1", "CA:true or CA:false")
BAD(bc_pathlen_on_false, "basicConstraints", "CA:false, pathlen:0",
    "pathlen:0 on CA:false")
BAD(bc_bad_bool, "basicConstraints", "CA:maybe", "'CA:maybe'")
BAD(bc_bad_pathlen, "basicConstraints", "CA:true, pathlen:-1", "'-1'")
BAD(bc_pathlen_garbage, "basicConstraints", "CA:true, pathlen:1x", "'1x'")
BAD(bc_repeat_ca, "basicConstraints", "CA:true, CA:true", "repeated 'CA'")
BAD(bc_unknown, "basicConstraints", "CA:true, pathlength:1",
    "'pathlength:1'")
BAD(critical_late, "basicConstraints", "CA:true, critical",
    "'critical' must come first")
BAD(critical_twice, "keyUsage", "critical, critical, cRLSign",
    "'critical' must come first")
BAD(empty_item, "keyUsage", "critical, , cRLSign", "empty item")
BAD(trailing_comma, "keyUsage", "cRLSign,", "empty item")
BAD(ku_unknown, "keyUsage", "digitalSignature, keyCertsign",
    "'keyCertsign'")
BAD(ku_repeat, "keyUsage", "cRLSign, cRLSign", "repeated 'cRLSign'")
BAD(ku_encipher_only, "keyUsage", "digitalSignature, encipherOnly",
    "need keyAgreement")
BAD(eku_unknown, "extendedKeyUsage", "serverAuth, webAuth", "'webAuth'")
BAD(eku_bad_oid, "extendedKeyUsage", "1.3.6..1", "'1.3.6..1'")
BAD(eku_oid_first_arc, "extendedKeyUsage", "3.1.2", "'3.1.2'")
BAD(eku_repeat_alias, "extendedKeyUsage", "serverAuth, 1.3.6.1.5.5.7.3.1",
    "repeated '1.3.6.1.5.5.7.3.1'")
BAD(ski_hex, "subjectKeyIdentifier", "01:02:03", "'01:02:03'")
BAD(ski_critical, "subjectKeyIdentifier", "critical, hash",
    "'critical' is not allowed")
BAD(aki_issuer_always, "authorityKeyIdentifier", "keyid, issuer:always",
    "'issuer:always' is not supported")
BAD(aki_issuer_alone, "authorityKeyIdentifier", "issuer",
    "'issuer' alone")
BAD(aki_unknown, "authorityKeyIdentifier", "keyid:never", "'keyid:never'")
BAD(aki_critical, "authorityKeyIdentifier", "critical, keyid",
    "'critical' is not allowed")
BAD(san_space, "subjectAltName", "DNS:www example.com", "'www example.com'")
BAD(san_empty_label, "subjectAltName", "DNS:www..example.com",
    "'www..example.com'")
BAD(san_bad_ip, "subjectAltName", "IP:192.0.2.256", "'192.0.2.256'")
BAD(san_two_at, "subjectAltName", "email:a@b@example.com",
    "'a@b@example.com'")
BAD(san_uri_no_scheme, "subjectAltName", "URI:example.com/x",
    "'example.com/x'")
BAD(san_no_type, "subjectAltName", "www.example.com", "'www.example.com'")
BAD(san_copy, "subjectAltName", "email:copy", "'email:copy'")
BAD(san_other_name, "subjectAltName", "otherName:1.2.3;UTF8:x",
    "'otherName:1.2.3;UTF8:x'")
BAD(nc_no_prefix, "nameConstraints", "DNS:.example.com",
    "'DNS:.example.com'")
BAD(nc_mask_not_contiguous, "nameConstraints",
    "excluded;IP:10.0.0.0/255.0.255.0", "'10.0.0.0/255.0.255.0'")
BAD(nc_host_bits, "nameConstraints", "excluded;IP:10.0.0.1/255.0.0.0",
    "'10.0.0.1/255.0.0.0'")
BAD(nc_cidr, "nameConstraints", "excluded;IP:10.0.0.0/8", "'10.0.0.0/8'")
BAD(nc_ip_no_mask, "nameConstraints", "permitted;IP:10.0.0.1",
    "'10.0.0.1'")
BAD(nc_mixed_family, "nameConstraints", "permitted;IP:10.0.0.0/ffff::",
    "'10.0.0.0/ffff::'")
BAD(crldp_not_uri, "crlDistributionPoints", "DNS:crl.example.com",
    "only URI: is allowed")
BAD(crldp_section, "crlDistributionPoints", "@crl_section",
    "'@crl_section'")
BAD(crldp_critical, "crlDistributionPoints", "critical, URI:http://c.ex/",
    "'critical' is not allowed")
BAD(aia_bad_method, "authorityInfoAccess", "ocsp;URI:http://o.example",
    "'ocsp;URI:http://o.example'")
BAD(aia_bad_uri, "authorityInfoAccess", "OCSP;URI:o.example",
    "'o.example'")
BAD(pol_not_oid, "certificatePolicies", "domainValidated",
    "'domainValidated'")
BAD(pol_bad_qualifier, "certificatePolicies", "2.23.140.1.2.1;user:x",
    "'2.23.140.1.2.1;user:x'")
BAD(pol_bad_cps, "certificatePolicies", "2.23.140.1.2.1;CPS:nowhere",
    "'nowhere'")
BAD(pol_repeat, "certificatePolicies", "anyPolicy, 2.5.29.32.0",
    "repeated '2.5.29.32.0'")
BAD(ns_unknown, "nsCertType", "server, sslServer", "'sslServer'")
BAD(ns_critical, "nsCertType", "critical, server", "'critical'")
BAD(ns_comment_critical, "nsComment", "critical, hello", "'critical'")
BAD(unknown_extension, "keyUsuage", "digitalSignature", "'keyUsuage'")
BAD(wrong_case_extension, "keyusage", "digitalSignature", "'keyusage'")


START_TEST(test_duplicate_extension_api)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_extensions ext;

	good_ext("keyUsage", "cRLSign", &ext);
	ck_assert_int_eq(profile_parse_extension("keyUsage", "keyCertSign",
	    &ext, &err), HSMCA_E_PARSE);
	assert_has(err.msg, "duplicate extension 'keyUsage'");
	ck_assert_uint_eq(ext.key_usage.bits, HSMCA_KU_CRL_SIGN);
}
END_TEST

static char *
src_path(const char *rel)
{
	const char *src = getenv("HSMCA_SRCDIR");
	char *path;

	ck_assert_msg(src != NULL, "HSMCA_SRCDIR is not set");
	ck_assert(asprintf(&path, "%s/%s", src, rel) > 0);
	return path;
}

static struct hsmca_profile *
fixture(const char *rel)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile *p = NULL;
	char *path = src_path(rel);

	ck_assert_msg(profile_load(path, NULL, &p, &err) == 0, "%s: %s", rel,
	    err.msg);
	free(path);
	return p;
}

/* ---- OpenSSL reads the same [extensions] the same way ----
 *
 * The profile file is given to "openssl x509 -req -extfile PROFILE
 * -extensions extensions", which signs a throw-away certificate; GnuTLS
 * then reads that certificate back and every extension must say what
 * profile_parse() understood.  The authority key identifier is left out:
 * OpenSSL omits it on a self-signed certificate. */

static const struct {
	unsigned ours, gnutls;
} ku_map[] = {
	{ HSMCA_KU_DIGITAL_SIGNATURE, GNUTLS_KEY_DIGITAL_SIGNATURE },
	{ HSMCA_KU_NON_REPUDIATION, GNUTLS_KEY_NON_REPUDIATION },
	{ HSMCA_KU_KEY_ENCIPHERMENT, GNUTLS_KEY_KEY_ENCIPHERMENT },
	{ HSMCA_KU_DATA_ENCIPHERMENT, GNUTLS_KEY_DATA_ENCIPHERMENT },
	{ HSMCA_KU_KEY_AGREEMENT, GNUTLS_KEY_KEY_AGREEMENT },
	{ HSMCA_KU_KEY_CERT_SIGN, GNUTLS_KEY_KEY_CERT_SIGN },
	{ HSMCA_KU_CRL_SIGN, GNUTLS_KEY_CRL_SIGN },
	{ HSMCA_KU_ENCIPHER_ONLY, GNUTLS_KEY_ENCIPHER_ONLY },
	{ HSMCA_KU_DECIPHER_ONLY, GNUTLS_KEY_DECIPHER_ONLY },
};

static gnutls_x509_crt_t
openssl_cert(const char *profile_path)
{
	char *tmp = th_tmpdir(), *cmd, *pem_path, *pem;
	gnutls_x509_crt_t crt;
	gnutls_datum_t d;
	size_t len;

	ck_assert(asprintf(&cmd, "cd '%s' && openssl genpkey -algorithm EC "
	    "-pkeyopt ec_paramgen_curve:P-256 -out k.pem 2>&1 && "
	    "openssl req -new -key k.pem -subj /CN=x -out r.csr && "
	    "openssl x509 -req -in r.csr -signkey k.pem -days 1 "
	    "-extfile '%s' -extensions extensions -out c.pem 2>&1",
	    tmp, profile_path) > 0);
	ck_assert_msg(system(cmd) == 0, "openssl refused %s", profile_path);
	ck_assert(asprintf(&pem_path, "%s/c.pem", tmp) > 0);
	pem = th_read_file(pem_path, &len);
	ck_assert_ptr_nonnull(pem);
	d.data = (unsigned char *)pem;
	d.size = (unsigned)len;
	ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
	ck_assert_int_eq(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM),
	    0);
	free(pem);
	free(pem_path);
	free(cmd);
	th_rmrf(tmp);
	free(tmp);
	return crt;
}

static void
cmp_basic_ku_eku(const struct hsmca_extensions *x, gnutls_x509_crt_t crt)
{
	unsigned crit = 0, ca = 0, ku = 0, want = 0;
	int pathlen = -1, r;
	char oid[128];
	size_t i, size;

	r = gnutls_x509_crt_get_basic_constraints(crt, &crit, &ca, &pathlen);
	ck_assert_int_eq(r >= 0, x->basic_constraints.present);
	if (x->basic_constraints.present) {
		ck_assert_int_eq(crit, x->basic_constraints.critical);
		ck_assert_int_eq(ca != 0, x->basic_constraints.ca);
		ck_assert_int_eq(pathlen, x->basic_constraints.pathlen);
	}
	r = gnutls_x509_crt_get_key_usage(crt, &ku, &crit);
	ck_assert_int_eq(r >= 0, x->key_usage.present);
	for (i = 0; i < sizeof(ku_map) / sizeof(ku_map[0]); i++)
		if (x->key_usage.bits & ku_map[i].ours)
			want |= ku_map[i].gnutls;
	if (x->key_usage.present) {
		ck_assert_uint_eq(ku, want);
		ck_assert_int_eq(crit, x->key_usage.critical);
	}
	for (i = 0; ; i++) {
		size = sizeof(oid);
		r = gnutls_x509_crt_get_key_purpose_oid(crt, (unsigned)i, oid,
		    &size, &crit);
		if (r < 0)
			break;
		ck_assert_uint_lt(i, x->ext_key_usage.n);
		ck_assert_str_eq(oid, x->ext_key_usage.oids[i]);
		ck_assert_int_eq(crit, x->ext_key_usage.critical);
	}
	ck_assert_uint_eq(i, x->ext_key_usage.n);
	size = sizeof(oid);
	r = gnutls_x509_crt_get_subject_key_id(crt, oid, &size, &crit);
	ck_assert_int_eq(r >= 0, x->ski);
}

/* Text of a SAN or name-constraint name as hsmca writes it. */
static void
gn_text(unsigned type, const unsigned char *data, size_t size, char *out,
    size_t outsize)
{
	char a[INET6_ADDRSTRLEN], m[INET6_ADDRSTRLEN];
	int af = size == 4 || size == 8 ? AF_INET : AF_INET6;

	if (type != GNUTLS_SAN_IPADDRESS) {
		snprintf(out, outsize, "%.*s", (int)size, (const char *)data);
		return;
	}
	inet_ntop(af, data, a, sizeof(a));
	if (size == 4 || size == 16) {
		snprintf(out, outsize, "%s", a);
		return;
	}
	inet_ntop(af, data + size / 2, m, sizeof(m));
	snprintf(out, outsize, "%s/%s", a, m);
}

static unsigned
gn_gnutls_type(enum hsmca_gn_type t)
{
	switch (t) {
	case HSMCA_GN_DNS: return GNUTLS_SAN_DNSNAME;
	case HSMCA_GN_IP: return GNUTLS_SAN_IPADDRESS;
	case HSMCA_GN_EMAIL: return GNUTLS_SAN_RFC822NAME;
	default: return GNUTLS_SAN_URI;
	}
}

static void
cmp_san(const struct hsmca_extensions *x, gnutls_x509_crt_t crt)
{
	unsigned char buf[512];
	char text[600];
	unsigned crit = 0, type = 0, i;
	size_t size;
	int r;

	for (i = 0; ; i++) {
		size = sizeof(buf);
		r = gnutls_x509_crt_get_subject_alt_name2(crt, i, buf, &size,
		    &type, &crit);
		if (r < 0)
			break;
		ck_assert_uint_lt(i, x->san.names.n);
		ck_assert_uint_eq(type,
		    gn_gnutls_type(x->san.names.items[i].type));
		gn_text(type, buf, size, text, sizeof(text));
		ck_assert_str_eq(text, x->san.names.items[i].value);
		ck_assert_int_eq(crit, x->san.critical);
	}
	ck_assert_uint_eq(i, x->san.names.n);
}

static void
cmp_nc_list(gnutls_x509_name_constraints_t nc, bool permitted,
    const struct hsmca_gn_list *l)
{
	gnutls_datum_t name;
	char text[600];
	unsigned type, i;

	for (i = 0; ; i++) {
		if ((permitted ?
		    gnutls_x509_name_constraints_get_permitted(nc, i, &type,
		    &name) :
		    gnutls_x509_name_constraints_get_excluded(nc, i, &type,
		    &name)) < 0)
			break;
		ck_assert_uint_lt(i, l->n);
		ck_assert_uint_eq(type, gn_gnutls_type(l->items[i].type));
		gn_text(type, name.data, name.size, text, sizeof(text));
		ck_assert_str_eq(text, l->items[i].value);
	}
	ck_assert_uint_eq(i, l->n);
}

static void
cmp_nc(const struct hsmca_extensions *x, gnutls_x509_crt_t crt)
{
	gnutls_x509_name_constraints_t nc;
	unsigned crit = 0;
	int r;

	ck_assert_int_eq(gnutls_x509_name_constraints_init(&nc), 0);
	r = gnutls_x509_crt_get_name_constraints(crt, nc, 0, &crit);
	ck_assert_int_eq(r >= 0, x->name_constraints.present);
	if (r >= 0) {
		ck_assert_int_eq(crit, x->name_constraints.critical);
		cmp_nc_list(nc, true, &x->name_constraints.permitted);
		cmp_nc_list(nc, false, &x->name_constraints.excluded);
	}
	gnutls_x509_name_constraints_deinit(nc);
}

static void
cmp_crldp_aia_policies(const struct hsmca_extensions *x,
    gnutls_x509_crt_t crt)
{
	char buf[512];
	gnutls_datum_t method, uri;
	struct gnutls_x509_policy_st pol;
	unsigned crit = 0, reasons, i, n_ocsp = 0, n_cai = 0;
	const struct hsmca_gn_list *l;
	size_t size;
	int r;

	for (i = 0; ; i++) {
		size = sizeof(buf);
		r = gnutls_x509_crt_get_crl_dist_points(crt, i, buf, &size,
		    &reasons, &crit);
		if (r < 0)
			break;
		ck_assert_uint_lt(i, x->crl_dp.uris.n);
		ck_assert_str_eq(buf, x->crl_dp.uris.items[i].value);
	}
	ck_assert_uint_eq(i, x->crl_dp.uris.n);
	for (i = 0; ; i++) {
		/* the method OID comes NUL-terminated, the URI does not */
		if (gnutls_x509_crt_get_authority_info_access(crt, i,
		    GNUTLS_IA_ACCESSMETHOD_OID, &method, &crit) < 0)
			break;
		ck_assert_int_eq(gnutls_x509_crt_get_authority_info_access(crt,
		    i, GNUTLS_IA_URI, &uri, &crit), 0);
		l = strcmp((char *)method.data, GNUTLS_OID_AD_OCSP) == 0 ?
		    &x->aia.ocsp : &x->aia.ca_issuers;
		r = l == &x->aia.ocsp ? (int)n_ocsp++ : (int)n_cai++;
		ck_assert_uint_lt((unsigned)r, l->n);
		ck_assert_uint_eq(uri.size, strlen(l->items[r].value));
		ck_assert(memcmp(uri.data, l->items[r].value, uri.size) == 0);
		gnutls_free(method.data);
		gnutls_free(uri.data);
	}
	ck_assert_uint_eq(n_ocsp, x->aia.ocsp.n);
	ck_assert_uint_eq(n_cai, x->aia.ca_issuers.n);
	for (i = 0; gnutls_x509_crt_get_policy(crt, i, &pol, &crit) >= 0;
	    i++) {
		ck_assert_uint_lt(i, x->policies.n);
		ck_assert_str_eq(pol.oid, x->policies.items[i].oid);
		ck_assert_int_eq(crit, x->policies.critical);
		gnutls_x509_policy_release(&pol);
	}
	ck_assert_uint_eq(i, x->policies.n);
}

static void
cross_check(const char *rel)
{
	struct hsmca_profile *p;
	gnutls_x509_crt_t crt;
	char *path;

	if (system("openssl version >/dev/null 2>&1") != 0)
		ck_abort_msg("openssl is needed for this test");
	path = src_path(rel);
	p = fixture(rel);
	crt = openssl_cert(path);
	cmp_basic_ku_eku(&p->ext, crt);
	cmp_san(&p->ext, crt);
	cmp_nc(&p->ext, crt);
	cmp_crldp_aia_policies(&p->ext, crt);
	gnutls_x509_crt_deinit(crt);
	profile_free(p);
	free(path);
}

#define CROSS(name, rel) START_TEST(name) { cross_check(rel); } END_TEST

CROSS(openssl_root_ca, "profiles/root-ca.profile")
CROSS(openssl_intermediate_ca, "profiles/intermediate-ca.profile")
CROSS(openssl_server, "profiles/server.profile")
CROSS(openssl_client, "profiles/client.profile")
CROSS(openssl_ocsp_signer, "profiles/ocsp-signer.profile")
CROSS(openssl_isrg_root_x2,
    "tests/fixtures/profiles/good/isrg-root-x2.profile")
CROSS(openssl_webpki_intermediate,
    "tests/fixtures/profiles/good/webpki-intermediate.profile")
CROSS(openssl_webpki_leaf,
    "tests/fixtures/profiles/good/webpki-leaf.profile")
CROSS(openssl_compat, "tests/fixtures/profiles/good/openssl-compat.profile")

int
main(void)
{
	Suite *s = suite_create("x509v3");
	TCase *good = tcase_create("x509v3:good");
	TCase *bad = tcase_create("x509v3:malformed");
	TCase *cross = tcase_create("x509v3:openssl");
	size_t i;
	const TTest *bad_tests[] = {
		bc_no_ca, bc_ca_missing, bc_pathlen_on_false, bc_bad_bool,
		bc_bad_pathlen, bc_pathlen_garbage, bc_repeat_ca, bc_unknown,
		critical_late, critical_twice, empty_item, trailing_comma,
		ku_unknown, ku_repeat, ku_encipher_only, eku_unknown,
		eku_bad_oid, eku_oid_first_arc, eku_repeat_alias, ski_hex,
		ski_critical, aki_issuer_always, aki_issuer_alone,
		aki_unknown, aki_critical, san_space, san_empty_label,
		san_bad_ip, san_two_at, san_uri_no_scheme, san_no_type,
		san_copy, san_other_name, nc_no_prefix,
		nc_mask_not_contiguous, nc_host_bits, nc_cidr, nc_ip_no_mask,
		nc_mixed_family, crldp_not_uri, crldp_section, crldp_critical,
		aia_bad_method, aia_bad_uri, pol_not_oid, pol_bad_qualifier,
		pol_bad_cps, pol_repeat, ns_unknown, ns_critical,
		ns_comment_critical, unknown_extension, wrong_case_extension,
	};

	tcase_add_test(good, test_basic_constraints);
	tcase_add_test(good, test_key_usage);
	tcase_add_test(good, test_ext_key_usage);
	tcase_add_test(good, test_ski_aki);
	tcase_add_test(good, test_san);
	tcase_add_test(good, test_name_constraints);
	tcase_add_test(good, test_crl_dp_aia_policies);
	tcase_add_test(good, test_netscape);
	tcase_add_test(good, test_general_name);
	tcase_add_test(bad, test_general_name_bad);
	tcase_add_test(bad, test_duplicate_extension_api);
	for (i = 0; i < sizeof(bad_tests) / sizeof(bad_tests[0]); i++)
		tcase_add_test(bad, bad_tests[i]);
	suite_add_tcase(s, good);
	suite_add_tcase(s, bad);
	tcase_add_test(cross, openssl_root_ca);
	tcase_add_test(cross, openssl_intermediate_ca);
	tcase_add_test(cross, openssl_server);
	tcase_add_test(cross, openssl_client);
	tcase_add_test(cross, openssl_ocsp_signer);
	tcase_add_test(cross, openssl_isrg_root_x2);
	tcase_add_test(cross, openssl_webpki_intermediate);
	tcase_add_test(cross, openssl_webpki_leaf);
	tcase_add_test(cross, openssl_compat);
	suite_add_tcase(s, cross);
	return th_run(s);
}
