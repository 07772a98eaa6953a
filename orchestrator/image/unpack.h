/* orchestrator/image/unpack.h — follow a growing file: hash it, decompress it.
 *
 * The only libarchive reader in herd.  A download is written to a partial
 * file by orchestrator/image/fetch.c; an unpack reader runs in its own thread and
 * reads that file behind the writer (from the page cache), so hashing and
 * decompression overlap the transfer instead of following it.
 *
 * Why a thread that tails the file, rather than feeding libarchive from
 * curl's write callback: libarchive's reader pulls (its read callback asks
 * for the next block) while curl pushes, so one of them needs its own
 * stack.  Reading the partial file, rather than a pipe or a memory queue,
 * makes resume free (the reader starts at byte 0 of whatever is on disk,
 * whether it came from this run or an earlier one), needs no buffer limits
 * and no back-pressure, and works unchanged for a local file.
 *
 * The reader maps the bytes it reads (own_input) rather than copying them
 * out of the page cache: on a fast link the hash is the slowest stage, and
 * a copy per byte on its thread showed in the download rate.
 *
 * The compression is recognised from the first bytes (gzip, bzip2, xz,
 * zstd), never from the name.  Compressed input is decompressed with
 * libarchive's "raw" format and that one filter, into out_path (sparse: runs
 * of zeros are skipped, not written).  Uncompressed input is only hashed;
 * the input file is then the image itself.
 */
#ifndef HERD_UNPACK_H
#define HERD_UNPACK_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/hash.h"

enum unpack_comp { UNPACK_NONE, UNPACK_GZIP, UNPACK_BZIP2, UNPACK_XZ, UNPACK_ZSTD };

struct unpack_opts {
	enum hash_algo algo;
	int hash_output;	/* 1: hash the image (decompressed) bytes; 0: the input */
	const char *out_path;	/* where a decompressed image goes (created, truncated) */
	uint64_t max_output;	/* decompression bomb guard; 0: UNPACK_MAX_OUTPUT */
	int own_input;		/* 1: only this process writes in_path, and only
				 * appends: the reader may map it instead of
				 * copying it (a file someone else could shorten
				 * would turn the mapping into SIGBUS) */
};

#define UNPACK_MAX_OUTPUT (1ULL << 40)
#define UNPACK_HEAD_MAX 512

struct unpack_result {
	enum unpack_comp comp;
	char hex[HASH_HEX_MAX];		/* digest of the bytes opts chose */
	char image_sha256[HASH_HEX_MAX];	/* compressed input hashed (not
					 * hash_output): the sha256 of the image
					 * made, so the cache can check it later;
					 * "" otherwise (hex covers the image) */
	uint64_t in_bytes;		/* bytes read from the input */
	uint64_t out_bytes;		/* size of the image (== in_bytes when NONE) */
	unsigned char head[UNPACK_HEAD_MAX];	/* first bytes of the image */
	size_t head_len;
};

struct unpack;

/* Open in_path (which must exist, possibly empty) and start the reader
 * thread.  opts is copied (out_path too).  Returns NULL with err filled if
 * the file cannot be opened or the thread not started. */
struct unpack *unpack_start(const char *in_path, const struct unpack_opts *opts,
			    struct herd_err *err);

/* Tell the reader the input now holds `size` bytes (never less than an
 * earlier call).  Returns -1 with the reader's error if it has failed
 * (corrupt compressed data, disk full), so the writer can stop early.
 * Thread-safe; cheap enough to call for every block written. */
int unpack_feed(struct unpack *u, uint64_t size, struct herd_err *err);

/* Stop the reader and free u.  complete=1: the input is final; wait until
 * everything is read and fill res.  complete=0: abandon (res untouched,
 * returns -1 without touching err).  Returns -1 with err filled if the
 * reader failed.  Accepts NULL. */
int unpack_finish(struct unpack *u, int complete, struct unpack_result *res,
		  struct herd_err *err);

/* The compression the first n bytes announce (n >= 6 to tell all apart). */
enum unpack_comp unpack_sniff(const unsigned char *p, size_t n);

/* "none", "gzip", "bzip2", "xz", "zstd". */
const char *unpack_comp_name(enum unpack_comp comp);

#endif
