/* Unit tests for src/nameconst.c: the names of a to-be-signed certificate
 * against the nameConstraints of its issuer and the issuer's chain, with
 * certificates built in memory (no signature needed).  The integration
 * test t-nameconst.sh holds the same verdicts against openssl verify. */
#include "config.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "hsmca/nameconst.h"
#include "helpers.h"

/* One subtree: "DNS:.example.com", "IP:192.0.2.0/24", "email:...",
 * "URI:...". */
static void
add_subtree(gnutls_x509_name_constraints_t nc, bool excluded, const char *s)
{
	unsigned char ip[32];
	gnutls_datum_t d;
	unsigned type, bits, i;
	char addr[64];
	const char *colon = strchr(s, ':');

	ck_assert_ptr_nonnull(colon);
	d.data = (unsigned char *)(colon + 1);
	d.size = (unsigned)strlen(colon + 1);
	if (strncmp(s, "DNS:", 4) == 0) {
		type = GNUTLS_SAN_DNSNAME;
	} else if (strncmp(s, "email:", 6) == 0) {
		type = GNUTLS_SAN_RFC822NAME;
	} else if (strncmp(s, "URI:", 4) == 0) {
		type = GNUTLS_SAN_URI;
	} else if (strncmp(s, "IP:", 3) == 0) {
		type = GNUTLS_SAN_IPADDRESS;
		ck_assert_int_eq(sscanf(colon + 1, "%63[^/]/%u", addr, &bits), 2);
		memset(ip, 0, sizeof(ip));
		d.size = strchr(addr, ':') ? 32 : 8;
		ck_assert_int_eq(inet_pton(d.size == 32 ? AF_INET6 : AF_INET,
		    addr, ip), 1);
		for (i = 0; i < bits; i++)
			ip[d.size / 2 + i / 8] |= (unsigned char)(0x80 >> (i % 8));
		d.data = ip;
	} else {
		ck_abort_msg("subtree %s", s);
		return;
	}
	ck_assert_int_eq((excluded ? gnutls_x509_name_constraints_add_excluded :
	    gnutls_x509_name_constraints_add_permitted)(nc, type, &d), 0);
}

/* A CA certificate named dn with the subtrees "+..." (permitted) and
 * "-..." (excluded) of the NULL-terminated list; none: no extension. */
static gnutls_x509_crt_t
make_ca(const char *dn, const char *const *subtrees)
{
	gnutls_x509_name_constraints_t nc;
	gnutls_x509_crt_t c;
	size_t i;

	ck_assert_int_eq(gnutls_x509_crt_init(&c), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_version(c, 3), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_dn(c, dn, NULL), 0);
	if (subtrees == NULL || subtrees[0] == NULL)
		return c;
	ck_assert_int_eq(gnutls_x509_name_constraints_init(&nc), 0);
	for (i = 0; subtrees[i] != NULL; i++)
		add_subtree(nc, subtrees[i][0] == '-', subtrees[i] + 1);
	ck_assert_int_eq(gnutls_x509_crt_set_name_constraints(c, nc, 1), 0);
	gnutls_x509_name_constraints_deinit(nc);
	return c;
}

/* A to-be-signed certificate with subject dn and the SAN list (same
 * "TYPE:value" syntax, IP without a mask). */
static gnutls_x509_crt_t
make_tbs(const char *dn, const char *const *sans)
{
	unsigned char ip[16];
	gnutls_x509_crt_t c;
	size_t i;
	const char *v;

	ck_assert_int_eq(gnutls_x509_crt_init(&c), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_version(c, 3), 0);
	if (dn != NULL)
		ck_assert_int_eq(gnutls_x509_crt_set_dn(c, dn, NULL), 0);
	for (i = 0; sans != NULL && sans[i] != NULL; i++) {
		v = strchr(sans[i], ':') + 1;
		if (strncmp(sans[i], "IP:", 3) == 0) {
			int six = strchr(v, ':') != NULL;

			ck_assert_int_eq(inet_pton(six ? AF_INET6 : AF_INET, v,
			    ip), 1);
			ck_assert_int_eq(gnutls_x509_crt_set_subject_alt_name(c,
			    GNUTLS_SAN_IPADDRESS, ip, six ? 16 : 4,
			    GNUTLS_FSAN_APPEND), 0);
			continue;
		}
		ck_assert_int_eq(gnutls_x509_crt_set_subject_alt_name(c,
		    strncmp(sans[i], "DNS:", 4) == 0 ? GNUTLS_SAN_DNSNAME :
		    strncmp(sans[i], "URI:", 4) == 0 ? GNUTLS_SAN_URI :
		    GNUTLS_SAN_RFC822NAME, v, (unsigned)strlen(v),
		    GNUTLS_FSAN_APPEND), 0);
	}
	return c;
}

static const char *const brief_nc[] = { "+DNS:.example.com",
    "+IP:192.0.2.0/24", "-DNS:.secret.example.com", NULL };

/* Check tbs(dn, sans) under ca; want 0 or HSMCA_E_LINT with msg inside
 * the message. */
