/* Unit tests for src/x509build.c, building certificates: roots of each key
 * type in ISRG Root X2's shape, leaves from requests (a CA:TRUE request
 * still gives CA:FALSE), validity, serial and subject (DN policy, --subject
 * override, index fields), and the shipped profiles end to end.  Text dumps
 * are compared with tests/fixtures/golden/ and every certificate is
 * checked by openssl. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "hsmca/lint.h"
#include "hsmca/x509build.h"
#include "helpers.h"
#include "helpers-x509.h"

/* The signature algorithm and the extension lines of a certificate, with
 * the hex of key identifiers left out. */
static char *
extension_shape(const char *path)
{
	char cmd[1024], *out;
	int st;

	snprintf(cmd, sizeof(cmd), "openssl x509 -noout -text -certopt "
	    "no_sigdump -in '%s' | grep -E 'Signature Algorithm|X509v3|"
	    "^ +[A-Za-z]' | sed -n '/Signature Algorithm/p; /X509v3 "
	    "extensions/,$p' | grep -vE '^ *([0-9A-F]{2}:){3}'", path);
	out = xt_run(cmd, &st);
	ck_assert_int_eq(st, 0);
	return out;
}

static struct hsmca_profile *
shipped(const char *name)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile *p = NULL;
	char rel[128], *path;

	snprintf(rel, sizeof(rel), "../../profiles/%s.profile", name);
	path = xt_fixture_path(rel);
	ck_assert_msg(profile_load(path, NULL, &p, &err) == 0, "%s", err.msg);
	free(path);
	return p;
}

/* Issue with one shipped profile: build, lint, sign, re-verify. */
static gnutls_x509_crt_t
issue_shipped(const char *profile, const char *csr, gnutls_x509_crt_t issuer,
    gnutls_privkey_t ikey)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile *p = shipped(profile);
	gnutls_x509_crq_t q = xt_csr(csr);
	gnutls_x509_crt_t c;

	ck_assert_msg(xt_build_leaf(p, q, issuer, NULL, &c, NULL, &err) == 0,
	    "%s: %s", profile, err.msg);
	ck_assert_msg(lint_cert(c, p, issuer, NULL, &err) == 0, "%s: %s",
	    profile, err.msg);
	ck_assert(x509_sign_cert(c, issuer, ikey, p->hash, &err) == 0);
	ck_assert(x509_verify_signed(c, issuer, &err) == 0);
	gnutls_x509_crq_deinit(q);
	profile_free(p);
	return c;
}

START_TEST(test_root_isrg_x2_shape)
{
	struct hsmca_profile p;
	gnutls_privkey_t k = xt_key("root-p384");
	gnutls_x509_crt_t c;
	char *path, *text, *real, *ours, *theirs;

	xt_profile_root(&p);
	c = xt_make_root(k, &p);
	path = xt_write_crt(c, "root.pem");
	text = xt_openssl_text(path);
	ck_assert_ptr_nonnull(strstr(text, "ecdsa-with-SHA384"));
	ck_assert_ptr_nonnull(strstr(text, "X509v3 Key Usage: critical\n"
	    "                Certificate Sign, CRL Sign"));
	ck_assert_ptr_nonnull(strstr(text, "X509v3 Basic Constraints: "
	    "critical\n                CA:TRUE"));
	ck_assert_ptr_nonnull(strstr(text, "X509v3 Subject Key Identifier"));
	ck_assert_ptr_null(strstr(text, "Authority Key Identifier"));
	xt_golden("root-x2.txt", text);
	/* The same extensions, critical flags, order and signature algorithm
	 * as the real ISRG Root X2 (key identifier values aside). */
	real = xt_fixture_path("golden/isrg-root-x2.pem");
	ours = extension_shape(path);
	theirs = extension_shape(real);
	ck_assert_str_eq(ours, theirs);
	ck_assert_ptr_nonnull(strstr(ours, "Signature Algorithm: "
	    "ecdsa-with-SHA384"));
	free(ours);
	free(theirs);
	free(real);
	xt_openssl_verify_ok(path, NULL, path);
	free(text);
	free(path);
	gnutls_x509_crt_deinit(c);
	gnutls_privkey_deinit(k);
}
END_TEST

