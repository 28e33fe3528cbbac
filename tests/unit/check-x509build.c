/* Unit tests for src/x509build.c and src/x509ext.c: loading requests
 * (hostile ones too), building certificates only from the profile, key
 * identifiers, signing and re-verification, requests, index fields.  Keys are
 * fixtures (tests/fixtures/golden/NAME.key) and the clock is fixed, so the text
 * dumps compared with tests/fixtures/golden/NAME.txt are stable; every
 * certificate is also checked by openssl. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "hsmca/lint.h"
#include "hsmca/x509build.h"
#include "helpers.h"

#define NOW ((time_t)1767225600)          /* 2026-01-01T00:00:00Z */
#define ATTIME "1767312000"               /* a day later, for openssl */

static const unsigned char serial_a[20] = {
	0x4a, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
	0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13,
};
static const unsigned char serial_b[20] = {
	0x3b, 0x99, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
	0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x14,
};

static char *tmp;

static void
setup(void)
{
	tmp = th_tmpdir();
}

static void
teardown(void)
{
	th_rmrf(tmp);
	free(tmp);
}

static char *
fixture_path(const char *rel)
{
	const char *src = getenv("HSMCA_SRCDIR");
	char *p;

	ck_assert_ptr_nonnull(src);
	ck_assert(asprintf(&p, "%s/tests/fixtures/%s", src, rel) > 0);
	return p;
}

static char *
fixture(const char *rel, size_t *len)
{
	char *p = fixture_path(rel), *buf = th_read_file(p, len);

	ck_assert_msg(buf != NULL, "cannot read %s", p);
	free(p);
	return buf;
}

static gnutls_privkey_t
fixture_key(const char *name)
{
	gnutls_privkey_t k;
	gnutls_datum_t d;
	size_t len;
	char rel[128];

	snprintf(rel, sizeof(rel), "golden/%s.key", name);
	d.data = (unsigned char *)fixture(rel, &len);
	d.size = (unsigned)len;
	ck_assert(gnutls_privkey_init(&k) == 0);
	ck_assert(gnutls_privkey_import_x509_raw(k, &d, GNUTLS_X509_FMT_PEM,
	    NULL, 0) == 0);
	free(d.data);
	return k;
}

static gnutls_pubkey_t
pub_of(gnutls_privkey_t k)
{
	gnutls_pubkey_t p;

	ck_assert(gnutls_pubkey_init(&p) == 0);
	ck_assert(gnutls_pubkey_import_privkey(p, k, 0, 0) == 0);
	return p;
}

static gnutls_x509_crq_t
fixture_csr(const char *name)
{
	struct hsmca_error err = { 0, "" };
	gnutls_x509_crq_t q;
	size_t len;
	char rel[128], *buf;
	int r;

	snprintf(rel, sizeof(rel), "csr/%s", name);
	buf = fixture(rel, &len);
	r = x509_load_csr(name, (unsigned char *)buf, len, &q, &err);
	ck_assert_msg(r == 0, "%s: %s", name, err.msg);
	free(buf);
	return q;
}

/* ISRG Root X2's shape: KU critical keyCertSign+cRLSign, BC critical
 * CA:TRUE, SKI, no AKI; ecdsa-with-SHA384. */
static void
profile_root(struct hsmca_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->path = "root.profile";
	p->days = 3650;
	p->hash = "sha384";
	p->rsa_min_bits = 2048;
	p->ext.key_usage.present = p->ext.key_usage.critical = true;
	p->ext.key_usage.bits = HSMCA_KU_KEY_CERT_SIGN | HSMCA_KU_CRL_SIGN;
	p->ext.basic_constraints.present = true;
	p->ext.basic_constraints.critical = true;
	p->ext.basic_constraints.ca = true;
	p->ext.basic_constraints.pathlen = -1;
	p->ext.ski = true;
}

static char *server_eku[] = { "1.3.6.1.5.5.7.3.1" };

static void
profile_server(struct hsmca_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->path = "server.profile";
	p->days = 90;
	p->hash = "sha256";
	p->rsa_min_bits = 2048;
	p->san_from_csr = true;
	p->san_types = HSMCA_SAN_DNS;
	p->ext.key_usage.present = p->ext.key_usage.critical = true;
	p->ext.key_usage.bits = HSMCA_KU_DIGITAL_SIGNATURE;
	p->ext.basic_constraints.present = true;
	p->ext.basic_constraints.critical = true;
	p->ext.basic_constraints.pathlen = -1;
	p->ext.ext_key_usage.present = true;
	p->ext.ext_key_usage.oids = server_eku;
	p->ext.ext_key_usage.n = 1;
	p->ext.ski = true;
	p->ext.aki.present = p->ext.aki.keyid = true;
}

static gnutls_x509_crt_t
make_root(gnutls_privkey_t key, const struct hsmca_profile *p)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_warnings w = { NULL, 0 };
	gnutls_pubkey_t pub = pub_of(key);
	gnutls_x509_crt_t c;
	struct hsmca_issue in;
	int r;

	memset(&in, 0, sizeof(in));
	in.profile = p;
	in.subject = "CN=Test Root X2,O=Example Trust,C=US";
	in.pubkey = pub;
	in.serial = serial_a;
	in.serial_len = sizeof(serial_a);
	in.now = NOW;
	r = x509_build_cert(&in, &c, &w, &err);
	ck_assert_msg(r == 0, "build: %s", err.msg);
	r = lint_cert(c, p, NULL, &w, &err);
	ck_assert_msg(r == 0, "lint: %s", err.msg);
	r = x509_sign_cert(c, NULL, key, p->hash, &err);
	ck_assert_msg(r == 0, "sign: %s", err.msg);
	r = x509_verify_signed(c, NULL, &err);
	ck_assert_msg(r == 0, "verify: %s", err.msg);
	gnutls_pubkey_deinit(pub);
	hsmca_warnings_clear(&w);
	return c;
}

