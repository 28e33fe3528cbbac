/* Reading CRLs with crl_entry_reason(): CRLs made by OpenSSL's "ca" and by
 * GnuTLS (independent producers), malformed input, and the 100,000-entry
 * measurement of build + sign + verify and of the lookup.
 * T0 is 2026-01-01T00:00:00Z. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "hsmca/crl.h"
#include "helpers.h"

#define T0 ((time_t)1767225600)
#define YEAR ((time_t)365 * 86400)

/* A software CA: P-384 key and a self-signed certificate. */
static gnutls_x509_crt_t
make_ca(gnutls_privkey_t key)
{
	gnutls_x509_crt_t c;
	gnutls_pubkey_t pub;
	unsigned char id[20];
	size_t len = sizeof(id);

	ck_assert(gnutls_pubkey_init(&pub) == 0);
	ck_assert(gnutls_pubkey_import_privkey(pub, key, 0, 0) == 0);
	ck_assert(gnutls_x509_crt_init(&c) == 0);
	ck_assert(gnutls_x509_crt_set_version(c, 3) == 0);
	ck_assert(gnutls_x509_crt_set_serial(c, "\x01", 1) == 0);
	ck_assert(gnutls_x509_crt_set_dn(c, "CN=Read CA", NULL) == 0);
	ck_assert(gnutls_x509_crt_set_activation_time(c, T0 - 86400) == 0);
	ck_assert(gnutls_x509_crt_set_expiration_time(c, T0 + 30 * YEAR) == 0);
	ck_assert(gnutls_x509_crt_set_pubkey(c, pub) == 0);
	ck_assert(gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA1, id,
	    &len) == 0);
	ck_assert(gnutls_x509_crt_set_subject_key_id(c, id, len) == 0);
	ck_assert(gnutls_x509_crt_set_basic_constraints(c, 1, -1) == 0);
	ck_assert(gnutls_x509_crt_set_key_usage(c, GNUTLS_KEY_KEY_CERT_SIGN |
	    GNUTLS_KEY_CRL_SIGN) == 0);
	ck_assert(gnutls_x509_crt_privkey_sign(c, c, key, GNUTLS_DIG_SHA384,
	    0) == 0);
	gnutls_pubkey_deinit(pub);
	return c;
}

/* crl_build_sign() with the given entries; aborts the test on failure. */
static gnutls_datum_t
build(const struct hsmca_crl_entry *e, size_t n)
{
	gnutls_privkey_t key = th_software_key("ec:secp384r1");
	gnutls_x509_crt_t ca = make_ca(key);
	struct hsmca_crl_params p = { 0 };
	struct hsmca_error err = { 0 };
	gnutls_datum_t der;

	p.issuer = ca;
	p.key = key;
	p.hash = "sha384";
	p.this_update = T0;
	p.next_update = T0 + YEAR;
	p.number = (const unsigned char *)"\x01";
	p.number_len = 1;
	p.entries = e;
	p.n_entries = n;
	ck_assert_msg(crl_build_sign(&p, &der, &err) == 0, "%s", err.msg);
	gnutls_x509_crt_deinit(ca);
	gnutls_privkey_deinit(key);
	return der;
}

static void
expect_read_fail(const gnutls_datum_t *der, const unsigned char *serial,
    size_t len, int code, const char *part)
{
	struct hsmca_error err = { 0 };
	int reason = 99;

	ck_assert_int_eq(crl_entry_reason(der, serial, len, &reason, &err),
	    code);
	ck_assert_msg(strstr(err.msg, part) != NULL, "message: %s", err.msg);
}

