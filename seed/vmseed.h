/* seed/vmseed.h — the seed of a fleet's VMs: context, keys and files,
 * ready for `herd render`, `herd seed` and apply.
 *
 * A struct vmseed is made once per fleet (it loads or creates the fleet
 * key and builds the shared part of the template context, whose `all`
 * list is O(VMs)), then builds any number of VM seeds.  After vmseed_new
 * returns, vmseed_build and vmseed_write_iso only read it, so worker
 * threads may share one (host keys are created with O_EXCL: two workers
 * racing on one VM agree on one key).
 */
#ifndef HERD_VMSEED_H
#define HERD_VMSEED_H

#include "common/err.h"
#include "plans/fleet.h"
#include "seed/bundle.h"

struct vmseed;

/* Prepare seeds for fleet f (borrowed: it must outlive the vmseed) with
 * keys in the fleet's state folder state_dir (created 0700 if missing;
 * see seed/keys.h for its layout and orchestrator/run/state.h for where it
 * is).  Returns the vmseed (free it with vmseed_free), or NULL with err
 * set (HERD_E_IO, HERD_E_SSH, HERD_E_STATE from the key files). */
struct vmseed *vmseed_new(const struct fleet *f, const char *state_dir,
			  struct herd_err *err);
void vmseed_free(struct vmseed *s);

/* Seeds for checking only (herd validate): no state folder, no file
 * written; the fleet key and every VM's host key are one pair made in
 * memory, so the seeds have their real shape and size.  Returns the
 * vmseed, or NULL with err set (HERD_E_SSH). */
struct vmseed *vmseed_new_offline(const struct fleet *f, struct herd_err *err);

/* Fill b (initialized, empty) with vm's seed: NoCloud files (label
 * cidata) or ks.cfg (label OEMDRV) by its bootstrap; for bootstrap none b
 * stays empty with label NULL.  Creates vm's host key on first use
 * (NoCloud only).  Returns 0, or -1 with err set ("FILE:LINE:COL: ..."
 * for template errors) and b empty. */
int vmseed_build(const struct vmseed *s, const struct fleet_vm *vm,
		 struct bundle *b, struct herd_err *err);

/* vmseed_build, then write the ISO at out_path atomically (seed/iso.h).
 * Returns 0, or -1 with err set; bootstrap none is an error
 * (HERD_E_USAGE). */
int vmseed_write_iso(const struct vmseed *s, const struct fleet_vm *vm,
		     const char *out_path, struct herd_err *err);

/* One-shot for `herd seed NAME -o FILE`: vmseed_new + vmseed_write_iso +
 * vmseed_free. */
int vmseed_write_one(const struct fleet *f, const struct fleet_vm *vm,
		     const char *state_dir, const char *out_path, struct herd_err *err);

#endif
