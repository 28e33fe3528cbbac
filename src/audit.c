/* see hsmca/audit.h: writing the audit log and settling what a crash left */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>

#include "hsmca/audit.h"
#include "hsmca/fileio.h"
#include "audit-int.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

int
audit_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char d[32];
	size_t i;

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, d) != 0)
		return HSMCA_E_CRYPTO;
	for (i = 0; i < sizeof(d); i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	return 0;
}

char *
audit_path(const char *dir)
{
	char *p;

	return asprintf(&p, "%s/%s", dir, AUDIT_LOG) < 0 ? NULL : p;
}

/* The last complete line of fd's file (size bytes): *line is malloc'ed
 * ("" when there is none), *keep the file's length up to and including its
 * '\n' (anything after it is a torn tail). */
static int
last_line(int fd, off_t size, const char *path, char **line, off_t *keep,
    struct hsmca_error *err)
{
	off_t chunk, start, nl, b;
	char *buf;

	for (chunk = 4096; chunk <= ((off_t)1 << 26); chunk *= 4) {
		start = size > chunk ? size - chunk : 0;
		if ((buf = malloc((size_t)(size - start) + 1)) == NULL)
			return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		if (pread(fd, buf, (size_t)(size - start), start) !=
		    size - start) {
			free(buf);
			return hsmca_error_set(err, HSMCA_E_IO, "%s: read: %s",
			    path, strerror(errno));
		}
		for (nl = size - start - 1; nl >= 0 && buf[nl] != '\n'; nl--)
			;
		for (b = nl - 1; b >= 0 && buf[b] != '\n'; b--)
			;
		if ((nl < 0 || b < 0) && start > 0) {
			free(buf);
			continue;
		}
		if (nl < 0) {
			buf[0] = '\0';
			*keep = 0;
		} else {
			memmove(buf, buf + b + 1, (size_t)(nl - b - 1));
			buf[nl - b - 1] = '\0';
			*keep = start + nl + 1;
		}
		*line = buf;
		return 0;
	}
	return hsmca_error_set(err, HSMCA_E_PARSE, "%s: last line too long",
	    path);
}

static void
add_str(json_object *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_object_add(o, k, json_object_new_string(v));
}

static const char *
operator_name(char *buf, size_t len)
{
	struct passwd *pw = getpwuid(getuid());

	if (pw != NULL && pw->pw_name != NULL)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "uid %u", (unsigned)getuid());
	return buf;
}

/* One record as a JSON line (no newline), chained after prev. */
static char *
format_rec(const struct hsmca_audit_rec *r, unsigned long seq,
    unsigned long batch, time_t now, const char *prev)
{
	char when[32], user[64], *line;
	json_object *o = json_object_new_object();
	struct tm tm;

	if (o == NULL)
		return NULL;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_object_add(o, "seq", json_object_new_int64((int64_t)seq));
	json_object_object_add(o, "batch",
	    json_object_new_int64((int64_t)batch));
	add_str(o, "time", when);
	add_str(o, "op", r->op);
	add_str(o, "user", operator_name(user, sizeof(user)));
	add_str(o, "key", r->key_uri);
	add_str(o, "token_serial", r->token_serial);
	add_str(o, "profile", r->profile);
	add_str(o, "renews", r->renews);
	add_str(o, "serial", r->serial);
	add_str(o, "subject", r->subject);
	add_str(o, "expiry", r->expiry);
	add_str(o, "csr_sha256", r->csr_sha256);
	add_str(o, "cert_sha256", r->cert_sha256);
	add_str(o, "reason", r->reason);
	add_str(o, "revoked", r->revoked);
	add_str(o, "crl_number", r->crl_number);
	add_str(o, "crl_sha256", r->crl_sha256);
	if (r->crl_number != NULL)
		json_object_object_add(o, "crl_entries",
		    json_object_new_int64(r->crl_entries));
	if (r->cancels != 0)
		json_object_object_add(o, "cancels",
		    json_object_new_int64((int64_t)r->cancels));
	add_str(o, "cert", r->cert_der_b64);
	add_str(o, "prev", prev);
	line = strdup(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return line;
}

int
audit_parse_line(const char *path, unsigned long lineno, const char *line,
    json_object **out, unsigned long *seq, struct hsmca_error *err)
{
	json_object *o = json_tokener_parse(line), *v;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "seq", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 1 ||
	    !json_object_object_get_ex(o, "op", &v) ||
	    !json_object_object_get_ex(o, "prev", &v)) {
		json_object_put(o);
		return hsmca_error_set(err, HSMCA_E_PARSE, "%s:%lu: not an "
		    "audit record", path, lineno);
	}
	json_object_object_get_ex(o, "seq", &v);
	*seq = (unsigned long)json_object_get_int64(v);
	*out = o;
	return 0;
}