/* A CRL written by "openssl ca -gencrl" from an index.txt. */
START_TEST(test_read_openssl_crl)
{
	static const char cnf[] = "[ca]\ndefault_ca = d\n[d]\ndir = .\n"
	    "database = ./index.txt\nnew_certs_dir = .\nserial = ./serial\n"
	    "crlnumber = ./crlnumber\ncertificate = ./ca.pem\n"
	    "private_key = ./ca.key\ndefault_md = sha256\n"
	    "default_crl_days = 7\n";
	static const char index[] =
	    "R\t361227082551Z\t260101000000Z,keyCompromise\t0A01\tunknown\t/CN=a\n"
	    "R\t361227082551Z\t260101000000Z\t0A02\tunknown\t/CN=b\n"
	    "R\t361227082551Z\t260101000000Z,superseded\t8A03\tunknown\t/CN=c\n"
	    "V\t361227082551Z\t\t0A04\tunknown\t/CN=d\n"
	    "R\t361227082551Z\t260101000000Z,CAkeyTime,20251231000000Z\t0A05\t"
	    "unknown\t/CN=e\n";
	static const unsigned char s1[] = { 0x0a, 0x01 }, s2[] = { 0x0a, 0x02 };
	static const unsigned char s3[] = { 0x00, 0x8a, 0x03 };
	static const unsigned char s4[] = { 0x0a, 0x04 }, s5[] = { 0x0a, 0x05 };
	struct hsmca_error err = { 0 };
	char *dir = th_tmpdir(), *cmd, *path, *data;
	gnutls_datum_t der;
	size_t len;
	int reason;

	free(th_write_file(dir, "ca.cnf", cnf, (size_t)-1));
	free(th_write_file(dir, "index.txt", index, (size_t)-1));
	free(th_write_file(dir, "serial", "10\n", (size_t)-1));
	free(th_write_file(dir, "crlnumber", "01\n", (size_t)-1));
	ck_assert(asprintf(&cmd, "cd %s && openssl req -x509 -newkey ec "
	    "-pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem "
	    "-subj /CN=ossl -days 100 >/dev/null 2>&1 && openssl ca -config "
	    "ca.cnf -gencrl -out crl.pem >/dev/null 2>&1 && openssl crl -in "
	    "crl.pem -outform DER -out crl.der", dir) > 0);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert(asprintf(&path, "%s/crl.der", dir) > 0);
	data = th_read_file(path, &len);
	ck_assert_ptr_nonnull(data);
	der.data = (unsigned char *)data;
	der.size = (unsigned int)len;
	ck_assert_int_eq(crl_entry_reason(&der, s1, 2, &reason, &err), 0);
	ck_assert_int_eq(reason, 1);
	ck_assert_int_eq(crl_entry_reason(&der, s2, 2, &reason, &err), 0);
	ck_assert_int_eq(reason, CRL_REASON_NONE);
	ck_assert_int_eq(crl_entry_reason(&der, s3, 3, &reason, &err), 0);
	ck_assert_int_eq(reason, 4);
	ck_assert_int_eq(crl_entry_reason(&der, s5, 2, &reason, &err), 0);
	ck_assert_int_eq(reason, 2);
	expect_read_fail(&der, s4, 2, HSMCA_E_NOTFOUND, "not listed");
	free(data);
	free(path);
	free(cmd);
	th_rmrf(dir);
	free(dir);
}
END_TEST

/* A v2 CRL written by GnuTLS itself (no entry extensions, no reasons). */
START_TEST(test_read_gnutls_crl)
{
	gnutls_privkey_t key = th_software_key("ec:secp384r1");
	gnutls_x509_crt_t ca = make_ca(key);
	gnutls_x509_crl_t crl;
	gnutls_datum_t der;
	struct hsmca_error err = { 0 };
	int reason = 5;

	ck_assert(gnutls_x509_crl_init(&crl) == 0);
	ck_assert(gnutls_x509_crl_set_version(crl, 2) == 0);
	ck_assert(gnutls_x509_crl_set_this_update(crl, T0) == 0);
	ck_assert(gnutls_x509_crl_set_next_update(crl, T0 + YEAR) == 0);
	ck_assert(gnutls_x509_crl_set_crt_serial(crl, "\x31\x32", 2, T0) == 0);
	ck_assert(gnutls_x509_crl_set_crt_serial(crl, "\x33", 1, T0) == 0);
	ck_assert(gnutls_x509_crl_set_number(crl, "\x02", 1) == 0);
	ck_assert(gnutls_x509_crl_privkey_sign(crl, ca, key, GNUTLS_DIG_SHA384,
	    0) == 0);
	ck_assert(gnutls_x509_crl_export2(crl, GNUTLS_X509_FMT_DER, &der) == 0);
	ck_assert_int_eq(crl_entry_reason(&der, (const unsigned char *)"\x33",
	    1, &reason, &err), 0);
	ck_assert_int_eq(reason, CRL_REASON_NONE);
	expect_read_fail(&der, (const unsigned char *)"\x34", 1,
	    HSMCA_E_NOTFOUND, "not listed");
	gnutls_free(der.data);
	gnutls_x509_crl_deinit(crl);
	gnutls_x509_crt_deinit(ca);
	gnutls_privkey_deinit(key);
}
END_TEST

