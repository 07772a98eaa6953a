/* seed/bundle.h — the files of one seed (name + bytes) and its volume
 * label, as seed/iso.h's writer takes them.
 *
 * A struct bundle is embedded by value: bundle_init() before use,
 * bundle_release() after.  It owns the bytes of its files.
 */
#ifndef HERD_BUNDLE_H
#define HERD_BUNDLE_H

#include <stddef.h>

#include "common/err.h"
#include "plans/fleet.h"
#include "seed/iso.h"

#define BUNDLE_MAX_FILES 4	/* user-data, meta-data, network-config, vendor-data */

/* A seed is configuration, not a way to ship data: a NoCloud seed over a
 * few MiB is a mistake (an alias or a template gone wrong), and apply
 * renders every VM's. */
#define SEED_MAX_FILE ((size_t)2 << 20)		/* one file: user-data, ks.cfg, ... */
#define SEED_MAX_TOTAL ((size_t)4 << 20)	/* all files of one seed */

struct bundle {
	const char *label;			/* ISO_LABEL_*, static; NULL: no seed */
	struct iso_file files[BUNDLE_MAX_FILES];	/* data owned by the bundle */
	size_t n;
};

void bundle_init(struct bundle *b);
/* Free every file's bytes; the bundle is empty (and reusable) afterwards. */
void bundle_release(struct bundle *b);

/* Append file `name` (static storage) with the bytes data[0..len), which
 * the bundle takes (it frees them).  Aborts when the bundle is full: the
 * number of files is a property of the code, not of the input. */
void bundle_add_take(struct bundle *b, const char *name, char *data, size_t len);

/* The bytes of file `name`, or NULL; borrowed from the bundle. */
const struct iso_file *bundle_get(const struct bundle *b, const char *name);

/* Record in err (HERD_E_CONFIG) that vm's seed file `what` (or the whole
 * seed) would be larger than limit, as "FILE:LINE:COL: vm 'x': ..." at the
 * VM's entry in the fleet file.  Returns -1. */
int bundle_too_big(struct herd_err *err, const struct fleet_vm *vm, const char *what,
		   size_t limit);

/* Check b against SEED_MAX_FILE and SEED_MAX_TOTAL: 0, or -1 with err set
 * by bundle_too_big. */
int bundle_check_size(const struct bundle *b, const struct fleet_vm *vm,
		      struct herd_err *err);

/* Write the bundle as an ISO image at path (atomically, see iso.h).
 * Returns 0, or -1 with err set; a bundle without a label is an error. */
int bundle_write_iso(const struct bundle *b, const char *path, struct herd_err *err);

#endif
