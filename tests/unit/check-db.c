/* Unit tests for the CA database (src/db.c, src/db-index.c): index.txt
 * parsing and formatting against an index that openssl ca made, every
 * malformed line, torn-tail repair, revocation, appends and unique_subject
 * (check-db-files.c has crlnumber, the serial file and the lock). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hsmca/db.h"
#include "helpers.h"

#define GOOD_LINE "V\t261227082018Z\t\t0A\tunknown\t/CN=a/O=Test\n"
#define S92 "580F4B6E1A01EECF9B8518D035E33834E8BE0B92"
#define S95 "580F4B6E1A01EECF9B8518D035E33834E8BE0B95"
#define S99 "580F4B6E1A01EECF9B8518D035E33834E8BE0B99"

/* A CA directory with index.txt holding text and an empty newcerts/. */
static char *
make_ca(const char *text, size_t len)
{
	char *dir = th_tmpdir(), *nc;

	free(th_write_file(dir, "index.txt", text, len));
	ck_assert_int_ne(asprintf(&nc, "%s/newcerts", dir), -1);
	ck_assert_int_eq(mkdir(nc, 0755), 0);
	free(nc);
	return dir;
}

static char *
fixture(const char *name, size_t *len)
{
	const char *src = getenv("HSMCA_SRCDIR");
	char *path, *text;

	ck_assert_ptr_nonnull(src);
	ck_assert_int_ne(asprintf(&path, "%s/tests/fixtures/db/%s", src,
	    name), -1);
	text = th_read_file(path, len);
	ck_assert_msg(text != NULL, "cannot read %s", path);
	free(path);
	return text;
}

static char *
index_of(const char *dir, size_t *len)
{
	char *path, *text;

	ck_assert_int_ne(asprintf(&path, "%s/index.txt", dir), -1);
	text = th_read_file(path, len);
	free(path);
	return text;
}

START_TEST(test_openssl_index_round_trip)
{
	size_t len, n, i, olen = 0;
	char *text = fixture("good/openssl-index.txt", &len), *dir, *line;
	char *out = calloc(1, len + 1);
	const struct hsmca_db_entry *e;
	struct hsmca_error err = { 0 };
	struct hsmca_db *db;
	size_t llen;

	dir = make_ca(text, len);
	ck_assert_int_eq(db_open(dir, DB_READ, 1, &db, &err), 0);
	ck_assert_int_eq(db_load(db, &err), 0);
	e = db_entries(db, &n);
	ck_assert_uint_eq(n, 8);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(db_format_line(&e[i], &line, &llen, &err), 0);
		ck_assert_uint_le(olen + llen, len);
		memcpy(out + olen, line, llen);
		olen += llen;
		free(line);
	}
	ck_assert_uint_eq(olen, len);
	ck_assert_mem_eq(out, text, len);
	/* what each column became */
	ck_assert_int_eq(e[0].status, 'R');
	ck_assert_str_eq(e[0].reason, "keyCompromise");
	ck_assert_str_eq(e[0].revoked, "261127082020Z");
	ck_assert_ptr_null(e[2].reason);
	ck_assert_str_eq(e[3].expiry, "20550101000000Z");
	ck_assert_ptr_null(e[3].revoked);
	ck_assert_str_eq(e[4].reason, "holdInstruction,holdInstructionReject");
	ck_assert_int_eq(db_reason_code(e[4].reason), 6);
	ck_assert_int_eq(db_reason_code(e[5].reason), 1);
	ck_assert_int_eq(e[7].status, 'E');
	ck_assert_str_eq(e[7].subject, "/CN=old.example.com/O=Example Org");
	ck_assert_ptr_eq(db_find_serial(db, S95), &e[3]);
	ck_assert_ptr_null(db_find_serial(db, "0A"));
	db_close(db);
	free(out);
	th_rmrf(dir);
	free(dir);
	free(text);
}
END_TEST

/* index.txt = GOOD_LINE then bad (line 2): db_load must fail with
 * HSMCA_E_PARSE naming index.txt:2 and saying what. */