/* Ed25519 and RSA roots: the hash argument is ignored for Ed25519. */
START_TEST(test_root_other_key_types)
{
	static const char *keys[][2] = { { "ed25519", "ED25519" },
	    { "inter-rsa2048", "sha512WithRSAEncryption" } };
	struct hsmca_profile p;
	gnutls_x509_crt_t c;
	char *path, *text;
	size_t i;

	for (i = 0; i < 2; i++) {
		gnutls_privkey_t k = xt_key(keys[i][0]);

		xt_profile_root(&p);
		p.hash = "sha512";
		c = xt_make_root(k, &p);
		path = xt_write_crt(c, "root.pem");
		text = xt_openssl_text(path);
		ck_assert_msg(strstr(text, keys[i][1]) != NULL, "no %s",
		    keys[i][1]);
		xt_openssl_verify_ok(path, NULL, path);
		free(text);
		free(path);
		gnutls_x509_crt_deinit(c);
		gnutls_privkey_deinit(k);
	}
}
END_TEST

START_TEST(test_leaf_from_ca_true_csr_is_not_a_ca)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_warnings w = { NULL, 0 };
	struct hsmca_profile rp, sp;
	gnutls_privkey_t rk = xt_key("root-p384");
	gnutls_x509_crt_t root, leaf;
	gnutls_x509_crq_t q = xt_csr("ca-true.csr");
	gnutls_x509_crt_t loaded;
	unsigned crit, ca;
	int pathlen, r;
	size_t len;
	char *rpath, *lpath, *text, *buf;

	xt_profile_root(&rp);
	xt_profile_server(&sp);
	root = xt_make_root(rk, &rp);
	r = xt_build_leaf(&sp, q, root, NULL, &leaf, &w, &err);
	ck_assert_msg(r == 0, "%s", err.msg);
	ck_assert(gnutls_x509_crt_get_basic_constraints(leaf, &crit, &ca,
	    &pathlen) >= 0);
	ck_assert_uint_eq(ca, 0);
	ck_assert(lint_cert(leaf, &sp, root, &w, &err) == 0);
	ck_assert(x509_sign_cert(leaf, root, rk, "sha256", &err) == 0);
	ck_assert(x509_verify_signed(leaf, root, &err) == 0);
	rpath = xt_write_crt(root, "root.pem");
	lpath = xt_write_crt(leaf, "leaf.pem");
	/* The issuer as read back from its file, the leaf still in memory. */
	buf = th_read_file(rpath, &len);
	ck_assert(x509_load_crt("root.pem", (unsigned char *)buf, len, &loaded,
	    &err) == 0);
	ck_assert_msg(x509_verify_signed(leaf, loaded, &err) == 0, "%s",
	    err.msg);
	gnutls_x509_crt_deinit(loaded);
	free(buf);
	text = xt_openssl_text(lpath);
	ck_assert_ptr_nonnull(strstr(text, "CA:FALSE"));
	ck_assert_ptr_null(strstr(text, "CA:TRUE"));
	ck_assert_ptr_null(strstr(text, "Certificate Sign"));
	ck_assert_ptr_nonnull(strstr(text, "DNS:evil.example.com"));
	xt_openssl_verify_ok(rpath, NULL, lpath);
	free(text);
	free(rpath);
	free(lpath);
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_crt_deinit(root);
	gnutls_x509_crq_deinit(q);
	gnutls_privkey_deinit(rk);
	hsmca_warnings_clear(&w);
}
END_TEST

