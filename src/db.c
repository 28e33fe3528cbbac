/* see hsmca/db.h: the CA directory (lock, index.txt, attr, serial,
 * crlnumber, newcerts). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsmca/db.h"
#include "hsmca/fileio.h"
#include "db-internal.h"


/* see db-internal.h */
char *
db_path_in(const struct hsmca_db *db, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", db->dir, name) < 0)
		return NULL;
	return p;
}

/* see db-internal.h */
int
db_nomem(struct hsmca_error *err)
{
	return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
}

/* "unique_subject = yes|no" lines of index.txt.attr, '#' comments. */
static int
parse_attr(struct hsmca_db *db, const char *path, char *buf,
    struct hsmca_error *err)
{
	unsigned long lineno = 0;
	char *line, *next, *key, *val, *eq;

	for (line = buf; *line != '\0'; line = next) {
		next = line + strcspn(line, "\n");
		if (*next == '\n')
			*next++ = '\0';
		lineno++;
		line += strspn(line, " \t");
		if (*line == '\0' || *line == '#')
			continue;
		eq = strchr(line, '=');
		if (eq == NULL)
			return hsmca_error_set(err, HSMCA_E_PARSE,
			    "%s:%lu: expected 'key = value'", path, lineno);
		key = line;
		*eq = '\0';
		val = eq + 1 + strspn(eq + 1, " \t");
		key[strcspn(key, " \t")] = '\0';
		val[strcspn(val, " \t\r")] = '\0';
		if (strcmp(key, "unique_subject") != 0)
			return hsmca_error_set(err, HSMCA_E_PARSE,
			    "%s:%lu: unknown key '%s'", path, lineno, key);
		if (strcasecmp(val, "yes") == 0 || strcasecmp(val, "y") == 0 ||
		    strcasecmp(val, "true") == 0 || strcmp(val, "1") == 0)
			db->unique_subject = true;
		else if (strcasecmp(val, "no") == 0 ||
		    strcasecmp(val, "n") == 0 ||
		    strcasecmp(val, "false") == 0 || strcmp(val, "0") == 0)
			db->unique_subject = false;
		else
			return hsmca_error_set(err, HSMCA_E_PARSE,
			    "%s:%lu: unique_subject must be yes or no, not '%s'",
			    path, lineno, val);
	}
	return 0;
}

static int
read_attr(struct hsmca_db *db, struct hsmca_error *err)
{
	char *path = db_path_in(db, "index.txt.attr"), *buf = NULL;
	size_t len;
	int r;

	if (path == NULL)
		return db_nomem(err);
	db->unique_subject = true;
	r = fileio_read(path, SMALL_FILE_MAX, &buf, &len, err);
	if (r == HSMCA_E_NOTFOUND) {
		if (err != NULL)
			memset(err, 0, sizeof(*err));
		r = 0;
	} else if (r == 0) {
		r = parse_attr(db, path, buf, err);
	}
	free(buf);
	free(path);
	return r;
}

