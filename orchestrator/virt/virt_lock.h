/* orchestrator/virt/virt_lock.h — a lock every client of one libvirt daemon
 * sees: a small volume of a fixed name in a storage pool.
 *
 * libvirt refuses to create a second volume of a name a pool already has
 * (it checks and adds the name under the pool's lock, and the dir backend
 * creates the file with O_EXCL), so creating the volume is taking the
 * lock, atomically, for every user and every machine that talks to that
 * daemon; deleting it releases it.  The volume holds a short text, the
 * holder, written with virStorageVolUpload into a draft volume that the
 * lock is then cloned from (so the lock never exists without its text),
 * and read back with virStorageVolDownload, so a remote daemon works the
 * same.  What the text
 * says and when a lock may be broken is the caller's policy
 * (orchestrator/run/fleetlock.h).
 *
 * libvirt 9.0 (Debian 12) has no metadata API for networks or pools
 * (virNetworkSetMetadata is 9.7), and pools have no <metadata>: a volume
 * is the one place every client can write atomically.
 */
#ifndef HERD_VIRT_LOCK_H
#define HERD_VIRT_LOCK_H

#include "common/err.h"
#include "orchestrator/virt/virt.h"

#define VIRT_LOCK_MAX 4096	/* the volume's size: the longest holder text */
#define VIRT_LOCK_DRAFT ".draft-"	/* <lock>.draft-<pid>-<rand>: a lock being written */

/* Create volume `name` in the (existing) pool holding text (at most
 * VIRT_LOCK_MAX - 1 bytes).  Returns 0 when this call created it (the
 * lock is taken), 1 when a volume of that name exists (held by someone),
 * -1 with err (HERD_E_VIRT with libvirt's cause).  A volume created but
 * not written is deleted again before -1.  The test:/// driver takes no
 * uploads: there the text is not kept (its objects live in one process,
 * which no other client sees anyway). */
int virt_lock_create(struct virt *v, const char *pool, const char *name,
		     const char *text, struct herd_err *err);

/* The text held by lock volume `name`: *text is a new string (caller
 * frees), "" when nothing was written (yet).  Returns 0, 1 when there is
 * no such volume (*text NULL), -1 with err. */
int virt_lock_read(struct virt *v, const char *pool, const char *name,
		   char **text, struct herd_err *err);

/* How many seconds ago lock volume `name` was made, by the daemon host's
 * clock (its file's ctime) against this machine's: for a lock that stays
 * empty, whose taker died between creating and writing it.  Returns 0,
 * 1 when the age cannot be told (no such volume, no timestamps: the test
 * driver), -1 with err. */
int virt_lock_age(struct virt *v, const char *pool, const char *name, long *secs,
		  struct herd_err *err);

/* Delete the drafts of lock `name` (VIRT_LOCK_DRAFT) made more than
 * older_than seconds ago: what takers killed mid-take left.  Best effort,
 * quiet. */
void virt_lock_sweep_drafts(struct virt *v, const char *pool, const char *name,
			    long older_than);

/* Release: virt_vol_delete (virt_pool.h). */

#endif
