/* Unit tests for src/x509build.c, signing and re-verification: the key
 * must match the issuer certificate, the hash must be known, and
 * x509_verify_signed() refuses a wrong issuer by name, key identifier or
 * signature. */
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

START_TEST(test_sign_with_mismatched_key)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile rp, sp;
	gnutls_privkey_t rk = xt_key("root-p384");
	gnutls_privkey_t other = xt_key("inter-rsa2048");
	gnutls_x509_crq_t q = xt_csr("good-p256.csr");
	gnutls_x509_crt_t root, leaf;

	xt_profile_root(&rp);
	xt_profile_server(&sp);
	root = xt_make_root(rk, &rp);
	ck_assert(xt_build_leaf(&sp, q, root, NULL, &leaf, NULL, &err) == 0);
	ck_assert_int_eq(x509_sign_cert(leaf, root, other, "sha256", &err),
	    HSMCA_E_VERIFY);
	ck_assert_ptr_nonnull(strstr(err.msg, "does not match"));
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_crt_deinit(root);
	gnutls_x509_crq_deinit(q);
	gnutls_privkey_deinit(other);
	gnutls_privkey_deinit(rk);
}
END_TEST

/* Same issuer name, different key: the name and key-identifier check
 * refuses it, and without key identifiers the signature check does. */
START_TEST(test_verify_signed_wrong_issuer)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile rp, sp;
	gnutls_privkey_t rk = xt_key("root-p384");
	gnutls_privkey_t lk = xt_key("leaf-p256");
	gnutls_x509_crq_t q = xt_csr("good-p256.csr");
	gnutls_x509_crt_t root, other, leaf;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		xt_profile_root(&rp);
		xt_profile_server(&sp);
		rp.ext.ski = pass == 0;
		sp.ext.aki.present = pass == 0;
		root = xt_make_root(rk, &rp);
		other = xt_make_root(lk, &rp);   /* same subject, different key */
		ck_assert(xt_build_leaf(&sp, q, root, NULL, &leaf, NULL,
		    &err) == 0);
		ck_assert(x509_sign_cert(leaf, root, rk, NULL, &err) == 0);
		ck_assert(x509_verify_signed(leaf, root, &err) == 0);
		ck_assert_int_eq(x509_verify_signed(leaf, other, &err),
		    HSMCA_E_VERIFY);
		ck_assert_msg(strstr(err.msg, pass ? "does not verify with the "
		    "issuer's public key" : "issuer does not match") != NULL,
		    "%s", err.msg);
		gnutls_x509_crt_deinit(leaf);
		gnutls_x509_crt_deinit(other);
		gnutls_x509_crt_deinit(root);
	}
	gnutls_x509_crq_deinit(q);
	gnutls_privkey_deinit(lk);
	gnutls_privkey_deinit(rk);
}
END_TEST

START_TEST(test_unknown_hash)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile rp;
	gnutls_privkey_t rk = xt_key("root-p384");
	gnutls_x509_crt_t root;

	xt_profile_root(&rp);
	root = xt_make_root(rk, &rp);
	ck_assert_int_eq(x509_sign_cert(root, NULL, rk, "md5", &err),
	    HSMCA_E_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown hash 'md5'"));
	gnutls_x509_crt_deinit(root);
	gnutls_privkey_deinit(rk);
}
END_TEST

static Suite *
x509build_sign_suite(void)
{
	Suite *s = suite_create("x509build-sign");
	TCase *sign = xt_tcase("sign");

	tcase_add_test(sign, test_sign_with_mismatched_key);
	tcase_add_test(sign, test_verify_signed_wrong_issuer);
	tcase_add_test(sign, test_unknown_hash);
	suite_add_tcase(s, sign);
	return s;
}

int
main(void)
{
	return th_run(x509build_sign_suite());
}
