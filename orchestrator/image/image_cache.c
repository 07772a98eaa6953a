/* orchestrator/image/image_cache.c — lock, look up, list and remove entries. */
#include "orchestrator/image/image_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/mem.h"
#include "orchestrator/image/image_meta.h"
#include "orchestrator/image/image_pull.h"
#include "orchestrator/image/unpack.h"
#include "common/fsio.h"

void image_entry_release(struct image_entry *e)
{
	size_t i;

	if (e == NULL)
		return;
	free(e->name);
	free(e->path);
	free(e->url);
	free(e->origin);
	free(e->compression);
	for (i = 0; i < e->nfleets; i++)
		free(e->fleets[i]);
	free(e->fleets);
	memset(e, 0, sizeof *e);
}

static int mkdir_p(const char *dir, struct herd_err *err)
{
	char *p = xstrdup(dir), *s;
	int rc = 0;

	for (s = p + 1; rc == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			rc = herd_errno(err, HERD_E_IO, errno, "create %s", p);
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

/* flock the entry's lock file.  The file may be unlinked by `image rm`
 * while we wait; then our lock is on an orphan, so open it again. */
static int lock_entry(const char *dir, const char *name, int *fd_out,
		      struct herd_err *err)
{
	char *path = xasprintf("%s/.%s.lock", dir, name);
	struct stat a, b;
	int fd, rc = -1;

	for (;;) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0) {
			herd_errno(err, HERD_E_IO, errno, "create %s", path);
			break;
		}
		while ((rc = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
			;
		if (rc < 0) {
			herd_errno(err, HERD_E_IO, errno, "lock %s", path);
			close(fd);
			break;
		}
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
			*fd_out = fd;
			break;
		}
		close(fd);
		rc = -1;
	}
	free(path);
	return rc;
}

static void fill_from_meta(struct image_entry *e, struct image_meta *m)
{
	enum image_format f;

	e->url = m->url;
	m->url = NULL;
	e->origin = m->origin;
	m->origin = NULL;
	e->compression = m->compression;
	m->compression = NULL;
	e->fleets = m->fleets;
	e->nfleets = m->nfleets;
	m->fleets = NULL;
	m->nfleets = 0;
	if (m->format != NULL && image_format_parse(m->format, &f) == 0)
		e->format = f;
}

static enum image_format detect_file(const char *path)
{
	unsigned char head[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, head, sizeof head) : -1;

	if (fd >= 0)
		close(fd);
	return image_detect_format(head, n > 0 ? (size_t)n : 0);
}

/* The digest covering the cache file's own bytes: the sidecar's check,
 * else the entry's name when its sum covers the image (nothing was
 * decompressed, or the sum is of the image).  0 with algo and hex set, -1
 * when nothing is known to check the file against. */
static int file_check(const char *name, const struct image_meta *m, bool have_meta,
		      enum hash_algo *algo, char *hex)
{
	const char *c = have_meta ? m->check : NULL;
	char *as_name;
	int ok;

	if (c != NULL) {
		/* "sha256:<hex>" reads like an entry name with ':' for '-' */
		as_name = xstrdup(c);
		if (strlen(as_name) > 6)
			as_name[6] = '-';
		ok = image_entry_name_parse(as_name, algo, hex);
		free(as_name);
		return ok ? 0 : -1;
	}
	if (have_meta && (m->compression == NULL || strcmp(m->compression, "none") != 0) &&
	    (m->sum_of == NULL || strcmp(m->sum_of, "image") != 0))
		return -1;
	return image_entry_name_parse(name, algo, hex) ? 0 : -1;
}

/* Whether entry file `path` (stat st) holds what its sidecar vouches for.
 * A `verified` stamp that matches the file as it is now is trusted
 * without reading it: it is written only after the file was checked and
 * fsynced (image_pull.c), so its bytes reached the disk.  Anything else
 * (no stamp: an older herd, a sidecar made by hand or a crash before the
 * stamp; a stale one: the file changed since) costs one read: the file
 * is hashed against its digest and, when it matches, fsynced and stamped
 * again.  Returns 1 good, 0 bad or unverifiable, -1 on error. */
static int verify_entry(const char *path, const char *meta, const char *name,
			struct image_meta *m, bool have_meta, const struct stat *st,
			struct herd_err *err)
{
	char hex[HASH_HEX_MAX], got[HASH_HEX_MAX], *stamp = image_meta_stamp(st);
	enum hash_algo algo;
	enum unpack_comp comp;
	struct stat now;
	int rc = 0;

	if (have_meta && m->verified != NULL && strcmp(m->verified, stamp) == 0) {
		free(stamp);
		return 1;
	}
	free(stamp);
	if (file_check(name, m, have_meta, &algo, hex) < 0)
		return 0;
	if (image_pull_inspect(path, algo, 1, &comp, got, err) < 0)
		return -1;
	if (strcmp(got, hex) != 0)
		return 0;
	if (fsio_sync_file(path, err) < 0 || stat(path, &now) < 0)
		return -1;
	if (!have_meta)
		m->size = (uint64_t)now.st_size;
	free(m->check);
	m->check = xasprintf("%s:%s", image_algo_name(algo), hex);
	free(m->verified);
	m->verified = image_meta_stamp(&now);
	rc = image_meta_write(meta, m, err) < 0 ? -1 : 1;
	return rc;
}

/* Fill e from entry `name` on disk.  Returns 1 if present and whole, 0 if
 * absent (or cut short by a crash: the size disagrees with the sidecar),
 * -1 on error.  verify: also check its bytes (verify_entry); an entry
 * that fails is removed, so it is made again. */
static int load_entry(const char *dir, const char *name, bool verify,
		      struct image_entry *e, struct herd_err *err)
{
	char *meta = xasprintf("%s/%s.meta", dir, name);
	struct image_meta m;
	struct stat st;
	int rc = 0, have_meta, good;

	memset(e, 0, sizeof *e);
	e->path = xasprintf("%s/%s", dir, name);
	image_meta_init(&m);
	if (stat(e->path, &st) < 0) {
		if (errno != ENOENT)
			rc = herd_errno(err, HERD_E_IO, errno, "stat %s", e->path);
		goto out;
	}
	have_meta = image_meta_read(meta, &m, NULL) == 0;
	if (have_meta && m.size != (uint64_t)st.st_size)
		goto out;
	if (verify) {
		good = verify_entry(e->path, meta, name, &m, have_meta, &st, err);
		if (good < 0) {
			rc = -1;
			goto out;
		}
		if (good == 0) {
			/* not what it claims: gone, so that it is made again */
			unlink(e->path);
			unlink(meta);
			goto out;
		}
		have_meta = 1;
	}
	e->name = xstrdup(name);
	image_entry_name_parse(name, &e->algo, e->sum);
	e->size = (uint64_t)st.st_size;
	e->disk = (uint64_t)st.st_blocks * 512;
	e->cached = 1;
	e->format = detect_file(e->path);
	fill_from_meta(e, &m);
	rc = 1;
out:
	if (rc != 1)
		image_entry_release(e);
	image_meta_release(&m);
	free(meta);
	return rc;
}

static int ensure_locked(const struct image_src *src, const char *dir,
			 const char *name, const struct fetch_opts *fopts,
			 struct image_entry *out, struct herd_err *err)
{
	int rc, resumed_bad = 0;

	rc = load_entry(dir, name, true, out, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	rc = image_pull_make(src, dir, name, fopts, &resumed_bad, err);
	/* A resumed download that does not match may have been spliced
	 * from two versions of the file: once more from byte 0. */
	if (rc < 0 && resumed_bad)
		rc = image_pull_make(src, dir, name, fopts, &resumed_bad, err);
	if (rc < 0)
		return -1;
	rc = load_entry(dir, name, false, out, err);	/* made and checked just now */
	if (rc == 0)
		return herd_errf(err, HERD_E_IO, "image %s: vanished from the cache", name);
	return rc < 0 ? -1 : 0;
}

/* A local file that needs no cache entry: uncompressed, checked if a sum
 * was given.  Returns 1 when handled, 0 when it must go to the cache. */
static int local_plain(const struct image_src *src, char *sum,
		       struct image_entry *out, struct herd_err *err)
{
	enum unpack_comp comp;
	char hex[HASH_HEX_MAX];
	enum hash_algo algo = sum[0] ? src->algo : HASH_SHA256;
	struct stat st;
	char *abs = NULL;

	/* Read the whole file only when a digest is needed: a big raw image
	 * named by path alone is used as it is. */
	if (image_pull_inspect(src->path, algo, 0, &comp, NULL, err) < 0 ||
	    ((sum[0] != '\0' || comp != UNPACK_NONE) &&
	     image_pull_inspect(src->path, algo, 1, &comp, hex, err) < 0))
		return herd_errctx(err, "image");
	if (comp != UNPACK_NONE) {
		if (sum[0] == '\0')
			memcpy(sum, hex, sizeof hex);	/* name it by its sha256 */
		return 0;
	}
	if (sum[0] != '\0' && strcmp(sum, hex) != 0)
		return herd_errf(err, HERD_E_IO, "image %s: %s mismatch: expected %s, got %s",
				 src->path, image_algo_name(algo), sum, hex);
	abs = realpath(src->path, NULL);
	if (abs == NULL || stat(abs, &st) < 0) {
		free(abs);
		return herd_errno(err, HERD_E_IO, errno, "image %s", src->path);
	}
	memset(out, 0, sizeof *out);
	out->path = abs;
	out->algo = algo;
	memcpy(out->sum, sum, HASH_HEX_MAX);
	out->size = (uint64_t)st.st_size;
	out->disk = (uint64_t)st.st_blocks * 512;
	out->format = detect_file(abs);
	out->origin = image_origin_name(src->path, 0);
	out->compression = xstrdup("none");
	return 1;
}

int image_cache_ensure(const struct image_src *src, const char *cache_dir,
		       const struct fetch_opts *fopts, struct image_entry *out,
		       struct herd_err *err)
{
	struct image_src s = *src;
	struct herd_err dropped = HERD_ERR_INIT;
	char sum[HASH_HEX_MAX] = "", *dir = NULL, *name = NULL;
	int fd = -1, rc = -1;

	if (err == NULL)
		err = &dropped;		/* the steps below look at err->code */
	memset(out, 0, sizeof *out);
	if ((s.url == NULL) == (s.path == NULL))
		return herd_errf(err, HERD_E_USAGE, "image: give a url or a path, not both");
	if (s.sum != NULL && image_sum_parse(s.algo, s.sum, sum, err) < 0)
		return herd_errctx(err, "image %.160s", s.url ? s.url : s.path);
	if (s.url != NULL && s.sum == NULL)
		return herd_errf(err, HERD_E_USAGE, "image %.160s: a URL needs a sha256 or sha512 checksum", s.url);
	if (s.path != NULL) {
		rc = local_plain(&s, sum, out, err);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
		if (s.sum == NULL) {
			s.algo = HASH_SHA256;
			s.sum_of = IMAGE_SUM_OF_DOWNLOAD;
		}
		rc = -1;
	}
	s.sum = sum;
	dir = cache_dir ? xstrdup(cache_dir) : image_cache_default_dir(err);
	if (dir == NULL || mkdir_p(dir, err) < 0)
		goto out;
	name = image_entry_name(s.algo, sum);
	if (lock_entry(dir, name, &fd, err) < 0)
		goto out;
	rc = ensure_locked(&s, dir, name, fopts, out, err);
out:
	if (fd >= 0)
		close(fd);	/* releases the flock */
	free(name);
	free(dir);
	return rc;
}

int image_cache_lock(const char *cache_dir, const char *what, struct herd_err *err)
{
	char *dir = cache_dir ? xstrdup(cache_dir) : image_cache_default_dir(err);
	int fd = -1;

	if (dir != NULL && mkdir_p(dir, err) == 0 && lock_entry(dir, what, &fd, err) < 0)
		fd = -1;
	free(dir);
	return fd;
}

void image_cache_unlock(const char *cache_dir, const char *what, int handle)
{
	struct herd_err ignored = HERD_ERR_INIT;
	char *dir = cache_dir ? xstrdup(cache_dir) : image_cache_default_dir(&ignored);

	/* Unlink first, while holding it: lock_entry() notices the file is
	 * gone and opens a new one, so no waiter keeps a lock on an orphan. */
	if (dir != NULL) {
		char *path = xasprintf("%s/.%s.lock", dir, what);

		unlink(path);
		free(path);
	}
	free(dir);
	if (handle >= 0)
		close(handle);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct image_entry *x = a, *y = b;
	int c = strcmp(x->origin ? x->origin : "", y->origin ? y->origin : "");

	return c != 0 ? c : strcmp(x->name, y->name);
}

int image_cache_list(const char *cache_dir, struct image_entry **out,
		     size_t *n, struct herd_err *err)
{
	char *dir = cache_dir ? xstrdup(cache_dir) : image_cache_default_dir(err);
	struct image_entry *v = NULL;
	size_t len = 0, cap = 0;
	struct dirent *d;
	DIR *dh = NULL;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (dir == NULL)
		return -1;
	dh = opendir(dir);
	if (dh == NULL) {
		rc = errno == ENOENT ? 0 : herd_errno(err, HERD_E_IO, errno, "open %s", dir);
		goto out;
	}
	while ((d = readdir(dh)) != NULL) {
		if (!image_entry_name_parse(d->d_name, NULL, NULL))
			continue;
		v = xgrow(v, &cap, len + 1, sizeof *v);
		rc = load_entry(dir, d->d_name, false, &v[len], err);
		if (rc < 0)
			goto out;
		len += (size_t)rc;
	}
	if (len > 1)
		qsort(v, len, sizeof *v, cmp_entry);
	*out = v;
	*n = len;
	v = NULL;
	rc = 0;
out:
	while (v != NULL && len > 0)
		image_entry_release(&v[--len]);
	free(v);
	if (dh != NULL)
		closedir(dh);
	free(dir);
	return rc;
}

/* key without "sha256-"/"sha256:": the hex digits to match, else NULL. */
static const char *key_digits(const char *key, const char **algo)
{
	*algo = NULL;
	if (strncmp(key, "sha256", 6) == 0 || strncmp(key, "sha512", 6) == 0) {
		if (key[6] != '-' && key[6] != ':')
			return NULL;
		*algo = key;
		key += 7;
	}
	if (strlen(key) < 4 || strspn(key, "0123456789abcdefABCDEF") != strlen(key))
		return NULL;
	return key;
}

static int key_matches(const struct image_entry *e, const char *algo,
		       const char *digits)
{
	size_t i, n = strlen(digits);

	if (algo != NULL && strncmp(e->name, algo, 6) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (e->sum[i] == '\0' || e->sum[i] != (char)(digits[i] | 0x20))
			return 0;
	return 1;
}

int image_cache_find(const char *cache_dir, const char *key,
		     struct image_entry *out, struct herd_err *err)
{
	struct image_entry *v = NULL;
	const char *algo, *digits = key_digits(key, &algo);
	size_t n = 0, i, hit = 0, nhit = 0;
	char some[300] = "";

	memset(out, 0, sizeof *out);
	if (digits == NULL)
		return herd_errf(err, HERD_E_USAGE, "\"%.100s\" is not a checksum or a prefix of one (4 or more hex digits)", key);
	if (image_cache_list(cache_dir, &v, &n, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!key_matches(&v[i], algo, digits))
			continue;
		if (nhit++ < 3)
			snprintf(some + strlen(some), sizeof some - strlen(some),
				 "%s%.19s...", nhit > 1 ? ", " : "", v[i].name);
		hit = i;
	}
	if (nhit == 1) {
		*out = v[hit];
		memset(&v[hit], 0, sizeof v[hit]);
	}
	for (i = 0; i < n; i++)
		image_entry_release(&v[i]);
	free(v);
	if (nhit == 0)
		return herd_errf(err, HERD_E_USAGE, "no cached image matches \"%.100s\"", key);
	if (nhit > 1)
		return herd_errf(err, HERD_E_USAGE, "\"%.100s\" matches %zu images (%s): give more digits", key, nhit, some);
	return 0;
}

static int unlink_entry_file(const char *dir, const char *fmt, const char *name,
			     struct herd_err *err)
{
	char *p = xasprintf(fmt, dir, name);
	int rc = 0;

	if (unlink(p) < 0 && errno != ENOENT)
		rc = herd_errno(err, HERD_E_IO, errno, "remove %s", p);
	free(p);
	return rc;
}

int image_cache_remove(const char *cache_dir, const char *name,
		       struct herd_err *err)
{
	char *dir = cache_dir ? xstrdup(cache_dir) : image_cache_default_dir(err);
	char *img = NULL;
	int fd = -1, rc = -1;

	if (dir == NULL)
		return -1;
	if (!image_entry_name_parse(name, NULL, NULL)) {
		herd_errf(err, HERD_E_USAGE, "\"%.100s\" is not a cache entry name", name);
		goto out;
	}
	img = xasprintf("%s/%s", dir, name);
	if (access(img, F_OK) < 0) {
		herd_errno(err, HERD_E_IO, errno, "remove %s", img);
		goto out;
	}
	if (lock_entry(dir, name, &fd, err) < 0)
		goto out;
	/* The image first: once it is gone the entry is gone, whatever else
	 * fails to be removed after it. */
	if (unlink_entry_file(dir, "%s/%s", name, err) < 0 ||
	    unlink_entry_file(dir, "%s/%s.meta", name, err) < 0 ||
	    unlink_entry_file(dir, "%s/.%s.part", name, err) < 0 ||
	    unlink_entry_file(dir, "%s/.%s.unpack", name, err) < 0 ||
	    unlink_entry_file(dir, "%s/.%s.lock", name, err) < 0)
		goto out;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(img);
	free(dir);
	return rc;
}

int image_cache_record_use(const char *cache_dir, const char *name,
			   const char *fleet, struct herd_err *err)
{
	char *dir = cache_dir ? xstrdup(cache_dir) : image_cache_default_dir(err);
	char *meta = NULL, *img = NULL;
	struct herd_err merr = HERD_ERR_INIT;
	struct image_meta m;
	struct stat st;
	int fd = -1, rc = -1;

	image_meta_init(&m);
	if (dir == NULL)
		return -1;
	if (!image_entry_name_parse(name, NULL, NULL)) {
		herd_errf(err, HERD_E_USAGE, "\"%.100s\" is not a cache entry name", name);
		goto out;
	}
	if (lock_entry(dir, name, &fd, err) < 0)
		goto out;
	img = xasprintf("%s/%s", dir, name);
	meta = xasprintf("%s/%s.meta", dir, name);
	if (stat(img, &st) < 0) {
		herd_errno(err, HERD_E_IO, errno, "image %s", name);
		goto out;
	}
	/* An entry without a sidecar (made by hand) gets one. */
	if (image_meta_read(meta, &m, &merr) < 0) {
		if (merr.sys_errno != ENOENT) {
			if (err != NULL)
				*err = merr;
			goto out;
		}
		m.size = (uint64_t)st.st_size;
	}
	rc = image_meta_add_fleet(&m, fleet) ? image_meta_write(meta, &m, err) : 0;
out:
	image_meta_release(&m);
	if (fd >= 0)
		close(fd);
	free(meta);
	free(img);
	free(dir);
	return rc;
}
