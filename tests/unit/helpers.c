#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "helpers.h"

char *
th_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	ck_assert(asprintf(&path, "%s/hsmca-test-XXXXXX", base) > 0);
	ck_assert_msg(mkdtemp(path) != NULL, "mkdtemp: %s", strerror(errno));
	return path;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

void
th_rmrf(const char *path)
{
	if (path != NULL)
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *
th_write_file(const char *dir, const char *name, const char *text, size_t len)
{
	char *path;
	FILE *f;

	if (len == (size_t)-1)
		len = strlen(text);
	ck_assert(asprintf(&path, "%s/%s", dir, name) > 0);
	f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert(fwrite(text, 1, len, f) == len);
	ck_assert(fclose(f) == 0);
	return path;
}

char *
th_read_file(const char *path, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0, n = 0, r;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = cap * 2 + 4096 + 1;
			buf = realloc(buf, cap);
			ck_assert(buf != NULL);
		}
		r = fread(buf + n, 1, 4096, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

const char *
th_softhsm_module(void)
{
	static const char *const candidates[] = {
		"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
		"/usr/lib/softhsm/libsofthsm2.so",
		"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
	};
	size_t i;

	for (i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
		if (access(candidates[i], R_OK) == 0)
			return candidates[i];
	return NULL;
}

int
th_softhsm_token(const char *dir, const char *label, const char *pin)
{
	char *conf, *cmd, *tokens, *text;
	int rc;

	if (th_softhsm_module() == NULL || system("command -v softhsm2-util "
	    ">/dev/null 2>&1") != 0)
		return 77;
	ck_assert(asprintf(&tokens, "%s/tokens", dir) > 0);
	ck_assert(mkdir(tokens, 0700) == 0 || errno == EEXIST);
	ck_assert(asprintf(&text, "directories.tokendir = %s\n"
	    "objectstore.backend = file\nlog.level = ERROR\n"
	    "slots.removable = false\nslots.mechanisms = ALL\n"
	    "library.reset_on_fork = false\n", tokens) > 0);
	conf = th_write_file(dir, "softhsm2.conf", text, (size_t)-1);
	setenv("SOFTHSM2_CONF", conf, 1);
	ck_assert(asprintf(&cmd, "softhsm2-util --init-token --free --label "
	    "'%s' --so-pin 12345678 --pin '%s' >/dev/null", label, pin) > 0);
	rc = system(cmd);
	ck_assert_msg(rc == 0, "softhsm2-util failed: %d", rc);
	free(cmd);
	free(text);
	free(conf);
	free(tokens);
	return 0;
}

gnutls_privkey_t
th_software_key(const char *type)
{
	gnutls_privkey_t k;
	gnutls_pk_algorithm_t algo;
	unsigned bits;
	int r;

	if (strcmp(type, "ec:secp256r1") == 0) {
		algo = GNUTLS_PK_ECDSA;
		bits = GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1);
	} else if (strcmp(type, "ec:secp384r1") == 0) {
		algo = GNUTLS_PK_ECDSA;
		bits = GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1);
	} else if (strcmp(type, "ec:secp521r1") == 0) {
		algo = GNUTLS_PK_ECDSA;
		bits = GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP521R1);
	} else if (strcmp(type, "rsa:2048") == 0) {
		algo = GNUTLS_PK_RSA;
		bits = 2048;
	} else if (strcmp(type, "rsa:1024") == 0) {
		algo = GNUTLS_PK_RSA;
		bits = 1024;
	} else if (strcmp(type, "ed25519") == 0) {
		algo = GNUTLS_PK_EDDSA_ED25519;
		bits = 256;
	} else {
		ck_abort_msg("unknown key type %s", type);
		return NULL;
	}
	ck_assert(gnutls_privkey_init(&k) == 0);
	r = gnutls_privkey_generate(k, algo, bits, 0);
	ck_assert_msg(r == 0, "generate %s: %s", type, gnutls_strerror(r));
	return k;
}

int
th_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
