/* CRLs signed by a key that stays on a SoftHSM2 token (the production
 * path of crl_build_sign): the key is generated on a private token with
 * token_keygen(), the CA certificate is self-signed on the token, and the
 * CRL must pass openssl and certtool.  T0 is 2026-01-01T00:00:00Z. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "hsmca/crl.h"
#include "hsmca/token.h"
#include "helpers.h"

#define T0 ((time_t)1767225600)
#define YEAR ((time_t)365 * 86400)

static char *dir;
static struct hsmca_token *tok;
static struct hsmca_warnings warns;

static void
token_setup(void)
{
	struct hsmca_error err = { 0 };

	dir = th_tmpdir();
	ck_assert_int_eq(th_softhsm_token(dir, "crl", "1234"), 0);
	setenv("HSMCA_PIN", "1234", 1);
	ck_assert_msg(token_session_open(th_softhsm_module(), NULL, &tok,
	    &warns, &err) == 0, "%s", err.msg);
}

static void
token_teardown(void)
{
	token_close(tok);
	tok = NULL;
	hsmca_warnings_clear(&warns);
	th_rmrf(dir);
	free(dir);
}

static char *
run(const char *cmd)
{
	char *out = NULL;
	size_t len = 0, n;
	char buf[4096];
	FILE *f = popen(cmd, "r"), *mem;

	ck_assert(f != NULL);
	mem = open_memstream(&out, &len);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, mem);
	pclose(f);
	fclose(mem);
	return out;
}

static void
write_pem(const char *name, const char *label, const gnutls_datum_t *der)
{
	gnutls_datum_t pem;

	ck_assert(gnutls_pem_base64_encode2(label, der, &pem) == 0);
	free(th_write_file(dir, name, (const char *)pem.data, pem.size));
	gnutls_free(pem.data);
}

/* A self-signed CA certificate for the token key, signed on the token. */
static gnutls_x509_crt_t
token_ca(gnutls_privkey_t key, gnutls_pubkey_t pub, int pk)
{
	gnutls_x509_crt_t c;
	gnutls_datum_t der;
	unsigned char id[20];
	size_t len = sizeof(id);

	ck_assert(gnutls_x509_crt_init(&c) == 0);
	ck_assert(gnutls_x509_crt_set_version(c, 3) == 0);
	ck_assert(gnutls_x509_crt_set_serial(c, "\x4a\x01", 2) == 0);
	ck_assert(gnutls_x509_crt_set_dn(c, "CN=Token CRL CA,C=DE", NULL) == 0);
	ck_assert(gnutls_x509_crt_set_activation_time(c, T0 - 86400) == 0);
	ck_assert(gnutls_x509_crt_set_expiration_time(c, T0 + 30 * YEAR) == 0);
	ck_assert(gnutls_x509_crt_set_pubkey(c, pub) == 0);
	ck_assert(gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA1, id,
	    &len) == 0);
	ck_assert(gnutls_x509_crt_set_subject_key_id(c, id, len) == 0);
	ck_assert(gnutls_x509_crt_set_basic_constraints(c, 1, -1) == 0);
	ck_assert(gnutls_x509_crt_set_key_usage(c, GNUTLS_KEY_KEY_CERT_SIGN |
	    GNUTLS_KEY_CRL_SIGN) == 0);
	ck_assert(gnutls_x509_crt_privkey_sign(c, c, key,
	    pk == GNUTLS_PK_EDDSA_ED25519 ? GNUTLS_DIG_UNKNOWN :
	    GNUTLS_DIG_SHA256, 0) == 0);
	ck_assert(gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_DER, &der) == 0);
	write_pem("ca.pem", "CERTIFICATE", &der);
	gnutls_free(der.data);
	return c;
}

static const struct {
	const char *type, *hash, *alg;
} types[] = {
	{ "ec:secp384r1", "sha384", "ecdsa-with-SHA384" },
	{ "rsa:2048", "sha256", "sha256WithRSAEncryption" },
	{ "ed25519", NULL, "ED25519" },
};

START_TEST(test_token_signed_crl)
{
	static const unsigned char s1[] = { 0x0b, 0xad }, s2[] = { 0x0c };
	static const unsigned char number[] = { 0x07 };
	struct hsmca_crl_entry e[2] = {
		{ s1, sizeof(s1), T0 - 600, 2 },
		{ s2, sizeof(s2), T0 - 60, CRL_REASON_NONE },
	};
	struct hsmca_crl_params p = { 0 };
	struct hsmca_error err = { 0 };
	struct hsmca_keytype kt;
	gnutls_privkey_t key;
	gnutls_pubkey_t pub;
	gnutls_datum_t der;
	char *uri, *cmd, *out;
	int reason;

	ck_assert_int_eq(token_parse_keytype(types[_i].type, &kt, &err), 0);
	ck_assert_msg(token_keygen(tok, "pkcs11:token=crl", "ca", &kt, NULL, 0,
	    &uri, &err) == 0, "%s", err.msg);
	ck_assert_msg(token_open_key(tok, uri, &key, &pub, NULL, &err) == 0,
	    "%s", err.msg);
	p.issuer = token_ca(key, pub, gnutls_privkey_get_pk_algorithm(key,
	    NULL));
	p.key = key;
	p.hash = types[_i].hash;
	p.this_update = T0;
	p.next_update = T0 + 20 * YEAR;
	p.number = number;
	p.number_len = sizeof(number);
	p.entries = e;
	p.n_entries = 2;
	ck_assert_msg(crl_build_sign(&p, &der, &err) == 0, "%s", err.msg);
	write_pem("crl.pem", "X509 CRL", &der);
	ck_assert(asprintf(&cmd, "cd %s && openssl crl -in crl.pem -noout "
	    "-text -verify -CAfile ca.pem 2>&1 && certtool --verify-crl "
	    "--load-ca-certificate ca.pem --infile crl.pem 2>&1", dir) > 0);
	out = run(cmd);
	ck_assert_msg(strstr(out, "verify OK") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "CA Compromise") != NULL, "%s", out);
	ck_assert_msg(strstr(out, types[_i].alg) != NULL, "%s", out);
	ck_assert_msg(strstr(out, "Verified") != NULL &&
	    strstr(out, "Not verified") == NULL, "%s", out);
	ck_assert_int_eq(crl_entry_reason(&der, s1, sizeof(s1), &reason,
	    &err), 0);
	ck_assert_int_eq(reason, 2);
	free(out);
	free(cmd);
	gnutls_free(der.data);
	gnutls_x509_crt_deinit(p.issuer);
	gnutls_pubkey_deinit(pub);
	gnutls_privkey_deinit(key);
	free(uri);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("crl-token");
	TCase *tc = tcase_create("softhsm2");

	tcase_add_checked_fixture(tc, token_setup, token_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_token_signed_crl, 0,
	    (int)(sizeof(types) / sizeof(types[0])));
	suite_add_tcase(s, tc);
	return th_run(s);
}