static int
build_leaf(const struct hsmca_profile *p, gnutls_x509_crq_t q,
    gnutls_x509_crt_t issuer, const struct hsmca_gn_list *san,
    gnutls_x509_crt_t *out, struct hsmca_warnings *w, struct hsmca_error *err)
{
	struct hsmca_issue in;

	memset(&in, 0, sizeof(in));
	in.profile = p;
	in.csr = q;
	in.san = san;
	in.issuer = issuer;
	in.serial = serial_b;
	in.serial_len = sizeof(serial_b);
	in.now = NOW;
	return x509_build_cert(&in, out, w, err);
}

static char *
write_crt(gnutls_x509_crt_t c, const char *name)
{
	struct hsmca_error err = { 0, "" };
	gnutls_datum_t pem;
	char *path;

	ck_assert(x509_export_pem(c, &pem, &err) == 0);
	path = th_write_file(tmp, name, (char *)pem.data, pem.size);
	gnutls_free(pem.data);
	return path;
}

/* Run a shell command; returns its output, *status its exit status. */
static char *
run(const char *cmd, int *status)
{
	FILE *f = popen(cmd, "r");
	char *out = NULL;
	size_t len = 0, n;
	char buf[4096];

	ck_assert_ptr_nonnull(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		out = realloc(out, len + n + 1);
		memcpy(out + len, buf, n);
		len += n;
	}
	if (out == NULL)
		out = calloc(1, 1);
	out[len] = '\0';
	*status = pclose(f);
	return out;
}

static char *
openssl_text(const char *path)
{
	char cmd[1024], *out;
	int st;

	snprintf(cmd, sizeof(cmd), "openssl x509 -noout -text -certopt "
	    "no_sigdump -in '%s' 2>&1", path);
	out = run(cmd, &st);
	ck_assert_msg(st == 0, "openssl x509: %s", out);
	return out;
}

/* The signature algorithm and the extension lines of a certificate, with
 * the hex of key identifiers left out. */
static char *
extension_shape(const char *path)
{
	char cmd[1024], *out;
	int st;

	snprintf(cmd, sizeof(cmd), "openssl x509 -noout -text -certopt "
	    "no_sigdump -in '%s' | grep -E 'Signature Algorithm|X509v3|"
	    "^ +[A-Za-z]' | sed -n '/Signature Algorithm/p; /X509v3 "
	    "extensions/,$p' | grep -vE '^ *([0-9A-F]{2}:){3}'", path);
	out = run(cmd, &st);
	ck_assert_int_eq(st, 0);
	return out;
}

static void
openssl_verify_ok(const char *root, const char *untrusted, const char *leaf)
{
	char cmd[2048], *out;
	int st;

	snprintf(cmd, sizeof(cmd), "openssl verify -attime " ATTIME
	    " -CAfile '%s' %s%s%s '%s' 2>&1", root,
	    untrusted ? "-untrusted '" : "", untrusted ? untrusted : "",
	    untrusted ? "'" : "", leaf);
	out = run(cmd, &st);
	ck_assert_msg(st == 0 && strstr(out, ": OK") != NULL,
	    "openssl verify: %s", out);
	free(out);
}

/* Compare text with tests/fixtures/golden/name (HSMCA_UPDATE_GOLDEN=1
 * rewrites it). */
static void
golden(const char *name, const char *text)
{
	char rel[128], *path, *want;
	FILE *f;

	snprintf(rel, sizeof(rel), "golden/%s", name);
	path = fixture_path(rel);
	if (getenv("HSMCA_UPDATE_GOLDEN") != NULL) {
		ck_assert((f = fopen(path, "w")) != NULL);
		fputs(text, f);
		fclose(f);
	}
	want = th_read_file(path, NULL);
	ck_assert_msg(want != NULL, "%s missing: run with "
	    "HSMCA_UPDATE_GOLDEN=1 and review it", path);
	ck_assert_str_eq(text, want);
	free(want);
	free(path);
}

START_TEST(test_root_isrg_x2_shape)
{
	struct hsmca_profile p;
	gnutls_privkey_t k = fixture_key("root-p384");
	gnutls_x509_crt_t c;
	char *path, *text, *real, *ours, *theirs;

	profile_root(&p);
	c = make_root(k, &p);
	path = write_crt(c, "root.pem");
	text = openssl_text(path);
	ck_assert_ptr_nonnull(strstr(text, "ecdsa-with-SHA384"));
	ck_assert_ptr_nonnull(strstr(text, "X509v3 Key Usage: critical\n"
	    "                Certificate Sign, CRL Sign"));
	ck_assert_ptr_nonnull(strstr(text, "X509v3 Basic Constraints: "
	    "critical\n                CA:TRUE"));
	ck_assert_ptr_nonnull(strstr(text, "X509v3 Subject Key Identifier"));
	ck_assert_ptr_null(strstr(text, "Authority Key Identifier"));
	golden("root-x2.txt", text);
	/* The same extensions, critical flags, order and signature algorithm
	 * as the real ISRG Root X2 (key identifier values aside). */
	real = fixture_path("golden/isrg-root-x2.pem");
	ours = extension_shape(path);
	theirs = extension_shape(real);
	ck_assert_str_eq(ours, theirs);
	ck_assert_ptr_nonnull(strstr(ours, "Signature Algorithm: "
	    "ecdsa-with-SHA384"));
	free(ours);
	free(theirs);
	free(real);
	openssl_verify_ok(path, NULL, path);
	free(text);
	free(path);
	gnutls_x509_crt_deinit(c);
	gnutls_privkey_deinit(k);
}
END_TEST