static void
expect_bad_line(const char *bad, const char *what)
{
	struct hsmca_error err = { 0 };
	struct hsmca_db *db;
	size_t n;
	char *text, *dir;

	ck_assert_int_ne(asprintf(&text, "%s%s", GOOD_LINE, bad), -1);
	dir = make_ca(text, (size_t)-1);
	ck_assert_int_eq(db_open(dir, DB_READ, 1, &db, &err), 0);
	ck_assert_int_eq(db_load(db, &err), HSMCA_E_PARSE);
	ck_assert_int_eq(err.code, HSMCA_E_PARSE);
	ck_assert_msg(strstr(err.msg, "index.txt:2: ") != NULL, "%s", err.msg);
	ck_assert_msg(strstr(err.msg, what) != NULL, "'%s' lacks '%s'",
	    err.msg, what);
	ck_assert_ptr_null(db_entries(db, &n));
	ck_assert_uint_eq(n, 0);
	db_close(db);
	th_rmrf(dir);
	free(dir);
	free(text);
}

#define BAD_LINE(name, line, what) \
	START_TEST(name) { expect_bad_line(line, what); } END_TEST

BAD_LINE(test_bad_five_fields,
    "V\t261227082018Z\t\t0B\tunknown\n", "expected 6 tab-separated fields, found 5")
BAD_LINE(test_bad_seven_fields,
    "V\t261227082018Z\t\t0B\tunknown\t/CN=b\tx\n", "found 7")
BAD_LINE(test_bad_empty_line, "\n", "found 1")
BAD_LINE(test_bad_status_letter,
    "X\t261227082018Z\t\t0B\tunknown\t/CN=b\n", "unknown status 'X'")
BAD_LINE(test_bad_status_two_letters,
    "VR\t261227082018Z\t\t0B\tunknown\t/CN=b\n", "unknown status 'VR'")
BAD_LINE(test_bad_status_empty,
    "\t261227082018Z\t\t0B\tunknown\t/CN=b\n", "unknown status ''")
BAD_LINE(test_bad_expiry_month,
    "V\t261327082018Z\t\t0B\tunknown\t/CN=b\n", "bad expiry time '261327082018Z'")
BAD_LINE(test_bad_expiry_no_z,
    "V\t2612270820180\t\t0B\tunknown\t/CN=b\n", "bad expiry time")
BAD_LINE(test_bad_expiry_length,
    "V\t26122708201Z\t\t0B\tunknown\t/CN=b\n", "bad expiry time")
BAD_LINE(test_bad_expiry_feb30,
    "V\t260230082018Z\t\t0B\tunknown\t/CN=b\n", "bad expiry time")
BAD_LINE(test_bad_revoked_without_time,
    "R\t261227082018Z\t\t0B\tunknown\t/CN=b\n", "revoked entry without a revocation time")
BAD_LINE(test_bad_valid_with_time,
    "V\t261227082018Z\t261127082018Z\t0B\tunknown\t/CN=b\n", "revocation time on a non-revoked entry")
BAD_LINE(test_bad_revocation_time,
    "R\t261227082018Z\t2611270820Z,superseded\t0B\tunknown\t/CN=b\n", "bad revocation time '2611270820Z'")
BAD_LINE(test_bad_reason,
    "R\t261227082018Z\t261127082018Z,fooBar\t0B\tunknown\t/CN=b\n", "unknown revocation reason 'fooBar'")
BAD_LINE(test_bad_reason_empty,
    "R\t261227082018Z\t261127082018Z,\t0B\tunknown\t/CN=b\n", "unknown revocation reason ''")
BAD_LINE(test_bad_keytime_without_value,
    "R\t261227082018Z\t261127082018Z,keyTime\t0B\tunknown\t/CN=b\n", "malformed revocation reason 'keyTime'")
BAD_LINE(test_bad_keytime_not_time,
    "R\t261227082018Z\t261127082018Z,keyTime,yesterday\t0B\tunknown\t/CN=b\n", "malformed revocation reason 'keyTime,yesterday'")
BAD_LINE(test_bad_hold_two_values,
    "R\t261227082018Z\t261127082018Z,holdInstruction,a,b\t0B\tunknown\t/CN=b\n", "malformed revocation reason")
BAD_LINE(test_bad_reason_with_value,
    "R\t261227082018Z\t261127082018Z,superseded,x\t0B\tunknown\t/CN=b\n", "malformed revocation reason")