START_TEST(test_leaf_golden_and_aki)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_warnings w = { NULL, 0 };
	struct hsmca_profile rp, sp;
	gnutls_privkey_t rk = xt_key("root-p384");
	gnutls_x509_crt_t root, leaf;
	gnutls_x509_crq_t q = xt_csr("good-p256.csr");
	unsigned char ski[20], aki[20];
	size_t sl = sizeof(ski), al = sizeof(aki);
	unsigned crit;
	char *rpath, *lpath, *text;

	xt_profile_root(&rp);
	xt_profile_server(&sp);
	root = xt_make_root(rk, &rp);
	ck_assert(xt_build_leaf(&sp, q, root, NULL, &leaf, &w, &err) == 0);
	ck_assert(lint_cert(leaf, &sp, root, &w, &err) == 0);
	ck_assert(x509_sign_cert(leaf, root, rk, "sha256", &err) == 0);
	ck_assert(gnutls_x509_crt_get_subject_key_id(root, ski, &sl,
	    &crit) == 0);
	ck_assert(gnutls_x509_crt_get_authority_key_id(leaf, aki, &al,
	    &crit) == 0);
	ck_assert_uint_eq(al, sl);
	ck_assert_mem_eq(aki, ski, sl);
	rpath = xt_write_crt(root, "root.pem");
	lpath = xt_write_crt(leaf, "leaf.pem");
	text = xt_openssl_text(lpath);
	xt_golden("leaf-server.txt", text);
	xt_openssl_verify_ok(rpath, NULL, lpath);
	free(text);
	free(rpath);
	free(lpath);
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_crt_deinit(root);
	gnutls_x509_crq_deinit(q);
	gnutls_privkey_deinit(rk);
}
END_TEST

START_TEST(test_policy_drops_fields_with_warning)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_warnings w = { NULL, 0 };
	struct hsmca_profile sp;
	struct hsmca_policy_rule rules[] = {
		{ "countryName", "2.5.4.6", HSMCA_POLICY_OPTIONAL },
		{ "organizationName", "2.5.4.10", HSMCA_POLICY_OPTIONAL },
		{ "commonName", "2.5.4.3", HSMCA_POLICY_SUPPLIED },
	};
	gnutls_x509_crq_t q = xt_csr("extra-fields.csr");
	gnutls_x509_crt_t leaf;
	char *hex, *one;
	time_t na;

	xt_profile_server(&sp);
	sp.has_policy = true;
	sp.policy = rules;
	sp.n_policy = 3;
	ck_assert(xt_build_leaf(&sp, q, NULL, NULL, &leaf, &w, &err) == 0);
	ck_assert_uint_eq(w.n, 2);
	ck_assert_ptr_nonnull(strstr(w.msgs[0], "organizationalUnitName="
	    "Web Team"));
	ck_assert_ptr_nonnull(strstr(w.msgs[1], "emailAddress="));
	ck_assert(x509_db_fields(leaf, &hex, &na, &one, &err) == 0);
	ck_assert_str_eq(one, "/C=US/O=Example/CN=www.example.com");
	ck_assert_str_eq(hex, "3B9902030405060708090A0B0C0D0E0F10111214");
	ck_assert_int_eq(na, XT_NOW + 90 * 86400);
	free(hex);
	free(one);
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_crq_deinit(q);
	hsmca_warnings_clear(&w);
}
END_TEST

START_TEST(test_subject_override_with_email)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile sp;
	struct hsmca_issue in;
	gnutls_x509_crq_t q = xt_csr("good-p256.csr");
	gnutls_privkey_t lk = xt_key("leaf-p256");
	gnutls_x509_crt_t leaf;
	char *path, *text;

	xt_profile_server(&sp);
	memset(&in, 0, sizeof(in));
	in.profile = &sp;
	in.csr = q;
	in.subject = "/C=DE/O=Beispiel M\xc3\xbcller GmbH/CN=x.example/"
	    "emailAddress=a@x.example";
	in.serial = xt_serial_b;
	in.serial_len = 20;
	in.now = XT_NOW;
	ck_assert_msg(x509_build_cert(&in, &leaf, NULL, &err) == 0, "%s",
	    err.msg);
	ck_assert(x509_sign_cert(leaf, NULL, lk, NULL, &err) == 0);
	path = xt_write_crt(leaf, "leaf.pem");
	text = xt_openssl_text(path);
	ck_assert_ptr_nonnull(strstr(text, "Subject: C = DE, O = Beispiel "
	    "M\\C3\\BCller GmbH, CN = x.example, emailAddress = a@x.example"));
	free(text);
	free(path);
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_crq_deinit(q);
	gnutls_privkey_deinit(lk);
}
END_TEST

