/* Unit tests for src/lint.c: every rule fires on a certificate that breaks
 * it and stays quiet on the same certificate without the fault.  The
 * certificates are assembled with GnuTLS directly (not x509_build_cert), so
 * that each fault can be made on purpose. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <gnutls/x509-ext.h>

#include "hsmca/lint.h"
#include "helpers.h"

#define NOW ((time_t)1767225600)

/* One certificate's shape.  ca: -1 no basicConstraints, 0 CA:FALSE, 1
 * CA:TRUE.  ku: 0 no keyUsage.  The defaults make a clean server leaf. */
struct spec {
	const char *key;
	const char *subject;
	int ca, pathlen;
	unsigned ku;
	bool server_eku;
	const char *san;
	bool san_crit, ski, ski_crit, aki_crit, netscape;
	unsigned char serial[24];
	size_t slen;
	time_t nb, na;
};

static void
spec_leaf(struct spec *s)
{
	memset(s, 0, sizeof(*s));
	s->key = "leaf-p256";
	s->subject = "CN=www.example.com";
	s->ca = 0;
	s->pathlen = -1;
	s->ku = GNUTLS_KEY_DIGITAL_SIGNATURE;
	s->server_eku = true;
	s->san = "www.example.com";
	s->ski = true;
	s->serial[0] = 0x12;
	s->serial[19] = 0x34;
	s->slen = 20;
	s->nb = NOW;
	s->na = NOW + 90 * 86400;
}

static void
spec_ca(struct spec *s, int pathlen)
{
	spec_leaf(s);
	s->key = "root-p384";
	s->subject = "CN=Lint Root";
	s->ca = 1;
	s->pathlen = pathlen;
	s->ku = GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN;
	s->server_eku = false;
	s->san = NULL;
	s->na = NOW + 3650 * 86400;
}

static gnutls_pubkey_t
fixture_pub(const char *name)
{
	const char *src = getenv("HSMCA_SRCDIR");
	gnutls_privkey_t k;
	gnutls_pubkey_t p;
	gnutls_datum_t d;
	size_t len;
	char *path;

	ck_assert_ptr_nonnull(src);
	ck_assert(asprintf(&path, "%s/tests/fixtures/golden/%s.key", src,
	    name) > 0);
	d.data = (unsigned char *)th_read_file(path, &len);
	ck_assert_ptr_nonnull(d.data);
	d.size = (unsigned)len;
	ck_assert(gnutls_privkey_init(&k) == 0);
	ck_assert(gnutls_privkey_import_x509_raw(k, &d, GNUTLS_X509_FMT_PEM,
	    NULL, 0) == 0);
	ck_assert(gnutls_pubkey_init(&p) == 0);
	ck_assert(gnutls_pubkey_import_privkey(p, k, 0, 0) == 0);
	gnutls_privkey_deinit(k);
	free(d.data);
	free(path);
	return p;
}

static void
put(gnutls_x509_crt_t c, const char *oid, gnutls_datum_t *der, int r,
    unsigned crit)
{
	ck_assert_int_eq(r, 0);
	ck_assert(gnutls_x509_crt_set_extension_by_oid(c, oid, der->data,
	    der->size, crit) == 0);
	gnutls_free(der->data);
}

static void
add_extensions(gnutls_x509_crt_t c, const struct spec *s)
{
	static unsigned char id[20] = { 1, 2, 3 };
	gnutls_datum_t der, d = { id, sizeof(id) };
	gnutls_x509_key_purposes_t kp;
	gnutls_x509_aki_t aki;

	if (s->ku)
		put(c, "2.5.29.15", &der,
		    gnutls_x509_ext_export_key_usage(s->ku, &der), 1);
	if (s->ca >= 0)
		put(c, "2.5.29.19", &der, gnutls_x509_ext_export_basic_constraints(
		    (unsigned)s->ca, s->pathlen, &der), 1);
	if (s->server_eku) {
		ck_assert(gnutls_x509_key_purpose_init(&kp) == 0);
		ck_assert(gnutls_x509_key_purpose_set(kp,
		    GNUTLS_KP_TLS_WWW_SERVER) == 0);
		put(c, "2.5.29.37", &der,
		    gnutls_x509_ext_export_key_purposes(kp, &der), 0);
		gnutls_x509_key_purpose_deinit(kp);
	}
	if (s->ski)
		put(c, "2.5.29.14", &der,
		    gnutls_x509_ext_export_subject_key_id(&d, &der), s->ski_crit);
	if (s->aki_crit) {
		ck_assert(gnutls_x509_aki_init(&aki) == 0);
		ck_assert(gnutls_x509_aki_set_id(aki, &d) == 0);
		put(c, "2.5.29.35", &der,
		    gnutls_x509_ext_export_authority_key_id(aki, &der), 1);
		gnutls_x509_aki_deinit(aki);
	}
	if (s->san != NULL)
		ck_assert(gnutls_x509_crt_set_subject_alt_name(c,
		    GNUTLS_SAN_DNSNAME, s->san, (unsigned)strlen(s->san),
		    GNUTLS_FSAN_SET) == 0);
	if (s->san != NULL && s->san_crit)
		ck_assert(gnutls_x509_crt_set_extension_by_oid(c, "2.5.29.17",
		    "\x30\x11\x82\x0fwww.example.com", 19, 1) == 0);
	if (s->netscape)
		ck_assert(gnutls_x509_crt_set_extension_by_oid(c,
		    "2.16.840.1.113730.1.1", "\x03\x02\x06\x40", 4, 0) == 0);
}

