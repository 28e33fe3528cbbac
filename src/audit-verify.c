/* see hsmca/audit.h: audit_verify() — the hash chain, and the log against
 * index.txt and newcerts/ in both directions */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "hsmca/audit.h"
#include "hsmca/fileio.h"
#include "audit-int.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

struct vrec {                   /* one issuing or revoking record */
	char *serial;
	char *subject;
	char *cert_sha256;
	unsigned long line;
	unsigned long seq;
	bool revoke;
	bool cancelled;
};

struct vstate {
	const char *dir;
	char *path;
	struct vrec *recs;
	size_t n, cap;
	struct hsmca_audit_report *rep;
	struct hsmca_error *err;
};

static int
add_rec(struct vstate *v, json_object *o, unsigned long line,
    unsigned long seq, bool revoke)
{
	struct vrec *grown, *r;
	const char *s = audit_get(o, "serial");

	if (s == NULL)
		return hsmca_error_set(v->err, HSMCA_E_VERIFY, "%s:%lu: record "
		    "without a serial", v->path, line);
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 256;
		if ((grown = realloc(v->recs, v->cap * sizeof(*grown))) == NULL)
			return hsmca_error_set(v->err, HSMCA_E_NOMEM, "out of "
			    "memory");
		v->recs = grown;
	}
	r = &v->recs[v->n++];
	memset(r, 0, sizeof(*r));
	r->serial = strdup(s);
	r->subject = audit_get(o, "subject") ? strdup(audit_get(o, "subject"))
	    : NULL;
	r->cert_sha256 = audit_get(o, "cert_sha256") ?
	    strdup(audit_get(o, "cert_sha256")) : NULL;
	r->line = line;
	r->seq = seq;
	r->revoke = revoke;
	return r->serial ? 0 : hsmca_error_set(v->err, HSMCA_E_NOMEM, "out of "
	    "memory");
}

static int
cancel_rec(struct vstate *v, json_object *o, unsigned long line)
{
	json_object *c;
	unsigned long seq;
	size_t i;

	if (!json_object_object_get_ex(o, "cancels", &c))
		return hsmca_error_set(v->err, HSMCA_E_VERIFY, "%s:%lu: abandon "
		    "record without 'cancels'", v->path, line);
	seq = (unsigned long)json_object_get_int64(c);
	for (i = v->n; i > 0; i--)
		if (v->recs[i - 1].seq == seq && !v->recs[i - 1].cancelled) {
			v->recs[i - 1].cancelled = true;
			v->rep->abandoned++;
			return 0;
		}
	return hsmca_error_set(v->err, HSMCA_E_VERIFY, "%s:%lu: abandons "
	    "record %lu, which is not an open sign or revoke record", v->path,
	    line, seq);
}

static int
check_line(struct vstate *v, const char *text, unsigned long line,
    char prev[65])
{
	json_object *o = NULL;
	unsigned long seq;
	const char *op, *p;
	int r;

	if ((r = audit_parse_line(v->path, line, text, &o, &seq, v->err)) != 0)
		return HSMCA_E_VERIFY;
	op = audit_get(o, "op");
	p = audit_get(o, "prev");
	if (seq != line)
		r = hsmca_error_set(v->err, HSMCA_E_VERIFY, "%s:%lu: sequence "
		    "number %lu (a line is missing or out of order)", v->path,
		    line, seq);
	else if (p == NULL || strcmp(p, prev) != 0)
		r = hsmca_error_set(v->err, HSMCA_E_VERIFY, "%s:%lu: the hash "
		    "chain breaks here (the line before it was changed, removed "
		    "or inserted)", v->path, line);
	else if (op == NULL)
		r = hsmca_error_set(v->err, HSMCA_E_VERIFY, "%s:%lu: no op",
		    v->path, line);
	else if (strcmp(op, "sign") == 0 || strcmp(op, "selfsign") == 0 ||
	    strcmp(op, "adopt") == 0)
		r = add_rec(v, o, line, seq, false);
	else if (strcmp(op, "revoke") == 0)
		r = add_rec(v, o, line, seq, true);
	else if (strcmp(op, "abandon") == 0)
		r = cancel_rec(v, o, line);
	else if (strcmp(op, "gencrl") == 0)
		v->rep->crls++;
	else
		r = hsmca_error_set(v->err, HSMCA_E_VERIFY, "%s:%lu: unknown op "
		    "'%s'", v->path, line, op);
	json_object_put(o);
	if (r == 0 && audit_sha256_hex(text, strlen(text), prev) != 0)
		r = hsmca_error_set(v->err, HSMCA_E_CRYPTO, "sha256");
	return r;
}