START_TEST(test_read_garbage)
{
	static const unsigned char junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	gnutls_datum_t der = { (unsigned char *)junk, sizeof(junk) };

	expect_read_fail(&der, junk, 1, HSMCA_E_PARSE, "not a DER crl");
}
END_TEST

START_TEST(test_read_truncated)
{
	static const unsigned char s[] = { 0x42 };
	struct hsmca_crl_entry e = { s, 1, T0, 1 };
	gnutls_datum_t der = build(&e, 1);

	der.size -= 10;
	expect_read_fail(&der, s, 1, HSMCA_E_PARSE, "not a DER crl");
	gnutls_free(der.data);
}
END_TEST

/* An entry whose reasonCode says 7 (unused in RFC 5280). */
START_TEST(test_read_reason_seven)
{
	static const unsigned char s[] = { 0x42 };
	static const unsigned char ext[] = { 0x06, 0x03, 0x55, 0x1d, 0x15,
	    0x04, 0x03, 0x0a, 0x01, 0x08 };
	struct hsmca_crl_entry e = { s, 1, T0, 8 };
	gnutls_datum_t der = build(&e, 1);
	unsigned char *at = memmem(der.data, der.size, ext, sizeof(ext));

	ck_assert_ptr_nonnull(at);
	at[sizeof(ext) - 1] = 7;
	expect_read_fail(&der, s, 1, HSMCA_E_PARSE,
	    "entry 1: invalid reasonCode");
	gnutls_free(der.data);
}
END_TEST

/* An entry that is not a RevokedCertificate. */
START_TEST(test_read_bad_entry)
{
	static const unsigned char s[] = { 0x42 };
	struct hsmca_crl_entry e[2] = { { s, 1, T0, 1 }, { s, 1, T0, 1 } };
	gnutls_datum_t der = build(e, 2);
	/* the second entry: SEQUENCE { INTEGER 0x42, UTCTime ... } */
	static const unsigned char ent[] = { 0x02, 0x01, 0x42, 0x17 };
	unsigned char *first = memmem(der.data, der.size, ent, sizeof(ent));
	unsigned char *second;

	ck_assert_ptr_nonnull(first);
	second = memmem(first + 1, der.size - (size_t)(first + 1 - der.data),
	    ent, sizeof(ent));
	ck_assert_ptr_nonnull(second);
	second[3] = 0x04;       /* UTCTime -> OCTET STRING */
	expect_read_fail(&der, (const unsigned char *)"\x43", 1,
	    HSMCA_E_PARSE, "crl: entry 2: ");
	gnutls_free(der.data);
}
END_TEST