BAD_LINE(test_bad_serial_lower_case,
    "V\t261227082018Z\t\t0b\tunknown\t/CN=b\n", "bad serial '0b'")
BAD_LINE(test_bad_serial_empty,
    "V\t261227082018Z\t\t\tunknown\t/CN=b\n", "bad serial ''")
BAD_LINE(test_bad_serial_not_hex,
    "V\t261227082018Z\t\tXYZ\tunknown\t/CN=b\n", "bad serial 'XYZ'")
BAD_LINE(test_bad_file_empty,
    "V\t261227082018Z\t\t0B\t\t/CN=b\n", "empty file name field")
BAD_LINE(test_bad_carriage_return,
    "V\t261227082018Z\t\t0B\tunknown\t/CN=b\r\n", "control character 0x0d")
BAD_LINE(test_bad_duplicate_serial,
    "V\t261227082018Z\t\t0A\tunknown\t/CN=b\n", "serial 0A already on line 1")

START_TEST(test_comment_lines)
{
	const char *text = "# made by hand\n" GOOD_LINE "# x\n";
	struct hsmca_error err = { 0 };
	struct hsmca_db *db;
	char *dir = make_ca(text, (size_t)-1);
	size_t n;

	ck_assert_int_eq(db_open(dir, DB_READ, 1, &db, &err), 0);
	ck_assert_int_eq(db_load(db, &err), 0);
	ck_assert_ptr_nonnull(db_entries(db, &n));
	ck_assert_uint_eq(n, 1);
	db_close(db);
	th_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_torn_tail_repaired_on_write)
{
	const char *text = GOOD_LINE "V\t2612270820";
	struct hsmca_error err = { 0 };
	struct hsmca_db *db;
	char *dir = make_ca(text, (size_t)-1), *after;
	size_t len;

	ck_assert_int_eq(db_open(dir, DB_WRITE, 1, &db, &err), 0);
	ck_assert_uint_eq(db_repaired(db), strlen("V\t2612270820"));
	after = index_of(dir, &len);
	ck_assert_str_eq(after, GOOD_LINE);
	free(after);
	db_close(db);
	th_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_torn_tail_all_of_file)
{
	struct hsmca_error err = { 0 };
	struct hsmca_db *db;
	char *dir = make_ca("V\t26", (size_t)-1), *after;
	size_t len;

	ck_assert_int_eq(db_open(dir, DB_WRITE, 1, &db, &err), 0);
	ck_assert_uint_eq(db_repaired(db), 4);
	after = index_of(dir, &len);
	ck_assert_uint_eq(len, 0);
	free(after);
	db_close(db);
	th_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_torn_tail_ignored_on_read)
{
	const char *text = GOOD_LINE "V\t2612270820";
	struct hsmca_error err = { 0 };
	struct hsmca_db *db;
	char *dir = make_ca(text, (size_t)-1), *after;
	size_t len, n;

	ck_assert_int_eq(db_open(dir, DB_READ, 1, &db, &err), 0);
	ck_assert_uint_eq(db_repaired(db), 0);
	ck_assert_int_eq(db_load(db, &err), 0);
	db_entries(db, &n);
	ck_assert_uint_eq(n, 1);
	after = index_of(dir, &len);
	ck_assert_str_eq(after, text);
	free(after);
	db_close(db);
	th_rmrf(dir);
	free(dir);
}
END_TEST

static void
entry(struct hsmca_db_entry *e, char *serial, char *subject)
{
	memset(e, 0, sizeof(*e));
	e->status = 'V';
	e->expiry = "270101000000Z";
	e->serial = serial;
	e->file = "unknown";
	e->subject = subject;
}

