/* see hsmca/fileio.h */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hsmca/fileio.h"

static int
io_error(struct hsmca_error *err, const char *path, int e)
{
	return hsmca_error_set(err, HSMCA_E_IO, "%s: %s", path, strerror(e));
}

/* write() all of data, retrying on EINTR and short writes. */
static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read fd to its end into a buffer that grows to at most max + 1 bytes:
 * for pipes and devices, whose size fstat does not know. */
static int
read_stream(int fd, const char *path, size_t max_bytes, char **buf,
    size_t *len, struct hsmca_error *err)
{
	size_t cap = 0, got = 0;
	char *data = NULL, *p;
	ssize_t n;

	for (;;) {
		if (got == cap) {
			cap = cap ? cap * 2 : 4096;
			if (cap > max_bytes + 1)
				cap = max_bytes + 1;
			if ((p = realloc(data, cap + 1)) == NULL) {
				free(data);
				return hsmca_error_set(err, HSMCA_E_NOMEM,
				    "%s: out of memory", path);
			}
			data = p;
		}
		n = read(fd, data + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(data);
			return io_error(err, path, errno);
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > max_bytes) {
			free(data);
			return hsmca_error_set(err, HSMCA_E_IO,
			    "%s: file too large (more than %zu bytes)", path,
			    max_bytes);
		}
	}
	data[got] = '\0';
	*buf = data;
	*len = got;
	return 0;
}

/* Read a regular file of st_size bytes, plus one byte to notice a file
 * that grew while we read it. */
static int
read_regular(int fd, const char *path, size_t size, char **buf, size_t *len,
    struct hsmca_error *err)
{
	char *data = malloc(size + 1);
	size_t got = 0;
	ssize_t n;

	if (data == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "%s: out of memory",
		    path);
	for (;;) {
		n = read(fd, data + got, size + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(data);
			return io_error(err, path, errno);
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > size) {
			free(data);
			return hsmca_error_set(err, HSMCA_E_IO,
			    "%s: file changed while being read", path);
		}
	}
	data[got] = '\0';
	*buf = data;
	*len = got;
	return 0;
}

int
fileio_read(const char *path, size_t max_bytes, char **buf, size_t *len,
    struct hsmca_error *err)
{
	struct stat st;
	int fd, r;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return hsmca_error_set(err, HSMCA_E_NOTFOUND,
			    "%s: no such file", path);
		return io_error(err, path, errno);
	}
	if (fstat(fd, &st) < 0)
		r = io_error(err, path, errno);
	else if (S_ISDIR(st.st_mode))
		r = hsmca_error_set(err, HSMCA_E_IO, "%s: is a directory",
		    path);
	else if (!S_ISREG(st.st_mode))
		r = read_stream(fd, path, max_bytes, buf, len, err);
	else if ((unsigned long long)st.st_size > max_bytes)
		r = hsmca_error_set(err, HSMCA_E_IO,
		    "%s: file too large (more than %zu bytes)", path, max_bytes);
	else
		r = read_regular(fd, path, (size_t)st.st_size, buf, len, err);
	close(fd);
	return r;
}

/* Directory part of path ("." when there is none); malloc'ed. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

int
fileio_fsync_dir(const char *dir, struct hsmca_error *err)
{
	int fd, r = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return io_error(err, dir, errno);
	if (fsync(fd) < 0 && errno != EINVAL)
		r = io_error(err, dir, errno);
	close(fd);
	return r;
}

int
fileio_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, struct hsmca_error *err)
{
	return fileio_write_atomic_opts(path, data, len, mode, 0, err);
}

/* A CA directory file is written only where a regular file (or nothing)
 * is: a symbolic link planted there is refused, not followed or replaced,
 * and so is a device or FIFO. */
int
fileio_check_record(const char *path, struct hsmca_error *err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : io_error(err, path, errno);
	if (S_ISLNK(st.st_mode))
		return hsmca_error_set(err, HSMCA_E_IO, "%s: is a symbolic link "
		    "(refused: a CA directory file is never written through "
		    "one)", path);
	if (!S_ISREG(st.st_mode))
		return hsmca_error_set(err, HSMCA_E_IO, "%s: not a regular "
		    "file (refused in the CA directory)", path);
	return 0;
}