/* Ed25519 and RSA roots: the hash argument is ignored for Ed25519. */
START_TEST(test_root_other_key_types)
{
	static const char *keys[][2] = { { "ed25519", "ED25519" },
	    { "inter-rsa2048", "sha512WithRSAEncryption" } };
	struct hsmca_profile p;
	gnutls_x509_crt_t c;
	char *path, *text;
	size_t i;

	for (i = 0; i < 2; i++) {
		gnutls_privkey_t k = fixture_key(keys[i][0]);

		profile_root(&p);
		p.hash = "sha512";
		c = make_root(k, &p);
		path = write_crt(c, "root.pem");
		text = openssl_text(path);
		ck_assert_msg(strstr(text, keys[i][1]) != NULL, "no %s",
		    keys[i][1]);
		openssl_verify_ok(path, NULL, path);
		free(text);
		free(path);
		gnutls_x509_crt_deinit(c);
		gnutls_privkey_deinit(k);
	}
}
END_TEST

/* Method (1) as OpenSSL computes it for the same key. */
START_TEST(test_ski_matches_openssl)
{
	static const char *keys[] = { "root-p384", "inter-rsa2048",
	    "ed25519" };
	struct hsmca_error err = { 0, "" };
	unsigned char id[20];
	char cmd[1024], want[128], *kp, *out;
	size_t i, j;
	int st;

	for (i = 0; i < 3; i++) {
		gnutls_privkey_t k = fixture_key(keys[i]);
		gnutls_pubkey_t p = pub_of(k);
		char rel[64];

		ck_assert(x509_key_id(p, id, &err) == 0);
		snprintf(rel, sizeof(rel), "golden/%s.key", keys[i]);
		kp = fixture_path(rel);
		snprintf(cmd, sizeof(cmd), "openssl req -x509 -key '%s' -subj "
		    "/CN=x -days 1 -addext subjectKeyIdentifier=hash 2>/dev/null"
		    " | openssl x509 -noout -ext subjectKeyIdentifier | tail -1 "
		    "| tr -d ' :\\n'", kp);
		out = run(cmd, &st);
		ck_assert_int_eq(st, 0);
		for (j = 0; j < 20; j++)
			snprintf(want + 2 * j, 3, "%02X", id[j]);
		ck_assert_str_eq(out, want);
		free(out);
		free(kp);
		gnutls_pubkey_deinit(p);
		gnutls_privkey_deinit(k);
	}
}
END_TEST

START_TEST(test_leaf_from_ca_true_csr_is_not_a_ca)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_warnings w = { NULL, 0 };
	struct hsmca_profile rp, sp;
	gnutls_privkey_t rk = fixture_key("root-p384");
	gnutls_x509_crt_t root, leaf;
	gnutls_x509_crq_t q = fixture_csr("ca-true.csr");
	gnutls_x509_crt_t loaded;
	unsigned crit, ca;
	int pathlen, r;
	size_t len;
	char *rpath, *lpath, *text, *buf;

	profile_root(&rp);
	profile_server(&sp);
	root = make_root(rk, &rp);
	r = build_leaf(&sp, q, root, NULL, &leaf, &w, &err);
	ck_assert_msg(r == 0, "%s", err.msg);
	ck_assert(gnutls_x509_crt_get_basic_constraints(leaf, &crit, &ca,
	    &pathlen) >= 0);
	ck_assert_uint_eq(ca, 0);
	ck_assert(lint_cert(leaf, &sp, root, &w, &err) == 0);
	ck_assert(x509_sign_cert(leaf, root, rk, "sha256", &err) == 0);
	ck_assert(x509_verify_signed(leaf, root, &err) == 0);
	rpath = write_crt(root, "root.pem");
	lpath = write_crt(leaf, "leaf.pem");
	/* The issuer as read back from its file, the leaf still in memory. */
	buf = th_read_file(rpath, &len);
	ck_assert(x509_load_crt("root.pem", (unsigned char *)buf, len, &loaded,
	    &err) == 0);
	ck_assert_msg(x509_verify_signed(leaf, loaded, &err) == 0, "%s",
	    err.msg);
	gnutls_x509_crt_deinit(loaded);
	free(buf);
	text = openssl_text(lpath);
	ck_assert_ptr_nonnull(strstr(text, "CA:FALSE"));
	ck_assert_ptr_null(strstr(text, "CA:TRUE"));
	ck_assert_ptr_null(strstr(text, "Certificate Sign"));
	ck_assert_ptr_nonnull(strstr(text, "DNS:evil.example.com"));
	openssl_verify_ok(rpath, NULL, lpath);
	free(text);
	free(rpath);
	free(lpath);
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_crt_deinit(root);
	gnutls_x509_crq_deinit(q);
	gnutls_privkey_deinit(rk);
	hsmca_warnings_clear(&w);
}
END_TEST

