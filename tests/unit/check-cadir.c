/* Unit tests for hsmca.conf's signature defaults (src/cadir.c), the
 * default_md that init takes from an openssl.cnf (src/osslconf.c), and
 * the order in which the signature hash is chosen (issue_pick_sig() in
 * src/issue.c): option > profile > hsmca.conf > the key's. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hsmca/cadir.h"
#include "hsmca/issue.h"
#include "hsmca/osslconf.h"
#include "hsmca/profile.h"
#include "helpers.h"

#define CONF_HEAD "[ca]\nkey = pkcs11:token=a;object=k;type=private\n"

static struct hsmca_cadir *
parse_ok(const char *text)
{
	struct hsmca_error err = { 0 };
	struct hsmca_cadir *ca = NULL;

	ck_assert_msg(cadir_parse("d", text, strlen(text), &ca, &err) == 0,
	    "%s", err.msg);
	return ca;
}

START_TEST(test_conf_hash)
{
	struct hsmca_cadir *ca;

	ca = parse_ok(CONF_HEAD "[defaults]\nhash = sha512\nrsa_pss = yes\n");
	ck_assert_str_eq(ca->hash, "sha512");
	ck_assert(ca->rsa_pss_given && ca->rsa_pss);
	cadir_free(ca);
	ca = parse_ok(CONF_HEAD);
	ck_assert_ptr_null(ca->hash);
	ck_assert(!ca->rsa_pss_given);
	cadir_free(ca);
}
END_TEST

static const struct {
	const char *text, *msg;
} bad_conf[] = {
	{ CONF_HEAD "[defaults]\nhash = md5\n",
	    "d/hsmca.conf:4: hash: 'md5' is not sha256, sha384 or sha512" },
	{ CONF_HEAD "[defaults]\nhash = SHA512\n", "d/hsmca.conf:4: hash:" },
	{ CONF_HEAD "[defaults]\nhash =\n", "d/hsmca.conf:4: hash:" },
	{ CONF_HEAD "[defaults]\nrsa_pss = 1\n",
	    "d/hsmca.conf:4: rsa_pss: '1' is not yes or no" },
	{ CONF_HEAD "hash = sha512\n", "d/hsmca.conf:3: unknown key 'hash' "
	    "in [ca]" },
};

START_TEST(test_conf_hash_bad)
{
	struct hsmca_error err = { 0 };
	struct hsmca_cadir *ca = NULL;
	const char *t = bad_conf[_i].text;

	ck_assert_int_eq(cadir_parse("d", t, strlen(t), &ca, &err),
	    HSMCA_E_PARSE);
	ck_assert_ptr_null(ca);
	ck_assert_msg(strstr(err.msg, bad_conf[_i].msg) == err.msg, "%s",
	    err.msg);
}
END_TEST

START_TEST(test_conf_save_roundtrip)
{
	struct hsmca_error err = { 0 };
	struct hsmca_cadir *ca = NULL, *back = NULL;
	char *dir = th_tmpdir();

	ck_assert_int_eq(cadir_new(dir, "pkcs11:token=a;object=k", &ca, &err),
	    0);
	ca->hash = strdup("sha384");
	ca->rsa_pss_given = ca->rsa_pss = true;
	ck_assert_int_eq(cadir_save(ca, &err), 0);
	ck_assert_msg(cadir_load(dir, &back, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(back->hash, "sha384");
	ck_assert(back->rsa_pss_given && back->rsa_pss);
	cadir_free(ca);
	cadir_free(back);
	th_rmrf(dir);
	free(dir);
}
END_TEST

static const struct {
	const char *cnf, *md;   /* md NULL: none */
} cnfs[] = {
	{ "[ ca ]\ndefault_ca = CA_default\n\n[ CA_default ]\ndir = .\n"
	    "default_md = sha512 # the article's\n", "sha512" },
	{ "default_md = sha1\n[ca]\ndefault_ca=own\n[other]\ndefault_md = "
	    "sha256\n[own]\n  default_md\t=  \"sha384\"  \n", "sha384" },
	{ "[ca]\ndefault_ca = x\n[x]\ndefault_md = default\n", "default" },
	{ "[ca]\ndefault_ca = x\n[x]\ndefault_days = 10\n", NULL },
	{ "[x]\ndefault_md = sha512\n", NULL },
	{ "", NULL },
};