static gnutls_x509_crt_t
make(const struct spec *s)
{
	gnutls_pubkey_t p = fixture_pub(s->key);
	gnutls_x509_crt_t c;

	ck_assert(gnutls_x509_crt_init(&c) == 0);
	ck_assert(gnutls_x509_crt_set_version(c, 3) == 0);
	ck_assert(gnutls_x509_crt_set_serial(c, s->serial, s->slen) == 0);
	if (*s->subject != '\0')
		ck_assert(gnutls_x509_crt_set_dn(c, s->subject, NULL) == 0);
	ck_assert(gnutls_x509_crt_set_activation_time(c, s->nb) == 0);
	ck_assert(gnutls_x509_crt_set_expiration_time(c, s->na) == 0);
	ck_assert(gnutls_x509_crt_set_pubkey(c, p) == 0);
	add_extensions(c, s);
	gnutls_pubkey_deinit(p);
	return c;
}

static void
profile_any(struct hsmca_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->path = "lint.profile";
	p->rsa_min_bits = 2048;
}

/* Lint s (under issuer spec is, or self-signed when NULL); expect the rule
 * named (NULL: no error). */
static void
expect_p(const struct spec *s, const struct spec *is,
    const struct hsmca_profile *p, const char *rule)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_warnings w = { NULL, 0 };
	gnutls_x509_crt_t c = make(s), i = is ? make(is) : NULL;
	char want[64];
	int r;

	r = lint_cert(c, p, i, &w, &err);
	if (rule == NULL) {
		ck_assert_msg(r == 0, "unexpected: %s", err.msg);
	} else {
		snprintf(want, sizeof(want), "lint: %s: ", rule);
		ck_assert_int_eq(r, HSMCA_E_LINT);
		ck_assert_msg(strstr(err.msg, want) != NULL, "'%s' is not rule "
		    "%s", err.msg, rule);
	}
	hsmca_warnings_clear(&w);
	gnutls_x509_crt_deinit(c);
	if (i != NULL)
		gnutls_x509_crt_deinit(i);
}

static void
expect(const struct spec *s, const struct spec *is, const char *rule)
{
	struct hsmca_profile p;

	profile_any(&p);
	expect_p(s, is, &p, rule);
}

START_TEST(test_clean_leaf_and_root)
{
	struct spec s, r;

	spec_leaf(&s);
	spec_ca(&r, -1);
	expect(&s, &r, NULL);
	expect(&r, NULL, NULL);
}
END_TEST

START_TEST(test_key_encipherment_on_ec)
{
	struct spec s;

	spec_leaf(&s);
	s.ku |= GNUTLS_KEY_KEY_ENCIPHERMENT;
	expect(&s, NULL, "ku-key-type");
	s.key = "inter-rsa2048";
	expect(&s, NULL, NULL);
}
END_TEST

START_TEST(test_data_encipherment_on_ed25519)
{
	struct spec s;

	spec_leaf(&s);
	s.key = "ed25519";
	expect(&s, NULL, NULL);
	s.ku |= GNUTLS_KEY_DATA_ENCIPHERMENT;
	expect(&s, NULL, "ku-key-type");
}
END_TEST

START_TEST(test_key_agreement_on_rsa)
{
	struct spec s;

	spec_leaf(&s);
	s.ku |= GNUTLS_KEY_KEY_AGREEMENT;
	expect(&s, NULL, NULL);              /* ECDH: fine on EC */
	s.key = "inter-rsa2048";
	expect(&s, NULL, "ku-key-type");
}
END_TEST

