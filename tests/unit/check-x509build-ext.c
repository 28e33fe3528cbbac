/* Unit tests for src/x509ext.c and src/x509util.c's key identifier: the
 * profile's extensions as they land in certificates -- SKI as OpenSSL
 * computes it, AKI, keyUsage for RSA key transport, the SAN allow-list and
 * --san override, a web-PKI intermediate's name constraints, CRL DP, AIA
 * and policies, and the refused-unless-allowed Netscape extensions. */
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

/* Method (1) as OpenSSL computes it for the same key. */
START_TEST(test_ski_matches_openssl)
{
	static const char *keys[] = { "root-p384", "inter-rsa2048",
	    "ed25519" };
	struct hsmca_error err = { 0, "" };
	unsigned char id[20];
	char cmd[1024], want[128], *kp, *out;
	size_t i, j;
	int st;

	for (i = 0; i < 3; i++) {
		gnutls_privkey_t k = xt_key(keys[i]);
		gnutls_pubkey_t p = xt_pub_of(k);
		char rel[64];

		ck_assert(x509_key_id(p, id, &err) == 0);
		snprintf(rel, sizeof(rel), "golden/%s.key", keys[i]);
		kp = xt_fixture_path(rel);
		snprintf(cmd, sizeof(cmd), "openssl req -x509 -key '%s' -subj "
		    "/CN=x -days 1 -addext subjectKeyIdentifier=hash 2>/dev/null"
		    " | openssl x509 -noout -ext subjectKeyIdentifier | tail -1 "
		    "| tr -d ' :\\n'", kp);
		out = xt_run(cmd, &st);
		ck_assert_int_eq(st, 0);
		for (j = 0; j < 20; j++)
			snprintf(want + 2 * j, 3, "%02X", id[j]);
		ck_assert_str_eq(out, want);
		free(out);
		free(kp);
		gnutls_pubkey_deinit(p);
		gnutls_privkey_deinit(k);
	}
}
END_TEST

/* rsa_key_encipherment adds keyEncipherment for RSA keys only. */
START_TEST(test_rsa_key_encipherment)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile sp;
	gnutls_x509_crq_t rq = xt_csr("rsa2048.csr");
	gnutls_x509_crq_t eq = xt_csr("good-p256.csr");
	gnutls_x509_crt_t rc, ec;
	unsigned ku, crit;

	xt_profile_server(&sp);
	sp.rsa_key_encipherment = true;
	ck_assert(xt_build_leaf(&sp, rq, NULL, NULL, &rc, NULL, &err) == 0);
	ck_assert(xt_build_leaf(&sp, eq, NULL, NULL, &ec, NULL, &err) == 0);
	ck_assert(gnutls_x509_crt_get_key_usage(rc, &ku, &crit) >= 0);
	ck_assert_uint_eq(ku, GNUTLS_KEY_DIGITAL_SIGNATURE |
	    GNUTLS_KEY_KEY_ENCIPHERMENT);
	ck_assert(gnutls_x509_crt_get_key_usage(ec, &ku, &crit) >= 0);
	ck_assert_uint_eq(ku, GNUTLS_KEY_DIGITAL_SIGNATURE);
	ck_assert_msg(lint_cert(rc, &sp, NULL, NULL, &err) == 0, "%s", err.msg);
	ck_assert_msg(lint_cert(ec, &sp, NULL, NULL, &err) == 0, "%s", err.msg);
	gnutls_x509_crt_deinit(rc);
	gnutls_x509_crt_deinit(ec);
	gnutls_x509_crq_deinit(rq);
	gnutls_x509_crq_deinit(eq);
}
END_TEST

START_TEST(test_san_type_not_allowed)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile sp;
	gnutls_x509_crq_t q = xt_csr("ip-san.csr");
	gnutls_x509_crt_t leaf = NULL;
	int r;

	xt_profile_server(&sp);
	r = xt_build_leaf(&sp, q, NULL, NULL, &leaf, NULL, &err);
	ck_assert_int_eq(r, HSMCA_E_POLICY);
	ck_assert_ptr_nonnull(strstr(err.msg, "type IP is not allowed"));
	gnutls_x509_crq_deinit(q);
}
END_TEST

START_TEST(test_san_override_replaces_csr)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile sp;
	struct hsmca_general_name gn[] = { { HSMCA_GN_DNS, "other.example" } };
	struct hsmca_gn_list san = { gn, 1 };
	gnutls_x509_crq_t q = xt_csr("good-p256.csr");
	gnutls_privkey_t lk = xt_key("leaf-p256");
	gnutls_x509_crt_t leaf;
	char *path, *text;

	xt_profile_server(&sp);
	ck_assert(xt_build_leaf(&sp, q, NULL, &san, &leaf, NULL, &err) == 0);
	ck_assert(x509_sign_cert(leaf, NULL, lk, NULL, &err) == 0);
	path = xt_write_crt(leaf, "leaf.pem");
	text = xt_openssl_text(path);
	ck_assert_ptr_nonnull(strstr(text, "X509v3 Subject Alternative Name: "
	    "\n                DNS:other.example\n"));
	ck_assert_ptr_null(strstr(text, "DNS:www.example.com"));
	free(text);
	free(path);
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_crq_deinit(q);
	gnutls_privkey_deinit(lk);
}
END_TEST

