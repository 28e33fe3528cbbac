/* Unit tests for src/dn.c: DN strings (RFC 4514 and OpenSSL forms), the
 * one-line form of index.txt, and the DN policy. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmca/dn.h"
#include "helpers.h"

static void
parse_ok(const char *text, struct hsmca_dn *dn)
{
	struct hsmca_error err = { 0, "" };
	int r = dn_parse("subject", text, dn, &err);

	ck_assert_msg(r == 0, "%s: %s", text, err.msg);
}

static void
parse_fails(const char *text, const char *substring)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_dn dn = { NULL, 0 };

	ck_assert_int_eq(dn_parse("--subject", text, &dn, &err),
	    HSMCA_E_PARSE);
	ck_assert_msg(strstr(err.msg, substring) != NULL, "'%s' lacks '%s'",
	    err.msg, substring);
	ck_assert_ptr_eq(dn.attrs, NULL);
}

static char *
oneline(const char *text)
{
	struct hsmca_dn dn;
	char *s;

	parse_ok(text, &dn);
	ck_assert(dn_oneline(&dn, &s) == 0);
	dn_clear(&dn);
	return s;
}

START_TEST(test_rfc4514_order)
{
	struct hsmca_dn dn;

	parse_ok("CN=My Root,O=My Company,C=US", &dn);
	ck_assert_uint_eq(dn.n, 3);
	ck_assert_str_eq(dn.attrs[0].oid, "2.5.4.6");
	ck_assert_str_eq(dn.attrs[0].value, "US");
	ck_assert_str_eq(dn.attrs[2].oid, "2.5.4.3");
	ck_assert_str_eq(dn.attrs[2].value, "My Root");
	dn_clear(&dn);
}
END_TEST

START_TEST(test_openssl_form)
{
	char *s = oneline("/C=US/ST=X/CN=Y");

	ck_assert_str_eq(s, "/C=US/ST=X/CN=Y");
	free(s);
}
END_TEST

START_TEST(test_both_forms_agree)
{
	char *a = oneline("CN=Y, OU=Web, O=Ex, C=US");
	char *b = oneline("/C=US/O=Ex/OU=Web/CN=Y");

	ck_assert_str_eq(a, b);
	ck_assert_str_eq(a, "/C=US/O=Ex/OU=Web/CN=Y");
	free(a);
	free(b);
}
END_TEST

START_TEST(test_escapes)
{
	struct hsmca_dn dn;
	char *s;

	parse_ok("CN=Smith\\, John \\+ Co,O=A\\3Db", &dn);
	ck_assert_str_eq(dn.attrs[1].value, "Smith, John + Co");
	ck_assert_str_eq(dn.attrs[0].value, "A=b");
	ck_assert(dn_rfc4514(&dn, &s) == 0);
	ck_assert_str_eq(s, "CN=Smith\\, John \\+ Co,O=A\\=b");
	free(s);
	dn_clear(&dn);
}
END_TEST

START_TEST(test_email_names)
{
	struct hsmca_dn dn;

	parse_ok("emailAddress=a@b.example,E=c@d.example,CN=x", &dn);
	ck_assert_str_eq(dn.attrs[1].oid, "1.2.840.113549.1.9.1");
	ck_assert_str_eq(dn.attrs[2].oid, "1.2.840.113549.1.9.1");
	dn_clear(&dn);
}
END_TEST

START_TEST(test_long_names_and_oid)
{
	char *s = oneline("commonName=x,organizationName=o,2.5.4.97=VATDE-1");

	ck_assert_str_eq(s, "/organizationIdentifier=VATDE-1/O=o/CN=x");
	free(s);
}
END_TEST

START_TEST(test_ev_names)
{
	char *s = oneline("CN=x,jurisdictionCountryName=DE,description=d");

	ck_assert_str_eq(s, "/description=d/jurisdictionC=DE/CN=x");
	free(s);
}
END_TEST

START_TEST(test_oneline_escapes_utf8)
{
	char *s = oneline("/O=M\xc3\xbcller/CN=a");

	ck_assert_str_eq(s, "/O=M\\xC3\\xBCller/CN=a");
	free(s);
}
END_TEST

START_TEST(test_empty_dn)
{
	struct hsmca_dn dn;
	char *s;

	parse_ok("  ", &dn);
	ck_assert_uint_eq(dn.n, 0);
	ck_assert(dn_oneline(&dn, &s) == 0);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

START_TEST(test_unknown_attribute)
{
	parse_fails("CN=x,XX=y", "--subject: unknown attribute 'XX'");
}
END_TEST

START_TEST(test_missing_equals)
{
	parse_fails("CN=x,O", "'O' is not an attribute=value pair");
}
END_TEST

START_TEST(test_empty_value)
{
	parse_fails("CN=,O=x", "CN: empty value");
}
END_TEST

START_TEST(test_multi_valued_rdn)
{
	parse_fails("CN=x+L=y,O=z", "multi-valued RDNs");
}
END_TEST

START_TEST(test_missing_name)
{
	parse_fails("=x", "missing attribute name");
}
END_TEST

START_TEST(test_dangling_backslash)
{
	parse_fails("CN=x\\", "dangling backslash");
}
END_TEST

/* ---- RFC 5280 values and ';' (issue 10) ------------------------------- */

