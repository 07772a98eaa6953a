/* orchestrator/run/fleetlock.h — the fleet lock: one apply or destroy of a
 * fleet at a time on a libvirt daemon, whoever runs it.
 *
 * The lock is the volume `<fleet>.lock` in the shared pool herd--images
 * (virt_lock.h: libvirt creates a volume name once, atomically, for every
 * client of the daemon).  Not the fleet's own pool: a lock that made that
 * pool would change what plan observes (a saved plan of a new fleet would
 * be stale at once), and destroy deletes that pool.  herd--images holds
 * `<sha256>.<format>` and `<sha256>.ok` volumes besides; a fleet name is
 * at most 31 characters, so `<fleet>.lock` cannot be one of them.
 *
 * The volume holds its holder as "key value" lines: verb, user, uid, pid,
 * host name, machine id, boot id, PID namespace, the process's start time
 * and the time the lock was taken.
 *
 * Stale, and then broken by the next taker: a holder on this machine
 * (same host name and machine id) whose boot id differs (the machine
 * rebooted since), or, in the same boot and PID namespace, whose process
 * is gone (no such PID, or a PID now used by a process that started at
 * another time).  A holder on another machine or in another PID namespace
 * cannot be judged from here: it is never broken, and the message says
 * how to delete the lock by hand once that herd is known to be gone.
 * Breaking is itself guarded by a second lock volume, `<fleet>.lock-break`,
 * so two takers that both found the same stale lock cannot both win.
 */
#ifndef HERD_FLEETLOCK_H
#define HERD_FLEETLOCK_H

#include <stddef.h>

#include "common/err.h"
#include "orchestrator/virt/virt.h"

/* Who holds a lock. */
struct fleetlock_holder {
	char verb[32];		/* "apply", "destroy" */
	char user[64];
	unsigned long uid;
	long pid;
	char host[256];
	char machine[64];	/* /etc/machine-id, "" if none */
	char boot[64];		/* /proc/sys/kernel/random/boot_id */
	char pidns[64];		/* readlink /proc/self/ns/pid */
	unsigned long long start;	/* process start, clock ticks after boot */
	long long since;	/* epoch seconds the lock was taken */
};

struct fleetlock;

/* Take fleet's lock on v for verb, making the pool herd--images (in
 * images_dir on the libvirt host) first if it is missing.  Returns the
 * lock (fleetlock_release), or NULL with err: HERD_E_STATE "fleet 'F' is
 * busy: ..." naming the holder when another herd holds it, HERD_E_VIRT
 * when libvirt failed.  A stale lock is broken and taken; then broke
 * (size 512, may be NULL) describes the holder it had, else it is "". */
struct fleetlock *fleetlock_take(struct virt *v, const char *fleet,
				 const char *images_dir, const char *verb,
				 char *broke, struct herd_err *err);

/* Delete the lock if it is still this process's (someone may have
 * deleted it by hand meanwhile) and free l.  Accepts NULL. */
void fleetlock_release(struct fleetlock *l);

/* ---- the parts below are the policy, exposed for unit tests ---- */

/* This process as a holder (since: now). */
void fleetlock_self(struct fleetlock_holder *h, const char *verb);

/* h as the volume's text (caller frees). */
char *fleetlock_format(const struct fleetlock_holder *h);

/* Parse a volume's text into h.  Returns 0, or -1 when it is not a
 * holder record (empty: being written, or garbage). */
int fleetlock_parse(const char *text, struct fleetlock_holder *h);

enum fleetlock_verdict {
	FLEETLOCK_LIVE,		/* its process runs here */
	FLEETLOCK_STALE,	/* its process is gone */
	FLEETLOCK_FOREIGN,	/* another machine or PID namespace: unknown */
};

/* Judge holder h from self (fleetlock_self) by the rules above. */
enum fleetlock_verdict fleetlock_judge(const struct fleetlock_holder *h,
				       const struct fleetlock_holder *self);

/* "herd apply by alice (uid 1000), pid 42 on host hv1, since
 * 2024-05-01 10:00:00 UTC" into out. */
void fleetlock_describe(const struct fleetlock_holder *h, char *out, size_t n);

#endif
