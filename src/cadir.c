/* see hsmca/cadir.h */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hsmca/cadir.h"
#include "hsmca/fileio.h"
#include "hsmca/ini.h"

#define CONF_MAX (64 * 1024)

void
cadir_free(struct hsmca_cadir *ca)
{
	if (ca == NULL)
		return;
	free(ca->dir);
	free(ca->key_uri);
	free(ca->module);
	free(ca->cert);
	free(ca->chain);
	free(ca->hash);
	free(ca);
}

char *
cadir_path(const struct hsmca_cadir *ca, const char *rel)
{
	char *p;

	if (asprintf(&p, "%s/%s", ca->dir, rel) < 0)
		return NULL;
	return p;
}

static char *
dir_copy(const char *dir)
{
	size_t n = strlen(dir);
	char *d;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	d = strndup(dir, n);
	return d;
}

int
cadir_new(const char *dir, const char *key_uri, struct hsmca_cadir **out,
    struct hsmca_error *err)
{
	struct hsmca_cadir *ca = calloc(1, sizeof(*ca));

	if (ca == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	ca->dir = dir_copy(dir);
	ca->key_uri = key_uri ? strdup(key_uri) : NULL;
	ca->cert = strdup(CADIR_CERT_DEFAULT);
	ca->crl_days = 30;
	ca->lock_timeout = 30;
	if (ca->dir == NULL || ca->cert == NULL ||
	    (key_uri != NULL && ca->key_uri == NULL)) {
		cadir_free(ca);
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	}
	*out = ca;
	return 0;
}

/* A relative path inside the CA directory: no "..", not absolute, so that
 * a crafted hsmca.conf cannot point writes elsewhere. */
static bool
safe_relpath(const char *p)
{
	return *p != '\0' && *p != '/' && strstr(p, "..") == NULL;
}

static int
conf_number(const struct hsmca_ini_entry *e, const char *file,
    unsigned max, unsigned *out, struct hsmca_error *err)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(e->value, &end, 10);
	if (e->value[0] < '0' || e->value[0] > '9' || *end != '\0' ||
	    errno != 0 || v < 1 || v > max)
		return hsmca_error_set(err, HSMCA_E_PARSE, "%s:%u: %s: '%s' is "
		    "not a number from 1 to %u", file, e->line, e->key,
		    e->value, max);
	*out = (unsigned)v;
	return 0;
}

static int
conf_string(const struct hsmca_ini_entry *e, const char *file, bool path,
    char **out, struct hsmca_error *err)
{
	if (e->value[0] == '\0')
		return hsmca_error_set(err, HSMCA_E_PARSE, "%s:%u: %s is empty",
		    file, e->line, e->key);
	if (path && !safe_relpath(e->value))
		return hsmca_error_set(err, HSMCA_E_PARSE, "%s:%u: %s: '%s' must "
		    "be a relative path inside the CA directory", file, e->line,
		    e->key, e->value);
	free(*out);
	*out = strdup(e->value);
	return *out ? 0 : hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
}

static int
conf_hash(const struct hsmca_ini_entry *e, const char *file, char **out,
    struct hsmca_error *err)
{
	if (strcmp(e->value, "sha256") != 0 && strcmp(e->value, "sha384") != 0
	    && strcmp(e->value, "sha512") != 0)
		return hsmca_error_set(err, HSMCA_E_PARSE, "%s:%u: hash: '%s' "
		    "is not sha256, sha384 or sha512", file, e->line, e->value);
	return conf_string(e, file, false, out, err);
}

static int
conf_yesno(const struct hsmca_ini_entry *e, const char *file, bool *given,
    bool *out, struct hsmca_error *err)
{
	if (strcmp(e->value, "yes") != 0 && strcmp(e->value, "no") != 0)
		return hsmca_error_set(err, HSMCA_E_PARSE, "%s:%u: %s: '%s' is "
		    "not yes or no", file, e->line, e->key, e->value);
	*given = true;
	*out = strcmp(e->value, "yes") == 0;
	return 0;
}

static int
conf_entry(struct hsmca_cadir *ca, const struct hsmca_ini_entry *e,
    const char *file, struct hsmca_error *err)
{
	bool in_ca = strcmp(e->section, "ca") == 0;
	bool in_def = strcmp(e->section, "defaults") == 0;

	if (!in_ca && !in_def)
		return hsmca_error_set(err, HSMCA_E_PARSE, "%s:%u: unknown "
		    "section [%s]", file, e->line, e->section);
	if (e->key == NULL)
		return 0;
	if (in_ca && strcmp(e->key, "key") == 0)
		return conf_string(e, file, false, &ca->key_uri, err);
	if (in_ca && strcmp(e->key, "module") == 0)
		return conf_string(e, file, false, &ca->module, err);
	if (in_ca && strcmp(e->key, "certificate") == 0)
		return conf_string(e, file, true, &ca->cert, err);
	if (in_ca && strcmp(e->key, "chain") == 0)
		return conf_string(e, file, true, &ca->chain, err);
	if (in_def && strcmp(e->key, "crl_days") == 0)
		return conf_number(e, file, 36500, &ca->crl_days, err);
	if (in_def && strcmp(e->key, "lock_timeout") == 0)
		return conf_number(e, file, 3600, &ca->lock_timeout, err);
	if (in_def && strcmp(e->key, "hash") == 0)
		return conf_hash(e, file, &ca->hash, err);
	if (in_def && strcmp(e->key, "rsa_pss") == 0)
		return conf_yesno(e, file, &ca->rsa_pss_given, &ca->rsa_pss, err);
	return hsmca_error_set(err, HSMCA_E_PARSE, "%s:%u: unknown key '%s' "
	    "in [%s]", file, e->line, e->key, e->section);
}