static int
read_log(struct vstate *v)
{
	char prev[65] = ZERO_HASH, *text = NULL;
	unsigned long line = 0;
	size_t cap = 0;
	ssize_t len;
	FILE *f = fopen(v->path, "r");
	int r = 0;

	if (f == NULL)
		return hsmca_error_set(v->err, HSMCA_E_VERIFY, "%s: cannot "
		    "read the audit log", v->path);
	while (r == 0 && (len = getline(&text, &cap, f)) > 0) {
		line++;
		if (text[len - 1] != '\n') {
			r = hsmca_error_set(v->err, HSMCA_E_VERIFY, "%s:%lu: "
			    "torn last line", v->path, line);
			break;
		}
		text[len - 1] = '\0';
		r = check_line(v, text, line, prev);
	}
	v->rep->lines = line;
	free(text);
	fclose(f);
	return r;
}

static int
cmp_serial(const void *a, const void *b)
{
	const struct vrec *x = a, *y = b;
	int c = strcmp(x->serial, y->serial);

	if (c != 0)
		return c;
	return x->revoke - y->revoke;
}

/* The live issuing (revoke false) or revoking record of serial. */
static struct vrec *
find(struct vstate *v, const char *serial, bool revoke)
{
	struct vrec key = { .serial = (char *)serial, .revoke = revoke };
	struct vrec *r = bsearch(&key, v->recs, v->n, sizeof(*v->recs),
	    cmp_serial);

	return r;
}

static void
vrec_clear(struct vrec *r)
{
	free(r->serial);
	free(r->subject);
	free(r->cert_sha256);
}

/* After sorting: live records only, and no serial issued (or revoked)
 * twice.  On failure the records not kept are freed too. */
static int
compact(struct vstate *v)
{
	size_t i, o = 0;
	int r = 0;

	for (i = 0; i < v->n; i++) {
		if (r != 0 || v->recs[i].cancelled) {
			vrec_clear(&v->recs[i]);
			continue;
		}
		if (o > 0 && cmp_serial(&v->recs[o - 1], &v->recs[i]) == 0) {
			r = hsmca_error_set(v->err, HSMCA_E_VERIFY, "%s:%lu: "
			    "serial %s %s a second time (first at line %lu)",
			    v->path, v->recs[i].line, v->recs[i].serial,
			    v->recs[i].revoke ? "revoked" : "issued",
			    v->recs[o - 1].line);
			vrec_clear(&v->recs[i]);
			continue;
		}
		v->recs[o++] = v->recs[i];
		if (v->recs[o - 1].revoke)
			v->rep->revoked++;
		else
			v->rep->issued++;
	}
	v->n = o;
	return r;
}

static bool
reflected(const struct vrec *r, const struct hsmca_db *db)
{
	const struct hsmca_db_entry *x = db_find_serial(db, r->serial);

	return x != NULL && (!r->revoke || x->status == 'R');
}

/* Every index entry has its record (and revoked ones their revoke record);
 * every record its index entry. */
static int
check_index(struct vstate *v, struct hsmca_db *db)
{
	const struct hsmca_db_entry *e;
	unsigned long last = 0;
	struct vrec *rec;
	size_t n, i;

	e = db_entries(db, &n);
	for (i = 0; i < n; i++) {
		rec = find(v, e[i].serial, false);
		if (rec == NULL)
			return hsmca_error_set(v->err, HSMCA_E_VERIFY, "%s/"
			    "index.txt:%zu: serial %s has no audit record (issued "
			    "outside hsmca, or the record was removed)", v->dir,
			    i + 1, e[i].serial);
		if (rec->subject != NULL && strcmp(rec->subject,
		    e[i].subject) != 0)
			return hsmca_error_set(v->err, HSMCA_E_VERIFY, "%s/"
			    "index.txt:%zu: serial %s: subject differs from its "
			    "audit record (line %lu)", v->dir, i + 1, e[i].serial,
			    rec->line);
		if (e[i].status == 'R' && find(v, e[i].serial, true) == NULL)
			return hsmca_error_set(v->err, HSMCA_E_VERIFY, "%s/"
			    "index.txt:%zu: serial %s is revoked without an audit "
			    "record", v->dir, i + 1, e[i].serial);
	}
	/* A record whose effect is not in index.txt is an operation a crash
	 * cut short, which the next writer settles (audit_recover): allowed
	 * only after the last record whose effect is there. */
	for (i = 0; i < v->n; i++)
		if (reflected(&v->recs[i], db) && v->recs[i].line > last)
			last = v->recs[i].line;
	for (i = 0; i < v->n; i++) {
		if (reflected(&v->recs[i], db))
			continue;
		if (v->recs[i].line > last) {
			v->rep->pending++;
			continue;
		}
		return hsmca_error_set(v->err, HSMCA_E_VERIFY, "%s:%lu: serial "
		    "%s is %s in index.txt", v->path, v->recs[i].line,
		    v->recs[i].serial, v->recs[i].revoke ? "not revoked" :
		    "not");
	}
	return 0;
}

