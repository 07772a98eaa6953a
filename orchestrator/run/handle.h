/* orchestrator/run/handle.h — the fleet handle: everything a verb opens
 * before it acts, in one place and one order (orchestrator/run/README.md
 * says what run/ owns and may call).  Nothing here prints: the fleet
 * file's diagnostics come back in h->diags, other failures in err.
 *
 * handle_open() does what the flags ask, in this order: load the fleet
 * file; find (and check, or make) the state folder; connect to libvirt;
 * take the fleet lock; make the fleet key and known_hosts; render every
 * seed and hash it; observe libvirt; build the plan.  A flag brings the
 * steps it needs (HANDLE_PLAN observes, observing connects, ...).
 */
#ifndef HERD_HANDLE_H
#define HERD_HANDLE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "orchestrator/reach/sshc.h"
#include "orchestrator/virt/virt_track.h"
#include "plans/fleet.h"
#include "plans/plan.h"
#include "seed/vmseed.h"

struct virt;
struct fleetlock;

/* What the command line says; the strings are borrowed for the handle's
 * life. */
struct handle_opts {
	const char *fleet_file;	/* the fleet file */
	const char *connect;	/* --connect, or NULL: the file's libvirt:, then
				 * LIBVIRT_DEFAULT_URI */
	const char *state_root;	/* --state-dir, or NULL (state.h) */
	const char *verb;	/* recorded in the lock: "apply", "destroy" */
	bool allow_outside;	/* --allow-outside: the fleet may name files
				 * outside its folder (plans/fleet.h) */
};

enum handle_flags {
	HANDLE_STATE = 1 << 0,	 /* find the state folder (checked if it exists) */
	HANDLE_VIRT = 1 << 1,	 /* connect to libvirt */
	HANDLE_EVENTS = 1 << 2,	 /* ... with libvirt's event loop (lifecycle events) */
	HANDLE_LOCK = 1 << 3,	 /* take the fleet lock (fleetlock.h); sets pool_base */
	HANDLE_KEYS = 1 << 4,	 /* the fleet key and known_hosts exist */
	HANDLE_SEEDS = 1 << 5,	 /* every VM's seed rendered and hashed */
	HANDLE_OBSERVE = 1 << 6, /* what libvirt holds for the fleet, in obs */
	HANDLE_PLAN = 1 << 7,	 /* ... and the plan (with seed hashes if SEEDS) */
};

#define HANDLE_INVALID (-2)	/* handle_open: the fleet file is invalid */

struct handle {
	struct handle_opts opts;
	struct fleet *fleet;
	struct fleet_diags diags;	/* HANDLE_INVALID: why */
	char *state_dir;		/* <state root>/<fleet> (HANDLE_STATE) */
	char *key_path;			/* state_dir/id_ed25519 */
	char *known_hosts;		/* state_dir/known_hosts */
	struct virt *virt;		/* HANDLE_VIRT or handle_connect() */
	char *pool_base;		/* HANDLE_LOCK: where pools live on the
					 * libvirt host */
	struct fleetlock *lock;		/* HANDLE_LOCK */
	char lock_broke[512];		/* the stale holder the lock broke, or "" */
	struct vmseed *seeds;		/* HANDLE_SEEDS */
	char **seed_hashes;		/* HANDLE_SEEDS: [fleet->n_vms] */
	struct plan_observed obs;	/* HANDLE_OBSERVE */
	struct plan plan;		/* HANDLE_PLAN */
};

/* Open h as flags ask.  Returns 0; HANDLE_INVALID when the fleet file is
 * invalid (h->diags says why: exit 2); -1 with err otherwise (a lock held
 * by another herd is HERD_E_STATE naming the holder).  Call handle_close()
 * in every case; h must not move while open (diags point into it). */
int handle_open(struct handle *h, const struct handle_opts *opts, unsigned flags,
		struct herd_err *err);

/* Release everything (the lock too); safe to call twice. */
void handle_close(struct handle *h);

/* Connect to libvirt now, for a verb that needs it only sometimes (an
 * address only libvirt knows); a no-op when connected.  0 or -1 with err. */
int handle_connect(struct handle *h, struct herd_err *err);

/* Observe again and rebuild the plan (after an apply, for --verify). */
int handle_replan(struct handle *h, struct herd_err *err);

/* libvirt's name of vm's primary (first) network; NULL on a host bridge
 * or without a NIC.  Caller frees. */
char *handle_primary_net(const struct handle *h, const struct fleet_vm *vm);

/* The address herd reaches vm at, into ip (size 64): the planned one on
 * its primary network, else the one libvirt knows now (lease, guest
 * agent, ARP: see virt_dom_addr), connecting to libvirt on first need.
 * "" when none is known yet, which is not an error; src (may be NULL)
 * says where it came from.  Returns 0, or -1 with err (no connection). */
int handle_vm_addr(struct handle *h, const struct fleet_vm *vm, char *ip,
		   enum virt_addr_src *src, struct herd_err *err);

/* A selection of VMs: indexes into fleet->vms. */
struct handle_sel {
	size_t *idx;
	size_t n;
};

/* Select VMs by names (--vm, may be NULL/0) and group (-g, may be NULL);
 * none of either selects all.  Returns 0, or -1 with err (HERD_E_USAGE)
 * naming an unknown VM or group. */
int handle_select(const struct handle *h, const char *const *names, size_t n_names,
		  const char *group, struct handle_sel *sel, struct herd_err *err);
void handle_sel_release(struct handle_sel *sel);

/* The SSH target of vm at address addr (NULL: its planned address), with
 * the fleet key and the VM's own host key expected.  Strings point into
 * hold (released with handle_target_release).  Needs HANDLE_STATE.
 * Returns 0, or -1 with err (no address known, host key unreadable). */
struct handle_target_hold {
	char *host;
	char *host_key;
};
int handle_target(struct handle *h, const struct fleet_vm *vm, const char *addr,
		  struct sshc_target *t, struct handle_target_hold *hold,
		  struct herd_err *err);
void handle_target_release(struct handle_target_hold *hold);

#endif
