/* orchestrator/run/track.h — readiness, in stages: the domain runs, its address
 * is known, SSH answers and takes the fleet key (the guest's host key
 * verified against the one herd made), cloud-init has finished.
 *
 * track_wait() follows VMs in parallel (a bounded number of SSH sessions
 * at once) until each reaches the target stage, fails, or the deadline
 * passes; lifecycle events from libvirt mark a VM that crashed or stopped
 * at once (the handle must be opened with HANDLE_EVENTS).
 * track_probe() takes one quick look at each VM, for `herd status`.
 */
#ifndef HERD_TRACK_H
#define HERD_TRACK_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "orchestrator/run/handle.h"
#include "orchestrator/virt/virt_track.h"

enum track_stage {
	TRACK_NONE,
	TRACK_RUNNING,
	TRACK_IP,
	TRACK_SSH,
	TRACK_CLOUD_INIT,
};

/* "running", "ip", "ssh", "cloud-init" -> *st; -1 with err otherwise. */
int track_stage_parse(const char *s, enum track_stage *st, struct herd_err *err);
/* The stage's word ("-" for TRACK_NONE); static storage. */
const char *track_stage_str(enum track_stage st);

struct track_vm {
	const struct fleet_vm *vm;	/* borrowed from the fleet */
	enum track_stage reached;
	enum virt_dom_state state;
	char ip[64];			/* "" until known */
	enum virt_addr_src src;
	double elapsed;			/* seconds from the start to `reached` */
	long since;			/* epoch seconds `reached` was first seen */
	bool failed;			/* gave up: why says why */
	bool warning;			/* cloud-init finished degraded: why says why */
	char why[512];
	volatile int stopped;		/* set from the event thread: crashed or stopped */
	struct virt *conn;		/* internal: the follower's own connection */
};

struct track_opts {
	enum track_stage target;	/* stop at this stage */
	int timeout_ms;			/* overall deadline; <= 0: 10 minutes */
	int jobs;			/* VMs followed at once; <= 0: 16 */
	/* Called (from worker threads, serialised) whenever a VM reaches a
	 * stage, fails or warns; may be NULL. */
	void (*on_change)(void *ud, const struct track_vm *t);
	void *ud;
};

/* Initialise t[0..n) for the VMs listed in idx. */
void track_init(struct track_vm *t, const struct handle *s, const size_t *idx, size_t n);

/* Follow t[0..n) until each reached o->target or failed.  Returns how many
 * did not make it (0: all ready). */
size_t track_wait(struct handle *s, struct track_vm *t, size_t n,
		  const struct track_opts *o);

/* One quick look at each VM (no waiting; SSH with a short timeout), with
 * o->jobs at once; fills reached, state, ip and since. */
void track_probe(struct handle *s, struct track_vm *t, size_t n, int jobs);

#endif
