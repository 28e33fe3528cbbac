/* Unit tests for src/fileio.c: bounded reads, atomic replacement that
 * leaves the old file on failure (a file size limit in a forked child),
 * durable appends that take back a failed write, and the lock. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hsmca/fileio.h"
#include "helpers.h"

/* Number of entries in dir besides . and .. */
static int
count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

START_TEST(test_read_bounded)
{
	struct hsmca_error err = { 0 };
	char *dir = th_tmpdir(), *path, *buf = (char *)1;
	size_t len = 7;

	path = th_write_file(dir, "f", "0123456789", (size_t)-1);
	ck_assert_int_eq(fileio_read(path, 9, &buf, &len, &err), HSMCA_E_IO);
	ck_assert_ptr_null(buf);
	ck_assert_uint_eq(len, 0);
	ck_assert_msg(strstr(err.msg, "/f: file too large (more than 9 bytes)")
	    != NULL, "%s", err.msg);
	ck_assert_int_eq(fileio_read(path, 10, &buf, &len, &err), 0);
	ck_assert_uint_eq(len, 10);
	ck_assert_str_eq(buf, "0123456789");
	free(buf);
	free(path);
	th_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_read_missing)
{
	struct hsmca_error err = { 0 };
	char *buf;
	size_t len;

	ck_assert_int_eq(fileio_read("/nonexistent/x", 10, &buf, &len, &err),
	    HSMCA_E_NOTFOUND);
	ck_assert_str_eq(err.msg, "/nonexistent/x: no such file");
}
END_TEST

START_TEST(test_read_directory)
{
	struct hsmca_error err = { 0 };
	char *dir = th_tmpdir(), *buf;
	size_t len;

	ck_assert_int_eq(fileio_read(dir, 10, &buf, &len, &err), HSMCA_E_IO);
	ck_assert_msg(strstr(err.msg, ": is a directory") != NULL, "%s",
	    err.msg);
	th_rmrf(dir);
	free(dir);
}
END_TEST

/* A pipe (as /dev/stdin) has no size: read to EOF, still bounded. */
static void
read_pipe(size_t n, size_t max, int want)
{
	struct hsmca_error err = { 0 };
	char *buf = NULL, *path, *chunk = malloc(n);
	int fd[2], status;
	size_t len;
	pid_t pid;

	ck_assert_ptr_nonnull(chunk);
	memset(chunk, 'p', n);
	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		close(fd[0]);
		_exit(write(fd[1], chunk, n) == (ssize_t)n ? 0 : 1);
	}
	close(fd[1]);
	ck_assert_int_ne(asprintf(&path, "/dev/fd/%d", fd[0]), -1);
	ck_assert_int_eq(fileio_read(path, max, &buf, &len, &err), want);
	if (want == 0) {
		ck_assert_uint_eq(len, n);
		ck_assert_int_eq(buf[n], '\0');
	} else {
		ck_assert_msg(strstr(err.msg, "file too large (more than") !=
		    NULL, "%s", err.msg);
	}
	close(fd[0]);
	waitpid(pid, &status, 0);
	free(buf);
	free(path);
	free(chunk);
}

START_TEST(test_read_pipe)
{
	read_pipe(10000, 10000, 0);
}
END_TEST

START_TEST(test_read_pipe_too_large)
{
	read_pipe(10001, 10000, HSMCA_E_IO);
}
END_TEST

START_TEST(test_write_atomic_replaces)
{
	struct hsmca_error err = { 0 };
	char *dir = th_tmpdir(), *path, *text;
	struct stat st;

	path = th_write_file(dir, "f", "old\n", (size_t)-1);
	ck_assert_int_eq(fileio_write_atomic(path, "new\n", 4, 0640, &err), 0);
	text = th_read_file(path, NULL);
	ck_assert_str_eq(text, "new\n");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(count_files(dir), 1);
	free(text);
	free(path);
	th_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_write_atomic_missing_dir)
{
	struct hsmca_error err = { 0 };
	char *dir = th_tmpdir(), *path;

	ck_assert_int_ne(asprintf(&path, "%s/no/f", dir), -1);
	ck_assert_int_eq(fileio_write_atomic(path, "x", 1, 0644, &err),
	    HSMCA_E_IO);
	ck_assert_msg(strstr(err.msg, "/no/f: No such file or directory") !=
	    NULL, "%s", err.msg);
	free(path);
	th_rmrf(dir);
	free(dir);
}
END_TEST

/* Run fn in a child whose file size limit is 1 KiB (as `ulimit -f`), and
 * return its exit status. */