START_TEST(test_server_without_san)
{
	struct spec s;

	spec_leaf(&s);
	s.san = NULL;
	expect(&s, NULL, "server-san");
	s.server_eku = false;
	expect(&s, NULL, NULL);
}
END_TEST

/* CA/B Forum BR 7.1.2.2: a TLS subordinate CA carries EKU serverAuth, and
 * CA certificates carry no SAN; server-san is for end entities. */
START_TEST(test_server_eku_ca_without_san)
{
	struct spec s, is;

	spec_ca(&s, 0);
	s.key = "inter-rsa2048";
	s.subject = "CN=TLS Sub CA";
	s.server_eku = true;
	s.na = NOW + 365 * 86400;
	spec_ca(&is, -1);
	expect(&s, &is, NULL);
	/* no basicConstraints at all: an end entity, the rule applies */
	spec_leaf(&s);
	s.ca = -1;
	s.san = NULL;
	expect(&s, NULL, "server-san");
}
END_TEST

START_TEST(test_pathlen_without_ca)
{
	struct spec s;

	spec_leaf(&s);
	s.pathlen = 0;
	expect(&s, NULL, "pathlen-not-ca");
}
END_TEST

START_TEST(test_issuer_pathlen_zero_issuing_ca)
{
	struct spec s, is;

	spec_ca(&s, -1);
	s.key = "inter-rsa2048";
	s.subject = "CN=Sub CA";
	s.na = NOW + 365 * 86400;
	spec_ca(&is, 0);
	expect(&s, &is, "issuer-pathlen");
	spec_ca(&is, 1);
	expect(&s, &is, NULL);
	spec_leaf(&s);
	spec_ca(&is, 0);
	expect(&s, &is, NULL);               /* a leaf is fine under pathlen 0 */
}
END_TEST

START_TEST(test_issuer_not_a_ca)
{
	struct spec s, is;

	spec_ca(&s, -1);
	s.key = "inter-rsa2048";
	spec_leaf(&is);
	expect(&s, &is, "issuer-pathlen");
}
END_TEST

START_TEST(test_outlives_issuer)
{
	struct spec s, is;

	spec_leaf(&s);
	spec_ca(&is, -1);
	s.na = is.na + 1;
	expect(&s, &is, "issuer-validity");
	s.na = is.na;
	expect(&s, &is, NULL);
}
END_TEST

START_TEST(test_validity_inverted)
{
	struct spec s;

	spec_leaf(&s);
	s.na = s.nb;
	expect(&s, NULL, "validity");
}
END_TEST

START_TEST(test_rsa_too_small)
{
	struct spec s;

	spec_leaf(&s);
	s.key = "rsa1024";
	expect(&s, NULL, "key-size");
}
END_TEST

START_TEST(test_rsa_below_profile_minimum)
{
	struct hsmca_profile p;
	struct spec s;

	spec_leaf(&s);
	s.key = "inter-rsa2048";
	profile_any(&p);
	expect_p(&s, NULL, &p, NULL);
	p.rsa_min_bits = 3072;
	expect_p(&s, NULL, &p, "key-size");
}
END_TEST

START_TEST(test_key_type_not_listed)
{
	struct hsmca_profile p;
	struct spec s;

	spec_leaf(&s);
	profile_any(&p);
	p.key_types = HSMCA_KT_EC_P384 | HSMCA_KT_RSA;
	expect_p(&s, NULL, &p, "key-type");
	p.key_types |= HSMCA_KT_EC_P256;
	expect_p(&s, NULL, &p, NULL);
}
END_TEST

START_TEST(test_serial_negative)
{
	struct spec s;

	spec_leaf(&s);
	s.serial[0] = 0x8a;
	expect(&s, NULL, "serial");
}
END_TEST

