/* Unit tests for the CRL module (src/crl.c, src/crl-parse.c): v2 CRLs with
 * per-entry reason codes, built with libtasn1 and signed with software keys
 * behind the gnutls_privkey_t seam.  Every CRL is also checked by openssl
 * and certtool.  What crl_build_sign() refuses is in check-crl-refuse.c.
 * The clock is fixed: CT_T0 is 2026-01-01T00:00:00Z. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "hsmca/crl.h"
#include "helpers.h"
#include "helpers-crl.h"

static char *run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
run(const char *fmt, ...)
{
	char *cmd, *out = NULL;
	size_t len = 0;
	FILE *f, *mem;
	char buf[4096];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	ck_assert(vasprintf(&cmd, fmt, ap) > 0);
	va_end(ap);
	f = popen(cmd, "r");
	ck_assert_msg(f != NULL, "popen %s", cmd);
	mem = open_memstream(&out, &len);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, mem);
	pclose(f);
	fclose(mem);
	free(cmd);
	return out;
}

/* A leaf with the given serial, issued by ca; returns its PEM path. */
static char *
make_leaf(const char *dir, const char *name, const struct ct_ca *ca,
    const unsigned char *serial, size_t len)
{
	gnutls_privkey_t key = th_software_key("ec:secp256r1");
	gnutls_x509_crt_t c;
	unsigned char id[20];
	size_t idlen = sizeof(id);
	unsigned int crit;
	char *path;

	ck_assert(gnutls_x509_crt_init(&c) == 0);
	ck_assert(gnutls_x509_crt_set_version(c, 3) == 0);
	ck_assert(gnutls_x509_crt_set_serial(c, serial, len) == 0);
	ck_assert(gnutls_x509_crt_set_dn(c, "CN=leaf.example.com", NULL) == 0);
	ck_assert(gnutls_x509_crt_set_activation_time(c, CT_T0 - CT_DAY) == 0);
	ck_assert(gnutls_x509_crt_set_expiration_time(c,
	    CT_T0 + 5 * CT_YEAR) == 0);
	ct_set_key_ids(c, key);
	ck_assert(gnutls_x509_crt_set_basic_constraints(c, 0, -1) == 0);
	ck_assert(gnutls_x509_crt_get_subject_key_id(ca->crt, id, &idlen,
	    &crit) == 0);
	ck_assert(gnutls_x509_crt_set_authority_key_id(c, id, idlen) == 0);
	ck_assert(gnutls_x509_crt_privkey_sign(c, ca->crt, ca->key,
	    gnutls_privkey_get_pk_algorithm(ca->key, NULL) ==
	    GNUTLS_PK_EDDSA_ED25519 ? GNUTLS_DIG_UNKNOWN : GNUTLS_DIG_SHA256,
	    0) == 0);
	path = ct_write_crt(dir, name, c);
	gnutls_x509_crt_deinit(c);
	gnutls_privkey_deinit(key);
	return path;
}

/* Build the CRL (must succeed), write crl.der and crl.pem, and run the
 * independent signature checks. */
static gnutls_datum_t
build_checked(const char *dir, const struct ct_ca *ca,
    const struct hsmca_crl_params *p)
{
	struct hsmca_error err = { 0 };
	gnutls_datum_t der;
	char *pem, *derpath, *out;

	ck_assert_msg(crl_build_sign(p, &der, &err) == 0, "%s", err.msg);
	derpath = th_write_file(dir, "crl.der", (const char *)der.data,
	    der.size);
	pem = ct_write_pem(dir, "crl.pem", "X509 CRL", &der);
	out = run("openssl crl -inform DER -in %s -noout -verify -CAfile %s "
	    "2>&1", derpath, ca->pem);
	ck_assert_msg(strstr(out, "verify OK") != NULL, "openssl: %s", out);
	free(out);
	out = run("certtool --verify-crl --load-ca-certificate %s --infile "
	    "%s 2>&1", ca->pem, pem);
	ck_assert_msg(strstr(out, "Verified") != NULL &&
	    strstr(out, "Not verified") == NULL, "certtool: %s", out);
	free(out);
	free(pem);
	free(derpath);
	return der;
}

static char *
crl_text(const char *dir)
{
	return run("openssl crl -inform DER -in %s/crl.der -noout -text 2>&1",
	    dir);
}

