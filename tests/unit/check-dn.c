/* Unit tests for src/dn.c: DN strings (RFC 4514 and OpenSSL forms), the
 * one-line form of index.txt, and the DN policy. */
#include "config.h"

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
	suite_add_tcase(s, t);
	tcase_add_test(p, test_policy_absent_keeps_subject);
	tcase_add_test(p, test_policy_drops_and_warns);
	tcase_add_test(p, test_policy_supplied_missing);
	tcase_add_test(p, test_policy_match_differs);
	tcase_add_test(p, test_policy_match_missing);
	tcase_add_test(p, test_policy_match_equal);
	suite_add_tcase(s, p);
	return s;
}

int
main(void)
{
	return th_run(dn_suite());
}
