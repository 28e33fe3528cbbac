/* hsmca init: make a CA directory, or adopt an OpenSSL one without changing
 * a line of it, and bind it to one token key. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gnutls/gnutls.h>

#include "hsmca/audit.h"
#include "hsmca/ca.h"
#include "hsmca/cadir.h"
#include "hsmca/cmd.h"
#include "hsmca/db.h"
#include "hsmca/fileio.h"
#include "hsmca/issue.h"
#include "hsmca/osslconf.h"
#include "hsmca/token.h"
#include "hsmca/x509build.h"
#include "cmd-util.h"

enum { O_KEY = 1, O_CERT, O_ISSUER, O_OSSLCONF };

static const struct cli_opt opts[] = {
	{ "key", true, O_KEY, "URI", "the CA's private key on the token" },
	{ "cert", true, O_CERT, "FILE", "the CA's certificate (checked against the key)" },
	{ "issuer", true, O_ISSUER, "DIR|FILE", "the issuing CA's directory or chain file" },
	{ "openssl-conf", true, O_OSSLCONF, "FILE", "take the hash from its default_md (default: DIR/openssl.cnf if there)" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct cli_desc desc = {
	"init", "DIR --key URI [--cert FILE] [--issuer DIR-or-FILE] "
	"[--openssl-conf FILE]",
	"Make a CA directory (or adopt an OpenSSL one) for a token key.", opts,
};

struct init_opts {
	const char *dir, *key, *cert, *issuer, *openssl_conf;
};

/* hsmca.conf's [defaults] hash from an OpenSSL configuration's default_md:
 * --openssl-conf FILE, else DIR/openssl.cnf when there (the usual place
 * in a directory made for openssl ca).  A default_md hsmca does not sign
 * with (sha1, "default", a $variable) is not taken: a warning says so. */
static int
adopt_hash(const struct init_opts *o, struct hsmca_cadir *conf,
    struct hsmca_warnings *w, struct hsmca_error *err)
{
	struct hsmca_error scratch = { 0 };
	char *path = NULL, *buf = NULL, *md = NULL;
	const char *hash;
	size_t len;
	int r;

	if (o->openssl_conf != NULL)
		path = strdup(o->openssl_conf);
	else if (asprintf(&path, "%s/openssl.cnf", o->dir) < 0)
		path = NULL;
	if (path == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	r = fileio_read(path, 1024 * 1024, &buf, &len, err);
	if (r == HSMCA_E_NOTFOUND && o->openssl_conf == NULL) {
		r = 0;
		goto out;
	}
	if (r == HSMCA_E_NOTFOUND)
		hsmca_error_set(err, r, "--openssl-conf: %s: no such file",
		    path);
	if (r != 0 || (r = osslconf_default_md(path, buf, len, &md,
	    err)) != 0 || md == NULL)
		goto out;
	if (cli_parse_hash("default_md", md, &hash, &scratch) != 0) {
		if (strcmp(md, "default") != 0)
			(void)hsmca_warn(w, "%s: default_md = %s is not taken "
			    "(hsmca signs with sha256, sha384 or sha512): set "
			    "[defaults] hash in %s/%s", path, md, o->dir,
			    CADIR_CONF);
		goto out;
	}
	if ((conf->hash = strdup(hash)) == NULL)
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
out:
	free(md);
	free(buf);
	free(path);
	return r;
}

/* The issuers of the new CA: the issuing CA directory's certificate and its
 * own chain, or the certificates of a chain file, nearest first. */
static int
load_issuers(const char *spec, gnutls_x509_crt_t **list, size_t *n,
    struct hsmca_error *err)
{
	struct hsmca_ca *up = NULL;
	struct stat st;
	size_t i;
	int r;

	if (stat(spec, &st) != 0 || !S_ISDIR(st.st_mode))
		return ca_load_chain_file(spec, list, n, err);
	if ((r = ca_open(spec, CA_NEED_CERT, NULL, &up, err)) != 0)
		return r;
	*list = calloc(up->n_chain + 1, sizeof(**list));
	if (*list == NULL) {
		ca_close(up);
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	}
	(*list)[0] = up->cert;
	up->cert = NULL;
	for (i = 0; i < up->n_chain; i++) {
		(*list)[i + 1] = up->chain[i];
		up->chain[i] = NULL;
	}
	*n = up->n_chain + 1;
	ca_close(up);
	return 0;
}

/* Every link of cert, issuers[0], issuers[1]... must verify. */
static int
check_chain(gnutls_x509_crt_t cert, gnutls_x509_crt_t *issuers, size_t n,
    const char *what, struct hsmca_error *err)
{
	gnutls_x509_crt_t child = cert;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		if ((r = x509_verify_signed(child, issuers[i], err)) != 0)
			return hsmca_error_prefix(err, "%s: certificate %zu of "
			    "the issuer chain does not sign %s", what, i + 1,
			    i == 0 ? "the CA certificate" : "the one before");
		child = issuers[i];
	}
	return 0;
}