START_TEST(test_append_keeps_old_bytes)
{
	size_t len, alen, n;
	char *text = fixture("good/openssl-index.txt", &len), *dir, *after;
	struct hsmca_db_entry add[2];
	struct hsmca_error err = { 0 };
	struct hsmca_db *db;
	const char *want = "V\t270101000000Z\t\t0C\tunknown\t/CN=new1\n"
	    "V\t270101000000Z\t\t0D\tunknown\t/CN=new2\n";

	dir = make_ca(text, len);
	free(th_write_file(dir, "index.txt.attr", "unique_subject = no\n",
	    (size_t)-1));
	entry(&add[0], "0C", "/CN=new1");
	entry(&add[1], "0D", "/CN=new2");
	ck_assert_int_eq(db_open(dir, DB_WRITE, 1, &db, &err), 0);
	ck_assert_int_eq(db_load(db, &err), 0);
	ck_assert_int_eq(db_append(db, add, 2, &err), 0);
	after = index_of(dir, &alen);
	ck_assert_uint_eq(alen, len + strlen(want));
	ck_assert_mem_eq(after, text, len);
	ck_assert_str_eq(after + len, want);
	/* the loaded view follows */
	db_entries(db, &n);
	ck_assert_uint_eq(n, 10);
	ck_assert_ptr_nonnull(db_find_serial(db, "0D"));
	ck_assert_int_eq(db_serial_in_use(db, "0C", &err), 1);
	/* a serial already there: nothing written */
	ck_assert_int_eq(db_append(db, add, 1, &err), HSMCA_E_EXISTS);
	ck_assert_msg(strstr(err.msg, "serial 0C: already in") != NULL,
	    "%s", err.msg);
	free(after);
	after = index_of(dir, &n);
	ck_assert_uint_eq(n, alen);
	db_close(db);
	free(after);
	th_rmrf(dir);
	free(dir);
	free(text);
}
END_TEST

/* db_append refuses an entry that would not read back; index unchanged. */
static void
expect_bad_append(struct hsmca_db_entry *e, int code, const char *what)
{
	struct hsmca_error err = { 0 };
	struct hsmca_db *db;
	char *dir = make_ca(GOOD_LINE, (size_t)-1), *after;
	size_t len;

	ck_assert_int_eq(db_open(dir, DB_WRITE, 1, &db, &err), 0);
	ck_assert_int_eq(db_append(db, e, 1, &err), code);
	ck_assert_msg(strstr(err.msg, what) != NULL, "'%s' lacks '%s'",
	    err.msg, what);
	after = index_of(dir, &len);
	ck_assert_str_eq(after, GOOD_LINE);
	free(after);
	db_close(db);
	th_rmrf(dir);
	free(dir);
}

START_TEST(test_append_tab_in_subject)
{
	struct hsmca_db_entry e;

	entry(&e, "0C", "/CN=a\tb");
	expect_bad_append(&e, HSMCA_E_PARSE,
	    "new index entry:1: expected 6 tab-separated fields, found 7");
}
END_TEST

START_TEST(test_append_newline_in_subject)
{
	struct hsmca_db_entry e;

	entry(&e, "0C", "/CN=a\nV");
	expect_bad_append(&e, HSMCA_E_PARSE, "control character 0x0a");
}
END_TEST

START_TEST(test_append_no_subject)
{
	struct hsmca_db_entry e;

	entry(&e, "0C", NULL);
	expect_bad_append(&e, HSMCA_E_PARSE, "new index entry:1: no subject");
}
END_TEST

START_TEST(test_append_lower_case_serial)
{
	struct hsmca_db_entry e;

	entry(&e, "0c", "/CN=c");
	expect_bad_append(&e, HSMCA_E_PARSE, "bad serial '0c'");
}
END_TEST

START_TEST(test_append_unique_subject)
{
	struct hsmca_db_entry e;

	/* no index.txt.attr: unique_subject = yes, as OpenSSL */
	entry(&e, "0C", "/CN=a/O=Test");
	expect_bad_append(&e, HSMCA_E_EXISTS,
	    "subject '/CN=a/O=Test': already has valid certificate 0A");
}
END_TEST

START_TEST(test_append_unique_subject_batch)
{
	struct hsmca_error err = { 0 };
	struct hsmca_db_entry e[2];
	struct hsmca_db *db;
	char *dir = make_ca("", 0);

	entry(&e[0], "0C", "/CN=same");
	entry(&e[1], "0D", "/CN=same");
	ck_assert_int_eq(db_open(dir, DB_WRITE, 1, &db, &err), 0);
	ck_assert(db_unique_subject(db));
	ck_assert_int_eq(db_append(db, e, 2, &err), HSMCA_E_EXISTS);
	ck_assert_msg(strstr(err.msg, "twice in one batch") != NULL, "%s",
	    err.msg);
	db_close(db);
	th_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_attr_no_allows_same_subject)
{
	struct hsmca_error err = { 0 };
	struct hsmca_db_entry e;
	struct hsmca_db *db;
	char *dir = make_ca(GOOD_LINE, (size_t)-1);

	free(th_write_file(dir, "index.txt.attr", "unique_subject = no\n",
	    (size_t)-1));
	entry(&e, "0C", "/CN=a/O=Test");
	ck_assert_int_eq(db_open(dir, DB_WRITE, 1, &db, &err), 0);
	ck_assert(!db_unique_subject(db));
	ck_assert_int_eq(db_append(db, &e, 1, &err), 0);
	db_close(db);
	th_rmrf(dir);
	free(dir);
}
END_TEST

