/* Unit tests for certificate requests: building one for `hsmca req`
 * (src/x509ext.c, checked by openssl) and loading them (src/x509build.c),
 * hostile ones one test each -- bad signature, truncated, garbage, the
 * wrong kind of PEM, empty, too large -- and a request where a certificate
 * list is wanted. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "hsmca/x509build.h"
#include "helpers.h"
#include "helpers-x509.h"

/* x509_load_csr() of tests/fixtures/csr/file fails with code, with
 * substring in the message, and stores no request. */
static void
expect_csr_error(const char *file, int code, const char *substring)
{
	struct hsmca_error err = { 0, "" };
	gnutls_x509_crq_t q = NULL;
	size_t len;
	char rel[128], *buf;

	snprintf(rel, sizeof(rel), "csr/%s", file);
	buf = xt_fixture(rel, &len);
	ck_assert_int_eq(x509_load_csr(file, (unsigned char *)buf, len, &q,
	    &err), code);
	ck_assert_msg(strstr(err.msg, substring) != NULL, "message '%s' lacks "
	    "'%s'", err.msg, substring);
	ck_assert_ptr_null(q);
	free(buf);
}

START_TEST(test_build_csr_roundtrip)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_general_name gn[] = { { HSMCA_GN_DNS, "www.example.com" },
	    { HSMCA_GN_IP, "2001:db8::1" } };
	struct hsmca_gn_list sans = { gn, 2 };
	gnutls_privkey_t k = xt_key("leaf-p256");
	gnutls_pubkey_t p = xt_pub_of(k);
	gnutls_datum_t pem;
	gnutls_x509_crq_t q;
	char *path, *out, cmd[512];
	int st;

	ck_assert_msg(x509_build_csr(k, p, "CN=www.example.com,O=Example,"
	    "C=US", &sans, "sha256", &pem, &err) == 0, "%s", err.msg);
	ck_assert(x509_load_csr("new.csr", pem.data, pem.size, &q, &err) == 0);
	path = th_write_file(xt_dir(), "new.csr", (char *)pem.data, pem.size);
	snprintf(cmd, sizeof(cmd), "openssl req -verify -noout -text -in '%s'"
	    " 2>&1", path);
	out = xt_run(cmd, &st);
	ck_assert_msg(st == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "verify OK"));
	ck_assert_ptr_nonnull(strstr(out, "Subject: C = US, O = Example, "
	    "CN = www.example.com"));
	ck_assert_ptr_nonnull(strstr(out, "DNS:www.example.com, "
	    "IP Address:2001:DB8:0:0:0:0:0:1"));
	free(out);
	free(path);
	gnutls_free(pem.data);
	gnutls_x509_crq_deinit(q);
	gnutls_pubkey_deinit(p);
	gnutls_privkey_deinit(k);
}
END_TEST

/* x509_csr_subject reads the Name from the request's DER: the subject of
 * a request openssl made, in openssl's own RFC 2253 rendering; or, with
 * want_err, the error (multi-valued RDNs are refused). */
static void
expect_csr_subject(const char *subj, const char *want, const char *want_err)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_dn dn = { NULL, 0 };
	gnutls_x509_crq_t q = NULL;
	char cmd[1024], line[256], *path, *pem, *seen, *mine;
	size_t len;
	int st;

	path = th_write_file(xt_dir(), "subj.csr", "", 0);
	snprintf(cmd, sizeof(cmd), "openssl req -new -newkey ec -pkeyopt "
	    "ec_paramgen_curve:P-256 -nodes -keyout /dev/null -multivalue-rdn "
	    "-subj '%s' -out '%s' 2>&1 && openssl req -noout -subject "
	    "-nameopt RFC2253 -in '%s'", subj, path, path);
	seen = xt_run(cmd, &st);
	ck_assert_msg(st == 0, "%s", seen);
	snprintf(line, sizeof(line), "\nsubject=%s\n", want);
	ck_assert_msg(strstr(seen, line) != NULL, "openssl says %s", seen);
	pem = th_read_file(path, &len);
	ck_assert(x509_load_csr("subj.csr", (unsigned char *)pem, len, &q,
	    &err) == 0);
	if (want_err != NULL) {
		ck_assert_int_eq(x509_csr_subject(q, &dn, &err), HSMCA_E_PARSE);
		ck_assert_msg(strstr(err.msg, want_err) != NULL, "%s", err.msg);
	} else {
		ck_assert_msg(x509_csr_subject(q, &dn, &err) == 0, "%s",
		    err.msg);
		ck_assert(dn_rfc4514(&dn, &mine) == 0);
		ck_assert_msg(strcmp(mine, want) == 0, "'%s' != '%s'", mine,
		    want);
		free(mine);
	}
	dn_clear(&dn);
	gnutls_x509_crq_deinit(q);
	free(pem);
	free(seen);
	free(path);
}