/* openssl verify -crl_check at CT_T0 + 1 hour; returns its output. */
static char *
verify_leaf(const char *dir, const struct ct_ca *ca, const char *leaf)
{
	return run("openssl verify -attime %lld -crl_check -CAfile %s "
	    "-CRLfile %s/crl.pem %s 2>&1", (long long)(CT_T0 + 3600), ca->pem,
	    dir, leaf);
}

START_TEST(test_reason_names)
{
	static const char *const names[] = { "unspecified", "keyCompromise",
	    "CACompromise", "affiliationChanged", "superseded",
	    "cessationOfOperation", "certificateHold", NULL, "removeFromCRL",
	    "privilegeWithdrawn", "AACompromise" };
	int i;

	for (i = 0; i <= 10; i++) {
		if (names[i] == NULL) {
			ck_assert_ptr_null(crl_reason_name(i));
			continue;
		}
		ck_assert_str_eq(crl_reason_name(i), names[i]);
		ck_assert_int_eq(crl_reason_from_name(names[i]), i);
	}
	ck_assert_int_eq(crl_reason_from_name("KEYCOMPROMISE"), 1);
	ck_assert_int_eq(crl_reason_from_name("keyTime"), 1);
	ck_assert_int_eq(crl_reason_from_name("CAkeyTime"), 2);
	ck_assert_int_eq(crl_reason_from_name("holdInstruction"), 6);
	ck_assert_int_eq(crl_reason_from_name("keyCompromised"), -1);
	ck_assert_int_eq(crl_reason_from_name(""), -1);
	ck_assert_int_eq(crl_reason_from_name(NULL), -1);
	ck_assert_ptr_null(crl_reason_name(-1));
	ck_assert_ptr_null(crl_reason_name(11));
}
END_TEST

START_TEST(test_empty_crl)
{
	char *dir = th_tmpdir(), *out;
	struct ct_ca ca = ct_std_ca(dir, "ec:secp256r1");
	struct hsmca_crl_params p;
	struct hsmca_error err = { 0 };
	gnutls_datum_t der;
	static const unsigned char s[] = { 0x01 };
	int reason;

	ct_std_params(&p, &ca, "sha256", NULL, 0);
	der = build_checked(dir, &ca, &p);
	out = crl_text(dir);
	ck_assert_msg(strstr(out, "No Revoked Certificates") != NULL, "%s",
	    out);
	ck_assert_msg(strstr(out, "Version 2 (0x1)") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "X509v3 CRL Number: \n                200")
	    != NULL, "%s", out);
	ck_assert_msg(strstr(out, "X509v3 Authority Key Identifier") != NULL,
	    "%s", out);
	ck_assert_msg(strstr(out, "ecdsa-with-SHA256") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "Next Update: Dec 27 00:00:00 2045 GMT")
	    != NULL, "%s", out);
	free(out);
	ck_assert_int_eq(crl_entry_reason(&der, s, 1, &reason, &err),
	    HSMCA_E_NOTFOUND);
	ck_assert(strstr(err.msg, "not listed") != NULL);
	gnutls_free(der.data);
	ct_free_ca(&ca);
	th_rmrf(dir);
	free(dir);
}
END_TEST

/* One revoked leaf: openssl rejects it, accepts its sibling. */
START_TEST(test_one_entry_openssl_verify)
{
	char *dir = th_tmpdir(), *out, *revoked, *good;
	struct ct_ca ca = ct_std_ca(dir, "ec:secp384r1");
	static const unsigned char s1[] = { 0x11, 0x22, 0x33, 0x44 };
	static const unsigned char s2[] = { 0x11, 0x22, 0x33, 0x45 };
	struct hsmca_crl_entry e = { s1, sizeof(s1), CT_T0 - 3600, 1 };
	struct hsmca_crl_params p;
	struct hsmca_error err = { 0 };
	gnutls_datum_t der;
	int reason = -5;

	revoked = make_leaf(dir, "revoked.pem", &ca, s1, sizeof(s1));
	good = make_leaf(dir, "good.pem", &ca, s2, sizeof(s2));
	ct_std_params(&p, &ca, "sha384", &e, 1);
	der = build_checked(dir, &ca, &p);
	out = crl_text(dir);
	ck_assert_msg(strstr(out, "Serial Number: 11223344") != NULL, "%s",
	    out);
	ck_assert_msg(strstr(out, "X509v3 CRL Reason Code: \n"
	    "                Key Compromise") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "ecdsa-with-SHA384") != NULL, "%s", out);
	free(out);
	out = verify_leaf(dir, &ca, revoked);
	ck_assert_msg(strstr(out, "certificate revoked") != NULL, "%s", out);
	free(out);
	out = verify_leaf(dir, &ca, good);
	ck_assert_msg(strstr(out, ": OK") != NULL, "%s", out);
	free(out);
	ck_assert_int_eq(crl_entry_reason(&der, s1, sizeof(s1), &reason,
	    &err), 0);
	ck_assert_int_eq(reason, 1);
	ck_assert_int_eq(crl_entry_reason(&der, s2, sizeof(s2), &reason,
	    &err), HSMCA_E_NOTFOUND);
	gnutls_free(der.data);
	free(revoked);
	free(good);
	ct_free_ca(&ca);
	th_rmrf(dir);
	free(dir);
}
END_TEST