static void
expect_bad_attr(const char *attr, const char *what)
{
	struct hsmca_error err = { 0 };
	struct hsmca_db *db = (struct hsmca_db *)1;
	char *dir = make_ca(GOOD_LINE, (size_t)-1);

	free(th_write_file(dir, "index.txt.attr", attr, (size_t)-1));
	ck_assert_int_eq(db_open(dir, DB_READ, 1, &db, &err), HSMCA_E_PARSE);
	ck_assert_ptr_null(db);
	ck_assert_msg(strstr(err.msg, what) != NULL, "'%s' lacks '%s'",
	    err.msg, what);
	th_rmrf(dir);
	free(dir);
}

START_TEST(test_attr_bad_value)
{
	expect_bad_attr("unique_subject = maybe\n",
	    "index.txt.attr:1: unique_subject must be yes or no, not 'maybe'");
}
END_TEST

START_TEST(test_attr_unknown_key)
{
	expect_bad_attr("\nunique_subjects = yes\n",
	    "index.txt.attr:2: unknown key 'unique_subjects'");
}
END_TEST

START_TEST(test_attr_no_equals)
{
	expect_bad_attr("unique_subject\n",
	    "index.txt.attr:1: expected 'key = value'");
}
END_TEST

START_TEST(test_missing_index)
{
	struct hsmca_error err = { 0 };
	struct hsmca_db *db;
	char *dir = th_tmpdir();

	ck_assert_int_eq(db_open(dir, DB_READ, 1, &db, &err),
	    HSMCA_E_NOTFOUND);
	ck_assert_msg(strstr(err.msg, "index.txt: no such file") != NULL,
	    "%s", err.msg);
	th_rmrf(dir);
	free(dir);
}
END_TEST

/* 2026-11-28 12:00:00 UTC */
#define WHEN ((time_t)1795867200)

START_TEST(test_revoke_rewrites_one_line)
{
	size_t len, alen;
	char *text = fixture("good/openssl-index.txt", &len), *dir, *after;
	char *path, *want, *at;
	struct hsmca_error err = { 0 };
	struct hsmca_db *db;
	struct stat st;
	const char *old = "V\t20550101000000Z\t\t" S95;
	const char *new = "R\t20550101000000Z\t261128120000Z,keyCompromise\t"
	    S95;

	dir = make_ca(text, len);
	ck_assert_int_ne(asprintf(&path, "%s/index.txt", dir), -1);
	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_int_eq(db_open(dir, DB_WRITE, 1, &db, &err), 0);
	ck_assert_int_eq(db_revoke(db, S95, "KEYCOMPROMISE", WHEN, &err), 0);
	ck_assert_int_eq(db_find_serial(db, S95)->status, 'R');
	/* expected file: the fixture with one line changed */
	at = strstr(text, old);
	ck_assert_ptr_nonnull(at);
	ck_assert_int_ne(asprintf(&want, "%.*s%s%s", (int)(at - text), text,
	    new, at + strlen(old)), -1);
	after = index_of(dir, &alen);
	ck_assert_str_eq(after, want);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	/* the view kept after the rewrite has the later lines' places right:
	 * revoking the last line (the E entry) now changes only that line */
	free(after);
	ck_assert_int_eq(db_revoke(db, S99, NULL, WHEN, &err), 0);
	at = strstr(want, "E\t200101000000Z\t\t" S99);
	ck_assert_ptr_nonnull(at);
	*at = '\0';     /* want now ends before the last line */
	after = index_of(dir, &alen);
	ck_assert_mem_eq(after, want, strlen(want));
	ck_assert_str_eq(after + strlen(want),
	    "R\t200101000000Z\t261128120000Z\t" S99
	    "\tunknown\t/CN=old.example.com/O=Example Org\n");
	ck_assert_int_eq(db_find_serial(db, S99)->status, 'R');
	ck_assert_str_eq(db_find_serial(db, S99)->revoked, "261128120000Z");
	db_close(db);
	free(after);
	free(want);
	free(path);
	th_rmrf(dir);
	free(dir);
	free(text);
}
END_TEST