START_TEST(test_leaf_golden_and_aki)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_warnings w = { NULL, 0 };
	struct hsmca_profile rp, sp;
	gnutls_privkey_t rk = fixture_key("root-p384");
	gnutls_x509_crt_t root, leaf;
	gnutls_x509_crq_t q = fixture_csr("good-p256.csr");
	unsigned char ski[20], aki[20];
	size_t sl = sizeof(ski), al = sizeof(aki);
	unsigned crit;
	char *rpath, *lpath, *text;

	profile_root(&rp);
	profile_server(&sp);
	root = make_root(rk, &rp);
	ck_assert(build_leaf(&sp, q, root, NULL, &leaf, &w, &err) == 0);
	ck_assert(lint_cert(leaf, &sp, root, &w, &err) == 0);
	ck_assert(x509_sign_cert(leaf, root, rk, "sha256", &err) == 0);
	ck_assert(gnutls_x509_crt_get_subject_key_id(root, ski, &sl,
	    &crit) == 0);
	ck_assert(gnutls_x509_crt_get_authority_key_id(leaf, aki, &al,
	    &crit) == 0);
	ck_assert_uint_eq(al, sl);
	ck_assert_mem_eq(aki, ski, sl);
	rpath = write_crt(root, "root.pem");
	lpath = write_crt(leaf, "leaf.pem");
	text = openssl_text(lpath);
	golden("leaf-server.txt", text);
	openssl_verify_ok(rpath, NULL, lpath);
	free(text);
	free(rpath);
	free(lpath);
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_crt_deinit(root);
	gnutls_x509_crq_deinit(q);
	gnutls_privkey_deinit(rk);
}
END_TEST

/* rsa_key_encipherment adds keyEncipherment for RSA keys only. */
START_TEST(test_rsa_key_encipherment)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile sp;
	gnutls_x509_crq_t rq = fixture_csr("rsa2048.csr");
	gnutls_x509_crq_t eq = fixture_csr("good-p256.csr");
	gnutls_x509_crt_t rc, ec;
	unsigned ku, crit;

	profile_server(&sp);
	sp.rsa_key_encipherment = true;
	ck_assert(build_leaf(&sp, rq, NULL, NULL, &rc, NULL, &err) == 0);
	ck_assert(build_leaf(&sp, eq, NULL, NULL, &ec, NULL, &err) == 0);
	ck_assert(gnutls_x509_crt_get_key_usage(rc, &ku, &crit) >= 0);
	ck_assert_uint_eq(ku, GNUTLS_KEY_DIGITAL_SIGNATURE |
	    GNUTLS_KEY_KEY_ENCIPHERMENT);
	ck_assert(gnutls_x509_crt_get_key_usage(ec, &ku, &crit) >= 0);
	ck_assert_uint_eq(ku, GNUTLS_KEY_DIGITAL_SIGNATURE);
	ck_assert_msg(lint_cert(rc, &sp, NULL, NULL, &err) == 0, "%s", err.msg);
	ck_assert_msg(lint_cert(ec, &sp, NULL, NULL, &err) == 0, "%s", err.msg);
	gnutls_x509_crt_deinit(rc);
	gnutls_x509_crt_deinit(ec);
	gnutls_x509_crq_deinit(rq);
	gnutls_x509_crq_deinit(eq);
}
END_TEST

START_TEST(test_san_type_not_allowed)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile sp;
	gnutls_x509_crq_t q = fixture_csr("ip-san.csr");
	gnutls_x509_crt_t leaf = NULL;
	int r;

	profile_server(&sp);
	r = build_leaf(&sp, q, NULL, NULL, &leaf, NULL, &err);
	ck_assert_int_eq(r, HSMCA_E_POLICY);
	ck_assert_ptr_nonnull(strstr(err.msg, "type IP is not allowed"));
	gnutls_x509_crq_deinit(q);
}
END_TEST

START_TEST(test_san_override_replaces_csr)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile sp;
	struct hsmca_general_name gn[] = { { HSMCA_GN_DNS, "other.example" } };
	struct hsmca_gn_list san = { gn, 1 };
	gnutls_x509_crq_t q = fixture_csr("good-p256.csr");
	gnutls_privkey_t lk = fixture_key("leaf-p256");
	gnutls_x509_crt_t leaf;
	char *path, *text;

	profile_server(&sp);
	ck_assert(build_leaf(&sp, q, NULL, &san, &leaf, NULL, &err) == 0);
	ck_assert(x509_sign_cert(leaf, NULL, lk, NULL, &err) == 0);
	path = write_crt(leaf, "leaf.pem");
	text = openssl_text(path);
	ck_assert_ptr_nonnull(strstr(text, "X509v3 Subject Alternative Name: "
	    "\n                DNS:other.example\n"));
	ck_assert_ptr_null(strstr(text, "DNS:www.example.com"));
	free(text);
	free(path);
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_crq_deinit(q);
	gnutls_privkey_deinit(lk);
}
END_TEST

