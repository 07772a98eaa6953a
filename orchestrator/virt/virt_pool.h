/* orchestrator/virt/virt_pool.h — storage pools and volumes through libvirt.
 *
 * Pools are directory pools.  Volume creation and deletion in one pool are
 * serialised (a mutex per pool name): libvirt refuses to clone from a
 * volume that another call is still building, and refuses a pool refresh
 * while a build runs.  Uploads stream outside the lock.
 *
 * Every function returns 0, or -1 with err (HERD_E_VIRT naming the object
 * and libvirt's cause; HERD_E_IO for a local file).  Returned paths are the
 * volume's absolute path on the libvirt host (caller frees).
 */
#ifndef HERD_VIRT_POOL_H
#define HERD_VIRT_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "orchestrator/virt/virt.h"

/* Ownership.  A pool herd makes carries herd's mark in its definition
 * (<source><vendor name='herd'/><product name='fleet=F'/></source>, or
 * product "images" for the shared image pool: libvirt keeps no <metadata>
 * for pools).  Every function below that takes `fleet` works only on a
 * pool carrying fleet's mark (fleet NULL: the shared image pool's mark),
 * and refuses any other pool of that name, marked for another fleet or
 * not at all (HERD_E_STATE naming the pool and its owner, or
 * "untagged").  In a fleet's pool, herd deletes only the volumes it names
 * (plan_vol_owner: <fleet>--<vm>.qcow2, <fleet>--<vm>-seed.iso, and the
 * VM's console log); the shared pool is only added to. */

/* Make sure directory pool `name` exists with target dir, is built,
 * active and autostarted, carrying fleet's mark (fleet NULL: the shared
 * image pool).  Idempotent; safe to call from several threads. */
int virt_pool_ensure(struct virt *v, const char *fleet, const char *name,
		     const char *dir, struct herd_err *err);

/* Delete the volumes herd named in fleet's pool `name`, stop it, delete
 * its directory and undefine it.  A missing pool is success (*removed 0).
 * A pool holding other volumes stays, with them (HERD_E_STATE naming
 * them).  fleet NULL (the shared image pool) is always refused. */
int virt_pool_remove(struct virt *v, const char *fleet, const char *name,
		     int *removed, struct herd_err *err);

/* *path = the volume's path, or NULL when the volume does not exist. */
int virt_vol_path(struct virt *v, const char *fleet, const char *pool,
		  const char *name, char **path, struct herd_err *err);

/* Delete volume `name` of `pool`; a missing pool or volume is success, a
 * name herd does not give fleet's VMs is refused (HERD_E_STATE). */
int virt_vol_delete(struct virt *v, const char *fleet, const char *pool,
		    const char *name, struct herd_err *err);

/* Create raw volume `name` (replacing one of that name) holding data[len],
 * through a virStorageVolUpload stream.  Mode 0600, as every volume herd
 * creates (a seed holds a private key). */
int virt_vol_upload_mem(struct virt *v, const char *fleet, const char *pool,
			const char *name, const void *data, size_t len, char **path,
			struct herd_err *err);

/* A base image in the shared image pool `pool`, named by its content:
 * `<sha256>.<format>`, then the marker volume `<sha256>.ok` once the
 * upload finished.  A volume without its marker (an upload cut off) is
 * deleted and uploaded again.  local is the image file on this machine;
 * format "qcow2" or "raw".  *uploaded (may be NULL) says whether this
 * call uploaded it. */
int virt_image_ensure(struct virt *v, const char *pool, const char *local,
		      const char *sha256, const char *format, char **path,
		      bool *uploaded, struct herd_err *err);

/* New qcow2 volume `name` of capacity bytes backed by base_path (format
 * base_format): a linked clone. */
int virt_vol_create_linked(struct virt *v, const char *fleet, const char *pool,
			   const char *name, const char *base_path,
			   const char *base_format, uint64_t capacity, char **path,
			   struct herd_err *err);

/* New qcow2 volume `name`, a full copy of volume base_name of the shared
 * image pool base_pool (virStorageVolCreateXMLFrom), grown to capacity
 * when that is larger. */
int virt_vol_create_full(struct virt *v, const char *fleet, const char *pool,
			 const char *name, const char *base_pool, const char *base_name,
			 uint64_t capacity, char **path, struct herd_err *err);

/* New empty qcow2 volume `name` of capacity bytes. */
int virt_vol_create_blank(struct virt *v, const char *fleet, const char *pool,
			  const char *name, uint64_t capacity, char **path,
			  struct herd_err *err);

#endif