const char *
audit_get(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Format n records chained after last (the log's last line, "" if none). */
static int
format_batch(const char *path, const char *last,
    const struct hsmca_audit_rec *recs, size_t n, time_t now, char **out,
    size_t *outlen, struct hsmca_error *err)
{
	char prev[65], *line = NULL, *buf = NULL;
	unsigned long seq = 0, batch;
	json_object *o = NULL;
	size_t len = 0, i;
	FILE *f;
	int r = 0;

	if (*last == '\0') {
		memcpy(prev, ZERO_HASH, sizeof(prev));
	} else {
		if ((r = audit_parse_line(path, 0, last, &o, &seq, err)) != 0)
			return hsmca_error_set(err, r, "%s: the last line is not "
			    "an audit record; refusing to append", path);
		json_object_put(o);
		if (audit_sha256_hex(last, strlen(last), prev) != 0)
			return hsmca_error_set(err, HSMCA_E_CRYPTO, "sha256");
	}
	if ((f = open_memstream(&buf, &len)) == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	batch = seq + 1;
	for (i = 0; i < n && r == 0; i++) {
		if ((line = format_rec(&recs[i], ++seq, batch, now, prev)) ==
		    NULL ||
		    audit_sha256_hex(line, strlen(line), prev) != 0) {
			r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
			break;
		}
		fprintf(f, "%s\n", line);
		free(line);
		line = NULL;
	}
	free(line);
	fclose(f);
	if (r != 0) {
		free(buf);
		return r;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

int
audit_append(const char *dir, const struct hsmca_audit_rec *recs, size_t n,
    time_t now, struct hsmca_error *err)
{
	char *path = audit_path(dir), *last = NULL, *buf = NULL;
	struct stat st;
	size_t len = 0;
	off_t keep = 0;
	int fd = -1, r;

	if (path == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	if (n == 0) {
		r = 0;
		goto out;
	}
	fd = fileio_open_record(path, O_RDWR | O_CREAT | O_APPEND, 0600, err);
	if (fd < 0) {
		r = fd;
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		r = hsmca_error_set(err, HSMCA_E_IO, "%s: %s", path,
		    strerror(errno));
		goto out;
	}
	if ((r = last_line(fd, st.st_size, path, &last, &keep, err)) != 0)
		goto out;
	/* a torn tail: an append that a crash cut short; nothing after it
	 * happened, so it is dropped */
	if (keep != st.st_size && ftruncate(fd, keep) != 0) {
		r = hsmca_error_set(err, HSMCA_E_IO, "%s: %s", path,
		    strerror(errno));
		goto out;
	}
	if ((r = format_batch(path, last, recs, n, now, &buf, &len, err)) != 0)
		goto out;
	if ((r = fileio_append_durable(fd, path, buf, len, err)) != 0)
		goto out;
	if (st.st_size == 0)
		r = fileio_fsync_dir(dir, err);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(last);
	free(path);
	return r;
}

int
audit_last_seq(const char *dir, unsigned long *seq, struct hsmca_error *err)
{
	char *path = audit_path(dir), *last = NULL;
	json_object *o = NULL;
	struct stat st;
	off_t keep;
	int fd = -1, r = 0;

	*seq = 0;
	if (path == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	if ((fd = fileio_open_record(path, O_RDONLY, 0, err)) < 0) {
		r = fd == HSMCA_E_NOTFOUND ? 0 : fd;
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		r = hsmca_error_set(err, HSMCA_E_IO, "%s: %s", path,
		    strerror(errno));
		goto out;
	}
	if ((r = last_line(fd, st.st_size, path, &last, &keep, err)) != 0 ||
	    *last == '\0')
		goto out;
	r = audit_parse_line(path, 0, last, &o, seq, err);
	json_object_put(o);
out:
	if (fd >= 0)
		close(fd);
	free(last);
	free(path);
	return r;
}

int
audit_mark_settled(const char *dir, struct hsmca_error *err)
{
	char *path = NULL, text[32];
	unsigned long seq;
	int r;

	if ((r = audit_last_seq(dir, &seq, err)) != 0 || seq == 0)
		return r;
	if (asprintf(&path, "%s/%s", dir, AUDIT_SETTLED) < 0)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	snprintf(text, sizeof(text), "%lu\n", seq);
	r = fileio_write_atomic_opts(path, text, strlen(text), 0600,
	    FILEIO_NO_FSYNC, err);
	free(path);
	return r;
}
