/* orchestrator/image/image_pull.c — produce one verified cache entry. */
#include "orchestrator/image/image_pull.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/mem.h"
#include "orchestrator/image/image_meta.h"
#include "common/fsio.h"

struct paths {
	char *part;		/* the download as it arrives */
	char *unpack;		/* the decompressed image as it is made */
	char *final;
	char *meta;
};

static void paths_init(struct paths *p, const char *dir, const char *name)
{
	p->part = xasprintf("%s/.%s.part", dir, name);
	p->unpack = xasprintf("%s/.%s.unpack", dir, name);
	p->final = xasprintf("%s/%s", dir, name);
	p->meta = xasprintf("%s/%s.meta", dir, name);
}

static void paths_release(struct paths *p)
{
	free(p->part);
	free(p->unpack);
	free(p->final);
	free(p->meta);
}

static int feed(void *ctx, uint64_t size, struct herd_err *err)
{
	return unpack_feed(ctx, size, err);
}

static int touch(const char *path, struct herd_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return herd_errno(err, HERD_E_IO, errno, "create %s", path);
	close(fd);
	return 0;
}

/* Run the bytes of src through u: a download, or a local file as is. */
static int transfer(const struct image_src *src, const struct paths *p,
		    const struct fetch_opts *fopts, struct unpack *u,
		    struct fetch_result *fr, struct herd_err *err)
{
	struct fetch_opts fo = { 0 };
	struct stat st;

	if (src->url == NULL) {
		if (stat(src->path, &st) < 0)
			return herd_errno(err, HERD_E_IO, errno, "stat %s", src->path);
		return unpack_feed(u, (uint64_t)st.st_size, err);
	}
	if (fopts != NULL)
		fo = *fopts;
	else
		fo.retries = -1;
	fo.on_data = feed;
	fo.data_ctx = u;
	return fetch_to_file(&fo, src->url, p->part, fr, err);
}

static int mismatch(const struct image_src *src, const char *got,
		    struct herd_err *err)
{
	return herd_errf(err, HERD_E_IO,
			 "image %.160s: %s mismatch (%s): expected %s, got %s; nothing was cached",
			 src->url ? src->url : src->path, image_algo_name(src->algo),
			 src->sum_of == IMAGE_SUM_OF_IMAGE ? "of the decompressed image"
							   : "of the download",
			 src->sum, got);
}

/* Publish the verified image `from` as the entry: its data made durable
 * first (fsync), then the sidecar with the image's own digest and the
 * `verified` stamp of the file as it is now, then the rename that makes
 * the entry exist, then the folder (fsync): a power cut leaves no entry,
 * or an entry whose bytes are on disk; never a zero-filled file that a
 * stamp vouches for. */
static int commit(const struct image_src *src, const struct paths *p,
		  const struct unpack_result *ur, struct herd_err *err)
{
	struct image_meta m;
	const char *from = ur->comp == UNPACK_NONE ? p->part : p->unpack;
	struct stat st;
	int rc = -1;

	image_meta_init(&m);
	m.url = src->url ? xstrdup(src->url) : NULL;
	m.path = src->url ? NULL : xstrdup(src->path);
	m.origin = image_origin_name(src->url ? src->url : src->path,
				     ur->comp != UNPACK_NONE);
	m.sum_of = xstrdup(image_sum_of_name(src->sum_of));
	m.compression = xstrdup(unpack_comp_name(ur->comp));
	m.format = xstrdup(image_format_name(image_detect_format(ur->head, ur->head_len)));
	m.size = ur->out_bytes;
	m.pulled = (int64_t)time(NULL);
	/* the digest of the file itself: the sum when it covers the image,
	 * else the sha256 unpack made of the decompressed bytes */
	m.check = ur->image_sha256[0] != '\0'
		? xasprintf("%s:%s", image_algo_name(HASH_SHA256), ur->image_sha256)
		: xasprintf("%s:%s", image_algo_name(src->algo), ur->hex);
	if (fsio_sync_file(from, err) < 0)
		goto out;
	if (stat(from, &st) < 0) {
		herd_errno(err, HERD_E_IO, errno, "stat %s", from);
		goto out;
	}
	m.verified = image_meta_stamp(&st);
	if (image_meta_write(p->meta, &m, err) < 0)
		goto out;
	/* The rename is what makes the entry exist, and it comes last. */
	if (rename(from, p->final) < 0) {
		herd_errno(err, HERD_E_IO, errno, "rename %s", from);
		unlink(p->meta);
		goto out;
	}
	if (fsio_sync_dir_of(p->final, err) < 0)
		goto out;
	if (ur->comp != UNPACK_NONE && src->url != NULL)
		unlink(p->part);
	rc = 0;
out:
	image_meta_release(&m);
	return rc;
}