/* Cut a last line that has no '\n' (an append a crash interrupted). */
static int
repair_tail(struct hsmca_db *db, struct hsmca_error *err)
{
	char chunk[4096];
	struct stat st;
	off_t end, pos;
	int fd, r = 0;

	if ((fd = fileio_open_record(db->index_path, O_RDWR, 0, err)) < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		goto io;
	end = st.st_size;
	pos = end;
	while (pos > 0) {
		size_t want = pos > (off_t)sizeof(chunk) ? sizeof(chunk) :
		    (size_t)pos;
		ssize_t got;

		errno = 0;
		got = pread(fd, chunk, want, pos - (off_t)want);
		size_t i;

		if (got != (ssize_t)want)
			goto io;
		for (i = want; i > 0; i--)
			if (chunk[i - 1] == '\n')
				break;
		pos -= (off_t)(want - i);
		if (i > 0)
			break;
	}
	if (pos < end) {
		if (ftruncate(fd, pos) < 0 || fsync(fd) < 0)
			goto io;
		db->repaired = (size_t)(end - pos);
	}
	close(fd);
	return 0;
io:
	r = hsmca_error_set(err, HSMCA_E_IO, "%s: %s", db->index_path,
	    errno ? strerror(errno) : "short read");
	close(fd);
	return r;
}

int
db_open(const char *dir, int flags, unsigned lock_timeout_s,
    struct hsmca_db **out, struct hsmca_error *err)
{
	struct hsmca_db *db;
	char *lock_path = NULL;
	int r;

	*out = NULL;
	if (flags != DB_READ && flags != DB_WRITE)
		return hsmca_error_set(err, HSMCA_E_USAGE,
		    "db_open: flags must be DB_READ or DB_WRITE");
	db = calloc(1, sizeof(*db));
	if (db == NULL)
		return db_nomem(err);
	db->lock_fd = -1;
	db->flags = flags;
	db->dir = strdup(dir);
	if (db->dir == NULL || (db->index_path = db_path_in(db, "index.txt")) ==
	    NULL || (lock_path = db_path_in(db, ".hsmca.lock")) == NULL) {
		r = db_nomem(err);
		goto out;
	}
	r = fileio_exists(db->index_path, err);
	if (r == 0)
		r = hsmca_error_set(err, HSMCA_E_NOTFOUND,
		    "%s: no such file (not a CA directory?)", db->index_path);
	if (r < 0)
		goto out;
	r = fileio_lock(lock_path, flags == DB_WRITE, lock_timeout_s,
	    &db->lock_fd, err);
	if (r == HSMCA_E_LOCKED)
		hsmca_error_set(err, r, "%s: locked by another hsmca", dir);
	if (r < 0)
		goto out;
	r = read_attr(db, err);
	if (r == 0 && flags == DB_WRITE)
		r = repair_tail(db, err);
out:
	free(lock_path);
	if (r < 0)
		db_close(db);
	else
		*out = db;
	return r;
}

static void
unload(struct hsmca_db *db)
{
	size_t i;

	for (i = 0; i < db->n; i++)
		db_entry_clear(&db->entries[i]);
	free(db->entries);
	free(db->off);
	free(db->len);
	free(db->lineno);
	free(db->by_serial);
	free(db->raw);
	db->entries = NULL;
	db->off = db->len = db->by_serial = NULL;
	db->lineno = NULL;
	db->raw = NULL;
	db->raw_len = db->n = db->cap = db->lines = 0;
	db->loaded = false;
}

void
db_close(struct hsmca_db *db)
{
	size_t i;

	if (db == NULL)
		return;
	unload(db);
	for (i = 0; i < db->n_reserved; i++)
		free(db->reserved[i]);
	free(db->reserved);
	for (i = 0; i < db->n_unsynced; i++)
		free(db->unsynced[i]);
	free(db->unsynced);
	fileio_unlock(db->lock_fd);
	free(db->index_path);
	free(db->dir);
	free(db);
}

const char *
db_dir(const struct hsmca_db *db)
{
	return db->dir;
}

size_t
db_repaired(const struct hsmca_db *db)
{
	return db->repaired;
}

bool
db_unique_subject(const struct hsmca_db *db)
{
	return db->unique_subject;
}

static int
grow(struct hsmca_db *db)
{
	size_t cap = db->cap ? db->cap * 2 : 64;
	void *p;

	if ((p = realloc(db->entries, cap * sizeof(*db->entries))) == NULL)
		return HSMCA_E_NOMEM;
	db->entries = p;
	if ((p = realloc(db->off, cap * sizeof(*db->off))) == NULL)
		return HSMCA_E_NOMEM;
	db->off = p;
	if ((p = realloc(db->len, cap * sizeof(*db->len))) == NULL)
		return HSMCA_E_NOMEM;
	db->len = p;
	if ((p = realloc(db->lineno, cap * sizeof(*db->lineno))) == NULL)
		return HSMCA_E_NOMEM;
	db->lineno = p;
	db->cap = cap;
	return 0;
}

static int
cmp_serial(const void *a, const void *b, void *ctx)
{
	const struct hsmca_db *db = ctx;

	return strcmp(db->entries[*(const size_t *)a].serial,
	    db->entries[*(const size_t *)b].serial);
}

/* Sort the serial index and refuse a serial that appears twice. */
static int
index_serials(struct hsmca_db *db, struct hsmca_error *err)
{
	size_t i, *p;

	p = realloc(db->by_serial, (db->n ? db->n : 1) * sizeof(*p));
	if (p == NULL)
		return db_nomem(err);
	db->by_serial = p;
	for (i = 0; i < db->n; i++)
		p[i] = i;
	qsort_r(p, db->n, sizeof(*p), cmp_serial, db);
	for (i = 1; i < db->n; i++) {
		size_t a = p[i - 1], b = p[i];

		if (strcmp(db->entries[a].serial, db->entries[b].serial) != 0)
			continue;
		if (a > b) {
			size_t t = a;

			a = b;
			b = t;
		}
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%lu: serial %s already on line %lu", db->index_path,
		    db->lineno[b], db->entries[b].serial, db->lineno[a]);
	}
	return 0;
}