static int
write_chain(const struct hsmca_cadir *conf, gnutls_x509_crt_t *issuers,
    size_t n, struct hsmca_error *err)
{
	char *buf = NULL, *path = cadir_path(conf, CADIR_CHAIN_DEFAULT);
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);
	int r = 0;

	if (f == NULL || path == NULL) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n && r == 0; i++)
		r = cmd_print_cert(f, issuers[i], err);
	fclose(f);
	f = NULL;
	if (r == 0)
		r = fileio_write_atomic(path, buf, len, 0644, err);
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	free(path);
	return r;
}

static int
check_cert(const struct init_opts *o, gnutls_pubkey_t pub, const char *uri,
    gnutls_x509_crt_t *cert, struct hsmca_error *err)
{
	gnutls_pubkey_t cpub = NULL;
	unsigned char *buf = NULL;
	size_t len;
	int r;

	if ((r = ca_read_input(o->cert, X509_MAX_INPUT, &buf, &len, err)) != 0)
		return r;
	r = x509_load_crt(o->cert, buf, len, cert, err);
	free(buf);
	if (r != 0)
		return r;
	if (gnutls_pubkey_init(&cpub) != 0 ||
	    gnutls_pubkey_import_x509(cpub, *cert, 0) != 0)
		r = hsmca_error_set(err, HSMCA_E_CRYPTO, "%s: cannot read its "
		    "public key", o->cert);
	else if ((r = ca_same_pubkey(cpub, pub, err)) == 0)
		r = hsmca_error_set(err, HSMCA_E_VERIFY, "%s does not carry the "
		    "public key of %s: it cannot be this CA's certificate",
		    o->cert, uri);
	else if (r == 1)
		r = 0;
	gnutls_pubkey_deinit(cpub);
	return r;
}

/* The sha256 of newcerts/SERIAL.pem's certificate, or NULL. */
static const char *
newcert_sha256(const char *dir, const char *serial, char out[65])
{
	gnutls_datum_t pem, der = { NULL, 0 };
	char *path = NULL, *buf = NULL;
	const char *r = NULL;
	size_t len;

	if (asprintf(&path, "%s/newcerts/%s.pem", dir, serial) < 0)
		return NULL;
	if (fileio_read(path, X509_MAX_INPUT, &buf, &len, NULL) == 0) {
		pem.data = (unsigned char *)buf;
		pem.size = (unsigned)len;
		if (gnutls_pem_base64_decode2("CERTIFICATE", &pem, &der) == 0 &&
		    audit_sha256_hex(der.data, der.size, out) == 0)
			r = out;
	}
	gnutls_free(der.data);
	free(buf);
	free(path);
	return r;
}

/* An adopted OpenSSL directory: one "adopt" audit record per existing
 * index entry (and a "revoke" one for each revoked entry), so that the
 * audit trail accounts for every certificate from the start. */
static int
adopt_entries(const char *dir, time_t now, size_t *count,
    struct hsmca_error *err)
{
	const struct hsmca_db_entry *e;
	struct hsmca_audit_rec *recs = NULL;
	struct hsmca_db *db = NULL;
	char (*sums)[65] = NULL;
	size_t n, i, m = 0;
	int r;

	if ((r = db_open(dir, DB_WRITE, DB_LOCK_TIMEOUT_DEFAULT, &db, err)) != 0
	    || (r = db_load(db, err)) != 0)
		goto out;
	e = db_entries(db, &n);
	recs = calloc(2 * n + 1, sizeof(*recs));
	sums = calloc(n + 1, sizeof(*sums));
	if (recs == NULL || sums == NULL) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		recs[m].op = "adopt";
		recs[m].serial = e[i].serial;
		recs[m].subject = e[i].subject;
		recs[m].expiry = e[i].expiry;
		recs[m++].cert_sha256 = newcert_sha256(dir, e[i].serial,
		    sums[i]);
		if (e[i].status != 'R')
			continue;
		recs[m].op = "revoke";
		recs[m].serial = e[i].serial;
		recs[m].subject = e[i].subject;
		recs[m].reason = e[i].reason;
		recs[m++].revoked = e[i].revoked;
	}
	r = audit_append(dir, recs, m, now, err);
	if (r == 0)
		r = audit_mark_settled(dir, err);
	*count = n;
out:
	free(recs);
	free(sums);
	db_close(db);
	return r;
}

/* A serial file for openssl ca, as its -create_serial makes one. */
static int
first_serial(char hex[41], struct hsmca_error *err)
{
	unsigned char b[20];
	size_t i;

	if (issue_rng(NULL, b, sizeof(b)) != 0)
		return hsmca_error_set(err, HSMCA_E_CRYPTO, "no random numbers");
	b[0] = (b[0] & 0x7f) | 0x01;
	for (i = 0; i < sizeof(b); i++)
		snprintf(hex + 2 * i, 3, "%02X", b[i]);
	return 0;
}

