/* seed/iso.h — seed media: an ISO 9660 image with Joliet and Rock Ridge,
 * written in process with libarchive (the only libarchive writer in herd).
 *
 * The image holds a flat list of files under a volume label: `cidata` for
 * NoCloud (user-data, meta-data, network-config, vendor-data) or `OEMDRV`
 * for Kickstart (ks.cfg).  Output is deterministic: the same label and files
 * give a byte-identical image on any day, in any time zone, because every
 * timestamp in it is ISO_FIXED_TIME in UTC.
 */
#ifndef HERD_ISO_H
#define HERD_ISO_H

#include <stddef.h>
#include <time.h>

#include "common/err.h"

#define ISO_LABEL_NOCLOUD "cidata"
#define ISO_LABEL_KICKSTART "OEMDRV"

/* Every file, directory and volume date in the image: 2000-01-01T00:00:00Z. */
#define ISO_FIXED_TIME ((time_t)946684800)

/* Largest image iso_write_* builds; seeds are a few kilobytes. */
#define ISO_MAX_SIZE ((size_t)64 << 20)

/* One file of the image, borrowed for the duration of the call. */
struct iso_file {
	const char *name;	/* [A-Za-z0-9._-], 1..64 chars, not "." or ".." */
	const void *data;
	size_t len;
};

/* Build the image in memory.  label is 1..32 characters of [A-Za-z0-9_-];
 * names must be distinct.  On success *out (the caller frees it) holds
 * *out_len bytes and 0 is returned; on error -1, err set (HERD_E_USAGE for
 * a bad label or name, HERD_E_ARCHIVE for libarchive), *out NULL. */
int iso_write_mem(const char *label, const struct iso_file *files, size_t n,
		  char **out, size_t *out_len, struct herd_err *err);

/* Build the image and write it to path (mode 0600 whatever the umask: a
 * seed holds the VM's SSH host private key) through a temporary
 * file in path's directory that is renamed over path at the end, so path
 * is either the old file or the complete new one.  Not fsynced: a seed is
 * derived data, rebuilt byte-identically from its inputs.  Returns 0, or -1 with
 * err set (as iso_write_mem, or HERD_E_IO). */
int iso_write_file(const char *path, const char *label,
		   const struct iso_file *files, size_t n, struct herd_err *err);

#endif
