/* orchestrator/image/unpack.c — a reader thread that follows a growing file. */
#include "orchestrator/image/unpack.h"

#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/mem.h"

#define READ_BLOCK (1024 * 1024)
#define MAP_BLOCK (4 * 1024 * 1024)

struct unpack {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* Guarded by mu: what the writer published and the reader's state. */
	uint64_t avail;
	int eof;
	int abort;
	int waiting;
	int failed;
	struct herd_err err;
	/* The reader thread's own. */
	struct unpack_opts o;
	char *in_path;
	char *out_path;
	int in_fd;
	int out_fd;
	uint64_t pos;
	uint64_t out_end;
	struct hash *h;
	struct hash *h_image;	/* sha256 of the output, when h covers the input */
	unsigned char *buf;
	void *map;		/* the block handed out last, when mapped */
	size_t map_len;
	int map_ok;		/* own_input, and mmap has not failed yet */
	struct unpack_result res;
};

enum unpack_comp unpack_sniff(const unsigned char *p, size_t n)
{
	static const struct {
		enum unpack_comp comp;
		size_t len;
		const char *magic;
	} magics[] = {
		{ UNPACK_GZIP, 2, "\x1f\x8b" },
		{ UNPACK_BZIP2, 3, "BZh" },
		{ UNPACK_XZ, 6, "\xfd" "7zXZ\0" },
		{ UNPACK_ZSTD, 4, "\x28\xb5\x2f\xfd" },
	};
	size_t i;

	for (i = 0; i < sizeof magics / sizeof magics[0]; i++)
		if (n >= magics[i].len && memcmp(p, magics[i].magic, magics[i].len) == 0)
			return magics[i].comp;
	return UNPACK_NONE;
}

const char *unpack_comp_name(enum unpack_comp comp)
{
	static const char *const names[] = { "none", "gzip", "bzip2", "xz", "zstd" };

	return (unsigned)comp < 5 ? names[comp] : "none";
}

/* Block until the input holds more than `want` bytes, or is final.
 * Returns the bytes available past `want`'s start (0 at the end), -1 when
 * abandoned. */
static int64_t wait_for(struct unpack *u, uint64_t want)
{
	int64_t n;

	pthread_mutex_lock(&u->mu);
	while (u->avail < want && !u->eof && !u->abort) {
		u->waiting = 1;
		pthread_cond_wait(&u->cv, &u->mu);
		u->waiting = 0;
	}
	n = u->abort ? -1 : (int64_t)(u->avail > u->pos ? u->avail - u->pos : 0);
	pthread_mutex_unlock(&u->mu);
	return n;
}

static int fail(struct unpack *u, enum herd_errcode code, int errnum,
		const char *what)
{
	pthread_mutex_lock(&u->mu);
	if (!u->failed) {
		if (errnum != 0)
			herd_errno(&u->err, code, errnum, "%s", what);
		else
			herd_errf(&u->err, code, "%s", what);
		u->failed = 1;
	}
	pthread_mutex_unlock(&u->mu);
	return -1;
}

static void unmap_block(struct unpack *u)
{
	if (u->map != NULL)
		munmap(u->map, u->map_len);
	u->map = NULL;
}

/* Map n bytes at u->pos; NULL if the kernel refuses (then copy instead). */
static const unsigned char *map_block(struct unpack *u, size_t n)
{
	static long page;
	size_t lead;
	void *m;

	if (page == 0)
		page = sysconf(_SC_PAGESIZE);
	lead = (size_t)(u->pos % (uint64_t)page);
	m = mmap(NULL, lead + n, PROT_READ, MAP_SHARED | MAP_POPULATE, u->in_fd,
		 (off_t)(u->pos - lead));
	if (m == MAP_FAILED) {
		u->map_ok = 0;
		return NULL;
	}
	u->map = m;
	u->map_len = lead + n;
	return (const unsigned char *)m + lead;
}

/* Next block of input, valid until the next call: its length, 0 at the
 * end, -1 on error. */
static ssize_t next_block(struct unpack *u, const unsigned char **out)
{
	int64_t have;
	size_t n;
	ssize_t r;

	unmap_block(u);
	have = wait_for(u, u->pos + 1);
	if (have <= 0)
		return have < 0 ? -1 : 0;
	n = (size_t)(have > MAP_BLOCK ? MAP_BLOCK : have);
	if (u->map_ok && (*out = map_block(u, n)) != NULL) {
		r = (ssize_t)n;
	} else {
		if (n > READ_BLOCK)
			n = READ_BLOCK;
		do
			r = pread(u->in_fd, u->buf, n, (off_t)u->pos);
		while (r < 0 && errno == EINTR);
		*out = u->buf;
	}
	if (r <= 0) {
		char what[300];

		snprintf(what, sizeof what, "read %s", u->in_path);
		return fail(u, HERD_E_IO, r < 0 ? errno : EIO, what);
	}
	u->pos += (uint64_t)r;
	u->res.in_bytes = u->pos;
	return r;
}

