/* orchestrator/image/image.h — what a base image is: source, checksum, format.
 *
 * Small pure helpers shared by the cache (orchestrator/image/image_cache.h) and
 * the verbs: checksum parsing, cache entry names, format detection from
 * the header bytes, the cache directory.  Independent of the fleet model:
 * plans/ maps its image entries to struct image_src.
 */
#ifndef HERD_IMAGE_H
#define HERD_IMAGE_H

#include <stddef.h>

#include "common/err.h"
#include "common/hash.h"

/* Which bytes a checksum covers: the file as downloaded (the default, what
 * distributions publish beside a .xz) or the image after decompression. */
enum image_sum_of { IMAGE_SUM_OF_DOWNLOAD, IMAGE_SUM_OF_IMAGE };

enum image_format { IMAGE_FORMAT_RAW, IMAGE_FORMAT_QCOW2 };

/* Where an image comes from.  All pointers are borrowed for the call. */
struct image_src {
	const char *url;	/* http(s) URL; or NULL and path set */
	const char *path;	/* a local file instead of a URL */
	enum hash_algo algo;
	const char *sum;	/* hex digest: required with url, optional with path */
	enum image_sum_of sum_of;
};

/* Check that hex is a digest of algo (64 or 128 hex digits, any case) and
 * write it lower-cased into out[HASH_HEX_MAX].  -1 (HERD_E_USAGE) with a
 * message naming the expected length otherwise. */
int image_sum_parse(enum hash_algo algo, const char *hex, char *out,
		    struct herd_err *err);

/* "sha256" / "sha512". */
const char *image_algo_name(enum hash_algo algo);

/* "download" / "image", and back (-1, HERD_E_USAGE, on anything else). */
const char *image_sum_of_name(enum image_sum_of sum_of);
int image_sum_of_parse(const char *s, enum image_sum_of *out,
		       struct herd_err *err);

/* The cache entry name for a checksum: "sha256-<hex>" (caller frees). */
char *image_entry_name(enum hash_algo algo, const char *hex);

/* Whether name is an entry name; if so and algo/hex are non-NULL, fill
 * them (hex needs HASH_HEX_MAX bytes).  Returns 1 or 0. */
int image_entry_name_parse(const char *name, enum hash_algo *algo, char *hex);

/* The format the first n bytes of an image announce (qcow2 by its magic,
 * anything else raw). */
enum image_format image_detect_format(const void *head, size_t n);
const char *image_format_name(enum image_format format);
/* -1 for a name that is not a format. */
int image_format_parse(const char *s, enum image_format *out);

/* A human name for an image from its URL or path: the last path segment,
 * without query or fragment, without a .gz/.bz2/.xz/.zst suffix when
 * strip_comp (the cache holds the decompressed image).  Caller frees. */
char *image_origin_name(const char *url_or_path, int strip_comp);

/* The cache directory: $HERD_CACHE_DIR, else $XDG_CACHE_HOME/herd/images,
 * else $HOME/.cache/herd/images.  Not created here.  Caller frees; NULL
 * with err (HERD_E_IO) when neither variable is usable. */
char *image_cache_default_dir(struct herd_err *err);

#endif