static int
run(const struct hsmca_ctx *ctx, const struct init_opts *o,
    struct hsmca_warnings *w, struct hsmca_error *err)
{
	struct hsmca_cadir *conf = NULL;
	struct hsmca_token *tok = NULL;
	struct hsmca_key_info info;
	gnutls_privkey_t key = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_x509_crt_t cert = NULL, *issuers = NULL;
	size_t n_issuers = 0, n_adopted = 0;
	char *conf_path = NULL, *cert_path = NULL, serial_hex[41];
	bool adopted = false;
	int r;

	if (asprintf(&conf_path, "%s/%s", o->dir, CADIR_CONF) < 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	if ((r = fileio_exists(conf_path, err)) != 0) {
		if (r == 1)
			r = hsmca_error_set(err, HSMCA_E_EXISTS, "%s: already "
			    "an hsmca CA directory", o->dir);
		goto out;
	}
	/* Everything is checked before anything is written. */
	if ((r = token_session_open(cli_module(ctx), ctx->pin_file, &tok, w,
	    err)) != 0)
		goto out;
	if ((r = token_open_key(tok, o->key, &key, &pub, &info, err)) != 0)
		goto out;
	if (o->cert != NULL && (r = check_cert(o, pub, info.uri, &cert,
	    err)) != 0)
		goto out;
	if (o->issuer != NULL && o->cert == NULL) {
		r = hsmca_error_set(err, HSMCA_E_USAGE, "--issuer needs --cert "
		    "(the certificate the issuer signed)");
		goto out;
	}
	if (o->issuer != NULL && ((r = load_issuers(o->issuer, &issuers,
	    &n_issuers, err)) != 0 || (r = check_chain(cert, issuers,
	    n_issuers, o->issuer, err)) != 0))
		goto out;
	if ((r = cadir_new(o->dir, info.uri, &conf, err)) != 0 ||
	    (r = adopt_hash(o, conf, w, err)) != 0)
		goto out;
	/* later commands load this module only */
	if (info.module[0] != '\0' && (r = token_module_ref(info.module,
	    &conf->module, err)) != 0)
		goto out;
	if ((r = first_serial(serial_hex, err)) != 0 ||
	    (r = cadir_make_layout(o->dir, serial_hex, &adopted, err)) != 0)
		goto out;
	if (adopted && (r = adopt_entries(o->dir, ctx->now(), &n_adopted,
	    err)) != 0)
		goto out;
	if (n_issuers > 0) {
		if ((r = write_chain(conf, issuers, n_issuers, err)) != 0)
			goto out;
		conf->chain = strdup(CADIR_CHAIN_DEFAULT);
	}
	if (cert != NULL && ((cert_path = cadir_path(conf, conf->cert)) == NULL
	    || (r = cmd_write_cert(cert_path, cert, CMD_OUT_RECORD, err)) != 0))
		goto out;
	if ((r = cadir_save(conf, err)) != 0)
		goto out;
	if (conf->hash != NULL)
		cli_info(ctx, "%s: signature hash %s (default_md)", o->dir,
		    conf->hash);
	if (adopted)
		cli_info(ctx, "%s: adopted the OpenSSL CA directory (%zu index "
		    "entries, each recorded in %s) for %s", o->dir, n_adopted,
		    AUDIT_LOG, info.uri);
	else
		cli_info(ctx, "%s: made the CA directory for %s", o->dir,
		    info.uri);
out:
	x509_crt_list_free(issuers, n_issuers);
	if (cert != NULL)
		gnutls_x509_crt_deinit(cert);
	if (key != NULL)
		gnutls_privkey_deinit(key);
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	token_close(tok);
	cadir_free(conf);
	free(conf_path);
	free(cert_path);
	return r;
}

int
cmd_init(const struct hsmca_ctx *ctx, int argc, char **argv)
{
	struct init_opts o = { 0 };
	struct hsmca_warnings w = { 0 };
	struct hsmca_error err = { 0 };
	struct cli_parser p;
	const char *arg;
	int c, r;

	cli_parser_init(&p, &desc, argc, argv);
	while ((c = cli_next(&p, &arg)) > 0) {
		if (c == O_KEY)
			o.key = arg;
		else if (c == O_CERT)
			o.cert = arg;
		else if (c == O_ISSUER)
			o.issuer = arg;
		else if (c == O_OSSLCONF)
			o.openssl_conf = arg;
	}
	if (c == CLI_HELP)
		return HSMCA_EXIT_OK;
	if (c == CLI_ERROR)
		return HSMCA_EXIT_USAGE;
	if (p.optind + 1 != argc)
		return cli_usage_error(&desc, "one CA directory is required");
	o.dir = argv[p.optind];
	if (o.key == NULL)
		return cli_usage_error(&desc, "--key is required");
	if (cmd_check_uri(o.key, &err) != 0)
		return cli_fail(&err);
	r = run(ctx, &o, &w, &err);
	cli_print_warnings(ctx, &w);
	return r == 0 ? HSMCA_EXIT_OK : cli_fail(&err);
}
