/* common/fsio.c — atomic writes, bounded reads, private directories. */
#include "common/fsio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/mem.h"

/* "dir/.base.XXXXXX" beside path, so rename() stays on one file system. */
static char *tmp_name_for(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xasprintf(".%s.XXXXXX", path);
	return xasprintf("%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Put the finished temporary file in place: rename, or link for EXCL (link
 * fails with EEXIST instead of replacing).  Returns 0, 1 (exists) or -1. */
static int install(const char *tmp, const char *path, unsigned flags,
		   struct herd_err *err)
{
	if (!(flags & FSIO_EXCL)) {
		if (rename(tmp, path) != 0)
			return herd_errno(err, HERD_E_IO, errno, "rename to %s", path);
		return 0;
	}
	if (link(tmp, path) != 0) {
		if (errno == EEXIST)
			return 1;
		return herd_errno(err, HERD_E_IO, errno, "link %s", path);
	}
	return 0;
}

int fsio_write_atomic(const char *path, const void *data, size_t len,
		      mode_t mode, unsigned flags, struct herd_err *err)
{
	char *tmp = tmp_name_for(path);
	int fd = -1, rc = -1;

	/* mkostemp opens with O_CREAT|O_EXCL and mode 0600; fchmod then sets
	 * the exact mode whatever the umask is. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		herd_errno(err, HERD_E_IO, errno, "create %s", tmp);
		free(tmp);
		return -1;
	}
	if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 ||
	    ((flags & FSIO_SYNC) && fsync(fd) != 0)) {
		herd_errno(err, HERD_E_IO, errno, "write %s", tmp);
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		herd_errno(err, HERD_E_IO, errno, "write %s", tmp);
		goto out;
	}
	fd = -1;
	rc = install(tmp, path, flags, err);
	if (rc == 0 && (flags & FSIO_SYNC) && fsio_sync_dir_of(path, err) < 0)
		rc = -1;
out:
	if (fd >= 0)
		close(fd);
	/* After rename the name is gone (ENOENT, ignored); after link the
	 * temporary name is a second link to drop. */
	unlink(tmp);
	free(tmp);
	return rc;
}

int fsio_sync_file(const char *path, struct herd_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return herd_errno(err, HERD_E_IO, errno, "open %s", path);
	if (fsync(fd) != 0)
		rc = herd_errno(err, HERD_E_IO, errno, "fsync %s", path);
	close(fd);
	return rc;
}

int fsio_sync_dir_of(const char *path, struct herd_err *err)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? xstrdup(".")
		  : slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		rc = herd_errno(err, HERD_E_IO, errno, "open %s", dir);
	else if (fsync(fd) != 0)
		rc = herd_errno(err, HERD_E_IO, errno, "fsync %s", dir);
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

static int read_fd(int fd, const char *path, size_t max, char **out,
		   size_t *len, struct herd_err *err)
{
	char *data = NULL;
	size_t cap = 0, n = 0;
	ssize_t r;

	for (;;) {
		data = xgrow(data, &cap, n + 4096 + 1, 1);
		r = read(fd, data + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(data);
			return herd_errno(err, HERD_E_IO, errno, "read %s", path);
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			free(data);
			return herd_errf(err, HERD_E_IO, "read %s: larger than %zu bytes",
					 path, max);
		}
	}
	data[n] = '\0';
	*out = data;
	if (len != NULL)
		*len = n;
	return 0;
}

int fsio_read(const char *path, size_t max, int nofollow, char **out,
	      size_t *len, struct herd_err *err)
{
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0)
		return herd_errno(err, HERD_E_IO, errno, "open %s", path);
	rc = read_fd(fd, path, max, out, len, err);
	close(fd);
	return rc;
}

/* mkdir one directory with an exact mode; an existing directory is fine. */
static int mkdir_one(const char *dir, mode_t mode, struct herd_err *err)
{
	struct stat st;

	if (mkdir(dir, mode) == 0) {
		if (chmod(dir, mode) != 0)
			return herd_errno(err, HERD_E_IO, errno, "chmod %s", dir);
		return 0;
	}
	if (errno != EEXIST)
		return herd_errno(err, HERD_E_IO, errno, "mkdir %s", dir);
	if (stat(dir, &st) != 0)
		return herd_errno(err, HERD_E_IO, errno, "stat %s", dir);
	if (!S_ISDIR(st.st_mode))
		return herd_errf(err, HERD_E_IO, "mkdir %s: exists and is not a directory", dir);
	return 0;
}

int fsio_mkdirs(const char *path, mode_t mode, struct herd_err *err)
{
	char *dir = xstrdup(path);
	char *p;
	int rc = -1;

	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/' || p[-1] == '/')
			continue;
		*p = '\0';
		if (mkdir_one(dir, mode, err) != 0)
			goto out;
		*p = '/';
	}
	rc = mkdir_one(dir, mode, err);
out:
	free(dir);
	return rc;
}