static int
with_fsize_limit(int (*fn)(const char *), const char *path)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		struct rlimit rl = { 1024, 1024 };

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(99);
		_exit(fn(path));
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int
big_atomic_write(const char *path)
{
	static char big[64 * 1024];
	struct hsmca_error err = { 0 };

	memset(big, 'x', sizeof(big));
	if (fileio_write_atomic(path, big, sizeof(big), 0644, &err) !=
	    HSMCA_E_IO)
		return 1;
	if (strstr(err.msg, "File too large") == NULL ||
	    strncmp(err.msg, path, strlen(path)) != 0)
		return 2;
	return 0;
}

START_TEST(test_write_atomic_failure_keeps_old)
{
	char *dir = th_tmpdir(), *path, *text;

	path = th_write_file(dir, "index.txt", "old\n", (size_t)-1);
	ck_assert_int_eq(with_fsize_limit(big_atomic_write, path), 0);
	text = th_read_file(path, NULL);
	ck_assert_str_eq(text, "old\n");
	ck_assert_int_eq(count_files(dir), 1);   /* no temporary left */
	free(text);
	free(path);
	th_rmrf(dir);
	free(dir);
}
END_TEST

static int
big_append(const char *path)
{
	static char big[4096];
	struct hsmca_error err = { 0 };
	int fd = open(path, O_WRONLY | O_APPEND), r;

	if (fd < 0)
		return 3;
	memset(big, 'y', sizeof(big));
	r = fileio_append_durable(fd, path, big, sizeof(big), &err);
	close(fd);
	if (r != HSMCA_E_IO)
		return 1;
	return strstr(err.msg, "File too large") != NULL ? 0 : 2;
}

START_TEST(test_append_failure_takes_back)
{
	char *dir = th_tmpdir(), *path, *text;
	size_t len;

	path = th_write_file(dir, "index.txt", "line1\n", (size_t)-1);
	ck_assert_int_eq(with_fsize_limit(big_append, path), 0);
	text = th_read_file(path, &len);
	ck_assert_uint_eq(len, 6);
	ck_assert_str_eq(text, "line1\n");
	free(text);
	free(path);
	th_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_append)
{
	struct hsmca_error err = { 0 };
	char *dir = th_tmpdir(), *path, *text;
	int fd;

	path = th_write_file(dir, "f", "a\n", (size_t)-1);
	fd = open(path, O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fileio_append_durable(fd, path, "b\nc\n", 4, &err), 0);
	close(fd);
	text = th_read_file(path, NULL);
	ck_assert_str_eq(text, "a\nb\nc\n");
	free(text);
	free(path);
	th_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_lock_exclusive_timeout)
{
	struct hsmca_error err = { 0 };
	char *dir = th_tmpdir(), *path;
	int fd, fd2, status;
	pid_t pid;

	ck_assert_int_ne(asprintf(&path, "%s/.lock", dir), -1);
	ck_assert_int_eq(fileio_lock(path, true, 0, &fd, &err), 0);
	/* flock locks belong to the open file: another process must wait */
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		int r = fileio_lock(path, false, 1, &fd2, &err);

		_exit(r == HSMCA_E_LOCKED &&
		    strstr(err.msg, ".lock: locked by another hsmca") ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fileio_unlock(fd);
	ck_assert_int_eq(fileio_lock(path, true, 0, &fd, &err), 0);
	fileio_unlock(fd);
	fileio_unlock(-1);
	free(path);
	th_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_fsync_dir_not_dir)
{
	struct hsmca_error err = { 0 };
	char *dir = th_tmpdir(), *path;

	path = th_write_file(dir, "f", "x", (size_t)-1);
	ck_assert_int_eq(fileio_fsync_dir(path, &err), HSMCA_E_IO);
	ck_assert_msg(strstr(err.msg, "/f: Not a directory") != NULL, "%s",
	    err.msg);
	ck_assert_int_eq(fileio_fsync_dir(dir, &err), 0);
	ck_assert_int_eq(fileio_exists(path, &err), 1);
	free(path);
	th_rmrf(dir);
	free(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("fileio");
	TCase *tc = tcase_create("fileio");

	tcase_add_test(tc, test_read_bounded);
	tcase_add_test(tc, test_read_missing);
	tcase_add_test(tc, test_read_directory);
	tcase_add_test(tc, test_read_pipe);
	tcase_add_test(tc, test_read_pipe_too_large);
	tcase_add_test(tc, test_write_atomic_replaces);
	tcase_add_test(tc, test_write_atomic_missing_dir);
	tcase_add_test(tc, test_write_atomic_failure_keeps_old);
	tcase_add_test(tc, test_append_failure_takes_back);
	tcase_add_test(tc, test_append);
	tcase_add_test(tc, test_lock_exclusive_timeout);
	tcase_add_test(tc, test_fsync_dir_not_dir);
	suite_add_tcase(s, tc);
	return th_run(s);
}