static void keep_head(struct unpack *u, const void *p, size_t n, uint64_t off)
{
	size_t room;

	if (off >= UNPACK_HEAD_MAX)
		return;
	room = UNPACK_HEAD_MAX - (size_t)off;
	memcpy(u->res.head + off, p, n < room ? n : room);
	u->res.head_len = (size_t)off + (n < room ? n : room);
}

/* Uncompressed: the input is the image; only hash it. */
static int hash_input(struct unpack *u)
{
	const unsigned char *p;
	ssize_t n;

	while ((n = next_block(u, &p)) > 0) {
		keep_head(u, p, (size_t)n, u->pos - (uint64_t)n);
		hash_update(u->h, p, (size_t)n);
	}
	u->res.out_bytes = u->pos;
	return n < 0 ? -1 : 0;
}

static la_ssize_t ar_read(struct archive *a, void *ctx, const void **out)
{
	struct unpack *u = ctx;
	const unsigned char *p = NULL;
	ssize_t n = next_block(u, &p);

	if (n < 0) {
		archive_set_error(a, ECANCELED, "input abandoned");
		return -1;
	}
	if (!u->o.hash_output)
		hash_update(u->h, p, (size_t)n);
	*out = p;
	return n;
}

static int all_zero(const unsigned char *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

static int pwrite_all(int fd, const unsigned char *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

static int emit(struct unpack *u, const void *p, size_t n, int64_t off)
{
	char what[300];

	if (off < 0 || (uint64_t)off != u->out_end)
		return fail(u, HERD_E_ARCHIVE, 0, "decompress: unexpected gap in the output");
	if (u->out_end + n > u->o.max_output)
		return fail(u, HERD_E_ARCHIVE, 0, "decompress: the image exceeds the size limit");
	if (u->o.hash_output)
		hash_update(u->h, p, n);
	else
		hash_update(u->h_image, p, n);
	keep_head(u, p, n, u->out_end);
	/* Runs of zeros become holes: raw images are mostly empty. */
	if (!all_zero(p, n) && pwrite_all(u->out_fd, p, n, u->out_end) < 0) {
		snprintf(what, sizeof what, "write %s%s", u->out_path,
			 errno == ENOSPC ? " (disk full)" : "");
		return fail(u, HERD_E_IO, errno, what);
	}
	u->out_end += n;
	return 0;
}

static int support_filter(struct archive *a, enum unpack_comp comp)
{
	/* Only the one filter the magic named, and only built in: libarchive
	 * would otherwise fall back to running an external program. */
	switch (comp) {
	case UNPACK_GZIP: return archive_read_support_filter_gzip(a);
	case UNPACK_BZIP2: return archive_read_support_filter_bzip2(a);
	case UNPACK_XZ: return archive_read_support_filter_xz(a);
	case UNPACK_ZSTD: return archive_read_support_filter_zstd(a);
	default: return ARCHIVE_FATAL;
	}
}

static int archive_fail(struct unpack *u, struct archive *a)
{
	char what[400];
	const char *why = archive_error_string(a);

	snprintf(what, sizeof what, "the %s data is corrupt or truncated (%s)",
		 unpack_comp_name(u->res.comp), why ? why : "unknown error");
	return fail(u, HERD_E_ARCHIVE, 0, what);
}

static int decompress(struct unpack *u)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	const void *p;
	size_t n;
	la_int64_t off;
	int r, rc = -1;

	if (archive_read_support_format_raw(a) != ARCHIVE_OK ||
	    support_filter(a, u->res.comp) != ARCHIVE_OK) {
		archive_fail(u, a);
		goto out;
	}
	if (archive_read_open(a, u, NULL, ar_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ent) != ARCHIVE_OK) {
		archive_fail(u, a);
		goto out;
	}
	while ((r = archive_read_data_block(a, &p, &n, &off)) == ARCHIVE_OK)
		if (emit(u, p, n, off) < 0)
			goto out;
	if (r != ARCHIVE_EOF) {
		archive_fail(u, a);
		goto out;
	}
	if (ftruncate(u->out_fd, (off_t)u->out_end) < 0) {
		fail(u, HERD_E_IO, errno, u->out_path);
		goto out;
	}
	u->res.out_bytes = u->out_end;
	rc = 0;
out:
	archive_read_free(a);
	return rc;
}

static int open_output(struct unpack *u)
{
	char what[300];

	u->out_fd = open(u->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (u->out_fd >= 0)
		return 0;
	snprintf(what, sizeof what, "create %s", u->out_path);
	return fail(u, HERD_E_IO, errno, what);
}

static void *reader(void *arg)
{
	struct unpack *u = arg;
	int64_t have = wait_for(u, 6);
	ssize_t n = 0;
	int rc;

	if (have > 0)
		n = pread(u->in_fd, u->buf, have < 6 ? (size_t)have : 6, 0);
	u->res.comp = unpack_sniff(u->buf, n > 0 ? (size_t)n : 0);
	if (have < 0)
		rc = -1;
	else if (u->res.comp == UNPACK_NONE)
		rc = hash_input(u);
	else
		rc = open_output(u) < 0 ? -1 : decompress(u);
	if (rc == 0)
		hash_final_hex(u->h, u->res.hex);
	if (rc == 0 && u->res.comp != UNPACK_NONE && !u->o.hash_output)
		hash_final_hex(u->h_image, u->res.image_sha256);
	unmap_block(u);
	return NULL;
}

struct unpack *unpack_start(const char *in_path, const struct unpack_opts *opts,
			    struct herd_err *err)
{
	struct unpack *u = xcalloc(1, sizeof *u);
	int e;

	u->o = *opts;
	if (u->o.max_output == 0)
		u->o.max_output = UNPACK_MAX_OUTPUT;
	u->in_path = xstrdup(in_path);
	u->out_path = xstrdup(opts->out_path ? opts->out_path : "/dev/null");
	u->out_fd = -1;
	u->map_ok = opts->own_input;
	u->in_fd = open(in_path, O_RDONLY | O_CLOEXEC);
	if (u->in_fd < 0) {
		herd_errno(err, HERD_E_IO, errno, "open %s", in_path);
		goto fail;
	}
	u->h = hash_new(opts->algo);
	u->h_image = opts->hash_output ? NULL : hash_new(HASH_SHA256);
	u->buf = xmalloc(READ_BLOCK);
	pthread_mutex_init(&u->mu, NULL);
	pthread_cond_init(&u->cv, NULL);
	e = pthread_create(&u->thread, NULL, reader, u);
	if (e == 0)
		return u;
	herd_errno(err, HERD_E_IO, e, "start the unpack thread");
	pthread_mutex_destroy(&u->mu);
	pthread_cond_destroy(&u->cv);
fail:
	if (u->in_fd >= 0)
		close(u->in_fd);
	hash_free(u->h);
	hash_free(u->h_image);
	free(u->buf);
	free(u->in_path);
	free(u->out_path);
	free(u);
	return NULL;
}

int unpack_feed(struct unpack *u, uint64_t size, struct herd_err *err)
{
	int failed;

	pthread_mutex_lock(&u->mu);
	if (size > u->avail)
		u->avail = size;
	if (u->waiting)
		pthread_cond_signal(&u->cv);
	failed = u->failed;
	if (failed && err != NULL)
		*err = u->err;
	pthread_mutex_unlock(&u->mu);
	return failed ? -1 : 0;
}

int unpack_finish(struct unpack *u, int complete, struct unpack_result *res,
		  struct herd_err *err)
{
	int rc = -1;

	if (u == NULL)
		return -1;
	pthread_mutex_lock(&u->mu);
	if (complete)
		u->eof = 1;
	else
		u->abort = 1;
	pthread_cond_signal(&u->cv);
	pthread_mutex_unlock(&u->mu);
	pthread_join(u->thread, NULL);
	if (complete && u->failed && err != NULL)
		*err = u->err;
	else if (complete && !u->failed) {
		if (res != NULL)
			*res = u->res;
		rc = 0;
	}
	close(u->in_fd);
	if (u->out_fd >= 0 && close(u->out_fd) < 0 && rc == 0)
		rc = herd_errno(err, HERD_E_IO, errno, "close %s", u->out_path);
	pthread_mutex_destroy(&u->mu);
	pthread_cond_destroy(&u->cv);
	hash_free(u->h);
	hash_free(u->h_image);
	free(u->buf);
	free(u->in_path);
	free(u->out_path);
	free(u);
	return rc;
}
