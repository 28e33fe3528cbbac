/* see hsmca/audit.h: settling the records a crash left unfinished, and
 * verifying the log against the database */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "hsmca/audit.h"
#include "hsmca/fileio.h"
#include "audit-int.h"

/* ---- recovery ---- */

struct tail {
	char *buf;
	char **lines;          /* complete lines, oldest first */
	size_t n;
	bool whole;            /* the tail reaches the file's start */
};

static void
tail_clear(struct tail *t)
{
	free(t->buf);
	free(t->lines);
	memset(t, 0, sizeof(*t));
}

/* The complete lines of the last chunk bytes of path. */
static int
tail_read(const char *path, off_t chunk, struct tail *t,
    struct hsmca_error *err)
{
	struct stat st;
	off_t start;
	size_t len, i;
	char *p, *nl;
	int fd;

	memset(t, 0, sizeof(*t));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT) {
			t->whole = true;
			return 0;
		}
		return hsmca_error_set(err, HSMCA_E_IO, "%s: %s", path,
		    strerror(errno));
	}
	if (fstat(fd, &st) != 0)
		goto io;
	start = st.st_size > chunk ? st.st_size - chunk : 0;
	len = (size_t)(st.st_size - start);
	if ((t->buf = malloc(len + 1)) == NULL ||
	    (t->lines = calloc(len / 2 + 1, sizeof(*t->lines))) == NULL) {
		close(fd);
		tail_clear(t);
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	}
	if (pread(fd, t->buf, len, start) != (ssize_t)len)
		goto io;
	close(fd);
	t->buf[len] = '\0';
	t->whole = start == 0;
	p = t->buf;
	if (!t->whole && (p = strchr(p, '\n')) != NULL)
		p++;            /* the first line is cut: skip it */
	for (i = 0; p != NULL && (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		t->lines[i++] = p;
	}
	t->n = i;
	return 0;
io:
	hsmca_error_set(err, HSMCA_E_IO, "%s: %s", path, strerror(errno));
	close(fd);
	tail_clear(t);
	return HSMCA_E_IO;
}

struct recover {
	struct hsmca_db *db;
	bool loaded;
	bool restored;
	struct hsmca_warnings *w;
	struct hsmca_error *err;
};

static int
need_index(struct recover *rc)
{
	if (!rc->loaded && db_load(rc->db, rc->err) != 0)
		return rc->err->code;
	rc->loaded = true;
	return 0;
}

/* Is newcerts/SERIAL.pem there with content?  An empty file is what a
 * power cut leaves of a file whose data never reached the disk: it is
 * removed here (under the write lock), so that it can be restored. */
static int
newcert_exists(struct recover *rc, const char *serial)
{
	struct stat st;
	char *p;
	int r;

	if (asprintf(&p, "%s/newcerts/%s.pem", db_dir(rc->db), serial) < 0)
		return hsmca_error_set(rc->err, HSMCA_E_NOMEM, "out of memory");
	if (stat(p, &st) == 0)
		r = st.st_size > 0;
	else if (errno == ENOENT)
		r = 0;
	else
		r = hsmca_error_set(rc->err, HSMCA_E_IO, "%s: %s", p,
		    strerror(errno));
	if (r == 0 && unlink(p) != 0 && errno != ENOENT)
		r = hsmca_error_set(rc->err, HSMCA_E_IO, "%s: %s", p,
		    strerror(errno));
	free(p);
	return r;
}

/* 1 when the record's effect is complete, 0 when not, < 0 on error. */
static int
settled(struct recover *rc, json_object *o)
{
	const char *op = audit_get(o, "op"), *s = audit_get(o, "serial");
	const struct hsmca_db_entry *e;
	char *cur = NULL;
	int r;

	if (strcmp(op, "sign") == 0 || strcmp(op, "selfsign") == 0)
		return s == NULL ? 1 : newcert_exists(rc, s);
	if (strcmp(op, "revoke") == 0) {
		if (s == NULL || (r = need_index(rc)) != 0)
			return s == NULL ? 1 : r;
		e = db_find_serial(rc->db, s);
		return e != NULL && e->status == 'R';
	}
	if (strcmp(op, "gencrl") == 0) {
		if (audit_get(o, "crl_number") == NULL)
			return 1;
		if ((r = db_crlnumber_next(rc->db, &cur, rc->err)) != 0)
			return r;
		r = strcasecmp(cur, audit_get(o, "crl_number")) != 0;
		free(cur);
		return r;
	}
	return 1;       /* adopt, abandon */
}

/* Put the certificate of a sign record back into newcerts/. */
static int
restore_cert(struct recover *rc, json_object *o)
{
	gnutls_datum_t der = { NULL, 0 }, pem = { NULL, 0 };
	const char *b64 = audit_get(o, "cert");
	gnutls_datum_t in;
	int r;

	if (b64 == NULL)
		return hsmca_error_set(rc->err, HSMCA_E_VERIFY, "audit record "
		    "for %s has no certificate to restore", audit_get(o,
		    "serial"));
	in.data = (unsigned char *)b64;
	in.size = (unsigned)strlen(b64);
	if (gnutls_base64_decode2(&in, &der) != 0 ||
	    gnutls_pem_base64_encode2("CERTIFICATE", &der, &pem) != 0) {
		r = hsmca_error_set(rc->err, HSMCA_E_PARSE, "audit record for "
		    "%s: bad certificate", audit_get(o, "serial"));
		goto out;
	}
	r = db_write_newcert(rc->db, audit_get(o, "serial"), pem.data,
	    pem.size, rc->err);
out:
	gnutls_free(der.data);
	gnutls_free(pem.data);
	return r;
}

/* Settle one unfinished record: roll forward what can be (a certificate
 * whose index line is durable, a CRL number), else cancel it. */