START_TEST(test_san_required_missing)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile sp;
	gnutls_x509_crq_t q = fixture_csr("good-p256.csr");
	gnutls_x509_crt_t leaf = NULL;

	profile_server(&sp);
	sp.san_from_csr = false;
	sp.san_required = true;
	ck_assert_int_eq(build_leaf(&sp, q, NULL, NULL, &leaf, NULL, &err),
	    HSMCA_E_POLICY);
	ck_assert_ptr_nonnull(strstr(err.msg, "requires a subjectAltName"));
	gnutls_x509_crq_deinit(q);
}
END_TEST

START_TEST(test_policy_drops_fields_with_warning)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_warnings w = { NULL, 0 };
	struct hsmca_profile sp;
	struct hsmca_policy_rule rules[] = {
		{ "countryName", "2.5.4.6", HSMCA_POLICY_OPTIONAL },
		{ "organizationName", "2.5.4.10", HSMCA_POLICY_OPTIONAL },
		{ "commonName", "2.5.4.3", HSMCA_POLICY_SUPPLIED },
	};
	gnutls_x509_crq_t q = fixture_csr("extra-fields.csr");
	gnutls_x509_crt_t leaf;
	char *hex, *one;
	time_t na;

	profile_server(&sp);
	sp.has_policy = true;
	sp.policy = rules;
	sp.n_policy = 3;
	ck_assert(build_leaf(&sp, q, NULL, NULL, &leaf, &w, &err) == 0);
	ck_assert_uint_eq(w.n, 2);
	ck_assert_ptr_nonnull(strstr(w.msgs[0], "organizationalUnitName="
	    "Web Team"));
	ck_assert_ptr_nonnull(strstr(w.msgs[1], "emailAddress="));
	ck_assert(x509_db_fields(leaf, &hex, &na, &one, &err) == 0);
	ck_assert_str_eq(one, "/C=US/O=Example/CN=www.example.com");
	ck_assert_str_eq(hex, "3B9902030405060708090A0B0C0D0E0F10111214");
	ck_assert_int_eq(na, NOW + 90 * 86400);
	free(hex);
	free(one);
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_crq_deinit(q);
	hsmca_warnings_clear(&w);
}
END_TEST

START_TEST(test_subject_override_with_email)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile sp;
	struct hsmca_issue in;
	gnutls_x509_crq_t q = fixture_csr("good-p256.csr");
	gnutls_privkey_t lk = fixture_key("leaf-p256");
	gnutls_x509_crt_t leaf;
	char *path, *text;

	profile_server(&sp);
	memset(&in, 0, sizeof(in));
	in.profile = &sp;
	in.csr = q;
	in.subject = "/C=DE/O=Beispiel M\xc3\xbcller GmbH/CN=x.example/"
	    "emailAddress=a@x.example";
	in.serial = serial_b;
	in.serial_len = 20;
	in.now = NOW;
	ck_assert_msg(x509_build_cert(&in, &leaf, NULL, &err) == 0, "%s",
	    err.msg);
	ck_assert(x509_sign_cert(leaf, NULL, lk, NULL, &err) == 0);
	path = write_crt(leaf, "leaf.pem");
	text = openssl_text(path);
	ck_assert_ptr_nonnull(strstr(text, "Subject: C = DE, O = Beispiel "
	    "M\\C3\\BCller GmbH, CN = x.example, emailAddress = a@x.example"));
	free(text);
	free(path);
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_crq_deinit(q);
	gnutls_privkey_deinit(lk);
}
END_TEST

/* A web-PKI-shaped intermediate: pathlen 0, name constraints, CRL DP,
 * AIA, policies with CPS; then a leaf under it, checked by openssl. */
