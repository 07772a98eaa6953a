/* plans/plan.h — the planner's diff: desired VMs against what libvirt holds.
 *
 * Pure: no libvirt, no I/O.  The orchestrator fills a struct plan_observed
 * (orchestrator/virt/virt.c does, from libvirt) and plan_build() turns the fleet
 * plus that snapshot into ordered actions.
 *
 * Every VM has a spec hash over the fields whose change needs a new disk or
 * seed (image, disk, clone, seed, networks, mac, ip), and one short hash per
 * field; both go into the domain's metadata, so a later plan can say which
 * fields changed.  cpus and memory are compared with libvirt's own values
 * and only need a redefine (an update).  A change of the seed alone keeps
 * the disk: the seed volume is replaced and the domain redefined (reseed);
 * the guest sees it at its next cold boot, as a new cloud-init instance.
 */
#ifndef HERD_PLAN_H
#define HERD_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plans/fleet.h"
#include "plans/plan_hash.h"

/* ---- the observed snapshot (plain data; the filler owns the strings) ---- */

enum plan_dom_state { PLAN_DOM_OFF, PLAN_DOM_RUNNING, PLAN_DOM_OTHER };

struct plan_obs_vm {
	char *domain;			/* libvirt name, "<fleet>--<vm>" (older
					 * herds: "<fleet>-<vm>") */
	char *name;			/* vm name from the metadata */
	struct plan_hashes h;		/* from the metadata ("" when absent) */
	unsigned cpus;			/* what it runs with (live when running) */
	uint64_t memory;		/* bytes */
	unsigned cfg_cpus;		/* its persistent definition; 0: as above */
	uint64_t cfg_memory;
	enum plan_dom_state state;
	char live_seed[PLAN_FIELD_HEX + 1];	/* running: the seed hash it was
						 * started with; "" off or unknown */
	bool installing;		/* defined to boot its installer (kickstart) */
};

struct plan_obs_net {
	char *name;			/* "herd-<fleet>--<net>" (older herds:
					 * "herd-<fleet>-<net>") */
	bool active;
	char hash[PLAN_FIELD_HEX + 1];	/* plan_net_hash when made, from its tag */
};

#define PLAN_NET_PREFIX "herd-"	/* networks are herd-<fleet>--<net> */

struct plan_observed {
	struct plan_obs_vm *vms;	/* domains tagged for this fleet */
	size_t n_vms;
	struct plan_obs_net *nets;	/* networks tagged for this fleet */
	size_t n_nets;
	char **vols;			/* volume names in the fleet pool */
	size_t n_vols;
	bool pool;			/* herd-<fleet> exists */
	bool pool_active;
};

/* Release everything the snapshot holds (accepts NULL members) and zero it. */
void plan_observed_release(struct plan_observed *o);
/* Append helpers for fillers: copies the strings. */
struct plan_obs_vm *plan_observed_add_vm(struct plan_observed *o, const char *domain);
struct plan_obs_net *plan_observed_add_net(struct plan_observed *o, const char *name,
					   bool active);
void plan_observed_add_vol(struct plan_observed *o, const char *name);

/* A fingerprint of the snapshot (sha256 hex, 64 + NUL), independent of the
 * order the filler found things in. */
void plan_observed_fingerprint(const struct plan_observed *o, char out[65]);

/* ---- names of what herd makes for a fleet ---- */

#define PLAN_VOL_DISK_SUFFIX ".qcow2"	/* <domain>.qcow2: the VM's disk */
#define PLAN_VOL_SEED_SUFFIX "-seed.iso"	/* <domain>-seed.iso: its seed */

/* The domain a fleet-pool volume belongs to (the name without its suffix,
 * caller frees), or NULL when the name is not one herd gives. */
char *plan_vol_owner(const char *vol);

/* "herd-<fleet>--<net>", caller frees. */
char *plan_net_name(const char *fleet, const char *net);
/* "herd-<fleet>-": what the names of fleet's networks start with, those
 * an older herd made ("herd-<fleet>-<net>") included; caller frees.  Other
 * fleets' networks may start with it too: only the tag tells. */
char *plan_net_prefix(const char *fleet);
/* The names an older herd gave (before names were joined with "--"):
 * "<fleet>-<vm>" and "herd-<fleet>-<net>"; caller frees.  The planner
 * renames such objects (recreates them under the new name). */
char *plan_legacy_domain(const char *fleet, const char *vm);
char *plan_legacy_net_name(const char *fleet, const char *net);
/* "herd-<fleet>", caller frees. */
char *plan_pool_name(const char *fleet);

/* ---- actions ---- */

enum plan_kind {
	PLAN_POOL_CREATE,	/* the fleet pool */
	PLAN_NET_CREATE,	/* a network that does not exist */
	PLAN_NET_START,		/* a network defined but inactive */
	PLAN_NET_RECREATE,	/* a network whose mode or addresses changed */
	PLAN_DELETE,		/* a tagged domain not in the file */
	PLAN_VOL_DELETE,	/* a volume in the fleet pool nobody owns */
	PLAN_NET_DELETE,	/* a tagged network no longer in the file */
	PLAN_RECREATE,
	PLAN_CREATE,
	PLAN_UPDATE,
	PLAN_RESEED,		/* only the seed changed: new seed, same disk */
	PLAN_START,
	PLAN_RESTART,		/* redefined, runs with the old cpus/memory/seed */
	PLAN_INSTALLED,		/* the installer ran and powered off: boot the disk */
	PLAN_UNCHANGED,
	PLAN_KIND_COUNT
};

struct plan_action {
	enum plan_kind kind;
	const struct fleet_vm *vm;		/* desired VM, or NULL */
	const struct fleet_network *net;	/* NET_*: the network, else NULL */
	char *object;				/* domain, network or volume name */
	char *old;				/* RECREATE, NET_RECREATE: the name it
						 * has now when it is renamed (made by
						 * an older herd), else NULL */
	struct plan_hashes h;			/* desired hashes (VM actions) */
	unsigned changed;			/* RECREATE, RESEED: bits of enum plan_field */
	bool restart;				/* UPDATE, RESEED, RESTART: running,
						 * needs a restart */
	bool install;				/* define it to boot its installer */
	char why[160];				/* "image, disk" or "cpus 1 -> 2" */
};

struct plan {
	struct plan_action *acts;	/* ordered: pool, networks, deletes, ... */
	size_t n;
	size_t count[PLAN_KIND_COUNT];
	char observed_fp[65];		/* plan_observed_fingerprint */
	char desired_fp[65];		/* over every desired VM's hashes */
};

/* Diff f (with seed_hashes[i] for f->vms[i]; the array or entries may be
 * NULL) against obs into p (released with plan_release).  Never fails. */
void plan_build(const struct fleet *f, const char *const *seed_hashes,
		const struct plan_observed *obs, struct plan *p);
void plan_release(struct plan *p);

/* UPDATE, RESEED and RESTART: the kinds that may leave a running VM on
 * its old definition until restarted. */
bool plan_kind_restarts(enum plan_kind k);

/* What summaries count as "to update": update, reseed, start, restart. */
size_t plan_count_updates(const struct plan *p);

/* True when applying p would change nothing: only UNCHANGED actions, and
 * RESTART ones unless with_restarts (apply --restart). */
bool plan_is_empty(const struct plan *p, bool with_restarts);

#endif
