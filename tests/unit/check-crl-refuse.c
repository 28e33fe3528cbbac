/* Unit tests for the CRL module's refusals (src/crl.c): crl_build_sign()
 * fails with the specific HSMCA_E_* code and message, and releases nothing,
 * for a CRL that would outlive its CA, nextUpdate not after thisUpdate,
 * invalid reason codes, empty or over-long serials, an empty CRL number, a
 * hash that is not allowed, an AKI or a key that is not the issuer's, an
 * issuer without cRLSign and missing parameters.  The clock is fixed:
 * CT_T0 is 2026-01-01T00:00:00Z. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "hsmca/crl.h"
#include "helpers.h"
#include "helpers-crl.h"

/* Run crl_build_sign expecting failure with code and a message part. */
static void
expect_fail(const struct hsmca_crl_params *p, int code, const char *part)
{
	struct hsmca_error err = { 0 };
	gnutls_datum_t der = { (unsigned char *)"x", 1 };

	ck_assert_int_eq(crl_build_sign(p, &der, &err), code);
	ck_assert_int_eq(err.code, code);
	ck_assert_msg(strstr(err.msg, part) != NULL, "message: %s", err.msg);
	ck_assert_ptr_null(der.data);
	ck_assert_uint_eq(der.size, 0);
}

START_TEST(test_outlives_ca)
{
	char *dir = th_tmpdir();
	struct ct_ca ca = ct_make_ca(dir, "ec:secp256r1", CT_T0 + 30 * CT_DAY,
	    GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN);
	struct hsmca_crl_params p;
	struct hsmca_error err = { 0 };
	gnutls_datum_t der;

	ct_std_params(&p, &ca, "sha256", NULL, 0);
	p.next_update = CT_T0 + 31 * CT_DAY;
	expect_fail(&p, HSMCA_E_POLICY, "outlive the CA certificate");
	p.next_update = CT_T0 + 30 * CT_DAY;  /* exactly notAfter is fine */
	ck_assert_int_eq(crl_build_sign(&p, &der, &err), 0);
	gnutls_free(der.data);
	ct_free_ca(&ca);
	th_rmrf(dir);
	free(dir);
}
END_TEST

/* The refusals share one P-256 CA, made in a checked fixture. */
static struct {
	char *dir;
	struct ct_ca ca;
} fx;

static void
fx_setup(void)
{
	fx.dir = th_tmpdir();
	fx.ca = ct_std_ca(fx.dir, "ec:secp256r1");
}

static void
fx_teardown(void)
{
	ct_free_ca(&fx.ca);
	th_rmrf(fx.dir);
	free(fx.dir);
}

START_TEST(test_next_not_after_this)
{
	struct hsmca_crl_params p;

	ct_std_params(&p, &fx.ca, "sha256", NULL, 0);
	p.next_update = p.this_update;
	expect_fail(&p, HSMCA_E_POLICY, "nextUpdate must be after");
}
END_TEST

START_TEST(test_reason_seven)
{
	static const unsigned char s[] = { 0x01 };
	struct hsmca_crl_entry e[2] = { { s, 1, CT_T0, 1 },
	    { s, 1, CT_T0, 7 } };
	struct hsmca_crl_params p;

	ct_std_params(&p, &fx.ca, "sha256", e, 2);
	expect_fail(&p, HSMCA_E_PARSE, "entry 2: invalid reason code 7");
}
END_TEST

START_TEST(test_reason_eleven)
{
	static const unsigned char s[] = { 0x01 };
	struct hsmca_crl_entry e = { s, 1, CT_T0, 11 };
	struct hsmca_crl_params p;

	ct_std_params(&p, &fx.ca, "sha256", &e, 1);
	expect_fail(&p, HSMCA_E_PARSE, "entry 1: invalid reason code 11");
}
END_TEST

START_TEST(test_empty_serial)
{
	static const unsigned char s[] = { 0x01 };
	struct hsmca_crl_entry e = { s, 0, CT_T0, -1 };
	struct hsmca_crl_params p;

	ct_std_params(&p, &fx.ca, "sha256", &e, 1);
	expect_fail(&p, HSMCA_E_PARSE, "entry 1 serial is empty");
}
END_TEST

