/* orchestrator/image/image_meta.h — the sidecar file beside each cache entry.
 *
 * <cache>/<name>.meta holds "key=value" lines: where the image came from,
 * what the checksum covered, the compression it arrived in, its format and
 * size, and one "fleet=" line per fleet that uses it.  Plain text so a
 * user can read it; written to a temporary name and renamed, so a reader
 * sees the old or the new file, never half of one.  Unknown keys are kept
 * out of the struct and dropped on rewrite (forward compatibility is not
 * needed for a cache).
 */
#ifndef HERD_IMAGE_META_H
#define HERD_IMAGE_META_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct image_meta {
	char *url;		/* NULL for an entry made from a local file */
	char *path;		/* the local file, or NULL */
	char *origin;		/* human name ("debian-12-genericcloud-amd64.qcow2") */
	char *sum_of;		/* "download" or "image" */
	char *compression;	/* "none", "xz", ... */
	char *format;		/* "qcow2" or "raw" */
	uint64_t size;		/* bytes of the image file */
	char *check;		/* "<algo>:<hex>": the digest of the image file's
				 * own bytes (the name's sum may cover the
				 * compressed download instead) */
	char *verified;		/* "<size> <mtime s>.<ns> <inode>": the file as it
				 * was when its digest was checked and it was
				 * fsynced; NULL when never (image_cache.h) */
	int64_t pulled;		/* seconds since the epoch */
	char **fleets;		/* fleets recorded as users, sorted */
	size_t nfleets;
};

/* Zero m (nothing allocated). */
void image_meta_init(struct image_meta *m);
/* Free what m holds and zero it.  Accepts a zeroed struct. */
void image_meta_release(struct image_meta *m);

/* Read path into m (initialised here).  A missing file is -1 with
 * err->sys_errno == ENOENT; a malformed line is ignored. */
int image_meta_read(const char *path, struct image_meta *m, struct herd_err *err);

/* Write m to path atomically and durably (path.tmp, fsync, rename, fsync
 * of the folder).  Values holding a newline are refused (-1,
 * HERD_E_USAGE). */
int image_meta_write(const char *path, const struct image_meta *m,
		     struct herd_err *err);

/* The `verified` stamp of a file whose stat is st (caller frees): size,
 * modification time to the nanosecond, inode. */
struct stat;
char *image_meta_stamp(const struct stat *st);

/* Add fleet to m->fleets unless present.  Returns 1 if added, 0 if it was
 * there already. */
int image_meta_add_fleet(struct image_meta *m, const char *fleet);

#endif