/* GnuTLS refuses to set a zero serial, so openssl makes this one. */
START_TEST(test_serial_zero)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile p;
	const char *src = getenv("HSMCA_SRCDIR");
	char cmd[1024], pem[8192];
	gnutls_datum_t d;
	gnutls_x509_crt_t c;
	size_t n;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "openssl req -x509 -key '%s/tests/fixtures/"
	    "golden/leaf-p256.key' -subj /CN=zero -set_serial 0 -days 1 "
	    "-addext subjectAltName=DNS:zero.example 2>/dev/null", src);
	ck_assert_ptr_nonnull(f = popen(cmd, "r"));
	n = fread(pem, 1, sizeof(pem), f);
	ck_assert_int_eq(pclose(f), 0);
	d.data = (unsigned char *)pem;
	d.size = (unsigned)n;
	ck_assert(gnutls_x509_crt_init(&c) == 0);
	ck_assert(gnutls_x509_crt_import(c, &d, GNUTLS_X509_FMT_PEM) == 0);
	profile_any(&p);
	ck_assert_int_eq(lint_cert(c, &p, NULL, NULL, &err), HSMCA_E_LINT);
	ck_assert_ptr_nonnull(strstr(err.msg, "lint: serial: zero serial"));
	gnutls_x509_crt_deinit(c);
}
END_TEST

START_TEST(test_serial_too_long)
{
	struct spec s;

	spec_leaf(&s);
	s.serial[0] = 0x7f;
	s.slen = 21;
	expect(&s, NULL, "serial");
	s.slen = 20;
	expect(&s, NULL, NULL);
}
END_TEST

START_TEST(test_keycertsign_without_ca)
{
	struct spec s;

	spec_leaf(&s);
	s.ku |= GNUTLS_KEY_KEY_CERT_SIGN;
	expect(&s, NULL, "ca-keycertsign");
}
END_TEST

START_TEST(test_ca_without_keycertsign)
{
	struct spec s;

	spec_ca(&s, -1);
	s.ku = GNUTLS_KEY_CRL_SIGN;
	expect(&s, NULL, "ca-keycertsign");
	s.ku = 0;
	expect(&s, NULL, "ca-keycertsign");
}
END_TEST

START_TEST(test_critical_ski)
{
	struct spec s;

	spec_leaf(&s);
	s.ski_crit = true;
	expect(&s, NULL, "critical-keyid");
}
END_TEST

START_TEST(test_critical_aki)
{
	struct spec s;

	spec_leaf(&s);
	s.aki_crit = true;
	expect(&s, NULL, "critical-keyid");
}
END_TEST

START_TEST(test_empty_subject)
{
	struct spec s;

	spec_leaf(&s);
	s.subject = "";
	expect(&s, NULL, "empty-subject");
	s.san_crit = true;
	expect(&s, NULL, NULL);
}
END_TEST

START_TEST(test_netscape)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_warnings w = { NULL, 0 };
	struct hsmca_profile p;
	struct spec s;
	gnutls_x509_crt_t c;

	spec_leaf(&s);
	s.netscape = true;
	expect(&s, NULL, "netscape");
	profile_any(&p);
	p.allow_netscape = true;
	c = make(&s);
	ck_assert(lint_cert(c, &p, NULL, &w, &err) == 0);
	ck_assert_uint_eq(w.n, 1);
	ck_assert_ptr_nonnull(strstr(w.msgs[0], "lint: netscape:"));
	hsmca_warnings_clear(&w);
	gnutls_x509_crt_deinit(c);
}
END_TEST

static Suite *
lint_suite(void)
{
	Suite *s = suite_create("lint");
	TCase *t = tcase_create("rules");

	tcase_add_test(t, test_clean_leaf_and_root);
	tcase_add_test(t, test_key_encipherment_on_ec);
	tcase_add_test(t, test_data_encipherment_on_ed25519);
	tcase_add_test(t, test_key_agreement_on_rsa);
	tcase_add_test(t, test_server_without_san);
	tcase_add_test(t, test_server_eku_ca_without_san);
	tcase_add_test(t, test_pathlen_without_ca);
	tcase_add_test(t, test_issuer_pathlen_zero_issuing_ca);
	tcase_add_test(t, test_issuer_not_a_ca);
	tcase_add_test(t, test_outlives_issuer);
	tcase_add_test(t, test_validity_inverted);
	tcase_add_test(t, test_rsa_too_small);
	tcase_add_test(t, test_rsa_below_profile_minimum);
	tcase_add_test(t, test_key_type_not_listed);
	tcase_add_test(t, test_serial_negative);
	tcase_add_test(t, test_serial_zero);
	tcase_add_test(t, test_serial_too_long);
	tcase_add_test(t, test_keycertsign_without_ca);
	tcase_add_test(t, test_ca_without_keycertsign);
	tcase_add_test(t, test_critical_ski);
	tcase_add_test(t, test_critical_aki);
	tcase_add_test(t, test_empty_subject);
	tcase_add_test(t, test_netscape);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return th_run(lint_suite());
}