static double
seconds(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* 100,000 entries with a software P-384 key: build + sign + verify. */
START_TEST(test_bench_100k)
{
	enum { N = 100000 };
	unsigned char (*serials)[20] = calloc(N, 20);
	struct hsmca_crl_entry *e = calloc(N, sizeof(*e));
	struct hsmca_error err = { 0 };
	struct timespec t0, t1, t2;
	gnutls_datum_t der;
	size_t i;
	int reason;

	ck_assert(serials != NULL && e != NULL);
	for (i = 0; i < N; i++) {
		memset(serials[i], 0x3c, 20);
		serials[i][17] = (unsigned char)(i >> 16);
		serials[i][18] = (unsigned char)(i >> 8);
		serials[i][19] = (unsigned char)i;
		e[i] = (struct hsmca_crl_entry){ serials[i], 20,
		    T0 - (time_t)i, i % 3 == 0 ? 1 : (i % 3 == 1 ? 4 : -1) };
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	der = build(e, N);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_eq(crl_entry_reason(&der, serials[N - 1], 20, &reason,
	    &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	ck_assert_int_eq(reason, e[N - 1].reason);
	fprintf(stderr, "crl bench: %d entries, %u bytes: keygen+CA+build+"
	    "sign+verify %.3f s, crl_entry_reason(last) %.3f s\n", N,
	    der.size, seconds(&t0, &t1), seconds(&t1, &t2));
#if defined(__OPTIMIZE__) && !defined(__SANITIZE_ADDRESS__)
	/* the time limit holds for optimized builds, not under ASan */
	ck_assert_msg(seconds(&t0, &t1) < 5.0, "too slow: %.3f s",
	    seconds(&t0, &t1));
#endif
	gnutls_free(der.data);
	free(serials);
	free(e);
}
END_TEST

/* Above CRL_GNUTLS_VERIFY_MAX entries the signature is still checked: a
 * key that is not the issuer's is refused and nothing is returned. */
START_TEST(test_large_wrong_key)
{
	enum { N = CRL_GNUTLS_VERIFY_MAX + 1 };
	unsigned char (*serials)[4] = calloc(N, 4);
	struct hsmca_crl_entry *e = calloc(N, sizeof(*e));
	gnutls_privkey_t key = th_software_key("ec:secp384r1");
	gnutls_privkey_t other = th_software_key("ec:secp384r1");
	gnutls_x509_crt_t ca = make_ca(key);
	struct hsmca_crl_params p = { 0 };
	struct hsmca_error err = { 0 };
	gnutls_datum_t der = { NULL, 0 };
	size_t i;

	ck_assert(serials != NULL && e != NULL);
	for (i = 0; i < N; i++) {
		serials[i][0] = 0x10;
		serials[i][1] = (unsigned char)(i >> 16);
		serials[i][2] = (unsigned char)(i >> 8);
		serials[i][3] = (unsigned char)i;
		e[i] = (struct hsmca_crl_entry){ serials[i], 4, T0, 1 };
	}
	p.issuer = ca;
	p.key = other;
	p.this_update = T0;
	p.next_update = T0 + YEAR;
	p.number = (const unsigned char *)"\x01";
	p.number_len = 1;
	p.entries = e;
	p.n_entries = N;
	ck_assert_int_eq(crl_build_sign(&p, &der, &err), HSMCA_E_VERIFY);
	ck_assert_msg(strstr(err.msg, "does not verify with the issuer") !=
	    NULL, "%s", err.msg);
	ck_assert_ptr_null(der.data);
	p.key = key;
	ck_assert_msg(crl_build_sign(&p, &der, &err) == 0, "%s", err.msg);
	gnutls_free(der.data);
	gnutls_x509_crt_deinit(ca);
	gnutls_privkey_deinit(other);
	gnutls_privkey_deinit(key);
	free(serials);
	free(e);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("crl-read");
	TCase *tc = tcase_create("read");
	TCase *bench = tcase_create("bench");

	tcase_add_test(tc, test_read_openssl_crl);
	tcase_add_test(tc, test_read_gnutls_crl);
	tcase_add_test(tc, test_read_garbage);
	tcase_add_test(tc, test_read_truncated);
	tcase_add_test(tc, test_read_reason_seven);
	tcase_add_test(tc, test_read_bad_entry);
	suite_add_tcase(s, tc);
	tcase_set_timeout(bench, 120);
	tcase_add_test(bench, test_bench_100k);
	tcase_add_test(bench, test_large_wrong_key);
	suite_add_tcase(s, bench);
	return th_run(s);
}