/* Every reason code plus one entry without a reason, in order. */
START_TEST(test_every_reason)
{
	static const char *const text[] = { "Unspecified", "Key Compromise",
	    "CA Compromise", "Affiliation Changed", "Superseded",
	    "Cessation Of Operation", "Certificate Hold", NULL,
	    "Remove From CRL", "Privilege Withdrawn", "AA Compromise" };
	char *dir = th_tmpdir(), *out, *at, *next, hex[32];
	struct ct_ca ca = ct_std_ca(dir, "rsa:2048");
	unsigned char serials[12][2];
	struct hsmca_crl_entry e[12];
	struct hsmca_crl_params p;
	struct hsmca_error err = { 0 };
	gnutls_datum_t der;
	size_t n = 0, i;
	int code, reason;

	for (code = -1; code <= 10; code++) {
		if (code == 7)
			continue;
		serials[n][0] = 0x70;
		serials[n][1] = (unsigned char)(code + 1);
		e[n] = (struct hsmca_crl_entry){ serials[n], 2,
		    CT_T0 - (time_t)n * CT_DAY, code };
		n++;
	}
	ct_std_params(&p, &ca, "sha512", e, n);
	der = build_checked(dir, &ca, &p);
	out = crl_text(dir);
	ck_assert_msg(strstr(out, "sha512WithRSAEncryption") != NULL, "%s",
	    out);
	for (i = 0; i < n; i++) {
		snprintf(hex, sizeof(hex), "Serial Number: %02X%02X",
		    serials[i][0], serials[i][1]);
		at = strstr(out, hex);
		ck_assert_msg(at != NULL, "%s missing: %s", hex, out);
		next = strstr(at + 1, "Serial Number:");
		if (next == NULL)
			next = strstr(at, "Signature Algorithm");
		*next = '\0';
		if (e[i].reason < 0)
			ck_assert_msg(strstr(at, "Reason") == NULL, "%s", at);
		else
			ck_assert_msg(strstr(at, text[e[i].reason]) != NULL,
			    "reason %d: %s", e[i].reason, at);
		*next = 'S';
		ck_assert_int_eq(crl_entry_reason(&der, serials[i], 2,
		    &reason, &err), 0);
		ck_assert_int_eq(reason, e[i].reason);
	}
	free(out);
	gnutls_free(der.data);
	ct_free_ca(&ca);
	th_rmrf(dir);
	free(dir);
}
END_TEST

/* Issuer key x hash: the AlgorithmIdentifier matches and both tools agree. */
static const struct {
	const char *key, *hash, *text;
} matrix[] = {
	{ "ec:secp256r1", "sha256", "ecdsa-with-SHA256" },
	{ "ec:secp256r1", "sha512", "ecdsa-with-SHA512" },
	{ "ec:secp384r1", "sha384", "ecdsa-with-SHA384" },
	{ "ec:secp384r1", NULL, "ecdsa-with-SHA256" },
	{ "rsa:2048", "sha256", "sha256WithRSAEncryption" },
	{ "rsa:2048", "sha384", "sha384WithRSAEncryption" },
	{ "ed25519", "sha384", "ED25519" },
};

