/* hsmca — file primitives for the CA directory: bounded reads, atomic
 * replacement, durable appends, and the directory lock.
 *
 * libc only (STYLE §4.1).  Every function returns 0 or a negative HSMCA_E_*
 * code and, on failure, fills err (when non-NULL) with one line naming the
 * path at fault and the system's reason.  Nothing here prints.
 */
#ifndef HSMCA_FILEIO_H
#define HSMCA_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "hsmca/err.h"

/* Read the whole of path into a fresh malloc'ed buffer of *len bytes plus a
 * terminating NUL (not counted in *len); the caller frees *buf.  A regular
 * file larger than max_bytes is refused with HSMCA_E_IO "PATH: file too
 * large (more than N bytes)" before anything is allocated for it; a pipe or
 * device ("/dev/stdin") is read until EOF and refused the same way once it
 * gives more than max_bytes.  A directory is HSMCA_E_IO "PATH: is a
 * directory".
 * Returns 0, HSMCA_E_NOTFOUND (no such file), HSMCA_E_IO or HSMCA_E_NOMEM;
 * on failure *buf is NULL. */
int fileio_read(const char *path, size_t max_bytes, char **buf, size_t *len,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Replace path, a file of the CA directory, with exactly len bytes of
 * data, atomically: a temporary file
 * made with mkstemp in the same directory, written, given mode (exactly,
 * with fchmod), fsync'ed, renamed over path, then the directory fsync'ed.
 * On any failure (disk full, file size limit, permissions) the old file is
 * left as it was, the temporary file is removed, and err names path and the
 * reason ("PATH: No space left on device").  A symbolic link, device or
 * FIFO at path is refused (HSMCA_E_IO "PATH: is a symbolic link ..."),
 * never followed or replaced: see fileio_write_output() for paths the user
 * named.  Returns 0 or HSMCA_E_IO / HSMCA_E_NOMEM. */
int fileio_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* May path, a file of the CA directory, be written?  0 when it is a
 * regular file or missing; HSMCA_E_IO "PATH: is a symbolic link (refused:
 * ...)" for a planted link, "PATH: not a regular file ..." for anything
 * else.  The writers below check too; this lets a command refuse before it
 * touches the token. */
int fileio_check_record(const char *path, struct hsmca_error *err)
	HSMCA_MUST_CHECK;

/* open() a file of the CA directory with flags (O_CLOEXEC and O_NOFOLLOW
 * added) and mode: a symbolic link planted there is refused with
 * HSMCA_E_IO "PATH: is a symbolic link ...", not followed.  Returns the
 * fd, HSMCA_E_NOTFOUND (no such file) or HSMCA_E_IO, with err naming
 * path. */
int fileio_open_record(const char *path, int flags, mode_t mode,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* fileio_write_atomic() with flags:
 *   FILEIO_NO_DIRSYNC  skip the directory fsync: the caller fsyncs the
 *                      directory once after a batch of files;
 *   FILEIO_NO_FSYNC    neither fsync: still atomic (rename), not durable;
 *                      for copies handed to the user, never for the CA
 *                      directory's own records. */
enum {
	FILEIO_NO_DIRSYNC = 1 << 0,
	FILEIO_NO_FSYNC = 1 << 1,
};
int fileio_write_atomic_opts(const char *path, const void *data, size_t len,
    mode_t mode, unsigned flags, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Write len bytes of data to a path the user named (an --out option), the
 * way the user means it:
 *   - an existing character device, FIFO or socket is opened (a socket
 *     connected to) and written as it is, never replaced (a FIFO's open
 *     waits for its reader, as the shell's '>' does; a reader that goes
 *     away is HSMCA_E_IO "PATH: Broken pipe", with SIGPIPE held back); a
 *     block device or a directory is refused;
 *   - a symbolic link is followed (through any chain of links) and the
 *     file it ends at is replaced atomically in that file's own directory
 *     (created with mode when missing); the link itself is kept;
 *   - a regular file, or no file, is replaced atomically with mode, as
 *     fileio_write_atomic_opts(FILEIO_NO_FSYNC): the durable record is
 *     the CA directory's, this is the user's copy.
 * "-" is not special here (standard output is the command layer's).
 * Returns 0 or HSMCA_E_IO / HSMCA_E_NOMEM with err naming the path. */
int fileio_write_output(const char *path, const void *data, size_t len,
    mode_t mode, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Up to this many files, fileio_sync_files() fsyncs each of them; beyond,
 * one syncfs() is cheaper than the journal commits of that many fsyncs
 * (measured on ext4: 200 new 1 KiB files, 14 ms fsync-each, 3 ms syncfs on
 * an idle machine) -- but syncfs also flushes other programs' data, which
 * costs one certificate far more than its own fsync. */
#define FILEIO_SYNC_EACH_MAX 32

/* Make the n files paths[] (written in directory dir, without fsync) and
 * their names in dir durable: each is fsync'ed (writeback started on all
 * first, so that their data goes out together), or, for more than
 * FILEIO_SYNC_EACH_MAX, the file system holding dir is syncfs'ed; then dir
 * is fsync'ed.  Returns 0 or HSMCA_E_IO naming the file. */
int fileio_sync_files(const char *dir, char *const *paths, size_t n,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Append len bytes of data to the file open on fd (opened by the caller,
 * with or without O_APPEND) in one write() call where the kernel allows it,
 * then fsync(fd).  name is used in messages only.  If the write fails or is
 * short, the file is truncated back to its size before the call, so a
 * failed append leaves nothing behind (a crash can still leave a torn tail;
 * db_open repairs it).  Returns 0 or HSMCA_E_IO. */
int fileio_append_durable(int fd, const char *name, const void *data,
    size_t len, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Take a flock() on path (created 0600 if missing): exclusive when
 * exclusive is true, shared otherwise.  Waits up to timeout_s seconds
 * (0: try once), polling; then fails with HSMCA_E_LOCKED "PATH: locked by
 * another hsmca".  On success *fd holds the open lock file; release it with
 * fileio_unlock().  Returns 0, HSMCA_E_LOCKED or HSMCA_E_IO. */
int fileio_lock(const char *path, bool exclusive, unsigned timeout_s,
    int *fd, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Release a lock taken by fileio_lock() and close its fd; -1 is a no-op. */
void fileio_unlock(int fd);

/* fsync the directory dir, so that a rename or a new file in it is durable.
 * Returns 0 or HSMCA_E_IO. */
int fileio_fsync_dir(const char *dir, struct hsmca_error *err)
	HSMCA_MUST_CHECK;

/* Does path exist (any file type)?  1 yes, 0 no, HSMCA_E_IO when stat()
 * fails for another reason than ENOENT/ENOTDIR. */
int fileio_exists(const char *path, struct hsmca_error *err);

#endif /* HSMCA_FILEIO_H */
