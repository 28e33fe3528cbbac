/* hsmca — helpers shared by the fuzz targets (see fuzz-common.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz-common.h"

/* Set once by fz_tmpdir() and only read afterwards: the one piece of process
 * state the harness needs, so that atexit() can find the directory. */
static char fz_dir[4096];

char *
fz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

char *
fz_path(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

/* Remove the directory tree under path (two levels are all we make). */
static void
fz_rmtree(const char *path)
{
	struct dirent *de;
	DIR *d;
	char *sub;

	if ((d = opendir(path)) == NULL) {
		(void)unlink(path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		sub = fz_path(path, de->d_name);
		if (rmdir(sub) != 0 && unlink(sub) != 0)
			fz_rmtree(sub);
		(void)rmdir(sub);
		free(sub);
	}
	closedir(d);
	(void)rmdir(path);
}

static void
fz_cleanup(void)
{
	if (fz_dir[0] != '\0')
		fz_rmtree(fz_dir);
}

const char *
fz_tmpdir(void)
{
	const char *base;

	if (fz_dir[0] != '\0')
		return fz_dir;
	base = getenv("TMPDIR");
	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	if (snprintf(fz_dir, sizeof(fz_dir), "%s/hsmca-fuzz.XXXXXX",
	    base) >= (int)sizeof(fz_dir) || mkdtemp(fz_dir) == NULL) {
		perror("hsmca fuzz: mkdtemp");
		abort();
	}
	atexit(fz_cleanup);
	return fz_dir;
}

void
fz_write(const char *path, const uint8_t *data, size_t size)
{
	size_t off = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(path);
		abort();
	}
	while (off < size) {
		n = write(fd, data + off, size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			perror(path);
			abort();
		}
		off += (size_t)n;
	}
	if (close(fd) != 0)
		abort();
}

void
fz_check_error(int r, const struct hsmca_error *err)
{
	if (r >= 0)
		return;
	if (err->code != r || err->msg[0] == '\0') {
		fprintf(stderr, "hsmca fuzz: error %d breaks the contract: "
		    "code %d, message '%s'\n", r, err->code, err->msg);
		abort();
	}
}

int
fz_excluded(const char *what)
{
	const char *list = getenv("HSMCA_FUZZ_EXCLUDE"), *p;
	size_t n = strlen(what);

	for (p = list; p != NULL && *p != '\0'; p += strcspn(p, ",")) {
		p += strspn(p, ",");
		if (strncmp(p, what, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
	}
	return 0;
}
