/* see helpers-x509.h */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "hsmca/lint.h"
#include "hsmca/x509build.h"
#include "helpers.h"
#include "helpers-x509.h"

#define ATTIME "1767312000"               /* a day after XT_NOW, for openssl */

/* The root's serial; xt_serial_b is every other certificate's. */
static const unsigned char serial_a[20] = {
	0x4a, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
	0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13,
};
const unsigned char xt_serial_b[20] = {
	0x3b, 0x99, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
	0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x14,
};

/* The checked fixture's directory: set by setup() in the test's own process
 * (Check forks per test), freed by teardown(). */
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
	tmp = NULL;
}

const char *
xt_dir(void)
{
	ck_assert_ptr_nonnull(tmp);
	return tmp;
}

TCase *
xt_tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	return tc;
}

char *
xt_fixture_path(const char *rel)
{
	const char *src = getenv("HSMCA_SRCDIR");
	char *p;

	ck_assert_ptr_nonnull(src);
	ck_assert(asprintf(&p, "%s/tests/fixtures/%s", src, rel) > 0);
	return p;
}

char *
xt_fixture(const char *rel, size_t *len)
{
	char *p = xt_fixture_path(rel), *buf = th_read_file(p, len);

	ck_assert_msg(buf != NULL, "cannot read %s", p);
	free(p);
	return buf;
}

gnutls_privkey_t
xt_key(const char *name)
{
	gnutls_privkey_t k;
	gnutls_datum_t d;
	size_t len;
	char rel[128];

	snprintf(rel, sizeof(rel), "golden/%s.key", name);
	d.data = (unsigned char *)xt_fixture(rel, &len);
	d.size = (unsigned)len;
	ck_assert(gnutls_privkey_init(&k) == 0);
	ck_assert(gnutls_privkey_import_x509_raw(k, &d, GNUTLS_X509_FMT_PEM,
	    NULL, 0) == 0);
	free(d.data);
	return k;
}

gnutls_pubkey_t
xt_pub_of(gnutls_privkey_t k)
{
	gnutls_pubkey_t p;

	ck_assert(gnutls_pubkey_init(&p) == 0);
	ck_assert(gnutls_pubkey_import_privkey(p, k, 0, 0) == 0);
	return p;
}

gnutls_x509_crq_t
xt_csr(const char *name)
{
	struct hsmca_error err = { 0, "" };
	gnutls_x509_crq_t q;
	size_t len;
	char rel[128], *buf;
	int r;

	snprintf(rel, sizeof(rel), "csr/%s", name);
	buf = xt_fixture(rel, &len);
	r = x509_load_csr(name, (unsigned char *)buf, len, &q, &err);
	ck_assert_msg(r == 0, "%s: %s", name, err.msg);
	free(buf);
	return q;
}

/* ISRG Root X2's shape: KU critical keyCertSign+cRLSign, BC critical
 * CA:TRUE, SKI, no AKI; ecdsa-with-SHA384. */
void
xt_profile_root(struct hsmca_profile *p)
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

void
xt_profile_server(struct hsmca_profile *p)
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

gnutls_x509_crt_t
xt_make_root(gnutls_privkey_t key, const struct hsmca_profile *p)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_warnings w = { NULL, 0 };
	gnutls_pubkey_t pub = xt_pub_of(key);
	gnutls_x509_crt_t c;
	struct hsmca_issue in;
	int r;

	memset(&in, 0, sizeof(in));
	in.profile = p;
	in.subject = "CN=Test Root X2,O=Example Trust,C=US";
	in.pubkey = pub;
	in.serial = serial_a;
	in.serial_len = sizeof(serial_a);
	in.now = XT_NOW;
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

int
xt_build_leaf(const struct hsmca_profile *p, gnutls_x509_crq_t q,
    gnutls_x509_crt_t issuer, const struct hsmca_gn_list *san,
    gnutls_x509_crt_t *out, struct hsmca_warnings *w, struct hsmca_error *err)
{
	struct hsmca_issue in;

	memset(&in, 0, sizeof(in));
	in.profile = p;
	in.csr = q;
	in.san = san;
	in.issuer = issuer;
	in.serial = xt_serial_b;
	in.serial_len = sizeof(xt_serial_b);
	in.now = XT_NOW;
	return x509_build_cert(&in, out, w, err);
}

char *
xt_write_crt(gnutls_x509_crt_t c, const char *name)
{
	struct hsmca_error err = { 0, "" };
	gnutls_datum_t pem;
	char *path;

	ck_assert(x509_export_pem(c, &pem, &err) == 0);
	path = th_write_file(xt_dir(), name, (char *)pem.data, pem.size);
	gnutls_free(pem.data);
	return path;
}

/* Run a shell command; returns its output, *status its exit status. */
char *
xt_run(const char *cmd, int *status)
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

char *
xt_openssl_text(const char *path)
{
	char cmd[1024], *out;
	int st;

	snprintf(cmd, sizeof(cmd), "openssl x509 -noout -text -certopt "
	    "no_sigdump -in '%s' 2>&1", path);
	out = xt_run(cmd, &st);
	ck_assert_msg(st == 0, "openssl x509: %s", out);
	return out;
}

void
xt_openssl_verify_ok(const char *root, const char *untrusted,
    const char *leaf)
{
	char cmd[2048], *out;
	int st;

	snprintf(cmd, sizeof(cmd), "openssl verify -attime " ATTIME
	    " -CAfile '%s' %s%s%s '%s' 2>&1", root,
	    untrusted ? "-untrusted '" : "", untrusted ? untrusted : "",
	    untrusted ? "'" : "", leaf);
	out = xt_run(cmd, &st);
	ck_assert_msg(st == 0 && strstr(out, ": OK") != NULL,
	    "openssl verify: %s", out);
	free(out);
}

/* Compare text with tests/fixtures/golden/name (HSMCA_UPDATE_GOLDEN=1
 * rewrites it). */
void
xt_golden(const char *name, const char *text)
{
	char rel[128], *path, *want;
	FILE *f;

	snprintf(rel, sizeof(rel), "golden/%s", name);
	path = xt_fixture_path(rel);
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