/* A string of n copies of c (n < 300). */
static const char *
repeat(char c, size_t n)
{
	static char buf[300];

	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/* key=<n letters> fails with substring; key=<n - 1 letters> passes. */
static void
parse_fails_fmt(const char *key, size_t n, const char *substring)
{
	struct hsmca_dn dn;
	char text[400];

	snprintf(text, sizeof(text), "%s=%s,O=x", key, repeat('a', n));
	parse_fails(text, substring);
	snprintf(text, sizeof(text), "%s=%s,O=x", key, repeat('a', n - 1));
	parse_ok(text, &dn);
	dn_clear(&dn);
}

START_TEST(test_country_two_letters)
{
	struct hsmca_dn dn;

	parse_fails("CN=bob,C=USA", "--subject: countryName 'USA' must be "
	    "exactly two letters");
	parse_fails("CN=bob,C=U", "countryName 'U' must be exactly two");
	parse_fails("/C=U1/CN=bob", "countryName 'U1' must be exactly two");
	parse_fails("CN=bob,jurisdictionC=DEU", "jurisdictionCountryName 'DEU'");
	parse_ok("CN=bob,C=US", &dn);
	dn_clear(&dn);
}
END_TEST

START_TEST(test_upper_bounds)
{
	struct hsmca_dn dn;
	char text[400];
	int k;

	/* one past the bound fails naming the attribute, the bound passes */
	parse_fails_fmt("CN", 65, "--subject: commonName is 65 characters "
	    "long, more than the 64 RFC 5280 allows");
	parse_fails_fmt("OU", 65, "organizationalUnitName is 65 characters");
	parse_fails_fmt("L", 129, "localityName is 129 characters");
	parse_fails_fmt("ST", 129, "stateOrProvinceName is 129 characters");
	parse_fails_fmt("serialNumber", 65, "serialNumber is 65 characters");
	parse_fails_fmt("title", 65, "title is 65 characters");
	parse_fails_fmt("postalCode", 41, "postalCode is 41 characters");
	snprintf(text, sizeof(text), "CN=x,O=%s", repeat('a', 65));
	parse_fails(text, "organizationName is 65 characters");
	snprintf(text, sizeof(text), "CN=x,emailAddress=%s@example.com",
	    repeat('a', 244));
	parse_fails(text, "emailAddress is 256 characters");
	/* characters, not bytes: 64 two-byte letters are fine */
	text[0] = '\0';
	strcat(text, "CN=");
	for (k = 0; k < 64; k++)
		strcat(text, "\xc3\xbc");
	parse_ok(text, &dn);
	dn_clear(&dn);
	parse_fails("CN=x,serialNumber=a_b", "serialNumber 'a_b' has "
	    "characters a PrintableString cannot hold");
}
END_TEST

/* RFC 1779: ';' separates RDNs in the string form; it is never kept
 * literally unless escaped. */
START_TEST(test_semicolon)
{
	struct hsmca_dn dn;
	struct hsmca_dn comma;
	char *a, *b;

	parse_ok("CN=foo;O=bar", &dn);
	ck_assert_uint_eq(dn.n, 2);
	ck_assert_str_eq(dn.attrs[0].oid, "2.5.4.10");
	ck_assert_str_eq(dn.attrs[0].value, "bar");
	ck_assert_str_eq(dn.attrs[1].value, "foo");
	parse_ok("CN=foo,O=bar", &comma);
	ck_assert(dn_oneline(&dn, &a) == 0 && dn_oneline(&comma, &b) == 0);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	dn_clear(&dn);
	dn_clear(&comma);
	parse_ok("CN=foo\\;bar", &dn);
	ck_assert_uint_eq(dn.n, 1);
	ck_assert_str_eq(dn.attrs[0].value, "foo;bar");
	dn_clear(&dn);
	/* a ';' that was meant as text is not an RDN of its own */
	parse_fails("O=R&D; Sales,CN=x", "is not an attribute=value pair");
	parse_fails("/O=foo;bar/CN=x", "--subject: ';' in 'O=foo;bar/CN=x': "
	    "escape it");
	parse_ok("/O=foo\\;bar/CN=x", &dn);
	ck_assert_str_eq(dn.attrs[0].value, "foo;bar");
	dn_clear(&dn);
}
END_TEST

START_TEST(test_warn_country_most_specific)
{
	struct hsmca_warnings w = { NULL, 0 };
	struct hsmca_dn dn;

	parse_ok("C=US,O=Example,CN=www.example.com", &dn);
	ck_assert_int_eq(dn_warn_order(&dn, &w), 0);
	ck_assert_uint_eq(w.n, 1);
	ck_assert_ptr_nonnull(strstr(w.msgs[0], "countryName (C=) is its most "
	    "specific part"));
	hsmca_warnings_clear(&w);
	dn_clear(&dn);
	/* the right order, a country alone, the OpenSSL form: no warning */
	parse_ok("CN=www.example.com,O=Example,C=US", &dn);
	ck_assert_int_eq(dn_warn_order(&dn, &w), 0);
	dn_clear(&dn);
	parse_ok("C=US", &dn);
	ck_assert_int_eq(dn_warn_order(&dn, &w), 0);
	dn_clear(&dn);
	parse_ok("/C=US/O=Example/CN=x", &dn);
	ck_assert_int_eq(dn_warn_order(&dn, &w), 0);
	dn_clear(&dn);
	ck_assert_uint_eq(w.n, 0);
}
END_TEST

/* ---- policy ---------------------------------------------------------- */

static struct hsmca_policy_rule rules[] = {
	{ "countryName", "2.5.4.6", HSMCA_POLICY_MATCH },
	{ "organizationName", "2.5.4.10", HSMCA_POLICY_OPTIONAL },
	{ "commonName", "2.5.4.3", HSMCA_POLICY_SUPPLIED },
};

static void
policy_profile(struct hsmca_profile *p, bool has)
{
	memset(p, 0, sizeof(*p));
	p->path = "p.profile";
	p->has_policy = has;
	p->policy = rules;
	p->n_policy = 3;
}

static int
apply(bool has, const char *subj, const char *iss, char **result,
    struct hsmca_warnings *w, struct hsmca_error *err)
{
	struct hsmca_profile p;
	struct hsmca_dn s, i, out = { NULL, 0 };
	int r;

	policy_profile(&p, has);
	parse_ok(subj, &s);
	parse_ok(iss, &i);
	r = dn_apply_policy(&p, &s, &i, &out, w, err);
	if (r == 0)
		ck_assert(dn_oneline(&out, result) == 0);
	dn_clear(&s);
	dn_clear(&i);
	dn_clear(&out);
	return r;
}

START_TEST(test_policy_absent_keeps_subject)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_warnings w = { NULL, 0 };
	char *s;

	ck_assert(apply(false, "CN=a,OU=b,C=DE", "CN=ca,C=US", &s, &w,
	    &err) == 0);
	ck_assert_str_eq(s, "/C=DE/OU=b/CN=a");
	ck_assert_uint_eq(w.n, 0);
	free(s);
}
END_TEST