static void
expect_ca(gnutls_x509_crt_t ca, const char *dn, const char *const *sans,
    int want, const char *msg)
{
	struct hsmca_error err = { 0 };
	gnutls_x509_crt_t tbs = make_tbs(dn, sans);

	ck_assert_int_eq(nameconst_check(tbs, ca, NULL, 0, &err), want);
	if (msg != NULL)
		ck_assert_msg(strstr(err.msg, msg) != NULL, "%s", err.msg);
	gnutls_x509_crt_deinit(tbs);
}

/* The same under a CA "CN=Unit CA" with subtrees. */
static void
expect(const char *const *subtrees, const char *dn, const char *const *sans,
    int want, const char *msg)
{
	gnutls_x509_crt_t ca = make_ca("CN=Unit CA", subtrees);

	expect_ca(ca, dn, sans, want, msg);
	gnutls_x509_crt_deinit(ca);
}

START_TEST(test_dns)
{
	expect(brief_nc, "CN=www.example.com",
	    (const char *[]){ "DNS:www.example.com", NULL }, 0, NULL);
	expect(brief_nc, "CN=evil", (const char *[]){ "DNS:www.evil.org", NULL },
	    HSMCA_E_LINT, "lint: name-constraints: DNS:www.evil.org "
	    "(subjectAltName) is not within permitted;DNS:.example.com of "
	    "CN=Unit CA");
	expect(brief_nc, "CN=x", (const char *[]){ "DNS:x.secret.example.com",
	    NULL }, HSMCA_E_LINT, "DNS:x.secret.example.com (subjectAltName) "
	    "is inside excluded;DNS:.secret.example.com of CN=Unit CA");
	/* ".example.com" is below example.com only */
	expect(brief_nc, "CN=x", (const char *[]){ "DNS:example.com", NULL },
	    HSMCA_E_LINT, "DNS:example.com");
}
END_TEST

START_TEST(test_ip)
{
	expect(brief_nc, "CN=x", (const char *[]){ "IP:192.0.2.7", NULL }, 0,
	    NULL);
	expect(brief_nc, "CN=x", (const char *[]){ "IP:198.51.100.1", NULL },
	    HSMCA_E_LINT, "IP:198.51.100.1 (subjectAltName) is not within "
	    "permitted;IP:192.0.2.0/255.255.255.0");
	/* GnuTLS 3.7.9 alone lets another address family through */
	expect(brief_nc, "CN=x", (const char *[]){ "IP:2001:db8::1", NULL },
	    HSMCA_E_LINT, "IP:2001:db8::1 (subjectAltName) is not within");
	expect((const char *[]){ "-IP:2001:db8::/32", NULL }, "CN=x",
	    (const char *[]){ "IP:2001:db8::1", NULL }, HSMCA_E_LINT,
	    "inside excluded;IP:2001:db8::/ffff:ffff::");
	expect((const char *[]){ "-IP:2001:db8::/32", NULL }, "CN=x",
	    (const char *[]){ "IP:192.0.2.1", NULL }, 0, NULL);
}
END_TEST

/* GnuTLS 3.7.9 ignores URI constraints: matched here on the host. */
START_TEST(test_uri)
{
	const char *const nc[] = { "+URI:.example.com", "-URI:.evil.example.com",
	    NULL };

	expect(nc, "CN=x", (const char *[]){ "URI:https://www.example.com/p",
	    NULL }, 0, NULL);
	expect(nc, "CN=x", (const char *[]){
	    "URI:https://user@WWW.Example.COM:8443/p?q", NULL }, 0, NULL);
	expect(nc, "CN=x", (const char *[]){ "URI:https://a.evil.example.com/",
	    NULL }, HSMCA_E_LINT, "URI:https://a.evil.example.com/ "
	    "(subjectAltName) is inside excluded;URI:.evil.example.com");
	expect(nc, "CN=x", (const char *[]){ "URI:https://www.evil.org/", NULL },
	    HSMCA_E_LINT, "is not within permitted;URI:.example.com");
	/* no host: cannot be checked, so not taken */
	expect(nc, "CN=x", (const char *[]){ "URI:urn:example:x", NULL },
	    HSMCA_E_LINT, "URI:urn:example:x");
	/* a host constraint without the dot is that host only */
	expect((const char *[]){ "+URI:example.com", NULL }, "CN=x",
	    (const char *[]){ "URI:http://www.example.com/", NULL },
	    HSMCA_E_LINT, "not within permitted;URI:example.com");
}
END_TEST

