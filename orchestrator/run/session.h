/* orchestrator/run/session.h — what plan, apply and destroy share: the fleet
 * file, its state folder and lock, the libvirt connection, seed hashes,
 * the observed snapshot and the plan.
 *
 * session_open() does the steps asked for by flags, in order; the verb
 * prints.  Everything is released by session_close().
 */
#ifndef HERD_SESSION_H
#define HERD_SESSION_H

#include "common/err.h"
#include "orchestrator/cli/cmd.h"
#include "orchestrator/virt/virt.h"
#include "plans/fleet.h"
#include "plans/plan.h"
#include "seed/vmseed.h"

enum {
	SESSION_LOCK = 1,	/* take the fleet's apply lock (non-blocking) */
	SESSION_SEEDS = 2,	/* prepare seeds and their hashes */
	SESSION_PLAN = 4,	/* observe libvirt and build the plan */
};

struct session {
	struct fleet *fleet;
	struct fleet_diags diags;	/* when the file is invalid */
	char *state_dir;		/* the fleet's state folder */
	char *pool_base;		/* where pools live on the libvirt host */
	int lock_fd;			/* -1 unless SESSION_LOCK */
	struct virt *virt;
	struct vmseed *seeds;		/* SESSION_SEEDS */
	char **seed_hashes;		/* [fleet->n_vms], entries may be "" */
	struct plan_observed obs;	/* SESSION_PLAN */
	struct plan plan;
};

/* Returns 0; -2 when the fleet file is invalid (s->diags says why: exit
 * 2); -1 with err otherwise (a held lock is HERD_E_STATE with a message
 * naming the lock file).  Call session_close() in every case. */
int session_open(struct session *s, const struct herd_opts *opts, int flags,
		 struct herd_err *err);

/* The verb's side of session_open()'s result rc: print the fleet file's
 * diagnostics (-2) or err (-1) and return the exit code; EXIT_OK for 0. */
int session_exit_code(int rc, const struct session *s, const struct herd_err *err);

/* Observe again and rebuild the plan (after an apply, for --verify). */
int session_replan(struct session *s, struct herd_err *err);

void session_close(struct session *s);

#endif