START_TEST(test_intermediate_web_pki)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile rp, ip, sp;
	struct hsmca_general_name perm[] = { { HSMCA_GN_DNS, "example.com" },
	    { HSMCA_GN_IP, "10.0.0.0/8" } };
	struct hsmca_general_name excl[] = { { HSMCA_GN_DNS,
	    "forbidden.example.com" } };
	struct hsmca_general_name cdp[] = { { HSMCA_GN_URI,
	    "http://crl.example.com/inter.crl" } };
	struct hsmca_general_name ocsp[] = { { HSMCA_GN_URI,
	    "http://ocsp.example.com" } };
	struct hsmca_general_name cai[] = { { HSMCA_GN_URI,
	    "http://ca.example.com/root.crt" } };
	struct hsmca_policy_info pol[] = { { "2.23.140.1.2.1", NULL },
	    { "1.3.6.1.4.1.99999.1", "https://pki.example.com/cps" } };
	gnutls_privkey_t rk = fixture_key("root-p384");
	gnutls_privkey_t ik = fixture_key("inter-rsa2048");
	gnutls_pubkey_t ipub = pub_of(ik);
	gnutls_x509_crt_t root, inter, leaf;
	gnutls_x509_crq_t q = fixture_csr("good-p256.csr");
	struct hsmca_issue in;
	char *rpath, *ipath, *lpath, *text;

	profile_root(&rp);
	profile_root(&ip);
	ip.ext.basic_constraints.pathlen = 0;
	ip.ext.aki.present = ip.ext.aki.keyid = ip.ext.aki.always = true;
	ip.ext.name_constraints.present = true;
	ip.ext.name_constraints.critical = true;
	ip.ext.name_constraints.permitted = (struct hsmca_gn_list){ perm, 2 };
	ip.ext.name_constraints.excluded = (struct hsmca_gn_list){ excl, 1 };
	ip.ext.crl_dp.present = true;
	ip.ext.crl_dp.uris = (struct hsmca_gn_list){ cdp, 1 };
	ip.ext.aia.present = true;
	ip.ext.aia.ocsp = (struct hsmca_gn_list){ ocsp, 1 };
	ip.ext.aia.ca_issuers = (struct hsmca_gn_list){ cai, 1 };
	ip.ext.policies.present = true;
	ip.ext.policies.items = pol;
	ip.ext.policies.n = 2;
	root = make_root(rk, &rp);
	memset(&in, 0, sizeof(in));
	in.profile = &ip;
	in.subject = "CN=Test Intermediate,O=Example Trust,C=US";
	in.pubkey = ipub;
	in.issuer = root;
	in.serial = serial_b;
	in.serial_len = 20;
	in.now = NOW;
	ck_assert_msg(x509_build_cert(&in, &inter, NULL, &err) == 0, "%s",
	    err.msg);
	ck_assert_msg(lint_cert(inter, &ip, root, NULL, &err) == 0, "%s",
	    err.msg);
	ck_assert(x509_sign_cert(inter, root, rk, "sha384", &err) == 0);
	profile_server(&sp);
	ck_assert(build_leaf(&sp, q, inter, NULL, &leaf, NULL, &err) == 0);
	ck_assert_msg(lint_cert(leaf, &sp, inter, NULL, &err) == 0, "%s",
	    err.msg);
	ck_assert(x509_sign_cert(leaf, inter, ik, "sha256", &err) == 0);
	ck_assert(x509_verify_signed(leaf, inter, &err) == 0);
	rpath = write_crt(root, "root.pem");
	ipath = write_crt(inter, "inter.pem");
	lpath = write_crt(leaf, "leaf.pem");
	text = openssl_text(ipath);
	golden("intermediate.txt", text);
	ck_assert_ptr_nonnull(strstr(text, "Permitted:\n"));
	ck_assert_ptr_nonnull(strstr(text, "IP:10.0.0.0/255.0.0.0"));
	ck_assert_ptr_nonnull(strstr(text, "CPS: https://pki.example.com/cps"));
	ck_assert_ptr_nonnull(strstr(text, "OCSP - URI:http://ocsp.example.com"));
	openssl_verify_ok(rpath, ipath, lpath);
	free(text);
	free(rpath);
	free(ipath);
	free(lpath);
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_crt_deinit(inter);
	gnutls_x509_crt_deinit(root);
	gnutls_x509_crq_deinit(q);
	gnutls_pubkey_deinit(ipub);
	gnutls_privkey_deinit(ik);
	gnutls_privkey_deinit(rk);
}
END_TEST

static struct hsmca_profile *
shipped(const char *name)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile *p = NULL;
	char rel[128], *path;

	snprintf(rel, sizeof(rel), "../../profiles/%s.profile", name);
	path = fixture_path(rel);
	ck_assert_msg(profile_load(path, NULL, &p, &err) == 0, "%s", err.msg);
	free(path);
	return p;
}

/* Issue with one shipped profile: build, lint, sign, re-verify. */
static gnutls_x509_crt_t
issue_shipped(const char *profile, const char *csr, gnutls_x509_crt_t issuer,
    gnutls_privkey_t ikey)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile *p = shipped(profile);
	gnutls_x509_crq_t q = fixture_csr(csr);
	gnutls_x509_crt_t c;

	ck_assert_msg(build_leaf(p, q, issuer, NULL, &c, NULL, &err) == 0,
	    "%s: %s", profile, err.msg);
	ck_assert_msg(lint_cert(c, p, issuer, NULL, &err) == 0, "%s: %s",
	    profile, err.msg);
	ck_assert(x509_sign_cert(c, issuer, ikey, p->hash, &err) == 0);
	ck_assert(x509_verify_signed(c, issuer, &err) == 0);
	gnutls_x509_crq_deinit(q);
	profile_free(p);
	return c;
}

/* The shipped profiles, as profile_load() reads them, give certificates
 * that pass lint and openssl: root, intermediate, server (EC and RSA, the
 * RSA one with keyEncipherment), client, OCSP signer. */
START_TEST(test_shipped_profiles)
{
	static const char *leafs[][3] = {
		{ "server", "good-p256.csr", "TLS Web Server Authentication" },
		{ "server", "rsa2048.csr", "Key Encipherment" },
		{ "client", "ip-san.csr", "TLS Web Client Authentication" },
		{ "ocsp-signer", "good-p256.csr", "OCSP Signing" },
	};
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile *rp = shipped("root-ca"), *ip;
	gnutls_privkey_t rk = fixture_key("root-p384");
	gnutls_privkey_t ik = fixture_key("leaf-p256");
	gnutls_pubkey_t ipub = pub_of(ik);
	gnutls_x509_crt_t root, inter, leaf;
	struct hsmca_issue in;
	char *rpath, *ipath, *lpath, *text;
	size_t i;

	root = make_root(rk, rp);
	ip = shipped("intermediate-ca");
	memset(&in, 0, sizeof(in));
	in.profile = ip;
	in.subject = "CN=Shipped Intermediate,O=Example,C=US";
	in.pubkey = ipub;
	in.issuer = root;
	in.serial = serial_b;
	in.serial_len = 20;
	in.now = NOW;
	ck_assert_msg(x509_build_cert(&in, &inter, NULL, &err) == 0, "%s",
	    err.msg);
	ck_assert_msg(lint_cert(inter, ip, root, NULL, &err) == 0, "%s",
	    err.msg);
	ck_assert(x509_sign_cert(inter, root, rk, ip->hash, &err) == 0);
	rpath = write_crt(root, "root.pem");
	ipath = write_crt(inter, "inter.pem");
	for (i = 0; i < sizeof(leafs) / sizeof(leafs[0]); i++) {
		leaf = issue_shipped(leafs[i][0], leafs[i][1], inter, ik);
		lpath = write_crt(leaf, "leaf.pem");
		openssl_verify_ok(rpath, ipath, lpath);
		text = openssl_text(lpath);
		ck_assert_msg(strstr(text, leafs[i][2]) != NULL, "%s: no %s",
		    leafs[i][0], leafs[i][2]);
		free(text);
		free(lpath);
		gnutls_x509_crt_deinit(leaf);
	}
	free(rpath);
	free(ipath);
	gnutls_x509_crt_deinit(inter);
	gnutls_x509_crt_deinit(root);
	gnutls_pubkey_deinit(ipub);
	gnutls_privkey_deinit(ik);
	gnutls_privkey_deinit(rk);
	profile_free(ip);
	profile_free(rp);
}
END_TEST