START_TEST(test_osslconf)
{
	struct hsmca_error err = { 0 };
	char *md = (char *)"unset";

	ck_assert_int_eq(osslconf_default_md("o.cnf", cnfs[_i].cnf,
	    strlen(cnfs[_i].cnf), &md, &err), 0);
	if (cnfs[_i].md == NULL)
		ck_assert_ptr_null(md);
	else
		ck_assert_str_eq(md, cnfs[_i].md);
	free(md);
}
END_TEST

START_TEST(test_pick_order)
{
	struct hsmca_profile prof = { 0 };
	struct hsmca_cadir conf = { 0 };
	struct hsmca_error err = { 0 };
	struct hsmca_sig sig;

	/* the key's natural hash */
	ck_assert_int_eq(issue_pick_sig(NULL, false, &prof, &conf,
	    GNUTLS_PK_ECDSA, 384, &sig, &err), 0);
	ck_assert_str_eq(sig.hash, "sha384");
	conf.hash = (char *)"sha512";
	ck_assert_int_eq(issue_pick_sig(NULL, false, &prof, &conf,
	    GNUTLS_PK_ECDSA, 384, &sig, &err), 0);
	ck_assert_str_eq(sig.hash, "sha512");
	prof.hash = (char *)"sha256";
	ck_assert_int_eq(issue_pick_sig(NULL, false, &prof, &conf,
	    GNUTLS_PK_ECDSA, 384, &sig, &err), 0);
	ck_assert_str_eq(sig.hash, "sha256");
	ck_assert_int_eq(issue_pick_sig("sha384", false, &prof, &conf,
	    GNUTLS_PK_ECDSA, 384, &sig, &err), 0);
	ck_assert_str_eq(sig.hash, "sha384");
	ck_assert(!sig.rsa_pss);
	ck_assert_int_eq(issue_pick_sig(NULL, false, NULL, NULL,
	    GNUTLS_PK_RSA, 3072, &sig, &err), 0);
	ck_assert_str_eq(sig.hash, "sha256");
}
END_TEST

START_TEST(test_pick_pss)
{
	struct hsmca_profile prof = { 0 };
	struct hsmca_cadir conf = { 0 };
	struct hsmca_error err = { 0 };
	struct hsmca_sig sig;

	conf.rsa_pss_given = conf.rsa_pss = true;
	ck_assert_int_eq(issue_pick_sig(NULL, false, &prof, &conf,
	    GNUTLS_PK_RSA, 3072, &sig, &err), 0);
	ck_assert(sig.rsa_pss);
	prof.rsa_pss_given = true;      /* rsa_pss = no in the profile */
	ck_assert_int_eq(issue_pick_sig(NULL, false, &prof, &conf,
	    GNUTLS_PK_RSA, 3072, &sig, &err), 0);
	ck_assert(!sig.rsa_pss);
	ck_assert_int_eq(issue_pick_sig(NULL, true, &prof, &conf,
	    GNUTLS_PK_RSA, 3072, &sig, &err), 0);
	ck_assert(sig.rsa_pss);
	/* an EC key: hsmca.conf's and the profile's yes do not apply ... */
	prof.rsa_pss = true;
	ck_assert_int_eq(issue_pick_sig(NULL, false, &prof, &conf,
	    GNUTLS_PK_ECDSA, 384, &sig, &err), 0);
	ck_assert(!sig.rsa_pss);
	/* ... and the option is refused */
	ck_assert_int_eq(issue_pick_sig(NULL, true, &prof, &conf,
	    GNUTLS_PK_ECDSA, 384, &sig, &err), HSMCA_E_USAGE);
	ck_assert(strstr(err.msg, "--rsa-pss") == err.msg);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cadir");
	TCase *tc = tcase_create("signature defaults");

	tcase_add_test(tc, test_conf_hash);
	tcase_add_loop_test(tc, test_conf_hash_bad, 0,
	    (int)(sizeof(bad_conf) / sizeof(bad_conf[0])));
	tcase_add_test(tc, test_conf_save_roundtrip);
	tcase_add_loop_test(tc, test_osslconf, 0,
	    (int)(sizeof(cnfs) / sizeof(cnfs[0])));
	tcase_add_test(tc, test_pick_order);
	tcase_add_test(tc, test_pick_pss);
	suite_add_tcase(s, tc);
	return th_run(s);
}