START_TEST(test_san_required_missing)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile sp;
	gnutls_x509_crq_t q = xt_csr("good-p256.csr");
	gnutls_x509_crt_t leaf = NULL;

	xt_profile_server(&sp);
	sp.san_from_csr = false;
	sp.san_required = true;
	ck_assert_int_eq(xt_build_leaf(&sp, q, NULL, NULL, &leaf, NULL, &err),
	    HSMCA_E_POLICY);
	ck_assert_ptr_nonnull(strstr(err.msg, "requires a subjectAltName"));
	gnutls_x509_crq_deinit(q);
}
END_TEST

/* A web-PKI-shaped intermediate: pathlen 0, name constraints, CRL DP,
 * AIA, policies with CPS; then a leaf under it, checked by openssl. */
START_TEST(test_intermediate_web_pki)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile rp, ip, sp;
	struct hsmca_general_name perm[] = { { HSMCA_GN_DNS, "example.com" },
	    { HSMCA_GN_IP, "10.0.0.0/8" } };
	struct hsmca_general_name excl[] = { { HSMCA_GN_DNS,
	    "forbidden.example.com" } };
	struct hsmca_general_name cdp[] = { { HSMCA_GN_URI,
	    "http://crl.example.com/inter.crl" } };
	struct hsmca_general_name ocsp[] = { { HSMCA_GN_URI,
	    "http://ocsp.example.com" } };
	struct hsmca_general_name cai[] = { { HSMCA_GN_URI,
	    "http://ca.example.com/root.crt" } };
	struct hsmca_policy_info pol[] = { { "2.23.140.1.2.1", NULL },
	    { "1.3.6.1.4.1.99999.1", "https://pki.example.com/cps" } };
	gnutls_privkey_t rk = xt_key("root-p384");
	gnutls_privkey_t ik = xt_key("inter-rsa2048");
	gnutls_pubkey_t ipub = xt_pub_of(ik);
	gnutls_x509_crt_t root, inter, leaf;
	gnutls_x509_crq_t q = xt_csr("good-p256.csr");
	struct hsmca_issue in;
	char *rpath, *ipath, *lpath, *text;

	xt_profile_root(&rp);
	xt_profile_root(&ip);
	ip.ext.basic_constraints.pathlen = 0;
	ip.ext.aki.present = ip.ext.aki.keyid = ip.ext.aki.always = true;
	ip.ext.name_constraints.present = true;
	ip.ext.name_constraints.critical = true;
	ip.ext.name_constraints.permitted = (struct hsmca_gn_list){ perm, 2 };
	ip.ext.name_constraints.excluded = (struct hsmca_gn_list){ excl, 1 };
	ip.ext.crl_dp.present = true;
	ip.ext.crl_dp.uris = (struct hsmca_gn_list){ cdp, 1 };
	ip.ext.aia.present = true;
	ip.ext.aia.ocsp = (struct hsmca_gn_list){ ocsp, 1 };
	ip.ext.aia.ca_issuers = (struct hsmca_gn_list){ cai, 1 };
	ip.ext.policies.present = true;
	ip.ext.policies.items = pol;
	ip.ext.policies.n = 2;
	root = xt_make_root(rk, &rp);
	memset(&in, 0, sizeof(in));
	in.profile = &ip;
	in.subject = "CN=Test Intermediate,O=Example Trust,C=US";
	in.pubkey = ipub;
	in.issuer = root;
	in.serial = xt_serial_b;
	in.serial_len = 20;
	in.now = XT_NOW;
	ck_assert_msg(x509_build_cert(&in, &inter, NULL, &err) == 0, "%s",
	    err.msg);
	ck_assert_msg(lint_cert(inter, &ip, root, NULL, &err) == 0, "%s",
	    err.msg);
	ck_assert(x509_sign_cert(inter, root, rk, "sha384", &err) == 0);
	xt_profile_server(&sp);
	ck_assert(xt_build_leaf(&sp, q, inter, NULL, &leaf, NULL, &err) == 0);
	ck_assert_msg(lint_cert(leaf, &sp, inter, NULL, &err) == 0, "%s",
	    err.msg);
	ck_assert(x509_sign_cert(leaf, inter, ik, "sha256", &err) == 0);
	ck_assert(x509_verify_signed(leaf, inter, &err) == 0);
	rpath = xt_write_crt(root, "root.pem");
	ipath = xt_write_crt(inter, "inter.pem");
	lpath = xt_write_crt(leaf, "leaf.pem");
	text = xt_openssl_text(ipath);
	xt_golden("intermediate.txt", text);
	ck_assert_ptr_nonnull(strstr(text, "Permitted:\n"));
	ck_assert_ptr_nonnull(strstr(text, "IP:10.0.0.0/255.0.0.0"));
	ck_assert_ptr_nonnull(strstr(text, "CPS: https://pki.example.com/cps"));
	ck_assert_ptr_nonnull(strstr(text, "OCSP - URI:http://ocsp.example.com"));
	xt_openssl_verify_ok(rpath, ipath, lpath);
	free(text);
	free(rpath);
	free(ipath);
	free(lpath);
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_crt_deinit(inter);
	gnutls_x509_crt_deinit(root);
	gnutls_x509_crq_deinit(q);
	gnutls_pubkey_deinit(ipub);
	gnutls_privkey_deinit(ik);
	gnutls_privkey_deinit(rk);
}
END_TEST