int
fileio_open_record(const char *path, int flags, mode_t mode,
    struct hsmca_error *err)
{
	int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, mode), e, r;

	if (fd >= 0)
		return fd;
	e = errno;
	if (e == ELOOP && (r = fileio_check_record(path, err)) != 0)
		return r;
	if (e == ENOENT)
		return hsmca_error_set(err, HSMCA_E_NOTFOUND, "%s: no such file",
		    path);
	return io_error(err, path, e);
}

int
fileio_write_atomic_opts(const char *path, const void *data, size_t len,
    mode_t mode, unsigned flags, struct hsmca_error *err)
{
	char *tmp = NULL, *dir = NULL;
	int fd = -1, r;

	if ((r = fileio_check_record(path, err)) != 0)
		return r;
	dir = dir_of(path);
	if (dir == NULL || asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0) {
		tmp = NULL;
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "%s: out of memory",
		    path);
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = io_error(err, path, errno);
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (write_all(fd, data, len) < 0 || fchmod(fd, mode) < 0 ||
	    (!(flags & FILEIO_NO_FSYNC) && fsync(fd) < 0)) {
		r = io_error(err, path, errno);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		r = io_error(err, path, errno);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		r = io_error(err, path, errno);
		goto out;
	}
	free(tmp);
	tmp = NULL;
	r = (flags & (FILEIO_NO_FSYNC | FILEIO_NO_DIRSYNC)) ? 0 :
	    fileio_fsync_dir(dir, err);
out:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(dir);
	return r;
}

/* Follow the chain of symbolic links that starts at path to the name it
 * ends at, which need not exist (a dangling link: the file is made where
 * it points).  On success *out is malloc'ed. */
static int
follow_links(const char *path, char **out, struct hsmca_error *err)
{
	char target[PATH_MAX], *cur = strdup(path), *next, *dir;
	struct stat st;
	ssize_t n;
	int hops, r;

	for (hops = 0; cur != NULL; hops++) {
		if (lstat(cur, &st) < 0 || !S_ISLNK(st.st_mode)) {
			*out = cur;
			return 0;
		}
		if (hops == 40 || (n = readlink(cur, target,
		    sizeof(target) - 1)) < 0) {
			r = io_error(err, path, hops == 40 ? ELOOP : errno);
			free(cur);
			return r;
		}
		target[n] = '\0';
		next = NULL;
		if (target[0] == '/')
			next = strdup(target);
		else if ((dir = dir_of(cur)) != NULL) {
			if (asprintf(&next, "%s/%s", dir, target) < 0)
				next = NULL;
			free(dir);
		}
		free(cur);
		cur = next;
	}
	return hsmca_error_set(err, HSMCA_E_NOMEM, "%s: out of memory", path);
}

/* Connect to the listening Unix socket at path, whatever its type. */
static int
connect_socket(const char *path, struct hsmca_error *err)
{
	static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t i;
	int fd, e = EPROTOTYPE;

	if (strlen(path) >= sizeof(sa.sun_path))
		return hsmca_error_set(err, HSMCA_E_IO, "%s: socket path too "
		    "long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if ((fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0)) < 0)
			return io_error(err, path, errno);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		e = errno;
		close(fd);
		if (e != EPROTOTYPE)
			break;
	}
	return io_error(err, path, e);
}

/* write_all() with SIGPIPE held back, so that a FIFO or socket whose
 * reader went away is an error to report (EPIPE), not a silent death of
 * the process after the certificate has been recorded. */
static int
write_all_nosigpipe(int fd, const void *data, size_t len)
{
	const struct timespec zero = { 0, 0 };
	sigset_t pipe_set, old;
	int r, e;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	if (pthread_sigmask(SIG_BLOCK, &pipe_set, &old) != 0)
		return write_all(fd, data, len);
	r = write_all(fd, data, len);
	e = errno;
	if (r < 0 && e == EPIPE && !sigismember(&old, SIGPIPE))
		(void)sigtimedwait(&pipe_set, NULL, &zero);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return r;
}

/* Write data into the existing character device, FIFO or socket at path,
 * as cat would: no temporary file, no truncation, nothing replaced. */
