/* orchestrator/image/image_cache.h — the content-addressed base-image cache.
 *
 * Layout of the cache directory (image_cache_default_dir(), or the
 * cache_dir argument; created on first use):
 *
 *   sha256-<hex>           an image, named by the checksum the user gave
 *   sha256-<hex>.meta      its sidecar (orchestrator/image/image_meta.h)
 *   .sha256-<hex>.lock     flock()ed while the entry is made or changed
 *   .sha256-<hex>.part     a download in progress (kept to resume)
 *   .sha256-<hex>.unpack   its decompressed image in progress
 *
 * An entry appears (rename) only after its checksum matched, its bytes
 * were fsynced and its sidecar written (with the digest of the image file
 * itself, `check=`, and a `verified=` stamp: size, mtime, inode of the file
 * once fsynced); the folder is fsynced after the rename.  An entry is used
 * without reading it only when that stamp matches the file; otherwise
 * (an older herd's sidecar, none, a crash, a file changed since) it is
 * hashed against `check` (or its name, when that sum covers the image),
 * stamped again when it matches, and removed and made again when it does
 * not or cannot be checked: a zero-filled file of the right size is never
 * an image.  Two herd processes (or threads) ensuring the same image
 * serialise on the lock and the second finds the entry made.  A cache
 * file is never changed in place, so a reader needs no lock.
 */
#ifndef HERD_IMAGE_CACHE_H
#define HERD_IMAGE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/hash.h"
#include "orchestrator/image/fetch.h"
#include "orchestrator/image/image.h"

/* One image ready to use.  Strings belong to the struct. */
struct image_entry {
	char *name;		/* "sha256-<hex>"; NULL for a plain local file */
	char *path;		/* absolute path of the image */
	enum hash_algo algo;
	char sum[HASH_HEX_MAX];	/* "" for a local file given without a sum */
	enum image_format format;
	uint64_t size;		/* apparent size in bytes */
	uint64_t disk;		/* bytes allocated (decompressed raw is sparse) */
	char *url;		/* where it came from, or NULL */
	char *origin;		/* human name, e.g. "debian-12-genericcloud-amd64.qcow2" */
	char *compression;	/* how it arrived: "none", "xz", ... */
	char **fleets;		/* fleets recorded as users */
	size_t nfleets;
	int cached;		/* 1: a cache entry; 0: the caller's own local file */
};

/* Free what e holds (not e) and zero it.  Accepts NULL. */
void image_entry_release(struct image_entry *e);

/* Make sure the image src names is available and verified; fill *out.
 *  - url: from the cache if present, else downloaded (resuming a partial
 *    download left by an earlier run), decompressed if compressed,
 *    checked, then moved into the cache.
 *  - path, uncompressed: the file itself (its checksum checked if given);
 *    nothing is copied, out->cached is 0.
 *  - path, compressed: decompressed into the cache (named by the sum
 *    given, else by the sha256 of the file).
 * cache_dir NULL: image_cache_default_dir().  fopts may be NULL (defaults);
 * its progress callback reports the download, its on_data is ignored.
 * On failure returns -1, err names the URL (or path) and the cause, and
 * nothing enters the cache; a partial download stays for the next call
 * unless its bytes were proven bad.  A checksum mismatch on a resumed
 * download is retried once from byte 0 before it is reported.
 * Thread-safe; blocks while another process makes the same entry. */
int image_cache_ensure(const struct image_src *src, const char *cache_dir,
		       const struct fetch_opts *fopts, struct image_entry *out,
		       struct herd_err *err);

/* Serialise work on something named `what` across herd processes of this
 * user: flock cache_dir/.<what>.lock (cache_dir NULL: the default).  For
 * work outside the cache that has no lock of its own, like uploading a
 * base image into libvirt's herd--images pool.  Blocks; returns a handle
 * for image_cache_unlock, or -1 with err. */
int image_cache_lock(const char *cache_dir, const char *what, struct herd_err *err);

/* Release the lock and remove its file (a waiter then takes a new one). */
void image_cache_unlock(const char *cache_dir, const char *what, int handle);

/* Every entry of the cache, sorted by origin name then entry name, into
 * *out (caller frees each with image_entry_release, then the array).
 * A missing cache directory is an empty list. */
int image_cache_list(const char *cache_dir, struct image_entry **out,
		     size_t *n, struct herd_err *err);

/* The one entry whose name or checksum starts with key (at least 4 hex
 * digits; "sha256-" or "sha256:" may lead).  -1 with err when none or
 * several match (the message lists a few). */
int image_cache_find(const char *cache_dir, const char *key,
		     struct image_entry *out, struct herd_err *err);

/* Delete entry `name` (image, sidecar, partial files, lock) under its lock.
 * -1 (HERD_E_IO) if it does not exist or cannot be removed. */
int image_cache_remove(const char *cache_dir, const char *name,
		       struct herd_err *err);

/* Record in entry name's sidecar that `fleet` uses it (idempotent).
 * -1 if the entry does not exist or fleet holds a newline. */
int image_cache_record_use(const char *cache_dir, const char *name,
			   const char *fleet, struct herd_err *err);

#endif
