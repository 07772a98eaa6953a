/* orchestrator/virt/virt_snap.h — internal snapshots of a domain, for resetting
 * classrooms.  herd names fleet snapshots the same on every VM.  Every
 * function works only on a domain tagged for fleet: any other domain of
 * that name is refused (HERD_E_STATE naming its owner, or "untagged"). */
#ifndef HERD_VIRT_SNAP_H
#define HERD_VIRT_SNAP_H

#include <stddef.h>

#include "common/err.h"
#include "orchestrator/virt/virt.h"

/* Take internal snapshot `snap` of domain (disk and, when running, memory).
 * Fails if it exists.  Returns 0 or -1 with err. */
int virt_snap_create(struct virt *v, const char *fleet, const char *domain,
		     const char *snap, struct herd_err *err);
/* Revert domain to snap; a snapshot of a running domain comes back
 * running. */
int virt_snap_revert(struct virt *v, const char *fleet, const char *domain,
		     const char *snap, struct herd_err *err);
/* Delete snap of domain; *deleted says whether it existed. */
int virt_snap_delete(struct virt *v, const char *fleet, const char *domain,
		     const char *snap, int *deleted, struct herd_err *err);
/* Names of domain's snapshots, oldest first (caller frees each and the
 * array). */
int virt_snap_list(struct virt *v, const char *fleet, const char *domain,
		   char ***names, size_t *n, struct herd_err *err);

#endif
