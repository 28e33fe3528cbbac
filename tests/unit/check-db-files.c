/* Unit tests for src/db-files.c and the CA directory lock: newcerts files,
 * the serial file, crlnumber, and db_open between two processes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hsmca/db.h"
#include "helpers.h"

#define GOOD_LINE "V\t261227082018Z\t\t0A\tunknown\t/CN=a/O=Test\n"

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

static void
write_crlnumber(const char *dir, const char *text)
{
	free(th_write_file(dir, "crlnumber", text, (size_t)-1));
}

static char *
read_crlnumber(const char *dir)
{
	char *path, *text;

	ck_assert_int_ne(asprintf(&path, "%s/crlnumber", dir), -1);
	text = th_read_file(path, NULL);
	free(path);
	return text;
}

START_TEST(test_crlnumber_increment)
{
	static const char *cases[][2] = { { "1000\n", "1001\n" },
	    { "ff\n", "0100\n" }, { "01\n", "02\n" }, { "0FFF\n", "1000\n" },
	    { "09\n", "0A\n" } };
	struct hsmca_error err = { 0 };
	struct hsmca_db *db;
	char *dir = make_ca("", 0), *hex, *now;
	size_t i;

	ck_assert_int_eq(db_open(dir, DB_WRITE, 1, &db, &err), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_crlnumber(dir, cases[i][0]);
		ck_assert_int_eq(db_crlnumber_next(db, &hex, &err), 0);
		/* next does not change the file */
		now = read_crlnumber(dir);
		ck_assert_str_eq(now, cases[i][0]);
		free(now);
		ck_assert_int_eq(db_crlnumber_commit(db, hex, &err), 0);
		now = read_crlnumber(dir);
		ck_assert_str_eq(now, cases[i][1]);
		free(now);
		free(hex);
	}
	db_close(db);
	th_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_crlnumber_commit_stale)
{
	struct hsmca_error err = { 0 };
	struct hsmca_db *db;
	char *dir = make_ca("", 0), *now;

	write_crlnumber(dir, "05\n");
	ck_assert_int_eq(db_open(dir, DB_WRITE, 1, &db, &err), 0);
	ck_assert_int_eq(db_crlnumber_commit(db, "04", &err),
	    HSMCA_E_INTERNAL);
	ck_assert_msg(strstr(err.msg, "crlnumber: holds 05, not 04") != NULL,
	    "%s", err.msg);
	now = read_crlnumber(dir);
	ck_assert_str_eq(now, "05\n");
	free(now);
	db_close(db);
	th_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_crlnumber_garbage)
{
	struct hsmca_error err = { 0 };
	struct hsmca_db *db;
	char *dir = make_ca("", 0), *hex = (char *)1;

	write_crlnumber(dir, "12 34\n");
	ck_assert_int_eq(db_open(dir, DB_WRITE, 1, &db, &err), 0);
	ck_assert_int_eq(db_crlnumber_next(db, &hex, &err), HSMCA_E_PARSE);
	ck_assert_ptr_null(hex);
	ck_assert_msg(strstr(err.msg, "crlnumber: expected one line of hex")
	    != NULL, "%s", err.msg);
	db_close(db);
	th_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_crlnumber_missing)
{
	struct hsmca_error err = { 0 };
	struct hsmca_db *db;
	char *dir = make_ca("", 0), *hex;

	ck_assert_int_eq(db_open(dir, DB_WRITE, 1, &db, &err), 0);
	ck_assert_int_eq(db_crlnumber_next(db, &hex, &err), HSMCA_E_NOTFOUND);
	ck_assert_msg(strstr(err.msg, "crlnumber: no such file") != NULL,
	    "%s", err.msg);
	db_close(db);
	th_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_newcert_and_serial_file)
{
	struct hsmca_error err = { 0 };
	struct hsmca_db *db;
	char *dir = make_ca("", 0), *path, *text;

	ck_assert_int_eq(db_open(dir, DB_WRITE, 1, &db, &err), 0);
	ck_assert_int_eq(db_serial_in_use(db, "7F01", &err), 0);
	ck_assert_int_eq(db_write_newcert(db, "7F01", "PEM\n", 4, &err), 0);
	ck_assert_int_eq(db_serial_in_use(db, "7F01", &err), 1);
	ck_assert_int_eq(db_write_newcert(db, "7F01", "X\n", 2, &err),
	    HSMCA_E_EXISTS);
	ck_assert_msg(strstr(err.msg, "newcerts/7F01.pem: already exists")
	    != NULL, "%s", err.msg);
	ck_assert_int_eq(asprintf(&path, "%s/newcerts/7F01.pem", dir) > 0, 1);
	text = th_read_file(path, NULL);
	ck_assert_str_eq(text, "PEM\n");
	free(text);
	free(path);
	ck_assert_int_eq(db_write_newcert(db, "7f01", "X\n", 2, &err),
	    HSMCA_E_PARSE);
	ck_assert_int_eq(db_set_next_serial(db, "0ABC", &err), 0);
	ck_assert_int_eq(asprintf(&path, "%s/serial", dir) > 0, 1);
	text = th_read_file(path, NULL);
	ck_assert_str_eq(text, "0ABC\n");
	free(text);
	free(path);
	db_close(db);
	th_rmrf(dir);
	free(dir);
}
END_TEST

