/* see hsmca/db.h: the small files of a CA directory (newcerts/SERIAL.pem,
 * serial, crlnumber), each replaced atomically. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hsmca/db.h"
#include "hsmca/fileio.h"
#include "db-internal.h"

/* Remember path (taken over) as written and not yet durable. */
static int
add_unsynced(struct hsmca_db *db, char *path, struct hsmca_error *err)
{
	char **p;

	p = realloc(db->unsynced, (db->n_unsynced + 1) * sizeof(*p));
	if (p == NULL) {
		free(path);
		return db_nomem(err);
	}
	db->unsynced = p;
	db->unsynced[db->n_unsynced++] = path;
	return 0;
}

int
db_write_newcert(struct hsmca_db *db, const char *hex, const void *pem,
    size_t len, struct hsmca_error *err)
{
	char *path;
	int r;

	if ((r = db_need_write(db, "db_write_newcert", err)) < 0)
		return r;
	if (!db_valid_hex(hex))
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "serial '%s': not upper-case hex", hex);
	if (asprintf(&path, "%s/newcerts/%s.pem", db->dir, hex) < 0)
		return db_nomem(err);
	r = fileio_exists(path, err);
	if (r > 0)
		r = hsmca_error_set(err, HSMCA_E_EXISTS, "%s: already exists",
		    path);
	if (r == 0)
		r = fileio_write_atomic_opts(path, pem, len, 0644,
		    FILEIO_NO_FSYNC, err);
	if (r == 0)
		return add_unsynced(db, path, err);
	free(path);
	return r;
}

int
db_sync_newcerts(struct hsmca_db *db, struct hsmca_error *err)
{
	char *path;
	size_t i;
	int r;

	if (asprintf(&path, "%s/newcerts", db->dir) < 0)
		return db_nomem(err);
	r = fileio_sync_files(path, db->unsynced, db->n_unsynced, err);
	free(path);
	for (i = 0; r == 0 && i < db->n_unsynced; i++)
		free(db->unsynced[i]);
	if (r == 0)
		db->n_unsynced = 0;
	return r;
}

/* Write "HEX\n" to DIR/name atomically. */
static int
write_hex_file(struct hsmca_db *db, const char *name, const char *hex,
    struct hsmca_error *err)
{
	char *path = NULL, *text = NULL;
	int r;

	if (!db_valid_hex(hex))
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: '%s' is not upper-case hex", name, hex);
	if ((path = db_path_in(db, name)) == NULL ||
	    asprintf(&text, "%s\n", hex) < 0) {
		free(path);
		return db_nomem(err);
	}
	r = fileio_write_atomic(path, text, strlen(text), 0600, err);
	free(text);
	free(path);
	return r;
}

int
db_set_next_serial(struct hsmca_db *db, const char *hex,
    struct hsmca_error *err)
{
	int r;

	if ((r = db_need_write(db, "db_set_next_serial", err)) < 0)
		return r;
	return write_hex_file(db, "serial", hex, err);
}

int
db_crlnumber_next(struct hsmca_db *db, char **hex, struct hsmca_error *err)
{
	char *path, *buf = NULL;
	size_t len, n, i;
	int r;

	*hex = NULL;
	if ((path = db_path_in(db, "crlnumber")) == NULL)
		return db_nomem(err);
	r = fileio_read(path, SMALL_FILE_MAX, &buf, &len, err);
	if (r < 0)
		goto out;
	n = strspn(buf, "0123456789abcdefABCDEF");
	if (n == 0 || n > 128 || strcmp(buf + n, "\n") != 0) {
		r = hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: expected one line of hex", path);
		goto out;
	}
	buf[n] = '\0';
	for (i = 0; i < n; i++)
		if (buf[i] >= 'a' && buf[i] <= 'f')
			buf[i] = (char)(buf[i] - 'a' + 'A');
	*hex = buf;
	buf = NULL;
out:
	free(buf);
	free(path);
	return r;
}

/* hex + 1, upper-case, leading zeros dropped, padded to even length. */
static char *
hex_increment(const char *hex)
{
	size_t n = strlen(hex), i;
	char *p = malloc(n + 3), *q;

	if (p == NULL)
		return NULL;
	p[0] = '0';
	p[1] = '0';
	memcpy(p + 2, hex, n + 1);
	for (i = n + 2; i-- > 0;) {
		if (p[i] == 'F') {
			p[i] = '0';
			continue;
		}
		p[i] = p[i] == '9' ? 'A' : (char)(p[i] + 1);
		break;
	}
	q = p + strspn(p, "0");
	if (strlen(q) % 2 != 0)
		q--;
	memmove(p, q, strlen(q) + 1);
	return p;
}

int
db_crlnumber_commit(struct hsmca_db *db, const char *hex,
    struct hsmca_error *err)
{
	char *cur = NULL, *next = NULL;
	int r;

	if ((r = db_need_write(db, "db_crlnumber_commit", err)) < 0)
		return r;
	if ((r = db_crlnumber_next(db, &cur, err)) < 0)
		return r;
	if (strcasecmp(cur, hex) != 0) {
		r = hsmca_error_set(err, HSMCA_E_INTERNAL,
		    "%s/crlnumber: holds %s, not %s", db->dir, cur, hex);
		goto out;
	}
	if ((next = hex_increment(cur)) == NULL) {
		r = db_nomem(err);
		goto out;
	}
	r = write_hex_file(db, "crlnumber", next, err);
out:
	free(next);
	free(cur);
	return r;
}