START_TEST(test_csr_subject_from_der)
{
	expect_csr_subject("/C=US/O=Example/CN=www.example.com",
	    "CN=www.example.com,O=Example,C=US", NULL);
	expect_csr_subject("/DC=org/DC=example/OU=A\\, B/CN=x",
	    "CN=x,OU=A\\, B,DC=example,DC=org", NULL);
	expect_csr_subject("/", "", NULL);
	expect_csr_subject("/O=Ex/CN=a+UID=b", "UID=b+CN=a,O=Ex",
	    "multi-valued RDNs are not supported");
}
END_TEST

START_TEST(test_csr_der_accepted)
{
	gnutls_x509_crq_t q = xt_csr("good-p256.der");

	gnutls_x509_crq_deinit(q);
}
END_TEST

START_TEST(test_csr_bad_signature)
{
	expect_csr_error("badsig.der", HSMCA_E_VERIFY, "badsig.der: the "
	    "request's signature does not verify");
}
END_TEST

START_TEST(test_csr_truncated)
{
	expect_csr_error("truncated.csr", HSMCA_E_PARSE, "truncated.csr: "
	    "malformed certificate request");
}
END_TEST

START_TEST(test_csr_garbage)
{
	expect_csr_error("garbage.csr", HSMCA_E_PARSE, "garbage.csr: not a "
	    "certificate request");
}
END_TEST

START_TEST(test_csr_is_certificate)
{
	expect_csr_error("certificate.pem", HSMCA_E_PARSE, "certificate.pem: "
	    "this is a certificate, not a certificate request");
}
END_TEST

START_TEST(test_csr_is_private_key)
{
	expect_csr_error("private-key.pem", HSMCA_E_PARSE, "private-key.pem: "
	    "this is a private key, not a certificate request");
}
END_TEST

START_TEST(test_csr_is_crl)
{
	expect_csr_error("crl.pem", HSMCA_E_PARSE, "crl.pem: this is a CRL, "
	    "not a certificate request");
}
END_TEST

START_TEST(test_csr_empty)
{
	struct hsmca_error err = { 0, "" };
	gnutls_x509_crq_t q = NULL;

	ck_assert_int_eq(x509_load_csr("empty.csr", (unsigned char *)"", 0, &q,
	    &err), HSMCA_E_PARSE);
	ck_assert_ptr_nonnull(strstr(err.msg, "empty.csr: empty file"));
}
END_TEST

START_TEST(test_csr_too_large)
{
	struct hsmca_error err = { 0, "" };
	gnutls_x509_crq_t q = NULL;
	unsigned char *big = calloc(1, X509_MAX_INPUT + 1);

	ck_assert_int_eq(x509_load_csr("big.csr", big, X509_MAX_INPUT + 1, &q,
	    &err), HSMCA_E_PARSE);
	ck_assert_ptr_nonnull(strstr(err.msg, "big.csr: too large"));
	free(big);
}
END_TEST

START_TEST(test_crt_list_and_kinds)
{
	struct hsmca_error err = { 0, "" };
	gnutls_x509_crt_t *list = NULL;
	size_t n = 0, len;
	char *buf = xt_fixture("csr/good-p256.csr", &len);

	ck_assert_int_eq(x509_load_crt_list("req.csr", (unsigned char *)buf,
	    len, &list, &n, &err), HSMCA_E_PARSE);
	ck_assert_ptr_nonnull(strstr(err.msg, "req.csr: this is a certificate "
	    "request, not a certificate"));
	free(buf);
	buf = xt_fixture("csr/certificate.pem", &len);
	ck_assert(x509_load_crt_list("c.pem", (unsigned char *)buf, len, &list,
	    &n, &err) == 0);
	ck_assert_uint_eq(n, 1);
	x509_crt_list_free(list, n);
	free(buf);
}
END_TEST

static Suite *
x509build_req_suite(void)
{
	Suite *s = suite_create("x509build-req");
	TCase *request = xt_tcase("request");
	TCase *hostile = tcase_create("hostile");

	tcase_add_test(request, test_build_csr_roundtrip);
	tcase_add_test(request, test_csr_subject_from_der);
	suite_add_tcase(s, request);
	tcase_add_test(hostile, test_csr_der_accepted);
	tcase_add_test(hostile, test_csr_bad_signature);
	tcase_add_test(hostile, test_csr_truncated);
	tcase_add_test(hostile, test_csr_garbage);
	tcase_add_test(hostile, test_csr_is_certificate);
	tcase_add_test(hostile, test_csr_is_private_key);
	tcase_add_test(hostile, test_csr_is_crl);
	tcase_add_test(hostile, test_csr_empty);
	tcase_add_test(hostile, test_csr_too_large);
	tcase_add_test(hostile, test_crt_list_and_kinds);
	suite_add_tcase(s, hostile);
	return s;
}

int
main(void)
{
	return th_run(x509build_req_suite());
}
