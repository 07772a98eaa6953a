/* orchestrator/run/apply.h — carry out a plan: the parallel executor.
 *
 * apply_run() first does the shared work in order (the fleet pool, the
 * networks with every VM's DHCP host, deletions, base images into
 * herd--images), then hands the VM actions to a bounded pool of worker
 * threads sharing one libvirt connection.  Per VM: disk volume (linked or
 * full clone, or blank), seed ISO uploaded into the fleet pool, define,
 * start.  A domain is defined only after its disk and seed exist, so an
 * apply killed at any point leaves either no domain (the next plan says
 * create, and the stale volumes are replaced) or a complete one.
 *
 * One VM's failure does not stop the others: each action gets its own
 * result.  Nothing here prints; a callback reports each finished action.
 */
#ifndef HERD_APPLY_H
#define HERD_APPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "orchestrator/virt/virt.h"
#include "plans/fleet.h"
#include "plans/plan.h"
#include "seed/vmseed.h"

#define APPLY_DEFAULT_JOBS 8
#define APPLY_MAX_JOBS 64

/* Called (serialised) after each action: err is NULL on success.
 * done/total count the actions that do work (not UNCHANGED). */
typedef void (*apply_done_fn)(void *ctx, const struct plan_action *a,
			      const struct herd_err *err, size_t done, size_t total);

struct apply_opts {
	int jobs;			/* workers, 1..APPLY_MAX_JOBS; 0: default */
	bool restart;			/* UPDATE of a running VM: power-cycle it */
	const char *pool_base;		/* folder on the libvirt host holding the
					 * pools herd-<fleet> and herd--images */
	const char *cache_dir;		/* image cache for url: images; NULL: default */
	const struct vmseed *seeds;	/* NULL: no seeds (every VM bootstrap none) */
	apply_done_fn on_done;		/* may be NULL */
	void *ctx;
};

/* What happened: results[i] belongs to p->acts[i] (code HERD_OK when it
 * worked or had nothing to do). */
struct apply_report {
	struct herd_err *results;	/* [p->n] */
	size_t n_ok, n_failed;
	size_t n_uploaded;		/* base images this apply put into herd--images */
};

/* Apply plan p (built from f) over connection v.  Returns 0 when every
 * action worked, -1 when any failed (each failure in rep->results, the
 * first also in err).  rep is released with apply_report_release. */
int apply_run(struct virt *v, const struct fleet *f, const struct plan *p,
	      const struct apply_opts *o, struct apply_report *rep, struct herd_err *err);
void apply_report_release(struct apply_report *rep);

/* The sha256 of the seed files in b (label, names and bytes) as hex into
 * out[65]; "" for an empty bundle.  Equal files give an equal ISO. */
void apply_seed_hash(const struct bundle *b, char out[65]);

#endif
