/* orchestrator/image/image_pull.h — make one cache entry: fetch, verify, unpack.
 *
 * The step inside image_cache_ensure() that produces bytes: a download
 * (orchestrator/image/fetch.h) written to .NAME.part while an unpack reader
 * (orchestrator/image/unpack.h) follows it, hashing and decompressing; then the
 * checksum comparison, the sidecar, and the rename that publishes the
 * entry.  Callers hold the entry's lock (image_cache.c takes it).
 */
#ifndef HERD_IMAGE_PULL_H
#define HERD_IMAGE_PULL_H

#include "common/err.h"
#include "orchestrator/image/fetch.h"
#include "orchestrator/image/image.h"
#include "orchestrator/image/unpack.h"

/* Make entry `name` (image_entry_name of src's sum) in dir from src (url,
 * or a compressed local path).  src->sum must be parsed (lower case).
 * On success the image and its sidecar exist.  On failure nothing new is
 * visible; a partial download stays unless its bytes were proven bad
 * (checksum mismatch, corrupt compressed data).  *resumed_bad is set to 1
 * when a mismatch followed a resumed download (worth one fresh try). */
int image_pull_make(const struct image_src *src, const char *dir,
		    const char *name, const struct fetch_opts *fopts,
		    int *resumed_bad, struct herd_err *err);

/* Look at a local file: its compression (from the first bytes) and, when
 * want_hash, the digest of its bytes with algo into hex[HASH_HEX_MAX].
 * -1 with err if it cannot be read. */
int image_pull_inspect(const char *path, enum hash_algo algo, int want_hash,
		       enum unpack_comp *comp, char *hex, struct herd_err *err);

#endif