int
cadir_parse(const char *dir, const char *buf, size_t len,
    struct hsmca_cadir **out, struct hsmca_error *err)
{
	struct hsmca_ini ini = { 0 };
	struct hsmca_cadir *ca = NULL;
	char *file = NULL;
	size_t i;
	int r;

	if (asprintf(&file, "%s/%s", dir, CADIR_CONF) < 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	if ((r = ini_parse(file, buf, len, &ini, err)) != 0)
		goto out;
	if ((r = cadir_new(dir, NULL, &ca, err)) != 0)
		goto out;
	for (i = 0; i < ini.n; i++)
		if ((r = conf_entry(ca, &ini.entries[i], file, err)) != 0)
			goto out;
	if (ca->key_uri == NULL) {
		r = hsmca_error_set(err, HSMCA_E_PARSE, "%s: [ca] key is "
		    "missing", file);
		goto out;
	}
	*out = ca;
	ca = NULL;
out:
	cadir_free(ca);
	ini_clear(&ini);
	free(file);
	return r;
}

int
cadir_load(const char *dir, struct hsmca_cadir **out, struct hsmca_error *err)
{
	char *path = NULL, *buf = NULL;
	size_t len;
	int r;

	if (asprintf(&path, "%s/%s", dir, CADIR_CONF) < 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	r = fileio_read(path, CONF_MAX, &buf, &len, err);
	if (r == HSMCA_E_NOTFOUND)
		hsmca_error_set(err, r, "%s: not a CA directory (no %s); run "
		    "'hsmca init %s --key URI'", dir, CADIR_CONF, dir);
	if (r == 0)
		r = cadir_parse(dir, buf, len, out, err);
	free(buf);
	free(path);
	return r;
}

int
cadir_save(const struct hsmca_cadir *ca, struct hsmca_error *err)
{
	char *text = NULL, *path = NULL;
	int r, n;

	n = asprintf(&text, "# hsmca CA directory configuration (hsmca(1))\n"
	    "[ca]\nkey = %s\n%s%s%scertificate = %s\n%s%s%s"
	    "\n[defaults]\ncrl_days = %u\nlock_timeout = %u\n%s%s%s%s",
	    ca->key_uri, ca->module ? "module = " : "",
	    ca->module ? ca->module : "", ca->module ? "\n" : "",
	    ca->cert, ca->chain ? "chain = " : "",
	    ca->chain ? ca->chain : "", ca->chain ? "\n" : "", ca->crl_days,
	    ca->lock_timeout, ca->hash ? "hash = " : "", ca->hash ? ca->hash :
	    "", ca->hash ? "\n" : "", !ca->rsa_pss_given ? "" : ca->rsa_pss ?
	    "rsa_pss = yes\n" : "rsa_pss = no\n");
	path = cadir_path(ca, CADIR_CONF);
	if (n < 0 || path == NULL) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		goto out;
	}
	r = fileio_write_atomic(path, text, strlen(text), 0600, err);
out:
	free(text);
	free(path);
	return r;
}

static int
make_dir(const char *dir, const char *sub, struct hsmca_error *err)
{
	char *p;
	int r = 0;

	if (asprintf(&p, "%s%s%s", dir, sub ? "/" : "", sub ? sub : "") < 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	if (mkdir(p, 0700) != 0 && errno != EEXIST)
		r = hsmca_error_set(err, HSMCA_E_IO, "%s: %s", p,
		    strerror(errno));
	free(p);
	return r;
}

/* Create dir/name with text unless it exists.  Returns 1 if it existed. */
static int
make_file(const char *dir, const char *name, const char *text,
    struct hsmca_error *err)
{
	char *p;
	int r;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	r = fileio_exists(p, err);
	if (r == 0)
		r = fileio_write_atomic(p, text, strlen(text), 0600, err);
	free(p);
	return r;
}

int
cadir_make_layout(const char *dir, const char *serial_hex, bool *adopted,
    struct hsmca_error *err)
{
	char serial_line[128];
	static const char *const subdirs[] = { "certs", "newcerts", "crl" };
	size_t i;
	int r;

	if ((r = make_dir(dir, NULL, err)) != 0)
		return r;
	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++)
		if ((r = make_dir(dir, subdirs[i], err)) != 0)
			return r;
	if ((r = make_file(dir, "index.txt", "", err)) < 0)
		return r;
	*adopted = r == 1;
	if ((r = make_file(dir, "index.txt.attr", "unique_subject = no\n",
	    err)) < 0)
		return r;
	if ((r = make_file(dir, "crlnumber", "01\n", err)) < 0)
		return r;
	snprintf(serial_line, sizeof(serial_line), "%s\n", serial_hex);
	if ((r = make_file(dir, "serial", serial_line, err)) < 0)
		return r;
	/* The lock file exists from the start, so that a refused command
	 * leaves the directory exactly as it was (db_open creates it too). */
	if ((r = make_file(dir, ".hsmca.lock", "", err)) < 0)
		return r;
	return 0;
}