START_TEST(test_matrix)
{
	char *dir = th_tmpdir(), *out, *leaf;
	struct ct_ca ca = ct_std_ca(dir, matrix[_i].key);
	static const unsigned char s[] = { 0x42, 0x00, 0x01 };
	struct hsmca_crl_entry e[2] = {
		{ s, sizeof(s), CT_T0 - CT_DAY, 4 },
		{ (const unsigned char *)"\x01", 1, CT_T0 - CT_DAY, -1 },
	};
	struct hsmca_crl_params p;
	gnutls_datum_t der;

	leaf = make_leaf(dir, "leaf.pem", &ca, s, sizeof(s));
	ct_std_params(&p, &ca, matrix[_i].hash, e, 2);
	der = build_checked(dir, &ca, &p);
	out = crl_text(dir);
	ck_assert_msg(strstr(out, matrix[_i].text) != NULL, "%s", out);
	ck_assert_msg(strstr(out, "Superseded") != NULL, "%s", out);
	free(out);
	out = run("openssl asn1parse -inform DER -in %s/crl.der 2>&1", dir);
	if (strncmp(matrix[_i].key, "rsa", 3) == 0)
		ck_assert_msg(strstr(out, "prim: NULL") != NULL, "%s", out);
	else
		ck_assert_msg(strstr(out, "NULL") == NULL, "%s", out);
	free(out);
	out = verify_leaf(dir, &ca, leaf);
	ck_assert_msg(strstr(out, "certificate revoked") != NULL, "%s", out);
	free(out);
	gnutls_free(der.data);
	free(leaf);
	ct_free_ca(&ca);
	th_rmrf(dir);
	free(dir);
}
END_TEST

/* 1000 entries with rotating reasons; a revoked leaf in the middle, and
 * one listed as removeFromCRL, which OpenSSL (rightly, RFC 5280 5.3.1)
 * does not treat as revoked. */
START_TEST(test_many_entries)
{
	char *dir = th_tmpdir(), *out, *leaf, *removed;
	struct ct_ca ca = ct_std_ca(dir, "ec:secp256r1");
	enum { N = 1000 };
	static unsigned char serials[N][20];
	static struct hsmca_crl_entry e[N];
	struct hsmca_crl_params p;
	struct hsmca_error err = { 0 };
	gnutls_datum_t der;
	gnutls_x509_crl_t crl;
	size_t i;
	int reason;

	for (i = 0; i < N; i++) {
		memset(serials[i], 0x5a, 20);
		serials[i][18] = (unsigned char)(i >> 8);
		serials[i][19] = (unsigned char)i;
		e[i] = (struct hsmca_crl_entry){ serials[i], 20,
		    CT_T0 - (time_t)i * 60, (int)(i % 12) - 1 };
		if (e[i].reason == 7)
			e[i].reason = 8;
	}
	ck_assert_int_eq(e[502].reason, 9);
	ck_assert_int_eq(e[500].reason, 8);
	leaf = make_leaf(dir, "leaf.pem", &ca, serials[502], 20);
	removed = make_leaf(dir, "removed.pem", &ca, serials[500], 20);
	ct_std_params(&p, &ca, "sha256", e, N);
	der = build_checked(dir, &ca, &p);
	out = verify_leaf(dir, &ca, leaf);
	ck_assert_msg(strstr(out, "certificate revoked") != NULL, "%s", out);
	free(out);
	out = verify_leaf(dir, &ca, removed);
	ck_assert_msg(strstr(out, ": OK") != NULL, "%s", out);
	free(out);
	free(removed);
	ck_assert(gnutls_x509_crl_init(&crl) == 0);
	ck_assert(gnutls_x509_crl_import(crl, &der, GNUTLS_X509_FMT_DER) == 0);
	ck_assert_int_eq(gnutls_x509_crl_get_crt_count(crl), N);
	gnutls_x509_crl_deinit(crl);
	for (i = 0; i < N; i += 333) {
		ck_assert_int_eq(crl_entry_reason(&der, serials[i], 20,
		    &reason, &err), 0);
		ck_assert_int_eq(reason, e[i].reason);
	}
	ck_assert_int_eq(crl_entry_reason(&der, serials[N - 1], 20, &reason,
	    &err), 0);
	ck_assert_int_eq(reason, e[N - 1].reason);
	gnutls_free(der.data);
	free(leaf);
	ct_free_ca(&ca);
	th_rmrf(dir);
	free(dir);
}
END_TEST

/* A 20-octet serial with the high bit set is a positive number; the issuer
 * DN is copied byte for byte (UTF-8 included). */