/* An issuer without SKI: keyid:always refuses, keyid warns and omits. */
START_TEST(test_aki_issuer_without_ski)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_warnings w = { NULL, 0 };
	struct hsmca_profile rp, sp;
	gnutls_privkey_t rk = fixture_key("root-p384");
	gnutls_x509_crq_t q = fixture_csr("good-p256.csr");
	gnutls_x509_crt_t root, leaf = NULL;
	unsigned char id[64];
	size_t idl = sizeof(id);
	unsigned crit;

	profile_root(&rp);
	rp.ext.ski = false;
	profile_server(&sp);
	root = make_root(rk, &rp);
	sp.ext.aki.always = true;
	ck_assert_int_eq(build_leaf(&sp, q, root, NULL, &leaf, &w, &err),
	    HSMCA_E_POLICY);
	ck_assert_ptr_nonnull(strstr(err.msg, "keyid:always"));
	sp.ext.aki.always = false;
	ck_assert(build_leaf(&sp, q, root, NULL, &leaf, &w, &err) == 0);
	ck_assert_uint_eq(w.n, 1);
	ck_assert_ptr_nonnull(strstr(w.msgs[0], "no authorityKeyIdentifier"));
	ck_assert_int_eq(gnutls_x509_crt_get_authority_key_id(leaf, id, &idl,
	    &crit), GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE);
	hsmca_warnings_clear(&w);
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_crt_deinit(root);
	gnutls_x509_crq_deinit(q);
	gnutls_privkey_deinit(rk);
}
END_TEST

START_TEST(test_sign_with_mismatched_key)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_profile rp, sp;
	gnutls_privkey_t rk = fixture_key("root-p384");
	gnutls_privkey_t other = fixture_key("inter-rsa2048");
	gnutls_x509_crq_t q = fixture_csr("good-p256.csr");
	gnutls_x509_crt_t root, leaf;

	profile_root(&rp);
	profile_server(&sp);
	root = make_root(rk, &rp);
	ck_assert(build_leaf(&sp, q, root, NULL, &leaf, NULL, &err) == 0);
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
	gnutls_privkey_t rk = fixture_key("root-p384");
	gnutls_privkey_t lk = fixture_key("leaf-p256");
	gnutls_x509_crq_t q = fixture_csr("good-p256.csr");
	gnutls_x509_crt_t root, other, leaf;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		profile_root(&rp);
		profile_server(&sp);
		rp.ext.ski = pass == 0;
		sp.ext.aki.present = pass == 0;
		root = make_root(rk, &rp);
		other = make_root(lk, &rp);   /* same subject, different key */
		ck_assert(build_leaf(&sp, q, root, NULL, &leaf, NULL, &err) == 0);
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
	gnutls_privkey_t rk = fixture_key("root-p384");
	gnutls_x509_crt_t root;

	profile_root(&rp);
	root = make_root(rk, &rp);
	ck_assert_int_eq(x509_sign_cert(root, NULL, rk, "md5", &err),
	    HSMCA_E_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown hash 'md5'"));
	gnutls_x509_crt_deinit(root);
	gnutls_privkey_deinit(rk);
}
END_TEST

START_TEST(test_netscape_refused_or_warned)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_warnings w = { NULL, 0 };
	struct hsmca_profile sp;
	gnutls_x509_crq_t q = fixture_csr("good-p256.csr");
	gnutls_privkey_t lk = fixture_key("leaf-p256");
	gnutls_x509_crt_t leaf = NULL;
	char *path, *text;

	profile_server(&sp);
	sp.ext.ns_cert_type.present = true;
	sp.ext.ns_cert_type.bits = 0x40;
	sp.ext.ns_comment = "hsmca test";
	ck_assert_int_eq(build_leaf(&sp, q, NULL, NULL, &leaf, &w, &err),
	    HSMCA_E_POLICY);
	ck_assert_ptr_nonnull(strstr(err.msg, "allow_netscape"));
	sp.allow_netscape = true;
	ck_assert(build_leaf(&sp, q, NULL, NULL, &leaf, &w, &err) == 0);
	ck_assert_uint_ge(w.n, 1);
	ck_assert_ptr_nonnull(strstr(w.msgs[0], "Netscape"));
	ck_assert(x509_sign_cert(leaf, NULL, lk, NULL, &err) == 0);
	path = write_crt(leaf, "ns.pem");
	text = openssl_text(path);
	ck_assert_ptr_nonnull(strstr(text, "Netscape Cert Type: \n"
	    "                SSL Server"));
	ck_assert_ptr_nonnull(strstr(text, "Netscape Comment: \n"
	    "                hsmca test"));
	free(text);
	free(path);
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_crq_deinit(q);
	gnutls_privkey_deinit(lk);
	hsmca_warnings_clear(&w);
}
END_TEST