/* A child holds the lock (exclusive or shared) until the parent writes to
 * its pipe; the parent's db_open with timeout waits, then fails. */
static void
lock_conflict(int child_flags, int parent_flags)
{
	int ready[2], go[2], status;
	struct hsmca_error err = { 0 };
	struct hsmca_db *db;
	struct timespec a, b;
	char *dir = make_ca(GOOD_LINE, (size_t)-1), c;
	pid_t pid;
	double waited;

	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(go), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		if (db_open(dir, child_flags, 1, &db, &err) < 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		db_close(db);
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(db_open(dir, parent_flags, 1, &db, &err),
	    HSMCA_E_LOCKED);
	clock_gettime(CLOCK_MONOTONIC, &b);
	waited = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	ck_assert_msg(waited >= 0.9 && waited < 5, "waited %f s", waited);
	ck_assert_ptr_null(db);
	ck_assert_msg(strstr(err.msg, ": locked by another hsmca") != NULL &&
	    strncmp(err.msg, dir, strlen(dir)) == 0, "%s", err.msg);
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* released: now it opens at once */
	ck_assert_int_eq(db_open(dir, parent_flags, 0, &db, &err), 0);
	db_close(db);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
	th_rmrf(dir);
	free(dir);
}

START_TEST(test_lock_writer_blocks_writer)
{
	lock_conflict(DB_WRITE, DB_WRITE);
}
END_TEST

START_TEST(test_lock_writer_blocks_reader)
{
	lock_conflict(DB_WRITE, DB_READ);
}
END_TEST

START_TEST(test_lock_reader_blocks_writer)
{
	lock_conflict(DB_READ, DB_WRITE);
}
END_TEST

START_TEST(test_lock_readers_share)
{
	struct hsmca_error err = { 0 };
	struct hsmca_db *a, *b;
	char *dir = make_ca(GOOD_LINE, (size_t)-1);

	ck_assert_int_eq(db_open(dir, DB_READ, 0, &a, &err), 0);
	ck_assert_int_eq(db_open(dir, DB_READ, 0, &b, &err), 0);
	db_close(a);
	db_close(b);
	th_rmrf(dir);
	free(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("db-files");
	TCase *tc = tcase_create("files");
	TCase *tl = tcase_create("lock");

	tcase_add_test(tc, test_crlnumber_increment);
	tcase_add_test(tc, test_crlnumber_commit_stale);
	tcase_add_test(tc, test_crlnumber_garbage);
	tcase_add_test(tc, test_crlnumber_missing);
	tcase_add_test(tc, test_newcert_and_serial_file);
	tcase_add_test(tl, test_lock_writer_blocks_writer);
	tcase_add_test(tl, test_lock_writer_blocks_reader);
	tcase_add_test(tl, test_lock_reader_blocks_writer);
	tcase_add_test(tl, test_lock_readers_share);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tl);
	return th_run(s);
}
