/* orchestrator/virt/virt_int.h — what the virt*.c files share: the connection
 * struct and the error helper.  Included only by orchestrator/virt/ (the
 * only files that see libvirt's headers). */
#ifndef HERD_VIRT_INT_H
#define HERD_VIRT_INT_H

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdbool.h>

#include "common/err.h"

#define VIRT_MAX_POOL_LOCKS 8

struct virt_pool_lock {
	char name[64];
	pthread_mutex_t mu;
};

/* herd's own locks around storage pools, shared by a connection and its
 * siblings (virt_open_sibling). */
struct virt_locks {
	pthread_mutex_t table_mu;	/* guards locks[] */
	struct virt_pool_lock locks[VIRT_MAX_POOL_LOCKS];
	size_t n_locks;
};

struct virt {
	virConnectPtr conn;
	char *uri;
	bool test;		/* test:/// driver */
	bool system;		/* privileged daemon */
	struct virt_locks own;
	struct virt_locks *lk;	/* &own, or the parent's for a sibling */
};

/* ---- libvirt's errors ----
 *
 * libvirt keeps its last error per thread and resets it at the start of
 * every API call, also of one that then succeeds: a virDomainIsActive()
 * after a failed virDomainCreate() left "no error" to report.  So every
 * libvirt call whose failure herd may report goes through virt_ck() (int
 * results) or virt_ckp() (pointer results), which copy libvirt's error
 * into this thread's capture the moment the call fails; virt_fail()
 * reports the capture and clears it.  A tolerated failure stays captured
 * until a newer one replaces it or it is reported; since a report always
 * follows a wrapped failing call, it names that call's error.  Worker
 * threads capture their own (the capture is thread-local). */

/* rc, after capturing libvirt's error when rc < 0. */
int virt_ck(int rc);
/* p, after capturing libvirt's error when p is NULL. */
void *virt_ckp(const void *p);

/* Record "what: <libvirt's captured error>" (HERD_E_VIRT), clear the
 * capture and return -1.  Without a capture (a call site that did not
 * wrap its call), libvirt's current error is taken before the arguments
 * are evaluated: they may call libvirt too (virDomainGetName...). */
#define virt_fail(err, ...) (virt_capture_pending(), virt_fail_saved((err), __VA_ARGS__))
void virt_capture_pending(void);
int virt_fail_saved(struct herd_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The captured error's code (VIR_ERR_*), 0 when none. */
int virt_last_code(void);
/* Drop the capture (after a failure the caller handled). */
void virt_forget(void);

/* Silence libvirt's default error printer (it writes every error to
 * stderr; herd reports its own) and initialise libvirt, once per process.
 * Called before the first libvirt call: connecting, the event loop. */
void virt_quiet_once(void);

/* The value of attribute `name` in the first element of xml (unescaped;
 * caller frees), or NULL. */
char *virt_xml_attr(const char *xml, const char *name);

/* The persistent XML of a network (caller frees), or NULL with libvirt's
 * error set.  Falls back to the live XML where the driver refuses the
 * flag (the test driver). */
char *virt_net_xml(virNetworkPtr nw);

/* The fleet pool's part of virt_observe (virt_pool.c): obs->pool when it
 * exists and carries fleet's mark (a pool of that name that does not is
 * not the fleet's: apply refuses it), and its volumes with names herd
 * gives. */
struct plan_observed;
int virt_pool_observe(struct virt *v, const char *fleet, struct plan_observed *obs,
		      struct herd_err *err);

/* Append s to b with XML's five entities escaped. */
struct buf;
void virt_xml_esc(struct buf *b, const char *s);

#endif
