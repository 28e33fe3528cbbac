/* Unit tests for src/fileio.c: bounded reads, atomic replacement that
 * leaves the old file on failure (a file size limit in a forked child),
 * durable appends that take back a failed write, and the lock; outputs
 * the user named (devices, FIFOs, sockets written in place, symlinks
 * followed) and CA directory files that refuse a planted symlink. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
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

/* A path under dir; malloc'ed. */
static char *
path_in(const char *dir, const char *name)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
	return p;
}

static mode_t
type_of(const char *path)
{
	struct stat st;

	ck_assert_int_eq(lstat(path, &st), 0);
	return st.st_mode & S_IFMT;
}

/* A character device with /dev/null's numbers, made in dir: the real
 * /dev/null is never the test's target (a broken fix would replace it). */
START_TEST(test_output_char_device)
{
	struct hsmca_error err = { 0 };
	char *dir = th_tmpdir(), *dev = path_in(dir, "null");
	struct stat null;

	ck_assert_int_eq(stat("/dev/null", &null), 0);
	if (mknod(dev, S_IFCHR | 0666, null.st_rdev) < 0) {
		/* not root: nothing to test here */
		th_rmrf(dir);
		free(dir);
		free(dev);
		return;
	}
	ck_assert_int_eq(fileio_write_output(dev, "cert\n", 5, 0644, &err), 0);
	ck_assert_uint_eq(type_of(dev), S_IFCHR);
	ck_assert_int_eq(count_files(dir), 1);
	th_rmrf(dir);
	free(dir);
	free(dev);
}
END_TEST

START_TEST(test_output_fifo)
{
	struct hsmca_error err = { 0 };
	char *dir = th_tmpdir(), *fifo = path_in(dir, "fifo"), buf[16];
	int rd;

	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	/* a reader first, so that the writer's open does not wait */
	rd = open(fifo, O_RDONLY | O_NONBLOCK);
	ck_assert_int_ge(rd, 0);
	ck_assert_int_eq(fileio_write_output(fifo, "cert\n", 5, 0644, &err), 0);
	ck_assert_int_eq(read(rd, buf, sizeof(buf)), 5);
	ck_assert_int_eq(memcmp(buf, "cert\n", 5), 0);
	close(rd);
	ck_assert_uint_eq(type_of(fifo), S_IFIFO);
	ck_assert_int_eq(count_files(dir), 1);
	th_rmrf(dir);
	free(dir);
	free(fifo);
}
END_TEST

/* The reader takes a few bytes and goes away: the write fails with EPIPE,
 * reported, instead of SIGPIPE killing the process. */
START_TEST(test_output_fifo_reader_gone)
{
	struct hsmca_error err = { 0 };
	char *dir = th_tmpdir(), *fifo = path_in(dir, "fifo"), buf[10];
	size_t big = 1 << 20;
	char *data = calloc(1, big);
	pid_t pid;
	int st, rd;

	ck_assert_ptr_nonnull(data);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		rd = open(fifo, O_RDONLY);
		_exit(rd >= 0 && read(rd, buf, sizeof(buf)) > 0 ? 0 : 1);
	}
	ck_assert_int_eq(fileio_write_output(fifo, data, big, 0644, &err),
	    HSMCA_E_IO);
	ck_assert_msg(strstr(err.msg, "/fifo: Broken pipe") != NULL, "%s",
	    err.msg);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_uint_eq(type_of(fifo), S_IFIFO);
	free(data);
	th_rmrf(dir);
	free(dir);
	free(fifo);
}
END_TEST