START_TEST(test_email_and_subject)
{
	const char *const nc[] = { "+email:.example.com", NULL };

	expect(nc, "CN=x", (const char *[]){ "email:a@mail.example.com", NULL },
	    0, NULL);
	expect(nc, "CN=x", (const char *[]){ "email:a@evil.org", NULL },
	    HSMCA_E_LINT, "email:a@evil.org (subjectAltName) is not within "
	    "permitted;email:.example.com");
	/* the subject's emailAddress, with or without a SAN */
	expect(nc, "CN=x,1.2.840.113549.1.9.1=#160a62406576696c2e6f7267",
	    (const char *[]){ "DNS:www.example.com", NULL }, HSMCA_E_LINT,
	    "email:b@evil.org (subject emailAddress) is not within");
	/* a host-like CN counts as a DNS name only without a DNS SAN */
	expect(brief_nc, "CN=www.evil.org", (const char *[]){
	    "DNS:www.example.com", NULL }, 0, NULL);
	expect(brief_nc, "CN=www.evil.org", (const char *[]){ "email:a@b.org",
	    NULL }, HSMCA_E_LINT, "DNS:www.evil.org (subject commonName) is "
	    "not within permitted;DNS:.example.com");
	expect(brief_nc, "CN=Alice Smith", NULL, 0, NULL);
}
END_TEST

/* GnuTLS cannot encode a directoryName subtree: openssl made this CA
 * (nameConstraints = critical, permitted;dirName:C=US,O=Example). */
static const char dirname_ca[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBmzCCAUGgAwIBAgIURvuKCm0cQYKAReguXWP4JHP2T+wwCgYIKoZIzj0EAwIw\n"
	"EDEOMAwGA1UEAwwFRE4gQ0EwIBcNMjYxMjAxMjIyMjQ3WhgPMjEyNjExMDcyMjIy\n"
	"NDdaMBAxDjAMBgNVBAMMBUROIENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n"
	"Ktm4pCqpvPrJBkyAMwlzipBO665kPG9UxyLum1GEHhuEL7mYWAAAzwji9jxu4vWn\n"
	"b08zbes8faLPB6rIiELDO6N3MHUwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8E\n"
	"BAMCAgQwMwYDVR0eAQH/BCkwJ6AlMCOkITAfMQswCQYDVQQGEwJVUzEQMA4GA1UE\n"
	"CgwHRXhhbXBsZTAdBgNVHQ4EFgQUsMaVvA6EbVEo7e2LSiseSq2OI+cwCgYIKoZI\n"
	"zj0EAwIDSAAwRQIgevzhilmxHHL1CdMGPGoKQfwEeha09hV/XCF/ek5QutcCIQDA\n"
	"5B38TckFnGk1qBfJSWPVBNx3vcrVugkyUO5hnS62qw==\n"
	"-----END CERTIFICATE-----\n";

START_TEST(test_dirname)
{
	gnutls_datum_t pem = { (unsigned char *)dirname_ca,
	    sizeof(dirname_ca) - 1 };
	gnutls_x509_crt_t ca;

	ck_assert_int_eq(gnutls_x509_crt_init(&ca), 0);
	ck_assert_int_eq(gnutls_x509_crt_import(ca, &pem, GNUTLS_X509_FMT_PEM),
	    0);
	expect_ca(ca, "CN=x,O=Example,C=US", NULL, 0, NULL);
	expect_ca(ca, "CN=x,O=Other,C=US", NULL, HSMCA_E_LINT,
	    "DirName:CN=x,O=Other,C=US (subject) is not within "
	    "permitted;DirName:O=Example,C=US of CN=DN CA");
	/* an empty subject is not a name */
	expect_ca(ca, NULL, (const char *[]){ "DNS:www.example.com", NULL }, 0,
	    NULL);
	gnutls_x509_crt_deinit(ca);
}
END_TEST

/* The issuer has no constraints; its own issuer does. */
START_TEST(test_chain)
{
	struct hsmca_error err = { 0 };
	gnutls_x509_crt_t issuer = make_ca("CN=Sub CA", NULL);
	gnutls_x509_crt_t chain[2] = { make_ca("CN=Plain", NULL),
	    make_ca("CN=Constrained", brief_nc) };
	gnutls_x509_crt_t ok = make_tbs("CN=a", (const char *[]){
	    "DNS:a.example.com", NULL });
	gnutls_x509_crt_t bad = make_tbs("CN=a", (const char *[]){
	    "DNS:a.evil.org", NULL });

	ck_assert_int_eq(nameconst_check(ok, issuer, chain, 2, &err), 0);
	ck_assert_int_eq(nameconst_check(bad, issuer, chain, 1, &err), 0);
	ck_assert_int_eq(nameconst_check(bad, issuer, chain, 2, &err),
	    HSMCA_E_LINT);
	ck_assert_msg(strstr(err.msg, "of CN=Constrained") != NULL, "%s",
	    err.msg);
	/* self-signed: nothing above it */
	ck_assert_int_eq(nameconst_check(bad, NULL, chain, 2, &err), 0);
	gnutls_x509_crt_deinit(issuer);
	gnutls_x509_crt_deinit(chain[0]);
	gnutls_x509_crt_deinit(chain[1]);
	gnutls_x509_crt_deinit(ok);
	gnutls_x509_crt_deinit(bad);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("nameconst");
	TCase *tc = tcase_create("nameconst");

	tcase_add_test(tc, test_dns);
	tcase_add_test(tc, test_ip);
	tcase_add_test(tc, test_uri);
	tcase_add_test(tc, test_email_and_subject);
	tcase_add_test(tc, test_dirname);
	tcase_add_test(tc, test_chain);
	suite_add_tcase(s, tc);
	return th_run(s);
}