START_TEST(test_policy_drops_and_warns)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_warnings w = { NULL, 0 };
	char *s;

	ck_assert(apply(true, "CN=a,OU=Web,O=Ex,C=US", "CN=ca,C=US", &s, &w,
	    &err) == 0);
	ck_assert_str_eq(s, "/C=US/O=Ex/CN=a");
	ck_assert_uint_eq(w.n, 1);
	ck_assert_ptr_nonnull(strstr(w.msgs[0], "dropped "
	    "organizationalUnitName=Web"));
	free(s);
	hsmca_warnings_clear(&w);
}
END_TEST

START_TEST(test_policy_supplied_missing)
{
	struct hsmca_error err = { 0, "" };
	char *s = NULL;

	ck_assert_int_eq(apply(true, "O=Ex,C=US", "CN=ca,C=US", &s, NULL,
	    &err), HSMCA_E_POLICY);
	ck_assert_ptr_nonnull(strstr(err.msg, "commonName is required"));
}
END_TEST

START_TEST(test_policy_match_differs)
{
	struct hsmca_error err = { 0, "" };
	char *s = NULL;

	ck_assert_int_eq(apply(true, "CN=a,C=DE", "CN=ca,C=US", &s, NULL,
	    &err), HSMCA_E_POLICY);
	ck_assert_ptr_nonnull(strstr(err.msg, "countryName must match the "
	    "issuer's: 'DE' in the request, 'US' in the issuer"));
}
END_TEST