/* Parse the lines of raw from offset start on.  A last line without '\n'
 * was never committed (see db.h) and is ignored. */
static int
parse_from(struct hsmca_db *db, size_t start, struct hsmca_error *err)
{
	size_t pos = start;
	const char *nl;
	int r;

	while (pos < db->raw_len) {
		nl = memchr(db->raw + pos, '\n', db->raw_len - pos);
		if (nl == NULL)
			break;
		db->lines++;
		if (db->raw[pos] == '#') {
			pos = (size_t)(nl - db->raw) + 1;
			continue;
		}
		if (db->n == db->cap && grow(db) < 0)
			return db_nomem(err);
		r = db_parse_line(db->index_path, db->lines, db->raw + pos,
		    (size_t)(nl - db->raw) - pos, &db->entries[db->n], err);
		if (r < 0)
			return r;
		db->off[db->n] = pos;
		db->len[db->n] = (size_t)(nl - db->raw) - pos;
		db->lineno[db->n] = db->lines;
		db->n++;
		pos = (size_t)(nl - db->raw) + 1;
	}
	return index_serials(db, err);
}

int
db_load(struct hsmca_db *db, struct hsmca_error *err)
{
	int r;

	if (db->loaded)
		return 0;
	r = fileio_read(db->index_path, DB_INDEX_MAX_BYTES, &db->raw,
	    &db->raw_len, err);
	if (r == 0)
		r = parse_from(db, 0, err);
	if (r < 0) {
		unload(db);
		return r;
	}
	db->loaded = true;
	return 0;
}

const struct hsmca_db_entry *
db_entries(const struct hsmca_db *db, size_t *n)
{
	*n = db->loaded ? db->n : 0;
	return db->loaded ? db->entries : NULL;
}

const struct hsmca_db_entry *
db_find_serial(const struct hsmca_db *db, const char *hex)
{
	size_t lo = 0, hi = db->loaded ? db->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct hsmca_db_entry *e =
		    &db->entries[db->by_serial[mid]];
		int c = strcmp(hex, e->serial);

		if (c == 0)
			return e;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* see db-internal.h */
bool
db_valid_hex(const char *hex)
{
	size_t n = strspn(hex, "0123456789ABCDEF");

	return n > 0 && n <= 128 && hex[n] == '\0';
}

int
db_serial_in_use(const struct hsmca_db *db, const char *hex,
    struct hsmca_error *err)
{
	char *path;
	size_t i;
	int r;

	if (!db_valid_hex(hex))
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "serial '%s': not upper-case hex", hex);
	for (i = 0; i < db->n_reserved; i++)
		if (strcmp(db->reserved[i], hex) == 0)
			return 1;
	if (db_find_serial(db, hex) != NULL)
		return 1;
	if (asprintf(&path, "%s/newcerts/%s.pem", db->dir, hex) < 0)
		return db_nomem(err);
	r = fileio_exists(path, err);
	free(path);
	return r;
}

int
db_serial_reserve(struct hsmca_db *db, const char *hex,
    struct hsmca_error *err)
{
	char **p, *copy;

	copy = strdup(hex);
	p = realloc(db->reserved, (db->n_reserved + 1) * sizeof(*p));
	if (copy == NULL || p == NULL) {
		free(copy);
		if (p != NULL)
			db->reserved = p;
		return db_nomem(err);
	}
	db->reserved = p;
	db->reserved[db->n_reserved++] = copy;
	return 0;
}

/* see db-internal.h */
int
db_need_write(const struct hsmca_db *db, const char *what,
    struct hsmca_error *err)
{
	if (db->flags == DB_WRITE)
		return 0;
	return hsmca_error_set(err, HSMCA_E_INTERNAL,
	    "%s: %s needs the database opened for writing", db->dir, what);
}

/* Validate entry i of a batch by formatting it and reading it back, and
 * check its serial and subject against the index and the batch before it. */