static int
settle(struct recover *rc, json_object *o, unsigned long seq,
    struct hsmca_audit_rec *cancel, size_t *n_cancel)
{
	const char *op = audit_get(o, "op"), *s = audit_get(o, "serial");
	int r;

	if (strcmp(op, "gencrl") == 0) {
		hsmca_warn(rc->w, "audit: CRL number %s was signed by a command "
		    "that did not finish; the number is skipped",
		    audit_get(o, "crl_number"));
		return db_crlnumber_commit(rc->db, audit_get(o, "crl_number"),
		    rc->err);
	}
	if (strcmp(op, "revoke") != 0) {
		if ((r = need_index(rc)) != 0)
			return r;
		if (db_find_serial(rc->db, s) != NULL) {
			hsmca_warn(rc->w, "audit: restored newcerts/%s.pem from "
			    "the audit log (a command stopped after recording "
			    "it)", s);
			rc->restored = true;
			return restore_cert(rc, o);
		}
	}
	hsmca_warn(rc->w, "audit: %s of %s did not finish (record %lu); "
	    "recorded as abandoned", op, s ? s : "?", seq);
	memset(&cancel[*n_cancel], 0, sizeof(cancel[0]));
	cancel[*n_cancel].op = "abandon";
	cancel[*n_cancel].serial = s;
	cancel[*n_cancel].cancels = seq;
	(*n_cancel)++;
	return 0;
}

static unsigned long
batch_of(json_object *o, unsigned long seq)
{
	json_object *v;

	if (json_object_object_get_ex(o, "batch", &v) &&
	    json_object_is_type(v, json_type_int))
		return (unsigned long)json_object_get_int64(v);
	return seq;
}

/* Mark in unfinished[] the unfinished records of the log's last batch (the
 * records one append wrote: each writer settles the log before it appends,
 * so only the last batch can be unfinished; and all of it must be looked
 * at, because newcerts files become durable together, at one barrier).
 * Returns 1 when the tail must grow to hold the whole batch. */
static int
find_unsettled(struct recover *rc, const char *path, struct tail *t,
    json_object **objs, unsigned long *seqs, bool *unfinished)
{
	unsigned long last = 0;
	size_t i = t->n;
	int r;

	while (i > 0) {
		r = audit_parse_line(path, 0, t->lines[i - 1], &objs[i - 1],
		    &seqs[i - 1], rc->err);
		if (r != 0)
			return r;
		if (i == t->n)
			last = batch_of(objs[i - 1], seqs[i - 1]);
		else if (batch_of(objs[i - 1], seqs[i - 1]) != last)
			return 0;
		if ((r = settled(rc, objs[i - 1])) < 0)
			return r;
		unfinished[i - 1] = r == 0;
		i--;
	}
	return t->whole ? 0 : 1;
}

static int
recover_tail(struct recover *rc, const char *path, struct tail *t, time_t now)
{
	json_object **objs = calloc(t->n + 1, sizeof(*objs));
	unsigned long *seqs = calloc(t->n + 1, sizeof(*seqs));
	struct hsmca_audit_rec *cancel = calloc(t->n + 1, sizeof(*cancel));
	bool *unfinished = calloc(t->n + 1, sizeof(*unfinished));
	size_t n_cancel = 0, i;
	int r;

	if (objs == NULL || seqs == NULL || cancel == NULL ||
	    unfinished == NULL) {
		r = hsmca_error_set(rc->err, HSMCA_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = find_unsettled(rc, path, t, objs, seqs, unfinished)) != 0)
		goto out;
	for (i = 0; i < t->n && r == 0; i++)
		if (unfinished[i])
			r = settle(rc, objs[i], seqs[i], cancel, &n_cancel);
	/* restored certificates are durable before anything is appended */
	if (r == 0 && rc->restored)
		r = db_sync_newcerts(rc->db, rc->err);
	if (r == 0 && n_cancel > 0)
		r = audit_append(db_dir(rc->db), cancel, n_cancel, now, rc->err);
out:
	for (i = 0; objs != NULL && i < t->n; i++)
		json_object_put(objs[i]);
	free(objs);
	free(seqs);
	free(cancel);
	free(unfinished);
	return r;
}

/* Is everything the log records already settled (the mark equals the last
 * record's seq)?  1 yes, 0 no, < 0 on error. */
static int
all_settled(const char *dir, struct hsmca_error *err)
{
	unsigned long last, mark;
	char *path = NULL, *buf = NULL, *end;
	size_t len;
	int r;

	if ((r = audit_last_seq(dir, &last, err)) != 0)
		return r;
	if (last == 0)
		return 1;
	if (asprintf(&path, "%s/%s", dir, AUDIT_SETTLED) < 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	r = fileio_read(path, 64, &buf, &len, NULL);
	free(path);
	if (r != 0)
		return 0;       /* no mark (yet): look at the log */
	mark = strtoul(buf, &end, 10);
	r = *end == '\n' && mark == last;
	free(buf);
	return r;
}

int
audit_recover(struct hsmca_db *db, time_t now, struct hsmca_warnings *w,
    struct hsmca_error *err)
{
	struct recover rc = { db, false, false, w, err };
	char *path;
	struct tail t = { 0 };
	off_t chunk;
	int r;

	if ((r = all_settled(db_dir(db), err)) != 0)
		return r < 0 ? r : 0;
	if ((path = audit_path(db_dir(db))) == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	for (chunk = 1 << 16; ; chunk *= 4) {
		if ((r = tail_read(path, chunk, &t, err)) != 0)
			break;
		r = recover_tail(&rc, path, &t, now);
		tail_clear(&t);
		if (r != 1)
			break;
	}
	free(path);
	if (r == 0)
		r = audit_mark_settled(db_dir(db), err);
	return r;
}
