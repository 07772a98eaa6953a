/* orchestrator/image/image_meta.c — read and write cache sidecar files. */
#include "orchestrator/image/image_meta.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/mem.h"
#include "common/fsio.h"

#define META_MAX_LINE 8192

void image_meta_init(struct image_meta *m)
{
	memset(m, 0, sizeof *m);
}

void image_meta_release(struct image_meta *m)
{
	size_t i;

	if (m == NULL)
		return;
	free(m->url);
	free(m->path);
	free(m->origin);
	free(m->sum_of);
	free(m->compression);
	free(m->format);
	free(m->check);
	free(m->verified);
	for (i = 0; i < m->nfleets; i++)
		free(m->fleets[i]);
	free(m->fleets);
	image_meta_init(m);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int image_meta_add_fleet(struct image_meta *m, const char *fleet)
{
	size_t i, cap = m->nfleets;

	for (i = 0; i < m->nfleets; i++)
		if (strcmp(m->fleets[i], fleet) == 0)
			return 0;
	m->fleets = xgrow(m->fleets, &cap, m->nfleets + 1, sizeof *m->fleets);
	m->fleets[m->nfleets++] = xstrdup(fleet);
	qsort(m->fleets, m->nfleets, sizeof *m->fleets, cmp_str);
	return 1;
}

char *image_meta_stamp(const struct stat *st)
{
	return xasprintf("%" PRIu64 " %lld.%09ld %" PRIu64, (uint64_t)st->st_size,
			 (long long)st->st_mtim.tv_sec, (long)st->st_mtim.tv_nsec,
			 (uint64_t)st->st_ino);
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

/* One "key=value" line; unknown keys are skipped. */
static void parse_line(struct image_meta *m, char *line)
{
	char *eq = strchr(line, '=');
	const char *v;

	if (line[0] == '#' || eq == NULL)
		return;
	*eq = '\0';
	v = eq + 1;
	if (strcmp(line, "url") == 0)
		set_str(&m->url, v);
	else if (strcmp(line, "path") == 0)
		set_str(&m->path, v);
	else if (strcmp(line, "origin") == 0)
		set_str(&m->origin, v);
	else if (strcmp(line, "sum_of") == 0)
		set_str(&m->sum_of, v);
	else if (strcmp(line, "compression") == 0)
		set_str(&m->compression, v);
	else if (strcmp(line, "format") == 0)
		set_str(&m->format, v);
	else if (strcmp(line, "check") == 0)
		set_str(&m->check, v);
	else if (strcmp(line, "verified") == 0)
		set_str(&m->verified, v);
	else if (strcmp(line, "size") == 0)
		m->size = strtoull(v, NULL, 10);
	else if (strcmp(line, "pulled") == 0)
		m->pulled = strtoll(v, NULL, 10);
	else if (strcmp(line, "fleet") == 0 && v[0] != '\0')
		image_meta_add_fleet(m, v);
}

int image_meta_read(const char *path, struct image_meta *m, struct herd_err *err)
{
	char line[META_MAX_LINE];
	FILE *f;
	int rc = 0;

	image_meta_init(m);
	f = fopen(path, "re");
	if (f == NULL)
		return herd_errno(err, HERD_E_IO, errno, "open %s", path);
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		parse_line(m, line);
	}
	if (ferror(f))
		rc = herd_errno(err, HERD_E_IO, errno, "read %s", path);
	fclose(f);
	return rc;
}

static int add_kv(struct buf *b, const char *key, const char *v,
		  struct herd_err *err)
{
	if (v == NULL)
		return 0;
	if (strchr(v, '\n') != NULL)
		return herd_errf(err, HERD_E_USAGE, "%s holds a newline", key);
	buf_addf(b, "%s=%s\n", key, v);
	return 0;
}

static int render(const struct image_meta *m, struct buf *b, struct herd_err *err)
{
	size_t i;

	buf_adds(b, "# herd image cache entry\n");
	if (add_kv(b, "url", m->url, err) < 0 ||
	    add_kv(b, "path", m->path, err) < 0 ||
	    add_kv(b, "origin", m->origin, err) < 0 ||
	    add_kv(b, "sum_of", m->sum_of, err) < 0 ||
	    add_kv(b, "compression", m->compression, err) < 0 ||
	    add_kv(b, "format", m->format, err) < 0 ||
	    add_kv(b, "check", m->check, err) < 0 ||
	    add_kv(b, "verified", m->verified, err) < 0)
		return -1;
	buf_addf(b, "size=%" PRIu64 "\npulled=%" PRId64 "\n", m->size, m->pulled);
	for (i = 0; i < m->nfleets; i++)
		if (add_kv(b, "fleet", m->fleets[i], err) < 0)
			return -1;
	return 0;
}

int image_meta_write(const char *path, const struct image_meta *m,
		     struct herd_err *err)
{
	struct buf b;
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = NULL;
	int rc = -1;

	buf_init(&b);
	if (render(m, &b, err) < 0)
		goto out;
	f = fopen(tmp, "we");
	if (f == NULL) {
		herd_errno(err, HERD_E_IO, errno, "create %s", tmp);
		goto out;
	}
	if (fwrite(b.data, 1, b.len, f) != b.len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		herd_errno(err, HERD_E_IO, errno, "write %s", tmp);
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		herd_errno(err, HERD_E_IO, errno, "write %s", tmp);
		goto out;
	}
	f = NULL;
	if (rename(tmp, path) < 0) {
		herd_errno(err, HERD_E_IO, errno, "rename %s", tmp);
		goto out;
	}
	rc = fsio_sync_dir_of(path, err);
out:
	if (f != NULL)
		fclose(f);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	buf_release(&b);
	return rc;
}
