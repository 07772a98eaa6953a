/* orchestrator/virt/virt.h — the libvirt connection (the only libvirt includer
 * is orchestrator/virt/).
 *
 * A struct virt wraps one virConnectPtr.  It may be shared by worker
 * threads: libvirt's client connection is thread-safe, and every error is
 * copied into the caller's struct herd_err right after the failing call
 * (libvirt's last error is per thread).  Volume operations that libvirt
 * does not serialise are serialised here per pool (virt_pool.h).
 *
 * Objects herd owns carry its mark: domains and networks a <metadata>
 * element in VIRT_XMLNS (<herd:vm fleet=... name=... spec=... />,
 * <herd:net fleet=... />); pools herd-<fleet> and herd--images a
 * <source><vendor name='herd'/><product name='fleet=F' or 'images'/>
 * (virt_own.h).  No function here adopts, changes or deletes an object
 * without its fleet's mark: it refuses (HERD_E_STATE, naming the object
 * and its owner).
 *
 * Every error from libvirt carries libvirt's own message, captured in the
 * calling thread right after the failing call (virt_int.h).
 */
#ifndef HERD_VIRT_H
#define HERD_VIRT_H

#include <stdbool.h>

#include "common/err.h"
#include "plans/plan.h"

#define VIRT_XMLNS "https://herd.dev/xmlns/1"
#define VIRT_XMLNS_PREFIX "herd"
#define VIRT_IMAGES_POOL "herd--images"	/* no fleet pool herd-<fleet> can be it */

struct virt;

/* Connect to uri (NULL: libvirt's default, i.e. LIBVIRT_DEFAULT_URI or
 * the driver's choice).  Returns the connection (virt_close) or NULL with
 * err (HERD_E_VIRT, naming the URI). */
struct virt *virt_open(const char *uri, struct herd_err *err);

/* Another connection to v's daemon, for one worker thread of its own:
 * libvirt's client serialises the calls of many threads over one socket,
 * and Debian 12's libvirt 9.0 was seen to lose a reply there (a worker
 * waited forever on an idle daemon).  It shares v's pool locks, so v must
 * outlive it; close it with virt_close.  NULL (use v itself) on the test
 * driver, whose state lives in one connection, or when the daemon refuses
 * another connection (err says why). */
struct virt *virt_open_sibling(struct virt *v, struct herd_err *err);
void virt_close(struct virt *v);

/* The URI libvirt says the connection has; borrowed until virt_close. */
const char *virt_uri(const struct virt *v);
/* True on the test:/// driver (domain type "test", no uploads). */
bool virt_is_test(const struct virt *v);
/* True when the connection is to a privileged (system) daemon. */
bool virt_is_system(const struct virt *v);

/* The URI herd should use: --connect, else the file's libvirt:, else
 * NULL (libvirt then reads LIBVIRT_DEFAULT_URI).  Borrowed. */
const char *virt_pick_uri(const char *opt, const char *file_uri);

/* Fill obs (zeroed by the caller) with what libvirt holds for fleet: the
 * tagged domains (state, cpus, memory, hashes from the metadata), the
 * tagged networks, the fleet pool and its volumes.  Returns 0, or -1 with
 * err (obs may then hold part: release it). */
int virt_observe(struct virt *v, const char *fleet, struct plan_observed *obs,
		 struct herd_err *err);

/* Names of every domain tagged for fleet (caller frees each and the
 * array); for destroy. */
int virt_list_fleet_domains(struct virt *v, const char *fleet, char ***names,
			    size_t *n, struct herd_err *err);

#endif
