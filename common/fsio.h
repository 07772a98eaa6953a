/* common/fsio.h — the small file operations seeds, keys and the image cache need: read a file
 * with a size limit, write one atomically with an exact mode, make private
 * directories.
 *
 * Modes are never umask-dependent: files and directories are created and
 * then fchmod()/chmod()ed to the mode asked for.
 */
#ifndef HERD_FSIO_H
#define HERD_FSIO_H

#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"

/* Flags of fsio_write_atomic. */
enum {
	FSIO_REPLACE = 0,	/* rename over an existing file */
	FSIO_EXCL = 1,		/* never replace: link(2), so a concurrent writer loses */
	FSIO_SYNC = 2,		/* fsync the file before the rename and the folder
				 * after it: for data that cannot be made again
				 * (keys), not for derived files */
};

/* Write len bytes to path through a temporary file in the same directory
 * (".NAME.XXXXXX", created O_CREAT|O_EXCL), give it `mode`, fsync it if
 * flags has FSIO_SYNC, then move it into place (and then fsync the folder,
 * with FSIO_SYNC: a power cut leaves the old file or the whole new one).  A reader never sees a
 * half-written file.
 * Returns 0 when written, 1 when flags has FSIO_EXCL and path already exists
 * (nothing written, no error), -1 with err set (HERD_E_IO) otherwise; the
 * temporary file is removed on every path. */
int fsio_write_atomic(const char *path, const void *data, size_t len,
		      mode_t mode, unsigned flags, struct herd_err *err);

/* fsync the file at path (its data and size), and the folder holding
 * path (the name: after a rename that publishes it).  Returns 0, or -1
 * with err (HERD_E_IO). */
int fsio_sync_file(const char *path, struct herd_err *err);
int fsio_sync_dir_of(const char *path, struct herd_err *err);

/* Read the whole file at path into a new NUL-terminated buffer (*out, the
 * caller frees it; *len excludes the NUL; len may be NULL).  Files larger
 * than max bytes are refused.  Symbolic links are followed unless
 * nofollow is set.  Returns 0, or -1 with err set (HERD_E_IO; sys_errno is
 * ENOENT when the file does not exist) and *out NULL. */
int fsio_read(const char *path, size_t max, int nofollow, char **out,
	      size_t *len, struct herd_err *err);

/* Make directory path and any missing parents; every directory this call
 * creates gets exactly mode `mode` (e.g. 0700).  Existing directories are
 * left as they are.  Returns 0, or -1 with err set (HERD_E_IO). */
int fsio_mkdirs(const char *path, mode_t mode, struct herd_err *err);

#endif