/* sha256 of the DER inside a newcerts PEM file, or "" when unreadable. */
static void
pem_sha256(const char *path, char out[65])
{
	gnutls_datum_t pem, der = { NULL, 0 };
	char *buf = NULL;
	size_t len;

	out[0] = '\0';
	if (fileio_read(path, 1 << 20, &buf, &len, NULL) != 0)
		return;
	pem.data = (unsigned char *)buf;
	pem.size = (unsigned)len;
	if (gnutls_pem_base64_decode2("CERTIFICATE", &pem, &der) == 0 &&
	    audit_sha256_hex(der.data, der.size, out) != 0)
		out[0] = '\0';
	gnutls_free(der.data);
	free(buf);
}

static int
check_newcerts(struct vstate *v)
{
	char *dir = NULL, *p = NULL, serial[128], sum[65];
	struct dirent *d;
	struct vrec *rec;
	DIR *dh;
	size_t len;
	int r = 0;

	if (asprintf(&dir, "%s/newcerts", v->dir) < 0)
		return hsmca_error_set(v->err, HSMCA_E_NOMEM, "out of memory");
	if ((dh = opendir(dir)) == NULL) {
		free(dir);
		return 0;
	}
	while (r == 0 && (d = readdir(dh)) != NULL) {
		len = strlen(d->d_name);
		if (len < 5 || len >= sizeof(serial) ||
		    strcmp(d->d_name + len - 4, ".pem") != 0)
			continue;
		memcpy(serial, d->d_name, len - 4);
		serial[len - 4] = '\0';
		if ((rec = find(v, serial, false)) == NULL) {
			r = hsmca_error_set(v->err, HSMCA_E_VERIFY, "%s/%s: no "
			    "audit record for this certificate", dir, d->d_name);
			break;
		}
		if (rec->cert_sha256 == NULL)
			continue;
		free(p);
		if (asprintf(&p, "%s/%s", dir, d->d_name) < 0) {
			p = NULL;
			r = hsmca_error_set(v->err, HSMCA_E_NOMEM, "out of memory");
			break;
		}
		pem_sha256(p, sum);
		if (strcmp(sum, rec->cert_sha256) != 0)
			r = hsmca_error_set(v->err, HSMCA_E_VERIFY, "%s: differs "
			    "from the certificate its audit record (line %lu) "
			    "describes", p, rec->line);
	}
	closedir(dh);
	free(p);
	free(dir);
	return r;
}

int
audit_verify(const char *dir, struct hsmca_audit_report *rep,
    struct hsmca_error *err)
{
	struct vstate v = { dir, audit_path(dir), NULL, 0, 0, rep, err };
	struct hsmca_db *db = NULL;
	size_t i;
	int r;

	memset(rep, 0, sizeof(*rep));
	if (v.path == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	/* The shared lock first: a writer appends to the log and then the
	 * index, so reading both under the lock sees one consistent state. */
	if ((r = db_open(dir, DB_READ, DB_LOCK_TIMEOUT_DEFAULT, &db, err)) != 0)
		goto out;
	if ((r = read_log(&v)) != 0)
		goto out;
	qsort(v.recs, v.n, sizeof(*v.recs), cmp_serial);
	if ((r = compact(&v)) != 0 || (r = db_load(db, err)) != 0)
		goto out;
	if ((r = check_index(&v, db)) != 0)
		goto out;
	r = check_newcerts(&v);
out:
	db_close(db);
	for (i = 0; i < v.n; i++)
		vrec_clear(&v.recs[i]);
	free(v.recs);
	free(v.path);
	return r;
}