/* After the bytes are all read: compare, then publish or clean up. */
static int conclude(const struct image_src *src, const struct paths *p,
		    struct unpack *u, const struct fetch_result *fr,
		    int *resumed_bad, struct herd_err *err)
{
	struct unpack_result ur;

	if (unpack_finish(u, 1, &ur, err) < 0) {
		unlink(p->unpack);
		/* Undecodable bytes will not get better by resuming. */
		if (err->code == HERD_E_ARCHIVE && src->url != NULL)
			unlink(p->part);
		return herd_errctx(err, "image %.160s", src->url ? src->url : src->path);
	}
	if (strcmp(ur.hex, src->sum) != 0) {
		unlink(p->unpack);
		if (src->url != NULL)
			unlink(p->part);
		*resumed_bad = fr->resumed_from > 0;
		return mismatch(src, ur.hex, err);
	}
	if (src->url == NULL && ur.comp == UNPACK_NONE)
		return herd_errf(err, HERD_E_IO, "image %s: not compressed, nothing to cache", src->path);
	return commit(src, p, &ur, err);
}

int image_pull_make(const struct image_src *src, const char *dir,
		    const char *name, const struct fetch_opts *fopts,
		    int *resumed_bad, struct herd_err *err)
{
	/* A download's partial file is ours alone (the cache lock) and only
	 * grows; a local file is the user's. */
	struct unpack_opts uo = { src->algo, src->sum_of == IMAGE_SUM_OF_IMAGE, NULL, 0,
				  src->url != NULL };
	struct fetch_result fr = { 0 };
	struct unpack *u = NULL;
	struct paths p;
	int rc = -1;

	*resumed_bad = 0;
	paths_init(&p, dir, name);
	uo.out_path = p.unpack;
	if (src->url != NULL && touch(p.part, err) < 0)
		goto out;
	u = unpack_start(src->url ? p.part : src->path, &uo, err);
	if (u == NULL)
		goto out;
	if (transfer(src, &p, fopts, u, &fr, err) < 0) {
		unpack_finish(u, 0, NULL, NULL);
		unlink(p.unpack);
		/* Keep a partial download to resume, unless it is empty or
		 * its bytes proved undecodable. */
		if (src->url != NULL && (fr.size == 0 ||
		    (fr.fault == FETCH_SINK && err->code == HERD_E_ARCHIVE)))
			unlink(p.part);
		goto out;
	}
	rc = conclude(src, &p, u, &fr, resumed_bad, err);
out:
	paths_release(&p);
	return rc;
}

int image_pull_inspect(const char *path, enum hash_algo algo, int want_hash,
		       enum unpack_comp *comp, char *hex, struct herd_err *err)
{
	unsigned char *blk = xmalloc(1 << 20), head[6];
	struct hash *h = want_hash ? hash_new(algo) : NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;
	size_t hl = 0, k;
	ssize_t n = 0;

	if (fd < 0) {
		herd_errno(err, HERD_E_IO, errno, "open %s", path);
		goto out;
	}
	while (h != NULL || hl < sizeof head) {
		n = read(fd, blk, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		k = sizeof head - hl < (size_t)n ? sizeof head - hl : (size_t)n;
		memcpy(head + hl, blk, k);
		hl += k;
		if (h != NULL)
			hash_update(h, blk, (size_t)n);
	}
	if (n < 0) {
		herd_errno(err, HERD_E_IO, errno, "read %s", path);
		goto out;
	}
	*comp = unpack_sniff(head, hl);
	if (h != NULL)
		hash_final_hex(h, hex);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	hash_free(h);
	free(blk);
	return rc;
}