/* The shipped profiles, as profile_load() reads them, give certificates
 * that pass lint and openssl: root, intermediate, server (EC and RSA, the
 * RSA one with keyEncipherment), client, OCSP signer. */
START_TEST(test_shipped_profiles)
{
	static const char *leafs[][3] = {
		{ "server", "good-p256.csr", "TLS Web Server Authentication" },
		{ "server", "rsa2048.csr", "Key Encipherment" },
		{ "client", "ip-san.csr", "TLS Web Client Authentication" },
		{ "ocsp-signer", "good-p256.csr", "OCSP Signing" },
	};
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile *rp = shipped("root-ca"), *ip;
	gnutls_privkey_t rk = xt_key("root-p384");
	gnutls_privkey_t ik = xt_key("leaf-p256");
	gnutls_pubkey_t ipub = xt_pub_of(ik);
	gnutls_x509_crt_t root, inter, leaf;
	struct hsmca_issue in;
	char *rpath, *ipath, *lpath, *text;
	size_t i;

	root = xt_make_root(rk, rp);
	ip = shipped("intermediate-ca");
	memset(&in, 0, sizeof(in));
	in.profile = ip;
	in.subject = "CN=Shipped Intermediate,O=Example,C=US";
	in.pubkey = ipub;
	in.issuer = root;
	in.serial = xt_serial_b;
	in.serial_len = 20;
	in.now = XT_NOW;
	ck_assert_msg(x509_build_cert(&in, &inter, NULL, &err) == 0, "%s",
	    err.msg);
	ck_assert_msg(lint_cert(inter, ip, root, NULL, &err) == 0, "%s",
	    err.msg);
	ck_assert(x509_sign_cert(inter, root, rk, ip->hash, &err) == 0);
	rpath = xt_write_crt(root, "root.pem");
	ipath = xt_write_crt(inter, "inter.pem");
	for (i = 0; i < sizeof(leafs) / sizeof(leafs[0]); i++) {
		leaf = issue_shipped(leafs[i][0], leafs[i][1], inter, ik);
		lpath = xt_write_crt(leaf, "leaf.pem");
		xt_openssl_verify_ok(rpath, ipath, lpath);
		text = xt_openssl_text(lpath);
		ck_assert_msg(strstr(text, leafs[i][2]) != NULL, "%s: no %s",
		    leafs[i][0], leafs[i][2]);
		free(text);
		free(lpath);
		gnutls_x509_crt_deinit(leaf);
	}
	free(rpath);
	free(ipath);
	gnutls_x509_crt_deinit(inter);
	gnutls_x509_crt_deinit(root);
	gnutls_pubkey_deinit(ipub);
	gnutls_privkey_deinit(ik);
	gnutls_privkey_deinit(rk);
	profile_free(ip);
	profile_free(rp);
}
END_TEST

static Suite *
x509build_cert_suite(void)
{
	Suite *s = suite_create("x509build-cert");
	TCase *cert = xt_tcase("cert");

	tcase_add_test(cert, test_root_isrg_x2_shape);
	tcase_add_test(cert, test_root_other_key_types);
	tcase_add_test(cert, test_leaf_from_ca_true_csr_is_not_a_ca);
	tcase_add_test(cert, test_leaf_golden_and_aki);
	tcase_add_test(cert, test_policy_drops_fields_with_warning);
	tcase_add_test(cert, test_subject_override_with_email);
	tcase_add_test(cert, test_shipped_profiles);
	suite_add_tcase(s, cert);
	return s;
}

int
main(void)
{
	return th_run(x509build_cert_suite());
}