START_TEST(test_revoke_without_reason)
{
	struct hsmca_error err = { 0 };
	struct hsmca_db *db;
	char *dir = make_ca(GOOD_LINE, (size_t)-1), *after;
	size_t len;

	ck_assert_int_eq(db_open(dir, DB_WRITE, 1, &db, &err), 0);
	ck_assert_int_eq(db_revoke(db, "0A", NULL, WHEN, &err), 0);
	after = index_of(dir, &len);
	ck_assert_str_eq(after,
	    "R\t261227082018Z\t261128120000Z\t0A\tunknown\t/CN=a/O=Test\n");
	free(after);
	db_close(db);
	th_rmrf(dir);
	free(dir);
}
END_TEST

/* db_revoke fails with code and what; index.txt unchanged. */
static void
expect_bad_revoke(const char *serial, const char *reason, int flags,
    int code, const char *what)
{
	const char *text = GOOD_LINE
	    "R\t261227082018Z\t261127082018Z,superseded\t0B\tunknown\t/CN=b\n";
	struct hsmca_error err = { 0 };
	struct hsmca_db *db;
	char *dir = make_ca(text, (size_t)-1), *after;
	size_t len;

	ck_assert_int_eq(db_open(dir, flags, 1, &db, &err), 0);
	ck_assert_int_eq(db_revoke(db, serial, reason, WHEN, &err), code);
	ck_assert_msg(strstr(err.msg, what) != NULL, "'%s' lacks '%s'",
	    err.msg, what);
	after = index_of(dir, &len);
	ck_assert_str_eq(after, text);
	free(after);
	db_close(db);
	th_rmrf(dir);
	free(dir);
}

START_TEST(test_revoke_unknown_serial)
{
	expect_bad_revoke("0C", NULL, DB_WRITE, HSMCA_E_NOTFOUND,
	    "serial 0C: not in");
}
END_TEST

START_TEST(test_revoke_already_revoked)
{
	expect_bad_revoke("0B", "keyCompromise", DB_WRITE, HSMCA_E_EXISTS,
	    "serial 0B: already revoked (261127082018Z)");
}
END_TEST

START_TEST(test_revoke_unknown_reason)
{
	expect_bad_revoke("0A", "compromised", DB_WRITE, HSMCA_E_USAGE,
	    "unknown revocation reason 'compromised'");
}
END_TEST

START_TEST(test_revoke_extended_reason_refused)
{
	/* OpenSSL's keyTime form is read, never written by revoke */
	expect_bad_revoke("0A", "keyTime", DB_WRITE, HSMCA_E_USAGE,
	    "unknown revocation reason 'keyTime'");
}
END_TEST

START_TEST(test_revoke_reason_openssl_rejects)
{
	expect_bad_revoke("0A", "privilegewithdrawn", DB_WRITE,
	    HSMCA_E_UNSUPPORTED, "reason privilegeWithdrawn: openssl ca "
	    "-gencrl rejects it");
}
END_TEST

START_TEST(test_revoke_needs_write)
{
	expect_bad_revoke("0A", NULL, DB_READ, HSMCA_E_INTERNAL,
	    "db_revoke needs the database opened for writing");
}
END_TEST

START_TEST(test_reason_names)
{
	static const char *names[] = { "unspecified", "keyCompromise",
	    "CACompromise", "affiliationChanged", "superseded",
	    "cessationOfOperation", "certificateHold", "removeFromCRL",
	    "privilegeWithdrawn", "AACompromise" };
	static const int codes[] = { 0, 1, 2, 3, 4, 5, 6, 8, 9, 10 };
	size_t i;

	for (i = 0; i < 10; i++) {
		ck_assert_str_eq(db_reason_canonical(names[i]), names[i]);
		ck_assert_int_eq(db_reason_code(names[i]), codes[i]);
	}
	ck_assert_str_eq(db_reason_canonical("cacompromise"), "CACompromise");
	ck_assert_ptr_null(db_reason_canonical("holdInstruction"));
	ck_assert_ptr_null(db_reason_canonical(""));
	ck_assert_int_eq(db_reason_code("CAkeyTime,20260101000000Z"), 2);
	ck_assert_int_eq(db_reason_code("bogus"), -1);
}
END_TEST