START_TEST(test_build_csr_roundtrip)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_general_name gn[] = { { HSMCA_GN_DNS, "www.example.com" },
	    { HSMCA_GN_IP, "2001:db8::1" } };
	struct hsmca_gn_list sans = { gn, 2 };
	gnutls_privkey_t k = fixture_key("leaf-p256");
	gnutls_pubkey_t p = pub_of(k);
	gnutls_datum_t pem;
	gnutls_x509_crq_t q;
	char *path, *out, cmd[512];
	int st;

	ck_assert_msg(x509_build_csr(k, p, "CN=www.example.com,O=Example,"
	    "C=US", &sans, "sha256", &pem, &err) == 0, "%s", err.msg);
	ck_assert(x509_load_csr("new.csr", pem.data, pem.size, &q, &err) == 0);
	path = th_write_file(tmp, "new.csr", (char *)pem.data, pem.size);
	snprintf(cmd, sizeof(cmd), "openssl req -verify -noout -text -in '%s'"
	    " 2>&1", path);
	out = run(cmd, &st);
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

/* ---- hostile requests: one test each -------------------------------- */

static void
expect_csr_error(const char *file, int code, const char *substring)
{
	struct hsmca_error err = { 0, "" };
	gnutls_x509_crq_t q = NULL;
	size_t len;
	char rel[128], *buf;

	snprintf(rel, sizeof(rel), "csr/%s", file);
	buf = fixture(rel, &len);
	ck_assert_int_eq(x509_load_csr(file, (unsigned char *)buf, len, &q,
	    &err), code);
	ck_assert_msg(strstr(err.msg, substring) != NULL, "message '%s' lacks "
	    "'%s'", err.msg, substring);
	ck_assert_ptr_null(q);
	free(buf);
}

START_TEST(test_csr_der_accepted)
{
	gnutls_x509_crq_t q = fixture_csr("good-p256.der");

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
	char *buf = fixture("csr/good-p256.csr", &len);

	ck_assert_int_eq(x509_load_crt_list("req.csr", (unsigned char *)buf,
	    len, &list, &n, &err), HSMCA_E_PARSE);
	ck_assert_ptr_nonnull(strstr(err.msg, "req.csr: this is a certificate "
	    "request, not a certificate"));
	free(buf);
	buf = fixture("csr/certificate.pem", &len);
	ck_assert(x509_load_crt_list("c.pem", (unsigned char *)buf, len, &list,
	    &n, &err) == 0);
	ck_assert_uint_eq(n, 1);
	x509_crt_list_free(list, n);
	free(buf);
}
END_TEST

static Suite *
x509build_suite(void)
{
	Suite *s = suite_create("x509build");
	TCase *b = tcase_create("build");
	TCase *h = tcase_create("hostile");

	tcase_add_checked_fixture(b, setup, teardown);
	tcase_set_timeout(b, 60);
	tcase_add_test(b, test_root_isrg_x2_shape);
	tcase_add_test(b, test_root_other_key_types);
	tcase_add_test(b, test_ski_matches_openssl);
	tcase_add_test(b, test_leaf_from_ca_true_csr_is_not_a_ca);
	tcase_add_test(b, test_leaf_golden_and_aki);
	tcase_add_test(b, test_rsa_key_encipherment);
	tcase_add_test(b, test_san_type_not_allowed);
	tcase_add_test(b, test_san_override_replaces_csr);
	tcase_add_test(b, test_san_required_missing);
	tcase_add_test(b, test_policy_drops_fields_with_warning);
	tcase_add_test(b, test_subject_override_with_email);
	tcase_add_test(b, test_intermediate_web_pki);
	tcase_add_test(b, test_shipped_profiles);
	tcase_add_test(b, test_aki_issuer_without_ski);
	tcase_add_test(b, test_sign_with_mismatched_key);
	tcase_add_test(b, test_verify_signed_wrong_issuer);
	tcase_add_test(b, test_unknown_hash);
	tcase_add_test(b, test_netscape_refused_or_warned);
	tcase_add_test(b, test_build_csr_roundtrip);
	suite_add_tcase(s, b);
	tcase_add_test(h, test_csr_der_accepted);
	tcase_add_test(h, test_csr_bad_signature);
	tcase_add_test(h, test_csr_truncated);
	tcase_add_test(h, test_csr_garbage);
	tcase_add_test(h, test_csr_is_certificate);
	tcase_add_test(h, test_csr_is_private_key);
	tcase_add_test(h, test_csr_is_crl);
	tcase_add_test(h, test_csr_empty);
	tcase_add_test(h, test_csr_too_large);
	tcase_add_test(h, test_crt_list_and_kinds);
	suite_add_tcase(s, h);
	return s;
}

int
main(void)
{
	return th_run(x509build_suite());
}