START_TEST(test_policy_match_missing)
{
	struct hsmca_error err = { 0, "" };
	char *s = NULL;

	ck_assert_int_eq(apply(true, "CN=a", "CN=ca,C=US", &s, NULL, &err),
	    HSMCA_E_POLICY);
	ck_assert_ptr_nonnull(strstr(err.msg, "'(missing)' in the request"));
}
END_TEST

/* A request's own subject meets the same bounds, and the policy warns
 * about the order. */
START_TEST(test_policy_validates_and_warns)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_warnings w = { NULL, 0 };
	struct hsmca_profile p;
	struct hsmca_dn s = { NULL, 0 }, i, out = { NULL, 0 };

	policy_profile(&p, false);
	ck_assert(dn_append(&s, "2.5.4.3", "bob") == 0);
	ck_assert(dn_append(&s, "2.5.4.6", "USA") == 0);
	parse_ok("CN=ca,C=US", &i);
	ck_assert_int_eq(dn_apply_policy(&p, &s, &i, &out, &w, &err),
	    HSMCA_E_PARSE);
	ck_assert_ptr_nonnull(strstr(err.msg, "subject: countryName 'USA'"));
	ck_assert_ptr_null(out.attrs);
	ck_assert_uint_eq(w.n, 1);
	ck_assert_ptr_nonnull(strstr(w.msgs[0], "most specific"));
	hsmca_warnings_clear(&w);
	dn_clear(&s);
	dn_clear(&i);
}
END_TEST

START_TEST(test_policy_match_equal)
{
	struct hsmca_error err = { 0, "" };
	char *s = NULL;

	ck_assert(apply(true, "CN=a,C=US", "CN=ca,C=US", &s, NULL, &err) == 0);
	ck_assert_str_eq(s, "/C=US/CN=a");
	free(s);
}
END_TEST

static Suite *
dn_suite(void)
{
	Suite *s = suite_create("dn");
	TCase *t = tcase_create("parse");
	TCase *p = tcase_create("policy");

	tcase_add_test(t, test_rfc4514_order);
	tcase_add_test(t, test_openssl_form);
	tcase_add_test(t, test_both_forms_agree);
	tcase_add_test(t, test_escapes);
	tcase_add_test(t, test_email_names);
	tcase_add_test(t, test_long_names_and_oid);
	tcase_add_test(t, test_ev_names);
	tcase_add_test(t, test_oneline_escapes_utf8);
	tcase_add_test(t, test_empty_dn);
	tcase_add_test(t, test_unknown_attribute);
	tcase_add_test(t, test_missing_equals);
	tcase_add_test(t, test_empty_value);
	tcase_add_test(t, test_multi_valued_rdn);
	tcase_add_test(t, test_missing_name);
	tcase_add_test(t, test_dangling_backslash);
	tcase_add_test(t, test_country_two_letters);
	tcase_add_test(t, test_upper_bounds);
	tcase_add_test(t, test_semicolon);
	tcase_add_test(t, test_warn_country_most_specific);
	suite_add_tcase(s, t);
	tcase_add_test(p, test_policy_absent_keeps_subject);
	tcase_add_test(p, test_policy_drops_and_warns);
	tcase_add_test(p, test_policy_supplied_missing);
	tcase_add_test(p, test_policy_match_differs);
	tcase_add_test(p, test_policy_match_missing);
	tcase_add_test(p, test_policy_match_equal);
	tcase_add_test(p, test_policy_validates_and_warns);
	suite_add_tcase(s, p);
	return s;
}

int
main(void)
{
	return th_run(dn_suite());
}