static int
check_new(const struct hsmca_db *db, const struct hsmca_db_entry *e,
    size_t i, const char *line, size_t len, struct hsmca_error *err)
{
	struct hsmca_db_entry back;
	size_t j;
	int r;

	if (e[i].subject == NULL)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "new index entry:%zu: no subject", i + 1);
	r = db_parse_line("new index entry", (unsigned long)i + 1, line,
	    len - 1, &back, err);
	if (r < 0)
		return r;
	db_entry_clear(&back);
	if (strchr(line, '\n') != line + len - 1)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "new index entry:%zu: newline inside a field", i + 1);
	for (j = 0; j < i; j++)
		if (strcmp(e[j].serial, e[i].serial) == 0)
			return hsmca_error_set(err, HSMCA_E_EXISTS,
			    "serial %s: twice in one batch", e[i].serial);
	if (db_find_serial(db, e[i].serial) != NULL)
		return hsmca_error_set(err, HSMCA_E_EXISTS,
		    "serial %s: already in %s", e[i].serial, db->index_path);
	if (!db->unique_subject || e[i].status != 'V')
		return 0;
	for (j = 0; j < i; j++)
		if (e[j].status == 'V' &&
		    strcmp(e[j].subject, e[i].subject) == 0)
			return hsmca_error_set(err, HSMCA_E_EXISTS,
			    "subject '%s': twice in one batch and "
			    "index.txt.attr says unique_subject = yes",
			    e[i].subject);
	for (j = 0; j < db->n; j++)
		if (db->entries[j].status == 'V' &&
		    strcmp(db->entries[j].subject, e[i].subject) == 0)
			return hsmca_error_set(err, HSMCA_E_EXISTS,
			    "subject '%s': already has valid certificate %s "
			    "and index.txt.attr says unique_subject = yes",
			    e[i].subject, db->entries[j].serial);
	return 0;
}

/* Add bytes just appended to index.txt to the loaded view. */
static int
loaded_append(struct hsmca_db *db, const char *buf, size_t len,
    struct hsmca_error *err)
{
	size_t old = db->raw_len;
	char *p;

	p = realloc(db->raw, db->raw_len + len + 1);
	if (p == NULL) {
		unload(db);
		return db_nomem(err);
	}
	db->raw = p;
	memcpy(db->raw + old, buf, len);
	db->raw_len += len;
	db->raw[db->raw_len] = '\0';
	if (parse_from(db, old, err) < 0) {
		unload(db);
		return HSMCA_E_INTERNAL;
	}
	return 0;
}

int
db_append(struct hsmca_db *db, const struct hsmca_db_entry *e, size_t n,
    struct hsmca_error *err)
{
	char *buf = NULL, *line = NULL, *p;
	size_t len = 0, llen, i;
	int fd = -1, r;

	if ((r = db_need_write(db, "db_append", err)) < 0 || n == 0)
		return r;
	if (db->unique_subject && (r = db_load(db, err)) < 0)
		return r;
	for (i = 0; i < n; i++) {
		if ((r = db_format_line(&e[i], &line, &llen, err)) < 0)
			goto out;
		if ((r = check_new(db, e, i, line, llen, err)) < 0)
			goto out;
		if ((p = realloc(buf, len + llen + 1)) == NULL) {
			r = db_nomem(err);
			goto out;
		}
		buf = p;
		memcpy(buf + len, line, llen + 1);
		len += llen;
		free(line);
		line = NULL;
	}
	fd = fileio_open_record(db->index_path, O_WRONLY | O_APPEND, 0, err);
	if (fd < 0) {
		r = fd;
		goto out;
	}
	r = fileio_append_durable(fd, db->index_path, buf, len, err);
	if (r == 0 && db->loaded)
		r = loaded_append(db, buf, len, err);
out:
	if (fd >= 0)
		close(fd);
	free(line);
	free(buf);
	return r;
}

/* raw with entry i's line replaced by line (len bytes, no '\n'). */
static char *
splice_line(const struct hsmca_db *db, size_t i, const char *line,
    size_t len, size_t *out_len)
{
	size_t head = db->off[i], tail = db->raw_len - head - db->len[i];
	char *p = malloc(head + len + tail + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, db->raw, head);
	memcpy(p + head, line, len);
	memcpy(p + head + len, db->raw + head + db->len[i], tail);
	*out_len = head + len + tail;
	p[*out_len] = '\0';
	return p;
}

/* Make the loaded view match the index just written (*raw, rlen bytes,
 * entry i's line now len bytes) without parsing it again; takes *raw. */