static int
write_in_place(const char *path, const struct stat *st, const void *data,
    size_t len, struct hsmca_error *err)
{
	struct stat now;
	int fd, r = 0;

	if (S_ISDIR(st->st_mode))
		return hsmca_error_set(err, HSMCA_E_IO, "%s: is a directory",
		    path);
	if (S_ISSOCK(st->st_mode)) {
		if ((fd = connect_socket(path, err)) < 0)
			return fd;
	} else if (S_ISCHR(st->st_mode) || S_ISFIFO(st->st_mode)) {
		if ((fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC)) < 0)
			return io_error(err, path, errno);
	} else {
		return hsmca_error_set(err, HSMCA_E_IO, "%s: is a block device "
		    "(refused)", path);
	}
	if (fstat(fd, &now) < 0 || S_ISREG(now.st_mode))
		r = hsmca_error_set(err, HSMCA_E_IO, "%s: changed while being "
		    "opened", path);
	else if (write_all_nosigpipe(fd, data, len) < 0)
		r = io_error(err, path, errno);
	if (close(fd) < 0 && r == 0)
		r = io_error(err, path, errno);
	return r;
}

int
fileio_write_output(const char *path, const void *data, size_t len,
    mode_t mode, struct hsmca_error *err)
{
	struct stat st;
	char *final = NULL;
	int r;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_in_place(path, &st, data, len, err);
	if ((r = follow_links(path, &final, err)) != 0)
		return r;
	r = fileio_write_atomic_opts(final, data, len, mode, FILEIO_NO_FSYNC,
	    err);
	free(final);
	return r;
}

int
fileio_append_durable(int fd, const char *name, const void *data,
    size_t len, struct hsmca_error *err)
{
	struct stat st;
	int e;

	if (fstat(fd, &st) < 0)
		return io_error(err, name, errno);
	if (write_all(fd, data, len) < 0) {
		e = errno;
		/* Take back whatever part of the write landed. */
		if (ftruncate(fd, st.st_size) == 0)
			(void)fsync(fd);
		return io_error(err, name, e);
	}
	if (fsync(fd) < 0) {
		e = errno;
		if (ftruncate(fd, st.st_size) == 0)
			(void)fsync(fd);
		return io_error(err, name, e);
	}
	return 0;
}

int
fileio_lock(const char *path, bool exclusive, unsigned timeout_s, int *fd,
    struct hsmca_error *err)
{
	const struct timespec pause = { 0, 50 * 1000 * 1000 };
	struct timespec start, now;
	int lfd;

	*fd = -1;
	lfd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lfd < 0 && errno == EACCES && !exclusive)
		lfd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (lfd < 0)
		return io_error(err, path, errno);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (flock(lfd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int e = errno;

			close(lfd);
			return io_error(err, path, e);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000 >=
		    (long long)timeout_s * 1000) {
			close(lfd);
			return hsmca_error_set(err, HSMCA_E_LOCKED,
			    "%s: locked by another hsmca", path);
		}
		nanosleep(&pause, NULL);
	}
	*fd = lfd;
	return 0;
}

void
fileio_unlock(int fd)
{
	if (fd < 0)
		return;
	(void)flock(fd, LOCK_UN);
	close(fd);
}

int
fileio_exists(const char *path, struct hsmca_error *err)
{
	struct stat st;

	if (stat(path, &st) == 0)
		return 1;
	if (errno == ENOENT || errno == ENOTDIR)
		return 0;
	return io_error(err, path, errno);
}

/* syncfs() the file system that holds path: everything written to it so
 * far is durable (and a writeback error is reported, Linux >= 5.8). */
static int
sync_fs(const char *path, struct hsmca_error *err)
{
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return io_error(err, path, errno);
	if (syncfs(fd) < 0)
		r = io_error(err, path, errno);
	close(fd);
	return r;
}

/* Start writeback of path (start) or wait for it and fsync (!start). */
static int
sync_one(const char *path, bool start, struct hsmca_error *err)
{
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return io_error(err, path, errno);
	if (start)
		(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	else if (fsync(fd) < 0)
		r = io_error(err, path, errno);
	close(fd);
	return r;
}

int
fileio_sync_files(const char *dir, char *const *paths, size_t n,
    struct hsmca_error *err)
{
	size_t i;
	int r = 0;

	if (n > FILEIO_SYNC_EACH_MAX)
		r = sync_fs(dir, err);
	for (i = 0; n <= FILEIO_SYNC_EACH_MAX && i < n && r == 0; i++)
		r = sync_one(paths[i], true, err);
	for (i = 0; n <= FILEIO_SYNC_EACH_MAX && i < n && r == 0; i++)
		r = sync_one(paths[i], false, err);
	return r != 0 ? r : fileio_fsync_dir(dir, err);
}
