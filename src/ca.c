/* see hsmca/ca.h */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "hsmca/audit.h"
#include "hsmca/ca.h"
#include "hsmca/fileio.h"
#include "hsmca/x509build.h"

int
ca_read_input(const char *path, size_t max, unsigned char **buf, size_t *len,
    struct hsmca_error *err)
{
	char *data = NULL;
	int r;

	if (strcmp(path, "-") == 0)
		r = fileio_read("/dev/stdin", max, &data, len, err);
	else
		r = fileio_read(path, max, &data, len, err);
	if (r == HSMCA_E_NOTFOUND)
		hsmca_error_set(err, r, "%s: no such file", path);
	if (r == 0)
		*buf = (unsigned char *)data;
	return r;
}

int
ca_load_chain_file(const char *path, gnutls_x509_crt_t **list, size_t *n,
    struct hsmca_error *err)
{
	unsigned char *buf = NULL;
	size_t len;
	int r;

	if ((r = ca_read_input(path, X509_MAX_INPUT, &buf, &len, err)) != 0)
		return r;
	r = x509_load_crt_list(path, buf, len, list, n, err);
	free(buf);
	return r;
}

static int
load_cert(struct hsmca_ca *ca, bool need, struct hsmca_error *err)
{
	unsigned char *buf = NULL;
	char *path = cadir_path(ca->conf, ca->conf->cert);
	size_t len;
	int r;

	if (path == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	r = fileio_exists(path, err);
	if (r == 0) {
		r = need ? hsmca_error_set(err, HSMCA_E_NOTFOUND, "%s: the CA "
		    "has no certificate yet (run 'hsmca selfsign --ca %s' for a "
		    "root, or 'hsmca init' with --cert)", path, ca->conf->dir)
		    : 0;
		goto out;
	}
	if (r < 0)
		goto out;
	if ((r = ca_read_input(path, X509_MAX_INPUT, &buf, &len, err)) != 0)
		goto out;
	r = x509_load_crt(path, buf, len, &ca->cert, err);
out:
	free(buf);
	free(path);
	return r;
}

static int
load_chain(struct hsmca_ca *ca, struct hsmca_error *err)
{
	char *path;
	int r;

	if (ca->conf->chain == NULL)
		return 0;
	if ((path = cadir_path(ca->conf, ca->conf->chain)) == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	r = ca_load_chain_file(path, &ca->chain, &ca->n_chain, err);
	free(path);
	return r;
}

int
ca_check_records(const struct hsmca_ca *ca, const char *const *names,
    size_t n, struct hsmca_error *err)
{
	char *path;
	size_t i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		if (names[i] == NULL)
			continue;
		if ((path = cadir_path(ca->conf, names[i])) == NULL)
			return hsmca_error_set(err, HSMCA_E_NOMEM,
			    "out of memory");
		r = fileio_check_record(path, err);
		free(path);
	}
	return r;
}

int
ca_open(const char *dir, int flags, struct hsmca_warnings *w,
    struct hsmca_ca **out, struct hsmca_error *err)
{
	struct hsmca_ca *ca = calloc(1, sizeof(*ca));
	int r;

	if (ca == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	if ((r = cadir_load(dir, &ca->conf, err)) != 0)
		goto fail;
	/* the files every writing command appends to or replaces */
	if ((flags & CA_DB_WRITE) && (r = ca_check_records(ca,
	    (const char *[]){ "index.txt", AUDIT_LOG, AUDIT_SETTLED }, 3,
	    err)) != 0)
		goto fail;
	if (flags & (CA_DB_READ | CA_DB_WRITE)) {
		r = db_open(dir, (flags & CA_DB_WRITE) ? DB_WRITE : DB_READ,
		    ca->conf->lock_timeout, &ca->db, err);
		if (r != 0)
			goto fail;
		if ((flags & CA_DB_WRITE) && (r = audit_recover(ca->db,
		    time(NULL), w, err)) != 0)
			goto fail;
	}
	if ((r = load_cert(ca, flags & CA_NEED_CERT, err)) != 0)
		goto fail;
	if ((r = load_chain(ca, err)) != 0)
		goto fail;
	*out = ca;
	return 0;
fail:
	ca_close(ca);
	return r;
}

int
ca_same_pubkey(gnutls_pubkey_t a, gnutls_pubkey_t b, struct hsmca_error *err)
{
	gnutls_datum_t da = { NULL, 0 }, db = { NULL, 0 };
	int r;

	if (gnutls_pubkey_export2(a, GNUTLS_X509_FMT_DER, &da) != 0 ||
	    gnutls_pubkey_export2(b, GNUTLS_X509_FMT_DER, &db) != 0) {
		r = hsmca_error_set(err, HSMCA_E_CRYPTO, "cannot export a "
		    "public key to compare it");
		goto out;
	}
	r = da.size == db.size && memcmp(da.data, db.data, da.size) == 0;
out:
	gnutls_free(da.data);
	gnutls_free(db.data);
	return r;
}

static int
check_cert_key(struct hsmca_ca *ca, struct hsmca_error *err)
{
	gnutls_pubkey_t cpub = NULL;
	char *path;
	int r;

	if (gnutls_pubkey_init(&cpub) != 0 ||
	    gnutls_pubkey_import_x509(cpub, ca->cert, 0) != 0) {
		r = hsmca_error_set(err, HSMCA_E_CRYPTO, "%s/%s: cannot read "
		    "its public key", ca->conf->dir, ca->conf->cert);
		goto out;
	}
	r = ca_same_pubkey(cpub, ca->pub, err);
	if (r == 1) {
		r = 0;
	} else if (r == 0) {
		path = cadir_path(ca->conf, ca->conf->cert);
		r = hsmca_error_set(err, HSMCA_E_VERIFY, "%s does not carry "
		    "the public key of %s: refusing to sign with a key that "
		    "does not match the CA certificate", path ? path : "",
		    ca->info.uri);
		free(path);
	}
out:
	gnutls_pubkey_deinit(cpub);
	return r;
}

/* The token of hsmca.conf's key URI is not there: find the key by the CA
 * certificate's public key (check_cert_key() then proves it is the one). */
static int
open_moved_key(struct hsmca_ca *ca, struct hsmca_warnings *w,
    struct hsmca_error *err)
{
	gnutls_pubkey_t cpub = NULL;
	char *uri = NULL;
	int r;

	if (gnutls_pubkey_init(&cpub) != 0 ||
	    gnutls_pubkey_import_x509(cpub, ca->cert, 0) != 0) {
		gnutls_pubkey_deinit(cpub);
		return hsmca_error_set(err, HSMCA_E_CRYPTO, "%s/%s: cannot "
		    "read its public key", ca->conf->dir, ca->conf->cert);
	}
	r = token_find_key_by_pubkey(ca->tok, ca->conf->key_uri, cpub, &uri,
	    err);
	gnutls_pubkey_deinit(cpub);
	if (r != 0)
		return r;
	r = token_open_key(ca->tok, uri, &ca->key, &ca->pub, &ca->info, err);
	if (r == 0)
		(void)hsmca_warn(w, "%s: the token named in %s/%s (key = %s) "
		    "is not there; the CA certificate's key was found on token "
		    "'%s' instead: set key = %s", ca->conf->dir, ca->conf->dir,
		    CADIR_CONF, ca->conf->key_uri, ca->info.token_label,
		    ca->info.uri);
	free(uri);
	return r;
}

int
ca_login(struct hsmca_ca *ca, const char *module, const char *module_env,
    const char *pin_file, struct hsmca_warnings *w, struct hsmca_error *err)
{
	const char *m = module != NULL ? module : ca->conf->module != NULL ?
	    ca->conf->module : module_env;
	int r;

	if ((r = token_session_open(m, pin_file, &ca->tok, w, err)) != 0)
		return hsmca_error_prefix(err, "%s: CA key", ca->conf->dir);
	r = token_open_key(ca->tok, ca->conf->key_uri, &ca->key, &ca->pub,
	    &ca->info, err);
	if (r == HSMCA_E_NOTFOUND && ca->cert != NULL && strstr(err->msg,
	    "no token matches") != NULL)
		r = open_moved_key(ca, w, err);
	if (r != 0)
		return hsmca_error_prefix(err, "%s: CA key", ca->conf->dir);
	if (ca->cert != NULL)
		return check_cert_key(ca, err);
	return 0;
}

void
ca_close(struct hsmca_ca *ca)
{
	if (ca == NULL)
		return;
	if (ca->key != NULL)
		gnutls_privkey_deinit(ca->key);
	if (ca->pub != NULL)
		gnutls_pubkey_deinit(ca->pub);
	token_close(ca->tok);
	if (ca->cert != NULL)
		gnutls_x509_crt_deinit(ca->cert);
	x509_crt_list_free(ca->chain, ca->n_chain);
	db_close(ca->db);
	cadir_free(ca->conf);
	free(ca);
}