static int
loaded_revoke(struct hsmca_db *db, size_t i, char **raw, size_t rlen,
    size_t len, const char *stamp, const char *reason,
    struct hsmca_error *err)
{
	struct hsmca_db_entry *e = &db->entries[i];
	size_t j, old = db->len[i];
	char *revoked = strdup(stamp), *why = reason ? strdup(reason) : NULL;

	if (revoked == NULL || (reason != NULL && why == NULL)) {
		free(revoked);
		free(why);
		unload(db);     /* index.txt is right; the view is dropped */
		return db_nomem(err);
	}
	e->status = 'R';
	free(e->revoked);
	free(e->reason);
	e->revoked = revoked;
	e->reason = why;
	for (j = i + 1; j < db->n; j++)
		db->off[j] = db->off[j] + len - old;
	db->len[i] = len;
	free(db->raw);
	db->raw = *raw;
	db->raw_len = rlen;
	*raw = NULL;
	return 0;
}

int
db_revoke_check(struct hsmca_db *db, const char *hex, const char *reason,
    const struct hsmca_db_entry **entry, struct hsmca_error *err)
{
	const struct hsmca_db_entry *e;
	const char *canon = NULL;
	int r;

	if ((r = db_need_write(db, "db_revoke", err)) < 0)
		return r;
	if (reason != NULL && (canon = db_reason_canonical(reason)) == NULL)
		return hsmca_error_set(err, HSMCA_E_USAGE,
		    "unknown revocation reason '%s'", reason);
	/* OpenSSL's ca knows only the first eight RFC 5280 reasons: its
	 * -gencrl fails on the whole index ("invalid reason code") once a line
	 * carries one of these two, so the shared directory would break. */
	if (canon != NULL && db_reason_code(canon) >= 9)
		return hsmca_error_set(err, HSMCA_E_UNSUPPORTED,
		    "reason %s: openssl ca -gencrl rejects it in index.txt, so "
		    "hsmca does not write it", canon);
	/* removeFromCRL only means something in a delta CRL; a full CRL
	 * listing it would still say "revoked" to some readers and "not
	 * revoked" to OpenSSL. */
	if (canon != NULL && db_reason_code(canon) == 8)
		return hsmca_error_set(err, HSMCA_E_UNSUPPORTED,
		    "reason removeFromCRL belongs in delta CRLs, which hsmca "
		    "does not make");
	if (!db_valid_hex(hex))
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "serial '%s': not upper-case hex", hex);
	if ((r = db_load(db, err)) < 0)
		return r;
	if ((e = db_find_serial(db, hex)) == NULL)
		return hsmca_error_set(err, HSMCA_E_NOTFOUND,
		    "serial %s: not in %s", hex, db->index_path);
	if (e->status == 'R')
		return hsmca_error_set(err, HSMCA_E_EXISTS,
		    "serial %s: already revoked (%s)", hex, e->revoked);
	if (entry != NULL)
		*entry = e;
	return 0;
}

int
db_revoke(struct hsmca_db *db, const char *hex, const char *reason,
    time_t when, struct hsmca_error *err)
{
	const struct hsmca_db_entry *e;
	struct hsmca_db_entry rev;
	const char *canon = reason ? db_reason_canonical(reason) : NULL;
	char stamp[16], *line = NULL, *raw = NULL;
	size_t llen, rlen;
	struct stat st;
	int r;

	if ((r = db_revoke_check(db, hex, reason, &e, err)) < 0)
		return r;
	db_format_time(when, stamp);
	rev = *e;
	rev.status = 'R';
	rev.revoked = stamp;
	rev.reason = (char *)canon;
	if ((r = db_format_line(&rev, &line, &llen, err)) < 0)
		return r;
	raw = splice_line(db, (size_t)(e - db->entries), line, llen - 1,
	    &rlen);
	if (raw == NULL) {
		r = db_nomem(err);
		goto out;
	}
	if (stat(db->index_path, &st) < 0) {
		r = hsmca_error_set(err, HSMCA_E_IO, "%s: %s", db->index_path,
		    strerror(errno));
		goto out;
	}
	r = fileio_write_atomic(db->index_path, raw, rlen, st.st_mode & 07777,
	    err);
	if (r == 0)
		r = loaded_revoke(db, (size_t)(e - db->entries), &raw, rlen,
		    llen - 1, stamp, canon, err);
out:
	free(raw);
	free(line);
	return r;
}