START_TEST(test_long_serial)
{
	unsigned char s[22];
	struct hsmca_crl_entry e = { s, sizeof(s), CT_T0, -1 };
	struct hsmca_crl_params p;

	memset(s, 0x11, sizeof(s));
	s[0] = 0;       /* leading zeros do not count: 21 octets remain */
	ct_std_params(&p, &fx.ca, "sha256", &e, 1);
	expect_fail(&p, HSMCA_E_PARSE, "entry 1 serial is 21 octets long");
}
END_TEST

START_TEST(test_empty_number)
{
	struct hsmca_crl_params p;

	ct_std_params(&p, &fx.ca, "sha256", NULL, 0);
	p.number_len = 0;
	expect_fail(&p, HSMCA_E_PARSE, "crl number is empty");
}
END_TEST

START_TEST(test_bad_hash)
{
	struct hsmca_crl_params p;

	ct_std_params(&p, &fx.ca, "sha1", NULL, 0);
	expect_fail(&p, HSMCA_E_POLICY, "hash 'sha1' is not allowed");
}
END_TEST

START_TEST(test_aki_mismatch)
{
	struct hsmca_crl_params p;
	unsigned char aki[20];

	memset(aki, 0xee, sizeof(aki));
	ct_std_params(&p, &fx.ca, "sha256", NULL, 0);
	p.aki = aki;
	p.aki_len = sizeof(aki);
	expect_fail(&p, HSMCA_E_POLICY, "does not match the issuer");
}
END_TEST

START_TEST(test_issuer_without_crlsign)
{
	char *dir = th_tmpdir();
	struct ct_ca ca = ct_make_ca(dir, "ec:secp256r1", CT_T0 + 30 * CT_YEAR,
	    GNUTLS_KEY_KEY_CERT_SIGN);
	struct hsmca_crl_params p;

	ct_std_params(&p, &ca, "sha256", NULL, 0);
	expect_fail(&p, HSMCA_E_POLICY, "does not allow cRLSign");
	ct_free_ca(&ca);
	th_rmrf(dir);
	free(dir);
}
END_TEST

/* A key that is not the issuer's: signed, but refused before release. */
START_TEST(test_wrong_key)
{
	gnutls_privkey_t other = th_software_key("ec:secp256r1");
	struct hsmca_crl_params p;

	ct_std_params(&p, &fx.ca, "sha256", NULL, 0);
	p.key = other;
	expect_fail(&p, HSMCA_E_VERIFY, "does not verify with the issuer");
	gnutls_privkey_deinit(other);
}
END_TEST

START_TEST(test_missing_params)
{
	struct hsmca_crl_params p;

	memset(&p, 0, sizeof(p));
	expect_fail(&p, HSMCA_E_USAGE, "missing issuer");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("crl-refuse");
	TCase *outlives = tcase_create("outlives");
	TCase *refuse = tcase_create("refuse");

	tcase_set_timeout(outlives, 120);
	tcase_add_test(outlives, test_outlives_ca);
	suite_add_tcase(s, outlives);

	tcase_add_checked_fixture(refuse, fx_setup, fx_teardown);
	tcase_add_test(refuse, test_next_not_after_this);
	tcase_add_test(refuse, test_reason_seven);
	tcase_add_test(refuse, test_reason_eleven);
	tcase_add_test(refuse, test_empty_serial);
	tcase_add_test(refuse, test_long_serial);
	tcase_add_test(refuse, test_empty_number);
	tcase_add_test(refuse, test_bad_hash);
	tcase_add_test(refuse, test_aki_mismatch);
	tcase_add_test(refuse, test_issuer_without_crlsign);
	tcase_add_test(refuse, test_wrong_key);
	tcase_add_test(refuse, test_missing_params);
	suite_add_tcase(s, refuse);

	return th_run(s);
}