START_TEST(test_output_socket)
{
	struct hsmca_error err = { 0 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *dir = th_tmpdir(), *sock = path_in(dir, "sock"), buf[16];
	int l, c;

	ck_assert_uint_lt(strlen(sock), sizeof(sa.sun_path));
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(l, 0);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	/* the backlog takes the connection; the socket buffer the bytes */
	ck_assert_int_eq(fileio_write_output(sock, "cert\n", 5, 0644, &err), 0);
	c = accept(l, NULL, NULL);
	ck_assert_int_ge(c, 0);
	ck_assert_int_eq(read(c, buf, sizeof(buf)), 5);
	ck_assert_int_eq(memcmp(buf, "cert\n", 5), 0);
	close(c);
	close(l);
	ck_assert_uint_eq(type_of(sock), S_IFSOCK);
	th_rmrf(dir);
	free(dir);
	free(sock);
}
END_TEST

/* dir/<link> -> other/<target>, the target holding text. */
struct linked {
	char *dir, *other, *target, *link;
};

static void
linked_make(struct linked *l, const char *link, const char *target,
    const char *text)
{
	l->dir = th_tmpdir();
	l->other = th_tmpdir();
	l->target = th_write_file(l->other, target, text, (size_t)-1);
	l->link = path_in(l->dir, link);
	ck_assert_int_eq(symlink(l->target, l->link), 0);
}

/* The link is still a link, its target holds want, and neither directory
 * holds anything else (no temporary file left behind). */
static void
linked_check_free(struct linked *l, const char *want)
{
	char *got = th_read_file(l->target, NULL);

	ck_assert_uint_eq(type_of(l->link), S_IFLNK);
	ck_assert_str_eq(got, want);
	ck_assert_int_eq(count_files(l->dir), 1);
	ck_assert_int_eq(count_files(l->other), 1);
	free(got);
	th_rmrf(l->dir);
	th_rmrf(l->other);
	free(l->dir);
	free(l->other);
	free(l->target);
	free(l->link);
}

/* A link to a file in another directory: the target is replaced there,
 * the link stays. */
START_TEST(test_output_symlink)
{
	struct hsmca_error err = { 0 };
	struct linked l;

	linked_make(&l, "link.crt", "real.crt", "old\n");
	ck_assert_int_eq(fileio_write_output(l.link, "new\n", 4, 0644, &err),
	    0);
	linked_check_free(&l, "new\n");
}
END_TEST

/* A relative link to a link to a file that does not exist yet: the file
 * is made where the chain ends. */
START_TEST(test_output_dangling_symlink_chain)
{
	struct hsmca_error err = { 0 };
	char *dir = th_tmpdir(), *a = path_in(dir, "a"), *b = path_in(dir, "b");
	char *c = path_in(dir, "c"), *got;

	ck_assert_int_eq(symlink("b", a), 0);
	ck_assert_int_eq(symlink("c", b), 0);
	ck_assert_int_eq(fileio_write_output(a, "new\n", 4, 0644, &err), 0);
	ck_assert_uint_eq(type_of(a), S_IFLNK);
	ck_assert_uint_eq(type_of(b), S_IFLNK);
	ck_assert_uint_eq(type_of(c), S_IFREG);
	got = th_read_file(c, NULL);
	ck_assert_str_eq(got, "new\n");
	free(got);
	th_rmrf(dir);
	free(dir);
	free(a);
	free(b);
	free(c);
}
END_TEST

START_TEST(test_output_symlink_loop)
{
	struct hsmca_error err = { 0 };
	char *dir = th_tmpdir(), *a = path_in(dir, "a"), *b = path_in(dir, "b");

	ck_assert_int_eq(symlink("b", a), 0);
	ck_assert_int_eq(symlink("a", b), 0);
	ck_assert_int_eq(fileio_write_output(a, "x", 1, 0644, &err),
	    HSMCA_E_IO);
	ck_assert_int_eq(count_files(dir), 2);
	th_rmrf(dir);
	free(dir);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_output_regular)
{
	struct hsmca_error err = { 0 };
	char *dir = th_tmpdir(), *f = th_write_file(dir, "f", "old", 3), *got;
	char *n = path_in(dir, "new");
	struct stat st;

	ck_assert_int_eq(fileio_write_output(f, "new\n", 4, 0644, &err), 0);
	got = th_read_file(f, NULL);
	ck_assert_str_eq(got, "new\n");
	free(got);
	ck_assert_int_eq(fileio_write_output(n, "x", 1, 0644, &err), 0);
	ck_assert_int_eq(stat(n, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(count_files(dir), 2);
	ck_assert_int_eq(fileio_write_output(dir, "x", 1, 0644, &err),
	    HSMCA_E_IO);
	ck_assert_msg(strstr(err.msg, ": is a directory") != NULL, "%s",
	    err.msg);
	th_rmrf(dir);
	free(dir);
	free(f);
	free(n);
}
END_TEST

/* A symlink planted in the CA directory is refused by the atomic writer
 * and by fileio_open_record: neither the link nor its target changes. */
START_TEST(test_record_refuses_symlink)
{
	struct hsmca_error err = { 0 };
	struct linked l;

	linked_make(&l, "index.txt", "victim", "keep\n");
	ck_assert_int_eq(fileio_write_atomic(l.link, "x", 1, 0600, &err),
	    HSMCA_E_IO);
	ck_assert_msg(strstr(err.msg, "index.txt: is a symbolic link") !=
	    NULL, "%s", err.msg);
	ck_assert_int_eq(fileio_open_record(l.link, O_WRONLY | O_APPEND, 0,
	    &err), HSMCA_E_IO);
	ck_assert_msg(strstr(err.msg, "index.txt: is a symbolic link") !=
	    NULL, "%s", err.msg);
	ck_assert_int_eq(fileio_check_record(l.link, &err), HSMCA_E_IO);
	linked_check_free(&l, "keep\n");
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
	tcase_add_test(tc, test_output_char_device);
	tcase_add_test(tc, test_output_fifo);
	tcase_add_test(tc, test_output_fifo_reader_gone);
	tcase_add_test(tc, test_output_socket);
	tcase_add_test(tc, test_output_symlink);
	tcase_add_test(tc, test_output_dangling_symlink_chain);
	tcase_add_test(tc, test_output_symlink_loop);
	tcase_add_test(tc, test_output_regular);
	tcase_add_test(tc, test_record_refuses_symlink);
	suite_add_tcase(s, tc);
	return th_run(s);
}