/* An issuer without SKI: keyid:always refuses, keyid warns and omits. */
START_TEST(test_aki_issuer_without_ski)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_warnings w = { NULL, 0 };
	struct hsmca_profile rp, sp;
	gnutls_privkey_t rk = xt_key("root-p384");
	gnutls_x509_crq_t q = xt_csr("good-p256.csr");
	gnutls_x509_crt_t root, leaf = NULL;
	unsigned char id[64];
	size_t idl = sizeof(id);
	unsigned crit;

	xt_profile_root(&rp);
	rp.ext.ski = false;
	xt_profile_server(&sp);
	root = xt_make_root(rk, &rp);
	sp.ext.aki.always = true;
	ck_assert_int_eq(xt_build_leaf(&sp, q, root, NULL, &leaf, &w, &err),
	    HSMCA_E_POLICY);
	ck_assert_ptr_nonnull(strstr(err.msg, "keyid:always"));
	sp.ext.aki.always = false;
	ck_assert(xt_build_leaf(&sp, q, root, NULL, &leaf, &w, &err) == 0);
	ck_assert_uint_eq(w.n, 1);
	ck_assert_ptr_nonnull(strstr(w.msgs[0], "no authorityKeyIdentifier"));
	ck_assert_int_eq(gnutls_x509_crt_get_authority_key_id(leaf, id, &idl,
	    &crit), GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE);
	hsmca_warnings_clear(&w);
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_crt_deinit(root);
	gnutls_x509_crq_deinit(q);
	gnutls_privkey_deinit(rk);
}
END_TEST

START_TEST(test_netscape_refused_or_warned)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_warnings w = { NULL, 0 };
	struct hsmca_profile sp;
	gnutls_x509_crq_t q = xt_csr("good-p256.csr");
	gnutls_privkey_t lk = xt_key("leaf-p256");
	gnutls_x509_crt_t leaf = NULL;
	char *path, *text;

	xt_profile_server(&sp);
	sp.ext.ns_cert_type.present = true;
	sp.ext.ns_cert_type.bits = 0x40;
	sp.ext.ns_comment = "hsmca test";
	ck_assert_int_eq(xt_build_leaf(&sp, q, NULL, NULL, &leaf, &w, &err),
	    HSMCA_E_POLICY);
	ck_assert_ptr_nonnull(strstr(err.msg, "allow_netscape"));
	sp.allow_netscape = true;
	ck_assert(xt_build_leaf(&sp, q, NULL, NULL, &leaf, &w, &err) == 0);
	ck_assert_uint_ge(w.n, 1);
	ck_assert_ptr_nonnull(strstr(w.msgs[0], "Netscape"));
	ck_assert(x509_sign_cert(leaf, NULL, lk, NULL, &err) == 0);
	path = xt_write_crt(leaf, "ns.pem");
	text = xt_openssl_text(path);
	ck_assert_ptr_nonnull(strstr(text, "Netscape Cert Type: \n"
	    "                SSL Server"));
	ck_assert_ptr_nonnull(strstr(text, "Netscape Comment: \n"
	    "                hsmca test"));
	free(text);
	free(path);
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_crq_deinit(q);
	gnutls_privkey_deinit(lk);
	hsmca_warnings_clear(&w);
}
END_TEST

static Suite *
x509build_ext_suite(void)
{
	Suite *s = suite_create("x509build-ext");
	TCase *ext = xt_tcase("ext");

	tcase_add_test(ext, test_ski_matches_openssl);
	tcase_add_test(ext, test_rsa_key_encipherment);
	tcase_add_test(ext, test_san_type_not_allowed);
	tcase_add_test(ext, test_san_override_replaces_csr);
	tcase_add_test(ext, test_san_required_missing);
	tcase_add_test(ext, test_intermediate_web_pki);
	tcase_add_test(ext, test_aki_issuer_without_ski);
	tcase_add_test(ext, test_netscape_refused_or_warned);
	suite_add_tcase(s, ext);
	return s;
}

int
main(void)
{
	return th_run(x509build_ext_suite());
}