START_TEST(test_high_bit_serial_and_issuer_bytes)
{
	char *dir = th_tmpdir(), *out, *leaf;
	struct ct_ca ca = ct_std_ca(dir, "ec:secp256r1");
	unsigned char s[21];
	struct hsmca_crl_entry e;
	struct hsmca_crl_params p;
	struct hsmca_error err = { 0 };
	gnutls_datum_t der, cdn, ldn;
	gnutls_x509_crl_t crl;
	int reason;

	memset(s, 0x8a, sizeof(s));
	s[0] = 0x00;    /* the certificate's own two's-complement form */
	leaf = make_leaf(dir, "leaf.pem", &ca, s, sizeof(s));
	e = (struct hsmca_crl_entry){ s + 1, 20, CT_T0, 9 };
	ct_std_params(&p, &ca, "sha256", &e, 1);
	der = build_checked(dir, &ca, &p);
	out = crl_text(dir);
	ck_assert_msg(strstr(out, "Negative") == NULL &&
	    strstr(out, "Serial Number: 8A8A8A8A") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "Privilege Withdrawn") != NULL, "%s", out);
	free(out);
	out = verify_leaf(dir, &ca, leaf);
	ck_assert_msg(strstr(out, "certificate revoked") != NULL, "%s", out);
	free(out);
	ck_assert_int_eq(crl_entry_reason(&der, s, sizeof(s), &reason, &err),
	    0);
	ck_assert_int_eq(reason, 9);
	ck_assert(gnutls_x509_crl_init(&crl) == 0);
	ck_assert(gnutls_x509_crl_import(crl, &der, GNUTLS_X509_FMT_DER) == 0);
	ck_assert(gnutls_x509_crl_get_raw_issuer_dn(crl, &ldn) == 0);
	ck_assert(gnutls_x509_crt_get_raw_dn(ca.crt, &cdn) == 0);
	ck_assert_uint_eq(ldn.size, cdn.size);
	ck_assert(memcmp(ldn.data, cdn.data, cdn.size) == 0);
	gnutls_free(ldn.data);
	gnutls_free(cdn.data);
	gnutls_x509_crl_deinit(crl);
	gnutls_free(der.data);
	free(leaf);
	ct_free_ca(&ca);
	th_rmrf(dir);
	free(dir);
}
END_TEST

/* RFC 5280 5.1.2.4: UTCTime through 2049, GeneralizedTime from 2050. */
START_TEST(test_generalized_time)
{
	char *dir = th_tmpdir(), *out;
	struct ct_ca ca = ct_make_ca(dir, "ec:secp256r1", CT_T0 + 40 * CT_YEAR,
	    GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN);
	static const unsigned char s[] = { 0x05 };
	struct hsmca_crl_entry e = { s, 1, (time_t)2556143999, 0 };
	struct hsmca_crl_params p;
	gnutls_datum_t der;

	/* revoked 2050-12-31T23:59:59Z, nextUpdate 2056-01-01 */
	ct_std_params(&p, &ca, "sha256", &e, 1);
	p.next_update = (time_t)2713910400;
	der = build_checked(dir, &ca, &p);
	out = run("openssl asn1parse -inform DER -in %s/crl.der 2>&1", dir);
	ck_assert_msg(strstr(out, "UTCTIME           :260101000000Z") != NULL,
	    "%s", out);
	ck_assert_msg(strstr(out, "GENERALIZEDTIME   :20560101000000Z")
	    != NULL, "%s", out);
	ck_assert_msg(strstr(out, "GENERALIZEDTIME   :20501231235959Z")
	    != NULL, "%s", out);
	free(out);
	out = crl_text(dir);
	ck_assert_msg(strstr(out, "Dec 31 23:59:59 2050 GMT") != NULL, "%s",
	    out);
	free(out);
	gnutls_free(der.data);
	ct_free_ca(&ca);
	th_rmrf(dir);
	free(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("crl");
	TCase *interop = tcase_create("interop");

	tcase_set_timeout(interop, 120);
	tcase_add_test(interop, test_reason_names);
	tcase_add_test(interop, test_empty_crl);
	tcase_add_test(interop, test_one_entry_openssl_verify);
	tcase_add_test(interop, test_every_reason);
	tcase_add_loop_test(interop, test_matrix, 0,
	    (int)(sizeof(matrix) / sizeof(matrix[0])));
	tcase_add_test(interop, test_many_entries);
	tcase_add_test(interop, test_high_bit_serial_and_issuer_bytes);
	tcase_add_test(interop, test_generalized_time);
	suite_add_tcase(s, interop);

	return th_run(s);
}