START_TEST(test_time_format_and_parse)
{
	static const struct {
		time_t t;
		const char *text;
	} cases[] = {
		{ 0, "700101000000Z" },
		{ WHEN, "261128120000Z" },
		{ 2524607999, "491231235959Z" },   /* last UTCTime second */
		{ 2524608000, "20500101000000Z" }, /* GeneralizedTime */
		{ -631152000, "500101000000Z" },   /* 1950 */
		{ -631152001, "19491231235959Z" },
	};
	char buf[16];
	time_t t;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		db_format_time(cases[i].t, buf);
		ck_assert_str_eq(buf, cases[i].text);
		ck_assert_int_eq(db_parse_time(cases[i].text, &t), 0);
		ck_assert_int_eq(t, cases[i].t);
	}
	ck_assert_int_eq(db_parse_time("20240229000000Z", &t), 0);
	ck_assert_int_eq(db_parse_time("20230229000000Z", &t), HSMCA_E_PARSE);
	ck_assert_int_eq(db_parse_time("261128246000Z", &t), HSMCA_E_PARSE);
	ck_assert_int_eq(db_parse_time("2611281200000", &t), HSMCA_E_PARSE);
	ck_assert_int_eq(db_parse_time("26112812000Z", &t), HSMCA_E_PARSE);
	ck_assert_int_eq(db_parse_time("2611281200+0Z", &t), HSMCA_E_PARSE);
	ck_assert_int_eq(db_parse_time("", &t), HSMCA_E_PARSE);
}
END_TEST

static void
add_tests(TCase *tc, const TTest **tests, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		tcase_add_test(tc, tests[i]);
}

int
main(void)
{
	const TTest *index_tests[] = {
		test_openssl_index_round_trip, test_bad_five_fields,
		test_bad_seven_fields, test_bad_empty_line,
		test_bad_status_letter, test_bad_status_two_letters,
		test_bad_status_empty, test_bad_expiry_month,
		test_bad_expiry_no_z, test_bad_expiry_length,
		test_bad_expiry_feb30, test_bad_revoked_without_time,
		test_bad_valid_with_time, test_bad_revocation_time,
		test_bad_reason, test_bad_reason_empty,
		test_bad_keytime_without_value, test_bad_reason_with_value,
		test_bad_keytime_not_time, test_bad_hold_two_values,
		test_bad_serial_lower_case, test_bad_serial_empty,
		test_bad_serial_not_hex, test_bad_file_empty,
		test_bad_carriage_return, test_bad_duplicate_serial,
		test_comment_lines, test_time_format_and_parse,
		test_reason_names,
	};
	const TTest *dir_tests[] = {
		test_torn_tail_repaired_on_write, test_torn_tail_all_of_file,
		test_torn_tail_ignored_on_read, test_append_keeps_old_bytes,
		test_append_tab_in_subject, test_append_newline_in_subject,
		test_append_lower_case_serial, test_append_unique_subject,
		test_append_no_subject,
		test_append_unique_subject_batch,
		test_attr_no_allows_same_subject, test_attr_bad_value,
		test_attr_unknown_key, test_attr_no_equals, test_missing_index,
		test_revoke_rewrites_one_line, test_revoke_without_reason,
		test_revoke_unknown_serial, test_revoke_already_revoked,
		test_revoke_unknown_reason, test_revoke_extended_reason_refused,
		test_revoke_reason_openssl_rejects,
		test_revoke_needs_write,
	};
	Suite *s = suite_create("db");
	TCase *ti = tcase_create("index");
	TCase *td = tcase_create("directory");

	add_tests(ti, index_tests, sizeof(index_tests) / sizeof(*index_tests));
	add_tests(td, dir_tests, sizeof(dir_tests) / sizeof(*dir_tests));
	suite_add_tcase(s, ti);
	suite_add_tcase(s, td);
	return th_run(s);
}
