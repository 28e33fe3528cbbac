/* hsmca — fuzz target: a certificate request as `hsmca sign` takes it, up to
 * the point of signing: x509_classify, x509_load_csr (PEM or DER, proof of
 * possession), x509_csr_subject, then x509_build_cert under the shipped
 * server profile with a software CA, lint_cert, and x509_db_fields (what
 * would go into index.txt).
 *
 * The self-signature is no defence (whoever sends a request signs whatever
 * they like with their own key), and a fuzzer almost never keeps a signature
 * valid, so a request whose only fault is its signature (HSMCA_E_VERIFY) is
 * imported again without the check and goes down the same build path: that
 * is the path a hostile but correctly signed request takes.
 *
 * Start-up (once): profiles/server.profile and profiles/root-ca.profile
 * parsed with profile_parse, a software P-256 CA key, and a self-signed
 * issuer built with x509_build_cert/x509_sign_cert at a fixed time with a
 * fixed serial.  Nothing the input reaches is signed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "hsmca/dn.h"
#include "hsmca/fileio.h"
#include "hsmca/lint.h"
#include "hsmca/profile.h"
#include "hsmca/x509build.h"
#include "fuzz-common.h"

#define FZ_NOW ((time_t)1767225600)   /* 2026-01-01T00:00:00Z */

/* Built once by LLVMFuzzerInitialize and only read afterwards. */
static struct {
	struct hsmca_profile *server;
	gnutls_x509_crt_t ca;
	gnutls_pubkey_t ca_pub;
} fz;

static const unsigned char fz_serial[20] = {
	0x4a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
	0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x02, 0x03, 0x04,
};

static void
die(const char *what, const struct hsmca_error *err)
{
	fprintf(stderr, "fuzz-csr start-up: %s: %s\n", what,
	    err ? err->msg : "failed");
	abort();
}

static struct hsmca_profile *
load_profile(const char *file)
{
	struct hsmca_error err = { 0 };
	struct hsmca_profile *p = NULL;
	char *path = fz_path(HSMCA_SOURCE_PROFILES, file), *buf = NULL;
	size_t len;

	if (fileio_read(path, 64 * 1024, &buf, &len, &err) != 0 ||
	    profile_parse(path, buf, len, &p, &err) != 0)
		die(path, &err);
	free(buf);
	free(path);
	return p;
}

static void
make_ca(void)
{
	struct hsmca_error err = { 0 };
	struct hsmca_warnings w = { 0 };
	struct hsmca_profile *root = load_profile("root-ca.profile");
	struct hsmca_issue in;
	gnutls_privkey_t key;

	if (gnutls_privkey_init(&key) < 0 ||
	    gnutls_privkey_generate(key, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0 ||
	    gnutls_pubkey_init(&fz.ca_pub) < 0 ||
	    gnutls_pubkey_import_privkey(fz.ca_pub, key, 0, 0) < 0)
		die("CA key", NULL);
	memset(&in, 0, sizeof(in));
	in.profile = root;
	in.subject = "C=US, O=hsmca fuzz, CN=Fuzz Root CA";
	in.pubkey = fz.ca_pub;
	in.serial = fz_serial;
	in.serial_len = sizeof(fz_serial);
	in.now = FZ_NOW - 86400;
	if (x509_build_cert(&in, &fz.ca, &w, &err) != 0 ||
	    x509_sign_cert(fz.ca, NULL, key, "sha256", &err) != 0)
		die("CA certificate", &err);
	hsmca_warnings_clear(&w);
	gnutls_privkey_deinit(key);
	profile_free(root);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz.server = load_profile("server.profile");
	make_ca();
	return 0;
}

/* The request without its proof of possession (DER, then PEM). */
static gnutls_x509_crq_t
import_unverified(const uint8_t *data, size_t size)
{
	gnutls_datum_t d = { (unsigned char *)data, (unsigned)size };
	gnutls_x509_crq_t crq;

	if (gnutls_x509_crq_init(&crq) < 0)
		abort();
	if (gnutls_x509_crq_import(crq, &d, GNUTLS_X509_FMT_DER) == 0 ||
	    gnutls_x509_crq_import(crq, &d, GNUTLS_X509_FMT_PEM) == 0)
		return crq;
	gnutls_x509_crq_deinit(crq);
	return NULL;
}

/* Everything `sign` does with a loaded request before it signs. */
static void
build(gnutls_x509_crq_t crq)
{
	struct hsmca_error err = { 0 };
	struct hsmca_warnings w = { 0 };
	struct hsmca_dn dn;
	struct hsmca_issue in;
	gnutls_x509_crt_t tbs = NULL;
	char *hex = NULL, *subject = NULL;
	time_t not_after;
	int r;

	memset(&dn, 0, sizeof(dn));
	r = x509_csr_subject(crq, &dn, &err);
	fz_check_error(r, &err);
	dn_clear(&dn);
	memset(&in, 0, sizeof(in));
	in.profile = fz.server;
	in.csr = crq;
	in.issuer = fz.ca;
	in.issuer_pubkey = fz.ca_pub;
	in.serial = fz_serial;
	in.serial_len = sizeof(fz_serial);
	in.now = FZ_NOW;
	r = x509_build_cert(&in, &tbs, &w, &err);
	fz_check_error(r, &err);
	if (r != 0)
		goto out;
	r = lint_cert(tbs, fz.server, fz.ca, &w, &err);
	fz_check_error(r, &err);
	r = x509_db_fields(tbs, &hex, &not_after, &subject, &err);
	fz_check_error(r, &err);
	free(hex);
	free(subject);
out:
	if (tbs != NULL)
		gnutls_x509_crt_deinit(tbs);
	hsmca_warnings_clear(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hsmca_error err = { 0 };
	gnutls_x509_crq_t crq = NULL;
	int r;

	(void)x509_kind_name(x509_classify(data, size));
	r = x509_load_csr("fuzz.csr", data, size, &crq, &err);
	fz_check_error(r, &err);
	if (r == HSMCA_E_VERIFY)
		crq = import_unverified(data, size);
	if (crq == NULL)
		return 0;
	build(crq);
	gnutls_x509_crq_deinit(crq);
	return 0;
}
